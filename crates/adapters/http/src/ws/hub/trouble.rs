//! What makes the gateway `degraded` in the detailed health view: a subscriber's queue
//! overflowed in the last five minutes, or at least [`SLOW_TO_DEGRADE`] events reached
//! this instance's screens slower than the fan-out threshold within a minute (one slow
//! event in a rush is not a degraded gateway). A threshold of 0 turns the slow fan-out
//! signal off.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

const OVERFLOW_WINDOW: i64 = 300;
/// Slow fan-outs within one minute that make the gateway degraded (for that minute and
/// the next).
const SLOW_TO_DEGRADE: i64 = 20;

pub(crate) struct Trouble {
    slow_fanout: Duration,
    /// Unix seconds of the last overflow, and of the last slow fan-out (0: never).
    last_overflow: AtomicI64,
    last_slow: AtomicI64,
    /// The minute (Unix minutes) slow fan-outs are being counted in, and the count.
    slow_minute: AtomicI64,
    slow_in_minute: AtomicI64,
    /// The last minute that reached [`SLOW_TO_DEGRADE`].
    degraded_minute: AtomicI64,
    /// The last slow fan-out's lag, in microseconds.
    slow_lag_us: AtomicI64,
    /// Unix seconds of the last WARN line about a slow fan-out (one per 10 s at most).
    last_warned: AtomicI64,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Trouble {
    pub(crate) fn new(slow_fanout: Duration) -> Self {
        Self {
            slow_fanout,
            last_overflow: AtomicI64::new(0),
            last_slow: AtomicI64::new(0),
            slow_minute: AtomicI64::new(0),
            slow_in_minute: AtomicI64::new(0),
            degraded_minute: AtomicI64::new(-10),
            slow_lag_us: AtomicI64::new(0),
            last_warned: AtomicI64::new(0),
        }
    }

    pub(crate) fn overflowed(&self) {
        self.last_overflow.store(now(), Ordering::Relaxed);
    }

    /// Notes an event's fan-out lag; a lag over the threshold is logged (at most once
    /// per 10 s) and marks the gateway degraded for a minute.
    pub(crate) fn fanned_out(&self, lag: Duration) {
        if self.slow_fanout.is_zero() || lag <= self.slow_fanout {
            return;
        }
        let now = now();
        self.last_slow.store(now, Ordering::Relaxed);
        let minute = now / 60;
        if self.slow_minute.swap(minute, Ordering::Relaxed) != minute {
            self.slow_in_minute.store(0, Ordering::Relaxed);
        }
        if self.slow_in_minute.fetch_add(1, Ordering::Relaxed) + 1 >= SLOW_TO_DEGRADE {
            self.degraded_minute.store(minute, Ordering::Relaxed);
        }
        self.slow_lag_us.store(
            i64::try_from(lag.as_micros()).unwrap_or(i64::MAX),
            Ordering::Relaxed,
        );
        let warned = self.last_warned.load(Ordering::Relaxed);
        if now - warned >= 10
            && self
                .last_warned
                .compare_exchange(warned, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                lag_ms = lag.as_secs_f64() * 1000.0,
                threshold_ms = self.slow_fanout.as_millis() as u64,
                "slow fan-out"
            );
        }
    }

    /// The status and why, for the health view.
    pub(crate) fn report(&self) -> (&'static str, Value) {
        let now = now();
        let overflow = self.last_overflow.load(Ordering::Relaxed);
        let slow = self.last_slow.load(Ordering::Relaxed);
        let overflowing = overflow > 0 && now - overflow < OVERFLOW_WINDOW;
        let lagging = now / 60 - self.degraded_minute.load(Ordering::Relaxed) <= 1;
        let status = if overflowing || lagging {
            "degraded"
        } else {
            "up"
        };
        let at = |secs: i64| {
            (secs > 0).then(|| {
                time::OffsetDateTime::from_unix_timestamp(secs)
                    .ok()
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
            })
        };
        (
            status,
            json!({
                "slow_fanout_threshold_ms": self.slow_fanout.as_millis() as u64,
                "last_queue_overflow_at": at(overflow).flatten(),
                "last_slow_fanout_at": at(slow).flatten(),
                "last_slow_fanout_ms": (slow > 0).then(|| self.slow_lag_us.load(Ordering::Relaxed) as f64 / 1000.0),
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_is_degraded_by_a_slow_fan_out_or_an_overflow_and_up_otherwise() {
        let trouble = Trouble::new(Duration::from_millis(50));
        trouble.fanned_out(Duration::from_millis(10));
        assert_eq!(trouble.report().0, "up");

        trouble.fanned_out(Duration::from_millis(120));
        let (status, details) = trouble.report();
        assert_eq!(status, "up", "one slow event in a rush");
        assert_eq!(details["last_slow_fanout_ms"], 120.0);
        for _ in 0..SLOW_TO_DEGRADE {
            trouble.fanned_out(Duration::from_millis(120));
        }
        assert_eq!(trouble.report().0, "degraded");

        let off = Trouble::new(Duration::ZERO);
        for _ in 0..100 {
            off.fanned_out(Duration::from_secs(1));
        }
        assert_eq!(off.report().0, "up", "a threshold of 0 is off");

        let overflowing = Trouble::new(Duration::from_millis(50));
        overflowing.overflowed();
        let (status, details) = overflowing.report();
        assert_eq!(status, "degraded");
        assert!(details["last_queue_overflow_at"].is_string());
    }
}
