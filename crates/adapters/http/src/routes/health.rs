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

/// The detailed view: readiness, plus each component's report (kitchen health joins
/// it with its issue). 503 when not ready.
pub(crate) async fn detailed(state: web::Data<AppState>) -> HttpResponse {
    let database = state.brigade.ready().await;
    if let Err(e) = &database {
        tracing::warn!(error = %e, "health: database down");
    }
    let mut components = serde_json::Map::new();
    components.insert(
        "database".to_owned(),
        json!({ "status": if database.is_ok() { "up" } else { "down" } }),
    );
    for component in &state.health {
        components.insert(component.name().to_owned(), component.report());
    }
    let body = json!({
        "status": if database.is_ok() { "ok" } else { "unavailable" },
        "components": components,
    });
    if database.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
