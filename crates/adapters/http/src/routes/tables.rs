use actix_web::{HttpRequest, HttpResponse, web};
use brigade_domain::TableId;
use serde::Deserialize;
use uuid::Uuid;

use super::{created, idempotency_key, ok};
use crate::auth::Acting;
use crate::body::json_body;
use crate::dto::{CreateTable, LayoutRequest, TableDto, TableStatusRequest, UpdateTable};
use crate::{ApiError, AppState};

#[derive(Deserialize)]
pub(crate) struct TablePath {
    table_id: Uuid,
}

impl TablePath {
    fn id(&self) -> TableId {
        self.table_id.into()
    }
}

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

pub(crate) async fn list(
    state: web::Data<AppState>,
    Acting(actor): Acting,
) -> Result<HttpResponse, ApiError> {
    let tables = state.brigade.list_tables(&actor).await?;
    Ok(ok(tables
        .into_iter()
        .map(TableDto::from)
        .collect::<Vec<_>>()))
}

pub(crate) async fn get(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<TablePath>,
) -> Result<HttpResponse, ApiError> {
    Ok(ok(TableDto::from(
        state.brigade.get_table(&actor, path.id()).await?,
    )))
}

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

pub(crate) async fn delete(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<TablePath>,
) -> Result<HttpResponse, ApiError> {
    state.brigade.delete_table(&actor, path.id()).await?;
    Ok(HttpResponse::NoContent().finish())
}

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
