//! Reading JSON bodies: a size limit enforced while reading, a content-type check, and
//! serde errors turned into precise problems. Handlers take `web::Payload` and call
//! [`json_body`] so every body error has the same shape.

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::{self, BytesMut};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::{ApiError, MAX_BODY_BYTES};

/// A parsed body plus its canonical fingerprint (for `Idempotency-Key`).
pub(crate) struct Body<T> {
    pub value: T,
    pub fingerprint: String,
}

async fn read_limited(mut payload: web::Payload, limit: usize) -> Result<BytesMut, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("malformed_body", e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body exceeds {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The request path without `/api/v1` and without the `/venues/{id}` prefix: a retry
/// through the other route form (DESIGN's short form or the seeds' nested form) is the
/// same request. The key itself is scoped to venue and user in the store.
fn resource_path(path: &str) -> &str {
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    match path.strip_prefix("/venues/") {
        Some(rest) => rest.find('/').map_or("", |at| &rest[at..]),
        None => path,
    }
}

pub(crate) async fn json_body<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Body<T>, ApiError> {
    if let Some(content_type) = req.headers().get(header::CONTENT_TYPE) {
        let ct = content_type.to_str().unwrap_or("").to_ascii_lowercase();
        if !(ct.starts_with("application/json") || ct.contains("+json")) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
    }
    if let Some(length) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && length > MAX_BODY_BYTES
    {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body exceeds {MAX_BODY_BYTES} bytes"),
        ));
    }
    let bytes = read_limited(payload, MAX_BODY_BYTES).await?;
    // Parse once into a Value (syntax errors), then into T (shape errors).
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request("malformed_json", format!("malformed JSON: {e}")))?;
    // PostgreSQL text cannot hold NUL: refuse it here, not as a 500 from the store.
    if has_nul(&value) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "text must not contain NUL (U+0000) characters",
        ));
    }
    // serde_json's map is ordered by key: this text is canonical for equal bodies.
    let canonical = value.to_string();
    let typed = serde_json::from_value(value)
        .map_err(|e| ApiError::bad_request("invalid_body", format!("invalid body: {e}")))?;
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(resource_path(req.path()).as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical.as_bytes());
    let fingerprint = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Body {
        value: typed,
        fingerprint,
    })
}

/// Whether any string (or key) of `value` contains U+0000.
fn has_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(has_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}
