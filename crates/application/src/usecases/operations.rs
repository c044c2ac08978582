//! The operators' view across venues: the kitchen's health, the alerts it raises, the
//! day's figures and the store's statement statistics. Hidden venues (the deploy smoke
//! test's) are left out of all of it.

use brigade_domain::DomainEvent;
use time::OffsetDateTime;

use crate::model::{Figures, KitchenHealth, QueryStats, StuckOrder};
use crate::ports::Measurement;
use crate::ports::Tx as _;
use crate::{AppError, Brigade};

/// The code of the alert an order stuck in `preparing` raises.
pub const ORDER_STUCK: &str = "order_stuck";

/// Stuck orders alerted per scan at most; the next scan takes the rest.
const ALERTS_PER_SCAN: i64 = 100;

impl Brigade {
    /// The kitchen of every venue: an order in `preparing` longer than its venue's
    /// `stuck_after_minutes` is stuck, twice that critical; the mean preparation time
    /// covers the last hour.
    pub async fn kitchen_health(&self) -> Result<KitchenHealth, AppError> {
        let now = self.now();
        let ready_since = now - time::Duration::hours(1);
        self.statement(async |tx| Ok(tx.operations().kitchen_health(now, ready_since).await?))
            .await
    }

    /// Raises one `kitchen_alert` (`order_stuck`) for each order stuck past its venue's
    /// threshold that has none yet; returns how many. Each alert is claimed in the
    /// transaction that journals it, so two instances scanning at once raise it once.
    pub async fn raise_kitchen_alerts(&self) -> Result<usize, AppError> {
        let now = self.now();
        let stuck = self
            .statement(async |tx| {
                Ok(tx
                    .operations()
                    .stuck_orders(now, ORDER_STUCK, ALERTS_PER_SCAN)
                    .await?)
            })
            .await?;
        let mut raised = 0;
        for order in stuck {
            // One order that cannot be alerted now (a lock timeout on its venue) does
            // not hold up the others; the next scan tries it again.
            match self.raise_stuck(&order, now).await {
                Ok(true) => {
                    raised += 1;
                    self.measure(Measurement::KitchenAlert { code: ORDER_STUCK });
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(order = %order.order_id, error = %e, "kitchen alert deferred")
                }
            }
        }
        Ok(raised)
    }

    async fn raise_stuck(&self, order: &StuckOrder, now: OffsetDateTime) -> Result<bool, AppError> {
        self.write(async |tx| {
            // It may have moved on since the scan: read it under its row lock.
            let current = tx.orders().lock(order.venue_id, order.order_id).await?;
            if current.is_none_or(|o| o.status != brigade_domain::OrderStatus::Preparing) {
                return Ok(false);
            }
            if !tx
                .operations()
                .claim_alert(order.venue_id, order.order_id, ORDER_STUCK, now)
                .await?
            {
                return Ok(false);
            }
            let minutes = (now - order.since).whole_minutes();
            let event = DomainEvent::KitchenAlert {
                code: ORDER_STUCK.to_owned(),
                message: format!(
                    "order #{} has been preparing for {minutes} minutes (the venue's limit is {})",
                    order.order_number, order.threshold_minutes
                ),
                severity: "warning".to_owned(),
                order_id: Some(order.order_id),
            };
            super::journal(tx, order.venue_id, vec![event], now).await?;
            Ok(true)
        })
        .await
    }

    /// Orders opened and takings since `since`, across venues.
    pub async fn figures_since(&self, since: OffsetDateTime) -> Result<Figures, AppError> {
        self.read(async |tx| Ok(tx.operations().figures(since).await?))
            .await
    }

    /// The store's `limit` costliest statement patterns.
    pub async fn query_stats(&self, limit: usize) -> Result<QueryStats, AppError> {
        Ok(self.uow.query_stats(limit).await?)
    }
}
