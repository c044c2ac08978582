//! The hub: one feed per venue with subscribers on this instance, turning what the bus
//! delivers into the venue's gap-free stream.
//!
//! A feed's pump owns the venue's position (`last`, the highest seq broadcast). An entry
//! from the bus that follows `last` is broadcast at once; one that skips ahead (a
//! publication lost, or overtaken by a later one) makes the pump read the missing seqs
//! from the journal first; one at or below `last` is a duplicate and dropped. Each frame
//! is serialized once and shared by every subscriber.
//!
//! An event whose publication was lost (Redis down) and that nothing follows is found by
//! the hub's sweep: one task per instance that, every `poll` interval, reads the
//! journal heads of all venues with a feed here in one query and wakes each feed that is
//! behind, which then reads the journal. So an idle instance costs the database one
//! query per interval whatever the number of venues, and nothing without screens.
//!
//! Subscribers get frames through a bounded queue. A subscriber whose queue is full is
//! dropped from the feed and told so (`overflowed`): its connection closes with 4008 and
//! the client resumes with `since`. Memory never grows with a slow client.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use brigade_application::model::JournalEntry;
use brigade_application::ports::EventSink;
use brigade_application::{AppError, Brigade};
use brigade_domain::{UserId, VenueId};
use bytestring::ByteString;
use tokio::sync::{Notify, mpsc};

use trouble::Trouble;

mod pump;
mod sweep;
mod trouble;

/// Journal entries read per query when catching up.
pub(crate) const PAGE: i64 = 500;
/// Batches from the bus waiting for a venue's pump; beyond this the bus drops them and
/// the pump reads them from the journal instead.
const INBOX: usize = 1024;

/// One event, ready to send.
#[derive(Debug)]
pub struct Frame {
    pub seq: i64,
    /// Shared, not copied, by every connection that sends it.
    pub text: ByteString,
}

/// A subscriber's end of a feed.
pub struct Subscription {
    pub frames: mpsc::Receiver<Arc<Frame>>,
    /// The feed's position when the subscription started: every event after it
    /// arrives through `frames` (unless the subscriber overflows).
    pub position: i64,
    /// Set when the feed dropped this subscriber because its queue was full.
    pub overflowed: Arc<AtomicBool>,
    /// Unsubscribes when dropped.
    _guard: SubscriberGuard,
}

struct SubscriberGuard {
    feed: Arc<Feed>,
    id: u64,
}

impl Drop for SubscriberGuard {
    fn drop(&mut self) {
        lock(&self.feed.state)
            .subscribers
            .retain(|s| s.id != self.id);
    }
}

struct Subscriber {
    id: u64,
    frames: mpsc::Sender<Arc<Frame>>,
    overflowed: Arc<AtomicBool>,
}

struct Feed {
    venue: VenueId,
    inbox: mpsc::Sender<Vec<JournalEntry>>,
    /// Set by the sweep when the venue's journal is ahead of this feed.
    behind: Notify,
    /// The venue's journal head as the sweep last read it.
    head: AtomicI64,
    state: Mutex<FeedState>,
    /// The hub's health signals.
    trouble: Arc<Trouble>,
}

struct FeedState {
    /// The highest seq broadcast.
    last: i64,
    subscribers: Vec<Subscriber>,
    next_id: u64,
}

/// Settings of the hub and of each connection.
#[derive(Debug, Clone)]
pub struct WsSettings {
    /// Frames a connection may have waiting before it is cut off as too slow.
    pub queue: usize,
    /// How often the sweep checks this instance's venues for events whose publication
    /// was lost (one query for all of them).
    pub poll: Duration,
    /// How often the server pings an idle client.
    pub heartbeat: Duration,
    /// A client silent (no frame, no pong) for this long is closed.
    pub idle_timeout: Duration,
    /// How long one send may wait on a client that does not read before it is cut off.
    pub send_timeout: Duration,
    /// An event queued for the screens later than this after its change is a slow
    /// fan-out: logged, and the gateway is `degraded` for a minute.
    pub slow_fanout: Duration,
    /// Connections one user may hold open on this instance (a kitchen sharing one
    /// login has several screens); more are refused `429` before the upgrade.
    pub connections_per_user: usize,
    /// Frames a second a client may send (in bursts of as many); more close the
    /// connection with 1008.
    pub frames_per_second: u32,
    /// Events a `join_venue` with `since` may replay; a client further behind gets
    /// `recovered: false` and reloads its board (one bounded snapshot).
    pub max_replay: i64,
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            queue: 1024,
            poll: Duration::from_secs(1),
            heartbeat: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            send_timeout: Duration::from_secs(10),
            slow_fanout: Duration::from_millis(50),
            connections_per_user: 50,
            frames_per_second: 20,
            max_replay: 5000,
        }
    }
}

/// The venues with subscribers on this instance. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

struct HubInner {
    feeds: Mutex<HashMap<VenueId, Arc<Feed>>>,
    settings: WsSettings,
    /// Whether the sweep task runs (started with the first feed).
    sweeping: AtomicBool,
    trouble: Arc<Trouble>,
    /// Open connections per user on this instance.
    users: Mutex<HashMap<UserId, usize>>,
}

/// One of a user's open connections; dropping it frees the place.
pub struct UserSlot {
    hub: Hub,
    user: UserId,
}

impl Drop for UserSlot {
    fn drop(&mut self) {
        let mut users = lock(&self.hub.inner.users);
        if let Some(n) = users.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                users.remove(&self.user);
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; carry on with it.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Hub {
    pub fn new(settings: WsSettings) -> Self {
        Self {
            inner: Arc::new(HubInner {
                feeds: Mutex::new(HashMap::new()),
                trouble: Arc::new(Trouble::new(settings.slow_fanout)),
                users: Mutex::new(HashMap::new()),
                settings,
                sweeping: AtomicBool::new(false),
            }),
        }
    }

    pub fn settings(&self) -> &WsSettings {
        &self.inner.settings
    }

    /// A place for one more of `user`'s connections, or `None` at their cap.
    pub fn take_slot(&self, user: UserId) -> Option<UserSlot> {
        let mut users = lock(&self.inner.users);
        let open = users.entry(user).or_insert(0);
        if *open >= self.inner.settings.connections_per_user.max(1) {
            return None;
        }
        *open += 1;
        Some(UserSlot {
            hub: self.clone(),
            user,
        })
    }

    /// `up`, or `degraded` (queues overflowing, fan-out slow) and the details.
    pub fn trouble(&self) -> (&'static str, serde_json::Value) {
        self.inner.trouble.report()
    }

    /// Subscribers on this instance, all venues together.
    pub fn connection_count(&self) -> usize {
        self.connections().iter().map(|(_, n)| n).sum()
    }

    /// Subscribers per venue on this instance.
    pub fn connections(&self) -> Vec<(VenueId, usize)> {
        let feeds: Vec<Arc<Feed>> = lock(&self.inner.feeds).values().cloned().collect();
        let mut counts: Vec<(VenueId, usize)> = feeds
            .iter()
            .map(|f| (f.venue, lock(&f.state).subscribers.len()))
            .filter(|(_, n)| *n > 0)
            .collect();
        counts.sort();
        counts
    }

    /// Subscribes to `venue`'s stream, starting a feed for it when this instance has
    /// none. Must run on an actix worker (the feed's pump is spawned on it).
    pub async fn subscribe(
        &self,
        brigade: &Brigade,
        venue: VenueId,
    ) -> Result<Subscription, AppError> {
        let (tx, frames) = mpsc::channel(self.inner.settings.queue.max(1));
        let overflowed = Arc::new(AtomicBool::new(false));
        let (feed, id, position) = loop {
            let feed = match self.feed(venue) {
                Some(feed) => feed,
                None => {
                    // Where the new feed starts; anything committed after this read
                    // and before the feed is registered reaches it as a gap, read
                    // from the journal.
                    let last = brigade.feed_position(venue).await?.latest;
                    self.start_feed(brigade.clone(), venue, last)
                }
            };
            // Registered under the hub's lock (the order `retire` takes them in), and
            // only while the feed is still the venue's: a pump that retired meanwhile
            // would never send to this subscriber.
            let feeds = lock(&self.inner.feeds);
            if !feeds.get(&venue).is_some_and(|f| Arc::ptr_eq(f, &feed)) {
                continue;
            }
            let mut state = lock(&feed.state);
            let id = state.next_id;
            state.next_id += 1;
            state.subscribers.push(Subscriber {
                id,
                frames: tx.clone(),
                overflowed: Arc::clone(&overflowed),
            });
            let position = state.last;
            drop(state);
            drop(feeds);
            break (feed, id, position);
        };
        drop(tx);
        Ok(Subscription {
            frames,
            position,
            overflowed,
            _guard: SubscriberGuard { feed, id },
        })
    }

    fn feed(&self, venue: VenueId) -> Option<Arc<Feed>> {
        lock(&self.inner.feeds).get(&venue).cloned()
    }

    fn start_feed(&self, brigade: Brigade, venue: VenueId, last: i64) -> Arc<Feed> {
        let mut feeds = lock(&self.inner.feeds);
        if let Some(existing) = feeds.get(&venue) {
            // Another connection started one meanwhile.
            return Arc::clone(existing);
        }
        let (inbox, entries) = mpsc::channel(INBOX);
        let feed = Arc::new(Feed {
            venue,
            inbox,
            behind: Notify::new(),
            head: AtomicI64::new(last),
            trouble: Arc::clone(&self.inner.trouble),
            state: Mutex::new(FeedState {
                last,
                subscribers: Vec::new(),
                next_id: 0,
            }),
        });
        feeds.insert(venue, Arc::clone(&feed));
        if !self.inner.sweeping.swap(true, Ordering::AcqRel) {
            actix_web::rt::spawn(sweep::run(self.clone(), brigade.clone()));
        }
        let pump = pump::Pump {
            hub: self.clone(),
            feed: Arc::clone(&feed),
            brigade,
            entries,
        };
        // On this worker's runtime (use cases' futures are not `Send`); other workers
        // reach it through its channels.
        actix_web::rt::spawn(pump.run());
        feed
    }
}

impl EventSink for Hub {
    fn deliver(&self, entries: Vec<JournalEntry>) {
        let mut by_venue: HashMap<VenueId, Vec<JournalEntry>> = HashMap::new();
        for entry in entries {
            by_venue.entry(entry.venue_id).or_default().push(entry);
        }
        for (venue, entries) in by_venue {
            if let Some(feed) = self.feed(venue) {
                // Full or closing: the pump reads these from the journal instead.
                let _ = feed.inbox.try_send(entries);
            }
        }
    }
}
