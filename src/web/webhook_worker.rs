//! The webhook worker: claims due deliveries from the outbox, renders each
//! as TheHive 5's notification (the object as the API renders it for the
//! receiving organisation), posts it with a timeout and an HMAC-SHA256
//! signature when the endpoint has a secret, and records the attempt.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::db::models::{Webhook, WebhookDelivery};
use crate::db::{Db, DbConn};
use crate::domain::permissions::ProfileKind;
use crate::domain::policy::Acting;
use crate::error::AppError;
use crate::service::webhooks::{self, Attempt, Policy};
use crate::service::By;

/// The signature header: `sha256=<hex of HMAC-SHA256(secret, body)>`.
pub const SIGNATURE_HEADER: &str = "X-Tenantry-Signature";

pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// TheHive's verb for an audit action (n8n's event is `objectType_action`).
fn verb(action: &str) -> &'static str {
    if action.starts_with("create") {
        "create"
    } else if action.starts_with("delete") {
        "delete"
    } else {
        "update"
    }
}

/// The object as the API shows it to `org` now, if it still can see it.
fn object_for(conn: &mut DbConn, org: i64, kind: &str, id: i64) -> Option<Value> {
    let login = String::from("webhook");
    let by = By {
        login: &login,
        user_id: 0,
        acting: Acting {
            organisation_id: org,
            kind: ProfileKind::Organisation,
            permissions: ProfileKind::Organisation.scope(),
        },
    };
    let found: Result<Value, AppError> = match kind {
        "Case" => crate::service::cases::visible(conn, org, id)
            .and_then(|v| crate::web::api::cases::render(conn, &by, &v)),
        "Task" => crate::service::cases::items::visible_task(conn, org, id)
            .map(|(t, _, _)| crate::web::api::tasks::task_json(&t)),
        "Observable" => crate::service::cases::items::visible_observable(conn, org, id)
            .map(|(o, _)| o)
            .or_else(|_| crate::service::cases::alerts::observable(conn, &by, id))
            .and_then(|o| crate::web::api::observables::observable_json(conn, &o)),
        "Alert" => crate::service::cases::alerts::get(conn, &by, id)
            .and_then(|a| crate::web::api::alerts::alert_json(conn, &a)),
        _ => return None,
    };
    found.ok()
}

/// The notification of one delivery.
pub fn payload(conn: &mut DbConn, d: &WebhookDelivery) -> Result<Value, AppError> {
    let organisation: String = crate::db::admin::organisation_by_id(conn, d.organisation_id)?
        .map(|o| o.name)
        .unwrap_or_default();
    // A share is a change of its case, as TheHive reports it.
    let (kind, id) = match (d.object_type.as_str(), &d.root_id) {
        ("Share", Some(root)) => ("Case", root.parse::<i64>().ok()),
        (k, _) => (k, d.object_id.parse::<i64>().ok()),
    };
    let action = verb(&d.action);
    let operation = match action {
        "create" => "Creation",
        "delete" => "Delete",
        _ => "Update",
    };
    let details: Value = serde_json::from_str(&d.details).unwrap_or(json!({}));
    let mut body = json!({
        "_id": format!("~{}", d.id),
        "_type": "Audit",
        "_createdBy": d.actor,
        "_createdAt": d.event_at,
        "action": action,
        "operation": operation,
        "objectType": kind,
        "objectId": id.map_or(d.object_id.clone(), |i| format!("~{i}")),
        "rootId": d.root_id.as_ref().map(|r| format!("~{r}")),
        "base": true,
        "startDate": d.event_at,
        "requestId": format!("tenantry-{}", d.id),
        "details": details,
        "organisationId": format!("~{}", d.organisation_id),
        "organisation": organisation,
        "tenantryAction": d.action,
    });
    if let Some(object) = id.and_then(|i| object_for(conn, d.organisation_id, kind, i)) {
        body["object"] = object;
    }
    Ok(body)
}

/// One POST; never panics, whatever the endpoint does.
pub fn post(w: &Webhook, body: &[u8]) -> Attempt {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .max_redirects(0)
        .build()
        .into();
    let mut req = agent
        .post(&w.url)
        .header("Content-Type", "application/json")
        .header(
            "User-Agent",
            concat!("Tenantry/", env!("CARGO_PKG_VERSION")),
        );
    if let Some(secret) = &w.secret {
        req = req.header(SIGNATURE_HEADER, &signature(secret, body));
    }
    match req.send(body) {
        Ok(res) => {
            let status = res.status().as_u16();
            Attempt {
                status: Some(status),
                error: (!(200..300).contains(&status)).then(|| format!("HTTP {status}")),
            }
        }
        Err(e) => Attempt {
            status: None,
            error: Some(e.to_string()),
        },
    }
}

/// Delivers what is due once; answers how many deliveries it attempted.
pub async fn run_once(db: &Db, policy: Policy) -> Result<usize, AppError> {
    if !db.run(webhooks::has_due).await? {
        return Ok(0);
    }
    let batch = db
        .write(move |conn| webhooks::claim(conn, policy, 20))
        .await?;
    let n = batch.len();
    for (d, w) in batch {
        let rendered = {
            let d = d.clone();
            db.run(move |conn| payload(conn, &d)).await?
        };
        let body = serde_json::to_vec(&rendered).map_err(|e| AppError::internal(e.to_string()))?;
        let attempt = actix_web::web::block(move || post(&w, &body))
            .await
            .map_err(|e| AppError::internal(e.to_string()))?;
        db.write(move |conn| webhooks::finish(conn, &d, &attempt, policy))
            .await?;
    }
    Ok(n)
}

/// Runs the worker on the current actix runtime until it stops.
pub fn spawn(db: Db, policy: Policy, poll: Duration) {
    actix_web::rt::spawn(async move {
        loop {
            match run_once(&db, policy).await {
                // Idle: wake on this process's next commit, or poll (other
                // instances, retries coming due).
                Ok(0) => {
                    let _ = actix_web::rt::time::timeout(poll, db.committed()).await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "webhook worker");
                    actix_web::rt::time::sleep(poll).await;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(verb("createCase"), "create");
        assert_eq!(verb("deleteAlert"), "delete");
        assert_eq!(verb("shareCase"), "update");
    }
}
