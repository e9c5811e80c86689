//! Custom tags: per organisation, (organisation, name) unique and
//! case-sensitive. Tagging an object in the active organisation links that
//! organisation's tag of the name, creating it on first use. Usage counts are
//! computed from the link tables, restricted to objects the organisation can
//! see.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::models::Tag;
use crate::db::schema::{alert_tags, case_tags, observable_tags, tags, template_tags};
use crate::db::{now_ms, DbConn};
use crate::domain::permissions::Permission;
use crate::error::AppError;
use crate::service::audit::{self, Audit};
use crate::service::By;

pub const DEFAULT_COLOUR: &str = "#3584e4";

/// What a tag can be attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Case,
    Alert,
    Observable,
    Template,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Case => "Case",
            Kind::Alert => "Alert",
            Kind::Observable => "Observable",
            Kind::Template => "CaseTemplate",
        }
    }
}

/// Runs `$body` with `$t` bound to the link table of `$kind` and `$col` to its
/// object column.
macro_rules! with_links {
    ($kind:expr, $t:ident, $col:ident => $body:expr) => {
        match $kind {
            Kind::Case => {
                use case_tags as $t;
                use case_tags::case_id as $col;
                $body
            }
            Kind::Alert => {
                use alert_tags as $t;
                use alert_tags::alert_id as $col;
                $body
            }
            Kind::Observable => {
                use observable_tags as $t;
                use observable_tags::observable_id as $col;
                $body
            }
            Kind::Template => {
                use template_tags as $t;
                use template_tags::template_id as $col;
                $body
            }
        }
    };
}

/// A tag as drawn on an object: its own colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chip {
    pub id: i64,
    pub name: String,
    pub colour: String,
    pub organisation_id: i64,
}

/// Trimmed, non-empty, at most 128 characters, no control characters; duplicates dropped.
pub fn clean(names: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let n = n.trim();
        if n.is_empty() {
            continue;
        }
        if n.chars().count() > 128 {
            return Err(AppError::bad_request(
                "A tag is longer than 128 characters.",
            ));
        }
        if n.chars().any(char::is_control) {
            return Err(AppError::bad_request(
                "A tag cannot contain control characters.",
            ));
        }
        if !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
    }
    Ok(out)
}

fn by_name(conn: &mut DbConn, org: i64, name: &str) -> Result<Option<Tag>, AppError> {
    Ok(tags::table
        .filter(tags::organisation_id.eq(org))
        .filter(tags::name.eq(name))
        .select(Tag::as_select())
        .first(conn)
        .optional()?)
}

fn record(
    conn: &mut DbConn,
    by: &By,
    action: &str,
    object_type: &str,
    id: i64,
    details: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        conn,
        Audit {
            actor: by.login,
            organisation_id: Some(by.acting.organisation_id),
            action,
            object_type,
            object_id: id.to_string(),
            details,
        },
    )
}

/// The active organisation's tag of that name, created on first use.
fn ensure(conn: &mut DbConn, by: &By, name: &str) -> Result<i64, AppError> {
    let org = by.acting.organisation_id;
    if let Some(t) = by_name(conn, org, name)? {
        return Ok(t.id);
    }
    diesel::insert_into(tags::table)
        .values((
            tags::organisation_id.eq(org),
            tags::name.eq(name),
            tags::colour.eq(DEFAULT_COLOUR),
            tags::created_by.eq(by.login),
            tags::created_at.eq(now_ms()),
        ))
        .execute(conn)?;
    let id = crate::db::last_insert_id(conn)?;
    record(
        conn,
        by,
        "create",
        "Tag",
        id,
        serde_json::json!({ "name": name }),
    )?;
    Ok(id)
}

/// Adds and removes the active organisation's tags on an object. The caller
/// has checked that the actor may edit the object.
pub fn change(
    conn: &mut DbConn,
    by: &By,
    kind: Kind,
    object: i64,
    add: &[String],
    remove: &[String],
) -> Result<(), AppError> {
    let add = clean(add)?;
    let remove = clean(remove)?;
    let org = by.acting.organisation_id;
    for name in add.iter().filter(|n| !remove.contains(n)) {
        let tag = ensure(conn, by, name)?;
        let inserted = with_links!(kind, t, col => {
            let exists = t::table.filter(t::tag_id.eq(tag)).filter(col.eq(object)).count().get_result::<i64>(conn)? > 0;
            if exists { 0 } else { diesel::insert_into(t::table).values((t::tag_id.eq(tag), col.eq(object))).execute(conn)? }
        });
        if inserted > 0 {
            record(
                conn,
                by,
                "tag",
                kind.as_str(),
                object,
                serde_json::json!({ "tag": name }),
            )?;
            if kind == Kind::Case {
                crate::service::auto_share::on_tagged(conn, by, object, name)?;
            }
        }
    }
    for name in &remove {
        if let Some(tag) = by_name(conn, org, name)? {
            let removed = with_links!(kind, t, col => {
                diesel::delete(t::table.filter(t::tag_id.eq(tag.id)).filter(col.eq(object))).execute(conn)?
            });
            if removed > 0 {
                record(
                    conn,
                    by,
                    "untag",
                    kind.as_str(),
                    object,
                    serde_json::json!({ "tag": name }),
                )?;
                if kind == Kind::Case {
                    crate::service::auto_share::on_untagged(conn, by, object, name)?;
                }
            }
        }
    }
    Ok(())
}

/// Makes the active organisation's tags on the object exactly `names`.
pub fn replace(
    conn: &mut DbConn,
    by: &By,
    kind: Kind,
    object: i64,
    names: &[String],
) -> Result<(), AppError> {
    let wanted = clean(names)?;
    let org = by.acting.organisation_id;
    let current: Vec<String> = chips(conn, kind, &[object])?
        .remove(&object)
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.organisation_id == org)
        .map(|c| c.name)
        .collect();
    let remove: Vec<String> = current
        .iter()
        .filter(|c| !wanted.contains(c))
        .cloned()
        .collect();
    change(conn, by, kind, object, &wanted, &remove)
}

/// Every tag on each object, of every organisation that tagged it.
pub fn chips(
    conn: &mut DbConn,
    kind: Kind,
    objects: &[i64],
) -> Result<BTreeMap<i64, Vec<Chip>>, AppError> {
    let rows: Vec<(i64, Tag)> = with_links!(kind, t, col => {
        t::table
            .inner_join(tags::table)
            .filter(col.eq_any(objects))
            .order(tags::name.asc())
            .select((col, Tag::as_select()))
            .load(conn)?
    });
    let mut map: BTreeMap<i64, Vec<Chip>> = BTreeMap::new();
    for (object, tag) in rows {
        map.entry(object).or_default().push(Chip {
            id: tag.id,
            name: tag.name,
            colour: tag.colour,
            organisation_id: tag.organisation_id,
        });
    }
    Ok(map)
}

/// The names on one object (every organisation's), e.g. to copy them.
pub fn names(conn: &mut DbConn, kind: Kind, object: i64) -> Result<Vec<String>, AppError> {
    let mut names: Vec<String> = chips(conn, kind, &[object])?
        .remove(&object)
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.name)
        .collect();
    names.dedup();
    Ok(names)
}

/// Up to 10 of the organisation's tag names starting with `prefix`.
pub fn suggest(conn: &mut DbConn, org: i64, prefix: &str) -> Result<Vec<String>, AppError> {
    let all: Vec<String> = tags::table
        .filter(tags::organisation_id.eq(org))
        .order(tags::name.asc())
        .select(tags::name)
        .load(conn)?;
    let p = prefix.trim().to_lowercase();
    Ok(all
        .into_iter()
        .filter(|n| n.to_lowercase().starts_with(&p))
        .take(10)
        .collect())
}

// --- Organisation > Custom tags ------------------------------------------------

/// A tag with how many objects the organisation can see carry it.
#[derive(Debug, Clone)]
pub struct TagRow {
    pub tag: Tag,
    pub cases: i64,
    pub alerts: i64,
    pub observables: i64,
    pub templates: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Name,
    NameDesc,
    Cases,
    Alerts,
    Observables,
    Templates,
    Created,
    Updated,
}

impl Sort {
    pub fn parse(s: &str) -> Sort {
        match s {
            "-name" => Sort::NameDesc,
            "cases" => Sort::Cases,
            "alerts" => Sort::Alerts,
            "observables" => Sort::Observables,
            "templates" => Sort::Templates,
            "created" => Sort::Created,
            "updated" => Sort::Updated,
            _ => Sort::Name,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::NameDesc => "-name",
            Sort::Cases => "cases",
            Sort::Alerts => "alerts",
            Sort::Observables => "observables",
            Sort::Templates => "templates",
            Sort::Created => "created",
            Sort::Updated => "updated",
        }
    }
}

#[derive(diesel::QueryableByName)]
struct CountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    tag_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cases: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    alerts: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    observables: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    templates: i64,
}

/// Usage counts stop at this: a count above it reads "more than 1,000"
/// ([`capped`]). Counting stops there, so a tag on 200,000 cases costs no
/// more than one on 1,001.
pub const USAGE_CAP: i64 = 1000;

/// A usage count for people: exact up to [`USAGE_CAP`], then "1,000+".
pub fn capped(n: i64) -> String {
    if n > USAGE_CAP {
        format!("{},{:03}+", USAGE_CAP / 1000, USAGE_CAP % 1000)
    } else {
        n.to_string()
    }
}

/// Usage counts of every tag of `org` in one statement, each counting at most
/// [`USAGE_CAP`] + 1 objects, restricted to objects the organisation can see:
/// cases and observables through its shares, its own alerts and templates.
pub fn counts(conn: &mut DbConn, org: i64) -> Result<BTreeMap<i64, [i64; 4]>, AppError> {
    let limit = USAGE_CAP + 1;
    let sql = format!(
        "SELECT t.id AS tag_id, \
         (SELECT COUNT(*) FROM (SELECT 1 AS one FROM case_tags ct \
            JOIN shares s ON s.case_id = ct.case_id AND s.organisation_id = $1 \
            WHERE ct.tag_id = t.id LIMIT {limit}) x) AS cases, \
         (SELECT COUNT(*) FROM (SELECT 1 AS one FROM alert_tags at \
            JOIN alerts a ON a.id = at.alert_id AND a.organisation_id = $1 \
            WHERE at.tag_id = t.id LIMIT {limit}) x) AS alerts, \
         (SELECT COUNT(*) FROM (SELECT 1 AS one FROM observable_tags ot \
            WHERE ot.tag_id = t.id AND EXISTS (SELECT 1 FROM observable_shares os \
              JOIN shares s ON s.id = os.share_id AND s.organisation_id = $1 \
              WHERE os.observable_id = ot.observable_id) LIMIT {limit}) x) AS observables, \
         (SELECT COUNT(*) FROM (SELECT 1 AS one FROM template_tags tt \
            JOIN case_templates c ON c.id = tt.template_id AND c.organisation_id = $1 \
            WHERE tt.tag_id = t.id LIMIT {limit}) x) AS templates \
         FROM tags t WHERE t.organisation_id = $1"
    );
    let rows: Vec<CountRow> = match conn {
        DbConn::Pg(c) => diesel::sql_query(sql)
            .bind::<diesel::sql_types::BigInt, _>(org)
            .load(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(sql.replace('$', "?"))
            .bind::<diesel::sql_types::BigInt, _>(org)
            .load(c)?,
    };
    Ok(rows
        .into_iter()
        .map(|r| (r.tag_id, [r.cases, r.alerts, r.observables, r.templates]))
        .collect())
}

pub struct TagPage {
    pub rows: Vec<TagRow>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
}

pub const PAGE: usize = 15;

/// Every tag of the organisation whose name contains `filter`, sorted, with counts.
pub fn rows(
    conn: &mut DbConn,
    org: i64,
    filter: &str,
    sort: Sort,
) -> Result<Vec<TagRow>, AppError> {
    let all: Vec<Tag> = tags::table
        .filter(tags::organisation_id.eq(org))
        .select(Tag::as_select())
        .load(conn)?;
    let counts = counts(conn, org)?;
    let f = filter.trim().to_lowercase();
    let mut rows: Vec<TagRow> = all
        .into_iter()
        .filter(|t| f.is_empty() || t.name.to_lowercase().contains(&f))
        .map(|t| {
            let c = counts.get(&t.id).copied().unwrap_or_default();
            TagRow {
                tag: t,
                cases: c[0],
                alerts: c[1],
                observables: c[2],
                templates: c[3],
            }
        })
        .collect();
    match sort {
        Sort::Name => rows.sort_by(|a, b| a.tag.name.cmp(&b.tag.name)),
        Sort::NameDesc => rows.sort_by(|a, b| b.tag.name.cmp(&a.tag.name)),
        Sort::Cases => rows.sort_by(|a, b| b.cases.cmp(&a.cases).then(a.tag.name.cmp(&b.tag.name))),
        Sort::Alerts => {
            rows.sort_by(|a, b| b.alerts.cmp(&a.alerts).then(a.tag.name.cmp(&b.tag.name)))
        }
        Sort::Observables => rows.sort_by(|a, b| {
            b.observables
                .cmp(&a.observables)
                .then(a.tag.name.cmp(&b.tag.name))
        }),
        Sort::Templates => rows.sort_by(|a, b| {
            b.templates
                .cmp(&a.templates)
                .then(a.tag.name.cmp(&b.tag.name))
        }),
        Sort::Created => rows.sort_by(|a, b| {
            b.tag
                .created_at
                .cmp(&a.tag.created_at)
                .then(a.tag.id.cmp(&b.tag.id))
        }),
        Sort::Updated => rows.sort_by(|a, b| {
            b.tag
                .updated_at
                .unwrap_or(b.tag.created_at)
                .cmp(&a.tag.updated_at.unwrap_or(a.tag.created_at))
        }),
    }
    Ok(rows)
}

/// The Custom tags list of the organisation: filtered, sorted, one page.
pub fn list(
    conn: &mut DbConn,
    org: i64,
    filter: &str,
    sort: Sort,
    page: usize,
) -> Result<TagPage, AppError> {
    let rows = rows(conn, org, filter, sort)?;
    let total = rows.len();
    let pages = total.div_ceil(PAGE).max(1);
    let page = page.clamp(1, pages);
    let rows = rows
        .into_iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .collect();
    Ok(TagPage {
        rows,
        total,
        page,
        pages,
    })
}

/// `manageTag` in an organisation that holds cases (403 otherwise).
pub fn require(by: &By) -> Result<(), AppError> {
    crate::service::cases::require_case_holder(by)?;
    if !by.permissions().contains(Permission::ManageTag) {
        return Err(AppError::forbidden("Managing custom tags needs manageTag."));
    }
    Ok(())
}

/// A tag of the active organisation; 404 otherwise.
pub fn own(conn: &mut DbConn, by: &By, id: i64) -> Result<Tag, AppError> {
    tags::table
        .filter(tags::id.eq(id))
        .filter(tags::organisation_id.eq(by.acting.organisation_id))
        .select(Tag::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("No such tag."))
}

pub fn check_colour(colour: &str) -> Result<String, AppError> {
    let c = colour.trim().to_lowercase();
    if c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()) {
        Ok(c)
    } else {
        Err(AppError::bad_request("The colour must look like #rrggbb."))
    }
}

pub fn set_colour(conn: &mut DbConn, by: &By, id: i64, colour: &str) -> Result<Tag, AppError> {
    require(by)?;
    let tag = own(conn, by, id)?;
    let colour = check_colour(colour)?;
    diesel::update(tags::table.find(id))
        .set((
            tags::colour.eq(&colour),
            tags::updated_by.eq(by.login),
            tags::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    record(
        conn,
        by,
        "update",
        "Tag",
        id,
        serde_json::json!({ "name": tag.name, "colour": [tag.colour, colour] }),
    )?;
    own(conn, by, id)
}

pub fn set_description(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    description: &str,
) -> Result<Tag, AppError> {
    require(by)?;
    let tag = own(conn, by, id)?;
    diesel::update(tags::table.find(id))
        .set((
            tags::description.eq(description.trim()),
            tags::updated_by.eq(by.login),
            tags::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    record(
        conn,
        by,
        "update",
        "Tag",
        id,
        serde_json::json!({ "name": tag.name, "description": description.trim() }),
    )?;
    own(conn, by, id)
}

/// What a rename did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Renamed {
    Renamed(Tag),
    /// Merged into the existing tag of that name.
    Merged(Tag),
}

/// Renames a tag. Onto an existing name it refuses with 409 unless `merge`,
/// in which case objects carrying both end with one and the old tag goes.
pub fn rename(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    new_name: &str,
    merge: bool,
) -> Result<Renamed, AppError> {
    require(by)?;
    let tag = own(conn, by, id)?;
    let name = clean(&[new_name.to_string()])?
        .pop()
        .ok_or_else(|| AppError::bad_request("The name is required."))?;
    if name == tag.name {
        return Ok(Renamed::Renamed(tag));
    }
    if let Some(target) = by_name(conn, by.acting.organisation_id, &name)? {
        if !merge {
            return Err(AppError::conflict(format!(
                "A tag named \"{name}\" already exists. Merge the two?"
            )));
        }
        for kind in [Kind::Case, Kind::Alert, Kind::Observable, Kind::Template] {
            with_links!(kind, t, col => {
                let objects: Vec<i64> = t::table.filter(t::tag_id.eq(id)).select(col).load(conn)?;
                for object in objects {
                    let exists = t::table.filter(t::tag_id.eq(target.id)).filter(col.eq(object)).count().get_result::<i64>(conn)? > 0;
                    if !exists {
                        diesel::insert_into(t::table).values((t::tag_id.eq(target.id), col.eq(object))).execute(conn)?;
                    }
                }
            });
        }
        diesel::delete(tags::table.find(id)).execute(conn)?;
        record(
            conn,
            by,
            "merge",
            "Tag",
            id,
            serde_json::json!({ "from": tag.name, "into": name }),
        )?;
        return Ok(Renamed::Merged(own(conn, by, target.id)?));
    }
    diesel::update(tags::table.find(id))
        .set((
            tags::name.eq(&name),
            tags::updated_by.eq(by.login),
            tags::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    record(
        conn,
        by,
        "update",
        "Tag",
        id,
        serde_json::json!({ "name": [tag.name, name] }),
    )?;
    Ok(Renamed::Renamed(own(conn, by, id)?))
}

/// How many objects carry the tag, all kinds (for the delete confirmation).
pub fn carriers(conn: &mut DbConn, id: i64) -> Result<i64, AppError> {
    let mut n = 0;
    for kind in [Kind::Case, Kind::Alert, Kind::Observable, Kind::Template] {
        n += with_links!(kind, t, col => { let _ = col; t::table.filter(t::tag_id.eq(id)).count().get_result::<i64>(conn)? });
    }
    Ok(n)
}

/// Removes the tag from every object and deletes it, in one transaction.
pub fn delete(conn: &mut DbConn, by: &By, id: i64) -> Result<(String, i64), AppError> {
    require(by)?;
    let tag = own(conn, by, id)?;
    let n = carriers(conn, id)?;
    diesel::delete(tags::table.find(id)).execute(conn)?;
    record(
        conn,
        by,
        "delete",
        "Tag",
        id,
        serde_json::json!({ "name": tag.name, "objects": n }),
    )?;
    Ok((tag.name, n))
}
