//! Admin > Users: every platform user with their memberships, the account
//! actions, and adding a user to another organisation.

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
    pub organisations: Vec<(i64, String)>,
    pub profiles: Vec<String>,
    pub error: Option<String>,
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
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    require_platform(signed_in)?;
    let me = signed_in.actor.user.id;
    let (users, memberships, organisations, profiles) = read_as(state, signed_in, |conn, _| {
        use crate::db::admin as q;
        let profiles = q::all_profiles(conn)?
            .into_iter()
            .map(|p| p.name)
            .collect::<Vec<_>>();
        let orgs = q::all_organisations(conn)?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect::<Vec<_>>();
        Ok((
            q::all_users(conn)?,
            q::all_memberships(conn)?,
            orgs,
            profiles,
        ))
    })
    .await?;
    let users = users
        .into_iter()
        .map(|u| UserView {
            memberships: memberships
                .iter()
                .filter(|m| m.0 == u.id)
                .map(|m| format!("{}: {}", m.2, m.3))
                .collect(),
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
        },
    )
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, AppError> {
    users_page(&req, &state, &signed_in, None, StatusCode::OK).await
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
    let org: i64 = form
        .organisation
        .parse()
        .map_err(|_| AppError::bad_request("Choose an organisation."))?;
    let profile = form.profile.clone();
    let result = write_as(&state, &signed_in, move |conn, by| {
        let user = members::reachable_user(conn, by, uid)?;
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
                Some(e.message.clone()),
                status_of(&e),
            )
            .await
        }
        Err(e) => Err(e),
    }
}
