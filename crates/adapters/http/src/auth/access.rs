//! Who a token speaks for, cached briefly, and kept fresh across instances.
//!
//! A token carries its user and session epoch only (DESIGN §9). The user's epoch,
//! disabled flag and memberships are read from the store and cached here; every change
//! of them stamps the user's `access_changed_at` in its own transaction, and
//! [`AccessCache::watch`] reads the stamps of the last few seconds once a second (one
//! indexed query, however many users or screens), dropping what changed and telling
//! open WebSockets to check again. A logout, a disabled account, a role or membership
//! change is so in force on every instance within two seconds.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use brigade_application::Brigade;
use brigade_application::model::Access;
use brigade_domain::UserId;
use time::OffsetDateTime;
use tokio::sync::broadcast;

use crate::ApiError;

/// Cached accesses, kept however long no change is seen (the watcher drops changed
/// ones); the TTL only bounds how stale one can get while the store cannot be read.
const TTL: Duration = Duration::from_secs(60);
const CAPACITY: u64 = 50_000;
/// How far back each poll looks: covers transactions that committed after a later
/// stamp was seen, and clocks of instances that differ by a few seconds.
const WINDOW: time::Duration = time::Duration::seconds(10);
/// Changes this recent are dropped again at every poll: a read that began before the
/// change committed may have put the old access back in the cache meanwhile.
const SETTLING: time::Duration = time::Duration::seconds(3);

/// What changed, for open WebSockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    User(UserId),
    /// Changes may have been missed (the store could not be read): check everyone.
    Everyone,
}

impl Changed {
    pub fn concerns(self, user: UserId) -> bool {
        match self {
            Changed::User(u) => u == user,
            Changed::Everyone => true,
        }
    }
}

/// A read of the store, and when it was made.
#[derive(Clone)]
struct Loaded {
    access: Option<Arc<Access>>,
    at: std::time::Instant,
}

/// A refused token has the store read again at most this often (see `admit`).
const REREAD_AFTER: Duration = Duration::from_secs(1);

pub struct AccessCache {
    brigade: Brigade,
    /// Every authenticated request looks its user up here: a plain (sync) lookup.
    cache: moka::sync::Cache<UserId, Loaded>,
    changes: broadcast::Sender<Changed>,
}

impl AccessCache {
    pub fn new(brigade: Brigade) -> Self {
        Self {
            brigade,
            cache: moka::sync::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(TTL)
                .build(),
            changes: broadcast::channel(1024).0,
        }
    }

    /// Who `user` is now (`None`: no such account).
    pub async fn get(&self, user: UserId) -> Result<Option<Arc<Access>>, ApiError> {
        self.load(user).await.map(|loaded| loaded.access)
    }

    async fn load(&self, user: UserId) -> Result<Loaded, ApiError> {
        if let Some(hit) = self.cache.get(&user) {
            return Ok(hit);
        }
        // Concurrent misses of one user each read (a few, once a minute at most).
        let loaded = Loaded {
            access: self.brigade.access(user).await?.map(Arc::new),
            at: std::time::Instant::now(),
        };
        self.cache.insert(user, loaded.clone());
        Ok(loaded)
    }

    /// The access of a token issued to `user` under `epoch`, when it still speaks for
    /// them; 401 when they logged out, were disabled or no longer exist. A token newer
    /// than what is cached (a login right after an enable, on another instance) has the
    /// store read again rather than be refused on a stale entry, at most once a second
    /// however often such a token is tried.
    pub async fn admit(&self, user: UserId, epoch: i64) -> Result<Arc<Access>, ApiError> {
        let mut loaded = self.load(user).await?;
        let maybe_stale = loaded
            .access
            .as_ref()
            .is_some_and(|a| a.disabled || a.session_epoch < epoch);
        if maybe_stale && loaded.at.elapsed() >= REREAD_AFTER {
            self.cache.invalidate(&user);
            loaded = self.load(user).await?;
        }
        match loaded.access {
            Some(access) if access.admits(epoch) => Ok(access),
            _ => Err(ApiError::unauthorized(
                "this session has ended (logged out or disabled): log in again",
            )),
        }
    }

    /// Drops what is cached of `user` and tells their open sockets.
    pub async fn forget(&self, user: UserId) {
        self.cache.invalidate(&user);
        let _ = self.changes.send(Changed::User(user));
    }

    /// Changes, for an open WebSocket.
    pub fn subscribe(&self) -> broadcast::Receiver<Changed> {
        self.changes.subscribe()
    }

    /// Polls the store for access changes every `every`, for as long as the runtime
    /// runs (spawn it once per server).
    pub async fn watch(self: Arc<Self>, every: Duration) {
        let mut seen: HashMap<UserId, OffsetDateTime> = HashMap::new();
        let mut missed = false;
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = OffsetDateTime::now_utc();
            let since = now - WINDOW;
            match self.brigade.access_changes(since).await {
                Ok(changes) => {
                    if std::mem::take(&mut missed) {
                        // Down longer than the window, perhaps: start over.
                        self.cache.invalidate_all();
                        let _ = self.changes.send(Changed::Everyone);
                    }
                    for (user, at) in changes {
                        if seen.insert(user, at) != Some(at) || at > now - SETTLING {
                            self.forget(user).await;
                        }
                    }
                    seen.retain(|_, at| *at > since);
                }
                Err(e) => {
                    if !missed {
                        tracing::warn!(error = %e, "reading access changes failed; sessions are rechecked once it works again");
                    }
                    missed = true;
                }
            }
        }
    }
}
