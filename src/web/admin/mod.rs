//! Administration screens: organisations, members, users, profiles, audit.

pub mod audit;
pub mod members;
pub mod organisations;
pub mod profiles;
pub mod users;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// 303 to `to`.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers().contains_key("hx-request")
}

/// The status code of a refusal, for re-rendered forms.
pub fn status_of(e: &crate::error::AppError) -> actix_web::http::StatusCode {
    actix_web::http::StatusCode::from_u16(e.kind.status())
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST)
}

/// Errors a form shows next to its fields (the rest become error pages).
pub fn is_form_error(e: &crate::error::AppError) -> bool {
    use crate::error::ErrorKind::*;
    matches!(e.kind, BadRequest | Conflict)
}
