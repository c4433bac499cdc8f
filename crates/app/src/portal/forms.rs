//! Contact forms any site embeds (issue 17, D1, C2): an administrator defines a form's
//! topics (each sends to a team and a category, with its own extra fields) and the sites
//! allowed to frame it; a visitor picks the topic up front and writes. The case is created
//! by `create_case`, like every channel, with the topic's routing and the acknowledgement
//! the email channel sends (case number, expected answer time, case link).
//!
//! Spam protection without a third party, all checked here so every transport gets it:
//! a honeypot field; a signed, time-stamped form token (HMAC-SHA256 with a secret every
//! node shares, at least 3 s and at most 2 h old, good for one submission); a proof of
//! work bound to that token (the browser finds a nonce whose SHA-256 with the token starts
//! with [`POW_BITS`] zero bits: a fraction of a second for a person, a real cost for a
//! flood); a token bucket per client address and one for everyone.

use crate::auth::client_ip;
use crate::cases::{CommentInput, NewCase, RequesterRef};
use crate::{Actor, App, AppError, FieldError, Result};
use domain::{EmailAddress, Locale};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Zero bits the proof of work needs (about 65,000 hashes: ~0.1 s in a browser).
pub const POW_BITS: u32 = 16;
/// A form sent sooner than this after it was shown is a robot's.
pub const MIN_FILL_MS: i64 = 3_000;
/// A form token stays good this long.
pub const TOKEN_TTL_MS: i64 = 2 * 3_600_000;
/// Topics per form, extra fields per topic.
const MAX_TOPICS: usize = 30;
const MAX_FIELDS: usize = 10;

/// One topic of a form: what the visitor picks, where it sends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Topic {
    /// Stable within the form (`livraison`), sent by the page.
    pub key: String,
    pub label_fr: String,
    pub label_en: String,
    pub team_id: Option<i64>,
    pub category_id: Option<i64>,
    #[serde(default)]
    pub fields: Vec<TopicField>,
}

/// An extra field of a topic (written into the case's custom fields under `key`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TopicField {
    pub key: String,
    pub label_fr: String,
    pub label_en: String,
    #[serde(default)]
    pub required: bool,
}

impl Topic {
    pub fn label(&self, l: Locale) -> &str {
        match l {
            Locale::Fr if !self.label_fr.is_empty() => &self.label_fr,
            _ if !self.label_en.is_empty() => &self.label_en,
            _ => &self.label_fr,
        }
    }
}

impl TopicField {
    pub fn label(&self, l: Locale) -> &str {
        match l {
            Locale::Fr if !self.label_fr.is_empty() => &self.label_fr,
            _ if !self.label_en.is_empty() => &self.label_en,
            _ => &self.label_fr,
        }
    }
}

/// A contact form as administrators define it and pages show it.
#[derive(Debug, Clone)]
pub struct ContactForm {
    pub id: i64,
    /// Public id in the form's URLs.
    pub key: String,
    pub name: String,
    pub locale: Locale,
    pub allowed_origins: Vec<String>,
    pub topics: Vec<Topic>,
    pub active: bool,
    /// The live chat is offered beside the form (its widget: `/form/{key}/chat.js`).
    pub chat: bool,
}

/// What an administrator saves.
#[derive(Debug, Clone)]
pub struct ContactFormInput {
    pub name: String,
    pub locale: Locale,
    pub allowed_origins: Vec<String>,
    pub topics: Vec<Topic>,
    pub active: bool,
    pub chat: bool,
}

/// The routing a form gives its case; made only here, so no transport can route a
/// customer's case itself.
#[derive(Debug)]
pub struct FormRouting {
    pub(crate) email: String,
    pub(crate) name: String,
}

/// A token the page carries: the signed value and the difficulty of its proof of work.
#[derive(Debug, Clone)]
pub struct FormToken {
    pub token: String,
    pub pow_bits: u32,
}

/// What a visitor sent.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub token: String,
    pub nonce: String,
    /// The hidden field people never fill.
    pub honeypot: String,
    pub topic: String,
    pub name: String,
    pub email: String,
    pub subject: String,
    pub body: String,
    pub fields: Vec<(String, String)>,
    pub locale: Option<Locale>,
    /// (file name, content type, bytes)
    pub files: Vec<(String, Option<String>, Vec<u8>)>,
}

/// What the visitor is told: the case number and when to expect an answer.
#[derive(Debug, Clone)]
pub struct FormReceipt {
    pub case_id: i64,
    pub expected_at: Option<i64>,
}

fn from_row(r: store::ContactFormRow) -> ContactForm {
    ContactForm {
        id: r.id,
        key: r.form_key,
        name: r.name,
        locale: Locale::parse(&r.locale).unwrap_or(Locale::Fr),
        allowed_origins: serde_json::from_str(&r.allowed_origins).unwrap_or_default(),
        topics: serde_json::from_str(&r.topics).unwrap_or_default(),
        active: r.active,
        chat: r.chat,
    }
}

/// `https://www.example.com` (scheme and host, optional port; no path).
fn valid_origin(o: &str) -> bool {
    let rest = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"));
    match rest {
        Some(h) => {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        }
        None => false,
    }
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 40
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

type HmacSha256 = Hmac<Sha256>;

/// Leading zero bits of a digest.
fn zero_bits(d: &[u8]) -> u32 {
    let mut n = 0;
    for b in d {
        if *b == 0 {
            n += 8;
        } else {
            n += b.leading_zeros();
            break;
        }
    }
    n
}

/// Whether `nonce` proves the work for `token`: SHA-256 of `token:nonce` starts with
/// `bits` zero bits.
pub fn pow_ok(token: &str, nonce: &str, bits: u32) -> bool {
    nonce.len() <= 20
        && nonce.chars().all(|c| c.is_ascii_digit())
        && zero_bits(&Sha256::digest(format!("{token}:{nonce}").as_bytes())) >= bits
}

impl App {
    /// Every contact form (administrators).
    pub async fn contact_forms(&self, actor: &Actor) -> Result<Vec<ContactForm>> {
        actor.require_admin()?;
        Ok(self
            .store
            .contact_forms()
            .await?
            .into_iter()
            .map(from_row)
            .collect())
    }

    pub async fn contact_form(&self, actor: &Actor, id: i64) -> Result<ContactForm> {
        actor.require_admin()?;
        self.store
            .contact_form(id)
            .await?
            .map(from_row)
            .ok_or(AppError::NotFound("form"))
    }

    /// Create (`id` None) or change a form, checked: a name, valid origins, topics with
    /// distinct keys, labels, and teams and categories that exist.
    pub async fn save_contact_form(
        &self,
        actor: &Actor,
        id: Option<i64>,
        f: ContactFormInput,
    ) -> Result<ContactForm> {
        actor.require_admin()?;
        let name = crate::text_field("name", &f.name, 200)?;
        let mut errs = Vec::new();
        for o in &f.allowed_origins {
            if !valid_origin(o) {
                errs.push(FieldError::new(
                    "allowed_origins",
                    "invalid-value",
                    o.clone(),
                ));
            }
        }
        if f.topics.is_empty() {
            errs.push(FieldError::new("topics", "required", "a topic"));
        }
        if f.topics.len() > MAX_TOPICS {
            errs.push(FieldError::new(
                "topics",
                "too-many",
                MAX_TOPICS.to_string(),
            ));
        }
        let mut keys = std::collections::HashSet::new();
        for t in &f.topics {
            if !valid_key(&t.key) || !keys.insert(t.key.clone()) {
                errs.push(FieldError::new(
                    "topics.key",
                    "invalid-value",
                    t.key.clone(),
                ));
            }
            if t.label_fr.trim().is_empty() && t.label_en.trim().is_empty() {
                errs.push(FieldError::new("topics.label", "required", t.key.clone()));
            }
            if t.fields.len() > MAX_FIELDS {
                errs.push(FieldError::new(
                    "topics.fields",
                    "too-many",
                    MAX_FIELDS.to_string(),
                ));
            }
            for x in &t.fields {
                if !valid_key(&x.key) {
                    errs.push(FieldError::new(
                        "topics.fields.key",
                        "invalid-value",
                        x.key.clone(),
                    ));
                }
            }
        }
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        for t in &f.topics {
            self.check_refs(t.team_id, None, t.category_id)
                .await
                .map_err(|e| e.rename_fields(|n| Some(format!("topics.{n}"))))?;
        }
        let now = self.now_ms();
        let mut row = store::ContactFormRow {
            id: id.unwrap_or(0),
            form_key: crate::auth::new_token()[..16].to_lowercase(),
            name,
            locale: f.locale.as_str().into(),
            allowed_origins: serde_json::to_string(&f.allowed_origins).unwrap_or_default(),
            topics: serde_json::to_string(&f.topics).unwrap_or_default(),
            active: f.active,
            chat: f.chat,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        match id {
            None => row.id = tx.insert_contact_form(&row).await?,
            Some(id) => {
                if tx.update_contact_form(&row).await? == 0 {
                    return Err(AppError::NotFound("form"));
                }
                row.id = id;
            }
        }
        tx.commit().await?;
        self.store
            .contact_form(row.id)
            .await?
            .map(from_row)
            .ok_or(AppError::NotFound("form"))
    }

    pub async fn delete_contact_form(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_admin()?;
        let mut tx = self.store.begin().await?;
        if tx.delete_contact_form(id).await? == 0 {
            return Err(AppError::NotFound("form"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// A form as its public page shows it (an unknown or switched-off form is a 404).
    pub async fn public_contact_form(&self, key: &str) -> Result<ContactForm> {
        self.store
            .contact_form_by_key(key)
            .await?
            .map(from_row)
            .filter(|f| f.active)
            .ok_or(AppError::NotFound("form"))
    }

    /// The secret form tokens are signed with, shared by every node (made once).
    async fn form_secret(&self) -> Result<Vec<u8>> {
        if let Some(s) = self.form_secret.get() {
            return Ok(s.clone());
        }
        let mut tx = self.store.begin().await?;
        let fresh = format!("{}{}", crate::auth::new_token(), crate::auth::new_token());
        let v = tx
            .setting_or_insert("form_secret", &fresh, self.now_ms())
            .await?;
        tx.commit().await?;
        let _ = self.form_secret.set(v.clone().into_bytes());
        Ok(v.into_bytes())
    }

    fn sign(secret: &[u8], payload: &str) -> String {
        let mut m = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        m.update(payload.as_bytes());
        hex::encode(&m.finalize().into_bytes()[..16])
    }

    /// A fresh token for one showing of the form.
    pub async fn form_token(&self, form: &ContactForm) -> Result<FormToken> {
        let secret = self.form_secret().await?;
        let payload = format!(
            "v1.{}.{}.{}",
            form.id,
            self.now_ms(),
            &crate::auth::new_token()[..12]
        );
        let sig = Self::sign(&secret, &payload);
        Ok(FormToken {
            token: format!("{payload}.{sig}"),
            pow_bits: POW_BITS,
        })
    }

    /// Whether a token is ours, for this form, and neither too fresh nor too old.
    async fn check_token(&self, form: &ContactForm, token: &str) -> Result<()> {
        let bad = || AppError::invalid("token", "form-expired", String::new());
        let (payload, sig) = token.rsplit_once('.').ok_or_else(bad)?;
        let secret = self.form_secret().await?;
        let expected = Self::sign(&secret, payload);
        if !crate::auth::same_secret(&expected, sig) {
            return Err(bad());
        }
        let mut parts = payload.split('.');
        let (Some("v1"), Some(form_id), Some(issued)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if form_id.parse::<i64>().ok() != Some(form.id) {
            return Err(bad());
        }
        let issued: i64 = issued.parse().map_err(|_| bad())?;
        let age = self.now_ms() - issued;
        if age < MIN_FILL_MS {
            return Err(AppError::invalid("form", "too-fast", String::new()));
        }
        if age > TOKEN_TTL_MS {
            return Err(bad());
        }
        Ok(())
    }

    /// A visitor's submission: spam checks, then the case through `create_case` with the
    /// topic's routing and the acknowledgement email.
    pub async fn submit_contact_form(&self, key: &str, s: Submission) -> Result<FormReceipt> {
        let ip = self.form_requests.take(&client_ip());
        if !ip.allowed {
            return Err(AppError::Throttled(ip.reset_secs.max(1)));
        }
        let all = self.form_global.take(&());
        if !all.allowed {
            return Err(AppError::Throttled(all.reset_secs.max(1)));
        }
        let form = self.public_contact_form(key).await?;
        if !s.honeypot.trim().is_empty() {
            return Err(AppError::invalid("form", "spam-suspected", String::new()));
        }
        self.check_token(&form, &s.token).await?;
        if !pow_ok(&s.token, &s.nonce, POW_BITS) {
            return Err(AppError::invalid("form", "proof-missing", String::new()));
        }
        let locale = s.locale.unwrap_or(form.locale);
        let mut errs = Vec::new();
        let topic = form.topics.iter().find(|t| t.key == s.topic);
        if topic.is_none() {
            errs.push(FieldError::new("topic", "required", "topic"));
        }
        let email = match EmailAddress::parse(s.email.trim()) {
            Ok(e) => Some(e),
            Err(_) => {
                errs.push(FieldError::new(
                    "email",
                    "email-invalid",
                    s.email.chars().take(80).collect::<String>(),
                ));
                None
            }
        };
        if s.body.trim().is_empty() {
            errs.push(FieldError::new("body", "required", "body"));
        }
        let mut custom = Vec::new();
        if let Some(t) = topic {
            for f in &t.fields {
                let v = s
                    .fields
                    .iter()
                    .find(|(k, _)| *k == f.key)
                    .map(|(_, v)| v.trim().to_string())
                    .unwrap_or_default();
                if f.required && v.is_empty() {
                    errs.push(FieldError::new(
                        format!("field.{}", f.key),
                        "required",
                        f.key.clone(),
                    ));
                }
                if v.chars().count() > 1000 {
                    errs.push(FieldError::new(
                        format!("field.{}", f.key),
                        "too-long",
                        "1000",
                    ));
                }
                if !v.is_empty() {
                    custom.push(serde_json::json!({"id": f.key, "value": v}));
                }
            }
        }
        let (Some(topic), Some(email), true) = (topic, email, errs.is_empty()) else {
            return Err(AppError::Invalid(errs));
        };
        let name = crate::optional_text("name", s.name.trim(), 200)?;
        // Spent before anything is written: a replayed token creates nothing.
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let fresh = tx
            .use_form_token(&crate::auth::hash_token(&s.token), now, now - TOKEN_TTL_MS)
            .await?;
        tx.commit().await?;
        if !fresh {
            return Err(AppError::invalid("token", "form-expired", String::new()));
        }
        let customer_id = self
            .ensure_customer(
                email.as_str(),
                (!name.is_empty()).then_some(name.as_str()),
                locale.as_str(),
            )
            .await?;
        // The visitor proved nothing about the address: they act as its customer, never
        // with more rights, whoever owns it.
        let actor = Actor {
            user_id: customer_id,
            role: domain::Role::EndUser,
            name: name.clone(),
        };
        let mut token: Option<String> = None;
        for (file_name, ctype, data) in &s.files {
            let up = self
                .upload(&actor, file_name, ctype.as_deref(), data, token.as_deref())
                .await?;
            token = Some(up.token);
        }
        let out = self
            .create_case(
                &actor,
                NewCase {
                    subject: Some(if s.subject.trim().is_empty() {
                        topic.label(locale).to_string()
                    } else {
                        s.subject.trim().to_string()
                    }),
                    requester: Some(RequesterRef::Id(customer_id)),
                    team_id: topic.team_id,
                    category_id: topic.category_id,
                    custom_fields: (!custom.is_empty()).then_some(serde_json::Value::Array(custom)),
                    comment: Some(CommentInput {
                        body: s.body.clone(),
                        uploads: token.into_iter().collect(),
                        via: Some(domain::Channel::Web),
                        form: Some(Arc::new(FormRouting {
                            email: email.as_str().to_string(),
                            name,
                        })),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                None,
            )
            .await?;
        let expected_at = self
            .store
            .clocks_of_case(out.case.id)
            .await?
            .into_iter()
            .filter(|c| c.metric == "first_response")
            .filter_map(|c| c.due_at)
            .min();
        Ok(FormReceipt {
            case_id: out.case.id,
            expected_at,
        })
    }
}

/// The setting that lets anyone file a request through the API without credentials
/// (Zendesk's "anyone can submit tickets"); off by default.
const ANONYMOUS_REQUESTS: &str = "anonymous_requests";

impl App {
    /// Whether anonymous `POST /api/v2/requests` is accepted.
    pub async fn anonymous_requests_allowed(&self) -> Result<bool> {
        Ok(self.store.setting(ANONYMOUS_REQUESTS).await?.as_deref() == Some("true"))
    }

    /// Switch anonymous requests on or off (administrators).
    pub async fn set_anonymous_requests(&self, actor: &Actor, on: bool) -> Result<()> {
        actor.require_admin()?;
        let mut tx = self.store.begin().await?;
        tx.put_setting(
            ANONYMOUS_REQUESTS,
            if on { "true" } else { "false" },
            self.now_ms(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A request from someone without credentials, where allowed: the same buckets as the
    /// contact form (per address and for everyone), the case filed for the address given
    /// (acting as its customer, never more) and acknowledged by email. Returns the new
    /// case as its requester sees it.
    pub async fn anonymous_request(
        &self,
        name: &str,
        email: &str,
        subject: &str,
        body: &str,
    ) -> Result<super::PortalCase> {
        if !self.anonymous_requests_allowed().await? {
            return Err(AppError::Unauthenticated);
        }
        let ip = self.form_requests.take(&client_ip());
        if !ip.allowed {
            return Err(AppError::Throttled(ip.reset_secs.max(1)));
        }
        let all = self.form_global.take(&());
        if !all.allowed {
            return Err(AppError::Throttled(all.reset_secs.max(1)));
        }
        let email = EmailAddress::parse(email.trim()).map_err(|_| {
            AppError::invalid(
                "requester.email",
                "email-invalid",
                email.chars().take(80).collect::<String>(),
            )
        })?;
        if body.trim().is_empty() {
            return Err(AppError::invalid("comment.body", "required", "body"));
        }
        let name = crate::optional_text("requester.name", name.trim(), 200)?;
        let customer_id = self
            .ensure_customer(
                email.as_str(),
                (!name.is_empty()).then_some(name.as_str()),
                "fr",
            )
            .await?;
        let actor = Actor {
            user_id: customer_id,
            role: domain::Role::EndUser,
            name: name.clone(),
        };
        let out = self
            .create_case(
                &actor,
                NewCase {
                    subject: (!subject.trim().is_empty()).then(|| subject.trim().to_string()),
                    requester: Some(RequesterRef::Id(customer_id)),
                    comment: Some(CommentInput {
                        body: body.to_string(),
                        via: Some(domain::Channel::Web),
                        form: Some(Arc::new(FormRouting {
                            email: email.as_str().to_string(),
                            name,
                        })),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                None,
            )
            .await?;
        self.portal_case(&super::Viewer::from(&actor), out.case.id)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proof_of_work_counts_leading_zero_bits() {
        assert_eq!(zero_bits(&[0, 0, 0x0f]), 20);
        assert_eq!(zero_bits(&[0x80]), 0);
        let token = "v1.1.2.abc.def";
        let nonce = (0..200_000u64)
            .find(|n| pow_ok(token, &n.to_string(), 12))
            .expect("a nonce within 200k tries");
        assert!(pow_ok(token, &nonce.to_string(), 12));
        assert!(!pow_ok(token, "x1", 0), "a nonce is digits only");
        assert!(!pow_ok("another", &nonce.to_string(), 24));
    }

    #[test]
    fn origins_and_keys_are_checked() {
        assert!(valid_origin("https://www.example.com"));
        assert!(valid_origin("http://127.0.0.1:8080"));
        assert!(!valid_origin("https://example.com/path"));
        assert!(!valid_origin("javascript:alert(1)"));
        assert!(valid_key("livraison") && !valid_key("Livraison") && !valid_key(""));
    }
}
