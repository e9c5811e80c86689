//! `/api/v1/profile…` (platform admins with manageProfile).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::ApiActor;
use super::v1::{parse_id, parse_json};
use crate::db::models::Profile;
use crate::domain::permissions::{Permission, Permissions, ProfileKind};
use crate::error::AppError;
use crate::service::profiles;
use crate::startup::AppState;

/// A profile in TheHive's shape; permissions sorted by name.
pub fn profile_json(p: &Profile) -> Value {
    let mut permissions: Vec<&str> = Permissions::from_storage(&p.permissions)
        .unwrap_or_default()
        .iter()
        .map(Permission::as_str)
        .collect();
    permissions.sort_unstable();
    let admin = p.kind == ProfileKind::Admin.as_str();
    let mut m = super::v1::meta(
        "Profile",
        p.id,
        &p.created_by,
        p.created_at,
        &p.updated_by,
        p.updated_at,
    );
    m.insert("name".into(), json!(p.name));
    m.insert("permissions".into(), json!(permissions));
    m.insert("editable".into(), json!(p.editable));
    m.insert("isAdmin".into(), json!(admin));
    m.insert("forAdmin".into(), json!(admin));
    m.insert("forOrg".into(), json!(!admin));
    // TheHive counts a licence for profiles that may change something.
    m.insert(
        "consumesLicense".into(),
        json!(permissions.iter().any(|p| p.starts_with("manage"))),
    );
    Value::Object(m)
}

/// Admin-only permissions make an admin profile; anything else is an
/// organisation profile.
fn kind_of(names: &[String]) -> &'static str {
    let admin_only = [
        Permission::ManageOrganisation,
        Permission::ManageProfile,
        Permission::ManagePlatform,
    ];
    let perms = Permissions::parse_names(names.iter().map(String::as_str)).unwrap_or_default();
    if admin_only.iter().any(|p| perms.contains(*p)) {
        ProfileKind::Admin.as_str()
    } else {
        ProfileKind::Organisation.as_str()
    }
}

fn require(api: &ApiActor) -> Result<(), AppError> {
    if api.active().acting().manages_profiles() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Managing profiles needs manageProfile in the admin organisation.",
        ))
    }
}

#[derive(Deserialize)]
pub struct NewProfile {
    name: String,
    #[serde(default)]
    permissions: Vec<String>,
}

pub async fn create(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    require(&api)?;
    let body: NewProfile = parse_json(&body)?;
    let p = api
        .call(&state, true, move |conn, by| {
            profiles::create(
                conn,
                by,
                &body.name,
                kind_of(&body.permissions),
                &body.permissions,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(profile_json(&p)))
}

fn find(conn: &mut crate::db::DbConn, key: &str) -> Result<Profile, AppError> {
    match parse_id(key) {
        Some(id) => crate::db::admin::profile_by_id(conn, id)?,
        None => crate::db::queries::profile_by_name(conn, key)?,
    }
    .ok_or_else(|| AppError::not_found("No such profile."))
}

pub async fn get(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = path.into_inner();
    let p = api
        .call(&state, false, move |conn, _| find(conn, &key))
        .await?;
    Ok(HttpResponse::Ok().json(profile_json(&p)))
}

#[derive(Deserialize)]
pub struct ProfilePatch {
    name: Option<String>,
    permissions: Option<Vec<String>>,
}

pub async fn update(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    require(&api)?;
    let key = path.into_inner();
    let patch: ProfilePatch = parse_json(&body)?;
    api.call(&state, true, move |conn, by| {
        let p = find(conn, &key)?;
        let current: Vec<String> = Permissions::from_storage(&p.permissions)
            .unwrap_or_default()
            .iter()
            .map(|x| x.as_str().to_string())
            .collect();
        profiles::update(
            conn,
            by,
            p.id,
            patch.name.as_deref().unwrap_or(&p.name),
            patch.permissions.as_deref().unwrap_or(&current),
        )
        .map(drop)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn delete(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require(&api)?;
    let key = path.into_inner();
    api.call(&state, true, move |conn, by| {
        let p = find(conn, &key)?;
        profiles::delete(conn, by, p.id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
