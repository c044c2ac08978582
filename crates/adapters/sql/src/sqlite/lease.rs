//! A fixed number of connections to one file, lent out one at a time each.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use brigade_application::StoreError;
use brigade_application::ports::Connections;
use diesel::Connection as _;
use diesel_async::SimpleAsyncConnection;
use diesel_async::sync_connection_wrapper::{SpawnBlocking as _, SyncConnectionWrapper};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::thread::ConnectionThread;
use super::{Connection, establish};
use crate::StatementStats;
use crate::statements::{ParentSpan, QueryTracing, StatementLog};

/// How long a request waits for a connection of the embedded store.
const LEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// A fixed number of connections to one file, lent out one at a time each.
pub(super) struct Slots {
    path: PathBuf,
    size: usize,
    idle: Mutex<Vec<Idle>>,
    permits: Arc<Semaphore>,
    /// Slow-statement warnings and statement spans.
    statements: StatementLog,
    /// Statements run on these connections (shared with the other slots of the file).
    count: Arc<AtomicU64>,
    /// Each statement pattern's cost (shared likewise).
    stats: Arc<StatementStats>,
}

struct Idle {
    conn: Connection,
    /// A transaction was left open (its `Tx` was dropped): roll it back before reuse.
    pub(super) in_tx: bool,
    /// The span the connection's statements are traced under.
    pub(super) parent: ParentSpan,
}

impl Slots {
    pub(super) fn new(
        path: PathBuf,
        size: usize,
        statements: StatementLog,
        count: Arc<AtomicU64>,
        stats: Arc<StatementStats>,
    ) -> Arc<Self> {
        Arc::new(Self {
            path,
            size,
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Arc::new(Semaphore::new(size)),
            statements,
            count,
            stats,
        })
    }

    /// Connections lent out, and open and idle.
    pub(super) fn usage(&self) -> Connections {
        Connections {
            used: self.size.saturating_sub(self.permits.available_permits()),
            idle: self.idle.lock().map_or(0, |idle| idle.len()),
        }
    }

    pub(super) async fn lease(self: &Arc<Self>) -> Result<Lease, StoreError> {
        // Bounded like PostgreSQL's pool: a store this busy answers 503, not a queue.
        let permit = tokio::time::timeout(LEASE_WAIT, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| {
                StoreError::Unavailable(anyhow::anyhow!(
                    "no database connection free within {} s",
                    LEASE_WAIT.as_secs()
                ))
            })?
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
    async fn connect(&self) -> Result<(Connection, ParentSpan), StoreError> {
        let path = self.path.clone();
        let mut conn = tokio::task::spawn_blocking(move || establish(&path))
            .await
            .map_err(|e| StoreError::Unavailable(e.into()))?
            .map_err(StoreError::Unavailable)?;
        let parent = ParentSpan::default();
        conn.set_instrumentation(
            QueryTracing::new("sqlite", self.statements)
                .under(parent.clone())
                .counting(Arc::clone(&self.count))
                .keeping(Arc::clone(&self.stats)),
        );
        Ok((
            SyncConnectionWrapper::with_runtime(conn, ConnectionThread::get_runtime()),
            parent,
        ))
    }
}

/// A connection on loan; going out of scope returns it to its slots.
pub(crate) struct Lease {
    conn: Option<Connection>,
    pub(super) in_tx: bool,
    pub(super) parent: ParentSpan,
    slots: Arc<Slots>,
    _permit: OwnedSemaphorePermit,
}

impl Deref for Lease {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl DerefMut for Lease {
    fn deref_mut(&mut self) -> &mut Connection {
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

impl Lease {
    /// Ends the transaction with `COMMIT` or `ROLLBACK`.
    pub(crate) async fn end(&mut self, statement: &str) -> Result<(), StoreError> {
        self.batch_execute(statement)
            .await
            .map_err(crate::error::sqlite)?;
        self.in_tx = false;
        Ok(())
    }
}
