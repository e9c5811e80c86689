//! `GET /api/v1/openapi.json`: the OpenAPI 3.0 document of the JSON API,
//! generated from the route table (`web::ROUTES` / `web::HANDLERS`) and the
//! description of each handler below. A unit test fails when an `/api`
//! route has no description, so the document cannot fall behind the code.

use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

/// What the document says of one handler: summary, request body schema,
/// success status and response schema (`None`: no body).
struct Doc {
    summary: &'static str,
    request: Option<&'static str>,
    status: u16,
    response: Option<&'static str>,
}

const fn doc(
    summary: &'static str,
    request: Option<&'static str>,
    status: u16,
    response: Option<&'static str>,
) -> Doc {
    Doc {
        summary,
        request,
        status,
        response,
    }
}

fn describe(handler: &str) -> Option<Doc> {
    let d = match handler {
        "api::status" => doc(
            "Versions of the server (no authentication).",
            None,
            200,
            Some("Status"),
        ),
        "api::healthz" => doc("Liveness: the database answers.", None, 200, None),
        "api::v1::legacy_case_list" => doc(
            "The 50 most recently updated cases (TheHive 4 path).",
            None,
            200,
            Some("CaseList"),
        ),
        "api::v1::current_user" => doc(
            "The caller, in the active organisation.",
            None,
            200,
            Some("User"),
        ),
        "api::v1::create_organisation" => doc(
            "Create an organisation.",
            Some("OrganisationInput"),
            201,
            Some("Organisation"),
        ),
        "api::v1::get_organisation" => doc(
            "An organisation by id or name.",
            None,
            200,
            Some("Organisation"),
        ),
        "api::v1::update_organisation" => doc(
            "Update name, description, rules, lock.",
            Some("OrganisationUpdate"),
            204,
            None,
        ),
        "api::v1::links" => doc("The organisation's links.", None, 200, Some("LinkList")),
        "api::v1::set_links" => doc(
            "Set the organisation's links exactly.",
            Some("BulkLinks"),
            204,
            None,
        ),
        "api::v1::link" => doc(
            "Link two organisations (both directions).",
            Some("LinkInput"),
            204,
            None,
        ),
        "api::v1::unlink" => doc(
            "Unlink two organisations (both directions).",
            None,
            204,
            None,
        ),
        "api::v1::sharing_profiles" => doc(
            "Link types as TheHive sharing profiles.",
            None,
            200,
            Some("SharingProfileList"),
        ),
        "api::v1::set_user_organisations" => doc(
            "Set a user's memberships exactly.",
            Some("UserOrganisations"),
            200,
            Some("UserOrganisations"),
        ),
        "api::users::create" => doc(
            "Create a user (an existing login joins the organisation).",
            Some("UserInput"),
            201,
            Some("User"),
        ),
        "api::users::get" => doc("A user by id or login.", None, 200, Some("User")),
        "api::users::update" => doc("Update a user.", Some("UserUpdate"), 204, None),
        "api::users::delete" => doc(
            "Remove a user from an organisation, or delete the account.",
            None,
            204,
            None,
        ),
        "api::users::set_password" => doc("Set a user's password.", Some("PasswordSet"), 204, None),
        "api::users::change_password" => doc(
            "Change one's own password.",
            Some("PasswordChange"),
            204,
            None,
        ),
        "api::users::get_key" => doc(
            "Keys are stored as digests: always 409.",
            None,
            409,
            Some("Error"),
        ),
        "api::users::renew_key" => doc("A new API key, as plain text.", None, 200, Some("Text")),
        "api::users::revoke_key" => doc("Revoke the user's API key.", None, 204, None),
        "api::query::query" => doc(
            "The TheHive query pipeline.",
            Some("Query"),
            200,
            Some("QueryResult"),
        ),
        "api::profiles::create" => doc(
            "Create a profile.",
            Some("ProfileInput"),
            201,
            Some("Profile"),
        ),
        "api::profiles::get" => doc("A profile by id or name.", None, 200, Some("Profile")),
        "api::profiles::update" => doc("Update a profile.", Some("ProfileInput"), 204, None),
        "api::profiles::delete" => doc("Delete an unused profile.", None, 204, None),
        "api::cases::create" => doc("Create a case.", Some("CaseInput"), 201, Some("Case")),
        "api::cases::get" => doc("A case by ~id or number.", None, 200, Some("Case")),
        "api::cases::update" => doc(
            "Update a case (null unsets; addTags/removeTags).",
            Some("CaseUpdate"),
            204,
            None,
        ),
        "api::cases::bulk_update" => doc(
            "The same update on many cases, all or nothing.",
            Some("BulkUpdate"),
            204,
            None,
        ),
        "api::cases::delete" => doc("Delete a case (its owner).", None, 204, None),
        "api::cases::list_shares" => doc(
            "The case's shares but the caller's own.",
            None,
            200,
            Some("ShareList"),
        ),
        "api::cases::share" => doc(
            "Share the case with organisations.",
            Some("Shares"),
            201,
            Some("ShareList"),
        ),
        "api::cases::set_shares" => doc(
            "Set the case's shares exactly.",
            Some("Shares"),
            200,
            Some("ShareList"),
        ),
        "api::cases::unshare_organisations" => doc(
            "Remove the shares of organisations.",
            Some("Organisations"),
            204,
            None,
        ),
        "api::cases::update_share" => {
            doc("Change a share's profile.", Some("ShareUpdate"), 204, None)
        }
        "api::cases::remove_share" => doc("Remove a share.", None, 204, None),
        "api::cases::change_owner" => doc(
            "Give the case to another organisation.",
            Some("OwnerInput"),
            204,
            None,
        ),
        "api::tasks::create" => doc(
            "Create a task in a case.",
            Some("TaskInput"),
            201,
            Some("Task"),
        ),
        "api::tasks::get" => doc("A task.", None, 200, Some("Task")),
        "api::tasks::update" => doc("Update a task.", Some("TaskInput"), 204, None),
        "api::tasks::bulk_update" => doc(
            "The same update on many tasks.",
            Some("BulkUpdate"),
            204,
            None,
        ),
        "api::tasks::delete" => doc("Delete a task.", None, 204, None),
        "api::tasks::list_shares" => {
            doc("The shares holding the task.", None, 200, Some("ShareList"))
        }
        "api::tasks::share" => doc(
            "Share the task with organisations of the case.",
            Some("Organisations"),
            204,
            None,
        ),
        "api::tasks::unshare" => doc("Unshare the task.", Some("Organisations"), 204, None),
        "api::tasks::required_actions" => doc(
            "Action required, by organisation.",
            None,
            200,
            Some("ActionRequired"),
        ),
        "api::tasks::action_required" => {
            doc("Require an action of an organisation.", None, 204, None)
        }
        "api::tasks::action_done" => doc("Mark an organisation's action done.", None, 204, None),
        "api::observables::create_in_case" => doc(
            "Create observables in a case (one per data).",
            Some("ObservableInput"),
            201,
            Some("ObservableList"),
        ),
        "api::observables::get" => doc(
            "An observable (of a case or an alert).",
            None,
            200,
            Some("Observable"),
        ),
        "api::observables::update" => {
            doc("Update an observable.", Some("ObservableUpdate"), 204, None)
        }
        "api::observables::bulk_update" => doc(
            "The same update on many observables.",
            Some("BulkUpdate"),
            204,
            None,
        ),
        "api::observables::delete" => doc("Delete an observable.", None, 204, None),
        "api::observables::list_shares" => doc(
            "The shares holding the observable.",
            None,
            200,
            Some("ShareList"),
        ),
        "api::observables::share" => doc("Share the observable.", Some("Organisations"), 204, None),
        "api::observables::unshare" => {
            doc("Unshare the observable.", Some("Organisations"), 204, None)
        }
        "api::alerts::create" => doc(
            "Create an alert (observables inline).",
            Some("AlertInput"),
            201,
            Some("Alert"),
        ),
        "api::alerts::get" => doc("An alert.", None, 200, Some("Alert")),
        "api::alerts::update" => doc("Update an alert.", Some("AlertUpdate"), 204, None),
        "api::alerts::bulk_update" => doc(
            "The same update on many alerts.",
            Some("BulkUpdate"),
            204,
            None,
        ),
        "api::alerts::bulk_delete" => doc(
            "Delete many alerts, all or nothing.",
            Some("Ids"),
            204,
            None,
        ),
        "api::alerts::delete" => doc("Delete an alert.", None, 204, None),
        "api::alerts::promote" => doc(
            "Promote the alert to a case.",
            Some("CaseUpdate"),
            201,
            Some("Case"),
        ),
        "api::alerts::merge" => doc("Merge the alert into a case.", None, 200, Some("Case")),
        "api::alerts::follow" => doc("Follow the alert.", None, 200, Some("Alert")),
        "api::alerts::unfollow" => doc("Stop following the alert.", None, 200, Some("Alert")),
        "api::alerts::create_observable" => doc(
            "Create observables in an alert (one per data).",
            Some("ObservableInput"),
            201,
            Some("ObservableList"),
        ),
        "api::tags::get" => doc(
            "A tag of the active organisation, with its usage.",
            None,
            200,
            Some("Tag"),
        ),
        "api::tags::update" => doc(
            "Colour, description, rename (merge on request).",
            Some("TagUpdate"),
            200,
            Some("Tag"),
        ),
        "api::tags::delete" => doc("Delete a tag from every object.", None, 204, None),
        "api::automation::list" => doc(
            "The organisation's auto-share rules.",
            None,
            200,
            Some("AutoShareRuleList"),
        ),
        "api::automation::create" => doc(
            "Create an auto-share rule.",
            Some("AutoShareRuleInput"),
            201,
            Some("AutoShareRule"),
        ),
        "api::automation::get" => doc("An auto-share rule.", None, 200, Some("AutoShareRule")),
        "api::automation::update" => doc(
            "Enable or disable a rule.",
            Some("AutoShareRuleUpdate"),
            200,
            Some("AutoShareRule"),
        ),
        "api::automation::delete" => doc("Delete a rule (its shares stay).", None, 204, None),
        "api::openapi::document" => doc("This document.", None, 200, None),
        _ => return None,
    };
    Some(d)
}

/// An object schema; a required plain string must not be empty (the API
/// refuses an empty title, login, name, …).
fn obj(mut props: Value, required: &[&str]) -> Value {
    for name in required {
        if let Some(p) = props.get_mut(*name) {
            if *p == json!({"type": "string"}) {
                p["minLength"] = json!(1);
            }
        }
    }
    json!({"type": "object", "properties": props, "required": required})
}
fn list_of(name: &str) -> Value {
    json!({"type": "array", "items": {"$ref": format!("#/components/schemas/{name}")}})
}

fn nullable_optionals(schema: &mut Value) {
    let required: Vec<Value> = schema["required"].as_array().cloned().unwrap_or_default();
    if let Some(props) = schema["properties"].as_object_mut() {
        for (name, p) in props.iter_mut() {
            if !required.contains(&json!(name)) && p.get("$ref").is_none() {
                p["nullable"] = json!(true);
            }
        }
    }
}

/// The fields every object starts with.
fn meta(kind: &str, fields: Value) -> Value {
    let mut props = json!({
        "_id": {"type": "string", "example": "~123"},
        "_type": {"type": "string", "enum": [kind]},
        "_createdBy": {"type": "string"},
        "_createdAt": {"type": "integer", "format": "int64"},
        "_updatedBy": {"type": "string"},
        "_updatedAt": {"type": "integer", "format": "int64"},
    });
    if let (Some(p), Some(f)) = (props.as_object_mut(), fields.as_object()) {
        p.extend(f.clone());
    }
    obj(props, &["_id", "_type", "_createdBy", "_createdAt"])
}

fn schemas() -> Value {
    let s = json!({"type": "string"});
    let i = json!({"type": "integer"});
    let b = json!({"type": "boolean"});
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let any = json!({"type": "object", "additionalProperties": true});
    let all: Vec<(&str, Value)> = vec![
        (
            "Error",
            obj(
                json!({"type": {"type": "string", "enum": ["BadRequest", "AuthenticationError", "AuthorizationError", "NotFoundError", "Conflict", "TooManyRequests", "InternalError", "ServiceUnavailable"]}, "message": s}),
                &["type", "message"],
            ),
        ),
        ("Text", s.clone()),
        (
            "Status",
            obj(json!({"versions": any, "config": any}), &["versions"]),
        ),
        (
            "Organisation",
            meta(
                "Organisation",
                json!({"name": s, "description": s, "links": strings, "locked": b}),
            ),
        ),
        (
            "OrganisationInput",
            obj(json!({"name": s, "description": s}), &["name"]),
        ),
        (
            "OrganisationUpdate",
            obj(
                json!({"name": s, "description": s, "taskRule": s, "observableRule": s, "locked": b}),
                &[],
            ),
        ),
        (
            "LinkInput",
            obj(
                json!({"linkType": {"type": "string", "enum": ["default", "supervised", "notify", "none"]}, "otherLinkType": s}),
                &[],
            ),
        ),
        (
            "BulkLinks",
            obj(
                json!({"links": {"type": "array", "items": obj(json!({"toOrganisation": s, "linkType": s, "otherLinkType": s, "avatar": s}), &["toOrganisation"])}}),
                &["links"],
            ),
        ),
        (
            "LinkList",
            json!({"type": "array", "items": obj(json!({"linkType": s, "otherLinkType": s, "organisation": {"$ref": "#/components/schemas/Organisation"}}), &["linkType", "otherLinkType", "organisation"])}),
        ),
        (
            "SharingProfileList",
            json!({"type": "array", "items": obj(json!({"name": s, "description": s, "autoShare": b, "editable": b, "permissionProfile": s, "taskRule": s, "observableRule": s}), &["name", "autoShare", "permissionProfile"])}),
        ),
        (
            "User",
            meta(
                "User",
                json!({"login": s, "name": s, "email": s, "organisation": s, "profile": s, "permissions": strings, "organisations": {"type": "array", "items": any}, "hasKey": b, "hasPassword": b, "locked": b, "defaultOrganisation": s}),
            ),
        ),
        (
            "UserInput",
            obj(
                json!({"login": s, "name": s, "email": s, "profile": s, "organisation": s, "password": s}),
                &["login", "name", "profile"],
            ),
        ),
        (
            "UserUpdate",
            obj(
                json!({"name": s, "email": s, "profile": s, "organisation": s, "locked": b, "defaultOrganisation": s}),
                &[],
            ),
        ),
        (
            "UserOrganisations",
            obj(
                json!({"organisations": {"type": "array", "items": obj(json!({"organisation": s, "profile": s, "default": b}), &["organisation", "profile"])}}),
                &["organisations"],
            ),
        ),
        ("PasswordSet", obj(json!({"password": s}), &["password"])),
        (
            "PasswordChange",
            obj(
                json!({"currentPassword": s, "password": s}),
                &["currentPassword", "password"],
            ),
        ),
        (
            "Profile",
            meta(
                "Profile",
                json!({"name": s, "permissions": strings, "editable": b, "isAdmin": b, "forAdmin": b, "forOrg": b, "consumesLicense": b}),
            ),
        ),
        (
            "ProfileInput",
            obj(json!({"name": s, "permissions": strings}), &[]),
        ),
        (
            "Case",
            meta(
                "Case",
                json!({"number": i, "title": s, "description": s, "severity": i, "severityLabel": s, "tlp": i, "tlpLabel": s, "pap": i, "papLabel": s, "status": s, "stage": s, "startDate": i, "endDate": i, "tags": strings, "flag": b, "assignee": s, "summary": s, "impactStatus": s, "owningOrganisation": s, "userPermissions": strings, "access": any, "newDate": i, "timeToDetect": i, "extraData": any}),
            ),
        ),
        ("CaseList", list_of("Case")),
        (
            "CaseInput",
            obj(
                json!({"title": s, "description": s, "severity": i, "tlp": i, "pap": i, "startDate": i, "tags": strings, "flag": b, "status": s, "summary": s, "assignee": s, "caseTemplate": s, "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/TaskInput"}}, "sharingParameters": {"type": "array", "items": any}}),
                &["title"],
            ),
        ),
        (
            "CaseUpdate",
            obj(
                json!({"title": s, "description": s, "severity": i, "tlp": i, "pap": i, "status": s, "tags": strings, "addTags": strings, "removeTags": strings, "flag": b, "summary": s, "assignee": s, "impactStatus": s, "startDate": i, "endDate": i}),
                &[],
            ),
        ),
        ("BulkUpdate", obj(json!({"ids": strings}), &["ids"])),
        ("Ids", {
            let mut ids = obj(json!({"ids": strings}), &["ids"]);
            ids["additionalProperties"] = json!(false);
            ids
        }),
        (
            "Share",
            meta(
                "Share",
                json!({"caseId": s, "organisationName": s, "profileName": s, "owner": b, "taskRule": s, "observableRule": s}),
            ),
        ),
        ("ShareList", list_of("Share")),
        (
            "Shares",
            obj(
                json!({"shares": {"type": "array", "items": obj(json!({"organisation": s, "organisationName": s, "profile": s, "taskRule": s, "observableRule": s}), &[])}}),
                &["shares"],
            ),
        ),
        ("ShareUpdate", obj(json!({"profile": s}), &["profile"])),
        (
            "Organisations",
            obj(json!({"organisations": strings}), &["organisations"]),
        ),
        (
            "OwnerInput",
            obj(json!({"organisation": s}), &["organisation"]),
        ),
        (
            "ActionRequired",
            json!({"type": "object", "additionalProperties": {"type": "boolean"}}),
        ),
        (
            "Task",
            meta(
                "Task",
                json!({"title": s, "group": s, "description": s, "status": s, "flag": b, "order": i, "mandatory": b, "assignee": s, "dueDate": i, "extraData": any}),
            ),
        ),
        (
            "TaskInput",
            obj(
                json!({"title": s, "group": s, "description": s, "status": s, "assignee": s, "order": i, "dueDate": i, "mandatory": b, "flag": b}),
                &[],
            ),
        ),
        (
            "Observable",
            meta(
                "Observable",
                json!({"dataType": s, "data": s, "message": s, "startDate": i, "tlp": i, "tlpLabel": s, "pap": i, "papLabel": s, "ioc": b, "sighted": b, "tags": strings, "reports": any, "ignoreSimilarity": b, "external": b, "extraData": any}),
            ),
        ),
        ("ObservableList", list_of("Observable")),
        (
            "ObservableInput",
            obj(
                json!({"dataType": s, "data": {"oneOf": [s, strings]}, "message": s, "tlp": i, "pap": i, "ioc": b, "sighted": b, "tags": strings}),
                &["dataType", "data"],
            ),
        ),
        (
            "ObservableUpdate",
            obj(
                json!({"dataType": s, "message": s, "tlp": i, "pap": i, "ioc": b, "sighted": b, "tags": strings, "addTags": strings, "removeTags": strings}),
                &[],
            ),
        ),
        (
            "Alert",
            meta(
                "Alert",
                json!({"type": s, "source": s, "sourceRef": s, "title": s, "description": s, "severity": i, "severityLabel": s, "date": i, "tags": strings, "tlp": i, "tlpLabel": s, "pap": i, "papLabel": s, "follow": b, "observableCount": i, "caseId": s, "status": s, "stage": s, "newDate": i, "timeToDetect": i, "extraData": any}),
            ),
        ),
        (
            "AlertInput",
            obj(
                json!({"type": s, "source": s, "sourceRef": s, "title": s, "description": s, "severity": i, "tlp": i, "pap": i, "tags": strings, "observables": {"type": "array", "items": {"$ref": "#/components/schemas/ObservableInput"}}}),
                &["type", "source", "sourceRef", "title"],
            ),
        ),
        (
            "AlertUpdate",
            obj(
                json!({"title": s, "description": s, "severity": i, "status": s, "tlp": i, "pap": i, "tags": strings, "addTags": strings, "removeTags": strings}),
                &[],
            ),
        ),
        (
            "Tag",
            meta(
                "Tag",
                json!({"namespace": s, "predicate": s, "name": s, "colour": s, "description": s, "usage": any, "usageCapped": b}),
            ),
        ),
        (
            "TagUpdate",
            obj(
                json!({"colour": s, "description": s, "name": s, "predicate": s, "merge": b}),
                &[],
            ),
        ),
        (
            "AutoShareRule",
            meta(
                "AutoShareRule",
                json!({"pattern": s, "aliases": {"type": "object", "additionalProperties": {"type": "string"}}, "profile": s, "taskRule": s, "observableRule": s, "unshareOnRemove": b, "enabled": b, "lastOutcome": s, "lastOutcomeAt": i}),
            ),
        ),
        ("AutoShareRuleList", list_of("AutoShareRule")),
        (
            "AutoShareRuleInput",
            obj(
                json!({"pattern": {"type": "string", "pattern": "^[^{}]*\\{org\\}[^{}]*$"}, "aliases": {"type": "object", "additionalProperties": {"type": "string"}}, "profile": s, "taskRule": s, "observableRule": s, "unshareOnRemove": b}),
                &["pattern", "profile"],
            ),
        ),
        (
            "AutoShareRuleUpdate",
            obj(json!({"enabled": b}), &["enabled"]),
        ),
        (
            "Query",
            obj(
                json!({"query": {"type": "array", "minItems": 1, "items": obj(json!({"_name": s}), &["_name"])}}),
                &["query"],
            ),
        ),
        (
            "QueryResult",
            json!({"oneOf": [{"type": "array", "items": any}, {"type": "integer"}]}),
        ),
    ];
    Value::Object(
        all.into_iter()
            .map(|(k, mut v)| {
                // Inputs take `null` for a field left out, as TheHive does
                // (automation tools send nulls for empty fields).
                if k.ends_with("Input") || k.ends_with("Update") {
                    nullable_optionals(&mut v);
                }
                (k.to_owned(), v)
            })
            .collect(),
    )
}

/// Operations whose body may be left out (every field has a default).
const OPTIONAL_BODY: [&str; 1] = ["api::alerts::promote"];

/// Operations that need no credentials.
const PUBLIC: [&str; 2] = ["api::status", "api::openapi::document"];

/// The whole document.
pub fn document_json() -> Value {
    let mut paths = Map::new();
    for ((method, path), handler) in super::super::ROUTES.iter().zip(super::super::HANDLERS) {
        if !path.starts_with("/api") {
            continue;
        }
        let handler: String = handler.chars().filter(|c| !c.is_whitespace()).collect();
        let d = describe(&handler).unwrap_or(doc("", None, 200, None));
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut responses = Map::new();
        let ok = match d.response {
            Some("Text") => {
                json!({"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}})
            }
            Some(r) => {
                json!({"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{r}")}}}})
            }
            None => json!({"description": "OK"}),
        };
        responses.insert(d.status.to_string(), ok);
        for (code, what) in [
            ("400", "Bad input"),
            ("401", "Not signed in"),
            ("403", "Not allowed"),
            ("404", "Not found or out of reach"),
            ("409", "Conflict"),
            ("429", "Too many failed sign-ins from this login or address"),
        ] {
            responses.insert(
                code.into(),
                json!({"description": what, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
            );
        }
        let mut op = json!({
            "operationId": handler.replace("::", "_"),
            "summary": d.summary,
            "tags": [handler.split("::").nth(1).unwrap_or("api")],
            "parameters": params,
            "responses": responses,
        });
        if PUBLIC.contains(&handler.as_str()) {
            op["security"] = json!([]);
        }
        if let Some(r) = d.request {
            op["requestBody"] = json!({"required": !OPTIONAL_BODY.contains(&handler.as_str()), "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{r}")}}}});
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Tenantry API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "TheHive 5 compatible JSON API. Differences from TheHive: docs/API.md.",
        },
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
            },
        },
        "security": [{"bearer": []}, {"basic": []}],
        "paths": paths,
    })
}

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(document_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_is_described_and_every_reference_resolves() {
        let undocumented: Vec<String> = super::super::super::ROUTES
            .iter()
            .zip(super::super::super::HANDLERS)
            .filter(|((_, p), _)| p.starts_with("/api"))
            .map(|(_, h)| h.chars().filter(|c| !c.is_whitespace()).collect::<String>())
            .filter(|h| describe(h).is_none())
            .collect();
        assert!(undocumented.is_empty(), "describe these: {undocumented:?}");
        let doc = document_json();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(schemas.contains_key(&name), "missing schema {name}");
        }
        assert!(doc["paths"]["/api/v1/case/{id}"]["patch"]["requestBody"].is_object());
    }
}
