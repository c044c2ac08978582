#![doc = include_str!("../README.md")]

mod auth;
mod body;
mod cache;
mod docs;
mod dto;
mod edge;
mod error;
mod limits;
mod openapi;
mod page;
mod rate;
mod routes;
mod stats;
pub mod ws;

use std::sync::Arc;

use actix_web::web;
use brigade_application::Brigade;

pub use auth::access::{AccessCache, Changed};
pub use auth::login::LoginSettings;
pub use auth::operator::Operators;
pub use auth::{Auth, AuthSettings, Identity, JwtKeys};
pub use cache::ReadCache;
pub use edge::{cors, default_headers};
pub use error::ApiError;
pub use limits::TrustedProxies;
pub use openapi::openapi;
pub use rate::{RateSettings, RequestLimits};
pub use routes::client::ClientTelemetry;
pub use routes::request_id::{RequestId, middleware as request_id};
pub use routes::slow::{DEFAULT_OPERATIONS as DEFAULT_SLOW_OPERATIONS, SlowThresholds};
pub use stats::RequestStats;

/// Largest JSON body accepted; larger ones get `413 payload_too_large` unread.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub brigade: Brigade,
    /// Tokens, sessions and the login limits.
    pub auth: Arc<Auth>,
    /// More components of the detailed health view (`GET /health`), e.g. the
    /// WebSocket gateway's connections.
    pub health: Vec<Arc<dyn HealthReport>>,
    /// Who sees the operators' views (the detailed health, metrics, statements).
    pub operators: Operators,
    /// A request slower than its operation's threshold is logged at WARN as `slow
    /// request` and counted.
    pub slow: SlowThresholds,
    /// This instance's last hour of requests (the operator's metrics summary).
    pub requests: Arc<RequestStats>,
    /// Requests per user and per client address on signed-in routes.
    pub rate: Arc<RequestLimits>,
    /// Rate limits of the client telemetry endpoints, shared by every worker.
    pub client_telemetry: Arc<ClientTelemetry>,
    /// Cache-aside for hot reads (the menu): Redis or in process.
    pub cache: ReadCache,
}

/// A component's section of the detailed health view.
#[async_trait::async_trait]
pub trait HealthReport: Send + Sync + 'static {
    /// The key of the section.
    fn name(&self) -> &'static str;
    /// The section's body, with its `status`: `up`, `degraded` (serving, with a
    /// problem to look at) or `down`.
    async fn report(&self) -> serde_json::Value;
    /// Whether readiness (`/health/ready`) shows it; the host's resources only go in
    /// the operators' view.
    fn in_readiness(&self) -> bool {
        true
    }
}

/// Mounts Brigade's routes (REST, the WebSocket upgrade, health, the OpenAPI document
/// and the docs page) on an actix `App`.
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(state))
            .app_data(error::path_config())
            .app_data(error::query_config());
        routes::mount(&mut utoipa_actix_web::service_config::ServiceConfig::new(
            cfg,
        ));
    }
}

/// Warms the read cache with the menus of up to `limit` venues that took orders within
/// `within` (at start, and after a release: `brigade cache warm`); returns how many.
pub async fn warm_menus(
    brigade: &brigade_application::Brigade,
    cache: &ReadCache,
    within: time::Duration,
    limit: i64,
) -> Result<usize, ApiError> {
    routes::menu::warm(brigade, cache, within, limit).await
}

/// The response for requests no route matched (mount with `App::default_service`).
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found("no such route"))
}
