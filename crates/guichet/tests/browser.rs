//! End-to-end tests of the agent screens in a real browser: Debian's headless Chromium
//! driven through chromedriver (WebDriver, via fantoccini), against the real `guichet`
//! binary on its embedded database. Chromium and chromedriver must be installed
//! (`.ci/run` installs them); without them these tests fail, they never skip.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN: &str = "admin@guichet.test";
const ADMIN_PW: &str = "admin-password-1";
const PW: &str = "agent-password-1";
const TAB: &str = "\u{e004}";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

/// A child process killed when the test ends, pass or fail.
struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_http(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if reqwest::get(url)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        assert!(Instant::now() < deadline, "{url} did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct World {
    base: String,
    driver: String,
    http: reqwest::Client,
    _guichet: Proc,
    _chromedriver: Proc,
    _dir: tempfile::TempDir,
    _pg: Option<PgDb>,
}

/// With `GUICHET_TEST_DATABASE_URL` (a PostgreSQL server URL), the binary runs on a fresh
/// database of that server, dropped at the end; else on its embedded SQLite.
struct PgDb {
    server: String,
    name: String,
    url: String,
}

impl PgDb {
    async fn create() -> Option<PgDb> {
        use sqlx::Connection;
        let server = std::env::var("GUICHET_TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.is_empty())?;
        let name = format!("guichet_b_{}", rand::random::<u64>());
        let mut c = sqlx::PgConnection::connect(&server)
            .await
            .expect("connect to the test PostgreSQL server");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await
            .expect("create the test database");
        let (prefix, _) = server.rsplit_once('/').expect("a database in the URL");
        Some(PgDb {
            url: format!("{prefix}/{name}"),
            server,
            name,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&server).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut c)
                    .await;
                }
            })
        })
        .join();
    }
}

impl World {
    async fn start() -> World {
        World::start_with(&[]).await
    }

    /// Start Guichet with extra environment (the outgoing relay, say).
    async fn start_with(env: &[(&str, &str)]) -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let pg = PgDb::create().await;
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_guichet"));
        cmd.args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path());
        if let Some(db) = &pg {
            cmd.args(["--database-url", &db.url]);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let guichet = cmd
            .env("GUICHET_ADMIN_EMAIL", ADMIN)
            .env("GUICHET_ADMIN_PASSWORD", ADMIN_PW)
            .env("GUICHET_ADMIN_NAME", "Ada Admin")
            .env("GUICHET_IMAP_ENABLED", "false")
            .env("GUICHET_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start guichet");
        let dport = free_port();
        let chromedriver = Command::new("chromedriver")
            .arg(format!("--port={dport}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver must be installed (Debian package chromium-driver)");
        let base = format!("http://127.0.0.1:{port}");
        let driver = format!("http://127.0.0.1:{dport}");
        wait_http(&format!("{base}/readyz")).await;
        wait_http(&format!("{driver}/status")).await;
        World {
            base,
            driver,
            http: reqwest::Client::new(),
            _guichet: Proc(guichet),
            _chromedriver: Proc(chromedriver),
            _dir: dir,
            _pg: pg,
        }
    }

    async fn api(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let r = self
            .http
            .request(method, format!("{}/api/v2{path}", self.base))
            .basic_auth(ADMIN, Some(ADMIN_PW))
            .json(&body)
            .send()
            .await
            .expect("api");
        let s = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(s.is_success(), "{path}: {s} {v}");
        v
    }

    async fn staff(&self, name: &str, email: &str, role: &str, locale: &str, limit: f64) -> i64 {
        let v = self
            .api(
                reqwest::Method::POST,
                "/users.json",
                json!({"user": {"name": name, "email": email, "guichet_role": role,
                    "password": PW, "locale": locale, "compensation_limit": limit}}),
            )
            .await;
        v["user"]["id"].as_i64().expect("id")
    }

    async fn ticket(&self, subject: &str, name: &str, email: &str) -> i64 {
        let v = self
            .api(
                reqwest::Method::POST,
                "/tickets.json",
                json!({"ticket": {"subject": subject, "comment": {"body": format!("Message : {subject}")},
                    "requester": {"name": name, "email": email}}}),
            )
            .await;
        v["ticket"]["id"].as_i64().expect("id")
    }

    /// A fresh headless Chromium with its own profile.
    async fn browser(&self, lang: &str) -> Client {
        let profile = tempfile::tempdir().expect("profile").keep();
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,900",
                    format!("--lang={lang}"), format!("--user-data-dir={}", profile.display())],
                "prefs": {"intl.accept_languages": lang}
            }
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.driver)
            .await
            .expect("start Chromium through chromedriver")
    }

    async fn sign_in(&self, c: &Client, email: &str) {
        c.goto(&format!("{}/login", self.base)).await.expect("goto");
        c.find(Locator::Css("#email"))
            .await
            .unwrap()
            .send_keys(email)
            .await
            .unwrap();
        c.find(Locator::Css("#password"))
            .await
            .unwrap()
            .send_keys(PW)
            .await
            .unwrap();
        c.find(Locator::Css("#login-submit"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#me-link"))
            .await
            .expect("signed in");
    }
}

/// Wait until the element's text contains `needle` (pages update live).
async fn wait_text(c: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = match c.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{css} never showed {needle:?}; last: {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_gone(c: &Client, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.find(Locator::Css(css)).await.is_ok() {
        assert!(Instant::now() < deadline, "{css} still on the page");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn value(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// With `GUICHET_SCREENSHOTS=DIR`, keep a picture of the page (for reviewing the layout).
async fn shot(c: &Client, name: &str) {
    if let Ok(dir) = std::env::var("GUICHET_SCREENSHOTS") {
        c.execute("window.scrollTo(0, 0);", vec![])
            .await
            .expect("scroll");
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).expect("write");
    }
}

async fn press(c: &Client, keys: &str) {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_works_a_case_in_french_from_the_unassigned_view_to_solved_with_a_supervisor_approving()
 {
    let w = World::start().await;
    let marie = w
        .staff("Marie Curie", "marie@guichet.test", "agent", "fr", 50.0)
        .await;
    w.staff(
        "Sophie Chef",
        "sophie@guichet.test",
        "supervisor",
        "fr",
        500.0,
    )
    .await;
    let first = w
        .ticket("Colis abîmé", "Renée Lefèvre", "renee@example.com")
        .await;
    let second = w
        .ticket("Facture en double", "Jean Dupont", "jean@example.com")
        .await;

    // The supervisor writes a canned answer in the admin pages.
    let sophie = w.browser("fr").await;
    w.sign_in(&sophie, "sophie@guichet.test").await;
    sophie
        .goto(&format!("{}/admin/canned", w.base))
        .await
        .unwrap();
    sophie
        .find(Locator::Css("#nca-shortcut"))
        .await
        .unwrap()
        .send_keys("merci")
        .await
        .unwrap();
    sophie
        .find(Locator::Css("#nca-title"))
        .await
        .unwrap()
        .send_keys("Remerciement")
        .await
        .unwrap();
    sophie
        .find(Locator::Css("#nca-body"))
        .await
        .unwrap()
        .send_keys("Bonjour {{ customer_first_name }}, merci pour votre patience (dossier {{ case_number }}). {{ agent_first_name }}")
        .await
        .unwrap();
    sophie
        .find(Locator::Css("#nca-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    sophie
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("form.canned"))
        .await
        .unwrap();
    assert_eq!(
        value(&sophie, "form.canned input[name=shortcut]").await,
        "merci"
    );
    // Then watches the unassigned view.
    sophie
        .goto(&format!("{}/inbox/unassigned", w.base))
        .await
        .unwrap();
    wait_text(&sophie, "#case-rows", "Facture en double").await;
    shot(&sophie, "inbox-fr").await;
    sophie
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("body[data-live=on]"))
        .await
        .expect("live stream open");

    // Marie signs in, in French, opens the unassigned view and moves with the keyboard.
    let c = w.browser("fr").await;
    w.sign_in(&c, "marie@guichet.test").await;
    c.find(Locator::Css("#view-unassigned"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let list = wait_text(&c, "#list-title", "Non attribués").await;
    assert_eq!(list, "Non attribués");
    wait_text(&c, "#case-rows", "Colis abîmé").await;
    // `?` shows the shortcuts, in French.
    press(&c, "?").await;
    wait_text(&c, "#help", "Raccourcis clavier").await;
    c.find(Locator::Css("#help button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // j/k move the selection; Enter opens the selected case.
    let selected = |c: &Client| {
        let c = c.clone();
        async move {
            c.find(Locator::Css("tr.case-row.selected"))
                .await
                .unwrap()
                .attr("data-id")
                .await
                .unwrap()
                .unwrap()
        }
    };
    let top = selected(&c).await;
    press(&c, "j").await;
    let below = selected(&c).await;
    assert_ne!(top, below, "j moves down");
    press(&c, "k").await;
    assert_eq!(selected(&c).await, top, "k moves back up");
    // Open the first case (the list is sorted by due time; find the row of `first`).
    while selected(&c).await != first.to_string() {
        press(&c, "j").await;
    }
    press(&c, "\u{e007}").await;
    wait_text(&c, "h1", "Colis abîmé").await;

    // `r` focuses the reply; `;merci` + Tab inserts the canned answer, previewed.
    press(&c, "r").await;
    let active = c.active_element().await.unwrap();
    assert_eq!(active.attr("id").await.unwrap().as_deref(), Some("body"));
    active.send_keys(";merci").await.unwrap();
    active.send_keys(TAB).await.unwrap();
    let expected = format!("Bonjour Renée, merci pour votre patience (dossier {first}). Marie");
    wait_text(&c, "#canned-text", &expected).await;
    assert_eq!(value(&c, "#body").await, expected);
    c.find(Locator::Css("#send-status"))
        .await
        .unwrap()
        .select_by_value("pending")
        .await
        .unwrap();
    c.find(Locator::Css("#send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#timeline", &expected).await;
    wait_text(&c, "#case-status", "En attente du client").await;

    // Assign to herself and solve, from the properties (keyboard `a` focuses the assignee).
    press(&c, "a").await;
    let active = c.active_element().await.unwrap();
    assert_eq!(
        active.attr("id").await.unwrap().as_deref(),
        Some("p-assignee")
    );
    active.select_by_value(&marie.to_string()).await.unwrap();
    c.find(Locator::Css("#p-status"))
        .await
        .unwrap()
        .select_by_value("solved")
        .await
        .unwrap();
    c.find(Locator::Css("#p-kind"))
        .await
        .unwrap()
        .select_by_value("complaint")
        .await
        .unwrap();
    c.find(Locator::Css("#props-save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#case-status", "Résolu").await;

    // A complaint: the playbook appears; a compensation above Marie's 50 € waits for approval.
    c.find(Locator::Css("#step-understand"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#playbook", "☑").await;
    c.find(Locator::Css("#cp-amount"))
        .await
        .unwrap()
        .send_keys("120,00")
        .await
        .unwrap();
    c.find(Locator::Css("#comp-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#compensation", "en attente de validation").await;

    // Sophie finds it among the approvals waiting and approves it from the case.
    sophie
        .goto(&format!("{}/inbox/approvals", w.base))
        .await
        .unwrap();
    wait_text(&sophie, "#case-rows", "Colis abîmé").await;
    sophie
        .goto(&format!("{}/cases/{first}", w.base))
        .await
        .unwrap();
    sophie
        .find(Locator::Css("button[id^=approve-]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&sophie, "#compensation", "accepté").await;
    c.refresh().await.unwrap();
    wait_text(&c, "#compensation", "tranché par Sophie Chef").await;
    shot(&c, "case-fr").await;

    // Live: Sophie's unassigned view loses the second case when Marie takes it.
    sophie
        .goto(&format!("{}/inbox/unassigned", w.base))
        .await
        .unwrap();
    let row = format!("tr.case-row[data-id='{second}']");
    sophie
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&row))
        .await
        .unwrap();
    sophie
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("body[data-live=on]"))
        .await
        .expect("live stream open");
    c.goto(&format!("{}/cases/{second}", w.base)).await.unwrap();
    c.find(Locator::Css("#p-assignee"))
        .await
        .unwrap()
        .select_by_value(&marie.to_string())
        .await
        .unwrap();
    c.find(Locator::Css("#props-save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_gone(&sophie, &row).await;

    // Collision warning: Sophie opening the case sees Marie on it.
    sophie
        .goto(&format!("{}/cases/{second}", w.base))
        .await
        .unwrap();
    wait_text(&sophie, "#presence", "Marie Curie").await;

    c.close().await.unwrap();
    sophie.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_english_agent_logs_a_phone_call_and_finds_it_by_search() {
    let w = World::start().await;
    w.staff("Sam Smith", "sam@guichet.test", "agent", "en", 50.0)
        .await;
    let c = w.browser("en").await;
    // The sign-in page follows the browser's language before anyone is known.
    c.goto(&format!("{}/login", w.base)).await.unwrap();
    wait_text(&c, "h2", "Sign in").await;
    // A wrong password is refused with a message.
    c.find(Locator::Css("#email"))
        .await
        .unwrap()
        .send_keys("sam@guichet.test")
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys("wrong-password")
        .await
        .unwrap();
    c.find(Locator::Css("#login-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#login-error", "Wrong email or password.").await;
    w.sign_in(&c, "sam@guichet.test").await;
    wait_text(&c, "#list-title", "My cases").await;
    // `c` opens "log a contact" from anywhere.
    press(&c, "c").await;
    wait_text(&c, "h1", "Log a contact").await;
    c.find(Locator::Css("#c-name"))
        .await
        .unwrap()
        .send_keys("Alice Martin")
        .await
        .unwrap();
    c.find(Locator::Css("#c-phone"))
        .await
        .unwrap()
        .send_keys("+33 6 11 22 33 44")
        .await
        .unwrap();
    c.find(Locator::Css("#c-subject"))
        .await
        .unwrap()
        .send_keys("Delivery never arrived")
        .await
        .unwrap();
    c.find(Locator::Css("#c-body"))
        .await
        .unwrap()
        .send_keys("Called at 9, parcel 42 missing.")
        .await
        .unwrap();
    c.find(Locator::Css("#contact-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", "Delivery never arrived").await;
    wait_text(&c, ".case-head", "Phone").await;
    wait_text(&c, ".customer", "Alice Martin").await;
    // A simple question: the complaint register and compensation panels stay folded, so
    // the case fits on one screen; they open on demand.
    let open = c
        .execute(
            "return [document.querySelector('#register').open, document.querySelector('#compensation').open];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(open, json!([false, false]));
    // The customer has no email address: the composer says so before anything is sent.
    wait_text(&c, "#route", "no email address").await;
    shot(&c, "case-phone-only").await;
    // `/` goes to search; the case is found by a word of its message.
    press(&c, "/").await;
    let q = c.active_element().await.unwrap();
    assert_eq!(q.attr("id").await.unwrap().as_deref(), Some("q-top"));
    q.send_keys("parcel\u{e007}").await.unwrap();
    wait_text(&c, "#case-rows", "Delivery never arrived").await;
    // The layout holds on a phone-sized screen; a view's name and its count stay apart.
    c.set_window_size(375, 800).await.unwrap();
    c.goto(&format!("{}/inbox/mine", w.base)).await.unwrap();
    let gap = c
        .execute(
            "const a = document.querySelector('#view-mine'); const r = document.createRange(); \
             r.selectNodeContents(a.firstChild); const t = r.getBoundingClientRect(); \
             const n = a.querySelector('.count').getBoundingClientRect(); \
             return (n.top >= t.bottom - 1) ? 99 : n.left - t.right;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        gap.as_f64().unwrap() >= 4.0,
        "view name and count touch: {gap}"
    );
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        overflow,
        Value::Bool(false),
        "no horizontal scrolling at 375 px"
    );
    c.close().await.unwrap();
}

async fn fill(c: &Client, css: &str, text: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Clicks a button that submits a form and waits for the next page: a notice already on
/// the page (« Enregistré ») would otherwise satisfy the next wait before the post lands.
async fn submit(c: &Client, css: &str) {
    c.execute("window.__guichet_before = true;", vec![])
        .await
        .unwrap();
    click(c, css).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let fresh = c
            .execute(
                "return window.__guichet_before !== true && document.readyState === 'complete';",
                vec![],
            )
            .await
            .unwrap_or(Value::Bool(false));
        if fresh == Value::Bool(true) {
            return;
        }
        assert!(Instant::now() < deadline, "{css} never led to a new page");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Issue 16: a new team sets its email up from the pages alone: a refused setting comes
/// back with what was typed and a French message next to the field; the relay is saved
/// live (the running sender picks it up), a mailbox is added with the MTA settings to
/// copy, and the test email reaches the real SMTP sink, which the outbox page confirms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_email_from_the_pages_and_the_test_email_arrives() {
    let smtp = std::env::var("GUICHET_TEST_SMTP")
        .expect("GUICHET_TEST_SMTP: run scripts/mail-servers.sh start (scripts/test.sh does)");
    let sink = std::env::var("GUICHET_TEST_SINK_DIR").expect("GUICHET_TEST_SINK_DIR");
    let (smtp_host, smtp_port) = smtp.rsplit_once(':').unwrap();
    let w = World::start().await;
    w.staff("Alice Admin", "alice@guichet.test", "admin", "fr", 0.0)
        .await;
    let c = w.browser("fr").await;
    w.sign_in(&c, "alice@guichet.test").await;
    // On a 1366 px laptop the whole search box shows beside an administrator's menu.
    c.set_window_size(1366, 768).await.unwrap();
    let fits = c
        .execute(
            "const r = document.querySelector('#q-top').getBoundingClientRect(); \
             return r.width >= 180 && r.right <= document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, Value::Bool(true), "the search box is cut at 1366 px");
    shot(&c, "inbox-1366").await;
    c.set_window_size(1280, 900).await.unwrap();
    c.goto(&format!("{}/admin", w.base)).await.unwrap();
    click(&c, "#admin-email").await;
    wait_text(&c, "#relay-none", "Aucun serveur d’envoi").await;
    // A server name with a space: refused next to the field, in French, with the input kept.
    fill(&c, "#r-host", "smtp exemple").await;
    fill(&c, "#r-port", "2525").await;
    click(&c, "#relay-save").await;
    let err = wait_text(&c, "#r-host-err", "Serveur").await;
    assert!(!err.contains("relay.host"), "{err}");
    assert!(err.contains("n’est pas un nom de serveur"), "{err}");
    assert_eq!(value(&c, "#r-host").await, "smtp exemple");
    assert_eq!(value(&c, "#r-port").await, "2525");
    shot(&c, "admin-email-error").await;
    // The real settings: the test SMTP sink.
    fill(&c, "#r-host", smtp_host).await;
    fill(&c, "#r-port", smtp_port).await;
    c.find(Locator::Css("#r-security option[value=none]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&c, "#relay-save").await;
    wait_text(&c, ".notice", "Réglages d’envoi enregistrés").await;
    assert_eq!(value(&c, "#r-host").await, smtp_host);
    // A mailbox delivered over LMTP.
    click(&c, "#mailbox-new").await;
    fill(&c, "#mb-address", "support@guichet.test").await;
    fill(&c, "#mb-name", "Service client").await;
    click(&c, "#mailbox-save").await;
    wait_text(&c, ".notice", "Enregistré").await;
    wait_text(&c, "#lmtp-help", "LMTP").await;
    shot(&c, "admin-mailbox").await;
    // The week editor and the standard editor read back what they will save.
    c.goto(&format!("{}/admin/calendars/new", w.base))
        .await
        .unwrap();
    fill(&c, "#ca-name", "Boutique").await;
    click(&c, "#ca-preview").await;
    wait_text(&c, "#week", "Lundi").await;
    shot(&c, "admin-calendar").await;
    click(&c, "#ca-submit").await;
    wait_text(&c, ".notice", "Enregistré").await;
    c.goto(&format!("{}/admin/standards/new", w.base))
        .await
        .unwrap();
    fill(&c, "#st-name", "Réponse aux e-mails").await;
    fill(&c, "#st-threshold", "4").await;
    click(&c, "#st-preview").await;
    wait_text(&c, "#sentence", "en moins de 4").await;
    shot(&c, "admin-standard").await;
    // The test email goes through the outbox and the relay to the sink.
    c.goto(&format!("{}/admin/email", w.base)).await.unwrap();
    let to = format!("test-{}@example.org", std::process::id());
    fill(&c, "#test-to", &to).await;
    click(&c, "#test-send").await;
    wait_text(&c, ".notice", "E-mail de test mis en file").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = c
            .find(Locator::Css("#outbox"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if rows.contains(&to) && rows.contains("Envoyé") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the test email was not sent: {rows}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        c.refresh().await.unwrap();
    }
    shot(&c, "admin-outbox").await;
    let dir = std::path::Path::new(&sink).join(&to);
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(files.len(), 1);
    let mail = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(mail.contains("e-mail de test"), "{mail}");
    assert!(mail.contains("support@guichet.test"), "{mail}");

    // An agent is invited from the agents page; the link arrives by email.
    let agent = format!("invite-{}@example.org", std::process::id());
    c.goto(&format!("{}/admin/agents", w.base)).await.unwrap();
    fill(&c, "#na-name", "Inès Invitée").await;
    fill(&c, "#na-email", &agent).await;
    click(&c, "#na-submit").await;
    wait_text(&c, "#notice", "Invitation envoyée").await;
    let link = link_in_sink(&sink, &agent, 1).await;
    // She opens it in her own browser (no session).
    c.delete_all_cookies().await.unwrap();
    c.goto(&link).await.unwrap();
    wait_text(&c, "h2", "Bienvenue, Inès Invitée").await;
    fill(&c, "#pw-new", "mot-de-passe-ines").await;
    fill(&c, "#pw-again", "mot-de-passe-ines").await;
    click(&c, "#pw-submit").await;
    wait_text(&c, "#login-notice", "Votre mot de passe est enregistré").await;
    shot(&c, "password-set").await;
    sign_in_with(&c, &w.base, &agent, "mot-de-passe-ines").await;
    // She forgets it: the sign-in page's link, the same answer, a link by email.
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{}/login", w.base)).await.unwrap();
    click(&c, "#forgot-link").await;
    fill(&c, "#email", &agent).await;
    click(&c, "#forgot-submit").await;
    wait_text(&c, "#forgot-sent", "Si un compte utilise cette adresse").await;
    let link = link_in_sink(&sink, &agent, 2).await;
    c.goto(&link).await.unwrap();
    fill(&c, "#pw-new", "nouveau-mot-de-passe").await;
    fill(&c, "#pw-again", "nouveau-mot-de-passe").await;
    click(&c, "#pw-submit").await;
    wait_text(&c, "#login-notice", "Votre mot de passe est enregistré").await;
    sign_in_with(&c, &w.base, &agent, "nouveau-mot-de-passe").await;
    c.close().await.unwrap();
}

/// The password link in the `n`th email the SMTP sink received for `to` (waits for it).
async fn link_in_sink(sink: &str, to: &str, n: usize) -> String {
    marked_link_in_sink(sink, to, n, "/password/").await
}

/// The link containing `marker` in the `n`th email with such a link that the SMTP sink
/// received for `to` (waits for it; other emails to the address are skipped).
async fn marked_link_in_sink(sink: &str, to: &str, n: usize, marker: &str) -> String {
    let dir = std::path::Path::new(sink).join(to);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        let links: Vec<String> = files
            .iter()
            .filter_map(|f| {
                let raw = std::fs::read(f).ok()?;
                let parsed = mail::parse(&raw, &mail::Limits::default()).ok()?;
                let at = parsed.text.find(marker)?;
                let start = parsed.text[..at].rfind("http")?;
                let end = parsed.text[at..]
                    .find(char::is_whitespace)
                    .map(|e| at + e)
                    .unwrap_or(parsed.text.len());
                Some(parsed.text[start..end].to_string())
            })
            .collect();
        if links.len() >= n {
            return links[n - 1].clone();
        }
        assert!(
            Instant::now() < deadline,
            "no email {n} with {marker} for {to}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn sign_in_with(c: &Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "#email", email).await;
    fill(c, "#password", password).await;
    click(c, "#login-submit").await;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#me-link"))
        .await
        .expect("signed in");
}

/// Issue 17: customers follow and close their own cases in the portal. A French customer
/// on a 375 px phone asks for a sign-in link, reads it from the real SMTP sink, signs in,
/// replies and confirms the solved case closed; an English customer signs in the same way
/// and sees none of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_sign_in_by_email_follow_and_close_their_cases_on_a_phone() {
    let smtp = std::env::var("GUICHET_TEST_SMTP")
        .expect("GUICHET_TEST_SMTP: run scripts/mail-servers.sh start (scripts/test.sh does)");
    let sink = std::env::var("GUICHET_TEST_SINK_DIR").expect("GUICHET_TEST_SINK_DIR");
    let (host, port) = smtp.rsplit_once(':').unwrap();
    let w = World::start_with(&[
        ("GUICHET_SMTP_HOST", host),
        ("GUICHET_SMTP_PORT", port),
        ("GUICHET_SMTP_SECURITY", "none"),
    ])
    .await;
    w.api(
        reqwest::Method::POST,
        "/mailboxes",
        json!({"mailbox": {"address": "support@guichet.test", "name": "Service client"}}),
    )
    .await;
    let pid = std::process::id();
    let lea = format!("lea-{pid}@example.org");
    let tom = format!("tom-{pid}@example.org");
    let id = w.ticket("Colis abîmé", "Léa Martin", &lea).await;
    let theirs = w.ticket("Wrong invoice", "Tom Smith", &tom).await;
    w.api(
        reqwest::Method::PUT,
        &format!(
            "/users/{}",
            w.api(
                reqwest::Method::GET,
                &format!("/tickets/{theirs}"),
                json!({})
            )
            .await["ticket"]["requester_id"]
        ),
        json!({"user": {"locale": "en"}}),
    )
    .await;
    w.api(
        reqwest::Method::PUT,
        &format!("/tickets/{id}"),
        json!({"ticket": {"comment": {"body": "Note interne : ne pas rembourser", "public": false}}}),
    )
    .await;
    w.api(
        reqwest::Method::PUT,
        &format!("/tickets/{id}"),
        json!({"ticket": {"comment": {"body": "Nous vous renvoyons un colis dès demain."}}}),
    )
    .await;

    let c = w.browser("fr").await;
    c.set_window_size(375, 812).await.unwrap();
    c.goto(&format!("{}/portal", w.base)).await.unwrap();
    wait_text(&c, "h1", "Connexion").await;
    shot(&c, "portal-sign-in-375").await;
    fill(&c, "#email", &lea).await;
    click(&c, "#send-link").await;
    wait_text(&c, "#link-sent", "un lien de connexion vous a été envoyé").await;
    let link = marked_link_in_sink(&sink, &lea, 1, "/portal/sign-in/").await;
    c.goto(&link).await.unwrap();
    click(&c, "#use-link").await;
    wait_text(&c, "#cases", "Colis abîmé").await;
    assert_no_horizontal_scroll(&c, "the case list").await;
    shot(&c, "portal-cases-375").await;
    c.find(Locator::Css(".case-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#thread", "Nous vous renvoyons un colis").await;
    let page = c.source().await.unwrap();
    assert!(
        !page.contains("ne pas rembourser"),
        "an internal note leaked"
    );
    fill(&c, "#body", "Merci, j’attends le colis.").await;
    click(&c, "#send-reply").await;
    wait_text(&c, "#notice", "Votre message a bien été envoyé").await;
    wait_text(&c, "#thread", "Merci, j’attends le colis.").await;
    assert_no_horizontal_scroll(&c, "the case page").await;
    shot(&c, "portal-case-375").await;
    // The team solves it; the customer says yes, and the case closes.
    w.api(
        reqwest::Method::PUT,
        &format!("/tickets/{id}"),
        json!({"ticket": {"status": "solved", "comment": {"body": "Le colis est livré."}}}),
    )
    .await;
    c.refresh().await.unwrap();
    wait_text(&c, "#confirm-box", "Votre problème est-il résolu").await;
    shot(&c, "portal-confirm-375").await;
    click(&c, "#yes-solved").await;
    wait_text(&c, "#notice", "La demande est close").await;
    wait_text(&c, "#case-status", "Close").await;
    let status = w
        .api(reqwest::Method::GET, &format!("/tickets/{id}"), json!({}))
        .await;
    assert_eq!(status["ticket"]["status"], "closed");
    c.find(Locator::Css("#follow-up"))
        .await
        .expect("a closed case offers a follow-up");
    click(&c, "#sign-out").await;
    wait_text(&c, "h1", "Connexion").await;

    // An English customer, the same way, sees only their own.
    let e = w.browser("en").await;
    e.set_window_size(375, 812).await.unwrap();
    e.goto(&format!("{}/portal/sign-in", w.base)).await.unwrap();
    wait_text(&e, "h1", "Sign in").await;
    fill(&e, "#email", &tom).await;
    click(&e, "#send-link").await;
    wait_text(&e, "#link-sent", "a sign-in link is on its way").await;
    let link = marked_link_in_sink(&sink, &tom, 1, "/portal/sign-in/").await;
    let mail_dir = std::path::Path::new(&sink).join(&tom);
    let english = std::fs::read_dir(&mail_dir)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .any(|t| t.contains("Your sign-in link"));
    assert!(english, "the sign-in email speaks the customer's language");
    e.goto(&link).await.unwrap();
    click(&e, "#use-link").await;
    wait_text(&e, "#cases", "Wrong invoice").await;
    let list = e
        .find(Locator::Css("#cases"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains("Colis"), "{list}");
    e.goto(&format!("{}/portal/cases/{id}", w.base))
        .await
        .unwrap();
    wait_text(&e, "h1", "Page not found").await;
    assert!(!e.source().await.unwrap().contains("Colis"));
    e.goto(&format!("{}/portal/cases/{theirs}", w.base))
        .await
        .unwrap();
    wait_text(&e, "#case-subject", "Wrong invoice").await;
    assert_no_horizontal_scroll(&e, "the English case page").await;
    shot(&e, "portal-case-en-375").await;
    e.close().await.unwrap();
    c.close().await.unwrap();
}

async fn assert_no_horizontal_scroll(c: &Client, what: &str) {
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        Value::Bool(true),
        "{what} scrolls sideways at this width"
    );
}

/// Issue 17: an administrator defines a contact form in the pages; a shop's own site (another
/// origin) adds the one script tag; a visitor picks the topic, the topic's own field
/// appears, the form proves its work in the browser and the case lands in the topic's team.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_form_embedded_on_another_site_files_a_case_with_its_topics_team() {
    let w = World::start().await;
    w.api(
        reqwest::Method::POST,
        "/mailboxes",
        json!({"mailbox": {"address": "support@guichet.test", "name": "Service client"}}),
    )
    .await;
    let (team, shop, c) = shop_form(&w).await;
    fill(
        &c,
        "#t0-fields",
        "commande ; Numéro de commande ; Order number ; *",
    )
    .await;
    submit(&c, "#fm-save").await;
    wait_text(&c, "#notice", "Enregistré").await;
    shot(&c, "admin-form").await;
    let script = c
        .find(Locator::Css("#embed-script"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        script.starts_with("<script src=\"http://127.0.0.1:"),
        "{script}"
    );
    let port: u16 = shop.rsplit(':').next().unwrap().parse().unwrap();
    let html = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Boutique</title></head>\
         <body><h1>La boutique</h1><p>Une question ?</p>{script}</body></html>"
    );
    // Served on the port the form allows.
    let (origin, server) = serve_page_on(port, html).await;
    assert_eq!(origin, shop);
    c.delete_all_cookies().await.unwrap();
    c.goto(&shop).await.unwrap();
    let frame = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("iframe"))
        .await
        .expect("the script draws the form's frame");
    frame.enter_frame().await.unwrap();
    wait_text(&c, "label[for=topic]", "De quoi s’agit-il").await;
    // The topic's own field shows once the topic is chosen.
    let extra = c
        .find(Locator::Css("fieldset[data-topic=livraison]"))
        .await
        .unwrap();
    assert!(!extra.is_displayed().await.unwrap());
    c.find(Locator::Css("#topic option[value=livraison]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(extra.is_displayed().await.unwrap());
    fill(&c, "#f-livraison-commande", "CMD-777").await;
    fill(&c, "#name", "Camille Dubois").await;
    fill(
        &c,
        "#email",
        &format!("camille-{}@example.org", std::process::id()),
    )
    .await;
    fill(&c, "#body", "Mon colis n’est pas arrivé.").await;
    // A person takes more than three seconds; the proof of work is done meanwhile.
    tokio::time::sleep(Duration::from_secs(3)).await;
    click(&c, "#form-send").await;
    let sent = wait_text(&c, "#form-sent", "Merci").await;
    let id: i64 = sent
        .split("n°")
        .nth(1)
        .map(|x| x.trim_start_matches(|ch: char| !ch.is_ascii_digit()))
        .and_then(|x| x.split(|ch: char| !ch.is_ascii_digit()).next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("a case number in {sent:?}"));
    c.enter_parent_frame().await.unwrap();
    shot(&c, "form-embedded-sent").await;
    let tk = w
        .api(reqwest::Method::GET, &format!("/tickets/{id}"), json!({}))
        .await;
    assert_eq!(tk["ticket"]["group_id"], team);
    assert_eq!(tk["ticket"]["via"]["channel"], "web");
    server.abort();
    c.close().await.unwrap();
}

/// A team « Livraisons », an admin (Alice) signed in, and a new contact form « Boutique »
/// allowing the shop's origin (a free port, its page served later) with a first topic
/// `livraison` routed to the team, not saved yet: the caller adds what it tests and saves.
async fn shop_form(w: &World) -> (i64, String, Client) {
    let team = w
        .api(
            reqwest::Method::POST,
            "/groups",
            json!({"group": {"name": "Livraisons"}}),
        )
        .await["group"]["id"]
        .as_i64()
        .unwrap();
    w.staff("Alice Admin", "alice@guichet.test", "admin", "fr", 0.0)
        .await;
    // The shop's page, on its own origin; its address is allowed before the tag exists.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let shop = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let c = w.browser("fr").await;
    w.sign_in(&c, "alice@guichet.test").await;
    c.goto(&format!("{}/admin", w.base)).await.unwrap();
    click(&c, "#admin-forms").await;
    fill(&c, "#nf-name", "Boutique").await;
    submit(&c, "#nf-submit").await;
    wait_text(&c, "#notice", "Enregistré").await;
    fill(&c, "#fm-origins", &shop).await;
    fill(&c, "#t0-key", "livraison").await;
    fill(&c, "#t0-fr", "Ma livraison").await;
    fill(&c, "#t0-en", "My delivery").await;
    c.find(Locator::Css(&format!("#t0-team option[value='{team}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    (team, shop, c)
}

async fn serve_page_on(port: u16, html: String) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let origin = format!("http://127.0.0.1:{port}");
    let task = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let html = html.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                    html.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
    (origin, task)
}

/// Issue 17: an agent writes a knowledge-base article in the pages and publishes it; a
/// customer writing a new case in French sees it suggested while typing, opens it, and
/// says it helped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_is_offered_an_article_while_writing_and_votes_on_it() {
    let w = World::start().await;
    w.staff(
        "Sophie Superviseure",
        "sophie@guichet.test",
        "supervisor",
        "fr",
        0.0,
    )
    .await;
    let c = w.browser("fr").await;
    w.sign_in(&c, "sophie@guichet.test").await;
    c.goto(&format!("{}/admin", w.base)).await.unwrap();
    click(&c, "#admin-kb").await;
    fill(&c, "#nc-fr", "Mon compte").await;
    fill(&c, "#nc-en", "My account").await;
    submit(&c, "#nc-submit").await;
    wait_text(&c, "#notice", "Enregistré").await;
    fill(&c, "#ns-fr", "Connexion").await;
    submit(&c, "#ns-submit").await;
    wait_text(&c, "#notice", "Enregistré").await;
    fill(&c, "#na-title", "Réinitialiser son mot de passe").await;
    submit(&c, "#na-submit").await;
    wait_text(&c, "#notice", "Enregistré").await;
    fill(
        &c,
        "#body-fr",
        "Sur la page de connexion, choisissez **Mot de passe oublié** : un lien arrive par e-mail.",
    )
    .await;
    submit(&c, "#save-fr").await;
    wait_text(&c, "#notice", "Enregistré").await;
    // A picture for the text and a guide under the article, chosen in the file input.
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    c.find(Locator::Css("#kb-file"))
        .await
        .unwrap()
        .send_keys(&format!("{fixtures}/screen.png"))
        .await
        .unwrap();
    submit(&c, "#file-add").await;
    wait_text(&c, "#file-list", "screen.png").await;
    let snippet = wait_text(
        &c,
        "#file-list code.md-snippet",
        "![screen.png](/help/files/",
    )
    .await;
    let guide = tempfile::tempdir().unwrap();
    let guide_path = guide.path().join("guide-connexion.pdf");
    std::fs::write(&guide_path, b"%PDF-1.4 guide").unwrap();
    c.find(Locator::Css("#kb-file"))
        .await
        .unwrap()
        .send_keys(guide_path.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "#kind-attachment").await;
    submit(&c, "#file-add").await;
    wait_text(&c, "#file-list", "guide-connexion.pdf").await;
    // A "picture" that is not one is refused next to the field, in French.
    let fake = guide.path().join("photo.png");
    std::fs::write(&fake, b"not a picture").unwrap();
    c.find(Locator::Css("#kb-file"))
        .await
        .unwrap()
        .send_keys(fake.to_str().unwrap())
        .await
        .unwrap();
    submit(&c, "#file-add").await;
    wait_text(&c, "#kb-file-err", "n’est pas une image").await;
    c.set_window_size(1280, 2200).await.unwrap();
    shot(&c, "admin-kb-files").await;
    c.set_window_size(1280, 900).await.unwrap();
    let body = value(&c, "#body-fr").await;
    fill(&c, "#body-fr", &format!("{body}\n\n{snippet}")).await;
    submit(&c, "#save-fr").await;
    wait_text(&c, "#notice", "Enregistré").await;
    c.find(Locator::Css("#ar-state option[value=published]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&c, "#ar-save").await;
    wait_text(&c, "#notice", "Enregistré").await;
    shot(&c, "admin-kb-article").await;
    // A customer with a password (the sign-in by link is tested above).
    w.api(
        reqwest::Method::POST,
        "/users.json",
        json!({"user": {"name": "Léa Martin", "email": "lea-kb@example.org", "password": "client-password-1", "locale": "fr"}}),
    )
    .await;
    c.delete_all_cookies().await.unwrap();
    c.set_window_size(375, 812).await.unwrap();
    c.goto(&format!("{}/portal/sign-in", w.base)).await.unwrap();
    fill(&c, "#email", "lea-kb@example.org").await;
    click(&c, "details.password summary").await;
    fill(&c, "#password", "client-password-1").await;
    click(&c, "#sign-in-password").await;
    wait_text(&c, "h1", "Mes demandes").await;
    click(&c, "#nav-new").await;
    fill(&c, "#subject", "Impossible de me connecter").await;
    fill(&c, "#body", "J’ai oublié mon mot de passe, que faire ?").await;
    let s = wait_text(&c, "#suggestions", "Réinitialiser son mot de passe").await;
    assert!(s.contains("Ces articles"), "{s}");
    assert_no_horizontal_scroll(&c, "the new-case page with suggestions").await;
    shot(&c, "portal-suggestions-375").await;
    let href = c
        .find(Locator::Css("#suggestions a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    c.goto(&format!("{}{href}", w.base)).await.unwrap();
    wait_text(&c, "#article-title", "Réinitialiser son mot de passe").await;
    // The picture is shown in the text (loaded, not a broken image) and the guide listed.
    wait_text(&c, "#article-files", "guide-connexion.pdf").await;
    let loaded = c
        .execute(
            "const i = document.querySelector('#article-body img'); \
             return i ? new Promise(r => i.complete ? r(i.naturalWidth) : i.onload = () => r(i.naturalWidth)) : 0;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded, json!(240), "the article's picture is loaded");
    click(&c, "#vote-yes").await;
    wait_text(&c, "#vote-thanks", "Merci").await;
    wait_text(&c, "#vote-count", "1 lecteur").await;
    assert_no_horizontal_scroll(&c, "the article").await;
    shot(&c, "help-article-375").await;
    // The article did not answer after all: the customer files the case. Deflection counts
    // one visitor shown the article, who opened it, and filed a case anyway.
    c.back().await.unwrap();
    c.back().await.unwrap();
    click(&c, "#nav-new").await;
    fill(&c, "#subject", "Impossible de me connecter").await;
    fill(&c, "#body", "J’ai suivi l’article, toujours bloquée.").await;
    submit(&c, "#send-new").await;
    wait_text(&c, "h1", "Impossible de me connecter").await;
    let d = w
        .api(
            reqwest::Method::GET,
            "/help_center/deflection.json",
            json!({}),
        )
        .await;
    let a = &d["deflection"]["articles"][0];
    assert_eq!(
        (&a["shown"], &a["opened"], &a["cases"]),
        (&json!(1), &json!(1), &json!(1)),
        "{d}"
    );
    assert_eq!(d["deflection"]["sources"][0]["source"], "portal", "{d}");
    // The help centre's home leads to the section's page.
    c.goto(&format!("{}/help?lang=fr", w.base)).await.unwrap();
    click(&c, "section.card h3 a").await;
    wait_text(&c, "#section-title", "Connexion").await;
    wait_text(&c, "#section-articles", "Réinitialiser son mot de passe").await;
    assert_no_horizontal_scroll(&c, "a section's page").await;
    shot(&c, "help-section-375").await;
    c.close().await.unwrap();
}

/// Issue 18: a visitor on a shop's page (another origin) opens the chat widget in English,
/// picks a topic and writes; the case lands in the topic's team; an agent answers from the
/// case page in French; the visitor sees the answer live and ends the chat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_chats_from_another_site_and_an_agent_answers_from_the_case_page() {
    let w = World::start().await;
    let (team, shop, agent) = shop_form(&w).await;
    fill(&agent, "#t1-key", "facture").await;
    fill(&agent, "#t1-fr", "Ma facture").await;
    fill(&agent, "#t1-en", "My invoice").await;
    click(&agent, "#fm-chat").await;
    submit(&agent, "#fm-save").await;
    wait_text(&agent, "#notice", "Enregistré").await;
    let script = agent
        .find(Locator::Css("#chat-script"))
        .await
        .expect("the chat's tag is shown once the chat is on")
        .text()
        .await
        .unwrap();
    assert!(script.contains("/chat.js\""), "{script}");
    let port: u16 = shop.rsplit(':').next().unwrap().parse().unwrap();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Shop</title></head>\
         <body><h1>The shop</h1><p>Questions?</p>{script}</body></html>"
    );
    let (_, server) = serve_page_on(port, html).await;

    let visitor = w.browser("en").await;
    visitor.goto(&shop).await.unwrap();
    let button = visitor
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#guichet-chat-button"))
        .await
        .expect("the launcher");
    assert_eq!(
        button.attr("aria-label").await.unwrap().as_deref(),
        Some("Chat with us")
    );
    button.click().await.unwrap();
    let frame = visitor
        .find(Locator::Css("#guichet-chat-frame"))
        .await
        .unwrap();
    assert!(frame.is_displayed().await.unwrap());
    frame.enter_frame().await.unwrap();
    // Nobody online yet: the widget offers the form instead.
    wait_text(&visitor, "#chat-offline", "Nobody is available").await;
    let href = visitor
        .find(Locator::Css("#chat-offline-form"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(href.contains("embed=1"), "{href}");
    visitor.enter_parent_frame().await.unwrap();
    shot(&visitor, "chat-widget-offline").await;
    // Alice goes online from the header; the visitor comes back.
    agent
        .find(Locator::Css("#chat-status option[value=online]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    agent
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#chat-status.status-online"))
        .await
        .expect("online, shown in the header");
    shot(&agent, "agent-header-online").await;
    visitor.refresh().await.unwrap();
    click(&visitor, "#guichet-chat-button").await;
    let frame = visitor
        .find(Locator::Css("#guichet-chat-frame"))
        .await
        .unwrap();
    frame.enter_frame().await.unwrap();
    wait_text(&visitor, "#chat-title", "Let’s talk").await;
    // A topic is required when the widget has several.
    fill(&visitor, "#chat-first", "My parcel has not arrived.").await;
    click(&visitor, "#chat-start-send").await;
    wait_text(&visitor, "#chat-start-error", "topic").await;
    visitor
        .find(Locator::Css("#chat-topic option[value=livraison]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&visitor, "#chat-start-send").await;
    // Its place in the queue (first), and why it waits.
    wait_text(&visitor, "#chat-status", "You are next").await;
    wait_text(&visitor, "#chat-log", "My parcel has not arrived.").await;
    visitor.enter_parent_frame().await.unwrap();
    shot(&visitor, "chat-widget-waiting").await;

    // The conversation is a case of channel chat in the topic's team.
    let list = w
        .api(reqwest::Method::GET, "/tickets?sort_order=desc", json!({}))
        .await;
    let tk = list["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["via"]["channel"] == "chat")
        .expect("a chat case")
        .clone();
    assert_eq!(tk["group_id"], team);
    let id = tk["id"].as_i64().unwrap();
    agent.goto(&format!("{}/cases/{id}", w.base)).await.unwrap();
    wait_text(&agent, "#timeline", "My parcel has not arrived.").await;
    fill(
        &agent,
        "#body",
        "Bonjour, je regarde votre colis tout de suite.",
    )
    .await;
    click(&agent, "#send").await;
    wait_text(&agent, "#timeline", "je regarde votre colis").await;

    // The visitor sees it live, named.
    frame.enter_frame().await.unwrap();
    let log = wait_text(&visitor, "#chat-log .msg.agent", "je regarde votre colis").await;
    assert!(log.contains("Alice Admin"), "{log}");
    // Assigned, the chat tells the visitor who joined.
    let alice = w
        .api(
            reqwest::Method::GET,
            "/users/search?query=alice@guichet.test",
            json!({}),
        )
        .await["users"][0]["id"]
        .as_i64()
        .unwrap();
    w.api(
        reqwest::Method::PUT,
        &format!("/tickets/{id}"),
        json!({"ticket": {"assignee_id": alice}}),
    )
    .await;
    wait_text(&visitor, "#chat-log", "Alice Admin joined the chat").await;
    // The visitor typing shows on the agent's case page.
    fill(&visitor, "#chat-input", "D’accord").await;
    wait_text(&agent, "#presence", "Le client écrit").await;
    visitor.enter_parent_frame().await.unwrap();
    shot(&visitor, "chat-widget-answered").await;
    // Closed, the widget counts what arrives on its launcher.
    click(&visitor, "#guichet-chat-button").await;
    fill(&agent, "#body", "Il arrive demain.").await;
    click(&agent, "#send").await;
    let badge = visitor
        .find(Locator::Css("#guichet-chat-button span"))
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while badge.text().await.unwrap() != "1" {
        assert!(tokio::time::Instant::now() < deadline, "unread badge");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    click(&visitor, "#guichet-chat-button").await;
    frame.enter_frame().await.unwrap();
    wait_text(&visitor, "#chat-log", "Il arrive demain.").await;
    // The visitor ends the chat.
    click(&visitor, "#chat-end").await;
    visitor.accept_alert().await.unwrap();
    wait_text(&visitor, "#chat-ended", "Chat ended").await;
    visitor.close().await.unwrap();

    // On the shop's French page, on a phone: the chat speaks French, takes the whole
    // screen, nothing scrolls sideways, and its own button closes it.
    server.abort();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let html = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Boutique</title></head>\
         <body><h1>La boutique</h1><p>Une question ?</p>{script}</body></html>"
    );
    let (_, server) = serve_page_on(port, html).await;
    let phone = w.browser("fr").await;
    phone.set_window_size(375, 740).await.unwrap();
    phone.goto(&shop).await.unwrap();
    phone
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#guichet-chat-button"))
        .await
        .unwrap();
    click(&phone, "#guichet-chat-button").await;
    let frame = phone
        .find(Locator::Css("#guichet-chat-frame"))
        .await
        .unwrap();
    let (_, _, fw, _) = frame.rectangle().await.unwrap();
    assert!(fw >= 370.0, "full width on a phone: {fw}");
    frame.enter_frame().await.unwrap();
    wait_text(&phone, "#chat-title", "Discutons").await;
    wait_text(&phone, "label[for=chat-topic]", "Votre question concerne").await;
    assert_no_horizontal_scroll(&phone, "chat frame on a phone").await;
    phone.enter_parent_frame().await.unwrap();
    shot(&phone, "chat-widget-phone").await;
    frame.enter_frame().await.unwrap();
    click(&phone, "#chat-close").await;
    phone.enter_parent_frame().await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while frame.is_displayed().await.unwrap() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the frame's own button closes it"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    phone.close().await.unwrap();

    // Where WebSockets are blocked: the same conversation over POST and an event stream
    // (the frame opened by itself, told to use the fallback from the start).
    let key = script
        .split("/form/")
        .nth(1)
        .and_then(|x| x.split('/').next())
        .unwrap()
        .to_string();
    // An article may answer before anyone is asked: the visitor first says it did, then
    // asks again and wants to talk to someone.
    let cat = w
        .api(
            reqwest::Method::POST,
            "/help_center/categories",
            json!({"category": {"name": "Factures", "locale": "fr"}}),
        )
        .await["category"]["id"]
        .as_i64()
        .unwrap();
    let sec = w
        .api(
            reqwest::Method::POST,
            &format!("/help_center/categories/{cat}/sections"),
            json!({"section": {"name": "Erreurs", "locale": "fr"}}),
        )
        .await["section"]["id"]
        .as_i64()
        .unwrap();
    w.api(
        reqwest::Method::POST,
        &format!("/help_center/sections/{sec}/articles"),
        json!({"article": {"title": "Corriger une facture fausse", "locale": "fr", "draft": false,
            "permission_group_id": 1,
            "body": "<p>Une facture fausse se corrige depuis votre espace client.</p>"}}),
    )
    .await;
    let plain = w.browser("fr").await;
    plain
        .goto(&format!(
            "{}/form/{key}/chat?transport=http&lang=fr",
            w.base
        ))
        .await
        .unwrap();
    plain
        .find(Locator::Css("#chat-topic option[value=facture]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&plain, "#chat-first", "Ma facture est fausse.").await;
    click(&plain, "#chat-start-send").await;
    wait_text(&plain, "#chat-suggest", "Corriger une facture fausse").await;
    shot(&plain, "chat-widget-suggestions").await;
    click(&plain, "#chat-suggest-yes").await;
    wait_text(&plain, "#chat-answered", "Tant mieux").await;
    click(&plain, "#chat-answered-back").await;
    fill(&plain, "#chat-first", "Ma facture est toujours fausse.").await;
    click(&plain, "#chat-start-send").await;
    wait_text(&plain, "#chat-suggest", "Corriger une facture fausse").await;
    click(&plain, "#chat-suggest-no").await;
    wait_text(&plain, "#chat-status", "Vous êtes le prochain").await;
    // Counted under the widget: shown, said to answer (opened), and a chat anyway.
    let d = w
        .api(reqwest::Method::GET, "/help_center/deflection", json!({}))
        .await;
    let src = d["deflection"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["source"] == format!("chat:{key}"))
        .unwrap_or_else(|| panic!("the widget's counts in {d}"))
        .clone();
    assert_eq!(
        (&src["shown"], &src["opened"], &src["cases"]),
        (&json!(1), &json!(1), &json!(1)),
        "{d}"
    );
    let list = w
        .api(reqwest::Method::GET, "/tickets?sort_order=desc", json!({}))
        .await;
    let second = list["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["via"]["channel"] == "chat")
        .map(|t| t["id"].as_i64().unwrap())
        .max()
        .unwrap();
    assert_ne!(second, id);
    // An answer through the API joins the live chat, streamed to the visitor.
    w.api(
        reqwest::Method::PUT,
        &format!("/tickets/{second}"),
        json!({"ticket": {"comment": {"body": "Je corrige votre facture.", "public": true}}}),
    )
    .await;
    wait_text(&plain, "#chat-log .msg.agent", "Je corrige votre facture.").await;
    fill(&plain, "#chat-input", "Merci beaucoup").await;
    click(&plain, "#chat-send").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let seen = w
            .api(
                reqwest::Method::GET,
                &format!("/tickets/{second}/comments"),
                json!({}),
            )
            .await;
        if seen.to_string().contains("Merci beaucoup") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the POST reached the case"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pending = plain
        .execute(
            "return document.querySelectorAll('#chat-log .pending').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(pending, json!(0), "every message acknowledged");
    server.abort();
    plain.close().await.unwrap();
    agent.close().await.unwrap();
}
