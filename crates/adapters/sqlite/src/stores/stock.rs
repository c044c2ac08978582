use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::{Lot, MovementFilter, StockMovement, StockSummaryRow};
use brigade_application::ports::StockStore;
use brigade_domain::fefo::{LotStock, Take};
use brigade_domain::{LotId, ProductId, Quantity, VenueId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date as SqlDate, Nullable, Text};
use diesel_async::RunQueryDsl;
use time::{Date, OffsetDateTime};

use crate::error::StoreResult;
use crate::rows::{Key, LotRow, MovementRow, uuid};
use crate::schema::{lots, stock_movements as m};
use crate::uow::SqliteTx;

#[derive(QueryableByName)]
struct SummaryRow {
    #[diesel(sql_type = Text)]
    id: String,
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

#[async_trait]
impl StockStore for SqliteTx {
    async fn insert_lot(&mut self, lot: &Lot) -> Result<(), StoreError> {
        diesel::insert_into(lots::table)
            .values(LotRow::from_model(lot))
            .execute(&mut *self.conn)
            .await
            .store()?;
        Ok(())
    }

    async fn get_lot(&mut self, venue: VenueId, id: LotId) -> Result<Option<Lot>, StoreError> {
        lots::table
            .filter(lots::id.eq(id.key()).and(lots::venue_id.eq(venue.key())))
            .select(LotRow::as_select())
            .first(&mut *self.conn)
            .await
            .optional()
            .store()?
            .map(LotRow::into_model)
            .transpose()
    }

    async fn list_lots(
        &mut self,
        venue: VenueId,
        product: Option<ProductId>,
    ) -> Result<Vec<Lot>, StoreError> {
        let mut query = lots::table
            .filter(lots::venue_id.eq(venue.key()))
            .select(LotRow::as_select())
            .order((
                lots::product_id,
                // Lots without expiry last, as PostgreSQL's NULLS LAST.
                lots::expiry_date.is_null(),
                lots::expiry_date.asc(),
                lots::received_at,
                lots::id,
            ))
            .into_boxed();
        if let Some(product) = product {
            query = query.filter(lots::product_id.eq(product.key()));
        }
        query
            .load(&mut *self.conn)
            .await
            .store()?
            .into_iter()
            .map(LotRow::into_model)
            .collect()
    }

    async fn lock_for_fefo(
        &mut self,
        venue: VenueId,
        product: ProductId,
    ) -> Result<Vec<LotStock>, StoreError> {
        let rows: Vec<(String, i64, Option<Date>, OffsetDateTime)> = lots::table
            .filter(
                lots::venue_id
                    .eq(venue.key())
                    .and(lots::product_id.eq(product.key()))
                    .and(lots::qty_current_milli.gt(0)),
            )
            .order((
                // Lots without expiry last, as PostgreSQL's NULLS LAST.
                lots::expiry_date.is_null(),
                lots::expiry_date.asc(),
                lots::received_at,
                lots::id,
            ))
            .select((
                lots::id,
                lots::qty_current_milli,
                lots::expiry_date,
                lots::received_at,
            ))
            .load(&mut *self.conn)
            .await
            .store()?;
        rows.into_iter()
            .map(|(id, qty, expiry, received_at)| {
                Ok(LotStock {
                    id: uuid(&id)?,
                    available: Quantity::from_thousandths(qty),
                    expiry,
                    received_at,
                })
            })
            .collect()
    }

    async fn take(&mut self, venue: VenueId, takes: &[Take]) -> Result<(), StoreError> {
        for take in takes {
            let qty = take.quantity.thousandths();
            let updated = diesel::update(
                lots::table.filter(
                    lots::id
                        .eq(take.lot.key())
                        .and(lots::venue_id.eq(venue.key()))
                        .and(lots::qty_current_milli.ge(qty)),
                ),
            )
            .set(lots::qty_current_milli.eq(lots::qty_current_milli - qty))
            .execute(&mut *self.conn)
            .await
            .store()?;
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
            diesel::insert_into(m::table)
                .values(MovementRow::from_model(movement))
                .execute(&mut *self.conn)
                .await
                .store()?;
        }
        Ok(())
    }

    async fn movements(
        &mut self,
        venue: VenueId,
        filter: &MovementFilter,
    ) -> Result<Vec<StockMovement>, StoreError> {
        let mut query = m::table
            .filter(m::venue_id.eq(venue.key()))
            .select(MovementRow::as_select())
            .order((m::created_at.desc(), m::id.desc()))
            .limit(filter.limit)
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
        query
            .load(&mut *self.conn)
            .await
            .store()?
            .into_iter()
            .map(MovementRow::into_model)
            .collect()
    }

    async fn summary(
        &mut self,
        venue: VenueId,
        today: Date,
    ) -> Result<Vec<StockSummaryRow>, StoreError> {
        let rows: Vec<SummaryRow> = diesel::sql_query(
            "SELECT p.id, p.name, p.sku, p.unit,
                    COALESCE(SUM(l.qty_current_milli) FILTER (WHERE l.expiry_date IS NULL OR l.expiry_date >= ?2), 0) AS available,
                    COALESCE(SUM(l.qty_current_milli) FILTER (WHERE l.expiry_date < ?2), 0) AS expired,
                    COUNT(l.id) AS lot_count,
                    MIN(l.expiry_date) FILTER (WHERE l.expiry_date >= ?2) AS next_expiry
               FROM products p
               LEFT JOIN lots l ON l.product_id = p.id AND l.venue_id = p.venue_id AND l.qty_current_milli > 0
              WHERE p.venue_id = ?1 AND p.stock_tracked
              GROUP BY p.id
              ORDER BY p.name, p.id",
        )
        .bind::<Text, _>(venue.key())
        .bind::<SqlDate, _>(today)
        .load(&mut *self.conn)
        .await
        .store()?;
        rows.into_iter()
            .map(|r| {
                Ok(StockSummaryRow {
                    product_id: uuid(&r.id)?,
                    name: r.name,
                    sku: r.sku,
                    unit: r.unit,
                    available: Quantity::from_thousandths(r.available),
                    expired: Quantity::from_thousandths(r.expired),
                    lot_count: r.lot_count,
                    next_expiry: r.next_expiry,
                })
            })
            .collect()
    }
}
