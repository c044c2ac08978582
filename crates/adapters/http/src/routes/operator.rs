//! The operators' cross-venue views (DESIGN §11), behind the operator credential:
//! `GET /api/v1/operator/metrics`, seed 000's summary (this instance's last hour of
//! requests, the day's orders and takings across venues, live WebSockets), and
//! `GET /api/v1/operator/queries`, the store's costliest statement patterns.

use actix_web::{HttpResponse, get, http::StatusCode, web};
use brigade_application::model::QueryStats;
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use super::health::round2;
use crate::auth::operator::Operator;
use crate::ws::Hub;
use crate::{ApiError, AppState};

/// Statement patterns listed.
const TOP_STATEMENTS: usize = 20;

#[utoipa::path(
    tag = "operator",
    operation_id = "operator_metrics",
    summary = "The metrics summary: requests of the last hour, today's orders and takings",
    responses((status = 200, description = "`api`: this instance's requests of the last 60 minutes (5xx are `errors`, 4xx `client_errors`; `response_time_ms` percentiles; `slow` past their operation's threshold). `orders`: orders opened and captured payments (tips aside, refunds out) since 00:00 UTC across venues, revenue per currency in minor units and as a decimal. `websocket`: kitchen screens connected to this instance.", body = serde_json::Value))
)]
#[get("/metrics")]
pub(crate) async fn metrics(
    _: Operator,
    state: web::Data<AppState>,
    hub: Option<web::Data<Hub>>,
) -> Result<HttpResponse, ApiError> {
    let now = time::OffsetDateTime::now_utc();
    let midnight = now.replace_time(time::Time::MIDNIGHT);
    let figures = state.brigade.figures_since(midnight).await?;
    let hour = state.requests.last_hour();
    let websocket = hub.map_or(0, |hub| hub.connection_count());
    let revenue: Vec<_> = figures
        .revenue
        .iter()
        .map(|(currency, minor)| {
            json!({
                "currency": currency,
                "amount_minor": minor,
                "amount": format!("{}.{:02}", minor / 100, (minor % 100).abs()),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "timestamp": now.format(&Rfc3339).unwrap_or_default(),
        "api": {
            "window_minutes": 60,
            "requests_per_hour": hour.requests,
            "errors_per_hour": hour.errors,
            "client_errors_per_hour": hour.client_errors,
            "slow_per_hour": hour.slow,
            "error_rate": if hour.requests > 0 { hour.errors as f64 / hour.requests as f64 } else { 0.0 },
            "response_time_ms": {
                "p50": hour.p50.map(round2),
                "p95": hour.p95.map(round2),
                "p99": hour.p99.map(round2),
            },
        },
        "orders": {
            "since": midnight.format(&Rfc3339).unwrap_or_default(),
            "count_today": figures.orders,
            "revenue_today": revenue,
        },
        "websocket": { "active_connections": websocket },
    })))
}

#[utoipa::path(
    tag = "operator",
    operation_id = "operator_queries",
    summary = "The store's 20 costliest statement patterns",
    responses(
        (status = 200, description = "By total time, the costliest first: `statement` (placeholders for values), `calls`, `total_ms`, `mean_ms`, `max_ms`. PostgreSQL: `pg_stat_statements` for this database since its last reset; the embedded store: this process since it started.", body = serde_json::Value),
        (status = 503, description = "`query_stats_unavailable`: PostgreSQL without `pg_stat_statements` loaded; the detail says how to load it."),
    )
)]
#[get("/queries")]
pub(crate) async fn queries(
    _: Operator,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    match state.brigade.query_stats(TOP_STATEMENTS).await? {
        QueryStats::Statements(stats) => Ok(HttpResponse::Ok().json(
            stats
                .into_iter()
                .map(|s| {
                    json!({
                        "statement": s.statement,
                        "calls": s.calls,
                        "total_ms": round2(s.total_ms),
                        "mean_ms": round2(s.mean_ms),
                        "max_ms": round2(s.max_ms),
                    })
                })
                .collect::<Vec<_>>(),
        )),
        QueryStats::Unavailable(why) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "query_stats_unavailable",
            why,
        )),
    }
}
