use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::Venue;
use brigade_application::ports::VenueStore;
use brigade_domain::VenueId;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;

use crate::rows::parse;
use crate::schema::venues;
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, Key};

#[async_trait]
impl VenueStore for SqlTx {
    async fn get(&mut self, venue: VenueId) -> Result<Option<Venue>, StoreError> {
        let row: Option<(Key, String, String)> = on!(&mut self.conn, |c| venues::table
            .find(venue.key())
            .select((venues::id, venues::name, venues::stock_policy))
            .first(c)
            .await
            .optional())?;
        row.map(|(id, name, policy)| {
            Ok(Venue {
                id: id.into(),
                name,
                stock_policy: parse(&policy, "stock policy")?,
            })
        })
        .transpose()
    }

    async fn upsert(&mut self, venue: &Venue) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::insert_into(venues::table)
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
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn take_numbers(
        &mut self,
        venue: VenueId,
        orders: i64,
        events: i64,
    ) -> Result<(i64, i64), StoreError> {
        // One prepared (cached) statement. On PostgreSQL it takes the row lock, held to
        // COMMIT; a SQLite write transaction already holds the database's write lock.
        on!(&mut self.conn, |c| diesel::update(
            venues::table.find(venue.key())
        )
        .set((
            venues::last_order_number.eq(venues::last_order_number + orders),
            venues::last_event_seq.eq(venues::last_event_seq + events),
        ))
        .returning((venues::last_order_number, venues::last_event_seq))
        .get_result(c)
        .await)
    }
}
