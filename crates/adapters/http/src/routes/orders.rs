use actix_web::HttpMessage as _;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web::{delete, get, patch, post};
use brigade_domain::{OrderId, OrderStatus};
use serde::Deserialize;
use uuid::Uuid;

use super::{created, idempotency_key, ok};
use crate::auth::Acting;
use crate::body::json_body;
use crate::dto::{AddItems, CreateOrder, OrderDto, OrderQuery, StatusRequest};
use crate::page::{paged, requested};
use crate::{ApiError, AppState};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct OrderPath {
    /// The order's id.
    order_id: Uuid,
}

impl OrderPath {
    pub(crate) fn id(&self) -> OrderId {
        self.order_id.into()
    }
}

#[utoipa::path(
    tag = "orders",
    operation_id = "create_order",
    summary = "Open an order",
    request_body = CreateOrder,
    params(crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "The new order, a draft; a replay answers the same, with `Idempotent-Replayed: true`.", body = OrderDto),
        (status = 409, description = "`table_unavailable`: the table is out of service."),
    )
)]
#[post("/orders")]
pub(crate) async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<CreateOrder>(&req, payload).await?;
    let key = idempotency_key(&req, &body)?;
    let order = state
        .brigade
        .create_order(&actor, body.value.into(), key)
        .await?;
    Ok(created::<_, OrderDto>(order))
}

#[utoipa::path(
    tag = "orders",
    operation_id = "add_order_items",
    summary = "Add items to an order",
    params(OrderPath, crate::openapi::IdempotencyKey),
    request_body = AddItems,
    responses(
        (status = 201, description = "The order with the new items; a replay answers the same, with `Idempotent-Replayed: true`.", body = OrderDto),
        (status = 409, description = "`order_closed_for_items`: the order is past the kitchen."),
    )
)]
#[post("/orders/{order_id}/items")]
pub(crate) async fn add_items(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OrderPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<AddItems>(&req, payload).await?;
    let key = idempotency_key(&req, &body)?;
    let items = body.value.items.into_iter().map(Into::into).collect();
    let order = state
        .brigade
        .add_items(&actor, path.id(), items, key)
        .await?;
    Ok(created::<_, OrderDto>(order))
}

#[utoipa::path(
    tag = "orders",
    operation_id = "change_order_status",
    summary = "Move an order to another status",
    params(OrderPath),
    request_body = StatusRequest,
    responses(
        (status = 200, description = "The order in its new status; serving allocates stock first-expired-first-out.", body = OrderDto),
        (status = 409, description = "`invalid_transition` (with `from` and `to`), or `insufficient_stock` under the strict stock policy (with `product_id`, `requested`, `available`)."),
    )
)]
#[patch("/orders/{order_id}/status")]
pub(crate) async fn change_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OrderPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<StatusRequest>(&req, payload).await?;
    if body.value.status == brigade_domain::OrderStatus::Served {
        // Serving allocates stock: its own slow threshold.
        req.extensions_mut()
            .insert(super::slow::Operation("order_serve"));
    }
    let order = state
        .brigade
        .change_status(&actor, path.id(), body.value.status)
        .await?;
    Ok(ok(OrderDto::from(order)))
}

#[utoipa::path(
    tag = "orders",
    operation_id = "get_order",
    summary = "An order",
    params(OrderPath),
    responses((status = 200, description = "The order with its items and allocations.", body = OrderDto))
)]
#[get("/orders/{order_id}")]
pub(crate) async fn get(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OrderPath>,
) -> Result<HttpResponse, ApiError> {
    Ok(ok(OrderDto::from(
        state.brigade.get_order(&actor, path.id()).await?,
    )))
}

#[utoipa::path(
    tag = "orders",
    operation_id = "list_orders",
    summary = "Orders",
    params(OrderQuery),
    responses((status = 200, description = "Orders, newest first.", body = Vec<OrderDto>))
)]
#[get("/orders")]
pub(crate) async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<OrderQuery>,
) -> Result<HttpResponse, ApiError> {
    let statuses = match &query.status {
        None => Vec::new(),
        Some(text) => text
            .split(',')
            .map(|s| {
                s.trim()
                    .parse::<OrderStatus>()
                    .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))
            })
            .collect::<Result<_, _>>()?,
    };
    let page = requested(query.limit, query.offset)?;
    let orders = state.brigade.list_orders(&actor, &statuses, page).await?;
    Ok(paged(&req, orders.map(OrderDto::from)))
}

/// The kitchen board: an array of orders (as the seeds read it) and, in `X-Event-Seq`,
/// the journal position it reflects, to subscribe `since` with nothing missed.
#[utoipa::path(
    tag = "orders",
    operation_id = "kitchen_display",
    summary = "The kitchen's board",
    responses((
        status = 200,
        description = "The orders the kitchen works on, oldest first.",
        body = Vec<OrderDto>,
        headers(("X-Event-Seq" = i64, description = "The journal position this view reflects: subscribe with `since` set to it and miss nothing.")),
    ))
)]
#[get("/orders/kitchen-display")]
pub(crate) async fn kitchen_display(
    state: web::Data<AppState>,
    Acting(actor): Acting,
) -> Result<HttpResponse, ApiError> {
    let view = state.brigade.kitchen_display(&actor).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("X-Event-Seq", view.seq.to_string()))
        .json(
            view.orders
                .into_iter()
                .map(OrderDto::from)
                .collect::<Vec<_>>(),
        ))
}

#[utoipa::path(
    tag = "orders",
    operation_id = "delete_order",
    summary = "Delete a draft order",
    params(OrderPath),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, description = "`order_not_draft`: only drafts are deleted; cancel the others."),
    )
)]
#[delete("/orders/{order_id}")]
pub(crate) async fn delete(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OrderPath>,
) -> Result<HttpResponse, ApiError> {
    state.brigade.delete_order(&actor, path.id()).await?;
    Ok(HttpResponse::NoContent().finish())
}
