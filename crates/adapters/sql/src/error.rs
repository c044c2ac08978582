//! diesel errors -> `StoreError`, per dialect: what differs is where the violated
//! constraint is named and how contention shows.

use brigade_application::StoreError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// A PostgreSQL error: constraints by name; deadlocks and serialization failures are
/// contention.
pub(crate) fn pg(error: DieselError) -> StoreError {
    match error {
        DieselError::DatabaseError(kind, info) => {
            let constraint = info.constraint_name().unwrap_or("unknown").to_owned();
            match kind {
                DatabaseErrorKind::UniqueViolation => StoreError::UniqueViolation(constraint),
                DatabaseErrorKind::ForeignKeyViolation => {
                    StoreError::ForeignKeyViolation(constraint)
                }
                DatabaseErrorKind::SerializationFailure => StoreError::Contention,
                DatabaseErrorKind::ClosedConnection => StoreError::Unavailable(anyhow::anyhow!(
                    "connection closed: {}",
                    info.message()
                )),
                // Deadlocks arrive as Unknown with SQLSTATE 40P01 in the message.
                _ if info.message().contains("deadlock detected") => StoreError::Contention,
                // A session limit cut the statement, or the server ended the connection
                // (a restart, the idle-in-transaction limit): the request may be retried.
                _ if cut_or_closed(info.message()) => {
                    StoreError::Unavailable(anyhow::anyhow!("database: {}", info.message()))
                }
                _ => StoreError::Unknown(anyhow::anyhow!(
                    "database error: {} (constraint {constraint})",
                    info.message()
                )),
            }
        }
        // The connection broke mid-transaction: nothing of the transaction committed.
        DieselError::BrokenTransactionManager => StoreError::Unavailable(anyhow::anyhow!(
            "database: the connection broke during a transaction"
        )),
        other => StoreError::Unknown(other.into()),
    }
}

/// Whether PostgreSQL's message says a limit cut the statement or the connection is gone.
fn cut_or_closed(message: &str) -> bool {
    const SIGNS: [&str; 8] = [
        "statement timeout",
        "lock timeout",
        "idle-in-transaction timeout",
        "terminating connection",
        "connection closed",
        "server closed the connection",
        "the database system is shutting down",
        "the database system is starting up",
    ];
    SIGNS.iter().any(|sign| message.contains(sign))
}

/// An SQLite error: SQLite names no constraint (the message names the columns); another
/// process holding the file's write lock past the busy timeout is contention.
pub(crate) fn sqlite(error: DieselError) -> StoreError {
    match error {
        DieselError::DatabaseError(kind, info) => {
            let what = info.message().to_owned();
            match kind {
                DatabaseErrorKind::UniqueViolation => StoreError::UniqueViolation(what),
                DatabaseErrorKind::ForeignKeyViolation => StoreError::ForeignKeyViolation(what),
                _ if what.contains("database is locked") || what.contains("busy") => {
                    StoreError::Contention
                }
                _ => StoreError::Unknown(anyhow::anyhow!("database error: {what}")),
            }
        }
        other => StoreError::Unknown(other.into()),
    }
}
