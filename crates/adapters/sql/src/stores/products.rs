use async_trait::async_trait;
use brigade_application::model::Product;
use brigade_application::ports::ProductStore;
use brigade_application::{Page, StoreError};
use brigade_domain::{ProductId, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::modifiers::fill_groups;
use crate::rows::ProductRow;
use crate::schema::categories as cat;
use crate::schema::products as p;
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, Key};

#[diesel::dsl::auto_type]
fn by_id(venue: Key, id: Key) -> _ {
    p::table.filter(p::id.eq(id).and(p::venue_id.eq(venue)))
}

fn one(venue: VenueId, id: ProductId) -> by_id {
    by_id(venue.key(), id.key())
}

/// Products with their category's name: `ON venue_id AND id`, as every join here.
#[diesel::dsl::auto_type]
fn named() -> _ {
    p::table.left_join(
        cat::table.on(cat::venue_id
            .eq(p::venue_id)
            .and(p::category_id.eq(cat::id.nullable()))),
    )
}

type Named = (ProductRow, Option<String>);

fn model((row, category): Named) -> Product {
    row.into_model(category)
}

#[async_trait]
impl ProductStore for SqlTx {
    async fn insert(&mut self, product: &Product) -> Result<(), StoreError> {
        let row = ProductRow::from_model(product);
        on!(&mut self.conn, |c| diesel::insert_into(p::table)
            .values(&row)
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn get(&mut self, venue: VenueId, id: ProductId) -> Result<Option<Product>, StoreError> {
        let product: Option<Named> = on!(&mut self.conn, |c| named()
            .filter(p::id.eq(id.key()).and(p::venue_id.eq(venue.key())))
            .select((ProductRow::as_select(), cat::name.nullable()))
            .first::<Named>(c)
            .await
            .optional())?;
        let mut products: Vec<Product> = product.into_iter().map(model).collect();
        fill_groups(&mut self.conn, venue, &mut products, false).await?;
        Ok(products.pop())
    }

    async fn lock(&mut self, venue: VenueId, id: ProductId) -> Result<Option<Product>, StoreError> {
        let row: Option<ProductRow> = on!(&mut self.conn,
            pg: |c| one(venue, id)
                .select(ProductRow::as_select())
                .for_update()
                .first(c)
                .await
                .optional(),
            sqlite: |c| one(venue, id)
                .select(ProductRow::as_select())
                .first(c)
                .await
                .optional(),
        )?;
        let Some(row) = row else { return Ok(None) };
        // The category's name, read after the lock (FOR UPDATE takes no outer join).
        let category = match row.category_id {
            None => None,
            Some(id) => on!(&mut self.conn, |c| cat::table
                .filter(cat::venue_id.eq(venue.key()).and(cat::id.eq(id)))
                .select(cat::name)
                .first::<String>(c)
                .await
                .optional())?,
        };
        let mut products = [row.into_model(category)];
        fill_groups(&mut self.conn, venue, &mut products, false).await?;
        let [product] = products;
        Ok(Some(product))
    }

    async fn get_many(
        &mut self,
        venue: VenueId,
        ids: &[ProductId],
    ) -> Result<Vec<Product>, StoreError> {
        let ids: Vec<Key> = ids.iter().map(AsKey::key).collect();
        let mut products: Vec<Product> = on!(&mut self.conn, |c| named()
            .filter(p::venue_id.eq(venue.key()).and(p::id.eq_any(&ids)))
            .select((ProductRow::as_select(), cat::name.nullable()))
            .load::<Named>(c)
            .await)?
        .into_iter()
        .map(model)
        .collect();
        fill_groups(&mut self.conn, venue, &mut products, false).await?;
        Ok(products)
    }

    async fn list(&mut self, venue: VenueId, page: Page) -> Result<Vec<Product>, StoreError> {
        let mut products: Vec<Product> = on!(&mut self.conn, |c| named()
            .filter(p::venue_id.eq(venue.key()))
            .order((p::name, p::id))
            .limit(page.fetch())
            .offset(page.offset)
            .select((ProductRow::as_select(), cat::name.nullable()))
            .load::<Named>(c)
            .await)?
        .into_iter()
        .map(model)
        .collect();
        fill_groups(&mut self.conn, venue, &mut products, true).await?;
        Ok(products)
    }

    async fn update(&mut self, product: &Product) -> Result<(), StoreError> {
        let row = ProductRow::from_model(product);
        on!(&mut self.conn, |c| diesel::update(one(
            product.venue_id,
            product.id
        ))
        .set(&row)
        .execute(c)
        .await)?;
        Ok(())
    }
}
