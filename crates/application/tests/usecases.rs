//! Use cases against mockall mocks of the ports: what each use case asks of the
//! stores, in which order, and that refusals roll back without writing. The adapters'
//! behaviour is proven against real PostgreSQL in `crates/app/tests/e2e`.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use brigade_application::model::{JournalEntry, ModifierGroup, Order, OrderItem, Product, Venue};
use brigade_application::ports::*;
use brigade_application::usecases::orders::{NewItem, NewOrder};
use brigade_application::usecases::payments::NewPayment;
use brigade_application::{Actor, AppError, Brigade, StoreError};
use brigade_domain::fefo::LotStock;
use brigade_domain::{
    LotId, ModifierGroupId, Money, OrderId, OrderItemId, OrderStatus, PaymentMethod, ProductId,
    Quantity, Role, StockPolicy, TransitionError, UserId, VenueId,
};
use mockall::Sequence;
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-23 20:00 UTC);

/// A transaction whose stores are mocks; records how it ended.
#[derive(Default)]
struct FakeTx {
    venues: MockVenueStore,
    users: MockUserStore,
    tables: MockTableStore,
    products: MockProductStore,
    menu: MockMenuStore,
    modifiers: MockModifierStore,
    checks: MockCheckStore,
    stock: MockStockStore,
    orders: MockOrderStore,
    events: MockEventLog,
    idempotency: MockIdempotencyStore,
    operations: MockOperationsStore,
    ended: Arc<Mutex<Vec<&'static str>>>,
}

#[async_trait]
impl Tx for FakeTx {
    fn venues(&mut self) -> &mut dyn VenueStore {
        &mut self.venues
    }
    fn operations(&mut self) -> &mut dyn OperationsStore {
        &mut self.operations
    }
    fn users(&mut self) -> &mut dyn UserStore {
        &mut self.users
    }
    fn tables(&mut self) -> &mut dyn TableStore {
        &mut self.tables
    }
    fn products(&mut self) -> &mut dyn ProductStore {
        &mut self.products
    }
    fn menu(&mut self) -> &mut dyn MenuStore {
        &mut self.menu
    }
    fn modifiers(&mut self) -> &mut dyn ModifierStore {
        &mut self.modifiers
    }
    fn checks(&mut self) -> &mut dyn CheckStore {
        &mut self.checks
    }
    fn stock(&mut self) -> &mut dyn StockStore {
        &mut self.stock
    }
    fn orders(&mut self) -> &mut dyn OrderStore {
        &mut self.orders
    }
    fn events(&mut self) -> &mut dyn EventLog {
        &mut self.events
    }
    fn idempotency(&mut self) -> &mut dyn IdempotencyStore {
        &mut self.idempotency
    }
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.ended.lock().expect("lock").push("commit");
        Ok(())
    }
    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        self.ended.lock().expect("lock").push("rollback");
        Ok(())
    }
}

impl FakeTx {
    /// What computing an order's check reads: the venue (a new venue's rules), its tax
    /// classes (none), the order's payments and discounts (none).
    fn reading_checks(mut self) -> Self {
        self.venues
            .expect_get()
            .returning(|id| Ok(Some(Venue::new(id, "Test"))));
        self.checks
            .expect_tax_classes()
            .returning(|_, _| Ok(Vec::new()));
        self.checks
            .expect_payments()
            .returning(|_, _| Ok(Vec::new()));
        self.checks
            .expect_discounts()
            .returning(|_, _| Ok(Vec::new()));
        self
    }
}

fn service(tx: FakeTx) -> (Brigade, Arc<Mutex<Vec<&'static str>>>) {
    let mut metrics = MockMetrics::new();
    metrics.expect_record().returning(|_| ());
    service_measured(tx, metrics)
}

/// A service whose metrics are `metrics`.
fn service_measured(tx: FakeTx, metrics: MockMetrics) -> (Brigade, Arc<Mutex<Vec<&'static str>>>) {
    let ended = tx.ended.clone();
    let mut uow = MockUnitOfWork::new();
    uow.expect_begin()
        .times(1)
        .return_once(move || Ok(Box::new(tx)));
    let brigade = on(uow)
        .with_bus(Arc::new(RecordingBus(ended.clone())))
        .with_metrics(Arc::new(metrics));
    (brigade, ended)
}

/// A service on `uow`, its clock stopped at [`NOW`].
fn on(uow: MockUnitOfWork) -> Brigade {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(NOW);
    Brigade::new(
        Arc::new(uow),
        Arc::new(clock),
        Arc::new(MockPasswordHasher::new()),
    )
}

/// Notes "publish" (with the seqs) in the same log as commit and rollback.
struct RecordingBus(Arc<Mutex<Vec<&'static str>>>);

impl EventBus for RecordingBus {
    fn publish(&self, entries: &[JournalEntry]) {
        assert!(!entries.is_empty());
        self.0.lock().expect("lock").push("publish");
    }
}

fn actor(role: Role) -> Actor {
    Actor {
        user_id: UserId::new(),
        venue_id: VenueId::new(),
        role,
    }
}

fn burger(venue: VenueId, id: ProductId) -> Product {
    Product {
        id,
        venue_id: venue,
        name: "Burger".to_owned(),
        sku: "B".to_owned(),
        unit: "pz".to_owned(),
        cost: Money::ZERO,
        price: Money::from_minor(1500),
        category_id: None,
        category: None,
        allergens: brigade_domain::Allergens::NONE,
        tax_class_id: None,
        modifier_group_ids: Vec::new(),
        attributes: serde_json::json!({}),
        stock_tracked: true,
        active: true,
        created_at: NOW,
        updated_at: NOW,
    }
}

fn order(actor: &Actor, status: OrderStatus, quantity: Quantity) -> Order {
    let id = OrderId::new();
    Order {
        id,
        venue_id: actor.venue_id,
        order_number: 7,
        table_id: None,
        table_name: None,
        status,
        covers: 2,
        notes: None,
        created_by: actor.user_id,
        total: Money::ZERO,
        items: vec![OrderItem {
            id: OrderItemId::new(),
            order_id: id,
            product_id: ProductId::new(),
            product_name: "Burger".to_owned(),
            quantity,
            unit_price: Money::from_minor(1500),
            notes: None,
            modifiers: serde_json::json!({}),
            options: Vec::new(),
            tax_rate: brigade_domain::Percent::ZERO,
            shortfall: Quantity::ZERO,
            allocations: Vec::new(),
            created_at: NOW,
        }],
        created_at: NOW,
        updated_at: NOW,
        confirmed_at: None,
        kitchen_started_at: None,
        ready_at: None,
        served_at: None,
        completed_at: None,
        cancelled_at: None,
        check_rules: Venue::new(actor.venue_id, "Test").check_rules(),
        check: None,
    }
}

#[tokio::test]
async fn the_kitchen_confirming_an_order_is_forbidden_and_rolls_back_without_writing() {
    let kitchen = actor(Role::Kitchen);
    let draft = order(&kitchen, OrderStatus::Draft, Quantity::from_units(1));
    let mut tx = FakeTx::default();
    tx.orders
        .expect_lock()
        .return_once(move |_, _| Ok(Some(draft)));
    tx.orders.expect_set_status().never();
    tx.events.expect_insert().never();
    tx.venues.expect_take_numbers().never();
    let mut metrics = MockMetrics::new();
    metrics.expect_record().never();
    let (brigade, ended) = service_measured(tx, metrics);

    let result = brigade
        .change_status(&kitchen, OrderId::new(), OrderStatus::Confirmed)
        .await;

    assert!(matches!(
        result,
        Err(AppError::Transition(TransitionError::Forbidden { .. }))
    ));
    assert_eq!(*ended.lock().expect("lock"), ["rollback"]);
}

/// The kitchen moves `order` to `to` through mocked stores that accept it; returns what
/// was measured and how the transaction ended, measurements included, in order.
async fn kitchen_moves(order: Order, to: OrderStatus) -> (Vec<Measurement>, Vec<&'static str>) {
    let kitchen = Actor {
        role: Role::Kitchen,
        venue_id: order.venue_id,
        user_id: UserId::new(),
    };
    let mut tx = FakeTx::default().reading_checks();
    tx.orders
        .expect_lock()
        .return_once(move |_, _| Ok(Some(order)));
    tx.orders
        .expect_set_status()
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    tx.orders.expect_get().never();
    tx.venues
        .expect_take_numbers()
        .returning(|_, _, _| Ok((0, 3)));
    tx.events.expect_insert().returning(|_| Ok(()));
    let ended = tx.ended.clone();
    let measured = Arc::new(Mutex::new(Vec::new()));
    let mut metrics = MockMetrics::new();
    let (log, seen) = (ended.clone(), measured.clone());
    metrics.expect_record().returning(move |m| {
        log.lock().expect("lock").push("measure");
        seen.lock().expect("lock").push(m);
    });
    let (brigade, _) = service_measured(tx, metrics);
    brigade
        .change_status(&kitchen, OrderId::new(), to)
        .await
        .expect("moved");
    let measured = measured.lock().expect("lock").clone();
    let ended = ended.lock().expect("lock").clone();
    (measured, ended)
}

#[tokio::test]
async fn the_kitchen_marking_an_order_ready_records_the_transition_and_its_cooking_time_after_commit()
 {
    let mut preparing = order(
        &actor(Role::Kitchen),
        OrderStatus::Preparing,
        Quantity::from_units(1),
    );
    preparing.confirmed_at = Some(NOW - time::Duration::minutes(15));
    preparing.kitchen_started_at = Some(NOW - time::Duration::minutes(12));

    let (measured, ended) = kitchen_moves(preparing, OrderStatus::Ready).await;

    assert_eq!(
        measured,
        [
            Measurement::Transition {
                from: OrderStatus::Preparing,
                to: OrderStatus::Ready
            },
            Measurement::StageTime {
                stage: OrderStatus::Preparing,
                seconds: 720.0
            },
        ]
    );
    assert_eq!(
        ended,
        ["commit", "publish", "measure", "measure"],
        "measured only once committed"
    );
}

#[tokio::test]
async fn an_order_made_ready_straight_from_confirmed_records_its_wait_in_confirmed() {
    let mut confirmed = order(
        &actor(Role::Kitchen),
        OrderStatus::Confirmed,
        Quantity::from_units(1),
    );
    confirmed.confirmed_at = Some(NOW - time::Duration::minutes(4));

    let (measured, _) = kitchen_moves(confirmed, OrderStatus::Ready).await;

    assert_eq!(
        measured[1],
        Measurement::StageTime {
            stage: OrderStatus::Confirmed,
            seconds: 240.0
        }
    );
}

#[tokio::test]
async fn a_strict_shortage_is_refused_before_any_stock_is_taken() {
    let waiter = actor(Role::Waiter);
    let ready = order(&waiter, OrderStatus::Ready, Quantity::from_units(5));
    let product_id = ready.items[0].product_id;
    let mut tx = FakeTx::default();
    tx.orders
        .expect_lock()
        .return_once(move |_, _| Ok(Some(ready)));
    let venue_id = waiter.venue_id;
    tx.venues.expect_get().return_once(move |_| {
        Ok(Some(Venue {
            stock_policy: StockPolicy::Strict,
            ..Venue::new(venue_id, "Strict")
        }))
    });
    tx.products
        .expect_get_many()
        .return_once(move |venue, _| Ok(vec![burger(venue, product_id)]));
    tx.checks.expect_payments().returning(|_, _| Ok(Vec::new()));
    tx.checks
        .expect_tax_classes()
        .returning(|_, _| Ok(Vec::new()));
    tx.checks
        .expect_discounts()
        .returning(|_, _| Ok(Vec::new()));
    tx.stock.expect_lock_for_fefo().return_once(|_, _| {
        Ok(vec![LotStock {
            id: LotId::new(),
            available: Quantity::from_units(2),
            expiry: None,
            received_at: NOW,
        }])
    });
    tx.stock.expect_take().never();
    tx.stock.expect_insert_movements().never();
    tx.orders.expect_set_status().never();
    let (brigade, ended) = service(tx);

    let result = brigade
        .change_status(&waiter, OrderId::new(), OrderStatus::Served)
        .await;

    match result {
        Err(AppError::InsufficientStock {
            requested,
            available,
            ..
        }) => {
            assert_eq!(requested, Quantity::from_units(5));
            assert_eq!(available, Quantity::from_units(2));
        }
        other => panic!("expected insufficient stock, got {other:?}"),
    }
    assert_eq!(*ended.lock().expect("lock"), ["rollback"]);
}

#[tokio::test]
async fn opening_an_order_takes_the_venue_numbers_last_commits_then_publishes() {
    let waiter = actor(Role::Waiter);
    let mut seq = Sequence::new();
    let mut tx = FakeTx::default().reading_checks();
    tx.products
        .expect_get_many()
        .returning(|_, _| Ok(Vec::new()));
    tx.orders
        .expect_insert()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    tx.venues
        .expect_take_numbers()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|_, orders, events| *orders == 1 && *events == 1)
        .returning(|_, _, _| Ok((42, 9)));
    tx.orders
        .expect_set_number()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|_, _, number| *number == 42)
        .returning(|_, _, _| Ok(()));
    tx.events
        .expect_insert()
        .times(1)
        .in_sequence(&mut seq)
        .withf(|entries| {
            entries.len() == 1 && entries[0].seq == 9 && entries[0].kind == "new_order"
        })
        .returning(|_| Ok(()));
    let (brigade, ended) = service(tx);

    let created = brigade
        .create_order(
            &waiter,
            NewOrder {
                table_id: None,
                covers: 2,
                notes: None,
                items: Vec::new(),
            },
            None,
        )
        .await
        .expect("created");

    assert_eq!(created.value.order_number, 42);
    assert!(!created.replayed);
    assert_eq!(
        *ended.lock().expect("lock"),
        ["commit", "publish"],
        "the journaled new_order is published, and only after COMMIT"
    );
}

#[tokio::test]
async fn a_role_without_permission_never_opens_a_transaction() {
    let mut uow = MockUnitOfWork::new();
    uow.expect_begin().never();
    let mut clock = MockClock::new();
    clock.expect_now().return_const(NOW);
    let brigade = Brigade::new(
        Arc::new(uow),
        Arc::new(clock),
        Arc::new(MockPasswordHasher::new()),
    );

    let result = brigade
        .create_order(
            &actor(Role::Kitchen),
            NewOrder {
                table_id: None,
                covers: 1,
                notes: None,
                items: Vec::new(),
            },
            None,
        )
        .await;

    assert!(matches!(result, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_line_without_its_required_option_is_refused_before_anything_is_written() {
    let waiter = actor(Role::Waiter);
    let product_id = ProductId::new();
    let cooking = ModifierGroup {
        id: ModifierGroupId::new(),
        venue_id: waiter.venue_id,
        name: "Cooking".to_owned(),
        min_choices: 1,
        max_choices: 1,
        options: Vec::new(),
        created_at: NOW,
        updated_at: NOW,
    };
    let group_id = cooking.id;
    let mut tx = FakeTx::default().reading_checks();
    tx.products.expect_get_many().return_once(move |venue, _| {
        Ok(vec![Product {
            modifier_group_ids: vec![group_id],
            ..burger(venue, product_id)
        }])
    });
    tx.modifiers
        .expect_groups()
        .withf(move |_, ids| ids == [group_id])
        .return_once(move |_, _| Ok(vec![cooking]));
    tx.orders.expect_insert().never();
    tx.venues.expect_take_numbers().never();
    let (brigade, ended) = service(tx);

    let result = brigade
        .create_order(
            &waiter,
            NewOrder {
                table_id: None,
                covers: 1,
                notes: None,
                items: vec![NewItem {
                    product_id,
                    quantity: Quantity::from_units(1),
                    notes: None,
                    modifiers: serde_json::json!({}),
                    options: Vec::new(),
                }],
            },
            None,
        )
        .await;

    match result {
        Err(AppError::Validation(message)) => {
            assert_eq!(message, "items[0]: Cooking: choose at least 1");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert_eq!(*ended.lock().expect("lock"), ["rollback"]);
}

#[tokio::test]
async fn a_card_payment_the_processor_does_not_answer_is_refused_and_nothing_is_written() {
    let waiter = actor(Role::Waiter);
    let served = order(&waiter, OrderStatus::Served, Quantity::from_units(2));
    let order_id = served.id;
    let mut tx = FakeTx::default().reading_checks();
    tx.orders
        .expect_lock()
        .return_once(move |_, _| Ok(Some(served)));
    tx.checks.expect_insert_payment().never();
    let (brigade, ended) = service(tx);
    let mut processor = MockPaymentProcessor::new();
    processor
        .expect_charge()
        .times(1)
        .returning(|_| Err(ProcessorError("connection refused".to_owned())));
    let brigade = brigade.with_processor(Arc::new(processor));

    let result = brigade
        .take_payment(
            &waiter,
            order_id,
            NewPayment {
                method: PaymentMethod::Card,
                amount: None,
                tip: Money::ZERO,
                tendered: None,
                reference: None,
            },
            None,
        )
        .await;

    assert!(
        matches!(result, Err(AppError::ProcessorUnavailable(_))),
        "{result:?}"
    );
    assert_eq!(*ended.lock().expect("lock"), ["rollback"]);
}

#[tokio::test]
async fn the_kitchen_board_shows_at_most_its_cap_though_the_store_read_one_more() {
    let cook = actor(Role::Kitchen);
    let mut tx = FakeTx::default();
    tx.events.expect_latest_seq().returning(|_| Ok(41));
    let on_the_line = order(
        &cook,
        OrderStatus::Preparing,
        Quantity::from_thousandths(1000),
    );
    tx.orders
        .expect_list()
        .returning(move |_, _, page, oldest_first| {
            assert!(oldest_first, "the board is oldest first");
            Ok(vec![on_the_line.clone(); page.fetch() as usize])
        });
    let mut uow = MockUnitOfWork::new();
    uow.expect_read().return_once(move || Ok(Box::new(tx)));
    let board = on(uow).kitchen_display(&cook).await.expect("the board");
    assert_eq!(board.seq, 41);
    assert_eq!(
        board.orders.len() as i64,
        brigade_application::usecases::orders::KITCHEN_CAP.limit
    );
}
