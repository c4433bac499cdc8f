//! What the Help Center API needs beyond the pages (issue 17): lists of articles with their
//! filters, one article as a given caller may see it, the votes, the labels, and deleting
//! or archiving. Staff see every article that is not archived (drafts and internal ones
//! included, as Zendesk shows agents); everyone else sees what the public help centre shows.

use super::{KbArticle, KbVote, vote_of};
use crate::{Actor, App, AppError, Result};
use domain::Locale;

/// Which articles a list holds.
#[derive(Debug, Clone, Default)]
pub struct KbFilter {
    pub section_id: Option<i64>,
    pub category_id: Option<i64>,
    /// Articles with at least one of these labels (none: no filter).
    pub labels: Vec<String>,
    /// Articles in one of these sections (none: no filter).
    pub section_ids: Vec<i64>,
    /// Published articles only, even for staff (a search never answers a draft).
    pub published_only: bool,
}

pub(super) fn is_staff(actor: Option<&Actor>) -> bool {
    actor.is_some_and(|a| a.role.is_staff())
}

/// Whether the public help centre shows an article at `now`: public, published, and its
/// publication date (if any) reached.
pub(super) fn is_public_now(a: &store::KbArticleRow, now: i64) -> bool {
    a.visibility == "public" && a.state == "published" && a.publish_at.is_none_or(|t| t <= now)
}

impl App {
    /// The ids of the articles a caller sees in a language, in their sections' order.
    pub async fn kb_list(
        &self,
        actor: Option<&Actor>,
        l: Locale,
        f: &KbFilter,
    ) -> Result<Vec<i64>> {
        let audience = match (is_staff(actor), f.published_only) {
            (false, _) => Some(store::KbAudience::Public),
            (true, true) => Some(store::KbAudience::Staff),
            (true, false) => None,
        };
        let rows = self
            .store
            .kb_article_list(
                l.as_str(),
                audience,
                self.now_ms(),
                f.section_id,
                f.category_id,
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter(|a| f.section_ids.is_empty() || f.section_ids.contains(&a.section_id))
            .filter(|a| {
                f.labels.is_empty()
                    || a.labels
                        .split_whitespace()
                        .any(|x| f.labels.iter().any(|w| w.eq_ignore_ascii_case(x)))
            })
            .map(|a| a.id)
            .collect())
    }

    /// The categories and sections a caller sees: staff every one; others those holding
    /// an article of the public help centre (in any language).
    pub async fn kb_groups_for(
        &self,
        actor: Option<&Actor>,
    ) -> Result<(Vec<super::KbGroup>, Vec<super::KbGroup>)> {
        let (cats, secs) = self.kb_groups().await?;
        if is_staff(actor) {
            return Ok((cats, secs));
        }
        let read: std::collections::HashSet<i64> = self
            .store
            .kb_sections_read(store::KbAudience::Public, self.now_ms())
            .await?
            .into_iter()
            .collect();
        let secs: Vec<_> = secs.into_iter().filter(|s| read.contains(&s.id)).collect();
        let cats = cats
            .into_iter()
            .filter(|c| secs.iter().any(|s| s.parent_id == Some(c.id)))
            .collect();
        Ok((cats, secs))
    }

    /// One article with all its texts, as the caller may see it: staff see any article;
    /// others only a published public one (404 otherwise, as if absent).
    pub async fn kb_article_for(&self, actor: Option<&Actor>, id: i64) -> Result<KbArticle> {
        let a = self
            .store
            .kb_article(id)
            .await?
            .ok_or(AppError::NotFound("article"))?;
        if !is_staff(actor) && !is_public_now(&a, self.now_ms()) {
            return Err(AppError::NotFound("article"));
        }
        self.kb_article_of(a).await
    }

    /// An article's votes: every one for staff, the caller's own for a customer. Anonymous
    /// votes of the help centre count in the totals but are not listed (nobody to name).
    pub async fn kb_votes(&self, actor: &Actor, article_id: i64) -> Result<Vec<KbVote>> {
        let a = self.kb_article_for(Some(actor), article_id).await?;
        let mine = format!("user:{}", actor.user_id);
        Ok(self
            .store
            .kb_votes(article_id)
            .await?
            .into_iter()
            .filter(|v| v.voter.starts_with("user:"))
            .filter(|v| actor.role.is_staff() || v.voter == mine)
            .map(|v| vote_of(v, a.votes_up, a.votes_down))
            .collect())
    }

    /// Every label in use on the articles a caller sees (any language), with the first
    /// time an article carrying it was written; sorted by name.
    pub async fn kb_labels(&self, actor: Option<&Actor>) -> Result<Vec<(String, i64)>> {
        let mut out: std::collections::BTreeMap<String, i64> = Default::default();
        let staff = is_staff(actor);
        let now = self.now_ms();
        for a in self.store.kb_articles(None).await? {
            let visible = if staff {
                a.state != "archived"
            } else {
                is_public_now(&a, now)
            };
            if !visible {
                continue;
            }
            for l in a.labels.split_whitespace() {
                let e = out.entry(l.to_string()).or_insert(a.created_at);
                *e = (*e).min(a.created_at);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Delete a category (and everything in it): supervisors.
    pub async fn kb_delete_category(&self, actor: &Actor, id: i64) -> Result<()> {
        self.kb_delete_group(actor, store::KbGroupTable::Category, id, "category")
            .await
    }

    /// Delete a section (and its articles): supervisors.
    pub async fn kb_delete_section(&self, actor: &Actor, id: i64) -> Result<()> {
        self.kb_delete_group(actor, store::KbGroupTable::Section, id, "section")
            .await
    }

    async fn kb_delete_group(
        &self,
        actor: &Actor,
        table: store::KbGroupTable,
        id: i64,
        what: &'static str,
    ) -> Result<()> {
        actor.require_supervisor()?;
        let mut tx = self.store.begin().await?;
        if tx.delete_kb_group(table, id).await? == 0 {
            return Err(AppError::NotFound(what));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Archive an article (Zendesk's `DELETE articles/{id}`): it leaves every list and page
    /// but its texts and votes stay, and an editor can publish it again.
    pub async fn kb_archive_article(&self, actor: &Actor, id: i64) -> Result<()> {
        let a = self.kb_article(actor, id).await?;
        self.kb_save_article(
            actor,
            Some(id),
            super::ArticleInput {
                state: "archived".into(),
                ..a.input()
            },
        )
        .await?;
        Ok(())
    }

    /// Remove a text by its id (Zendesk's `DELETE translations/{id}`): agents.
    pub async fn kb_delete_translation_by_id(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_case_writer()?;
        let t = self
            .store
            .kb_translation_by_id(id)
            .await?
            .ok_or(AppError::NotFound("translation"))?;
        let l = Locale::parse(&t.locale).map_err(|_| AppError::NotFound("translation"))?;
        self.kb_delete_translation(actor, t.article_id, l).await
    }
}
