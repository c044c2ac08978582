//! The records use cases read and write. Field names follow the REST contract.

use brigade_domain::check::{Check, CheckRules, Discount};
use brigade_domain::menu::{Chosen, GroupRule, OptionRule};
use brigade_domain::venue::{Currency, DayStart, Timezone, business_date};
use brigade_domain::{
    Allergens, CategoryId, DiscountId, DomainEvent, LotId, ModifierGroupId, ModifierOptionId,
    Money, OrderId, OrderItemId, OrderStatus, PaymentId, PaymentMethod, PaymentState, Percent,
    ProductId, Quantity, Role, StockPolicy, TableId, TableStatus, TaxClassId, UserId, VenueId,
    order::Stamp,
};
use serde_json::Value;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A venue and its settings (DESIGN §9).
#[derive(Debug, Clone, PartialEq)]
pub struct Venue {
    pub id: VenueId,
    pub name: String,
    pub stock_policy: StockPolicy,
    pub timezone: Timezone,
    pub currency: Currency,
    pub business_day_starts_at: DayStart,
    /// Whether an order may be `completed` with something still due.
    pub allow_unpaid_close: bool,
    /// Prices include tax, or tax is added on top of them.
    pub prices_include_tax: bool,
    /// Added to every check on its discounted lines (0: none).
    pub service_charge: Percent,
    /// An order `preparing` longer than this is stuck.
    pub stuck_after_minutes: u32,
    /// How long a ticket should take, from confirmed to ready.
    pub target_ticket_minutes: u32,
}

impl Venue {
    /// A new venue with the defaults of new venues: UTC, EUR, days from midnight,
    /// partial stock, no closing unpaid, 20 and 15 kitchen minutes.
    pub fn new(id: VenueId, name: impl Into<String>) -> Self {
        Venue {
            id,
            name: name.into(),
            stock_policy: StockPolicy::default(),
            timezone: Timezone::utc(),
            currency: Currency::EUR,
            business_day_starts_at: DayStart::default(),
            allow_unpaid_close: false,
            prices_include_tax: true,
            service_charge: Percent::ZERO,
            stuck_after_minutes: 20,
            target_ticket_minutes: 15,
        }
    }

    /// The venue's business day at `now`: its "today" (FEFO expiry, daily figures).
    pub fn business_date(&self, now: OffsetDateTime) -> Date {
        business_date(now, &self.timezone, self.business_day_starts_at)
    }

    /// How the venue's checks are computed.
    pub fn check_rules(&self) -> CheckRules {
        CheckRules {
            prices_include_tax: self.prices_include_tax,
            service_charge: self.service_charge,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub venue_id: VenueId,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub full_name: String,
    pub password_hash: String,
    pub memberships: Vec<Membership>,
    /// Tokens carry the epoch they were issued under; logging out or disabling the
    /// account moves it on, which voids every token issued before.
    pub session_epoch: i64,
    pub disabled: bool,
}

/// A member of a venue's staff, as its admins see them.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffMember {
    pub user_id: UserId,
    pub email: String,
    pub full_name: String,
    pub role: Role,
}

/// Who a token speaks for, read from the store (DESIGN §9: tokens carry who, not where).
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub user_id: UserId,
    pub session_epoch: i64,
    pub disabled: bool,
    pub memberships: Vec<Membership>,
}

impl Access {
    /// Whether a token issued under `epoch` still speaks for this user.
    pub fn admits(&self, epoch: i64) -> bool {
        !self.disabled && self.session_epoch == epoch
    }

    /// The user acting in `venue`, when they are a member of it.
    pub fn actor(&self, venue: VenueId) -> Option<crate::Actor> {
        self.memberships
            .iter()
            .find(|m| m.venue_id == venue)
            .map(|m| crate::Actor {
                user_id: self.user_id,
                venue_id: venue,
                role: m.role,
            })
    }
}

/// A single-use WebSocket ticket as the store keeps it: the ticket's hash, never the
/// ticket, and the session it opens.
#[derive(Debug, Clone, PartialEq)]
pub struct WsTicket {
    pub ticket_hash: String,
    pub user_id: UserId,
    pub session_epoch: i64,
    /// The socket it opens closes when the token that asked for it expires.
    pub token_expires_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub id: TableId,
    pub venue_id: VenueId,
    pub name: String,
    pub seats: i32,
    pub area: Option<String>,
    pub position: Value,
    pub status: TableStatus,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: ProductId,
    pub venue_id: VenueId,
    pub name: String,
    pub sku: String,
    pub unit: String,
    pub cost: Money,
    pub price: Money,
    pub category_id: Option<CategoryId>,
    /// The category's name, as the store reads it with the product (writes ignore it).
    pub category: Option<String>,
    pub allergens: Allergens,
    /// Its tax class; none: the venue's default class (or no tax without one).
    pub tax_class_id: Option<TaxClassId>,
    /// The modifier groups it offers, in display order (read with the product; set
    /// through `ModifierStore::set_product_groups`).
    pub modifier_group_ids: Vec<ModifierGroupId>,
    pub attributes: Value,
    /// Serving deducts stock (FEFO) only for tracked products; a service charge is not.
    pub stock_tracked: bool,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lot {
    pub id: LotId,
    pub venue_id: VenueId,
    pub product_id: ProductId,
    pub lot_code: String,
    pub qty_init: Quantity,
    pub qty_current: Quantity,
    pub unit: String,
    pub cost_per_unit: Money,
    pub expiry_date: Option<Date>,
    pub storage_location: Option<String>,
    pub received_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementKind {
    In,
    Out,
}

impl MovementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::In => "IN",
            MovementKind::Out => "OUT",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StockMovement {
    pub id: Uuid,
    pub venue_id: VenueId,
    pub lot_id: LotId,
    pub product_id: ProductId,
    pub kind: MovementKind,
    /// Signed: `OUT` movements are negative.
    pub quantity: Quantity,
    pub reference_type: Option<String>,
    pub reference_id: Option<Uuid>,
    pub created_by: Option<UserId>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MovementFilter {
    pub product_id: Option<ProductId>,
    pub lot_id: Option<LotId>,
    pub reference_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StockSummaryRow {
    pub product_id: ProductId,
    pub name: String,
    pub sku: String,
    pub unit: String,
    /// Stock in lots that have not expired.
    pub available: Quantity,
    /// Stock still on hand in expired lots (to be written off).
    pub expired: Quantity,
    pub lot_count: i64,
    pub next_expiry: Option<Date>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemAllocation {
    pub lot_id: LotId,
    pub quantity: Quantity,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    pub id: OrderItemId,
    pub order_id: OrderId,
    pub product_id: ProductId,
    pub product_name: String,
    pub quantity: Quantity,
    pub unit_price: Money,
    pub notes: Option<String>,
    /// Free-form modifiers (products without modifier groups, as the seeds send them).
    pub modifiers: Value,
    /// The options chosen from the product's modifier groups, as named and priced when
    /// ordered; `unit_price` includes their deltas.
    pub options: Vec<Chosen>,
    /// The tax rate it was sold at (its product's class then).
    pub tax_rate: Percent,
    /// What FEFO could not allocate at serve time (partial policy).
    pub shortfall: Quantity,
    pub allocations: Vec<ItemAllocation>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: OrderId,
    pub venue_id: VenueId,
    /// Per-venue, gap-free from 1; 0 only before the number is assigned in the creating
    /// transaction.
    pub order_number: i64,
    pub table_id: Option<TableId>,
    pub table_name: Option<String>,
    pub status: OrderStatus,
    pub covers: i32,
    pub notes: Option<String>,
    pub created_by: UserId,
    /// The sum of its lines as priced (the seeds' figure); what is owed is the check's.
    pub total: Money,
    pub items: Vec<OrderItem>,
    /// The rules its check is computed under: the venue's when it opened.
    pub check_rules: CheckRules,
    /// The check and its payments: filled in by the use cases that answer with one
    /// order (`with_check`), absent from lists and from what stores read.
    pub check: Option<OrderCheck>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub confirmed_at: Option<OffsetDateTime>,
    pub kitchen_started_at: Option<OffsetDateTime>,
    pub ready_at: Option<OffsetDateTime>,
    pub served_at: Option<OffsetDateTime>,
    pub completed_at: Option<OffsetDateTime>,
    pub cancelled_at: Option<OffsetDateTime>,
}

impl Order {
    /// The order as `OrderStore::set_status` leaves it: `status`, `updated_at` and the
    /// transition's timestamp set to `at`.
    pub fn with_status(mut self, status: OrderStatus, stamp: Stamp, at: OffsetDateTime) -> Self {
        self.status = status;
        self.updated_at = at;
        let field = match stamp {
            Stamp::ConfirmedAt => &mut self.confirmed_at,
            Stamp::KitchenStartedAt => &mut self.kitchen_started_at,
            Stamp::ReadyAt => &mut self.ready_at,
            Stamp::ServedAt => &mut self.served_at,
            Stamp::CompletedAt => &mut self.completed_at,
            Stamp::CancelledAt => &mut self.cancelled_at,
        };
        *field = Some(at);
        self
    }
}

/// One journaled event: the venue's `seq` orders them without gaps.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    pub venue_id: VenueId,
    pub seq: i64,
    pub kind: String,
    pub data: Value,
    pub at: OffsetDateTime,
}

impl JournalEntry {
    /// The journal's form of `event`: its type, and its payload (the envelope's `data`).
    pub fn new(venue_id: VenueId, seq: i64, event: &DomainEvent, at: OffsetDateTime) -> Self {
        let data = match serde_json::to_value(event) {
            Ok(Value::Object(mut envelope)) => envelope.remove("data").unwrap_or(Value::Null),
            _ => Value::Null,
        };
        Self {
            venue_id,
            seq,
            kind: event.kind().to_owned(),
            data,
            at,
        }
    }
}

/// What a claimed `Idempotency-Key` turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// First use: go ahead; the key now points at the resource being created.
    Fresh,
    /// Same key, same request: the resource created the first time.
    Replay(Uuid),
    /// Same key, different request.
    Mismatch,
}

/// An `Idempotency-Key` with the fingerprint of the request that carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct IdempotencyKey {
    pub key: String,
    pub fingerprint: String,
}

/// The kitchen across all venues (hidden ones aside), for the operations health view.
#[derive(Debug, Clone, PartialEq)]
pub struct KitchenHealth {
    /// Orders the kitchen has to deal with (confirmed, preparing, ready).
    pub active_orders: i64,
    /// Orders in `preparing` for longer than their venue's `stuck_after_minutes`.
    pub stuck_in_preparing: i64,
    /// Of those, the ones in `preparing` for more than twice that.
    pub critical: i64,
    /// Mean seconds from `preparing` to `ready` of the orders that became ready in the
    /// window (`None` when none did).
    pub avg_preparation_secs: Option<f64>,
}

/// A section of a venue's menu.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: CategoryId,
    pub venue_id: VenueId,
    pub name: String,
    /// Display order on the menu, ascending (then by name).
    pub position: i32,
    /// An inactive category and its products are on no menu.
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// What guests can order now: active categories in display order, each with its active
/// products by name, then the active products no category holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Menu {
    /// The venue's menu version: caches and ETags are keyed by it.
    pub version: i64,
    pub categories: Vec<(Category, Vec<Product>)>,
    pub uncategorized: Vec<Product>,
    /// The venue's modifier groups with every option (the menu shows the offered ones,
    /// with their active options).
    pub groups: Vec<ModifierGroup>,
}

/// Choices a product offers, shared by every product it is attached to (DESIGN §9).
#[derive(Debug, Clone, PartialEq)]
pub struct ModifierGroup {
    pub id: ModifierGroupId,
    pub venue_id: VenueId,
    pub name: String,
    /// `required` is `min_choices >= 1`.
    pub min_choices: i32,
    pub max_choices: i32,
    /// In display order (position, then name).
    pub options: Vec<ModifierOption>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModifierOption {
    pub id: ModifierOptionId,
    pub venue_id: VenueId,
    pub group_id: ModifierGroupId,
    pub name: String,
    /// Added to the line's unit price; negative for "no cheese".
    pub price_delta: Money,
    pub allergens: Allergens,
    pub position: i32,
    /// An inactive option is on no menu and cannot be ordered.
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl ModifierGroup {
    /// The group as the domain's choice rules see it.
    pub fn rule(&self) -> GroupRule {
        GroupRule {
            id: self.id,
            name: self.name.clone(),
            min_choices: self.min_choices.max(0) as u32,
            max_choices: self.max_choices.max(0) as u32,
            options: self
                .options
                .iter()
                .map(|o| OptionRule {
                    id: o.id,
                    name: o.name.clone(),
                    price_delta: o.price_delta,
                    active: o.active,
                })
                .collect(),
        }
    }
}

/// A rate of tax (food, alcohol); products name theirs, or get the venue's default.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxClass {
    pub id: TaxClassId,
    pub venue_id: VenueId,
    pub name: String,
    pub rate: Percent,
    /// The class of products that name none; at most one per venue.
    pub is_default: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A payment on an order's check.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    pub id: PaymentId,
    pub venue_id: VenueId,
    pub order_id: OrderId,
    pub method: PaymentMethod,
    pub state: PaymentState,
    /// Towards the check.
    pub amount: Money,
    /// On top of the amount, the staff's.
    pub tip: Money,
    /// Cash: what the guest handed over, and the change given back.
    pub tendered: Option<Money>,
    pub change: Option<Money>,
    /// The card terminal's or processor's id for it.
    pub reference: Option<String>,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Set when it was refunded.
    pub refund: Option<Refund>,
}

/// Who gave a payment back, and why (`updated_at` is when).
#[derive(Debug, Clone, PartialEq)]
pub struct Refund {
    pub by: UserId,
    pub reason: String,
}

/// A discount on one line of an order or on its whole check (DESIGN §9).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderDiscount {
    pub id: DiscountId,
    pub venue_id: VenueId,
    pub order_id: OrderId,
    /// The line it applies to; none: the check.
    pub item_id: Option<OrderItemId>,
    pub discount: Discount,
    pub reason: String,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
}

/// An order's check with what was paid on it: the figures every single-order answer
/// carries.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderCheck {
    pub check: Check,
    /// The venue's rule the check was computed under.
    pub prices_include_tax: bool,
    /// The tips of captured payments.
    pub tips: Money,
    /// The amounts of captured payments.
    pub paid: Money,
    /// What is left to pay (never below zero).
    pub due: Money,
    /// Every payment, oldest first.
    pub payments: Vec<Payment>,
    /// Its discounts, oldest first.
    pub discounts: Vec<OrderDiscount>,
}

/// An order in `preparing` past its venue's threshold, not alerted yet.
#[derive(Debug, Clone, PartialEq)]
pub struct StuckOrder {
    pub venue_id: VenueId,
    pub order_id: OrderId,
    pub order_number: i64,
    /// When the kitchen started it.
    pub since: OffsetDateTime,
    /// The venue's `stuck_after_minutes`.
    pub threshold_minutes: u32,
}

/// Orders and takings across the venues (hidden ones aside) since an instant.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    /// Orders opened.
    pub orders: i64,
    /// Captured payments towards checks (tips aside), by the venues' currency code, in
    /// minor units; refunded payments are not takings.
    pub revenue: Vec<(String, i64)>,
}

/// One statement pattern's cost, as the store measures it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryStat {
    /// The statement with placeholders for its values.
    pub statement: String,
    pub calls: i64,
    pub total_ms: f64,
    pub mean_ms: f64,
    pub max_ms: f64,
}

/// The store's statement statistics, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryStats {
    /// The costliest patterns first.
    Statements(Vec<QueryStat>),
    /// What an operator does to have them (e.g. load `pg_stat_statements`).
    Unavailable(String),
}
