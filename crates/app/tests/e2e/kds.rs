//! `Kds`: a kitchen display screen as a test drives it — a real WebSocket client of
//! `GET /api/v1/ws` (awc), answering pings and collecting what the server sends.

use std::time::Duration;

use actix_web::web::Bytes;
use awc::ws::{self, Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

use crate::support::{Staff, TestApp};

type Socket = actix_codec::Framed<awc::BoxedSocket, ws::Codec>;

/// What the server sent.
#[derive(Debug)]
pub enum Incoming {
    Json(Value),
    /// The server closed, with this code.
    Closed(Option<u16>),
}

pub struct Kds {
    socket: Socket,
    /// The ticket that opened the socket (spent).
    pub ticket: String,
}

impl TestApp {
    /// A screen connected (not yet joined) with `staff`'s token.
    pub async fn kds(&self, staff: &Staff) -> Kds {
        Kds::connect(&self.base, &staff.token).await
    }
}

/// A WebSocket ticket for `token` (`POST /api/v1/ws/ticket`).
pub async fn ticket(base: &str, token: &str) -> String {
    let mut response = awc::Client::default()
        .post(format!("{base}/api/v1/ws/ticket"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .send()
        .await
        .expect("ticket request");
    assert_eq!(response.status().as_u16(), 201, "a ticket is issued");
    let body: Value = response.json().await.expect("ticket json");
    body["ticket"].as_str().expect("ticket").to_owned()
}

impl Kds {
    /// Asks for a ticket with `token` and opens the socket with it, as a browser does.
    pub async fn connect(base: &str, token: &str) -> Kds {
        let ticket = ticket(base, token).await;
        let url = format!(
            "{}/api/v1/ws?ticket={ticket}",
            base.replacen("http", "ws", 1)
        );
        let (response, socket) = awc::Client::builder()
            .max_http_version(awc::http::Version::HTTP_11)
            .finish()
            .ws(url)
            .max_frame_size(1024 * 1024)
            .connect()
            .await
            .expect("websocket connects");
        assert_eq!(response.status().as_u16(), 101);
        Kds { socket, ticket }
    }

    pub async fn send(&mut self, frame: Value) {
        self.send_text(frame.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.send_message(Message::Text(text.into())).await;
    }

    pub async fn send_binary(&mut self, bytes: &'static [u8]) {
        self.send_message(Message::Binary(Bytes::from_static(bytes)))
            .await;
    }

    /// Sends any WebSocket message (fragments, say).
    pub async fn send_message(&mut self, message: Message) {
        self.socket.send(message).await.expect("frame sent");
    }

    /// The next JSON frame or close, within `wait`; `None` when nothing came.
    pub async fn recv(&mut self, wait: Duration) -> Option<Incoming> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.socket.next()).await;
            let frame = match next {
                Err(_elapsed) => return None,
                Ok(None) => return Some(Incoming::Closed(None)),
                Ok(Some(Err(_))) => return Some(Incoming::Closed(None)),
                Ok(Some(Ok(frame))) => frame,
            };
            match frame {
                Frame::Text(bytes) => {
                    return Some(Incoming::Json(
                        serde_json::from_slice(&bytes).expect("JSON text frame"),
                    ));
                }
                Frame::Ping(bytes) => {
                    let _ = self.socket.send(Message::Pong(bytes)).await;
                }
                Frame::Close(reason) => {
                    return Some(Incoming::Closed(reason.map(|r| u16::from(r.code))));
                }
                _ => {}
            }
        }
    }

    /// The next JSON frame; panics on a close or after 10 s.
    pub async fn next_json(&mut self) -> Value {
        match self.recv(Duration::from_secs(10)).await {
            Some(Incoming::Json(value)) => value,
            other => panic!("expected a frame, got {other:?}"),
        }
    }

    /// Joins `venue` and returns the `joined_venue` answer.
    pub async fn join(&mut self, venue: &str, since: Option<i64>) -> Value {
        let mut frame = json!({ "type": "join_venue", "venue_id": venue });
        if let Some(since) = since {
            frame["since"] = json!(since);
        }
        self.send(frame).await;
        let joined = self.next_json().await;
        assert_eq!(joined["type"], "joined_venue", "{joined}");
        joined
    }

    /// Event frames until one with `seq >= last` (or panics after `wait`).
    pub async fn events_through(&mut self, last: i64, wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut events = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.recv(left).await {
                Some(Incoming::Json(event)) => {
                    let seq = event["seq"].as_i64().unwrap_or(i64::MIN);
                    events.push(event);
                    if seq >= last {
                        return events;
                    }
                }
                other => panic!(
                    "waiting for seq {last}: got {other:?} after {} events (last {:?})",
                    events.len(),
                    events.last().map(|e| e["seq"].clone())
                ),
            }
        }
    }

    /// Asserts nothing arrives within `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        if let Some(incoming) = self.recv(wait).await {
            panic!("expected nothing, got {incoming:?}");
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.send(Message::Close(None)).await;
    }
}

/// The seqs of event frames.
pub fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().filter_map(|e| e["seq"].as_i64()).collect()
}
