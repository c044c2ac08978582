//! diesel errors -> `StoreError`.

use brigade_application::StoreError;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

pub(crate) fn store_error(error: DieselError) -> StoreError {
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
                _ => StoreError::Unknown(anyhow::anyhow!(
                    "database error: {} (constraint {constraint})",
                    info.message()
                )),
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
