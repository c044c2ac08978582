//! Load drivers. `fixed_rate` is open-loop: request i is due at start + i/rate and its
//! latency counts from that due time, so a stalled server is charged for the requests
//! it delayed (no coordinated omission). `max_rate` is closed-loop: each connection
//! sends as fast as answers come back, to find sustained throughput.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::http::{Conn, Request};

pub type MakeRequest = Arc<dyn Fn(u64) -> Request<'static> + Send + Sync>;

#[derive(Debug, Clone)]
pub struct Stats {
    pub sent: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Sorted latencies of successful requests.
    pub latencies: Vec<Duration>,
}

impl Stats {
    pub fn rate(&self) -> f64 {
        (self.sent - self.errors) as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * (self.latencies.len() - 1) as f64).round() as usize;
        self.latencies[rank.min(self.latencies.len() - 1)]
    }

    pub fn ms(&self, p: f64) -> f64 {
        self.percentile(p).as_secs_f64() * 1000.0
    }
}

/// What a driver thread asks before each request: its index and the instant its latency
/// counts from, or `None` to stop.
type Next = Arc<dyn Fn() -> Option<(u64, Instant)> + Send + Sync>;

/// Runs `connections` threads, each on its own keep-alive connection, sending the
/// requests `next` hands out; returns the sorted latencies of successes and the errors.
fn drive(
    addr: SocketAddr,
    connections: usize,
    make: MakeRequest,
    next: Next,
) -> (Vec<Duration>, u64) {
    let results = Arc::new(Mutex::new((Vec::new(), 0u64)));
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let (next, results, make) = (next.clone(), results.clone(), make.clone());
            std::thread::spawn(move || {
                let mut conn = Conn::connect(addr).ok();
                let (mut lat, mut errors) = (Vec::new(), 0u64);
                while let Some((i, from)) = next() {
                    let ok = conn
                        .as_mut()
                        .and_then(|c| c.send(&make(i)).ok())
                        .is_some_and(|(status, _)| status < 300);
                    if ok {
                        lat.push(from.elapsed());
                    } else {
                        errors += 1;
                    }
                }
                if let Ok(mut r) = results.lock() {
                    r.0.extend(lat);
                    r.1 += errors;
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    let (mut latencies, errors) =
        std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    latencies.sort_unstable();
    (latencies, errors)
}

/// `count` requests due at `rate` per second over `connections` connections.
pub fn fixed_rate(
    addr: SocketAddr,
    rate: f64,
    count: u64,
    connections: usize,
    make: MakeRequest,
) -> Stats {
    let counter = Arc::new(AtomicU64::new(0));
    let start = Instant::now() + Duration::from_millis(100);
    let next: Next = Arc::new(move || {
        let i = counter.fetch_add(1, Ordering::Relaxed);
        if i >= count {
            return None;
        }
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        Some((i, due))
    });
    let (latencies, errors) = drive(addr, connections, make, next);
    Stats {
        sent: count,
        errors,
        elapsed: start.elapsed(),
        latencies,
    }
}

/// As many requests as `connections` connections complete in `duration` (at most
/// `limit` in all).
pub fn max_rate(
    addr: SocketAddr,
    duration: Duration,
    limit: u64,
    connections: usize,
    make: MakeRequest,
) -> Stats {
    let counter = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let next: Next = Arc::new(move || {
        if Instant::now() >= deadline {
            return None;
        }
        let i = counter.fetch_add(1, Ordering::Relaxed);
        (i < limit).then(|| (i, Instant::now()))
    });
    let (latencies, errors) = drive(addr, connections, make, next);
    Stats {
        sent: latencies.len() as u64 + errors,
        errors,
        elapsed: start.elapsed(),
        latencies,
    }
}
