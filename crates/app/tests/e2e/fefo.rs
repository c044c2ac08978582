//! DESIGN §5: serving allocates FEFO, splits across lots, skips expired ones, and the
//! venue's policy decides what a shortage does.

use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::support::*;

fn in_days(days: i64) -> String {
    (OffsetDateTime::now_utc().date() + Duration::days(days)).to_string()
}

#[actix_web::test]
async fn serving_splits_an_item_across_lots_earliest_expiry_first_and_skips_expired_ones() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let product = admin.create_product("FEFO-1", 4.0).await;
    let expired = admin
        .create_lot(&product["id"], "EXPIRED", 10.0, Some(&in_days(-1)))
        .await;
    let later = admin
        .create_lot(&product["id"], "LATER", 10.0, Some(&in_days(10)))
        .await;
    let sooner = admin
        .create_lot(&product["id"], "SOONER", 2.0, Some(&in_days(5)))
        .await;
    let no_expiry = admin
        .create_lot(&product["id"], "FOREVER", 10.0, None)
        .await;

    let order = app
        .waiter()
        .await
        .ready_order(&app.kitchen().await, &product, 5.0)
        .await;
    let served = app
        .waiter()
        .await
        .set_status(&order["id"], "served")
        .await
        .expect(200);

    let allocations = &served["items"][0]["allocations"];
    let taken: Vec<(String, f64)> = allocations
        .as_array()
        .expect("allocations")
        .iter()
        .map(|a| (id(&a["lot_id"]), a["quantity"].as_f64().expect("qty")))
        .collect();
    assert_eq!(taken.len(), 2, "{allocations}");
    assert!(taken.contains(&(id(&sooner["id"]), 2.0)));
    assert!(taken.contains(&(id(&later["id"]), 3.0)));
    assert_eq!(served["items"][0]["allocated_lot_id"], sooner["id"]);
    assert_eq!(served["items"][0]["shortfall"], 0.0);
    // The response is built from what was written: a later read sees exactly it, and a
    // completed order keeps its allocations.
    let path = format!("/api/v1/venues/{VENUE}/orders/{}", id(&order["id"]));
    let waiter = app.waiter().await;
    assert_eq!(waiter.get(&path).await.expect(200), served);
    let completed = waiter
        .set_status(&order["id"], "completed")
        .await
        .expect(200);
    assert_eq!(completed["items"], served["items"]);
    assert_eq!(waiter.get(&path).await.expect(200), completed);

    let qty = |lot: &serde_json::Value| {
        let admin = admin.clone();
        let path = format!("/api/v1/venues/{VENUE}/lots/{}", id(&lot["id"]));
        async move {
            admin.get(&path).await.expect(200)["qty_current"]
                .as_f64()
                .expect("qty")
        }
    };
    assert_eq!(qty(&sooner).await, 0.0);
    assert_eq!(qty(&later).await, 7.0);
    assert_eq!(qty(&expired).await, 10.0, "expired lot untouched");
    assert_eq!(qty(&no_expiry).await, 10.0, "lots without expiry go last");
    let out = app
        .count(&format!(
            "SELECT count(*) FROM stock_movements WHERE movement_type = 'OUT' AND reference_id = '{}'",
            id(&order["id"])
        ))
        .await;
    assert_eq!(out, 2, "one OUT movement per lot taken");
}

#[actix_web::test]
async fn a_partial_shortage_serves_what_exists_and_records_the_shortfall() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let product = admin.create_product("LIMITED-PRODUCT", 10.0).await;
    let lot = admin
        .create_lot(&product["id"], "LIMITED-001", 2.0, None)
        .await;
    let order = app
        .waiter()
        .await
        .ready_order(&app.kitchen().await, &product, 5.0)
        .await;

    let served = app
        .waiter()
        .await
        .set_status(&order["id"], "served")
        .await
        .expect(200);
    assert_eq!(served["items"][0]["shortfall"], 3.0);
    let lot = admin
        .get(&format!("/api/v1/venues/{VENUE}/lots/{}", id(&lot["id"])))
        .await
        .expect(200);
    assert_eq!(lot["qty_current"], 0.0);
    let taken = app
        .count(&format!(
            "SELECT CAST(COALESCE(-sum(quantity_milli), 0) AS BIGINT) FROM stock_movements WHERE reference_id = '{}'",
            id(&order["id"])
        ))
        .await;
    assert_eq!(taken, 2000, "never more than available");
    let shortage = app
        .texts("SELECT CAST(data AS TEXT) FROM events WHERE event_type = 'stock_shortage'")
        .await;
    let data: serde_json::Value = serde_json::from_str(&shortage[0]).expect("json");
    assert_eq!(data["shortfall"], 3.0);
    assert_eq!(data["allocated"], 2.0);
}

#[actix_web::test]
async fn a_strict_venue_refuses_to_serve_short_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.exec(&format!(
        "UPDATE venues SET stock_policy = 'strict' WHERE id = '{VENUE}'"
    ))
    .await;
    let admin = app.admin().await;
    let product = admin.create_product("STRICT-1", 10.0).await;
    admin
        .create_lot(&product["id"], "STRICT-LOT", 2.0, None)
        .await;
    let order = app
        .waiter()
        .await
        .ready_order(&app.kitchen().await, &product, 5.0)
        .await;
    let before = app.footprint().await;

    let problem = app
        .waiter()
        .await
        .set_status(&order["id"], "served")
        .await
        .expect_problem(409, "insufficient_stock");
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("insufficient")
    );
    assert_eq!(problem["available"], 2.0);
    assert_eq!(app.footprint().await, before, "nothing changed");
    let order = admin
        .get(&format!("/api/v1/orders/{}", id(&order["id"])))
        .await
        .expect(200);
    assert_eq!(order["status"], "ready");
    assert!(order["served_at"].is_null());
}

#[actix_web::test]
async fn products_that_are_not_stock_tracked_are_served_without_lots() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let cover = admin
        .post(
            &format!("/api/v1/venues/{VENUE}/products"),
            json!({ "name": "Cover charge", "sku": "COVER", "unit": "pz", "cost": 0, "price": 2.5, "stock_tracked": false }),
        )
        .await
        .expect(201);
    let order = app
        .waiter()
        .await
        .ready_order(&app.kitchen().await, &cover, 2.0)
        .await;
    let served = app
        .waiter()
        .await
        .set_status(&order["id"], "served")
        .await
        .expect(200);
    assert_eq!(served["items"][0]["shortfall"], 0.0);
    assert_eq!(
        app.count("SELECT count(*) FROM events WHERE event_type = 'stock_shortage'")
            .await,
        0
    );
}
