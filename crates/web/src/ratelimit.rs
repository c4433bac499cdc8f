//! Per-caller request budget with Zendesk's rate-limit headers on every response and 429 +
//! Retry-After over budget (reference 1.5). A token bucket (the per-minute budget as its
//! burst, refilled continuously), so there is no minute boundary to double the budget
//! across. The caller is the authenticated user, whatever the spelling of their
//! credentials; anonymous calls and calls whose credentials fail count against the client's
//! address. The middleware authenticates once and leaves the outcome in the request for
//! the `Ctx` extractors, so a password is never checked twice. The budget is per node.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{AuthOutcome, authenticate, client_ip, locale_of};
use app::auth::throttle::Buckets;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Caller {
    User(i64),
    Address(Option<IpAddr>),
}

pub struct RateLimiter {
    per_minute: u32,
    buckets: Buckets<Caller>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        let per_minute = per_minute.max(1);
        Self {
            per_minute,
            buckets: Buckets::new(per_minute, per_minute as f64 / 60.0),
        }
    }
}

pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let outcome = authenticate(&state, &parts).await;
    let caller = match &outcome {
        Ok(Some(actor)) => Caller::User(actor.user_id),
        _ => Caller::Address(client_ip(&parts)),
    };
    parts.extensions.insert(AuthOutcome::new(outcome));
    let taken = state.limiter.buckets.take(&caller);
    let mut resp = if taken.allowed {
        next.run(Request::from_parts(parts, body)).await
    } else {
        ApiError::RateLimited(taken.reset_secs, locale_of(&parts)).into_response()
    };
    let limit = state.limiter.per_minute;
    let hs = resp.headers_mut();
    for (k, v) in [
        ("x-rate-limit", limit as u64),
        ("x-rate-limit-remaining", taken.remaining as u64),
        ("ratelimit-limit", limit as u64),
        ("ratelimit-remaining", taken.remaining as u64),
        ("ratelimit-reset", taken.reset_secs),
    ] {
        hs.insert(k, HeaderValue::from(v));
    }
    resp
}
