//! The menu's rules (DESIGN §9): the allergens a venue declares, and which modifier
//! options an order line may carry and what they add to its price.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::{ModifierGroupId, ModifierOptionId, Money};

/// The fourteen allergens EU Regulation 1169/2011 (Annex II) requires a venue to
/// declare, in the Annex's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Allergen {
    Gluten,
    Crustaceans,
    Eggs,
    Fish,
    Peanuts,
    Soybeans,
    Milk,
    Nuts,
    Celery,
    Mustard,
    Sesame,
    Sulphites,
    Lupin,
    Molluscs,
}

impl Allergen {
    pub const ALL: [Allergen; 14] = [
        Allergen::Gluten,
        Allergen::Crustaceans,
        Allergen::Eggs,
        Allergen::Fish,
        Allergen::Peanuts,
        Allergen::Soybeans,
        Allergen::Milk,
        Allergen::Nuts,
        Allergen::Celery,
        Allergen::Mustard,
        Allergen::Sesame,
        Allergen::Sulphites,
        Allergen::Lupin,
        Allergen::Molluscs,
    ];

    fn bit(self) -> i32 {
        1 << (self as i32)
    }
}

/// A set of allergens: a bit per allergen in the store, a list in Annex II's order on
/// the wire (duplicates on input are harmless).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Allergens(i32);

impl Allergens {
    pub const NONE: Allergens = Allergens(0);

    /// From the stored bits; bits that name no allergen are dropped.
    pub fn from_bits(bits: i32) -> Self {
        Self(bits & ((1 << Allergen::ALL.len()) - 1))
    }

    pub fn bits(self) -> i32 {
        self.0
    }

    pub fn contains(self, allergen: Allergen) -> bool {
        self.0 & allergen.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Allergen> {
        Allergen::ALL.into_iter().filter(move |a| self.contains(*a))
    }
}

impl FromIterator<Allergen> for Allergens {
    fn from_iter<I: IntoIterator<Item = Allergen>>(items: I) -> Self {
        Allergens(items.into_iter().fold(0, |bits, a| bits | a.bit()))
    }
}

impl Serialize for Allergens {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Allergens {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Allergen>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Allergens {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(<Allergen as utoipa::PartialSchema>::schema())
            .unique_items(true)
            .description(Some("EU Annex II allergens, in the Annex's order."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Allergens {}

/// What an order line may choose from one modifier group of its product.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRule {
    pub id: ModifierGroupId,
    pub name: String,
    /// At least this many options (`required` is `min_choices >= 1`).
    pub min_choices: u32,
    pub max_choices: u32,
    pub options: Vec<OptionRule>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OptionRule {
    pub id: ModifierOptionId,
    pub name: String,
    pub price_delta: Money,
    /// An inactive option is on no menu and cannot be chosen.
    pub active: bool,
}

/// An option an order line carries: what it was called and cost when ordered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chosen {
    pub group_id: ModifierGroupId,
    pub group_name: String,
    pub option_id: ModifierOptionId,
    pub option_name: String,
    pub price_delta: Money,
}

/// Why a line's options were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    #[error("option {0} is not offered with this product")]
    NotOffered(ModifierOptionId),
    #[error("option {0} is chosen twice")]
    Repeated(ModifierOptionId),
    #[error("{group}: choose at least {min}")]
    TooFew { group: String, min: u32 },
    #[error("{group}: choose at most {max}")]
    TooMany { group: String, max: u32 },
}

/// Checks a line's chosen options against its product's groups, in the groups' order.
pub fn choose(
    groups: &[GroupRule],
    chosen: &[ModifierOptionId],
) -> Result<Vec<Chosen>, ChoiceError> {
    let mut seen = HashSet::new();
    for id in chosen {
        if !seen.insert(*id) {
            return Err(ChoiceError::Repeated(*id));
        }
        let offered = groups
            .iter()
            .flat_map(|g| &g.options)
            .any(|o| o.id == *id && o.active);
        if !offered {
            return Err(ChoiceError::NotOffered(*id));
        }
    }
    let mut lines = Vec::new();
    for group in groups {
        let picked: Vec<&OptionRule> = group
            .options
            .iter()
            .filter(|o| seen.contains(&o.id))
            .collect();
        let count = picked.len() as u32;
        if count < group.min_choices {
            return Err(ChoiceError::TooFew {
                group: group.name.clone(),
                min: group.min_choices,
            });
        }
        if count > group.max_choices {
            return Err(ChoiceError::TooMany {
                group: group.name.clone(),
                max: group.max_choices,
            });
        }
        lines.extend(picked.into_iter().map(|o| Chosen {
            group_id: group.id,
            group_name: group.name.clone(),
            option_id: o.id,
            option_name: o.name.clone(),
            price_delta: o.price_delta,
        }));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, min: u32, max: u32, options: &[(&str, i64, bool)]) -> GroupRule {
        GroupRule {
            id: ModifierGroupId::new(),
            name: name.to_owned(),
            min_choices: min,
            max_choices: max,
            options: options
                .iter()
                .map(|(n, delta, active)| OptionRule {
                    id: ModifierOptionId::new(),
                    name: (*n).to_owned(),
                    price_delta: Money::from_minor(*delta),
                    active: *active,
                })
                .collect(),
        }
    }

    #[test]
    fn allergens_round_trip_through_bits_in_annex_order() {
        let set: Allergens = [Allergen::Sesame, Allergen::Gluten, Allergen::Gluten]
            .into_iter()
            .collect();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![Allergen::Gluten, Allergen::Sesame]
        );
        assert_eq!(Allergens::from_bits(set.bits()), set);
        assert_eq!(Allergens::from_bits(-1).iter().count(), 14);
        assert_eq!(
            serde_json::to_string(&set).ok().as_deref(),
            Some(r#"["gluten","sesame"]"#)
        );
    }

    #[test]
    fn a_required_group_must_be_chosen_from() {
        let cooking = group(
            "Cooking",
            1,
            1,
            &[("rare", 0, true), ("well done", 0, true)],
        );
        assert_eq!(
            choose(std::slice::from_ref(&cooking), &[]),
            Err(ChoiceError::TooFew {
                group: "Cooking".to_owned(),
                min: 1
            })
        );
        let rare = cooking.options[0].id;
        let chosen = choose(&[cooking], &[rare]).expect("valid");
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].option_name, "rare");
    }

    #[test]
    fn too_many_unknown_inactive_or_repeated_options_are_refused() {
        let extras = group(
            "Extras",
            0,
            2,
            &[
                ("bacon", 150, true),
                ("cheese", 100, true),
                ("egg", 120, true),
                ("truffle", 500, false),
            ],
        );
        let ids: Vec<_> = extras.options.iter().map(|o| o.id).collect();
        let groups = [extras];
        assert!(matches!(
            choose(&groups, &ids[..3]),
            Err(ChoiceError::TooMany { max: 2, .. })
        ));
        assert_eq!(
            choose(&groups, &[ids[3]]),
            Err(ChoiceError::NotOffered(ids[3]))
        );
        let stranger = ModifierOptionId::new();
        assert_eq!(
            choose(&groups, &[stranger]),
            Err(ChoiceError::NotOffered(stranger))
        );
        assert_eq!(
            choose(&groups, &[ids[0], ids[0]]),
            Err(ChoiceError::Repeated(ids[0]))
        );
        let priced = choose(&groups, &[ids[1], ids[0]]).expect("valid");
        let total: i64 = priced.iter().map(|c| c.price_delta.minor()).sum();
        assert_eq!(total, 250);
        assert_eq!(priced[0].option_name, "bacon", "in the group's order");
    }
}
