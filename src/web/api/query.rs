//! `POST /api/v1/query` — the TheHive query pipeline. This first version
//! serves the small, admin-facing collections (`listOrganisation`,
//! `getOrganisation`, `links`) by filtering the rendered objects; the large
//! ones (cases and their items) will compile to SQL.

use std::cmp::Ordering;

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::auth::ApiActor;
use super::v1::{organisation_json, parse_id, parse_json};
use crate::error::AppError;
use crate::startup::AppState;

fn bad(message: impl Into<String>) -> AppError {
    AppError::bad_request(message)
}

fn field<'a>(object: &'a Value, name: &str) -> &'a Value {
    object.get(name).unwrap_or(&Value::Null)
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn operand<'a>(spec: &'a Value, op: &str) -> Result<(&'a str, &'a Value), AppError> {
    let f = spec
        .get("_field")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(format!("{op} needs _field")))?;
    Ok((f, spec.get("_value").unwrap_or(&Value::Null)))
}

/// Evaluates one filter expression against a rendered object.
pub fn matches(filter: &Value, object: &Value) -> Result<bool, AppError> {
    let map = filter
        .as_object()
        .ok_or_else(|| bad("A filter is an object."))?;
    for (op, spec) in map {
        if op == "_name" {
            continue;
        }
        let ok = match op.as_str() {
            "_and" => spec
                .as_array()
                .ok_or_else(|| bad("_and takes a list"))?
                .iter()
                .map(|f| matches(f, object))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .all(|b| b),
            "_or" => spec
                .as_array()
                .ok_or_else(|| bad("_or takes a list"))?
                .iter()
                .map(|f| matches(f, object))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .any(|b| b),
            "_not" => !matches(spec, object)?,
            "_eq" | "_is" => {
                let (f, v) = operand(spec, op)?;
                field(object, f) == v
                    || (f == "_id" && parse_id(&text(v)) == parse_id(&text(field(object, "_id"))))
            }
            "_ne" => {
                let (f, v) = operand(spec, op)?;
                field(object, f) != v
            }
            "_lt" | "_gt" | "_lte" | "_gte" => {
                let (f, v) = operand(spec, op)?;
                match compare(field(object, f), v) {
                    Some(o) => match op.as_str() {
                        "_lt" => o == Ordering::Less,
                        "_gt" => o == Ordering::Greater,
                        "_lte" => o != Ordering::Greater,
                        _ => o != Ordering::Less,
                    },
                    None => false,
                }
            }
            "_in" => {
                let f = spec
                    .get("_field")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("_in needs _field"))?;
                let values = spec
                    .get("_values")
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad("_in needs _values"))?;
                values.contains(field(object, f))
            }
            "_between" => {
                let f = spec
                    .get("_field")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("_between needs _field"))?;
                let v = field(object, f);
                let from = spec.get("_from").unwrap_or(&Value::Null);
                let to = spec.get("_to").unwrap_or(&Value::Null);
                compare(v, from).is_some_and(|o| o != Ordering::Less)
                    && compare(v, to).is_some_and(|o| o == Ordering::Less)
            }
            "_startsWith" | "_endsWith" | "_like" | "_match" => {
                let (f, v) = operand(spec, op)?;
                let (hay, needle) = (text(field(object, f)), text(v));
                match op.as_str() {
                    "_startsWith" => hay.starts_with(&needle),
                    "_endsWith" => hay.ends_with(&needle),
                    "_like" => like(&hay, &needle),
                    // `_match`: the field contains the value, ignoring case.
                    _ => hay.to_lowercase().contains(&needle.to_lowercase()),
                }
            }
            // `_contains` is TheHive's deprecated spelling of `_has`.
            "_has" | "_contains" => {
                let f = spec
                    .as_str()
                    .or_else(|| spec.get("_field").and_then(Value::as_str))
                    .ok_or_else(|| bad("_has takes a field name"))?;
                !field(object, f).is_null()
            }
            "_id" => parse_id(&text(spec)) == parse_id(&text(field(object, "_id"))),
            other => return Err(bad(format!("Unknown filter operator {other}."))),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `*` is any run of characters; a pattern without `*` matches as a substring.
fn like(hay: &str, pattern: &str) -> bool {
    if !pattern.contains('*') {
        return hay.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = hay;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    pattern.ends_with('*') || parts.last().is_some_and(|l| hay.ends_with(l))
}

/// Runs the pipeline over a collection already restricted to the caller.
fn run(mut items: Vec<Value>, ops: &[Value]) -> Result<(Value, Option<usize>), AppError> {
    let mut total = None;
    for op in ops {
        let name = op
            .get("_name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("Every operation needs _name."))?;
        match name {
            "filter" => {
                let mut kept = Vec::new();
                for item in items {
                    if matches(op, &item)? {
                        kept.push(item);
                    }
                }
                items = kept;
            }
            "sort" => {
                let fields = op
                    .get("_fields")
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad("sort needs _fields"))?;
                let keys: Vec<(String, bool)> = fields
                    .iter()
                    .filter_map(Value::as_object)
                    .flat_map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str() == Some("desc")))
                    })
                    .collect();
                items.sort_by(|a, b| {
                    for (k, desc) in &keys {
                        let o = compare(field(a, k), field(b, k)).unwrap_or(Ordering::Equal);
                        let o = if *desc { o.reverse() } else { o };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    Ordering::Equal
                });
            }
            "page" => {
                let from = op.get("from").and_then(Value::as_u64).unwrap_or(0) as usize;
                let to = op
                    .get("to")
                    .and_then(Value::as_u64)
                    .map_or(items.len(), |t| t as usize);
                total = Some(items.len());
                items = items
                    .into_iter()
                    .skip(from)
                    .take(to.saturating_sub(from))
                    .collect();
            }
            "count" => return Ok((json!(items.len()), None)),
            other => return Err(bad(format!("Unsupported query operation {other}."))),
        }
    }
    Ok((Value::Array(items), total))
}

pub async fn query(
    state: web::Data<AppState>,
    api: ApiActor,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let body: Value = parse_json(&body)?;
    let ops: Vec<Value> = match &body {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o
            .get("query")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| bad("The body needs a query list."))?,
        _ => return Err(bad("The body needs a query list.")),
    };
    let first = ops.first().ok_or_else(|| bad("The query is empty."))?;
    let start = first
        .get("_name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let acting = api.active().acting();
    let (login, user_id) = (api.actor.user.login.clone(), api.actor.user.id);
    let next_op = ops
        .get(1)
        .and_then(|o| o.get("_name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let members_of: Vec<i64> = api
        .actor
        .organisations
        .iter()
        .map(|m| m.organisation_id)
        .collect();
    let id_or_name = first.get("idOrName").map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let (items, rest) = state
        .db
        .run(move |conn| {
            let all = crate::db::admin::all_organisations(conn)?;
            let links = crate::db::admin::links_touching(conn, &all.iter().map(|o| o.id).collect::<Vec<_>>())?;
            let visible = |id: i64| {
                acting.manages_organisations()
                    || members_of.contains(&id)
                    || links.iter().any(|l| l.from_organisation_id == acting.organisation_id && l.to_organisation_id == id)
            };
            let render = |o: &crate::db::models::Organisation| {
                let names: Vec<String> = links
                    .iter()
                    .filter(|l| l.from_organisation_id == o.id)
                    .filter_map(|l| all.iter().find(|x| x.id == l.to_organisation_id).map(|x| x.name.clone()))
                    .collect();
                organisation_json(o, &names)
            };
            match start.as_str() {
                "listOrganisation" => Ok((all.iter().filter(|o| visible(o.id)).map(render).collect::<Vec<_>>(), 1)),
                "getOrganisation" => {
                    let key = id_or_name.unwrap_or_default();
                    let org = all
                        .iter()
                        .find(|o| (parse_id(&key) == Some(o.id) || o.name_key == crate::domain::names::name_key(&key)) && visible(o.id))
                        .ok_or_else(|| AppError::not_found("No such organisation."))?;
                    Ok((vec![render(org)], 1))
                }
                "listCase" => {
                    let by = crate::service::By { login: &login, user_id, acting };
                    Ok((super::cases::all_visible(conn, &by, 10_000)?, 1))
                }
                "getCase" => {
                    let by = crate::service::By { login: &login, user_id, acting };
                    let v = super::cases::resolve(conn, acting.organisation_id, &id_or_name.clone().unwrap_or_default())?;
                    if next_op.as_deref() == Some("observables") {
                        let list = crate::service::cases::items::observables_of(conn, &by, v.case.id)?;
                        let mut out = Vec::new();
                        for o in &list {
                            out.push(super::observables::observable_json(conn, acting.organisation_id, o)?);
                        }
                        return Ok((out, 2));
                    }
                    if next_op.as_deref() == Some("tasks") {
                        let tasks = crate::service::cases::items::tasks_of(conn, &by, v.case.id)?;
                        return Ok((tasks.iter().map(|(t, _)| super::tasks::task_json(t)).collect(), 2));
                    }
                    Ok((vec![super::cases::render(conn, &by, &v)?], 1))
                }
                "listTask" => {
                    crate::service::cases::require_case_holder(&crate::service::By { login: &login, user_id, acting })?;
                    Ok((
                        crate::service::cases::items::tasks_visible_to(conn, acting.organisation_id, 10_000)?
                            .iter()
                            .map(super::tasks::task_json)
                            .collect(),
                        1,
                    ))
                }
                "listObservable" => {
                    crate::service::cases::require_case_holder(&crate::service::By { login: &login, user_id, acting })?;
                    let list = crate::service::cases::items::observables_visible_to(conn, acting.organisation_id, 10_000)?;
                    let mut out = Vec::new();
                    for o in &list {
                        out.push(super::observables::observable_json(conn, acting.organisation_id, o)?);
                    }
                    Ok((out, 1))
                }
                "listProfile" => Ok((
                    crate::db::admin::all_profiles(conn)?.iter().map(super::profiles::profile_json).collect::<Vec<_>>(),
                    1,
                )),
                "listUser" => {
                    let org = acting.organisation_id;
                    let mut out = Vec::new();
                    for m in crate::db::admin::members_of(conn, org)? {
                        if let Some(user) = crate::db::queries::user_by_id(conn, m.user_id)? {
                            let memberships = crate::db::queries::memberships_of_user(conn, m.user_id)?;
                            out.push(super::v1::user_output(&user, &memberships, Some(org)));
                        }
                    }
                    Ok((out, 1))
                }
                other => Err(bad(format!(
                    "Unsupported query start {other}: this version serves listOrganisation, getOrganisation, listUser and listProfile."
                ))),
            }
        })
        .await?;
    let (result, total) = run(items, &ops[rest..])?;
    let mut res = HttpResponse::Ok();
    if let Some(t) = total {
        res.insert_header(("X-Total", t.to_string()));
    }
    Ok(res.json(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let o = json!({"_id": "~7", "name": "main-org", "n": 3, "locked": false});
        let f = |v: Value| matches(&v, &o).unwrap();
        assert!(f(
            json!({"_name": "filter", "_eq": {"_field": "name", "_value": "main-org"}})
        ));
        assert!(!f(json!({"_ne": {"_field": "name", "_value": "main-org"}})));
        assert!(f(
            json!({"_and": [{"_gt": {"_field": "n", "_value": 2}}, {"_lte": {"_field": "n", "_value": 3}}]})
        ));
        assert!(f(
            json!({"_or": [{"_eq": {"_field": "n", "_value": 9}}, {"_startsWith": {"_field": "name", "_value": "main"}}]})
        ));
        assert!(f(
            json!({"_not": {"_endsWith": {"_field": "name", "_value": "x"}}})
        ));
        assert!(f(json!({"_in": {"_field": "n", "_values": [1, 3]}})));
        assert!(f(
            json!({"_between": {"_field": "n", "_from": 3, "_to": 4}})
        ));
        assert!(f(json!({"_like": {"_field": "name", "_value": "ma*org"}})));
        assert!(f(json!({"_id": "7"})));
        assert!(f(json!({"_has": "locked"})));
        assert!(matches(&json!({"_bogus": 1}), &o).is_err());
    }

    #[test]
    fn pipeline() {
        let items = vec![
            json!({"name": "b", "n": 2}),
            json!({"name": "a", "n": 1}),
            json!({"name": "c", "n": 3}),
        ];
        let (v, total) = run(
            items.clone(),
            &[
                json!({"_name": "sort", "_fields": [{"name": "desc"}]}),
                json!({"_name": "page", "from": 0, "to": 2}),
            ],
        )
        .unwrap();
        assert_eq!(v, json!([{"name": "c", "n": 3}, {"name": "b", "n": 2}]));
        assert_eq!(total, Some(3));
        assert_eq!(
            run(items.clone(), &[json!({"_name": "count"})]).unwrap().0,
            json!(3)
        );
        assert_eq!(
            run(items, &[json!({"_name": "page", "from": 10, "to": 20})])
                .unwrap()
                .0,
            json!([])
        );
    }
}
