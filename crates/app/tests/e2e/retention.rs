//! Journal retention at scale: pruning deletes in short batches, so a venue keeps
//! taking orders while a large journal is cut back.

use std::time::{Duration, Instant};

use crate::store::{Backend, backend};
use crate::support::{TestApp, VENUE};

/// Appends `count` events after the venue's last seq, the first `old` of them 30 days
/// old and the rest an hour old, as a busy week would leave them.
async fn journal_a_busy_week(app: &TestApp, count: i64, old: i64) -> i64 {
    let base = app
        .count(&format!(
            "SELECT last_event_seq FROM venues WHERE id = '{VENUE}'"
        ))
        .await;
    let (from, to, cut) = (base + 1, base + count, base + old);
    app.exec(&match backend() {
        Backend::Postgres => format!(
            "INSERT INTO events (venue_id, seq, event_type, data, created_at)
             SELECT '{VENUE}', s, 'kitchen_alert', '{{}}',
                    now() - CASE WHEN s <= {cut} THEN interval '30 days' ELSE interval '1 hour' END
               FROM generate_series({from}, {to}) AS s"
        ),
        Backend::Sqlite => format!(
            "WITH RECURSIVE n(s) AS (SELECT {from} UNION ALL SELECT s + 1 FROM n WHERE s < {to})
             INSERT INTO events (venue_id, seq, event_type, data, created_at)
             SELECT '{VENUE}', s, 'kitchen_alert', '{{}}',
                    strftime('%Y-%m-%d %H:%M:%f+00:00', 'now',
                             CASE WHEN s <= {cut} THEN '-30 days' ELSE '-1 hours' END)
               FROM n"
        ),
    })
    .await;
    app.exec(&format!(
        "UPDATE venues SET last_event_seq = {to} WHERE id = '{VENUE}'"
    ))
    .await;
    base
}

#[actix_web::test]
async fn pruning_a_hundred_thousand_events_takes_seconds_while_orders_keep_coming() {
    let app = TestApp::spawn().await;
    let waiter = app.waiter().await;
    let product = app.admin().await.create_product("PRUNE-1", 3.0).await;
    let base = journal_a_busy_week(&app, 100_000, 50_000).await;

    // The server's own service: its prune job queues for the same connections.
    let brigade = app.brigade.clone();
    let week_ago = time::OffsetDateTime::now_utc() - time::Duration::days(7);
    let pruning = actix_web::rt::spawn(async move {
        let started = Instant::now();
        let deleted = brigade.prune_journal(week_ago).await.expect("prune");
        (deleted, started.elapsed())
    });
    let mut orders = 0;
    let mut slowest = Duration::ZERO;
    while !pruning.is_finished() {
        let started = Instant::now();
        waiter.order_one(&product, None).await;
        slowest = slowest.max(started.elapsed());
        orders += 1;
    }
    let (deleted, took) = pruning.await.expect("prune task");

    // Everything up to the newest old event goes (the seed's events below it too).
    assert_eq!(deleted as i64, base + 50_000);
    assert_eq!(
        app.count(&format!(
            "SELECT MIN(seq) FROM events WHERE venue_id = '{VENUE}'"
        ))
        .await,
        base + 50_001
    );
    assert!(took < Duration::from_secs(30), "the prune took {took:?}");
    assert!(orders >= 1);
    // The seed's budget for taking an order, held throughout the prune.
    assert!(
        slowest < Duration::from_millis(300),
        "an order took {slowest:?} during the prune ({orders} orders)"
    );
}

/// Figures for docs/BENCHMARKS.md, not a check: the prune of 10,000 and of 100,000
/// events (half past retention), on the store under test. Run it by hand with
/// `-- --ignored --nocapture`.
#[actix_web::test]
#[ignore = "a measurement, run by hand"]
async fn measure_the_prune_of_10_000_and_100_000_events() {
    for count in [10_000, 100_000] {
        let app = TestApp::spawn().await;
        journal_a_busy_week(&app, count, count / 2).await;
        let started = Instant::now();
        let deleted = app
            .brigade
            .prune_journal(time::OffsetDateTime::now_utc() - time::Duration::days(7))
            .await
            .expect("prune");
        println!(
            "{count} events: pruned {deleted} in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
}
