//! The day's figures for managers (DESIGN §9): a business day of the venue, in its
//! time zone and from its day start, as the till closes it.

use std::collections::{BTreeMap, HashMap};

use brigade_domain::venue::{Currency, business_day_bounds};
use brigade_domain::{Money, OrderId, OrderStatus, PaymentMethod, PaymentState, Permission};
use time::{Date, OffsetDateTime};

use super::checks::{check_with, venue_of};
use crate::model::{Order, OrderDiscount, Payment};
use crate::{Actor, AppError, Brigade, Page};

/// Takings by one payment method.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodTakings {
    pub method: PaymentMethod,
    pub payments: i64,
    pub amount: Money,
    pub tips: Money,
}

/// A business day's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct DaySummary {
    pub date: Date,
    /// The day's bounds: `[from, to)`.
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    pub currency: Currency,
    /// Orders opened in the day, and how many of them completed and were cancelled.
    pub orders: i64,
    pub completed: i64,
    pub cancelled: i64,
    /// Payments taken in the day (later refunds included: refunds count on their own
    /// day), by method.
    pub takings: Vec<MethodTakings>,
    pub revenue: Money,
    pub tips: Money,
    /// Payments refunded in the day.
    pub refunds: i64,
    pub refunded: Money,
    /// On the day's orders, cancelled ones excluded.
    pub discounts: Money,
    /// The mean check total of the day's completed orders, rounded half-up.
    pub average_check: Option<Money>,
    /// The mean time from confirmed to ready of the day's orders that got ready.
    pub average_ticket_minutes: Option<f64>,
    /// Orders open now, whatever their day, and what is still due on them.
    pub open_checks: i64,
    pub open_due: Money,
}

fn group<T>(items: Vec<T>, order: impl Fn(&T) -> OrderId) -> HashMap<OrderId, Vec<T>> {
    let mut by: HashMap<OrderId, Vec<T>> = HashMap::new();
    for item in items {
        by.entry(order(&item)).or_default().push(item);
    }
    by
}

impl Brigade {
    /// The figures of business day `date` (today's when absent).
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id))]
    pub async fn day_summary(
        &self,
        actor: &Actor,
        date: Option<Date>,
    ) -> Result<DaySummary, AppError> {
        actor.require(Permission::ManageChecks)?;
        let now = self.now();
        self.read(async |tx| {
            let venue = venue_of(tx, actor).await?;
            let date = date.unwrap_or_else(|| venue.business_date(now));
            let (from, to) =
                business_day_bounds(date, &venue.timezone, venue.business_day_starts_at)
                    .ok_or_else(|| AppError::validation(format!("{date} is out of range")))?;
            let day = tx.orders().opened_between(actor.venue_id, from, to).await?;
            let open_cap = Page::first(500);
            let open = tx
                .orders()
                .list(actor.venue_id, &OrderStatus::OPEN, open_cap, true)
                .await?;
            let open = open_cap.cut(open).items;
            let mut ids: Vec<OrderId> = day.iter().chain(&open).map(|o| o.id).collect();
            ids.sort();
            ids.dedup();
            let payments = group(
                tx.checks().payments_of(actor.venue_id, &ids).await?,
                |p: &Payment| p.order_id,
            );
            let discounts = group(
                tx.checks().discounts_of(actor.venue_id, &ids).await?,
                |d: &OrderDiscount| d.order_id,
            );
            let check = |order: &Order| {
                check_with(
                    order,
                    payments.get(&order.id).cloned().unwrap_or_default(),
                    discounts.get(&order.id).cloned().unwrap_or_default(),
                )
            };
            let live: Vec<&Order> = day
                .iter()
                .filter(|o| o.status != OrderStatus::Cancelled)
                .collect();
            let checks: Vec<_> = live.iter().map(|o| (o.status, check(o))).collect();
            let discounted: i64 = checks.iter().map(|(_, c)| c.check.discounts.minor()).sum();
            let totals: Vec<i64> = checks
                .iter()
                .filter(|(s, _)| *s == OrderStatus::Completed)
                .map(|(_, c)| c.check.total.minor())
                .collect();
            let open_due: i64 = open.iter().map(|o| check(o).due.minor()).sum();
            let tickets: Vec<f64> = day
                .iter()
                .filter_map(|o| Some((o.ready_at? - o.confirmed_at?).as_seconds_f64() / 60.0))
                .collect();
            let moved = tx
                .checks()
                .payments_between(actor.venue_id, from, to)
                .await?;
            let mut takings: BTreeMap<&'static str, MethodTakings> = BTreeMap::new();
            let (mut refunds, mut refunded) = (0, 0);
            for p in &moved {
                let taken = matches!(p.state, PaymentState::Captured | PaymentState::Refunded);
                if taken && p.created_at >= from && p.created_at < to {
                    let row = takings.entry(p.method.as_str()).or_insert(MethodTakings {
                        method: p.method,
                        payments: 0,
                        amount: Money::ZERO,
                        tips: Money::ZERO,
                    });
                    row.payments += 1;
                    row.amount = Money::from_minor(row.amount.minor() + p.amount.minor());
                    row.tips = Money::from_minor(row.tips.minor() + p.tip.minor());
                }
                if p.state == PaymentState::Refunded && p.updated_at >= from && p.updated_at < to {
                    refunds += 1;
                    refunded += p.amount.minor();
                }
            }
            let takings: Vec<MethodTakings> = takings.into_values().collect();
            let sum = |f: fn(&MethodTakings) -> Money| {
                Money::from_minor(takings.iter().map(|t| f(t).minor()).sum())
            };
            Ok(DaySummary {
                date,
                from,
                to,
                currency: venue.currency,
                orders: day.len() as i64,
                completed: day
                    .iter()
                    .filter(|o| o.status == OrderStatus::Completed)
                    .count() as i64,
                cancelled: day
                    .iter()
                    .filter(|o| o.status == OrderStatus::Cancelled)
                    .count() as i64,
                revenue: sum(|t| t.amount),
                tips: sum(|t| t.tips),
                takings,
                refunds,
                refunded: Money::from_minor(refunded),
                discounts: Money::from_minor(discounted),
                average_check: (!totals.is_empty()).then(|| {
                    let n = totals.len() as i64;
                    Money::from_minor((2 * totals.iter().sum::<i64>() + n) / (2 * n))
                }),
                average_ticket_minutes: (!tickets.is_empty())
                    .then(|| tickets.iter().sum::<f64>() / tickets.len() as f64),
                open_checks: open.len() as i64,
                open_due: Money::from_minor(open_due),
            })
        })
        .await
    }
}
