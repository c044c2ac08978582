//! The edges that hold on the internet (#20, DESIGN §11): who sees cost prices, the
//! characters names and notes may hold, response headers, CORS.

use serde_json::json;

use crate::store::TestDb;
use crate::support::{TestApp, VENUE, id};

#[actix_web::test]
async fn a_waiter_and_the_kitchen_see_no_cost_prices_and_a_manager_does() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let product = admin.create_product("COST-1", 9.0).await;
    admin
        .create_lot(&product["id"], "LOT-COST", 10.0, None)
        .await;
    let product_path = format!("/api/v1/products/{}", id(&product["id"]));

    for staff in [app.waiter().await, app.kitchen().await] {
        let seen = staff.get(&product_path).await.expect(200);
        assert!(seen.get("cost").is_none(), "{seen}");
        assert_eq!(seen["price"], 9.0);
        let listed = staff.get("/api/v1/products").await.expect(200);
        assert!(!listed.to_string().contains("\"cost\""), "{listed}");
        let lots = staff.get("/api/v1/lots").await.expect(200);
        assert!(!lots.to_string().contains("cost_per_unit"), "{lots}");
    }
    let manager = app.manager().await;
    assert!(manager.get(&product_path).await.expect(200)["cost"].is_number());
    let lots = manager.get("/api/v1/lots").await.expect(200);
    assert!(lots.to_string().contains("cost_per_unit"), "{lots}");
}

#[actix_web::test]
async fn a_name_with_a_bidirectional_override_is_refused_and_a_note_keeps_its_line_breaks() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = app.footprint().await;
    for name in [
        "Burger\u{202E}reggub",
        "Table\u{2066}7",
        "Two\nlines",
        "Bell\u{7}",
    ] {
        let refused = admin
            .post("/api/v1/tables", json!({ "name": name, "seats": 2 }))
            .await
            .expect_problem(422, "validation_failed");
        assert!(
            refused["detail"]
                .as_str()
                .is_some_and(|d| d.contains("name")),
            "{refused}"
        );
        admin
            .post(
                &format!("/api/v1/venues/{VENUE}/products"),
                json!({ "name": name, "sku": "BIDI-1", "unit": "pz", "price": 5.0 }),
            )
            .await
            .expect_problem(422, "validation_failed");
    }
    assert_eq!(app.footprint().await, before, "nothing written");

    let product = admin.create_product("NOTE-1", 5.0).await;
    let waiter = app.waiter().await;
    let note = "no onions\n\textra sauce";
    let order = waiter
        .open_order(
            None,
            json!([{ "product_id": product["id"], "quantity": 1, "notes": note }]),
        )
        .await;
    assert_eq!(order["items"][0]["notes"], note);
    waiter
        .post(
            "/api/v1/orders",
            json!({ "items": [{ "product_id": product["id"], "quantity": 1, "notes": "fine\u{202D}" }] }),
        )
        .await
        .expect_problem(422, "validation_failed");
}

#[actix_web::test]
async fn api_answers_are_never_stored_nor_sniffed_and_the_menu_is_revalidated() {
    let app = TestApp::spawn().await;
    let waiter = app.waiter().await;
    for reply in [
        waiter.get("/api/v1/tables").await,
        app.anonymous().get("/api/v1/tables").await,
        waiter.get("/api/v1/no-such-route").await,
    ] {
        assert_eq!(
            reply.header("cache-control"),
            "no-store",
            "{}",
            reply.status
        );
        assert_eq!(reply.header("x-content-type-options"), "nosniff");
    }
    let menu = waiter.get("/api/v1/menu").await;
    assert_eq!(menu.header("cache-control"), "private, no-cache");
    assert_eq!(menu.header("x-content-type-options"), "nosniff");
}

async fn preflight(base: &str, origin: &str) -> awc::ClientResponse {
    awc::Client::new()
        .request(awc::http::Method::OPTIONS, format!("{base}/api/v1/orders"))
        .insert_header(("Origin", origin))
        .insert_header(("Access-Control-Request-Method", "POST"))
        .insert_header((
            "Access-Control-Request-Headers",
            "authorization,content-type,idempotency-key",
        ))
        .send()
        .await
        .expect("answered")
}

#[actix_web::test]
async fn a_browser_on_an_allowed_origin_may_call_the_api_and_one_on_another_may_not() {
    let app = TestApp::start_with(TestDb::from_template().await, |args| {
        args.cors_origins = vec!["https://pos.example.com".to_owned()];
    })
    .await;
    let allowed = preflight(&app.base, "https://pos.example.com").await;
    assert!(allowed.status().is_success(), "{}", allowed.status());
    let header = |r: &awc::ClientResponse, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        "https://pos.example.com"
    );
    assert!(
        header(&allowed, "access-control-allow-headers")
            .to_ascii_lowercase()
            .contains("idempotency-key")
    );
    let refused = preflight(&app.base, "https://evil.example").await;
    assert_eq!(header(&refused, "access-control-allow-origin"), "");
    assert!(!refused.status().is_success(), "{}", refused.status());

    // A real request from the allowed origin says so and exposes the headers clients read.
    let waiter = app.waiter().await;
    let tables = waiter
        .get_with("/api/v1/tables", &[("Origin", "https://pos.example.com")])
        .await;
    assert_eq!(
        tables.header("access-control-allow-origin"),
        "https://pos.example.com"
    );
    assert!(
        tables
            .header("access-control-expose-headers")
            .to_ascii_lowercase()
            .contains("x-request-id")
    );
}

#[actix_web::test]
async fn an_order_stops_at_two_hundred_lines_whatever_the_rounds_and_large_modifiers_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let product = admin.create_product("LINES-1", 1.0).await;
    let round = |n: usize| json!({ "items": vec![json!({ "product_id": product["id"], "quantity": 1 }); n] });
    let order = waiter.post("/api/v1/orders", round(150)).await.expect(201);
    let items = format!("/api/v1/orders/{}/items", id(&order["id"]));
    waiter.post(&items, round(50)).await.expect(201);
    let before = app.footprint().await;
    let refused = waiter
        .post(&items, round(1))
        .await
        .expect_problem(422, "validation_failed");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("200 lines")),
        "{refused}"
    );
    assert_eq!(app.footprint().await, before, "nothing written");

    let big = "x".repeat(3000);
    waiter
        .post(
            "/api/v1/orders",
            json!({ "items": [{ "product_id": product["id"], "quantity": 1, "modifiers": { "note": big } }] }),
        )
        .await
        .expect_problem(422, "validation_failed");
}

#[actix_web::test]
async fn a_user_past_their_request_rate_gets_429_and_others_are_still_served() {
    let app = TestApp::start_with(TestDb::from_template().await, |args| {
        args.rate_reads_per_minute = 5;
        args.rate_writes_per_minute = 2;
    })
    .await;
    let waiter = app.waiter().await;
    for _ in 0..5 {
        waiter.get("/api/v1/tables").await.expect(200);
    }
    let limited = waiter.get("/api/v1/tables").await;
    let wait: u64 = limited.header("retry-after").parse().expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    limited.expect_problem(429, "rate_limited");
    // Writes are counted apart: a ticket is still issued.
    waiter
        .post("/api/v1/ws/ticket", json!({}))
        .await
        .expect(201);
    waiter
        .post("/api/v1/ws/ticket", json!({}))
        .await
        .expect(201);
    waiter
        .post("/api/v1/ws/ticket", json!({}))
        .await
        .expect_problem(429, "rate_limited");
    // The kitchen keeps working.
    app.kitchen()
        .await
        .get("/api/v1/orders/kitchen-display")
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_login_gets_its_screens_and_no_more_a_flooding_screen_is_closed_and_a_long_resume_reloads()
 {
    use crate::kds::{Incoming, Kds, ticket};
    let app = TestApp::start_with(TestDb::from_template().await, |args| {
        args.realtime.ws_connections_per_user = 2;
        args.realtime.ws_frames_per_second = 5;
        args.realtime.ws_max_replay = 3;
    })
    .await;
    let kitchen = app.kitchen().await;
    let mut first = Kds::connect(&app.base, &kitchen.token).await;
    let second = Kds::connect(&app.base, &kitchen.token).await;
    // A third screen on the same login is refused before the upgrade.
    let third = ticket(&app.base, &kitchen.token).await;
    let refused = awc::Client::new()
        .ws(format!(
            "{}/api/v1/ws?ticket={third}",
            app.base.replacen("http", "ws", 1)
        ))
        .connect()
        .await;
    match refused {
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => {
            assert_eq!(status.as_u16(), 429)
        }
        other => panic!(
            "a third screen is refused 429: {:?}",
            other.map(|(r, _)| r.status())
        ),
    }
    // Another account is not affected; and a closed screen frees its place.
    let waiter = app.waiter().await;
    Kds::connect(&app.base, &waiter.token).await.close().await;
    second.close().await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut again = Kds::connect(&app.base, &kitchen.token).await;

    // Far behind: five events missed with a replay bound of three.
    let admin = app.admin().await;
    let product = admin.create_product("WS-CAP", 1.0).await;
    let joined = again.join(VENUE, None).await;
    let start = joined["seq"].as_i64().expect("seq");
    let waiter_staff = app.waiter().await;
    for _ in 0..5 {
        waiter_staff.order_one(&product, None).await;
    }
    let resumed = first.join(VENUE, Some(start)).await;
    assert_eq!(resumed["recovered"], false, "{resumed}");
    let near = Kds::connect(&app.base, &waiter.token).await;
    let mut near = near;
    let close_by = near.join(VENUE, Some(start + 3)).await;
    assert_eq!(close_by["recovered"], true, "{close_by}");

    // A screen sending more than five frames a second is closed with 1008.
    let mut sent = 0;
    let closed = loop {
        sent += 1;
        assert!(sent <= 200, "still open after 200 frames");
        again.send(json!({ "type": "ping" })).await;
        if let Some(Incoming::Closed(code)) = again.recv(std::time::Duration::from_millis(5)).await
        {
            break code;
        }
    };
    assert_eq!(closed, Some(1008));
}
