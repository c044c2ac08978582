#![doc = include_str!("../README.md")]

mod error;
mod export;
mod migrate;
mod rows;
mod schema;
mod stores;
mod uow;

pub use export::{export, schema_version};
pub use migrate::{migrate, revert_all};
pub use uow::SqliteUnitOfWork;
