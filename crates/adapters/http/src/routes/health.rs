//! Health probes (DESIGN §8). Liveness never touches dependencies. Readiness answers
//! 503 when the database does not; a component that is down but not fatal (Redis: its
//! loss delays fan-out to the journal poll, it loses nothing) makes the status
//! `degraded`, still 200, so a load balancer keeps the instance. The detailed view adds
//! each component's report and the kitchen.

use actix_web::get;
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use crate::AppState;

#[utoipa::path(
    tag = "health",
    operation_id = "health_live",
    summary = "Liveness",
    responses((status = 200, description = "The process answers (touches no dependency).", body = serde_json::Value))
)]
#[get("/live")]
pub(crate) async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The database's status and every component's report.
async fn components(state: &AppState) -> (bool, Map<String, Value>) {
    let database = state.brigade.ready().await;
    if let Err(e) = &database {
        tracing::warn!(error = %e, "health: database down");
    }
    let mut components = Map::new();
    components.insert(
        "database".to_owned(),
        json!({ "status": if database.is_ok() { "up" } else { "down" } }),
    );
    for component in &state.health {
        components.insert(component.name().to_owned(), component.report());
    }
    (database.is_ok(), components)
}

fn status(database_up: bool, components: &Map<String, Value>) -> &'static str {
    if !database_up {
        "unavailable"
    } else if components.values().any(|c| c["status"] == "down") {
        "degraded"
    } else {
        "ok"
    }
}

fn answer(database_up: bool, body: Value) -> HttpResponse {
    if database_up {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

#[utoipa::path(
    tag = "health",
    operation_id = "health_ready",
    summary = "Readiness",
    responses(
        (status = 200, description = "Ready: `ok`, or `degraded` when a non-fatal component (Redis) is down.", body = serde_json::Value),
        (status = 503, description = "Not ready: the database does not answer.", body = serde_json::Value),
    )
)]
#[get("/ready")]
pub(crate) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let (up, components) = components(&state).await;
    let mut body = json!({ "status": status(up, &components) });
    for (name, report) in &components {
        body[name] = report["status"].clone();
    }
    answer(up, body)
}

/// The detailed view, with kitchen health: 503 when not ready.
#[utoipa::path(
    tag = "health",
    operation_id = "health_detailed",
    summary = "Every component's health, and the kitchen's",
    responses(
        (status = 200, description = "Every component's report and the kitchen's health.", body = serde_json::Value),
        (status = 503, description = "Not ready: the database does not answer.", body = serde_json::Value),
    )
)]
#[get("")]
pub(crate) async fn detailed(state: web::Data<AppState>) -> HttpResponse {
    let (up, mut components) = components(&state).await;
    let kitchen = if up {
        match state.brigade.kitchen_health(state.stuck_after).await {
            Ok(k) => json!({
                "status": if k.stuck_in_preparing > 0 { "attention" } else { "ok" },
                "active_orders": k.active_orders,
                "stuck_in_preparing": k.stuck_in_preparing,
                "stuck_after_minutes": state.stuck_after.as_secs() / 60,
                "avg_preparation_seconds_last_hour": k.avg_preparation_secs,
            }),
            Err(e) => {
                tracing::warn!(error = %e, "health: kitchen unreadable");
                json!({ "status": "unknown" })
            }
        }
    } else {
        json!({ "status": "unknown" })
    };
    components.insert("kitchen".to_owned(), kitchen);
    let body = json!({
        "status": status(up, &components),
        "components": components,
    });
    answer(up, body)
}
