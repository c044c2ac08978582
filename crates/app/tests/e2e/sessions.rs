//! Sign-in and sessions on the public internet (DESIGN §9, §11): single-use WebSocket
//! tickets, login limits that answer 429 and a hashing queue that answers 503, one
//! answer for unknown and known emails, and sessions that end everywhere within two
//! seconds of a logout, a disabled account or a role change.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::kds::{Incoming, Kds, ticket};
use crate::store::{Backend, TestDb, backend};
use crate::support::{
    PASSWORD, Reply, Served, Staff, TEST_SECRET, TestApp, VENUE, instance_command, new_uuid,
    shared_redis,
};

const BIN: &str = env!("CARGO_BIN_EXE_brigade");
/// DESIGN §9: in force on every instance within two seconds.
const IN_FORCE: Duration = Duration::from_secs(2);

fn ws_url(base: &str, query: &str) -> String {
    format!("{}/api/v1/ws{query}", base.replacen("http", "ws", 1))
}

/// The status of a WebSocket upgrade: 101, or what refused it.
async fn upgrade_status(url: String) -> u16 {
    match awc::Client::new().ws(url).connect().await {
        Ok((response, _)) => response.status().as_u16(),
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => status.as_u16(),
        Err(e) => panic!("upgrade failed: {e}"),
    }
}

/// `brigade user ...` against the test's database, as an operator runs it.
fn cli(db: &TestDb, args: &[&str]) {
    let output = std::process::Command::new(BIN)
        .args(args)
        .env("BRIGADE_DATABASE_URL", db.url())
        .env("BRIGADE_USER_PASSWORD", PASSWORD)
        .env("BRIGADE_LOG", "warn")
        .output()
        .expect("brigade runs");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Polls `probe` until it returns true; how long that took, or `None` past `within`.
async fn time_until(within: Duration, mut probe: impl AsyncFnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() <= within {
        if probe().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

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
async fn a_ticket_opens_one_socket_once_and_not_after_it_expires() {
    let app = TestApp::start_with(TestDb::from_template().await, |args| {
        args.sign_in.ws_ticket_ttl_secs = 1;
    })
    .await;
    let chef = app.kitchen().await;

    let once = ticket(&app.base, &chef.token).await;
    assert_eq!(
        upgrade_status(ws_url(&app.base, &format!("?ticket={once}"))).await,
        101
    );
    assert_eq!(
        upgrade_status(ws_url(&app.base, &format!("?ticket={once}"))).await,
        401,
        "a ticket works once"
    );

    let late = ticket(&app.base, &chef.token).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        upgrade_status(ws_url(&app.base, &format!("?ticket={late}"))).await,
        401,
        "an expired ticket opens nothing"
    );

    let problem = app.anonymous().post("/api/v1/ws/ticket", json!({})).await;
    problem.expect_problem(401, "unauthorized");
    let tickets = app.count("SELECT count(*) FROM ws_tickets").await;
    assert_eq!(tickets, 0, "a used ticket, even an expired one, is gone");
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

    // One address trying many accounts is limited too (30 a minute by default).
    let sprayer = "192.0.2.99";
    for n in 0..30 {
        let email = format!("nobody{n}@spray.test");
        login_from(&app.base, sprayer, &email, "guess")
            .await
            .expect_problem(401, "invalid_credentials");
    }
    login_from(&app.base, sprayer, "chef@beerflow.demo", PASSWORD)
        .await
        .expect_problem(429, "rate_limited");
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

/// The chef, logged in, with a screen joined to the demo venue.
async fn chef_at_the_pass(app: &TestApp) -> (Staff, Kds) {
    let chef = app.kitchen().await;
    let mut screen = app.kds(&chef).await;
    screen.join(VENUE, None).await;
    (chef, screen)
}

async fn closes_with(screen: &mut Kds, code: u16) {
    loop {
        match screen.recv(IN_FORCE + Duration::from_millis(500)).await {
            Some(Incoming::Closed(got)) => {
                assert_eq!(got, Some(code));
                return;
            }
            Some(Incoming::Json(_)) => continue,
            None => panic!("the socket stayed open past {IN_FORCE:?}"),
        }
    }
}

#[actix_web::test]
async fn a_user_disabled_by_the_cli_is_refused_within_two_seconds_and_their_socket_closes() {
    let app = TestApp::spawn().await;
    let (chef, mut screen) = chef_at_the_pass(&app).await;
    chef.get("/api/v1/orders/kitchen-display").await.expect(200);

    cli(&app.db, &["user", "disable", "chef@beerflow.demo"]);
    let refused = time_until(IN_FORCE, async || {
        chef.get("/api/v1/orders/kitchen-display")
            .await
            .status
            .as_u16()
            == 401
    })
    .await;
    assert!(
        refused.is_some(),
        "still served {IN_FORCE:?} after the disable"
    );
    closes_with(&mut screen, 4002).await;
    app.anonymous()
        .post(
            "/api/v1/auth/login",
            json!({ "email": "chef@beerflow.demo", "password": PASSWORD }),
        )
        .await
        .expect_problem(401, "invalid_credentials");

    cli(&app.db, &["user", "enable", "chef@beerflow.demo"]);
    app.kitchen()
        .await
        .get("/api/v1/orders/kitchen-display")
        .await
        .expect(200);
}

#[actix_web::test]
async fn logging_out_ends_the_session_at_once_and_closes_its_sockets() {
    let app = TestApp::spawn().await;
    let (chef, mut screen) = chef_at_the_pass(&app).await;
    let other_device = app.kitchen().await;

    chef.post("/api/v1/auth/logout", json!({}))
        .await
        .expect(204);
    chef.get("/api/v1/tables")
        .await
        .expect_problem(401, "unauthorized");
    other_device
        .get("/api/v1/tables")
        .await
        .expect_problem(401, "unauthorized");
    closes_with(&mut screen, 4002).await;
    app.kitchen().await.get("/api/v1/tables").await.expect(200);
}

/// Opens a table as `manager` (managers may; waiters may not): the status.
async fn manage(manager: &Staff) -> u16 {
    manager
        .post(
            "/api/v1/tables",
            json!({ "name": format!("T-{}", new_uuid()), "seats": 2 }),
        )
        .await
        .status
        .as_u16()
}

#[actix_web::test]
async fn a_role_change_applies_within_two_seconds_on_every_instance() {
    let app = TestApp::spawn().await;
    // On PostgreSQL, a second instance on the same database: the change is made by
    // neither, and both learn of it from the store.
    let second = match backend() {
        Backend::Postgres => Some(
            Served::spawn(instance_command(
                &app.db,
                &shared_redis(),
                &format!("brigade:test:{}", new_uuid()),
            ))
            .await,
        ),
        Backend::Sqlite => None,
    };
    let manager = app.manager().await;
    assert_eq!(manage(&manager).await, 201);
    let elsewhere = match &second {
        Some(served) => Some(Staff::login(&served.base, "manager@beerflow.demo").await),
        None => None,
    };
    if let Some(elsewhere) = &elsewhere {
        assert_eq!(manage(elsewhere).await, 201);
    }

    cli(
        &app.db,
        &[
            "user",
            "create",
            "--email",
            "manager@beerflow.demo",
            "--name",
            "Demo Manager",
            "--venue",
            VENUE,
            "--role",
            "waiter",
        ],
    );
    let demoted = time_until(IN_FORCE, async || manage(&manager).await == 403).await;
    assert!(
        demoted.is_some(),
        "still a manager {IN_FORCE:?} after the change"
    );
    if let Some(elsewhere) = &elsewhere {
        let demoted = time_until(IN_FORCE, async || manage(elsewhere).await == 403).await;
        assert!(demoted.is_some(), "still a manager on the other instance");
    }
    // Waiting is what a waiter may still do.
    manager.get("/api/v1/tables").await.expect(200);
}

#[actix_web::test]
async fn a_token_carries_who_not_where_and_a_forged_one_opens_nothing() {
    let app = TestApp::spawn().await;
    let chef = app.kitchen().await;
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_exp = true;
    let claims = jsonwebtoken::decode::<Value>(
        &chef.token,
        &jsonwebtoken::DecodingKey::from_secret(TEST_SECRET.as_bytes()),
        &validation,
    )
    .expect("the server signs with the configured secret")
    .claims;
    assert!(
        claims.get("venues").is_none(),
        "no memberships in: {claims}"
    );
    assert!(
        chef.token.len() < 300,
        "a small token: {} bytes",
        chef.token.len()
    );

    let user = brigade_domain::UserId::from_uuid(
        claims["sub"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("sub"),
    );
    let foreign = brigade_http::JwtKeys::new(
        b"another-deployment-entirely-0f3c9a7e5b1d8c2a6e4f0b9d",
        Duration::from_secs(60),
    );
    chef.with_token(foreign.issue(user, 0).expect("token"))
        .get("/api/v1/tables")
        .await
        .expect_problem(401, "unauthorized");
    let ours = brigade_http::JwtKeys::new(TEST_SECRET.as_bytes(), Duration::from_secs(60));
    chef.with_token(ours.issue(user, 7).expect("token"))
        .get("/api/v1/tables")
        .await
        .expect_problem(401, "unauthorized");
}
