//! Every migration runs up -> down -> up on an empty database, and the latest one on a
//! database holding a night of orders, keeping every row.

use brigade_app::server::{migrate, revert_all, revert_last};
use serde_json::json;

use crate::schema::{constraints, shard_rule_violations, venue_owned};
use crate::store::{Backend, TestDb, backend};
use crate::support::{TestApp, VENUE};

const VENUE_KEYS: &str = "20261202000001";
/// The migrations after it.
const LATER: [&str; 6] = [
    "20261203000001",
    "20261203000002",
    "20261204000001",
    "20261205000001",
    "20261206000001",
    "20261207000001",
];
const MENU: &str = "20261204000001";
const MODIFIERS: &str = "20261205000001";
const CHECKS: &str = "20261206000001";
const OPERATIONS: &str = "20261207000001";

#[actix_web::test]
async fn migrations_run_up_down_and_up_again() {
    let db = TestDb::empty("migrations").await;

    let up = migrate(&db.store).await.expect("up");
    assert!(!up.is_empty());
    let down = revert_all(&db.store).await.expect("down");
    assert_eq!(down.len(), up.len());
    let again = migrate(&db.store).await.expect("up again");
    assert_eq!(again, up);
    assert!(migrate(&db.store).await.expect("idempotent").is_empty());
}

/// Every row of every table the schema has now, as sorted text.
async fn every_row(db: &TestDb) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for table in brigade_app::transfer::TABLES {
        let exists = match backend() {
            Backend::Postgres => {
                format!("SELECT count(*) FROM pg_tables WHERE tablename = '{table}'")
            }
            Backend::Sqlite => {
                format!(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
                )
            }
        };
        if db.integers(&exists).await == [0] {
            continue;
        }
        let sql = match backend() {
            Backend::Postgres => format!("SELECT CAST(row_to_json(t) AS TEXT) FROM {table} t"),
            Backend::Sqlite => {
                let columns = db
                    .texts(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .await;
                format!("SELECT json_array({}) FROM {table}", columns.join(", "))
            }
        };
        let mut rows = db.texts(&sql).await;
        rows.sort();
        out.push((table.to_owned(), rows));
    }
    out
}

#[actix_web::test]
async fn the_venue_keys_migration_goes_down_and_up_again_keeping_a_night_of_orders() {
    let app = TestApp::spawn().await;
    let (admin, waiter, kitchen) = (app.admin().await, app.waiter().await, app.kitchen().await);
    // A night: tables, a menu with lots, orders served from stock (allocations,
    // movements), one completed, one cancelled, one still open at the bar.
    let table = admin.create_table("NIGHT-T1").await;
    let burger = admin.create_product("NIGHT-B", 12.0).await;
    let beer = admin.create_product("NIGHT-IPA", 6.0).await;
    admin
        .create_lot(&burger["id"], "B1", 5.0, Some("2030-01-01"))
        .await;
    admin.create_lot(&burger["id"], "B2", 20.0, None).await;
    admin.create_lot(&beer["id"], "I1", 50.0, None).await;
    for _ in 0..3 {
        let order = waiter.ready_order(&kitchen, &burger, 2.0).await;
        waiter.set_status(&order["id"], "served").await.expect(200);
    }
    let seated = waiter
        .open_order(
            Some(&table["id"]),
            json!([{ "product_id": beer["id"], "quantity": 2 }, { "product_id": burger["id"], "quantity": 1 }]),
        )
        .await;
    waiter
        .set_status(&seated["id"], "confirmed")
        .await
        .expect(200);
    kitchen.set_status(&seated["id"], "ready").await.expect(200);
    waiter.set_status(&seated["id"], "served").await.expect(200);
    waiter
        .set_status(&seated["id"], "completed")
        .await
        .expect(200);
    let cancelled = waiter.order_one(&beer, None).await;
    waiter
        .set_status(&cancelled["id"], "cancelled")
        .await
        .expect(200);
    let open = waiter
        .post_with(
            &format!("/api/v1/venues/{VENUE}/orders"),
            json!({ "covers": 1, "items": [{ "product_id": beer["id"], "quantity": 1 }] }),
            &[("Idempotency-Key", "night-last-round")],
        )
        .await
        .expect(201);

    // The migrations that followed come off first (keeping every row of the older
    // schema), newest first, and go back on at the end.
    let later_off = async || {
        for version in LATER.iter().rev() {
            let reverted = revert_last(&app.db.store).await.expect("later down");
            assert_eq!(reverted, [*version]);
        }
    };
    later_off().await;
    let before = every_row(&app.db).await;
    let empty: Vec<_> = before.iter().filter(|(_, rows)| rows.is_empty()).collect();
    assert!(empty.is_empty(), "every table holds rows: {empty:?}");

    let reverted = revert_last(&app.db.store).await.expect("down");
    assert_eq!(reverted, [VENUE_KEYS]);
    let broken = shard_rule_violations(&constraints(&app.db).await, &venue_owned(&app.db).await);
    assert!(!broken.is_empty(), "keys by id alone again");
    assert_eq!(every_row(&app.db).await, before, "down keeps every row");

    let mut all = vec![VENUE_KEYS];
    all.extend(LATER);
    assert_eq!(migrate(&app.db.store).await.expect("up again"), all);
    later_off().await;
    assert_eq!(every_row(&app.db).await, before, "up keeps every row");
    assert_eq!(migrate(&app.db.store).await.expect("later up"), LATER);
    let broken = shard_rule_violations(&constraints(&app.db).await, &venue_owned(&app.db).await);
    assert!(broken.is_empty(), "{broken:?}");

    // And the venue carries on.
    waiter
        .set_status(&open["id"], "confirmed")
        .await
        .expect(200);
    let order = waiter
        .get(&format!(
            "/api/v1/venues/{VENUE}/orders/{}",
            crate::support::id(&seated["id"])
        ))
        .await
        .expect(200);
    assert_eq!(order["status"], "completed");
    assert_eq!(order["table_id"], table["id"]);
}

#[actix_web::test]
async fn the_menu_migration_turns_free_text_categories_into_categories_by_name() {
    let app = TestApp::spawn().await;
    assert_eq!(
        revert_last(&app.db.store).await.expect("down"),
        [OPERATIONS]
    );
    assert_eq!(revert_last(&app.db.store).await.expect("down"), [CHECKS]);
    assert_eq!(revert_last(&app.db.store).await.expect("down"), [MODIFIERS]);
    assert_eq!(revert_last(&app.db.store).await.expect("down"), [MENU]);
    // Before the menu: categories were free text on each product.
    app.exec("UPDATE products SET category = 'grill' WHERE sku = 'BURGER-001'")
        .await;
    app.exec("UPDATE products SET category = NULL WHERE sku = 'SIDE-FRIES'")
        .await;
    assert_eq!(
        migrate(&app.db.store).await.expect("up"),
        [MENU, MODIFIERS, CHECKS, OPERATIONS]
    );

    let admin = app.admin().await;
    let categories = admin
        .get(&format!("/api/v1/venues/{VENUE}/categories"))
        .await
        .expect(200);
    let named: Vec<(&str, i64)> = categories
        .as_array()
        .expect("list")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("name"),
                c["position"].as_i64().expect("position"),
            )
        })
        .collect();
    assert_eq!(
        named,
        [("drinks", 0), ("grill", 1)],
        "alphabetical, unused ones dropped"
    );
    let products = admin
        .get(&format!("/api/v1/venues/{VENUE}/products"))
        .await
        .expect(200);
    let category = |sku: &str| {
        let product = products
            .as_array()
            .expect("list")
            .iter()
            .find(|p| p["sku"] == sku)
            .expect("product");
        (
            product["category"].clone(),
            product["category_id"].is_string(),
        )
    };
    assert_eq!(category("BURGER-001"), (json!("grill"), true));
    assert_eq!(category("BEER-IPA"), (json!("drinks"), true));
    assert_eq!(category("SIDE-FRIES"), (serde_json::Value::Null, false));
}
