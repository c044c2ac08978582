//! Lists come in pages (DESIGN §11, #20): `limit` (default 100, at most 500), `offset`,
//! and `Link: <...>; rel="next"` while more follow, with the client's filters kept.

use serde_json::Value;

use crate::support::{Staff, TestApp, VENUE};

/// The `rel="next"` target of a `Link` header, or `None` on the last page.
fn next_of(link: &str) -> Option<String> {
    if link.is_empty() {
        return None;
    }
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    let start = link.find('<').expect("<") + 1;
    let end = link.find('>').expect(">");
    Some(link[start..end].to_owned())
}

/// Every row of a list, by following its `Link` headers from `first`.
async fn follow(staff: &Staff, first: &str) -> (Vec<Value>, usize) {
    let (mut rows, mut pages, mut next) = (Vec::new(), 0, Some(first.to_owned()));
    while let Some(path) = next {
        let reply = staff.get(&path).await;
        next = next_of(reply.header("link"));
        let page = reply.expect(200);
        rows.extend(page.as_array().expect("a bare array").iter().cloned());
        pages += 1;
        assert!(pages < 100, "the links never end");
    }
    (rows, pages)
}

#[actix_web::test]
async fn a_manager_pages_through_products_by_following_the_link_and_sees_each_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for i in 0..5 {
        admin.create_product(&format!("PAGE-{i}"), 4.0).await;
    }
    let manager = app.manager().await;
    let whole = manager.get("/api/v1/products?limit=500").await;
    assert_eq!(whole.header("link"), "", "one page holds them all");
    let whole = whole.expect(200);
    let whole = whole.as_array().expect("array");
    assert!(whole.len() >= 5, "{whole:?}");

    let first = manager.get("/api/v1/products?limit=2").await;
    assert_eq!(
        first.header("link"),
        "</api/v1/products?limit=2&offset=2>; rel=\"next\""
    );
    assert_eq!(first.expect(200).as_array().map(Vec::len), Some(2));

    let (paged, pages) = follow(&manager, "/api/v1/products?limit=2").await;
    assert_eq!(&paged, whole, "the same rows, in the same order, once each");
    assert_eq!(pages, whole.len().div_ceil(2));
}

#[actix_web::test]
async fn a_list_gives_100_rows_unless_asked_and_never_more_than_500() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let tables = format!("/api/v1/venues/{VENUE}/tables");
    let have = admin.get(&format!("{tables}?limit=500")).await.expect(200);
    for i in have.as_array().map_or(0, Vec::len)..101 {
        admin.create_table(&format!("P{i:03}")).await;
    }
    let reply = admin.get(&tables).await;
    assert_eq!(
        reply.header("link"),
        format!("<{tables}?limit=100&offset=100>; rel=\"next\"")
    );
    assert_eq!(reply.expect(200).as_array().map(Vec::len), Some(100));

    let before = app.footprint().await;
    for query in ["limit=501", "limit=0", "offset=-1"] {
        let refused = admin
            .get(&format!("{tables}?{query}"))
            .await
            .expect_problem(422, "validation_failed");
        assert!(
            refused["detail"]
                .as_str()
                .is_some_and(|d| d.contains("limit") || d.contains("offset")),
            "{refused}"
        );
    }
    for query in ["limit=ten", "limt=2"] {
        admin
            .get(&format!("{tables}?{query}"))
            .await
            .expect_problem(400, "invalid_query");
    }
    assert_eq!(app.footprint().await, before, "reads change nothing");
}

#[actix_web::test]
async fn the_next_page_of_a_filtered_list_keeps_the_filter() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let product = admin.create_product("PAGE-ORD", 3.0).await;
    let waiter = app.waiter().await;
    let mut opened = Vec::new();
    for _ in 0..3 {
        opened.push(waiter.order_one(&product, None).await);
    }
    let status = opened[0]["status"].as_str().expect("status").to_owned();
    let first = format!("/api/v1/orders?status={status}&limit=2");
    let reply = waiter.get(&first).await;
    let next = next_of(reply.header("link")).expect("a second page");
    assert!(next.contains(&format!("status={status}")), "{next}");

    let (orders, pages) = follow(&waiter, &first).await;
    assert!(pages >= 2, "{pages}");
    assert!(orders.iter().all(|o| o["status"] == status.as_str()));
    let mut seen: Vec<&Value> = orders.iter().map(|o| &o["id"]).collect();
    seen.sort_by_key(|id| id.to_string());
    seen.dedup();
    assert_eq!(seen.len(), orders.len(), "no order twice");
    for order in &opened {
        assert!(seen.contains(&&order["id"]), "every order listed");
    }
}
