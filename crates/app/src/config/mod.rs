//! Configuration of `brigade serve`, from flags or `BRIGADE_*` environment variables.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

mod operator;
mod sign_in;
pub use operator::OperatorArgs;
pub use sign_in::SignInArgs;

/// A secret that never prints.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// The store: a PostgreSQL URL (`postgres://user@host:5432/db`) or an SQLite file
    /// (`sqlite://path/to/brigade.db`). Unset: the embedded store in the data directory.
    #[arg(long, env = "BRIGADE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Where the embedded store keeps its file when BRIGADE_DATABASE_URL is unset.
    #[arg(long, env = "BRIGADE_DATA_DIR", default_value = "brigade-data")]
    pub data_dir: PathBuf,
}

impl DatabaseArgs {
    /// A PostgreSQL URL or an SQLite file.
    pub fn new(database_url: Option<String>) -> Self {
        Self {
            database_url,
            data_dir: PathBuf::from("brigade-data"),
        }
    }

    /// The store these arguments name (nothing is opened yet).
    pub fn store(&self) -> anyhow::Result<StoreConfig> {
        let Some(url) = self
            .database_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        else {
            return Ok(StoreConfig::Sqlite(self.data_dir.join(EMBEDDED_FILE)));
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(StoreConfig::Postgres(url.to_owned()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .filter(|p| !p.is_empty())
        {
            return Ok(StoreConfig::Sqlite(PathBuf::from(path)));
        }
        anyhow::bail!(
            "BRIGADE_DATABASE_URL must start with postgres:// or sqlite:// (got {:?}); \
             leave it unset for the embedded store in {}",
            url.split('@').next_back().unwrap_or(url),
            self.data_dir.display()
        )
    }
}

/// The embedded store's file name inside the data directory.
pub const EMBEDDED_FILE: &str = "brigade.db";

/// Which store, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    Postgres(String),
    Sqlite(PathBuf),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address to listen on.
    #[arg(long, env = "BRIGADE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// HMAC secret signing access tokens (at least 32 bytes). Required unless --dev.
    #[arg(long, env = "BRIGADE_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Development mode: without BRIGADE_JWT_SECRET, a secret generated once and kept
    /// in the data directory (tokens survive a restart). Never in production.
    #[arg(long, env = "BRIGADE_DEV")]
    pub dev: bool,

    /// Also load the demo venue and staff before serving (implies nothing else).
    #[arg(long)]
    pub demo: bool,

    /// Access token lifetime in seconds (one shift).
    #[arg(long, env = "BRIGADE_TOKEN_TTL_SECS", default_value_t = 12 * 3600)]
    pub token_ttl_secs: u64,

    /// Database connections in the pool (default: cores + 1; with the embedded store,
    /// the reader connections beside its single writer). Every order of a venue
    /// updates the venue's counter row; past a few concurrent transactions they only
    /// queue on that row lock inside PostgreSQL, where a crowd of waiters woken at each
    /// COMMIT costs throughput (docs/BENCHMARKS.md: 2 cores, 3 connections serve 532
    /// creates/s, 5 serve 317). Raise it for many busy venues on a bigger box.
    #[arg(long, env = "BRIGADE_DB_POOL_SIZE")]
    pub db_pool_size: Option<usize>,

    /// PostgreSQL `statement_timeout` of the app's connections, in milliseconds (lock
    /// waits included; 0: none). A statement cut answers 503 with Retry-After.
    #[arg(long, env = "BRIGADE_DB_STATEMENT_TIMEOUT_MS", default_value_t = 5000)]
    pub db_statement_timeout_ms: u64,

    /// PostgreSQL `lock_timeout`, in milliseconds (0: none): above the queueing on a
    /// venue's counter row during a rush.
    #[arg(long, env = "BRIGADE_DB_LOCK_TIMEOUT_MS", default_value_t = 2000)]
    pub db_lock_timeout_ms: u64,

    /// PostgreSQL `idle_in_transaction_session_timeout`, in milliseconds (0: none).
    #[arg(long, env = "BRIGADE_DB_IDLE_TX_TIMEOUT_MS", default_value_t = 10_000)]
    pub db_idle_tx_timeout_ms: u64,

    /// How long a request waits for a free PostgreSQL connection before 503, in
    /// milliseconds.
    #[arg(long, env = "BRIGADE_DB_POOL_WAIT_MS", default_value_t = 2000)]
    pub db_pool_wait_ms: u64,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "BRIGADE_WORKERS")]
    pub workers: Option<usize>,

    /// Requests of no named operation (BRIGADE_SLOW_OPERATIONS_MS) slower than this
    /// many milliseconds are logged at WARN ("slow request") and counted.
    #[arg(long, env = "BRIGADE_SLOW_REQUEST_MS", default_value_t = 500)]
    pub slow_request_ms: u64,

    /// SQL statements slower than this many milliseconds are logged at WARN ("slow
    /// query", the statement without its values).
    #[arg(
        long,
        env = "BRIGADE_SLOW_QUERY_MS",
        default_value_t = brigade_sql::DEFAULT_SLOW_QUERY.as_millis() as u64
    )]
    pub slow_query_ms: u64,

    /// Reads (GET) each user may send a minute on signed-in routes, in bursts of as
    /// many; a client address may send ten times as many. 0: no limit.
    #[arg(long, env = "BRIGADE_RATE_READS_PER_MINUTE", default_value_t = 1200)]
    pub rate_reads_per_minute: u32,

    /// Writes (POST, PATCH, PUT, DELETE) each user may send a minute; an address ten
    /// times as many. 0: no limit.
    #[arg(long, env = "BRIGADE_RATE_WRITES_PER_MINUTE", default_value_t = 300)]
    pub rate_writes_per_minute: u32,

    /// Client telemetry reports (`/api/v1/metrics/frontend`, `/api/v1/errors/frontend`)
    /// each user may send a minute, in bursts of as many.
    #[arg(long, env = "BRIGADE_CLIENT_REPORTS_PER_MINUTE", default_value_t = 60)]
    pub client_reports_per_minute: u32,

    /// Origins of browser clients on other sites that may call the API
    /// (`https://pos.example.com,...`, exact scheme, host and port). Unset: none (a
    /// browser page served from the API's own origin needs none).
    #[arg(long, env = "BRIGADE_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    #[command(flatten)]
    pub operator: OperatorArgs,

    #[command(flatten)]
    pub sign_in: SignInArgs,

    #[command(flatten)]
    pub realtime: RealtimeArgs,
}

/// The real-time gateway and the event bus.
#[derive(Debug, Clone, Args)]
pub struct RealtimeArgs {
    /// Redis URL for fan-out across app instances (`redis://host:6379`). Unset: events
    /// reach this instance's subscribers only.
    #[arg(long, env = "BRIGADE_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// The Redis channel; instances of one deployment share it, other deployments on
    /// the same Redis need their own.
    #[arg(long, env = "BRIGADE_REDIS_CHANNEL", default_value = "brigade:events")]
    pub redis_channel: String,

    /// Events a WebSocket client may have waiting before it is cut off (4008).
    #[arg(long, env = "BRIGADE_WS_QUEUE", default_value_t = 1024)]
    pub ws_queue: usize,

    /// Seconds between server pings.
    #[arg(long, env = "BRIGADE_WS_HEARTBEAT_SECS", default_value_t = 20)]
    pub ws_heartbeat_secs: u64,

    /// Seconds of client silence before the server closes (4000).
    #[arg(long, env = "BRIGADE_WS_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub ws_idle_timeout_secs: u64,

    /// Seconds one send may wait on a client that does not read (then 4008).
    #[arg(long, env = "BRIGADE_WS_SEND_TIMEOUT_SECS", default_value_t = 10)]
    pub ws_send_timeout_secs: u64,

    /// WebSocket connections one user may hold open on an instance (a kitchen sharing
    /// one login has a screen per station).
    #[arg(long, env = "BRIGADE_WS_CONNECTIONS_PER_USER", default_value_t = 50)]
    pub ws_connections_per_user: usize,

    /// Frames a second a WebSocket client may send; more close it with 1008.
    #[arg(long, env = "BRIGADE_WS_FRAMES_PER_SECOND", default_value_t = 20)]
    pub ws_frames_per_second: u32,

    /// Events a resume (`join_venue` with `since`) may replay; a client further behind
    /// gets `recovered: false` and reloads its board.
    #[arg(long, env = "BRIGADE_WS_MAX_REPLAY", default_value_t = 5000)]
    pub ws_max_replay: i64,

    /// Milliseconds between journal checks for events whose publication was lost.
    #[arg(long, env = "BRIGADE_WS_POLL_MS", default_value_t = 1000)]
    pub ws_poll_ms: u64,

    /// Hours of event journal kept for clients that resume; older events are pruned.
    #[arg(long, env = "BRIGADE_EVENT_RETENTION_HOURS", default_value_t = 168)]
    pub event_retention_hours: u64,

    /// Where cached reads (the menu) live: `auto` is Redis when BRIGADE_REDIS_URL is
    /// set, else this process's memory; `memory`; or `off` (every read from the
    /// database: for measuring and for ruling the cache out).
    #[arg(long, env = "BRIGADE_READ_CACHE", value_enum, default_value_t = ReadCacheMode::Auto)]
    pub read_cache: ReadCacheMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReadCacheMode {
    Auto,
    Memory,
    Off,
}

impl Default for RealtimeArgs {
    fn default() -> Self {
        Self {
            redis_url: None,
            redis_channel: "brigade:events".to_owned(),
            ws_queue: 1024,
            ws_heartbeat_secs: 20,
            ws_idle_timeout_secs: 60,
            ws_send_timeout_secs: 10,
            ws_poll_ms: 1000,
            ws_connections_per_user: 50,
            ws_frames_per_second: 20,
            ws_max_replay: 5000,
            event_retention_hours: 168,
            read_cache: ReadCacheMode::Auto,
        }
    }
}

impl ServeArgs {
    /// A development server on `database`, every other setting at its default.
    pub fn dev(database: DatabaseArgs) -> Self {
        Self {
            database,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            jwt_secret: None,
            dev: true,
            demo: false,
            token_ttl_secs: 12 * 3600,
            db_pool_size: None,
            db_statement_timeout_ms: 5000,
            db_lock_timeout_ms: 2000,
            db_idle_tx_timeout_ms: 10_000,
            db_pool_wait_ms: 2000,
            workers: None,
            cors_origins: Vec::new(),
            operator: OperatorArgs::default(),
            slow_request_ms: 500,
            slow_query_ms: brigade_sql::DEFAULT_SLOW_QUERY.as_millis() as u64,
            client_reports_per_minute: 60,
            rate_reads_per_minute: 1200,
            rate_writes_per_minute: 300,
            sign_in: SignInArgs::default(),
            realtime: RealtimeArgs::default(),
        }
    }

    /// The token signing secret: BRIGADE_JWT_SECRET when set (refused when weak), else
    /// with `--dev` the data directory's own, else an error saying what to set.
    pub fn jwt_secret(&self) -> anyhow::Result<Secret> {
        match (&self.jwt_secret, self.dev) {
            (Some(secret), _) => crate::secrets::strong("BRIGADE_JWT_SECRET", secret),
            (None, true) => crate::secrets::kept_in(&self.database.data_dir),
            (None, false) => anyhow::bail!(
                "BRIGADE_JWT_SECRET is required (at least 32 random bytes, e.g. \
                 `openssl rand -hex 32`), or pass --dev for a development server"
            ),
        }
    }

    /// The CORS allow-list, each origin checked and lower-cased (browsers send
    /// `Origin` in lower case; `*` and paths are refused).
    pub fn cors_origins(&self) -> anyhow::Result<Vec<String>> {
        self.cors_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|o| !o.is_empty())
            .map(|origin| {
                let uri: Option<actix_web::http::Uri> = origin.parse().ok();
                let exact = uri.as_ref().is_some_and(|u| {
                    matches!(u.scheme_str(), Some("http" | "https"))
                        && u.host().is_some_and(|h| !h.is_empty() && h != "*")
                        && u.path_and_query()
                            .is_none_or(|p| p.as_str() == "/" || p.as_str().is_empty())
                        && !origin.contains('@')
                });
                if exact {
                    Ok(origin)
                } else {
                    anyhow::bail!(
                        "BRIGADE_CORS_ORIGINS: {origin:?} is not an origin (https://host[:port], \
                         no path, no wildcard)"
                    )
                }
            })
            .collect()
    }

    pub fn db_pool_size(&self) -> usize {
        self.db_pool_size.unwrap_or_else(|| {
            let cores = std::thread::available_parallelism().map_or(2, usize::from);
            cores + 1
        })
    }

    /// The PostgreSQL pool: its size, wait, session limits and statement log.
    pub fn pool_settings(
        &self,
        statements: brigade_sql::StatementLog,
    ) -> brigade_sql::PoolSettings {
        brigade_sql::PoolSettings {
            max_size: self.db_pool_size(),
            wait_timeout: Duration::from_millis(self.db_pool_wait_ms.max(1)),
            statements,
            timeouts: brigade_sql::SessionTimeouts {
                statement: Duration::from_millis(self.db_statement_timeout_ms),
                lock: Duration::from_millis(self.db_lock_timeout_ms),
                idle_in_transaction: Duration::from_millis(self.db_idle_tx_timeout_ms),
            },
            ..brigade_sql::PoolSettings::default()
        }
    }

    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(url: Option<&str>) -> anyhow::Result<StoreConfig> {
        DatabaseArgs::new(url.map(str::to_owned)).store()
    }

    #[test]
    fn no_url_means_the_embedded_store_in_the_data_directory() {
        assert_eq!(
            store(None).ok(),
            Some(StoreConfig::Sqlite(PathBuf::from(
                "brigade-data/brigade.db"
            )))
        );
        assert_eq!(
            store(Some("")).ok(),
            Some(StoreConfig::Sqlite(PathBuf::from(
                "brigade-data/brigade.db"
            )))
        );
    }

    #[test]
    fn a_url_picks_postgres_or_an_sqlite_file() {
        assert_eq!(
            store(Some("postgresql://u@h/db")).ok(),
            Some(StoreConfig::Postgres("postgresql://u@h/db".to_owned()))
        );
        assert_eq!(
            store(Some("sqlite:///var/lib/brigade/b.db")).ok(),
            Some(StoreConfig::Sqlite(PathBuf::from("/var/lib/brigade/b.db")))
        );
        assert_eq!(
            store(Some("sqlite:b.db")).ok(),
            Some(StoreConfig::Sqlite(PathBuf::from("b.db")))
        );
    }

    #[test]
    fn cors_origins_are_exact_origins() {
        let mut args = ServeArgs::dev(DatabaseArgs::new(None));
        args.cors_origins = vec![
            "https://pos.example.com/".into(),
            "http://10.0.0.5:3000".into(),
        ];
        assert_eq!(
            args.cors_origins().ok(),
            Some(vec![
                "https://pos.example.com".to_owned(),
                "http://10.0.0.5:3000".to_owned()
            ])
        );
        for bad in [
            "*",
            "https://pos.example.com/app",
            "pos.example.com",
            "https://",
        ] {
            args.cors_origins = vec![bad.into()];
            assert!(args.cors_origins().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_unknown_scheme_is_refused_without_echoing_credentials() {
        let err = store(Some("mysql://root:hunter2@db/brigade"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("postgres://"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
