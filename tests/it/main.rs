//! The one integration test binary: real servers, real databases, real HTTP,
//! and a real browser where Chromium is installed.

mod support;

mod admin;
mod api;
mod api_v1;
mod automation;
mod browser;
mod cases;
mod instances;
mod matrix;
mod property;
mod scale;
mod security;
mod seed;
mod sessions;
mod setup;
mod sign_in;
mod switcher;
mod tags;
mod webhooks;
