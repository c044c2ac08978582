//! The OpenAPI contract as served: every operation it lists but signing in and the
//! health probes refuses a caller without a credential (the cheap half of fuzzing; the
//! other half is `cargo xtask fuzz`), and the docs page needs nothing from outside.

use serde_json::Value;

use crate::support::{Staff, TestApp, new_uuid};

/// Operations anyone may call: signing in (a password or a one-time token is the
/// credential) and the probes.
const PUBLIC: &[&str] = &[
    "login",
    "set_password",
    "health_live",
    "health_ready",
    "health_detailed",
];

/// `(method, path with every `{id}` filled, operationId, documented security)`.
fn operations(spec: &Value) -> Vec<(String, String, String, bool)> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let concrete = path
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    new_uuid()
                } else {
                    part.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for (method, operation) in item.as_object().expect("path item") {
            found.push((
                method.to_uppercase(),
                concrete.clone(),
                operation["operationId"]
                    .as_str()
                    .expect("operationId")
                    .to_owned(),
                operation.get("security").is_some(),
            ));
        }
    }
    found
}

async fn send(caller: &Staff, method: &str, path: &str) -> crate::support::Reply {
    match method {
        "GET" => caller.get(path).await,
        "POST" => caller.post(path, serde_json::json!({})).await,
        "PATCH" => caller.patch(path, serde_json::json!({})).await,
        "DELETE" => caller.delete(path).await,
        other => panic!("the contract uses {other}, which this test cannot send"),
    }
}

#[actix_web::test]
async fn every_route_but_sign_in_and_health_refuses_a_caller_without_a_credential() {
    // With an operator token configured: loopback alone opens no operator view.
    let app = TestApp::start_with(crate::store::TestDb::from_template().await, |args| {
        args.operator.operator_token = Some("an-operator-token-this-test-never-sends".to_owned());
    })
    .await;
    let spec = app
        .anonymous()
        .get("/api/v1/openapi.json")
        .await
        .expect(200);
    let operations = operations(&spec);
    assert!(
        operations.len() >= 60,
        "the contract lists only {} operations",
        operations.len()
    );

    let mut public: Vec<&str> = operations
        .iter()
        .filter(|(.., secured)| !secured)
        .map(|(_, _, id, _)| id.as_str())
        .collect();
    public.sort_unstable();
    let mut expected = PUBLIC.to_vec();
    expected.sort_unstable();
    assert_eq!(public, expected, "operations the contract leaves open");

    let nobody = app.anonymous();
    let forger = app.anonymous().with_token("not-a-token".to_owned());
    for (method, path, id, secured) in &operations {
        if !secured {
            continue;
        }
        for caller in [&nobody, &forger] {
            let reply = send(caller, method, path).await;
            assert_eq!(
                reply.header("www-authenticate"),
                "Bearer",
                "{method} {path} ({id}): {:?}",
                reply.body
            );
            let code = if path.starts_with("/api/v1/operator/") {
                "operator_required"
            } else {
                "unauthorized"
            };
            reply.expect_problem(401, code);
        }
    }
}

#[actix_web::test]
async fn the_docs_page_loads_only_from_the_server_itself() {
    let app = TestApp::spawn().await;
    let reply = app.anonymous().get("/docs").await;
    assert_eq!(reply.status.as_u16(), 200);
    assert!(reply.header("content-type").starts_with("text/html"));
    let html = reply.body.as_str().expect("the page as text").to_owned();
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"),
        "the page names an outside address: {html}"
    );
    let assets: Vec<&str> = html
        .split(['"', '\''])
        .filter(|part| part.starts_with("/docs/"))
        .collect();
    assert!(assets.len() >= 3, "the page loads {assets:?}");
    for asset in assets {
        let reply = app.anonymous().get(asset).await;
        assert_eq!(reply.status.as_u16(), 200, "{asset}");
        assert!(
            reply.header("content-type").starts_with("text/"),
            "{asset}: {}",
            reply.header("content-type")
        );
    }
    let init = app.anonymous().get("/docs/init.js").await;
    let init = init.body.as_str().expect("init.js as text").to_owned();
    assert!(init.contains("/api/v1/openapi.json"), "{init}");
    assert!(init.contains("validatorUrl: null"), "{init}");
}

/// Found by the fuzz suite: a malformed id failed its extractor while the caller's
/// access was still being read from the store; dropping that read panicked the
/// worker on the embedded store and the connection closed without an answer.
#[actix_web::test]
async fn a_malformed_id_refused_mid_sign_in_check_leaves_the_server_answering() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        // A fresh token each time: its access is not cached, so it is read.
        let admin = app.admin().await;
        admin
            .delete("/api/v1/staff/null")
            .await
            .expect_problem(404, "not_found");
        admin.get("/api/v1/tables").await.expect(200);
    }
}
