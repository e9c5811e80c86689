//! Case screens: the list, a case with its tasks, observables and sharing,
//! "who can see this case", alerts and case templates.

pub mod alerts;
pub mod items;
pub mod page;
pub mod sharing;
pub mod templates;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::domain::permissions::Permission;
use crate::error::AppError;
use crate::service::cases::list::{self, Cursor, Scope, Sort};
use crate::service::cases::{self as cases, NewCase};
use crate::service::tags::{self, Chip, Kind};
use crate::startup::AppState;
use crate::web::admin::organisations::{read_as, write_as};
use crate::web::admin::{is_form_error, see_other, status_of};
use crate::web::csrf::CsrfForm;
use crate::web::extract::SignedIn;
use crate::web::templates::{format_time, render, Layout};

pub const PAGE: i64 = 25;

pub struct CaseRow {
    pub id: i64,
    pub number: i64,
    pub title: String,
    pub severity: i32,
    pub status: String,
    pub owner_name: String,
    pub owned: bool,
    pub assignee: String,
    pub tags: Vec<Chip>,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "cases/list.html")]
pub struct CasesPage {
    pub layout: Layout,
    pub rows: Vec<CaseRow>,
    pub scope: &'static str,
    /// The tag the list is filtered by (empty: none).
    pub tag: String,
    pub sort: &'static str,
    pub next_url: Option<String>,
    pub first_url: Option<String>,
    pub can_create: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    sort: String,
    after: Option<String>,
    tag: Option<String>,
}

pub async fn list_cases(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (scope, sort) = (Scope::parse(&query.scope), Sort::parse(&query.sort));
    let after = query.after.as_deref().and_then(Cursor::decode);
    let tag = query.tag.clone().filter(|t| !t.trim().is_empty());
    let filter = tag.clone();
    let (rows, next, mut chips) = read_as(&state, &signed_in, move |conn, by| {
        cases::require_case_holder(by)?;
        let (rows, next) = list::page(
            conn,
            by.acting.organisation_id,
            scope,
            sort,
            filter.as_deref(),
            after,
            PAGE,
        )?;
        let ids: Vec<i64> = rows.iter().map(|r| r.case.id).collect();
        Ok((rows, next, tags::chips(conn, Kind::Case, &ids)?))
    })
    .await?;
    let url = |after: Option<Cursor>| {
        let mut q = vec![
            ("scope", scope.as_str().to_string()),
            ("sort", sort.as_str().to_string()),
        ];
        if let Some(t) = &tag {
            q.push(("tag", t.clone()));
        }
        if let Some(a) = after {
            q.push(("after", a.encode()));
        }
        format!(
            "/cases?{}",
            serde_urlencoded::to_string(q).unwrap_or_default()
        )
    };
    let by = signed_in.by()?;
    render(
        StatusCode::OK,
        &CasesPage {
            layout: signed_in.layout("Cases", &req),
            rows: rows
                .into_iter()
                .map(|r| CaseRow {
                    id: r.case.id,
                    number: r.case.number,
                    severity: r.case.severity,
                    status: r.case.status.clone(),
                    owner_name: r.owner_name,
                    owned: r.owner,
                    assignee: r.case.assignee.clone().unwrap_or_default(),
                    tags: chips.remove(&r.case.id).unwrap_or_default(),
                    updated: format_time(r.case.updated_at.unwrap_or(r.case.created_at)),
                    title: r.case.title,
                })
                .collect(),
            scope: scope.as_str(),
            tag: tag.clone().unwrap_or_default(),
            sort: sort.as_str(),
            next_url: next.map(|c| url(Some(c))),
            first_url: after.map(|_| url(None)),
            can_create: by.permissions().contains(Permission::CaseCreate),
        },
    )
}

#[derive(Template)]
#[template(path = "cases/new.html")]
pub struct NewCasePage {
    pub layout: Layout,
    pub csrf: String,
    pub templates: Vec<String>,
    pub form: NewCaseForm,
    pub error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewCaseForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub tlp: String,
    #[serde(default)]
    pub pap: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub template: String,
}

/// Comma-separated tags from a form.
pub fn split_tags(s: &str) -> Vec<String> {
    s.split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// An optional number field; an unparsable value is a clear error.
pub fn number_field(name: &str, s: &str) -> Result<Option<i32>, AppError> {
    match s.trim() {
        "" => Ok(None),
        v => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::bad_request(format!("{name} must be a number."))),
    }
}

async fn new_page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    form: NewCaseForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let templates = read_as(state, signed_in, |conn, by| {
        cases::require_case_holder(by)?;
        Ok(cases::templates::list(conn, by)?
            .into_iter()
            .map(|t| t.name)
            .collect::<Vec<_>>())
    })
    .await?;
    render(
        status,
        &NewCasePage {
            layout: signed_in.layout("New case", req),
            csrf: crate::web::csrf::token(&signed_in.session),
            templates,
            form,
            error,
        },
    )
}

pub async fn new_case(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = NewCaseForm {
        severity: "2".into(),
        tlp: "2".into(),
        pap: "2".into(),
        ..NewCaseForm::default()
    };
    new_page(&req, &state, &signed_in, form, None, StatusCode::OK).await
}

pub async fn create_case(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: CsrfForm<NewCaseForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm(form) = form;
    let f = form.clone();
    let result = async {
        let new = NewCase {
            title: f.title.clone(),
            description: f.description.clone(),
            severity: number_field("severity", &f.severity)?,
            tlp: number_field("tlp", &f.tlp)?,
            pap: number_field("pap", &f.pap)?,
            tags: split_tags(&f.tags),
            template: Some(f.template.clone()),
            ..NewCase::default()
        };
        write_as(&state, &signed_in, move |conn, by| {
            cases::create(conn, by, new)
        })
        .await
    }
    .await;
    match result {
        Ok(v) => {
            signed_in.flash(format!("Case #{} created.", v.case.number));
            Ok(see_other(&format!("/cases/{}", v.case.id)))
        }
        Err(e) if is_form_error(&e) => {
            let status = status_of(&e);
            new_page(&req, &state, &signed_in, form, Some(e.message), status).await
        }
        Err(e) => Err(e),
    }
}

pub fn case_id(path: &web::Path<i64>) -> i64 {
    **path
}
