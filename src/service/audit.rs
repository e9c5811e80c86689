//! Audit records: every state change writes one, in the same transaction.

use crate::db::models::NewAuditRecord;
use crate::db::{now_ms, queries, DbConn};
use crate::error::AppError;

/// What changed, by whom, in which organisation.
pub struct Audit<'a> {
    pub actor: &'a str,
    pub organisation_id: Option<i64>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub details: serde_json::Value,
}

pub fn record(conn: &mut DbConn, audit: Audit) -> Result<(), AppError> {
    let details = audit.details.to_string();
    queries::insert_audit(
        conn,
        &NewAuditRecord {
            actor: audit.actor,
            organisation_id: audit.organisation_id,
            action: audit.action,
            object_type: audit.object_type,
            object_id: &audit.object_id,
            root_id: None,
            details: &details,
            created_at: now_ms(),
        },
    )?;
    Ok(())
}
