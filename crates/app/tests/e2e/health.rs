//! Health as operators and load balancers see it (DESIGN §8): the kitchen in the
//! detailed view, and readiness that follows the database down and back up without a
//! restart.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use brigade_app::config::{DatabaseArgs, ServeArgs};
use serde_json::json;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::store::{Backend, backend};
use crate::support::{Staff, TestApp, id};

/// A UTC timestamp `minutes` ago that both stores read and compare correctly.
pub(crate) fn ago(minutes: i64) -> String {
    (OffsetDateTime::now_utc() - time::Duration::minutes(minutes))
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]+00:00"
        ))
        .expect("format")
}

#[actix_web::test]
async fn the_detailed_view_shows_active_stuck_and_average_preparation_in_the_kitchen() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let product = admin.create_product("HEALTH-1", 5.0).await;
    let confirmed = waiter.order_one(&product, None).await;
    waiter
        .set_status(&confirmed["id"], "confirmed")
        .await
        .expect(200);
    let stuck = waiter.ready_order(&kitchen, &product, 1.0).await;
    let cooked = waiter.ready_order(&kitchen, &product, 1.0).await;
    // `stuck` went back to the stove 30 minutes ago; `cooked` took 10 minutes.
    app.exec(&format!(
        "UPDATE orders SET status = 'preparing', ready_at = NULL, kitchen_started_at = '{}' WHERE id = '{}';
         UPDATE orders SET kitchen_started_at = '{}', ready_at = '{}' WHERE id = '{}';",
        ago(30),
        id(&stuck["id"]),
        ago(10),
        ago(0),
        id(&cooked["id"]),
    ))
    .await;

    let health = app.anonymous().get("/health").await.expect(200);
    let kitchen = &health["components"]["kitchen"];
    assert_eq!(kitchen["active_orders"], 3, "{health}");
    assert_eq!(kitchen["stuck_in_preparing"], 1);
    assert_eq!(kitchen["status"], "attention");
    let avg = kitchen["avg_preparation_seconds_last_hour"]
        .as_f64()
        .expect("an average");
    assert!((540.0..=660.0).contains(&avg), "about 10 minutes: {avg}");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["components"]["database"]["status"], "up");

    let ready = app.anonymous().get("/health/ready").await.expect(200);
    assert_eq!(
        ready,
        json!({ "status": "ok", "database": "up", "websocket": "up" })
    );
    app.anonymous().get("/health/live").await.expect(200);
}

/// A PostgreSQL server of this test's own, which it may stop and start again
/// (`initdb` refuses root: it runs as the `postgres` user).
pub(crate) struct PrivatePostgres {
    dir: PathBuf,
    port: u16,
    /// More server settings (`-c name=value ...`).
    settings: String,
}

impl PrivatePostgres {
    pub(crate) fn pg_ctl(&self, action: &str) -> bool {
        let bin = pg_bindir();
        let data = self.dir.join("data");
        let log = self.dir.join("log");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 {}",
            self.port,
            self.dir.display(),
            self.settings
        );
        let mut args = vec![
            "-u".to_owned(),
            "postgres".to_owned(),
            "--".to_owned(),
            format!("{bin}/pg_ctl"),
            "-D".to_owned(),
            data.display().to_string(),
            "-l".to_owned(),
            log.display().to_string(),
            "-w".to_owned(),
        ];
        if action == "start" {
            args.extend(["-o".to_owned(), options]);
        } else {
            args.extend(["-m".to_owned(), "fast".to_owned()]);
        }
        args.push(action.to_owned());
        Command::new("runuser")
            .args(&args)
            .output()
            .is_ok_and(|o| o.status.success())
    }

    pub(crate) fn start() -> PrivatePostgres {
        Self::start_with("")
    }

    /// A server started with `settings` (`-c name=value ...`).
    pub(crate) fn start_with(settings: &str) -> PrivatePostgres {
        let port = crate::support::free_port();
        let dir = crate::store::scratch_dir(&format!("pg-{port}"));
        let chowned = Command::new("chown")
            .args(["-R", "postgres", &dir.display().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(chowned, "chown {} to postgres", dir.display());
        let initdb = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(format!("{}/initdb", pg_bindir()))
            .args(["-D", &dir.join("data").display().to_string()])
            .args(["-A", "trust", "-U", "postgres"])
            .output()
            .expect("initdb runs");
        assert!(
            initdb.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        let pg = PrivatePostgres {
            dir,
            port,
            settings: settings.to_owned(),
        };
        assert!(pg.pg_ctl("start"), "pg_ctl start");
        pg
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.pg_ctl("stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn pg_bindir() -> String {
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .expect("pg_config (PostgreSQL's server package) is installed");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

async fn status_of(base: &str, path: &str) -> u16 {
    Staff::anonymous(base).get(path).await.status.as_u16()
}

#[actix_web::test]
async fn readiness_turns_503_while_postgres_is_down_and_200_when_it_is_back_without_a_restart() {
    if backend() != Backend::Postgres {
        // The embedded store cannot go away; the e2e-postgres run covers this.
        return;
    }
    let pg = PrivatePostgres::start();
    let mut args = ServeArgs::dev(DatabaseArgs::new(Some(pg.url())));
    args.jwt_secret = Some(crate::support::TEST_SECRET.to_owned());
    args.bind = "127.0.0.1:0".parse().expect("addr");
    args.workers = Some(1);
    args.demo = true;
    let running = brigade_app::server::start(&args).await.expect("starts");
    let base = format!("http://{}", running.addr);
    let handle = running.handle.clone();
    actix_web::rt::spawn(running.server);
    assert_eq!(status_of(&base, "/health/ready").await, 200);

    assert!(pg.pg_ctl("stop"), "pg_ctl stop");
    assert_eq!(status_of(&base, "/health/ready").await, 503);
    let health = Staff::anonymous(&base).get("/health").await;
    assert_eq!(health.status.as_u16(), 503);
    assert_eq!(health.body["components"]["database"]["status"], "down");
    assert_eq!(health.body["status"], "unavailable");
    assert_eq!(
        status_of(&base, "/health/live").await,
        200,
        "alive, just not ready"
    );

    assert!(pg.pg_ctl("start"), "pg_ctl start again");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while status_of(&base, "/health/ready").await != 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "ready again within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // And it serves again: the demo staff log in.
    Staff::login(&base, "waiter1@beerflow.demo").await;
    drop(handle.stop(false));
}
