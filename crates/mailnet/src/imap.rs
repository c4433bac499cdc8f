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
use app::model;
use futures_util::TryStreamExt;
use std::collections::HashMap;
use std::time::Duration;
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

/// Connect, read the greeting, STARTTLS and LOGIN, all within `opts.timeout` (a server
/// that accepts and never answers must not hold the mailbox's poller forever).
async fn connect(m: &model::Mailbox, opts: &ImapOptions) -> anyhow::Result<Session> {
    tokio::time::timeout(opts.timeout, connect_unbounded(m, opts))
        .await
        .map_err(|_| anyhow::anyhow!("IMAP timeout (connect, greeting or login)"))?
}

async fn connect_unbounded(m: &model::Mailbox, opts: &ImapOptions) -> anyhow::Result<Session> {
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
    m: &model::Mailbox,
    opts: &ImapOptions,
) -> anyhow::Result<PollReport> {
    // A failure before any message is taken: say why on the mailbox (the admin sees it)
    // and keep the stored position.
    let failed_early = async |e: anyhow::Error| {
        let _ = app
            .save_imap_state(
                m.id,
                m.imap_uidvalidity,
                m.imap_last_uid,
                Some(&e.to_string()),
            )
            .await;
        e
    };
    let mut s = match connect(m, opts).await {
        Ok(s) => s,
        Err(e) => return Err(failed_early(e).await),
    };
    let selected = match tokio::time::timeout(opts.timeout, s.select(&m.imap_folder)).await {
        Ok(Ok(sel)) => sel,
        Ok(Err(e)) => return Err(failed_early(e.into()).await),
        Err(_) => return Err(failed_early(anyhow::anyhow!("IMAP timeout (SELECT)")).await),
    };
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
    let found = match tokio::time::timeout(
        opts.timeout,
        s.uid_search(format!("UID {}:*", last_uid + 1)),
    )
    .await
    {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => return Err(failed_early(e.into()).await),
        Err(_) => return Err(failed_early(anyhow::anyhow!("IMAP timeout (SEARCH)")).await),
    };
    let mut uids: Vec<u32> = found
        .into_iter()
        .filter(|u| i64::from(*u) > last_uid)
        .collect();
    uids.sort_unstable();
    uids.truncate(opts.batch);
    let mut failure = None;
    for chunk in uids.chunks(CHUNK) {
        // Committed messages of this chunk, in UID order; marked and remembered together.
        let mut done: Vec<u32> = Vec::new();
        let r = chunk_messages(app, &mut s, m, chunk, opts, &mut done, &mut report).await;
        if let Some(&top) = done.last() {
            let set = uid_set(&done);
            tokio::time::timeout(opts.timeout, async {
                s.uid_store(set, "+FLAGS.SILENT (\\Seen)")
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await
            .map_err(|_| anyhow::anyhow!("IMAP timeout (STORE)"))??;
            last_uid = i64::from(top);
            app.save_imap_state(m.id, validity, last_uid, None).await?;
        }
        if let Err(e) = r {
            failure = Some(e);
            break;
        }
    }
    report.last_uid = last_uid;
    let _ = tokio::time::timeout(opts.timeout, s.logout()).await;
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

/// Messages fetched per IMAP command: one round trip for many messages, and a crash loses
/// at most this many "seen" marks (re-read next time, no-ops by Message-ID).
const CHUNK: usize = 50;

fn uid_set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn count(report: &mut PollReport, outcome: &Ingested) {
    report.fetched += 1;
    match outcome {
        Ingested::Created { .. } => report.created += 1,
        Ingested::Appended { .. } => report.appended += 1,
        Ingested::Duplicate { .. } => report.duplicates += 1,
        Ingested::Quarantined { .. } => report.quarantined += 1,
    }
}

/// The sender line of a raw message, as a grouping key (no parsing: messages from one
/// sender keep their order, the others may be taken at the same time).
fn sender_key(raw: &[u8]) -> Vec<u8> {
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len().min(64 * 1024));
    raw[..head_end]
        .split(|b| *b == b'\n')
        .find(|l| l.len() > 5 && l[..5].eq_ignore_ascii_case(b"from:"))
        .map(|l| l[5..].trim_ascii().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Senders ingested at the same time within a chunk, like concurrent LMTP deliveries.
const PARALLEL: usize = 4;
/// Bytes of message bodies held in memory at once by one poll.
const BATCH_BYTES: usize = 32 * 1024 * 1024;

/// Ingest one chunk of UIDs: sizes first, then the bodies of those under the limit in one
/// FETCH, ingested by sender (each sender's messages in UID order, senders concurrently),
/// then the headers of the oversized ones. `done` gets the UIDs whose outcome is
/// committed; on an error the ones after it are left for the next poll.
async fn chunk_messages(
    app: &App,
    s: &mut Session,
    m: &model::Mailbox,
    chunk: &[u32],
    opts: &ImapOptions,
    done: &mut Vec<u32>,
    report: &mut PollReport,
) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    let meta: Vec<_> = tokio::time::timeout(opts.timeout, async {
        s.uid_fetch(uid_set(chunk), "(UID RFC822.SIZE)")
            .await?
            .try_collect()
            .await
    })
    .await
    .map_err(|_| anyhow::anyhow!("IMAP timeout (FETCH sizes)"))??;
    let size: HashMap<u32, usize> = meta
        .iter()
        .filter_map(|f| Some((f.uid?, f.size.unwrap_or(0) as usize)))
        .collect();
    let small: Vec<u32> = chunk
        .iter()
        .copied()
        .filter(|u| size.get(u).is_some_and(|n| *n <= opts.max_message_bytes))
        .collect();
    // Bodies held at once stay under BATCH_BYTES (one message over it goes alone).
    let mut batches: Vec<Vec<u32>> = Vec::new();
    let mut bytes = 0;
    for &uid in &small {
        let n = size[&uid];
        match batches.last_mut() {
            Some(b) if bytes + n <= BATCH_BYTES => b.push(uid),
            _ => {
                batches.push(vec![uid]);
                bytes = 0;
            }
        }
        bytes += n;
    }
    let mut outcomes: HashMap<u32, Ingested> = HashMap::new();
    let mut failure = None;
    for batch in batches {
        if failure.is_some() {
            break;
        }
        let fetched: Vec<_> = tokio::time::timeout(opts.timeout * 5, async {
            s.uid_fetch(uid_set(&batch), "BODY.PEEK[]")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await
        .map_err(|_| anyhow::anyhow!("fetch timeout"))?
        .map_err(|e: async_imap::error::Error| anyhow::anyhow!(e))?;
        let mut raws: HashMap<u32, Vec<u8>> = HashMap::new();
        for f in fetched {
            if let Some(uid) = f.uid {
                raws.insert(uid, f.body().unwrap_or_default().to_vec());
            }
        }
        let mut groups: Vec<(Vec<u8>, Vec<u32>)> = Vec::new();
        for &uid in &batch {
            let Some(raw) = raws.get(&uid) else { continue };
            let key = sender_key(raw);
            match groups.iter_mut().find(|(k, _)| !k.is_empty() && *k == key) {
                Some((_, v)) => v.push(uid),
                None => groups.push((key, vec![uid])),
            }
        }
        let raws = &raws;
        let results: Vec<Vec<(u32, anyhow::Result<Ingested>)>> = futures_util::stream::iter(groups)
            .map(|(_, uids)| async move {
                let mut out = Vec::new();
                for uid in uids {
                    let r = app
                        .ingest_email(Delivery {
                            raw: &raws[&uid],
                            mailbox_id: Some(m.id),
                            rcpt: None,
                            mail_from: None,
                            source: Source::Imap,
                        })
                        .await
                        .map_err(anyhow::Error::from);
                    let failed = r.is_err();
                    out.push((uid, r));
                    if failed {
                        break;
                    }
                }
                out
            })
            .buffer_unordered(PARALLEL)
            .collect()
            .await;
        for (uid, r) in results.into_iter().flatten() {
            match r {
                Ok(o) => {
                    outcomes.insert(uid, o);
                }
                Err(e) => failure = failure.or(Some(e)),
            }
        }
    }
    for &uid in chunk {
        let outcome = match outcomes.remove(&uid) {
            Some(o) => o,
            None => match size.get(&uid) {
                Some(&n) if n > opts.max_message_bytes => {
                    let head: Vec<_> = tokio::time::timeout(opts.timeout, async {
                        s.uid_fetch(uid.to_string(), "BODY.PEEK[HEADER]")
                            .await?
                            .try_collect()
                            .await
                    })
                    .await
                    .map_err(|_| anyhow::anyhow!("IMAP timeout (FETCH header)"))??;
                    let header = head
                        .first()
                        .and_then(|f| f.header().map(<[u8]>::to_vec))
                        .unwrap_or_default();
                    app.quarantine_oversized(Some(m.id), &header, n, Source::Imap)
                        .await?
                }
                // Expunged meanwhile: nothing to take.
                None => continue,
                // Not committed (an error above, or the server did not return it): stop
                // here so the stored UID never passes a message not taken.
                Some(_) => {
                    return Err(failure.unwrap_or_else(|| {
                        anyhow::anyhow!("the server did not return message UID {uid}")
                    }));
                }
            },
        };
        count(report, &outcome);
        done.push(uid);
    }
    Ok(())
}

/// Poll every active IMAP mailbox at its interval, each in its own task, until dropped.
pub async fn run(app: App, opts: ImapOptions) {
    let mut running: HashMap<i64, tokio::task::JoinHandle<()>> = HashMap::new();
    let mut next_at: HashMap<i64, tokio::time::Instant> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        running.retain(|_, h| !h.is_finished());
        let boxes = match app.mailboxes_for_transport().await {
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
