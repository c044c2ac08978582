//! This instance's requests of the last hour, for the operator's metrics summary:
//! counts and latency percentiles kept per minute (one HdrHistogram each, 2
//! significant digits, up to a minute), summed over the last 60 minutes on demand.
//! Prometheus has the fleet's view from the OTLP metrics; this is the seed's quick
//! look without one.

use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;

const MINUTES: usize = 60;

#[derive(Default)]
pub struct RequestStats {
    minutes: Mutex<Vec<Minute>>,
}

struct Minute {
    /// Minutes since the Unix epoch.
    at: i64,
    requests: u64,
    errors: u64,
    client_errors: u64,
    slow: u64,
    /// Microseconds.
    latency: Histogram<u64>,
}

/// The last hour of requests on this instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Hour {
    pub requests: u64,
    /// Answered 5xx.
    pub errors: u64,
    /// Answered 4xx.
    pub client_errors: u64,
    /// Slower than their operation's threshold.
    pub slow: u64,
    /// Milliseconds; `None` without requests.
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
}

fn histogram() -> Option<Histogram<u64>> {
    Histogram::new_with_bounds(1, 60_000_000, 2).ok()
}

impl RequestStats {
    pub fn record(&self, status: u16, took: Duration, slow: bool) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp() / 60;
        let Ok(mut minutes) = self.minutes.lock() else {
            return;
        };
        if minutes.is_empty() {
            minutes.extend((0..MINUTES).filter_map(|_| {
                Some(Minute {
                    at: -1,
                    requests: 0,
                    errors: 0,
                    client_errors: 0,
                    slow: 0,
                    latency: histogram()?,
                })
            }));
        }
        let Some(minute) = minutes.get_mut(now.rem_euclid(MINUTES as i64) as usize) else {
            return;
        };
        if minute.at != now {
            minute.at = now;
            minute.requests = 0;
            minute.errors = 0;
            minute.client_errors = 0;
            minute.slow = 0;
            minute.latency.reset();
        }
        minute.requests += 1;
        minute.errors += u64::from(status >= 500);
        minute.client_errors += u64::from((400..500).contains(&status));
        minute.slow += u64::from(slow);
        minute
            .latency
            .saturating_record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1));
    }

    pub fn last_hour(&self) -> Hour {
        let now = time::OffsetDateTime::now_utc().unix_timestamp() / 60;
        let mut hour = Hour {
            requests: 0,
            errors: 0,
            client_errors: 0,
            slow: 0,
            p50: None,
            p95: None,
            p99: None,
        };
        let Some(mut latency) = histogram() else {
            return hour;
        };
        if let Ok(minutes) = self.minutes.lock() {
            for minute in minutes.iter().filter(|m| m.at > now - MINUTES as i64) {
                hour.requests += minute.requests;
                hour.errors += minute.errors;
                hour.client_errors += minute.client_errors;
                hour.slow += minute.slow;
                let _ = latency.add(&minute.latency);
            }
        }
        if !latency.is_empty() {
            let ms = |q: f64| Some(latency.value_at_quantile(q) as f64 / 1000.0);
            hour.p50 = ms(0.50);
            hour.p95 = ms(0.95);
            hour.p99 = ms(0.99);
        }
        hour
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hour_counts_errors_apart_and_orders_its_percentiles() {
        let stats = RequestStats::default();
        for ms in 1..=100 {
            stats.record(200, Duration::from_millis(ms), ms > 90);
        }
        stats.record(503, Duration::from_millis(5), false);
        stats.record(404, Duration::from_millis(5), false);
        let hour = stats.last_hour();
        assert_eq!(
            (hour.requests, hour.errors, hour.client_errors, hour.slow),
            (102, 1, 1, 10)
        );
        let (p50, p95, p99) = (
            hour.p50.unwrap_or(0.0),
            hour.p95.unwrap_or(0.0),
            hour.p99.unwrap_or(0.0),
        );
        assert!((45.0..=55.0).contains(&p50), "{p50}");
        assert!(p50 < p95 && p95 <= p99 && p99 <= 101.0, "{hour:?}");
    }

    #[test]
    fn no_requests_no_percentiles() {
        let hour = RequestStats::default().last_hour();
        assert_eq!(hour.requests, 0);
        assert_eq!(hour.p95, None);
    }
}
