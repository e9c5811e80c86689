//! Tenantry: the multi-tenant core of a SOC case-management platform.
//!
//! Layers: `domain` (pure rules) ← `service` (use cases, transactions) ←
//! `web` (extractors, pages, API). `db` holds connections, schema and
//! queries; `startup` wires the actix application.

pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod seed;
pub mod service;
pub mod startup;
pub mod web;
