//! The clock engine inside every case write (B3), the durable job that fires warnings,
//! breaches and "unacceptable" escalations (B4), and attainment against targets.
//!
//! A case write hands its clock events to `plan_clocks` before writing the case row: it
//! moves the case's clock instances (domain `step`), recomputes deadlines, and sets
//! `next_due_at`; `write_clocks` then stores the changed instances and (re)schedules the
//! case's one `case_clocks` job in the same transaction.

use crate::model;
use crate::standards::{LoadedStandard, Snapshot};
use crate::{Actor, App, AppError, Result};
use domain::standards::{
    self as st, CaseFacts, ClockEvent, ClockInstance, ClockState, Fired, Metric,
};
use domain::{Channel, Kind, Priority, Role, Status};
use std::sync::Arc;
use store::{CaseRow, ClockRow, NewEvent, Tx};

pub(crate) const JOB_KIND: &str = "case_clocks";

fn job_key(case_id: i64) -> String {
    format!("{JOB_KIND}:{case_id}")
}

/// One stored instance with what the engine made of it.
#[derive(Debug, Clone)]
struct Slot {
    row: Option<ClockRow>,
    standard_id: i64,
    metric: Metric,
    inst: ClockInstance,
    fired: Fired,
}

/// The clock writes of one case write.
#[derive(Debug, Default)]
pub(crate) struct ClockPlan {
    slots: Vec<Slot>,
    /// Next action time before and after the write (job to move when they differ).
    next_before: Option<i64>,
    next_after: Option<i64>,
    /// Write the job row even when the time did not change, and every clock row (the
    /// runner changed them before planning).
    force_job: bool,
}

fn instance_of(r: &ClockRow) -> ClockInstance {
    let pauses: Vec<(i64, Option<i64>)> = serde_json::from_str(&r.pauses).unwrap_or_default();
    ClockInstance {
        instance: r.instance,
        state: r.state.parse().unwrap_or(ClockState::Cancelled),
        started_at: r.started_at,
        running_since: r.running_since,
        elapsed_ms: r.elapsed_ms,
        pauses,
        due_at: r.due_at,
        warn_at: r.warn_at,
        unacceptable_at: r.unacceptable_at,
        target_at: r.target_at,
        fulfilled_at: r.fulfilled_at,
        breached_at: r.breached_at,
    }
}

fn fired_of(r: &ClockRow) -> Fired {
    Fired {
        warning: r.warning_fired_at.is_some(),
        breach: r.breach_fired_at.is_some(),
        unacceptable: r.unacceptable_fired_at.is_some(),
    }
}

fn next_action(slots: &[Slot]) -> Option<i64> {
    slots
        .iter()
        .filter_map(|s| s.inst.next_action(s.fired))
        .min()
}

fn status_of(s: &str) -> Status {
    s.parse().unwrap_or(Status::Open)
}

/// Events that rebuild a case's clocks from its history (when a standard starts to
/// apply to an existing case).
fn replay_events(case: &CaseRow, history: &[store::HistoryItem], before: i64) -> Vec<ClockEvent> {
    let mut evs = vec![ClockEvent::Created {
        at: case.received_at,
        status: Status::New,
    }];
    let mut answered = false;
    let mut first_message = true;
    for h in history.iter().filter(|h| h.at_ms < before) {
        if h.what == "message" {
            // The first message is the case's own description, not a reply.
            if first_message {
                first_message = false;
                continue;
            }
            let from_customer = h.author_role.as_deref() == Some(Role::EndUser.as_str());
            let public = h.public.unwrap_or(false);
            let automatic = h.automatic.unwrap_or(false);
            evs.push(ClockEvent::Message {
                at: h.at_ms,
                from_customer,
                public,
                automatic,
                answered,
            });
            answered |= !from_customer && public && !automatic;
        } else {
            let (Some(from), Some(to)) = (
                h.old_value.as_deref().and_then(|s| s.parse().ok()),
                h.new_value.as_deref().and_then(|s| s.parse().ok()),
            ) else {
                continue;
            };
            answered |= matches!(from, Status::Solved);
            evs.push(ClockEvent::Status {
                at: h.at_ms,
                from,
                to,
            });
        }
    }
    if let Some(p) = case.promised_at {
        evs.push(ClockEvent::Promise {
            at: case.received_at,
            date: Some(p),
        });
    }
    if let Some(f) = case.follow_up_at {
        evs.push(ClockEvent::FollowUp {
            at: case.received_at,
            date: Some(f),
        });
    }
    if let Some(d) = case.follow_up_done_at.filter(|d| *d < before) {
        evs.push(ClockEvent::FollowUpDone { at: d });
    }
    if let Some(d) = case.complaint_resolved_at.filter(|d| *d < before) {
        evs.push(ClockEvent::ComplaintResolved { at: d });
    }
    evs.sort_by_key(ClockEvent::at);
    evs
}

impl App {
    /// Move the clocks of `case` (already changed in memory, not yet written) for
    /// `events`, and set its `next_due_at`. `new_case`: the case is being created.
    pub(crate) async fn plan_clocks(
        &self,
        tx: &mut Tx,
        case: &mut CaseRow,
        events: &[ClockEvent],
        new_case: bool,
        now: i64,
    ) -> Result<ClockPlan> {
        // Callers refreshed the cache before their transaction; here any cached snapshot
        // will do, so this write never needs a second pool connection.
        let snap = self.cached_standards().await?;
        if !snap.any_ever {
            // No standard was ever defined: no case has clocks.
            return Ok(ClockPlan::default());
        }
        let rows = if new_case {
            vec![]
        } else {
            tx.clocks_of_case_in_tx(case.id).await?
        };
        self.plan_with_rows(tx, &snap, case, rows, events, new_case, now)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn plan_with_rows(
        &self,
        tx: &mut Tx,
        snap: &Snapshot,
        case: &mut CaseRow,
        rows: Vec<ClockRow>,
        events: &[ClockEvent],
        new_case: bool,
        now: i64,
    ) -> Result<ClockPlan> {
        let mut slots: Vec<Slot> = rows
            .into_iter()
            .map(|r| Slot {
                standard_id: r.standard_id,
                metric: r.metric.parse().unwrap_or(Metric::FirstResponse),
                inst: instance_of(&r),
                fired: fired_of(&r),
                row: Some(r),
            })
            .collect();
        let next_before = next_action(&slots);
        let status = status_of(&case.status);
        let cats = snap.category_chain(case.category_id);
        let tags: Vec<&str> = case.tags.split_whitespace().collect();
        let facts = CaseFacts {
            channel: case.channel.parse().unwrap_or(Channel::Api),
            team_id: case.team_id,
            categories: &cats,
            priority: case.priority.as_deref().and_then(|p| p.parse().ok()),
            kind: case.kind.parse().unwrap_or(Kind::Question),
            tags: &tags,
        };
        let live = case.deleted_at.is_none() && case.merged_into_id.is_none();
        let mut history: Option<Vec<store::HistoryItem>> = None;

        // Stopped or deleted standards: their open clocks end.
        for s in slots.iter_mut() {
            if snap.get(s.standard_id).is_none() && s.inst.state.is_open() {
                s.inst.cancel(None, now);
            }
        }
        for std in &snap.standards {
            let applies = live && std.def.scope.matches(&facts);
            let mut mine: Vec<ClockInstance> = slots
                .iter()
                .filter(|s| s.standard_id == std.row.id)
                .map(|s| s.inst.clone())
                .collect();
            if !applies {
                for c in mine.iter_mut() {
                    c.cancel(Some(&std.calendar), now);
                }
            } else if mine.is_empty() && !new_case {
                // The standard starts to apply: rebuild from the case's history.
                if history.is_none() {
                    history = Some(tx.case_history(case.id).await?);
                }
                let hist = history.as_deref().unwrap_or_default();
                let mut evs = replay_events(case, hist, now);
                evs.extend(
                    events
                        .iter()
                        .filter(|e| !matches!(e, ClockEvent::Created { .. }))
                        .cloned(),
                );
                run(std, &mut mine, &evs, status);
            } else {
                run(std, &mut mine, events, status);
            }
            for c in mine.iter_mut() {
                st::refresh(&std.def, &std.calendar, c);
            }
            merge_back(&mut slots, std, mine);
        }
        // Deadlines visible on the case: the earliest open one (inbox order).
        let earliest = slots
            .iter()
            .filter(|s| s.inst.state == ClockState::Active)
            .filter_map(|s| s.inst.due_at)
            .min();
        case.next_due_at = match (case.due_at, earliest) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap_or(i64::MAX),
        };
        let next_after = next_action(&slots);
        Ok(ClockPlan {
            slots,
            next_before,
            next_after,
            force_job: false,
        })
    }

    /// Store what `plan_clocks` decided, after the case row exists.
    pub(crate) async fn write_clocks(
        &self,
        tx: &mut Tx,
        case: &CaseRow,
        plan: ClockPlan,
        now: i64,
    ) -> Result<()> {
        let changed: Vec<ClockRow> = plan
            .slots
            .iter()
            .map(|s| (to_row(case, s, now), s.row.as_ref()))
            .filter(|(row, old)| match old {
                None => true,
                Some(old) => {
                    let mut cmp = row.clone();
                    cmp.updated_at = old.updated_at;
                    plan.force_job || &cmp != *old
                }
            })
            .map(|(row, _)| row)
            .collect();
        if !changed.is_empty() {
            tx.upsert_clocks(&changed).await?;
        }
        if plan.force_job || plan.next_before != plan.next_after {
            let key = job_key(case.id);
            match plan.next_after {
                Some(at) => tx.upsert_job(JOB_KIND, &key, at, "{}", now).await?,
                None => tx.delete_job(&key).await?,
            }
        }
        Ok(())
    }

    /// Clock instances of a case, for the API (B3).
    pub async fn case_clocks(&self, actor: &Actor, case_id: i64) -> Result<Vec<ClockView>> {
        let case = self.get_case(actor, case_id).await?;
        actor.require_staff()?;
        let snap = self.standards_snapshot().await?;
        let now = self.now_ms();
        let mut out = Vec::new();
        for r in self.store.clocks_of_case(case.id).await? {
            let inst = instance_of(&r);
            let std = match snap.get(r.standard_id) {
                Some(s) => Some(s.clone()),
                None => self
                    .store
                    .standard(r.standard_id)
                    .await?
                    .and_then(|row| loaded_without_calendar(row).ok()),
            };
            let (business, calendar) = match &std {
                Some(s) => (
                    inst.elapsed_business(&s.calendar, inst.fulfilled_at.unwrap_or(now)),
                    inst.elapsed_calendar(now),
                ),
                None => (inst.elapsed_ms, inst.elapsed_calendar(now)),
            };
            out.push(ClockView {
                breached: inst.breached_at.is_some()
                    || (inst.state == ClockState::Active && inst.due_at.is_some_and(|d| d <= now)),
                elapsed_business_ms: business,
                elapsed_calendar_ms: calendar,
                standard_name: std.as_ref().map(|s| s.row.name.clone()),
                row: r.into(),
                inst,
            });
        }
        Ok(out)
    }

    // ---------- the durable job ----------

    /// Run the jobs that are due; returns how many ran. Safe on many nodes at once.
    pub async fn run_due_jobs(&self, limit: i64) -> Result<usize> {
        let now = self.now_ms();
        let due = self.store.due_job_keys(now, limit).await?;
        let mut done = 0;
        for (kind, key) in due {
            let r = match kind.as_str() {
                JOB_KIND => self.fire_case_clocks(&key, now).await,
                crate::chat::IDLE_JOB => self.end_idle_chat(&key, now).await,
                other => Err(AppError::Internal(format!("unknown job kind {other}"))),
            };
            match r {
                Ok(true) => done += 1,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(job = %key, error = %e, "job failed; retrying later");
                    self.job_failed(&key, &e.to_string(), now).await?;
                }
            }
        }
        Ok(done)
    }

    async fn job_failed(&self, key: &str, error: &str, now: i64) -> Result<()> {
        let Some(job) = self.store.job_by_key(key).await? else {
            return Ok(());
        };
        // Exponential backoff: 30 s, 1 min, 2 min … capped at one hour.
        let delay = 30_000i64 << job.attempts.clamp(0, 7);
        let mut tx = self.store.begin().await?;
        tx.job_failed(job.id, error, now + delay.min(3_600_000), now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Fire what is due on one case's clocks: warning, breach, unacceptable — each once.
    async fn fire_case_clocks(&self, key: &str, now: i64) -> Result<bool> {
        let case_id: i64 = key
            .strip_prefix("case_clocks:")
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| AppError::Internal(format!("bad job key {key}")))?;
        let snap = self.standards_snapshot().await?;
        let mut tx = self.store.begin().await?;
        // Lock order: case, then job (a case write takes the same order).
        let case = tx.case_for_update(case_id).await?;
        let Some(_job) = tx.claim_job(key, now).await? else {
            tx.rollback().await?;
            return Ok(false);
        };
        let Some(mut case) = case else {
            tx.delete_job(key).await?;
            tx.commit().await?;
            return Ok(true);
        };
        let mut rows = tx.clocks_of_case_in_tx(case_id).await?;
        let mut events: Vec<NewEvent> = Vec::new();
        let mut notes: Vec<(Vec<i64>, &'static str, i64, String)> = Vec::new();
        let before = case.clone();
        for r in rows.iter_mut() {
            let state: ClockState = r.state.parse().unwrap_or(ClockState::Cancelled);
            if state != ClockState::Active {
                continue;
            }
            let Some(std) = snap.get(r.standard_id) else {
                continue;
            };
            let detail = serde_json::json!({
                "standard": std.row.name, "metric": std.row.metric, "clock_id": r.id,
                "due_at": r.due_at,
            })
            .to_string();
            if r.warning_fired_at.is_none() && r.warn_at.is_some_and(|w| w <= now) {
                r.warning_fired_at = Some(now);
                if r.due_at.is_none_or(|d| d > now) {
                    events.push(clock_event("standard_warning", std));
                    notes.push((
                        self.recipients(&mut tx, &case, std, false).await?,
                        "standard_warning",
                        std.row.id,
                        detail.clone(),
                    ));
                }
            }
            if r.breach_fired_at.is_none() && r.due_at.is_some_and(|d| d <= now) {
                r.breach_fired_at = Some(now);
                r.warning_fired_at.get_or_insert(now);
                r.breached_at = r.breached_at.or(r.due_at);
                events.push(clock_event("standard_breached", std));
                notes.push((
                    self.recipients(&mut tx, &case, std, false).await?,
                    "standard_breached",
                    std.row.id,
                    detail.clone(),
                ));
                if std.actions.raise_priority {
                    let up = match case.priority.as_deref().and_then(|p| p.parse().ok()) {
                        None | Some(Priority::Low) => Priority::Normal,
                        Some(Priority::Normal) => Priority::High,
                        Some(_) => Priority::Urgent,
                    };
                    case.priority = Some(up.as_str().into());
                }
                if let Some(t) = std.actions.reassign_team_id
                    && case.team_id != Some(t)
                {
                    case.team_id = Some(t);
                    case.assignee_id = None;
                }
            }
            if r.unacceptable_fired_at.is_none() && r.unacceptable_at.is_some_and(|u| u <= now) {
                r.unacceptable_fired_at = Some(now);
                events.push(clock_event("standard_unacceptable", std));
                notes.push((
                    self.recipients(&mut tx, &case, std, true).await?,
                    "standard_unacceptable",
                    std.row.id,
                    detail.clone(),
                ));
            }
        }
        let mut changed = false;
        let mut change = |field: &'static str, old: Option<String>, new: Option<String>| {
            if old != new {
                changed = true;
                events.push(NewEvent {
                    kind: "field_changed",
                    field: Some(field),
                    old_value: old,
                    new_value: new,
                });
            }
        };
        change("priority", before.priority.clone(), case.priority.clone());
        change(
            "group_id",
            before.team_id.map(|x| x.to_string()),
            case.team_id.map(|x| x.to_string()),
        );
        change(
            "assignee_id",
            before.assignee_id.map(|x| x.to_string()),
            case.assignee_id.map(|x| x.to_string()),
        );
        let mut plan = self
            .plan_with_rows(&mut tx, &snap, &mut case, rows, &[], false, now)
            .await?;
        plan.force_job = true;
        if changed || case.next_due_at != before.next_due_at {
            if changed {
                case.updated_at = now;
            }
            tx.update_case(&case).await?;
        }
        self.write_clocks(&mut tx, &case, plan, now).await?;
        if !events.is_empty() {
            tx.insert_events(case.id, None, now, &events).await?;
        }
        for (users, kind, standard_id, detail) in notes {
            tx.insert_notifications(&users, kind, Some(case.id), Some(standard_id), &detail, now)
                .await?;
            let name = serde_json::from_str::<serde_json::Value>(&detail)
                .ok()
                .and_then(|v| v["standard"].as_str().map(str::to_string));
            self.queue_agent_notice(&mut tx, &users, kind, &case, name.as_deref(), now)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Who hears about a clock: the assignee and the team's supervisors; on
    /// "unacceptable", management too.
    async fn recipients(
        &self,
        tx: &mut Tx,
        case: &CaseRow,
        std: &LoadedStandard,
        management: bool,
    ) -> Result<Vec<i64>> {
        let mut out: Vec<i64> = case.assignee_id.into_iter().collect();
        if let Some(t) = case.team_id {
            out.extend(
                tx.team_members_with_role(t, Role::Supervisor.as_str())
                    .await?,
            );
        }
        if management {
            if std.actions.management_user_ids.is_empty() {
                out.extend(tx.users_with_role_in_tx(Role::Admin.as_str()).await?);
            } else {
                out.extend(std.actions.management_user_ids.iter().copied());
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    // ---------- attainment (B4) ----------

    pub async fn attainment(
        &self,
        actor: &Actor,
        standard_id: i64,
        window: Window,
        group: model::Grouping,
    ) -> Result<Attainment> {
        actor.require_staff()?;
        let std = self
            .store
            .standard(standard_id)
            .await?
            .ok_or(AppError::NotFound("standard"))?;
        let now = self.now_ms();
        let (from, to) = window.range(now);
        let done = self
            .store
            .attainment_counts(standard_id, from, to, group.into())
            .await?;
        // Open clocks matter only for a window that reaches the present.
        let open = if to >= now {
            self.store
                .open_clock_counts(standard_id, now, group.into())
                .await?
        } else {
            vec![]
        };
        let target = std.target_percent;
        let mut keys: Vec<Option<i64>> = done
            .iter()
            .map(|d| d.group_id)
            .chain(open.iter().map(|o| o.group_id))
            .collect();
        keys.sort();
        keys.dedup();
        let mut groups = Vec::new();
        for k in keys {
            let d = done
                .iter()
                .find(|d| d.group_id == k)
                .cloned()
                .unwrap_or_default();
            let o = open
                .iter()
                .find(|o| o.group_id == k)
                .cloned()
                .unwrap_or_default();
            groups.push(Share::new(k, target, d.achieved, d.breached, &o));
        }
        let total = groups
            .iter()
            .fold(Share::empty(target), |acc, g| acc.add(g));
        Ok(Attainment {
            standard: std.into(),
            from,
            to,
            total,
            groups: if group == model::Grouping::All {
                vec![]
            } else {
                groups
            },
        })
    }
}

fn run(std: &LoadedStandard, mine: &mut Vec<ClockInstance>, evs: &[ClockEvent], status: Status) {
    for e in evs {
        st::step(&std.def, &std.calendar, mine, e, status);
    }
}

/// Put a standard's instances back among the slots (changed ones in place, new ones added).
fn merge_back(slots: &mut Vec<Slot>, std: &LoadedStandard, mine: Vec<ClockInstance>) {
    for inst in mine {
        match slots
            .iter_mut()
            .find(|s| s.standard_id == std.row.id && s.inst.instance == inst.instance)
        {
            Some(s) => s.inst = inst,
            None => slots.push(Slot {
                row: None,
                standard_id: std.row.id,
                metric: std.def.metric,
                inst,
                fired: Fired::default(),
            }),
        }
    }
}

fn to_row(case: &CaseRow, s: &Slot, now: i64) -> ClockRow {
    let old = s.row.as_ref();
    let open = s.inst.state.is_open();
    ClockRow {
        id: old.map(|o| o.id).unwrap_or(0),
        case_id: case.id,
        standard_id: s.standard_id,
        instance: s.inst.instance,
        metric: s.metric.as_str().into(),
        state: s.inst.state.as_str().into(),
        started_at: s.inst.started_at,
        running_since: s.inst.running_since,
        elapsed_ms: s.inst.elapsed_ms,
        pauses: serde_json::to_string(&s.inst.pauses).unwrap_or_else(|_| "[]".into()),
        due_at: s.inst.due_at,
        warn_at: s.inst.warn_at,
        unacceptable_at: s.inst.unacceptable_at,
        target_at: s.inst.target_at,
        fulfilled_at: s.inst.fulfilled_at,
        breached_at: s.inst.breached_at,
        warning_fired_at: old.and_then(|o| o.warning_fired_at),
        breach_fired_at: old.and_then(|o| o.breach_fired_at),
        unacceptable_fired_at: old.and_then(|o| o.unacceptable_fired_at),
        // Who owned the case when the clock finished stays with the clock (attainment per
        // team and agent).
        team_id: if open || old.is_none() {
            case.team_id
        } else {
            old.and_then(|o| o.team_id)
        },
        assignee_id: if open || old.is_none() {
            case.assignee_id
        } else {
            old.and_then(|o| o.assignee_id)
        },
        updated_at: now,
    }
}

fn clock_event(kind: &'static str, std: &LoadedStandard) -> NewEvent {
    NewEvent {
        kind,
        field: Some("standard"),
        old_value: None,
        new_value: Some(std.row.id.to_string()),
    }
}

fn loaded_without_calendar(row: store::StandardRow) -> Result<LoadedStandard> {
    let (def, actions) = crate::standards::standard_def(&row)?;
    Ok(LoadedStandard {
        row: row.into(),
        def,
        actions,
        calendar: Arc::new(domain::calendar::Calendar::always()),
    })
}

/// A clock instance for display.
#[derive(Debug, Clone)]
pub struct ClockView {
    pub row: model::Clock,
    pub inst: ClockInstance,
    pub standard_name: Option<String>,
    pub elapsed_business_ms: i64,
    pub elapsed_calendar_ms: i64,
    pub breached: bool,
}

/// The period attainment is measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Day,
    Week,
    Month,
    Range { from: i64, to: i64 },
}

impl Window {
    pub fn range(self, now: i64) -> (i64, i64) {
        const DAY: i64 = 86_400_000;
        match self {
            Window::Day => (now - DAY, now + 1),
            Window::Week => (now - 7 * DAY, now + 1),
            Window::Month => (now - 30 * DAY, now + 1),
            Window::Range { from, to } => (from, to),
        }
    }
}

/// Attainment of one group (or of everyone).
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub group_id: Option<i64>,
    pub target_percent: f64,
    pub achieved: i64,
    pub breached: i64,
    /// Achieved / finished, in percent; None before any instance finished.
    pub share: Option<f64>,
    pub open: i64,
    /// Open and already past their deadline.
    pub overdue: i64,
    /// Open, past their warning point, not yet due.
    pub warning: i64,
    /// Share if every open clock ends as it heads now: overdue and warned ones breached,
    /// the others achieved.
    pub projected: Option<f64>,
    /// Below target now, or would be if the overdue and warned clocks breach.
    pub at_risk: bool,
    pub below_target: bool,
}

fn pct(a: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| a as f64 * 100.0 / n as f64)
}

impl Share {
    fn new(
        group_id: Option<i64>,
        target: f64,
        achieved: i64,
        breached: i64,
        o: &store::OpenCounts,
    ) -> Share {
        let share = pct(achieved, achieved + breached);
        let worst = pct(achieved, achieved + breached + o.overdue + o.at_risk);
        let projected = pct(
            achieved + o.open - o.overdue - o.at_risk,
            achieved + breached + o.open,
        );
        let below = share.is_some_and(|s| s < target);
        Share {
            group_id,
            target_percent: target,
            achieved,
            breached,
            share,
            open: o.open,
            overdue: o.overdue,
            warning: o.at_risk,
            projected,
            at_risk: below || worst.is_some_and(|w| w < target),
            below_target: below,
        }
    }

    fn empty(target: f64) -> Share {
        Share::new(None, target, 0, 0, &store::OpenCounts::default())
    }

    fn add(&self, g: &Share) -> Share {
        let o = store::OpenCounts {
            group_id: None,
            open: self.open + g.open,
            overdue: self.overdue + g.overdue,
            at_risk: self.warning + g.warning,
        };
        Share::new(
            None,
            self.target_percent,
            self.achieved + g.achieved,
            self.breached + g.breached,
            &o,
        )
    }
}

#[derive(Debug, Clone)]
pub struct Attainment {
    pub standard: model::Standard,
    pub from: i64,
    pub to: i64,
    pub total: Share,
    pub groups: Vec<Share>,
}
