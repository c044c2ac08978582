use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::Product;
use brigade_application::ports::ProductStore;
use brigade_domain::{ProductId, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::error::StoreResult;
use crate::rows::Key;
use crate::rows::ProductRow;
use crate::schema::products as p;
use crate::uow::SqliteTx;

#[async_trait]
impl ProductStore for SqliteTx {
    async fn insert(&mut self, product: &Product) -> Result<(), StoreError> {
        diesel::insert_into(p::table)
            .values(ProductRow::from_model(product))
            .execute(&mut *self.conn)
            .await
            .store()?;
        Ok(())
    }

    async fn get(&mut self, venue: VenueId, id: ProductId) -> Result<Option<Product>, StoreError> {
        p::table
            .filter(p::id.eq(id.key()).and(p::venue_id.eq(venue.key())))
            .select(ProductRow::as_select())
            .first(&mut *self.conn)
            .await
            .optional()
            .store()?
            .map(ProductRow::into_model)
            .transpose()
    }

    async fn lock(&mut self, venue: VenueId, id: ProductId) -> Result<Option<Product>, StoreError> {
        p::table
            .filter(p::id.eq(id.key()).and(p::venue_id.eq(venue.key())))
            .select(ProductRow::as_select())
            .first(&mut *self.conn)
            .await
            .optional()
            .store()?
            .map(ProductRow::into_model)
            .transpose()
    }

    async fn get_many(
        &mut self,
        venue: VenueId,
        ids: &[ProductId],
    ) -> Result<Vec<Product>, StoreError> {
        let ids: Vec<String> = ids.iter().map(Key::key).collect();
        p::table
            .filter(p::venue_id.eq(venue.key()).and(p::id.eq_any(ids)))
            .select(ProductRow::as_select())
            .load(&mut *self.conn)
            .await
            .store()?
            .into_iter()
            .map(ProductRow::into_model)
            .collect()
    }

    async fn list(&mut self, venue: VenueId) -> Result<Vec<Product>, StoreError> {
        p::table
            .filter(p::venue_id.eq(venue.key()))
            .order((p::name, p::id))
            .select(ProductRow::as_select())
            .load(&mut *self.conn)
            .await
            .store()?
            .into_iter()
            .map(ProductRow::into_model)
            .collect()
    }

    async fn update(&mut self, product: &Product) -> Result<(), StoreError> {
        diesel::update(
            p::table.filter(
                p::id
                    .eq(product.id.key())
                    .and(p::venue_id.eq(product.venue_id.key())),
            ),
        )
        .set(ProductRow::from_model(product))
        .execute(&mut *self.conn)
        .await
        .store()?;
        Ok(())
    }
}
