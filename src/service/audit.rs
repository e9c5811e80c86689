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

/// Writes the record and, in the same transaction, the webhook deliveries
/// it makes (`service::webhooks::enqueue`).
pub fn record(conn: &mut DbConn, audit: Audit) -> Result<(), AppError> {
    let details = audit.details.to_string();
    let root = crate::service::webhooks::root_case(conn, &audit)?;
    let root_text = root.map(|r| r.to_string());
    let at = now_ms();
    queries::insert_audit(
        conn,
        &NewAuditRecord {
            actor: audit.actor,
            organisation_id: audit.organisation_id,
            action: audit.action,
            object_type: audit.object_type,
            object_id: &audit.object_id,
            root_id: root_text.as_deref(),
            details: &details,
            created_at: at,
        },
    )?;
    if audit.object_type != "Webhook" {
        crate::service::webhooks::enqueue(conn, &audit, root, &details, at)?;
    }
    Ok(())
}

/// A record of `by`'s change to one object, in the active organisation.
pub fn record_by(
    conn: &mut DbConn,
    by: &crate::service::By,
    object_type: &str,
    action: &str,
    id: i64,
    details: serde_json::Value,
) -> Result<(), AppError> {
    record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action,
            object_type,
            object_id: id.to_string(),
            details,
        },
    )
}
