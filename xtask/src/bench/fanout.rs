//! The fan-out benchmark: N WebSocket subscribers of one venue, events triggered over
//! HTTP, delivery latency (trigger sent -> frame received, every subscriber) and
//! messages/s; the same against a minimal Node.js `ws` broadcast server when Node is
//! available. Bounded: a fixed number of events per phase and a deadline.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::http::{Conn, Request, json_str};
use super::ws::{Frame, Ws, json_int};
use super::{VENUE, free_addr, login, post, psql, start_brigade};

/// Events sent at a steady rate for the latency figures.
const STEADY_EVENTS: i64 = 50;
const STEADY_RATE: f64 = 20.0;
/// Connections opened at once while subscribing (the listen backlog is finite).
const WAVE: usize = 250;

/// A process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What is measured on one server at one subscriber count.
pub struct Figures {
    pub server: &'static str,
    pub subscribers: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub messages_per_s: f64,
    pub delivered: usize,
    pub expected: usize,
    pub rss_mib: f64,
}

impl Figures {
    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.0} | {} / {} | {:.0} |",
            self.server,
            self.subscribers,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.messages_per_s,
            self.delivered,
            self.expected,
            self.rss_mib
        )
    }
}

/// What one subscriber received: each event's seq and when it arrived.
type Arrivals = Vec<(i64, Instant)>;

/// How to reach one server under test.
struct Target {
    name: &'static str,
    addr: SocketAddr,
    ws_path: String,
    /// Header lines sent with the upgrade (a bearer token: a bench client is no browser
    /// and needs no ticket).
    ws_headers: String,
    join: String,
    pid: u32,
    /// Sends the trigger that makes the server publish event `seq`.
    trigger: Box<dyn FnMut(i64) -> Result<(), String>>,
    /// The seq of the last event before the run.
    start: i64,
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Runs both phases against `target` with `subscribers` connections.
fn measure(mut target: Target, subscribers: usize, burst: i64) -> Result<Figures, String> {
    let steady_last = target.start + STEADY_EVENTS;
    let last = steady_last + burst;
    let ready = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let arrivals: Arc<Mutex<Vec<Arrivals>>> = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::with_capacity(subscribers);
    println!("    {}: connecting {subscribers} subscribers", target.name);
    for n in 0..subscribers {
        let (ready_n, failed, arrivals) = (ready.clone(), failed.clone(), arrivals.clone());
        let (addr, path, join) = (target.addr, target.ws_path.clone(), target.join.clone());
        let headers = target.ws_headers.clone();
        let thread = std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || {
                let subscribe = || -> std::io::Result<Ws> {
                    let mut ws = Ws::connect(addr, &path, &headers)?;
                    ws.set_read_timeout(Some(Duration::from_secs(60)))?;
                    ws.send_text(&join)?;
                    loop {
                        if let Frame::Text(text) = ws.read()?
                            && text.contains("joined_venue")
                        {
                            return Ok(ws);
                        }
                    }
                };
                // A few tries: under a burst of handshakes one may time out.
                let mut attempt = 0;
                let connected = loop {
                    match subscribe() {
                        Ok(ws) => break Ok(ws),
                        Err(e) if attempt < 3 => {
                            attempt += 1;
                            let _ = e;
                            std::thread::sleep(Duration::from_millis(200 * attempt));
                        }
                        Err(e) => break Err(e),
                    }
                };
                let mut ws = match connected {
                    Ok(ws) => ws,
                    Err(e) => {
                        eprintln!("    subscriber {n}: {e}");
                        failed.fetch_add(1, Ordering::SeqCst);
                        ready_n.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                };
                ready_n.fetch_add(1, Ordering::SeqCst);
                let mut seen = Vec::with_capacity((last - steady_last + STEADY_EVENTS) as usize);
                while let Ok(frame) = ws.read() {
                    match frame {
                        Frame::Text(text) => {
                            let at = Instant::now();
                            if let Some(seq) = json_int(&text, "seq") {
                                seen.push((seq, at));
                                if seq >= last {
                                    break;
                                }
                            }
                        }
                        Frame::Control => {}
                        Frame::Closed => break,
                    }
                }
                if let Ok(mut all) = arrivals.lock() {
                    all.push(seen);
                }
            })
            .map_err(|e| format!("spawning subscriber {n}: {e}"))?;
        threads.push(thread);
        if (n + 1) % WAVE == 0 || n + 1 == subscribers {
            let deadline = Instant::now() + Duration::from_secs(60);
            while ready.load(Ordering::SeqCst) < n + 1 {
                if Instant::now() > deadline {
                    return Err(format!("{}: subscribers did not connect", target.name));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
    let failures = failed.load(Ordering::SeqCst);
    if failures > 0 {
        return Err(format!(
            "{}: {failures} subscribers failed to connect",
            target.name
        ));
    }
    std::thread::sleep(Duration::from_millis(500));
    let rss_connected = rss_mib(target.pid);

    println!(
        "    {}: {STEADY_EVENTS} events at {STEADY_RATE}/s, then {burst} back to back",
        target.name
    );
    let mut sent_at = std::collections::HashMap::new();
    let started = Instant::now();
    for i in 1..=STEADY_EVENTS {
        let due = started + Duration::from_secs_f64((i - 1) as f64 / STEADY_RATE);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let seq = target.start + i;
        sent_at.insert(seq, Instant::now());
        (target.trigger)(seq)?;
    }
    std::thread::sleep(Duration::from_millis(500));
    let burst_started = Instant::now();
    for i in 1..=burst {
        let seq = steady_last + i;
        sent_at.insert(seq, Instant::now());
        (target.trigger)(seq)?;
    }
    for thread in threads {
        let _ = thread.join();
    }
    let rss = rss_connected.max(rss_mib(target.pid));

    let all = arrivals.lock().map_err(|_| "arrivals")?;
    let mut latencies: Vec<f64> = Vec::new();
    let mut burst_delivered = 0usize;
    let mut burst_end = burst_started;
    let mut delivered = 0usize;
    for seen in all.iter() {
        for (seq, at) in seen {
            let Some(sent) = sent_at.get(seq) else {
                continue;
            };
            delivered += 1;
            if *seq <= steady_last {
                latencies.push(at.saturating_duration_since(*sent).as_secs_f64() * 1000.0);
            } else {
                burst_delivered += 1;
                burst_end = burst_end.max(*at);
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
        latencies[rank.clamp(1, latencies.len()) - 1]
    };
    let burst_secs = burst_end.duration_since(burst_started).as_secs_f64();
    Ok(Figures {
        server: target.name,
        subscribers,
        p50_ms: pct(50.0),
        p99_ms: pct(99.0),
        max_ms: pct(100.0),
        messages_per_s: if burst_secs > 0.0 {
            burst_delivered as f64 / burst_secs
        } else {
            0.0
        },
        delivered,
        expected: subscribers * (STEADY_EVENTS + burst) as usize,
        rss_mib: rss,
    })
}

/// Brigade (release binary) on `url`, fresh process per subscriber count.
fn brigade(bin: &Path, url: &str, subscribers: usize, burst: i64) -> Result<Figures, String> {
    let (server, addr) = start_brigade(bin, url)?;
    let server = Proc(server);
    let mut conn = Conn::connect(addr).map_err(|e| e.to_string())?;
    let admin = login(&mut conn, "admin@beerflow.demo")?;
    let waiter = login(&mut conn, "waiter1@beerflow.demo")?;
    let kitchen = login(&mut conn, "chef@beerflow.demo")?;
    let sku = format!("FANOUT-{subscribers}");
    let product = post(
        &mut conn,
        &admin,
        &format!("/api/v1/venues/{VENUE}/products"),
        format!(r#"{{"name":"Fan-out","sku":"{sku}","unit":"pz","cost":1,"price":2}}"#),
    )?;
    let product = json_str(&product, "id").ok_or("product id")?;
    let start: i64 = psql(
        url,
        &format!("SELECT last_event_seq FROM venues WHERE id = '{VENUE}'"),
    )?
    .parse()
    .map_err(|_| "venue seq")?;
    let body = format!(r#"{{"covers":1,"items":[{{"product_id":"{product}","quantity":1}}]}}"#);
    let path = format!("/api/v1/venues/{VENUE}/orders");
    let trigger = Box::new(move |_seq: i64| -> Result<(), String> {
        post(&mut conn, &waiter, &path, body.clone()).map(drop)
    });
    let figures = measure(
        Target {
            name: "brigade",
            addr,
            ws_path: "/api/v1/ws".to_owned(),
            ws_headers: format!("Authorization: Bearer {kitchen}\r\n"),
            join: format!(r#"{{"type":"join_venue","venue_id":"{VENUE}"}}"#),
            pid: server.0.id(),
            trigger,
            start,
        },
        subscribers,
        burst,
    );
    drop(server);
    figures
}

/// Installs the peer's `ws` package under target/bench/peer; `None` (with the reason
/// printed) when Node.js or npm is missing or the install fails.
pub fn prepare_peer() -> Option<std::path::PathBuf> {
    let dir = crate::workspace_root().join("target/bench/peer");
    let source = crate::workspace_root().join("xtask/src/bench/peer");
    if Command::new("node").arg("--version").output().is_err() {
        println!("    node not found: skipping the Node.js peer");
        return None;
    }
    let _ = std::fs::create_dir_all(&dir);
    for file in ["server.js", "package.json"] {
        if std::fs::copy(source.join(file), dir.join(file)).is_err() {
            println!("    cannot copy the peer's {file}: skipping the peer");
            return None;
        }
    }
    if !dir.join("node_modules/ws").exists() {
        println!("    npm install ws (the peer's only dependency)");
        let installed = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent"])
            .current_dir(&dir)
            .status();
        if !installed.is_ok_and(|s| s.success()) {
            println!("    npm install failed: skipping the Node.js peer");
            return None;
        }
    }
    Some(dir)
}

/// The Node.js `ws` broadcast server, fresh process per subscriber count.
fn peer(dir: &Path, subscribers: usize, burst: i64) -> Result<Figures, String> {
    let addr = free_addr()?;
    let server = Proc(
        Command::new("node")
            .arg("server.js")
            .arg(addr.port().to_string())
            .current_dir(dir)
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("node: {e}"))?,
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            return Err("the Node.js peer did not start".to_owned());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut conn = Conn::connect(addr).map_err(|e| e.to_string())?;
    let trigger = Box::new(move |seq: i64| -> Result<(), String> {
        let (status, _) = conn
            .send(&Request {
                method: "POST",
                path: format!("/publish?seq={seq}"),
                token: None,
                body: Some(String::new()),
            })
            .map_err(|e| e.to_string())?;
        if status == 200 {
            Ok(())
        } else {
            Err(format!("peer publish: {status}"))
        }
    });
    let figures = measure(
        Target {
            name: "node ws",
            addr,
            ws_path: "/ws".to_owned(),
            ws_headers: String::new(),
            join: r#"{"type":"join_venue"}"#.to_owned(),
            pid: server.0.id(),
            trigger,
            start: 0,
        },
        subscribers,
        burst,
    );
    drop(server);
    figures
}

/// Both servers at 1,000 and 10,000 subscribers.
pub fn run(bin: &Path, url: &str) -> Result<Vec<Figures>, String> {
    let peer_dir = prepare_peer();
    let mut figures = Vec::new();
    for (subscribers, burst) in [(1_000, 100), (10_000, 30)] {
        println!("==> fan-out to {subscribers} subscribers");
        figures.push(brigade(bin, url, subscribers, burst)?);
        if let Some(dir) = &peer_dir {
            figures.push(peer(dir, subscribers, burst)?);
        }
    }
    Ok(figures)
}
