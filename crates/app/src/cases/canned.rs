//! Canned answers (E1): short texts an agent inserts by typing `;shortcut` in the composer,
//! personalised with template variables (seed 003) rendered against the case before the
//! agent sends anything. Supervisors and admins edit them; every agent uses them.

use crate::model;
use crate::{Actor, App, AppError, Result};
use store::CannedRow;

/// The variables a canned answer may use, with the sample values used to validate it.
pub const VARIABLES: &[(&str, &str)] = &[
    ("customer_name", "Renée Lefèvre"),
    ("customer_first_name", "Renée"),
    ("case_number", "42"),
    ("subject", "Colis abîmé"),
    ("agent_name", "Marie Curie"),
    ("agent_first_name", "Marie"),
    ("team_name", "Service client"),
];

const MAX_BODY: usize = 20_000;

/// Largest rendered canned answer: what a message body takes (256k characters).
const MAX_RENDERED: usize = 1024 * 1024;

fn first_name(name: &str) -> String {
    name.split_whitespace().next().unwrap_or("").to_string()
}

fn check_shortcut(s: &str) -> Result<String> {
    let s = s.trim().trim_start_matches(';').to_lowercase();
    let ok = !s.is_empty()
        && s.chars().count() <= 32
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(s)
    } else {
        Err(AppError::invalid("shortcut", "shortcut", s))
    }
}

fn check_body(body: &str) -> Result<()> {
    if body.trim().is_empty() {
        return Err(AppError::invalid("body", "required", "text"));
    }
    if body.len() > MAX_BODY {
        return Err(AppError::invalid("body", "too-long", MAX_BODY.to_string()));
    }
    let sample: std::collections::BTreeMap<&str, &str> = VARIABLES.iter().copied().collect();
    crate::email::templates::render_capped(
        body,
        &minijinja::Value::from_serialize(&sample),
        MAX_RENDERED,
    )
    .map(|_| ())
    .map_err(|e| AppError::invalid("body", "template", e))
}

impl App {
    pub async fn canned_answers(&self, actor: &Actor) -> Result<Vec<model::Canned>> {
        actor.require_staff()?;
        Ok(crate::model::all(self.store.canned_answers().await?))
    }

    /// Create (`id` None) or change a canned answer.
    pub async fn save_canned(
        &self,
        actor: &Actor,
        id: Option<i64>,
        shortcut: &str,
        title: &str,
        body: &str,
    ) -> Result<model::Canned> {
        actor.require_supervisor()?;
        let shortcut = check_shortcut(shortcut)?;
        let title = crate::text_field("title", title, 200)?;
        check_body(body)?;
        let now = self.now_ms();
        let mut row = CannedRow {
            id: id.unwrap_or(0),
            shortcut,
            title,
            body: body.replace("\r\n", "\n"),
            created_by: Some(actor.user_id),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        match id {
            None => row.id = tx.insert_canned(&row).await?,
            Some(_) => {
                if !tx.update_canned(&row).await? {
                    return Err(AppError::NotFound("canned answer"));
                }
            }
        }
        tx.commit().await?;
        Ok(row.into())
    }

    pub async fn delete_canned(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_supervisor()?;
        let mut tx = self.store.begin().await?;
        if !tx.delete_canned(id).await? {
            return Err(AppError::NotFound("canned answer"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The canned answer named by `shortcut`, rendered for this case and this agent.
    pub async fn render_canned(
        &self,
        actor: &Actor,
        case_id: i64,
        shortcut: &str,
    ) -> Result<(model::Canned, String)> {
        actor.require_staff()?;
        let key = check_shortcut(shortcut)?;
        let canned = self
            .store
            .canned_by_shortcut(&key)
            .await?
            .ok_or(AppError::NotFound("canned answer"))?;
        let case = self.get_case(actor, case_id).await?;
        let customer = self
            .store
            .user(case.requester_id)
            .await?
            .map(|u| u.name)
            .unwrap_or_default();
        let team = match case.team_id {
            Some(t) => self.store.team(t).await?.map(|t| t.name),
            None => None,
        }
        .unwrap_or_default();
        let vars = minijinja::context! {
            customer_first_name => first_name(&customer),
            customer_name => customer,
            case_number => case.id.to_string(),
            subject => case.subject,
            agent_first_name => first_name(&actor.name),
            agent_name => actor.name.clone(),
            team_name => team,
        };
        let text = crate::email::templates::render_capped(&canned.body, &vars, MAX_RENDERED)
            .map_err(|e| AppError::invalid("body", "template", e))?;
        Ok((canned.into(), text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_are_normalised_and_checked() {
        assert_eq!(check_shortcut(";Merci").unwrap(), "merci");
        assert_eq!(check_shortcut("remb-ok_2").unwrap(), "remb-ok_2");
        assert!(check_shortcut("two words").is_err());
        assert!(check_shortcut("").is_err());
        assert!(check_shortcut(&"x".repeat(33)).is_err());
    }

    #[test]
    fn bodies_may_use_only_the_known_variables() {
        assert!(check_body("Bonjour {{ customer_first_name }}, dossier {{ case_number }}").is_ok());
        let e = check_body("Bonjour {{ client }}").unwrap_err();
        assert!(matches!(e, AppError::Invalid(ref v) if v[0].code == "template"));
        assert!(check_body("{% for %}").is_err());
        assert!(check_body("  ").is_err());
    }
}
