use async_trait::async_trait;
use brigade_application::model::Table;
use brigade_application::ports::TableStore;
use brigade_application::{Page, StoreError};
use brigade_domain::{TableId, TableStatus, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

use crate::rows::TableRow;
use crate::schema::dining_tables as t;
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, At, Json, Key};

#[diesel::dsl::auto_type]
fn by_id(venue: Key, id: Key) -> _ {
    t::table.filter(t::id.eq(id).and(t::venue_id.eq(venue)))
}

fn one(venue: VenueId, id: TableId) -> by_id {
    by_id(venue.key(), id.key())
}

#[async_trait]
impl TableStore for SqlTx {
    async fn insert(&mut self, table: &Table) -> Result<(), StoreError> {
        let row = TableRow::from_model(table);
        on!(&mut self.conn, |c| diesel::insert_into(t::table)
            .values(&row)
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn get(&mut self, venue: VenueId, id: TableId) -> Result<Option<Table>, StoreError> {
        on!(&mut self.conn, |c| one(venue, id)
            .select(TableRow::as_select())
            .first(c)
            .await
            .optional())?
        .map(TableRow::into_model)
        .transpose()
    }

    async fn lock(&mut self, venue: VenueId, id: TableId) -> Result<Option<Table>, StoreError> {
        on!(&mut self.conn,
            pg: |c| one(venue, id)
                .select(TableRow::as_select())
                .for_update()
                .first(c)
                .await
                .optional(),
            sqlite: |c| one(venue, id)
                .select(TableRow::as_select())
                .first(c)
                .await
                .optional(),
        )?
        .map(TableRow::into_model)
        .transpose()
    }

    async fn list(&mut self, venue: VenueId, page: Page) -> Result<Vec<Table>, StoreError> {
        on!(&mut self.conn, |c| t::table
            .filter(t::venue_id.eq(venue.key()))
            .order((t::name, t::id))
            .limit(page.fetch())
            .offset(page.offset)
            .select(TableRow::as_select())
            .load(c)
            .await)?
        .into_iter()
        .map(TableRow::into_model)
        .collect()
    }

    async fn update(&mut self, table: &Table) -> Result<(), StoreError> {
        let query = diesel::update(one(table.venue_id, table.id)).set((
            t::name.eq(&table.name),
            t::seats.eq(table.seats),
            t::area.eq(&table.area),
            t::position_json.eq(Json(table.position.clone())),
            t::updated_at.eq(At(table.updated_at)),
        ));
        on!(&mut self.conn, |c| query.execute(c).await)?;
        Ok(())
    }

    async fn set_status(
        &mut self,
        venue: VenueId,
        id: TableId,
        status: TableStatus,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let query = diesel::update(one(venue, id))
            .set((t::status.eq(status.as_str()), t::updated_at.eq(At(at))));
        on!(&mut self.conn, |c| query.execute(c).await)?;
        Ok(())
    }

    async fn delete(&mut self, venue: VenueId, id: TableId) -> Result<(), StoreError> {
        let query = diesel::delete(one(venue, id));
        on!(&mut self.conn, |c| query.execute(c).await)?;
        Ok(())
    }
}
