//! Admin > Users: the platform's users by login, a page at a time (a
//! platform can have thousands of users and of organisations), with their
//! memberships, the account actions, and adding a user to another
//! organisation.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::organisations::{read_as, write_as};
use super::{is_form_error, see_other, status_of};
use crate::domain::policy::MemberScope;
use crate::error::AppError;
use crate::service::members;
use crate::startup::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::SignedIn;
use crate::web::templates::{render, Layout};

pub struct UserView {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub locked: bool,
    pub has_key: bool,
    pub has_password: bool,
    pub memberships: Vec<String>,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub csrf: String,
    pub users: Vec<UserView>,
    /// Organisation names, listed once for every user's "Add to
    /// organisation" field.
    pub organisations: Vec<String>,
    pub profiles: Vec<String>,
    pub error: Option<String>,
    pub q: String,
    pub next_url: Option<String>,
    pub first_url: Option<String>,
}

/// Users per page.
const PAGE: i64 = 50;

/// Which users: a login prefix and the login key the page starts after.
#[derive(Deserialize, Default)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

fn users_url(q: &str, after: Option<&str>) -> String {
    let mut pairs = vec![("q", q)];
    if let Some(a) = after {
        pairs.push(("after", a));
    }
    format!(
        "/admin/users?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

fn require_platform(signed_in: &SignedIn) -> Result<(), AppError> {
    match signed_in.by()?.acting.member_scope() {
        Some(MemberScope::Platform) => Ok(()),
        _ => Err(AppError::forbidden(
            "Admin > Users needs manageUser in the admin organisation.",
        )),
    }
}

pub async fn users_page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    query: UsersQuery,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    require_platform(signed_in)?;
    let me = signed_in.actor.user.id;
    let (q, after) = (query.q.clone(), query.after.clone());
    let (mut users, memberships, organisations, profiles) =
        read_as(state, signed_in, move |conn, _| {
            use crate::db::admin as db;
            let profiles = db::all_profiles(conn)?
                .into_iter()
                .map(|p| p.name)
                .collect::<Vec<_>>();
            let orgs = db::all_organisations(conn)?
                .into_iter()
                .map(|o| o.name)
                .collect::<Vec<_>>();
            let users = db::users_by_login(conn, &q, after.as_deref(), PAGE + 1)?;
            let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
            Ok((
                users,
                crate::db::queries::memberships_of_users(conn, &ids)?,
                orgs,
                profiles,
            ))
        })
        .await?;
    let next_url = (users.len() as i64 > PAGE).then(|| {
        users.truncate(PAGE as usize);
        users_url(&query.q, users.last().map(|u| u.login_key.as_str()))
    });
    let mut of_user: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for (user, m) in memberships {
        of_user
            .entry(user)
            .or_default()
            .push(format!("{}: {}", m.organisation_name, m.profile_name));
    }
    let users = users
        .into_iter()
        .map(|u| UserView {
            memberships: of_user.remove(&u.id).unwrap_or_default(),
            is_self: u.id == me,
            id: u.id,
            login: u.login,
            name: u.name,
            locked: u.locked,
            has_key: u.api_key_hash.is_some(),
            has_password: u.password_hash.is_some(),
        })
        .collect();
    render(
        status,
        &UsersPage {
            layout: signed_in.layout("Users", req),
            csrf: crate::web::csrf::token(&signed_in.session),
            users,
            organisations,
            profiles,
            error,
            first_url: query.after.is_some().then(|| users_url(&query.q, None)),
            next_url,
            q: query.q,
        },
    )
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, AppError> {
    users_page(
        &req,
        &state,
        &signed_in,
        query.into_inner(),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct AddMembership {
    organisation: String,
    #[serde(default)]
    profile: String,
}

/// Adds the user to another organisation with a profile.
pub async fn add_membership(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<AddMembership>,
) -> Result<HttpResponse, AppError> {
    require_platform(&signed_in)?;
    let uid = path.into_inner();
    let CsrfForm(form) = form;
    let organisation = form.organisation.trim().to_string();
    let profile = form.profile.clone();
    let result = write_as(&state, &signed_in, move |conn, by| {
        let user = members::reachable_user(conn, by, uid)?;
        // The organisation's name (what the field offers) or its id.
        if organisation.is_empty() {
            return Err(AppError::bad_request("Choose an organisation."));
        }
        let key = crate::domain::names::name_key(&organisation);
        let org = match crate::db::queries::organisation_by_key(conn, &key)? {
            Some(o) => o.id,
            None => organisation.parse().map_err(|_| {
                AppError::bad_request(format!("No organisation is named \"{organisation}\"."))
            })?,
        };
        members::add_existing(conn, by, org, &user.login, &profile)
    })
    .await;
    match result {
        Ok(user) => {
            signed_in.flash(format!(
                "{} added with profile {}.",
                user.login, form.profile
            ));
            Ok(see_other("/admin/users"))
        }
        Err(e) if is_form_error(&e) => {
            users_page(
                &req,
                &state,
                &signed_in,
                UsersQuery::default(),
                Some(e.message.clone()),
                status_of(&e),
            )
            .await
        }
        Err(e) => Err(e),
    }
}
