//! Deflection, measured honestly (issue 17, F1): did the articles suggested while a customer
//! wrote keep them from needing a case? Per visitor (a random token the page keeps; stored
//! hashed) and per source (`portal`, `form:{key}` for a contact form, `chat:{key}` for a
//! chat widget, whose visitor may say an article answered them before the chat starts):
//! - `shown`: an article was suggested;
//! - `opened`: the visitor opened it from the suggestion;
//! - `abandoned`: the visitor left the form after opening one (a deflection candidate);
//! - `case`: the visitor filed a case anyway within 7 days of opening it (not deflected).
//!
//! Each is counted once per visitor, article and source: counts of people, not keystrokes;
//! and at most 60 events at once, then two a second, per client address (a script forging
//! visitors soon goes uncounted; the pages work the same).
//! A candidate only counts as deflected once 7 days have passed without a case.

use super::Reader;
use crate::{Actor, App, AppError, Result};
use domain::Locale;

/// What happened to a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KbEventKind {
    Shown,
    Opened,
    Abandoned,
}

impl KbEventKind {
    fn as_str(self) -> &'static str {
        match self {
            KbEventKind::Shown => "shown",
            KbEventKind::Opened => "opened",
            KbEventKind::Abandoned => "abandoned",
        }
    }
}

/// A case filed within this long after opening an article was not deflected by it.
pub const CASE_WINDOW_MS: i64 = 7 * 24 * 3600 * 1000;

/// The counts of one article or one source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeflectionCounts {
    pub shown: i64,
    pub opened: i64,
    pub abandoned: i64,
    pub cases: i64,
}

impl DeflectionCounts {
    fn add(&mut self, kind: &str, n: i64) {
        match kind {
            "shown" => self.shown += n,
            "opened" => self.opened += n,
            "abandoned" => self.abandoned += n,
            "case" => self.cases += n,
            _ => {}
        }
    }
}

/// The report over a period.
#[derive(Debug, Clone, Default)]
pub struct Deflection {
    pub since: i64,
    pub until: i64,
    /// (article id, its title in the asked language or its other one, counts)
    pub articles: Vec<(i64, String, DeflectionCounts)>,
    /// (source, counts of visitors)
    pub sources: Vec<(String, DeflectionCounts)>,
}

/// A visitor token as the page sent it: 16 to 64 letters, digits, `-` or `_`.
fn visitor(raw: &str) -> Option<String> {
    let ok = (16..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| crate::auth::hash_token(raw))
}

/// `portal`, `form:{key}` or `chat:{key}` (a contact form's or chat widget's key: letters,
/// digits, `-` and `_`).
fn source(raw: &str) -> Option<&str> {
    let ok = raw == "portal"
        || raw
            .strip_prefix("form:")
            .or_else(|| raw.strip_prefix("chat:"))
            .is_some_and(|k| {
                !k.is_empty()
                    && k.len() <= 64
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
    ok.then_some(raw)
}

impl App {
    /// Record suggestions shown, an article opened from one, or the form left after
    /// opening (the articles that visitor opened). A malformed visitor or source records
    /// nothing (the page works the same; only the count is skipped).
    pub async fn kb_track(
        &self,
        raw_visitor: &str,
        raw_source: &str,
        kind: KbEventKind,
        articles: &[i64],
    ) -> Result<()> {
        let (Some(v), Some(src)) = (visitor(raw_visitor), source(raw_source)) else {
            return Ok(());
        };
        if !self.kb_events.take(&crate::auth::client_ip()).allowed {
            return Ok(());
        }
        let now = self.now_ms();
        let list = match kind {
            KbEventKind::Abandoned => {
                self.store
                    .kb_opened_by(&v, src, now - CASE_WINDOW_MS)
                    .await?
            }
            _ => articles.iter().copied().take(10).collect(),
        };
        if list.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        tx.insert_kb_events(kind.as_str(), &list, src, &v, None, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case was filed by a visitor from a source: every article they opened from it in
    /// the last 7 days did not deflect it.
    pub async fn kb_track_case(
        &self,
        raw_visitor: &str,
        raw_source: &str,
        case_id: i64,
    ) -> Result<()> {
        let (Some(v), Some(src)) = (visitor(raw_visitor), source(raw_source)) else {
            return Ok(());
        };
        let now = self.now_ms();
        let opened = self
            .store
            .kb_opened_by(&v, src, now - CASE_WINDOW_MS)
            .await?;
        if opened.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        tx.insert_kb_events("case", &opened, src, &v, Some(case_id), now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The deflection report over [since, until): per article and per source (staff).
    pub async fn kb_deflection(
        &self,
        actor: &Actor,
        since: i64,
        until: i64,
        l: Locale,
    ) -> Result<Deflection> {
        actor.require_staff()?;
        if until <= since {
            return Err(AppError::invalid(
                "until",
                "invalid-value",
                "until <= since",
            ));
        }
        let (per_article, per_source) = self.store.kb_event_counts(since, until).await?;
        let mut articles: Vec<(i64, String, DeflectionCounts)> = Vec::new();
        for c in per_article {
            let Ok(id) = c.key.parse::<i64>() else {
                continue;
            };
            match articles.last_mut() {
                Some(last) if last.0 == id => last.2.add(&c.kind, c.n),
                _ => {
                    let mut d = DeflectionCounts::default();
                    d.add(&c.kind, c.n);
                    articles.push((id, String::new(), d));
                }
            }
        }
        for a in &mut articles {
            if let Ok(x) = self.kb_article(actor, a.0).await {
                a.1 = x
                    .text(l)
                    .or_else(|| x.translations.first())
                    .map(|t| t.title.clone())
                    .unwrap_or_default();
            }
        }
        let mut sources: Vec<(String, DeflectionCounts)> = Vec::new();
        for c in per_source {
            match sources.last_mut() {
                Some(last) if last.0 == c.key => last.1.add(&c.kind, c.n),
                _ => {
                    let mut d = DeflectionCounts::default();
                    d.add(&c.kind, c.n);
                    sources.push((c.key, d));
                }
            }
        }
        Ok(Deflection {
            since,
            until,
            articles,
            sources,
        })
    }

    /// Suggestions for a visitor writing (the contact form, the new-case page): up to three
    /// public articles matching the text, recorded as shown when the page says who asks.
    /// Limited per client address (`Throttled` beyond): each is a search.
    pub async fn kb_suggest(
        &self,
        text: &str,
        l: Locale,
        raw_visitor: &str,
        raw_source: &str,
    ) -> Result<Vec<super::KbHit>> {
        let budget = self.kb_suggestions.take(&crate::auth::client_ip());
        if !budget.allowed {
            return Err(crate::AppError::Throttled(budget.reset_secs.max(1)));
        }
        let hits = self.kb_search(Reader::Public, text, l, 3).await?;
        if !hits.is_empty() {
            let ids: Vec<i64> = hits.iter().map(|h| h.article_id).collect();
            if let Err(e) = self
                .kb_track(raw_visitor, raw_source, KbEventKind::Shown, &ids)
                .await
            {
                tracing::warn!(error = %e, "suggestions shown could not be counted");
            }
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitors_and_sources_are_checked_before_anything_is_counted() {
        assert!(visitor("0123456789abcdef").is_some());
        assert!(visitor("short").is_none());
        assert!(visitor("0123456789abcdef'; DROP").is_none());
        assert_eq!(source("portal"), Some("portal"));
        assert_eq!(source("form:boutique-1"), Some("form:boutique-1"));
        assert_eq!(source("form:"), None);
        assert_eq!(source("form:a b"), None);
        assert_eq!(source("elsewhere"), None);
    }
}
