//! `/api/v1` endpoints (TheHive 5 compatible shapes). Ids render as `~<id>`;
//! times are epoch milliseconds.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::ApiActor;
use crate::db::models::{Case, Organisation};
use crate::domain::sharing::{case_rights, CaseAccess};
use crate::error::AppError;
use crate::service::auth::Actor;
use crate::service::organisations as orgs;
use crate::startup::AppState;

/// `~123` (TheHive's id shape).
pub fn render_id(id: i64) -> String {
    format!("~{id}")
}

pub use crate::service::query::parse_id;

#[derive(Deserialize)]
struct BulkUpdate {
    ids: Vec<String>,
    #[serde(flatten)]
    fields: Value,
}

/// `PATCH /api/v1/<kind>/_bulk`: `{"ids": [...], ...fields}` — the same
/// patch on every listed object, in one transaction (all or nothing).
pub async fn bulk<P, F>(
    state: &AppState,
    api: &ApiActor,
    body: &[u8],
    apply: F,
) -> Result<HttpResponse, AppError>
where
    P: serde::de::DeserializeOwned,
    F: Fn(&mut crate::db::DbConn, &crate::service::By, &str, P) -> Result<(), AppError>
        + Send
        + 'static,
{
    crate::service::cases::require_case_holder(&api.by())?;
    let bulk: BulkUpdate = parse_json(body)?;
    let fields = serde_json::to_vec(&bulk.fields).map_err(|e| AppError::internal(e.to_string()))?;
    // The fields are checked even when no id is listed.
    parse_json::<P>(&fields)?;
    api.call(state, true, move |conn, by| {
        for key in &bulk.ids {
            apply(conn, by, key, parse_json(&fields)?)?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Objects Tenantry creates itself render as created by TheHive's system
/// user, which clients (thehive4py's own test clean-up among them) use to
/// recognise built-in objects.
pub fn creator(created_by: &str) -> &str {
    if created_by == crate::service::bootstrap::SYSTEM_ACTOR {
        "system@thehive.local"
    } else {
        created_by
    }
}

/// The fields every object starts with.
pub fn meta(
    kind: &str,
    id: i64,
    created_by: &str,
    created_at: i64,
    updated_by: &Option<String>,
    updated_at: Option<i64>,
) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("_id".into(), json!(render_id(id)));
    m.insert("_type".into(), json!(kind));
    m.insert("_createdBy".into(), json!(creator(created_by)));
    m.insert("_createdAt".into(), json!(created_at));
    if let Some(by) = updated_by {
        m.insert("_updatedBy".into(), json!(by));
    }
    if let Some(at) = updated_at {
        m.insert("_updatedAt".into(), json!(at));
    }
    m
}

pub fn organisation_json(o: &Organisation, links: &[String]) -> Value {
    let mut m = meta(
        "Organisation",
        o.id,
        &o.created_by,
        o.created_at,
        &o.updated_by,
        o.updated_at,
    );
    m.insert("name".into(), json!(o.name));
    m.insert("description".into(), json!(o.description));
    m.insert("taskRule".into(), json!(o.task_rule));
    m.insert("observableRule".into(), json!(o.observable_rule));
    m.insert("locked".into(), json!(o.locked));
    m.insert("links".into(), json!(links));
    m.insert("extraData".into(), json!({}));
    Value::Object(m)
}

fn user_json(actor: &Actor) -> Value {
    user_output(
        &actor.user,
        &actor.organisations,
        actor.active.as_ref().map(|a| a.id),
    )
}

/// A user as seen from organisation `org`: its profile and permissions there.
pub fn user_output(
    u: &crate::db::models::User,
    memberships: &[crate::db::models::MembershipView],
    org: Option<i64>,
) -> Value {
    let here = org.and_then(|o| memberships.iter().find(|m| m.organisation_id == o));
    let permissions: Vec<&str> = here
        .and_then(|m| {
            crate::domain::permissions::Permissions::from_storage(&m.profile_permissions).ok()
        })
        .map(|p| {
            let kind = if crate::domain::names::name_key(&here.unwrap().organisation_name)
                == crate::domain::names::ADMIN_ORGANISATION
            {
                crate::domain::permissions::ProfileKind::Admin
            } else {
                crate::domain::permissions::ProfileKind::Organisation
            };
            crate::domain::permissions::effective_permissions(kind, p)
                .iter()
                .map(|p| p.as_str())
                .collect()
        })
        .unwrap_or_default();
    let mut m = meta(
        "User",
        u.id,
        &u.created_by,
        u.created_at,
        &u.updated_by,
        u.updated_at,
    );
    m.insert("login".into(), json!(u.login));
    m.insert("name".into(), json!(u.name));
    if let Some(e) = &u.email {
        m.insert("email".into(), json!(e));
    }
    m.insert("hasKey".into(), json!(u.api_key_hash.is_some()));
    m.insert("hasPassword".into(), json!(u.password_hash.is_some()));
    m.insert("hasMFA".into(), json!(false));
    m.insert("locked".into(), json!(u.locked));
    m.insert(
        "profile".into(),
        json!(here.map(|h| h.profile_name.clone())),
    );
    m.insert("permissions".into(), json!(permissions));
    m.insert(
        "organisation".into(),
        json!(here.map(|h| h.organisation_name.clone())),
    );
    m.insert(
        "organisations".into(),
        json!(memberships
            .iter()
            .map(|o| json!({ "organisationId": render_id(o.organisation_id), "organisation": o.organisation_name, "profile": o.profile_name }))
            .collect::<Vec<_>>()),
    );
    m.insert(
        "type".into(),
        json!(if u.password_hash.is_none() && u.api_key_hash.is_some() {
            "Service"
        } else {
            "Normal"
        }),
    );
    if let Some(d) = u
        .default_organisation_id
        .and_then(|d| memberships.iter().find(|o| o.organisation_id == d))
    {
        m.insert("defaultOrganisation".into(), json!(d.organisation_name));
    }
    m.insert("extraData".into(), json!({}));
    Value::Object(m)
}

/// `GET /api/v1/user/current`, with `X-Organisation` and `X-Permissions`.
pub async fn current_user(api: ApiActor) -> HttpResponse {
    let active = api.active();
    HttpResponse::Ok()
        .insert_header(("X-Organisation", active.name.clone()))
        .insert_header((
            "X-Permissions",
            active
                .permissions
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ))
        .json(user_json(&api.actor))
}

/// An organisation by `~id`, id or name, for callers who may see it:
/// platform admins, its members, and organisations linked to it.
pub async fn get_organisation(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let acting = api.active().acting();
    let member_of: Vec<i64> = api
        .actor
        .organisations
        .iter()
        .map(|m| m.organisation_id)
        .collect();
    let body = state
        .db
        .run(move |conn| {
            let org = match parse_id(&key) {
                Some(id) => crate::db::admin::organisation_by_id(conn, id)?,
                None => None,
            }
            .map(Some)
            .unwrap_or(crate::db::queries::organisation_by_key(
                conn,
                &crate::domain::names::name_key(&key),
            )?)
            .ok_or_else(|| AppError::not_found("No such organisation."))?;
            let links = crate::db::admin::links_touching(conn, &[org.id])?;
            let linked_from_active = links.iter().any(|l| {
                l.from_organisation_id == acting.organisation_id && l.to_organisation_id == org.id
            });
            if !(acting.manages_organisations()
                || member_of.contains(&org.id)
                || linked_from_active)
            {
                return Err(AppError::not_found("No such organisation."));
            }
            let mut names = Vec::new();
            for l in links.iter().filter(|l| l.from_organisation_id == org.id) {
                if let Some(o) = crate::db::admin::organisation_by_id(conn, l.to_organisation_id)? {
                    names.push(o.name);
                }
            }
            Ok(organisation_json(&org, &names))
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(rename = "taskRule")]
    task_rule: Option<String>,
    #[serde(rename = "observableRule")]
    observable_rule: Option<String>,
    #[serde(default)]
    locked: bool,
}

/// `POST /api/v1/organisation` (platform admins).
pub async fn create_organisation(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if !api.active().acting().manages_organisations() {
        return Err(AppError::forbidden(
            "Creating organisations needs manageOrganisation in the admin organisation.",
        ));
    }
    let body: NewOrganisation = parse_json(&body)?;
    let (login, user_id, acting) = (
        api.actor.user.login.clone(),
        api.actor.user.id,
        api.active().acting(),
    );
    let org = state
        .db
        .write(move |conn| {
            let by = crate::service::By {
                login: &login,
                user_id,
                acting,
            };
            let org = orgs::create(conn, &by, &body.name, &body.description)?;
            if body.task_rule.is_some() || body.observable_rule.is_some() {
                orgs::set_rules(
                    conn,
                    &by,
                    org.id,
                    body.task_rule.as_deref().unwrap_or("manual"),
                    body.observable_rule.as_deref().unwrap_or("manual"),
                )?;
            }
            if body.locked {
                orgs::set_locked(conn, &by, org.id, true)?;
            }
            crate::db::admin::organisation_by_id(conn, org.id)?
                .ok_or_else(|| AppError::internal("organisation vanished"))
        })
        .await?;
    Ok(HttpResponse::Created().json(organisation_json(&org, &[])))
}

/// Parses a JSON body; malformed JSON, wrong types and unknown fields are 400.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body)
        .map_err(|e| AppError::bad_request(format!("Invalid JSON body: {e}")))
}

/// A case as the API renders it for one organisation.
pub fn case_json(
    c: &Case,
    access: CaseAccess,
    user: crate::domain::permissions::Permissions,
    owner: &str,
    tags: &[String],
) -> Value {
    let mut m = meta(
        "Case",
        c.id,
        &c.created_by,
        c.created_at,
        &c.updated_by,
        c.updated_at,
    );
    m.insert("number".into(), json!(c.number));
    m.insert("title".into(), json!(c.title));
    m.insert("description".into(), json!(c.description));
    m.insert("severity".into(), json!(c.severity));
    m.insert(
        "severityLabel".into(),
        json!(super::alerts::severity_label(c.severity)),
    );
    m.insert("tlp".into(), json!(c.tlp));
    m.insert("tlpLabel".into(), json!(super::alerts::tlp_label(c.tlp)));
    m.insert("pap".into(), json!(c.pap));
    m.insert("papLabel".into(), json!(super::alerts::pap_label(c.pap)));
    m.insert("status".into(), json!(c.status));
    let stage = match c.status.as_str() {
        "New" => "New",
        "InProgress" => "InProgress",
        _ => "Closed",
    };
    m.insert("stage".into(), json!(stage));
    m.insert("startDate".into(), json!(c.start_date));
    if let Some(e) = c.end_date {
        m.insert("endDate".into(), json!(e));
    }
    m.insert("tags".into(), json!(tags));
    m.insert("flag".into(), json!(c.flag));
    if let Some(a) = &c.assignee {
        m.insert("assignee".into(), json!(a));
    }
    if let Some(s) = &c.summary {
        m.insert("summary".into(), json!(s));
    }
    if let Some(s) = &c.impact_status {
        m.insert("impactStatus".into(), json!(s));
    }
    m.insert("owningOrganisation".into(), json!(owner));
    m.insert(
        "userPermissions".into(),
        json!(case_rights(user, access)
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()),
    );
    m.insert("access".into(), json!({}));
    m.insert("newDate".into(), json!(c.created_at));
    m.insert("timeToDetect".into(), json!(0));
    m.insert("extraData".into(), json!({}));
    Value::Object(m)
}

/// `GET /api/case`: the active organisation's most recently updated cases
/// (n8n's credential check calls it).
pub async fn legacy_case_list(
    state: web::Data<AppState>,
    api: ApiActor,
) -> Result<HttpResponse, AppError> {
    let body = api
        .call(&state, false, |conn, by| {
            super::cases::all_visible(conn, by, 50)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize)]
pub struct SetOrganisations {
    organisations: Vec<WantedOrganisation>,
}

#[derive(Deserialize)]
pub struct WantedOrganisation {
    organisation: String,
    profile: String,
    #[serde(default)]
    default: bool,
}

/// `PUT /api/v1/user/{id}/organisations`: the memberships, exactly.
pub async fn set_user_organisations(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    // Like TheHive, a platform administrator may do this from any active
    // organisation: the right comes from their `admin` membership.
    let Some(platform) = platform_acting(&api) else {
        return Err(AppError::forbidden(
            "Setting a user's organisations needs manageUser in the admin organisation.",
        ));
    };
    let user_id = parse_id(&path).ok_or_else(|| AppError::not_found("No such user."))?;
    let body: SetOrganisations = parse_json(&body)?;
    let wanted: Vec<crate::service::members::WantedMembership> = body
        .organisations
        .into_iter()
        .map(|w| crate::service::members::WantedMembership {
            organisation: w.organisation,
            profile: w.profile,
            default: w.default,
        })
        .collect();
    let (login, uid) = (api.actor.user.login.clone(), api.actor.user.id);
    let set = state
        .db
        .write(move |conn| {
            let by = crate::service::By {
                login: &login,
                user_id: uid,
                acting: platform,
            };
            crate::service::members::set_organisations(conn, &by, user_id, &wanted)
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "organisations": set.into_iter().map(|(o, p, d)| json!({ "organisation": o, "profile": p, "default": d })).collect::<Vec<_>>()
    })))
}

fn org_id_by_key(conn: &mut crate::db::DbConn, key: &str) -> Result<i64, AppError> {
    Ok(match parse_id(key) {
        Some(id) => crate::db::admin::organisation_by_id(conn, id)?,
        None => None,
    }
    .map(Some)
    .unwrap_or(crate::db::queries::organisation_by_key(
        conn,
        &crate::domain::names::name_key(key),
    )?)
    .ok_or_else(|| AppError::not_found("No such organisation."))?
    .id)
}

#[derive(Deserialize, Default)]
pub struct LinkBody {
    #[serde(rename = "linkType")]
    link_type: Option<String>,
    #[serde(rename = "otherLinkType")]
    other_link_type: Option<String>,
}

fn link_type(v: Option<&str>) -> Result<Option<crate::domain::policy::LinkType>, AppError> {
    crate::domain::policy::LinkType::parse_optional(v.unwrap_or("default"))
        .map_err(AppError::bad_request)
}

/// `PUT /api/v1/organisation/{a}/link/{b}`: both directions (default: `default`).
pub async fn link(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (a, b) = path.into_inner();
    let body: LinkBody = if body.iter().all(u8::is_ascii_whitespace) {
        LinkBody::default()
    } else {
        parse_json(&body)?
    };
    let outgoing = link_type(body.link_type.as_deref())?;
    let incoming = link_type(body.other_link_type.as_deref())?;
    api.call(&state, true, move |conn, by| {
        let (a, b) = (org_id_by_key(conn, &a)?, org_id_by_key(conn, &b)?);
        orgs::set_links(
            conn,
            by,
            a,
            &[orgs::WantedLink {
                other: b,
                outgoing,
                incoming,
            }],
        )
        .map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/v1/organisation/{a}/link/{b}`: both directions.
pub async fn unlink(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (a, b) = path.into_inner();
    api.call(&state, true, move |conn, by| {
        let (a, b) = (org_id_by_key(conn, &a)?, org_id_by_key(conn, &b)?);
        orgs::set_links(
            conn,
            by,
            a,
            &[orgs::WantedLink {
                other: b,
                outgoing: None,
                incoming: None,
            }],
        )
        .map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/organisation/{a}/links`: `[{linkType, otherLinkType, organisation}]`.
pub async fn links(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let acting = api.active().acting();
    let member_of: Vec<i64> = api
        .actor
        .organisations
        .iter()
        .map(|m| m.organisation_id)
        .collect();
    let body = state
        .db
        .run(move |conn| {
            let id = org_id_by_key(conn, &key)?;
            if !(acting.manages_organisations() || member_of.contains(&id)) {
                return Err(AppError::not_found("No such organisation."));
            }
            let row = orgs::with_links(conn, id)?;
            let mut out = Vec::new();
            for l in row.links {
                if let Some(other) = crate::db::admin::organisation_by_id(conn, l.other_id)? {
                    out.push(json!({
                        "linkType": l.outgoing.map_or("none", |t| t.as_str()),
                        "otherLinkType": l.incoming.map_or("none", |t| t.as_str()),
                        "organisation": organisation_json(&other, &[]),
                    }));
                }
            }
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// The caller's rights in the `admin` organisation when they are a platform
/// administrator (a member of `admin` with manageUser), whatever organisation
/// the request is made in.
pub fn platform_acting(api: &ApiActor) -> Option<crate::domain::policy::Acting> {
    use crate::domain::permissions::{effective_permissions, Permission, Permissions, ProfileKind};
    let m = api.actor.organisations.iter().find(|m| {
        crate::domain::names::name_key(&m.organisation_name)
            == crate::domain::names::ADMIN_ORGANISATION
    })?;
    let permissions = effective_permissions(
        ProfileKind::Admin,
        Permissions::from_storage(&m.profile_permissions).ok()?,
    );
    permissions
        .contains(Permission::ManageUser)
        .then_some(crate::domain::policy::Acting {
            organisation_id: m.organisation_id,
            kind: ProfileKind::Admin,
            permissions,
        })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateOrganisation {
    name: Option<String>,
    description: Option<String>,
    task_rule: Option<String>,
    observable_rule: Option<String>,
    locked: Option<bool>,
}

/// `PATCH /api/v1/organisation/{id or name}` (platform admins): name,
/// description, default task/observable rules, locked — one transaction.
pub async fn update_organisation(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    api.call(&state, true, move |conn, by| {
        // Refused before the lookup: outsiders learn nothing of which names exist.
        if !by.acting.manages_organisations() {
            return Err(AppError::forbidden("This needs manageOrganisation."));
        }
        let id = org_id_by_key(conn, &key)?;
        let org = orgs::get(conn, by, id)?.organisation;
        let patch: UpdateOrganisation = parse_json(&body)?;
        if patch.name.is_some() || patch.description.is_some() {
            orgs::update(
                conn,
                by,
                id,
                patch.name.as_deref().unwrap_or(&org.name),
                patch.description.as_deref().unwrap_or(&org.description),
            )?;
        }
        if patch.task_rule.is_some() || patch.observable_rule.is_some() {
            orgs::set_rules(
                conn,
                by,
                id,
                patch.task_rule.as_deref().unwrap_or(&org.task_rule),
                patch
                    .observable_rule
                    .as_deref()
                    .unwrap_or(&org.observable_rule),
            )?;
        }
        if let Some(locked) = patch.locked {
            orgs::set_locked(conn, by, id, locked)?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkLink {
    to_organisation: String,
    link_type: Option<String>,
    other_link_type: Option<String>,
    /// Sent by thehive4py; Tenantry has no avatars.
    #[serde(default)]
    #[allow(dead_code)]
    avatar: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkLinks {
    links: Vec<BulkLink>,
}

/// `PUT /api/v1/organisation/{id}/links`: the organisation's links become
/// exactly the listed ones (both directions); others are removed.
pub async fn set_links(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    api.call(&state, true, move |conn, by| {
        // Refused before the lookup: outsiders learn nothing of which names exist.
        if !by.acting.manages_organisations() {
            return Err(AppError::forbidden("This needs manageOrganisation."));
        }
        let id = org_id_by_key(conn, &key)?;
        let current = orgs::get(conn, by, id)?.links;
        let wanted: BulkLinks = parse_json(&body)?;
        let mut links = Vec::new();
        for l in &wanted.links {
            links.push(orgs::WantedLink {
                other: org_id_by_key(conn, &l.to_organisation).map_err(|_| {
                    AppError::bad_request(format!("Unknown organisation {}.", l.to_organisation))
                })?,
                outgoing: link_type(l.link_type.as_deref())?,
                incoming: link_type(l.other_link_type.as_deref())?,
            });
        }
        for existing in current {
            if !links.iter().any(|w| w.other == existing.other_id) {
                links.push(orgs::WantedLink {
                    other: existing.other_id,
                    outgoing: None,
                    incoming: None,
                });
            }
        }
        orgs::set_links(conn, by, id, &links).map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/sharingProfile`: Tenantry's link types, in TheHive's
/// sharing-profile shape (a link type decides whether new cases are
/// shared automatically, and with which profile).
pub async fn sharing_profiles(api: ApiActor) -> Result<HttpResponse, AppError> {
    drop(api);
    let out: Vec<Value> = crate::domain::policy::LinkType::ALL
        .iter()
        .map(|t| {
            let profile = t.auto_share_profile();
            json!({
                "name": t.as_str(),
                "description": match t {
                    crate::domain::policy::LinkType::Default => "Cases are shared by hand only.",
                    crate::domain::policy::LinkType::Supervised => "New cases are shared automatically with profile analyst.",
                    crate::domain::policy::LinkType::Notify => "New cases are shared automatically with profile read-only.",
                },
                "autoShare": profile.is_some(),
                "editable": false,
                "permissionProfile": profile.unwrap_or(crate::domain::permissions::READ_ONLY_PROFILE),
                "taskRule": "manual",
                "observableRule": "manual",
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}
