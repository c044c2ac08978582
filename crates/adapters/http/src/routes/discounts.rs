//! Discounts on a line or on the whole check (DESIGN §9), by managers and admins with a
//! reason. The answers are the order with its check.

use actix_web::{HttpRequest, HttpResponse, delete, post, web};
use brigade_application::model::OrderDiscount;
use brigade_application::usecases::discounts::NewDiscount;
use brigade_domain::check::Discount;
use brigade_domain::{DiscountId, Money, OrderItemId, Percent, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ok;
use super::orders::OrderPath;
use crate::auth::Acting;
use crate::body::json_body;
use crate::dto::OrderDto;
use crate::{ApiError, AppState};

#[derive(Serialize, utoipa::ToSchema)]
pub struct DiscountDto {
    pub id: DiscountId,
    /// The line it applies to; `null`: the whole check.
    pub item_id: Option<OrderItemId>,
    /// A percentage of what it applies to...
    pub percent: Option<Percent>,
    /// ...or an amount off it (never more than all of it).
    pub amount: Option<Money>,
    pub reason: String,
    pub created_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<OrderDiscount> for DiscountDto {
    fn from(d: OrderDiscount) -> Self {
        let (percent, amount) = match d.discount {
            Discount::Percent(p) => (Some(p), None),
            Discount::Amount(a) => (None, Some(a)),
        };
        Self {
            id: d.id,
            item_id: d.item_id,
            percent,
            amount,
            reason: d.reason,
            created_by: d.created_by,
            created_at: d.created_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"percent": 10, "reason": "regulars' night"}))]
pub struct CreateDiscount {
    /// One line of the order; absent: the whole check.
    item_id: Option<OrderItemId>,
    /// Exactly one of `percent` and `amount`.
    percent: Option<Percent>,
    amount: Option<Money>,
    /// Why (up to 500 characters): it is on the check's record.
    reason: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct DiscountPath {
    /// The order's id.
    order_id: Uuid,
    /// The discount's id.
    discount_id: Uuid,
}

#[utoipa::path(
    tag = "checks",
    operation_id = "add_discount",
    summary = "Give a discount on a line or on the check",
    params(OrderPath),
    request_body = CreateDiscount,
    responses(
        (status = 201, description = "The order with its check (managers and admins).", body = OrderDto),
        (status = 409, description = "`discount_exists`: the line (or the check) has one; `discount_below_paid`: the total would fall below what was paid; `order_closed`."),
    )
)]
#[post("/orders/{order_id}/discounts")]
pub(crate) async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OrderPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<CreateDiscount>(&req, payload).await?.value;
    let discount = match (body.percent, body.amount) {
        (Some(p), None) => Discount::Percent(p),
        (None, Some(a)) => Discount::Amount(a),
        _ => {
            return Err(ApiError::new(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "send exactly one of percent and amount",
            ));
        }
    };
    let order = state
        .brigade
        .add_discount(
            &actor,
            path.id(),
            NewDiscount {
                item_id: body.item_id,
                discount,
                reason: body.reason,
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(OrderDto::from(order)))
}

#[utoipa::path(
    tag = "checks",
    operation_id = "remove_discount",
    summary = "Remove a discount",
    params(DiscountPath),
    responses(
        (status = 200, description = "The order with its check (managers and admins).", body = OrderDto),
        (status = 409, description = "`order_closed`: a completed or cancelled order's check does not change."),
    )
)]
#[delete("/orders/{order_id}/discounts/{discount_id}")]
pub(crate) async fn remove(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<DiscountPath>,
) -> Result<HttpResponse, ApiError> {
    let order = state
        .brigade
        .remove_discount(&actor, path.order_id.into(), path.discount_id.into())
        .await?;
    Ok(ok(OrderDto::from(order)))
}
