//! The background jobs every instance runs beside its server: journal pruning and the
//! kitchen alert scan. Each ends with the server's runtime.

use std::time::Duration;

use brigade_application::Brigade;

/// Deletes journal entries older than the retention, and WebSocket tickets never
/// redeemed: a minute after start (not in the way of start-up), then every hour, in
/// short batches (`Brigade::prune_journal`).
pub(crate) fn prune_journal(brigade: Brigade, retention_hours: u64) {
    let retention = time::Duration::hours(retention_hours.min(24 * 365 * 100) as i64);
    actix_web::rt::spawn(async move {
        let hour = Duration::from_secs(3600);
        let mut hourly =
            tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(60), hour);
        loop {
            hourly.tick().await;
            let before = time::OffsetDateTime::now_utc() - retention;
            match brigade.prune_journal(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, "pruned the event journal"),
                Err(e) => tracing::warn!(error = %e, "pruning the event journal failed"),
            }
            if let Err(e) = brigade.prune_tickets().await {
                tracing::warn!(error = %e, "pruning expired WebSocket tickets failed");
            }
        }
    });
}

/// Scans for orders stuck past their venue's threshold every `every` (each instance;
/// the database's claim makes each alert go out once).
pub(crate) fn raise_kitchen_alerts(brigade: Brigade, every: Duration) {
    actix_web::rt::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match brigade.raise_kitchen_alerts().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(alerts = n, "raised kitchen alerts"),
                Err(e) => tracing::warn!(error = %e, "the kitchen alert scan failed"),
            }
        }
    });
}
