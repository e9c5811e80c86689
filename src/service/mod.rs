//! Use cases: load the actor, check the rule, call the store, one transaction.

pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod passwords;
