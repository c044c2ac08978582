//! `TestApp`: a real Brigade server on a real store, one fresh database per test (see
//! `store.rs` for the stores and how databases are made), talked to over HTTP.

use std::time::Duration;

use awc::Client;
use awc::http::StatusCode;
use brigade_app::config::ServeArgs;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::store::TestDb;

pub const VENUE: &str = "00000000-0000-0000-0000-000000000001";
pub const OTHER_VENUE: &str = "00000000-0000-0000-0000-000000000002";
pub const OTHER_WAITER: &str = "waiter@other.demo";
pub const PASSWORD: &str = "admin123!";

pub struct TestApp {
    pub base: String,
    /// The server's own use-case service (its pool, its queue for SQLite's writer).
    pub brigade: brigade_application::Brigade,
    handle: actix_web::dev::ServerHandle,
    /// Dropped after `Drop::drop` has told the server to stop.
    pub db: TestDb,
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

/// The signing secret of test servers (a dev server would generate one in its data
/// directory; tests sign tokens of their own with this one).
pub const TEST_SECRET: &str = "5c1d8e0f3a9b47d2b6e1c4a7f09d3b8e2a6c1f5d9e0b4a7c3d8f2e6b1a5c9d04";

/// A logged-in staff member.
#[derive(Clone)]
pub struct Staff {
    pub base: String,
    pub token: String,
    client: Client,
}

impl TestApp {
    /// A server on a fresh copy of the seeded template.
    pub async fn spawn() -> TestApp {
        Self::start(TestDb::from_template().await).await
    }

    /// A server on `db` (migrated at start-up).
    pub async fn start(db: TestDb) -> TestApp {
        Self::start_with(db, |_| {}).await
    }

    /// A server on `db` with settings of the test's own.
    pub async fn start_with(db: TestDb, configure: impl FnOnce(&mut ServeArgs)) -> TestApp {
        Self::start_at(
            db,
            configure,
            std::sync::Arc::new(brigade_application::SystemClock),
        )
        .await
    }

    /// A server on `db` whose use cases tell time by `clock`.
    pub async fn start_at(
        db: TestDb,
        configure: impl FnOnce(&mut ServeArgs),
        clock: std::sync::Arc<dyn brigade_application::ports::Clock>,
    ) -> TestApp {
        let mut args = ServeArgs::dev(db.args());
        args.bind = "127.0.0.1:0".parse().expect("addr");
        args.jwt_secret = Some(TEST_SECRET.to_owned());
        args.token_ttl_secs = 3600;
        args.workers = Some(2);
        // Tests log in often from one address; the sign-in suite sets real limits.
        args.sign_in.login_per_account_per_minute = 100_000;
        // Request limits are tested on their own (`hardening.rs`).
        args.rate_reads_per_minute = 0;
        args.rate_writes_per_minute = 0;
        args.realtime.ws_connections_per_user = 100_000;
        args.realtime.ws_frames_per_second = 10_000;
        args.sign_in.login_per_address_per_minute = 100_000;
        // Kitchen alerts are raised by the tests that want them.
        args.operator.kitchen_alert_secs = 0;
        configure(&mut args);
        let running = brigade_app::server::start_with_clock(&args, clock)
            .await
            .expect("server starts");
        actix_web::rt::spawn(running.server);
        TestApp {
            base: format!("http://{}", running.addr),
            brigade: running.brigade,
            handle: running.handle,
            db,
        }
    }

    pub fn anonymous(&self) -> Staff {
        Staff::anonymous(&self.base)
    }

    pub async fn login(&self, email: &str) -> Staff {
        Staff::login(&self.base, email).await
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

    /// Direct SQL on this test's database, to check what really is stored: one
    /// integer column. Write SQL both stores understand (`CAST(x AS BIGINT)`).
    pub async fn integers(&self, sql: &str) -> Vec<i64> {
        self.db.integers(sql).await
    }

    /// One text column (`CAST(x AS TEXT)` for ids and JSON).
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        self.db.texts(sql).await
    }

    /// The integer of a one-row, one-column query.
    pub async fn count(&self, sql: &str) -> i64 {
        let values = self.integers(sql).await;
        assert_eq!(values.len(), 1, "one row from {sql}");
        values[0]
    }

    pub async fn exec(&self, sql: &str) {
        self.db.exec(sql).await;
    }

    /// Row counts of every table the API writes: "nothing written" compares these.
    pub async fn footprint(&self) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for table in brigade_app::transfer::TABLES {
            out.push((
                table.to_owned(),
                self.count(&format!("SELECT count(*) FROM {table}")).await,
            ));
        }
        let lots = self
            .count("SELECT CAST(COALESCE(sum(qty_current_milli), 0) AS BIGINT) FROM lots")
            .await;
        out.push(("lot stock".to_owned(), lots));
        out
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent at once; awaiting it here would block the very
        // runtime the server's command loop runs on. The database goes after (`db`).
        drop(self.handle.stop(false));
    }
}

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).finish()
}

impl Staff {
    /// Nobody logged in, talking to the server at `base`.
    pub fn anonymous(base: &str) -> Staff {
        Staff {
            base: base.to_owned(),
            token: String::new(),
            client: client(),
        }
    }

    /// `email` (password [`PASSWORD`]) logged in at the server at `base`.
    /// The same client with another token.
    pub fn with_token(&self, token: String) -> Staff {
        Staff {
            token,
            ..self.clone()
        }
    }

    pub async fn login(base: &str, email: &str) -> Staff {
        Self::login_with(base, email, PASSWORD).await
    }

    pub async fn login_with(base: &str, email: &str, password: &str) -> Staff {
        let anon = Staff::anonymous(base);
        let body = anon
            .post(
                "/api/v1/auth/login",
                json!({ "email": email, "password": password }),
            )
            .await
            .expect(200);
        Staff {
            token: body["access_token"].as_str().expect("token").to_owned(),
            ..anon
        }
    }

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
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send("GET", path, None, headers).await
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

    /// An order of one unit of `product`, on `table` (an id) or at the bar.
    pub async fn order_one(&self, product: &Value, table: Option<&Value>) -> Value {
        self.open_order(
            table,
            json!([{ "product_id": product["id"], "quantity": 1 }]),
        )
        .await
    }

    /// The journal position the kitchen board reflects (`X-Event-Seq`).
    pub async fn board_seq(&self) -> i64 {
        self.get(&format!("/api/v1/venues/{VENUE}/orders/kitchen-display"))
            .await
            .header("x-event-seq")
            .parse()
            .expect("X-Event-Seq")
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

/// A loopback port nobody listens on (for servers started by a test).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `brigade serve --dev` on `db` as an app instance of a multi-instance deployment:
/// fan-out through `redis_url` on `channel`, one worker, quiet logs.
pub fn instance_command(
    db: &crate::store::TestDb,
    redis_url: &str,
    channel: &str,
) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_brigade"));
    command
        .args(["serve", "--dev", "--bind", "127.0.0.1:0", "--workers", "1"])
        .env("BRIGADE_DATABASE_URL", db.url())
        .env("BRIGADE_REDIS_URL", redis_url)
        .env("BRIGADE_REDIS_CHANNEL", channel)
        .env("BRIGADE_LOG", "warn")
        .env("BRIGADE_JWT_SECRET", TEST_SECRET)
        .env("BRIGADE_LOGIN_PER_ACCOUNT_PER_MINUTE", "100000")
        .env("BRIGADE_RATE_READS_PER_MINUTE", "0")
        .env("BRIGADE_RATE_WRITES_PER_MINUTE", "0")
        .env("BRIGADE_WS_CONNECTIONS_PER_USER", "100000")
        .env("BRIGADE_LOGIN_PER_ADDRESS_PER_MINUTE", "100000");
    command
}

/// `brigade ...` (the CLI) against `db`, as an operator runs it (`BRIGADE_USER_PASSWORD`
/// is the demo password); asserts it succeeded and returns what it printed.
pub fn brigade_cli(db: &crate::store::TestDb, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_brigade"))
        .args(args)
        .env("BRIGADE_DATABASE_URL", db.url())
        .env("BRIGADE_USER_PASSWORD", PASSWORD)
        .env("BRIGADE_LOG", "warn")
        .output()
        .expect("brigade runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "brigade {args:?}: {said}");
    said
}

/// The shared Redis (`BRIGADE_TEST_REDIS`, default the local one); tests use channels
/// of their own on it.
pub fn shared_redis() -> String {
    std::env::var("BRIGADE_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A `brigade serve` process, killed when dropped.
pub struct Served {
    pub child: std::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The first lines it printed (address, store, health).
    pub banner: String,
    /// Everything it printed after the banner (log lines), up to 16 MiB.
    pub output: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Served {
    /// Spawns `command` (a `brigade serve` with its arguments and environment) and
    /// reads the address from its banner; the rest of its output is drained.
    pub async fn spawn(mut command: std::process::Command) -> Served {
        use std::io::BufRead;
        let mut served = Served {
            child: command
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("brigade serve starts"),
            base: String::new(),
            banner: String::new(),
            output: std::sync::Arc::default(),
        };
        let output = served.output.clone();
        let stdout = served.child.stdout.take().expect("stdout");
        // Log lines (on stdout too) may come first; the banner is three lines.
        let banner = actix_web::web::block(move || {
            let mut reader = std::io::BufReader::new(stdout);
            let mut banner = String::new();
            let mut seen = 0;
            while banner.lines().count() < 3 && seen < 200 {
                let mut line = String::new();
                if reader.read_line(&mut line)? == 0 {
                    break;
                }
                seen += 1;
                if !banner.is_empty() || line.starts_with("Brigade listening on ") {
                    banner.push_str(&line);
                }
            }
            // Keep draining, so later lines never block the server; keep them for tests
            // that read the logs.
            std::thread::spawn(move || {
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    if let Ok(mut output) = output.lock()
                        && output.len() < 16 * 1024 * 1024
                    {
                        output.push_str(&line);
                    }
                    line.clear();
                }
            });
            Ok::<_, std::io::Error>(banner)
        })
        .await
        .expect("joined")
        .expect("the banner");
        served.base = banner
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("Brigade listening on "))
            .unwrap_or_else(|| panic!("prints its address, got {banner:?}"))
            .to_owned();
        served.banner = banner;
        served
    }
}

impl Drop for Served {
    /// Stops it as an operator does (SIGTERM: in-flight requests finish, screens are
    /// told to reconnect, and an instrumented build writes its coverage profile), then
    /// kills it if it is still there after 5 s.
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
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
