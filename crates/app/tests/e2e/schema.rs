//! The schema of a freshly migrated database of the store under test:
//!
//! - the hand-kept diesel schema (`crates/adapters/sql/src/schema.rs`) declares exactly
//!   its tables, columns, types, nullability and primary keys, so it can never drift
//!   from the migrations of either dialect;
//! - the shard rule holds: every table with a `venue_id` column (but `users` and
//!   `venues`) has it first in its primary key and in every unique constraint, and in
//!   every foreign key to another such table (docs/SCALING.md).

use std::collections::BTreeSet;

use crate::store::{Backend, TestDb, backend};

const SCHEMA_RS: &str = include_str!("../../../adapters/sql/src/schema.rs");

/// Facts about a schema, comparable as text: `table.column: type null|not null`,
/// `table primary key (a, b)`.
#[derive(Debug, Default, PartialEq)]
struct Facts {
    columns: BTreeSet<String>,
    keys: BTreeSet<String>,
}

/// What a column's SQL type in `schema.rs` is stored as by each dialect's migrations.
fn stored_type(backend: Backend, declared: &str) -> &'static str {
    match (backend, declared) {
        (Backend::Postgres, "Id") => "uuid",
        (Backend::Postgres, "Stamp") => "timestamp with time zone",
        (Backend::Postgres, "Doc") => "jsonb",
        (Backend::Postgres, "BigInt") => "bigint",
        (Backend::Postgres, "Integer") => "integer",
        (Backend::Postgres, "Bool") => "boolean",
        (Backend::Postgres, "Date") => "date",
        (Backend::Postgres, "Text") => "text",
        (Backend::Sqlite, "BigInt" | "Integer" | "Bool") => "INTEGER",
        (Backend::Sqlite, "Id" | "Stamp" | "Doc" | "Date" | "Text") => "TEXT",
        (_, other) => panic!("schema.rs uses SQL type {other}: teach this test its storage"),
    }
}

/// Reads `schema.rs`: its `table (key, ..) { column -> Type, .. }` blocks.
fn declared(backend: Backend) -> Facts {
    let mut facts = Facts::default();
    let mut table = String::new();
    for line in SCHEMA_RS.lines().map(str::trim) {
        if let Some((name, key)) = line
            .strip_suffix('{')
            .and_then(|head| head.trim().strip_suffix(')'))
            .and_then(|head| head.split_once(" ("))
        {
            table = name.to_owned();
            facts
                .keys
                .insert(format!("{table} primary key ({})", key.trim()));
        } else if let Some((column, ty)) = line
            .strip_suffix(',')
            .and_then(|decl| decl.split_once(" -> "))
        {
            let (ty, null) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (inner.trim_end_matches('>'), "null"),
                None => (ty, "not null"),
            };
            facts.columns.insert(format!(
                "{table}.{column}: {} {null}",
                stored_type(backend, ty)
            ));
        }
    }
    assert!(
        facts.columns.len() > 50,
        "schema.rs was not read: {facts:?}"
    );
    facts
}

/// What the migrated database says about itself.
async fn introspected(db: &TestDb) -> Facts {
    let (columns, keys) = match backend() {
        Backend::Postgres => (
            "SELECT table_name || '.' || column_name || ': ' || data_type || ' ' ||
                    CASE is_nullable WHEN 'YES' THEN 'null' ELSE 'not null' END
               FROM information_schema.columns
              WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
            "SELECT tc.table_name || ' primary key (' ||
                    string_agg(k.column_name, ', ' ORDER BY k.ordinal_position) || ')'
               FROM information_schema.table_constraints tc
               JOIN information_schema.key_column_usage k
                 ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
              WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public'
                AND tc.table_name <> '__diesel_schema_migrations'
              GROUP BY tc.table_name",
        ),
        Backend::Sqlite => (
            "SELECT m.name || '.' || c.name || ': ' || c.type || ' ' ||
                    CASE WHEN c.\"notnull\" THEN 'not null' ELSE 'null' END
               FROM sqlite_master m, pragma_table_info(m.name) c
              WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%'
                AND m.name <> '__diesel_schema_migrations'",
            "SELECT name || ' primary key (' || group_concat(col, ', ') || ')' FROM (
                SELECT m.name AS name, c.name AS col
                  FROM sqlite_master m, pragma_table_info(m.name) c
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%'
                   AND m.name <> '__diesel_schema_migrations' AND c.pk > 0
                 ORDER BY m.name, c.pk)
              GROUP BY name",
        ),
    };
    Facts {
        columns: db.texts(columns).await.into_iter().collect(),
        keys: db.texts(keys).await.into_iter().collect(),
    }
}

#[actix_web::test]
async fn the_hand_kept_schema_matches_a_freshly_migrated_database() {
    let db = TestDb::from_template().await;
    let expected = declared(backend());
    let actual = introspected(&db).await;

    for (what, actual, expected) in [
        ("tables and columns", &actual.columns, &expected.columns),
        ("primary keys", &actual.keys, &expected.keys),
    ] {
        let only_migrated: Vec<_> = actual.difference(expected).collect();
        let only_declared: Vec<_> = expected.difference(actual).collect();
        assert!(
            only_migrated.is_empty() && only_declared.is_empty(),
            "{what} differ.\n  migrations only: {only_migrated:#?}\n  schema.rs only: {only_declared:#?}"
        );
    }
}

/// Tables exempt from the shard rule: global (`users`), keyed by the venue's own id
/// (`venues`), and diesel's bookkeeping.
const NOT_VENUE_OWNED: [&str; 3] = ["users", "venues", "__diesel_schema_migrations"];

/// A primary key (`p`), unique index (`u`) or foreign key (`f`, with its parent).
#[derive(Debug)]
pub(crate) struct Constraint {
    table: String,
    kind: String,
    columns: Vec<String>,
    parent: String,
    parent_columns: Vec<String>,
}

/// Every key of the database, as `table|kind|col,col|parent|col,col` lines.
pub(crate) async fn constraints(db: &TestDb) -> Vec<Constraint> {
    let sql = match backend() {
        Backend::Postgres => {
            "SELECT c.conrelid::regclass::text || '|' || c.contype::text || '|' ||
                    (SELECT string_agg(a.attname, ',' ORDER BY k.n)
                       FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)
                    || '|' || CASE WHEN c.contype = 'f' THEN c.confrelid::regclass::text ELSE '' END
                    || '|' || COALESCE((SELECT string_agg(a.attname, ',' ORDER BY k.n)
                       FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n)
                       JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum), '')
               FROM pg_constraint c
              WHERE c.connamespace = 'public'::regnamespace AND c.contype IN ('p', 'f')
             UNION ALL
             SELECT t.relname || '|u|' ||
                    (SELECT string_agg(a.attname, ',' ORDER BY k.n)
                       FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
                       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)
                    || '||'
               FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
              WHERE t.relnamespace = 'public'::regnamespace AND i.indisunique"
        }
        Backend::Sqlite => {
            "SELECT m.name || '|p|' || (SELECT group_concat(name, ',') FROM (
                    SELECT c.name FROM pragma_table_info(m.name) c WHERE c.pk > 0 ORDER BY c.pk))
                    || '||'
               FROM sqlite_master m WHERE m.type = 'table'
             UNION ALL
             SELECT m.name || '|u|' || (SELECT group_concat(name, ',') FROM (
                    SELECT ii.name FROM pragma_index_info(il.name) ii ORDER BY ii.seqno)) || '||'
               FROM sqlite_master m, pragma_index_list(m.name) il
              WHERE m.type = 'table' AND il.\"unique\"
             UNION ALL
             SELECT m.name || '|f|' || (SELECT group_concat(\"from\", ',') FROM (
                    SELECT f2.\"from\" FROM pragma_foreign_key_list(m.name) f2
                     WHERE f2.id = f.id ORDER BY f2.seq))
                    || '|' || f.\"table\" || '|' || (SELECT group_concat(\"to\", ',') FROM (
                    SELECT f2.\"to\" FROM pragma_foreign_key_list(m.name) f2
                     WHERE f2.id = f.id ORDER BY f2.seq))
               FROM sqlite_master m, pragma_foreign_key_list(m.name) f
              WHERE m.type = 'table' AND f.seq = 0"
        }
    };
    let split = |cols: &str| -> Vec<String> {
        cols.split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    };
    db.texts(sql)
        .await
        .iter()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split('|').collect();
            assert_eq!(parts.len(), 5, "{line}");
            Constraint {
                table: parts[0].to_owned(),
                kind: parts[1].to_owned(),
                columns: split(parts[2]),
                parent: parts[3].to_owned(),
                parent_columns: split(parts[4]),
            }
        })
        .collect()
}

/// Tables with a `venue_id` column, but those exempt from the rule.
pub(crate) async fn venue_owned(db: &TestDb) -> BTreeSet<String> {
    let sql = match backend() {
        Backend::Postgres => {
            "SELECT table_name FROM information_schema.columns
              WHERE table_schema = 'public' AND column_name = 'venue_id'"
        }
        Backend::Sqlite => {
            "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
              WHERE m.type = 'table' AND c.name = 'venue_id'"
        }
    };
    db.texts(sql)
        .await
        .into_iter()
        .filter(|t| !NOT_VENUE_OWNED.contains(&t.as_str()))
        .collect()
}

/// Where the shard rule is broken.
pub(crate) fn shard_rule_violations(
    keys: &[Constraint],
    owned: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut broken = BTreeSet::new();
    for key in keys.iter().filter(|k| owned.contains(&k.table)) {
        let what = format!("{} {} ({})", key.table, key.kind, key.columns.join(", "));
        match key.kind.as_str() {
            "p" | "u" if key.columns.first().map(String::as_str) != Some("venue_id") => {
                broken.insert(format!("{what}: venue_id is not first"));
            }
            "f" if owned.contains(&key.parent) => {
                let pairs_venue = key
                    .columns
                    .iter()
                    .zip(&key.parent_columns)
                    .any(|(from, to)| from == "venue_id" && to == "venue_id");
                if !pairs_venue {
                    broken.insert(format!(
                        "{what} -> {}: the key does not name the venue",
                        key.parent
                    ));
                }
            }
            _ => {}
        }
    }
    broken
}

#[actix_web::test]
async fn every_venue_owned_key_leads_with_the_venue_so_tables_can_be_distributed_by_it() {
    let db = TestDb::from_template().await;
    let owned = venue_owned(&db).await;
    assert!(owned.len() >= 10, "venue-owned tables: {owned:?}");
    let keys = constraints(&db).await;
    assert!(
        keys.iter().any(|k| k.kind == "f"),
        "foreign keys read: {keys:?}"
    );
    let broken = shard_rule_violations(&keys, &owned);
    assert!(broken.is_empty(), "the shard rule is broken: {broken:#?}");

    // A table added the old way is caught.
    db.exec(
        "CREATE TABLE stations (id TEXT PRIMARY KEY, venue_id TEXT NOT NULL, name TEXT);
         CREATE TABLE station_orders (
             station_id TEXT NOT NULL REFERENCES stations (id),
             venue_id TEXT NOT NULL,
             PRIMARY KEY (venue_id, station_id))",
    )
    .await;
    let broken = shard_rule_violations(&constraints(&db).await, &venue_owned(&db).await);
    assert_eq!(
        broken,
        BTreeSet::from([
            "station_orders f (station_id) -> stations: the key does not name the venue".to_owned(),
            "stations p (id): venue_id is not first".to_owned(),
            "stations u (id): venue_id is not first".to_owned(),
        ])
    );
}
