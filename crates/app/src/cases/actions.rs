//! One-step actions on a case: reply, note, assign, status, customer confirmation, quiet close, delete.

use super::*;

impl App {
    /// A public reply (agent) or a customer message.
    pub async fn reply(&self, actor: &Actor, id: i64, body: &str) -> Result<CaseOutcome> {
        let comment = CommentInput {
            body: body.into(),
            public: Some(true),
            ..Default::default()
        };
        self.update_case(
            actor,
            id,
            CaseChanges {
                comment: Some(comment),
                ..Default::default()
            },
        )
        .await
    }

    /// An internal note, never shown to the customer.
    pub async fn add_note(&self, actor: &Actor, id: i64, body: &str) -> Result<CaseOutcome> {
        actor.require_staff()?;
        let comment = CommentInput {
            body: body.into(),
            public: Some(false),
            ..Default::default()
        };
        self.update_case(
            actor,
            id,
            CaseChanges {
                comment: Some(comment),
                ..Default::default()
            },
        )
        .await
    }

    pub async fn assign(
        &self,
        actor: &Actor,
        id: i64,
        team: Option<i64>,
        agent: Option<i64>,
    ) -> Result<CaseOutcome> {
        self.update_case(
            actor,
            id,
            CaseChanges {
                team_id: Some(team),
                assignee_id: Some(agent),
                ..Default::default()
            },
        )
        .await
    }

    pub async fn set_status(&self, actor: &Actor, id: i64, status: Status) -> Result<CaseOutcome> {
        self.update_case(
            actor,
            id,
            CaseChanges {
                status: Some(status),
                ..Default::default()
            },
        )
        .await
    }

    /// The customer confirms the solution: the case closes (A3, seed 001).
    pub async fn confirm_by_customer(&self, actor: &Actor, id: i64) -> Result<CaseOutcome> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let mut c = tx
            .case_for_update(id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        if c.requester_id != actor.user_id {
            if actor.role.is_staff() {
                return Err(AppError::Forbidden("only the customer confirms a solution"));
            }
            return Err(AppError::NotFound("ticket"));
        }
        let from: Status = c
            .status
            .parse()
            .map_err(|_| AppError::Internal("bad status".into()))?;
        let t = lifecycle::customer_confirms(from).map_err(lifecycle_err)?;
        c.status = t.to.as_str().into();
        c.closed_at = Some(now);
        c.updated_at = now;
        tx.update_case(&c).await?;
        let mut ev = Events::default();
        ev.change(
            "status",
            Some(from.as_str().into()),
            Some(t.to.as_str().into()),
        );
        ev.add("confirmed_by_customer", None);
        let events = tx
            .insert_events(c.id, Some(actor.user_id), now, &ev.0)
            .await?;
        tx.commit().await?;
        self.announce_case(&c, actor, "confirmed").await;
        Ok(CaseOutcome {
            case: c.into(),
            message: None,
            events: crate::model::all(events),
            attachments: vec![],
            replayed: false,
        })
    }

    /// Close solved cases that stayed quiet for the configured period (A3). Safe to run
    /// on many nodes at once: each case is re-checked under its lock.
    pub async fn close_quiet_solved(&self) -> Result<usize> {
        let now = self.now_ms();
        let cutoff = now - self.config.quiet_period.as_millis() as i64;
        let mut closed = 0;
        loop {
            let mut tx = self.store.begin().await?;
            let ids = tx.quiet_solved_cases(cutoff, 200).await?;
            if ids.is_empty() {
                tx.rollback().await?;
                return Ok(closed);
            }
            for id in ids {
                let Some(mut c) = tx.case_for_update(id).await? else {
                    continue;
                };
                if c.status != Status::Solved.as_str() || c.solved_at.is_none_or(|s| s >= cutoff) {
                    continue;
                }
                c.status = Status::Closed.as_str().into();
                c.closed_at = Some(now);
                c.updated_at = now;
                tx.update_case(&c).await?;
                let ev = [
                    NewEvent {
                        kind: "field_changed",
                        field: Some("status"),
                        old_value: Some("solved".into()),
                        new_value: Some("closed".into()),
                    },
                    NewEvent {
                        kind: "closed_after_quiet_period",
                        field: None,
                        old_value: None,
                        new_value: None,
                    },
                ];
                tx.insert_events(c.id, None, now, &ev).await?;
                closed += 1;
            }
            tx.commit().await?;
        }
    }

    /// Soft delete: the case and its log stay in the database, hidden everywhere.
    pub async fn delete_case(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_case_writer()?;
        let now = self.now_ms();
        // Refresh the cached standards before taking a connection for the write:
        // inside it, a refresh would need a second one (a full pool would deadlock).
        self.standards_snapshot().await?;
        let mut tx = self.store.begin().await?;
        let mut c = tx
            .case_for_update(id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        c.deleted_at = Some(now);
        c.updated_at = now;
        let clocks = self.plan_clocks(&mut tx, &mut c, &[], false, now).await?;
        tx.update_case(&c).await?;
        self.write_clocks(&mut tx, &c, clocks, now).await?;
        tx.insert_events(
            id,
            Some(actor.user_id),
            now,
            &[NewEvent {
                kind: "deleted",
                field: None,
                old_value: None,
                new_value: None,
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
