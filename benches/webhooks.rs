//! Webhook delivery: latency from a committed change to its receipt on a
//! loopback receiver (p50/p95), and the worker's throughput draining a
//! backlog. `cargo bench --bench webhooks` (SQLite; `BENCH_DATABASE_URL`
//! for PostgreSQL). `EVENTS` (default 200) and `BACKLOG` (default 2000).

#[allow(dead_code)]
mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tenantry::domain::permissions::ProfileKind;
use tenantry::domain::policy::Acting;
use tenantry::service::{cases, webhooks, By};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A receiver that notes when each notification (by its case title) arrived.
fn receiver() -> (u16, Arc<Mutex<HashMap<String, Instant>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(HashMap::new()));
    let keep = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            let mut line = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let at = Instant::now();
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) {
                if let Some(t) = v["object"]["title"].as_str() {
                    keep.lock().unwrap().insert(t.to_string(), at);
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (port, seen)
}

fn wait(seen: &Mutex<HashMap<String, Instant>>, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(600);
    while seen.lock().unwrap().len() < n {
        assert!(Instant::now() < deadline, "deliveries stalled");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn main() -> anyhow::Result<()> {
    let (events, backlog) = (env_or("EVENTS", 200), env_or("BACKLOG", 2000));
    let world = common::world("admin@big.test")?;
    let _session = common::serve_and_sign_in(&world, "admin@big.test")?;
    let by = By {
        login: "bench",
        user_id: 0,
        acting: Acting {
            organisation_id: world.org,
            kind: ProfileKind::Organisation,
            permissions: ProfileKind::Organisation.scope(),
        },
    };
    let (port, seen) = receiver();
    let mut conn = world.db.conn()?;
    webhooks::create(
        &mut conn,
        &by,
        &webhooks::WebhookInput {
            name: "bench".into(),
            url: format!("http://127.0.0.1:{port}/hook"),
            secret: "bench-secret".into(),
            actions: "createCase".into(),
            object_types: String::new(),
        },
        1,
    )?;

    // Latency: one change at a time, the worker idle in between.
    let mut started = HashMap::new();
    for i in 0..events {
        let title = format!("latency {i}");
        std::thread::sleep(Duration::from_millis(37));
        let t0 = Instant::now();
        world.db.write_blocking(|c| {
            cases::create(
                c,
                &by,
                cases::NewCase {
                    title: title.clone(),
                    ..Default::default()
                },
            )
        })?;
        started.insert(title, t0);
    }
    wait(&seen, events);
    let mut latencies: Vec<f64> = {
        let got = seen.lock().unwrap();
        started
            .iter()
            .map(|(t, t0)| got[t].duration_since(*t0).as_secs_f64() * 1000.0)
            .collect()
    };
    latencies.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "webhooks latency ({events} changes, change committed → received): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        pct(0.50),
        pct(0.95),
        latencies.last().unwrap()
    );

    // Throughput: a backlog written in one transaction, drained by the worker.
    world
        .db
        .write_blocking(|c| -> Result<(), tenantry::error::AppError> {
            for i in 0..backlog {
                cases::create(
                    c,
                    &by,
                    cases::NewCase {
                        title: format!("backlog {i}"),
                        ..Default::default()
                    },
                )?;
            }
            Ok(())
        })?;
    let t0 = Instant::now();
    wait(&seen, events + backlog);
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "webhooks throughput: {backlog} deliveries in {secs:.2} s = {:.0} deliveries/s (one worker, signed, rendered per organisation)",
        backlog as f64 / secs
    );
    Ok(())
}
