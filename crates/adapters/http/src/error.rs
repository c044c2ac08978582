//! `ApiError`: every failure of a request as RFC 9457 problem+json with a stable
//! machine `code`. Mapping from use-case errors lives here and only here.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError, web};
use brigade_application::{AppError, StoreError};
use brigade_domain::TransitionError;
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    /// Extension members (e.g. the product that ran short).
    pub extra: Option<Value>,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    extra: Option<&'a Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            extra: None,
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// `429 rate_limited` with `Retry-After` (whole seconds, at least one).
    pub fn rate_limited(wait: std::time::Duration, why: &str) -> Self {
        let seconds = (wait.as_secs_f64().ceil() as u64).max(1);
        Self {
            extra: Some(json!({ "retry_after": seconds })),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("{why}; retry in {seconds} s"),
            )
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let problem = Problem {
            kind: format!("urn:brigade:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            detail: &self.detail,
            code: self.code,
            extra: self.extra.as_ref(),
        };
        let mut response = HttpResponse::build(self.status);
        response.content_type("application/problem+json");
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS
            && let Some(seconds) = self
                .extra
                .as_ref()
                .and_then(|e| e.get("retry_after"))
                .and_then(Value::as_u64)
        {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        response.json(problem)
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        use StatusCode as S;
        match error {
            AppError::NotFound { entity } => ApiError::not_found(format!("{entity} not found")),
            e @ AppError::InvalidReference { .. } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid_reference", e.to_string())
            }
            AppError::Validation(detail) => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "validation_failed", detail)
            }
            AppError::Transition(e @ TransitionError::Invalid { from, to }) => ApiError {
                extra: Some(json!({ "from": from, "to": to })),
                ..ApiError::new(S::CONFLICT, "invalid_transition", e.to_string())
            },
            AppError::Transition(e @ TransitionError::Forbidden { .. }) => {
                ApiError::new(S::FORBIDDEN, "forbidden", e.to_string())
            }
            AppError::Forbidden(detail) => ApiError::new(S::FORBIDDEN, "forbidden", detail),
            ref e @ AppError::InsufficientStock {
                product_id,
                requested,
                available,
                ..
            } => ApiError {
                extra: Some(json!({
                    "product_id": product_id,
                    "requested": requested,
                    "available": available,
                })),
                ..ApiError::new(S::CONFLICT, "insufficient_stock", e.to_string())
            },
            AppError::Conflict { code, message } => ApiError::new(S::CONFLICT, code, message),
            e @ AppError::IdempotencyMismatch => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                e.to_string(),
            ),
            e @ AppError::InvalidCredentials => {
                ApiError::new(S::UNAUTHORIZED, "invalid_credentials", e.to_string())
            }
            AppError::Store(StoreError::Contention) => ApiError::new(
                S::SERVICE_UNAVAILABLE,
                "contention",
                "the request collided with a concurrent one; retry",
            ),
            AppError::ProcessorUnavailable(e) => {
                tracing::error!(error = %e, "payment processor unavailable");
                ApiError::new(
                    S::SERVICE_UNAVAILABLE,
                    "processor_unavailable",
                    "the payment processor did not answer; nothing was charged, retry shortly",
                )
            }
            AppError::Store(StoreError::Unavailable(e)) => {
                tracing::error!(error = %e, "store unavailable");
                ApiError::new(
                    S::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    "the database is unavailable; retry shortly",
                )
            }
            AppError::Store(
                e @ (StoreError::UniqueViolation(_)
                | StoreError::ForeignKeyViolation(_)
                | StoreError::Unknown(_)),
            ) => {
                tracing::error!(error = %e, "unexpected store error");
                ApiError::new(S::INTERNAL_SERVER_ERROR, "internal_error", "internal error")
            }
        }
    }
}

/// A malformed id in a path names nothing: 404, like an unknown one.
pub(crate) fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err, _req| ApiError::not_found(format!("malformed id: {err}")).into())
}

pub(crate) fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req| ApiError::bad_request("invalid_query", err.to_string()).into())
}
