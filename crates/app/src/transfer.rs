//! `brigade export` / `brigade import`: moving a venue's data out of the embedded store
//! into PostgreSQL (docs/EMBEDDED.md).
//!
//! The file is JSON Lines: a header (`{"format":"brigade-export","version":1,"schema":
//! "<latest migration>",...}`), then one `{"table":..,"row":{column: value}}` per row,
//! tables in foreign-key order. Import runs in one PostgreSQL transaction into an
//! empty, migrated database at the same schema version: all of it lands, or nothing.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::StoreConfig;

/// Every table, parents before children.
pub const TABLES: [&str; 20] = [
    "venues",
    "users",
    "memberships",
    "dining_tables",
    "categories",
    "tax_classes",
    "products",
    "modifier_groups",
    "modifier_options",
    "product_modifier_groups",
    "lots",
    "stock_movements",
    "orders",
    "order_items",
    "order_item_lots",
    "payments",
    "discounts",
    "kitchen_alerts",
    "events",
    "idempotency_keys",
];

const FORMAT: &str = "brigade-export";
const VERSION: u32 = 1;
/// Rows per INSERT on import.
const BATCH: usize = 500;

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    schema: String,
    exported_at: String,
}

#[derive(Serialize, Deserialize)]
struct Line {
    table: String,
    row: Value,
}

/// What the export leaves out unless asked for: a password hash is an offline guessing
/// target, and an export file travels (copied to another host, attached to a ticket).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hashes {
    /// Every account arrives without a password (`""`, as an invited one).
    LeftOut,
    /// Sign-ins carry over; the file must then be kept like the database itself.
    Included,
}

/// Writes the whole embedded store to `out`; returns rows per table.
pub fn export(
    store: &StoreConfig,
    out: &mut impl Write,
    hashes: Hashes,
) -> anyhow::Result<BTreeMap<String, u64>> {
    let StoreConfig::Sqlite(path) = store else {
        anyhow::bail!(
            "export reads the embedded store; a PostgreSQL database is backed up and moved \
             with pg_dump / pg_restore"
        );
    };
    anyhow::ensure!(path.exists(), "no embedded store at {}", path.display());
    // An import migrates its target to this release's schema and takes only exports of
    // that schema: a store left behind by an older release is migrated first.
    let schema = brigade_sql::sqlite::schema_version(path)?;
    let release = brigade_sql::sqlite::release_schema_version();
    anyhow::ensure!(
        schema <= release,
        "the embedded store is at schema {schema}, newer than this release ({release}): \
         export it with the release that last served it"
    );
    anyhow::ensure!(
        schema == release,
        "the embedded store is at schema {schema}, this release at {release}: run \
         `brigade migrate` (or start `brigade serve` once) on it first, then export"
    );
    let header = Header {
        format: FORMAT.to_owned(),
        version: VERSION,
        schema,
        exported_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)?,
    };
    serde_json::to_writer(&mut *out, &header)?;
    out.write_all(b"\n")?;
    let mut counts = BTreeMap::new();
    brigade_sql::sqlite::export(path, &TABLES, |table, mut row| {
        if table == "users"
            && hashes == Hashes::LeftOut
            && let Some(hash) = row.get_mut("password_hash")
        {
            *hash = Value::String(String::new());
        }
        serde_json::to_writer(
            &mut *out,
            &Line {
                table: table.to_owned(),
                row,
            },
        )?;
        out.write_all(b"\n")?;
        *counts.entry(table.to_owned()).or_insert(0) += 1;
        Ok(())
    })?;
    out.flush()?;
    Ok(counts)
}

/// [`export`] into the file `out`, readable and writable by its owner only. The rows
/// go to a new `0600` file beside it, which then replaces `out`: whoever could read an
/// earlier file there (or has it open) never sees these rows, and a link planted at
/// `out` is replaced, not followed. Nothing is left behind on an error.
pub fn export_to(
    store: &StoreConfig,
    out: &std::path::Path,
    hashes: Hashes,
) -> anyhow::Result<BTreeMap<String, u64>> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut partial = out.as_os_str().to_owned();
    partial.push(format!(".partial-{}", std::process::id()));
    let partial = std::path::PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    let written = (|| {
        let mut writer = std::io::BufWriter::new(file);
        let counts = export(store, &mut writer, hashes)?;
        writer.into_inner()?.sync_all()?;
        std::fs::rename(&partial, out).with_context(|| format!("writing {}", out.display()))?;
        Ok(counts)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// Loads an export into PostgreSQL (migrating it first); returns rows per table.
pub async fn import(
    store: &StoreConfig,
    input: impl BufRead,
) -> anyhow::Result<BTreeMap<String, u64>> {
    let StoreConfig::Postgres(url) = store else {
        anyhow::bail!(
            "import loads into PostgreSQL: set BRIGADE_DATABASE_URL=postgres://... \
             (the embedded store is the source, see docs/EMBEDDED.md)"
        );
    };
    let mut lines = input.lines().enumerate();
    let header: Header = match lines.next() {
        Some((_, line)) => {
            serde_json::from_str(&line?).context("line 1 is not an export header")?
        }
        None => anyhow::bail!("the file is empty"),
    };
    anyhow::ensure!(
        header.format == FORMAT && header.version == VERSION,
        "not a {FORMAT} version {VERSION} file"
    );
    crate::server::migrate(store).await?;
    let mut import = brigade_sql::pg::Import::begin(url, &header.schema).await?;
    let mut counts = BTreeMap::new();
    let mut batch: Vec<Value> = Vec::with_capacity(BATCH);
    let mut batch_table = String::new();
    let mut seen = 0;
    for (n, line) in lines {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let Line { table, row } =
            serde_json::from_str(&line).with_context(|| format!("line {}", n + 1))?;
        let position = TABLES
            .iter()
            .position(|t| *t == table)
            .with_context(|| format!("line {}: unknown table {table:?}", n + 1))?;
        anyhow::ensure!(
            position >= seen,
            "line {}: {table} after {}: tables out of order",
            n + 1,
            TABLES[seen]
        );
        seen = position;
        if table != batch_table || batch.len() == BATCH {
            flush(&mut import, &batch_table, &mut batch, &mut counts).await?;
            batch_table = table;
        }
        batch.push(row);
    }
    flush(&mut import, &batch_table, &mut batch, &mut counts).await?;
    import.commit().await?;
    Ok(counts)
}

async fn flush(
    import: &mut brigade_sql::pg::Import,
    table: &str,
    batch: &mut Vec<Value>,
    counts: &mut BTreeMap<String, u64>,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let inserted = import.insert(table, std::mem::take(batch)).await?;
    *counts.entry(table.to_owned()).or_insert(0) += inserted as u64;
    Ok(())
}
