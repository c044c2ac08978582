//! The use cases' measurements as OpenTelemetry instruments (names and meanings in
//! `docs/LOGGING.md`). Instruments come from the global meter provider: build
//! [`DomainMetrics`] after [`crate::init`], or they stay no-ops.

use brigade_application::ports::{Measurement, Metrics};
use brigade_domain::PaymentState;
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter};

/// The meter every Brigade instrument hangs from.
pub fn meter() -> Meter {
    opentelemetry::global::meter("brigade")
}

/// Ticket stages last minutes: buckets from 15 s to 1 h.
const STAGE_BUCKETS: [f64; 11] = [
    15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0,
];

/// FEFO allocation is a few statements: buckets from 0.5 ms to 2.5 s.
const ALLOCATION_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// [`Metrics`] recorded on OpenTelemetry instruments.
pub struct DomainMetrics {
    orders_created: Counter<u64>,
    transitions: Counter<u64>,
    stage_duration: Histogram<f64>,
    allocation_duration: Histogram<f64>,
    shortages: Counter<u64>,
    replays: Counter<u64>,
    payments: Counter<u64>,
    revenue: Counter<u64>,
    tips: Counter<u64>,
    payment_duration: Histogram<f64>,
    payment_failures: Counter<u64>,
    refunds: Counter<u64>,
    refunded: Counter<u64>,
    kitchen_alerts: Counter<u64>,
}

/// A processor answers in milliseconds to seconds: buckets from 1 ms to 30 s.
const PAYMENT_BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
];

/// Minor units as a counter's increment (refunds and payments are never negative).
fn minor(amount: brigade_domain::Money) -> u64 {
    u64::try_from(amount.minor()).unwrap_or(0)
}

impl DomainMetrics {
    pub fn new() -> Self {
        let meter = meter();
        Self {
            orders_created: meter
                .u64_counter("brigade.orders.created")
                .with_unit("{order}")
                .with_description("Orders created (idempotent replays excluded).")
                .build(),
            transitions: meter
                .u64_counter("brigade.order.transitions")
                .with_unit("{transition}")
                .with_description("Order status changes, by `from` and `to` status.")
                .build(),
            stage_duration: meter
                .f64_histogram("brigade.ticket.stage.duration")
                .with_unit("s")
                .with_description(
                    "Time an order spent in a kitchen stage (`confirmed`: waiting for the \
                     kitchen, `preparing`: cooking, `ready`: waiting for a runner), recorded \
                     when it leaves the stage.",
                )
                .with_boundaries(STAGE_BUCKETS.to_vec())
                .build(),
            allocation_duration: meter
                .f64_histogram("brigade.fefo.allocation.duration")
                .with_unit("s")
                .with_description(
                    "Time serving an order spent locking, planning and taking its stock FEFO.",
                )
                .with_boundaries(ALLOCATION_BUCKETS.to_vec())
                .build(),
            shortages: meter
                .u64_counter("brigade.stock.shortages")
                .with_unit("{line}")
                .with_description("Served lines that got less stock than they asked for.")
                .build(),
            replays: meter
                .u64_counter("brigade.idempotent.replays")
                .with_unit("{request}")
                .with_description(
                    "Creating requests answered from their Idempotency-Key, by `resource`.",
                )
                .build(),
            payments: meter
                .u64_counter("brigade.payments")
                .with_unit("{payment}")
                .with_description("Payments recorded, by `method` and `state`.")
                .build(),
            revenue: meter
                .u64_counter("brigade.payments.revenue")
                .with_unit("{minor_unit}")
                .with_description(
                    "Captured payments' amounts (tips excluded), in minor units of `currency`, \
                     by `method`.",
                )
                .build(),
            tips: meter
                .u64_counter("brigade.payments.tips")
                .with_unit("{minor_unit}")
                .with_description(
                    "Captured payments' tips, in minor units of `currency`, by `method`.",
                )
                .build(),
            payment_duration: meter
                .f64_histogram("brigade.payment.duration")
                .with_unit("s")
                .with_description("Time the payment processor took to answer, by `method`.")
                .with_boundaries(PAYMENT_BUCKETS.to_vec())
                .build(),
            payment_failures: meter
                .u64_counter("brigade.payment.failures")
                .with_unit("{payment}")
                .with_description(
                    "Payments not taken, by `method` and `reason` (`declined`: the processor \
                     refused; `unavailable`: it did not answer).",
                )
                .build(),
            refunds: meter
                .u64_counter("brigade.refunds")
                .with_unit("{payment}")
                .with_description("Payments refunded, by `method`.")
                .build(),
            refunded: meter
                .u64_counter("brigade.refunds.amount")
                .with_unit("{minor_unit}")
                .with_description("Refunded amounts, in minor units of `currency`, by `method`.")
                .build(),
            kitchen_alerts: meter
                .u64_counter("brigade.kitchen.alerts")
                .with_unit("{alert}")
                .with_description("Kitchen alerts raised (`kitchen_alert` events), by `code`.")
                .build(),
        }
    }
}

impl Default for DomainMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics for DomainMetrics {
    fn record(&self, measurement: Measurement) {
        match measurement {
            Measurement::OrderCreated => self.orders_created.add(1, &[]),
            Measurement::Transition { from, to } => self.transitions.add(
                1,
                &[
                    KeyValue::new("from", from.as_str()),
                    KeyValue::new("to", to.as_str()),
                ],
            ),
            Measurement::StageTime { stage, seconds } => self
                .stage_duration
                .record(seconds, &[KeyValue::new("stage", stage.as_str())]),
            Measurement::FefoAllocation { seconds } => {
                self.allocation_duration.record(seconds, &[]);
            }
            Measurement::Shortage => self.shortages.add(1, &[]),
            Measurement::IdempotentReplay { resource } => {
                self.replays.add(1, &[KeyValue::new("resource", resource)]);
            }
            Measurement::Payment {
                method,
                state,
                currency,
                amount,
                tip,
                seconds,
            } => {
                let method = KeyValue::new("method", method.as_str());
                self.payments
                    .add(1, &[method.clone(), KeyValue::new("state", state.as_str())]);
                self.payment_duration
                    .record(seconds, std::slice::from_ref(&method));
                match state {
                    PaymentState::Captured => {
                        let by = [method, KeyValue::new("currency", currency.code())];
                        self.revenue.add(minor(amount), &by);
                        self.tips.add(minor(tip), &by);
                    }
                    PaymentState::Failed => self
                        .payment_failures
                        .add(1, &[method, KeyValue::new("reason", "declined")]),
                    PaymentState::Pending | PaymentState::Refunded => {}
                }
            }
            Measurement::Refund {
                method,
                currency,
                amount,
            } => {
                let method = KeyValue::new("method", method.as_str());
                self.refunds.add(1, std::slice::from_ref(&method));
                self.refunded.add(
                    minor(amount),
                    &[method, KeyValue::new("currency", currency.code())],
                );
            }
            Measurement::ProcessorUnavailable { method } => self.payment_failures.add(
                1,
                &[
                    KeyValue::new("method", method.as_str()),
                    KeyValue::new("reason", "unavailable"),
                ],
            ),
            Measurement::KitchenAlert { code } => {
                self.kitchen_alerts.add(1, &[KeyValue::new("code", code)]);
            }
        }
    }
}
