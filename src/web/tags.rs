//! Organisation > Custom tags: the active organisation's tags with usage
//! counts; colour, rename (with merge) and delete for `manageTag` holders,
//! read-only for everyone else.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::domain::permissions::Permission;
use crate::error::{AppError, ErrorKind};
use crate::service::cases::require_case_holder;
use crate::service::tags::{self, Renamed, Sort, TagRow};
use crate::startup::AppState;
use crate::web::admin::organisations::{read_as, write_as};
use crate::web::admin::{is_form_error, is_htmx, see_other, status_of};
use crate::web::csrf::CsrfForm;
use crate::web::extract::SignedIn;
use crate::web::templates::{format_time, render, Layout};

/// One row of the Custom tags table.
pub struct TagView {
    pub id: i64,
    pub name: String,
    pub colour: String,
    pub description: String,
    /// Usage counts as shown ("1,000+" above the cap).
    pub cases: String,
    pub alerts: String,
    pub observables: String,
    pub templates: String,
    /// Objects the tag is removed from by a delete.
    pub objects: String,
    pub created_by: String,
    pub created: String,
    pub updated: Option<String>,
    pub cases_url: String,
    pub alerts_url: String,
}

impl From<TagRow> for TagView {
    fn from(r: TagRow) -> Self {
        let q = |base: &str| {
            format!(
                "{base}?{}",
                serde_urlencoded::to_string([("tag", r.tag.name.as_str())]).unwrap_or_default()
            )
        };
        TagView {
            cases_url: q("/cases"),
            alerts_url: q("/alerts"),
            id: r.tag.id,
            name: r.tag.name,
            colour: r.tag.colour,
            description: r.tag.description,
            cases: tags::capped(r.cases),
            alerts: tags::capped(r.alerts),
            observables: tags::capped(r.observables),
            templates: tags::capped(r.templates),
            objects: tags::capped(r.cases + r.alerts + r.observables + r.templates),
            created_by: r.tag.created_by,
            created: format_time(r.tag.created_at),
            updated: r.tag.updated_at.map(format_time),
        }
    }
}

#[derive(Template)]
#[template(path = "tags/page.html")]
pub struct TagsPage {
    pub layout: Layout,
    pub csrf: String,
    pub rows: Vec<TagView>,
    pub can_manage: bool,
    pub q: String,
    pub sort: &'static str,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
}

/// A row alone (htmx swaps), possibly asking to confirm a merge.
#[derive(Template)]
#[template(path = "tags/_row.html")]
pub struct TagRowFragment {
    pub csrf: String,
    pub row: TagView,
    pub can_manage: bool,
    pub merge_into: Option<String>,
    pub error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    page: Option<usize>,
}

fn can_manage(signed_in: &SignedIn) -> bool {
    signed_in
        .by()
        .is_ok_and(|b| b.permissions().contains(Permission::ManageTag))
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { q, sort, page } = query.into_inner();
    let sort = Sort::parse(&sort);
    let filter = q.clone();
    let result = read_as(&state, &signed_in, move |conn, by| {
        require_case_holder(by)?;
        tags::list(
            conn,
            by.acting.organisation_id,
            &filter,
            sort,
            page.unwrap_or(1),
        )
    })
    .await?;
    let url = |p: usize| {
        format!(
            "/organisation/tags?{}",
            serde_urlencoded::to_string([
                ("q", q.as_str()),
                ("sort", sort.as_str()),
                ("page", &p.to_string())
            ])
            .unwrap_or_default()
        )
    };
    render(
        StatusCode::OK,
        &TagsPage {
            layout: signed_in.layout("Custom tags", &req),
            csrf: crate::web::csrf::token(&signed_in.session),
            can_manage: can_manage(&signed_in),
            prev_url: (result.page > 1).then(|| url(result.page - 1)),
            next_url: (result.page < result.pages).then(|| url(result.page + 1)),
            rows: result.rows.into_iter().map(TagView::from).collect(),
            q,
            sort: sort.as_str(),
            total: result.total,
            page: result.page,
            pages: result.pages,
        },
    )
}

fn tag_id(path: &web::Path<i64>) -> i64 {
    **path
}

async fn row_of(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<TagView, AppError> {
    read_as(state, signed_in, move |conn, by| {
        let tag = tags::own(conn, by, id)?;
        let c = tags::counts(conn, by.acting.organisation_id)?
            .get(&id)
            .copied()
            .unwrap_or_default();
        Ok(TagView::from(TagRow {
            tag,
            cases: c[0],
            alerts: c[1],
            observables: c[2],
            templates: c[3],
        }))
    })
    .await
}

async fn fragment(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    merge_into: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let row = row_of(state, signed_in, id).await?;
    render(
        status,
        &TagRowFragment {
            csrf: crate::web::csrf::token(&signed_in.session),
            row,
            can_manage: can_manage(signed_in),
            merge_into,
            error,
        },
    )
}

#[derive(Deserialize)]
pub struct ColourForm {
    #[serde(default)]
    colour: String,
}

pub async fn set_colour(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<ColourForm>,
) -> Result<HttpResponse, AppError> {
    let id = tag_id(&path);
    let colour = form.0.colour;
    match write_as(&state, &signed_in, move |conn, by| {
        tags::set_colour(conn, by, id, &colour)
    })
    .await
    {
        Ok(tag) if is_htmx(&req) => {
            let mut res = fragment(&state, &signed_in, id, None, None, StatusCode::OK).await?;
            let trigger =
                serde_json::json!({ "tagColour": { "id": tag.id, "colour": tag.colour } })
                    .to_string();
            res.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("hx-trigger"),
                actix_web::http::header::HeaderValue::from_str(&trigger)
                    .map_err(|e| AppError::internal(e.to_string()))?,
            );
            Ok(res)
        }
        Ok(tag) => {
            signed_in.flash(format!("Colour of {} changed.", tag.name));
            Ok(see_other("/organisation/tags"))
        }
        Err(e) if is_form_error(&e) && is_htmx(&req) => {
            let status = status_of(&e);
            fragment(&state, &signed_in, id, None, Some(e.message), status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
    description: Option<String>,
    #[serde(default)]
    merge: String,
}

pub async fn rename(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<RenameForm>,
) -> Result<HttpResponse, AppError> {
    let id = tag_id(&path);
    let CsrfForm(f) = form;
    let (name, merge, description) = (f.name.clone(), f.merge == "true", f.description.clone());
    let result = write_as(&state, &signed_in, move |conn, by| {
        let renamed = tags::rename(conn, by, id, &name, merge)?;
        if let (Renamed::Renamed(t), Some(d)) = (&renamed, description) {
            tags::set_description(conn, by, t.id, &d)?;
        }
        Ok(renamed)
    })
    .await;
    match result {
        Ok(Renamed::Renamed(t)) if is_htmx(&req) => {
            fragment(&state, &signed_in, t.id, None, None, StatusCode::OK).await
        }
        Ok(Renamed::Merged(t)) if is_htmx(&req) => {
            // The old row is gone: reload the list.
            signed_in.flash(format!("Merged into {}.", t.name));
            Ok(HttpResponse::Ok()
                .insert_header(("HX-Redirect", "/organisation/tags"))
                .finish())
        }
        Ok(Renamed::Renamed(t)) => {
            signed_in.flash(format!("Tag saved as {}.", t.name));
            Ok(see_other("/organisation/tags"))
        }
        Ok(Renamed::Merged(t)) => {
            signed_in.flash(format!("Merged into {}.", t.name));
            Ok(see_other("/organisation/tags"))
        }
        Err(e) if e.kind == ErrorKind::Conflict => {
            fragment(
                &state,
                &signed_in,
                id,
                Some(f.name),
                Some(e.message),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) if is_form_error(&e) => {
            let status = status_of(&e);
            fragment(&state, &signed_in, id, None, Some(e.message), status).await
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
    let id = tag_id(&path);
    let (name, n) = write_as(&state, &signed_in, move |conn, by| {
        tags::delete(conn, by, id)
    })
    .await?;
    signed_in.flash(format!(
        "Tag {name} deleted and removed from {n} object(s)."
    ));
    Ok(see_other("/organisation/tags"))
}

#[derive(Deserialize)]
pub struct SuggestQuery {
    #[serde(default)]
    tags: String,
}

#[derive(Template)]
#[template(path = "tags/_options.html")]
pub struct Options {
    pub values: Vec<String>,
}

/// Autocomplete for a comma-separated tag field: completes its last entry
/// from the active organisation's tags.
pub async fn suggest(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<SuggestQuery>,
) -> Result<HttpResponse, AppError> {
    let text = query.into_inner().tags;
    let (head, last) = match text.rsplit_once(',') {
        Some((h, l)) => (format!("{h}, "), l.trim().to_string()),
        None => (String::new(), text.trim().to_string()),
    };
    let names = read_as(&state, &signed_in, move |conn, by| {
        require_case_holder(by)?;
        tags::suggest(conn, by.acting.organisation_id, &last)
    })
    .await?;
    render(
        StatusCode::OK,
        &Options {
            values: names.into_iter().map(|n| format!("{head}{n}")).collect(),
        },
    )
}
