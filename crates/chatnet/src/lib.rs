//! The live chat transport (ADR 0004, ADR 0007), beside `mailnet`: the widget's WebSocket
//! (`ws`) and its fallback where WebSockets are blocked (`http`: server-sent events +
//! POST). Like `mailnet`, it only moves frames and calls `app` (the chat use cases: start
//! a conversation, post a message with its client id, read what a visitor missed after a
//! number, typing, read marks, end), so the rules — who may read a conversation,
//! numbering and deduplication, limits — live in one place. `hub` hands the live bus's
//! chat signals to the connections that follow each conversation; `session` is one
//! connection's state, whatever carries it; `wire` is the JSON both carry.
//! It depends on `app`, `domain` and `web`, never on `store` (`crates/app/tests/boundaries.rs`).

pub mod http;
pub mod hub;
pub mod session;
pub mod wire;
pub mod ws;

use axum::Router;
use axum::http::{HeaderMap, header};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use web::AppState;

/// What the chat routes share: the hub, the caps on open chat connections (in all, and
/// per client address), and the origin a WebSocket may come from.
#[derive(Clone)]
pub struct ChatNet {
    pub hub: Arc<hub::Hub>,
    sockets: Arc<tokio::sync::Semaphore>,
    per_address: Arc<Mutex<HashMap<IpAddr, u32>>>,
    /// `scheme://host[:port]` of Guichet's public URL, when one is configured.
    origin: Option<String>,
}

/// Open chat connections one client address may hold (an office behind one address with
/// many visitors at once fits; one machine cannot take the node's every slot).
pub const PER_ADDRESS: u32 = 256;

/// A chat connection's place: released when dropped.
pub struct Slot {
    _permit: tokio::sync::OwnedSemaphorePermit,
    ip: IpAddr,
    per_address: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut m = self.per_address.lock().expect("slots lock");
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct ChatOptions {
    /// Chat connections (sockets and streams) open at most on this node.
    pub max_sockets: usize,
}

impl Default for ChatOptions {
    fn default() -> Self {
        Self {
            max_sockets: 20_000,
        }
    }
}

/// The origin part of a URL (`https://example.com:8443`), lower-cased.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() {
        return None;
    }
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        host.to_ascii_lowercase()
    ))
}

impl ChatNet {
    /// A place for one more chat connection from `ip`, if the node and the address have
    /// one left.
    pub fn slot(&self, ip: IpAddr) -> Option<Slot> {
        let permit = self.sockets.clone().try_acquire_owned().ok()?;
        let mut m = self.per_address.lock().expect("slots lock");
        let n = m.entry(ip).or_insert(0);
        if *n >= PER_ADDRESS {
            return None;
        }
        *n += 1;
        Some(Slot {
            _permit: permit,
            ip,
            per_address: self.per_address.clone(),
        })
    }

    /// A browser's WebSocket must come from Guichet's own origin: the chat runs in a frame
    /// served by Guichet, whatever site embeds it. Without a configured public URL, the
    /// origin must name the host the request was sent to. A client that is not a browser
    /// sends no origin; it still needs a visitor's token to read anything.
    pub fn origin_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return true;
        };
        let Some(origin) = origin.to_str().ok().and_then(origin_of) else {
            return false;
        };
        match &self.origin {
            Some(o) => &origin == o,
            None => {
                let host = headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_ascii_lowercase);
                host.is_some_and(|h| {
                    origin == format!("http://{h}") || origin == format!("https://{h}")
                })
            }
        }
    }
}

/// The chat routes, under `/chat/v1/`.
pub fn router(state: AppState, opts: ChatOptions) -> Router {
    let net = ChatNet {
        hub: hub::Hub::start(&state.app),
        sockets: Arc::new(tokio::sync::Semaphore::new(opts.max_sockets.max(1))),
        per_address: Arc::default(),
        origin: state.app.config.public_url.as_deref().and_then(origin_of),
    };
    Router::new()
        .route("/chat/v1/socket", get(ws::upgrade))
        .route("/chat/v1/conversations", get(http::list).post(http::start))
        .route("/chat/v1/conversations/{id}/messages", post(http::send))
        .route("/chat/v1/conversations/{id}/events", get(http::events))
        .route("/chat/v1/conversations/{id}/stream", get(http::stream))
        .route("/chat/v1/conversations/{id}/typing", post(http::typing))
        .route("/chat/v1/conversations/{id}/read", post(http::read))
        .route("/chat/v1/conversations/{id}/end", post(http::end))
        .route("/chat/v1/conversations/{id}/queue", get(http::queue))
        .layer(axum::Extension(net))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_compared_by_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://Support.Example.com/help?x"),
            Some("https://support.example.com".into())
        );
        assert_eq!(origin_of("http://h:8080"), Some("http://h:8080".into()));
        assert_eq!(origin_of("null"), None);
        let net = ChatNet {
            hub: Arc::new(hub::Hub::default()),
            sockets: Arc::new(tokio::sync::Semaphore::new(1)),
            per_address: Arc::default(),
            origin: origin_of("https://support.example.com"),
        };
        let mut h = HeaderMap::new();
        assert!(net.origin_allowed(&h), "no origin: not a browser");
        h.insert(
            header::ORIGIN,
            "https://support.example.com".parse().unwrap(),
        );
        assert!(net.origin_allowed(&h));
        h.insert(
            header::ORIGIN,
            "https://support.example.com.evil.test".parse().unwrap(),
        );
        assert!(!net.origin_allowed(&h));
        h.insert(
            header::ORIGIN,
            "http://support.example.com".parse().unwrap(),
        );
        assert!(!net.origin_allowed(&h));
        let local = ChatNet {
            origin: None,
            ..net
        };
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
        h.insert(header::ORIGIN, "http://127.0.0.1:3000".parse().unwrap());
        assert!(local.origin_allowed(&h));
        h.insert(header::ORIGIN, "http://evil.test".parse().unwrap());
        assert!(!local.origin_allowed(&h));
    }

    #[test]
    fn one_address_cannot_take_every_slot_and_slots_come_back() {
        let net = ChatNet {
            hub: Arc::new(hub::Hub::default()),
            sockets: Arc::new(tokio::sync::Semaphore::new(PER_ADDRESS as usize + 1)),
            per_address: Arc::default(),
            origin: None,
        };
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let mut held: Vec<Slot> = (0..PER_ADDRESS).map(|_| net.slot(a).unwrap()).collect();
        assert!(net.slot(a).is_none(), "the address is full");
        let other = net.slot(b).expect("another address still gets one");
        assert!(net.slot(b).is_none(), "and now the node is full");
        drop(other);
        held.pop();
        assert!(
            net.slot(a).is_some(),
            "a slot comes back when a connection ends"
        );
        drop(held);
        assert!(net.per_address.lock().unwrap().is_empty());
    }
}
