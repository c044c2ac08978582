//! deploy/nginx/nginx.conf in front of two real `brigade serve` processes: REST and a
//! kitchen screen's WebSocket go through the proxy, to either instance.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::kds::{Kds, seqs};
use crate::store::TestDb;
use crate::support::{Served, Staff, VENUE, free_port, instance_command, new_uuid, shared_redis};

fn nginx_binary() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("nginx is installed (Debian package nginx; .ci/run installs it)")
}

/// nginx with the repository's nginx.conf and an upstream.conf naming the two
/// instances. Stopped when dropped.
///
/// The config's HTTPS server carries every proxy rule; its plain-HTTP server only
/// redirects to it. awc has no TLS in this build, so the HTTPS server is served here
/// over plain HTTP on a free port: its `listen` loses `ssl` and its two certificate
/// lines go (nginx would load the files even without an `ssl` listener). Everything
/// else is the repository's file; deploy/check.sh proves the TLS side with a real
/// handshake. Each rewritten line must be there exactly once, so a config change that
/// breaks the rewrite fails here, loudly.
struct Nginx {
    child: Child,
    dir: PathBuf,
    base: String,
}

impl Nginx {
    fn start(upstreams: &[&str]) -> Nginx {
        let port = free_port();
        // The redirecting server needs a port of its own (8080 may be taken).
        let redirect_port = free_port();
        let dir = crate::store::scratch_dir(&format!("nginx-{port}"));
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx");
        let mut conf = std::fs::read_to_string(repo.join("nginx.conf")).expect("nginx.conf");
        let rewrites = [
            (
                "listen 8080 default_server;".to_owned(),
                format!("listen 127.0.0.1:{redirect_port} default_server;"),
            ),
            (
                "listen 8443 ssl;".to_owned(),
                format!("listen 127.0.0.1:{port};"),
            ),
            (
                "ssl_certificate     tls/cert.pem;".to_owned(),
                String::new(),
            ),
            ("ssl_certificate_key tls/key.pem;".to_owned(), String::new()),
            (
                "access_log /dev/stdout brigade_json;".to_owned(),
                format!("access_log {}/access.log brigade_json;", dir.display()),
            ),
        ];
        for (from, to) in &rewrites {
            assert_eq!(
                conf.matches(from.as_str()).count(),
                1,
                "deploy/nginx/nginx.conf should contain `{from}` exactly once"
            );
            conf = conf.replace(from.as_str(), to);
        }
        std::fs::write(dir.join("nginx.conf"), conf).expect("write nginx.conf");
        let upstream = std::fs::read_to_string(repo.join("upstream.conf")).expect("upstream");
        let servers: String = upstreams
            .iter()
            .map(|u| format!("    server {u} max_fails=3 fail_timeout=10s;\n"))
            .collect();
        let upstream = upstream
            .lines()
            .filter(|l| !l.trim_start().starts_with("server app"))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("    least_conn;", &format!("    least_conn;\n{servers}"));
        std::fs::write(dir.join("upstream.conf"), upstream).expect("write upstream.conf");
        let child = Command::new(nginx_binary())
            .args(["-p", &format!("{}/", dir.display()), "-e", "stderr"])
            .args(["-c", &dir.join("nginx.conf").display().to_string()])
            .args([
                "-g",
                &format!("daemon off; pid {}/nginx.pid;", dir.display()),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx {
            child,
            dir,
            base: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // TERM, not KILL: the master then stops its workers (a killed master would
        // leave them running, holding the test's output open).
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[actix_web::test]
async fn nginx_in_front_of_two_instances_carries_rest_and_a_kitchen_websocket() {
    let db = TestDb::from_template().await;
    let channel = format!("brigade-test:{}", new_uuid());
    let a = Served::spawn(instance_command(&db, &shared_redis(), &channel)).await;
    let b = Served::spawn(instance_command(&db, &shared_redis(), &channel)).await;
    let nginx = Nginx::start(&[
        a.base.trim_start_matches("http://"),
        b.base.trim_start_matches("http://"),
    ]);
    let proxy = &nginx.base;

    // Health and REST through the proxy; the request id is the proxy's or the client's.
    let ready = Staff::anonymous(proxy).get("/health/ready").await;
    assert_eq!(ready.status.as_u16(), 200, "{:?}", ready.body);
    assert!(!ready.header("x-request-id").is_empty());
    let admin = Staff::login(proxy, "admin@beerflow.demo").await;
    let waiter = Staff::login(proxy, "waiter1@beerflow.demo").await;
    let kitchen = Staff::login(proxy, "chef@beerflow.demo").await;
    let product = admin.create_product("NGINX-1", 5.0).await;

    // A kitchen screen subscribes through nginx (the WebSocket upgrade is proxied).
    let mut screen = Kds::connect(proxy, &kitchen.token).await;
    let start = screen.join(VENUE, None).await["seq"].as_i64().expect("seq");
    // Orders land on either instance (least_conn); the screen gets them all, in order.
    let mut orders = Vec::new();
    for _ in 0..6 {
        orders.push(waiter.order_one(&product, None).await);
    }
    let events = screen
        .events_through(start + 6, Duration::from_secs(10))
        .await;
    assert_eq!(seqs(&events), (start + 1..=start + 6).collect::<Vec<_>>());
    for (event, order) in events.iter().zip(&orders) {
        assert_eq!(event["data"]["order_id"], order["id"]);
    }
    let listed = waiter
        .get(&format!("/api/v1/venues/{VENUE}/orders"))
        .await
        .expect(200);
    assert!(listed.as_array().is_some_and(|o| o.len() >= 6));
    drop((a, b));

    // The access log names the socket's path, never its query: the ticket in
    // `?ticket=` stays out of logs that operators paste into support tickets. (nginx
    // logs an upgraded request when its connection ends.)
    let ticket = screen.ticket.clone();
    screen.close().await;
    let log_path = nginx.dir.join("access.log");
    let mut log = String::new();
    for _ in 0..50 {
        log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if log.contains("\"uri\":\"/api/v1/ws\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(log.contains("\"uri\":\"/api/v1/ws\""), "{log}");
    assert!(
        !log.contains(&ticket) && !log.contains(&kitchen.token),
        "a credential reached nginx's access log"
    );
}
