//! CSRF protection for state-changing HTML requests: a random token kept in
//! the session, sent back as the `csrf_token` form field or, by htmx, as the
//! `X-CSRF-Token` header (set from `hx-headers` on `<body>`).

use actix_session::{Session, SessionExt};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use rand::distributions::{Alphanumeric, DistString};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::error::AppError;

const SESSION_KEY: &str = "csrf";
pub const HEADER: &str = "X-CSRF-Token";
pub const REFUSED: &str =
    "This form has expired or did not come from Tenantry. Reload the page and try again.";

/// The session's token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(SESSION_KEY) {
        return t;
    }
    rotate(session)
}

/// A fresh token (after sign-in).
pub fn rotate(session: &Session) -> String {
    let t = Alphanumeric.sample_string(&mut rand::thread_rng(), 43);
    let _ = session.insert(SESSION_KEY, &t);
    t
}

fn valid(session: &Session, sent: Option<&str>) -> bool {
    match (session.get::<String>(SESSION_KEY).ok().flatten(), sent) {
        (Some(expected), Some(sent)) => expected.as_bytes().ct_eq(sent.as_bytes()).into(),
        _ => false,
    }
}

/// An `application/x-www-form-urlencoded` body accepted only with the
/// session's CSRF token. Every state-changing HTML handler takes one.
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct TokenField {
    csrf_token: Option<String>,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body
                .await
                .map_err(|e| AppError::bad_request(format!("Unreadable request body: {e}")))?;
            let header = req
                .headers()
                .get(HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let sent = header.or_else(|| {
                serde_urlencoded::from_bytes::<TokenField>(&body)
                    .ok()
                    .and_then(|t| t.csrf_token)
            });
            if !valid(&req.get_session(), sent.as_deref()) {
                tracing::warn!(path = %req.path(), "CSRF token missing or wrong");
                return Err(AppError::forbidden(REFUSED));
            }
            serde_urlencoded::from_bytes::<T>(&body)
                .map(CsrfForm)
                .map_err(|e| AppError::bad_request(format!("Invalid form: {e}")))
        })
    }
}
