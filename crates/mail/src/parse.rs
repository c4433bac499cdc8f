//! Raw RFC 5322 bytes → `Inbound`: decoded headers, text, HTML (not yet sanitised; the
//! caller sanitises), attachments, the automatic-mail class and bounce details. Never
//! panics on any input (fuzzed); what cannot be used becomes a `ParseError` whose code is
//! the quarantine reason.

use mail_parser::{HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

/// Size limits applied while parsing.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A larger message is not parsed at all (`ParseError::TooLarge`).
    pub max_message_bytes: usize,
    /// A larger attachment is listed (name, type, size) but its bytes are not kept.
    pub max_attachment_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_bytes: 40 * 1024 * 1024,
            max_attachment_bytes: 20 * 1024 * 1024,
        }
    }
}

/// Why a message cannot become a case message. `code()` is the quarantine reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Not an email: no header block we recognise.
    Malformed,
    /// No usable sender address (From, then Sender).
    NoSender,
    TooLarge,
}

impl ParseError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::NoSender => "no-sender",
            Self::TooLarge => "too-large",
        }
    }
}

/// Automatic mail (reference 2.8): stored, never answered automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoKind {
    None,
    AutoReply,
    Bounce,
    Bulk,
}

impl AutoKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::AutoReply => "auto-reply",
            Self::Bounce => "bounce",
            Self::Bulk => "bulk",
        }
    }
}

/// What a delivery-status notification says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bounce {
    /// Addresses that failed (`Final-Recipient`, else `Original-Recipient`), lowercase.
    pub failed: Vec<String>,
    /// Message-ID, In-Reply-To and References of the returned original.
    pub original_ids: Vec<String>,
    /// Why, as the reporting server said it: `Status` and `Diagnostic-Code` of the first
    /// failed recipient (`5.1.1 smtp; 550 5.1.1 user unknown`), at most 300 characters.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    /// Without angle brackets.
    pub content_id: Option<String>,
    /// Shown inside the HTML (`cid:`) rather than listed.
    pub inline: bool,
    pub size: usize,
    /// Empty when the attachment was over the size limit (`too_large`).
    pub data: Vec<u8>,
    pub too_large: bool,
}

#[derive(Debug, Clone)]
pub struct Inbound {
    /// Without angle brackets.
    pub message_id: String,
    /// The message had none; `message_id` is derived from the hash of its bytes.
    pub synthetic_id: bool,
    /// Lowercase.
    pub from: String,
    pub from_name: Option<String>,
    pub reply_to: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    /// Unix seconds, from the Date header.
    pub date: Option<i64>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// The whole decoded text (NFC), quoted history included.
    pub text: String,
    /// What an agent reads: `text` without quoted history and signature.
    pub display_text: String,
    /// The HTML body as sent (unsanitised), when there is a real HTML part.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    pub auto: AutoKind,
    pub bounce: Option<Bounce>,
    /// `Return-Path: <>`.
    pub null_return_path: bool,
    /// `Authentication-Results` as added by the receiving MTA (DKIM/SPF/DMARC verdicts).
    pub authentication_results: Option<String>,
    /// Every `Authentication-Results` header, topmost first (the sender may add its own:
    /// only the receiving MTA's authserv-id counts, see `auth::sender_verified`).
    pub all_authentication_results: Vec<String>,
}

impl Inbound {
    /// Every id this message points at, In-Reply-To first, then References newest first.
    pub fn parent_ids(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.in_reply_to.iter().map(String::as_str).collect();
        for r in self.references.iter().rev() {
            if !out.contains(&r.as_str()) {
                out.push(r);
            }
        }
        if let Some(b) = &self.bounce {
            for r in &b.original_ids {
                if !out.contains(&r.as_str()) {
                    out.push(r);
                }
            }
        }
        out
    }
}

/// Headers whose presence says "this is an email" (a message needs at least one).
const MAIL_HEADERS: [&str; 11] = [
    "From",
    "Sender",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "Received",
    "Return-Path",
    "MIME-Version",
    "Content-Type",
];

pub fn parse(raw: &[u8], limits: &Limits) -> Result<Inbound, ParseError> {
    if raw.len() > limits.max_message_bytes {
        return Err(ParseError::TooLarge);
    }
    if !starts_with_header(raw) {
        return Err(ParseError::Malformed);
    }
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or(ParseError::Malformed)?;
    if !MAIL_HEADERS.iter().any(|h| msg.header_raw(*h).is_some()) {
        return Err(ParseError::Malformed);
    }
    let (from, from_name) = sender(&msg).ok_or(ParseError::NoSender)?;
    let message_id = msg
        .message_id()
        .map(clean_id)
        .filter(|s| !s.is_empty() && s.len() <= 995);
    let synthetic_id = message_id.is_none();
    let message_id = message_id.unwrap_or_else(|| {
        let h = Sha256::digest(raw);
        format!("{}@synthetic.guichet", &hex::encode(h)[..32])
    });

    let text = nfc(&body_text(&msg));
    let html = body_html(&msg);
    let display_text = crate::trim::display(&text);
    let attachments = attachments(&msg, limits);
    let bounce = bounce(&msg);
    let auto = if bounce.is_some() {
        AutoKind::Bounce
    } else {
        classify(&msg)
    };
    let null_return_path = msg.header_raw("Return-Path").is_some_and(|r| {
        r.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim()
            .is_empty()
    });

    Ok(scrub(Inbound {
        message_id,
        synthetic_id,
        from,
        from_name,
        reply_to: msg
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(|a| a.trim().to_lowercase())
            .filter(|a| a.contains('@')),
        to: addresses(msg.to()),
        cc: addresses(msg.cc()),
        subject: nfc(msg.subject().unwrap_or("").trim()),
        date: msg.date().map(|d| d.to_timestamp()),
        in_reply_to: ids(msg.in_reply_to()),
        references: ids(msg.references()),
        text,
        display_text,
        html,
        attachments,
        auto,
        bounce: bounce.filter(|_| auto == AutoKind::Bounce),
        null_return_path,
        authentication_results: msg
            .header_raw("Authentication-Results")
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")),
        all_authentication_results: msg
            .headers_raw()
            .filter(|(n, _)| n.eq_ignore_ascii_case("Authentication-Results"))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect(),
    }))
}

/// NUL and the other C0 controls except tab and line breaks: PostgreSQL refuses NUL in
/// text and none of them is text anyone wrote. A quoted-printable `=00` used to make the
/// message unstorable (LMTP 451 for ever); the raw bytes keep them.
fn is_stray_control(c: char) -> bool {
    c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')
}

fn clean(s: &mut String) {
    if s.chars().any(is_stray_control) {
        s.retain(|c| !is_stray_control(c));
    }
}

/// Every text field of a parsed message without stray control characters.
fn scrub(mut m: Inbound) -> Inbound {
    for s in [
        &mut m.message_id,
        &mut m.from,
        &mut m.subject,
        &mut m.text,
        &mut m.display_text,
    ] {
        clean(s);
    }
    for s in [
        &mut m.from_name,
        &mut m.reply_to,
        &mut m.html,
        &mut m.authentication_results,
    ]
    .into_iter()
    .flatten()
    {
        clean(s);
    }
    for v in [
        &mut m.to,
        &mut m.cc,
        &mut m.in_reply_to,
        &mut m.references,
        &mut m.all_authentication_results,
    ] {
        v.iter_mut().for_each(clean);
    }
    for a in &mut m.attachments {
        clean(&mut a.name);
        clean(&mut a.content_type);
        if let Some(c) = &mut a.content_id {
            clean(c);
        }
    }
    if let Some(b) = &mut m.bounce {
        b.failed.iter_mut().for_each(clean);
        b.original_ids.iter_mut().for_each(clean);
    }
    m
}

/// The first line must look like a header field (`Name: value`) or an mbox `From ` line.
fn starts_with_header(raw: &[u8]) -> bool {
    let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    if raw.starts_with(b"From ") {
        return true;
    }
    let line_end = raw.iter().position(|&b| b == b'\n').unwrap_or(raw.len());
    let line = &raw[..line_end];
    match line.iter().position(|&b| b == b':') {
        Some(0) | None => false,
        Some(i) => line[..i].iter().all(|&b| (33..=126).contains(&b)),
    }
}

fn nfc(s: &str) -> String {
    s.nfc().collect()
}

fn clean_id(s: &str) -> String {
    s.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    let list: Vec<String> = match v {
        HeaderValue::Text(t) => vec![clean_id(t)],
        HeaderValue::TextList(l) => l.iter().map(|t| clean_id(t)).collect(),
        _ => vec![],
    };
    list.into_iter()
        .filter(|s| !s.is_empty() && s.len() <= 995)
        .collect()
}

fn sender(msg: &Message<'_>) -> Option<(String, Option<String>)> {
    for a in [msg.from(), msg.sender()].into_iter().flatten() {
        for addr in a.iter() {
            if let Some(email) = addr.address() {
                let email = email.trim().to_lowercase();
                if valid_address(&email) {
                    let name = addr
                        .name()
                        .map(|n| nfc(n.trim().trim_matches('"').trim()))
                        .filter(|n| !n.is_empty() && n.to_lowercase() != email);
                    return Some((email, name));
                }
            }
        }
    }
    None
}

fn valid_address(a: &str) -> bool {
    let Some((local, domain)) = a.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && a.len() <= 254
        && !a
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

fn addresses(a: Option<&mail_parser::Address<'_>>) -> Vec<String> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| x.address())
            .map(|x| x.trim().to_lowercase())
            .filter(|x| valid_address(x))
            .collect()
    })
    .unwrap_or_default()
}

fn body_text(msg: &Message<'_>) -> String {
    let mut out = String::new();
    for (i, part) in msg.text_bodies().enumerate() {
        let t = match &part.body {
            // HTML-only mail: our own conversion, which drops <script> and <style> whole.
            PartType::Html(h) => html_to_text(h),
            _ => msg.body_text(i).map(|c| c.into_owned()).unwrap_or_default(),
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(t.trim_end());
    }
    out.replace("\r\n", "\n")
}

/// Text of an HTML body: elements that are not content (`script`, `style`, `head`) are
/// dropped with what they hold, block ends become line breaks, tags go, common entities
/// are decoded.
pub fn html_to_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut kept = String::with_capacity(html.len());
    let mut i = 0;
    'outer: while i < html.len() {
        for tag in ["script", "style", "head"] {
            let open = format!("<{tag}");
            if lower[i..].starts_with(&open)
                && lower[i + open.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c == '>' || c.is_whitespace() || c == '/')
            {
                let close = format!("</{tag}");
                match lower[i..].find(&close) {
                    Some(end) => {
                        let after = i + end;
                        i = lower[after..]
                            .find('>')
                            .map(|g| after + g + 1)
                            .unwrap_or(html.len());
                    }
                    None => i = html.len(),
                }
                continue 'outer;
            }
        }
        let ch = html[i..].chars().next().unwrap_or(' ');
        kept.push(ch);
        i += ch.len_utf8();
    }
    let mut out = String::with_capacity(kept.len());
    let mut rest = kept.as_str();
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[lt + 1..lt + gt]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if matches!(
            name.as_str(),
            "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "blockquote"
        ) {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    let out = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let mut lines: Vec<&str> = out.lines().map(str::trim).collect();
    lines.dedup_by(|a, b| a.is_empty() && b.is_empty());
    lines.join("\n").trim().to_string()
}

fn body_html(msg: &Message<'_>) -> Option<String> {
    let mut out = String::new();
    for part in msg.html_bodies() {
        if let PartType::Html(h) = &part.body {
            out.push_str(h);
        }
    }
    (!out.trim().is_empty()).then_some(out)
}

fn content_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(s) => format!("{}/{}", ct.ctype(), s).to_lowercase(),
            None => ct.ctype().to_lowercase(),
        },
        None => match &part.body {
            PartType::Message(_) => "message/rfc822".into(),
            PartType::Text(_) => "text/plain".into(),
            PartType::Html(_) => "text/html".into(),
            _ => "application/octet-stream".into(),
        },
    }
}

fn attachments(msg: &Message<'_>, limits: &Limits) -> Vec<Attachment> {
    let mut out = Vec::new();
    for (n, part) in msg.attachments().enumerate() {
        let ctype = content_type(part);
        let content_id = part.content_id().map(clean_id).filter(|c| !c.is_empty());
        let disposition_attachment = part
            .content_disposition()
            .is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"));
        let inline = content_id.is_some() && !disposition_attachment;
        let name = part
            .attachment_name()
            .map(|n| nfc(n.trim()))
            .filter(|n| !n.is_empty())
            .or_else(|| {
                part.message()
                    .and_then(|m| m.subject())
                    .map(|s| format!("{}.eml", s.trim()))
            })
            .unwrap_or_else(|| format!("attachment-{}{}", n + 1, extension_for(&ctype)));
        let data = part.contents();
        let too_large = data.len() > limits.max_attachment_bytes;
        out.push(Attachment {
            name,
            content_type: ctype,
            content_id,
            inline,
            size: data.len(),
            data: if too_large { Vec::new() } else { data.to_vec() },
            too_large,
        });
    }
    out
}

fn extension_for(ctype: &str) -> &'static str {
    match ctype {
        "image/png" => ".png",
        "image/jpeg" => ".jpg",
        "image/gif" => ".gif",
        "application/pdf" => ".pdf",
        "message/rfc822" => ".eml",
        "text/calendar" => ".ics",
        "text/plain" => ".txt",
        "text/html" => ".html",
        _ => ".bin",
    }
}

fn header_lower(msg: &Message<'_>, name: &str) -> Option<String> {
    msg.header_raw(name).map(|v| v.trim().to_lowercase())
}

/// Auto-replies and bulk mail, by the rules of reference 2.8 (Zammad, FreeScout, RFC 3834).
fn classify(msg: &Message<'_>) -> AutoKind {
    if let Some(v) = header_lower(msg, "Auto-Submitted") {
        let value = v.split(';').next().unwrap_or("").trim();
        if !value.is_empty() && value != "no" {
            return AutoKind::AutoReply;
        }
    }
    if msg.header_raw("X-Autoreply").is_some() || msg.header_raw("X-Autorespond").is_some() {
        return AutoKind::AutoReply;
    }
    if let Some(v) = header_lower(msg, "X-Auto-Response-Suppress")
        && ["all", "oof", "autoreply"].iter().any(|k| {
            v.split(|c: char| c == ',' || c.is_whitespace())
                .any(|t| t == *k)
        })
    {
        return AutoKind::AutoReply;
    }
    let precedence = header_lower(msg, "Precedence").or_else(|| header_lower(msg, "X-Precedence"));
    if precedence.as_deref() == Some("auto_reply") {
        return AutoKind::AutoReply;
    }
    if matches!(precedence.as_deref(), Some("bulk" | "list" | "junk"))
        || msg.header_raw("List-Id").is_some()
        || msg.header_raw("List-Unsubscribe").is_some()
    {
        return AutoKind::Bulk;
    }
    AutoKind::None
}

/// A delivery-status notification: what failed and which original it returns.
fn bounce(msg: &Message<'_>) -> Option<Bounce> {
    let report = msg.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    let mut status_part = false;
    let mut b = Bounce::default();
    for part in &msg.parts {
        let ct = content_type(part);
        match ct.as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                status_part = true;
                let text = String::from_utf8_lossy(part.contents());
                let mut original = None;
                let (mut status, mut diagnostic) = (None, None);
                for line in text.lines() {
                    let Some((k, v)) = line.split_once(':') else {
                        continue;
                    };
                    let k = k.trim().to_ascii_lowercase();
                    if k == "status" {
                        status.get_or_insert_with(|| v.trim().to_string());
                    } else if k == "diagnostic-code" {
                        diagnostic.get_or_insert_with(|| v.trim().to_string());
                    }
                    let addr = v.split_once(';').map(|x| x.1).unwrap_or(v);
                    let addr = addr.trim().trim_matches(['<', '>']).to_lowercase();
                    if !valid_address(&addr) {
                        continue;
                    }
                    if k == "final-recipient" && !b.failed.contains(&addr) {
                        b.failed.push(addr);
                    } else if k == "original-recipient" {
                        original.get_or_insert(addr);
                    }
                }
                if b.failed.is_empty()
                    && let Some(o) = original
                {
                    b.failed.push(o);
                }
                let why: Vec<String> = status.into_iter().chain(diagnostic).collect();
                if b.reason.is_none() && !why.is_empty() {
                    b.reason = Some(why.join(" ").chars().take(300).collect());
                }
            }
            "text/rfc822-headers" | "message/rfc822-headers" | "message/global-headers" => {
                if let Some(h) = MessageParser::default().parse(part.contents()) {
                    original_ids(&h, &mut b.original_ids);
                }
            }
            "message/rfc822" | "message/global" => {
                if let Some(m) = part.message() {
                    original_ids(m, &mut b.original_ids);
                }
            }
            _ => {}
        }
    }
    let daemon = sender(msg).is_some_and(|(f, _)| {
        let local = f.split('@').next().unwrap_or("");
        local == "mailer-daemon" || local == "postmaster"
    });
    let null_rp = msg.header_raw("Return-Path").is_some_and(|r| {
        r.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim()
            .is_empty()
    });
    (report || status_part || (daemon && null_rp)).then_some(b)
}

fn original_ids(m: &Message<'_>, out: &mut Vec<String>) {
    let mut push = |id: String| {
        if !id.is_empty() && !out.contains(&id) {
            out.push(id);
        }
    };
    if let Some(id) = m.message_id() {
        push(clean_id(id));
    }
    for id in ids(m.in_reply_to()) {
        push(id);
    }
    for id in ids(m.references()) {
        push(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(raw: &str) -> Result<Inbound, ParseError> {
        parse(raw.as_bytes(), &Limits::default())
    }

    #[test]
    fn nul_and_control_characters_are_stripped_from_every_text_part() {
        let raw = "From: =?UTF-8?Q?Jo=00_Bar?= <jo@example.fr>\r\nTo: support@guichet.test\r\n\
            Subject: =?UTF-8?Q?Colis=00_perdu=07?=\r\nMessage-ID: <nul-1@example.fr>\r\n\
            MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n\
            --b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
            Bon=00jour=1B,\tligne\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\
            Content-Transfer-Encoding: quoted-printable\r\n\r\n<p>Bon=00jour</p>\r\n--b--\r\n";
        let m = p(raw).unwrap();
        for s in [
            &m.subject,
            &m.text,
            &m.display_text,
            m.html.as_ref().unwrap(),
        ] {
            assert!(
                !s.chars()
                    .any(|c| c == '\0' || c == '\u{7}' || c == '\u{1b}'),
                "{s:?}"
            );
        }
        assert_eq!(m.subject, "Colis perdu");
        assert!(m.text.contains("Bonjour,\tligne"), "{:?}", m.text);
        assert_eq!(m.from_name.as_deref(), Some("Jo Bar"));
    }

    #[test]
    fn decodes_latin1_quoted_printable_and_encoded_word_subject() {
        let raw = "From: =?ISO-8859-1?Q?Ren=E9e_Lef=E8vre?= <Renee@Example.FR>\r\n\
            To: support@guichet.test\r\nSubject: =?ISO-8859-1?Q?Probl=E8me_de_livraison?=\r\n\
            Message-ID: <abc@example.fr>\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
            Content-Transfer-Encoding: quoted-printable\r\n\r\nJ'ai re=E7u un colis ab=EEm=E9.\r\n";
        let m = p(raw).unwrap();
        assert_eq!(m.from, "renee@example.fr");
        assert_eq!(m.from_name.as_deref(), Some("Renée Lefèvre"));
        assert_eq!(m.subject, "Problème de livraison");
        assert_eq!(m.message_id, "abc@example.fr");
        assert!(!m.synthetic_id);
        assert!(m.text.contains("reçu un colis abîmé"), "{}", m.text);
        assert_eq!(m.auto, AutoKind::None);
    }

    #[test]
    fn missing_message_id_gets_a_stable_synthetic_one() {
        let raw = "From: a@b.fr\nSubject: x\n\nbody\n";
        let a = p(raw).unwrap();
        let b = p(raw).unwrap();
        assert!(a.synthetic_id);
        assert_eq!(a.message_id, b.message_id);
        let c = p("From: a@b.fr\nSubject: y\n\nbody\n").unwrap();
        assert_ne!(a.message_id, c.message_id);
    }

    #[test]
    fn garbage_is_malformed_and_no_from_is_no_sender() {
        assert_eq!(
            p("\u{0}\u{1}binary garbage").unwrap_err(),
            ParseError::Malformed
        );
        assert_eq!(p("").unwrap_err(), ParseError::Malformed);
        assert_eq!(
            p("GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap_err(),
            ParseError::Malformed
        );
        assert_eq!(p("Subject: hi\n\nbody").unwrap_err(), ParseError::NoSender);
        assert_eq!(
            p("From: undisclosed-recipients:;\nSubject: hi\n\nbody").unwrap_err(),
            ParseError::NoSender
        );
        let big = Limits {
            max_message_bytes: 10,
            ..Limits::default()
        };
        assert_eq!(
            parse(b"From: a@b.fr\n\nlong body", &big).unwrap_err(),
            ParseError::TooLarge
        );
    }

    #[test]
    fn classifies_auto_replies_bulk_and_bounces() {
        let base = "From: a@b.fr\nSubject: x\n";
        for h in [
            "Auto-Submitted: auto-replied\n",
            "Auto-Submitted: auto-generated; owner-email=a@b.fr\n",
            "X-Autoreply: yes\n",
            "X-Auto-Response-Suppress: DR, OOF, AutoReply\n",
            "Precedence: auto_reply\n",
        ] {
            let m = p(&format!("{base}{h}\nOut of office")).unwrap();
            assert_eq!(m.auto, AutoKind::AutoReply, "{h}");
        }
        for h in [
            "Precedence: bulk\n",
            "List-Id: <news.example.fr>\n",
            "List-Unsubscribe: <mailto:u@x>\n",
        ] {
            let m = p(&format!("{base}{h}\nNews")).unwrap();
            assert_eq!(m.auto, AutoKind::Bulk, "{h}");
        }
        let m = p(&format!("{base}Auto-Submitted: no\n\nhello")).unwrap();
        assert_eq!(m.auto, AutoKind::None);

        let dsn = "From: Mail Delivery System <MAILER-DAEMON@mx.example.fr>\n\
            Return-Path: <>\nSubject: Undelivered Mail\nMIME-Version: 1.0\n\
            Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
            --b\nContent-Type: text/plain\n\nIt failed.\n\
            --b\nContent-Type: message/delivery-status\n\n\
            Reporting-MTA: dns; mx.example.fr\n\nFinal-Recipient: rfc822; Alice@Example.fr\nAction: failed\nStatus: 5.1.1\n\
            --b\nContent-Type: text/rfc822-headers\n\n\
            From: support@guichet.test\nTo: alice@example.fr\nMessage-ID: <gc7-m3-abc@guichet.test>\nSubject: Re\n\n\
            --b--\n";
        let m = p(dsn).unwrap();
        assert_eq!(m.auto, AutoKind::Bounce);
        let b = m.bounce.as_ref().unwrap();
        assert_eq!(b.failed, vec!["alice@example.fr".to_string()]);
        assert_eq!(b.original_ids, vec!["gc7-m3-abc@guichet.test".to_string()]);
        assert_eq!(b.reason.as_deref(), Some("5.1.1"));
        assert!(m.parent_ids().contains(&"gc7-m3-abc@guichet.test"));
        assert!(m.null_return_path);
    }

    #[test]
    fn attachments_inline_images_and_size_limit() {
        let raw = "From: a@b.fr\nSubject: pj\nMIME-Version: 1.0\n\
            Content-Type: multipart/mixed; boundary=\"m\"\n\n\
            --m\nContent-Type: multipart/related; boundary=\"r\"\n\n\
            --r\nContent-Type: text/html; charset=utf-8\n\n<p>Voir <img src=\"cid:logo@x\"></p>\n\
            --r\nContent-Type: image/png\nContent-ID: <logo@x>\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n\
            --r--\n\
            --m\nContent-Type: application/pdf\nContent-Disposition: attachment; filename*=UTF-8''facture%20n%C2%B012.pdf\n\
            Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n\
            --m--\n";
        let limits = Limits {
            max_attachment_bytes: 8,
            ..Limits::default()
        };
        let m = parse(raw.as_bytes(), &limits).unwrap();
        assert_eq!(m.attachments.len(), 2, "{:?}", m.attachments);
        let img = &m.attachments[0];
        assert!(img.inline);
        assert_eq!(img.content_id.as_deref(), Some("logo@x"));
        assert_eq!(img.size, 8);
        assert!(!img.too_large);
        let pdf = &m.attachments[1];
        assert_eq!(pdf.name, "facture n°12.pdf");
        assert_eq!(pdf.content_type, "application/pdf");
        assert!(!pdf.inline);
        assert_eq!(pdf.size, 9);
        assert!(pdf.too_large && pdf.data.is_empty());
        assert!(m.html.as_deref().unwrap().contains("cid:logo@x"));
        assert!(m.text.contains("Voir"), "text from HTML: {:?}", m.text);
    }

    #[test]
    fn html_only_text_drops_scripts_with_attributes() {
        let t = html_to_text(
            "<html><head><title>x</title></head><body><p>Bonjour&nbsp;!</p><script type=\"text/javascript\">steal(document.cookie)</script><div>Fin &amp; merci</div></body></html>",
        );
        assert_eq!(t, "Bonjour !\n\nFin & merci");
        assert!(!html_to_text("<SCRIPT src=x>a</SCRIPT>ok<style>p{}</style>").contains('a'));
    }

    proptest::proptest! {
        #[test]
        fn html_to_text_never_panics(s in "(<|>|/|script|style|&amp;|é|[a-z ]){0,80}") {
            let _ = html_to_text(&s);
        }

        #[test]
        fn never_panics_on_bytes(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let _ = parse(&data, &Limits::default());
        }

        #[test]
        fn never_panics_on_header_like_text(s in "(From|To|Subject|Content-Type|Message-ID|References): [ -~]{0,80}\n(\n[ -~\n]{0,300})?") {
            let _ = parse(s.as_bytes(), &Limits::default());
        }
    }
}
