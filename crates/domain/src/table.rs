//! Table status: orders drive `occupied` and `cleaning`; staff set the rest by hand.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TableStatus {
    Available,
    Occupied,
    Reserved,
    Cleaning,
    OutOfService,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableRuleError {
    #[error("{0} is set by the order workflow, not by hand")]
    Automatic(TableStatus),
    #[error("the table has open orders; it cannot be made {0}")]
    HasOpenOrders(TableStatus),
    #[error("the table is out of service")]
    OutOfService,
}

impl TableStatus {
    pub const ALL: [TableStatus; 5] = [
        TableStatus::Available,
        TableStatus::Occupied,
        TableStatus::Reserved,
        TableStatus::Cleaning,
        TableStatus::OutOfService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TableStatus::Available => "available",
            TableStatus::Occupied => "occupied",
            TableStatus::Reserved => "reserved",
            TableStatus::Cleaning => "cleaning",
            TableStatus::OutOfService => "out_of_service",
        }
    }

    /// Staff set `available`, `reserved` and `out_of_service` by hand, and only on a
    /// table with no open order (a table being eaten at is not free).
    pub fn set_by_hand(to: TableStatus, open_orders: u64) -> Result<TableStatus, TableRuleError> {
        match to {
            TableStatus::Occupied | TableStatus::Cleaning => Err(TableRuleError::Automatic(to)),
            _ if open_orders > 0 => Err(TableRuleError::HasOpenOrders(to)),
            _ => Ok(to),
        }
    }

    /// The status a table takes when an order is opened on it.
    pub fn on_order_opened(self) -> Result<TableStatus, TableRuleError> {
        match self {
            TableStatus::OutOfService => Err(TableRuleError::OutOfService),
            _ => Ok(TableStatus::Occupied),
        }
    }

    /// The status a table takes when its last open order ends: `cleaning` after a meal
    /// was completed, back to `available` when it was cancelled (nobody ate).
    pub fn on_last_order_closed(self, completed: bool) -> TableStatus {
        match (self, completed) {
            (TableStatus::OutOfService, _) => self,
            (_, true) => TableStatus::Cleaning,
            (_, false) => TableStatus::Available,
        }
    }
}

impl fmt::Display for TableStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown table status {0:?}")]
pub struct UnknownTableStatus(pub String);

impl FromStr for TableStatus {
    type Err = UnknownTableStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TableStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownTableStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_cannot_free_a_table_that_is_still_eating() {
        assert_eq!(
            TableStatus::set_by_hand(TableStatus::Available, 1),
            Err(TableRuleError::HasOpenOrders(TableStatus::Available))
        );
        assert_eq!(
            TableStatus::set_by_hand(TableStatus::Available, 0),
            Ok(TableStatus::Available)
        );
        assert!(TableStatus::set_by_hand(TableStatus::Occupied, 0).is_err());
    }

    #[test]
    fn an_out_of_service_table_takes_no_orders() {
        assert_eq!(
            TableStatus::OutOfService.on_order_opened(),
            Err(TableRuleError::OutOfService)
        );
        assert_eq!(
            TableStatus::Cleaning.on_order_opened(),
            Ok(TableStatus::Occupied)
        );
    }
}
