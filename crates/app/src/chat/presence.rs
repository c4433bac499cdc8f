//! Agents' chat status (issue 18): online, away or offline, set in the agent pages' header.
//! "Online" counts only while the agent's pages are open: their live stream touches
//! `seen_at` every 30 s, and an agent not seen for `SEEN_WITHIN` is not available, whatever
//! their status says (a closed laptop is not an agent waiting for chats).

use crate::{Actor, App, AppError, Result};

/// An online agent counts as available when their pages were open this recently.
pub const SEEN_WITHIN_MS: i64 = 90_000;

pub const STATUSES: &[&str] = &["online", "away", "offline"];

impl App {
    /// Set one's own chat status (staff who write cases).
    pub async fn set_agent_status(&self, actor: &Actor, status: &str) -> Result<()> {
        actor.require_case_writer()?;
        if !STATUSES.contains(&status) {
            return Err(AppError::invalid(
                "status",
                "invalid-value",
                STATUSES.join(", "),
            ));
        }
        let mut tx = self.store.begin().await?;
        tx.set_agent_status(actor.user_id, status, self.now_ms())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// One's own chat status (`offline` until set).
    pub async fn agent_status(&self, actor: &Actor) -> Result<String> {
        actor.require_staff()?;
        Ok(self
            .store
            .agent_status(actor.user_id)
            .await?
            .unwrap_or_else(|| "offline".into()))
    }

    /// The agent's pages are open (their live stream, every 30 s). Several tabs of one
    /// agent write once per 20 s on this node, not once each.
    pub async fn agent_seen(&self, actor: &Actor) -> Result<()> {
        if !actor.role.is_staff() || !self.agent_seen_writes.take(&actor.user_id).allowed {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        tx.touch_agent(actor.user_id, self.now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether someone can answer a widget's chat now: an agent online (and seen) in one of
    /// its topics' teams, or anywhere when a topic has no team. When nobody can, the widget
    /// offers its contact form instead (the offline form: a case answered by email).
    pub async fn chat_available(&self, form: &crate::portal::forms::ContactForm) -> Result<bool> {
        let mut teams: Vec<i64> = Vec::new();
        let mut anywhere = form.topics.is_empty();
        for t in &form.topics {
            match t.team_id {
                Some(id) if !teams.contains(&id) => teams.push(id),
                Some(_) => {}
                None => anywhere = true,
            }
        }
        let since = self.now_ms() - SEEN_WITHIN_MS;
        Ok(self
            .store
            .any_agent_online((!anywhere).then_some(teams.as_slice()), since)
            .await?)
    }
}
