//! Products, lots, stock movements and the stock summary.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web::{get, patch, post};
use brigade_application::model::MovementFilter;
use serde::Deserialize;
use uuid::Uuid;

use super::{created_as, idempotency_key, ok};
use crate::auth::Acting;
use crate::body::json_body;
use crate::dto::{
    CreateLot, CreateProduct, LotDto, LotQuery, MovementDto, MovementQuery, ProductDto,
    StockSummaryDto, UpdateProduct,
};
use crate::page::{PageQuery, paged, requested};
use crate::{ApiError, AppState};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct ProductPath {
    /// The product's id.
    product_id: Uuid,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct LotPath {
    /// The lot's id.
    lot_id: Uuid,
}

#[utoipa::path(
    tag = "stock",
    operation_id = "create_product",
    summary = "Create a product",
    request_body = CreateProduct,
    params(crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "The new product; a replay answers the same, with `Idempotent-Replayed: true`.", body = ProductDto),
        (status = 409, description = "`duplicate_sku`: the venue has a product with that SKU."),
    )
)]
#[post("/products")]
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
    Ok(created_as(product, |p| ProductDto::seen_by(p, actor.role)))
}

#[utoipa::path(
    tag = "stock",
    operation_id = "list_products",
    summary = "The venue's products",
    params(PageQuery),
    responses((status = 200, description = "The venue's products.", body = Vec<ProductDto>))
)]
#[get("/products")]
pub(crate) async fn list_products(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let products = state.brigade.list_products(&actor, query.page()?).await?;
    Ok(paged(
        &req,
        products.map(|p| ProductDto::seen_by(p, actor.role)),
    ))
}

#[utoipa::path(
    tag = "stock",
    operation_id = "get_product",
    summary = "A product",
    params(ProductPath),
    responses((status = 200, description = "The product.", body = ProductDto))
)]
#[get("/products/{product_id}")]
pub(crate) async fn get_product(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<ProductPath>,
) -> Result<HttpResponse, ApiError> {
    let product = state
        .brigade
        .get_product(&actor, path.product_id.into())
        .await?;
    Ok(ok(ProductDto::seen_by(product, actor.role)))
}

#[utoipa::path(
    tag = "stock",
    operation_id = "update_product",
    summary = "Change a product",
    params(ProductPath),
    request_body = UpdateProduct,
    responses(
        (status = 200, description = "The product as changed.", body = ProductDto),
        (status = 409, description = "`unit_in_use`: lots hold the product in its current unit."),
    )
)]
#[patch("/products/{product_id}")]
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
    Ok(ok(ProductDto::seen_by(product, actor.role)))
}

#[utoipa::path(
    tag = "stock",
    operation_id = "create_lot",
    summary = "Receive a stock lot",
    request_body = CreateLot,
    params(crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "The received lot; a replay answers the same, with `Idempotent-Replayed: true`.", body = LotDto),
        (status = 409, description = "`duplicate_lot_code`: the product has a lot with that code."),
    )
)]
#[post("/lots")]
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
    Ok(created_as(lot, |l| LotDto::seen_by(l, actor.role)))
}

#[utoipa::path(
    tag = "stock",
    operation_id = "list_lots",
    summary = "The venue's stock lots",
    params(LotQuery),
    responses((status = 200, description = "The venue's lots, first to expire first.", body = Vec<LotDto>))
)]
#[get("/lots")]
pub(crate) async fn list_lots(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<LotQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = requested(query.limit, query.offset)?;
    let lots = state
        .brigade
        .list_lots(&actor, query.product_id, page)
        .await?;
    Ok(paged(&req, lots.map(|l| LotDto::seen_by(l, actor.role))))
}

#[utoipa::path(
    tag = "stock",
    operation_id = "get_lot",
    summary = "A stock lot",
    params(LotPath),
    responses((status = 200, description = "The lot.", body = LotDto))
)]
#[get("/lots/{lot_id}")]
pub(crate) async fn get_lot(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<LotPath>,
) -> Result<HttpResponse, ApiError> {
    Ok(ok(LotDto::seen_by(
        state.brigade.get_lot(&actor, path.lot_id.into()).await?,
        actor.role,
    )))
}

#[utoipa::path(
    tag = "stock",
    operation_id = "list_stock_movements",
    summary = "Stock movements",
    params(MovementQuery),
    responses((status = 200, description = "Stock movements, newest first.", body = Vec<MovementDto>))
)]
#[get("/stock/movements")]
pub(crate) async fn movements(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<MovementQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = MovementFilter {
        product_id: query.product_id,
        lot_id: query.lot_id,
        reference_id: query.reference_id,
    };
    let page = requested(query.limit, query.offset)?;
    let movements = state.brigade.stock_movements(&actor, filter, page).await?;
    Ok(paged(&req, movements.map(MovementDto::from)))
}

#[utoipa::path(
    tag = "stock",
    operation_id = "stock_summary",
    summary = "Stock per product, today",
    params(PageQuery),
    responses((status = 200, description = "Per product: what is available and expired today (the venue's business day).", body = Vec<StockSummaryDto>))
)]
#[get("/stock/summary")]
pub(crate) async fn summary(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = state.brigade.stock_summary(&actor, query.page()?).await?;
    Ok(paged(&req, rows.map(StockSummaryDto::from)))
}
