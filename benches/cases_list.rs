//! `cargo bench --bench cases_list`: the cases list of an organisation that
//! sees N cases (default 10,000; `CASES=`), first page and a deep page by key,
//! over real HTTP on loopback. SQLite by default; `BENCH_DATABASE_URL=postgres://…`
//! for PostgreSQL (an empty database).

use std::time::{Duration, Instant};

use diesel::prelude::*;
use tenantry::config::{DatabaseUrl, Settings};
use tenantry::db::schema::{cases, shares};
use tenantry::db::{self, queries, Db};
use tenantry::service::{bootstrap, passwords};
use tenantry::startup::Application;

const PASSWORD: &str = "bench-password-1";

fn main() -> anyhow::Result<()> {
    let n: i64 = std::env::var("CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
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
            login: "analyst@big.test",
            login_key: "analyst@big.test",
            name: "Analyst",
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
        for i in 1..=n {
            diesel::insert_into(cases::table)
                .values((
                    cases::number.eq(i),
                    cases::owner_organisation_id.eq(org.id),
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
                    shares::organisation_id.eq(org.id),
                    shares::profile_id.eq(profile.id),
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
        url.backend_name(),
        seeding.elapsed().as_secs_f64()
    );
    // The cursor of the page that starts 25 rows before the end.
    let deep: (i64, i64) = shares::table
        .filter(shares::organisation_id.eq(org.id))
        .order((shares::case_updated_at.desc(), shares::case_id.desc()))
        .offset(n - 26)
        .select((shares::case_updated_at, shares::case_id))
        .first(&mut conn)?;
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
    let mut cookie = cookie_of(&form).expect("cookie");
    let body = form.body_mut().read_to_string()?;
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker).expect("token") + marker.len();
    let token = &body[start..start + body[start..].find('"').unwrap()];
    let res = agent
        .post(format!("{base}/login"))
        .header("Cookie", &cookie)
        .send_form([
            ("csrf_token", token),
            ("login", "analyst@big.test"),
            ("password", PASSWORD),
        ])?;
    cookie = cookie_of(&res).expect("session after sign-in");

    let measure = |label: &str, path: &str| -> anyhow::Result<()> {
        let mut times = Vec::new();
        for i in 0..220 {
            let t = Instant::now();
            let mut res = agent
                .get(format!("{base}{path}"))
                .header("Cookie", &cookie)
                .call()?;
            let body = res.body_mut().read_to_string()?;
            let elapsed = t.elapsed();
            assert_eq!(res.status(), 200, "{path}");
            assert!(body.contains("Case "), "{path} shows cases");
            if i >= 20 {
                times.push(elapsed);
            }
        }
        times.sort();
        let pct = |p: usize| times[times.len() * p / 100].as_secs_f64() * 1000.0;
        println!("{label:<28} p50 {:>6.2} ms   p95 {:>6.2} ms   p99 {:>6.2} ms   ({} requests, concurrency 1)", pct(50), pct(95), pct(99), times.len());
        Ok(())
    };
    measure("/cases first page", "/cases")?;
    measure(
        &format!("/cases page {} (by key)", n / 25),
        &format!("/cases?after={}.{}", deep.0, deep.1),
    )?;
    measure("/cases sorted by number", "/cases?sort=number")?;
    Ok(())
}
