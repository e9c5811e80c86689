//! HTTP: extractors, error rendering, middleware, pages and the API.

pub mod admin;
pub mod api;
pub mod assets;
pub mod csrf;
pub mod errors;
pub mod extract;
pub mod middleware;
pub mod pages;
pub mod templates;

use actix_web::{web, HttpRequest};

/// The request's path with its query string, as a same-site `next` target.
pub fn path_and_query(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    }
}

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
        .service(admin_routes())
        .service(organisation_routes())
        .default_service(web::to(errors::not_found));
}

/// Platform administration (`/admin`).
fn admin_routes() -> actix_web::Scope {
    use admin::{audit, members, organisations as orgs, profiles, users};
    web::scope("/admin")
        .route("/organisations", web::get().to(orgs::list))
        .route("/organisations", web::post().to(orgs::create))
        .route("/organisations/{id}", web::get().to(orgs::detail))
        .route("/organisations/{id}", web::post().to(orgs::update))
        .route("/organisations/{id}/row", web::get().to(orgs::row))
        .route("/organisations/{id}/edit", web::get().to(orgs::edit_row))
        .route("/organisations/{id}/lock", web::post().to(orgs::lock))
        .route("/organisations/{id}/delete", web::post().to(orgs::delete))
        .route(
            "/organisations/{id}/links",
            web::post().to(orgs::save_links),
        )
        .route(
            "/organisations/{id}/settings",
            web::post().to(orgs::save_rules),
        )
        .route(
            "/organisations/{org}/members/add",
            web::post().to(members::add_existing),
        )
        .route(
            "/organisations/{org}/members/create",
            web::post().to(members::create),
        )
        .route(
            "/organisations/{org}/members/{uid}/profile",
            web::post().to(members::change_profile),
        )
        .route(
            "/organisations/{org}/members/{uid}/remove",
            web::post().to(members::remove),
        )
        .route("/users", web::get().to(users::list))
        .route("/users/search", web::get().to(members::search_users))
        .route(
            "/users/{uid}/memberships",
            web::post().to(users::add_membership),
        )
        .route("/users/{uid}/lock", web::post().to(members::lock))
        .route(
            "/users/{uid}/password",
            web::post().to(members::set_password),
        )
        .route("/users/{uid}/key/renew", web::post().to(members::renew_key))
        .route(
            "/users/{uid}/key/revoke",
            web::post().to(members::revoke_key),
        )
        .route(
            "/users/{uid}/sessions/kill",
            web::post().to(members::kill_sessions),
        )
        .route("/profiles", web::get().to(profiles::list))
        .route("/profiles", web::post().to(profiles::create))
        .route("/profiles/{id}", web::get().to(profiles::edit))
        .route("/profiles/{id}", web::post().to(profiles::update))
        .route("/profiles/{id}/delete", web::post().to(profiles::delete))
        .route("/audit", web::get().to(audit::platform))
}

/// The active organisation's own administration (`/organisation`).
fn organisation_routes() -> actix_web::Scope {
    use admin::{audit, members};
    web::scope("/organisation")
        .route("/users", web::get().to(members::organisation_users))
        .route("/users/add", web::post().to(members::add_existing))
        .route("/users/create", web::post().to(members::create))
        .route(
            "/users/{uid}/profile",
            web::post().to(members::change_profile),
        )
        .route("/users/{uid}/remove", web::post().to(members::remove))
        .route("/users/{uid}/lock", web::post().to(members::lock))
        .route(
            "/users/{uid}/password",
            web::post().to(members::set_password),
        )
        .route("/users/{uid}/key/renew", web::post().to(members::renew_key))
        .route(
            "/users/{uid}/key/revoke",
            web::post().to(members::revoke_key),
        )
        .route(
            "/users/{uid}/sessions/kill",
            web::post().to(members::kill_sessions),
        )
        .route("/audit", web::get().to(audit::organisation))
}
