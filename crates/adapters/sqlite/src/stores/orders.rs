use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::{ItemAllocation, KitchenHealth, Order, OrderItem};
use brigade_application::ports::OrderStore;
use brigade_domain::fefo::Take;
use brigade_domain::order::Stamp;
use brigade_domain::{Money, OrderId, OrderItemId, OrderStatus, Quantity, TableId, VenueId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, TimestamptzSqlite};
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

use crate::error::StoreResult;
use crate::rows::{ItemRow, Key, OrderRow, utc, uuid};
use crate::schema::{dining_tables, lots, order_item_lots as oil, order_items as oi, orders as o};
use crate::uow::{Conn, SqliteTx};

const CLOSED: [&str; 2] = ["completed", "cancelled"];

#[derive(QueryableByName)]
struct KitchenRow {
    #[diesel(sql_type = BigInt)]
    active: i64,
    #[diesel(sql_type = BigInt)]
    stuck: i64,
    #[diesel(sql_type = Nullable<Double>)]
    avg_secs: Option<f64>,
}

impl From<KitchenRow> for KitchenHealth {
    fn from(r: KitchenRow) -> Self {
        KitchenHealth {
            active_orders: r.active,
            stuck_in_preparing: r.stuck,
            avg_preparation_secs: r.avg_secs,
        }
    }
}

/// Attaches items (with their lot allocations, for served orders) to order rows, in one
/// or two queries whatever the number of orders.
async fn hydrate(
    conn: &mut Conn,
    venue: VenueId,
    rows: Vec<(OrderRow, Option<String>)>,
) -> Result<Vec<Order>, StoreError> {
    let ids: Vec<&str> = rows.iter().map(|(r, _)| r.id.as_str()).collect();
    let items: Vec<ItemRow> = oi::table
        .filter(oi::venue_id.eq(venue.key()).and(oi::order_id.eq_any(&ids)))
        .order((oi::created_at, oi::id))
        .select(ItemRow::as_select())
        .load(conn)
        .await
        .store()?;
    // Only served orders have allocations: the other lines need no query.
    let served: HashSet<&str> = rows
        .iter()
        .filter(|(r, _)| r.status.parse().is_ok_and(OrderStatus::stock_taken))
        .map(|(r, _)| r.id.as_str())
        .collect();
    let item_ids: Vec<&str> = items
        .iter()
        .filter(|i| served.contains(&i.order_id.as_str()))
        .map(|i| i.id.as_str())
        .collect();
    let allocations: Vec<(String, String, i64)> = if item_ids.is_empty() {
        Vec::new()
    } else {
        oil::table
            .filter(
                oil::venue_id
                    .eq(venue.key())
                    .and(oil::order_item_id.eq_any(&item_ids)),
            )
            // In the order FEFO took them (the item's first lot is its
            // `allocated_lot_id`).
            .inner_join(lots::table.on(lots::id.eq(oil::lot_id)))
            .order((
                lots::expiry_date.is_null(),
                lots::expiry_date,
                lots::received_at,
                lots::id,
            ))
            .select((oil::order_item_id, oil::lot_id, oil::quantity_milli))
            .load(conn)
            .await
            .store()?
    };
    let mut by_item: HashMap<String, Vec<ItemAllocation>> = HashMap::new();
    for (item, lot, qty) in allocations {
        by_item.entry(item).or_default().push(ItemAllocation {
            lot_id: uuid(&lot)?,
            quantity: Quantity::from_thousandths(qty),
        });
    }
    let mut by_order: HashMap<String, Vec<OrderItem>> = HashMap::new();
    for item in items {
        let allocations = by_item.remove(&item.id).unwrap_or_default();
        let order_id = item.order_id.clone();
        by_order
            .entry(order_id)
            .or_default()
            .push(item.into_model(allocations)?);
    }
    rows.into_iter()
        .map(|(row, table_name)| {
            let items = by_order.remove(&row.id).unwrap_or_default();
            row.into_model(table_name, items)
        })
        .collect()
}

impl SqliteTx {
    async fn load_one(&mut self, venue: VenueId, id: OrderId) -> Result<Option<Order>, StoreError> {
        let row: Option<(OrderRow, Option<String>)> = o::table
            .left_join(
                dining_tables::table.on(dining_tables::id
                    .nullable()
                    .eq(o::table_id)
                    .and(dining_tables::venue_id.eq(o::venue_id))),
            )
            .filter(o::id.eq(id.key()).and(o::venue_id.eq(venue.key())))
            .select((OrderRow::as_select(), dining_tables::name.nullable()))
            .first(&mut *self.conn)
            .await
            .optional()
            .store()?;
        match row {
            None => Ok(None),
            Some(row) => Ok(hydrate(&mut self.conn, venue, vec![row]).await?.pop()),
        }
    }
}

#[async_trait]
impl OrderStore for SqliteTx {
    async fn insert(&mut self, order: &Order) -> Result<(), StoreError> {
        diesel::insert_into(o::table)
            .values(OrderRow::from_model(order))
            .execute(&mut *self.conn)
            .await
            .store()?;
        self.insert_items(order.venue_id, &order.items).await
    }

    async fn insert_items(
        &mut self,
        venue: VenueId,
        items: &[OrderItem],
    ) -> Result<(), StoreError> {
        // Row by row, so the statement is prepared once per connection; an order
        // carries a handful of lines.
        for item in items {
            diesel::insert_into(oi::table)
                .values(ItemRow::from_model(venue, item))
                .execute(&mut *self.conn)
                .await
                .store()?;
        }
        Ok(())
    }

    async fn set_number(
        &mut self,
        venue: VenueId,
        order: OrderId,
        number: i64,
    ) -> Result<(), StoreError> {
        diesel::update(o::table.filter(o::id.eq(order.key()).and(o::venue_id.eq(venue.key()))))
            .set(o::order_number.eq(number))
            .execute(&mut *self.conn)
            .await
            .store()?;
        Ok(())
    }

    async fn get(&mut self, venue: VenueId, id: OrderId) -> Result<Option<Order>, StoreError> {
        self.load_one(venue, id).await
    }

    async fn lock(&mut self, venue: VenueId, id: OrderId) -> Result<Option<Order>, StoreError> {
        let locked: Option<String> = o::table
            .filter(o::id.eq(id.key()).and(o::venue_id.eq(venue.key())))
            .select(o::id)
            .first(&mut *self.conn)
            .await
            .optional()
            .store()?;
        match locked {
            None => Ok(None),
            Some(_) => self.load_one(venue, id).await,
        }
    }

    async fn list(
        &mut self,
        venue: VenueId,
        statuses: &[OrderStatus],
        limit: i64,
        oldest_first: bool,
    ) -> Result<Vec<Order>, StoreError> {
        let mut query = o::table
            .left_join(
                dining_tables::table.on(dining_tables::id
                    .nullable()
                    .eq(o::table_id)
                    .and(dining_tables::venue_id.eq(o::venue_id))),
            )
            .filter(o::venue_id.eq(venue.key()))
            .limit(limit)
            .select((OrderRow::as_select(), dining_tables::name.nullable()))
            .into_boxed();
        query = if oldest_first {
            query.order((o::created_at.asc(), o::id.asc()))
        } else {
            query.order((o::created_at.desc(), o::id.desc()))
        };
        if !statuses.is_empty() {
            let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
            query = query.filter(o::status.eq_any(names));
        }
        let rows = query.load(&mut *self.conn).await.store()?;
        hydrate(&mut self.conn, venue, rows).await
    }

    async fn set_status(
        &mut self,
        venue: VenueId,
        id: OrderId,
        status: OrderStatus,
        stamp: Stamp,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let target = o::table.filter(o::id.eq(id.key()).and(o::venue_id.eq(venue.key())));
        let status = o::status.eq(status.as_str());
        let at = utc(at);
        let updated = o::updated_at.eq(at);
        let conn = &mut *self.conn;
        match stamp {
            Stamp::ConfirmedAt => {
                diesel::update(target)
                    .set((status, updated, o::confirmed_at.eq(at)))
                    .execute(conn)
                    .await
            }
            Stamp::KitchenStartedAt => {
                diesel::update(target)
                    .set((status, updated, o::kitchen_started_at.eq(at)))
                    .execute(conn)
                    .await
            }
            Stamp::ReadyAt => {
                diesel::update(target)
                    .set((status, updated, o::ready_at.eq(at)))
                    .execute(conn)
                    .await
            }
            Stamp::ServedAt => {
                diesel::update(target)
                    .set((status, updated, o::served_at.eq(at)))
                    .execute(conn)
                    .await
            }
            Stamp::CompletedAt => {
                diesel::update(target)
                    .set((status, updated, o::completed_at.eq(at)))
                    .execute(conn)
                    .await
            }
            Stamp::CancelledAt => {
                diesel::update(target)
                    .set((status, updated, o::cancelled_at.eq(at)))
                    .execute(conn)
                    .await
            }
        }
        .store()?;
        Ok(())
    }

    async fn set_total(
        &mut self,
        venue: VenueId,
        id: OrderId,
        total: Money,
    ) -> Result<(), StoreError> {
        diesel::update(o::table.filter(o::id.eq(id.key()).and(o::venue_id.eq(venue.key()))))
            .set(o::total_minor.eq(total.minor()))
            .execute(&mut *self.conn)
            .await
            .store()?;
        Ok(())
    }

    async fn record_allocation(
        &mut self,
        venue: VenueId,
        item: OrderItemId,
        takes: &[Take],
        shortfall: Quantity,
    ) -> Result<(), StoreError> {
        for take in takes {
            diesel::insert_into(oil::table)
                .values((
                    oil::order_item_id.eq(item.key()),
                    oil::lot_id.eq(take.lot.key()),
                    oil::venue_id.eq(venue.key()),
                    oil::quantity_milli.eq(take.quantity.thousandths()),
                ))
                .execute(&mut *self.conn)
                .await
                .store()?;
        }
        if shortfall.is_positive() {
            diesel::update(
                oi::table.filter(oi::id.eq(item.key()).and(oi::venue_id.eq(venue.key()))),
            )
            .set(oi::shortfall_milli.eq(shortfall.thousandths()))
            .execute(&mut *self.conn)
            .await
            .store()?;
        }
        Ok(())
    }

    async fn count_open_on_table(
        &mut self,
        venue: VenueId,
        table: TableId,
        except: Option<OrderId>,
    ) -> Result<u64, StoreError> {
        let mut query = o::table
            .filter(
                o::venue_id
                    .eq(venue.key())
                    .and(o::table_id.eq(table.key()))
                    .and(o::status.ne_all(CLOSED)),
            )
            .count()
            .into_boxed();
        if let Some(except) = except {
            query = query.filter(o::id.ne(except.key()));
        }
        let count: i64 = query.get_result(&mut *self.conn).await.store()?;
        Ok(count.unsigned_abs())
    }

    async fn delete(&mut self, venue: VenueId, id: OrderId) -> Result<(), StoreError> {
        diesel::delete(o::table.filter(o::id.eq(id.key()).and(o::venue_id.eq(venue.key()))))
            .execute(&mut *self.conn)
            .await
            .store()?;
        Ok(())
    }

    async fn kitchen_health(
        &mut self,
        stuck_before: OffsetDateTime,
        ready_since: OffsetDateTime,
    ) -> Result<KitchenHealth, StoreError> {
        // Timestamps are UTC text that sorts in time order; julianday() reads them.
        let row: KitchenRow = diesel::sql_query(
            "SELECT count(*) FILTER (WHERE status IN ('confirmed', 'preparing', 'ready')) AS active,
                    count(*) FILTER (WHERE status = 'preparing' AND kitchen_started_at < ?1) AS stuck,
                    avg((julianday(ready_at) - julianday(kitchen_started_at)) * 86400.0)
                        FILTER (WHERE ready_at >= ?2 AND kitchen_started_at IS NOT NULL) AS avg_secs
               FROM orders
              WHERE status IN ('confirmed', 'preparing', 'ready') OR ready_at >= ?2",
        )
        .bind::<TimestamptzSqlite, _>(utc(stuck_before))
        .bind::<TimestamptzSqlite, _>(utc(ready_since))
        .get_result(&mut *self.conn)
        .await
        .store()?;
        Ok(row.into())
    }
}
