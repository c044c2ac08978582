//! The operator's view (#19, DESIGN §11): the detailed health behind the operator
//! token, its figures, kitchen alerts raised once across instances, the metrics
//! summary and statement statistics, and `brigade smoke` against a running server.

use std::time::Duration;

use serde_json::{Value, json};

use crate::health::ago;
use crate::store::{Backend, TestDb, backend};
use crate::support::{TestApp, VENUE, id};

const TOKEN: &str = "operator-token-for-the-tests-0123456789abcdef";
const BEARER: &str = "Bearer operator-token-for-the-tests-0123456789abcdef";

async fn with_operator_token() -> TestApp {
    TestApp::start_with(TestDb::from_template().await, |args| {
        args.operator.operator_token = Some(TOKEN.to_owned());
    })
    .await
}

#[actix_web::test]
async fn the_detailed_health_is_the_operators_and_names_no_venue_to_anyone_else() {
    let app = with_operator_token().await;
    // A kitchen screen is connected: the detailed view would list its venue.
    let waiter = app.waiter().await;
    let mut screen = app.kds(&waiter).await;
    screen.join(VENUE, None).await;

    let anyone = app.anonymous().get("/health").await;
    assert_eq!(anyone.status.as_u16(), 200);
    assert_eq!(anyone.body, json!({ "status": "ok" }));
    let staff = waiter.get("/health").await.expect(200);
    assert_eq!(
        staff,
        json!({ "status": "ok" }),
        "a venue role is no operator"
    );
    let wrong = app
        .anonymous()
        .get_with("/health", &[("authorization", "Bearer not-the-token")])
        .await
        .expect(200);
    assert!(!wrong.to_string().contains(VENUE), "{wrong}");

    let detailed = app
        .anonymous()
        .get_with("/health", &[("authorization", BEARER)])
        .await
        .expect(200);
    let components = &detailed["components"];
    assert!(
        components["database"]["response_time_ms"]
            .as_f64()
            .is_some(),
        "{detailed}"
    );
    let system = &components["system"];
    for figure in ["cpu_percent", "memory_percent", "memory_total_bytes"] {
        assert!(system[figure].is_number(), "{figure} in {system}");
    }
    assert!(system["disk"]["percent"].is_number(), "{system}");
    assert_eq!(components["websocket"]["connections"], 1);
    assert!(components["websocket"]["venues"][VENUE].is_number());
    assert_eq!(
        components["kitchen"]["status"], "ok",
        "an idle kitchen is healthy"
    );
    assert_eq!(detailed["version"], env!("CARGO_PKG_VERSION"));

    // The operator routes: refused without the token, whatever the staff token.
    for path in ["/api/v1/operator/metrics", "/api/v1/operator/queries"] {
        waiter
            .get(path)
            .await
            .expect_problem(401, "operator_required");
        app.anonymous()
            .get(path)
            .await
            .expect_problem(401, "operator_required");
    }
    let live = app.anonymous().get("/health/live").await.expect(200);
    assert_eq!(live["version"], env!("CARGO_PKG_VERSION"));
}

#[actix_web::test]
async fn every_response_says_how_long_it_took() {
    let app = TestApp::spawn().await;
    let waiter = app.waiter().await;
    for reply in [
        app.anonymous().get("/health/live").await,
        app.anonymous().get("/api/v1/tables").await,
        waiter.get("/api/v1/tables").await,
        waiter.get("/api/v1/no-such-route").await,
    ] {
        let took = reply.header("x-response-time");
        let ms: f64 = took
            .strip_suffix("ms")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("X-Response-Time {took:?} on a {}", reply.status));
        assert!(ms >= 0.0);
    }
}

#[actix_web::test]
async fn the_kitchen_turns_attention_then_critical_by_each_venues_threshold() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let product = admin.create_product("OPS-1", 5.0).await;
    let order = waiter.ready_order(&kitchen, &product, 1.0).await;
    let back_to_the_stove = |minutes: i64| {
        format!(
            "UPDATE orders SET status = 'preparing', ready_at = NULL, kitchen_started_at = '{}' WHERE id = '{}'",
            ago(minutes),
            id(&order["id"])
        )
    };
    let kitchen_of = async |app: &TestApp| {
        app.anonymous().get("/health").await.expect(200)["components"]["kitchen"].clone()
    };
    // The venue allows 20 minutes: 25 is attention, 45 critical.
    app.exec(&back_to_the_stove(25)).await;
    assert_eq!(kitchen_of(&app).await["status"], "attention");
    app.exec(&back_to_the_stove(45)).await;
    let health = kitchen_of(&app).await;
    assert_eq!(health["status"], "critical", "{health}");
    assert_eq!(health["critical_in_preparing"], 1);
    // A venue that allows an hour: 45 minutes is fine.
    admin
        .patch(
            &format!("/api/v1/venues/{VENUE}"),
            json!({ "stuck_after_minutes": 60 }),
        )
        .await
        .expect(200);
    assert_eq!(kitchen_of(&app).await["status"], "ok");
}

#[actix_web::test]
async fn a_stuck_order_is_alerted_exactly_once_with_two_instances_scanning() {
    // Instance A serves this test; instances B and C are `brigade serve` processes on
    // the same database, each scanning every second.
    let app = TestApp::spawn().await;
    let channel = format!("brigade-test:{}", crate::support::new_uuid());
    let mut scanners = Vec::new();
    for _ in 0..2 {
        let mut command =
            crate::support::instance_command(&app.db, &crate::support::shared_redis(), &channel);
        command.env("BRIGADE_KITCHEN_ALERT_SECS", "1");
        scanners.push(crate::support::Served::spawn(command).await);
    }
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let product = admin.create_product("OPS-2", 5.0).await;
    let order = waiter.ready_order(&kitchen, &product, 1.0).await;
    let mut screen = app.kds(&kitchen).await;
    screen.join(VENUE, None).await;
    app.exec(&format!(
        "UPDATE orders SET status = 'preparing', ready_at = NULL, kitchen_started_at = '{}' WHERE id = '{}'",
        ago(30),
        id(&order["id"])
    ))
    .await;
    // And two scans at the same moment, by hand, on two pools.
    let other = brigade_app::server::brigade(&app.db.store, 2).expect("store");
    let (a, b) = tokio::join!(
        app.brigade.raise_kitchen_alerts(),
        other.raise_kitchen_alerts()
    );
    assert!(a.expect("scan") + b.expect("scan") <= 1);
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let alerts = app
        .count("SELECT count(*) FROM events WHERE event_type = 'kitchen_alert'")
        .await;
    assert_eq!(alerts, 1, "one alert for one stuck order");
    let event = loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), screen.next_json())
            .await
            .expect("the alert reaches the screen");
        if frame["type"] == "kitchen_alert" {
            break frame;
        }
    };
    assert_eq!(event["data"]["code"], "order_stuck");
    assert_eq!(event["data"]["order_id"], order["id"]);
    assert_eq!(event["data"]["severity"], "warning");
    assert!(
        event["data"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("preparing for 30 minutes")),
        "{event}"
    );
}

async fn metrics(app: &TestApp) -> Value {
    app.anonymous()
        .get("/api/v1/operator/metrics")
        .await
        .expect(200)
}

#[actix_web::test]
async fn the_operator_metrics_count_the_orders_and_takings_the_test_made() {
    // No operator token configured: the host itself (loopback) is the operator.
    let app = TestApp::spawn().await;
    let before = metrics(&app).await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let product = admin.create_product("OPS-3", 12.5).await;
    let paid = waiter.order_one(&product, None).await;
    waiter.order_one(&product, None).await;
    waiter
        .post(
            &format!("/api/v1/orders/{}/payments", id(&paid["id"])),
            json!({ "method": "card", "tip": 2.0 }),
        )
        .await
        .expect(201);
    waiter.get("/api/v1/no-such-route").await.expect(404);

    let after = metrics(&app).await;
    let count = |m: &Value| m["orders"]["count_today"].as_i64().unwrap_or(-1);
    assert_eq!(count(&after) - count(&before), 2, "{after}");
    let takings = |m: &Value| {
        m["orders"]["revenue_today"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["currency"] == "EUR"))
            .map_or(0, |r| r["amount_minor"].as_i64().unwrap_or(0))
    };
    assert_eq!(
        takings(&after) - takings(&before),
        1250,
        "the tip is not takings"
    );
    let api = &after["api"];
    assert!(api["requests_per_hour"].as_u64().unwrap_or(0) >= 8, "{api}");
    assert!(api["client_errors_per_hour"].as_u64().unwrap_or(0) >= 1);
    assert!(api["response_time_ms"]["p95"].as_f64().is_some());
    assert_eq!(after["websocket"]["active_connections"], 0);
    let mut screen = crate::kds::Kds::connect(&app.base, &app.kitchen().await.token).await;
    screen.join(VENUE, None).await;
    assert_eq!(
        metrics(&app).await["websocket"]["active_connections"],
        1,
        "a kitchen screen joined"
    );
}

#[actix_web::test]
async fn the_statement_statistics_name_patterns_without_their_values() {
    let app = TestApp::spawn().await;
    let waiter = app.waiter().await;
    waiter.get("/api/v1/tables").await.expect(200);
    let reply = app.anonymous().get("/api/v1/operator/queries").await;
    if backend() == Backend::Postgres {
        // The shared server has no pg_stat_statements loaded: said so, with the way.
        let problem = reply.expect_problem(503, "query_stats_unavailable");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("shared_preload_libraries"))
        );
        let pg = crate::health::PrivatePostgres::start_with(
            "-c shared_preload_libraries=pg_stat_statements",
        );
        let store = brigade_app::config::StoreConfig::Postgres(pg.url());
        brigade_app::server::migrate(&store)
            .await
            .expect("migrates");
        let created = std::process::Command::new("psql")
            .args(["-q", &pg.url(), "-c", "CREATE EXTENSION pg_stat_statements"])
            // The migrations aside: what the service runs is what is listed.
            .args(["-c", "SELECT pg_stat_statements_reset()"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(created, "CREATE EXTENSION pg_stat_statements");
        let brigade = brigade_app::server::brigade(&store, 1).expect("store");
        brigade.kitchen_health().await.expect("a statement");
        let stats = brigade.query_stats(20).await.expect("stats");
        let brigade_application::model::QueryStats::Statements(stats) = stats else {
            panic!("pg_stat_statements is loaded: {stats:?}");
        };
        assert!(
            stats
                .iter()
                .any(|s| s.statement.contains("FROM orders o JOIN venues v")),
            "{stats:?}"
        );
        return;
    }
    let stats = reply.expect(200);
    let stats = stats.as_array().expect("a list");
    assert!(!stats.is_empty() && stats.len() <= 20);
    let totals: Vec<f64> = stats
        .iter()
        .map(|s| s["total_ms"].as_f64().unwrap_or(-1.0))
        .collect();
    assert!(
        totals.windows(2).all(|w| w[0] >= w[1]),
        "costliest first: {totals:?}"
    );
    assert!(stats.iter().all(|s| s["calls"].as_i64().unwrap_or(0) >= 1));
    assert!(
        !stats.iter().any(|s| s["statement"]
            .as_str()
            .unwrap_or("")
            .contains("waiter1@beerflow.demo")),
        "values never listed"
    );
}

/// `brigade smoke --url url` on the app's database, off the test's thread (which also
/// runs the server's background tasks).
async fn smoke(app: &TestApp, url: &str, report: Option<&std::path::Path>) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_brigade"));
    command
        .args(["smoke", "--url", url])
        .env("BRIGADE_DATABASE_URL", app.db.url())
        .env("BRIGADE_LOG", "warn");
    if let Some(report) = report {
        command.arg("--report").arg(report);
    }
    tokio::task::spawn_blocking(move || command.output().expect("brigade smoke runs"))
        .await
        .expect("joined")
}

#[actix_web::test]
async fn the_smoke_test_runs_the_critical_flows_and_leaves_no_figure_behind() {
    let app = TestApp::spawn().await;
    let before = metrics(&app).await;
    let report = crate::store::scratch_dir(&format!("smoke-{}", crate::support::new_uuid()))
        .join("report.json");
    let output = smoke(&app, &app.base, Some(&report)).await;
    let said = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run: Value =
        serde_json::from_slice(&std::fs::read(&report).expect("the report")).expect("JSON");
    let names: Vec<&str> = run["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "live",
            "login",
            "menu",
            "table",
            "ws_join",
            "order_opened",
            "order_confirmed",
            "kitchen_display",
            "ws_event",
            "cleanup"
        ]
    );
    assert_eq!(run["ok"], true);
    assert!(said.contains("smoke: 10 checks passed"), "{said}");
    // Twice in a row: it converges (a new password, the same venue, a free table).
    let again = smoke(&app, &app.base, None).await;
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    let after = metrics(&app).await;
    assert_eq!(
        after["orders"]["count_today"], before["orders"]["count_today"],
        "hidden"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM venues WHERE hidden").await,
        1,
        "one smoke venue, hidden"
    );
    // A server that is not there fails, saying which check.
    let nobody = format!("http://127.0.0.1:{}", crate::support::free_port());
    let dead = smoke(&app, &nobody, None).await;
    assert!(!dead.status.success());
    assert!(String::from_utf8_lossy(&dead.stdout).contains("FAIL  live"));
}
