//! Admin > Profiles: list, create and edit with permission checkboxes grouped
//! by scope, delete when unused. `admin` and `org-admin` are read-only.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::organisations::{read_as, write_as};
use super::{is_form_error, see_other, status_of};
use crate::domain::permissions::{Permission, ProfileKind};
use crate::error::AppError;
use crate::service::profiles;
use crate::startup::AppState;
use crate::web::csrf::CsrfForm;
use crate::web::extract::SignedIn;
use crate::web::templates::{render, Layout};

pub struct ProfileView {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub permissions: Vec<&'static str>,
    pub editable: bool,
    pub in_use: i64,
}

/// A permission checkbox.
pub struct PermissionBox {
    pub name: &'static str,
    pub checked: bool,
}

/// The create/edit form, re-shown with its error.
pub struct ProfileForm {
    pub id: Option<i64>,
    pub name: String,
    pub kind: &'static str,
    pub organisation: Vec<PermissionBox>,
    pub admin: Vec<PermissionBox>,
    pub error: Option<String>,
}

impl ProfileForm {
    fn new(
        id: Option<i64>,
        name: String,
        kind: &'static str,
        checked: &[String],
        error: Option<String>,
    ) -> Self {
        let boxes = |k: ProfileKind| {
            Permission::ALL
                .iter()
                .filter(|p| p.scopes().contains(&k))
                .map(|p| PermissionBox {
                    name: p.as_str(),
                    checked: checked.iter().any(|c| c == p.as_str()),
                })
                .collect()
        };
        ProfileForm {
            id,
            name,
            kind,
            organisation: boxes(ProfileKind::Organisation),
            admin: boxes(ProfileKind::Admin),
            error,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/profiles.html")]
pub struct ProfilesPage {
    pub layout: Layout,
    pub csrf: String,
    pub profiles: Vec<ProfileView>,
    pub form: ProfileForm,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "admin/profile_edit.html")]
pub struct ProfileEditPage {
    pub layout: Layout,
    pub csrf: String,
    pub form: ProfileForm,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    form: Option<ProfileForm>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let rows = read_as(state, signed_in, profiles::list).await?;
    let open = form.is_some();
    render(
        status,
        &ProfilesPage {
            layout: signed_in.layout("Profiles", req),
            csrf: crate::web::csrf::token(&signed_in.session),
            profiles: rows
                .into_iter()
                .map(|r| ProfileView {
                    id: r.profile.id,
                    name: r.profile.name,
                    kind: r.kind.as_str(),
                    permissions: r.permissions.iter().map(|p| p.as_str()).collect(),
                    editable: r.profile.editable,
                    in_use: r.in_use,
                })
                .collect(),
            form: form.unwrap_or_else(|| {
                ProfileForm::new(None, String::new(), "organisation", &[], None)
            }),
            open,
        },
    )
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, AppError> {
    page(&req, &state, &signed_in, None, StatusCode::OK).await
}

/// Form fields: `name`, `kind`, and one `permissions` entry per ticked box.
fn fields(form: &[(String, String)]) -> (String, String, Vec<String>) {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let perms = form
        .iter()
        .filter(|(n, _)| n == "permissions")
        .map(|(_, v)| v.clone())
        .collect();
    (get("name"), get("kind"), perms)
}

fn kind_str(kind: &str) -> &'static str {
    if kind == "admin" {
        "admin"
    } else {
        "organisation"
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let (name, kind, perms) = fields(&form.0);
    let (n, k, p) = (name.clone(), kind.clone(), perms.clone());
    match write_as(&state, &signed_in, move |conn, by| {
        profiles::create(conn, by, &n, &k, &p)
    })
    .await
    {
        Ok(profile) => {
            signed_in.flash(format!("Profile {} created.", profile.name));
            Ok(see_other("/admin/profiles"))
        }
        Err(e) if is_form_error(&e) => {
            let form =
                ProfileForm::new(None, name, kind_str(&kind), &perms, Some(e.message.clone()));
            page(&req, &state, &signed_in, Some(form), status_of(&e)).await
        }
        Err(e) => Err(e),
    }
}

pub async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let row = read_as(&state, &signed_in, move |conn, by| {
        profiles::list(conn, by)?
            .into_iter()
            .find(|r| r.profile.id == id)
            .ok_or_else(|| AppError::not_found("No such profile."))
    })
    .await?;
    let checked: Vec<String> = row
        .permissions
        .iter()
        .map(|p| p.as_str().to_string())
        .collect();
    let form = ProfileForm::new(
        Some(id),
        row.profile.name.clone(),
        row.kind.as_str(),
        &checked,
        None,
    );
    if !row.profile.editable {
        return Err(AppError::forbidden(format!(
            "The built-in profile \"{}\" cannot be changed.",
            row.profile.name
        )));
    }
    render(
        StatusCode::OK,
        &ProfileEditPage {
            layout: signed_in.layout(format!("Profile {}", row.profile.name), &req),
            csrf: crate::web::csrf::token(&signed_in.session),
            form,
        },
    )
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (name, kind, perms) = fields(&form.0);
    let (n, p) = (name.clone(), perms.clone());
    match write_as(&state, &signed_in, move |conn, by| {
        profiles::update(conn, by, id, &n, &p)
    })
    .await
    {
        Ok(profile) => {
            signed_in.flash(format!("Profile {} saved.", profile.name));
            Ok(see_other("/admin/profiles"))
        }
        Err(e) if is_form_error(&e) => render(
            status_of(&e),
            &ProfileEditPage {
                layout: signed_in.layout("Profile", &req),
                csrf: crate::web::csrf::token(&signed_in.session),
                form: ProfileForm::new(Some(id), name, kind_str(&kind), &perms, Some(e.message)),
            },
        ),
        Err(e) => Err(e),
    }
}

pub async fn delete(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    _form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    write_as(&state, &signed_in, move |conn, by| {
        profiles::delete(conn, by, id)
    })
    .await?;
    signed_in.flash("Profile deleted.");
    Ok(see_other("/admin/profiles"))
}
