//! The order state machine and who may drive it (DESIGN §4).
//!
//! ```text
//! draft -> confirmed -> preparing -> ready -> served -> completed
//!              \_________________________^
//! cancelled from any state before served
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Draft,
    Confirmed,
    Preparing,
    Ready,
    Served,
    Completed,
    Cancelled,
}

/// Which timestamp a transition stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    ConfirmedAt,
    KitchenStartedAt,
    ReadyAt,
    ServedAt,
    CompletedAt,
    CancelledAt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("an order cannot go from {from} to {to}")]
    Invalid { from: OrderStatus, to: OrderStatus },
    #[error("a {role} may not move an order from {from} to {to}")]
    Forbidden {
        role: Role,
        from: OrderStatus,
        to: OrderStatus,
    },
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Draft,
        OrderStatus::Confirmed,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::Served,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];

    /// Open statuses (`is_open`): the table is occupied, the check may still change.
    pub const OPEN: [OrderStatus; 5] = [
        OrderStatus::Draft,
        OrderStatus::Confirmed,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::Served,
    ];

    /// Statuses the kitchen display shows.
    pub const IN_KITCHEN: [OrderStatus; 3] = [
        OrderStatus::Confirmed,
        OrderStatus::Preparing,
        OrderStatus::Ready,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Draft => "draft",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Preparing => "preparing",
            OrderStatus::Ready => "ready",
            OrderStatus::Served => "served",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Open orders keep their table occupied; served-but-unpaid is still open.
    pub fn is_open(self) -> bool {
        !matches!(self, OrderStatus::Completed | OrderStatus::Cancelled)
    }

    /// Serving took the order's stock: its lines have lot allocations (an order is never
    /// cancelled once served).
    pub fn stock_taken(self) -> bool {
        matches!(self, OrderStatus::Served | OrderStatus::Completed)
    }

    /// Items may be added until the order is served.
    pub fn accepts_items(self) -> bool {
        matches!(
            self,
            OrderStatus::Draft
                | OrderStatus::Confirmed
                | OrderStatus::Preparing
                | OrderStatus::Ready
        )
    }

    fn is_edge(self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, to),
            (Draft, Confirmed)
                | (Confirmed, Preparing)
                | (Confirmed, Ready)
                | (Preparing, Ready)
                | (Ready, Served)
                | (Served, Completed)
                | (Draft | Confirmed | Preparing | Ready, Cancelled)
        )
    }

    fn role_may(self, to: OrderStatus, role: Role) -> bool {
        use OrderStatus::*;
        if role.is_manager_or_admin() {
            return true;
        }
        match (to, role) {
            (Confirmed | Served | Completed, Role::Waiter) => true,
            (Preparing | Ready, Role::Kitchen) => true,
            (Cancelled, Role::Waiter) => matches!(self, Draft | Confirmed),
            _ => false,
        }
    }

    /// Checks `self -> to` for `role`: first whether the edge exists (409), then whether
    /// this role may take it (403). Returns the timestamp the transition stamps.
    pub fn transition(self, to: OrderStatus, role: Role) -> Result<Stamp, TransitionError> {
        if !self.is_edge(to) {
            return Err(TransitionError::Invalid { from: self, to });
        }
        if !self.role_may(to, role) {
            return Err(TransitionError::Forbidden {
                role,
                from: self,
                to,
            });
        }
        Ok(match to {
            OrderStatus::Confirmed => Stamp::ConfirmedAt,
            OrderStatus::Preparing => Stamp::KitchenStartedAt,
            OrderStatus::Ready => Stamp::ReadyAt,
            OrderStatus::Served => Stamp::ServedAt,
            OrderStatus::Completed => Stamp::CompletedAt,
            OrderStatus::Cancelled => Stamp::CancelledAt,
            // No edge leads back to draft; is_edge refused it above.
            OrderStatus::Draft => return Err(TransitionError::Invalid { from: self, to }),
        })
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown order status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for OrderStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::*;
    use super::*;

    #[test]
    fn the_happy_path_is_allowed_to_the_roles_of_the_design_table() {
        assert!(Draft.transition(Confirmed, Role::Waiter).is_ok());
        assert!(Confirmed.transition(Preparing, Role::Kitchen).is_ok());
        assert!(Preparing.transition(Ready, Role::Kitchen).is_ok());
        assert!(Confirmed.transition(Ready, Role::Kitchen).is_ok());
        assert!(Ready.transition(Served, Role::Waiter).is_ok());
        assert!(Served.transition(Completed, Role::Waiter).is_ok());
    }

    #[test]
    fn kitchen_cannot_confirm_serve_or_cancel() {
        for (from, to) in [
            (Draft, Confirmed),
            (Ready, Served),
            (Served, Completed),
            (Draft, Cancelled),
        ] {
            assert!(matches!(
                from.transition(to, Role::Kitchen),
                Err(TransitionError::Forbidden { .. })
            ));
        }
    }

    #[test]
    fn waiter_cannot_cook_nor_cancel_once_the_kitchen_started() {
        assert!(matches!(
            Confirmed.transition(Preparing, Role::Waiter),
            Err(TransitionError::Forbidden { .. })
        ));
        assert!(Confirmed.transition(Cancelled, Role::Waiter).is_ok());
        for from in [Preparing, Ready] {
            assert!(matches!(
                from.transition(Cancelled, Role::Waiter),
                Err(TransitionError::Forbidden { .. })
            ));
            assert!(from.transition(Cancelled, Role::Manager).is_ok());
        }
    }

    #[test]
    fn every_edge_outside_the_graph_is_invalid_for_everyone() {
        let edges = [
            (Draft, Confirmed),
            (Confirmed, Preparing),
            (Confirmed, Ready),
            (Preparing, Ready),
            (Ready, Served),
            (Served, Completed),
            (Draft, Cancelled),
            (Confirmed, Cancelled),
            (Preparing, Cancelled),
            (Ready, Cancelled),
        ];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let result = from.transition(to, Role::Admin);
                assert_eq!(
                    result.is_ok(),
                    edges.contains(&(from, to)),
                    "{from} -> {to} for admin"
                );
            }
        }
    }
}
