//! The gateway's metrics (see `docs/LOGGING.md`); connection counts per venue are a
//! gauge the app registers from [`super::Hub::connections`].

use std::sync::OnceLock;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram};

use super::protocol::close;

/// Why a connection ended, as the `reason` of `brigade.ws.disconnects`.
pub(crate) fn reason(close: Option<u16>) -> &'static str {
    match close {
        None => "client_closed",
        Some(close::IDLE_TIMEOUT) => "timeout",
        Some(close::TOKEN_EXPIRED) => "token_expired",
        Some(close::SESSION_ENDED | close::NOT_A_MEMBER) => "revoked",
        Some(close::TOO_SLOW) => "too_slow",
        Some(close::INTERNAL) => "error",
        Some(_) => "protocol_error",
    }
}

pub(crate) fn disconnected(reason: &'static str) {
    static COUNTER: OnceLock<Counter<u64>> = OnceLock::new();
    COUNTER
        .get_or_init(|| {
            opentelemetry::global::meter("brigade")
                .u64_counter("brigade.ws.disconnects")
                .with_unit("{connection}")
                .with_description(
                    "Kitchen-display WebSocket connections ended, by `reason` (client_closed, \
                     timeout, token_expired, revoked, too_slow, error, protocol_error).",
                )
                .build()
        })
        .add(1, &[KeyValue::new("reason", reason)]);
}

/// Time from the change (the use case's clock reading, taken before its transaction, so
/// lock waits and COMMIT count) to its frame being queued for this instance's screens.
pub(crate) fn fanout_lag(seconds: f64) {
    static HISTOGRAM: OnceLock<Histogram<f64>> = OnceLock::new();
    HISTOGRAM
        .get_or_init(|| {
            opentelemetry::global::meter("brigade")
                .f64_histogram("brigade.events.fanout.lag")
                .with_unit("s")
                .with_description(
                    "Time from a change (taken before its transaction, so it includes lock \
                     waits and COMMIT) to its event being queued for the kitchen screens \
                     subscribed on this instance.",
                )
                .with_boundaries(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
                .build()
        })
        .record(seconds.max(0.0), &[]);
}
