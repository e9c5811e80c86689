//! The authorization matrix: every route of `tenantry::web::ROUTES` × every
//! kind of caller. A route missing from `class_of` fails the test, so new
//! routes must be placed in the matrix.

use tenantry::db::models::NewOrganisation;
use tenantry::db::{now_ms, queries};
use tenantry::domain::permissions::{Permission, ProfileKind};
use tenantry::domain::policy::Acting;
use tenantry::domain::sharing::ItemRule;
use tenantry::service::cases::{self, items, sharing};
use tenantry::service::By;

use crate::cases::link;
use crate::support::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Public,
    SignedIn,
    PlatformAdmin,
    /// The active organisation's members (no user in the path).
    OrgAdmin,
    /// An account action on a user of another organisation: 404 for org admins.
    ForeignUser,
    /// A membership action on someone who is not a member of the active organisation.
    ForeignMember,
    /// The organisation audit log (organisation-kind organisations only).
    OrgAudit,
    /// Lists and forms of the active organisation's objects.
    OrgObjects,
    CaseView,
    CaseUpdate,
    CaseOwner,
    CaseShare,
    CaseTasks,
    CaseObservables,
    /// Alerts and templates of soc: nobody else reaches them.
    SocObject,
    /// Managing a tag of soc (manageTag in soc).
    SocTag,
    /// An organisation nobody else is linked to: platform admins only.
    ApiOrganisation,
    /// Listing a case's shares: `[]` (200) for callers who cannot see the case.
    CaseSharesList,
    /// Changing another user's password: refused to everyone (403).
    NotSelf,
    /// API keys are digests: never shown again (409).
    KeyNotShown,
}

fn class_of(method: &str, path: &str) -> Option<Class> {
    use Class::*;
    Some(match (method, path) {
        ("GET", "/healthz" | "/api/status" | "/static/{file}" | "/login") | ("POST", "/login") => {
            Public
        }
        ("POST", "/logout" | "/session/organisation") | ("GET", "/") => SignedIn,
        ("GET", "/api/v1/user/current") => SignedIn,
        ("GET", "/api/case") => OrgObjects,
        ("POST", "/api/v1/organisation") => PlatformAdmin,
        ("GET", "/api/v1/organisation/{id}" | "/api/v1/organisation/{id}/links") => ApiOrganisation,
        ("PUT" | "DELETE", "/api/v1/organisation/{id}/link/{other}")
        | ("PUT", "/api/v1/user/{id}/organisations") => PlatformAdmin,
        ("PATCH", "/api/v1/organisation/{id}") | ("PUT", "/api/v1/organisation/{id}/links") => {
            PlatformAdmin
        }
        ("GET", "/api/v1/sharingProfile") => SignedIn,
        ("GET", "/organisation/settings")
        | ("POST", "/organisation/settings/rules" | "/organisation/settings/webhooks")
        | ("GET" | "POST", "/api/v1/autoShareRule") => OrgObjects,
        (_, p)
            if p.starts_with("/organisation/settings/rules/{id}")
                || p.starts_with("/organisation/settings/webhooks/{id}")
                || p.starts_with("/organisation/settings/deliveries/{id}") =>
        {
            SocObject
        }
        (_, "/api/v1/autoShareRule/{id}") => SocObject,
        ("GET", "/api/v1/openapi.json") => Public,
        ("POST", "/api/v1/alert" | "/api/v1/alert/delete/_bulk")
        | ("PATCH", "/api/v1/alert/_bulk") => OrgObjects,
        (_, p) if p.starts_with("/api/v1/alert/{id}") => SocObject,
        (_, "/api/v1/tag/{id}") => SocTag,
        ("POST", "/api/v1/query") => SignedIn,
        ("POST", "/api/v1/case") | ("PATCH", "/api/v1/case/_bulk" | "/api/v1/task/_bulk") => {
            OrgObjects
        }
        ("GET", "/api/v1/task/{id}" | "/api/v1/task/{id}/shares") => CaseView,
        ("GET", "/api/v1/observable/{id}" | "/api/v1/observable/{id}/shares") => CaseView,
        ("POST" | "DELETE", "/api/v1/observable/{id}/shares") => CaseShare,
        ("POST", "/api/v1/case/{id}/observable")
        | ("PATCH" | "DELETE", "/api/v1/observable/{id}") => CaseObservables,
        ("PATCH", "/api/v1/observable/_bulk") => OrgObjects,
        ("POST" | "DELETE", "/api/v1/task/{id}/shares") => CaseShare,
        ("POST", "/api/v1/case/{id}/task") | ("PATCH" | "DELETE", "/api/v1/task/{id}") => CaseTasks,
        ("GET", "/api/v1/case/{id}") => CaseView,
        ("GET", "/api/v1/case/{id}/shares") => CaseSharesList,
        ("POST" | "PUT" | "DELETE", "/api/v1/case/{id}/shares")
        | ("PATCH" | "DELETE", "/api/v1/case/share/{id}") => CaseShare,
        ("POST", "/api/v1/case/{id}/owner") => CaseOwner,
        ("GET", "/api/v1/task/{id}/actionRequired") => CaseView,
        (
            "PUT",
            "/api/v1/task/{id}/actionRequired/{org}" | "/api/v1/task/{id}/actionDone/{org}",
        ) => CaseTasks,
        ("PATCH", "/api/v1/case/{id}") => CaseUpdate,
        ("DELETE", "/api/v1/case/{id}") => CaseOwner,
        ("POST", "/api/v1/profile") | ("PATCH" | "DELETE", "/api/v1/profile/{id}") => PlatformAdmin,
        ("GET", "/api/v1/profile/{id}") => SignedIn,
        ("POST", "/api/v1/user") => OrgAdmin,
        ("GET", "/api/v1/user/{id}")
        | ("PATCH", "/api/v1/user/{id}")
        | ("DELETE", "/api/v1/user/{id}/force" | "/api/v1/user/{id}/key") => ForeignUser,
        ("POST", "/api/v1/user/{id}/password/set" | "/api/v1/user/{id}/key/renew") => ForeignUser,
        ("POST", "/api/v1/user/{id}/password/change") => NotSelf,
        ("GET", "/api/v1/user/{id}/key") => KeyNotShown,
        (_, p) if p.starts_with("/admin/") => PlatformAdmin,
        ("GET", "/organisation/audit") => OrgAudit,
        ("GET", "/organisation/tags" | "/organisation/tags/suggest") => OrgObjects,
        ("POST", p) if p.starts_with("/organisation/tags/") => SocTag,
        ("POST", "/organisation/users/{uid}/profile" | "/organisation/users/{uid}/remove") => {
            ForeignMember
        }
        (_, p) if p.starts_with("/organisation/users/{uid}") => ForeignUser,
        (_, p) if p.starts_with("/organisation/") => OrgAdmin,
        ("GET", "/cases" | "/cases/new" | "/alerts" | "/case-templates")
        | ("POST", "/cases" | "/alerts" | "/case-templates") => OrgObjects,
        ("GET", "/cases/{id}" | "/cases/{id}/access") => CaseView,
        ("POST", "/cases/{id}") => CaseUpdate,
        ("POST", "/cases/{id}/delete" | "/cases/{id}/owner") => CaseOwner,
        (
            "POST",
            "/cases/{id}/shares"
            | "/cases/{id}/shares/{share}/profile"
            | "/cases/{id}/shares/{share}/delete",
        ) => CaseShare,
        (
            "POST",
            "/tasks/{id}/shares"
            | "/tasks/{id}/shares/remove"
            | "/observables/{id}/shares"
            | "/observables/{id}/shares/remove",
        ) => CaseShare,
        (
            "POST",
            "/cases/{id}/tasks"
            | "/tasks/{id}"
            | "/tasks/{id}/delete"
            | "/tasks/{id}/action-required",
        ) => CaseTasks,
        ("POST", "/cases/{id}/observables" | "/observables/{id}" | "/observables/{id}/delete") => {
            CaseObservables
        }
        (_, p) if p.starts_with("/alerts/") || p.starts_with("/case-templates/") => SocObject,
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Anonymous,
    Owner,
    ReadOnly,
    Analyst,
    OrgAdminShare,
    Linked,
    Unrelated,
    Platform,
}

const ACTORS: [Actor; 8] = [
    Actor::Anonymous,
    Actor::Unrelated,
    Actor::Linked,
    Actor::ReadOnly,
    Actor::Analyst,
    Actor::OrgAdminShare,
    Actor::Owner,
    Actor::Platform,
];

/// The expected outcome: `Ok` = allowed (any 2xx/3xx, or a 400/409 from
/// validation after the rights passed), or the refusal status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allowed,
    SignIn,
    Refused(u16),
    /// 403 or 404 (platform screens answer either to outsiders).
    Denied,
}

fn expect(class: Class, actor: Actor) -> Expect {
    use Actor::*;
    use Class::*;
    use Expect::*;
    if actor == Anonymous {
        return if class == Public { Allowed } else { SignIn };
    }
    let shared = matches!(actor, ReadOnly | Analyst | OrgAdminShare);
    let writer = matches!(actor, Owner | Analyst | OrgAdminShare);
    match class {
        Public | SignedIn => Allowed,
        PlatformAdmin => {
            if actor == Platform {
                Allowed
            } else {
                Denied
            }
        }
        OrgAdmin => Allowed,
        ForeignMember => Refused(404),
        NotSelf => Refused(403),
        CaseSharesList => Allowed,
        KeyNotShown => Refused(409),
        ForeignUser => {
            if actor == Platform {
                Allowed
            } else {
                Refused(404)
            }
        }
        OrgAudit => {
            if actor == Platform {
                Refused(403)
            } else {
                Allowed
            }
        }
        OrgObjects => {
            if actor == Platform {
                Refused(403)
            } else {
                Allowed
            }
        }
        ApiOrganisation => {
            if actor == Platform {
                Allowed
            } else {
                Refused(404)
            }
        }
        SocTag => match actor {
            Owner => Allowed,
            Platform => Refused(403),
            _ => Refused(404),
        },
        SocObject => match actor {
            Owner => Allowed,
            // The admin organisation holds no alerts or templates at all.
            Platform => Denied,
            _ => Refused(404),
        },
        CaseView | CaseUpdate | CaseOwner | CaseShare | CaseTasks | CaseObservables => {
            if !(shared || actor == Owner) {
                return Refused(404);
            }
            let allowed = match class {
                CaseView => true,
                CaseOwner => actor == Owner,
                _ => writer,
            };
            if allowed {
                Allowed
            } else {
                Refused(403)
            }
        }
    }
}

struct Matrix<'a> {
    app: &'a TestApp,
    soc: i64,
    orgs: [(Actor, i64); 5],
    owner_id: i64,
}

impl Matrix<'_> {
    fn by(&self) -> By<'static> {
        By {
            login: "sam@soc.test",
            user_id: self.owner_id,
            acting: Acting {
                organisation_id: self.soc,
                kind: ProfileKind::Organisation,
                permissions: ProfileKind::Organisation.scope(),
            },
        }
    }

    /// A fresh case owned by soc, shared with the three share organisations
    /// (rules all), with a task and an observable; returns (case, task,
    /// observable, read-only share).
    fn fresh_case(&self) -> (i64, i64, i64, i64) {
        let by = self.by();
        let mut conn = self.app.conn();
        let v = cases::create(
            &mut conn,
            &by,
            cases::NewCase {
                title: "m".into(),
                ..Default::default()
            },
        )
        .unwrap();
        let mut ro_share = 0;
        for (actor, org) in self.orgs {
            let profile = match actor {
                Actor::ReadOnly => "read-only",
                Actor::Analyst => "analyst",
                Actor::OrgAdminShare => "org-admin",
                _ => continue,
            };
            let s = sharing::share(
                &mut conn,
                &by,
                v.case.id,
                &sharing::NewShare {
                    organisation: org,
                    profile: profile.into(),
                    task_rule: ItemRule::All,
                    observable_rule: ItemRule::All,
                },
            )
            .unwrap();
            if actor == Actor::ReadOnly {
                ro_share = s.id;
            }
        }
        let t = items::create_task(
            &mut conn,
            &by,
            v.case.id,
            items::NewTask {
                title: "t".into(),
                ..Default::default()
            },
        )
        .unwrap();
        let o = items::create_observable(
            &mut conn,
            &by,
            v.case.id,
            &items::NewObservable {
                data_type: "ip".into(),
                data: "1.2.3.4".into(),
                ..Default::default()
            },
        )
        .unwrap();
        (v.case.id, t.id, o.id, ro_share)
    }

    /// The concrete path for a pattern, with fresh targets for every attempt.
    fn path(&self, pattern: &str) -> String {
        let (case, task, obs, share) = self.fresh_case();
        let by = self.by();
        let mut conn = self.app.conn();
        let id = if pattern.starts_with("/api/v1/case/share/") {
            share
        } else if pattern.starts_with("/tasks/") || pattern.starts_with("/api/v1/task/") {
            task
        } else if pattern.starts_with("/observables/") || pattern.starts_with("/api/v1/observable/")
        {
            obs
        } else if pattern.starts_with("/alerts/") || pattern.starts_with("/api/v1/alert/") {
            let n = rand::random::<u64>().to_string();
            cases::alerts::create(
                &mut conn,
                &by,
                &cases::alerts::NewAlert {
                    alert_type: "t".into(),
                    source: "s".into(),
                    source_ref: n,
                    title: "a".into(),
                    ..Default::default()
                },
            )
            .unwrap()
            .id
        } else if pattern.starts_with("/organisation/settings/rules/")
            || pattern.starts_with("/api/v1/autoShareRule/")
        {
            tenantry::service::auto_share::create(
                &mut conn,
                &by,
                &tenantry::service::auto_share::RuleInput {
                    pattern: format!("m{}:{{org}}", rand::random::<u32>()),
                    profile: "read-only".into(),
                    task_rule: "manual".into(),
                    observable_rule: "manual".into(),
                    ..Default::default()
                },
            )
            .unwrap()
            .rule
            .id
        } else if pattern.starts_with("/organisation/settings/webhooks/")
            || pattern.starts_with("/organisation/settings/deliveries/")
        {
            let w = tenantry::service::webhooks::create(
                &mut conn,
                &by,
                &tenantry::service::webhooks::WebhookInput {
                    name: format!("m{}", rand::random::<u32>()),
                    url: "http://127.0.0.1:9/".into(),
                    // Only its test notifications: ten rounds of endpoints
                    // listening to everything at a dead address would make
                    // every later event write one delivery per endpoint
                    // (2.2 million rows by round five), measuring the
                    // fixture, not authorization.
                    actions: "test".into(),
                    ..Default::default()
                },
                1,
            )
            .unwrap();
            if pattern.starts_with("/organisation/settings/deliveries/") {
                // A failed delivery to retry.
                use diesel::prelude::*;
                use tenantry::db::schema::webhook_deliveries as d;
                tenantry::service::webhooks::send_test(&mut conn, &by, w.id).unwrap();
                diesel::update(d::table.filter(d::webhook_id.eq(w.id)))
                    .set(d::status.eq("failed"))
                    .execute(&mut *conn)
                    .unwrap();
                d::table
                    .filter(d::webhook_id.eq(w.id))
                    .select(d::id)
                    .first::<i64>(&mut *conn)
                    .unwrap()
            } else {
                w.id
            }
        } else if pattern.starts_with("/case-templates/") {
            let n = format!("tpl-{}", rand::random::<u64>());
            cases::templates::create(
                &mut conn,
                &by,
                &cases::templates::TemplateInput {
                    name: n,
                    severity: 2,
                    ..Default::default()
                },
            )
            .unwrap()
            .id
        } else if pattern.starts_with("/organisation/tags/") || pattern.starts_with("/api/v1/tag/")
        {
            let name = format!("tag-{}", rand::random::<u64>());
            tenantry::service::tags::change(
                &mut conn,
                &by,
                tenantry::service::tags::Kind::Case,
                case,
                std::slice::from_ref(&name),
                &[],
            )
            .unwrap();
            tenantry::service::tags::list(
                &mut conn,
                self.soc,
                &name,
                tenantry::service::tags::Sort::Name,
                1,
            )
            .unwrap()
            .rows[0]
                .tag
                .id
        } else if pattern.starts_with("/admin/organisations/")
            || pattern.starts_with("/api/v1/organisation/")
        {
            self.victim_org(&mut conn)
        } else if pattern.starts_with("/admin/profiles/") || pattern.starts_with("/api/v1/profile/")
        {
            let name = format!("p-{}", rand::random::<u64>());
            queries::insert_profile(
                &mut conn,
                &tenantry::db::models::NewProfile {
                    name: &name,
                    kind: "organisation",
                    permissions: "",
                    editable: true,
                    created_by: "t",
                    created_at: 0,
                },
            )
            .unwrap()
            .id
        } else {
            case
        };
        let victim_org = self.victim_org(&mut conn);
        let victim_user = self.victim_user(&mut conn, victim_org);
        let id = if pattern.starts_with("/api/v1/case/") {
            format!("~{id}")
        } else {
            id.to_string()
        };
        pattern
            .replace("{id}", &id)
            .replace("{share}", &share.to_string())
            .replace("{case}", &format!("~{case}"))
            .replace("{org}", &victim_org.to_string())
            .replace("{other}", &self.victim_org(&mut conn).to_string())
            .replace("{uid}", &victim_user.to_string())
            .replace("{file}", "app.css")
    }

    fn victim_org(&self, conn: &mut tenantry::db::DbConn) -> i64 {
        let name = format!("victim-{}", rand::random::<u64>());
        queries::insert_organisation(
            conn,
            &NewOrganisation {
                name: &name,
                name_key: &name,
                description: "",
                created_by: "t",
                created_at: now_ms(),
            },
        )
        .unwrap()
        .id
    }

    fn victim_user(&self, conn: &mut tenantry::db::DbConn, org: i64) -> i64 {
        let login = format!("victim-{}@x.test", rand::random::<u64>());
        let user = queries::insert_user(
            conn,
            &tenantry::db::models::NewUser {
                login: &login,
                login_key: &login,
                name: "v",
                email: None,
                password_hash: None,
                default_organisation_id: Some(org),
                created_by: "t",
                created_at: 0,
            },
        )
        .unwrap();
        let profile = queries::profile_by_name(conn, "read-only")
            .unwrap()
            .unwrap();
        queries::insert_membership(
            conn,
            &tenantry::db::models::NewMembership {
                user_id: user.id,
                organisation_id: org,
                profile_id: profile.id,
                created_by: "t",
                created_at: 0,
            },
        )
        .unwrap();
        user.id
    }
}

#[test]
fn every_route_against_every_kind_of_caller() {
    let unlisted: Vec<_> = tenantry::web::ROUTES
        .iter()
        .filter(|(m, p)| class_of(m, p).is_none())
        .collect();
    assert!(
        unlisted.is_empty(),
        "routes missing from the authorization matrix: {unlisted:?}"
    );
    for backend in backends() {
        let app = TestApp::spawn(backend);
        let soc = app.create_org("soc");
        let names = [
            (Actor::ReadOnly, "ro"),
            (Actor::Analyst, "an"),
            (Actor::OrgAdminShare, "oa"),
            (Actor::Linked, "linked"),
            (Actor::Unrelated, "unrelated"),
        ];
        let orgs = names.map(|(a, n)| (a, app.create_org(n)));
        for (actor, org) in orgs {
            if actor != Actor::Unrelated {
                link(&app, soc, org, "default");
                link(&app, org, soc, "default");
            }
        }
        let owner_id = app.create_user("sam@soc.test", "matrix-password", &[(soc, "org-admin")]);
        let mut clients: Vec<(Actor, Client)> = vec![
            (Actor::Anonymous, app.client()),
            (
                Actor::Owner,
                app.signed_in("sam@soc.test", "matrix-password"),
            ),
        ];
        for ((actor, org), (_, name)) in orgs.iter().zip(names) {
            let login = format!("admin@{name}.test");
            app.create_user(&login, "matrix-password", &[(*org, "org-admin")]);
            clients.push((*actor, app.signed_in(&login, "matrix-password")));
        }
        clients.push((Actor::Platform, app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD)));
        let m = Matrix {
            app: &app,
            soc,
            orgs,
            owner_id,
        };
        assert!(ProfileKind::Organisation
            .scope()
            .contains(Permission::ManageShare));

        let mut failures = Vec::new();
        let mut checked = 0;
        // `TENANTRY_MATRIX_ROUNDS=10`: the whole matrix ten times over, on
        // fresh objects each time (the resilience runs of docs/PERFORMANCE.md).
        let rounds: usize = std::env::var("TENANTRY_MATRIX_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let routes = tenantry::web::ROUTES
            .iter()
            .cycle()
            .take(rounds * tenantry::web::ROUTES.len());
        // The slowest requests and fixtures, printed at the end (with
        // `--nocapture`): where a bigger world first hurts.
        let started = std::time::Instant::now();
        let mut slowest: Vec<(std::time::Duration, String)> = Vec::new();
        for (i, (method, pattern)) in routes.enumerate() {
            if i % tenantry::web::ROUTES.len() == 0 && i > 0 {
                eprintln!(
                    "{backend:?}: round {} done after {:?}",
                    i / tenantry::web::ROUTES.len(),
                    started.elapsed()
                );
            }
            let class = class_of(method, pattern).unwrap();
            for actor in ACTORS {
                if (*method, *pattern) == ("POST", "/logout")
                    || (*method, *pattern) == ("POST", "/session/organisation")
                {
                    continue; // covered by the session tests; would end the sessions used here
                }
                let (_, client) = clients.iter_mut().find(|(a, _)| *a == actor).unwrap();
                let fixture = std::time::Instant::now();
                let path = m.path(pattern);
                let request = std::time::Instant::now();
                slowest.push((request - fixture, format!("fixture of {pattern}")));
                let res = if *method == "GET" {
                    client.get(&path)
                } else if *method == "PUT" || *method == "DELETE" || *method == "PATCH" {
                    let token = if actor == Actor::Anonymous {
                        String::new()
                    } else {
                        client.token()
                    };
                    client.send_raw(
                        method,
                        &path,
                        "{}",
                        &[
                            ("Content-Type", "application/json"),
                            ("X-CSRF-Token", &token),
                        ],
                    )
                } else {
                    let token = if actor == Actor::Anonymous {
                        client.get("/login").csrf()
                    } else {
                        client.token()
                    };
                    let n = rand::random::<u32>().to_string();
                    client.post_form_with(
                        &path,
                        &[
                            ("csrf_token", token.as_str()),
                            ("title", "matrix"),
                            ("name", &format!("matrix-{n}")),
                            ("description", ""),
                            ("profile", "read-only"),
                            ("organisation", &m.orgs[3].1.to_string()),
                            ("status", "InProgress"),
                            ("locked", "false"),
                            ("data_type", "ip"),
                            ("data", "5.6.7.8"),
                            ("task_rule", "manual"),
                            ("observable_rule", "manual"),
                            ("required", "true"),
                            ("ioc", "true"),
                            ("alert_type", "t"),
                            ("source", "s"),
                            ("source_ref", &n),
                            ("login", &format!("new-{n}@x.test")),
                            ("password", "a-long-password"),
                            ("kind", "organisation"),
                            ("severity", "2"),
                        ],
                        &[("X-CSRF-Token", token.as_str())],
                    )
                };
                let took = request.elapsed();
                if took > std::time::Duration::from_secs(1) {
                    eprintln!("{backend:?}: {method} {path} as {actor:?} took {took:?}");
                }
                slowest.push((took, format!("{method} {pattern} as {actor:?}")));
                if slowest.len() > 64 {
                    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
                    slowest.truncate(10);
                }
                let got = res.status;
                let to_login = got == 303
                    && res
                        .header("location")
                        .is_some_and(|l| l.starts_with("/login"));
                let ok = match expect(class, actor) {
                    // The sign-in form answers a wrong password with 401.
                    Expect::Allowed if class == Class::Public => got < 500 && got != 404,
                    Expect::Allowed => {
                        !to_login && got != 401 && got != 403 && got != 404 && got < 500
                    }
                    Expect::SignIn => {
                        to_login || got == 403 || (pattern.starts_with("/api/") && got == 401)
                    }
                    Expect::Refused(code) => got == code,
                    Expect::Denied => got == 403 || got == 404,
                };
                checked += 1;
                if !ok {
                    failures.push(format!(
                        "{method} {pattern} as {actor:?} ({class:?}): expected {:?}, got {got}",
                        expect(class, actor)
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{backend:?}: {} of {checked} checks failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(checked > 500 * rounds, "{backend:?}: only {checked} checks");
        slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
        slowest.truncate(10);
        eprintln!(
            "{backend:?}: {checked} authorization checks, {rounds} round(s) in {:?}; slowest: {slowest:?}",
            started.elapsed()
        );
    }
}
