//! Auto-share rules: set up from the screen and the API, applied in the
//! transaction of the tag change whichever way the tag came, every reason a
//! rule does not apply, and unsharing on removal.

use diesel::prelude::*;
use serde_json::{json, Value};
use tenantry::db::schema::{audit_records, shares};

use crate::cases::{post, world};
use crate::support::*;

fn api<'a>(
    app: &'a TestApp,
    login: &str,
    password: &str,
) -> impl FnMut(&str, &str, Value) -> (u16, Value) + 'a {
    use base64::Engine;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
    );
    let mut c = app.client();
    move |method: &str, path: &str, body: Value| {
        let h = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ];
        let r = match method {
            "GET" => c.get_with(path, &h),
            "POST" => c.post_raw(path, &body.to_string(), &h),
            m => c.send_raw(m, path, &body.to_string(), &h),
        };
        let v = if r.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&r.body).unwrap_or(Value::Null)
        };
        (r.status, v)
    }
}

fn origin_of(app: &TestApp, case: &str, org: i64) -> Option<String> {
    let id: i64 = case.trim_start_matches('~').parse().unwrap();
    shares::table
        .filter(shares::case_id.eq(id))
        .filter(shares::organisation_id.eq(org))
        .select(shares::origin)
        .first(&mut *app.conn())
        .optional()
        .unwrap()
}

#[test]
fn rules_share_whichever_way_the_tag_comes_and_say_why_not() {
    each_backend(|app| {
        let w = world(app);
        let mut sam = api(app, "sam@soc.test", "sam-password-1");
        let mut ann = api(app, "ann@acme.test", "ann-password-1");
        // Refused rules change nothing.
        for (body, status) in [
            (
                json!({"pattern": "client:acme", "profile": "read-only"}),
                400,
            ),
            (json!({"pattern": "client:{org}", "profile": "nope"}), 400),
            (json!({"pattern": "client:{org}", "profile": "admin"}), 400),
            (
                json!({"pattern": "client:{org}", "profile": "read-only", "taskRule": "sometimes"}),
                400,
            ),
            (
                json!({"pattern": "client:{org}", "profile": "read-only", "colour": "red"}),
                400,
            ),
        ] {
            let (s, v) = sam("POST", "/api/v1/autoShareRule", body.clone());
            assert_eq!(s, status, "{body}: {v}");
        }
        assert_eq!(
            sam("GET", "/api/v1/autoShareRule", Value::Null).1,
            json!([])
        );
        let (s, rule) = sam(
            "POST",
            "/api/v1/autoShareRule",
            json!({"pattern": "client:{org}", "profile": "read-only", "taskRule": "all", "observableRule": "all",
                   "aliases": {"acme-corp": "acme"}, "unshareOnRemove": true}),
        );
        assert_eq!(s, 201, "{rule}");
        assert_eq!(rule["aliases"], json!({"acme-corp": "acme"}));
        let rid = rule["_id"].as_str().unwrap().to_owned();
        assert_eq!(
            sam(
                "POST",
                "/api/v1/autoShareRule",
                json!({"pattern": "client:{org}", "profile": "analyst"})
            )
            .0,
            409
        );
        // A read-only member may not manage rules.
        app.create_user("rita@soc.test", "rita-password-1", &[(w.soc, "read-only")]);
        let mut rita = api(app, "rita@soc.test", "rita-password-1");
        assert_eq!(rita("GET", "/api/v1/autoShareRule", Value::Null).0, 403);
        assert_eq!(
            rita(
                "DELETE",
                &format!("/api/v1/autoShareRule/{rid}"),
                Value::Null
            )
            .0,
            403
        );
        // Another organisation does not see it.
        assert_eq!(
            ann("GET", &format!("/api/v1/autoShareRule/{rid}"), Value::Null).0,
            404
        );

        // 1. The API's addTags, with a task that follows the rule "all".
        let (_, case) = sam(
            "POST",
            "/api/v1/case",
            json!({"title": "tagged later", "tasks": [{"title": "triage"}]}),
        );
        let cid = case["_id"].as_str().unwrap().to_owned();
        assert_eq!(
            ann("GET", &format!("/api/v1/case/{cid}"), Value::Null).0,
            404
        );
        assert_eq!(
            sam(
                "PATCH",
                &format!("/api/v1/case/{cid}"),
                json!({"addTags": ["client:acme"]})
            )
            .0,
            204
        );
        let (s, seen) = ann("GET", &format!("/api/v1/case/{cid}"), Value::Null);
        assert_eq!(s, 200, "shared by the rule");
        assert_eq!(seen["userPermissions"], json!([]));
        assert_eq!(
            origin_of(app, &cid, w.acme),
            Some(format!("rule:{}", rid.trim_start_matches('~')))
        );
        let tasks = ann(
            "POST",
            "/api/v1/query",
            json!({"query": [{"_name": "getCase", "idOrName": cid}, {"_name": "tasks"}]}),
        )
        .1;
        assert_eq!(
            tasks.as_array().unwrap().len(),
            1,
            "taskRule all takes the existing task"
        );
        // 2. Created with the tag; 3. through an alias.
        for (title, tag) in [
            ("born tagged", "client:acme"),
            ("by alias", "client:acme-corp"),
        ] {
            let (_, c) = sam(
                "POST",
                "/api/v1/case",
                json!({"title": title, "tags": [tag]}),
            );
            assert_eq!(
                ann(
                    "GET",
                    &format!("/api/v1/case/{}", c["_id"].as_str().unwrap()),
                    Value::Null
                )
                .0,
                200,
                "{title}"
            );
        }
        // 4. A case template's tags.
        let mut web = app.signed_in("sam@soc.test", "sam-password-1");
        let r = post(
            &mut web,
            "/case-templates",
            &[
                ("name", "acme playbook"),
                ("severity", "2"),
                ("tags", "client:acme"),
            ],
        );
        assert!(r.status < 400, "{}", r.body);
        let (s, c) = sam(
            "POST",
            "/api/v1/case",
            json!({"title": "from template", "caseTemplate": "acme playbook"}),
        );
        assert_eq!(s, 201, "{c}");
        assert_eq!(
            ann(
                "GET",
                &format!("/api/v1/case/{}", c["_id"].as_str().unwrap()),
                Value::Null
            )
            .0,
            200
        );
        // 5. An alert's tags, on promotion.
        let (_, a) = sam(
            "POST",
            "/api/v1/alert",
            json!({"type": "t", "source": "s", "sourceRef": "r1", "title": "from alert", "tags": ["client:acme"]}),
        );
        let (_, c) = sam(
            "POST",
            &format!("/api/v1/alert/{}/case", a["_id"].as_str().unwrap()),
            json!({}),
        );
        assert_eq!(
            ann(
                "GET",
                &format!("/api/v1/case/{}", c["_id"].as_str().unwrap()),
                Value::Null
            )
            .0,
            200
        );
        // 6. The case screen's tag field.
        let (_, c) = sam("POST", "/api/v1/case", json!({"title": "tagged on screen"}));
        let screen_id = c["_id"]
            .as_str()
            .unwrap()
            .trim_start_matches('~')
            .to_owned();
        let r = post(
            &mut web,
            &format!("/cases/{screen_id}"),
            &[
                ("title", "tagged on screen"),
                ("severity", "2"),
                ("status", "New"),
                ("tags", "client:acme"),
            ],
        );
        assert!(r.status < 400, "{}", r.body);
        assert_eq!(
            ann("GET", &format!("/api/v1/case/~{screen_id}"), Value::Null).0,
            200
        );

        // Every reason a rule does not apply; the case stays unshared.
        let before_shares: i64 = shares::table.count().get_result(&mut *app.conn()).unwrap();
        for (tag, reason) in [
            ("client:globex", "not linked to globex"),
            ("client:nowhere", "no organisation named nowhere"),
            ("client:soc", "soc is this organisation"),
        ] {
            let (_, c) = sam(
                "POST",
                "/api/v1/case",
                json!({"title": format!("refused {tag}"), "tags": [tag]}),
            );
            assert_eq!(c["tags"], json!([tag]), "the tag itself is kept");
            let (_, r) = sam("GET", &format!("/api/v1/autoShareRule/{rid}"), Value::Null);
            assert!(
                r["lastOutcome"].as_str().unwrap().contains(reason),
                "{tag}: {}",
                r["lastOutcome"]
            );
        }
        // Already shared (by a person): the rule says so and changes nothing.
        let (_, c) = sam("POST", "/api/v1/case", json!({"title": "shared by hand"}));
        let hand = c["_id"].as_str().unwrap().to_owned();
        assert_eq!(
            sam(
                "POST",
                &format!("/api/v1/case/{hand}/shares"),
                json!({"shares": [{"organisation": "acme", "profile": "analyst"}]})
            )
            .0,
            201
        );
        sam(
            "PATCH",
            &format!("/api/v1/case/{hand}"),
            json!({"addTags": ["client:acme"]}),
        );
        assert!(
            sam("GET", &format!("/api/v1/autoShareRule/{rid}"), Value::Null).1["lastOutcome"]
                .as_str()
                .unwrap()
                .contains("already shared")
        );
        assert_eq!(origin_of(app, &hand, w.acme).as_deref(), Some("person"));
        let after_shares: i64 = shares::table.count().get_result(&mut *app.conn()).unwrap();
        assert_eq!(
            after_shares,
            before_shares + 5,
            "four owner shares of new cases and the hand-made share, nothing from the rule"
        );
        let skipped: i64 = audit_records::table
            .filter(audit_records::action.eq("autoShareSkipped"))
            .count()
            .get_result(&mut *app.conn())
            .unwrap();
        assert_eq!(skipped, 4);

        // Removing the tag unshares what the rule made, not what a person made.
        sam(
            "PATCH",
            &format!("/api/v1/case/{cid}"),
            json!({"removeTags": ["client:acme"]}),
        );
        assert_eq!(
            ann("GET", &format!("/api/v1/case/{cid}"), Value::Null).0,
            404
        );
        sam(
            "PATCH",
            &format!("/api/v1/case/{hand}"),
            json!({"removeTags": ["client:acme"]}),
        );
        assert_eq!(
            ann("GET", &format!("/api/v1/case/{hand}"), Value::Null).0,
            200
        );
        // A disabled rule does nothing.
        assert_eq!(
            sam(
                "PATCH",
                &format!("/api/v1/autoShareRule/{rid}"),
                json!({"enabled": false})
            )
            .0,
            200
        );
        let (_, c) = sam(
            "POST",
            "/api/v1/case",
            json!({"title": "rule off", "tags": ["client:acme"]}),
        );
        assert_eq!(
            ann(
                "GET",
                &format!("/api/v1/case/{}", c["_id"].as_str().unwrap()),
                Value::Null
            )
            .0,
            404
        );
        assert_eq!(
            sam(
                "DELETE",
                &format!("/api/v1/autoShareRule/{rid}"),
                Value::Null
            )
            .0,
            204
        );
        assert_eq!(
            sam("GET", "/api/v1/autoShareRule", Value::Null).1,
            json!([])
        );
    });
}

#[test]
fn the_automation_screen_sets_rules_up() {
    each_backend(|app| {
        world(app);
        let mut web = app.signed_in("sam@soc.test", "sam-password-1");
        let page = web.get("/organisation/settings");
        assert_eq!(page.status, 200);
        assert!(page.body.contains("No auto-share rule yet."));
        assert!(
            page.body.contains("value=\"client:{org}\""),
            "a useful default pattern"
        );
        let r = post(
            &mut web,
            "/organisation/settings/rules",
            &[
                ("pattern", "client"),
                ("profile", "read-only"),
                ("task_rule", "all"),
                ("observable_rule", "all"),
                ("aliases", "x = acme"),
            ],
        );
        assert_eq!(r.status, 400);
        assert!(
            r.body.contains("must contain {org} exactly once"),
            "{}",
            r.body
        );
        assert!(r.body.contains("x = acme"), "the form keeps what was typed");
        let r = post(
            &mut web,
            "/organisation/settings/rules",
            &[
                ("pattern", "client:{org}"),
                ("profile", "read-only"),
                ("task_rule", "all"),
                ("observable_rule", "manual"),
                ("aliases", ""),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let page = web.get("/organisation/settings");
        assert!(page.body.contains("Rule client:{org} added."));
        assert!(page.body.contains("Not applied yet"));
        let start = page.body.find("<tr id=\"rule-").unwrap() + "<tr id=\"rule-".len();
        let id: String = page.body[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let r = post(
            &mut web,
            &format!("/organisation/settings/rules/{id}/enabled"),
            &[("enabled", "false")],
        );
        assert_eq!(r.status, 303);
        assert!(web
            .get("/organisation/settings")
            .body
            .contains("Enable client:{org}"));
        let r = post(
            &mut web,
            &format!("/organisation/settings/rules/{id}/delete"),
            &[],
        );
        assert_eq!(r.status, 303);
        assert!(web
            .get("/organisation/settings")
            .body
            .contains("No auto-share rule yet."));
        // Members without manageConfig get a refusal, not the page.
        let mut ann = app.signed_in("ann@acme.test", "ann-password-1");
        assert_eq!(
            ann.get("/organisation/settings").status,
            200,
            "ann is acme's org-admin"
        );
    });
}
