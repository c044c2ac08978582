#![doc = include_str!("../README.md")]

mod hub;
mod metrics;
mod protocol;
mod session;

use actix_web::web;
use serde_json::json;

pub use hub::{Hub, WsSettings};
pub use protocol::close;

/// Mounts `GET /api/v1/ws`. Register it before `brigade_http::configure`, whose
/// `/api/v1` scope would otherwise answer 404 for it. Needs the `AppState` that
/// `brigade_http::configure` registers.
pub fn configure(hub: Hub) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(hub))
            .route("/api/v1/ws", web::get().to(session::upgrade));
    }
}

/// The gateway's section of the detailed health view.
impl brigade_http::HealthReport for Hub {
    fn name(&self) -> &'static str {
        "websocket"
    }

    fn report(&self) -> serde_json::Value {
        let venues = self.connections();
        let total: usize = venues.iter().map(|(_, n)| n).sum();
        let by_venue: serde_json::Map<String, serde_json::Value> = venues
            .into_iter()
            .map(|(venue, n)| (venue.to_string(), json!(n)))
            .collect();
        json!({ "status": "up", "connections": total, "venues": by_venue })
    }
}
