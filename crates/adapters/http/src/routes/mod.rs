//! Route table. Every venue resource is mounted twice: under
//! `/api/v1/venues/{venue_id}` (explicit venue, as the seeds call it) and directly
//! under `/api/v1` (DESIGN's short forms: the venue comes from `X-Venue-Id` or the
//! user's only membership). Both reach the same handlers.

pub(crate) mod auth;
pub mod client;
mod health;
mod orders;
pub mod request_id;
mod staff;
mod stock;
mod tables;
mod venues;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use brigade_application::model::IdempotencyKey;
use brigade_application::usecases::Created;
use serde::Serialize;

use crate::ApiError;
use crate::body::Body;

pub(crate) fn mount(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/health")
            .route("/live", web::get().to(health::live))
            .route("/ready", web::get().to(health::ready))
            .route("", web::get().to(health::detailed)),
    )
    .service(
        web::scope("/api/v1")
            .route("/auth/login", web::post().to(auth::login))
            .route("/auth/logout", web::post().to(auth::logout))
            .route("/auth/set-password", web::post().to(auth::set_password))
            .route("/ws/ticket", web::post().to(auth::ws_ticket))
            .route("/metrics/frontend", web::post().to(client::metrics))
            .route("/errors/frontend", web::post().to(client::error))
            .route("/venues", web::get().to(venues::list))
            .service(
                web::scope("/venues/{venue_id}")
                    .route("", web::get().to(venues::get))
                    .route("", web::patch().to(venues::update))
                    .configure(venue_resources),
            )
            .configure(venue_resources),
    );
}

fn venue_resources(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff", web::get().to(staff::list))
        .route("/staff", web::post().to(staff::add))
        .route("/staff/{user_id}", web::patch().to(staff::change_role))
        .route("/staff/{user_id}", web::delete().to(staff::remove))
        .route("/tables", web::get().to(tables::list))
        .route("/tables", web::post().to(tables::create))
        .route("/tables/layout", web::patch().to(tables::layout))
        .route("/tables/{table_id}", web::get().to(tables::get))
        .route("/tables/{table_id}", web::patch().to(tables::update))
        .route("/tables/{table_id}", web::delete().to(tables::delete))
        .route(
            "/tables/{table_id}/status",
            web::patch().to(tables::set_status),
        )
        .route("/products", web::get().to(stock::list_products))
        .route("/products", web::post().to(stock::create_product))
        .route("/products/{product_id}", web::get().to(stock::get_product))
        .route(
            "/products/{product_id}",
            web::patch().to(stock::update_product),
        )
        .route("/lots", web::get().to(stock::list_lots))
        .route("/lots", web::post().to(stock::create_lot))
        .route("/lots/{lot_id}", web::get().to(stock::get_lot))
        .route("/stock/movements", web::get().to(stock::movements))
        .route("/stock/summary", web::get().to(stock::summary))
        .route(
            "/orders/kitchen-display",
            web::get().to(orders::kitchen_display),
        )
        .route("/orders", web::get().to(orders::list))
        .route("/orders", web::post().to(orders::create))
        .route("/orders/{order_id}", web::get().to(orders::get))
        .route("/orders/{order_id}", web::delete().to(orders::delete))
        .route(
            "/orders/{order_id}/items",
            web::post().to(orders::add_items),
        )
        .route(
            "/orders/{order_id}/status",
            web::patch().to(orders::change_status),
        );
}

/// The `Idempotency-Key` of a creating POST, bound to the body's fingerprint.
pub(crate) fn idempotency_key<T>(
    req: &HttpRequest,
    body: &Body<T>,
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            )
        })?;
    Ok(Some(IdempotencyKey {
        key: key.to_owned(),
        fingerprint: body.fingerprint.clone(),
    }))
}

/// `201 Created`, or the same status with `Idempotent-Replayed: true` on a replay.
pub(crate) fn created<T, D: Serialize + From<T>>(created: Created<T>) -> HttpResponse {
    let mut response = HttpResponse::build(StatusCode::CREATED);
    if created.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response.json(D::from(created.value))
}

pub(crate) fn ok<T: Serialize>(value: T) -> HttpResponse {
    HttpResponse::Ok().json(value)
}
