//! Live updates for the agent screens (E4, issue 5): case changes and presence ("viewing",
//! "replying") fan out to every open screen. On SQLite everything runs in one process and a
//! broadcast channel is enough; on PostgreSQL each write is announced with `NOTIFY` and every
//! node `LISTEN`s and re-broadcasts to its own screens, so many nodes agree.

use crate::{Actor, App};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// One live update. Small on purpose: screens re-read what they show through the use cases,
/// so nothing here bypasses the read rules.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A case changed (`what`: created, updated, comment, note, merged, linked, compensation,
    /// playbook…).
    Case {
        case_id: i64,
        team_id: Option<i64>,
        assignee_id: Option<i64>,
        actor_id: Option<i64>,
        actor_name: String,
        what: String,
    },
    /// A chat conversation's event log grew to `seq` (ADR 0007): whoever follows it
    /// re-reads the events after the last number it has, through `App::chat_events`.
    Chat { case_id: i64, seq: i64 },
    /// Something passing in a conversation that is not numbered: `typing`, or `read` up
    /// to `seq`, from its visitor or from staff (`staff`, with the agent's `name`).
    ChatSignal {
        case_id: i64,
        what: String,
        staff: bool,
        name: String,
        seq: i64,
    },
    /// Someone is looking at (`viewing`), typing in (`replying`) or has left (`left`) a case.
    Presence {
        case_id: i64,
        user_id: i64,
        name: String,
        state: String,
    },
}

/// Presence not refreshed within this long is forgotten (the page pings more often).
pub const PRESENCE_TTL: Duration = Duration::from_secs(45);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Presence {
    pub user_id: i64,
    pub name: String,
    pub state: String,
}

/// (case, user) → (name, state, last ping).
type PresenceTable = HashMap<(i64, i64), (String, String, Instant)>;

pub struct Bus {
    tx: broadcast::Sender<LiveEvent>,
    presence: Mutex<PresenceTable>,
}

impl Default for Bus {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
            presence: Mutex::new(HashMap::new()),
        }
    }
}

impl Bus {
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// Hand an event to this node's screens, keeping the presence table up to date.
    pub fn deliver(&self, ev: LiveEvent) {
        if let LiveEvent::Presence {
            case_id,
            user_id,
            name,
            state,
        } = &ev
        {
            let mut p = self.presence.lock().expect("presence lock");
            if state == "left" {
                p.remove(&(*case_id, *user_id));
            } else {
                p.insert(
                    (*case_id, *user_id),
                    (name.clone(), state.clone(), Instant::now()),
                );
            }
            if p.len() > 10_000 {
                p.retain(|_, (_, _, t)| t.elapsed() < PRESENCE_TTL);
            }
        }
        // No screen open is not an error.
        let _ = self.tx.send(ev);
    }

    /// Who else is on a case right now.
    pub fn presence(&self, case_id: i64, except: i64) -> Vec<Presence> {
        let p = self.presence.lock().expect("presence lock");
        let mut out: Vec<Presence> = p
            .iter()
            .filter(|((c, u), (_, _, t))| {
                *c == case_id && *u != except && t.elapsed() < PRESENCE_TTL
            })
            .map(|((_, u), (name, state, _))| Presence {
                user_id: *u,
                name: name.clone(),
                state: state.clone(),
            })
            .collect();
        out.sort_by_key(|p| p.user_id);
        out
    }
}

impl App {
    /// Announce an event: straight to this node's screens on SQLite; through `NOTIFY` on
    /// PostgreSQL, whose listener (`run_live_listener`) delivers it on every node, this one
    /// included. Called after the write committed; a lost announcement only delays a screen.
    pub async fn announce(&self, ev: LiveEvent) {
        if self.store.backend() == "postgres" {
            let payload = match serde_json::to_string(&ev) {
                Ok(p) => p,
                Err(_) => return,
            };
            if let Err(e) = self.store.notify_live(&payload).await {
                tracing::warn!(error = %e, "live update not sent");
            }
        } else {
            self.live.deliver(ev);
        }
    }

    pub(crate) async fn announce_case(&self, c: &store::CaseRow, actor: &Actor, what: &str) {
        self.announce(LiveEvent::Case {
            case_id: c.id,
            team_id: c.team_id,
            assignee_id: c.assignee_id,
            actor_id: Some(actor.user_id),
            actor_name: actor.name.clone(),
            what: what.into(),
        })
        .await;
    }

    /// An agent's presence on a case (staff only; customers never appear).
    pub async fn set_presence(
        &self,
        actor: &Actor,
        case_id: i64,
        state: &str,
    ) -> crate::Result<()> {
        actor.require_staff()?;
        if !matches!(state, "viewing" | "replying" | "left") {
            return Err(crate::AppError::invalid(
                "state",
                "invalid",
                state.to_string(),
            ));
        }
        self.get_case(actor, case_id).await?;
        self.announce(LiveEvent::Presence {
            case_id,
            user_id: actor.user_id,
            name: actor.name.clone(),
            state: state.into(),
        })
        .await;
        Ok(())
    }

    /// PostgreSQL: listen for every node's announcements and deliver them here, reconnecting
    /// after a lost connection. Returns at once on SQLite.
    pub async fn run_live_listener(&self) {
        loop {
            let mut l = match self.store.live_listener().await {
                Ok(Some(l)) => l,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "live listener cannot connect; retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    continue;
                }
            };
            loop {
                match l.recv().await {
                    Ok(n) => match serde_json::from_str::<LiveEvent>(n.payload()) {
                        Ok(ev) => self.live.deliver(ev),
                        Err(e) => tracing::warn!(error = %e, "unreadable live update"),
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "live listener lost its connection");
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_is_kept_per_case_and_user_and_left_removes_it() {
        let bus = Bus::default();
        let mut rx = bus.subscribe();
        let p = |u: i64, s: &str| LiveEvent::Presence {
            case_id: 7,
            user_id: u,
            name: format!("u{u}"),
            state: s.into(),
        };
        bus.deliver(p(1, "viewing"));
        bus.deliver(p(2, "replying"));
        assert_eq!(rx.try_recv().unwrap(), p(1, "viewing"));
        let others = bus.presence(7, 1);
        assert_eq!(others.len(), 1);
        assert_eq!(others[0].state, "replying");
        bus.deliver(p(2, "left"));
        assert!(bus.presence(7, 1).is_empty());
        assert!(bus.presence(8, 0).is_empty());
    }

    #[test]
    fn events_travel_as_tagged_json() {
        let ev = LiveEvent::Case {
            case_id: 3,
            team_id: None,
            assignee_id: Some(4),
            actor_id: Some(1),
            actor_name: "Ana".into(),
            what: "updated".into(),
        };
        let s = serde_json::to_string(&ev).unwrap();
        assert!(s.contains("\"type\":\"case\""));
        assert_eq!(serde_json::from_str::<LiveEvent>(&s).unwrap(), ev);
    }
}
