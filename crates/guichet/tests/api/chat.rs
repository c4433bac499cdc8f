//! Live chat's core (issue 18, ADR 0007), under the transports: a conversation is a case of
//! channel `chat`; every message gets the conversation's next number, without gaps or
//! duplicates even when both sides send at once and retry; a reader resumes after the last
//! number it has; a visitor reads and writes only their own conversations.

use crate::*;
use app::AppError;
use app::chat::{ChatParty, Visitor};
use domain::{Locale, Role};
use std::collections::HashSet;

async fn visitor(t: &TestApp) -> Visitor {
    t.app.chat_visitor(None, Locale::Fr).await.expect("visitor")
}

#[tokio::test]
async fn a_visitor_opens_a_chat_case_and_a_retry_writes_nothing_new() {
    let t = spawn_app().await;
    let v = visitor(&t).await;
    let token = v.new_token.clone().expect("a new visitor gets a token");
    // The token names the same visitor again; an unknown token makes a new one.
    let again = t.app.chat_visitor(Some(&token), Locale::Fr).await.unwrap();
    assert_eq!(
        (again.id, again.user_id, again.new_token),
        (v.id, v.user_id, None)
    );
    let other = t
        .app
        .chat_visitor(Some("inconnu"), Locale::Fr)
        .await
        .unwrap();
    assert_ne!(other.id, v.id);

    let first = t
        .app
        .chat_start(
            &v,
            "Bonjour, ma commande n’est pas arrivée",
            "start-1",
            None,
        )
        .await
        .unwrap();
    assert_eq!((first.seq, first.kind.as_str()), (1, "message"));
    let case = t.store.case(first.case_id).await.unwrap().unwrap();
    assert_eq!(case.channel, "chat");
    assert_eq!(case.requester_id, v.user_id);
    assert!(case.subject.starts_with("Bonjour"), "{}", case.subject);
    // A double click on "start": the same conversation, the same event.
    let twice = t
        .app
        .chat_start(
            &v,
            "Bonjour, ma commande n’est pas arrivée",
            "start-1",
            None,
        )
        .await
        .unwrap();
    assert_eq!(twice, first);
    let admin = t.actor(t.admin_id, Role::Admin);
    assert_eq!(
        t.app.count_cases(&admin).await.unwrap(),
        1,
        "one case for two clicks"
    );

    // The visitor writes, retries one message; the agent answers: numbers 2, 3, 4.
    let e2 = t
        .app
        .chat_send(
            ChatParty::Visitor(&v),
            first.case_id,
            "m-2",
            "C’est le colis 42",
        )
        .await
        .unwrap();
    let retry = t
        .app
        .chat_send(
            ChatParty::Visitor(&v),
            first.case_id,
            "m-2",
            "C’est le colis 42",
        )
        .await
        .unwrap();
    assert_eq!(retry, e2);
    let (agent, agent_id) = t
        .user_with_role(Role::Agent, "chat-agent@guichet.test")
        .await;
    let _ = agent;
    let a = t.actor(agent_id, Role::Agent);
    let mut live = t.app.live.subscribe();
    let e3 = t
        .app
        .chat_send(
            ChatParty::Staff(&a),
            first.case_id,
            "a-1",
            "Je regarde tout de suite.",
        )
        .await
        .unwrap();
    let e4 = t
        .app
        .chat_send(ChatParty::Visitor(&v), first.case_id, "m-3", "Merci")
        .await
        .unwrap();
    assert_eq!((e2.seq, e3.seq, e4.seq), (2, 3, 4));
    // Each new number is announced on the live bus (NOTIFY across nodes on PostgreSQL),
    // for the transports to read what follows.
    let announced = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            if let Ok(app::live::LiveEvent::Chat { case_id, seq }) = live.recv().await
                && case_id == first.case_id
                && seq == 3
            {
                break;
            }
        }
    })
    .await;
    assert!(announced.is_ok(), "the chat's number 3 was announced");
    assert_eq!(
        e3.message.as_ref().unwrap().body,
        "Je regarde tout de suite."
    );
    // A chat reply is delivered live, never as an email.
    let outbox = t.store.outbox_of_case(first.case_id).await.unwrap();
    assert!(outbox.is_empty(), "no email for a chat reply: {outbox:?}");
    // The team's first answer takes the conversation.
    let conv = t
        .store
        .chat_conversation(first.case_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conv.state, "active");
    assert!(conv.first_reply_at.is_some());

    // Resuming after 2 gives 3 and 4, in order; after 4, nothing.
    let rest = t
        .app
        .chat_events(ChatParty::Visitor(&v), first.case_id, 2)
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 4]);
    assert!(
        t.app
            .chat_events(ChatParty::Staff(&a), first.case_id, 4)
            .await
            .unwrap()
            .is_empty()
    );

    // Another visitor reads and writes nothing of it; bad ids are named.
    for r in [
        t.app
            .chat_events(ChatParty::Visitor(&other), first.case_id, 0)
            .await
            .map(|_| ()),
        t.app
            .chat_send(ChatParty::Visitor(&other), first.case_id, "x-1", "coucou")
            .await
            .map(|_| ()),
        t.app
            .chat_events(ChatParty::Visitor(&v), 999_999, 0)
            .await
            .map(|_| ()),
    ] {
        assert!(matches!(r, Err(AppError::NotFound(_))), "{r:?}");
    }
    for bad in ["", "a b", "x'; DROP", &"a".repeat(65)] {
        let r = t
            .app
            .chat_send(ChatParty::Visitor(&v), first.case_id, bad, "x")
            .await;
        match r {
            Err(AppError::Invalid(f)) => assert_eq!(f[0].field, "client_id"),
            r => panic!("{bad:?}: {r:?}"),
        }
    }
    // A customer who is not this chat's visitor cannot reach it as staff either.
    let c = t.actor(v.user_id, Role::EndUser);
    assert!(
        t.app
            .chat_events(ChatParty::Staff(&c), first.case_id, 0)
            .await
            .is_err()
    );
}

/// Both sides send at once, every message twice (a retry racing its original): each
/// client id is written once, and the numbers are 1..=N with no gap, in commit order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_and_retries_get_gap_free_numbers_once_each() {
    let t = spawn_app().await;
    let v = visitor(&t).await;
    let first = t
        .app
        .chat_start(&v, "Bonjour", "start", None)
        .await
        .unwrap();
    let (_, agent_id) = t
        .user_with_role(Role::Agent, "chat-agent2@guichet.test")
        .await;
    let a = t.actor(agent_id, Role::Agent);
    let mut tasks = Vec::new();
    for i in 0..24 {
        for _copy in 0..2 {
            let app = t.app.clone();
            let v = v.clone();
            let a = a.clone();
            let case_id = first.case_id;
            tasks.push(tokio::spawn(async move {
                let cid = format!("c-{i}");
                let body = format!("message {i}");
                if i % 2 == 0 {
                    app.chat_send(ChatParty::Visitor(&v), case_id, &cid, &body)
                        .await
                } else {
                    app.chat_send(ChatParty::Staff(&a), case_id, &cid, &body)
                        .await
                }
            }));
        }
    }
    let mut by_client = std::collections::HashMap::new();
    for task in tasks {
        let e = task.await.unwrap().expect("send");
        let cid = e.client_id.clone().unwrap();
        if let Some(prev) = by_client.insert(cid.clone(), e.seq) {
            assert_eq!(prev, e.seq, "{cid}: a retry answers the first event");
        }
    }
    assert_eq!(by_client.len(), 24);
    let all = t
        .app
        .chat_events(ChatParty::Staff(&a), first.case_id, 0)
        .await
        .unwrap();
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=25).collect::<Vec<_>>(), "no gap, no duplicate");
    let clients: HashSet<_> = all.iter().filter_map(|e| e.client_id.clone()).collect();
    assert_eq!(clients.len(), 25, "each client id once");
    // The case holds each message once.
    assert_eq!(
        t.store.count_messages(first.case_id, false).await.unwrap(),
        25
    );
}

/// A public reply written on the case page (or through the API) while the chat is live
/// joins the chat, numbered like the others, and queues no email; an internal note never
/// reaches the visitor; once the chat has ended, a reply is an ordinary case reply again.
#[tokio::test]
async fn a_reply_from_the_case_page_joins_the_live_chat_and_a_note_never_does() {
    let t = spawn_app().await;
    let v = visitor(&t).await;
    let first = t.app.chat_start(&v, "Bonjour", "s-1", None).await.unwrap();
    let (_, agent_id) = t
        .user_with_role(Role::Agent, "chat-agent3@guichet.test")
        .await;
    let a = t.actor(agent_id, Role::Agent);
    t.app
        .reply(&a, first.case_id, "Réponse depuis la fiche")
        .await
        .unwrap();
    t.app
        .add_note(&a, first.case_id, "Note interne : client difficile")
        .await
        .unwrap();
    let seen = t
        .app
        .chat_events(ChatParty::Visitor(&v), first.case_id, 0)
        .await
        .unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[1].message.as_ref().unwrap().body,
        "Réponse depuis la fiche"
    );
    assert!(!seen[1].by_visitor);
    assert!(
        seen.iter().all(|e| !e
            .message
            .as_ref()
            .is_some_and(|m| m.body.contains("interne"))),
        "a note never reaches the visitor"
    );
    assert!(
        t.store
            .outbox_of_case(first.case_id)
            .await
            .unwrap()
            .is_empty()
    );
    let conv = t
        .store
        .chat_conversation(first.case_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conv.state, "active", "the reply took the conversation");
    // Ended: the next reply stays on the case, outside the chat.
    let end = t
        .app
        .chat_end(ChatParty::Staff(&a), first.case_id)
        .await
        .unwrap();
    assert_eq!((end.seq, end.kind.as_str()), (3, "ended"));
    let again = t
        .app
        .chat_end(ChatParty::Visitor(&v), first.case_id)
        .await
        .unwrap();
    assert_eq!(again.seq, 3, "ending twice answers the first end");
    t.app
        .reply(&a, first.case_id, "Suite par écrit")
        .await
        .unwrap();
    assert_eq!(
        t.app
            .chat_events(ChatParty::Visitor(&v), first.case_id, 3)
            .await
            .unwrap()
            .len(),
        0
    );
}

/// A chat silent for the configured time (20 minutes by default) ends by itself with a
/// `timed_out` event from nobody; each message moves the deadline.
#[tokio::test]
async fn a_silent_chat_ends_by_itself_and_each_message_moves_the_deadline() {
    let t = spawn_app().await;
    let v = visitor(&t).await;
    let first = t.app.chat_start(&v, "Bonjour", "s-1", None).await.unwrap();
    let min = jiff::SignedDuration::from_mins;
    t.clock.advance(min(15));
    t.app.run_due_jobs(100).await.unwrap();
    t.app
        .chat_send(
            ChatParty::Visitor(&v),
            first.case_id,
            "m-2",
            "Vous êtes là ?",
        )
        .await
        .unwrap();
    // After `by` more minutes and the jobs due then, the conversation's state.
    let state_after = async |by: i64| {
        t.clock.advance(min(by));
        t.app.run_due_jobs(100).await.unwrap();
        let c = t.store.chat_conversation(first.case_id).await.unwrap();
        c.unwrap().state
    };
    // 15 + 15 minutes after the start, but only 15 after the last message: still open.
    assert_eq!(state_after(15).await, "queued");
    assert_eq!(state_after(6).await, "ended");
    let last = t
        .app
        .chat_events(ChatParty::Visitor(&v), first.case_id, 2)
        .await
        .unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(
        (last[0].kind.as_str(), last[0].author_id, last[0].by_visitor),
        ("timed_out", None, false)
    );
    let r = t
        .app
        .chat_send(ChatParty::Visitor(&v), first.case_id, "m-3", "Encore")
        .await;
    assert!(matches!(r, Err(AppError::Invalid(_))), "{r:?}");
    // Nothing is left to fire.
    t.clock.advance(min(60));
    assert_eq!(t.app.run_due_jobs(100).await.unwrap(), 0);
}

/// Assigning a live chat tells its visitor who joined (the conversation is taken); moving
/// it to another team tells them where it went; an ended chat hears of neither.
#[tokio::test]
async fn the_visitor_is_told_who_joined_and_where_the_chat_was_transferred() {
    let t = spawn_app().await;
    let v = visitor(&t).await;
    let first = t.app.chat_start(&v, "Bonjour", "s-1", None).await.unwrap();
    let (_, agent_id) = t
        .user_with_role(Role::Agent, "chat-agent4@guichet.test")
        .await;
    let admin = t.actor(t.admin_id, Role::Admin);
    let (s, g) = t
        .admin(
            reqwest::Method::POST,
            "/api/v2/groups.json",
            Some(serde_json::json!({"group": {"name": "Facturation"}})),
        )
        .await;
    assert_eq!(s, 201);
    let team = g["group"]["id"].as_i64().unwrap();
    let change = async |c: app::cases::CaseChanges| {
        t.app.update_case(&admin, first.case_id, c).await.unwrap();
    };
    change(app::cases::CaseChanges {
        assignee_id: Some(Some(agent_id)),
        ..Default::default()
    })
    .await;
    let conv = t
        .store
        .chat_conversation(first.case_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conv.state, "active", "assigned: taken");
    change(app::cases::CaseChanges {
        team_id: Some(Some(team)),
        ..Default::default()
    })
    .await;
    let seen = t
        .app
        .chat_events(ChatParty::Visitor(&v), first.case_id, 1)
        .await
        .unwrap();
    let kinds: Vec<_> = seen.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, vec!["joined", "transferred"]);
    assert_eq!(seen[0].author_id, Some(agent_id));
    assert!(seen[0].author_name.is_some() && !seen[0].by_visitor);
    assert_eq!(seen[1].detail.as_deref(), Some("Facturation"));
    t.app
        .chat_end(ChatParty::Visitor(&v), first.case_id)
        .await
        .unwrap();
    change(app::cases::CaseChanges {
        assignee_id: Some(None),
        ..Default::default()
    })
    .await;
    assert_eq!(
        t.app
            .chat_events(ChatParty::Visitor(&v), first.case_id, 4)
            .await
            .unwrap()
            .len(),
        0
    );
}
