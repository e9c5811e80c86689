//! `tenantry`: serve (default), migrate, create-admin.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tenantry::config::{CookieSecure, DatabaseUrl, Settings};
use tenantry::db::{self, Db};
use tenantry::service::{bootstrap, passwords};
use tenantry::startup::Application;

#[derive(Parser)]
#[command(
    name = "tenantry",
    version,
    about = "Multi-tenant SOC case management: organisations, sharing, custom tags and a TheHive 5 compatible API"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct Common {
    /// Database: sqlite://PATH, a file path, or postgres://USER@HOST/DB
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://tenantry.db",
        global = true
    )]
    database_url: String,
    /// Connections in the database pool
    #[arg(long, env = "TENANTRY_DB_POOL", default_value_t = 8, global = true)]
    db_pool: u32,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, create first-start data and serve HTTP (the default)
    Serve,
    /// Apply pending database migrations and exit
    Migrate,
    /// Create another platform administrator (member of `admin` with profile `admin`)
    CreateAdmin {
        /// Login (e-mail-like)
        #[arg(long)]
        login: String,
        /// Password; generated and printed when omitted
        #[arg(long, env = "TENANTRY_NEW_ADMIN_PASSWORD")]
        password: Option<String>,
    },
    /// Fill an empty database with a world: `--demo` for a small named one to
    /// try, or a generated MSSP world of the given size to measure
    Seed(SeedArgs),
}

#[derive(Args, Clone)]
struct SeedArgs {
    /// The small named world (soc, acme, globex, their people and cases)
    #[arg(long)]
    demo: bool,
    /// Organisations (one MSSP, the rest its clients)
    #[arg(long, default_value_t = 100)]
    orgs: usize,
    /// Cases
    #[arg(long, default_value_t = 10_000)]
    cases: usize,
    /// Users
    #[arg(long, default_value_t = 200)]
    users: usize,
    /// Probability that a case is also shared across a link (0 to 1)
    #[arg(long, default_value_t = 1.0)]
    share_density: f64,
    /// Fraction of the cases the MSSP owns (0 to 1)
    #[arg(long, default_value_t = 0.1)]
    mssp_share: f64,
    /// Tasks per case
    #[arg(long, default_value_t = 1)]
    tasks: usize,
    /// Observables per case
    #[arg(long, default_value_t = 1)]
    observables: usize,
    /// Tags per case
    #[arg(long, default_value_t = 1)]
    tags: usize,
    /// Random seed (the same seed makes the same world)
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address and port to listen on
    #[arg(
        long,
        global = true,
        env = "TENANTRY_BIND",
        default_value = "127.0.0.1:8080"
    )]
    bind: SocketAddr,
    /// HTTP worker threads (default: number of cores)
    #[arg(long, global = true, env = "TENANTRY_WORKERS")]
    workers: Option<usize>,
    /// Login of the first administrator, created at first start
    #[arg(long, global = true, env = "TENANTRY_ADMIN_LOGIN", default_value = bootstrap::DEFAULT_ADMIN_LOGIN)]
    admin_login: String,
    /// Password of the first administrator (default: generated and printed once)
    #[arg(
        long,
        global = true,
        env = "TENANTRY_ADMIN_PASSWORD",
        hide_env_values = true
    )]
    admin_password: Option<String>,
    /// Idle session timeout in seconds
    #[arg(
        long,
        global = true,
        env = "TENANTRY_SESSION_IDLE_SECS",
        default_value_t = 3600
    )]
    session_idle_secs: u64,
    /// Absolute session lifetime in seconds
    #[arg(
        long,
        global = true,
        env = "TENANTRY_SESSION_ABSOLUTE_SECS",
        default_value_t = 43200
    )]
    session_absolute_secs: u64,
    /// Secure cookie flag: auto (off only on loopback), true or false
    #[arg(long, global = true, env = "TENANTRY_COOKIE_SECURE", default_value = "auto", value_parser = CookieSecure::parse)]
    cookie_secure: CookieSecure,
    /// Failed sign-ins allowed per login within the window
    #[arg(
        long,
        global = true,
        env = "TENANTRY_LOGIN_MAX_FAILURES",
        default_value_t = 5
    )]
    login_max_failures: u32,
    /// Failed sign-ins allowed per client address within the window
    #[arg(
        long,
        global = true,
        env = "TENANTRY_ADDRESS_MAX_FAILURES",
        default_value_t = 20
    )]
    address_max_failures: u32,
    /// Webhook delivery attempts before giving up
    #[arg(
        long,
        global = true,
        env = "TENANTRY_WEBHOOK_MAX_ATTEMPTS",
        default_value_t = 8
    )]
    webhook_max_attempts: i32,
    /// First webhook retry delay in milliseconds (doubled at each attempt)
    #[arg(
        long,
        global = true,
        env = "TENANTRY_WEBHOOK_BACKOFF_MS",
        default_value_t = 2000
    )]
    webhook_backoff_ms: i64,
    /// Length of the failed sign-in window in seconds
    #[arg(
        long,
        global = true,
        env = "TENANTRY_LOGIN_WINDOW_SECS",
        default_value_t = 900
    )]
    login_window_secs: u64,
    /// Answer every request with X-Tenantry-Statements (SQL statements it ran)
    #[arg(long, global = true, env = "TENANTRY_STATEMENT_HEADER")]
    statement_header: bool,
    /// Reverse proxy addresses whose X-Forwarded-For names the client (comma-separated)
    #[arg(
        long,
        global = true,
        env = "TENANTRY_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .init();
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn open(common: &Common) -> anyhow::Result<(DatabaseUrl, Db)> {
    let url = DatabaseUrl::parse(&common.database_url).map_err(anyhow::Error::msg)?;
    let db = Db::connect(&url, common.db_pool)?;
    Ok((url, db))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Migrate) => {
            let (url, db) = open(&cli.common)?;
            let mut conn = db.conn()?;
            let applied = db::migrate(&mut conn)?;
            println!(
                "{} database: {} migration(s) applied",
                url.backend_name(),
                applied.len()
            );
            for name in applied {
                println!("  {name}");
            }
            Ok(())
        }
        Some(Command::CreateAdmin { login, password }) => {
            let (_, db) = open(&cli.common)?;
            let mut conn = db.conn()?;
            db::migrate(&mut conn)?;
            bootstrap::ensure_initial_data(
                &mut conn,
                &cli.serve.admin_login,
                cli.serve.admin_password.as_deref(),
            )
            .map(|report| print_first_admin(&report))?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(passwords::generate_password);
            bootstrap::add_admin(&mut conn, &login, &passwords::hash_now(&password)?)?;
            println!("Created platform administrator {login}");
            if generated {
                println!("Password (shown once): {password}");
            }
            Ok(())
        }
        Some(Command::Seed(args)) => seed(&cli.common, &cli.serve, &args),
        Some(Command::Serve) | None => serve(&cli.common, cli.serve),
    }
}

fn seed(common: &Common, serve: &ServeArgs, args: &SeedArgs) -> anyhow::Result<()> {
    let (url, db) = open(common)?;
    {
        let mut conn = db.conn()?;
        db::migrate(&mut conn)?;
        let report = bootstrap::ensure_initial_data(
            &mut conn,
            &serve.admin_login,
            serve.admin_password.as_deref(),
        )?;
        print_first_admin(&report);
    }
    let started = std::time::Instant::now();
    if args.demo {
        let report = tenantry::seed::demo(&db)?;
        println!("Demo world created in the {} database:", url.backend_name());
        println!("  organisations soc (the MSSP), acme and globex (clients), linked to soc");
        println!("  an auto-share rule client:{{org}} in soc; cases tagged, shared, with tasks and observables");
        for (login, name) in report.logins {
            println!("  {login:<18} {name}");
        }
        println!("  every demo password: {}", tenantry::seed::DEMO_PASSWORD);
        return Ok(());
    }
    let opts = tenantry::seed::Options {
        orgs: args.orgs,
        cases: args.cases,
        users: args.users,
        share_density: args.share_density,
        mssp_share: args.mssp_share,
        tasks_per_case: args.tasks,
        observables_per_case: args.observables,
        tags_per_case: args.tags,
        seed: args.seed,
    };
    let mut last = std::time::Instant::now();
    let counts = tenantry::seed::bulk(&db, opts, |done, total| {
        if last.elapsed().as_millis() >= 500 || done == total {
            last = std::time::Instant::now();
            let secs = started.elapsed().as_secs_f64().max(0.001);
            eprint!(
                "\rseeding cases {done}/{total} ({:.0}%), {:.0} cases/s   ",
                done as f64 * 100.0 / total.max(1) as f64,
                done as f64 / secs
            );
        }
    })?;
    eprintln!();
    println!(
        "{} database seeded in {:.1} s: {} organisations, {} users, {} cases, {} shares, {} tasks, {} observables, {} tags (seed {})",
        url.backend_name(),
        started.elapsed().as_secs_f64(),
        counts.orgs,
        counts.users,
        counts.cases,
        counts.shares,
        counts.tasks,
        counts.observables,
        counts.tags,
        args.seed
    );
    println!(
        "Users: user-00000@seed.test … with password {}",
        tenantry::seed::DEMO_PASSWORD
    );
    Ok(())
}

fn print_first_admin(report: &bootstrap::Bootstrap) {
    if let Some(login) = &report.created_admin {
        println!("First administrator created: {login}");
        match &report.generated_password {
            Some(p) => println!("Password (shown once, change it after signing in): {p}"),
            None => println!("Password: the one given in TENANTRY_ADMIN_PASSWORD"),
        }
    }
}

fn serve(common: &Common, args: ServeArgs) -> anyhow::Result<()> {
    let (url, db) = open(common)?;
    let mut settings = Settings::new(url.clone());
    settings.bind = args.bind;
    settings.pool_size = common.db_pool;
    if let Some(w) = args.workers {
        settings.workers = w.max(1);
    }
    settings.session_idle = Duration::from_secs(args.session_idle_secs.max(60));
    settings.session_absolute = Duration::from_secs(args.session_absolute_secs.max(60));
    settings.cookie_secure = args.cookie_secure;
    settings.login_max_failures = args.login_max_failures.max(1);
    settings.address_max_failures = args.address_max_failures.max(1);
    settings.login_failure_window = Duration::from_secs(args.login_window_secs.max(1));
    settings.webhooks.max_attempts = args.webhook_max_attempts.max(1);
    settings.webhooks.backoff_ms = args.webhook_backoff_ms.max(1);
    settings.statement_header = args.statement_header;
    settings.trusted_proxies = args.trusted_proxies.clone();

    let report = {
        let mut conn = db.conn()?;
        let applied = db::migrate(&mut conn)?;
        if !applied.is_empty() {
            tracing::info!(
                count = applied.len(),
                backend = url.backend_name(),
                "migrations applied"
            );
        }
        bootstrap::ensure_initial_data(
            &mut conn,
            &args.admin_login,
            args.admin_password.as_deref(),
        )?
    };
    print_first_admin(&report);
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings.clone(), db, &report.cookie_key)?;
        println!(
            "Tenantry {} serving http://{}:{} ({} database)",
            env!("CARGO_PKG_VERSION"),
            settings.bind.ip(),
            app.port(),
            url.backend_name()
        );
        app.run_until_stopped().await?;
        anyhow::Ok(())
    })?;
    Ok(())
}
