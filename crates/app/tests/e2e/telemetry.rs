//! OpenTelemetry export: a real OTLP/HTTP receiver (JSON encoding) gets the spans,
//! metrics and log records of an order workflow from a `brigade serve` process
//! configured only by the standard OTEL_* variables, with the caller's W3C trace
//! continued and spans linked request -> use case -> SQL. Log lines carry trace ids and
//! name slow queries; client telemetry is authenticated, validated and rate-limited.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::kds::Kds;
use crate::store::TestDb;
use crate::support::{Served, Staff, TestApp, VENUE};

const BIN: &str = env!("CARGO_BIN_EXE_brigade");

/// What the receiver got: (path, body) of every export.
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A minimal OTLP/HTTP receiver: accepts every export on /v1/{traces,metrics,logs}.
fn receiver() -> (String, Received, actix_web::dev::ServerHandle) {
    let received: Received = Arc::default();
    let store = received.clone();
    let server = HttpServer::new(move || {
        let store = store.clone();
        App::new()
            .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
            .default_service(web::to(
                move |req: actix_web::HttpRequest, body: web::Bytes| {
                    let store = store.clone();
                    async move {
                        if let Ok(mut all) = store.lock() {
                            all.push((
                                req.path().to_owned(),
                                String::from_utf8_lossy(&body).into_owned(),
                            ));
                        }
                        HttpResponse::Ok().json(json!({}))
                    }
                },
            ))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind");
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (format!("http://{addr}"), received, handle)
}

/// `brigade serve --dev` on `db`, one worker, `info` logs, the tests' secret.
fn serve(db: &TestDb) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--dev", "--bind", "127.0.0.1:0", "--workers", "1"])
        .env("BRIGADE_DATABASE_URL", db.url())
        .env("BRIGADE_LOG", "info")
        .env("BRIGADE_JWT_SECRET", crate::support::TEST_SECRET);
    command
}

/// Every export the receiver got on `path` (`/v1/traces`, `/v1/metrics`, `/v1/logs`).
fn exports(received: &Received, path: &str) -> Vec<Value> {
    received
        .lock()
        .map(|all| {
            all.iter()
                .filter(|(p, _)| p == path)
                .filter_map(|(_, body)| serde_json::from_str(body).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The items under `outer[].inner[].leaf[]` of OTLP JSON exports.
fn items<'a>(exports: &'a [Value], outer: &str, inner: &str, leaf: &str) -> Vec<&'a Value> {
    let all = |v: &'a Value, key: &str| v[key].as_array().into_iter().flatten();
    exports
        .iter()
        .flat_map(|e| all(e, outer))
        .flat_map(|o| all(o, inner))
        .flat_map(|i| all(i, leaf))
        .collect()
}

/// A string attribute of an OTLP span, metric point or log record.
fn attribute<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    item["attributes"]
        .as_array()?
        .iter()
        .find(|a| a["key"] == key)?["value"]["stringValue"]
        .as_str()
}

/// Attributes of every data point of the metric `name`.
fn points<'a>(metrics: &[&'a Value], name: &str) -> Vec<&'a Value> {
    metrics
        .iter()
        .filter(|m| m["name"] == name)
        .flat_map(|m| {
            ["sum", "gauge", "histogram"]
                .iter()
                .flat_map(|kind| m[*kind]["dataPoints"].as_array().into_iter().flatten())
        })
        .collect()
}

/// Every metric Brigade exports; `docs/LOGGING.md` says what each means.
const METRICS: [&str; 21] = [
    "http.server.request.duration",
    "brigade.orders.created",
    "brigade.order.transitions",
    "brigade.ticket.stage.duration",
    "brigade.fefo.allocation.duration",
    "brigade.stock.shortages",
    "brigade.idempotent.replays",
    "brigade.payments",
    "brigade.payments.revenue",
    "brigade.payments.tips",
    "brigade.payment.duration",
    "brigade.refunds",
    "brigade.refunds.amount",
    "brigade.db.pool.connections",
    "brigade.db.up",
    "brigade.kitchen.stuck_orders",
    "brigade.ws.connections",
    "brigade.ws.disconnects",
    "brigade.events.fanout.lag",
    "brigade.client.action.duration",
    "brigade.client.errors",
];

fn exported(received: &Received) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    (
        exports(received, "/v1/traces"),
        exports(received, "/v1/metrics"),
        exports(received, "/v1/logs"),
    )
}

fn metric_names(metrics: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = items(metrics, "resourceMetrics", "scopeMetrics", "metrics")
        .iter()
        .filter_map(|m| m["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Polls the receiver until `done` holds (20 s at most).
async fn until(
    received: &Received,
    what: &str,
    done: impl Fn(&[Value], &[Value], &[Value]) -> bool,
) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (traces, metrics, logs) = exported(received);
        if done(&traces, &metrics, &logs) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the receiver never got {what}; metrics so far: {:?}",
            metric_names(&metrics)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn an_order_workflow_reaches_an_otlp_receiver_as_linked_spans_domain_metrics_and_logs() {
    let (endpoint, received, receiver_handle) = receiver();
    let db = TestDb::from_template().await;
    let mut command = serve(&db);
    command
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
        .env("OTEL_SERVICE_NAME", "brigade-under-test")
        .env("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("OTEL_BLRP_SCHEDULE_DELAY", "100")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "300");
    let served = Served::spawn(command).await;

    let admin = Staff::login(&served.base, "admin@beerflow.demo").await;
    let waiter = Staff::login(&served.base, "waiter1@beerflow.demo").await;
    let chef = Staff::login(&served.base, "chef@beerflow.demo").await;
    let mut screen = Kds::connect(&served.base, &chef.token).await;
    screen.join(VENUE, None).await;
    let product = admin.create_product("OTEL-1", 5.0).await;
    admin.create_lot(&product["id"], "L1", 1.0, None).await;
    let start = waiter.board_seq().await;

    // The tablet's own trace: the order must join it.
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent_span = "00f067aa0ba902b7";
    let traceparent = format!("00-{trace_id}-{parent_span}-01");
    let order_body =
        json!({ "covers": 1, "items": [{ "product_id": product["id"], "quantity": 2 }] });
    let headers = [
        ("traceparent", traceparent.as_str()),
        ("idempotency-key", "otel-order-1"),
    ];
    let path = format!("/api/v1/venues/{VENUE}/orders");
    let order = waiter
        .post_with(&path, order_body.clone(), &headers)
        .await
        .expect(201);
    let replay = waiter.post_with(&path, order_body, &headers).await;
    assert_eq!(replay.header("idempotent-replayed"), "true");
    waiter
        .set_status(&order["id"], "confirmed")
        .await
        .expect(200);
    chef.set_status(&order["id"], "preparing").await.expect(200);
    chef.set_status(&order["id"], "ready").await.expect(200);
    // Two ordered, one in stock: served with a shortage (the demo venue is `partial`).
    waiter.set_status(&order["id"], "served").await.expect(200);
    // new_order, four status changes and the shortage.
    let events = screen
        .events_through(start + 6, Duration::from_secs(5))
        .await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["seq"].as_i64() > Some(start))
            .count(),
        6
    );
    // The guest pays by card with a tip, and the admin refunds it.
    let payments = format!(
        "/api/v1/venues/{VENUE}/orders/{}/payments",
        crate::support::id(&order["id"])
    );
    let paid = waiter
        .post(&payments, json!({ "method": "card", "tip": 1.0 }))
        .await
        .expect(201);
    admin
        .post(
            &format!(
                "{payments}/{}/refund",
                crate::support::id(&paid["payment"]["id"])
            ),
            json!({ "reason": "telemetry test" }),
        )
        .await
        .expect(200);

    waiter
        .post(
            "/api/v1/metrics/frontend",
            json!({ "metrics": [{ "screen": "orders", "action": "render", "duration_ms": 1250,
                "timestamp": "2026-11-24T20:00:00Z",
                "device_info": { "platform": "ios", "os_version": "18", "app_version": "2.1.0", "device_model": "iPad" },
                "network_info": { "type": "wifi", "is_connected": true, "is_internet_reachable": true } }] }),
        )
        .await
        .expect(202);
    let error_trace = "0af7651916cd43dd8448eb211c80319c";
    waiter
        .post_with(
            "/api/v1/errors/frontend",
            json!({ "message": "Cannot read properties of undefined (reading 'id')",
                "stack": "WebSocket connection to 'wss://pos.example/api/v1/ws?token=eyJhbGciOi.eyJzdWIi.c2ln' failed\n    at KitchenScreen (chef@beerflow.demo)",
                "componentStack": "\n    in OrderScreen", "timestamp": "2026-11-24T20:00:01Z",
                "device": { "platform": "android", "version": "14", "model": "Tab S9", "appVersion": "2.1.0", "buildNumber": "210" },
                "user": { "id": null, "role": null, "restaurant_id": null } }),
            &[("traceparent", &format!("00-{error_trace}-b7ad6b7169203331-01"))],
        )
        .await
        .expect(202);

    // The connection gauge is read at export time: wait for it while the screen is on.
    until(&received, "brigade.ws.connections", |_, metrics, _| {
        metric_names(metrics)
            .iter()
            .any(|n| n == "brigade.ws.connections")
    })
    .await;
    screen.close().await;
    // Once its screens are gone the venue reports 0, not nothing.
    until(&received, "brigade.ws.connections at 0", |_, metrics, _| {
        points(
            &items(metrics, "resourceMetrics", "scopeMetrics", "metrics"),
            "brigade.ws.connections",
        )
        .iter()
        .any(|p| attribute(p, "venue") == Some(VENUE) && (p["asInt"] == "0" || p["asInt"] == 0))
    })
    .await;

    until(
        &received,
        "every metric, the linked spans and the client error log",
        |traces, metrics, logs| {
            let names = metric_names(metrics);
            METRICS.iter().all(|m| names.iter().any(|n| n == m))
                && !points(
                    &items(metrics, "resourceMetrics", "scopeMetrics", "metrics"),
                    "brigade.ws.disconnects",
                )
                .is_empty()
                && items(traces, "resourceSpans", "scopeSpans", "spans")
                    .iter()
                    .any(|s| s["name"] == "change_status")
                && items(logs, "resourceLogs", "scopeLogs", "logRecords")
                    .iter()
                    .any(|l| l["traceId"] == error_trace)
        },
    )
    .await;
    let (traces, metrics, logs) = exported(&received);

    // Spans: the tablet's trace continues into the request, the use case and its SQL.
    let spans = items(&traces, "resourceSpans", "scopeSpans", "spans");
    let request = spans
        .iter()
        .find(|s| {
            s["name"] == "POST /api/v1/venues/{venue_id}/orders"
                && s["traceId"] == trace_id
                && s["parentSpanId"] == parent_span
        })
        .expect("the request span joins the caller's trace");
    assert_eq!(
        attribute(request, "http.route"),
        Some("/api/v1/venues/{venue_id}/orders")
    );
    assert_eq!(request["kind"], 2, "SPAN_KIND_SERVER");
    assert!(
        request["attributes"]
            .as_array()
            .is_some_and(|a| a.iter().any(|kv| kv["key"] == "http.response.status_code")),
        "{request}"
    );
    let use_case = spans
        .iter()
        .find(|s| s["name"] == "create_order" && s["parentSpanId"] == request["spanId"])
        .expect("the use case span is the request span's child");
    assert_eq!(attribute(use_case, "venue.id"), Some(VENUE));
    let statements: Vec<_> = spans
        .iter()
        .filter(|s| {
            s["parentSpanId"] == use_case["spanId"] && attribute(s, "db.query.text").is_some()
        })
        .collect();
    assert!(
        statements
            .iter()
            .any(|s| attribute(s, "db.operation.name") == Some("INSERT")),
        "the order's SQL statements are the use case's children: {statements:?}"
    );
    assert!(statements.iter().all(|s| {
        matches!(
            attribute(s, "db.system.name"),
            Some("postgresql" | "sqlite")
        ) && s["traceId"] == trace_id
    }));
    let resources = traces.iter().map(Value::to_string).collect::<String>();
    assert!(
        resources.contains("brigade-under-test"),
        "service.name from OTEL_SERVICE_NAME"
    );
    assert!(
        resources.contains("deployment.environment"),
        "OTEL_RESOURCE_ATTRIBUTES"
    );

    // Metrics: names and attributes as the dashboards and alerts read them.
    let all = items(&metrics, "resourceMetrics", "scopeMetrics", "metrics");
    let routes: Vec<_> = points(&all, "http.server.request.duration")
        .iter()
        .filter_map(|p| attribute(p, "http.route"))
        .collect();
    assert!(routes.contains(&"/api/v1/venues/{venue_id}/orders/{order_id}/status"));
    assert!(
        routes.iter().all(|r| !r.contains(VENUE)),
        "routes are templates, never raw paths"
    );
    let transitions: Vec<_> = points(&all, "brigade.order.transitions")
        .iter()
        .map(|p| {
            (
                attribute(p, "from").unwrap_or(""),
                attribute(p, "to").unwrap_or(""),
            )
        })
        .collect();
    for step in [
        ("draft", "confirmed"),
        ("confirmed", "preparing"),
        ("preparing", "ready"),
        ("ready", "served"),
    ] {
        assert!(transitions.contains(&step), "{step:?} in {transitions:?}");
    }
    let stages: Vec<_> = points(&all, "brigade.ticket.stage.duration")
        .iter()
        .filter_map(|p| attribute(p, "stage"))
        .collect();
    for stage in ["confirmed", "preparing", "ready"] {
        assert!(stages.contains(&stage), "{stage} in {stages:?}");
    }
    let states: Vec<_> = points(&all, "brigade.db.pool.connections")
        .iter()
        .filter_map(|p| attribute(p, "state"))
        .collect();
    assert!(states.contains(&"used") && states.contains(&"idle"));
    assert!(
        points(&all, "brigade.db.up")
            .iter()
            .any(|p| p["asInt"] == "1" || p["asInt"] == 1)
    );
    // Revenue and tips are counted in minor units, by method and currency.
    for name in ["brigade.payments.revenue", "brigade.payments.tips"] {
        assert!(
            points(&all, name)
                .iter()
                .any(|p| attribute(p, "method") == Some("card")
                    && attribute(p, "currency") == Some("EUR")),
            "{name}"
        );
    }
    assert!(
        points(&all, "brigade.payments.tips")
            .iter()
            .any(|p| p["asInt"] == "100" || p["asInt"] == 100),
        "a 1.00 tip is 100 minor units"
    );
    assert!(
        points(&all, "brigade.ws.connections")
            .iter()
            .any(|p| attribute(p, "venue") == Some(VENUE))
    );
    let reasons: Vec<_> = points(&all, "brigade.ws.disconnects")
        .iter()
        .filter_map(|p| attribute(p, "reason"))
        .collect();
    assert!(reasons.contains(&"client_closed"), "{reasons:?}");
    assert!(
        points(&all, "brigade.idempotent.replays")
            .iter()
            .any(|p| attribute(p, "resource") == Some("order"))
    );
    assert!(
        points(&all, "brigade.client.action.duration")
            .iter()
            .any(|p| {
                attribute(p, "screen") == Some("orders") && attribute(p, "platform") == Some("ios")
            })
    );

    // Logs: the client's error report is a log record in the client's trace.
    let records = items(&logs, "resourceLogs", "scopeLogs", "logRecords");
    let report = records
        .iter()
        .find(|l| l["traceId"] == error_trace && l["body"]["stringValue"] == "client error")
        .expect("the client error as a log record in the client's trace");
    assert_eq!(report["severityText"], "WARN");
    assert_eq!(attribute(report, "client.platform"), Some("android"));
    // A browser's error quotes the socket URL with its token: logged redacted.
    assert_eq!(
        attribute(report, "exception.stacktrace"),
        Some(
            "WebSocket connection to 'wss://pos.example/api/v1/ws?token=[redacted]' failed\n    at KitchenScreen ([email])"
        )
    );
    let logged = logs.iter().map(Value::to_string).collect::<String>();
    assert!(!logged.contains("eyJ") && !logged.contains("chef@beerflow.demo"));
    drop(served);
    drop(receiver_handle.stop(false));
}

#[actix_web::test]
async fn json_log_lines_carry_the_callers_trace_id_and_name_slow_queries_without_their_values() {
    let db = TestDb::from_template().await;
    let mut command = serve(&db);
    command
        .env("BRIGADE_LOG_FORMAT", "json")
        // Every statement and request counts as slow.
        .env("BRIGADE_SLOW_QUERY_MS", "0")
        .env("BRIGADE_SLOW_REQUEST_MS", "0")
        // And the kitchen display, an operation of its own.
        .env("BRIGADE_SLOW_OPERATIONS_MS", "kitchen_display=0")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT");
    let served = Served::spawn(command).await;
    let trace_id = "5bf92f3577b34da6a3ce929d0e0e4737";
    let session = Staff::anonymous(&served.base)
        .post_with(
            "/api/v1/auth/login",
            json!({ "email": "waiter1@beerflow.demo", "password": crate::support::PASSWORD }),
            &[("traceparent", &format!("00-{trace_id}-00f067aa0ba902b7-01"))],
        )
        .await
        .expect(200);
    let board_trace = "0af7651916cd43dd8448eb211c80319c";
    Staff::anonymous(&served.base)
        .with_token(
            session["access_token"]
                .as_str()
                .expect("a token")
                .to_owned(),
        )
        .get_with(
            "/api/v1/orders/kitchen-display",
            &[(
                "traceparent",
                &format!("00-{board_trace}-b7ad6b7169203331-01"),
            )],
        )
        .await
        .expect(200);

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let lines: Vec<Value> = loop {
        let output = served.output.lock().map(|o| o.clone()).unwrap_or_default();
        let lines: Vec<Value> = output
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("a JSON line ({e}): {l}")))
            .collect();
        if lines
            .iter()
            .any(|l| l["message"] == "slow request" && l["trace_id"] == board_trace)
        {
            break lines;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no slow request line in {output}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let ours: Vec<_> = lines.iter().filter(|l| l["trace_id"] == trace_id).collect();
    let slow_queries: Vec<_> = ours
        .iter()
        .filter(|l| l["message"] == "slow query")
        .collect();
    let lookup = slow_queries
        .iter()
        .find(|l| {
            l["db.query.text"]
                .as_str()
                .is_some_and(|q| q.contains("email"))
        })
        .unwrap_or_else(|| {
            panic!("the user lookup is a slow query in the caller's trace: {ours:?}")
        });
    assert!(lookup["span_id"].as_str().is_some_and(|s| s.len() == 16));
    assert!(lookup["duration_ms"].is_number() && lookup["threshold_ms"] == 0);
    assert!(
        lines
            .iter()
            .all(|l| !l.to_string().contains("waiter1@beerflow.demo")),
        "bound values never reach the logs"
    );
    let request = ours
        .iter()
        .find(|l| l["message"] == "slow request")
        .expect("the slow request line in the caller's trace");
    assert_eq!(request["span"]["http.route"], "/api/v1/auth/login");
    assert_eq!(request["operation"], "other");
    let board = lines
        .iter()
        .find(|l| l["message"] == "slow request" && l["trace_id"] == board_trace)
        .expect("the kitchen display's slow request line, in its caller's trace");
    assert_eq!(board["operation"], "kitchen_display");
    assert_eq!(board["threshold_ms"], 0);
    assert_eq!(board["level"], "WARN");
}

#[actix_web::test]
async fn client_telemetry_is_authenticated_validated_size_limited_and_rate_limited_per_user() {
    let app = TestApp::start_with(TestDb::from_template().await, |args| {
        args.client_reports_per_minute = 3;
    })
    .await;
    let (waiter, chef) = (app.waiter().await, app.kitchen().await);
    let metric = |duration: Value| json!({ "metrics": [{ "screen": "tables", "action": "open", "duration_ms": duration }] });

    app.anonymous()
        .post("/api/v1/metrics/frontend", metric(json!(120)))
        .await
        .expect_problem(401, "unauthorized");
    waiter
        .post("/api/v1/metrics/frontend", metric(json!(-1)))
        .await
        .expect_problem(422, "validation_failed");
    waiter
        .post("/api/v1/errors/frontend", json!({ "message": "" }))
        .await
        .expect_problem(422, "validation_failed");
    let huge = "x".repeat(70 * 1024);
    chef.post(
        "/api/v1/errors/frontend",
        json!({ "message": "boom", "stack": huge }),
    )
    .await
    .expect_problem(413, "payload_too_large");
    let hundred_and_one: Vec<_> = (0..101)
        .map(|_| json!({ "screen": "s", "action": "a", "duration_ms": 1 }))
        .collect();
    chef.post(
        "/api/v1/metrics/frontend",
        json!({ "metrics": hundred_and_one }),
    )
    .await
    .expect_problem(422, "validation_failed");

    // The waiter used 2 of 3 reports (refused bodies count: the limit is on requests).
    waiter
        .post("/api/v1/metrics/frontend", metric(json!(120)))
        .await
        .expect(202);
    let limited = waiter
        .post("/api/v1/metrics/frontend", metric(json!(120)))
        .await;
    let retry_after: u64 = limited.header("retry-after").parse().expect("Retry-After");
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    limited.expect_problem(429, "rate_limited");
    // The chef has a bucket of their own.
    chef.post(
        "/api/v1/errors/frontend",
        json!({ "message": "chef's screen froze" }),
    )
    .await
    .expect(202);
}
