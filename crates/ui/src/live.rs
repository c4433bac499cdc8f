//! Live updates (E4): one server-sent events stream per open screen, fed by the app's bus
//! (in-process on SQLite, LISTEN/NOTIFY across nodes on PostgreSQL); and the presence pings
//! a case page sends while it is open or its composer is in use.

use crate::error::PageResult;
use crate::extract::{Form, Path};
use crate::session::Agent;
use app::live::LiveEvent;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use web::AppState;

/// How often an open stream re-checks its session.
const SESSION_CHECK: Duration = Duration::from_secs(30);

/// `GET /live`: every case change and presence change, as JSON `data:` lines. A screen that
/// fell behind gets `resync` and re-reads what it shows.
pub async fn stream(State(s): State<AppState>, agent: Agent) -> Response {
    let me = agent.s.actor.user_id;
    let rx = s.app.live.subscribe();
    let events = BroadcastStream::new(rx).filter_map(move |m| async move {
        let ev = match m {
            Ok(ev) => ev,
            Err(BroadcastStreamRecvError::Lagged(_)) => {
                return Some(Ok::<_, Infallible>(
                    Event::default().event("resync").data("{}"),
                ));
            }
        };
        // One's own presence is not news to oneself.
        if let LiveEvent::Presence { user_id, .. } = &ev
            && *user_id == me
        {
            return None;
        }
        let name = match &ev {
            LiveEvent::Case { .. } => "case",
            LiveEvent::Presence { .. } => "presence",
            // A chat's messages reach the case page as its case's updates; the visitor
            // typing is shown beside the other agents' presence.
            LiveEvent::ChatSignal { what, staff, .. } if what == "typing" && !staff => {
                "chat-typing"
            }
            LiveEvent::Chat { .. } | LiveEvent::ChatSignal { .. } => return None,
        };
        serde_json::to_string(&ev)
            .ok()
            .map(|d| Ok(Event::default().event(name).data(d)))
    });
    let hello =
        futures_util::stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    // The stream ends when the session does (sign-out, expiry, password change elsewhere).
    let app = s.app.clone();
    let session = agent.s.clone();
    // An open stream is the agent's pages being open: their chat status counts while it is.
    if let Err(e) = app.agent_seen(&session.actor).await {
        tracing::warn!(error = %e, "agent presence not recorded");
    }
    let ended = async move {
        let session_over = async {
            loop {
                tokio::time::sleep(SESSION_CHECK).await;
                if !app.session_alive(&session).await {
                    break;
                }
                if let Err(e) = app.agent_seen(&session.actor).await {
                    tracing::warn!(error = %e, "agent presence not recorded");
                }
            }
        };
        // …or when the server shuts down (the browser reconnects to another node).
        tokio::select! {
            _ = session_over => {}
            _ = web::shutting_down() => {}
        }
    };
    Sse::new(hello.chain(events).take_until(ended))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

#[derive(serde::Deserialize)]
pub struct PresenceForm {
    state: String,
}

/// `POST /cases/{id}/presence` (state = viewing | replying | left).
pub async fn post_presence(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<PresenceForm>,
) -> PageResult {
    s.app
        .set_presence(agent.actor(), id, &f.state)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
