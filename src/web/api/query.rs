//! `POST /api/v1/query` — the TheHive query pipeline. Cases, tasks,
//! observables and alerts (and traversals between them) compile to one
//! tenant-scoped SQL statement (`service::query`), plus a `count` when a
//! page asks for its total; the small admin-facing collections
//! (organisations, users, profiles, tags, a case's shares) are filtered
//! after rendering with the same filter language.

use std::cmp::Ordering;

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::auth::ApiActor;
use super::v1::{organisation_json, parse_json};
use crate::db::DbConn;
use crate::error::AppError;
use crate::service::query::filter::{compare, Filter};
use crate::service::query::{parse_id, Collection, Plan, Rows, Step, MAX_ROWS};
use crate::service::By;
use crate::startup::AppState;

fn bad(message: impl Into<String>) -> AppError {
    AppError::bad_request(message)
}

/// The operations after the start, read once.
#[derive(Debug, Default)]
struct Tail {
    sort: Vec<(String, bool)>,
    page: Option<(i64, i64, Vec<String>)>,
    count: bool,
}

fn sort_fields(op: &Value) -> Result<Vec<(String, bool)>, AppError> {
    let fields = op
        .get("_fields")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("sort needs _fields, a list like [{\"_createdAt\": \"desc\"}]."))?;
    let mut out = Vec::new();
    for f in fields {
        let m = f
            .as_object()
            .ok_or_else(|| bad("Each sort field is an object like {\"title\": \"asc\"}."))?;
        for (k, v) in m {
            let desc = match v.as_str() {
                Some("desc") => true,
                Some("asc") => false,
                _ => return Err(bad(format!("Sort order of {k} must be asc or desc."))),
            };
            out.push((k.clone(), desc));
        }
    }
    Ok(out)
}

fn page_of(op: &Value) -> Result<(i64, i64, Vec<String>), AppError> {
    let num = |k: &str, default: i64| -> Result<i64, AppError> {
        match op.get(k) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .as_i64()
                .filter(|n| *n >= 0)
                .ok_or_else(|| bad(format!("page {k} must be a non-negative integer."))),
        }
    };
    let from = num("from", 0)?;
    let to = num("to", from + MAX_ROWS)?;
    if to < from {
        return Err(bad("page to must not be below from."));
    }
    if to - from > MAX_ROWS {
        return Err(bad(format!("A page holds at most {MAX_ROWS} rows.")));
    }
    let extra = op
        .get("extraData")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok((from, to, extra))
}

/// `sort`, `page` and `count` must come after the last filter or traversal.
fn read_tail(ops: &[Value]) -> Result<Tail, AppError> {
    let mut tail = Tail::default();
    for op in ops {
        match name_of(op)? {
            "sort" => tail.sort = sort_fields(op)?,
            "page" => tail.page = Some(page_of(op)?),
            "count" => tail.count = true,
            other => {
                return Err(bad(format!(
                    "{other} cannot follow sort, page or count in this query."
                )))
            }
        }
    }
    Ok(tail)
}

fn name_of(op: &Value) -> Result<&str, AppError> {
    op.get("_name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("Every operation needs _name."))
}

fn key_of(op: &Value) -> Result<String, AppError> {
    match op.get("idOrName") {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(bad(format!("{} needs idOrName.", name_of(op)?))),
    }
}

/// The start of a database-backed pipeline, if `start` is one.
fn sql_start(start: &str) -> Option<(Collection, bool)> {
    Some(match start {
        "listCase" => (Collection::Case, false),
        "getCase" => (Collection::Case, true),
        "listTask" => (Collection::Task, false),
        "getTask" => (Collection::Task, true),
        "listObservable" => (Collection::Observable, false),
        "getObservable" => (Collection::Observable, true),
        "listAlert" => (Collection::Alert, false),
        "getAlert" => (Collection::Alert, true),
        _ => return None,
    })
}

/// `getX(idOrName)` selects one object; a case also by number.
fn get_filter(collection: Collection, key: &str) -> Result<Filter, AppError> {
    let key = key.trim();
    if collection == Collection::Case && !key.starts_with('~') {
        if let Ok(n) = key.parse::<i64>() {
            return Ok(Filter::Cmp(
                "number".into(),
                crate::service::query::filter::Op::Eq,
                json!(n),
            ));
        }
    }
    let id = parse_id(key).ok_or_else(|| {
        AppError::not_found(format!("No such {}.", collection.label().to_lowercase()))
    })?;
    Ok(Filter::Cmp(
        "_id".into(),
        crate::service::query::filter::Op::Eq,
        json!(id),
    ))
}

enum Answer {
    Count(i64),
    Items(Vec<Value>, Option<Total>),
}

/// The `X-Total` of a page: counting stops past [`TOTAL_CAP`] (or past the
/// end of the page asked for, if further), so a page costs the same for an
/// organisation that sees a thousand cases or a million.
pub const TOTAL_CAP: i64 = 10_000;

struct Total {
    n: i64,
    /// More rows exist than `n`.
    capped: bool,
}

fn render_rows(
    conn: &mut DbConn,
    by: &By,
    rows: Rows,
    extra: &[String],
) -> Result<Vec<Value>, AppError> {
    Ok(match rows {
        Rows::Cases(list) => {
            let visible =
                crate::service::cases::visible_many(conn, by.acting.organisation_id, list)?;
            super::cases::render_many(conn, by, &visible, extra)?
        }
        Rows::Tasks(list) => list.iter().map(super::tasks::task_json).collect(),
        Rows::Observables(list) => super::observables::observables_json(conn, &list)?,
        Rows::Alerts(list) => super::alerts::alerts_json(conn, &list)?,
    })
}

/// A pipeline over cases, tasks, observables and alerts.
fn run_sql(
    conn: &mut DbConn,
    by: &By,
    ops: &[Value],
    collection: Collection,
    get: bool,
) -> Result<Answer, AppError> {
    crate::service::cases::require_case_holder(by)?;
    let org = by.acting.organisation_id;
    let mut steps = vec![Step {
        collection,
        filters: Vec::new(),
    }];
    if get {
        steps[0]
            .filters
            .push(get_filter(collection, &key_of(&ops[0])?)?);
        let probe = Plan {
            org,
            steps: steps.clone(),
            sort: Vec::new(),
        };
        if probe.count(conn)? == 0 {
            return Err(AppError::not_found(format!(
                "No such {}.",
                collection.label().to_lowercase()
            )));
        }
    }
    let mut rest = &ops[1..];
    while let Some(op) = rest.first() {
        let name = name_of(op)?;
        let last = steps.last().map(|s| s.collection).unwrap_or(collection);
        if name == "filter" {
            let f = Filter::parse(op)?;
            if let Some(step) = steps.last_mut() {
                step.filters.push(f);
            }
        } else if let Some(next) = last.traverse(name) {
            steps.push(Step {
                collection: next,
                filters: Vec::new(),
            });
        } else if name == "shares" && last == Collection::Case && get && steps.len() == 1 {
            // A case's shares are few: rendered, then filtered like the admin lists.
            let v = super::cases::resolve(conn, org, &key_of(&ops[0])?)?;
            let items = super::cases::shares_json(conn, by, v.case.id)?;
            return run_memory(items, &rest[1..]);
        } else if matches!(name, "sort" | "page" | "count") {
            break;
        } else {
            return Err(bad(format!(
                "Unsupported query operation {name} after {}.",
                last.label()
            )));
        }
        rest = &rest[1..];
    }
    let tail = read_tail(rest)?;
    let plan = Plan {
        org,
        steps,
        sort: tail.sort,
    };
    if tail.count {
        return Ok(Answer::Count(plan.count(conn)?));
    }
    // Validates the filters and sort before anything is read.
    let (from, to, extra) = tail.page.clone().unwrap_or((0, MAX_ROWS, Vec::new()));
    let rows = plan.rows(conn, from, to)?;
    let total = match tail.page {
        // Counted up to the cap (or just past the page asked for): beyond it
        // the total says "at least this many" (`X-Total-Capped`).
        Some(_) => {
            let cap = TOTAL_CAP.max(to);
            let n = plan.count_up_to(conn, cap + 1)?;
            Some(Total {
                n: n.min(cap),
                capped: n > cap,
            })
        }
        None => None,
    };
    Ok(Answer::Items(render_rows(conn, by, rows, &extra)?, total))
}

/// A pipeline over rendered objects (the small collections).
fn run_memory(mut items: Vec<Value>, ops: &[Value]) -> Result<Answer, AppError> {
    let mut rest = ops;
    while let Some(op) = rest.first() {
        if name_of(op)? != "filter" {
            break;
        }
        let f = Filter::parse(op)?;
        items.retain(|i| f.matches(i));
        rest = &rest[1..];
    }
    let tail = read_tail(rest)?;
    if tail.count {
        return Ok(Answer::Count(items.len() as i64));
    }
    if !tail.sort.is_empty() {
        items.sort_by(|a, b| {
            for (k, desc) in &tail.sort {
                let o = compare(
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                )
                .unwrap_or(Ordering::Equal);
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
    match tail.page {
        Some((from, to, _)) => {
            let total = Total {
                n: items.len() as i64,
                capped: false,
            };
            let page = items
                .into_iter()
                .skip(from as usize)
                .take((to - from) as usize)
                .collect();
            Ok(Answer::Items(page, Some(total)))
        }
        None => Ok(Answer::Items(items, None)),
    }
}

/// The small collections: rendered whole (they are bounded by the
/// platform's size, not by its data), then filtered.
fn memory_start(
    conn: &mut DbConn,
    by: &By,
    member_of: &[i64],
    ops: &[Value],
) -> Result<(Vec<Value>, usize), AppError> {
    let start = name_of(&ops[0])?;
    let acting = by.acting;
    let org_scope = |conn: &mut DbConn| -> Result<_, AppError> {
        let all = crate::db::admin::all_organisations(conn)?;
        let links =
            crate::db::admin::links_touching(conn, &all.iter().map(|o| o.id).collect::<Vec<_>>())?;
        Ok((all, links))
    };
    match start {
        "listOrganisation" | "getOrganisation" => {
            let (all, links) = org_scope(conn)?;
            let visible = |id: i64| {
                acting.manages_organisations()
                    || member_of.contains(&id)
                    || links
                        .iter()
                        .any(|l| l.from_organisation_id == acting.organisation_id && l.to_organisation_id == id)
            };
            let render = |o: &crate::db::models::Organisation| {
                let names: Vec<String> = links
                    .iter()
                    .filter(|l| l.from_organisation_id == o.id)
                    .filter_map(|l| all.iter().find(|x| x.id == l.to_organisation_id).map(|x| x.name.clone()))
                    .collect();
                organisation_json(o, &names)
            };
            if start == "listOrganisation" {
                return Ok((all.iter().filter(|o| visible(o.id)).map(render).collect(), 1));
            }
            let key = key_of(&ops[0])?;
            let org = all
                .iter()
                .find(|o| (parse_id(&key) == Some(o.id) || o.name_key == crate::domain::names::name_key(&key)) && visible(o.id))
                .ok_or_else(|| AppError::not_found("No such organisation."))?;
            let step = ops.get(1).map(name_of).transpose()?;
            // Members and links of an organisation are for its members and
            // platform admins only (as `GET /organisation/{id}/links`).
            if matches!(step, Some("links" | "users"))
                && !(acting.manages_organisations() || member_of.contains(&org.id))
            {
                return Err(AppError::not_found("No such organisation."));
            }
            match step {
                Some("links") => {
                    let out = links
                        .iter()
                        .filter(|l| l.from_organisation_id == org.id)
                        .filter_map(|l| all.iter().find(|x| x.id == l.to_organisation_id))
                        .map(render)
                        .collect();
                    Ok((out, 2))
                }
                Some("users") => Ok((users_of(conn, org.id)?, 2)),
                _ => Ok((vec![render(org)], 1)),
            }
        }
        "listUser" => Ok((users_of(conn, acting.organisation_id)?, 1)),
        "listProfile" => Ok((
            crate::db::admin::all_profiles(conn)?
                .iter()
                .map(super::profiles::profile_json)
                .collect(),
            1,
        )),
        "listTag" => Ok((super::tags::all_json(conn, by)?, 1)),
        other => Err(bad(format!(
            "Unknown query start {other}: use listCase, getCase, listTask, getTask, listObservable, getObservable, listAlert, getAlert, listOrganisation, getOrganisation, listUser, listProfile or listTag."
        ))),
    }
}

/// The organisation's members, in three statements whatever their number.
fn users_of(conn: &mut DbConn, org: i64) -> Result<Vec<Value>, AppError> {
    use crate::db::schema::users;
    use diesel::prelude::*;
    let ids: Vec<i64> = crate::db::admin::members_of(conn, org)?
        .iter()
        .map(|m| m.user_id)
        .collect();
    let found: Vec<crate::db::models::User> = users::table
        .filter(users::id.eq_any(&ids))
        .select(crate::db::models::User::as_select())
        .load(conn)?;
    let mut memberships: std::collections::HashMap<i64, Vec<crate::db::models::MembershipView>> =
        std::collections::HashMap::new();
    for (user, m) in crate::db::queries::memberships_of_users(conn, &ids)? {
        memberships.entry(user).or_default().push(m);
    }
    let mut by_id: std::collections::HashMap<i64, crate::db::models::User> =
        found.into_iter().map(|u| (u.id, u)).collect();
    Ok(ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|u| {
            let ms = memberships.remove(&u.id).unwrap_or_default();
            super::v1::user_output(&u, &ms, Some(org))
        })
        .collect())
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
    let start = ops.first().ok_or_else(|| bad("The query is empty."))?;
    let start = name_of(start)?.to_owned();
    let member_of: Vec<i64> = api
        .actor
        .organisations
        .iter()
        .map(|m| m.organisation_id)
        .collect();
    let answer = api
        .call(&state, false, move |conn, by| match sql_start(&start) {
            Some((collection, get)) => run_sql(conn, by, &ops, collection, get),
            None => {
                let (items, used) = memory_start(conn, by, &member_of, &ops)?;
                run_memory(items, &ops[used..])
            }
        })
        .await?;
    Ok(match answer {
        Answer::Count(n) => HttpResponse::Ok().json(n),
        Answer::Items(items, total) => {
            let mut res = HttpResponse::Ok();
            if let Some(t) = total {
                res.insert_header(("X-Total", t.n.to_string()));
                if t.capped {
                    res.insert_header(("X-Total-Capped", "true"));
                }
            }
            res.json(items)
        }
    })
}
