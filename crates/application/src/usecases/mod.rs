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

/// A character no name or note may hold: control characters (notes keep line breaks
/// and tabs) and the bidirectional overrides and isolates (U+202A-202E, U+2066-2069),
/// which make a name read differently from what it is (a kitchen ticket, a receipt).
fn forbidden(c: char, multiline: bool) -> bool {
    (c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn text_rules(field: &str, value: &str, max: usize, multiline: bool) -> Result<(), AppError> {
    if value.chars().count() > max {
        return Err(AppError::validation(format!(
            "{field} must be at most {max} characters"
        )));
    }
    if let Some(c) = value.chars().find(|&c| forbidden(c, multiline)) {
        return Err(AppError::validation(format!(
            "{field} must not contain control or bidirectional-override characters (found U+{:04X})",
            u32::from(c)
        )));
    }
    Ok(())
}

/// A required one-line text (a name, a reason).
pub(crate) fn require_text(field: &str, value: &str, max: usize) -> Result<(), AppError> {
    if value.trim().is_empty() {
        return Err(AppError::validation(format!("{field} must not be empty")));
    }
    text_rules(field, value, max, false)
}

/// An optional one-line text (an area, a reference).
pub(crate) fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<(), AppError> {
    value.map_or(Ok(()), |v| text_rules(field, v, max, false))
}

/// An optional note: line breaks and tabs allowed.
pub(crate) fn optional_note(field: &str, value: Option<&str>, max: usize) -> Result<(), AppError> {
    value.map_or(Ok(()), |v| text_rules(field, v, max, true))
}
