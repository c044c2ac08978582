//! The `brigade` binary as an operator uses it: migrate, seed, create a user, serve.

use std::process::Command;

use crate::store::TestDb;
use crate::support::Served;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_brigade");

fn brigade(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("BRIGADE_DATABASE_URL", url)
        .env_remove("BRIGADE_JWT_SECRET")
        .env_remove("BRIGADE_DEV")
        .env("BRIGADE_LOG", "warn")
        .output()
        .expect("brigade runs")
}

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[actix_web::test]
async fn an_operator_migrates_seeds_creates_staff_and_serves() {
    let db = TestDb::empty("cli").await;
    let url = db.url();

    let first = brigade(&url, &["migrate"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("Applied"));
    let again = brigade(&url, &["migrate"]);
    assert!(text(&again).contains("up to date"), "{}", text(&again));

    for _ in 0..2 {
        let seeded = brigade(&url, &["seed", "--demo"]);
        assert!(
            seeded.status.success(),
            "seeding is idempotent: {}",
            text(&seeded)
        );
    }
    let created = Command::new(BIN)
        .args([
            "user",
            "create",
            "--email",
            "Night.Manager@Example.com",
            "--name",
            "Night Manager",
            "--venue",
            "00000000-0000-0000-0000-000000000001",
            "--role",
            "manager",
        ])
        .env("BRIGADE_DATABASE_URL", &url)
        .env("BRIGADE_USER_PASSWORD", "a-long-night-shift")
        .output()
        .expect("runs");
    assert!(created.status.success(), "{}", text(&created));

    // No secret and no --dev: refuse to start, and say what to set.
    let refused = brigade(&url, &["serve", "--bind", "127.0.0.1:0"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("BRIGADE_JWT_SECRET"),
        "{}",
        text(&refused)
    );

    let mut command = Command::new(BIN);
    command
        .args(["serve", "--bind", "127.0.0.1:0", "--workers", "1"])
        .env("BRIGADE_DATABASE_URL", &url)
        .env("BRIGADE_JWT_SECRET", crate::support::TEST_SECRET)
        .env("BRIGADE_LOG", "warn");
    let served = Served::spawn(command).await;
    let base = served.base.clone();

    let client = awc::Client::default();
    let mut login = client
        .post(format!("{base}/api/v1/auth/login"))
        .send_json(
            &json!({ "email": "night.manager@example.com", "password": "a-long-night-shift" }),
        )
        .await
        .expect("login");
    assert_eq!(login.status().as_u16(), 200);
    let body: serde_json::Value = login.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["user"]["venues"][0]["role"], "manager");
    let ready = client
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status().as_u16(), 200);

    drop(served);
}

/// The README's first command: no database server, no configuration.
#[actix_web::test]
async fn serve_dev_demo_with_no_database_url_runs_on_the_embedded_store() {
    let dir = crate::store::scratch_dir("zero-setup");
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--dev", "--demo", "--bind", "127.0.0.1:0"])
        .current_dir(&dir)
        .env_remove("BRIGADE_DATABASE_URL")
        .env_remove("BRIGADE_DATA_DIR")
        .env_remove("BRIGADE_JWT_SECRET")
        .env("BRIGADE_LOG", "warn");
    let served = Served::spawn(command).await;
    let (base, banner) = (served.base.clone(), served.banner.clone());
    let file = dir.join("brigade-data").join("brigade.db");
    assert!(
        banner.contains(&format!("embedded SQLite at {}", file.display())),
        "prints where its data lives: {banner}"
    );

    let client = awc::Client::default();
    let mut login = client
        .post(format!("{base}/api/v1/auth/login"))
        .send_json(&json!({ "email": "admin@beerflow.demo", "password": "admin123!" }))
        .await
        .expect("login");
    assert_eq!(login.status().as_u16(), 200, "the demo staff can log in");
    let body: serde_json::Value = login.json().await.expect("json");
    assert_eq!(
        body["user"]["venues"][0]["venue_id"],
        "00000000-0000-0000-0000-000000000001"
    );
    assert!(file.exists());
    let token = body["access_token"].as_str().expect("token").to_owned();
    drop(served);

    // The dev secret was generated into the data directory, not taken from the source
    // code: a restart keeps it, so the token still works.
    let secret = dir.join("brigade-data").join(brigade_app::DEV_SECRET_FILE);
    let kept = std::fs::read_to_string(&secret).expect("the secret is kept");
    assert!(brigade_app::estimated_bits(&kept) > 128.0);
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--dev", "--bind", "127.0.0.1:0"])
        .current_dir(&dir)
        .env_remove("BRIGADE_DATABASE_URL")
        .env_remove("BRIGADE_DATA_DIR")
        .env_remove("BRIGADE_JWT_SECRET")
        .env("BRIGADE_LOG", "warn");
    let restarted = Served::spawn(command).await;
    let tables = client
        .get(format!("{}/api/v1/tables", restarted.base))
        .insert_header(("authorization", format!("Bearer {token}")))
        .send()
        .await
        .expect("tables");
    assert_eq!(
        tables.status().as_u16(),
        200,
        "the token survives the restart"
    );

    drop(restarted);
    let _ = std::fs::remove_dir_all(&dir);
}

#[actix_web::test]
async fn a_weak_or_published_secret_refuses_to_start_naming_the_variable() {
    let db = TestDb::from_template().await;
    for weak in [
        "hunter2",
        "e2e-secret-e2e-secret-e2e-secret-e2e",
        "brigade-dev-secret-not-for-production-use",
    ] {
        let refused = Command::new(BIN)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("BRIGADE_DATABASE_URL", db.url())
            .env("BRIGADE_JWT_SECRET", weak)
            .env("BRIGADE_LOG", "warn")
            .output()
            .expect("runs");
        assert!(!refused.status.success(), "{weak} was accepted");
        let said = text(&refused);
        assert!(said.contains("BRIGADE_JWT_SECRET"), "{said}");
        assert!(!said.contains(weak), "the secret is never printed: {said}");
    }
}
