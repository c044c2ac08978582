//! Venues: the caller's list, one venue's settings, and changing them (admins).

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web::{get, patch};
use brigade_application::model::Venue;
use brigade_application::usecases::venues::VenuePatch;
use brigade_domain::{Percent, Role, StockPolicy, VenueId};
use serde::{Deserialize, Serialize};

use super::ok;
use crate::auth::{Acting, Authenticated};
use crate::body::json_body;
use crate::page::{PageQuery, paged};
use crate::{ApiError, AppState};

#[derive(Serialize, utoipa::ToSchema)]
pub struct VenueDto {
    pub id: VenueId,
    pub name: String,
    pub timezone: String,
    pub currency: String,
    pub stock_policy: StockPolicy,
    /// `HH:MM`, local time.
    pub business_day_starts_at: String,
    pub allow_unpaid_close: bool,
    /// Prices include tax, or tax is added on top of them.
    pub prices_include_tax: bool,
    /// A percentage added to every check on its discounted lines (0: none).
    pub service_charge: Percent,
    pub stuck_after_minutes: u32,
    pub target_ticket_minutes: u32,
    /// The caller's role here (in `GET /venues`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

impl VenueDto {
    fn new(v: Venue, role: Option<Role>) -> Self {
        Self {
            id: v.id,
            name: v.name,
            timezone: v.timezone.name().to_owned(),
            currency: v.currency.code(),
            stock_policy: v.stock_policy,
            business_day_starts_at: v.business_day_starts_at.to_string(),
            allow_unpaid_close: v.allow_unpaid_close,
            prices_include_tax: v.prices_include_tax,
            service_charge: v.service_charge,
            stuck_after_minutes: v.stuck_after_minutes,
            target_ticket_minutes: v.target_ticket_minutes,
            role,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"business_day_starts_at": "04:00", "stock_policy": "strict"}))]
pub struct UpdateVenue {
    name: Option<String>,
    timezone: Option<String>,
    currency: Option<String>,
    stock_policy: Option<StockPolicy>,
    business_day_starts_at: Option<String>,
    allow_unpaid_close: Option<bool>,
    prices_include_tax: Option<bool>,
    service_charge: Option<Percent>,
    stuck_after_minutes: Option<u32>,
    target_ticket_minutes: Option<u32>,
}

impl From<UpdateVenue> for VenuePatch {
    fn from(u: UpdateVenue) -> Self {
        VenuePatch {
            name: u.name,
            timezone: u.timezone,
            currency: u.currency,
            stock_policy: u.stock_policy,
            business_day_starts_at: u.business_day_starts_at,
            allow_unpaid_close: u.allow_unpaid_close,
            prices_include_tax: u.prices_include_tax,
            service_charge: u.service_charge,
            stuck_after_minutes: u.stuck_after_minutes,
            target_ticket_minutes: u.target_ticket_minutes,
        }
    }
}

/// `GET /venues`: the caller's venues, with their role in each.
#[utoipa::path(
    tag = "venues",
    operation_id = "list_venues",
    summary = "The caller's venues",
    params(PageQuery),
    responses((status = 200, description = "The caller's venues, with their role in each.", body = Vec<VenueDto>))
)]
#[get("/venues")]
pub(crate) async fn list(
    req: HttpRequest,
    who: Authenticated,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let venues = state
        .brigade
        .venues_of(&who.access.memberships, query.page()?)
        .await?;
    Ok(paged(
        &req,
        venues.map(|(v, role)| VenueDto::new(v, Some(role))),
    ))
}

/// `GET /venues/{venue_id}` (members).
#[utoipa::path(
    tag = "venues",
    operation_id = "get_venue",
    summary = "A venue's settings",
    responses((status = 200, description = "The venue's settings.", body = VenueDto))
)]
#[get("")]
pub(crate) async fn get(
    state: web::Data<AppState>,
    Acting(actor): Acting,
) -> Result<HttpResponse, ApiError> {
    let venue = state.brigade.venue(&actor).await?;
    Ok(ok(VenueDto::new(venue, Some(actor.role))))
}

/// `PATCH /venues/{venue_id}` (admins): any of the settings, validated together,
/// written in one transaction.
#[utoipa::path(
    tag = "venues",
    operation_id = "update_venue",
    summary = "Change a venue's settings (admins)",
    request_body = UpdateVenue,
    responses((status = 200, description = "The venue's settings as changed.", body = VenueDto))
)]
#[patch("")]
pub(crate) async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<UpdateVenue>(&req, payload).await?;
    let venue = state
        .brigade
        .update_venue(&actor, body.value.into())
        .await?;
    Ok(ok(VenueDto::new(venue, Some(actor.role))))
}
