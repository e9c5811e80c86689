//! Organisations, their links and settings (platform admins:
//! `manageOrganisation` in the `admin` organisation).

use std::collections::BTreeMap;

use crate::db::admin::{self as q, OrganisationSort};
use crate::db::models::{NewOrganisation, Organisation, OrganisationLink};
use crate::db::{now_ms, queries, DbConn};
use crate::domain::names::{name_key, OrganisationName, ADMIN_ORGANISATION};
use crate::domain::policy::{parse_item_rule, LinkType};
use crate::error::AppError;
use crate::service::audit::{self, Audit};
use crate::service::By;

pub const PAGE_SIZE: i64 = 25;

fn require(by: &By) -> Result<(), AppError> {
    if by.acting.manages_organisations() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Managing organisations needs manageOrganisation in the admin organisation.",
        ))
    }
}

pub fn is_admin_organisation(org: &Organisation) -> bool {
    org.name_key == ADMIN_ORGANISATION
}

/// A link as seen from one organisation.
#[derive(Debug, Clone)]
pub struct LinkView {
    pub other_id: i64,
    pub other_name: String,
    /// This organisation → other.
    pub outgoing: Option<LinkType>,
    /// Other → this organisation.
    pub incoming: Option<LinkType>,
}

#[derive(Debug, Clone)]
pub struct OrganisationRow {
    pub organisation: Organisation,
    pub links: Vec<LinkView>,
}

pub struct OrganisationPage {
    pub rows: Vec<OrganisationRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

fn link_type(s: &str) -> Option<LinkType> {
    LinkType::parse_optional(s).ok().flatten()
}

/// Groups raw link rows into per-organisation views, naming the others.
fn link_views(
    conn: &mut DbConn,
    ids: &[i64],
    links: &[OrganisationLink],
) -> Result<BTreeMap<i64, Vec<LinkView>>, AppError> {
    let mut other_ids: Vec<i64> = links
        .iter()
        .flat_map(|l| [l.from_organisation_id, l.to_organisation_id])
        .collect();
    other_ids.sort_unstable();
    other_ids.dedup();
    let names: BTreeMap<i64, String> = q::all_organisations(conn)?
        .into_iter()
        .filter(|o| other_ids.binary_search(&o.id).is_ok())
        .map(|o| (o.id, o.name))
        .collect();
    let mut views: BTreeMap<i64, BTreeMap<i64, LinkView>> = BTreeMap::new();
    for l in links {
        for (me, other, outgoing) in [
            (l.from_organisation_id, l.to_organisation_id, true),
            (l.to_organisation_id, l.from_organisation_id, false),
        ] {
            if !ids.contains(&me) {
                continue;
            }
            let view = views
                .entry(me)
                .or_default()
                .entry(other)
                .or_insert_with(|| LinkView {
                    other_id: other,
                    other_name: names.get(&other).cloned().unwrap_or_default(),
                    outgoing: None,
                    incoming: None,
                });
            if outgoing {
                view.outgoing = link_type(&l.link_type);
            } else {
                view.incoming = link_type(&l.link_type);
            }
        }
    }
    Ok(views
        .into_iter()
        .map(|(k, v)| {
            let mut list: Vec<LinkView> = v.into_values().collect();
            list.sort_by_key(|l| name_key(&l.other_name));
            (k, list)
        })
        .collect())
}

/// One page of the organisations list with their link badges.
pub fn list(
    conn: &mut DbConn,
    by: &By,
    filter: &str,
    sort: OrganisationSort,
    page: i64,
) -> Result<OrganisationPage, AppError> {
    require(by)?;
    let page = page.max(1);
    let (orgs, total) =
        q::list_organisations(conn, filter, sort, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
    let ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
    let links = q::links_touching(conn, &ids)?;
    let mut views = link_views(conn, &ids, &links)?;
    Ok(OrganisationPage {
        rows: orgs
            .into_iter()
            .map(|o| OrganisationRow {
                links: views.remove(&o.id).unwrap_or_default(),
                organisation: o,
            })
            .collect(),
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
    })
}

/// One organisation with its links; 404 when it does not exist.
pub fn get(conn: &mut DbConn, by: &By, id: i64) -> Result<OrganisationRow, AppError> {
    require(by)?;
    with_links(conn, id)
}

/// The organisation and its links, for callers that checked who may see them.
pub fn with_links(conn: &mut DbConn, id: i64) -> Result<OrganisationRow, AppError> {
    let organisation = q::organisation_by_id(conn, id)?
        .ok_or_else(|| AppError::not_found("No such organisation."))?;
    let links = q::links_touching(conn, &[id])?;
    let links = link_views(conn, &[id], &links)?
        .remove(&id)
        .unwrap_or_default();
    Ok(OrganisationRow {
        organisation,
        links,
    })
}

fn validate(name: &str, description: &str) -> Result<(OrganisationName, String), AppError> {
    let name = OrganisationName::parse(name).map_err(AppError::bad_request)?;
    let description = description.trim();
    if description.chars().count() > 1000 {
        return Err(AppError::bad_request(
            "The description is longer than 1000 characters.",
        ));
    }
    Ok((name, description.to_string()))
}

fn taken(name: &OrganisationName) -> AppError {
    AppError::conflict(format!("An organisation named \"{name}\" already exists."))
}

pub fn create(
    conn: &mut DbConn,
    by: &By,
    name: &str,
    description: &str,
) -> Result<Organisation, AppError> {
    require(by)?;
    let (name, description) = validate(name, description)?;
    if queries::organisation_by_key(conn, &name.key())?.is_some() {
        return Err(taken(&name));
    }
    let org = queries::insert_organisation(
        conn,
        &NewOrganisation {
            name: name.as_str(),
            name_key: &name.key(),
            description: &description,
            created_by: by.login,
            created_at: now_ms(),
        },
    )
    .map_err(|e| match AppError::from(e) {
        e if e.kind == crate::error::ErrorKind::Conflict => taken(&name),
        e => e,
    })?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(org.id),
            action: "create",
            object_type: "Organisation",
            object_id: org.id.to_string(),
            details: serde_json::json!({ "name": org.name, "description": org.description }),
        },
    )?;
    Ok(org)
}

fn editable(conn: &mut DbConn, id: i64, what: &str) -> Result<Organisation, AppError> {
    let org = q::organisation_by_id(conn, id)?
        .ok_or_else(|| AppError::not_found("No such organisation."))?;
    if is_admin_organisation(&org) {
        return Err(AppError::forbidden(format!(
            "The admin organisation cannot be {what}."
        )));
    }
    Ok(org)
}

pub fn update(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    name: &str,
    description: &str,
) -> Result<Organisation, AppError> {
    require(by)?;
    let before = editable(conn, id, "edited")?;
    let (name, description) = validate(name, description)?;
    if let Some(other) = queries::organisation_by_key(conn, &name.key())? {
        if other.id != id {
            return Err(taken(&name));
        }
    }
    q::update_organisation(
        conn,
        id,
        name.as_str(),
        &name.key(),
        &description,
        by.login,
        now_ms(),
    )?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(id),
            action: "update",
            object_type: "Organisation",
            object_id: id.to_string(),
            details: serde_json::json!({
                "name": [before.name, name.as_str()],
                "description": [before.description, description],
            }),
        },
    )?;
    q::organisation_by_id(conn, id)?.ok_or_else(|| AppError::not_found("No such organisation."))
}

pub fn set_locked(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    locked: bool,
) -> Result<Organisation, AppError> {
    require(by)?;
    editable(conn, id, "locked")?;
    queries::set_organisation_locked(conn, id, locked, by.login, now_ms())?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(id),
            action: if locked { "lock" } else { "unlock" },
            object_type: "Organisation",
            object_id: id.to_string(),
            details: serde_json::json!({}),
        },
    )?;
    q::organisation_by_id(conn, id)?.ok_or_else(|| AppError::not_found("No such organisation."))
}

/// What an organisation owns that forbids deleting it: cases, alerts and case
/// templates.
pub fn owned_objects(conn: &mut DbConn, id: i64) -> Result<i64, AppError> {
    use crate::db::schema::{alerts, case_templates, cases};
    use diesel::prelude::*;
    let cases: i64 = cases::table
        .filter(cases::owner_organisation_id.eq(id))
        .count()
        .get_result(conn)?;
    let alerts: i64 = alerts::table
        .filter(alerts::organisation_id.eq(id))
        .count()
        .get_result(conn)?;
    let templates: i64 = case_templates::table
        .filter(case_templates::organisation_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(cases + alerts + templates)
}

pub fn delete(conn: &mut DbConn, by: &By, id: i64) -> Result<(), AppError> {
    require(by)?;
    let org = editable(conn, id, "deleted")?;
    let owned = owned_objects(conn, id)?;
    if owned > 0 {
        return Err(AppError::conflict(format!(
            "{} owns {owned} cases, alerts or case templates; it cannot be deleted. Lock it instead.",
            org.name
        )));
    }
    crate::service::cases::sharing::drop_received_shares(conn, id)?;
    q::delete_organisation(conn, id)?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: None,
            action: "delete",
            object_type: "Organisation",
            object_id: id.to_string(),
            details: serde_json::json!({ "name": org.name }),
        },
    )
}

/// The wanted link types with one other organisation (`None` = no link).
#[derive(Debug, Clone, Copy)]
pub struct WantedLink {
    pub other: i64,
    pub outgoing: Option<LinkType>,
    pub incoming: Option<LinkType>,
}

/// Applies the differences between the current links of `id` and `wanted`, in
/// the caller's transaction. Organisations not mentioned keep their links.
/// Self-links and links with `admin` are refused.
pub fn set_links(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    wanted: &[WantedLink],
) -> Result<usize, AppError> {
    require(by)?;
    let org = editable(conn, id, "linked")?;
    let current = get(conn, by, id)?.links;
    let now = now_ms();
    let mut changes = 0;
    for w in wanted {
        if w.other == id {
            return Err(AppError::bad_request(
                "An organisation cannot be linked to itself.",
            ));
        }
        let other = q::organisation_by_id(conn, w.other)?
            .ok_or_else(|| AppError::bad_request("Unknown organisation in the links."))?;
        if is_admin_organisation(&other) {
            if w.outgoing.is_some() || w.incoming.is_some() {
                return Err(AppError::bad_request(
                    "The admin organisation cannot be linked.",
                ));
            }
            continue;
        }
        let existing = current.iter().find(|l| l.other_id == w.other);
        let (old_out, old_in) = existing.map_or((None, None), |l| (l.outgoing, l.incoming));
        for (from, to, old, new) in [
            (id, w.other, old_out, w.outgoing),
            (w.other, id, old_in, w.incoming),
        ] {
            if old == new {
                continue;
            }
            match (old, new) {
                (None, Some(t)) => q::insert_link(conn, from, to, t.as_str(), by.login, now)?,
                (Some(_), Some(t)) => q::update_link(conn, from, to, t.as_str()).map(drop)?,
                (Some(_), None) => q::delete_link(conn, from, to).map(drop)?,
                (None, None) => {}
            }
            changes += 1;
            audit::record(
                conn,
                Audit {
                    actor: by.login,
                    organisation_id: Some(from),
                    action: if new.is_some() { "link" } else { "unlink" },
                    object_type: "OrganisationLink",
                    object_id: format!("{from}-{to}"),
                    details: serde_json::json!({
                        "from": if from == id { org.name.clone() } else { other.name.clone() },
                        "to": if to == id { org.name.clone() } else { other.name.clone() },
                        "linkType": new.map(LinkType::as_str),
                        "previous": old.map(LinkType::as_str),
                    }),
                },
            )?;
        }
    }
    Ok(changes)
}

/// Every organisation but `admin`, for the links dialog.
pub fn linkable(conn: &mut DbConn, by: &By, id: i64) -> Result<Vec<Organisation>, AppError> {
    require(by)?;
    Ok(q::all_organisations(conn)?
        .into_iter()
        .filter(|o| o.id != id && !is_admin_organisation(o))
        .collect())
}

pub fn set_rules(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    task_rule: &str,
    observable_rule: &str,
) -> Result<(), AppError> {
    require(by)?;
    editable(conn, id, "configured")?;
    let task_rule = parse_item_rule(task_rule).map_err(AppError::bad_request)?;
    let observable_rule = parse_item_rule(observable_rule).map_err(AppError::bad_request)?;
    q::update_organisation_rules(conn, id, task_rule, observable_rule, by.login, now_ms())?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(id),
            action: "update",
            object_type: "Organisation",
            object_id: id.to_string(),
            details: serde_json::json!({ "taskRule": task_rule, "observableRule": observable_rule }),
        },
    )
}
