//! Acknowledged writes survive `kill -9`: the real binary is killed during a burst of
//! creates and every case answered with 201 must be there, intact, after a restart.

use crate::*;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(db: &str, dir: &std::path::Path, port: u16) -> Child {
    start_with(db, dir, port, &[]).await
}

async fn start_with(db: &str, dir: &std::path::Path, port: u16, envs: &[(&str, &str)]) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_guichet"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            db,
            "--data-dir",
        ])
        .arg(dir)
        .env("GUICHET_ADMIN_EMAIL", "kill@guichet.test")
        .env("GUICHET_ADMIN_PASSWORD", "kill-password-123")
        .env("GUICHET_LOG", "warn")
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .spawn()
        .expect("start guichet");
    let http = reqwest::Client::new();
    let t0 = Instant::now();
    while !http
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .send()
        .await
        .map(|r| r.status().is_success())
        .unwrap_or(false)
    {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_case_survives_sigkill() {
    let test_db = fresh_database().await;
    let db = test_db.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = start(&db, dir.path(), port).await;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let acked = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::<(i64, String)>::new()));
    let mut tasks = Vec::new();
    for w in 0..8 {
        let (http, base, acked) = (http.clone(), base.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let subject = format!("Rafale {w}-{i}");
                let body = serde_json::json!({"ticket": {"subject": subject, "comment": {"body": format!("corps {w}-{i}")}}});
                match http.post(format!("{base}/api/v2/tickets.json")).basic_auth("kill@guichet.test", Some("kill-password-123")).json(&body).send().await {
                    Ok(r) if r.status() == 201 => {
                        let v: serde_json::Value = match r.json().await { Ok(v) => v, Err(_) => break };
                        acked.lock().await.push((v["ticket"]["id"].as_i64().unwrap(), subject));
                    }
                    _ => break,
                }
            }
        }));
    }
    // Let the burst run, then kill without warning.
    let t0 = Instant::now();
    while acked.lock().await.len() < 40 && t0.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().await.unwrap(); // SIGKILL
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().await.clone();
    assert!(
        acked.len() >= 40,
        "the burst ran ({} acknowledged)",
        acked.len()
    );
    let port2 = free_port();
    let mut child = start(&db, dir.path(), port2).await;
    let base = format!("http://127.0.0.1:{port2}");
    for (id, subject) in &acked {
        let r = http
            .get(format!("{base}/api/v2/tickets/{id}.json"))
            .basic_auth("kill@guichet.test", Some("kill-password-123"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "case {id} acknowledged but lost");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["ticket"]["subject"], subject.as_str());
        let c: serde_json::Value = http
            .get(format!("{base}/api/v2/tickets/{id}/comments.json"))
            .basic_auth("kill@guichet.test", Some("kill-password-123"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(c["count"], 1, "case {id} has its first message");
    }
    child.kill().await.unwrap();
    drop(test_db);
}

async fn ticket_count(http: &reqwest::Client, base: &str) -> i64 {
    let v: serde_json::Value = http
        .get(format!("{base}/api/v2/search/count.json?query=type:ticket"))
        .basic_auth("kill@guichet.test", Some("kill-password-123"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["count"].as_i64().unwrap()
}

/// C1 / issue 4: the real binary polls a Dovecot mailbox and is killed with SIGKILL in the
/// middle of the batch; after a restart every message is in exactly one case.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn imap_batch_survives_sigkill() {
    const N: usize = 400;
    let test_db = fresh_database().await;
    let db = test_db.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let user = format!(
        "kill{}x{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let msgs: Vec<Vec<u8>> = (0..N)
        .map(|i| format!("From: k{i}@example.fr\r\nTo: support@guichet.test\r\nSubject: Panne {i}\r\nMessage-ID: <kill-{i}@example.fr>\r\n\r\nBonjour, panne {i}.\r\n").into_bytes())
        .collect();
    crate::mail::imap_append(&user, &msgs).await;
    let envs = [("GUICHET_MAIL_DOMAIN", "guichet.test")];
    let port = free_port();
    let mut child = start_with(&db, dir.path(), port, &envs).await;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let imap = crate::mail::env_var("GUICHET_TEST_IMAP");
    let (host, iport) = imap.rsplit_once(':').unwrap();
    let body = serde_json::json!({"mailbox": {"address": "support@guichet.test", "name": "Support",
        "imap": {"host": host, "port": iport.parse::<i64>().unwrap(), "security": "none",
                 "user": user, "password": "secret", "poll_seconds": 5}}});
    let r = http
        .post(format!("{base}/api/v2/mailboxes"))
        .basic_auth("kill@guichet.test", Some("kill-password-123"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    // Kill once the batch is under way, well before its end.
    let t0 = Instant::now();
    let mut seen = 0;
    while seen < 20 {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the poll never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
        seen = ticket_count(&http, &base).await;
    }
    child.kill().await.unwrap(); // SIGKILL
    assert!(
        (seen as usize) < N,
        "killed in the middle of the batch ({seen} of {N} done)"
    );
    let port2 = free_port();
    let mut child = start_with(&db, dir.path(), port2, &envs).await;
    let base = format!("http://127.0.0.1:{port2}");
    let t0 = Instant::now();
    loop {
        let n = ticket_count(&http, &base).await;
        assert!(n as usize <= N, "{n} cases for {N} messages: duplicates");
        if n as usize == N {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "only {n} of {N} after the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The stored position follows the last chunk's cases (marked seen, then remembered): a
    // crash between the two re-reads at most one chunk, a no-op by Message-ID. Wait for it.
    loop {
        let v: serde_json::Value = http
            .get(format!("{base}/api/v2/mailboxes"))
            .basic_auth("kill@guichet.test", Some("kill-password-123"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if v["mailboxes"][0]["imap"]["last_uid"].as_i64() == Some(N as i64) {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the mailbox position stays at {}",
            v["mailboxes"][0]["imap"]["last_uid"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().await.unwrap();
    // Every message is in exactly one case: one email row per Message-ID, distinct cases.
    let store = store::Store::connect(&db, &store::StoreOptions::default())
        .await
        .unwrap();
    let mut cases = std::collections::HashSet::new();
    for i in 0..N {
        let e = store
            .email_by_key(&format!("kill-{i}@example.fr"))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("message {i} lost"));
        assert!(cases.insert(e.case_id), "message {i} shares a case");
    }
    let mb = store.mailboxes().await.unwrap();
    assert_eq!(mb[0].imap_last_uid, N as i64);
    drop(test_db);
}

/// Many concurrent write transactions, some committed, some rolled back, some dropped
/// half-way (an early return): exactly the committed ones remain. On SQLite this drives the
/// group commit (savepoints inside shared physical transactions).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_transactions_keep_exactly_what_was_committed() {
    let db = fresh_database().await;
    let store = store::Store::connect(&db.url, &store::StoreOptions::default())
        .await
        .unwrap();
    store.migrate(0).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..96 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            tx.insert_category(None, &format!("c{i}"), 0).await.unwrap();
            tokio::task::yield_now().await;
            match i % 4 {
                0 => drop(tx),
                1 => tx.rollback().await.unwrap(),
                _ => tx.commit().await.unwrap(),
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // A transaction after the burst sees a clean writer.
    let mut tx = store.begin().await.unwrap();
    tx.insert_category(None, "after", 0).await.unwrap();
    tx.commit().await.unwrap();
    let mut got: Vec<String> = store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    got.sort();
    let mut want: Vec<String> = (0..96)
        .filter(|i| i % 4 >= 2)
        .map(|i| format!("c{i}"))
        .chain(["after".to_string()])
        .collect();
    want.sort();
    assert_eq!(got, want);
    store.close().await;
}
