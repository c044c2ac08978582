//! The ports: what the use cases need from the outside world.
//!
//! A use case opens a unit of work ([`UnitOfWork::begin`]) and reaches each aggregate's
//! store through the [`Tx`] it gets back; everything it does through that `Tx` commits
//! or rolls back together. Stores take `venue_id` on every call and adapters filter by
//! it: another venue's id behaves exactly like an id that does not exist.

use async_trait::async_trait;
use brigade_domain::fefo::{LotStock, Take};
use brigade_domain::venue::Currency;
use brigade_domain::{
    CategoryId, DiscountId, LotId, ModifierGroupId, Money, OrderId, OrderItemId, OrderStatus,
    PaymentId, PaymentMethod, PaymentState, ProductId, Quantity, Role, TableId, TableStatus,
    UserId, VenueId, order::Stamp,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::model::*;
use crate::{Page, StoreError};

type Result<T> = std::result::Result<T, StoreError>;

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait UnitOfWork: Send + Sync + 'static {
    /// A read-write transaction.
    async fn begin(&self) -> Result<Box<dyn Tx>>;
    /// A read-only transaction over one consistent snapshot.
    async fn read(&self) -> Result<Box<dyn Tx>>;
    /// A connection outside any transaction, for a read of one statement (its own
    /// snapshot): no BEGIN and no COMMIT, one round trip. Committing it only returns
    /// the connection. The default is a read transaction.
    async fn statement(&self) -> Result<Box<dyn Tx>> {
        self.read().await
    }
    /// Checks the store answers (readiness).
    async fn ping(&self) -> Result<()>;
    /// Connections in use and idle, for the pool metric.
    fn connections(&self) -> Connections {
        Connections::default()
    }
    /// Statements run on the store's connections since it opened (what an idle
    /// instance costs the database is read from it).
    fn statements(&self) -> u64 {
        0
    }
    /// The `limit` costliest statement patterns (by total time) the store has seen.
    async fn query_stats(&self, limit: usize) -> Result<QueryStats> {
        let _ = limit;
        Ok(QueryStats::Unavailable(
            "this store keeps no statement statistics".to_owned(),
        ))
    }
}

/// A store's connection pool at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Connections {
    pub used: usize,
    pub idle: usize,
}

/// One transaction. Dropping it without [`Tx::commit`] rolls back.
#[async_trait]
pub trait Tx: Send {
    fn venues(&mut self) -> &mut dyn VenueStore;
    fn users(&mut self) -> &mut dyn UserStore;
    fn tables(&mut self) -> &mut dyn TableStore;
    fn products(&mut self) -> &mut dyn ProductStore;
    fn menu(&mut self) -> &mut dyn MenuStore;
    fn modifiers(&mut self) -> &mut dyn ModifierStore;
    fn checks(&mut self) -> &mut dyn CheckStore;
    fn stock(&mut self) -> &mut dyn StockStore;
    fn orders(&mut self) -> &mut dyn OrderStore;
    fn events(&mut self) -> &mut dyn EventLog;
    fn idempotency(&mut self) -> &mut dyn IdempotencyStore;
    fn operations(&mut self) -> &mut dyn OperationsStore;
    async fn commit(self: Box<Self>) -> Result<()>;
    async fn rollback(self: Box<Self>) -> Result<()>;
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait VenueStore: Send {
    async fn get(&mut self, venue: VenueId) -> Result<Option<Venue>>;
    /// Like `get`, and locks the venue row until the transaction ends (staff changes,
    /// so two admins cannot demote each other to no admin at all).
    async fn lock(&mut self, venue: VenueId) -> Result<Option<Venue>>;
    /// The venues among `ids` (missing ones are absent), by name.
    async fn get_many(&mut self, ids: &[VenueId], page: Page) -> Result<Vec<Venue>>;
    /// Creates the venue, or updates its name and settings when it exists.
    async fn upsert(&mut self, venue: &Venue) -> Result<()>;
    /// Takes the venue's next `orders` order numbers and `events` event seqs in one
    /// statement; returns the last of each. Locks the venue's counter row until COMMIT
    /// (so numbers commit in order, gap-free): call it last, then write only what needs
    /// the numbers.
    async fn take_numbers(
        &mut self,
        venue: VenueId,
        orders: i64,
        events: i64,
    ) -> Result<(i64, i64)>;
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait UserStore: Send {
    async fn by_email(&mut self, email: &str) -> Result<Option<User>>;
    /// Creates the user unless an account has that email (then nothing of it changes);
    /// sets the role in each listed venue and keeps memberships of other venues.
    /// Returns the account's id and whether it was created.
    async fn create_or_join(&mut self, user: &User) -> Result<(UserId, bool)>;
    /// The venue's staff, by name.
    async fn staff(&mut self, venue: VenueId, page: Page) -> Result<Vec<StaffMember>>;
    /// Sets `user`'s role in `venue` (a membership, created when missing).
    async fn set_role(&mut self, venue: VenueId, user: UserId, role: Role) -> Result<()>;
    /// Removes `user` from `venue`; false when they were not a member.
    async fn remove_membership(&mut self, venue: VenueId, user: UserId) -> Result<bool>;
    async fn set_password(&mut self, user: UserId, password_hash: &str) -> Result<()>;
    async fn insert_password_token(
        &mut self,
        token_hash: &str,
        user: UserId,
        expires_at: OffsetDateTime,
    ) -> Result<()>;
    /// Takes the token with this hash out of the store (it works once): its user and
    /// expiry.
    async fn take_password_token(
        &mut self,
        token_hash: &str,
    ) -> Result<Option<(UserId, OffsetDateTime)>>;
    /// Who `user` is now: session epoch, disabled flag and memberships.
    async fn access(&mut self, user: UserId) -> Result<Option<Access>>;
    /// Stamps a change of `user`'s access at `at` (every instance drops what it cached
    /// of them within two seconds), moving the session epoch on when `end_sessions`.
    /// False when there is no such user.
    async fn access_changed(
        &mut self,
        user: UserId,
        at: OffsetDateTime,
        end_sessions: bool,
    ) -> Result<bool>;
    /// Disables the account from `at`, or enables it again with `None`.
    async fn set_disabled(&mut self, user: UserId, at: Option<OffsetDateTime>) -> Result<()>;
    /// The users whose access changed after `since`, with when.
    async fn access_changes(
        &mut self,
        since: OffsetDateTime,
    ) -> Result<Vec<(UserId, OffsetDateTime)>>;
    async fn insert_ticket(&mut self, ticket: &WsTicket) -> Result<()>;
    /// Takes the ticket with this hash out of the store (so it works once), expired or not.
    async fn take_ticket(&mut self, ticket_hash: &str) -> Result<Option<WsTicket>>;
    /// Deletes WebSocket tickets and set-password tokens that expired before `before`;
    /// returns how many.
    async fn prune_tickets(&mut self, before: OffsetDateTime) -> Result<u64>;
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait TableStore: Send {
    async fn insert(&mut self, table: &Table) -> Result<()>;
    async fn get(&mut self, venue: VenueId, id: TableId) -> Result<Option<Table>>;
    /// Reads and locks the table row until the transaction ends.
    async fn lock(&mut self, venue: VenueId, id: TableId) -> Result<Option<Table>>;
    async fn list(&mut self, venue: VenueId, page: Page) -> Result<Vec<Table>>;
    async fn update(&mut self, table: &Table) -> Result<()>;
    async fn set_status(
        &mut self,
        venue: VenueId,
        id: TableId,
        status: TableStatus,
        at: OffsetDateTime,
    ) -> Result<()>;
    async fn delete(&mut self, venue: VenueId, id: TableId) -> Result<()>;
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ProductStore: Send {
    async fn insert(&mut self, product: &Product) -> Result<()>;
    async fn get(&mut self, venue: VenueId, id: ProductId) -> Result<Option<Product>>;
    /// Like `get`, and locks the product row until the transaction ends (edits, and
    /// lot receipts that depend on its unit).
    async fn lock(&mut self, venue: VenueId, id: ProductId) -> Result<Option<Product>>;
    /// The venue's products among `ids` (missing ids are simply absent).
    async fn get_many(&mut self, venue: VenueId, ids: &[ProductId]) -> Result<Vec<Product>>;
    async fn list(&mut self, venue: VenueId, page: Page) -> Result<Vec<Product>>;
    async fn update(&mut self, product: &Product) -> Result<()>;
}

/// Categories and the venue's menu version (DESIGN §9, "one versioning rule").
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait MenuStore: Send {
    async fn insert_category(&mut self, category: &Category) -> Result<()>;
    async fn get_category(&mut self, venue: VenueId, id: CategoryId) -> Result<Option<Category>>;
    async fn category_named(&mut self, venue: VenueId, name: &str) -> Result<Option<Category>>;
    /// The venue's categories in display order (position, then name).
    async fn list_categories(&mut self, venue: VenueId, page: Page) -> Result<Vec<Category>>;
    async fn update_category(&mut self, category: &Category) -> Result<()>;
    /// The venue's menu version (0 for an unknown venue).
    async fn version(&mut self, venue: VenueId) -> Result<i64>;
    /// Moves the venue's menu version on and returns it: by one, and to at least `at`
    /// in milliseconds, so a version is never handed out twice (a database restored
    /// from a backup would otherwise reissue numbers for other content). Every write
    /// that changes the menu calls it in its transaction.
    async fn bump_version(&mut self, venue: VenueId, at: OffsetDateTime) -> Result<i64>;
    /// Up to `limit` venues that took orders since `since`, the most recent first
    /// (whose menus are worth warming).
    async fn active_venues(&mut self, since: OffsetDateTime, limit: i64) -> Result<Vec<VenueId>>;
}

/// Modifier groups, their options, and which products offer them (DESIGN §9). Groups
/// are read with their options in display order (position, then name).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ModifierStore: Send {
    /// Inserts the group and its options.
    async fn insert_group(&mut self, group: &ModifierGroup) -> Result<()>;
    /// Updates the group's own fields (its options have their own writes).
    async fn update_group(&mut self, group: &ModifierGroup) -> Result<()>;
    async fn get_group(
        &mut self,
        venue: VenueId,
        id: ModifierGroupId,
    ) -> Result<Option<ModifierGroup>>;
    /// The venue's groups among `ids` (missing ids are absent), by name.
    async fn groups(
        &mut self,
        venue: VenueId,
        ids: &[ModifierGroupId],
    ) -> Result<Vec<ModifierGroup>>;
    /// All the venue's groups, by name.
    async fn list_groups(&mut self, venue: VenueId, page: Page) -> Result<Vec<ModifierGroup>>;
    async fn insert_option(&mut self, option: &ModifierOption) -> Result<()>;
    async fn update_option(&mut self, option: &ModifierOption) -> Result<()>;
    /// The groups `product` offers from now on, in this order.
    async fn set_product_groups(
        &mut self,
        venue: VenueId,
        product: ProductId,
        groups: &[ModifierGroupId],
    ) -> Result<()>;
}

/// Tax classes, payments and discounts: what an order's check is computed from besides
/// its lines and the rules it opened with (DESIGN §9).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CheckStore: Send {
    async fn insert_tax_class(&mut self, class: &TaxClass) -> Result<()>;
    async fn update_tax_class(&mut self, class: &TaxClass) -> Result<()>;
    /// The venue's tax classes, by name.
    async fn tax_classes(&mut self, venue: VenueId, page: Page) -> Result<Vec<TaxClass>>;
    /// No class of the venue is its default any more (before another becomes it).
    async fn clear_default_tax_class(&mut self, venue: VenueId) -> Result<()>;
    async fn insert_payment(&mut self, payment: &Payment) -> Result<()>;
    /// The order's payments, oldest first.
    async fn payments(&mut self, venue: VenueId, order: OrderId) -> Result<Vec<Payment>>;
    /// The payments of `orders`, oldest first.
    async fn payments_of(&mut self, venue: VenueId, orders: &[OrderId]) -> Result<Vec<Payment>>;
    /// The discounts of `orders`, oldest first.
    async fn discounts_of(
        &mut self,
        venue: VenueId,
        orders: &[OrderId],
    ) -> Result<Vec<OrderDiscount>>;
    /// Payments taken or changed (refunded) in `[from, to)`.
    async fn payments_between(
        &mut self,
        venue: VenueId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<Payment>>;
    async fn insert_discount(&mut self, discount: &OrderDiscount) -> Result<()>;
    /// The order's discounts, oldest first.
    async fn discounts(&mut self, venue: VenueId, order: OrderId) -> Result<Vec<OrderDiscount>>;
    async fn delete_discount(&mut self, venue: VenueId, id: DiscountId) -> Result<()>;
    /// Marks a captured payment `refunded`, by whom and why.
    async fn refund_payment(
        &mut self,
        venue: VenueId,
        id: PaymentId,
        refund: &Refund,
        at: OffsetDateTime,
    ) -> Result<()>;
}

/// Where card payments go (DESIGN §9). The use cases ask it to charge a payment and
/// record what it answers; `RecordOnly` answers "captured" for a terminal outside
/// Brigade. docs/PAYMENTS.md says how a processor plugs in.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PaymentProcessor: Send + Sync + 'static {
    /// Charges `payment` (its id is the processor's idempotency key): captured, pending
    /// (the processor answers later) or failed, with the processor's reference.
    async fn charge(&self, payment: &Payment) -> std::result::Result<Charge, ProcessorError>;
    /// Gives a captured payment back in full.
    async fn refund(&self, payment: &Payment) -> std::result::Result<(), ProcessorError>;
}

/// A processor's answer to a charge.
#[derive(Debug, Clone, PartialEq)]
pub struct Charge {
    pub state: PaymentState,
    pub reference: Option<String>,
}

/// The processor could not be reached or refused to answer: nothing was charged.
#[derive(Debug, thiserror::Error)]
#[error("payment processor: {0}")]
pub struct ProcessorError(pub String);

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StockStore: Send {
    async fn insert_lot(&mut self, lot: &Lot) -> Result<()>;
    async fn get_lot(&mut self, venue: VenueId, id: LotId) -> Result<Option<Lot>>;
    async fn list_lots(
        &mut self,
        venue: VenueId,
        product: Option<ProductId>,
        page: Page,
    ) -> Result<Vec<Lot>>;
    /// Locks every lot of `product` with stock left, in FEFO order, until the
    /// transaction ends: concurrent serves queue here instead of over-allocating.
    async fn lock_for_fefo(&mut self, venue: VenueId, product: ProductId) -> Result<Vec<LotStock>>;
    /// Applies a FEFO plan: decrements each lot (never below zero).
    async fn take(&mut self, venue: VenueId, takes: &[Take]) -> Result<()>;
    async fn insert_movements(&mut self, movements: &[StockMovement]) -> Result<()>;
    async fn movements(
        &mut self,
        venue: VenueId,
        filter: &MovementFilter,
        page: Page,
    ) -> Result<Vec<StockMovement>>;
    async fn summary(
        &mut self,
        venue: VenueId,
        today: Date,
        page: Page,
    ) -> Result<Vec<StockSummaryRow>>;
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait OrderStore: Send {
    /// Inserts the order (number not yet assigned) and its items.
    async fn insert(&mut self, order: &Order) -> Result<()>;
    async fn insert_items(&mut self, venue: VenueId, items: &[OrderItem]) -> Result<()>;
    /// Sets the number taken by [`VenueStore::take_numbers`] on a new order.
    async fn set_number(&mut self, venue: VenueId, order: OrderId, number: i64) -> Result<()>;
    async fn get(&mut self, venue: VenueId, id: OrderId) -> Result<Option<Order>>;
    /// Like `get`, and locks the order row until the transaction ends.
    async fn lock(&mut self, venue: VenueId, id: OrderId) -> Result<Option<Order>>;
    /// Orders with one of `statuses` (all when empty), at most `limit`, oldest first
    /// (the kitchen's queue) or newest first (history).
    async fn list(
        &mut self,
        venue: VenueId,
        statuses: &[OrderStatus],
        page: Page,
        oldest_first: bool,
    ) -> Result<Vec<Order>>;
    async fn set_status(
        &mut self,
        venue: VenueId,
        id: OrderId,
        status: OrderStatus,
        stamp: Stamp,
        at: OffsetDateTime,
    ) -> Result<()>;
    async fn set_total(&mut self, venue: VenueId, id: OrderId, total: Money) -> Result<()>;
    /// The orders opened in `[from, to)`, oldest first, with their items.
    async fn opened_between(
        &mut self,
        venue: VenueId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<Order>>;
    /// Links an item to the lots FEFO took from and records its shortfall.
    async fn record_allocation(
        &mut self,
        venue: VenueId,
        item: OrderItemId,
        takes: &[Take],
        shortfall: Quantity,
    ) -> Result<()>;
    /// Open orders (not completed, not cancelled) on the table, `except` one.
    async fn count_open_on_table(
        &mut self,
        venue: VenueId,
        table: TableId,
        except: Option<OrderId>,
    ) -> Result<u64>;
    async fn delete(&mut self, venue: VenueId, id: OrderId) -> Result<()>;
}

/// The operators' reads across venues, and the claims that make the kitchen alerts go
/// out once. Hidden venues (the deploy smoke test's) are left out of every read.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait OperationsStore: Send {
    /// The kitchen of every venue at `now`: an order in `preparing` longer than its
    /// venue's `stuck_after_minutes` is stuck, twice that critical; the mean
    /// preparation time covers orders ready since `ready_since`.
    async fn kitchen_health(
        &mut self,
        now: OffsetDateTime,
        ready_since: OffsetDateTime,
    ) -> Result<KitchenHealth>;
    /// Up to `limit` orders stuck at `now` with no `code` alert yet, the oldest first,
    /// in one statement whatever the number of venues.
    async fn stuck_orders(
        &mut self,
        now: OffsetDateTime,
        code: &str,
        limit: i64,
    ) -> Result<Vec<StuckOrder>>;
    /// Records that `code` was raised for the order; false when it already was (by
    /// this or another instance: the row is the claim).
    async fn claim_alert(
        &mut self,
        venue: VenueId,
        order: OrderId,
        code: &str,
        at: OffsetDateTime,
    ) -> Result<bool>;
    /// Orders opened and takings since `since`.
    async fn figures(&mut self, since: OffsetDateTime) -> Result<Figures>;
    /// Hides the venue from the cross-venue views.
    async fn hide_venue(&mut self, venue: VenueId) -> Result<()>;
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait EventLog: Send {
    /// Journals entries under the seqs taken by [`VenueStore::take_numbers`].
    async fn insert(&mut self, entries: &[JournalEntry]) -> Result<()>;
    /// The venue's latest sequence number (0 before the first event).
    async fn latest_seq(&mut self, venue: VenueId) -> Result<i64>;
    /// The latest seq of each of `venues` (venues that do not exist are absent), in
    /// one query however many: the real-time gateway's sweep for lost publications.
    async fn latest_seqs(&mut self, venues: &[VenueId]) -> Result<Vec<(VenueId, i64)>>;
    /// The oldest seq still retained (`None` when nothing is).
    async fn first_seq(&mut self, venue: VenueId) -> Result<Option<i64>>;
    /// Events after `seq`, in order, at most `limit`.
    async fn since(&mut self, venue: VenueId, seq: i64, limit: i64) -> Result<Vec<JournalEntry>>;
    /// Per venue, the newest seq journaled before `before`: retention deletes up to it.
    /// Venues with nothing that old are absent.
    async fn prunable(&mut self, before: OffsetDateTime) -> Result<Vec<(VenueId, i64)>>;
    /// Deletes the venue's events `first..=last` (an indexed range); returns how many.
    async fn delete_range(&mut self, venue: VenueId, first: i64, last: i64) -> Result<u64>;
}

/// A cache of bytes for cache-aside reads (DESIGN §9): Redis, shared by every instance,
/// when one is configured, else in process. Keys carry the version the database holds
/// (`menu:v1:<venue>:<version>`), so an entry is never stale, only unused; the TTL is a
/// backstop. Errors are the caller's to absorb: a cache outage degrades to the
/// database, never to an error.
#[async_trait]
pub trait Cache: Send + Sync + 'static {
    /// What backs it, for metrics and logs: `redis` or `memory`.
    fn backend(&self) -> &'static str;
    async fn get(&self, key: &str) -> std::result::Result<Option<Vec<u8>>, CacheError>;
    async fn set(
        &self,
        key: &str,
        value: &[u8],
        ttl: std::time::Duration,
    ) -> std::result::Result<(), CacheError>;
}

/// Why a cache could not answer (unreachable, timed out, refused).
#[derive(Debug, thiserror::Error)]
#[error("cache: {0}")]
pub struct CacheError(pub String);

/// Publication of committed journal entries to the real-time subscribers of every app
/// instance. Called after COMMIT; it must not block, and a failure is the adapter's to
/// log, not the caller's: subscribers notice a missing `seq` and read it from the
/// journal.
pub trait EventBus: Send + Sync + 'static {
    fn publish(&self, entries: &[JournalEntry]);
}

/// Where a bus hands what was published, on this instance or another (the WebSocket
/// gateway). Must not block.
pub trait EventSink: Send + Sync + 'static {
    fn deliver(&self, entries: Vec<JournalEntry>);
}

#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send {
    /// Claims `key` for `resource`. A concurrent claim of the same key waits for this
    /// transaction and then sees it as a replay (or as free again after a rollback).
    async fn claim(
        &mut self,
        venue: VenueId,
        user: UserId,
        key: &IdempotencyKey,
        resource: Uuid,
    ) -> Result<Claim>;
}

/// Wall-clock time, a port so tests can pin "today" for expiry.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

/// Password hashing (argon2id in production). Async because a good hash is slow enough
/// that adapters run it off the request threads.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync + 'static {
    async fn hash(&self, password: String) -> anyhow::Result<String>;
    async fn verify(&self, password: String, hash: String) -> bool;
    /// Does the work of one `verify` against no account (and fails), so that an unknown
    /// email answers exactly like a wrong password, in time too.
    async fn verify_nothing(&self, password: String);
}

/// What the use cases measure for operators' dashboards (OpenTelemetry in production).
/// Recorded after COMMIT only: work that rolled back is never counted.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait Metrics: Send + Sync + 'static {
    fn record(&self, measurement: Measurement);
}

/// One measurement; see `docs/LOGGING.md` for the metric each becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measurement {
    /// An order was created (replays excluded).
    OrderCreated,
    /// An order moved from one status to another.
    Transition { from: OrderStatus, to: OrderStatus },
    /// How long an order spent in a kitchen stage (`confirmed`, `preparing` or
    /// `ready`), recorded when it leaves that stage.
    StageTime { stage: OrderStatus, seconds: f64 },
    /// How long serving took to lock, plan and take an order's stock FEFO.
    FefoAllocation { seconds: f64 },
    /// A served line got less stock than it asked for (`partial` policy).
    Shortage,
    /// A creating request was answered from its `Idempotency-Key` (nothing created).
    IdempotentReplay { resource: &'static str },
    /// A payment was recorded (captured, pending or declined), with how long its
    /// processor took to answer.
    Payment {
        method: PaymentMethod,
        state: PaymentState,
        currency: Currency,
        amount: Money,
        tip: Money,
        seconds: f64,
    },
    /// A captured payment was given back.
    Refund {
        method: PaymentMethod,
        currency: Currency,
        amount: Money,
    },
    /// The payment processor did not answer: nothing was charged.
    ProcessorUnavailable { method: PaymentMethod },
    /// A kitchen alert went out (`order_stuck`).
    KitchenAlert { code: &'static str },
}
