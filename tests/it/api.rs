//! The JSON API transport: API keys, Basic auth, the session, `X-Organisation`,
//! the error shape, and the first endpoints.

use base64::Engine;
use diesel::prelude::*;
use tenantry::db::schema::organisations;

use crate::cases::{new_case, post, world};
use crate::support::*;

fn basic(login: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
    )
}

/// A fresh API key for `user`, made through the admin screen.
fn api_key(app: &TestApp, user: i64) -> String {
    let mut admin = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
    let page = post(&mut admin, &format!("/admin/users/{user}/key/renew"), &[]);
    let marker = "readonly size=\"40\" value=\"";
    let start = page.body.find(marker).unwrap() + marker.len();
    page.body[start..start + 32].to_string()
}

#[test]
fn api_keys_basic_auth_and_the_active_organisation() {
    each_backend(|app| {
        let w = world(app);
        let sam = app.create_user(
            "svc@soc.test",
            "svc-password-1",
            &[(w.soc, "analyst"), (w.acme, "read-only")],
        );
        let key = api_key(app, sam);
        let bearer = format!("Bearer {key}");
        let mut c = app.client();
        let me = c.get_with("/api/v1/user/current", &[("Authorization", &bearer)]);
        assert_eq!(me.status, 200, "{}", me.body);
        let j = me.json();
        assert_eq!(j["login"], "svc@soc.test");
        assert_eq!(
            j["organisation"], "soc",
            "the default organisation without X-Organisation"
        );
        assert_eq!(j["profile"], "analyst");
        assert_eq!(j["hasKey"], true);
        assert!(j["_id"].as_str().unwrap().starts_with('~'));
        assert!(j["_createdAt"].is_i64());
        assert_eq!(me.header("x-organisation"), Some("soc"));
        assert!(me.header("x-permissions").unwrap().contains("manageShare"));

        for org in ["acme", "ACME", &format!("~{}", w.acme), &w.acme.to_string()] {
            let r = c.get_with(
                "/api/v1/user/current",
                &[("Authorization", &bearer), ("X-Organisation", org)],
            );
            assert_eq!(r.status, 200, "{org}");
            assert_eq!(r.json()["profile"], "read-only");
        }
        let r = c.get_with(
            "/api/v1/user/current",
            &[("Authorization", &bearer), ("X-Organisation", "globex")],
        );
        assert_eq!(r.status, 403);
        assert_eq!(r.json()["type"], "AuthorizationError");

        let r = c.get_with(
            "/api/v1/user/current",
            &[("Authorization", &basic("svc@soc.test", "svc-password-1"))],
        );
        assert_eq!(r.status, 200);
        for auth in [
            basic("svc@soc.test", "wrong"),
            "Bearer not-a-key".to_string(),
            "Digest x".to_string(),
        ] {
            let r = c.get_with("/api/v1/user/current", &[("Authorization", &auth)]);
            assert_eq!(r.status, 401, "{auth}");
            assert_eq!(r.json()["type"], "AuthenticationError");
        }
        let r = c.get("/api/v1/user/current");
        assert_eq!(r.status, 401, "no credentials");

        // Locking the user or revoking the key ends API access at once.
        tenantry::db::queries::set_user_locked(&mut app.conn(), sam, true, "t", 0).unwrap();
        assert_eq!(
            c.get_with("/api/v1/user/current", &[("Authorization", &bearer)])
                .status,
            401
        );
        tenantry::db::queries::set_user_locked(&mut app.conn(), sam, false, "t", 0).unwrap();
        let mut admin = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        post(&mut admin, &format!("/admin/users/{sam}/key/revoke"), &[]);
        assert_eq!(
            c.get_with("/api/v1/user/current", &[("Authorization", &bearer)])
                .status,
            401
        );

        // The browser session works too, with the CSRF header for writes.
        let mut browser = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        assert_eq!(browser.get("/api/v1/user/current").status, 200);
        let r = browser.post_raw(
            "/api/v1/organisation",
            r#"{"name":"viaSession"}"#,
            &[("Content-Type", "application/json")],
        );
        assert_eq!(r.status, 403, "session writes need X-CSRF-Token");
        let token = browser.token();
        let r = browser.post_raw(
            "/api/v1/organisation",
            r#"{"name":"viaSession"}"#,
            &[
                ("Content-Type", "application/json"),
                ("X-CSRF-Token", &token),
            ],
        );
        assert_eq!(r.status, 201);
    });
}

#[test]
fn organisations_render_identically_and_bad_input_changes_nothing() {
    each_backend(|app| {
        let mut c = app.client();
        let admin = basic(ADMIN_LOGIN, ADMIN_PASSWORD);
        let json = [
            ("Authorization", admin.as_str()),
            ("Content-Type", "application/json"),
        ];
        let created = c.post_raw(
            "/api/v1/organisation",
            r#"{"name":"main-org","description":"main organisation for testing"}"#,
            &json,
        );
        assert_eq!(created.status, 201, "{}", created.body);
        let created = created.json();
        assert_eq!(created["_type"], "Organisation");
        assert_eq!(created["name"], "main-org");
        let by_name = c
            .get_with(
                "/api/v1/organisation/main-org",
                &[("Authorization", &admin)],
            )
            .json();
        let by_id = c
            .get_with(
                &format!("/api/v1/organisation/{}", created["_id"].as_str().unwrap()),
                &[("Authorization", &admin)],
            )
            .json();
        assert_eq!(created, by_name, "create and get render the same object");
        assert_eq!(by_name, by_id);

        let before: i64 = organisations::table
            .count()
            .get_result(&mut *app.conn())
            .unwrap();
        for (body, status, kind) in [
            (r#"{"name":"MAIN-ORG"}"#, 409, "Conflict"),
            (r#"{"name":"a/b"}"#, 400, "BadRequest"),
            (r#"{"name":"x","colour":"red"}"#, 400, "BadRequest"),
            (r#"{"name":12}"#, 400, "BadRequest"),
            (r#"{"name":"x""#, 400, "BadRequest"),
        ] {
            let r = c.post_raw("/api/v1/organisation", body, &json);
            assert_eq!(r.status, status, "{body}");
            assert_eq!(r.json()["type"], kind, "{body}");
        }
        assert_eq!(
            organisations::table
                .count()
                .get_result::<i64>(&mut *app.conn())
                .unwrap(),
            before
        );
        assert_eq!(
            c.get_with("/api/v1/organisation/nowhere", &[("Authorization", &admin)])
                .json()["type"],
            "NotFoundError"
        );
    });
}

#[test]
fn the_legacy_case_list_answers_with_the_callers_rights() {
    each_backend(|app| {
        let w = world(app);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        new_case(&mut sam, "Listed");
        let mut c = app.client();
        let r = c.get_with(
            "/api/case",
            &[("Authorization", &basic("sam@soc.test", "sam-password-1"))],
        );
        assert_eq!(r.status, 200);
        let list = r.json();
        assert_eq!(list[0]["title"], "Listed");
        assert_eq!(list[0]["owningOrganisation"], "soc");
        assert!(list[0]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "phishing"));
        assert!(list[0]["userPermissions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "manageCase/delete"));
        assert!(list[0]["number"].is_i64());
        let r = c.get_with(
            "/api/case",
            &[("Authorization", &basic("ann@acme.test", "ann-password-1"))],
        );
        assert_eq!(
            r.json().as_array().unwrap().len(),
            0,
            "acme sees none of soc's cases"
        );
        let _ = w;
    });
}
