//! `cargo bench --bench tags_page`: the Custom tags page of an organisation
//! with 1,000 tags over 100,000 tagged cases (`TAGS=`, `OBJECTS=`), rendered
//! over HTTP on loopback, sorted by name and by usage. SQLite by default;
//! `BENCH_DATABASE_URL=postgres://…` (an empty database) for PostgreSQL.

mod common;

use std::time::Instant;

use diesel::prelude::*;
use tenantry::db;
use tenantry::db::schema::{case_tags, cases, shares, tags};

fn env_or(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let (n_tags, n_objects) = (env_or("TAGS", 1_000), env_or("OBJECTS", 100_000));
    let world = common::world("admin@big.test")?;
    let mut conn = world.db.conn()?;
    let seeding = Instant::now();
    db::write(&mut conn, |c| -> Result<(), tenantry::error::AppError> {
        let mut tag_ids = Vec::new();
        for i in 0..n_tags {
            diesel::insert_into(tags::table)
                .values((
                    tags::organisation_id.eq(world.org),
                    tags::name.eq(format!("tag-{i:04}")),
                    tags::created_by.eq("bench"),
                    tags::created_at.eq(i),
                ))
                .execute(c)?;
            tag_ids.push(db::last_insert_id(c)?);
        }
        for i in 1..=n_objects {
            diesel::insert_into(cases::table)
                .values((
                    cases::number.eq(i),
                    cases::owner_organisation_id.eq(world.org),
                    cases::title.eq(format!("Case {i}")),
                    cases::start_date.eq(i),
                    cases::created_by.eq("bench"),
                    cases::created_at.eq(i),
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
                    shares::case_updated_at.eq(i),
                    shares::created_by.eq("bench"),
                    shares::created_at.eq(i),
                ))
                .execute(c)?;
            let tag = tag_ids[(i as usize) % tag_ids.len()];
            diesel::insert_into(case_tags::table)
                .values((case_tags::tag_id.eq(tag), case_tags::case_id.eq(id)))
                .execute(c)?;
        }
        Ok(())
    })?;
    if let db::DbConn::Pg(c) = &mut *conn {
        diesel::connection::SimpleConnection::batch_execute(c, "ANALYZE")?;
    }
    println!(
        "{} backend, seeded {n_tags} tags over {n_objects} tagged cases in {:.1} s",
        world.url.backend_name(),
        seeding.elapsed().as_secs_f64()
    );
    drop(conn);
    let session = common::serve_and_sign_in(&world, "admin@big.test")?;
    let expect = format!("List of custom tags ({n_tags})");
    session.measure(
        "/organisation/tags by name",
        "/organisation/tags",
        &expect,
        5,
        50,
    )?;
    session.measure(
        "/organisation/tags by cases",
        "/organisation/tags?sort=cases",
        &expect,
        5,
        50,
    )?;
    Ok(())
}
