//! The email channel's use cases. `ingest_email` is the one function every inbound
//! transport calls (IMAP poller, LMTP/SMTP listener, quarantine re-processing): parse,
//! refuse loops, drop duplicates, thread, then write through the same `create_case` /
//! `update_case` path as every other channel, with the email record, the compressed
//! original and the attachments in the same transaction. Outbound mail (agent replies,
//! acknowledgements, agent notifications) is rendered from templates and queued in the
//! `outbox` in the transaction of the change that causes it; `mailnet` sends it.

mod ingest;
mod mailboxes;
mod outbox;
/// What outbound mail looks like to the screens and the API.
pub mod outbox_types {
    pub use super::outbox::{Delivery, NotSent, ReplyRoute};
}
pub mod relay;
pub mod templates;

use crate::cases::{CommentInput, NewCase};
use crate::model;
use crate::{Actor, App, AppError, Result};
use domain::{Channel, EmailAddress, Locale, Role};
use mail::{AutoKind, Inbound, Limits};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::Arc;
use store::{
    CaseRow, MailboxData, MailboxRow, MessageRow, NewAttachment, NewEmail, NewOutbox,
    NewQuarantine, StoreError, Tx,
};

/// Email settings of the application.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// Right-hand side of our Message-IDs.
    pub domain: String,
    pub max_message_bytes: usize,
    /// Raw originals are kept this many days (0 = forever).
    pub raw_retention_days: i64,
    /// At most this many acknowledgements per sender address per hour (loop guard).
    pub acks_per_hour: i64,
    /// Outbound attempts before a mail is marked failed.
    pub max_attempts: i64,
    /// The authserv-id our receiving MTA writes in `Authentication-Results` (RFC 8601).
    /// Mail from a staff address counts as that agent's only with a DMARC (or aligned DKIM)
    /// pass under this id; empty: no staff mail is trusted.
    pub authserv_id: String,
    /// The outbound relay set in the config file or environment; it wins over the one an
    /// administrator sets in the pages (None: the pages' one, if any).
    pub relay: Option<relay::RelaySettings>,
    /// Where this node takes mail over LMTP (`127.0.0.1:2424`), shown on the mailbox page
    /// with the MTA settings to copy; empty: LMTP is off.
    pub lmtp_bind: String,
    /// Whether this node polls mailboxes over IMAP.
    pub imap_enabled: bool,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            domain: "guichet.invalid".into(),
            max_message_bytes: 40 * 1024 * 1024,
            raw_retention_days: 90,
            acks_per_hour: 3,
            max_attempts: 10,
            authserv_id: String::new(),
            relay: None,
            lmtp_bind: String::new(),
            imap_enabled: true,
        }
    }
}

pub use mail::auth::Verdict as AuthVerdict;

/// The DKIM/SPF/DMARC verdict the receiving MTA recorded on a stored email, if any.
pub fn auth_verdict(auth_results: Option<&str>) -> Option<AuthVerdict> {
    auth_results.map(mail::auth::verdict)
}

/// Where an inbound message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Imap,
    Lmtp,
    Reprocess,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Imap => "imap",
            Source::Lmtp => "lmtp",
            Source::Reprocess => "reprocess",
        }
    }
}

/// One delivery of raw bytes to Guichet.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub raw: &'a [u8],
    /// Known for IMAP (the polled mailbox).
    pub mailbox_id: Option<i64>,
    /// The envelope recipient (LMTP `RCPT TO`), with its plus detail.
    pub rcpt: Option<&'a str>,
    pub mail_from: Option<&'a str>,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    Created {
        case_id: i64,
    },
    Appended {
        case_id: i64,
    },
    /// The Message-ID was already stored: nothing written.
    Duplicate {
        case_id: i64,
    },
    Quarantined {
        id: i64,
        reason: String,
    },
}

/// What the case write needs to record the email in its own transaction.
#[derive(Debug)]
pub struct InboundMail {
    pub(crate) parsed: Inbound,
    pub(crate) mailbox_id: Option<i64>,
    pub(crate) raw_sha256: String,
    pub(crate) raw_size: i64,
    pub(crate) deflated: Vec<u8>,
    /// Sanitised HTML of the whole message.
    pub(crate) html: Option<String>,
    pub(crate) send_ack: bool,
    /// From a staff address without our MTA's proof: kept as an internal note, flagged.
    pub(crate) unverified_staff: bool,
}

impl InboundMail {
    pub(crate) fn automatic(&self) -> bool {
        self.parsed.auto != AutoKind::None
    }
}

pub(crate) fn deflate(raw: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(raw);
    e.finish().unwrap_or_default()
}

pub fn inflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut d = flate2::write::DeflateDecoder::new(Vec::new());
    d.write_all(data)
        .and_then(|_| d.finish())
        .map_err(|e| AppError::Internal(format!("inflate: {e}")))
}

enum Thread {
    Case(Box<CaseRow>),
    New,
}

impl App {
    fn mail_limits(&self) -> Limits {
        Limits {
            max_message_bytes: self.config.mail.max_message_bytes,
            max_attachment_bytes: self.config.max_attachment_bytes,
        }
    }
}

struct QueueMail<'a> {
    kind: &'static str,
    case: &'a CaseRow,
    message_id: Option<i64>,
    user_id: Option<i64>,
    mailbox: &'a MailboxRow,
    to: &'a str,
    to_name: Option<String>,
    key: String,
    subject: String,
    text: String,
    auto: Option<&'static str>,
    locale: &'static str,
    files: Vec<(String, String, Vec<u8>)>,
}

fn mailbox_data(m: &model::Mailbox) -> MailboxData {
    MailboxData {
        address: m.address.clone(),
        name: m.name.clone(),
        team_id: m.team_id,
        locale: m.locale.clone(),
        imap_host: m.imap_host.clone(),
        imap_port: m.imap_port,
        imap_security: m.imap_security.clone(),
        imap_user: m.imap_user.clone(),
        imap_password: m.imap_password.clone(),
        imap_folder: m.imap_folder.clone(),
        imap_poll_seconds: m.imap_poll_seconds,
        active: m.active,
    }
}

fn locale_of(user: &str, mailbox: &str) -> &'static str {
    let pick = |s: &str| {
        if s.starts_with("fr") {
            Some("fr")
        } else if s.starts_with("en") {
            Some("en")
        } else {
            None
        }
    };
    pick(user).or_else(|| pick(mailbox)).unwrap_or("en")
}

/// "lundi 24 novembre 2026 à 11:30" / "Monday 24 November 2026 at 11:30", in the
/// customer's time zone.
pub(crate) fn format_local(ms: i64, tz: &str, locale: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    let z = ts.to_zoned(zone);
    let (days, months, at) = if locale == "fr" {
        (
            [
                "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
            ],
            [
                "janvier",
                "février",
                "mars",
                "avril",
                "mai",
                "juin",
                "juillet",
                "août",
                "septembre",
                "octobre",
                "novembre",
                "décembre",
            ],
            "à",
        )
    } else {
        (
            [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ],
            [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ],
            "at",
        )
    };
    let day = days[z.weekday().to_monday_zero_offset() as usize];
    let month = months[(z.month() - 1) as usize];
    format!(
        "{day} {} {month} {} {at} {:02}:{:02} ({})",
        z.day(),
        z.year(),
        z.hour(),
        z.minute(),
        z.time_zone().iana_name().unwrap_or("UTC")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deflate_round_trips() {
        let raw = b"From: a@b.fr\r\n\r\nbonjour ".repeat(100);
        let d = deflate(&raw);
        assert!(d.len() < raw.len() / 5);
        assert_eq!(inflate(&d).unwrap(), raw);
        assert!(inflate(b"not deflate data at all").is_err());
    }

    #[test]
    fn expected_time_reads_in_the_customers_language_and_zone() {
        // 2026-11-24T10:30:00Z
        let ms = 1_795_516_200_000;
        assert_eq!(
            format_local(ms, "Europe/Paris", "fr"),
            "mardi 24 novembre 2026 à 11:30 (Europe/Paris)"
        );
        assert_eq!(
            format_local(ms, "America/Montreal", "en"),
            "Tuesday 24 November 2026 at 05:30 (America/Montreal)"
        );
        assert_eq!(locale_of("fr-CA", "en"), "fr");
        assert_eq!(locale_of("de", "en"), "en");
    }
}
