//! Middleware: request id, access log and security headers (outermost), and
//! the rendering of errors in the format the client expects (innermost).

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::Error;
use tracing::Instrument;

use crate::error::{AppError, ErrorKind};
use crate::web::errors;

pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// Tags the request with an id (tracing span and `X-Request-Id`), logs it and
/// sets the security headers on every response.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = format!("{:016x}", rand::random::<u64>());
    let span = tracing::info_span!("request", id = %request_id, method = %req.method(), path = %req.path());
    let started = Instant::now();
    let expose = req
        .app_data::<actix_web::web::Data<crate::startup::AppState>>()
        .is_some_and(|s| s.settings.statement_header);
    let (res, statements) =
        crate::db::count_statements(next.call(req).instrument(span.clone())).await;
    let mut res = res?;
    let status = res.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            statements,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "handled"
        );
    });
    let headers = res.headers_mut();
    if expose {
        headers.insert(
            HeaderName::from_static("x-tenantry-statements"),
            HeaderValue::from(statements),
        );
    }
    let set = |headers: &mut header::HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    headers.append(header::VARY, HeaderValue::from_static("HX-Request"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}

/// Turns every error response into the client's format: JSON under `/api/`,
/// an HTML page for browsers, a fragment for htmx.
pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let is_api = req.path().starts_with("/api/");
    let htmx = req.headers().contains_key("hx-request");
    let res = next.call(req).await?;
    let Some(err) = res.response().error() else {
        return Ok(res.map_into_boxed_body());
    };
    let app_err = match err.as_error::<AppError>() {
        Some(e) => e.clone(),
        None => errors::from_status(res.status(), err.to_string()),
    };
    if app_err.kind == ErrorKind::Internal || app_err.kind == ErrorKind::Unavailable {
        tracing::error!(error = %app_err, "request failed");
    }
    let (req, _) = res.into_parts();
    let response = if is_api {
        errors::api_response(&app_err)
    } else {
        errors::html_response(&req, &app_err, htmx)
    };
    Ok(ServiceResponse::new(req, response))
}
