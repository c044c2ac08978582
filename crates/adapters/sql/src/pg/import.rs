//! Loading rows exported from another Brigade store (`brigade import`): each table's
//! rows arrive as JSON objects keyed by column, and PostgreSQL converts them to the
//! table's row type itself (`json_populate_recordset`), all in one transaction.

use anyhow::Context;
use diesel::sql_types::{BigInt, Json, Nullable, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::{
    AnsiTransactionManager, AsyncConnection, AsyncPgConnection, RunQueryDsl, TransactionManager,
};
use serde_json::Value;

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Nullable<Text>)]
    value: Option<String>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

/// An import in progress: one open transaction. Dropping it without [`Import::commit`]
/// leaves the database as it was.
pub struct Import {
    conn: AsyncPgConnection,
}

impl Import {
    /// Opens the transaction. The database must be migrated to `schema` (the version the
    /// export was taken at) and hold no venue yet: an import never merges.
    pub async fn begin(database_url: &str, schema: &str) -> anyhow::Result<Self> {
        let mut conn = AsyncPgConnection::establish(database_url)
            .await
            .context("connecting to PostgreSQL")?;
        AnsiTransactionManager::begin_transaction(&mut conn).await?;
        let version: Vec<Version> =
            sql_query("SELECT MAX(version) AS value FROM __diesel_schema_migrations")
                .load(&mut conn)
                .await?;
        let version = version
            .into_iter()
            .next()
            .and_then(|v| v.value)
            .unwrap_or_default();
        anyhow::ensure!(
            version == schema,
            "the export is of schema {schema}, this database is at {version:?}: \
             run both on the same Brigade release"
        );
        let venues: Vec<Count> = sql_query("SELECT count(*) AS value FROM venues")
            .load(&mut conn)
            .await?;
        let venues = venues.into_iter().next().map_or(0, |c| c.value);
        anyhow::ensure!(
            venues == 0,
            "the target database already holds {venues} venue(s); import into an empty, \
             migrated database"
        );
        Ok(Self { conn })
    }

    /// Inserts `rows` (JSON objects keyed by column) into `table`.
    pub async fn insert(&mut self, table: &str, rows: Vec<Value>) -> anyhow::Result<usize> {
        anyhow::ensure!(
            !table.is_empty() && table.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "not a table name: {table:?}"
        );
        let inserted = sql_query(format!(
            "INSERT INTO {table} SELECT * FROM json_populate_recordset(NULL::{table}, $1)"
        ))
        .bind::<Json, _>(Value::Array(rows))
        .execute(&mut self.conn)
        .await
        .with_context(|| format!("importing into {table}"))?;
        Ok(inserted)
    }

    pub async fn commit(mut self) -> anyhow::Result<()> {
        AnsiTransactionManager::commit_transaction(&mut self.conn).await?;
        Ok(())
    }
}
