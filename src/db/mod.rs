//! Database access: one diesel `MultiConnection` over SQLite and PostgreSQL,
//! a pool, embedded per-backend migrations and the write-transaction helper.

pub mod admin;
pub mod models;
pub mod queries;
pub mod schema;
pub mod session_store;

use std::time::Duration;

use diesel::connection::{
    AnsiTransactionManager, Instrumentation, InstrumentationEvent, SimpleConnection,
    TransactionManager,
};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseUrl;
use crate::error::AppError;

thread_local! {
    /// Statements started on this thread, by any connection.
    static THREAD_STATEMENTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

tokio::task_local! {
    /// The statement counter of the request being served (see [`count_statements`]).
    static REQUEST_STATEMENTS: std::sync::Arc<std::sync::atomic::AtomicU64>;
}

/// Statements slower than this are logged as warnings.
const SLOW_STATEMENT_MS: f64 = 100.0;

/// Counts the statements each connection starts and times them (diesel's
/// instrumentation): every statement is logged at debug level under the
/// target `tenantry::sql`, slow ones as warnings.
#[derive(Default)]
struct CountStatements {
    started: Option<std::time::Instant>,
}

impl Instrumentation for CountStatements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                THREAD_STATEMENTS.with(|n| n.set(n.get() + 1));
                self.started = Some(std::time::Instant::now());
            }
            InstrumentationEvent::FinishQuery { query, .. } => {
                let ms = self
                    .started
                    .take()
                    .map_or(0.0, |t| t.elapsed().as_secs_f64() * 1000.0);
                if ms >= SLOW_STATEMENT_MS {
                    tracing::warn!(target: "tenantry::sql", ms, sql = %query, "slow statement");
                } else {
                    tracing::debug!(target: "tenantry::sql", ms, sql = %query, "statement");
                }
            }
            _ => {}
        }
    }
}

/// Runs `fut` (a request) and returns its output with the number of SQL
/// statements that [`Db::run`] executed for it, wherever they ran.
pub async fn count_statements<F: std::future::Future>(fut: F) -> (F::Output, u64) {
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let out = REQUEST_STATEMENTS.scope(counter.clone(), fut).await;
    (out, counter.load(std::sync::atomic::Ordering::Relaxed))
}

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Opens connections of exactly the configured kind (never guessing from the
/// string, unlike `MultiConnection::establish`) and prepares SQLite ones.
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        let mut conn = self.open()?;
        conn.set_instrumentation(CountStatements::default());
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

impl Manager {
    fn open(&self) -> Result<DbConn, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA mmap_size = 4294967296; PRAGMA cache_size = -16384;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError),
        }
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// The shared handle to the database used by every layer above.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// Signalled after each committed write of this process, so background
    /// work (the webhook outbox) starts at once instead of at its next poll.
    committed: std::sync::Arc<tokio::sync::Notify>,
}

impl Db {
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<Db> {
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .connection_timeout(Duration::from_secs(10))
            // No `SELECT 1` at every checkout: a broken connection shows in
            // `has_broken` and is replaced when returned.
            .test_on_check_out(false)
            .build(Manager { url: url.clone() })
            .map_err(|e| anyhow::anyhow!("cannot open the {} database: {e}", url.backend_name()))?;
        Ok(Db {
            pool,
            committed: Default::default(),
        })
    }

    /// A pooled connection for synchronous code (CLI, start-up, tests).
    pub fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, AppError> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` with a pooled connection on the blocking thread pool; its
    /// statements count towards the request's (see [`count_statements`]).
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let sink = REQUEST_STATEMENTS.try_with(|c| c.clone()).ok();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            let before = THREAD_STATEMENTS.with(|n| n.get());
            let out = f(&mut conn);
            if let Some(sink) = sink {
                let n = THREAD_STATEMENTS.with(|n| n.get()) - before;
                sink.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            }
            out
        })
        .await
        .map_err(|e| AppError::internal(format!("blocking task failed: {e}")))?
    }

    /// Runs `f` inside one write transaction (see [`write`]).
    pub async fn write<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let out = self.run(move |conn| write(conn, f)).await;
        if out.is_ok() {
            self.committed.notify_one();
        }
        out
    }

    /// [`write`] on the calling thread, signalling the commit like
    /// [`Db::write`] (CLI tools, benches).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error> + From<AppError>,
    {
        let mut conn = self.conn()?;
        let out = write(&mut conn, f);
        if out.is_ok() {
            self.committed.notify_one();
        }
        out
    }

    /// Resolves after the next committed write (or at once if one happened
    /// since the last call).
    pub async fn committed(&self) {
        self.committed.notified().await;
    }
}

/// A multi-row `INSERT` on either backend (diesel's batch insert is not
/// available through the multi-backend connection); with a size, in chunks
/// of that many rows, keeping each statement under SQLite's bound-parameter
/// limit.
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {
        match &mut *$conn {
            $crate::db::DbConn::Pg(c) => diesel::insert_into($table).values($rows).execute(c)?,
            $crate::db::DbConn::Sqlite(c) => {
                diesel::insert_into($table).values($rows).execute(c)?
            }
        }
    };
    ($conn:expr, $table:expr, $rows:expr, $size:expr) => {
        for chunk in $rows.chunks($size) {
            $crate::db::insert_batch!($conn, $table, chunk);
        }
    };
}
pub(crate) use insert_batch;

/// Runs `f` in one transaction. On SQLite it starts with `BEGIN IMMEDIATE`, so
/// the write lock is taken up front and concurrent writers wait (busy timeout)
/// instead of failing half-way with `SQLITE_BUSY`.
pub fn write<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let DbConn::Sqlite(inner) = conn else {
        return conn.transaction(f);
    };
    let depth = AnsiTransactionManager::transaction_manager_status_mut(inner)
        .transaction_depth()
        .map_err(E::from)?;
    if depth.is_some() {
        return conn.transaction(f);
    }
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    let result = f(conn);
    let DbConn::Sqlite(inner) = conn else {
        unreachable!("the connection kind cannot change")
    };
    match result {
        Ok(value) => match AnsiTransactionManager::commit_transaction(inner) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(inner);
                Err(e.into())
            }
        },
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(inner)?;
            Err(e)
        }
    }
}

/// Applies pending migrations of the connection's backend; returns their names.
/// On PostgreSQL an advisory lock keeps concurrent instances from racing.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
            .iter()
            .map(|v| v.to_string())
            .collect(),
        DbConn::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7428001)")?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
            c.batch_execute("SELECT pg_advisory_unlock(7428001)")?;
            result?
        }
    };
    Ok(applied)
}

/// Refreshes the query planner's statistics. `full`: a whole `ANALYZE`
/// after a bulk load (on PostgreSQL `VACUUM ANALYZE`, which also fills the
/// visibility map so index-only scans skip the table). Otherwise SQLite's
/// `PRAGMA optimize`, which analyzes only tables whose size changed a lot,
/// with a bounded sample (at start and every ten minutes), then drops the
/// statistics of small tables (see `forget_small_tables`); PostgreSQL's autovacuum keeps
/// its own statistics.
pub fn analyze(conn: &mut DbConn, full: bool) -> QueryResult<()> {
    match (conn, full) {
        (DbConn::Pg(c), true) => c.batch_execute("VACUUM ANALYZE"),
        (c, true) => c.batch_execute("ANALYZE"),
        (DbConn::Sqlite(c), false) => {
            c.batch_execute("PRAGMA analysis_limit = 2000; PRAGMA optimize = 0x10002")?;
            forget_small_tables(c)
        }
        (DbConn::Pg(_), false) => Ok(()),
    }
}

/// Statistics of a table that had a handful of rows when it was analysed
/// (say, `users` right after the first start) outlive its growth and lead
/// the planner into nested scans; without statistics SQLite assumes a large
/// table and walks the indexes, which is right for small tables too. So the
/// statistics of tables under 1,000 rows are dropped (and reloaded by the
/// next `ANALYZE sqlite_schema`); `PRAGMA optimize` gives them real ones
/// once they have grown.
fn forget_small_tables(c: &mut diesel::SqliteConnection) -> QueryResult<()> {
    #[derive(diesel::QueryableByName)]
    struct Small {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let small: Small = diesel::sql_query(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1') \
         THEN 1 ELSE 0 END AS n",
    )
    .get_result(c)?;
    if small.n == 0 {
        return Ok(());
    }
    let dropped = diesel::sql_query("DELETE FROM sqlite_stat1 WHERE CAST(stat AS INTEGER) < 1000")
        .execute(c)?;
    if dropped > 0 {
        c.batch_execute("ANALYZE sqlite_schema")?;
    }
    Ok(())
}

/// Milliseconds since the Unix epoch, the unit of every stored timestamp.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[derive(diesel::QueryableByName)]
struct LastId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// The id the last INSERT on this connection generated (same transaction).
pub fn last_insert_id(conn: &mut DbConn) -> QueryResult<i64> {
    let row: LastId = match conn {
        DbConn::Sqlite(c) => diesel::sql_query("SELECT last_insert_rowid() AS id").get_result(c)?,
        DbConn::Pg(c) => diesel::sql_query("SELECT lastval() AS id").get_result(c)?,
    };
    Ok(row.id)
}
