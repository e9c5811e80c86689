//! Several instances on one database and nothing else shared: the second
//! instance is the real binary in its own process. A session made on one
//! works on the other, a sign-out on either ends it on both, and failed
//! sign-ins count towards one limit wherever they land.

use crate::support::*;

#[test]
fn two_processes_serve_one_user_seamlessly() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |s| s.login_max_failures = 3);
        let org = app.create_org("soc");
        app.create_user("ann@soc.test", "ann-password-1", &[(org, "analyst")]);
        let other = app.another_process(&["--login-max-failures", "3"]);

        // Signed in on the first, the same cookie works on the second.
        let mut here = app.signed_in("ann@soc.test", "ann-password-1");
        let mut there = Client::new(&other.base_url);
        there.cookie = here.cookie.clone();
        let page = there.get("/cases");
        assert_eq!(
            page.status, 200,
            "{backend:?}: the session holds on the other instance"
        );
        assert_eq!(there.active_organisation().as_deref(), Some("soc"));
        let case = there.post_form(
            "/cases",
            &[
                ("csrf_token", &page.csrf()),
                ("title", "Made on the second"),
                ("severity", "2"),
            ],
        );
        assert_eq!(case.status, 303, "{backend:?}: {}", case.body);
        assert!(here.get("/cases").body.contains("Made on the second"));

        // Signing out on the second ends the session on the first.
        let token = there.token();
        assert_eq!(
            there.post_form("/logout", &[("csrf_token", &token)]).status,
            303
        );
        let after = here.get("/cases");
        assert_eq!(after.status, 303, "{backend:?}: the session ended on both");
        assert!(after.header("location").unwrap_or("").starts_with("/login"));

        // Failed sign-ins are counted in the database: two here, one there,
        // and the account is refused on both, even with the right password.
        for (base, expected) in [
            (&app.base_url, 401),
            (&other.base_url, 401),
            (&app.base_url, 401),
        ] {
            let r = Client::new(base).sign_in("ann@soc.test", "wrong-password");
            assert_eq!(r.status, expected, "{backend:?}: {}", r.body);
        }
        for base in [&app.base_url, &other.base_url] {
            let r = Client::new(base).sign_in("ann@soc.test", "ann-password-1");
            assert_eq!(r.status, 429, "{backend:?}: the limit is global");
        }
    }
}
