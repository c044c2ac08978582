//! [`Brigade`]: the use-case service, holding the ports `brigade-app` wires in.

use std::sync::Arc;

use async_trait::async_trait;
use brigade_domain::{Permission, Role, UserId, VenueId};
use time::OffsetDateTime;

use crate::AppError;
use crate::StoreError;
use crate::model::JournalEntry;
use crate::ports::{
    Charge, CheckStore, Clock, EventBus, EventLog, EventSink, IdempotencyStore, Measurement,
    MenuStore, Metrics, ModifierStore, OperationsStore, OrderStore, PasswordHasher,
    PaymentProcessor, ProcessorError, ProductStore, StockStore, TableStore, Tx, UnitOfWork,
    UserStore, VenueStore,
};

/// Who is acting, in which venue, with which role. Built by the HTTP adapter from a
/// verified token and the venue membership; use cases trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub venue_id: VenueId,
    pub role: Role,
}

impl Actor {
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.role.may(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "a {} may not {}",
                self.role,
                match permission {
                    Permission::ViewVenue => "view this venue",
                    Permission::ManageVenue => "manage tables, menu or stock",
                    Permission::TakeOrders => "take orders",
                    Permission::SetTableStatus => "set table status",
                    Permission::ConfigureVenue => "change the venue's settings",
                    Permission::ManageStaff => "manage the venue's staff",
                    Permission::TakePayments => "take payments",
                    Permission::ManageChecks => "refund payments or give discounts",
                    Permission::ViewCosts => "see cost prices",
                }
            )))
        }
    }
}

/// The use cases. Ports are trait objects so the HTTP adapter need not be generic over
/// every store; a virtual call is nothing beside a database round trip.
#[derive(Clone)]
pub struct Brigade {
    pub(crate) uow: Arc<dyn UnitOfWork>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) passwords: Arc<dyn PasswordHasher>,
    pub(crate) bus: Arc<dyn EventBus>,
    pub(crate) metrics: Arc<dyn Metrics>,
    pub(crate) processor: Arc<dyn PaymentProcessor>,
}

impl Brigade {
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        passwords: Arc<dyn PasswordHasher>,
    ) -> Self {
        Self {
            uow,
            clock,
            passwords,
            bus: Arc::new(NoBus),
            metrics: Arc::new(NoMetrics),
            processor: Arc::new(RecordOnly),
        }
    }

    /// Charges card payments through `processor` (by default `RecordOnly`: the
    /// terminal is outside Brigade, which records what staff say it took).
    pub fn with_processor(self, processor: Arc<dyn PaymentProcessor>) -> Self {
        Self { processor, ..self }
    }

    /// Publishes every committed journal entry on `bus` (by default they are only
    /// journaled).
    pub fn with_bus(self, bus: Arc<dyn EventBus>) -> Self {
        Self { bus, ..self }
    }

    /// Records what the use cases measure on `metrics` (by default nothing is).
    pub fn with_metrics(self, metrics: Arc<dyn Metrics>) -> Self {
        Self { metrics, ..self }
    }

    pub(crate) fn measure(&self, measurement: Measurement) {
        self.metrics.record(measurement);
    }

    /// Counts a creating use case's idempotent replay, if it was one.
    pub(crate) fn count_replay<T>(
        &self,
        resource: &'static str,
        result: Result<crate::usecases::Created<T>, AppError>,
    ) -> Result<crate::usecases::Created<T>, AppError> {
        if matches!(&result, Ok(created) if created.replayed) {
            self.measure(Measurement::IdempotentReplay { resource });
        }
        result
    }

    /// Statements the store has run since it opened.
    pub fn store_statements(&self) -> u64 {
        self.uow.statements()
    }

    /// Whether the store answers; readiness probes call this.
    pub async fn ready(&self) -> Result<(), AppError> {
        Ok(self.uow.ping().await?)
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Runs `work` in a read-write transaction: commit on `Ok`, then publish what it
    /// journaled; roll back on `Err`.
    pub(crate) async fn write<T>(
        &self,
        work: impl AsyncFnOnce(&mut WriteTx) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut tx = WriteTx {
            tx: self.uow.begin().await?,
            journaled: Vec::new(),
        };
        match work(&mut tx).await {
            Ok(value) => {
                tx.tx.commit().await?;
                if !tx.journaled.is_empty() {
                    self.bus.publish(&tx.journaled);
                }
                Ok(value)
            }
            Err(error) => {
                rollback(tx.tx).await;
                Err(error)
            }
        }
    }

    /// Runs a read of one statement ([`UnitOfWork::statement`]): the hottest reads (a
    /// menu's version before every cached menu) skip a transaction's round trips.
    pub(crate) async fn statement<T>(
        &self,
        work: impl AsyncFnOnce(&mut dyn Tx) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut tx = self.uow.statement().await?;
        let value = work(tx.as_mut()).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Runs `work` in a read-only transaction (one consistent snapshot).
    pub(crate) async fn read<T>(
        &self,
        work: impl AsyncFnOnce(&mut dyn Tx) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut tx = self.uow.read().await?;
        match work(tx.as_mut()).await {
            Ok(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Err(error) => {
                rollback(tx).await;
                Err(error)
            }
        }
    }
}

async fn rollback(tx: Box<dyn Tx>) {
    if let Err(error) = tx.rollback().await {
        // The connection is discarded by the pool; the database rolls back.
        tracing::warn!(%error, "rollback failed");
    }
}

/// A writing use case's unit of work: its transaction, and the journal entries it
/// wrote, which [`Brigade::write`] publishes after COMMIT.
pub struct WriteTx {
    tx: Box<dyn Tx>,
    journaled: Vec<JournalEntry>,
}

impl WriteTx {
    /// Keeps journaled entries for publication once the transaction commits.
    pub(crate) fn publish_after_commit(&mut self, entries: Vec<JournalEntry>) {
        self.journaled.extend(entries);
    }
}

/// The stores of the transaction, so helpers that take `&mut dyn Tx` take a `WriteTx`
/// too. Committing one directly would skip publication: only [`Brigade::write`] does.
#[async_trait]
impl Tx for WriteTx {
    fn venues(&mut self) -> &mut dyn VenueStore {
        self.tx.venues()
    }
    fn users(&mut self) -> &mut dyn UserStore {
        self.tx.users()
    }
    fn tables(&mut self) -> &mut dyn TableStore {
        self.tx.tables()
    }
    fn products(&mut self) -> &mut dyn ProductStore {
        self.tx.products()
    }
    fn menu(&mut self) -> &mut dyn MenuStore {
        self.tx.menu()
    }
    fn modifiers(&mut self) -> &mut dyn ModifierStore {
        self.tx.modifiers()
    }
    fn checks(&mut self) -> &mut dyn CheckStore {
        self.tx.checks()
    }
    fn stock(&mut self) -> &mut dyn StockStore {
        self.tx.stock()
    }
    fn orders(&mut self) -> &mut dyn OrderStore {
        self.tx.orders()
    }
    fn events(&mut self) -> &mut dyn EventLog {
        self.tx.events()
    }
    fn idempotency(&mut self) -> &mut dyn IdempotencyStore {
        self.tx.idempotency()
    }
    fn operations(&mut self) -> &mut dyn OperationsStore {
        self.tx.operations()
    }
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await
    }
    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.rollback().await
    }
}

/// The processor of a `Brigade` built without one: the card terminal is outside
/// Brigade, and a payment is captured as staff record it.
pub struct RecordOnly;

#[async_trait]
impl PaymentProcessor for RecordOnly {
    async fn charge(&self, payment: &crate::model::Payment) -> Result<Charge, ProcessorError> {
        Ok(Charge {
            state: brigade_domain::PaymentState::Captured,
            reference: payment.reference.clone(),
        })
    }

    async fn refund(&self, _: &crate::model::Payment) -> Result<(), ProcessorError> {
        Ok(())
    }
}

/// The bus of a `Brigade` built without one: entries are journaled, not published.
struct NoBus;

impl EventBus for NoBus {
    fn publish(&self, _: &[JournalEntry]) {}
}

/// The metrics of a `Brigade` built without them.
struct NoMetrics;

impl Metrics for NoMetrics {
    fn record(&self, _: Measurement) {}
}

/// An in-process bus: what is published is delivered to `sink` at once, on this
/// instance only (the default when no Redis is configured).
pub struct LocalBus(pub Arc<dyn EventSink>);

impl EventBus for LocalBus {
    fn publish(&self, entries: &[JournalEntry]) {
        self.0.deliver(entries.to_vec());
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    /// Now, to the microsecond: what PostgreSQL keeps, so a response built from what was
    /// written equals a later read of it on either store.
    fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
            .unwrap_or(now)
    }
}
