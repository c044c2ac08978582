//! Logs, traces and metrics for the `brigade` binary.
//!
//! [`init`] installs the `tracing` subscriber: text or JSON lines on stdout
//! (`BRIGADE_LOG_FORMAT`), filtered by `BRIGADE_LOG` / `RUST_LOG`. When an OTLP
//! endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the per-signal
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `..._METRICS_ENDPOINT`) and
//! `OTEL_SDK_DISABLED` is not `true`, spans are exported through tracing-opentelemetry
//! and metrics through the global meter provider, over OTLP/HTTP (`http/protobuf`, the
//! default, or `http/json` by `OTEL_EXPORTER_OTLP_PROTOCOL`). The SDK reads the other
//! standard variables itself: `OTEL_SERVICE_NAME` (default here `brigade`),
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*`,
//! `OTEL_METRIC_EXPORT_INTERVAL`. With no endpoint, nothing is exported and nothing is
//! paid: the OpenTelemetry layer is not installed and the global meter is a no-op.
//!
//! W3C `traceparent` propagation is installed either way. Call
//! [`Telemetry::shutdown`] before exiting: it flushes what is buffered.

use opentelemetry::global;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// What [`init`] started; shut it down to flush.
#[must_use = "call shutdown() before exiting, or buffered spans and metrics are lost"]
pub struct Telemetry {
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
}

impl Telemetry {
    /// Whether spans and metrics are exported.
    pub fn exporting(&self) -> bool {
        self.tracer.is_some()
    }

    /// Flushes and stops the exporters (a no-op without them).
    pub fn shutdown(self) {
        if let Some(Err(e)) = self.tracer.map(|t| t.shutdown()) {
            eprintln!("telemetry: flushing spans failed: {e}");
        }
        if let Some(Err(e)) = self.meter.map(|m| m.shutdown()) {
            eprintln!("telemetry: flushing metrics failed: {e}");
        }
    }
}

fn env_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.trim().is_empty())
}

/// Whether the environment asks for OTLP export.
pub fn otlp_configured() -> bool {
    let disabled =
        std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
    !disabled
        && (env_set("OTEL_EXPORTER_OTLP_ENDPOINT")
            || env_set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            || env_set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"))
}

fn resource() -> Resource {
    let builder = Resource::builder();
    if env_set("OTEL_SERVICE_NAME") {
        builder.build()
    } else {
        builder.with_service_name("brigade").build()
    }
}

/// Installs logging, and OTLP export when configured. Call once, outside any async
/// runtime (the exporters' HTTP client runs on threads of its own).
pub fn init() -> Telemetry {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let filter = EnvFilter::try_from_env("BRIGADE_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let json =
        std::env::var("BRIGADE_LOG_FORMAT").is_ok_and(|f| f.trim().eq_ignore_ascii_case("json"));
    let fmt_text = (!json).then(|| {
        tracing_subscriber::fmt::layer()
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
    });
    let fmt_json = json.then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_target(false)
    });

    let (tracer, meter, problem) = if otlp_configured() {
        match exporters() {
            Ok((tracer, meter)) => (Some(tracer), Some(meter), None),
            Err(e) => (None, None, Some(e)),
        }
    } else {
        (None, None, None)
    };
    let otel = tracer
        .as_ref()
        .map(|provider| tracing_opentelemetry::layer().with_tracer(provider.tracer("brigade")));
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt_text)
        .with(fmt_json)
        .with(otel)
        .init();
    if let Some(meter) = &meter {
        global::set_meter_provider(meter.clone());
    }
    if let Some(problem) = problem {
        tracing::warn!(error = %problem, "OpenTelemetry export is configured but could not start; continuing without it");
    }
    Telemetry { tracer, meter }
}

fn exporters() -> Result<(SdkTracerProvider, SdkMeterProvider), String> {
    let spans = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|e| format!("span exporter: {e}"))?;
    let metrics = opentelemetry_otlp::MetricExporter::builder()
        .with_http()
        .build()
        .map_err(|e| format!("metric exporter: {e}"))?;
    let resource = resource();
    let tracer = SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .with_resource(resource.clone())
        .build();
    let meter = SdkMeterProvider::builder()
        .with_periodic_exporter(metrics)
        .with_resource(resource)
        .build();
    Ok((tracer, meter))
}
