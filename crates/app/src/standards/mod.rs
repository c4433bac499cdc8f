//! Business-hours calendars and service standards (PRODUCT.md B1): validated editing by
//! administrators, and the in-memory snapshot the clock engine reads on every case write.

pub mod charter;
pub mod clocks;

use crate::model;
use crate::{Actor, App, AppError, FieldError, Result};
use domain::calendar::{Calendar, Holiday};
use domain::standards::{Actions, Metric, Scope, StandardDef};
use jiff::civil::Date;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{CalendarRow, HolidayRow, StandardRow};

/// How long a node trusts its snapshot of standards before reading them again; writes on
/// the same node refresh it at once (other nodes within this delay).
const SNAPSHOT_TTL: Duration = Duration::from_secs(5);

/// A standard ready for the clock engine.
#[derive(Debug, Clone)]
pub struct LoadedStandard {
    pub row: model::Standard,
    pub def: StandardDef,
    pub actions: Actions,
    pub calendar: Arc<Calendar>,
}

/// Active standards with their calendars, and the category tree (a standard on a category
/// covers its subcategories).
#[derive(Debug, Default)]
pub struct Snapshot {
    pub standards: Vec<LoadedStandard>,
    pub category_parent: HashMap<i64, Option<i64>>,
    /// Some standard exists or existed: cases may carry clocks to cancel.
    pub any_ever: bool,
}

impl Snapshot {
    pub fn get(&self, id: i64) -> Option<&LoadedStandard> {
        self.standards.iter().find(|s| s.row.id == id)
    }

    /// The category and its ancestors.
    pub fn category_chain(&self, id: Option<i64>) -> Vec<i64> {
        let mut out = Vec::new();
        let mut cur = id;
        while let Some(c) = cur {
            if out.contains(&c) || out.len() > 64 {
                break;
            }
            out.push(c);
            cur = self.category_parent.get(&c).copied().flatten();
        }
        out
    }
}

#[derive(Default)]
pub(crate) struct SnapshotCache(std::sync::Mutex<Option<(Instant, Arc<Snapshot>)>>);

/// A calendar with its holidays.
#[derive(Debug, Clone)]
pub struct CalendarView {
    pub row: model::CalendarRecord,
    pub intervals: Vec<(u32, u32)>,
    pub holidays: Vec<model::Holiday>,
}

#[derive(Debug, Clone, Default)]
pub struct CalendarInput {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    /// Minutes since Sunday 00:00.
    pub intervals: Option<Vec<(u32, u32)>>,
}

#[derive(Debug, Clone, Default)]
pub struct HolidayInput {
    pub name: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub recurring: bool,
}

/// Fields of a standard; on update, `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct StandardInput {
    pub name: Option<String>,
    pub metric: Option<Metric>,
    pub scope: Option<Scope>,
    pub threshold_minutes: Option<i64>,
    pub target_percent: Option<f64>,
    pub unacceptable_minutes: Option<Option<i64>>,
    pub warn_percent: Option<i64>,
    pub calendar_id: Option<Option<i64>>,
    pub actions: Option<Actions>,
    pub active: Option<bool>,
    pub position: Option<i64>,
}

fn parse_date(field: &str, s: &str) -> Result<Date> {
    s.parse::<Date>()
        .map_err(|_| AppError::invalid(field, "invalid", "a date YYYY-MM-DD"))
}

fn holiday_of(h: &HolidayRow) -> Vec<Holiday> {
    let (Ok(a), Ok(b)) = (h.start_date.parse::<Date>(), h.end_date.parse::<Date>()) else {
        return vec![];
    };
    if !h.recurring {
        return vec![if a == b {
            Holiday::Single(a)
        } else {
            Holiday::Range { start: a, end: b }
        }];
    }
    // A recurring range repeats each of its month/days every year.
    let mut out = Vec::new();
    let mut d = a;
    while d <= b && out.len() < 366 {
        out.push(Holiday::Yearly {
            month: d.month(),
            day: d.day(),
        });
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out
}

/// Build the calculable calendar of a stored one.
pub(crate) fn calendar_of(
    row: &store::CalendarRow,
    holidays: &[store::HolidayRow],
) -> Result<Calendar> {
    let intervals: Vec<(u32, u32)> = serde_json::from_str(&row.intervals)
        .map_err(|e| AppError::Internal(format!("calendar {} intervals: {e}", row.id)))?;
    let week = Calendar::week_from_zendesk(&intervals)
        .map_err(|e| AppError::Internal(format!("calendar {}: {e}", row.id)))?;
    let hol = holidays.iter().flat_map(holiday_of).collect();
    Calendar::with_zone_name(&row.time_zone, week, hol)
        .map_err(|e| AppError::Internal(format!("calendar {}: {e}", row.id)))
}

pub(crate) fn standard_def(row: &store::StandardRow) -> Result<(StandardDef, Actions)> {
    let metric: Metric = row
        .metric
        .parse()
        .map_err(|_| AppError::Internal(format!("standard {} metric", row.id)))?;
    let scope: Scope = serde_json::from_str(&row.scope).unwrap_or_default();
    let actions: Actions = serde_json::from_str(&row.actions).unwrap_or_default();
    Ok((
        StandardDef {
            id: row.id,
            metric,
            scope,
            threshold_minutes: row.threshold_minutes,
            unacceptable_minutes: row.unacceptable_minutes,
            warn_percent: row.warn_percent,
        },
        actions,
    ))
}

impl App {
    /// The active standards, cached for a few seconds.
    pub async fn standards_snapshot(&self) -> Result<Arc<Snapshot>> {
        if let Some((at, s)) = &*self.snapshot.0.lock().expect("snapshot lock")
            && at.elapsed() < SNAPSHOT_TTL
        {
            return Ok(s.clone());
        }
        let rows = self.store.standards().await?;
        let mut standards = Vec::new();
        let mut snap = Snapshot::default();
        if rows.iter().any(|r| r.active) {
            let calendars = self.store.calendars().await?;
            let holidays = self.store.holidays(None).await?;
            let mut built: HashMap<i64, Arc<Calendar>> = HashMap::new();
            for c in &calendars {
                let hs: Vec<HolidayRow> = holidays
                    .iter()
                    .filter(|h| h.calendar_id == c.id)
                    .cloned()
                    .collect();
                match calendar_of(c, &hs) {
                    Ok(cal) => {
                        built.insert(c.id, Arc::new(cal));
                    }
                    Err(e) => tracing::error!(error = %e, "calendar ignored"),
                }
            }
            let always = Arc::new(Calendar::always());
            for row in rows.into_iter().filter(|r| r.active) {
                let (def, actions) = standard_def(&row)?;
                let calendar = match row.calendar_id {
                    Some(id) => match built.get(&id) {
                        Some(c) => c.clone(),
                        None => continue,
                    },
                    None => always.clone(),
                };
                standards.push(LoadedStandard {
                    row: row.into(),
                    def,
                    actions,
                    calendar,
                });
            }
            snap.category_parent = self
                .store
                .categories()
                .await?
                .into_iter()
                .map(|c| (c.id, c.parent_id))
                .collect();
        }
        snap.any_ever = !standards.is_empty() || self.store.standards_exist().await?;
        snap.standards = standards;
        let snap = Arc::new(snap);
        *self.snapshot.0.lock().expect("snapshot lock") = Some((Instant::now(), snap.clone()));
        Ok(snap)
    }

    /// The cached standards whatever their age; loads them only when nothing is cached.
    pub(crate) async fn cached_standards(&self) -> Result<Arc<Snapshot>> {
        if let Some((_, s)) = &*self.snapshot.0.lock().expect("snapshot lock") {
            return Ok(s.clone());
        }
        self.standards_snapshot().await
    }

    /// Forget the cached standards (after an edit on this node).
    pub fn invalidate_standards(&self) {
        *self.snapshot.0.lock().expect("snapshot lock") = None;
    }

    /// Names of the teams and categories a scope lists (for its sentence).
    pub async fn scope_names(&self, scope: &Scope) -> Result<(Vec<String>, Vec<String>)> {
        let mut teams = Vec::new();
        for t in &scope.team_ids {
            if let Some(t) = self.store.team(*t).await? {
                teams.push(t.name);
            }
        }
        let mut cats = Vec::new();
        if !scope.category_ids.is_empty() {
            let all = crate::cases::categories::with_paths(crate::model::all(
                self.store.categories().await?,
            ));
            for c in &scope.category_ids {
                if let Some(v) = all.iter().find(|v| v.row.id == *c) {
                    cats.push(v.path.join(" › "));
                }
            }
        }
        Ok((teams, cats))
    }

    // ---------- calendars ----------

    pub async fn calendars(&self, actor: &Actor) -> Result<Vec<CalendarView>> {
        actor.require_staff()?;
        let holidays = self.store.holidays(None).await?;
        let mut out = Vec::new();
        for row in self.store.calendars().await? {
            let hs = holidays
                .iter()
                .filter(|h| h.calendar_id == row.id)
                .cloned()
                .collect();
            out.push(view(row, hs));
        }
        Ok(out)
    }

    pub async fn calendar(&self, actor: &Actor, id: i64) -> Result<CalendarView> {
        actor.require_staff()?;
        let row = self
            .store
            .calendar(id)
            .await?
            .ok_or(AppError::NotFound("schedule"))?;
        let hs = self.store.holidays(Some(id)).await?;
        Ok(view(row, hs))
    }

    fn check_calendar(&self, name: &str, tz: &str, intervals: &[(u32, u32)]) -> Result<()> {
        let mut errs = Vec::new();
        if name.trim().is_empty() {
            errs.push(FieldError::new("schedule.name", "required", ""));
        }
        match Calendar::week_from_zendesk(intervals) {
            Ok(week) => {
                if let Err(e) = Calendar::with_zone_name(tz, week, vec![]) {
                    tracing::debug!(error = %e, "time zone refused");
                    errs.push(FieldError::new(
                        "schedule.time_zone",
                        "time-zone-unknown",
                        tz,
                    ));
                }
            }
            Err(e) => errs.push(FieldError::new(
                "schedule.intervals",
                "invalid",
                e.to_string(),
            )),
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errs))
        }
    }

    pub async fn create_calendar(
        &self,
        actor: &Actor,
        input: CalendarInput,
    ) -> Result<CalendarView> {
        actor.require_admin()?;
        let name = input.name.unwrap_or_default().trim().to_string();
        let tz = input.time_zone.unwrap_or_else(|| "Europe/Paris".into());
        // Default: Monday to Friday, 09:00 to 17:00.
        let intervals = input
            .intervals
            .unwrap_or_else(|| (1..=5).map(|d| (d * 1440 + 540, d * 1440 + 1020)).collect());
        self.check_calendar(&name, &tz, &intervals)?;
        let now = self.now_ms();
        let mut row = CalendarRow {
            id: 0,
            name,
            time_zone: tz,
            intervals: serde_json::to_string(&intervals).unwrap_or_else(|_| "[]".into()),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        row.id = tx.insert_calendar(&row).await?;
        tx.commit().await?;
        self.invalidate_standards();
        Ok(view(row, vec![]))
    }

    pub async fn update_calendar(
        &self,
        actor: &Actor,
        id: i64,
        input: CalendarInput,
    ) -> Result<CalendarView> {
        actor.require_admin()?;
        let cur = self.calendar(actor, id).await?;
        let mut row: CalendarRow = cur.row.into();
        if let Some(n) = input.name {
            row.name = n.trim().to_string();
        }
        if let Some(t) = input.time_zone {
            row.time_zone = t;
        }
        let intervals = input.intervals.unwrap_or(cur.intervals);
        self.check_calendar(&row.name, &row.time_zone, &intervals)?;
        row.intervals = serde_json::to_string(&intervals).unwrap_or_else(|_| "[]".into());
        row.updated_at = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.update_calendar(&row).await?;
        tx.commit().await?;
        self.invalidate_standards();
        Ok(view(row, crate::model::all(cur.holidays)))
    }

    pub async fn delete_calendar(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_admin()?;
        let mut tx = self.store.begin().await?;
        if !tx.delete_unused_calendar(id).await.map_err(|e| match e {
            store::StoreError::NotFound => AppError::NotFound("schedule"),
            e => e.into(),
        })? {
            return Err(AppError::invalid(
                "schedule.id",
                "in-use",
                format!("schedule {id} (a standard uses it)"),
            ));
        }
        tx.commit().await?;
        self.invalidate_standards();
        Ok(())
    }

    pub async fn add_holiday(
        &self,
        actor: &Actor,
        calendar_id: i64,
        input: HolidayInput,
    ) -> Result<model::Holiday> {
        actor.require_admin()?;
        self.calendar(actor, calendar_id).await?;
        let name = input.name.unwrap_or_default().trim().to_string();
        if name.is_empty() {
            return Err(AppError::invalid("holiday.name", "required", "a name"));
        }
        let start = input
            .start_date
            .ok_or_else(|| AppError::invalid("holiday.start_date", "required", "YYYY-MM-DD"))?;
        let a = parse_date("holiday.start_date", &start)?;
        let end = input.end_date.unwrap_or_else(|| start.clone());
        let b = parse_date("holiday.end_date", &end)?;
        if b < a {
            return Err(AppError::invalid(
                "holiday.end_date",
                "invalid",
                "on or after start_date",
            ));
        }
        if (b - a).get_days() > 366 {
            return Err(AppError::invalid(
                "holiday.end_date",
                "invalid",
                "at most one year after start_date",
            ));
        }
        let mut h = HolidayRow {
            id: 0,
            calendar_id,
            name,
            start_date: a.to_string(),
            end_date: b.to_string(),
            recurring: input.recurring,
            created_at: self.now_ms(),
        };
        let mut tx = self.store.begin().await?;
        h.id = tx.insert_holiday(&h).await?;
        tx.commit().await?;
        self.invalidate_standards();
        Ok(h.into())
    }

    pub async fn delete_holiday(&self, actor: &Actor, calendar_id: i64, id: i64) -> Result<()> {
        actor.require_admin()?;
        let mut tx = self.store.begin().await?;
        tx.delete_holiday(calendar_id, id)
            .await
            .map_err(|e| match e {
                store::StoreError::NotFound => AppError::NotFound("holiday"),
                e => e.into(),
            })?;
        tx.commit().await?;
        self.invalidate_standards();
        Ok(())
    }

    // ---------- standards ----------

    pub async fn standards(&self, actor: &Actor) -> Result<Vec<model::Standard>> {
        actor.require_staff()?;
        Ok(crate::model::all(self.store.standards().await?))
    }

    pub async fn standard(&self, actor: &Actor, id: i64) -> Result<model::Standard> {
        actor.require_staff()?;
        (self
            .store
            .standard(id)
            .await?
            .ok_or(AppError::NotFound("standard")))
        .map(Into::into)
    }

    async fn check_standard(&self, s: &StandardRow) -> Result<()> {
        let mut errs = Vec::new();
        let metric: Option<Metric> = s.metric.parse().ok();
        if s.name.trim().is_empty() {
            errs.push(FieldError::new("standard.name", "required", ""));
        }
        if metric.is_none() {
            errs.push(FieldError::new(
                "standard.metric",
                "invalid-value",
                Metric::ALL
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        let has_threshold = metric.is_none_or(|m| m.has_threshold());
        if has_threshold && !(1..=525_600).contains(&s.threshold_minutes) {
            errs.push(FieldError::new(
                "standard.threshold_minutes",
                "threshold-range",
                "1–525600",
            ));
        }
        if !(s.target_percent > 0.0 && s.target_percent <= 100.0) {
            errs.push(FieldError::new(
                "standard.target_percent",
                "share-range",
                "0–100",
            ));
        }
        if let Some(u) = s.unacceptable_minutes {
            if has_threshold && u <= s.threshold_minutes {
                errs.push(FieldError::new(
                    "standard.unacceptable_minutes",
                    "unacceptable-order",
                    "",
                ));
            } else if !(0..=525_600).contains(&u) {
                errs.push(FieldError::new(
                    "standard.unacceptable_minutes",
                    "threshold-range",
                    "1–525600",
                ));
            }
        }
        if !(0..=100).contains(&s.warn_percent) {
            errs.push(FieldError::new(
                "standard.warn_percent",
                "out-of-range",
                "0–100",
            ));
        }
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        if let Some(c) = s.calendar_id
            && self.store.calendar(c).await?.is_none()
        {
            return Err(AppError::invalid(
                "standard.calendar_id",
                "unknown-reference",
                c.to_string(),
            ));
        }
        let scope: Scope = serde_json::from_str(&s.scope).unwrap_or_default();
        for t in &scope.team_ids {
            if self.store.team(*t).await?.is_none() {
                return Err(AppError::invalid(
                    "standard.scope.team_ids",
                    "unknown-reference",
                    t.to_string(),
                ));
            }
        }
        for c in &scope.category_ids {
            if self.store.category(*c).await?.is_none() {
                return Err(AppError::invalid(
                    "standard.scope.category_ids",
                    "unknown-reference",
                    c.to_string(),
                ));
            }
        }
        let actions: Actions = serde_json::from_str(&s.actions).unwrap_or_default();
        if let Some(t) = actions.reassign_team_id
            && self.store.team(t).await?.is_none()
        {
            return Err(AppError::invalid(
                "standard.actions.reassign_team_id",
                "unknown-reference",
                t.to_string(),
            ));
        }
        for u in &actions.management_user_ids {
            match self.store.user(*u).await? {
                Some(u) if u.role != domain::Role::EndUser.as_str() => {}
                _ => {
                    return Err(AppError::invalid(
                        "standard.actions.management_user_ids",
                        "not-staff",
                        u.to_string(),
                    ));
                }
            }
        }
        Ok(())
    }

    fn apply_input(s: &mut StandardRow, i: StandardInput) {
        if let Some(n) = i.name {
            s.name = n.trim().to_string();
        }
        if let Some(m) = i.metric {
            s.metric = m.as_str().into();
        }
        if let Some(sc) = i.scope {
            s.scope = serde_json::to_string(&sc).unwrap_or_else(|_| "{}".into());
        }
        if let Some(t) = i.threshold_minutes {
            s.threshold_minutes = t;
        }
        if let Some(t) = i.target_percent {
            s.target_percent = t;
        }
        if let Some(u) = i.unacceptable_minutes {
            s.unacceptable_minutes = u;
        }
        if let Some(w) = i.warn_percent {
            s.warn_percent = w;
        }
        if let Some(c) = i.calendar_id {
            s.calendar_id = c;
        }
        if let Some(a) = i.actions {
            s.actions = serde_json::to_string(&a).unwrap_or_else(|_| "{}".into());
        }
        if let Some(a) = i.active {
            s.active = a;
        }
        if let Some(p) = i.position {
            s.position = p;
        }
    }

    pub async fn create_standard(
        &self,
        actor: &Actor,
        input: StandardInput,
    ) -> Result<model::Standard> {
        actor.require_admin()?;
        let now = self.now_ms();
        if input.metric.is_none() {
            return Err(AppError::invalid(
                "standard.metric",
                "required",
                Metric::ALL
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        let mut s = StandardRow {
            id: 0,
            name: String::new(),
            metric: String::new(),
            scope: "{}".into(),
            threshold_minutes: 0,
            target_percent: 90.0,
            unacceptable_minutes: None,
            warn_percent: 75,
            calendar_id: None,
            actions: "{}".into(),
            active: true,
            position: 0,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        Self::apply_input(&mut s, input);
        self.check_standard(&s).await?;
        let mut tx = self.store.begin().await?;
        s.id = tx.insert_standard(&s).await?;
        tx.commit().await?;
        self.invalidate_standards();
        Ok(s.into())
    }

    pub async fn update_standard(
        &self,
        actor: &Actor,
        id: i64,
        input: StandardInput,
    ) -> Result<model::Standard> {
        actor.require_admin()?;
        let mut s: StandardRow = self.standard(actor, id).await?.into();
        if input.metric.is_some_and(|m| m.as_str() != s.metric) {
            // Clocks already measured one metric; a new metric is a new standard.
            return Err(AppError::invalid(
                "standard.metric",
                "invalid",
                "cannot change; create another standard",
            ));
        }
        Self::apply_input(&mut s, input);
        s.updated_at = self.now_ms();
        self.check_standard(&s).await?;
        let mut tx = self.store.begin().await?;
        tx.update_standard(&s).await?;
        tx.commit().await?;
        self.invalidate_standards();
        Ok(s.into())
    }

    /// Hidden and stopped; its clocks stay for history.
    pub async fn delete_standard(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_admin()?;
        let mut s: StandardRow = self.standard(actor, id).await?.into();
        let now = self.now_ms();
        s.active = false;
        s.deleted_at = Some(now);
        s.updated_at = now;
        let mut tx = self.store.begin().await?;
        tx.update_standard(&s).await?;
        tx.commit().await?;
        self.invalidate_standards();
        Ok(())
    }
}

fn view(row: CalendarRow, holidays: Vec<HolidayRow>) -> CalendarView {
    let intervals = serde_json::from_str(&row.intervals).unwrap_or_default();
    CalendarView {
        row: row.into(),
        intervals,
        holidays: crate::model::all(holidays),
    }
}
