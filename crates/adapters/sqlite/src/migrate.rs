//! Embedded migrations, applied by `brigade migrate` and at `serve` start-up.

use std::path::{Path, PathBuf};

use diesel::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::uow::establish;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../../migrations/sqlite");

/// Runs diesel's migration harness on a blocking thread.
async fn with_harness<T: Send + 'static>(
    path: &Path,
    work: impl FnOnce(&mut SqliteConnection) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let path: PathBuf = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = establish(&path)?;
        work(&mut conn)
    })
    .await?
}

/// Applies pending migrations (creating the file when missing); returns the versions
/// applied.
pub async fn migrate(path: &Path) -> anyhow::Result<Vec<String>> {
    with_harness(path, |conn| {
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .await
}

/// Reverts every migration (the migration round-trip check).
pub async fn revert_all(path: &Path) -> anyhow::Result<Vec<String>> {
    with_harness(path, |conn| {
        let reverted = conn
            .revert_all_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("revert failed: {e}"))?;
        Ok(reverted.iter().map(ToString::to_string).collect())
    })
    .await
}
