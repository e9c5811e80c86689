//! Auto-share rules: "when a case of this organisation gets a tag matching
//! `client:{org}`, share it with the organisation the capture names (or its
//! alias), with profile P and item rules R". Applied by `tags::change` in the
//! transaction of the tag change, whichever way the tag came (screen, API,
//! case template, alert promotion). A rule that cannot apply leaves the case
//! as it is and says why, in the audit log and on the rule.

use diesel::prelude::*;

use crate::db::models::AutoShareRule;
use crate::db::schema::{auto_share_rules, organisations, profiles, shares};
use crate::db::{now_ms, DbConn};
use crate::domain::names::name_key;
use crate::domain::permissions::Permission;
use crate::domain::sharing::ItemRule;
use crate::error::AppError;
use crate::service::audit;
use crate::service::cases::{self, sharing};
use crate::service::By;

pub const PLACEHOLDER: &str = "{org}";

/// Managing rules needs both `manageShare` and `manageConfig`.
fn require(by: &By) -> Result<(), AppError> {
    cases::require_case_holder(by)?;
    let p = by.permissions();
    if !(p.contains(Permission::ManageShare) && p.contains(Permission::ManageConfig)) {
        return Err(AppError::forbidden(
            "Auto-share rules need manageShare and manageConfig.",
        ));
    }
    Ok(())
}

/// The capture of `{org}` in `tag`, if the tag matches the pattern.
pub fn capture<'t>(pattern: &str, tag: &'t str) -> Option<&'t str> {
    let (prefix, suffix) = pattern.split_once(PLACEHOLDER)?;
    let rest = tag.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!rest.is_empty()).then_some(rest)
}

/// `value = organisation` lines.
pub fn parse_aliases(text: &str) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (value, org) = line
            .split_once('=')
            .map(|(a, b)| (a.trim(), b.trim()))
            .filter(|(a, b)| !a.is_empty() && !b.is_empty())
            .ok_or_else(|| {
                AppError::bad_request(format!(
                    "Alias line {} must read \"tag value = organisation\".",
                    n + 1
                ))
            })?;
        out.push((value.to_owned(), org.to_owned()));
    }
    Ok(out)
}

#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub pattern: String,
    pub aliases: String,
    pub profile: String,
    pub task_rule: String,
    pub observable_rule: String,
    pub unshare_on_remove: bool,
}

/// A rule with its profile's name, as screens and the API show it.
#[derive(Debug, Clone)]
pub struct RuleView {
    pub rule: AutoShareRule,
    pub profile: String,
}

pub fn list(conn: &mut DbConn, by: &By) -> Result<Vec<RuleView>, AppError> {
    require(by)?;
    let rows: Vec<(AutoShareRule, String)> = auto_share_rules::table
        .inner_join(profiles::table)
        .filter(auto_share_rules::organisation_id.eq(by.acting.organisation_id))
        .order(auto_share_rules::id.asc())
        .select((AutoShareRule::as_select(), profiles::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(rule, profile)| RuleView { rule, profile })
        .collect())
}

/// A rule of the active organisation; 404 otherwise.
pub fn get(conn: &mut DbConn, by: &By, id: i64) -> Result<RuleView, AppError> {
    list(conn, by)?
        .into_iter()
        .find(|r| r.rule.id == id)
        .ok_or_else(|| AppError::not_found("No such auto-share rule."))
}

fn record(
    conn: &mut DbConn,
    by: &By,
    action: &str,
    id: i64,
    details: serde_json::Value,
) -> Result<(), AppError> {
    audit::record_by(conn, by, "AutoShareRule", action, id, details)
}

pub fn create(conn: &mut DbConn, by: &By, input: &RuleInput) -> Result<RuleView, AppError> {
    require(by)?;
    let pattern = input.pattern.trim();
    if pattern.matches(PLACEHOLDER).count() != 1 {
        return Err(AppError::bad_request(
            "The pattern must contain {org} exactly once, e.g. client:{org}.",
        ));
    }
    if pattern.chars().any(char::is_control) || pattern.len() > 100 {
        return Err(AppError::bad_request(
            "The pattern is not a valid tag pattern.",
        ));
    }
    parse_aliases(&input.aliases)?;
    let task_rule = ItemRule::parse(&input.task_rule).map_err(AppError::bad_request)?;
    let observable_rule = ItemRule::parse(&input.observable_rule).map_err(AppError::bad_request)?;
    let profile: Option<(i64, String)> = profiles::table
        .filter(profiles::name.eq(input.profile.trim()))
        .filter(profiles::kind.ne("admin"))
        .select((profiles::id, profiles::name))
        .first(conn)
        .optional()?;
    let (profile_id, _) = profile.ok_or_else(|| {
        AppError::bad_request(format!("Unknown profile \"{}\".", input.profile.trim()))
    })?;
    let org = by.acting.organisation_id;
    let taken = auto_share_rules::table
        .filter(auto_share_rules::organisation_id.eq(org))
        .filter(auto_share_rules::pattern.eq(pattern))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if taken {
        return Err(AppError::conflict(format!(
            "A rule for {pattern} already exists."
        )));
    }
    diesel::insert_into(auto_share_rules::table)
        .values((
            auto_share_rules::organisation_id.eq(org),
            auto_share_rules::pattern.eq(pattern),
            auto_share_rules::aliases.eq(input.aliases.trim()),
            auto_share_rules::profile_id.eq(profile_id),
            auto_share_rules::task_rule.eq(task_rule.as_str()),
            auto_share_rules::observable_rule.eq(observable_rule.as_str()),
            auto_share_rules::unshare_on_remove.eq(input.unshare_on_remove),
            auto_share_rules::created_by.eq(by.login),
            auto_share_rules::created_at.eq(now_ms()),
        ))
        .execute(conn)?;
    let id: i64 = auto_share_rules::table
        .filter(auto_share_rules::organisation_id.eq(org))
        .filter(auto_share_rules::pattern.eq(pattern))
        .select(auto_share_rules::id)
        .first(conn)?;
    record(
        conn,
        by,
        "createAutoShareRule",
        id,
        serde_json::json!({ "pattern": pattern, "profile": input.profile.trim(), "taskRule": task_rule.as_str(), "observableRule": observable_rule.as_str() }),
    )?;
    get(conn, by, id)
}

pub fn set_enabled(
    conn: &mut DbConn,
    by: &By,
    id: i64,
    enabled: bool,
) -> Result<RuleView, AppError> {
    let r = get(conn, by, id)?;
    diesel::update(auto_share_rules::table.find(r.rule.id))
        .set((
            auto_share_rules::enabled.eq(enabled),
            auto_share_rules::updated_by.eq(by.login),
            auto_share_rules::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    record(
        conn,
        by,
        if enabled {
            "enableAutoShareRule"
        } else {
            "disableAutoShareRule"
        },
        id,
        serde_json::json!({ "pattern": r.rule.pattern }),
    )?;
    get(conn, by, id)
}

pub fn delete(conn: &mut DbConn, by: &By, id: i64) -> Result<(), AppError> {
    let r = get(conn, by, id)?;
    diesel::delete(auto_share_rules::table.find(r.rule.id)).execute(conn)?;
    record(
        conn,
        by,
        "deleteAutoShareRule",
        id,
        serde_json::json!({ "pattern": r.rule.pattern }),
    )
}

/// The organisation a captured value names: an alias first, then the name.
fn target(
    conn: &mut DbConn,
    rule: &AutoShareRule,
    value: &str,
) -> Result<Option<(i64, String)>, AppError> {
    let aliases = parse_aliases(&rule.aliases).unwrap_or_default();
    let name = aliases
        .iter()
        .find(|(v, _)| v == value)
        .map_or(value, |(_, org)| org.as_str());
    Ok(organisations::table
        .filter(organisations::name_key.eq(name_key(name)))
        .select((organisations::id, organisations::name))
        .first(conn)
        .optional()?)
}

/// Notes what a rule did (or why it did nothing), on the rule and in the
/// audit log.
fn outcome(
    conn: &mut DbConn,
    by: &By,
    rule: &AutoShareRule,
    case_id: i64,
    tag: &str,
    applied: bool,
    text: &str,
) -> Result<(), AppError> {
    diesel::update(auto_share_rules::table.find(rule.id))
        .set((
            auto_share_rules::last_outcome.eq(text),
            auto_share_rules::last_outcome_at.eq(now_ms()),
        ))
        .execute(conn)?;
    record(
        conn,
        by,
        if applied {
            "autoShare"
        } else {
            "autoShareSkipped"
        },
        rule.id,
        serde_json::json!({ "case": case_id, "tag": tag, "pattern": rule.pattern, "outcome": text }),
    )
}

fn rules_of(conn: &mut DbConn, org: i64) -> Result<Vec<(AutoShareRule, String)>, AppError> {
    Ok(auto_share_rules::table
        .inner_join(profiles::table)
        .filter(auto_share_rules::organisation_id.eq(org))
        .filter(auto_share_rules::enabled.eq(true))
        .order(auto_share_rules::id.asc())
        .select((AutoShareRule::as_select(), profiles::name))
        .load(conn)?)
}

/// The case `case_id` just got the active organisation's tag `tag`. Only
/// cases the organisation owns are shared by its rules.
pub fn on_tagged(conn: &mut DbConn, by: &By, case_id: i64, tag: &str) -> Result<(), AppError> {
    let org = by.acting.organisation_id;
    let rules = rules_of(conn, org)?;
    if rules.is_empty() {
        return Ok(());
    }
    let v = cases::visible(conn, org, case_id)?;
    if !v.share.owner {
        return Ok(());
    }
    for (rule, profile) in rules {
        let Some(value) = capture(&rule.pattern, tag) else {
            continue;
        };
        let Some((target_id, target_name)) = target(conn, &rule, value)? else {
            let text = format!("Case #{}: no organisation named {value}.", v.case.number);
            outcome(conn, by, &rule, case_id, tag, false, &text)?;
            continue;
        };
        let new = sharing::NewShare {
            organisation: target_id,
            profile: profile.clone(),
            task_rule: ItemRule::parse(&rule.task_rule).unwrap_or(ItemRule::Manual),
            observable_rule: ItemRule::parse(&rule.observable_rule).unwrap_or(ItemRule::Manual),
        };
        let origin = format!("rule:{}", rule.id);
        let why = format!("rule {}", rule.pattern);
        let text = if target_id == org {
            format!(
                "Case #{}: {target_name} is this organisation.",
                v.case.number
            )
        } else {
            match sharing::share_from(conn, by, &v, &new, &origin, &why) {
                Ok(_) => {
                    let text = format!(
                        "Case #{} shared with {target_name} as {profile}.",
                        v.case.number
                    );
                    outcome(conn, by, &rule, case_id, tag, true, &text)?;
                    continue;
                }
                // Refusals are decided before any write: the case stays as it is.
                Err(e)
                    if matches!(
                        e.kind,
                        crate::error::ErrorKind::BadRequest
                            | crate::error::ErrorKind::Conflict
                            | crate::error::ErrorKind::Forbidden
                            | crate::error::ErrorKind::NotFound
                    ) =>
                {
                    format!("Case #{}: {}", v.case.number, e.message)
                }
                Err(e) => return Err(e),
            }
        };
        outcome(conn, by, &rule, case_id, tag, false, &text)?;
    }
    Ok(())
}

/// The case lost the active organisation's tag `tag`: rules that unshare on
/// removal remove the share they made (not one a person or a link made).
pub fn on_untagged(conn: &mut DbConn, by: &By, case_id: i64, tag: &str) -> Result<(), AppError> {
    let org = by.acting.organisation_id;
    for (rule, _) in rules_of(conn, org)? {
        if !rule.unshare_on_remove {
            continue;
        }
        let Some(value) = capture(&rule.pattern, tag) else {
            continue;
        };
        let Some((target_id, target_name)) = target(conn, &rule, value)? else {
            continue;
        };
        let made: Option<crate::db::models::Share> = shares::table
            .filter(shares::case_id.eq(case_id))
            .filter(shares::organisation_id.eq(target_id))
            .filter(shares::origin.eq(format!("rule:{}", rule.id)))
            .select(crate::db::models::Share::as_select())
            .first(conn)
            .optional()?;
        if let Some(share) = made {
            sharing::remove_keeping_items(conn, &share)?;
            let text = format!(
                "Case #{} unshared from {target_name}: tag {tag} removed.",
                share.case_number
            );
            outcome(conn, by, &rule, case_id, tag, true, &text)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_capture_the_organisation() {
        assert_eq!(capture("client:{org}", "client:acme"), Some("acme"));
        assert_eq!(capture("client:{org}", "client:"), None);
        assert_eq!(capture("client:{org}", "customer:acme"), None);
        assert_eq!(capture("{org}-shared", "globex-shared"), Some("globex"));
        assert_eq!(capture("share/{org}/ro", "share/acme/ro"), Some("acme"));
        assert_eq!(
            capture("client:acme", "client:acme"),
            None,
            "no placeholder, no rule"
        );
        assert_eq!(
            parse_aliases("acme-corp = acme\n\n  g = globex ").unwrap(),
            vec![
                ("acme-corp".into(), "acme".into()),
                ("g".into(), "globex".into())
            ]
        );
        assert!(parse_aliases("nonsense").is_err());
    }
}
