//! Row structs and their conversion to the application's records. Ids are stored as
//! text ([`Key`] writes them, [`uuid`] reads them back); timestamps are written in UTC
//! so that their text sorts in time order. Parsing a stored value back fails loudly
//! (`StoreError::Unknown`): the schema's constraints make that a bug, not user input.

use brigade_application::StoreError;
use brigade_application::model::{
    ItemAllocation, Lot, MovementKind, Order, OrderItem, Product, StockMovement, Table,
};
use brigade_domain::{
    LotId, Money, OrderId, OrderItemId, ProductId, Quantity, TableId, UserId, VenueId,
};
use diesel::prelude::*;
use serde_json::Value;
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::schema::*;

pub(crate) fn parse<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Unknown(anyhow::anyhow!("stored {what} {text:?} is not valid")))
}

/// A stored id back to a typed id.
pub(crate) fn uuid<T: From<Uuid>>(text: &str) -> Result<T, StoreError> {
    parse::<Uuid>(text, "id").map(T::from)
}

/// The stored form of an id: lowercase hyphenated text.
pub(crate) trait Key {
    fn key(&self) -> String;
}

impl Key for Uuid {
    fn key(&self) -> String {
        self.hyphenated().to_string()
    }
}

macro_rules! key_for_ids {
    ($($id:ty),*) => {$(
        impl Key for $id {
            fn key(&self) -> String {
                self.as_uuid().key()
            }
        }
    )*};
}
key_for_ids!(
    VenueId,
    UserId,
    TableId,
    ProductId,
    LotId,
    OrderId,
    OrderItemId
);

/// Timestamps are stored in UTC: their text then sorts in time order.
pub(crate) fn utc(at: OffsetDateTime) -> OffsetDateTime {
    at.to_offset(UtcOffset::UTC)
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = dining_tables, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct TableRow {
    pub id: String,
    pub venue_id: String,
    pub name: String,
    pub seats: i32,
    pub area: Option<String>,
    pub position_json: Value,
    pub status: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl TableRow {
    pub fn from_model(t: &Table) -> Self {
        Self {
            id: t.id.key(),
            venue_id: t.venue_id.key(),
            name: t.name.clone(),
            seats: t.seats,
            area: t.area.clone(),
            position_json: t.position.clone(),
            status: t.status.as_str().to_owned(),
            created_at: utc(t.created_at),
            updated_at: utc(t.updated_at),
        }
    }

    pub fn into_model(self) -> Result<Table, StoreError> {
        Ok(Table {
            id: uuid(&self.id)?,
            venue_id: uuid(&self.venue_id)?,
            status: parse(&self.status, "table status")?,
            name: self.name,
            seats: self.seats,
            area: self.area,
            position: self.position_json,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = products, check_for_backend(diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub(crate) struct ProductRow {
    pub id: String,
    pub venue_id: String,
    pub name: String,
    pub sku: String,
    pub unit: String,
    pub cost_minor: i64,
    pub price_minor: i64,
    pub category: Option<String>,
    pub attributes: Value,
    pub stock_tracked: bool,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl ProductRow {
    pub fn from_model(p: &Product) -> Self {
        Self {
            id: p.id.key(),
            venue_id: p.venue_id.key(),
            name: p.name.clone(),
            sku: p.sku.clone(),
            unit: p.unit.clone(),
            cost_minor: p.cost.minor(),
            price_minor: p.price.minor(),
            category: p.category.clone(),
            attributes: p.attributes.clone(),
            stock_tracked: p.stock_tracked,
            active: p.active,
            created_at: utc(p.created_at),
            updated_at: utc(p.updated_at),
        }
    }

    pub fn into_model(self) -> Result<Product, StoreError> {
        Ok(Product {
            id: uuid(&self.id)?,
            venue_id: uuid(&self.venue_id)?,
            name: self.name,
            sku: self.sku,
            unit: self.unit,
            cost: Money::from_minor(self.cost_minor),
            price: Money::from_minor(self.price_minor),
            category: self.category,
            attributes: self.attributes,
            stock_tracked: self.stock_tracked,
            active: self.active,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = lots, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct LotRow {
    pub id: String,
    pub venue_id: String,
    pub product_id: String,
    pub lot_code: String,
    pub qty_init_milli: i64,
    pub qty_current_milli: i64,
    pub unit: String,
    pub cost_per_unit_minor: i64,
    pub expiry_date: Option<Date>,
    pub storage_location: Option<String>,
    pub received_at: OffsetDateTime,
}

impl LotRow {
    pub fn from_model(l: &Lot) -> Self {
        Self {
            id: l.id.key(),
            venue_id: l.venue_id.key(),
            product_id: l.product_id.key(),
            lot_code: l.lot_code.clone(),
            qty_init_milli: l.qty_init.thousandths(),
            qty_current_milli: l.qty_current.thousandths(),
            unit: l.unit.clone(),
            cost_per_unit_minor: l.cost_per_unit.minor(),
            expiry_date: l.expiry_date,
            storage_location: l.storage_location.clone(),
            received_at: utc(l.received_at),
        }
    }

    pub fn into_model(self) -> Result<Lot, StoreError> {
        Ok(Lot {
            id: uuid(&self.id)?,
            venue_id: uuid(&self.venue_id)?,
            product_id: uuid(&self.product_id)?,
            lot_code: self.lot_code,
            qty_init: Quantity::from_thousandths(self.qty_init_milli),
            qty_current: Quantity::from_thousandths(self.qty_current_milli),
            unit: self.unit,
            cost_per_unit: Money::from_minor(self.cost_per_unit_minor),
            expiry_date: self.expiry_date,
            storage_location: self.storage_location,
            received_at: self.received_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = stock_movements, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct MovementRow {
    pub id: String,
    pub venue_id: String,
    pub lot_id: String,
    pub product_id: String,
    pub movement_type: String,
    pub quantity_milli: i64,
    pub reference_type: Option<String>,
    pub reference_id: Option<String>,
    pub created_by: Option<String>,
    pub created_at: OffsetDateTime,
}

impl MovementRow {
    pub fn from_model(m: &StockMovement) -> Self {
        Self {
            id: m.id.key(),
            venue_id: m.venue_id.key(),
            lot_id: m.lot_id.key(),
            product_id: m.product_id.key(),
            movement_type: m.kind.as_str().to_owned(),
            quantity_milli: m.quantity.thousandths(),
            reference_type: m.reference_type.clone(),
            reference_id: m.reference_id.map(|r| r.key()),
            created_by: m.created_by.map(|u| u.key()),
            created_at: utc(m.created_at),
        }
    }

    pub fn into_model(self) -> Result<StockMovement, StoreError> {
        let kind = match self.movement_type.as_str() {
            "IN" => MovementKind::In,
            "OUT" => MovementKind::Out,
            other => {
                return Err(StoreError::Unknown(anyhow::anyhow!(
                    "stored movement type {other:?} is not valid"
                )));
            }
        };
        Ok(StockMovement {
            id: uuid(&self.id)?,
            venue_id: uuid(&self.venue_id)?,
            lot_id: uuid(&self.lot_id)?,
            product_id: uuid(&self.product_id)?,
            kind,
            quantity: Quantity::from_thousandths(self.quantity_milli),
            reference_type: self.reference_type,
            reference_id: self.reference_id.as_deref().map(uuid).transpose()?,
            created_by: self.created_by.as_deref().map(uuid).transpose()?,
            created_at: self.created_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = orders, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct OrderRow {
    pub id: String,
    pub venue_id: String,
    pub order_number: Option<i64>,
    pub table_id: Option<String>,
    pub status: String,
    pub covers: i32,
    pub notes: Option<String>,
    pub created_by: String,
    pub total_minor: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub confirmed_at: Option<OffsetDateTime>,
    pub kitchen_started_at: Option<OffsetDateTime>,
    pub ready_at: Option<OffsetDateTime>,
    pub served_at: Option<OffsetDateTime>,
    pub completed_at: Option<OffsetDateTime>,
    pub cancelled_at: Option<OffsetDateTime>,
}

impl OrderRow {
    pub fn from_model(o: &Order) -> Self {
        Self {
            id: o.id.key(),
            venue_id: o.venue_id.key(),
            order_number: (o.order_number > 0).then_some(o.order_number),
            table_id: o.table_id.map(|t| t.key()),
            status: o.status.as_str().to_owned(),
            covers: o.covers,
            notes: o.notes.clone(),
            created_by: o.created_by.key(),
            total_minor: o.total.minor(),
            created_at: utc(o.created_at),
            updated_at: utc(o.updated_at),
            confirmed_at: o.confirmed_at.map(utc),
            kitchen_started_at: o.kitchen_started_at.map(utc),
            ready_at: o.ready_at.map(utc),
            served_at: o.served_at.map(utc),
            completed_at: o.completed_at.map(utc),
            cancelled_at: o.cancelled_at.map(utc),
        }
    }

    pub fn into_model(
        self,
        table_name: Option<String>,
        items: Vec<OrderItem>,
    ) -> Result<Order, StoreError> {
        Ok(Order {
            id: uuid(&self.id)?,
            venue_id: uuid(&self.venue_id)?,
            order_number: self.order_number.unwrap_or(0),
            table_id: self.table_id.as_deref().map(uuid).transpose()?,
            table_name,
            status: parse(&self.status, "order status")?,
            covers: self.covers,
            notes: self.notes,
            created_by: uuid(&self.created_by)?,
            total: Money::from_minor(self.total_minor),
            items,
            created_at: self.created_at,
            updated_at: self.updated_at,
            confirmed_at: self.confirmed_at,
            kitchen_started_at: self.kitchen_started_at,
            ready_at: self.ready_at,
            served_at: self.served_at,
            completed_at: self.completed_at,
            cancelled_at: self.cancelled_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = order_items, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct ItemRow {
    pub id: String,
    pub venue_id: String,
    pub order_id: String,
    pub product_id: String,
    pub product_name: String,
    pub quantity_milli: i64,
    pub unit_price_minor: i64,
    pub notes: Option<String>,
    pub modifiers: Value,
    pub shortfall_milli: i64,
    pub created_at: OffsetDateTime,
}

impl ItemRow {
    pub fn from_model(venue: VenueId, i: &OrderItem) -> Self {
        Self {
            id: i.id.key(),
            venue_id: venue.key(),
            order_id: i.order_id.key(),
            product_id: i.product_id.key(),
            product_name: i.product_name.clone(),
            quantity_milli: i.quantity.thousandths(),
            unit_price_minor: i.unit_price.minor(),
            notes: i.notes.clone(),
            modifiers: i.modifiers.clone(),
            shortfall_milli: i.shortfall.thousandths(),
            created_at: utc(i.created_at),
        }
    }

    pub fn into_model(self, allocations: Vec<ItemAllocation>) -> Result<OrderItem, StoreError> {
        Ok(OrderItem {
            id: uuid(&self.id)?,
            order_id: uuid(&self.order_id)?,
            product_id: uuid(&self.product_id)?,
            product_name: self.product_name,
            quantity: Quantity::from_thousandths(self.quantity_milli),
            unit_price: Money::from_minor(self.unit_price_minor),
            notes: self.notes,
            modifiers: self.modifiers,
            shortfall: Quantity::from_thousandths(self.shortfall_milli),
            allocations,
            created_at: self.created_at,
        })
    }
}
