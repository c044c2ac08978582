#![doc = include_str!("../README.md")]

pub mod check;
mod decimal;
pub mod events;
pub mod fefo;
pub mod ids;
pub mod menu;
pub mod money;
pub mod order;
pub mod payment;
pub mod quantity;
pub mod role;
pub mod table;
pub mod venue;

pub use check::Percent;
pub use decimal::DecimalError;
pub use events::DomainEvent;
pub use ids::{
    CategoryId, DiscountId, LotId, ModifierGroupId, ModifierOptionId, OrderId, OrderItemId,
    PaymentId, ProductId, TableId, TaxClassId, UserId, VenueId,
};
pub use menu::{Allergen, Allergens};
pub use money::Money;
pub use order::{OrderStatus, TransitionError};
pub use payment::{PaymentMethod, PaymentState};
pub use quantity::Quantity;
pub use role::{Permission, Role};
pub use table::TableStatus;
pub use venue::StockPolicy;
