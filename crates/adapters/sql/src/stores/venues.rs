use async_trait::async_trait;
use brigade_application::model::Venue;
use brigade_application::ports::VenueStore;
use brigade_application::{Page, StoreError};
use brigade_domain::VenueId;
use brigade_domain::venue::{Currency, DayStart, Timezone};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::rows::{parse, percent};
use crate::schema::venues;
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, Key};

/// A venue's settings as stored (the counters are the store's own business).
#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = venues, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct VenueRow {
    id: Key,
    name: String,
    stock_policy: String,
    timezone: String,
    currency: String,
    business_day_starts_minutes: i32,
    allow_unpaid_close: bool,
    stuck_after_minutes: i32,
    target_ticket_minutes: i32,
    prices_include_tax: bool,
    service_charge: i32,
}

impl VenueRow {
    fn of(v: &Venue) -> Self {
        VenueRow {
            id: v.id.key(),
            name: v.name.clone(),
            stock_policy: v.stock_policy.as_str().to_owned(),
            timezone: v.timezone.name().to_owned(),
            currency: v.currency.code(),
            business_day_starts_minutes: i32::from(v.business_day_starts_at.minutes()),
            allow_unpaid_close: v.allow_unpaid_close,
            stuck_after_minutes: v.stuck_after_minutes as i32,
            target_ticket_minutes: v.target_ticket_minutes as i32,
            prices_include_tax: v.prices_include_tax,
            service_charge: v.service_charge.thousandths() as i32,
        }
    }

    fn venue(self) -> Result<Venue, StoreError> {
        let invalid = |what: &str, e: String| {
            StoreError::Unknown(anyhow::anyhow!("stored venue {what} is not valid: {e}"))
        };
        Ok(Venue {
            id: self.id.into(),
            name: self.name,
            stock_policy: parse(&self.stock_policy, "stock policy")?,
            timezone: Timezone::parse(&self.timezone).map_err(|e| invalid("timezone", e))?,
            currency: Currency::parse(&self.currency).map_err(|e| invalid("currency", e))?,
            business_day_starts_at: u16::try_from(self.business_day_starts_minutes)
                .map_err(|e| e.to_string())
                .and_then(DayStart::from_minutes)
                .map_err(|e| invalid("day start", e))?,
            allow_unpaid_close: self.allow_unpaid_close,
            stuck_after_minutes: self.stuck_after_minutes.max(1) as u32,
            target_ticket_minutes: self.target_ticket_minutes.max(1) as u32,
            prices_include_tax: self.prices_include_tax,
            service_charge: percent(self.service_charge, "service charge")?,
        })
    }
}

#[async_trait]
impl VenueStore for SqlTx {
    async fn get(&mut self, venue: VenueId) -> Result<Option<Venue>, StoreError> {
        let row: Option<VenueRow> = on!(&mut self.conn, |c| venues::table
            .find(venue.key())
            .select(VenueRow::as_select())
            .first(c)
            .await
            .optional())?;
        row.map(VenueRow::venue).transpose()
    }

    async fn lock(&mut self, venue: VenueId) -> Result<Option<Venue>, StoreError> {
        let row: Option<VenueRow> = on!(&mut self.conn,
            pg: |c| venues::table
                .find(venue.key())
                .select(VenueRow::as_select())
                .for_update()
                .first(c)
                .await
                .optional(),
            sqlite: |c| venues::table
                .find(venue.key())
                .select(VenueRow::as_select())
                .first(c)
                .await
                .optional(),
        )?;
        row.map(VenueRow::venue).transpose()
    }

    async fn get_many(&mut self, ids: &[VenueId], page: Page) -> Result<Vec<Venue>, StoreError> {
        let keys: Vec<Key> = ids.iter().map(AsKey::key).collect();
        let rows: Vec<VenueRow> = on!(&mut self.conn, |c| venues::table
            .filter(venues::id.eq_any(&keys))
            .select(VenueRow::as_select())
            .order((venues::name, venues::id))
            .limit(page.fetch())
            .offset(page.offset)
            .load(c)
            .await)?;
        rows.into_iter().map(VenueRow::venue).collect()
    }

    async fn upsert(&mut self, venue: &Venue) -> Result<(), StoreError> {
        let row = VenueRow::of(venue);
        on!(&mut self.conn, |c| diesel::insert_into(venues::table)
            .values(&row)
            .on_conflict(venues::id)
            .do_update()
            .set(&row)
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
