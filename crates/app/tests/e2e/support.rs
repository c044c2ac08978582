//! `TestApp`: a real Brigade server on a real PostgreSQL, one fresh database per test.
//!
//! The first test in the process creates a template database (migrated, demo venue and
//! a second venue seeded); every test then clones it (`CREATE DATABASE .. TEMPLATE`),
//! starts the server on port 0 and talks HTTP to it. Dropping the `TestApp` stops the
//! server and drops its database; databases left by killed runs are swept when the next
//! run creates its template (their names carry the dead process id).
//!
//! `BRIGADE_TEST_PG` points at the server (default `postgres://postgres@127.0.0.1:5432`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use awc::Client;
use awc::http::StatusCode;
use brigade_app::config::{DatabaseArgs, ServeArgs};
use brigade_application::model::{Membership, Venue};
use brigade_domain::{Role, StockPolicy, VenueId};
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use tokio_postgres::NoTls;
use uuid::Uuid;

pub const VENUE: &str = "00000000-0000-0000-0000-000000000001";
pub const OTHER_VENUE: &str = "00000000-0000-0000-0000-000000000002";
pub const OTHER_WAITER: &str = "waiter@other.demo";
pub const PASSWORD: &str = "admin123!";

fn server_url() -> String {
    std::env::var("BRIGADE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

fn db_url(name: &str) -> String {
    format!("{}/{name}", server_url().trim_end_matches('/'))
}

async fn admin() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&db_url("postgres"), NoTls)
        .await
        .expect("PostgreSQL reachable (set BRIGADE_TEST_PG)");
    tokio::spawn(conn);
    client
}

/// Drops databases of earlier runs whose process is gone.
async fn sweep(client: &tokio_postgres::Client) {
    let rows = client
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'brigade_test_%' OR datname LIKE 'brigade_tpl_%'",
            &[],
        )
        .await
        .expect("list databases");
    for row in rows {
        let name: String = row.get(0);
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = client
                .simple_query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let client = admin().await;
            sweep(&client).await;
            let name = format!("brigade_tpl_{}", std::process::id());
            client
                .simple_query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .expect("drop old template");
            client
                .simple_query(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create template");
            let url = db_url(&name);
            brigade_postgres::migrate(&url)
                .await
                .expect("migrate template");
            let brigade = brigade_app::server::brigade(&url, 2).expect("pool");
            brigade_app::seed::demo(&brigade)
                .await
                .expect("seed demo venue");
            let other = VenueId::from_uuid(OTHER_VENUE.parse().expect("uuid"));
            brigade
                .upsert_venue(&Venue {
                    id: other,
                    name: "The Other Place".to_owned(),
                    stock_policy: StockPolicy::Partial,
                })
                .await
                .expect("second venue");
            brigade
                .upsert_user(
                    OTHER_WAITER,
                    "Other Waiter",
                    PASSWORD,
                    vec![Membership {
                        venue_id: other,
                        role: Role::Waiter,
                    }],
                )
                .await
                .expect("second venue's waiter");
            drop(brigade);
            name
        })
        .await
}

/// An empty database (no migrations) for tests that drive migrations themselves, and an
/// admin connection to drop it with [`drop_scratch`]. Named after the process, so a
/// killed run's leftovers are swept like the others.
pub async fn scratch_database(suffix: &str) -> (tokio_postgres::Client, String, String) {
    let admin = admin().await;
    let name = format!("brigade_test_{}_{suffix}", std::process::id());
    admin
        .simple_query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop");
    admin
        .simple_query(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create");
    let url = db_url(&name);
    (admin, name, url)
}

pub async fn drop_scratch(admin: &tokio_postgres::Client, name: &str) {
    admin
        .simple_query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .expect("cleanup");
}

pub struct TestApp {
    pub base: String,
    pub db_name: String,
    handle: actix_web::dev::ServerHandle,
    db: tokio_postgres::Client,
}

/// What a request returned.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: awc::http::header::HeaderMap,
}

impl Reply {
    /// A response header as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        self.body
    }

    /// Asserts a problem+json error with this status and code.
    #[track_caller]
    pub fn expect_problem(self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        let content_type = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert_eq!(
            content_type, "application/problem+json",
            "body: {}",
            self.body
        );
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        self.body
    }
}

/// A logged-in staff member.
#[derive(Clone)]
pub struct Staff {
    pub base: String,
    pub token: String,
    client: Client,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let template = template().await;
        let admin = admin().await;
        let db_name = format!(
            "brigade_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        // A just-closed connection to the template may linger for a moment.
        let mut attempt = 0;
        loop {
            match admin
                .simple_query(&format!("CREATE DATABASE {db_name} TEMPLATE {template}"))
                .await
            {
                Ok(_) => break,
                Err(e) if attempt < 50 && e.to_string().contains("being accessed") => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cloning the template: {e}"),
            }
        }
        let url = db_url(&db_name);
        let args = ServeArgs {
            database: DatabaseArgs {
                database_url: Some(url.clone()),
            },
            bind: "127.0.0.1:0".parse().expect("addr"),
            jwt_secret: None,
            dev: true,
            demo: false,
            token_ttl_secs: 3600,
            db_pool_size: None,
            workers: Some(2),
        };
        let running = brigade_app::server::start(&args)
            .await
            .expect("server starts");
        actix_web::rt::spawn(running.server);
        let (db, conn) = tokio_postgres::connect(&url, NoTls).await.expect("test db");
        actix_web::rt::spawn(conn);
        TestApp {
            base: format!("http://{}", running.addr),
            db_name,
            handle: running.handle,
            db,
        }
    }

    pub fn anonymous(&self) -> Staff {
        Staff {
            base: self.base.clone(),
            token: String::new(),
            client: client(),
        }
    }

    pub async fn login(&self, email: &str) -> Staff {
        let anon = self.anonymous();
        let body = anon
            .post(
                "/api/v1/auth/login",
                json!({ "email": email, "password": PASSWORD }),
            )
            .await
            .expect(200);
        Staff {
            token: body["access_token"].as_str().expect("token").to_owned(),
            ..anon
        }
    }

    pub async fn admin(&self) -> Staff {
        self.login("admin@beerflow.demo").await
    }
    pub async fn manager(&self) -> Staff {
        self.login("manager@beerflow.demo").await
    }
    pub async fn waiter(&self) -> Staff {
        self.login("waiter1@beerflow.demo").await
    }
    pub async fn kitchen(&self) -> Staff {
        self.login("chef@beerflow.demo").await
    }

    /// Direct SQL on this test's database, to check what really is stored.
    pub async fn query(&self, sql: &str) -> Vec<tokio_postgres::Row> {
        self.db.query(sql, &[]).await.expect("query")
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.query(sql).await[0].get::<_, i64>(0)
    }

    pub async fn exec(&self, sql: &str) {
        self.db.batch_execute(sql).await.expect("exec");
    }

    /// Row counts of every table the API writes: "nothing written" compares these.
    pub async fn footprint(&self) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for table in [
            "dining_tables",
            "products",
            "lots",
            "stock_movements",
            "orders",
            "order_items",
            "order_item_lots",
            "events",
            "idempotency_keys",
        ] {
            out.push((
                table.to_owned(),
                self.count(&format!("SELECT count(*) FROM {table}")).await,
            ));
        }
        let lots = self
            .count("SELECT COALESCE(sum(qty_current_milli), 0)::int8 FROM lots")
            .await;
        out.push(("lot stock".to_owned(), lots));
        out
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent at once; awaiting it here would block the very
        // runtime the server's command loop runs on.
        drop(self.handle.stop(false));
        let name = self.db_name.clone();
        // Drop is synchronous: drop the database from a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let client = admin().await;
                let _ = client
                    .simple_query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            });
        })
        .join();
    }
}

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).finish()
}

impl Staff {
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self.client.request(
            method.parse().expect("method"),
            format!("{}{path}", self.base),
        );
        if !self.token.is_empty() {
            req = req.insert_header(("authorization", format!("Bearer {}", self.token)));
        }
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let response = match body {
            Some(body) => req.send_json(&body).await,
            None => req.send().await,
        };
        read(response.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, &[]).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, Some(body), &[]).await
    }
    pub async fn post_with(&self, path: &str, body: Value, headers: &[(&str, &str)]) -> Reply {
        self.send("POST", path, Some(body), headers).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send("PATCH", path, Some(body), &[]).await
    }
    pub async fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None, &[]).await
    }

    /// Sends raw bytes (malformed JSON, oversized bodies).
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .insert_header(("authorization", format!("Bearer {}", self.token)))
            .insert_header(("content-type", content_type))
            .send_body(body)
            .await
            .expect("request sent");
        read(response).await
    }

    // ----- the seed's vocabulary -----

    pub async fn create_table(&self, name: &str) -> Value {
        self.post(
            &format!("/api/v1/venues/{VENUE}/tables"),
            json!({ "name": name, "seats": 4, "area": "main_hall", "position_json": { "x": 100, "y": 100 } }),
        )
        .await
        .expect(201)
    }

    pub async fn create_product(&self, sku: &str, price: f64) -> Value {
        self.post(
            &format!("/api/v1/venues/{VENUE}/products"),
            json!({ "name": format!("Product {sku}"), "sku": sku, "unit": "pz", "cost": 1.0, "price": price }),
        )
        .await
        .expect(201)
    }

    pub async fn create_lot(
        &self,
        product_id: &Value,
        code: &str,
        qty: f64,
        expiry: Option<&str>,
    ) -> Value {
        self.post(
            &format!("/api/v1/venues/{VENUE}/lots"),
            json!({ "product_id": product_id, "lot_code": code, "qty_init": qty, "cost_per_unit": 1.0, "expiry_date": expiry }),
        )
        .await
        .expect(201)
    }

    pub async fn open_order(&self, table_id: Option<&Value>, items: Value) -> Value {
        self.post(
            &format!("/api/v1/venues/{VENUE}/orders"),
            json!({ "table_id": table_id, "covers": 2, "items": items }),
        )
        .await
        .expect(201)
    }

    /// An order of one line, confirmed by `self` (a waiter) and made ready by `kitchen`.
    pub async fn ready_order(&self, kitchen: &Staff, product: &Value, quantity: f64) -> Value {
        let order = self
            .open_order(
                None,
                json!([{ "product_id": product["id"], "quantity": quantity }]),
            )
            .await;
        self.set_status(&order["id"], "confirmed").await.expect(200);
        kitchen.set_status(&order["id"], "ready").await.expect(200);
        order
    }

    pub async fn set_status(&self, order_id: &Value, status: &str) -> Reply {
        self.patch(
            &format!("/api/v1/venues/{VENUE}/orders/{}/status", id(order_id)),
            json!({ "status": status }),
        )
        .await
    }
}

async fn read<S>(mut response: awc::ClientResponse<S>) -> Reply
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.body().limit(16 * 1024 * 1024).await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply {
        status,
        body,
        headers,
    }
}

/// A JSON id as text.
pub fn id(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string())
}

pub fn new_uuid() -> String {
    Uuid::now_v7().to_string()
}
