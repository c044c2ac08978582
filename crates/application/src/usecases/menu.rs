//! The menu: categories, and the menu guests order from (DESIGN §9). Every write that
//! changes what the menu shows bumps the venue's menu version in its transaction
//! ([`bump`]); caches and ETags are keyed by that version.

use brigade_domain::{CategoryId, Permission, VenueId};

use super::{optional_text, require_text};
use crate::model::{Category, Menu, ModifierGroup, Product};
use crate::ports::Tx;
use crate::{Actor, AppError, Brigade, Page, Paged, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct NewCategory {
    pub name: String,
    /// After the venue's last category when absent.
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategoryPatch {
    pub name: Option<String>,
    pub position: Option<i32>,
    pub active: Option<bool>,
}

const MAX_POSITION: i32 = 1_000_000;

fn validate(category: &Category) -> Result<(), AppError> {
    require_text("name", &category.name, 100)?;
    if !(0..=MAX_POSITION).contains(&category.position) {
        return Err(AppError::validation(format!(
            "position must be between 0 and {MAX_POSITION}"
        )));
    }
    Ok(())
}

fn duplicate_name(error: StoreError) -> AppError {
    match error {
        StoreError::UniqueViolation(_) => AppError::conflict(
            "duplicate_category",
            "the venue has a category of that name",
        ),
        other => other.into(),
    }
}

/// The menu changed: its version moves on, in the writing transaction.
pub(crate) async fn bump(
    tx: &mut dyn Tx,
    actor: &Actor,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    tx.menu().bump_version(actor.venue_id, now).await?;
    Ok(())
}

/// A product's category from what a client sent: an id must name one of the venue's
/// categories; a name finds the category of that name or creates it (the seeds send
/// free-text categories). The caller bumps the menu version.
async fn resolve_category(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: Option<CategoryId>,
    name: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<Option<Category>, AppError> {
    if let Some(id) = id {
        return tx
            .menu()
            .get_category(actor.venue_id, id)
            .await?
            .map(Some)
            .ok_or(AppError::InvalidReference {
                entity: "category",
                id: id.as_uuid(),
            });
    }
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if let Some(existing) = tx.menu().category_named(actor.venue_id, name).await? {
        return Ok(Some(existing));
    }
    let category = new_category(tx, actor, name, None, now).await?;
    tx.menu()
        .insert_category(&category)
        .await
        .map_err(duplicate_name)?;
    Ok(Some(category))
}

/// Puts `product` in the category a client named (see [`resolve_category`]).
pub(crate) async fn assign_category(
    tx: &mut dyn Tx,
    actor: &Actor,
    product: &mut Product,
    id: Option<CategoryId>,
    name: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    optional_text("category", name, 100)?;
    let category = resolve_category(tx, actor, id, name, now).await?;
    product.category_id = category.as_ref().map(|c| c.id);
    product.category = category.map(|c| c.name);
    Ok(())
}

async fn new_category(
    tx: &mut dyn Tx,
    actor: &Actor,
    name: &str,
    position: Option<i32>,
    now: time::OffsetDateTime,
) -> Result<Category, AppError> {
    let position = match position {
        Some(p) => p,
        None => tx
            .menu()
            .list_categories(actor.venue_id, Page::ALL)
            .await?
            .iter()
            .map(|c| c.position.saturating_add(1))
            .max()
            .unwrap_or(0)
            .min(MAX_POSITION),
    };
    let category = Category {
        id: CategoryId::new(),
        venue_id: actor.venue_id,
        name: name.trim().to_owned(),
        position,
        active: true,
        created_at: now,
        updated_at: now,
    };
    validate(&category)?;
    Ok(category)
}

impl Brigade {
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id))]
    pub async fn create_category(
        &self,
        actor: &Actor,
        new: NewCategory,
    ) -> Result<Category, AppError> {
        actor.require(Permission::ManageVenue)?;
        require_text("name", &new.name, 100)?;
        let now = self.now();
        self.write(async |tx| {
            let category = new_category(tx, actor, &new.name, new.position, now).await?;
            tx.menu()
                .insert_category(&category)
                .await
                .map_err(duplicate_name)?;
            bump(tx, actor, now).await?;
            Ok(category)
        })
        .await
    }

    pub async fn list_categories(
        &self,
        actor: &Actor,
        page: Page,
    ) -> Result<Paged<Category>, AppError> {
        actor.require(Permission::ViewVenue)?;
        let rows = self
            .read(async |tx| Ok(tx.menu().list_categories(actor.venue_id, page).await?))
            .await?;
        Ok(page.cut(rows))
    }

    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, category.id = %id))]
    pub async fn update_category(
        &self,
        actor: &Actor,
        id: CategoryId,
        patch: CategoryPatch,
    ) -> Result<Category, AppError> {
        actor.require(Permission::ManageVenue)?;
        let now = self.now();
        self.write(async |tx| {
            let mut category = tx
                .menu()
                .get_category(actor.venue_id, id)
                .await?
                .ok_or(AppError::NotFound { entity: "category" })?;
            if let Some(name) = patch.name {
                category.name = name.trim().to_owned();
            }
            if let Some(position) = patch.position {
                category.position = position;
            }
            if let Some(active) = patch.active {
                category.active = active;
            }
            validate(&category)?;
            category.updated_at = now;
            tx.menu()
                .update_category(&category)
                .await
                .map_err(duplicate_name)?;
            bump(tx, actor, now).await?;
            Ok(category)
        })
        .await
    }

    /// The venue's menu version alone: enough to answer a conditional read (304).
    pub async fn menu_version(&self, actor: &Actor) -> Result<i64, AppError> {
        actor.require(Permission::ViewVenue)?;
        self.statement(async |tx| Ok(tx.menu().version(actor.venue_id).await?))
            .await
    }

    /// The menu as guests see it, read in one snapshot with its version.
    pub async fn menu(&self, actor: &Actor) -> Result<Menu, AppError> {
        actor.require(Permission::ViewVenue)?;
        self.venue_menu(actor.venue_id).await
    }

    /// A venue's menu for the system itself (cache warming), no caller to check.
    pub async fn venue_menu(&self, venue: VenueId) -> Result<Menu, AppError> {
        self.read(async |tx| {
            let version = tx.menu().version(venue).await?;
            let categories = tx.menu().list_categories(venue, Page::ALL).await?;
            let products = tx.products().list(venue, Page::ALL).await?;
            let groups = tx.modifiers().list_groups(venue, Page::ALL).await?;
            Ok(arrange(version, categories, products, groups))
        })
        .await
    }

    /// Up to `limit` venues that took orders in the last `within`, most recent first.
    pub async fn active_venues(
        &self,
        within: time::Duration,
        limit: i64,
    ) -> Result<Vec<VenueId>, AppError> {
        let since = self.now() - within;
        self.read(async |tx| Ok(tx.menu().active_venues(since, limit).await?))
            .await
    }
}

/// Active categories in display order, each with its active products (by name, as the
/// store lists them), then the active products without a category.
fn arrange(
    version: i64,
    categories: Vec<Category>,
    products: Vec<Product>,
    groups: Vec<ModifierGroup>,
) -> Menu {
    let mut sections: Vec<(Category, Vec<Product>)> = categories
        .into_iter()
        .filter(|c| c.active)
        .map(|c| (c, Vec::new()))
        .collect();
    let mut uncategorized = Vec::new();
    for product in products.into_iter().filter(|p| p.active) {
        match product.category_id {
            None => uncategorized.push(product),
            Some(id) => {
                if let Some((_, items)) = sections.iter_mut().find(|(c, _)| c.id == id) {
                    items.push(product);
                }
            }
        }
    }
    Menu {
        version,
        categories: sections,
        uncategorized,
        groups,
    }
}
