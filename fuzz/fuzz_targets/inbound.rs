//! Raw bytes through the whole inbound email pipeline: `App::ingest_email` parses,
//! classifies, threads, trims, sanitises and writes to a real SQLite store (a case, a
//! duplicate or a quarantined original). Any input must give `Ok` — an error here means a
//! storage write failed on content we accepted — and nothing may panic.
#![no_main]

use app::email::{Delivery, Source};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, LazyLock};

struct Harness {
    rt: tokio::runtime::Runtime,
    app: app::App,
    mailbox: i64,
    _dir: tempfile::TempDir,
}

static H: LazyLock<Harness> = LazyLock::new(|| {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("fuzz.db").display());
    let (app, mailbox) = rt.block_on(async {
        let store = store::Store::connect(&url, &store::StoreOptions::default())
            .await
            .expect("store");
        let clock: Arc<dyn domain::Clock> = Arc::new(domain::SystemClock);
        store.migrate(clock.now().as_millisecond()).await.expect("migrate");
        let cfg = app::AppConfig {
            mail: app::email::MailConfig {
                domain: "guichet.test".into(),
                max_message_bytes: 1024 * 1024,
                ..Default::default()
            },
            ..Default::default()
        };
        let app = app::App::new(store, clock, cfg);
        let admin = app
            .create_admin("fuzz@guichet.test", "Fuzz", "fuzz-password-123")
            .await
            .expect("admin");
        let actor = app::Actor {
            user_id: admin.user.id,
            role: domain::Role::Admin,
            name: "fuzz".into(),
        };
        let mb = app
            .create_mailbox(
                &actor,
                app::model::MailboxFields {
                    address: "support@guichet.test".into(),
                    name: "Support".into(),
                    locale: "fr".into(),
                    imap_security: "none".into(),
                    imap_folder: "INBOX".into(),
                    imap_poll_seconds: 60,
                    active: true,
                    ..Default::default()
                },
            )
            .await
            .expect("mailbox");
        (app, mb.id)
    });
    Harness {
        rt,
        app,
        mailbox,
        _dir: dir,
    }
});

fuzz_target!(|data: &[u8]| {
    let h = &*H;
    // Both entry points: a known mailbox (IMAP) and an envelope recipient (LMTP).
    let imap = h.rt.block_on(h.app.ingest_email(Delivery {
        raw: data,
        mailbox_id: Some(h.mailbox),
        rcpt: None,
        mail_from: None,
        source: Source::Imap,
    }));
    if let Err(e) = imap {
        panic!("ingest_email (imap) failed: {e}");
    }
    let lmtp = h.rt.block_on(h.app.ingest_email(Delivery {
        raw: data,
        mailbox_id: None,
        rcpt: Some("support+c1@guichet.test"),
        mail_from: Some(""),
        source: Source::Lmtp,
    }));
    if let Err(e) = lmtp {
        panic!("ingest_email (lmtp) failed: {e}");
    }
});
