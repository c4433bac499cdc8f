//! `guichet bench chat`: the live chat transport, recorded in BENCHMARKS.md. The server is
//! a child process (its RSS is its own); the widgets are WebSocket clients in this one,
//! spread over many loopback addresses (each address may open only so many new visitors).
//!
//! 1. Idle widgets: N sockets that said hello and wait; the server's RSS before and after.
//! 2. Active chats: C conversations, each followed by a second socket of the same visitor
//!    (another tab: the path an agent's screen takes — commit, live bus, hub, read after
//!    the last number, socket); messages sent at a fixed rate across them; the time from
//!    a send on one socket to its event on the other.

use crate::bench::Server;
use crate::config::Config;
use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Loopback source addresses the clients spread over.
const SOURCES: u32 = 250;

fn source(i: usize) -> Ipv4Addr {
    let n = (i as u32 % SOURCES) + 1;
    Ipv4Addr::new(127, 0, (n / 250) as u8 + 1, (n % 250) as u8 + 1)
}

fn open_files_limit() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/limits").ok()?;
    s.lines()
        .find(|l| l.starts_with("Max open files"))?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()
}

async fn open(port: u16, i: usize) -> Result<Socket> {
    let sock = tokio::net::TcpSocket::new_v4()?;
    sock.bind(SocketAddr::new(source(i).into(), 0))?;
    let stream = sock
        .connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await?;
    stream.set_nodelay(true)?;
    let cfg = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (ws, _) = tokio_tungstenite::client_async_with_config(
        format!("ws://127.0.0.1:{port}/chat/v1/socket"),
        stream,
        Some(cfg),
    )
    .await
    .context("websocket handshake")?;
    Ok(ws)
}

async fn frame(ws: &mut Socket) -> Result<Value> {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .context("no frame within 30 s")?
            .context("socket closed")??;
        if let Message::Text(t) = m {
            return Ok(serde_json::from_str(t.as_str())?);
        }
    }
}

async fn until(ws: &mut Socket, kind: &str) -> Result<Vec<Value>> {
    let mut seen = Vec::new();
    loop {
        let v = frame(ws).await?;
        if v["type"] == "error" {
            bail!("error frame: {v}");
        }
        let done = v["type"] == kind;
        seen.push(v);
        if done {
            return Ok(seen);
        }
    }
}

pub async fn run(cfg: Config, idle: usize, chats: usize, messages: usize, rate: u32) -> Result<()> {
    let need = (idle + 2 * chats + 200) as u64;
    if open_files_limit().is_some_and(|l| l < need) {
        bail!("this bench opens {need} sockets: raise the open-files limit (ulimit -n {need})");
    }
    let max = (idle + 2 * chats + 100).to_string();
    let server = Server::start(&cfg, &[("GUICHET_MAX_CHAT_CONNECTIONS", &max)]).await?;
    let port = server.port;
    let backend = if cfg.database_url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = server.rss_kb();
    println!("backend {backend}; server idle RSS {before} KiB");

    // 1. Idle widgets, opened 200 at a time.
    let t0 = Instant::now();
    let mut idle_sockets: Vec<Socket> = Vec::with_capacity(idle);
    let mut i = 0;
    while i < idle {
        let n = (idle - i).min(200);
        let batch = futures_util::future::join_all((i..i + n).map(|k| async move {
            let mut ws = open(port, k).await?;
            ws.send(Message::text(json!({"type": "hello"}).to_string()))
                .await?;
            until(&mut ws, "welcome").await?;
            anyhow::Ok(ws)
        }))
        .await;
        for ws in batch {
            idle_sockets.push(ws?);
        }
        i += n;
    }
    let opened = t0.elapsed();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let with_idle = server.rss_kb();
    println!(
        "{idle} idle widget sockets opened in {:.1} s; server RSS {with_idle} KiB (+{} KiB, {:.1} KiB per connection)",
        opened.as_secs_f64(),
        with_idle.saturating_sub(before),
        with_idle.saturating_sub(before) as f64 / idle.max(1) as f64
    );

    // 2. Active chats: a writer socket and a follower socket per conversation.
    let mut writers = Vec::with_capacity(chats);
    let mut followers = Vec::with_capacity(chats);
    for c in 0..chats {
        let mut a = open(port, c).await?;
        a.send(Message::text(json!({"type": "hello"}).to_string()))
            .await?;
        until(&mut a, "welcome").await?;
        a.send(Message::text(
            json!({"type": "start", "client_id": format!("s-{c}"), "body": format!("Bonjour, commande {c}")})
                .to_string(),
        ))
        .await?;
        let frames = until(&mut a, "event").await?;
        let token = frames
            .iter()
            .find(|v| v["type"] == "token")
            .and_then(|v| v["visitor_token"].as_str())
            .context("no token")?
            .to_string();
        let conv = frames.last().unwrap()["conversation_id"]
            .as_i64()
            .context("no conversation")?;
        let mut b = open(port, c).await?;
        b.send(Message::text(
            json!({"type": "hello", "token": token, "conversations": [{"id": conv, "after": 1}]})
                .to_string(),
        ))
        .await?;
        until(&mut b, "welcome").await?;
        writers.push((conv, a));
        followers.push(b);
    }
    println!(
        "{chats} conversations open (two sockets each); server RSS {} KiB",
        server.rss_kb()
    );
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let hist = Arc::new(Mutex::new(Histogram::<u64>::new(3)?));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut readers = Vec::new();
    for mut b in followers {
        let (sent, hist) = (sent.clone(), hist.clone());
        readers.push(tokio::spawn(async move {
            while let Some(Ok(m)) = b.next().await {
                if let Message::Text(t) = m
                    && let Ok(v) = serde_json::from_str::<Value>(t.as_str())
                    && v["type"] == "event"
                    && let Some(cid) = v["client_id"].as_str()
                    && let Some(t0) = sent.lock().expect("sent").remove(cid)
                {
                    hist.lock()
                        .expect("hist")
                        .record(t0.elapsed().as_micros() as u64)
                        .ok();
                }
            }
        }));
    }
    let mut sinks = Vec::new();
    for (conv, a) in writers {
        let (sink, mut stream) = a.split();
        let errors = errors.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(m)) = stream.next().await {
                if let Message::Text(t) = m
                    && t.as_str().contains("\"type\":\"error\"")
                {
                    errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }));
        sinks.push((conv, sink));
    }
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(1) as f64));
    let t0 = Instant::now();
    for n in 0..messages {
        tick.tick().await;
        let k = n % sinks.len().max(1);
        let (conv, sink) = &mut sinks[k];
        let cid = format!("m-{n}");
        sent.lock()
            .expect("sent")
            .insert(cid.clone(), Instant::now());
        sink.send(Message::text(
            json!({"type": "send", "conversation_id": conv, "client_id": cid, "body": format!("Message {n} : où en est ma commande ?")})
                .to_string(),
        ))
        .await?;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sent.lock().expect("sent").is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = t0.elapsed();
    let h = hist.lock().expect("hist").clone();
    let missing = sent.lock().expect("sent").len();
    println!(
        "{messages} messages over {chats} chats at {rate}/s ({:.1} s): send → other socket p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms; {missing} not delivered, {} error frames; server RSS {} KiB",
        took.as_secs_f64(),
        h.value_at_quantile(0.5) as f64 / 1000.0,
        h.value_at_quantile(0.99) as f64 / 1000.0,
        h.max() as f64 / 1000.0,
        errors.load(std::sync::atomic::Ordering::Relaxed),
        server.rss_kb()
    );
    for r in readers {
        r.abort();
    }
    drop(sinks);
    drop(idle_sockets);
    server.stop().await;
    Ok(())
}
