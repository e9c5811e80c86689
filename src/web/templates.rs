//! Page structs (askama) and the layout every page shares.

use actix_web::{http::header, HttpResponse};
use askama::Template;

use crate::error::AppError;
use crate::service::auth::{ActiveOrganisation, Actor};

/// One entry of the organisation switcher.
pub struct OrgOption {
    pub id: i64,
    pub name: String,
    pub active: bool,
}

/// One navigation entry; only those the user's permissions allow are built.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The signed-in part of the header.
pub struct HeaderUser {
    pub login: String,
    pub name: String,
    pub organisations: Vec<OrgOption>,
    pub nav: Vec<NavItem>,
    /// Path and query of this page, to come back to after a switch.
    pub current_path: String,
}

/// What `base.html` needs.
pub struct Layout {
    pub title: String,
    pub csrf: String,
    pub user: Option<HeaderUser>,
}

impl Layout {
    pub fn anonymous(title: impl Into<String>, csrf: String) -> Self {
        Layout {
            title: title.into(),
            csrf,
            user: None,
        }
    }

    pub fn signed_in(
        title: impl Into<String>,
        csrf: String,
        actor: &Actor,
        current_path: &str,
    ) -> Self {
        let active_id = actor.active.as_ref().map(|a| a.id);
        Layout {
            title: title.into(),
            csrf,
            user: Some(HeaderUser {
                login: actor.user.login.clone(),
                name: actor.user.name.clone(),
                organisations: actor
                    .organisations
                    .iter()
                    .map(|m| OrgOption {
                        id: m.organisation_id,
                        name: m.organisation_name.clone(),
                        active: Some(m.organisation_id) == active_id,
                    })
                    .collect(),
                nav: navigation(actor.active.as_ref(), current_path),
                current_path: current_path.to_string(),
            }),
        }
    }
}

/// The navigation for the active organisation. Entries appear only when the
/// permissions allow their screen.
pub fn navigation(_active: Option<&ActiveOrganisation>, current_path: &str) -> Vec<NavItem> {
    let entries: [(&'static str, &'static str, bool); 1] = [("/", "Home", true)];
    entries
        .into_iter()
        .filter(|(_, _, allowed)| *allowed)
        .map(|(href, label, _)| NavItem {
            href,
            label,
            current: current_path.split('?').next() == Some(href),
        })
        .collect()
}

/// Renders a template as an HTML response with the given status.
pub fn render(
    status: actix_web::http::StatusCode,
    page: &impl Template,
) -> Result<HttpResponse, AppError> {
    let body = page
        .render()
        .map_err(|e| AppError::internal(format!("template: {e}")))?;
    Ok(HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(body))
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub login: String,
    pub next: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub active: Option<ActiveOrganisation>,
    pub permissions: Vec<&'static str>,
}

/// The body of an error, shown alone to htmx and inside `ErrorPage` otherwise.
#[derive(Template)]
#[template(path = "_error.html")]
pub struct ErrorFragment {
    pub status: u16,
    pub heading: &'static str,
    pub message: String,
    pub sign_out: bool,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub error: ErrorFragment,
}
