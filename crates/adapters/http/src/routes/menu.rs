//! The menu guests order from (DESIGN §9). `GET /menu` is a
//! conditional read: its strong ETag is the venue's menu version (`"menu-<version>"`),
//! and a matching `If-None-Match` is answered `304` from the version alone.

use actix_web::http::header::{
    self, CacheControl, CacheDirective, ETag, EntityTag, Header, IfNoneMatch,
};
use std::collections::HashSet;

use actix_web::{HttpRequest, HttpResponse, get, web};
use brigade_application::Brigade;
use brigade_application::model::{Menu, ModifierGroup, Product};
use brigade_domain::{
    Allergens, CategoryId, ModifierGroupId, ModifierOptionId, Money, ProductId, VenueId,
};
use serde::Serialize;
use serde_json::Value;

use crate::auth::Acting;
use crate::{ApiError, AppState, ReadCache};

/// An option as the menu shows it (active ones only).
#[derive(Serialize, utoipa::ToSchema)]
pub struct MenuOption {
    pub id: ModifierOptionId,
    pub name: String,
    /// Added to the line's unit price.
    pub price_delta: Money,
    pub allergens: Allergens,
}

/// A modifier group as the menu shows it: order a line of a product that names it with
/// `options: [<option id>, ...]`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MenuGroup {
    pub id: ModifierGroupId,
    pub name: String,
    /// `min_choices >= 1`.
    pub required: bool,
    pub min_choices: i32,
    pub max_choices: i32,
    /// Its active options, in display order.
    pub options: Vec<MenuOption>,
}

impl From<&ModifierGroup> for MenuGroup {
    fn from(g: &ModifierGroup) -> Self {
        Self {
            id: g.id,
            name: g.name.clone(),
            required: g.min_choices >= 1,
            min_choices: g.min_choices,
            max_choices: g.max_choices,
            options: g
                .options
                .iter()
                .filter(|o| o.active)
                .map(|o| MenuOption {
                    id: o.id,
                    name: o.name.clone(),
                    price_delta: o.price_delta,
                    allergens: o.allergens,
                })
                .collect(),
        }
    }
}

/// A product as the menu shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MenuProduct {
    pub id: ProductId,
    pub name: String,
    pub sku: String,
    pub unit: String,
    pub price: Money,
    /// The product's own; an option's are on the option.
    pub allergens: Allergens,
    pub attributes: Value,
    /// The groups (in the menu's `modifier_groups`) its lines choose from, in display
    /// order; none: its lines take free-form `modifiers`.
    pub modifier_group_ids: Vec<ModifierGroupId>,
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
            modifier_group_ids: p.modifier_group_ids,
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
    /// The groups the products above offer, each once, by name (products name theirs
    /// by id: a group shared by twenty products is sent once).
    pub modifier_groups: Vec<MenuGroup>,
}

impl From<Menu> for MenuDto {
    fn from(menu: Menu) -> Self {
        let offered: HashSet<ModifierGroupId> = menu
            .categories
            .iter()
            .flat_map(|(_, products)| products)
            .chain(&menu.uncategorized)
            .flat_map(|p| p.modifier_group_ids.iter().copied())
            .collect();
        Self {
            version: menu.version,
            modifier_groups: menu
                .groups
                .iter()
                .filter(|g| offered.contains(&g.id))
                .map(MenuGroup::from)
                .collect(),
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
    let (version, body) = build(&state.brigade, &state.cache, actor.venue_id).await?;
    Ok(menu_response(version, body))
}

/// The cache key: the JSON's format (bump it when `MenuDto` changes shape, so old and
/// new instances of a rolling deploy never serve each other's entries), the venue and
/// the version the database holds.
fn key(venue: VenueId, version: i64) -> String {
    format!("menu:v2:{venue}:{version}")
}

/// Builds a venue's menu from the database (the menu and its version from one
/// snapshot), caches its JSON, and returns both.
async fn build(
    brigade: &Brigade,
    cache: &ReadCache,
    venue: VenueId,
) -> Result<(i64, Vec<u8>), ApiError> {
    let current = brigade.venue_menu(venue).await?;
    let version = current.version;
    let body = serde_json::to_vec(&MenuDto::from(current)).map_err(|e| {
        tracing::error!(error = %e, "serialising a menu failed");
        ApiError::new(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal error",
        )
    })?;
    cache.put("menu", &key(venue, version), &body).await;
    Ok((version, body))
}

/// Warms the cache with the menus of up to `limit` venues that took orders within
/// `within`; returns how many (`brigade serve` does it at start).
pub async fn warm(
    brigade: &Brigade,
    cache: &ReadCache,
    within: time::Duration,
    limit: i64,
) -> Result<usize, ApiError> {
    if cache.backend() == "off" {
        return Ok(0);
    }
    let venues = brigade.active_venues(within, limit).await?;
    for venue in &venues {
        build(brigade, cache, *venue).await?;
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
