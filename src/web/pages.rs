//! Sign-in, sign-out, the organisation switch and the home page.

use actix_identity::Identity;
use actix_session::SessionExt;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::error::{AppError, ErrorKind};
use crate::service::auth;
use crate::startup::AppState;
use crate::web::csrf::{self, CsrfForm};
use crate::web::errors::safe_next;
use crate::web::extract::{SignedIn, ACTIVE_ORGANISATION};
use crate::web::templates::{render, HomePage, Layout, LoginPage};

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_form(
    req: HttpRequest,
    identity: Option<Identity>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    if identity.is_some() {
        return Ok(see_other(&next));
    }
    let csrf = csrf::token(&req.get_session());
    render(
        StatusCode::OK,
        &LoginPage {
            layout: Layout::anonymous("Sign in", csrf),
            login: String::new(),
            next,
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: Result<CsrfForm<LoginForm>, AppError>,
) -> Result<HttpResponse, AppError> {
    let session = req.get_session();
    let show = |status: StatusCode, login: String, next: String, message: &str| {
        render(
            status,
            &LoginPage {
                layout: Layout::anonymous("Sign in", csrf::token(&session)),
                login,
                next,
                error: Some(message.to_string()),
            },
        )
    };
    let CsrfForm(form) = match form {
        Ok(f) => f,
        // An expired sign-in form is shown again, with a fresh token.
        Err(e) if e.kind == ErrorKind::Forbidden => {
            return show(StatusCode::FORBIDDEN, String::new(), "/".into(), &e.message)
        }
        Err(e) => return Err(e),
    };
    let next = safe_next(form.next.as_deref());
    if form.login.trim().is_empty() || form.password.is_empty() {
        return show(
            StatusCode::BAD_REQUEST,
            form.login,
            next,
            "Enter your login and your password.",
        );
    }
    let limits = state.settings.sign_in_limits();
    let address = crate::web::extract::client_address(&req, &state.settings);
    match auth::sign_in(
        &state.db,
        &state.hasher,
        limits,
        &form.login,
        &form.password,
        address,
    )
    .await
    {
        Ok(user) => {
            // Identity::login renews the session id; the token is renewed too.
            Identity::login(&req.extensions(), user.id.to_string())
                .map_err(|e| AppError::internal(format!("cannot start the session: {e}")))?;
            session.remove(ACTIVE_ORGANISATION);
            if let Some(org) = user.default_organisation_id {
                let _ = session.insert(ACTIVE_ORGANISATION, org);
            }
            csrf::rotate(&session);
            Ok(see_other(&next))
        }
        Err(e) if e.kind != ErrorKind::Internal && e.kind != ErrorKind::Unavailable => {
            let status = StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST);
            show(status, form.login, next, &e.message)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    state: web::Data<AppState>,
    identity: Option<Identity>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    if let Some(identity) = identity {
        if let Some(user_id) = identity.id().ok().and_then(|id| id.parse::<i64>().ok()) {
            auth::record_sign_out(&state.db, user_id).await?;
        }
        identity.logout();
    }
    Ok(see_other("/login"))
}

#[derive(Deserialize)]
pub struct SwitchForm {
    organisation: String,
    next: Option<String>,
}

/// Makes another of the user's unlocked organisations the active one and
/// renews the session id. Refused (403) for any other organisation.
pub async fn switch_organisation(
    req: HttpRequest,
    signed_in: SignedIn,
    form: CsrfForm<SwitchForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm(form) = form;
    let wanted: i64 = form
        .organisation
        .trim()
        .parse()
        .map_err(|_| AppError::bad_request("Choose an organisation."))?;
    let target = signed_in
        .actor
        .organisations
        .iter()
        .find(|m| m.organisation_id == wanted)
        .ok_or_else(|| AppError::forbidden("You are not a member of this organisation."))?;
    signed_in
        .session
        .insert(ACTIVE_ORGANISATION, target.organisation_id)
        .map_err(|e| AppError::internal(e.to_string()))?;
    signed_in.session.renew();
    tracing::info!(login = %signed_in.actor.user.login, organisation = %target.organisation_name, "switched organisation");
    let next = safe_next(form.next.as_deref());
    if req.headers().contains_key("hx-request") {
        return Ok(HttpResponse::Ok()
            .insert_header(("HX-Redirect", next))
            .finish());
    }
    Ok(see_other(&next))
}

pub async fn home(req: HttpRequest, signed_in: SignedIn) -> Result<HttpResponse, AppError> {
    let active = signed_in.actor.active.clone();
    let status = if active.is_some() {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    };
    render(
        status,
        &HomePage {
            layout: signed_in.layout("Home", &req),
            permissions: active
                .as_ref()
                .map(|a| a.permissions.iter().map(|p| p.as_str()).collect())
                .unwrap_or_default(),
            active,
        },
    )
}
