//! Live chat (issue 18, ADR 0007): a conversation is a case of channel `chat`; its visitor
//! messages and agent replies are the case's messages, written by the same use cases as
//! every channel's (`create_case`, `update_case`) with a `ChatStamp` that only this module
//! makes. In the same transaction each one gets the conversation's next number in
//! `chat_events`, unique per sender's client id: a retried send answers the first event,
//! and a transport that reconnects asks for the events after the last number it has.
//!
//! Who may do what: a visitor (known by the token their widget keeps, stored hashed) reads
//! and writes their own conversations only; staff who write cases read and write any.

pub mod presence;

use crate::cases::{CaseChanges, CommentInput, NewCase, RequesterRef};
use crate::{Actor, App, AppError, Result, model};
use domain::{Channel, Locale, Role};
use std::sync::Arc;

/// What makes a message a chat message; only `app` makes one.
#[derive(Debug, Clone)]
pub struct ChatStamp {
    pub(crate) client_id: String,
    pub(crate) visitor_id: i64,
    /// Silence after which the conversation ends by itself (milliseconds).
    pub(crate) idle_ms: i64,
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

/// How a visitor came to a chat: the widget (a contact form's key with the chat on), the
/// topic chosen among its topics, and the visitor's deflection token when articles were
/// suggested before the chat started.
#[derive(Debug, Clone, Copy)]
pub struct ChatEntry<'a> {
    pub widget: &'a str,
    pub topic: Option<&'a str>,
    pub kb_visitor: Option<&'a str>,
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
    /// What the visitor is told with it (`transferred`: the team's name).
    pub detail: Option<String>,
    /// The message, for a `message` event.
    pub message: Option<model::Message>,
    /// Written by the conversation's customer (else by staff, or by Guichet itself when
    /// `author_id` is None).
    pub by_visitor: bool,
    /// The staff member's name, for an event staff wrote.
    pub author_name: Option<String>,
}

/// Where a queued conversation stands (see `App::chat_queue`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatQueue {
    pub case_id: i64,
    /// 1 = next; None once answered or ended.
    pub position: Option<i64>,
    /// The middle half of the team's recent waits, when there is enough history.
    pub wait_low_ms: Option<i64>,
    pub wait_high_ms: Option<i64>,
}

/// A visitor's conversation, as their widget lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatConversation {
    pub case_id: i64,
    /// queued | active | ended
    pub state: String,
    pub queued_at: i64,
    pub ended_at: Option<i64>,
    pub last_seq: i64,
    pub visitor_read_seq: i64,
    pub staff_read_seq: i64,
}

impl From<store::ChatConversationRow> for ChatConversation {
    fn from(r: store::ChatConversationRow) -> Self {
        Self {
            case_id: r.case_id,
            state: r.state,
            queued_at: r.queued_at,
            ended_at: r.ended_at,
            last_seq: r.last_seq,
            visitor_read_seq: r.visitor_read_seq,
            staff_read_seq: r.staff_read_seq,
        }
    }
}

/// Who writes or reads a conversation.
#[derive(Debug, Clone, Copy)]
pub enum ChatParty<'a> {
    Visitor(&'a Visitor),
    Staff(&'a Actor),
}

/// Events a reader gets at most per call (a client far behind asks again).
pub const MAX_EVENTS: i64 = 500;

/// A chat message's length at most, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// The client id of a conversation's end: not a valid sender's id, so nobody else takes it,
/// and ending twice answers the first end.
const END_ID: &str = "~end";

/// The job that ends a silent conversation (`chat_idle:{case_id}`), moved by each message.
pub(crate) const IDLE_JOB: &str = "chat_idle";

fn idle_key(case_id: i64) -> String {
    format!("{IDLE_JOB}:{case_id}")
}

fn message_body(body: &str) -> Result<&str> {
    let b = body.trim();
    if b.is_empty() {
        return Err(AppError::invalid(
            "body",
            "required",
            "a message needs text",
        ));
    }
    if domain::has_forbidden_control(b) {
        return Err(AppError::invalid(
            "body",
            "control-character",
            "NUL and control characters other than tab and line breaks",
        ));
    }
    if b.chars().count() > MAX_MESSAGE_CHARS {
        return Err(AppError::invalid(
            "body",
            "too-long",
            format!("at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    Ok(b)
}

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
        if let Some(t) = token
            && let Some(v) = self.chat_visitor_known(t).await?
        {
            return Ok(v);
        }
        // Each new visitor is a customer account: limited per client address.
        let budget = self.chat_new_visitors.take(&crate::auth::client_ip());
        if !budget.allowed {
            return Err(AppError::Throttled(budget.reset_secs.max(1)));
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

    /// The visitor a token names, if any (nothing is written).
    pub async fn chat_visitor_known(&self, token: &str) -> Result<Option<Visitor>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let hash = crate::auth::hash_token(token);
        Ok(match self.store.chat_visitor_by_token(&hash).await? {
            Some(v) => v.user_id.map(|user_id| Visitor {
                id: v.id,
                user_id,
                new_token: None,
            }),
            None => None,
        })
    }

    /// A visitor's conversations, newest first (the widget resumes them after a reload).
    pub async fn chat_conversations(&self, v: &Visitor) -> Result<Vec<ChatConversation>> {
        Ok(self
            .store
            .chat_conversations_of_visitor(v.id, 20)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Where a queued conversation stands: its place among the team's queued chats, and
    /// how long the team's recent chats waited for a first answer (the middle half of the
    /// last 50 waits of 30 days, when there are at least 5). `position` is None once the
    /// conversation is answered or ended. The method is stated in ARCHITECTURE.md; routing
    /// will add the agents actually free (Erlang C).
    pub async fn chat_queue(&self, who: ChatParty<'_>, case_id: i64) -> Result<ChatQueue> {
        let conv = self.chat_conversation_for(who, case_id).await?;
        let position = match conv.state.as_str() {
            "queued" => Some(
                self.store
                    .chat_queue_position(conv.team_id, conv.queued_at, case_id)
                    .await?,
            ),
            _ => None,
        };
        let since = self.now_ms() - 30 * 86_400_000;
        let mut waits = self
            .store
            .chat_recent_waits(conv.team_id, since, 50)
            .await?;
        waits.sort_unstable();
        let (wait_low_ms, wait_high_ms) = if waits.len() >= 5 {
            let at = |q: f64| waits[((waits.len() - 1) as f64 * q).round() as usize].max(0);
            (Some(at(0.25)), Some(at(0.75)))
        } else {
            (None, None)
        };
        Ok(ChatQueue {
            case_id,
            position,
            wait_low_ms,
            wait_high_ms,
        })
    }

    /// A visitor's messages: a burst, then a few a second (`Throttled` beyond).
    fn chat_budget(&self, who: ChatParty<'_>) -> Result<()> {
        if let ChatParty::Visitor(v) = who {
            let b = self.chat_sends.take(&v.id);
            if !b.allowed {
                return Err(AppError::Throttled(b.reset_secs.max(1)));
            }
        }
        Ok(())
    }

    /// The chat a widget offers: its contact form (active, with the chat on), or 404.
    pub async fn chat_widget(&self, key: &str) -> Result<crate::portal::forms::ContactForm> {
        self.public_contact_form(key)
            .await
            .ok()
            .filter(|f| f.chat)
            .ok_or(AppError::NotFound("widget"))
    }

    /// A visitor opens a conversation with their first message. `route`: the widget (a
    /// contact form's key) and the topic the visitor chose among its topics, which gives
    /// the case its team and category (D1); the visitor never names a team. The same
    /// client id again (a double click, a retry) answers the same conversation.
    pub async fn chat_start(
        &self,
        v: &Visitor,
        body: &str,
        raw_client_id: &str,
        route: Option<ChatEntry<'_>>,
    ) -> Result<ChatEvent> {
        let cid = client_id(raw_client_id)?;
        let body = message_body(body)?;
        let (team_id, category_id) = match &route {
            None => (None, None),
            Some(ChatEntry {
                widget: key, topic, ..
            }) => {
                let form = self.chat_widget(key).await?;
                match *topic {
                    Some(t) => {
                        let tp = form.topics.iter().find(|x| x.key == t).ok_or_else(|| {
                            AppError::invalid("topic", "invalid-value", t.to_string())
                        })?;
                        (tp.team_id, tp.category_id)
                    }
                    None if form.topics.len() > 1 => {
                        return Err(AppError::invalid("topic", "required", "choose a topic"));
                    }
                    None => form
                        .topics
                        .first()
                        .map(|tp| (tp.team_id, tp.category_id))
                        .unwrap_or((None, None)),
                }
            }
        };
        self.chat_budget(ChatParty::Visitor(v))?;
        let stamp = Arc::new(ChatStamp {
            client_id: cid.clone(),
            visitor_id: v.id,
            idle_ms: self.config.chat_idle.as_millis() as i64,
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
            category_id,
            ..Default::default()
        };
        let key = format!("chat-start-{cid}");
        let fp = format!("{}:{}", v.id, crate::auth::hash_token(body));
        let out = self.create_case(&v.actor(), new, Some((&key, &fp))).await?;
        // Articles suggested before the chat and opened did not deflect it (counted after
        // the case is safe; a failure to count is only logged).
        if !out.replayed
            && let Some(ChatEntry {
                widget,
                kb_visitor: Some(kv),
                ..
            }) = &route
            && let Err(e) = self
                .kb_track_case(kv, &format!("chat:{widget}"), out.case.id)
                .await
        {
            tracing::warn!(error = %e, "a chat after suggestions could not be counted");
        }
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
        let body = message_body(body)?;
        let conv = self.chat_conversation_for(who, case_id).await?;
        if let Some(e) = self.store.chat_event_by_client(case_id, &cid).await? {
            return self.chat_event_of(e).await;
        }
        if conv.state == "ended" {
            return Err(AppError::invalid("chat", "chat-ended", case_id.to_string()));
        }
        self.chat_budget(who)?;
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
                    idle_ms: self.config.chat_idle.as_millis() as i64,
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
        let ids: Vec<i64> = {
            let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.author_id).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let authors: std::collections::HashMap<i64, store::UserRow> = self
            .store
            .users_by_ids(&ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let message = match r.message_id {
                Some(id) => self.store.message(id).await?.map(Into::into),
                None => None,
            };
            out.push(event_of(r, message, |id| authors.get(&id).cloned()));
        }
        Ok(out)
    }

    /// End a conversation (its visitor or staff). Ending again answers the first end.
    pub async fn chat_end(&self, who: ChatParty<'_>, case_id: i64) -> Result<ChatEvent> {
        self.chat_conversation_for(who, case_id).await?;
        if let Some(e) = self.store.chat_event_by_client(case_id, END_ID).await? {
            return self.chat_event_of(e).await;
        }
        let actor = match who {
            ChatParty::Visitor(v) => v.user_id,
            ChatParty::Staff(a) => a.user_id,
        };
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let conv = tx
            .chat_conversation_for_update(case_id)
            .await?
            .ok_or(AppError::NotFound("chat"))?;
        let e = match end_in_tx(&mut tx, conv, Some(actor), "ended", now).await? {
            Ok(e) => e,
            Err(first) => {
                drop(tx);
                return self.chat_event_of(first).await;
            }
        };
        tx.commit().await?;
        self.announce(crate::live::LiveEvent::Chat {
            case_id,
            seq: e.seq,
        })
        .await;
        self.chat_event_of(e).await
    }

    /// The idle job: a conversation silent for `chat_idle` ends, with a `timed_out` event
    /// the visitor is shown. The job moves with each message, so when it is due the
    /// conversation has been silent that long.
    pub(crate) async fn end_idle_chat(&self, key: &str, now: i64) -> Result<bool> {
        let case_id: i64 = key
            .strip_prefix("chat_idle:")
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| AppError::Internal(format!("bad job key {key}")))?;
        let mut tx = self.store.begin().await?;
        // Lock order: the conversation, then the job (a message's write takes the same).
        let conv = tx.chat_conversation_for_update(case_id).await?;
        let Some(_job) = tx.claim_job(key, now).await? else {
            tx.rollback().await?;
            return Ok(false);
        };
        let ended = match conv {
            Some(c) if c.state != "ended" => {
                end_in_tx(&mut tx, c, None, "timed_out", now).await?.ok()
            }
            _ => {
                tx.delete_job(key).await?;
                None
            }
        };
        tx.commit().await?;
        if let Some(e) = ended {
            self.announce(crate::live::LiveEvent::Chat {
                case_id,
                seq: e.seq,
            })
            .await;
        }
        Ok(true)
    }

    /// One side has seen the conversation up to `seq`: the mark moves forward only, and
    /// the other side hears of it.
    pub async fn chat_read(&self, who: ChatParty<'_>, case_id: i64, seq: i64) -> Result<()> {
        self.chat_conversation_for(who, case_id).await?;
        let staff = matches!(who, ChatParty::Staff(_));
        let mut tx = self.store.begin().await?;
        let moved = tx.mark_chat_read(case_id, staff, seq).await?;
        tx.commit().await?;
        if moved {
            self.announce(crate::live::LiveEvent::ChatSignal {
                case_id,
                what: "read".into(),
                staff,
                name: String::new(),
                seq,
            })
            .await;
        }
        Ok(())
    }

    /// One side is typing. Passed on at most about once a second per side (the rest are
    /// dropped: the indicator is already on); `false` when dropped.
    pub async fn chat_typing(&self, who: ChatParty<'_>, case_id: i64) -> Result<bool> {
        let conv = self.chat_conversation_for(who, case_id).await?;
        if conv.state == "ended" {
            return Err(AppError::invalid("chat", "chat-ended", case_id.to_string()));
        }
        let (staff, name) = match who {
            ChatParty::Visitor(_) => (false, String::new()),
            ChatParty::Staff(a) => (true, a.name.clone()),
        };
        if !self.chat_typing_budget.take(&(case_id, staff)).allowed {
            return Ok(false);
        }
        self.announce(crate::live::LiveEvent::ChatSignal {
            case_id,
            what: "typing".into(),
            staff,
            name,
            seq: conv.last_seq,
        })
        .await;
        Ok(true)
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
        let author = match r.author_id {
            Some(id) => self.store.user(id).await?,
            None => None,
        };
        Ok(event_of(r, message, |_| author.clone()))
    }
}

fn event_of(
    r: store::ChatEventRow,
    message: Option<model::Message>,
    author: impl Fn(i64) -> Option<store::UserRow>,
) -> ChatEvent {
    let author = r.author_id.and_then(author);
    let role = author.as_ref().and_then(|u| u.role.parse::<Role>().ok());
    let staff = role.is_some_and(|r| r.is_staff());
    ChatEvent {
        case_id: r.case_id,
        seq: r.seq,
        kind: r.kind,
        author_id: r.author_id,
        client_id: r.client_id.filter(|c| c != END_ID),
        at: r.at,
        detail: r.detail,
        message,
        // Nobody wrote an event Guichet made itself (a silent chat's end).
        by_visitor: role == Some(Role::EndUser),
        author_name: author.filter(|_| staff).map(|u| u.name),
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
        visitor_read_seq: 0,
        staff_read_seq: 0,
    })
    .await?;
    append_message(tx, case.id, message, stamp, true, now).await
}

/// In a public message's write from anywhere but the chat itself (the case page, the API,
/// the portal): if the case's conversation is live, the message joins it, numbered like
/// the others (`true`); once the conversation has ended, it does not (`false`: a staff reply
/// then goes by email, as on any case).
pub(crate) async fn join_live(
    tx: &mut store::Tx,
    case_id: i64,
    message: &store::MessageRow,
    by_customer: bool,
    idle: jiff::SignedDuration,
    now: i64,
) -> Result<bool> {
    let Some(conv) = tx.chat_conversation_for_update(case_id).await? else {
        return Ok(false);
    };
    if conv.state == "ended" {
        return Ok(false);
    }
    let stamp = ChatStamp {
        client_id: format!("m{}", message.id),
        visitor_id: conv.visitor_id,
        idle_ms: idle.as_millis() as i64,
    };
    append_message(tx, case_id, message, &stamp, by_customer, now).await?;
    Ok(true)
}

/// In a case's write that assigned it or moved it to another team: a live chat tells its
/// visitor who joined (`joined`, by the new assignee; the conversation is taken) and where
/// it went (`transferred`, with the team's name).
pub(crate) async fn note_assignment(
    tx: &mut store::Tx,
    case_id: i64,
    joined: Option<i64>,
    team: Option<(i64, String)>,
    now: i64,
) -> Result<()> {
    let Some(mut conv) = tx.chat_conversation_for_update(case_id).await? else {
        return Ok(());
    };
    if conv.state == "ended" {
        return Ok(());
    }
    let event = |kind: &str, author_id, detail| store::ChatEventRow {
        case_id,
        seq: 0,
        kind: kind.into(),
        message_id: None,
        client_id: None,
        author_id,
        detail,
        at: now,
    };
    if let Some((id, name)) = team {
        conv.team_id = Some(id);
        tx.update_chat_conversation(&conv).await?;
        tx.append_chat_event(&event("transferred", None, Some(name)))
            .await?;
    }
    if let Some(agent) = joined {
        if conv.accepted_at.is_none() {
            conv.accepted_at = Some(now);
            conv.state = "active".into();
            tx.update_chat_conversation(&conv).await?;
        }
        tx.append_chat_event(&event("joined", Some(agent), None))
            .await?;
    }
    Ok(())
}

/// End a conversation in a write (`conv`: its row, read for update in the same write): its
/// state, its last event (`kind`: `ended`, or `timed_out` for silence), no more idle job.
/// `Err(first)` when it had ended already.
async fn end_in_tx(
    tx: &mut store::Tx,
    mut conv: store::ChatConversationRow,
    author_id: Option<i64>,
    kind: &str,
    now: i64,
) -> Result<std::result::Result<store::ChatEventRow, store::ChatEventRow>> {
    let case_id = conv.case_id;
    if let Some(e) = tx.chat_event_by_client(case_id, END_ID).await? {
        return Ok(Err(e));
    }
    conv.state = "ended".into();
    conv.ended_at = Some(now);
    tx.update_chat_conversation(&conv).await?;
    tx.delete_job(&idle_key(case_id)).await?;
    let e = tx
        .append_chat_event(&store::ChatEventRow {
            case_id,
            seq: 0,
            kind: kind.into(),
            message_id: None,
            client_id: Some(END_ID.into()),
            author_id,
            detail: None,
            at: now,
        })
        .await?;
    Ok(Ok(e))
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
        detail: None,
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
    // Silence from now on ends the conversation after `idle_ms` (the job moves).
    tx.upsert_job(
        IDLE_JOB,
        &idle_key(case_id),
        now + stamp.idle_ms.max(60_000),
        "{}",
        now,
    )
    .await?;
    Ok(())
}
