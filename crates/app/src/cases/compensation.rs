//! Recording a compensation (A2) within the actor's authority, or for a supervisor (A8).

use super::*;

impl App {
    /// Record a compensation (A2). Within the actor's authority limit it is approved at once;
    /// above it, it waits for a supervisor's decision (A8).
    pub async fn record_compensation(
        &self,
        actor: &Actor,
        case_id: i64,
        comp: NewCompensation,
    ) -> Result<model::Compensation> {
        actor.require_case_writer()?;
        if comp.amount_cents < 0 {
            return Err(AppError::invalid(
                "compensation.amount",
                "negative",
                comp.amount_cents.to_string(),
            ));
        }
        if comp.amount_cents > self.config.compensation_ceiling_cents {
            return Err(AppError::invalid(
                "compensation.amount",
                "over-ceiling",
                format!(
                    "{} > {}",
                    comp.amount_cents as f64 / 100.0,
                    self.config.compensation_ceiling_cents as f64 / 100.0
                ),
            ));
        }
        let now = self.now_ms();
        let limit = self
            .store
            .user(actor.user_id)
            .await?
            .map(|u| u.compensation_limit_cents)
            .unwrap_or(0);
        let mut tx = self.store.begin().await?;
        let mut c = tx
            .case_for_update(case_id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        // The authority is a total per case in the currency the limits are set in: several
        // small gestures, or one in another currency, go to a supervisor (A8).
        let given: i64 = tx
            .compensations_in_tx(case_id)
            .await?
            .iter()
            .filter(|r| r.status == "approved" && r.currency == comp.currency.as_str())
            .map(|r| r.amount_cents)
            .sum();
        let approved = comp.currency.as_str() == self.config.limit_currency
            && given.saturating_add(comp.amount_cents) <= limit;
        let mut row = CompensationRow {
            id: 0,
            case_id,
            kind: comp.kind.as_str().into(),
            amount_cents: comp.amount_cents,
            currency: comp.currency.as_str().into(),
            note: comp.note,
            status: if approved { "approved" } else { "requested" }.into(),
            requested_by_id: actor.user_id,
            decided_by_id: approved.then_some(actor.user_id),
            created_at: now,
            decided_at: approved.then_some(now),
        };
        row.id = tx.insert_compensation(&row).await?;
        c.updated_at = now;
        tx.update_case(&c).await?;
        let what = format!(
            "{} {} {} ({})",
            row.kind, row.amount_cents, row.currency, row.status
        );
        tx.insert_events(
            case_id,
            Some(actor.user_id),
            now,
            &[NewEvent {
                kind: "compensation",
                field: None,
                old_value: None,
                new_value: Some(what),
            }],
        )
        .await?;
        if !approved {
            // A8: the supervisors are asked to decide.
            let mut deciders = tx.users_with_role_in_tx(Role::Supervisor.as_str()).await?;
            deciders.extend(tx.users_with_role_in_tx(Role::Admin.as_str()).await?);
            deciders.retain(|u| *u != actor.user_id);
            let detail = serde_json::json!({
                "by": actor.user_id,
                "compensation_id": row.id,
                "amount_cents": row.amount_cents,
                "currency": row.currency,
            })
            .to_string();
            tx.insert_notifications(
                &deciders,
                "approval_requested",
                Some(case_id),
                None,
                &detail,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.announce_case(&c, actor, "compensation").await;
        Ok(row.into())
    }
}
