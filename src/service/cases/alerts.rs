//! Alerts of the active organisation; promotion to a case carries the
//! observables over.

use diesel::prelude::*;

use super::items::{insert_observable, NewObservable};
use super::{check_title, require_case_holder, NewCase, Visible};
use crate::db::models::{Alert, Observable};
use crate::db::schema::{alerts, observables};
use crate::db::{now_ms, DbConn};
use crate::domain::permissions::Permission;
use crate::error::AppError;
use crate::service::audit::{self, Audit};
use crate::service::tags::{self, Kind};
use crate::service::By;

pub const ALERT_STATUSES: [&str; 4] = ["New", "Updated", "Ignored", "Imported"];

fn require(by: &By, p: Permission) -> Result<(), AppError> {
    require_case_holder(by)?;
    if !by.permissions().contains(p) {
        return Err(AppError::forbidden(format!("This needs {p}.")));
    }
    Ok(())
}

fn record(
    conn: &mut DbConn,
    by: &By,
    action: &str,
    id: i64,
    details: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action,
            object_type: "Alert",
            object_id: id.to_string(),
            details,
        },
    )
}

#[derive(Debug, Clone, Default)]
pub struct NewAlert {
    pub alert_type: String,
    pub source: String,
    pub source_ref: String,
    pub title: String,
    pub description: String,
    pub severity: Option<i32>,
    pub tlp: Option<i32>,
    pub pap: Option<i32>,
    pub tags: Vec<String>,
    pub observables: Vec<NewObservable>,
}

pub fn create(conn: &mut DbConn, by: &By, new: &NewAlert) -> Result<Alert, AppError> {
    require(by, Permission::AlertCreate)?;
    let title = check_title(&new.title)?;
    for (name, v) in [
        ("type", &new.alert_type),
        ("source", &new.source),
        ("sourceRef", &new.source_ref),
    ] {
        if v.trim().is_empty() {
            return Err(AppError::bad_request(format!("The {name} is required.")));
        }
    }
    let severity = new.severity.unwrap_or(2);
    if !(1..=4).contains(&severity) {
        return Err(AppError::bad_request("severity must be between 1 and 4."));
    }
    let org = by.acting.organisation_id;
    let exists = alerts::table
        .filter(alerts::organisation_id.eq(org))
        .filter(alerts::alert_type.eq(new.alert_type.trim()))
        .filter(alerts::source.eq(new.source.trim()))
        .filter(alerts::source_ref.eq(new.source_ref.trim()))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Err(AppError::conflict(
            "An alert with this type, source and source reference already exists.",
        ));
    }
    diesel::insert_into(alerts::table)
        .values((
            alerts::organisation_id.eq(org),
            alerts::alert_type.eq(new.alert_type.trim()),
            alerts::source.eq(new.source.trim()),
            alerts::source_ref.eq(new.source_ref.trim()),
            alerts::title.eq(&title),
            alerts::description.eq(new.description.trim()),
            alerts::severity.eq(severity),
            alerts::tlp.eq(new.tlp.unwrap_or(2).clamp(0, 4)),
            alerts::pap.eq(new.pap.unwrap_or(2).clamp(0, 3)),
            alerts::created_by.eq(by.login),
            alerts::created_at.eq(now_ms()),
        ))
        .execute(conn)?;
    let alert: Alert = alerts::table
        .filter(alerts::organisation_id.eq(org))
        .filter(alerts::alert_type.eq(new.alert_type.trim()))
        .filter(alerts::source.eq(new.source.trim()))
        .filter(alerts::source_ref.eq(new.source_ref.trim()))
        .select(Alert::as_select())
        .first(conn)?;
    tags::change(conn, by, Kind::Alert, alert.id, &new.tags, &[])?;
    for o in &new.observables {
        insert_observable(conn, by, None, Some(alert.id), o)?;
    }
    record(
        conn,
        by,
        "createAlert",
        alert.id,
        serde_json::json!({ "title": title, "source": alert.source }),
    )?;
    Ok(alert)
}

/// An alert of the active organisation; 404 otherwise.
pub fn get(conn: &mut DbConn, by: &By, id: i64) -> Result<Alert, AppError> {
    alerts::table
        .filter(alerts::id.eq(id))
        .filter(alerts::organisation_id.eq(by.acting.organisation_id))
        .select(Alert::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("No such alert."))
}

/// Newest first, 50 a page, by key.
pub fn list(
    conn: &mut DbConn,
    by: &By,
    tag: Option<&str>,
    before: Option<i64>,
) -> Result<Vec<Alert>, AppError> {
    let mut q = alerts::table
        .filter(alerts::organisation_id.eq(by.acting.organisation_id))
        .into_boxed();
    if let Some(tag) = tag {
        use crate::db::schema::{alert_tags, tags as tag_table};
        let tagged = alert_tags::table
            .inner_join(tag_table::table)
            .filter(tag_table::organisation_id.eq(by.acting.organisation_id))
            .filter(tag_table::name.eq(tag.to_string()))
            .select(alert_tags::alert_id);
        q = q.filter(alerts::id.eq_any(tagged));
    }
    if let Some(b) = before {
        q = q.filter(alerts::id.lt(b));
    }
    Ok(q.order(alerts::id.desc())
        .limit(50)
        .select(Alert::as_select())
        .load(conn)?)
}

pub fn observables_of(conn: &mut DbConn, by: &By, id: i64) -> Result<Vec<Observable>, AppError> {
    let alert = get(conn, by, id)?;
    Ok(observables::table
        .filter(observables::alert_id.eq(alert.id))
        .order(observables::id.asc())
        .select(Observable::as_select())
        .load(conn)?)
}

pub fn add_observable(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    new: &NewObservable,
) -> Result<Observable, AppError> {
    require(by, Permission::AlertUpdate)?;
    let alert = get(conn, by, id)?;
    insert_observable(conn, by, None, Some(alert.id), new)
}

#[derive(Debug, Clone, Default)]
pub struct AlertPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<i32>,
    pub status: Option<String>,
    pub tags: Option<Vec<String>>,
}

pub fn update(conn: &mut DbConn, by: &By, id: i64, patch: AlertPatch) -> Result<Alert, AppError> {
    require(by, Permission::AlertUpdate)?;
    let mut a = get(conn, by, id)?;
    if let Some(t) = &patch.title {
        a.title = check_title(t)?;
    }
    if let Some(d) = patch.description {
        a.description = d.trim().to_string();
    }
    if let Some(s) = patch.severity {
        if !(1..=4).contains(&s) {
            return Err(AppError::bad_request("severity must be between 1 and 4."));
        }
        a.severity = s;
    }
    if let Some(s) = patch.status {
        if !ALERT_STATUSES.contains(&s.as_str()) {
            return Err(AppError::bad_request(format!(
                "Unknown alert status \"{s}\"."
            )));
        }
        a.status = s;
    }
    if let Some(t) = &patch.tags {
        tags::replace(conn, by, Kind::Alert, a.id, t)?;
    }
    diesel::update(alerts::table.find(a.id))
        .set((
            alerts::title.eq(&a.title),
            alerts::description.eq(&a.description),
            alerts::severity.eq(a.severity),
            alerts::status.eq(&a.status),
            alerts::updated_by.eq(by.login),
            alerts::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    record(
        conn,
        by,
        "updateAlert",
        a.id,
        serde_json::json!({ "status": a.status }),
    )?;
    get(conn, by, id)
}

pub fn delete(conn: &mut DbConn, by: &By, id: i64) -> Result<(), AppError> {
    require(by, Permission::AlertDelete)?;
    let a = get(conn, by, id)?;
    diesel::delete(alerts::table.find(a.id)).execute(conn)?;
    record(
        conn,
        by,
        "deleteAlert",
        a.id,
        serde_json::json!({ "title": a.title }),
    )
}

/// Creates a case from the alert (title, description, severity, TLP, PAP,
/// tags, observables) and marks the alert imported.
pub fn promote(conn: &mut DbConn, by: &By, id: i64) -> Result<Visible, AppError> {
    require(by, Permission::AlertUpdate)?;
    let a = get(conn, by, id)?;
    if let Some(case_id) = a.case_id {
        return Err(AppError::conflict(format!(
            "The alert was already promoted (case {case_id})."
        )));
    }
    let alert_tags = tags::names(conn, Kind::Alert, a.id)?;
    let case = super::create(
        conn,
        by,
        NewCase {
            title: a.title.clone(),
            description: a.description.clone(),
            severity: Some(a.severity),
            tlp: Some(a.tlp),
            pap: Some(a.pap),
            tags: alert_tags,
            ..NewCase::default()
        },
    )?;
    let obs: Vec<Observable> = observables::table
        .filter(observables::alert_id.eq(a.id))
        .select(Observable::as_select())
        .load(conn)?;
    for o in obs {
        let observable_tags = tags::names(conn, Kind::Observable, o.id)?;
        super::items::attach_new_observable(
            conn,
            by,
            &case,
            &NewObservable {
                data_type: o.data_type,
                data: o.data,
                message: Some(o.message),
                tlp: Some(o.tlp),
                pap: Some(o.pap),
                ioc: o.ioc,
                sighted: o.sighted,
                tags: observable_tags,
            },
        )?;
    }
    diesel::update(alerts::table.find(a.id))
        .set((
            alerts::case_id.eq(case.case.id),
            alerts::status.eq("Imported"),
            alerts::updated_by.eq(by.login),
            alerts::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    record(
        conn,
        by,
        "promoteAlert",
        a.id,
        serde_json::json!({ "case": case.case.id }),
    )?;
    super::visible(conn, by.acting.organisation_id, case.case.id)
}
