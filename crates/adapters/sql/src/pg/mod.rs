//! The PostgreSQL dialect: the pool and its unit of work, migrations, and `brigade
//! import`.

mod import;

pub use import::Import;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::{QueryStat, QueryStats};
use brigade_application::ports::{Connections, Tx, UnitOfWork};
use deadpool::Runtime;
use diesel::Connection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AnsiTransactionManager, AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::migrate::{self, Direction};
use crate::statements::{QueryTracing, StatementLog};
use crate::tx::{Conn, SqlTx};

/// This release's migrations that `database_url`'s database has not applied, oldest
/// first. Only reads: diesel's own check creates its bookkeeping table first, which a
/// role that does not own the schema may not (DESIGN §8: such a deployment migrates
/// first with the owner's URL).
pub async fn pending(database_url: &str) -> anyhow::Result<Vec<String>> {
    #[derive(diesel::QueryableByName)]
    struct Applied {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Present {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        present: bool,
    }
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .context("connecting to PostgreSQL")?;
    let present: Present = diesel::sql_query(
        "SELECT to_regclass('__diesel_schema_migrations') IS NOT NULL AS present",
    )
    .get_result(&mut conn)
    .await
    .context("looking for the migrations table")?;
    // No bookkeeping table yet: a new database, everything pending.
    let applied: Vec<Applied> = if present.present {
        diesel::sql_query("SELECT CAST(version AS TEXT) AS version FROM __diesel_schema_migrations")
            .load(&mut conn)
            .await
            .context("reading the applied migrations")?
    } else {
        Vec::new()
    };
    let applied: std::collections::HashSet<String> =
        applied.into_iter().map(|a| a.version).collect();
    Ok(migrate::versions::<diesel::pg::Pg>(&migrate::POSTGRES)
        .into_iter()
        .filter(|v| !applied.contains(v))
        .collect())
}

/// Applies pending migrations; returns the versions applied.
pub async fn migrate(database_url: &str) -> anyhow::Result<Vec<String>> {
    harness(database_url, Direction::Up).await
}

/// Reverts the latest migration (its round-trip test, and a rollback of one release).
pub async fn revert_last(database_url: &str) -> anyhow::Result<Vec<String>> {
    harness(database_url, Direction::DownOne).await
}

/// Reverts every migration (the migration round-trip check, and rollbacks).
pub async fn revert_all(database_url: &str) -> anyhow::Result<Vec<String>> {
    harness(database_url, Direction::DownAll).await
}

async fn harness(database_url: &str, direction: Direction) -> anyhow::Result<Vec<String>> {
    let url = database_url.to_owned();
    migrate::run(
        move || {
            <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(&url)
                .context("connecting to PostgreSQL to migrate")
        },
        migrate::POSTGRES,
        direction,
    )
    .await
}

/// Pool sizing. PostgreSQL does best with a few connections per core; more only queue
/// inside the server (`brigade serve` defaults to cores + 1).
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: usize,
    /// How long a request waits for a free connection before failing with 503.
    pub wait_timeout: Duration,
    /// How long opening a new connection may take.
    pub connect_timeout: Duration,
    /// Slow-statement warnings and statement spans.
    pub statements: StatementLog,
    /// Each connection's session limits.
    pub timeouts: SessionTimeouts,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_size: 3,
            wait_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(3),
            statements: StatementLog::default(),
            timeouts: SessionTimeouts::default(),
        }
    }
}

/// PostgreSQL's limits on one request's work, set on every pooled connection (the
/// migrations and `brigade import` run on connections of their own, without them). A
/// statement cut by one answers 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimeouts {
    /// `statement_timeout`: the longest one statement may run, lock waits included.
    pub statement: Duration,
    /// `lock_timeout`: the longest one statement may wait for a row lock. Above the
    /// designed queueing on a venue's counter row under a rush (docs/BENCHMARKS.md).
    pub lock: Duration,
    /// `idle_in_transaction_session_timeout`: a transaction left idle this long is
    /// ended by the server (its connection closes), releasing its locks.
    pub idle_in_transaction: Duration,
}

impl Default for SessionTimeouts {
    fn default() -> Self {
        Self {
            statement: Duration::from_secs(5),
            lock: Duration::from_secs(2),
            idle_in_transaction: Duration::from_secs(10),
        }
    }
}

impl SessionTimeouts {
    /// The `SET`s opening each connection (0 turns a limit off).
    fn sql(&self) -> String {
        format!(
            "SET statement_timeout = {}; SET lock_timeout = {}; \
             SET idle_in_transaction_session_timeout = {}",
            self.statement.as_millis(),
            self.lock.as_millis(),
            self.idle_in_transaction.as_millis()
        )
    }
}

#[derive(Clone)]
pub struct PgUnitOfWork {
    pool: Pool<AsyncPgConnection>,
    statements: Arc<AtomicU64>,
}

impl PgUnitOfWork {
    pub fn connect(database_url: &str, settings: &PoolSettings) -> anyhow::Result<Self> {
        // No test query on every checkout (a round trip per request): a connection that
        // died fails its first statement, is answered 503 and discarded by the pool.
        let mut config = ManagerConfig::default();
        config.recycling_method = RecyclingMethod::Fast;
        // Statement spans and slow-statement warnings on every connection.
        let log = settings.statements;
        let statements = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&statements);
        let limits = settings.timeouts.sql();
        config.custom_setup = Box::new(move |url| {
            let url = url.to_owned();
            let count = Arc::clone(&count);
            let limits = limits.clone();
            Box::pin(async move {
                let mut conn = AsyncPgConnection::establish(&url).await?;
                diesel_async::SimpleAsyncConnection::batch_execute(&mut conn, &limits)
                    .await
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
                conn.set_instrumentation(QueryTracing::new("postgresql", log).counting(count));
                Ok(conn)
            })
        });
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
            database_url,
            config,
        );
        let pool = Pool::builder(manager)
            .max_size(settings.max_size)
            .wait_timeout(Some(settings.wait_timeout))
            .create_timeout(Some(settings.connect_timeout))
            .recycle_timeout(Some(settings.connect_timeout))
            .runtime(Runtime::Tokio1)
            .build()?;
        Ok(Self { pool, statements })
    }

    async fn checkout(&self) -> Result<Object<AsyncPgConnection>, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|e: PoolError| StoreError::Unavailable(anyhow::anyhow!("database pool: {e}")))
    }

    async fn open(&self, read_only: bool) -> Result<Box<dyn Tx>, StoreError> {
        let mut conn = self.checkout().await?;
        // One round trip either way: a read's isolation is part of its BEGIN.
        let begin = if read_only {
            "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        } else {
            "BEGIN"
        };
        AnsiTransactionManager::begin_transaction_sql(&mut *conn, begin)
            .await
            .map_err(crate::error::pg)?;
        Ok(Box::new(SqlTx {
            conn: Conn::Pg(conn),
            autocommit: false,
        }))
    }
}

#[async_trait]
impl UnitOfWork for PgUnitOfWork {
    async fn begin(&self) -> Result<Box<dyn Tx>, StoreError> {
        self.open(false).await
    }

    async fn read(&self) -> Result<Box<dyn Tx>, StoreError> {
        self.open(true).await
    }

    async fn statement(&self) -> Result<Box<dyn Tx>, StoreError> {
        Ok(Box::new(SqlTx {
            conn: Conn::Pg(self.checkout().await?),
            autocommit: true,
        }))
    }

    fn statements(&self) -> u64 {
        AtomicU64::load(&self.statements, Ordering::Relaxed)
    }

    fn connections(&self) -> Connections {
        let status = self.pool.status();
        Connections {
            used: status.size.saturating_sub(status.available),
            idle: status.available,
        }
    }

    async fn query_stats(&self, limit: usize) -> Result<QueryStats, StoreError> {
        let mut conn = self.checkout().await?;
        let rows: Result<Vec<StatRow>, _> = diesel::sql_query(TOP_STATEMENTS)
            .bind::<diesel::sql_types::BigInt, _>(i64::try_from(limit).unwrap_or(20))
            .load(&mut *conn)
            .await;
        match rows {
            Ok(rows) => Ok(QueryStats::Statements(
                rows.into_iter().map(QueryStat::from).collect(),
            )),
            // Not installed, or not loaded at server start.
            Err(diesel::result::Error::DatabaseError(_, info)) => {
                Ok(QueryStats::Unavailable(format!(
                    "{} (load it: shared_preload_libraries = 'pg_stat_statements' in \
                     postgresql.conf, restart, then CREATE EXTENSION pg_stat_statements \
                     in this database; deploy/compose.yaml does both)",
                    info.message()
                )))
            }
            Err(e) => Err(crate::error::pg(e)),
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.checkout().await?;
        diesel::sql_query("SELECT 1")
            .execute(&mut *conn)
            .await
            .map_err(crate::error::pg)?;
        Ok(())
    }
}

/// This database's costliest statement patterns, from `pg_stat_statements`.
const TOP_STATEMENTS: &str = "SELECT query AS statement, calls, total_exec_time AS total_ms,
        mean_exec_time AS mean_ms, max_exec_time AS max_ms
   FROM pg_stat_statements
  WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  ORDER BY total_exec_time DESC
  LIMIT $1";

#[derive(diesel::QueryableByName)]
struct StatRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    statement: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    calls: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    total_ms: f64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    mean_ms: f64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    max_ms: f64,
}

impl From<StatRow> for QueryStat {
    fn from(r: StatRow) -> Self {
        QueryStat {
            statement: r.statement,
            calls: r.calls,
            total_ms: r.total_ms,
            mean_ms: r.mean_ms,
            max_ms: r.max_ms,
        }
    }
}
