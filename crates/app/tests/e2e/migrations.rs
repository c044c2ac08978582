//! Every migration runs up -> down -> up on an empty database.

use crate::support::{drop_scratch, scratch_database};

#[actix_web::test]
async fn migrations_run_up_down_and_up_again() {
    let (admin, name, url) = scratch_database("migrations").await;

    let up = brigade_postgres::migrate(&url).await.expect("up");
    assert!(!up.is_empty());
    let down = brigade_postgres::revert_all(&url).await.expect("down");
    assert_eq!(down.len(), up.len());
    let again = brigade_postgres::migrate(&url).await.expect("up again");
    assert_eq!(again, up);
    assert!(
        brigade_postgres::migrate(&url)
            .await
            .expect("idempotent")
            .is_empty()
    );

    drop_scratch(&admin, &name).await;
}
