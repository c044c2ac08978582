//! Venues and their settings (DESIGN §9): created by an operator (`brigade venue
//! create`), read by their members, configured by their admins.

use brigade_domain::venue::{Currency, DayStart, Timezone};
use brigade_domain::{Percent, Permission, Role, StockPolicy, VenueId};

use super::require_text;
use crate::model::{Membership, Venue};
use crate::ports::Tx;
use crate::{Actor, AppError, Brigade, Page, Paged};

/// A partial update of a venue's settings; `None` keeps the current value. Text fields
/// are validated here, so every caller gets the same errors.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VenuePatch {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub currency: Option<String>,
    pub stock_policy: Option<StockPolicy>,
    pub business_day_starts_at: Option<String>,
    pub allow_unpaid_close: Option<bool>,
    pub prices_include_tax: Option<bool>,
    pub service_charge: Option<Percent>,
    pub stuck_after_minutes: Option<u32>,
    pub target_ticket_minutes: Option<u32>,
}

impl VenuePatch {
    /// `venue` with this patch applied, or why not.
    pub fn apply(self, mut venue: Venue) -> Result<Venue, AppError> {
        if let Some(name) = self.name {
            require_text("name", name.trim(), 200)?;
            venue.name = name.trim().to_owned();
        }
        if let Some(zone) = self.timezone {
            venue.timezone = Timezone::parse(&zone).map_err(AppError::Validation)?;
        }
        if let Some(code) = self.currency {
            venue.currency = Currency::parse(&code).map_err(AppError::Validation)?;
        }
        if let Some(policy) = self.stock_policy {
            venue.stock_policy = policy;
        }
        if let Some(start) = self.business_day_starts_at {
            venue.business_day_starts_at = DayStart::parse(&start).map_err(AppError::Validation)?;
        }
        if let Some(allow) = self.allow_unpaid_close {
            venue.allow_unpaid_close = allow;
        }
        if let Some(inclusive) = self.prices_include_tax {
            venue.prices_include_tax = inclusive;
        }
        if let Some(service) = self.service_charge {
            venue.service_charge = service;
        }
        for (field, value, target) in [
            (
                "stuck_after_minutes",
                self.stuck_after_minutes,
                &mut venue.stuck_after_minutes,
            ),
            (
                "target_ticket_minutes",
                self.target_ticket_minutes,
                &mut venue.target_ticket_minutes,
            ),
        ] {
            if let Some(minutes) = value {
                if !(1..=1440).contains(&minutes) {
                    return Err(AppError::validation(format!(
                        "{field} must be between 1 and 1440"
                    )));
                }
                *target = minutes;
            }
        }
        Ok(venue)
    }
}

pub(crate) async fn venue_or_404(tx: &mut dyn Tx, venue: VenueId) -> Result<Venue, AppError> {
    tx.venues()
        .get(venue)
        .await?
        .ok_or(AppError::NotFound { entity: "venue" })
}

impl Brigade {
    /// Creates a venue with `settings` applied to the new-venue defaults (the operator's
    /// `brigade venue create`); returns it.
    pub async fn create_venue(&self, name: &str, settings: VenuePatch) -> Result<Venue, AppError> {
        let venue = VenuePatch {
            name: Some(name.to_owned()),
            ..settings
        }
        .apply(Venue::new(VenueId::new(), ""))?;
        self.write(async |tx| Ok(tx.venues().upsert(&venue).await?))
            .await?;
        Ok(venue)
    }

    /// Creates or replaces a venue with exactly these settings (the demo seed, tests).
    pub async fn upsert_venue(&self, venue: &Venue) -> Result<(), AppError> {
        require_text("name", &venue.name, 200)?;
        self.write(async |tx| Ok(tx.venues().upsert(venue).await?))
            .await
    }

    /// The actor's venue and its settings (any member).
    pub async fn venue(&self, actor: &Actor) -> Result<Venue, AppError> {
        actor.require(Permission::ViewVenue)?;
        self.read(async |tx| venue_or_404(tx, actor.venue_id).await)
            .await
    }

    /// Changes the actor's venue's settings (admins), in one transaction.
    pub async fn update_venue(&self, actor: &Actor, patch: VenuePatch) -> Result<Venue, AppError> {
        actor.require(Permission::ConfigureVenue)?;
        self.write(async |tx| {
            let venue = patch
                .clone()
                .apply(venue_or_404(tx, actor.venue_id).await?)?;
            tx.venues().upsert(&venue).await?;
            Ok(venue)
        })
        .await
    }

    /// The venues of `memberships`, with the role in each, by name.
    pub async fn venues_of(
        &self,
        memberships: &[Membership],
        page: Page,
    ) -> Result<Paged<(Venue, Role)>, AppError> {
        let ids: Vec<VenueId> = memberships.iter().map(|m| m.venue_id).collect();
        let venues = self
            .read(async |tx| Ok(tx.venues().get_many(&ids, page).await?))
            .await?;
        let venues = page.cut(venues);
        Ok(Paged {
            items: venues
                .items
                .into_iter()
                .filter_map(|v| {
                    let role = memberships.iter().find(|m| m.venue_id == v.id)?.role;
                    Some((v, role))
                })
                .collect(),
            next: venues.next,
        })
    }
}
