//! The day's figures (DESIGN §9): a bar in New York whose days start at 04:00 closes
//! the night of 1 December. What happened until 03:59 is that night's; the order
//! opened at 04:00 is the next day's. The summary's figures are the test's own.

use std::sync::{Arc, Mutex};

use brigade_application::ports::Clock;
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::store::TestDb;
use crate::support::{Staff, TestApp, VENUE, id};

/// A clock the test moves.
struct Hands(Mutex<OffsetDateTime>);

impl Hands {
    fn set(&self, at: OffsetDateTime) {
        *self.0.lock().expect("clock") = at;
    }
}

impl Clock for Hands {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().expect("clock")
    }
}

fn path(rest: &str) -> String {
    format!("/api/v1/venues/{VENUE}{rest}")
}

/// `product` ordered once, confirmed now; made ready `cooking` later by the kitchen.
async fn cooked(
    hands: &Hands,
    waiter: &Staff,
    kitchen: &Staff,
    product: &Value,
    at: OffsetDateTime,
    cooking: Duration,
) -> Value {
    hands.set(at);
    let order = waiter
        .open_order(
            None,
            json!([{ "product_id": product["id"], "quantity": 2 }]),
        )
        .await;
    waiter
        .set_status(&order["id"], "confirmed")
        .await
        .expect(200);
    hands.set(at + cooking);
    kitchen.set_status(&order["id"], "ready").await.expect(200);
    waiter.set_status(&order["id"], "served").await.expect(200);
    order
}

#[actix_web::test]
async fn the_nights_figures_stop_at_four_in_the_morning_new_york_time() {
    // 23:00 in New York on 1 December.
    let evening = datetime!(2026-12-02 04:00 UTC);
    let hands = Arc::new(Hands(Mutex::new(evening)));
    let app = TestApp::start_at(TestDb::from_template().await, |_| {}, hands.clone()).await;
    let admin = app.admin().await;
    admin
        .patch(
            &format!("/api/v1/venues/{VENUE}"),
            json!({ "timezone": "America/New_York", "business_day_starts_at": "04:00" }),
        )
        .await
        .expect(200);
    let cocktail = admin
        .post(
            &path("/products"),
            json!({ "name": "Negroni", "unit": "pz", "price": 10.0, "stock_tracked": false }),
        )
        .await
        .expect(201);
    let (waiter, kitchen, manager) = (app.waiter().await, app.kitchen().await, app.manager().await);
    let pay = |order: &Value| path(&format!("/orders/{}/payments", id(&order["id"])));

    // 23:00: two Negronis, 10 % off the check, paid by card with a tip (12 min cooking).
    let first = cooked(
        &hands,
        &waiter,
        &kitchen,
        &cocktail,
        evening,
        Duration::minutes(12),
    )
    .await;
    manager
        .post(
            &path(&format!("/orders/{}/discounts", id(&first["id"]))),
            json!({ "percent": 10, "reason": "happy hour" }),
        )
        .await
        .expect(201);
    waiter
        .post(&pay(&first), json!({ "method": "card", "tip": 2.0 }))
        .await
        .expect(201);
    waiter
        .set_status(&first["id"], "completed")
        .await
        .expect(200);

    // 03:50: two more, cash, 8 minutes; refunded at 03:59.
    let last_call = datetime!(2026-12-02 08:50 UTC);
    let second = cooked(
        &hands,
        &waiter,
        &kitchen,
        &cocktail,
        last_call,
        Duration::minutes(8),
    )
    .await;
    let cash = waiter
        .post(&pay(&second), json!({ "method": "cash", "tendered": 50.0 }))
        .await
        .expect(201);
    waiter
        .set_status(&second["id"], "completed")
        .await
        .expect(200);
    hands.set(datetime!(2026-12-02 08:59 UTC));
    manager
        .post(
            &format!("{}/{}/refund", pay(&second), id(&cash["payment"]["id"])),
            json!({ "reason": "spilled" }),
        )
        .await
        .expect(200);

    // 04:00: the next business day; this order stays open and unpaid.
    hands.set(datetime!(2026-12-02 09:00 UTC));
    waiter
        .open_order(
            None,
            json!([{ "product_id": cocktail["id"], "quantity": 1 }]),
        )
        .await;

    let night = manager
        .get(&path("/summary?date=2026-12-01"))
        .await
        .expect(200);
    assert_eq!(night["from"], "2026-12-01T09:00:00Z");
    assert_eq!(night["to"], "2026-12-02T09:00:00Z");
    assert_eq!(
        (night["orders"].as_i64(), night["completed"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(
        night["takings"],
        json!([
            { "method": "card", "payments": 1, "amount": 18.0, "tips": 2.0 },
            { "method": "cash", "payments": 1, "amount": 20.0, "tips": 0.0 },
        ])
    );
    assert_eq!(night["revenue"], 38.0);
    assert_eq!(night["tips"], 2.0);
    assert_eq!(
        (night["refunds"].as_i64(), night["refunded"].as_f64()),
        (Some(1), Some(20.0))
    );
    assert_eq!(night["discounts"], 2.0);
    assert_eq!(night["average_check"], 19.0, "(18.00 + 20.00) / 2");
    assert_eq!(night["average_ticket_minutes"], 10.0, "(12 + 8) / 2");
    assert_eq!(
        (night["open_checks"].as_i64(), night["open_due"].as_f64()),
        (Some(1), Some(10.0))
    );

    // Without a date: today, the venue's business day at 04:00 New York time.
    let today = manager.get(&path("/summary")).await.expect(200);
    assert_eq!(today["date"], "2026-12-02");
    assert_eq!(today["orders"], 1);
    assert_eq!(today["revenue"], 0.0);
    assert_eq!(today["refunds"], 0);
    assert_eq!(today["average_check"], Value::Null);

    waiter
        .get(&path("/summary"))
        .await
        .expect_problem(403, "forbidden");
    manager
        .get(&path("/summary?date=1-12-2026"))
        .await
        .expect_problem(400, "invalid_query");
}
