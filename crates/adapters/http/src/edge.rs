//! What every response carries whatever route answered (DESIGN §11): `Cache-Control:
//! no-store` unless the route chose otherwise (the menu's `private, no-cache` with its
//! ETag, the docs page), `X-Content-Type-Options: nosniff`; and CORS for browser clients
//! on other origins, from an allow-list (`BRIGADE_CORS_ORIGINS`; none: no cross-origin
//! access, the browsers' default).

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;

/// Headers added to each response that has none of its own.
pub fn default_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CACHE_CONTROL, "no-store"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

/// CORS for `origins` (exact `scheme://host[:port]`); requests from any other origin
/// are refused, preflights included.
pub fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-venue-id"),
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("traceparent"),
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-event-seq"),
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("x-response-time"),
            header::HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}
