//! The complaint's working tools beside the register (A2): the resolution playbook's
//! checklist (A7) and the supervisor's decision on a compensation above an agent's authority
//! (A8). Each decision is an audited case event in the same transaction.

use crate::model;
use crate::{Actor, App, AppError, Result};
use store::NewEvent;

/// The four steps of the resolution playbook (seed 002), in order.
pub const PLAYBOOK: [&str; 4] = ["understand", "cause", "propose", "resolve"];

impl App {
    pub async fn playbook(&self, actor: &Actor, case_id: i64) -> Result<Vec<model::PlaybookStep>> {
        actor.require_staff()?;
        self.get_case(actor, case_id).await?;
        Ok(crate::model::all(self.store.playbook_steps(case_id).await?))
    }

    /// Tick or untick one playbook step; its completion is recorded on the case (A7).
    pub async fn set_playbook_step(
        &self,
        actor: &Actor,
        case_id: i64,
        step: &str,
        done: bool,
    ) -> Result<()> {
        actor.require_case_writer()?;
        if !PLAYBOOK.contains(&step) {
            return Err(AppError::invalid(
                "step",
                "invalid-value",
                PLAYBOOK.join(", "),
            ));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let mut c = tx
            .case_for_update(case_id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        if tx
            .set_playbook_step(case_id, step, done, actor.user_id, now)
            .await?
        {
            c.updated_at = now;
            tx.update_case(&c).await?;
            tx.insert_events(
                case_id,
                Some(actor.user_id),
                now,
                &[NewEvent {
                    kind: if done {
                        "playbook_done"
                    } else {
                        "playbook_undone"
                    },
                    field: Some("playbook"),
                    old_value: None,
                    new_value: Some(step.to_string()),
                }],
            )
            .await?;
        }
        tx.commit().await?;
        self.announce_case(&c, actor, "playbook").await;
        Ok(())
    }

    /// A supervisor approves or declines a requested compensation, within their own
    /// authority limit. Deciding twice is refused (two supervisors racing: one wins).
    pub async fn decide_compensation(
        &self,
        actor: &Actor,
        case_id: i64,
        compensation_id: i64,
        approve: bool,
    ) -> Result<model::Compensation> {
        actor.require_supervisor()?;
        let limit = self
            .store
            .user(actor.user_id)
            .await?
            .map(|u| u.compensation_limit_cents)
            .unwrap_or(0);
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let mut c = tx
            .case_for_update(case_id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        let mut comp = tx
            .compensation_in_tx(compensation_id)
            .await?
            .filter(|r| r.case_id == case_id)
            .ok_or(AppError::NotFound("compensation"))?;
        // Four eyes: whoever asked for a gesture does not decide it, whatever their role.
        if comp.requested_by_id == actor.user_id {
            return Err(AppError::invalid(
                "compensation",
                "own-request",
                comp.id.to_string(),
            ));
        }
        // The authority covers what the case has been given in all, as when it is recorded:
        // approving this one must keep the case's approved total within the decider's limit.
        let given: i64 = tx
            .compensations_in_tx(case_id)
            .await?
            .iter()
            .filter(|r| r.status == "approved" && r.currency == comp.currency && r.id != comp.id)
            .map(|r| r.amount_cents)
            .sum();
        let total = given.saturating_add(comp.amount_cents);
        let foreign = comp.currency != self.config.limit_currency;
        if approve && (total > limit || (foreign && actor.role != domain::Role::Admin)) {
            return Err(AppError::invalid(
                "compensation.amount",
                "over-authority",
                format!(
                    "{} {} (case total {total})",
                    comp.amount_cents, comp.currency
                ),
            ));
        }
        let status = if approve { "approved" } else { "declined" };
        if !tx
            .decide_compensation(compensation_id, status, actor.user_id, now)
            .await?
        {
            return Err(AppError::Conflict(crate::FieldError::new(
                "compensation",
                "already-decided",
                comp.status,
            )));
        }
        comp.status = status.into();
        comp.decided_by_id = Some(actor.user_id);
        comp.decided_at = Some(now);
        c.updated_at = now;
        tx.update_case(&c).await?;
        tx.insert_events(
            case_id,
            Some(actor.user_id),
            now,
            &[NewEvent {
                kind: "compensation_decided",
                field: Some("compensation"),
                old_value: Some("requested".into()),
                new_value: Some(format!(
                    "{} {} {} {} ({status})",
                    comp.id, comp.kind, comp.amount_cents, comp.currency
                )),
            }],
        )
        .await?;
        // The agent who asked learns the answer.
        if comp.requested_by_id != actor.user_id {
            let detail = serde_json::json!({ "by": actor.user_id, "status": status }).to_string();
            tx.insert_notifications(
                &[comp.requested_by_id],
                "compensation_decided",
                Some(case_id),
                None,
                &detail,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.announce_case(&c, actor, "compensation").await;
        Ok(comp.into())
    }
}
