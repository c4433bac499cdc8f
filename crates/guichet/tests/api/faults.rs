//! Faults the real binary survives (issue 13): clients that hang up mid-request, overload,
//! a full disk, slow and idle clients, hung mail servers, PostgreSQL restarting, SIGTERM
//! with requests in flight, and a soak of mixed traffic. Each test starts `guichet serve`
//! as a separate process; the SIGKILL tests are in `durability.rs`.

use crate::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

const ADMIN: &str = "faults@guichet.test";
const PASSWORD: &str = "faults-password-123";

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Seconds the load phases run (`GUICHET_FAULT_SECS`, default 20).
fn load_secs() -> u64 {
    std::env::var("GUICHET_FAULT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub port: u16,
    pub db: String,
    pub log: PathBuf,
    /// `ADMIN/token:…` credentials.
    pub token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.log);
    }
}

impl Server {
    pub async fn start(db: &str, dir: &Path, envs: &[(&str, &str)]) -> Server {
        let port = free_port();
        let log =
            std::env::temp_dir().join(format!("guichet-faults-{}-{port}.log", std::process::id()));
        Self::start_logging_to(db, dir, envs, port, log).await
    }

    /// Start with stderr going to `log`.
    pub async fn start_logging_to(
        db: &str,
        dir: &Path,
        envs: &[(&str, &str)],
        port: u16,
        log: PathBuf,
    ) -> Server {
        let out = std::fs::File::create(&log).expect("log file");
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
            .env("GUICHET_ADMIN_EMAIL", ADMIN)
            .env("GUICHET_ADMIN_PASSWORD", PASSWORD)
            .env("GUICHET_LOG", "warn")
            .env("GUICHET_RATE_LIMIT_PER_MINUTE", "100000000")
            .envs(envs.iter().copied())
            .stdout(Stdio::null())
            .stderr(out)
            .kill_on_drop(true)
            .spawn()
            .expect("start guichet");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let t0 = Instant::now();
        while !http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false)
        {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "server did not start: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let out = Command::new(env!("CARGO_BIN_EXE_guichet"))
            .args([
                "token",
                "create",
                "--email",
                ADMIN,
                "--database-url",
                db,
                "--data-dir",
            ])
            .arg(dir)
            .env("GUICHET_LOG", "warn")
            .output()
            .await
            .expect("token create");
        assert!(out.status.success(), "token: {out:?}");
        let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
        Server {
            child,
            base,
            port,
            db: db.to_string(),
            log,
            token,
        }
    }

    pub fn auth(&self) -> String {
        use base64::Engine;
        let raw = format!("{ADMIN}/token:{}", self.token);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then wait for the process to exit (at most `within`).
    pub async fn terminate(&mut self, within: Duration) -> std::process::ExitStatus {
        let pid = self.child.id().expect("running") as i32;
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        tokio::time::timeout(within, self.child.wait())
            .await
            .expect("guichet exits after SIGTERM")
            .expect("wait")
    }
}

/// Sign in on the pages as the administrator; returns the session cookie.
async fn sign_in(s: &Server) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = browser
        .post(format!("{}/login", s.base))
        .form(&[
            ("email", ADMIN),
            ("password", PASSWORD),
            ("next", "/inbox/mine"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign-in");
    r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

fn ticket_body(subject: &str, body: &str) -> serde_json::Value {
    json!({"ticket": {"subject": subject, "comment": {"body": body}}})
}

use serde_json::json;

/// POST one case; (status, id, Retry-After present).
async fn create(
    http: &reqwest::Client,
    s: &Server,
    auth: &str,
    subject: &str,
    body: &str,
) -> Result<(u16, Option<i64>, bool), reqwest::Error> {
    let r = http
        .post(format!("{}/api/v2/tickets.json", s.base))
        .header("Authorization", auth)
        .json(&ticket_body(subject, body))
        .send()
        .await?;
    let status = r.status().as_u16();
    let retry = r.headers().contains_key("retry-after");
    let v: serde_json::Value = r.json().await.unwrap_or(serde_json::Value::Null);
    Ok((status, v["ticket"]["id"].as_i64(), retry))
}

/// Ids of the cases stored, read straight from the database.
async fn stored_case_ids(db: &str) -> HashSet<i64> {
    use sqlx::Connection;
    if db.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(db).await.expect("sqlite");
        sqlx::query_scalar::<_, i64>("SELECT id FROM cases")
            .fetch_all(&mut c)
            .await
            .unwrap()
            .into_iter()
            .collect()
    } else {
        let mut c = sqlx::PgConnection::connect(db).await.expect("postgres");
        sqlx::query_scalar::<_, i64>("SELECT id FROM cases")
            .fetch_all(&mut c)
            .await
            .unwrap()
            .into_iter()
            .collect()
    }
}

/// The log lines of a broken write path (issue 13).
fn assert_no_poisoned_state(log: &str) {
    for bad in [
        "cannot start a transaction within a transaction",
        "no such savepoint",
        "cannot commit - no transaction is active",
        "attempted to acquire a connection on a closed pool",
        "panicked",
    ] {
        assert!(!log.contains(bad), "server log has {bad:?}:\n{log}");
    }
}

/// A client that posts a case and hangs up 1–30 ms later, over and over.
async fn impatient_client(port: u16, auth: String, stop: std::sync::Arc<AtomicBool>) -> u64 {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let body = ticket_body(&format!("Impatient {n}"), "je raccroche").to_string();
        let req = format!(
            "POST /api/v2/tickets.json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let Ok(mut c) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
            continue;
        };
        if c.write_all(req.as_bytes()).await.is_err() {
            continue;
        }
        let wait = 1 + (rand::random::<u64>() % 30);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        drop(c); // hang up, answered or not
    }
    n
}

/// 8 well-behaved writers beside two clients that hang up mid-request: no well-behaved
/// request fails, every 201 is stored, and the server writes and reports ready afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_hanging_up_mid_request_do_not_break_the_write_path() {
    let test_db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&test_db.url, dir.path(), &[]).await;
    let auth = s.auth();
    let http = reqwest::Client::new();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let mut impatient = Vec::new();
    for _ in 0..2 {
        impatient.push(tokio::spawn(impatient_client(
            s.port,
            auth.clone(),
            stop.clone(),
        )));
    }
    let deadline = Instant::now() + Duration::from_secs(load_secs());
    let mut writers = Vec::new();
    for w in 0..8 {
        let (http, auth) = (http.clone(), auth.clone());
        let base = s.base.clone();
        writers.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut failures = Vec::new();
            let mut i = 0;
            while Instant::now() < deadline {
                i += 1;
                let r = http
                    .post(format!("{base}/api/v2/tickets.json"))
                    .header("Authorization", &auth)
                    .json(&ticket_body(&format!("Patient {w}-{i}"), "j’attends"))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 201 => {
                        let v: serde_json::Value = r.json().await.unwrap();
                        acked.push(v["ticket"]["id"].as_i64().unwrap());
                    }
                    Ok(r) => failures.push(format!(
                        "{} {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    )),
                    Err(e) => failures.push(e.to_string()),
                }
            }
            (acked, failures)
        }));
    }
    let mut acked = Vec::new();
    let mut failures = Vec::new();
    for w in writers {
        let (a, f) = w.await.unwrap();
        acked.extend(a);
        failures.extend(f);
    }
    stop.store(true, Ordering::Relaxed);
    let mut hung_up = 0;
    for t in impatient {
        hung_up += t.await.unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} well-behaved requests failed, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(acked.len() > 100, "the load ran ({} acked)", acked.len());
    assert!(hung_up > 50, "the impatient clients ran ({hung_up})");
    // The server still writes and says it is ready.
    let (st, id, _) = create(&http, &s, &auth, "Après la tempête", "toujours là")
        .await
        .unwrap();
    assert_eq!(st, 201);
    acked.push(id.unwrap());
    let r = http.get(format!("{}/readyz", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let stored = stored_case_ids(&s.db).await;
    let lost: Vec<_> = acked.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    assert_no_poisoned_state(&s.log_text());
    drop(s);
    drop(test_db);
}

/// Overload: with a write queue of 4 and 48 concurrent writers, writes beyond the queue are
/// shed at once with 503 + Retry-After (never another 5xx, never a hang), and every 201 is
/// stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overload_sheds_writes_with_503_and_retry_after() {
    let test_db = fresh_database().await;
    if test_db.url.starts_with("postgres") {
        // PostgreSQL has no write queue of Guichet's own: its pool bounds concurrency.
        eprintln!("write queue shedding is SQLite's; PostgreSQL covered by the pool");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&test_db.url, dir.path(), &[("GUICHET_WRITE_QUEUE", "4")]).await;
    let auth = s.auth();
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for w in 0..48 {
        let (http, auth) = (http.clone(), auth.clone());
        let base = s.base.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for i in 0..15 {
                let r = http
                    .post(format!("{base}/api/v2/tickets.json"))
                    .header("Authorization", &auth)
                    .json(&ticket_body(
                        &format!("Charge {w}-{i}"),
                        "beaucoup de monde",
                    ))
                    .send()
                    .await
                    .unwrap();
                let st = r.status().as_u16();
                let retry = r.headers().get("retry-after").cloned();
                let v: serde_json::Value = r.json().await.unwrap_or_default();
                out.push((st, v["ticket"]["id"].as_i64(), retry, v["error"].clone()));
            }
            out
        }));
    }
    let mut acked = Vec::new();
    let mut shed = 0;
    for t in tasks {
        for (st, id, retry, err) in t.await.unwrap() {
            match st {
                201 => acked.push(id.unwrap()),
                503 => {
                    shed += 1;
                    assert!(retry.is_some(), "503 without Retry-After");
                    assert_eq!(err, "Overloaded");
                }
                other => panic!("unexpected status {other}: {err}"),
            }
        }
    }
    assert!(shed > 0, "nothing was shed with a queue of 4");
    assert!(!acked.is_empty());
    let stored = stored_case_ids(&s.db).await;
    assert!(acked.iter().all(|id| stored.contains(id)));
    let r: serde_json::Value = http
        .get(format!("{}/readyz", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["write_queue"]["capacity"], 4, "{r}");
    assert_no_poisoned_state(&s.log_text());
    drop(test_db);
}

/// A tmpfs mounted on `dir` (removed on drop).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        let st = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount");
        assert!(
            st.success(),
            "mounting a tmpfs failed: the disk-full test needs root (CI runs as root)"
        );
        Tmpfs(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Fill the file system holding `dir` with one file, to the last block.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let p = dir.join("filler");
    let mut f = std::fs::File::create(&p).unwrap();
    let big = vec![0u8; 256 * 1024];
    while f.write_all(&big).is_ok() {}
    let small = vec![0u8; 512];
    while f.write_all(&small).is_ok() {}
    let _ = f.sync_all();
    p
}

/// Disk full on SQLite: writes answer 507 with Retry-After and a clear error, reads keep
/// working, readiness says not ready; once space is freed readiness and writes come back by
/// themselves, and the database passes `PRAGMA integrity_check`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_disk_refuses_writes_keeps_reads_and_recovers_by_itself() {
    if test_db_url().is_some() {
        eprintln!("disk-full test is SQLite's own; it runs in the SQLite pass");
        return;
    }
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    let mount = Tmpfs::mount(&dir, "24m");
    let db = format!("sqlite:{}", dir.join("guichet.db").display());
    // The log is on the full disk too, as it often is: a log that cannot be written must
    // not break anything.
    let mut s = Server::start_logging_to(&db, &dir, &[], free_port(), dir.join("server.log")).await;
    let auth = s.auth();
    let http = reqwest::Client::new();
    let mut acked = Vec::new();
    for i in 0..5 {
        let (st, id, _) = create(&http, &s, &auth, &format!("Avant {i}"), "place libre")
            .await
            .unwrap();
        assert_eq!(st, 201);
        acked.push(id.unwrap());
    }
    let filler = fill(&dir);
    let big = "x".repeat(48 * 1024);
    let mut full = 0;
    for i in 0..400 {
        let r = http
            .post(format!("{}/api/v2/tickets.json", s.base))
            .header("Authorization", &auth)
            .header("Accept-Language", "fr")
            .json(&ticket_body(&format!("Plein {i}"), &big))
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            201 => {
                let v: serde_json::Value = r.json().await.unwrap();
                acked.push(v["ticket"]["id"].as_i64().unwrap());
            }
            507 => {
                assert!(r.headers().contains_key("retry-after"));
                let v: serde_json::Value = r.json().await.unwrap();
                assert_eq!(v["error"], "StorageFull", "{v}");
                assert!(
                    v["description"].as_str().unwrap().contains("disque"),
                    "translated: {v}"
                );
                full += 1;
                if full >= 3 {
                    break;
                }
            }
            other => panic!(
                "a full disk answered {other}: {}\n{}",
                r.text().await.unwrap_or_default(),
                s.log_text()
            ),
        }
    }
    assert!(full >= 3, "the disk never filled up");
    // Reads keep working; readiness says why it is not ready.
    let r = http
        .get(format!("{}/api/v2/tickets/{}.json", s.base, acked[0]))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http.get(format!("{}/readyz", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["reason"], "storage full", "{v}");
    // Free the space: readiness and writes come back without a restart.
    std::fs::remove_file(&filler).unwrap();
    let t0 = Instant::now();
    loop {
        let r = http.get(format!("{}/readyz", s.base)).send().await.unwrap();
        if r.status() == 200 {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "readiness did not come back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (st, id, _) = create(&http, &s, &auth, "Après", "de la place")
        .await
        .unwrap();
    assert_eq!(st, 201);
    acked.push(id.unwrap());
    let status = s.terminate(Duration::from_secs(30)).await;
    assert!(status.success(), "clean exit: {status:?}");
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&db).await.unwrap();
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(check, "ok");
        let _ = c.close().await;
    }
    let stored = stored_case_ids(&db).await;
    assert!(
        acked.iter().all(|id| stored.contains(id)),
        "every 201 stored"
    );
    assert_no_poisoned_state(&s.log_text());
    drop(mount);
}

/// Read what the server sends until it closes the connection or `within` passes; returns
/// (closed, bytes read).
async fn read_until_closed(c: &mut tokio::net::TcpStream, within: Duration) -> (bool, Vec<u8>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, c.read(&mut buf)).await {
            Err(_) => return (false, got),
            Ok(Ok(0)) | Ok(Err(_)) => return (true, got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Slow and idle clients: headers sent a byte at a time and a body that never completes are
/// cut off by their deadlines, connections beyond the cap are closed at once, and the server
/// keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_and_idle_clients_are_cut_off_and_the_server_stays_responsive() {
    let test_db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(
        &test_db.url,
        dir.path(),
        &[
            ("GUICHET_HEADER_TIMEOUT_SECS", "2"),
            ("GUICHET_BODY_TIMEOUT_SECS", "2"),
            ("GUICHET_MAX_HTTP_CONNECTIONS", "30"),
        ],
    )
    .await;
    let http = reqwest::Client::new();
    // Slowloris: one header byte every 300 ms never completes the request.
    let port = s.port;
    let slowloris = tokio::spawn(async move {
        let mut c = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let t0 = Instant::now();
        for b in b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa" {
            if c.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            if t0.elapsed() > Duration::from_secs(8) {
                break;
            }
        }
        let (closed, _) = read_until_closed(&mut c, Duration::from_secs(1)).await;
        (closed, t0.elapsed())
    });
    // A body announced as 10,000 bytes of which 10 arrive.
    let auth = s.auth();
    let slow_body = tokio::spawn(async move {
        let mut c = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let head = format!(
            "POST /api/v2/tickets.json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{{\"ticket\":"
        );
        c.write_all(head.as_bytes()).await.unwrap();
        let t0 = Instant::now();
        let (closed, got) = read_until_closed(&mut c, Duration::from_secs(8)).await;
        (
            closed,
            String::from_utf8_lossy(&got).to_string(),
            t0.elapsed(),
        )
    });
    let (closed, took) = slowloris.await.unwrap();
    assert!(
        closed && took < Duration::from_secs(6),
        "slowloris cut off ({closed}, {took:?})"
    );
    let (closed, answer, took) = slow_body.await.unwrap();
    assert!(
        closed && took < Duration::from_secs(6),
        "slow body cut off ({closed}, {took:?})"
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "a slow body gets a 4xx or a close, never a 5xx: {answer}"
    );
    // Idle connections up to the cap; the next one is closed at once.
    let mut idle = Vec::new();
    for _ in 0..30 {
        idle.push(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap(),
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (closed, _) = read_until_closed(&mut extra, Duration::from_secs(1)).await;
    assert!(closed, "a connection beyond the cap is closed");
    // The idle ones time out (header deadline), and the server answers again.
    let t0 = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{}/healthz", s.base)).send().await
            && r.status() == 200
        {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(8),
            "server did not come back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for mut c in idle {
        let (closed, _) = read_until_closed(&mut c, Duration::from_secs(3)).await;
        assert!(closed, "idle connection closed by the header deadline");
    }
    let (st, _, _) = create(&http, &s, &s.auth(), "Réactif", "oui")
        .await
        .unwrap();
    assert_eq!(st, 201);
    drop(test_db);
}

/// SIGTERM while a request is in flight: the listener closes, the request finishes and is
/// answered, then the process exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_finishes_the_request_in_flight_then_exits() {
    let test_db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(&test_db.url, dir.path(), &[]).await;
    // An agent's open live stream must not hold the shutdown for the whole grace period.
    let cookie = sign_in(&s).await;
    let mut live = reqwest::Client::new()
        .get(format!("{}/live", s.base))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let body = ticket_body("Arrêt en douceur", "fini avant l’arrêt").to_string();
    let mut c = tokio::net::TcpStream::connect(("127.0.0.1", s.port))
        .await
        .unwrap();
    let head = format!(
        "POST /api/v2/tickets.json HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        s.auth(),
        body.len()
    );
    // Headers and half the body, then SIGTERM, then the rest.
    c.write_all(head.as_bytes()).await.unwrap();
    c.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = s.child.id().unwrap() as i32;
    let term_at = Instant::now();
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // New connections are refused once the listener is closed.
    assert!(
        reqwest::get(format!("{}/healthz", s.base)).await.is_err(),
        "the listener closed on SIGTERM"
    );
    c.write_all(&body.as_bytes()[10..]).await.unwrap();
    let (_, got) = read_until_closed(&mut c, Duration::from_secs(10)).await;
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.starts_with("HTTP/1.1 201"),
        "in-flight request answered: {text}"
    );
    let status = tokio::time::timeout(Duration::from_secs(20), s.child.wait())
        .await
        .expect("exits")
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        term_at.elapsed() < Duration::from_secs(10),
        "the open live stream ended with the shutdown instead of holding it ({:?})",
        term_at.elapsed()
    );
    let ended = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(Some(_)) = live.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the server ended the live stream");
    let id: i64 = {
        let json_start = text.find("\r\n\r\n").unwrap() + 4;
        let v: serde_json::Value =
            serde_json::from_str(text[json_start..].trim()).unwrap_or_else(|_| {
                // chunked body: take the JSON object between the first { and the last }
                let a = text.find('{').unwrap();
                let b = text.rfind('}').unwrap();
                serde_json::from_str(&text[a..=b]).unwrap()
            });
        v["ticket"]["id"].as_i64().unwrap()
    };
    assert!(stored_case_ids(&s.db).await.contains(&id));
    drop(test_db);
}

/// A TCP server that accepts connections and never says a word.
async fn silent_server() -> (u16, tokio::task::JoinHandle<()>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let h = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((c, _)) = l.accept().await {
            held.push(c);
        }
    });
    (port, h)
}

/// A hung SMTP relay and a hung IMAP server (both accept and never answer): the outbox and
/// the poller time out, record why and retry; another mailbox keeps being polled and the API
/// keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hung_mail_servers_time_out_and_block_nothing_else() {
    let imap_addr = crate::mail::env_var("GUICHET_TEST_IMAP");
    let test_db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let (smtp_port, _smtp) = silent_server().await;
    let (imap_port, _imap) = silent_server().await;
    let smtp_port_s = smtp_port.to_string();
    let s = Server::start(
        &test_db.url,
        dir.path(),
        &[
            ("GUICHET_SMTP_HOST", "127.0.0.1"),
            ("GUICHET_SMTP_PORT", &smtp_port_s),
            ("GUICHET_SMTP_SECURITY", "none"),
            ("GUICHET_MAIL_TIMEOUT_SECS", "2"),
        ],
    )
    .await;
    let auth = s.auth();
    let http = reqwest::Client::new();
    let call = |m: reqwest::Method, path: &str, body: Option<serde_json::Value>| {
        let mut r = http
            .request(m, format!("{}{path}", s.base))
            .header("Authorization", &auth);
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move {
            let r = r.send().await.unwrap();
            let st = r.status().as_u16();
            (st, r.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    let (st, g) = call(
        reqwest::Method::POST,
        "/api/v2/groups.json",
        Some(json!({"group": {"name": "Support"}})),
    )
    .await;
    assert_eq!(st, 201, "{g}");
    let group = g["group"]["id"].as_i64().unwrap();
    let user = format!("hung{}x{}", std::process::id(), rand::random::<u32>());
    let (host, port) = imap_addr.rsplit_once(':').unwrap();
    let (st, b) = call(
        reqwest::Method::POST,
        "/api/v2/mailboxes",
        Some(json!({"mailbox": {
        "address": "support@guichet.test", "name": "Support", "group_id": group,
        "imap": {"host": host, "port": port.parse::<i64>().unwrap(), "security": "none",
                 "user": user, "password": "secret", "poll_seconds": 5}}})),
    )
    .await;
    assert_eq!(st, 201, "{b}");
    let (st, b) = call(
        reqwest::Method::POST,
        "/api/v2/mailboxes",
        Some(json!({"mailbox": {
        "address": "muet@guichet.test", "name": "Muet", "group_id": group,
        "imap": {"host": "127.0.0.1", "port": imap_port, "security": "none",
                 "user": "x", "password": "y", "poll_seconds": 5}}})),
    )
    .await;
    assert_eq!(st, 201, "{b}");
    let hung_box = b["mailbox"]["id"].as_i64().unwrap();
    // A customer writes to the working mailbox.
    crate::mail::imap_append(
        &user,
        &[b"From: Chlo\xc3\xa9 <chloe@example.fr>\r\nTo: support@guichet.test\r\nSubject: Colis perdu\r\nMessage-ID: <hung-1@example.fr>\r\n\r\nBonjour, mon colis est perdu.\r\n".to_vec()],
    )
    .await;
    // An agent reply to a customer with an address: queued for the hung relay.
    let (st, t) = call(
        reqwest::Method::POST,
        "/api/v2/tickets.json",
        Some(json!({"ticket": {
        "subject": "Remboursement", "comment": {"body": "Bonjour"}, "group_id": group,
        "requester": {"name": "Marc", "email": "marc@example.fr"}}})),
    )
    .await;
    assert_eq!(st, 201, "{t}");
    let case = t["ticket"]["id"].as_i64().unwrap();
    let (st, b) = call(
        reqwest::Method::PUT,
        &format!("/api/v2/tickets/{case}.json"),
        Some(json!({"ticket": {"comment": {"body": "Nous vous remboursons.", "public": true}}})),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let t0 = Instant::now();
    let (mut polled, mut smtp_retried, mut imap_timed_out) = (false, false, false);
    while t0.elapsed() < Duration::from_secs(40) && !(polled && smtp_retried && imap_timed_out) {
        // The API answers quickly meanwhile.
        let q0 = Instant::now();
        let (st, found) = call(
            reqwest::Method::GET,
            "/api/v2/search.json?query=subject:colis",
            None,
        )
        .await;
        assert_eq!(st, 200, "{found}");
        assert!(q0.elapsed() < Duration::from_secs(2), "API blocked");
        polled = found["count"].as_i64().unwrap_or(0) >= 1;
        let (_, ob) = call(reqwest::Method::GET, "/api/v2/outbox", None).await;
        smtp_retried = ob.to_string().contains("timeout")
            && ob["outbox"]
                .as_array()
                .is_some_and(|a| a.iter().any(|o| o["attempts"].as_i64().unwrap_or(0) >= 2));
        let (_, mb) = call(
            reqwest::Method::GET,
            &format!("/api/v2/mailboxes/{hung_box}"),
            None,
        )
        .await;
        imap_timed_out = mb.to_string().contains("IMAP timeout");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (_, ob) = call(reqwest::Method::GET, "/api/v2/outbox", None).await;
    assert!(
        polled,
        "the working mailbox was polled despite the hung one"
    );
    assert!(
        smtp_retried,
        "the hung relay timed out and was retried: {ob}\n{}",
        s.log_text()
    );
    assert!(
        imap_timed_out,
        "the hung IMAP server timed out: {}",
        s.log_text()
    );
    assert!(
        ob["outbox"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["state"] != "sent"),
        "nothing claims to be sent: {ob}"
    );
    drop(test_db);
}

/// A private PostgreSQL cluster on its own port, so restarting it disturbs no other test.
struct PgCluster {
    dir: tempfile::TempDir,
    port: u16,
}

fn pg_bin(name: &str) -> PathBuf {
    let base = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<_> = std::fs::read_dir(base)
        .expect("PostgreSQL server binaries in /usr/lib/postgresql")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    versions.sort();
    versions
        .last()
        .expect("a PostgreSQL version")
        .join("bin")
        .join(name)
}

fn as_postgres(cmd: &str) -> std::process::Output {
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if is_root {
        std::process::Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c", cmd])
            .output()
            .expect("su postgres")
    } else {
        std::process::Command::new("sh")
            .args(["-c", cmd])
            .output()
            .expect("sh")
    }
}

impl PgCluster {
    fn start() -> PgCluster {
        let dir = tempfile::Builder::new()
            .prefix("guichet-pg")
            .tempdir_in("/tmp")
            .unwrap();
        let _ = std::process::Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status();
        let port = free_port();
        let data = dir.path().join("data");
        let out = as_postgres(&format!(
            "{} -D {} -A trust -U postgres >/dev/null",
            pg_bin("initdb").display(),
            data.display()
        ));
        assert!(out.status.success(), "initdb: {out:?}");
        let c = PgCluster { dir, port };
        c.ctl("start");
        c
    }

    fn ctl(&self, what: &str) {
        let data = self.dir.path().join("data");
        let out = as_postgres(&format!(
            "{} -D {} -w -m fast -o '-p {} -k {} -c listen_addresses=127.0.0.1' -l {}/pg.log {what}",
            pg_bin("pg_ctl").display(),
            data.display(),
            self.port,
            self.dir.path().display(),
            self.dir.path().display()
        ));
        assert!(out.status.success(), "pg_ctl {what}: {out:?}");
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        as_postgres(&format!(
            "{} -D {} -m immediate stop",
            pg_bin("pg_ctl").display(),
            data.display()
        ));
    }
}

/// PostgreSQL restarted under load (`pg_ctl restart -m fast`): requests during the outage
/// get 503 with Retry-After, nothing acknowledged is lost, and Guichet serves again without
/// a restart of its own, its live-update listener included.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restart_under_load_is_survived_without_restarting_guichet() {
    if test_db_url().is_none() {
        eprintln!("the PostgreSQL restart test runs in the PostgreSQL pass");
        return;
    }
    let pg = PgCluster::start();
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&pg.url(), dir.path(), &[]).await;
    let auth = s.auth();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let outage_503 = std::sync::Arc::new(AtomicU64::new(0));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (http, auth, stop, outage_503) =
            (http.clone(), auth.clone(), stop.clone(), outage_503.clone());
        let base = s.base.clone();
        writers.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let r = http
                    .post(format!("{base}/api/v2/tickets.json"))
                    .header("Authorization", &auth)
                    .json(&ticket_body(
                        &format!("Redémarrage {w}-{i}"),
                        "pendant la coupure",
                    ))
                    .send()
                    .await
                    .expect("Guichet itself stays up");
                match r.status().as_u16() {
                    201 => {
                        let v: serde_json::Value = r.json().await.unwrap();
                        acked.push(v["ticket"]["id"].as_i64().unwrap());
                    }
                    503 => {
                        assert!(
                            r.headers().contains_key("retry-after"),
                            "503 with Retry-After"
                        );
                        outage_503.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    // The auth lookup itself may hit the outage: it must say so the same way.
                    other => panic!(
                        "status {other} during the outage: {}",
                        r.text().await.unwrap_or_default()
                    ),
                }
            }
            acked
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    pg.ctl("restart");
    // After the restart, writes succeed again within a few seconds.
    let t0 = Instant::now();
    loop {
        let (st, _, _) = create(&http, &s, &auth, "Retour", "après redémarrage")
            .await
            .unwrap();
        if st == 201 {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "writes did not resume"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    for w in writers {
        acked.extend(w.await.unwrap());
    }
    assert!(acked.len() > 20, "the load ran");
    let stored = stored_case_ids(&pg.url()).await;
    let lost: Vec<_> = acked.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let r = http.get(format!("{}/readyz", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The live listener reconnected: a change made now reaches an agent's live stream,
    // which only hears of it through PostgreSQL's NOTIFY and this node's LISTEN.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = sign_in(&s).await;
    let mut live = browser
        .get(format!("{}/live", s.base))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !seen.contains("event: ready") {
        let c = tokio::time::timeout_at(deadline, live.chunk())
            .await
            .expect("ready");
        seen.push_str(&String::from_utf8_lossy(&c.unwrap().unwrap()));
    }
    let (st, id, _) = create(&http, &s, &auth, "En direct", "après la coupure")
        .await
        .unwrap();
    assert_eq!(st, 201);
    let want = format!("\"case_id\":{}", id.unwrap());
    while !seen.contains(&want) {
        let c = tokio::time::timeout_at(deadline, live.chunk())
            .await
            .expect("the live update arrived after the restart");
        seen.push_str(&String::from_utf8_lossy(&c.unwrap().unwrap()));
    }
    eprintln!(
        "postgres restart: {} acknowledged, {} answered 503 during the outage",
        acked.len(),
        outage_503.load(Ordering::Relaxed)
    );
}

/// Resident memory of a process, in KiB.
pub(crate) fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn pct(v: &mut [u64], p: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Soak: mixed traffic for `GUICHET_SOAK_SECS` (default 120; BENCHMARKS.md records a
/// 30-minute run) — creates, replies, inbox pages, searches, live streams. No request fails,
/// memory stays flat (last quarter's median RSS within 1.3× the second quarter's, + 8 MB),
/// and latency stays flat (last quarter's p99 within 3× the second quarter's, + 20 ms).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn soak_of_mixed_traffic_keeps_memory_and_latency_flat() {
    let secs: u64 = std::env::var("GUICHET_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let test_db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&test_db.url, dir.path(), &[]).await;
    let pid = s.child.id().unwrap();
    let auth = s.auth();
    let http = reqwest::Client::new();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = sign_in(&s).await;
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(secs);
    // (seconds since start, kind, latency µs) of every request; failures apart.
    type Samples = std::sync::Arc<std::sync::Mutex<Vec<(f64, &'static str, u64)>>>;
    let samples: Samples = Default::default();
    let failures = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for w in 0..6 {
        let (http, browser, auth, cookie) =
            (http.clone(), browser.clone(), auth.clone(), cookie.clone());
        let (base, samples, failures) = (s.base.clone(), samples.clone(), failures.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine: Vec<i64> = Vec::new();
            let mut i = 0u64;
            // A steady 20 requests a second per worker: a soak, not a stress test.
            let mut pace = tokio::time::interval(Duration::from_millis(50));
            pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while Instant::now() < end {
                pace.tick().await;
                i += 1;
                let kind: &'static str = match i % 10 {
                    0..=3 => "create",
                    4..=6 if !mine.is_empty() => "reply",
                    7 | 8 => "inbox",
                    _ => "search",
                };
                let q0 = Instant::now();
                let r = match kind {
                    "create" => {
                        http.post(format!("{base}/api/v2/tickets.json"))
                            .header("Authorization", &auth)
                            .json(&ticket_body(
                                &format!("Endurance {w}-{i}"),
                                if i.is_multiple_of(200) {
                                    "Je demande un remboursement."
                                } else {
                                    "Mon colis n’est pas arrivé, pouvez-vous vérifier ?"
                                },
                            ))
                            .send()
                            .await
                    }
                    "reply" => {
                        let id = mine[(i as usize * 7) % mine.len()];
                        http.put(format!("{base}/api/v2/tickets/{id}.json"))
                            .header("Authorization", &auth)
                            .json(&json!({"ticket": {"comment": {"body": format!("Réponse {i}"), "public": i.is_multiple_of(2)}}}))
                            .send()
                            .await
                    }
                    "inbox" => {
                        browser
                            .get(format!("{base}/inbox/unassigned"))
                            .header("Cookie", &cookie)
                            .send()
                            .await
                    }
                    _ => {
                        http.get(format!("{base}/api/v2/search.json?query=remboursement"))
                            .header("Authorization", &auth)
                            .send()
                            .await
                    }
                };
                match r {
                    Ok(r) if r.status().is_success() => {
                        let st = r.status();
                        let body = r.bytes().await.unwrap_or_default();
                        let us = q0.elapsed().as_micros() as u64;
                        if kind == "create" && st == 201 {
                            let v: serde_json::Value =
                                serde_json::from_slice(&body).unwrap_or_default();
                            if let Some(id) = v["ticket"]["id"].as_i64() {
                                mine.push(id);
                            }
                        }
                        samples
                            .lock()
                            .unwrap()
                            .push((t0.elapsed().as_secs_f64(), kind, us));
                    }
                    Ok(r) => failures
                        .lock()
                        .unwrap()
                        .push(format!("{kind}: {}", r.status())),
                    Err(e) => failures.lock().unwrap().push(format!("{kind}: {e}")),
                }
            }
        }));
    }
    // Live streams: two agents' screens, reopened every 10 s.
    for _ in 0..2 {
        let (browser, cookie, base, failures) = (
            browser.clone(),
            cookie.clone(),
            s.base.clone(),
            failures.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while Instant::now() < end {
                match browser
                    .get(format!("{base}/live"))
                    .header("Cookie", &cookie)
                    .send()
                    .await
                {
                    Ok(mut r) if r.status() == 200 => {
                        let until = tokio::time::Instant::now() + Duration::from_secs(10);
                        while let Ok(Ok(Some(_))) = tokio::time::timeout_at(until, r.chunk()).await
                        {
                        }
                    }
                    Ok(r) => failures
                        .lock()
                        .unwrap()
                        .push(format!("live: {}", r.status())),
                    Err(e) => failures.lock().unwrap().push(format!("live: {e}")),
                }
            }
        }));
    }
    let mut rss: Vec<(f64, u64)> = Vec::new();
    while Instant::now() < end {
        rss.push((t0.elapsed().as_secs_f64(), rss_kib(pid)));
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    for t in tasks {
        t.await.unwrap();
    }
    let failures = failures.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} requests failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    let total = secs as f64;
    let quarter = |a: f64, b: f64| {
        let mut r: Vec<u64> = rss
            .iter()
            .filter(|(t, _)| *t >= a * total && *t < b * total)
            .map(|(_, k)| *k)
            .collect();
        pct(&mut r, 0.5)
    };
    let (rss_q2, rss_q4) = (quarter(0.25, 0.5), quarter(0.75, 1.01));
    let samples = samples.lock().unwrap().clone();
    let lat = |a: f64, b: f64, p: f64| {
        let mut v: Vec<u64> = samples
            .iter()
            .filter(|(t, _, _)| *t >= a * total && *t < b * total)
            .map(|(_, _, us)| *us)
            .collect();
        pct(&mut v, p)
    };
    let (p50_q2, p99_q2, p50_q4, p99_q4) = (
        lat(0.25, 0.5, 0.5),
        lat(0.25, 0.5, 0.99),
        lat(0.75, 1.01, 0.5),
        lat(0.75, 1.01, 0.99),
    );
    let by_kind = |k: &str| samples.iter().filter(|(_, kind, _)| *kind == k).count();
    eprintln!(
        "soak {} on {}: {} requests ({} creates, {} replies, {} inbox, {} searches) in {secs} s; \
         RSS q2 {} MB, q4 {} MB, max {} MB; latency q2 p50 {:.1} ms p99 {:.1} ms, q4 p50 {:.1} ms p99 {:.1} ms",
        secs,
        if test_db.url.starts_with("sqlite") {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        samples.len(),
        by_kind("create"),
        by_kind("reply"),
        by_kind("inbox"),
        by_kind("search"),
        rss_q2 / 1024,
        rss_q4 / 1024,
        rss.iter().map(|(_, k)| *k).max().unwrap_or(0) / 1024,
        p50_q2 as f64 / 1000.0,
        p99_q2 as f64 / 1000.0,
        p50_q4 as f64 / 1000.0,
        p99_q4 as f64 / 1000.0,
    );
    assert!(samples.len() > 500, "the soak ran");
    assert!(
        (rss_q4 as f64) <= rss_q2 as f64 * 1.3 + 8192.0,
        "memory grew: {rss_q2} KiB → {rss_q4} KiB"
    );
    assert!(
        (p99_q4 as f64) <= p99_q2 as f64 * 3.0 + 20_000.0,
        "latency grew: p99 {p99_q2} µs → {p99_q4} µs"
    );
    assert_no_poisoned_state(&s.log_text());
    drop(test_db);
}
