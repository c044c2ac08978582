//! The instances as a PostgreSQL role that owns nothing (DESIGN §8, #20): the grants
//! are deploy/postgres/app-role.sql's, as a deployment runs it. `serve` starts on that
//! role when no migration is pending and says what to run when one is; the role works
//! a whole service and cannot change the schema.

use std::path::Path;
use std::process::Command;

use brigade_app::config::DatabaseArgs;
use serde_json::json;

use crate::store::{Backend, TestDb, backend};
use crate::support::{TestApp, VENUE, new_uuid};

/// A login role of this test's own, dropped after its database (declare it first).
struct AppRole {
    name: String,
    password: String,
    /// The server's maintenance database, as the owner: where the role is dropped.
    server: String,
}

impl AppRole {
    /// The role, created and granted by `deploy/postgres/app-role.sql` in `db` (run by
    /// the owner, as `deploy/postgres/app-role.sh` runs it).
    fn create(db: &TestDb) -> AppRole {
        let owner = db.url();
        let (server, _) = owner.rsplit_once('/').expect("a database in the test URL");
        let role = AppRole {
            name: format!("brigade_app_{}", &new_uuid()[..8]),
            password: new_uuid(),
            server: format!("{server}/postgres"),
        };
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/postgres/app-role.sql");
        let output = Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
            .args(["-v", &format!("app_role={}", role.name)])
            .args(["-v", &format!("app_password={}", role.password)])
            .args(["-f", &script.display().to_string(), &db.url()])
            .output()
            .expect("psql (Debian package postgresql-client) runs");
        assert!(
            output.status.success(),
            "app-role.sql: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        role
    }

    /// `db`'s URL with this role's credentials.
    fn url(&self, db: &TestDb) -> String {
        let owner = db.url();
        let (_, rest) = owner.split_once('@').expect("user@host in the test URL");
        format!("postgres://{}:{}@{rest}", self.name, self.password)
    }

    /// Runs `sql` as this role; the error's text when it is refused.
    fn refused(&self, db: &TestDb, sql: &str) -> String {
        let output = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
                &self.url(db),
            ])
            .output()
            .expect("psql runs");
        assert!(!output.status.success(), "{sql} was allowed");
        String::from_utf8_lossy(&output.stderr).into_owned()
    }
}

impl Drop for AppRole {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args(["-X", "-q", &self.server])
            .args(["-c", &format!("DROP ROLE IF EXISTS {}", self.name)])
            .output();
    }
}

#[actix_web::test]
async fn the_app_serves_a_whole_order_as_a_role_that_owns_nothing_and_cannot_change_the_schema() {
    if backend() != Backend::Postgres {
        return; // roles are PostgreSQL's; the embedded store is one file
    }
    let db = TestDb::from_template().await;
    let role = AppRole::create(&db);
    let as_role = DatabaseArgs::new(Some(role.url(&db)));

    // A release with a migration the database lacks: the role may not apply it, and
    // the instance says what to run instead of half-starting.
    let reverted = brigade_sql::pg::revert_last(&db.url())
        .await
        .expect("revert");
    let mut args = brigade_app::config::ServeArgs::dev(as_role.clone());
    args.bind = "127.0.0.1:0".parse().expect("addr");
    args.jwt_secret = Some(crate::support::TEST_SECRET.to_owned());
    let refused = brigade_app::server::start(&args)
        .await
        .err()
        .expect("a role that owns nothing cannot migrate");
    let said = format!("{refused:#}");
    assert!(
        said.contains(&reverted[0]) && said.contains("brigade migrate"),
        "{said}"
    );
    // The owner migrates (as deploy.sh and compose's migrate service do); the table it
    // creates is the role's to use through the default privileges.
    brigade_sql::pg::migrate(&db.url()).await.expect("migrate");

    let app = TestApp::start_with(db, |args| args.database = as_role).await;
    let admin = app.admin().await;
    let product = admin.create_product("ROLE-1", 6.0).await;
    admin
        .create_lot(&product["id"], "LOT-ROLE", 5.0, Some("2099-01-01"))
        .await;
    let waiter = app.waiter().await;
    let order = waiter
        .ready_order(&app.kitchen().await, &product, 2.0)
        .await;
    let served = waiter.set_status(&order["id"], "served").await.expect(200);
    assert_eq!(served["status"], "served");
    let lots = admin.get("/api/v1/lots").await.expect(200);
    let lot = lots
        .as_array()
        .expect("lots")
        .iter()
        .find(|l| l["lot_code"] == "LOT-ROLE")
        .expect("the lot");
    assert_eq!(lot["qty_current"], 3.0, "FEFO took two");
    admin
        .patch(
            &format!("/api/v1/venues/{VENUE}"),
            json!({ "name": "Renamed by the role" }),
        )
        .await
        .expect(200);

    for (sql, refusal) in [
        ("DROP TABLE orders", "must be owner"),
        ("ALTER TABLE orders ADD COLUMN x int", "must be owner"),
        ("TRUNCATE events", "permission denied"),
        ("CREATE TABLE intruder (id int)", "permission denied"),
    ] {
        let said = role.refused(&app.db, sql);
        assert!(said.contains(refusal), "{sql}: {said}");
    }
}
