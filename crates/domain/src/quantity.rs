//! Fixed-point quantities (stock, order items): thousandths of the product's unit.

use std::fmt;
use std::ops::{Add, Sub};

use crate::{DecimalError, decimal};

/// Decimal places a quantity keeps: 0.001 kg = 1 g, 0.001 l = 1 ml.
pub const QUANTITY_DIGITS: u32 = 3;

/// An amount of a product in thousandths of its unit (`pz`, `kg`, `l` ...). May be
/// negative only as a stock-movement delta; constructors at the edges refuse that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(i64);

impl Quantity {
    pub const ZERO: Quantity = Quantity(0);

    pub const fn from_thousandths(thousandths: i64) -> Self {
        Self(thousandths)
    }

    pub const fn from_units(units: i64) -> Self {
        Self(units * 1000)
    }

    pub const fn thousandths(self) -> i64 {
        self.0
    }

    /// Parses `"3"`, `"0.4"`, `"1.25"`; more than three decimals are refused.
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        decimal::parse_scaled(text, QUANTITY_DIGITS).map(Self)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn to_f64(self) -> f64 {
        decimal::to_f64(self.0, QUANTITY_DIGITS)
    }

    pub fn min(self, other: Quantity) -> Quantity {
        Quantity(self.0.min(other.0))
    }
}

impl std::ops::Neg for Quantity {
    type Output = Quantity;
    fn neg(self) -> Quantity {
        Quantity(-self.0)
    }
}

impl Add for Quantity {
    type Output = Quantity;
    fn add(self, rhs: Quantity) -> Quantity {
        Quantity(self.0.saturating_add(rhs.0))
    }
}

impl Sub for Quantity {
    type Output = Quantity;
    fn sub(self, rhs: Quantity) -> Quantity {
        Quantity(self.0.saturating_sub(rhs.0))
    }
}

impl std::iter::Sum for Quantity {
    fn sum<I: Iterator<Item = Quantity>>(iter: I) -> Quantity {
        iter.fold(Quantity::ZERO, Add::add)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = decimal::format_scaled(self.0, QUANTITY_DIGITS);
        // "3.000" reads better as "3", "0.400" as "0.4".
        let text = text.trim_end_matches('0').trim_end_matches('.');
        f.write_str(text)
    }
}

crate::decimal::decimal_serde!(
    Quantity,
    to_f64,
    Quantity::parse,
    "A quantity, at most 3 decimals (a decimal string is accepted too)."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brewpub_can_sell_four_decilitres() {
        assert_eq!(Quantity::parse("0.4"), Ok(Quantity::from_thousandths(400)));
        assert_eq!(Quantity::from_thousandths(400).to_string(), "0.4");
        assert_eq!(Quantity::from_units(3).to_string(), "3");
    }

    #[test]
    fn grams_of_a_gram_are_refused() {
        assert_eq!(Quantity::parse("0.0005"), Err(DecimalError::TooPrecise(3)));
    }
}
