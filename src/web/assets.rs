//! Static files, embedded in the binary (htmx is vendored at one version).

use actix_web::{http::header, web, HttpResponse};

use crate::error::AppError;

/// The vendored htmx version; `templates/base.html` configures it.
pub const HTMX_FILE: &str = "htmx-2.0.4.min.js";

const FILES: &[(&str, &str, &[u8])] = &[
    (
        HTMX_FILE,
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/htmx-2.0.4.min.js"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/app.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
    ),
];

pub async fn serve(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let name = path.into_inner();
    let (_, mime, body) = FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| AppError::not_found("No such file."))?;
    Ok(HttpResponse::Ok()
        .content_type(*mime)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(*body))
}
