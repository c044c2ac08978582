//! [`SqlTx`], the one transaction every store port is implemented on (`stores/`), and
//! [`on!`], which runs a query on it whichever dialect it is.

use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::ports::*;
use diesel_async::pooled_connection::deadpool::Object;
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, TransactionManager};

use crate::sqlite::Lease;

/// The connection a transaction runs on.
#[expect(
    clippy::large_enum_variant,
    reason = "one per transaction, and already on the heap inside Box<dyn Tx>"
)]
pub(crate) enum Conn {
    /// A pooled PostgreSQL connection inside `BEGIN`.
    Pg(Object<AsyncPgConnection>),
    /// A leased SQLite connection inside `BEGIN` (read) or `BEGIN IMMEDIATE` (write).
    Sqlite(Lease),
}

/// Runs a query on a [`Conn`] and maps its diesel error to `StoreError` by the
/// dialect's rules. The body is expanded once per dialect, so one query serves both:
///
/// ```ignore
/// on!(&mut self.conn, |c| t::table.find(id).first(c).await.optional())
/// ```
///
/// Where the dialects truly differ (row locks, `NULLS LAST`, raw SQL), each gets its
/// own body: `on!(&mut self.conn, pg: |c| ..., sqlite: |c| ...)`.
macro_rules! on {
    ($conn:expr, |$c:ident| $body:expr) => {
        $crate::tx::on!($conn, pg: |$c| $body, sqlite: |$c| $body)
    };
    ($conn:expr, pg: |$p:ident| $pg:expr, sqlite: |$s:ident| $sqlite:expr $(,)?) => {
        match $conn {
            $crate::tx::Conn::Pg(pooled) => {
                let $p: &mut ::diesel_async::AsyncPgConnection = &mut **pooled;
                ($pg).map_err($crate::error::pg)
            }
            $crate::tx::Conn::Sqlite(lease) => {
                let $s: &mut $crate::sqlite::Connection = &mut **lease;
                ($sqlite).map_err($crate::error::sqlite)
            }
        }
    };
}
pub(crate) use on;

/// One open transaction on one connection. Dropping it without [`Tx::commit`] rolls
/// back: PostgreSQL's pool discards a connection diesel-async marks broken, and a SQLite
/// lease rolls back before its connection's next use.
pub struct SqlTx {
    pub(crate) conn: Conn,
    /// Outside any transaction (`UnitOfWork::statement`): each statement commits on
    /// its own, and ending it only returns the connection.
    pub(crate) autocommit: bool,
}

#[async_trait]
impl Tx for SqlTx {
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
    fn menu(&mut self) -> &mut dyn MenuStore {
        self
    }
    fn modifiers(&mut self) -> &mut dyn ModifierStore {
        self
    }
    fn checks(&mut self) -> &mut dyn CheckStore {
        self
    }
    fn stock(&mut self) -> &mut dyn StockStore {
        self
    }
    fn orders(&mut self) -> &mut dyn OrderStore {
        self
    }
    fn operations(&mut self) -> &mut dyn OperationsStore {
        self
    }
    fn events(&mut self) -> &mut dyn EventLog {
        self
    }
    fn idempotency(&mut self) -> &mut dyn IdempotencyStore {
        self
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        if self.autocommit {
            return Ok(());
        }
        match self.conn {
            Conn::Pg(mut conn) => AnsiTransactionManager::commit_transaction(&mut *conn)
                .await
                .map_err(crate::error::pg),
            Conn::Sqlite(mut lease) => lease.end("COMMIT").await,
        }
    }

    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        if self.autocommit {
            return Ok(());
        }
        match self.conn {
            Conn::Pg(mut conn) => AnsiTransactionManager::rollback_transaction(&mut *conn)
                .await
                .map_err(crate::error::pg),
            Conn::Sqlite(mut lease) => lease.end("ROLLBACK").await,
        }
    }
}
