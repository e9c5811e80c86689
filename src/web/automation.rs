//! Organisation > Automation (`/organisation/settings`): auto-share rules
//! (`manageShare` + `manageConfig`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::domain::sharing::ItemRule;
use crate::error::AppError;
use crate::service::auto_share::{self, RuleInput, RuleView};
use crate::startup::AppState;
use crate::web::admin::organisations::{read_as, write_as};
use crate::web::admin::{is_form_error, see_other, status_of};
use crate::web::csrf::CsrfForm;
use crate::web::extract::SignedIn;
use crate::web::templates::{format_time, render, Layout};

pub struct RuleRow {
    pub id: i64,
    pub pattern: String,
    pub aliases: String,
    pub profile: String,
    pub task_rule: String,
    pub observable_rule: String,
    pub unshare_on_remove: bool,
    pub enabled: bool,
    pub last_outcome: Option<String>,
    pub last_outcome_at: Option<String>,
}

impl From<RuleView> for RuleRow {
    fn from(v: RuleView) -> Self {
        let r = v.rule;
        RuleRow {
            id: r.id,
            pattern: r.pattern,
            aliases: r.aliases,
            profile: v.profile,
            task_rule: r.task_rule,
            observable_rule: r.observable_rule,
            unshare_on_remove: r.unshare_on_remove,
            enabled: r.enabled,
            last_outcome: r.last_outcome,
            last_outcome_at: r.last_outcome_at.map(format_time),
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct RuleForm {
    #[serde(default)]
    pattern: String,
    #[serde(default)]
    aliases: String,
    #[serde(default)]
    profile: String,
    #[serde(default)]
    task_rule: String,
    #[serde(default)]
    observable_rule: String,
    #[serde(default)]
    unshare_on_remove: Option<String>,
}

pub struct FormValues {
    pub pattern: String,
    pub aliases: String,
    pub profile: String,
    pub task_rule: String,
    pub observable_rule: String,
    pub unshare_on_remove: bool,
}

#[derive(Template)]
#[template(path = "organisation/settings.html")]
pub struct SettingsPage {
    pub layout: Layout,
    pub csrf: String,
    pub organisation: String,
    pub rules: Vec<RuleRow>,
    pub profiles: Vec<String>,
    pub item_rules: Vec<&'static str>,
    pub form: FormValues,
    pub error: Option<String>,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    form: FormValues,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (rules, profiles) = read_as(state, signed_in, |conn, by| {
        let rules = auto_share::list(conn, by)?;
        let profiles: Vec<String> = crate::db::admin::all_profiles(conn)?
            .into_iter()
            .filter(|p| p.kind != "admin")
            .map(|p| p.name)
            .collect();
        Ok((rules, profiles))
    })
    .await?;
    let organisation = signed_in
        .active()
        .map(|a| a.name.clone())
        .unwrap_or_default();
    render(
        status,
        &SettingsPage {
            layout: signed_in.layout("Automation", req),
            csrf: crate::web::csrf::token(&signed_in.session),
            organisation,
            rules: rules.into_iter().map(RuleRow::from).collect(),
            profiles,
            item_rules: ItemRule::ALL.iter().map(|r| r.as_str()).collect(),
            form,
            error,
        },
    )
}

pub async fn settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, AppError> {
    let form = FormValues {
        pattern: "client:{org}".into(),
        aliases: String::new(),
        profile: crate::domain::permissions::READ_ONLY_PROFILE.into(),
        task_rule: "all".into(),
        observable_rule: "all".into(),
        unshare_on_remove: false,
    };
    page(&req, &state, &signed_in, form, None, StatusCode::OK).await
}

pub async fn create_rule(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: CsrfForm<RuleForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let input = RuleInput {
        pattern: f.pattern.clone(),
        aliases: f.aliases.clone(),
        profile: f.profile.clone(),
        task_rule: f.task_rule.clone(),
        observable_rule: f.observable_rule.clone(),
        unshare_on_remove: f.unshare_on_remove.as_deref() == Some("true"),
    };
    let unshare = input.unshare_on_remove;
    match write_as(&state, &signed_in, move |conn, by| {
        auto_share::create(conn, by, &input)
    })
    .await
    {
        Ok(r) => {
            signed_in.flash(format!("Rule {} added.", r.rule.pattern));
            Ok(see_other("/organisation/settings"))
        }
        Err(e) if is_form_error(&e) => {
            let values = FormValues {
                pattern: f.pattern,
                aliases: f.aliases,
                profile: f.profile,
                task_rule: f.task_rule,
                observable_rule: f.observable_rule,
                unshare_on_remove: unshare,
            };
            page(
                &req,
                &state,
                &signed_in,
                values,
                Some(e.message.clone()),
                status_of(&e),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct EnabledForm {
    #[serde(default)]
    enabled: String,
}

pub async fn set_enabled(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<EnabledForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let enabled = form.0.enabled == "true";
    let r = write_as(&state, &signed_in, move |conn, by| {
        auto_share::set_enabled(conn, by, id, enabled)
    })
    .await?;
    signed_in.flash(format!(
        "Rule {} {}.",
        r.rule.pattern,
        if enabled { "enabled" } else { "disabled" }
    ));
    Ok(see_other("/organisation/settings"))
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn delete_rule(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    write_as(&state, &signed_in, move |conn, by| {
        auto_share::delete(conn, by, id)
    })
    .await?;
    signed_in.flash("Rule deleted.");
    Ok(see_other("/organisation/settings"))
}
