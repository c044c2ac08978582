//! Client telemetry (seed 000 §4–5): tablets and kitchen screens report how long their
//! screens and actions take, and the errors they catch. Both become OpenTelemetry data
//! beside the server's own: a histogram per screen and action, an error counter, and
//! log lines (which travel as OTLP log records when an exporter is configured).
//!
//! Authenticated (any staff token), limited to 64 KiB and 100 measurements a request,
//! and rate-limited per user: a device that floods gets `429 rate_limited` with
//! `Retry-After`, not a slower server.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use actix_web::post;
use actix_web::{HttpRequest, HttpResponse, web};
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram};
use serde::Deserialize;
use uuid::Uuid;

use brigade_application::AppError;

use crate::auth::Authenticated;
use crate::body::json_body;
use crate::limits::PerKey;
use crate::{ApiError, AppState};

/// Measurements one request may carry (the seed's tablets flush once a minute).
const MAX_MEASUREMENTS: usize = 100;
/// Distinct (screen, action) pairs recorded as such; later ones are recorded as
/// `other`, so a buggy or hostile client cannot explode the metric's cardinality.
const MAX_SERIES: usize = 500;
/// Client actions slower than this are logged (the seed's own threshold).
const SLOW_ACTION_MS: f64 = 1000.0;
/// Per-user rate limits and the series seen so far; one per server, shared by its
/// workers.
pub struct ClientTelemetry {
    per_user: PerKey<Uuid>,
    series: Mutex<HashSet<(String, String)>>,
}

impl ClientTelemetry {
    /// Each user may send `per_minute` reports a minute, in bursts of as many.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_user: PerKey::per_minute(per_minute),
            series: Mutex::new(HashSet::new()),
        }
    }

    /// The series a measurement is recorded under.
    fn series(&self, screen: &str, action: &str) -> (String, String) {
        let key = (screen.to_owned(), action.to_owned());
        let Ok(mut seen) = self.series.lock() else {
            return key;
        };
        if seen.contains(&key) || seen.len() < MAX_SERIES && seen.insert(key.clone()) {
            key
        } else {
            ("other".to_owned(), "other".to_owned())
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct MetricsReport {
    metrics: Vec<ClientMeasurement>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ClientMeasurement {
    screen: String,
    action: String,
    duration_ms: f64,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    device_info: Option<DeviceInfo>,
    #[serde(default)]
    network_info: Option<NetworkInfo>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct DeviceInfo {
    #[serde(default)]
    platform: Option<String>,
    #[serde(default)]
    app_version: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct NetworkInfo {
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorReport {
    message: String,
    #[serde(default)]
    stack: Option<String>,
    #[serde(default)]
    component_stack: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    device: Option<ErrorDevice>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ErrorDevice {
    #[serde(default)]
    platform: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    app_version: Option<String>,
}

/// How many reports were taken.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Accepted {
    accepted: usize,
}

/// `422 validation_failed`, as every other refused value.
fn invalid(detail: impl Into<String>) -> ApiError {
    AppError::validation(detail).into()
}

/// A short label: 1 to `max` characters, no control characters.
fn label(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.trim().is_empty() || value.chars().count() > max || value.chars().any(char::is_control)
    {
        return Err(invalid(format!(
            "{field} must be 1 to {max} characters without control characters"
        )));
    }
    Ok(())
}

fn optional_label(field: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    value.map_or(Ok(()), |v| label(field, v, max))
}

fn text(field: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    match value {
        Some(v) if v.chars().count() > max => {
            Err(invalid(format!("{field} must be at most {max} characters")))
        }
        _ => Ok(()),
    }
}

/// Who is reporting (any authenticated staff member), within their rate.
fn admitted(who: &Authenticated, state: &AppState) -> Result<Uuid, ApiError> {
    let user = who.identity.user_id.as_uuid();
    state
        .client_telemetry
        .per_user
        .admit(&user)
        .map_err(|wait| ApiError::rate_limited(wait, "too many telemetry reports from this user"))
        .map(|()| user)
}

/// `POST /api/v1/metrics/frontend {metrics: [{screen, action, duration_ms, ...}]}`
#[utoipa::path(
    tag = "client telemetry",
    operation_id = "report_client_metrics",
    summary = "Report screen and action timings",
    request_body = MetricsReport,
    responses(
        (status = 202, description = "Recorded as OpenTelemetry metrics.", body = Accepted),
        (status = 429, description = "`rate_limited`: too many reports from this user."),
    )
)]
#[post("/metrics/frontend")]
pub(crate) async fn metrics(
    req: HttpRequest,
    who: Authenticated,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let user = admitted(&who, &state)?;
    let report = json_body::<MetricsReport>(&req, payload).await?.value;
    if report.metrics.is_empty() || report.metrics.len() > MAX_MEASUREMENTS {
        return Err(invalid(format!(
            "metrics must hold 1 to {MAX_MEASUREMENTS} measurements"
        )));
    }
    for (i, m) in report.metrics.iter().enumerate() {
        label(&format!("metrics[{i}].screen"), &m.screen, 64)?;
        label(&format!("metrics[{i}].action"), &m.action, 64)?;
        if !m.duration_ms.is_finite() || !(0.0..=3_600_000.0).contains(&m.duration_ms) {
            return Err(invalid(format!(
                "metrics[{i}].duration_ms must be between 0 and 3600000"
            )));
        }
        let device = m.device_info.as_ref();
        optional_label(
            &format!("metrics[{i}].device_info.platform"),
            device.and_then(|d| d.platform.as_deref()),
            32,
        )?;
        optional_label(
            &format!("metrics[{i}].device_info.app_version"),
            device.and_then(|d| d.app_version.as_deref()),
            32,
        )?;
        optional_label(
            &format!("metrics[{i}].network_info.type"),
            m.network_info.as_ref().and_then(|n| n.kind.as_deref()),
            16,
        )?;
        text(
            &format!("metrics[{i}].timestamp"),
            m.timestamp.as_deref(),
            64,
        )?;
    }
    for m in &report.metrics {
        let (screen, action) = state.client_telemetry.series(&m.screen, &m.action);
        let platform = platform(m.device_info.as_ref().and_then(|d| d.platform.as_deref()));
        let network = network(m.network_info.as_ref().and_then(|n| n.kind.as_deref()));
        if m.duration_ms > SLOW_ACTION_MS {
            tracing::info!(
                client.user.id = %user,
                client.screen = %m.screen,
                client.action = %m.action,
                client.platform = platform,
                duration_ms = m.duration_ms,
                "slow client action"
            );
        }
        action_histogram().record(
            m.duration_ms / 1000.0,
            &[
                KeyValue::new("screen", screen),
                KeyValue::new("action", action),
                KeyValue::new("platform", platform),
                KeyValue::new("network.type", network),
            ],
        );
    }
    Ok(HttpResponse::Accepted().json(Accepted {
        accepted: report.metrics.len(),
    }))
}

/// `POST /api/v1/errors/frontend {message, stack?, componentStack?, timestamp?, device?}`
#[utoipa::path(
    tag = "client telemetry",
    operation_id = "report_client_error",
    summary = "Report an error a client caught",
    request_body = ErrorReport,
    responses(
        (status = 202, description = "Logged.", body = Accepted),
        (status = 429, description = "`rate_limited`: too many reports from this user."),
    )
)]
#[post("/errors/frontend")]
pub(crate) async fn error(
    req: HttpRequest,
    who: Authenticated,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let user = admitted(&who, &state)?;
    let report = json_body::<ErrorReport>(&req, payload).await?.value;
    if report.message.trim().is_empty() || report.message.chars().count() > 2000 {
        return Err(invalid("message must be 1 to 2000 characters"));
    }
    text("stack", report.stack.as_deref(), 16_000)?;
    text("componentStack", report.component_stack.as_deref(), 16_000)?;
    text("timestamp", report.timestamp.as_deref(), 64)?;
    let device = report.device.unwrap_or_default();
    optional_label("device.platform", device.platform.as_deref(), 32)?;
    optional_label("device.version", device.version.as_deref(), 32)?;
    optional_label("device.model", device.model.as_deref(), 64)?;
    optional_label("device.appVersion", device.app_version.as_deref(), 32)?;
    let platform = platform(device.platform.as_deref());
    // Client text as escaped strings (never raw lines), with what must not reach logs
    // taken out: a browser's error text quotes the WebSocket URL and its token. Linear
    // in the text, and on the blocking pool: a burst of reports never holds a worker.
    let texts = [
        report.message,
        report.stack.unwrap_or_default(),
        report.component_stack.unwrap_or_default(),
    ];
    let [message, stack, component_stack] = web::block(move || texts.map(|t| redact(&t)))
        .await
        .map_err(|e| {
            ApiError::new(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                format!("the report could not be processed now: {e}"),
            )
        })?;
    tracing::warn!(
        client.user.id = %user,
        client.platform = platform,
        client.os_version = device.version.as_deref().unwrap_or(""),
        client.device_model = device.model.as_deref().unwrap_or(""),
        client.app_version = device.app_version.as_deref().unwrap_or(""),
        client.timestamp = report.timestamp.as_deref().unwrap_or(""),
        exception.message = message.as_str(),
        exception.stacktrace = stack.as_str(),
        client.component_stack = component_stack.as_str(),
        "client error"
    );
    error_counter().add(1, &[KeyValue::new("platform", platform)]);
    Ok(HttpResponse::Accepted().json(Accepted { accepted: 1 }))
}

/// The `platform` label: one of a fixed set, so clients cannot mint series.
fn platform(reported: Option<&str>) -> &'static str {
    let Some(reported) = reported else {
        return "unknown";
    };
    ["ios", "android", "web", "windows", "macos", "linux"]
        .into_iter()
        .find(|known| reported.eq_ignore_ascii_case(known))
        .unwrap_or("other")
}

/// The `network.type` label: one of a fixed set (React Native NetInfo's main types).
fn network(reported: Option<&str>) -> &'static str {
    let Some(reported) = reported else {
        return "unknown";
    };
    ["wifi", "cellular", "ethernet", "none", "unknown"]
        .into_iter()
        .find(|known| reported.eq_ignore_ascii_case(known))
        .unwrap_or("other")
}

/// `text` with tokens (`token=...`, `Bearer ...`, anything shaped like a JWT) and email
/// addresses replaced, for logging what a client sent.
fn redact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize, word: &str| {
        word.chars()
            .enumerate()
            .all(|(k, w)| chars.get(i + k).is_some_and(|c| c.eq_ignore_ascii_case(&w)))
    };
    let token_char = |c: char| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '%' | '+' | '/' | '=')
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let (keep, skip) = if at(i, "token=") {
            ("token=[redacted]", 6)
        } else if at(i, "bearer ") {
            ("Bearer [redacted]", 7)
        } else if at(i, "eyJ") && (i == 0 || !token_char(chars[i - 1])) {
            ("[redacted]", 0)
        } else {
            out.push(chars[i]);
            i += 1;
            continue;
        };
        out.push_str(keep);
        i += skip;
        while i < chars.len() && token_char(chars[i]) {
            i += 1;
        }
    }
    redact_emails(&out)
}

/// `text` with every `local@domain.tld` replaced by `[email]`.
fn redact_emails(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    let domain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-');
    // Chars, so a replaced local part is taken back in O(1).
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    // Chars from `copied` on were copied one by one (none replaced yet).
    let mut copied = 0;
    // Where the run of local-part characters before `i` starts: kept as we go, so no
    // position is scanned twice.
    let mut run = 0;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            let start = run.max(copied);
            let end = (i + 1..chars.len())
                .take_while(|&k| domain(chars[k]))
                .last();
            if let Some(end) = end.filter(|_| start < i)
                && chars[i + 1..end].contains(&'.')
            {
                out.truncate(out.len() - (i - start));
                out.extend("[email]".chars());
                i = end + 1;
                copied = i;
                run = i;
                continue;
            }
        }
        if !local(chars[i]) {
            run = i + 1;
        }
        out.push(chars[i]);
        i += 1;
    }
    out.into_iter().collect()
}

fn action_histogram() -> &'static Histogram<f64> {
    static HISTOGRAM: OnceLock<Histogram<f64>> = OnceLock::new();
    HISTOGRAM.get_or_init(|| {
        opentelemetry::global::meter("brigade")
            .f64_histogram("brigade.client.action.duration")
            .with_unit("s")
            .with_description(
                "How long client screens and actions took, as the tablets and screens \
                 report them, by `screen`, `action`, `platform` and `network.type`.",
            )
            .with_boundaries(vec![0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0])
            .build()
    })
}

fn error_counter() -> &'static Counter<u64> {
    static COUNTER: OnceLock<Counter<u64>> = OnceLock::new();
    COUNTER.get_or_init(|| {
        opentelemetry::global::meter("brigade")
            .u64_counter("brigade.client.errors")
            .with_unit("{error}")
            .with_description("Errors reported by client apps, by `platform`.")
            .build()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_gets_a_burst_of_per_minute_reports_then_waits_while_others_do_not() {
        let limits = ClientTelemetry::new(3);
        let (chef, waiter) = (Uuid::now_v7(), Uuid::now_v7());
        for _ in 0..3 {
            assert!(limits.per_user.admit(&chef).is_ok());
        }
        let wait = limits.per_user.admit(&chef).err().unwrap_or_default();
        let (min, max) = (
            std::time::Duration::from_secs(15),
            std::time::Duration::from_secs(20),
        );
        assert!(
            wait > min && wait <= max,
            "the fourth report waits: {wait:?}"
        );
        assert!(
            limits.per_user.admit(&waiter).is_ok(),
            "limits are per user"
        );
    }

    #[test]
    fn tokens_and_email_addresses_never_reach_the_log_the_rest_does() {
        let browser = "WebSocket connection to 'wss://pos.example/api/v1/ws?token=eyJhbGc.eyJzdWIi.sig' failed";
        assert_eq!(
            redact(browser),
            "WebSocket connection to 'wss://pos.example/api/v1/ws?token=[redacted]' failed"
        );
        assert_eq!(
            redact("401 for Authorization: Bearer abc.def-ghi on /orders"),
            "401 for Authorization: Bearer [redacted] on /orders"
        );
        assert_eq!(redact("jwt eyJhbGciOi.x.y leaked"), "jwt [redacted] leaked");
        assert_eq!(
            redact("no user chef@beerflow.demo here; café @ 8"),
            "no user [email] here; café @ 8"
        );
        assert_eq!(redact("a@b.io@c.io"), "[email]@c.io");
        assert_eq!(redact("x@y, a.b+c@d.e-f.io!"), "x@y, [email]!");
        // A stack full of addresses: each replaced (this was quadratic).
        let stack = "chef@beerflow.demo ".repeat(800);
        assert_eq!(redact(&stack), "[email] ".repeat(800));
        assert_eq!(
            redact("TypeError: undefined\n    at OrderScreen (app.js:10)"),
            "TypeError: undefined\n    at OrderScreen (app.js:10)"
        );
    }

    #[test]
    fn platform_and_network_labels_come_from_a_fixed_set() {
        assert_eq!(platform(Some("iOS")), "ios");
        assert_eq!(platform(Some("PlayStation")), "other");
        assert_eq!(platform(None), "unknown");
        assert_eq!(network(Some("wifi")), "wifi");
        assert_eq!(network(Some("wimax")), "other");
    }

    #[test]
    fn new_series_beyond_the_cap_are_recorded_as_other() {
        let limits = ClientTelemetry::new(60);
        for i in 0..MAX_SERIES {
            assert_eq!(limits.series(&format!("s{i}"), "a").0, format!("s{i}"));
        }
        assert_eq!(limits.series("s0", "a").0, "s0", "known series stay");
        assert_eq!(
            limits.series("new", "a"),
            ("other".to_owned(), "other".to_owned())
        );
    }
}
