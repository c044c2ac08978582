//! Setting the room up: a manager renames and moves tables (one at a time, or the floor
//! plan's save, all or nothing), removes one that never served, and cannot remove one
//! with orders; an admin changes the venue's tax classes and which one is the default.

use serde_json::{Value, json};

use crate::support::{TestApp, VENUE, id};

fn path(rest: &str) -> String {
    format!("/api/v1/venues/{VENUE}{rest}")
}

fn position(table: &Value) -> Value {
    table["position_json"].clone()
}

#[actix_web::test]
async fn a_manager_renames_and_moves_tables_and_a_table_with_orders_is_kept() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let manager = app.manager().await;
    let one = admin.create_table("Room 1").await;
    let two = admin.create_table("Room 2").await;
    let one_path = path(&format!("/tables/{}", id(&one["id"])));

    let renamed = manager
        .patch(
            &one_path,
            json!({ "name": "  Terrace 1 ", "seats": 6, "area": "terrace" }),
        )
        .await
        .expect(200);
    assert_eq!(
        (&renamed["name"], &renamed["seats"], &renamed["area"]),
        (&json!("Terrace 1"), &json!(6), &json!("terrace"))
    );
    manager
        .patch(
            &path(&format!("/tables/{}", id(&two["id"]))),
            json!({ "name": "Terrace 1" }),
        )
        .await
        .expect_problem(409, "duplicate_name");
    manager
        .patch(&one_path, json!({ "seats": 0 }))
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(manager.get(&one_path).await.expect(200)["seats"], 6);

    // The floor plan's save moves every table or none.
    let layout = path("/tables/layout");
    let moved = manager
        .patch(
            &layout,
            json!({ "tables": [
                { "id": two["id"], "position_json": { "x": 30, "y": 40 } },
                { "id": one["id"], "position_json": { "x": 10, "y": 20 } },
            ] }),
        )
        .await
        .expect(200);
    assert_eq!(moved.as_array().map(Vec::len), Some(2));
    let before = manager.get(&one_path).await.expect(200);
    assert_eq!(position(&before), json!({ "x": 10, "y": 20 }));
    manager
        .patch(
            &layout,
            json!({ "tables": [
                { "id": one["id"], "position_json": { "x": 99, "y": 99 } },
                { "id": crate::support::new_uuid(), "position_json": { "x": 1, "y": 1 } },
            ] }),
        )
        .await
        .expect_problem(422, "invalid_reference");
    manager
        .patch(&layout, json!({ "tables": [] }))
        .await
        .expect_problem(422, "validation_failed");
    app.waiter()
        .await
        .patch(
            &layout,
            json!({ "tables": [{ "id": one["id"], "position_json": {} }] }),
        )
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(
        position(&manager.get(&one_path).await.expect(200)),
        position(&before),
        "a refused save moved nothing"
    );

    // A table that never served goes; one with orders stays, open or not.
    manager
        .delete(&path(&format!("/tables/{}", id(&two["id"]))))
        .await
        .expect(204);
    manager
        .get(&path(&format!("/tables/{}", id(&two["id"]))))
        .await
        .expect_problem(404, "not_found");
    let product = admin.create_product("FLOOR-1", 3.0).await;
    let waiter = app.waiter().await;
    let order = waiter.order_one(&product, Some(&one["id"])).await;
    manager
        .delete(&one_path)
        .await
        .expect_problem(409, "table_has_open_orders");
    waiter
        .set_status(&order["id"], "cancelled")
        .await
        .expect(200);
    manager
        .delete(&one_path)
        .await
        .expect_problem(409, "table_in_use");
    manager.get(&one_path).await.expect(200);
}

#[actix_web::test]
async fn an_admin_renames_a_tax_class_changes_its_rate_and_moves_the_default() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let classes = path("/tax-classes");
    let food = admin
        .post(
            &classes,
            json!({ "name": "Food", "rate": 10, "is_default": true }),
        )
        .await
        .expect(201);
    let drinks = admin
        .post(&classes, json!({ "name": "Drinks", "rate": 20 }))
        .await
        .expect(201);
    let drinks_path = format!("{classes}/{}", id(&drinks["id"]));
    let food_path = format!("{classes}/{}", id(&food["id"]));

    let changed = admin
        .patch(
            &drinks_path,
            json!({ "name": "Drinks and wine", "rate": 22, "is_default": true }),
        )
        .await
        .expect(200);
    assert_eq!(changed["rate"], 22.0);
    let listed = admin.get(&classes).await.expect(200);
    let defaults: Vec<&Value> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter(|c| c["is_default"] == true)
        .map(|c| &c["name"])
        .collect();
    assert_eq!(defaults, vec!["Drinks and wine"], "one default");

    admin
        .patch(&food_path, json!({ "name": "Drinks and wine" }))
        .await
        .expect_problem(409, "duplicate_tax_class");
    admin
        .patch(&food_path, json!({ "name": "Food\u{202E}" }))
        .await
        .expect_problem(422, "validation_failed");
    admin
        .patch(
            &format!("{classes}/{}", crate::support::new_uuid()),
            json!({ "rate": 5 }),
        )
        .await
        .expect_problem(404, "not_found");
    app.manager()
        .await
        .patch(&food_path, json!({ "rate": 5 }))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(
        admin.get(&classes).await.expect(200),
        listed,
        "refusals changed nothing"
    );
}
