//! A property test: random worlds (organisations, links, members, cases,
//! shares, tasks) driven through the services, compared after every step with
//! a small reference model of the sharing rules. Zero mismatches allowed.

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tenantry::db::models::{NewMembership, NewOrganisation, NewUser};
use tenantry::db::{queries, DbConn};
use tenantry::domain::permissions::{builtin_profiles, Permission, Permissions, ProfileKind};
use tenantry::domain::policy::Acting;
use tenantry::domain::sharing::{allows, CaseAccess, CaseAction, ItemRule};
use tenantry::error::ErrorKind;
use tenantry::service::cases::{self, items, list, sharing};
use tenantry::service::By;

use crate::support::*;

const PROFILES: [&str; 3] = ["org-admin", "analyst", "read-only"];

fn perms(name: &str) -> Permissions {
    builtin_profiles()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
        .permissions
}

/// The reference model: plain sets and maps, no SQL.
#[derive(Default)]
struct Model {
    links: BTreeMap<(usize, usize), &'static str>,
    /// (case, org) → (profile, task rule)
    shares: BTreeMap<(usize, usize), (&'static str, ItemRule)>,
    /// task → (case, orgs holding it)
    tasks: Vec<(usize, BTreeSet<usize>)>,
    cases: usize,
}

impl Model {
    fn rights(&self, user: &str, case: usize, org: usize) -> Option<Permissions> {
        let (profile, _) = self.shares.get(&(case, org))?;
        Some(
            perms(user)
                .intersect(ProfileKind::Organisation.scope())
                .intersect(perms(profile)),
        )
    }
}

/// A member of a random world: (organisation index, profile, user id, login).
type Member = (usize, &'static str, i64, String);

fn insert_world(conn: &mut DbConn, tag: u64, orgs: usize) -> (Vec<i64>, Vec<Member>) {
    let mut ids = Vec::new();
    for i in 0..orgs {
        let name = format!("w{tag}-o{i}");
        ids.push(
            queries::insert_organisation(
                conn,
                &NewOrganisation {
                    name: &name,
                    name_key: &name,
                    description: "",
                    created_by: "t",
                    created_at: 0,
                },
            )
            .unwrap()
            .id,
        );
    }
    let mut users = Vec::new();
    for (i, org) in ids.iter().enumerate() {
        for profile in PROFILES {
            let login = format!("w{tag}-o{i}-{profile}@x.test");
            let user = queries::insert_user(
                conn,
                &NewUser {
                    login: &login,
                    login_key: &login,
                    name: "u",
                    email: None,
                    password_hash: None,
                    default_organisation_id: Some(*org),
                    created_by: "t",
                    created_at: 0,
                },
            )
            .unwrap();
            let p = queries::profile_by_name(conn, profile).unwrap().unwrap();
            queries::insert_membership(
                conn,
                &NewMembership {
                    user_id: user.id,
                    organisation_id: *org,
                    profile_id: p.id,
                    created_by: "t",
                    created_at: 0,
                },
            )
            .unwrap();
            users.push((i, profile, user.id, login));
        }
    }
    (ids, users)
}

fn by<'a>(login: &'a str, user_id: i64, org: i64, profile: &str) -> By<'a> {
    By {
        login,
        user_id,
        acting: Acting {
            organisation_id: org,
            kind: ProfileKind::Organisation,
            permissions: perms(profile).intersect(ProfileKind::Organisation.scope()),
        },
    }
}

fn run_world(conn: &mut DbConn, rng: &mut StdRng, tag: u64) -> usize {
    let n = rng.gen_range(2..=4);
    let (orgs, users) = insert_world(conn, tag, n);
    let mut m = Model::default();
    for a in 0..n {
        for b in 0..n {
            if a != b && rng.gen_bool(0.5) {
                let t = ["default", "supervised", "notify"][rng.gen_range(0..3)];
                tenantry::db::admin::insert_link(conn, orgs[a], orgs[b], t, "t", 0).unwrap();
                m.links.insert((a, b), t);
            }
        }
    }
    let mut case_ids: Vec<i64> = Vec::new();
    let mut task_ids: Vec<i64> = Vec::new();
    let mut checks = 0;
    for _ in 0..rng.gen_range(4..=10) {
        let (ui, uprofile, uid, login) = users[rng.gen_range(0..users.len())].clone();
        let actor = by(&login, uid, orgs[ui], uprofile);
        match rng.gen_range(0..3) {
            0 => {
                let res = cases::create(
                    conn,
                    &actor,
                    cases::NewCase {
                        title: "c".into(),
                        ..Default::default()
                    },
                );
                let expected = perms(uprofile).contains(Permission::CaseCreate);
                assert_eq!(res.is_ok(), expected, "create by {uprofile}");
                if let Ok(v) = res {
                    let c = m.cases;
                    m.cases += 1;
                    case_ids.push(v.case.id);
                    m.shares.insert((c, ui), ("org-admin", ItemRule::Manual));
                    for (&(a, b), &t) in &m.links {
                        if a == ui && t != "default" {
                            m.shares.insert(
                                (c, b),
                                (
                                    if t == "supervised" {
                                        "analyst"
                                    } else {
                                        "read-only"
                                    },
                                    ItemRule::Manual,
                                ),
                            );
                        }
                    }
                }
            }
            1 if m.cases > 0 => {
                let c = rng.gen_range(0..m.cases);
                let target = rng.gen_range(0..n);
                let profile = PROFILES[rng.gen_range(0..3)];
                let rule = ItemRule::ALL[rng.gen_range(0..4)];
                let res = sharing::share(
                    conn,
                    &actor,
                    case_ids[c],
                    &sharing::NewShare {
                        organisation: orgs[target],
                        profile: profile.into(),
                        task_rule: rule,
                        observable_rule: ItemRule::Manual,
                    },
                );
                let expected = match m.shares.get(&(c, ui)) {
                    None => Err(ErrorKind::NotFound),
                    Some((own, _)) => {
                        let rights = m.rights(uprofile, c, ui).unwrap();
                        if !rights.contains(Permission::ManageShare) {
                            Err(ErrorKind::Forbidden)
                        } else if !m.links.contains_key(&(ui, target)) {
                            Err(ErrorKind::BadRequest)
                        } else if m.shares.contains_key(&(c, target)) {
                            Err(ErrorKind::Conflict)
                        } else if perms(profile).intersect(perms(own)) != perms(profile) {
                            Err(ErrorKind::Forbidden)
                        } else {
                            Ok(())
                        }
                    }
                };
                assert_eq!(
                    res.as_ref().map(|_| ()).map_err(|e| e.kind),
                    expected,
                    "share {c} from {ui} to {target} as {uprofile} with {profile}"
                );
                if res.is_ok() {
                    m.shares.insert((c, target), (profile, rule));
                    if rule.takes_existing() {
                        for (case, holders) in m.tasks.iter_mut() {
                            if *case == c && holders.contains(&ui) {
                                holders.insert(target);
                            }
                        }
                    }
                }
            }
            2 if m.cases > 0 => {
                let c = rng.gen_range(0..m.cases);
                let res = items::create_task(
                    conn,
                    &actor,
                    case_ids[c],
                    items::NewTask {
                        title: "t".into(),
                        ..Default::default()
                    },
                );
                let expected = match m.rights(uprofile, c, ui) {
                    None => Err(ErrorKind::NotFound),
                    Some(r) if !r.contains(Permission::ManageTask) => Err(ErrorKind::Forbidden),
                    Some(_) => Ok(()),
                };
                assert_eq!(
                    res.as_ref().map(|_| ()).map_err(|e| e.kind),
                    expected,
                    "task in {c} by {ui} as {uprofile}"
                );
                if let Ok(t) = res {
                    let mut holders: BTreeSet<usize> = m
                        .shares
                        .iter()
                        .filter(|((case, _), (_, rule))| *case == c && rule.takes_upcoming())
                        .map(|((_, org), _)| *org)
                        .collect();
                    holders.insert(ui);
                    m.tasks.push((c, holders));
                    task_ids.push(t.id);
                }
            }
            _ => {}
        }
        // Compare every organisation's view with the model.
        for (oi, org) in orgs.iter().enumerate() {
            let (rows, _) = list::page(
                conn,
                *org,
                list::Scope::All,
                list::Sort::Number,
                None,
                None,
                1000,
            )
            .unwrap();
            let seen: BTreeSet<i64> = rows.iter().map(|r| r.case.id).collect();
            let expected: BTreeSet<i64> = (0..m.cases)
                .filter(|c| m.shares.contains_key(&(*c, oi)))
                .map(|c| case_ids[c])
                .collect();
            assert_eq!(seen, expected, "cases visible to org {oi}");
            for (c, case_id) in case_ids.iter().enumerate() {
                let got = cases::visible(conn, *org, *case_id);
                match m.shares.get(&(c, oi)) {
                    None => assert_eq!(got.unwrap_err().kind, ErrorKind::NotFound),
                    Some((profile, _)) => {
                        let v = got.unwrap();
                        assert_eq!(v.access.share_profile, perms(profile));
                        for user_profile in PROFILES {
                            let user =
                                perms(user_profile).intersect(ProfileKind::Organisation.scope());
                            let rights = m.rights(user_profile, c, oi).unwrap();
                            for action in CaseAction::ALL {
                                let reference = match action {
                                    CaseAction::View => true,
                                    CaseAction::Update => rights.contains(Permission::CaseUpdate),
                                    CaseAction::Reopen => rights.contains(Permission::CaseReopen),
                                    CaseAction::Delete => {
                                        v.share.owner && rights.contains(Permission::CaseDelete)
                                    }
                                    CaseAction::ChangeOwnership => {
                                        v.share.owner
                                            && rights.contains(Permission::CaseChangeOwnership)
                                    }
                                    CaseAction::Share => rights.contains(Permission::ManageShare),
                                    CaseAction::ManageTasks => {
                                        rights.contains(Permission::ManageTask)
                                    }
                                    CaseAction::ManageObservables => {
                                        rights.contains(Permission::ManageObservable)
                                    }
                                };
                                let access = CaseAccess {
                                    share_profile: v.access.share_profile,
                                    owner: v.share.owner,
                                };
                                assert_eq!(
                                    allows(user, access, action),
                                    reference,
                                    "{user_profile} on share {profile}: {action:?}"
                                );
                                checks += 1;
                            }
                        }
                    }
                }
            }
            for (t, (c, holders)) in m.tasks.iter().enumerate() {
                let seen = items::visible_task(conn, *org, task_ids[t]).is_ok();
                assert_eq!(
                    seen,
                    holders.contains(&oi),
                    "task {t} of case {c} in org {oi}"
                );
                checks += 1;
            }
        }
    }
    checks
}

#[test]
fn services_agree_with_the_reference_model_on_random_worlds() {
    for backend in backends() {
        let store = TestDb::new(backend);
        let mut conn = store.db.conn().unwrap();
        tenantry::db::migrate(&mut conn).unwrap();
        tenantry::service::bootstrap::ensure_initial_data(&mut conn, ADMIN_LOGIN, Some("x"))
            .unwrap();
        // `TENANTRY_PROPERTY_WORLDS=N`: N worlds; `TENANTRY_PROPERTY_SCALE=10`:
        // ten times the default of the backend.
        let scale: u64 = std::env::var("TENANTRY_PROPERTY_SCALE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let worlds: u64 = std::env::var("TENANTRY_PROPERTY_WORLDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(
                scale
                    * if backend == Backend::Sqlite {
                        1000
                    } else {
                        200
                    },
            );
        let mut rng = StdRng::seed_from_u64(0x7e4a_47c1);
        let mut checks = 0;
        for tag in 0..worlds {
            checks += run_world(&mut conn, &mut rng, tag);
        }
        eprintln!("{backend:?}: {worlds} random worlds, {checks} comparisons, 0 mismatches");
        assert!(checks > worlds as usize * 10);
    }
}
