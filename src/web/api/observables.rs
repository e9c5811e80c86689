//! `/api/v1/observable…` and `POST /api/v1/case/{id}/observable` (a list of
//! `data` makes one observable each; the answer is always a list).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::ApiActor;
use super::tasks::change_item_shares;
use super::v1::{creator, parse_id, parse_json, render_id};
use crate::db::models::Observable;
use crate::db::DbConn;
use crate::domain::sharing::CaseAction;
use crate::error::AppError;
use crate::service::cases::items::{self, NewObservable, ObservablePatch};
use crate::service::tags;
use crate::startup::AppState;

pub fn observable_json(conn: &mut DbConn, org: i64, o: &Observable) -> Result<Value, AppError> {
    let names: Vec<String> = tags::chips(conn, tags::Kind::Observable, &[o.id])?
        .remove(&o.id)
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.organisation_id == org)
        .map(|c| c.name)
        .collect();
    let mut m = serde_json::Map::new();
    m.insert("_id".into(), json!(render_id(o.id)));
    m.insert("_type".into(), json!("Observable"));
    m.insert("_createdBy".into(), json!(creator(&o.created_by)));
    m.insert("_createdAt".into(), json!(o.created_at));
    if let Some(by) = &o.updated_by {
        m.insert("_updatedBy".into(), json!(by));
    }
    if let Some(at) = o.updated_at {
        m.insert("_updatedAt".into(), json!(at));
    }
    m.insert("dataType".into(), json!(o.data_type));
    m.insert("data".into(), json!(o.data));
    m.insert("message".into(), json!(o.message));
    m.insert("tlp".into(), json!(o.tlp));
    m.insert("pap".into(), json!(o.pap));
    m.insert("ioc".into(), json!(o.ioc));
    m.insert("sighted".into(), json!(o.sighted));
    m.insert("tags".into(), json!(names));
    m.insert("extraData".into(), json!({}));
    Ok(Value::Object(m))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InputObservable {
    data_type: String,
    data: OneOrMany,
    message: Option<String>,
    tlp: Option<i32>,
    pap: Option<i32>,
    #[serde(default)]
    ioc: bool,
    #[serde(default)]
    sighted: bool,
    #[serde(default)]
    tags: Vec<String>,
}

pub async fn create_in_case(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let out = api
        .call(&state, true, move |conn, by| {
            let v = super::cases::resolve(conn, by.acting.organisation_id, &key)?;
            v.require(by, CaseAction::ManageObservables)?;
            let input: InputObservable = parse_json(&body)?;
            let data = match input.data {
                OneOrMany::One(d) => vec![d],
                OneOrMany::Many(d) => d,
            };
            let mut out = Vec::new();
            for d in data {
                let new = NewObservable {
                    data_type: input.data_type.clone(),
                    data: d,
                    message: input.message.clone(),
                    tlp: input.tlp,
                    pap: input.pap,
                    ioc: input.ioc,
                    sighted: input.sighted,
                    tags: input.tags.clone(),
                };
                let o = items::create_observable(conn, by, v.case.id, &new)?;
                out.push(observable_json(conn, by.acting.organisation_id, &o)?);
            }
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

fn observable_id(key: &str) -> Result<i64, AppError> {
    parse_id(key).ok_or_else(|| AppError::not_found("No such observable."))
}

pub async fn get(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = observable_id(&path)?;
    let out = api
        .call(&state, false, move |conn, by| {
            let (o, _) = items::visible_observable(conn, by.acting.organisation_id, id)?;
            observable_json(conn, by.acting.organisation_id, &o)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateObservable {
    data_type: Option<String>,
    message: Option<String>,
    tlp: Option<i32>,
    pap: Option<i32>,
    ioc: Option<bool>,
    sighted: Option<bool>,
    tags: Option<Vec<String>>,
}

impl From<UpdateObservable> for ObservablePatch {
    fn from(u: UpdateObservable) -> Self {
        ObservablePatch {
            data_type: u.data_type,
            message: u.message,
            tlp: u.tlp,
            pap: u.pap,
            ioc: u.ioc,
            sighted: u.sighted,
            tags: u.tags,
        }
    }
}

pub async fn update(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = observable_id(&path)?;
    api.call(&state, true, move |conn, by| {
        let (_, v) = items::visible_observable(conn, by.acting.organisation_id, id)?;
        v.require(by, CaseAction::ManageObservables)?;
        let patch: UpdateObservable = parse_json(&body)?;
        items::update_observable(conn, by, id, patch.into()).map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct BulkUpdate {
    ids: Vec<String>,
    #[serde(flatten)]
    fields: Value,
}

pub async fn bulk_update(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    crate::service::cases::require_case_holder(&api.by())?;
    let bulk: BulkUpdate = parse_json(&body)?;
    let fields = serde_json::to_vec(&bulk.fields).map_err(|e| AppError::internal(e.to_string()))?;
    api.call(&state, true, move |conn, by| {
        for key in &bulk.ids {
            let patch: UpdateObservable = parse_json(&fields)?;
            items::update_observable(conn, by, observable_id(key)?, patch.into())?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn delete(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = observable_id(&path)?;
    api.call(&state, true, move |conn, by| {
        items::delete_observable(conn, by, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn observable_case(
    id: i64,
) -> impl FnOnce(&mut DbConn, i64) -> Result<crate::service::cases::Visible, AppError> {
    move |conn, org| Ok(items::visible_observable(conn, org, id)?.1)
}

/// `POST /api/v1/observable/{id}/shares`.
pub async fn share(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = observable_id(&path)?;
    change_item_shares(
        &state,
        &api,
        body,
        observable_case(id),
        move |conn, by, orgs| items::share_observable(conn, by, id, orgs),
    )
    .await
}

/// `DELETE /api/v1/observable/{id}/shares`.
pub async fn unshare(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = observable_id(&path)?;
    change_item_shares(
        &state,
        &api,
        body,
        observable_case(id),
        move |conn, by, orgs| items::unshare_observable(conn, by, id, orgs),
    )
    .await
}

pub async fn list_shares(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = observable_id(&path)?;
    let out = api
        .call(&state, false, move |conn, by| {
            Ok(items::observable_holders(conn, by, id)?
            .into_iter()
            .filter(|(org, _)| *org != by.acting.organisation_id)
            .map(
                |(org, name)| json!({ "organisationId": render_id(org), "organisationName": name }),
            )
            .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
