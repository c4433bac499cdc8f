//! The inbound LMTP (RFC 2033) and SMTP listener an MTA delivers to. LMTP answers once per
//! recipient after DATA, SMTP once per message. A message is acknowledged (250) only after
//! `app::ingest_email` committed it — a case message, a duplicate or a quarantined copy —
//! so an MTA never drops mail we did not keep; a storage failure answers 451 and the MTA
//! retries. Recipients outside our mailboxes' domains are refused at RCPT (no relaying).

use app::App;
use app::email::{Delivery, Ingested, Source};
use smtp_proto::request::receiver::{DataReceiver, RequestReceiver};
use smtp_proto::{Error as ProtoError, Request};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone)]
pub struct LmtpConfig {
    /// Our host name in the greeting.
    pub hostname: String,
    /// Largest message accepted (SIZE extension); larger ones get 552.
    pub max_message_bytes: usize,
    pub max_recipients: usize,
    /// Idle time before a session is dropped.
    pub timeout: Duration,
}

impl Default for LmtpConfig {
    fn default() -> Self {
        Self {
            hostname: "guichet".into(),
            max_message_bytes: 40 * 1024 * 1024,
            max_recipients: 100,
            timeout: Duration::from_secs(300),
        }
    }
}

/// Accept sessions until the task is dropped.
pub async fn serve(app: App, listener: TcpListener, cfg: LmtpConfig) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                // Replies are small and each waits for the client's next command: without
                // this, Nagle and delayed ACKs add ~40 ms per message.
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let cfg = cfg.clone();
                tokio::spawn(async move {
                    if let Err(e) = session(app, stream, cfg).await {
                        tracing::debug!(%peer, error = %e, "lmtp session ended");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "lmtp accept");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

struct Envelope {
    lmtp: bool,
    from: Option<String>,
    rcpts: Vec<String>,
}

async fn session(app: App, mut stream: TcpStream, cfg: LmtpConfig) -> anyhow::Result<()> {
    stream
        .write_all(format!("220 {} Guichet LMTP/SMTP ready\r\n", cfg.hostname).as_bytes())
        .await?;
    let mut env = Envelope {
        lmtp: false,
        from: None,
        rcpts: vec![],
    };
    let mut receiver = RequestReceiver::default();
    let mut data: Option<(DataReceiver, Vec<u8>, bool)> = None;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match tokio::time::timeout(cfg.timeout, stream.read(&mut chunk)).await {
            Ok(r) => r?,
            Err(_) => {
                stream.write_all(b"421 4.4.2 idle timeout\r\n").await?;
                return Ok(());
            }
        };
        if n == 0 {
            return Ok(());
        }
        let mut out = Vec::new();
        let mut it = chunk[..n].iter();
        loop {
            if let Some((dr, buf, too_big)) = data.as_mut() {
                let done = dr.ingest(&mut it, buf);
                if buf.len() > cfg.max_message_bytes {
                    // Keep reading to the end, keep nothing.
                    *too_big = true;
                    buf.clear();
                }
                if !done {
                    break;
                }
                let (_, raw, too_big) = data.take().unwrap_or_else(|| unreachable!());
                deliver(&app, &env, &raw, too_big, &mut out).await;
                env.from = None;
                env.rcpts.clear();
                continue;
            }
            match receiver.ingest(&mut it) {
                Ok(req) => {
                    let req = req.into_owned();
                    if matches!(req, Request::Quit) {
                        out.extend_from_slice(b"221 2.0.0 bye\r\n");
                        stream.write_all(&out).await?;
                        return Ok(());
                    }
                    if matches!(req, Request::Data) {
                        if env.rcpts.is_empty() {
                            out.extend_from_slice(b"503 5.5.1 no valid recipients\r\n");
                        } else {
                            out.extend_from_slice(b"354 end data with <CR><LF>.<CR><LF>\r\n");
                            data = Some((DataReceiver::new(), Vec::new(), false));
                        }
                        continue;
                    }
                    command(&app, &cfg, &mut env, req, &mut out).await;
                }
                Err(ProtoError::NeedsMoreData { .. }) => break,
                Err(ProtoError::ResponseTooLong) => {
                    out.extend_from_slice(b"500 5.5.2 line too long\r\n");
                }
                Err(ProtoError::UnknownCommand) => {
                    out.extend_from_slice(b"502 5.5.2 command not recognised\r\n");
                }
                Err(e) => {
                    out.extend_from_slice(format!("501 5.5.4 {e:?}\r\n").as_bytes());
                }
            }
        }
        if !out.is_empty() {
            stream.write_all(&out).await?;
        }
    }
}

async fn command(
    app: &App,
    cfg: &LmtpConfig,
    env: &mut Envelope,
    req: Request<String>,
    out: &mut Vec<u8>,
) {
    let reply = match req {
        Request::Lhlo { .. } | Request::Ehlo { .. } => {
            env.lmtp = matches!(req, Request::Lhlo { .. });
            env.from = None;
            env.rcpts.clear();
            format!(
                "250-{}\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250 SIZE {}\r\n",
                cfg.hostname, cfg.max_message_bytes
            )
        }
        Request::Helo { .. } => {
            env.lmtp = false;
            format!("250 {}\r\n", cfg.hostname)
        }
        Request::Mail { from } => {
            if from.size > cfg.max_message_bytes {
                "552 5.3.4 message too big\r\n".into()
            } else {
                env.from = Some(from.address.to_lowercase());
                env.rcpts.clear();
                "250 2.1.0 ok\r\n".into()
            }
        }
        Request::Rcpt { to } => {
            if env.from.is_none() {
                "503 5.5.1 MAIL first\r\n".into()
            } else if env.rcpts.len() >= cfg.max_recipients {
                "452 4.5.3 too many recipients\r\n".into()
            } else if ours(app, &to.address).await {
                env.rcpts.push(to.address.to_lowercase());
                "250 2.1.5 ok\r\n".into()
            } else {
                "550 5.7.1 relay not permitted\r\n".into()
            }
        }
        Request::Rset => {
            env.from = None;
            env.rcpts.clear();
            "250 2.0.0 ok\r\n".into()
        }
        Request::Noop { .. } => "250 2.0.0 ok\r\n".into(),
        Request::Vrfy { .. } => "252 2.5.0 cannot verify\r\n".into(),
        Request::StartTls => "454 4.7.0 TLS not available\r\n".into(),
        _ => "502 5.5.1 not implemented\r\n".into(),
    };
    out.extend_from_slice(reply.as_bytes());
}

/// A recipient in the domain of one of our mailboxes (an unknown local part is accepted
/// and quarantined, so an admin sees what was sent to a mistyped address).
async fn ours(app: &App, address: &str) -> bool {
    app.is_our_domain(address).await.unwrap_or(false)
}

async fn deliver(app: &App, env: &Envelope, raw: &[u8], too_big: bool, out: &mut Vec<u8>) {
    let mut replies = Vec::new();
    for rcpt in &env.rcpts {
        let r = if too_big {
            "552 5.3.4 message too big".to_string()
        } else {
            match app
                .ingest_email(Delivery {
                    raw,
                    mailbox_id: None,
                    rcpt: Some(rcpt),
                    mail_from: env.from.as_deref(),
                    source: Source::Lmtp,
                })
                .await
            {
                Ok(Ingested::Created { case_id }) => format!("250 2.0.0 case {case_id} created"),
                Ok(Ingested::Appended { case_id }) => format!("250 2.0.0 added to case {case_id}"),
                Ok(Ingested::Duplicate { .. }) => "250 2.0.0 already received".to_string(),
                Ok(Ingested::Quarantined { id, reason }) => {
                    format!("250 2.0.0 kept in quarantine {id} ({reason})")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "lmtp delivery failed");
                    "451 4.3.0 temporary failure, try again".to_string()
                }
            }
        };
        replies.push(r);
    }
    if env.lmtp {
        for r in replies {
            out.extend_from_slice(r.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    } else {
        // SMTP: one answer; any temporary failure makes the MTA retry the whole message
        // (duplicates are then recognised by Message-ID).
        let r = replies
            .iter()
            .find(|r| !r.starts_with('2'))
            .cloned()
            .unwrap_or_else(|| "250 2.0.0 ok".to_string());
        out.extend_from_slice(r.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}
