//! Tasks and observables on the case page, and their per-item shares.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::page::act;
use super::{case_id, split_tags};
use crate::error::AppError;
use crate::service::cases::items::{self, NewObservable, NewTask, ObservablePatch, TaskPatch};
use crate::startup::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::SignedIn;

#[derive(Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    description: String,
}

pub async fn create_task(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<TaskForm>,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path);
    let CsrfForm(f) = form;
    act(&req, &state, &signed_in, id, "#tasks", move |conn, by| {
        let t = items::create_task(
            conn,
            by,
            id,
            NewTask {
                title: f.title,
                group: Some(f.group),
                description: Some(f.description),
                ..NewTask::default()
            },
        )?;
        Ok(format!("Task \"{}\" added.", t.title))
    })
    .await
}

/// The case of a task the active organisation sees (404 otherwise).
async fn task_case(state: &AppState, signed_in: &SignedIn, task: i64) -> Result<i64, AppError> {
    crate::web::admin::organisations::read_as(state, signed_in, move |conn, by| {
        Ok(items::visible_task(conn, by.acting.organisation_id, task)?
            .2
            .case
            .id)
    })
    .await
}

#[derive(Deserialize)]
pub struct TaskStatusForm {
    #[serde(default)]
    status: String,
}

pub async fn update_task(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<TaskStatusForm>,
) -> Result<HttpResponse, AppError> {
    let task = *path;
    let case = task_case(&state, &signed_in, task).await?;
    let status = form.0.status;
    act(&req, &state, &signed_in, case, "#tasks", move |conn, by| {
        items::update_task(
            conn,
            by,
            task,
            TaskPatch {
                status: Some(status.clone()),
                ..TaskPatch::default()
            },
        )?;
        Ok(format!("Task set to {status}."))
    })
    .await
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn delete_task(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    _f: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let task = *path;
    let case = task_case(&state, &signed_in, task).await?;
    act(&req, &state, &signed_in, case, "#tasks", move |conn, by| {
        items::delete_task(conn, by, task)?;
        Ok("Task deleted.".into())
    })
    .await
}

#[derive(Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    organisation: String,
}

fn org_of(f: &OrgForm) -> Result<i64, AppError> {
    f.organisation
        .parse()
        .map_err(|_| AppError::bad_request("Choose an organisation."))
}

pub async fn share_task(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<OrgForm>,
) -> Result<HttpResponse, AppError> {
    let task = *path;
    let case = task_case(&state, &signed_in, task).await?;
    act(&req, &state, &signed_in, case, "#tasks", move |conn, by| {
        items::share_task(conn, by, task, &[org_of(&form.0)?])?;
        Ok("Task shared.".into())
    })
    .await
}

pub async fn unshare_task(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<OrgForm>,
) -> Result<HttpResponse, AppError> {
    let task = *path;
    let case = task_case(&state, &signed_in, task).await?;
    act(&req, &state, &signed_in, case, "#tasks", move |conn, by| {
        items::unshare_task(conn, by, task, &[org_of(&form.0)?])?;
        Ok("Task no longer shared with that organisation.".into())
    })
    .await
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    required: String,
}

pub async fn action_required(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let task = *path;
    let case = task_case(&state, &signed_in, task).await?;
    let CsrfForm(f) = form;
    act(&req, &state, &signed_in, case, "#tasks", move |conn, by| {
        let org: i64 = f
            .organisation
            .parse()
            .map_err(|_| AppError::bad_request("Choose an organisation."))?;
        let required = f.required == "true";
        items::set_action_required(conn, by, task, org, required)?;
        Ok(if required {
            "Action required set."
        } else {
            "Action marked done."
        }
        .into())
    })
    .await
}

#[derive(Deserialize)]
pub struct ObservableForm {
    #[serde(default)]
    data_type: String,
    #[serde(default)]
    data: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    ioc: Option<String>,
    #[serde(default)]
    tags: String,
}

pub async fn create_observable(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<ObservableForm>,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path);
    let CsrfForm(f) = form;
    act(
        &req,
        &state,
        &signed_in,
        id,
        "#observables",
        move |conn, by| {
            let new = NewObservable {
                data_type: f.data_type,
                data: f.data,
                message: Some(f.message),
                ioc: f.ioc.is_some(),
                tags: split_tags(&f.tags),
                ..NewObservable::default()
            };
            let o = items::create_observable(conn, by, id, &new)?;
            Ok(format!("Observable {} added.", o.data))
        },
    )
    .await
}

async fn observable_case(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<i64, AppError> {
    crate::web::admin::organisations::read_as(state, signed_in, move |conn, by| {
        Ok(
            items::visible_observable(conn, by.acting.organisation_id, id)?
                .1
                .case
                .id,
        )
    })
    .await
}

#[derive(Deserialize)]
pub struct IocForm {
    #[serde(default)]
    ioc: String,
}

pub async fn update_observable(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<IocForm>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    let case = observable_case(&state, &signed_in, id).await?;
    let ioc = form.0.ioc == "true";
    act(
        &req,
        &state,
        &signed_in,
        case,
        "#observables",
        move |conn, by| {
            items::update_observable(
                conn,
                by,
                id,
                ObservablePatch {
                    ioc: Some(ioc),
                    ..ObservablePatch::default()
                },
            )?;
            Ok("Observable saved.".into())
        },
    )
    .await
}

pub async fn delete_observable(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    _f: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    let case = observable_case(&state, &signed_in, id).await?;
    act(
        &req,
        &state,
        &signed_in,
        case,
        "#observables",
        move |conn, by| {
            items::delete_observable(conn, by, id)?;
            Ok("Observable deleted.".into())
        },
    )
    .await
}

pub async fn share_observable(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<OrgForm>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    let case = observable_case(&state, &signed_in, id).await?;
    act(
        &req,
        &state,
        &signed_in,
        case,
        "#observables",
        move |conn, by| {
            items::share_observable(conn, by, id, &[org_of(&form.0)?])?;
            Ok("Observable shared.".into())
        },
    )
    .await
}

pub async fn unshare_observable(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<OrgForm>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    let case = observable_case(&state, &signed_in, id).await?;
    act(
        &req,
        &state,
        &signed_in,
        case,
        "#observables",
        move |conn, by| {
            items::unshare_observable(conn, by, id, &[org_of(&form.0)?])?;
            Ok("Observable no longer shared with that organisation.".into())
        },
    )
    .await
}
