//! diesel errors -> `StoreError`.

use brigade_application::StoreError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

pub(crate) fn store_error(error: DieselError) -> StoreError {
    match error {
        DieselError::DatabaseError(kind, info) => {
            // SQLite names no constraint; the message names the columns.
            let what = info.message().to_owned();
            match kind {
                DatabaseErrorKind::UniqueViolation => StoreError::UniqueViolation(what),
                DatabaseErrorKind::ForeignKeyViolation => StoreError::ForeignKeyViolation(what),
                // Another process held the file's write lock past the busy timeout.
                _ if what.contains("database is locked") || what.contains("busy") => {
                    StoreError::Contention
                }
                _ => StoreError::Unknown(anyhow::anyhow!("database error: {what}")),
            }
        }
        other => StoreError::Unknown(other.into()),
    }
}

pub(crate) trait StoreResult<T> {
    fn store(self) -> Result<T, StoreError>;
}

impl<T> StoreResult<T> for Result<T, DieselError> {
    fn store(self) -> Result<T, StoreError> {
        self.map_err(store_error)
    }
}
