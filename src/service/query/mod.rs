//! The TheHive query pipeline over the large collections (cases, tasks,
//! observables, alerts): a chain of collections linked by traversals, each
//! with its filters, compiled to one tenant-scoped SQL statement (plus one
//! `count` when the page asks for the total).

pub mod filter;
pub mod sql;

use diesel::prelude::*;

use self::filter::Filter;
use self::sql::{Db, Pred};
use crate::db::models::{Alert, Case, Observable, Task};
use crate::db::schema::{alerts, cases, observables, tasks};
use crate::db::DbConn;
use crate::error::AppError;

/// The most rows one answer carries (a page, or an unpaged list).
pub const MAX_ROWS: i64 = 10_000;

/// `~123` or `123`.
pub fn parse_id(s: &str) -> Option<i64> {
    s.trim().trim_start_matches('~').parse().ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Case,
    Task,
    Observable,
    Alert,
}

impl Collection {
    pub fn label(self) -> &'static str {
        match self {
            Collection::Case => "Case",
            Collection::Task => "Task",
            Collection::Observable => "Observable",
            Collection::Alert => "Alert",
        }
    }

    /// The collection a traversal named `name` leads to from this one.
    pub fn traverse(self, name: &str) -> Option<Collection> {
        match (self, name) {
            (Collection::Case, "tasks") => Some(Collection::Task),
            (Collection::Case, "observables") => Some(Collection::Observable),
            (Collection::Alert, "observables") => Some(Collection::Observable),
            (Collection::Task, "case") | (Collection::Observable, "case") => Some(Collection::Case),
            _ => None,
        }
    }
}

/// One collection of the chain and the filters applied to it.
#[derive(Debug, Clone)]
pub struct Step {
    pub collection: Collection,
    pub filters: Vec<Filter>,
}

/// A chain of steps, the last one being answered.
#[derive(Debug, Clone)]
pub struct Plan {
    pub org: i64,
    pub steps: Vec<Step>,
    /// (field, descending)
    pub sort: Vec<(String, bool)>,
}

fn filters<T: 'static>(
    scope: Pred<T>,
    step: &Step,
    leaf: &sql::Leaf<T>,
) -> Result<Pred<T>, AppError>
where
    diesel::dsl::And<Pred<T>, Pred<T>>: BoxableExpression<T, Db, SqlType = diesel::sql_types::Bool>,
    diesel::dsl::Or<Pred<T>, Pred<T>>: BoxableExpression<T, Db, SqlType = diesel::sql_types::Bool>,
    diesel::dsl::not<Pred<T>>: BoxableExpression<T, Db, SqlType = diesel::sql_types::Bool>,
{
    let mut acc = scope;
    for f in &step.filters {
        acc = Box::new(acc.and(sql::compile(f, leaf)?));
    }
    Ok(acc)
}

fn split(steps: &[Step]) -> Result<(&Step, &[Step]), AppError> {
    steps
        .split_last()
        .ok_or_else(|| AppError::bad_request("The query is empty."))
}

fn wrong_chain(from: Collection, to: Collection) -> AppError {
    AppError::bad_request(format!(
        "No traversal from {} to {}.",
        from.label(),
        to.label()
    ))
}

pub fn case_pred(org: i64, steps: &[Step]) -> Result<Pred<cases::table>, AppError> {
    let (last, parents) = split(steps)?;
    let own = filters(sql::scope_case(org), last, &sql::case_leaf)?;
    Ok(match parents.last().map(|p| p.collection) {
        None => own,
        Some(Collection::Task) => Box::new(own.and(sql::cases_of_tasks(task_pred(org, parents)?))),
        Some(Collection::Observable) => {
            Box::new(own.and(sql::cases_of_observables(observable_pred(org, parents)?)))
        }
        Some(other) => return Err(wrong_chain(other, Collection::Case)),
    })
}

pub fn task_pred(org: i64, steps: &[Step]) -> Result<Pred<tasks::table>, AppError> {
    let (last, parents) = split(steps)?;
    let own = filters(sql::scope_task(org), last, &sql::task_leaf)?;
    Ok(match parents.last().map(|p| p.collection) {
        None => own,
        Some(Collection::Case) => Box::new(own.and(sql::tasks_of_cases(case_pred(org, parents)?))),
        Some(other) => return Err(wrong_chain(other, Collection::Task)),
    })
}

pub fn observable_pred(org: i64, steps: &[Step]) -> Result<Pred<observables::table>, AppError> {
    let (last, parents) = split(steps)?;
    let own = filters(sql::scope_observable(org), last, &sql::observable_leaf)?;
    Ok(match parents.last().map(|p| p.collection) {
        None => own,
        Some(Collection::Case) => {
            Box::new(own.and(sql::observables_of_cases(case_pred(org, parents)?)))
        }
        Some(Collection::Alert) => {
            Box::new(own.and(sql::observables_of_alerts(alert_pred(org, parents)?)))
        }
        Some(other) => return Err(wrong_chain(other, Collection::Observable)),
    })
}

pub fn alert_pred(org: i64, steps: &[Step]) -> Result<Pred<alerts::table>, AppError> {
    let (last, parents) = split(steps)?;
    let own = filters(sql::scope_alert(org), last, &sql::alert_leaf)?;
    match parents.last().map(|p| p.collection) {
        None => Ok(own),
        Some(other) => Err(wrong_chain(other, Collection::Alert)),
    }
}

/// What a plan answers: rows of one collection.
pub enum Rows {
    Cases(Vec<Case>),
    Tasks(Vec<Task>),
    Observables(Vec<Observable>),
    Alerts(Vec<Alert>),
}

/// Rows `from..to` in the plan's order (newest first after the sort keys).
macro_rules! load_page {
    ($conn:expr, $plan:expr, $pred:ident, $table:ident, $model:ty, $order:path, $from:expr, $to:expr) => {{
        let mut q = $table::table
            .filter($pred($plan.org, &$plan.steps)?)
            .select(<$model>::as_select())
            .into_boxed();
        for (field, desc) in &$plan.sort {
            q = $order(q, field, *desc)?;
        }
        q.then_order_by($table::id.desc())
            .offset($from)
            .limit($to - $from)
            .load::<$model>($conn)?
    }};
}

macro_rules! count_rows {
    ($conn:expr, $plan:expr, $pred:ident, $table:ident) => {
        $table::table
            .filter($pred($plan.org, &$plan.steps)?)
            .count()
            .get_result::<i64>($conn)?
    };
}

/// How many of the plan's rows, counting no further than `limit`.
macro_rules! count_rows_up_to {
    ($conn:expr, $plan:expr, $pred:ident, $table:ident, $limit:expr) => {
        $table::table
            .filter($pred($plan.org, &$plan.steps)?)
            .select($table::id)
            .limit($limit)
            .load::<i64>($conn)?
            .len() as i64
    };
}

impl Plan {
    pub fn last(&self) -> Result<Collection, AppError> {
        Ok(split(&self.steps)?.0.collection)
    }

    /// The rows `from..to` (at most [`MAX_ROWS`]).
    pub fn rows(&self, conn: &mut DbConn, from: i64, to: i64) -> Result<Rows, AppError> {
        let from = from.max(0);
        let to = to.clamp(from, from + MAX_ROWS);
        Ok(match self.last()? {
            Collection::Case => Rows::Cases(load_page!(
                conn,
                self,
                case_pred,
                cases,
                Case,
                sql::order_cases,
                from,
                to
            )),
            Collection::Task => Rows::Tasks(load_page!(
                conn,
                self,
                task_pred,
                tasks,
                Task,
                sql::order_tasks,
                from,
                to
            )),
            Collection::Observable => Rows::Observables(load_page!(
                conn,
                self,
                observable_pred,
                observables,
                Observable,
                sql::order_observables,
                from,
                to
            )),
            Collection::Alert => Rows::Alerts(load_page!(
                conn,
                self,
                alert_pred,
                alerts,
                Alert,
                sql::order_alerts,
                from,
                to
            )),
        })
    }

    /// How many rows the plan selects.
    pub fn count(&self, conn: &mut DbConn) -> Result<i64, AppError> {
        Ok(match self.last()? {
            Collection::Case => count_rows!(conn, self, case_pred, cases),
            Collection::Task => count_rows!(conn, self, task_pred, tasks),
            Collection::Observable => count_rows!(conn, self, observable_pred, observables),
            Collection::Alert => count_rows!(conn, self, alert_pred, alerts),
        })
    }

    /// How many rows the plan selects, counting no further than `limit`
    /// (the `X-Total` of a page: exact below the cap, cheap above it).
    pub fn count_up_to(&self, conn: &mut DbConn, limit: i64) -> Result<i64, AppError> {
        Ok(match self.last()? {
            Collection::Case => count_rows_up_to!(conn, self, case_pred, cases, limit),
            Collection::Task => count_rows_up_to!(conn, self, task_pred, tasks, limit),
            Collection::Observable => {
                count_rows_up_to!(conn, self, observable_pred, observables, limit)
            }
            Collection::Alert => count_rows_up_to!(conn, self, alert_pred, alerts, limit),
        })
    }
}
