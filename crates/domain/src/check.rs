//! The check (DESIGN §9): what an order costs, in integer minor units. Discounts come
//! off the lines first (a check discount is spread over them in proportion), tax is
//! computed per line on what is left and rounded half-up to the minor unit, and every
//! total is a sum of rounded amounts, so the parts always add up to the total exactly.

use std::collections::BTreeMap;
use std::fmt;

use crate::{DecimalError, Money, decimal};

/// A percentage in thousandths of a percent (8.875 % is 8875), from 0 to 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Percent(u32);

impl Percent {
    pub const ZERO: Percent = Percent(0);
    pub const HUNDRED: Percent = Percent(SCALE as u32);

    /// `None` above 100 %.
    pub const fn from_thousandths(thousandths: u32) -> Option<Percent> {
        if thousandths as i64 <= SCALE {
            Some(Percent(thousandths))
        } else {
            None
        }
    }

    pub const fn thousandths(self) -> u32 {
        self.0
    }

    /// Parses `"8.875"` (percent, at most three decimals) exactly.
    pub fn parse(text: &str) -> Result<Percent, DecimalError> {
        let value = decimal::parse_scaled(text, 3)?;
        u32::try_from(value)
            .ok()
            .and_then(Percent::from_thousandths)
            .ok_or(DecimalError::OutOfRange)
    }

    pub fn to_f64(self) -> f64 {
        decimal::to_f64(i64::from(self.0), 3)
    }

    /// `amount` × this percentage, rounded half-up to the minor unit.
    pub fn of(self, amount: Money) -> Money {
        Money::from_minor(div_half_up(
            i128::from(amount.minor()) * i128::from(self.0),
            i128::from(SCALE),
        ))
    }
}

/// 100 % in thousandths of a percent.
const SCALE: i64 = 100_000;

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} %", decimal::format_scaled(i64::from(self.0), 3))
    }
}

crate::decimal::decimal_serde!(
    Percent,
    to_f64,
    Percent::parse,
    "A percentage from 0 to 100, at most 3 decimals (a decimal string is accepted too)."
);

/// `numerator / denominator` rounded half-up, for a non-negative numerator and a
/// positive denominator (amounts on a check are never negative).
fn div_half_up(numerator: i128, denominator: i128) -> i64 {
    let rounded = (2 * numerator + denominator) / (2 * denominator);
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// A discount: a percentage of what it applies to, or an amount off it (never more
/// than all of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    Percent(Percent),
    Amount(Money),
}

impl Discount {
    /// What this discount takes off `amount`: at most `amount`, never negative.
    pub fn off(self, amount: Money) -> Money {
        let off = match self {
            Discount::Percent(p) => p.of(amount),
            Discount::Amount(a) => a,
        };
        Money::from_minor(off.minor().clamp(0, amount.minor().max(0)))
    }
}

/// A line as the check sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckLine {
    /// Unit price × quantity, rounded to the minor unit (never negative).
    pub amount: Money,
    pub tax_rate: Percent,
    pub discount: Option<Discount>,
}

/// The venue's rules for its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckRules {
    /// Prices include tax (the tax is the part of each line's price the rate accounts
    /// for) or tax is added on top.
    pub prices_include_tax: bool,
    /// Added on the discounted lines (0: none); it carries no tax.
    pub service_charge: Percent,
}

/// One line of the check, after discounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineFigures {
    /// Its own discount plus its share of the check discount.
    pub discount: Money,
    /// What the line costs after discounts: tax included or not, as its prices.
    pub net: Money,
    pub tax: Money,
}

/// Tax at one rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxFigures {
    pub rate: Percent,
    /// The lines' net amounts at this rate.
    pub net: Money,
    pub tax: Money,
}

/// The check: `total = subtotal - discounts + service_charge`, plus `tax` when prices
/// exclude it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The lines as priced.
    pub subtotal: Money,
    /// Line discounts and the check discount.
    pub discounts: Money,
    /// The check discount alone (spread over the lines in `lines[].discount`).
    pub check_discount: Money,
    /// By rate, ascending; rates no line has are absent.
    pub taxes: Vec<TaxFigures>,
    pub tax: Money,
    pub service_charge: Money,
    pub total: Money,
    /// In the order of the input lines.
    pub lines: Vec<LineFigures>,
}

/// Computes a check. A check discount is spread over the lines in proportion to what
/// each costs after its own discount, by largest remainder (ties to the earlier line),
/// so the shares add up to it exactly and tax is computed on what each line really
/// costs.
pub fn compute(lines: &[CheckLine], check_discount: Option<Discount>, rules: CheckRules) -> Check {
    let own: Vec<Money> = lines
        .iter()
        .map(|l| l.discount.map_or(Money::ZERO, |d| d.off(l.amount)))
        .collect();
    let after_own: Vec<i64> = lines
        .iter()
        .zip(&own)
        .map(|(l, d)| l.amount.minor() - d.minor())
        .collect();
    let rest: i64 = after_own.iter().sum();
    let check_off = check_discount.map_or(Money::ZERO, |d| d.off(Money::from_minor(rest)));
    let shares = spread(check_off.minor(), &after_own);

    let mut figures = Vec::with_capacity(lines.len());
    let mut taxes: BTreeMap<Percent, (i64, i64)> = BTreeMap::new();
    for ((line, own), (after, share)) in lines.iter().zip(&own).zip(after_own.iter().zip(&shares)) {
        let net = after - share;
        let rate = i128::from(line.tax_rate.thousandths());
        let tax = if rules.prices_include_tax {
            div_half_up(i128::from(net) * rate, i128::from(SCALE) + rate)
        } else {
            div_half_up(i128::from(net) * rate, i128::from(SCALE))
        };
        let entry = taxes.entry(line.tax_rate).or_default();
        entry.0 += net;
        entry.1 += tax;
        figures.push(LineFigures {
            discount: Money::from_minor(own.minor() + share),
            net: Money::from_minor(net),
            tax: Money::from_minor(tax),
        });
    }
    let subtotal: i64 = lines.iter().map(|l| l.amount.minor()).sum();
    let net: i64 = figures.iter().map(|f| f.net.minor()).sum();
    let tax: i64 = figures.iter().map(|f| f.tax.minor()).sum();
    let service = rules.service_charge.of(Money::from_minor(net)).minor();
    let total = net + service + if rules.prices_include_tax { 0 } else { tax };
    Check {
        subtotal: Money::from_minor(subtotal),
        discounts: Money::from_minor(subtotal - net),
        check_discount: check_off,
        taxes: taxes
            .into_iter()
            .map(|(rate, (net, tax))| TaxFigures {
                rate,
                net: Money::from_minor(net),
                tax: Money::from_minor(tax),
            })
            .collect(),
        tax: Money::from_minor(tax),
        service_charge: Money::from_minor(service),
        total: Money::from_minor(total),
        lines: figures,
    }
}

/// `amount` spread over `weights` in proportion, by largest remainder (ties to the
/// earlier weight); all to nothing when the weights are all zero.
fn spread(amount: i64, weights: &[i64]) -> Vec<i64> {
    let whole: i64 = weights.iter().sum();
    if whole <= 0 || amount == 0 {
        return vec![0; weights.len()];
    }
    let mut shares: Vec<i64> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = i128::from(amount) * i128::from(*w);
        shares.push((exact / i128::from(whole)) as i64);
        remainders.push((exact % i128::from(whole), i));
    }
    let left = amount - shares.iter().sum::<i64>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.into_iter().take(left as usize) {
        shares[i] += 1;
    }
    shares
}

/// `amount` split evenly among `guests`: the remainder goes one minor unit each to the
/// first shares (10.00 in three: 3.34, 3.33, 3.33). Empty for no guests.
pub fn split_evenly(amount: Money, guests: u32) -> Vec<Money> {
    if guests == 0 {
        return Vec::new();
    }
    let n = i64::from(guests);
    let (each, left) = (amount.minor().div_euclid(n), amount.minor().rem_euclid(n));
    (0..n)
        .map(|i| Money::from_minor(each + i64::from(i < left)))
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn money(minor: i64) -> Money {
        Money::from_minor(minor)
    }

    fn pct(text: &str) -> Percent {
        Percent::parse(text).expect("percent")
    }

    #[test]
    fn a_check_with_tax_a_discount_and_service_matches_the_hand_computed_figures() {
        // Exclusive prices: a 25.00 steak at 10 % with 10 % off, two 6.00 beers at 22 %,
        // 5.00 off the check, 10 % service.
        let lines = [
            CheckLine {
                amount: money(2500),
                tax_rate: pct("10"),
                discount: Some(Discount::Percent(pct("10"))),
            },
            CheckLine {
                amount: money(1200),
                tax_rate: pct("22"),
                discount: None,
            },
        ];
        let rules = CheckRules {
            prices_include_tax: false,
            service_charge: pct("10"),
        };
        let check = compute(&lines, Some(Discount::Amount(money(500))), rules);
        // After own discounts: 22.50 and 12.00 (34.50); 5.00 spread 22.50/34.50 and
        // 12.00/34.50: 3.2608 -> 3.26, 1.7391 -> 1.74.
        assert_eq!(check.lines[0].net, money(1924));
        assert_eq!(check.lines[1].net, money(1026));
        assert_eq!(check.lines[0].tax, money(192), "19.24 x 10 % = 1.924");
        assert_eq!(check.lines[1].tax, money(226), "10.26 x 22 % = 2.2572");
        assert_eq!(check.subtotal, money(3700));
        assert_eq!(check.discounts, money(750));
        assert_eq!(check.check_discount, money(500));
        assert_eq!(check.tax, money(418));
        assert_eq!(check.service_charge, money(295), "29.50 x 10 %");
        assert_eq!(check.total, money(2950 + 418 + 295));
        assert_eq!(
            check.taxes,
            [
                TaxFigures {
                    rate: pct("10"),
                    net: money(1924),
                    tax: money(192)
                },
                TaxFigures {
                    rate: pct("22"),
                    net: money(1026),
                    tax: money(226)
                },
            ]
        );
    }

    #[test]
    fn inclusive_prices_carry_their_tax_inside_the_total() {
        let lines = [CheckLine {
            amount: money(1100),
            tax_rate: pct("10"),
            discount: None,
        }];
        let rules = CheckRules {
            prices_include_tax: true,
            service_charge: Percent::ZERO,
        };
        let check = compute(&lines, None, rules);
        assert_eq!(check.tax, money(100), "11.00 includes 1.00 at 10 %");
        assert_eq!(check.total, money(1100));
    }

    #[test]
    fn ten_euros_split_in_three_puts_the_extra_cent_on_the_first_share() {
        assert_eq!(
            split_evenly(money(1000), 3),
            [money(334), money(333), money(333)]
        );
        assert_eq!(
            split_evenly(money(1001), 3),
            [money(334), money(334), money(333)]
        );
        assert!(split_evenly(money(1000), 0).is_empty());
    }

    #[test]
    fn percentages_parse_exactly_up_to_a_hundred() {
        assert_eq!(pct("8.875").thousandths(), 8875);
        assert_eq!(pct("100"), Percent::HUNDRED);
        assert!(Percent::parse("100.001").is_err());
        assert!(Percent::parse("-1").is_err());
        assert!(Percent::parse("1.0001").is_err());
    }

    fn any_discount() -> impl Strategy<Value = Option<Discount>> {
        prop_oneof![
            Just(None),
            (0u32..=100_000).prop_map(|p| Some(Discount::Percent(Percent(p)))),
            (0i64..5_000_000).prop_map(|a| Some(Discount::Amount(money(a)))),
        ]
    }

    fn any_line() -> impl Strategy<Value = CheckLine> {
        (
            0i64..10_000_000,
            prop::sample::select(vec![0u32, 4_000, 5_500, 8_875, 10_000, 21_000, 22_000]),
            any_discount(),
        )
            .prop_map(|(amount, rate, discount)| CheckLine {
                amount: money(amount),
                tax_rate: Percent(rate),
                discount,
            })
    }

    proptest! {
        #[test]
        fn the_parts_of_any_check_add_up_to_its_total(
            lines in prop::collection::vec(any_line(), 0..30),
            check_discount in any_discount(),
            inclusive in any::<bool>(),
            service in 0u32..=25_000,
        ) {
            let rules = CheckRules { prices_include_tax: inclusive, service_charge: Percent(service) };
            let check = compute(&lines, check_discount, rules);
            let added = if inclusive { 0 } else { check.tax.minor() };
            prop_assert_eq!(
                check.total.minor(),
                check.subtotal.minor() - check.discounts.minor() + added + check.service_charge.minor()
            );
            let line_discounts: i64 = check.lines.iter().map(|l| l.discount.minor()).sum();
            prop_assert_eq!(line_discounts, check.discounts.minor());
            let by_rate_net: i64 = check.taxes.iter().map(|t| t.net.minor()).sum();
            let by_rate_tax: i64 = check.taxes.iter().map(|t| t.tax.minor()).sum();
            let net: i64 = check.lines.iter().map(|l| l.net.minor()).sum();
            prop_assert_eq!(by_rate_net, net);
            prop_assert_eq!(by_rate_tax, check.tax.minor());
            for (line, figures) in lines.iter().zip(&check.lines) {
                prop_assert!(figures.net.minor() >= 0);
                prop_assert!(figures.net <= line.amount);
                prop_assert!(figures.tax.minor() >= 0);
                if inclusive {
                    prop_assert!(figures.tax <= figures.net);
                }
            }
            prop_assert!(check.check_discount.minor() >= 0);
        }

        #[test]
        fn an_even_split_loses_and_creates_no_cent(
            amount in 0i64..1_000_000_000,
            guests in 1u32..50,
        ) {
            let shares = split_evenly(money(amount), guests);
            prop_assert_eq!(shares.len(), guests as usize);
            prop_assert_eq!(shares.iter().map(|s| s.minor()).sum::<i64>(), amount);
            prop_assert!(shares.windows(2).all(|w| w[0] >= w[1] && w[0].minor() - w[1].minor() <= 1));
        }
    }
}
