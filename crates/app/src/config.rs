//! Configuration of `brigade serve`, from flags or `BRIGADE_*` environment variables.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

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

/// The JWT secret `--dev` uses when none is set. Never valid without `--dev`.
pub const DEV_JWT_SECRET: &str = "brigade-dev-secret-not-for-production-use";

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL URL (`postgres://user@host:5432/db`).
    #[arg(long, env = "BRIGADE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    pub fn url(&self) -> anyhow::Result<&str> {
        self.database_url.as_deref().ok_or_else(|| {
            anyhow::anyhow!(
                "BRIGADE_DATABASE_URL is not set. Set it to a PostgreSQL URL, e.g. \
                 BRIGADE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/brigade \
                 (the embedded zero-setup store is not built yet)"
            )
        })
    }
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

    /// Development mode: a fixed JWT secret when none is set. Never in production.
    #[arg(long, env = "BRIGADE_DEV")]
    pub dev: bool,

    /// Also load the demo venue and staff before serving (implies nothing else).
    #[arg(long)]
    pub demo: bool,

    /// Access token lifetime in seconds (one shift).
    #[arg(long, env = "BRIGADE_TOKEN_TTL_SECS", default_value_t = 12 * 3600)]
    pub token_ttl_secs: u64,

    /// Database connections in the pool (default: cores + 1). Every order of a venue
    /// updates the venue's counter row; past a few concurrent transactions they only
    /// queue on that row lock inside PostgreSQL, where a crowd of waiters woken at each
    /// COMMIT costs throughput (docs/BENCHMARKS.md: 2 cores, 3 connections serve 532
    /// creates/s, 5 serve 317). Raise it for many busy venues on a bigger box.
    #[arg(long, env = "BRIGADE_DB_POOL_SIZE")]
    pub db_pool_size: Option<usize>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "BRIGADE_WORKERS")]
    pub workers: Option<usize>,
}

impl ServeArgs {
    pub fn jwt_secret(&self) -> anyhow::Result<Secret> {
        match (&self.jwt_secret, self.dev) {
            (Some(secret), _) if secret.len() >= 32 => Ok(Secret::new(secret.clone())),
            (Some(_), _) => anyhow::bail!("BRIGADE_JWT_SECRET must be at least 32 bytes"),
            (None, true) => Ok(Secret::new(DEV_JWT_SECRET)),
            (None, false) => anyhow::bail!(
                "BRIGADE_JWT_SECRET is required (at least 32 bytes; e.g. `openssl rand -hex 32`), \
                 or pass --dev for a development server"
            ),
        }
    }

    pub fn db_pool_size(&self) -> usize {
        self.db_pool_size.unwrap_or_else(|| {
            let cores = std::thread::available_parallelism().map_or(2, usize::from);
            cores + 1
        })
    }

    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl_secs)
    }
}
