//! Embedded migrations, applied by `brigade migrate` and at `serve` start-up. The two
//! trees keep the same versions, tables and columns (`tests/schema.rs` compares each
//! with `schema.rs`).

use diesel::backend::Backend;
use diesel::migration::MigrationSource;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub(crate) const POSTGRES: EmbeddedMigrations = embed_migrations!("../../../migrations/postgres");
pub(crate) const SQLITE: EmbeddedMigrations = embed_migrations!("../../../migrations/sqlite");

pub(crate) enum Direction {
    /// Apply what is pending.
    Up,
    /// Revert the latest.
    DownOne,
    /// Revert everything.
    DownAll,
}

/// Runs diesel's synchronous migration harness on a blocking thread, on the connection
/// `open` makes there; returns the versions applied or reverted.
pub(crate) async fn run<C, DB>(
    open: impl FnOnce() -> anyhow::Result<C> + Send + 'static,
    migrations: EmbeddedMigrations,
    direction: Direction,
) -> anyhow::Result<Vec<String>>
where
    C: MigrationHarness<DB>,
    DB: Backend,
{
    tokio::task::spawn_blocking(move || {
        let mut conn = open()?;
        let versions = match direction {
            Direction::Up => conn
                .run_pending_migrations(migrations)
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?,
            Direction::DownOne => vec![
                conn.revert_last_migration(migrations)
                    .map_err(|e| anyhow::anyhow!("revert failed: {e}"))?,
            ],
            Direction::DownAll => conn
                .revert_all_migrations(migrations)
                .map_err(|e| anyhow::anyhow!("revert failed: {e}"))?,
        };
        Ok(versions.iter().map(ToString::to_string).collect())
    })
    .await?
}

/// Every version in `migrations`, oldest first.
pub(crate) fn versions<DB: Backend>(migrations: &EmbeddedMigrations) -> Vec<String>
where
    EmbeddedMigrations: MigrationSource<DB>,
{
    let mut versions: Vec<String> = MigrationSource::<DB>::migrations(migrations)
        .map(|all| all.iter().map(|m| m.name().version().to_string()).collect())
        .unwrap_or_default();
    versions.sort();
    versions
}

/// The version of the newest migration in `migrations`, e.g. `20261202000001`.
pub(crate) fn latest<DB: Backend>(migrations: &EmbeddedMigrations) -> String
where
    EmbeddedMigrations: MigrationSource<DB>,
{
    MigrationSource::<DB>::migrations(migrations)
        .ok()
        .and_then(|all| all.iter().map(|m| m.name().version().to_string()).max())
        .unwrap_or_default()
}
