//! Cache-aside for hot reads (DESIGN §9, "one versioning rule"): a read asks the
//! database for the version it holds, looks the representation up under a key that
//! carries that version, and on a miss builds it from the database and stores it. A
//! cache that fails or times out is counted and skipped: the read answers from the
//! database. `brigade.cache.lookups` counts hits, misses and errors by cache.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use brigade_application::ports::Cache;
use opentelemetry::KeyValue;
use opentelemetry::metrics::Counter;

/// The representations cached, each with its TTL (a backstop: keys carry versions).
#[derive(Clone)]
pub struct ReadCache {
    cache: Arc<dyn Cache>,
    ttl: Duration,
    /// When a failure was last logged (ms since `started`): one line per
    /// [`QUIET`], however many reads fail while the cache is down.
    warned: Arc<AtomicU64>,
    started: Instant,
}

/// Failures within this long of a logged one are counted, not logged.
const QUIET: Duration = Duration::from_secs(10);

impl ReadCache {
    pub fn new(cache: Arc<dyn Cache>, ttl: Duration) -> Self {
        Self {
            cache,
            ttl,
            warned: Arc::new(AtomicU64::new(0)),
            started: Instant::now(),
        }
    }

    /// Whether this failure is the first in [`QUIET`].
    fn loud(&self) -> bool {
        let now = self.started.elapsed().as_millis() as u64 + QUIET.as_millis() as u64;
        let last = self.warned.load(Ordering::Relaxed);
        now.saturating_sub(last) >= QUIET.as_millis() as u64
            && self
                .warned
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// `redis` or `memory`.
    pub fn backend(&self) -> &'static str {
        self.cache.backend()
    }

    /// The cached bytes of `key` for the cache named `name`, if any.
    pub async fn get(&self, name: &'static str, key: &str) -> Option<Vec<u8>> {
        let (found, result) = match self.cache.get(key).await {
            Ok(Some(bytes)) => (Some(bytes), "hit"),
            Ok(None) => (None, "miss"),
            Err(e) => {
                if self.loud() {
                    tracing::warn!(cache = name, backend = self.backend(), error = %e, "cache read failed; reading the database (more failures in the next 10 s are only counted)");
                }
                (None, "error")
            }
        };
        self.count(name, result);
        found
    }

    /// Stores `value` under `key`; a failure is counted and logged, nothing more.
    pub async fn put(&self, name: &'static str, key: &str, value: &[u8]) {
        if let Err(e) = self.cache.set(key, value, self.ttl).await {
            if self.loud() {
                tracing::warn!(cache = name, backend = self.backend(), error = %e, "cache write failed (more failures in the next 10 s are only counted)");
            }
            self.count(name, "error");
        }
    }

    fn count(&self, name: &'static str, result: &'static str) {
        lookups().add(
            1,
            &[
                KeyValue::new("cache", name),
                KeyValue::new("backend", self.backend()),
                KeyValue::new("result", result),
            ],
        );
    }
}

fn lookups() -> &'static Counter<u64> {
    static COUNTER: OnceLock<Counter<u64>> = OnceLock::new();
    COUNTER.get_or_init(|| {
        opentelemetry::global::meter("brigade")
            .u64_counter("brigade.cache.lookups")
            .with_description(
                "Cache-aside lookups by `cache` (menu), `backend` (redis, memory) and \
                 `result`: hit, miss, or error (the read went to the database).",
            )
            .build()
    })
}
