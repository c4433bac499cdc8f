//! Security review (issue 14), second half: forged staff mail, password hashing floods,
//! control characters, threading by look-alike ids, JSON-only bodies, rate-limit keys,
//! lock-outs, tag counts, template bombs, raw mail downloads, link bases, upload quotas.
//! Each test runs on the database `GUICHET_TEST_DATABASE_URL` names (SQLite by default).

use crate::*;
use app::email::{Delivery, Ingested, MailConfig, Source};
use reqwest::Method;
use serde_json::json;

const AUTHSERV: &str = "mx.guichet.test";

async fn mail_app() -> TestApp {
    spawn_app_full(
        web::WebConfig {
            max_body_bytes: 64 * 1024,
            rate_limit_per_minute: 100_000,
        },
        app::AppConfig {
            max_attachment_bytes: ATTACHMENT_LIMIT,
            mail: MailConfig {
                domain: "guichet.test".into(),
                max_message_bytes: 512 * 1024,
                authserv_id: AUTHSERV.into(),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await
}

async fn support_mailbox(t: &TestApp) -> i64 {
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/mailboxes",
            Some(json!({"mailbox": {"address": "support@guichet.test", "name": "Service client", "locale": "fr"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    b["mailbox"]["id"].as_i64().unwrap()
}

async fn deliver(t: &TestApp, raw: &str) -> Ingested {
    t.app
        .ingest_email(Delivery {
            raw: raw.as_bytes(),
            mailbox_id: None,
            rcpt: Some("support@guichet.test"),
            mail_from: None,
            source: Source::Lmtp,
        })
        .await
        .expect("ingest")
}

fn admin_actor(t: &TestApp) -> Actor {
    t.actor(t.admin_id, Role::Admin)
}

async fn messages(t: &TestApp, case: i64) -> Vec<store::MessageRow> {
    t.app
        .case_messages(
            &admin_actor(t),
            case,
            store::Page {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0
}

async fn outbox_kinds(t: &TestApp, case: i64) -> Vec<String> {
    t.app
        .store
        .outbox_list(None, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.case_id == Some(case))
        .map(|o| o.kind)
        .collect()
}

/// A customer's mail opens case N; returns N.
async fn customer_case(t: &TestApp) -> i64 {
    let raw = "From: Jo <jo@example.fr>\r\nTo: support@guichet.test\r\nSubject: Colis perdu\r\nMessage-ID: <c1@example.fr>\r\n\r\nBonjour, mon colis est perdu.\r\n";
    match deliver(t, raw).await {
        Ingested::Created { case_id } => case_id,
        other => panic!("{other:?}"),
    }
}

// ---------- finding 3: forged staff sender ----------

#[tokio::test]
async fn forged_staff_sender_becomes_an_unverified_internal_note_and_nothing_is_mailed() {
    let t = mail_app().await;
    support_mailbox(&t).await;
    let (_, marie) = t
        .user_with_role(Role::Agent, "marie@guichet-staff.fr")
        .await;
    let case = customer_case(&t).await;
    let before = outbox_kinds(&t, case).await;
    // The sender wrote its own Authentication-Results (another authserv-id): not ours.
    let forged = format!(
        "Authentication-Results: evil.example; dkim=pass header.d=guichet-staff.fr; dmarc=pass\r\n\
         From: Marie <marie@guichet-staff.fr>\r\nTo: support@guichet.test\r\n\
         Subject: Re: [#{case}] Colis perdu\r\nMessage-ID: <forged-1@evil.example>\r\n\r\n\
         Remboursement refusé, envoyez votre RIB à evil@example.net\r\n"
    );
    assert_eq!(
        deliver(&t, &forged).await,
        Ingested::Appended { case_id: case }
    );
    let msgs = messages(&t, case).await;
    let m = msgs.iter().find(|m| m.body.contains("RIB")).expect("kept");
    assert!(!m.public, "a forged staff mail must not be a public reply");
    assert_eq!(m.author_id, marie);
    let events = t.app.case_events(&admin_actor(&t), case).await.unwrap();
    assert!(
        events.iter().any(|e| e.kind == "email_unverified"
            && e.new_value.as_deref() == Some("marie@guichet-staff.fr")),
        "{events:?}"
    );
    assert_eq!(outbox_kinds(&t, case).await, before, "nothing mailed out");

    // Our MTA's DMARC pass (topmost, our authserv-id): the agent's public reply, mailed on.
    let verified = format!(
        "Authentication-Results: {AUTHSERV}; dkim=pass header.d=guichet-staff.fr; spf=pass; dmarc=pass header.from=guichet-staff.fr\r\n\
         From: Marie <marie@guichet-staff.fr>\r\nTo: support@guichet.test\r\n\
         Subject: Re: [#{case}] Colis perdu\r\nMessage-ID: <real-1@guichet-staff.fr>\r\n\r\n\
         Nous vous remboursons demain.\r\n"
    );
    assert_eq!(
        deliver(&t, &verified).await,
        Ingested::Appended { case_id: case }
    );
    let msgs = messages(&t, case).await;
    let m = msgs
        .iter()
        .find(|m| m.body.contains("remboursons"))
        .unwrap();
    assert!(m.public);
    assert!(outbox_kinds(&t, case).await.iter().any(|k| k == "reply"));
    let events = t.app.case_events(&admin_actor(&t), case).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == "email_unverified")
            .count(),
        1
    );
}

// ---------- finding 13: NUL and control characters ----------

#[tokio::test]
async fn nul_and_control_characters_are_refused_naming_the_field_and_stripped_from_mail() {
    let t = mail_app().await;
    let before = t.app.store.case_total().await.unwrap();
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "Colis\u{0} perdu", "comment": {"body": "x"}}})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["details"]["subject"][0]["field"], "ticket.subject", "{b}");
    assert_eq!(
        b["details"]["subject"][0]["code"], "control-character",
        "{b}"
    );
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "ok", "comment": {"body": "a\u{1b}[31m"}, "tags": ["a", "b\u{7}"]}})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    let field = b["details"].to_string();
    assert!(
        field.contains("ticket.comment.body") || field.contains("ticket.tags[1]"),
        "{b}"
    );
    assert_eq!(t.app.store.case_total().await.unwrap(), before);
    // Tabs and line breaks are text.
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "ok", "comment": {"body": "ligne 1\r\n\tligne 2"}}})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = t
        .admin(
            Method::PUT,
            "/api/v2/users/me.json",
            Some(json!({"user": {"name": "Ada\u{0}"}})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["details"]["name"][0]["field"], "user.name", "{b}");
    let (s, b) = t
        .admin(Method::GET, "/api/v2/search.json?query=colis%00", None)
        .await;
    assert_eq!(s, 400, "{b}");

    // A quoted-printable =00 in a mail (PostgreSQL refused it: LMTP 451 for ever).
    support_mailbox(&t).await;
    let raw = "From: Jo <jo@example.fr>\r\nTo: support@guichet.test\r\nSubject: =?UTF-8?Q?Nul=00?=\r\n\
        Message-ID: <nul@example.fr>\r\nContent-Type: text/plain; charset=utf-8\r\n\
        Content-Transfer-Encoding: quoted-printable\r\n\r\nBon=00jour\r\n";
    let case = match deliver(&t, raw).await {
        Ingested::Created { case_id } => case_id,
        other => panic!("{other:?}"),
    };
    let msgs = messages(&t, case).await;
    assert_eq!(msgs[0].body, "Bonjour");
    // The original keeps its bytes.
    let e = t
        .app
        .store
        .email_by_key("nul@example.fr")
        .await
        .unwrap()
        .unwrap();
    let original = t
        .app
        .email_original(&admin_actor(&t), e.id, case)
        .await
        .unwrap();
    assert_eq!(original, raw.as_bytes());
}

// ---------- finding 7: look-alike Message-IDs ----------

#[tokio::test]
async fn an_id_that_only_looks_like_ours_does_not_thread_a_stored_one_does() {
    let t = mail_app().await;
    support_mailbox(&t).await;
    let case = customer_case(&t).await;
    let stranger = format!(
        "From: Eve <eve@example.net>\r\nTo: support@guichet.test\r\nSubject: Re: votre dossier\r\n\
         Message-ID: <eve-1@example.net>\r\nIn-Reply-To: <gc{case}-m1-anything@guichet.test>\r\n\
         References: <gc{case}-m1-anything@guichet.test>\r\n\r\nJe suis dans le dossier ?\r\n"
    );
    match deliver(&t, &stranger).await {
        Ingested::Created { case_id } => assert_ne!(case_id, case),
        other => panic!("threaded by a forged id: {other:?}"),
    }
    // The acknowledgement we really sent has a stored Message-ID: a reply to it threads.
    let ack = t
        .app
        .store
        .outbox_list(None, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.case_id == Some(case) && o.kind == "ack")
        .expect("ack");
    let reply = format!(
        "From: Jo <jo@example.fr>\r\nTo: support@guichet.test\r\nSubject: Re: accusé\r\n\
         Message-ID: <c2@example.fr>\r\nIn-Reply-To: <{}>\r\n\r\nMerci.\r\n",
        ack.message_key
    );
    assert_eq!(
        deliver(&t, &reply).await,
        Ingested::Appended { case_id: case }
    );
}

// ---------- finding 20: JSON bodies only ----------

#[tokio::test]
async fn bodies_that_are_not_declared_json_get_415_and_write_nothing() {
    let t = spawn_app().await;
    let before = t.app.store.case_total().await.unwrap();
    let body = json!({"ticket": {"subject": "csrf", "comment": {"body": "x"}}}).to_string();
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonp"),
        None,
    ] {
        let mut r = t
            .req(Method::POST, "/api/v2/tickets.json", &t.admin)
            .body(body.clone());
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        let (s, b) = body_of(r.send().await.unwrap()).await;
        assert_eq!(s, 415, "{ct:?}: {b}");
        assert_eq!(b["error"], "UnsupportedMediaType");
    }
    assert_eq!(t.app.store.case_total().await.unwrap(), before);
    for ct in [
        "application/json",
        "application/json; charset=utf-8",
        "application/vnd.api+json",
    ] {
        let r = t
            .req(Method::POST, "/api/v2/tickets.json", &t.admin)
            .header("content-type", ct)
            .body(body.clone());
        assert_eq!(r.send().await.unwrap().status(), 201, "{ct}");
    }
}

// ---------- finding 25: raw mail downloads ----------

#[tokio::test]
async fn raw_email_downloads_are_attachments_never_sniffed_and_sandboxed() {
    let t = mail_app().await;
    support_mailbox(&t).await;
    let case = customer_case(&t).await;
    let e = t
        .app
        .store
        .email_by_key("c1@example.fr")
        .await
        .unwrap()
        .unwrap();
    let r = t
        .req(
            Method::GET,
            &format!("/api/v2/tickets/{case}/emails/{}/original", e.id),
            &t.admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
        "{h:?}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    // A quarantined original too.
    let raw = "From: x@example.fr\r\nTo: nobody@guichet.test\r\nSubject: s\r\n\r\n<script>alert(1)</script>\r\n";
    let q = match t
        .app
        .ingest_email(Delivery {
            raw: raw.as_bytes(),
            mailbox_id: None,
            rcpt: Some("nobody@guichet.test"),
            mail_from: None,
            source: Source::Lmtp,
        })
        .await
        .unwrap()
    {
        Ingested::Quarantined { id, .. } => id,
        other => panic!("{other:?}"),
    };
    let r = t
        .req(
            Method::GET,
            &format!("/api/v2/quarantine/{q}/raw"),
            &t.admin,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
}

// ---------- finding 23: links never from the Host header ----------

#[tokio::test]
async fn links_use_the_configured_public_url_or_the_bound_address_never_the_host_header() {
    let t = spawn_app().await;
    for i in 0..2 {
        t.new_ticket(&t.admin.clone(), &format!("Lien {i}"), "jo@example.fr")
            .await;
    }
    let r = t
        .req(Method::GET, "/api/v2/tickets.json?per_page=1", &t.admin)
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    let (s, b) = body_of(r).await;
    assert_eq!(s, 200, "{b}");
    let next = b["next_page"].as_str().expect("next_page");
    assert!(next.starts_with(&t.base), "{next}");
    assert!(!b.to_string().contains("evil.example"), "{b}");
    let r = t
        .req(Method::POST, "/api/v2/tickets.json", &t.admin)
        .header("host", "evil.example")
        .json(&json!({"ticket": {"subject": "x", "comment": {"body": "y"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(&t.base), "{loc}");
    let (_, b) = body_of(r).await;
    assert!(
        b["ticket"]["url"].as_str().unwrap().starts_with(&t.base),
        "{b}"
    );

    let t = spawn_app_full(
        web::WebConfig {
            max_body_bytes: 64 * 1024,
            rate_limit_per_minute: 100_000,
        },
        app::AppConfig {
            public_url: Some("https://support.example.com".into()),
            ..Default::default()
        },
    )
    .await;
    let b = t
        .new_ticket(&t.admin.clone(), "Public", "jo@example.fr")
        .await;
    assert!(
        b["url"]
            .as_str()
            .unwrap()
            .starts_with("https://support.example.com/api/v2/tickets/"),
        "{b}"
    );
}
