//! The check (DESIGN §9): a table of two eats a steak and two beers in a venue that
//! adds tax on top and a 10 % service charge; the check equals the hand-computed
//! figures, is split in three and paid by card with tips, and only then completes.
//! Payments retried with their key record nothing new; a manager refunds after closing.

use serde_json::{Value, json};

use crate::support::{Staff, TestApp, VENUE, id};

fn path(rest: &str) -> String {
    format!("/api/v1/venues/{VENUE}{rest}")
}

/// The venue prices without tax, adds 10 % service, and refuses to close unpaid; food
/// is taxed 10 % (the default class), alcohol 22 %.
async fn a_taxed_venue(admin: &Staff) -> (Value, Value) {
    admin
        .patch(
            &format!("/api/v1/venues/{VENUE}"),
            json!({ "prices_include_tax": false, "service_charge": 10, "allow_unpaid_close": false }),
        )
        .await
        .expect(200);
    admin
        .post(
            &path("/tax-classes"),
            json!({ "name": "Food", "rate": 10, "is_default": true }),
        )
        .await
        .expect(201);
    let alcohol = admin
        .post(
            &path("/tax-classes"),
            json!({ "name": "Alcohol", "rate": 22 }),
        )
        .await
        .expect(201);
    let steak = admin
        .post(
            &path("/products"),
            json!({ "name": "Steak", "unit": "pz", "price": 25.0, "stock_tracked": false }),
        )
        .await
        .expect(201);
    let beer = admin
        .post(
            &path("/products"),
            json!({ "name": "Draught", "unit": "pz", "price": 6.3, "stock_tracked": false,
                    "tax_class_id": alcohol["id"] }),
        )
        .await
        .expect(201);
    (steak, beer)
}

fn payments(order: &Value) -> String {
    path(&format!("/orders/{}/payments", id(&order["id"])))
}

#[actix_web::test]
async fn a_table_of_two_is_taxed_split_in_three_paid_with_tips_and_only_then_completes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (steak, beer) = a_taxed_venue(&admin).await;
    let waiter = app.waiter().await;
    let order = waiter
        .open_order(
            None,
            json!([{ "product_id": steak["id"], "quantity": 1 },
                   { "product_id": beer["id"], "quantity": 2 }]),
        )
        .await;

    // By hand: 25.00 at 10 % = 2.50; 12.60 at 22 % = 2.772 -> 2.77; service 10 % of
    // 37.60 = 3.76; total 37.60 + 5.27 + 3.76 = 46.63.
    let check = &order["check"];
    assert_eq!(check["subtotal"], 37.6);
    assert_eq!(
        check["taxes"],
        json!([{ "rate": 10.0, "net": 25.0, "tax": 2.5 }, { "rate": 22.0, "net": 12.6, "tax": 2.77 }])
    );
    assert_eq!(check["tax"], 5.27);
    assert_eq!(check["service_charge"], 3.76);
    assert_eq!(check["total"], 46.63);
    assert_eq!(check["due"], 46.63);
    assert_eq!(order["items"][1]["tax_rate"], 22.0);

    // Split in three: the extra cent on the first share.
    let split = waiter
        .get(&format!(
            "{}?guests=3",
            path(&format!("/orders/{}/check", id(&order["id"])))
        ))
        .await
        .expect(200);
    assert_eq!(split["shares"], json!([15.55, 15.54, 15.54]));

    let kitchen = app.kitchen().await;
    waiter
        .set_status(&order["id"], "confirmed")
        .await
        .expect(200);
    kitchen.set_status(&order["id"], "ready").await.expect(200);
    waiter.set_status(&order["id"], "served").await.expect(200);
    waiter
        .set_status(&order["id"], "completed")
        .await
        .expect_problem(409, "payment_due");

    // The first guest pays by card with a tip; the terminal's retry records nothing new.
    let first =
        json!({ "method": "card", "amount": 15.55, "tip": 2.0, "reference": "TERM-1-0042" });
    let key = [("Idempotency-Key", "table-7-guest-1")];
    let paid = waiter
        .post_with(&payments(&order), first.clone(), &key)
        .await
        .expect(201);
    assert_eq!(paid["payment"]["state"], "captured");
    assert_eq!(paid["check"]["due"], 31.08);
    let again = waiter.post_with(&payments(&order), first, &key).await;
    assert_eq!(again.header("idempotent-replayed"), "true");
    let again = again.expect(201);
    assert_eq!(again["payment"]["id"], paid["payment"]["id"]);
    assert_eq!(again["check"]["payments"].as_array().map(Vec::len), Some(1));
    waiter
        .post_with(
            &payments(&order),
            json!({ "method": "card", "amount": 15.54 }),
            &key,
        )
        .await
        .expect_problem(422, "idempotency_key_reused");

    // The second pays cash with a twenty; the third pays what is left.
    let cash = waiter
        .post(
            &payments(&order),
            json!({ "method": "cash", "amount": 15.54, "tendered": 20.0 }),
        )
        .await
        .expect(201);
    assert_eq!(cash["payment"]["change"], 4.46);
    let last = waiter
        .post(&payments(&order), json!({ "method": "card", "tip": 1.5 }))
        .await
        .expect(201);
    assert_eq!(last["payment"]["amount"], 15.54, "all that was due");
    assert_eq!(last["check"]["due"], 0.0);
    assert_eq!(last["check"]["paid"], 46.63);
    assert_eq!(last["check"]["tips"], 3.5);
    waiter
        .post(&payments(&order), json!({ "method": "card" }))
        .await
        .expect_problem(409, "nothing_due");

    let completed = waiter
        .set_status(&order["id"], "completed")
        .await
        .expect(200);
    assert_eq!(completed["check"]["due"], 0.0);

    // After closing, the manager refunds the cash share; a waiter may not.
    let refund = path(&format!(
        "/orders/{}/payments/{}/refund",
        id(&order["id"]),
        id(&cash["payment"]["id"])
    ));
    waiter
        .post(&refund, json!({ "reason": "paid twice" }))
        .await
        .expect_problem(403, "forbidden");
    let manager = app.manager().await;
    let refunded = manager
        .post(&refund, json!({ "reason": "paid twice" }))
        .await
        .expect(200);
    assert_eq!(refunded["payment"]["state"], "refunded");
    assert_eq!(refunded["payment"]["refund_reason"], "paid twice");
    assert_eq!(refunded["check"]["due"], 15.54);
    manager
        .post(&refund, json!({ "reason": "again" }))
        .await
        .expect_problem(409, "payment_not_captured");
}

#[actix_web::test]
async fn a_payment_the_check_cannot_take_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (steak, _) = a_taxed_venue(&admin).await;
    let waiter = app.waiter().await;
    let line = json!([{ "product_id": steak["id"], "quantity": 1 }]);
    // 25.00 + 2.50 tax + 2.50 service = 30.00.
    let order = waiter.open_order(None, line.clone()).await;
    assert_eq!(order["check"]["total"], 30.0);
    let before = app.footprint().await;

    for (body, why) in [
        (
            json!({ "method": "card", "amount": 30.01 }),
            "more than the 30.00 due",
        ),
        (
            json!({ "method": "card", "amount": 0 }),
            "greater than zero",
        ),
        (
            json!({ "method": "card", "tendered": 40 }),
            "tendered is for cash",
        ),
        (
            json!({ "method": "cash", "amount": 30, "tendered": 29.99 }),
            "less than the 30.00",
        ),
        (
            json!({ "method": "card", "reference": "x".repeat(201) }),
            "reference",
        ),
    ] {
        let problem = waiter
            .post(&payments(&order), body)
            .await
            .expect_problem(422, "validation_failed");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.contains(why), "{detail} should say {why}");
    }
    waiter
        .post(&payments(&order), json!({ "method": "cheque" }))
        .await
        .expect_problem(400, "invalid_body");
    assert_eq!(app.footprint().await, before, "nothing was written");

    // A draft with a payment is cancelled, not deleted; with a captured payment it is
    // not cancelled either until the payment is refunded.
    let paid = waiter
        .post(&payments(&order), json!({ "method": "card", "amount": 10 }))
        .await
        .expect(201);
    waiter
        .delete(&path(&format!("/orders/{}", id(&order["id"]))))
        .await
        .expect_problem(409, "order_has_payments");
    waiter
        .set_status(&order["id"], "cancelled")
        .await
        .expect_problem(409, "payments_captured");
    let manager = app.manager().await;
    manager
        .post(
            &format!("{}/{}/refund", payments(&order), id(&paid["payment"]["id"])),
            json!({ "reason": "guest left" }),
        )
        .await
        .expect(200);
    waiter
        .set_status(&order["id"], "cancelled")
        .await
        .expect(200);
    waiter
        .post(&payments(&order), json!({ "method": "card" }))
        .await
        .expect_problem(409, "order_cancelled");

    // Tax classes are the admins': a manager may not add one, and names are unique.
    manager
        .post(
            &path("/tax-classes"),
            json!({ "name": "Reduced", "rate": 5 }),
        )
        .await
        .expect_problem(403, "forbidden");
    admin
        .post(&path("/tax-classes"), json!({ "name": "Food", "rate": 5 }))
        .await
        .expect_problem(409, "duplicate_tax_class");
    admin
        .post(
            &path("/tax-classes"),
            json!({ "name": "Odd", "rate": 100.5 }),
        )
        .await
        .expect_problem(400, "invalid_body");
    admin
        .patch(
            &path(&format!("/products/{}", id(&steak["id"]))),
            json!({ "tax_class_id": crate::support::new_uuid() }),
        )
        .await
        .expect_problem(422, "invalid_reference");
}

#[actix_web::test]
async fn the_demo_venue_still_closes_unpaid_and_prices_include_tax_by_default() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    admin
        .post(
            &path("/tax-classes"),
            json!({ "name": "Standard", "rate": 10, "is_default": true }),
        )
        .await
        .expect(201);
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let product = admin.create_product("PLAIN-CHK", 11.0).await;
    let order = waiter.ready_order(&kitchen, &product, 1.0).await;
    // 11.00 includes 1.00 of tax at 10 %: the total is the price.
    assert_eq!(order["check"]["tax"], 1.0);
    assert_eq!(order["check"]["total"], 11.0);
    assert_eq!(order["total"], 11.0);
    waiter.set_status(&order["id"], "served").await.expect(200);
    let completed = waiter
        .set_status(&order["id"], "completed")
        .await
        .expect(200);
    assert_eq!(
        completed["check"]["due"], 11.0,
        "closed unpaid, as the seeds do"
    );
}
