//! A minimal blocking WebSocket client (RFC 6455, text frames only) for the fan-out
//! benchmark: std only, one thread per connection, so thousands of subscribers cost a
//! parked thread each.

use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One socket (one file descriptor: 10,000 subscribers must fit the fd limit).
pub struct Ws {
    reader: BufReader<TcpStream>,
}

/// What one read returned.
pub enum Frame {
    Text(String),
    /// Ping answered, pong or another control frame.
    Control,
    Closed,
}

impl Ws {
    /// Connects and upgrades `path` (with its query).
    /// Upgrades `path`, sending `headers` (whole `Name: value\r\n` lines) besides.
    pub fn connect(addr: SocketAddr, path: &str, headers: &str) -> std::io::Result<Ws> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
        stream.set_nodelay(true)?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Upgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )?;
        let mut reader = BufReader::new(stream);
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            reader.read_exact(&mut byte)?;
            head.push(byte[0]);
            if head.len() > 16 * 1024 {
                return Err(std::io::Error::other("response head too long"));
            }
        }
        if !head.starts_with(b"HTTP/1.1 101") {
            return Err(std::io::Error::other(format!(
                "upgrade refused: {}",
                String::from_utf8_lossy(&head).lines().next().unwrap_or("")
            )));
        }
        Ok(Ws { reader })
    }

    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> std::io::Result<()> {
        self.reader.get_ref().set_read_timeout(timeout)
    }

    /// Sends a masked frame, as clients must.
    fn send_frame(&mut self, opcode: u8, payload: &[u8]) -> std::io::Result<()> {
        let mask = [0x5a, 0xa5, 0x3c, 0xc3];
        let mut frame = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n <= u16::MAX as usize => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.reader.get_mut().write_all(&frame)
    }

    pub fn send_text(&mut self, text: &str) -> std::io::Result<()> {
        self.send_frame(0x1, text.as_bytes())
    }

    /// Reads one frame (blocking, up to the read timeout).
    pub fn read(&mut self) -> std::io::Result<Frame> {
        let mut head = [0u8; 2];
        self.reader.read_exact(&mut head)?;
        let opcode = head[0] & 0x0f;
        let len = match head[1] & 0x7f {
            126 => {
                let mut ext = [0u8; 2];
                self.reader.read_exact(&mut ext)?;
                u16::from_be_bytes(ext) as usize
            }
            127 => {
                let mut ext = [0u8; 8];
                self.reader.read_exact(&mut ext)?;
                u64::from_be_bytes(ext) as usize
            }
            n => n as usize,
        };
        let mut payload = vec![0u8; len];
        self.reader.read_exact(&mut payload)?;
        Ok(match opcode {
            0x1 => Frame::Text(String::from_utf8_lossy(&payload).into_owned()),
            0x8 => Frame::Closed,
            0x9 => {
                self.send_frame(0xA, &payload)?;
                Frame::Control
            }
            _ => Frame::Control,
        })
    }
}

/// The integer after `"key":` in a JSON text (enough for the frames measured here).
pub fn json_int(text: &str, key: &str) -> Option<i64> {
    let at = text.find(&format!("\"{key}\":"))? + key.len() + 3;
    let digits: String = text[at..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits.parse().ok()
}
