//! `tenantry seed`: the demo world behaves like one made by hand, and a
//! generated world is consistent (ids, numbers, shares) and usable after.

use diesel::prelude::*;
use serde_json::{json, Value};
use tenantry::db::schema::{cases, shares};
use tenantry::seed;

use crate::support::*;

/// A JSON request as `login` (Basic auth with the seeded password).
pub fn api_response(app: &TestApp, login: &str, path: &str, body: Value) -> Resp {
    send(app, login, "POST", path, body)
}

fn api(app: &TestApp, login: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
    let r = send(app, login, method, path, body);
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

fn send(app: &TestApp, login: &str, method: &str, path: &str, body: Value) -> Resp {
    use base64::Engine;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{login}:{}", seed::DEMO_PASSWORD))
    );
    let mut c = app.client();
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    match method {
        "GET" => c.get_with(path, &h),
        _ => c.post_raw(path, &body.to_string(), &h),
    }
}

#[test]
fn the_demo_world_is_ready_to_use() {
    each_backend(|app| {
        let report = seed::demo(&app.store.db).unwrap();
        assert_eq!(report.logins.len(), 5);
        assert!(
            seed::demo(&app.store.db).is_err(),
            "never twice into the same database"
        );
        // The rule shared the client:acme cases; acme's own case is shared with soc.
        let (s, acme_cases) = api(
            app,
            "ann@acme.demo",
            "POST",
            "/api/v1/query",
            json!({"query": [{"_name": "listCase"}, {"_name": "sort", "_fields": [{"title": "asc"}]}]}),
        );
        assert_eq!(s, 200);
        let titles: Vec<&str> = acme_cases
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            [
                "Lost laptop with customer data",
                "Phishing campaign against Acme finance",
                "Suspicious login at Acme"
            ]
        );
        let (_, soc) = api(
            app,
            "sam@soc.demo",
            "POST",
            "/api/v1/query",
            json!({"query": [{"_name": "listCase"}, {"_name": "count"}]}),
        );
        assert_eq!(soc, json!(6), "five own cases and acme's");
        let (_, bob) = api(
            app,
            "bob@acme.demo",
            "GET",
            "/api/v1/user/current",
            Value::Null,
        );
        assert_eq!(bob["profile"], "read-only");
        let mut web = app.signed_in("sam@soc.demo", seed::DEMO_PASSWORD);
        assert!(web
            .get("/organisation/settings")
            .body
            .contains("Case #4 shared with acme as read-only."));
    });
}

#[test]
fn a_generated_world_is_consistent_and_usable() {
    each_backend(|app| {
        let opts = seed::Options {
            orgs: 6,
            cases: 2_500,
            users: 12,
            share_density: 0.5,
            mssp_share: 0.3,
            tasks_per_case: 2,
            observables_per_case: 1,
            tags_per_case: 2,
            seed: 7,
        };
        let mut calls = Vec::new();
        let counts =
            seed::bulk(&app.store.db, opts, |done, total| calls.push((done, total))).unwrap();
        assert_eq!(calls.last(), Some(&(2_500, 2_500)));
        assert_eq!(
            (counts.orgs, counts.users, counts.cases, counts.tasks),
            (6, 12, 2_500, 5_000)
        );
        let mut conn = app.conn();
        let owner_shares: i64 = shares::table
            .filter(shares::owner.eq(true))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(owner_shares, 2_500, "every case has its owner's share");
        let other: i64 = shares::table
            .filter(shares::owner.eq(false))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        assert!(
            (1_000..1_500).contains(&other),
            "about half the cases shared: {other}"
        );
        let numbers: Vec<i64> = cases::table
            .select(cases::number)
            .order(cases::number.asc())
            .load(&mut *conn)
            .unwrap();
        assert_eq!(numbers, (1..=2_500).collect::<Vec<i64>>());
        drop(conn);
        // The world is usable: soc's member lists what soc holds, and new
        // objects get fresh ids and numbers (PostgreSQL sequences moved on).
        let soc_holds: i64 = {
            let mut conn = app.conn();
            let soc: i64 = tenantry::db::schema::organisations::table
                .filter(tenantry::db::schema::organisations::name.eq("soc"))
                .select(tenantry::db::schema::organisations::id)
                .first(&mut *conn)
                .unwrap();
            shares::table
                .filter(shares::organisation_id.eq(soc))
                .count()
                .get_result(&mut *conn)
                .unwrap()
        };
        let (s, n) = api(
            app,
            "user-00000@seed.test",
            "POST",
            "/api/v1/query",
            json!({"query": [{"_name": "listCase"}, {"_name": "count"}]}),
        );
        assert_eq!(s, 200);
        assert_eq!(n, json!(soc_holds));
        let (s, c) = api(
            app,
            "user-00000@seed.test",
            "POST",
            "/api/v1/case",
            json!({"title": "after the seed", "tasks": [{"title": "t"}]}),
        );
        assert_eq!(s, 201, "{c}");
        assert_eq!(c["number"], 2_501);
        // The same seed makes the same world.
        let again = seed::bulk(&app.store.db, opts, |_, _| {});
        assert!(again.is_err(), "a seeded database is not seeded again");
    });
}
