//! Modifier groups and their options (DESIGN §9): "Cooking" with rare, medium and well
//! done; "Extras" with priced add-ons. A group is shared by the products it is attached
//! to; an order line for such a product chooses among its options
//! ([`brigade_domain::menu::choose`], in `orders`). Every write bumps the menu version.

use std::collections::HashSet;

use brigade_domain::{Allergens, ModifierGroupId, ModifierOptionId, Money, Permission};

use super::menu::bump;
use super::require_text;
use crate::model::{ModifierGroup, ModifierOption, Product};
use crate::ports::Tx;
use crate::{Actor, AppError, Brigade, Page, Paged, StoreError};

/// Most options a line may choose from one group.
pub const MAX_CHOICES: i32 = 50;
/// Most options one group holds.
pub const MAX_OPTIONS: usize = 100;
/// Most groups one product offers.
pub const MAX_GROUPS_PER_PRODUCT: usize = 20;
/// Largest price delta either way, in minor units (100 000.00 in a 2-decimal currency).
const MAX_DELTA_MINOR: i64 = 10_000_000;
const MAX_POSITION: i32 = 1_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct NewGroup {
    pub name: String,
    /// 1 when absent and `required`, else 0.
    pub min_choices: Option<i32>,
    /// The larger of 1 and `min_choices` when absent.
    pub max_choices: Option<i32>,
    /// Shorthand for `min_choices` of at least 1; must agree with it when both are sent.
    pub required: Option<bool>,
    pub options: Vec<NewOption>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewOption {
    pub name: String,
    pub price_delta: Money,
    pub allergens: Allergens,
    /// After the group's last option when absent.
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub min_choices: Option<i32>,
    pub max_choices: Option<i32>,
    pub required: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OptionPatch {
    pub name: Option<String>,
    pub price_delta: Option<Money>,
    pub allergens: Option<Allergens>,
    pub position: Option<i32>,
    pub active: Option<bool>,
}

/// `required` sets or clears the minimum unless `min_choices` says it.
fn apply_choices(
    group: &mut ModifierGroup,
    min: Option<i32>,
    max: Option<i32>,
    required: Option<bool>,
) -> Result<(), AppError> {
    match (min, required) {
        (Some(min), Some(required)) if (min >= 1) != required => {
            return Err(AppError::validation(
                "required and min_choices disagree (required means min_choices of at least 1)",
            ));
        }
        (Some(min), _) => group.min_choices = min,
        (None, Some(true)) => group.min_choices = group.min_choices.max(1),
        (None, Some(false)) => group.min_choices = 0,
        (None, None) => {}
    }
    if let Some(max) = max {
        group.max_choices = max;
    }
    Ok(())
}

fn validate_group(group: &ModifierGroup) -> Result<(), AppError> {
    require_text("name", &group.name, 100)?;
    let (min, max) = (group.min_choices, group.max_choices);
    if !(1..=MAX_CHOICES).contains(&max) {
        return Err(AppError::validation(format!(
            "max_choices must be between 1 and {MAX_CHOICES}"
        )));
    }
    if !(0..=max).contains(&min) {
        return Err(AppError::validation(
            "min_choices must be between 0 and max_choices",
        ));
    }
    let active = group.options.iter().filter(|o| o.active).count();
    if min as usize > active {
        return Err(AppError::validation(format!(
            "min_choices is {min} but the group offers {active} active options: no line could \
             be ordered"
        )));
    }
    if group.options.len() > MAX_OPTIONS {
        return Err(AppError::validation(format!(
            "a group holds at most {MAX_OPTIONS} options"
        )));
    }
    group.options.iter().try_for_each(validate_option)
}

fn validate_option(option: &ModifierOption) -> Result<(), AppError> {
    require_text("options[].name", &option.name, 100)?;
    if option.price_delta.minor().abs() > MAX_DELTA_MINOR {
        return Err(AppError::validation(format!(
            "price_delta must be within ±{}",
            Money::from_minor(MAX_DELTA_MINOR)
        )));
    }
    if !(0..=MAX_POSITION).contains(&option.position) {
        return Err(AppError::validation(format!(
            "position must be between 0 and {MAX_POSITION}"
        )));
    }
    Ok(())
}

fn duplicate_option(error: StoreError) -> AppError {
    match error {
        StoreError::UniqueViolation(_) => {
            AppError::conflict("duplicate_option", "the group has an option of that name")
        }
        other => other.into(),
    }
}

fn option_of(
    actor: &Actor,
    group: ModifierGroupId,
    new: NewOption,
    position: i32,
    now: time::OffsetDateTime,
) -> ModifierOption {
    ModifierOption {
        id: ModifierOptionId::new(),
        venue_id: actor.venue_id,
        group_id: group,
        name: new.name.trim().to_owned(),
        price_delta: new.price_delta,
        allergens: new.allergens,
        position: new.position.unwrap_or(position),
        active: true,
        created_at: now,
        updated_at: now,
    }
}

async fn group_or_404(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: ModifierGroupId,
) -> Result<ModifierGroup, AppError> {
    tx.modifiers()
        .get_group(actor.venue_id, id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "modifier group",
        })
}

/// Sets the groups `product` offers, in this order: each must be one of the venue's
/// (else 422 `invalid_reference`), none twice. The caller writes the product, then
/// `ModifierStore::set_product_groups`.
pub(crate) async fn assign_groups(
    tx: &mut dyn Tx,
    actor: &Actor,
    product: &mut Product,
    ids: Vec<ModifierGroupId>,
) -> Result<(), AppError> {
    if ids.len() > MAX_GROUPS_PER_PRODUCT {
        return Err(AppError::validation(format!(
            "a product offers at most {MAX_GROUPS_PER_PRODUCT} modifier groups"
        )));
    }
    let mut seen = HashSet::new();
    if let Some(twice) = ids.iter().find(|id| !seen.insert(**id)) {
        return Err(AppError::validation(format!(
            "modifier_group_ids names {twice} twice"
        )));
    }
    let found: HashSet<ModifierGroupId> = tx
        .modifiers()
        .groups(actor.venue_id, &ids)
        .await?
        .iter()
        .map(|g| g.id)
        .collect();
    if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
        return Err(AppError::InvalidReference {
            entity: "modifier group",
            id: missing.as_uuid(),
        });
    }
    product.modifier_group_ids = ids;
    Ok(())
}

impl Brigade {
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id))]
    pub async fn create_modifier_group(
        &self,
        actor: &Actor,
        new: NewGroup,
    ) -> Result<ModifierGroup, AppError> {
        actor.require(Permission::ManageVenue)?;
        let now = self.now();
        let id = ModifierGroupId::new();
        let mut group = ModifierGroup {
            id,
            venue_id: actor.venue_id,
            name: new.name.trim().to_owned(),
            min_choices: 0,
            max_choices: 1,
            options: (0..)
                .zip(new.options)
                .map(|(i, o)| option_of(actor, id, o, i, now))
                .collect(),
            created_at: now,
            updated_at: now,
        };
        apply_choices(&mut group, new.min_choices, None, new.required)?;
        group.max_choices = new.max_choices.unwrap_or(group.min_choices.max(1));
        validate_group(&group)?;
        self.write(async |tx| {
            tx.modifiers()
                .insert_group(&group)
                .await
                .map_err(duplicate_option)?;
            bump(tx, actor, now).await?;
            Ok(group.clone())
        })
        .await
    }

    pub async fn list_modifier_groups(
        &self,
        actor: &Actor,
        page: Page,
    ) -> Result<Paged<ModifierGroup>, AppError> {
        actor.require(Permission::ViewVenue)?;
        let rows = self
            .read(async |tx| Ok(tx.modifiers().list_groups(actor.venue_id, page).await?))
            .await?;
        Ok(page.cut(rows))
    }

    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, group.id = %id))]
    pub async fn update_modifier_group(
        &self,
        actor: &Actor,
        id: ModifierGroupId,
        patch: GroupPatch,
    ) -> Result<ModifierGroup, AppError> {
        actor.require(Permission::ManageVenue)?;
        let now = self.now();
        self.write(async |tx| {
            let mut group = group_or_404(tx, actor, id).await?;
            if let Some(name) = &patch.name {
                group.name = name.trim().to_owned();
            }
            apply_choices(
                &mut group,
                patch.min_choices,
                patch.max_choices,
                patch.required,
            )?;
            validate_group(&group)?;
            group.updated_at = now;
            tx.modifiers().update_group(&group).await?;
            bump(tx, actor, now).await?;
            Ok(group)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, group.id = %group_id))]
    pub async fn add_modifier_option(
        &self,
        actor: &Actor,
        group_id: ModifierGroupId,
        new: NewOption,
    ) -> Result<ModifierOption, AppError> {
        actor.require(Permission::ManageVenue)?;
        let now = self.now();
        self.write(async |tx| {
            let mut group = group_or_404(tx, actor, group_id).await?;
            let next = group
                .options
                .iter()
                .map(|o| o.position.saturating_add(1))
                .max()
                .unwrap_or(0)
                .min(MAX_POSITION);
            let option = option_of(actor, group_id, new.clone(), next, now);
            group.options.push(option.clone());
            validate_group(&group)?;
            tx.modifiers()
                .insert_option(&option)
                .await
                .map_err(duplicate_option)?;
            bump(tx, actor, now).await?;
            Ok(option)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, option.id = %option_id))]
    pub async fn update_modifier_option(
        &self,
        actor: &Actor,
        group_id: ModifierGroupId,
        option_id: ModifierOptionId,
        patch: OptionPatch,
    ) -> Result<ModifierOption, AppError> {
        actor.require(Permission::ManageVenue)?;
        let now = self.now();
        self.write(async |tx| {
            let mut group = group_or_404(tx, actor, group_id).await?;
            let option =
                group
                    .options
                    .iter_mut()
                    .find(|o| o.id == option_id)
                    .ok_or(AppError::NotFound {
                        entity: "modifier option",
                    })?;
            if let Some(name) = &patch.name {
                option.name = name.trim().to_owned();
            }
            if let Some(delta) = patch.price_delta {
                option.price_delta = delta;
            }
            if let Some(allergens) = patch.allergens {
                option.allergens = allergens;
            }
            if let Some(position) = patch.position {
                option.position = position;
            }
            if let Some(active) = patch.active {
                option.active = active;
            }
            option.updated_at = now;
            let option = option.clone();
            // The whole group: deactivating an option must leave a required group
            // enough to choose from.
            validate_group(&group)?;
            tx.modifiers()
                .update_option(&option)
                .await
                .map_err(duplicate_option)?;
            bump(tx, actor, now).await?;
            Ok(option)
        })
        .await
    }
}
