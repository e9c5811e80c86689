//! `tenantry seed`: worlds to try Tenantry on and to measure it with.
//!
//! - [`demo`] makes a small named MSSP world through the services (the same
//!   rules, audit records and auto-share as a person would get).
//! - [`bulk`] makes a large generated world with batched multi-row inserts:
//!   one MSSP organisation (`soc`) linked both ways with every client
//!   organisation, cases owned by `soc` and by the clients, each shared with
//!   probability `share_density` across a link, with tasks, observables and
//!   tags. A fixed random seed makes the same world every time.

use diesel::prelude::*;
use rand::{Rng, SeedableRng};

use crate::db::schema::{
    case_tags, cases, counters, memberships, observable_shares, observables, organisation_links,
    organisations, profiles, shares, tags, task_shares, tasks, users,
};
use crate::db::{now_ms, Db, DbConn};
use crate::domain::names::name_key;
use crate::domain::permissions::{
    ProfileKind, ANALYST_PROFILE, ORG_ADMIN_PROFILE, READ_ONLY_PROFILE,
};
use crate::domain::policy::Acting;
use crate::domain::sharing::ItemRule;
use crate::error::AppError;
use crate::service::{auto_share, cases as case_service, passwords, By};

pub const SEED_ACTOR: &str = "seed";
/// The password of every seeded user.
pub const DEMO_PASSWORD: &str = "tenantry-demo";

fn err(e: impl std::fmt::Display) -> AppError {
    AppError::internal(e.to_string())
}

fn profile_id(conn: &mut DbConn, name: &str) -> Result<i64, AppError> {
    Ok(profiles::table
        .filter(profiles::name.eq(name))
        .select(profiles::id)
        .first(conn)?)
}

fn add_org(conn: &mut DbConn, name: &str, description: &str) -> Result<i64, AppError> {
    diesel::insert_into(organisations::table)
        .values((
            organisations::name.eq(name),
            organisations::name_key.eq(name_key(name)),
            organisations::description.eq(description),
            organisations::created_by.eq(SEED_ACTOR),
            organisations::created_at.eq(now_ms()),
        ))
        .execute(conn)?;
    Ok(organisations::table
        .filter(organisations::name_key.eq(name_key(name)))
        .select(organisations::id)
        .first(conn)?)
}

fn add_user(
    conn: &mut DbConn,
    login: &str,
    name: &str,
    hash: &str,
    memberships_of: &[(i64, i64)],
) -> Result<i64, AppError> {
    diesel::insert_into(users::table)
        .values((
            users::login.eq(login),
            users::login_key.eq(name_key(login)),
            users::name.eq(name),
            users::password_hash.eq(hash),
            users::default_organisation_id.eq(memberships_of.first().map(|m| m.0)),
            users::created_by.eq(SEED_ACTOR),
            users::created_at.eq(now_ms()),
        ))
        .execute(conn)?;
    let id: i64 = users::table
        .filter(users::login_key.eq(name_key(login)))
        .select(users::id)
        .first(conn)?;
    for (org, profile) in memberships_of {
        diesel::insert_into(memberships::table)
            .values((
                memberships::user_id.eq(id),
                memberships::organisation_id.eq(org),
                memberships::profile_id.eq(profile),
                memberships::created_by.eq(SEED_ACTOR),
                memberships::created_at.eq(now_ms()),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

fn link_both(conn: &mut DbConn, a: i64, b: i64, ab: &str, ba: &str) -> Result<(), AppError> {
    for (from, to, t) in [(a, b, ab), (b, a, ba)] {
        diesel::insert_into(organisation_links::table)
            .values((
                organisation_links::from_organisation_id.eq(from),
                organisation_links::to_organisation_id.eq(to),
                organisation_links::link_type.eq(t),
                organisation_links::created_by.eq(SEED_ACTOR),
                organisation_links::created_at.eq(now_ms()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn acting(org: i64) -> Acting {
    Acting {
        organisation_id: org,
        kind: ProfileKind::Organisation,
        permissions: ProfileKind::Organisation.scope(),
    }
}

/// Title, severity, tags, observables (type, data).
type DemoCase = (
    &'static str,
    i32,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// What `demo` made, for the command to print.
pub struct DemoReport {
    pub logins: Vec<(String, String)>,
}

/// A small named world: the MSSP "soc" and its clients "acme" and "globex",
/// analysts with different profiles, a `client:{org}` auto-share rule, and
/// shared, tagged cases with tasks and observables. Refuses a database that
/// already has organisations besides `admin`.
pub fn demo(db: &Db) -> Result<DemoReport, AppError> {
    let hash = passwords::hash_now(DEMO_PASSWORD).map_err(err)?;
    db.write_blocking(|conn| {
        let others: i64 = organisations::table
            .filter(organisations::name_key.ne("admin"))
            .count()
            .get_result(conn)?;
        if others > 0 {
            return Err(AppError::conflict(
                "The database already has organisations: the demo world goes into a fresh one.",
            ));
        }
        let soc = add_org(conn, "soc", "The MSSP's security operations centre")?;
        let acme = add_org(conn, "acme", "Client: Acme Corp")?;
        let globex = add_org(conn, "globex", "Client: Globex")?;
        link_both(conn, soc, acme, "default", "default")?;
        link_both(conn, soc, globex, "default", "default")?;
        let (org_admin, analyst, read_only) = (
            profile_id(conn, ORG_ADMIN_PROFILE)?,
            profile_id(conn, ANALYST_PROFILE)?,
            profile_id(conn, READ_ONLY_PROFILE)?,
        );
        let people = [
            (
                "sam@soc.demo",
                "Sam (SOC lead)",
                vec![(soc, org_admin), (acme, analyst), (globex, analyst)],
            ),
            (
                "alice@soc.demo",
                "Alice (SOC analyst)",
                vec![(soc, analyst)],
            ),
            ("ann@acme.demo", "Ann (Acme admin)", vec![(acme, org_admin)]),
            (
                "bob@acme.demo",
                "Bob (Acme viewer)",
                vec![(acme, read_only)],
            ),
            (
                "gus@globex.demo",
                "Gus (Globex analyst)",
                vec![(globex, analyst)],
            ),
        ];
        let mut logins = Vec::new();
        let mut sam = 0;
        for (login, name, orgs) in &people {
            let id = add_user(conn, login, name, &hash, orgs)?;
            if *login == "sam@soc.demo" {
                sam = id;
            }
            logins.push((login.to_string(), name.to_string()));
        }
        let by = By {
            login: "sam@soc.demo",
            user_id: sam,
            acting: acting(soc),
        };
        auto_share::create(
            conn,
            &by,
            &auto_share::RuleInput {
                pattern: "client:{org}".into(),
                profile: READ_ONLY_PROFILE.into(),
                task_rule: "all".into(),
                observable_rule: "all".into(),
                ..Default::default()
            },
        )?;
        let demo_cases: [DemoCase; 5] = [
            (
                "Phishing campaign against Acme finance",
                3,
                &["client:acme", "phishing"],
                &[("mail", "invoice@evil.example"), ("domain", "evil.example")],
            ),
            (
                "Ransomware beacon on a Globex server",
                4,
                &["client:globex", "malware"],
                &[("ip", "203.0.113.66")],
            ),
            (
                "Brute force on the SOC VPN",
                2,
                &["vpn"],
                &[("ip", "198.51.100.23")],
            ),
            ("Suspicious login at Acme", 2, &["client:acme"], &[]),
            ("Weekly threat review", 1, &[], &[]),
        ];
        for (title, severity, case_tags_of, obs) in demo_cases {
            let v = case_service::create(
                conn,
                &by,
                case_service::NewCase {
                    title: title.into(),
                    description: format!("Demo case: {title}."),
                    severity: Some(severity),
                    tags: case_tags_of.iter().map(|t| t.to_string()).collect(),
                    tasks: vec![
                        case_service::items::NewTask {
                            title: "Triage".into(),
                            ..Default::default()
                        },
                        case_service::items::NewTask {
                            title: "Contain".into(),
                            ..Default::default()
                        },
                    ],
                    ..Default::default()
                },
            )?;
            for (data_type, data) in obs {
                case_service::items::create_observable(
                    conn,
                    &by,
                    v.case.id,
                    &case_service::items::NewObservable {
                        data_type: data_type.to_string(),
                        data: data.to_string(),
                        ioc: true,
                        ..Default::default()
                    },
                )?;
            }
        }
        // Acme's own case, shared with the SOC for help.
        let ann = users::table
            .filter(users::login_key.eq("ann@acme.demo"))
            .select(users::id)
            .first::<i64>(conn)?;
        let ann_by = By {
            login: "ann@acme.demo",
            user_id: ann,
            acting: acting(acme),
        };
        let v = case_service::create(
            conn,
            &ann_by,
            case_service::NewCase {
                title: "Lost laptop with customer data".into(),
                severity: Some(3),
                ..Default::default()
            },
        )?;
        case_service::sharing::share(
            conn,
            &ann_by,
            v.case.id,
            &case_service::sharing::NewShare {
                organisation: soc,
                profile: ANALYST_PROFILE.into(),
                task_rule: ItemRule::All,
                observable_rule: ItemRule::All,
            },
        )?;
        Ok(DemoReport { logins })
    })
}

/// The size of a generated world.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub orgs: usize,
    pub cases: usize,
    pub users: usize,
    /// Probability that a case is shared across a link (besides its owner).
    pub share_density: f64,
    /// Fraction of the cases owned by the MSSP organisation.
    pub mssp_share: f64,
    pub tasks_per_case: usize,
    pub observables_per_case: usize,
    pub tags_per_case: usize,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            orgs: 100,
            cases: 10_000,
            users: 200,
            share_density: 1.0,
            mssp_share: 0.1,
            tasks_per_case: 1,
            observables_per_case: 1,
            tags_per_case: 1,
            seed: 42,
        }
    }
}

/// What `bulk` made.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub orgs: usize,
    pub users: usize,
    pub cases: usize,
    pub shares: usize,
    pub tasks: usize,
    pub observables: usize,
    pub tags: usize,
}

const BATCH: usize = 1_000;

/// A multi-row insert: diesel builds those per backend, not for the
/// multi-backend connection.
use crate::db::insert_batch as batch;

fn max_id(conn: &mut DbConn, table: &str) -> Result<i64, AppError> {
    #[derive(QueryableByName)]
    struct Max {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        m: i64,
    }
    let q = format!("SELECT COALESCE(MAX(id), 0) AS m FROM {table}");
    Ok(diesel::sql_query(q).get_result::<Max>(conn)?.m)
}

/// Generates the world into an empty (migrated, bootstrapped) database.
/// `progress(done, total)` is called after every batch of cases.
pub fn bulk(
    db: &Db,
    opts: Options,
    mut progress: impl FnMut(usize, usize),
) -> Result<Counts, AppError> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(opts.seed);
    let hash = passwords::hash_now(DEMO_PASSWORD).map_err(err)?;
    let mut counts = Counts::default();
    let n_orgs = opts.orgs.max(2);
    // Organisations, links, users and tags: small, one transaction.
    let (org_ids, org_admin, analyst, read_only) =
        db.write_blocking(|conn| -> Result<_, AppError> {
            let others: i64 = organisations::table
                .filter(organisations::name_key.ne("admin"))
                .count()
                .get_result(conn)?;
            if others > 0 {
                return Err(AppError::conflict(
                    "The database already has organisations: seed a fresh one.",
                ));
            }
            let mut ids = vec![add_org(conn, "soc", "The MSSP")?];
            for i in 1..n_orgs {
                ids.push(add_org(conn, &format!("client-{i:04}"), "A client")?);
            }
            for &client in &ids[1..] {
                link_both(conn, ids[0], client, "default", "default")?;
            }
            let p = (
                profile_id(conn, ORG_ADMIN_PROFILE)?,
                profile_id(conn, ANALYST_PROFILE)?,
                profile_id(conn, READ_ONLY_PROFILE)?,
            );
            Ok((ids, p.0, p.1, p.2))
        })?;
    counts.orgs = org_ids.len();
    db.write_blocking(|conn| -> Result<(), AppError> {
        for u in 0..opts.users.max(1) {
            let org = if u % 5 == 0 {
                org_ids[0]
            } else {
                org_ids[u % org_ids.len()]
            };
            let profile = [org_admin, analyst, analyst, read_only][u % 4];
            add_user(
                conn,
                &format!("user-{u:05}@seed.test"),
                &format!("User {u}"),
                &hash,
                &[(org, profile)],
            )?;
        }
        Ok(())
    })?;
    counts.users = opts.users.max(1);
    // Every organisation's tag names: tag-00 … tag-19.
    let tag_ids: Vec<Vec<i64>> = db.write_blocking(|conn| -> Result<_, AppError> {
        let mut all = Vec::new();
        let now = now_ms();
        for &org in &org_ids {
            let rows: Vec<_> = (0..20)
                .map(|t| {
                    (
                        tags::organisation_id.eq(org),
                        tags::name.eq(format!("tag-{t:02}")),
                        tags::created_by.eq(SEED_ACTOR),
                        tags::created_at.eq(now),
                    )
                })
                .collect();
            batch!(conn, tags::table, &rows);
            all.push(
                tags::table
                    .filter(tags::organisation_id.eq(org))
                    .order(tags::name.asc())
                    .select(tags::id)
                    .load(conn)?,
            );
        }
        Ok(all)
    })?;
    counts.tags = tag_ids.iter().map(Vec::len).sum();

    // Cases, in batches, each batch one transaction.
    let now = now_ms();
    let statuses = [
        "New",
        "InProgress",
        "InProgress",
        "TruePositive",
        "FalsePositive",
    ];
    let mut done = 0;
    while done < opts.cases {
        let n = BATCH.min(opts.cases - done);
        let batch_counts = db.write_blocking(|conn| -> Result<Counts, AppError> {
            let mut c = Counts::default();
            let (case0, share0, task0, obs0) = (
                max_id(conn, "cases")?,
                max_id(conn, "shares")?,
                max_id(conn, "tasks")?,
                max_id(conn, "observables")?,
            );
            let number0: i64 = counters::table
                .find("case_number")
                .select(counters::value)
                .first(conn)?;
            let (mut case_rows, mut share_rows, mut task_rows, mut task_share_rows) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let (mut obs_rows, mut obs_share_rows, mut tag_rows) =
                (Vec::new(), Vec::new(), Vec::new());
            let (mut share_id, mut task_id, mut obs_id) = (share0, task0, obs0);
            for k in 0..n {
                let id = case0 + 1 + k as i64;
                let number = number0 + 1 + k as i64;
                let owner_ix = if rng.gen_bool(opts.mssp_share.clamp(0.0, 1.0)) {
                    0
                } else {
                    rng.gen_range(1..org_ids.len())
                };
                let owner = org_ids[owner_ix];
                let at = now - (opts.cases - done - k) as i64 * 1000;
                let status = statuses[rng.gen_range(0..statuses.len())];
                case_rows.push((
                    cases::id.eq(id),
                    cases::number.eq(number),
                    cases::owner_organisation_id.eq(owner),
                    cases::title.eq(format!(
                        "Case {number}: incident at {}",
                        if owner_ix == 0 {
                            "soc".to_string()
                        } else {
                            format!("client-{owner_ix:04}")
                        }
                    )),
                    cases::description.eq("Generated by tenantry seed."),
                    cases::severity.eq(rng.gen_range(1..=4)),
                    cases::status.eq(status),
                    cases::start_date.eq(at),
                    cases::created_by.eq(SEED_ACTOR),
                    cases::created_at.eq(at),
                ));
                // The owner's share, and maybe one across a link.
                let mut holders = vec![(owner, org_admin, true)];
                let p = opts.share_density.clamp(0.0, 1.0);
                if rng.gen_bool(p) {
                    let other = if owner_ix == 0 {
                        org_ids[rng.gen_range(1..org_ids.len())]
                    } else {
                        org_ids[0]
                    };
                    holders.push((
                        other,
                        if rng.gen_bool(0.5) {
                            analyst
                        } else {
                            read_only
                        },
                        false,
                    ));
                }
                let first_share = share_id + 1;
                for (org, profile, is_owner) in &holders {
                    share_id += 1;
                    share_rows.push((
                        shares::id.eq(share_id),
                        shares::case_id.eq(id),
                        shares::organisation_id.eq(*org),
                        shares::profile_id.eq(*profile),
                        shares::owner.eq(*is_owner),
                        shares::task_rule.eq(ItemRule::All.as_str()),
                        shares::observable_rule.eq(ItemRule::All.as_str()),
                        shares::case_number.eq(number),
                        shares::case_updated_at.eq(at),
                        shares::created_by.eq(SEED_ACTOR),
                        shares::created_at.eq(at),
                    ));
                }
                for t in 0..opts.tasks_per_case {
                    task_id += 1;
                    task_rows.push((
                        tasks::id.eq(task_id),
                        tasks::case_id.eq(id),
                        tasks::title.eq(["Triage", "Contain", "Eradicate", "Recover"][t % 4]),
                        tasks::order_index.eq(t as i32),
                        tasks::created_by.eq(SEED_ACTOR),
                        tasks::created_at.eq(at),
                    ));
                    for s in first_share..=share_id {
                        task_share_rows.push((
                            task_shares::share_id.eq(s),
                            task_shares::task_id.eq(task_id),
                        ));
                    }
                }
                for _ in 0..opts.observables_per_case {
                    obs_id += 1;
                    obs_rows.push((
                        observables::id.eq(obs_id),
                        observables::case_id.eq(Some(id)),
                        observables::data_type.eq("ip"),
                        observables::data.eq(format!(
                            "10.{}.{}.{}",
                            rng.gen_range(0..256),
                            rng.gen_range(0..256),
                            rng.gen_range(1..255)
                        )),
                        observables::created_by.eq(SEED_ACTOR),
                        observables::created_at.eq(at),
                    ));
                    for s in first_share..=share_id {
                        obs_share_rows.push((
                            observable_shares::share_id.eq(s),
                            observable_shares::observable_id.eq(obs_id),
                        ));
                    }
                }
                let owner_tags = &tag_ids[owner_ix];
                let mut chosen: Vec<i64> = (0..opts.tags_per_case)
                    .map(|_| owner_tags[rng.gen_range(0..owner_tags.len())])
                    .collect();
                chosen.sort_unstable();
                chosen.dedup();
                for tag in chosen {
                    tag_rows.push((case_tags::tag_id.eq(tag), case_tags::case_id.eq(id)));
                }
            }
            c.cases = case_rows.len();
            c.shares = share_rows.len();
            c.tasks = task_rows.len();
            c.observables = obs_rows.len();
            batch!(conn, cases::table, case_rows, 500);
            batch!(conn, shares::table, share_rows, 500);
            batch!(conn, tasks::table, task_rows, 500);
            batch!(conn, task_shares::table, task_share_rows, 2000);
            batch!(conn, observables::table, obs_rows, 500);
            batch!(conn, observable_shares::table, obs_share_rows, 2000);
            batch!(conn, case_tags::table, tag_rows, 2000);
            diesel::update(counters::table.find("case_number"))
                .set(counters::value.eq(number0 + n as i64))
                .execute(conn)?;
            Ok(c)
        })?;
        counts.cases += batch_counts.cases;
        counts.shares += batch_counts.shares;
        counts.tasks += batch_counts.tasks;
        counts.observables += batch_counts.observables;
        done += n;
        progress(done, opts.cases);
    }
    // Explicit ids on PostgreSQL: move the identity sequences past them, and
    // give the planner fresh statistics.
    db.write_blocking(|conn| -> Result<(), AppError> {
        if let DbConn::Pg(pg) = conn {
            use diesel::connection::SimpleConnection;
            pg.batch_execute(
                "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT COALESCE(MAX(id), 1) FROM cases));
                 SELECT setval(pg_get_serial_sequence('shares', 'id'), (SELECT COALESCE(MAX(id), 1) FROM shares));
                 SELECT setval(pg_get_serial_sequence('tasks', 'id'), (SELECT COALESCE(MAX(id), 1) FROM tasks));
                 SELECT setval(pg_get_serial_sequence('observables', 'id'), (SELECT COALESCE(MAX(id), 1) FROM observables));",
            )?;
        }
        Ok(())
    })?;
    // Fresh statistics, or the planner guesses from averages (1,000 shares an
    // organisation) and takes the wrong index for the MSSP's 200,000.
    crate::db::analyze(&mut *db.conn()?, true)?;
    Ok(counts)
}
