//! First-expired-first-out allocation as a pure function (DESIGN §5).
//!
//! The adapter locks the candidate lots (`FOR UPDATE`, in this same order) and hands
//! them here; the plan it gets back is what it writes.

use std::cmp::Ordering;

use time::{Date, OffsetDateTime};

use crate::{LotId, Quantity};

/// A lot as FEFO sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotStock {
    pub id: LotId,
    pub available: Quantity,
    pub expiry: Option<Date>,
    pub received_at: OffsetDateTime,
}

/// Take `quantity` from `lot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Take {
    pub lot: LotId,
    pub quantity: Quantity,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Allocation {
    pub takes: Vec<Take>,
    /// What could not be allocated; zero when the request was covered.
    pub shortfall: Quantity,
}

impl Allocation {
    pub fn allocated(&self) -> Quantity {
        self.takes.iter().map(|t| t.quantity).sum()
    }
}

/// FEFO order: earliest expiry first, lots without expiry last, ties by receipt time
/// (oldest first), then by id so the order is total and deterministic.
pub fn fefo_order(a: &LotStock, b: &LotStock) -> Ordering {
    let expiry = match (a.expiry, b.expiry) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    expiry
        .then(a.received_at.cmp(&b.received_at))
        .then(a.id.cmp(&b.id))
}

/// A lot is usable on `today` when it has stock and has not expired (a lot expiring
/// today is still sold today).
pub fn is_usable(lot: &LotStock, today: Date) -> bool {
    lot.available.is_positive() && lot.expiry.is_none_or(|e| e >= today)
}

/// Plans taking `requested` from `lots`, FEFO, skipping expired and empty lots and
/// splitting across lots as needed. Never takes more than a lot holds.
pub fn allocate(lots: &[LotStock], requested: Quantity, today: Date) -> Allocation {
    let mut usable: Vec<&LotStock> = lots.iter().filter(|l| is_usable(l, today)).collect();
    usable.sort_by(|a, b| fefo_order(a, b));
    let mut remaining = requested.max(Quantity::ZERO);
    let mut takes = Vec::new();
    for lot in usable {
        if !remaining.is_positive() {
            break;
        }
        let quantity = remaining.min(lot.available);
        takes.push(Take {
            lot: lot.id,
            quantity,
        });
        remaining = remaining - quantity;
    }
    Allocation {
        takes,
        shortfall: remaining,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    use super::*;

    fn lot(n: u128, qty: i64, expiry: Option<Date>) -> LotStock {
        LotStock {
            id: LotId::from_uuid(uuid::Uuid::from_u128(n)),
            available: Quantity::from_units(qty),
            expiry,
            received_at: datetime!(2026-01-01 0:00 UTC),
        }
    }

    const TODAY: Date = date!(2026 - 06 - 15);

    #[test]
    fn serving_takes_earliest_expiring_lot_first_and_splits() {
        let lots = [
            lot(1, 10, Some(date!(2026 - 07 - 01))),
            lot(2, 4, Some(date!(2026 - 06 - 20))),
            lot(3, 50, None),
        ];
        let plan = allocate(&lots, Quantity::from_units(6), TODAY);
        assert_eq!(
            plan.takes,
            vec![
                Take {
                    lot: lots[1].id,
                    quantity: Quantity::from_units(4)
                },
                Take {
                    lot: lots[0].id,
                    quantity: Quantity::from_units(2)
                },
            ]
        );
        assert_eq!(plan.shortfall, Quantity::ZERO);
    }

    #[test]
    fn expired_lots_are_skipped_but_a_lot_expiring_today_is_used() {
        let lots = [
            lot(1, 10, Some(date!(2026 - 06 - 14))),
            lot(2, 1, Some(TODAY)),
        ];
        let plan = allocate(&lots, Quantity::from_units(3), TODAY);
        assert_eq!(plan.takes.len(), 1);
        assert_eq!(plan.takes[0].lot, lots[1].id);
        assert_eq!(plan.shortfall, Quantity::from_units(2));
    }

    #[test]
    fn lots_without_expiry_go_last_and_ties_break_by_receipt() {
        let mut older = lot(9, 1, None);
        older.received_at = datetime!(2025-12-01 0:00 UTC);
        let lots = [
            lot(1, 1, None),
            older.clone(),
            lot(3, 1, Some(date!(2030 - 01 - 01))),
        ];
        let plan = allocate(&lots, Quantity::from_units(3), TODAY);
        let order: Vec<LotId> = plan.takes.iter().map(|t| t.lot).collect();
        assert_eq!(order, vec![lots[2].id, older.id, lots[0].id]);
    }

    fn arb_lot() -> impl Strategy<Value = LotStock> {
        (
            any::<u128>(),
            0i64..20_000,
            proptest::option::of(-30i64..30),
            0i64..1000,
        )
            .prop_map(|(id, qty, days, received)| LotStock {
                id: LotId::from_uuid(uuid::Uuid::from_u128(id)),
                available: Quantity::from_thousandths(qty),
                expiry: days.map(|d| TODAY + time::Duration::days(d)),
                received_at: datetime!(2026-01-01 0:00 UTC) + time::Duration::minutes(received),
            })
    }

    proptest! {
        #[test]
        fn allocation_is_exact_bounded_and_fefo(
            lots in proptest::collection::vec(arb_lot(), 0..12),
            requested in 0i64..60_000,
        ) {
            let requested = Quantity::from_thousandths(requested);
            let plan = allocate(&lots, requested, TODAY);
            let usable: Quantity = lots.iter().filter(|l| is_usable(l, TODAY)).map(|l| l.available).sum();

            // allocated + shortfall = requested; allocated = min(requested, usable).
            prop_assert_eq!(plan.allocated() + plan.shortfall, requested);
            prop_assert_eq!(plan.allocated(), requested.min(usable));
            let mut previous: Option<&LotStock> = None;
            for take in &plan.takes {
                let lot = lots.iter().find(|l| l.id == take.lot).expect("takes from a given lot");
                // Never over-allocates a lot, never touches an expired or empty one.
                prop_assert!(take.quantity.is_positive());
                prop_assert!(take.quantity <= lot.available);
                prop_assert!(is_usable(lot, TODAY));
                // Earliest expiry first.
                if let Some(prev) = previous {
                    prop_assert_eq!(fefo_order(prev, lot), Ordering::Less);
                }
                previous = Some(lot);
            }
            // Every lot before the last one used was emptied (no skipping a usable lot).
            for take in plan.takes.iter().rev().skip(1) {
                let lot = lots.iter().find(|l| l.id == take.lot).expect("known lot");
                prop_assert_eq!(take.quantity, lot.available);
            }
        }
    }
}
