//! Webhooks: the outbox is written (and rolled back) with the change; the
//! worker delivers to a real HTTP receiver started here — signature,
//! retries after a 500, giving up, no duplicate after a restart — and every
//! organisation receives only what it can see, in the shape n8n reads.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{json, Value};
use tenantry::db::schema::webhook_deliveries;
use tenantry::domain::permissions::ProfileKind;
use tenantry::domain::policy::Acting;
use tenantry::service::{cases, webhooks, By};

use crate::support::*;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A local HTTP receiver: answers each request with the next status of
/// `script` (then 200), and keeps what it got.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(script: Vec<u16>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let keep = got.clone();
        std::thread::spawn(move || {
            let mut script = script.into_iter();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                let mut headers = Vec::new();
                let mut length = 0;
                loop {
                    let mut h = String::new();
                    reader.read_line(&mut h).unwrap();
                    let h = h.trim_end();
                    if h.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        if k.eq_ignore_ascii_case("content-length") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        headers.push((k.trim().to_string(), v.trim().to_string()));
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                keep.lock().unwrap().push(Received {
                    path,
                    headers,
                    body,
                });
                let status = script.next().unwrap_or(200);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                );
            }
        });
        Receiver { port, got }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived (or fails after 20 s).
    fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {n} requests, got {}",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn by(org: i64) -> By<'static> {
    By {
        login: "sam@soc.test",
        user_id: 0,
        acting: Acting {
            organisation_id: org,
            kind: ProfileKind::Organisation,
            permissions: ProfileKind::Organisation.scope(),
        },
    }
}

fn hook(app: &TestApp, org: i64, name: &str, url: &str, secret: &str, actions: &str) -> i64 {
    webhooks::create(
        &mut app.conn(),
        &by(org),
        &webhooks::WebhookInput {
            name: name.into(),
            url: url.into(),
            secret: secret.into(),
            actions: actions.into(),
            object_types: String::new(),
        },
        1,
    )
    .unwrap()
    .id
}

fn deliveries_of(app: &TestApp, hook: i64) -> Vec<(String, i32, Option<i32>)> {
    webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(hook))
        .order(webhook_deliveries::id.asc())
        .select((
            webhook_deliveries::status,
            webhook_deliveries::attempts,
            webhook_deliveries::response_code,
        ))
        .load(&mut *app.conn())
        .unwrap()
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "waited for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_outbox_is_written_and_rolled_back_with_the_change() {
    each_backend(|app| {
        let soc = app.create_org("soc");
        // Nothing listens there and the worker is far too slow to matter:
        // only the rows are looked at.
        let h = hook(app, soc, "n8n", "http://127.0.0.1:9/none", "", "createCase");
        let count = |app: &TestApp| deliveries_of(app, h).len();
        let db = app.store.db.clone();
        let made = tenantry::db::write(&mut db.conn().unwrap(), |conn| {
            cases::create(
                conn,
                &by(soc),
                cases::NewCase {
                    title: "kept".into(),
                    ..Default::default()
                },
            )
        });
        assert!(made.is_ok());
        assert_eq!(count(app), 1, "one delivery, written with the case");
        let failed: Result<(), tenantry::error::AppError> =
            tenantry::db::write(&mut db.conn().unwrap(), |conn| {
                cases::create(
                    conn,
                    &by(soc),
                    cases::NewCase {
                        title: "gone".into(),
                        ..Default::default()
                    },
                )?;
                Err(tenantry::error::AppError::bad_request("changed my mind"))
            });
        assert!(failed.is_err());
        assert_eq!(count(app), 1, "the rolled-back case left no delivery");
        // The action filter: an update is not delivered to a createCase-only endpoint.
        let id = made.unwrap().case.id;
        cases::update(
            &mut app.conn(),
            &by(soc),
            id,
            cases::CasePatch {
                title: Some("x".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(count(app), 1);
    });
}

#[test]
fn the_worker_delivers_signs_retries_gives_up_and_keeps_organisations_apart() {
    for backend in backends() {
        let mut app = TestApp::spawn_with(backend, |s| {
            s.webhooks.backoff_ms = 50;
            s.webhooks.max_attempts = 3;
            s.webhook_poll = Duration::from_millis(20);
        });
        let w = crate::cases::world(&app);
        // soc's endpoint fails once, then takes everything.
        let soc_rx = Receiver::start(vec![500]);
        let acme_rx = Receiver::start(vec![]);
        let globex_rx = Receiver::start(vec![]);
        let broken_rx = Receiver::start(vec![500; 100]);
        let soc_hook = hook(
            &app,
            w.soc,
            "soc-n8n",
            &soc_rx.url("/webhook/soc"),
            "s3cret",
            "",
        );
        let acme_hook = hook(
            &app,
            w.acme,
            "acme-n8n",
            &acme_rx.url("/webhook/acme"),
            "",
            "",
        );
        hook(
            &app,
            w.globex,
            "globex-n8n",
            &globex_rx.url("/webhook/globex"),
            "",
            "",
        );
        let broken = hook(
            &app,
            w.soc,
            "broken",
            &broken_rx.url("/down"),
            "",
            "createCase",
        );

        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let private = crate::cases::new_case(&mut sam, "soc only");
        let shared = crate::cases::new_case(&mut sam, "for acme");
        let r = crate::cases::post(
            &mut sam,
            &format!("/cases/{shared}/shares"),
            &[
                ("organisation", &w.acme.to_string()),
                ("profile", "read-only"),
                ("task_rule", "all"),
                ("observable_rule", "all"),
            ],
        );
        assert!(r.status < 400, "{}", r.body);
        let r = crate::cases::post(
            &mut sam,
            &format!("/cases/{shared}"),
            &[
                ("title", "for acme"),
                ("severity", "3"),
                ("status", "InProgress"),
                ("tags", ""),
            ],
        );
        assert!(r.status < 400, "{}", r.body);

        // soc: every event; the first try got a 500 and was retried.
        wait_until("soc's deliveries", || {
            let d = deliveries_of(&app, soc_hook);
            d.len() >= 4 && d.iter().all(|d| d.0 == "delivered")
        });
        assert_eq!(
            deliveries_of(&app, soc_hook)[0],
            ("delivered".into(), 2, Some(200))
        );
        let got = soc_rx.received();
        let first = &got[0];
        let request = first.json()["requestId"].clone();
        let again: Vec<&Received> = got
            .iter()
            .filter(|r| r.json()["requestId"] == request)
            .collect();
        assert_eq!(again.len(), 2, "one failed try, one retry");
        assert_eq!(
            again[0].body, again[1].body,
            "the retry sends the same notification"
        );
        let body = first.json();
        assert_eq!(first.path, "/webhook/soc");
        assert_eq!(
            first.header("x-tenantry-signature").unwrap(),
            tenantry::web::webhook_worker::signature("s3cret", &first.body),
            "signed with the secret"
        );
        // What n8n's TheHive 5 trigger reads: action + objectType (event case_create), object.
        assert_eq!(
            (body["action"].as_str(), body["objectType"].as_str()),
            (Some("create"), Some("Case"))
        );
        assert_eq!(body["operation"], "Creation");
        assert_eq!(body["object"]["title"], "soc only");
        assert_eq!(body["object"]["_type"], "Case");
        assert_eq!(body["organisation"], "soc");
        assert_eq!(body["organisationId"], format!("~{}", w.soc));
        assert_eq!(body["objectId"], format!("~{private}"));
        assert_eq!(body["rootId"], format!("~{private}"));
        for field in [
            "details",
            "base",
            "startDate",
            "requestId",
            "_createdAt",
            "_createdBy",
        ] {
            assert!(!body[field].is_null(), "{field} in {body}");
        }

        // acme: the shared case's events from the share on, never soc's private case.
        wait_until("acme's deliveries", || {
            let d = deliveries_of(&app, acme_hook);
            d.len() >= 2 && d.iter().all(|d| d.0 == "delivered")
        });
        let acme_got_all = acme_rx.received();
        assert_eq!(acme_got_all.len(), deliveries_of(&app, acme_hook).len());
        for r in &acme_got_all {
            let b = r.json();
            assert_eq!(b["rootId"], format!("~{shared}"), "{b}");
            assert_eq!(b["organisation"], "acme");
            assert_eq!(
                b["object"]["userPermissions"],
                json!([]),
                "rendered with acme's rights"
            );
        }
        assert!(acme_got_all
            .iter()
            .any(|r| r.json()["object"]["status"] == "InProgress"));
        assert!(globex_rx.received().is_empty(), "globex sees nothing");

        // Giving up after max_attempts, then Retry from the screen.
        wait_until("the broken endpoint's give-up", || {
            let d = deliveries_of(&app, broken);
            d.len() == 2
                && d.iter()
                    .all(|d| d.0 == "failed" && d.1 == 3 && d.2 == Some(500))
        });
        assert_eq!(
            broken_rx.received().len(),
            6,
            "three attempts each, then nothing"
        );
        let page = sam.get("/organisation/settings");
        assert!(
            page.body.contains("HTTP 500"),
            "the delivery log shows the error"
        );
        let failed: i64 = webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(broken))
            .select(webhook_deliveries::id)
            .first(&mut *app.conn())
            .unwrap();
        let r = crate::cases::post(
            &mut sam,
            &format!("/organisation/settings/deliveries/{failed}/retry"),
            &[],
        );
        assert_eq!(r.status, 303);
        wait_until("the retried delivery", || broken_rx.received().len() == 9);

        // A restart sends nothing twice to the healthy endpoint.
        let before = soc_rx.received().len();
        app.restart_with(|s| {
            s.webhooks.backoff_ms = 50;
            s.webhook_poll = Duration::from_millis(20);
        });
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        crate::cases::new_case(&mut sam, "after restart");
        let got = soc_rx.wait_for(before + 1);
        assert!(got[before..]
            .iter()
            .any(|r| r.json()["object"]["title"] == "after restart"));
        wait_until("soc's deliveries after the restart", || {
            deliveries_of(&app, soc_hook)
                .iter()
                .all(|d| d.0 == "delivered")
        });
        std::thread::sleep(Duration::from_millis(300));
        let mut ids: Vec<String> = soc_rx
            .received()
            .iter()
            .map(|r| r.json()["requestId"].to_string())
            .collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            n - 1,
            "no notification twice but the one retried after its 500"
        );
        assert_eq!(n - 1, deliveries_of(&app, soc_hook).len());

        // The test event from the screen.
        let r = crate::cases::post(
            &mut sam,
            &format!("/organisation/settings/webhooks/{soc_hook}/test"),
            &[],
        );
        assert_eq!(r.status, 303);
        let got = soc_rx.wait_for(n + 1);
        assert_eq!(got.last().unwrap().json()["tenantryAction"], "test");
    }
}

#[test]
fn webhook_settings_refuse_bad_urls_and_this_server() {
    each_backend(|app| {
        crate::cases::world(app);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let own = app.base_url.rsplit(':').next().unwrap().to_string();
        for (url, message) in [
            (
                "ftp://x.example/".to_string(),
                "must start with http:// or https://",
            ),
            (
                format!("http://127.0.0.1:{own}/api/v1/case"),
                "points at this server",
            ),
            (format!("http://localhost:{own}/"), "points at this server"),
        ] {
            let r = crate::cases::post(
                &mut sam,
                "/organisation/settings/webhooks",
                &[("name", "n8n"), ("url", &url), ("secret", "hidden-secret")],
            );
            assert_eq!(r.status, 400, "{url}");
            assert!(r.body.contains(message), "{url}: {message}");
            assert!(
                !r.body.contains("hidden-secret"),
                "the secret is not echoed"
            );
        }
        let r = crate::cases::post(
            &mut sam,
            "/organisation/settings/webhooks",
            &[
                ("name", "n8n"),
                ("url", "https://n8n.example/webhook/1"),
                ("secret", "x"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let r = crate::cases::post(
            &mut sam,
            "/organisation/settings/webhooks",
            &[("name", "n8n"), ("url", "https://n8n.example/webhook/2")],
        );
        assert_eq!(r.status, 409);
        let page = sam.get("/organisation/settings");
        assert!(page.body.contains("https://n8n.example/webhook/1"));
        assert!(
            !page.body.contains("value=\"x\""),
            "secrets are never shown"
        );
    });
}

#[test]
fn two_instances_deliver_each_notification_once() {
    for backend in backends() {
        let fast = |s: &mut tenantry::config::Settings| {
            s.webhooks.backoff_ms = 50;
            s.webhook_poll = Duration::from_millis(10);
        };
        let app = TestApp::spawn_with(backend, fast);
        // The second instance is its own process: claims go through the database.
        let second = app.another_process(&["--webhook-backoff-ms", "50"]);
        let soc = app.create_org("soc");
        let rx = Receiver::start(vec![]);
        let h = hook(&app, soc, "n8n", &rx.url("/hook"), "", "");
        // A backlog both workers see at once.
        let n = 300;
        let db = app.store.db.clone();
        tenantry::db::write(
            &mut db.conn().unwrap(),
            |conn| -> Result<(), tenantry::error::AppError> {
                for _ in 0..n {
                    webhooks::send_test(conn, &by(soc), h)?;
                }
                Ok(())
            },
        )
        .unwrap();
        wait_until("the backlog", || {
            deliveries_of(&app, h).iter().all(|d| d.0 == "delivered")
        });
        std::thread::sleep(Duration::from_millis(200));
        let mut ids: Vec<String> = rx
            .received()
            .iter()
            .map(|r| r.json()["requestId"].to_string())
            .collect();
        assert_eq!(ids.len(), n, "{backend:?}: every notification arrived once");
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "{backend:?}: no notification twice");
        drop(second);
    }
}

#[test]
fn another_organisations_configuration_events_never_reach_an_endpoint() {
    each_backend(|app| {
        let w = crate::cases::world(app);
        let acme_hook = hook(app, w.acme, "acme", "http://127.0.0.1:9/acme", "", "");
        let soc_by = by(w.soc);
        let mut conn = app.conn();
        tenantry::service::auto_share::create(
            &mut conn,
            &soc_by,
            &tenantry::service::auto_share::RuleInput {
                pattern: "client:{org}".into(),
                profile: "read-only".into(),
                task_rule: "all".into(),
                observable_rule: "all".into(),
                ..Default::default()
            },
        )
        .unwrap();
        hook(app, w.soc, "soc", "http://127.0.0.1:9/soc", "", "");
        cases::create(
            &mut conn,
            &soc_by,
            cases::NewCase {
                title: "for acme".into(),
                tags: vec!["client:acme".into()],
                ..Default::default()
            },
        )
        .unwrap();
        let kinds: Vec<(String, String)> = webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(acme_hook))
            .select((webhook_deliveries::object_type, webhook_deliveries::action))
            .load(&mut *conn)
            .unwrap();
        assert!(
            kinds.iter().any(|(_, a)| a == "shareCase"),
            "acme hears of the share: {kinds:?}"
        );
        assert!(
            kinds.iter().all(|(t, _)| t == "Case" || t == "Share"),
            "nothing of soc's rules or webhooks: {kinds:?}"
        );
        // A task the share does not carry (rule manual) stays with soc.
        let v = cases::create(
            &mut conn,
            &soc_by,
            cases::NewCase {
                title: "manual".into(),
                ..Default::default()
            },
        )
        .unwrap();
        cases::sharing::share(
            &mut conn,
            &soc_by,
            v.case.id,
            &cases::sharing::NewShare {
                organisation: w.acme,
                profile: "read-only".into(),
                task_rule: tenantry::domain::sharing::ItemRule::Manual,
                observable_rule: tenantry::domain::sharing::ItemRule::Manual,
            },
        )
        .unwrap();
        cases::items::create_task(
            &mut conn,
            &soc_by,
            v.case.id,
            cases::items::NewTask {
                title: "soc's secret task".into(),
                ..Default::default()
            },
        )
        .unwrap();
        let tasks: i64 = webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(acme_hook))
            .filter(webhook_deliveries::object_type.eq("Task"))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(tasks, 0, "acme's share does not carry the task");
    });
}
