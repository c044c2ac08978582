//! The gauges no request produces: connection pool usage, whether the database answers,
//! orders stuck in the kitchen, WebSocket connections per venue. Installed only when
//! metrics are exported (`OTEL_EXPORTER_OTLP_ENDPOINT`), because the probes cost a query
//! each; `docs/LOGGING.md` lists every metric.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use brigade_application::Brigade;
use brigade_application::ports::UnitOfWork;
use brigade_http::ws::Hub;
use opentelemetry::KeyValue;

/// How often the database and the kitchen are probed.
const PROBE_EVERY: Duration = Duration::from_secs(15);

/// What the last probe found; -1 until the first one.
#[derive(Default)]
struct Probed {
    db_up: AtomicI64,
    stuck: AtomicI64,
}

/// Registers the gauges and starts the probe (every 15 s, the first at once) on
/// `probe`, a service with a connection of its own. The gauges report for as long as
/// the meter provider lives (until shutdown), the probe as long as the runtime.
pub fn install(probe: Brigade, uow: Arc<dyn UnitOfWork>, hub: Hub) {
    let probed = Arc::new(Probed {
        db_up: AtomicI64::new(-1),
        stuck: AtomicI64::new(-1),
    });
    let meter = brigade_telemetry::meter();
    meter
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
    meter
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
    meter
        .i64_observable_gauge("brigade.kitchen.stuck_orders")
        .with_unit("{order}")
        .with_description(
            "Orders in `preparing` longer than their venue's stuck_after_minutes, all venues \
             (the last value read while the database is unreachable).",
        )
        .with_callback(move |observer| {
            let value = kitchen.stuck.load(Ordering::Relaxed);
            if value >= 0 {
                observer.observe(value, &[]);
            }
        })
        .build();
    // A venue whose screens all went away reports 0, not nothing: an instance that
    // lost every connection must show as 0 for the connection-drop alert.
    let seen: Mutex<HashSet<String>> = Mutex::default();
    meter
        .i64_observable_gauge("brigade.ws.connections")
        .with_unit("{connection}")
        .with_description("Kitchen-display WebSocket subscriptions on this instance, by `venue`.")
        .with_callback(move |observer| {
            let Ok(mut seen) = seen.lock() else { return };
            let now: Vec<(String, usize)> = hub
                .connections()
                .into_iter()
                .map(|(venue, count)| (venue.to_string(), count))
                .collect();
            for (venue, _) in &now {
                seen.insert(venue.clone());
            }
            for venue in seen.iter() {
                let count = now.iter().find(|(v, _)| v == venue).map_or(0, |(_, c)| *c);
                observer.observe(count as i64, &[KeyValue::new("venue", venue.clone())]);
            }
        })
        .build();
    actix_web::rt::spawn(run_probe(probe, probed));
}

async fn run_probe(brigade: Brigade, probed: Arc<Probed>) {
    let mut every = tokio::time::interval(PROBE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let answer = brigade.ready().await;
        let up = answer.is_ok();
        let was = probed.db_up.swap(i64::from(up), Ordering::Relaxed);
        match answer {
            Err(e) if was != 0 => tracing::warn!(error = %e, "metrics probe: database down"),
            Ok(()) if was == 0 => tracing::info!("metrics probe: database up again"),
            _ => {}
        }
        if up {
            match brigade.kitchen_health().await {
                Ok(kitchen) => probed
                    .stuck
                    .store(kitchen.stuck_in_preparing, Ordering::Relaxed),
                Err(e) => tracing::debug!(error = %e, "kitchen probe failed"),
            }
        }
    }
}
