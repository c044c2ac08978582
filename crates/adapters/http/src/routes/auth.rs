use actix_web::{HttpRequest, HttpResponse, web};

use crate::body::json_body;
use crate::dto::{LoginRequest, LoginResponse, UserDto};
use crate::{ApiError, AppState};

/// `POST /auth/login {email, password}` -> a bearer token for one shift.
pub(crate) async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<LoginRequest>(&req, payload).await?.value;
    let user = state.brigade.login(&body.email, &body.password).await?;
    let token = state.keys.issue(&user)?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        access_token: token,
        token_type: "Bearer",
        expires_in: state.keys.ttl.as_secs(),
        user: UserDto::from(&user),
    }))
}
