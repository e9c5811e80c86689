//! `cargo bench --bench tags_page`: the Custom tags page of an organisation
//! with 1,000 tags over 100,000 tagged cases (`TAGS=`, `OBJECTS=`), rendered
//! over HTTP on loopback, sorted by name and by usage. SQLite by default;
//! `BENCH_DATABASE_URL=postgres://…` (an empty database) for PostgreSQL.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use tenantry::config::{DatabaseUrl, Settings};
use tenantry::db::schema::{case_tags, cases, shares, tags};
use tenantry::db::{self, queries, Db};
use tenantry::service::{bootstrap, passwords};
use tenantry::startup::Application;

const PASSWORD: &str = "bench-password-1";

fn env_or(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let (n_tags, n_objects) = (env_or("TAGS", 1_000), env_or("OBJECTS", 100_000));
    let dir = tempfile::tempdir()?;
    let url = match std::env::var("BENCH_DATABASE_URL") {
        Ok(u) => DatabaseUrl::parse(&u).map_err(anyhow::Error::msg)?,
        Err(_) => DatabaseUrl::Sqlite(dir.path().join("bench.db").to_string_lossy().into_owned()),
    };
    let store = Db::connect(&url, 8)?;
    let mut conn = store.conn()?;
    db::migrate(&mut conn)?;
    let report = bootstrap::ensure_initial_data(&mut conn, "admin@tenantry.local", Some(PASSWORD))?;
    let org = queries::insert_organisation(
        &mut conn,
        &tenantry::db::models::NewOrganisation {
            name: "big",
            name_key: "big",
            description: "",
            created_by: "bench",
            created_at: 0,
        },
    )?;
    let hash = passwords::hash_now(PASSWORD)?;
    let user = queries::insert_user(
        &mut conn,
        &tenantry::db::models::NewUser {
            login: "admin@big.test",
            login_key: "admin@big.test",
            name: "Admin",
            email: None,
            password_hash: Some(&hash),
            default_organisation_id: Some(org.id),
            created_by: "bench",
            created_at: 0,
        },
    )?;
    let profile = queries::profile_by_name(&mut conn, "org-admin")?.expect("profile");
    queries::insert_membership(
        &mut conn,
        &tenantry::db::models::NewMembership {
            user_id: user.id,
            organisation_id: org.id,
            profile_id: profile.id,
            created_by: "bench",
            created_at: 0,
        },
    )?;
    let seeding = Instant::now();
    db::write(&mut conn, |c| -> Result<(), tenantry::error::AppError> {
        let mut tag_ids = Vec::new();
        for i in 0..n_tags {
            diesel::insert_into(tags::table)
                .values((
                    tags::organisation_id.eq(org.id),
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
                    cases::owner_organisation_id.eq(org.id),
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
                    shares::organisation_id.eq(org.id),
                    shares::profile_id.eq(profile.id),
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
        url.backend_name(),
        seeding.elapsed().as_secs_f64()
    );
    drop(conn);

    let mut settings = Settings::new(url);
    settings.bind = "127.0.0.1:0".parse()?;
    let (tx, rx) = std::sync::mpsc::channel();
    let key = report.cookie_key.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(settings, store, &key).expect("server");
            tx.send(app.port()).unwrap();
            app.run_until_stopped().await
        })
    });
    let base = format!(
        "http://127.0.0.1:{}",
        rx.recv_timeout(Duration::from_secs(30))?
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let cookie_of = |res: &ureq::http::Response<ureq::Body>| {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("tenantry_session="))
            .and_then(|v| v.split(';').next())
            .map(str::to_string)
    };
    let mut form = agent.get(format!("{base}/login")).call()?;
    let cookie = cookie_of(&form).expect("cookie");
    let body = form.body_mut().read_to_string()?;
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker).expect("token") + marker.len();
    let token = &body[start..start + body[start..].find('"').unwrap()];
    let res = agent
        .post(format!("{base}/login"))
        .header("Cookie", &cookie)
        .send_form([
            ("csrf_token", token),
            ("login", "admin@big.test"),
            ("password", PASSWORD),
        ])?;
    let cookie = cookie_of(&res).expect("session after sign-in");
    for (label, path) in [
        ("/organisation/tags by name", "/organisation/tags"),
        (
            "/organisation/tags by cases",
            "/organisation/tags?sort=cases",
        ),
    ] {
        let mut times = Vec::new();
        for i in 0..55 {
            let t = Instant::now();
            let mut res = agent
                .get(format!("{base}{path}"))
                .header("Cookie", &cookie)
                .call()?;
            let body = res.body_mut().read_to_string()?;
            let elapsed = t.elapsed();
            assert_eq!(res.status(), 200);
            assert!(body.contains(&format!("List of custom tags ({n_tags})")));
            if i >= 5 {
                times.push(elapsed);
            }
        }
        times.sort();
        let pct = |p: usize| times[times.len() * p / 100].as_secs_f64() * 1000.0;
        println!(
            "{label:<30} p50 {:>7.2} ms   p95 {:>7.2} ms   ({} requests, concurrency 1)",
            pct(50),
            pct(95),
            times.len()
        );
    }
    Ok(())
}
