//! Organisation > Automation (`/organisation/settings`): auto-share rules
//! (`manageShare` + `manageConfig`), webhooks and their delivery log
//! (`manageConfig`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::domain::sharing::ItemRule;
use crate::error::AppError;
use crate::service::auto_share::{self, RuleInput, RuleView};
use crate::service::webhooks::{self, WebhookInput};
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

pub struct HookRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub actions: String,
    pub object_types: String,
    pub signed: bool,
    pub enabled: bool,
}

pub struct DeliveryRow {
    pub id: i64,
    pub time: String,
    pub endpoint: String,
    pub event: String,
    pub status: String,
    pub attempts: i32,
    pub response_code: Option<i32>,
    pub error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct HookForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub secret: String,
    #[serde(default)]
    pub actions: String,
    #[serde(default)]
    pub object_types: String,
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
    pub hooks: Vec<HookRow>,
    pub deliveries: Vec<DeliveryRow>,
    pub hook_form: HookForm,
    pub hook_error: Option<String>,
}

/// What a re-rendered page shows in its forms.
#[derive(Default)]
pub struct Forms {
    pub rule: Option<FormValues>,
    pub rule_error: Option<String>,
    pub hook: HookForm,
    pub hook_error: Option<String>,
}

fn default_rule() -> FormValues {
    FormValues {
        pattern: "client:{org}".into(),
        aliases: String::new(),
        profile: crate::domain::permissions::READ_ONLY_PROFILE.into(),
        task_rule: "all".into(),
        observable_rule: "all".into(),
        unshare_on_remove: false,
    }
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: &SignedIn,
    forms: Forms,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (rules, profiles, hooks, deliveries) = read_as(state, signed_in, |conn, by| {
        let rules = auto_share::list(conn, by)?;
        let profiles: Vec<String> = crate::db::admin::all_profiles(conn)?
            .into_iter()
            .filter(|p| p.kind != "admin")
            .map(|p| p.name)
            .collect();
        let hooks = webhooks::list(conn, by)?;
        let deliveries = webhooks::deliveries(conn, by, 50)?;
        Ok((rules, profiles, hooks, deliveries))
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
            form: forms.rule.unwrap_or_else(default_rule),
            error: forms.rule_error,
            hooks: hooks
                .into_iter()
                .map(|w| HookRow {
                    id: w.id,
                    name: w.name,
                    url: w.url,
                    actions: w.actions,
                    object_types: w.object_types,
                    signed: w.secret.is_some(),
                    enabled: w.enabled,
                })
                .collect(),
            deliveries: deliveries
                .into_iter()
                .map(|(d, endpoint)| DeliveryRow {
                    id: d.id,
                    time: format_time(d.event_at),
                    endpoint,
                    event: format!("{} {} {}", d.action, d.object_type, d.object_id),
                    status: d.status,
                    attempts: d.attempts,
                    response_code: d.response_code,
                    error: d.error,
                })
                .collect(),
            hook_form: forms.hook,
            hook_error: forms.hook_error,
        },
    )
}

pub async fn settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, AppError> {
    page(&req, &state, &signed_in, Forms::default(), StatusCode::OK).await
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
            let forms = Forms {
                rule: Some(values),
                rule_error: Some(e.message.clone()),
                ..Forms::default()
            };
            page(&req, &state, &signed_in, forms, status_of(&e)).await
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
    act(
        &state,
        &signed_in,
        move |conn, by| auto_share::set_enabled(conn, by, id, enabled),
        |r| {
            format!(
                "Rule {} {}.",
                r.rule.pattern,
                if enabled { "enabled" } else { "disabled" }
            )
        },
    )
    .await
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

pub async fn create_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    form: CsrfForm<HookForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let input = WebhookInput {
        name: f.name.clone(),
        url: f.url.clone(),
        secret: f.secret.clone(),
        actions: f.actions.clone(),
        object_types: f.object_types.clone(),
    };
    let own_port = state.settings.bind.port();
    match write_as(&state, &signed_in, move |conn, by| {
        webhooks::create(conn, by, &input, own_port)
    })
    .await
    {
        Ok(w) => {
            signed_in.flash(format!("Webhook {} added.", w.name));
            Ok(see_other("/organisation/settings"))
        }
        Err(e) if is_form_error(&e) => {
            let forms = Forms {
                // The secret is never sent back.
                hook: HookForm {
                    secret: String::new(),
                    ..f
                },
                hook_error: Some(e.message.clone()),
                ..Forms::default()
            };
            page(&req, &state, &signed_in, forms, status_of(&e)).await
        }
        Err(e) => Err(e),
    }
}

/// Runs one settings action as the signed-in actor, then back to the page
/// with `flash` of its result.
async fn act<T, F>(
    state: &AppState,
    signed_in: &SignedIn,
    f: F,
    flash: impl FnOnce(T) -> String,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut crate::db::DbConn, &crate::service::By) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let out = write_as(state, signed_in, f).await?;
    signed_in.flash(flash(out));
    Ok(see_other("/organisation/settings"))
}

pub async fn set_webhook_enabled(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    form: CsrfForm<EnabledForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let enabled = form.0.enabled == "true";
    act(
        &state,
        &signed_in,
        move |conn, by| webhooks::set_enabled(conn, by, id, enabled),
        |w| {
            format!(
                "Webhook {} {}.",
                w.name,
                if enabled { "enabled" } else { "disabled" }
            )
        },
    )
    .await
}

pub async fn delete_webhook(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    act(
        &state,
        &signed_in,
        move |conn, by| webhooks::delete(conn, by, id),
        |_| "Webhook deleted.".into(),
    )
    .await
}

pub async fn send_test(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    act(
        &state,
        &signed_in,
        move |conn, by| webhooks::send_test(conn, by, id),
        |_| "Test event queued: see the delivery log.".into(),
    )
    .await
}

pub async fn retry_delivery(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    path: web::Path<i64>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    act(
        &state,
        &signed_in,
        move |conn, by| webhooks::retry(conn, by, id),
        |_| "Delivery queued again.".into(),
    )
    .await
}
