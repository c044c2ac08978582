use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::JournalEntry;
use brigade_application::ports::EventLog;
use brigade_domain::VenueId;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

use crate::schema::{events as e, venues};
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, At, Json, Key, Stamp};

/// Deletes, per venue, everything up to the venue's newest event older than the cutoff.
/// (`created_at` is when a use case started, and seqs are taken at its end, so deleting
/// by time alone could leave a hole.) Raw because of the correlated subquery; `?1`
/// and `$1` are the dialects' placeholders.
const PRUNE: &str = "DELETE FROM events WHERE seq <= (SELECT max(e2.seq) FROM events e2
    WHERE e2.venue_id = events.venue_id AND e2.created_at < {cutoff})";

#[async_trait]
impl EventLog for SqlTx {
    async fn insert(&mut self, entries: &[JournalEntry]) -> Result<(), StoreError> {
        // One single-row insert per event: diesel prepares and caches it, where a
        // variable-length batch insert would be parsed afresh while the venue row is
        // locked. Use cases journal one to three events.
        for entry in entries {
            let data = Json(entry.data.clone());
            on!(&mut self.conn, |c| diesel::insert_into(e::table)
                .values((
                    e::venue_id.eq(entry.venue_id.key()),
                    e::seq.eq(entry.seq),
                    e::event_type.eq(&entry.kind),
                    e::data.eq(&data),
                    e::created_at.eq(At(entry.at)),
                ))
                .execute(c)
                .await)?;
        }
        Ok(())
    }

    async fn latest_seq(&mut self, venue: VenueId) -> Result<i64, StoreError> {
        Ok(on!(&mut self.conn, |c| venues::table
            .find(venue.key())
            .select(venues::last_event_seq)
            .first(c)
            .await
            .optional())?
        .unwrap_or(0))
    }

    async fn first_seq(&mut self, venue: VenueId) -> Result<Option<i64>, StoreError> {
        on!(&mut self.conn, |c| e::table
            .filter(e::venue_id.eq(venue.key()))
            .select(diesel::dsl::min(e::seq))
            .first(c)
            .await)
    }

    async fn prune(&mut self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let deleted = on!(&mut self.conn,
            pg: |c| diesel::sql_query(PRUNE.replace("{cutoff}", "$1"))
                .bind::<Stamp, _>(At(before))
                .execute(c)
                .await,
            sqlite: |c| diesel::sql_query(PRUNE.replace("{cutoff}", "?1"))
                .bind::<Stamp, _>(At(before))
                .execute(c)
                .await,
        )?;
        Ok(deleted as u64)
    }

    async fn since(
        &mut self,
        venue: VenueId,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let rows: Vec<(Key, i64, String, Json, At)> = on!(&mut self.conn, |c| e::table
            .filter(e::venue_id.eq(venue.key()).and(e::seq.gt(seq)))
            .order(e::seq)
            .limit(limit)
            .select((e::venue_id, e::seq, e::event_type, e::data, e::created_at))
            .load(c)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|(venue_id, seq, kind, data, at)| JournalEntry {
                venue_id: venue_id.into(),
                seq,
                kind,
                data: data.0,
                at: at.0,
            })
            .collect())
    }
}
