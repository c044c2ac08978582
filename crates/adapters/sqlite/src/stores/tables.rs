use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::Table;
use brigade_application::ports::TableStore;
use brigade_domain::{TableId, TableStatus, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

use crate::error::StoreResult;
use crate::rows::TableRow;
use crate::rows::{Key, utc};
use crate::schema::dining_tables as t;
use crate::uow::SqliteTx;

#[async_trait]
impl TableStore for SqliteTx {
    async fn insert(&mut self, table: &Table) -> Result<(), StoreError> {
        diesel::insert_into(t::table)
            .values(TableRow::from_model(table))
            .execute(&mut *self.conn)
            .await
            .store()?;
        Ok(())
    }

    async fn get(&mut self, venue: VenueId, id: TableId) -> Result<Option<Table>, StoreError> {
        t::table
            .filter(t::id.eq(id.key()).and(t::venue_id.eq(venue.key())))
            .select(TableRow::as_select())
            .first(&mut *self.conn)
            .await
            .optional()
            .store()?
            .map(TableRow::into_model)
            .transpose()
    }

    async fn lock(&mut self, venue: VenueId, id: TableId) -> Result<Option<Table>, StoreError> {
        t::table
            .filter(t::id.eq(id.key()).and(t::venue_id.eq(venue.key())))
            .select(TableRow::as_select())
            .first(&mut *self.conn)
            .await
            .optional()
            .store()?
            .map(TableRow::into_model)
            .transpose()
    }

    async fn list(&mut self, venue: VenueId) -> Result<Vec<Table>, StoreError> {
        t::table
            .filter(t::venue_id.eq(venue.key()))
            .order((t::name, t::id))
            .select(TableRow::as_select())
            .load(&mut *self.conn)
            .await
            .store()?
            .into_iter()
            .map(TableRow::into_model)
            .collect()
    }

    async fn update(&mut self, table: &Table) -> Result<(), StoreError> {
        diesel::update(
            t::table.filter(
                t::id
                    .eq(table.id.key())
                    .and(t::venue_id.eq(table.venue_id.key())),
            ),
        )
        .set((
            t::name.eq(&table.name),
            t::seats.eq(table.seats),
            t::area.eq(&table.area),
            t::position_json.eq(&table.position),
            t::updated_at.eq(utc(table.updated_at)),
        ))
        .execute(&mut *self.conn)
        .await
        .store()?;
        Ok(())
    }

    async fn set_status(
        &mut self,
        venue: VenueId,
        id: TableId,
        status: TableStatus,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        diesel::update(t::table.filter(t::id.eq(id.key()).and(t::venue_id.eq(venue.key()))))
            .set((t::status.eq(status.as_str()), t::updated_at.eq(utc(at))))
            .execute(&mut *self.conn)
            .await
            .store()?;
        Ok(())
    }

    async fn delete(&mut self, venue: VenueId, id: TableId) -> Result<(), StoreError> {
        diesel::delete(t::table.filter(t::id.eq(id.key()).and(t::venue_id.eq(venue.key()))))
            .execute(&mut *self.conn)
            .await
            .store()?;
        Ok(())
    }
}
