//! A minimal HTTP/1.1 keep-alive client over `std::net`, enough to drive Brigade's JSON
//! API from many threads without pulling an async stack into xtask.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub struct Conn {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
}

pub struct Request<'a> {
    pub method: &'a str,
    pub path: String,
    pub token: Option<&'a str>,
    pub body: Option<String>,
}

impl Conn {
    pub fn connect(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn {
            addr,
            reader: BufReader::new(stream),
        })
    }

    /// Sends one request and reads the whole response: (status, body). Reconnects once
    /// when the server closed the idle connection.
    pub fn send(&mut self, req: &Request<'_>) -> io::Result<(u16, String)> {
        match self.try_send(req) {
            Ok(reply) => Ok(reply),
            Err(_) => {
                *self = Conn::connect(self.addr)?;
                self.try_send(req)
            }
        }
    }

    fn try_send(&mut self, req: &Request<'_>) -> io::Result<(u16, String)> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nhost: {}\r\nconnection: keep-alive\r\n",
            req.method, req.path, self.addr
        );
        if let Some(token) = req.token {
            head.push_str(&format!("authorization: Bearer {token}\r\n"));
        }
        let body = req.body.as_deref().unwrap_or("");
        if req.body.is_some() {
            head.push_str(&format!(
                "content-type: application/json\r\ncontent-length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        head.push_str(body);
        self.reader.get_mut().write_all(head.as_bytes())?;

        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("bad status line {line:?}"),
                )
            })?;
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                if name == "content-length" {
                    length = value.trim().parse().unwrap_or(0);
                } else if name == "transfer-encoding"
                    && value.to_ascii_lowercase().contains("chunked")
                {
                    chunked = true;
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else {
            body.resize(length, 0);
            self.reader.read_exact(&mut body)?;
        }
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

/// The string value of `"key":"..."` in a JSON text (good enough for ids and tokens).
pub fn json_str(body: &str, key: &str) -> Option<String> {
    let pattern = format!("\"{key}\":\"");
    let start = body.find(&pattern)? + pattern.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}
