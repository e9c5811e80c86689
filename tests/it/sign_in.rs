//! Signing in: success, wrong password, unknown login, locked users, limits.

use crate::support::*;

#[test]
fn admin_signs_in_and_sees_the_header() {
    each_backend(|app| {
        let mut client = app.client();
        let res = client.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        assert_eq!(res.status, 303);
        assert_eq!(res.header("location"), Some("/"));
        let home = client.get("/");
        assert_eq!(home.status, 200, "{:?}: {}", app.backend, home.body);
        assert!(home
            .body
            .contains("<label for=\"organisation-switcher\">Organisation</label>"));
        assert_eq!(active_option(&home.body).as_deref(), Some("admin"));
        assert!(home.body.contains("managePlatform"));
    });
}

#[test]
fn wrong_password_and_unknown_login_get_the_same_answer() {
    each_backend(|app| {
        let mut client = app.client();
        let wrong = client.sign_in(ADMIN_LOGIN, "not the password");
        assert_eq!(wrong.status, 401);
        assert!(wrong.body.contains("Wrong login or password."));
        let unknown = client.sign_in("nobody@example.org", "whatever");
        assert_eq!(unknown.status, 401);
        assert!(unknown.body.contains("Wrong login or password."));
        // The form is shown again with the login kept, and nobody is signed in.
        assert!(unknown.body.contains("value=\"nobody@example.org\""));
        assert_eq!(client.get("/").status, 303);
    });
}

#[test]
fn empty_fields_are_refused_with_a_message() {
    each_backend(|app| {
        let mut client = app.client();
        let res = client.sign_in(ADMIN_LOGIN, "");
        assert_eq!(res.status, 400);
        assert!(res.body.contains("Enter your login and your password."));
    });
}

#[test]
fn locked_user_is_refused_and_loses_open_sessions() {
    each_backend(|app| {
        let org = app.create_org("acme");
        let user = app.create_user("ann@acme.test", "ann-password-1", &[(org, "analyst")]);
        let mut client = app.signed_in("ann@acme.test", "ann-password-1");
        assert_eq!(client.get("/").status, 200);

        let mut conn = app.conn();
        tenantry::db::queries::set_user_locked(&mut conn, user, true, "test", 0).unwrap();
        drop(conn);
        // The lock takes effect on the very next request, even with a live session.
        let next = client.get("/");
        assert_eq!(next.status, 303);
        assert_eq!(next.header("location"), Some("/login"));

        let again = app.client().sign_in("ann@acme.test", "ann-password-1");
        assert_eq!(again.status, 403);
        assert!(again.body.contains("This account is locked."));
    });
}

#[test]
fn failed_attempts_are_rate_limited_per_login() {
    each_backend(|app| {
        let mut client = app.client();
        for _ in 0..5 {
            assert_eq!(client.sign_in(ADMIN_LOGIN, "bad").status, 401);
        }
        let limited = client.sign_in(ADMIN_LOGIN, "bad");
        assert_eq!(limited.status, 429);
        assert!(limited.body.contains("Too many failed sign-in attempts"));
        // Even the right password is refused while the login is limited.
        assert_eq!(client.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD).status, 429);
        // Another login from elsewhere is not affected by this login's limit.
        let org = app.create_org("acme");
        app.create_user("bob@acme.test", "bob-password-1", &[(org, "analyst")]);
        assert_eq!(
            app.client()
                .sign_in("bob@acme.test", "bob-password-1")
                .status,
            303
        );
    });
}

#[test]
fn failed_attempts_are_rate_limited_per_address() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |s| {
            s.login_max_failures = 100;
            s.address_max_failures = 3;
        });
        let mut client = app.client();
        for i in 0..3 {
            assert_eq!(
                client.sign_in(&format!("user{i}@x.test"), "bad").status,
                401
            );
        }
        let limited = client.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        assert_eq!(limited.status, 429, "{backend:?}");
    }
}

#[test]
fn a_successful_sign_in_clears_the_login_counter() {
    each_backend(|app| {
        let mut client = app.client();
        for _ in 0..4 {
            assert_eq!(client.sign_in(ADMIN_LOGIN, "bad").status, 401);
        }
        assert_eq!(client.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD).status, 303);
        let mut other = app.client();
        for _ in 0..4 {
            assert_eq!(other.sign_in(ADMIN_LOGIN, "bad").status, 401);
        }
        assert_eq!(other.sign_in(ADMIN_LOGIN, ADMIN_PASSWORD).status, 303);
    });
}

/// A form sign-in through a proxy that says the client is `forwarded_for`.
fn sign_in_forwarded(app: &TestApp, login: &str, forwarded_for: &str) -> u16 {
    let mut client = app.client();
    let token = client.get("/login").csrf();
    client
        .post_form_with(
            "/login",
            &[
                ("csrf_token", &token),
                ("login", login),
                ("password", "bad"),
            ],
            &[("X-Forwarded-For", forwarded_for)],
        )
        .status
}

#[test]
fn behind_a_trusted_proxy_the_limit_counts_the_forwarded_client() {
    for backend in backends() {
        // Trusted: each forwarded client has its own count, and what a client
        // wrote to the left of the proxy's entry is not believed.
        let app = TestApp::spawn_with(backend, |s| {
            s.login_max_failures = 100;
            s.address_max_failures = 2;
            s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        });
        for i in 0..2 {
            let spoofed = format!("10.9.9.{i}, 203.0.113.7");
            assert_eq!(
                sign_in_forwarded(&app, &format!("u{i}@x.test"), &spoofed),
                401
            );
        }
        assert_eq!(
            sign_in_forwarded(&app, "u3@x.test", "10.9.9.9, 203.0.113.7"),
            429,
            "{backend:?}: 203.0.113.7 is limited whatever it puts in front"
        );
        assert_eq!(
            sign_in_forwarded(&app, "u4@x.test", "198.51.100.2"),
            401,
            "{backend:?}: another client is not"
        );
        // Not trusted (the default): the header is ignored, the peer counts.
        let app = TestApp::spawn_with(backend, |s| {
            s.login_max_failures = 100;
            s.address_max_failures = 2;
        });
        assert_eq!(sign_in_forwarded(&app, "a@x.test", "198.51.100.1"), 401);
        assert_eq!(sign_in_forwarded(&app, "b@x.test", "198.51.100.2"), 401);
        assert_eq!(
            sign_in_forwarded(&app, "c@x.test", "198.51.100.3"),
            429,
            "{backend:?}: without trust every request is the peer's"
        );
    }
}
