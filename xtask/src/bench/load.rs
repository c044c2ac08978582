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

fn collect(results: Vec<(Vec<Duration>, u64)>, sent: u64, elapsed: Duration) -> Stats {
    let mut latencies = Vec::new();
    let mut errors = 0;
    for (lat, err) in results {
        latencies.extend(lat);
        errors += err;
    }
    latencies.sort_unstable();
    Stats {
        sent,
        errors,
        elapsed,
        latencies,
    }
}

/// `count` requests due at `rate` per second over `connections` connections.
pub fn fixed_rate(
    addr: SocketAddr,
    rate: f64,
    count: u64,
    connections: usize,
    make: MakeRequest,
) -> Stats {
    let next = Arc::new(AtomicU64::new(0));
    let results = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now() + Duration::from_millis(100);
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let (next, results, make) = (next.clone(), results.clone(), make.clone());
            std::thread::spawn(move || {
                let mut conn = Conn::connect(addr).ok();
                let (mut lat, mut errors) = (Vec::new(), 0u64);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let due = start + Duration::from_secs_f64(i as f64 / rate);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let ok = conn
                        .as_mut()
                        .and_then(|c| c.send(&make(i)).ok())
                        .is_some_and(|(status, _)| status < 300);
                    if ok {
                        lat.push(due.elapsed());
                    } else {
                        errors += 1;
                    }
                }
                if let Ok(mut r) = results.lock() {
                    r.push((lat, errors));
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    let elapsed = start.elapsed();
    let results = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    collect(results, count, elapsed)
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
    let next = Arc::new(AtomicU64::new(0));
    let results = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let deadline = start + duration;
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let (next, results, make) = (next.clone(), results.clone(), make.clone());
            std::thread::spawn(move || {
                let mut conn = Conn::connect(addr).ok();
                let (mut lat, mut errors) = (Vec::new(), 0u64);
                while Instant::now() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= limit {
                        break;
                    }
                    let sent = Instant::now();
                    let ok = conn
                        .as_mut()
                        .and_then(|c| c.send(&make(i)).ok())
                        .is_some_and(|(status, _)| status < 300);
                    if ok {
                        lat.push(sent.elapsed());
                    } else {
                        errors += 1;
                    }
                }
                if let Ok(mut r) = results.lock() {
                    r.push((lat, errors));
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    let elapsed = start.elapsed();
    let sent = next.load(Ordering::Relaxed).min(limit);
    let results = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    let mut stats = collect(results, sent, elapsed);
    // Indices handed out after the deadline were never sent.
    stats.sent = stats.latencies.len() as u64 + stats.errors;
    stats
}
