//! Venue-level policies.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What serving does when stock is short (DESIGN §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockPolicy {
    /// Refuse to serve: `409 insufficient_stock`, nothing changes.
    Strict,
    /// Allocate what exists, record the shortfall, raise a `stock_shortage` event.
    #[default]
    Partial,
}

impl StockPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            StockPolicy::Strict => "strict",
            StockPolicy::Partial => "partial",
        }
    }
}

impl fmt::Display for StockPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StockPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "strict" => Ok(StockPolicy::Strict),
            "partial" => Ok(StockPolicy::Partial),
            other => Err(format!("unknown stock policy {other:?}")),
        }
    }
}
