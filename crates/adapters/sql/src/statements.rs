//! One span per SQL statement (OpenTelemetry database conventions) and a WARN line for
//! each statement slower than the configured threshold, as a diesel
//! [`Instrumentation`] both stores install on every connection. Spans are only made
//! when [`StatementLog::spans`] says so (the app turns it on while traces are exported);
//! otherwise a statement costs a clock read, and its text is only rendered when it was
//! slow.
//!
//! Statements are logged and traced as diesel prepared them, with `$1`/`?`
//! placeholders: bound values (names, notes, password hashes) never leave the process.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::{DebugQuery, Instrumentation, InstrumentationEvent};
use tracing::Span;

use crate::StatementStats;

/// What is recorded of each statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementLog {
    /// Statements slower than this are logged at WARN ("slow query").
    pub slow: Duration,
    /// One span per statement (worth it only while spans are exported).
    pub spans: bool,
}

/// `BRIGADE_SLOW_QUERY_MS`'s default.
pub const DEFAULT_SLOW_QUERY: Duration = Duration::from_millis(100);

impl Default for StatementLog {
    fn default() -> Self {
        Self {
            slow: DEFAULT_SLOW_QUERY,
            spans: false,
        }
    }
}

/// The span SQL runs under when it runs on another thread than the use case (the
/// SQLite store runs statements on blocking threads): set by the unit of work when it
/// hands the connection out.
#[derive(Clone)]
pub struct ParentSpan(Arc<Mutex<Span>>);

impl Default for ParentSpan {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(Span::none())))
    }
}

impl ParentSpan {
    pub fn set(&self, span: Span) {
        if let Ok(mut parent) = self.0.lock() {
            *parent = span;
        }
    }

    fn get(&self) -> Span {
        self.0
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|_| Span::none())
    }
}

/// Traces and times one connection's statements.
pub struct QueryTracing {
    /// `db.system.name`: `postgresql` or `sqlite`.
    system: &'static str,
    slow: Duration,
    spans: bool,
    parent: Option<ParentSpan>,
    running: Option<Running>,
    /// Statements started on this connection, added to its store's total.
    count: Option<Arc<AtomicU64>>,
    /// Each statement pattern's cost (the embedded store's statistics).
    stats: Option<Arc<StatementStats>>,
}

struct Running {
    /// The statement's span and text, when spans are made.
    span: Option<(Span, String)>,
    started: Instant,
}

impl QueryTracing {
    /// Statements of a `system` (`db.system.name`) connection, run in the caller's
    /// current span.
    pub fn new(system: &'static str, log: StatementLog) -> Self {
        Self {
            system,
            slow: log.slow,
            spans: log.spans,
            parent: None,
            running: None,
            count: None,
            stats: None,
        }
    }

    /// Adds each statement's time to its pattern in `stats`.
    pub fn keeping(self, stats: Arc<StatementStats>) -> Self {
        Self {
            stats: Some(stats),
            ..self
        }
    }

    /// Counts every statement into `total` (the store's, across its connections).
    pub fn counting(self, total: Arc<AtomicU64>) -> Self {
        Self {
            count: Some(total),
            ..self
        }
    }

    /// Statements run under whatever `parent` holds when they start.
    pub fn under(self, parent: ParentSpan) -> Self {
        Self {
            parent: Some(parent),
            ..self
        }
    }

    fn start(&mut self, query: &dyn DebugQuery) {
        if let Some(count) = &self.count {
            count.fetch_add(1, Ordering::Relaxed);
        }
        if !self.spans {
            self.running = Some(Running {
                span: None,
                started: Instant::now(),
            });
            return;
        }
        let text = statement(query);
        let operation = text
            .split_whitespace()
            .next()
            .unwrap_or("SQL")
            .to_ascii_uppercase();
        let parent = self
            .parent
            .as_ref()
            .map_or_else(Span::current, ParentSpan::get);
        let span = tracing::info_span!(
            parent: &parent,
            "db.query",
            otel.name = %operation,
            otel.kind = "client",
            db.system.name = self.system,
            db.operation.name = %operation,
            db.query.text = %text,
            error.type = tracing::field::Empty,
        );
        self.running = Some(Running {
            span: Some((span, text)),
            started: Instant::now(),
        });
    }

    fn finish(&mut self, query: &dyn DebugQuery, failed: Option<&diesel::result::Error>) {
        let Some(Running { span, started }) = self.running.take() else {
            return;
        };
        let elapsed = started.elapsed();
        if let Some(stats) = &self.stats {
            stats.record(query, elapsed);
        }
        if let (Some((span, _)), Some(error)) = (&span, failed) {
            span.record("error.type", error_type(error));
        }
        if elapsed <= self.slow {
            return;
        }
        let warn = |text: &str| {
            tracing::warn!(
                db.system.name = self.system,
                db.query.text = %text,
                duration_ms = elapsed.as_secs_f64() * 1000.0,
                threshold_ms = self.slow.as_millis() as u64,
                "slow query"
            );
        };
        // Logged inside the statement's span, else its use case's, for the trace id.
        match (span, &self.parent) {
            (Some((span, text)), _) => span.in_scope(|| warn(&text)),
            (None, Some(parent)) => parent.get().in_scope(|| warn(&statement(query))),
            (None, None) => warn(&statement(query)),
        }
    }
}

impl Instrumentation for QueryTracing {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => self.start(query),
            InstrumentationEvent::FinishQuery { query, error, .. } => self.finish(query, error),
            _ => {}
        }
    }
}

/// The statement without the bound values diesel's debug form appends.
pub(crate) fn statement(query: &dyn DebugQuery) -> String {
    let mut text = query.to_string();
    if let Some(at) = text.find(" -- binds: ") {
        text.truncate(at);
    }
    text
}

fn error_type(error: &diesel::result::Error) -> &'static str {
    use diesel::result::{DatabaseErrorKind as Kind, Error};
    match error {
        Error::DatabaseError(kind, _) => match kind {
            Kind::UniqueViolation => "unique_violation",
            Kind::ForeignKeyViolation => "foreign_key_violation",
            Kind::SerializationFailure => "serialization_failure",
            Kind::CheckViolation => "check_violation",
            Kind::NotNullViolation => "not_null_violation",
            Kind::ClosedConnection => "closed_connection",
            _ => "database_error",
        },
        Error::NotFound => "not_found",
        _ => "diesel_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_traced_without_its_bound_values() {
        let select = diesel::sql_query("SELECT name FROM users WHERE email = $1")
            .bind::<diesel::sql_types::Text, _>("chef@example.com");
        let query = diesel::debug_query::<diesel::pg::Pg, _>(&select);
        let text = statement(&query);
        assert_eq!(text, "SELECT name FROM users WHERE email = $1");
        assert!(!text.contains("chef@example.com"));
    }
}
