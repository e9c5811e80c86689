//! The JSON API endpoints over real HTTP: the query compiled to SQL and
//! scoped to the tenant, alerts, tags, organisation update and bulk links,
//! sharing profiles, bad input, and snapshots of every object's shape.

use serde_json::{json, Value};

use crate::support::*;

/// A JSON API caller: Basic auth and an optional `X-Organisation`.
struct Api {
    c: Client,
    auth: String,
    org: Option<String>,
}

impl Api {
    fn new(app: &TestApp, login: &str, password: &str, org: Option<&str>) -> Api {
        use base64::Engine;
        Api {
            c: app.client(),
            auth: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
            ),
            org: org.map(str::to_owned),
        }
    }

    fn headers(&self) -> Vec<(&str, &str)> {
        let mut h = vec![
            ("Authorization", self.auth.as_str()),
            ("Content-Type", "application/json"),
        ];
        if let Some(o) = &self.org {
            h.push(("X-Organisation", o.as_str()));
        }
        h
    }

    fn raw(&mut self, method: &str, path: &str, body: &str) -> Resp {
        let h: Vec<(String, String)> = self
            .headers()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        match method {
            "GET" => self.c.get_with(path, &h),
            "POST" => self.c.post_raw(path, body, &h),
            _ => self.c.send_raw(method, path, body, &h),
        }
    }

    fn send(&mut self, method: &str, path: &str, body: Value) -> Resp {
        self.raw(method, path, &body.to_string())
    }

    /// The answer's JSON, after checking the status.
    fn ok(&mut self, method: &str, path: &str, body: Value, status: u16) -> Value {
        let r = self.send(method, path, body);
        assert_eq!(r.status, status, "{method} {path}: {}", r.body);
        if r.body.is_empty() {
            Value::Null
        } else {
            r.json()
        }
    }

    fn query(&mut self, ops: Value) -> Resp {
        self.send("POST", "/api/v1/query", json!({ "query": ops }))
    }

    fn query_ok(&mut self, ops: Value) -> Value {
        let r = self.query(ops.clone());
        assert_eq!(r.status, 200, "{ops}: {}", r.body);
        r.json()
    }
}

fn titles(v: &Value) -> Vec<String> {
    let mut t: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap().to_owned())
        .collect();
    t.sort();
    t
}

/// soc (sam, org-admin) and acme (ann, org-admin) linked both ways, globex
/// (gus) alone; five soc cases, one shared read-only with acme.
fn seeded(app: &TestApp) -> (Api, Api, Api, Value) {
    crate::cases::world(app);
    let mut soc = Api::new(app, "sam@soc.test", "sam-password-1", None);
    let acme = Api::new(app, "ann@acme.test", "ann-password-1", None);
    let globex = Api::new(app, "gus@globex.test", "gus-password-1", None);
    let mut shared = Value::Null;
    for (i, (title, severity, tags)) in [
        ("phishing at acme", 3, vec!["client:acme", "phishing"]),
        ("malware on laptop", 2, vec!["malware"]),
        ("brute force", 1, vec![]),
        ("ransomware", 4, vec!["malware", "urgent"]),
        ("PHISHING wave", 2, vec!["phishing"]),
    ]
    .into_iter()
    .enumerate()
    {
        let c = soc.ok(
            "POST",
            "/api/v1/case",
            json!({"title": title, "description": format!("case {i}"), "severity": severity, "tags": tags,
                   "tasks": [{"title": format!("triage {i}")}]}),
            201,
        );
        if i == 0 {
            shared = c;
        }
    }
    let id = shared["_id"].as_str().unwrap().to_owned();
    soc.ok(
        "POST",
        &format!("/api/v1/case/{id}/observable"),
        json!({"dataType": "ip", "data": ["10.0.0.1", "10.0.0.2"], "tags": ["c2"]}),
        201,
    );
    soc.ok(
        "POST",
        &format!("/api/v1/case/{id}/shares"),
        json!({"shares": [{"organisation": "acme", "profile": "read-only", "taskRule": "all", "observableRule": "all"}]}),
        201,
    );
    (soc, acme, globex, shared)
}

#[test]
fn the_query_is_scoped_to_the_tenant_and_filters_in_sql() {
    each_backend(|app| {
        let (mut soc, mut acme, mut globex, shared) = seeded(app);
        let all = soc.query_ok(json!([{"_name": "listCase"}]));
        assert_eq!(all.as_array().unwrap().len(), 5);
        // acme holds the shared case only; globex nothing.
        let theirs = acme.query_ok(json!([{"_name": "listCase"}]));
        assert_eq!(titles(&theirs), ["phishing at acme"]);
        assert_eq!(
            theirs[0],
            acme.ok(
                "GET",
                &format!("/api/v1/case/{}", shared["_id"].as_str().unwrap()),
                Value::Null,
                200
            ),
            "query and get render the same object"
        );
        assert_eq!(globex.query_ok(json!([{"_name": "listCase"}])), json!([]));
        assert_eq!(
            globex.query_ok(json!([{"_name": "listCase"}, {"_name": "count"}])),
            json!(0)
        );

        let f =
            |filter: Value| json!([{"_name": "listCase"}, {"_name": "filter", "_and": [filter]}]);
        let cases = [
            (
                json!({"_eq": {"_field": "tags", "_value": "malware"}}),
                vec!["malware on laptop", "ransomware"],
            ),
            (
                json!({"_ne": {"_field": "tags", "_value": "malware"}}),
                vec!["PHISHING wave", "brute force", "phishing at acme"],
            ),
            (
                json!({"_in": {"_field": "tags", "_values": ["urgent", "client:acme"]}}),
                vec!["phishing at acme", "ransomware"],
            ),
            (
                json!({"_like": {"_field": "tags", "_value": "client:*"}}),
                vec!["phishing at acme"],
            ),
            (
                json!({"_has": "tags"}),
                vec![
                    "PHISHING wave",
                    "malware on laptop",
                    "phishing at acme",
                    "ransomware",
                ],
            ),
            (
                json!({"_gte": {"_field": "severity", "_value": 3}}),
                vec!["phishing at acme", "ransomware"],
            ),
            (
                json!({"_between": {"_field": "severity", "_from": 2, "_to": 4}}),
                vec!["PHISHING wave", "malware on laptop", "phishing at acme"],
            ),
            (
                json!({"_like": {"_field": "title", "_value": "phishing"}}),
                vec!["PHISHING wave", "phishing at acme"],
            ),
            (
                json!({"_startsWith": {"_field": "title", "_value": "phish"}}),
                vec!["PHISHING wave", "phishing at acme"],
            ),
            (
                json!({"_endsWith": {"_field": "title", "_value": "LAPTOP"}}),
                vec!["malware on laptop"],
            ),
            (
                json!({"_like": {"_field": "title", "_value": "b*e"}}),
                vec!["brute force"],
            ),
            (
                json!({"_like": {"_field": "title", "_value": "100%"}}),
                vec![],
            ),
            (
                json!({"_not": {"_eq": {"_field": "status", "_value": "New"}}}),
                vec![],
            ),
            (
                json!({"_or": [{"_eq": {"_field": "severity", "_value": 1}}, {"_eq": {"_field": "title", "_value": "ransomware"}}]}),
                vec!["brute force", "ransomware"],
            ),
            (
                json!({"_eq": {"_field": "owningOrganisation", "_value": "soc"}}),
                vec![
                    "PHISHING wave",
                    "brute force",
                    "malware on laptop",
                    "phishing at acme",
                    "ransomware",
                ],
            ),
            (json!({"_has": "assignee"}), vec![]),
            (
                json!({"_id": shared["_id"].clone()}),
                vec!["phishing at acme"],
            ),
        ];
        for (filter, want) in cases {
            assert_eq!(titles(&soc.query_ok(f(filter.clone()))), want, "{filter}");
        }
        // Page, sort, X-Total and count.
        let r = soc.query(json!([{"_name": "listCase"}, {"_name": "sort", "_fields": [{"severity": "desc"}, {"title": "asc"}]},
                                  {"_name": "page", "from": 1, "to": 3}]));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("x-total"), Some("5"));
        let page: Vec<String> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["title"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(page, ["phishing at acme", "PHISHING wave"]);
        assert_eq!(soc.query_ok(json!([{"_name": "listCase"}, {"_name": "filter", "_eq": {"_field": "tags", "_value": "phishing"}}, {"_name": "count"}])), json!(2));
        // Traversals: the tasks of the malware cases; the observables of a case.
        let tasks = soc.query_ok(json!([{"_name": "listCase"}, {"_name": "filter", "_eq": {"_field": "tags", "_value": "malware"}}, {"_name": "tasks"},
                                        {"_name": "sort", "_fields": [{"title": "asc"}]}]));
        assert_eq!(titles(&tasks), ["triage 1", "triage 3"]);
        let obs = acme.query_ok(json!([{"_name": "getCase", "idOrName": shared["_id"]}, {"_name": "observables"}, {"_name": "filter", "_eq": {"_field": "data", "_value": "10.0.0.2"}}]));
        assert_eq!(obs.as_array().unwrap().len(), 1);
        assert_eq!(obs[0]["tags"], json!(["c2"]));
        let back = soc.query_ok(json!([{"_name": "listObservable"}, {"_name": "case"}]));
        assert_eq!(titles(&back), ["phishing at acme"]);
        // Shares of a case through the query; acme does not list its own.
        let shares = soc.query_ok(
            json!([{"_name": "getCase", "idOrName": shared["_id"]}, {"_name": "shares"}]),
        );
        assert_eq!(shares[0]["organisationName"], "acme");
        // extraData.
        let extra = soc.query_ok(json!([{"_name": "getCase", "idOrName": shared["number"]}, {"_name": "page", "from": 0, "to": 1, "extraData": ["isOwner", "shareCount"]}]));
        assert_eq!(
            extra[0]["extraData"],
            json!({"isOwner": true, "shareCount": 1})
        );
        // Out of reach: get* answers 404, not an empty list.
        let hidden = soc.query_ok(json!([{"_name": "listCase"}, {"_name": "filter", "_eq": {"_field": "title", "_value": "ransomware"}}]))[0]["_id"].clone();
        let r = acme.query(json!([{"_name": "getCase", "idOrName": hidden}]));
        assert_eq!(r.status, 404, "{}", r.body);
        let r = acme.query(json!([{"_name": "getCase", "idOrName": hidden}, {"_name": "tasks"}]));
        assert_eq!(r.status, 404, "{}", r.body);
        // A linked organisation is visible, its members and links are not.
        assert_eq!(
            acme.query(json!([{"_name": "getOrganisation", "idOrName": "soc"}]))
                .status,
            200
        );
        for step in ["users", "links"] {
            let r = acme
                .query(json!([{"_name": "getOrganisation", "idOrName": "soc"}, {"_name": step}]));
            assert_eq!(r.status, 404, "{step}: {}", r.body);
        }
        // acme sees the shared case's task (rule all) and nothing else.
        assert_eq!(
            titles(&acme.query_ok(json!([{"_name": "listTask"}]))),
            ["triage 0"]
        );

        // Clear errors for what the query does not know.
        for (ops, needle) in [
            (
                json!([{"_name": "listCase"}, {"_name": "filter", "_eq": {"_field": "colour", "_value": 1}}]),
                "colour",
            ),
            (
                json!([{"_name": "listCase"}, {"_name": "filter", "_eq": {"_field": "severity", "_value": "high"}}]),
                "severity",
            ),
            (
                json!([{"_name": "listCase"}, {"_name": "filter", "_near": {"_field": "title"}}]),
                "_near",
            ),
            (
                json!([{"_name": "listCase"}, {"_name": "explode"}]),
                "explode",
            ),
            (json!([{"_name": "listEverything"}]), "listEverything"),
            (
                json!([{"_name": "listCase"}, {"_name": "sort", "_fields": [{"tags": "asc"}]}]),
                "tags",
            ),
            (
                json!([{"_name": "listCase"}, {"_name": "page", "from": 5, "to": 1}]),
                "page",
            ),
            (
                json!([{"_name": "listTask"}, {"_name": "observables"}]),
                "observables",
            ),
            (
                json!([{"_name": "listCase"}, {"_name": "count"}, {"_name": "filter"}]),
                "filter",
            ),
        ] {
            let r = soc.query(ops.clone());
            assert_eq!(r.status, 400, "{ops}: {}", r.body);
            assert_eq!(r.json()["type"], "BadRequest");
            assert!(
                r.json()["message"].as_str().unwrap().contains(needle),
                "{ops}: {}",
                r.body
            );
        }
    });
}

#[test]
fn alerts_tags_organisations_and_sharing_profiles() {
    each_backend(|app| {
        let (mut soc, mut acme, _, shared) = seeded(app);
        let alert = soc.ok(
            "POST",
            "/api/v1/alert",
            json!({"type": "siem", "source": "splunk", "sourceRef": "A-1", "title": "Beaconing", "description": "d",
                   "severity": 3, "tags": ["c2"], "date": 1700000000000i64, "externalLink": "https://siem.example/A-1",
                   "observables": [{"dataType": "domain", "data": ["evil.test", "bad.test"]}]}),
            201,
        );
        let id = alert["_id"].as_str().unwrap().to_owned();
        assert_eq!(alert["observableCount"], 2);
        assert_eq!(
            alert,
            soc.ok("GET", &format!("/api/v1/alert/{id}"), Value::Null, 200)
        );
        assert_eq!(
            alert,
            soc.query_ok(json!([{"_name": "getAlert", "idOrName": id}]))[0]
        );
        let again = soc.send(
            "POST",
            "/api/v1/alert",
            json!({"type": "siem", "source": "splunk", "sourceRef": "A-1", "title": "x"}),
        );
        assert_eq!(again.status, 409, "{}", again.body);
        // Other organisations do not reach it.
        assert_eq!(
            acme.send("GET", &format!("/api/v1/alert/{id}"), Value::Null)
                .status,
            404
        );
        assert_eq!(acme.query_ok(json!([{"_name": "listAlert"}])), json!([]));

        soc.ok(
            "PATCH",
            &format!("/api/v1/alert/{id}"),
            json!({"addTags": ["triaged"], "severity": 4}),
            204,
        );
        let obs = soc.ok(
            "POST",
            &format!("/api/v1/alert/{id}/observable"),
            json!({"dataType": "ip", "data": "192.0.2.7"}),
            201,
        );
        assert_eq!(obs.as_array().unwrap().len(), 1);
        let found = soc.query_ok(json!([{"_name": "listAlert"}, {"_name": "filter", "_eq": {"_field": "tags", "_value": "triaged"}}]));
        assert_eq!(found[0]["severity"], 4);
        assert_eq!(found[0]["observableCount"], 3);
        let alert_obs = soc.query_ok(json!([{"_name": "getAlert", "idOrName": id}, {"_name": "observables"}, {"_name": "count"}]));
        assert_eq!(alert_obs, json!(3));
        let case = soc.ok("POST", &format!("/api/v1/alert/{id}/case"), json!({}), 201);
        assert_eq!(case["title"], "Beaconing");
        assert_eq!(case["tags"], json!(["c2", "triaged"]));
        let case_obs = soc.query_ok(
            json!([{"_name": "getCase", "idOrName": case["_id"]}, {"_name": "observables"}]),
        );
        assert_eq!(case_obs.as_array().unwrap().len(), 3);
        let after = soc.ok("GET", &format!("/api/v1/alert/{id}"), Value::Null, 200);
        assert_eq!(after["status"], "Imported");
        assert_eq!(after["caseId"], case["_id"]);
        assert_eq!(
            soc.send("POST", &format!("/api/v1/alert/{id}/case"), json!({}))
                .status,
            409
        );
        soc.ok("DELETE", &format!("/api/v1/alert/{id}"), Value::Null, 204);
        assert_eq!(
            soc.send("GET", &format!("/api/v1/alert/{id}"), Value::Null)
                .status,
            404
        );

        // Tags: the organisation's own, with usage; rename, merge, delete.
        let tags = soc.query_ok(json!([{"_name": "listTag"}, {"_name": "filter", "_eq": {"_field": "name", "_value": "malware"}}]));
        let tag = tags[0]["_id"].as_str().unwrap().to_owned();
        assert_eq!(tags[0]["usage"]["cases"], 2);
        assert_eq!(
            acme.send("GET", &format!("/api/v1/tag/{tag}"), Value::Null)
                .status,
            404
        );
        let t = soc.ok(
            "PATCH",
            &format!("/api/v1/tag/{tag}"),
            json!({"colour": "#aa0000", "description": "bad stuff"}),
            200,
        );
        assert_eq!(
            (t["colour"].as_str(), t["description"].as_str()),
            (Some("#aa0000"), Some("bad stuff"))
        );
        let r = soc.send(
            "PATCH",
            &format!("/api/v1/tag/{tag}"),
            json!({"name": "urgent"}),
        );
        assert_eq!(r.status, 409, "{}", r.body);
        let merged = soc.ok(
            "PATCH",
            &format!("/api/v1/tag/{tag}"),
            json!({"name": "urgent", "merge": true}),
            200,
        );
        assert_eq!(merged["name"], "urgent");
        assert_eq!(merged["usage"]["cases"], 2);
        assert_eq!(
            soc.send(
                "PATCH",
                &format!("/api/v1/tag/{tag}"),
                json!({"colour": "red"})
            )
            .status,
            404
        );
        let m = merged["_id"].as_str().unwrap().to_owned();
        assert_eq!(
            soc.send(
                "PATCH",
                &format!("/api/v1/tag/{m}"),
                json!({"colour": "red"})
            )
            .status,
            400
        );
        soc.ok("DELETE", &format!("/api/v1/tag/{m}"), Value::Null, 204);
        assert_eq!(soc.query_ok(json!([{"_name": "listCase"}, {"_name": "filter", "_eq": {"_field": "tags", "_value": "urgent"}}, {"_name": "count"}])), json!(0));

        // Tags show every organisation's: acme tags the shared case it may not edit? No: read-only.
        let sid = shared["_id"].as_str().unwrap();
        assert_eq!(
            acme.send(
                "PATCH",
                &format!("/api/v1/case/{sid}"),
                json!({"addTags": ["seen"]})
            )
            .status,
            403
        );
        assert_eq!(
            acme.ok("GET", &format!("/api/v1/case/{sid}"), Value::Null, 200)["tags"],
            json!(["client:acme", "phishing"])
        );

        // Organisations: update, bulk links, sharing profiles (platform admins).
        let mut admin = Api::new(app, ADMIN_LOGIN, ADMIN_PASSWORD, None);
        admin.ok(
            "PATCH",
            "/api/v1/organisation/globex",
            json!({"description": "Globex Corp", "taskRule": "autoShare"}),
            204,
        );
        let g = admin.ok("GET", "/api/v1/organisation/globex", Value::Null, 200);
        assert_eq!(g["description"], "Globex Corp");
        assert_eq!(
            soc.send(
                "PATCH",
                "/api/v1/organisation/globex",
                json!({"description": "x"})
            )
            .status,
            403
        );
        let r = admin.send(
            "PATCH",
            "/api/v1/organisation/globex",
            json!({"colour": "x"}),
        );
        assert_eq!(r.status, 400, "{}", r.body);
        admin.ok("PUT", "/api/v1/organisation/soc/links", json!({"links": [{"toOrganisation": "globex", "linkType": "notify", "otherLinkType": "default"}]}), 204);
        let links = admin.ok("GET", "/api/v1/organisation/soc/links", Value::Null, 200);
        let names: Vec<&str> = links
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["organisation"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["globex"], "acme's link is gone: the list is exact");
        assert_eq!(links[0]["linkType"], "notify");
        let r = admin.send("PUT", "/api/v1/organisation/soc/links", json!({"links": [{"toOrganisation": "nowhere", "linkType": "default", "otherLinkType": "default"}]}));
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(
            admin.ok("GET", "/api/v1/organisation/soc/links", Value::Null, 200),
            links,
            "a refused bulk changes nothing"
        );
        let profiles = soc.ok("GET", "/api/v1/sharingProfile", Value::Null, 200);
        let notify = profiles
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "notify")
            .unwrap();
        assert_eq!(
            (
                notify["autoShare"].as_bool(),
                notify["permissionProfile"].as_str()
            ),
            (Some(true), Some("read-only"))
        );
    });
}

#[test]
fn bad_input_answers_400_and_changes_nothing() {
    each_backend(|app| {
        let (mut soc, _, _, shared) = seeded(app);
        let sid = shared["_id"].as_str().unwrap().to_owned();
        let other = soc.query_ok(json!([{"_name": "listCase"}, {"_name": "filter", "_eq": {"_field": "title", "_value": "ransomware"}}]))[0]["_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let snapshot = |soc: &mut Api| {
            (
                soc.query_ok(json!([{"_name": "listCase"}, {"_name": "sort", "_fields": [{"number": "asc"}]}])),
                soc.query_ok(json!([{"_name": "listAlert"}])),
                soc.query_ok(json!([{"_name": "listTask"}, {"_name": "sort", "_fields": [{"title": "asc"}]}])),
                soc.query_ok(json!([{"_name": "listObservable"}, {"_name": "sort", "_fields": [{"data": "asc"}]}])),
            )
        };
        let before = snapshot(&mut soc);
        let big = format!("{{\"title\":\"{}\"}}", "x".repeat(300 * 1024));
        for (method, path, body) in [
            ("POST", "/api/v1/case".to_string(), "{\"title\": ".to_string()),
            ("POST", "/api/v1/case".to_string(), "[1,2]".to_string()),
            ("POST", "/api/v1/case".to_string(), r#"{"title": 5}"#.to_string()),
            ("POST", "/api/v1/case".to_string(), r#"{"title": "t", "severity": "high"}"#.to_string()),
            ("POST", "/api/v1/case".to_string(), r#"{"title": "t", "severity": 9}"#.to_string()),
            ("POST", "/api/v1/case".to_string(), big.clone()),
            ("PATCH", format!("/api/v1/case/{sid}"), r#"{"title": "t", "nonsense": 1}"#.to_string()),
            ("PATCH", format!("/api/v1/case/{sid}"), r#"{"addTags": "notalist"}"#.to_string()),
            ("PATCH", format!("/api/v1/case/{sid}"), big.clone()),
            ("PATCH", "/api/v1/case/_bulk".to_string(), format!(r#"{{"ids": ["{sid}"], "severity": 7}}"#)),
            ("PATCH", "/api/v1/case/_bulk".to_string(), r#"{"ids": [], "severity": "high"}"#.to_string()),
            ("POST", "/api/v1/alert".to_string(), r#"{"type": "t", "source": "s", "title": "no ref"}"#.to_string()),
            ("POST", "/api/v1/alert".to_string(), r#"{"type": "t", "source": "s", "sourceRef": "r", "title": "x", "tlp": 9}"#.to_string()),
            ("POST", "/api/v1/alert".to_string(), r#"{"type": "t", "source": "s", "sourceRef": "r2", "title": "x", "observables": [{"dataType": "ip"}]}"#.to_string()),
            ("POST", format!("/api/v1/case/{sid}/observable"), r#"{"dataType": "ip", "data": 12}"#.to_string()),
            ("POST", format!("/api/v1/case/{sid}/task"), r#"{"group": "no title"}"#.to_string()),
            ("POST", format!("/api/v1/case/{other}/shares"), r#"{"shares": [{"organisation": "acme", "profile": "nope"}]}"#.to_string()),
            ("POST", format!("/api/v1/case/{other}/shares"), r#"{"shares": [{"organisation": "acme", "taskRule": "sometimes"}]}"#.to_string()),
            ("POST", "/api/v1/query".to_string(), "not json".to_string()),
        ] {
            let r = soc.raw(method, &path, &body);
            assert_eq!(r.status, 400, "{method} {path} {}: {}", &body[..body.len().min(80)], r.body);
            let j = r.json();
            assert_eq!(j["type"], "BadRequest", "{}", r.body);
            assert!(!j["message"].as_str().unwrap().is_empty());
        }
        assert_eq!(snapshot(&mut soc), before, "nothing changed");
    });
}

/// Replaces what changes from run to run (ids, times) by placeholders.
fn redact(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let volatile = matches!(
                        k.as_str(),
                        "_id"
                            | "_createdAt"
                            | "_updatedAt"
                            | "newDate"
                            | "date"
                            | "startDate"
                            | "caseId"
                            | "organisationId"
                    ) || (k.ends_with("Date") && v.is_number());
                    let v = if volatile && !v.is_null() {
                        json!(format!("[{k}]"))
                    } else {
                        redact(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact).collect()),
        other => other.clone(),
    }
}

#[test]
fn response_shapes_match_the_snapshots() {
    each_backend(|app| {
        let (mut soc, mut acme, _, shared) = seeded(app);
        let sid = shared["_id"].as_str().unwrap().to_owned();
        let snap = |name: &str, v: &Value| {
            insta::assert_snapshot!(name, serde_json::to_string_pretty(&redact(v)).unwrap());
        };
        snap(
            "case_as_owner",
            &soc.ok("GET", &format!("/api/v1/case/{sid}"), Value::Null, 200),
        );
        snap(
            "case_as_read_only_share",
            &acme.ok("GET", &format!("/api/v1/case/{sid}"), Value::Null, 200),
        );
        snap(
            "case_shares",
            &soc.ok(
                "GET",
                &format!("/api/v1/case/{sid}/shares"),
                Value::Null,
                200,
            ),
        );
        let tasks =
            soc.query_ok(json!([{"_name": "getCase", "idOrName": sid}, {"_name": "tasks"}]));
        snap("task", &tasks[0]);
        snap(
            "task_shares",
            &soc.ok(
                "GET",
                &format!("/api/v1/task/{}/shares", tasks[0]["_id"].as_str().unwrap()),
                Value::Null,
                200,
            ),
        );
        let obs = soc.query_ok(json!([{"_name": "getCase", "idOrName": sid}, {"_name": "observables"}, {"_name": "sort", "_fields": [{"data": "asc"}]}]));
        snap("observable", &obs[0]);
        let alert = soc.ok("POST", "/api/v1/alert", json!({"type": "siem", "source": "s", "sourceRef": "snap", "title": "Alert", "tags": ["a"]}), 201);
        snap("alert", &alert);
        snap("tag", &soc.query_ok(json!([{"_name": "listTag"}, {"_name": "filter", "_eq": {"_field": "name", "_value": "phishing"}}]))[0]);
        snap(
            "user_current",
            &soc.ok("GET", "/api/v1/user/current", Value::Null, 200),
        );
        snap(
            "organisation",
            &soc.ok("GET", "/api/v1/organisation/soc", Value::Null, 200),
        );
        snap(
            "profile",
            &soc.ok("GET", "/api/v1/profile/analyst", Value::Null, 200),
        );
        snap(
            "sharing_profiles",
            &soc.ok("GET", "/api/v1/sharingProfile", Value::Null, 200),
        );
        snap(
            "error_not_found",
            &soc.send("GET", "/api/v1/case/~999999", Value::Null).json(),
        );
    });
}
