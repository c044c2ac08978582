//! What the real-time gateway costs the database when nothing happens, and how it still
//! finds an event whose publication was lost: one sweep query per interval for every
//! venue with a screen on the instance.

use std::time::{Duration, Instant};

use brigade_domain::{UserId, VenueId};
use brigade_http::JwtKeys;
use uuid::Uuid;

use crate::kds::{Kds, seqs};
use crate::store::{Backend, TestDb, backend};
use crate::support::{TEST_SECRET, TestApp, VENUE};

/// A sweep interval short enough for the tests to wait out many of them.
const SWEEP: Duration = Duration::from_millis(100);

async fn sweeping_fast() -> TestApp {
    TestApp::start_with(TestDb::from_template().await, |args| {
        args.realtime.ws_poll_ms = SWEEP.as_millis() as u64;
    })
    .await
}

/// `count` new venues (numbered from `from`), each with a kitchen screen joined.
async fn screens_of_new_venues(app: &TestApp, from: u128, count: u128) -> Vec<Kds> {
    let keys = JwtKeys::new(TEST_SECRET.as_bytes(), Duration::from_secs(3600));
    let mut screens = Vec::new();
    for n in from..from + count {
        let venue = VenueId::from_uuid(Uuid::from_u128(0x5EED_0000 + n));
        // A cook of the venue, written directly: no password hash to wait for, and a
        // token signed here (the server reads their membership from the store).
        let cook = UserId::from_uuid(Uuid::from_u128(0xC00C_0000 + n));
        app.exec(&format!(
            "INSERT INTO venues (id, name) VALUES ('{venue}', 'Venue {n}');
             INSERT INTO users (id, email, full_name, password_hash)
                  VALUES ('{cook}', 'cook{n}@venues.test', 'Cook {n}', '');
             INSERT INTO memberships (user_id, venue_id, role)
                  VALUES ('{cook}', '{venue}', 'kitchen');"
        ))
        .await;
        let token = keys.issue(cook, 0).expect("token");
        let mut screen = Kds::connect(&app.base, &token).await;
        screen.join(&venue.to_string(), None).await;
        screens.push(screen);
    }
    screens
}

/// Statements the server's store ran per second over `window`.
async fn statements_per_second(app: &TestApp, window: Duration) -> f64 {
    let before = app.brigade.store_statements();
    tokio::time::sleep(window).await;
    (app.brigade.store_statements() - before) as f64 / window.as_secs_f64()
}

#[actix_web::test]
async fn idle_screens_of_two_hundred_venues_cost_the_database_what_ten_do() {
    let app = sweeping_fast().await;
    let _ten = screens_of_new_venues(&app, 0, 10).await;
    tokio::time::sleep(SWEEP * 3).await;
    let with_ten = statements_per_second(&app, Duration::from_secs(2)).await;

    let _more = screens_of_new_venues(&app, 10, 190).await;
    tokio::time::sleep(SWEEP * 3).await;
    let with_two_hundred = statements_per_second(&app, Duration::from_secs(2)).await;

    // Ten sweeps a second, a few statements each, whatever the number of venues (a
    // poll per venue would be twenty times the work at two hundred).
    assert!(with_ten > 0.0, "the sweep runs");
    assert!(
        with_two_hundred <= with_ten * 1.5 + 5.0,
        "statements per second: {with_ten:.0} with 10 idle venues, \
         {with_two_hundred:.0} with 200"
    );
}

#[actix_web::test]
async fn an_event_whose_publication_was_lost_reaches_every_screen_within_a_sweep() {
    let app = sweeping_fast().await;
    let kitchen = app.kitchen().await;
    let mut screens = Vec::new();
    for _ in 0..3 {
        let mut screen = app.kds(&kitchen).await;
        screen.join(VENUE, None).await;
        screens.push(screen);
    }
    let seq = kitchen.board_seq().await + 1;
    // Journaled and committed straight in the database: never published on the bus.
    let now = match backend() {
        Backend::Postgres => "now()",
        Backend::Sqlite => "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')",
    };
    app.exec(&format!(
        "INSERT INTO events (venue_id, seq, event_type, data, created_at)
         VALUES ('{VENUE}', {seq}, 'kitchen_alert',
                 '{{\"message\": \"lost on the bus\", \"severity\": \"info\"}}', {now})"
    ))
    .await;
    let lost_at = Instant::now();
    app.exec(&format!(
        "UPDATE venues SET last_event_seq = {seq} WHERE id = '{VENUE}'"
    ))
    .await;

    for screen in &mut screens {
        let events = screen.events_through(seq, Duration::from_secs(5)).await;
        assert_eq!(seqs(&events), [seq]);
        assert_eq!(events[0]["type"], "kitchen_alert");
    }
    let took = lost_at.elapsed();
    // A sweep interval, plus a generous margin for a debug build on a busy box.
    assert!(took < SWEEP + Duration::from_secs(1), "took {took:?}");
}

/// Figures for docs/BENCHMARKS.md, not a check: idle database work with screens of 10
/// and of 400 venues at the default sweep (1 s). Run it by hand:
/// `BRIGADE_TEST_STORE=postgres cargo test -p brigade-app --test e2e measure_idle -- --ignored --nocapture`
#[actix_web::test]
#[ignore = "a measurement, run by hand"]
async fn measure_idle_database_work_at_10_and_400_venues() {
    let app = TestApp::spawn().await;
    let window = Duration::from_secs(20);
    let transactions = || async {
        match backend() {
            Backend::Postgres => {
                app.count(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database
                      WHERE datname = current_database()",
                )
                .await
            }
            Backend::Sqlite => 0,
        }
    };
    let mut screens = Vec::new();
    for (from, count) in [(0, 10), (10, 390)] {
        screens.extend(screens_of_new_venues(&app, from, count).await);
        tokio::time::sleep(Duration::from_secs(3)).await;
        let (statements, before) = (app.brigade.store_statements(), transactions().await);
        tokio::time::sleep(window).await;
        let per_second = |n: i64| n as f64 / window.as_secs_f64();
        println!(
            "{} idle venues: {:.1} statements/s, {:.1} transactions/s (PostgreSQL's count)",
            screens.len(),
            per_second((app.brigade.store_statements() - statements) as i64),
            per_second(transactions().await - before),
        );
    }
}
