#![doc = include_str!("../README.md")]

mod cache;
mod probe;
mod seal;

pub use cache::RedisCache;
pub use probe::RedisProbe;
pub use seal::{Context, Seal};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use brigade_application::model::JournalEntry;
use brigade_application::ports::{EventBus, EventSink};
use brigade_domain::VenueId;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use uuid::Uuid;

/// Batches waiting to be published; beyond this they are dropped (and read from the
/// journal by the other instances).
const OUTBOX: usize = 10_000;
/// Every instance publishes an empty message this often. Receiving its own proves the
/// subscription is alive: a connection that died without a FIN (a half-open TCP
/// connection) would otherwise look subscribed forever.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// No message at all (not even our heartbeat) for this long: resubscribe.
const SILENCE: Duration = Duration::from_secs(20);

#[derive(Serialize, Deserialize)]
struct Message {
    origin: Uuid,
    entries: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    venue_id: Uuid,
    seq: i64,
    #[serde(rename = "type")]
    kind: String,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    data: Value,
}

impl From<&JournalEntry> for Entry {
    fn from(e: &JournalEntry) -> Self {
        Self {
            venue_id: e.venue_id.as_uuid(),
            seq: e.seq,
            kind: e.kind.clone(),
            at: e.at,
            data: e.data.clone(),
        }
    }
}

impl From<Entry> for JournalEntry {
    fn from(e: Entry) -> Self {
        Self {
            venue_id: VenueId::from_uuid(e.venue_id),
            seq: e.seq,
            kind: e.kind,
            data: e.data,
            at: e.at,
        }
    }
}

/// The bus. Dropping it does not stop its tasks; they end with the runtime.
pub struct RedisBus {
    origin: Uuid,
    local: Arc<dyn EventSink>,
    outbox: mpsc::Sender<Vec<JournalEntry>>,
    subscribed: Arc<AtomicBool>,
    /// Set while the outbox is full, so that is logged once, not per event.
    overflowing: AtomicBool,
}

impl RedisBus {
    /// Starts publishing to and subscribing on `channel`; `local` is this instance's
    /// hub. Every message goes out under `seal`, and only sealed ones are delivered.
    /// Returns at once: connecting happens in the background (and again after any
    /// disconnection), so an instance starts even while Redis is down.
    pub fn start(
        url: &str,
        channel: &str,
        seal: Seal,
        local: Arc<dyn EventSink>,
    ) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("BRIGADE_REDIS_URL is not a valid Redis URL: {e}"))?;
        let origin = Uuid::new_v4();
        let (outbox, queued) = mpsc::channel(OUTBOX);
        let subscribed = Arc::new(AtomicBool::new(false));
        let bus = Channel {
            name: channel.to_owned(),
            seal,
            origin,
        };
        tokio::spawn(publisher(client.clone(), bus.clone(), queued));
        tokio::spawn(subscriber(
            client,
            bus,
            Arc::clone(&local),
            Arc::clone(&subscribed),
        ));
        Ok(Self {
            origin,
            local,
            outbox,
            subscribed,
            overflowing: AtomicBool::new(false),
        })
    }

    /// Whether the subscription to the channel is up (events from other instances
    /// arrive at once; while it is down they arrive through the journal poll).
    pub fn subscribed(&self) -> bool {
        self.subscribed.load(Ordering::Acquire)
    }

    /// This instance's id in the messages it publishes.
    pub fn origin(&self) -> Uuid {
        self.origin
    }
}

impl EventBus for RedisBus {
    fn publish(&self, entries: &[JournalEntry]) {
        self.local.deliver(entries.to_vec());
        if self.outbox.try_send(entries.to_vec()).is_err() {
            if !self.overflowing.swap(true, Ordering::AcqRel) {
                tracing::warn!("redis bus: outbox full; events left to the journal poll");
            }
        } else {
            self.overflowing.store(false, Ordering::Release);
        }
    }
}

/// The channel, this instance's id on it, and the seal its messages carry.
#[derive(Clone)]
struct Channel {
    name: String,
    seal: Seal,
    origin: Uuid,
}

impl Channel {
    fn seal(&self, message: &Message) -> Option<Vec<u8>> {
        let body = serde_json::to_vec(message).ok()?;
        Some(self.seal.seal(Context::Bus(&self.name), &body))
    }

    /// Another instance's events in `payload`; `None` for our own, a heartbeat, or a
    /// message without a valid seal (logged: someone else writes on the channel).
    fn open(&self, payload: &[u8]) -> Option<Vec<JournalEntry>> {
        let Some(body) = self.seal.open(Context::Bus(&self.name), payload) else {
            tracing::warn!(
                bytes = payload.len(),
                "redis bus: a message without a valid seal ignored (another deployment \
                 on this channel, a different BRIGADE_JWT_SECRET, or a forgery)"
            );
            return None;
        };
        match serde_json::from_slice::<Message>(body) {
            Ok(message) if message.origin == self.origin || message.entries.is_empty() => None,
            Ok(message) => Some(message.entries.into_iter().map(Into::into).collect()),
            Err(e) => {
                tracing::warn!(error = %e, "redis bus: unreadable message ignored");
                None
            }
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((100u64 << attempt.min(5)).min(5_000))
}

async fn publisher(
    client: redis::Client,
    channel: Channel,
    mut queued: mpsc::Receiver<Vec<JournalEntry>>,
) {
    let mut attempt = 0;
    let mut manager = loop {
        match client.get_connection_manager().await {
            Ok(manager) => break manager,
            Err(e) => {
                if attempt == 0 {
                    tracing::warn!(error = %e, "redis bus: cannot connect to publish; retrying");
                }
                // Batches published meanwhile are dropped, not stored: the journal
                // has them.
                while let Ok(batch) = queued.try_recv() {
                    tracing::debug!(events = batch.len(), "redis bus: not connected, dropped");
                }
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
        }
    };
    let mut failing = false;
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    loop {
        let batch = tokio::select! {
            batch = queued.recv() => match batch {
                Some(batch) => batch,
                None => return,
            },
            _ = heartbeat.tick() => Vec::new(),
        };
        let message = Message {
            origin: channel.origin,
            entries: batch.iter().map(Entry::from).collect(),
        };
        let Some(payload) = channel.seal(&message) else {
            continue;
        };
        let published: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(&channel.name)
            .arg(payload)
            .query_async(&mut manager)
            .await;
        match published {
            Ok(_) if failing => {
                failing = false;
                tracing::info!("redis bus: publishing again");
            }
            Ok(_) => {}
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(error = %e, "redis bus: publish failed; other instances read these events from the journal");
            }
            Err(_) => {}
        }
    }
}

async fn subscriber(
    client: redis::Client,
    channel: Channel,
    local: Arc<dyn EventSink>,
    subscribed: Arc<AtomicBool>,
) {
    let mut attempt = 0;
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel.name).await {
                Ok(()) => {
                    subscribed.store(true, Ordering::Release);
                    if attempt > 0 {
                        tracing::info!("redis bus: subscribed again");
                    }
                    attempt = 0;
                    let mut messages = pubsub.into_on_message();
                    while let Ok(Some(message)) =
                        tokio::time::timeout(SILENCE, messages.next()).await
                    {
                        if let Some(entries) = channel.open(message.get_payload_bytes()) {
                            local.deliver(entries);
                        }
                    }
                    subscribed.store(false, Ordering::Release);
                    tracing::warn!("redis bus: subscription lost; reconnecting");
                }
                Err(e) => tracing::warn!(error = %e, "redis bus: subscribe failed"),
            },
            Err(e) => {
                if attempt == 0 {
                    tracing::warn!(error = %e, "redis bus: cannot connect to subscribe; retrying");
                }
            }
        }
        tokio::time::sleep(backoff(attempt)).await;
        attempt += 1;
    }
}
