//! Live chat (issue 18, ADR 0007): a conversation is a case of channel `chat`; its visitor
//! messages and agent replies are the case's messages, written by the same use cases as
//! every channel's (`create_case`, `update_case`) with a `ChatStamp` that only this module
//! makes. In the same transaction each one gets the conversation's next number in
//! `chat_events`, unique per sender's client id: a retried send answers the first event,
//! and a transport that reconnects asks for the events after the last number it has.
//!
//! Who may do what: a visitor (known by the token their widget keeps, stored hashed) reads
//! and writes their own conversations only; staff who write cases read and write any.

use crate::cases::{CaseChanges, CommentInput, NewCase, RequesterRef};
use crate::{Actor, App, AppError, Result, model};
use domain::{Channel, Locale, Role};
use std::sync::Arc;

/// What makes a message a chat message; only `app` makes one.
#[derive(Debug, Clone)]
pub struct ChatStamp {
    pub(crate) client_id: String,
    pub(crate) visitor_id: i64,
}

/// A visitor: the customer account their conversations belong to, and (only when it was
/// just made) the token their widget must keep.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub id: i64,
    pub user_id: i64,
    pub new_token: Option<String>,
}

impl Visitor {
    fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id,
            role: Role::EndUser,
            name: String::new(),
        }
    }
}

/// One numbered thing that happened in a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatEvent {
    pub case_id: i64,
    pub seq: i64,
    /// message | joined | transferred | ended
    pub kind: String,
    pub author_id: Option<i64>,
    pub client_id: Option<String>,
    pub at: i64,
    /// The message, for a `message` event.
    pub message: Option<model::Message>,
}

/// Who writes or reads a conversation.
#[derive(Debug, Clone, Copy)]
pub enum ChatParty<'a> {
    Visitor(&'a Visitor),
    Staff(&'a Actor),
}

/// Events a reader gets at most per call (a client far behind asks again).
pub const MAX_EVENTS: i64 = 500;

/// A sender's id for a message: 1 to 64 letters, digits, `-` or `_` (a UUID fits).
fn client_id(raw: &str) -> Result<String> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(raw.to_string())
    } else {
        Err(AppError::invalid(
            "client_id",
            "invalid-value",
            "1 to 64 letters, digits, - or _",
        ))
    }
}

impl App {
    /// The visitor a widget's token names, or a new one (with a customer account of their
    /// own, named "Visitor …" until they say who they are) when the token is absent or
    /// unknown.
    pub async fn chat_visitor(&self, token: Option<&str>, locale: Locale) -> Result<Visitor> {
        if let Some(t) = token.filter(|t| !t.is_empty() && t.len() <= 128) {
            let hash = crate::auth::hash_token(t);
            if let Some(v) = self.store.chat_visitor_by_token(&hash).await?
                && let Some(user_id) = v.user_id
            {
                return Ok(Visitor {
                    id: v.id,
                    user_id,
                    new_token: None,
                });
            }
        }
        let token = crate::auth::new_token();
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let name = match locale {
            Locale::Fr => format!("Visiteur {}", &token[..6]),
            Locale::En => format!("Visitor {}", &token[..6]),
        };
        let user_id = self
            .insert_user_tx(
                &mut tx,
                crate::people::NewUser {
                    name: Some(name),
                    locale: Some(locale),
                    ..Default::default()
                },
            )
            .await?;
        let v = tx
            .insert_chat_visitor(&crate::auth::hash_token(&token), Some(user_id), now)
            .await?;
        tx.commit().await?;
        Ok(Visitor {
            id: v.id,
            user_id,
            new_token: Some(token),
        })
    }

    /// A visitor opens a conversation with their first message (queued for `team_id`).
    /// The same client id again (a double click, a retry) answers the same conversation.
    pub async fn chat_start(
        &self,
        v: &Visitor,
        body: &str,
        raw_client_id: &str,
        team_id: Option<i64>,
    ) -> Result<ChatEvent> {
        let cid = client_id(raw_client_id)?;
        let stamp = Arc::new(ChatStamp {
            client_id: cid.clone(),
            visitor_id: v.id,
        });
        let new = NewCase {
            comment: Some(CommentInput {
                body: body.to_string(),
                chat: Some(stamp),
                ..Default::default()
            }),
            requester: Some(RequesterRef::Id(v.user_id)),
            channel: Some(Channel::Chat),
            team_id,
            ..Default::default()
        };
        let key = format!("chat-start-{cid}");
        let fp = format!("{}:{}", v.id, crate::auth::hash_token(body));
        let out = self.create_case(&v.actor(), new, Some((&key, &fp))).await?;
        let first = self
            .store
            .chat_events_after(out.case.id, 0, 1)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::Internal("a chat without its first event".into()))?;
        if !out.replayed {
            self.announce(crate::live::LiveEvent::Chat {
                case_id: first.case_id,
                seq: first.seq,
            })
            .await;
        }
        self.chat_event_of(first).await
    }

    /// A message in a conversation, from its visitor or from staff. The same client id
    /// again answers the first event; nothing new is written.
    pub async fn chat_send(
        &self,
        who: ChatParty<'_>,
        case_id: i64,
        raw_client_id: &str,
        body: &str,
    ) -> Result<ChatEvent> {
        let cid = client_id(raw_client_id)?;
        let conv = self.chat_conversation_for(who, case_id).await?;
        if let Some(e) = self.store.chat_event_by_client(case_id, &cid).await? {
            return self.chat_event_of(e).await;
        }
        if conv.state == "ended" {
            return Err(AppError::invalid("chat", "chat-ended", case_id.to_string()));
        }
        let actor = match who {
            ChatParty::Visitor(v) => v.actor(),
            ChatParty::Staff(a) => a.clone(),
        };
        let changes = CaseChanges {
            comment: Some(CommentInput {
                body: body.to_string(),
                chat: Some(Arc::new(ChatStamp {
                    client_id: cid.clone(),
                    visitor_id: conv.visitor_id,
                })),
                ..Default::default()
            }),
            ..Default::default()
        };
        for _ in 0..3 {
            match self.update_case(&actor, case_id, changes.clone()).await {
                Ok(_) => {
                    let e = self
                        .store
                        .chat_event_by_client(case_id, &cid)
                        .await?
                        .ok_or_else(|| {
                            AppError::Internal("a chat message without its event".into())
                        })?;
                    self.announce(crate::live::LiveEvent::Chat {
                        case_id,
                        seq: e.seq,
                    })
                    .await;
                    return self.chat_event_of(e).await;
                }
                // Two sends with one client id at once: the other one is writing it. Its
                // event shows once its transaction commits (SQLite commits several
                // together); if it rolled back instead, this send writes it.
                Err(AppError::Conflict(f)) if f.field == "client_id" => {
                    for _ in 0..200 {
                        if let Some(e) = self.store.chat_event_by_client(case_id, &cid).await? {
                            return self.chat_event_of(e).await;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(AppError::Internal(format!(
            "chat message {cid} could not be written"
        )))
    }

    /// The events of a conversation after number `after`, in order (at most `MAX_EVENTS`).
    pub async fn chat_events(
        &self,
        who: ChatParty<'_>,
        case_id: i64,
        after: i64,
    ) -> Result<Vec<ChatEvent>> {
        self.chat_conversation_for(who, case_id).await?;
        let rows = self
            .store
            .chat_events_after(case_id, after.max(0), MAX_EVENTS)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.chat_event_of(r).await?);
        }
        Ok(out)
    }

    /// A conversation the party may read: the visitor's own, or any for staff who write
    /// cases; 404 otherwise, as if absent.
    async fn chat_conversation_for(
        &self,
        who: ChatParty<'_>,
        case_id: i64,
    ) -> Result<store::ChatConversationRow> {
        let conv = self
            .store
            .chat_conversation(case_id)
            .await?
            .ok_or(AppError::NotFound("chat"))?;
        match who {
            ChatParty::Visitor(v) if v.id == conv.visitor_id => Ok(conv),
            ChatParty::Visitor(_) => Err(AppError::NotFound("chat")),
            ChatParty::Staff(a) => {
                a.require_case_writer()?;
                Ok(conv)
            }
        }
    }

    async fn chat_event_of(&self, r: store::ChatEventRow) -> Result<ChatEvent> {
        let message = match r.message_id {
            Some(id) => self.store.message(id).await?.map(Into::into),
            None => None,
        };
        Ok(ChatEvent {
            case_id: r.case_id,
            seq: r.seq,
            kind: r.kind,
            author_id: r.author_id,
            client_id: r.client_id,
            at: r.at,
            message,
        })
    }
}

/// In a case's first write: the conversation, queued, and its first event (the message).
pub(crate) async fn open_conversation(
    tx: &mut store::Tx,
    case: &store::CaseRow,
    message: &store::MessageRow,
    stamp: &ChatStamp,
    now: i64,
) -> Result<()> {
    tx.insert_chat_conversation(&store::ChatConversationRow {
        case_id: case.id,
        visitor_id: stamp.visitor_id,
        state: "queued".into(),
        team_id: case.team_id,
        queued_at: now,
        accepted_at: None,
        first_reply_at: None,
        ended_at: None,
        last_seq: 0,
    })
    .await?;
    append_message(tx, case.id, message, stamp, true, now).await
}

/// In a message's write: its event, with the conversation's next number. A client id
/// already used in the conversation is a `Conflict` on `client_id` (the caller answers the
/// first event).
pub(crate) async fn append_message(
    tx: &mut store::Tx,
    case_id: i64,
    message: &store::MessageRow,
    stamp: &ChatStamp,
    by_customer: bool,
    now: i64,
) -> Result<()> {
    let mut conv = tx
        .chat_conversation_for_update(case_id)
        .await?
        .ok_or(AppError::NotFound("chat"))?;
    if conv.state == "ended" {
        return Err(AppError::invalid("chat", "chat-ended", case_id.to_string()));
    }
    if tx
        .chat_event_by_client(case_id, &stamp.client_id)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(crate::FieldError::new(
            "client_id",
            "duplicate",
            stamp.client_id.clone(),
        )));
    }
    // The first answer from the team: the conversation is taken (routing will offer and
    // accept before; a reply accepts in any case).
    if !by_customer && conv.first_reply_at.is_none() {
        conv.first_reply_at = Some(now);
        conv.accepted_at.get_or_insert(now);
        conv.state = "active".into();
        tx.update_chat_conversation(&conv).await?;
    }
    tx.append_chat_event(&store::ChatEventRow {
        case_id,
        seq: 0,
        kind: "message".into(),
        message_id: Some(message.id),
        client_id: Some(stamp.client_id.clone()),
        author_id: Some(message.author_id),
        at: now,
    })
    .await
    .map_err(|e| match e {
        store::StoreError::Conflict(_) => AppError::Conflict(crate::FieldError::new(
            "client_id",
            "duplicate",
            stamp.client_id.clone(),
        )),
        e => e.into(),
    })?;
    Ok(())
}
