//! The kitchen display over WebSocket (DESIGN §6): every screen gets the venue's whole
//! stream in order, resumes without loss, and sees no other venue.

use std::time::Duration;

use serde_json::json;

use crate::kds::{Incoming, Kds, seqs};
use crate::support::{OTHER_VENUE, OTHER_WAITER, TestApp, VENUE};

const WAIT: Duration = Duration::from_secs(10);

#[actix_web::test]
async fn five_screens_stay_connected_through_twenty_orders_and_each_gets_every_event_in_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let product = admin.create_product("WS-1", 5.0).await;
    let mut tables = Vec::new();
    for n in 0..5 {
        tables.push(admin.create_table(&format!("WS-T{n}")).await);
    }
    let mut screens = Vec::new();
    for _ in 0..5 {
        let mut screen = app.kds(&kitchen).await;
        screen.join(VENUE, None).await;
        screens.push(screen);
    }
    let start = kitchen.board_seq().await;

    let mut created = Vec::new();
    for n in 0..20 {
        created.push(waiter.order_one(&product, Some(&tables[n % 5]["id"])).await);
    }
    // 20 new_order, and the 5 tables turning occupied.
    let end = kitchen.board_seq().await;
    assert_eq!(end, start + 25);

    for screen in &mut screens {
        let events = screen.events_through(end, WAIT).await;
        assert_eq!(seqs(&events), (start + 1..=end).collect::<Vec<_>>());
        let numbers: Vec<i64> = events
            .iter()
            .filter(|e| e["type"] == "new_order")
            .map(|e| e["data"]["order_number"].as_i64().expect("number"))
            .collect();
        let expected: Vec<i64> = created
            .iter()
            .map(|o| o["order_number"].as_i64().expect("number"))
            .collect();
        assert_eq!(numbers, expected);
        assert!(
            events
                .iter()
                .all(|e| e["venue_id"] == VENUE && e["at"].is_string())
        );
        let occupied = events
            .iter()
            .filter(|e| e["type"] == "table_status_changed" && e["data"]["status"] == "occupied")
            .count();
        assert_eq!(occupied, 5);
        screen.expect_silence(Duration::from_millis(200)).await;
    }
}

#[actix_web::test]
async fn a_screen_that_reconnects_with_since_gets_exactly_the_three_orders_it_missed_then_live_ones()
 {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let product = admin.create_product("WS-2", 5.0).await;

    let mut screen = app.kds(&kitchen).await;
    screen.join(VENUE, None).await;
    waiter.order_one(&product, None).await;
    let seen = screen.events_through(kitchen.board_seq().await, WAIT).await;
    let last_seen = seen.last().expect("an event")["seq"].as_i64().expect("seq");
    screen.close().await;

    let mut missed = Vec::new();
    for _ in 0..3 {
        missed.push(waiter.order_one(&product, None).await);
    }

    let mut screen = app.kds(&kitchen).await;
    let joined = screen.join(VENUE, Some(last_seen)).await;
    assert_eq!(joined["recovered"], true);
    assert_eq!(joined["seq"], last_seen + 3);
    let replayed = screen.events_through(last_seen + 3, WAIT).await;
    assert_eq!(
        seqs(&replayed),
        vec![last_seen + 1, last_seen + 2, last_seen + 3]
    );
    for (event, order) in replayed.iter().zip(&missed) {
        assert_eq!(event["type"], "new_order");
        assert_eq!(event["data"]["order_id"], order["id"]);
    }

    let live = waiter.order_one(&product, None).await;
    let next = screen.events_through(last_seen + 4, WAIT).await;
    assert_eq!(seqs(&next), vec![last_seen + 4]);
    assert_eq!(next[0]["data"]["order_id"], live["id"]);
    screen.expect_silence(Duration::from_millis(200)).await;
}

#[actix_web::test]
async fn the_board_then_since_its_seq_misses_nothing_and_repeats_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let product = admin.create_product("WS-3", 5.0).await;
    let before = waiter.order_one(&product, None).await;
    waiter
        .set_status(&before["id"], "confirmed")
        .await
        .expect(200);

    let board = kitchen.board_seq().await;
    let after = waiter.order_one(&product, None).await;
    let mut screen = app.kds(&kitchen).await;
    let joined = screen.join(VENUE, Some(board)).await;
    assert_eq!(joined["recovered"], true);
    let events = screen.events_through(board + 1, WAIT).await;
    assert_eq!(seqs(&events), vec![board + 1]);
    assert_eq!(events[0]["data"]["order_id"], after["id"]);

    // The kitchen moves the order on: order_status_changed, with from and status.
    kitchen
        .set_status(&before["id"], "preparing")
        .await
        .expect(200);
    let moved = screen.events_through(board + 2, WAIT).await;
    assert_eq!(moved[0]["type"], "order_status_changed");
    assert_eq!(moved[0]["data"]["from"], "confirmed");
    assert_eq!(moved[0]["data"]["status"], "preparing");
}

#[actix_web::test]
async fn a_resume_older_than_the_retained_journal_says_recovered_false() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let product = admin.create_product("WS-4", 5.0).await;
    for _ in 0..3 {
        waiter.order_one(&product, None).await;
    }
    let latest = kitchen.board_seq().await;
    // Retention removed everything but the last event.
    app.exec(&format!(
        "DELETE FROM events WHERE venue_id = '{VENUE}' AND seq < {latest}"
    ))
    .await;

    let mut screen = app.kds(&kitchen).await;
    let joined = screen.join(VENUE, Some(0)).await;
    assert_eq!(
        joined["recovered"],
        false,
        "events 1..{} are gone",
        latest - 1
    );
    assert_eq!(joined["seq"], latest);
    screen.expect_silence(Duration::from_millis(300)).await;

    // Resuming from the oldest retained position still works.
    let mut screen = app.kds(&kitchen).await;
    let joined = screen.join(VENUE, Some(latest - 1)).await;
    assert_eq!(joined["recovered"], true);
    assert_eq!(
        seqs(&screen.events_through(latest, WAIT).await),
        vec![latest]
    );

    // A position from the future (another database) cannot be trusted either.
    let mut screen = app.kds(&kitchen).await;
    assert_eq!(
        screen.join(VENUE, Some(latest + 10)).await["recovered"],
        false
    );
}

#[actix_web::test]
async fn a_member_of_another_venue_cannot_join_this_one_and_hears_nothing_of_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let product = admin.create_product("WS-5", 5.0).await;
    let outsider = app.login(OTHER_WAITER).await;

    let mut screen = app.kds(&outsider).await;
    screen
        .send(json!({ "type": "join_venue", "venue_id": VENUE }))
        .await;
    let refused = screen.next_json().await;
    assert_eq!(refused["type"], "error");
    assert_eq!(refused["code"], "venue_not_found");
    waiter.order_one(&product, None).await;
    screen.expect_silence(Duration::from_millis(500)).await;

    // Joined to its own venue, it still hears nothing of this one.
    let joined = screen.join(OTHER_VENUE, Some(0)).await;
    assert_eq!(joined["recovered"], true);
    waiter.order_one(&product, None).await;
    screen.expect_silence(Duration::from_millis(500)).await;
}

#[actix_web::test]
async fn invalid_frames_get_an_error_frame_and_the_connection_stays_open() {
    let app = TestApp::spawn().await;
    let kitchen = app.kitchen().await;
    let mut screen = app.kds(&kitchen).await;
    for bad in [
        "not json".to_owned(),
        json!({ "type": "subscribe" }).to_string(),
        json!({ "type": "join_venue", "venue_id": "not-a-uuid" }).to_string(),
        json!({ "type": "join_venue", "venue_id": VENUE, "since": -1 }).to_string(),
        json!({ "type": "leave_venue" }).to_string(),
    ] {
        screen.send_text(bad.clone()).await;
        let answer = screen.next_json().await;
        assert_eq!(answer["type"], "error", "{bad} -> {answer}");
        assert!(answer["code"].is_string());
    }
    screen.send_binary(b"\x00\x01").await;
    assert_eq!(screen.next_json().await["code"], "invalid_frame");
    screen.send(json!({ "type": "ping" })).await;
    assert_eq!(screen.next_json().await["type"], "pong");
    screen.join(VENUE, None).await;
    screen.send(json!({ "type": "leave_venue" })).await;
    assert_eq!(screen.next_json().await["type"], "left_venue");
}

#[actix_web::test]
async fn a_screen_that_closes_gets_its_close_answered_at_once() {
    let app = TestApp::spawn().await;
    let kitchen = app.kitchen().await;
    for code in [1000, 4100] {
        let mut screen = app.kds(&kitchen).await;
        screen.join(VENUE, None).await;
        let started = std::time::Instant::now();
        screen
            .send_message(awc::ws::Message::Close(Some(
                awc::ws::CloseCode::from(code).into(),
            )))
            .await;
        let answer = screen.recv(Duration::from_secs(5)).await;
        let took = started.elapsed();
        assert!(
            matches!(answer, Some(Incoming::Closed(Some(c))) if c == code),
            "the server echoes close code {code}: {answer:?}"
        );
        // Generous: it is a loopback round trip, where no answer cost a 1 s timeout.
        assert!(took < Duration::from_millis(100), "closing took {took:?}");
    }
}

#[actix_web::test]
async fn a_message_over_64_kib_closes_the_socket_with_1009_whole_or_in_fragments() {
    use actix_http::ws::Item;
    use awc::ws::Message;
    let app = TestApp::spawn().await;
    let kitchen = app.kitchen().await;
    let big = || actix_web::web::Bytes::from(vec![b' '; 40 * 1024]);

    let mut whole = app.kds(&kitchen).await;
    whole.send_text(" ".repeat(70 * 1024)).await;
    assert!(matches!(
        whole.recv(Duration::from_secs(5)).await,
        Some(Incoming::Closed(Some(1009)))
    ));

    // The same size in continuation frames (actix-ws reports this one as an I/O error).
    let mut fragments = app.kds(&kitchen).await;
    fragments
        .send_message(Message::Continuation(Item::FirstText(big())))
        .await;
    fragments
        .send_message(Message::Continuation(Item::Continue(big())))
        .await;
    fragments
        .send_message(Message::Continuation(Item::Last(
            actix_web::web::Bytes::from_static(b"}"),
        )))
        .await;
    let closed = fragments.recv(Duration::from_secs(5)).await;
    assert!(
        matches!(closed, Some(Incoming::Closed(Some(1009)))),
        "{closed:?}"
    );
}

#[actix_web::test]
async fn a_socket_without_a_valid_ticket_is_refused_before_the_upgrade_even_with_a_token_in_the_url()
 {
    let app = TestApp::spawn().await;
    let token = app.kitchen().await.token;
    let valid_token = format!("?token={token}");
    for query in [
        "",
        "?ticket=",
        "?ticket=0badc0de",
        "?token=not.a.jwt",
        &valid_token,
    ] {
        let url = format!("{}/api/v1/ws{query}", app.base.replacen("http", "ws", 1));
        let refused = awc::Client::new().ws(url).connect().await;
        match refused {
            Err(awc::error::WsClientError::InvalidResponseStatus(status)) => {
                assert_eq!(status.as_u16(), 401, "{query}");
            }
            other => panic!(
                "{query}: expected 401, got {:?}",
                other.map(|(r, _)| r.status())
            ),
        }
    }
}

#[actix_web::test]
async fn the_detailed_health_view_counts_connections_per_venue() {
    let app = TestApp::spawn().await;
    let kitchen = app.kitchen().await;
    let mut screens = Vec::new();
    for _ in 0..2 {
        let mut screen = app.kds(&kitchen).await;
        screen.join(VENUE, None).await;
        screens.push(screen);
    }
    let health = app.anonymous().get("/health").await.expect(200);
    assert_eq!(
        health["components"]["websocket"]["connections"], 2,
        "{health}"
    );
    assert_eq!(health["components"]["websocket"]["venues"][VENUE], 2);
    assert_eq!(health["components"]["database"]["status"], "up");
}

/// A screen that disconnects at random moments and resumes with `since`, until it has
/// seen `end`. Returns every event frame it received, across all its connections.
async fn flaky_screen(
    base: String,
    token: String,
    start: i64,
    end: i64,
    seed: u64,
) -> Vec<serde_json::Value> {
    let mut random = seed | 1;
    let mut next_random = move |bound: u64| {
        // xorshift64: reproducible from the printed seed.
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        random % bound
    };
    let mut received = Vec::new();
    let mut last_seen = start;
    let mut connections = 0;
    while last_seen < end {
        connections += 1;
        let mut screen = Kds::connect(&base, &token).await;
        screen.join(VENUE, Some(last_seen)).await;
        let budget = 1 + next_random(80);
        for _ in 0..budget {
            match screen
                .recv(Duration::from_millis(50 + next_random(200)))
                .await
            {
                Some(Incoming::Json(event)) => {
                    last_seen = event["seq"].as_i64().expect("event seq");
                    received.push(event);
                }
                Some(Incoming::Closed(code)) => panic!("server closed ({code:?})"),
                None => break,
            }
            if last_seen >= end {
                break;
            }
        }
        // Gone without a goodbye half of the time, like a screen losing Wi-Fi.
        if next_random(2) == 0 {
            screen.close().await;
        }
        assert!(connections < 10_000, "no progress");
    }
    received
}

#[actix_web::test]
async fn screens_that_drop_at_random_during_a_thousand_events_each_end_with_the_whole_stream() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let product = admin.create_product("CHAOS-1", 5.0).await;
    let start = kitchen.board_seq().await;
    let end = start + 1000;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64);
    println!("chaos seed {seed}");

    let screens: Vec<_> = (0..3u64)
        .map(|n| {
            actix_web::rt::spawn(flaky_screen(
                app.base.clone(),
                kitchen.token.clone(),
                start,
                end,
                seed.wrapping_add(n * 7919),
            ))
        })
        .collect();
    // 1,000 orders, ten at a time.
    for _ in 0..100 {
        let batch: Vec<_> = (0..10).map(|_| waiter.order_one(&product, None)).collect();
        futures_util::future::join_all(batch).await;
    }
    assert_eq!(kitchen.board_seq().await, end);

    for screen in screens {
        let received = tokio::time::timeout(Duration::from_secs(60), screen)
            .await
            .expect("the screen catches up")
            .expect("screen task");
        assert_eq!(
            seqs(&received),
            (start + 1..=end).collect::<Vec<_>>(),
            "every event once, in order (seed {seed})"
        );
    }
}

/// A WebSocket client that upgrades, joins, and then never reads again: a screen
/// whose app froze. Its receive buffer is tiny, so the server's side fills quickly.
struct StalledScreen {
    stream: tokio::net::TcpStream,
}

impl StalledScreen {
    async fn connect(addr: &str, token: &str, since: i64) -> StalledScreen {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("small buffer");
        let mut stream = socket
            .connect(addr.parse().expect("addr"))
            .await
            .expect("connect");
        let request = format!(
            "GET /api/v1/ws HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.expect("upgrade");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            stream.read_exact(&mut byte).await.expect("response");
            head.push(byte[0]);
        }
        assert!(
            head.starts_with(b"HTTP/1.1 101"),
            "{}",
            String::from_utf8_lossy(&head)
        );
        // A masked text frame, as clients must send.
        let payload =
            json!({ "type": "join_venue", "venue_id": VENUE, "since": since }).to_string();
        let mask = [0x12u8, 0x34, 0x56, 0x78];
        let mut frame = vec![0x81, 0x80 | payload.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(payload.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        stream.write_all(&frame).await.expect("join");
        StalledScreen { stream }
    }

    /// Reads everything the server left for it (it has woken up): the text frames,
    /// until the connection ends or goes quiet.
    async fn drain(mut self) -> Vec<serde_json::Value> {
        use tokio::io::AsyncReadExt;
        let mut bytes = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        while let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_secs(3), self.stream.read(&mut chunk)).await
        {
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
        }
        let mut frames = Vec::new();
        let mut at = 0;
        while at + 2 <= bytes.len() {
            let opcode = bytes[at] & 0x0f;
            let (len, header) = match bytes[at + 1] & 0x7f {
                126 if at + 4 <= bytes.len() => (
                    u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize,
                    4,
                ),
                127 => break,
                n => (n as usize, 2),
            };
            if at + header + len > bytes.len() {
                break;
            }
            if opcode == 1 {
                let text = &bytes[at + header..at + header + len];
                frames.push(serde_json::from_slice(text).expect("json"));
            }
            at += header + len;
        }
        frames
    }
}

async fn venue_connections(app: &TestApp) -> i64 {
    let health = app.anonymous().get("/health").await.expect(200);
    health["components"]["websocket"]["venues"][VENUE]
        .as_i64()
        .unwrap_or(0)
}

#[actix_web::test]
async fn a_screen_that_stops_reading_is_cut_off_while_the_others_keep_up() {
    let db = crate::store::TestDb::from_template().await;
    let app = TestApp::start_with(db, |args| {
        args.realtime.ws_queue = 64;
        args.realtime.ws_send_timeout_secs = 1;
    })
    .await;
    let admin = app.admin().await;
    let waiter = app.waiter().await;
    let kitchen = app.kitchen().await;
    let product = admin.create_product("SLOW-1", 5.0).await;

    // A backlog bigger than any socket buffer: 5,000 kitchen alerts of 1 KB each.
    let start = kitchen.board_seq().await;
    let backlog = 5000;
    let message = "x".repeat(1000);
    app.exec(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {backlog})
         INSERT INTO events (venue_id, seq, event_type, data, created_at)
         SELECT '{VENUE}', {start} + i, 'kitchen_alert',
                '{{\"message\":\"{message}\",\"severity\":\"info\"}}', '2026-11-23 12:00:00+00:00'
           FROM n;
         UPDATE venues SET last_event_seq = last_event_seq + {backlog} WHERE id = '{VENUE}';"
    ))
    .await;
    let mut last = start + backlog;

    let mut healthy = app.kds(&kitchen).await;
    healthy.join(VENUE, None).await;
    // A screen that froze right after asking for the backlog.
    let stalled = StalledScreen::connect(
        app.base.trim_start_matches("http://"),
        &kitchen.token,
        start,
    )
    .await;
    while venue_connections(&app).await < 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Orders keep coming: the healthy screen gets each batch within a second while the
    // frozen one is cut off (its send times out, or its queue overflows).
    let mut batches = 0;
    while venue_connections(&app).await == 2 {
        batches += 1;
        assert!(batches <= 100, "the frozen screen was never cut off");
        let batch: Vec<_> = (0..10).map(|_| waiter.order_one(&product, None)).collect();
        futures_util::future::join_all(batch).await;
        last += 10;
        let started = std::time::Instant::now();
        let events = healthy.events_through(last, Duration::from_secs(5)).await;
        assert_eq!(events.last().map(|e| e["seq"].as_i64()), Some(Some(last)));
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "batch {batches} took {:?} to reach the healthy screen",
            started.elapsed()
        );
    }
    assert_eq!(venue_connections(&app).await, 1);
    for _ in 0..3 {
        waiter.order_one(&product, None).await;
    }
    last += 3;
    healthy.events_through(last, Duration::from_secs(2)).await;

    // What the frozen screen got is a gap-free prefix of the stream, not all of it.
    let frames = stalled.drain().await;
    assert_eq!(frames[0]["type"], "joined_venue");
    let got = seqs(&frames[1..]);
    assert!(
        !got.is_empty() && got.len() < (last - start) as usize,
        "{} of {}",
        got.len(),
        last - start
    );
    assert_eq!(
        got,
        (start + 1..=start + got.len() as i64).collect::<Vec<_>>()
    );
}
