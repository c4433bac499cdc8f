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

async fn messages(t: &TestApp, case: i64) -> Vec<app::model::Message> {
    t.app
        .case_messages(
            &admin_actor(t),
            case,
            app::model::Page {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0
}

async fn outbox_kinds(t: &TestApp, case: i64) -> Vec<String> {
    t.store
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
    let before = t.store.case_total().await.unwrap();
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
    assert_eq!(t.store.case_total().await.unwrap(), before);
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
    // A path segment with a NUL names nothing (PostgreSQL refused it: 503).
    let (s, b) = t
        .admin(Method::DELETE, "/api/v2/uploads/abc%00def", None)
        .await;
    assert_eq!(s, 404, "{b}");

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
    let before = t.store.case_total().await.unwrap();
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
    assert_eq!(t.store.case_total().await.unwrap(), before);
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

// ---------- finding 4: password hashing cannot exhaust memory ----------

use crate::faults::{free_port, rss_kib as vm_rss_kib};

/// A client whose connections come from `ip` (any 127/8 address reaches the loopback).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// The real binary, flooded three times by 128 concurrent wrong sign-ins from 128 addresses
/// (so no per-address throttle absorbs them): resident memory stays bounded and the real
/// user, from another address, signs in meanwhile. Before the fix 128 attempts took the
/// server from 270 MB to 5.5 GB and a real sign-in to 8 s. Figures in BENCHMARKS.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn password_flood_keeps_memory_bounded_and_the_real_user_signs_in() {
    let test_db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_guichet"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            &test_db.url,
            "--data-dir",
        ])
        .arg(dir.path())
        .env("GUICHET_ADMIN_EMAIL", "flood@guichet.test")
        .env("GUICHET_ADMIN_PASSWORD", "flood-password-123")
        .env("GUICHET_LOG", "error")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start guichet");
    let pid = child.id().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let t0 = std::time::Instant::now();
    while !reqwest::get(format!("{base}/readyz"))
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(t0.elapsed().as_secs() < 30, "server did not start");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let idle = vm_rss_kib(pid);
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(idle));
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(vm_rss_kib(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        })
    };
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    let mut real_ms = Vec::new();
    for round in 0..3u32 {
        let mut tasks = Vec::new();
        for i in 0..128u32 {
            let base = base.clone();
            tasks.push(tokio::spawn(async move {
                let c = client_from(&format!("127.0.{}.{}", 10 + round, 2 + i));
                c.get(format!("{base}/api/v2/tickets.json"))
                    .basic_auth(format!("nobody{i}@example.fr"), Some("wrong-password-1"))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            }));
        }
        // The real user signs in during the flood (retrying after a 429 as told).
        let real = client_from("127.0.0.2");
        let start = std::time::Instant::now();
        loop {
            let r = real
                .get(format!("{base}/api/v2/tickets.json"))
                .basic_auth("flood@guichet.test", Some("flood-password-123"))
                .send()
                .await
                .unwrap();
            if r.status() == 200 {
                break;
            }
            assert_eq!(r.status(), 429, "round {round}");
            let wait: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(wait <= 2, "a full queue asks for a short wait, got {wait}");
            assert!(start.elapsed().as_secs() < 20, "the real user never got in");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        real_ms.push(start.elapsed().as_millis());
        for t in tasks {
            *statuses.entry(t.await.unwrap()).or_default() += 1;
        }
    }
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    sampler.await.unwrap();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    let after = vm_rss_kib(pid);
    println!(
        "password flood: RSS idle {} MB, peak {} MB, after {} MB; answers {statuses:?}; real sign-in {real_ms:?} ms",
        idle / 1024,
        peak / 1024,
        after / 1024
    );
    assert!(peak < 400 * 1024, "peak RSS {} MB", peak / 1024);
    // Wrong passwords are refused (401) or turned away at once (429); never a 5xx.
    assert!(
        statuses.keys().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        statuses.contains_key(&429),
        "the queue bound answered 429: {statuses:?}"
    );
    child.kill().await.unwrap();
    drop(test_db);
}

// ---------- finding 18: lock-outs ----------

#[tokio::test]
async fn a_stranger_cannot_lock_out_the_admin_and_one_address_cannot_spray_accounts() {
    let t = spawn_app().await;
    let stranger = client_from("127.0.0.3");
    let call = |c: &reqwest::Client, user: &str, pw: &str| {
        c.get(format!("{}/api/v2/users/me.json", t.base))
            .basic_auth(user, Some(pw))
            .send()
    };
    for _ in 0..12 {
        let s = call(&stranger, "admin@guichet.test", "wrong-password-9")
            .await
            .unwrap()
            .status();
        assert!(s == 401 || s == 429 || s == 200, "{s}");
    }
    // The stranger's address is locked for this account …
    let r = call(&stranger, "admin@guichet.test", "admin-password-1")
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // … the admin, from their own address, is not.
    let admin = client_from("127.0.0.4");
    let r = call(&admin, "admin@guichet.test", "admin-password-1")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, b) = body_of(r).await;
    assert_eq!(b["user"]["email"], "admin@guichet.test", "{b}");

    // Spraying: one address, a different account each time, is stopped after 30 failures.
    let sprayer = client_from("127.0.0.5");
    let mut first_429 = None;
    for i in 0..40 {
        let s = call(&sprayer, &format!("user{i}@example.fr"), "Password123!")
            .await
            .unwrap()
            .status();
        if s == 429 && first_429.is_none() {
            first_429 = Some(i);
        }
    }
    assert_eq!(first_429, Some(30), "per-address failures");
    // Another address still gets in.
    let r = call(
        &client_from("127.0.0.6"),
        "admin@guichet.test",
        "admin-password-1",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
}

// ---------- finding 10: rate limit keys ----------

#[tokio::test]
async fn rate_limit_counts_the_caller_not_the_spelling_of_its_header_and_limits_junk_by_address() {
    let t = spawn_app_with(web::WebConfig {
        max_body_bytes: 64 * 1024,
        rate_limit_per_minute: 6,
    })
    .await;
    // One admin call (made from the test's own address) to create another user.
    let (agent, _) = t.user_with_role(Role::Agent, "rl-agent@guichet.test").await;
    let (user, token) = t.admin.clone();
    let email = user.trim_end_matches("/token").to_string();
    let url = format!("{}/api/v2/users/me.json", t.base);
    let c = client_from("127.0.0.7");
    let b64 = |s: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(s)
    };
    // Five more spellings of the same credentials: the rest of the one budget of 6.
    let spellings = [
        format!("Basic {}", b64(&format!("{email}/token:{token}"))),
        format!("Basic  {}", b64(&format!("{email}/token:{token}"))),
        format!(
            "Basic {}",
            b64(&format!("{}/token:{token}", email.to_uppercase()))
        ),
        format!("Bearer {token}"),
        format!("Basic {}", b64(&format!(" {email}/token:{token}"))),
    ];
    for (i, h) in spellings.iter().enumerate() {
        let r = c.get(&url).header("authorization", h).send().await.unwrap();
        assert_eq!(r.status(), 200, "spelling {i}: {h}");
        let (_, b) = body_of(r).await;
        assert_eq!(
            b["user"]["id"], t.admin_id,
            "spelling {i} is the admin: {b}"
        );
    }
    let r = c
        .get(&url)
        .header("authorization", format!("Bearer {token}   "))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "a seventh spelling gets no new budget");
    assert!(r.headers().contains_key("retry-after"));
    // The budget refills continuously (no minute boundary): the next token is ~10 s away.
    let reset: u64 = r.headers()["ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&reset), "{reset}");

    // Junk headers and anonymous calls count against the address.
    let junk = client_from("127.0.0.8");
    let mut codes = Vec::new();
    for i in 0..7 {
        let r = junk
            .get(&url)
            .header("authorization", format!("Junk {i}"))
            .send()
            .await
            .unwrap();
        codes.push(r.status().as_u16());
    }
    assert_eq!(codes, [200, 200, 200, 200, 200, 200, 429], "{codes:?}");
    // Another user on that address has their own budget.
    let r = junk
        .get(&url)
        .basic_auth(&agent.0, Some(&agent.1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

// ---------- finding 11: tag count ----------

#[tokio::test]
async fn a_case_takes_at_most_100_tags_with_a_422_naming_the_field() {
    let t = spawn_app_with(web::WebConfig {
        max_body_bytes: 1024 * 1024,
        rate_limit_per_minute: 100_000,
    })
    .await;
    let tags = |n: usize, from: usize| {
        (from..from + n)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
    };
    let create = |tags: Vec<String>| json!({"ticket": {"subject": "Tags", "comment": {"body": "x"}, "tags": tags}});
    let before = t.store.case_total().await.unwrap();
    let started = std::time::Instant::now();
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(create(tags(60_000, 0))),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["details"]["tags"][0]["field"], "ticket.tags", "{b}");
    assert!(started.elapsed().as_secs() < 5, "refused at once");
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(create(tags(101, 0))),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(t.store.case_total().await.unwrap(), before);
    let (s, b) = t
        .admin(
            Method::POST,
            "/api/v2/tickets.json",
            Some(create(tags(100, 0))),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let id = b["ticket"]["id"].as_i64().unwrap();
    assert_eq!(b["ticket"]["tags"].as_array().unwrap().len(), 100);
    // Adding to a full case is refused too, naming the field; removing one makes room.
    let (s, b) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"additional_tags": ["extra"]}})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["details"]["tags"][0]["field"], "ticket.tags", "{b}");
    assert_eq!(b["details"]["tags"][0]["code"], "too-many", "{b}");
    let (s, b) = t
        .admin(
            Method::PUT,
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"additional_tags": ["extra"], "remove_tags": ["t0"]}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

// ---------- finding 12: template memory bombs ----------

#[tokio::test]
async fn templates_that_would_grow_without_bound_are_refused_on_save() {
    let t = spawn_app().await;
    let doubling = format!(
        "{{% set s = body %}}{}{{{{ s }}}}",
        "{% set s = s ~ s %}".repeat(40)
    );
    let looped = format!(
        "{{% for i in range(5000) %}}{}{{% endfor %}}",
        "x".repeat(1000)
    );
    for (bomb, why) in [
        (doubling.as_str(), "not allowed"),
        ("{{ body * 100000000 }}", "not allowed"),
        (
            "{{ body|replace('', body)|replace('', body) }}",
            "not allowed",
        ),
        (looped.as_str(), "longer than"),
    ] {
        let (s, b) = t
            .admin(
                Method::PUT,
                "/api/v2/email_templates/reply/fr",
                Some(json!({"email_template": {"subject": "Re: {{ subject }}", "body": bomb}})),
            )
            .await;
        assert_eq!(s, 422, "{bomb}: {b}");
        assert_eq!(
            b["details"]["body"][0]["field"], "email_template.body",
            "{b}"
        );
        assert!(b.to_string().contains(why), "{b}");
    }
    let (s, b) = t
        .admin(
            Method::PUT,
            "/api/v2/email_templates/reply/fr",
            Some(json!({"email_template": {"subject": "Re: {{ subject }}", "body": "{{ body|trim }}\n-- {{ agent_name }}"}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // Canned answers go through the same checks (the pages call this use case).
    let admin = t.actor(t.admin_id, Role::Admin);
    for bomb in [doubling.as_str(), looped.as_str()] {
        let bomb = bomb.replace("body", "customer_name");
        match t
            .app
            .save_canned(&admin, None, "bombe", "Bombe", &bomb)
            .await
        {
            Err(app::AppError::Invalid(e)) => {
                assert_eq!(e[0].field, "body");
                assert_eq!(e[0].code, "template");
            }
            other => panic!("{other:?}"),
        }
    }
}

// ---------- finding 15: upload quotas ----------

#[tokio::test]
async fn uploads_are_held_to_an_hourly_quota_per_user_with_a_429() {
    let t = spawn_app_full(
        web::WebConfig {
            max_body_bytes: 64 * 1024,
            rate_limit_per_minute: 100_000,
        },
        app::AppConfig {
            max_attachment_bytes: ATTACHMENT_LIMIT,
            upload_quota_customer: 500 * 1024,
            upload_quota_staff: 2 * 1024 * 1024,
            ..Default::default()
        },
    )
    .await;
    let (customer, _) = t.user_with_role(Role::EndUser, "quota@example.fr").await;
    let (agent, _) = t
        .user_with_role(Role::Agent, "quota-agent@guichet.test")
        .await;
    let file = vec![7u8; 200 * 1024];
    let up = |who: (String, String), n: u8| {
        let mut data = file.clone();
        data[0] = n; // distinct files
        t.req(Method::POST, "/api/v2/uploads.json?filename=f.bin", &who)
            .header("content-type", "application/octet-stream")
            .body(data)
            .send()
    };
    for n in 0..2 {
        assert_eq!(up(customer.clone(), n).await.unwrap().status(), 201);
    }
    let r = up(customer.clone(), 2).await.unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3500..=3600).contains(&retry), "{retry}");
    let (_, b) = body_of(r).await;
    assert_eq!(b["details"]["file"][0]["code"], "quota", "{b}");
    assert_eq!(b["details"]["file"][0]["field"], "file", "{b}");
    // Staff have a larger quota; each user has their own.
    for n in 0..5 {
        assert_eq!(
            up(agent.clone(), n).await.unwrap().status(),
            201,
            "agent upload {n}"
        );
    }
    // An hour later there is room again.
    t.clock.advance(jiff::SignedDuration::from_mins(61));
    assert_eq!(up(customer.clone(), 3).await.unwrap().status(), 201);
}
