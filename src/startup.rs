//! Builds the actix application on any address; used by `serve` and tests.

use std::net::TcpListener;

use actix_identity::IdentityMiddleware;
use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};

use crate::config::Settings;
use crate::db::session_store::DbSessionStore;
use crate::db::Db;
use crate::error::AppError;
use crate::service::passwords::PasswordHasherPool;
use crate::web as routes_web;

/// Shared by every worker.
pub struct AppState {
    pub db: Db,
    pub hasher: PasswordHasherPool,
    pub settings: Settings,
}

/// How often the planner's statistics are checked (cheap when nothing
/// changed; a young database grows fast).
const STATISTICS_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Keeps the planner's statistics fresh: at start, then every ten minutes.
fn spawn_statistics(db: Db) {
    actix_web::rt::spawn(async move {
        loop {
            if let Err(e) = db.run(|conn| Ok(crate::db::analyze(conn, false)?)).await {
                tracing::warn!(error = %e, "refreshing the planner statistics failed");
            }
            actix_web::rt::time::sleep(STATISTICS_EVERY).await;
        }
    });
}

pub const SESSION_COOKIE: &str = "tenantry_session";

pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free one) and prepares the server.
    pub fn build(mut settings: Settings, db: Db, cookie_key: &[u8]) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(settings.bind)?;
        let port = listener.local_addr()?.port();
        // The real port (for `--bind …:0`), which webhooks may not call.
        settings.bind.set_port(port);
        routes_web::webhook_worker::spawn(db.clone(), settings.webhooks, settings.webhook_poll);
        spawn_statistics(db.clone());
        let key = Key::try_from(cookie_key).map_err(|e| anyhow::anyhow!("cookie key: {e}"))?;
        let hasher =
            PasswordHasherPool::new(settings.hash_concurrency).map_err(anyhow::Error::new)?;
        let secure = settings.secure_cookies();
        let idle =
            actix_web::cookie::time::Duration::seconds(settings.session_idle.as_secs() as i64);
        let absolute = settings.session_absolute;
        let workers = settings.workers;
        // Blocking threads beyond the pool's connections only queue on the
        // pool's lock (and cost context switches); keep a couple for hashing.
        let blocking = (settings.pool_size as usize)
            .div_ceil(workers.max(1))
            .max(2)
            + settings.hash_concurrency;
        let state = web::Data::new(AppState {
            db: db.clone(),
            hasher,
            settings,
        });
        let server = HttpServer::new(move || {
            let sessions = SessionMiddleware::builder(DbSessionStore::new(db.clone()), key.clone())
                .cookie_name(SESSION_COOKIE.to_string())
                .cookie_secure(secure)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .session_lifecycle(
                    BrowserSession::default()
                        .state_ttl(idle)
                        .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
                )
                .build();
            let identity = IdentityMiddleware::builder()
                .login_deadline(Some(absolute))
                .build();
            App::new()
                .app_data(state.clone())
                .app_data(web::FormConfig::default().error_handler(|e, _| {
                    AppError::bad_request(format!("Invalid form: {e}")).into()
                }))
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    AppError::bad_request(format!("Invalid query: {e}")).into()
                }))
                .app_data(web::JsonConfig::default().error_handler(|e, _| {
                    AppError::bad_request(format!("Invalid JSON: {e}")).into()
                }))
                .wrap(from_fn(routes_web::middleware::render_errors))
                .wrap(identity)
                .wrap(sessions)
                .wrap(from_fn(routes_web::middleware::security_headers))
                .configure(routes_web::routes)
        })
        .workers(workers)
        .worker_max_blocking_threads(blocking)
        .listen(listener)?
        .run();
        Ok(Application { server, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
