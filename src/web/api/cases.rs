//! `/api/v1/case…`: create, get (by `~id` or number), update (null unsets,
//! `addTags`/`removeTags`), bulk update, delete.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use super::auth::ApiActor;
use super::v1::{case_json, parse_json};
use crate::db::DbConn;
use crate::error::AppError;
use crate::service::cases::{self, items::NewTask, CasePatch, NewCase, Visible};
use crate::service::tags;
use crate::startup::AppState;

/// Absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The case as the caller's organisation sees it.
pub fn render(conn: &mut DbConn, by: &crate::service::By, v: &Visible) -> Result<Value, AppError> {
    let mut out = render_many(conn, by, std::slice::from_ref(v), &[])?;
    out.pop()
        .ok_or_else(|| AppError::internal("A rendered case went missing."))
}

/// The tag names on each object, every organisation's, once each, sorted
/// (an object shows the tags every organisation put on it).
pub fn tag_names(
    conn: &mut DbConn,
    kind: tags::Kind,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<String>>, AppError> {
    Ok(tags::chips(conn, kind, ids)?
        .into_iter()
        .map(|(id, chips)| {
            let mut names: Vec<String> = chips.into_iter().map(|c| c.name).collect();
            names.sort();
            names.dedup();
            (id, names)
        })
        .collect())
}

/// A page of cases in three statements whatever its length: owners' names,
/// tags, and (for `extra`) the share counts. `extra` names the query
/// `page`'s `extraData` to add.
pub fn render_many(
    conn: &mut DbConn,
    by: &crate::service::By,
    list: &[Visible],
    extra: &[String],
) -> Result<Vec<Value>, AppError> {
    use crate::db::schema::{organisations, shares};
    use diesel::prelude::*;
    let ids: Vec<i64> = list.iter().map(|v| v.case.id).collect();
    let mut owner_ids: Vec<i64> = list.iter().map(|v| v.case.owner_organisation_id).collect();
    owner_ids.sort_unstable();
    owner_ids.dedup();
    let owners: std::collections::HashMap<i64, String> = organisations::table
        .filter(organisations::id.eq_any(&owner_ids))
        .select((organisations::id, organisations::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let mut names = tag_names(conn, tags::Kind::Case, &ids)?;
    let share_counts: std::collections::HashMap<i64, i64> =
        if extra.iter().any(|e| e == "shareCount") {
            shares::table
                .filter(shares::case_id.eq_any(&ids))
                .filter(shares::owner.eq(false))
                .group_by(shares::case_id)
                .select((shares::case_id, diesel::dsl::count_star()))
                .load::<(i64, i64)>(conn)?
                .into_iter()
                .collect()
        } else {
            Default::default()
        };
    Ok(list
        .iter()
        .map(|v| {
            let mut json = case_json(
                &v.case,
                v.access,
                by.permissions(),
                owners
                    .get(&v.case.owner_organisation_id)
                    .map_or("", String::as_str),
                &names.remove(&v.case.id).unwrap_or_default(),
            );
            let mut data = serde_json::Map::new();
            for e in extra {
                let value = match e.as_str() {
                    "isOwner" => json!(v.access.owner),
                    "shareCount" => json!(share_counts.get(&v.case.id).copied().unwrap_or(0)),
                    "permissions" => json["userPermissions"].clone(),
                    "owningOrganisation" => json["owningOrganisation"].clone(),
                    _ => continue,
                };
                data.insert(e.clone(), value);
            }
            json["extraData"] = Value::Object(data);
            json
        })
        .collect())
}

/// `~123` is an id; a bare number is a case number (as TheHive accepts).
pub fn resolve(conn: &mut DbConn, org: i64, key: &str) -> Result<Visible, AppError> {
    let key = key.trim();
    if let Some(id) = key.strip_prefix('~').and_then(|k| k.parse::<i64>().ok()) {
        return cases::visible(conn, org, id);
    }
    match key.parse::<i64>() {
        Ok(n) => cases::visible_by_number(conn, org, n),
        Err(_) => Err(AppError::not_found("No such case.")),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputCase {
    title: String,
    #[serde(default)]
    description: String,
    severity: Option<i32>,
    start_date: Option<i64>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    flag: bool,
    tlp: Option<i32>,
    pap: Option<i32>,
    status: Option<String>,
    summary: Option<String>,
    assignee: Option<String>,
    case_template: Option<String>,
    #[serde(default)]
    tasks: Vec<super::tasks::InputTask>,
}

pub async fn create(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    cases::require_case_holder(&api.by())?;
    let input: InputCase = parse_json(&body)?;
    let out = api
        .call(&state, true, move |conn, by| {
            let new = NewCase {
                title: input.title,
                description: input.description,
                severity: input.severity,
                tlp: input.tlp,
                pap: input.pap,
                tags: input.tags,
                assignee: input.assignee,
                flag: input.flag,
                start_date: input.start_date,
                status: input.status,
                summary: input.summary,
                template: input.case_template,
                tasks: input.tasks.into_iter().map(NewTask::from).collect(),
            };
            let v = cases::create(conn, by, new)?;
            render(conn, by, &v)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

pub async fn get(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let out = api
        .call(&state, false, move |conn, by| {
            let v = resolve(conn, by.acting.organisation_id, &key)?;
            render(conn, by, &v)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateCase {
    title: Option<String>,
    description: Option<String>,
    severity: Option<i32>,
    tlp: Option<i32>,
    pap: Option<i32>,
    status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    impact_status: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    summary: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    assignee: Option<Option<String>>,
    flag: Option<bool>,
    tags: Option<Vec<String>>,
    #[serde(default)]
    add_tags: Vec<String>,
    #[serde(default)]
    remove_tags: Vec<String>,
    start_date: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    end_date: Option<Option<i64>>,
    // Accepted and ignored until those features land.
    task_rule: Option<String>,
    observable_rule: Option<String>,
    custom_fields: Option<Value>,
}

impl From<UpdateCase> for CasePatch {
    fn from(u: UpdateCase) -> Self {
        let _ = (&u.task_rule, &u.observable_rule, &u.custom_fields);
        CasePatch {
            title: u.title,
            description: u.description,
            severity: u.severity,
            tlp: u.tlp,
            pap: u.pap,
            status: u.status,
            impact_status: u.impact_status,
            summary: u.summary,
            assignee: u.assignee,
            flag: u.flag,
            tags: u.tags,
            add_tags: u.add_tags,
            remove_tags: u.remove_tags,
            start_date: u.start_date,
            end_date: u.end_date,
        }
    }
}

pub async fn update(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let patch: UpdateCase = parse_json(&body)?;
    api.call(&state, true, move |conn, by| {
        let v = resolve(conn, by.acting.organisation_id, &key)?;
        cases::update(conn, by, v.case.id, patch.into()).map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PATCH /api/v1/case/_bulk`: the same update on every listed case, all or nothing.
pub async fn bulk_update(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    super::v1::bulk(&state, &api, &body, |conn, by, key, patch: UpdateCase| {
        let v = resolve(conn, by.acting.organisation_id, key)?;
        cases::update(conn, by, v.case.id, patch.into()).map(drop)
    })
    .await
}

pub async fn delete(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    api.call(&state, true, move |conn, by| {
        let v = resolve(conn, by.acting.organisation_id, &key)?;
        cases::delete(conn, by, v.case.id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The cases the active organisation sees, rendered, for the query pipeline
/// (capped; the query compiler for large collections is still to come).
pub fn all_visible(
    conn: &mut DbConn,
    by: &crate::service::By,
    cap: i64,
) -> Result<Vec<Value>, AppError> {
    cases::require_case_holder(by)?;
    let (rows, _) = cases::list::page(
        conn,
        by.acting.organisation_id,
        cases::list::Scope::All,
        cases::list::Sort::Updated,
        None,
        None,
        cap,
    )?;
    let list = cases::visible_many(
        conn,
        by.acting.organisation_id,
        rows.into_iter().map(|r| r.case).collect(),
    )?;
    render_many(conn, by, &list, &[])
}

/// `GET /api/v1/case/{id}/shares`: the case's shares; an id that is not a
/// visible case answers `[]`, as TheHive does (thehive4py lists observable
/// shares through this route).
pub async fn list_shares(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let out = api
        .call(&state, false, move |conn, by| {
            let v = match resolve(conn, by.acting.organisation_id, &key) {
                Ok(v) => v,
                Err(e) if e.kind == crate::error::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(e),
            };
            shares_json(conn, by, v.case.id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// The case's shares but the caller's own.
pub fn shares_json(
    conn: &mut DbConn,
    by: &crate::service::By,
    case_id: i64,
) -> Result<Vec<Value>, AppError> {
    shares_json_of(conn, by, case_id, |_| true)
}

/// The case's shares but the caller's own, for the organisations `keep` names.
pub fn shares_json_of(
    conn: &mut DbConn,
    by: &crate::service::By,
    case_id: i64,
    keep: impl Fn(i64) -> bool,
) -> Result<Vec<Value>, AppError> {
    Ok(cases::sharing::list(conn, by, case_id)?
        .into_iter()
        .filter(|s| s.share.organisation_id != by.acting.organisation_id)
        .filter(|s| keep(s.share.organisation_id))
        .map(|s| share_json(&s))
        .collect())
}

fn share_json(s: &cases::sharing::ShareView) -> Value {
    serde_json::json!({
        "_id": super::v1::render_id(s.share.id),
        "_type": "Share",
        "_createdBy": super::v1::creator(&s.share.created_by),
        "_createdAt": s.share.created_at,
        "caseId": super::v1::render_id(s.share.case_id),
        "organisationName": s.organisation,
        "profileName": s.profile,
        "owner": s.share.owner,
        "taskRule": s.share.task_rule,
        "observableRule": s.share.observable_rule,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InputShare {
    organisation: Option<String>,
    /// TheHive 4's spelling.
    organisation_name: Option<String>,
    profile: Option<String>,
    task_rule: Option<String>,
    observable_rule: Option<String>,
    /// TheHive 4's `tasks`/`observables` rules.
    tasks: Option<String>,
    observables: Option<String>,
}

#[derive(Deserialize)]
struct Shares {
    shares: Vec<InputShare>,
}

fn rule(
    a: &Option<String>,
    b: &Option<String>,
) -> Result<crate::domain::sharing::ItemRule, AppError> {
    crate::domain::sharing::ItemRule::parse(a.as_deref().or(b.as_deref()).unwrap_or("manual"))
        .map_err(AppError::bad_request)
}

/// Creates the listed shares; one with the caller's own organisation changes
/// nothing and is not returned. Returns the shares made.
fn make_shares(
    conn: &mut DbConn,
    by: &crate::service::By,
    v: &Visible,
    shares: &[InputShare],
) -> Result<Vec<Value>, AppError> {
    v.require(by, crate::domain::sharing::CaseAction::Share)?;
    let mut out = Vec::new();
    for s in shares {
        let name = s
            .organisation
            .as_ref()
            .or(s.organisation_name.as_ref())
            .ok_or_else(|| AppError::bad_request("A share needs an organisation."))?;
        let org = super::tasks::organisation_ids(conn, std::slice::from_ref(name))?[0];
        if org == by.acting.organisation_id {
            continue;
        }
        let share = cases::sharing::share(
            conn,
            by,
            v.case.id,
            &cases::sharing::NewShare {
                organisation: org,
                profile: s.profile.clone().unwrap_or_else(|| "analyst".into()),
                task_rule: rule(&s.task_rule, &s.tasks)?,
                observable_rule: rule(&s.observable_rule, &s.observables)?,
            },
        )?;
        let view = cases::sharing::list(conn, by, v.case.id)?
            .into_iter()
            .find(|x| x.share.id == share.id)
            .ok_or_else(|| AppError::internal("share vanished"))?;
        out.push(share_json(&view));
    }
    Ok(out)
}

/// `POST /api/v1/case/{id}/shares` `{"shares": [...]}`.
pub async fn share(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let out = api
        .call(&state, true, move |conn, by| {
            let v = resolve(conn, by.acting.organisation_id, &key)?;
            v.require(by, crate::domain::sharing::CaseAction::Share)?;
            let body: Shares = parse_json(&body)?;
            make_shares(conn, by, &v, &body.shares)
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

/// `PUT /api/v1/case/{id}/shares`: the case's other shares become exactly the
/// list (missing ones are removed, keeping their work; existing ones stay).
pub async fn set_shares(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let out = api
        .call(&state, true, move |conn, by| {
            let v = resolve(conn, by.acting.organisation_id, &key)?;
            v.require(by, crate::domain::sharing::CaseAction::Share)?;
            let body: Shares = parse_json(&body)?;
            let mut wanted = Vec::new();
            for s in &body.shares {
                let name = s
                    .organisation
                    .as_ref()
                    .or(s.organisation_name.as_ref())
                    .ok_or_else(|| AppError::bad_request("Each share needs an organisation."))?;
                wanted.push(super::tasks::organisation_ids(conn, std::slice::from_ref(name))?[0]);
            }
            // Existing shares: removed when not listed, their profile set when listed.
            let mut current = Vec::new();
            for existing in cases::sharing::list(conn, by, v.case.id)? {
                let org = existing.share.organisation_id;
                current.push(org);
                if existing.share.owner || org == by.acting.organisation_id {
                    continue;
                }
                match wanted.iter().position(|w| *w == org) {
                    None => {
                        cases::sharing::unshare(conn, by, v.case.id, existing.share.id)?;
                    }
                    Some(i) => {
                        if let Some(p) = &body.shares[i].profile {
                            if *p != existing.profile {
                                cases::sharing::set_profile(
                                    conn,
                                    by,
                                    v.case.id,
                                    existing.share.id,
                                    p,
                                )?;
                            }
                        }
                    }
                }
            }
            let missing: Vec<InputShare> = body
                .shares
                .into_iter()
                .zip(wanted)
                .filter(|(_, org)| !current.contains(org))
                .map(|(s, _)| s)
                .collect();
            make_shares(conn, by, &v, &missing)?;
            shares_json(conn, by, v.case.id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
struct Organisations {
    organisations: Vec<String>,
}

/// `DELETE /api/v1/case/{id}/shares` `{"organisations": [...]}`.
pub async fn unshare_organisations(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    api.call(&state, true, move |conn, by| {
        let v = resolve(conn, by.acting.organisation_id, &key)?;
        v.require(by, crate::domain::sharing::CaseAction::Share)?;
        let body: Organisations = parse_json(&body)?;
        let orgs = super::tasks::organisation_ids(conn, &body.organisations)?;
        for s in cases::sharing::list(conn, by, v.case.id)? {
            if orgs.contains(&s.share.organisation_id) {
                cases::sharing::unshare(conn, by, v.case.id, s.share.id)?;
            }
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The case of a share, if the caller sees the case (404 otherwise) and may
/// manage its shares (403 otherwise).
fn share_case(conn: &mut DbConn, by: &crate::service::By, share_id: i64) -> Result<i64, AppError> {
    use crate::db::schema::shares;
    use diesel::prelude::*;
    let case: Option<i64> = shares::table
        .find(share_id)
        .select(shares::case_id)
        .first(conn)
        .optional()?;
    let case = case.ok_or_else(|| AppError::not_found("No such share."))?;
    let v = cases::visible(conn, by.acting.organisation_id, case)?;
    v.require(by, crate::domain::sharing::CaseAction::Share)?;
    Ok(v.case.id)
}

/// `DELETE /api/v1/case/share/{id}`.
pub async fn remove_share(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = super::v1::parse_id(&path).ok_or_else(|| AppError::not_found("No such share."))?;
    api.call(&state, true, move |conn, by| {
        let case = share_case(conn, by, id)?;
        cases::sharing::unshare(conn, by, case, id).map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct SharePatch {
    profile: String,
}

/// `PATCH /api/v1/case/share/{id}` `{"profile": …}`.
pub async fn update_share(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = super::v1::parse_id(&path).ok_or_else(|| AppError::not_found("No such share."))?;
    api.call(&state, true, move |conn, by| {
        let case = share_case(conn, by, id)?;
        let patch: SharePatch = parse_json(&body)?;
        cases::sharing::set_profile(conn, by, case, id, &patch.profile)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct OwnerBody {
    organisation: String,
}

/// `POST /api/v1/case/{id}/owner` `{"organisation": …}`.
pub async fn change_owner(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    api.call(&state, true, move |conn, by| {
        let v = resolve(conn, by.acting.organisation_id, &key)?;
        v.require(by, crate::domain::sharing::CaseAction::ChangeOwnership)?;
        let body: OwnerBody = parse_json(&body)?;
        let org =
            super::tasks::organisation_ids(conn, std::slice::from_ref(&body.organisation))?[0];
        cases::change_owner(conn, by, v.case.id, org).map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
