//! `guichet bench mail`: the email channel's throughput and memory (issue 4). Runs in one
//! process: the LMTP listener and the application on one side, the LMTP clients, the IMAP
//! APPEND loader and the SMTP sender on the other. The IMAP server and the SMTP sink are the
//! test ones (`scripts/mail-servers.sh start`).

use crate::bench::status_kb;
use crate::config::Config;
use anyhow::{Context, Result, bail};
use hdrhistogram::Histogram;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct MailBench {
    pub messages: usize,
    pub clients: usize,
    pub imap_messages: usize,
    pub imap: Option<String>,
    pub smtp: Option<String>,
    pub big_mb: usize,
}

const DOMAIN: &str = "bench.guichet.test";

/// One LMTP session of the bench's clients.
struct Lmtp {
    r: BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: tokio::net::tcp::OwnedWriteHalf,
}

impl Lmtp {
    async fn connect(addr: std::net::SocketAddr) -> Result<Self> {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let (r, w) = tcp.into_split();
        let mut s = Self {
            r: BufReader::new(r),
            w,
        };
        s.reply().await?;
        s.w.write_all(b"LHLO bench\r\n").await?;
        s.reply().await?;
        Ok(s)
    }

    /// Read one (multi-line) reply; its last line.
    async fn reply(&mut self) -> Result<String> {
        let mut line = String::new();
        loop {
            line.clear();
            if self.r.read_line(&mut line).await? == 0 {
                bail!("connection closed");
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(line.trim_end().to_string());
            }
        }
    }

    async fn command(&mut self, cmd: &str, want: &str) -> Result<String> {
        self.w.write_all(cmd.as_bytes()).await?;
        let r = self.reply().await?;
        if !r.starts_with(want) {
            bail!("{} answered {r}", cmd.trim_end());
        }
        Ok(r)
    }

    /// Deliver one message (already dot-safe), return the final reply.
    async fn deliver(&mut self, from: &str, rcpt: &str, body: &[u8]) -> Result<String> {
        self.command(&format!("MAIL FROM:<{from}>\r\n"), "250")
            .await?;
        self.command(&format!("RCPT TO:<{rcpt}>\r\n"), "250")
            .await?;
        self.command("DATA\r\n", "354").await?;
        self.w.write_all(body).await?;
        self.w.write_all(b"\r\n.\r\n").await?;
        let r = self.reply().await?;
        if !r.starts_with("250") {
            bail!("DATA answered {r}");
        }
        Ok(r)
    }
}

fn message(i: usize, from: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: Client {i} <{from}>\r\nTo: Service client <support@{DOMAIN}>\r\nSubject: {subject}\r\n\
         Message-ID: <bench-{i}-{}@example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         Bonjour,\r\n\r\nMa commande {i} est arrivée abîmée : le carton était ouvert et il manque\r\n\
         deux articles sur trois. Pouvez-vous m'envoyer les articles manquants ou me rembourser ?\r\n\r\n\
         Le 22 nov. 2026 à 18:04, Service client a écrit :\r\n> Merci pour votre commande.\r\n> Bonne journée.\r\n\r\n\
         -- \r\nClient {i}\r\n",
        std::process::id()
    )
    .into_bytes()
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

pub async fn run(cfg: Config, b: MailBench) -> Result<()> {
    let mut cfg = cfg;
    cfg.mail_domain = DOMAIN.into();
    cfg.max_email_bytes = (b.big_mb + 5) * 1024 * 1024;
    let (app, store) = crate::open_app(&cfg).await?;
    if store.case_total().await? > 0 {
        bail!("run `bench mail` on an empty database (a fresh --data-dir or database)");
    }
    let backend = store.backend();
    let admin_id = app
        .create_admin("bench@example.com", "Bench", "bench-password-123")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .user
        .id;
    let admin = app::Actor {
        user_id: admin_id,
        role: domain::Role::Admin,
        name: "bench".into(),
    };
    app.create_mailbox(
        &admin,
        app::model::MailboxFields {
            address: format!("support@{DOMAIN}"),
            name: "Service client".into(),
            locale: "fr".into(),
            imap_security: "none".into(),
            imap_folder: "INBOX".into(),
            imap_poll_seconds: 60,
            active: true,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let lmtp_cfg = mailnet::lmtp::LmtpConfig {
        hostname: DOMAIN.into(),
        max_message_bytes: cfg.max_email_bytes,
        ..Default::default()
    };
    tokio::spawn(mailnet::lmtp::serve(app.clone(), listener, lmtp_cfg));
    println!(
        "backend {backend}; {} LMTP messages over {} connections",
        b.messages, b.clients
    );

    // 1. LMTP: each client sends new requests and, one message in four, a follow-up to its
    //    own previous case ("Re: [#N]" from the same sender), one message at a time.
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..b.clients {
        let next = next.clone();
        let total = b.messages;
        tasks.push(tokio::spawn(async move {
            let mut s = Lmtp::connect(addr).await?;
            let mut h = Histogram::<u64>::new(3)?;
            let (mut created, mut appended) = (0usize, 0usize);
            let mut last: Option<(String, String)> = None;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let (from, subject) = match (&last, i % 4) {
                    (Some((from, case)), 3) => {
                        (from.clone(), format!("Re: [#{case}] Commande abîmée"))
                    }
                    _ => (
                        format!("client{}@example.com", i % 1000),
                        format!("Commande {i} abîmée"),
                    ),
                };
                let raw = message(i, &from, &subject);
                let t = Instant::now();
                let r = s
                    .deliver(&from, &format!("support@{DOMAIN}"), &raw)
                    .await
                    .with_context(|| format!("client {c}, message {i}"))?;
                h.record(t.elapsed().as_micros() as u64)?;
                if let Some(n) = r
                    .strip_prefix("250 2.0.0 case ")
                    .and_then(|x| x.strip_suffix(" created"))
                {
                    created += 1;
                    last = Some((from, n.to_string()));
                } else if r.contains("added to case") {
                    appended += 1;
                } else {
                    bail!("unexpected reply {r}");
                }
            }
            anyhow::Ok((h, created, appended))
        }));
    }
    let mut h = Histogram::<u64>::new(3)?;
    let (mut created, mut appended) = (0, 0);
    for t in tasks {
        let (hh, c, a) = t.await??;
        h.add(hh)?;
        created += c;
        appended += a;
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "lmtp: {:.0} messages/s ({created} new cases, {appended} follow-ups in {secs:.1} s); per message p50 {:.2} ms p99 {:.2} ms",
        b.messages as f64 / secs,
        ms(&h, 0.5),
        ms(&h, 0.99)
    );

    // 2. IMAP: load the batch into a fresh Dovecot user, then time one poll of all of it.
    if let Some(imap) = &b.imap {
        let (host, port) = imap.rsplit_once(':').context("--imap host:port")?;
        let user = format!(
            "bench{}x{}",
            std::process::id(),
            jiff::Timestamp::now().as_millisecond()
        );
        let t = Instant::now();
        {
            let tcp = TcpStream::connect(imap).await.context("IMAP server")?;
            let mut client = async_imap::Client::new(tcp);
            client.read_response().await?;
            let mut s = client
                .login(&user, "secret")
                .await
                .map_err(|(e, _)| anyhow::anyhow!("imap login: {e}"))?;
            for i in 0..b.imap_messages {
                let from = format!("imap{}@example.org", i % 2000);
                let raw = message(1_000_000 + i, &from, &format!("Demande {i}"));
                s.append("INBOX", None, None, &raw).await?;
            }
            s.logout().await?;
        }
        println!(
            "imap: {} messages appended to {user} in {:.1} s (not timed below)",
            b.imap_messages,
            t.elapsed().as_secs_f64()
        );
        let mb = app
            .create_mailbox(
                &admin,
                app::model::MailboxFields {
                    address: format!("imap@{DOMAIN}"),
                    name: "IMAP".into(),
                    locale: "fr".into(),
                    imap_host: Some(host.into()),
                    imap_port: Some(port.parse()?),
                    imap_security: "none".into(),
                    imap_user: Some(user.clone()),
                    imap_password: Some("secret".into()),
                    imap_folder: "INBOX".into(),
                    imap_poll_seconds: 60,
                    active: true,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mb = store.mailbox(mb.id).await?.context("mailbox")?;
        let opts = mailnet::imap::ImapOptions {
            batch: b.imap_messages,
            max_message_bytes: cfg.max_email_bytes,
            ..Default::default()
        };
        let t = Instant::now();
        let r = mailnet::imap::poll_once(&app, &mb.clone().into(), &opts).await?;
        let secs = t.elapsed().as_secs_f64();
        if r.fetched != b.imap_messages {
            bail!(
                "imap poll fetched {} of {}: {r:?}",
                r.fetched,
                b.imap_messages
            );
        }
        println!(
            "imap: one poll of {} messages in {secs:.1} s: {:.0} messages/s ({} new cases)",
            r.fetched,
            r.fetched as f64 / secs,
            r.created
        );
    }

    // 3. Outbound: every acknowledgement queued above, sent by the production sender loop
    //    (one SMTP connection, leases, one row at a time) to the sink.
    if let Some(smtp) = &b.smtp {
        let (host, port) = smtp.rsplit_once(':').context("--smtp host:port")?;
        let relay = mailnet::send::SmtpRelay {
            host: host.into(),
            port: port.parse()?,
            security: "none".into(),
            user: None,
            password: None,
        };
        let transport = mailnet::send::transport(&relay)?;
        let t = Instant::now();
        let mut sent = 0;
        loop {
            let n = mailnet::send::send_due(&app, &transport, 500).await?;
            if n == 0 {
                break;
            }
            sent += n;
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "smtp: {sent} acknowledgements sent in {secs:.1} s: {:.0} messages/s",
            sent as f64 / secs
        );
    }

    // 4. Memory while one large message (one attachment of random bytes, base64) goes
    //    through LMTP. The client streams it, so the peak is the server side's.
    let big = b.big_mb * 1024 * 1024;
    let _ = std::fs::write("/proc/self/clear_refs", "5"); // reset the peak (VmHWM)
    let before = status_kb("self", "VmRSS:").unwrap_or(0);
    let mut s = Lmtp::connect(addr).await?;
    s.command("MAIL FROM:<big@example.com>\r\n", "250").await?;
    s.command(&format!("RCPT TO:<support@{DOMAIN}>\r\n"), "250")
        .await?;
    s.command("DATA\r\n", "354").await?;
    let head = format!(
        "From: big@example.com\r\nTo: support@{DOMAIN}\r\nSubject: Photos du colis\r\n\
         Message-ID: <big-{}@example.com>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nVoici les photos.\r\n--b1\r\n\
         Content-Type: application/octet-stream; name=\"photos.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"photos.bin\"\r\n\r\n",
        std::process::id()
    );
    s.w.write_all(head.as_bytes()).await?;
    let mut written = head.len();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut chunk = Vec::with_capacity(78 * 1024);
    while written < big - 16 {
        chunk.clear();
        for _ in 0..1024 {
            for _ in 0..76 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                chunk.push(alphabet[(x & 63) as usize]);
            }
            chunk.extend_from_slice(b"\r\n");
        }
        s.w.write_all(&chunk).await?;
        written += chunk.len();
    }
    s.w.write_all(b"--b1--\r\n.\r\n").await?;
    let t = Instant::now();
    let r = s.reply().await?;
    let peak = status_kb("self", "VmHWM:").unwrap_or(0);
    println!(
        "large message: {:.1} MB over LMTP -> {r} in {:.2} s after the last byte; RSS before {:.0} MB, peak {:.0} MB (+{:.0} MB)",
        written as f64 / 1048576.0,
        t.elapsed().as_secs_f64(),
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        (peak.saturating_sub(before)) as f64 / 1024.0
    );
    if !r.starts_with("250") {
        bail!("large message refused: {r}");
    }
    Ok(())
}
