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
