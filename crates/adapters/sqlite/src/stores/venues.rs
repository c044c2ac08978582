use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::Venue;
use brigade_application::ports::VenueStore;
use brigade_domain::VenueId;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;

use crate::error::StoreResult;
use crate::rows::{Key, parse, uuid};
use crate::schema::venues;
use crate::uow::SqliteTx;

#[async_trait]
impl VenueStore for SqliteTx {
    async fn get(&mut self, venue: VenueId) -> Result<Option<Venue>, StoreError> {
        let row: Option<(String, String, String)> = venues::table
            .find(venue.key())
            .select((venues::id, venues::name, venues::stock_policy))
            .first(&mut *self.conn)
            .await
            .optional()
            .store()?;
        row.map(|(id, name, policy)| {
            Ok(Venue {
                id: uuid(&id)?,
                name,
                stock_policy: parse(&policy, "stock policy")?,
            })
        })
        .transpose()
    }

    async fn upsert(&mut self, venue: &Venue) -> Result<(), StoreError> {
        diesel::insert_into(venues::table)
            .values((
                venues::id.eq(venue.id.key()),
                venues::name.eq(&venue.name),
                venues::stock_policy.eq(venue.stock_policy.as_str()),
            ))
            .on_conflict(venues::id)
            .do_update()
            .set((
                venues::name.eq(excluded(venues::name)),
                venues::stock_policy.eq(excluded(venues::stock_policy)),
            ))
            .execute(&mut *self.conn)
            .await
            .store()?;
        Ok(())
    }

    async fn take_numbers(
        &mut self,
        venue: VenueId,
        orders: i64,
        events: i64,
    ) -> Result<(i64, i64), StoreError> {
        // The write transaction already holds the database write lock (BEGIN IMMEDIATE).
        diesel::update(venues::table.find(venue.key()))
            .set((
                venues::last_order_number.eq(venues::last_order_number + orders),
                venues::last_event_seq.eq(venues::last_event_seq + events),
            ))
            .returning((venues::last_order_number, venues::last_event_seq))
            .get_result(&mut *self.conn)
            .await
            .store()
    }
}
