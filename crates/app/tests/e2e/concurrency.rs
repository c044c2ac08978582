//! A Friday-night rush: concurrent orders and racing serves stay exact.

use futures_util::future::join_all;
use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn twenty_concurrent_orders_over_five_tables_all_succeed_with_unique_numbers() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let product = admin.create_product("RUSH-1", 9.0).await;
    let mut tables = Vec::new();
    for n in 0..5 {
        tables.push(admin.create_table(&format!("RUSH-T{n}")).await);
    }
    let seq_before = app
        .count(&format!(
            "SELECT COALESCE(max(seq), 0) FROM events WHERE venue_id = '{VENUE}'"
        ))
        .await;
    let before = app
        .count("SELECT COALESCE(max(order_number), 0) FROM orders")
        .await;

    let requests = (0..20).map(|n| {
        let waiter = waiter.clone();
        let table = tables[n % 5]["id"].clone();
        let product = product["id"].clone();
        async move {
            waiter
                .post(
                    &format!("/api/v1/venues/{VENUE}/orders"),
                    json!({ "table_id": table, "covers": 2, "items": [{ "product_id": product, "quantity": 1 }] }),
                )
                .await
        }
    });
    let replies = join_all(requests).await;
    let mut numbers: Vec<i64> = replies
        .into_iter()
        .map(|r| r.expect(201)["order_number"].as_i64().expect("number"))
        .collect();
    numbers.sort_unstable();
    let expected: Vec<i64> = (before + 1..=before + 20).collect();
    assert_eq!(numbers, expected, "unique and gap-free");
    for table in &tables {
        let t = waiter
            .get(&format!("/api/v1/tables/{}", id(&table["id"])))
            .await
            .expect(200);
        assert_eq!(t["status"], "occupied");
    }
    // 20 new_order events plus 5 tables turning occupied, numbered exactly
    // seq_before+1 ..= seq_before+25: no gap, no duplicate.
    let seqs = app
        .integers(&format!(
            "SELECT seq FROM events WHERE venue_id = '{VENUE}' AND seq > {seq_before} ORDER BY seq"
        ))
        .await;
    assert_eq!(seqs, (seq_before + 1..=seq_before + 25).collect::<Vec<_>>());
}

#[actix_web::test]
async fn twenty_racing_serves_never_take_more_than_a_ten_unit_lot_holds() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let product = admin.create_product("RACE-1", 3.0).await;
    let lot = admin
        .create_lot(&product["id"], "RACE-LOT", 10.0, None)
        .await;
    let mut orders = Vec::new();
    for _ in 0..20 {
        let order = waiter.ready_order(&kitchen, &product, 1.0).await;
        orders.push(order);
    }

    let serves = orders.iter().map(|o| {
        let waiter = waiter.clone();
        let id = o["id"].clone();
        async move { waiter.set_status(&id, "served").await }
    });
    let replies = join_all(serves).await;
    let served: Vec<_> = replies.into_iter().map(|r| r.expect(200)).collect();

    let lot = admin
        .get(&format!("/api/v1/venues/{VENUE}/lots/{}", id(&lot["id"])))
        .await
        .expect(200);
    assert_eq!(lot["qty_current"], 0.0, "exactly emptied, never negative");
    let out = app
        .count("SELECT count(*) FROM stock_movements WHERE movement_type = 'OUT'")
        .await;
    assert_eq!(out, 10);
    let short = served
        .iter()
        .filter(|o| o["items"][0]["shortfall"] == 1.0)
        .count();
    assert_eq!(short, 10, "the other ten are recorded short");
}
