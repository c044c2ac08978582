//! OpenTelemetry export: a real OTLP/HTTP receiver (JSON encoding) gets the spans and
//! metrics of an order workflow from a `brigade serve` process configured only by the
//! standard OTEL_* variables, with the caller's W3C trace continued.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::json;

use crate::store::TestDb;
use crate::support::{Served, Staff, VENUE};

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

fn exports(received: &Received, path: &str) -> String {
    received
        .lock()
        .map(|all| {
            all.iter()
                .filter(|(p, _)| p == path)
                .map(|(_, body)| body.as_str())
                .collect::<Vec<_>>()
                .join("\\n")
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn an_order_workflow_reaches_an_otlp_receiver_as_spans_and_metrics_with_the_callers_trace() {
    let (endpoint, received, receiver_handle) = receiver();
    let db = TestDb::from_template().await;
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--dev", "--bind", "127.0.0.1:0", "--workers", "1"])
        .env("BRIGADE_DATABASE_URL", db.url())
        .env("BRIGADE_LOG", "info")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
        .env("OTEL_SERVICE_NAME", "brigade-under-test")
        .env("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "300")
        .env_remove("BRIGADE_JWT_SECRET");
    let served = Served::spawn(command).await;

    let admin = Staff::login(&served.base, "admin@beerflow.demo").await;
    let waiter = Staff::login(&served.base, "waiter1@beerflow.demo").await;
    let product = admin.create_product("OTEL-1", 5.0).await;
    // The tablet's own trace: the order must join it.
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let parent_span = "00f067aa0ba902b7";
    let traceparent = format!("00-{trace_id}-{parent_span}-01");
    waiter
        .post_with(
            &format!("/api/v1/venues/{VENUE}/orders"),
            json!({ "covers": 1, "items": [{ "product_id": product["id"], "quantity": 1 }] }),
            &[("traceparent", traceparent.as_str())],
        )
        .await
        .expect(201);

    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let traces = exports(&received, "/v1/traces");
        let metrics = exports(&received, "/v1/metrics");
        let span_ok = traces.contains(trace_id)
            && traces.contains(parent_span)
            && traces.contains("/api/v1/venues/{venue_id}/orders")
            && traces.contains("http.request");
        let metric_ok = metrics.contains("http.server.request.duration")
            && metrics.contains("http.route")
            && metrics.contains("/api/v1/auth/login");
        if span_ok && metric_ok {
            assert!(
                traces.contains("brigade-under-test"),
                "service.name from OTEL_SERVICE_NAME"
            );
            assert!(
                traces.contains("deployment.environment"),
                "OTEL_RESOURCE_ATTRIBUTES"
            );
            assert!(
                !metrics.contains(&format!("/api/v1/venues/{VENUE}/orders")),
                "routes are templates, never raw paths"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the receiver got traces={} metrics={} ({} exports)",
            span_ok,
            metric_ok,
            received.lock().map(|r| r.len()).unwrap_or(0)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(served);
    drop(receiver_handle.stop(false));
}
