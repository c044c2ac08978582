//! Connections and the unit of work: one writer, a few readers.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::JournalEntry;
use brigade_application::ports::*;
use brigade_sql_tracing::{ParentSpan, QueryTracing, StatementLog};
use diesel::{Connection, SqliteConnection};
use diesel_async::SimpleAsyncConnection;
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::StoreResult;

pub(crate) type Conn = SyncConnectionWrapper<SqliteConnection>;

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

/// A fixed number of connections to one file, lent out one at a time each.
struct Slots {
    path: PathBuf,
    size: usize,
    idle: Mutex<Vec<Idle>>,
    permits: Arc<Semaphore>,
    /// Slow-statement warnings and statement spans.
    statements: StatementLog,
}

struct Idle {
    conn: Conn,
    /// A transaction was left open (its `Tx` was dropped): roll it back before reuse.
    in_tx: bool,
    /// The span the connection's statements are traced under.
    parent: ParentSpan,
}

impl Slots {
    fn new(path: PathBuf, size: usize, statements: StatementLog) -> Arc<Self> {
        Arc::new(Self {
            path,
            size,
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Arc::new(Semaphore::new(size)),
            statements,
        })
    }

    /// Connections lent out, and open and idle.
    fn usage(&self) -> Connections {
        Connections {
            used: self.size.saturating_sub(self.permits.available_permits()),
            idle: self.idle.lock().map_or(0, |idle| idle.len()),
        }
    }

    async fn lease(self: &Arc<Self>) -> Result<Lease, StoreError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| StoreError::Unavailable(e.into()))?;
        let idle = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        let mut lease = match idle {
            Some(idle) => Lease {
                conn: Some(idle.conn),
                in_tx: idle.in_tx,
                parent: idle.parent,
                slots: Arc::clone(self),
                _permit: permit,
            },
            None => {
                let (conn, parent) = self.connect().await?;
                Lease {
                    conn: Some(conn),
                    in_tx: false,
                    parent,
                    slots: Arc::clone(self),
                    _permit: permit,
                }
            }
        };
        if lease.in_tx {
            // Left mid-transaction (its Tx dropped, or a BEGIN/COMMIT cancelled or
            // failed): roll back. If even that fails, SQLite already ended the
            // transaction or the connection is unusable: replace it.
            if lease.batch_execute("ROLLBACK").await.is_err() {
                tracing::debug!("sqlite: replacing a connection left in an unknown state");
                let (conn, parent) = self.connect().await?;
                lease.conn = Some(conn);
                lease.parent = parent;
            }
            lease.in_tx = false;
        }
        Ok(lease)
    }

    /// A new connection whose statements are traced under the returned `ParentSpan`
    /// (they run on blocking threads, outside the use case's span).
    async fn connect(&self) -> Result<(Conn, ParentSpan), StoreError> {
        let path = self.path.clone();
        let mut conn = tokio::task::spawn_blocking(move || establish(&path))
            .await
            .map_err(|e| StoreError::Unavailable(e.into()))?
            .map_err(StoreError::Unavailable)?;
        let parent = ParentSpan::default();
        conn.set_instrumentation(
            QueryTracing::new("sqlite", self.statements).under(parent.clone()),
        );
        Ok((SyncConnectionWrapper::new(conn), parent))
    }
}

/// A connection on loan; going out of scope returns it to its slots.
pub struct Lease {
    conn: Option<Conn>,
    in_tx: bool,
    parent: ParentSpan,
    slots: Arc<Slots>,
    _permit: OwnedSemaphorePermit,
}

impl Deref for Lease {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // An idle connection must not keep the request's span (and trace) open.
        self.parent.set(tracing::Span::none());
        if let (Some(conn), Ok(mut idle)) = (self.conn.take(), self.slots.idle.lock()) {
            idle.push(Idle {
                conn,
                in_tx: self.in_tx,
                parent: self.parent.clone(),
            });
        }
    }
}

#[derive(Clone)]
pub struct SqliteUnitOfWork {
    writer: Arc<Slots>,
    readers: Arc<Slots>,
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
        Ok(Self {
            writer: Slots::new(path.clone(), 1, statements),
            readers: Slots::new(path, readers.max(1), statements),
        })
    }

    async fn open_tx(&self, slots: &Arc<Slots>, begin: &str) -> Result<Box<dyn Tx>, StoreError> {
        let mut conn = slots.lease().await?;
        conn.parent.set(tracing::Span::current());
        // Marked first: a BEGIN that is cancelled or fails still gets a ROLLBACK before
        // the connection's next use.
        conn.in_tx = true;
        conn.batch_execute(begin).await.store()?;
        Ok(Box::new(SqliteTx {
            conn,
            journaled: Vec::new(),
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

    async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.readers.lease().await?;
        conn.batch_execute("SELECT 1").await.store()
    }

    fn connections(&self) -> Connections {
        let (writer, readers) = (self.writer.usage(), self.readers.usage());
        Connections {
            used: writer.used + readers.used,
            idle: writer.idle + readers.idle,
        }
    }
}

/// One open transaction on one leased connection. Every store port is implemented on
/// it (see `stores/`).
pub struct SqliteTx {
    pub(crate) conn: Lease,
    journaled: Vec<JournalEntry>,
}

#[async_trait]
impl Tx for SqliteTx {
    fn venues(&mut self) -> &mut dyn VenueStore {
        self
    }
    fn users(&mut self) -> &mut dyn UserStore {
        self
    }
    fn tables(&mut self) -> &mut dyn TableStore {
        self
    }
    fn products(&mut self) -> &mut dyn ProductStore {
        self
    }
    fn stock(&mut self) -> &mut dyn StockStore {
        self
    }
    fn orders(&mut self) -> &mut dyn OrderStore {
        self
    }
    fn events(&mut self) -> &mut dyn EventLog {
        self
    }
    fn idempotency(&mut self) -> &mut dyn IdempotencyStore {
        self
    }
    fn journaled(&mut self) -> &mut Vec<JournalEntry> {
        &mut self.journaled
    }

    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.conn.batch_execute("COMMIT").await.store()?;
        self.conn.in_tx = false;
        Ok(())
    }

    async fn rollback(mut self: Box<Self>) -> Result<(), StoreError> {
        self.conn.batch_execute("ROLLBACK").await.store()?;
        self.conn.in_tx = false;
        Ok(())
    }
}
