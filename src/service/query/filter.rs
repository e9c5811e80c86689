//! TheHive's filter language, parsed once into [`Filter`]. The large
//! collections compile it to SQL (`super::sql`); the small admin-facing
//! ones evaluate it over their rendered objects ([`Filter::matches`]).

use std::cmp::Ordering;

use serde_json::Value;

use crate::error::AppError;

fn bad(message: impl Into<String>) -> AppError {
    AppError::bad_request(message)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Lte,
    Gte,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    StartsWith,
    EndsWith,
    /// `*` is any run of characters; without `*` the value matches anywhere.
    Like,
    /// The field contains the value, ignoring case.
    Match,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    All,
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Cmp(String, Op, Value),
    In(String, Vec<Value>),
    /// `from` inclusive, `to` exclusive.
    Between(String, Value, Value),
    Has(String),
    Text(String, TextOp, String),
}

/// One leaf condition on a field, as the compilers see it.
#[derive(Debug, Clone, Copy)]
pub enum Cond<'a> {
    Cmp(Op, &'a Value),
    In(&'a [Value]),
    Between(&'a Value, &'a Value),
    Has,
    Text(TextOp, &'a str),
}

fn field_of<'a>(spec: &'a Value, op: &str) -> Result<&'a str, AppError> {
    spec.get("_field")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(format!("{op} needs _field.")))
}

fn list(spec: &Value, op: &str) -> Result<Vec<Filter>, AppError> {
    spec.as_array()
        .ok_or_else(|| bad(format!("{op} takes a list of filters.")))?
        .iter()
        .map(Filter::parse)
        .collect()
}

impl Filter {
    /// Parses a filter object; several operators in one object all apply.
    /// `_name` (the pipeline's `"filter"`) is ignored.
    pub fn parse(v: &Value) -> Result<Filter, AppError> {
        let map = v
            .as_object()
            .ok_or_else(|| bad("A filter is a JSON object."))?;
        let mut all = Vec::new();
        for (op, spec) in map {
            let f = match op.as_str() {
                "_name" => continue,
                "_and" => Filter::And(list(spec, op)?),
                "_or" => Filter::Or(list(spec, op)?),
                "_not" => Filter::Not(Box::new(Filter::parse(spec)?)),
                "_eq" | "_is" | "_ne" | "_lt" | "_gt" | "_lte" | "_gte" => {
                    let o = match op.as_str() {
                        "_ne" => Op::Ne,
                        "_lt" => Op::Lt,
                        "_gt" => Op::Gt,
                        "_lte" => Op::Lte,
                        "_gte" => Op::Gte,
                        _ => Op::Eq,
                    };
                    let value = spec
                        .get("_value")
                        .ok_or_else(|| bad(format!("{op} needs _value.")))?;
                    Filter::Cmp(field_of(spec, op)?.to_owned(), o, value.clone())
                }
                "_in" => {
                    let values = spec
                        .get("_values")
                        .and_then(Value::as_array)
                        .ok_or_else(|| bad("_in needs a list _values."))?;
                    Filter::In(field_of(spec, op)?.to_owned(), values.clone())
                }
                "_between" => {
                    let get = |k: &str| {
                        spec.get(k)
                            .cloned()
                            .ok_or_else(|| bad(format!("_between needs {k}.")))
                    };
                    Filter::Between(field_of(spec, op)?.to_owned(), get("_from")?, get("_to")?)
                }
                "_startsWith" | "_endsWith" | "_like" | "_match" | "_wildcard" => {
                    let o = match op.as_str() {
                        "_startsWith" => TextOp::StartsWith,
                        "_endsWith" => TextOp::EndsWith,
                        "_match" => TextOp::Match,
                        _ => TextOp::Like,
                    };
                    let value = spec
                        .get("_value")
                        .and_then(Value::as_str)
                        .ok_or_else(|| bad(format!("{op} needs a text _value.")))?;
                    Filter::Text(field_of(spec, op)?.to_owned(), o, value.to_owned())
                }
                // `_contains` is TheHive's older spelling of `_has`.
                "_has" | "_contains" => {
                    let f = spec
                        .as_str()
                        .or_else(|| spec.get("_field").and_then(Value::as_str))
                        .ok_or_else(|| bad(format!("{op} takes a field name.")))?;
                    Filter::Has(f.to_owned())
                }
                "_id" => Filter::Cmp("_id".into(), Op::Eq, spec.clone()),
                other => return Err(bad(format!("Unknown filter operator {other}."))),
            };
            all.push(f);
        }
        Ok(match all.len() {
            0 => Filter::All,
            1 => all.pop().unwrap_or(Filter::All),
            _ => Filter::And(all),
        })
    }

    /// Every leaf as (field, condition), for compilers that walk the tree.
    pub fn leaf(&self) -> Option<(&str, Cond<'_>)> {
        match self {
            Filter::Cmp(f, op, v) => Some((f, Cond::Cmp(*op, v))),
            Filter::In(f, vs) => Some((f, Cond::In(vs))),
            Filter::Between(f, a, b) => Some((f, Cond::Between(a, b))),
            Filter::Has(f) => Some((f, Cond::Has)),
            Filter::Text(f, op, s) => Some((f, Cond::Text(*op, s))),
            _ => None,
        }
    }

    /// Evaluates the filter against a rendered object.
    pub fn matches(&self, object: &Value) -> bool {
        match self {
            Filter::All => true,
            Filter::And(fs) => fs.iter().all(|f| f.matches(object)),
            Filter::Or(fs) => fs.iter().any(|f| f.matches(object)),
            Filter::Not(f) => !f.matches(object),
            _ => {
                let Some((name, cond)) = self.leaf() else {
                    return false;
                };
                let v = object.get(name).unwrap_or(&Value::Null);
                // Lists (tags) match when one element does.
                if let (Value::Array(items), false) = (v, matches!(cond, Cond::Has)) {
                    return items.iter().any(|i| leaf_matches(name, i, cond));
                }
                leaf_matches(name, v, cond)
            }
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn equal(name: &str, a: &Value, b: &Value) -> bool {
    if name == "_id" {
        return crate::service::query::parse_id(&text(a))
            == crate::service::query::parse_id(&text(b));
    }
    a == b
}

fn leaf_matches(name: &str, v: &Value, cond: Cond<'_>) -> bool {
    match cond {
        Cond::Has => !v.is_null(),
        Cond::Cmp(Op::Eq, x) => equal(name, v, x),
        Cond::Cmp(Op::Ne, x) => !equal(name, v, x),
        Cond::Cmp(op, x) => compare(v, x).is_some_and(|o| match op {
            Op::Lt => o == Ordering::Less,
            Op::Gt => o == Ordering::Greater,
            Op::Lte => o != Ordering::Greater,
            _ => o != Ordering::Less,
        }),
        Cond::In(xs) => xs.iter().any(|x| equal(name, v, x)),
        Cond::Between(from, to) => {
            compare(v, from).is_some_and(|o| o != Ordering::Less)
                && compare(v, to).is_some_and(|o| o == Ordering::Less)
        }
        Cond::Text(op, needle) => {
            if v.is_null() {
                return false;
            }
            let hay = text(v).to_lowercase();
            let needle = needle.to_lowercase();
            match op {
                TextOp::StartsWith => hay.starts_with(&needle),
                TextOp::EndsWith => hay.ends_with(&needle),
                TextOp::Match => hay.contains(&needle),
                TextOp::Like => like(&hay, &needle),
            }
        }
    }
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

/// The SQL `LIKE` pattern (escape character `\`) of a text operator.
pub fn like_pattern(op: TextOp, value: &str) -> String {
    let escaped: String = value
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '\\' | '%' | '_' => vec!['\\', c],
            '*' if op == TextOp::Like => vec!['%'],
            c => vec![c],
        })
        .collect();
    match op {
        TextOp::StartsWith => format!("{escaped}%"),
        TextOp::EndsWith => format!("%{escaped}"),
        TextOp::Like if value.contains('*') => escaped,
        TextOp::Like | TextOp::Match => format!("%{escaped}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_evaluates() {
        let o =
            json!({"_id": "~7", "name": "Main-org", "n": 3, "locked": false, "tags": ["a", "b"]});
        let f = |v: Value| Filter::parse(&v).unwrap().matches(&o);
        assert!(f(
            json!({"_name": "filter", "_eq": {"_field": "name", "_value": "Main-org"}})
        ));
        assert!(!f(json!({"_ne": {"_field": "name", "_value": "Main-org"}})));
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
        assert!(!f(
            json!({"_between": {"_field": "n", "_from": 1, "_to": 3}})
        ));
        assert!(f(json!({"_like": {"_field": "name", "_value": "ma*org"}})));
        assert!(f(json!({"_id": "7"})));
        assert!(f(json!({"_has": "locked"})));
        assert!(!f(json!({"_has": "missing"})));
        assert!(f(json!({"_eq": {"_field": "tags", "_value": "b"}})));
        assert!(Filter::parse(&json!({"_bogus": 1})).is_err());
        assert!(Filter::parse(&json!({"_eq": {"_value": 1}})).is_err());
        assert!(Filter::parse(&json!([1])).is_err());
    }

    #[test]
    fn like_patterns_escape_sql_wildcards() {
        assert_eq!(like_pattern(TextOp::StartsWith, "A_b%"), "a\\_b\\%%");
        assert_eq!(like_pattern(TextOp::Like, "x*y"), "x%y");
        assert_eq!(like_pattern(TextOp::Like, "xy"), "%xy%");
        assert_eq!(like_pattern(TextOp::EndsWith, "a\\"), "%a\\\\");
    }
}
