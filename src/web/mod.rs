//! HTTP: extractors, error rendering, middleware, pages and the API.

pub mod admin;
pub mod api;
pub mod assets;
pub mod automation;
pub mod cases;
pub mod csrf;
pub mod errors;
pub mod extract;
pub mod middleware;
pub mod pages;
pub mod tags;
pub mod templates;
pub mod webhook_worker;

use actix_web::{web, HttpRequest};

/// The request's path with its query string, as a same-site `next` target.
pub fn path_and_query(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    }
}

/// Declares every route once: `routes` registers them, `ROUTES` lists them
/// (the authorization matrix test fails when a route is missing from it).
macro_rules! route_table {
    ($( $method:ident $path:literal => $handler:path ),* $(,)?) => {
        /// Every route as (method, path pattern).
        pub const ROUTES: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),* ];

        /// The handler of each route of `ROUTES`, as written (for the OpenAPI document).
        pub const HANDLERS: &[&str] = &[ $( stringify!($handler) ),* ];

        /// The one route table, used by the server and by the tests.
        pub fn routes(cfg: &mut web::ServiceConfig) {
            $( cfg.route($path, route_table!(@method $method).to($handler)); )*
            cfg.default_service(web::to(errors::not_found));
        }
    };
    (@method GET) => { web::get() };
    (@method POST) => { web::post() };
    (@method PUT) => { web::put() };
    (@method DELETE) => { web::delete() };
    (@method PATCH) => { web::patch() };
}

route_table! {
    GET "/healthz" => api::healthz,
    GET "/api/status" => api::status,
    GET "/api/v1/openapi.json" => api::openapi::document,
    GET "/api/case" => api::v1::legacy_case_list,
    GET "/api/v1/user/current" => api::v1::current_user,
    POST "/api/v1/organisation" => api::v1::create_organisation,
    GET "/api/v1/organisation/{id}" => api::v1::get_organisation,
    PATCH "/api/v1/organisation/{id}" => api::v1::update_organisation,
    GET "/api/v1/organisation/{id}/links" => api::v1::links,
    PUT "/api/v1/organisation/{id}/links" => api::v1::set_links,
    GET "/api/v1/sharingProfile" => api::v1::sharing_profiles,
    PUT "/api/v1/organisation/{id}/link/{other}" => api::v1::link,
    DELETE "/api/v1/organisation/{id}/link/{other}" => api::v1::unlink,
    PUT "/api/v1/user/{id}/organisations" => api::v1::set_user_organisations,
    POST "/api/v1/user" => api::users::create,
    GET "/api/v1/user/{id}" => api::users::get,
    PATCH "/api/v1/user/{id}" => api::users::update,
    DELETE "/api/v1/user/{id}/force" => api::users::delete,
    POST "/api/v1/user/{id}/password/set" => api::users::set_password,
    POST "/api/v1/user/{id}/password/change" => api::users::change_password,
    GET "/api/v1/user/{id}/key" => api::users::get_key,
    POST "/api/v1/user/{id}/key/renew" => api::users::renew_key,
    DELETE "/api/v1/user/{id}/key" => api::users::revoke_key,
    POST "/api/v1/query" => api::query::query,
    POST "/api/v1/case" => api::cases::create,
    PATCH "/api/v1/case/_bulk" => api::cases::bulk_update,
    GET "/api/v1/case/{id}" => api::cases::get,
    PATCH "/api/v1/case/{id}" => api::cases::update,
    DELETE "/api/v1/case/{id}" => api::cases::delete,
    GET "/api/v1/case/{id}/shares" => api::cases::list_shares,
    POST "/api/v1/case/{id}/shares" => api::cases::share,
    PUT "/api/v1/case/{id}/shares" => api::cases::set_shares,
    DELETE "/api/v1/case/{id}/shares" => api::cases::unshare_organisations,
    PATCH "/api/v1/case/share/{id}" => api::cases::update_share,
    DELETE "/api/v1/case/share/{id}" => api::cases::remove_share,
    POST "/api/v1/case/{id}/owner" => api::cases::change_owner,
    POST "/api/v1/case/{id}/task" => api::tasks::create,
    PATCH "/api/v1/task/_bulk" => api::tasks::bulk_update,
    GET "/api/v1/task/{id}" => api::tasks::get,
    PATCH "/api/v1/task/{id}" => api::tasks::update,
    DELETE "/api/v1/task/{id}" => api::tasks::delete,
    GET "/api/v1/task/{id}/shares" => api::tasks::list_shares,
    POST "/api/v1/task/{id}/shares" => api::tasks::share,
    DELETE "/api/v1/task/{id}/shares" => api::tasks::unshare,
    GET "/api/v1/task/{id}/actionRequired" => api::tasks::required_actions,
    PUT "/api/v1/task/{id}/actionRequired/{org}" => api::tasks::action_required,
    PUT "/api/v1/task/{id}/actionDone/{org}" => api::tasks::action_done,
    POST "/api/v1/case/{id}/observable" => api::observables::create_in_case,
    PATCH "/api/v1/observable/_bulk" => api::observables::bulk_update,
    GET "/api/v1/observable/{id}" => api::observables::get,
    PATCH "/api/v1/observable/{id}" => api::observables::update,
    DELETE "/api/v1/observable/{id}" => api::observables::delete,
    GET "/api/v1/observable/{id}/shares" => api::observables::list_shares,
    POST "/api/v1/observable/{id}/shares" => api::observables::share,
    DELETE "/api/v1/observable/{id}/shares" => api::observables::unshare,
    POST "/api/v1/alert" => api::alerts::create,
    PATCH "/api/v1/alert/_bulk" => api::alerts::bulk_update,
    GET "/api/v1/alert/{id}" => api::alerts::get,
    PATCH "/api/v1/alert/{id}" => api::alerts::update,
    DELETE "/api/v1/alert/{id}" => api::alerts::delete,
    POST "/api/v1/alert/delete/_bulk" => api::alerts::bulk_delete,
    POST "/api/v1/alert/{id}/case" => api::alerts::promote,
    POST "/api/v1/alert/{id}/merge/{case}" => api::alerts::merge,
    POST "/api/v1/alert/{id}/follow" => api::alerts::follow,
    POST "/api/v1/alert/{id}/unfollow" => api::alerts::unfollow,
    POST "/api/v1/alert/{id}/observable" => api::alerts::create_observable,
    GET "/api/v1/autoShareRule" => api::automation::list,
    POST "/api/v1/autoShareRule" => api::automation::create,
    GET "/api/v1/autoShareRule/{id}" => api::automation::get,
    PATCH "/api/v1/autoShareRule/{id}" => api::automation::update,
    DELETE "/api/v1/autoShareRule/{id}" => api::automation::delete,
    GET "/api/v1/tag/{id}" => api::tags::get,
    PATCH "/api/v1/tag/{id}" => api::tags::update,
    DELETE "/api/v1/tag/{id}" => api::tags::delete,
    POST "/api/v1/profile" => api::profiles::create,
    GET "/api/v1/profile/{id}" => api::profiles::get,
    PATCH "/api/v1/profile/{id}" => api::profiles::update,
    DELETE "/api/v1/profile/{id}" => api::profiles::delete,
    GET "/static/{file}" => assets::serve,
    GET "/login" => pages::login_form,
    POST "/login" => pages::login,
    POST "/logout" => pages::logout,
    POST "/session/organisation" => pages::switch_organisation,
    GET "/" => pages::home,
    // Platform administration.
    GET "/admin/organisations" => admin::organisations::list,
    POST "/admin/organisations" => admin::organisations::create,
    GET "/admin/organisations/{id}" => admin::organisations::detail,
    POST "/admin/organisations/{id}" => admin::organisations::update,
    GET "/admin/organisations/{id}/row" => admin::organisations::row,
    GET "/admin/organisations/{id}/edit" => admin::organisations::edit_row,
    POST "/admin/organisations/{id}/lock" => admin::organisations::lock,
    POST "/admin/organisations/{id}/delete" => admin::organisations::delete,
    POST "/admin/organisations/{id}/links" => admin::organisations::save_links,
    POST "/admin/organisations/{id}/settings" => admin::organisations::save_rules,
    POST "/admin/organisations/{org}/members/add" => admin::members::add_existing,
    POST "/admin/organisations/{org}/members/create" => admin::members::create,
    POST "/admin/organisations/{org}/members/{uid}/profile" => admin::members::change_profile,
    POST "/admin/organisations/{org}/members/{uid}/remove" => admin::members::remove,
    GET "/admin/users" => admin::users::list,
    GET "/admin/users/search" => admin::members::search_users,
    POST "/admin/users/{uid}/memberships" => admin::users::add_membership,
    POST "/admin/users/{uid}/lock" => admin::members::lock,
    POST "/admin/users/{uid}/password" => admin::members::set_password,
    POST "/admin/users/{uid}/key/renew" => admin::members::renew_key,
    POST "/admin/users/{uid}/key/revoke" => admin::members::revoke_key,
    POST "/admin/users/{uid}/sessions/kill" => admin::members::kill_sessions,
    GET "/admin/profiles" => admin::profiles::list,
    POST "/admin/profiles" => admin::profiles::create,
    GET "/admin/profiles/{id}" => admin::profiles::edit,
    POST "/admin/profiles/{id}" => admin::profiles::update,
    POST "/admin/profiles/{id}/delete" => admin::profiles::delete,
    GET "/admin/audit" => admin::audit::platform,
    // The active organisation's administration.
    GET "/organisation/users" => admin::members::organisation_users,
    POST "/organisation/users/add" => admin::members::add_existing,
    POST "/organisation/users/create" => admin::members::create,
    POST "/organisation/users/{uid}/profile" => admin::members::change_profile,
    POST "/organisation/users/{uid}/remove" => admin::members::remove,
    POST "/organisation/users/{uid}/lock" => admin::members::lock,
    POST "/organisation/users/{uid}/password" => admin::members::set_password,
    POST "/organisation/users/{uid}/key/renew" => admin::members::renew_key,
    POST "/organisation/users/{uid}/key/revoke" => admin::members::revoke_key,
    POST "/organisation/users/{uid}/sessions/kill" => admin::members::kill_sessions,
    GET "/organisation/audit" => admin::audit::organisation,
    GET "/organisation/settings" => automation::settings,
    POST "/organisation/settings/rules" => automation::create_rule,
    POST "/organisation/settings/rules/{id}/enabled" => automation::set_enabled,
    POST "/organisation/settings/rules/{id}/delete" => automation::delete_rule,
    POST "/organisation/settings/webhooks" => automation::create_webhook,
    POST "/organisation/settings/webhooks/{id}/enabled" => automation::set_webhook_enabled,
    POST "/organisation/settings/webhooks/{id}/test" => automation::send_test,
    POST "/organisation/settings/webhooks/{id}/delete" => automation::delete_webhook,
    POST "/organisation/settings/deliveries/{id}/retry" => automation::retry_delivery,
    GET "/organisation/tags" => tags::list,
    GET "/organisation/tags/suggest" => tags::suggest,
    POST "/organisation/tags/{id}/colour" => tags::set_colour,
    POST "/organisation/tags/{id}/rename" => tags::rename,
    POST "/organisation/tags/{id}/delete" => tags::delete,
    // Cases and their items.
    GET "/cases" => cases::list_cases,
    GET "/cases/new" => cases::new_case,
    POST "/cases" => cases::create_case,
    GET "/cases/{id}" => cases::page::show,
    POST "/cases/{id}" => cases::page::update,
    POST "/cases/{id}/delete" => cases::page::delete,
    POST "/cases/{id}/owner" => cases::page::change_owner,
    GET "/cases/{id}/access" => cases::page::access,
    POST "/cases/{id}/shares" => cases::sharing::share,
    POST "/cases/{id}/shares/{share}/profile" => cases::sharing::set_profile,
    POST "/cases/{id}/shares/{share}/delete" => cases::sharing::unshare,
    POST "/cases/{id}/tasks" => cases::items::create_task,
    POST "/cases/{id}/observables" => cases::items::create_observable,
    POST "/tasks/{id}" => cases::items::update_task,
    POST "/tasks/{id}/delete" => cases::items::delete_task,
    POST "/tasks/{id}/shares" => cases::items::share_task,
    POST "/tasks/{id}/shares/remove" => cases::items::unshare_task,
    POST "/tasks/{id}/action-required" => cases::items::action_required,
    POST "/observables/{id}" => cases::items::update_observable,
    POST "/observables/{id}/delete" => cases::items::delete_observable,
    POST "/observables/{id}/shares" => cases::items::share_observable,
    POST "/observables/{id}/shares/remove" => cases::items::unshare_observable,
    GET "/alerts" => cases::alerts::list,
    POST "/alerts" => cases::alerts::create,
    GET "/alerts/{id}" => cases::alerts::show,
    POST "/alerts/{id}/observables" => cases::alerts::add_observable,
    POST "/alerts/{id}/promote" => cases::alerts::promote,
    POST "/alerts/{id}/delete" => cases::alerts::delete,
    GET "/case-templates" => cases::templates::list,
    POST "/case-templates" => cases::templates::create,
    POST "/case-templates/{id}/delete" => cases::templates::delete,
}
