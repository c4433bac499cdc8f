//! Merging duplicates into one case (A4) and linking related cases.

use super::*;

impl App {
    /// Merge duplicates into `target` (A4): their messages move over, they close.
    pub async fn merge_cases(
        &self,
        actor: &Actor,
        target: i64,
        sources: &[i64],
    ) -> Result<CaseOutcome> {
        self.merge_cases_with(actor, target, sources, false).await
    }

    /// Merge; cases of another customer are refused (their messages and files would go to
    /// the target's customer, and they would lose sight of them) unless `as_internal`: then
    /// their messages arrive as internal notes, which no customer sees.
    pub async fn merge_cases_with(
        &self,
        actor: &Actor,
        target: i64,
        sources: &[i64],
        as_internal: bool,
    ) -> Result<CaseOutcome> {
        actor.require_case_writer()?;
        if sources.is_empty() || sources.contains(&target) {
            return Err(AppError::invalid(
                "ids",
                "merge-sources",
                "one or more other ticket ids",
            ));
        }
        let now = self.now_ms();
        // Refresh the cached standards before taking a connection for the write:
        // inside it, a refresh would need a second one (a full pool would deadlock).
        self.standards_snapshot().await?;
        let mut tx = self.store.begin().await?;
        let mut t = tx
            .case_for_update(target)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        if t.status == Status::Closed.as_str() {
            return Err(lifecycle_err(LifecycleError::Closed));
        }
        let mut ev_target = Events::default();
        for &sid in sources {
            let mut s = tx
                .case_for_update(sid)
                .await?
                .ok_or_else(|| AppError::invalid("ids", "unknown-reference", sid.to_string()))?;
            if s.status == Status::Closed.as_str() {
                return Err(AppError::invalid("ids", "case-closed", sid.to_string()));
            }
            if s.requester_id != t.requester_id {
                if !as_internal {
                    return Err(AppError::invalid(
                        "ids",
                        "merge-requesters",
                        sid.to_string(),
                    ));
                }
                tx.move_messages_as_internal(sid, target).await?;
            } else {
                tx.move_messages(sid, target).await?;
            }
            let old = s.status.clone();
            s.status = Status::Closed.as_str().into();
            s.closed_at = Some(now);
            s.merged_into_id = Some(target);
            s.updated_at = now;
            // A merged duplicate leaves the measures: its open clocks are cancelled.
            let clocks = self.plan_clocks(&mut tx, &mut s, &[], false, now).await?;
            tx.update_case(&s).await?;
            self.write_clocks(&mut tx, &s, clocks, now).await?;
            tx.set_search_doc(sid, &fold(&s.subject), &fold(&s.subject))
                .await?;
            let ev = [
                NewEvent {
                    kind: "merged_into",
                    field: None,
                    old_value: None,
                    new_value: Some(target.to_string()),
                },
                NewEvent {
                    kind: "field_changed",
                    field: Some("status"),
                    old_value: Some(old),
                    new_value: Some("closed".into()),
                },
            ];
            tx.insert_events(sid, Some(actor.user_id), now, &ev).await?;
            ev_target.add("merged_from", Some(sid.to_string()));
        }
        t.updated_at = now;
        tx.update_case(&t).await?;
        self.rebuild_search_doc(&mut tx, &t).await?;
        let events = tx
            .insert_events(target, Some(actor.user_id), now, &ev_target.0)
            .await?;
        tx.commit().await?;
        self.announce_case(&t, actor, "merged").await;
        Ok(CaseOutcome {
            case: t.into(),
            message: None,
            events: crate::model::all(events),
            attachments: vec![],
            replayed: false,
        })
    }

    /// Link two related cases (A4); the link shows on both.
    pub async fn link_cases(
        &self,
        actor: &Actor,
        id: i64,
        other: i64,
        kind: LinkKind,
    ) -> Result<model::Link> {
        actor.require_case_writer()?;
        if id == other {
            return Err(AppError::invalid(
                "link.ticket_id",
                "link-self",
                other.to_string(),
            ));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.case_for_update(id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        tx.case_for_update(other).await?.ok_or_else(|| {
            AppError::invalid("link.ticket_id", "unknown-reference", other.to_string())
        })?;
        let link = LinkRow {
            case_id: id,
            other_id: other,
            kind: kind.as_str().into(),
            created_by: Some(actor.user_id),
            created_at: now,
        };
        tx.insert_link(&link).await?;
        for (a, b) in [(id, other), (other, id)] {
            tx.insert_events(
                a,
                Some(actor.user_id),
                now,
                &[NewEvent {
                    kind: "linked",
                    field: Some("link"),
                    old_value: None,
                    new_value: Some(format!("{}:{b}", kind.as_str())),
                }],
            )
            .await?;
        }
        tx.commit().await?;
        if let Ok(Some(c)) = self.store.case(id).await {
            self.announce_case(&c, actor, "linked").await;
        }
        Ok(link.into())
    }
}
