//! Tables: the floor plan and its live status.

use brigade_domain::{DomainEvent, Permission, TableId, TableStatus};
use serde_json::Value;

use super::{Created, claim_key, optional_text, require_text};
use crate::model::{IdempotencyKey, Table};
use crate::ports::Tx;
use crate::{Actor, AppError, Brigade, Page, Paged};

#[derive(Debug, Clone, PartialEq)]
pub struct NewTable {
    pub name: String,
    pub seats: i32,
    pub area: Option<String>,
    pub position: Value,
}

/// A partial update; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TablePatch {
    pub name: Option<String>,
    pub seats: Option<i32>,
    pub area: Option<String>,
    pub position: Option<Value>,
}

fn validate(name: &str, seats: i32, area: Option<&str>, position: &Value) -> Result<(), AppError> {
    require_text("name", name, 100)?;
    optional_text("area", area, 100)?;
    if !(1..=100).contains(&seats) {
        return Err(AppError::validation("seats must be between 1 and 100"));
    }
    if !position.is_object() {
        return Err(AppError::validation("position_json must be an object"));
    }
    Ok(())
}

fn duplicate_name(error: crate::StoreError) -> AppError {
    match error {
        crate::StoreError::UniqueViolation(_) => {
            AppError::conflict("duplicate_name", "a table with this name already exists")
        }
        other => other.into(),
    }
}

async fn lock_table(tx: &mut dyn Tx, actor: &Actor, id: TableId) -> Result<Table, AppError> {
    tx.tables()
        .lock(actor.venue_id, id)
        .await?
        .ok_or(AppError::NotFound { entity: "table" })
}

pub(crate) async fn table_or_404(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: TableId,
) -> Result<Table, AppError> {
    tx.tables()
        .get(actor.venue_id, id)
        .await?
        .ok_or(AppError::NotFound { entity: "table" })
}

impl Brigade {
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id))]
    pub async fn create_table(
        &self,
        actor: &Actor,
        new: NewTable,
        key: Option<IdempotencyKey>,
    ) -> Result<Created<Table>, AppError> {
        actor.require(Permission::ManageVenue)?;
        validate(&new.name, new.seats, new.area.as_deref(), &new.position)?;
        let now = self.now();
        let table = Table {
            id: TableId::new(),
            venue_id: actor.venue_id,
            name: new.name.trim().to_owned(),
            seats: new.seats,
            area: new.area,
            position: new.position,
            status: TableStatus::Available,
            created_at: now,
            updated_at: now,
        };
        let result = self
            .write(async |tx| {
                if let Some(existing) =
                    claim_key(tx, actor, key.as_ref(), table.id.as_uuid()).await?
                {
                    let value = table_or_404(tx, actor, existing.into()).await?;
                    return Ok(Created {
                        value,
                        replayed: true,
                    });
                }
                tx.tables().insert(&table).await.map_err(duplicate_name)?;
                Ok(Created {
                    value: table.clone(),
                    replayed: false,
                })
            })
            .await;
        self.count_replay("table", result)
    }

    pub async fn list_tables(&self, actor: &Actor, page: Page) -> Result<Paged<Table>, AppError> {
        actor.require(Permission::ViewVenue)?;
        let rows = self
            .read(async |tx| Ok(tx.tables().list(actor.venue_id, page).await?))
            .await?;
        Ok(page.cut(rows))
    }

    pub async fn get_table(&self, actor: &Actor, id: TableId) -> Result<Table, AppError> {
        actor.require(Permission::ViewVenue)?;
        self.read(async |tx| table_or_404(tx, actor, id).await)
            .await
    }

    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, table.id = %id))]
    pub async fn update_table(
        &self,
        actor: &Actor,
        id: TableId,
        patch: TablePatch,
    ) -> Result<Table, AppError> {
        actor.require(Permission::ManageVenue)?;
        let now = self.now();
        self.write(async |tx| {
            let mut table = lock_table(tx, actor, id).await?;
            if let Some(name) = patch.name {
                table.name = name.trim().to_owned();
            }
            if let Some(seats) = patch.seats {
                table.seats = seats;
            }
            if patch.area.is_some() {
                table.area = patch.area;
            }
            if let Some(position) = patch.position {
                table.position = position;
            }
            validate(
                &table.name,
                table.seats,
                table.area.as_deref(),
                &table.position,
            )?;
            table.updated_at = now;
            tx.tables().update(&table).await.map_err(duplicate_name)?;
            Ok(table)
        })
        .await
    }

    /// Moves several tables at once (the floor-plan editor's save): all or nothing.
    pub async fn update_layout(
        &self,
        actor: &Actor,
        mut positions: Vec<(TableId, Value)>,
    ) -> Result<Vec<Table>, AppError> {
        // Lock in id order so two overlapping layout saves cannot deadlock.
        positions.sort_by_key(|(id, _)| *id);
        actor.require(Permission::ManageVenue)?;
        if positions.is_empty() || positions.len() > 500 {
            return Err(AppError::validation(
                "layout must move between 1 and 500 tables",
            ));
        }
        let now = self.now();
        self.write(async |tx| {
            let mut updated = Vec::with_capacity(positions.len());
            for (id, position) in &positions {
                if !position.is_object() {
                    return Err(AppError::validation("position_json must be an object"));
                }
                let mut table = tx.tables().lock(actor.venue_id, *id).await?.ok_or(
                    AppError::InvalidReference {
                        entity: "table",
                        id: id.as_uuid(),
                    },
                )?;
                table.position = position.clone();
                table.updated_at = now;
                tx.tables().update(&table).await?;
                updated.push(table);
            }
            Ok(updated)
        })
        .await
    }

    /// Staff set `available`, `reserved` or `out_of_service` by hand.
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, table.id = %id))]
    pub async fn set_table_status(
        &self,
        actor: &Actor,
        id: TableId,
        to: TableStatus,
    ) -> Result<Table, AppError> {
        actor.require(Permission::SetTableStatus)?;
        let now = self.now();
        self.write(async |tx| {
            let mut table = lock_table(tx, actor, id).await?;
            let open = tx
                .orders()
                .count_open_on_table(actor.venue_id, id, None)
                .await?;
            let to = TableStatus::set_by_hand(to, open).map_err(|e| match e {
                brigade_domain::table::TableRuleError::HasOpenOrders(_) => {
                    AppError::conflict("table_has_open_orders", e.to_string())
                }
                _ => AppError::validation(e.to_string()),
            })?;
            if table.status != to {
                tx.tables().set_status(actor.venue_id, id, to, now).await?;
                let event = DomainEvent::TableStatusChanged {
                    table_id: id,
                    table_name: table.name.clone(),
                    from: table.status,
                    status: to,
                };
                super::journal(tx, actor.venue_id, vec![event], now).await?;
                table.status = to;
                table.updated_at = now;
            }
            Ok(table)
        })
        .await
    }

    pub async fn delete_table(&self, actor: &Actor, id: TableId) -> Result<(), AppError> {
        actor.require(Permission::ManageVenue)?;
        self.write(async |tx| {
            lock_table(tx, actor, id).await?;
            if tx
                .orders()
                .count_open_on_table(actor.venue_id, id, None)
                .await?
                > 0
            {
                return Err(AppError::conflict(
                    "table_has_open_orders",
                    "the table has open orders",
                ));
            }
            tx.tables()
                .delete(actor.venue_id, id)
                .await
                .map_err(|e| match e {
                    // Closed orders still point at it: history keeps the table.
                    crate::StoreError::ForeignKeyViolation(_) => AppError::conflict(
                        "table_in_use",
                        "orders reference this table; set it out_of_service instead",
                    ),
                    other => other.into(),
                })?;
            Ok(())
        })
        .await
    }
}
