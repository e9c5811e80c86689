//! Rows as stored. Timestamps are epoch milliseconds.

use diesel::prelude::*;

use super::schema::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub locked: bool,
    pub task_rule: String,
    pub observable_rule: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisation<'a> {
    pub name: &'a str,
    pub name_key: &'a str,
    pub description: &'a str,
    pub created_by: &'a str,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = profiles)]
pub struct Profile {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub permissions: String,
    pub editable: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = profiles)]
pub struct NewProfile<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub permissions: &'a str,
    pub editable: bool,
    pub created_by: &'a str,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub login_key: String,
    pub name: String,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub api_key_hash: Option<String>,
    pub locked: bool,
    pub default_organisation_id: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub login: &'a str,
    pub login_key: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub default_organisation_id: Option<i64>,
    pub created_by: &'a str,
    pub created_at: i64,
}

#[derive(Insertable)]
#[diesel(table_name = memberships)]
pub struct NewMembership<'a> {
    pub user_id: i64,
    pub organisation_id: i64,
    pub profile_id: i64,
    pub created_by: &'a str,
    pub created_at: i64,
}

/// A user's membership with what is needed to decide rights and draw the
/// organisation switcher.
#[derive(Debug, Clone, Queryable)]
pub struct MembershipView {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub organisation_locked: bool,
    pub profile_name: String,
    pub profile_permissions: String,
}

#[derive(Insertable)]
#[diesel(table_name = audit_records)]
pub struct NewAuditRecord<'a> {
    pub actor: &'a str,
    pub organisation_id: Option<i64>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub root_id: Option<&'a str>,
    pub details: &'a str,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisation_links)]
pub struct OrganisationLink {
    pub from_organisation_id: i64,
    pub to_organisation_id: i64,
    pub link_type: String,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_records)]
pub struct AuditRecord {
    pub id: i64,
    pub actor: String,
    pub organisation_id: Option<i64>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub root_id: Option<String>,
    pub details: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct Case {
    pub id: i64,
    pub number: i64,
    pub owner_organisation_id: i64,
    pub title: String,
    pub description: String,
    pub severity: i32,
    pub tlp: i32,
    pub pap: i32,
    pub status: String,
    pub impact_status: Option<String>,
    pub summary: Option<String>,
    pub assignee: Option<String>,
    pub flag: bool,
    pub start_date: i64,
    pub end_date: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = shares)]
pub struct Share {
    pub id: i64,
    pub case_id: i64,
    pub organisation_id: i64,
    pub profile_id: i64,
    pub owner: bool,
    pub task_rule: String,
    pub observable_rule: String,
    pub case_number: i64,
    pub case_updated_at: i64,
    pub created_by: String,
    pub created_at: i64,
    /// `person`, `link:<type>` or `rule:<id>`.
    pub origin: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auto_share_rules)]
pub struct AutoShareRule {
    pub id: i64,
    pub organisation_id: i64,
    pub pattern: String,
    pub aliases: String,
    pub profile_id: i64,
    pub task_rule: String,
    pub observable_rule: String,
    pub unshare_on_remove: bool,
    pub enabled: bool,
    pub last_outcome: Option<String>,
    pub last_outcome_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: i64,
    pub case_id: i64,
    pub title: String,
    pub group_name: String,
    pub description: String,
    pub status: String,
    pub assignee: Option<String>,
    pub order_index: i32,
    pub due_date: Option<i64>,
    pub mandatory: bool,
    pub flag: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = observables)]
pub struct Observable {
    pub id: i64,
    pub case_id: Option<i64>,
    pub alert_id: Option<i64>,
    pub data_type: String,
    pub data: String,
    pub message: String,
    pub tlp: i32,
    pub pap: i32,
    pub ioc: bool,
    pub sighted: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = alerts)]
pub struct Alert {
    pub id: i64,
    pub organisation_id: i64,
    pub alert_type: String,
    pub source: String,
    pub source_ref: String,
    pub title: String,
    pub description: String,
    pub severity: i32,
    pub tlp: i32,
    pub pap: i32,
    pub status: String,
    pub case_id: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
    pub follow: bool,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_templates)]
pub struct CaseTemplate {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub title_prefix: String,
    pub description: String,
    pub severity: i32,
    pub tasks: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub colour: String,
    pub description: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct Webhook {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub url: String,
    pub secret: Option<String>,
    pub enabled: bool,
    pub actions: String,
    pub object_types: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct WebhookDelivery {
    pub id: i64,
    pub webhook_id: i64,
    pub organisation_id: i64,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub root_id: Option<String>,
    pub details: String,
    pub event_at: i64,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub claimed_until: Option<i64>,
    pub response_code: Option<i32>,
    pub error: Option<String>,
    pub delivered_at: Option<i64>,
}
