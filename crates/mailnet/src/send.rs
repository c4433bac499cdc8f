//! The outbox sender: takes due mails (a lease, so two nodes never send one mail at the
//! same time), sends the stored bytes over SMTP with lettre, and records the result. The
//! bytes and Message-ID were fixed when the mail was queued, so a retry is the same mail.
//! A crash after the relay accepted a mail but before "sent" was recorded sends it once
//! more after the lease expires (SMTP offers no exactly-once); the receiver sees the same
//! Message-ID.

use app::App;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// Where outbound mail goes: the use cases' relay settings (their `Debug` hides the
/// password), one type for the admin pages, the config and the sender.
pub use app::email::relay::RelaySettings as SmtpRelay;

/// An SMTP client with a small pool of open connections. lettre's own transport writes the
/// body and the final `.` in two writes on a socket without `TCP_NODELAY`, so each mail
/// waited ~40 ms for the relay's delayed ACK (21 mails/s); here the socket is ours.
pub struct Transport {
    relay: SmtpRelay,
    hello: ClientId,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    /// Bound of each step with the relay (connect with greeting, TLS and AUTH; one send): a
    /// relay that accepts and never answers costs this long, then the mail waits for its
    /// retry.
    timeout: Duration,
}

/// Idle connections older than this are dropped rather than reused (relays close them).
const IDLE_MAX: Duration = Duration::from_secs(30);
const TIMEOUT: Duration = Duration::from_secs(60);

/// Check the relay settings and make its client.
pub fn transport(r: &SmtpRelay) -> anyhow::Result<Transport> {
    if !matches!(r.security.as_str(), "none" | "starttls" | "tls") {
        anyhow::bail!("unknown SMTP security {}", r.security);
    }
    Ok(Transport {
        relay: r.clone(),
        hello: ClientId::default(),
        idle: Mutex::new(Vec::new()),
        timeout: TIMEOUT,
    })
}

impl AsyncTokioStream for crate::tls::Stream {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        match self {
            crate::tls::Stream::Plain(s) => s.peer_addr(),
            crate::tls::Stream::Tls(s) => s.get_ref().0.peer_addr(),
        }
    }
}

impl Transport {
    /// Bound each exchange with the relay by `d` instead of 60 s.
    pub fn with_timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        tokio::time::timeout(self.timeout, self.connect_unbounded())
            .await
            .map_err(|_| "smtp timeout (connect, greeting, TLS or AUTH)".to_string())?
    }

    async fn connect_unbounded(&self) -> Result<AsyncSmtpConnection, String> {
        let r = &self.relay;
        let tcp = TcpStream::connect((r.host.as_str(), r.port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let stream = if r.security == "tls" {
            crate::tls::wrap(tcp, &r.host)
                .await
                .map_err(|e| format!("tls: {e}"))?
        } else {
            crate::tls::Stream::Plain(tcp)
        };
        let mut c = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
            .await
            .map_err(|e| e.to_string())?;
        if r.security == "starttls" {
            let params = TlsParameters::new(r.host.clone()).map_err(|e| e.to_string())?;
            c.starttls(params, &self.hello)
                .await
                .map_err(|e| format!("starttls: {e}"))?;
        }
        if let (Some(u), Some(p)) = (&r.user, &r.password) {
            c.auth(
                &[Mechanism::Plain, Mechanism::Login],
                &Credentials::new(u.clone(), p.clone()),
            )
            .await
            .map_err(|e| format!("auth: {e}"))?;
        }
        Ok(c)
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some((c, at)) = idle.pop() {
            if at.elapsed() < IDLE_MAX && !c.has_broken() {
                return Some(c);
            }
        }
        None
    }

    /// Send one mail; on failure, whether it is permanent (5xx) and why.
    pub async fn send_raw(&self, env: &Envelope, raw: &[u8]) -> Result<(), (bool, String)> {
        // A pooled connection the relay closed meanwhile fails with an I/O error, not an
        // SMTP reply: try once more on a fresh one. A 4xx reply is the relay's answer and
        // waits for the outbox's backoff.
        let (mut c, reused) = match self.take_idle() {
            Some(c) => (c, true),
            None => (self.connect().await.map_err(|e| (false, e))?, false),
        };
        let mut result = tokio::time::timeout(self.timeout, c.send(env, raw)).await;
        if reused
            && let Ok(Err(e)) = &result
            && !e.is_response()
        {
            c = self.connect().await.map_err(|e| (false, e))?;
            result = tokio::time::timeout(self.timeout, c.send(env, raw)).await;
        }
        match result {
            Ok(Ok(_)) => {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() < CONCURRENCY {
                    idle.push((c, Instant::now()));
                }
                Ok(())
            }
            Ok(Err(e)) => Err((e.is_permanent(), e.to_string())),
            Err(_) => Err((false, "smtp timeout".into())),
        }
    }
}

/// Mails sent at the same time (each over its own pooled SMTP connection).
pub const CONCURRENCY: usize = 8;

/// Send what is due now; returns how many were sent.
pub async fn send_due(app: &App, t: &Transport, limit: i64) -> anyhow::Result<usize> {
    use futures_util::StreamExt;
    let ids = app.due_outbox(limit).await?;
    let results: Vec<anyhow::Result<bool>> = futures_util::stream::iter(ids)
        .map(|id| send_one(app, t, id))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut sent = 0;
    for r in results {
        if r? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Lease one mail, send it, record the result; true when the relay accepted it.
async fn send_one(app: &App, t: &Transport, id: i64) -> anyhow::Result<bool> {
    let Some(row) = app.lease_outbox(id).await? else {
        return Ok(false);
    };
    let result = async {
        let env = Envelope::new(
            Some(row.envelope_from.parse()?),
            vec![row.recipient.parse()?],
        )?;
        anyhow::Ok(env)
    }
    .await;
    let outcome = match result {
        Err(e) => Err((true, format!("address: {e}"))),
        Ok(env) => t.send_raw(&env, &row.raw).await,
    };
    let ok = outcome.is_ok();
    if let Err((permanent, msg)) = &outcome {
        tracing::warn!(id, permanent, error = %msg, "smtp send failed");
    }
    app.outbox_result(&row, outcome).await?;
    Ok(ok)
}

/// Drain the outbox every second until dropped; `timeout` bounds each exchange with the
/// relay. The relay is read each round (the config's, else the one set in the admin
/// pages), so a change takes effect within a second; with none, mail waits queued.
pub async fn run(app: App, timeout: Duration) {
    let mut current: Option<(app::email::relay::RelaySettings, Transport)> = None;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let wanted = match app.relay_for_sender().await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "outbox: reading the relay settings");
                continue;
            }
        };
        let Some(wanted) = wanted else {
            current = None;
            continue;
        };
        if current.as_ref().map(|(r, _)| r) != Some(&wanted) {
            match transport(&wanted) {
                Ok(t) => {
                    tracing::info!(host = %wanted.host, port = wanted.port, "outbox: SMTP relay set");
                    current = Some((wanted, t.with_timeout(timeout)));
                }
                Err(e) => {
                    tracing::error!(error = %e, "smtp relay settings");
                    current = None;
                    continue;
                }
            }
        }
        if let Some((_, t)) = &current
            && let Err(e) = send_due(&app, t, 100).await
        {
            tracing::warn!(error = %e, "outbox");
        }
    }
}
