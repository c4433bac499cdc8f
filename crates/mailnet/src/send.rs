//! The outbox sender: takes due mails (a lease, so two nodes never send one mail at the
//! same time), sends the stored bytes over SMTP with lettre, and records the result. The
//! bytes and Message-ID were fixed when the mail was queued, so a retry is the same mail.
//! A crash after the relay accepted a mail but before "sent" was recorded sends it once
//! more after the lease expires (SMTP offers no exactly-once); the receiver sees the same
//! Message-ID.

use app::App;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

#[derive(Clone)]
pub struct SmtpRelay {
    pub host: String,
    pub port: u16,
    /// none | starttls | tls
    pub security: String,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpRelay")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

pub fn transport(r: &SmtpRelay) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&r.host)
        .port(r.port)
        .timeout(Some(Duration::from_secs(60)));
    b = match r.security.as_str() {
        "none" => b.tls(Tls::None),
        "starttls" => b.tls(Tls::Required(TlsParameters::new(r.host.clone())?)),
        "tls" => b.tls(Tls::Wrapper(TlsParameters::new(r.host.clone())?)),
        other => anyhow::bail!("unknown SMTP security {other}"),
    };
    if let (Some(u), Some(p)) = (&r.user, &r.password) {
        b = b.credentials(Credentials::new(u.clone(), p.clone()));
    }
    Ok(b.build())
}

/// Send what is due now; returns how many were sent.
pub async fn send_due(
    app: &App,
    t: &AsyncSmtpTransport<Tokio1Executor>,
    limit: i64,
) -> anyhow::Result<usize> {
    let mut sent = 0;
    for id in app.due_outbox(limit).await? {
        let Some(row) = app.lease_outbox(id).await? else {
            continue;
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
            Ok(env) => match t.send_raw(&env, &row.raw).await {
                Ok(_) => Ok(()),
                Err(e) => Err((e.is_permanent(), e.to_string())),
            },
        };
        if outcome.is_ok() {
            sent += 1;
        } else if let Err((permanent, msg)) = &outcome {
            tracing::warn!(id, permanent, error = %msg, "smtp send failed");
        }
        app.outbox_result(&row, outcome).await?;
    }
    Ok(sent)
}

/// Drain the outbox every second until dropped.
pub async fn run(app: App, relay: SmtpRelay) {
    let t = match transport(&relay) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "smtp relay settings");
            return;
        }
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if let Err(e) = send_due(&app, &t, 100).await {
            tracing::warn!(error = %e, "outbox");
        }
    }
}
