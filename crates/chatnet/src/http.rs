//! The fallback where WebSockets are blocked (some proxies, some corporate networks): the
//! same frames as HTTP. Writes are POSTs; delivery is a server-sent-event stream per
//! conversation that resumes from `Last-Event-ID` (or `?after=`). The visitor's token goes
//! in `Authorization: Bearer …` — never in a URL — so the widget reads the stream with
//! `fetch` rather than `EventSource`. No CORS headers are sent: only the widget's own
//! frame, on Guichet's origin, can call these.

use crate::ChatNet;
use crate::hub::Signal;
use crate::session::Session;
use crate::wire;
use app::AppError;
use app::chat::{ChatParty, Visitor};
use axum::Extension;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::Locale;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;
use web::AppState;
use web::error::ApiError;
use web::extract::Body;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

fn lang(headers: &HeaderMap) -> Locale {
    crate::ws::locale(None, headers)
}

/// The visitor the bearer token names; 401 without one.
async fn known(s: &AppState, headers: &HeaderMap, l: Locale) -> Result<Visitor, Response> {
    let Some(t) = bearer(headers) else {
        return Err(ApiError::App(AppError::Unauthenticated, l).into_response());
    };
    match s.app.chat_visitor_known(t).await {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(ApiError::App(AppError::Unauthenticated, l).into_response()),
        Err(e) => Err(ApiError::App(e, l).into_response()),
    }
}

fn ok(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    client_id: String,
    body: String,
    /// The widget (a contact form's key with the chat on) and the topic chosen.
    #[serde(default)]
    widget: Option<String>,
    #[serde(default)]
    topic: Option<String>,
    /// The visitor's deflection token, when articles were suggested first.
    #[serde(default)]
    kb_visitor: Option<String>,
}

/// `POST /chat/v1/conversations`: open a conversation (a new visitor gets their token).
pub async fn start(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Body(b): Body<StartBody>,
) -> Response {
    let l = lang(&headers);
    let known = match bearer(&headers) {
        Some(t) => match s.app.chat_visitor_known(t).await {
            Ok(v) => v,
            Err(e) => return ApiError::App(e, l).into_response(),
        },
        None => None,
    };
    let v = match known {
        Some(v) => v,
        None => match app::auth::CLIENT_IP
            .scope(peer.ip(), s.app.chat_visitor(None, l))
            .await
        {
            Ok(v) => v,
            Err(e) => return ApiError::App(e, l).into_response(),
        },
    };
    let route = b.widget.as_deref().map(|w| app::chat::ChatEntry {
        widget: w,
        topic: b.topic.as_deref(),
        kb_visitor: b.kb_visitor.as_deref(),
    });
    match s.app.chat_start(&v, &b.body, &b.client_id, route).await {
        Ok(e) => ok(
            StatusCode::CREATED,
            json!({
                "conversation_id": e.case_id,
                "seq": e.seq,
                "visitor_token": v.new_token,
                "event": wire::event(&e),
            }),
        ),
        Err(e) => ApiError::App(e, l).into_response(),
    }
}

/// `GET /chat/v1/conversations`: the visitor's conversations.
pub async fn list(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let l = lang(&headers);
    let v = match known(&s, &headers, l).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match s.app.chat_conversations(&v).await {
        Ok(list) => ok(
            StatusCode::OK,
            json!({"conversations": list.iter().map(wire::conversation).collect::<Vec<_>>()}),
        ),
        Err(e) => ApiError::App(e, l).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    client_id: String,
    body: String,
}

/// `POST /chat/v1/conversations/{id}/messages`.
pub async fn send(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(b): Body<SendBody>,
) -> Response {
    let l = lang(&headers);
    let v = match known(&s, &headers, l).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match s
        .app
        .chat_send(ChatParty::Visitor(&v), id, &b.client_id, &b.body)
        .await
    {
        Ok(e) => ok(StatusCode::OK, json!({"event": wire::event(&e)})),
        Err(e) => ApiError::App(e, l).into_response(),
    }
}

#[derive(Deserialize)]
pub struct AfterQuery {
    #[serde(default)]
    after: Option<i64>,
}

/// `GET /chat/v1/conversations/{id}/events?after=N`: what follows N, at once.
pub async fn events(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<AfterQuery>,
    headers: HeaderMap,
) -> Response {
    let l = lang(&headers);
    let v = match known(&s, &headers, l).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match s
        .app
        .chat_events(ChatParty::Visitor(&v), id, q.after.unwrap_or(0))
        .await
    {
        Ok(list) => ok(
            StatusCode::OK,
            json!({"events": list.iter().map(wire::event).collect::<Vec<_>>()}),
        ),
        Err(e) => ApiError::App(e, l).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadBody {
    seq: i64,
}

/// `POST /chat/v1/conversations/{id}/typing`: 204.
pub async fn typing(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Response {
    let l = lang(&headers);
    let v = match known(&s, &headers, l).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match s.app.chat_typing(ChatParty::Visitor(&v), id).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::App(e, l).into_response(),
    }
}

/// `POST /chat/v1/conversations/{id}/read` `{"seq": N}`: 204.
pub async fn read(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(b): Body<ReadBody>,
) -> Response {
    let l = lang(&headers);
    let v = match known(&s, &headers, l).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match s.app.chat_read(ChatParty::Visitor(&v), id, b.seq).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::App(e, l).into_response(),
    }
}

/// `GET /chat/v1/conversations/{id}/queue`: where it stands in its team's queue.
pub async fn queue(State(s): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    let l = lang(&headers);
    let v = match known(&s, &headers, l).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match s.app.chat_queue(ChatParty::Visitor(&v), id).await {
        Ok(q) => ok(StatusCode::OK, wire::queue(&q)),
        Err(e) => ApiError::App(e, l).into_response(),
    }
}

/// `POST /chat/v1/conversations/{id}/end`: the visitor ends the conversation.
pub async fn end(State(s): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    let l = lang(&headers);
    let v = match known(&s, &headers, l).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match s.app.chat_end(ChatParty::Visitor(&v), id).await {
        Ok(e) => ok(StatusCode::OK, json!({"event": wire::event(&e)})),
        Err(e) => ApiError::App(e, l).into_response(),
    }
}

/// `GET /chat/v1/conversations/{id}/stream`: the conversation's events as server-sent
/// events (`id:` is the number), from `Last-Event-ID` or `?after=`, then live.
pub async fn stream(
    State(s): State<AppState>,
    Extension(net): Extension<ChatNet>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<i64>,
    Query(q): Query<AfterQuery>,
    headers: HeaderMap,
) -> Response {
    let l = lang(&headers);
    let v = match known(&s, &headers, l).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let after = headers
        .get("last-event-id")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.trim().parse::<i64>().ok())
        .or(q.after)
        .unwrap_or(0)
        .max(0);
    let Some(permit) = net.slot(peer.ip()) else {
        return ok(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": "too-many-sockets", "description": web::i18n::tr(l, "err-too-many-sockets", &[])}),
        );
    };
    let mut session = Session::new(s.app.clone(), net.hub.clone(), l, peer.ip());
    session.visitor = Some(v);
    session.greeted = true;
    let mut out = Vec::new();
    if let Err(e) = session.adopt(id, after, &mut out).await {
        return ApiError::App(e, l).into_response();
    }
    struct St {
        session: Session,
        pending: VecDeque<Value>,
        resync: tokio::time::Interval,
        _permit: crate::Slot,
    }
    let every = Duration::from_secs(60);
    let st = St {
        session,
        pending: out.into(),
        resync: tokio::time::interval_at(tokio::time::Instant::now() + every, every),
        _permit: permit,
    };
    let stream = futures_util::stream::unfold(st, move |mut st| async move {
        loop {
            if let Some(v) = st.pending.pop_front() {
                let kind = v["type"].as_str().unwrap_or("event").to_string();
                let mut ev = Event::default().event(kind).data(v.to_string());
                if v["type"] == "event"
                    && let Some(seq) = v["seq"].as_i64()
                {
                    ev = ev.id(seq.to_string());
                }
                return Some((Ok::<_, Infallible>(ev), st));
            }
            let mut out = Vec::new();
            tokio::select! {
                Some((case_id, sig)) = st.session.follower.rx.recv() => {
                    st.session.signal(case_id, sig, &mut out).await;
                }
                _ = st.resync.tick() => {
                    st.session.signal(id, Signal::Resync, &mut out).await;
                }
                _ = web::shutting_down() => return None,
            }
            st.pending.extend(out);
        }
    });
    let mut r = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(25)))
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, "no-store".parse().expect("header"));
    r
}
