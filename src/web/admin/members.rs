//! Members of an organisation and account actions, for platform admins
//! (`/admin/organisations/{org}/members…`, `/admin/users/{uid}…`) and for org
//! admins in their active organisation (`/organisation/users…`). The same
//! handlers serve both: `MembersOrg` is the path's organisation or the active one.

use actix_web::http::StatusCode;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;

use super::organisations::{read_as, write_as};
use super::{is_form_error, is_htmx, see_other, status_of};
use crate::error::AppError;
use crate::service::members::{self, NewAccount};
use crate::startup::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::errors::safe_next;
use crate::web::extract::SignedIn;
use crate::web::templates::{format_time, render, Layout, SecretPage};

/// The organisation whose members a request manages: `{org}` in the path, or
/// the active organisation on `/organisation/users…`.
pub struct MembersOrg(pub i64);

impl FromRequest for MembersOrg {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let from_path = req.match_info().get("org").map(|s| s.parse::<i64>());
        let signed_in = SignedIn::from_request(req, payload);
        Box::pin(async move {
            match from_path {
                Some(Ok(id)) => Ok(MembersOrg(id)),
                Some(Err(_)) => Err(AppError::not_found("No such organisation.")),
                None => Ok(MembersOrg(signed_in.await?.active()?.id)),
            }
        })
    }
}

fn user_param(req: &HttpRequest) -> Result<i64, AppError> {
    req.match_info()
        .get("uid")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| AppError::not_found("No such user."))
}

pub struct MemberView {
    pub user_id: i64,
    pub login: String,
    pub name: String,
    pub profile: String,
    pub locked: bool,
    pub has_key: bool,
    pub joined: String,
    pub is_self: bool,
    /// Removing this membership deletes the account.
    pub last_membership: bool,
}

/// The Users tab of an organisation: members and the "Add user" forms.
pub struct MembersSection {
    pub organisation: String,
    /// Where membership actions post (`…/members` or `/organisation/users`).
    pub base: String,
    /// Where account actions post (`/admin/users` or `/organisation/users`).
    pub account_base: String,
    /// The page to come back to.
    pub back: String,
    pub members: Vec<MemberView>,
    pub profiles: Vec<String>,
    pub error: Option<String>,
    pub csrf: String,
}

pub async fn members_section(
    state: &AppState,
    signed_in: &SignedIn,
    org: i64,
    base: &str,
    account_base: &str,
    req: &HttpRequest,
) -> Result<MembersSection, AppError> {
    let me = signed_in.actor.user.id;
    let (organisation, rows, profiles, counts) = read_as(state, signed_in, move |conn, by| {
        let o = members::organisation(conn, by, org)?;
        let rows = members::list(conn, by, org)?;
        let profiles = members::assignable_profiles(conn, by, &o)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
        let counts = crate::db::admin::membership_counts(conn, &ids)?;
        let profiles = profiles.into_iter().map(|p| p.name).collect::<Vec<_>>();
        Ok((o.name, rows, profiles, counts))
    })
    .await?;
    Ok(MembersSection {
        organisation,
        base: base.to_string(),
        account_base: account_base.to_string(),
        back: crate::web::path_and_query(req),
        members: rows
            .into_iter()
            .map(|m| MemberView {
                is_self: m.user_id == me,
                last_membership: counts.iter().any(|c| c.0 == m.user_id && c.1 <= 1),
                user_id: m.user_id,
                login: m.login,
                name: m.name,
                profile: m.profile_name,
                locked: m.locked,
                has_key: m.has_key.is_some(),
                joined: format_time(m.joined_at),
            })
            .collect(),
        profiles,
        error: None,
        csrf: crate::web::csrf::token(&signed_in.session),
    })
}

#[derive(Template)]
#[template(path = "admin/members.html")]
pub struct MembersPage {
    pub layout: Layout,
    pub members: MembersSection,
}

async fn members_page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let org = signed_in.active()?.id;
    let mut section = members_section(
        state,
        signed_in,
        org,
        "/organisation/users",
        "/organisation/users",
        req,
    )
    .await?;
    section.error = error;
    section.back = "/organisation/users".into();
    render(
        status,
        &MembersPage {
            layout: signed_in.layout("Members", req),
            members: section,
        },
    )
}

/// `/organisation/users`: the active organisation's members, for its org admins.
pub async fn organisation_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, AppError> {
    members_page(&req, &state, &signed_in, None, StatusCode::OK).await
}

/// Re-shows the page a form came from with the error (org admins' page), or
/// sends the message as a flash to the admin page the form named.
async fn refuse(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    next: &str,
    e: AppError,
) -> Result<HttpResponse, AppError> {
    if !is_form_error(&e) {
        return Err(e);
    }
    let status = status_of(&e);
    if req.path().starts_with("/organisation/") {
        return members_page(req, state, signed_in, Some(e.message), status).await;
    }
    if let Some(org) = req.match_info().get("org").and_then(|s| s.parse().ok()) {
        return super::organisations::detail_page(
            req,
            state,
            signed_in,
            org,
            super::organisations::Tab::Users,
            Some(e.message),
            status,
        )
        .await;
    }
    let _ = next;
    super::users::users_page(
        req,
        state,
        signed_in,
        Default::default(),
        Some(e.message),
        status,
    )
    .await
}

fn next_or(next: &Option<String>, req: &HttpRequest) -> String {
    match next {
        Some(n) => safe_next(Some(n)),
        None if req.path().starts_with("/organisation/") => "/organisation/users".into(),
        None => "/admin/users".into(),
    }
}

/// Runs a membership or account action as the signed-in manager. On success
/// the message `f` returns is shown on the `next` page; a refused form re-shows
/// the page it came from with the reason.
async fn act<F>(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    next: &str,
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
            Ok(see_other(next))
        }
        Err(e) => refuse(req, state, signed_in, next, e).await,
    }
}

fn check_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < 8 {
        return Err(AppError::bad_request(
            "The password needs at least 8 characters.",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct AddExisting {
    #[serde(default)]
    login: String,
    #[serde(default)]
    profile: String,
    next: Option<String>,
}

pub async fn add_existing(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    org: MembersOrg,
    form: CsrfForm<AddExisting>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm(form) = form;
    let next = next_or(&form.next, &req);
    act(&req, &state, &signed_in, &next, move |conn, by| {
        let user = members::add_existing(conn, by, org.0, &form.login, &form.profile)?;
        Ok(format!(
            "{} added with profile {}.",
            user.login, form.profile
        ))
    })
    .await
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    profile: String,
    next: Option<String>,
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    org: MembersOrg,
    form: CsrfForm<CreateForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm(form) = form;
    let next = next_or(&form.next, &req);
    let hash = match form.password.as_str() {
        "" => None,
        p => match check_password(p) {
            Ok(()) => Some(state.hasher.hash(p.to_string()).await?),
            Err(e) => return refuse(&req, &state, &signed_in, &next, e).await,
        },
    };
    act(&req, &state, &signed_in, &next, move |conn, by| {
        let account = NewAccount {
            login: &form.login,
            name: &form.name,
            email: &form.email,
            password_hash: hash.as_deref(),
        };
        let user = members::create(conn, by, org.0, &account, &form.profile)?;
        Ok(format!(
            "User {} created with profile {}.",
            user.login, form.profile
        ))
    })
    .await
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    profile: String,
    next: Option<String>,
}

pub async fn change_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    org: MembersOrg,
    form: CsrfForm<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    let uid = user_param(&req)?;
    let CsrfForm(form) = form;
    let next = next_or(&form.next, &req);
    if is_htmx(&req) {
        // The inline select: 204 on success, the error fragment otherwise.
        write_as(&state, &signed_in, move |conn, by| {
            members::change_profile(conn, by, org.0, uid, &form.profile)
        })
        .await?;
        return Ok(HttpResponse::NoContent().finish());
    }
    act(&req, &state, &signed_in, &next, move |conn, by| {
        members::change_profile(conn, by, org.0, uid, &form.profile)?;
        Ok(format!("Profile changed to {}.", form.profile))
    })
    .await
}

#[derive(Deserialize)]
pub struct NextOnly {
    next: Option<String>,
}

pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    org: MembersOrg,
    form: CsrfForm<NextOnly>,
) -> Result<HttpResponse, AppError> {
    let uid = user_param(&req)?;
    let next = next_or(&form.0.next, &req);
    act(&req, &state, &signed_in, &next, move |conn, by| {
        Ok(if members::remove(conn, by, org.0, uid)? {
            "Member removed; it was their last organisation, so the account was deleted.".into()
        } else {
            "Member removed.".into()
        })
    })
    .await
}

#[derive(Deserialize)]
pub struct LockForm {
    locked: String,
    next: Option<String>,
}

pub async fn lock(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    org: MembersOrg,
    form: CsrfForm<LockForm>,
) -> Result<HttpResponse, AppError> {
    let uid = user_param(&req)?;
    let CsrfForm(form) = form;
    let next = next_or(&form.next, &req);
    let locked = match form.locked.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::bad_request("locked must be true or false.")),
    };
    act(&req, &state, &signed_in, &next, move |conn, by| {
        members::set_locked(conn, by, org.0, uid, locked)?;
        Ok(if locked {
            "User locked; their sessions were ended."
        } else {
            "User unlocked."
        }
        .into())
    })
    .await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn set_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    org: MembersOrg,
    form: CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let uid = user_param(&req)?;
    let CsrfForm(form) = form;
    let next = next_or(&form.next, &req);
    if let Err(e) = check_password(&form.password) {
        return refuse(&req, &state, &signed_in, &next, e).await;
    }
    // Check reach before spending a hash.
    read_as(&state, &signed_in, move |conn, by| {
        members::reachable_user(conn, by, uid)
    })
    .await?;
    let hash = state.hasher.hash(form.password).await?;
    act(&req, &state, &signed_in, &next, move |conn, by| {
        members::set_password(conn, by, org.0, uid, Some(&hash))?;
        Ok("Password set; the user's other sessions were ended.".into())
    })
    .await
}

pub async fn kill_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    org: MembersOrg,
    form: CsrfForm<NextOnly>,
) -> Result<HttpResponse, AppError> {
    let uid = user_param(&req)?;
    let next = next_or(&form.0.next, &req);
    act(&req, &state, &signed_in, &next, move |conn, by| {
        Ok(format!(
            "{} session(s) ended.",
            members::kill_sessions(conn, by, org.0, uid)?
        ))
    })
    .await
}

pub async fn renew_key(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    org: MembersOrg,
    form: CsrfForm<NextOnly>,
) -> Result<HttpResponse, AppError> {
    let uid = user_param(&req)?;
    let next = next_or(&form.0.next, &req);
    let (login, key) = write_as(&state, &signed_in, move |conn, by| {
        let key = members::renew_api_key(conn, by, org.0, uid)?;
        let user = members::reachable_user(conn, by, uid)?;
        Ok((user.login, key))
    })
    .await?;
    render(
        StatusCode::OK,
        &SecretPage {
            layout: signed_in.layout("API key", &req),
            heading: format!("API key of {login}"),
            explanation: "Scripts send it as Authorization: Bearer <key>. Any previous key of this user no longer works.".into(),
            secret: key,
            back: next,
        },
    )
}

pub async fn revoke_key(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    org: MembersOrg,
    form: CsrfForm<NextOnly>,
) -> Result<HttpResponse, AppError> {
    let uid = user_param(&req)?;
    let next = next_or(&form.0.next, &req);
    act(&req, &state, &signed_in, &next, move |conn, by| {
        members::revoke_api_key(conn, by, org.0, uid)?;
        Ok("API key revoked.".into())
    })
    .await
}

/// Login suggestions for "Add user" (htmx fills a `<datalist>`).
#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    login: String,
}

#[derive(Template)]
#[template(path = "admin/_login_options.html")]
pub struct LoginOptions {
    pub logins: Vec<String>,
}

pub async fn search_users(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let prefix = query.into_inner().login;
    let logins = read_as(&state, &signed_in, move |conn, by| {
        // Suggestions list every login: platform administrators only.
        if by.acting.member_scope() != Some(crate::domain::policy::MemberScope::Platform) {
            return Err(AppError::forbidden(
                "Searching users needs manageUser in the admin organisation.",
            ));
        }
        if prefix.trim().chars().count() < 2 {
            return Ok(vec![]);
        }
        Ok(
            crate::db::admin::users_with_login_prefix(conn, &prefix, 10)?
                .into_iter()
                .map(|u| u.login)
                .collect(),
        )
    })
    .await?;
    render(StatusCode::OK, &LoginOptions { logins })
}
