use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use brigade_application::model::{ItemAllocation, Order, OrderItem};
use brigade_application::ports::OrderStore;
use brigade_application::{Page, StoreError};
use brigade_domain::fefo::Take;
use brigade_domain::order::Stamp;
use brigade_domain::{Money, OrderId, OrderItemId, OrderStatus, Quantity, TableId, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

use crate::rows::{ItemRow, OrderRow};
use crate::schema::{dining_tables, lots, order_item_lots as oil, order_items as oi, orders as o};
use crate::tx::{Conn, SqlTx, on};
use crate::types::{AsKey, At, Key};

const CLOSED: [&str; 2] = ["completed", "cancelled"];

#[diesel::dsl::auto_type]
fn by_id(venue: Key, id: Key) -> _ {
    o::table.filter(o::id.eq(id).and(o::venue_id.eq(venue)))
}

fn one(venue: VenueId, id: OrderId) -> by_id {
    by_id(venue.key(), id.key())
}

/// Orders with the name of their table (same venue), if any.
#[diesel::dsl::auto_type]
fn with_table() -> _ {
    o::table.left_join(
        dining_tables::table.on(dining_tables::id
            .nullable()
            .eq(o::table_id)
            .and(dining_tables::venue_id.eq(o::venue_id))),
    )
}

/// Attaches items (with their lot allocations, for served orders) to order rows, in one
/// or two queries whatever the number of orders.
async fn hydrate(
    conn: &mut Conn,
    venue: VenueId,
    rows: Vec<(OrderRow, Option<String>)>,
) -> Result<Vec<Order>, StoreError> {
    let ids: Vec<Key> = rows.iter().map(|(r, _)| r.id).collect();
    let items: Vec<ItemRow> = on!(&mut *conn, |c| oi::table
        .filter(oi::venue_id.eq(venue.key()).and(oi::order_id.eq_any(&ids)))
        .order((oi::created_at, oi::id))
        .select(ItemRow::as_select())
        .load(c)
        .await)?;
    // Only served orders have allocations: the other lines need no query (and no join
    // over the lots, whose rows every serve updates).
    let served: HashSet<Key> = rows
        .iter()
        .filter(|(r, _)| r.status.parse().is_ok_and(OrderStatus::stock_taken))
        .map(|(r, _)| r.id)
        .collect();
    let item_ids: Vec<Key> = items
        .iter()
        .filter(|i| served.contains(&i.order_id))
        .map(|i| i.id)
        .collect();
    let allocations: Vec<(Key, Key, i64)> = if item_ids.is_empty() {
        Vec::new()
    } else {
        on!(conn, |c| oil::table
            .filter(
                oil::venue_id
                    .eq(venue.key())
                    .and(oil::order_item_id.eq_any(&item_ids)),
            )
            // In the order FEFO took them (the item's first lot is its
            // `allocated_lot_id`).
            .inner_join(
                lots::table.on(lots::venue_id
                    .eq(oil::venue_id)
                    .and(lots::id.eq(oil::lot_id))),
            )
            .order((
                lots::expiry_date.is_null(),
                lots::expiry_date,
                lots::received_at,
                lots::id,
            ))
            .select((oil::order_item_id, oil::lot_id, oil::quantity_milli))
            .load(c)
            .await)?
    };
    let mut by_item: HashMap<Key, Vec<ItemAllocation>> = HashMap::new();
    for (item, lot, qty) in allocations {
        by_item.entry(item).or_default().push(ItemAllocation {
            lot_id: lot.into(),
            quantity: Quantity::from_thousandths(qty),
        });
    }
    let mut by_order: HashMap<Key, Vec<OrderItem>> = HashMap::new();
    for item in items {
        let allocations = by_item.remove(&item.id).unwrap_or_default();
        by_order
            .entry(item.order_id)
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

impl SqlTx {
    async fn load_one(&mut self, venue: VenueId, id: OrderId) -> Result<Option<Order>, StoreError> {
        let row: Option<(OrderRow, Option<String>)> = on!(&mut self.conn, |c| with_table()
            .filter(o::id.eq(id.key()).and(o::venue_id.eq(venue.key())))
            .select((OrderRow::as_select(), dining_tables::name.nullable()))
            .first(c)
            .await
            .optional())?;
        match row {
            None => Ok(None),
            Some(row) => Ok(hydrate(&mut self.conn, venue, vec![row]).await?.pop()),
        }
    }
}

#[async_trait]
impl OrderStore for SqlTx {
    async fn insert(&mut self, order: &Order) -> Result<(), StoreError> {
        let row = OrderRow::from_model(order);
        on!(&mut self.conn, |c| diesel::insert_into(o::table)
            .values(&row)
            .execute(c)
            .await)?;
        self.insert_items(order.venue_id, &order.items).await
    }

    async fn insert_items(
        &mut self,
        venue: VenueId,
        items: &[OrderItem],
    ) -> Result<(), StoreError> {
        // Row by row, so the statement is prepared once per connection (see
        // `StockStore::insert_movements`); an order carries a handful of lines.
        for item in items {
            let row = ItemRow::from_model(venue, item);
            on!(&mut self.conn, |c| diesel::insert_into(oi::table)
                .values(&row)
                .execute(c)
                .await)?;
        }
        Ok(())
    }

    async fn set_number(
        &mut self,
        venue: VenueId,
        order: OrderId,
        number: i64,
    ) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::update(one(venue, order))
            .set(o::order_number.eq(number))
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn get(&mut self, venue: VenueId, id: OrderId) -> Result<Option<Order>, StoreError> {
        self.load_one(venue, id).await
    }

    async fn lock(&mut self, venue: VenueId, id: OrderId) -> Result<Option<Order>, StoreError> {
        let locked: Option<Key> = on!(&mut self.conn,
            pg: |c| one(venue, id)
                .select(o::id)
                .for_update()
                .first(c)
                .await
                .optional(),
            sqlite: |c| one(venue, id).select(o::id).first(c).await.optional(),
        )?;
        match locked {
            None => Ok(None),
            Some(_) => self.load_one(venue, id).await,
        }
    }

    async fn list(
        &mut self,
        venue: VenueId,
        statuses: &[OrderStatus],
        page: Page,
        oldest_first: bool,
    ) -> Result<Vec<Order>, StoreError> {
        let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
        let rows = on!(&mut self.conn, |c| {
            let mut query = with_table()
                .filter(o::venue_id.eq(venue.key()))
                .limit(page.fetch())
                .offset(page.offset)
                .select((OrderRow::as_select(), dining_tables::name.nullable()))
                .into_boxed();
            query = if oldest_first {
                query.order((o::created_at.asc(), o::id.asc()))
            } else {
                query.order((o::created_at.desc(), o::id.desc()))
            };
            if !names.is_empty() {
                query = query.filter(o::status.eq_any(&names));
            }
            query.load(c).await
        })?;
        hydrate(&mut self.conn, venue, rows).await
    }

    async fn opened_between(
        &mut self,
        venue: VenueId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<Order>, StoreError> {
        let rows = on!(&mut self.conn, |c| with_table()
            .filter(o::venue_id.eq(venue.key()))
            .filter(o::created_at.ge(At(from)).and(o::created_at.lt(At(to))))
            .order((o::created_at.asc(), o::id.asc()))
            .select((OrderRow::as_select(), dining_tables::name.nullable()))
            .load(c)
            .await)?;
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
        // One statement per stamp column: each is prepared once and cached.
        let target = one(venue, id);
        let status = o::status.eq(status.as_str());
        let updated = o::updated_at.eq(At(at));
        macro_rules! stamped {
            ($column:ident) => {
                on!(&mut self.conn, |c| diesel::update(target)
                    .set((status, updated, o::$column.eq(At(at))))
                    .execute(c)
                    .await)
            };
        }
        match stamp {
            Stamp::ConfirmedAt => stamped!(confirmed_at),
            Stamp::KitchenStartedAt => stamped!(kitchen_started_at),
            Stamp::ReadyAt => stamped!(ready_at),
            Stamp::ServedAt => stamped!(served_at),
            Stamp::CompletedAt => stamped!(completed_at),
            Stamp::CancelledAt => stamped!(cancelled_at),
        }?;
        Ok(())
    }

    async fn set_total(
        &mut self,
        venue: VenueId,
        id: OrderId,
        total: Money,
    ) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::update(one(venue, id))
            .set(o::total_minor.eq(total.minor()))
            .execute(c)
            .await)?;
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
            on!(&mut self.conn, |c| diesel::insert_into(oil::table)
                .values((
                    oil::order_item_id.eq(item.key()),
                    oil::lot_id.eq(take.lot.key()),
                    oil::venue_id.eq(venue.key()),
                    oil::quantity_milli.eq(take.quantity.thousandths()),
                ))
                .execute(c)
                .await)?;
        }
        if shortfall.is_positive() {
            on!(&mut self.conn, |c| diesel::update(oi::table.filter(
                oi::id.eq(item.key()).and(oi::venue_id.eq(venue.key()))
            ),)
            .set(oi::shortfall_milli.eq(shortfall.thousandths()))
            .execute(c)
            .await)?;
        }
        Ok(())
    }

    async fn count_open_on_table(
        &mut self,
        venue: VenueId,
        table: TableId,
        except: Option<OrderId>,
    ) -> Result<u64, StoreError> {
        let count: i64 = on!(&mut self.conn, |c| {
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
            query.get_result(c).await
        })?;
        Ok(count.unsigned_abs())
    }

    async fn delete(&mut self, venue: VenueId, id: OrderId) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::delete(one(venue, id))
            .execute(c)
            .await)?;
        Ok(())
    }
}
