//! Money in integer minor units (cents). Never a float.

use std::fmt;

use crate::{DecimalError, Quantity, decimal};

/// Decimal places of the venue currency. Brigade prices in two-decimal currencies (EUR,
/// USD, GBP ...); a zero- or three-decimal currency would make this a venue setting.
pub const MINOR_DIGITS: u32 = 2;

/// An amount in minor units of the venue's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_minor(minor: i64) -> Self {
        Self(minor)
    }

    pub const fn minor(self) -> i64 {
        self.0
    }

    /// Parses a major-unit decimal (`"15.00"`, `"8.5"`) exactly; more decimals than the
    /// currency has are refused, not rounded.
    pub fn parse_major(text: &str) -> Result<Self, DecimalError> {
        decimal::parse_scaled(text, MINOR_DIGITS).map(Self)
    }

    pub fn to_major_f64(self) -> f64 {
        decimal::to_f64(self.0, MINOR_DIGITS)
    }

    /// Price of `quantity` units at this unit price, rounded half away from zero to the
    /// minor unit (0.4 l at 5.25/l = 2.10).
    pub fn times(self, quantity: Quantity) -> Option<Money> {
        let product = i128::from(self.0) * i128::from(quantity.thousandths());
        let rounded = if product >= 0 {
            (product + 500) / 1000
        } else {
            (product - 500) / 1000
        };
        i64::try_from(rounded).ok().map(Money)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&decimal::format_scaled(self.0, MINOR_DIGITS))
    }
}

crate::decimal::decimal_serde!(
    Money,
    to_major_f64,
    Money::parse_major,
    "An amount in the venue's currency, at most 2 decimals (a decimal string is accepted too)."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_times_fractional_quantity_rounds_to_the_cent() {
        let per_litre = Money::parse_major("5.25").expect("valid");
        let glass = Quantity::parse("0.4").expect("valid");
        assert_eq!(per_litre.times(glass), Some(Money::from_minor(210)));
        let burger = Money::parse_major("15.00").expect("valid");
        assert_eq!(
            burger.times(Quantity::from_units(3)),
            Some(Money::from_minor(4500))
        );
    }

    #[test]
    fn money_displays_major_units() {
        assert_eq!(Money::from_minor(850).to_string(), "8.50");
        assert_eq!(Money::from_minor(850).to_major_f64(), 8.5);
    }
}
