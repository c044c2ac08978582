//! Health probes. Liveness never touches dependencies; readiness checks the database.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::AppState;

pub(crate) async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

pub(crate) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match state.brigade.ready().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok", "database": "up" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database down");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "unavailable", "database": "down" }))
        }
    }
}

/// The detailed view; for now the same components as readiness (kitchen health and
/// WebSocket counts join it with their issues).
pub(crate) async fn detailed(state: web::Data<AppState>) -> HttpResponse {
    ready(state).await
}
