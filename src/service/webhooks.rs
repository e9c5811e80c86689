//! Webhooks: per-organisation endpoints and the persistent outbox.
//!
//! `audit::record` calls [`enqueue`] in the transaction of every change: one
//! delivery row per enabled endpoint of every organisation that can see the
//! record (its own organisation, and the organisations holding a share of
//! the case it belongs to). A worker ([`claim`], [`finish`]) delivers them;
//! the rows outlive restarts, and on PostgreSQL several instances claim
//! disjoint rows (`FOR UPDATE SKIP LOCKED`).

use diesel::prelude::*;

use crate::db::models::{Webhook, WebhookDelivery};
use crate::db::schema::{observables, shares, tasks, webhook_deliveries, webhooks};
use crate::db::{now_ms, DbConn};
use crate::domain::permissions::Permission;
use crate::error::AppError;
use crate::service::audit::{self, Audit};
use crate::service::By;

/// Delivery attempts and back-off; the settings' defaults.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_attempts: i32,
    /// The first retry waits this long; each next one twice as long.
    pub backoff_ms: i64,
    /// How long a claimed row stays with its worker.
    pub lease_ms: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_attempts: 8,
            backoff_ms: 2_000,
            lease_ms: 60_000,
        }
    }
}

fn require(by: &By) -> Result<(), AppError> {
    crate::service::cases::require_case_holder(by)?;
    if !by.permissions().contains(Permission::ManageConfig) {
        return Err(AppError::forbidden("Webhooks need manageConfig."));
    }
    Ok(())
}

/// `http(s)://host[:port]/…`, and not this server itself (`own_port` on a
/// loopback or unspecified address).
pub fn check_url(url: &str, own_port: u16) -> Result<String, AppError> {
    let url = url.trim();
    let bad = |why: &str| AppError::bad_request(format!("The URL {why}."));
    let (rest, default_port) = if let Some(r) = url.strip_prefix("https://") {
        (r, 443)
    } else if let Some(r) = url.strip_prefix("http://") {
        (r, 80)
    } else {
        return Err(bad("must start with http:// or https://"));
    };
    if url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("is not valid"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Err(bad("needs a host (and no user name)"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("has a bad IPv6 host"))?;
        (h.to_ascii_lowercase(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
            None => (authority.to_ascii_lowercase(), None),
        }
    };
    let port: u16 = match port {
        Some(p) => p.parse().map_err(|_| bad("has a bad port"))?,
        None => default_port,
    };
    let local = host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
    if local && port == own_port {
        return Err(bad("points at this server"));
    }
    Ok(url.to_string())
}

fn list_field(text: &str) -> String {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

fn listed(filter: &str, value: &str) -> bool {
    filter.is_empty() || filter.split(',').any(|f| f.eq_ignore_ascii_case(value))
}

#[derive(Debug, Clone, Default)]
pub struct WebhookInput {
    pub name: String,
    pub url: String,
    pub secret: String,
    /// Comma-separated; empty means every action.
    pub actions: String,
    /// Comma-separated; empty means every object type.
    pub object_types: String,
}

pub fn list(conn: &mut DbConn, by: &By) -> Result<Vec<Webhook>, AppError> {
    require(by)?;
    Ok(webhooks::table
        .filter(webhooks::organisation_id.eq(by.acting.organisation_id))
        .order(webhooks::id.asc())
        .select(Webhook::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConn, by: &By, id: i64) -> Result<Webhook, AppError> {
    list(conn, by)?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or_else(|| AppError::not_found("No such webhook."))
}

fn record(
    conn: &mut DbConn,
    by: &By,
    action: &str,
    id: i64,
    details: serde_json::Value,
) -> Result<(), AppError> {
    audit::record_by(conn, by, "Webhook", action, id, details)
}

pub fn create(
    conn: &mut DbConn,
    by: &By,
    input: &WebhookInput,
    own_port: u16,
) -> Result<Webhook, AppError> {
    require(by)?;
    let name = input.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(AppError::bad_request(
            "The name is required (at most 100 characters).",
        ));
    }
    let url = check_url(&input.url, own_port)?;
    let org = by.acting.organisation_id;
    let taken = webhooks::table
        .filter(webhooks::organisation_id.eq(org))
        .filter(webhooks::name.eq(name))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if taken {
        return Err(AppError::conflict(format!(
            "A webhook named {name} already exists."
        )));
    }
    let secret = Some(input.secret.trim()).filter(|s| !s.is_empty());
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::organisation_id.eq(org),
            webhooks::name.eq(name),
            webhooks::url.eq(&url),
            webhooks::secret.eq(secret),
            webhooks::actions.eq(list_field(&input.actions)),
            webhooks::object_types.eq(list_field(&input.object_types)),
            webhooks::created_by.eq(by.login),
            webhooks::created_at.eq(now_ms()),
        ))
        .execute(conn)?;
    let id: i64 = webhooks::table
        .filter(webhooks::organisation_id.eq(org))
        .filter(webhooks::name.eq(name))
        .select(webhooks::id)
        .first(conn)?;
    record(
        conn,
        by,
        "createWebhook",
        id,
        serde_json::json!({ "name": name, "url": url }),
    )?;
    get(conn, by, id)
}

pub fn set_enabled(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    enabled: bool,
) -> Result<Webhook, AppError> {
    let w = get(conn, by, id)?;
    diesel::update(webhooks::table.find(w.id))
        .set((
            webhooks::enabled.eq(enabled),
            webhooks::updated_by.eq(by.login),
            webhooks::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    record(
        conn,
        by,
        if enabled {
            "enableWebhook"
        } else {
            "disableWebhook"
        },
        id,
        serde_json::json!({ "name": w.name }),
    )?;
    get(conn, by, id)
}

pub fn delete(conn: &mut DbConn, by: &By, id: i64) -> Result<(), AppError> {
    let w = get(conn, by, id)?;
    diesel::delete(webhooks::table.find(w.id)).execute(conn)?;
    record(
        conn,
        by,
        "deleteWebhook",
        id,
        serde_json::json!({ "name": w.name }),
    )
}

/// The newest deliveries of the organisation's endpoints.
pub fn deliveries(
    conn: &mut DbConn,
    by: &By,
    limit: i64,
) -> Result<Vec<(WebhookDelivery, String)>, AppError> {
    require(by)?;
    Ok(webhook_deliveries::table
        .inner_join(webhooks::table)
        .filter(webhooks::organisation_id.eq(by.acting.organisation_id))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select((WebhookDelivery::as_select(), webhooks::name))
        .load(conn)?)
}

/// A failed delivery goes back to the queue with a fresh attempt count.
pub fn retry(conn: &mut DbConn, by: &By, delivery: i64) -> Result<(), AppError> {
    require(by)?;
    let found = webhook_deliveries::table
        .inner_join(webhooks::table)
        .filter(webhooks::organisation_id.eq(by.acting.organisation_id))
        .filter(webhook_deliveries::id.eq(delivery))
        .filter(webhook_deliveries::status.eq("failed"))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !found {
        return Err(AppError::not_found("No such failed delivery."));
    }
    diesel::update(webhook_deliveries::table.find(delivery))
        .set((
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(now_ms()),
            webhook_deliveries::claimed_until.eq(None::<i64>),
        ))
        .execute(conn)?;
    record(
        conn,
        by,
        "retryWebhookDelivery",
        delivery,
        serde_json::json!({}),
    )
}

/// Queues a test notification for one endpoint.
pub fn send_test(conn: &mut DbConn, by: &By, id: i64) -> Result<(), AppError> {
    let w = get(conn, by, id)?;
    insert_deliveries(
        conn,
        &[(w.id, w.organisation_id)],
        &Pending {
            actor: by.login,
            action: "test",
            object_type: "Webhook",
            object_id: &w.id.to_string(),
            root_id: None,
            details: "{\"test\":true}",
            at: now_ms(),
        },
    )
}

struct Pending<'a> {
    actor: &'a str,
    action: &'a str,
    object_type: &'a str,
    object_id: &'a str,
    root_id: Option<&'a str>,
    details: &'a str,
    at: i64,
}

/// One delivery of `p` to each `(webhook, organisation)`: one statement,
/// however many endpoints listen.
fn insert_deliveries(conn: &mut DbConn, to: &[(i64, i64)], p: &Pending) -> Result<(), AppError> {
    if to.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = to
        .iter()
        .map(|&(webhook, org)| {
            (
                webhook_deliveries::webhook_id.eq(webhook),
                webhook_deliveries::organisation_id.eq(org),
                webhook_deliveries::actor.eq(p.actor),
                webhook_deliveries::action.eq(p.action),
                webhook_deliveries::object_type.eq(p.object_type),
                webhook_deliveries::object_id.eq(p.object_id),
                webhook_deliveries::root_id.eq(p.root_id),
                webhook_deliveries::details.eq(p.details),
                webhook_deliveries::event_at.eq(p.at),
                webhook_deliveries::next_attempt_at.eq(p.at),
            )
        })
        .collect();
    crate::db::insert_batch!(conn, webhook_deliveries::table, rows, 500);
    Ok(())
}

/// The case an audit record belongs to, if any. Records of an
/// organisation's own configuration (rules, webhooks, members) have none:
/// they stay with that organisation.
pub fn root_case(conn: &mut DbConn, a: &Audit) -> Result<Option<i64>, AppError> {
    let id = a.object_id.parse::<i64>().ok();
    Ok(match a.object_type {
        "Case" => id,
        "Share" => a.details.get("case").and_then(serde_json::Value::as_i64),
        "Task" => match id {
            Some(t) => tasks::table
                .find(t)
                .select(tasks::case_id)
                .first(conn)
                .optional()?,
            None => None,
        },
        "Observable" => match id {
            Some(o) => observables::table
                .find(o)
                .select(observables::case_id)
                .first::<Option<i64>>(conn)
                .optional()?
                .flatten(),
            None => None,
        },
        _ => None,
    })
}

/// Writes the deliveries of one audit record (called by `audit::record`, in
/// the change's transaction).
pub fn enqueue(
    conn: &mut DbConn,
    a: &Audit,
    root: Option<i64>,
    details: &str,
    at: i64,
) -> Result<(), AppError> {
    // One statement: the enabled endpoints of the record's organisation and
    // of every organisation that holds the object — a task or an observable
    // through the shares that carry it, anything else of a case through the
    // case's shares.
    use crate::db::schema::{observable_shares, task_shares};
    let id = a.object_id.parse::<i64>().ok();
    let holders: Option<crate::service::query::sql::Pred<webhooks::table>> =
        match (a.object_type, id, root) {
            ("Task", Some(task), Some(_)) => Some(Box::new(
                webhooks::organisation_id.eq_any(
                    task_shares::table
                        .inner_join(shares::table)
                        .filter(task_shares::task_id.eq(task))
                        .select(shares::organisation_id),
                ),
            )),
            ("Observable", Some(obs), Some(_)) => Some(Box::new(
                webhooks::organisation_id.eq_any(
                    observable_shares::table
                        .inner_join(shares::table)
                        .filter(observable_shares::observable_id.eq(obs))
                        .select(shares::organisation_id),
                ),
            )),
            (_, _, Some(case)) => Some(Box::new(
                webhooks::organisation_id.eq_any(
                    shares::table
                        .filter(shares::case_id.eq(case))
                        .select(shares::organisation_id),
                ),
            )),
            _ => None,
        };
    let q = webhooks::table
        .filter(webhooks::enabled.eq(true))
        .select(Webhook::as_select())
        .into_boxed();
    let q = match (a.organisation_id, holders) {
        (Some(own), Some(h)) => q.filter(webhooks::organisation_id.eq(own).or(h)),
        (Some(own), None) => q.filter(webhooks::organisation_id.eq(own)),
        (None, Some(h)) => q.filter(h),
        (None, None) => return Ok(()),
    };
    let endpoints: Vec<Webhook> = q.load(conn)?;
    let root_text = root.map(|r| r.to_string());
    let to: Vec<(i64, i64)> = endpoints
        .iter()
        .filter(|w| listed(&w.actions, a.action) && listed(&w.object_types, a.object_type))
        .map(|w| (w.id, w.organisation_id))
        .collect();
    insert_deliveries(
        conn,
        &to,
        &Pending {
            actor: a.actor,
            action: a.action,
            object_type: a.object_type,
            object_id: &a.object_id,
            root_id: root_text.as_deref(),
            details,
            at,
        },
    )
}

/// Whether any delivery is due: a read, so an idle worker takes no write lock.
pub fn has_due(conn: &mut DbConn) -> Result<bool, AppError> {
    let now = now_ms();
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .select(webhook_deliveries::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// Claims up to `limit` due deliveries for `policy.lease_ms`, with their
/// endpoints. Call inside a write transaction.
pub fn claim(
    conn: &mut DbConn,
    policy: Policy,
    limit: i64,
) -> Result<Vec<(WebhookDelivery, Webhook)>, AppError> {
    let now = now_ms();
    let due = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(
            webhook_deliveries::claimed_until
                .is_null()
                .or(webhook_deliveries::claimed_until.lt(now)),
        )
        // The index's order (most overdue first): the claim reads `limit`
        // entries of `webhook_deliveries_due` however long the backlog is.
        .order((
            webhook_deliveries::status.asc(),
            webhook_deliveries::next_attempt_at.asc(),
            webhook_deliveries::id.asc(),
        ))
        .limit(limit)
        .select(webhook_deliveries::id);
    let ids: Vec<i64> = match conn {
        // Each row goes to one worker, whatever the number of instances.
        DbConn::Pg(pg) => due.for_update().skip_locked().load(pg)?,
        // SQLite has one writer at a time (`BEGIN IMMEDIATE`).
        DbConn::Sqlite(lite) => due.load(lite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set(webhook_deliveries::claimed_until.eq(now + policy.lease_ms))
        .execute(conn)?;
    Ok(webhook_deliveries::table
        .inner_join(webhooks::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .order(webhook_deliveries::id.asc())
        .select((WebhookDelivery::as_select(), Webhook::as_select()))
        .load(conn)?)
}

/// What one attempt gave.
pub struct Attempt {
    pub status: Option<u16>,
    pub error: Option<String>,
}

impl Attempt {
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Records an attempt: delivered, retried later (exponential back-off) or
/// given up after `policy.max_attempts`.
pub fn finish(
    conn: &mut DbConn,
    d: &WebhookDelivery,
    attempt: &Attempt,
    policy: Policy,
) -> Result<(), AppError> {
    let now = now_ms();
    let attempts = d.attempts + 1;
    let (status, next) = if attempt.ok() {
        ("delivered", d.next_attempt_at)
    } else if attempts >= policy.max_attempts {
        ("failed", d.next_attempt_at)
    } else {
        let wait = policy
            .backoff_ms
            .saturating_mul(1 << (attempts - 1).clamp(0, 20));
        ("pending", now + wait)
    };
    diesel::update(webhook_deliveries::table.find(d.id))
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::attempts.eq(attempts),
            webhook_deliveries::next_attempt_at.eq(next),
            webhook_deliveries::claimed_until.eq(None::<i64>),
            webhook_deliveries::response_code.eq(attempt.status.map(i32::from)),
            webhook_deliveries::error.eq(attempt.error.as_deref()),
            webhook_deliveries::delivered_at.eq(attempt.ok().then_some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_http_and_never_this_server() {
        assert!(check_url("https://n8n.example/webhook/x", 8080).is_ok());
        assert!(check_url("http://127.0.0.1:5678/webhook", 8080).is_ok());
        for bad in [
            "ftp://x.example/",
            "file:///etc/passwd",
            "http://",
            "http://user@x.example/",
            "http://127.0.0.1:8080/api",
            "http://localhost:8080/",
            "http://[::1]:8080/",
            "http://0.0.0.0:8080/",
            "http://x.example:99999/",
            "http://x .example/",
        ] {
            assert!(check_url(bad, 8080).is_err(), "{bad}");
        }
        assert!(check_url("http://localhost/", 80).is_err(), "default port");
        assert!(listed("", "createCase"));
        assert!(listed("createCase,updateCase", "updatecase"));
        assert!(!listed("createCase", "deleteCase"));
    }
}
