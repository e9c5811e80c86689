//! CSRF, security headers, error shapes.

use crate::support::*;

#[test]
fn state_changes_without_the_csrf_token_are_refused() {
    each_backend(|app| {
        let acme = app.create_org("acme");
        let globex = app.create_org("globex");
        app.create_user(
            "sam@soc.test",
            "sam-password-1",
            &[(acme, "analyst"), (globex, "analyst")],
        );
        let mut client = app.signed_in("sam@soc.test", "sam-password-1");

        let res = client.post_form(
            "/session/organisation",
            &[("organisation", &globex.to_string())],
        );
        assert_eq!(res.status, 403);
        assert!(res.body.contains("This form has expired"));
        let res = client.post_form(
            "/session/organisation",
            &[
                ("csrf_token", "forged"),
                ("organisation", &globex.to_string()),
            ],
        );
        assert_eq!(res.status, 403);
        assert_eq!(
            client.active_organisation().as_deref(),
            Some("acme"),
            "nothing changed"
        );

        let res = client.post_form("/logout", &[]);
        assert_eq!(res.status, 403);
        assert_eq!(client.get("/").status, 200, "still signed in");

        // A token from another session is no good either.
        let mut other = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        let foreign = other.token();
        let res = client.post_form("/logout", &[("csrf_token", &foreign)]);
        assert_eq!(res.status, 403);
    });
}

#[test]
fn sign_in_without_a_token_shows_the_form_again() {
    each_backend(|app| {
        let mut client = app.client();
        let res = client.post_form(
            "/login",
            &[("login", ADMIN_LOGIN), ("password", ADMIN_PASSWORD)],
        );
        assert_eq!(res.status, 403);
        assert!(res.body.contains("This form has expired"));
        assert!(res.body.contains("name=\"password\""));
        assert_eq!(client.get("/").status, 303, "not signed in");
    });
}

#[test]
fn security_headers_are_on_every_response() {
    each_backend(|app| {
        let mut client = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        for path in ["/", "/login", "/api/status", "/nowhere", "/static/app.css"] {
            let res = client.get(path);
            let csp = res
                .header("content-security-policy")
                .unwrap_or_else(|| panic!("CSP on {path}"));
            assert!(csp.contains("script-src 'self'"), "{csp}");
            assert!(
                !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
                "{csp}"
            );
            assert!(csp.contains("frame-ancestors 'none'"));
            assert_eq!(
                res.header("x-content-type-options"),
                Some("nosniff"),
                "{path}"
            );
            assert_eq!(res.header("referrer-policy"), Some("same-origin"), "{path}");
            assert!(
                res.headers_named("vary")
                    .iter()
                    .any(|v| v.contains("HX-Request")),
                "{path}"
            );
            assert!(
                res.header("x-request-id").is_some_and(|id| id.len() == 16),
                "{path}"
            );
        }
        // No inline script or style anywhere in our pages.
        let page = client.get("/");
        assert!(!page.body.contains("<script>") && !page.body.contains("style="));
        assert!(page.body.contains("\"allowEval\":false"));
    });
}

#[test]
fn errors_have_the_shape_of_their_client() {
    each_backend(|app| {
        let mut client = app.client();
        let api = client.get("/api/v1/nothing-here");
        assert_eq!(api.status, 404);
        assert_eq!(api.json()["type"], "NotFoundError");
        assert!(api.json()["message"].is_string());

        let html = client.get("/nowhere");
        assert_eq!(html.status, 404);
        assert!(html
            .header("content-type")
            .unwrap()
            .starts_with("text/html"));
        assert!(html.body.contains("<html lang=\"en\">") && html.body.contains("Not found"));

        let fragment = client.get_with("/nowhere", &[("HX-Request", "true")]);
        assert_eq!(fragment.status, 404);
        assert!(!fragment.body.contains("<html"), "htmx gets a fragment");
        assert!(fragment.body.contains("Not found"));

        // Unauthenticated browser requests go to the sign-in page, keeping the target.
        let res = client.get("/?x=1");
        assert_eq!(res.status, 303);
        let hx = client.get_with("/", &[("HX-Request", "true")]);
        assert_eq!(hx.header("hx-redirect"), Some("/login"));
    });
}

#[test]
fn status_and_health_answer_without_sign_in() {
    each_backend(|app| {
        let mut client = app.client();
        let status = client.get("/api/status");
        assert_eq!(status.status, 200);
        assert_eq!(
            status.json()["versions"]["Tenantry"],
            env!("CARGO_PKG_VERSION")
        );
        let health = client.get("/healthz");
        assert_eq!(health.status, 200);
        assert_eq!(health.json()["status"], "ok");
    });
}

#[test]
fn get_requests_change_nothing() {
    each_backend(|app| {
        let mut client = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        for path in ["/logout", "/session/organisation"] {
            let res = client.get(path);
            assert!(
                res.status == 404 || res.status == 405,
                "{path}: {}",
                res.status
            );
        }
        assert_eq!(client.get("/").status, 200, "still signed in");
    });
}
