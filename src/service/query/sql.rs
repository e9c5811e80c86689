//! Filters compiled to diesel predicates over one table. Every predicate a
//! caller gets starts with the tenant scope of the collection
//! ([`scope_case`], …): the rows the active organisation holds.

use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use serde_json::Value;

use super::filter::{like_pattern, Cond, Filter, Op};
use crate::db::schema::{
    alert_tags, alerts, case_tags, cases, observable_shares, observable_tags, observables,
    organisations, shares, tags, task_shares, tasks,
};
use crate::db::DbConn;
use crate::error::AppError;

pub type Db = <DbConn as Connection>::Backend;
pub type Pred<T> = Box<dyn BoxableExpression<T, Db, SqlType = Bool>>;
/// Compiles one field condition of a collection.
pub type Leaf<T> = dyn Fn(&str, Cond<'_>) -> Result<Pred<T>, AppError>;

diesel::define_sql_function! {
    /// SQL `lower`, for the case-insensitive text operators.
    fn lower(x: Text) -> Text;
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::bad_request(message)
}

pub fn unknown_field(kind: &str, field: &str) -> AppError {
    bad(format!(
        "{kind} has no field {field} that can be filtered or sorted on."
    ))
}

fn constant<T: 'static>(yes: bool) -> Pred<T> {
    Box::new(sql::<Bool>(if yes { "1 = 1" } else { "1 = 0" }))
}

fn and<T: 'static>(a: Pred<T>, b: Pred<T>) -> Pred<T>
where
    diesel::dsl::And<Pred<T>, Pred<T>>: BoxableExpression<T, Db, SqlType = Bool>,
{
    Box::new(a.and(b))
}

/// Walks the tree; `leaf` compiles one field condition.
pub fn compile<T: 'static>(f: &Filter, leaf: &Leaf<T>) -> Result<Pred<T>, AppError>
where
    diesel::dsl::And<Pred<T>, Pred<T>>: BoxableExpression<T, Db, SqlType = Bool>,
    diesel::dsl::Or<Pred<T>, Pred<T>>: BoxableExpression<T, Db, SqlType = Bool>,
    diesel::dsl::not<Pred<T>>: BoxableExpression<T, Db, SqlType = Bool>,
{
    Ok(match f {
        Filter::All => constant(true),
        Filter::And(fs) => {
            let mut acc = constant(true);
            for f in fs {
                acc = and(acc, compile(f, leaf)?);
            }
            acc
        }
        Filter::Or(fs) => {
            let mut acc = constant(false);
            for f in fs {
                acc = Box::new(acc.or(compile(f, leaf)?));
            }
            acc
        }
        Filter::Not(f) => Box::new(diesel::dsl::not(compile(f, leaf)?)),
        _ => {
            let (name, cond) = f.leaf().ok_or_else(|| bad("Bad filter."))?;
            leaf(name, cond)?
        }
    })
}

// Value conversions: a wrong type is the caller's mistake, named.
fn as_i64(field: &str, v: &Value) -> Result<i64, AppError> {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .ok_or_else(|| bad(format!("{field} takes a number, not {v}.")))
}
fn as_i32(field: &str, v: &Value) -> Result<i32, AppError> {
    i32::try_from(as_i64(field, v)?).map_err(|_| bad(format!("{field} is out of range.")))
}
fn as_text(field: &str, v: &Value) -> Result<String, AppError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| bad(format!("{field} takes a string, not {v}.")))
}
fn as_bool(field: &str, v: &Value) -> Result<bool, AppError> {
    v.as_bool()
        .ok_or_else(|| bad(format!("{field} takes true or false, not {v}.")))
}
fn as_id(field: &str, v: &Value) -> Result<i64, AppError> {
    match v {
        Value::String(s) => super::parse_id(s),
        other => other.as_i64(),
    }
    .ok_or_else(|| bad(format!("{field} takes an id such as ~123, not {v}.")))
}

/// One condition on a non-null column; `$conv` turns a JSON value into
/// the column's Rust type.
macro_rules! ordered {
    ($col:expr, $cond:expr, $field:expr, $conv:ident) => {{
        let c = $col;
        let f = $field;
        match $cond {
            Cond::Cmp(op, v) => {
                let v = $conv(f, v)?;
                Ok(match op {
                    Op::Eq => Box::new(c.eq(v)) as Pred<_>,
                    Op::Ne => Box::new(c.ne(v)),
                    Op::Lt => Box::new(c.lt(v)),
                    Op::Gt => Box::new(c.gt(v)),
                    Op::Lte => Box::new(c.le(v)),
                    Op::Gte => Box::new(c.ge(v)),
                })
            }
            Cond::In(vs) => {
                let vs = vs
                    .iter()
                    .map(|v| $conv(f, v))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Box::new(c.eq_any(vs)) as Pred<_>)
            }
            Cond::Between(a, b) => {
                let (a, b) = ($conv(f, a)?, $conv(f, b)?);
                Ok(Box::new(c.ge(a).and(c.lt(b))) as Pred<_>)
            }
            Cond::Has => Ok(constant(true)),
            Cond::Text(..) => Err(bad(format!("{f} is not a text field."))),
        }
    }};
}

macro_rules! text {
    ($col:expr, $cond:expr, $field:expr) => {{
        match $cond {
            Cond::Text(op, s) => {
                Ok(Box::new(lower($col).like(like_pattern(op, s)).escape('\\')) as Pred<_>)
            }
            cond => ordered!($col, cond, $field, as_text),
        }
    }};
}
macro_rules! long {
    ($col:expr, $cond:expr, $field:expr) => {
        ordered!($col, $cond, $field, as_i64)
    };
}
macro_rules! int {
    ($col:expr, $cond:expr, $field:expr) => {
        ordered!($col, $cond, $field, as_i32)
    };
}
macro_rules! boolean {
    ($col:expr, $cond:expr, $field:expr) => {
        ordered!($col, $cond, $field, as_bool)
    };
}
macro_rules! id {
    ($col:expr, $cond:expr, $field:expr) => {
        ordered!($col, $cond, $field, as_id)
    };
}
/// A nullable column: absent values match only `_ne` and `_not`.
macro_rules! nullable {
    ($kind:ident, $col:expr, $cond:expr, $field:expr) => {{
        match $cond {
            Cond::Has => Ok(Box::new($col.is_not_null()) as Pred<_>),
            Cond::Cmp(Op::Ne, _) => {
                let inner: Pred<_> = $kind!($col.assume_not_null(), $cond, $field)?;
                Ok(Box::new($col.is_null().or(inner)) as Pred<_>)
            }
            cond => {
                let inner: Pred<_> = $kind!($col.assume_not_null(), cond, $field)?;
                Ok(Box::new($col.is_not_null().and(inner)) as Pred<_>)
            }
        }
    }};
}

macro_rules! ntext {
    ($col:expr, $cond:expr, $field:expr) => {
        nullable!(text, $col, $cond, $field)
    };
}
macro_rules! nlong {
    ($col:expr, $cond:expr, $field:expr) => {
        nullable!(long, $col, $cond, $field)
    };
}
macro_rules! nid {
    ($col:expr, $cond:expr, $field:expr) => {
        nullable!(id, $col, $cond, $field)
    };
}

/// Declares a collection: its JSON field names, each with its column kind.
/// Generates the leaf compiler and the sort of a boxed query.
macro_rules! collection {
    ($leaf:ident, $order:ident, $table:ident, $label:literal,
     { $($name:literal => $kind:ident $col:path),* $(,)? }) => {
        fn $leaf(field: &str, cond: Cond<'_>) -> Result<Pred<$table::table>, AppError> {
            match field {
                $($name => $kind!($col, cond, field),)*
                other => Err(unknown_field($label, other)),
            }
        }

        /// Adds `field` to the query's order.
        pub fn $order<'a, ST: 'a>(
            q: $table::BoxedQuery<'a, Db, ST>,
            field: &str,
            desc: bool,
        ) -> Result<$table::BoxedQuery<'a, Db, ST>, AppError> {
            Ok(match field {
                $($name => if desc { q.then_order_by($col.desc()) } else { q.then_order_by($col.asc()) },)*
                other => return Err(unknown_field($label, other)),
            })
        }
    };
}

collection!(case_field, order_cases, cases, "Case", {
    "_id" => id cases::id,
    "number" => long cases::number,
    "title" => text cases::title,
    "description" => text cases::description,
    "severity" => int cases::severity,
    "tlp" => int cases::tlp,
    "pap" => int cases::pap,
    "status" => text cases::status,
    "impactStatus" => ntext cases::impact_status,
    "summary" => ntext cases::summary,
    "assignee" => ntext cases::assignee,
    "flag" => boolean cases::flag,
    "startDate" => long cases::start_date,
    "endDate" => nlong cases::end_date,
    "_createdBy" => text cases::created_by,
    "_createdAt" => long cases::created_at,
    "_updatedBy" => ntext cases::updated_by,
    "_updatedAt" => nlong cases::updated_at,
});

collection!(task_field, order_tasks, tasks, "Task", {
    "_id" => id tasks::id,
    "title" => text tasks::title,
    "group" => text tasks::group_name,
    "description" => text tasks::description,
    "status" => text tasks::status,
    "assignee" => ntext tasks::assignee,
    "order" => int tasks::order_index,
    "dueDate" => nlong tasks::due_date,
    "mandatory" => boolean tasks::mandatory,
    "flag" => boolean tasks::flag,
    "_createdBy" => text tasks::created_by,
    "_createdAt" => long tasks::created_at,
    "_updatedBy" => ntext tasks::updated_by,
    "_updatedAt" => nlong tasks::updated_at,
});

collection!(observable_field, order_observables, observables, "Observable", {
    "_id" => id observables::id,
    "dataType" => text observables::data_type,
    "data" => text observables::data,
    "message" => text observables::message,
    "tlp" => int observables::tlp,
    "pap" => int observables::pap,
    "ioc" => boolean observables::ioc,
    "sighted" => boolean observables::sighted,
    "_createdBy" => text observables::created_by,
    "_createdAt" => long observables::created_at,
    "_updatedBy" => ntext observables::updated_by,
    "_updatedAt" => nlong observables::updated_at,
});

collection!(alert_field, order_alerts, alerts, "Alert", {
    "_id" => id alerts::id,
    "type" => text alerts::alert_type,
    "source" => text alerts::source,
    "sourceRef" => text alerts::source_ref,
    "title" => text alerts::title,
    "description" => text alerts::description,
    "severity" => int alerts::severity,
    "tlp" => int alerts::tlp,
    "pap" => int alerts::pap,
    "status" => text alerts::status,
    "caseId" => nid alerts::case_id,
    "_createdBy" => text alerts::created_by,
    "_createdAt" => long alerts::created_at,
    "_updatedBy" => ntext alerts::updated_by,
    "_updatedAt" => nlong alerts::updated_at,
});

/// `left IN (query)` (or `NOT IN`) for a boxed subquery. diesel's own `IN`
/// over a multi-backend connection wants a subquery that is valid for each
/// backend statically, which a compiled (boxed) filter is not.
#[derive(Debug, Clone, Copy)]
pub struct InQuery<L, Q> {
    left: L,
    query: Q,
    negate: bool,
}

impl<L, Q> diesel::Expression for InQuery<L, Q> {
    type SqlType = Bool;
}

impl<L: AppearsOnTable<QS>, Q, QS> AppearsOnTable<QS> for InQuery<L, Q> {}
impl<L: SelectableExpression<QS>, Q, QS> SelectableExpression<QS> for InQuery<L, Q> {}

impl<L, Q> diesel::expression::ValidGrouping<()> for InQuery<L, Q> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl<L, Q> diesel::query_builder::QueryId for InQuery<L, Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<L, Q> diesel::query_builder::QueryFragment<Db> for InQuery<L, Q>
where
    L: diesel::query_builder::QueryFragment<Db>,
    Q: diesel::query_builder::QueryFragment<Db>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, Db>,
    ) -> QueryResult<()> {
        out.push_sql("(");
        self.left.walk_ast(out.reborrow())?;
        out.push_sql(if self.negate { " NOT IN (" } else { " IN (" });
        self.query.walk_ast(out.reborrow())?;
        out.push_sql("))");
        Ok(())
    }
}

fn in_query<L, Q>(left: L, query: Q, negate: bool) -> InQuery<L, Q> {
    InQuery {
        left,
        query,
        negate,
    }
}

/// Tag names (any organisation's, as objects show them) matching `cond`,
/// and whether the caller asked for objects *without* them (`_ne`).
fn tag_ids(
    cond: Cond<'_>,
) -> Result<
    (
        tags::BoxedQuery<'static, Db, diesel::sql_types::BigInt>,
        bool,
    ),
    AppError,
> {
    let (cond, negate) = match cond {
        Cond::Cmp(Op::Ne, v) => (Cond::Cmp(Op::Eq, v), true),
        Cond::Cmp(Op::Eq, _) | Cond::In(_) | Cond::Text(..) | Cond::Has => (cond, false),
        _ => return Err(bad("tags take _eq, _ne, _in, _has and the text operators.")),
    };
    let names: Pred<tags::table> = text!(tags::name, cond, "tags")?;
    Ok((
        tags::table.filter(names).select(tags::id).into_boxed(),
        negate,
    ))
}

/// "The object carries a matching tag", through its link table.
macro_rules! tagged {
    ($cond:expr, $links:ident, $object:expr, $id:expr) => {{
        let (ids, negate) = tag_ids($cond)?;
        let carriers = $links::table
            .filter(in_query($links::tag_id, ids, false))
            .select($object)
            .into_boxed();
        Ok(Box::new(in_query($id, carriers, negate)) as Pred<_>)
    }};
}

pub fn case_leaf(field: &str, cond: Cond<'_>) -> Result<Pred<cases::table>, AppError> {
    match field {
        "tags" => tagged!(cond, case_tags, case_tags::case_id, cases::id),
        "owningOrganisation" => {
            let (names, negate) = match cond {
                Cond::Cmp(Op::Ne, v) => (Cond::Cmp(Op::Eq, v), true),
                c => (c, false),
            };
            let names: Pred<organisations::table> = text!(organisations::name, names, field)?;
            let ids = organisations::table
                .filter(names)
                .select(organisations::id)
                .into_boxed();
            Ok(Box::new(in_query(
                cases::owner_organisation_id,
                ids,
                negate,
            )))
        }
        _ => case_field(field, cond),
    }
}

pub fn task_leaf(field: &str, cond: Cond<'_>) -> Result<Pred<tasks::table>, AppError> {
    task_field(field, cond)
}

pub fn observable_leaf(field: &str, cond: Cond<'_>) -> Result<Pred<observables::table>, AppError> {
    match field {
        "tags" => tagged!(
            cond,
            observable_tags,
            observable_tags::observable_id,
            observables::id
        ),
        _ => observable_field(field, cond),
    }
}

pub fn alert_leaf(field: &str, cond: Cond<'_>) -> Result<Pred<alerts::table>, AppError> {
    match field {
        "tags" => tagged!(cond, alert_tags, alert_tags::alert_id, alerts::id),
        _ => alert_field(field, cond),
    }
}

// Tenant scopes: what the active organisation holds.

/// Cases with a share (the owner's included) for the organisation.
pub fn scope_case(org: i64) -> Pred<cases::table> {
    Box::new(
        cases::id.eq_any(
            shares::table
                .filter(shares::organisation_id.eq(org))
                .select(shares::case_id),
        ),
    )
}

/// Tasks shared with the organisation (its own cases' tasks included).
pub fn scope_task(org: i64) -> Pred<tasks::table> {
    Box::new(
        tasks::id.eq_any(
            task_shares::table
                .inner_join(shares::table)
                .filter(shares::organisation_id.eq(org))
                .select(task_shares::task_id),
        ),
    )
}

/// Case observables shared with the organisation, and its alerts' ones.
pub fn scope_observable(org: i64) -> Pred<observables::table> {
    let shared = observables::id.eq_any(
        observable_shares::table
            .inner_join(shares::table)
            .filter(shares::organisation_id.eq(org))
            .select(observable_shares::observable_id),
    );
    let of_alerts = alerts::table
        .filter(alerts::organisation_id.eq(org))
        .select(alerts::id.nullable())
        .into_boxed();
    Box::new(shared.or(in_query(observables::alert_id, of_alerts, false)))
}

pub fn scope_alert(org: i64) -> Pred<alerts::table> {
    Box::new(alerts::organisation_id.eq(org))
}

// Traversals: a collection restricted to what a predicate on the previous
// collection of the chain selects.

pub fn tasks_of_cases(parents: Pred<cases::table>) -> Pred<tasks::table> {
    let ids = cases::table.filter(parents).select(cases::id).into_boxed();
    Box::new(in_query(tasks::case_id, ids, false))
}

pub fn observables_of_cases(parents: Pred<cases::table>) -> Pred<observables::table> {
    let ids = cases::table
        .filter(parents)
        .select(cases::id.nullable())
        .into_boxed();
    Box::new(in_query(observables::case_id, ids, false))
}

pub fn observables_of_alerts(parents: Pred<alerts::table>) -> Pred<observables::table> {
    let ids = alerts::table
        .filter(parents)
        .select(alerts::id.nullable())
        .into_boxed();
    Box::new(in_query(observables::alert_id, ids, false))
}

pub fn cases_of_tasks(children: Pred<tasks::table>) -> Pred<cases::table> {
    let ids = tasks::table
        .filter(children)
        .select(tasks::case_id)
        .into_boxed();
    Box::new(in_query(cases::id, ids, false))
}

pub fn cases_of_observables(children: Pred<observables::table>) -> Pred<cases::table> {
    let ids = observables::table
        .filter(children)
        .select(observables::case_id)
        .into_boxed();
    Box::new(in_query(cases::id.nullable(), ids, false))
}
