//! Embedded migrations, applied by `brigade migrate` and at `serve` start-up.

use anyhow::Context;
use diesel::Connection;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../../migrations/postgres");

type SyncPg = AsyncConnectionWrapper<AsyncPgConnection>;

/// Runs diesel's synchronous migration harness on a blocking thread.
async fn with_harness<T: Send + 'static>(
    database_url: &str,
    work: impl FnOnce(&mut SyncPg) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = SyncPg::establish(&url).context("connecting to PostgreSQL to migrate")?;
        work(&mut conn)
    })
    .await?
}

/// Applies pending migrations; returns the versions applied.
pub async fn migrate(database_url: &str) -> anyhow::Result<Vec<String>> {
    with_harness(database_url, |conn| {
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .await
}

/// Reverts every migration (the migration round-trip check, and rollbacks).
pub async fn revert_all(database_url: &str) -> anyhow::Result<Vec<String>> {
    with_harness(database_url, |conn| {
        let reverted = conn
            .revert_all_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("revert failed: {e}"))?;
        Ok(reverted.iter().map(ToString::to_string).collect())
    })
    .await
}
