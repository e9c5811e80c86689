//! Test support: a real Tenantry server on a fresh database per test (SQLite
//! file, or a PostgreSQL schema when `TEST_DATABASE_URL` is set), and a small
//! HTTP client that keeps the session cookie by hand so tests can replay old
//! cookies.

use std::sync::mpsc;
use std::sync::Once;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use tenantry::config::{DatabaseUrl, Settings};
use tenantry::db::models::{NewMembership, NewOrganisation, NewUser};
use tenantry::db::{self, now_ms, queries, Db};
use tenantry::domain::names::{name_key, ADMIN_ORGANISATION};
use tenantry::service::{bootstrap, passwords};
use tenantry::startup::Application;

pub const ADMIN_LOGIN: &str = "admin@tenantry.local";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends this run covers: SQLite always, PostgreSQL when
/// `TEST_DATABASE_URL` names a server.
pub fn backends() -> Vec<Backend> {
    static NOTE: Once = Once::new();
    let mut list = vec![Backend::Sqlite];
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        list.push(Backend::Postgres);
    } else {
        NOTE.call_once(|| {
            eprintln!(
                "note: TEST_DATABASE_URL is not set; PostgreSQL runs of these tests are skipped"
            )
        });
    }
    list
}

/// Runs `test` once per backend, each time on a fresh database and server.
pub fn each_backend(test: impl Fn(&TestApp)) {
    for backend in backends() {
        let app = TestApp::spawn(backend);
        test(&app);
    }
}

/// A fresh, migrated database of one backend.
pub struct TestDb {
    pub url: DatabaseUrl,
    pub db: Db,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("tenantry.db");
                let url = DatabaseUrl::Sqlite(path.to_string_lossy().into_owned());
                let db = Db::connect(&url, 4).expect("sqlite pool");
                TestDb {
                    url,
                    db,
                    cleanup: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let base = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
                let schema = format!("t_{:016x}", rand::random::<u64>());
                let mut admin =
                    PgConnection::establish(&base).expect("connect to TEST_DATABASE_URL");
                admin
                    .batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("create test schema");
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = DatabaseUrl::Postgres(format!(
                    "{base}{sep}options=-c%20search_path%3D{schema}"
                ));
                let db = Db::connect(&url, 4).expect("postgres pool");
                TestDb {
                    url,
                    db,
                    cleanup: Some((base, schema)),
                    _dir: None,
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = self.cleanup.take() {
            if let Ok(mut conn) = PgConnection::establish(&base) {
                let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

/// A running server on 127.0.0.1 with a first admin whose password is known.
pub struct TestApp {
    pub backend: Backend,
    pub base_url: String,
    pub admin_org: i64,
    handle: ServerHandle,
    pub store: TestDb,
    key: Vec<u8>,
}

/// Starts a server on the test database in its own thread and runtime.
fn start_server(
    store: &TestDb,
    key: &[u8],
    adjust: impl FnOnce(&mut Settings),
) -> (u16, ServerHandle) {
    let mut settings = Settings::new(store.url.clone());
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.workers = 2;
    adjust(&mut settings);
    let db = store.db.clone();
    let key = key.to_vec();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(settings, db, &key).expect("server");
            tx.send((app.port(), app.handle())).unwrap();
            app.run_until_stopped().await
        })
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("server start")
}

impl TestApp {
    pub fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {})
    }

    pub fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let store = TestDb::new(backend);
        let mut conn = store.db.conn().expect("connection");
        db::migrate(&mut conn).expect("migrations");
        let report = bootstrap::ensure_initial_data(&mut conn, ADMIN_LOGIN, Some(ADMIN_PASSWORD))
            .expect("first start data");
        let admin_org = queries::organisation_by_key(&mut conn, ADMIN_ORGANISATION)
            .unwrap()
            .unwrap()
            .id;
        drop(conn);
        let key = report.cookie_key.clone();
        let (port, handle) = start_server(&store, &key, adjust);
        TestApp {
            backend,
            base_url: format!("http://127.0.0.1:{port}"),
            admin_org,
            handle,
            store,
            key,
        }
    }

    /// Stops the server and starts a new one on the same database (a
    /// restart); the base URL changes.
    pub fn restart_with(&mut self, adjust: impl FnOnce(&mut Settings)) {
        let handle = self.handle.clone();
        actix_web::rt::System::new().block_on(handle.stop(true));
        let (port, handle) = start_server(&self.store, &self.key, adjust);
        self.handle = handle;
        self.base_url = format!("http://127.0.0.1:{port}");
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base_url)
    }

    pub fn conn(&self) -> diesel::r2d2::PooledConnection<db::Manager> {
        self.store.db.conn().expect("connection")
    }

    /// Creates an organisation directly in the database.
    pub fn create_org(&self, name: &str) -> i64 {
        let mut conn = self.conn();
        queries::insert_organisation(
            &mut conn,
            &NewOrganisation {
                name,
                name_key: &name_key(name),
                description: "",
                created_by: "test",
                created_at: now_ms(),
            },
        )
        .expect("organisation")
        .id
    }

    /// Creates a user with `password`, a member of each `(organisation,
    /// profile)`; the first organisation is the default one.
    pub fn create_user(&self, login: &str, password: &str, memberships: &[(i64, &str)]) -> i64 {
        let hash = passwords::hash_now(password).unwrap();
        let mut conn = self.conn();
        let user = queries::insert_user(
            &mut conn,
            &NewUser {
                login,
                login_key: &name_key(login),
                name: login.split('@').next().unwrap(),
                email: Some(login),
                password_hash: Some(&hash),
                default_organisation_id: memberships.first().map(|m| m.0),
                created_by: "test",
                created_at: now_ms(),
            },
        )
        .expect("user");
        for (org, profile) in memberships {
            self.add_member(user.id, *org, profile);
        }
        user.id
    }

    pub fn add_member(&self, user: i64, org: i64, profile: &str) {
        let mut conn = self.conn();
        let profile = queries::profile_by_name(&mut conn, profile)
            .unwrap()
            .expect("profile");
        queries::insert_membership(
            &mut conn,
            &NewMembership {
                user_id: user,
                organisation_id: org,
                profile_id: profile.id,
                created_by: "test",
                created_at: now_ms(),
            },
        )
        .expect("membership");
    }

    /// Ids of the stored sessions (to see renewals and revocations).
    pub fn session_ids(&self) -> Vec<String> {
        use tenantry::db::schema::sessions;
        sessions::table
            .select(sessions::id)
            .order(sessions::id)
            .load(&mut *self.conn())
            .unwrap()
    }

    /// Signs in through the form; panics unless it succeeds.
    pub fn signed_in(&self, login: &str, password: &str) -> Client {
        let mut client = self.client();
        let res = client.sign_in(login, password);
        assert_eq!(res.status, 303, "sign-in of {login} failed: {}", res.body);
        client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::System::new().block_on(handle.stop(false));
    }
}

/// Another instance in its own process: the real `tenantry` binary on the
/// same database, sharing no memory with the test's server; killed on drop.
pub struct Instance {
    child: std::process::Child,
    pub base_url: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestApp {
    /// Starts `tenantry --bind 127.0.0.1:<free port> <args>` on this database
    /// and waits until it answers.
    pub fn another_process(&self, args: &[&str]) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = match &self.store.url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{path}"),
            DatabaseUrl::Postgres(url) => url.clone(),
        };
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_tenantry"))
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .args(args)
            .env("DATABASE_URL", url)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start the tenantry binary");
        let instance = Instance {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..600 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && Client::new(&instance.base_url).get("/api/status").status == 200
            {
                return instance;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the second instance did not start");
    }
}

/// A plain HTTP response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The CSRF token of the page's first form.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("page has a CSRF field") + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A browser-like client: one cookie, no redirects followed.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    pub cookie: Option<String>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Client {
            agent,
            base: base.to_string(),
            cookie: None,
        }
    }

    fn keep_cookie(&mut self, res: &ureq::http::Response<ureq::Body>) {
        for value in res.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap_or_default();
            let pair = value.split(';').next().unwrap_or_default();
            if let Some((name, v)) = pair.split_once('=') {
                if name == tenantry::startup::SESSION_COOKIE {
                    self.cookie = if v.is_empty() {
                        None
                    } else {
                        Some(pair.to_string())
                    };
                }
            }
        }
    }

    fn finish(
        &mut self,
        method: &str,
        path: &str,
        res: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Resp {
        let mut res = res.unwrap_or_else(|e| panic!("HTTP request {method} {path}: {e}"));
        self.keep_cookie(&res);
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        Resp {
            status: res.status().as_u16(),
            headers,
            body: res.body_mut().read_to_string().unwrap_or_default(),
        }
    }

    pub fn get(&mut self, path: &str) -> Resp {
        self.get_with(path, &[])
    }

    pub fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.call();
        self.finish("GET", path, res)
    }

    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.post_form_with(path, fields, &[])
    }

    pub fn post_form_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.agent.post(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send_form(fields.iter().copied());
        self.finish("POST", path, res)
    }

    /// A PUT or DELETE with a raw body and extra headers.
    pub fn send_raw(
        &mut self,
        method: &str,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = format!("{}{path}", self.base);
        let cookie = self.cookie.clone();
        let res = match method {
            "PUT" | "PATCH" => {
                let mut req = if method == "PUT" {
                    self.agent.put(url)
                } else {
                    self.agent.patch(url)
                };
                if let Some(c) = &cookie {
                    req = req.header("Cookie", c);
                }
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                req.send(body)
            }
            _ => {
                let mut req = self.agent.delete(url);
                if let Some(c) = &cookie {
                    req = req.header("Cookie", c);
                }
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                req.call()
            }
        };
        self.finish(method, path, res)
    }

    /// A raw POST (e.g. a JSON body) with extra headers.
    pub fn post_raw(&mut self, path: &str, body: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = self.agent.post(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send(body);
        self.finish("POST", path, res)
    }

    /// Loads the sign-in form and posts it.
    pub fn sign_in(&mut self, login: &str, password: &str) -> Resp {
        let form = self.get("/login");
        assert_eq!(form.status, 200);
        let token = form.csrf();
        self.post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("login", login),
                ("password", password),
                ("next", "/"),
            ],
        )
    }

    /// The CSRF token of the signed-in home page.
    pub fn token(&mut self) -> String {
        self.get("/").csrf()
    }

    /// Name of the organisation selected in the header switcher.
    pub fn active_organisation(&mut self) -> Option<String> {
        let page = self.get("/");
        active_option(&page.body)
    }
}

/// The selected `<option>` of the organisation switcher in a page.
pub fn active_option(body: &str) -> Option<String> {
    let start = body.find("id=\"organisation-switcher\"")?;
    let rest = &body[start..];
    let sel = rest.find(" selected>")?;
    let after = &rest[sel + " selected>".len()..];
    Some(after[..after.find('<')?].to_string())
}

/// The organisations listed in the switcher, in order.
pub fn switcher_options(body: &str) -> Vec<String> {
    let Some(start) = body.find("id=\"organisation-switcher\"") else {
        return vec![];
    };
    let end = body[start..]
        .find("</select>")
        .map_or(body.len(), |e| e + start);
    body[start..end]
        .split("<option")
        .skip(1)
        .filter_map(|o| {
            let text = &o[o.find('>')? + 1..];
            Some(text[..text.find('<')?].to_string())
        })
        .collect()
}
