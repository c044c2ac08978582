//! Typed identifiers. A `LotId` can never be passed where an `OrderId` is expected.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered (v7) identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

id_type!(
    /// A restaurant or bar: the unit of isolation for every row.
    VenueId
);
id_type!(UserId);
id_type!(TableId);
id_type!(ProductId);
id_type!(LotId);
id_type!(OrderId);
id_type!(OrderItemId);
id_type!(
    /// A menu section (starters, burgers, drinks).
    CategoryId
);
id_type!(
    /// A set of choices offered with products (cooking, sides, extras).
    ModifierGroupId
);
id_type!(ModifierOptionId);
id_type!(
    /// A rate of tax a venue's products are sold under (food, alcohol).
    TaxClassId
);
id_type!(PaymentId);
id_type!(DiscountId);
