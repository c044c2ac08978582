use actix_web::{HttpRequest, HttpResponse, web};
use brigade_domain::{OrderId, OrderStatus};
use serde::Deserialize;
use uuid::Uuid;

use super::{created, idempotency_key, ok};
use crate::auth::Acting;
use crate::body::json_body;
use crate::dto::{AddItems, CreateOrder, OrderDto, OrderQuery, StatusRequest};
use crate::{ApiError, AppState};

#[derive(Deserialize)]
pub(crate) struct OrderPath {
    order_id: Uuid,
}

impl OrderPath {
    fn id(&self) -> OrderId {
        self.order_id.into()
    }
}

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

pub(crate) async fn change_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OrderPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<StatusRequest>(&req, payload).await?;
    let order = state
        .brigade
        .change_status(&actor, path.id(), body.value.status)
        .await?;
    Ok(ok(OrderDto::from(order)))
}

pub(crate) async fn get(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OrderPath>,
) -> Result<HttpResponse, ApiError> {
    Ok(ok(OrderDto::from(
        state.brigade.get_order(&actor, path.id()).await?,
    )))
}

pub(crate) async fn list(
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
    let orders = state
        .brigade
        .list_orders(&actor, &statuses, query.limit.unwrap_or(200))
        .await?;
    Ok(ok(orders
        .into_iter()
        .map(OrderDto::from)
        .collect::<Vec<_>>()))
}

/// The kitchen board: an array of orders (as the seeds read it) and, in `X-Event-Seq`,
/// the journal position it reflects, to subscribe `since` with nothing missed.
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

pub(crate) async fn delete(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OrderPath>,
) -> Result<HttpResponse, ApiError> {
    state.brigade.delete_order(&actor, path.id()).await?;
    Ok(HttpResponse::NoContent().finish())
}
