//! Outbound mail: what a case change queues (replies, acknowledgements, notifications) and the sender's side of the outbox.

use super::*;

impl App {
    /// The mailbox a case's mail goes out through: the one it came in by, else its
    /// team's, else the first active one.
    async fn outbound_mailbox(&self, tx: &mut Tx, case: &CaseRow) -> Result<Option<MailboxRow>> {
        let boxes = tx.mailboxes_in_tx().await?;
        let via = tx.case_mailbox(case.id).await?;
        Ok(pick_mailbox(&boxes, via, case.team_id).cloned())
    }

    /// The customer's address we may write to (primary first, never a failing one).
    async fn reachable_email(&self, tx: &mut Tx, user_id: i64) -> Result<Option<String>> {
        Ok(tx
            .identities_in_tx(user_id)
            .await?
            .into_iter()
            .find(|i| i.kind == "email" && !i.failing)
            .map(|i| i.value))
    }

    /// Where a public reply of this case goes, or why it cannot leave by email.
    async fn route_reply(&self, tx: &mut Tx, case: &CaseRow) -> Result<Route> {
        let boxes = tx.mailboxes_in_tx().await?;
        let via = tx.case_mailbox(case.id).await?;
        let ids = tx.identities_in_tx(case.requester_id).await?;
        Ok(decide_route(&boxes, via, case.team_id, &ids))
    }

    /// What will happen to a public reply on this case, for the case page to say before
    /// the agent sends it (issue 16: no silent void). Staff only.
    pub async fn reply_route(&self, actor: &Actor, case_id: i64) -> Result<ReplyRoute> {
        actor.require_staff()?;
        let case = self
            .store
            .case(case_id)
            .await?
            .ok_or(AppError::NotFound("ticket"))?;
        let boxes = self.store.mailboxes().await?;
        let via = self.store.case_mailbox_id(case_id).await?;
        let ids = self.store.identities(case.requester_id).await?;
        let relay = self.relay_configured().await?;
        Ok(match decide_route(&boxes, via, case.team_id, &ids) {
            Route::Send { mailbox, to } => ReplyRoute {
                to: Some(to),
                from: Some(mailbox.address),
                not_sent: None,
                relay,
            },
            Route::NotSent(n) => ReplyRoute {
                to: None,
                from: None,
                not_sent: Some(n),
                relay,
            },
        })
    }

    /// The delivery state of each outbound message of a case (by message id): queued,
    /// sent, failed with the server's answer, or not sent and why.
    pub async fn case_deliveries(
        &self,
        actor: &Actor,
        case_id: i64,
    ) -> Result<std::collections::HashMap<i64, Delivery>> {
        actor.require_staff()?;
        let mut out = std::collections::HashMap::new();
        for o in self.store.outbox_of_case(case_id).await? {
            if o.kind != "reply" {
                continue;
            }
            if let Some(m) = o.message_id {
                out.insert(
                    m,
                    Delivery {
                        state: o.state,
                        recipient: o.recipient,
                        error: o.last_error,
                        attempts: o.attempts,
                        at: o.sent_at.unwrap_or(o.created_at),
                    },
                );
            }
        }
        Ok(out)
    }

    /// Queue a public staff message of a case to its requester (in the writing tx). When it
    /// cannot leave by email, a `not_sent` outbox row says why (the case and API show it).
    pub(crate) async fn queue_reply(
        &self,
        tx: &mut Tx,
        case: &CaseRow,
        m: &MessageRow,
        attachments: &[store::AttachmentRow],
        now: i64,
    ) -> Result<()> {
        let (mailbox, to) = match self.route_reply(tx, case).await? {
            Route::Send { mailbox, to } => (*mailbox, to),
            Route::NotSent(why) => {
                let key = mail::thread::notice_id(
                    &self.config.mail.domain,
                    Some(case.id),
                    "notsent",
                    &crate::auth::new_token()[..12],
                );
                tx.insert_not_sent(
                    &NewOutbox {
                        kind: "reply",
                        case_id: Some(case.id),
                        message_id: Some(m.id),
                        user_id: Some(case.requester_id),
                        mailbox_id: None,
                        envelope_from: "",
                        recipient: why.address().unwrap_or(""),
                        message_key: &key,
                        raw: &[],
                        created_at: now,
                    },
                    why.code(),
                )
                .await?;
                return Ok(());
            }
        };
        let Some(requester) = tx.user_in_tx(case.requester_id).await? else {
            return Ok(());
        };
        let agent = tx.user_in_tx(m.author_id).await?;
        let locale = locale_of(&requester.locale, &mailbox.locale);
        let case_link = self
            .case_link(tx, case.id, &requester, now)
            .await?
            .unwrap_or_default();
        let vars = minijinja::context! {
            case_id => case.id,
            subject => case.subject,
            body => m.body,
            customer_name => requester.name,
            agent_name => agent.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
            mailbox_name => mailbox.name,
            case_link => case_link,
        };
        let (subject, text) = self.render_template(tx, "reply", locale, vars).await?;
        let mut files = Vec::new();
        for a in attachments {
            if let Some(data) = self.store.blob(&a.sha256).await? {
                files.push((a.file_name.clone(), a.content_type.clone(), data));
            }
        }
        let key = mail::thread::message_id(
            &self.config.mail.domain,
            case.id,
            m.id,
            &crate::auth::new_token()[..12],
        );
        self.queue_mail(
            tx,
            QueueMail {
                kind: "reply",
                case,
                message_id: Some(m.id),
                user_id: Some(requester.id),
                mailbox: &mailbox,
                to: &to,
                to_name: Some(requester.name.clone()),
                key,
                subject,
                text,
                auto: None,
                locale,
                files,
            },
            now,
        )
        .await
    }

    /// Tell a customer their case is received and when to expect an answer (seed 001).
    pub(crate) async fn queue_ack(
        &self,
        tx: &mut Tx,
        case: &CaseRow,
        inb: &InboundMail,
        now: i64,
    ) -> Result<()> {
        let p = &inb.parsed;
        if !inb.send_ack || p.null_return_path {
            return Ok(());
        }
        self.queue_ack_to(tx, case, &p.from, p.from_name.clone(), now)
            .await
    }

    /// The acknowledgement of a new case to this address (an email's sender, a contact
    /// form's customer): the case number, the expected answer time, the case link. At most
    /// `acks_per_hour` to one address.
    pub(crate) async fn queue_ack_to(
        &self,
        tx: &mut Tx,
        case: &CaseRow,
        to: &str,
        to_name: Option<String>,
        now: i64,
    ) -> Result<()> {
        let Some(mailbox) = self.outbound_mailbox(tx, case).await? else {
            return Ok(());
        };
        let recent = tx.outbox_count_since(to, "ack", now - 3_600_000).await?;
        if recent >= self.config.mail.acks_per_hour {
            return Ok(());
        }
        let Some(requester) = tx.user_in_tx(case.requester_id).await? else {
            return Ok(());
        };
        let locale = locale_of(&requester.locale, &mailbox.locale);
        // The applicable first-response promise, and how many cases are ahead.
        let due = tx
            .clocks_of_case_in_tx(case.id)
            .await?
            .into_iter()
            .filter(|c| c.metric == "first_response")
            .filter_map(|c| c.due_at)
            .min();
        let ahead = tx
            .open_cases_ahead(case.team_id, case.received_at, 1000)
            .await?;
        let tz = requester.time_zone.clone();
        let expected = due.map(|ms| format_local(ms, &tz, locale));
        let case_link = self
            .case_link(tx, case.id, &requester, now)
            .await?
            .unwrap_or_default();
        let vars = minijinja::context! {
            case_id => case.id,
            subject => case.subject,
            customer_name => requester.name,
            mailbox_name => mailbox.name,
            expected => expected,
            ahead => ahead,
            case_link => case_link,
        };
        let (subject, text) = self.render_template(tx, "ack", locale, vars).await?;
        let key = mail::thread::notice_id(
            &self.config.mail.domain,
            Some(case.id),
            "ack",
            &crate::auth::new_token()[..12],
        );
        self.queue_mail(
            tx,
            QueueMail {
                kind: "ack",
                case,
                message_id: None,
                user_id: Some(requester.id),
                mailbox: &mailbox,
                to,
                to_name,
                key,
                subject,
                text,
                auto: Some("auto-replied"),
                locale,
                files: vec![],
            },
            now,
        )
        .await
    }

    /// Email an agent about a case: assignment, or a standard's warning/breach.
    pub(crate) async fn queue_agent_notice(
        &self,
        tx: &mut Tx,
        user_ids: &[i64],
        kind: &str,
        case: &CaseRow,
        standard: Option<&str>,
        now: i64,
    ) -> Result<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let Some(mailbox) = self.outbound_mailbox(tx, case).await? else {
            return Ok(());
        };
        for &uid in user_ids {
            let Some(user) = tx.user_in_tx(uid).await? else {
                continue;
            };
            if !user.active {
                continue;
            }
            let Some(to) = self.reachable_email(tx, uid).await? else {
                continue;
            };
            let locale = locale_of(&user.locale, &mailbox.locale);
            let vars = minijinja::context! {
                kind => kind,
                case_id => case.id,
                subject => case.subject,
                agent_name => user.name,
                standard => standard,
                priority => case.priority,
            };
            let (subject, text) = self
                .render_template(tx, "notification", locale, vars)
                .await?;
            let key = mail::thread::notice_id(
                &self.config.mail.domain,
                Some(case.id),
                &format!("n{uid}"),
                &crate::auth::new_token()[..12],
            );
            self.queue_mail(
                tx,
                QueueMail {
                    kind: "notification",
                    case,
                    message_id: None,
                    user_id: Some(uid),
                    mailbox: &mailbox,
                    to: &to,
                    to_name: Some(user.name.clone()),
                    key,
                    subject,
                    text,
                    auto: Some("auto-generated"),
                    locale,
                    files: vec![],
                },
                now,
            )
            .await?;
        }
        Ok(())
    }

    async fn queue_mail(&self, tx: &mut Tx, q: QueueMail<'_>, now: i64) -> Result<()> {
        let (in_reply_to, thread) = reply_threading(tx.email_threads_of_case(q.case.id).await?);
        let (local, dom) = q
            .mailbox
            .address
            .rsplit_once('@')
            .unwrap_or((q.mailbox.address.as_str(), ""));
        let reply_to = format!("{local}+c{}@{dom}", q.case.id);
        let out = mail::Outgoing {
            from_name: q.mailbox.name.clone(),
            from: q.mailbox.address.clone(),
            to: vec![(q.to_name, q.to.to_string())],
            reply_to: Some(reply_to),
            subject: q.subject.clone(),
            text: q.text.clone(),
            html: None,
            message_id: q.key.clone(),
            in_reply_to,
            references: thread,
            auto_submitted: q.auto,
            date: now / 1000,
            language: Some(q.locale.to_string()),
            attachments: q.files,
        };
        let raw = mail::build(&out);
        tx.insert_outbox(&NewOutbox {
            kind: q.kind,
            case_id: Some(q.case.id),
            message_id: q.message_id,
            user_id: q.user_id,
            mailbox_id: Some(q.mailbox.id),
            envelope_from: &q.mailbox.address,
            recipient: q.to,
            message_key: &q.key,
            raw: &raw,
            created_at: now,
        })
        .await?;
        // Customers' mail joins the case's thread so their replies come back to it.
        if q.kind != "notification" {
            tx.insert_email(&NewEmail {
                message_key: &q.key,
                direction: "out",
                case_id: q.case.id,
                message_id: q.message_id,
                mailbox_id: Some(q.mailbox.id),
                from_addr: &q.mailbox.address,
                to_addrs: q.to,
                subject: &q.subject,
                in_reply_to: out.in_reply_to.first().map(String::as_str),
                refs: None,
                auto_kind: if q.auto.is_some() {
                    "auto-reply"
                } else {
                    "none"
                },
                auth_results: None,
                full_text: &q.text,
                html: None,
                raw_sha256: None,
                created_at: now,
            })
            .await?;
        }
        Ok(())
    }

    // ---------- the sender's side (called by mailnet) ----------

    /// Lease a due outbox mail for sending; None when another sender took it.
    pub async fn lease_outbox(&self, id: i64) -> Result<Option<model::OutboxMail>> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let ok = tx.lease_outbox(id, now, now + 120_000).await?;
        tx.commit().await?;
        if !ok {
            return Ok(None);
        }
        Ok(self.store.outbox_item(id).await?.map(Into::into))
    }

    pub async fn due_outbox(&self, limit: i64) -> Result<Vec<i64>> {
        Ok(self.store.due_outbox(self.now_ms(), limit).await?)
    }

    /// Record a send attempt. A temporary failure retries with exponential backoff
    /// (30 s, 1 min, 2 min … capped at 6 h); a permanent one, or too many, gives up.
    pub async fn outbox_result(
        &self,
        row: &model::OutboxMail,
        result: std::result::Result<(), (bool, String)>,
    ) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        match result {
            Ok(()) => tx.outbox_sent(row.id, now).await?,
            Err((permanent, msg)) => {
                let attempts = row.attempts + 1;
                let next = (!permanent && attempts < self.config.mail.max_attempts).then(|| {
                    let backoff = 30_000i64
                        .saturating_mul(1 << attempts.min(20))
                        .min(6 * 3_600_000);
                    now + backoff / 2
                });
                tx.outbox_attempt_failed(row.id, &msg, next).await?;
                if permanent && row.kind != "notification" {
                    // The customer's address does not take our mail.
                    tx.set_identity_failing(&row.recipient, Some((&msg, now)))
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drop raw originals past the retention period.
    pub async fn purge_raw_emails(&self) -> Result<u64> {
        let days = self.config.mail.raw_retention_days;
        if days <= 0 {
            return Ok(0);
        }
        let mut tx = self.store.begin().await?;
        let n = tx
            .purge_raw_emails(self.now_ms() - days * 86_400_000)
            .await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// In-Reply-To and References of a message sent on a case whose emails are `thread`
/// (oldest first, with their direction). A reply answers the customer's latest message
/// (RFC 5322 3.6.4), not Guichet's own acknowledgement sent after it; References carries
/// the whole chain and ends with that parent, as the RFC builds it.
fn reply_threading(thread: Vec<(String, String)>) -> (Vec<String>, Vec<String>) {
    let parent = thread
        .iter()
        .rposition(|(_, dir)| dir == "in")
        .or_else(|| thread.len().checked_sub(1));
    let Some(p) = parent else {
        return (vec![], vec![]);
    };
    let parent_key = thread[p].0.clone();
    let mut refs: Vec<String> = thread
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != p)
        .map(|(_, (k, _))| k)
        .collect();
    refs.push(parent_key.clone());
    (vec![parent_key], refs)
}

#[cfg(test)]
mod threading_tests {
    use super::reply_threading;

    fn t(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_reply_answers_the_customers_latest_message_not_the_acknowledgement() {
        let (irt, refs) = reply_threading(t(&[("q1", "in"), ("ack", "out")]));
        assert_eq!(irt, ["q1"]);
        assert_eq!(refs, ["ack", "q1"]);
        let (irt, refs) = reply_threading(t(&[
            ("q1", "in"),
            ("ack", "out"),
            ("r1", "out"),
            ("q2", "in"),
        ]));
        assert_eq!(irt, ["q2"]);
        assert_eq!(refs, ["q1", "ack", "r1", "q2"]);
        // A case opened by an agent: the thread so far is ours.
        let (irt, _) = reply_threading(t(&[("o1", "out"), ("o2", "out")]));
        assert_eq!(irt, ["o2"]);
        assert_eq!(reply_threading(vec![]), (vec![], vec![]));
    }
}

/// Why a public reply does not leave by email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSent {
    /// No active mailbox to send from.
    NoMailbox,
    /// The customer has no email address (a phone-only customer).
    NoEmail,
    /// Every address of the customer refuses our mail (a bounce, a permanent refusal).
    AddressFailing {
        address: String,
        reason: Option<String>,
    },
    /// The customer's address is our own mailbox (a loop).
    OwnAddress(String),
}

impl NotSent {
    /// The code kept on the outbox row and shown translated (`not-sent-<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            NotSent::NoMailbox => "no_mailbox",
            NotSent::NoEmail => "no_email",
            NotSent::AddressFailing { .. } => "address_failing",
            NotSent::OwnAddress(_) => "own_address",
        }
    }
    pub fn address(&self) -> Option<&str> {
        match self {
            NotSent::AddressFailing { address, .. } | NotSent::OwnAddress(address) => Some(address),
            _ => None,
        }
    }
}

/// What happens to a public reply on a case, as the case page says before sending.
#[derive(Debug, Clone)]
pub struct ReplyRoute {
    pub to: Option<String>,
    pub from: Option<String>,
    pub not_sent: Option<NotSent>,
    /// An outbound relay is configured (else the mail waits in the outbox).
    pub relay: bool,
}

/// The delivery state of one outbound message.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// queued | sent | failed | not_sent
    pub state: String,
    pub recipient: String,
    /// The server's answer (failed, or the last temporary failure of a queued mail), or the
    /// `NotSent` code.
    pub error: Option<String>,
    pub attempts: i64,
    pub at: i64,
}

enum Route {
    Send {
        mailbox: Box<MailboxRow>,
        to: String,
    },
    NotSent(NotSent),
}

/// The mailbox a case's mail goes out through: the one it came in by, else its team's,
/// else the first active one.
fn pick_mailbox(
    boxes: &[MailboxRow],
    via: Option<i64>,
    team_id: Option<i64>,
) -> Option<&MailboxRow> {
    via.and_then(|id| boxes.iter().find(|b| b.id == id))
        .or_else(|| {
            boxes
                .iter()
                .find(|b| b.active && b.team_id.is_some() && b.team_id == team_id)
        })
        .or_else(|| boxes.iter().find(|b| b.active))
}

/// The mailbox and the customer's first working address, or why there is none.
fn decide_route(
    boxes: &[MailboxRow],
    via: Option<i64>,
    team_id: Option<i64>,
    ids: &[store::IdentityRow],
) -> Route {
    // The customer's side first: no address is the answer whatever the setup.
    let emails: Vec<&store::IdentityRow> = ids.iter().filter(|i| i.kind == "email").collect();
    let Some(first) = emails.first() else {
        return Route::NotSent(NotSent::NoEmail);
    };
    let Some(to) = emails.iter().find(|i| !i.failing) else {
        return Route::NotSent(NotSent::AddressFailing {
            address: first.value.clone(),
            reason: first.failing_reason.clone(),
        });
    };
    let Some(mailbox) = pick_mailbox(boxes, via, team_id) else {
        return Route::NotSent(NotSent::NoMailbox);
    };
    if mailbox.address == mail::thread::base_address(&to.value) {
        return Route::NotSent(NotSent::OwnAddress(to.value.clone()));
    }
    Route::Send {
        mailbox: Box::new(mailbox.clone()),
        to: to.value.clone(),
    }
}
