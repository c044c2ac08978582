//! Orders: open one (on a table or at the bar), add items, read, list, the kitchen
//! display, delete a draft.

use std::collections::HashMap;

use brigade_domain::menu::{Chosen, GroupRule, choose};
use brigade_domain::{
    DomainEvent, ModifierGroupId, ModifierOptionId, Money, OrderId, OrderItemId, OrderStatus,
    Permission, ProductId, Quantity, TableStatus,
};
use serde_json::Value;
use time::OffsetDateTime;

use super::checks::{check_with, rate_for, venue_of, with_check};
use super::{Created, claim_key, optional_note};
use crate::model::{IdempotencyKey, Order, OrderItem, Product};
use crate::ports::{Measurement, Tx};
use crate::{Actor, AppError, Brigade, Page, Paged};

/// The kitchen board's cap: the oldest 500 orders in the kitchen (a busy line has tens).
pub const KITCHEN_CAP: Page = Page {
    offset: 0,
    limit: 500,
};

/// Most items one request may add: a generous party order, not a denial of service.
pub const MAX_ITEMS_PER_REQUEST: usize = 200;
/// Lines one order may hold, across every request that added to it: a ticket a
/// kitchen can read, and a serve that locks a bounded number of lots.
pub const MAX_LINES_PER_ORDER: usize = 200;
/// The largest free-form `modifiers` object of a line, as JSON.
pub const MAX_MODIFIERS_BYTES: usize = 2048;
/// Most options one line may carry.
pub const MAX_OPTIONS_PER_LINE: usize = 100;
/// Most of one product on one line (units of the product).
pub const MAX_LINE_QUANTITY: Quantity = Quantity::from_units(10_000);

#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub product_id: ProductId,
    pub quantity: Quantity,
    pub notes: Option<String>,
    /// Free-form, for products without modifier groups (as the seeds send them).
    pub modifiers: Value,
    /// Chosen from the product's modifier groups, for products that have them.
    pub options: Vec<ModifierOptionId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    pub table_id: Option<brigade_domain::TableId>,
    pub covers: i32,
    pub notes: Option<String>,
    pub items: Vec<NewItem>,
}

/// The kitchen board and the journal position it reflects: subscribe `since` this seq
/// and nothing is missed.
#[derive(Debug, Clone, PartialEq)]
pub struct KitchenView {
    pub seq: i64,
    pub orders: Vec<Order>,
}

fn validate_items(items: &[NewItem]) -> Result<(), AppError> {
    if items.len() > MAX_ITEMS_PER_REQUEST {
        return Err(AppError::validation(format!(
            "at most {MAX_ITEMS_PER_REQUEST} items per request"
        )));
    }
    for (i, item) in items.iter().enumerate() {
        if !item.quantity.is_positive() {
            return Err(AppError::validation(format!(
                "items[{i}].quantity must be greater than zero"
            )));
        }
        if item.quantity > MAX_LINE_QUANTITY {
            return Err(AppError::validation(format!(
                "items[{i}].quantity must be at most {MAX_LINE_QUANTITY}"
            )));
        }
        optional_note(&format!("items[{i}].notes"), item.notes.as_deref(), 500)?;
        if !item.modifiers.is_object() {
            return Err(AppError::validation(format!(
                "items[{i}].modifiers must be an object"
            )));
        }
        if item.modifiers.to_string().len() > MAX_MODIFIERS_BYTES {
            return Err(AppError::validation(format!(
                "items[{i}].modifiers must be at most {MAX_MODIFIERS_BYTES} bytes as JSON"
            )));
        }
        if item.options.len() > MAX_OPTIONS_PER_LINE {
            return Err(AppError::validation(format!(
                "items[{i}].options: at most {MAX_OPTIONS_PER_LINE}"
            )));
        }
    }
    Ok(())
}

/// Prices the new lines from the venue's catalogue; unknown or inactive products are
/// refused by id. A product with modifier groups takes its line's options from them
/// (validated and priced into the line); one without keeps free-form modifiers.
async fn price_items(
    tx: &mut dyn Tx,
    actor: &Actor,
    order_id: OrderId,
    items: &[NewItem],
    now: OffsetDateTime,
) -> Result<Vec<OrderItem>, AppError> {
    let mut ids: Vec<ProductId> = items.iter().map(|i| i.product_id).collect();
    ids.sort();
    ids.dedup();
    let catalogue: HashMap<ProductId, Product> = tx
        .products()
        .get_many(actor.venue_id, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let classes = tx.checks().tax_classes(actor.venue_id, Page::ALL).await?;
    let mut group_ids: Vec<ModifierGroupId> = catalogue
        .values()
        .flat_map(|p| p.modifier_group_ids.iter().copied())
        .collect();
    group_ids.sort();
    group_ids.dedup();
    let rules: HashMap<ModifierGroupId, GroupRule> = if group_ids.is_empty() {
        HashMap::new()
    } else {
        tx.modifiers()
            .groups(actor.venue_id, &group_ids)
            .await?
            .iter()
            .map(|g| (g.id, g.rule()))
            .collect()
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let product = catalogue.get(&item.product_id).filter(|p| p.active).ok_or(
                AppError::InvalidReference {
                    entity: "product",
                    id: item.product_id.as_uuid(),
                },
            )?;
            let (options, unit_price) = price_options(i, item, product, &rules)?;
            Ok(OrderItem {
                id: OrderItemId::new(),
                order_id,
                product_id: product.id,
                product_name: product.name.clone(),
                quantity: item.quantity,
                unit_price,
                notes: item.notes.clone(),
                modifiers: item.modifiers.clone(),
                options,
                tax_rate: rate_for(&classes, product.tax_class_id),
                shortfall: Quantity::ZERO,
                allocations: Vec::new(),
                created_at: now,
            })
        })
        .collect()
}

/// Line `i`'s options against its product's groups, and its unit price with them.
fn price_options(
    i: usize,
    item: &NewItem,
    product: &Product,
    rules: &HashMap<ModifierGroupId, GroupRule>,
) -> Result<(Vec<Chosen>, Money), AppError> {
    let groups: Vec<GroupRule> = product
        .modifier_group_ids
        .iter()
        .filter_map(|id| rules.get(id).cloned())
        .collect();
    if groups.is_empty() && !item.options.is_empty() {
        return Err(AppError::validation(format!(
            "items[{i}].options: {} has no modifier groups (send free-form modifiers)",
            product.name
        )));
    }
    if !groups.is_empty() && item.modifiers.as_object().is_some_and(|m| !m.is_empty()) {
        return Err(AppError::validation(format!(
            "items[{i}].modifiers: {} takes options from its modifier groups (send options)",
            product.name
        )));
    }
    let chosen = choose(&groups, &item.options)
        .map_err(|e| AppError::validation(format!("items[{i}]: {e}")))?;
    let unit_price = chosen
        .iter()
        .try_fold(product.price, |price, c| price.checked_add(c.price_delta))
        .filter(|price| *price >= Money::ZERO)
        .ok_or_else(|| {
            AppError::validation(format!(
                "items[{i}]: the options take {}'s price below zero",
                product.name
            ))
        })?;
    Ok((chosen, unit_price))
}

fn total_of(items: &[OrderItem]) -> Result<Money, AppError> {
    items.iter().try_fold(Money::ZERO, |sum, item| {
        item.unit_price
            .times(item.quantity)
            .and_then(|line| sum.checked_add(line))
            .ok_or_else(|| AppError::validation("order total out of range"))
    })
}

/// The order with its check (every answer of one order carries it).
pub(crate) async fn order_or_404(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: OrderId,
) -> Result<Order, AppError> {
    let order = tx
        .orders()
        .get(actor.venue_id, id)
        .await?
        .ok_or(AppError::NotFound { entity: "order" })?;
    with_check(tx, order).await
}

impl Brigade {
    /// A waiter opens an order: the order, its items, the table turning `occupied` and
    /// the `new_order` event commit together. The order number is taken last.
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, order.id))]
    pub async fn create_order(
        &self,
        actor: &Actor,
        new: NewOrder,
        key: Option<IdempotencyKey>,
    ) -> Result<Created<Order>, AppError> {
        actor.require(Permission::TakeOrders)?;
        if !(1..=500).contains(&new.covers) {
            return Err(AppError::validation("covers must be between 1 and 500"));
        }
        optional_note("notes", new.notes.as_deref(), 1000)?;
        validate_items(&new.items)?;
        let now = self.now();
        let order_id = OrderId::new();
        tracing::Span::current().record("order.id", tracing::field::display(order_id));
        let result = self
            .write(async |tx| {
                if let Some(existing) =
                    claim_key(tx, actor, key.as_ref(), order_id.as_uuid()).await?
                {
                    let value = order_or_404(tx, actor, existing.into()).await?;
                    return Ok(Created {
                        value,
                        replayed: true,
                    });
                }
                let mut events = Vec::with_capacity(2);
                let table = match new.table_id {
                    None => None,
                    Some(table_id) => {
                        let table = tx.tables().lock(actor.venue_id, table_id).await?.ok_or(
                            AppError::InvalidReference {
                                entity: "table",
                                id: table_id.as_uuid(),
                            },
                        )?;
                        let status = table
                            .status
                            .on_order_opened()
                            .map_err(|e| AppError::conflict("table_unavailable", e.to_string()))?;
                        if status != table.status {
                            tx.tables()
                                .set_status(actor.venue_id, table.id, status, now)
                                .await?;
                            events.push(DomainEvent::TableStatusChanged {
                                table_id: table.id,
                                table_name: table.name.clone(),
                                from: table.status,
                                status: TableStatus::Occupied,
                            });
                        }
                        Some(table)
                    }
                };
                let items = price_items(tx, actor, order_id, &new.items, now).await?;
                let venue = venue_of(tx, actor).await?;
                let mut order = Order {
                    id: order_id,
                    venue_id: actor.venue_id,
                    order_number: 0,
                    table_id: table.as_ref().map(|t| t.id),
                    table_name: table.as_ref().map(|t| t.name.clone()),
                    status: OrderStatus::Draft,
                    covers: new.covers,
                    notes: new.notes.clone(),
                    created_by: actor.user_id,
                    total: total_of(&items)?,
                    items,
                    created_at: now,
                    updated_at: now,
                    confirmed_at: None,
                    kitchen_started_at: None,
                    ready_at: None,
                    served_at: None,
                    completed_at: None,
                    cancelled_at: None,
                    check_rules: venue.check_rules(),
                    check: None,
                };
                tx.orders().insert(&order).await?;
                // A new order has no payment or discount yet: its check is its lines'.
                order.check = Some(check_with(&order, Vec::new(), Vec::new()));
                // The venue's numbers last, in one statement: the counter row stays locked
                // until COMMIT.
                let (number, last_seq) = tx
                    .venues()
                    .take_numbers(actor.venue_id, 1, events.len() as i64 + 1)
                    .await?;
                order.order_number = number;
                tx.orders()
                    .set_number(actor.venue_id, order.id, number)
                    .await?;
                events.push(DomainEvent::NewOrder {
                    order_id: order.id,
                    order_number: order.order_number,
                    table_id: order.table_id,
                    table_name: order.table_name.clone(),
                    item_count: order.items.len(),
                    created_by: actor.user_id,
                });
                super::record(tx, actor.venue_id, last_seq, events, now).await?;
                Ok(Created {
                    value: order,
                    replayed: false,
                })
            })
            .await;
        let created = self.count_replay("order", result)?;
        if !created.replayed {
            self.measure(Measurement::OrderCreated);
        }
        Ok(created)
    }

    /// Adds a round of items to an order that has not been served yet.
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, order.id = %id))]
    pub async fn add_items(
        &self,
        actor: &Actor,
        id: OrderId,
        items: Vec<NewItem>,
        key: Option<IdempotencyKey>,
    ) -> Result<Created<Order>, AppError> {
        actor.require(Permission::TakeOrders)?;
        if items.is_empty() {
            return Err(AppError::validation("items must not be empty"));
        }
        validate_items(&items)?;
        let now = self.now();
        let result = self
            .write(async |tx| {
                // The key's resource is the order; a replay returns its current state.
                if claim_key(tx, actor, key.as_ref(), id.as_uuid())
                    .await?
                    .is_some()
                {
                    let value = order_or_404(tx, actor, id).await?;
                    return Ok(Created {
                        value,
                        replayed: true,
                    });
                }
                let order = tx
                    .orders()
                    .lock(actor.venue_id, id)
                    .await?
                    .ok_or(AppError::NotFound { entity: "order" })?;
                if !order.status.accepts_items() {
                    return Err(AppError::conflict(
                        "order_closed_for_items",
                        format!("a {} order takes no more items", order.status),
                    ));
                }
                if order.items.len() + items.len() > MAX_LINES_PER_ORDER {
                    return Err(AppError::validation(format!(
                        "an order holds at most {MAX_LINES_PER_ORDER} lines; it has {} \
                         (open another order for the rest)",
                        order.items.len()
                    )));
                }
                let added = price_items(tx, actor, id, &items, now).await?;
                tx.orders().insert_items(actor.venue_id, &added).await?;
                let mut all = order.items.clone();
                all.extend(added.iter().cloned());
                tx.orders()
                    .set_total(actor.venue_id, id, total_of(&all)?)
                    .await?;
                let event = DomainEvent::OrderItemsAdded {
                    order_id: id,
                    order_number: order.order_number,
                    item_count: added.len(),
                };
                let value = order_or_404(tx, actor, id).await?;
                super::journal(tx, actor.venue_id, vec![event], now).await?;
                Ok(Created {
                    value,
                    replayed: false,
                })
            })
            .await;
        self.count_replay("order_items", result)
    }

    pub async fn get_order(&self, actor: &Actor, id: OrderId) -> Result<Order, AppError> {
        actor.require(Permission::ViewVenue)?;
        self.read(async |tx| order_or_404(tx, actor, id).await)
            .await
    }

    /// Orders with one of `statuses` (all when empty), newest first.
    pub async fn list_orders(
        &self,
        actor: &Actor,
        statuses: &[OrderStatus],
        page: Page,
    ) -> Result<Paged<Order>, AppError> {
        actor.require(Permission::ViewVenue)?;
        let rows = self
            .read(async |tx| {
                Ok(tx
                    .orders()
                    .list(actor.venue_id, statuses, page, false)
                    .await?)
            })
            .await?;
        Ok(page.cut(rows))
    }

    /// What the kitchen must cook (confirmed, preparing, ready), read in one snapshot
    /// with the journal position it reflects.
    /// At most [`KITCHEN_CAP`] orders, the oldest: a board is whole (DESIGN §11).
    pub async fn kitchen_display(&self, actor: &Actor) -> Result<KitchenView, AppError> {
        actor.require(Permission::ViewVenue)?;
        self.read(async |tx| {
            let seq = tx.events().latest_seq(actor.venue_id).await?;
            let orders = tx
                .orders()
                .list(actor.venue_id, &OrderStatus::IN_KITCHEN, KITCHEN_CAP, true)
                .await?;
            // The store read one beyond the cap (to tell a next page): not on a board.
            let orders = KITCHEN_CAP.cut(orders).items;
            Ok(KitchenView { seq, orders })
        })
        .await
    }

    /// Deletes a draft (a mistaken order never sent to the kitchen). Its table is freed
    /// when it was the table's only open order.
    #[tracing::instrument(skip_all, fields(venue.id = %actor.venue_id, order.id = %id))]
    pub async fn delete_order(&self, actor: &Actor, id: OrderId) -> Result<(), AppError> {
        actor.require(Permission::TakeOrders)?;
        let now = self.now();
        self.write(async |tx| {
            let order = tx
                .orders()
                .lock(actor.venue_id, id)
                .await?
                .ok_or(AppError::NotFound { entity: "order" })?;
            if order.status != OrderStatus::Draft {
                return Err(AppError::conflict(
                    "order_not_draft",
                    format!("only drafts can be deleted; this order is {}", order.status),
                ));
            }
            if !tx.checks().payments(actor.venue_id, id).await?.is_empty() {
                return Err(AppError::conflict(
                    "order_has_payments",
                    "a draft with payments is kept: cancel it instead (refund captured payments first)",
                ));
            }
            let mut events = Vec::new();
            super::status::release_table(tx, actor, &order, false, now, &mut events).await?;
            tx.orders().delete(actor.venue_id, id).await?;
            events.push(DomainEvent::OrderDeleted {
                order_id: id,
                order_number: order.order_number,
            });
            super::journal(tx, actor.venue_id, events, now).await?;
            Ok(())
        })
        .await
    }
}
