//! Reading the per-venue event journal: what the real-time gateway replays to a
//! subscriber that resumes, and the retention that bounds it.

use brigade_domain::{Permission, VenueId};
use time::OffsetDateTime;

use crate::model::JournalEntry;
use crate::ports::Tx;
use crate::{Actor, AppError, Brigade};

/// Seqs deleted per transaction when pruning the journal.
pub const PRUNE_BATCH: i64 = 1_000;

/// Where a venue's retained journal starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalPosition {
    /// The oldest seq still retained (`None` when retention removed everything).
    pub oldest: Option<i64>,
    /// The last seq ever taken (0 before the first event).
    pub latest: i64,
}

impl JournalPosition {
    /// Whether a subscriber that has every event up to `since` can be brought up to date
    /// from the journal alone. Not when events after `since` were pruned, nor when
    /// `since` is ahead of the journal (a client of another database, say a restored
    /// backup): such a client reloads its state instead.
    pub fn can_resume(&self, since: i64) -> bool {
        if since >= self.latest {
            return since == self.latest;
        }
        self.oldest.is_some_and(|oldest| since + 1 >= oldest)
    }
}

impl Brigade {
    /// Where the venue's journal stands, for a member of the venue.
    pub async fn journal_position(&self, actor: &Actor) -> Result<JournalPosition, AppError> {
        actor.require(Permission::ViewVenue)?;
        self.feed_position(actor.venue_id).await
    }

    /// The venue's events after `after`, in order, at most `limit`, for a member of the
    /// venue.
    pub async fn journal_since(
        &self,
        actor: &Actor,
        after: i64,
        limit: i64,
    ) -> Result<Vec<JournalEntry>, AppError> {
        actor.require(Permission::ViewVenue)?;
        self.feed_since(actor.venue_id, after, limit).await
    }

    /// [`Brigade::journal_position`] for the real-time gateway's venue feed, which
    /// reads on behalf of no one: every connection it serves was authorised when it
    /// joined the venue.
    pub async fn feed_position(&self, venue: VenueId) -> Result<JournalPosition, AppError> {
        self.read(async |tx| {
            let latest = tx.events().latest_seq(venue).await?;
            let oldest = tx.events().first_seq(venue).await?;
            Ok(JournalPosition { oldest, latest })
        })
        .await
    }

    /// Where each of `venues`' journal ends, in one read: the gateway's sweep compares
    /// it with what its feeds broadcast, to catch lost publications.
    pub async fn feed_heads(&self, venues: &[VenueId]) -> Result<Vec<(VenueId, i64)>, AppError> {
        self.read(async |tx| Ok(tx.events().latest_seqs(venues).await?))
            .await
    }

    /// [`Brigade::journal_since`] for the real-time gateway's venue feed.
    pub async fn feed_since(
        &self,
        venue: VenueId,
        after: i64,
        limit: i64,
    ) -> Result<Vec<JournalEntry>, AppError> {
        self.read(async |tx| Ok(tx.events().since(venue, after, limit).await?))
            .await
    }

    /// Deletes events journaled before `before`, in every venue (retention): per venue,
    /// every seq up to the newest event older than `before` (by seq, not by time: an
    /// event's time is when its use case started and seqs are taken at its end, so a
    /// cut by time alone could leave a hole). In batches of [`PRUNE_BATCH`] seqs, each
    /// its own short transaction, so writers wait milliseconds at most; dropping the
    /// future between batches stops it.
    pub async fn prune_journal(&self, before: OffsetDateTime) -> Result<u64, AppError> {
        let ranges = self
            .read(async |tx| {
                let mut ranges = Vec::new();
                for (venue, last) in tx.events().prunable(before).await? {
                    if let Some(first) = tx.events().first_seq(venue).await? {
                        ranges.push((venue, first, last));
                    }
                }
                Ok(ranges)
            })
            .await?;
        let mut deleted = 0;
        for (venue, mut first, last) in ranges {
            while first <= last {
                let to = last.min(first + PRUNE_BATCH - 1);
                deleted += self
                    .write(async |tx| Ok(tx.events().delete_range(venue, first, to).await?))
                    .await?;
                first = to + 1;
            }
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::JournalPosition;

    #[test]
    fn a_subscriber_resumes_only_when_everything_it_missed_is_retained() {
        let full = JournalPosition {
            oldest: Some(1),
            latest: 10,
        };
        assert!(full.can_resume(0));
        assert!(full.can_resume(7));
        assert!(full.can_resume(10));
        assert!(!full.can_resume(11), "ahead of the journal");

        let pruned = JournalPosition {
            oldest: Some(6),
            latest: 10,
        };
        assert!(pruned.can_resume(5));
        assert!(!pruned.can_resume(4), "event 5 is gone");

        let emptied = JournalPosition {
            oldest: None,
            latest: 10,
        };
        assert!(emptied.can_resume(10));
        assert!(!emptied.can_resume(9));
        let fresh = JournalPosition {
            oldest: None,
            latest: 0,
        };
        assert!(fresh.can_resume(0));
    }
}
