//! Tasks and observables of cases, shared item by item with organisations the
//! case is shared with.

use diesel::prelude::*;

use super::{check_title, touch, visible, Visible};
use crate::db::models::{Observable, Task};
use crate::db::schema::{
    observable_shares, observables, organisation_links, organisations, shares, task_shares, tasks,
};
use crate::db::{now_ms, DbConn};
use crate::domain::sharing::{CaseAction, ItemRule};
use crate::error::AppError;
use crate::service::audit::{self, Audit};
use crate::service::tags::{self, Kind};
use crate::service::By;

pub const TASK_STATUSES: [&str; 4] = ["Waiting", "InProgress", "Completed", "Cancel"];
pub const DATA_TYPES: [&str; 12] = [
    "ip",
    "domain",
    "fqdn",
    "url",
    "mail",
    "hash",
    "filename",
    "other",
    "hostname",
    "mail_subject",
    "registry",
    "user-agent",
];

#[derive(Debug, Clone, Default)]
pub struct NewTask {
    pub title: String,
    pub group: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub assignee: Option<String>,
    pub order: Option<i32>,
    pub due_date: Option<i64>,
    pub mandatory: bool,
    pub flag: bool,
}

fn check_task_status(s: &str) -> Result<(), AppError> {
    if TASK_STATUSES.contains(&s) {
        Ok(())
    } else {
        Err(AppError::bad_request(format!(
            "Unknown task status \"{s}\": use Waiting, InProgress, Completed or Cancel."
        )))
    }
}

fn record(
    conn: &mut DbConn,
    by: &By,
    action: &str,
    kind: &str,
    id: i64,
    details: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action,
            object_type: kind,
            object_id: id.to_string(),
            details,
        },
    )
}

/// Shares of the case whose rule takes upcoming items (besides the creator's).
fn upcoming_shares(
    conn: &mut DbConn,
    case_id: i64,
    tasks_rule: bool,
) -> Result<Vec<i64>, AppError> {
    let rows: Vec<(i64, String, String)> = shares::table
        .filter(shares::case_id.eq(case_id))
        .select((shares::id, shares::task_rule, shares::observable_rule))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, t, o)| {
            ItemRule::parse(if tasks_rule { t } else { o }).is_ok_and(ItemRule::takes_upcoming)
        })
        .map(|(id, _, _)| id)
        .collect())
}

/// Inserts a task (manageTask already checked) attached to the creator's share
/// and to every share taking upcoming tasks.
pub(super) fn insert_task(
    conn: &mut DbConn,
    by: &By,
    v: &Visible,
    new: NewTask,
) -> Result<Task, AppError> {
    let title = check_title(&new.title)?;
    let status = new.status.unwrap_or_else(|| "Waiting".into());
    check_task_status(&status)?;
    let now = now_ms();
    diesel::insert_into(tasks::table)
        .values((
            tasks::case_id.eq(v.case.id),
            tasks::title.eq(&title),
            tasks::group_name.eq(new
                .group
                .as_deref()
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .unwrap_or("default")),
            tasks::description.eq(new.description.as_deref().unwrap_or("").trim()),
            tasks::status.eq(&status),
            tasks::assignee.eq(new.assignee.as_deref().filter(|a| !a.trim().is_empty())),
            tasks::order_index.eq(new.order.unwrap_or(0)),
            tasks::due_date.eq(new.due_date),
            tasks::mandatory.eq(new.mandatory),
            tasks::flag.eq(new.flag),
            tasks::created_by.eq(by.login),
            tasks::created_at.eq(now),
        ))
        .execute(conn)?;
    let id = crate::db::last_insert_id(conn)?;
    let task: Task = tasks::table
        .find(id)
        .select(Task::as_select())
        .first(conn)?;
    let mut targets = upcoming_shares(conn, v.case.id, true)?;
    targets.push(v.share.id);
    targets.sort_unstable();
    targets.dedup();
    for share in targets {
        diesel::insert_into(task_shares::table)
            .values((
                task_shares::share_id.eq(share),
                task_shares::task_id.eq(task.id),
            ))
            .execute(conn)?;
    }
    touch(conn, v.case.id, now)?;
    record(
        conn,
        by,
        "createTask",
        "Task",
        task.id,
        serde_json::json!({ "case": v.case.id, "title": title }),
    )?;
    Ok(task)
}

pub fn create_task(
    conn: &mut DbConn,
    by: &By,
    case_id: i64,
    new: NewTask,
) -> Result<Task, AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    v.require(by, CaseAction::ManageTasks)?;
    insert_task(conn, by, &v, new)
}

/// A task as the active organisation sees it, with its case and whether the
/// organisation flagged it "action required". 404 unless shared with it.
pub fn visible_task(
    conn: &mut DbConn,
    org: i64,
    task_id: i64,
) -> Result<(Task, bool, Visible), AppError> {
    let found: Option<(Task, bool, i64)> = task_shares::table
        .inner_join(tasks::table)
        .inner_join(shares::table)
        .filter(task_shares::task_id.eq(task_id))
        .filter(shares::organisation_id.eq(org))
        .select((
            Task::as_select(),
            task_shares::action_required,
            shares::case_id,
        ))
        .first(conn)
        .optional()?;
    let (task, action_required, case_id) =
        found.ok_or_else(|| AppError::not_found("No such task."))?;
    Ok((task, action_required, visible(conn, org, case_id)?))
}

/// The case's tasks the active organisation holds, in order.
pub fn tasks_of(conn: &mut DbConn, by: &By, case_id: i64) -> Result<Vec<(Task, bool)>, AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    Ok(task_shares::table
        .inner_join(tasks::table)
        .filter(task_shares::share_id.eq(v.share.id))
        .order((tasks::order_index.asc(), tasks::id.asc()))
        .select((Task::as_select(), task_shares::action_required))
        .load(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub group: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub assignee: Option<Option<String>>,
    pub order: Option<i32>,
    pub due_date: Option<Option<i64>>,
    pub mandatory: Option<bool>,
    pub flag: Option<bool>,
}

pub fn update_task(
    conn: &mut DbConn,
    by: &By,
    task_id: i64,
    patch: TaskPatch,
) -> Result<Task, AppError> {
    let (mut t, _, v) = visible_task(conn, by.acting.organisation_id, task_id)?;
    v.require(by, CaseAction::ManageTasks)?;
    if let Some(title) = &patch.title {
        t.title = check_title(title)?;
    }
    if let Some(g) = patch.group {
        t.group_name = if g.trim().is_empty() {
            "default".into()
        } else {
            g.trim().to_string()
        };
    }
    if let Some(d) = patch.description {
        t.description = d.trim().to_string();
    }
    if let Some(s) = patch.status {
        check_task_status(&s)?;
        t.status = s;
    }
    if let Some(a) = patch.assignee {
        t.assignee = a.filter(|a| !a.trim().is_empty());
    }
    if let Some(o) = patch.order {
        t.order_index = o;
    }
    if let Some(d) = patch.due_date {
        t.due_date = d;
    }
    if let Some(m) = patch.mandatory {
        t.mandatory = m;
    }
    if let Some(f) = patch.flag {
        t.flag = f;
    }
    let now = now_ms();
    diesel::update(tasks::table.find(task_id))
        .set((
            tasks::title.eq(&t.title),
            tasks::group_name.eq(&t.group_name),
            tasks::description.eq(&t.description),
            tasks::status.eq(&t.status),
            tasks::assignee.eq(&t.assignee),
            tasks::order_index.eq(t.order_index),
            tasks::due_date.eq(t.due_date),
            tasks::mandatory.eq(t.mandatory),
            tasks::flag.eq(t.flag),
            tasks::updated_by.eq(by.login),
            tasks::updated_at.eq(now),
        ))
        .execute(conn)?;
    touch(conn, v.case.id, now)?;
    record(
        conn,
        by,
        "updateTask",
        "Task",
        task_id,
        serde_json::json!({ "case": v.case.id, "status": t.status }),
    )?;
    Ok(tasks::table
        .find(task_id)
        .select(Task::as_select())
        .first(conn)?)
}

pub fn delete_task(conn: &mut DbConn, by: &By, task_id: i64) -> Result<(), AppError> {
    let (t, _, v) = visible_task(conn, by.acting.organisation_id, task_id)?;
    v.require(by, CaseAction::ManageTasks)?;
    diesel::delete(tasks::table.find(task_id)).execute(conn)?;
    touch(conn, v.case.id, now_ms())?;
    record(
        conn,
        by,
        "deleteTask",
        "Task",
        task_id,
        serde_json::json!({ "case": v.case.id, "title": t.title }),
    )
}

/// Organisations holding an item: (organisation id, name, action required).
pub fn task_holders(conn: &mut DbConn, by: &By, task_id: i64) -> Result<TaskHolders, AppError> {
    visible_task(conn, by.acting.organisation_id, task_id)?;
    Ok(holders_of_tasks(conn, &[task_id])?
        .remove(&task_id)
        .unwrap_or_default())
}

/// Organisations holding a task: (id, name, action required).
pub type TaskHolders = Vec<(i64, String, bool)>;

/// The holders of each of `task_ids` (tasks the caller already knows to be
/// visible, e.g. from [`tasks_of`]), in one statement.
pub fn holders_of_tasks(
    conn: &mut DbConn,
    task_ids: &[i64],
) -> Result<std::collections::BTreeMap<i64, TaskHolders>, AppError> {
    let rows: Vec<(i64, i64, String, bool)> = task_shares::table
        .inner_join(shares::table.inner_join(organisations::table))
        .filter(task_shares::task_id.eq_any(task_ids))
        .order(organisations::name_key.asc())
        .select((
            task_shares::task_id,
            organisations::id,
            organisations::name,
            task_shares::action_required,
        ))
        .load(conn)?;
    let mut map = std::collections::BTreeMap::<i64, Vec<_>>::new();
    for (task, org, name, action) in rows {
        map.entry(task).or_default().push((org, name, action));
    }
    Ok(map)
}

/// The target organisation's share of the case, if it may receive items from
/// the active organisation: shared with, and linked from the active one.
fn item_target_share(
    conn: &mut DbConn,
    by: &By,
    v: &Visible,
    target: i64,
) -> Result<i64, AppError> {
    let share: Option<i64> = shares::table
        .filter(shares::case_id.eq(v.case.id))
        .filter(shares::organisation_id.eq(target))
        .select(shares::id)
        .first(conn)
        .optional()?;
    let share = share.ok_or_else(|| {
        AppError::bad_request(
            "Items can only be shared with organisations the case is shared with.",
        )
    })?;
    if target != by.acting.organisation_id {
        let linked = organisation_links::table
            .filter(organisation_links::from_organisation_id.eq(by.acting.organisation_id))
            .filter(organisation_links::to_organisation_id.eq(target))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !linked {
            return Err(AppError::bad_request(
                "Your organisation is no longer linked to that organisation.",
            ));
        }
    }
    Ok(share)
}

/// Shares a task with organisations of the case; idempotent.
pub fn share_task(
    conn: &mut DbConn,
    by: &By,
    task_id: i64,
    targets: &[i64],
) -> Result<usize, AppError> {
    let (_, _, v) = visible_task(conn, by.acting.organisation_id, task_id)?;
    v.require(by, CaseAction::Share)?;
    let mut added = 0;
    for target in targets {
        let share = item_target_share(conn, by, &v, *target)?;
        let exists = task_shares::table
            .find((share, task_id))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !exists {
            diesel::insert_into(task_shares::table)
                .values((
                    task_shares::share_id.eq(share),
                    task_shares::task_id.eq(task_id),
                ))
                .execute(conn)?;
            record(
                conn,
                by,
                "shareTask",
                "Task",
                task_id,
                serde_json::json!({ "case": v.case.id, "organisation": target }),
            )?;
            added += 1;
        }
    }
    Ok(added)
}

/// Removes organisations from a task. Never the caller's own organisation, and
/// never the last holder (the work is kept).
pub fn unshare_task(
    conn: &mut DbConn,
    by: &By,
    task_id: i64,
    targets: &[i64],
) -> Result<usize, AppError> {
    let (_, _, v) = visible_task(conn, by.acting.organisation_id, task_id)?;
    v.require(by, CaseAction::Share)?;
    let mut removed = 0;
    for target in targets {
        if *target == by.acting.organisation_id {
            return Err(AppError::bad_request(
                "Your organisation cannot remove its own access to the task.",
            ));
        }
        let share: Option<i64> = shares::table
            .filter(shares::case_id.eq(v.case.id))
            .filter(shares::organisation_id.eq(target))
            .select(shares::id)
            .first(conn)
            .optional()?;
        if let Some(share) = share {
            removed += diesel::delete(task_shares::table.find((share, task_id))).execute(conn)?;
            record(
                conn,
                by,
                "unshareTask",
                "Task",
                task_id,
                serde_json::json!({ "case": v.case.id, "organisation": target }),
            )?;
        }
    }
    Ok(removed)
}

/// Sets or clears "action required" for an organisation holding the task.
pub fn set_action_required(
    conn: &mut DbConn,
    by: &By,
    task_id: i64,
    org: i64,
    required: bool,
) -> Result<(), AppError> {
    let (_, _, v) = visible_task(conn, by.acting.organisation_id, task_id)?;
    v.require(by, CaseAction::ManageTasks)?;
    let share: Option<i64> = shares::table
        .filter(shares::case_id.eq(v.case.id))
        .filter(shares::organisation_id.eq(org))
        .select(shares::id)
        .first(conn)
        .optional()?;
    let share =
        share.ok_or_else(|| AppError::bad_request("That organisation does not hold this task."))?;
    let n = diesel::update(task_shares::table.find((share, task_id)))
        .set(task_shares::action_required.eq(required))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::bad_request(
            "That organisation does not hold this task.",
        ));
    }
    record(
        conn,
        by,
        if required {
            "actionRequired"
        } else {
            "actionDone"
        },
        "Task",
        task_id,
        serde_json::json!({ "case": v.case.id, "organisation": org }),
    )
}

// --- observables ----------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct NewObservable {
    pub data_type: String,
    pub data: String,
    pub message: Option<String>,
    pub tlp: Option<i32>,
    pub pap: Option<i32>,
    pub ioc: bool,
    pub sighted: bool,
    pub tags: Vec<String>,
}

pub fn check_observable(new: &NewObservable) -> Result<(), AppError> {
    if !DATA_TYPES.contains(&new.data_type.as_str()) {
        return Err(AppError::bad_request(format!(
            "Unknown data type \"{}\": use one of {}.",
            new.data_type,
            DATA_TYPES.join(", ")
        )));
    }
    if new.data.trim().is_empty() {
        return Err(AppError::bad_request("The data is required."));
    }
    if new.data.chars().count() > 4096 {
        return Err(AppError::bad_request(
            "The data is longer than 4096 characters.",
        ));
    }
    for (name, v, max) in [("tlp", new.tlp, 4), ("pap", new.pap, 3)] {
        if v.is_some_and(|v| !(0..=max).contains(&v)) {
            return Err(AppError::bad_request(format!(
                "{name} must be between 0 and {max}."
            )));
        }
    }
    Ok(())
}

/// Inserts an observable of a case or an alert; returns its id.
pub(super) fn insert_observable(
    conn: &mut DbConn,
    by: &By,
    case_id: Option<i64>,
    alert_id: Option<i64>,
    new: &NewObservable,
) -> Result<Observable, AppError> {
    check_observable(new)?;
    let now = now_ms();
    diesel::insert_into(observables::table)
        .values((
            observables::case_id.eq(case_id),
            observables::alert_id.eq(alert_id),
            observables::data_type.eq(&new.data_type),
            observables::data.eq(new.data.trim()),
            observables::message.eq(new.message.as_deref().unwrap_or("").trim()),
            observables::tlp.eq(new.tlp.unwrap_or(2)),
            observables::pap.eq(new.pap.unwrap_or(2)),
            observables::ioc.eq(new.ioc),
            observables::sighted.eq(new.sighted),
            observables::created_by.eq(by.login),
            observables::created_at.eq(now),
        ))
        .execute(conn)?;
    let id = crate::db::last_insert_id(conn)?;
    tags::change(conn, by, Kind::Observable, id, &new.tags, &[])?;
    Ok(observables::table
        .find(id)
        .select(Observable::as_select())
        .first(conn)?)
}

/// Adds an observable to the case: attached to the creator's share and every
/// share taking upcoming observables.
pub(super) fn attach_new_observable(
    conn: &mut DbConn,
    by: &By,
    v: &Visible,
    new: &NewObservable,
) -> Result<Observable, AppError> {
    let o = insert_observable(conn, by, Some(v.case.id), None, new)?;
    let mut targets = upcoming_shares(conn, v.case.id, false)?;
    targets.push(v.share.id);
    targets.sort_unstable();
    targets.dedup();
    for share in targets {
        diesel::insert_into(observable_shares::table)
            .values((
                observable_shares::share_id.eq(share),
                observable_shares::observable_id.eq(o.id),
            ))
            .execute(conn)?;
    }
    touch(conn, v.case.id, now_ms())?;
    record(
        conn,
        by,
        "createObservable",
        "Observable",
        o.id,
        serde_json::json!({ "case": v.case.id, "dataType": o.data_type }),
    )?;
    Ok(o)
}

pub fn create_observable(
    conn: &mut DbConn,
    by: &By,
    case_id: i64,
    new: &NewObservable,
) -> Result<Observable, AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    v.require(by, CaseAction::ManageObservables)?;
    attach_new_observable(conn, by, &v, new)
}

/// An observable of a case as the active organisation sees it; 404 otherwise.
pub fn visible_observable(
    conn: &mut DbConn,
    org: i64,
    id: i64,
) -> Result<(Observable, Visible), AppError> {
    let found: Option<(Observable, i64)> = observable_shares::table
        .inner_join(observables::table)
        .inner_join(shares::table)
        .filter(observable_shares::observable_id.eq(id))
        .filter(shares::organisation_id.eq(org))
        .select((Observable::as_select(), shares::case_id))
        .first(conn)
        .optional()?;
    let (o, case_id) = found.ok_or_else(|| AppError::not_found("No such observable."))?;
    Ok((o, visible(conn, org, case_id)?))
}

pub fn observables_of(
    conn: &mut DbConn,
    by: &By,
    case_id: i64,
) -> Result<Vec<Observable>, AppError> {
    let v = visible(conn, by.acting.organisation_id, case_id)?;
    Ok(observable_shares::table
        .inner_join(observables::table)
        .filter(observable_shares::share_id.eq(v.share.id))
        .order(observables::id.asc())
        .select(Observable::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct ObservablePatch {
    pub data_type: Option<String>,
    pub message: Option<String>,
    pub tlp: Option<i32>,
    pub pap: Option<i32>,
    pub ioc: Option<bool>,
    pub sighted: Option<bool>,
    pub tags: Option<Vec<String>>,
}

pub fn update_observable(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    patch: ObservablePatch,
) -> Result<Observable, AppError> {
    let (mut o, v) = visible_observable(conn, by.acting.organisation_id, id)?;
    v.require(by, CaseAction::ManageObservables)?;
    if let Some(t) = patch.data_type {
        if !DATA_TYPES.contains(&t.as_str()) {
            return Err(AppError::bad_request(format!("Unknown data type \"{t}\".")));
        }
        o.data_type = t;
    }
    if let Some(m) = patch.message {
        o.message = m.trim().to_string();
    }
    for (name, value, max, slot) in [
        ("tlp", patch.tlp, 4, &mut o.tlp),
        ("pap", patch.pap, 3, &mut o.pap),
    ] {
        if let Some(x) = value {
            if !(0..=max).contains(&x) {
                return Err(AppError::bad_request(format!(
                    "{name} must be between 0 and {max}."
                )));
            }
            *slot = x;
        }
    }
    if let Some(x) = patch.ioc {
        o.ioc = x;
    }
    if let Some(x) = patch.sighted {
        o.sighted = x;
    }
    if let Some(t) = &patch.tags {
        tags::replace(conn, by, Kind::Observable, id, t)?;
    }
    let now = now_ms();
    diesel::update(observables::table.find(id))
        .set((
            observables::data_type.eq(&o.data_type),
            observables::message.eq(&o.message),
            observables::tlp.eq(o.tlp),
            observables::pap.eq(o.pap),
            observables::ioc.eq(o.ioc),
            observables::sighted.eq(o.sighted),
            observables::updated_by.eq(by.login),
            observables::updated_at.eq(now),
        ))
        .execute(conn)?;
    touch(conn, v.case.id, now)?;
    record(
        conn,
        by,
        "updateObservable",
        "Observable",
        id,
        serde_json::json!({ "case": v.case.id }),
    )?;
    Ok(observables::table
        .find(id)
        .select(Observable::as_select())
        .first(conn)?)
}

pub fn delete_observable(conn: &mut DbConn, by: &By, id: i64) -> Result<(), AppError> {
    let (_, v) = visible_observable(conn, by.acting.organisation_id, id)?;
    v.require(by, CaseAction::ManageObservables)?;
    diesel::delete(observables::table.find(id)).execute(conn)?;
    touch(conn, v.case.id, now_ms())?;
    record(
        conn,
        by,
        "deleteObservable",
        "Observable",
        id,
        serde_json::json!({ "case": v.case.id }),
    )
}

pub fn observable_holders(
    conn: &mut DbConn,
    by: &By,
    id: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    visible_observable(conn, by.acting.organisation_id, id)?;
    Ok(holders_of_observables(conn, &[id])?
        .remove(&id)
        .unwrap_or_default())
}

/// The holders of each of `ids` (observables the caller already knows to be
/// visible, e.g. from [`observables_of`]), in one statement.
pub fn holders_of_observables(
    conn: &mut DbConn,
    ids: &[i64],
) -> Result<std::collections::BTreeMap<i64, Vec<(i64, String)>>, AppError> {
    let rows: Vec<(i64, i64, String)> = observable_shares::table
        .inner_join(shares::table.inner_join(organisations::table))
        .filter(observable_shares::observable_id.eq_any(ids))
        .order(organisations::name_key.asc())
        .select((
            observable_shares::observable_id,
            organisations::id,
            organisations::name,
        ))
        .load(conn)?;
    let mut map = std::collections::BTreeMap::<i64, Vec<_>>::new();
    for (id, org, name) in rows {
        map.entry(id).or_default().push((org, name));
    }
    Ok(map)
}

pub fn share_observable(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    targets: &[i64],
) -> Result<usize, AppError> {
    let (_, v) = visible_observable(conn, by.acting.organisation_id, id)?;
    v.require(by, CaseAction::Share)?;
    let mut added = 0;
    for target in targets {
        let share = item_target_share(conn, by, &v, *target)?;
        let exists = observable_shares::table
            .find((share, id))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !exists {
            diesel::insert_into(observable_shares::table)
                .values((
                    observable_shares::share_id.eq(share),
                    observable_shares::observable_id.eq(id),
                ))
                .execute(conn)?;
            record(
                conn,
                by,
                "shareObservable",
                "Observable",
                id,
                serde_json::json!({ "case": v.case.id, "organisation": target }),
            )?;
            added += 1;
        }
    }
    Ok(added)
}

pub fn unshare_observable(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    targets: &[i64],
) -> Result<usize, AppError> {
    let (_, v) = visible_observable(conn, by.acting.organisation_id, id)?;
    v.require(by, CaseAction::Share)?;
    let mut removed = 0;
    for target in targets {
        if *target == by.acting.organisation_id {
            return Err(AppError::bad_request(
                "Your organisation cannot remove its own access to the observable.",
            ));
        }
        let share: Option<i64> = shares::table
            .filter(shares::case_id.eq(v.case.id))
            .filter(shares::organisation_id.eq(target))
            .select(shares::id)
            .first(conn)
            .optional()?;
        if let Some(share) = share {
            removed += diesel::delete(observable_shares::table.find((share, id))).execute(conn)?;
            record(
                conn,
                by,
                "unshareObservable",
                "Observable",
                id,
                serde_json::json!({ "case": v.case.id, "organisation": target }),
            )?;
        }
    }
    Ok(removed)
}

/// Every task the organisation holds (newest first, at most `cap`), with its case id.
pub fn tasks_visible_to(conn: &mut DbConn, org: i64, cap: i64) -> Result<Vec<Task>, AppError> {
    Ok(task_shares::table
        .inner_join(tasks::table)
        .inner_join(shares::table)
        .filter(shares::organisation_id.eq(org))
        .order(tasks::id.desc())
        .limit(cap)
        .select(Task::as_select())
        .load(conn)?)
}

/// Every case observable the organisation holds (newest first, at most `cap`).
pub fn observables_visible_to(
    conn: &mut DbConn,
    org: i64,
    cap: i64,
) -> Result<Vec<Observable>, AppError> {
    Ok(observable_shares::table
        .inner_join(observables::table)
        .inner_join(shares::table)
        .filter(shares::organisation_id.eq(org))
        .order(observables::id.desc())
        .limit(cap)
        .select(Observable::as_select())
        .load(conn)?)
}
