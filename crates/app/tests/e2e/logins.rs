//! Logging in on the public internet (DESIGN §11): limits per account and per client
//! address that answer 429, a queue of password hashes that answers 503 past it, and
//! one answer, in one time, for unknown and known emails.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::store::TestDb;
use crate::support::{PASSWORD, Reply, Served, Staff, TEST_SECRET, TestApp};

const BIN: &str = env!("CARGO_BIN_EXE_brigade");

/// A login as if from `address` (behind a trusted proxy that says so).
async fn login_from(app_base: &str, address: &str, email: &str, password: &str) -> Reply {
    Staff::anonymous(app_base)
        .post_with(
            "/api/v1/auth/login",
            json!({ "email": email, "password": password }),
            &[("x-forwarded-for", address)],
        )
        .await
}

#[actix_web::test]
async fn the_eleventh_login_on_one_account_within_a_minute_gets_429_and_other_accounts_do_not() {
    let app = TestApp::start_with(TestDb::from_template().await, |args| {
        let defaults = brigade_app::config::SignInArgs::default();
        args.sign_in = brigade_app::config::SignInArgs {
            trusted_proxies: vec!["127.0.0.1/32".parse().expect("net")],
            ..defaults
        };
    })
    .await;
    let attacker = "198.51.100.7";
    for attempt in 1..=10 {
        login_from(&app.base, attacker, "waiter1@beerflow.demo", "guess")
            .await
            .expect_problem(401, "invalid_credentials");
        let _ = attempt;
    }
    let limited = login_from(&app.base, attacker, "waiter1@beerflow.demo", "guess").await;
    let retry_after: u64 = limited.header("retry-after").parse().unwrap_or(0);
    assert!(
        (1..=60).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    limited.expect_problem(429, "rate_limited");
    // Locked is locked: the right password does not get through either.
    login_from(&app.base, "198.51.100.8", "waiter1@beerflow.demo", PASSWORD)
        .await
        .expect_problem(429, "rate_limited");

    // Another account from another address is unaffected.
    login_from(&app.base, "203.0.113.20", "manager@beerflow.demo", PASSWORD)
        .await
        .expect(200);

    // One address trying many accounts is limited too: 30 a minute by default, one
    // more every two seconds the spraying takes.
    let sprayer = "192.0.2.99";
    let start = Instant::now();
    let mut admitted = 0;
    let limited = loop {
        let email = format!("nobody{admitted}@spray.test");
        let reply = login_from(&app.base, sprayer, &email, "guess").await;
        if reply.status.as_u16() != 401 || admitted > 60 {
            break reply;
        }
        admitted += 1;
    };
    limited.expect_problem(429, "rate_limited");
    let refilled = (start.elapsed().as_secs_f64() / 2.0).ceil() as usize;
    assert!(
        (30..=30 + refilled).contains(&admitted),
        "{admitted} attempts admitted in {:?}",
        start.elapsed()
    );
}

#[actix_web::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer_in_the_same_time() {
    let app = TestApp::spawn().await;
    let anonymous = app.anonymous();
    let attempt = async |email: &str| {
        let start = Instant::now();
        let reply = anonymous
            .post(
                "/api/v1/auth/login",
                json!({ "email": email, "password": "not-the-password" }),
            )
            .await;
        (reply, start.elapsed())
    };
    // Warm both paths (connections, the unknown-email hash).
    attempt("admin@beerflow.demo").await;
    attempt("ghost@nowhere.test").await;
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let (known_reply, known_time) = attempt("admin@beerflow.demo").await;
        let (unknown_reply, unknown_time) = attempt("ghost@nowhere.test").await;
        assert_eq!(known_reply.status, unknown_reply.status);
        assert_eq!(known_reply.body, unknown_reply.body);
        assert_eq!(
            known_reply.header("www-authenticate"),
            unknown_reply.header("www-authenticate")
        );
        known.push(known_time);
        unknown.push(unknown_time);
    }
    known.sort();
    unknown.sort();
    let (known, unknown) = (known[3].as_secs_f64(), unknown[3].as_secs_f64());
    let ratio = unknown / known;
    assert!(
        (0.5..=2.0).contains(&ratio),
        "median unknown {:.1} ms against known {:.1} ms",
        unknown * 1e3,
        known * 1e3
    );
}

/// Peak resident memory of a process, in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[actix_web::test]
async fn three_hundred_concurrent_logins_keep_memory_bounded_and_others_served() {
    let db = TestDb::from_template().await;
    let mut command = std::process::Command::new(BIN);
    command
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "2"])
        .env("BRIGADE_DATABASE_URL", db.url())
        .env("BRIGADE_JWT_SECRET", TEST_SECRET)
        .env("BRIGADE_LOGIN_PER_ACCOUNT_PER_MINUTE", "100000")
        .env("BRIGADE_LOGIN_PER_ADDRESS_PER_MINUTE", "100000")
        .env("BRIGADE_LOG", "error");
    let served = Served::spawn(command).await;
    let base = served.base.clone();
    let manager = Staff::login(&base, "manager@beerflow.demo").await;
    let before = peak_rss_mib(served.child.id());

    let burst = (0..300).map(|_| {
        let base = base.clone();
        actix_web::rt::spawn(async move {
            login_from(
                &base,
                "127.0.0.1",
                "waiter1@beerflow.demo",
                "wrong-password",
            )
            .await
            .status
            .as_u16()
        })
    });
    let burst = futures_util::future::join_all(burst.collect::<Vec<_>>());
    let others = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let start = Instant::now();
        manager.get("/api/v1/tables").await.expect(200);
        start.elapsed()
    };
    let (statuses, other_took) = futures_util::join!(burst, others);
    let statuses: Vec<u16> = statuses.into_iter().map(|s| s.expect("joined")).collect();
    let peak = peak_rss_mib(served.child.id());
    let busy = statuses.iter().filter(|s| **s == 503).count();
    eprintln!(
        "300 logins: {busy} turned away (503), peak RSS {before:.0} -> {peak:.0} MiB, \
         another user's request {other_took:?}"
    );

    assert!(
        statuses.iter().all(|s| [401, 503].contains(s)),
        "only wrong-password or busy answers: {statuses:?}"
    );
    assert!(statuses.contains(&503), "the excess is turned away at once");
    assert!(
        other_took < Duration::from_secs(2),
        "another user's request took {other_took:?}"
    );
    assert!(
        peak < before + 400.0,
        "peak memory went from {before:.0} MiB to {peak:.0} MiB"
    );
}
