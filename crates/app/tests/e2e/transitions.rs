//! DESIGN §4: every transition outside the graph is 409 and changes nothing; every
//! role outside the table is 403 and changes nothing.

use serde_json::json;

use crate::support::*;

const ALL: [&str; 7] = [
    "draft",
    "confirmed",
    "preparing",
    "ready",
    "served",
    "completed",
    "cancelled",
];

fn is_edge(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("draft", "confirmed")
            | ("confirmed", "preparing")
            | ("confirmed", "ready")
            | ("preparing", "ready")
            | ("ready", "served")
            | ("served", "completed")
            | ("draft" | "confirmed" | "preparing" | "ready", "cancelled")
    )
}

/// The path (as manager) from draft to `status`.
fn path_to(status: &str) -> &'static [&'static str] {
    match status {
        "draft" => &[],
        "confirmed" => &["confirmed"],
        "preparing" => &["confirmed", "preparing"],
        "ready" => &["confirmed", "preparing", "ready"],
        "served" => &["confirmed", "preparing", "ready", "served"],
        "completed" => &["confirmed", "preparing", "ready", "served", "completed"],
        _ => &["cancelled"],
    }
}

#[actix_web::test]
async fn every_transition_outside_the_graph_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let manager = app.manager().await;
    for from in ALL {
        let order = manager.open_order(None, json!([])).await;
        for step in path_to(from) {
            manager.set_status(&order["id"], step).await.expect(200);
        }
        let before = app.footprint().await;
        let stored = manager
            .get(&format!("/api/v1/orders/{}", id(&order["id"])))
            .await
            .expect(200);
        for to in ALL.into_iter().filter(|to| !is_edge(from, to)) {
            let problem = manager
                .set_status(&order["id"], to)
                .await
                .expect_problem(409, "invalid_transition");
            assert_eq!(problem["from"], from);
            assert_eq!(problem["to"], to);
        }
        assert_eq!(app.footprint().await, before, "from {from}");
        let after = manager
            .get(&format!("/api/v1/orders/{}", id(&order["id"])))
            .await
            .expect(200);
        assert_eq!(after, stored, "order untouched from {from}");
    }
}

#[actix_web::test]
async fn every_role_violation_of_the_design_table_is_forbidden() {
    let app = TestApp::spawn().await;
    let manager = app.manager().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    // (role, from, to): every edge a role may not take.
    let forbidden = [
        (&kitchen, "draft", "confirmed"),
        (&kitchen, "ready", "served"),
        (&kitchen, "served", "completed"),
        (&kitchen, "draft", "cancelled"),
        (&kitchen, "confirmed", "cancelled"),
        (&kitchen, "preparing", "cancelled"),
        (&waiter, "confirmed", "preparing"),
        (&waiter, "confirmed", "ready"),
        (&waiter, "preparing", "ready"),
        (&waiter, "preparing", "cancelled"),
        (&waiter, "ready", "cancelled"),
    ];
    for (staff, from, to) in forbidden {
        let order = manager.open_order(None, json!([])).await;
        for step in path_to(from) {
            manager.set_status(&order["id"], step).await.expect(200);
        }
        let before = app.footprint().await;
        staff
            .set_status(&order["id"], to)
            .await
            .expect_problem(403, "forbidden");
        assert_eq!(app.footprint().await, before, "{from} -> {to}");
        let after = manager
            .get(&format!("/api/v1/orders/{}", id(&order["id"])))
            .await
            .expect(200);
        assert_eq!(after["status"], from);
    }
    // And what they may do.
    let order = waiter.open_order(None, json!([])).await;
    waiter
        .set_status(&order["id"], "cancelled")
        .await
        .expect(200);
    let order = waiter.open_order(None, json!([])).await;
    waiter
        .set_status(&order["id"], "confirmed")
        .await
        .expect(200);
    waiter
        .set_status(&order["id"], "cancelled")
        .await
        .expect(200);
}

#[actix_web::test]
async fn staff_without_the_role_cannot_manage_the_venue_or_take_orders() {
    let app = TestApp::spawn().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let before = app.footprint().await;
    waiter
        .post(
            &format!("/api/v1/venues/{VENUE}/tables"),
            json!({ "name": "X", "seats": 2 }),
        )
        .await
        .expect_problem(403, "forbidden");
    kitchen
        .post(
            &format!("/api/v1/venues/{VENUE}/orders"),
            json!({ "covers": 1, "items": [] }),
        )
        .await
        .expect_problem(403, "forbidden");
    app.anonymous()
        .get(&format!("/api/v1/venues/{VENUE}/orders"))
        .await
        .expect_problem(401, "unauthorized");
    app.anonymous()
        .post(
            "/api/v1/auth/login",
            json!({ "email": "waiter1@beerflow.demo", "password": "wrong-password" }),
        )
        .await
        .expect_problem(401, "invalid_credentials");
    assert_eq!(app.footprint().await, before);
}

#[actix_web::test]
async fn a_cancelled_last_order_frees_the_table_and_staff_cannot_free_an_eating_table() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let table = admin.create_table("CANCEL-T").await;
    let first = waiter.open_order(Some(&table["id"]), json!([])).await;
    let second = waiter.open_order(Some(&table["id"]), json!([])).await;
    waiter
        .patch(
            &format!("/api/v1/tables/{}/status", id(&table["id"])),
            json!({ "status": "available" }),
        )
        .await
        .expect_problem(409, "table_has_open_orders");
    waiter
        .set_status(&first["id"], "cancelled")
        .await
        .expect(200);
    let t = waiter
        .get(&format!("/api/v1/tables/{}", id(&table["id"])))
        .await
        .expect(200);
    assert_eq!(t["status"], "occupied", "the second round is still open");
    waiter
        .set_status(&second["id"], "cancelled")
        .await
        .expect(200);
    let t = waiter
        .get(&format!("/api/v1/tables/{}", id(&table["id"])))
        .await
        .expect(200);
    assert_eq!(t["status"], "available");
    waiter
        .patch(
            &format!("/api/v1/tables/{}/status", id(&table["id"])),
            json!({ "status": "out_of_service" }),
        )
        .await
        .expect(200);
    waiter
        .post(
            &format!("/api/v1/venues/{VENUE}/orders"),
            json!({ "table_id": table["id"], "covers": 1, "items": [] }),
        )
        .await
        .expect_problem(409, "table_unavailable");
}
