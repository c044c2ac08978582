//! Products: the menu and the stock-keeping catalogue.

use brigade_domain::{
    Allergens, CategoryId, ModifierGroupId, Money, Permission, ProductId, TaxClassId,
};
use serde_json::Value;

use super::checks::check_tax_class;
use super::menu::{assign_category, bump};
use super::modifiers::assign_groups;
use super::{Created, claim_key, require_text};
use crate::model::{IdempotencyKey, Product};
use crate::ports::Tx;
use crate::{Actor, AppError, Brigade, Page, Paged, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct NewProduct {
    pub name: String,
    /// Generated (`SKU-` and ten characters of the product's id) when absent, as the
    /// seeds' clients send none.
    pub sku: Option<String>,
    pub unit: String,
    /// Zero when absent (the seeds' clients send none).
    pub cost: Option<Money>,
    pub price: Money,
    /// One of the venue's categories...
    pub category_id: Option<CategoryId>,
    /// ...or a category by name, created when the venue has none of that name.
    pub category: Option<String>,
    pub allergens: Allergens,
    /// One of the venue's tax classes; none: the venue's default class.
    pub tax_class_id: Option<TaxClassId>,
    /// The modifier groups it offers, in display order.
    pub modifier_group_ids: Vec<ModifierGroupId>,
    pub attributes: Value,
    pub stock_tracked: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub unit: Option<String>,
    pub cost: Option<Money>,
    pub price: Option<Money>,
    pub category_id: Option<CategoryId>,
    /// By name, as in [`NewProduct`]; an empty name leaves the product uncategorized.
    pub category: Option<String>,
    pub allergens: Option<Allergens>,
    /// Another of the venue's tax classes (lines already ordered keep their rate).
    pub tax_class_id: Option<TaxClassId>,
    /// Replaces the groups it offers (an empty list: none).
    pub modifier_group_ids: Option<Vec<ModifierGroupId>>,
    pub attributes: Option<Value>,
    pub stock_tracked: Option<bool>,
    pub active: Option<bool>,
}

fn validate(p: &Product) -> Result<(), AppError> {
    require_text("name", &p.name, 200)?;
    require_text("sku", &p.sku, 64)?;
    require_text("unit", &p.unit, 16)?;
    if p.cost < Money::ZERO || p.price < Money::ZERO {
        return Err(AppError::validation("cost and price must not be negative"));
    }
    if !p.attributes.is_object() {
        return Err(AppError::validation("attributes must be an object"));
    }
    Ok(())
}

fn duplicate_sku(error: StoreError) -> AppError {
    match error {
        StoreError::UniqueViolation(_) => {
            AppError::conflict("duplicate_sku", "a product with this sku already exists")
        }
        other => other.into(),
    }
}

impl Brigade {
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id))]
    pub async fn create_product(
        &self,
        actor: &Actor,
        new: NewProduct,
        key: Option<IdempotencyKey>,
    ) -> Result<Created<Product>, AppError> {
        actor.require(Permission::ManageVenue)?;
        let now = self.now();
        let id = ProductId::new();
        let sku = match new.sku.as_deref().map(str::trim) {
            Some(sku) => sku.to_owned(),
            // The id's random tail: unique among the venue's products in practice, and
            // the unique index says so if not.
            None => {
                let hex = id.as_uuid().simple().to_string().to_uppercase();
                format!("SKU-{}", &hex[hex.len() - 10..])
            }
        };
        let product = Product {
            id,
            venue_id: actor.venue_id,
            name: new.name.trim().to_owned(),
            sku,
            unit: new.unit.trim().to_owned(),
            cost: new.cost.unwrap_or(Money::ZERO),
            price: new.price,
            category_id: None,
            category: None,
            allergens: new.allergens,
            tax_class_id: new.tax_class_id,
            modifier_group_ids: Vec::new(),
            attributes: new.attributes,
            stock_tracked: new.stock_tracked,
            active: true,
            created_at: now,
            updated_at: now,
        };
        validate(&product)?;
        let result = self
            .write(async |tx| {
                if let Some(existing) =
                    claim_key(tx, actor, key.as_ref(), product.id.as_uuid()).await?
                {
                    let value = tx
                        .products()
                        .get(actor.venue_id, existing.into())
                        .await?
                        .ok_or(AppError::NotFound { entity: "product" })?;
                    return Ok(Created {
                        value,
                        replayed: true,
                    });
                }
                let mut product = product.clone();
                let (id, name) = (new.category_id, new.category.as_deref());
                assign_category(tx, actor, &mut product, id, name, now).await?;
                assign_groups(tx, actor, &mut product, new.modifier_group_ids.clone()).await?;
                if let Some(class) = product.tax_class_id {
                    check_tax_class(tx, actor, class).await?;
                }
                tx.products()
                    .insert(&product)
                    .await
                    .map_err(duplicate_sku)?;
                if !product.modifier_group_ids.is_empty() {
                    tx.modifiers()
                        .set_product_groups(actor.venue_id, product.id, &product.modifier_group_ids)
                        .await?;
                }
                bump(tx, actor, now).await?;
                Ok(Created {
                    value: product,
                    replayed: false,
                })
            })
            .await;
        self.count_replay("product", result)
    }

    pub async fn list_products(
        &self,
        actor: &Actor,
        page: Page,
    ) -> Result<Paged<Product>, AppError> {
        actor.require(Permission::ViewVenue)?;
        let rows = self
            .read(async |tx| Ok(tx.products().list(actor.venue_id, page).await?))
            .await?;
        Ok(page.cut(rows))
    }

    pub async fn get_product(&self, actor: &Actor, id: ProductId) -> Result<Product, AppError> {
        actor.require(Permission::ViewVenue)?;
        self.read(async |tx| {
            tx.products()
                .get(actor.venue_id, id)
                .await?
                .ok_or(AppError::NotFound { entity: "product" })
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, product.id = %id))]
    pub async fn update_product(
        &self,
        actor: &Actor,
        id: ProductId,
        patch: ProductPatch,
    ) -> Result<Product, AppError> {
        actor.require(Permission::ManageVenue)?;
        let now = self.now();
        self.write(async |tx| {
            let mut p = tx
                .products()
                .lock(actor.venue_id, id)
                .await?
                .ok_or(AppError::NotFound { entity: "product" })?;
            if let Some(v) = patch.name {
                p.name = v.trim().to_owned();
            }
            if let Some(v) = patch.unit {
                let unit = v.trim().to_owned();
                // Lots are counted in the product's unit: changing it would silently
                // reinterpret every lot on hand.
                if unit != p.unit
                    && !tx
                        .stock()
                        .list_lots(actor.venue_id, Some(id), Page::first(1))
                        .await?
                        .is_empty()
                {
                    return Err(AppError::conflict(
                        "unit_in_use",
                        "the product has lots in its current unit; create a new product instead",
                    ));
                }
                p.unit = unit;
            }
            if let Some(v) = patch.cost {
                p.cost = v;
            }
            if let Some(v) = patch.price {
                p.price = v;
            }
            if patch.category_id.is_some() || patch.category.is_some() {
                let (id, name) = (patch.category_id, patch.category.as_deref());
                assign_category(tx, actor, &mut p, id, name, now).await?;
            }
            if let Some(v) = patch.allergens {
                p.allergens = v;
            }
            if let Some(class) = patch.tax_class_id {
                check_tax_class(tx, actor, class).await?;
                p.tax_class_id = Some(class);
            }
            let regroup = patch.modifier_group_ids.is_some();
            if let Some(ids) = patch.modifier_group_ids {
                assign_groups(tx, actor, &mut p, ids).await?;
            }
            if let Some(v) = patch.attributes {
                p.attributes = v;
            }
            if let Some(v) = patch.stock_tracked {
                p.stock_tracked = v;
            }
            if let Some(v) = patch.active {
                p.active = v;
            }
            validate(&p)?;
            p.updated_at = now;
            tx.products().update(&p).await?;
            if regroup {
                tx.modifiers()
                    .set_product_groups(actor.venue_id, p.id, &p.modifier_group_ids)
                    .await?;
            }
            bump(tx, actor, now).await?;
            Ok(p)
        })
        .await
    }
}
