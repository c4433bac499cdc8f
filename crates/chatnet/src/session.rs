//! One widget connection's conversation with Guichet, whatever carries it: the frames it
//! answers and the events it delivers. Delivery is by number: for each conversation the
//! connection follows it keeps the last number delivered and, on any signal, reads what
//! follows it through `App::chat_events`. So every event arrives once, in order, without
//! gaps, and a reconnecting widget that says where it stopped gets exactly what it missed.

use crate::hub::{Follower, Hub, Signal};
use crate::wire::{self, In};
use app::App;
use app::chat::{ChatParty, Visitor};
use domain::Locale;
use serde_json::{Value, json};
use std::net::IpAddr;
use std::sync::Arc;

pub struct Session {
    app: App,
    hub: Arc<Hub>,
    pub follower: Follower,
    pub visitor: Option<Visitor>,
    pub locale: Locale,
    ip: IpAddr,
    pub greeted: bool,
    /// The widget named in the hello, checked then (a contact form's key).
    widget: Option<String>,
}

/// What the transport does after a frame.
pub enum Next {
    Continue,
    /// Close the connection (the frames before it are sent first).
    Close(u16, &'static str),
}

impl Session {
    pub fn new(app: App, hub: Arc<Hub>, locale: Locale, ip: IpAddr) -> Self {
        let follower = hub.connect();
        Self {
            app,
            hub,
            follower,
            visitor: None,
            locale,
            ip,
            greeted: false,
            widget: None,
        }
    }

    /// Answer one frame: the frames to send back, in order.
    pub async fn handle(&mut self, frame: In, out: &mut Vec<Value>) -> Next {
        match frame {
            In::Hello {
                token,
                widget,
                conversations,
            } => {
                if self.greeted {
                    out.push(wire::protocol_error("already-greeted", "", self.locale));
                    return Next::Continue;
                }
                if let Some(w) = &widget
                    && let Err(e) = self.app.chat_widget(w).await
                {
                    // A widget switched off (or never on): say so and close.
                    out.push(self.error(&e, None, None));
                    return Next::Close(1008, "no such widget");
                }
                self.widget = widget;
                self.greeted = true;
                if let Some(t) = token.as_deref() {
                    match self.app.chat_visitor_known(t).await {
                        Ok(v) => self.visitor = v,
                        Err(e) => {
                            out.push(self.error(&e, None, None));
                            return Next::Close(1011, "unavailable");
                        }
                    }
                }
                let list = match &self.visitor {
                    Some(v) => match self.app.chat_conversations(v).await {
                        Ok(l) => l,
                        Err(e) => {
                            out.push(self.error(&e, None, None));
                            return Next::Close(1011, "unavailable");
                        }
                    },
                    None => vec![],
                };
                out.push(json!({
                    "type": "welcome",
                    // An unknown or absent token: the widget forgets it; a new one comes
                    // with the first conversation.
                    "known": self.visitor.is_some(),
                    "conversations": list.iter().map(wire::conversation).collect::<Vec<_>>(),
                }));
                for r in conversations.into_iter().take(20) {
                    self.resume(r.id, r.after, out).await;
                }
            }
            _ if !self.greeted => {
                out.push(wire::protocol_error("hello-first", "", self.locale));
            }
            In::Start {
                client_id,
                body,
                topic,
                kb_visitor,
            } => {
                let v = match self.visitor.clone() {
                    Some(v) => v,
                    None => {
                        let made = app::auth::CLIENT_IP
                            .scope(self.ip, self.app.chat_visitor(None, self.locale))
                            .await;
                        match made {
                            Ok(v) => {
                                out.push(json!({
                                    "type": "token",
                                    "visitor_token": v.new_token,
                                }));
                                self.visitor = Some(v.clone());
                                v
                            }
                            Err(e) => {
                                out.push(self.error(&e, Some(&client_id), None));
                                return Next::Continue;
                            }
                        }
                    }
                };
                let route = self.widget.as_deref().map(|w| app::chat::ChatEntry {
                    widget: w,
                    topic: topic.as_deref(),
                    kb_visitor: kb_visitor.as_deref(),
                });
                match self.app.chat_start(&v, &body, &client_id, route).await {
                    Ok(e) => {
                        out.push(ack(&client_id, e.case_id, e.seq));
                        self.hub.follow(&mut self.follower, e.case_id, 0);
                        self.drain(e.case_id, out).await;
                    }
                    Err(e) => out.push(self.error(&e, Some(&client_id), None)),
                }
            }
            In::Send {
                conversation_id,
                client_id,
                body,
            } => {
                let Some(v) = self.visitor.clone() else {
                    out.push(self.not_found(Some(&client_id), conversation_id));
                    return Next::Continue;
                };
                match self
                    .app
                    .chat_send(ChatParty::Visitor(&v), conversation_id, &client_id, &body)
                    .await
                {
                    Ok(e) => {
                        out.push(ack(&client_id, e.case_id, e.seq));
                        if self.follower.last.contains_key(&conversation_id) {
                            self.drain(conversation_id, out).await;
                        }
                    }
                    Err(e) => out.push(self.error(&e, Some(&client_id), Some(conversation_id))),
                }
            }
            In::Resume {
                conversation_id,
                after,
            } => self.resume(conversation_id, after, out).await,
            In::Typing { conversation_id } => {
                if let Some(v) = self.visitor.clone()
                    && let Err(e) = self
                        .app
                        .chat_typing(ChatParty::Visitor(&v), conversation_id)
                        .await
                {
                    out.push(self.error(&e, None, Some(conversation_id)));
                }
            }
            In::Read {
                conversation_id,
                seq,
            } => {
                let Some(v) = self.visitor.clone() else {
                    out.push(self.not_found(None, conversation_id));
                    return Next::Continue;
                };
                if let Err(e) = self
                    .app
                    .chat_read(ChatParty::Visitor(&v), conversation_id, seq)
                    .await
                {
                    out.push(self.error(&e, None, Some(conversation_id)));
                }
            }
            In::End { conversation_id } => {
                let Some(v) = self.visitor.clone() else {
                    out.push(self.not_found(None, conversation_id));
                    return Next::Continue;
                };
                match self
                    .app
                    .chat_end(ChatParty::Visitor(&v), conversation_id)
                    .await
                {
                    Ok(_) => {
                        if self.follower.last.contains_key(&conversation_id) {
                            self.drain(conversation_id, out).await;
                        }
                    }
                    Err(e) => out.push(self.error(&e, None, Some(conversation_id))),
                }
            }
            In::Queue { conversation_id } => {
                let Some(v) = self.visitor.clone() else {
                    out.push(self.not_found(None, conversation_id));
                    return Next::Continue;
                };
                match self
                    .app
                    .chat_queue(ChatParty::Visitor(&v), conversation_id)
                    .await
                {
                    Ok(q) => out.push(wire::queue(&q)),
                    Err(e) => out.push(self.error(&e, None, Some(conversation_id))),
                }
            }
            In::Ping => out.push(json!({"type": "pong"})),
        }
        Next::Continue
    }

    /// Follow a conversation of this visitor's from `after`, sending what follows it.
    async fn resume(&mut self, case_id: i64, after: i64, out: &mut Vec<Value>) {
        if self.visitor.is_none() {
            out.push(self.not_found(None, case_id));
            return;
        }
        if let Err(e) = self.adopt(case_id, after, out).await {
            out.push(self.error(&e, None, Some(case_id)));
        }
    }

    /// Follow a conversation from `after`: subscribe first, then read, so an event
    /// committed in between is not missed (it is read, and its signal finds nothing newer).
    /// The read checks the conversation is the visitor's; if not, nothing is followed.
    pub async fn adopt(
        &mut self,
        case_id: i64,
        after: i64,
        out: &mut Vec<Value>,
    ) -> Result<(), app::AppError> {
        let Some(v) = self.visitor.clone() else {
            return Err(app::AppError::NotFound("chat"));
        };
        let was_followed = self.follower.last.contains_key(&case_id);
        self.hub.follow(&mut self.follower, case_id, after);
        // Asked again from an earlier number (the widget lost its copy): from there.
        self.follower.last.insert(case_id, after.max(0));
        match self
            .app
            .chat_events(ChatParty::Visitor(&v), case_id, after.max(0))
            .await
        {
            Ok(events) => {
                let full = events.len() as i64 >= app::chat::MAX_EVENTS;
                for e in events {
                    self.follower.last.insert(case_id, e.seq);
                    out.push(wire::event(&e));
                }
                // A long history comes in several reads.
                if full {
                    self.drain(case_id, out).await;
                }
                Ok(())
            }
            Err(e) => {
                if !was_followed {
                    self.hub.unfollow(&mut self.follower, case_id);
                }
                Err(e)
            }
        }
    }

    /// Send every event of a followed conversation after the last one delivered.
    pub async fn drain(&mut self, case_id: i64, out: &mut Vec<Value>) {
        let Some(v) = self.visitor.clone() else {
            return;
        };
        loop {
            let Some(&after) = self.follower.last.get(&case_id) else {
                return;
            };
            let events = match self
                .app
                .chat_events(ChatParty::Visitor(&v), case_id, after)
                .await
            {
                Ok(e) => e,
                Err(e) => {
                    out.push(self.error(&e, None, Some(case_id)));
                    return;
                }
            };
            let full = events.len() as i64 >= app::chat::MAX_EVENTS;
            for e in events {
                if e.seq > after {
                    self.follower.last.insert(case_id, e.seq);
                    out.push(wire::event(&e));
                }
            }
            if !full {
                return;
            }
        }
    }

    /// A signal from the hub: the frames it makes.
    pub async fn signal(&mut self, case_id: i64, s: Signal, out: &mut Vec<Value>) {
        match s {
            Signal::Seq(seq) => {
                if self.follower.last.get(&case_id).is_some_and(|l| *l < seq) {
                    self.drain(case_id, out).await;
                }
            }
            Signal::Resync => self.drain(case_id, out).await,
            // The visitor hears of the team only.
            Signal::Typing { staff: true, name } => out.push(json!({
                "type": "typing",
                "conversation_id": case_id,
                "author_name": name,
            })),
            Signal::Read { staff: true, seq } => out.push(json!({
                "type": "read",
                "conversation_id": case_id,
                "seq": seq,
            })),
            Signal::Typing { .. } | Signal::Read { .. } => {}
        }
    }

    /// Re-read every followed conversation (a safety net for lost signals).
    pub async fn resync(&mut self, out: &mut Vec<Value>) {
        let ids: Vec<i64> = self.follower.last.keys().copied().collect();
        for id in ids {
            self.drain(id, out).await;
        }
    }

    fn error(&self, e: &app::AppError, client_id: Option<&str>, conv: Option<i64>) -> Value {
        wire::error_frame(wire::failure(e, self.locale), client_id, conv)
    }

    fn not_found(&self, client_id: Option<&str>, conv: i64) -> Value {
        self.error(&app::AppError::NotFound("chat"), client_id, Some(conv))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.hub.leave(&self.follower);
    }
}

fn ack(client_id: &str, case_id: i64, seq: i64) -> Value {
    json!({"type": "ack", "client_id": client_id, "conversation_id": case_id, "seq": seq})
}
