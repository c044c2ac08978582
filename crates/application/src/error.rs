//! Errors of the application layer. Rule: ports speak [`StoreError`] (what the store
//! observed); use cases speak [`AppError`] (what the caller did wrong, or that something
//! unexpected happened, which is never detailed to the caller).

use brigade_domain::{ProductId, Quantity, TransitionError};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; carries the constraint name.
    #[error("unique constraint {0} violated")]
    UniqueViolation(String),
    /// A foreign key refused the write (the row is still referenced, or references
    /// nothing); carries the constraint name.
    #[error("foreign key {0} violated")]
    ForeignKeyViolation(String),
    /// Deadlock or serialization failure: the caller may retry.
    #[error("concurrent update conflict")]
    Contention,
    /// The store cannot be reached (connection refused, pool timeout).
    #[error("store unavailable: {0}")]
    Unavailable(anyhow::Error),
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// An id in a request body names nothing in this venue.
    #[error("{entity} {id} does not exist in this venue")]
    InvalidReference { entity: &'static str, id: Uuid },
    #[error("{0}")]
    Validation(String),
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("{0}")]
    Forbidden(String),
    #[error("insufficient stock for {product_name}: {requested} requested, {available} available")]
    InsufficientStock {
        product_id: ProductId,
        product_name: String,
        requested: Quantity,
        available: Quantity,
    },
    /// The request conflicts with the current state (duplicate name, table in use ...).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyMismatch,
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The payment processor did not answer: nothing was charged or given back.
    #[error("{0}")]
    ProcessorUnavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        AppError::Validation(message.into())
    }
}
