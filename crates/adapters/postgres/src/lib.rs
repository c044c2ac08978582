#![doc = include_str!("../README.md")]

mod error;
mod import;
mod migrate;
mod rows;
mod schema;
mod stores;
mod uow;

pub use import::Import;
pub use migrate::{migrate, revert_all};
pub use uow::{PgUnitOfWork, PoolSettings};
