//! The menu's cache-aside across instances (DESIGN §9, "one versioning rule"): two
//! `brigade serve` processes share the database and a Redis. A read is answered from
//! the shared cache under a key carrying the menu version the database holds, so a
//! change through one instance is on the other's next read, and a Redis outage costs
//! nothing but speed.

use std::time::{Duration, Instant};

use brigade_redis::{Context, Seal};

use serde_json::{Value, json};

use crate::instances::{Instance, PrivateRedis};
use crate::store::TestDb;
use crate::support::{Staff, TEST_SECRET, VENUE};

fn redis_cli(redis: &PrivateRedis, args: &[&str]) -> String {
    String::from_utf8_lossy(&redis.cli(args, None))
        .trim()
        .to_owned()
}

/// A cache entry as the instances seal it (their BRIGADE_JWT_SECRET is the tests').
fn sealed(key: &str, value: &Value) -> Vec<u8> {
    Seal::derive(TEST_SECRET.as_bytes()).seal(Context::Cache(key), value.to_string().as_bytes())
}

async fn price_of(menu: &Value, name: &str) -> Value {
    menu["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .flat_map(|c| c["products"].as_array().expect("products"))
        .find(|p| p["name"] == name)
        .map(|p| p["price"].clone())
        .unwrap_or(Value::Null)
}

async fn set_fries_price(admin: &Staff, price: f64) {
    let products = admin
        .get(&format!("/api/v1/venues/{VENUE}/products"))
        .await
        .expect(200);
    let fries = products
        .as_array()
        .expect("list")
        .iter()
        .find(|p| p["name"] == "Fries")
        .expect("fries")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    admin
        .patch(
            &format!("/api/v1/venues/{VENUE}/products/{fries}"),
            json!({ "price": price }),
        )
        .await
        .expect(200);
}

#[actix_web::test]
async fn a_menu_change_through_one_instance_is_on_the_next_read_through_another() {
    let db = TestDb::from_template().await;
    let redis = PrivateRedis::start().await;
    let channel = "brigade-menu";
    let a = Instance::start(&db, &redis.url(), channel, 1000).await;
    let b = Instance::start(&db, &redis.url(), channel, 1000).await;
    let admin = Staff::login(&a.served.base, "admin@beerflow.demo").await;
    let waiter = Staff::login(&b.served.base, "waiter1@beerflow.demo").await;

    let first = waiter.get("/api/v1/menu").await.expect(200);
    let version = first["version"].as_i64().expect("version");
    let key = format!("{channel}:cache:menu:v2:{VENUE}:{version}");
    assert_ne!(redis_cli(&redis, &["EXISTS", &key]), "0", "stored in Redis");
    // Read from the cache: an entry planted under the current version, sealed as the
    // instances seal theirs, is what B serves ...
    let planted =
        json!({ "version": version, "categories": [], "uncategorized": [], "planted": true });
    redis.cli(&["SET", &key], Some(&sealed(&key, &planted)));
    assert_eq!(waiter.get("/api/v1/menu").await.expect(200), planted);
    // ... and one written by anyone else with access to Redis, unsealed, is a miss.
    let forged =
        json!({ "version": version, "categories": [], "uncategorized": [], "forged": true });
    redis_cli(&redis, &["SET", &key, &forged.to_string()]);
    let served = waiter.get("/api/v1/menu").await.expect(200);
    assert!(served.get("forged").is_none(), "{served}");
    assert_eq!(served["version"], version);

    // A change through A moves the version on in the database: B's next read misses
    // the old key and builds the new menu.
    set_fries_price(&admin, 3.95).await;
    let fresh = waiter.get("/api/v1/menu").await.expect(200);
    assert!(fresh["version"].as_i64().expect("version") > version);
    assert_eq!(price_of(&fresh, "Fries").await, json!(3.95));
    assert!(fresh.get("planted").is_none());
}

#[actix_web::test]
async fn with_redis_down_the_menu_is_served_from_the_database_and_correct_after_it_returns() {
    let db = TestDb::from_template().await;
    let mut redis = PrivateRedis::start().await;
    let channel = "brigade-menu-outage";
    let a = Instance::start(&db, &redis.url(), channel, 1000).await;
    let b = Instance::start(&db, &redis.url(), channel, 1000).await;
    let admin = Staff::login(&a.served.base, "admin@beerflow.demo").await;
    let waiter = Staff::login(&b.served.base, "waiter1@beerflow.demo").await;
    waiter.get("/api/v1/menu").await.expect(200);

    redis.down();
    set_fries_price(&admin, 4.10).await;
    for _ in 0..3 {
        let started = Instant::now();
        let menu = waiter.get("/api/v1/menu").await.expect(200);
        assert_eq!(price_of(&menu, "Fries").await, json!(4.1));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a dead cache costs at most its timeout: {:?}",
            started.elapsed()
        );
    }

    redis.up().await;
    set_fries_price(&admin, 4.20).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let menu = waiter.get("/api/v1/menu").await.expect(200);
        assert_eq!(price_of(&menu, "Fries").await, json!(4.2), "never stale");
        let key = format!("{channel}:cache:menu:v2:{VENUE}:{}", menu["version"]);
        if redis_cli(&redis, &["EXISTS", &key]) == "1" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the cache was never written again"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[actix_web::test]
async fn a_starting_instance_warms_the_menus_of_venues_that_took_orders() {
    let db = TestDb::from_template().await;
    let redis = PrivateRedis::start().await;
    let channel = "brigade-menu-warm";
    let a = Instance::start(&db, &redis.url(), channel, 1000).await;
    let waiter = Staff::login(&a.served.base, "waiter1@beerflow.demo").await;
    let admin = Staff::login(&a.served.base, "admin@beerflow.demo").await;
    let product = admin.create_product("WARM-1", 5.0).await;
    waiter.order_one(&product, None).await;
    redis_cli(&redis, &["FLUSHALL"]);
    let version = db
        .integers(&format!(
            "SELECT menu_version FROM venues WHERE id = '{VENUE}'"
        ))
        .await[0];
    let key = format!("{channel}:cache:menu:v2:{VENUE}:{version}");

    let _b = Instance::start(&db, &redis.url(), channel, 1000).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while redis_cli(&redis, &["EXISTS", &key]) != "1" {
        assert!(
            Instant::now() < deadline,
            "the new instance never warmed {key}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let entry = redis.cli(&["GET", &key], None);
    let warmed: Value = serde_json::from_slice(
        Seal::derive(TEST_SECRET.as_bytes())
            .open(Context::Cache(&key), entry.trim_ascii_end())
            .expect("an entry sealed by the instance"),
    )
    .expect("cached JSON");
    assert_eq!(warmed["version"], version);
}
