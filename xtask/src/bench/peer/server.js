// The fan-out peer of `cargo xtask bench`: a minimal broadcast server on the `ws`
// package, the usual Node.js baseline. Clients connect to /ws and send anything (a
// join) to get a `joined_venue` answer; `POST /publish?seq=N` broadcasts one event of
// Brigade's new_order shape to every client, then answers. Loopback only.
const http = require("http");
const { WebSocketServer, WebSocket } = require("ws");

const venue = "00000000-0000-0000-0000-000000000001";
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://peer");
  if (req.method === "POST" && url.pathname === "/publish") {
    const seq = Number(url.searchParams.get("seq"));
    const message = JSON.stringify({
      type: "new_order", venue_id: venue, seq, at: new Date().toISOString(),
      data: {
        order_id: "01a20aa9-8120-7415-8fa6-7e7b2015e592", order_number: seq,
        table_id: null, table_name: null, item_count: 1,
        created_by: "01a20aa9-63d9-7296-823d-c1ea5c78dc82",
      },
    });
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(message);
    }
    res.end("ok");
  } else if (url.pathname === "/health/ready") {
    res.end("ok");
  } else {
    res.statusCode = 404;
    res.end();
  }
});
const wss = new WebSocketServer({ server, path: "/ws" });
wss.on("connection", (ws) => {
  ws.on("message", () => ws.send(JSON.stringify({ type: "joined_venue", venue_id: venue, seq: 0, recovered: true })));
});
server.listen(Number(process.argv[2]), "127.0.0.1");
