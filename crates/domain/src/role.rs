//! Staff roles and what each may do outside the order state machine (which has its own
//! table in [`crate::order`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Waiter,
    Kitchen,
}

/// Actions guarded by role, named after what staff do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read tables, menu, stock, orders and the kitchen display.
    ViewVenue,
    /// Create and edit tables, products and lots; record stock movements.
    ManageVenue,
    /// Open orders, add items, delete drafts.
    TakeOrders,
    /// Set a table's status by hand (available, reserved, out of service).
    SetTableStatus,
    /// Change the venue's settings (name, time zone, currency, policies).
    ConfigureVenue,
    /// Add, re-role and remove the venue's staff.
    ManageStaff,
    /// Take payments on a check.
    TakePayments,
    /// Refund payments and give discounts (with a reason).
    ManageChecks,
    /// See what products and lots cost the venue (cost prices, margins).
    ViewCosts,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Waiter, Role::Kitchen];

    pub fn may(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Manager => !matches!(permission, ConfigureVenue | ManageStaff),
            Role::Waiter => matches!(
                permission,
                ViewVenue | TakeOrders | SetTableStatus | TakePayments
            ),
            Role::Kitchen => matches!(permission, ViewVenue),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Waiter => "waiter",
            Role::Kitchen => "kitchen",
        }
    }

    pub fn is_manager_or_admin(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (expected admin, manager, waiter or kitchen)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}
