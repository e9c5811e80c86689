//! Members of organisations and the accounts behind them. Platform admins
//! (`manageUser` in `admin`) reach everyone; org admins (`manageUser` in an
//! organisation) reach their organisation's members, never a member of
//! `admin`, and never grant more than they hold.

use crate::db::admin::{self as q, MemberRow};
use crate::db::models::{NewMembership, NewUser, Organisation, Profile, User};
use crate::db::{now_ms, queries, DbConn};
use crate::domain::names::{Login, ADMIN_ORGANISATION};
use crate::domain::permissions::{Permissions, ProfileKind};
use crate::domain::policy::MemberScope;
use crate::error::AppError;
use crate::service::audit::{self, Audit};
use crate::service::organisations::is_admin_organisation;
use crate::service::By;

fn scope(by: &By) -> Result<MemberScope, AppError> {
    by.acting
        .member_scope()
        .ok_or_else(|| AppError::forbidden("Managing users needs the manageUser permission."))
}

/// The organisation whose members are managed; 404 outside the manager's reach.
pub fn organisation(conn: &mut DbConn, by: &By, org_id: i64) -> Result<Organisation, AppError> {
    let scope = scope(by)?;
    if !scope.covers_organisation(org_id) {
        return Err(AppError::not_found("No such organisation."));
    }
    q::organisation_by_id(conn, org_id)?.ok_or_else(|| AppError::not_found("No such organisation."))
}

pub fn list(conn: &mut DbConn, by: &By, org_id: i64) -> Result<Vec<MemberRow>, AppError> {
    organisation(conn, by, org_id)?;
    Ok(q::members_of(conn, org_id)?)
}

/// The profiles that may be given in `org`: admin-kind ones in `admin`,
/// organisation-kind ones elsewhere, and for org admins only those within
/// their own permissions.
pub fn assignable_profiles(
    conn: &mut DbConn,
    by: &By,
    org: &Organisation,
) -> Result<Vec<Profile>, AppError> {
    let scope = scope(by)?;
    let kind = if is_admin_organisation(org) {
        ProfileKind::Admin
    } else {
        ProfileKind::Organisation
    };
    Ok(q::all_profiles(conn)?
        .into_iter()
        .filter(|p| ProfileKind::parse(&p.kind) == Some(kind))
        .filter(|p| {
            Permissions::from_storage(&p.permissions)
                .is_ok_and(|perms| scope.may_grant(by.permissions(), perms))
        })
        .collect())
}

fn pick_profile(
    conn: &mut DbConn,
    by: &By,
    org: &Organisation,
    name: &str,
) -> Result<Profile, AppError> {
    let all = assignable_profiles(conn, by, org)?;
    if let Some(p) = all.into_iter().find(|p| p.name == name) {
        return Ok(p);
    }
    match queries::profile_by_name(conn, name)? {
        None => Err(AppError::bad_request(format!(
            "Unknown profile \"{name}\"."
        ))),
        Some(p) if p.kind == ProfileKind::Admin.as_str() && !is_admin_organisation(org) => {
            Err(AppError::bad_request(format!(
                "The profile \"{name}\" is for the admin organisation only."
            )))
        }
        Some(p) if p.kind == ProfileKind::Organisation.as_str() && is_admin_organisation(org) => {
            Err(AppError::bad_request(format!(
                "The admin organisation takes admin profiles only, not \"{name}\"."
            )))
        }
        Some(_) => Err(AppError::forbidden(format!(
            "You cannot give the profile \"{name}\": it has permissions you do not hold."
        ))),
    }
}

/// The user `user_id` if the manager may act on their account (404 otherwise).
pub fn reachable_user(conn: &mut DbConn, by: &By, user_id: i64) -> Result<User, AppError> {
    let scope = scope(by)?;
    let user =
        queries::user_by_id(conn, user_id)?.ok_or_else(|| AppError::not_found("No such user."))?;
    let orgs = q::organisation_ids_of_user(conn, user_id)?;
    let admin_org = queries::organisation_by_key(conn, ADMIN_ORGANISATION)?.map(|o| o.id);
    let platform_member = admin_org.is_some_and(|a| orgs.contains(&a));
    if !scope.covers_user(&orgs, platform_member) {
        return Err(AppError::not_found("No such user."));
    }
    Ok(user)
}

fn record(
    conn: &mut DbConn,
    by: &By,
    org: Option<i64>,
    action: &str,
    user: &User,
    details: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: org,
            action,
            object_type: "User",
            object_id: user.id.to_string(),
            details: {
                let mut d = details;
                d["login"] = serde_json::json!(user.login);
                d
            },
        },
    )
}

/// Adds an existing user (by login) to the organisation with a profile.
pub fn add_existing(
    conn: &mut DbConn,
    by: &By,
    org_id: i64,
    login: &str,
    profile: &str,
) -> Result<User, AppError> {
    let org = organisation(conn, by, org_id)?;
    let profile = pick_profile(conn, by, &org, profile)?;
    let key = crate::domain::names::name_key(login);
    let user = queries::user_by_login_key(conn, &key)?.ok_or_else(|| {
        AppError::bad_request(format!("No user has the login \"{}\".", login.trim()))
    })?;
    if q::membership_profile(conn, user.id, org_id)?.is_some() {
        return Err(AppError::conflict(format!(
            "{} is already a member of {}.",
            user.login, org.name
        )));
    }
    join(conn, by, &org, &user, &profile)?;
    Ok(user)
}

fn join(
    conn: &mut DbConn,
    by: &By,
    org: &Organisation,
    user: &User,
    profile: &Profile,
) -> Result<(), AppError> {
    queries::insert_membership(
        conn,
        &NewMembership {
            user_id: user.id,
            organisation_id: org.id,
            profile_id: profile.id,
            created_by: by.login,
            created_at: now_ms(),
        },
    )?;
    if user.default_organisation_id.is_none() {
        q::set_default_organisation(conn, user.id, Some(org.id))?;
    }
    record(
        conn,
        by,
        Some(org.id),
        "addMember",
        user,
        serde_json::json!({ "organisation": org.name, "profile": profile.name }),
    )
}

/// What a new account is made of.
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    /// Already hashed (hashing happens outside the transaction).
    pub password_hash: Option<&'a str>,
}

/// Creates a user and makes them a member of the organisation.
pub fn create(
    conn: &mut DbConn,
    by: &By,
    org_id: i64,
    account: &NewAccount,
    profile: &str,
) -> Result<User, AppError> {
    let org = organisation(conn, by, org_id)?;
    let profile = pick_profile(conn, by, &org, profile)?;
    let login = Login::parse(account.login).map_err(AppError::bad_request)?;
    let name = account.name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(AppError::bad_request(
            "The name is required (at most 128 characters).",
        ));
    }
    let email = account.email.trim();
    if !email.is_empty() && (!email.contains('@') || email.chars().count() > 254) {
        return Err(AppError::bad_request("The e-mail address is not valid."));
    }
    if queries::user_by_login_key(conn, &login.key())?.is_some() {
        return Err(AppError::conflict(format!(
            "The login {login} is already taken; add the existing user instead."
        )));
    }
    let user = queries::insert_user(
        conn,
        &NewUser {
            login: login.as_str(),
            login_key: &login.key(),
            name,
            email: (!email.is_empty()).then_some(email),
            password_hash: account.password_hash,
            default_organisation_id: None,
            created_by: by.login,
            created_at: now_ms(),
        },
    )?;
    record(
        conn,
        by,
        Some(org.id),
        "create",
        &user,
        serde_json::json!({ "name": user.name }),
    )?;
    join(conn, by, &org, &user, &profile)?;
    Ok(queries::user_by_id(conn, user.id)?.unwrap_or(user))
}

pub fn change_profile(
    conn: &mut DbConn,
    by: &By,
    org_id: i64,
    user_id: i64,
    profile: &str,
) -> Result<(), AppError> {
    let org = organisation(conn, by, org_id)?;
    let user = reachable_user(conn, by, user_id)?;
    let current = q::membership_profile(conn, user_id, org_id)?
        .ok_or_else(|| AppError::not_found("No such member."))?;
    if let Some(p) = q::profile_by_id(conn, current)? {
        let perms = Permissions::from_storage(&p.permissions).unwrap_or_default();
        if !scope(by)?.may_grant(by.permissions(), perms) {
            return Err(AppError::forbidden(
                "This member's profile has permissions you do not hold.",
            ));
        }
    }
    let profile = pick_profile(conn, by, &org, profile)?;
    if profile.id == current {
        return Ok(());
    }
    if by.user_id == user_id && is_admin_organisation(&org) {
        return Err(AppError::forbidden(
            "You cannot change your own profile in the admin organisation.",
        ));
    }
    q::set_membership_profile(conn, user_id, org_id, profile.id)?;
    record(
        conn,
        by,
        Some(org_id),
        "updateMember",
        &user,
        serde_json::json!({ "organisation": org.name, "profile": profile.name }),
    )
}

/// Whether removing the membership would delete the account.
pub fn is_last_membership(conn: &mut DbConn, user_id: i64) -> Result<bool, AppError> {
    Ok(q::organisation_ids_of_user(conn, user_id)?.len() <= 1)
}

/// Removes a member; when it was their last organisation the account is
/// deleted too (as TheHive does). Returns true when the account went.
pub fn remove(conn: &mut DbConn, by: &By, org_id: i64, user_id: i64) -> Result<bool, AppError> {
    let org = organisation(conn, by, org_id)?;
    let user = reachable_user(conn, by, user_id)?;
    if user.id == by.user_id {
        return Err(AppError::forbidden("You cannot remove yourself."));
    }
    if q::membership_profile(conn, user_id, org_id)?.is_none() {
        return Err(AppError::not_found("No such member."));
    }
    let last = is_last_membership(conn, user_id)?;
    queries::delete_membership(conn, user_id, org_id)?;
    record(
        conn,
        by,
        Some(org_id),
        "removeMember",
        &user,
        serde_json::json!({ "organisation": org.name }),
    )?;
    if last {
        queries::delete_sessions_of_user(conn, user_id)?;
        q::delete_user(conn, user_id)?;
        record(
            conn,
            by,
            Some(org_id),
            "delete",
            &user,
            serde_json::json!({ "reason": "last membership removed" }),
        )?;
    } else if user.default_organisation_id == Some(org_id) {
        let next = q::organisation_ids_of_user(conn, user_id)?.first().copied();
        q::set_default_organisation(conn, user_id, next)?;
    }
    Ok(last)
}

pub fn set_locked(
    conn: &mut DbConn,
    by: &By,
    context_org: i64,
    user_id: i64,
    locked: bool,
) -> Result<(), AppError> {
    let user = reachable_user(conn, by, user_id)?;
    if user.id == by.user_id {
        return Err(AppError::forbidden("You cannot lock yourself."));
    }
    queries::set_user_locked(conn, user_id, locked, by.login, now_ms())?;
    if locked {
        queries::delete_sessions_of_user(conn, user_id)?;
    }
    record(
        conn,
        by,
        Some(context_org),
        if locked { "lock" } else { "unlock" },
        &user,
        serde_json::json!({}),
    )
}

/// Sets (or with `None` removes) the password and ends the user's sessions.
pub fn set_password(
    conn: &mut DbConn,
    by: &By,
    context_org: i64,
    user_id: i64,
    hash: Option<&str>,
) -> Result<(), AppError> {
    let user = reachable_user(conn, by, user_id)?;
    q::set_password_hash(conn, user_id, hash, by.login, now_ms())?;
    if user.id != by.user_id {
        queries::delete_sessions_of_user(conn, user_id)?;
    }
    record(
        conn,
        by,
        Some(context_org),
        "setPassword",
        &user,
        serde_json::json!({}),
    )
}

pub fn kill_sessions(
    conn: &mut DbConn,
    by: &By,
    context_org: i64,
    user_id: i64,
) -> Result<usize, AppError> {
    let user = reachable_user(conn, by, user_id)?;
    let n = queries::delete_sessions_of_user(conn, user_id)?;
    record(
        conn,
        by,
        Some(context_org),
        "killSessions",
        &user,
        serde_json::json!({ "sessions": n }),
    )?;
    Ok(n)
}

/// A new random API key; only its SHA-256 is stored. Returned once.
pub fn renew_api_key(
    conn: &mut DbConn,
    by: &By,
    context_org: i64,
    user_id: i64,
) -> Result<String, AppError> {
    let user = reachable_user(conn, by, user_id)?;
    let key = crate::service::api_keys::generate();
    q::set_api_key_hash(
        conn,
        user_id,
        Some(&crate::service::api_keys::digest(&key)),
        by.login,
        now_ms(),
    )?;
    record(
        conn,
        by,
        Some(context_org),
        "renewApiKey",
        &user,
        serde_json::json!({}),
    )?;
    Ok(key)
}

pub fn revoke_api_key(
    conn: &mut DbConn,
    by: &By,
    context_org: i64,
    user_id: i64,
) -> Result<(), AppError> {
    let user = reachable_user(conn, by, user_id)?;
    q::set_api_key_hash(conn, user_id, None, by.login, now_ms())?;
    record(
        conn,
        by,
        Some(context_org),
        "removeApiKey",
        &user,
        serde_json::json!({}),
    )
}

/// One wanted membership of `set_organisations`.
pub struct WantedMembership {
    pub organisation: String,
    pub profile: String,
    pub default: bool,
}

/// Makes the user's memberships exactly `wanted` (TheHive's `PUT
/// /user/{id}/organisations`), platform admins only. Organisations are named
/// by name or id; the account is kept even when the list is empty.
pub fn set_organisations(
    conn: &mut DbConn,
    by: &By,
    user_id: i64,
    wanted: &[WantedMembership],
) -> Result<Vec<(String, String, bool)>, AppError> {
    if by.acting.member_scope() != Some(MemberScope::Platform) {
        return Err(AppError::forbidden(
            "Setting a user's organisations needs manageUser in the admin organisation.",
        ));
    }
    let user = reachable_user(conn, by, user_id)?;
    let mut resolved = Vec::new();
    for w in wanted {
        let key = w.organisation.trim();
        let org = match key.trim_start_matches('~').parse::<i64>().ok() {
            Some(id) => q::organisation_by_id(conn, id)?,
            None => None,
        }
        .map(Some)
        .unwrap_or(queries::organisation_by_key(
            conn,
            &crate::domain::names::name_key(key),
        )?)
        .ok_or_else(|| AppError::bad_request(format!("Unknown organisation \"{key}\".")))?;
        let profile = pick_profile(conn, by, &org, &w.profile)?;
        resolved.push((org, profile, w.default));
    }
    let current = q::organisation_ids_of_user(conn, user_id)?;
    for org_id in &current {
        if !resolved.iter().any(|(o, _, _)| o.id == *org_id) {
            queries::delete_membership(conn, user_id, *org_id)?;
            record(
                conn,
                by,
                Some(*org_id),
                "removeMember",
                &user,
                serde_json::json!({}),
            )?;
        }
    }
    for (org, profile, _) in &resolved {
        match q::membership_profile(conn, user_id, org.id)? {
            None => join(conn, by, org, &user, profile)?,
            Some(p) if p != profile.id => {
                q::set_membership_profile(conn, user_id, org.id, profile.id)?;
                record(
                    conn,
                    by,
                    Some(org.id),
                    "updateMember",
                    &user,
                    serde_json::json!({ "organisation": org.name, "profile": profile.name }),
                )?;
            }
            Some(_) => {}
        }
    }
    let default = resolved
        .iter()
        .find(|(_, _, d)| *d)
        .or_else(|| {
            resolved
                .iter()
                .find(|(o, _, _)| Some(o.id) == user.default_organisation_id)
        })
        .or(resolved.first())
        .map(|(o, _, _)| o.id);
    q::set_default_organisation(conn, user_id, default)?;
    Ok(resolved
        .into_iter()
        .map(|(o, p, _)| (o.name, p.name, Some(o.id) == default))
        .collect())
}

/// Changes a reachable user's name and e-mail.
pub fn update_account(
    conn: &mut DbConn,
    by: &By,
    context_org: i64,
    user_id: i64,
    name: Option<&str>,
    email: Option<&str>,
) -> Result<(), AppError> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    let user = reachable_user(conn, by, user_id)?;
    let name = match name {
        Some(n) if n.trim().is_empty() || n.trim().chars().count() > 128 => {
            return Err(AppError::bad_request(
                "The name is required (at most 128 characters).",
            ))
        }
        Some(n) => n.trim().to_string(),
        None => user.name.clone(),
    };
    let email = match email {
        Some(e) if !e.trim().is_empty() && !e.contains('@') => {
            return Err(AppError::bad_request("The e-mail address is not valid."))
        }
        Some(e) if e.trim().is_empty() => None,
        Some(e) => Some(e.trim().to_string()),
        None => user.email.clone(),
    };
    diesel::update(users::table.find(user_id))
        .set((
            users::name.eq(&name),
            users::email.eq(&email),
            users::updated_by.eq(by.login),
            users::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    record(
        conn,
        by,
        Some(context_org),
        "update",
        &user,
        serde_json::json!({ "name": name }),
    )
}

/// Deletes an account outright (platform admins; never oneself).
pub fn delete_account(
    conn: &mut DbConn,
    by: &By,
    context_org: i64,
    user_id: i64,
) -> Result<(), AppError> {
    let user = reachable_user(conn, by, user_id)?;
    if by.acting.member_scope() != Some(MemberScope::Platform) {
        return Err(AppError::forbidden(
            "Deleting an account needs manageUser in the admin organisation.",
        ));
    }
    if user.id == by.user_id {
        return Err(AppError::forbidden("You cannot delete yourself."));
    }
    queries::delete_sessions_of_user(conn, user_id)?;
    q::delete_user(conn, user_id)?;
    record(
        conn,
        by,
        Some(context_org),
        "delete",
        &user,
        serde_json::json!({}),
    )
}

/// A user the caller may read: any user for platform admins, else members of
/// the active organisation. 404 otherwise.
pub fn readable_user(conn: &mut DbConn, by: &By, user_id: i64) -> Result<User, AppError> {
    let user =
        queries::user_by_id(conn, user_id)?.ok_or_else(|| AppError::not_found("No such user."))?;
    if by.acting.member_scope() == Some(MemberScope::Platform)
        || q::organisation_ids_of_user(conn, user_id)?.contains(&by.acting.organisation_id)
    {
        Ok(user)
    } else {
        Err(AppError::not_found("No such user."))
    }
}
