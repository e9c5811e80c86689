//! `/api/v1/observable…` and `POST /api/v1/case/{id}/observable` (a list of
//! `data` makes one observable each; the answer is always a list).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::ApiActor;
use super::tasks::change_item_shares;
use super::v1::{parse_id, parse_json, render_id};
use crate::db::models::Observable;
use crate::db::DbConn;
use crate::domain::sharing::CaseAction;
use crate::error::AppError;
use crate::service::cases::items::{self, NewObservable, ObservablePatch};
use crate::service::tags;
use crate::startup::AppState;

pub fn observable_json(conn: &mut DbConn, o: &Observable) -> Result<Value, AppError> {
    let mut out = observables_json(conn, std::slice::from_ref(o))?;
    out.pop()
        .ok_or_else(|| AppError::internal("A rendered observable went missing."))
}

/// A page of observables; their tags in one statement.
pub fn observables_json(conn: &mut DbConn, list: &[Observable]) -> Result<Vec<Value>, AppError> {
    let ids: Vec<i64> = list.iter().map(|o| o.id).collect();
    let mut names = super::cases::tag_names(conn, tags::Kind::Observable, &ids)?;
    Ok(list
        .iter()
        .map(|o| {
            let mut m = super::v1::meta(
                "Observable",
                o.id,
                &o.created_by,
                o.created_at,
                &o.updated_by,
                o.updated_at,
            );
            m.insert("dataType".into(), json!(o.data_type));
            m.insert("data".into(), json!(o.data));
            m.insert("message".into(), json!(o.message));
            m.insert("startDate".into(), json!(o.created_at));
            m.insert("tlp".into(), json!(o.tlp));
            m.insert("tlpLabel".into(), json!(super::alerts::tlp_label(o.tlp)));
            m.insert("pap".into(), json!(o.pap));
            m.insert("papLabel".into(), json!(super::alerts::pap_label(o.pap)));
            m.insert("ioc".into(), json!(o.ioc));
            m.insert("sighted".into(), json!(o.sighted));
            m.insert(
                "tags".into(),
                json!(names.remove(&o.id).unwrap_or_default()),
            );
            m.insert("reports".into(), json!({}));
            m.insert("ignoreSimilarity".into(), json!(false));
            m.insert("external".into(), json!(false));
            m.insert("extraData".into(), json!({}));
            Value::Object(m)
        })
        .collect())
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

/// The observables one create request makes: one per `data` value.
pub fn new_observables(body: &[u8]) -> Result<Vec<NewObservable>, AppError> {
    let input: InputObservable = parse_json(body)?;
    let data = match input.data {
        OneOrMany::One(d) => vec![d],
        OneOrMany::Many(d) => d,
    };
    Ok(data
        .into_iter()
        .map(|d| NewObservable {
            data_type: input.data_type.clone(),
            data: d,
            message: input.message.clone(),
            tlp: input.tlp,
            pap: input.pap,
            ioc: input.ioc,
            sighted: input.sighted,
            tags: input.tags.clone(),
        })
        .collect())
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
            let mut out = Vec::new();
            for new in new_observables(&body)? {
                let o = items::create_observable(conn, by, v.case.id, &new)?;
                out.push(observable_json(conn, &o)?);
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
            let o = match items::visible_observable(conn, by.acting.organisation_id, id) {
                Ok((o, _)) => o,
                Err(e) if e.kind == crate::error::ErrorKind::NotFound => {
                    crate::service::cases::alerts::observable(conn, by, id)?
                }
                Err(e) => return Err(e),
            };
            observable_json(conn, &o)
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

pub async fn bulk_update(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    super::v1::bulk(
        &state,
        &api,
        &body,
        |conn, by, key, patch: UpdateObservable| {
            items::update_observable(conn, by, observable_id(key)?, patch.into()).map(drop)
        },
    )
    .await
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
