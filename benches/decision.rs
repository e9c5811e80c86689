//! `cargo bench --bench decision`: the cost of one permission decision on a
//! seeded world (`DATABASE_URL`, e.g. the one `benches/scale/run` made):
//! loading the organisation's share of a case with the share profile's
//! rights (`cases::visible`, what every case request does first) and then
//! deciding an action (`Visible::can`, pure), for 20,000 random cases of the
//! MSSP organisation `soc`. Prints p50/p95/p99 in microseconds.

use std::time::Instant;

use diesel::prelude::*;
use rand::{Rng, SeedableRng};
use tenantry::config::DatabaseUrl;
use tenantry::db::schema::{organisations, shares};
use tenantry::db::Db;
use tenantry::domain::permissions::ProfileKind;
use tenantry::domain::policy::Acting;
use tenantry::domain::sharing::CaseAction;
use tenantry::service::{cases, By};

fn percentiles(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
    format!(
        "p50 {:.1} µs, p95 {:.1} µs, p99 {:.1} µs",
        at(0.5),
        at(0.95),
        at(0.99)
    )
}

fn main() -> anyhow::Result<()> {
    let Ok(raw) = std::env::var("DATABASE_URL") else {
        println!("decision: set DATABASE_URL to a seeded world (benches/scale/run makes one)");
        return Ok(());
    };
    let url = DatabaseUrl::parse(&raw).map_err(anyhow::Error::msg)?;
    let db = Db::connect(&url, 1)?;
    let mut conn = db.conn()?;
    let soc: i64 = organisations::table
        .filter(organisations::name.eq("soc"))
        .select(organisations::id)
        .first(&mut *conn)?;
    let ids: Vec<i64> = shares::table
        .filter(shares::organisation_id.eq(soc))
        .select(shares::case_id)
        .load(&mut *conn)?;
    let by = By {
        login: "bench",
        user_id: 0,
        acting: Acting {
            organisation_id: soc,
            kind: ProfileKind::Organisation,
            permissions: ProfileKind::Organisation.scope(),
        },
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let (mut load, mut decide, mut allowed) = (Vec::new(), Vec::new(), 0);
    for i in 0..22_000 {
        let id = ids[rng.gen_range(0..ids.len())];
        let t = Instant::now();
        let v = cases::visible(&mut conn, soc, id)?;
        let loaded = t.elapsed();
        let t = Instant::now();
        let ok = std::hint::black_box(v.can(&by, CaseAction::Update))
            & std::hint::black_box(v.can(&by, CaseAction::Share));
        let decided = t.elapsed();
        if i >= 2_000 {
            load.push(loaded.as_secs_f64() * 1e6);
            decide.push(decided.as_secs_f64() * 1e6);
            allowed += ok as usize;
        }
    }
    println!(
        "{} backend, soc sees {} cases; 20,000 decisions ({allowed} allowed)",
        url.backend_name(),
        ids.len()
    );
    println!("load the share and its profile: {}", percentiles(load));
    println!("decide (two actions, pure):     {}", percentiles(decide));
    Ok(())
}
