//! The IMAP poller. One task per mailbox (a slow or broken server holds up only its own
//! mailbox); each poll takes the messages above the last UID seen, oldest first, reads
//! each without marking it (`BODY.PEEK[]`), hands it to `app::ingest_email`, and only
//! after that committed marks it `\Seen` and advances the stored UID. A crash between the
//! two re-reads the message next time, and its Message-ID makes that a no-op. A new
//! UIDVALIDITY restarts from UID 1, again safe by Message-ID. A message over the size
//! limit is quarantined from its headers without downloading its body.

use crate::tls::{self, Stream};
use app::App;
use app::email::{Delivery, Ingested, Source};
use futures_util::TryStreamExt;
use std::collections::HashMap;
use std::time::Duration;
use store::MailboxRow;
use tokio::net::TcpStream;

#[derive(Debug, Clone)]
pub struct ImapOptions {
    pub max_message_bytes: usize,
    /// Messages per poll at most.
    pub batch: usize,
    pub timeout: Duration,
}

impl Default for ImapOptions {
    fn default() -> Self {
        Self {
            max_message_bytes: 40 * 1024 * 1024,
            batch: 500,
            timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    pub fetched: usize,
    pub created: usize,
    pub appended: usize,
    pub duplicates: usize,
    pub quarantined: usize,
    pub last_uid: i64,
}

type Session = async_imap::Session<Stream>;

async fn connect(m: &MailboxRow, opts: &ImapOptions) -> anyhow::Result<Session> {
    let host = m
        .imap_host
        .clone()
        .ok_or_else(|| anyhow::anyhow!("no IMAP host"))?;
    let port = m
        .imap_port
        .unwrap_or(if m.imap_security == "tls" { 993 } else { 143 }) as u16;
    let tcp = tokio::time::timeout(opts.timeout, TcpStream::connect((host.as_str(), port)))
        .await
        .map_err(|_| anyhow::anyhow!("connect timeout"))??;
    let stream = match m.imap_security.as_str() {
        "tls" => tls::wrap(tcp, &host).await?,
        _ => Stream::Plain(tcp),
    };
    let mut client = async_imap::Client::new(stream);
    client
        .read_response()
        .await?
        .ok_or_else(|| anyhow::anyhow!("no IMAP greeting"))?;
    if m.imap_security == "starttls" {
        client.run_command_and_check_ok("STARTTLS", None).await?;
        let Stream::Plain(tcp) = client.into_inner() else {
            anyhow::bail!("STARTTLS on a TLS stream");
        };
        client = async_imap::Client::new(tls::wrap(tcp, &host).await?);
    }
    let user = m.imap_user.clone().unwrap_or_default();
    let password = m.imap_password.clone().unwrap_or_default();
    let session = client
        .login(user, password)
        .await
        .map_err(|(e, _)| anyhow::anyhow!("login: {e}"))?;
    Ok(session)
}

/// Poll one mailbox once.
pub async fn poll_once(
    app: &App,
    m: &MailboxRow,
    opts: &ImapOptions,
) -> anyhow::Result<PollReport> {
    let mut s = connect(m, opts).await?;
    let selected = s.select(&m.imap_folder).await?;
    let validity = selected.uid_validity.map(i64::from);
    let mut last_uid = if validity.is_some() && validity == m.imap_uidvalidity {
        m.imap_last_uid
    } else {
        0
    };
    let mut report = PollReport {
        last_uid,
        ..Default::default()
    };
    let found = s.uid_search(format!("UID {}:*", last_uid + 1)).await?;
    let mut uids: Vec<u32> = found
        .into_iter()
        .filter(|u| i64::from(*u) > last_uid)
        .collect();
    uids.sort_unstable();
    uids.truncate(opts.batch);
    let mut failure = None;
    for uid in uids {
        match one_message(app, &mut s, m, uid, opts).await {
            Ok(outcome) => {
                report.fetched += 1;
                match outcome {
                    Ingested::Created { .. } => report.created += 1,
                    Ingested::Appended { .. } => report.appended += 1,
                    Ingested::Duplicate { .. } => report.duplicates += 1,
                    Ingested::Quarantined { .. } => report.quarantined += 1,
                }
                // Committed: now mark it, then remember it.
                s.uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
                    .await?
                    .try_collect::<Vec<_>>()
                    .await?;
                last_uid = i64::from(uid);
                app.save_imap_state(m.id, validity, last_uid, None).await?;
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    report.last_uid = last_uid;
    let _ = s.logout().await;
    match failure {
        Some(e) => {
            app.save_imap_state(m.id, validity, last_uid, Some(&e.to_string()))
                .await?;
            Err(e)
        }
        None => {
            app.save_imap_state(m.id, validity, last_uid, None).await?;
            Ok(report)
        }
    }
}

async fn one_message(
    app: &App,
    s: &mut Session,
    m: &MailboxRow,
    uid: u32,
    opts: &ImapOptions,
) -> anyhow::Result<Ingested> {
    let meta: Vec<_> = s
        .uid_fetch(uid.to_string(), "(UID RFC822.SIZE)")
        .await?
        .try_collect()
        .await?;
    let size = meta.first().and_then(|f| f.size).unwrap_or(0) as usize;
    if size > opts.max_message_bytes {
        let head: Vec<_> = s
            .uid_fetch(uid.to_string(), "BODY.PEEK[HEADER]")
            .await?
            .try_collect()
            .await?;
        let header = head
            .first()
            .and_then(|f| f.header().map(<[u8]>::to_vec))
            .unwrap_or_default();
        return Ok(app
            .quarantine_oversized(Some(m.id), &header, size, Source::Imap)
            .await?);
    }
    let full: Vec<_> = tokio::time::timeout(opts.timeout * 5, async {
        s.uid_fetch(uid.to_string(), "BODY.PEEK[]")
            .await?
            .try_collect()
            .await
    })
    .await
    .map_err(|_| anyhow::anyhow!("fetch timeout"))?
    .map_err(|e: async_imap::error::Error| anyhow::anyhow!(e))?;
    let raw = full.first().and_then(|f| f.body()).unwrap_or_default();
    Ok(app
        .ingest_email(Delivery {
            raw,
            mailbox_id: Some(m.id),
            rcpt: None,
            mail_from: None,
            source: Source::Imap,
        })
        .await?)
}

/// Poll every active IMAP mailbox at its interval, each in its own task, until dropped.
pub async fn run(app: App, opts: ImapOptions) {
    let mut running: HashMap<i64, tokio::task::JoinHandle<()>> = HashMap::new();
    let mut next_at: HashMap<i64, tokio::time::Instant> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        running.retain(|_, h| !h.is_finished());
        let boxes = match app.store.mailboxes().await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "imap: cannot list mailboxes");
                continue;
            }
        };
        let now = tokio::time::Instant::now();
        for m in boxes {
            if !m.active || m.imap_host.is_none() || running.contains_key(&m.id) {
                continue;
            }
            if next_at.get(&m.id).is_some_and(|t| *t > now) {
                continue;
            }
            next_at.insert(
                m.id,
                now + Duration::from_secs(m.imap_poll_seconds.max(5) as u64),
            );
            let app = app.clone();
            let opts = opts.clone();
            running.insert(
                m.id,
                tokio::spawn(async move {
                    match poll_once(&app, &m, &opts).await {
                        Ok(r) if r.fetched > 0 => {
                            tracing::info!(mailbox = %m.address, ?r, "imap poll")
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(mailbox = %m.address, error = %e, "imap poll failed")
                        }
                    }
                }),
            );
        }
    }
}
