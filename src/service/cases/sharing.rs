//! Case shares: who sees a case, with which profile, and which items.

use diesel::prelude::*;

use super::{profile_permissions, visible, Visible};
use crate::db::models::Share;
use crate::db::schema::{
    observable_shares, organisation_links, organisations, profiles, shares, task_shares,
};
use crate::db::{now_ms, DbConn};
use crate::domain::names::ADMIN_ORGANISATION;
use crate::domain::permissions::{Permissions, ProfileKind};
use crate::domain::sharing::{may_give, may_touch_share, CaseAction, ItemRule};
use crate::error::AppError;
use crate::service::audit::{self, Audit};
use crate::service::By;

#[allow(clippy::too_many_arguments)]
pub(super) fn insert(
    conn: &mut DbConn,
    by: &By,
    case_id: i64,
    number: i64,
    org: i64,
    profile: i64,
    owner: bool,
    task_rule: ItemRule,
    observable_rule: ItemRule,
    now: i64,
    origin: &str,
) -> Result<i64, AppError> {
    diesel::insert_into(shares::table)
        .values((
            shares::origin.eq(origin),
            shares::case_id.eq(case_id),
            shares::organisation_id.eq(org),
            shares::profile_id.eq(profile),
            shares::owner.eq(owner),
            shares::task_rule.eq(task_rule.as_str()),
            shares::observable_rule.eq(observable_rule.as_str()),
            shares::case_number.eq(number),
            shares::case_updated_at.eq(now),
            shares::created_by.eq(by.login),
            shares::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(shares::table
        .filter(shares::case_id.eq(case_id))
        .filter(shares::organisation_id.eq(org))
        .select(shares::id)
        .first(conn)?)
}

pub(super) fn audit_share(
    conn: &mut DbConn,
    by: &By,
    case_id: i64,
    target: i64,
    profile: &str,
    why: &str,
    share_id: i64,
) -> Result<(), AppError> {
    let name: String = organisations::table
        .find(target)
        .select(organisations::name)
        .first(conn)?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action: "shareCase",
            object_type: "Share",
            object_id: share_id.to_string(),
            details: serde_json::json!({ "case": case_id, "organisation": name, "profile": profile, "reason": why }),
        },
    )
}

/// A share with the names the Sharing tab shows.
#[derive(Debug, Clone)]
pub struct ShareView {
    pub share: Share,
    pub organisation: String,
    pub profile: String,
}

pub fn list(conn: &mut DbConn, by: &By, case_id: i64) -> Result<Vec<ShareView>, AppError> {
    visible(conn, by.acting.organisation_id, case_id)?;
    list_unchecked(conn, case_id)
}

/// Every share of a case; only for callers that checked visibility.
pub(crate) fn list_unchecked(conn: &mut DbConn, case_id: i64) -> Result<Vec<ShareView>, AppError> {
    let rows: Vec<(Share, String, String)> = shares::table
        .inner_join(organisations::table)
        .inner_join(profiles::table)
        .filter(shares::case_id.eq(case_id))
        .order((shares::owner.desc(), organisations::name_key.asc()))
        .select((Share::as_select(), organisations::name, profiles::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(share, organisation, profile)| ShareView {
            share,
            organisation,
            profile,
        })
        .collect())
}

/// Organisations the active one is linked to, not `admin`, not yet sharing the case.
pub fn targets(conn: &mut DbConn, by: &By, case_id: i64) -> Result<Vec<(i64, String)>, AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    let shared: Vec<i64> = shares::table
        .filter(shares::case_id.eq(v.case.id))
        .select(shares::organisation_id)
        .load(conn)?;
    let linked: Vec<(i64, String, String)> = organisation_links::table
        .inner_join(
            organisations::table.on(organisations::id.eq(organisation_links::to_organisation_id)),
        )
        .filter(organisation_links::from_organisation_id.eq(by.acting.organisation_id))
        .order(organisations::name_key.asc())
        .select((
            organisations::id,
            organisations::name,
            organisations::name_key,
        ))
        .load(conn)?;
    Ok(linked
        .into_iter()
        .filter(|(id, _, key)| !shared.contains(id) && key != ADMIN_ORGANISATION)
        .map(|(id, name, _)| (id, name))
        .collect())
}

/// Organisation-kind profiles no broader than the caller's own share.
pub fn giveable_profiles(
    conn: &mut DbConn,
    by: &By,
    case_id: i64,
) -> Result<Vec<String>, AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    let all: Vec<(String, String, String)> = profiles::table
        .order(profiles::name.asc())
        .select((profiles::name, profiles::kind, profiles::permissions))
        .load(conn)?;
    Ok(all
        .into_iter()
        .filter(|(_, kind, perms)| {
            kind == ProfileKind::Organisation.as_str()
                && Permissions::from_storage(perms).is_ok_and(|p| may_give(v.access, p))
        })
        .map(|(name, _, _)| name)
        .collect())
}

fn giveable(conn: &mut DbConn, v: &Visible, profile: &str) -> Result<i64, AppError> {
    let found: Option<(i64, String, String)> = profiles::table
        .filter(profiles::name.eq(profile))
        .select((profiles::id, profiles::kind, profiles::permissions))
        .first(conn)
        .optional()?;
    let (id, kind, perms) =
        found.ok_or_else(|| AppError::bad_request(format!("Unknown profile \"{profile}\".")))?;
    if kind != ProfileKind::Organisation.as_str() {
        return Err(AppError::bad_request(
            "A share takes an organisation profile.",
        ));
    }
    let perms = Permissions::from_storage(&perms).map_err(|e| AppError::internal(e.to_string()))?;
    if !may_give(v.access, perms) {
        return Err(AppError::forbidden(format!(
            "The profile \"{profile}\" is broader than your organisation's share of this case."
        )));
    }
    Ok(id)
}

/// The parameters of a new share.
#[derive(Debug, Clone)]
pub struct NewShare {
    pub organisation: i64,
    pub profile: String,
    pub task_rule: ItemRule,
    pub observable_rule: ItemRule,
}

/// Shares the case with a linked organisation. Existing tasks/observables the
/// sharer sees are attached when the rule takes existing items.
pub fn share(conn: &mut DbConn, by: &By, case_id: i64, new: &NewShare) -> Result<Share, AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    v.require(by, CaseAction::Share)?;
    share_from(conn, by, &v, new, "person", "manual")
}

/// Shares the case `v` (as the active organisation holds it) with
/// `new.organisation`: the organisations must be linked, the case not yet
/// shared with it, the profile giveable. Every refusal happens before any
/// write. `origin` is stored on the share; `why` goes to the audit record.
/// The caller decided that the share may be made (the actor's right, or an
/// auto-share rule set up by someone who had it).
pub(crate) fn share_from(
    conn: &mut DbConn,
    by: &By,
    v: &Visible,
    new: &NewShare,
    origin: &str,
    why: &str,
) -> Result<Share, AppError> {
    let case_id = v.case.id;
    let target: Option<(String, String)> = organisations::table
        .find(new.organisation)
        .select((organisations::name, organisations::name_key))
        .first(conn)
        .optional()?;
    let (target_name, target_key) =
        target.ok_or_else(|| AppError::bad_request("Unknown organisation."))?;
    if target_key == ADMIN_ORGANISATION {
        return Err(AppError::bad_request(
            "Cases cannot be shared with the admin organisation.",
        ));
    }
    let linked = organisation_links::table
        .filter(organisation_links::from_organisation_id.eq(by.acting.organisation_id))
        .filter(organisation_links::to_organisation_id.eq(new.organisation))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !linked {
        return Err(AppError::bad_request(format!(
            "Your organisation is not linked to {target_name}."
        )));
    }
    let exists = shares::table
        .filter(shares::case_id.eq(case_id))
        .filter(shares::organisation_id.eq(new.organisation))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if exists {
        return Err(AppError::conflict(format!(
            "The case is already shared with {target_name}."
        )));
    }
    let profile = giveable(conn, v, &new.profile)?;
    let now = now_ms();
    let share_id = insert(
        conn,
        by,
        case_id,
        v.case.number,
        new.organisation,
        profile,
        false,
        new.task_rule,
        new.observable_rule,
        now,
        origin,
    )?;
    if new.task_rule.takes_existing() {
        let ids: Vec<i64> = task_shares::table
            .filter(task_shares::share_id.eq(v.share.id))
            .select(task_shares::task_id)
            .load(conn)?;
        for id in ids {
            diesel::insert_into(task_shares::table)
                .values((
                    task_shares::share_id.eq(share_id),
                    task_shares::task_id.eq(id),
                ))
                .execute(conn)?;
        }
    }
    if new.observable_rule.takes_existing() {
        let ids: Vec<i64> = observable_shares::table
            .filter(observable_shares::share_id.eq(v.share.id))
            .select(observable_shares::observable_id)
            .load(conn)?;
        for id in ids {
            diesel::insert_into(observable_shares::table)
                .values((
                    observable_shares::share_id.eq(share_id),
                    observable_shares::observable_id.eq(id),
                ))
                .execute(conn)?;
        }
    }
    audit_share(
        conn,
        by,
        case_id,
        new.organisation,
        &new.profile,
        why,
        share_id,
    )?;
    Ok(shares::table
        .find(share_id)
        .select(Share::as_select())
        .first(conn)?)
}

fn other_share(conn: &mut DbConn, by: &By, v: &Visible, share_id: i64) -> Result<Share, AppError> {
    v.require(by, CaseAction::Share)?;
    let s: Share = shares::table
        .filter(shares::id.eq(share_id))
        .filter(shares::case_id.eq(v.case.id))
        .select(Share::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("No such share."))?;
    if !may_touch_share(by.acting.organisation_id, s.organisation_id, s.owner) {
        return Err(AppError::forbidden(if s.owner {
            "The owner's share cannot be changed or removed."
        } else {
            "Your organisation's own share cannot be changed or removed by itself."
        }));
    }
    Ok(s)
}

/// Changes another organisation's share profile (never wider than one's own).
pub fn set_profile(
    conn: &mut DbConn,
    by: &By,
    case_id: i64,
    share_id: i64,
    profile: &str,
) -> Result<(), AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    let s = other_share(conn, by, &v, share_id)?;
    let profile_id = giveable(conn, &v, profile)?;
    diesel::update(shares::table.find(s.id))
        .set(shares::profile_id.eq(profile_id))
        .execute(conn)?;
    let name: String = organisations::table
        .find(s.organisation_id)
        .select(organisations::name)
        .first(conn)?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action: "updateShare",
            object_type: "Share",
            object_id: s.id.to_string(),
            details: serde_json::json!({ "case": case_id, "organisation": name, "profile": profile }),
        },
    )
}

/// What an unshare kept for the owner.
#[derive(Debug, Clone, Default)]
pub struct Unshared {
    pub kept_tasks: Vec<i64>,
    pub kept_observables: Vec<i64>,
}

/// Removes an organisation from the case and its items. Items that only the
/// removed organisation held are kept, attached to the owner's share.
pub fn unshare(
    conn: &mut DbConn,
    by: &By,
    case_id: i64,
    share_id: i64,
) -> Result<Unshared, AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    let s = other_share(conn, by, &v, share_id)?;
    let kept = remove_keeping_items(conn, &s)?;
    let name: String = organisations::table
        .find(s.organisation_id)
        .select(organisations::name)
        .first(conn)?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action: "unshareCase",
            object_type: "Share",
            object_id: s.id.to_string(),
            details: serde_json::json!({
                "case": case_id,
                "organisation": name,
                "keptTasks": kept.kept_tasks,
                "keptObservables": kept.kept_observables,
            }),
        },
    )?;
    Ok(kept)
}

/// Deletes a (non-owner) share; items only it held move to the owner share.
pub(crate) fn remove_keeping_items(conn: &mut DbConn, s: &Share) -> Result<Unshared, AppError> {
    let case_id = s.case_id;
    let owner_share: i64 = shares::table
        .filter(shares::case_id.eq(case_id))
        .filter(shares::owner.eq(true))
        .select(shares::id)
        .first(conn)?;
    let mut kept = Unshared::default();
    let tasks: Vec<i64> = task_shares::table
        .filter(task_shares::share_id.eq(s.id))
        .select(task_shares::task_id)
        .load(conn)?;
    for task in tasks {
        let holders: i64 = task_shares::table
            .filter(task_shares::task_id.eq(task))
            .count()
            .get_result(conn)?;
        if holders == 1 {
            diesel::insert_into(task_shares::table)
                .values((
                    task_shares::share_id.eq(owner_share),
                    task_shares::task_id.eq(task),
                ))
                .execute(conn)?;
            kept.kept_tasks.push(task);
        }
    }
    let observables: Vec<i64> = observable_shares::table
        .filter(observable_shares::share_id.eq(s.id))
        .select(observable_shares::observable_id)
        .load(conn)?;
    for obs in observables {
        let holders: i64 = observable_shares::table
            .filter(observable_shares::observable_id.eq(obs))
            .count()
            .get_result(conn)?;
        if holders == 1 {
            diesel::insert_into(observable_shares::table)
                .values((
                    observable_shares::share_id.eq(owner_share),
                    observable_shares::observable_id.eq(obs),
                ))
                .execute(conn)?;
            kept.kept_observables.push(obs);
        }
    }
    diesel::delete(shares::table.find(s.id)).execute(conn)?;
    Ok(kept)
}

/// Before an organisation is deleted: its received shares go, their items stay.
pub fn drop_received_shares(conn: &mut DbConn, org: i64) -> Result<(), AppError> {
    let received: Vec<Share> = shares::table
        .filter(shares::organisation_id.eq(org))
        .filter(shares::owner.eq(false))
        .select(Share::as_select())
        .load(conn)?;
    for s in received {
        remove_keeping_items(conn, &s)?;
    }
    Ok(())
}

/// How many cases `org` shares with `other` (the unlink warning).
pub fn count_shared_between(conn: &mut DbConn, org: i64, other: i64) -> Result<i64, AppError> {
    let a = diesel::alias!(shares as a);
    Ok(shares::table
        .inner_join(a.on(a.field(shares::case_id).eq(shares::case_id)))
        .filter(shares::organisation_id.eq(org))
        .filter(a.field(shares::organisation_id).eq(other))
        .count()
        .get_result(conn)?)
}

/// Who can see this case: each share with its members and their rights.
pub fn profile_of_share(conn: &mut DbConn, share: &Share) -> Result<Permissions, AppError> {
    profile_permissions(conn, share.profile_id)
}

/// The owner share's id, for callers that attach items.
pub fn owner_share(conn: &mut DbConn, case_id: i64) -> Result<i64, AppError> {
    Ok(shares::table
        .filter(shares::case_id.eq(case_id))
        .filter(shares::owner.eq(true))
        .select(shares::id)
        .first(conn)?)
}

/// One organisation's line on "Who can see this case".
pub struct AccessLine {
    pub organisation: String,
    pub profile: String,
    pub owner: bool,
    pub share_permissions: Permissions,
    /// (login, profile in the organisation, effective rights on the case)
    pub members: Vec<(String, String, Permissions)>,
}

/// Each organisation with access, its share profile, its members and their
/// effective rights on the case (their profile ∩ organisation kind ∩ share).
pub fn access_report(
    conn: &mut DbConn,
    by: &By,
    case_id: i64,
) -> Result<Vec<AccessLine>, AppError> {
    use crate::db::schema::{memberships, users};
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    let mut lines = Vec::new();
    for s in list_unchecked(conn, v.case.id)? {
        let share_permissions = profile_permissions(conn, s.share.profile_id)?;
        let members: Vec<(String, String, String)> = memberships::table
            .inner_join(users::table)
            .inner_join(profiles::table)
            .filter(memberships::organisation_id.eq(s.share.organisation_id))
            .filter(users::locked.eq(false))
            .order(users::login_key.asc())
            .select((users::login, profiles::name, profiles::permissions))
            .load(conn)?;
        let access = crate::domain::sharing::CaseAccess {
            share_profile: share_permissions,
            owner: s.share.owner,
        };
        lines.push(AccessLine {
            members: members
                .into_iter()
                .map(|(login, profile, perms)| {
                    let own = crate::domain::permissions::effective_permissions(
                        ProfileKind::Organisation,
                        Permissions::from_storage(&perms).unwrap_or_default(),
                    );
                    (
                        login,
                        profile,
                        crate::domain::sharing::case_rights(own, access),
                    )
                })
                .collect(),
            organisation: s.organisation,
            profile: s.profile,
            owner: s.share.owner,
            share_permissions,
        });
    }
    Ok(lines)
}

/// After an unlink, on request: removes the non-owner shares each of the two
/// organisations holds on cases the other has access to. Items are kept.
pub fn unshare_between(conn: &mut DbConn, by: &By, a: i64, b: i64) -> Result<usize, AppError> {
    if !by.acting.manages_organisations() {
        return Err(AppError::forbidden(
            "Unsharing between organisations needs manageOrganisation.",
        ));
    }
    let mut removed = 0;
    for (holder, other) in [(a, b), (b, a)] {
        let other_cases: Vec<i64> = shares::table
            .filter(shares::organisation_id.eq(other))
            .select(shares::case_id)
            .load(conn)?;
        let received: Vec<Share> = shares::table
            .filter(shares::organisation_id.eq(holder))
            .filter(shares::owner.eq(false))
            .filter(shares::case_id.eq_any(&other_cases))
            .select(Share::as_select())
            .load(conn)?;
        for s in received {
            let kept = remove_keeping_items(conn, &s)?;
            audit::record(
                conn,
                Audit {
                    actor: by.login,
                    organisation_id: Some(by.acting.organisation_id),
                    action: "unshareCase",
                    object_type: "Share",
                    object_id: s.id.to_string(),
                    details: serde_json::json!({
                        "case": s.case_id,
                        "organisation": holder,
                        "reason": "unlink",
                        "keptTasks": kept.kept_tasks,
                        "keptObservables": kept.kept_observables,
                    }),
                },
            )?;
            removed += 1;
        }
    }
    Ok(removed)
}
