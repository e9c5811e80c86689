//! What the benches share: a fresh database with one organisation and one
//! org-admin, and a signed-in HTTP client against a real server.

use std::time::{Duration, Instant};

use tenantry::config::{DatabaseUrl, Settings};
use tenantry::db::{self, queries, Db};
use tenantry::service::{bootstrap, passwords};
use tenantry::startup::Application;

pub const PASSWORD: &str = "bench-password-1";

/// The seeded world: its database, cookie key, organisation and profile ids.
pub struct World {
    pub url: DatabaseUrl,
    pub db: Db,
    pub cookie_key: Vec<u8>,
    pub org: i64,
    pub profile: i64,
    _dir: tempfile::TempDir,
}

/// SQLite in a temporary folder, or `BENCH_DATABASE_URL` (an empty database);
/// migrated, with organisation "big" and `login` as its org-admin.
pub fn world(login: &str) -> anyhow::Result<World> {
    let dir = tempfile::tempdir()?;
    let url = match std::env::var("BENCH_DATABASE_URL") {
        Ok(u) => DatabaseUrl::parse(&u).map_err(anyhow::Error::msg)?,
        Err(_) => DatabaseUrl::Sqlite(dir.path().join("bench.db").to_string_lossy().into_owned()),
    };
    let db = Db::connect(&url, 8)?;
    let mut conn = db.conn()?;
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
            login,
            login_key: login,
            name: "Bench",
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
    Ok(World {
        url,
        db,
        cookie_key: report.cookie_key,
        org: org.id,
        profile: profile.id,
        _dir: dir,
    })
}

/// A signed-in client of a server started on the world.
pub struct Session {
    pub agent: ureq::Agent,
    pub base: String,
    pub cookie: String,
}

pub fn serve_and_sign_in(world: &World, login: &str) -> anyhow::Result<Session> {
    let mut settings = Settings::new(world.url.clone());
    settings.bind = "127.0.0.1:0".parse()?;
    let (tx, rx) = std::sync::mpsc::channel();
    let (db, key) = (world.db.clone(), world.cookie_key.clone());
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(settings, db, &key).expect("server");
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
            ("login", login),
            ("password", PASSWORD),
        ])?;
    let cookie = cookie_of(&res).expect("session after sign-in");
    Ok(Session {
        agent,
        base,
        cookie,
    })
}

impl Session {
    /// Times `rounds` GETs of `path` after `warm_up` untimed ones; checks each
    /// answers 200 with `expect` in the body; prints p50/p95/p99.
    pub fn measure(
        &self,
        label: &str,
        path: &str,
        expect: &str,
        warm_up: usize,
        rounds: usize,
    ) -> anyhow::Result<()> {
        let mut times = Vec::new();
        for i in 0..warm_up + rounds {
            let t = Instant::now();
            let mut res = self
                .agent
                .get(format!("{}{path}", self.base))
                .header("Cookie", &self.cookie)
                .call()?;
            let body = res.body_mut().read_to_string()?;
            let elapsed = t.elapsed();
            assert_eq!(res.status(), 200, "{path}");
            assert!(body.contains(expect), "{path} shows {expect:?}");
            if i >= warm_up {
                times.push(elapsed);
            }
        }
        times.sort();
        let pct = |p: usize| times[times.len() * p / 100].as_secs_f64() * 1000.0;
        println!(
            "{label:<32} p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms   ({} requests, concurrency 1)",
            pct(50),
            pct(95),
            pct(99),
            times.len()
        );
        Ok(())
    }
}
