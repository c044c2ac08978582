//! Sessions (DESIGN §9, §11): single-use WebSocket tickets, tokens that say who and not
//! where, and sessions that end everywhere within two seconds of a logout, a disabled
//! account or a role change. Logging in itself: `logins.rs`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::kds::{Incoming, Kds, ticket};
use crate::store::{Backend, TestDb, backend};
use crate::support::{
    PASSWORD, Served, Staff, TEST_SECRET, TestApp, VENUE, brigade_cli, instance_command, new_uuid,
    shared_redis,
};

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

    brigade_cli(&app.db, &["user", "disable", "chef@beerflow.demo"]);
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

    brigade_cli(&app.db, &["user", "enable", "chef@beerflow.demo"]);
    let again = app.kitchen().await;
    let served = time_until(IN_FORCE, async || {
        again
            .get("/api/v1/orders/kitchen-display")
            .await
            .status
            .as_u16()
            == 200
    })
    .await;
    assert!(
        served.is_some(),
        "enabled again, yet refused past {IN_FORCE:?}"
    );
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

#[actix_web::test]
async fn a_member_removed_from_the_venue_is_refused_there_and_their_screen_closes() {
    let app = TestApp::spawn().await;
    let (chef, mut screen) = chef_at_the_pass(&app).await;
    // Removed elsewhere (another instance; here by hand, as `DELETE /staff/{id}` does
    // it): only the store's stamp tells this instance.
    let now = match backend() {
        Backend::Postgres => "now()",
        Backend::Sqlite => "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')",
    };
    app.exec(&format!(
        "DELETE FROM memberships WHERE venue_id = '{VENUE}'
            AND user_id = (SELECT id FROM users WHERE email = 'chef@beerflow.demo');
         UPDATE users SET access_changed_at = {now} WHERE email = 'chef@beerflow.demo';"
    ))
    .await;
    closes_with(&mut screen, 4003).await;
    chef.get(&format!("/api/v1/venues/{VENUE}/tables"))
        .await
        .expect_problem(404, "not_found");
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

    brigade_cli(
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
