//! The embedded SQLite dialect: one writer connection and a few readers on one file,
//! migrations, and `brigade export`.

mod export;
mod lease;
mod thread;

pub use export::{export, schema_version};
pub(crate) use lease::Lease;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::QueryStats;
use brigade_application::ports::{Connections, Tx, UnitOfWork};
use diesel::Connection as _;
use diesel::SqliteConnection;
use diesel_async::SimpleAsyncConnection;
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;

use crate::StatementStats;
use crate::migrate::{self, Direction};
use crate::statements::StatementLog;
use crate::tx::{Conn, SqlTx};
use lease::Slots;
use thread::ConnectionThread;

/// A SQLite connection as the stores use it: diesel's synchronous connection, each
/// statement run on the connection's own thread (`thread.rs` says why).
pub(crate) type Connection = SyncConnectionWrapper<SqliteConnection, ConnectionThread>;

/// How long a writer from another process may hold the file before ours gives up (the
/// request is then answered 503 `contention`). Writers of this process queue on the
/// writer slot instead, without a limit.
const BUSY_TIMEOUT_MS: u32 = 5_000;

/// Opens a connection with the settings every Brigade connection needs.
pub(crate) fn establish(path: &Path) -> anyhow::Result<SqliteConnection> {
    let url = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("database path {} is not UTF-8", path.display()))?;
    let mut conn = SqliteConnection::establish(url)
        .map_err(|e| anyhow::anyhow!("opening {}: {e}", path.display()))?;
    diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        &format!(
            "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;"
        ),
    )
    .map_err(|e| anyhow::anyhow!("configuring {}: {e}", path.display()))?;
    Ok(conn)
}

/// Applies pending migrations (creating the file when missing); returns the versions
/// applied.
pub async fn migrate(path: &Path) -> anyhow::Result<Vec<String>> {
    harness(path, Direction::Up).await
}

/// Reverts the latest migration (its round-trip test, and a rollback of one release).
pub async fn revert_last(path: &Path) -> anyhow::Result<Vec<String>> {
    harness(path, Direction::DownOne).await
}

/// Reverts every migration (the migration round-trip check).
pub async fn revert_all(path: &Path) -> anyhow::Result<Vec<String>> {
    harness(path, Direction::DownAll).await
}

/// The schema version this release migrates the embedded store to.
pub fn release_schema_version() -> String {
    migrate::latest::<diesel::sqlite::Sqlite>(&migrate::SQLITE)
}

async fn harness(path: &Path, direction: Direction) -> anyhow::Result<Vec<String>> {
    let path = path.to_owned();
    migrate::run(move || establish(&path), migrate::SQLITE, direction).await
}

#[derive(Clone)]
pub struct SqliteUnitOfWork {
    writer: Arc<Slots>,
    readers: Arc<Slots>,
    statements: Arc<AtomicU64>,
    stats: Arc<StatementStats>,
}

impl SqliteUnitOfWork {
    /// Opens (creating when missing) the database file. `readers` read transactions can
    /// run beside the one write transaction; `statements` says what is recorded of each
    /// statement.
    pub fn open(
        path: impl Into<PathBuf>,
        readers: usize,
        statements: StatementLog,
    ) -> anyhow::Result<Self> {
        let path = path.into();
        // Fail now, with the path in the message, rather than at the first request.
        establish(&path)?;
        let count = Arc::new(AtomicU64::new(0));
        let stats = Arc::new(StatementStats::default());
        let slots = |path, size| {
            Slots::new(
                path,
                size,
                statements,
                Arc::clone(&count),
                Arc::clone(&stats),
            )
        };
        Ok(Self {
            writer: slots(path.clone(), 1),
            readers: slots(path, readers.max(1)),
            statements: count,
            stats,
        })
    }

    async fn open_tx(&self, slots: &Arc<Slots>, begin: &str) -> Result<Box<dyn Tx>, StoreError> {
        let mut conn = slots.lease().await?;
        conn.parent.set(tracing::Span::current());
        // Marked first: a BEGIN that is cancelled or fails still gets a ROLLBACK before
        // the connection's next use.
        conn.in_tx = true;
        conn.batch_execute(begin)
            .await
            .map_err(crate::error::sqlite)?;
        Ok(Box::new(SqlTx {
            conn: Conn::Sqlite(conn),
            autocommit: false,
        }))
    }
}

#[async_trait]
impl UnitOfWork for SqliteUnitOfWork {
    async fn begin(&self) -> Result<Box<dyn Tx>, StoreError> {
        // IMMEDIATE: the write lock now, not at the first write, so two writers never
        // both read a snapshot and then fail to upgrade.
        self.open_tx(&self.writer, "BEGIN IMMEDIATE").await
    }

    async fn read(&self) -> Result<Box<dyn Tx>, StoreError> {
        // Deferred: the snapshot is taken at the first read and kept until the end.
        self.open_tx(&self.readers, "BEGIN").await
    }

    async fn statement(&self) -> Result<Box<dyn Tx>, StoreError> {
        let conn = self.readers.lease().await?;
        conn.parent.set(tracing::Span::current());
        Ok(Box::new(SqlTx {
            conn: Conn::Sqlite(conn),
            autocommit: true,
        }))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.readers.lease().await?;
        conn.batch_execute("SELECT 1")
            .await
            .map_err(crate::error::sqlite)
    }

    fn statements(&self) -> u64 {
        AtomicU64::load(&self.statements, Ordering::Relaxed)
    }

    async fn query_stats(&self, limit: usize) -> Result<QueryStats, StoreError> {
        Ok(QueryStats::Statements(self.stats.top(limit)))
    }

    fn connections(&self) -> Connections {
        let (writer, readers) = (self.writer.usage(), self.readers.usage());
        Connections {
            used: writer.used + readers.used,
            idle: writer.idle + readers.idle,
        }
    }
}
