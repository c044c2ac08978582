//! Moving an order through its states; serving it allocates stock FEFO.

use brigade_domain::fefo::{self, Take};
use brigade_domain::{
    DomainEvent, Money, OrderId, OrderItemId, OrderStatus, PaymentState, Permission, Quantity,
    StockPolicy,
};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use uuid::Uuid;

use super::checks::{check_of, venue_of};
use crate::model::{ItemAllocation, MovementKind, Order, OrderCheck, StockMovement, Venue};
use crate::ports::{Measurement, Tx};
use crate::{Actor, AppError, Brigade};

impl Brigade {
    /// Applies one transition of DESIGN §4 for the actor's role. Serving deducts stock,
    /// completing or cancelling the table's last open order releases the table; the
    /// status, stamps, stock, table and events commit together.
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, order.id = %id, order.status = %to))]
    pub async fn change_status(
        &self,
        actor: &Actor,
        id: OrderId,
        to: OrderStatus,
    ) -> Result<Order, AppError> {
        actor.require(Permission::ViewVenue)?;
        let now = self.now();
        let (changed, from, served) = self
            .write(async |tx| {
                let order = tx
                    .orders()
                    .lock(actor.venue_id, id)
                    .await?
                    .ok_or(AppError::NotFound { entity: "order" })?;
                let stamp = order.status.transition(to, actor.role)?;
                // Only serving (its stock policy and day) and completing (whether it
                // closes unpaid) need the venue's settings.
                let venue = match to {
                    OrderStatus::Served | OrderStatus::Completed => {
                        Some(venue_of(tx, actor).await?)
                    }
                    _ => None,
                };
                let check = check_of(tx, &order).await?;
                refuse_unsettled(venue.as_ref(), &check, to)?;
                let mut events = Vec::new();
                let served = match (&venue, to) {
                    (Some(venue), OrderStatus::Served) => {
                        Some(serve(tx, actor, venue, &order, now, &mut events).await?)
                    }
                    _ => None,
                };
                tx.orders()
                    .set_status(actor.venue_id, id, to, stamp, now)
                    .await?;
                events.insert(
                    0,
                    DomainEvent::OrderStatusChanged {
                        order_id: id,
                        order_number: order.order_number,
                        from: order.status,
                        status: to,
                    },
                );
                if !to.is_open() {
                    release_table(
                        tx,
                        actor,
                        &order,
                        to == OrderStatus::Completed,
                        now,
                        &mut events,
                    )
                    .await?;
                }
                super::journal(tx, actor.venue_id, events, now).await?;
                let from = order.status;
                // The response is what was just written, not a second read of it.
                let mut changed = order.with_status(to, stamp, now);
                if let Some(served) = &served {
                    served.apply_to(&mut changed);
                }
                changed.check = Some(check);
                Ok((changed, from, served))
            })
            .await?;
        self.measure(Measurement::Transition { from, to });
        if let Some((stage, seconds)) = stage_time(from, &changed) {
            self.measure(Measurement::StageTime { stage, seconds });
        }
        if let Some(served) = served {
            self.measure(Measurement::FefoAllocation {
                seconds: served.allocation.as_secs_f64(),
            });
            for _ in 0..served.shortages {
                self.measure(Measurement::Shortage);
            }
        }
        Ok(changed)
    }
}

/// Money rules of a transition: a venue that does not close unpaid refuses `completed`
/// while something is due, and no order is cancelled with captured payments on it.
fn refuse_unsettled(
    venue: Option<&Venue>,
    check: &OrderCheck,
    to: OrderStatus,
) -> Result<(), AppError> {
    let closes_unpaid = venue.is_none_or(|v| v.allow_unpaid_close);
    if to == OrderStatus::Completed && !closes_unpaid && check.due > Money::ZERO {
        return Err(AppError::conflict(
            "payment_due",
            format!("{} is still due on this order", check.due),
        ));
    }
    let captured = check
        .payments
        .iter()
        .any(|p| p.state == PaymentState::Captured);
    if to == OrderStatus::Cancelled && captured {
        return Err(AppError::conflict(
            "payments_captured",
            "the order has captured payments: refund them before cancelling",
        ));
    }
    Ok(())
}

/// How long an order spent in the kitchen stage it just left (`confirmed`, `preparing`
/// or `ready`), whichever way it left it (on, straight to `ready`, or cancelled).
fn stage_time(from: OrderStatus, changed: &Order) -> Option<(OrderStatus, f64)> {
    let entered = match from {
        OrderStatus::Confirmed => changed.confirmed_at,
        OrderStatus::Preparing => changed.kitchen_started_at,
        OrderStatus::Ready => changed.ready_at,
        _ => return None,
    }?;
    let seconds = (changed.updated_at - entered).as_seconds_f64();
    (seconds >= 0.0).then_some((from, seconds))
}

/// What serving an order's stock came to.
struct Served {
    /// Locking the lots, planning and taking, for every line.
    allocation: Duration,
    /// Lines that got less than they asked for.
    shortages: usize,
    /// Each stock-tracked line's lots (in FEFO order) and shortfall, as recorded.
    lines: Vec<(OrderItemId, Vec<Take>, Quantity)>,
}

impl Served {
    /// Puts the recorded allocations on the served order's lines.
    fn apply_to(&self, order: &mut Order) {
        for (item_id, takes, shortfall) in &self.lines {
            if let Some(item) = order.items.iter_mut().find(|i| i.id == *item_id) {
                item.allocations = takes
                    .iter()
                    .map(|t| ItemAllocation {
                        lot_id: t.lot,
                        quantity: t.quantity,
                    })
                    .collect();
                item.shortfall = *shortfall;
            }
        }
    }
}

/// FEFO for every stock-tracked line: lock the product's lots, plan, apply, link the
/// item to its lots and write one `OUT` movement per lot taken. Lines are handled in
/// product order so two serves lock lots in the same order and cannot deadlock.
async fn serve(
    tx: &mut dyn Tx,
    actor: &Actor,
    venue: &Venue,
    order: &Order,
    now: OffsetDateTime,
    events: &mut Vec<DomainEvent>,
) -> Result<Served, AppError> {
    let started = Instant::now();
    let mut shortages = 0;
    let mut allocated = Vec::new();
    let mut product_ids: Vec<_> = order.items.iter().map(|i| i.product_id).collect();
    product_ids.sort();
    product_ids.dedup();
    let tracked: Vec<_> = tx
        .products()
        .get_many(actor.venue_id, &product_ids)
        .await?
        .into_iter()
        .filter(|p| p.stock_tracked)
        .map(|p| p.id)
        .collect();
    let mut lines: Vec<_> = order
        .items
        .iter()
        .filter(|i| tracked.contains(&i.product_id))
        .collect();
    lines.sort_by_key(|i| (i.product_id, i.id));

    // Lots expiring on the venue's business day are still good that day.
    let today = venue.business_date(now);
    let mut movements = Vec::new();
    for item in lines {
        let lots = tx
            .stock()
            .lock_for_fefo(actor.venue_id, item.product_id)
            .await?;
        let plan = fefo::allocate(&lots, item.quantity, today);
        if plan.shortfall.is_positive() {
            if venue.stock_policy == StockPolicy::Strict {
                return Err(AppError::InsufficientStock {
                    product_id: item.product_id,
                    product_name: item.product_name.clone(),
                    requested: item.quantity,
                    available: plan.allocated(),
                });
            }
            shortages += 1;
            events.push(DomainEvent::StockShortage {
                order_id: order.id,
                order_number: order.order_number,
                product_id: item.product_id,
                product_name: item.product_name.clone(),
                requested: item.quantity,
                allocated: plan.allocated(),
                shortfall: plan.shortfall,
            });
        }
        tx.stock().take(actor.venue_id, &plan.takes).await?;
        tx.orders()
            .record_allocation(actor.venue_id, item.id, &plan.takes, plan.shortfall)
            .await?;
        allocated.push((item.id, plan.takes.clone(), plan.shortfall));
        movements.extend(plan.takes.iter().map(|take: &Take| StockMovement {
            id: Uuid::now_v7(),
            venue_id: actor.venue_id,
            lot_id: take.lot,
            product_id: item.product_id,
            kind: MovementKind::Out,
            quantity: -take.quantity,
            reference_type: Some("order".to_owned()),
            reference_id: Some(order.id.as_uuid()),
            created_by: Some(actor.user_id),
            created_at: now,
        }));
    }
    tx.stock().insert_movements(&movements).await?;
    Ok(Served {
        allocation: started.elapsed(),
        shortages,
        lines: allocated,
    })
}

/// When `order` was its table's last open order, the table becomes `cleaning` (after a
/// meal) or `available` again (cancelled, deleted).
pub(crate) async fn release_table(
    tx: &mut dyn Tx,
    actor: &Actor,
    order: &Order,
    completed: bool,
    now: OffsetDateTime,
    events: &mut Vec<DomainEvent>,
) -> Result<(), AppError> {
    let Some(table_id) = order.table_id else {
        return Ok(());
    };
    // Lock the table first: an order being opened on it concurrently waits, so the
    // count below cannot miss it.
    let Some(table) = tx.tables().lock(actor.venue_id, table_id).await? else {
        return Ok(());
    };
    let others = tx
        .orders()
        .count_open_on_table(actor.venue_id, table_id, Some(order.id))
        .await?;
    if others > 0 {
        return Ok(());
    }
    let next = table.status.on_last_order_closed(completed);
    if next != table.status {
        tx.tables()
            .set_status(actor.venue_id, table_id, next, now)
            .await?;
        events.push(DomainEvent::TableStatusChanged {
            table_id,
            table_name: table.name,
            from: table.status,
            status: next,
        });
    }
    Ok(())
}
