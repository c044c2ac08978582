//! Bad input gets a precise 4xx problem and writes nothing.

use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn bad_orders_are_refused_precisely_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let product = admin.create_product("BAD-1", 5.0).await;
    let path = format!("/api/v1/venues/{VENUE}/orders");
    let before = app.footprint().await;

    waiter
        .post_raw(
            &path,
            "application/json",
            b"{\"covers\": 2, \"items\": [".to_vec(),
        )
        .await
        .expect_problem(400, "malformed_json");
    waiter
        .post(&path, json!({ "covers": "two", "items": [] }))
        .await
        .expect_problem(400, "invalid_body");
    waiter
        .post(&path, json!({ "covers": 2, "items": [], "surprise": true }))
        .await
        .expect_problem(400, "invalid_body");
    for quantity in [json!(-1), json!(0), json!(0.0001)] {
        let reply = waiter
            .post(&path, json!({ "covers": 2, "items": [{ "product_id": product["id"], "quantity": quantity }] }))
            .await;
        assert!(
            [400, 422].contains(&reply.status.as_u16()),
            "quantity {quantity}: {}",
            reply.body
        );
        assert_eq!(reply.header("content-type"), "application/problem+json");
    }
    waiter
        .post(
            &path,
            json!({ "covers": 2, "items": [{ "product_id": product["id"], "quantity": -1 }] }),
        )
        .await
        .expect_problem(422, "validation_failed");
    waiter
        .post(
            &path,
            json!({ "covers": 2, "items": [{ "product_id": new_uuid(), "quantity": 1 }] }),
        )
        .await
        .expect_problem(422, "invalid_reference");
    waiter
        .post(
            &path,
            json!({ "table_id": new_uuid(), "covers": 2, "items": [] }),
        )
        .await
        .expect_problem(422, "invalid_reference");
    waiter
        .post(&path, json!({ "covers": 0, "items": [] }))
        .await
        .expect_problem(422, "validation_failed");
    let mut huge = b"{\"covers\": 2, \"notes\": \"".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024));
    huge.extend(b"\", \"items\": []}");
    waiter
        .post_raw(&path, "application/json", huge)
        .await
        .expect_problem(413, "payload_too_large");
    waiter
        .post_raw(&path, "text/plain", b"covers=2".to_vec())
        .await
        .expect_problem(415, "unsupported_media_type");
    waiter
        .get(&format!("/api/v1/venues/{VENUE}/orders/not-a-uuid"))
        .await
        .expect_problem(404, "not_found");
    waiter
        .get(&format!("/api/v1/venues/{VENUE}/orders/{}", new_uuid()))
        .await
        .expect_problem(404, "not_found");
    waiter
        .patch(
            &format!("/api/v1/venues/{VENUE}/orders/{}/status", new_uuid()),
            json!({ "status": "confirmed" }),
        )
        .await
        .expect_problem(404, "not_found");
    waiter
        .get(&format!("/api/v1/venues/{VENUE}/orders?status=eaten"))
        .await
        .expect_problem(400, "invalid_query");

    assert_eq!(app.footprint().await, before, "nothing was written");
}

#[actix_web::test]
async fn bad_catalogue_and_stock_input_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = app.footprint().await;
    let products = format!("/api/v1/venues/{VENUE}/products");
    admin
        .post(
            &products,
            json!({ "name": "P", "sku": "S", "unit": "pz", "cost": 1, "price": 1.005 }),
        )
        .await
        .expect_problem(400, "invalid_body");
    admin
        .post(
            &products,
            json!({ "name": "P", "sku": "S", "unit": "pz", "cost": -1, "price": 1 }),
        )
        .await
        .expect_problem(422, "validation_failed");
    admin
        .post(
            &format!("/api/v1/venues/{VENUE}/lots"),
            json!({ "product_id": new_uuid(), "lot_code": "X", "qty_init": 1, "cost_per_unit": 1 }),
        )
        .await
        .expect_problem(422, "invalid_reference");
    assert_eq!(app.footprint().await, before);

    let product = admin.create_product("DUP", 1.0).await;
    admin
        .post(
            &products,
            json!({ "name": "Again", "sku": "DUP", "unit": "pz", "cost": 1, "price": 1 }),
        )
        .await
        .expect_problem(409, "duplicate_sku");
    admin
        .post(&format!("/api/v1/venues/{VENUE}/lots"), json!({ "product_id": product["id"], "lot_code": "X", "qty_init": -4, "cost_per_unit": 1 }))
        .await
        .expect_problem(422, "validation_failed");
    admin
        .post(&format!("/api/v1/venues/{VENUE}/lots"), json!({ "product_id": product["id"], "lot_code": "X", "qty_init": 4, "unit": "kg", "cost_per_unit": 1 }))
        .await
        .expect_problem(422, "validation_failed");
    admin
        .post(
            &products,
            json!({ "name": "P", "sku": "BIG", "unit": "pz", "cost": 1, "price": 1e13 }),
        )
        .await
        .expect_problem(400, "invalid_body");
    for price in [json!(10_000_000_000_000_i64), json!("10000000000000")] {
        admin
            .post(
                &products,
                json!({ "name": "P", "sku": "BIG", "unit": "pz", "cost": 1, "price": price }),
            )
            .await
            .expect_problem(400, "invalid_body");
    }
    admin
        .post(
            &format!("/api/v1/venues/{VENUE}/lots"),
            json!({ "product_id": product["id"], "lot_code": "HUGE", "qty_init": 5_000_000_000_000_000_i64, "cost_per_unit": 1 }),
        )
        .await
        .expect_problem(400, "invalid_body");
    admin
        .post(&format!("/api/v1/venues/{VENUE}/lots"), json!({ "product_id": product["id"], "lot_code": "U1", "qty_init": 4, "cost_per_unit": 1 }))
        .await
        .expect(201);
    admin
        .patch(
            &format!("/api/v1/venues/{VENUE}/products/{}", id(&product["id"])),
            json!({ "unit": "kg" }),
        )
        .await
        .expect_problem(409, "unit_in_use");
    admin.create_table("DUP-T").await;
    admin
        .post(
            &format!("/api/v1/venues/{VENUE}/tables"),
            json!({ "name": "DUP-T", "seats": 2 }),
        )
        .await
        .expect_problem(409, "duplicate_name");
}

#[actix_web::test]
async fn a_nul_character_in_any_text_is_refused_before_it_reaches_the_store() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let product = admin.create_product("NUL-1", 5.0).await;
    let before = app.footprint().await;
    waiter
        .post(
            &format!("/api/v1/venues/{VENUE}/orders"),
            json!({ "covers": 1, "notes": "no\u{0}onions",
                    "items": [{ "product_id": product["id"], "quantity": 1 }] }),
        )
        .await
        .expect_problem(422, "validation_failed");
    admin
        .post(
            &format!("/api/v1/venues/{VENUE}/tables"),
            json!({ "name": "T", "seats": 2, "position_json": { "label\u{0}": 1 } }),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(app.footprint().await, before);
}
