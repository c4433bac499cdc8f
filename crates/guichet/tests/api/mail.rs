//! The email channel against its corpus and against real mail servers: the 43-message
//! corpus of `crates/mail/tests/corpus` through `ingest_email`; a real LMTP client (swaks)
//! delivering to the listener; Dovecot polled over IMAP (with a crash in the middle of a
//! batch); agent replies and acknowledgements sent through the outbox to a real SMTP
//! server (aiosmtpd), with a temporary failure retried. The servers come from
//! `scripts/mail-servers.sh`; a missing server fails the test.

use crate::{ATTACHMENT_LIMIT, TestApp, spawn_app_full};
use app::email::{Delivery, Ingested, MailConfig, Source};
use domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::path::PathBuf;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../mail/tests/corpus");

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
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await
}

pub(crate) fn env_var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: start the mail servers with scripts/mail-servers.sh start and eval its env")
    })
}

/// Teams Support and Billing with a mailbox each; returns (support team, support mailbox).
async fn setup_mailboxes(t: &TestApp, imap_user: Option<&str>) -> (i64, i64) {
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/groups.json",
            Some(json!({"group": {"name": "Support"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let support = b["group"]["id"].as_i64().unwrap();
    let (_, b) = t
        .admin(
            Method::POST,
            "/api/v2/groups.json",
            Some(json!({"group": {"name": "Billing"}})),
        )
        .await;
    let billing = b["group"]["id"].as_i64().unwrap();
    let imap = imap_user.map(|u| {
        let addr = env_var("GUICHET_TEST_IMAP");
        let (host, port) = addr.rsplit_once(':').unwrap();
        json!({"host": host, "port": port.parse::<i64>().unwrap(), "security": "none",
               "user": u, "password": "secret", "poll_seconds": 5})
    });
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/mailboxes",
            Some(
                json!({"mailbox": {"address": "support@guichet.test", "name": "Service client",
                "group_id": support, "locale": "fr", "imap": imap}}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert!(
        b["mailbox"].to_string().find("secret").is_none(),
        "password is write-only: {b}"
    );
    let mailbox = b["mailbox"]["id"].as_i64().unwrap();
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/mailboxes",
            Some(
                json!({"mailbox": {"address": "factures@guichet.test", "name": "Facturation",
                "group_id": billing}}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    (support, mailbox)
}

fn admin_actor(t: &TestApp) -> app::Actor {
    app::Actor {
        user_id: t.admin_id,
        role: Role::Admin,
        name: "Ada".into(),
    }
}

#[tokio::test]
async fn corpus_messages_land_where_expected() {
    let t = mail_app().await;
    setup_mailboxes(&t, None).await;
    let (_, marie) = t
        .user_with_role(Role::Agent, "marie.lefevre@guichet-staff.fr")
        .await;
    let expected: toml::Value =
        toml::from_str(&std::fs::read_to_string(format!("{CORPUS}/expected.toml")).unwrap())
            .unwrap();
    let admin = admin_actor(&t);
    let messages = expected["message"].as_array().unwrap();
    assert!(messages.len() >= 30);
    for m in messages {
        let file = m["file"].as_str().unwrap();
        let raw = std::fs::read(format!("{CORPUS}/{file}")).unwrap();
        let rcpt = m
            .get("rcpt")
            .and_then(|r| r.as_str())
            .unwrap_or("support@guichet.test");
        let got = t
            .app
            .ingest_email(Delivery {
                raw: &raw,
                mailbox_id: None,
                rcpt: Some(rcpt),
                mail_from: None,
                source: Source::Lmtp,
            })
            .await
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let outcome = m["outcome"].as_str().unwrap();
        let case = m.get("case").and_then(|c| c.as_integer());
        match (outcome, &got) {
            ("new", Ingested::Created { case_id }) => assert_eq!(Some(*case_id), case, "{file}"),
            ("append", Ingested::Appended { case_id }) => {
                assert_eq!(Some(*case_id), case, "{file}")
            }
            ("duplicate", Ingested::Duplicate { .. }) => continue,
            ("quarantine", Ingested::Quarantined { reason, .. }) => {
                assert_eq!(Some(reason.as_str()), m["reason"].as_str(), "{file}");
                continue;
            }
            _ => panic!("{file}: expected {outcome} {case:?}, got {got:?}"),
        }
        // Where it landed: the email row, its message, its attachments.
        let parsed = mail::parse(&raw, &mail::Limits::default()).unwrap();
        let e = t
            .store
            .email_by_key(&parsed.message_id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{file}: no email row"));
        assert_eq!(Some(e.case_id), case, "{file}");
        if let Some(f) = m.get("from").and_then(|v| v.as_str()) {
            assert_eq!(e.from_addr, f, "{file}");
        }
        if let Some(s) = m.get("subject").and_then(|v| v.as_str()) {
            assert_eq!(e.subject, s, "{file}");
        }
        if let Some(a) = m.get("auto").and_then(|v| v.as_str()) {
            assert_eq!(e.auto_kind, a, "{file}");
        }
        let (msgs, _) = t
            .app
            .case_messages(
                &admin,
                e.case_id,
                app::model::Page {
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let msg = msgs
            .iter()
            .find(|x| Some(x.id) == e.message_id)
            .unwrap_or_else(|| panic!("{file}: message not on the case"));
        assert_eq!(msg.automatic, e.auto_kind != "none", "{file}");
        match m.get("author").and_then(|v| v.as_str()) {
            Some("agent") => assert_eq!(msg.author_id, marie, "{file}"),
            Some(_) => assert_ne!(msg.author_id, marie, "{file}"),
            None => {}
        }
        for s in m
            .get("text_contains")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let s = s.as_str().unwrap();
            assert!(
                e.full_text.contains(s),
                "{file}: text lacks {s:?}: {}",
                e.full_text
            );
        }
        for s in m
            .get("display_contains")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let s = s.as_str().unwrap();
            assert!(
                msg.body.contains(s),
                "{file}: display lacks {s:?}: {}",
                msg.body
            );
        }
        for s in m
            .get("display_excludes")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let s = s.as_str().unwrap();
            assert!(
                !msg.body.contains(s),
                "{file}: display keeps {s:?}: {}",
                msg.body
            );
        }
        for s in m
            .get("html_excludes")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            let s = s.as_str().unwrap();
            let h = e.html.as_deref().unwrap_or("");
            assert!(!h.contains(s), "{file}: sanitised HTML keeps {s:?}: {h}");
        }
        if let Some(list) = m.get("attachments").and_then(|v| v.as_array()) {
            let got = t.store.attachments_of(&[msg.id]).await.unwrap();
            assert_eq!(got.len(), list.len(), "{file}: {got:?}");
            for want in list {
                let name = want["name"].as_str().unwrap();
                let a = got
                    .iter()
                    .find(|a| a.file_name == name)
                    .unwrap_or_else(|| panic!("{file}: no attachment {name:?} in {got:?}"));
                if let Some(size) = want.get("size").and_then(|v| v.as_integer()) {
                    assert_eq!(a.size, size, "{file}: {name}");
                }
            }
        }
        if let Some(b) = m.get("bounce_recipient").and_then(|v| v.as_str()) {
            let u = t.store.user_by_identity("email", b).await.unwrap().unwrap();
            let ids = t.store.identities(u.id).await.unwrap();
            assert!(
                ids.iter().any(|i| i.value == b && i.failing),
                "{file}: {b} not failing"
            );
        }
    }
    // Nothing lost: every quarantined message is listed with its original.
    let q = t.app.list_quarantine(&admin, false, 0, 100).await.unwrap();
    let n_quarantine = messages
        .iter()
        .filter(|m| m["outcome"].as_str() == Some("quarantine"))
        .count();
    assert_eq!(q.len(), n_quarantine);
    let (_, raw) = t.app.quarantined(&admin, q[0].id).await.unwrap();
    assert!(!raw.is_empty());
    // Automatic mail is never answered: acknowledgements went only to human senders.
    let acks = t.store.outbox_list(None, 0, 1000).await.unwrap();
    for a in acks.iter().filter(|o| o.kind == "ack") {
        let raw = String::from_utf8_lossy(&a.raw).to_string();
        assert!(raw.contains("Auto-Submitted: auto-replied"), "{raw}");
        assert!(
            !a.recipient.contains("newsletter") && !a.recipient.contains("mailer-daemon"),
            "{}",
            a.recipient
        );
    }
    assert!(
        acks.iter()
            .any(|o| o.kind == "ack" && o.recipient == "alice.martin@example.fr")
    );
}

#[tokio::test]
async fn quarantined_message_is_reprocessed_after_the_mailbox_exists() {
    let t = mail_app().await;
    setup_mailboxes(&t, None).await;
    let raw = b"From: Jo <jo@example.fr>\r\nTo: ventes@guichet.test\r\nSubject: Devis\r\nMessage-ID: <devis-1@example.fr>\r\n\r\nBonjour, un devis svp.\r\n";
    let r = t
        .app
        .ingest_email(Delivery {
            raw,
            mailbox_id: None,
            rcpt: Some("ventes@guichet.test"),
            mail_from: None,
            source: Source::Lmtp,
        })
        .await
        .unwrap();
    let Ingested::Quarantined { id, reason } = r else {
        panic!("{r:?}")
    };
    assert_eq!(reason, "unknown-recipient");
    let (s, b) = t.admin(Method::GET, "/api/v2/quarantine", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["quarantine"][0]["reason"], "unknown-recipient");
    // An agent may not see the quarantine.
    let (agent, _) = t.user_with_role(Role::Agent, "a@guichet-staff.fr").await;
    let (s, _) = t
        .call(Method::GET, "/api/v2/quarantine", &agent, None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/mailboxes",
            Some(json!({"mailbox": {"address": "ventes@guichet.test", "name": "Ventes"}})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = t
        .admin(
            Method::POST,
            &format!("/api/v2/quarantine/{id}/reprocess"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["result"]["outcome"], "created", "{b}");
    let case = b["result"]["ticket_id"].as_i64().unwrap();
    let (_, b) = t
        .admin(Method::GET, &format!("/api/v2/tickets/{case}.json"), None)
        .await;
    assert_eq!(b["ticket"]["via"]["channel"], "email", "{b}");
    // Bad input names the field.
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/mailboxes",
            Some(json!({"mailbox": {"address": "pas une adresse", "name": ""}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b.to_string().contains("mailbox.address") && b.to_string().contains("mailbox.name"),
        "{b}"
    );
    let (s, b) = t
        .admin(
            Method::PUT,
            "/api/v2/email_templates/ack/fr",
            Some(json!({"email_template": {"subject": "{{ case_id }", "body": "x"}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("email_template.subject"), "{b}");
    // A variable the acknowledgement never receives is refused on save, not at send time.
    let (s, b) = t
        .admin(
            Method::PUT,
            "/api/v2/email_templates/ack/fr",
            Some(
                json!({"email_template": {"subject": "Reçu", "body": "Bonjour {{ agent_name }}"}}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("email_template.body"), "{b}");
    let (s, _) = t
        .admin(Method::DELETE, "/api/v2/email_templates/nope/fr", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b) = t
        .admin(Method::GET, "/api/v2/outbox?state=perdu", None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
}

fn sink_files(rcpt: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env_var("GUICHET_TEST_SINK_DIR")).join(rcpt.to_lowercase());
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn relay() -> mailnet::send::SmtpRelay {
    let addr = env_var("GUICHET_TEST_SMTP");
    let (host, port) = addr.rsplit_once(':').unwrap();
    mailnet::send::SmtpRelay {
        host: host.into(),
        port: port.parse().unwrap(),
        security: "none".into(),
        user: None,
        password: None,
    }
}

#[tokio::test]
async fn lmtp_delivery_then_agent_reply_reaches_the_customer_threaded_with_retry() {
    let t = mail_app().await;
    setup_mailboxes(&t, None).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(mailnet::lmtp::serve(
        t.app.clone(),
        listener,
        mailnet::lmtp::LmtpConfig::default(),
    ));
    // A customer whose first delivery attempt gets a temporary failure from the relay.
    let customer = format!(
        "tempfail-{}@example.fr",
        std::process::id() as u64 * 1000 + rand_suffix()
    );
    let out = tokio::process::Command::new("swaks")
        .args([
            "--protocol",
            "LMTP",
            "--server",
            &format!("127.0.0.1:{port}"),
            "--from",
            &customer,
            "--to",
            "support@guichet.test,ventes@other.test",
            "--header",
            "Subject: Colis abîmé",
            "--header",
            "Message-ID: <lmtp-1@example.fr>",
            "--header",
            "Authentication-Results: mx.guichet.test; dkim=pass (2048-bit key) header.d=example.fr; spf=softfail smtp.mailfrom=example.fr; dmarc=fail (p=none) header.from=example.fr",
            "--body",
            "Bonjour, mon colis est arrivé abîmé.",
        ])
        .output()
        .await
        .expect("swaks (apt install swaks)");
    let log = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(log.contains("250 2.0.0 case 1 created"), "{log}");
    assert!(log.contains("550 5.7.1 relay not permitted"), "{log}");
    // The MTA's DKIM/SPF/DMARC verdict is recorded on the email, not enforced.
    let (s, b) = t.admin(Method::GET, "/api/v2/tickets/1/emails", None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let a = &b["emails"][0]["authentication"];
    assert_eq!(
        (
            a["server"].as_str(),
            a["dkim"].as_str(),
            a["spf"].as_str(),
            a["dmarc"].as_str()
        ),
        (
            Some("mx.guichet.test"),
            Some("pass"),
            Some("softfail"),
            Some("fail")
        ),
        "{b}"
    );
    // The acknowledgement and, after an agent's reply, the reply are queued.
    let (agent, _) = t
        .user_with_role(Role::Agent, "marie@guichet-staff.fr")
        .await;
    let (s, b) = t
        .call(Method::PUT, "/api/v2/tickets/1.json", &agent,
              Some(json!({"ticket": {"comment": {"body": "Nous renvoyons un colis.", "public": true}}})))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let transport = mailnet::send::transport(&relay()).unwrap();
    let sent = mailnet::send::send_due(&t.app, &transport, 10)
        .await
        .unwrap();
    assert_eq!(
        sent,
        1,
        "the ack went through, the first attempt at the reply was refused: {:?}",
        t.store
            .outbox_of_case(1)
            .await
            .unwrap()
            .iter()
            .map(|o| (o.kind.clone(), o.last_error.clone()))
            .collect::<Vec<_>>()
    );
    let all = t.store.outbox_of_case(1).await.unwrap();
    let reply = all.iter().find(|o| o.kind == "reply").unwrap();
    let ack = all.iter().find(|o| o.kind == "ack").unwrap();
    // The sink refuses the first mail to a tempfail- address: whichever went first retries.
    let retried = if reply.state == "queued" { reply } else { ack };
    assert_eq!(retried.attempts, 1);
    assert!(retried.last_error.is_some());
    assert_eq!(
        mailnet::send::send_due(&t.app, &transport, 10)
            .await
            .unwrap(),
        0,
        "not due yet"
    );
    t.clock.advance(jiff::SignedDuration::from_secs(120));
    assert_eq!(
        mailnet::send::send_due(&t.app, &transport, 10)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        mailnet::send::send_due(&t.app, &transport, 10)
            .await
            .unwrap(),
        0,
        "no double send"
    );
    let files = sink_files(&customer);
    assert_eq!(files.len(), 2, "{files:?}");
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let reply_mail = texts
        .iter()
        .find(|x| x.contains("Nous renvoyons un colis."))
        .expect("reply");
    let parsed = mail::parse(reply_mail.as_bytes(), &mail::Limits::default()).unwrap();
    assert_eq!(
        mail::thread::case_of_id(&parsed.message_id, "guichet.test"),
        Some(1)
    );
    // It answers the customer's message, not the acknowledgement sent after it (issue 16),
    // and References carries the whole chain ending with that message.
    assert_eq!(parsed.in_reply_to, ["lmtp-1@example.fr"], "{reply_mail}");
    assert_eq!(parsed.references.len(), 2, "{:?}", parsed.references);
    assert_eq!(
        parsed.references.last().map(String::as_str),
        Some("lmtp-1@example.fr")
    );
    assert_eq!(parsed.reply_to.as_deref(), Some("support+c1@guichet.test"));
    assert!(parsed.subject.contains("[#1]"), "{}", parsed.subject);
    assert_eq!(parsed.auto, mail::AutoKind::None);
    let ack_mail = texts
        .iter()
        .find(|x| x.contains("Auto-Submitted: auto-replied"))
        .expect("ack");
    assert!(ack_mail.contains("Nous avons bien re"), "{ack_mail}");
    // The customer's answer to our reply threads back into case 1.
    let answer = format!(
        "From: {customer}\r\nTo: support+c1@guichet.test\r\nSubject: Re: {}\r\nMessage-ID: <lmtp-2@example.fr>\r\nIn-Reply-To: <{}>\r\n\r\nMerci !\r\n",
        parsed.subject, parsed.message_id
    );
    let r = t
        .app
        .ingest_email(Delivery {
            raw: answer.as_bytes(),
            mailbox_id: None,
            rcpt: Some("support+c1@guichet.test"),
            mail_from: None,
            source: Source::Lmtp,
        })
        .await
        .unwrap();
    assert_eq!(r, Ingested::Appended { case_id: 1 });
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
}

pub(crate) async fn imap_append(user: &str, messages: &[Vec<u8>]) {
    let addr = env_var("GUICHET_TEST_IMAP");
    let tcp = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("dovecot");
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap();
    let mut s = client.login(user, "secret").await.map_err(|e| e.0).unwrap();
    for m in messages {
        s.append("INBOX", None, None, m).await.unwrap();
    }
    s.logout().await.unwrap();
}

#[tokio::test]
async fn imap_poll_survives_a_crash_mid_batch_without_loss_or_duplicates() {
    let t = mail_app().await;
    let user = format!("poll{}-{}", std::process::id(), rand_suffix());
    let (_, mailbox_id) = setup_mailboxes(&t, Some(&user)).await;
    let msgs: Vec<Vec<u8>> = (0..30)
        .map(|i| format!("From: c{i}@example.fr\r\nTo: support@guichet.test\r\nSubject: Demande {i}\r\nMessage-ID: <imap-{i}@example.fr>\r\n\r\nBonjour {i}\r\n").into_bytes())
        .collect();
    imap_append(&user, &msgs).await;
    // "Crash": the first 10 were committed but the poller died before marking them and
    // before storing its position.
    for m in &msgs[..10] {
        t.app
            .ingest_email(Delivery {
                raw: m,
                mailbox_id: Some(mailbox_id),
                rcpt: None,
                mail_from: None,
                source: Source::Imap,
            })
            .await
            .unwrap();
    }
    let mb = t.store.mailbox(mailbox_id).await.unwrap().unwrap();
    assert_eq!(mb.imap_last_uid, 0);
    let opts = mailnet::imap::ImapOptions {
        batch: 500,
        ..Default::default()
    };
    let r = mailnet::imap::poll_once(&t.app, &mb.clone().into(), &opts)
        .await
        .unwrap();
    assert_eq!((r.fetched, r.created, r.duplicates), (30, 20, 10), "{r:?}");
    assert_eq!(r.last_uid, 30);
    // Every message is in exactly one case.
    for i in 0..30 {
        let e = t
            .store
            .email_by_key(&format!("imap-{i}@example.fr"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.direction, "in");
    }
    let (s, b) = t
        .admin(
            Method::GET,
            "/api/v2/search/count.json?query=type:ticket",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["count"], 30, "{b}");
    // Nothing new: the next poll fetches nothing.
    let mb = t.store.mailbox(mailbox_id).await.unwrap().unwrap();
    assert_eq!(mb.imap_last_uid, 30);
    let r = mailnet::imap::poll_once(&t.app, &mb.clone().into(), &opts)
        .await
        .unwrap();
    assert_eq!(r.fetched, 0);
    // A message over the limit is quarantined from its headers, and the rest goes on.
    let big = format!(
        "From: big@example.fr\r\nSubject: Gros\r\nMessage-ID: <big@example.fr>\r\n\r\n{}\r\n",
        "x".repeat(600 * 1024)
    );
    imap_append(&user, &[big.into_bytes(), msgs[0].clone()]).await;
    let mb = t.store.mailbox(mailbox_id).await.unwrap().unwrap();
    let opts = mailnet::imap::ImapOptions {
        max_message_bytes: 512 * 1024,
        ..opts
    };
    let r = mailnet::imap::poll_once(&t.app, &mb.clone().into(), &opts)
        .await
        .unwrap();
    assert_eq!((r.fetched, r.quarantined, r.duplicates), (2, 1, 1), "{r:?}");
    let q = t
        .app
        .list_quarantine(&admin_actor(&t), false, 0, 10)
        .await
        .unwrap();
    assert_eq!(q[0].reason, "too-large");
    assert_eq!(q[0].subject.as_deref(), Some("Gros"));
    // Only its header was kept: re-processing it would make a case of nothing.
    let (s, b) = t
        .admin(
            Method::POST,
            &format!("/api/v2/quarantine/{}/reprocess", q[0].id),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
}

/// Inputs the fuzzer (fuzz/fuzz_targets/inbound.rs) once failed on: each must now be taken
/// (a case or a quarantined copy), never an error that would leave IMAP stuck on it or
/// LMTP answering 451 for ever.
#[tokio::test]
async fn fuzz_regressions_are_taken_or_quarantined() {
    let t = mail_app().await;
    setup_mailboxes(&t, None).await;
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mail/tests/fuzz-regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let raw = std::fs::read(&path).unwrap();
        for (mailbox_id, rcpt) in [(None, Some("support@guichet.test")), (Some(1), None)] {
            let r = t
                .app
                .ingest_email(Delivery {
                    raw: &raw,
                    mailbox_id,
                    rcpt,
                    mail_from: None,
                    source: Source::Lmtp,
                })
                .await;
            assert!(r.is_ok(), "{}: {r:?}", path.display());
        }
        n += 1;
    }
    assert!(n >= 2, "the regression inputs are there ({n})");
    let q = t
        .app
        .list_quarantine(&admin_actor(&t), false, 0, 10)
        .await
        .unwrap();
    assert!(q.iter().any(|q| q.reason == "bad-sender"), "{q:?}");
}
