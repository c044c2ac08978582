//! [`MemoryCache`]: the cache of an instance without Redis (and [`NoCache`], for none) (cache-aside reads, DESIGN
//! §9), moka's bounded in-process cache. Entries honour their TTL; the whole cache is
//! bounded by the bytes it holds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use brigade_application::ports::{Cache, CacheError};

/// Bytes the cache may hold; the least recently used entries go first beyond it.
const CAPACITY_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Clone)]
pub struct MemoryCache {
    entries: moka::sync::Cache<String, (Instant, Arc<[u8]>)>,
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|key: &String, (_, value): &(Instant, Arc<[u8]>)| {
                    u32::try_from(key.len() + value.len()).unwrap_or(u32::MAX)
                })
                .build(),
        }
    }
}

#[async_trait]
impl Cache for MemoryCache {
    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        Ok(match self.entries.get(key) {
            Some((deadline, value)) if Instant::now() < deadline => Some(value.to_vec()),
            Some(_) => {
                self.entries.invalidate(key);
                None
            }
            None => None,
        })
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        self.entries
            .insert(key.to_owned(), (Instant::now() + ttl, Arc::from(value)));
        Ok(())
    }
}

/// No cache: every read goes to the database (`BRIGADE_READ_CACHE=off`).
pub struct NoCache;

#[async_trait]
impl Cache for NoCache {
    fn backend(&self) -> &'static str {
        "off"
    }

    async fn get(&self, _: &str) -> Result<Option<Vec<u8>>, CacheError> {
        Ok(None)
    }

    async fn set(&self, _: &str, _: &[u8], _: Duration) -> Result<(), CacheError> {
        Ok(())
    }
}
