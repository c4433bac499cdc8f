//! `guichet bench`: measurements recorded in BENCHMARKS.md. The server runs as a separate
//! child process (its RSS is read from /proc), the clients in this one.

use crate::config::Config;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use hdrhistogram::Histogram;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchCmd,
}

#[derive(Subcommand)]
enum BenchCmd {
    /// Case creation over HTTP (POST /api/v2/tickets) with concurrent clients.
    Create {
        /// Comma-separated client counts.
        #[arg(long, default_value = "1,8,64")]
        clients: String,
        /// Seconds per client count.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Search and team-inbox queries over a seeded database.
    Query {
        /// Cases to seed (skipped if the database already holds that many).
        #[arg(long, default_value_t = 100_000)]
        cases: i64,
        /// Queries per kind.
        #[arg(long, default_value_t = 500)]
        queries: usize,
    },
    /// Service standards: clock upkeep per reply, jobs fired per second, attainment over
    /// many finished clocks. Run it on an empty database.
    Standards {
        /// Cases per phase of the reply measurement (and cases whose breach fires).
        #[arg(long, default_value_t = 1000)]
        cases: i64,
        /// Finished clock instances for the attainment query.
        #[arg(long, default_value_t = 1_000_000)]
        clocks: i64,
    },
    /// Knowledge base: search and suggestions over N articles in French and English.
    Kb {
        /// Articles (each in both languages; seeded once).
        #[arg(long, default_value_t = 10_000)]
        articles: i64,
        /// Requests per query.
        #[arg(long, default_value_t = 300)]
        requests: usize,
    },
    /// Customer side: portal pages with one organisation's many cases, contact-form
    /// submissions per second with the spam checks on, the bytes of the embedded form.
    Portal {
        /// Cases of the organisation (seeded once).
        #[arg(long, default_value_t = 10_000)]
        cases: i64,
        /// Requests per page.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Contact-form submissions (under the global bucket's 300 at once).
        #[arg(long, default_value_t = 250)]
        submissions: usize,
    },
    /// Live chat: memory per idle widget socket, and the time from a visitor's send to
    /// its event on another socket following the conversation, with many chats open.
    /// Needs an open-files limit above idle + 2 × chats (`ulimit -n`).
    Chat {
        /// Idle widget sockets (said hello, wait).
        #[arg(long, default_value_t = 10_000)]
        idle: usize,
        /// Open conversations, each with a writer and a follower socket.
        #[arg(long, default_value_t = 1000)]
        chats: usize,
        /// Messages sent across the conversations.
        #[arg(long, default_value_t = 2000)]
        messages: usize,
        /// Messages per second.
        #[arg(long, default_value_t = 200)]
        rate: u32,
    },
    /// Agent pages: server time of the inbox and of a 200-message case page over a seeded
    /// database, and the bytes of CSS and JavaScript per page.
    Ui {
        /// Cases to seed (skipped if the database already holds that many).
        #[arg(long, default_value_t = 100_000)]
        cases: i64,
        /// Requests per page.
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
    /// Email: inbound messages/s over LMTP and through one IMAP batch, outbound
    /// messages/s, memory while a large message goes through. Run it on an empty
    /// database, with the test mail servers (`scripts/mail-servers.sh start`).
    Mail {
        /// Messages delivered over LMTP.
        #[arg(long, default_value_t = 5000)]
        messages: usize,
        /// Concurrent LMTP connections.
        #[arg(long, default_value_t = 4)]
        clients: usize,
        /// Messages in the IMAP batch.
        #[arg(long, default_value_t = 10_000)]
        imap_messages: usize,
        /// IMAP server host:port (any user, password "secret"); skipped without it.
        #[arg(long)]
        imap: Option<String>,
        /// SMTP server host:port receiving the outbound mail; skipped without it.
        #[arg(long)]
        smtp: Option<String>,
        /// Size of the large message in MB.
        #[arg(long, default_value_t = 25)]
        big_mb: usize,
    },
}

fn rss_kb(pid: u32) -> Option<u64> {
    status_kb(&pid.to_string(), "VmRSS:")
}

/// A `kB` field (`VmRSS:`, `VmHWM:`) of `/proc/{pid}/status`; `pid` may be `self`.
pub(crate) fn status_kb(pid: &str, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub async fn run(args: BenchArgs, cfg: Config) -> Result<()> {
    match args.what {
        BenchCmd::Create { clients, seconds } => create(cfg, &clients, seconds).await,
        BenchCmd::Query { cases, queries } => query(cfg, cases, queries).await,
        BenchCmd::Standards { cases, clocks } => standards(cfg, cases, clocks).await,
        BenchCmd::Chat {
            idle,
            chats,
            messages,
            rate,
        } => crate::bench_chat::run(cfg, idle, chats, messages, rate).await,
        BenchCmd::Ui { cases, requests } => crate::bench_ui::run(cfg, cases, requests).await,
        BenchCmd::Kb { articles, requests } => crate::bench_kb::run(cfg, articles, requests).await,
        BenchCmd::Portal {
            cases,
            requests,
            submissions,
        } => crate::bench_portal::run(cfg, cases, requests, submissions).await,
        BenchCmd::Mail {
            messages,
            clients,
            imap_messages,
            imap,
            smtp,
            big_mb,
        } => {
            let b = crate::bench_mail::MailBench {
                messages,
                clients,
                imap_messages,
                imap,
                smtp,
                big_mb,
            };
            crate::bench_mail::run(cfg, b).await
        }
    }
}

async fn create(cfg: Config, clients: &str, seconds: u64) -> Result<()> {
    let counts: Vec<usize> = clients
        .split(',')
        .map(|c| c.trim().parse())
        .collect::<Result<_, _>>()
        .context("--clients")?;
    let server = Server::start(&cfg, &[]).await?;
    let (pid, base, http, tmp, email, exe) = (
        server.pid,
        server.base.clone(),
        server.http.clone(),
        server.tmp.clone(),
        server.email.clone(),
        std::env::current_exe()?,
    );
    let backend = if cfg.database_url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    // Authenticate with an API token, as integrations do: password auth runs Argon2id on
    // every request by design and would measure the hash, not Guichet.
    let mut tc = tokio::process::Command::new(&exe);
    tc.arg("token")
        .arg("create")
        .arg("--email")
        .arg(&email)
        .arg("--data-dir")
        .arg(&tmp);
    if !cfg.database_url.is_empty() {
        tc.arg("--database-url").arg(&cfg.database_url);
    }
    let out = tc.output().await.context("guichet token create")?;
    if !out.status.success() {
        bail!(
            "token create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let token = String::from_utf8(out.stdout)?.trim().to_string();
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!(
        "backend {backend}; server idle RSS {} KiB",
        rss_kb(pid).unwrap_or(0)
    );
    let mut peak = 0;
    for n in counts {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for c in 0..n {
            let http = http.clone();
            let (base, token) = (base.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let mut h = Histogram::<u64>::new(3).expect("histogram");
                let mut i = 0u64;
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    i += 1;
                    let body = serde_json::json!({"ticket": {
                        "subject": format!("Colis abîmé numéro {c}-{i}"),
                        "comment": {"body": "Bonjour, mon colis est arrivé abîmé. Pouvez-vous m'aider ?"},
                        "requester": {"name": format!("Client {c}"), "email": format!("client{c}@example.com")},
                        "priority": "normal", "tags": ["colis", "bench"]}});
                    let t0 = Instant::now();
                    let r = http.post(format!("{base}/api/v2/tickets.json")).bearer_auth(&token).json(&body).send().await;
                    let ok = matches!(&r, Ok(r) if r.status().as_u16() == 201);
                    if ok {
                        h.record(t0.elapsed().as_micros() as u64).ok();
                    } else {
                        errors += 1;
                    }
                }
                (h, errors)
            }));
        }
        let mut all = Histogram::<u64>::new(3)?;
        let mut errors = 0;
        for t in tasks {
            let (h, e) = t.await?;
            all.add(h)?;
            errors += e;
        }
        peak = peak.max(rss_kb(pid).unwrap_or(0));
        println!(
            "clients {n:>3}: {:>7.0} cases/s  p50 {:>6.2} ms  p99 {:>6.2} ms  errors {errors}  server RSS {} KiB",
            all.len() as f64 / seconds as f64,
            all.value_at_quantile(0.5) as f64 / 1000.0,
            all.value_at_quantile(0.99) as f64 / 1000.0,
            rss_kb(pid).unwrap_or(0)
        );
    }
    println!("server peak RSS under load {peak} KiB");
    server.stop().await;
    Ok(())
}

/// `guichet serve` as a child process on a fresh data directory (its RSS is its own), with
/// an admin account, ready to answer.
pub(crate) struct Server {
    child: tokio::process::Child,
    pub pid: u32,
    pub port: u16,
    pub base: String,
    pub http: reqwest::Client,
    pub tmp: std::path::PathBuf,
    pub email: String,
}

impl Server {
    pub async fn start(cfg: &Config, env: &[(&str, &str)]) -> Result<Server> {
        let tmp = std::env::temp_dir().join(format!("guichet-bench-{}", std::process::id()));
        std::fs::create_dir_all(&tmp)?;
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let exe = std::env::current_exe()?;
        let mut cmd = tokio::process::Command::new(&exe);
        cmd.arg("serve")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(&tmp);
        if !cfg.database_url.is_empty() {
            cmd.arg("--database-url").arg(&cfg.database_url);
        }
        let email = format!("bench-{}@example.com", std::process::id());
        cmd.env("GUICHET_ADMIN_EMAIL", &email)
            .env("GUICHET_ADMIN_PASSWORD", "bench-password-123")
            .env("GUICHET_RATE_LIMIT_PER_MINUTE", "100000000")
            .env("GUICHET_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .kill_on_drop(true);
        let child = cmd.spawn().context("starting guichet serve")?;
        let pid = child.id().unwrap_or(0);
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()?;
        let started = Instant::now();
        loop {
            if http
                .get(format!("{base}/readyz"))
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false)
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                bail!("server did not start");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Server {
            child,
            pid,
            port,
            base,
            http,
            tmp,
            email,
        })
    }

    pub fn rss_kb(&self) -> u64 {
        rss_kb(self.pid).unwrap_or(0)
    }

    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

async fn query(cfg: Config, cases: i64, queries: usize) -> Result<()> {
    let (app, store) = crate::open_app(&cfg).await?;
    let store = &store;
    let have = store.case_total().await?;
    if have < cases {
        println!("seeding {} cases into {} …", cases - have, store.backend());
        seed(&app, store, cases - have).await?;
    }
    // As autovacuum (PostgreSQL) or `PRAGMA optimize` would have by now in production.
    store.analyze().await?;
    let teams: Vec<i64> = store
        .teams(0, 100)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let mut inbox = Histogram::<u64>::new(3)?;
    for i in 0..queries {
        let team = teams[i % teams.len()];
        let mut f = store::CaseFilter::default();
        f.push(store::Cond::Col {
            col: store::CaseCol::TeamId,
            cmp: store::Cmp::Eq,
            val: store::Val::Int(team),
        });
        f.push(store::Cond::In {
            col: store::CaseCol::Status,
            vals: ["new", "open", "pending", "hold"]
                .iter()
                .map(|s| store::Val::Text(s.to_string()))
                .collect(),
            negated: false,
        });
        f.sort = store::CaseSort::NextDue;
        let t0 = Instant::now();
        let rows = store
            .cases(
                &f,
                store::Page {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await?;
        inbox.record(t0.elapsed().as_micros() as u64)?;
        if rows.is_empty() {
            bail!(
                "the inbox of team {team} is empty: the seed data is not what this bench expects"
            );
        }
    }
    let words = [
        "colis",
        "remboursement",
        "facture",
        "livraison",
        "retard",
        "abime",
        "commande",
        "garantie",
    ];
    let mut search = Histogram::<u64>::new(3)?;
    for i in 0..queries {
        let q = format!(
            "{} {}",
            words[i % words.len()],
            words[(i / 8 + 3) % words.len()]
        );
        let mut f = store::CaseFilter::default();
        f.push(store::Cond::Text {
            words: domain::text::search_words(&q),
            phrase: false,
            negated: false,
        });
        f.sort = store::CaseSort::UpdatedAt;
        f.dir = store::SortDir::Desc;
        let t0 = Instant::now();
        let _ = store
            .cases(
                &f,
                store::Page {
                    limit: 100,
                    ..Default::default()
                },
            )
            .await?;
        search.record(t0.elapsed().as_micros() as u64)?;
    }
    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!("{} cases on {}", store.case_total().await?, store.backend());
    println!(
        "team inbox (50, by due): p50 {:.2} ms  p99 {:.2} ms",
        ms(&inbox, 0.5),
        ms(&inbox, 0.99)
    );
    println!(
        "full-text search (100):  p50 {:.2} ms  p99 {:.2} ms",
        ms(&search, 0.5),
        ms(&search, 0.99)
    );
    Ok(())
}

/// Bulk data through the same use case as every channel, in parallel batches.
pub(crate) async fn seed(app: &app::App, store: &store::Store, n: i64) -> Result<()> {
    let admin = app::Actor {
        user_id: 0,
        role: domain::Role::Admin,
        name: "seed".into(),
    };
    let mut teams = store.teams(0, 10).await?;
    let admin_id = match store.users(0, 1, true).await?.first() {
        Some(u) => u.id,
        None => {
            app.create_admin("seed@example.com", "Seed", "seed-password-123")
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .user
                .id
        }
    };
    let admin = app::Actor {
        user_id: admin_id,
        ..admin
    };
    while teams.len() < 10 {
        teams.push(
            app.create_team(&admin, &format!("Équipe {}", teams.len() + 1), "", true)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .into(),
        );
    }
    let words = [
        "colis",
        "remboursement",
        "facture",
        "livraison",
        "retard",
        "abîmé",
        "commande",
        "garantie",
        "échange",
        "mot de passe",
    ];
    let statuses = [
        domain::Status::New,
        domain::Status::Open,
        domain::Status::Pending,
        domain::Status::Solved,
        domain::Status::Solved,
    ];
    let t0 = Instant::now();
    // PostgreSQL takes concurrent writers; SQLite has one (group commit batches them).
    let per = if store.backend() == "postgres" { 16 } else { 4 };
    let chunk = n / per + 1;
    let mut tasks = Vec::new();
    for w in 0..per {
        let app = app.clone();
        let admin = admin.clone();
        let teams: Vec<i64> = teams.iter().map(|t| t.id).collect();
        tasks.push(tokio::spawn(async move {
            for i in (w * chunk)..((w + 1) * chunk).min(n) {
                let k = i as usize;
                let new = app::cases::NewCase {
                    subject: Some(format!("{} {} n°{i}", words[k % 10], words[(k / 10) % 10])),
                    comment: Some(app::cases::CommentInput {
                        body: format!(
                            "Bonjour, problème de {} avec ma {}.",
                            words[(k / 7) % 10],
                            words[(k / 3) % 10]
                        ),
                        ..Default::default()
                    }),
                    requester: Some(app::cases::RequesterRef::Email {
                        email: domain::EmailAddress::parse(&format!("c{}@example.com", k % 50_000))
                            .expect("valid"),
                        name: None,
                        locale: None,
                    }),
                    team_id: Some(teams[k % teams.len()]),
                    // Independent of the team (k % 10), so every team has open work.
                    status: Some(statuses[(k / 10) % statuses.len()]),
                    due_at: Some(
                        jiff::Timestamp::from_second(1_800_000_000 + (k as i64 * 37) % 1_000_000)
                            .expect("valid"),
                    ),
                    ..Default::default()
                };
                app.create_case(&admin, new, None)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                if i % 50_000 == 0 && i > 0 {
                    println!("  {i} …");
                }
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    println!("seeded {n} cases in {:.0} s", t0.elapsed().as_secs_f64());
    Ok(())
}

fn app_err(e: app::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Median and p99 in milliseconds of a histogram of microseconds.
fn med_p99(h: &Histogram<u64>) -> (f64, f64) {
    (
        h.value_at_quantile(0.5) as f64 / 1000.0,
        h.value_at_quantile(0.99) as f64 / 1000.0,
    )
}

async fn standards(cfg: Config, cases: i64, clocks: i64) -> Result<()> {
    use domain::Clock;
    let (_, store) = crate::open_app(&cfg).await?;
    if store.standards_exist().await? || store.case_total().await? > 0 {
        bail!("run `bench standards` on an empty database (a fresh --data-dir or database)");
    }
    // Time is simulated so deadlines pass at once.
    let clock = std::sync::Arc::new(domain::ManualClock::new(jiff::Timestamp::now()));
    let app = app::App::new(store.clone(), clock.clone(), app::AppConfig::default());
    let admin_id = app
        .create_admin("bench@example.com", "Bench", "bench-password-123")
        .await
        .map_err(app_err)?
        .user
        .id;
    let admin = app::Actor {
        user_id: admin_id,
        role: domain::Role::Admin,
        name: "bench".into(),
    };
    let backend = store.backend();
    // 1. The cost of clock upkeep on a reply: the same work without, then with, standards.
    let phase = |label: &'static str| {
        let app = app.clone();
        let admin = admin.clone();
        async move {
            let mut ids = Vec::new();
            for i in 0..cases {
                let new = app::cases::NewCase {
                    subject: Some(format!("Colis {label} {i}")),
                    comment: Some(app::cases::CommentInput {
                        body: "Bonjour, mon colis est abîmé.".into(),
                        ..Default::default()
                    }),
                    requester: Some(app::cases::RequesterRef::Email {
                        email: domain::EmailAddress::parse(&format!("c{}@example.com", i % 100))
                            .expect("valid"),
                        name: None,
                        locale: None,
                    }),
                    ..Default::default()
                };
                ids.push(
                    app.create_case(&admin, new, None)
                        .await
                        .map_err(app_err)?
                        .case
                        .id,
                );
            }
            let mut h = Histogram::<u64>::new(3)?;
            for id in &ids {
                let t0 = Instant::now();
                app.reply(&admin, *id, "Nous vous envoyons un nouveau colis.")
                    .await
                    .map_err(app_err)?;
                h.record(t0.elapsed().as_micros() as u64)?;
            }
            Ok::<_, anyhow::Error>((h, ids))
        }
    };
    let (without, _) = phase("sans").await?;
    for (name, metric) in [
        ("Première réponse", domain::standards::Metric::FirstResponse),
        ("Réponse suivante", domain::standards::Metric::NextResponse),
        ("Nouvelles", domain::standards::Metric::PeriodicUpdate),
        ("Résolution", domain::standards::Metric::Resolution),
        ("Attente client", domain::standards::Metric::CustomerWait),
    ] {
        app.create_standard(
            &admin,
            app::standards::StandardInput {
                name: Some(name.into()),
                metric: Some(metric),
                threshold_minutes: Some(60),
                target_percent: Some(90.0),
                ..Default::default()
            },
        )
        .await
        .map_err(app_err)?;
    }
    let (with, _) = phase("avec").await?;
    let (a, a99) = med_p99(&without);
    let (b, b99) = med_p99(&with);
    println!("backend {backend}; {cases} sequential replies per phase");
    println!("reply without standards: p50 {a:.3} ms  p99 {a99:.3} ms");
    println!(
        "reply with 5 standards:  p50 {b:.3} ms  p99 {b99:.3} ms  (clock upkeep +{:.0} % at the median)",
        (b / a - 1.0) * 100.0
    );

    // 2. Jobs fired per second: every open clock of the second phase passes its warning
    //    and its deadline at once (the replies closed first-response clocks; periodic
    //    update, resolution and customer wait stay open).
    clock.advance(jiff::SignedDuration::from_hours(2));
    let t0 = Instant::now();
    let mut fired = 0;
    loop {
        let n = app.run_due_jobs(500).await.map_err(app_err)?;
        if n == 0 {
            break;
        }
        fired += n;
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "jobs: {fired} case jobs (warnings and breaches of 3 clocks each) in {secs:.2} s = {:.0} jobs/s",
        fired as f64 / secs
    );

    // 3. Attainment over many finished clocks of one standard (a month of them).
    let sid = app
        .create_standard(
            &admin,
            app::standards::StandardInput {
                name: Some("Attainment".into()),
                metric: Some(domain::standards::Metric::FirstResponse),
                threshold_minutes: Some(60),
                target_percent: Some(90.0),
                scope: Some(domain::standards::Scope {
                    tags: vec!["nothing-has-this-tag".into()],
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .map_err(app_err)?
        .id;
    let first_case = 1;
    let now = clock.now().as_millisecond();
    let month = 30 * 86_400_000i64;
    let t0 = Instant::now();
    store
        .bench_fill_clocks(sid, first_case, cases, clocks, now - month, month)
        .await?;
    println!(
        "filled {clocks} finished clocks in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    store.analyze().await?;
    for (label, window, group) in [
        (
            "month, total",
            app::standards::clocks::Window::Month,
            app::model::Grouping::All,
        ),
        (
            "month, per team",
            app::standards::clocks::Window::Month,
            app::model::Grouping::Team,
        ),
        (
            "month, per agent",
            app::standards::clocks::Window::Month,
            app::model::Grouping::Agent,
        ),
        (
            "day, total",
            app::standards::clocks::Window::Day,
            app::model::Grouping::All,
        ),
    ] {
        let mut h = Histogram::<u64>::new(3)?;
        let mut total = 0;
        for _ in 0..7 {
            let t0 = Instant::now();
            let a = app
                .attainment(&admin, sid, window, group)
                .await
                .map_err(app_err)?;
            h.record(t0.elapsed().as_micros() as u64)?;
            total = a.total.achieved + a.total.breached;
        }
        let (m, p) = med_p99(&h);
        println!("attainment {label:<17} over {total:>8} clocks: median {m:.1} ms  max {p:.1} ms");
    }
    Ok(())
}

/// Time `requests` GETs of one page end to end (request to last byte) after 10 warm-up
/// ones, each request prepared by `with` (a cookie, credentials); the latencies in µs.
/// GET `url` `requests` times one after the other (after 10 to warm up), through the
/// clients in turn (several clients: several client addresses, for routes limited per
/// address); the histogram of the times in microseconds.
pub(crate) async fn time_gets(
    clients: &[reqwest::Client],
    url: &str,
    requests: usize,
    with: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Result<Histogram<u64>> {
    let mut h = Histogram::<u64>::new(3)?;
    for i in 0..requests + 10 {
        let http = &clients[i % clients.len()];
        let t0 = Instant::now();
        let r = with(http.get(url)).send().await.context("request")?;
        if !r.status().is_success() {
            bail!("{url}: {}", r.status());
        }
        r.bytes().await?;
        if i >= 10 {
            h.record(t0.elapsed().as_micros() as u64)?;
        }
    }
    Ok(h)
}
