//! Use cases: load the actor, check the rule, call the store, one transaction.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod auto_share;
pub mod bootstrap;
pub mod cases;
pub mod members;
pub mod organisations;
pub mod passwords;
pub mod profiles;
pub mod query;
pub mod tags;
pub mod webhooks;

use crate::domain::permissions::Permissions;
use crate::domain::policy::Acting;

/// Who acts: their login (for audit records), id and rights in the active
/// organisation.
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    pub login: &'a str,
    pub user_id: i64,
    pub acting: Acting,
}

impl By<'_> {
    pub fn permissions(&self) -> Permissions {
        self.acting.permissions
    }
}
