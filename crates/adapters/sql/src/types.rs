//! SQL types that name both dialects' storage, so `schema.rs`, the row types and every
//! query are written once:
//!
//! | type | PostgreSQL | SQLite | Rust |
//! |---|---|---|---|
//! | [`Id`] | `uuid` | lowercase hyphenated text | [`Key`] (`uuid::Uuid`) |
//! | [`Stamp`] | `timestamptz` | UTC text that sorts in time order (diesel's `TimestamptzSqlite` format, so files written before keep sorting) | [`At`] (`time::OffsetDateTime`) |
//! | [`Doc`] | `jsonb` | JSON text | [`Json`] (`serde_json::Value`) |
//!
//! The Rust side is a local newtype ([`Key`], [`At`], [`Json`]): diesel's blanket
//! `AsExpression` impl makes one for a foreign type impossible (the orphan rule), and
//! the derive then covers nullable columns too. Each converts by delegating to diesel's
//! own impl for that dialect's type.

use brigade_domain::{
    CategoryId, DiscountId, LotId, ModifierGroupId, ModifierOptionId, OrderId, OrderItemId,
    PaymentId, ProductId, TableId, TaxClassId, UserId, VenueId,
};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types;
use diesel::sqlite::Sqlite;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

type SqliteValue<'a> = <Sqlite as diesel::backend::Backend>::RawValue<'a>;

/// An id: `uuid` on PostgreSQL, text on SQLite.
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Id;

/// A point in time: `timestamptz` on PostgreSQL, UTC text on SQLite.
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Stamp;

/// A JSON document: `jsonb` on PostgreSQL, JSON text on SQLite.
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 3802, array_oid = 3807))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Doc;

/// An id as stored: `Key::from(order_id)`, `order_id.key()`, and back with `.into()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Id)]
pub(crate) struct Key(pub Uuid);

/// A point in time as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Stamp)]
pub(crate) struct At(pub OffsetDateTime);

/// A JSON document as stored.
#[derive(Debug, Clone, PartialEq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Doc)]
pub(crate) struct Json(pub Value);

/// Both dialects' `ToSql`/`FromSql` for a newtype, delegating to diesel's impls of the
/// wrapped type for each dialect's own SQL type.
macro_rules! delegate {
    ($newtype:ident($rust:ty) => $sql:ty, pg: $pg:ty, sqlite: $lite:ty) => {
        impl ToSql<$sql, Pg> for $newtype {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <$rust as ToSql<$pg, Pg>>::to_sql(&self.0, out)
            }
        }
        impl FromSql<$sql, Pg> for $newtype {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                <$rust as FromSql<$pg, Pg>>::from_sql(value).map($newtype)
            }
        }
        impl ToSql<$sql, Sqlite> for $newtype {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                <$rust as ToSql<$lite, Sqlite>>::to_sql(&self.0, out)
            }
        }
        impl FromSql<$sql, Sqlite> for $newtype {
            fn from_sql(value: SqliteValue<'_>) -> deserialize::Result<Self> {
                <$rust as FromSql<$lite, Sqlite>>::from_sql(value).map($newtype)
            }
        }
    };
}

delegate!(At(OffsetDateTime) => Stamp, pg: sql_types::Timestamptz, sqlite: sql_types::TimestamptzSqlite);
delegate!(Json(Value) => Doc, pg: sql_types::Jsonb, sqlite: sql_types::Json);

impl ToSql<Id, Pg> for Key {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <Uuid as ToSql<sql_types::Uuid, Pg>>::to_sql(&self.0, out)
    }
}

impl FromSql<Id, Pg> for Key {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        <Uuid as FromSql<sql_types::Uuid, Pg>>::from_sql(value).map(Key)
    }
}

// Diesel has no UUID type for SQLite: ids are stored as their hyphenated text.
impl ToSql<Id, Sqlite> for Key {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.hyphenated().to_string());
        Ok(serialize::IsNull::No)
    }
}

impl FromSql<Id, Sqlite> for Key {
    fn from_sql(value: SqliteValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<sql_types::Text, Sqlite>>::from_sql(value)?;
        Uuid::parse_str(&text)
            .map(Key)
            .map_err(|e| format!("stored id {text:?} is not a UUID: {e}").into())
    }
}

/// The stored form of a typed id.
pub(crate) trait AsKey {
    fn key(&self) -> Key;
}

macro_rules! keys {
    ($($id:ty),*) => {$(
        impl AsKey for $id {
            fn key(&self) -> Key {
                Key(self.as_uuid())
            }
        }
        impl From<Key> for $id {
            fn from(key: Key) -> Self {
                key.0.into()
            }
        }
    )*};
}
keys!(
    CategoryId,
    TaxClassId,
    PaymentId,
    DiscountId,
    ModifierGroupId,
    ModifierOptionId,
    VenueId,
    UserId,
    TableId,
    ProductId,
    LotId,
    OrderId,
    OrderItemId
);

impl AsKey for Uuid {
    fn key(&self) -> Key {
        Key(*self)
    }
}

impl From<Key> for Uuid {
    fn from(key: Key) -> Self {
        key.0
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    use super::*;

    fn sqlite() -> SqliteConnection {
        SqliteConnection::establish(":memory:").expect("an in-memory SQLite database")
    }

    #[test]
    fn ids_are_stored_on_sqlite_as_lowercase_hyphenated_text() {
        let id = Uuid::from_u128(0x0193_A1B2_C3D4_7E5F_8899_AABB_CCDD_EEFF);
        let text: String =
            diesel::select(diesel::dsl::sql::<sql_types::Text>("").bind::<Id, _>(Key(id)))
                .get_result(&mut sqlite())
                .expect("the id as text");
        assert_eq!(text, "0193a1b2-c3d4-7e5f-8899-aabbccddeeff");
    }

    #[test]
    fn stamps_are_stored_on_sqlite_in_utc_so_their_text_sorts_in_time_order() {
        let at = time::macros::datetime!(2026-12-02 18:30:00.25 +02:00);
        let text: String =
            diesel::select(diesel::dsl::sql::<sql_types::Text>("").bind::<Stamp, _>(At(at)))
                .get_result(&mut sqlite())
                .expect("the stamp as text");
        assert_eq!(text, "2026-12-02 16:30:00.25+00:00");
        let back: At =
            diesel::select(diesel::dsl::sql::<Stamp>("").bind::<sql_types::Text, _>(text))
                .get_result(&mut sqlite())
                .expect("the stamp read back");
        assert_eq!(back.0, at);
    }
}
