//! `ApiActor`: the caller of a JSON API request, authenticated by
//! `Authorization: Bearer <api key>`, `Authorization: Basic` (login:password,
//! with the sign-in rate limits) or the browser session (then state-changing
//! methods need the `X-CSRF-Token` header). The active organisation comes from
//! `X-Organisation` (name or id) or is the user's default; naming an
//! organisation the user is not a member of is 403.

use actix_identity::Identity;
use actix_session::SessionExt;
use actix_web::http::{header, Method};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use base64::Engine;
use diesel::prelude::*;
use futures_util::future::LocalBoxFuture;
use subtle::ConstantTimeEq;

use crate::db::schema::users;
use crate::domain::names::name_key;
use crate::error::{AppError, ErrorKind};
use crate::service::api_keys;
use crate::service::auth::{self, load_actor, ActiveOrganisation, Actor};
use crate::startup::AppState;

pub struct ApiActor {
    pub actor: Actor,
}

impl ApiActor {
    pub fn active(&self) -> &ActiveOrganisation {
        self.actor.active.as_ref().expect("checked at extraction")
    }

    /// Runs `f` as this caller on the blocking pool, inside one write
    /// transaction when `write`.
    pub async fn call<T, F>(&self, state: &AppState, write: bool, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut crate::db::DbConn, &crate::service::By) -> Result<T, AppError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let (login, user_id, acting) = (
            self.actor.user.login.clone(),
            self.actor.user.id,
            self.active().acting(),
        );
        let run = move |conn: &mut crate::db::DbConn| {
            f(
                conn,
                &crate::service::By {
                    login: &login,
                    user_id,
                    acting,
                },
            )
        };
        if write {
            state.db.write(run).await
        } else {
            state.db.run(run).await
        }
    }

    pub fn by(&self) -> crate::service::By<'_> {
        let active = self.active();
        crate::service::By {
            login: &self.actor.user.login,
            user_id: self.actor.user.id,
            acting: active.acting(),
        }
    }
}

fn unauthenticated(message: &str) -> AppError {
    AppError::unauthenticated(message)
}

/// `X-Organisation`: a name (any case) or an id (`123` or `~123`).
fn wanted_organisation(actor: &Actor, value: &str) -> Result<i64, AppError> {
    let v = value.trim();
    let id = v.trim_start_matches('~').parse::<i64>().ok();
    actor
        .organisations
        .iter()
        .find(|m| Some(m.organisation_id) == id || name_key(&m.organisation_name) == name_key(v))
        .map(|m| m.organisation_id)
        .ok_or_else(|| {
            AppError::forbidden(format!("You are not a member of the organisation \"{v}\"."))
        })
}

impl FromRequest for ApiActor {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal("application state missing"))?
                .clone();
            let authorization = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let user_id = match authorization
                .as_deref()
                .map(|a| a.split_once(' ').unwrap_or((a, "")))
            {
                Some((scheme, key)) if scheme.eq_ignore_ascii_case("bearer") => {
                    let digest = api_keys::digest(key.trim());
                    state
                        .db
                        .run(move |conn| {
                            Ok(users::table
                                .filter(users::api_key_hash.eq(digest))
                                .select(users::id)
                                .first::<i64>(conn)
                                .optional()?)
                        })
                        .await?
                        .ok_or_else(|| unauthenticated("Invalid API key."))?
                }
                Some((scheme, encoded)) if scheme.eq_ignore_ascii_case("basic") => {
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(encoded.trim())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .ok_or_else(|| unauthenticated("Malformed Basic credentials."))?;
                    let (login, password) = decoded
                        .split_once(':')
                        .ok_or_else(|| unauthenticated("Malformed Basic credentials."))?;
                    let limits = state.settings.sign_in_limits();
                    let address = crate::web::extract::client_address(&req, &state.settings);
                    match auth::sign_in(&state.db, &state.hasher, limits, login, password, address)
                        .await
                    {
                        Ok(user) => user.id,
                        Err(e)
                            if e.kind == ErrorKind::TooManyRequests
                                || e.kind == ErrorKind::Internal
                                || e.kind == ErrorKind::Unavailable =>
                        {
                            return Err(e)
                        }
                        Err(_) => return Err(unauthenticated("Wrong login or password.")),
                    }
                }
                Some(_) => {
                    return Err(unauthenticated(
                        "Unsupported Authorization scheme: use Bearer or Basic.",
                    ))
                }
                None => {
                    let identity = Identity::extract(&req)
                        .await
                        .map_err(|_| unauthenticated("Authentication required."))?;
                    if req.method() != Method::GET && req.method() != Method::HEAD {
                        let sent = req
                            .headers()
                            .get(crate::web::csrf::HEADER)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        let expected = req
                            .get_session()
                            .get::<String>("csrf")
                            .ok()
                            .flatten()
                            .unwrap_or_default();
                        if expected.is_empty()
                            || !bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
                        {
                            return Err(AppError::forbidden(crate::web::csrf::REFUSED));
                        }
                    }
                    identity
                        .id()
                        .ok()
                        .and_then(|id| id.parse().ok())
                        .ok_or_else(|| unauthenticated("Authentication required."))?
                }
            };
            let header_org = req
                .headers()
                .get("X-Organisation")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let actor = state
                .db
                .run(move |conn| {
                    let Some(actor) = load_actor(conn, user_id, None)? else {
                        return Err(unauthenticated(
                            "This account is locked or no longer exists.",
                        ));
                    };
                    match header_org.as_deref().filter(|h| !h.trim().is_empty()) {
                        None => Ok(actor),
                        Some(h) => {
                            let wanted = wanted_organisation(&actor, h)?;
                            Ok(load_actor(conn, user_id, Some(wanted))?
                                .ok_or_else(|| unauthenticated("This account is locked."))?)
                        }
                    }
                })
                .await?;
            if actor.active.is_none() {
                return Err(AppError::new(
                    ErrorKind::NoMembership,
                    "You are not a member of any active organisation.",
                ));
            }
            Ok(ApiActor { actor })
        })
    }
}
