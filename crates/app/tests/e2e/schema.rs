//! The hand-kept diesel schema (`crates/adapters/sql/src/schema.rs`) against a freshly
//! migrated database of the store under test: every table, column, type, nullability
//! and primary key it declares is what the migrations made, and nothing more; every
//! `joinable!` is a real foreign key. So the schema can never drift from the migrations
//! of either dialect.

use std::collections::BTreeSet;

use crate::store::{Backend, TestDb, backend};

const SCHEMA_RS: &str = include_str!("../../../adapters/sql/src/schema.rs");

/// Facts about a schema, comparable as text: `table.column: type null|not null`,
/// `table primary key (a, b)`, `table.column references table`.
#[derive(Debug, Default, PartialEq)]
struct Facts {
    columns: BTreeSet<String>,
    keys: BTreeSet<String>,
    references: BTreeSet<String>,
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

/// Reads `schema.rs`: `table (key, ..) { column -> Type, .. }` blocks and `joinable!`s.
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
        } else if let Some(join) = line
            .strip_prefix("diesel::joinable!(")
            .and_then(|j| j.strip_suffix("));"))
        {
            // `child -> parent (column`
            let (child, rest) = join.split_once(" -> ").expect("joinable!(a -> b (c))");
            let (parent, column) = rest.split_once(" (").expect("joinable!(a -> b (c))");
            facts
                .references
                .insert(format!("{child}.{column} references {parent}"));
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
    let (columns, keys, references) = match backend() {
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
            "SELECT k.table_name || '.' || k.column_name || ' references ' || u.table_name
               FROM information_schema.referential_constraints r
               JOIN information_schema.key_column_usage k
                 ON k.constraint_name = r.constraint_name AND k.table_schema = r.constraint_schema
               JOIN information_schema.constraint_column_usage u
                 ON u.constraint_name = r.unique_constraint_name
              WHERE r.constraint_schema = 'public'",
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
            "SELECT m.name || '.' || f.\"from\" || ' references ' || f.\"table\"
               FROM sqlite_master m, pragma_foreign_key_list(m.name) f
              WHERE m.type = 'table'",
        ),
    };
    Facts {
        columns: db.texts(columns).await.into_iter().collect(),
        keys: db.texts(keys).await.into_iter().collect(),
        references: db.texts(references).await.into_iter().collect(),
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
    let missing: Vec<_> = expected.references.difference(&actual.references).collect();
    assert!(
        missing.is_empty(),
        "joinable! without a foreign key: {missing:?}"
    );
}
