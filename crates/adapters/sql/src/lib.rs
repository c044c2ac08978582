#![doc = include_str!("../README.md")]

mod error;
mod migrate;
pub mod pg;
mod rows;
mod schema;
pub mod sqlite;
mod statement_stats;
mod statements;
mod stores;
mod tx;
mod types;

pub use pg::{PgUnitOfWork, PoolSettings, SessionTimeouts};
pub use sqlite::SqliteUnitOfWork;
pub use statement_stats::StatementStats;
pub use statements::{DEFAULT_SLOW_QUERY, ParentSpan, QueryTracing, StatementLog};
pub use tx::SqlTx;
