//! A venue's staff, for its admins: list, add, change role, remove (DESIGN §9).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web::{delete, get, patch, post};
use brigade_application::model::StaffMember;
use brigade_domain::{Role, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::ok;
use crate::auth::Acting;
use crate::body::json_body;
use crate::page::{PageQuery, paged};
use crate::{ApiError, AppState};

#[derive(Serialize, utoipa::ToSchema)]
pub struct StaffDto {
    pub user_id: UserId,
    pub email: String,
    pub full_name: String,
    pub role: Role,
}

impl From<StaffMember> for StaffDto {
    fn from(m: StaffMember) -> Self {
        Self {
            user_id: m.user_id,
            email: m.email,
            full_name: m.full_name,
            role: m.role,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "chef@example.com", "full_name": "Chef", "role": "kitchen"}))]
pub struct AddStaff {
    email: String,
    full_name: String,
    role: Role,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRole {
    role: Role,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Added {
    #[serde(flatten)]
    member: StaffDto,
    /// False when an existing account joined (nothing of it changed).
    created: bool,
    /// Shown once, for a created account: its owner sets the password with it
    /// (`POST /api/v1/auth/set-password`).
    #[serde(skip_serializing_if = "Option::is_none")]
    set_password_token: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    set_password_expires_at: Option<OffsetDateTime>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct StaffPath {
    /// The member's user id.
    user_id: Uuid,
}

#[utoipa::path(
    tag = "staff",
    operation_id = "list_staff",
    summary = "The venue's staff (admins)",
    params(PageQuery),
    responses((status = 200, description = "The venue's staff (admins only).", body = Vec<StaffDto>))
)]
#[get("/staff")]
pub(crate) async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let staff = state.brigade.staff(&actor, query.page()?).await?;
    Ok(paged(&req, staff.map(StaffDto::from)))
}

/// `POST /staff {email, full_name, role}` -> 201: an existing account joins (its name
/// and password untouched); a new one is created with a one-time set-password token.
#[utoipa::path(
    tag = "staff",
    operation_id = "add_staff",
    summary = "Add a member, creating the account if needed (admins)",
    request_body = AddStaff,
    responses(
        (status = 201, description = "The member; for a new account, its one-time set-password token.", body = Added),
        (status = 409, description = "`already_staff`: the account is a member already (change its role instead)."),
    )
)]
#[post("/staff")]
pub(crate) async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<AddStaff>(&req, payload).await?.value;
    let added = state
        .brigade
        .add_staff(&actor, &body.email, &body.full_name, body.role)
        .await?;
    state.auth.access.forget(added.member.user_id).await;
    let (token, expires) = match added.set_password {
        Some(t) => (Some(t.token), Some(t.expires_at)),
        None => (None, None),
    };
    Ok(HttpResponse::build(StatusCode::CREATED).json(Added {
        member: added.member.into(),
        created: added.created,
        set_password_token: token,
        set_password_expires_at: expires,
    }))
}

/// `PATCH /staff/{user_id} {role}`; `409 last_admin` rather than no admin.
#[utoipa::path(
    tag = "staff",
    operation_id = "change_staff_role",
    summary = "Change a member's role (admins)",
    params(StaffPath),
    request_body = ChangeRole,
    responses(
        (status = 200, description = "The member with the new role.", body = StaffDto),
        (status = 409, description = "`last_admin`: the venue would have no admin."),
    )
)]
#[patch("/staff/{user_id}")]
pub(crate) async fn change_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<StaffPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<ChangeRole>(&req, payload).await?.value;
    let user = UserId::from_uuid(path.user_id);
    let member = state.brigade.change_role(&actor, user, body.role).await?;
    state.auth.access.forget(user).await;
    Ok(ok(StaffDto::from(member)))
}

/// `DELETE /staff/{user_id}` -> 204; their open screens of this venue close (4003).
#[utoipa::path(
    tag = "staff",
    operation_id = "remove_staff",
    summary = "Remove a member (admins)",
    params(StaffPath),
    responses(
        (status = 204, description = "Removed; their open screens of this venue close (4003)."),
        (status = 409, description = "`last_admin`: the venue would have no admin."),
    )
)]
#[delete("/staff/{user_id}")]
pub(crate) async fn remove(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<StaffPath>,
) -> Result<HttpResponse, ApiError> {
    let user = UserId::from_uuid(path.user_id);
    state.brigade.remove_staff(&actor, user).await?;
    state.auth.access.forget(user).await;
    Ok(HttpResponse::NoContent().finish())
}
