//! A venue's staff, managed by its admins (DESIGN §9): adding an email that has an
//! account only attaches a membership, a new one gets a one-time set-password token,
//! nobody but the owner changes an account's password or name, and a venue always keeps
//! an admin.

use std::time::Duration;

use serde_json::json;

use crate::kds::Incoming;
use crate::support::{PASSWORD, Staff, TestApp, VENUE, brigade_cli};

fn login_body(email: &str, password: &str) -> serde_json::Value {
    json!({ "email": email, "password": password })
}

/// Creates a venue by the CLI with a brand-new admin, who sets their password with the
/// printed token and logs in.
async fn second_venue_with_new_admin(app: &TestApp) -> (String, Staff) {
    let said = brigade_cli(
        &app.db,
        &[
            "venue",
            "create",
            "--name",
            "Venue B",
            "--admin",
            "boss@b.test",
        ],
    );
    let venue = said
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let token = said
        .split('"')
        .skip_while(|s| *s != "token")
        .nth(2)
        .unwrap_or_else(|| panic!("no token in: {said}"))
        .to_owned();
    let anonymous = app.anonymous();
    anonymous
        .post(
            "/api/v1/auth/login",
            login_body("boss@b.test", "anything-at-all"),
        )
        .await
        .expect_problem(401, "invalid_credentials");
    anonymous
        .post(
            "/api/v1/auth/set-password",
            json!({ "token": token, "password": "boss-of-b-123" }),
        )
        .await
        .expect(204);
    anonymous
        .post(
            "/api/v1/auth/set-password",
            json!({ "token": token, "password": "taken-over-456" }),
        )
        .await
        .expect_problem(409, "invalid_token");
    let boss = Staff::login_with(&app.base, "boss@b.test", "boss-of-b-123").await;
    (venue, boss)
}

#[actix_web::test]
async fn an_admin_of_another_venue_adding_a_waiters_email_changes_nothing_of_that_account() {
    let app = TestApp::spawn().await;
    let (venue_b, boss) = second_venue_with_new_admin(&app).await;

    let added = boss
        .post(
            &format!("/api/v1/venues/{venue_b}/staff"),
            json!({ "email": "WAITER1@beerflow.demo", "full_name": "Hijacked Name",
                    "role": "waiter" }),
        )
        .await
        .expect(201);
    assert_eq!(added["created"], false);
    assert!(added.get("set_password_token").is_none(), "{added}");
    assert_eq!(added["full_name"], "Demo Waiter", "the name is the owner's");

    // The waiter's own password still works, in both venues now.
    let waiter = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            login_body("waiter1@beerflow.demo", PASSWORD),
        )
        .await
        .expect(200);
    assert_eq!(waiter["user"]["full_name"], "Demo Waiter");
    assert_eq!(waiter["user"]["venues"].as_array().map(Vec::len), Some(2));

    // An admin of B manages B only.
    boss.get(&format!("/api/v1/venues/{VENUE}/staff"))
        .await
        .expect_problem(404, "not_found");

    // The CLI follows the same rule: an existing email keeps its password.
    let said = brigade_cli(
        &app.db,
        &[
            "user",
            "create",
            "--email",
            "boss@b.test",
            "--name",
            "Renamed",
            "--venue",
            &venue_b,
            "--role",
            "admin",
        ],
    );
    assert!(said.contains("unchanged"), "{said}");
    Staff::login_with(&app.base, "boss@b.test", "boss-of-b-123").await;
}

#[actix_web::test]
async fn the_last_admin_can_be_neither_demoted_nor_removed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = admin
        .get(&format!("/api/v1/venues/{VENUE}/staff"))
        .await
        .expect(200);
    let me = staff
        .as_array()
        .and_then(|s| s.iter().find(|m| m["role"] == "admin"))
        .map(|m| m["user_id"].as_str().unwrap_or_default().to_owned())
        .expect("an admin");
    let mine = format!("/api/v1/venues/{VENUE}/staff/{me}");
    admin
        .patch(&mine, json!({ "role": "manager" }))
        .await
        .expect_problem(409, "last_admin");
    admin.delete(&mine).await.expect_problem(409, "last_admin");
    // Nor through the CLI.
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_brigade"))
        .args([
            "user",
            "create",
            "--email",
            "admin@beerflow.demo",
            "--name",
            "A",
            "--venue",
            VENUE,
            "--role",
            "waiter",
        ])
        .env("BRIGADE_DATABASE_URL", app.db.url())
        .env("BRIGADE_USER_PASSWORD", PASSWORD)
        .output()
        .expect("runs");
    assert!(!refused.status.success());

    // With a second admin, the first may step down.
    let new_admin = admin
        .post(
            &format!("/api/v1/venues/{VENUE}/staff"),
            json!({ "email": "second@beerflow.demo", "full_name": "Second", "role": "admin" }),
        )
        .await
        .expect(201);
    assert_eq!(new_admin["created"], true);
    assert!(
        new_admin["set_password_token"]
            .as_str()
            .is_some_and(|t| t.len() == 64)
    );
    admin
        .patch(&mine, json!({ "role": "manager" }))
        .await
        .expect(200);
}

#[actix_web::test]
async fn adding_a_pending_account_again_gives_a_new_token_and_a_member_is_not_added_twice() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = format!("/api/v1/venues/{VENUE}/staff");
    let invite = json!({ "email": "new.cook@beerflow.demo", "full_name": "New Cook",
                         "role": "kitchen" });
    let first = admin.post(&staff, invite.clone()).await.expect(201);
    // The answer was lost: adding the email again hands out a new token.
    let again = admin.post(&staff, invite).await.expect(201);
    assert_eq!(again["created"], false);
    let (old, new) = (&first["set_password_token"], &again["set_password_token"]);
    assert!(
        new.as_str().is_some_and(|t| t.len() == 64) && old != new,
        "{again}"
    );
    app.anonymous()
        .post(
            "/api/v1/auth/set-password",
            json!({ "token": new, "password": "a-cook-at-last" }),
        )
        .await
        .expect(204);
    Staff::login_with(&app.base, "new.cook@beerflow.demo", "a-cook-at-last").await;

    // Someone already on the staff is re-roled, not added twice.
    admin
        .post(
            &staff,
            json!({ "email": "chef@beerflow.demo", "full_name": "Chef", "role": "waiter" }),
        )
        .await
        .expect_problem(409, "already_staff");
}

#[actix_web::test]
async fn a_removed_member_loses_the_venue_within_two_seconds() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let tables = format!("/api/v1/venues/{VENUE}/tables");
    waiter.get(&tables).await.expect(200);
    let mut screen = app.kds(&waiter).await;
    screen.join(VENUE, None).await;
    let staff = admin
        .get(&format!("/api/v1/venues/{VENUE}/staff"))
        .await
        .expect(200);
    let waiter_id = staff
        .as_array()
        .and_then(|s| s.iter().find(|m| m["email"] == "waiter1@beerflow.demo"))
        .and_then(|m| m["user_id"].as_str())
        .expect("the waiter")
        .to_owned();
    admin
        .delete(&format!("/api/v1/venues/{VENUE}/staff/{waiter_id}"))
        .await
        .expect(204);
    let start = std::time::Instant::now();
    loop {
        // A venue one is not a member of answers like one that does not exist.
        if waiter.get(&tables).await.status.as_u16() == 404 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(2), "still served");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Their screen of the venue closes: no longer a member (4003).
    loop {
        match screen.recv(Duration::from_secs(3)).await {
            Some(Incoming::Closed(code)) => {
                assert_eq!(code, Some(4003));
                break;
            }
            Some(Incoming::Json(_)) => continue,
            None => panic!("the screen stayed open"),
        }
    }
    // Their account is untouched: they still log in (to no venue).
    app.waiter().await;
}
