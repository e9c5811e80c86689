//! Typed settings, read from flags and environment variables (see `--help`).

use std::net::SocketAddr;
use std::time::Duration;

/// Where the data lives, parsed strictly from `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` or a plain path. `:memory:` is accepted for tests.
    Sqlite(String),
    /// `postgres://…` or `postgresql://…`, passed to libpq as given.
    Postgres(String),
}

impl DatabaseUrl {
    /// Accepts `sqlite://PATH`, a plain file path, and `postgres(ql)://…`.
    /// Any other scheme is an error: a typo must never create a new empty
    /// SQLite file.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("DATABASE_URL is empty".into());
        }
        if let Some((scheme, rest)) = raw.split_once("://") {
            return match scheme {
                "sqlite" if !rest.is_empty() => Ok(DatabaseUrl::Sqlite(rest.to_string())),
                "sqlite" => Err("DATABASE_URL sqlite:// needs a path".into()),
                "postgres" | "postgresql" => Ok(DatabaseUrl::Postgres(raw.to_string())),
                other => Err(format!(
                    "DATABASE_URL has the unsupported scheme `{other}://`; use sqlite://PATH, a file path, or postgres://…"
                )),
            };
        }
        if raw == ":memory:" {
            return Ok(DatabaseUrl::Sqlite(raw.to_string()));
        }
        // `word:` at the start looks like a URL scheme (`postgres:…`, `mysql:…`,
        // `file:…`), never like a path we should create.
        if let Some((head, _)) = raw.split_once(':') {
            if !head.is_empty()
                && head
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                && head.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            {
                return Err(format!(
                    "DATABASE_URL has the unsupported scheme `{head}:`; use sqlite://PATH, a file path, or postgres://…"
                ));
            }
        }
        Ok(DatabaseUrl::Sqlite(raw.to_string()))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }
}

/// Whether the session cookie carries `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieSecure {
    /// `Secure` unless the server is bound to a loopback address.
    Auto,
    Always,
    Never,
}

impl CookieSecure {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(CookieSecure::Auto),
            "true" | "always" => Ok(CookieSecure::Always),
            "false" | "never" => Ok(CookieSecure::Never),
            other => Err(format!("expected auto, true or false, got `{other}`")),
        }
    }
}

/// Every setting the server needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseUrl,
    pub bind: SocketAddr,
    pub pool_size: u32,
    pub workers: usize,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub cookie_secure: CookieSecure,
    pub login_max_failures: u32,
    pub address_max_failures: u32,
    pub login_failure_window: Duration,
    /// Concurrent password hashes; defaults to the number of cores.
    pub hash_concurrency: usize,
    /// Webhook delivery attempts and back-off.
    pub webhooks: crate::service::webhooks::Policy,
    /// How often the webhook worker looks for due deliveries when idle.
    pub webhook_poll: Duration,
    /// Answer each request with `X-Tenantry-Statements`, the number of SQL
    /// statements it ran (tests and diagnosis; off in production).
    pub statement_header: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client (see
    /// [`crate::web::extract::client_address`]); none by default.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Settings {
    /// Defaults for a given database, used by tests and as the CLI defaults.
    pub fn new(database: DatabaseUrl) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Settings {
            database,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            pool_size: 8,
            workers: cores,
            session_idle: Duration::from_secs(3600),
            session_absolute: Duration::from_secs(12 * 3600),
            cookie_secure: CookieSecure::Auto,
            login_max_failures: 5,
            address_max_failures: 20,
            login_failure_window: Duration::from_secs(15 * 60),
            hash_concurrency: cores,
            webhooks: crate::service::webhooks::Policy::default(),
            webhook_poll: Duration::from_millis(200),
            statement_header: false,
            trusted_proxies: Vec::new(),
        }
    }

    /// The failed sign-in limits these settings give.
    pub fn sign_in_limits(&self) -> crate::service::auth::SignInLimits {
        crate::service::auth::SignInLimits {
            per_login: self.login_max_failures,
            per_address: self.address_max_failures,
            window: self.login_failure_window,
        }
    }

    pub fn secure_cookies(&self) -> bool {
        match self.cookie_secure {
            CookieSecure::Always => true,
            CookieSecure::Never => false,
            CookieSecure::Auto => !self.bind.ip().is_loopback(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DatabaseUrl::*;
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/t.db"),
            Ok(Sqlite("data/t.db".into()))
        );
        assert_eq!(DatabaseUrl::parse("./t.db"), Ok(Sqlite("./t.db".into())));
        assert_eq!(
            DatabaseUrl::parse("/var/t.db"),
            Ok(Sqlite("/var/t.db".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db"),
            Ok(Postgres(_))
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db"),
            Ok(Postgres(_))
        ));
        for bad in [
            "postgress://u@h/db",
            "mysql://h/db",
            "file:t.db",
            "sqlite://",
            "",
            "pg:x",
        ] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
