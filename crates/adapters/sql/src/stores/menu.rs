use async_trait::async_trait;
use brigade_application::model::Category;
use brigade_application::ports::MenuStore;
use brigade_application::{Page, StoreError};
use brigade_domain::{CategoryId, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::schema::{categories as cat, orders, venues};
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, At, Key};

diesel::define_sql_function! {
    /// PostgreSQL's two-argument maximum.
    fn greatest(a: diesel::sql_types::BigInt, b: diesel::sql_types::BigInt) -> diesel::sql_types::BigInt;
}

diesel::define_sql_function! {
    /// SQLite's scalar `max(a, b)` (with two arguments it is not the aggregate).
    #[sql_name = "max"]
    fn larger(a: diesel::sql_types::BigInt, b: diesel::sql_types::BigInt) -> diesel::sql_types::BigInt;
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = cat, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct CategoryRow {
    venue_id: Key,
    id: Key,
    name: String,
    position: i32,
    active: bool,
    created_at: At,
    updated_at: At,
}

impl CategoryRow {
    fn of(c: &Category) -> Self {
        Self {
            venue_id: c.venue_id.key(),
            id: c.id.key(),
            name: c.name.clone(),
            position: c.position,
            active: c.active,
            created_at: At(c.created_at),
            updated_at: At(c.updated_at),
        }
    }

    fn model(self) -> Category {
        Category {
            id: self.id.into(),
            venue_id: self.venue_id.into(),
            name: self.name,
            position: self.position,
            active: self.active,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        }
    }
}

#[async_trait]
impl MenuStore for SqlTx {
    async fn insert_category(&mut self, category: &Category) -> Result<(), StoreError> {
        let row = CategoryRow::of(category);
        on!(&mut self.conn, |c| diesel::insert_into(cat::table)
            .values(&row)
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn get_category(
        &mut self,
        venue: VenueId,
        id: CategoryId,
    ) -> Result<Option<Category>, StoreError> {
        Ok(on!(&mut self.conn, |c| cat::table
            .filter(cat::venue_id.eq(venue.key()).and(cat::id.eq(id.key())))
            .select(CategoryRow::as_select())
            .first(c)
            .await
            .optional())?
        .map(CategoryRow::model))
    }

    async fn category_named(
        &mut self,
        venue: VenueId,
        name: &str,
    ) -> Result<Option<Category>, StoreError> {
        Ok(on!(&mut self.conn, |c| cat::table
            .filter(cat::venue_id.eq(venue.key()).and(cat::name.eq(name)))
            .select(CategoryRow::as_select())
            .first(c)
            .await
            .optional())?
        .map(CategoryRow::model))
    }

    async fn list_categories(
        &mut self,
        venue: VenueId,
        page: Page,
    ) -> Result<Vec<Category>, StoreError> {
        Ok(on!(&mut self.conn, |c| cat::table
            .filter(cat::venue_id.eq(venue.key()))
            .order((cat::position, cat::name, cat::id))
            .limit(page.fetch())
            .offset(page.offset)
            .select(CategoryRow::as_select())
            .load(c)
            .await)?
        .into_iter()
        .map(CategoryRow::model)
        .collect())
    }

    async fn update_category(&mut self, category: &Category) -> Result<(), StoreError> {
        let row = CategoryRow::of(category);
        on!(&mut self.conn, |c| diesel::update(
            cat::table.filter(
                cat::venue_id
                    .eq(category.venue_id.key())
                    .and(cat::id.eq(category.id.key()))
            )
        )
        .set(&row)
        .execute(c)
        .await)?;
        Ok(())
    }

    async fn version(&mut self, venue: VenueId) -> Result<i64, StoreError> {
        Ok(on!(&mut self.conn, |c| venues::table
            .find(venue.key())
            .select(venues::menu_version)
            .first::<i64>(c)
            .await
            .optional())?
        .unwrap_or(0))
    }

    async fn active_venues(
        &mut self,
        since: time::OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<VenueId>, StoreError> {
        // Hidden venues (the deploy smoke test's) are not worth a warm cache.
        let hidden = crate::schema::venues::table
            .filter(crate::schema::venues::hidden.eq(true))
            .select(crate::schema::venues::id);
        let venues: Vec<Key> = on!(&mut self.conn, |c| orders::table
            .filter(orders::created_at.gt(At(since)))
            .filter(orders::venue_id.ne_all(hidden))
            .group_by(orders::venue_id)
            // Both dialects order their timestamps (SQLite's text sorts in time order).
            .order(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "max(created_at) DESC"
            ))
            .select(orders::venue_id)
            .limit(limit)
            .load(c)
            .await)?;
        Ok(venues.into_iter().map(Into::into).collect())
    }

    async fn bump_version(
        &mut self,
        venue: VenueId,
        at: time::OffsetDateTime,
    ) -> Result<i64, StoreError> {
        // At least the time in milliseconds: a number handed out before a restore from
        // backup is never handed out again for other content.
        let floor = (at.unix_timestamp_nanos() / 1_000_000) as i64;
        let next = venues::menu_version + 1;
        on!(&mut self.conn,
            pg: |c| diesel::update(venues::table.find(venue.key()))
                .set(venues::menu_version.eq(greatest(next, floor)))
                .returning(venues::menu_version)
                .get_result(c)
                .await,
            sqlite: |c| diesel::update(venues::table.find(venue.key()))
                .set(venues::menu_version.eq(larger(next, floor)))
                .returning(venues::menu_version)
                .get_result(c)
                .await,
        )
    }
}
