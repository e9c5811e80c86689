//! The cases list: a page of the active organisation's shares, by key.

use diesel::prelude::*;

use crate::db::models::Case;
use crate::db::schema::{case_tags, cases, organisations, shares, tags};
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Owned,
    Shared,
}

impl Scope {
    pub fn parse(s: &str) -> Scope {
        match s {
            "owned" => Scope::Owned,
            "shared" => Scope::Shared,
            _ => Scope::All,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Owned => "owned",
            Scope::Shared => "shared",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Most recently updated first.
    Updated,
    /// Highest number first.
    Number,
}

impl Sort {
    pub fn parse(s: &str) -> Sort {
        if s == "number" {
            Sort::Number
        } else {
            Sort::Updated
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Updated => "updated",
            Sort::Number => "number",
        }
    }
}

/// Where the next page starts: the last row's sort key and case id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

impl Cursor {
    pub fn encode(self) -> String {
        format!("{}.{}", self.key, self.id)
    }
    pub fn decode(s: &str) -> Option<Cursor> {
        let (k, i) = s.split_once('.')?;
        Some(Cursor {
            key: k.parse().ok()?,
            id: i.parse().ok()?,
        })
    }
}

pub struct Row {
    pub case: Case,
    pub owner: bool,
    pub owner_name: String,
}

/// One page (`limit` rows) after `after`, and the cursor of the next page:
/// one statement, the share range scan joined to the cases and their owners.
pub fn page(
    conn: &mut DbConn,
    org: i64,
    scope: Scope,
    sort: Sort,
    tag: Option<&str>,
    after: Option<Cursor>,
    limit: i64,
) -> Result<(Vec<Row>, Option<Cursor>), AppError> {
    let mut q = shares::table
        .inner_join(cases::table)
        .inner_join(organisations::table.on(organisations::id.eq(cases::owner_organisation_id)))
        .filter(shares::organisation_id.eq(org))
        .into_boxed();
    if let Some(tag) = tag {
        // The organisation's own tag of that name.
        let tagged = case_tags::table
            .inner_join(tags::table)
            .filter(tags::organisation_id.eq(org))
            .filter(tags::name.eq(tag.to_string()))
            .select(case_tags::case_id);
        q = q.filter(shares::case_id.eq_any(tagged));
    }
    q = match scope {
        Scope::All => q,
        Scope::Owned => q.filter(shares::owner.eq(true)),
        Scope::Shared => q.filter(shares::owner.eq(false)),
    };
    q = match (sort, after) {
        // The first condition bounds the index range scan by itself; the
        // second breaks ties (`a < k OR (a = k AND id < i)` alone makes
        // SQLite scan the index from the start).
        (Sort::Updated, Some(c)) => q.filter(shares::case_updated_at.le(c.key)).filter(
            shares::case_updated_at
                .lt(c.key)
                .or(shares::case_id.lt(c.id)),
        ),
        (Sort::Number, Some(c)) => q.filter(shares::case_number.lt(c.key)),
        (_, None) => q,
    };
    q = match sort {
        Sort::Updated => q.order((shares::case_updated_at.desc(), shares::case_id.desc())),
        Sort::Number => q.order(shares::case_number.desc()),
    };
    let rows: Vec<(Case, bool, i64, String)> = q
        .limit(limit + 1)
        .select((
            Case::as_select(),
            shares::owner,
            shares::case_updated_at,
            organisations::name,
        ))
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next = if more {
        rows.last().map(|(c, _, updated, _)| Cursor {
            key: if sort == Sort::Updated {
                *updated
            } else {
                c.number
            },
            id: c.id,
        })
    } else {
        None
    };
    Ok((
        rows.into_iter()
            .map(|(case, owner, _, owner_name)| Row {
                owner_name,
                case,
                owner,
            })
            .collect(),
        next,
    ))
}
