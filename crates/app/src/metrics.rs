//! The gauges no request produces: connection pool usage, whether the database answers,
//! orders stuck in the kitchen, WebSocket connections per venue. Installed only when
//! metrics are exported (`OTEL_EXPORTER_OTLP_ENDPOINT`), because the probes cost a query
//! each; `docs/LOGGING.md` lists every metric.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use brigade_application::Brigade;
use brigade_application::ports::UnitOfWork;
use brigade_ws::Hub;
use opentelemetry::KeyValue;
use opentelemetry::metrics::ObservableGauge;

/// How often the database and the kitchen are probed.
const PROBE_EVERY: Duration = Duration::from_secs(15);

/// The registered gauges; they report for as long as this is kept.
pub struct Gauges {
    _gauges: Vec<ObservableGauge<i64>>,
}

/// What the last probe found; -1 until the first one.
#[derive(Default)]
struct Probed {
    db_up: AtomicI64,
    stuck: AtomicI64,
}

/// Registers the gauges and starts the probe (every 15 s, the first at once).
pub fn install(
    brigade: Brigade,
    uow: Arc<dyn UnitOfWork>,
    hub: Hub,
    stuck_after: Duration,
) -> Gauges {
    let probed = Arc::new(Probed {
        db_up: AtomicI64::new(-1),
        stuck: AtomicI64::new(-1),
    });
    let meter = brigade_telemetry::meter();
    let pool = meter
        .i64_observable_gauge("brigade.db.pool.connections")
        .with_unit("{connection}")
        .with_description("Database connections of this instance, by `state` (used, idle).")
        .with_callback(move |observer| {
            let connections = uow.connections();
            observer.observe(connections.used as i64, &[KeyValue::new("state", "used")]);
            observer.observe(connections.idle as i64, &[KeyValue::new("state", "idle")]);
        })
        .build();
    let up = Arc::clone(&probed);
    let db_up = meter
        .i64_observable_gauge("brigade.db.up")
        .with_description("1 when the database answered this instance's last probe, 0 when not.")
        .with_callback(move |observer| {
            let value = up.db_up.load(Ordering::Relaxed);
            if value >= 0 {
                observer.observe(value, &[]);
            }
        })
        .build();
    let kitchen = Arc::clone(&probed);
    let stuck = meter
        .i64_observable_gauge("brigade.kitchen.stuck_orders")
        .with_unit("{order}")
        .with_description(
            "Orders in `preparing` longer than BRIGADE_KITCHEN_STUCK_MINUTES, all venues.",
        )
        .with_callback(move |observer| {
            let value = kitchen.stuck.load(Ordering::Relaxed);
            if value >= 0 {
                observer.observe(value, &[]);
            }
        })
        .build();
    let connections = meter
        .i64_observable_gauge("brigade.ws.connections")
        .with_unit("{connection}")
        .with_description("Kitchen-display WebSocket subscriptions on this instance, by `venue`.")
        .with_callback(move |observer| {
            for (venue, count) in hub.connections() {
                observer.observe(count as i64, &[KeyValue::new("venue", venue.to_string())]);
            }
        })
        .build();
    actix_web::rt::spawn(probe(brigade, probed, stuck_after));
    Gauges {
        _gauges: vec![pool, db_up, stuck, connections],
    }
}

async fn probe(brigade: Brigade, probed: Arc<Probed>, stuck_after: Duration) {
    let mut every = tokio::time::interval(PROBE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let up = brigade.ready().await.is_ok();
        probed.db_up.store(i64::from(up), Ordering::Relaxed);
        if up {
            match brigade.kitchen_health(stuck_after).await {
                Ok(kitchen) => probed
                    .stuck
                    .store(kitchen.stuck_in_preparing, Ordering::Relaxed),
                Err(e) => tracing::debug!(error = %e, "kitchen probe failed"),
            }
        }
    }
}
