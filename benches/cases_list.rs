//! `cargo bench --bench cases_list`: the cases list of an organisation that
//! sees N cases (default 10,000; `CASES=`), first page and a deep page by key,
//! over real HTTP on loopback. SQLite by default; `BENCH_DATABASE_URL=postgres://…`
//! for PostgreSQL (an empty database).

mod common;

use std::time::Instant;

use diesel::prelude::*;
use tenantry::db;
use tenantry::db::schema::{cases, shares};

fn main() -> anyhow::Result<()> {
    let n: i64 = std::env::var("CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let world = common::world("analyst@big.test")?;
    let mut conn = world.db.conn()?;
    let seeding = Instant::now();
    db::write(&mut conn, |c| -> Result<(), tenantry::error::AppError> {
        for i in 1..=n {
            diesel::insert_into(cases::table)
                .values((
                    cases::number.eq(i),
                    cases::owner_organisation_id.eq(world.org),
                    cases::title.eq(format!("Case {i}")),
                    cases::start_date.eq(i),
                    cases::created_by.eq("bench"),
                    cases::created_at.eq(i * 1000),
                ))
                .execute(c)?;
            let id = db::last_insert_id(c)?;
            diesel::insert_into(shares::table)
                .values((
                    shares::case_id.eq(id),
                    shares::organisation_id.eq(world.org),
                    shares::profile_id.eq(world.profile),
                    shares::owner.eq(true),
                    shares::case_number.eq(i),
                    shares::case_updated_at.eq(i * 1000),
                    shares::created_by.eq("bench"),
                    shares::created_at.eq(i * 1000),
                ))
                .execute(c)?;
        }
        Ok(())
    })?;
    println!(
        "{} backend, seeded {n} cases in {:.1} s",
        world.url.backend_name(),
        seeding.elapsed().as_secs_f64()
    );
    // The cursor of the page that starts 25 rows before the end.
    let deep: (i64, i64) = shares::table
        .filter(shares::organisation_id.eq(world.org))
        .order((shares::case_updated_at.desc(), shares::case_id.desc()))
        .offset(n - 26)
        .select((shares::case_updated_at, shares::case_id))
        .first(&mut conn)?;
    drop(conn);
    let session = common::serve_and_sign_in(&world, "analyst@big.test")?;
    session.measure("/cases first page", "/cases", "Case ", 20, 200)?;
    session.measure(
        &format!("/cases page {} (by key)", n / 25),
        &format!("/cases?after={}.{}", deep.0, deep.1),
        "Case ",
        20,
        200,
    )?;
    session.measure(
        "/cases sorted by number",
        "/cases?sort=number",
        "Case ",
        20,
        200,
    )?;
    Ok(())
}
