//! Queries. Organisation-owned rows are always reached with the tenant.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::models::*;
use super::schema::*;
use super::DbConn;

// --- settings ---------------------------------------------------------------

pub fn get_setting(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .filter(settings::name.eq(key))
        .select(settings::value)
        .first(conn)
        .optional()
}

pub fn insert_setting(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<()> {
    diesel::insert_into(settings::table)
        .values((settings::name.eq(key), settings::value.eq(value)))
        .execute(conn)
        .map(drop)
}

// --- organisations ------------------------------------------------------------

pub fn organisation_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::name_key.eq(key))
        .select(Organisation::as_select())
        .first(conn)
        .optional()
}

pub fn insert_organisation(conn: &mut DbConn, new: &NewOrganisation) -> QueryResult<Organisation> {
    diesel::insert_into(organisations::table)
        .values(new)
        .execute(conn)?;
    organisations::table
        .filter(organisations::name_key.eq(new.name_key))
        .select(Organisation::as_select())
        .first(conn)
}

pub fn set_organisation_locked(
    conn: &mut DbConn,
    organisation_id: i64,
    locked: bool,
    by: &str,
    at: i64,
) -> QueryResult<usize> {
    diesel::update(organisations::table.find(organisation_id))
        .set((
            organisations::locked.eq(locked),
            organisations::updated_by.eq(by),
            organisations::updated_at.eq(at),
        ))
        .execute(conn)
}

// --- profiles -----------------------------------------------------------------

pub fn profile_by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Profile>> {
    profiles::table
        .filter(profiles::name.eq(name))
        .select(Profile::as_select())
        .first(conn)
        .optional()
}

pub fn insert_profile(conn: &mut DbConn, new: &NewProfile) -> QueryResult<Profile> {
    diesel::insert_into(profiles::table)
        .values(new)
        .execute(conn)?;
    profiles::table
        .filter(profiles::name.eq(new.name))
        .select(Profile::as_select())
        .first(conn)
}

// --- users --------------------------------------------------------------------

pub fn user_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn user_by_login_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::login_key.eq(key))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn count_users(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn insert_user(conn: &mut DbConn, new: &NewUser) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .execute(conn)?;
    users::table
        .filter(users::login_key.eq(new.login_key))
        .select(User::as_select())
        .first(conn)
}

pub fn set_user_locked(
    conn: &mut DbConn,
    user_id: i64,
    locked: bool,
    by: &str,
    at: i64,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::locked.eq(locked),
            users::updated_by.eq(by),
            users::updated_at.eq(at),
        ))
        .execute(conn)
}

// --- memberships --------------------------------------------------------------

pub fn insert_membership(conn: &mut DbConn, new: &NewMembership) -> QueryResult<()> {
    diesel::insert_into(memberships::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

/// Every membership of a user, with organisation and profile, by name.
pub fn memberships_of_user(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<MembershipView>> {
    Ok(memberships_of_users(conn, &[user_id])?
        .into_iter()
        .map(|(_, m)| m)
        .collect())
}

/// The memberships of many users in one statement, as (user id, membership),
/// each user's by organisation name.
pub fn memberships_of_users(
    conn: &mut DbConn,
    user_ids: &[i64],
) -> QueryResult<Vec<(i64, MembershipView)>> {
    memberships::table
        .inner_join(organisations::table)
        .inner_join(profiles::table)
        .filter(memberships::user_id.eq_any(user_ids))
        .order((memberships::user_id.asc(), organisations::name_key.asc()))
        .select((
            memberships::user_id,
            (
                organisations::id,
                organisations::name,
                organisations::locked,
                profiles::name,
                profiles::permissions,
            ),
        ))
        .load(conn)
}

/// Removes a user's membership of one organisation.
pub fn delete_membership(
    conn: &mut DbConn,
    user_id: i64,
    organisation_id: i64,
) -> QueryResult<usize> {
    diesel::delete(
        memberships::table
            .filter(memberships::user_id.eq(user_id))
            .filter(memberships::organisation_id.eq(organisation_id)),
    )
    .execute(conn)
}

// --- audit --------------------------------------------------------------------

pub fn insert_audit(conn: &mut DbConn, record: &NewAuditRecord) -> QueryResult<()> {
    diesel::insert_into(audit_records::table)
        .values(record)
        .execute(conn)
        .map(drop)
}

// --- sessions -----------------------------------------------------------------

/// Ends every session of a user (lock, "kill sessions", password change).
pub fn delete_sessions_of_user(conn: &mut DbConn, user_id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

// --- failed sign-in counters -------------------------------------------------

/// Failures recorded for `subject` since `since` (ms).
pub fn recent_failures(conn: &mut DbConn, subject: &str, since: i64) -> QueryResult<i32> {
    Ok(login_failures::table
        .filter(login_failures::subject.eq(subject))
        .filter(login_failures::window_start.ge(since))
        .select(login_failures::failures)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Counts one failure for `subject`, starting a new window when the stored one
/// began before `since`. One atomic upsert, safe across app instances.
pub fn record_failure(conn: &mut DbConn, subject: &str, now: i64, since: i64) -> QueryResult<()> {
    const SQL: &str = "INSERT INTO login_failures (subject, window_start, failures) VALUES ($1, $2, 1) \
        ON CONFLICT (subject) DO UPDATE SET \
        failures = CASE WHEN login_failures.window_start < $3 THEN 1 ELSE login_failures.failures + 1 END, \
        window_start = CASE WHEN login_failures.window_start < $3 THEN $2 ELSE login_failures.window_start END";
    match conn {
        DbConn::Pg(c) => diesel::sql_query(SQL)
            .bind::<Text, _>(subject)
            .bind::<BigInt, _>(now)
            .bind::<BigInt, _>(since)
            .execute(c),
        DbConn::Sqlite(c) => diesel::sql_query(SQL.replace('$', "?"))
            .bind::<Text, _>(subject)
            .bind::<BigInt, _>(now)
            .bind::<BigInt, _>(since)
            .execute(c),
    }
    .map(drop)
}

pub fn clear_failures(conn: &mut DbConn, subject: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(subject)))
        .execute(conn)
        .map(drop)
}
