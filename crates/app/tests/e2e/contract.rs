//! The store ports' own promises, below the HTTP API, on whichever store the suite runs
//! against: what a use case relies on when it opens, abandons or reads a transaction.

use brigade_application::model::{JournalEntry, Venue};
use brigade_domain::{StockPolicy, VenueId};
use time::OffsetDateTime;

use crate::store::TestDb;
use crate::support::VENUE;

fn demo() -> VenueId {
    VenueId::from_uuid(VENUE.parse().expect("uuid"))
}

#[actix_web::test]
async fn a_transaction_dropped_without_commit_leaves_nothing_and_frees_its_connection() {
    let db = TestDb::from_template().await;
    // One connection: the next transaction must reuse the abandoned one's.
    let uow = brigade_app::server::unit_of_work(&db.store, 1).expect("store");
    let before = {
        let mut tx = uow.read().await.expect("read");
        tx.events().latest_seq(demo()).await.expect("seq")
    };

    let mut tx = uow.begin().await.expect("begin");
    let (_, seq) = tx.venues().take_numbers(demo(), 1, 1).await.expect("take");
    assert_eq!(seq, before + 1);
    tx.venues()
        .upsert(&Venue {
            stock_policy: StockPolicy::Strict,
            ..Venue::new(demo(), "Renamed, never committed")
        })
        .await
        .expect("upsert");
    drop(tx);

    let mut tx = uow.begin().await.expect("the connection is usable again");
    let venue = tx.venues().get(demo()).await.expect("get").expect("venue");
    assert_ne!(venue.name, "Renamed, never committed");
    assert_eq!(venue.stock_policy, StockPolicy::Partial);
    let (_, seq) = tx.venues().take_numbers(demo(), 0, 1).await.expect("take");
    assert_eq!(seq, before + 1, "the abandoned seq was never taken");
    tx.rollback().await.expect("rollback");
}

#[actix_web::test]
async fn a_read_transaction_keeps_its_snapshot_while_a_write_commits() {
    let db = TestDb::from_template().await;
    let uow = brigade_app::server::unit_of_work(&db.store, 2).expect("store");

    let mut reader = uow.read().await.expect("read");
    let seen = reader.events().latest_seq(demo()).await.expect("seq");

    let mut writer = uow.begin().await.expect("begin");
    let (_, seq) = writer
        .venues()
        .take_numbers(demo(), 0, 1)
        .await
        .expect("take");
    let event = brigade_domain::DomainEvent::TableStatusChanged {
        table_id: brigade_domain::TableId::new(),
        table_name: "T".to_owned(),
        from: brigade_domain::TableStatus::Available,
        status: brigade_domain::TableStatus::Occupied,
    };
    writer
        .events()
        .insert(&[JournalEntry::new(
            demo(),
            seq,
            &event,
            OffsetDateTime::now_utc(),
        )])
        .await
        .expect("journal");
    writer.commit().await.expect("commit");

    assert_eq!(
        reader.events().latest_seq(demo()).await.expect("seq"),
        seen,
        "one consistent snapshot"
    );
    assert!(
        reader
            .events()
            .since(demo(), seen, 10)
            .await
            .expect("since")
            .is_empty()
    );
    reader.commit().await.expect("end");

    let mut fresh = uow.read().await.expect("read");
    let entries = fresh.events().since(demo(), seen, 10).await.expect("since");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].seq, seen + 1);
    assert_eq!(entries[0].kind, "table_status_changed");
}

#[actix_web::test]
async fn pruning_never_leaves_a_hole_in_the_journal() {
    let db = TestDb::from_template().await;
    let uow = brigade_app::server::unit_of_work(&db.store, 1).expect("store");
    let event = |n: usize| brigade_domain::DomainEvent::KitchenAlert {
        code: "test".to_owned(),
        message: format!("alert {n}"),
        severity: "info".to_owned(),
        order_id: None,
    };
    let now = OffsetDateTime::now_utc();
    // A use case stamps `at` when it starts and takes its seq at the end: a later seq
    // can carry an earlier time. Here the second of three is the oldest.
    let ages = [
        time::Duration::hours(1),
        time::Duration::days(10),
        time::Duration::hours(2),
    ];
    let mut tx = uow.begin().await.expect("begin");
    let (_, last) = tx
        .venues()
        .take_numbers(demo(), 0, ages.len() as i64)
        .await
        .expect("take");
    let first = last - ages.len() as i64 + 1;
    let entries: Vec<JournalEntry> = ages
        .iter()
        .enumerate()
        .map(|(n, age)| JournalEntry::new(demo(), first + n as i64, &event(n), now - *age))
        .collect();
    tx.events().insert(&entries).await.expect("journal");
    tx.commit().await.expect("commit");

    brigade_app::server::brigade(&db.store, 1)
        .expect("store")
        .prune_journal(now - time::Duration::days(7))
        .await
        .expect("prune");

    let mut tx = uow.read().await.expect("read");
    let left: Vec<i64> = tx
        .events()
        .since(demo(), 0, 10_000)
        .await
        .expect("since")
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(
        left,
        vec![first + 2],
        "everything up to the old event went, nothing after"
    );
    assert_eq!(
        tx.events().first_seq(demo()).await.expect("first"),
        Some(first + 2)
    );
}
