//! The widget's wire: frames in (from the visitor's widget) and out (to it), the same JSON
//! over the WebSocket and over the fallback (server-sent events + POST). One renderer for
//! the visitor's audience: what a visitor may see of an event, and nothing else.

use app::AppError;
use app::chat::{ChatConversation, ChatEvent};
use domain::Locale;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A conversation to resume from a number.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resume {
    pub id: i64,
    #[serde(default)]
    pub after: i64,
}

/// A frame from the widget.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum In {
    /// First frame: who the visitor is (the token their widget keeps, if any) and the
    /// conversations to resume.
    Hello {
        #[serde(default)]
        token: Option<String>,
        /// The widget (a contact form's key with the chat on) the visitor talks through.
        #[serde(default)]
        widget: Option<String>,
        #[serde(default)]
        conversations: Vec<Resume>,
    },
    /// Open a conversation with its first message, on one of the widget's topics.
    Start {
        client_id: String,
        body: String,
        #[serde(default)]
        topic: Option<String>,
        /// The visitor's deflection token, when articles were suggested first.
        #[serde(default)]
        kb_visitor: Option<String>,
    },
    Send {
        conversation_id: i64,
        client_id: String,
        body: String,
    },
    Resume {
        conversation_id: i64,
        #[serde(default)]
        after: i64,
    },
    Typing {
        conversation_id: i64,
    },
    Read {
        conversation_id: i64,
        seq: i64,
    },
    End {
        conversation_id: i64,
    },
    /// Where the conversation stands in its team's queue.
    Queue {
        conversation_id: i64,
    },
    Ping,
}

/// An event as its visitor sees it: their own messages and the team's answers, by
/// number; staff are named, the visitor is "you".
pub fn event(e: &ChatEvent) -> Value {
    let mut v = json!({
        "type": "event",
        "conversation_id": e.case_id,
        "seq": e.seq,
        "kind": e.kind,
        "from": match (e.author_id, e.by_visitor) {
            (None, _) => "system",
            (_, true) => "visitor",
            _ => "agent",
        },
        "at": e.at,
    });
    if !e.by_visitor
        && let Some(n) = &e.author_name
    {
        v["author_name"] = json!(n);
    }
    // The visitor's own id for their message (the widget matches its pending copy).
    if e.by_visitor
        && let Some(c) = &e.client_id
    {
        v["client_id"] = json!(c);
    }
    // Only public text: a chat message always is; anything else shows as an empty
    // numbered event, so the numbers stay without gaps.
    if let Some(d) = &e.detail {
        v["detail"] = json!(d);
    }
    if let Some(m) = e.message.as_ref().filter(|m| m.public) {
        v["body"] = json!(m.body);
    }
    v
}

pub fn queue(q: &app::chat::ChatQueue) -> Value {
    json!({
        "type": "queue",
        "conversation_id": q.case_id,
        "position": q.position,
        "wait_low_ms": q.wait_low_ms,
        "wait_high_ms": q.wait_high_ms,
    })
}

pub fn conversation(c: &ChatConversation) -> Value {
    json!({
        "id": c.case_id,
        "state": c.state,
        "queued_at": c.queued_at,
        "ended_at": c.ended_at,
        "last_seq": c.last_seq,
        "read_seq": c.visitor_read_seq,
        "agent_read_seq": c.staff_read_seq,
    })
}

/// What a use case's failure tells the visitor: a code, the field it names, a message in
/// their language, and when to try again for a limit.
#[derive(Debug, Serialize)]
pub struct Failure {
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Whether the same frame may succeed later (storage unavailable, a limit).
    pub retry: bool,
}

pub fn failure(e: &AppError, l: Locale) -> Failure {
    let tr = |key: &str, args: &[(&str, &str)]| web::i18n::tr(l, key, args);
    match e {
        AppError::NotFound(_) => Failure {
            code: "not-found".into(),
            field: None,
            message: tr("err-not-found", &[]),
            retry_after: None,
            retry: false,
        },
        AppError::Throttled(secs) => Failure {
            code: "rate-limited".into(),
            field: None,
            message: tr("err-chat-slow-down", &[("detail", &secs.to_string())]),
            retry_after: Some(*secs),
            retry: true,
        },
        AppError::Invalid(errs) => {
            let f = &errs[0];
            Failure {
                code: f.code.to_string(),
                field: Some(f.field.clone()),
                message: tr(
                    &format!("err-{}", f.code),
                    &[
                        ("field", &f.field),
                        ("detail", &web::i18n::detail_for(l, f.code, &f.detail)),
                    ],
                ),
                retry_after: None,
                retry: false,
            }
        }
        AppError::Conflict(f) => Failure {
            code: f.code.to_string(),
            field: Some(f.field.clone()),
            message: tr(
                &format!("err-{}", f.code),
                &[("field", &f.field), ("detail", &f.detail)],
            ),
            retry_after: None,
            retry: false,
        },
        AppError::Forbidden(_) | AppError::Unauthenticated => Failure {
            code: "forbidden".into(),
            field: None,
            message: tr("err-not-allowed", &[]),
            retry_after: None,
            retry: false,
        },
        AppError::Store(s) => {
            let a = web::error::store_answer(s);
            Failure {
                code: "unavailable".into(),
                field: None,
                message: tr(a.key, &[]),
                retry_after: Some(a.retry_after_secs),
                retry: true,
            }
        }
        AppError::Internal(why) => {
            tracing::error!(error = %why, "chat: internal error");
            Failure {
                code: "internal".into(),
                field: None,
                message: tr("err-internal", &[]),
                retry_after: None,
                retry: true,
            }
        }
    }
}

/// An error frame, with what it answers.
pub fn error_frame(f: Failure, client_id: Option<&str>, conversation_id: Option<i64>) -> Value {
    let mut v = json!({"type": "error"});
    if let Value::Object(m) = serde_json::to_value(f).unwrap_or_default() {
        for (k, x) in m {
            v[k] = x;
        }
    }
    if let Some(c) = client_id {
        v["client_id"] = json!(c);
    }
    if let Some(c) = conversation_id {
        v["conversation_id"] = json!(c);
    }
    v
}

/// An error of the transport itself (a frame it cannot read), in the visitor's language.
pub fn protocol_error(code: &str, detail: &str, l: Locale) -> Value {
    json!({
        "type": "error",
        "code": code,
        "message": web::i18n::tr(l, &format!("err-{code}"), &[("detail", detail)]),
        "retry": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_by_their_type_and_unknown_fields_are_refused() {
        let f: In = serde_json::from_str(
            r#"{"type":"send","conversation_id":3,"client_id":"a-1","body":"Bonjour"}"#,
        )
        .unwrap();
        assert!(matches!(
            f,
            In::Send {
                conversation_id: 3,
                ..
            }
        ));
        let f: In = serde_json::from_str(r#"{"type":"hello"}"#).unwrap();
        assert!(matches!(f, In::Hello { token: None, .. }));
        for bad in [
            r#"{"type":"send","conversation_id":3,"client_id":"a","body":"x","admin":true}"#,
            r#"{"type":"teleport"}"#,
            r#"{"conversation_id":3}"#,
            r#"[1,2]"#,
        ] {
            assert!(serde_json::from_str::<In>(bad).is_err(), "{bad}");
        }
    }
}
