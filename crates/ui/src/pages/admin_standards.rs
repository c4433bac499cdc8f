//! Service standards and business-hours calendars edited in the pages (issue 16): every
//! field of a standard, each form reading its sentence back before it is saved (B1); a
//! calendar's opening hours per weekday with several intervals a day, and its holidays.
//! The use cases validate as for the API; the pages add what only a form can get wrong
//! (a number that is not one, a closing time before the opening).

use crate::Chrome;
use crate::error::{PageResult, render};
use crate::extract::{Form, Path, Query};
use crate::form::{FieldMap, FormState, notice};
use crate::i18n::T;
use crate::session::Agent;
use app::model;
use app::standards::{CalendarInput, HolidayInput, StandardInput};
use askama::Template;
use axum::extract::State;
use domain::standards::{Actions, Metric, Scope};
use domain::{Channel, Kind, Priority};
use std::collections::HashMap;
use web::AppState;
use web::sentence::{SentenceParts, sentence};

type Query2 = Query<HashMap<String, String>>;

/// A form sent as repeated fields (`channel=email&channel=phone`): all its pairs.
struct Pairs(Vec<(String, String)>);

impl Pairs {
    fn one(&self, k: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    fn all(&self, k: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, v)| n == k && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn typed(&self) -> FormState {
        // Repeated fields are kept as `name=value` flags for the checkboxes.
        let mut v: Vec<(String, String)> = Vec::new();
        for (k, val) in &self.0 {
            if self.0.iter().filter(|(n, _)| n == k).count() > 1 || is_multi(k) {
                v.push((format!("{k}={val}"), "1".into()));
            } else {
                v.push((k.clone(), val.clone()));
            }
        }
        FormState::typed(v.iter().map(|(a, b)| (a.as_str(), b.as_str())))
    }
}

fn is_multi(k: &str) -> bool {
    matches!(k, "channel" | "team" | "priority" | "kind" | "category")
}

// ---------- the list ----------

pub struct StandardLine {
    pub id: i64,
    pub name: String,
    pub sentence: String,
    pub active: bool,
}

pub struct CalendarLine {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub hours: Vec<String>,
    pub holidays: i64,
}

#[derive(Template)]
#[template(path = "admin_standards.html")]
struct StandardsPage {
    t: T,
    chrome: Chrome,
    standards: Vec<StandardLine>,
    calendars: Vec<CalendarLine>,
    notice: Option<String>,
}

pub async fn show_standards(
    State(s): State<AppState>,
    agent: Agent,
    Query(q): Query2,
) -> PageResult {
    agent
        .actor()
        .require_supervisor()
        .map_err(|e| agent.err(e))?;
    let mut standards = Vec::new();
    for r in s
        .app
        .standards(agent.actor())
        .await
        .map_err(|e| agent.err(e))?
    {
        let parts = web::api::standards::parts_of(&s, &r).await;
        standards.push(StandardLine {
            id: r.id,
            name: r.name.clone(),
            sentence: sentence(agent.s.locale, &parts),
            active: r.active,
        });
    }
    let calendars = s
        .app
        .calendars(agent.actor())
        .await
        .map_err(|e| agent.err(e))?
        .into_iter()
        .map(|c| CalendarLine {
            hours: week_words(&agent.t, &c.intervals),
            holidays: c.holidays.len() as i64,
            id: c.row.id,
            name: c.row.name,
            time_zone: c.row.time_zone,
        })
        .collect();
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&StandardsPage {
        notice: notice(&agent.t, &q),
        t: agent.t,
        chrome,
        standards,
        calendars,
    }))
}

#[derive(serde::Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: Option<String>,
}

pub async fn post_standard_active(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> PageResult {
    s.app
        .update_standard(
            agent.actor(),
            id,
            StandardInput {
                active: Some(matches!(f.active.as_deref(), Some("1"))),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other("/admin/standards?notice=saved"))
}

// ---------- one standard ----------

#[derive(Template)]
#[template(path = "admin_standard.html")]
struct StandardPage {
    t: T,
    chrome: Chrome,
    /// None: a new standard.
    id: Option<i64>,
    f: FormState,
    /// The sentence the form reads as now (stored, or typed when previewed).
    sentence: Option<String>,
    previewed: bool,
    teams: Vec<(i64, String)>,
    categories: Vec<(i64, String)>,
    calendars: Vec<(i64, String)>,
    metrics: Vec<&'static str>,
    notice: Option<String>,
}

impl StandardPage {
    /// Whether a checkbox of a multi-valued field is ticked.
    fn has(&self, name: &str, value: &str) -> bool {
        self.f.val(&format!("{name}={value}"), "") == "1"
    }
    fn has_id(&self, name: &str, id: &i64) -> bool {
        self.has(name, &id.to_string())
    }
}

const STANDARD_FIELDS: FieldMap = &[
    ("standard.name", "name", "field-name"),
    ("standard.metric", "metric", "field-metric"),
    ("standard.threshold_minutes", "threshold", "field-threshold"),
    ("standard.target_percent", "target", "field-target"),
    (
        "standard.unacceptable_minutes",
        "unacceptable",
        "field-unacceptable",
    ),
    ("standard.warn_percent", "warn", "field-warn"),
    ("standard.calendar_id", "calendar", "field-calendar"),
    ("standard.scope.team_ids", "team", "field-team"),
    ("standard.scope.category_ids", "category", "field-category"),
    (
        "standard.actions.reassign_team_id",
        "reassign_team",
        "reassign-team",
    ),
];

/// A stored standard as the form's values.
fn stored_form(r: &model::Standard) -> FormState {
    let scope: Scope = serde_json::from_str(&r.scope).unwrap_or_default();
    let actions: Actions = serde_json::from_str(&r.actions).unwrap_or_default();
    let (unit, per) =
        if r.threshold_minutes % 60 == 0 && r.unacceptable_minutes.is_none_or(|u| u % 60 == 0) {
            ("hours", 60)
        } else {
            ("minutes", 1)
        };
    let mut v: Vec<(String, String)> = vec![
        ("name".into(), r.name.clone()),
        ("metric".into(), r.metric.clone()),
        ("unit".into(), unit.into()),
        ("threshold".into(), (r.threshold_minutes / per).to_string()),
        ("target".into(), trim_number(r.target_percent)),
        (
            "unacceptable".into(),
            r.unacceptable_minutes
                .map(|u| (u / per).to_string())
                .unwrap_or_default(),
        ),
        ("warn".into(), r.warn_percent.to_string()),
        (
            "calendar".into(),
            r.calendar_id.map(|c| c.to_string()).unwrap_or_default(),
        ),
        (
            "raise_priority".into(),
            if actions.raise_priority { "1" } else { "" }.into(),
        ),
        (
            "reassign_team".into(),
            actions
                .reassign_team_id
                .map(|t| t.to_string())
                .unwrap_or_default(),
        ),
    ];
    for c in &scope.channels {
        v.push((format!("channel={}", c.as_str()), "1".into()));
    }
    for t in &scope.team_ids {
        v.push((format!("team={t}"), "1".into()));
    }
    for c in &scope.category_ids {
        v.push((format!("category={c}"), "1".into()));
    }
    for p in &scope.priorities {
        v.push((format!("priority={}", p.as_str()), "1".into()));
    }
    for k in &scope.kinds {
        v.push((format!("kind={}", k.as_str()), "1".into()));
    }
    FormState::typed(v.iter().map(|(a, b)| (a.as_str(), b.as_str())))
}

/// 90 → "90", 99.5 → "99.5" (the form shows it as typed).
fn trim_number(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x}")
    }
}

#[allow(clippy::too_many_arguments)]
async fn standard_page(
    s: &AppState,
    agent: Agent,
    id: Option<i64>,
    f: FormState,
    sentence: Option<String>,
    previewed: bool,
    notice: Option<String>,
) -> PageResult {
    let teams = super::team_choices(&agent, &s.app).await?;
    let categories = super::category_choices(&agent, &s.app).await?;
    let calendars = s
        .app
        .calendars(agent.actor())
        .await
        .map_err(|e| agent.err(e))?
        .into_iter()
        .map(|c| (c.row.id, format!("{} ({})", c.row.name, c.row.time_zone)))
        .collect();
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&StandardPage {
        t: agent.t,
        chrome,
        id,
        f,
        sentence,
        previewed,
        teams,
        categories,
        calendars,
        metrics: Metric::ALL.iter().map(|m| m.as_str()).collect(),
        notice,
    }))
}

pub async fn show_new_standard(State(s): State<AppState>, agent: Agent) -> PageResult {
    agent.actor().require_admin().map_err(|e| agent.err(e))?;
    let f = FormState::typed([
        ("metric", "first_response"),
        ("unit", "hours"),
        ("target", "90"),
        ("warn", "75"),
    ]);
    standard_page(&s, agent, None, f, None, false, None).await
}

pub async fn show_standard(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Query(q): Query2,
) -> PageResult {
    let r = s
        .app
        .standard(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    let parts = web::api::standards::parts_of(&s, &r).await;
    let text = sentence(agent.s.locale, &parts);
    let n = notice(&agent.t, &q);
    standard_page(&s, agent, Some(id), stored_form(&r), Some(text), false, n).await
}

/// The typed form as a use case's input, or the form back with what could not be read.
fn standard_input(t: &T, p: &Pairs) -> Result<StandardInput, FormState> {
    let mut form = p.typed();
    let number = |form: &mut FormState, input: &str| -> Option<f64> {
        let v = p
            .one(input)
            .trim()
            .replace([',', '\u{a0}', '\u{202f}', ' '], ".");
        let v = v.trim_end_matches('%').trim_end_matches('.').to_string();
        if v.is_empty() {
            return None;
        }
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
            _ => {
                form.add(input, t.t("expect-number"));
                None
            }
        }
    };
    let per = match p.one("unit") {
        "minutes" => 1.0,
        "days" => 1440.0,
        _ => 60.0,
    };
    let threshold = number(&mut form, "threshold").map(|x| (x * per).round() as i64);
    let unacceptable = number(&mut form, "unacceptable").map(|x| (x * per).round() as i64);
    let target = number(&mut form, "target");
    let warn = number(&mut form, "warn").map(|x| x.round() as i64);
    let metric = p.one("metric").parse::<Metric>().ok();
    if metric.is_none() {
        form.add("metric", t.t("expect-choice"));
    }
    let ids = |name: &str| -> Vec<i64> {
        p.all(name)
            .into_iter()
            .filter_map(|v| v.parse().ok())
            .collect()
    };
    let scope = Scope {
        channels: p
            .all("channel")
            .into_iter()
            .filter_map(|v| v.parse::<Channel>().ok())
            .collect(),
        team_ids: ids("team"),
        category_ids: ids("category"),
        priorities: p
            .all("priority")
            .into_iter()
            .filter_map(|v| v.parse::<Priority>().ok())
            .collect(),
        kinds: p
            .all("kind")
            .into_iter()
            .filter_map(|v| v.parse::<Kind>().ok())
            .collect(),
        tags: vec![],
    };
    let one_id = |name: &str| p.one(name).trim().parse::<i64>().ok();
    if form.has_errors() {
        return Err(form);
    }
    Ok(StandardInput {
        name: Some(p.one("name").to_string()),
        metric,
        scope: Some(scope),
        threshold_minutes: threshold,
        target_percent: target,
        unacceptable_minutes: Some(unacceptable),
        warn_percent: warn,
        calendar_id: Some(one_id("calendar")),
        actions: Some(Actions {
            raise_priority: !p.one("raise_priority").is_empty(),
            reassign_team_id: one_id("reassign_team"),
            management_user_ids: vec![],
        }),
        active: None,
        position: None,
    })
}

/// The sentence a standard's input reads as (the preview before saving).
async fn input_sentence(s: &AppState, t: &T, i: &StandardInput) -> String {
    let scope = i.scope.clone().unwrap_or_default();
    let (team_names, category_names) = s.app.scope_names(&scope).await.unwrap_or_default();
    sentence(
        t.locale,
        &SentenceParts {
            metric: i.metric.map(|m| m.as_str().to_string()).unwrap_or_default(),
            scope,
            threshold_minutes: i.threshold_minutes.unwrap_or(0),
            target_percent: i.target_percent.unwrap_or(0.0),
            unacceptable_minutes: i.unacceptable_minutes.flatten(),
            business_hours: i.calendar_id.flatten().is_some(),
            team_names,
            category_names,
        },
    )
}

async fn save_standard(s: &AppState, agent: Agent, id: Option<i64>, p: Pairs) -> PageResult {
    let input = match standard_input(&agent.t, &p) {
        Ok(i) => i,
        Err(form) => {
            return Ok(super::refused(
                standard_page(s, agent, id, form, None, false, None).await?,
            ));
        }
    };
    let text = input_sentence(s, &agent.t, &input).await;
    if p.one("action") == "preview" {
        return standard_page(s, agent, id, p.typed(), Some(text), true, None).await;
    }
    let saved = match id {
        None => {
            let mut input = input;
            input.active = Some(true);
            s.app.create_standard(agent.actor(), input).await
        }
        Some(id) => s.app.update_standard(agent.actor(), id, input).await,
    };
    match saved {
        Ok(r) => Ok(super::see_other(&format!(
            "/admin/standards/{}?notice=saved",
            r.id
        ))),
        Err(e) => {
            let form = p
                .typed()
                .refused(&agent.t, e, STANDARD_FIELDS)
                .map_err(|e| agent.err(e))?;
            Ok(super::refused(
                standard_page(s, agent, id, form, Some(text), false, None).await?,
            ))
        }
    }
}

pub async fn post_new_standard(
    State(s): State<AppState>,
    agent: Agent,
    Form(p): Form<Vec<(String, String)>>,
) -> PageResult {
    save_standard(&s, agent, None, Pairs(p)).await
}

pub async fn post_standard(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(p): Form<Vec<(String, String)>>,
) -> PageResult {
    save_standard(&s, agent, Some(id), Pairs(p)).await
}

// ---------- calendars ----------

/// Weekdays in the order a French or English week is read: Monday first (0 = Sunday in
/// the stored intervals).
const WEEK: [u32; 7] = [1, 2, 3, 4, 5, 6, 0];
/// Intervals a day offers in the form.
const SLOTS: usize = 3;

fn hhmm(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// "lundi" → "Lundi" (a day starting a line).
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Each day's opening hours in words: "lundi : 09:00–12:00, 14:00–18:00".
fn week_words(t: &T, intervals: &[(u32, u32)]) -> Vec<String> {
    WEEK.iter()
        .map(|d| {
            let spans: Vec<String> = intervals
                .iter()
                .filter(|(a, _)| a / 1440 == *d)
                .map(|(a, b)| format!("{}–{}", hhmm(a % 1440), hhmm(b - d * 1440)))
                .collect();
            let day = capitalised(&t.t(format!("weekday-{d}")));
            if spans.is_empty() {
                t.ta("day-closed", &[("day", &day)])
            } else {
                t.ta("day-hours", &[("day", &day), ("hours", &spans.join(", "))])
            }
        })
        .collect()
}

pub struct DayRow {
    pub day: u32,
    pub name: String,
    /// (open, close) inputs of each slot, as typed or stored.
    pub slots: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    t: T,
    chrome: Chrome,
    id: Option<i64>,
    f: FormState,
    days: Vec<DayRow>,
    week: Vec<String>,
    holidays: Vec<model::Holiday>,
    holiday_form: FormState,
    notice: Option<String>,
}

const CALENDAR_FIELDS: FieldMap = &[
    ("schedule.name", "name", "field-name"),
    ("schedule.time_zone", "time_zone", "field-time-zone"),
];

const HOLIDAY_FIELDS: FieldMap = &[
    ("holiday.name", "name", "holiday-name"),
    ("holiday.start_date", "date", "holiday-date"),
    ("holiday.end_date", "date", "holiday-date"),
];

fn slot_key(day: u32, i: usize, edge: &str) -> String {
    format!("d{day}_{i}_{edge}")
}

fn stored_calendar_form(c: &app::standards::CalendarView) -> FormState {
    let mut v: Vec<(String, String)> = vec![
        ("name".into(), c.row.name.clone()),
        ("time_zone".into(), c.row.time_zone.clone()),
    ];
    for d in WEEK {
        for (i, (a, b)) in c
            .intervals
            .iter()
            .filter(|(a, _)| a / 1440 == d)
            .enumerate()
        {
            v.push((slot_key(d, i, "open"), hhmm(a % 1440)));
            v.push((slot_key(d, i, "close"), hhmm(b - d * 1440)));
        }
    }
    FormState::typed(v.iter().map(|(a, b)| (a.as_str(), b.as_str())))
}

#[allow(clippy::too_many_arguments)]
async fn calendar_page(
    s: &AppState,
    agent: Agent,
    id: Option<i64>,
    f: FormState,
    holiday_form: FormState,
    week: Vec<String>,
    notice: Option<String>,
) -> PageResult {
    let holidays = match id {
        Some(id) => {
            s.app
                .calendar(agent.actor(), id)
                .await
                .map_err(|e| agent.err(e))?
                .holidays
        }
        None => vec![],
    };
    let days = WEEK
        .iter()
        .map(|d| DayRow {
            day: *d,
            name: capitalised(&agent.t.t(format!("weekday-{d}"))),
            slots: (0..SLOTS)
                .map(|i| {
                    (
                        f.val(&slot_key(*d, i, "open"), "").to_string(),
                        f.val(&slot_key(*d, i, "close"), "").to_string(),
                    )
                })
                .collect(),
        })
        .collect();
    let chrome = Chrome::of(&agent, &s.app, "admin").await;
    Ok(render(&CalendarPage {
        t: agent.t,
        chrome,
        id,
        f,
        days,
        week,
        holidays,
        holiday_form,
        notice,
    }))
}

pub async fn show_new_calendar(State(s): State<AppState>, agent: Agent) -> PageResult {
    agent.actor().require_admin().map_err(|e| agent.err(e))?;
    // Monday to Friday, 09:00–12:30 and 13:30–17:30, as most teams start.
    let mut v: Vec<(String, String)> = vec![("time_zone".into(), "Europe/Paris".into())];
    for d in 1..=5 {
        v.push((slot_key(d, 0, "open"), "09:00".into()));
        v.push((slot_key(d, 0, "close"), "12:30".into()));
        v.push((slot_key(d, 1, "open"), "13:30".into()));
        v.push((slot_key(d, 1, "close"), "17:30".into()));
    }
    let f = FormState::typed(v.iter().map(|(a, b)| (a.as_str(), b.as_str())));
    calendar_page(&s, agent, None, f, FormState::default(), vec![], None).await
}

pub async fn show_calendar(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Query(q): Query2,
) -> PageResult {
    let c = s
        .app
        .calendar(agent.actor(), id)
        .await
        .map_err(|e| agent.err(e))?;
    let week = week_words(&agent.t, &c.intervals);
    let n = notice(&agent.t, &q);
    calendar_page(
        &s,
        agent,
        Some(id),
        stored_calendar_form(&c),
        FormState::default(),
        week,
        n,
    )
    .await
}

/// "09:00" → minutes; "" → None; anything else → Err.
fn time_of(v: &str) -> Result<Option<u32>, ()> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let (h, m) = v.split_once(':').ok_or(())?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| ())?, m.parse().map_err(|_| ())?);
    if h > 24 || m > 59 || (h == 24 && m > 0) {
        return Err(());
    }
    Ok(Some(h * 60 + m))
}

/// The week's intervals from the form, or the form back with each wrong slot marked.
fn calendar_intervals(t: &T, p: &Pairs) -> Result<Vec<(u32, u32)>, FormState> {
    let mut form = p.typed();
    let mut out = Vec::new();
    for d in WEEK {
        let mut day: Vec<(u32, u32)> = Vec::new();
        for i in 0..SLOTS {
            let (ko, kc) = (slot_key(d, i, "open"), slot_key(d, i, "close"));
            match (time_of(p.one(&ko)), time_of(p.one(&kc))) {
                (Ok(None), Ok(None)) => {}
                (Ok(Some(a)), Ok(Some(b))) if b > a => day.push((a, b)),
                (Ok(Some(_)), Ok(Some(_))) => form.add(&ko, t.t("slot-order")),
                (Ok(_), Ok(_)) => form.add(&ko, t.t("slot-both")),
                _ => form.add(&ko, t.t("slot-time")),
            }
        }
        day.sort_unstable();
        if day.windows(2).any(|w| w[1].0 < w[0].1) {
            form.add(&slot_key(d, 0, "open"), t.t("slot-overlap"));
        }
        out.extend(day.iter().map(|(a, b)| (d * 1440 + a, d * 1440 + b)));
    }
    if out.is_empty() {
        form.summary.push(t.t("week-empty"));
    }
    if form.has_errors() {
        return Err(form);
    }
    out.sort_unstable();
    Ok(out)
}

async fn save_calendar(s: &AppState, agent: Agent, id: Option<i64>, p: Pairs) -> PageResult {
    let intervals = match calendar_intervals(&agent.t, &p) {
        Ok(i) => i,
        Err(form) => {
            return Ok(super::refused(
                calendar_page(s, agent, id, form, FormState::default(), vec![], None).await?,
            ));
        }
    };
    let week = week_words(&agent.t, &intervals);
    if p.one("action") == "preview" {
        return calendar_page(s, agent, id, p.typed(), FormState::default(), week, None).await;
    }
    let input = CalendarInput {
        name: Some(p.one("name").to_string()),
        time_zone: Some(p.one("time_zone").trim().to_string()),
        intervals: Some(intervals),
    };
    let saved = match id {
        None => s.app.create_calendar(agent.actor(), input).await,
        Some(id) => s.app.update_calendar(agent.actor(), id, input).await,
    };
    match saved {
        Ok(c) => Ok(super::see_other(&format!(
            "/admin/calendars/{}?notice=saved",
            c.row.id
        ))),
        Err(e) => {
            let form = p
                .typed()
                .refused(&agent.t, e, CALENDAR_FIELDS)
                .map_err(|e| agent.err(e))?;
            Ok(super::refused(
                calendar_page(s, agent, id, form, FormState::default(), week, None).await?,
            ))
        }
    }
}

pub async fn post_new_calendar(
    State(s): State<AppState>,
    agent: Agent,
    Form(p): Form<Vec<(String, String)>>,
) -> PageResult {
    save_calendar(&s, agent, None, Pairs(p)).await
}

pub async fn post_calendar(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(p): Form<Vec<(String, String)>>,
) -> PageResult {
    save_calendar(&s, agent, Some(id), Pairs(p)).await
}

#[derive(serde::Deserialize)]
pub struct HolidayForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    recurring: Option<String>,
}

pub async fn post_holiday(
    State(s): State<AppState>,
    agent: Agent,
    Path(id): Path<i64>,
    Form(f): Form<HolidayForm>,
) -> PageResult {
    let end = if f.until.trim().is_empty() {
        f.date.trim()
    } else {
        f.until.trim()
    };
    let added = s
        .app
        .add_holiday(
            agent.actor(),
            id,
            HolidayInput {
                name: Some(f.name.clone()),
                start_date: Some(f.date.trim().to_string()),
                end_date: Some(end.to_string()),
                recurring: f.recurring.is_some(),
            },
        )
        .await;
    match added {
        Ok(_) => Ok(super::see_other(&format!(
            "/admin/calendars/{id}?notice=saved#holidays"
        ))),
        Err(e) => {
            let holiday_form = FormState::typed([
                ("name", f.name.as_str()),
                ("date", f.date.as_str()),
                ("until", f.until.as_str()),
            ])
            .refused(&agent.t, e, HOLIDAY_FIELDS)
            .map_err(|e| agent.err(e))?;
            let c = s
                .app
                .calendar(agent.actor(), id)
                .await
                .map_err(|e| agent.err(e))?;
            let week = week_words(&agent.t, &c.intervals);
            Ok(super::refused(
                calendar_page(
                    &s,
                    agent,
                    Some(id),
                    stored_calendar_form(&c),
                    holiday_form,
                    week,
                    None,
                )
                .await?,
            ))
        }
    }
}

pub async fn post_holiday_delete(
    State(s): State<AppState>,
    agent: Agent,
    Path((id, hid)): Path<(i64, i64)>,
) -> PageResult {
    s.app
        .delete_holiday(agent.actor(), id, hid)
        .await
        .map_err(|e| agent.err(e))?;
    Ok(super::see_other(&format!(
        "/admin/calendars/{id}?notice=saved#holidays"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Locale;

    fn pairs(v: &[(&str, &str)]) -> Pairs {
        Pairs(
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_week_with_two_intervals_a_day_reads_back_in_words() {
        let t = T::new(Locale::Fr, "Europe/Paris", 0);
        let p = pairs(&[
            ("d1_0_open", "09:00"),
            ("d1_0_close", "12:00"),
            ("d1_1_open", "14:00"),
            ("d1_1_close", "18:00"),
            ("d6_0_open", "10:00"),
            ("d6_0_close", "13:00"),
        ]);
        let i = calendar_intervals(&t, &p).unwrap();
        assert_eq!(
            i,
            vec![
                (1440 + 540, 1440 + 720),
                (1440 + 840, 1440 + 1080),
                (6 * 1440 + 600, 6 * 1440 + 780)
            ]
        );
        let w = week_words(&t, &i);
        assert_eq!(w[0], "Lundi\u{a0}: 09:00–12:00, 14:00–18:00");
        assert_eq!(w[1], "Mardi\u{a0}: fermé");
        assert_eq!(w[5], "Samedi\u{a0}: 10:00–13:00");
    }

    #[test]
    fn a_closing_before_opening_or_overlapping_slots_are_marked_on_the_day() {
        let t = T::new(Locale::Fr, "Europe/Paris", 0);
        let f = calendar_intervals(
            &t,
            &pairs(&[("d2_0_open", "18:00"), ("d2_0_close", "09:00")]),
        )
        .unwrap_err();
        assert!(f.err("d2_0_open").is_some());
        let f = calendar_intervals(
            &t,
            &pairs(&[
                ("d3_0_open", "09:00"),
                ("d3_0_close", "13:00"),
                ("d3_1_open", "12:00"),
                ("d3_1_close", "17:00"),
            ]),
        )
        .unwrap_err();
        assert!(f.err("d3_0_open").is_some());
        let f = calendar_intervals(&t, &pairs(&[])).unwrap_err();
        assert_eq!(f.summary.len(), 1);
    }
}
