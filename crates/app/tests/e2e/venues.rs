//! Setting up a real restaurant (DESIGN §9): a venue created by the operator's CLI,
//! configured over HTTP by its admin, whose "today" is its own business day; and the
//! seeds' own request shapes accepted.

use std::sync::Arc;

use brigade_application::ports::Clock;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

use crate::kds::Incoming;
use crate::store::TestDb;
use crate::support::{TestApp, VENUE, brigade_cli, id};

/// The venue id `brigade venue create` printed.
fn created_venue(said: &str) -> String {
    said.split_whitespace()
        .nth(1)
        .filter(|id| id.len() == 36)
        .unwrap_or_else(|| panic!("no venue id in: {said}"))
        .to_owned()
}

#[actix_web::test]
async fn a_venue_created_by_the_cli_is_configured_by_its_admin_and_not_by_a_waiter() {
    let app = TestApp::spawn().await;
    let said = brigade_cli(
        &app.db,
        &[
            "venue",
            "create",
            "--name",
            "Trattoria Roma",
            "--timezone",
            "Europe/Rome",
            "--currency",
            "eur",
            "--admin",
            "admin@beerflow.demo",
        ],
    );
    let venue = created_venue(&said);
    assert!(
        said.contains("joined"),
        "an existing account only joins: {said}"
    );

    let admin = app.admin().await;
    let mine = admin.get("/api/v1/venues").await.expect(200);
    let names: Vec<&str> = mine
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(names, ["BeerFlow Demo Pub", "Trattoria Roma"]);

    let path = format!("/api/v1/venues/{venue}");
    let settings = admin.get(&path).await.expect(200);
    assert_eq!(settings["timezone"], "Europe/Rome");
    assert_eq!(settings["currency"], "EUR");
    assert_eq!(
        settings["allow_unpaid_close"], false,
        "new venues close paid"
    );
    assert_eq!(settings["business_day_starts_at"], "00:00");
    assert_eq!(settings["role"], "admin");

    let changed = admin
        .patch(
            &path,
            json!({ "stock_policy": "strict", "business_day_starts_at": "04:00",
                    "target_ticket_minutes": 12 }),
        )
        .await
        .expect(200);
    assert_eq!(changed["stock_policy"], "strict");
    assert_eq!(changed["business_day_starts_at"], "04:00");

    // Bad input: a clear error, and nothing of the request is written.
    for bad in [
        json!({ "name": "Ok", "timezone": "Europe/Atlantis" }),
        json!({ "name": "Ok", "currency": "JPY" }),
        json!({ "name": "Ok", "business_day_starts_at": "25:00" }),
        json!({ "name": "Ok", "stuck_after_minutes": 0 }),
    ] {
        admin
            .patch(&path, bad)
            .await
            .expect_problem(422, "validation_failed");
    }
    assert_eq!(admin.get(&path).await.expect(200), changed);

    // A waiter of the venue reads the settings and may not change them.
    admin
        .post(
            &format!("{path}/staff"),
            json!({ "email": "waiter1@beerflow.demo", "full_name": "W", "role": "waiter" }),
        )
        .await
        .expect(201);
    let waiter = app.waiter().await;
    waiter.get(&path).await.expect(200);
    waiter
        .patch(&path, json!({ "stock_policy": "partial" }))
        .await
        .expect_problem(403, "forbidden");
    // A manager neither: settings and staff are the admins'.
    app.manager()
        .await
        .patch(
            &format!("/api/v1/venues/{VENUE}"),
            json!({ "name": "Mine now" }),
        )
        .await
        .expect_problem(403, "forbidden");
}

#[actix_web::test]
async fn a_venue_made_strict_over_http_refuses_to_serve_short() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    admin
        .patch(
            &format!("/api/v1/venues/{VENUE}"),
            json!({ "stock_policy": "strict" }),
        )
        .await
        .expect(200);
    let product = admin.create_product("STRICT-1", 4.0).await;
    admin.create_lot(&product["id"], "ONE", 1.0, None).await;
    let waiter = app.waiter().await;
    let order = waiter
        .ready_order(&app.kitchen().await, &product, 3.0)
        .await;
    waiter
        .set_status(&order["id"], "served")
        .await
        .expect_problem(409, "insufficient_stock");
}

/// A clock that always says `at`.
struct Fixed(OffsetDateTime);

impl Clock for Fixed {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

#[actix_web::test]
async fn fefo_takes_today_as_the_venues_local_date_not_utcs() {
    // 23:30 UTC on 1 December is already 2 December in Rome.
    let clock = Arc::new(Fixed(datetime!(2026-12-01 23:30 UTC)));
    let app = TestApp::start_at(TestDb::from_template().await, |_| {}, clock).await;
    let admin = app.admin().await;
    admin
        .patch(
            &format!("/api/v1/venues/{VENUE}"),
            json!({ "timezone": "Europe/Rome" }),
        )
        .await
        .expect(200);
    let product = admin.create_product("LOCAL-DAY", 4.0).await;
    let yesterday = admin
        .create_lot(&product["id"], "EXPIRED-1-DEC", 5.0, Some("2026-12-01"))
        .await;
    let today = admin
        .create_lot(&product["id"], "EXPIRES-2-DEC", 5.0, Some("2026-12-02"))
        .await;

    let waiter = app.waiter().await;
    let order = waiter
        .ready_order(&app.kitchen().await, &product, 2.0)
        .await;
    let served = waiter.set_status(&order["id"], "served").await.expect(200);
    assert_eq!(
        served["items"][0]["allocated_lot_id"],
        today["id"],
        "the lot expiring today (local) is served; yesterday's ({}) is skipped",
        id(&yesterday["id"])
    );
    let summary = admin
        .get(&format!("/api/v1/venues/{VENUE}/stock/summary"))
        .await
        .expect(200);
    let row = summary
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["product_id"] == product["id"]))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(row["expired"], 5.0, "{row}");
    assert_eq!(row["available"], 3.0, "{row}");
}

#[actix_web::test]
async fn the_seeds_product_and_join_shapes_are_accepted() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let product = admin
        .post(
            &format!("/api/v1/venues/{VENUE}/products"),
            json!({ "name": "House lager", "unit": "pint", "price": 5.5 }),
        )
        .await
        .expect(201);
    assert!(
        product["sku"]
            .as_str()
            .is_some_and(|s| s.starts_with("SKU-") && s.len() == 14),
        "{product}"
    );
    assert_eq!(product["cost"], 0.0);
    // A second one gets another SKU.
    let other = admin
        .post(
            &format!("/api/v1/venues/{VENUE}/products"),
            json!({ "name": "House red", "unit": "glass", "price": 6.0 }),
        )
        .await
        .expect(201);
    assert_ne!(product["sku"], other["sku"]);

    let chef = app.kitchen().await;
    let mut screen = app.kds(&chef).await;
    screen
        .send(json!({ "type": "join_venue", "venue_id": VENUE,
                      "user_id": "someone-else", "role": "admin" }))
        .await;
    match screen.recv(std::time::Duration::from_secs(5)).await {
        Some(Incoming::Json(frame)) => assert_eq!(frame["type"], "joined_venue", "{frame}"),
        other => panic!("{other:?}"),
    }
}
