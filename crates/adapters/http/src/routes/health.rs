//! Health probes (DESIGN §7, §11). Liveness never touches dependencies and names the
//! running version. Readiness answers 503 when the database does not; a component that
//! is down or degraded but not fatal (Redis: its loss delays fan-out to the journal
//! poll, it loses nothing) makes the status `degraded`, still 200, so a load balancer
//! keeps the instance. `/health` gives anyone the status alone, and operators each
//! component's report with its figures and the kitchen's health, which is
//! `attention`/`critical` from each venue's thresholds (an idle kitchen is healthy).

use actix_web::get;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use crate::AppState;

#[utoipa::path(
    tag = "health",
    operation_id = "health_live",
    summary = "Liveness",
    responses((status = 200, description = "The process answers (touches no dependency), with its `version`.", body = serde_json::Value))
)]
#[get("/live")]
pub(crate) async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// The database's status and every component's report; `all` adds those that are
/// not part of readiness (the host's resources).
async fn components(state: &AppState, all: bool) -> (bool, Map<String, Value>) {
    let started = std::time::Instant::now();
    let database = state.brigade.ready().await;
    let took_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Err(e) = &database {
        tracing::warn!(error = %e, "health: database down");
    }
    let mut components = Map::new();
    components.insert(
        "database".to_owned(),
        if database.is_ok() {
            json!({ "status": "up", "response_time_ms": round2(took_ms) })
        } else {
            json!({ "status": "down" })
        },
    );
    for component in state.health.iter().filter(|c| all || c.in_readiness()) {
        components.insert(component.name().to_owned(), component.report().await);
    }
    (database.is_ok(), components)
}

pub(crate) fn round2(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

fn status(database_up: bool, components: &Map<String, Value>) -> &'static str {
    if !database_up {
        "unavailable"
    } else if components
        .values()
        .any(|c| c["status"] == "down" || c["status"] == "degraded")
    {
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
        (status = 200, description = "Ready: `ok`, or `degraded` when a non-fatal component (Redis, the WebSocket gateway) has a problem.", body = serde_json::Value),
        (status = 503, description = "Not ready: the database does not answer.", body = serde_json::Value),
    )
)]
#[get("/ready")]
pub(crate) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let (up, components) = components(&state, false).await;
    let mut body = json!({ "status": status(up, &components) });
    for (name, report) in &components {
        body[name] = report["status"].clone();
    }
    answer(up, body)
}

/// Operators see every component with its figures and the kitchen; anyone else the
/// status alone (no venue, no figure). 503 when not ready.
#[utoipa::path(
    tag = "health",
    operation_id = "health_detailed",
    summary = "Health: the status, or for operators every component's",
    responses(
        (status = 200, description = "`{\"status\"}` alone; with the operator token (or from the host itself when none is configured), every component's report: database and Redis round trips, the WebSocket gateway, the host's CPU, memory and disk, and the kitchen.", body = serde_json::Value),
        (status = 503, description = "Not ready: the database does not answer.", body = serde_json::Value),
    )
)]
#[get("")]
pub(crate) async fn detailed(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !state.operators.admit(&req, &state.auth.proxies) {
        let up = state.brigade.ready().await.is_ok();
        let status = if up { "ok" } else { "unavailable" };
        return answer(up, json!({ "status": status }));
    }
    let (up, mut components) = components(&state, true).await;
    let kitchen = if up {
        match state.brigade.kitchen_health().await {
            Ok(k) => json!({
                "status": if k.critical > 0 {
                    "critical"
                } else if k.stuck_in_preparing > 0 {
                    "attention"
                } else {
                    "ok"
                },
                "active_orders": k.active_orders,
                "stuck_in_preparing": k.stuck_in_preparing,
                "critical_in_preparing": k.critical,
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
    // The kitchen's state is the venues' business, not the instance's: it never
    // changes the status.
    let status = status(up, &components);
    components.insert("kitchen".to_owned(), kitchen);
    let body = json!({
        "status": status,
        "version": env!("CARGO_PKG_VERSION"),
        "components": components,
    });
    answer(up, body)
}
