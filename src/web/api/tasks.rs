//! `/api/v1/task…` and `POST /api/v1/case/{id}/task`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::ApiActor;
use super::v1::{parse_id, parse_json};
use crate::db::models::Task;
use crate::db::DbConn;
use crate::error::AppError;
use crate::service::cases::items::{self, NewTask, TaskPatch};
use crate::startup::AppState;

pub fn task_json(t: &Task) -> Value {
    let mut m = super::v1::meta(
        "Task",
        t.id,
        &t.created_by,
        t.created_at,
        &t.updated_by,
        t.updated_at,
    );
    m.insert("title".into(), json!(t.title));
    m.insert("group".into(), json!(t.group_name));
    m.insert("description".into(), json!(t.description));
    m.insert("status".into(), json!(t.status));
    m.insert("flag".into(), json!(t.flag));
    m.insert("order".into(), json!(t.order_index));
    m.insert("mandatory".into(), json!(t.mandatory));
    if let Some(a) = &t.assignee {
        m.insert("assignee".into(), json!(a));
    }
    if let Some(d) = t.due_date {
        m.insert("dueDate".into(), json!(d));
    }
    m.insert("extraData".into(), json!({}));
    Value::Object(m)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputTask {
    title: String,
    group: Option<String>,
    description: Option<String>,
    status: Option<String>,
    assignee: Option<String>,
    order: Option<i32>,
    due_date: Option<i64>,
    #[serde(default)]
    mandatory: bool,
    #[serde(default)]
    flag: bool,
}

impl From<InputTask> for NewTask {
    fn from(t: InputTask) -> Self {
        NewTask {
            title: t.title,
            group: t.group,
            description: t.description,
            status: t.status,
            assignee: t.assignee,
            order: t.order,
            due_date: t.due_date,
            mandatory: t.mandatory,
            flag: t.flag,
        }
    }
}

pub async fn create(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let out = api
        .call(&state, true, move |conn, by| {
            let v = super::cases::resolve(conn, by.acting.organisation_id, &key)?;
            v.require(by, crate::domain::sharing::CaseAction::ManageTasks)?;
            let t: InputTask = parse_json(&body)?;
            let task = items::create_task(conn, by, v.case.id, t.into())?;
            Ok(task_json(&task))
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

fn task_id(key: &str) -> Result<i64, AppError> {
    parse_id(key).ok_or_else(|| AppError::not_found("No such task."))
}

pub async fn get(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = task_id(&path)?;
    let out = api
        .call(&state, false, move |conn, by| {
            Ok(task_json(
                &items::visible_task(conn, by.acting.organisation_id, id)?.0,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateTask {
    title: Option<String>,
    group: Option<String>,
    description: Option<String>,
    status: Option<String>,
    assignee: Option<Option<String>>,
    order: Option<i32>,
    due_date: Option<Option<i64>>,
    mandatory: Option<bool>,
    flag: Option<bool>,
}

impl From<UpdateTask> for TaskPatch {
    fn from(u: UpdateTask) -> Self {
        TaskPatch {
            title: u.title,
            group: u.group,
            description: u.description,
            status: u.status,
            assignee: u.assignee,
            order: u.order,
            due_date: u.due_date,
            mandatory: u.mandatory,
            flag: u.flag,
        }
    }
}

pub async fn update(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = task_id(&path)?;
    api.call(&state, true, move |conn, by| {
        let (_, _, v) = items::visible_task(conn, by.acting.organisation_id, id)?;
        v.require(by, crate::domain::sharing::CaseAction::ManageTasks)?;
        let patch: UpdateTask = parse_json(&body)?;
        items::update_task(conn, by, id, patch.into()).map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn bulk_update(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    super::v1::bulk(&state, &api, &body, |conn, by, key, patch: UpdateTask| {
        items::update_task(conn, by, task_id(key)?, patch.into()).map(drop)
    })
    .await
}

pub async fn delete(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = task_id(&path)?;
    api.call(&state, true, move |conn, by| {
        items::delete_task(conn, by, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct Organisations {
    #[serde(default)]
    organisations: Vec<String>,
}

/// Organisation names or ids to ids (unknown ones are a 400).
pub fn organisation_ids(conn: &mut DbConn, names: &[String]) -> Result<Vec<i64>, AppError> {
    names
        .iter()
        .map(|n| {
            Ok(match parse_id(n) {
                Some(id) => id,
                None => {
                    crate::db::queries::organisation_by_key(
                        conn,
                        &crate::domain::names::name_key(n),
                    )?
                    .ok_or_else(|| AppError::bad_request(format!("Unknown organisation \"{n}\".")))?
                    .id
                }
            })
        })
        .collect()
}

/// `POST /api/v1/task/{id}/shares`: shares the task with organisations of the
/// Shares or unshares an item with the organisations named in
/// `{"organisations": [...]}`. `case_of` finds the item's case as the caller
/// sees it (404 otherwise); the Share right is asked before the body is read.
pub async fn change_item_shares<C, A>(
    state: &AppState,
    api: &ApiActor,
    body: web::Bytes,
    case_of: C,
    apply: A,
) -> Result<HttpResponse, AppError>
where
    C: FnOnce(&mut DbConn, i64) -> Result<crate::service::cases::Visible, AppError>
        + Send
        + 'static,
    A: FnOnce(&mut DbConn, &crate::service::By, &[i64]) -> Result<usize, AppError> + Send + 'static,
{
    api.call(state, true, move |conn, by| {
        case_of(conn, by.acting.organisation_id)?
            .require(by, crate::domain::sharing::CaseAction::Share)?;
        let body: Organisations = parse_json(&body)?;
        let orgs = organisation_ids(conn, &body.organisations)?;
        apply(conn, by, &orgs).map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn task_case(
    id: i64,
) -> impl FnOnce(&mut DbConn, i64) -> Result<crate::service::cases::Visible, AppError> {
    move |conn, org| Ok(items::visible_task(conn, org, id)?.2)
}

/// `POST /api/v1/task/{id}/shares`: shares the task with organisations of the
/// case; the caller's own organisation already holds it (nothing changes).
pub async fn share(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = task_id(&path)?;
    change_item_shares(&state, &api, body, task_case(id), move |conn, by, orgs| {
        items::share_task(conn, by, id, orgs)
    })
    .await
}

/// `DELETE /api/v1/task/{id}/shares`.
pub async fn unshare(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = task_id(&path)?;
    change_item_shares(&state, &api, body, task_case(id), move |conn, by, orgs| {
        items::unshare_task(conn, by, id, orgs)
    })
    .await
}

/// `GET /api/v1/task/{id}/shares`: the other organisations holding the task.
pub async fn list_shares(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = task_id(&path)?;
    let out = api
        .call(&state, false, move |conn, by| {
            let holders = items::task_holders(conn, by, id)?;
            let (task, _, _) = items::visible_task(conn, by.acting.organisation_id, id)?;
            super::cases::shares_json_of(conn, by, task.case_id, |org| {
                holders.iter().any(|(h, _, _)| *h == org)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// `GET /api/v1/task/{id}/actionRequired`: `{organisation name: bool}`.
pub async fn required_actions(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = task_id(&path)?;
    let out = api
        .call(&state, false, move |conn, by| {
            let mut map = serde_json::Map::new();
            for (_, name, required) in items::task_holders(conn, by, id)? {
                map.insert(name, json!(required));
            }
            Ok(Value::Object(map))
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

async fn set_action(
    state: &AppState,
    api: &ApiActor,
    path: (String, String),
    required: bool,
) -> Result<HttpResponse, AppError> {
    let id = task_id(&path.0)?;
    let org_key = path.1;
    api.call(state, true, move |conn, by| {
        let org = organisation_ids(conn, std::slice::from_ref(&org_key))?[0];
        items::set_action_required(conn, by, id, org, required)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /api/v1/task/{id}/actionRequired/{organisation}`.
pub async fn action_required(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    set_action(&state, &api, path.into_inner(), true).await
}

/// `PUT /api/v1/task/{id}/actionDone/{organisation}`.
pub async fn action_done(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    set_action(&state, &api, path.into_inner(), false).await
}
