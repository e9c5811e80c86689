//! The organisation switcher and the re-validation of the active organisation.

use crate::support::*;

fn switch(client: &mut Client, org: i64, next: &str) -> Resp {
    let token = client.token();
    client.post_form(
        "/session/organisation",
        &[
            ("csrf_token", &token),
            ("organisation", &org.to_string()),
            ("next", next),
        ],
    )
}

#[test]
fn switching_changes_the_active_organisation_and_renews_the_session() {
    each_backend(|app| {
        let acme = app.create_org("acme");
        let globex = app.create_org("globex");
        app.create_user(
            "sam@soc.test",
            "sam-password-1",
            &[(acme, "analyst"), (globex, "read-only")],
        );
        let mut client = app.signed_in("sam@soc.test", "sam-password-1");
        let home = client.get("/");
        assert_eq!(active_option(&home.body).as_deref(), Some("acme"));
        assert_eq!(switcher_options(&home.body), vec!["acme", "globex"]);
        let old_cookie = client.cookie.clone().unwrap();
        let before = app.session_ids();

        let res = switch(&mut client, globex, "/?tab=1");
        assert_eq!(res.status, 303);
        assert_eq!(res.header("location"), Some("/?tab=1"));
        assert_ne!(
            before,
            app.session_ids(),
            "the session id must change on a switch"
        );
        let page = client.get("/");
        assert_eq!(active_option(&page.body).as_deref(), Some("globex"));
        assert!(page
            .body
            .contains("with the profile <strong>read-only</strong>"));

        let mut replay = app.client();
        replay.cookie = Some(old_cookie);
        assert_eq!(replay.get("/").status, 303, "the pre-switch cookie is dead");
    });
}

#[test]
fn htmx_switch_answers_with_a_redirect_header() {
    each_backend(|app| {
        let acme = app.create_org("acme");
        let globex = app.create_org("globex");
        app.create_user(
            "sam@soc.test",
            "sam-password-1",
            &[(acme, "analyst"), (globex, "analyst")],
        );
        let mut client = app.signed_in("sam@soc.test", "sam-password-1");
        let token = client.token();
        let res = client.post_form_with(
            "/session/organisation",
            &[("organisation", &globex.to_string()), ("next", "/")],
            &[("HX-Request", "true"), ("X-CSRF-Token", &token)],
        );
        assert_eq!(res.status, 200);
        assert_eq!(res.header("hx-redirect"), Some("/"));
        assert_eq!(client.active_organisation().as_deref(), Some("globex"));
    });
}

#[test]
fn switching_to_a_foreign_organisation_is_refused() {
    each_backend(|app| {
        let acme = app.create_org("acme");
        let globex = app.create_org("globex");
        app.create_user("ann@acme.test", "ann-password-1", &[(acme, "analyst")]);
        let mut client = app.signed_in("ann@acme.test", "ann-password-1");
        for target in [globex, app.admin_org, 999_999] {
            let res = switch(&mut client, target, "/");
            assert_eq!(res.status, 403, "switch to {target}");
            assert!(res
                .body
                .contains("You are not a member of this organisation."));
        }
        assert_eq!(client.active_organisation().as_deref(), Some("acme"));
        let bad = switch_raw(&mut client, "not-a-number");
        assert_eq!(bad.status, 400);
    });
}

fn switch_raw(client: &mut Client, value: &str) -> Resp {
    let token = client.token();
    client.post_form(
        "/session/organisation",
        &[("csrf_token", &token), ("organisation", value)],
    )
}

#[test]
fn a_membership_removed_behind_the_users_back_takes_effect_at_once() {
    each_backend(|app| {
        let acme = app.create_org("acme");
        let globex = app.create_org("globex");
        let user = app.create_user(
            "sam@soc.test",
            "sam-password-1",
            &[(acme, "analyst"), (globex, "analyst")],
        );
        let mut client = app.signed_in("sam@soc.test", "sam-password-1");
        assert_eq!(switch(&mut client, globex, "/").status, 303);
        assert_eq!(client.active_organisation().as_deref(), Some("globex"));

        tenantry::db::queries::delete_membership(&mut app.conn(), user, globex).unwrap();
        let page = client.get("/");
        assert_eq!(page.status, 200);
        assert_eq!(active_option(&page.body).as_deref(), Some("acme"));
        assert_eq!(switcher_options(&page.body), vec!["acme"]);

        tenantry::db::queries::delete_membership(&mut app.conn(), user, acme).unwrap();
        let none = client.get("/");
        assert_eq!(none.status, 403);
        assert!(none
            .body
            .contains("You are not a member of any active organisation."));
        assert!(switcher_options(&none.body).is_empty());
    });
}

#[test]
fn locked_organisations_are_hidden_and_left() {
    each_backend(|app| {
        let acme = app.create_org("acme");
        let globex = app.create_org("globex");
        app.create_user(
            "sam@soc.test",
            "sam-password-1",
            &[(acme, "analyst"), (globex, "analyst")],
        );
        let mut client = app.signed_in("sam@soc.test", "sam-password-1");
        assert_eq!(switch(&mut client, globex, "/").status, 303);
        tenantry::db::queries::set_organisation_locked(&mut app.conn(), globex, true, "test", 0)
            .unwrap();
        let page = client.get("/");
        assert_eq!(active_option(&page.body).as_deref(), Some("acme"));
        assert_eq!(switcher_options(&page.body), vec!["acme"]);
        assert_eq!(switch(&mut client, globex, "/").status, 403);
    });
}

#[test]
fn the_default_organisation_comes_first_after_sign_in() {
    each_backend(|app| {
        let acme = app.create_org("acme");
        let zeta = app.create_org("zeta");
        // zeta is the default although acme sorts first.
        app.create_user(
            "sam@soc.test",
            "sam-password-1",
            &[(zeta, "analyst"), (acme, "analyst")],
        );
        let mut client = app.signed_in("sam@soc.test", "sam-password-1");
        assert_eq!(client.active_organisation().as_deref(), Some("zeta"));
    });
}
