//! `/api/v1/user…`: create (an existing login is added to the organisation),
//! get, update, delete, passwords and API keys.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

use super::auth::ApiActor;
use super::v1::{parse_id, parse_json, user_output};
use crate::db::{queries, DbConn};
use crate::domain::names::name_key;
use crate::error::AppError;
use crate::service::members::{self, NewAccount};
use crate::startup::AppState;

/// Renders a user as seen from the caller's active organisation.
fn render(conn: &mut DbConn, user_id: i64, org: i64) -> Result<Value, AppError> {
    let user =
        queries::user_by_id(conn, user_id)?.ok_or_else(|| AppError::not_found("No such user."))?;
    let memberships = queries::memberships_of_user(conn, user_id)?;
    Ok(user_output(&user, &memberships, Some(org)))
}

/// `~id`, id or login.
fn user_id(conn: &mut DbConn, key: &str) -> Result<i64, AppError> {
    if let Some(id) = parse_id(key) {
        return Ok(id);
    }
    Ok(queries::user_by_login_key(conn, &name_key(key))?
        .ok_or_else(|| AppError::not_found("No such user."))?
        .id)
}

#[derive(Deserialize)]
pub struct NewUser {
    login: String,
    name: String,
    profile: String,
    email: Option<String>,
    password: Option<String>,
    organisation: Option<String>,
    #[serde(rename = "type")]
    _kind: Option<String>,
}

pub async fn create(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if api.active().acting().member_scope().is_none() {
        return Err(AppError::forbidden("Creating users needs manageUser."));
    }
    let body: NewUser = parse_json(&body)?;
    let hash = match body.password.as_deref() {
        Some(p) if !p.is_empty() => Some(state.hasher.hash(p.to_string()).await?),
        _ => None,
    };
    let active = api.active().id;
    let out = api
        .call(&state, true, move |conn, by| {
            let org = match body.organisation.as_deref() {
                Some(o) => match parse_id(o) {
                    Some(id) => id,
                    None => {
                        queries::organisation_by_key(conn, &name_key(o))?
                            .ok_or_else(|| {
                                AppError::bad_request(format!("Unknown organisation \"{o}\"."))
                            })?
                            .id
                    }
                },
                None => active,
            };
            let id = match queries::user_by_login_key(conn, &name_key(&body.login))? {
                Some(existing) => {
                    if crate::db::admin::membership_profile(conn, existing.id, org)?.is_none() {
                        members::add_existing(conn, by, org, &existing.login, &body.profile)?;
                    }
                    existing.id
                }
                None => {
                    let account = NewAccount {
                        login: &body.login,
                        name: &body.name,
                        email: body.email.as_deref().unwrap_or(""),
                        password_hash: hash.as_deref(),
                    };
                    members::create(conn, by, org, &account, &body.profile)?.id
                }
            };
            render(conn, id, by.acting.organisation_id)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

pub async fn get(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let out = api
        .call(&state, false, move |conn, by| {
            let id = user_id(conn, &key)?;
            members::readable_user(conn, by, id)?;
            render(conn, id, by.acting.organisation_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
pub struct UserPatch {
    name: Option<String>,
    email: Option<String>,
    profile: Option<String>,
    organisation: Option<String>,
    locked: Option<bool>,
    #[serde(rename = "defaultOrganisation")]
    _default_organisation: Option<String>,
    avatar: Option<Value>,
    #[serde(rename = "type")]
    _kind: Option<String>,
}

pub async fn update(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if api.active().acting().member_scope().is_none() {
        return Err(AppError::forbidden("Updating users needs manageUser."));
    }
    let key = path.into_inner();
    let patch: UserPatch = parse_json(&body)?;
    let _ = &patch.avatar;
    api.call(&state, true, move |conn, by| {
        let id = user_id(conn, &key)?;
        members::reachable_user(conn, by, id)?;
        let ctx = by.acting.organisation_id;
        if patch.name.is_some() || patch.email.is_some() {
            members::update_account(
                conn,
                by,
                ctx,
                id,
                patch.name.as_deref(),
                patch.email.as_deref(),
            )?;
        }
        if let Some(profile) = &patch.profile {
            let org = match patch.organisation.as_deref() {
                Some(o) => match parse_id(o) {
                    Some(i) => i,
                    None => {
                        queries::organisation_by_key(conn, &name_key(o))?
                            .ok_or_else(|| AppError::bad_request("Unknown organisation."))?
                            .id
                    }
                },
                None => ctx,
            };
            members::change_profile(conn, by, org, id, profile)?;
        }
        if let Some(locked) = patch.locked {
            members::set_locked(conn, by, ctx, id, locked)?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct ForceQuery {
    organisation: Option<String>,
}

/// `DELETE /api/v1/user/{id}/force?organisation=`: removes the membership of
/// that organisation (the account goes with its last one), or, without the
/// parameter, the account (platform admins).
pub async fn delete(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    query: web::Query<ForceQuery>,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let org = query.into_inner().organisation;
    api.call(&state, true, move |conn, by| {
        let id = user_id(conn, &key)?;
        match org.as_deref() {
            Some(o) => {
                let org = match parse_id(o) {
                    Some(i) => i,
                    None => {
                        queries::organisation_by_key(conn, &name_key(o))?
                            .ok_or_else(|| AppError::not_found("No such organisation."))?
                            .id
                    }
                };
                members::remove(conn, by, org, id).map(drop)
            }
            None => members::delete_account(conn, by, by.acting.organisation_id, id),
        }
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct PasswordBody {
    password: String,
    #[serde(rename = "currentPassword")]
    current_password: Option<String>,
}

pub async fn set_password(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let id = api
        .call(&state, false, move |conn, by| {
            let id = user_id(conn, &key)?;
            members::reachable_user(conn, by, id)?;
            Ok(id)
        })
        .await?;
    let body: PasswordBody = parse_json(&body)?;
    if body.password.chars().count() < 8 {
        return Err(AppError::bad_request(
            "The password needs at least 8 characters.",
        ));
    }
    let hash = state.hasher.hash(body.password).await?;
    api.call(&state, true, move |conn, by| {
        members::set_password(conn, by, by.acting.organisation_id, id, Some(&hash))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A user changes their own password, proving the current one.
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let me = api.actor.user.clone();
    let target_is_me = parse_id(&key) == Some(me.id) || name_key(&key) == me.login_key;
    if !target_is_me {
        return Err(AppError::forbidden(
            "Only the user can change their own password; administrators set it.",
        ));
    }
    let body: PasswordBody = parse_json(&body)?;
    if body.password.chars().count() < 8 {
        return Err(AppError::bad_request(
            "The password needs at least 8 characters.",
        ));
    }
    let limits = state.settings.sign_in_limits();
    let current = body.current_password.unwrap_or_default();
    crate::service::auth::sign_in(
        &state.db,
        &state.hasher,
        limits,
        &me.login,
        &current,
        crate::web::extract::client_address(&req, &state.settings),
    )
    .await
    .map_err(|_| AppError::unauthenticated("The current password is wrong."))?;
    let hash = state.hasher.hash(body.password).await?;
    let id = me.id;
    api.call(&state, true, move |conn, by| {
        crate::db::admin::set_password_hash(conn, id, Some(&hash), by.login, crate::db::now_ms())?;
        crate::service::audit::record(
            conn,
            crate::service::audit::Audit {
                actor: by.login,
                organisation_id: Some(by.acting.organisation_id),
                action: "changePassword",
                object_type: "User",
                object_id: id.to_string(),
                details: serde_json::json!({}),
            },
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn renew_key(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let new = api
        .call(&state, true, move |conn, by| {
            let id = user_id(conn, &key)?;
            members::renew_api_key(conn, by, by.acting.organisation_id, id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(new))
}

pub async fn revoke_key(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    api.call(&state, true, move |conn, by| {
        let id = user_id(conn, &key)?;
        members::revoke_api_key(conn, by, by.acting.organisation_id, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Keys are stored as digests, so an existing key cannot be shown again.
pub async fn get_key(api: ApiActor) -> Result<HttpResponse, AppError> {
    let _ = api;
    Err(AppError::new(
        crate::error::ErrorKind::Conflict,
        "API keys are stored as digests and cannot be shown again; renew the key to get a new one.",
    ))
}
