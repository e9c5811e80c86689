//! Cases and their sharing. Every read starts from the active organisation's
//! share (`visible`): a case without a share for the organisation does not
//! exist for it (404). Every action asks `domain::sharing::allows`.

pub mod alerts;
pub mod items;
pub mod list;
pub mod sharing;
pub mod templates;

use diesel::prelude::*;

use crate::db::models::{Case, Share};
use crate::db::schema::{cases, counters, organisation_links, organisations, profiles, shares};
use crate::db::{now_ms, DbConn};
use crate::domain::permissions::{
    Permission, Permissions, ProfileKind, ORG_ADMIN_PROFILE, READ_ONLY_PROFILE,
};
use crate::domain::sharing::{allows, CaseAccess, CaseAction, ItemRule};
use crate::error::AppError;
use crate::service::audit::{self, Audit};
use crate::service::By;

pub const CLOSED_STATUSES: [&str; 5] = [
    "TruePositive",
    "FalsePositive",
    "Indeterminate",
    "Other",
    "Duplicated",
];
pub const STATUSES: [&str; 7] = [
    "New",
    "InProgress",
    "TruePositive",
    "FalsePositive",
    "Indeterminate",
    "Other",
    "Duplicated",
];

pub fn is_closed(status: &str) -> bool {
    CLOSED_STATUSES.contains(&status)
}

/// A case as one organisation sees it.
#[derive(Debug, Clone)]
pub struct Visible {
    pub case: Case,
    pub share: Share,
    pub access: CaseAccess,
}

impl Visible {
    pub fn can(&self, by: &By, action: CaseAction) -> bool {
        allows(by.permissions(), self.access, action)
    }

    /// 403 unless the policy allows `action`.
    pub fn require(&self, by: &By, action: CaseAction) -> Result<(), AppError> {
        if self.can(by, action) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "Your rights on case #{} do not allow this ({}).",
                self.case.number,
                match action {
                    CaseAction::View => "view",
                    CaseAction::Update => "edit the case: manageCase/update",
                    CaseAction::Reopen => "reopen: manageCase/reopen",
                    CaseAction::Delete => "delete: owner organisation with manageCase/delete",
                    CaseAction::ChangeOwnership =>
                        "change owner: owner organisation with manageCase/changeOwnership",
                    CaseAction::Share => "share: manageShare",
                    CaseAction::ManageTasks => "tasks: manageTask",
                    CaseAction::ManageObservables => "observables: manageObservable",
                }
            )))
        }
    }
}

pub fn profile_permissions(conn: &mut DbConn, profile_id: i64) -> Result<Permissions, AppError> {
    let stored: String = profiles::table
        .find(profile_id)
        .select(profiles::permissions)
        .first(conn)?;
    Permissions::from_storage(&stored).map_err(|e| AppError::internal(e.to_string()))
}

/// The case `case_id` through organisation `org`'s share; 404 without one.
pub fn visible(conn: &mut DbConn, org: i64, case_id: i64) -> Result<Visible, AppError> {
    let found: Option<(Share, Case)> = shares::table
        .inner_join(cases::table)
        .filter(shares::organisation_id.eq(org))
        .filter(shares::case_id.eq(case_id))
        .select((Share::as_select(), Case::as_select()))
        .first(conn)
        .optional()?;
    let (share, case) = found.ok_or_else(|| AppError::not_found("No such case."))?;
    let access = CaseAccess {
        share_profile: profile_permissions(conn, share.profile_id)?,
        owner: share.owner,
    };
    Ok(Visible {
        case,
        share,
        access,
    })
}

/// Many cases through the organisation's shares at once (a query page):
/// two statements whatever their number. Cases without a share are left out.
pub fn visible_many(
    conn: &mut DbConn,
    org: i64,
    list: Vec<Case>,
) -> Result<Vec<Visible>, AppError> {
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let held: Vec<Share> = shares::table
        .filter(shares::organisation_id.eq(org))
        .filter(shares::case_id.eq_any(&ids))
        .select(Share::as_select())
        .load(conn)?;
    let mut profile_ids: Vec<i64> = held.iter().map(|s| s.profile_id).collect();
    profile_ids.sort_unstable();
    profile_ids.dedup();
    let stored: Vec<(i64, String)> = profiles::table
        .filter(profiles::id.eq_any(&profile_ids))
        .select((profiles::id, profiles::permissions))
        .load(conn)?;
    let mut rights = std::collections::HashMap::new();
    for (id, text) in stored {
        rights.insert(
            id,
            Permissions::from_storage(&text).map_err(|e| AppError::internal(e.to_string()))?,
        );
    }
    let mut by_case: std::collections::HashMap<i64, Share> =
        held.into_iter().map(|s| (s.case_id, s)).collect();
    Ok(list
        .into_iter()
        .filter_map(|case| {
            let share = by_case.remove(&case.id)?;
            let access = CaseAccess {
                share_profile: rights.get(&share.profile_id).copied().unwrap_or_default(),
                owner: share.owner,
            };
            Some(Visible {
                case,
                share,
                access,
            })
        })
        .collect())
}

/// By number (as TheHive accepts `#number` for `{id}`), through the same share.
pub fn visible_by_number(conn: &mut DbConn, org: i64, number: i64) -> Result<Visible, AppError> {
    let id: Option<i64> = cases::table
        .filter(cases::number.eq(number))
        .select(cases::id)
        .first(conn)
        .optional()?;
    visible(
        conn,
        org,
        id.ok_or_else(|| AppError::not_found("No such case."))?,
    )
}

/// The active organisation may hold cases (never `admin`).
pub fn require_case_holder(by: &By) -> Result<(), AppError> {
    if by.acting.kind == ProfileKind::Admin {
        return Err(AppError::forbidden("The admin organisation cannot hold cases, alerts, tasks, observables or case templates."));
    }
    Ok(())
}

pub fn profile_id(conn: &mut DbConn, name: &str) -> Result<i64, AppError> {
    profiles::table
        .filter(profiles::name.eq(name))
        .select(profiles::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::internal(format!("profile {name} missing")))
}

fn check_range(name: &str, value: i32, min: i32, max: i32) -> Result<i32, AppError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::bad_request(format!(
            "{name} must be between {min} and {max}."
        )))
    }
}

pub fn check_title(title: &str) -> Result<String, AppError> {
    let t = title.trim();
    if t.is_empty() {
        return Err(AppError::bad_request("The title is required."));
    }
    if t.chars().count() > 512 {
        return Err(AppError::bad_request(
            "The title is longer than 512 characters.",
        ));
    }
    Ok(t.to_string())
}

/// What a new case is made of.
#[derive(Debug, Clone, Default)]
pub struct NewCase {
    pub title: String,
    pub description: String,
    pub severity: Option<i32>,
    pub tlp: Option<i32>,
    pub pap: Option<i32>,
    pub tags: Vec<String>,
    pub assignee: Option<String>,
    pub flag: bool,
    pub start_date: Option<i64>,
    pub status: Option<String>,
    pub summary: Option<String>,
    /// A case template of the active organisation, by id or name.
    pub template: Option<String>,
    pub tasks: Vec<items::NewTask>,
}

fn next_number(conn: &mut DbConn) -> Result<i64, AppError> {
    diesel::update(counters::table.find("case_number"))
        .set(counters::value.eq(counters::value + 1))
        .execute(conn)?;
    Ok(counters::table
        .find("case_number")
        .select(counters::value)
        .first(conn)?)
}

/// Creates a case owned by the active organisation, with its owner share, the
/// automatic shares of `supervised`/`notify` links, and the template's or the
/// request's tasks — all in the caller's transaction.
pub fn create(conn: &mut DbConn, by: &By, new: NewCase) -> Result<Visible, AppError> {
    require_case_holder(by)?;
    if !by.permissions().contains(Permission::CaseCreate) {
        return Err(AppError::forbidden(
            "Creating cases needs manageCase/create.",
        ));
    }
    let org = by.acting.organisation_id;
    let mut title = check_title(&new.title)?;
    let mut description = new.description.clone();
    let mut severity = new.severity;
    let mut tags = new.tags.clone();
    let mut tasks = new.tasks.clone();
    if let Some(t) = new.template.as_deref().filter(|t| !t.trim().is_empty()) {
        let template = templates::find(conn, by, t)?;
        if !template.title_prefix.is_empty() {
            title = format!("{} {title}", template.title_prefix.trim());
        }
        if description.trim().is_empty() {
            description = template.description.clone();
        }
        severity = severity.or(Some(template.severity));
        for tag in
            crate::service::tags::names(conn, crate::service::tags::Kind::Template, template.id)?
        {
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        let mut from_template = templates::tasks_of(&template);
        from_template.extend(tasks);
        tasks = from_template;
    }
    let severity = check_range("severity", severity.unwrap_or(2), 1, 4)?;
    let tlp = check_range("tlp", new.tlp.unwrap_or(2), 0, 4)?;
    let pap = check_range("pap", new.pap.unwrap_or(2), 0, 3)?;
    let status = new.status.clone().unwrap_or_else(|| "New".into());
    if !STATUSES.contains(&status.as_str()) {
        return Err(AppError::bad_request(format!(
            "Unknown status \"{status}\"."
        )));
    }
    let tags = crate::service::tags::clean(&tags)?;
    let now = now_ms();
    let number = next_number(conn)?;
    diesel::insert_into(cases::table)
        .values((
            cases::number.eq(number),
            cases::owner_organisation_id.eq(org),
            cases::title.eq(&title),
            cases::description.eq(description.trim()),
            cases::severity.eq(severity),
            cases::tlp.eq(tlp),
            cases::pap.eq(pap),
            cases::status.eq(&status),
            cases::summary.eq(new.summary.as_deref()),
            cases::assignee.eq(new.assignee.as_deref().filter(|a| !a.trim().is_empty())),
            cases::flag.eq(new.flag),
            cases::start_date.eq(new.start_date.unwrap_or(now)),
            cases::end_date.eq(is_closed(&status).then_some(now)),
            cases::created_by.eq(by.login),
            cases::created_at.eq(now),
        ))
        .execute(conn)?;
    let case_id: i64 = cases::table
        .filter(cases::number.eq(number))
        .select(cases::id)
        .first(conn)?;
    let (task_rule, observable_rule): (String, String) = organisations::table
        .find(org)
        .select((organisations::task_rule, organisations::observable_rule))
        .first(conn)?;
    let rule = |r: &str| ItemRule::parse(r).unwrap_or(ItemRule::Manual);
    let org_admin = profile_id(conn, ORG_ADMIN_PROFILE)?;
    sharing::insert(
        conn,
        by,
        case_id,
        number,
        org,
        org_admin,
        true,
        rule(&task_rule),
        rule(&observable_rule),
        now,
        "person",
    )?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(org),
            action: "createCase",
            object_type: "Case",
            object_id: case_id.to_string(),
            details: serde_json::json!({ "number": number, "title": title }),
        },
    )?;
    // Link types act: supervised → analyst, notify → read-only.
    let targets: Vec<(i64, String)> = organisation_links::table
        .filter(organisation_links::from_organisation_id.eq(org))
        .filter(organisation_links::link_type.eq_any(["supervised", "notify"]))
        .select((
            organisation_links::to_organisation_id,
            organisation_links::link_type,
        ))
        .load(conn)?;
    for (target, link_type) in targets {
        let profile = crate::domain::policy::LinkType::parse_optional(&link_type)
            .ok()
            .flatten()
            .and_then(|t| t.auto_share_profile())
            .unwrap_or(READ_ONLY_PROFILE);
        let profile_id = profile_id(conn, profile)?;
        let share_id = sharing::insert(
            conn,
            by,
            case_id,
            number,
            target,
            profile_id,
            false,
            ItemRule::Manual,
            ItemRule::Manual,
            now,
            &format!("link:{link_type}"),
        )?;
        sharing::audit_share(
            conn,
            by,
            case_id,
            target,
            profile,
            &format!("{link_type} link"),
            share_id,
        )?;
    }
    let visible_case = visible(conn, org, case_id)?;
    for task in tasks {
        items::insert_task(conn, by, &visible_case, task)?;
    }
    // Last, so that auto-share rules see the whole case (shares, tasks).
    crate::service::tags::change(
        conn,
        by,
        crate::service::tags::Kind::Case,
        case_id,
        &tags,
        &[],
    )?;
    visible(conn, org, case_id)
}

/// Changes to a case; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct CasePatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<i32>,
    pub tlp: Option<i32>,
    pub pap: Option<i32>,
    pub status: Option<String>,
    pub impact_status: Option<Option<String>>,
    pub summary: Option<Option<String>>,
    pub assignee: Option<Option<String>>,
    pub flag: Option<bool>,
    pub tags: Option<Vec<String>>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
    pub start_date: Option<i64>,
    pub end_date: Option<Option<i64>>,
}

/// Applies a patch. Closing and editing need manageCase/update, reopening a
/// closed case manageCase/reopen.
pub fn update(
    conn: &mut DbConn,
    by: &By,
    case_id: i64,
    patch: CasePatch,
) -> Result<Visible, AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    let mut c = v.case.clone();
    let reopening = patch.status.as_deref().is_some_and(|s| !is_closed(s)) && is_closed(&c.status);
    // Anything but a pure reopen is an edit (an empty patch too).
    let only_reopen = reopening
        && patch.title.is_none()
        && patch.description.is_none()
        && patch.severity.is_none()
        && patch.tlp.is_none()
        && patch.pap.is_none()
        && patch.impact_status.is_none()
        && patch.summary.is_none()
        && patch.assignee.is_none()
        && patch.flag.is_none()
        && patch.tags.is_none()
        && patch.add_tags.is_empty()
        && patch.remove_tags.is_empty()
        && patch.start_date.is_none()
        && patch.end_date.is_none();
    if reopening {
        v.require(by, CaseAction::Reopen)?;
    }
    if !only_reopen {
        v.require(by, CaseAction::Update)?;
    }
    let now = now_ms();
    if let Some(t) = &patch.title {
        c.title = check_title(t)?;
    }
    if let Some(d) = patch.description {
        c.description = d.trim().to_string();
    }
    if let Some(s) = patch.severity {
        c.severity = check_range("severity", s, 1, 4)?;
    }
    if let Some(s) = patch.tlp {
        c.tlp = check_range("tlp", s, 0, 4)?;
    }
    if let Some(s) = patch.pap {
        c.pap = check_range("pap", s, 0, 3)?;
    }
    if let Some(s) = &patch.status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(AppError::bad_request(format!("Unknown status \"{s}\".")));
        }
        if is_closed(s) && !is_closed(&c.status) {
            c.end_date = Some(now);
        }
        if !is_closed(s) {
            c.end_date = None;
        }
        c.status = s.clone();
    }
    if let Some(v) = patch.impact_status {
        c.impact_status = v;
    }
    if let Some(v) = patch.summary {
        c.summary = v;
    }
    if let Some(v) = patch.assignee {
        c.assignee = v.filter(|a| !a.trim().is_empty());
    }
    if let Some(v) = patch.flag {
        c.flag = v;
    }
    if let Some(v) = patch.start_date {
        c.start_date = v;
    }
    if let Some(v) = patch.end_date {
        c.end_date = v;
    }
    if let Some(all) = &patch.tags {
        crate::service::tags::replace(conn, by, crate::service::tags::Kind::Case, case_id, all)?;
    }
    crate::service::tags::change(
        conn,
        by,
        crate::service::tags::Kind::Case,
        case_id,
        &patch.add_tags,
        &patch.remove_tags,
    )?;
    diesel::update(cases::table.find(case_id))
        .set((
            cases::title.eq(&c.title),
            cases::description.eq(&c.description),
            cases::severity.eq(c.severity),
            cases::tlp.eq(c.tlp),
            cases::pap.eq(c.pap),
            cases::status.eq(&c.status),
            cases::impact_status.eq(&c.impact_status),
            cases::summary.eq(&c.summary),
            cases::assignee.eq(&c.assignee),
            cases::flag.eq(c.flag),
            cases::start_date.eq(c.start_date),
            cases::end_date.eq(c.end_date),
            cases::updated_by.eq(by.login),
            cases::updated_at.eq(now),
        ))
        .execute(conn)?;
    touch(conn, case_id, now)?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action: "updateCase",
            object_type: "Case",
            object_id: case_id.to_string(),
            details: serde_json::json!({ "number": c.number, "status": c.status, "title": c.title }),
        },
    )?;
    visible(conn, by.acting.organisation_id, case_id)
}

/// Keeps the list's sort key on every share in step with the case.
pub fn touch(conn: &mut DbConn, case_id: i64, now: i64) -> Result<(), AppError> {
    diesel::update(shares::table.filter(shares::case_id.eq(case_id)))
        .set(shares::case_updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Deletes the case everywhere; only the owner organisation may.
pub fn delete(conn: &mut DbConn, by: &By, case_id: i64) -> Result<(), AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    v.require(by, CaseAction::Delete)?;
    diesel::delete(cases::table.find(case_id)).execute(conn)?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action: "deleteCase",
            object_type: "Case",
            object_id: case_id.to_string(),
            details: serde_json::json!({ "number": v.case.number, "title": v.case.title }),
        },
    )
}

/// Hands the case to an organisation it is shared with.
pub fn change_owner(
    conn: &mut DbConn,
    by: &By,
    case_id: i64,
    target: i64,
) -> Result<Visible, AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    v.require(by, CaseAction::ChangeOwnership)?;
    let target_share: Share = shares::table
        .filter(shares::case_id.eq(case_id))
        .filter(shares::organisation_id.eq(target))
        .select(Share::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            AppError::bad_request("The new owner must be an organisation the case is shared with.")
        })?;
    if target_share.owner {
        return Ok(v);
    }
    let org_admin = profile_id(conn, ORG_ADMIN_PROFILE)?;
    diesel::update(shares::table.find(v.share.id))
        .set(shares::owner.eq(false))
        .execute(conn)?;
    diesel::update(shares::table.find(target_share.id))
        .set((shares::owner.eq(true), shares::profile_id.eq(org_admin)))
        .execute(conn)?;
    diesel::update(cases::table.find(case_id))
        .set((
            cases::owner_organisation_id.eq(target),
            cases::updated_by.eq(by.login),
            cases::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action: "changeOwner",
            object_type: "Case",
            object_id: case_id.to_string(),
            details: serde_json::json!({ "from": by.acting.organisation_id, "to": target }),
        },
    )?;
    visible(conn, by.acting.organisation_id, case_id)
}
