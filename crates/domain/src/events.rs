//! Domain events: what the kitchen display and other subscribers hear (DESIGN §6).
//! They are journaled with a per-venue sequence in the same transaction as the change.

use serde::Serialize;

use crate::{OrderId, OrderStatus, ProductId, Quantity, TableId, TableStatus, UserId};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum DomainEvent {
    NewOrder {
        order_id: OrderId,
        order_number: i64,
        table_id: Option<TableId>,
        table_name: Option<String>,
        item_count: usize,
        created_by: UserId,
    },
    OrderItemsAdded {
        order_id: OrderId,
        order_number: i64,
        item_count: usize,
    },
    OrderStatusChanged {
        order_id: OrderId,
        order_number: i64,
        from: OrderStatus,
        status: OrderStatus,
    },
    OrderDeleted {
        order_id: OrderId,
        order_number: i64,
    },
    TableStatusChanged {
        table_id: TableId,
        table_name: String,
        from: TableStatus,
        status: TableStatus,
    },
    StockShortage {
        order_id: OrderId,
        order_number: i64,
        product_id: ProductId,
        product_name: String,
        requested: Quantity,
        allocated: Quantity,
        shortfall: Quantity,
    },
    /// Something in the kitchen needs a person: `code` says what (`order_stuck`),
    /// `order_id` which order when it is about one.
    KitchenAlert {
        code: String,
        message: String,
        severity: String,
        order_id: Option<OrderId>,
    },
}

impl DomainEvent {
    /// The envelope's `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            DomainEvent::NewOrder { .. } => "new_order",
            DomainEvent::OrderItemsAdded { .. } => "order_items_added",
            DomainEvent::OrderStatusChanged { .. } => "order_status_changed",
            DomainEvent::OrderDeleted { .. } => "order_deleted",
            DomainEvent::TableStatusChanged { .. } => "table_status_changed",
            DomainEvent::StockShortage { .. } => "stock_shortage",
            DomainEvent::KitchenAlert { .. } => "kitchen_alert",
        }
    }
}
