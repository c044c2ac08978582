//! [`RedisCache`]: the shared cache of every instance (cache-aside reads, DESIGN §9).
//! It connects lazily and reconnects by itself; every call is bounded by a short
//! timeout, so a Redis that is down or slow costs a read that much, then the database
//! answers.

use std::time::Duration;

use async_trait::async_trait;
use brigade_application::ports::{Cache, CacheError};
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::{Context, Seal};

/// Longest a cache call may take before the caller goes to the database.
const TIMEOUT: Duration = Duration::from_millis(150);

pub struct RedisCache {
    connection: ConnectionManager,
    /// Prefixed to every key, so several deployments may share one Redis.
    prefix: String,
    /// Entries are sealed under their key: one written by anyone else is a miss.
    seal: Seal,
}

impl RedisCache {
    /// A cache on the Redis at `url`; connects on first use (an instance starts while
    /// Redis is down).
    pub fn new(url: &str, prefix: &str, seal: Seal) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("BRIGADE_REDIS_URL is not a valid Redis URL: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| anyhow::anyhow!("redis cache: {e}"))?;
        Ok(Self {
            connection,
            prefix: prefix.to_owned(),
            seal,
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

fn failed(e: impl std::fmt::Display) -> CacheError {
    CacheError(e.to_string())
}

#[async_trait]
impl Cache for RedisCache {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        let mut connection = self.connection.clone();
        let key = self.key(key);
        let sealed = tokio::time::timeout(TIMEOUT, connection.get::<_, Option<Vec<u8>>>(&key))
            .await
            .map_err(failed)?
            .map_err(failed)?;
        Ok(sealed.and_then(|sealed| {
            let body = self
                .seal
                .open(Context::Cache(&key), &sealed)
                .map(<[u8]>::to_vec);
            if body.is_none() {
                tracing::warn!(
                    key,
                    "redis cache: an entry without a valid seal read as a miss"
                );
            }
            body
        }))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        let mut connection = self.connection.clone();
        let key = self.key(key);
        let sealed = self.seal.seal(Context::Cache(&key), value);
        tokio::time::timeout(
            TIMEOUT,
            connection.set_ex::<_, _, ()>(key, sealed, ttl.as_secs().max(1)),
        )
        .await
        .map_err(failed)?
        .map_err(failed)
    }
}
