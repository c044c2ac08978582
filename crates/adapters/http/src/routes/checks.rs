//! The check (DESIGN §9): an order's check, its payments and refunds (tax classes:
//! `tax_classes.rs`; discounts: `discounts.rs`). Every answer of one order carries its check (`OrderDto::check`).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use brigade_application::model::{OrderCheck, Payment};
use brigade_application::usecases::payments::{NewPayment, Paid};
use brigade_domain::check::split_evenly;
use brigade_domain::{Money, OrderId, PaymentId, PaymentMethod, PaymentState, Percent, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::discounts::DiscountDto;
use super::orders::OrderPath;
use super::{created, idempotency_key, ok};
use crate::auth::Acting;
use crate::body::json_body;
use crate::{ApiError, AppState};

#[derive(Serialize, utoipa::ToSchema)]
pub struct PaymentDto {
    pub id: PaymentId,
    pub order_id: OrderId,
    pub method: PaymentMethod,
    pub state: PaymentState,
    /// Towards the check.
    pub amount: Money,
    /// On top of the amount.
    pub tip: Money,
    /// Cash: what the guest handed over, and the change given back.
    pub tendered: Option<Money>,
    pub change: Option<Money>,
    /// The card terminal's or processor's id for it.
    pub reference: Option<String>,
    pub created_by: UserId,
    /// Who refunded it, and why.
    pub refunded_by: Option<UserId>,
    pub refund_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<Payment> for PaymentDto {
    fn from(p: Payment) -> Self {
        let (refunded_by, refund_reason) = match p.refund {
            Some(r) => (Some(r.by), Some(r.reason)),
            None => (None, None),
        };
        Self {
            id: p.id,
            order_id: p.order_id,
            method: p.method,
            state: p.state,
            amount: p.amount,
            tip: p.tip,
            tendered: p.tendered,
            change: p.change,
            reference: p.reference,
            created_by: p.created_by,
            refunded_by,
            refund_reason,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// Tax at one rate.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TaxDto {
    pub rate: Percent,
    /// The lines' amounts at this rate after discounts (tax included when prices
    /// include it).
    pub net: Money,
    pub tax: Money,
}

/// An order's check, in the venue's currency: `total = subtotal - discounts +
/// service_charge`, plus `tax` when prices exclude it; `due = total - paid`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckDto {
    /// The lines as priced.
    pub subtotal: Money,
    pub discounts: Money,
    /// Whether the lines' prices include `tax` (else it is added).
    pub prices_include_tax: bool,
    /// By rate, ascending.
    pub taxes: Vec<TaxDto>,
    pub tax: Money,
    pub service_charge: Money,
    pub total: Money,
    /// Captured payments' amounts, and their tips (on top of the total).
    pub paid: Money,
    pub tips: Money,
    pub due: Money,
    /// Every payment, oldest first.
    pub payments: Vec<PaymentDto>,
    /// The discounts making up `discounts`, oldest first.
    pub applied_discounts: Vec<DiscountDto>,
}

impl From<OrderCheck> for CheckDto {
    fn from(c: OrderCheck) -> Self {
        Self {
            subtotal: c.check.subtotal,
            discounts: c.check.discounts,
            prices_include_tax: c.prices_include_tax,
            taxes: c
                .check
                .taxes
                .iter()
                .map(|t| TaxDto {
                    rate: t.rate,
                    net: t.net,
                    tax: t.tax,
                })
                .collect(),
            tax: c.check.tax,
            service_charge: c.check.service_charge,
            total: c.check.total,
            paid: c.paid,
            tips: c.tips,
            due: c.due,
            payments: c.payments.into_iter().map(PaymentDto::from).collect(),
            applied_discounts: c.discounts.into_iter().map(DiscountDto::from).collect(),
        }
    }
}

/// A payment and the check it leaves.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PaidDto {
    pub payment: PaymentDto,
    pub check: CheckDto,
}

impl From<Paid> for PaidDto {
    fn from(p: Paid) -> Self {
        Self {
            payment: p.payment.into(),
            check: p.check.into(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"method": "cash", "amount": 20.0, "tip": 2.0, "tendered": 25.0}))]
pub struct CreatePayment {
    method: PaymentMethod,
    /// Towards the check, at most what is due; all that is due when absent.
    amount: Option<Money>,
    #[serde(default)]
    tip: Option<Money>,
    /// Cash only: what the guest handed over (the amount and tip when absent).
    tendered: Option<Money>,
    /// A card terminal's or processor's id for it (up to 200 characters).
    reference: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "charged twice"}))]
pub struct RefundRequest {
    reason: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct PaymentPath {
    /// The order's id.
    order_id: Uuid,
    /// The payment's id.
    payment_id: Uuid,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct SplitQuery {
    /// Split what is due evenly among this many guests (1–100): `shares`.
    guests: Option<u32>,
}

/// The check, and what is due split among guests when asked.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckView {
    #[serde(flatten)]
    pub check: CheckDto,
    /// `due` split evenly among `guests`, the extra minor units on the first shares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shares: Option<Vec<Money>>,
}

#[utoipa::path(
    tag = "checks",
    operation_id = "get_check",
    summary = "An order's check",
    params(OrderPath, SplitQuery),
    responses((status = 200, description = "The check, with `shares` when `guests` is given.", body = CheckView))
)]
#[get("/orders/{order_id}/check")]
pub(crate) async fn check(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OrderPath>,
    query: web::Query<SplitQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.guests.is_some_and(|g| !(1..=100).contains(&g)) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "guests must be between 1 and 100",
        ));
    }
    let order = state.brigade.get_order(&actor, path.id()).await?;
    let check = order
        .check
        .ok_or_else(|| ApiError::not_found("order not found"))?;
    let shares = query.guests.map(|g| split_evenly(check.due, g));
    Ok(ok(CheckView {
        check: check.into(),
        shares,
    }))
}

#[utoipa::path(
    tag = "checks",
    operation_id = "take_payment",
    summary = "Take a payment on an order's check",
    params(OrderPath, crate::openapi::IdempotencyKey),
    request_body = CreatePayment,
    responses(
        (status = 201, description = "The payment and the check it leaves; a replay answers the same, with `Idempotent-Replayed: true`.", body = PaidDto),
        (status = 409, description = "`nothing_due`: the check is paid; `order_cancelled`."),
    )
)]
#[post("/orders/{order_id}/payments")]
pub(crate) async fn take_payment(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OrderPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<CreatePayment>(&req, payload).await?;
    let key = idempotency_key(&req, &body)?;
    let p = body.value;
    let paid = state
        .brigade
        .take_payment(
            &actor,
            path.id(),
            NewPayment {
                method: p.method,
                amount: p.amount,
                tip: p.tip.unwrap_or(Money::ZERO),
                tendered: p.tendered,
                reference: p.reference,
            },
            key,
        )
        .await?;
    Ok(created::<_, PaidDto>(paid))
}

#[utoipa::path(
    tag = "checks",
    operation_id = "refund_payment",
    summary = "Refund a captured payment in full",
    params(PaymentPath),
    request_body = RefundRequest,
    responses(
        (status = 200, description = "The refunded payment and the check it leaves (managers and admins; also after `completed`).", body = PaidDto),
        (status = 409, description = "`payment_not_captured`: only a captured payment is refunded."),
    )
)]
#[post("/orders/{order_id}/payments/{payment_id}/refund")]
pub(crate) async fn refund(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<PaymentPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<RefundRequest>(&req, payload).await?.value;
    let paid = state
        .brigade
        .refund_payment(
            &actor,
            path.order_id.into(),
            path.payment_id.into(),
            body.reason,
        )
        .await?;
    Ok(ok(PaidDto::from(paid)))
}
