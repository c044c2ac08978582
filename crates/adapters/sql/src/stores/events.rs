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
use crate::types::{AsKey, At, Json, Key};

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

    async fn latest_seqs(&mut self, venues: &[VenueId]) -> Result<Vec<(VenueId, i64)>, StoreError> {
        let mut heads = Vec::with_capacity(venues.len());
        // Chunks keep SQLite's `IN (?, ...)` under its bound-variable limit.
        for chunk in venues.chunks(1_000) {
            let keys: Vec<Key> = chunk.iter().map(AsKey::key).collect();
            let rows: Vec<(Key, i64)> = on!(&mut self.conn, |c| venues::table
                .filter(venues::id.eq_any(&keys))
                .select((venues::id, venues::last_event_seq))
                .load(c)
                .await)?;
            heads.extend(rows.into_iter().map(|(venue, seq)| (venue.into(), seq)));
        }
        Ok(heads)
    }

    async fn first_seq(&mut self, venue: VenueId) -> Result<Option<i64>, StoreError> {
        on!(&mut self.conn, |c| e::table
            .filter(e::venue_id.eq(venue.key()))
            .select(diesel::dsl::min(e::seq))
            .first(c)
            .await)
    }

    async fn prunable(
        &mut self,
        before: OffsetDateTime,
    ) -> Result<Vec<(VenueId, i64)>, StoreError> {
        // One scan of the journal per prune (hourly), in a read transaction.
        let rows: Vec<(Key, Option<i64>)> = on!(&mut self.conn, |c| e::table
            .filter(e::created_at.lt(At(before)))
            .group_by(e::venue_id)
            .select((e::venue_id, diesel::dsl::max(e::seq)))
            .load(c)
            .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(venue, last)| Some((venue.into(), last?)))
            .collect())
    }

    async fn delete_range(
        &mut self,
        venue: VenueId,
        first: i64,
        last: i64,
    ) -> Result<u64, StoreError> {
        // A range of the primary key (venue_id, seq). On PostgreSQL a statement timeout
        // bounds it whatever happens; SQLite's busy timeout bounds the wait for its lock.
        let deleted = on!(&mut self.conn,
            pg: |c| async {
                diesel::sql_query("SET LOCAL statement_timeout = '5s'")
                    .execute(&mut *c)
                    .await?;
                diesel::delete(
                    e::table.filter(e::venue_id.eq(venue.key()).and(e::seq.between(first, last))),
                )
                .execute(c)
                .await
            }
            .await,
            sqlite: |c| diesel::delete(
                e::table.filter(e::venue_id.eq(venue.key()).and(e::seq.between(first, last))),
            )
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
