//! The menu guests order from, and its categories (DESIGN §9). `GET /menu` is a
//! conditional read: its strong ETag is the venue's menu version (`"menu-<version>"`),
//! and a matching `If-None-Match` is answered `304` from the version alone.

use actix_web::http::header::{
    self, CacheControl, CacheDirective, ETag, EntityTag, Header, IfNoneMatch,
};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use brigade_application::model::{Category, Menu, Product};
use brigade_application::usecases::menu::{CategoryPatch, NewCategory};
use brigade_domain::{Allergens, CategoryId, Money, ProductId, VenueId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::ok;
use crate::auth::Acting;
use crate::body::json_body;
use crate::{ApiError, AppState};

#[derive(Serialize, utoipa::ToSchema)]
pub struct CategoryDto {
    pub id: CategoryId,
    pub name: String,
    /// Display order, ascending (then by name).
    pub position: i32,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<Category> for CategoryDto {
    fn from(c: Category) -> Self {
        Self {
            id: c.id,
            name: c.name,
            position: c.position,
            active: c.active,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Burgers", "position": 1}))]
pub struct CreateCategory {
    name: String,
    /// After the venue's last category when absent.
    position: Option<i32>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategory {
    name: Option<String>,
    position: Option<i32>,
    /// An inactive category and its products leave the menu.
    active: Option<bool>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct CategoryPath {
    /// The category's id.
    category_id: Uuid,
}

/// A product as the menu shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MenuProduct {
    pub id: ProductId,
    pub name: String,
    pub sku: String,
    pub unit: String,
    pub price: Money,
    pub allergens: Allergens,
    pub attributes: Value,
}

impl From<Product> for MenuProduct {
    fn from(p: Product) -> Self {
        Self {
            id: p.id,
            name: p.name,
            sku: p.sku,
            unit: p.unit,
            price: p.price,
            allergens: p.allergens,
            attributes: p.attributes,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MenuCategory {
    pub id: CategoryId,
    pub name: String,
    pub position: i32,
    /// Its active products, by name.
    pub products: Vec<MenuProduct>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MenuDto {
    /// The venue's menu version; the ETag is `"menu-<version>"`.
    pub version: i64,
    /// Active categories in display order.
    pub categories: Vec<MenuCategory>,
    /// Active products no category holds, by name.
    pub uncategorized: Vec<MenuProduct>,
}

impl From<Menu> for MenuDto {
    fn from(menu: Menu) -> Self {
        Self {
            version: menu.version,
            categories: menu
                .categories
                .into_iter()
                .map(|(c, products)| MenuCategory {
                    id: c.id,
                    name: c.name,
                    position: c.position,
                    products: products.into_iter().map(MenuProduct::from).collect(),
                })
                .collect(),
            uncategorized: menu
                .uncategorized
                .into_iter()
                .map(MenuProduct::from)
                .collect(),
        }
    }
}

fn tag(version: i64) -> EntityTag {
    EntityTag::new_strong(format!("menu-{version}"))
}

/// `/api/v1/menu` is whichever venue the token and `X-Venue-Id` name: a client's cache
/// keys its ETag by both.
fn vary() -> (header::HeaderName, &'static str) {
    (header::VARY, "Authorization, X-Venue-Id")
}

/// A cacheable read: the client keeps it and asks again with `If-None-Match`.
fn revalidate() -> CacheControl {
    CacheControl(vec![CacheDirective::Private, CacheDirective::NoCache])
}

#[utoipa::path(
    tag = "menu",
    operation_id = "get_menu",
    summary = "The menu guests order from",
    params(("If-None-Match" = Option<String>, Header, description = "The ETag of the menu the client holds: `304` while it is current.")),
    responses(
        (status = 200, description = "Active categories in display order with their active products, then the uncategorized ones.", body = MenuDto,
            headers(("ETag" = String, description = "`\"menu-<version>\"`."), ("Cache-Control" = String, description = "`private, no-cache`."))),
        (status = 304, description = "The client's menu is current.",
            headers(("ETag" = String, description = "`\"menu-<version>\"`."))),
    )
)]
#[get("/menu")]
pub(crate) async fn read(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
) -> Result<HttpResponse, ApiError> {
    // One read of the version answers both questions: is the client's copy current
    // (304), and which cache key holds the menu (a key carrying the version the
    // database holds now is never stale). It also checks the caller may read the venue.
    let version = state.brigade.menu_version(&actor).await?;
    let current = tag(version);
    let held = match IfNoneMatch::parse(&req) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&current)),
        Err(_) => false,
    };
    if held {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(current))
            .insert_header(revalidate())
            .insert_header(vary())
            .finish());
    }
    if let Some(body) = state.cache.get("menu", &key(actor.venue_id, version)).await {
        return Ok(menu_response(version, body));
    }
    let (version, body) = build(&state, actor.venue_id).await?;
    Ok(menu_response(version, body))
}

/// The cache key: the JSON's format (bump it when `MenuDto` changes shape, so old and
/// new instances of a rolling deploy never serve each other's entries), the venue and
/// the version the database holds.
fn key(venue: VenueId, version: i64) -> String {
    format!("menu:v1:{venue}:{version}")
}

/// Builds a venue's menu from the database (the menu and its version from one
/// snapshot), caches its JSON, and returns both.
async fn build(state: &AppState, venue: VenueId) -> Result<(i64, Vec<u8>), ApiError> {
    let current = state.brigade.venue_menu(venue).await?;
    let version = current.version;
    let body = serde_json::to_vec(&MenuDto::from(current)).map_err(|e| {
        tracing::error!(error = %e, "serialising a menu failed");
        ApiError::new(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal error",
        )
    })?;
    state.cache.put("menu", &key(venue, version), &body).await;
    Ok((version, body))
}

/// Warms the cache with the menus of up to `limit` venues that took orders within
/// `within`; returns how many (`brigade serve` does it at start).
pub async fn warm(state: &AppState, within: time::Duration, limit: i64) -> Result<usize, ApiError> {
    if state.cache.backend() == "off" {
        return Ok(0);
    }
    let venues = state.brigade.active_venues(within, limit).await?;
    for venue in &venues {
        build(state, *venue).await?;
    }
    Ok(venues.len())
}

fn menu_response(version: i64, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(ETag(tag(version)))
        .insert_header(revalidate())
        .insert_header(vary())
        .body(body)
}

#[utoipa::path(
    tag = "menu",
    operation_id = "list_categories",
    summary = "The venue's categories",
    responses((status = 200, description = "In display order, inactive ones included.", body = Vec<CategoryDto>))
)]
#[get("/categories")]
pub(crate) async fn list(
    state: web::Data<AppState>,
    Acting(actor): Acting,
) -> Result<HttpResponse, ApiError> {
    let categories = state.brigade.list_categories(&actor).await?;
    Ok(ok(categories
        .into_iter()
        .map(CategoryDto::from)
        .collect::<Vec<_>>()))
}

#[utoipa::path(
    tag = "menu",
    operation_id = "create_category",
    summary = "Create a category",
    request_body = CreateCategory,
    responses(
        (status = 201, description = "The new category; the menu's version moves on.", body = CategoryDto),
        (status = 409, description = "`duplicate_category`: the venue has a category of that name."),
    )
)]
#[post("/categories")]
pub(crate) async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<CreateCategory>(&req, payload).await?.value;
    let category = state
        .brigade
        .create_category(
            &actor,
            NewCategory {
                name: body.name,
                position: body.position,
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(CategoryDto::from(category)))
}

#[utoipa::path(
    tag = "menu",
    operation_id = "update_category",
    summary = "Rename, reorder or (de)activate a category",
    params(CategoryPath),
    request_body = UpdateCategory,
    responses(
        (status = 200, description = "The category as changed; the menu's version moves on.", body = CategoryDto),
        (status = 409, description = "`duplicate_category`: the venue has a category of that name."),
    )
)]
#[patch("/categories/{category_id}")]
pub(crate) async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<CategoryPath>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = json_body::<UpdateCategory>(&req, payload).await?.value;
    let category = state
        .brigade
        .update_category(
            &actor,
            path.category_id.into(),
            CategoryPatch {
                name: body.name,
                position: body.position,
                active: body.active,
            },
        )
        .await?;
    Ok(ok(CategoryDto::from(category)))
}
