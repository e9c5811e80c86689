//! First start: the `admin` organisation, the built-in profiles, the first
//! platform administrator and the instance's cookie key. Later starts leave
//! existing data alone.

use base64::Engine;

use crate::db::models::{NewMembership, NewOrganisation, NewProfile, NewUser, Organisation};
use crate::db::{now_ms, queries, write, DbConn};
use crate::domain::names::{Login, OrganisationName, ADMIN_ORGANISATION};
use crate::domain::permissions::{builtin_profiles, ADMIN_PROFILE};
use crate::error::AppError;
use crate::service::audit::{self, Audit};
use crate::service::passwords;

pub const SYSTEM_ACTOR: &str = "system@tenantry.local";
pub const DEFAULT_ADMIN_LOGIN: &str = "admin@tenantry.local";
const COOKIE_KEY_SETTING: &str = "cookie_key";

/// What the first start did, for the one-time message on the console.
#[derive(Debug, Default)]
pub struct Bootstrap {
    /// The first admin's login when it was created now.
    pub created_admin: Option<String>,
    /// The generated password when none was configured; printed once.
    pub generated_password: Option<String>,
    /// 64 bytes signing and encrypting the session cookie, shared by every
    /// instance through the database.
    pub cookie_key: Vec<u8>,
}

/// Creates what is missing. `admin_password` of `None` generates one.
pub fn ensure_initial_data(
    conn: &mut DbConn,
    admin_login: &str,
    admin_password: Option<&str>,
) -> Result<Bootstrap, AppError> {
    let login = Login::parse(admin_login).map_err(AppError::bad_request)?;
    // Hash before the transaction: hashing is slow and needs no lock.
    let needs_admin = queries::count_users(conn)? == 0;
    let (password, generated) = match admin_password {
        Some(p) => (p.to_string(), None),
        None => {
            let p = passwords::generate_password();
            (p.clone(), Some(p))
        }
    };
    let hash = if needs_admin {
        Some(passwords::hash_now(&password)?)
    } else {
        None
    };

    write(conn, |conn| {
        let now = now_ms();
        let admin_org = ensure_admin_organisation(conn, now)?;
        for builtin in builtin_profiles() {
            if queries::profile_by_name(conn, builtin.name)?.is_none() {
                let perms = builtin.permissions.to_storage();
                let profile = queries::insert_profile(
                    conn,
                    &NewProfile {
                        name: builtin.name,
                        kind: builtin.kind.as_str(),
                        permissions: &perms,
                        editable: builtin.editable,
                        created_by: SYSTEM_ACTOR,
                        created_at: now,
                    },
                )?;
                audit::record(
                    conn,
                    Audit {
                        actor: SYSTEM_ACTOR,
                        organisation_id: None,
                        action: "create",
                        object_type: "Profile",
                        object_id: profile.id.to_string(),
                        details: serde_json::json!({ "name": builtin.name }),
                    },
                )?;
            }
        }
        let mut report = Bootstrap::default();
        if let (true, Some(hash)) = (queries::count_users(conn)? == 0, hash.as_deref()) {
            create_admin_user(
                conn,
                &login,
                "Administrator",
                hash,
                admin_org.id,
                SYSTEM_ACTOR,
            )?;
            report.created_admin = Some(login.to_string());
            report.generated_password = generated;
        }
        report.cookie_key = match queries::get_setting(conn, COOKIE_KEY_SETTING)? {
            Some(encoded) => base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| AppError::internal(format!("stored cookie key is invalid: {e}")))?,
            None => {
                let key: Vec<u8> = (0..64).map(|_| rand::random::<u8>()).collect();
                let encoded = base64::engine::general_purpose::STANDARD.encode(&key);
                queries::insert_setting(conn, COOKIE_KEY_SETTING, &encoded)?;
                key
            }
        };
        Ok(report)
    })
}

fn ensure_admin_organisation(conn: &mut DbConn, now: i64) -> Result<Organisation, AppError> {
    let name = OrganisationName::parse(ADMIN_ORGANISATION).map_err(AppError::internal)?;
    if let Some(org) = queries::organisation_by_key(conn, &name.key())? {
        return Ok(org);
    }
    let org = queries::insert_organisation(
        conn,
        &NewOrganisation {
            name: name.as_str(),
            name_key: &name.key(),
            description: "Platform administrators",
            created_by: SYSTEM_ACTOR,
            created_at: now,
        },
    )?;
    audit::record(
        conn,
        Audit {
            actor: SYSTEM_ACTOR,
            organisation_id: Some(org.id),
            action: "create",
            object_type: "Organisation",
            object_id: org.id.to_string(),
            details: serde_json::json!({ "name": org.name }),
        },
    )?;
    Ok(org)
}

/// Creates a platform administrator: a member of `admin` with profile `admin`.
pub fn create_admin_user(
    conn: &mut DbConn,
    login: &Login,
    name: &str,
    password_hash: &str,
    admin_org_id: i64,
    actor: &str,
) -> Result<i64, AppError> {
    let now = now_ms();
    if queries::user_by_login_key(conn, &login.key())?.is_some() {
        return Err(AppError::conflict(format!(
            "The login {login} is already taken."
        )));
    }
    let profile = queries::profile_by_name(conn, ADMIN_PROFILE)?
        .ok_or_else(|| AppError::internal("the admin profile is missing"))?;
    let user = queries::insert_user(
        conn,
        &NewUser {
            login: login.as_str(),
            login_key: &login.key(),
            name,
            email: Some(login.as_str()),
            password_hash: Some(password_hash),
            default_organisation_id: Some(admin_org_id),
            created_by: actor,
            created_at: now,
        },
    )?;
    queries::insert_membership(
        conn,
        &NewMembership {
            user_id: user.id,
            organisation_id: admin_org_id,
            profile_id: profile.id,
            created_by: actor,
            created_at: now,
        },
    )?;
    audit::record(
        conn,
        Audit {
            actor,
            organisation_id: Some(admin_org_id),
            action: "create",
            object_type: "User",
            object_id: user.id.to_string(),
            details: serde_json::json!({ "login": user.login, "profile": ADMIN_PROFILE }),
        },
    )?;
    Ok(user.id)
}

/// `tenantry create-admin`: another platform administrator.
pub fn add_admin(conn: &mut DbConn, login: &str, password_hash: &str) -> Result<(), AppError> {
    let login = Login::parse(login).map_err(AppError::bad_request)?;
    write(conn, |conn| {
        let org = queries::organisation_by_key(conn, ADMIN_ORGANISATION)?.ok_or_else(|| {
            AppError::internal("the admin organisation is missing; run migrate first")
        })?;
        create_admin_user(
            conn,
            &login,
            "Administrator",
            password_hash,
            org.id,
            SYSTEM_ACTOR,
        )
        .map(drop)
    })
}
