//! Outgrowing the embedded store: a venue's data moves to PostgreSQL with `brigade
//! export` and `brigade import`, and the venue carries on where it stopped.

use brigade_app::transfer::{Hashes, export, import};
use serde_json::json;

use crate::store::{Backend, TestDb, backend};
use crate::support::{TestApp, VENUE, brigade_cli, id};

#[actix_web::test]
async fn a_venue_moves_from_the_embedded_store_to_postgres_and_carries_on() {
    if backend() != Backend::Postgres {
        // It needs both stores; the e2e-postgres run covers it.
        return;
    }
    // A night on the embedded store: an order served from a lot, one still open.
    let source = TestDb::empty_on(Backend::Sqlite, "export_source").await;
    brigade_app::server::migrate(&source.store)
        .await
        .expect("migrate");
    let brigade = brigade_app::server::brigade(&source.store, 1).expect("store");
    brigade_app::seed::demo(&brigade).await.expect("seed");
    drop(brigade);
    let before = TestApp::start(source).await;
    let admin = before.admin().await;
    let waiter = before.waiter().await;
    let kitchen = before.kitchen().await;
    let table = admin.create_table("MOVE-T1").await;
    let product = admin.create_product("MOVE-1", 7.5).await;
    admin.create_lot(&product["id"], "L1", 10.0, None).await;
    let served = waiter.ready_order(&kitchen, &product, 4.0).await;
    waiter.set_status(&served["id"], "served").await.expect(200);
    let open = waiter
        .open_order(
            Some(&table["id"]),
            json!([{ "product_id": product["id"], "quantity": 1 }]),
        )
        .await;
    let seq_before: i64 = waiter
        .get(&format!("/api/v1/venues/{VENUE}/orders/kitchen-display"))
        .await
        .header("x-event-seq")
        .parse()
        .expect("seq");

    // Exported while the server runs, imported into an empty PostgreSQL.
    let mut file = Vec::new();
    let exported = export(&before.db.store, &mut file, Hashes::Included).expect("export");
    assert_eq!(exported["orders"], 2);
    let target = TestDb::empty_on(Backend::Postgres, "import_target").await;
    let imported = import(&target.store, &file[..]).await.expect("import");
    assert_eq!(imported, exported, "every row arrives");
    let again = import(&target.store, &file[..]).await;
    assert!(
        again.is_err_and(|e| e.to_string().contains("already holds")),
        "an import never merges into a venue's data"
    );

    // On PostgreSQL the same staff log in and find the same orders, stock and journal,
    // and numbering carries on without a gap or a reuse.
    let after = TestApp::start(target).await;
    let waiter = after.waiter().await;
    let moved = waiter
        .get(&format!(
            "/api/v1/venues/{VENUE}/orders/{}",
            id(&served["id"])
        ))
        .await
        .expect(200);
    assert_eq!(moved["status"], "served");
    assert_eq!(moved["items"][0]["allocations"][0]["quantity"], 4.0);
    let still_open = waiter
        .get(&format!(
            "/api/v1/venues/{VENUE}/orders/{}",
            id(&open["id"])
        ))
        .await
        .expect(200);
    assert_eq!(still_open["table_name"], "MOVE-T1");
    let lots = after
        .admin()
        .await
        .get(&format!(
            "/api/v1/venues/{VENUE}/lots?product_id={}",
            id(&product["id"])
        ))
        .await
        .expect(200);
    assert_eq!(lots[0]["qty_current"], 6.0);
    let next = waiter
        .open_order(
            None,
            json!([{ "product_id": product["id"], "quantity": 1 }]),
        )
        .await;
    assert_eq!(next["order_number"], 3);
    let journal = after
        .integers(&format!(
            "SELECT seq FROM events WHERE venue_id = '{VENUE}' ORDER BY seq"
        ))
        .await;
    assert_eq!(
        journal,
        (1..=journal.len() as i64).collect::<Vec<_>>(),
        "gap-free"
    );
    assert!(
        journal.len() as i64 > seq_before,
        "new events follow the moved ones"
    );
}

#[actix_web::test]
async fn an_embedded_store_left_behind_by_an_older_release_is_migrated_before_it_is_exported() {
    let old = TestDb::empty_on(Backend::Sqlite, "export_old_schema").await;
    brigade_app::server::migrate(&old.store)
        .await
        .expect("migrate");
    brigade_app::server::revert_last(&old.store)
        .await
        .expect("back one release");

    let refused = export(&old.store, &mut Vec::new(), Hashes::LeftOut)
        .expect_err("an export of an old schema");
    assert!(
        refused.to_string().contains("run `brigade migrate`"),
        "{refused}"
    );

    brigade_app::server::migrate(&old.store)
        .await
        .expect("migrate");
    export(&old.store, &mut Vec::new(), Hashes::LeftOut).expect("then it exports");
}

#[actix_web::test]
async fn an_export_file_is_its_owners_alone_and_holds_password_hashes_only_when_asked() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::empty_on(Backend::Sqlite, "export_private").await;
    brigade_app::server::migrate(&db.store)
        .await
        .expect("migrate");
    let brigade = brigade_app::server::brigade(&db.store, 1).expect("store");
    brigade_app::seed::demo(&brigade).await.expect("seed");
    drop(brigade);
    let out = crate::store::scratch_dir("export_private").join("export.jsonl");
    // A file left world-readable by an earlier copy is narrowed, not reused as is.
    std::fs::write(&out, "old").expect("an old file");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).expect("0644");

    let hashes = |args: &[&str]| {
        let said = brigade_cli(
            &db,
            &[&["export", "--out", &out.display().to_string()], args].concat(),
        );
        let mode = std::fs::metadata(&out)
            .expect("written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{said}");
        std::fs::read_to_string(&out)
            .expect("readable")
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|l| l["table"] == "users")
            .map(|l| l["row"]["password_hash"].as_str().unwrap_or("?").to_owned())
            .collect::<Vec<_>>()
    };
    let left_out = hashes(&[]);
    assert!(!left_out.is_empty());
    assert!(left_out.iter().all(String::is_empty), "{left_out:?}");
    let included = hashes(&["--with-password-hashes"]);
    assert!(
        included.iter().all(|h| h.starts_with("$argon2")),
        "{included:?}"
    );
}
