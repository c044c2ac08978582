//! Route table. Every venue resource is mounted twice: under
//! `/api/v1/venues/{venue_id}` (explicit venue, as the seeds call it) and directly
//! under `/api/v1` (DESIGN's short forms: the venue comes from `X-Venue-Id` or the
//! user's only membership). Both reach the same handlers.

pub(crate) mod auth;
mod categories;
pub(crate) mod checks;
pub mod client;
mod discounts;
mod health;
pub(crate) mod menu;
mod modifiers;
mod operator;
mod orders;
mod receipts;
pub mod request_id;
pub(crate) mod slow;
mod staff;
mod stock;
mod summary;
mod tables;
mod tax_classes;
mod venues;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use brigade_application::model::IdempotencyKey;
use brigade_application::usecases::Created;
use serde::Serialize;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::ApiError;
use crate::body::Body;

/// The route table, which is also the OpenAPI document's list of operations: each
/// handler carries its path and method (actix's attribute) and its contract
/// (`#[utoipa::path]`), and `utoipa_actix_web` collects both as it registers them.
/// Routes added with `route` (the docs page, the document itself) are left out of it.
pub(crate) fn mount(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/health")
            .service(health::live)
            .service(health::ready)
            .service(health::detailed),
    )
    .route("/docs", web::get().to(crate::docs::index))
    .route("/docs/", web::get().to(crate::docs::index))
    .route("/docs/{file}", web::get().to(crate::docs::asset))
    .service(
        scope("/api/v1")
            .route("/openapi.json", crate::openapi::route())
            .service(auth::login)
            .service(auth::logout)
            .service(auth::set_password)
            .service(auth::ws_ticket)
            .service(crate::ws::upgrade)
            .service(client::metrics)
            .service(client::error)
            .service(venues::list)
            .service(
                scope("/operator")
                    .service(operator::metrics)
                    .service(operator::queries),
            )
            .service(
                scope("/venues/{venue_id}")
                    .service(venues::get)
                    .service(venues::update)
                    .configure(venue_resources),
            )
            .configure(venue_resources),
    );
}

/// Mounted twice: under `/api/v1/venues/{venue_id}` and under `/api/v1`.
fn venue_resources(cfg: &mut ServiceConfig) {
    cfg.service(staff::list)
        .service(staff::add)
        .service(staff::change_role)
        .service(staff::remove)
        .service(tables::list)
        .service(tables::create)
        .service(tables::layout)
        .service(tables::get)
        .service(tables::update)
        .service(tables::delete)
        .service(tables::set_status)
        .service(menu::read)
        .service(categories::list)
        .service(categories::create)
        .service(categories::update)
        .service(modifiers::list)
        .service(modifiers::create)
        .service(modifiers::update)
        .service(modifiers::add_option)
        .service(modifiers::update_option)
        .service(stock::list_products)
        .service(stock::create_product)
        .service(stock::get_product)
        .service(stock::update_product)
        .service(stock::list_lots)
        .service(stock::create_lot)
        .service(stock::get_lot)
        .service(stock::movements)
        .service(stock::summary)
        .service(orders::kitchen_display)
        .service(orders::list)
        .service(orders::create)
        .service(orders::get)
        .service(orders::delete)
        .service(orders::add_items)
        .service(orders::change_status)
        .service(tax_classes::list)
        .service(tax_classes::create)
        .service(tax_classes::update)
        .service(checks::check)
        .service(checks::take_payment)
        .service(checks::refund)
        .service(discounts::add)
        .service(discounts::remove)
        .service(receipts::get)
        .service(summary::get);
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
    created_as(created, D::from)
}

/// [`created`], with the answer made by `dto` (one that depends on who asks).
pub(crate) fn created_as<T, D: Serialize>(
    created: Created<T>,
    dto: impl FnOnce(T) -> D,
) -> HttpResponse {
    let mut response = HttpResponse::build(StatusCode::CREATED);
    if created.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    response.json(dto(created.value))
}

pub(crate) fn ok<T: Serialize>(value: T) -> HttpResponse {
    HttpResponse::Ok().json(value)
}
