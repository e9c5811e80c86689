//! HTTP: extractors, error rendering, middleware, pages and the API.

pub mod api;
pub mod assets;
pub mod csrf;
pub mod errors;
pub mod extract;
pub mod middleware;
pub mod pages;
pub mod templates;

use actix_web::web;

/// The one route table, used by the server and by the tests.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(api::healthz))
        .route("/api/status", web::get().to(api::status))
        .route("/static/{file}", web::get().to(assets::serve))
        .route("/login", web::get().to(pages::login_form))
        .route("/login", web::post().to(pages::login))
        .route("/logout", web::post().to(pages::logout))
        .route(
            "/session/organisation",
            web::post().to(pages::switch_organisation),
        )
        .route("/", web::get().to(pages::home))
        .default_service(web::to(errors::not_found));
}
