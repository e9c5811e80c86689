//! Profiles (platform admins with `manageProfile`). `admin` and `org-admin`
//! are read-only; a profile in use cannot be deleted.

use crate::db::admin as q;
use crate::db::models::{NewProfile, Profile};
use crate::db::{now_ms, queries, DbConn};
use crate::domain::permissions::{Permissions, ProfileKind};
use crate::error::AppError;
use crate::service::audit::{self, Audit};
use crate::service::By;

fn require(by: &By) -> Result<(), AppError> {
    if by.acting.manages_profiles() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Managing profiles needs manageProfile in the admin organisation.",
        ))
    }
}

/// A profile with how many memberships use it.
pub struct ProfileRow {
    pub profile: Profile,
    pub kind: ProfileKind,
    pub permissions: Permissions,
    pub in_use: i64,
}

pub fn list(conn: &mut DbConn, by: &By) -> Result<Vec<ProfileRow>, AppError> {
    require(by)?;
    q::all_profiles(conn)?
        .into_iter()
        .map(|p| {
            Ok(ProfileRow {
                kind: ProfileKind::parse(&p.kind).unwrap_or(ProfileKind::Organisation),
                permissions: Permissions::from_storage(&p.permissions)
                    .map_err(|e| AppError::internal(e.to_string()))?,
                in_use: q::count_members_with_profile(conn, p.id)?
                    + q::count_shares_with_profile(conn, p.id)?,
                profile: p,
            })
        })
        .collect()
}

fn validate(
    name: &str,
    kind: ProfileKind,
    permissions: &[String],
) -> Result<(String, Permissions), AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.contains('/') {
        return Err(AppError::bad_request(
            "The name is required: 1 to 64 characters, no \"/\".",
        ));
    }
    let perms = Permissions::parse_names(permissions.iter().map(String::as_str))
        .map_err(|e| AppError::bad_request(format!("{e}.")))?;
    if perms.intersect(kind.scope()) != perms {
        return Err(AppError::bad_request(format!(
            "An {} profile cannot hold: {}.",
            kind.as_str(),
            perms
                .iter()
                .filter(|p| !kind.scope().contains(*p))
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok((name.to_string(), perms))
}

pub fn create(
    conn: &mut DbConn,
    by: &By,
    name: &str,
    kind: &str,
    permissions: &[String],
) -> Result<Profile, AppError> {
    require(by)?;
    let kind = ProfileKind::parse(kind)
        .ok_or_else(|| AppError::bad_request("Choose the kind: admin or organisation."))?;
    let (name, perms) = validate(name, kind, permissions)?;
    if queries::profile_by_name(conn, &name)?.is_some() {
        return Err(AppError::conflict(format!(
            "A profile named \"{name}\" already exists."
        )));
    }
    let profile = queries::insert_profile(
        conn,
        &NewProfile {
            name: &name,
            kind: kind.as_str(),
            permissions: &perms.to_storage(),
            editable: true,
            created_by: by.login,
            created_at: now_ms(),
        },
    )?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action: "create",
            object_type: "Profile",
            object_id: profile.id.to_string(),
            details: serde_json::json!({ "name": name, "kind": kind.as_str(), "permissions": perms.to_storage() }),
        },
    )?;
    Ok(profile)
}

fn editable(conn: &mut DbConn, id: i64) -> Result<Profile, AppError> {
    let p = q::profile_by_id(conn, id)?.ok_or_else(|| AppError::not_found("No such profile."))?;
    if !p.editable {
        return Err(AppError::forbidden(format!(
            "The built-in profile \"{}\" cannot be changed.",
            p.name
        )));
    }
    Ok(p)
}

pub fn update(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    name: &str,
    permissions: &[String],
) -> Result<Profile, AppError> {
    require(by)?;
    let before = editable(conn, id)?;
    let kind = ProfileKind::parse(&before.kind).unwrap_or(ProfileKind::Organisation);
    let (name, perms) = validate(name, kind, permissions)?;
    if let Some(other) = queries::profile_by_name(conn, &name)? {
        if other.id != id {
            return Err(AppError::conflict(format!(
                "A profile named \"{name}\" already exists."
            )));
        }
    }
    q::update_profile(conn, id, &name, &perms.to_storage(), by.login, now_ms())?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action: "update",
            object_type: "Profile",
            object_id: id.to_string(),
            details: serde_json::json!({ "name": [before.name, name], "permissions": [before.permissions, perms.to_storage()] }),
        },
    )?;
    q::profile_by_id(conn, id)?.ok_or_else(|| AppError::not_found("No such profile."))
}

pub fn delete(conn: &mut DbConn, by: &By, id: i64) -> Result<(), AppError> {
    require(by)?;
    let p = editable(conn, id)?;
    let members = q::count_members_with_profile(conn, id)?;
    let shares = q::count_shares_with_profile(conn, id)?;
    let rules: i64 = {
        use crate::db::schema::auto_share_rules;
        use diesel::prelude::*;
        auto_share_rules::table
            .filter(auto_share_rules::profile_id.eq(id))
            .count()
            .get_result(conn)?
    };
    if members + shares + rules > 0 {
        return Err(AppError::conflict(format!(
            "The profile \"{}\" is used by {members} membership(s), {shares} case share(s) and {rules} auto-share rule(s); change them first.",
            p.name
        )));
    }
    q::delete_profile(conn, id)?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action: "delete",
            object_type: "Profile",
            object_id: id.to_string(),
            details: serde_json::json!({ "name": p.name }),
        },
    )
}
