//! Alerts of the active organisation: list, create, view, promote, delete.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{number_field, split_tags};
use crate::error::AppError;
use crate::service::cases::alerts::{self, NewAlert};
use crate::service::cases::items::{NewObservable, DATA_TYPES};
use crate::service::cases::require_case_holder;
use crate::service::tags::{self, Chip, Kind};
use crate::startup::AppState;
use crate::web::admin::organisations::{read_as, write_as};
use crate::web::admin::{is_form_error, see_other, status_of};
use crate::web::csrf::CsrfForm;
use crate::web::extract::SignedIn;
use crate::web::templates::{format_time, render, Layout};

pub struct AlertRow {
    pub id: i64,
    pub title: String,
    pub source: String,
    pub source_ref: String,
    pub alert_type: String,
    pub severity: i32,
    pub status: String,
    pub tags: Vec<Chip>,
    pub created: String,
    pub case_id: Option<i64>,
}

impl AlertRow {
    fn new(a: crate::db::models::Alert, tags: Vec<Chip>) -> Self {
        AlertRow {
            id: a.id,
            tags,
            created: format_time(a.created_at),
            title: a.title,
            source: a.source,
            source_ref: a.source_ref,
            alert_type: a.alert_type,
            severity: a.severity,
            status: a.status,
            case_id: a.case_id,
        }
    }
}

#[derive(Template)]
#[template(path = "cases/alerts.html")]
pub struct AlertsPage {
    pub layout: Layout,
    pub csrf: String,
    pub alerts: Vec<AlertRow>,
    pub older_url: Option<String>,
    pub form: AlertForm,
    pub error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct AlertForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub alert_type: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub source_ref: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub tags: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    before: Option<i64>,
    tag: Option<String>,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    (tag, before): (Option<String>, Option<i64>),
    form: AlertForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (list, mut chips) = read_as(state, signed_in, move |conn, by| {
        require_case_holder(by)?;
        let list = alerts::list(conn, by, tag.as_deref(), before)?;
        let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
        Ok((list, tags::chips(conn, Kind::Alert, &ids)?))
    })
    .await?;
    let older_url =
        (list.len() == 50).then(|| format!("/alerts?before={}", list.last().map_or(0, |a| a.id)));
    render(
        status,
        &AlertsPage {
            layout: signed_in.layout("Alerts", req),
            csrf: crate::web::csrf::token(&signed_in.session),
            alerts: list
                .into_iter()
                .map(|a| {
                    let t = chips.remove(&a.id).unwrap_or_default();
                    AlertRow::new(a, t)
                })
                .collect(),
            older_url,
            form,
            error,
        },
    )
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let form = AlertForm {
        severity: "2".into(),
        ..AlertForm::default()
    };
    page(
        &req,
        &state,
        &signed_in,
        (query.tag.clone().filter(|t| !t.is_empty()), query.before),
        form,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: CsrfForm<AlertForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm(form) = form;
    let f = form.clone();
    let result = async {
        let new = NewAlert {
            alert_type: f.alert_type,
            source: f.source,
            source_ref: f.source_ref,
            title: f.title,
            description: f.description,
            severity: number_field("severity", &f.severity)?,
            tags: split_tags(&f.tags),
            ..NewAlert::default()
        };
        write_as(&state, &signed_in, move |conn, by| {
            alerts::create(conn, by, &new)
        })
        .await
    }
    .await;
    match result {
        Ok(a) => {
            signed_in.flash(format!("Alert \"{}\" created.", a.title));
            Ok(see_other(&format!("/alerts/{}", a.id)))
        }
        Err(e) if is_form_error(&e) => {
            let status = status_of(&e);
            page(
                &req,
                &state,
                &signed_in,
                (None, None),
                form,
                Some(e.message),
                status,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub struct ObsRow {
    pub data_type: String,
    pub data: String,
    pub ioc: bool,
}

#[derive(Template)]
#[template(path = "cases/alert.html")]
pub struct AlertPage {
    pub layout: Layout,
    pub csrf: String,
    pub alert: AlertRow,
    pub description: String,
    pub observables: Vec<ObsRow>,
    pub data_types: [&'static str; 12],
    pub error: Option<String>,
}

async fn alert_page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (alert, observables, chips) = read_as(state, signed_in, move |conn, by| {
        let alert = alerts::get(conn, by, id)?;
        let chips = tags::chips(conn, Kind::Alert, &[id])?
            .remove(&id)
            .unwrap_or_default();
        Ok((alert, alerts::observables_of(conn, by, id)?, chips))
    })
    .await?;
    render(
        status,
        &AlertPage {
            layout: signed_in.layout(format!("Alert {}", alert.title), req),
            csrf: crate::web::csrf::token(&signed_in.session),
            description: alert.description.clone(),
            alert: AlertRow::new(alert, chips),
            observables: observables
                .into_iter()
                .map(|o| ObsRow {
                    data_type: o.data_type,
                    data: o.data,
                    ioc: o.ioc,
                })
                .collect(),
            data_types: DATA_TYPES,
            error,
        },
    )
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    alert_page(&req, &state, &signed_in, *path, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct ObservableForm {
    #[serde(default)]
    data_type: String,
    #[serde(default)]
    data: String,
    #[serde(default)]
    ioc: Option<String>,
}

pub async fn add_observable(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<ObservableForm>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    let CsrfForm(f) = form;
    let new = NewObservable {
        data_type: f.data_type,
        data: f.data,
        ioc: f.ioc.is_some(),
        ..NewObservable::default()
    };
    match write_as(&state, &signed_in, move |conn, by| {
        alerts::add_observable(conn, by, id, &new)
    })
    .await
    {
        Ok(_) => {
            signed_in.flash("Observable added.");
            Ok(see_other(&format!("/alerts/{id}")))
        }
        Err(e) if is_form_error(&e) => {
            let status = status_of(&e);
            alert_page(&req, &state, &signed_in, id, Some(e.message), status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn promote(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    _f: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    let case = write_as(&state, &signed_in, move |conn, by| {
        alerts::promote(conn, by, id, Default::default())
    })
    .await?;
    signed_in.flash(format!(
        "Case #{} created from the alert.",
        case.case.number
    ));
    Ok(see_other(&format!("/cases/{}", case.case.id)))
}

pub async fn delete(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    _f: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    write_as(&state, &signed_in, move |conn, by| {
        alerts::delete(conn, by, id)
    })
    .await?;
    signed_in.flash("Alert deleted.");
    Ok(see_other("/alerts"))
}
