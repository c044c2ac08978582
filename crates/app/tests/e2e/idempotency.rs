//! `Idempotency-Key`: a retry returns the first result and creates nothing.

use futures_util::future::join_all;
use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn a_retried_order_with_the_same_key_returns_the_same_order_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let product = admin.create_product("IDEM-1", 5.0).await;
    let body = json!({ "covers": 2, "items": [{ "product_id": product["id"], "quantity": 2 }] });
    let path = format!("/api/v1/venues/{VENUE}/orders");
    let key = [("Idempotency-Key", "tablet-7-order-42")];

    let first = waiter.post_with(&path, body.clone(), &key).await;
    assert!(first.headers.get("idempotent-replayed").is_none());
    let first = first.expect(201);
    let footprint = app.footprint().await;
    let retry = waiter.post_with(&path, body.clone(), &key).await;
    assert_eq!(retry.header("idempotent-replayed"), "true");
    let retry = retry.expect(201);
    assert_eq!(retry["id"], first["id"]);
    assert_eq!(retry["order_number"], first["order_number"]);
    assert_eq!(
        app.footprint().await,
        footprint,
        "the retry created nothing"
    );

    // The same retry through DESIGN's short route form is the same request.
    let short = waiter
        .post_with("/api/v1/orders", body.clone(), &key)
        .await
        .expect(201);
    assert_eq!(short["id"], first["id"]);
    assert_eq!(app.footprint().await, footprint);

    let changed = json!({ "covers": 3, "items": [{ "product_id": product["id"], "quantity": 2 }] });
    waiter
        .post_with(&path, changed, &key)
        .await
        .expect_problem(422, "idempotency_key_reused");
    assert_eq!(app.footprint().await, footprint);
}

#[actix_web::test]
async fn concurrent_retries_with_one_key_create_exactly_one_order() {
    let app = TestApp::spawn().await;
    let waiter = app.waiter().await;
    let before = app.count("SELECT count(*) FROM orders").await;
    let path = format!("/api/v1/venues/{VENUE}/orders");
    let sends = (0..8).map(|_| {
        let waiter = waiter.clone();
        let path = path.clone();
        async move {
            waiter
                .post_with(
                    &path,
                    json!({ "covers": 1, "items": [] }),
                    &[("Idempotency-Key", "flaky-wifi")],
                )
                .await
        }
    });
    let replies = join_all(sends).await;
    let ids: std::collections::HashSet<String> = replies
        .into_iter()
        .map(|r| id(&r.expect(201)["id"]))
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(app.count("SELECT count(*) FROM orders").await, before + 1);
}

#[actix_web::test]
async fn keys_protect_tables_products_and_lots_too() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let key = [("Idempotency-Key", "setup-1")];
    let t1 = admin
        .post_with(
            &format!("/api/v1/venues/{VENUE}/tables"),
            json!({ "name": "IDEM-T", "seats": 2 }),
            &key,
        )
        .await
        .expect(201);
    let t2 = admin
        .post_with(
            &format!("/api/v1/venues/{VENUE}/tables"),
            json!({ "name": "IDEM-T", "seats": 2 }),
            &key,
        )
        .await
        .expect(201);
    assert_eq!(t1["id"], t2["id"]);
    let product = admin.create_product("IDEM-LOT-P", 1.0).await;
    let lot_body =
        json!({ "product_id": product["id"], "lot_code": "L1", "qty_init": 5, "cost_per_unit": 1 });
    let key = [("Idempotency-Key", "receipt-1")];
    let l1 = admin
        .post_with(
            &format!("/api/v1/venues/{VENUE}/lots"),
            lot_body.clone(),
            &key,
        )
        .await
        .expect(201);
    let l2 = admin
        .post_with(&format!("/api/v1/venues/{VENUE}/lots"), lot_body, &key)
        .await
        .expect(201);
    assert_eq!(l1["id"], l2["id"]);
    assert_eq!(app.count("SELECT count(*) FROM stock_movements WHERE movement_type = 'IN' AND lot_id IN (SELECT id FROM lots WHERE lot_code = 'L1')").await, 1);
}
