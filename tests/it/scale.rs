//! Scale: the statements a page runs do not grow with the data (counted by
//! diesel's instrumentation and reported in `X-Tenantry-Statements`).

use diesel::prelude::*;
use serde_json::json;
use tenantry::db::schema::{organisations, shares};
use tenantry::seed::{self, Options};

use crate::support::*;

fn statements(r: &Resp, what: &str) -> u64 {
    assert_eq!(r.status, 200, "{what}: {}", r.body);
    r.header("x-tenantry-statements")
        .unwrap_or_else(|| panic!("{what}: no statement count"))
        .parse()
        .unwrap()
}

/// The statement count of every measured page in a world of `cases` cases.
fn counts(backend: Backend, orgs: usize, cases: usize, per_case: usize) -> Vec<(String, u64)> {
    let app = TestApp::spawn_with(backend, |s| s.statement_header = true);
    seed::bulk(
        &app.store.db,
        Options {
            orgs,
            cases,
            users: orgs * 2,
            share_density: 0.5,
            tasks_per_case: per_case,
            observables_per_case: per_case,
            tags_per_case: per_case,
            ..Options::default()
        },
        |_, _| {},
    )
    .unwrap();
    let soc: i64 = organisations::table
        .filter(organisations::name.eq("soc"))
        .select(organisations::id)
        .first(&mut *app.conn())
        .unwrap();
    let owned: Vec<i64> = shares::table
        .filter(shares::organisation_id.eq(soc))
        .filter(shares::owner.eq(true))
        .order(shares::case_id)
        .select(shares::case_id)
        .load(&mut *app.conn())
        .unwrap();
    assert!(owned.len() >= 3, "soc owns some cases");
    let mut web = app.signed_in("user-00000@seed.test", seed::DEMO_PASSWORD);
    let mut admin = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
    let first = web.get("/cases");
    let after = first
        .body
        .split("after=")
        .nth(1)
        .and_then(|s| s.split(['"', '&']).next())
        .expect("a next page")
        .to_string();
    let mut out = vec![("/cases".to_string(), statements(&first, "/cases"))];
    for (label, path) in [
        ("/cases?after=…", format!("/cases?after={after}")),
        ("/cases?scope=shared", "/cases?scope=shared".to_string()),
        ("/cases?tag=tag-01", "/cases?tag=tag-01".to_string()),
        ("/cases/{id}", format!("/cases/{}", owned[1])),
        ("/cases/{id}/access", format!("/cases/{}/access", owned[1])),
        ("/organisation/tags", "/organisation/tags".to_string()),
        ("/organisation/users", "/organisation/users".to_string()),
    ] {
        let r = web.get(&path);
        out.push((label.to_string(), statements(&r, &path)));
    }
    let r = admin.get("/admin/organisations");
    out.push(("/admin/organisations".into(), statements(&r, "admin")));
    for (name, body) in [
        (
            "query page",
            json!({"query": [{"_name": "listCase"}, {"_name": "filter", "_eq": {"_field": "severity", "_value": 2}},
                {"_name": "sort", "_fields": [{"_createdAt": "desc"}]}, {"_name": "page", "from": 0, "to": 15, "extraData": ["owningOrganisation"]}]}),
        ),
        (
            "query count",
            json!({"query": [{"_name": "listCase"}, {"_name": "filter", "_eq": {"_field": "severity", "_value": 2}}, {"_name": "count"}]}),
        ),
        (
            "query tasks",
            json!({"query": [{"_name": "listCase"}, {"_name": "tasks"}, {"_name": "page", "from": 0, "to": 15}]}),
        ),
    ] {
        let r = crate::seed::api_response(&app, "user-00000@seed.test", "/api/v1/query", body);
        out.push((name.to_string(), statements(&r, name)));
    }
    out
}

#[test]
fn pages_run_as_many_statements_for_ten_times_the_data() {
    for backend in backends() {
        let small = counts(backend, 4, 80, 1);
        let large = counts(backend, 12, 800, 3);
        eprintln!("{backend:?} statements per page: {small:?}");
        assert_eq!(
            small, large,
            "{backend:?}: statement counts grew with the data"
        );
        assert!(small.iter().all(|(_, n)| *n > 0 && *n < 30), "{small:?}");
    }
}
