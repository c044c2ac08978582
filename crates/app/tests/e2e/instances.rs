//! Several `brigade serve` processes sharing one database and one Redis: an event
//! committed through one instance reaches the screens of every instance, and a Redis
//! outage delays nothing past the journal poll and loses nothing.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use brigade_redis::{Context, Seal};
use serde_json::json;

use crate::kds::{Kds, seqs};
use crate::store::TestDb;
use crate::support::{Served, Staff, VENUE, free_port, instance_command, new_uuid, shared_redis};

const WAIT: Duration = Duration::from_secs(10);

/// A `brigade serve` process of its own on the shared database and a Redis.
pub(crate) struct Instance {
    pub(crate) served: Served,
}

impl Instance {
    pub(crate) async fn start(
        db: &TestDb,
        redis_url: &str,
        channel: &str,
        poll_ms: u64,
    ) -> Instance {
        let mut command = instance_command(db, redis_url, channel);
        command.env("BRIGADE_WS_POLL_MS", poll_ms.to_string());
        Instance {
            served: Served::spawn(command).await,
        }
    }

    /// The instance's Redis status in its detailed health view.
    pub(crate) async fn redis_status(&self) -> String {
        let health = Staff::anonymous(&self.served.base)
            .get("/health")
            .await
            .expect(200);
        health["components"]["redis"]["status"]
            .as_str()
            .unwrap_or("missing")
            .to_owned()
    }
}

/// A Redis of this test's own on a free port, which it may stop and start again.
pub(crate) struct PrivateRedis {
    pub(crate) port: u16,
    password: Option<String>,
    child: Option<Child>,
}

impl PrivateRedis {
    pub(crate) async fn start() -> PrivateRedis {
        Self::start_with(None).await
    }

    /// One that refuses clients without `password` (as deploy/compose.yaml runs it).
    pub(crate) async fn start_with(password: Option<&str>) -> PrivateRedis {
        let port = free_port();
        let mut redis = PrivateRedis {
            port,
            password: password.map(str::to_owned),
            child: None,
        };
        redis.up().await;
        redis
    }

    pub(crate) fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// `redis-cli` on this Redis; `input`, when given, is the command's last argument
    /// (`-x`: binary-safe). Returns what it printed.
    pub(crate) fn cli(&self, args: &[&str], input: Option<&[u8]>) -> Vec<u8> {
        let mut command = Command::new("redis-cli");
        command.args(["-p", &self.port.to_string()]);
        if let Some(password) = &self.password {
            command.env("REDISCLI_AUTH", password);
        }
        let mut child = command
            .args(input.map(|_| "-x"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("redis-cli runs");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input.unwrap_or_default()).expect("written");
        drop(stdin);
        child.wait_with_output().expect("redis-cli ends").stdout
    }

    pub(crate) async fn up(&mut self) {
        let mut command = Command::new("redis-server");
        if let Some(password) = &self.password {
            command.args(["--requirepass", password]);
        }
        let child = command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (Debian package redis-server) runs");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    pub(crate) fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.down();
    }
}

#[actix_web::test]
async fn an_order_taken_on_instance_a_reaches_a_screen_on_instance_b_through_redis() {
    let db = TestDb::from_template().await;
    let channel = format!("brigade-test:{}", new_uuid());
    // A minute between journal polls: only Redis can deliver within the test's wait.
    let a = Instance::start(&db, &shared_redis(), &channel, 60_000).await;
    let b = Instance::start(&db, &shared_redis(), &channel, 60_000).await;
    let admin = Staff::login(&a.served.base, "admin@beerflow.demo").await;
    let waiter = Staff::login(&a.served.base, "waiter1@beerflow.demo").await;
    let kitchen = Staff::login(&b.served.base, "chef@beerflow.demo").await;
    let product = admin.create_product("MULTI-1", 5.0).await;
    while b.redis_status().await != "up" {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut on_b = Kds::connect(&b.served.base, &kitchen.token).await;
    let joined = on_b.join(VENUE, None).await;
    let start = joined["seq"].as_i64().expect("seq");
    let order = waiter.order_one(&product, None).await;

    let events = on_b.events_through(start + 1, Duration::from_secs(5)).await;
    assert_eq!(seqs(&events), vec![start + 1]);
    assert_eq!(events[0]["type"], "new_order");
    assert_eq!(events[0]["data"]["order_id"], order["id"]);
}

#[actix_web::test]
async fn with_redis_stopped_and_restarted_mid_service_every_screen_ends_with_the_whole_sequence() {
    let db = TestDb::from_template().await;
    let mut redis = PrivateRedis::start().await;
    let channel = "brigade:events";
    let a = Instance::start(&db, &redis.url(), channel, 200).await;
    let b = Instance::start(&db, &redis.url(), channel, 200).await;
    let admin = Staff::login(&a.served.base, "admin@beerflow.demo").await;
    let waiter = Staff::login(&a.served.base, "waiter1@beerflow.demo").await;
    let kitchen = Staff::login(&b.served.base, "chef@beerflow.demo").await;
    let product = admin.create_product("OUTAGE-1", 5.0).await;

    let mut on_a = Kds::connect(&a.served.base, &kitchen.token).await;
    let mut on_b = Kds::connect(&b.served.base, &kitchen.token).await;
    let start = on_a.join(VENUE, None).await["seq"].as_i64().expect("seq");
    on_b.join(VENUE, Some(start)).await;

    // Service as usual, then Redis dies, then it comes back.
    for _ in 0..5 {
        waiter.order_one(&product, None).await;
    }
    redis.down();
    while b.redis_status().await == "up" {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..5 {
        waiter.order_one(&product, None).await;
    }
    redis.up().await;
    while b.redis_status().await != "up" {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..5 {
        waiter.order_one(&product, None).await;
    }
    let end = waiter.board_seq().await;
    assert_eq!(end, start + 15);

    for screen in [&mut on_a, &mut on_b] {
        let events = screen.events_through(end, WAIT).await;
        assert_eq!(seqs(&events), (start + 1..=end).collect::<Vec<_>>());
        screen.expect_silence(Duration::from_millis(500)).await;
    }
}

#[actix_web::test]
async fn a_message_forged_on_the_channel_is_ignored_and_the_real_event_with_its_seq_arrives() {
    let db = TestDb::from_template().await;
    let redis = PrivateRedis::start_with(Some("a-long-redis-password-for-the-test")).await;
    let channel = format!("brigade-test:{}", new_uuid());
    // Only Redis can deliver within the test's wait (a minute between journal polls).
    let a = Instance::start(&db, &redis.url(), &channel, 60_000).await;
    let b = Instance::start(&db, &redis.url(), &channel, 60_000).await;
    let admin = Staff::login(&a.served.base, "admin@beerflow.demo").await;
    let waiter = Staff::login(&a.served.base, "waiter1@beerflow.demo").await;
    let kitchen = Staff::login(&b.served.base, "chef@beerflow.demo").await;
    let product = admin.create_product("FORGED-1", 5.0).await;
    while b.redis_status().await != "up" {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut on_b = Kds::connect(&b.served.base, &kitchen.token).await;
    let start = on_b.join(VENUE, None).await["seq"].as_i64().expect("seq");

    // Someone with access to Redis publishes the venue's next event: in the shape the
    // instances use, unsealed, and sealed under another deployment's secret.
    let forged = json!({
        "origin": new_uuid(),
        "entries": [{ "venue_id": VENUE, "seq": start + 1, "type": "new_order",
                      "at": "2026-12-04T12:00:00Z", "data": { "order_id": "forged" } }],
    })
    .to_string();
    let elsewhere = Seal::derive(b"another deployment's secret, quite long enough");
    for payload in [
        forged.as_bytes().to_vec(),
        elsewhere.seal(Context::Bus(&channel), forged.as_bytes()),
    ] {
        let receivers = redis.cli(&["PUBLISH", &channel], Some(&payload));
        assert_eq!(
            String::from_utf8_lossy(&receivers).trim(),
            "2",
            "both instances got it"
        );
    }

    let order = waiter.order_one(&product, None).await;
    let events = on_b.events_through(start + 1, Duration::from_secs(5)).await;
    assert_eq!(seqs(&events), vec![start + 1]);
    assert_eq!(
        events[0]["data"]["order_id"], order["id"],
        "the real order, not the forgery"
    );
}
