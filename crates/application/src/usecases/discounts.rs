//! Discounts (DESIGN §9): on one line or on the whole check, a percentage or an amount,
//! given by managers and admins with a reason. At most one per line and one per check;
//! removing one is how it is changed.

use brigade_domain::check::Discount;
use brigade_domain::{DiscountId, Money, OrderId, OrderItemId, OrderStatus, Permission};

use super::checks::{check_of, check_with};
use super::orders::order_or_404;
use super::require_text;
use crate::model::{Order, OrderDiscount};
use crate::ports::Tx;
use crate::{Actor, AppError, Brigade, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct NewDiscount {
    /// One line of the order; none: the whole check.
    pub item_id: Option<OrderItemId>,
    pub discount: Discount,
    pub reason: String,
}

fn already_there(error: StoreError) -> AppError {
    match error {
        StoreError::UniqueViolation(_) => AppError::conflict(
            "discount_exists",
            "that line (or the check) already has a discount: remove it first",
        ),
        other => other.into(),
    }
}

/// The order, locked, if its check may still change.
async fn open_order(tx: &mut dyn Tx, actor: &Actor, id: OrderId) -> Result<Order, AppError> {
    let order = tx
        .orders()
        .lock(actor.venue_id, id)
        .await?
        .ok_or(AppError::NotFound { entity: "order" })?;
    if matches!(
        order.status,
        OrderStatus::Completed | OrderStatus::Cancelled
    ) {
        return Err(AppError::conflict(
            "order_closed",
            format!("a {} order's check does not change", order.status),
        ));
    }
    Ok(order)
}

impl Brigade {
    /// Gives a discount; the answer is the order with its check. A discount that would
    /// take the total below what was already paid is refused (refund first).
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, order.id = %order_id))]
    pub async fn add_discount(
        &self,
        actor: &Actor,
        order_id: OrderId,
        new: NewDiscount,
    ) -> Result<Order, AppError> {
        actor.require(Permission::ManageChecks)?;
        let reason = new.reason.trim().to_owned();
        require_text("reason", &reason, 500)?;
        if matches!(new.discount, Discount::Amount(a) if a <= Money::ZERO) {
            return Err(AppError::validation("amount must be greater than zero"));
        }
        let now = self.now();
        self.write(async |tx| {
            let order = open_order(tx, actor, order_id).await?;
            if let Some(item) = new.item_id
                && !order.items.iter().any(|i| i.id == item)
            {
                return Err(AppError::InvalidReference {
                    entity: "order item",
                    id: item.as_uuid(),
                });
            }
            let discount = OrderDiscount {
                id: DiscountId::new(),
                venue_id: actor.venue_id,
                order_id,
                item_id: new.item_id,
                discount: new.discount,
                reason: reason.clone(),
                created_by: actor.user_id,
                created_at: now,
            };
            let before = check_of(tx, &order).await?;
            let mut discounts = before.discounts;
            discounts.push(discount.clone());
            let after = check_with(&order, before.payments, discounts);
            if after.check.total < after.paid {
                return Err(AppError::conflict(
                    "discount_below_paid",
                    format!(
                        "the total would be {}, below the {} already paid: refund first",
                        after.check.total, after.paid
                    ),
                ));
            }
            tx.checks()
                .insert_discount(&discount)
                .await
                .map_err(already_there)?;
            // The answer is the order with the check just computed, not a second read.
            Ok(Order {
                check: Some(after),
                ..order
            })
        })
        .await
    }

    /// Removes a discount from an open order; the answer is the order with its check.
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, order.id = %order_id))]
    pub async fn remove_discount(
        &self,
        actor: &Actor,
        order_id: OrderId,
        id: DiscountId,
    ) -> Result<Order, AppError> {
        actor.require(Permission::ManageChecks)?;
        self.write(async |tx| {
            open_order(tx, actor, order_id).await?;
            let known = tx
                .checks()
                .discounts(actor.venue_id, order_id)
                .await?
                .iter()
                .any(|d| d.id == id);
            if !known {
                return Err(AppError::NotFound { entity: "discount" });
            }
            tx.checks().delete_discount(actor.venue_id, id).await?;
            order_or_404(tx, actor, order_id).await
        })
        .await
    }
}
