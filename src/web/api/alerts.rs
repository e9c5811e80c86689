//! `/api/v1/alert…`: create (with observables), get, update (`addTags`,
//! `removeTags`), bulk update, delete, promote to a case, and observables
//! of an alert.

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::ApiActor;
use super::observables::{new_observables, observable_json};
use super::v1::{parse_id, parse_json, render_id};
use crate::db::models::Alert;
use crate::db::schema::observables;
use crate::db::DbConn;
use crate::domain::permissions::Permission;
use crate::error::AppError;
use crate::service::cases::alerts::{self, AlertPatch, NewAlert, PromoteFields};
use crate::service::cases::items::NewObservable;
use crate::service::tags;
use crate::startup::AppState;

const SEVERITY: [&str; 5] = ["", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
const TLP: [&str; 5] = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"];
const PAP: [&str; 4] = ["CLEAR", "GREEN", "AMBER", "RED"];

/// TheHive's label of a severity, TLP or PAP value.
pub fn label(names: &[&'static str], v: i32) -> &'static str {
    usize::try_from(v)
        .ok()
        .and_then(|i| names.get(i))
        .copied()
        .unwrap_or("")
}

pub fn severity_label(v: i32) -> &'static str {
    label(&SEVERITY, v)
}
pub fn tlp_label(v: i32) -> &'static str {
    label(&TLP, v)
}
pub fn pap_label(v: i32) -> &'static str {
    label(&PAP, v)
}

/// A page of alerts: their tags and observable counts in two statements.
pub fn alerts_json(conn: &mut DbConn, list: &[Alert]) -> Result<Vec<Value>, AppError> {
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    let mut names = super::cases::tag_names(conn, tags::Kind::Alert, &ids)?;
    let counts: std::collections::HashMap<Option<i64>, i64> = observables::table
        .filter(observables::alert_id.eq_any(ids.iter().map(|i| Some(*i)).collect::<Vec<_>>()))
        .group_by(observables::alert_id)
        .select((observables::alert_id, diesel::dsl::count_star()))
        .load::<(Option<i64>, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(list
        .iter()
        .map(|a| {
            let mut m = super::v1::meta(
                "Alert",
                a.id,
                &a.created_by,
                a.created_at,
                &a.updated_by,
                a.updated_at,
            );
            m.insert("type".into(), json!(a.alert_type));
            m.insert("source".into(), json!(a.source));
            m.insert("sourceRef".into(), json!(a.source_ref));
            m.insert("title".into(), json!(a.title));
            m.insert("description".into(), json!(a.description));
            m.insert("severity".into(), json!(a.severity));
            m.insert("severityLabel".into(), json!(severity_label(a.severity)));
            m.insert("date".into(), json!(a.created_at));
            m.insert(
                "tags".into(),
                json!(names.remove(&a.id).unwrap_or_default()),
            );
            m.insert("tlp".into(), json!(a.tlp));
            m.insert("tlpLabel".into(), json!(tlp_label(a.tlp)));
            m.insert("pap".into(), json!(a.pap));
            m.insert("papLabel".into(), json!(pap_label(a.pap)));
            m.insert("follow".into(), json!(a.follow));
            m.insert(
                "observableCount".into(),
                json!(counts.get(&Some(a.id)).copied().unwrap_or(0)),
            );
            if let Some(c) = a.case_id {
                m.insert("caseId".into(), json!(render_id(c)));
            }
            m.insert("status".into(), json!(a.status));
            let stage = match a.status.as_str() {
                "Imported" => "Imported",
                "Ignored" => "Closed",
                _ => "New",
            };
            m.insert("stage".into(), json!(stage));
            m.insert("newDate".into(), json!(a.created_at));
            m.insert("timeToDetect".into(), json!(0));
            m.insert("extraData".into(), json!({}));
            Value::Object(m)
        })
        .collect())
}

pub fn alert_json(conn: &mut DbConn, a: &Alert) -> Result<Value, AppError> {
    let mut out = alerts_json(conn, std::slice::from_ref(a))?;
    out.pop()
        .ok_or_else(|| AppError::internal("A rendered alert went missing."))
}

fn alert_id(key: &str) -> Result<i64, AppError> {
    parse_id(key).ok_or_else(|| AppError::not_found("No such alert."))
}

/// TheHive's alert input. Fields Tenantry does not keep (`externalLink`,
/// `date`, `customFields`, `procedures`, …) are accepted and ignored, as
/// alert sources send them routinely.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InputAlert {
    #[serde(rename = "type")]
    alert_type: String,
    source: String,
    source_ref: String,
    title: String,
    #[serde(default)]
    description: String,
    severity: Option<i32>,
    tlp: Option<i32>,
    pap: Option<i32>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    observables: Vec<Value>,
}

pub async fn create(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    alerts::require(&api.by(), Permission::AlertCreate)?;
    let input: InputAlert = parse_json(&body)?;
    let mut obs: Vec<NewObservable> = Vec::new();
    for o in &input.observables {
        let bytes = serde_json::to_vec(o).map_err(|e| AppError::internal(e.to_string()))?;
        obs.extend(new_observables(&bytes)?);
    }
    let new = NewAlert {
        alert_type: input.alert_type,
        source: input.source,
        source_ref: input.source_ref,
        title: input.title,
        description: input.description,
        severity: input.severity,
        tlp: input.tlp,
        pap: input.pap,
        tags: input.tags,
        observables: obs,
    };
    let out = api
        .call(&state, true, move |conn, by| {
            let a = alerts::create(conn, by, &new)?;
            alert_json(conn, &a)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

pub async fn get(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = alert_id(&path)?;
    let out = api
        .call(&state, false, move |conn, by| {
            let a = alerts::get(conn, by, id)?;
            alert_json(conn, &a)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateAlert {
    title: Option<String>,
    description: Option<String>,
    severity: Option<i32>,
    status: Option<String>,
    tlp: Option<i32>,
    pap: Option<i32>,
    tags: Option<Vec<String>>,
    #[serde(default)]
    add_tags: Vec<String>,
    #[serde(default)]
    remove_tags: Vec<String>,
}

impl From<UpdateAlert> for AlertPatch {
    fn from(u: UpdateAlert) -> Self {
        AlertPatch {
            title: u.title,
            description: u.description,
            severity: u.severity,
            status: u.status,
            tlp: u.tlp,
            pap: u.pap,
            tags: u.tags,
            add_tags: u.add_tags,
            remove_tags: u.remove_tags,
        }
    }
}

pub async fn update(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = alert_id(&path)?;
    api.call(&state, true, move |conn, by| {
        alerts::get(conn, by, id)?;
        alerts::require(by, Permission::AlertUpdate)?;
        let patch: UpdateAlert = parse_json(&body)?;
        alerts::update(conn, by, id, patch.into()).map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn bulk_update(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    super::v1::bulk(&state, &api, &body, |conn, by, key, patch: UpdateAlert| {
        alerts::update(conn, by, alert_id(key)?, patch.into()).map(drop)
    })
    .await
}

pub async fn delete(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = alert_id(&path)?;
    api.call(&state, true, move |conn, by| alerts::delete(conn, by, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InputPromote {
    title: Option<String>,
    description: Option<String>,
    severity: Option<i32>,
    tlp: Option<i32>,
    pap: Option<i32>,
    tags: Option<Vec<String>>,
    flag: Option<bool>,
    summary: Option<String>,
    assignee: Option<String>,
}

/// `POST /api/v1/alert/{id}/case`: the new case, as `GET /case/{id}`
/// renders it; the body may set the case's fields instead of the alert's.
pub async fn promote(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = alert_id(&path)?;
    let out = api
        .call(&state, true, move |conn, by| {
            alerts::get(conn, by, id)?;
            alerts::require(by, Permission::AlertUpdate)?;
            let f: InputPromote = if body.iter().all(u8::is_ascii_whitespace) {
                InputPromote::default()
            } else {
                parse_json(&body)?
            };
            let fields = PromoteFields {
                title: f.title,
                description: f.description,
                severity: f.severity,
                tlp: f.tlp,
                pap: f.pap,
                tags: f.tags,
                flag: f.flag,
                summary: f.summary,
                assignee: f.assignee,
            };
            let v = alerts::promote(conn, by, id, fields)?;
            super::cases::render(conn, by, &v)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// `POST /api/v1/alert/{id}/merge/{caseId}`: the case, with the alert's
/// observables added.
pub async fn merge(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (alert, case) = path.into_inner();
    let id = alert_id(&alert)?;
    let out = api
        .call(&state, true, move |conn, by| {
            alerts::get(conn, by, id)?;
            let target = super::cases::resolve(conn, by.acting.organisation_id, &case)?;
            let v = alerts::merge(conn, by, id, target.case.id)?;
            super::cases::render(conn, by, &v)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

pub async fn follow(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_follow(state, api, path, true).await
}

pub async fn unfollow(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_follow(state, api, path, false).await
}

async fn set_follow(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    follow: bool,
) -> Result<HttpResponse, AppError> {
    let id = alert_id(&path)?;
    let out = api
        .call(&state, true, move |conn, by| {
            alerts::set_follow(conn, by, id, follow)?;
            let a = alerts::get(conn, by, id)?;
            alert_json(conn, &a)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ids {
    ids: Vec<String>,
}

/// `POST /api/v1/alert/delete/_bulk` `{"ids": [...]}`: all or nothing.
pub async fn bulk_delete(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    crate::service::cases::require_case_holder(&api.by())?;
    let ids: Ids = parse_json(&body)?;
    api.call(&state, true, move |conn, by| {
        for key in &ids.ids {
            alerts::delete(conn, by, alert_id(key)?)?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/alert/{id}/observable`: one observable per `data` value;
/// the answer is always a list.
pub async fn create_observable(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = alert_id(&path)?;
    let out = api
        .call(&state, true, move |conn, by| {
            alerts::get(conn, by, id)?;
            alerts::require(by, Permission::AlertUpdate)?;
            let mut out = Vec::new();
            for new in new_observables(&body)? {
                let o = alerts::add_observable(conn, by, id, &new)?;
                out.push(observable_json(conn, &o)?);
            }
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}
