//! Page structs (askama) and the layout every page shares.

use actix_web::{http::header, HttpResponse};
use askama::Template;

use crate::domain::policy::MemberScope;
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
    /// The profile in the active organisation.
    pub profile: Option<String>,
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
    /// A one-time message from the previous request (after a redirect).
    pub flash: Option<String>,
}

impl Layout {
    pub fn anonymous(title: impl Into<String>, csrf: String) -> Self {
        Layout {
            title: title.into(),
            csrf,
            user: None,
            flash: None,
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
            flash: None,
            user: Some(HeaderUser {
                login: actor.user.login.clone(),
                name: actor.user.name.clone(),
                profile: actor.active.as_ref().map(|a| a.profile.clone()),
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
/// permissions allow their screen (the same policy the handlers enforce).
pub fn navigation(active: Option<&ActiveOrganisation>, current_path: &str) -> Vec<NavItem> {
    let acting = active.map(|a| a.acting());
    let scope = acting.and_then(|a| a.member_scope());
    let holds_cases =
        active.is_some_and(|a| a.kind == crate::domain::permissions::ProfileKind::Organisation);
    let entries: [(&'static str, &'static str, bool); 12] = [
        ("/", "Home", true),
        ("/cases", "Cases", holds_cases),
        ("/alerts", "Alerts", holds_cases),
        ("/case-templates", "Case templates", holds_cases),
        ("/organisation/tags", "Custom tags", holds_cases),
        (
            "/admin/organisations",
            "Organisations",
            acting.is_some_and(|a| a.manages_organisations()),
        ),
        (
            "/admin/users",
            "Users",
            scope == Some(MemberScope::Platform),
        ),
        (
            "/admin/profiles",
            "Profiles",
            acting.is_some_and(|a| a.manages_profiles()),
        ),
        (
            "/admin/audit",
            "Audit log",
            acting.is_some_and(|a| a.reads_platform_audit()),
        ),
        (
            "/organisation/users",
            "Members",
            matches!(scope, Some(MemberScope::Organisation(_))),
        ),
        (
            "/organisation/audit",
            "Audit log",
            acting.is_some_and(|a| a.reads_organisation_audit()),
        ),
        (
            "/organisation/settings",
            "Automation",
            holds_cases
                && acting.is_some_and(|a| {
                    a.permissions
                        .contains(crate::domain::permissions::Permission::ManageConfig)
                }),
        ),
    ];
    let path = current_path.split('?').next().unwrap_or("/");
    entries
        .into_iter()
        .filter(|(_, _, allowed)| *allowed)
        .map(|(href, label, _)| NavItem {
            href,
            label,
            current: if href == "/" {
                path == "/"
            } else {
                path.starts_with(href)
            },
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

/// `2026-11-24 14:03 UTC` from epoch milliseconds.
pub fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// A page that shows a secret once (a new API key or password).
#[derive(Template)]
#[template(path = "secret.html")]
pub struct SecretPage {
    pub layout: Layout,
    pub heading: String,
    pub explanation: String,
    pub secret: String,
    pub back: String,
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_times() {
        assert_eq!(super::format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(
            super::format_time(1_795_525_380_000),
            "2026-11-24 13:03 UTC"
        );
        assert_eq!(super::format_time(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}
