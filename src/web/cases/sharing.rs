//! The Sharing tab's actions: share, change a share's profile, remove.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::case_id;
use super::page::act;
use crate::domain::sharing::ItemRule;
use crate::error::AppError;
use crate::service::cases::sharing::{self, NewShare};
use crate::startup::AppState;
use crate::web::admin::is_htmx;
use crate::web::admin::organisations::write_as;
use crate::web::csrf::CsrfForm;
use crate::web::extract::SignedIn;

#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    profile: String,
    #[serde(default)]
    task_rule: String,
    #[serde(default)]
    observable_rule: String,
}

pub async fn share(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<ShareForm>,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path);
    let CsrfForm(f) = form;
    act(&req, &state, &signed_in, id, "#sharing", move |conn, by| {
        let new = NewShare {
            organisation: f
                .organisation
                .parse()
                .map_err(|_| AppError::bad_request("Choose an organisation."))?,
            profile: f.profile,
            task_rule: ItemRule::parse(&f.task_rule).map_err(AppError::bad_request)?,
            observable_rule: ItemRule::parse(&f.observable_rule).map_err(AppError::bad_request)?,
        };
        sharing::share(conn, by, id, &new)?;
        Ok("Case shared.".into())
    })
    .await
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    profile: String,
}

pub async fn set_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<(i64, i64)>,
    form: CsrfForm<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let (id, share) = path.into_inner();
    let profile = form.0.profile;
    if is_htmx(&req) {
        write_as(&state, &signed_in, move |conn, by| {
            sharing::set_profile(conn, by, id, share, &profile)
        })
        .await?;
        return Ok(HttpResponse::NoContent().finish());
    }
    act(&req, &state, &signed_in, id, "#sharing", move |conn, by| {
        sharing::set_profile(conn, by, id, share, &profile)?;
        Ok(format!("Share profile changed to {profile}."))
    })
    .await
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn unshare(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<(i64, i64)>,
    _f: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (id, share) = path.into_inner();
    act(&req, &state, &signed_in, id, "#sharing", move |conn, by| {
        let kept = sharing::unshare(conn, by, id, share)?;
        Ok(format!(
            "Share removed. Kept for the owner: {} task(s), {} observable(s).",
            kept.kept_tasks.len(),
            kept.kept_observables.len()
        ))
    })
    .await
}
