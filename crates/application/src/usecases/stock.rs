//! Lots (stock receipts), stock movements and the stock summary.

use brigade_domain::{LotId, Money, Permission, ProductId, Quantity};
use time::Date;
use uuid::Uuid;

use super::{Created, claim_key, optional_text, require_text};
use crate::model::{
    IdempotencyKey, Lot, MovementFilter, MovementKind, StockMovement, StockSummaryRow,
};
use crate::ports::Tx;
use crate::{Actor, AppError, Brigade, Page, Paged};

#[derive(Debug, Clone, PartialEq)]
pub struct NewLot {
    pub product_id: ProductId,
    pub lot_code: String,
    pub qty_init: Quantity,
    /// Defaults to the product's unit; when given it must be the product's unit.
    pub unit: Option<String>,
    pub cost_per_unit: Money,
    pub expiry_date: Option<Date>,
    pub storage_location: Option<String>,
}

impl Brigade {
    /// Receives a lot: the lot and its `IN` movement commit together.
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, product.id = %new.product_id))]
    pub async fn create_lot(
        &self,
        actor: &Actor,
        new: NewLot,
        key: Option<IdempotencyKey>,
    ) -> Result<Created<Lot>, AppError> {
        actor.require(Permission::ManageVenue)?;
        require_text("lot_code", &new.lot_code, 64)?;
        optional_text("storage_location", new.storage_location.as_deref(), 100)?;
        if !new.qty_init.is_positive() {
            return Err(AppError::validation("qty_init must be greater than zero"));
        }
        if new.cost_per_unit < Money::ZERO {
            return Err(AppError::validation("cost_per_unit must not be negative"));
        }
        let now = self.now();
        let result = self
            .write(async |tx| {
                let lot_id = LotId::new();
                if let Some(existing) = claim_key(tx, actor, key.as_ref(), lot_id.as_uuid()).await?
                {
                    let value = tx
                        .stock()
                        .get_lot(actor.venue_id, existing.into())
                        .await?
                        .ok_or(AppError::NotFound { entity: "lot" })?;
                    return Ok(Created {
                        value,
                        replayed: true,
                    });
                }
                let product = tx
                    .products()
                    .lock(actor.venue_id, new.product_id)
                    .await?
                    .ok_or(AppError::InvalidReference {
                        entity: "product",
                        id: new.product_id.as_uuid(),
                    })?;
                let unit = new.unit.clone().unwrap_or_else(|| product.unit.clone());
                if unit != product.unit {
                    return Err(AppError::validation(format!(
                        "unit {unit:?} differs from the product's unit {:?}",
                        product.unit
                    )));
                }
                let lot = Lot {
                    id: lot_id,
                    venue_id: actor.venue_id,
                    product_id: product.id,
                    lot_code: new.lot_code.trim().to_owned(),
                    qty_init: new.qty_init,
                    qty_current: new.qty_init,
                    unit,
                    cost_per_unit: new.cost_per_unit,
                    expiry_date: new.expiry_date,
                    storage_location: new.storage_location.clone(),
                    received_at: now,
                };
                tx.stock().insert_lot(&lot).await.map_err(|e| match e {
                    crate::StoreError::UniqueViolation(_) => AppError::conflict(
                        "duplicate_lot_code",
                        "this product already has a lot with this code",
                    ),
                    other => other.into(),
                })?;
                let receipt = StockMovement {
                    id: Uuid::now_v7(),
                    venue_id: actor.venue_id,
                    lot_id: lot.id,
                    product_id: lot.product_id,
                    kind: MovementKind::In,
                    quantity: lot.qty_init,
                    reference_type: Some("lot".to_owned()),
                    reference_id: Some(lot.id.as_uuid()),
                    created_by: Some(actor.user_id),
                    created_at: now,
                };
                tx.stock().insert_movements(&[receipt]).await?;
                Ok(Created {
                    value: lot,
                    replayed: false,
                })
            })
            .await;
        self.count_replay("lot", result)
    }

    pub async fn list_lots(
        &self,
        actor: &Actor,
        product: Option<ProductId>,
        page: Page,
    ) -> Result<Paged<Lot>, AppError> {
        actor.require(Permission::ViewVenue)?;
        let rows = self
            .read(async |tx| Ok(tx.stock().list_lots(actor.venue_id, product, page).await?))
            .await?;
        Ok(page.cut(rows))
    }

    pub async fn get_lot(&self, actor: &Actor, id: LotId) -> Result<Lot, AppError> {
        actor.require(Permission::ViewVenue)?;
        self.read(async |tx| {
            tx.stock()
                .get_lot(actor.venue_id, id)
                .await?
                .ok_or(AppError::NotFound { entity: "lot" })
        })
        .await
    }

    pub async fn stock_movements(
        &self,
        actor: &Actor,
        filter: MovementFilter,
        page: Page,
    ) -> Result<Paged<StockMovement>, AppError> {
        actor.require(Permission::ViewVenue)?;
        let rows = self
            .read(async |tx| Ok(tx.stock().movements(actor.venue_id, &filter, page).await?))
            .await?;
        Ok(page.cut(rows))
    }

    /// Per product: stock available in unexpired lots, stock stuck in expired lots, lot
    /// count and the next expiry date.
    pub async fn stock_summary(
        &self,
        actor: &Actor,
        page: Page,
    ) -> Result<Paged<StockSummaryRow>, AppError> {
        actor.require(Permission::ViewVenue)?;
        let now = self.now();
        let rows = self
            .read(async |tx| {
                let today = super::venues::venue_or_404(tx, actor.venue_id)
                    .await?
                    .business_date(now);
                Ok(tx.stock().summary(actor.venue_id, today, page).await?)
            })
            .await?;
        Ok(page.cut(rows))
    }
}
