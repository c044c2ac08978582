//! Every migration runs up -> down -> up on an empty database.

use tokio_postgres::NoTls;

#[actix_web::test]
async fn migrations_run_up_down_and_up_again() {
    let server = std::env::var("BRIGADE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
    let name = format!("brigade_test_{}_migrations", std::process::id());
    let (admin, conn) = tokio_postgres::connect(&format!("{server}/postgres"), NoTls)
        .await
        .expect("connect");
    actix_web::rt::spawn(conn);
    admin
        .simple_query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop");
    admin
        .simple_query(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create");
    let url = format!("{server}/{name}");

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

    admin
        .simple_query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .expect("cleanup");
}
