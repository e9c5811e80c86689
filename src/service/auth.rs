//! Signing in (with rate limits) and loading the signed-in actor with the
//! active organisation re-validated against the memberships on every request.

use std::net::IpAddr;
use std::time::Duration;

use crate::db::models::{MembershipView, User};
use crate::db::{now_ms, queries, Db, DbConn};
use crate::domain::names::{name_key, ADMIN_ORGANISATION};
use crate::domain::permissions::{effective_permissions, Permission, Permissions, ProfileKind};
use crate::error::{AppError, ErrorKind};
use crate::service::audit::{self, Audit};
use crate::service::passwords::PasswordHasherPool;

/// Failed sign-ins allowed per login and per client address in a window.
#[derive(Debug, Clone, Copy)]
pub struct SignInLimits {
    pub per_login: u32,
    pub per_address: u32,
    pub window: Duration,
}

pub const WRONG_CREDENTIALS: &str = "Wrong login or password.";

fn login_subject(login_key: &str) -> String {
    format!("login:{login_key}")
}

fn address_subject(address: Option<IpAddr>) -> String {
    address.map_or_else(|| "address:unknown".to_string(), |a| format!("address:{a}"))
}

/// Checks a login and password. Errors: `TooManyRequests` when the login or
/// the address has too many recent failures (checked before any hashing),
/// `Unauthenticated` for a wrong login or password (same answer, same cost,
/// for an unknown login), `Forbidden` for a locked account.
pub async fn sign_in(
    db: &Db,
    hasher: &PasswordHasherPool,
    limits: SignInLimits,
    login: &str,
    password: &str,
    address: Option<IpAddr>,
) -> Result<User, AppError> {
    let key = name_key(login);
    let login_subject = login_subject(&key);
    let address_subject = address_subject(address);
    let window_ms = limits.window.as_millis() as i64;
    let (user, blocked) = {
        let (login_subject, address_subject, key) =
            (login_subject.clone(), address_subject.clone(), key.clone());
        db.run(move |conn| {
            let since = now_ms() - window_ms;
            let blocked = queries::recent_failures(conn, &login_subject, since)?
                >= limits.per_login as i32
                || queries::recent_failures(conn, &address_subject, since)?
                    >= limits.per_address as i32;
            Ok((queries::user_by_login_key(conn, &key)?, blocked))
        })
        .await?
    };
    if blocked {
        tracing::warn!(login = %key, address = %address_subject, "sign-in refused: too many failed attempts");
        return Err(AppError::new(
            ErrorKind::TooManyRequests,
            format!(
                "Too many failed sign-in attempts. Wait {} minutes and try again.",
                limits.window.as_secs().div_ceil(60)
            ),
        ));
    }
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let valid = hasher.verify(password.to_string(), hash).await?;
    match user {
        Some(user) if valid && !user.locked => {
            let (subject, actor, id) = (login_subject, user.login.clone(), user.id);
            db.write(move |conn| {
                queries::clear_failures(conn, &subject)?;
                audit::record(
                    conn,
                    Audit {
                        actor: &actor,
                        organisation_id: None,
                        action: "login",
                        object_type: "User",
                        object_id: id.to_string(),
                        details: serde_json::json!({}),
                    },
                )
            })
            .await?;
            tracing::info!(login = %user.login, "signed in");
            Ok(user)
        }
        Some(user) if valid => {
            tracing::warn!(login = %user.login, "sign-in refused: account locked");
            Err(AppError::forbidden(
                "This account is locked. Ask an administrator to unlock it.",
            ))
        }
        _ => {
            db.write(move |conn| {
                let now = now_ms();
                queries::record_failure(conn, &login_subject, now, now - window_ms)?;
                queries::record_failure(conn, &address_subject, now, now - window_ms)?;
                Ok(())
            })
            .await?;
            tracing::warn!(login = %key, address = ?address, "sign-in failed: wrong login or password");
            Err(AppError::unauthenticated(WRONG_CREDENTIALS))
        }
    }
}

/// Writes the audit record of a sign-out.
pub async fn record_sign_out(db: &Db, user_id: i64) -> Result<(), AppError> {
    db.write(move |conn| {
        let Some(user) = queries::user_by_id(conn, user_id)? else {
            return Ok(());
        };
        audit::record(
            conn,
            Audit {
                actor: &user.login,
                organisation_id: None,
                action: "logout",
                object_type: "User",
                object_id: user_id.to_string(),
                details: serde_json::json!({}),
            },
        )
    })
    .await
}

/// The organisation a request acts in, with the member's rights there.
#[derive(Debug, Clone)]
pub struct ActiveOrganisation {
    pub id: i64,
    pub name: String,
    pub kind: ProfileKind,
    pub profile: String,
    /// Effective permissions: the organisation kind's scope ∩ the profile.
    pub permissions: Permissions,
}

impl ActiveOrganisation {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }

    /// The actor as the administration policy sees it.
    pub fn acting(&self) -> crate::domain::policy::Acting {
        crate::domain::policy::Acting {
            organisation_id: self.id,
            kind: self.kind,
            permissions: self.permissions,
        }
    }
}

/// The signed-in user as of this request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    /// Unlocked organisations the user belongs to, by name.
    pub organisations: Vec<MembershipView>,
    /// `None` when the user has no membership of an unlocked organisation.
    pub active: Option<ActiveOrganisation>,
}

/// Loads the user and picks the active organisation: the requested one if the
/// user is still a member and it is unlocked, else the default organisation,
/// else the first. `None` when the user no longer exists or is locked.
pub fn load_actor(
    conn: &mut DbConn,
    user_id: i64,
    wanted: Option<i64>,
) -> Result<Option<Actor>, AppError> {
    let Some(user) = queries::user_by_id(conn, user_id)? else {
        return Ok(None);
    };
    if user.locked {
        return Ok(None);
    }
    let organisations: Vec<MembershipView> = queries::memberships_of_user(conn, user_id)?
        .into_iter()
        .filter(|m| !m.organisation_locked)
        .collect();
    let pick =
        |id: Option<i64>| id.and_then(|id| organisations.iter().find(|m| m.organisation_id == id));
    let active = pick(wanted)
        .or_else(|| pick(user.default_organisation_id))
        .or_else(|| organisations.first())
        .map(active_from)
        .transpose()?;
    Ok(Some(Actor {
        user,
        organisations,
        active,
    }))
}

fn active_from(m: &MembershipView) -> Result<ActiveOrganisation, AppError> {
    let kind = if name_key(&m.organisation_name) == ADMIN_ORGANISATION {
        ProfileKind::Admin
    } else {
        ProfileKind::Organisation
    };
    let profile = Permissions::from_storage(&m.profile_permissions)
        .map_err(|e| AppError::internal(format!("profile {}: {e}", m.profile_name)))?;
    Ok(ActiveOrganisation {
        id: m.organisation_id,
        name: m.organisation_name.clone(),
        kind,
        profile: m.profile_name.clone(),
        permissions: effective_permissions(kind, profile),
    })
}
