//! `cargo xtask bench --only menu`: `GET /api/v1/menu` on a fixed menu (10 categories
//! of 20 products, each product offering 2 modifier groups of 3 and 4 options), as fast
//! as 32 connections go, with the read cache off (every read builds the menu from
//! PostgreSQL), in process, and in Redis. The target is a ratio within the run: cached
//! in process at least 5x uncached.

use std::process::Child;
use std::sync::Arc;
use std::time::Duration;

use super::http::{Conn, Request, json_str};
use super::load::{self, MakeRequest, Stats};
use super::{VENUE, login, post, row, start_brigade_with};

const CATEGORIES: usize = 10;
const PER_CATEGORY: usize = 20;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(bin: &std::path::Path, url: &str, seconds: u64) -> Result<String, String> {
    let redis = std::env::var("BRIGADE_BENCH_REDIS")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let channel = format!("brigade-bench-{}", std::process::id());
    let modes: [(&str, Vec<(&str, &str)>); 3] = [
        ("off", vec![("BRIGADE_READ_CACHE", "off")]),
        ("in process", vec![("BRIGADE_READ_CACHE", "memory")]),
        (
            "Redis",
            vec![
                ("BRIGADE_READ_CACHE", "auto"),
                ("BRIGADE_REDIS_URL", redis.as_str()),
                ("BRIGADE_REDIS_CHANNEL", channel.as_str()),
            ],
        ),
    ];
    let mut rows = Vec::new();
    let mut rates = Vec::new();
    for (n, (name, env)) in modes.iter().enumerate() {
        let (child, addr) = start_brigade_with(bin, url, env)?;
        let _server = Server(child);
        let mut conn = Conn::connect(addr).map_err(|e| e.to_string())?;
        if n == 0 {
            println!(
                "==> a menu of {CATEGORIES} categories x {PER_CATEGORY} products x 2 modifier groups"
            );
            build_menu(&mut conn)?;
        }
        let waiter: &'static str =
            Box::leak(login(&mut conn, "waiter1@beerflow.demo")?.into_boxed_str());
        let read: MakeRequest = Arc::new(move |_| Request {
            method: "GET",
            path: "/api/v1/menu".to_owned(),
            token: Some(waiter),
            body: None,
        });
        let (status, body) = conn.send(&read(0)).map_err(|e| e.to_string())?;
        if status != 200 || !body.contains("\"categories\"") {
            return Err(format!("GET /menu: {status} {body}"));
        }
        println!("==> GET /menu, cache {name}, as fast as 32 connections go, {seconds} s");
        let stats: Stats = load::max_rate(addr, Duration::from_secs(seconds), 2_000_000, 32, read);
        rates.push(stats.rate());
        rows.push(row(&format!("GET /menu, cache {name}"), &stats));
    }
    let ratio = |i: usize| rates[i] / rates[0].max(1.0);
    Ok(format!(
        "| scenario | requests | errors | throughput /s | p50 ms | p99 ms | max ms |\n\
         |---|---:|---:|---:|---:|---:|---:|\n{}\n\n\
         Cached / uncached max rate: in process {:.1}x, Redis {:.1}x (target: in process >= 5x).\n",
        rows.join("\n"),
        ratio(1),
        ratio(2),
    ))
}

/// Ten categories of twenty products each, every product of a category offering the
/// category's two modifier groups, through the API as an admin would.
fn build_menu(conn: &mut Conn) -> Result<(), String> {
    let admin = login(conn, "admin@beerflow.demo")?;
    for c in 0..CATEGORIES {
        let category = post(
            conn,
            &admin,
            &format!("/api/v1/venues/{VENUE}/categories"),
            format!(r#"{{"name":"Bench category {c}","position":{c}}}"#),
        )?;
        let id = json_str(&category, "id").ok_or("category id")?;
        let groups = [
            format!(
                r#"{{"name":"Cooking {c}","required":true,"options":[{{"name":"Rare"}},{{"name":"Medium"}},{{"name":"Well done"}}]}}"#
            ),
            format!(
                r#"{{"name":"Extras {c}","max_choices":2,"options":[{{"name":"Bacon","price_delta":1.5}},{{"name":"Cheese","price_delta":1.0,"allergens":["milk"]}},{{"name":"Egg","price_delta":1.2,"allergens":["eggs"]}},{{"name":"No sauce","price_delta":-0.5}}]}}"#
            ),
        ];
        let mut group_ids = Vec::new();
        for body in groups {
            let group = post(
                conn,
                &admin,
                &format!("/api/v1/venues/{VENUE}/modifier-groups"),
                body,
            )?;
            group_ids.push(json_str(&group, "id").ok_or("group id")?);
        }
        let (cooking, extras) = (&group_ids[0], &group_ids[1]);
        for p in 0..PER_CATEGORY {
            post(
                conn,
                &admin,
                &format!("/api/v1/venues/{VENUE}/products"),
                format!(
                    r#"{{"name":"Menu {c}-{p}","sku":"MENU-{c}-{p}","unit":"pz","price":12.50,"category_id":"{id}","modifier_group_ids":["{cooking}","{extras}"],"allergens":["gluten","milk"],"attributes":{{"description":"A dish of the bench menu, described in a sentence or two as menus do."}}}}"#
                ),
            )?;
        }
    }
    Ok(())
}
