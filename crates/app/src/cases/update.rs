//! Changing a case: fields, assignment, status, comment and register as one audited write.

use super::*;
use std::sync::Arc;

impl App {
    /// Change a case: fields, assignment, status and/or a comment, as one audited write.
    pub async fn update_case(
        &self,
        actor: &Actor,
        id: i64,
        ch: CaseChanges,
    ) -> Result<CaseOutcome> {
        let customer = self.check_changes(actor, &ch).await?;
        let now = self.now_ms();
        // Refresh the cached standards before taking a connection for the write:
        // inside it, a refresh would need a second one (a full pool would deadlock).
        self.standards_snapshot().await?;
        let mut tx = self.store.begin().await?;
        let mut c = tx
            .case_for_update(id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        let inbound = ch.comment.as_ref().and_then(|c| c.inbound.clone());
        // Mail threaded to this case by our own Message-ID may come from a colleague the
        // customer copied: the email channel decided it belongs here.
        if customer && inbound.is_none() && c.requester_id != actor.user_id {
            return Err(AppError::NotFound("ticket"));
        }
        if let Some(seen) = ch.unchanged_since
            && c.updated_at > seen
        {
            // Checked here, on the row this transaction has locked: two stale saves racing
            // cannot both pass a check made before the write.
            return Err(AppError::Conflict(FieldError::new(
                "ticket",
                "stale",
                fmt_ms(Some(c.updated_at)).unwrap_or_default(),
            )));
        }
        if c.status == Status::Closed.as_str() {
            return Err(lifecycle_err(LifecycleError::Closed));
        }
        let mut ev = Events::default();
        let register_before = (
            c.promised_at,
            c.follow_up_at,
            c.follow_up_done_at,
            c.complaint_resolved_at,
        );
        let mut clock_events = Vec::new();
        let rebuild_doc = apply_field_changes(&mut tx, &mut c, &ch, &mut ev).await?;

        // The comment, and the status it implies.
        let from: Status = c
            .status
            .parse()
            .map_err(|_| AppError::Internal("bad status".into()))?;
        let mut transition: Option<Transition> = match (ch.status, ch.customer_move) {
            (Some(s), _) => Some(lifecycle::agent_sets_status(from, s).map_err(lifecycle_err)?),
            (None, Some(CustomerMove::StillAProblem)) if customer => {
                Some(lifecycle::customer_reopens(from).map_err(lifecycle_err)?)
            }
            (None, Some(CustomerMove::Solved)) if customer => {
                if !customer_may_solve(&mut tx, &c).await? {
                    return Err(AppError::Forbidden("this team solves its cases itself"));
                }
                Some(lifecycle::customer_solves(from).map_err(lifecycle_err)?)
            }
            (None, Some(_)) => {
                return Err(AppError::Forbidden(
                    "only the customer answers for the customer",
                ));
            }
            (None, None) => None,
        };
        let mut message = None;
        let mut attachments = Vec::new();
        if let Some(cm) = ch
            .comment
            .as_ref()
            .filter(|c| !c.body.trim().is_empty() || !c.uploads.is_empty())
        {
            let written = self
                .write_comment(
                    &mut tx,
                    actor,
                    customer,
                    &mut c,
                    cm,
                    &inbound,
                    from,
                    transition.is_some(),
                    now,
                )
                .await?;
            ev.add(
                if written.message.public {
                    "comment"
                } else {
                    "note"
                },
                Some(written.message.id.to_string()),
            );
            clock_events.push(written.clock_event);
            transition = transition.or(written.implied);
            attachments = written.attachments;
            message = Some(written.message);
        }
        if let Some(t) = transition {
            apply_transition(&mut c, t, from, now, &mut ev, &mut clock_events);
        }
        if ev.0.is_empty() {
            tx.rollback().await?;
            return Ok(CaseOutcome {
                case: c.into(),
                message: None,
                events: vec![],
                attachments: vec![],
                replayed: false,
            });
        }
        register_clock_events(&c, register_before, now, &mut clock_events);
        c.updated_at = now;
        let clocks = self
            .plan_clocks(&mut tx, &mut c, &clock_events, false, now)
            .await?;
        tx.update_case(&c).await?;
        self.write_clocks(&mut tx, &c, clocks, now).await?;
        if rebuild_doc {
            self.rebuild_search_doc(&mut tx, &c).await?;
        }
        // A new assignee other than the actor hears about it (in-app and by email).
        if let Some(Some(a)) = ch.assignee_id
            && a != actor.user_id
            && ev.0.iter().any(|e| e.field == Some("assignee_id"))
        {
            let detail = serde_json::json!({ "by": actor.user_id }).to_string();
            tx.insert_notifications(&[a], "assigned", Some(c.id), None, &detail, now)
                .await?;
            self.queue_agent_notice(&mut tx, &[a], "assigned", &c, None, now)
                .await?;
        }
        // A live chat tells its visitor who joined and where it was transferred (its
        // followers re-read on the case's announcement below).
        if c.channel == Channel::Chat.as_str() {
            let joined = c
                .assignee_id
                .filter(|_| ev.0.iter().any(|e| e.field == Some("assignee_id")));
            let team = match c
                .team_id
                .filter(|_| ev.0.iter().any(|e| e.field == Some("group_id")))
            {
                Some(t) => self.store.team(t).await?.map(|r| (t, r.name)),
                None => None,
            };
            crate::chat::note_assignment(&mut tx, c.id, joined, team, now).await?;
        }
        let events = tx
            .insert_events(c.id, Some(actor.user_id), now, &ev.0)
            .await?;
        tx.commit().await?;
        let what = match &message {
            Some(m) if m.public => "comment",
            Some(_) => "note",
            None => "updated",
        };
        self.announce_case(&c, actor, what).await;
        Ok(CaseOutcome {
            case: c.into(),
            message: message.map(Into::into),
            events: crate::model::all(events),
            attachments: crate::model::all(attachments),
            replayed: false,
        })
    }

    /// What can be refused before the write: customers only comment, roles, references,
    /// the body's length. Returns whether the actor is a customer.
    async fn check_changes(&self, actor: &Actor, ch: &CaseChanges) -> Result<bool> {
        let customer = !actor.role.is_staff();
        if customer && !ch.only_comment() {
            return Err(AppError::Forbidden("customers may only add a comment"));
        }
        if !customer {
            actor.require_case_writer()?;
        }
        if let Some(Some(a)) = ch.assignee_id {
            self.check_staff_user("assignee_id", a).await?;
        }
        self.check_refs(
            ch.team_id.flatten(),
            ch.organization_id.flatten(),
            ch.category_id.flatten(),
        )
        .await?;
        if let Some(c) = &ch.comment
            && c.body.len() > self.config.max_body_chars
        {
            return Err(AppError::invalid(
                "comment.body",
                "too-long",
                self.config.max_body_chars.to_string(),
            ));
        }
        Ok(customer)
    }

    /// The change's comment: its message, files, outgoing mail and search text, the first
    /// reply it may be, and the clock event and status change it implies (unless the
    /// change sets the status itself: `explicit_status`).
    #[allow(clippy::too_many_arguments)]
    async fn write_comment(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        customer: bool,
        c: &mut CaseRow,
        cm: &CommentInput,
        inbound: &Option<Arc<crate::email::InboundMail>>,
        from: Status,
        explicit_status: bool,
        now: i64,
    ) -> Result<WrittenComment> {
        let author_id = match cm.author_id {
            Some(a) if !customer => a,
            _ => actor.user_id,
        };
        let author = tx.user_in_tx(author_id).await?.ok_or_else(|| {
            AppError::invalid(
                "comment.author_id",
                "unknown-reference",
                author_id.to_string(),
            )
        })?;
        let by_customer = author.role == Role::EndUser.as_str();
        let automatic = inbound.as_ref().is_some_and(|i| i.automatic());
        let public = if by_customer {
            true
        } else {
            cm.public.unwrap_or(true)
        };
        let html = cm
            .html_body
            .clone()
            .unwrap_or_else(|| html_from_text(&cm.body));
        let m = tx
            .insert_message(
                c.id,
                author_id,
                public,
                if inbound.is_some() {
                    Channel::Email.as_str()
                } else {
                    cm.via.map(|v| v.as_str()).unwrap_or(c.channel.as_str())
                },
                &cm.body,
                &html,
                automatic,
                now,
            )
            .await?;
        let mut attachments = crate::cases::attachments::claim(
            tx,
            "comment.uploads",
            &cm.uploads,
            actor.user_id,
            m.id,
        )
        .await?;
        if let Some(inb) = &inbound {
            attachments = self.write_inbound(tx, c, &m, inb, now).await?;
        }
        if let Some(st) = &cm.chat {
            // A chat message is numbered in its conversation and delivered live.
            crate::chat::append_message(tx, c.id, &m, st, by_customer, now).await?;
        } else if public
            && c.channel == Channel::Chat.as_str()
            && crate::chat::join_live(tx, c.id, &m, by_customer, self.config.chat_idle, now).await?
        {
            // A public reply written elsewhere (the case page, the API) while the chat is
            // live: it goes to the chat, not by email.
        } else if !by_customer && public {
            self.queue_reply(tx, c, &m, &attachments, now).await?;
        }
        tx.append_search_doc(c.id, &fold(&cm.body), public).await?;
        let clock_event = ClockEvent::Message {
            at: now,
            from_customer: by_customer,
            public,
            automatic,
            answered: c.first_reply_at.is_some()
                || matches!(from, Status::Solved | Status::Closed)
                || c.reopen_count > 0,
        };
        if !by_customer && public && c.first_reply_at.is_none() {
            c.first_reply_at = Some(now);
        }
        let implied = if !explicit_status && public && !automatic {
            let t = if by_customer {
                lifecycle::after_customer_reply(from)
            } else {
                lifecycle::after_agent_reply(from)
            };
            Some(t.map_err(lifecycle_err)?)
        } else {
            None
        };
        Ok(WrittenComment {
            message: m,
            attachments,
            clock_event,
            implied,
        })
    }
}

/// A comment written by [`App::update_case`].
struct WrittenComment {
    message: store::MessageRow,
    attachments: Vec<store::AttachmentRow>,
    clock_event: ClockEvent,
    /// The status a public, non-automatic reply moves the case to.
    implied: Option<Transition>,
}

/// The plain fields of a change (subject, priority, type, kind, stage, requester,
/// assignment and transfer count, team, organization, category, external id, due date,
/// custom fields, tags, register), each with its event. Returns whether the search
/// document must be rebuilt.
async fn apply_field_changes(
    tx: &mut Tx,
    c: &mut CaseRow,
    ch: &CaseChanges,
    ev: &mut Events,
) -> Result<bool> {
    let mut rebuild_doc = false;
    if let Some(s) = &ch.subject {
        let s = crate::text_field("subject", s, MAX_SUBJECT)?;
        ev.change("subject", Some(c.subject.clone()), Some(s.clone()));
        rebuild_doc |= s != c.subject;
        c.subject = s;
    }
    if let Some(p) = ch.priority {
        let new = p.map(|p| p.as_str().to_string());
        ev.change("priority", c.priority.clone(), new.clone());
        c.priority = new;
    }
    if let Some(t) = ch.ticket_type {
        let new = t.map(|t| t.as_str().to_string());
        ev.change("type", c.ticket_type.clone(), new.clone());
        c.ticket_type = new;
    }
    if let Some(k) = ch.kind {
        ev.change("kind", Some(c.kind.clone()), Some(k.as_str().into()));
        c.kind = k.as_str().into();
    }
    if let Some(j) = ch.journey_stage {
        let new = j.map(|j| j.as_str().to_string());
        ev.change("journey_stage", c.journey_stage.clone(), new.clone());
        c.journey_stage = new;
    }
    if let Some(r) = ch.requester_id {
        if tx.user_in_tx(r).await?.is_none() {
            return Err(AppError::invalid(
                "requester_id",
                "unknown-reference",
                r.to_string(),
            ));
        }
        ev.change(
            "requester_id",
            Some(c.requester_id.to_string()),
            Some(r.to_string()),
        );
        rebuild_doc |= r != c.requester_id;
        c.requester_id = r;
    }
    // D3: a hand-off from one agent or team to another counts as a transfer.
    let mut transferred = false;
    if let Some(a) = ch.assignee_id
        && a != c.assignee_id
    {
        transferred |= c.assignee_id.is_some() && a.is_some();
        ev.change(
            "assignee_id",
            c.assignee_id.map(|x| x.to_string()),
            a.map(|x| x.to_string()),
        );
        c.assignee_id = a;
    }
    if let Some(t) = ch.team_id
        && t != c.team_id
    {
        transferred |= c.team_id.is_some() && t.is_some();
        ev.change(
            "group_id",
            c.team_id.map(|x| x.to_string()),
            t.map(|x| x.to_string()),
        );
        c.team_id = t;
    }
    if transferred {
        c.transfer_count += 1;
        ev.add("transferred", Some(c.transfer_count.to_string()));
    }
    if let Some(o) = ch.organization_id {
        ev.change(
            "organization_id",
            c.organization_id.map(|x| x.to_string()),
            o.map(|x| x.to_string()),
        );
        c.organization_id = o;
    }
    if let Some(cat) = ch.category_id {
        ev.change(
            "category_id",
            c.category_id.map(|x| x.to_string()),
            cat.map(|x| x.to_string()),
        );
        c.category_id = cat;
    }
    if let Some(x) = &ch.external_id {
        ev.change("external_id", c.external_id.clone(), x.clone());
        c.external_id = x.clone();
    }
    if let Some(d) = ch.due_at {
        let new = opt_ms(d);
        ev.change("due_at", fmt_ms(c.due_at), fmt_ms(new));
        c.due_at = new;
        c.next_due_at = new.unwrap_or(i64::MAX);
    }
    if let Some(cf) = &ch.custom_fields {
        let new = cf.to_string();
        ev.change(
            "custom_fields",
            Some(c.custom_fields.clone()),
            Some(new.clone()),
        );
        c.custom_fields = new;
    }
    if ch.tags.is_some() || !ch.additional_tags.is_empty() || !ch.remove_tags.is_empty() {
        let mut tags: Vec<String> = match &ch.tags {
            Some(t) => t.iter().map(|t| t.as_str().to_string()).collect(),
            None => c.tag_list(),
        };
        for t in &ch.additional_tags {
            if !tags.iter().any(|x| x == t.as_str()) {
                tags.push(t.as_str().into());
            }
        }
        tags.retain(|x| !ch.remove_tags.iter().any(|r| r.as_str() == x));
        if tags.len() > domain::MAX_TAGS {
            return Err(AppError::invalid(
                "tags",
                "too-many",
                domain::MAX_TAGS.to_string(),
            ));
        }
        tags.sort();
        let new = tags.join(" ");
        if new != c.tags {
            ev.change("tags", Some(c.tags.clone()), Some(new.clone()));
            c.tags = new;
            tx.set_case_tags(c.id, &tags).await?;
        }
    }
    if let Some(p) = &ch.complaint {
        apply_complaint(c, p, ev);
    }
    Ok(rebuild_doc)
}

/// Whether the customer may mark this case solved themselves: someone is assigned (the
/// team took it in hand) and the case's team allows it (on by default).
async fn customer_may_solve(tx: &mut Tx, c: &CaseRow) -> Result<bool> {
    if c.assignee_id.is_none() {
        return Ok(false);
    }
    match c.team_id {
        Some(t) => Ok(tx.team_customers_can_solve_in_tx(t).await?),
        None => Ok(true),
    }
}

/// A status change with its event and clock event; a reopening counts.
fn apply_transition(
    c: &mut CaseRow,
    t: Transition,
    from: Status,
    now: i64,
    ev: &mut Events,
    clock_events: &mut Vec<ClockEvent>,
) {
    if t.to != from {
        clock_events.push(ClockEvent::Status {
            at: now,
            from,
            to: t.to,
        });
        ev.change(
            "status",
            Some(from.as_str().into()),
            Some(t.to.as_str().into()),
        );
        c.status = t.to.as_str().into();
        if t.to == Status::Solved {
            c.solved_at = Some(now);
        }
    }
    if t.reopened {
        c.reopen_count += 1;
        c.solved_at = None;
        ev.add("reopened", Some(c.reopen_count.to_string()));
    }
}
