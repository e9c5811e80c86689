//! Admin > Organisations and the organisation page (tabs Users, Links,
//! Custom tags, Settings).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::members::{members_section, MembersSection};
use super::{is_form_error, is_htmx, see_other, status_of};
use crate::db::admin::OrganisationSort;
use crate::domain::policy::LinkType;
use crate::error::AppError;
use crate::service::organisations::{
    self as orgs, is_admin_organisation, LinkView, OrganisationRow, WantedLink,
};
use crate::startup::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::SignedIn;
use crate::web::templates::{format_time, render, Layout};

/// One row of the organisations table.
pub struct OrgRowView {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub is_admin: bool,
    pub locked: bool,
    pub created_by: String,
    pub created: String,
    pub updated: Option<String>,
    pub links: Vec<String>,
}

fn link_text(l: &LinkView) -> String {
    let mut parts = Vec::new();
    if let Some(t) = l.outgoing {
        parts.push(format!("→ {}", t.as_str()));
    }
    if let Some(t) = l.incoming {
        parts.push(format!("← {}", t.as_str()));
    }
    format!("{} ({})", l.other_name, parts.join(", "))
}

impl From<&OrganisationRow> for OrgRowView {
    fn from(r: &OrganisationRow) -> Self {
        let o = &r.organisation;
        OrgRowView {
            id: o.id,
            name: o.name.clone(),
            description: o.description.clone(),
            is_admin: is_admin_organisation(o),
            locked: o.locked,
            created_by: o.created_by.clone(),
            created: format_time(o.created_at),
            updated: o.updated_at.map(format_time),
            links: r.links.iter().map(link_text).collect(),
        }
    }
}

#[derive(Default)]
pub struct NewOrgForm {
    pub name: String,
    pub description: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/organisations.html")]
pub struct OrganisationsPage {
    pub layout: Layout,
    pub csrf: String,
    pub rows: Vec<OrgRowView>,
    pub total: i64,
    pub q: String,
    pub sort: &'static str,
    pub page: i64,
    pub pages: i64,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    pub form: NewOrgForm,
}

#[derive(Template)]
#[template(path = "admin/_org_row.html")]
pub struct OrgRowFragment {
    pub csrf: String,
    pub row: OrgRowView,
}

#[derive(Template)]
#[template(path = "admin/_org_edit_row.html")]
pub struct OrgEditRow {
    pub csrf: String,
    pub row: OrgRowView,
    pub name: String,
    pub description: String,
    pub error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    page: Option<i64>,
}

fn list_url(q: &str, sort: &str, page: i64) -> String {
    format!(
        "/admin/organisations?{}",
        serde_urlencoded::to_string([("q", q), ("sort", sort), ("page", &page.to_string())])
            .unwrap_or_default()
    )
}

async fn list_page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    query: ListQuery,
    form: NewOrgForm,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let sort = OrganisationSort::parse(&query.sort);
    let (q, page) = (query.q.clone(), query.page.unwrap_or(1));
    let page = read_as(state, signed_in, move |conn, by| {
        orgs::list(conn, by, &q, sort, page)
    })
    .await?;
    let csrf = crate::web::csrf::token(&signed_in.session);
    render(
        status,
        &OrganisationsPage {
            layout: signed_in.layout("Organisations", req),
            csrf,
            rows: page.rows.iter().map(OrgRowView::from).collect(),
            total: page.total,
            prev_url: (page.page > 1).then(|| list_url(&query.q, sort.as_str(), page.page - 1)),
            next_url: (page.page < page.pages)
                .then(|| list_url(&query.q, sort.as_str(), page.page + 1)),
            q: query.q,
            sort: sort.as_str(),
            page: page.page,
            pages: page.pages,
            form,
        },
    )
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    list_page(
        &req,
        &state,
        &signed_in,
        query.into_inner(),
        NewOrgForm::default(),
        StatusCode::OK,
    )
    .await
}

/// Runs a service call as the signed-in actor on the blocking pool, inside
/// one write transaction when `write`.
async fn as_actor<T, F>(
    state: &AppState,
    signed_in: &SignedIn,
    write: bool,
    f: F,
) -> Result<T, AppError>
where
    F: FnOnce(&mut crate::db::DbConn, &crate::service::By) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let by = signed_in.by()?;
    let (login, user_id, acting) = (by.login.to_string(), by.user_id, by.acting);
    let call = move |conn: &mut crate::db::DbConn| {
        f(
            conn,
            &crate::service::By {
                login: &login,
                user_id,
                acting,
            },
        )
    };
    if write {
        state.db.write(call).await
    } else {
        state.db.run(call).await
    }
}

/// A write as the signed-in actor, in one transaction.
pub async fn write_as<T, F>(state: &AppState, signed_in: &SignedIn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut crate::db::DbConn, &crate::service::By) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    as_actor(state, signed_in, true, f).await
}

/// A read as the signed-in actor.
pub async fn read_as<T, F>(state: &AppState, signed_in: &SignedIn, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut crate::db::DbConn, &crate::service::By) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    as_actor(state, signed_in, false, f).await
}

#[derive(Deserialize)]
pub struct NewOrg {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: CsrfForm<NewOrg>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm(form) = form;
    let (name, description) = (form.name.clone(), form.description.clone());
    match write_as(&state, &signed_in, move |conn, by| {
        orgs::create(conn, by, &name, &description)
    })
    .await
    {
        Ok(org) => {
            signed_in.flash(format!("Organisation {} created.", org.name));
            Ok(see_other("/admin/organisations"))
        }
        Err(e) if is_form_error(&e) => {
            let status = status_of(&e);
            list_page(
                &req,
                &state,
                &signed_in,
                ListQuery::default(),
                NewOrgForm {
                    name: form.name,
                    description: form.description,
                    error: Some(e.message),
                },
                status,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

fn org_id(path: &web::Path<i64>) -> i64 {
    **path
}

async fn row_view(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<OrgRowView, AppError> {
    let row = read_as(state, signed_in, move |conn, by| orgs::get(conn, by, id)).await?;
    Ok(OrgRowView::from(&row))
}

pub async fn row(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let row = row_view(&state, &signed_in, org_id(&path)).await?;
    let csrf = crate::web::csrf::token(&signed_in.session);
    render(StatusCode::OK, &OrgRowFragment { csrf, row })
}

pub async fn edit_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = org_id(&path);
    let row = row_view(&state, &signed_in, id).await?;
    if !is_htmx(&req) {
        return Ok(see_other(&format!(
            "/admin/organisations/{id}?tab=settings"
        )));
    }
    if row.is_admin {
        return Err(AppError::forbidden(
            "The admin organisation cannot be edited.",
        ));
    }
    let csrf = crate::web::csrf::token(&signed_in.session);
    render(
        StatusCode::OK,
        &OrgEditRow {
            csrf,
            name: row.name.clone(),
            description: row.description.clone(),
            row,
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct EditOrg {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<EditOrg>,
) -> Result<HttpResponse, AppError> {
    let id = org_id(&path);
    let CsrfForm(form) = form;
    let (name, description) = (form.name.clone(), form.description.clone());
    let result = write_as(&state, &signed_in, move |conn, by| {
        orgs::update(conn, by, id, &name, &description)
    })
    .await;
    let csrf = crate::web::csrf::token(&signed_in.session);
    match result {
        Ok(_) if is_htmx(&req) => {
            let row = row_view(&state, &signed_in, id).await?;
            render(StatusCode::OK, &OrgRowFragment { csrf, row })
        }
        Ok(org) => {
            signed_in.flash(format!("Organisation {} saved.", org.name));
            Ok(see_other(&format!(
                "/admin/organisations/{id}?tab=settings"
            )))
        }
        Err(e) if is_form_error(&e) && is_htmx(&req) => {
            let row = row_view(&state, &signed_in, id).await?;
            render(
                status_of(&e),
                &OrgEditRow {
                    csrf,
                    row,
                    name: form.name,
                    description: form.description,
                    error: Some(e.message),
                },
            )
        }
        Err(e) if is_form_error(&e) => {
            detail_page(
                &req,
                &state,
                &signed_in,
                id,
                Tab::Settings,
                Some(e.message.clone()),
                status_of(&e),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct LockForm {
    locked: String,
}

pub async fn lock(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<LockForm>,
) -> Result<HttpResponse, AppError> {
    let id = org_id(&path);
    let locked = match form.0.locked.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::bad_request("locked must be true or false.")),
    };
    let org = write_as(&state, &signed_in, move |conn, by| {
        orgs::set_locked(conn, by, id, locked)
    })
    .await?;
    if is_htmx(&req) {
        let row = row_view(&state, &signed_in, id).await?;
        let csrf = crate::web::csrf::token(&signed_in.session);
        return render(StatusCode::OK, &OrgRowFragment { csrf, row });
    }
    signed_in.flash(format!(
        "Organisation {} {}.",
        org.name,
        if locked { "locked" } else { "unlocked" }
    ));
    Ok(see_other("/admin/organisations"))
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn delete(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = org_id(&path);
    let name = row_view(&state, &signed_in, id).await?.name;
    write_as(&state, &signed_in, move |conn, by| {
        orgs::delete(conn, by, id)
    })
    .await?;
    signed_in.flash(format!("Organisation {name} deleted."));
    Ok(see_other("/admin/organisations"))
}

// --- the organisation page ----------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Users,
    Links,
    Tags,
    Settings,
}

impl Tab {
    fn parse(s: &str) -> Tab {
        match s {
            "links" => Tab::Links,
            "tags" => Tab::Tags,
            "settings" => Tab::Settings,
            _ => Tab::Users,
        }
    }
}

/// One organisation of the links dialog with both directions' current type.
pub struct LinkChoice {
    pub id: i64,
    pub name: String,
    pub outgoing: &'static str,
    pub incoming: &'static str,
}

#[derive(Template)]
#[template(path = "admin/organisation.html")]
pub struct OrganisationDetail {
    pub layout: Layout,
    pub csrf: String,
    pub org: OrgRowView,
    pub tab: Tab,
    pub members: Option<MembersSection>,
    /// (other organisation, this → other type, other → this type, cases shared between them)
    pub links: Vec<(String, &'static str, &'static str, i64)>,
    pub choices: Vec<LinkChoice>,
    pub link_types: [&'static str; 4],
    pub task_rule: String,
    pub observable_rule: String,
    pub error: Option<String>,
    /// The organisation's custom tags with their usage (Custom tags tab).
    pub tags: Vec<crate::web::tags::TagView>,
}

fn type_str(t: Option<LinkType>) -> &'static str {
    t.map_or("none", LinkType::as_str)
}

pub async fn detail_page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    tab: Tab,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (row, choices, shared) = read_as(state, signed_in, move |conn, by| {
        let row = orgs::get(conn, by, id)?;
        let linkable = orgs::linkable(conn, by, id)?;
        let mut shared = Vec::new();
        for l in &row.links {
            shared.push(crate::service::cases::sharing::count_shared_between(
                conn, id, l.other_id,
            )?);
        }
        Ok((row, linkable, shared))
    })
    .await?;
    let members = if tab == Tab::Users {
        let mut section = members_section(
            state,
            signed_in,
            id,
            &format!("/admin/organisations/{id}/members"),
            "/admin/users",
            req,
        )
        .await?;
        section.back = format!("/admin/organisations/{id}?tab=users");
        section.error = error.clone();
        Some(section)
    } else {
        None
    };
    let choices = choices
        .into_iter()
        .map(|o| {
            let current = row.links.iter().find(|l| l.other_id == o.id);
            LinkChoice {
                id: o.id,
                name: o.name,
                outgoing: type_str(current.and_then(|l| l.outgoing)),
                incoming: type_str(current.and_then(|l| l.incoming)),
            }
        })
        .collect();
    let links = row
        .links
        .iter()
        .zip(shared)
        .map(|(l, n)| {
            (
                l.other_name.clone(),
                type_str(l.outgoing),
                type_str(l.incoming),
                n,
            )
        })
        .collect();
    let tags = if tab == Tab::Tags {
        read_as(state, signed_in, move |conn, by| {
            if !by.acting.manages_organisations() {
                return Err(AppError::forbidden(
                    "Managing organisations needs manageOrganisation.",
                ));
            }
            let rows = crate::service::tags::rows(conn, id, "", crate::service::tags::Sort::Name)?;
            Ok(rows)
        })
        .await?
        .into_iter()
        .map(crate::web::tags::TagView::from)
        .collect()
    } else {
        Vec::new()
    };
    let o = &row.organisation;
    let (task_rule, observable_rule) = (o.task_rule.clone(), o.observable_rule.clone());
    render(
        status,
        &OrganisationDetail {
            layout: signed_in.layout(format!("Organisation {}", o.name), req),
            csrf: crate::web::csrf::token(&signed_in.session),
            org: OrgRowView::from(&row),
            tab,
            members,
            links,
            choices,
            link_types: ["none", "default", "supervised", "notify"],
            task_rule,
            observable_rule,
            error,
            tags,
        },
    )
}

#[derive(Deserialize)]
pub struct TabQuery {
    #[serde(default)]
    tab: String,
}

pub async fn detail(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    query: web::Query<TabQuery>,
) -> Result<HttpResponse, AppError> {
    detail_page(
        &req,
        &state,
        &signed_in,
        org_id(&path),
        Tab::parse(&query.tab),
        None,
        StatusCode::OK,
    )
    .await
}

/// Saves the "Manage organisation links" dialog: fields `out_<id>` and
/// `in_<id>` with a link type or `none` for each organisation shown.
pub async fn save_links(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = org_id(&path);
    let parsed = parse_links(&form.0);
    let result = match parsed {
        Ok(wanted) => {
            let unshare = form.0.iter().any(|(k, v)| k == "unshare" && v == "true");
            write_as(&state, &signed_in, move |conn, by| {
                let before = orgs::get(conn, by, id)?.links;
                let changes = orgs::set_links(conn, by, id, &wanted)?;
                if unshare {
                    let after = orgs::get(conn, by, id)?.links;
                    for gone in before
                        .iter()
                        .filter(|b| !after.iter().any(|a| a.other_id == b.other_id))
                    {
                        crate::service::cases::sharing::unshare_between(
                            conn,
                            by,
                            id,
                            gone.other_id,
                        )?;
                    }
                }
                Ok(changes)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(changes) => {
            signed_in.flash(format!(
                "Links saved ({changes} change{}).",
                if changes == 1 { "" } else { "s" }
            ));
            Ok(see_other(&format!("/admin/organisations/{id}?tab=links")))
        }
        Err(e) if is_form_error(&e) => {
            detail_page(
                &req,
                &state,
                &signed_in,
                id,
                Tab::Links,
                Some(e.message.clone()),
                status_of(&e),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

fn parse_links(fields: &[(String, String)]) -> Result<Vec<WantedLink>, AppError> {
    let mut wanted: Vec<WantedLink> = Vec::new();
    for (key, value) in fields {
        let (outgoing, id) = if let Some(id) = key.strip_prefix("out_") {
            (true, id)
        } else if let Some(id) = key.strip_prefix("in_") {
            (false, id)
        } else {
            continue;
        };
        let other: i64 = id
            .parse()
            .map_err(|_| AppError::bad_request("Unknown organisation in the links."))?;
        let t = LinkType::parse_optional(value).map_err(AppError::bad_request)?;
        let entry = match wanted.iter_mut().find(|w| w.other == other) {
            Some(e) => e,
            None => {
                wanted.push(WantedLink {
                    other,
                    outgoing: None,
                    incoming: None,
                });
                wanted.last_mut().expect("just pushed")
            }
        };
        if outgoing {
            entry.outgoing = t;
        } else {
            entry.incoming = t;
        }
    }
    Ok(wanted)
}

#[derive(Deserialize)]
pub struct RulesForm {
    #[serde(default)]
    task_rule: String,
    #[serde(default)]
    observable_rule: String,
}

pub async fn save_rules(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<RulesForm>,
) -> Result<HttpResponse, AppError> {
    let id = org_id(&path);
    let CsrfForm(form) = form;
    match write_as(&state, &signed_in, move |conn, by| {
        orgs::set_rules(conn, by, id, &form.task_rule, &form.observable_rule)
    })
    .await
    {
        Ok(()) => {
            signed_in.flash("Settings saved.");
            Ok(see_other(&format!(
                "/admin/organisations/{id}?tab=settings"
            )))
        }
        Err(e) if is_form_error(&e) => {
            detail_page(
                &req,
                &state,
                &signed_in,
                id,
                Tab::Settings,
                Some(e.message.clone()),
                status_of(&e),
            )
            .await
        }
        Err(e) => Err(e),
    }
}
