//! Wire shapes. Requests deny unknown fields (a typo is an error, not a silent no-op);
//! responses are the resource itself, snake_case, money and quantities as decimal
//! numbers, times as RFC 3339.

use brigade_application::model::*;
use brigade_application::usecases::{
    orders::{NewItem, NewOrder},
    products::{NewProduct, ProductPatch},
    stock::NewLot,
    tables::{NewTable, TablePatch},
};
use brigade_domain::menu::Chosen;
use brigade_domain::{
    Allergens, CategoryId, LotId, ModifierGroupId, ModifierOptionId, Money, OrderId, OrderItemId,
    OrderStatus, Percent, Permission, ProductId, Quantity, Role, TableId, TableStatus, TaxClassId,
    UserId, VenueId,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::routes::checks::CheckDto;

time::serde::format_description!(pub(crate) iso_date, Date, "[year]-[month]-[day]");

// ---------- auth ----------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "waiter@example.com", "password": "correct horse battery"}))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MembershipDto {
    pub venue_id: VenueId,
    pub role: Role,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserDto {
    pub id: UserId,
    pub email: String,
    pub full_name: String,
    pub venues: Vec<MembershipDto>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub user: UserDto,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            full_name: u.full_name.clone(),
            venues: u
                .memberships
                .iter()
                .map(|m| MembershipDto {
                    venue_id: m.venue_id,
                    role: m.role,
                })
                .collect(),
        }
    }
}

// ---------- tables ----------

fn empty_object() -> Value {
    Value::Object(Default::default())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "T-10", "seats": 4, "area": "main_hall"}))]
pub struct CreateTable {
    pub name: String,
    pub seats: i32,
    pub area: Option<String>,
    #[serde(default = "empty_object")]
    pub position_json: Value,
}

impl From<CreateTable> for NewTable {
    fn from(t: CreateTable) -> Self {
        NewTable {
            name: t.name,
            seats: t.seats,
            area: t.area,
            position: t.position_json,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTable {
    pub name: Option<String>,
    pub seats: Option<i32>,
    pub area: Option<String>,
    pub position_json: Option<Value>,
}

impl From<UpdateTable> for TablePatch {
    fn from(t: UpdateTable) -> Self {
        TablePatch {
            name: t.name,
            seats: t.seats,
            area: t.area,
            position: t.position_json,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TableStatusRequest {
    pub status: TableStatus,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LayoutEntry {
    pub id: TableId,
    pub position_json: Value,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LayoutRequest {
    pub tables: Vec<LayoutEntry>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TableDto {
    pub id: TableId,
    pub venue_id: VenueId,
    pub name: String,
    pub seats: i32,
    pub area: Option<String>,
    pub position_json: Value,
    pub status: TableStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<Table> for TableDto {
    fn from(t: Table) -> Self {
        Self {
            id: t.id,
            venue_id: t.venue_id,
            name: t.name,
            seats: t.seats,
            area: t.area,
            position_json: t.position,
            status: t.status,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

// ---------- products ----------

fn yes() -> bool {
    true
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Burger", "sku": "BURGER-10", "unit": "pz", "cost": 8.5, "price": 15.0}))]
pub struct CreateProduct {
    pub name: String,
    #[serde(default)]
    pub sku: Option<String>,
    pub unit: String,
    #[serde(default)]
    pub cost: Option<Money>,
    pub price: Money,
    /// One of the venue's categories (`/categories`)...
    #[serde(default)]
    pub category_id: Option<CategoryId>,
    /// ...or a category by name: the venue's of that name, created when new.
    pub category: Option<String>,
    #[serde(default)]
    pub allergens: Allergens,
    /// One of the venue's tax classes (`/tax-classes`); none: the venue's default.
    #[serde(default)]
    pub tax_class_id: Option<TaxClassId>,
    /// The modifier groups (`/modifier-groups`) it offers, in display order.
    #[serde(default)]
    pub modifier_group_ids: Vec<ModifierGroupId>,
    #[serde(default = "empty_object")]
    pub attributes: Value,
    #[serde(default = "yes")]
    pub stock_tracked: bool,
}

impl From<CreateProduct> for NewProduct {
    fn from(p: CreateProduct) -> Self {
        NewProduct {
            name: p.name,
            sku: p.sku,
            unit: p.unit,
            cost: p.cost,
            price: p.price,
            category_id: p.category_id,
            category: p.category,
            allergens: p.allergens,
            tax_class_id: p.tax_class_id,
            modifier_group_ids: p.modifier_group_ids,
            attributes: p.attributes,
            stock_tracked: p.stock_tracked,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    pub name: Option<String>,
    pub unit: Option<String>,
    pub cost: Option<Money>,
    pub price: Option<Money>,
    pub category_id: Option<CategoryId>,
    /// By name, created when new; `""` leaves the product without a category.
    pub category: Option<String>,
    pub allergens: Option<Allergens>,
    /// Another of the venue's tax classes (lines already ordered keep their rate).
    pub tax_class_id: Option<TaxClassId>,
    /// Replaces the groups it offers, in display order (`[]`: none).
    pub modifier_group_ids: Option<Vec<ModifierGroupId>>,
    pub attributes: Option<Value>,
    pub stock_tracked: Option<bool>,
    pub active: Option<bool>,
}

impl From<UpdateProduct> for ProductPatch {
    fn from(p: UpdateProduct) -> Self {
        ProductPatch {
            name: p.name,
            unit: p.unit,
            cost: p.cost,
            price: p.price,
            category_id: p.category_id,
            category: p.category,
            allergens: p.allergens,
            tax_class_id: p.tax_class_id,
            modifier_group_ids: p.modifier_group_ids,
            attributes: p.attributes,
            stock_tracked: p.stock_tracked,
            active: p.active,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProductDto {
    pub id: ProductId,
    pub venue_id: VenueId,
    pub name: String,
    pub sku: String,
    pub unit: String,
    /// What it costs the venue: shown to managers and admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
    pub price: Money,
    pub category_id: Option<CategoryId>,
    /// The category's name.
    pub category: Option<String>,
    pub allergens: Allergens,
    /// Its tax class; `null`: the venue's default class.
    pub tax_class_id: Option<TaxClassId>,
    /// The modifier groups it offers, in display order.
    pub modifier_group_ids: Vec<ModifierGroupId>,
    pub attributes: Value,
    pub stock_tracked: bool,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl ProductDto {
    /// Every field, cost included: only through [`ProductDto::seen_by`].
    fn all_of(p: Product) -> Self {
        Self {
            id: p.id,
            venue_id: p.venue_id,
            name: p.name,
            sku: p.sku,
            unit: p.unit,
            cost: Some(p.cost),
            price: p.price,
            category_id: p.category_id,
            category: p.category,
            allergens: p.allergens,
            tax_class_id: p.tax_class_id,
            modifier_group_ids: p.modifier_group_ids,
            attributes: p.attributes,
            stock_tracked: p.stock_tracked,
            active: p.active,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }

    /// The product as `role` sees it: without its cost unless they may see costs.
    pub fn seen_by(p: Product, role: Role) -> Self {
        let mut dto = Self::all_of(p);
        if !role.may(Permission::ViewCosts) {
            dto.cost = None;
        }
        dto
    }
}

// ---------- stock ----------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"product_id": "0190f5a2-7c1e-7d3a-9b1e-3f2a6c8d4e10", "lot_code": "LOT-1", "qty_init": 100, "cost_per_unit": 8.5, "expiry_date": "2027-12-31"}))]
pub struct CreateLot {
    pub product_id: ProductId,
    pub lot_code: String,
    pub qty_init: Quantity,
    pub unit: Option<String>,
    pub cost_per_unit: Money,
    #[serde(default, with = "iso_date::option")]
    pub expiry_date: Option<Date>,
    pub storage_location: Option<String>,
}

impl From<CreateLot> for NewLot {
    fn from(l: CreateLot) -> Self {
        NewLot {
            product_id: l.product_id,
            lot_code: l.lot_code,
            qty_init: l.qty_init,
            unit: l.unit,
            cost_per_unit: l.cost_per_unit,
            expiry_date: l.expiry_date,
            storage_location: l.storage_location,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LotDto {
    pub id: LotId,
    pub venue_id: VenueId,
    pub product_id: ProductId,
    pub lot_code: String,
    pub qty_init: Quantity,
    pub qty_current: Quantity,
    pub unit: String,
    /// What a unit cost the venue: shown to managers and admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_per_unit: Option<Money>,
    #[serde(with = "iso_date::option")]
    pub expiry_date: Option<Date>,
    pub storage_location: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
}

impl LotDto {
    /// Every field, cost included: only through [`LotDto::seen_by`].
    fn all_of(l: Lot) -> Self {
        Self {
            id: l.id,
            venue_id: l.venue_id,
            product_id: l.product_id,
            lot_code: l.lot_code,
            qty_init: l.qty_init,
            qty_current: l.qty_current,
            unit: l.unit,
            cost_per_unit: Some(l.cost_per_unit),
            expiry_date: l.expiry_date,
            storage_location: l.storage_location,
            received_at: l.received_at,
        }
    }

    /// The lot as `role` sees it: without its cost unless they may see costs.
    pub fn seen_by(l: Lot, role: Role) -> Self {
        let mut dto = Self::all_of(l);
        if !role.may(Permission::ViewCosts) {
            dto.cost_per_unit = None;
        }
        dto
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LotQuery {
    pub product_id: Option<ProductId>,
    /// Rows per page, 1 to 500 (default 100).
    pub limit: Option<i64>,
    /// Rows to skip (default 0). Follow the `Link` header rather than counting.
    pub offset: Option<i64>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MovementQuery {
    pub product_id: Option<ProductId>,
    pub lot_id: Option<LotId>,
    pub reference_id: Option<Uuid>,
    /// Rows per page, 1 to 500 (default 100).
    pub limit: Option<i64>,
    /// Rows to skip (default 0). Follow the `Link` header rather than counting.
    pub offset: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MovementDto {
    pub id: Uuid,
    pub lot_id: LotId,
    pub product_id: ProductId,
    pub movement_type: &'static str,
    pub quantity: Quantity,
    pub reference_type: Option<String>,
    pub reference_id: Option<Uuid>,
    pub created_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<StockMovement> for MovementDto {
    fn from(m: StockMovement) -> Self {
        Self {
            id: m.id,
            lot_id: m.lot_id,
            product_id: m.product_id,
            movement_type: m.kind.as_str(),
            quantity: m.quantity,
            reference_type: m.reference_type,
            reference_id: m.reference_id,
            created_by: m.created_by,
            created_at: m.created_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StockSummaryDto {
    pub product_id: ProductId,
    pub name: String,
    pub sku: String,
    pub unit: String,
    pub available: Quantity,
    pub expired: Quantity,
    pub lot_count: i64,
    #[serde(with = "iso_date::option")]
    pub next_expiry: Option<Date>,
}

impl From<StockSummaryRow> for StockSummaryDto {
    fn from(r: StockSummaryRow) -> Self {
        Self {
            product_id: r.product_id,
            name: r.name,
            sku: r.sku,
            unit: r.unit,
            available: r.available,
            expired: r.expired,
            lot_count: r.lot_count,
            next_expiry: r.next_expiry,
        }
    }
}

// ---------- orders ----------

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    pub product_id: ProductId,
    pub quantity: Quantity,
    pub notes: Option<String>,
    /// Free-form, for products without modifier groups.
    pub modifiers: Option<Value>,
    /// Option ids from the product's modifier groups (`GET /menu`), for products that
    /// have them: validated and priced into the line.
    #[serde(default)]
    pub options: Vec<ModifierOptionId>,
}

impl From<ItemRequest> for NewItem {
    fn from(i: ItemRequest) -> Self {
        NewItem {
            product_id: i.product_id,
            quantity: i.quantity,
            notes: i.notes,
            modifiers: i.modifiers.unwrap_or_else(empty_object),
            options: i.options,
        }
    }
}

fn one() -> i32 {
    1
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"table_id": "0190f5a2-7c1e-7d3a-9b1e-3f2a6c8d4e11", "covers": 2, "items": [{"product_id": "0190f5a2-7c1e-7d3a-9b1e-3f2a6c8d4e10", "quantity": 3, "modifiers": {"cooking": "medium-rare"}}]}))]
pub struct CreateOrder {
    pub table_id: Option<TableId>,
    #[serde(default = "one")]
    pub covers: i32,
    pub notes: Option<String>,
    #[serde(default)]
    pub items: Vec<ItemRequest>,
}

impl From<CreateOrder> for NewOrder {
    fn from(o: CreateOrder) -> Self {
        NewOrder {
            table_id: o.table_id,
            covers: o.covers,
            notes: o.notes,
            items: o.items.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddItems {
    pub items: Vec<ItemRequest>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "confirmed"}))]
pub struct StatusRequest {
    pub status: OrderStatus,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// One status or several, comma-separated (`?status=confirmed,preparing`).
    pub status: Option<String>,
    /// Rows per page, 1 to 500 (default 100).
    pub limit: Option<i64>,
    /// Rows to skip (default 0). Follow the `Link` header rather than counting.
    pub offset: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AllocationDto {
    pub lot_id: LotId,
    pub quantity: Quantity,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemDto {
    pub id: OrderItemId,
    pub product_id: ProductId,
    pub product_name: String,
    pub quantity: Quantity,
    /// The product's price plus its options' deltas.
    pub unit_price: Money,
    pub line_total: Option<Money>,
    pub notes: Option<String>,
    pub modifiers: Value,
    /// The options chosen, as named and priced when ordered.
    pub options: Vec<Chosen>,
    /// The tax rate it was sold at, in percent.
    pub tax_rate: Percent,
    /// The first lot FEFO took this item from (the seeds' `allocated_lot_id`).
    pub allocated_lot_id: Option<LotId>,
    pub allocations: Vec<AllocationDto>,
    pub shortfall: Quantity,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OrderDto {
    pub id: OrderId,
    pub venue_id: VenueId,
    pub order_number: i64,
    pub table_id: Option<TableId>,
    pub table_name: Option<String>,
    pub status: OrderStatus,
    pub covers: i32,
    pub notes: Option<String>,
    pub created_by: UserId,
    /// The sum of its lines as priced (the seeds' figure); what is owed is `check.total`.
    pub total: Money,
    pub items: Vec<ItemDto>,
    /// Its check: in the answers that carry one order, not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckDto>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub confirmed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub kitchen_started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ready_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub served_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub cancelled_at: Option<OffsetDateTime>,
}

impl From<Order> for OrderDto {
    fn from(o: Order) -> Self {
        Self {
            id: o.id,
            venue_id: o.venue_id,
            order_number: o.order_number,
            table_id: o.table_id,
            table_name: o.table_name,
            status: o.status,
            covers: o.covers,
            notes: o.notes,
            created_by: o.created_by,
            total: o.total,
            check: o.check.map(CheckDto::from),
            items: o
                .items
                .into_iter()
                .map(|i| ItemDto {
                    id: i.id,
                    product_id: i.product_id,
                    product_name: i.product_name,
                    quantity: i.quantity,
                    unit_price: i.unit_price,
                    line_total: i.unit_price.times(i.quantity),
                    notes: i.notes,
                    modifiers: i.modifiers,
                    options: i.options,
                    tax_rate: i.tax_rate,
                    allocated_lot_id: i.allocations.first().map(|a| a.lot_id),
                    allocations: i
                        .allocations
                        .into_iter()
                        .map(|a| AllocationDto {
                            lot_id: a.lot_id,
                            quantity: a.quantity,
                        })
                        .collect(),
                    shortfall: i.shortfall,
                })
                .collect(),
            created_at: o.created_at,
            updated_at: o.updated_at,
            confirmed_at: o.confirmed_at,
            kitchen_started_at: o.kitchen_started_at,
            ready_at: o.ready_at,
            served_at: o.served_at,
            completed_at: o.completed_at,
            cancelled_at: o.cancelled_at,
        }
    }
}
