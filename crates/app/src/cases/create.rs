//! Creating a case on any channel (A1, A6): the one creation path.

use super::*;

impl App {
    /// Create a case on any channel (A1, A6). `idempotency` is (key, request fingerprint).
    pub async fn create_case(
        &self,
        actor: &Actor,
        new: NewCase,
        idempotency: Option<(&str, &str)>,
    ) -> Result<CaseOutcome> {
        // On PostgreSQL two requests with one key can race; the loser's transaction rolls
        // back on the key's unique index and the retry replays the winner.
        for attempt in 0..2 {
            match self.create_case_once(actor, new.clone(), idempotency).await {
                Err(AppError::Conflict(f)) if f.field == "Idempotency-Key" && attempt == 0 => {
                    continue;
                }
                r => return r,
            }
        }
        Err(AppError::Internal("idempotency retry".into()))
    }

    /// One attempt: check the input, read what can be read before the write, then write
    /// the case, its first message, its clocks, events and search document in one
    /// transaction.
    async fn create_case_once(
        &self,
        actor: &Actor,
        new: NewCase,
        idempotency: Option<(&str, &str)>,
    ) -> Result<CaseOutcome> {
        let checked = self.check_new_case(actor, &new).await?;
        // The requester is usually known: read it on the reader pool, before the write
        // transaction, so the single SQLite writer holds its lock for as short as possible.
        let known = self.known_requester(actor, checked.customer, &new).await?;
        let now = self.now_ms();
        // Refresh the cached standards before taking a connection for the write:
        // inside it, a refresh would need a second one (a full pool would deadlock).
        self.standards_snapshot().await?;
        let mut tx = self.store.begin().await?;
        if let Some((key, fp)) = idempotency
            && let Some((old_fp, id)) = tx.idempotency_lookup(actor.user_id, key).await?
        {
            tx.rollback().await?;
            return self.replay_creation(key, fp, &old_fp, id).await;
        }
        let requester = match known {
            Some(p) => p,
            // A new customer (or one created since the read above).
            None => self.new_requester(&mut tx, &new).await?,
        };
        let submitter_id = match new.submitter_id {
            Some(s) if !checked.customer => {
                if tx.user_in_tx(s).await?.is_none() {
                    return Err(AppError::invalid(
                        "submitter_id",
                        "unknown-reference",
                        s.to_string(),
                    ));
                }
                s
            }
            _ => actor.user_id,
        };
        let tags: Vec<String> = new.tags.iter().map(|t| t.as_str().to_string()).collect();
        let mut case = new_case_row(actor, &new, &checked, &requester, submitter_id, &tags, now);
        let mut ev = Events::default();
        ev.add("created", Some(case.channel.clone()));
        if let Some(p) = &new.complaint {
            apply_complaint(&mut case, p, &mut ev);
        }
        let clock_events = creation_clock_events(&case, checked.status, now);
        let clocks = self
            .plan_clocks(&mut tx, &mut case, &clock_events, true, now)
            .await?;
        case.id = tx.insert_case(&case).await?;
        self.write_clocks(&mut tx, &case, clocks, now).await?;
        tx.insert_case_tags(case.id, &tags).await?;
        if let Some(a) = case.assignee_id {
            ev.add("assigned", Some(a.to_string()));
        }
        let (message, attachments) = match &checked.comment {
            Some(c) => {
                let (m, files) = self
                    .write_first_message(&mut tx, actor, &checked, &case, c, now)
                    .await?;
                ev.add(
                    if m.public { "comment" } else { "note" },
                    Some(m.id.to_string()),
                );
                (Some(m), files)
            }
            None => (None, Vec::new()),
        };
        let doc = format!(
            "{} {} {}",
            checked.subject, requester.text, case.description
        );
        // An internal first note stays out of the customer's search document.
        let public_doc = match &message {
            Some(m) if !m.public => format!("{} {}", checked.subject, requester.text),
            _ => doc.clone(),
        };
        tx.insert_search_doc(case.id, &fold(&doc), &fold(&public_doc))
            .await?;
        let events = tx
            .insert_events(case.id, Some(actor.user_id), now, &ev.0)
            .await?;
        if let Some((key, fp)) = idempotency {
            tx.idempotency_save(actor.user_id, key, fp, case.id, now)
                .await
                .map_err(|e| match e {
                    store::StoreError::Conflict(_) => AppError::Conflict(FieldError::new(
                        "Idempotency-Key",
                        "duplicate",
                        key.to_string(),
                    )),
                    e => e.into(),
                })?;
        }
        tx.commit().await?;
        self.announce_case(&case, actor, "created").await;
        Ok(CaseOutcome {
            case: case.into(),
            message: message.map(Into::into),
            events: crate::model::all(events),
            attachments: crate::model::all(attachments),
            replayed: false,
        })
    }

    /// Everything about a new case that can be refused before anything is read for the
    /// write: role, subject and body, what customers may not set, references, status.
    async fn check_new_case(&self, actor: &Actor, new: &NewCase) -> Result<CheckedCase> {
        if actor.role == Role::Analyst {
            return Err(AppError::Forbidden("your role cannot change cases"));
        }
        let customer = !actor.role.is_staff();
        let comment = new
            .comment
            .clone()
            .filter(|c| !c.body.trim().is_empty() || !c.uploads.is_empty());
        let mut errs = Vec::new();
        let subject = match new.subject.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => s.to_string(),
            // Zendesk takes the start of the first comment when no subject is given.
            _ => comment
                .as_ref()
                .map(|c| {
                    c.body
                        .lines()
                        .next()
                        .unwrap_or("")
                        .chars()
                        .take(80)
                        .collect::<String>()
                })
                .unwrap_or_default(),
        };
        if subject.trim().is_empty() {
            errs.push(FieldError::new(
                "comment",
                "required",
                "a comment or a subject",
            ));
        }
        // A contact logged "received" in the future is a typo (a wrong year, AM/PM): said,
        // not silently replaced by now. A minute of clock difference is tolerated.
        if let Some(r) = new.received_at
            && r.as_millisecond() > self.now_ms() + 60_000
        {
            errs.push(FieldError::new(
                "received_at",
                "in-the-future",
                r.to_string(),
            ));
        }
        if subject.chars().count() > MAX_SUBJECT {
            errs.push(FieldError::new(
                "subject",
                "too-long",
                MAX_SUBJECT.to_string(),
            ));
        }
        if let Some(c) = &comment
            && c.body.len() > self.config.max_body_chars
        {
            errs.push(FieldError::new(
                "comment.body",
                "too-long",
                self.config.max_body_chars.to_string(),
            ));
        }
        // The email channel, the contact form and the live chat route a customer's case
        // themselves (the mailbox's team, the topic's team and category, the chat's
        // channel and team): the customer does not.
        let routed_by_channel = comment
            .as_ref()
            .is_some_and(|c| c.inbound.is_some() || c.form.is_some() || c.chat.is_some());
        if customer
            && (new.assignee_id.is_some()
                || (new.team_id.is_some() && !routed_by_channel)
                || new.status.is_some_and(|s| s != Status::New))
        {
            return Err(AppError::Forbidden("customers cannot assign or set status"));
        }
        if customer && !routed_by_channel {
            errs.extend(staff_only_fields(new));
        }
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        if let Some(a) = new.assignee_id {
            self.check_staff_user("assignee_id", a).await?;
        }
        if let Some(a) = new.received_by_id {
            self.check_staff_user("received_by_id", a).await?;
        }
        self.check_refs(new.team_id, new.organization_id, new.category_id)
            .await?;
        let status = match new.status.unwrap_or(Status::New) {
            Status::Closed => {
                return Err(lifecycle_err(LifecycleError::AgentCannotClose));
            }
            s => s,
        };
        Ok(CheckedCase {
            customer,
            routed_by_channel,
            comment,
            subject,
            status,
        })
    }

    /// The requester when they already exist (read before the write); None when the case
    /// names a new customer by email.
    async fn known_requester(
        &self,
        actor: &Actor,
        customer: bool,
        new: &NewCase,
    ) -> Result<Option<Person>> {
        let known = match (customer, &new.requester) {
            (true, _) | (false, None) => Some(actor.user_id),
            (false, Some(RequesterRef::Id(id))) => Some(*id),
            (false, Some(RequesterRef::Email { email, .. })) => self
                .store
                .user_by_identity("email", email.as_str())
                .await?
                .map(|u| u.id),
        };
        let Some(id) = known else {
            return Ok(None);
        };
        match self.store.user(id).await? {
            Some(u) => Ok(Some(Person {
                id: u.id,
                organization_id: u.organization_id,
                text: person_text(&u, &self.store.identities(u.id).await?),
            })),
            None => Err(AppError::invalid(
                "requester_id",
                "unknown-reference",
                id.to_string(),
            )),
        }
    }

    /// The requester named by email, found or created inside the write.
    async fn new_requester(&self, tx: &mut Tx, new: &NewCase) -> Result<Person> {
        let Some(RequesterRef::Email {
            email,
            name,
            locale,
        }) = &new.requester
        else {
            return Err(AppError::Internal("requester not resolved".into()));
        };
        let id = self
            .find_or_create_customer(tx, email, name.as_deref(), *locale)
            .await?;
        let u = tx.user_in_tx(id).await?.ok_or(AppError::NotFound("user"))?;
        Ok(Person {
            id,
            organization_id: u.organization_id,
            text: person_text(&u, &tx.identities_in_tx(id).await?),
        })
    }

    /// The answer to a request repeated with the same Idempotency-Key: the case it created,
    /// or a 422 when the key came back with another request.
    async fn replay_creation(
        &self,
        key: &str,
        fp: &str,
        old_fp: &str,
        id: i64,
    ) -> Result<CaseOutcome> {
        if old_fp != fp {
            return Err(AppError::invalid(
                "Idempotency-Key",
                "idempotency-mismatch",
                key.to_string(),
            ));
        }
        let case = self
            .store
            .case(id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        Ok(CaseOutcome {
            case: case.into(),
            message: None,
            events: vec![],
            attachments: vec![],
            replayed: true,
        })
    }

    /// The new case's first message with its files, and what it sends: the email's own
    /// rows and acknowledgement for inbound mail, else a reply mailed to the requester when
    /// staff write publicly on their behalf.
    async fn write_first_message(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        checked: &CheckedCase,
        case: &CaseRow,
        c: &CommentInput,
        now: i64,
    ) -> Result<(store::MessageRow, Vec<store::AttachmentRow>)> {
        let customer = checked.customer;
        let author = match c.author_id {
            Some(a) if !customer => {
                if tx.user_in_tx(a).await?.is_none() {
                    return Err(AppError::invalid(
                        "comment.author_id",
                        "unknown-reference",
                        a.to_string(),
                    ));
                }
                a
            }
            _ => {
                if customer {
                    actor.user_id
                } else {
                    c.author_id.unwrap_or(case.requester_id)
                }
            }
        };
        let public = if customer {
            true
        } else {
            c.public.unwrap_or(true)
        };
        let html = c
            .html_body
            .clone()
            .unwrap_or_else(|| html_from_text(&c.body));
        let m = tx
            .insert_message(
                case.id,
                author,
                public,
                &case.channel,
                &c.body,
                &html,
                c.inbound.as_ref().is_some_and(|i| i.automatic()),
                now,
            )
            .await?;
        let mut attachments = crate::cases::attachments::claim(
            tx,
            "comment.uploads",
            &c.uploads,
            actor.user_id,
            m.id,
        )
        .await?;
        if let Some(inb) = &c.inbound {
            attachments = self.write_inbound(tx, case, &m, inb, now).await?;
            self.queue_ack(tx, case, inb, now).await?;
        } else if let Some(f) = &c.form {
            self.queue_ack_to(tx, case, &f.email, Some(f.name.clone()), now)
                .await?;
        } else if let Some(st) = &c.chat {
            crate::chat::open_conversation(tx, case, &m, st, now).await?;
        } else if public && !customer && author != case.requester_id {
            self.queue_reply(tx, case, &m, &attachments, now).await?;
        }
        Ok((m, attachments))
    }
}

/// A new case's input once checked: who creates it, its subject, status and first
/// comment (None when empty).
struct CheckedCase {
    customer: bool,
    /// The case comes by email, the contact form or the chat, whose routing may name the
    /// team (a customer may not).
    routed_by_channel: bool,
    comment: Option<CommentInput>,
    subject: String,
    status: Status,
}

/// The row of a new case from its checked input (ids and clocks come later).
fn new_case_row(
    actor: &Actor,
    new: &NewCase,
    checked: &CheckedCase,
    requester: &Person,
    submitter_id: i64,
    tags: &[String],
    now: i64,
) -> CaseRow {
    let customer = checked.customer;
    let channel = new
        .channel
        .unwrap_or(if customer { Channel::Web } else { Channel::Api });
    let status = checked.status;
    CaseRow {
        id: 0,
        subject: checked.subject.clone(),
        description: checked
            .comment
            .as_ref()
            .map(|c| c.body.clone())
            .unwrap_or_default(),
        status: status.as_str().into(),
        priority: new.priority.map(|p| p.as_str().into()),
        kind: new.kind.unwrap_or(Kind::Question).as_str().into(),
        ticket_type: new.ticket_type.map(|t| t.as_str().into()),
        channel: channel.as_str().into(),
        journey_stage: new.journey_stage.map(|j| j.as_str().into()),
        requester_id: requester.id,
        submitter_id,
        received_by_id: new
            .received_by_id
            .or(if customer { None } else { Some(actor.user_id) }),
        assignee_id: if customer { None } else { new.assignee_id },
        team_id: if customer && !checked.routed_by_channel {
            None
        } else {
            new.team_id
        },
        organization_id: new.organization_id.or(requester.organization_id),
        category_id: new.category_id,
        external_id: new.external_id.clone(),
        tags: tags.join(" "),
        custom_fields: new
            .custom_fields
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_else(|| "[]".into()),
        due_at: opt_ms(new.due_at),
        next_due_at: opt_ms(new.due_at).unwrap_or(i64::MAX),
        received_at: new.received_at.map(ms).filter(|r| *r <= now).unwrap_or(now),
        created_at: now,
        updated_at: now,
        solved_at: (status == Status::Solved).then_some(now),
        closed_at: None,
        transfer_count: 0,
        reopen_count: 0,
        merged_into_id: None,
        agreed_solution: None,
        solved_on_the_spot: false,
        promised_at: None,
        follow_up_at: None,
        follow_up_done_at: None,
        prevention_suggestion: None,
        root_cause: None,
        complaint_resolved_at: None,
        deleted_at: None,
        first_reply_at: None,
    }
}

/// The fields of a new case only staff may set, each named when an end user sets it: a
/// customer gives a subject, a comment and uploads (A1); back-dating, priority, another
/// organisation, the register or custom fields would let them start clocks in the past,
/// jump the queue or write internal data. A 422 naming the field (not a silent drop), so a
/// client sees what was refused.
fn staff_only_fields(new: &NewCase) -> Vec<FieldError> {
    let set = [
        ("priority", new.priority.is_some()),
        ("channel", new.channel.is_some()),
        ("received_at", new.received_at.is_some()),
        ("received_by_id", new.received_by_id.is_some()),
        ("organization_id", new.organization_id.is_some()),
        ("category_id", new.category_id.is_some()),
        ("submitter_id", new.submitter_id.is_some()),
        ("ticket_type", new.ticket_type.is_some()),
        ("kind", new.kind.is_some()),
        ("journey_stage", new.journey_stage.is_some()),
        ("tags", !new.tags.is_empty()),
        ("custom_fields", new.custom_fields.is_some()),
        ("external_id", new.external_id.is_some()),
        ("due_at", new.due_at.is_some()),
        ("complaint", new.complaint.is_some()),
        (
            "comment.author_id",
            new.comment.as_ref().is_some_and(|c| c.author_id.is_some()),
        ),
    ];
    set.iter()
        .filter(|(_, s)| *s)
        .map(|(f, _)| FieldError::new(*f, "end-user-field", "staff only"))
        .collect()
}

/// The clock events of a new case: it exists, and its register may carry dates.
fn creation_clock_events(c: &CaseRow, status: Status, now: i64) -> Vec<ClockEvent> {
    let mut out = vec![ClockEvent::Created {
        at: c.received_at,
        status,
    }];
    register_clock_events(c, (None, None, None, None), now, &mut out);
    out
}
