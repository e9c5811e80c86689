//! Server-side sessions: renewal on sign-in and switch, sign-out, replay.

use crate::support::*;

#[test]
fn sign_in_renews_the_session_and_the_old_cookie_is_dead() {
    each_backend(|app| {
        let mut client = app.client();
        let form = client.get("/login");
        let anonymous_cookie = client
            .cookie
            .clone()
            .expect("the sign-in form starts a session");
        let before = app.session_ids();
        assert_eq!(before.len(), 1);
        let res = client.post_form(
            "/login",
            &[
                ("csrf_token", &form.csrf()),
                ("login", ADMIN_LOGIN),
                ("password", ADMIN_PASSWORD),
            ],
        );
        assert_eq!(res.status, 303);
        let after = app.session_ids();
        assert_eq!(after.len(), 1);
        assert_ne!(before, after, "the session id must change on sign-in");

        let mut replay = app.client();
        replay.cookie = Some(anonymous_cookie);
        assert_eq!(
            replay.get("/").status,
            303,
            "the pre-sign-in cookie must not be signed in"
        );
        assert_eq!(client.get("/").status, 200);
    });
}

#[test]
fn sign_out_ends_the_session_everywhere() {
    each_backend(|app| {
        let mut client = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        let signed_in_cookie = client.cookie.clone().unwrap();
        let token = client.token();
        let res = client.post_form("/logout", &[("csrf_token", &token)]);
        assert_eq!(res.status, 303);
        assert_eq!(res.header("location"), Some("/login"));
        assert!(
            app.session_ids().is_empty(),
            "the stored session is deleted"
        );

        let mut replay = app.client();
        replay.cookie = Some(signed_in_cookie);
        let page = replay.get("/");
        assert_eq!(page.status, 303, "replaying the old cookie must not work");
        assert_eq!(page.header("location"), Some("/login"));
    });
}

#[test]
fn killing_stored_sessions_signs_the_user_out() {
    each_backend(|app| {
        let mut client = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        assert_eq!(client.get("/").status, 200);
        let user = {
            let mut conn = app.conn();
            tenantry::db::queries::user_by_login_key(&mut conn, ADMIN_LOGIN)
                .unwrap()
                .unwrap()
                .id
        };
        tenantry::db::queries::delete_sessions_of_user(&mut app.conn(), user).unwrap();
        assert_eq!(client.get("/").status, 303);
    });
}

#[test]
fn session_cookie_flags() {
    each_backend(|app| {
        let mut client = app.client();
        let res = client.get("/login");
        let cookie = res
            .headers_named("set-cookie")
            .into_iter()
            .find(|c| c.starts_with(tenantry::startup::SESSION_COOKIE))
            .expect("session cookie");
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Lax"));
        // Bound to loopback for the tests: no Secure flag (development).
        assert!(!cookie.contains("Secure"));
    });
}

#[test]
fn secure_flag_is_set_when_asked() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.cookie_secure = tenantry::config::CookieSecure::Always;
    });
    let res = app.client().get("/login");
    let cookie = res.headers_named("set-cookie").join("\n");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[test]
fn idle_and_absolute_timeouts_end_sessions() {
    use std::time::Duration;
    for backend in backends() {
        // Idle: no request for longer than the idle timeout.
        let app = TestApp::spawn_with(backend, |s| s.session_idle = Duration::from_secs(1));
        let mut client = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        assert_eq!(client.get("/").status, 200);
        std::thread::sleep(Duration::from_millis(2200));
        assert_eq!(
            client.get("/").status,
            303,
            "{backend:?}: idle session must end"
        );

        // Absolute: requests keep the session alive, but not past its lifetime.
        let app = TestApp::spawn_with(backend, |s| s.session_absolute = Duration::from_secs(2));
        let mut client = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        let mut last = 200;
        for _ in 0..8 {
            std::thread::sleep(Duration::from_millis(500));
            last = client.get("/").status;
        }
        assert_eq!(
            last, 303,
            "{backend:?}: session must end at its absolute deadline"
        );
    }
}
