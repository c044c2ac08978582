//! Modifier groups (DESIGN §9): a steak offers "Cooking" (choose one) and "Extras" (up to
//! two, priced). The menu shows them; a line chooses options by id, is refused whole
//! when its choice breaks a group's rules, and keeps the names and prices it was sold at.

use serde_json::{Value, json};

use crate::support::{Staff, TestApp, VENUE};

fn path(rest: &str) -> String {
    format!("/api/v1/venues/{VENUE}{rest}")
}

/// The steak and its two groups, as an admin sets them up.
struct Steak {
    product: Value,
    cooking: Value,
    extras: Value,
}

impl Steak {
    async fn on_the_menu(admin: &Staff) -> Steak {
        let cooking = admin
            .post(
                &path("/modifier-groups"),
                json!({ "name": "Cooking", "required": true,
                        "options": [{ "name": "Rare" }, { "name": "Medium" }, { "name": "Well done" }] }),
            )
            .await
            .expect(201);
        let extras = admin
            .post(
                &path("/modifier-groups"),
                json!({ "name": "Extras", "max_choices": 2, "options": [
                    { "name": "Bacon", "price_delta": 1.5 },
                    { "name": "Cheese", "price_delta": 1.0, "allergens": ["milk"] },
                    { "name": "Truffle", "price_delta": 4.0 },
                    { "name": "No sauce", "price_delta": -0.5 } ] }),
            )
            .await
            .expect(201);
        let product = admin
            .post(
                &path("/products"),
                json!({ "name": "Steak", "unit": "pz", "price": 20.0, "category": "Grill",
                        "stock_tracked": false,
                        "modifier_group_ids": [cooking["id"], extras["id"]] }),
            )
            .await
            .expect(201);
        Steak {
            product,
            cooking,
            extras,
        }
    }

    /// The id of the option named `name` in `group`.
    fn option(group: &Value, name: &str) -> Value {
        group["options"]
            .as_array()
            .expect("options")
            .iter()
            .find(|o| o["name"] == name)
            .map(|o| o["id"].clone())
            .unwrap_or_else(|| panic!("no option {name}"))
    }

    fn line(&self, options: Value) -> Value {
        json!([{ "product_id": self.product["id"], "quantity": 2, "options": options }])
    }
}

fn on_menu<'a>(menu: &'a Value, name: &str) -> &'a Value {
    menu["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .flat_map(|c| c["products"].as_array().expect("products"))
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not on the menu"))
}

#[actix_web::test]
async fn a_waiter_orders_a_steak_medium_with_bacon_and_cheese_priced_into_the_line() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let steak = Steak::on_the_menu(&admin).await;
    assert_eq!(
        steak.product["modifier_group_ids"],
        json!([steak.cooking["id"], steak.extras["id"]])
    );
    assert_eq!(steak.cooking["required"], true);
    assert_eq!(steak.cooking["min_choices"], 1);
    assert_eq!(steak.extras["required"], false);
    let truffle = Steak::option(&steak.extras, "Truffle");
    admin
        .patch(
            &path(&format!(
                "/modifier-groups/{}/options/{}",
                crate::support::id(&steak.extras["id"]),
                crate::support::id(&truffle)
            )),
            json!({ "active": false }),
        )
        .await
        .expect(200);

    // The menu names the steak's groups in its order, and lists each group once, with
    // its active options only.
    let menu = admin.get(&path("/menu")).await.expect(200);
    let shown = on_menu(&menu, "Steak");
    assert_eq!(
        shown["modifier_group_ids"],
        json!([steak.cooking["id"], steak.extras["id"]])
    );
    let groups = menu["modifier_groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2, "by name: {groups:?}");
    assert_eq!(groups[0]["name"], "Cooking");
    assert_eq!(groups[0]["required"], true);
    let extras: Vec<(&str, f64, &Value)> = groups[1]["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| {
            let delta = o["price_delta"].as_f64().expect("delta");
            (o["name"].as_str().expect("name"), delta, &o["allergens"])
        })
        .collect();
    assert_eq!(
        extras,
        [
            ("Bacon", 1.5, &json!([])),
            ("Cheese", 1.0, &json!(["milk"])),
            ("No sauce", -0.5, &json!([]))
        ]
    );

    let waiter = app.waiter().await;
    let medium = Steak::option(&steak.cooking, "Medium");
    let bacon = Steak::option(&steak.extras, "Bacon");
    let cheese = Steak::option(&steak.extras, "Cheese");
    let order = waiter
        .open_order(None, steak.line(json!([cheese, medium, bacon])))
        .await;
    let line = &order["items"][0];
    assert_eq!(line["unit_price"], 22.5, "20.00 + 1.50 + 1.00");
    assert_eq!(line["line_total"], 45.0);
    assert_eq!(order["total"], 45.0);
    let chosen: Vec<(&str, &str, f64)> = line["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| {
            (
                o["group_name"].as_str().expect("group"),
                o["option_name"].as_str().expect("option"),
                o["price_delta"].as_f64().expect("delta"),
            )
        })
        .collect();
    assert_eq!(
        chosen,
        [
            ("Cooking", "Medium", 0.0),
            ("Extras", "Bacon", 1.5),
            ("Extras", "Cheese", 1.0)
        ],
        "in the groups' order"
    );

    // Repricing bacon changes the menu, not what was sold.
    admin
        .patch(
            &path(&format!(
                "/modifier-groups/{}/options/{}",
                crate::support::id(&steak.extras["id"]),
                crate::support::id(&bacon)
            )),
            json!({ "name": "Smoked bacon", "price_delta": 2.0 }),
        )
        .await
        .expect(200);
    let sold = waiter
        .get(&path(&format!(
            "/orders/{}",
            crate::support::id(&order["id"])
        )))
        .await
        .expect(200);
    assert_eq!(sold["items"][0]["options"][1]["option_name"], "Bacon");
    assert_eq!(sold["items"][0]["unit_price"], 22.5);
    waiter
        .set_status(&order["id"], "confirmed")
        .await
        .expect(200);
    let kitchen = app.kitchen().await;
    let board = kitchen
        .get(&path("/orders/kitchen-display"))
        .await
        .expect(200);
    assert_eq!(board[0]["items"][0]["options"][0]["option_name"], "Medium");

    // A "no sauce" discount prices below the product, and the seed's free-form
    // modifiers still work on a product without groups.
    let rare = Steak::option(&steak.cooking, "Rare");
    let no_sauce = Steak::option(&steak.extras, "No sauce");
    let cheaper = waiter
        .open_order(None, steak.line(json!([rare, no_sauce])))
        .await;
    assert_eq!(cheaper["items"][0]["unit_price"], 19.5);
    let burger = waiter
        .get(&path("/products"))
        .await
        .expect(200)
        .as_array()
        .expect("products")
        .iter()
        .find(|p| p["sku"] == "BURGER-001")
        .cloned()
        .expect("demo burger");
    let free_form = waiter
        .open_order(
            None,
            json!([{ "product_id": burger["id"], "quantity": 1, "modifiers": { "cooking": "medium-rare" } }]),
        )
        .await;
    assert_eq!(free_form["items"][0]["modifiers"]["cooking"], "medium-rare");
    assert_eq!(free_form["items"][0]["options"], json!([]));
}

#[actix_web::test]
async fn a_line_whose_options_break_the_rules_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let steak = Steak::on_the_menu(&admin).await;
    let other = admin
        .post(
            &path("/modifier-groups"),
            json!({ "name": "Sauce", "options": [{ "name": "Pepper" }] }),
        )
        .await
        .expect(201);
    let option = |group: &Value, name: &str| Steak::option(group, name);
    let (rare, medium) = (
        option(&steak.cooking, "Rare"),
        option(&steak.cooking, "Medium"),
    );
    let (bacon, cheese, truffle) = (
        option(&steak.extras, "Bacon"),
        option(&steak.extras, "Cheese"),
        option(&steak.extras, "Truffle"),
    );
    let burger_line = json!([{ "product_id": admin.create_product("PLAIN-1", 10.0).await["id"],
                               "quantity": 1, "options": [rare] }]);
    let waiter = app.waiter().await;
    let open = waiter.open_order(None, steak.line(json!([rare]))).await;
    let before = app.footprint().await;

    let refused = [
        (steak.line(json!([])), "Cooking: choose at least 1"),
        (
            steak.line(json!([rare, medium])),
            "Cooking: choose at most 1",
        ),
        (
            steak.line(json!([rare, bacon, cheese, truffle])),
            "Extras: choose at most 2",
        ),
        (steak.line(json!([rare, rare])), "is chosen twice"),
        (
            steak.line(json!([rare, option(&other, "Pepper")])),
            "is not offered with this product",
        ),
        (
            steak.line(json!([rare, crate::support::new_uuid()])),
            "is not offered with this product",
        ),
        (
            json!([{ "product_id": steak.product["id"], "quantity": 1, "options": [rare],
                     "modifiers": { "cooking": "rare" } }]),
            "takes options from its modifier groups",
        ),
        (burger_line, "has no modifier groups"),
    ];
    for (items, why) in refused {
        let problem = waiter
            .post(
                &path("/orders"),
                json!({ "covers": 1, "items": items.clone() }),
            )
            .await
            .expect_problem(422, "validation_failed");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.contains(why), "{detail} should say {why}");
        waiter
            .post(
                &path(&format!(
                    "/orders/{}/items",
                    crate::support::id(&open["id"])
                )),
                json!({ "items": items }),
            )
            .await
            .expect_problem(422, "validation_failed");
    }
    assert_eq!(app.footprint().await, before, "nothing was written");
}

#[actix_web::test]
async fn modifier_groups_are_checked_when_written_and_every_change_moves_the_menu_on() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let steak = Steak::on_the_menu(&admin).await;
    let groups = path("/modifier-groups");
    let cooking = format!("{groups}/{}", crate::support::id(&steak.cooking["id"]));
    let before = app.footprint().await;

    for (body, why) in [
        (
            json!({ "name": "A", "required": true, "min_choices": 0, "options": [{ "name": "x" }] }),
            "disagree",
        ),
        (json!({ "name": "A", "max_choices": 0 }), "max_choices"),
        (
            json!({ "name": "A", "min_choices": 3, "max_choices": 2 }),
            "min_choices",
        ),
        (json!({ "name": "A", "required": true }), "active options"),
        (json!({ "name": " " }), "name"),
        (
            json!({ "name": "A", "options": [{ "name": "x", "price_delta": 1000000 }] }),
            "price_delta",
        ),
    ] {
        let problem = admin
            .post(&groups, body)
            .await
            .expect_problem(422, "validation_failed");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.contains(why), "{detail} should say {why}");
    }
    admin
        .post(
            &groups,
            json!({ "name": "A", "options": [{ "name": "x" }, { "name": "x" }] }),
        )
        .await
        .expect_problem(409, "duplicate_option");
    admin
        .post(&format!("{cooking}/options"), json!({ "name": "Rare" }))
        .await
        .expect_problem(409, "duplicate_option");
    // Cooking needs one active option: the last one cannot go.
    for name in ["Rare", "Medium"] {
        let id = Steak::option(&steak.cooking, name);
        admin
            .patch(
                &format!("{cooking}/options/{}", crate::support::id(&id)),
                json!({ "active": false }),
            )
            .await
            .expect(200);
    }
    let well_done = Steak::option(&steak.cooking, "Well done");
    admin
        .patch(
            &format!("{cooking}/options/{}", crate::support::id(&well_done)),
            json!({ "active": false }),
        )
        .await
        .expect_problem(422, "validation_failed");
    let product = path(&format!(
        "/products/{}",
        crate::support::id(&steak.product["id"])
    ));
    let unknown = crate::support::new_uuid();
    admin
        .patch(&product, json!({ "modifier_group_ids": [unknown] }))
        .await
        .expect_problem(422, "invalid_reference");
    admin
        .patch(
            &product,
            json!({ "modifier_group_ids": [steak.cooking["id"], steak.cooking["id"]] }),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(app.footprint().await, before, "refusals write nothing");
    let menu = admin.get(&path("/menu")).await.expect(200);
    assert_eq!(menu["modifier_groups"][0]["id"], steak.cooking["id"]);
    let doneness = &menu["modifier_groups"][0]["options"];
    assert_eq!(doneness.as_array().map(Vec::len), Some(1), "{doneness}");
    assert_eq!(doneness[0]["name"], "Well done");

    // Every accepted change is a new menu version.
    let etag = |reply: &crate::support::Reply| reply.header("etag").to_owned();
    let first = etag(&admin.get(&path("/menu")).await);
    admin
        .patch(&cooking, json!({ "name": "Doneness" }))
        .await
        .expect(200);
    let renamed = etag(&admin.get(&path("/menu")).await);
    assert_ne!(first, renamed);
    admin
        .patch(&product, json!({ "modifier_group_ids": [] }))
        .await
        .expect(200);
    let menu = admin.get(&path("/menu")).await;
    assert_ne!(etag(&menu), renamed);
    let menu = menu.expect(200);
    assert_eq!(on_menu(&menu, "Steak")["modifier_group_ids"], json!([]));
    assert_eq!(menu["modifier_groups"], json!([]), "no product offers one");
    let listed = admin.get(&groups).await.expect(200);
    let names: Vec<&str> = listed
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Doneness", "Extras"], "by name, detached ones kept");
}
