//! `brigade smoke --url URL`: the critical flows against a running server, as the
//! hidden smoke venue's waiter (provisioned through the database first, with a new
//! password each run), so real kitchens and figures never see them: liveness and
//! version, login, the menu, a free table, a WebSocket join, an order opened and
//! confirmed, the kitchen display, the order's event on the WebSocket, then the order
//! cancelled. Each check is timed; the first failure ends the run.

use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use awc::ws;
use brigade_application::usecases::smoke::{SMOKE_EMAIL, SMOKE_PRODUCT, SMOKE_VENUE};
use futures_util::{SinkExt as _, StreamExt as _};
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::StoreConfig;

const TIMEOUT: Duration = Duration::from_secs(10);

/// One check's outcome.
#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The run, as `--report` writes it.
#[derive(Debug, Serialize)]
pub struct Report {
    pub url: String,
    pub version: Option<String>,
    pub ok: bool,
    pub total_ms: f64,
    pub checks: Vec<Check>,
}

/// Runs the smoke test against `url`, printing each check as it ends.
pub async fn run(store: &StoreConfig, url: &str) -> anyhow::Result<Report> {
    let base = url.trim_end_matches('/').to_owned();
    if !base.starts_with("http://") {
        bail!("--url must be http://host:port (an instance, or a plain-HTTP front)");
    }
    let password = crate::secrets::random_hex(16)?;
    crate::server::brigade(store, 2)?
        .prepare_smoke(&password)
        .await
        .context("preparing the smoke venue in the database")?;
    let mut api = Api {
        client: awc::Client::builder().timeout(TIMEOUT).finish(),
        base: base.clone(),
        token: String::new(),
    };
    let mut report = Report {
        url: base,
        version: None,
        ok: true,
        total_ms: 0.0,
        checks: Vec::new(),
    };
    let started = Instant::now();
    let outcome = flows(&mut api, &mut report, &password).await;
    report.total_ms = ms(started.elapsed());
    report.ok = outcome.is_ok();
    Ok(report)
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

struct Api {
    client: awc::Client,
    base: String,
    token: String,
}

/// Times `check`, records and prints it.
async fn check<T>(
    report: &mut Report,
    name: &'static str,
    check: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let started = Instant::now();
    let result = check.await;
    let took = ms(started.elapsed());
    let error = result.as_ref().err().map(|e| format!("{e:#}"));
    match &error {
        None => println!("  ok    {name:<18} {took:>8.1} ms"),
        Some(e) => println!("  FAIL  {name:<18} {e}"),
    }
    report.checks.push(Check {
        name,
        ok: error.is_none(),
        ms: took,
        error,
    });
    result
}

/// The flows, in order; the first failure ends them (an order opened is cancelled
/// whatever fails after it). Every failure is a failed check, with why.
async fn flows(api: &mut Api, report: &mut Report, password: &str) -> anyhow::Result<()> {
    let live = check(report, "live", api.get("/health/live")).await?;
    report.version = live["version"].as_str().map(str::to_owned);
    let login = json!({ "email": SMOKE_EMAIL, "password": password });
    let session = api.post("/api/v1/auth/login", login);
    let token = check(report, "login", async {
        Ok(session.await?["access_token"]
            .as_str()
            .ok_or_else(|| anyhow!("the login answered no access_token"))?
            .to_owned())
    })
    .await?;
    api.token = token;
    let menu = api.get("/api/v1/menu");
    let product = check(report, "menu", async { find_product(&menu.await?) }).await?;
    let tables = api.get("/api/v1/tables");
    let table = check(report, "table", async {
        Ok(tables
            .await?
            .as_array()
            .and_then(|t| t.iter().find(|t| t["status"] == "available"))
            .and_then(|t| t["id"].as_str())
            .ok_or_else(|| anyhow!("the smoke venue has no available table"))?
            .to_owned())
    })
    .await?;
    let mut socket = check(report, "ws_join", api.join()).await?;
    let order = json!({ "table_id": table, "items": [{ "product_id": product, "quantity": 1 }] });
    let opened = api.post("/api/v1/orders", order);
    let id = check(report, "order_opened", async {
        Ok(opened.await?["id"]
            .as_str()
            .ok_or_else(|| anyhow!("the new order has no id"))?
            .to_owned())
    })
    .await?;
    let status = format!("/api/v1/orders/{id}/status");
    let confirmed = api.patch(&status, json!({ "status": "confirmed" }));
    let mut outcome = check(report, "order_confirmed", confirmed).await.map(drop);
    if outcome.is_ok() {
        let board = api.get("/api/v1/orders/kitchen-display");
        outcome = check(report, "kitchen_display", async {
            if board.await?.to_string().contains(&id) {
                Ok(())
            } else {
                Err(anyhow!("the confirmed order is not on the kitchen display"))
            }
        })
        .await;
    }
    if outcome.is_ok() {
        outcome = check(report, "ws_event", event_about(&mut socket, &id)).await;
    }
    let cancelled = api.patch(&status, json!({ "status": "cancelled" }));
    let cleaned = check(report, "cleanup", cancelled).await.map(drop);
    outcome.and(cleaned)
}

impl Api {
    fn request(&self, method: awc::http::Method, path: &str) -> awc::ClientRequest {
        let request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .insert_header(("X-Venue-Id", SMOKE_VENUE.to_string()));
        if self.token.is_empty() {
            request
        } else {
            request.bearer_auth(&self.token)
        }
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        answer(
            self.request(awc::http::Method::GET, path).send().await,
            path,
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let sent = self
            .request(awc::http::Method::POST, path)
            .send_json(&body)
            .await;
        answer(sent, path).await
    }

    async fn patch(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let sent = self
            .request(awc::http::Method::PATCH, path)
            .send_json(&body)
            .await;
        answer(sent, path).await
    }

    /// A WebSocket joined to the smoke venue.
    async fn join(&self) -> anyhow::Result<Socket> {
        let ticket = self.post("/api/v1/ws/ticket", json!({})).await?;
        let ticket = ticket["ticket"]
            .as_str()
            .ok_or_else(|| anyhow!("no ticket in the answer"))?;
        let url = format!(
            "{}/api/v1/ws?ticket={ticket}",
            self.base.replacen("http", "ws", 1)
        );
        let (_, mut socket) = self
            .client
            .ws(url)
            .connect()
            .await
            .map_err(|e| anyhow!("the WebSocket upgrade failed: {e}"))?;
        let join = json!({ "type": "join_venue", "venue_id": SMOKE_VENUE.to_string() });
        socket
            .send(ws::Message::Text(join.to_string().into()))
            .await?;
        let joined = next_json(&mut socket).await?;
        if joined["type"] != "joined_venue" {
            bail!("join_venue was answered {joined}");
        }
        Ok(socket)
    }
}

type Socket = actix_codec::Framed<awc::BoxedSocket, ws::Codec>;

fn find_product(menu: &Value) -> anyhow::Result<String> {
    let products = menu["categories"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["products"].as_array().into_iter().flatten())
        .chain(menu["uncategorized"].as_array().into_iter().flatten());
    products
        .into_iter()
        .find(|p| p["name"] == SMOKE_PRODUCT)
        .and_then(|p| p["id"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("the menu lacks the product {SMOKE_PRODUCT:?}"))
}

async fn answer(
    sent: Result<awc::ClientResponse, awc::error::SendRequestError>,
    path: &str,
) -> anyhow::Result<Value> {
    let mut response = sent.map_err(|e| anyhow!("{path}: {e}"))?;
    let body = response
        .body()
        .limit(4 * 1024 * 1024)
        .await
        .map_err(|e| anyhow!("{path}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!(
            "{path} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    serde_json::from_slice(&body).map_err(|e| anyhow!("{path}: not JSON ({e})"))
}

async fn next_json(socket: &mut Socket) -> anyhow::Result<Value> {
    loop {
        let frame = tokio::time::timeout(TIMEOUT, socket.next())
            .await
            .map_err(|_| anyhow!("nothing on the WebSocket within {}s", TIMEOUT.as_secs()))?
            .ok_or_else(|| anyhow!("the WebSocket closed"))??;
        match frame {
            ws::Frame::Text(text) => return Ok(serde_json::from_slice(&text)?),
            ws::Frame::Ping(p) => socket.send(ws::Message::Pong(p)).await?,
            ws::Frame::Close(reason) => bail!("the WebSocket closed: {reason:?}"),
            _ => {}
        }
    }
}

/// Reads the socket until an event about `order` arrives.
async fn event_about(socket: &mut Socket, order: &str) -> anyhow::Result<()> {
    loop {
        let frame = next_json(socket).await?;
        if frame["data"]["order_id"] == order {
            return Ok(());
        }
    }
}
