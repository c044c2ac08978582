//! Logs, traces and metrics for the `brigade` binary.
//!
//! [`init`] installs the `tracing` subscriber: text or JSON lines on stdout
//! (`BRIGADE_LOG_FORMAT`), filtered by `BRIGADE_LOG` / `RUST_LOG`. Each OpenTelemetry
//! signal is exported over OTLP/HTTP (`http/protobuf`, the default, or `http/json` by
//! `OTEL_EXPORTER_OTLP_PROTOCOL`) when an endpoint names it: `OTEL_EXPORTER_OTLP_ENDPOINT`
//! for all three, or `OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT` for one, unless
//! `OTEL_SDK_DISABLED=true`. Spans go through tracing-opentelemetry, metrics through the
//! global meter provider, log lines through the OpenTelemetry tracing appender (with
//! their trace context). The SDK reads the other standard variables itself:
//! `OTEL_SERVICE_NAME` (default here `brigade`), `OTEL_RESOURCE_ATTRIBUTES`,
//! `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*`, `OTEL_BLRP_*`, `OTEL_METRIC_EXPORT_INTERVAL`.
//!
//! With no endpoint nothing is exported and no metric is recorded (the global meter is a
//! no-op). Trace ids are handed out either way: spans get W3C trace and span ids
//! (continuing the caller's `traceparent`) from a tracer that samples everything out, so
//! nothing is recorded or sent, and JSON log lines still carry `trace_id` and `span_id`.
//! That costs a little per span, not per statement (statement spans are only made while
//! traces are exported). Call [`Telemetry::shutdown`] before exiting: it flushes what is
//! buffered.

mod metrics;

pub use metrics::{DomainMetrics, meter};

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::global;
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer as _};

/// What [`init`] started; shut it down to flush.
#[must_use = "call shutdown() before exiting, or buffered spans and metrics are lost"]
pub struct Telemetry {
    /// Exporting spans, or (without a traces endpoint) only handing out ids.
    tracer: SdkTracerProvider,
    tracing: bool,
    meter: Option<SdkMeterProvider>,
    logger: Option<SdkLoggerProvider>,
}

impl Telemetry {
    /// Flushes and stops the exporters (a no-op without them).
    pub fn shutdown(self) {
        if self.tracing
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

static EXPORTING_TRACES: AtomicBool = AtomicBool::new(false);
static EXPORTING_METRICS: AtomicBool = AtomicBool::new(false);

/// Whether [`init`] started a span exporter in this process (statement spans are only
/// worth making then).
pub fn exporting_traces() -> bool {
    EXPORTING_TRACES.load(Ordering::Relaxed)
}

/// Whether [`init`] started a metric exporter in this process (gauges that cost a probe
/// are only worth installing then).
pub fn exporting_metrics() -> bool {
    EXPORTING_METRICS.load(Ordering::Relaxed)
}

fn env_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.trim().is_empty())
}

/// The signals the environment asks to export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Signals {
    traces: bool,
    metrics: bool,
    logs: bool,
}

impl Signals {
    fn from_env() -> Self {
        if std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            return Self::default();
        }
        let all = env_set("OTEL_EXPORTER_OTLP_ENDPOINT");
        Self {
            traces: all || env_set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            metrics: all || env_set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
            logs: all || env_set("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"),
        }
    }
}

fn resource() -> Resource {
    let builder = Resource::builder();
    if env_set("OTEL_SERVICE_NAME") {
        builder.build()
    } else {
        builder.with_service_name("brigade").build()
    }
}

/// Log records of the exporters' own HTTP stack are not exported: at `debug` each export
/// would log lines that are exported in turn.
fn exporter_internals(target: &str) -> bool {
    ["hyper", "reqwest", "h2", "tower", "opentelemetry"]
        .iter()
        .any(|prefix| target.starts_with(prefix))
}

/// Installs logging, and OTLP export of what is configured. Call once, outside any async
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

    let signals = Signals::from_env();
    let (exporters, problem) = match exporters(signals) {
        Ok(exporters) => (exporters, None),
        Err(e) => (Exporters::default(), Some(e)),
    };
    let Exporters {
        tracer,
        meter,
        logger,
    } = exporters;
    // Log lines as OTLP log records too, with their trace context.
    let otel_logs = logger.as_ref().map(|logger| {
        opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge::new(logger).with_filter(
            tracing_subscriber::filter::filter_fn(|meta| !exporter_internals(meta.target())),
        )
    });
    let tracing = tracer.is_some();
    // Without a span exporter: ids for the logs, nothing recorded (all sampled out).
    let tracer = tracer.unwrap_or_else(|| {
        SdkTracerProvider::builder()
            .with_sampler(Sampler::AlwaysOff)
            .build()
    });
    let otel = tracing_opentelemetry::layer().with_tracer(tracer.tracer("brigade"));
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt_text)
        .with(fmt_json)
        .with(otel)
        .with(otel_logs)
        .init();
    EXPORTING_TRACES.store(tracing, Ordering::Relaxed);
    if let Some(meter) = &meter {
        global::set_meter_provider(meter.clone());
        EXPORTING_METRICS.store(true, Ordering::Relaxed);
    }
    if let Some(problem) = problem {
        tracing::warn!(error = %problem, "OpenTelemetry export is configured but could not start; continuing without it");
    }
    Telemetry {
        tracer,
        tracing,
        meter,
        logger,
    }
}

#[derive(Default)]
struct Exporters {
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
    logger: Option<SdkLoggerProvider>,
}

/// One exporter per configured signal, all on one resource.
fn exporters(signals: Signals) -> Result<Exporters, String> {
    let resource = resource();
    let mut exporters = Exporters::default();
    if signals.traces {
        let spans = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
            .map_err(|e| format!("span exporter: {e}"))?;
        exporters.tracer = Some(
            SdkTracerProvider::builder()
                .with_batch_exporter(spans)
                .with_resource(resource.clone())
                .build(),
        );
    }
    if signals.metrics {
        let metrics = opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .build()
            .map_err(|e| format!("metric exporter: {e}"))?;
        exporters.meter = Some(
            SdkMeterProvider::builder()
                .with_periodic_exporter(metrics)
                .with_resource(resource.clone())
                .build(),
        );
    }
    if signals.logs {
        let logs = opentelemetry_otlp::LogExporter::builder()
            .with_http()
            .build()
            .map_err(|e| format!("log exporter: {e}"))?;
        exporters.logger = Some(
            SdkLoggerProvider::builder()
                .with_batch_exporter(logs)
                .with_resource(resource)
                .build(),
        );
    }
    Ok(exporters)
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
