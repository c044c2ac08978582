//! Venue isolation: another venue's ids behave exactly like ids that do not exist.

use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn a_member_of_another_venue_sees_nothing_of_this_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let stranger = app.login(OTHER_WAITER).await;
    let table = admin.create_table("ISO-T").await;
    let product = admin.create_product("ISO-P", 4.0).await;
    let order = waiter.open_order(Some(&table["id"]), json!([])).await;
    let before = app.footprint().await;

    // Through this venue's path: not a member -> 404.
    stranger
        .get(&format!(
            "/api/v1/venues/{VENUE}/orders/{}",
            id(&order["id"])
        ))
        .await
        .expect_problem(404, "not_found");
    // Through the short forms, acting in their own venue: the ids do not exist there.
    stranger
        .get(&format!("/api/v1/orders/{}", id(&order["id"])))
        .await
        .expect_problem(404, "not_found");
    stranger
        .set_status(&order["id"], "cancelled")
        .await
        .expect_problem(404, "not_found");
    stranger
        .patch(
            &format!("/api/v1/orders/{}/status", id(&order["id"])),
            json!({ "status": "confirmed" }),
        )
        .await
        .expect_problem(404, "not_found");
    stranger
        .get(&format!("/api/v1/tables/{}", id(&table["id"])))
        .await
        .expect_problem(404, "not_found");
    stranger
        .post(
            &format!("/api/v1/venues/{OTHER_VENUE}/orders"),
            json!({ "table_id": table["id"], "covers": 1, "items": [] }),
        )
        .await
        .expect_problem(422, "invalid_reference");
    stranger
        .post(
            &format!("/api/v1/venues/{OTHER_VENUE}/orders"),
            json!({ "covers": 1, "items": [{ "product_id": product["id"], "quantity": 1 }] }),
        )
        .await
        .expect_problem(422, "invalid_reference");
    // Their own lists hold nothing of ours.
    let theirs = stranger
        .get(&format!("/api/v1/venues/{OTHER_VENUE}/orders"))
        .await
        .expect(200);
    assert!(theirs.as_array().expect("array").is_empty());
    assert_eq!(app.footprint().await, before);
}
