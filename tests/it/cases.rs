//! Cases and sharing over real HTTP: every rule of the sharing model, each
//! refusal leaving the data as it was, on both backends.

use diesel::prelude::*;
use tenantry::db::schema::{audit_records, cases, shares, task_shares, tasks};

use crate::support::*;

pub fn link(app: &TestApp, from: i64, to: i64, link_type: &str) {
    tenantry::db::admin::insert_link(&mut app.conn(), from, to, link_type, "test", 0).unwrap();
}

pub fn post(client: &mut Client, path: &str, fields: &[(&str, &str)]) -> Resp {
    let token = client.token();
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    client.post_form(path, &all)
}

/// Creates a case through the form; returns its id.
pub fn new_case(client: &mut Client, title: &str) -> i64 {
    let res = post(
        client,
        "/cases",
        &[
            ("title", title),
            ("description", "d"),
            ("severity", "2"),
            ("tlp", "2"),
            ("pap", "2"),
            ("tags", "phishing, client:acme"),
        ],
    );
    assert_eq!(res.status, 303, "{}", res.body);
    res.header("location")
        .unwrap()
        .trim_start_matches("/cases/")
        .parse()
        .unwrap()
}

pub fn share_id(app: &TestApp, case: i64, org: i64) -> Option<i64> {
    shares::table
        .filter(shares::case_id.eq(case))
        .filter(shares::organisation_id.eq(org))
        .select(shares::id)
        .first(&mut *app.conn())
        .optional()
        .unwrap()
}

fn share_count(app: &TestApp, case: i64) -> i64 {
    shares::table
        .filter(shares::case_id.eq(case))
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

fn task_id(app: &TestApp, title: &str) -> i64 {
    tasks::table
        .filter(tasks::title.eq(title))
        .select(tasks::id)
        .first(&mut *app.conn())
        .unwrap()
}

fn holders(app: &TestApp, task: i64) -> Vec<i64> {
    let mut v: Vec<i64> = task_shares::table
        .inner_join(shares::table)
        .filter(task_shares::task_id.eq(task))
        .select(shares::organisation_id)
        .load(&mut *app.conn())
        .unwrap();
    v.sort_unstable();
    v
}

/// soc and acme linked both ways (default), globex linked to nobody; a
/// soc org-admin, an acme org-admin and a globex org-admin.
pub struct World {
    pub soc: i64,
    pub acme: i64,
    pub globex: i64,
}

pub fn world(app: &TestApp) -> World {
    let soc = app.create_org("soc");
    let acme = app.create_org("acme");
    let globex = app.create_org("globex");
    link(app, soc, acme, "default");
    link(app, acme, soc, "default");
    app.create_user("sam@soc.test", "sam-password-1", &[(soc, "org-admin")]);
    app.create_user("ann@acme.test", "ann-password-1", &[(acme, "org-admin")]);
    app.create_user(
        "gus@globex.test",
        "gus-password-1",
        &[(globex, "org-admin")],
    );
    World { soc, acme, globex }
}

#[test]
fn a_case_is_created_listed_edited_and_closed() {
    each_backend(|app| {
        let w = world(app);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let id = new_case(&mut sam, "Phishing wave");
        let page = sam.get(&format!("/cases/{id}"));
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("Phishing wave")
                && page.body.contains("Owner: <strong>soc</strong>")
        );
        assert!(page.body.contains("client:acme"));
        let list = sam.get("/cases");
        assert!(list.body.contains("Phishing wave"));
        assert!(sam.get("/cases?scope=owned").body.contains("Phishing wave"));
        assert!(!sam
            .get("/cases?scope=shared")
            .body
            .contains("Phishing wave"));

        let bad = post(
            &mut sam,
            &format!("/cases/{id}"),
            &[("title", ""), ("severity", "2")],
        );
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("The title is required."));
        let bad = post(
            &mut sam,
            &format!("/cases/{id}"),
            &[("title", "x"), ("severity", "9")],
        );
        assert_eq!(bad.status, 400);
        let title: String = cases::table
            .find(id)
            .select(cases::title)
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(title, "Phishing wave", "refusals change nothing");

        let ok = post(
            &mut sam,
            &format!("/cases/{id}"),
            &[
                ("title", "Phishing wave 2"),
                ("status", "TruePositive"),
                ("summary", "done"),
            ],
        );
        assert_eq!(ok.status, 303);
        let (status, end): (String, Option<i64>) = cases::table
            .find(id)
            .select((cases::status, cases::end_date))
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(status, "TruePositive");
        assert!(end.is_some());
        // The admin organisation holds no cases.
        let mut admin = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        assert_eq!(post(&mut admin, "/cases", &[("title", "nope")]).status, 403);
        assert_eq!(admin.get("/cases").status, 403);
        let _ = w;
    });
}

#[test]
fn sharing_rules_hold_and_refusals_change_nothing() {
    each_backend(|app| {
        let w = world(app);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let id = new_case(&mut sam, "Shared case");
        let base = format!("/cases/{id}/shares");
        let share = |c: &mut Client, org: i64, profile: &str| {
            post(
                c,
                &base,
                &[
                    ("organisation", &org.to_string()),
                    ("profile", profile),
                    ("task_rule", "all"),
                    ("observable_rule", "manual"),
                ],
            )
        };
        // Not linked: refused.
        let res = share(&mut sam, w.globex, "read-only");
        assert_eq!(res.status, 400);
        assert!(res.body.contains("not linked to globex"));
        // The admin organisation: refused.
        assert_eq!(share(&mut sam, app.admin_org, "read-only").status, 400);
        // An admin-kind profile: refused.
        assert_eq!(share(&mut sam, w.acme, "admin").status, 400);
        assert_eq!(share_count(app, id), 1);

        assert_eq!(share(&mut sam, w.acme, "read-only").status, 303);
        assert_eq!(share_count(app, id), 2);
        // One share per organisation.
        let again = share(&mut sam, w.acme, "analyst");
        assert_eq!(again.status, 409);

        // The owner share is untouchable; acme cannot remove its own share.
        let owner_share = share_id(app, id, w.soc).unwrap();
        let acme_share = share_id(app, id, w.acme).unwrap();
        let mut ann = app.signed_in("ann@acme.test", "ann-password-1");
        // acme's share is read-only: ann (org-admin in acme) cannot share or edit.
        assert_eq!(
            post(
                &mut ann,
                &format!("/cases/{id}/shares/{owner_share}/delete"),
                &[]
            )
            .status,
            403
        );
        assert_eq!(
            post(&mut ann, &format!("/cases/{id}"), &[("title", "hijack")]).status,
            403
        );
        assert_eq!(
            post(
                &mut sam,
                &format!("/cases/{id}/shares/{owner_share}/delete"),
                &[]
            )
            .status,
            403
        );
        assert_eq!(
            post(
                &mut sam,
                &format!("/cases/{id}/shares/{owner_share}/profile"),
                &[("profile", "read-only")]
            )
            .status,
            403
        );

        // Upgrade acme to analyst: ann can work but not re-share wider than analyst.
        assert_eq!(
            post(
                &mut sam,
                &format!("/cases/{id}/shares/{acme_share}/profile"),
                &[("profile", "analyst")]
            )
            .status,
            303
        );
        assert_eq!(
            post(
                &mut ann,
                &format!("/cases/{id}/shares/{acme_share}/delete"),
                &[]
            )
            .status,
            403,
            "nobody removes their own organisation's share"
        );
        assert_eq!(
            post(
                &mut ann,
                &format!("/cases/{id}/shares/{owner_share}/profile"),
                &[("profile", "read-only")]
            )
            .status,
            403
        );
        // Only the owner deletes.
        assert_eq!(
            post(&mut ann, &format!("/cases/{id}/delete"), &[]).status,
            403
        );
        assert_eq!(
            cases::table
                .filter(cases::id.eq(id))
                .count()
                .get_result::<i64>(&mut *app.conn())
                .unwrap(),
            1
        );

        // globex sees nothing: 404 everywhere.
        let mut gus = app.signed_in("gus@globex.test", "gus-password-1");
        assert_eq!(gus.get(&format!("/cases/{id}")).status, 404);
        assert_eq!(
            post(&mut gus, &format!("/cases/{id}"), &[("title", "x")]).status,
            404
        );
        assert!(!gus.get("/cases").body.contains("Shared case"));

        // acme sees it as shared.
        assert!(ann.get("/cases?scope=shared").body.contains("Shared case"));
        let audits: i64 = audit_records::table
            .filter(audit_records::action.eq("shareCase"))
            .count()
            .get_result(&mut *app.conn())
            .unwrap();
        assert_eq!(audits, 1);
    });
}

#[test]
fn resharing_never_widens_rights() {
    each_backend(|app| {
        let w = world(app);
        let partner = app.create_org("partner");
        link(app, w.acme, partner, "default");
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let id = new_case(&mut sam, "Re-share");
        post(
            &mut sam,
            &format!("/cases/{id}/shares"),
            &[
                ("organisation", &w.acme.to_string()),
                ("profile", "analyst"),
                ("task_rule", "manual"),
                ("observable_rule", "manual"),
            ],
        );
        let mut ann = app.signed_in("ann@acme.test", "ann-password-1");
        let wide = post(
            &mut ann,
            &format!("/cases/{id}/shares"),
            &[
                ("organisation", &partner.to_string()),
                ("profile", "org-admin"),
                ("task_rule", "manual"),
                ("observable_rule", "manual"),
            ],
        );
        assert_eq!(wide.status, 403);
        assert!(share_id(app, id, partner).is_none());
        let ok = post(
            &mut ann,
            &format!("/cases/{id}/shares"),
            &[
                ("organisation", &partner.to_string()),
                ("profile", "read-only"),
                ("task_rule", "manual"),
                ("observable_rule", "manual"),
            ],
        );
        assert_eq!(ok.status, 303);
    });
}

#[test]
fn unsharing_keeps_the_receiving_organisations_work() {
    each_backend(|app| {
        let w = world(app);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let id = new_case(&mut sam, "Keep work");
        post(
            &mut sam,
            &format!("/cases/{id}/tasks"),
            &[("title", "soc task")],
        );
        post(
            &mut sam,
            &format!("/cases/{id}/shares"),
            &[
                ("organisation", &w.acme.to_string()),
                ("profile", "analyst"),
                ("task_rule", "all"),
                ("observable_rule", "all"),
            ],
        );
        let soc_task = task_id(app, "soc task");
        assert_eq!(
            holders(app, soc_task),
            vec![w.soc, w.acme],
            "existing tasks attached by rule all"
        );

        let mut ann = app.signed_in("ann@acme.test", "ann-password-1");
        assert_eq!(
            post(
                &mut ann,
                &format!("/cases/{id}/tasks"),
                &[("title", "acme task")]
            )
            .status,
            303
        );
        let acme_task = task_id(app, "acme task");
        // The owner's share takes upcoming tasks only by its own rule (soc's
        // default is manual), so acme's new task is acme's alone for now.
        assert_eq!(holders(app, acme_task), vec![w.acme]);
        assert!(!sam.get(&format!("/cases/{id}")).body.contains("acme task"));
        let res = post(
            &mut sam,
            &format!("/tasks/{soc_task}/shares/remove"),
            &[("organisation", &w.soc.to_string())],
        );
        assert_eq!(
            res.status, 400,
            "sam cannot remove his own organisation from a task"
        );

        let acme_share = share_id(app, id, w.acme).unwrap();
        let res = post(
            &mut sam,
            &format!("/cases/{id}/shares/{acme_share}/delete"),
            &[],
        );
        assert_eq!(res.status, 303);
        assert!(share_id(app, id, w.acme).is_none());
        assert_eq!(
            holders(app, acme_task),
            vec![w.soc],
            "acme's work is kept for the owner"
        );
        assert!(sam
            .get(&format!("/cases/{id}"))
            .body
            .contains("Kept for the owner: 1 task(s)"));
        assert!(sam.get(&format!("/cases/{id}")).body.contains("acme task"));
        let details: String = audit_records::table
            .filter(audit_records::action.eq("unshareCase"))
            .select(audit_records::details)
            .first(&mut *app.conn())
            .unwrap();
        assert!(
            details.contains(&format!("\"keptTasks\":[{acme_task}]")),
            "{details}"
        );
        assert_eq!(ann.get(&format!("/cases/{id}")).status, 404);
    });
}

#[test]
fn item_rules_existing_upcoming_and_manual() {
    each_backend(|app| {
        let w = world(app);
        let partner = app.create_org("partner");
        link(app, w.soc, partner, "default");
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let id = new_case(&mut sam, "Rules");
        post(
            &mut sam,
            &format!("/cases/{id}/tasks"),
            &[("title", "before")],
        );
        let share = |c: &mut Client, org: i64, rule: &str| {
            post(
                c,
                &format!("/cases/{id}/shares"),
                &[
                    ("organisation", &org.to_string()),
                    ("profile", "read-only"),
                    ("task_rule", rule),
                    ("observable_rule", "manual"),
                ],
            )
        };
        assert_eq!(share(&mut sam, w.acme, "existingOnly").status, 303);
        assert_eq!(share(&mut sam, partner, "upcomingOnly").status, 303);
        post(
            &mut sam,
            &format!("/cases/{id}/tasks"),
            &[("title", "after")],
        );
        assert_eq!(holders(app, task_id(app, "before")), vec![w.soc, w.acme]);
        assert_eq!(holders(app, task_id(app, "after")), vec![w.soc, partner]);
        assert_eq!(share(&mut sam, app.create_org("x"), "bogus").status, 400);
        // Manual item sharing, only to organisations of the case, idempotent.
        let after = task_id(app, "after");
        assert_eq!(
            post(
                &mut sam,
                &format!("/tasks/{after}/shares"),
                &[("organisation", &w.acme.to_string())]
            )
            .status,
            303
        );
        assert_eq!(
            post(
                &mut sam,
                &format!("/tasks/{after}/shares"),
                &[("organisation", &w.acme.to_string())]
            )
            .status,
            303
        );
        assert_eq!(
            post(
                &mut sam,
                &format!("/tasks/{after}/shares"),
                &[("organisation", &w.soc.to_string())]
            )
            .status,
            303
        );
        assert_eq!(holders(app, after), vec![w.soc, w.acme, partner]);
        let res = post(
            &mut sam,
            &format!("/tasks/{after}/shares"),
            &[("organisation", &w.globex.to_string())],
        );
        assert_eq!(res.status, 400);
        // Action required per organisation.
        assert_eq!(
            post(
                &mut sam,
                &format!("/tasks/{after}/action-required"),
                &[("organisation", &w.acme.to_string()), ("required", "true")]
            )
            .status,
            303
        );
        let mut ann = app.signed_in("ann@acme.test", "ann-password-1");
        assert!(ann
            .get(&format!("/cases/{id}"))
            .body
            .contains("Action required"));
    });
}

#[test]
fn link_types_share_new_cases_automatically() {
    each_backend(|app| {
        let soc = app.create_org("soc");
        let acme = app.create_org("acme");
        let globex = app.create_org("globex");
        link(app, soc, acme, "supervised");
        link(app, soc, globex, "notify");
        app.create_user("sam@soc.test", "sam-password-1", &[(soc, "org-admin")]);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let id = new_case(&mut sam, "Auto");
        let profiles: Vec<(i64, String)> = shares::table
            .inner_join(tenantry::db::schema::profiles::table)
            .filter(shares::case_id.eq(id))
            .order(shares::organisation_id)
            .select((
                shares::organisation_id,
                tenantry::db::schema::profiles::name,
            ))
            .load(&mut *app.conn())
            .unwrap();
        assert_eq!(
            profiles,
            vec![
                (soc, "org-admin".into()),
                (acme, "analyst".into()),
                (globex, "read-only".into())
            ]
        );
    });
}

#[test]
fn ownership_moves_only_to_an_organisation_with_a_share() {
    each_backend(|app| {
        let w = world(app);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let id = new_case(&mut sam, "Hand over");
        let res = post(
            &mut sam,
            &format!("/cases/{id}/owner"),
            &[("organisation", &w.acme.to_string())],
        );
        assert_eq!(res.status, 400);
        post(
            &mut sam,
            &format!("/cases/{id}/shares"),
            &[
                ("organisation", &w.acme.to_string()),
                ("profile", "analyst"),
                ("task_rule", "manual"),
                ("observable_rule", "manual"),
            ],
        );
        assert_eq!(
            post(
                &mut sam,
                &format!("/cases/{id}/owner"),
                &[("organisation", &w.acme.to_string())]
            )
            .status,
            303
        );
        let owner: i64 = cases::table
            .find(id)
            .select(cases::owner_organisation_id)
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(owner, w.acme);
        // soc is no longer the owner: it cannot delete.
        assert_eq!(
            post(&mut sam, &format!("/cases/{id}/delete"), &[]).status,
            403
        );
        let mut ann = app.signed_in("ann@acme.test", "ann-password-1");
        assert_eq!(
            post(&mut ann, &format!("/cases/{id}/delete"), &[]).status,
            303
        );
        assert_eq!(
            sam.get(&format!("/cases/{id}")).status,
            404,
            "deletion removes it everywhere"
        );
    });
}

#[test]
fn who_can_see_this_case_lists_rights() {
    each_backend(|app| {
        let w = world(app);
        app.create_user("bob@acme.test", "bob-password-1", &[(w.acme, "analyst")]);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let id = new_case(&mut sam, "Access");
        post(
            &mut sam,
            &format!("/cases/{id}/shares"),
            &[
                ("organisation", &w.acme.to_string()),
                ("profile", "read-only"),
                ("task_rule", "manual"),
                ("observable_rule", "manual"),
            ],
        );
        let page = sam.get(&format!("/cases/{id}/access"));
        assert_eq!(page.status, 200);
        assert!(page.body.contains("bob@acme.test") && page.body.contains("ann@acme.test"));
        let acme_part = &page.body[page.body.find("<h2>acme").unwrap()..];
        assert!(
            acme_part.contains("Read only"),
            "a read-only share leaves acme's analysts read-only"
        );
    });
}

#[test]
fn alerts_are_promoted_with_observables_and_templates_seed_cases() {
    each_backend(|app| {
        let _w = world(app);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let res = post(
            &mut sam,
            "/alerts",
            &[
                ("title", "Beacon"),
                ("alert_type", "edr"),
                ("source", "sensor"),
                ("source_ref", "r-1"),
                ("severity", "3"),
            ],
        );
        assert_eq!(res.status, 303);
        let alert: i64 = res
            .header("location")
            .unwrap()
            .trim_start_matches("/alerts/")
            .parse()
            .unwrap();
        let dup = post(
            &mut sam,
            "/alerts",
            &[
                ("title", "Beacon"),
                ("alert_type", "edr"),
                ("source", "sensor"),
                ("source_ref", "r-1"),
            ],
        );
        assert_eq!(dup.status, 409);
        assert_eq!(
            post(
                &mut sam,
                &format!("/alerts/{alert}/observables"),
                &[("data_type", "ip"), ("data", "10.0.0.1"), ("ioc", "true")]
            )
            .status,
            303
        );
        assert_eq!(
            post(
                &mut sam,
                &format!("/alerts/{alert}/observables"),
                &[("data_type", "nonsense"), ("data", "x")]
            )
            .status,
            400
        );
        let promoted = post(&mut sam, &format!("/alerts/{alert}/promote"), &[]);
        assert_eq!(promoted.status, 303);
        let case_page = sam.get(promoted.header("location").unwrap());
        assert!(case_page.body.contains("Beacon") && case_page.body.contains("10.0.0.1"));
        assert_eq!(
            post(&mut sam, &format!("/alerts/{alert}/promote"), &[]).status,
            409
        );

        let res = post(
            &mut sam,
            "/case-templates",
            &[
                ("name", "Phishing"),
                ("title_prefix", "[PHISH]"),
                ("severity", "3"),
                ("tags", "phishing"),
                ("tasks", "triage: Read headers\nBlock sender"),
            ],
        );
        assert_eq!(res.status, 303);
        let res = post(
            &mut sam,
            "/cases",
            &[("title", "Invoice mail"), ("template", "Phishing")],
        );
        assert_eq!(res.status, 303);
        let page = sam.get(res.header("location").unwrap());
        assert!(
            page.body.contains("[PHISH] Invoice mail")
                && page.body.contains("Read headers")
                && page.body.contains("Block sender")
        );
        assert_eq!(
            post(&mut sam, "/cases", &[("title", "x"), ("template", "Nope")]).status,
            404
        );
    });
}

#[test]
fn unlinking_keeps_shares_unless_asked_and_says_how_many() {
    each_backend(|app| {
        let w = world(app);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let id = new_case(&mut sam, "Linked work");
        post(
            &mut sam,
            &format!("/cases/{id}/shares"),
            &[
                ("organisation", &w.acme.to_string()),
                ("profile", "read-only"),
                ("task_rule", "manual"),
                ("observable_rule", "manual"),
            ],
        );
        let mut admin = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        let tab = admin.get(&format!("/admin/organisations/{}?tab=links", w.soc));
        assert!(
            tab.body
                .contains("<td>acme</td><td>default</td><td>default</td><td>1</td>"),
            "the links table counts shared cases"
        );
        let (out, inn) = (format!("out_{}", w.acme), format!("in_{}", w.acme));
        post(
            &mut admin,
            &format!("/admin/organisations/{}/links", w.soc),
            &[(&out, "none"), (&inn, "none")],
        );
        assert!(
            share_id(app, id, w.acme).is_some(),
            "unlinking never silently unshares"
        );
        post(
            &mut admin,
            &format!("/admin/organisations/{}/links", w.soc),
            &[(&out, "default"), (&inn, "default")],
        );
        post(
            &mut admin,
            &format!("/admin/organisations/{}/links", w.soc),
            &[(&out, "none"), (&inn, "none"), ("unshare", "true")],
        );
        assert!(share_id(app, id, w.acme).is_none(), "unshared on request");
        assert_eq!(
            sam.get(&format!("/cases/{id}")).status,
            200,
            "the owner keeps the case"
        );
    });
}
