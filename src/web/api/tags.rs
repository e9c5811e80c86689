//! `/api/v1/tag/{id}`: the active organisation's custom tags (get, update
//! colour / description / name, delete) and `listTag` in the query.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::ApiActor;
use super::v1::{parse_id, parse_json};
use crate::db::DbConn;
use crate::error::AppError;
use crate::service::tags::{self, Renamed, TagRow};
use crate::service::By;
use crate::startup::AppState;

/// A usage count for the API: exact up to the cap, the cap above it (then
/// `usageCapped` is true).
fn cap(n: i64) -> i64 {
    n.min(tags::USAGE_CAP)
}

/// TheHive renders a free tag as `predicate` with an empty namespace;
/// `name` and the usage counts are Tenantry's.
pub fn tag_json(r: &TagRow) -> Value {
    let t = &r.tag;
    let mut m = super::v1::meta(
        "Tag",
        t.id,
        &t.created_by,
        t.created_at,
        &t.updated_by,
        t.updated_at,
    );
    m.insert("namespace".into(), json!(""));
    m.insert("predicate".into(), json!(t.name));
    m.insert("name".into(), json!(t.name));
    m.insert("colour".into(), json!(t.colour));
    m.insert("description".into(), json!(t.description));
    m.insert(
        "usage".into(),
        json!({"cases": cap(r.cases), "alerts": cap(r.alerts), "observables": cap(r.observables), "caseTemplates": cap(r.templates)}),
    );
    m.insert(
        "usageCapped".into(),
        json!([r.cases, r.alerts, r.observables, r.templates]
            .iter()
            .any(|n| *n > tags::USAGE_CAP)),
    );
    Value::Object(m)
}

/// Every tag of the active organisation, by name, with its usage.
pub fn all_json(conn: &mut DbConn, by: &By) -> Result<Vec<Value>, AppError> {
    crate::service::cases::require_case_holder(by)?;
    Ok(
        tags::rows(conn, by.acting.organisation_id, "", tags::Sort::Name)?
            .iter()
            .map(tag_json)
            .collect(),
    )
}

fn one(conn: &mut DbConn, by: &By, id: i64) -> Result<Value, AppError> {
    let tag = tags::own(conn, by, id)?;
    tags::rows(conn, by.acting.organisation_id, &tag.name, tags::Sort::Name)?
        .iter()
        .find(|r| r.tag.id == id)
        .map(tag_json)
        .ok_or_else(|| AppError::not_found("No such tag."))
}

fn tag_id(key: &str) -> Result<i64, AppError> {
    parse_id(key).ok_or_else(|| AppError::not_found("No such tag."))
}

pub async fn get(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = tag_id(&path)?;
    let out = api
        .call(&state, false, move |conn, by| {
            crate::service::cases::require_case_holder(by)?;
            one(conn, by, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateTag {
    colour: Option<String>,
    description: Option<String>,
    /// TheHive's spelling of the name of a free tag.
    predicate: Option<String>,
    name: Option<String>,
    /// Renaming onto an existing tag merges into it only when asked.
    #[serde(default)]
    merge: bool,
}

/// `PATCH /api/v1/tag/{id}`: answers the tag as it now is (the tag it was
/// merged into, after a merge). Onto an existing name without `merge`: 409.
pub async fn update(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = tag_id(&path)?;
    let out = api
        .call(&state, true, move |conn, by| {
            tags::require(by)?;
            tags::own(conn, by, id)?;
            let patch: UpdateTag = parse_json(&body)?;
            if let Some(c) = &patch.colour {
                tags::set_colour(conn, by, id, c)?;
            }
            if let Some(d) = &patch.description {
                tags::set_description(conn, by, id, d)?;
            }
            let mut now = id;
            if let Some(n) = patch.name.as_ref().or(patch.predicate.as_ref()) {
                now = match tags::rename(conn, by, id, n, patch.merge)? {
                    Renamed::Renamed(t) | Renamed::Merged(t) => t.id,
                };
            }
            one(conn, by, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

pub async fn delete(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = tag_id(&path)?;
    api.call(&state, true, move |conn, by| {
        tags::delete(conn, by, id).map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
