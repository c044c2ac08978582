//! `cargo xtask bench`: order creation and serve-with-FEFO over HTTP against a release
//! build on a fresh PostgreSQL database, next to a pgbench run of the same SQL
//! transactions (the ceiling). Method and figures: docs/BENCHMARKS.md.
//!
//! Options: `--seconds N` per scenario (default 10), `--rate R` for the fixed-rate runs
//! (default 500/s). PostgreSQL from BRIGADE_BENCH_PG (default
//! postgres://postgres@127.0.0.1:5432). Everything talks to loopback only, and every
//! scenario is bounded in count and time.

mod fanout;
mod http;
mod load;
mod menu;
mod ws;

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{Conn, Request, json_str};
use load::{MakeRequest, Stats};

const VENUE: &str = "00000000-0000-0000-0000-000000000001";
const PRODUCTS: usize = 20;

struct Options {
    seconds: u64,
    rate: f64,
    /// `orders`, `fanout` or `menu`; all when unset.
    only: Option<String>,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        seconds: 10,
        rate: 500.0,
        only: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--seconds" => o.seconds = value.parse().map_err(|_| "--seconds takes a number")?,
            "--rate" => o.rate = value.parse().map_err(|_| "--rate takes a number")?,
            "--only" if ["orders", "fanout", "menu"].contains(&value.as_str()) => {
                o.only = Some(value.clone())
            }
            other => {
                return Err(format!(
                    "unknown option {other} (--seconds N, --rate R, --only orders|fanout|menu)"
                ));
            }
        }
    }
    if o.seconds == 0 || o.seconds > 120 || o.rate <= 0.0 || o.rate > 20_000.0 {
        return Err("keep --seconds in 1..=120 and --rate in (0, 20000]".to_owned());
    }
    Ok(o)
}

fn psql(url: &str, sql: &str) -> Result<String, String> {
    let out = Command::new("psql")
        .args([url, "-X", "-Atq", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if !out.status.success() {
        return Err(format!("psql: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Stops the server and drops the bench database, whatever happens.
struct Cleanup {
    server: Option<Child>,
    admin_url: String,
    db: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = psql(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.db),
        );
    }
}

pub fn run(args: &[String]) -> Result<(), String> {
    let opts = options(args)?;
    let pg = std::env::var("BRIGADE_BENCH_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
    let admin_url = format!("{pg}/postgres");
    let db = format!("brigade_bench_{}", std::process::id());
    let url = format!("{pg}/{db}");

    println!("==> building the release binary");
    if !crate::cargo(&["build", "--release", "--locked", "-p", "brigade-app"])?.success() {
        return Err("release build failed".to_owned());
    }
    let bin = crate::workspace_root().join("target/release/brigade");

    let mut cleanup = Cleanup {
        server: None,
        admin_url: admin_url.clone(),
        db: db.clone(),
    };
    psql(&admin_url, &format!("CREATE DATABASE {db}"))?;
    let seeded = Command::new(&bin)
        .args(["seed", "--demo"])
        .env("BRIGADE_DATABASE_URL", &url)
        .env("BRIGADE_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    if !seeded.success() {
        return Err("seeding the bench database failed".to_owned());
    }

    let mut menu_report = String::new();
    if opts.only.is_none() || opts.only.as_deref() == Some("menu") {
        menu_report = menu::run(&bin, &url, opts.seconds)?;
        println!("\n{menu_report}");
        if opts.only.as_deref() == Some("menu") {
            write_report(&menu_report);
            return Ok(());
        }
    }

    let mut fanout_report = String::new();
    if opts.only.is_none() || opts.only.as_deref() == Some("fanout") {
        let figures = fanout::run(&bin, &url)?;
        fanout_report = format!(
            "| server | subscribers | p50 ms | p99 ms | max ms | messages/s (burst) | delivered | RSS MiB |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|\n{}\n",
            figures
                .iter()
                .map(fanout::Figures::row)
                .collect::<Vec<_>>()
                .join("\n")
        );
        println!("\n{fanout_report}");
        if opts.only.as_deref() == Some("fanout") {
            write_report(&fanout_report);
            return Ok(());
        }
    }

    let (server, addr) = start_brigade(&bin, &url)?;
    println!(
        "==> brigade (release, {} workers) on {addr}, database {db}",
        workers()
    );
    cleanup.server = Some(server);

    let mut conn = Conn::connect(addr).map_err(|e| e.to_string())?;
    let admin = login(&mut conn, "admin@beerflow.demo")?;
    let waiter: &'static str =
        Box::leak(login(&mut conn, "waiter1@beerflow.demo")?.into_boxed_str());
    println!("==> a menu of {PRODUCTS} products, two lots each");
    let mut products = Vec::new();
    for n in 0..PRODUCTS {
        let body = format!(
            r#"{{"name":"Bench {n}","sku":"BENCH-{n}","unit":"pz","cost":4.00,"price":14.00}}"#
        );
        let product = post(
            &mut conn,
            &admin,
            &format!("/api/v1/venues/{VENUE}/products"),
            body,
        )?;
        let id = json_str(&product, "id").ok_or("product id")?;
        for (code, expiry) in [("SOON", r#""2099-01-01""#), ("LATER", "null")] {
            let body = format!(
                r#"{{"product_id":"{id}","lot_code":"{code}","qty_init":1000000,"cost_per_unit":4,"expiry_date":{expiry}}}"#
            );
            post(
                &mut conn,
                &admin,
                &format!("/api/v1/venues/{VENUE}/lots"),
                body,
            )?;
        }
        products.push(id);
    }
    let products: Arc<Vec<String>> = Arc::new(products);

    let create: MakeRequest = {
        let products = products.clone();
        Arc::new(move |i| Request {
            method: "POST",
            path: format!("/api/v1/venues/{VENUE}/orders"),
            token: Some(waiter),
            body: Some(format!(
                r#"{{"covers":2,"items":[{{"product_id":"{}","quantity":1}}]}}"#,
                products[i as usize % products.len()]
            )),
        })
    };
    let secs = opts.seconds;
    let fixed_total: u64 = rates(opts.rate)
        .iter()
        .map(|r| (r * secs as f64) as u64)
        .sum();
    let mut rows = Vec::new();

    for rate in rates(opts.rate) {
        println!("==> order creation, fixed rate {rate} /s for {secs} s");
        let count = (rate * secs as f64) as u64;
        let stats = load::fixed_rate(addr, rate, count, 64, create.clone());
        rows.push(row(&format!("create order, fixed {rate} /s"), &stats));
    }
    println!("==> order creation, as fast as 32 connections go, {secs} s");
    let stats = load::max_rate(addr, Duration::from_secs(secs), 200_000, 32, create);
    let create_max = stats.rate();
    rows.push(row("create order, max", &stats));

    // Serving needs ready orders: make them in bulk with SQL (their creation was
    // measured above), one item each, products spread over the bench menu.
    let ready_needed = fixed_total + 60_000;
    make_ready_orders(&url, ready_needed)?;
    let ready: Arc<Vec<String>> = Arc::new(
        psql(
            &url,
            &format!(
                "SELECT id FROM orders WHERE status = 'ready' ORDER BY id LIMIT {ready_needed}"
            ),
        )?
        .lines()
        .map(str::to_owned)
        .collect(),
    );
    let serve = move |offset: u64| -> MakeRequest {
        let ready = ready.clone();
        Arc::new(move |i| Request {
            method: "PATCH",
            path: format!(
                "/api/v1/venues/{VENUE}/orders/{}/status",
                ready[(i + offset) as usize]
            ),
            token: Some(waiter),
            body: Some(r#"{"status":"served"}"#.to_owned()),
        })
    };
    let mut offset = 0;
    for rate in rates(opts.rate) {
        println!("==> serve with FEFO, fixed rate {rate} /s for {secs} s");
        let count = (rate * secs as f64) as u64;
        let stats = load::fixed_rate(addr, rate, count, 64, serve(offset));
        rows.push(row(&format!("serve (FEFO), fixed {rate} /s"), &stats));
        offset += count;
    }
    println!("==> serve with FEFO, as fast as 32 connections go, {secs} s");
    let limit = ready_needed - offset;
    let stats = load::max_rate(addr, Duration::from_secs(secs), limit, 32, serve(offset));
    let serve_max = stats.rate();
    rows.push(row("serve (FEFO), max", &stats));

    // The ceiling: the same SQL through pgbench, with the server stopped.
    if let Some(mut child) = cleanup.server.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
    make_ready_orders(&url, 80_000)?;
    let product = products.first().cloned().unwrap_or_default();
    println!("==> pgbench ceiling: create order");
    let create_ceiling = pgbench(&url, include_str!("create_order.sql"), &product, secs)?;
    println!("==> pgbench ceiling: serve (FEFO)");
    let serve_ceiling = pgbench(&url, include_str!("serve_order.sql"), &product, secs)?;

    let report = format!(
        "| scenario | requests | errors | throughput /s | p50 ms | p99 ms | max ms |\n\
         |---|---:|---:|---:|---:|---:|---:|\n{}\n\n\
         | transaction | pgbench ceiling tps (best of 1-8 clients) | HTTP max /s | share of ceiling |\n\
         |---|---:|---:|---:|\n\
         | create order | {create_ceiling:.0} | {create_max:.0} | {:.0} % |\n\
         | serve (FEFO) | {serve_ceiling:.0} | {serve_max:.0} | {:.0} % |\n",
        rows.join("\n"),
        100.0 * create_max / create_ceiling,
        100.0 * serve_max / serve_ceiling,
    );
    println!("\n{report}");
    write_report(&format!("{report}\n{fanout_report}\n{menu_report}"));
    drop(cleanup);
    Ok(())
}

fn write_report(report: &str) {
    let dir = crate::workspace_root().join("target/bench");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("latest.md"), report);
    println!("(written to target/bench/latest.md; copy figures into docs/BENCHMARKS.md)");
}

/// The fixed rates to run: half the requested rate (below saturation on a small box)
/// and the requested rate itself.
fn rates(requested: f64) -> [f64; 2] {
    [requested / 2.0, requested]
}

fn row(name: &str, s: &Stats) -> String {
    format!(
        "| {name} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} |",
        s.sent,
        s.errors,
        s.rate(),
        s.ms(50.0),
        s.ms(99.0),
        s.ms(100.0)
    )
}

/// A loopback address nobody listens on.
fn free_addr() -> Result<SocketAddr, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())
}

/// `brigade serve` (release, `workers()` HTTP workers) on `url` and a free loopback port, once ready.
fn start_brigade(bin: &std::path::Path, url: &str) -> Result<(Child, SocketAddr), String> {
    start_brigade_with(bin, url, &[])
}

/// As [`start_brigade`], with more environment (`env`).
fn start_brigade_with(
    bin: &std::path::Path,
    url: &str,
    env: &[(&str, &str)],
) -> Result<(Child, SocketAddr), String> {
    let addr = free_addr()?;
    let mut child = Command::new(bin)
        .args([
            "serve",
            "--bind",
            &addr.to_string(),
            "--workers",
            &workers(),
        ])
        .env("BRIGADE_DATABASE_URL", url)
        .env(
            "BRIGADE_JWT_SECRET",
            "9d2f6b1e8a4c07f3e5b9d1a6c8e2f4b0a7d3c9e1f5b8a2d6c0e4f7b3a9d1c5e8",
        )
        .env("BRIGADE_LOGIN_PER_ACCOUNT_PER_MINUTE", "100000")
        // The load generator is one user at one address: no request limits.
        .env("BRIGADE_RATE_READS_PER_MINUTE", "0")
        .env("BRIGADE_RATE_WRITES_PER_MINUTE", "0")
        // Thousands of screens on one login.
        .env("BRIGADE_WS_CONNECTIONS_PER_USER", "100000")
        .env("BRIGADE_LOGIN_PER_ADDRESS_PER_MINUTE", "100000")
        .env("BRIGADE_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    if let Err(e) = wait_ready(addr) {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    Ok((child, addr))
}

/// HTTP workers of the benchmarked server: `BRIGADE_BENCH_WORKERS`, default 2 (the
/// cores of the reference box).
fn workers() -> String {
    std::env::var("BRIGADE_BENCH_WORKERS")
        .ok()
        .filter(|w| w.parse::<u16>().is_ok_and(|w| w > 0))
        .unwrap_or_else(|| "2".to_owned())
}

fn wait_ready(addr: SocketAddr) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(mut conn) = Conn::connect(addr) {
            let req = Request {
                method: "GET",
                path: "/health/ready".to_owned(),
                token: None,
                body: None,
            };
            if conn.send(&req).is_ok_and(|(status, _)| status == 200) {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err("the server did not become ready in 30 s".to_owned())
}

fn login(conn: &mut Conn, email: &str) -> Result<String, String> {
    let body = format!(r#"{{"email":"{email}","password":"admin123!"}}"#);
    let req = Request {
        method: "POST",
        path: "/api/v1/auth/login".to_owned(),
        token: None,
        body: Some(body),
    };
    let (_, reply) = conn.send(&req).map_err(|e| e.to_string())?;
    json_str(&reply, "access_token").ok_or_else(|| format!("login failed: {reply}"))
}

fn post(conn: &mut Conn, token: &str, path: &str, body: String) -> Result<String, String> {
    let req = Request {
        method: "POST",
        path: path.to_owned(),
        token: Some(token),
        body: Some(body),
    };
    let (status, reply) = conn.send(&req).map_err(|e| e.to_string())?;
    if status != 201 {
        return Err(format!("POST {path}: {status} {reply}"));
    }
    Ok(reply)
}

fn make_ready_orders(url: &str, count: u64) -> Result<(), String> {
    psql(
        url,
        &format!(
            "WITH p AS (SELECT array_agg(id ORDER BY sku) AS ids FROM products
                            WHERE venue_id = '{VENUE}' AND sku LIKE 'BENCH-%'),
                  o AS (INSERT INTO orders (id, venue_id, status, covers, created_by, total_minor,
                                            created_at, updated_at, confirmed_at, ready_at)
                        SELECT gen_random_uuid(), '{VENUE}', 'ready', 2, '{VENUE}', 1400, now(), now(), now(), now()
                          FROM generate_series(1, {count}) RETURNING id)
             INSERT INTO order_items (id, venue_id, order_id, product_id, product_name, quantity_milli,
                                      unit_price_minor, modifiers, created_at)
             SELECT gen_random_uuid(), '{VENUE}', o.id, p.ids[1 + abs(hashtext(o.id::text)) % array_length(p.ids, 1)],
                    'Bench', 1000, 1400, '{{}}', now()
               FROM o, p"
        ),
    )?;
    psql(url, "VACUUM ANALYZE").map(|_| ())
}

/// The best throughput pgbench reaches with 1, 2, 4 or 8 clients: the ceiling is the
/// transaction at its best concurrency, not inside a lock convoy.
fn pgbench(url: &str, script: &str, product: &str, seconds: u64) -> Result<f64, String> {
    let mut best = 0.0_f64;
    for clients in [1, 2, 4, 8] {
        let tps = pgbench_once(url, script, product, seconds.div_ceil(2), clients)?;
        println!("    {clients} clients: {tps:.0} tps");
        best = best.max(tps);
    }
    Ok(best)
}

fn pgbench_once(
    url: &str,
    script: &str,
    product: &str,
    seconds: u64,
    clients: u32,
) -> Result<f64, String> {
    let file = std::env::temp_dir().join(format!("brigade-bench-{}.sql", std::process::id()));
    std::fs::write(&file, script).map_err(|e| e.to_string())?;
    let out = Command::new("pgbench")
        .args([
            "-n",
            "-M",
            "prepared",
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
        ])
        .args(["-c", &clients.to_string()])
        .args([
            "-D",
            &format!("venue={VENUE}"),
            "-D",
            &format!("product={product}"),
        ])
        .arg("-f")
        .arg(&file)
        .arg(url)
        .output()
        .map_err(|e| format!("pgbench: {e} (Debian: apt-get install postgresql-contrib)"))?;
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            format!(
                "pgbench failed: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
}
