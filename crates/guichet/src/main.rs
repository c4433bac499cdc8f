//! The `guichet` binary: command line, configuration, wiring of store → app → web.

mod bench;
mod bench_chat;
mod bench_kb;
mod bench_mail;
mod bench_portal;
mod bench_ui;
mod config;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use config::{Config, Overrides};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "guichet",
    version,
    about = "Guichet — customer service with measurable standards"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Clone)]
struct Common {
    /// Configuration file (TOML).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data directory (embedded database lives here) [env: GUICHET_DATA_DIR].
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// `sqlite:PATH` or `postgres://…` [env: GUICHET_DATABASE_URL].
    #[arg(long, global = true)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on [env: GUICHET_BIND].
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        cmd: AdminCmd,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        cmd: TokenCmd,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
    /// Measure performance (see BENCHMARKS.md).
    Bench(bench::BenchArgs),
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Create an administrator; the password is read from stdin or --password-file.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Create an API token for a user and print it.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Stop working after this many days (default: never).
        #[arg(long)]
        days: Option<u32>,
    },
    /// List a user's API tokens (id, name, dates; never the token).
    List {
        #[arg(long)]
        email: String,
    },
    /// Revoke an API token by its id.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Print the default configuration file.
    PrintDefault,
}

fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GUICHET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A log that cannot be written (its disk is full) must not turn into a panic: the
        // default reports the failure with eprintln!, which panics when stderr fails too.
        .log_internal_errors(false);
    if format == "json" {
        b.json().init();
    } else {
        b.init();
    }
}

/// The application and the store under it: only the binary holds both (it wires the
/// transports to `app`, runs maintenance and seeds benchmarks).
pub async fn open_app(cfg: &Config) -> Result<(app::App, store::Store)> {
    if cfg.database_url.is_empty() {
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("creating data directory {}", cfg.data_dir.display()))?;
    }
    let url = cfg.database_url();
    let store = store::Store::connect(
        &url,
        &store::StoreOptions {
            max_connections: cfg.max_connections,
            sqlite_synchronous_full: cfg.sqlite_synchronous_full,
            write_queue: cfg.write_queue,
        },
    )
    .await
    .with_context(|| "connecting to the database")?;
    let clock: Arc<dyn domain::Clock> = Arc::new(domain::SystemClock);
    let applied = store
        .migrate(clock.now().as_millisecond())
        .await
        .context("running migrations")?;
    if !applied.is_empty() {
        tracing::info!(?applied, backend = store.backend(), "migrations applied");
    }
    let app_cfg = app::AppConfig {
        quiet_period: jiff::SignedDuration::from_hours(cfg.quiet_period_hours as i64),
        chat_idle: jiff::SignedDuration::from_mins(cfg.chat_idle_minutes.max(1) as i64),
        max_attachment_bytes: cfg.max_attachment_bytes,
        mail: app::email::MailConfig {
            domain: cfg.mail_domain.clone(),
            max_message_bytes: cfg.max_email_bytes,
            raw_retention_days: cfg.email_retention_days,
            authserv_id: cfg.mail_authserv_id.clone(),
            lmtp_bind: cfg.lmtp_bind.clone(),
            imap_enabled: cfg.imap_enabled,
            // Set in the config file or environment: it wins over the admin pages' one.
            relay: (!cfg.smtp_host.is_empty()).then(|| app::email::relay::RelaySettings {
                host: cfg.smtp_host.clone(),
                port: cfg.smtp_port,
                security: cfg.smtp_security.clone(),
                user: Some(cfg.smtp_user.clone()).filter(|u| !u.is_empty()),
                password: Some(cfg.smtp_password.clone()).filter(|p| !p.is_empty()),
            }),
            ..Default::default()
        },
        public_url: public_url(&cfg.public_url)?,
        portal_jwt_secret: match cfg.portal_jwt_secret.as_str() {
            "" => None,
            s if s.len() < 32 => anyhow::bail!("portal_jwt_secret: at least 32 characters"),
            s => Some(app::Secret::new(s)),
        },
        upload_quota_customer: cfg.upload_quota_customer_bytes,
        upload_quota_staff: cfg.upload_quota_staff_bytes,
        compensation_ceiling_cents: (cfg.compensation_ceiling.min(i64::MAX as u64 / 100) as i64)
            * 100,
        limit_currency: domain::Currency::parse(&cfg.compensation_currency)
            .map_err(|_| anyhow::anyhow!("compensation_currency: not an ISO 4217 code"))?
            .as_str()
            .to_string(),
        ..Default::default()
    };
    Ok((app::App::new(store.clone(), clock, app_cfg), store))
}

/// `public_url`, checked: an http(s) URL without path, query or fragment.
fn public_url(raw: &str) -> anyhow::Result<Option<String>> {
    let u = raw.trim().trim_end_matches('/');
    if u.is_empty() {
        return Ok(None);
    }
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .ok_or_else(|| anyhow::anyhow!("public_url: must start with https:// or http://"))?;
    if rest.is_empty()
        || !rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        anyhow::bail!(
            "public_url: a scheme and a host (and port) only, such as https://support.example.com"
        );
    }
    Ok(Some(u.to_string()))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// C1: the email transports — LMTP/SMTP listener, IMAP poller, outbox sender — and the
/// retention sweep of raw originals.
async fn spawn_mail(app: &app::App, cfg: &Config) -> Result<()> {
    if !cfg.lmtp_bind.is_empty() {
        let l = tokio::net::TcpListener::bind(&cfg.lmtp_bind)
            .await
            .with_context(|| format!("binding LMTP {}", cfg.lmtp_bind))?;
        tracing::info!(addr = %l.local_addr()?, "lmtp listening");
        let lc = mailnet::lmtp::LmtpConfig {
            hostname: cfg.mail_domain.clone(),
            max_message_bytes: cfg.max_email_bytes,
            ..Default::default()
        };
        tokio::spawn(mailnet::lmtp::serve(app.clone(), l, lc));
    }
    if cfg.imap_enabled {
        let opts = mailnet::imap::ImapOptions {
            max_message_bytes: cfg.max_email_bytes,
            timeout: std::time::Duration::from_secs(cfg.mail_timeout_secs.max(1)),
            ..Default::default()
        };
        tokio::spawn(mailnet::imap::run(app.clone(), opts));
    }
    if let Some(r) = &app.config.mail.relay {
        mailnet::send::transport(r).context("SMTP relay settings")?;
    }
    // Always running: the relay may be set later in the admin pages.
    tokio::spawn(mailnet::send::run(
        app.clone(),
        std::time::Duration::from_secs(cfg.mail_timeout_secs.max(1)),
    ));
    let purger = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = purger.purge_raw_emails().await {
                tracing::warn!(error = %e, "raw email retention sweep failed");
            }
        }
    });
    Ok(())
}

async fn serve(cfg: Config) -> Result<()> {
    let (app, store) = open_app(&cfg).await?;
    if app.admin_count().await? == 0 {
        match (
            std::env::var("GUICHET_ADMIN_EMAIL"),
            std::env::var("GUICHET_ADMIN_PASSWORD"),
        ) {
            (Ok(email), Ok(pw)) => {
                let name = std::env::var("GUICHET_ADMIN_NAME").unwrap_or_else(|_| "Admin".into());
                app.create_admin(&email, &name, &pw)
                    .await
                    .map_err(|e| anyhow::anyhow!("creating first admin: {e}"))?;
                tracing::info!(%email, "first administrator created from GUICHET_ADMIN_EMAIL");
            }
            _ => {
                eprintln!(
                    "No administrator yet. Create one with:\n  guichet admin create --email you@example.com --name \"Your Name\" < password.txt\n\
                     or start with GUICHET_ADMIN_EMAIL and GUICHET_ADMIN_PASSWORD set."
                );
            }
        }
    }
    // A2/A3: solved cases close after the quiet period, and unclaimed uploads expire; the
    // sweeps are data-driven and safe to run on every node.
    let sweeper = app.clone();
    let sweeper_store = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        let mut minutes = 0u64;
        loop {
            tick.tick().await;
            minutes += 1;
            // SQLite keeps planner statistics only if asked (PostgreSQL's autovacuum does
            // it there): `PRAGMA optimize` hourly analyses the tables that need it.
            if minutes % 60 == 0 && sweeper_store.backend() == "sqlite" {
                if let Err(e) = sweeper_store.analyze().await {
                    tracing::warn!(error = %e, "PRAGMA optimize failed");
                }
            }
            match sweeper.close_quiet_solved().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(closed = n, "closed quiet solved cases"),
                Err(e) => tracing::warn!(error = %e, "quiet-period sweep failed"),
            }
            match sweeper.purge_stale_uploads().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "deleted unclaimed uploads"),
                Err(e) => tracing::warn!(error = %e, "upload sweep failed"),
            }
        }
    });
    // B4: the durable jobs (standard warnings, breaches, escalations) fire from the jobs
    // table, on every node; each job is claimed in its own transaction.
    let runner = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            tick.tick().await;
            loop {
                match runner.run_due_jobs(200).await {
                    Ok(n) if n >= 200 => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "job runner failed");
                        break;
                    }
                }
            }
        }
    });
    spawn_mail(&app, &cfg).await?;
    let listener = tokio::net::TcpListener::bind(&cfg.bind)
        .await
        .with_context(|| format!("binding {}", cfg.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = store.backend(), "guichet listening");
    println!("Guichet listening on http://{addr}");
    let state = web::state(
        app,
        &web::WebConfig {
            max_body_bytes: cfg.max_body_bytes,
            rate_limit_per_minute: cfg.rate_limit_per_minute,
        },
    );
    // Live updates of the agent screens from every node (PostgreSQL LISTEN; no-op on SQLite).
    let live = state.app.clone();
    tokio::spawn(async move { live.run_live_listener().await });
    let router = web::router(state.clone())
        .merge(ui::router(state.clone()))
        .merge(chatnet::router(
            state.clone(),
            chatnet::ChatOptions {
                max_sockets: cfg.max_chat_connections,
            },
        ))
        .merge(portal::router(state));
    let opts = web::ServeOptions {
        max_connections: cfg.max_http_connections,
        header_timeout: std::time::Duration::from_secs(cfg.header_timeout_secs.max(1)),
        body_timeout: std::time::Duration::from_secs(cfg.body_timeout_secs.max(1)),
        shutdown_grace: std::time::Duration::from_secs(cfg.shutdown_grace_secs),
    };
    web::serve_router(listener, router, shutdown_signal(), opts).await?;
    // A request still holding a connection after the grace period must not keep the
    // process alive.
    if tokio::time::timeout(std::time::Duration::from_secs(5), store.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections still in use at exit");
    }
    Ok(())
}

fn read_password(file: Option<&PathBuf>) -> Result<String> {
    let raw = match file {
        Some(f) => {
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?
        }
        None => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        }
    };
    let pw = raw.trim_end_matches(['\r', '\n']).to_string();
    if pw.is_empty() {
        bail!("empty password (give it on stdin or with --password-file)");
    }
    Ok(pw)
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let bind = match &cli.cmd {
        Cmd::Serve { bind } => bind.clone(),
        _ => None,
    };
    let overrides = Overrides {
        bind,
        data_dir: cli.common.data_dir.clone(),
        database_url: cli.common.database_url.clone(),
    };
    let cfg = Config::load(cli.common.config.as_ref(), &overrides)
        .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    init_logs(&cfg.log_format);
    match cli.cmd {
        Cmd::Serve { .. } => serve(cfg).await,
        Cmd::Migrate => {
            let (_app, store) = open_app(&cfg).await?;
            let v = store.applied_migrations().await?;
            println!("database at migration {}", v.last().copied().unwrap_or(0));
            Ok(())
        }
        Cmd::Admin {
            cmd:
                AdminCmd::Create {
                    email,
                    name,
                    password_file,
                },
        } => {
            let pw = read_password(password_file.as_ref())?;
            let (app, _store) = open_app(&cfg).await?;
            let u = app
                .create_admin(&email, &name, &pw)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("administrator {} created (id {})", email, u.user.id);
            Ok(())
        }
        Cmd::Token {
            cmd: TokenCmd::Create { email, name, days },
        } => {
            let (app, _store) = open_app(&cfg).await?;
            let expires = days
                .map(|d| {
                    app.clock
                        .now()
                        .checked_add(jiff::SignedDuration::from_hours(24 * i64::from(d)))
                })
                .transpose()?;
            let (_, t) = app
                .create_token_expiring(&email, &name, expires)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{t}");
            Ok(())
        }
        Cmd::Token {
            cmd: TokenCmd::List { email },
        } => {
            let (app, _store) = open_app(&cfg).await?;
            let v = app
                .tokens_of_email(&email)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let when = |ms: Option<i64>| {
                ms.and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "-".into())
            };
            for t in v {
                println!(
                    "{}\t{}\tcreated {}\tlast used {}\texpires {}",
                    t.id,
                    t.name,
                    when(Some(t.created_at)),
                    when(t.last_used_at),
                    when(t.expires_at)
                );
            }
            Ok(())
        }
        Cmd::Token {
            cmd: TokenCmd::Revoke { id },
        } => {
            let (app, _store) = open_app(&cfg).await?;
            app.revoke_token(None, id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("token {id} revoked");
            Ok(())
        }
        Cmd::Config {
            cmd: ConfigCmd::PrintDefault,
        } => {
            print!("{}", config::default_toml());
            Ok(())
        }
        Cmd::Bench(args) => bench::run(args, cfg).await,
    }
}
