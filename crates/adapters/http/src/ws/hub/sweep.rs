//! The sweep: one task per instance that finds events whose publication was lost.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use brigade_application::Brigade;
use brigade_domain::VenueId;

use super::{Feed, Hub, lock};

struct Running(Hub);

impl Drop for Running {
    fn drop(&mut self) {
        tracing::warn!("realtime: the journal sweep ended; the next feed restarts it");
        self.0.inner.sweeping.store(false, Ordering::Release);
    }
}

/// Every `poll`: one query for the journal heads of the venues with a feed here,
/// and a wake-up for each feed that is behind. No query while there is no feed.
pub(super) async fn run(hub: Hub, brigade: Brigade) {
    // Should the task ever end (a panic, its worker stopping), the next feed to start
    // starts a new one.
    let _running = Running(hub.clone());
    let mut every = tokio::time::interval(hub.inner.settings.poll);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let feeds: Vec<Arc<Feed>> = lock(&hub.inner.feeds).values().cloned().collect();
        if feeds.is_empty() {
            continue;
        }
        let venues: Vec<VenueId> = feeds.iter().map(|f| f.venue).collect();
        let heads: HashMap<VenueId, i64> = match brigade.feed_heads(&venues).await {
            Ok(heads) => heads.into_iter().collect(),
            Err(e) => {
                tracing::warn!(error = %e, "realtime: journal heads unreadable; retrying");
                continue;
            }
        };
        for feed in feeds {
            let Some(&head) = heads.get(&feed.venue) else {
                continue;
            };
            feed.head.store(head, Ordering::Release);
            if head > lock(&feed.state).last {
                feed.behind.notify_one();
            }
        }
    }
}
