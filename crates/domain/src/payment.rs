//! Payments on a check (DESIGN §9): how a guest paid, and where the payment stands.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PaymentMethod {
    /// Tendered in cash; the change is given back.
    Cash,
    /// By card, on a terminal or through a processor.
    Card,
    /// Anything else the venue accepts (voucher, bank transfer).
    Other,
}

/// Where a payment stands. Only `captured` counts towards what was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PaymentState {
    /// Asked of a processor that has not answered yet.
    Pending,
    Captured,
    /// Refused (declined card); it counts for nothing.
    Failed,
    /// Captured, then given back in full.
    Refunded,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 3] = [
        PaymentMethod::Cash,
        PaymentMethod::Card,
        PaymentMethod::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentMethod> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

impl PaymentState {
    pub const ALL: [PaymentState; 4] = [
        PaymentState::Pending,
        PaymentState::Captured,
        PaymentState::Failed,
        PaymentState::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Pending => "pending",
            PaymentState::Captured => "captured",
            PaymentState::Failed => "failed",
            PaymentState::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for PaymentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
