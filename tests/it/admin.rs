//! Administration over real HTTP: every action's success (with its audit
//! record) and refusals that change nothing.

use diesel::prelude::*;
use tenantry::db::schema::{
    audit_records, memberships, organisation_links, organisations, profiles, users,
};

use crate::support::*;

fn count_audit(app: &TestApp, action: &str, object_type: &str) -> i64 {
    audit_records::table
        .filter(audit_records::action.eq(action))
        .filter(audit_records::object_type.eq(object_type))
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

fn org_count(app: &TestApp) -> i64 {
    organisations::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

fn org_id(app: &TestApp, name: &str) -> i64 {
    organisations::table
        .filter(organisations::name.eq(name))
        .select(organisations::id)
        .first(&mut *app.conn())
        .unwrap()
}

fn user_id(app: &TestApp, login: &str) -> Option<i64> {
    users::table
        .filter(users::login.eq(login))
        .select(users::id)
        .first(&mut *app.conn())
        .optional()
        .unwrap()
}

fn profile_of(app: &TestApp, user: i64, org: i64) -> Option<String> {
    memberships::table
        .inner_join(profiles::table)
        .filter(memberships::user_id.eq(user))
        .filter(memberships::organisation_id.eq(org))
        .select(profiles::name)
        .first(&mut *app.conn())
        .optional()
        .unwrap()
}

fn links(app: &TestApp) -> Vec<(i64, i64, String)> {
    organisation_links::table
        .order((
            organisation_links::from_organisation_id,
            organisation_links::to_organisation_id,
        ))
        .select((
            organisation_links::from_organisation_id,
            organisation_links::to_organisation_id,
            organisation_links::link_type,
        ))
        .load(&mut *app.conn())
        .unwrap()
}

/// Posts a form with the session's CSRF token.
fn post(client: &mut Client, path: &str, fields: &[(&str, &str)]) -> Resp {
    let token = client.token();
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    client.post_form(path, &all)
}

fn admin(app: &TestApp) -> Client {
    app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD)
}

#[test]
fn organisations_are_created_listed_and_validated() {
    each_backend(|app| {
        let mut a = admin(app);
        let res = post(
            &mut a,
            "/admin/organisations",
            &[("name", "Acme"), ("description", "Client A")],
        );
        assert_eq!(res.status, 303, "{}", res.body);
        let list = a.get("/admin/organisations");
        assert_eq!(list.status, 200);
        assert!(list.body.contains("Organisation Acme created."));
        assert!(list.body.contains(">Acme</strong>") && list.body.contains("Client A"));
        assert!(list.body.contains("Linked organisations:") && list.body.contains(">None</span>"));
        assert_eq!(
            count_audit(app, "create", "Organisation"),
            2,
            "admin + Acme"
        );

        let before = org_count(app);
        for (name, status, message) in [
            ("acme", 409, "already exists."),
            ("ADMIN", 409, "already exists"),
            ("a/b", 400, "cannot contain"),
            ("", 400, "The name is required."),
        ] {
            let res = post(
                &mut a,
                "/admin/organisations",
                &[("name", name), ("description", "")],
            );
            assert_eq!(res.status, status, "{name}");
            assert!(res.body.contains(message), "{name}: {message}");
            assert!(res.body.contains(
                "<dialog id=\"new-organisation\" aria-labelledby=\"new-organisation-title\" open>"
            ));
        }
        assert_eq!(org_count(app), before, "refusals change nothing");

        // Filter, sort and paging.
        for i in 0..30 {
            post(
                &mut a,
                "/admin/organisations",
                &[("name", &format!("client-{i:02}")), ("description", "")],
            );
        }
        a.get("/admin/organisations"); // shows (and consumes) the last flash message
        let page1 = a.get("/admin/organisations?q=client&sort=name");
        assert!(page1.body.contains("client-00") && !page1.body.contains("client-29"));
        assert!(page1.body.contains("(25 of 30)") && page1.body.contains("Next page"));
        let page2 = a.get("/admin/organisations?q=client&sort=name&page=2");
        assert!(page2.body.contains("client-29") && !page2.body.contains(">client-00<"));
        let desc = a.get("/admin/organisations?q=client&sort=-name");
        assert!(desc.body.find("client-29").unwrap() < desc.body.find("client-28").unwrap());
    });
}

#[test]
fn the_admin_organisation_offers_no_actions_and_refuses_them() {
    each_backend(|app| {
        let mut a = admin(app);
        let list = a.get("/admin/organisations");
        let admin_row_start = list
            .body
            .find(&format!("id=\"org-{}\"", app.admin_org))
            .unwrap();
        let admin_row = &list.body[admin_row_start
            ..admin_row_start + list.body[admin_row_start..].find("</tr>").unwrap()];
        for action in ["Edit", "Link", "Lock", "Delete"] {
            assert!(
                !admin_row.contains(&format!(">{action}<")),
                "{action} offered on admin"
            );
        }
        let id = app.admin_org.to_string();
        for (path, fields) in [
            (
                format!("/admin/organisations/{id}"),
                vec![("name", "root"), ("description", "")],
            ),
            (
                format!("/admin/organisations/{id}/lock"),
                vec![("locked", "true")],
            ),
            (format!("/admin/organisations/{id}/delete"), vec![]),
        ] {
            let res = post(&mut a, &path, &fields);
            assert_eq!(res.status, 403, "{path}");
        }
        let acme = app.create_org("acme");
        let res = post(
            &mut a,
            &format!("/admin/organisations/{acme}/links"),
            &[(&format!("out_{id}"), "default")],
        );
        assert_eq!(res.status, 400);
        assert!(res
            .body
            .contains("The admin organisation cannot be linked."));
        assert!(links(app).is_empty());
        let admin_org: (String, bool) = organisations::table
            .find(app.admin_org)
            .select((organisations::name, organisations::locked))
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(admin_org, ("admin".to_string(), false));
    });
}

#[test]
fn organisations_are_edited_inline_locked_and_deleted() {
    each_backend(|app| {
        let mut a = admin(app);
        let acme = app.create_org("acme");
        app.create_org("globex");
        let hx = [("HX-Request", "true")];
        let edit = a.get_with(&format!("/admin/organisations/{acme}/edit"), &hx);
        assert_eq!(edit.status, 200);
        assert!(
            edit.body.starts_with(&format!("<tr id=\"org-{acme}\">"))
                && edit.body.contains("name=\"description\"")
        );
        // Without htmx, Edit leads to the settings tab.
        assert_eq!(
            a.get(&format!("/admin/organisations/{acme}/edit")).status,
            303
        );

        let token = a.token();
        let saved = a.post_form_with(
            &format!("/admin/organisations/{acme}"),
            &[("name", "Acme Corp"), ("description", "renamed")],
            &[("HX-Request", "true"), ("X-CSRF-Token", &token)],
        );
        assert_eq!(saved.status, 200);
        assert!(
            saved.body.starts_with("<tr")
                && saved.body.contains("Acme Corp")
                && saved.body.contains("U. ")
        );
        assert_eq!(count_audit(app, "update", "Organisation"), 1);

        let clash = a.post_form_with(
            &format!("/admin/organisations/{acme}"),
            &[("name", "GLOBEX"), ("description", "")],
            &[("HX-Request", "true"), ("X-CSRF-Token", &token)],
        );
        assert_eq!(clash.status, 409);
        assert!(clash.body.contains("already exists") && clash.body.contains("name=\"name\""));
        assert_eq!(org_id(app, "Acme Corp"), acme, "the clash changed nothing");

        let locked = post(
            &mut a,
            &format!("/admin/organisations/{acme}/lock"),
            &[("locked", "true")],
        );
        assert_eq!(locked.status, 303);
        assert!(a.get("/admin/organisations").body.contains("Locked</span>"));
        assert_eq!(count_audit(app, "lock", "Organisation"), 1);
        post(
            &mut a,
            &format!("/admin/organisations/{acme}/lock"),
            &[("locked", "false")],
        );
        assert_eq!(count_audit(app, "unlock", "Organisation"), 1);
        assert_eq!(
            post(
                &mut a,
                &format!("/admin/organisations/{acme}/lock"),
                &[("locked", "maybe")]
            )
            .status,
            400
        );

        let gone = post(&mut a, &format!("/admin/organisations/{acme}/delete"), &[]);
        assert_eq!(gone.status, 303);
        assert_eq!(a.get(&format!("/admin/organisations/{acme}")).status, 404);
        assert_eq!(count_audit(app, "delete", "Organisation"), 1);
    });
}

#[test]
fn links_are_saved_in_both_directions_and_validated() {
    each_backend(|app| {
        let mut a = admin(app);
        let soc = app.create_org("soc");
        let acme = app.create_org("acme");
        let page = a.get(&format!("/admin/organisations/{soc}?tab=links"));
        assert!(
            page.body.contains("Manage organisation links")
                && page.body.contains(&format!("name=\"out_{acme}\""))
        );
        assert!(
            !page
                .body
                .contains(&format!("name=\"out_{}\"", app.admin_org)),
            "admin is not offered"
        );

        let (out, inn) = (format!("out_{acme}"), format!("in_{acme}"));
        let res = post(
            &mut a,
            &format!("/admin/organisations/{soc}/links"),
            &[(&out, "default"), (&inn, "supervised")],
        );
        assert_eq!(res.status, 303);
        assert_eq!(
            links(app),
            vec![
                (soc, acme, "default".into()),
                (acme, soc, "supervised".into())
            ]
        );
        assert_eq!(count_audit(app, "link", "OrganisationLink"), 2);
        let list = a.get("/admin/organisations");
        assert!(
            list.body.contains("acme (→ default, ← supervised)"),
            "badge with direction and type"
        );
        assert!(list.body.contains("soc (→ supervised, ← default)"));

        // Bad input changes nothing.
        for fields in [
            vec![(out.as_str(), "bogus")],
            vec![(&*format!("out_{soc}"), "default")],
        ] {
            let res = post(
                &mut a,
                &format!("/admin/organisations/{soc}/links"),
                &fields,
            );
            assert_eq!(res.status, 400);
        }
        assert_eq!(links(app).len(), 2);

        // Re-saving the same values is no change; "none" unlinks one direction.
        post(
            &mut a,
            &format!("/admin/organisations/{soc}/links"),
            &[(&out, "default"), (&inn, "supervised")],
        );
        assert_eq!(count_audit(app, "link", "OrganisationLink"), 2);
        post(
            &mut a,
            &format!("/admin/organisations/{soc}/links"),
            &[(&out, "notify"), (&inn, "none")],
        );
        assert_eq!(links(app), vec![(soc, acme, "notify".into())]);
        assert_eq!(count_audit(app, "unlink", "OrganisationLink"), 1);
    });
}

#[test]
fn settings_tab_saves_rules_and_refuses_unknown_ones() {
    each_backend(|app| {
        let mut a = admin(app);
        let acme = app.create_org("acme");
        let ok = post(
            &mut a,
            &format!("/admin/organisations/{acme}/settings"),
            &[("task_rule", "autoShare"), ("observable_rule", "manual")],
        );
        assert_eq!(ok.status, 303);
        let rule: String = organisations::table
            .find(acme)
            .select(organisations::task_rule)
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(rule, "autoShare");
        let bad = post(
            &mut a,
            &format!("/admin/organisations/{acme}/settings"),
            &[("task_rule", "always"), ("observable_rule", "manual")],
        );
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("Unknown rule"));
    });
}

#[test]
fn members_are_added_created_changed_and_removed() {
    each_backend(|app| {
        let mut a = admin(app);
        let soc = app.create_org("soc");
        let acme = app.create_org("acme");
        let base = format!("/admin/organisations/{soc}/members");
        let created = post(
            &mut a,
            &format!("{base}/create"),
            &[
                ("login", "sam@soc.test"),
                ("name", "Sam"),
                ("email", "sam@soc.test"),
                ("password", "sam-password-1"),
                ("profile", "analyst"),
            ],
        );
        assert_eq!(created.status, 303, "{}", created.body);
        let sam = user_id(app, "sam@soc.test").unwrap();
        assert_eq!(profile_of(app, sam, soc).as_deref(), Some("analyst"));
        assert_eq!(count_audit(app, "addMember", "User"), 1);
        let tab = a.get(&format!("/admin/organisations/{soc}?tab=users"));
        assert!(tab.body.contains("sam@soc.test") && tab.body.contains("Users of soc"));

        // Existing user into another organisation.
        let added = post(
            &mut a,
            &format!("/admin/organisations/{acme}/members/add"),
            &[("login", "SAM@soc.test"), ("profile", "read-only")],
        );
        assert_eq!(added.status, 303);
        assert_eq!(profile_of(app, sam, acme).as_deref(), Some("read-only"));

        // Refusals.
        let before: i64 = memberships::table
            .count()
            .get_result(&mut *app.conn())
            .unwrap();
        for (path, fields, status, message) in [
            (
                format!("{base}/add"),
                vec![("login", "sam@soc.test"), ("profile", "analyst")],
                409,
                "already a member",
            ),
            (
                format!("{base}/add"),
                vec![("login", "nobody@x.test"), ("profile", "analyst")],
                400,
                "No user has the login",
            ),
            (
                format!("{base}/add"),
                vec![("login", ADMIN_LOGIN), ("profile", "admin")],
                400,
                "admin organisation only",
            ),
            (
                format!("{base}/create"),
                vec![
                    ("login", "sam@soc.test"),
                    ("name", "Dup"),
                    ("profile", "analyst"),
                ],
                409,
                "already taken",
            ),
            (
                format!("{base}/create"),
                vec![
                    ("login", "not-an-email"),
                    ("name", "X"),
                    ("profile", "analyst"),
                ],
                400,
                "e-mail address",
            ),
            (
                format!("{base}/create"),
                vec![
                    ("login", "x@y.test"),
                    ("name", "X"),
                    ("password", "short"),
                    ("profile", "analyst"),
                ],
                400,
                "at least 8",
            ),
            (
                format!("/admin/organisations/{}/members/add", app.admin_org),
                vec![("login", "sam@soc.test"), ("profile", "analyst")],
                400,
                "admin profiles only",
            ),
        ] {
            let res = post(&mut a, &path, &fields);
            assert_eq!(res.status, status, "{path} {fields:?}");
            assert!(res.body.contains(message), "{path}: expected {message}");
        }
        assert_eq!(
            memberships::table
                .count()
                .get_result::<i64>(&mut *app.conn())
                .unwrap(),
            before
        );
        assert!(user_id(app, "x@y.test").is_none());

        // Profile change (htmx inline select) and removal.
        let token = a.token();
        let changed = a.post_form_with(
            &format!("{base}/{sam}/profile"),
            &[("profile", "org-admin")],
            &[("HX-Request", "true"), ("X-CSRF-Token", &token)],
        );
        assert_eq!(changed.status, 204);
        assert_eq!(profile_of(app, sam, soc).as_deref(), Some("org-admin"));
        assert_eq!(count_audit(app, "updateMember", "User"), 1);

        assert_eq!(
            post(&mut a, &format!("{base}/{sam}/remove"), &[]).status,
            303
        );
        assert!(profile_of(app, sam, soc).is_none() && user_id(app, "sam@soc.test").is_some());
        let last = post(
            &mut a,
            &format!("/admin/organisations/{acme}/members/{sam}/remove"),
            &[],
        );
        assert_eq!(last.status, 303);
        assert!(a
            .get("/admin/users")
            .body
            .contains("the account was deleted"));
        assert!(
            user_id(app, "sam@soc.test").is_none(),
            "last membership removes the account"
        );

        let me = user_id(app, ADMIN_LOGIN).unwrap();
        let res = post(
            &mut a,
            &format!("/admin/organisations/{}/members/{me}/remove", app.admin_org),
            &[],
        );
        assert_eq!(res.status, 403);
    });
}

#[test]
fn account_actions_lock_password_keys_and_sessions() {
    each_backend(|app| {
        let mut a = admin(app);
        let acme = app.create_org("acme");
        let ann = app.create_user("ann@acme.test", "ann-password-1", &[(acme, "analyst")]);
        let mut ann_client = app.signed_in("ann@acme.test", "ann-password-1");

        assert_eq!(
            post(
                &mut a,
                &format!("/admin/users/{ann}/lock"),
                &[("locked", "true")]
            )
            .status,
            303
        );
        assert_eq!(ann_client.get("/").status, 303, "locking ends the sessions");
        assert_eq!(
            app.client()
                .sign_in("ann@acme.test", "ann-password-1")
                .status,
            403
        );
        post(
            &mut a,
            &format!("/admin/users/{ann}/lock"),
            &[("locked", "false")],
        );
        assert_eq!(
            count_audit(app, "lock", "User") + count_audit(app, "unlock", "User"),
            2
        );

        let me = user_id(app, ADMIN_LOGIN).unwrap();
        assert_eq!(
            post(
                &mut a,
                &format!("/admin/users/{me}/lock"),
                &[("locked", "true")]
            )
            .status,
            403
        );

        let short = post(
            &mut a,
            &format!("/admin/users/{ann}/password"),
            &[("password", "short")],
        );
        assert_eq!(short.status, 400);
        assert!(short.body.contains("at least 8 characters"));
        let mut ann_client = app.signed_in("ann@acme.test", "ann-password-1");
        assert_eq!(
            post(
                &mut a,
                &format!("/admin/users/{ann}/password"),
                &[("password", "new-password-2")]
            )
            .status,
            303
        );
        assert_eq!(
            ann_client.get("/").status,
            303,
            "a new password ends the sessions"
        );
        assert_eq!(
            app.client()
                .sign_in("ann@acme.test", "ann-password-1")
                .status,
            401
        );
        let mut ann_client = app.signed_in("ann@acme.test", "new-password-2");

        let key_page = post(&mut a, &format!("/admin/users/{ann}/key/renew"), &[]);
        assert_eq!(key_page.status, 200);
        let marker = "id=\"secret-value\" class=\"secret\" readonly size=\"40\" value=\"";
        let start = key_page.body.find(marker).unwrap() + marker.len();
        let key = &key_page.body[start..start + 32];
        let stored: Option<String> = users::table
            .find(ann)
            .select(users::api_key_hash)
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(
            stored.as_deref(),
            Some(tenantry::service::api_keys::digest(key).as_str())
        );
        assert_ne!(stored.as_deref(), Some(key), "only the digest is stored");
        assert_eq!(
            post(&mut a, &format!("/admin/users/{ann}/key/revoke"), &[]).status,
            303
        );
        let stored: Option<String> = users::table
            .find(ann)
            .select(users::api_key_hash)
            .first(&mut *app.conn())
            .unwrap();
        assert!(stored.is_none());

        assert_eq!(
            post(&mut a, &format!("/admin/users/{ann}/sessions/kill"), &[]).status,
            303
        );
        assert_eq!(ann_client.get("/").status, 303);
        assert_eq!(count_audit(app, "killSessions", "User"), 1);
        assert_eq!(
            a.get("/admin/users/999999/lock").status,
            405,
            "no GET route changes state: the address answers POST only"
        );
        assert_eq!(
            post(&mut a, "/admin/users/999999/lock", &[("locked", "true")]).status,
            404
        );
    });
}

#[test]
fn org_admins_manage_their_members_only_and_never_escalate() {
    each_backend(|app| {
        let mut a = admin(app);
        let acme = app.create_org("acme");
        let globex = app.create_org("globex");
        // A limited org admin: manageUser and manageTask only.
        let res = post(
            &mut a,
            "/admin/profiles",
            &[
                ("name", "user-manager"),
                ("kind", "organisation"),
                ("permissions", "manageUser"),
                ("permissions", "manageTask"),
            ],
        );
        assert_eq!(res.status, 303, "{}", res.body);
        app.create_user(
            "olga@acme.test",
            "olga-password-1",
            &[(acme, "user-manager")],
        );
        let bob = app.create_user("bob@acme.test", "bob-password-1", &[(acme, "read-only")]);
        let gus = app.create_user("gus@globex.test", "gus-password-1", &[(globex, "analyst")]);
        let root = user_id(app, ADMIN_LOGIN).unwrap();
        app.add_member(root, acme, "analyst");

        let mut olga = app.signed_in("olga@acme.test", "olga-password-1");
        let page = olga.get("/organisation/users");
        assert_eq!(page.status, 200);
        assert!(page.body.contains("bob@acme.test") && !page.body.contains("gus@globex.test"));
        assert!(
            page.body.contains("href=\"/organisation/users\""),
            "navigation shows Members"
        );
        assert!(!page.body.contains("href=\"/admin/organisations\""));

        // Escalation: analyst has permissions olga lacks.
        let res = post(
            &mut olga,
            &format!("/organisation/users/{bob}/profile"),
            &[("profile", "analyst")],
        );
        assert_eq!(res.status, 403);
        assert_eq!(profile_of(app, bob, acme).as_deref(), Some("read-only"));
        let res = post(
            &mut olga,
            "/organisation/users/create",
            &[
                ("login", "eve@acme.test"),
                ("name", "Eve"),
                ("profile", "org-admin"),
            ],
        );
        assert_eq!(res.status, 403);
        assert!(user_id(app, "eve@acme.test").is_none());
        // Within her rights.
        let res = post(
            &mut olga,
            "/organisation/users/create",
            &[
                ("login", "eve@acme.test"),
                ("name", "Eve"),
                ("profile", "read-only"),
            ],
        );
        assert_eq!(res.status, 303);

        // Out of reach: members of admin, other organisations' users, platform screens.
        assert_eq!(
            post(
                &mut olga,
                &format!("/organisation/users/{root}/lock"),
                &[("locked", "true")]
            )
            .status,
            404
        );
        assert_eq!(
            post(
                &mut olga,
                &format!("/organisation/users/{gus}/lock"),
                &[("locked", "true")]
            )
            .status,
            404
        );
        assert_eq!(
            post(
                &mut olga,
                &format!("/admin/organisations/{globex}/members/add"),
                &[("login", "bob@acme.test"), ("profile", "read-only")]
            )
            .status,
            404
        );
        assert_eq!(profile_of(app, bob, globex), None);
        for path in [
            "/admin/organisations",
            "/admin/users",
            "/admin/profiles",
            "/admin/audit",
        ] {
            assert_eq!(olga.get(path).status, 403, "{path}");
        }
        assert_eq!(
            post(
                &mut olga,
                "/admin/organisations",
                &[("name", "evil"), ("description", "")]
            )
            .status,
            403
        );
        assert!(!a.get("/admin/organisations").body.contains(">evil<"));
        assert_eq!(
            post(
                &mut olga,
                &format!("/organisation/users/{bob}/lock"),
                &[("locked", "true")]
            )
            .status,
            303
        );

        // Members without manageUser get nothing.
        let mut bob_client = app.signed_in("gus@globex.test", "gus-password-1");
        assert_eq!(bob_client.get("/organisation/users").status, 403);
        assert_eq!(bob_client.get("/organisation/audit").status, 403);
    });
}

#[test]
fn profiles_are_created_edited_and_deleted_with_rules() {
    each_backend(|app| {
        let mut a = admin(app);
        let res = post(
            &mut a,
            "/admin/profiles",
            &[
                ("name", "triage"),
                ("kind", "organisation"),
                ("permissions", "manageCase"),
                ("permissions", "manageTask"),
            ],
        );
        assert_eq!(res.status, 303);
        let (id, perms): (i64, String) = profiles::table
            .filter(profiles::name.eq("triage"))
            .select((profiles::id, profiles::permissions))
            .first(&mut *app.conn())
            .unwrap();
        assert!(
            perms.contains("manageCase/create")
                && perms.contains("manageCase/changeOwnership")
                && perms.contains("manageTask")
        );
        assert_eq!(
            count_audit(app, "create", "Profile"),
            5,
            "4 built-in + triage"
        );

        for (fields, status, message) in [
            (
                vec![("name", "triage"), ("kind", "organisation")],
                409,
                "already exists",
            ),
            (
                vec![
                    ("name", "bad"),
                    ("kind", "organisation"),
                    ("permissions", "manageOrganisation"),
                ],
                400,
                "cannot hold",
            ),
            (
                vec![
                    ("name", "bad"),
                    ("kind", "organisation"),
                    ("permissions", "launchMissiles"),
                ],
                400,
                "unknown permission",
            ),
            (
                vec![("name", ""), ("kind", "organisation")],
                400,
                "The name is required",
            ),
            (
                vec![("name", "bad"), ("kind", "superuser")],
                400,
                "Choose the kind",
            ),
        ] {
            let res = post(&mut a, "/admin/profiles", &fields);
            assert_eq!(res.status, status, "{fields:?}");
            assert!(res.body.contains(message), "{message}");
        }
        assert_eq!(
            profiles::table
                .count()
                .get_result::<i64>(&mut *app.conn())
                .unwrap(),
            5
        );

        let edit = a.get(&format!("/admin/profiles/{id}"));
        assert!(edit.body.contains("value=\"manageTask\" checked"));
        assert_eq!(
            post(
                &mut a,
                &format!("/admin/profiles/{id}"),
                &[
                    ("name", "triage"),
                    ("kind", "organisation"),
                    ("permissions", "manageShare")
                ]
            )
            .status,
            303
        );
        let perms: String = profiles::table
            .find(id)
            .select(profiles::permissions)
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(perms, "manageShare");

        let builtin: i64 = profiles::table
            .filter(profiles::name.eq("org-admin"))
            .select(profiles::id)
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(a.get(&format!("/admin/profiles/{builtin}")).status, 403);
        assert_eq!(
            post(
                &mut a,
                &format!("/admin/profiles/{builtin}"),
                &[("name", "org-admin"), ("kind", "organisation")]
            )
            .status,
            403
        );
        assert_eq!(
            post(&mut a, &format!("/admin/profiles/{builtin}/delete"), &[]).status,
            403
        );

        let acme = app.create_org("acme");
        let user = app.create_user("t@acme.test", "t-password-1", &[(acme, "triage")]);
        let in_use = post(&mut a, &format!("/admin/profiles/{id}/delete"), &[]);
        assert_eq!(in_use.status, 409);
        assert!(in_use
            .body
            .contains("is used by 1 membership(s), 0 case share(s) and 0 auto-share rule(s)"));
        tenantry::db::queries::delete_membership(&mut app.conn(), user, acme).unwrap();
        assert_eq!(
            post(&mut a, &format!("/admin/profiles/{id}/delete"), &[]).status,
            303
        );
        assert_eq!(count_audit(app, "delete", "Profile"), 1);
    });
}

#[test]
fn audit_logs_show_who_did_what_where() {
    each_backend(|app| {
        let mut a = admin(app);
        post(
            &mut a,
            "/admin/organisations",
            &[("name", "acme"), ("description", "")],
        );
        let acme = org_id(app, "acme");
        post(
            &mut a,
            &format!("/admin/organisations/{acme}/members/create"),
            &[
                ("login", "olga@acme.test"),
                ("name", "Olga"),
                ("password", "olga-password-1"),
                ("profile", "org-admin"),
            ],
        );
        let platform = a.get("/admin/audit");
        assert_eq!(platform.status, 200);
        assert!(platform.body.contains("addMember") && platform.body.contains(ADMIN_LOGIN));
        let filtered = a.get(&format!(
            "/admin/audit?organisation={acme}&action=addMember"
        ));
        assert!(filtered.body.contains("addMember") && !filtered.body.contains(">login<"));

        let mut olga = app.signed_in("olga@acme.test", "olga-password-1");
        let own = olga.get("/organisation/audit");
        assert_eq!(own.status, 200);
        assert!(own.body.contains("addMember"));
        assert!(
            !own.body.contains("Profile "),
            "other organisations' records are not shown"
        );
        assert_eq!(olga.get("/admin/audit").status, 403);
    });
}

/// Admin > Users is a page at a time with a login filter, and "Add to
/// organisation" takes the organisation's name: with thousands of users and
/// organisations the page stays small (one list of names, not one per user).
#[test]
fn admin_users_come_a_page_at_a_time_and_are_added_by_organisation_name() {
    each_backend(|app| {
        let acme = app.create_org("acme");
        {
            use tenantry::db::models::NewUser;
            use tenantry::domain::names::name_key;
            let mut conn = app.conn();
            for i in 0..60 {
                let login = format!("user{i:02}@acme.test");
                tenantry::db::queries::insert_user(
                    &mut conn,
                    &NewUser {
                        login: &login,
                        login_key: &name_key(&login),
                        name: "",
                        email: None,
                        password_hash: None,
                        default_organisation_id: None,
                        created_by: "test",
                        created_at: 0,
                    },
                )
                .unwrap();
            }
        }
        let mut a = admin(app);
        let first = a.get("/admin/users");
        assert_eq!(first.status, 200);
        // 61 users by login: admin@…, user00 … user48 on the first page.
        assert!(first.body.contains("user48@acme.test"));
        assert!(!first.body.contains("user49@acme.test"));
        assert_eq!(
            first.body.matches("list=\"organisation-names\"").count(),
            50
        );
        assert_eq!(first.body.matches("<datalist").count(), 1);
        let next = first
            .body
            .split("href=\"")
            .filter_map(|s| s.split('"').next())
            .find(|h| h.contains("after="))
            .expect("a next page link")
            .replace("&#38;", "&");
        let second = a.get(&next);
        assert_eq!(second.status, 200);
        assert!(
            second.body.contains("user49@acme.test") && second.body.contains("user59@acme.test"),
            "{next}: {}",
            second.body
        );
        assert!(!second.body.contains("user48@acme.test"));
        assert!(!second.body.contains("rel=\"next\""));

        let found = a.get("/admin/users?q=USER05");
        assert!(found.body.contains("user05@acme.test"));
        assert!(!found.body.contains("user06@acme.test"));

        let ann = user_id(app, "user07@acme.test").unwrap();
        let path = format!("/admin/users/{ann}/memberships");
        let refused = post(
            &mut a,
            &path,
            &[("organisation", "no such org"), ("profile", "analyst")],
        );
        assert_eq!(refused.status, 400);
        assert!(refused.body.contains("No organisation is named"));
        assert_eq!(profile_of(app, ann, acme), None);
        let added = post(
            &mut a,
            &path,
            &[("organisation", " ACME "), ("profile", "analyst")],
        );
        assert_eq!(added.status, 303);
        assert_eq!(profile_of(app, ann, acme).as_deref(), Some("analyst"));
        assert!(a
            .get("/admin/users?q=user07")
            .body
            .contains("acme: analyst"));
    });
}
