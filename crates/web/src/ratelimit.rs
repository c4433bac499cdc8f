//! Per-caller request budget (fixed one-minute windows) with Zendesk's rate-limit headers
//! on every response and 429 + Retry-After over budget (reference 1.5). Callers are keyed
//! by a hash of their credentials, or by address when anonymous. The budget is per node.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::locale_of;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<[u8; 16], (u64, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Count one request; returns (allowed, remaining, seconds until reset).
    fn hit(&self, key: [u8; 16]) -> (bool, u32, u64) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let window = now / 60;
        let reset = 60 - now % 60;
        let mut g = self.windows.lock().expect("rate limiter lock");
        if g.len() > 50_000 {
            g.retain(|_, (w, _)| *w == window);
        }
        let e = g.entry(key).or_insert((window, 0));
        if e.0 != window {
            *e = (window, 0);
        }
        if e.1 >= self.per_minute {
            return (false, 0, reset);
        }
        e.1 += 1;
        (true, self.per_minute - e.1, reset)
    }
}

pub async fn limit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let mut h = Sha256::new();
    match req.headers().get(axum::http::header::AUTHORIZATION) {
        Some(a) => h.update(a.as_bytes()),
        None => h.update(addr.ip().to_string().as_bytes()),
    }
    let digest = h.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    let (ok, remaining, reset) = state.limiter.hit(key);
    let mut resp = if ok {
        next.run(req).await
    } else {
        let (parts, _) = req.into_parts();
        ApiError::RateLimited(reset, locale_of(&parts)).into_response()
    };
    let limit = state.limiter.per_minute;
    let hs = resp.headers_mut();
    for (k, v) in [
        ("x-rate-limit", limit as u64),
        ("x-rate-limit-remaining", remaining as u64),
        ("ratelimit-limit", limit as u64),
        ("ratelimit-remaining", remaining as u64),
        ("ratelimit-reset", reset),
    ] {
        hs.insert(k, HeaderValue::from(v));
    }
    resp
}
