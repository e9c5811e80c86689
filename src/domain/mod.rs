//! Pure domain types and rules. Knows nothing of actix or diesel.

pub mod names;
pub mod permissions;
pub mod policy;
pub mod sharing;
