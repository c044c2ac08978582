//! The menu (DESIGN §9): categories in display order with their products, products that
//! name a category by text (as the seeds' clients do), and the menu as a conditional
//! read keyed by the venue's menu version.

use serde_json::{Value, json};

use crate::support::{Staff, TestApp, VENUE};

fn path(rest: &str) -> String {
    format!("/api/v1/venues/{VENUE}{rest}")
}

/// `POST` to the demo venue's `collection`: the created resource.
async fn create(admin: &Staff, collection: &str, body: Value) -> Value {
    admin.post(&path(collection), body).await.expect(201)
}

/// `PATCH` one resource of the demo venue's `collection`.
async fn change(admin: &Staff, collection: &str, resource: &Value, body: Value) {
    let id = resource["id"].as_str().expect("id");
    admin
        .patch(&path(&format!("{collection}/{id}")), body)
        .await
        .expect(200);
}

fn names(products: &Value) -> Vec<&str> {
    products
        .as_array()
        .expect("products")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect()
}

#[actix_web::test]
async fn the_menu_shows_active_categories_in_display_order_with_their_active_products() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // The demo venue's categories, as its seed named them: food (0), drinks (1).
    let desserts = create(
        &admin,
        "/categories",
        json!({ "name": "Desserts", "position": 0 }),
    )
    .await;
    change(&admin, "/categories", &desserts, json!({ "position": 5 })).await;
    let tiramisu = create(
        &admin,
        "/products",
        json!({ "name": "Tiramisu", "unit": "pz", "price": 6.5, "category_id": desserts["id"], "allergens": ["milk", "eggs", "gluten"] }),
    )
    .await;
    assert_eq!(tiramisu["category"], "Desserts");
    assert_eq!(tiramisu["allergens"], json!(["gluten", "eggs", "milk"]));
    create(
        &admin,
        "/products",
        json!({ "name": "Panna cotta", "unit": "pz", "price": 6.0, "category": "Desserts" }),
    )
    .await;
    let retired = create(
        &admin,
        "/products",
        json!({ "name": "Affogato", "unit": "pz", "price": 5.0, "category": "Desserts" }),
    )
    .await;
    change(&admin, "/products", &retired, json!({ "active": false })).await;
    create(
        &admin,
        "/products",
        json!({ "name": "Service", "unit": "pz", "price": 2.0, "stock_tracked": false }),
    )
    .await;
    let hidden = create(&admin, "/categories", json!({ "name": "Staff meals" })).await;
    create(
        &admin,
        "/products",
        json!({ "name": "Family meal", "unit": "pz", "price": 0, "category_id": hidden["id"] }),
    )
    .await;
    change(&admin, "/categories", &hidden, json!({ "active": false })).await;

    let menu = app.waiter().await.get("/api/v1/menu").await.expect(200);
    let sections: Vec<&str> = menu["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(sections, ["food", "drinks", "Desserts"]);
    assert_eq!(
        names(&menu["categories"][0]["products"]),
        ["Fries", "House Burger"]
    );
    assert_eq!(
        names(&menu["categories"][2]["products"]),
        ["Panna cotta", "Tiramisu"]
    );
    assert_eq!(
        menu["categories"][2]["products"][1]["allergens"],
        json!(["gluten", "eggs", "milk"])
    );
    assert_eq!(names(&menu["uncategorized"]), ["Service"]);
    // Categories themselves are listed whole, inactive ones too, in display order.
    let all = admin.get(&path("/categories")).await.expect(200);
    assert_eq!(all.as_array().expect("list").len(), 4);
    assert_eq!(all[3]["name"], "Staff meals");
}

#[actix_web::test]
async fn a_category_named_by_two_products_is_created_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for name in ["Espresso", "Cappuccino"] {
        admin
            .post(
                &path("/products"),
                json!({ "name": name, "unit": "pz", "price": 2.0, "category": "Coffee" }),
            )
            .await
            .expect(201);
    }
    let categories = admin.get(&path("/categories")).await.expect(200);
    let coffee: Vec<&Value> = categories
        .as_array()
        .expect("list")
        .iter()
        .filter(|c| c["name"] == "Coffee")
        .collect();
    assert_eq!(coffee.len(), 1);
    assert_eq!(coffee[0]["position"], 2, "after food and drinks");
    admin
        .post(&path("/categories"), json!({ "name": "Coffee" }))
        .await
        .expect_problem(409, "duplicate_category");
}

#[actix_web::test]
async fn a_product_naming_an_unknown_category_id_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = app.count("SELECT count(*) FROM products").await;
    let categories = app.count("SELECT count(*) FROM categories").await;
    let version = app.integers("SELECT menu_version FROM venues").await;
    admin
        .post(
            &path("/products"),
            json!({ "name": "Ghost", "unit": "pz", "price": 1.0, "category_id": crate::support::new_uuid() }),
        )
        .await
        .expect_problem(422, "invalid_reference");
    admin
        .post(
            &path("/products"),
            json!({ "name": "Ghost", "unit": "pz", "price": 1.0, "allergens": ["kryptonite"] }),
        )
        .await
        .expect_problem(400, "invalid_body");
    admin
        .post(
            &path("/products"),
            json!({ "name": "Ghost", "unit": "pz", "price": 1.0, "category": "x".repeat(101) }),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(app.count("SELECT count(*) FROM products").await, before);
    assert_eq!(
        app.count("SELECT count(*) FROM categories").await,
        categories
    );
    assert_eq!(
        app.integers("SELECT menu_version FROM venues").await,
        version
    );
}

#[actix_web::test]
async fn the_menu_is_not_modified_until_it_changes_and_then_has_a_new_etag() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let first = waiter.get("/api/v1/menu").await;
    assert_eq!(first.status.as_u16(), 200);
    let etag = first.header("etag").to_owned();
    assert_eq!(etag, format!("\"menu-{}\"", first.body["version"]));
    assert_eq!(first.header("cache-control"), "private, no-cache");
    assert_eq!(first.header("vary"), "Authorization, X-Venue-Id");

    let again = waiter
        .get_with("/api/v1/menu", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(again.status.as_u16(), 304);
    assert_eq!(again.header("etag"), etag);
    assert_eq!(again.body, Value::Null, "no body");
    let any = waiter
        .get_with("/api/v1/menu", &[("If-None-Match", "*")])
        .await;
    assert_eq!(any.status.as_u16(), 304, "`*` matches the current menu");

    // Any change to what the menu shows moves the version on.
    let fries = admin.get(&path("/products")).await.expect(200);
    let fries = fries
        .as_array()
        .expect("list")
        .iter()
        .find(|p| p["name"] == "Fries")
        .expect("fries")
        .clone();
    admin
        .patch(
            &path(&format!("/products/{}", fries["id"].as_str().expect("id"))),
            json!({ "price": 4.75 }),
        )
        .await
        .expect(200);
    let changed = waiter
        .get_with("/api/v1/menu", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(changed.status.as_u16(), 200);
    assert_ne!(changed.header("etag"), etag);
    // At least the time in milliseconds: never a number handed out before a restore.
    let version = changed.body["version"].as_i64().expect("version");
    assert!(version > 1_700_000_000_000, "{version}");
    let food = &changed.body["categories"][0]["products"];
    assert_eq!(food[0]["name"], "Fries");
    assert_eq!(food[0]["price"], 4.75);
}
