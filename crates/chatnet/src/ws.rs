//! The widget's WebSocket, `GET /chat/v1/socket`. The visitor's token travels in the first
//! frame (`hello`), never in the URL. Frames are JSON text (`wire::In`); a frame that cannot
//! be read gets an error frame and the connection goes on; one over the hard limit closes it
//! with 1009; a peer silent for too long is closed.

use crate::ChatNet;
use crate::session::{Next, Session};
use crate::wire::{self, In};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use domain::Locale;
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use web::AppState;

/// A frame's size at most (a message's 4,000 characters fit with room); beyond, an error
/// frame and the connection goes on.
pub const MAX_FRAME: usize = 32 * 1024;
/// Beyond this, the frame is not even read: the connection is closed with 1009.
pub const HARD_LIMIT: usize = 64 * 1024;
/// The hello must come within this long.
const HELLO_WITHIN: Duration = Duration::from_secs(10);
/// A ping goes out after this long without a frame; the peer is gone after `DEAD_AFTER`.
const PING_EVERY: Duration = Duration::from_secs(30);
const DEAD_AFTER: Duration = Duration::from_secs(75);
/// The followed conversations are re-read this often (lost signals, a missed NOTIFY).
const RESYNC_EVERY: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
pub struct SocketQuery {
    #[serde(default)]
    lang: Option<String>,
}

pub fn locale(lang: Option<&str>, headers: &HeaderMap) -> Locale {
    lang.and_then(|l| Locale::parse(l).ok())
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or(Locale::Fr)
}

pub async fn upgrade(
    State(s): State<AppState>,
    Extension(net): Extension<ChatNet>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<SocketQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let l = locale(q.lang.as_deref(), &headers);
    if !net.origin_allowed(&headers) {
        return refuse(StatusCode::FORBIDDEN, "origin-refused", l);
    }
    let Some(permit) = net.slot(peer.ip()) else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "too-many-sockets", l);
    };
    let app = s.app.clone();
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(HARD_LIMIT)
        .max_frame_size(HARD_LIMIT)
        .on_upgrade(move |socket| async move {
            let session = Session::new(app, net.hub.clone(), l, peer.ip());
            run(socket, session).await;
            drop(permit);
        })
}

fn refuse(status: StatusCode, code: &str, l: Locale) -> Response {
    (
        status,
        Json(json!({"error": code, "description": web::i18n::tr(l, &format!("err-{code}"), &[])})),
    )
        .into_response()
}

async fn send_all(socket: &mut WebSocket, out: &mut Vec<Value>) -> bool {
    for v in out.drain(..) {
        if socket.send(Message::text(v.to_string())).await.is_err() {
            return false;
        }
    }
    true
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// One socket's loop. The use cases' futures are large (a case write holds its whole
/// state machine): they are boxed while a frame is handled, so an idle connection's task
/// holds only the socket, the session and the timers.
async fn run(mut socket: WebSocket, mut s: Session) {
    let mut out: Vec<Value> = Vec::new();
    let mut shutdown = std::pin::pin!(web::shutting_down());
    let started = tokio::time::Instant::now();
    let mut last_heard = started;
    let mut tick = tokio::time::interval_at(started + PING_EVERY, PING_EVERY);
    let mut resync = tokio::time::interval_at(started + RESYNC_EVERY, RESYNC_EVERY);
    let hello = tokio::time::sleep_until(started + HELLO_WITHIN);
    let mut hello = std::pin::pin!(hello);
    loop {
        tokio::select! {
            msg = socket.recv() => {
                last_heard = tokio::time::Instant::now();
                let text = match msg {
                    None => break,
                    Some(Err(e)) => {
                        // Over the hard limit, or a broken frame: say so if the socket
                        // still takes it, and close.
                        tracing::debug!(error = %e, "chat socket read failed");
                        out.push(wire::protocol_error("frame-too-large", &MAX_FRAME.to_string(), s.locale));
                        send_all(&mut socket, &mut out).await;
                        close(&mut socket, 1009, "frame refused").await;
                        break;
                    }
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Binary(_))) => {
                        out.push(wire::protocol_error("bad-frame", "text frames only", s.locale));
                        if !send_all(&mut socket, &mut out).await { break; }
                        continue;
                    }
                    Some(Ok(Message::Close(_))) => break,
                    Some(Ok(_)) => continue,
                };
                if text.len() > MAX_FRAME {
                    out.push(wire::protocol_error("frame-too-large", &MAX_FRAME.to_string(), s.locale));
                } else {
                    match serde_json::from_str::<In>(text.as_str()) {
                        Ok(frame) => {
                            if let Next::Close(code, why) = Box::pin(s.handle(frame, &mut out)).await {
                                send_all(&mut socket, &mut out).await;
                                close(&mut socket, code, why).await;
                                break;
                            }
                        }
                        Err(e) => out.push(wire::protocol_error("bad-frame", &e.to_string(), s.locale)),
                    }
                }
                if !send_all(&mut socket, &mut out).await { break; }
            }
            Some((case_id, sig)) = s.follower.rx.recv() => {
                Box::pin(s.signal(case_id, sig, &mut out)).await;
                if !send_all(&mut socket, &mut out).await { break; }
            }
            _ = &mut hello, if !s.greeted => {
                out.push(wire::protocol_error("hello-first", "", s.locale));
                send_all(&mut socket, &mut out).await;
                close(&mut socket, 1008, "no hello").await;
                break;
            }
            _ = tick.tick() => {
                if last_heard.elapsed() > DEAD_AFTER {
                    close(&mut socket, 1001, "silent").await;
                    break;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() { break; }
            }
            _ = resync.tick(), if !s.follower.last.is_empty() => {
                Box::pin(s.resync(&mut out)).await;
                if !send_all(&mut socket, &mut out).await { break; }
            }
            _ = &mut shutdown => {
                close(&mut socket, 1012, "restarting").await;
                break;
            }
        }
    }
}
