//! Audit logs: platform-wide (`managePlatform`) and per organisation (its
//! org admins), newest first, paged by key.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::organisations::read_as;
use crate::db::admin::{self as q, AuditFilter};
use crate::error::AppError;
use crate::startup::AppState;
use crate::web::extract::SignedIn;
use crate::web::templates::{format_time, render, Layout};

const PAGE: i64 = 50;

pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub organisation: String,
    pub action: String,
    pub object: String,
    pub details: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub heading: &'static str,
    pub action_url: &'static str,
    pub platform: bool,
    pub records: Vec<AuditView>,
    /// (id, name, selected)
    pub organisations: Vec<(i64, String, bool)>,
    pub actor: String,
    pub action: String,
    pub older_url: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    before: Option<i64>,
}

async fn show(
    req: HttpRequest,
    state: &AppState,
    signed_in: SignedIn,
    query: AuditQuery,
    platform: bool,
) -> Result<HttpResponse, AppError> {
    let acting = signed_in.by()?.acting;
    let organisation = if platform {
        if !acting.reads_platform_audit() {
            return Err(AppError::forbidden(
                "The platform audit log needs managePlatform in the admin organisation.",
            ));
        }
        query.organisation.parse::<i64>().ok()
    } else {
        if !acting.reads_organisation_audit() {
            return Err(AppError::forbidden(
                "The audit log needs manageUser in this organisation.",
            ));
        }
        Some(acting.organisation_id)
    };
    let (actor, action, before) = (query.actor.clone(), query.action.clone(), query.before);
    let (records, orgs) = read_as(state, &signed_in, move |conn, _| {
        let filter = AuditFilter {
            organisation,
            actor: &actor,
            action: &action,
            before,
        };
        let records = q::audit_page(conn, &filter, PAGE)?;
        let orgs = q::all_organisations(conn)?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect::<Vec<_>>();
        Ok((records, orgs))
    })
    .await?;
    let name_of = |id: Option<i64>| {
        id.and_then(|id| orgs.iter().find(|o| o.0 == id).map(|o| o.1.clone()))
            .unwrap_or_else(|| "—".into())
    };
    let base = if platform {
        "/admin/audit"
    } else {
        "/organisation/audit"
    };
    let older_url = (records.len() as i64 == PAGE).then(|| {
        let last = records.last().map_or(0, |r| r.id);
        format!(
            "{base}?{}",
            serde_urlencoded::to_string([
                ("organisation", query.organisation.as_str()),
                ("actor", query.actor.as_str()),
                ("action", query.action.as_str()),
                ("before", &last.to_string()),
            ])
            .unwrap_or_default()
        )
    });
    let records = records
        .into_iter()
        .map(|r| AuditView {
            id: r.id,
            at: format_time(r.created_at),
            actor: r.actor,
            organisation: name_of(r.organisation_id),
            action: r.action,
            object: format!("{} {}", r.object_type, r.object_id),
            details: r.details,
        })
        .collect();
    render(
        StatusCode::OK,
        &AuditPage {
            layout: signed_in.layout("Audit log", &req),
            heading: if platform {
                "Platform audit log"
            } else {
                "Audit log"
            },
            action_url: base,
            platform,
            records,
            organisations: if platform {
                orgs.into_iter()
                    .map(|(id, name)| (id, name, Some(id) == organisation))
                    .collect()
            } else {
                vec![]
            },
            actor: query.actor,
            action: query.action,
            older_url,
        },
    )
}

pub async fn platform(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    show(req, &state, signed_in, query.into_inner(), true).await
}

pub async fn organisation(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    show(req, &state, signed_in, query.into_inner(), false).await
}
