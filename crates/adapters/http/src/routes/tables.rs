use actix_web::{HttpRequest, HttpResponse, web};
use actix_web::{delete, get, patch, post};
use brigade_domain::TableId;
use serde::Deserialize;
use uuid::Uuid;

use super::{created, idempotency_key, ok};
use crate::auth::Acting;
use crate::body::json_body;
use crate::dto::{CreateTable, LayoutRequest, TableDto, TableStatusRequest, UpdateTable};
use crate::page::{PageQuery, paged};
use crate::{ApiError, AppState};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct TablePath {
    /// The table's id.
    table_id: Uuid,
}

impl TablePath {
    fn id(&self) -> TableId {
        self.table_id.into()
    }
}

#[utoipa::path(
    tag = "tables",
    operation_id = "create_table",
    summary = "Create a table",
    request_body = CreateTable,
    params(crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "The new table; a replay answers the same, with `Idempotent-Replayed: true`.", body = TableDto),
        (status = 409, description = "`duplicate_name`: the venue has a table of that name."),
    )
)]
#[post("/tables")]
pub(crate) async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<CreateTable>(&req, payload).await?;
    let key = idempotency_key(&req, &body)?;
    let table = state
        .brigade
        .create_table(&actor, body.value.into(), key)
        .await?;
    Ok(created::<_, TableDto>(table))
}

#[utoipa::path(
    tag = "tables",
    operation_id = "list_tables",
    summary = "The venue's tables",
    params(PageQuery),
    responses((status = 200, description = "The venue's tables.", body = Vec<TableDto>))
)]
#[get("/tables")]
pub(crate) async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let tables = state.brigade.list_tables(&actor, query.page()?).await?;
    Ok(paged(&req, tables.map(TableDto::from)))
}

#[utoipa::path(
    tag = "tables",
    operation_id = "get_table",
    summary = "A table",
    params(TablePath),
    responses((status = 200, description = "The table.", body = TableDto))
)]
#[get("/tables/{table_id}")]
pub(crate) async fn get(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<TablePath>,
) -> Result<HttpResponse, ApiError> {
    Ok(ok(TableDto::from(
        state.brigade.get_table(&actor, path.id()).await?,
    )))
}

#[utoipa::path(
    tag = "tables",
    operation_id = "update_table",
    summary = "Change a table",
    params(TablePath),
    request_body = UpdateTable,
    responses(
        (status = 200, description = "The table as changed.", body = TableDto),
        (status = 409, description = "`duplicate_name`: the venue has a table of that name."),
    )
)]
#[patch("/tables/{table_id}")]
pub(crate) async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<TablePath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<UpdateTable>(&req, payload).await?;
    let table = state
        .brigade
        .update_table(&actor, path.id(), body.value.into())
        .await?;
    Ok(ok(TableDto::from(table)))
}

#[utoipa::path(
    tag = "tables",
    operation_id = "delete_table",
    summary = "Delete a table",
    params(TablePath),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, description = "`table_has_open_orders` or `table_in_use`: orders still name the table."),
    )
)]
#[delete("/tables/{table_id}")]
pub(crate) async fn delete(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<TablePath>,
) -> Result<HttpResponse, ApiError> {
    state.brigade.delete_table(&actor, path.id()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    tag = "tables",
    operation_id = "set_table_status",
    summary = "Set a table's status by hand",
    params(TablePath),
    request_body = TableStatusRequest,
    responses(
        (status = 200, description = "The table with its new status.", body = TableDto),
        (status = 409, description = "`table_has_open_orders`: orders hold the table."),
        (status = 422, description = "`validation_failed`: `occupied` and `cleaning` are set by orders, not by hand."),
    )
)]
#[patch("/tables/{table_id}/status")]
pub(crate) async fn set_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<TablePath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<TableStatusRequest>(&req, payload).await?;
    let table = state
        .brigade
        .set_table_status(&actor, path.id(), body.value.status)
        .await?;
    Ok(ok(TableDto::from(table)))
}

#[utoipa::path(
    tag = "tables",
    operation_id = "update_table_layout",
    summary = "Move several tables at once",
    request_body = LayoutRequest,
    responses((status = 200, description = "Every table moved, in one transaction.", body = Vec<TableDto>))
)]
#[patch("/tables/layout")]
pub(crate) async fn layout(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<LayoutRequest>(&req, payload).await?;
    let moves = body
        .value
        .tables
        .into_iter()
        .map(|t| (t.id, t.position_json))
        .collect();
    let tables = state.brigade.update_layout(&actor, moves).await?;
    Ok(ok(tables
        .into_iter()
        .map(TableDto::from)
        .collect::<Vec<_>>()))
}
