//! The use cases, one module per resource. Every writing use case runs in one
//! transaction through [`crate::Brigade::write`].

pub mod auth;
pub mod checks;
pub mod discounts;
pub mod journal;
pub mod menu;
pub mod modifiers;
pub mod operations;
pub mod orders;
pub mod payments;
pub mod products;
pub mod sessions;
pub mod smoke;
pub mod staff;
pub mod status;
pub mod stock;
pub mod summary;
pub mod tables;
pub mod venues;

use brigade_domain::{DomainEvent, VenueId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{Claim, IdempotencyKey, JournalEntry};
use crate::ports::Tx;
use crate::service::WriteTx;
use crate::{Actor, AppError};

/// The result of a creating use case: the resource, and whether it was created by an
/// earlier request with the same `Idempotency-Key` (a replay creates nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct Created<T> {
    pub value: T,
    pub replayed: bool,
}

/// Claims the idempotency key (when given) for `resource`. `Some(existing)` means this
/// is a replay of the request that created `existing`.
pub(crate) async fn claim_key(
    tx: &mut dyn Tx,
    actor: &Actor,
    key: Option<&IdempotencyKey>,
    resource: Uuid,
) -> Result<Option<Uuid>, AppError> {
    let Some(key) = key else { return Ok(None) };
    match tx
        .idempotency()
        .claim(actor.venue_id, actor.user_id, key, resource)
        .await?
    {
        Claim::Fresh => Ok(None),
        Claim::Replay(existing) => Ok(Some(existing)),
        Claim::Mismatch => Err(AppError::IdempotencyMismatch),
    }
}

/// Pairs events with the seqs ending at `last_seq`.
pub(crate) fn numbered(last_seq: i64, events: Vec<DomainEvent>) -> Vec<(i64, DomainEvent)> {
    let first = last_seq - events.len() as i64 + 1;
    (first..).zip(events).collect()
}

/// Journals `events`: takes the venue's seqs (locking its counter row until COMMIT)
/// and inserts them. The last thing a writing use case does.
pub(crate) async fn journal(
    tx: &mut WriteTx,
    venue: VenueId,
    events: Vec<DomainEvent>,
    at: OffsetDateTime,
) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    let (_, last_seq) = tx
        .venues()
        .take_numbers(venue, 0, events.len() as i64)
        .await?;
    record(tx, venue, last_seq, events, at).await
}

/// Inserts `events` under the seqs ending at `last_seq` and keeps them for publication
/// after COMMIT.
pub(crate) async fn record(
    tx: &mut WriteTx,
    venue: VenueId,
    last_seq: i64,
    events: Vec<DomainEvent>,
    at: OffsetDateTime,
) -> Result<(), AppError> {
    let entries: Vec<JournalEntry> = numbered(last_seq, events)
        .into_iter()
        .map(|(seq, event)| JournalEntry::new(venue, seq, &event, at))
        .collect();
    tx.events().insert(&entries).await?;
    tx.publish_after_commit(entries);
    Ok(())
}

pub(crate) fn require_text(field: &str, value: &str, max: usize) -> Result<(), AppError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(AppError::validation(format!("{field} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(AppError::validation(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(())
}

pub(crate) fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<(), AppError> {
    match value {
        Some(v) if v.chars().count() > max => Err(AppError::validation(format!(
            "{field} must be at most {max} characters"
        ))),
        _ => Ok(()),
    }
}
