//! Logs, traces and metrics for the `brigade` binary.
//!
//! [`init`] installs the `tracing` subscriber: text or JSON lines on stdout
//! (`BRIGADE_LOG_FORMAT`), filtered by `BRIGADE_LOG` / `RUST_LOG`. When an OTLP
//! endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the per-signal
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `..._METRICS_ENDPOINT`) and
//! `OTEL_SDK_DISABLED` is not `true`, spans are exported through tracing-opentelemetry,
//! metrics through the global meter provider and log lines through the OpenTelemetry
//! tracing appender (with their trace context), over OTLP/HTTP (`http/protobuf`, the
//! default, or `http/json` by `OTEL_EXPORTER_OTLP_PROTOCOL`). The SDK reads the other
//! standard variables itself: `OTEL_SERVICE_NAME` (default here `brigade`),
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*`,
//! `OTEL_METRIC_EXPORT_INTERVAL`. With no endpoint, nothing is exported and nothing is
//! paid: the OpenTelemetry layer is not installed and the global meter is a no-op.
//!
//! W3C `traceparent` propagation is installed either way, and so are trace ids: without
//! an exporter, spans get W3C trace and span ids (continuing the caller's trace) but are
//! sampled out, never recorded or sent, so JSON log lines still carry `trace_id` and
//! `span_id` for correlation. Call [`Telemetry::shutdown`] before exiting: it flushes
//! what is buffered.

pub mod db;
mod metrics;

pub use metrics::{DomainMetrics, meter};

use std::fmt;

use opentelemetry::global;
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// What [`init`] started; shut it down to flush.
#[must_use = "call shutdown() before exiting, or buffered spans and metrics are lost"]
pub struct Telemetry {
    /// Exporting spans, or (without an exporter) only handing out ids.
    tracer: SdkTracerProvider,
    meter: Option<SdkMeterProvider>,
    logger: Option<SdkLoggerProvider>,
}

impl Telemetry {
    /// Whether spans and metrics are exported.
    pub fn exporting(&self) -> bool {
        self.meter.is_some()
    }

    /// Flushes and stops the exporters (a no-op without them).
    pub fn shutdown(self) {
        if self.meter.is_some()
            && let Err(e) = self.tracer.shutdown()
        {
            eprintln!("telemetry: flushing spans failed: {e}");
        }
        if let Some(Err(e)) = self.meter.map(|m| m.shutdown()) {
            eprintln!("telemetry: flushing metrics failed: {e}");
        }
        if let Some(Err(e)) = self.logger.map(|l| l.shutdown()) {
            eprintln!("telemetry: flushing logs failed: {e}");
        }
    }
}

static EXPORTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether [`init`] started the OTLP exporters in this process (gauges that cost a probe
/// are only worth installing then).
pub fn exporting() -> bool {
    EXPORTING.load(std::sync::atomic::Ordering::Relaxed)
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
            || env_set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
            || env_set("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"))
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
            .fmt_fields(TextFields)
    });
    let fmt_json = json.then(|| {
        tracing_subscriber::fmt::layer()
            .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
            .with_ansi(false)
            .event_format(TraceIds(
                tracing_subscriber::fmt::format()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_target(false),
            ))
    });

    let (exporters, problem) = if otlp_configured() {
        match exporters() {
            Ok(exporters) => (Some(exporters), None),
            Err(e) => (None, Some(e)),
        }
    } else {
        (None, None)
    };
    let (tracer, meter, logger) = match exporters {
        Some(Exporters {
            tracer,
            meter,
            logger,
        }) => (Some(tracer), Some(meter), Some(logger)),
        None => (None, None, None),
    };
    // Log lines as OTLP log records too, with their trace context.
    let otel_logs = logger
        .as_ref()
        .map(opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge::new);
    // Without an exporter: ids for the logs, nothing recorded (every span sampled out).
    let ids_only = || {
        SdkTracerProvider::builder()
            .with_sampler(Sampler::AlwaysOff)
            .build()
    };
    let tracer = tracer.unwrap_or_else(ids_only);
    let otel = tracing_opentelemetry::layer().with_tracer(tracer.tracer("brigade"));
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt_text)
        .with(fmt_json)
        .with(otel)
        .with(otel_logs)
        .init();
    if let Some(meter) = &meter {
        global::set_meter_provider(meter.clone());
        EXPORTING.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    if let Some(problem) = problem {
        tracing::warn!(error = %problem, "OpenTelemetry export is configured but could not start; continuing without it");
    }
    Telemetry {
        tracer,
        meter,
        logger,
    }
}

struct Exporters {
    tracer: SdkTracerProvider,
    meter: SdkMeterProvider,
    logger: SdkLoggerProvider,
}

fn exporters() -> Result<Exporters, String> {
    let spans = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|e| format!("span exporter: {e}"))?;
    let metrics = opentelemetry_otlp::MetricExporter::builder()
        .with_http()
        .build()
        .map_err(|e| format!("metric exporter: {e}"))?;
    let logs = opentelemetry_otlp::LogExporter::builder()
        .with_http()
        .build()
        .map_err(|e| format!("log exporter: {e}"))?;
    let resource = resource();
    let tracer = SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .with_resource(resource.clone())
        .build();
    let meter = SdkMeterProvider::builder()
        .with_periodic_exporter(metrics)
        .with_resource(resource.clone())
        .build();
    let logger = SdkLoggerProvider::builder()
        .with_batch_exporter(logs)
        .with_resource(resource)
        .build();
    Ok(Exporters {
        tracer,
        meter,
        logger,
    })
}

/// Text fields as `name=value`, the message bare, without the `otel.*` fields that
/// only steer the exported span (its name and kind).
struct TextFields;

impl<'w> FormatFields<'w> for TextFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        mut writer: Writer<'w>,
        fields: R,
    ) -> fmt::Result {
        let mut visitor = TextVisitor {
            writer: &mut writer,
            empty: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }

    fn add_fields(
        &self,
        current: &'w mut tracing_subscriber::fmt::FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let mut more = String::new();
        self.format_fields(Writer::new(&mut more), fields)?;
        if !more.is_empty() {
            if !current.fields.is_empty() {
                current.fields.push(' ');
            }
            current.fields.push_str(&more);
        }
        Ok(())
    }
}

struct TextVisitor<'a, 'w> {
    writer: &'a mut Writer<'w>,
    empty: bool,
    result: fmt::Result,
}

impl tracing::field::Visit for TextVisitor<'_, '_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        if self.result.is_err() || field.name().starts_with("otel.") {
            return;
        }
        let space = if self.empty { "" } else { " " };
        self.empty = false;
        self.result = match field.name() {
            "message" => write!(self.writer, "{space}{value:?}"),
            name => write!(self.writer, "{space}{name}={value:?}"),
        };
    }
}

/// Puts the current span's W3C `trace_id` and `span_id` first in a JSON log line.
struct TraceIds<F>(F);

impl<S, N, F> FormatEvent<S, N> for TraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        // The OpenTelemetry layer activates a span's context when the span is entered.
        let cx = opentelemetry::Context::current();
        let span = cx.span();
        let ids = span.span_context();
        if !ids.is_valid() {
            return self.0.format_event(ctx, writer, event);
        }
        let mut line = String::with_capacity(256);
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        match line.strip_prefix('{') {
            Some(rest) => write!(
                writer,
                "{{\"trace_id\":\"{}\",\"span_id\":\"{}\",{rest}",
                ids.trace_id(),
                ids.span_id()
            ),
            None => writer.write_str(&line),
        }
    }
}
