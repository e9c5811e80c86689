//! Rendering `AppError`: the API shape `{"type","message"}` under `/api/`,
//! otherwise an HTML page, or a fragment for htmx requests. Unauthenticated
//! browser requests are sent to the sign-in page instead.

use actix_session::SessionExt;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde_json::json;

use crate::error::{AppError, ErrorKind};
use crate::web::csrf;
use crate::web::templates::{render, ErrorFragment, ErrorPage, Layout};

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The API shape; the error middleware turns it into HTML where needed.
    fn error_response(&self) -> HttpResponse {
        api_response(self)
    }
}

pub fn api_response(err: &AppError) -> HttpResponse {
    let mut res = HttpResponse::build(err.status_code());
    if err.kind == ErrorKind::Unauthenticated {
        res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"Tenantry\", Bearer"));
    }
    res.json(json!({ "type": err.kind.api_type(), "message": err.public_message() }))
}

/// Any error that is not ours (extractors, unknown routes) as an `AppError`.
pub fn from_status(status: StatusCode, message: String) -> AppError {
    let kind = match status.as_u16() {
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        429 => ErrorKind::TooManyRequests,
        400..=499 => ErrorKind::BadRequest,
        _ => ErrorKind::Internal,
    };
    AppError::new(kind, message)
}

fn heading(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::BadRequest => "Bad request",
        ErrorKind::Unauthenticated => "Sign-in required",
        ErrorKind::Forbidden => "Not allowed",
        ErrorKind::NoMembership => "No organisation",
        ErrorKind::NotFound => "Not found",
        ErrorKind::Conflict => "Conflict",
        ErrorKind::TooManyRequests => "Too many requests",
        ErrorKind::Internal => "Server error",
        ErrorKind::Unavailable => "Service unavailable",
    }
}

/// Where a path may send the browser back to: same-site paths only.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

fn login_redirect(req: &HttpRequest, htmx: bool) -> HttpResponse {
    let target = if req.method() == actix_web::http::Method::GET && req.path() != "/" {
        let here = crate::web::path_and_query(req);
        format!(
            "/login?{}",
            serde_urlencoded::to_string([("next", here)]).unwrap_or_default()
        )
    } else {
        "/login".to_string()
    };
    if htmx {
        HttpResponse::Ok()
            .insert_header(("HX-Redirect", target))
            .finish()
    } else {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, target))
            .finish()
    }
}

/// The HTML rendering of an error for a browser request.
pub fn html_response(req: &HttpRequest, err: &AppError, htmx: bool) -> HttpResponse {
    if err.kind == ErrorKind::Unauthenticated {
        return login_redirect(req, htmx);
    }
    let session = req.get_session();
    let csrf = csrf::token(&session);
    let fragment = ErrorFragment {
        status: err.kind.status(),
        heading: heading(err.kind),
        message: err.public_message().to_string(),
        sign_out: err.kind == ErrorKind::NoMembership,
        csrf: csrf.clone(),
    };
    let status = err.status_code();
    let rendered = if htmx {
        render(status, &fragment)
    } else {
        render(
            status,
            &ErrorPage {
                layout: Layout::anonymous(fragment.heading, csrf),
                error: fragment,
            },
        )
    };
    rendered.unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot render the error page");
        HttpResponse::build(status).body(err.public_message().to_string())
    })
}

/// The fallback for unknown routes.
/// Unknown addresses answer 404; a known address asked with a method it does
/// not serve answers 405 with `Allow` listing the ones it does.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let path: Vec<&str> = req.path().split('/').collect();
    // The routes of the address, the most literal first: `/case/_bulk` is its
    // own resource, not `/case/{id}`.
    let matching: Vec<(&str, usize)> = super::ROUTES
        .iter()
        .filter_map(|(method, pattern)| {
            let pattern: Vec<&str> = pattern.split('/').collect();
            let fits = pattern.len() == path.len()
                && pattern
                    .iter()
                    .zip(&path)
                    .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()));
            fits.then(|| {
                (
                    *method,
                    pattern.iter().filter(|p| !p.starts_with('{')).count(),
                )
            })
        })
        .collect();
    let best = matching.iter().map(|m| m.1).max().unwrap_or(0);
    let mut allowed: Vec<&str> = matching
        .iter()
        .filter(|m| m.1 == best)
        .map(|m| m.0)
        .collect();
    allowed.sort_unstable();
    allowed.dedup();
    if allowed.is_empty() {
        return Err(AppError::not_found("There is nothing at this address."));
    }
    let message = format!("This address answers {} only.", allowed.join(", "));
    let mut res = HttpResponse::MethodNotAllowed();
    res.insert_header(("Allow", allowed.join(", ")));
    Ok(if req.path().starts_with("/api/") {
        res.json(json!({ "type": "MethodNotAllowed", "message": message }))
    } else {
        res.content_type("text/plain; charset=utf-8").body(message)
    })
}
