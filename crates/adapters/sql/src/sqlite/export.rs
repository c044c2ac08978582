//! Reading the whole store out, table by table, as JSON objects keyed by column: the
//! first half of moving a venue to PostgreSQL (`brigade export`, then `brigade import`).

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};
use serde_json::Value;

use super::establish;

/// Text columns that hold JSON: exported as JSON, not as a string of it.
const JSON_COLUMNS: [&str; 5] = [
    "position_json",
    "attributes",
    "modifiers",
    "options",
    "data",
];

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    value: String,
}

/// The latest applied migration, e.g. `20261123000001`.
pub fn schema_version(path: &Path) -> anyhow::Result<String> {
    let mut conn = establish(path)?;
    let rows: Vec<Row> =
        diesel::sql_query("SELECT MAX(version) AS value FROM __diesel_schema_migrations")
            .load(&mut conn)?;
    rows.into_iter()
        .next()
        .map(|r| r.value)
        .ok_or_else(|| anyhow::anyhow!("{} has no migrations applied", path.display()))
}

/// Calls `sink(table, row)` for every row of `tables`, in that order and in insertion
/// order within a table, all from one snapshot (the server may keep running). Returns
/// the number of rows. `tables` must be names of the schema's tables.
pub fn export(
    path: &Path,
    tables: &[&str],
    mut sink: impl FnMut(&str, Value) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    let mut conn = establish(path)?;
    conn.batch_execute("BEGIN")?;
    let mut count = 0;
    for table in tables {
        let columns: Vec<Name> =
            diesel::sql_query("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                .bind::<Text, _>(*table)
                .load(&mut conn)?;
        anyhow::ensure!(!columns.is_empty(), "no table {table:?} in the store");
        let fields: Vec<String> = columns
            .iter()
            .map(|c| {
                if JSON_COLUMNS.contains(&c.name.as_str()) {
                    format!("'{0}', json(\"{0}\")", c.name)
                } else {
                    format!("'{0}', \"{0}\"", c.name)
                }
            })
            .collect();
        let sql = format!(
            "SELECT json_object({}) AS value FROM \"{table}\" ORDER BY rowid",
            fields.join(", ")
        );
        for row in diesel::sql_query(sql).load::<Row>(&mut conn)? {
            sink(table, serde_json::from_str(&row.value)?)?;
            count += 1;
        }
    }
    conn.batch_execute("COMMIT")?;
    Ok(count)
}
