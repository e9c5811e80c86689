//! One case: details, tasks, observables and the Sharing tab on one page;
//! only the controls the policy allows are drawn.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{case_id, number_field, split_tags};
use crate::domain::permissions::Permission;
use crate::domain::sharing::{CaseAction, ItemRule};
use crate::error::AppError;
use crate::service::cases::items::{self, DATA_TYPES, TASK_STATUSES};
use crate::service::cases::{self as cases, is_closed, sharing, CasePatch, STATUSES};
use crate::service::tags::{self, Chip, Kind};
use crate::startup::AppState;
use crate::web::admin::organisations::{read_as, write_as};
use crate::web::admin::{is_form_error, see_other, status_of};
use crate::web::csrf::CsrfForm;
use crate::web::extract::SignedIn;
use crate::web::templates::{format_time, render, Layout};

pub struct Can {
    pub update: bool,
    pub reopen: bool,
    pub delete: bool,
    pub change_owner: bool,
    pub share: bool,
    pub tasks: bool,
    pub observables: bool,
}

pub struct CaseView {
    pub id: i64,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub severity: i32,
    pub tlp: i32,
    pub pap: i32,
    pub status: String,
    pub closed: bool,
    pub assignee: String,
    pub summary: String,
    /// Every organisation's tags on the case, each in its own colour.
    pub tags: Vec<Chip>,
    /// The active organisation's tags, for the edit form.
    pub tags_text: String,
    pub my_org: String,
    pub owner_name: String,
    pub created: String,
    pub created_by: String,
    pub updated: Option<String>,
    pub my_profile: String,
    pub owned: bool,
}

pub struct TaskView {
    pub id: i64,
    pub title: String,
    pub group: String,
    pub status: String,
    pub assignee: String,
    pub action_required: bool,
    /// (organisation id, name, action required, removable)
    pub holders: Vec<(i64, String, bool, bool)>,
    /// Organisations of the case not holding the task: (id, name).
    pub addable: Vec<(i64, String)>,
}

pub struct ObservableView {
    pub id: i64,
    pub data_type: String,
    pub data: String,
    pub message: String,
    pub ioc: bool,
    pub tlp: i32,
    pub holders: Vec<(i64, String, bool)>,
    pub addable: Vec<(i64, String)>,
}

pub struct ShareRow {
    pub id: i64,
    pub organisation: String,
    pub profile: String,
    pub owner: bool,
    pub task_rule: String,
    pub observable_rule: String,
    pub shared_at: String,
    /// Who made the share: a person, a link type or an auto-share rule.
    pub shared_by: String,
    pub editable: bool,
}

/// How a share came about, for people.
pub fn share_origin(origin: &str, created_by: &str) -> String {
    if let Some(t) = origin.strip_prefix("link:") {
        format!("{t} link")
    } else if let Some(id) = origin.strip_prefix("rule:") {
        format!("auto-share rule #{id}")
    } else {
        created_by.to_string()
    }
}

#[derive(Template)]
#[template(path = "cases/case.html")]
pub struct CasePage {
    pub layout: Layout,
    pub csrf: String,
    pub case: CaseView,
    pub can: Can,
    pub tasks: Vec<TaskView>,
    pub observables: Vec<ObservableView>,
    pub shares: Vec<ShareRow>,
    pub targets: Vec<(i64, String)>,
    pub profiles: Vec<String>,
    pub rules: [&'static str; 4],
    pub statuses: [&'static str; 7],
    pub task_statuses: [&'static str; 4],
    pub data_types: [&'static str; 12],
    pub owner_candidates: Vec<(i64, String)>,
    pub error: Option<String>,
}

pub async fn case_page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let me = signed_in.by()?.acting.organisation_id;
    let data = read_as(state, signed_in, move |conn, by| {
        let v = cases::visible(conn, by.acting.organisation_id, id)?;
        let tasks = items::tasks_of(conn, by, id)?;
        let ids: Vec<i64> = tasks.iter().map(|(t, _)| t.id).collect();
        let mut holders = items::holders_of_tasks(conn, &ids)?;
        let task_holders: Vec<_> = ids
            .iter()
            .map(|id| holders.remove(id).unwrap_or_default())
            .collect();
        let observables = items::observables_of(conn, by, id)?;
        let ids: Vec<i64> = observables.iter().map(|o| o.id).collect();
        let mut holders = items::holders_of_observables(conn, &ids)?;
        let obs_holders: Vec<_> = ids
            .iter()
            .map(|id| holders.remove(id).unwrap_or_default())
            .collect();
        let shares = sharing::list(conn, by, id)?;
        let can_share = v.can(by, CaseAction::Share);
        let targets = if can_share {
            sharing::targets(conn, by, id)?
        } else {
            vec![]
        };
        let profiles = if can_share {
            sharing::giveable_profiles(conn, by, id)?
        } else {
            vec![]
        };
        let chips = tags::chips(conn, Kind::Case, &[id])?
            .remove(&id)
            .unwrap_or_default();
        Ok((
            v,
            tasks,
            task_holders,
            observables,
            obs_holders,
            shares,
            targets,
            profiles,
            chips,
        ))
    })
    .await?;
    let (v, tasks, task_holders, observables, obs_holders, shares, targets, profiles, chips) = data;
    let by = signed_in.by()?;
    let can = Can {
        update: v.can(&by, CaseAction::Update),
        reopen: v.can(&by, CaseAction::Reopen),
        delete: v.can(&by, CaseAction::Delete),
        change_owner: v.can(&by, CaseAction::ChangeOwnership),
        share: v.can(&by, CaseAction::Share),
        tasks: v.can(&by, CaseAction::ManageTasks),
        observables: v.can(&by, CaseAction::ManageObservables),
    };
    let case_orgs: Vec<(i64, String)> = shares
        .iter()
        .map(|s| (s.share.organisation_id, s.organisation.clone()))
        .collect();
    let addable = |held: &[i64]| -> Vec<(i64, String)> {
        case_orgs
            .iter()
            .filter(|(id, _)| !held.contains(id))
            .cloned()
            .collect()
    };
    let owner_name = shares
        .iter()
        .find(|s| s.share.owner)
        .map(|s| s.organisation.clone())
        .unwrap_or_default();
    let my_profile = shares
        .iter()
        .find(|s| s.share.organisation_id == me)
        .map(|s| s.profile.clone())
        .unwrap_or_default();
    let tags_text = chips
        .iter()
        .filter(|c| c.organisation_id == me)
        .map(|c| c.name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let my_org = signed_in.active()?.name.clone();
    let page = CasePage {
        layout: signed_in.layout(format!("Case #{} {}", v.case.number, v.case.title), req),
        csrf: crate::web::csrf::token(&signed_in.session),
        case: CaseView {
            id: v.case.id,
            number: v.case.number,
            title: v.case.title.clone(),
            description: v.case.description.clone(),
            severity: v.case.severity,
            tlp: v.case.tlp,
            pap: v.case.pap,
            closed: is_closed(&v.case.status),
            status: v.case.status.clone(),
            assignee: v.case.assignee.clone().unwrap_or_default(),
            summary: v.case.summary.clone().unwrap_or_default(),
            tags_text,
            tags: chips,
            my_org,
            owner_name,
            created: format_time(v.case.created_at),
            created_by: v.case.created_by.clone(),
            updated: v.case.updated_at.map(format_time),
            my_profile,
            owned: v.share.owner,
        },
        tasks: tasks
            .into_iter()
            .zip(task_holders)
            .map(|((t, action_required), holders)| {
                let held: Vec<i64> = holders.iter().map(|h| h.0).collect();
                TaskView {
                    id: t.id,
                    title: t.title,
                    group: t.group_name,
                    status: t.status,
                    assignee: t.assignee.unwrap_or_default(),
                    action_required,
                    addable: addable(&held),
                    holders: holders
                        .into_iter()
                        .map(|(id, name, ar)| (id, name, ar, id != me))
                        .collect(),
                }
            })
            .collect(),
        observables: observables
            .into_iter()
            .zip(obs_holders)
            .map(|(o, holders)| {
                let held: Vec<i64> = holders.iter().map(|h| h.0).collect();
                ObservableView {
                    id: o.id,
                    data_type: o.data_type,
                    data: o.data,
                    message: o.message,
                    ioc: o.ioc,
                    tlp: o.tlp,
                    addable: addable(&held),
                    holders: holders
                        .into_iter()
                        .map(|(id, name)| (id, name, id != me))
                        .collect(),
                }
            })
            .collect(),
        owner_candidates: shares
            .iter()
            .filter(|s| !s.share.owner)
            .map(|s| (s.share.organisation_id, s.organisation.clone()))
            .collect(),
        shares: shares
            .into_iter()
            .map(|s| ShareRow {
                id: s.share.id,
                editable: can.share
                    && crate::domain::sharing::may_touch_share(
                        me,
                        s.share.organisation_id,
                        s.share.owner,
                    ),
                organisation: s.organisation,
                profile: s.profile,
                owner: s.share.owner,
                task_rule: s.share.task_rule,
                observable_rule: s.share.observable_rule,
                shared_at: format_time(s.share.created_at),
                shared_by: share_origin(&s.share.origin, &s.share.created_by),
            })
            .collect(),
        can,
        targets,
        profiles,
        rules: ItemRule::ALL.map(ItemRule::as_str),
        statuses: STATUSES,
        task_statuses: TASK_STATUSES,
        data_types: DATA_TYPES,
        error,
    };
    render(status, &page)
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    case_page(
        &req,
        &state,
        &signed_in,
        case_id(&path),
        None,
        StatusCode::OK,
    )
    .await
}

/// Runs a case action; on success goes back to the case (with a message), on
/// a form error re-shows the case page with the reason.
pub async fn act<F>(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    anchor: &str,
    f: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut crate::db::DbConn, &crate::service::By) -> Result<String, AppError>
        + Send
        + 'static,
{
    match write_as(state, signed_in, f).await {
        Ok(message) => {
            signed_in.flash(message);
            Ok(see_other(&format!("/cases/{id}{anchor}")))
        }
        Err(e) if is_form_error(&e) => {
            let status = status_of(&e);
            case_page(req, state, signed_in, id, Some(e.message), status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    title: Option<String>,
    description: Option<String>,
    severity: Option<String>,
    tlp: Option<String>,
    pap: Option<String>,
    status: Option<String>,
    assignee: Option<String>,
    summary: Option<String>,
    tags: Option<String>,
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<EditForm>,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path);
    let CsrfForm(f) = form;
    let patch = (|| -> Result<CasePatch, AppError> {
        Ok(CasePatch {
            title: f.title,
            description: f.description,
            severity: number_field("severity", f.severity.as_deref().unwrap_or(""))?,
            tlp: number_field("tlp", f.tlp.as_deref().unwrap_or(""))?,
            pap: number_field("pap", f.pap.as_deref().unwrap_or(""))?,
            status: f.status.filter(|s| !s.is_empty()),
            assignee: f.assignee.map(Some),
            summary: f.summary.map(Some),
            tags: f.tags.map(|t| split_tags(&t)),
            ..CasePatch::default()
        })
    })();
    match patch {
        Ok(patch) => {
            act(&req, &state, &signed_in, id, "", move |conn, by| {
                let v = cases::update(conn, by, id, patch)?;
                Ok(format!("Case #{} saved.", v.case.number))
            })
            .await
        }
        Err(e) => {
            case_page(
                &req,
                &state,
                &signed_in,
                id,
                Some(e.message.clone()),
                status_of(&e),
            )
            .await
        }
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
    let id = case_id(&path);
    let number = write_as(&state, &signed_in, move |conn, by| {
        let n = cases::visible(conn, by.acting.organisation_id, id)?
            .case
            .number;
        cases::delete(conn, by, id)?;
        Ok(n)
    })
    .await?;
    signed_in.flash(format!("Case #{number} deleted."));
    Ok(see_other("/cases"))
}

#[derive(Deserialize)]
pub struct OwnerForm {
    organisation: String,
}

pub async fn change_owner(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<OwnerForm>,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path);
    let target: i64 = form
        .0
        .organisation
        .parse()
        .map_err(|_| AppError::bad_request("Choose an organisation."))?;
    act(&req, &state, &signed_in, id, "#sharing", move |conn, by| {
        cases::change_owner(conn, by, id, target)?;
        Ok("Ownership transferred.".into())
    })
    .await
}

pub struct AccessView {
    pub organisation: String,
    pub profile: String,
    pub owner: bool,
    pub share_permissions: Vec<&'static str>,
    pub members: Vec<(String, String, Vec<&'static str>)>,
}

#[derive(Template)]
#[template(path = "cases/access.html")]
pub struct AccessPage {
    pub layout: Layout,
    pub id: i64,
    pub number: i64,
    pub title: String,
    pub lines: Vec<AccessView>,
}

pub async fn access(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = case_id(&path);
    let (v, lines) = read_as(&state, &signed_in, move |conn, by| {
        let v = cases::visible(conn, by.acting.organisation_id, id)?;
        Ok((v, sharing::access_report(conn, by, id)?))
    })
    .await?;
    let names = |p: crate::domain::permissions::Permissions| {
        p.iter().map(Permission::as_str).collect::<Vec<_>>()
    };
    render(
        StatusCode::OK,
        &AccessPage {
            layout: signed_in.layout(format!("Who can see case #{}", v.case.number), &req),
            id,
            number: v.case.number,
            title: v.case.title,
            lines: lines
                .into_iter()
                .map(|l| AccessView {
                    share_permissions: names(l.share_permissions),
                    members: l
                        .members
                        .into_iter()
                        .map(|(login, profile, p)| (login, profile, names(p)))
                        .collect(),
                    organisation: l.organisation,
                    profile: l.profile,
                    owner: l.owner,
                })
                .collect(),
        },
    )
}
