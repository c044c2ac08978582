//! The check (DESIGN §9): a venue's tax classes, and an order's check computed from its
//! lines, the venue's rules and its payments ([`brigade_domain::check::compute`]).
//! Every answer that carries one order carries its check ([`with_check`]).

use brigade_domain::check::{self, CheckLine};
use brigade_domain::{Money, PaymentState, Percent, Permission, TaxClassId};

use super::require_text;
use crate::model::{Order, OrderCheck, OrderDiscount, Payment, TaxClass, Venue};
use crate::ports::Tx;
use crate::{Actor, AppError, Brigade, Page, Paged, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct NewTaxClass {
    pub name: String,
    pub rate: Percent,
    pub is_default: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaxClassPatch {
    pub name: Option<String>,
    pub rate: Option<Percent>,
    /// `true` makes it the default (the previous default stops being it).
    pub is_default: Option<bool>,
}

fn duplicate_name(error: StoreError) -> AppError {
    match error {
        StoreError::UniqueViolation(_) => AppError::conflict(
            "duplicate_tax_class",
            "the venue has a tax class of that name",
        ),
        other => other.into(),
    }
}

/// The venue, read for its rules.
pub(crate) async fn venue_of(tx: &mut dyn Tx, actor: &Actor) -> Result<Venue, AppError> {
    super::venues::venue_or_404(tx, actor.venue_id).await
}

/// The check of `order` with its `payments` and `discounts`, under the rules it opened
/// with.
pub(crate) fn check_with(
    order: &Order,
    payments: Vec<Payment>,
    discounts: Vec<OrderDiscount>,
) -> OrderCheck {
    let on_line = |id| {
        discounts
            .iter()
            .find(|d| d.item_id == Some(id))
            .map(|d| d.discount)
    };
    let lines: Vec<CheckLine> = order
        .items
        .iter()
        .map(|item| CheckLine {
            amount: item.unit_price.times(item.quantity).unwrap_or(Money::ZERO),
            tax_rate: item.tax_rate,
            discount: on_line(item.id),
        })
        .collect();
    let on_check = discounts
        .iter()
        .find(|d| d.item_id.is_none())
        .map(|d| d.discount);
    let check = check::compute(&lines, on_check, order.check_rules);
    let captured = payments
        .iter()
        .filter(|p| p.state == PaymentState::Captured);
    let (paid, tips) = captured.fold((0i64, 0i64), |(paid, tips), p| {
        (paid + p.amount.minor(), tips + p.tip.minor())
    });
    OrderCheck {
        due: Money::from_minor((check.total.minor() - paid).max(0)),
        paid: Money::from_minor(paid),
        tips: Money::from_minor(tips),
        check,
        prices_include_tax: order.check_rules.prices_include_tax,
        payments,
        discounts,
    }
}

/// The check of `order` as this transaction sees it.
pub(crate) async fn check_of(tx: &mut dyn Tx, order: &Order) -> Result<OrderCheck, AppError> {
    let payments = tx.checks().payments(order.venue_id, order.id).await?;
    let discounts = tx.checks().discounts(order.venue_id, order.id).await?;
    Ok(check_with(order, payments, discounts))
}

/// `order` with its check, for an answer that carries one order.
pub(crate) async fn with_check(tx: &mut dyn Tx, mut order: Order) -> Result<Order, AppError> {
    order.check = Some(check_of(tx, &order).await?);
    Ok(order)
}

/// The rate a new line of a product of `class` is sold at: its class's, else the
/// venue's default class's, else none.
pub(crate) fn rate_for(classes: &[TaxClass], class: Option<TaxClassId>) -> Percent {
    class
        .and_then(|id| classes.iter().find(|c| c.id == id))
        .or_else(|| classes.iter().find(|c| c.is_default))
        .map_or(Percent::ZERO, |c| c.rate)
}

/// A product's tax class from what a client sent: one of the venue's.
pub(crate) async fn check_tax_class(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: TaxClassId,
) -> Result<(), AppError> {
    let classes = tx.checks().tax_classes(actor.venue_id, Page::ALL).await?;
    if classes.iter().any(|c| c.id == id) {
        Ok(())
    } else {
        Err(AppError::InvalidReference {
            entity: "tax class",
            id: id.as_uuid(),
        })
    }
}

impl Brigade {
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id))]
    pub async fn create_tax_class(
        &self,
        actor: &Actor,
        new: NewTaxClass,
    ) -> Result<TaxClass, AppError> {
        actor.require(Permission::ConfigureVenue)?;
        let name = new.name.trim().to_owned();
        require_text("name", &name, 100)?;
        let now = self.now();
        let class = TaxClass {
            id: TaxClassId::new(),
            venue_id: actor.venue_id,
            name,
            rate: new.rate,
            is_default: new.is_default,
            created_at: now,
            updated_at: now,
        };
        self.write(async |tx| {
            if class.is_default {
                tx.checks().clear_default_tax_class(actor.venue_id).await?;
            }
            tx.checks()
                .insert_tax_class(&class)
                .await
                .map_err(duplicate_name)?;
            Ok(class.clone())
        })
        .await
    }

    pub async fn list_tax_classes(
        &self,
        actor: &Actor,
        page: Page,
    ) -> Result<Paged<TaxClass>, AppError> {
        actor.require(Permission::ViewVenue)?;
        let rows = self
            .read(async |tx| Ok(tx.checks().tax_classes(actor.venue_id, page).await?))
            .await?;
        Ok(page.cut(rows))
    }

    /// Changes a class: lines already ordered keep the rate they were sold at.
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, tax_class.id = %id))]
    pub async fn update_tax_class(
        &self,
        actor: &Actor,
        id: TaxClassId,
        patch: TaxClassPatch,
    ) -> Result<TaxClass, AppError> {
        actor.require(Permission::ConfigureVenue)?;
        let now = self.now();
        self.write(async |tx| {
            let mut class = tx
                .checks()
                .tax_classes(actor.venue_id, Page::ALL)
                .await?
                .into_iter()
                .find(|c| c.id == id)
                .ok_or(AppError::NotFound {
                    entity: "tax class",
                })?;
            if let Some(name) = &patch.name {
                class.name = name.trim().to_owned();
                require_text("name", &class.name, 100)?;
            }
            if let Some(rate) = patch.rate {
                class.rate = rate;
            }
            if let Some(is_default) = patch.is_default {
                if is_default && !class.is_default {
                    tx.checks().clear_default_tax_class(actor.venue_id).await?;
                }
                class.is_default = is_default;
            }
            class.updated_at = now;
            tx.checks()
                .update_tax_class(&class)
                .await
                .map_err(duplicate_name)?;
            Ok(class)
        })
        .await
    }
}

/// An order's receipt: the order with its check, and the venue it was served in.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub venue: Venue,
    pub order: Order,
}

impl Brigade {
    /// What a guest is handed: non-fiscal (Brigade is no fiscal printer).
    pub async fn receipt(
        &self,
        actor: &Actor,
        id: brigade_domain::OrderId,
    ) -> Result<Receipt, AppError> {
        actor.require(Permission::ViewVenue)?;
        self.read(async |tx| {
            let order = super::orders::order_or_404(tx, actor, id).await?;
            let venue = venue_of(tx, actor).await?;
            Ok(Receipt { venue, order })
        })
        .await
    }
}
