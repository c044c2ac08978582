use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::JournalEntry;
use brigade_application::ports::EventLog;
use brigade_domain::VenueId;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::StoreResult;
use crate::rows::{Key, utc, uuid};
use crate::schema::{events as e, venues};
use crate::uow::SqliteTx;

#[async_trait]
impl EventLog for SqliteTx {
    async fn insert(&mut self, entries: &[JournalEntry]) -> Result<(), StoreError> {
        // One single-row insert per event: diesel prepares and caches it, where a
        // variable-length batch insert would be parsed afresh while the venue row is
        // locked. Use cases journal one to three events.
        for entry in entries {
            diesel::insert_into(e::table)
                .values((
                    e::venue_id.eq(entry.venue_id.key()),
                    e::seq.eq(entry.seq),
                    e::event_type.eq(&entry.kind),
                    e::data.eq(&entry.data),
                    e::created_at.eq(utc(entry.at)),
                ))
                .execute(&mut *self.conn)
                .await
                .store()?;
        }
        Ok(())
    }

    async fn latest_seq(&mut self, venue: VenueId) -> Result<i64, StoreError> {
        Ok(venues::table
            .find(venue.key())
            .select(venues::last_event_seq)
            .first(&mut *self.conn)
            .await
            .optional()
            .store()?
            .unwrap_or(0))
    }

    async fn first_seq(&mut self, venue: VenueId) -> Result<Option<i64>, StoreError> {
        e::table
            .filter(e::venue_id.eq(venue.key()))
            .select(diesel::dsl::min(e::seq))
            .first(&mut *self.conn)
            .await
            .store()
    }

    async fn prune(&mut self, before: OffsetDateTime) -> Result<u64, StoreError> {
        // By seq, per venue: everything up to the venue's newest event older than the
        // cutoff. (`created_at` is when a use case started, and seqs are taken at its
        // end, so deleting by time alone could leave a hole.)
        let deleted = diesel::sql_query(
            "DELETE FROM events WHERE seq <= (SELECT max(e2.seq) FROM events e2
                WHERE e2.venue_id = events.venue_id AND e2.created_at < ?1)",
        )
        .bind::<diesel::sql_types::TimestamptzSqlite, _>(utc(before))
        .execute(&mut *self.conn)
        .await
        .store()?;
        Ok(deleted as u64)
    }

    async fn since(
        &mut self,
        venue: VenueId,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let rows: Vec<(String, i64, String, Value, OffsetDateTime)> = e::table
            .filter(e::venue_id.eq(venue.key()).and(e::seq.gt(seq)))
            .order(e::seq)
            .limit(limit)
            .select((e::venue_id, e::seq, e::event_type, e::data, e::created_at))
            .load(&mut *self.conn)
            .await
            .store()?;
        rows.into_iter()
            .map(|(venue_id, seq, kind, data, at)| {
                Ok(JournalEntry {
                    venue_id: uuid(&venue_id)?,
                    seq,
                    kind,
                    data,
                    at,
                })
            })
            .collect()
    }
}
