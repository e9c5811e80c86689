//! Queries for administration: organisations, links, members, profiles, audit.

use diesel::prelude::*;

use super::models::*;
use super::schema::*;
use super::DbConn;

/// Sort orders of the organisations list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationSort {
    NameAsc,
    NameDesc,
    CreatedDesc,
    CreatedAsc,
    UpdatedDesc,
}

impl OrganisationSort {
    pub fn parse(s: &str) -> Self {
        match s {
            "-name" => Self::NameDesc,
            "created" => Self::CreatedAsc,
            "-created" => Self::CreatedDesc,
            "-updated" => Self::UpdatedDesc,
            _ => Self::NameAsc,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NameAsc => "name",
            Self::NameDesc => "-name",
            Self::CreatedAsc => "created",
            Self::CreatedDesc => "-created",
            Self::UpdatedDesc => "-updated",
        }
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One page of organisations whose name contains `filter` (case-insensitive),
/// and how many match in all.
pub fn list_organisations(
    conn: &mut DbConn,
    filter: &str,
    sort: OrganisationSort,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Organisation>, i64)> {
    let pattern = format!("%{}%", escape_like(&filter.trim().to_lowercase()));
    let base = || {
        organisations::table
            .filter(organisations::name_key.like(pattern.clone()).escape('\\'))
            .into_boxed()
    };
    let total = base().count().get_result(conn)?;
    let query = match sort {
        OrganisationSort::NameAsc => {
            base().order((organisations::name_key.asc(), organisations::id.asc()))
        }
        OrganisationSort::NameDesc => {
            base().order((organisations::name_key.desc(), organisations::id.desc()))
        }
        OrganisationSort::CreatedAsc => {
            base().order((organisations::created_at.asc(), organisations::id.asc()))
        }
        OrganisationSort::CreatedDesc => {
            base().order((organisations::created_at.desc(), organisations::id.desc()))
        }
        OrganisationSort::UpdatedDesc => base().order((
            organisations::updated_at.desc(),
            organisations::created_at.desc(),
            organisations::id.desc(),
        )),
    };
    let rows = query
        .select(Organisation::as_select())
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

pub fn organisation_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Organisation>> {
    organisations::table
        .find(id)
        .select(Organisation::as_select())
        .first(conn)
        .optional()
}

pub fn all_organisations(conn: &mut DbConn) -> QueryResult<Vec<Organisation>> {
    organisations::table
        .order(organisations::name_key.asc())
        .select(Organisation::as_select())
        .load(conn)
}

pub fn update_organisation(
    conn: &mut DbConn,
    id: i64,
    name: &str,
    name_key: &str,
    description: &str,
    by: &str,
    at: i64,
) -> QueryResult<usize> {
    diesel::update(organisations::table.find(id))
        .set((
            organisations::name.eq(name),
            organisations::name_key.eq(name_key),
            organisations::description.eq(description),
            organisations::updated_by.eq(by),
            organisations::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn update_organisation_rules(
    conn: &mut DbConn,
    id: i64,
    task_rule: &str,
    observable_rule: &str,
    by: &str,
    at: i64,
) -> QueryResult<usize> {
    diesel::update(organisations::table.find(id))
        .set((
            organisations::task_rule.eq(task_rule),
            organisations::observable_rule.eq(observable_rule),
            organisations::updated_by.eq(by),
            organisations::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn delete_organisation(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(organisations::table.find(id)).execute(conn)
}

/// Every link touching any of `ids`, in either direction.
pub fn links_touching(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<OrganisationLink>> {
    organisation_links::table
        .filter(
            organisation_links::from_organisation_id
                .eq_any(ids)
                .or(organisation_links::to_organisation_id.eq_any(ids)),
        )
        .select(OrganisationLink::as_select())
        .load(conn)
}

pub fn insert_link(
    conn: &mut DbConn,
    from: i64,
    to: i64,
    link_type: &str,
    by: &str,
    at: i64,
) -> QueryResult<()> {
    diesel::insert_into(organisation_links::table)
        .values((
            organisation_links::from_organisation_id.eq(from),
            organisation_links::to_organisation_id.eq(to),
            organisation_links::link_type.eq(link_type),
            organisation_links::created_by.eq(by),
            organisation_links::created_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

pub fn update_link(conn: &mut DbConn, from: i64, to: i64, link_type: &str) -> QueryResult<usize> {
    diesel::update(organisation_links::table.find((from, to)))
        .set(organisation_links::link_type.eq(link_type))
        .execute(conn)
}

pub fn delete_link(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<usize> {
    diesel::delete(organisation_links::table.find((from, to))).execute(conn)
}

/// A member row of an organisation's Users tab.
#[derive(Debug, Clone, Queryable)]
pub struct MemberRow {
    pub user_id: i64,
    pub login: String,
    pub name: String,
    pub email: Option<String>,
    pub locked: bool,
    pub has_key: Option<String>,
    pub profile_name: String,
    pub joined_at: i64,
}

pub fn members_of(conn: &mut DbConn, organisation_id: i64) -> QueryResult<Vec<MemberRow>> {
    memberships::table
        .inner_join(users::table)
        .inner_join(profiles::table)
        .filter(memberships::organisation_id.eq(organisation_id))
        .order(users::login_key.asc())
        .select((
            users::id,
            users::login,
            users::name,
            users::email,
            users::locked,
            users::api_key_hash,
            profiles::name,
            memberships::created_at,
        ))
        .load(conn)
}

/// How many organisations each of `user_ids` belongs to.
pub fn membership_counts(conn: &mut DbConn, user_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    memberships::table
        .filter(memberships::user_id.eq_any(user_ids))
        .group_by(memberships::user_id)
        .select((memberships::user_id, diesel::dsl::count_star()))
        .load(conn)
}

/// The organisation ids a user belongs to.
pub fn organisation_ids_of_user(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<i64>> {
    memberships::table
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::organisation_id)
        .load(conn)
}

pub fn membership_profile(
    conn: &mut DbConn,
    user_id: i64,
    organisation_id: i64,
) -> QueryResult<Option<i64>> {
    memberships::table
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::organisation_id.eq(organisation_id))
        .select(memberships::profile_id)
        .first(conn)
        .optional()
}

pub fn set_membership_profile(
    conn: &mut DbConn,
    user_id: i64,
    organisation_id: i64,
    profile_id: i64,
) -> QueryResult<usize> {
    diesel::update(
        memberships::table
            .filter(memberships::user_id.eq(user_id))
            .filter(memberships::organisation_id.eq(organisation_id)),
    )
    .set(memberships::profile_id.eq(profile_id))
    .execute(conn)
}

pub fn count_members_with_profile(conn: &mut DbConn, profile_id: i64) -> QueryResult<i64> {
    memberships::table
        .filter(memberships::profile_id.eq(profile_id))
        .count()
        .get_result(conn)
}

/// Case shares using a profile.
pub fn count_shares_with_profile(conn: &mut DbConn, profile_id: i64) -> QueryResult<i64> {
    shares::table
        .filter(shares::profile_id.eq(profile_id))
        .count()
        .get_result(conn)
}

/// Up to `limit` users by login, after `after` (a login key), whose login
/// starts with `prefix` (empty: every user).
pub fn users_by_login(
    conn: &mut DbConn,
    prefix: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let mut q = users::table.into_boxed();
    let prefix = prefix.trim().to_lowercase();
    if !prefix.is_empty() {
        q = q.filter(
            users::login_key
                .like(format!("{}%", escape_like(&prefix)))
                .escape('\\'),
        );
    }
    if let Some(after) = after {
        q = q.filter(users::login_key.gt(after.to_string()));
    }
    q.order(users::login_key.asc())
        .limit(limit)
        .select(User::as_select())
        .load(conn)
}

pub fn users_with_login_prefix(
    conn: &mut DbConn,
    prefix: &str,
    limit: i64,
) -> QueryResult<Vec<User>> {
    users_by_login(conn, prefix, None, limit)
}

pub fn delete_user(conn: &mut DbConn, user_id: i64) -> QueryResult<usize> {
    diesel::delete(users::table.find(user_id)).execute(conn)
}

pub fn set_password_hash(
    conn: &mut DbConn,
    user_id: i64,
    hash: Option<&str>,
    by: &str,
    at: i64,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::updated_by.eq(by),
            users::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn set_api_key_hash(
    conn: &mut DbConn,
    user_id: i64,
    hash: Option<&str>,
    by: &str,
    at: i64,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::api_key_hash.eq(hash),
            users::updated_by.eq(by),
            users::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn set_default_organisation(
    conn: &mut DbConn,
    user_id: i64,
    org: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set(users::default_organisation_id.eq(org))
        .execute(conn)
}

pub fn all_profiles(conn: &mut DbConn) -> QueryResult<Vec<Profile>> {
    profiles::table
        .order(profiles::name.asc())
        .select(Profile::as_select())
        .load(conn)
}

pub fn profile_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Profile>> {
    profiles::table
        .find(id)
        .select(Profile::as_select())
        .first(conn)
        .optional()
}

pub fn update_profile(
    conn: &mut DbConn,
    id: i64,
    name: &str,
    permissions: &str,
    by: &str,
    at: i64,
) -> QueryResult<usize> {
    diesel::update(profiles::table.find(id))
        .set((
            profiles::name.eq(name),
            profiles::permissions.eq(permissions),
            profiles::updated_by.eq(by),
            profiles::updated_at.eq(at),
        ))
        .execute(conn)
}

pub fn delete_profile(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(profiles::table.find(id)).execute(conn)
}

/// Audit filters; `organisation` of `None` means every organisation.
pub struct AuditFilter<'a> {
    pub organisation: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub before: Option<i64>,
}

/// Newest first, by key (`before` = the last id of the previous page).
pub fn audit_page(
    conn: &mut DbConn,
    filter: &AuditFilter,
    limit: i64,
) -> QueryResult<Vec<AuditRecord>> {
    let mut q = audit_records::table.into_boxed();
    if let Some(org) = filter.organisation {
        q = q.filter(audit_records::organisation_id.eq(org));
    }
    if !filter.actor.trim().is_empty() {
        q = q.filter(audit_records::actor.eq(filter.actor.trim().to_string()));
    }
    if !filter.action.trim().is_empty() {
        q = q.filter(audit_records::action.eq(filter.action.trim().to_string()));
    }
    if let Some(before) = filter.before {
        q = q.filter(audit_records::id.lt(before));
    }
    q.order(audit_records::id.desc())
        .limit(limit)
        .select(AuditRecord::as_select())
        .load(conn)
}
