//! Every migration runs up -> down -> up on an empty database.

use brigade_app::server::{migrate, revert_all};

use crate::store::TestDb;

#[actix_web::test]
async fn migrations_run_up_down_and_up_again() {
    let db = TestDb::empty("migrations").await;

    let up = migrate(&db.store).await.expect("up");
    assert!(!up.is_empty());
    let down = revert_all(&db.store).await.expect("down");
    assert_eq!(down.len(), up.len());
    let again = migrate(&db.store).await.expect("up again");
    assert_eq!(again, up);
    assert!(migrate(&db.store).await.expect("idempotent").is_empty());
}
