//! Row structs and their conversion to the application's records. Parsing a stored
//! enum text back fails loudly (`StoreError::Unknown`): the CHECK constraints make that
//! a bug, not user input.

use brigade_application::StoreError;
use brigade_application::model::{
    ItemAllocation, Lot, MovementKind, Order, OrderItem, Product, StockMovement, Table,
};
use brigade_domain::check::CheckRules;
use brigade_domain::{Allergens, Money, Percent, Quantity, VenueId};
use diesel::prelude::*;
use time::Date;

use crate::schema::*;
use crate::types::{AsKey, At, Json, Key};

pub(crate) fn parse<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Unknown(anyhow::anyhow!("stored {what} {text:?} is not valid")))
}

/// Parses a stored enum text with its own parser.
pub(crate) fn parse_with<T>(
    text: &str,
    what: &str,
    f: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    f(text)
        .ok_or_else(|| StoreError::Unknown(anyhow::anyhow!("stored {what} {text:?} is not valid")))
}

/// A stored percentage (thousandths of a percent), checked as it is read.
pub(crate) fn percent(stored: i32, what: &str) -> Result<Percent, StoreError> {
    u32::try_from(stored)
        .ok()
        .and_then(Percent::from_thousandths)
        .ok_or_else(|| StoreError::Unknown(anyhow::anyhow!("stored {what} {stored} is not valid")))
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dining_tables, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct TableRow {
    pub id: Key,
    pub venue_id: Key,
    pub name: String,
    pub seats: i32,
    pub area: Option<String>,
    pub position_json: Json,
    pub status: String,
    pub created_at: At,
    pub updated_at: At,
}

impl TableRow {
    pub fn from_model(t: &Table) -> Self {
        Self {
            id: t.id.key(),
            venue_id: t.venue_id.key(),
            name: t.name.clone(),
            seats: t.seats,
            area: t.area.clone(),
            position_json: Json(t.position.clone()),
            status: t.status.as_str().to_owned(),
            created_at: At(t.created_at),
            updated_at: At(t.updated_at),
        }
    }

    pub fn into_model(self) -> Result<Table, StoreError> {
        Ok(Table {
            id: self.id.into(),
            venue_id: self.venue_id.into(),
            status: parse(&self.status, "table status")?,
            name: self.name,
            seats: self.seats,
            area: self.area,
            position: self.position_json.0,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = products, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub(crate) struct ProductRow {
    pub id: Key,
    pub venue_id: Key,
    pub name: String,
    pub sku: String,
    pub unit: String,
    pub cost_minor: i64,
    pub price_minor: i64,
    pub attributes: Json,
    pub stock_tracked: bool,
    pub active: bool,
    pub created_at: At,
    pub updated_at: At,
    pub category_id: Option<Key>,
    pub allergens: i32,
    pub tax_class_id: Option<Key>,
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
            attributes: Json(p.attributes.clone()),
            stock_tracked: p.stock_tracked,
            active: p.active,
            created_at: At(p.created_at),
            updated_at: At(p.updated_at),
            category_id: p.category_id.map(|c| c.key()),
            allergens: p.allergens.bits(),
            tax_class_id: p.tax_class_id.map(|c| c.key()),
        }
    }

    /// The product, with its category's name (read alongside, from `categories`).
    pub fn into_model(self, category: Option<String>) -> Product {
        Product {
            id: self.id.into(),
            venue_id: self.venue_id.into(),
            name: self.name,
            sku: self.sku,
            unit: self.unit,
            cost: Money::from_minor(self.cost_minor),
            price: Money::from_minor(self.price_minor),
            category_id: self.category_id.map(Into::into),
            category,
            allergens: Allergens::from_bits(self.allergens),
            tax_class_id: self.tax_class_id.map(Into::into),
            // Read alongside, from `product_modifier_groups` (stores::modifiers).
            modifier_group_ids: Vec::new(),
            attributes: self.attributes.0,
            stock_tracked: self.stock_tracked,
            active: self.active,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = lots, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct LotRow {
    pub id: Key,
    pub venue_id: Key,
    pub product_id: Key,
    pub lot_code: String,
    pub qty_init_milli: i64,
    pub qty_current_milli: i64,
    pub unit: String,
    pub cost_per_unit_minor: i64,
    pub expiry_date: Option<Date>,
    pub storage_location: Option<String>,
    pub received_at: At,
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
            received_at: At(l.received_at),
        }
    }

    pub fn into_model(self) -> Lot {
        Lot {
            id: self.id.into(),
            venue_id: self.venue_id.into(),
            product_id: self.product_id.into(),
            lot_code: self.lot_code,
            qty_init: Quantity::from_thousandths(self.qty_init_milli),
            qty_current: Quantity::from_thousandths(self.qty_current_milli),
            unit: self.unit,
            cost_per_unit: Money::from_minor(self.cost_per_unit_minor),
            expiry_date: self.expiry_date,
            storage_location: self.storage_location,
            received_at: self.received_at.0,
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = stock_movements, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct MovementRow {
    pub id: Key,
    pub venue_id: Key,
    pub lot_id: Key,
    pub product_id: Key,
    pub movement_type: String,
    pub quantity_milli: i64,
    pub reference_type: Option<String>,
    pub reference_id: Option<Key>,
    pub created_by: Option<Key>,
    pub created_at: At,
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
            created_at: At(m.created_at),
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
            id: self.id.into(),
            venue_id: self.venue_id.into(),
            lot_id: self.lot_id.into(),
            product_id: self.product_id.into(),
            kind,
            quantity: Quantity::from_thousandths(self.quantity_milli),
            reference_type: self.reference_type,
            reference_id: self.reference_id.map(Into::into),
            created_by: self.created_by.map(Into::into),
            created_at: self.created_at.0,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = orders, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct OrderRow {
    pub id: Key,
    pub venue_id: Key,
    pub order_number: Option<i64>,
    pub table_id: Option<Key>,
    pub status: String,
    pub covers: i32,
    pub notes: Option<String>,
    pub created_by: Key,
    pub total_minor: i64,
    pub created_at: At,
    pub updated_at: At,
    pub confirmed_at: Option<At>,
    pub kitchen_started_at: Option<At>,
    pub ready_at: Option<At>,
    pub served_at: Option<At>,
    pub completed_at: Option<At>,
    pub cancelled_at: Option<At>,
    pub prices_include_tax: bool,
    pub service_charge: i32,
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
            created_at: At(o.created_at),
            updated_at: At(o.updated_at),
            confirmed_at: o.confirmed_at.map(At),
            kitchen_started_at: o.kitchen_started_at.map(At),
            ready_at: o.ready_at.map(At),
            served_at: o.served_at.map(At),
            completed_at: o.completed_at.map(At),
            cancelled_at: o.cancelled_at.map(At),
            prices_include_tax: o.check_rules.prices_include_tax,
            service_charge: o.check_rules.service_charge.thousandths() as i32,
        }
    }

    pub fn into_model(
        self,
        table_name: Option<String>,
        items: Vec<OrderItem>,
    ) -> Result<Order, StoreError> {
        Ok(Order {
            id: self.id.into(),
            venue_id: self.venue_id.into(),
            order_number: self.order_number.unwrap_or(0),
            table_id: self.table_id.map(Into::into),
            table_name,
            status: parse(&self.status, "order status")?,
            covers: self.covers,
            notes: self.notes,
            created_by: self.created_by.into(),
            total: Money::from_minor(self.total_minor),
            items,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
            confirmed_at: self.confirmed_at.map(|at| at.0),
            kitchen_started_at: self.kitchen_started_at.map(|at| at.0),
            ready_at: self.ready_at.map(|at| at.0),
            served_at: self.served_at.map(|at| at.0),
            completed_at: self.completed_at.map(|at| at.0),
            cancelled_at: self.cancelled_at.map(|at| at.0),
            check_rules: CheckRules {
                prices_include_tax: self.prices_include_tax,
                service_charge: percent(self.service_charge, "service charge")?,
            },
            check: None,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = order_items, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct ItemRow {
    pub id: Key,
    pub venue_id: Key,
    pub order_id: Key,
    pub product_id: Key,
    pub product_name: String,
    pub quantity_milli: i64,
    pub unit_price_minor: i64,
    pub notes: Option<String>,
    pub modifiers: Json,
    pub shortfall_milli: i64,
    pub created_at: At,
    pub options: Json,
    pub tax_rate: i32,
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
            modifiers: Json(i.modifiers.clone()),
            shortfall_milli: i.shortfall.thousandths(),
            created_at: At(i.created_at),
            // A list of plain records: serialising it cannot fail.
            options: Json(serde_json::to_value(&i.options).unwrap_or_default()),
            tax_rate: i.tax_rate.thousandths() as i32,
        }
    }

    pub fn into_model(self, allocations: Vec<ItemAllocation>) -> Result<OrderItem, StoreError> {
        // Written from `Vec<Chosen>` by `from_model`: one that does not read back is
        // damage to report, not data to drop.
        let options = serde_json::from_value(self.options.0).map_err(|e| {
            StoreError::Unknown(anyhow::anyhow!("order item {}: options: {e}", self.id.0))
        })?;
        Ok(OrderItem {
            id: self.id.into(),
            order_id: self.order_id.into(),
            product_id: self.product_id.into(),
            product_name: self.product_name,
            quantity: Quantity::from_thousandths(self.quantity_milli),
            unit_price: Money::from_minor(self.unit_price_minor),
            notes: self.notes,
            modifiers: self.modifiers.0,
            options,
            tax_rate: percent(self.tax_rate, "tax rate")?,
            shortfall: Quantity::from_thousandths(self.shortfall_milli),
            allocations,
            created_at: self.created_at.0,
        })
    }
}
