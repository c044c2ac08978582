use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::JournalEntry;
use brigade_application::ports::EventLog;
use brigade_domain::{DomainEvent, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::StoreResult;
use crate::schema::{events as e, venues};
use crate::uow::PgTx;

#[async_trait]
impl EventLog for PgTx {
    async fn append(
        &mut self,
        venue: VenueId,
        events: &[DomainEvent],
        at: OffsetDateTime,
    ) -> Result<Vec<i64>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let count = events.len() as i64;
        // Locks the venue's counter row until COMMIT: events commit in seq order.
        let last: i64 = diesel::update(venues::table.find(venue.as_uuid()))
            .set(venues::last_event_seq.eq(venues::last_event_seq + count))
            .returning(venues::last_event_seq)
            .get_result(&mut *self.conn)
            .await
            .store()?;
        let seqs: Vec<i64> = (last - count + 1..=last).collect();
        let rows = events
            .iter()
            .zip(&seqs)
            .map(|(event, seq)| {
                let data = match serde_json::to_value(event) {
                    Ok(Value::Object(mut envelope)) => {
                        envelope.remove("data").unwrap_or(Value::Null)
                    }
                    Ok(_) => Value::Null,
                    Err(e) => return Err(StoreError::Unknown(e.into())),
                };
                Ok((
                    e::venue_id.eq(venue.as_uuid()),
                    e::seq.eq(*seq),
                    e::event_type.eq(event.kind()),
                    e::data.eq(data),
                    e::created_at.eq(at),
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        diesel::insert_into(e::table)
            .values(rows)
            .execute(&mut *self.conn)
            .await
            .store()?;
        Ok(seqs)
    }

    async fn latest_seq(&mut self, venue: VenueId) -> Result<i64, StoreError> {
        Ok(venues::table
            .find(venue.as_uuid())
            .select(venues::last_event_seq)
            .first(&mut *self.conn)
            .await
            .optional()
            .store()?
            .unwrap_or(0))
    }

    async fn since(
        &mut self,
        venue: VenueId,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let rows: Vec<(Uuid, i64, String, Value, OffsetDateTime)> = e::table
            .filter(e::venue_id.eq(venue.as_uuid()).and(e::seq.gt(seq)))
            .order(e::seq)
            .limit(limit)
            .select((e::venue_id, e::seq, e::event_type, e::data, e::created_at))
            .load(&mut *self.conn)
            .await
            .store()?;
        Ok(rows
            .into_iter()
            .map(|(venue_id, seq, kind, data, at)| JournalEntry {
                venue_id: venue_id.into(),
                seq,
                kind,
                data,
                at,
            })
            .collect())
    }
}
