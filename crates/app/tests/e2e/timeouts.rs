//! The database's limits as clients see them (#20): a statement waiting on a held lock
//! is cut and answered 503 with Retry-After, a full pool answers 503 quickly, and
//! PostgreSQL going away under steady order creation gives only 201s and 503s, with
//! every order created exactly once once the clients retry with their keys.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio_postgres::NoTls;

use crate::store::{Backend, TestDb, backend};
use crate::support::{Staff, TestApp, VENUE};

/// A connection of the test's own holding the venue's counter row (the lock every
/// order creation takes last) until it is dropped.
async fn hold_the_venue_row(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.expect("connects");
    actix_web::rt::spawn(conn);
    client
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM venues WHERE id = '{VENUE}' FOR UPDATE"
        ))
        .await
        .expect("locks the venue row");
    client
}

#[actix_web::test]
async fn an_order_waiting_on_a_held_lock_is_cut_and_answered_503_then_served_once_it_goes() {
    if backend() != Backend::Postgres {
        return; // SQLite has one writer and no lock waits of this kind.
    }
    for (lock_ms, statement_ms) in [(300, 5000), (0, 300)] {
        let app = TestApp::start_with(TestDb::from_template().await, |args| {
            args.db_lock_timeout_ms = lock_ms;
            args.db_statement_timeout_ms = statement_ms;
        })
        .await;
        let admin = app.admin().await;
        let waiter = app.waiter().await;
        let product = admin.create_product("LOCK-1", 5.0).await;
        let holder = hold_the_venue_row(&app.db.url()).await;
        let started = Instant::now();
        let reply = waiter
            .post(
                "/api/v1/orders",
                json!({ "items": [{ "product_id": product["id"], "quantity": 1 }] }),
            )
            .await;
        assert_eq!(reply.header("retry-after"), "1");
        reply.expect_problem(503, "store_unavailable");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            app.count("SELECT count(*) FROM orders WHERE total_minor = 500")
                .await,
            0
        );
        drop(holder);
        waiter.order_one(&product, None).await;
    }
}

#[actix_web::test]
async fn a_full_pool_answers_503_quickly_and_others_are_served_when_it_frees() {
    if backend() != Backend::Postgres {
        return;
    }
    let app = TestApp::start_with(TestDb::from_template().await, |args| {
        args.db_pool_size = Some(1);
        args.db_pool_wait_ms = 300;
        args.db_lock_timeout_ms = 3000;
    })
    .await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let product = admin.create_product("POOL-1", 5.0).await;
    let holder = hold_the_venue_row(&app.db.url()).await;
    // The one connection waits on the lock...
    let body = json!({ "items": [{ "product_id": product["id"], "quantity": 1 }] });
    let stuck = actix_web::rt::spawn({
        let waiter = Staff::anonymous(&app.base).with_token(waiter.token.clone());
        async move { waiter.post("/api/v1/orders", body).await.status.as_u16() }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ...so another request finds no connection.
    let started = Instant::now();
    waiter
        .get("/api/v1/tables")
        .await
        .expect_problem(503, "store_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    drop(holder);
    assert_eq!(
        stuck.await.expect("joined"),
        201,
        "served once the lock went"
    );
    waiter.get("/api/v1/tables").await.expect(200);
}

#[actix_web::test]
async fn postgres_stopped_and_restarted_under_steady_orders_gives_only_201_and_503_and_each_order_once()
 {
    if backend() != Backend::Postgres {
        return;
    }
    let pg = std::sync::Arc::new(crate::health::PrivatePostgres::start());
    let mut args =
        brigade_app::config::ServeArgs::dev(brigade_app::config::DatabaseArgs::new(Some(pg.url())));
    args.jwt_secret = Some(crate::support::TEST_SECRET.to_owned());
    args.bind = "127.0.0.1:0".parse().expect("addr");
    args.workers = Some(2);
    args.demo = true;
    args.db_pool_wait_ms = 500;
    let running = brigade_app::server::start(&args).await.expect("starts");
    let base = format!("http://{}", running.addr);
    let handle = running.handle.clone();
    actix_web::rt::spawn(running.server);
    let admin = Staff::login(&base, "admin@beerflow.demo").await;
    let waiter = Staff::login(&base, "waiter1@beerflow.demo").await;
    let product = admin.create_product("STEADY-1", 5.0).await;

    // PostgreSQL goes away for 3 s a second into the run.
    let outage = {
        let pg = std::sync::Arc::clone(&pg);
        tokio::task::spawn_blocking(move || {
            std::thread::sleep(Duration::from_secs(1));
            assert!(pg.pg_ctl("stop"), "pg_ctl stop");
            std::thread::sleep(Duration::from_secs(3));
            assert!(pg.pg_ctl("start"), "pg_ctl start");
        })
    };
    let create = async |n: usize| {
        waiter
            .post_with(
                "/api/v1/orders",
                json!({ "notes": format!("steady-{n}"), "items": [{ "product_id": product["id"], "quantity": 1 }] }),
                &[("Idempotency-Key", &format!("steady-{n}"))],
            )
            .await
            .status
            .as_u16()
    };
    let mut statuses = Vec::new();
    let mut pending = Vec::new();
    for n in 0..80 {
        let status = create(n).await;
        statuses.push(status);
        if status != 201 {
            pending.push(n);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    outage.await.expect("the outage ran");
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Some(&n) = pending.first() {
        assert!(Instant::now() < deadline, "retries succeed within 30 s");
        let status = create(n).await;
        statuses.push(status);
        if status == 201 {
            pending.remove(0);
        } else {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    assert!(
        statuses.iter().all(|s| matches!(s, 201 | 503)),
        "only 201 and 503: {statuses:?}"
    );
    assert!(statuses.contains(&503), "the outage was seen: {statuses:?}");
    let (client, conn) = tokio_postgres::connect(&pg.url(), NoTls)
        .await
        .expect("connects");
    actix_web::rt::spawn(conn);
    let row = client
        .query_one(
            "SELECT count(*), count(DISTINCT notes) FROM orders WHERE notes LIKE 'steady-%'",
            &[],
        )
        .await
        .expect("counted");
    assert_eq!(
        (row.get::<_, i64>(0), row.get::<_, i64>(1)),
        (80, 80),
        "every order once"
    );
    drop(handle.stop(false));
}
