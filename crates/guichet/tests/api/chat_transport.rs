//! The chat transport (issue 18): the widget's WebSocket and its fallback (server-sent
//! events + POST) over the chat use cases. Delivery by number: a visitor whose connection
//! drops while both sides write gets, after reconnecting, every message exactly once and
//! in order; bad frames get clear errors and the connection survives or closes cleanly.

use crate::*;
use app::chat::ChatParty;
use domain::Role;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn ws_url(t: &TestApp) -> String {
    format!(
        "{}/chat/v1/socket?lang=fr",
        t.base.replace("http://", "ws://")
    )
}

async fn connect(t: &TestApp) -> Socket {
    tokio_tungstenite::connect_async(ws_url(t))
        .await
        .expect("socket")
        .0
}

async fn send(s: &mut Socket, v: Value) {
    s.send(Ws::text(v.to_string())).await.expect("send");
}

/// The next JSON frame (pings and pongs skipped), within 5 s.
async fn next(s: &mut Socket) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), s.next())
            .await
            .expect("a frame in time")
            .expect("socket open")
            .expect("frame");
        match m {
            Ws::Text(t) => return serde_json::from_str(t.as_str()).expect("JSON frame"),
            Ws::Close(c) => panic!("closed: {c:?}"),
            _ => continue,
        }
    }
}

/// Frames until one matches.
async fn until(s: &mut Socket, f: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let v = next(s).await;
        let done = f(&v);
        seen.push(v);
        if done {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dropped_connection_resumes_with_every_message_once_and_in_order() {
    let t = spawn_app().await;
    let (_, agent_id) = t.user_with_role(Role::Agent, "chat-ws@guichet.test").await;
    let agent = t.actor(agent_id, Role::Agent);

    let mut s = connect(&t).await;
    send(&mut s, json!({"type": "hello"})).await;
    let w = next(&mut s).await;
    assert_eq!(
        (w["type"].as_str(), w["known"].as_bool()),
        (Some("welcome"), Some(false))
    );
    send(
        &mut s,
        json!({"type": "start", "client_id": "s-1", "body": "Bonjour, où est mon colis ?"}),
    )
    .await;
    // The new visitor's token comes first (the widget keeps it), then the ack and the event.
    let tok = next(&mut s).await;
    assert_eq!(tok["type"], "token");
    let token = tok["visitor_token"].as_str().expect("token").to_string();
    let frames = until(&mut s, |v| v["type"] == "event").await;
    let ack = frames.iter().find(|v| v["type"] == "ack").expect("ack");
    let case_id = ack["conversation_id"].as_i64().unwrap();
    let first = frames.last().unwrap();
    assert_eq!(
        (
            first["seq"].as_i64(),
            first["from"].as_str(),
            first["client_id"].as_str()
        ),
        (Some(1), Some("visitor"), Some("s-1"))
    );
    // The agent answers and types: the visitor sees both, the agent named.
    t.app
        .chat_send(ChatParty::Staff(&agent), case_id, "a-1", "Je regarde.")
        .await
        .unwrap();
    let e = until(&mut s, |v| v["type"] == "event").await.pop().unwrap();
    assert_eq!(
        (e["seq"].as_i64(), e["from"].as_str(), e["body"].as_str()),
        (Some(2), Some("agent"), Some("Je regarde."))
    );
    assert!(e["author_name"].is_string(), "{e}");
    assert!(
        e.get("client_id").is_none(),
        "the agent's own ids stay theirs: {e}"
    );
    assert!(
        t.app
            .chat_typing(ChatParty::Staff(&agent), case_id)
            .await
            .unwrap()
    );
    let ty = until(&mut s, |v| v["type"] == "typing")
        .await
        .pop()
        .unwrap();
    assert_eq!(ty["conversation_id"].as_i64(), Some(case_id));

    // The visitor sends and the connection drops before any answer, while the agent
    // writes ten messages at once.
    send(
        &mut s,
        json!({"type": "send", "conversation_id": case_id, "client_id": "v-3", "body": "Le 42"}),
    )
    .await;
    drop(s);
    let mut writers = Vec::new();
    for i in 0..10 {
        let app = t.app.clone();
        let agent = agent.clone();
        writers.push(tokio::spawn(async move {
            app.chat_send(
                ChatParty::Staff(&agent),
                case_id,
                &format!("a-{}", i + 2),
                &format!("Réponse {i}"),
            )
            .await
            .unwrap()
        }));
    }
    // Reconnect, say where it stopped (2), and retry the unacknowledged message.
    let mut s = connect(&t).await;
    send(
        &mut s,
        json!({"type": "hello", "token": token, "conversations": [{"id": case_id, "after": 2}]}),
    )
    .await;
    let w = next(&mut s).await;
    assert_eq!(
        (w["type"].as_str(), w["known"].as_bool()),
        (Some("welcome"), Some(true))
    );
    assert_eq!(w["conversations"][0]["id"].as_i64(), Some(case_id));
    send(
        &mut s,
        json!({"type": "send", "conversation_id": case_id, "client_id": "v-3", "body": "Le 42"}),
    )
    .await;
    send(
        &mut s,
        json!({"type": "send", "conversation_id": case_id, "client_id": "v-4", "body": "Merci"}),
    )
    .await;
    for w in writers {
        w.await.unwrap();
    }
    // 2 before the drop + v-3 once + 10 agent messages + v-4 = 14.
    let mut got: BTreeMap<i64, Value> = BTreeMap::new();
    let mut order = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while got.len() < 12 {
        assert!(tokio::time::Instant::now() < deadline, "missing: {got:?}");
        let v = next(&mut s).await;
        if v["type"] == "event" {
            let seq = v["seq"].as_i64().unwrap();
            order.push(seq);
            assert!(got.insert(seq, v).is_none(), "event {seq} twice");
        }
    }
    assert_eq!(
        order,
        (3..=14).collect::<Vec<_>>(),
        "in order, none missing"
    );
    let v3: Vec<_> = got.values().filter(|v| v["client_id"] == "v-3").collect();
    assert_eq!(v3.len(), 1, "the retried message is there once");
    // Nothing more is coming: a ping is answered with a pong, not a stray event.
    send(&mut s, json!({"type": "ping"})).await;
    assert_eq!(next(&mut s).await["type"], "pong");
    let all = t
        .app
        .chat_events(ChatParty::Staff(&agent), case_id, 0)
        .await
        .unwrap();
    assert_eq!(all.len(), 14);

    // Read marks go both ways; the visitor ends the conversation and is told.
    send(
        &mut s,
        json!({"type": "read", "conversation_id": case_id, "seq": 14}),
    )
    .await;
    t.app
        .chat_read(ChatParty::Staff(&agent), case_id, 14)
        .await
        .unwrap();
    let r = until(&mut s, |v| v["type"] == "read").await.pop().unwrap();
    assert_eq!(r["seq"].as_i64(), Some(14));
    let conv = t.store.chat_conversation(case_id).await.unwrap().unwrap();
    assert_eq!((conv.visitor_read_seq, conv.staff_read_seq), (14, 14));
    send(&mut s, json!({"type": "end", "conversation_id": case_id})).await;
    let end = until(&mut s, |v| v["type"] == "event").await.pop().unwrap();
    assert_eq!(
        (end["seq"].as_i64(), end["kind"].as_str()),
        (Some(15), Some("ended"))
    );
    send(
        &mut s,
        json!({"type": "send", "conversation_id": case_id, "client_id": "v-9", "body": "Encore"}),
    )
    .await;
    let err = next(&mut s).await;
    assert_eq!(
        (
            err["type"].as_str(),
            err["code"].as_str(),
            err["client_id"].as_str()
        ),
        (Some("error"), Some("chat-ended"), Some("v-9"))
    );
    assert!(
        err["message"].as_str().unwrap().contains("terminée"),
        "in the visitor's language: {err}"
    );
}

#[tokio::test]
async fn bad_frames_get_clear_errors_and_the_connection_survives_or_closes_cleanly() {
    let t = spawn_app().await;
    // A page of another origin cannot open the socket.
    let mut req = ws_url(&t).into_client_request().unwrap();
    req.headers_mut()
        .insert("Origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 403),
        other => panic!("expected 403, got {:?}", other.map(|r| r.1.status())),
    }
    // Its own origin can.
    let mut req = ws_url(&t).into_client_request().unwrap();
    let host = t.base.trim_start_matches("http://").to_string();
    req.headers_mut()
        .insert("Origin", format!("http://{host}").parse().unwrap());
    let (mut s, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("own origin");

    // Before hello, nothing else is taken.
    send(
        &mut s,
        json!({"type": "send", "conversation_id": 1, "client_id": "x", "body": "x"}),
    )
    .await;
    assert_eq!(next(&mut s).await["code"], "hello-first");
    s.send(Ws::text("{not json")).await.unwrap();
    let e = next(&mut s).await;
    assert_eq!(
        (e["type"].as_str(), e["code"].as_str()),
        (Some("error"), Some("bad-frame"))
    );
    s.send(Ws::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(next(&mut s).await["code"], "bad-frame");
    send(&mut s, json!({"type": "teleport"})).await;
    assert_eq!(next(&mut s).await["code"], "bad-frame");
    send(&mut s, json!({"type": "hello"})).await;
    assert_eq!(next(&mut s).await["type"], "welcome");
    send(&mut s, json!({"type": "hello"})).await;
    assert_eq!(next(&mut s).await["code"], "already-greeted");
    // A frame over the soft limit: an error, and the connection goes on.
    let big = "é".repeat(20_000);
    send(
        &mut s,
        json!({"type": "start", "client_id": "big", "body": big}),
    )
    .await;
    let e = next(&mut s).await;
    assert_eq!(e["code"], "frame-too-large", "{e}");
    // A message over 4,000 characters but within the frame: named by its field.
    send(
        &mut s,
        json!({"type": "start", "client_id": "long", "body": "a".repeat(4001)}),
    )
    .await;
    let frames = until(&mut s, |v| v["type"] == "error").await;
    let e = frames.last().unwrap();
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("too-long"), Some("body"))
    );
    // Unknown conversations, and another visitor's, are not found.
    let other = t.app.chat_visitor(None, domain::Locale::Fr).await.unwrap();
    let theirs = t
        .app
        .chat_start(&other, "Mon problème à moi", "o-1", None)
        .await
        .unwrap();
    send(
        &mut s,
        json!({"type": "start", "client_id": "mine", "body": "Bonjour"}),
    )
    .await;
    let conv = until(&mut s, |v| v["type"] == "event").await.pop().unwrap()["conversation_id"]
        .as_i64()
        .unwrap();
    for frame in [
        json!({"type": "resume", "conversation_id": theirs.case_id, "after": 0}),
        json!({"type": "send", "conversation_id": theirs.case_id, "client_id": "z", "body": "coucou"}),
        json!({"type": "send", "conversation_id": 987654, "client_id": "z", "body": "coucou"}),
        json!({"type": "end", "conversation_id": theirs.case_id}),
    ] {
        send(&mut s, frame.clone()).await;
        let e = next(&mut s).await;
        assert_eq!(
            (e["type"].as_str(), e["code"].as_str()),
            (Some("error"), Some("not-found")),
            "{frame}"
        );
    }
    let still = t
        .app
        .chat_events(ChatParty::Visitor(&other), theirs.case_id, 0)
        .await
        .unwrap();
    assert_eq!(
        still.len(),
        1,
        "nothing written in the other visitor's chat"
    );
    // A flood: beyond the visitor's budget, refused with when to retry; nothing lost of
    // what was accepted; the connection goes on.
    for i in 0..60 {
        send(
            &mut s,
            json!({"type": "send", "conversation_id": conv, "client_id": format!("f-{i}"), "body": "flood"}),
        )
        .await;
    }
    let mut acked = 0;
    let mut limited = 0;
    while acked + limited < 60 {
        let v = next(&mut s).await;
        match v["type"].as_str() {
            Some("ack") => acked += 1,
            Some("error") => {
                assert_eq!(v["code"], "rate-limited", "{v}");
                assert!(v["retry_after"].as_u64().unwrap() >= 1);
                limited += 1;
            }
            _ => {}
        }
    }
    assert!(limited > 0 && acked > 0, "acked {acked}, limited {limited}");
    send(&mut s, json!({"type": "ping"})).await;
    assert_eq!(
        until(&mut s, |v| v["type"] == "pong").await.last().unwrap()["type"],
        "pong"
    );
    let admin = t.actor(t.admin_id, Role::Admin);
    let written = t
        .app
        .chat_events(ChatParty::Staff(&admin), conv, 0)
        .await
        .unwrap();
    assert_eq!(
        written.len() as i64,
        1 + acked,
        "every acknowledged message is there"
    );
    // Over the hard limit: the connection is closed with 1009.
    s.send(Ws::text("x".repeat(100 * 1024))).await.unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(m) = s.next().await {
            match m {
                Ok(Ws::Close(Some(c))) => return Some(u16::from(c.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("closed in time");
    assert!(matches!(closed, Some(1009) | None), "{closed:?}");
}

#[tokio::test]
async fn the_fallback_streams_events_from_the_last_id_and_takes_posts() {
    let t = spawn_app().await;
    let (_, agent_id) = t.user_with_role(Role::Agent, "chat-sse@guichet.test").await;
    let agent = t.actor(agent_id, Role::Agent);
    let url = |p: &str| format!("{}/chat/v1{p}", t.base);
    let r = t
        .http
        .post(url("/conversations"))
        .json(&json!({"client_id": "s-1", "body": "Bonjour"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let b: Value = r.json().await.unwrap();
    let token = b["visitor_token"].as_str().expect("token").to_string();
    let id = b["conversation_id"].as_i64().unwrap();
    let bearer = format!("Bearer {token}");
    // The token is required and names this visitor's conversations only.
    let r = t
        .http
        .get(url(&format!("/conversations/{id}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let other = t.app.chat_visitor(None, domain::Locale::En).await.unwrap();
    let r = t
        .http
        .get(url(&format!("/conversations/{id}/events")))
        .header(
            "Authorization",
            format!("Bearer {}", other.new_token.unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A retried POST answers the first event.
    let mut seqs = Vec::new();
    for _ in 0..2 {
        let r = t
            .http
            .post(url(&format!("/conversations/{id}/messages")))
            .header("Authorization", &bearer)
            .json(&json!({"client_id": "m-2", "body": "Le colis 42"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let b: Value = r.json().await.unwrap();
        seqs.push(b["event"]["seq"].as_i64().unwrap());
    }
    assert_eq!(seqs, vec![2, 2]);
    let r = t
        .http
        .post(url(&format!("/conversations/{id}/messages")))
        .header("Authorization", &bearer)
        .json(&json!({"client_id": "m-3", "body": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let b: Value = r.json().await.unwrap();
    assert!(b["details"]["body"].is_array(), "{b}");

    // The stream resumes after Last-Event-ID 1: event 2 first, then live ones.
    let mut stream = t
        .http
        .get(url(&format!("/conversations/{id}/stream")))
        .header("Authorization", &bearer)
        .header("Last-Event-ID", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut seen = String::new();
    let read_until = async |r: &mut reqwest::Response, seen: &mut String, what: &str| {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !seen.contains(what) {
            let chunk = tokio::time::timeout_at(deadline, r.chunk())
                .await
                .expect("stream data in time");
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
        }
    };
    read_until(&mut stream, &mut seen, "id: 2").await;
    assert!(!seen.contains("id: 1\n"), "{seen}");
    t.app
        .chat_send(ChatParty::Staff(&agent), id, "a-1", "Je regarde.")
        .await
        .unwrap();
    read_until(&mut stream, &mut seen, "id: 3").await;
    assert!(seen.contains("Je regarde."), "{seen}");
    t.app
        .chat_typing(ChatParty::Staff(&agent), id)
        .await
        .unwrap();
    read_until(&mut stream, &mut seen, "event: typing").await;
    // Ending by POST: the stream carries the end; writing afterwards is refused.
    let r = t
        .http
        .post(url(&format!("/conversations/{id}/end")))
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    read_until(&mut stream, &mut seen, "id: 4").await;
    assert!(seen.contains("\"kind\":\"ended\""), "{seen}");
    let r = t
        .http
        .post(url(&format!("/conversations/{id}/messages")))
        .header("Authorization", &bearer)
        .header("Accept-Language", "fr")
        .json(&json!({"client_id": "m-9", "body": "Encore"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = t
        .http
        .get(url("/conversations"))
        .header("Authorization", &bearer)
        .send()
        .await
        .unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["conversations"][0]["state"], "ended");
    // Unknown fields and a wrong body type are named.
    let r = t
        .http
        .post(url(&format!("/conversations/{id}/read")))
        .header("Authorization", &bearer)
        .json(&json!({"seq": "beaucoup"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

/// Many nodes (PostgreSQL): a visitor connected to node B hears an agent writing on node A,
/// through NOTIFY and B's LISTEN. On SQLite there is one node; the test says so and ends.
#[tokio::test]
async fn a_visitor_on_one_node_hears_an_agent_on_another() {
    let t = spawn_app().await;
    if t.store.backend() != "postgres" {
        eprintln!("one node on SQLite: the two-node case runs on PostgreSQL");
        return;
    }
    let store_b = store::Store::connect(&t._db.url, &store::StoreOptions::default())
        .await
        .expect("node B connects");
    let app_b = App::new(store_b, t.clock.clone(), app::AppConfig::default());
    let live = app_b.clone();
    tokio::spawn(async move { live.run_live_listener().await });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_b = format!("ws://{}", listener.local_addr().unwrap());
    let state = web::state(app_b, &web::WebConfig::default());
    tokio::spawn(web::serve_router(
        listener,
        ::chatnet::router(state, Default::default()),
        std::future::pending(),
        Default::default(),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut s, _) = tokio_tungstenite::connect_async(format!("{base_b}/chat/v1/socket"))
        .await
        .expect("socket on node B");
    send(&mut s, json!({"type": "hello"})).await;
    next(&mut s).await;
    send(
        &mut s,
        json!({"type": "start", "client_id": "s-1", "body": "Bonjour depuis B"}),
    )
    .await;
    let case_id = until(&mut s, |v| v["type"] == "event").await.pop().unwrap()["conversation_id"]
        .as_i64()
        .unwrap();
    let (_, agent_id) = t.user_with_role(Role::Agent, "node-a@guichet.test").await;
    let agent = t.actor(agent_id, Role::Agent);
    t.app
        .chat_send(ChatParty::Staff(&agent), case_id, "a-1", "Réponse depuis A")
        .await
        .unwrap();
    let e = until(&mut s, |v| v["type"] == "event").await.pop().unwrap();
    assert_eq!(
        (e["seq"].as_i64(), e["body"].as_str()),
        (Some(2), Some("Réponse depuis A"))
    );
}

/// A widget is a contact form with the chat on: the topic the visitor picks routes the
/// chat (team and category); a form without the chat, or a topic it does not have, is
/// refused.
#[tokio::test]
async fn the_widgets_topic_routes_the_chat_and_a_form_without_chat_is_refused() {
    use app::portal::forms::{ContactFormInput, Topic};
    let t = spawn_app().await;
    let (s, g) = t
        .admin(
            reqwest::Method::POST,
            "/api/v2/groups.json",
            Some(json!({"group": {"name": "Livraisons"}})),
        )
        .await;
    assert_eq!(s, 201);
    let team = g["group"]["id"].as_i64().unwrap();
    let admin = t.actor(t.admin_id, Role::Admin);
    let topic = |key: &str, team_id: Option<i64>| Topic {
        key: key.into(),
        label_fr: key.into(),
        label_en: key.into(),
        team_id,
        category_id: None,
        fields: vec![],
    };
    let mut input = ContactFormInput {
        name: "Boutique".into(),
        locale: domain::Locale::Fr,
        allowed_origins: vec![],
        topics: vec![topic("livraison", Some(team)), topic("facture", None)],
        active: true,
        chat: false,
    };
    let off = t
        .app
        .save_contact_form(&admin, None, input.clone())
        .await
        .unwrap();
    input.chat = true;
    input.name = "Boutique (chat)".into();
    let on = t.app.save_contact_form(&admin, None, input).await.unwrap();

    // A form without the chat: the hello is refused and the socket closed.
    let mut s = connect(&t).await;
    send(&mut s, json!({"type": "hello", "widget": off.key})).await;
    let e = next(&mut s).await;
    assert_eq!(
        (e["type"].as_str(), e["code"].as_str()),
        (Some("error"), Some("not-found"))
    );
    let closed = tokio::time::timeout(Duration::from_secs(5), s.next())
        .await
        .unwrap();
    assert!(
        matches!(closed, Some(Ok(Ws::Close(_))) | None),
        "{closed:?}"
    );

    let mut s = connect(&t).await;
    send(&mut s, json!({"type": "hello", "widget": on.key})).await;
    assert_eq!(next(&mut s).await["type"], "welcome");
    // Two topics: one must be chosen, and it must be the widget's.
    for (topic, code) in [
        (Value::Null, "required"),
        (json!("teleportation"), "invalid-value"),
    ] {
        send(
            &mut s,
            json!({"type": "start", "client_id": format!("s-{code}"), "body": "Bonjour", "topic": topic}),
        )
        .await;
        let e = until(&mut s, |v| v["type"] == "error").await.pop().unwrap();
        assert_eq!(
            (e["code"].as_str(), e["field"].as_str()),
            (Some(code), Some("topic"))
        );
    }
    send(
        &mut s,
        json!({"type": "start", "client_id": "s-ok", "body": "Mon colis", "topic": "livraison"}),
    )
    .await;
    let ev = until(&mut s, |v| v["type"] == "event").await.pop().unwrap();
    let case = t
        .store
        .case(ev["conversation_id"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((case.channel.as_str(), case.team_id), ("chat", Some(team)));
}

/// The widget offers the chat only while someone can answer: an agent of one of its
/// topics' teams who set « En ligne » in the header and whose pages are open (seen within
/// 90 s); otherwise it offers the contact form.
#[tokio::test]
async fn the_chat_is_offered_only_while_an_agent_of_its_teams_is_online_and_here() {
    use crate::ui::{Ui, staff};
    use app::portal::forms::{ContactFormInput, Topic};
    let t = spawn_app().await;
    let group = |name: &'static str| {
        let t = &t;
        async move {
            let (s, g) = t
                .admin(
                    reqwest::Method::POST,
                    "/api/v2/groups.json",
                    Some(json!({"group": {"name": name}})),
                )
                .await;
            assert_eq!(s, 201);
            g["group"]["id"].as_i64().unwrap()
        }
    };
    let (livraisons, factures) = (group("Livraisons").await, group("Factures").await);
    let ana = staff(&t, Role::Agent, "ana@guichet.test", "Ana", None).await;
    let bob = staff(&t, Role::Agent, "bob@guichet.test", "Bob", None).await;
    for (user, team) in [(ana, livraisons), (bob, factures)] {
        let (s, _) = t
            .admin(
                reqwest::Method::POST,
                "/api/v2/group_memberships.json",
                Some(json!({"group_membership": {"user_id": user, "group_id": team}})),
            )
            .await;
        assert_eq!(s, 201);
    }
    let admin = t.actor(t.admin_id, Role::Admin);
    let form = t
        .app
        .save_contact_form(
            &admin,
            None,
            ContactFormInput {
                name: "Boutique".into(),
                locale: domain::Locale::Fr,
                allowed_origins: vec![],
                topics: vec![Topic {
                    key: "livraison".into(),
                    label_fr: "Livraison".into(),
                    label_en: "Delivery".into(),
                    team_id: Some(livraisons),
                    category_id: None,
                    fields: vec![],
                }],
                active: true,
                chat: true,
            },
        )
        .await
        .unwrap();
    let available = async || {
        let r = t
            .http
            .get(format!("{}/form/{}/chat", t.base, form.key))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        if html.contains("data-available=\"1\"") {
            true
        } else {
            assert!(html.contains("data-available=\"0\""), "{html}");
            assert!(
                html.contains(&format!("/form/{}?embed=1", form.key)),
                "the form instead"
            );
            false
        }
    };
    assert!(!available().await, "nobody has said they are online");
    // Bob is online, but in another team.
    let bob_ui = Ui::sign_in(&t, "bob@guichet.test", "agent-password-1").await;
    let (s, _) = bob_ui
        .post(
            "/me/status",
            &[("status", "online"), ("back", "/inbox/mine")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        !available().await,
        "only the topic's team answers its chats"
    );
    let ana_ui = Ui::sign_in(&t, "ana@guichet.test", "agent-password-1").await;
    let (s, _) = ana_ui.post("/me/status", &[("status", "dancing")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = ana_ui.post("/me/status", &[("status", "online")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(available().await);
    let (_, page) = ana_ui.get("/inbox/mine").await;
    assert!(page.contains("status-online"), "the header shows it");
    // Her pages closed two minutes ago: not here any more, whatever her status says.
    t.clock.advance(jiff::SignedDuration::from_mins(2));
    assert!(!available().await);
    // Her live stream opening (any agent page) counts as here again.
    let r = ana_ui
        .http
        .get(format!("{}/live", t.base))
        .header(reqwest::header::COOKIE, &ana_ui.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(available().await);
    let (s, _) = ana_ui.post("/me/status", &[("status", "away")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(!available().await, "away is not available");
    drop(r);
}

/// A queued visitor learns their place in the team's queue and, once the team has some
/// history, how long its chats usually wait (the middle half of recent waits).
#[tokio::test]
async fn a_queued_visitor_sees_their_place_and_the_usual_wait() {
    let t = spawn_app().await;
    let (_, agent_id) = t.user_with_role(Role::Agent, "queue@guichet.test").await;
    let agent = t.actor(agent_id, Role::Agent);
    let min = jiff::SignedDuration::from_mins;
    // Five chats answered after 1, 2, 3, 4 and 5 minutes.
    for i in 1..=5 {
        let v = t.app.chat_visitor(None, domain::Locale::Fr).await.unwrap();
        let e = t
            .app
            .chat_start(&v, "Bonjour", &format!("h-{i}"), None)
            .await
            .unwrap();
        t.clock.advance(min(i));
        t.app
            .chat_send(
                ChatParty::Staff(&agent),
                e.case_id,
                &format!("a-{i}"),
                "Oui ?",
            )
            .await
            .unwrap();
    }
    let mut queued = Vec::new();
    for i in 0..3 {
        let v = t.app.chat_visitor(None, domain::Locale::Fr).await.unwrap();
        let e = t
            .app
            .chat_start(&v, "Bonjour", &format!("q-{i}"), None)
            .await
            .unwrap();
        queued.push((v, e.case_id));
        t.clock.advance(jiff::SignedDuration::from_secs(1));
    }
    let (v3, c3) = &queued[2];
    let q = t.app.chat_queue(ChatParty::Visitor(v3), *c3).await.unwrap();
    assert_eq!(q.position, Some(3));
    assert_eq!(
        (q.wait_low_ms, q.wait_high_ms),
        (Some(120_000), Some(240_000))
    );
    // The first is answered: one fewer ahead; an answered chat has no place any more.
    t.app
        .chat_send(ChatParty::Staff(&agent), queued[0].1, "a-q0", "Bonjour !")
        .await
        .unwrap();
    let q = t.app.chat_queue(ChatParty::Visitor(v3), *c3).await.unwrap();
    assert_eq!(q.position, Some(2));
    let (v0, c0) = &queued[0];
    assert_eq!(
        t.app
            .chat_queue(ChatParty::Visitor(v0), *c0)
            .await
            .unwrap()
            .position,
        None
    );
    // Nobody else's queue: another visitor gets 404.
    assert!(matches!(
        t.app.chat_queue(ChatParty::Visitor(v0), *c3).await,
        Err(app::AppError::NotFound(_))
    ));
    // Over the socket, as the widget asks every 15 s.
    let mut s = connect(&t).await;
    let token = {
        let v = t.app.chat_visitor(None, domain::Locale::Fr).await.unwrap();
        let tok = v.new_token.clone().unwrap();
        t.app
            .chat_start(&v, "Et moi ?", "late", None)
            .await
            .unwrap();
        tok
    };
    send(&mut s, json!({"type": "hello", "token": token})).await;
    let w = next(&mut s).await;
    let mine = w["conversations"][0]["id"].as_i64().unwrap();
    send(&mut s, json!({"type": "queue", "conversation_id": mine})).await;
    let q = next(&mut s).await;
    // Two still queued before it; the chat answered after 3 s joined the history
    // (3 s, 1, 2, 3, 4, 5 min: the middle half is 1 to 4 minutes).
    assert_eq!(
        (
            q["type"].as_str(),
            q["position"].as_i64(),
            q["wait_low_ms"].as_i64(),
            q["wait_high_ms"].as_i64()
        ),
        (Some("queue"), Some(3), Some(60_000), Some(240_000))
    );
}
