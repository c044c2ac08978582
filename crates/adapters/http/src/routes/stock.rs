//! Products, lots, stock movements and the stock summary.

use actix_web::{HttpRequest, HttpResponse, web};
use brigade_application::model::MovementFilter;
use serde::Deserialize;
use uuid::Uuid;

use super::{created, idempotency_key, ok};
use crate::auth::Acting;
use crate::body::json_body;
use crate::dto::{
    CreateLot, CreateProduct, LotDto, LotQuery, MovementDto, MovementQuery, ProductDto,
    StockSummaryDto, UpdateProduct,
};
use crate::{ApiError, AppState};

#[derive(Deserialize)]
pub(crate) struct ProductPath {
    product_id: Uuid,
}

#[derive(Deserialize)]
pub(crate) struct LotPath {
    lot_id: Uuid,
}

pub(crate) async fn create_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<CreateProduct>(&req, payload).await?;
    let key = idempotency_key(&req, &body)?;
    let product = state
        .brigade
        .create_product(&actor, body.value.into(), key)
        .await?;
    Ok(created::<_, ProductDto>(product))
}

pub(crate) async fn list_products(
    state: web::Data<AppState>,
    Acting(actor): Acting,
) -> Result<HttpResponse, ApiError> {
    let products = state.brigade.list_products(&actor).await?;
    Ok(ok(products
        .into_iter()
        .map(ProductDto::from)
        .collect::<Vec<_>>()))
}

pub(crate) async fn get_product(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<ProductPath>,
) -> Result<HttpResponse, ApiError> {
    let product = state
        .brigade
        .get_product(&actor, path.product_id.into())
        .await?;
    Ok(ok(ProductDto::from(product)))
}

pub(crate) async fn update_product(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<ProductPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<UpdateProduct>(&req, payload).await?;
    let product = state
        .brigade
        .update_product(&actor, path.product_id.into(), body.value.into())
        .await?;
    Ok(ok(ProductDto::from(product)))
}

pub(crate) async fn create_lot(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<CreateLot>(&req, payload).await?;
    let key = idempotency_key(&req, &body)?;
    let lot = state
        .brigade
        .create_lot(&actor, body.value.into(), key)
        .await?;
    Ok(created::<_, LotDto>(lot))
}

pub(crate) async fn list_lots(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<LotQuery>,
) -> Result<HttpResponse, ApiError> {
    let lots = state.brigade.list_lots(&actor, query.product_id).await?;
    Ok(ok(lots.into_iter().map(LotDto::from).collect::<Vec<_>>()))
}

pub(crate) async fn get_lot(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<LotPath>,
) -> Result<HttpResponse, ApiError> {
    Ok(ok(LotDto::from(
        state.brigade.get_lot(&actor, path.lot_id.into()).await?,
    )))
}

pub(crate) async fn movements(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<MovementQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = MovementFilter {
        product_id: query.product_id,
        lot_id: query.lot_id,
        reference_id: query.reference_id,
        limit: query.limit.unwrap_or(200),
    };
    let movements = state.brigade.stock_movements(&actor, filter).await?;
    Ok(ok(movements
        .into_iter()
        .map(MovementDto::from)
        .collect::<Vec<_>>()))
}

pub(crate) async fn summary(
    state: web::Data<AppState>,
    Acting(actor): Acting,
) -> Result<HttpResponse, ApiError> {
    let rows = state.brigade.stock_summary(&actor).await?;
    Ok(ok(rows
        .into_iter()
        .map(StockSummaryDto::from)
        .collect::<Vec<_>>()))
}
