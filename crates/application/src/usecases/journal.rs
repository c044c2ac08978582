//! Reading the per-venue event journal: what the real-time gateway replays to a
//! subscriber that resumes, and the retention that bounds it.

use brigade_domain::{Permission, VenueId};
use time::OffsetDateTime;

use crate::model::JournalEntry;
use crate::ports::Tx;
use crate::{Actor, AppError, Brigade};

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

    /// Deletes events journaled before `before`, in every venue (retention).
    pub async fn prune_journal(&self, before: OffsetDateTime) -> Result<u64, AppError> {
        self.write(async |tx| Ok(tx.events().prune(before).await?))
            .await
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
