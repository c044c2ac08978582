use async_trait::async_trait;
use brigade_application::model::{Lot, MovementFilter, StockMovement, StockSummaryRow};
use brigade_application::ports::StockStore;
use brigade_application::{Page, StoreError};
use brigade_domain::fefo::{LotStock, Take};
use brigade_domain::{LotId, ProductId, Quantity, VenueId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date as SqlDate, Nullable, Text};
use diesel_async::RunQueryDsl;
use time::Date;

use crate::rows::{LotRow, MovementRow};
use crate::schema::{lots, stock_movements as m};
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, At, Id, Key};

#[derive(QueryableByName)]
struct SummaryRow {
    #[diesel(sql_type = Id)]
    id: Key,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    sku: String,
    #[diesel(sql_type = Text)]
    unit: String,
    #[diesel(sql_type = BigInt)]
    available: i64,
    #[diesel(sql_type = BigInt)]
    expired: i64,
    #[diesel(sql_type = BigInt)]
    lot_count: i64,
    #[diesel(sql_type = Nullable<SqlDate>)]
    next_expiry: Option<Date>,
}

/// SUMMARY with the dialect's placeholders for venue, today, limit and offset.
fn dialect(sql: &str, [venue, today, limit, offset]: [&str; 4]) -> String {
    sql.replace("{venue}", venue)
        .replace("{today}", today)
        .replace("{limit}", limit)
        .replace("{offset}", offset)
}

/// The stock summary, raw for its aggregate `FILTER`s; `{venue}`, `{today}`, `{limit}`
/// and `{offset}` are the dialect's placeholders (PostgreSQL's `SUM` of `int8` is
/// `numeric`: cast back).
const SUMMARY: &str = "SELECT p.id, p.name, p.sku, p.unit,
        CAST(COALESCE(SUM(l.qty_current_milli) FILTER (WHERE l.expiry_date IS NULL OR l.expiry_date >= {today}), 0) AS BIGINT) AS available,
        CAST(COALESCE(SUM(l.qty_current_milli) FILTER (WHERE l.expiry_date < {today}), 0) AS BIGINT) AS expired,
        COUNT(l.id) AS lot_count,
        MIN(l.expiry_date) FILTER (WHERE l.expiry_date >= {today}) AS next_expiry
   FROM products p
   LEFT JOIN lots l ON l.product_id = p.id AND l.venue_id = p.venue_id AND l.qty_current_milli > 0
  WHERE p.venue_id = {venue} AND p.stock_tracked
  GROUP BY p.venue_id, p.id
  ORDER BY p.name, p.id
  LIMIT {limit} OFFSET {offset}";

#[async_trait]
impl StockStore for SqlTx {
    async fn insert_lot(&mut self, lot: &Lot) -> Result<(), StoreError> {
        let row = LotRow::from_model(lot);
        on!(&mut self.conn, |c| diesel::insert_into(lots::table)
            .values(&row)
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn get_lot(&mut self, venue: VenueId, id: LotId) -> Result<Option<Lot>, StoreError> {
        Ok(on!(&mut self.conn, |c| lots::table
            .filter(lots::id.eq(id.key()).and(lots::venue_id.eq(venue.key())))
            .select(LotRow::as_select())
            .first(c)
            .await
            .optional())?
        .map(LotRow::into_model))
    }

    async fn list_lots(
        &mut self,
        venue: VenueId,
        product: Option<ProductId>,
        page: Page,
    ) -> Result<Vec<Lot>, StoreError> {
        // FEFO order within each product, lots without expiry last. (A listing: the
        // portable `IS NULL` sort serves both dialects; see `lock_for_fefo`.)
        let rows: Vec<LotRow> = on!(&mut self.conn, |c| {
            let mut query = lots::table
                .filter(lots::venue_id.eq(venue.key()))
                .select(LotRow::as_select())
                .order((
                    lots::product_id,
                    lots::expiry_date.is_null(),
                    lots::expiry_date.asc(),
                    lots::received_at,
                    lots::id,
                ))
                .limit(page.fetch())
                .offset(page.offset)
                .into_boxed();
            if let Some(product) = product {
                query = query.filter(lots::product_id.eq(product.key()));
            }
            query.load(c).await
        })?;
        Ok(rows.into_iter().map(LotRow::into_model).collect())
    }

    async fn lock_for_fefo(
        &mut self,
        venue: VenueId,
        product: ProductId,
    ) -> Result<Vec<LotStock>, StoreError> {
        let usable = lots::table.filter(
            lots::venue_id
                .eq(venue.key())
                .and(lots::product_id.eq(product.key()))
                .and(lots::qty_current_milli.gt(0)),
        );
        let columns = (
            lots::id,
            lots::qty_current_milli,
            lots::expiry_date,
            lots::received_at,
        );
        // PostgreSQL locks the rows (FOR UPDATE) in FEFO order as `lots_fefo_idx` has
        // them (`NULLS LAST`), so concurrent serves lock in one order; a SQLite write
        // transaction already excludes every other writer.
        let rows: Vec<(Key, i64, Option<Date>, At)> = on!(&mut self.conn,
            pg: |c| usable
                .order((lots::expiry_date.asc().nulls_last(), lots::received_at, lots::id))
                .select(columns)
                .for_update()
                .load(c)
                .await,
            sqlite: |c| usable
                .order((
                    lots::expiry_date.is_null(),
                    lots::expiry_date.asc(),
                    lots::received_at,
                    lots::id,
                ))
                .select(columns)
                .load(c)
                .await,
        )?;
        Ok(rows
            .into_iter()
            .map(|(id, qty, expiry, received_at)| LotStock {
                id: id.into(),
                available: Quantity::from_thousandths(qty),
                expiry,
                received_at: received_at.0,
            })
            .collect())
    }

    async fn take(&mut self, venue: VenueId, takes: &[Take]) -> Result<(), StoreError> {
        for take in takes {
            let qty = take.quantity.thousandths();
            let updated = on!(&mut self.conn, |c| diesel::update(
                lots::table.filter(
                    lots::id
                        .eq(take.lot.key())
                        .and(lots::venue_id.eq(venue.key()))
                        .and(lots::qty_current_milli.ge(qty)),
                ),
            )
            .set(lots::qty_current_milli.eq(lots::qty_current_milli - qty))
            .execute(c)
            .await)?;
            if updated != 1 {
                // The lot is locked by this transaction; this would be a bug upstream.
                return Err(StoreError::Unknown(anyhow::anyhow!(
                    "lot {} holds less than the {} planned",
                    take.lot,
                    take.quantity
                )));
            }
        }
        Ok(())
    }

    async fn insert_movements(&mut self, movements: &[StockMovement]) -> Result<(), StoreError> {
        // Row by row: a single-row insert is prepared once per connection, a batch of
        // variable length is parsed afresh every time; a serve writes one or two.
        for movement in movements {
            let row = MovementRow::from_model(movement);
            on!(&mut self.conn, |c| diesel::insert_into(m::table)
                .values(&row)
                .execute(c)
                .await)?;
        }
        Ok(())
    }

    async fn movements(
        &mut self,
        venue: VenueId,
        filter: &MovementFilter,
        page: Page,
    ) -> Result<Vec<StockMovement>, StoreError> {
        let rows: Vec<MovementRow> = on!(&mut self.conn, |c| {
            let mut query = m::table
                .filter(m::venue_id.eq(venue.key()))
                .select(MovementRow::as_select())
                .order((m::created_at.desc(), m::id.desc()))
                .limit(page.fetch())
                .offset(page.offset)
                .into_boxed();
            if let Some(product) = filter.product_id {
                query = query.filter(m::product_id.eq(product.key()));
            }
            if let Some(lot) = filter.lot_id {
                query = query.filter(m::lot_id.eq(lot.key()));
            }
            if let Some(reference) = filter.reference_id {
                query = query.filter(m::reference_id.eq(reference.key()));
            }
            query.load(c).await
        })?;
        rows.into_iter().map(MovementRow::into_model).collect()
    }

    async fn summary(
        &mut self,
        venue: VenueId,
        today: Date,
        page: Page,
    ) -> Result<Vec<StockSummaryRow>, StoreError> {
        let rows: Vec<SummaryRow> = on!(&mut self.conn,
            pg: |c| diesel::sql_query(dialect(SUMMARY, ["$1", "$2", "$3", "$4"]))
                .bind::<Id, _>(venue.key())
                .bind::<SqlDate, _>(today)
                .bind::<BigInt, _>(page.fetch())
                .bind::<BigInt, _>(page.offset)
                .load(c)
                .await,
            sqlite: |c| diesel::sql_query(dialect(SUMMARY, ["?1", "?2", "?3", "?4"]))
                .bind::<Id, _>(venue.key())
                .bind::<SqlDate, _>(today)
                .bind::<BigInt, _>(page.fetch())
                .bind::<BigInt, _>(page.offset)
                .load(c)
                .await,
        )?;
        Ok(rows
            .into_iter()
            .map(|r| StockSummaryRow {
                product_id: r.id.into(),
                name: r.name,
                sku: r.sku,
                unit: r.unit,
                available: Quantity::from_thousandths(r.available),
                expired: Quantity::from_thousandths(r.expired),
                lot_count: r.lot_count,
                next_expiry: r.next_expiry,
            })
            .collect())
    }
}
