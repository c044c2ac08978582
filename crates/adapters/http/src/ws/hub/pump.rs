//! The pump: the task behind one venue's feed, broadcasting its stream in seq order.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use brigade_application::Brigade;
use brigade_application::model::JournalEntry;
use bytestring::ByteString;
use tokio::sync::mpsc;

use super::{Feed, Frame, Hub, PAGE, lock};
use crate::ws::protocol;

/// The task behind one venue's feed.
pub(super) struct Pump {
    pub(super) hub: Hub,
    pub(super) feed: Arc<Feed>,
    pub(super) brigade: Brigade,
    pub(super) entries: mpsc::Receiver<Vec<JournalEntry>>,
}

impl Pump {
    pub(super) async fn run(mut self) {
        // Whether anyone still listens is checked in memory, at the sweep's pace.
        let mut idle_check = tokio::time::interval(self.hub.inner.settings.poll);
        idle_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                batch = self.entries.recv() => match batch {
                    Some(mut batch) => {
                        batch.sort_by_key(|e| e.seq);
                        for entry in batch {
                            self.apply(entry).await;
                        }
                    }
                    None => return,
                },
                () = self.feed.behind.notified() => self.catch_up_to_head().await,
                _ = idle_check.tick() => {
                    if self.retire() {
                        return;
                    }
                }
            }
        }
    }

    /// Ends the feed when nobody listens any more.
    fn retire(&self) -> bool {
        let mut feeds = lock(&self.hub.inner.feeds);
        if !lock(&self.feed.state).subscribers.is_empty() {
            return false;
        }
        if feeds
            .get(&self.feed.venue)
            .is_some_and(|f| Arc::ptr_eq(f, &self.feed))
        {
            feeds.remove(&self.feed.venue);
        }
        true
    }

    fn last(&self) -> i64 {
        lock(&self.feed.state).last
    }

    async fn apply(&mut self, entry: JournalEntry) {
        let last = self.last();
        if entry.seq <= last {
            return;
        }
        if entry.seq > last + 1 {
            self.catch_up(entry.seq - 1).await;
            if self.last() + 1 != entry.seq {
                // Still missing (the journal could not be read): the sweep finds the
                // feed behind and it retries, reading this entry from the journal.
                return;
            }
        }
        self.broadcast(&entry);
    }

    /// Woken by the sweep: reads the journal up to the venue's head. When it holds
    /// nothing more although the head is ahead, retention pruned those events: the
    /// feed moves to the head (as for a pruned hole below), instead of being woken
    /// for them at every sweep.
    async fn catch_up_to_head(&mut self) {
        let head = self.feed.head.load(Ordering::Acquire);
        if self.catch_up(i64::MAX).await && self.last() < head {
            tracing::warn!(venue = %self.feed.venue, from = self.last() + 1, to = head, "realtime: journal pruned past the feed");
            lock(&self.feed.state).last = head;
        }
    }

    /// Broadcasts journal entries after `last`, up to `until`; false when the journal
    /// could not be read.
    async fn catch_up(&mut self, until: i64) -> bool {
        loop {
            let last = self.last();
            if last >= until {
                return true;
            }
            let page = match self.brigade.feed_since(self.feed.venue, last, PAGE).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(venue = %self.feed.venue, error = %e, "realtime: journal unreadable; retrying");
                    return false;
                }
            };
            let full = page.len() as i64 == PAGE;
            if let Some(first) = page.first().filter(|e| e.seq > last + 1) {
                // Retention pruned the journal past this feed's position: skip the
                // hole. Subscribers that needed it notice it and resume (1011, then
                // `recovered: false`).
                tracing::warn!(venue = %self.feed.venue, from = last + 1, to = first.seq - 1, "realtime: journal pruned past the feed");
                lock(&self.feed.state).last = first.seq - 1;
            }
            for entry in page.iter().take_while(|e| e.seq <= until) {
                self.broadcast(entry);
            }
            if !full {
                return true;
            }
        }
    }

    fn broadcast(&self, entry: &JournalEntry) {
        let lag = (time::OffsetDateTime::now_utc() - entry.at).as_seconds_f64();
        let mut state = lock(&self.feed.state);
        if entry.seq != state.last + 1 {
            return;
        }
        state.last = entry.seq;
        let watched = !state.subscribers.is_empty();
        let frame = Arc::new(Frame {
            seq: entry.seq,
            text: ByteString::from(protocol::event(entry)),
        });
        state
            .subscribers
            .retain(|s| match s.frames.try_send(Arc::clone(&frame)) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    s.overflowed.store(true, Ordering::Release);
                    self.feed.trouble.overflowed();
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
        drop(state);
        if watched {
            crate::ws::metrics::fanout_lag(lag);
            self.feed
                .trouble
                .fanned_out(std::time::Duration::from_secs_f64(lag.max(0.0)));
        }
    }
}
