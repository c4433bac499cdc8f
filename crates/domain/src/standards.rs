//! Service standards (B1) and their per-case clocks (B2, B3) as a pure state machine: a
//! standard says which cases it covers and how fast; `step` moves a case's clock instances
//! for one case event; `refresh` recomputes their deadlines in the standard's calendar.
//! Instants are UTC milliseconds, as stored.

use crate::calendar::Calendar;
use crate::{Channel, Kind, Priority, Status};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

pub type Ms = i64;

crate::enums::wire_enum!(
    /// What a standard measures (B2). Chat wait, call answer, CSAT and CES are added by the
    /// issues that bring those channels.
    Metric {
        FirstResponse = "first_response",
        NextResponse = "next_response",
        PeriodicUpdate = "periodic_update",
        Resolution = "resolution",
        CustomerWait = "customer_wait",
        AgentWork = "agent_work",
        PromiseKept = "promise_kept",
        FollowUp = "follow_up"
    }
);

crate::enums::wire_enum!(
    /// The state of one clock instance. `Active`/`Paused` are open; `Achieved`/`Breached`
    /// are final; `Cancelled` means the standard stopped applying to the case (excluded from
    /// attainment).
    ClockState { Active = "active", Paused = "paused", Achieved = "achieved", Breached = "breached", Cancelled = "cancelled" }
);

impl ClockState {
    pub fn is_open(self) -> bool {
        matches!(self, ClockState::Active | ClockState::Paused)
    }
}

impl Metric {
    /// Zendesk's SLA metric name, where one exists.
    pub fn zendesk_name(self) -> Option<&'static str> {
        Some(match self {
            Metric::FirstResponse => "first_reply_time",
            Metric::NextResponse => "next_reply_time",
            Metric::PeriodicUpdate => "periodic_update_time",
            Metric::Resolution => "total_resolution_time",
            Metric::CustomerWait => "requester_wait_time",
            Metric::AgentWork => "agent_work_time",
            Metric::PromiseKept | Metric::FollowUp => return None,
        })
    }

    /// Measured against a threshold of elapsed time; the others against a date set on the
    /// case (the promised solution date, the follow-up date).
    pub fn has_threshold(self) -> bool {
        !matches!(self, Metric::PromiseKept | Metric::FollowUp)
    }

    /// Statuses in which this metric's clock stands still.
    pub fn paused_in(self, s: Status) -> bool {
        match self {
            Metric::CustomerWait => s == Status::Pending,
            Metric::AgentWork => matches!(s, Status::Pending | Status::Hold),
            _ => false,
        }
    }

    /// Metrics that run until the case is solved (and run again when it reopens).
    fn until_solved(self) -> bool {
        matches!(
            self,
            Metric::Resolution | Metric::CustomerWait | Metric::AgentWork
        )
    }
}

/// Which cases a standard covers; an empty list means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scope {
    pub channels: Vec<Channel>,
    pub team_ids: Vec<i64>,
    pub category_ids: Vec<i64>,
    pub priorities: Vec<Priority>,
    pub kinds: Vec<Kind>,
    /// The case carries at least one of these tags.
    pub tags: Vec<String>,
}

/// The facts of a case a scope looks at.
#[derive(Debug, Clone)]
pub struct CaseFacts<'a> {
    pub channel: Channel,
    pub team_id: Option<i64>,
    /// The case's category and its ancestors (a standard on a category covers its
    /// subcategories).
    pub categories: &'a [i64],
    pub priority: Option<Priority>,
    pub kind: Kind,
    pub tags: &'a [&'a str],
}

impl Scope {
    pub fn matches(&self, f: &CaseFacts<'_>) -> bool {
        fn any<T: PartialEq>(list: &[T], v: Option<&T>) -> bool {
            list.is_empty() || v.is_some_and(|v| list.contains(v))
        }
        any(&self.channels, Some(&f.channel))
            && any(&self.team_ids, f.team_id.as_ref())
            && (self.category_ids.is_empty()
                || f.categories.iter().any(|c| self.category_ids.contains(c)))
            // A case without a priority is treated as normal, as Zendesk does.
            && any(&self.priorities, Some(&f.priority.unwrap_or(Priority::Normal)))
            && any(&self.kinds, Some(&f.kind))
            && (self.tags.is_empty() || f.tags.iter().any(|t| self.tags.iter().any(|s| s == t)))
    }
}

/// What happens when a clock reaches its warning point, its threshold, its unacceptable
/// threshold (B4). Notifications to the assignee and the team's supervisors always happen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Actions {
    /// On breach, raise the case's priority one step.
    pub raise_priority: bool,
    /// On breach, move the case to this team (and unassign it).
    pub reassign_team_id: Option<i64>,
    /// Notified on "unacceptable"; empty means every administrator (seed 002: management
    /// involved quickly).
    pub management_user_ids: Vec<i64>,
}

/// A standard as the clock engine needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct StandardDef {
    pub id: i64,
    pub metric: Metric,
    pub scope: Scope,
    /// Threshold in minutes (ignored by date-based metrics).
    pub threshold_minutes: i64,
    /// Minutes past which the wait is unacceptable; for date-based metrics, minutes of
    /// lateness past the date.
    pub unacceptable_minutes: Option<i64>,
    /// Percentage of the threshold after which the clock warns (e.g. 75).
    pub warn_percent: i64,
}

/// One clock instance of one standard on one case (B3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockInstance {
    /// 1 for the first instance; recurring metrics number their next instances.
    pub instance: i32,
    pub state: ClockState,
    pub started_at: Ms,
    /// While active: since when the clock runs (the start, or the end of the last pause).
    pub running_since: Option<Ms>,
    /// Business time counted before `running_since`.
    pub elapsed_ms: i64,
    /// Spans during which the clock stood still; the last may be open (`None` end).
    pub pauses: Vec<(Ms, Option<Ms>)>,
    pub due_at: Option<Ms>,
    pub warn_at: Option<Ms>,
    pub unacceptable_at: Option<Ms>,
    /// Date-based metrics: the date to keep.
    pub target_at: Option<Ms>,
    pub fulfilled_at: Option<Ms>,
    /// Set when the deadline passed unfulfilled; never cleared.
    pub breached_at: Option<Ms>,
}

impl ClockInstance {
    fn start(instance: i32, at: Ms, paused: bool) -> Self {
        ClockInstance {
            instance,
            state: if paused {
                ClockState::Paused
            } else {
                ClockState::Active
            },
            started_at: at,
            running_since: (!paused).then_some(at),
            elapsed_ms: 0,
            pauses: if paused { vec![(at, None)] } else { vec![] },
            due_at: None,
            warn_at: None,
            unacceptable_at: None,
            target_at: None,
            fulfilled_at: None,
            breached_at: None,
        }
    }

    /// Business time counted up to `now` (or to the fulfilment).
    pub fn elapsed_business(&self, cal: &Calendar, now: Ms) -> i64 {
        match self.running_since {
            Some(r) => self.elapsed_ms + between(cal, r, now),
            None => self.elapsed_ms,
        }
    }

    /// Calendar time from the start to `now` (or the fulfilment), pauses excluded.
    pub fn elapsed_calendar(&self, now: Ms) -> i64 {
        let end = self.fulfilled_at.unwrap_or(now);
        let paused: i64 = self
            .pauses
            .iter()
            .map(|(a, b)| b.unwrap_or(end).min(end) - a.min(&end))
            .sum();
        (end - self.started_at - paused).max(0)
    }

    /// The earliest action time not yet reached as of `fired`: the warning, the breach,
    /// the unacceptable point; `None` when nothing is left to fire.
    pub fn next_action(&self, fired: Fired) -> Option<Ms> {
        if !self.state.is_open() || self.state == ClockState::Paused {
            return None;
        }
        [
            (!fired.warning).then_some(self.warn_at).flatten(),
            (!fired.breach).then_some(self.due_at).flatten(),
            (!fired.unacceptable)
                .then_some(self.unacceptable_at)
                .flatten(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn pause(&mut self, cal: &Calendar, at: Ms) {
        if self.state != ClockState::Active {
            return;
        }
        self.note_breach(at);
        self.elapsed_ms = self.elapsed_business(cal, at);
        self.running_since = None;
        self.pauses.push((at, None));
        self.state = ClockState::Paused;
    }

    fn resume(&mut self, at: Ms) {
        if self.state != ClockState::Paused {
            return;
        }
        if let Some(last) = self.pauses.last_mut()
            && last.1.is_none()
        {
            last.1 = Some(at);
        }
        self.running_since = Some(at);
        self.state = ClockState::Active;
    }

    fn note_breach(&mut self, at: Ms) {
        if self.breached_at.is_none()
            && let Some(d) = self.due_at.filter(|d| *d < at)
        {
            self.breached_at = Some(d);
        }
    }

    fn fulfil(&mut self, def: &StandardDef, cal: &Calendar, at: Ms) {
        if !self.state.is_open() {
            return;
        }
        let breached = if def.metric.has_threshold() {
            self.elapsed_business(cal, at) > def.threshold_minutes * 60_000
        } else {
            self.target_at.is_some_and(|t| at > t)
        };
        if self.state == ClockState::Active {
            self.elapsed_ms = self.elapsed_business(cal, at);
        } else if let Some(last) = self.pauses.last_mut()
            && last.1.is_none()
        {
            last.1 = Some(at);
        }
        self.running_since = None;
        self.fulfilled_at = Some(at);
        if breached && self.breached_at.is_none() {
            self.breached_at = Some(self.due_at.unwrap_or(at).min(at));
        }
        self.state = if breached {
            ClockState::Breached
        } else {
            ClockState::Achieved
        };
    }

    /// A solved case reopens: the clock runs again, the solved span does not count.
    fn reopen(&mut self, solved_at: Ms, at: Ms, paused: bool) {
        if self.state.is_open() || self.state == ClockState::Cancelled {
            return;
        }
        self.fulfilled_at = None;
        self.pauses.push((solved_at.min(at), Some(at)));
        self.state = ClockState::Paused;
        if !paused {
            self.resume(at);
        } else {
            self.pauses.push((at, None));
        }
    }

    /// The standard no longer applies: the instance stops where it is and leaves
    /// attainment. With the standard's calendar, the running part is counted; without
    /// (the standard was stopped), what was counted before stays.
    pub fn cancel(&mut self, cal: Option<&Calendar>, at: Ms) {
        if !self.state.is_open() {
            return;
        }
        if let Some(cal) = cal {
            self.elapsed_ms = self.elapsed_business(cal, at);
        }
        if let Some(last) = self.pauses.last_mut()
            && last.1.is_none()
        {
            last.1 = Some(at);
        }
        self.running_since = None;
        self.fulfilled_at = Some(at);
        self.state = ClockState::Cancelled;
    }
}

/// Which actions already fired for a clock (stored beside it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fired {
    pub warning: bool,
    pub breach: bool,
    pub unacceptable: bool,
}

/// A case event, as the clocks see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockEvent {
    /// The case exists (at its reception time) in this status.
    Created {
        at: Ms,
        status: Status,
    },
    /// A message added after creation. Notes (`public: false`) and automatic messages never
    /// satisfy a response metric. `answered`: an agent had already replied publicly, or the
    /// case had been solved, before this message.
    Message {
        at: Ms,
        from_customer: bool,
        public: bool,
        automatic: bool,
        answered: bool,
    },
    Status {
        at: Ms,
        from: Status,
        to: Status,
    },
    /// The promised solution date was set, moved or removed (A2).
    Promise {
        at: Ms,
        date: Option<Ms>,
    },
    /// The follow-up date was set, moved or removed (A2).
    FollowUp {
        at: Ms,
        date: Option<Ms>,
    },
    FollowUpDone {
        at: Ms,
    },
    /// The complaint was marked resolved (A2): keeps a promise.
    ComplaintResolved {
        at: Ms,
    },
}

impl ClockEvent {
    pub fn at(&self) -> Ms {
        match self {
            ClockEvent::Created { at, .. }
            | ClockEvent::Message { at, .. }
            | ClockEvent::Status { at, .. }
            | ClockEvent::Promise { at, .. }
            | ClockEvent::FollowUp { at, .. }
            | ClockEvent::FollowUpDone { at }
            | ClockEvent::ComplaintResolved { at } => *at,
        }
    }
}

fn is_done(s: Status) -> bool {
    matches!(s, Status::Solved | Status::Closed)
}

fn open_mut(clocks: &mut [ClockInstance]) -> Option<&mut ClockInstance> {
    clocks.iter_mut().rev().find(|c| c.state.is_open())
}

fn next_instance(clocks: &[ClockInstance]) -> i32 {
    clocks.iter().map(|c| c.instance).max().unwrap_or(0) + 1
}

/// Apply one case event to the instances of one standard on one case. `status` is the
/// case's status after the event (used to start clocks paused).
pub fn step(
    def: &StandardDef,
    cal: &Calendar,
    clocks: &mut Vec<ClockInstance>,
    ev: &ClockEvent,
    status: Status,
) {
    let at = ev.at();
    let m = def.metric;
    match (m, ev) {
        (_, ClockEvent::Created { status: s, .. }) => {
            if !clocks.is_empty() {
                return;
            }
            match m {
                Metric::FirstResponse | Metric::PeriodicUpdate if !is_done(*s) => {
                    clocks.push(ClockInstance::start(1, at, false));
                }
                m if m.until_solved() => {
                    let mut c = ClockInstance::start(1, at, m.paused_in(*s));
                    if is_done(*s) {
                        c.fulfil(def, cal, at);
                    }
                    clocks.push(c);
                }
                _ => {}
            }
        }
        (
            Metric::FirstResponse | Metric::NextResponse | Metric::PeriodicUpdate,
            ClockEvent::Message {
                from_customer,
                public,
                automatic,
                answered,
                ..
            },
        ) => {
            if !*public || *automatic {
                return;
            }
            if *from_customer {
                // A customer message waiting for an answer starts a next-response instance,
                // unless one is already waiting or the first response is still due.
                if m == Metric::NextResponse && *answered && open_mut(clocks).is_none() {
                    let n = next_instance(clocks);
                    clocks.push(ClockInstance::start(n, at, false));
                }
                return;
            }
            if let Some(c) = open_mut(clocks) {
                c.fulfil(def, cal, at);
            }
            if m == Metric::PeriodicUpdate && !is_done(status) {
                let n = next_instance(clocks);
                clocks.push(ClockInstance::start(n, at, false));
            }
        }
        (_, ClockEvent::Status { from, to, .. }) => {
            let (from, to) = (*from, *to);
            if is_done(to) && !is_done(from) {
                // Solving answers the customer and ends every running measure.
                if let Some(c) = open_mut(clocks) {
                    if m == Metric::FollowUp {
                        return;
                    }
                    c.fulfil(def, cal, at);
                }
                return;
            }
            if is_done(from) && !is_done(to) {
                // Reopened (A3).
                match m {
                    m if m.until_solved() => {
                        let solved_at = clocks.last().and_then(|c| c.fulfilled_at).unwrap_or(at);
                        if let Some(c) = clocks.last_mut() {
                            c.reopen(solved_at, at, m.paused_in(to));
                        }
                    }
                    Metric::PeriodicUpdate if open_mut(clocks).is_none() => {
                        let n = next_instance(clocks);
                        clocks.push(ClockInstance::start(n, at, false));
                    }
                    _ => {}
                }
                return;
            }
            if m.until_solved()
                && let Some(c) = open_mut(clocks)
            {
                match (m.paused_in(from), m.paused_in(to)) {
                    (false, true) => c.pause(cal, at),
                    (true, false) => c.resume(at),
                    _ => {}
                }
            }
        }
        (Metric::PromiseKept, ClockEvent::Promise { date, .. })
        | (Metric::FollowUp, ClockEvent::FollowUp { date, .. }) => match date {
            Some(d) => match open_mut(clocks) {
                Some(c) => c.target_at = Some(*d),
                None if !is_done(status) || m == Metric::FollowUp => {
                    let n = next_instance(clocks);
                    let mut c = ClockInstance::start(n, at, false);
                    c.target_at = Some(*d);
                    clocks.push(c);
                }
                None => {}
            },
            None => {
                if let Some(c) = open_mut(clocks) {
                    c.cancel(Some(cal), at);
                }
            }
        },
        (Metric::PromiseKept, ClockEvent::ComplaintResolved { .. })
        | (Metric::FollowUp, ClockEvent::FollowUpDone { .. }) => {
            if let Some(c) = open_mut(clocks) {
                c.fulfil(def, cal, at);
            }
        }
        _ => {}
    }
}

fn between(cal: &Calendar, a: Ms, b: Ms) -> i64 {
    if b <= a {
        return 0;
    }
    cal.business_between(ts(a), ts(b)).as_millis() as i64
}

fn ts(ms: Ms) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MAX)
}

fn add(cal: &Calendar, from: Ms, amount_ms: i64) -> Option<Ms> {
    cal.add_business(ts(from), SignedDuration::from_millis(amount_ms))
        .map(|t| t.as_millisecond())
}

/// Recompute the warning, due and unacceptable instants of an open instance. A paused
/// clock has none (they depend on when it resumes).
pub fn refresh(def: &StandardDef, cal: &Calendar, c: &mut ClockInstance) {
    if !c.state.is_open() {
        return;
    }
    if c.state == ClockState::Paused {
        c.warn_at = None;
        c.due_at = None;
        c.unacceptable_at = None;
        return;
    }
    let Some(run) = c.running_since else { return };
    if def.metric.has_threshold() {
        let threshold = def.threshold_minutes * 60_000;
        let at_elapsed = |target: i64| add(cal, run, target - c.elapsed_ms);
        let warn = threshold * def.warn_percent.clamp(0, 100) / 100;
        c.due_at = at_elapsed(threshold);
        c.warn_at = (def.warn_percent > 0 && def.warn_percent < 100)
            .then(|| at_elapsed(warn))
            .flatten();
        c.unacceptable_at = def
            .unacceptable_minutes
            .filter(|u| *u > def.threshold_minutes)
            .and_then(|u| at_elapsed(u * 60_000));
    } else if let Some(t) = c.target_at {
        let span = (t - c.started_at).max(0);
        c.due_at = Some(t);
        c.warn_at = (def.warn_percent > 0 && def.warn_percent < 100)
            .then(|| c.started_at + span * def.warn_percent / 100);
        c.unacceptable_at = def.unacceptable_minutes.map(|u| t + u * 60_000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn def(metric: Metric, threshold: i64) -> StandardDef {
        StandardDef {
            id: 1,
            metric,
            scope: Scope::default(),
            threshold_minutes: threshold,
            unacceptable_minutes: Some(threshold * 2),
            warn_percent: 75,
        }
    }

    fn run(d: &StandardDef, evs: &[(ClockEvent, Status)]) -> Vec<ClockInstance> {
        let cal = Calendar::always();
        let mut clocks = vec![];
        for (e, s) in evs {
            step(d, &cal, &mut clocks, e, *s);
            for c in clocks.iter_mut() {
                refresh(d, &cal, c);
            }
        }
        clocks
    }

    fn msg(at: Ms, from_customer: bool, public: bool, answered: bool) -> ClockEvent {
        ClockEvent::Message {
            at,
            from_customer,
            public,
            automatic: false,
            answered,
        }
    }

    fn status(at: Ms, from: Status, to: Status) -> (ClockEvent, Status) {
        (ClockEvent::Status { at, from, to }, to)
    }

    const CREATED: (ClockEvent, Status) = (
        ClockEvent::Created {
            at: 0,
            status: Status::New,
        },
        Status::New,
    );

    #[test]
    fn first_response_is_met_by_a_public_agent_reply_not_by_a_note() {
        let d = def(Metric::FirstResponse, 60);
        let c = run(
            &d,
            &[
                CREATED,
                (msg(10 * MIN, false, false, false), Status::New),
                (msg(50 * MIN, false, true, false), Status::Open),
            ],
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].state, ClockState::Achieved);
        assert_eq!(c[0].fulfilled_at, Some(50 * MIN));
        assert_eq!(c[0].due_at, Some(60 * MIN));
        assert_eq!(c[0].warn_at, Some(45 * MIN));
        assert_eq!(c[0].unacceptable_at, Some(120 * MIN));
    }

    #[test]
    fn a_late_reply_is_a_breach_that_stays() {
        let d = def(Metric::FirstResponse, 60);
        let c = run(
            &d,
            &[CREATED, (msg(61 * MIN, false, true, false), Status::Open)],
        );
        assert_eq!(c[0].state, ClockState::Breached);
        assert_eq!(c[0].breached_at, Some(60 * MIN));
    }

    #[test]
    fn automatic_messages_never_answer() {
        let d = def(Metric::FirstResponse, 60);
        let auto = ClockEvent::Message {
            at: MIN,
            from_customer: false,
            public: true,
            automatic: true,
            answered: false,
        };
        let c = run(&d, &[CREATED, (auto, Status::New)]);
        assert_eq!(c[0].state, ClockState::Active);
    }

    #[test]
    fn each_customer_message_awaiting_an_answer_starts_one_next_response_instance() {
        let d = def(Metric::NextResponse, 30);
        let c = run(
            &d,
            &[
                CREATED,
                // Before the first reply, customer messages are covered by first response.
                (msg(MIN, true, true, false), Status::New),
                (msg(2 * MIN, false, true, false), Status::Open),
                (msg(3 * MIN, true, true, true), Status::Open),
                (msg(4 * MIN, true, true, true), Status::Open),
                (msg(10 * MIN, false, true, true), Status::Open),
                (msg(20 * MIN, true, true, true), Status::Open),
            ],
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].started_at, 3 * MIN);
        assert_eq!(c[0].state, ClockState::Achieved);
        assert_eq!(c[1].instance, 2);
        assert_eq!(c[1].started_at, 20 * MIN);
        assert_eq!(c[1].state, ClockState::Active);
        assert_eq!(c[1].due_at, Some(50 * MIN));
    }

    #[test]
    fn pending_pauses_customer_wait_but_not_resolution() {
        let evs = [
            CREATED,
            status(10 * MIN, Status::New, Status::Pending),
            status(40 * MIN, Status::Pending, Status::Open),
        ];
        let wait = run(&def(Metric::CustomerWait, 60), &evs);
        assert_eq!(wait[0].state, ClockState::Active);
        assert_eq!(wait[0].elapsed_ms, 10 * MIN);
        assert_eq!(wait[0].due_at, Some(90 * MIN));
        assert_eq!(wait[0].pauses, vec![(10 * MIN, Some(40 * MIN))]);
        assert_eq!(wait[0].elapsed_calendar(50 * MIN), 20 * MIN);
        let res = run(&def(Metric::Resolution, 60), &evs);
        assert_eq!(res[0].due_at, Some(60 * MIN));
        assert!(res[0].pauses.is_empty());
    }

    #[test]
    fn agent_work_pauses_on_hold_too() {
        let evs = [CREATED, status(10 * MIN, Status::New, Status::Hold)];
        assert_eq!(
            run(&def(Metric::AgentWork, 60), &evs)[0].state,
            ClockState::Paused
        );
        assert_eq!(
            run(&def(Metric::CustomerWait, 60), &evs)[0].state,
            ClockState::Active
        );
    }

    #[test]
    fn reopening_resumes_resolution_without_the_solved_span() {
        let c = run(
            &def(Metric::Resolution, 60),
            &[
                CREATED,
                status(20 * MIN, Status::New, Status::Solved),
                status(100 * MIN, Status::Solved, Status::Open),
            ],
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].state, ClockState::Active);
        assert_eq!(c[0].elapsed_ms, 20 * MIN);
        assert_eq!(c[0].due_at, Some(140 * MIN));
    }

    #[test]
    fn periodic_update_restarts_at_each_agent_reply() {
        let c = run(
            &def(Metric::PeriodicUpdate, 60),
            &[
                CREATED,
                (msg(30 * MIN, false, true, false), Status::Open),
                (msg(100 * MIN, false, true, true), Status::Open),
                status(110 * MIN, Status::Open, Status::Solved),
            ],
        );
        let states: Vec<_> = c.iter().map(|c| c.state).collect();
        assert_eq!(
            states,
            [
                ClockState::Achieved,
                ClockState::Breached,
                ClockState::Achieved
            ]
        );
    }

    #[test]
    fn a_promise_is_kept_when_the_complaint_is_resolved_before_its_date() {
        let d = def(Metric::PromiseKept, 0);
        let c = run(
            &d,
            &[
                CREATED,
                (
                    ClockEvent::Promise {
                        at: 0,
                        date: Some(100 * MIN),
                    },
                    Status::Open,
                ),
                (ClockEvent::ComplaintResolved { at: 90 * MIN }, Status::Open),
            ],
        );
        assert_eq!(c[0].state, ClockState::Achieved);
        assert_eq!(c[0].warn_at, Some(75 * MIN));
        let late = run(
            &d,
            &[
                CREATED,
                (
                    ClockEvent::Promise {
                        at: 0,
                        date: Some(100 * MIN),
                    },
                    Status::Open,
                ),
                status(101 * MIN, Status::Open, Status::Solved),
            ],
        );
        assert_eq!(late[0].state, ClockState::Breached);
    }

    #[test]
    fn scope_matches_on_every_listed_dimension() {
        let s = Scope {
            channels: vec![Channel::Email],
            category_ids: vec![7],
            tags: vec!["vip".into()],
            ..Default::default()
        };
        let f = CaseFacts {
            channel: Channel::Email,
            team_id: None,
            categories: &[9, 7],
            priority: None,
            kind: Kind::Question,
            tags: &["vip", "x"],
        };
        assert!(s.matches(&f));
        assert!(!s.matches(&CaseFacts {
            channel: Channel::Chat,
            ..f.clone()
        }));
        assert!(!s.matches(&CaseFacts { tags: &[], ..f }));
    }
}
