//! Case templates of the active organisation.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{number_field, split_tags};
use crate::error::AppError;
use crate::service::cases::require_case_holder;
use crate::service::cases::templates::{self, TemplateInput, TemplateTask};
use crate::service::tags::{self as tag_service, Chip, Kind};
use crate::startup::AppState;
use crate::web::admin::organisations::{read_as, write_as};
use crate::web::admin::{is_form_error, see_other, status_of};
use crate::web::csrf::CsrfForm;
use crate::web::extract::SignedIn;
use crate::web::templates::{render, Layout};

pub struct TemplateRow {
    pub id: i64,
    pub name: String,
    pub title_prefix: String,
    pub severity: i32,
    pub tags: Vec<Chip>,
    pub tasks: Vec<String>,
}

#[derive(Template)]
#[template(path = "cases/templates.html")]
pub struct TemplatesPage {
    pub layout: Layout,
    pub csrf: String,
    pub templates: Vec<TemplateRow>,
    pub can_manage: bool,
    pub form: TemplateForm,
    pub error: Option<String>,
}

/// Tasks are one per line: `title` or `group: title`.
#[derive(Deserialize, Default, Clone)]
pub struct TemplateForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub title_prefix: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub tasks: String,
}

fn input_of(f: &TemplateForm) -> Result<TemplateInput, AppError> {
    Ok(TemplateInput {
        name: f.name.clone(),
        title_prefix: f.title_prefix.clone(),
        description: f.description.clone(),
        severity: number_field("severity", &f.severity)?.unwrap_or(2),
        tags: split_tags(&f.tags),
        tasks: f
            .tasks
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| match l.split_once(':') {
                Some((g, t)) => TemplateTask {
                    group: g.trim().into(),
                    title: t.trim().into(),
                    description: String::new(),
                },
                None => TemplateTask {
                    group: "default".into(),
                    title: l.into(),
                    description: String::new(),
                },
            })
            .collect(),
    })
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    form: TemplateForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (list, mut chips) = read_as(state, signed_in, |conn, by| {
        require_case_holder(by)?;
        let list = templates::list(conn, by)?;
        let ids: Vec<i64> = list.iter().map(|t| t.id).collect();
        Ok((list, tag_service::chips(conn, Kind::Template, &ids)?))
    })
    .await?;
    let can_manage = signed_in
        .by()?
        .permissions()
        .contains(crate::domain::permissions::Permission::ManageCaseTemplate);
    render(
        status,
        &TemplatesPage {
            layout: signed_in.layout("Case templates", req),
            csrf: crate::web::csrf::token(&signed_in.session),
            templates: list
                .iter()
                .map(|t| TemplateRow {
                    id: t.id,
                    name: t.name.clone(),
                    title_prefix: t.title_prefix.clone(),
                    severity: t.severity,
                    tags: chips.remove(&t.id).unwrap_or_default(),
                    tasks: templates::tasks_of(t)
                        .into_iter()
                        .map(|t| t.title)
                        .collect(),
                })
                .collect(),
            can_manage,
            form,
            error,
        },
    )
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = TemplateForm {
        severity: "2".into(),
        ..TemplateForm::default()
    };
    page(&req, &state, &signed_in, form, None, StatusCode::OK).await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: CsrfForm<TemplateForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm(form) = form;
    let result = match input_of(&form) {
        Ok(input) => {
            write_as(&state, &signed_in, move |conn, by| {
                templates::create(conn, by, &input)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(t) => {
            signed_in.flash(format!("Case template {} created.", t.name));
            Ok(see_other("/case-templates"))
        }
        Err(e) if is_form_error(&e) => {
            let status = status_of(&e);
            page(&req, &state, &signed_in, form, Some(e.message), status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn delete(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    _f: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    write_as(&state, &signed_in, move |conn, by| {
        templates::delete(conn, by, id)
    })
    .await?;
    signed_in.flash("Case template deleted.");
    Ok(see_other("/case-templates"))
}
