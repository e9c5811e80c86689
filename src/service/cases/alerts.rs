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
use crate::service::audit;
use crate::service::tags::{self, Kind};
use crate::service::By;

pub const ALERT_STATUSES: [&str; 9] = [
    "New",
    "Updated",
    "InProgress",
    "Ignored",
    "Imported",
    "TruePositive",
    "FalsePositive",
    "Duplicated",
    "Other",
];

/// An alert right of the active organisation (403 otherwise).
pub fn require(by: &By, p: Permission) -> Result<(), AppError> {
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
    audit::record_by(conn, by, "Alert", action, id, details)
}

fn check_scale(name: &str, v: i32, max: i32) -> Result<i32, AppError> {
    if (0..=max).contains(&v) {
        Ok(v)
    } else {
        Err(AppError::bad_request(format!(
            "{name} must be between 0 and {max}."
        )))
    }
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
            alerts::tlp.eq(check_scale("tlp", new.tlp.unwrap_or(2), 4)?),
            alerts::pap.eq(check_scale("pap", new.pap.unwrap_or(2), 3)?),
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
    pub tlp: Option<i32>,
    pub pap: Option<i32>,
    pub tags: Option<Vec<String>>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
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
    if let Some(t) = patch.tlp {
        a.tlp = check_scale("tlp", t, 4)?;
    }
    if let Some(p) = patch.pap {
        a.pap = check_scale("pap", p, 3)?;
    }
    if let Some(t) = &patch.tags {
        tags::replace(conn, by, Kind::Alert, a.id, t)?;
    }
    if !patch.add_tags.is_empty() || !patch.remove_tags.is_empty() {
        tags::change(
            conn,
            by,
            Kind::Alert,
            a.id,
            &patch.add_tags,
            &patch.remove_tags,
        )?;
    }
    diesel::update(alerts::table.find(a.id))
        .set((
            alerts::title.eq(&a.title),
            alerts::description.eq(&a.description),
            alerts::severity.eq(a.severity),
            alerts::status.eq(&a.status),
            alerts::tlp.eq(a.tlp),
            alerts::pap.eq(a.pap),
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

/// What a promotion may set instead of the alert's values.
#[derive(Debug, Clone, Default)]
pub struct PromoteFields {
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<i32>,
    pub tlp: Option<i32>,
    pub pap: Option<i32>,
    pub tags: Option<Vec<String>>,
    pub flag: Option<bool>,
    pub summary: Option<String>,
    pub assignee: Option<String>,
}

fn unattached(conn: &mut DbConn, by: &By, id: i64) -> Result<Alert, AppError> {
    require(by, Permission::AlertUpdate)?;
    let a = get(conn, by, id)?;
    if let Some(case_id) = a.case_id {
        return Err(AppError::conflict(format!(
            "The alert was already promoted or merged (case {case_id})."
        )));
    }
    Ok(a)
}

/// Copies the alert's observables into the case and marks the alert
/// imported into it.
fn attach(
    conn: &mut DbConn,
    by: &By,
    a: &Alert,
    case: &Visible,
    action: &str,
) -> Result<(), AppError> {
    let obs: Vec<Observable> = observables::table
        .filter(observables::alert_id.eq(a.id))
        .select(Observable::as_select())
        .load(conn)?;
    for o in obs {
        let observable_tags = tags::names(conn, Kind::Observable, o.id)?;
        super::items::attach_new_observable(
            conn,
            by,
            case,
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
        action,
        a.id,
        serde_json::json!({ "case": case.case.id }),
    )
}

/// Creates a case from the alert (title, description, severity, TLP, PAP,
/// tags, observables — `fields` may set others) and marks the alert imported.
pub fn promote(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    fields: PromoteFields,
) -> Result<Visible, AppError> {
    let a = unattached(conn, by, id)?;
    let alert_tags = tags::names(conn, Kind::Alert, a.id)?;
    let case = super::create(
        conn,
        by,
        NewCase {
            title: fields.title.unwrap_or_else(|| a.title.clone()),
            description: fields.description.unwrap_or_else(|| a.description.clone()),
            severity: Some(fields.severity.unwrap_or(a.severity)),
            tlp: Some(fields.tlp.unwrap_or(a.tlp)),
            pap: Some(fields.pap.unwrap_or(a.pap)),
            tags: fields.tags.unwrap_or(alert_tags),
            flag: fields.flag.unwrap_or(false),
            summary: fields.summary,
            assignee: fields.assignee,
            ..NewCase::default()
        },
    )?;
    attach(conn, by, &a, &case, "promoteAlert")?;
    super::visible(conn, by.acting.organisation_id, case.case.id)
}

/// Merges the alert into an existing case the organisation may add
/// observables to.
pub fn merge(conn: &mut DbConn, by: &By, id: i64, case_id: i64) -> Result<Visible, AppError> {
    let a = unattached(conn, by, id)?;
    let case = super::visible(conn, by.acting.organisation_id, case_id)?;
    case.require(by, crate::domain::sharing::CaseAction::ManageObservables)?;
    attach(conn, by, &a, &case, "mergeAlert")?;
    super::visible(conn, by.acting.organisation_id, case_id)
}

pub fn set_follow(conn: &mut DbConn, by: &By, id: i64, follow: bool) -> Result<(), AppError> {
    require(by, Permission::AlertUpdate)?;
    let a = get(conn, by, id)?;
    diesel::update(alerts::table.find(a.id))
        .set(alerts::follow.eq(follow))
        .execute(conn)?;
    record(
        conn,
        by,
        if follow {
            "followAlert"
        } else {
            "unfollowAlert"
        },
        a.id,
        serde_json::json!({}),
    )
}

/// An observable of one of the organisation's alerts; 404 otherwise.
pub fn observable(conn: &mut DbConn, by: &By, id: i64) -> Result<Observable, AppError> {
    observables::table
        .filter(observables::id.eq(id))
        .filter(
            observables::alert_id.eq_any(
                alerts::table
                    .filter(alerts::organisation_id.eq(by.acting.organisation_id))
                    .select(alerts::id.nullable()),
            ),
        )
        .select(Observable::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("No such observable."))
}
