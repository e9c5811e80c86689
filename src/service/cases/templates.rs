//! Case templates of the active organisation (`manageCaseTemplate`).

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::items::NewTask;
use super::require_case_holder;
use crate::db::models::CaseTemplate;
use crate::db::schema::case_templates;
use crate::db::{now_ms, DbConn};
use crate::domain::permissions::Permission;
use crate::error::AppError;
use crate::service::audit::{self, Audit};
use crate::service::tags::{self, Kind};
use crate::service::By;

/// A task of a template as stored (JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TemplateTask {
    pub title: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub description: String,
}

pub fn tasks_of(t: &CaseTemplate) -> Vec<NewTask> {
    serde_json::from_str::<Vec<TemplateTask>>(&t.tasks)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, t)| NewTask {
            title: t.title,
            group: Some(t.group),
            description: Some(t.description),
            order: Some(i as i32),
            ..NewTask::default()
        })
        .collect()
}

pub fn list(conn: &mut DbConn, by: &By) -> Result<Vec<CaseTemplate>, AppError> {
    Ok(case_templates::table
        .filter(case_templates::organisation_id.eq(by.acting.organisation_id))
        .order(case_templates::name.asc())
        .select(CaseTemplate::as_select())
        .load(conn)?)
}

/// A template of the active organisation by id or name; 404 otherwise.
pub fn find(conn: &mut DbConn, by: &By, id_or_name: &str) -> Result<CaseTemplate, AppError> {
    let org = by.acting.organisation_id;
    let id = id_or_name
        .trim()
        .trim_start_matches('~')
        .parse::<i64>()
        .ok();
    let mut q = case_templates::table
        .filter(case_templates::organisation_id.eq(org))
        .into_boxed();
    q = match id {
        Some(id) => q.filter(
            case_templates::id
                .eq(id)
                .or(case_templates::name.eq(id_or_name.trim().to_string())),
        ),
        None => q.filter(case_templates::name.eq(id_or_name.trim().to_string())),
    };
    q.select(CaseTemplate::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("No case template \"{}\".", id_or_name.trim())))
}

#[derive(Debug, Clone, Default)]
pub struct TemplateInput {
    pub name: String,
    pub title_prefix: String,
    pub description: String,
    pub severity: i32,
    pub tags: Vec<String>,
    pub tasks: Vec<TemplateTask>,
}

fn require(by: &By) -> Result<(), AppError> {
    require_case_holder(by)?;
    if !by.permissions().contains(Permission::ManageCaseTemplate) {
        return Err(AppError::forbidden(
            "Managing case templates needs manageCaseTemplate.",
        ));
    }
    Ok(())
}

fn validate(input: &TemplateInput) -> Result<(String, String), AppError> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(AppError::bad_request(
            "The name is required (at most 128 characters).",
        ));
    }
    if !(1..=4).contains(&input.severity) {
        return Err(AppError::bad_request("severity must be between 1 and 4."));
    }
    if input.tasks.iter().any(|t| t.title.trim().is_empty()) {
        return Err(AppError::bad_request(
            "Every task of a template needs a title.",
        ));
    }
    let tasks =
        serde_json::to_string(&input.tasks).map_err(|e| AppError::internal(e.to_string()))?;
    Ok((name.to_string(), tasks))
}

pub fn create(conn: &mut DbConn, by: &By, input: &TemplateInput) -> Result<CaseTemplate, AppError> {
    require(by)?;
    let (name, tasks) = validate(input)?;
    let org = by.acting.organisation_id;
    if find(conn, by, &name).is_ok() {
        return Err(AppError::conflict(format!(
            "A case template named \"{name}\" already exists."
        )));
    }
    diesel::insert_into(case_templates::table)
        .values((
            case_templates::organisation_id.eq(org),
            case_templates::name.eq(&name),
            case_templates::title_prefix.eq(input.title_prefix.trim()),
            case_templates::description.eq(input.description.trim()),
            case_templates::severity.eq(input.severity),
            case_templates::tasks.eq(&tasks),
            case_templates::created_by.eq(by.login),
            case_templates::created_at.eq(now_ms()),
        ))
        .execute(conn)?;
    let t = find(conn, by, &name)?;
    tags::replace(conn, by, Kind::Template, t.id, &input.tags)?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(org),
            action: "createCaseTemplate",
            object_type: "CaseTemplate",
            object_id: t.id.to_string(),
            details: serde_json::json!({ "name": name }),
        },
    )?;
    Ok(t)
}

pub fn update(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    input: &TemplateInput,
) -> Result<CaseTemplate, AppError> {
    require(by)?;
    let current = find(conn, by, &id.to_string())?;
    let (name, tasks) = validate(input)?;
    if let Ok(other) = find(conn, by, &name) {
        if other.id != current.id {
            return Err(AppError::conflict(format!(
                "A case template named \"{name}\" already exists."
            )));
        }
    }
    diesel::update(case_templates::table.find(current.id))
        .set((
            case_templates::name.eq(&name),
            case_templates::title_prefix.eq(input.title_prefix.trim()),
            case_templates::description.eq(input.description.trim()),
            case_templates::severity.eq(input.severity),
            case_templates::tasks.eq(&tasks),
            case_templates::updated_by.eq(by.login),
            case_templates::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action: "updateCaseTemplate",
            object_type: "CaseTemplate",
            object_id: current.id.to_string(),
            details: serde_json::json!({ "name": name }),
        },
    )?;
    tags::replace(conn, by, Kind::Template, current.id, &input.tags)?;
    find(conn, by, &current.id.to_string())
}

pub fn delete(conn: &mut DbConn, by: &By, id: i64) -> Result<(), AppError> {
    require(by)?;
    let current = find(conn, by, &id.to_string())?;
    diesel::delete(case_templates::table.find(current.id)).execute(conn)?;
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action: "deleteCaseTemplate",
            object_type: "CaseTemplate",
            object_id: current.id.to_string(),
            details: serde_json::json!({ "name": current.name }),
        },
    )
}
