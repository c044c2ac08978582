//! Payments on an order's check (DESIGN §9): cash with tendered and change, card
//! through the [`PaymentProcessor`](crate::ports::PaymentProcessor), other; several
//! payments split a check; refunds by managers, also after `completed`.

use brigade_domain::{
    Money, OrderId, OrderStatus, PaymentId, PaymentMethod, PaymentState, Permission,
};

use super::checks::{check_of, check_with, venue_of};
use super::orders::order_or_404;
use super::{Created, claim_key, optional_text};
use crate::model::{IdempotencyKey, Order, OrderCheck, Payment, Refund};
use crate::ports::{Measurement, Tx};
use crate::{Actor, AppError, Brigade};

#[derive(Debug, Clone, PartialEq)]
pub struct NewPayment {
    pub method: PaymentMethod,
    /// Towards the check; all that is due when absent.
    pub amount: Option<Money>,
    pub tip: Money,
    /// Cash only: what the guest handed over (the amount and tip when absent).
    pub tendered: Option<Money>,
    pub reference: Option<String>,
}

/// A payment and the check it leaves.
#[derive(Debug, Clone, PartialEq)]
pub struct Paid {
    pub payment: Payment,
    pub check: OrderCheck,
}

/// The processor did not answer: nothing was charged or given back (503).
fn unavailable(error: crate::ports::ProcessorError) -> AppError {
    AppError::ProcessorUnavailable(error.to_string())
}

fn refuse(code: &'static str, message: impl Into<String>) -> AppError {
    AppError::conflict(code, message)
}

/// The payment `new` makes on a check with `due` left, or why it cannot be taken.
fn settle(new: &NewPayment, due: Money) -> Result<(Money, Option<Money>, Option<Money>), AppError> {
    if due <= Money::ZERO {
        return Err(refuse("nothing_due", "the check is paid"));
    }
    let amount = new.amount.unwrap_or(due);
    if amount <= Money::ZERO {
        return Err(AppError::validation("amount must be greater than zero"));
    }
    if amount > due {
        return Err(AppError::validation(format!(
            "amount {amount} is more than the {due} due"
        )));
    }
    if new.tip < Money::ZERO {
        return Err(AppError::validation("tip must not be negative"));
    }
    let owed = amount
        .checked_add(new.tip)
        .ok_or_else(|| AppError::validation("amount and tip out of range"))?;
    match (new.method, new.tendered) {
        (PaymentMethod::Cash, tendered) => {
            let tendered = tendered.unwrap_or(owed);
            if tendered < owed {
                return Err(AppError::validation(format!(
                    "tendered {tendered} is less than the {owed} to pay"
                )));
            }
            let change = Money::from_minor(tendered.minor() - owed.minor());
            Ok((amount, Some(tendered), Some(change)))
        }
        (_, Some(_)) => Err(AppError::validation("tendered is for cash payments")),
        (_, None) => Ok((amount, None, None)),
    }
}

async fn order_for_payment(tx: &mut dyn Tx, actor: &Actor, id: OrderId) -> Result<Order, AppError> {
    let order = tx
        .orders()
        .lock(actor.venue_id, id)
        .await?
        .ok_or(AppError::NotFound { entity: "order" })?;
    if order.status == OrderStatus::Cancelled {
        return Err(refuse(
            "order_cancelled",
            "a cancelled order takes no payment",
        ));
    }
    Ok(order)
}

impl Brigade {
    /// Takes a payment on an order's check: at most what is due, a tip on top, cash
    /// with its change. Paying before serving works (counter service).
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, order.id = %order_id, payment.id))]
    pub async fn take_payment(
        &self,
        actor: &Actor,
        order_id: OrderId,
        new: NewPayment,
        key: Option<IdempotencyKey>,
    ) -> Result<Created<Paid>, AppError> {
        actor.require(Permission::TakePayments)?;
        optional_text("reference", new.reference.as_deref(), 200)?;
        let now = self.now();
        let id = PaymentId::new();
        tracing::Span::current().record("payment.id", tracing::field::display(id));
        let result = self
            .write(async |tx| {
                if let Some(existing) = claim_key(tx, actor, key.as_ref(), id.as_uuid()).await? {
                    let order = order_or_404(tx, actor, order_id).await?;
                    let check = order.check.ok_or(AppError::NotFound { entity: "order" })?;
                    let payment = check
                        .payments
                        .iter()
                        .find(|p| p.id.as_uuid() == existing)
                        .cloned()
                        .ok_or(AppError::NotFound { entity: "payment" })?;
                    return Ok(Created {
                        value: (Paid { payment, check }, None),
                        replayed: true,
                    });
                }
                let order = order_for_payment(tx, actor, order_id).await?;
                let before = check_of(tx, &order).await?;
                let (amount, tendered, change) = settle(&new, before.due)?;
                let mut payment = Payment {
                    id,
                    venue_id: actor.venue_id,
                    order_id,
                    method: new.method,
                    state: PaymentState::Pending,
                    amount,
                    tip: new.tip,
                    tendered,
                    change,
                    reference: new.reference.clone(),
                    created_by: actor.user_id,
                    created_at: now,
                    updated_at: now,
                    refund: None,
                };
                let started = std::time::Instant::now();
                let charge = self.processor.charge(&payment).await.map_err(|e| {
                    self.measure(Measurement::ProcessorUnavailable { method: new.method });
                    unavailable(e)
                })?;
                let seconds = started.elapsed().as_secs_f64();
                payment.state = charge.state;
                payment.reference = charge.reference.or(payment.reference);
                tx.checks().insert_payment(&payment).await?;
                // The check it leaves: the one just read, with this payment.
                let mut payments = before.payments;
                payments.push(payment.clone());
                let check = check_with(&order, payments, before.discounts);
                let currency = venue_of(tx, actor).await?.currency;
                Ok(Created {
                    value: (Paid { payment, check }, Some((currency, seconds))),
                    replayed: false,
                })
            })
            .await;
        let created = self.count_replay("payment", result)?;
        let (paid, taken) = created.value;
        // After COMMIT only: a payment that rolled back is not counted.
        if let Some((currency, seconds)) = taken {
            let p = &paid.payment;
            self.measure(Measurement::Payment {
                method: p.method,
                state: p.state,
                currency,
                amount: p.amount,
                tip: p.tip,
                seconds,
            });
        }
        Ok(Created {
            value: paid,
            replayed: created.replayed,
        })
    }

    /// Gives a captured payment back in full (managers and admins), also after the
    /// order completed.
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, payment.id = %payment_id))]
    pub async fn refund_payment(
        &self,
        actor: &Actor,
        order_id: OrderId,
        payment_id: PaymentId,
        reason: String,
    ) -> Result<Paid, AppError> {
        actor.require(Permission::ManageChecks)?;
        let reason = reason.trim().to_owned();
        super::require_text("reason", &reason, 500)?;
        let now = self.now();
        self.write(async |tx| {
            let order = tx
                .orders()
                .lock(actor.venue_id, order_id)
                .await?
                .ok_or(AppError::NotFound { entity: "order" })?;
            let before = check_of(tx, &order).await?;
            let mut payments = before.payments;
            let payment = payments
                .iter_mut()
                .find(|p| p.id == payment_id)
                .ok_or(AppError::NotFound { entity: "payment" })?;
            if payment.state != PaymentState::Captured {
                return Err(refuse(
                    "payment_not_captured",
                    format!("a {} payment cannot be refunded", payment.state),
                ));
            }
            self.processor.refund(payment).await.map_err(unavailable)?;
            let refund = Refund {
                by: actor.user_id,
                reason: reason.clone(),
            };
            tx.checks()
                .refund_payment(actor.venue_id, payment_id, &refund, now)
                .await?;
            payment.state = PaymentState::Refunded;
            payment.updated_at = now;
            payment.refund = Some(refund);
            let payment = payment.clone();
            let check = check_with(&order, payments, before.discounts);
            let currency = venue_of(tx, actor).await?.currency;
            Ok((Paid { payment, check }, currency))
        })
        .await
        .map(|(paid, currency)| {
            self.measure(Measurement::Refund {
                method: paid.payment.method,
                currency,
                amount: paid.payment.amount,
            });
            paid
        })
    }
}
