//! `X-Request-Id`: taken from the client (when sane) or generated, put on the request's
//! tracing span and returned on the response; one access-log line per request. The
//! span continues the caller's W3C `traceparent` when there is one, and every request
//! is recorded in the `http.server.request.duration` histogram (OpenTelemetry semantic
//! conventions: seconds, route templates, never raw paths). Each response carries
//! `X-Response-Time`; a request slower than its operation's threshold (`slow`) is logged
//! at WARN and counted, and every request goes into the operator's hour (`stats`).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use opentelemetry::KeyValue;
use opentelemetry::metrics::Histogram;
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::TraceContextExt as _;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use uuid::Uuid;

/// The request id, readable by handlers from the request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

const HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// How long the server took, as seed 000 reports it (`12.34ms`).
const RESPONSE_TIME: HeaderName = HeaderName::from_static("x-response-time");

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| Uuid::now_v7().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let state = req
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .cloned();
    let method = req.method().to_string();
    // Exported per the HTTP server semantic conventions: named `{method} {route}` once
    // the route is known, kind `server`, an error status for 5xx.
    let span = tracing::info_span!(
        "http.request",
        otel.name = %method,
        otel.kind = "server",
        request.id = %id,
        http.request.method = %method,
        http.route = tracing::field::Empty,
        trace_id = tracing::field::Empty
    );
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(req.headers()))
    });
    // Without an OpenTelemetry layer (a test server) there is nothing to join.
    let _ = OpenTelemetrySpanExt::set_parent(&span, parent);
    // On the span too, so text log lines show it (JSON lines carry it anyway).
    let cx = OpenTelemetrySpanExt::context(&span);
    let trace = cx.span().span_context().trace_id();
    if trace != opentelemetry::trace::TraceId::INVALID {
        span.record("trace_id", tracing::field::display(trace));
    }
    let started = Instant::now();
    let mut response = next.call(req).instrument(span.clone()).await?;
    let route = response.request().match_pattern();
    let status = response.status().as_u16();
    if let Some(route) = route.as_deref() {
        span.record("http.route", route);
        // The exported span has started by now: rename it there (recording `otel.name`
        // only renames a span that has not).
        cx.span().update_name(format!("{method} {route}"));
    } else {
        span.record("http.route", "unmatched");
    }
    // On the exported span only: the access line below carries the status already.
    span.set_attribute("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.set_status(opentelemetry::trace::Status::error("server error"));
    }
    let took = started.elapsed();
    let duration_ms = took.as_secs_f64() * 1000.0;
    let operation = response
        .request()
        .extensions()
        .get::<super::slow::Operation>()
        .map(|o| o.0)
        .or_else(|| {
            route
                .as_deref()
                .and_then(|r| super::slow::SlowThresholds::operation(&method, r))
        });
    let threshold = state.as_ref().map(|s| s.slow.threshold(operation));
    let slow = threshold.is_some_and(|t| took > t);
    if let Some(state) = &state {
        state.requests.record(status, took, slow);
    }
    if slow {
        slow_counter().add(
            1,
            &[KeyValue::new("operation", operation.unwrap_or("other"))],
        );
    }
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(
                http.response.status_code = status,
                duration_ms,
                "request failed"
            );
        } else if slow {
            tracing::warn!(
                http.response.status_code = status,
                duration_ms,
                operation = operation.unwrap_or("other"),
                threshold_ms = threshold.map_or(0, |t| t.as_millis() as u64),
                "slow request"
            );
        } else {
            tracing::info!(http.response.status_code = status, duration_ms, "request");
        }
    });
    duration_histogram().record(
        took.as_secs_f64(),
        &[
            KeyValue::new("http.request.method", method),
            KeyValue::new(
                "http.route",
                route.unwrap_or_else(|| "unmatched".to_owned()),
            ),
            KeyValue::new("http.response.status_code", i64::from(status)),
        ],
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("{duration_ms:.2}ms")) {
        response.headers_mut().insert(RESPONSE_TIME, value);
    }
    Ok(response)
}

/// Request headers as the propagator reads them.
struct HeaderExtractor<'a>(&'a actix_web::http::header::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// `http.server.request.duration`, with the semantic conventions' advisory buckets.
fn duration_histogram() -> &'static Histogram<f64> {
    static HISTOGRAM: std::sync::OnceLock<Histogram<f64>> = std::sync::OnceLock::new();
    HISTOGRAM.get_or_init(|| {
        opentelemetry::global::meter("brigade")
            .f64_histogram("http.server.request.duration")
            .with_unit("s")
            .with_description("Duration of HTTP server requests.")
            .with_boundaries(vec![
                0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
            ])
            .build()
    })
}

/// `brigade.http.slow_requests`: requests slower than their operation's threshold.
fn slow_counter() -> &'static opentelemetry::metrics::Counter<u64> {
    static COUNTER: std::sync::OnceLock<opentelemetry::metrics::Counter<u64>> =
        std::sync::OnceLock::new();
    COUNTER.get_or_init(|| {
        opentelemetry::global::meter("brigade")
            .u64_counter("brigade.http.slow_requests")
            .with_unit("{request}")
            .with_description(
                "Requests slower than their operation's threshold (BRIGADE_SLOW_OPERATIONS_MS; \
                 `other` for the rest, BRIGADE_SLOW_REQUEST_MS), by `operation`.",
            )
            .build()
    })
}
