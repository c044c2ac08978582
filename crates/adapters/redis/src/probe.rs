//! [`RedisProbe`]: a Redis round trip for the detailed health view.

use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Longest the probe waits for Redis.
const TIMEOUT: Duration = Duration::from_millis(500);

pub struct RedisProbe {
    connection: ConnectionManager,
}

impl RedisProbe {
    /// A probe of the Redis at `url`; connects on first use.
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("BRIGADE_REDIS_URL is not a valid Redis URL: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(0);
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| anyhow::anyhow!("redis probe: {e}"))?;
        Ok(Self { connection })
    }

    /// How long a `PING` took, or why it failed.
    pub async fn ping(&self) -> Result<Duration, String> {
        let mut connection = self.connection.clone();
        let started = Instant::now();
        match tokio::time::timeout(
            TIMEOUT,
            redis::cmd("PING").query_async::<String>(&mut connection),
        )
        .await
        {
            Ok(Ok(_)) => Ok(started.elapsed()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {} ms", TIMEOUT.as_millis())),
        }
    }
}
