//! `/api/v1/autoShareRule`: the active organisation's auto-share rules
//! (Tenantry's own; TheHive has none).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::ApiActor;
use super::v1::{parse_id, parse_json};
use crate::error::AppError;
use crate::service::auto_share::{self, RuleInput, RuleView};
use crate::startup::AppState;

pub fn rule_json(v: &RuleView) -> Value {
    let r = &v.rule;
    let mut m = super::v1::meta(
        "AutoShareRule",
        r.id,
        &r.created_by,
        r.created_at,
        &r.updated_by,
        r.updated_at,
    );
    let aliases: serde_json::Map<String, Value> = auto_share::parse_aliases(&r.aliases)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, json!(v)))
        .collect();
    m.insert("pattern".into(), json!(r.pattern));
    m.insert("aliases".into(), Value::Object(aliases));
    m.insert("profile".into(), json!(v.profile));
    m.insert("taskRule".into(), json!(r.task_rule));
    m.insert("observableRule".into(), json!(r.observable_rule));
    m.insert("unshareOnRemove".into(), json!(r.unshare_on_remove));
    m.insert("enabled".into(), json!(r.enabled));
    if let Some(o) = &r.last_outcome {
        m.insert("lastOutcome".into(), json!(o));
    }
    if let Some(at) = r.last_outcome_at {
        m.insert("lastOutcomeAt".into(), json!(at));
    }
    Value::Object(m)
}

fn rule_id(key: &str) -> Result<i64, AppError> {
    parse_id(key).ok_or_else(|| AppError::not_found("No such auto-share rule."))
}

pub async fn list(state: web::Data<AppState>, api: ApiActor) -> Result<HttpResponse, AppError> {
    let out = api
        .call(&state, false, |conn, by| {
            Ok(auto_share::list(conn, by)?
                .iter()
                .map(rule_json)
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InputRule {
    pattern: String,
    #[serde(default)]
    aliases: std::collections::BTreeMap<String, String>,
    profile: String,
    task_rule: Option<String>,
    observable_rule: Option<String>,
    #[serde(default)]
    unshare_on_remove: bool,
}

pub async fn create(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let out = api
        .call(&state, true, move |conn, by| {
            auto_share::list(conn, by)?;
            let i: InputRule = parse_json(&body)?;
            let input = RuleInput {
                pattern: i.pattern,
                aliases: i
                    .aliases
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                profile: i.profile,
                task_rule: i.task_rule.unwrap_or_else(|| "manual".into()),
                observable_rule: i.observable_rule.unwrap_or_else(|| "manual".into()),
                unshare_on_remove: i.unshare_on_remove,
            };
            Ok(rule_json(&auto_share::create(conn, by, &input)?))
        })
        .await?;
    Ok(HttpResponse::Created().json(out))
}

pub async fn get(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = rule_id(&path)?;
    let out = api
        .call(&state, false, move |conn, by| {
            Ok(rule_json(&auto_share::get(conn, by, id)?))
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRule {
    enabled: bool,
}

/// `PATCH /api/v1/autoShareRule/{id}` `{"enabled": bool}`.
pub async fn update(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = rule_id(&path)?;
    let out = api
        .call(&state, true, move |conn, by| {
            auto_share::get(conn, by, id)?;
            let u: UpdateRule = parse_json(&body)?;
            Ok(rule_json(&auto_share::set_enabled(
                conn, by, id, u.enabled,
            )?))
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

pub async fn delete(
    state: web::Data<AppState>,
    api: ApiActor,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = rule_id(&path)?;
    api.call(&state, true, move |conn, by| {
        auto_share::delete(conn, by, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
