//! Outbound messages as RFC 5322 bytes. Built once when the mail is queued, so every
//! retry sends the same bytes with the same Message-ID.

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::headers::raw::Raw;

#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub from_name: String,
    pub from: String,
    pub to: Vec<(Option<String>, String)>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Without angle brackets.
    pub message_id: String,
    pub in_reply_to: Vec<String>,
    /// Oldest first; long chains keep the first and the last eleven (RFC 5322 practice).
    pub references: Vec<String>,
    /// `auto-generated` (notifications) or `auto-replied` (acknowledgements); None for an
    /// agent's reply.
    pub auto_submitted: Option<&'static str>,
    /// Unix seconds.
    pub date: i64,
    pub language: Option<String>,
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

pub fn build(o: &Outgoing) -> Vec<u8> {
    let to: Vec<Address<'_>> =
        o.to.iter()
            .map(|(n, a)| match n {
                Some(n) => Address::new_address(Some(n.as_str()), a.as_str()),
                None => Address::new_address(None::<&str>, a.as_str()),
            })
            .collect();
    let mut b = MessageBuilder::new()
        .from((o.from_name.as_str(), o.from.as_str()))
        .to(Address::new_list(to))
        .subject(o.subject.as_str())
        .message_id(o.message_id.as_str())
        .date(o.date)
        .text_body(o.text.as_str());
    if let Some(r) = &o.reply_to {
        b = b.reply_to(r.as_str());
    }
    if !o.in_reply_to.is_empty() {
        b = b.in_reply_to(o.in_reply_to.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let refs = trimmed_references(&o.references);
    if !refs.is_empty() {
        b = b.references(refs);
    }
    if let Some(a) = o.auto_submitted {
        b = b
            .header("Auto-Submitted", Raw::new(a))
            .header("X-Auto-Response-Suppress", Raw::new("All"));
    }
    if let Some(l) = &o.language {
        b = b.header("Content-Language", Raw::new(l.as_str()));
    }
    if let Some(h) = &o.html {
        b = b.html_body(h.as_str());
    }
    for (name, ctype, data) in &o.attachments {
        b = b.attachment(ctype.as_str(), name.as_str(), data.as_slice());
    }
    b.write_to_vec().unwrap_or_default()
}

fn trimmed_references(refs: &[String]) -> Vec<&str> {
    if refs.len() <= 12 {
        return refs.iter().map(String::as_str).collect();
    }
    std::iter::once(refs[0].as_str())
        .chain(refs[refs.len() - 11..].iter().map(String::as_str))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, parse};

    #[test]
    fn built_message_parses_back_with_threading_headers() {
        let o = Outgoing {
            from_name: "Service client".into(),
            from: "support@guichet.test".into(),
            to: vec![(Some("Renée Lefèvre".into()), "renee@example.fr".into())],
            reply_to: Some("support+c4@guichet.test".into()),
            subject: "[#4] Colis abîmé".into(),
            text: "Bonjour Renée,\nnous renvoyons le colis.\n".into(),
            html: None,
            message_id: "gc4-m9-abc@guichet.test".into(),
            in_reply_to: vec!["cust1@example.fr".into()],
            references: (0..20).map(|i| format!("r{i}@x")).collect(),
            auto_submitted: Some("auto-replied"),
            date: 1_700_000_000,
            language: Some("fr".into()),
            attachments: vec![(
                "devis.pdf".into(),
                "application/pdf".into(),
                b"%PDF".to_vec(),
            )],
        };
        let raw = build(&o);
        let m = parse(&raw, &Limits::default()).unwrap();
        assert_eq!(m.message_id, "gc4-m9-abc@guichet.test");
        assert_eq!(m.subject, "[#4] Colis abîmé");
        assert_eq!(m.in_reply_to, vec!["cust1@example.fr".to_string()]);
        assert_eq!(m.references.len(), 12);
        assert_eq!(m.references[0], "r0@x");
        assert_eq!(m.references[11], "r19@x");
        assert_eq!(m.reply_to.as_deref(), Some("support+c4@guichet.test"));
        assert_eq!(m.auto, crate::AutoKind::AutoReply);
        assert!(m.text.contains("nous renvoyons le colis"));
        assert_eq!(m.attachments[0].name, "devis.pdf");
        assert_eq!(m.date, Some(1_700_000_000));
    }
}
