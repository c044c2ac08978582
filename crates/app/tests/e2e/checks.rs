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

/// A table of two's order: the steak and two beers of [`a_taxed_venue`].
async fn a_steak_and_two_beers(waiter: &Staff, steak: &Value, beer: &Value) -> Value {
    waiter
        .open_order(
            None,
            json!([{ "product_id": steak["id"], "quantity": 1 },
                   { "product_id": beer["id"], "quantity": 2 }]),
        )
        .await
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
    let order = a_steak_and_two_beers(&waiter, &steak, &beer).await;

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

    // The guest's receipt: non-fiscal, the lines as printed, the check and its payments.
    let receipt = waiter
        .get(&path(&format!("/orders/{}/receipt", id(&order["id"]))))
        .await
        .expect(200);
    assert_eq!(receipt["non_fiscal"], true);
    assert_eq!(receipt["currency"], "EUR");
    let printed: Vec<(&str, f64)> = receipt["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            let amount = l["amount"].as_f64().expect("amount");
            (l["name"].as_str().expect("name"), amount)
        })
        .collect();
    assert_eq!(printed, [("Steak", 25.0), ("Draught", 12.6)]);
    assert_eq!(receipt["check"]["total"], 46.63);
    assert_eq!(
        receipt["check"]["payments"].as_array().map(Vec::len),
        Some(3)
    );

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

    // Later settings do not rewrite the check: the order keeps the rules it opened with.
    admin
        .patch(
            &format!("/api/v1/venues/{VENUE}"),
            json!({ "service_charge": 0, "prices_include_tax": true }),
        )
        .await
        .expect(200);
    let kept = waiter
        .get(&path(&format!("/orders/{}/check", id(&order["id"]))))
        .await
        .expect(200);
    assert_eq!(kept["total"], 46.63);
    assert_eq!(kept["service_charge"], 3.76);
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

#[actix_web::test]
async fn a_manager_takes_ten_percent_off_the_steak_and_five_off_the_check_with_reasons() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (steak, beer) = a_taxed_venue(&admin).await;
    let waiter = app.waiter().await;
    let order = a_steak_and_two_beers(&waiter, &steak, &beer).await;
    let discounts = path(&format!("/orders/{}/discounts", id(&order["id"])));
    let steak_line = order["items"][0]["id"].clone();
    waiter
        .post(&discounts, json!({ "percent": 10, "reason": "overcooked" }))
        .await
        .expect_problem(403, "forbidden");

    let manager = app.manager().await;
    manager
        .post(
            &discounts,
            json!({ "item_id": steak_line, "percent": 10, "reason": "overcooked" }),
        )
        .await
        .expect(201);
    let both = manager
        .post(&discounts, json!({ "amount": 5, "reason": "regulars" }))
        .await
        .expect(201);
    // By hand: the steak 25.00 - 10 % = 22.50; 5.00 off the check spread over 22.50
    // and 12.60 (3.2051 -> 3.21 with the leftover cent, 1.79): nets 19.29 and 10.81,
    // tax 1.93 and 2.38, service 10 % of 30.10 = 3.01, total 30.10 + 4.31 + 3.01.
    let check = &both["check"];
    assert_eq!(check["discounts"], 7.5);
    assert_eq!(check["tax"], 4.31);
    assert_eq!(check["service_charge"], 3.01);
    assert_eq!(check["total"], 37.42);
    let reasons: Vec<&str> = check["applied_discounts"]
        .as_array()
        .expect("discounts")
        .iter()
        .map(|d| d["reason"].as_str().expect("reason"))
        .collect();
    assert_eq!(reasons, ["overcooked", "regulars"]);

    let before = app.footprint().await;
    manager
        .post(&discounts, json!({ "percent": 5, "reason": "again" }))
        .await
        .expect_problem(409, "discount_exists");
    manager
        .post(
            &discounts,
            json!({ "percent": 5, "amount": 1, "reason": "both" }),
        )
        .await
        .expect_problem(422, "validation_failed");
    manager
        .post(
            &discounts,
            json!({ "item_id": crate::support::new_uuid(), "percent": 5, "reason": "stranger" }),
        )
        .await
        .expect_problem(422, "invalid_reference");
    manager
        .post(&discounts, json!({ "percent": 5, "reason": " " }))
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(app.footprint().await, before, "refusals write nothing");

    // Removing the check discount puts the check back on the steak's discount alone:
    // 22.50 + 12.60 = 35.10, tax 2.25 + 2.77, service 3.51.
    let check_discount = &check["applied_discounts"][1]["id"];
    let back = manager
        .delete(&format!("{discounts}/{}", id(check_discount)))
        .await
        .expect(200);
    assert_eq!(back["check"]["total"], 43.63);

    // Once it is paid, no discount may take the total below what was paid.
    waiter
        .post(&payments(&order), json!({ "method": "card" }))
        .await
        .expect(201);
    manager
        .post(&discounts, json!({ "amount": 1, "reason": "late" }))
        .await
        .expect_problem(409, "discount_below_paid");
}
