//! Business-hours calendars: weekly opening intervals in a time zone, minus holidays, and the
//! arithmetic SLA targets need (business time between two instants, the instant at which an
//! amount of business time has elapsed).
//!
//! Every computation walks the same sequence of business spans (one private iterator), so
//! `business_between(s, add_business(s, d).unwrap()) == d` holds exactly, DST days included.

use jiff::{
    SignedDuration, Timestamp,
    civil::{Date, Time, Weekday},
    tz::{TimeZone, TimeZoneDatabase},
};
use std::sync::OnceLock;

/// Minutes in a local day; an interval may end at 1440 (= next day 00:00).
const DAY_MINUTES: u16 = 1440;
/// Minutes in a Zendesk schedule week (Sunday 00:00 to the next Sunday 00:00).
const WEEK_MINUTES: u32 = 7 * 1440;
/// `add_business` gives up after this many consecutive days without business time: such a
/// calendar (e.g. a holiday range of ten years) would otherwise be walked to year 9999.
const MAX_CLOSED_DAYS: u32 = 3660;

/// A holiday: no business time on those days (in the calendar's zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holiday {
    Single(Date),
    /// Inclusive range of dates.
    Range {
        start: Date,
        end: Date,
    },
    /// Every year on this month/day (e.g. 1 May, 25 December).
    Yearly {
        month: i8,
        day: i8,
    },
}

impl Holiday {
    fn contains(&self, d: Date) -> bool {
        match *self {
            Holiday::Single(x) => x == d,
            Holiday::Range { start, end } => start <= d && d <= end,
            Holiday::Yearly { month, day } => d.month() == month && d.day() == day,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{weekday:?}: interval {}-{} ends after 24:00 (minute 1440)", hm(*.start), hm(*.end))]
    OutOfRange {
        weekday: Weekday,
        start: u16,
        end: u16,
    },
    #[error("{weekday:?}: interval {}-{} must start before it ends", hm(*.start), hm(*.end))]
    EmptyInterval {
        weekday: Weekday,
        start: u16,
        end: u16,
    },
    #[error(
        "{weekday:?}: intervals {}-{} and {}-{} overlap",
        hm(.first.0), hm(.first.1), hm(.second.0), hm(.second.1)
    )]
    Overlap {
        weekday: Weekday,
        first: (u16, u16),
        second: (u16, u16),
    },
    #[error("holiday range {start}..{end} ends before it starts")]
    HolidayRange { start: Date, end: Date },
    #[error("yearly holiday month {month}, day {day} is not a day of the year")]
    YearlyHoliday { month: i8, day: i8 },
    #[error("{0:?} is not a known IANA time zone")]
    UnknownTimeZone(String),
    #[error(
        "Zendesk interval {start}-{end} must satisfy start < end <= 10080 \
         and stay within one day (minutes since Sunday 00:00)"
    )]
    ZendeskInterval { start: u32, end: u32 },
}

/// "09:30" for minute 570; used only in error messages.
fn hm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The bundled tzdb (feature `tzdb-bundle-always`), loaded once: schedules must not change
/// meaning with whatever tzdata the host has (or lacks).
fn bundled_db() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    /// `week[0]` = Monday; each day sorted, non-overlapping, adjacent intervals merged.
    week: [Vec<(u16, u16)>; 7],
    holidays: Vec<Holiday>,
    /// Every day fully open and no holidays: business time is wall-clock time.
    always: bool,
    /// At least one weekday has an interval.
    any_open: bool,
}

impl Calendar {
    /// Round the clock, every day: business time equals wall-clock time.
    pub fn always() -> Calendar {
        Calendar {
            tz: TimeZone::UTC,
            week: std::array::from_fn(|_| vec![(0, DAY_MINUTES)]),
            holidays: Vec::new(),
            always: true,
            any_open: true,
        }
    }

    /// `week[0]` = Monday … `week[6]` = Sunday; each interval is (start_minute, end_minute)
    /// of the local day, 0 <= start < end <= 1440; intervals of a day may be given unsorted
    /// but must not overlap (adjacent is fine and merged).
    pub fn new(
        time_zone: TimeZone,
        week: [Vec<(u16, u16)>; 7],
        holidays: Vec<Holiday>,
    ) -> Result<Calendar, CalendarError> {
        let mut norm: [Vec<(u16, u16)>; 7] = Default::default();
        for (i, day) in week.into_iter().enumerate() {
            norm[i] = normalize_day(weekday(i), day)?;
        }
        for h in &holidays {
            match *h {
                Holiday::Single(_) => {}
                Holiday::Range { start, end } => {
                    if end < start {
                        return Err(CalendarError::HolidayRange { start, end });
                    }
                }
                // 2024 is a leap year, so 29 February is accepted (it applies in leap years).
                Holiday::Yearly { month, day } => {
                    if Date::new(2024, month, day).is_err() {
                        return Err(CalendarError::YearlyHoliday { month, day });
                    }
                }
            }
        }
        // A week of full days without holidays is wall-clock time in any zone (each day's
        // span ends at the very instant the next one starts), so take the exact fast path.
        let always = holidays.is_empty() && norm.iter().all(|d| d[..] == [(0, DAY_MINUTES)]);
        let any_open = norm.iter().any(|d| !d.is_empty());
        Ok(Calendar {
            tz: time_zone,
            week: norm,
            holidays,
            always,
            any_open,
        })
    }

    /// Same, time zone by IANA name ("Europe/Paris"); unknown name -> CalendarError.
    pub fn with_zone_name(
        name: &str,
        week: [Vec<(u16, u16)>; 7],
        holidays: Vec<Holiday>,
    ) -> Result<Calendar, CalendarError> {
        // The global database prefers the system's tzdata; ask the bundled copy first and fall
        // back to the global one only for a name the bundle lacks.
        let tz = bundled_db()
            .get(name)
            .or_else(|_| TimeZone::get(name))
            .map_err(|_| CalendarError::UnknownTimeZone(name.to_string()))?;
        Calendar::new(tz, week, holidays)
    }

    /// Zendesk's schedule intervals: minutes since Sunday 00:00 (0..=10080), an interval may
    /// not cross midnight.
    pub fn week_from_zendesk(
        intervals: &[(u32, u32)],
    ) -> Result<[Vec<(u16, u16)>; 7], CalendarError> {
        let mut week: [Vec<(u16, u16)>; 7] = Default::default();
        for &(start, end) in intervals {
            // `end` may be the midnight that closes the day, hence `end - 1` for its day.
            if start >= end || end > WEEK_MINUTES || start / 1440 != (end - 1) / 1440 {
                return Err(CalendarError::ZendeskInterval { start, end });
            }
            let sunday_day = start / 1440;
            let base = sunday_day * 1440;
            // Zendesk counts from Sunday, we count from Monday.
            let idx = ((sunday_day + 6) % 7) as usize;
            week[idx].push(((start - base) as u16, (end - base) as u16));
        }
        let mut norm: [Vec<(u16, u16)>; 7] = Default::default();
        for (i, day) in week.into_iter().enumerate() {
            norm[i] = normalize_day(weekday(i), day)?;
        }
        Ok(norm)
    }

    /// The week as Zendesk intervals (minutes since Sunday 00:00), sorted from Sunday.
    pub fn zendesk_intervals(&self) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = (0..7)
            .flat_map(|i| {
                let base = ((i as u32 + 1) % 7) * 1440;
                self.week[i]
                    .iter()
                    .map(move |&(s, e)| (base + u32::from(s), base + u32::from(e)))
            })
            .collect();
        out.sort_unstable();
        out
    }

    pub fn is_always(&self) -> bool {
        self.always
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    pub fn week(&self) -> &[Vec<(u16, u16)>; 7] {
        &self.week
    }

    pub fn holidays(&self) -> &[Holiday] {
        &self.holidays
    }

    pub fn is_holiday(&self, d: Date) -> bool {
        self.holidays.iter().any(|h| h.contains(d))
    }

    /// Is `t` inside business time?
    pub fn is_open(&self, t: Timestamp) -> bool {
        if self.always {
            return true;
        }
        // A span clipped to [t, t + 1ns) is non-empty exactly when t lies inside it.
        match t.checked_add(SignedDuration::from_nanos(1)) {
            Ok(next) => self.spans(t, Some(next)).next().is_some(),
            Err(_) => false,
        }
    }

    /// Business time in [a, b); zero when b <= a.
    pub fn business_between(&self, a: Timestamp, b: Timestamp) -> SignedDuration {
        if b <= a {
            return SignedDuration::ZERO;
        }
        if self.always {
            return b.duration_since(a);
        }
        self.spans(a, Some(b))
            .map(|(s, e)| e.duration_since(s))
            .sum()
    }

    /// Business time in [a, b) minus the parts that fall in `pauses` (spans [p0, p1), may be
    /// unsorted/overlapping/outside [a,b); overlapping pauses must not be subtracted twice).
    pub fn business_between_excluding(
        &self,
        a: Timestamp,
        b: Timestamp,
        pauses: &[(Timestamp, Timestamp)],
    ) -> SignedDuration {
        if b <= a {
            return SignedDuration::ZERO;
        }
        let mut clipped: Vec<(Timestamp, Timestamp)> = pauses
            .iter()
            .filter_map(|&(p0, p1)| {
                let (s, e) = (p0.max(a), p1.min(b));
                (s < e).then_some((s, e))
            })
            .collect();
        clipped.sort_unstable();
        let mut merged: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(clipped.len());
        for (s, e) in clipped {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        // Both sequences are sorted and disjoint: one pass, subtracting each overlap once.
        let mut total = SignedDuration::ZERO;
        let mut first = 0;
        for (s, e) in self.spans(a, Some(b)) {
            total += e.duration_since(s);
            while first < merged.len() && merged[first].1 <= s {
                first += 1;
            }
            for &(p0, p1) in merged[first..].iter().take_while(|p| p.0 < e) {
                let (os, oe) = (p0.max(s), p1.min(e));
                if os < oe {
                    total -= oe.duration_since(os);
                }
            }
        }
        total
    }

    /// The instant at which `amount` of business time has elapsed since `start`. amount <= 0
    /// returns `start` unchanged. None when the calendar has no business time at all (every
    /// weekday empty, or no open day within 10 years), or the result is out of jiff's range.
    pub fn add_business(&self, start: Timestamp, amount: SignedDuration) -> Option<Timestamp> {
        if amount <= SignedDuration::ZERO {
            return Some(start);
        }
        if self.always {
            return start.checked_add(amount).ok();
        }
        if !self.any_open {
            return None;
        }
        let mut remaining = amount;
        for (s, e) in self.spans(start, None) {
            let len = e.duration_since(s);
            // `<=`: landing exactly on an interval's end returns that end.
            if remaining <= len {
                return s.checked_add(remaining).ok();
            }
            remaining -= len;
        }
        None
    }

    /// The opening intervals of a local date: none on a holiday.
    fn intervals_on(&self, date: Date) -> &[(u16, u16)] {
        if self.is_holiday(date) {
            return &[];
        }
        &self.week[date.weekday().to_monday_zero_offset() as usize]
    }

    /// The instant of `minute` of the local `date` (1440 = next day 00:00), with jiff's
    /// compatible disambiguation: a time in a gap is read with the offset before the gap, the
    /// first of two repeated times is taken.
    fn local_instant(&self, date: Date, minute: u16) -> Option<Timestamp> {
        let dt = if minute >= DAY_MINUTES {
            date.tomorrow().ok()?.to_datetime(Time::midnight())
        } else {
            date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0)
        };
        self.tz.to_timestamp(dt).ok()
    }

    /// Business spans clipped to [from, until) in increasing order (until = None: unbounded).
    /// The single place where local intervals become instants, shared by every computation.
    fn spans(&self, from: Timestamp, until: Option<Timestamp>) -> Spans<'_> {
        if self.always {
            return Spans {
                cal: self,
                date: Date::MIN,
                today: &[],
                idx: 0,
                last: None,
                from,
                until,
                prev_end: None,
                open_today: false,
                closed_days: 0,
                done: false,
                always: true,
            };
        }
        let local = |t: Timestamp| self.tz.to_datetime(t).date();
        // Start the walk one local day early: a span of the previous day may still be running
        // at `from` (fall-back folds), and its end clamps the next spans the same way whatever
        // instant a walk starts from (that is what keeps between(a,b)+between(b,c) exact).
        let first = local(from);
        let first = first.yesterday().unwrap_or(first);
        let last = until.map(|u| {
            let d = local(u);
            d.tomorrow().unwrap_or(d)
        });
        Spans {
            cal: self,
            date: first,
            today: self.intervals_on(first),
            idx: 0,
            last,
            from,
            until,
            prev_end: None,
            open_today: false,
            closed_days: 0,
            done: false,
            always: false,
        }
    }
}

/// Sort a day's intervals, check them, merge adjacent ones.
fn normalize_day(
    weekday: Weekday,
    mut day: Vec<(u16, u16)>,
) -> Result<Vec<(u16, u16)>, CalendarError> {
    for &(start, end) in &day {
        if end > DAY_MINUTES {
            return Err(CalendarError::OutOfRange {
                weekday,
                start,
                end,
            });
        }
        if start >= end {
            return Err(CalendarError::EmptyInterval {
                weekday,
                start,
                end,
            });
        }
    }
    day.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::with_capacity(day.len());
    for (start, end) in day {
        match out.last_mut() {
            Some(last) if start < last.1 => {
                return Err(CalendarError::Overlap {
                    weekday,
                    first: *last,
                    second: (start, end),
                });
            }
            Some(last) if start == last.1 => last.1 = end,
            _ => out.push((start, end)),
        }
    }
    Ok(out)
}

fn weekday(monday_zero: usize) -> Weekday {
    Weekday::from_monday_zero_offset(monday_zero as i8).expect("0..7 is a weekday")
}

/// Walks business spans day by day without allocating.
struct Spans<'c> {
    cal: &'c Calendar,
    date: Date,
    /// Intervals of `date` (empty on a holiday).
    today: &'c [(u16, u16)],
    idx: usize,
    /// Last local date worth looking at, when bounded.
    last: Option<Date>,
    from: Timestamp,
    until: Option<Timestamp>,
    /// End of the latest span produced (before clipping). Around DST a later interval can map
    /// to an instant before an earlier one ends (02:30 in a spring gap is read as 03:30); its
    /// start is pushed to this end so no instant is counted twice and spans stay increasing.
    prev_end: Option<Timestamp>,
    open_today: bool,
    /// Consecutive days without business time (unbounded walks only).
    closed_days: u32,
    done: bool,
    always: bool,
}

impl Spans<'_> {
    /// Move to the next local date; false when the walk is over.
    fn advance_day(&mut self) -> bool {
        if self.until.is_none() {
            if self.open_today {
                self.closed_days = 0;
            } else {
                self.closed_days += 1;
                if self.closed_days > MAX_CLOSED_DAYS {
                    return false;
                }
            }
        }
        if self.last.is_some_and(|last| self.date >= last) {
            return false;
        }
        let Ok(next) = self.date.tomorrow() else {
            return false;
        };
        self.date = next;
        self.today = self.cal.intervals_on(next);
        self.idx = 0;
        self.open_today = false;
        true
    }
}

impl Iterator for Spans<'_> {
    type Item = (Timestamp, Timestamp);

    fn next(&mut self) -> Option<(Timestamp, Timestamp)> {
        if self.done {
            return None;
        }
        if self.always {
            self.done = true;
            let end = self.until.unwrap_or(Timestamp::MAX);
            return (self.from < end).then_some((self.from, end));
        }
        loop {
            let Some(&(sm, em)) = self.today.get(self.idx) else {
                if !self.advance_day() {
                    self.done = true;
                    return None;
                }
                continue;
            };
            self.idx += 1;
            let (Some(raw_s), Some(raw_e)) = (
                self.cal.local_instant(self.date, sm),
                self.cal.local_instant(self.date, em),
            ) else {
                continue;
            };
            let s = match self.prev_end {
                Some(p) if p > raw_s => p,
                _ => raw_s,
            };
            // Empty or inverted after conversion (inside a gap, or swallowed by the clamp).
            if s >= raw_e {
                continue;
            }
            self.prev_end = Some(raw_e);
            self.open_today = true;
            if let Some(u) = self.until
                && s >= u
            {
                // Spans only move forward: nothing later can fall before `until`.
                self.done = true;
                return None;
            }
            let cs = s.max(self.from);
            let ce = self.until.map_or(raw_e, |u| raw_e.min(u));
            if cs < ce {
                return Some((cs, ce));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    const MON_FRI_9_17: [(u32, u32); 5] = [
        (1980, 2460),
        (3420, 3900),
        (4860, 5340),
        (6300, 6780),
        (7740, 8220),
    ];

    fn mins(m: i64) -> SignedDuration {
        SignedDuration::from_mins(m)
    }

    fn zone(name: &str) -> TimeZone {
        bundled_db().get(name).expect("bundled zone")
    }

    fn at(tz: &TimeZone, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> Timestamp {
        tz.to_timestamp(date(y, mo, d).at(h, mi, 0, 0)).unwrap()
    }

    fn office(holidays: Vec<Holiday>) -> Calendar {
        let mut week: [Vec<(u16, u16)>; 7] = Default::default();
        for day in week.iter_mut().take(5) {
            day.push((540, 1020));
        }
        Calendar::with_zone_name("Europe/Paris", week, holidays).unwrap()
    }

    fn every_day(tz: &str, intervals: Vec<(u16, u16)>) -> Calendar {
        Calendar::with_zone_name(tz, std::array::from_fn(|_| intervals.clone()), vec![]).unwrap()
    }

    #[test]
    fn zendesk_reference_vector() {
        let paris = zone("Europe/Paris");
        let week = Calendar::week_from_zendesk(&MON_FRI_9_17).unwrap();
        let from_zendesk = Calendar::new(paris.clone(), week, vec![]).unwrap();
        for cal in [office(vec![]), from_zendesk] {
            // Friday 13 June 2025, 16:30.
            let fri = at(&paris, 2025, 6, 13, 16, 30);
            assert_eq!(
                cal.add_business(fri, mins(60)),
                Some(at(&paris, 2025, 6, 16, 9, 30))
            );
            let replied = at(&paris, 2025, 6, 16, 9, 20);
            assert_eq!(cal.business_between(fri, replied), mins(50));
            assert_eq!(replied.duration_since(fri), mins(3890));
        }
        let cal = office(vec![Holiday::Single(date(2025, 6, 16))]);
        let fri = at(&paris, 2025, 6, 13, 16, 30);
        assert_eq!(
            cal.add_business(fri, mins(60)),
            Some(at(&paris, 2025, 6, 17, 9, 30))
        );
    }

    #[test]
    fn zammad_reference_vector() {
        let paris = zone("Europe/Paris");
        let fri = at(&paris, 2025, 6, 13, 16, 0);
        let cal = office(vec![]);
        assert_eq!(
            cal.add_business(fri, mins(120)),
            Some(at(&paris, 2025, 6, 16, 10, 0))
        );
        let holiday = office(vec![Holiday::Yearly { month: 6, day: 16 }]);
        assert_eq!(
            holiday.add_business(fri, mins(120)),
            Some(at(&paris, 2025, 6, 17, 10, 0))
        );
        let pause = [(
            at(&paris, 2025, 6, 16, 9, 0),
            at(&paris, 2025, 6, 16, 9, 30),
        )];
        let mon_1030 = at(&paris, 2025, 6, 16, 10, 30);
        assert_eq!(
            cal.business_between_excluding(fri, mon_1030, &pause),
            mins(120)
        );
        let mon_1029 = at(&paris, 2025, 6, 16, 10, 29);
        assert_eq!(
            cal.business_between_excluding(fri, mon_1029, &pause),
            mins(119)
        );
    }

    #[test]
    fn landing_on_an_interval_end_returns_that_end() {
        let paris = zone("Europe/Paris");
        let cal = office(vec![]);
        let fri = at(&paris, 2025, 6, 13, 16, 30);
        let five = at(&paris, 2025, 6, 13, 17, 0);
        assert_eq!(cal.add_business(fri, mins(30)), Some(five));
        assert!(!cal.is_open(five));
        assert!(cal.is_open(at(&paris, 2025, 6, 13, 16, 59)));
        assert!(cal.is_open(at(&paris, 2025, 6, 16, 9, 0)));
        assert!(!cal.is_open(at(&paris, 2025, 6, 14, 12, 0)));
    }

    #[test]
    fn non_positive_amounts_and_empty_calendars() {
        let paris = zone("Europe/Paris");
        let t = at(&paris, 2025, 6, 14, 3, 7);
        let cal = office(vec![]);
        assert_eq!(cal.add_business(t, SignedDuration::ZERO), Some(t));
        assert_eq!(cal.add_business(t, mins(-5)), Some(t));
        assert_eq!(cal.business_between(t, t), SignedDuration::ZERO);
        assert_eq!(
            cal.business_between(t, at(&paris, 2025, 6, 1, 0, 0)),
            SignedDuration::ZERO
        );

        let closed = Calendar::new(paris.clone(), Default::default(), vec![]).unwrap();
        assert_eq!(closed.add_business(t, mins(1)), None);
        let decade_off = office(vec![Holiday::Range {
            start: date(2025, 1, 1),
            end: date(2040, 1, 1),
        }]);
        assert_eq!(decade_off.add_business(t, mins(1)), None);
        let short_break = office(vec![Holiday::Range {
            start: date(2025, 1, 1),
            end: date(2031, 1, 1),
        }]);
        // 2031-01-02 is a Thursday.
        assert_eq!(
            short_break.add_business(t, mins(1)),
            Some(at(&paris, 2031, 1, 2, 9, 1))
        );
    }

    #[test]
    fn dst_day_with_interval_over_the_change() {
        for (tz, y, m, d, hours) in [
            ("Europe/Paris", 2026, 3, 29, 2),
            ("Europe/Paris", 2026, 10, 25, 4),
            ("America/New_York", 2026, 3, 8, 2),
            ("America/New_York", 2026, 11, 1, 4),
        ] {
            let cal = every_day(tz, vec![(60, 240)]);
            let zone = cal.time_zone().clone();
            let day = at(&zone, y, m, d, 0, 0);
            let next = at(&zone, y, m, d + 1, 0, 0);
            assert_eq!(
                cal.business_between(day, next),
                SignedDuration::from_hours(hours),
                "{tz} {m}-{d}"
            );
            let one = at(&zone, y, m, d, 1, 0);
            let four = at(&zone, y, m, d, 4, 0);
            assert_eq!(
                cal.add_business(day, SignedDuration::from_hours(hours)),
                Some(four)
            );
            assert_eq!(
                cal.business_between(one, four),
                SignedDuration::from_hours(hours)
            );
        }
    }

    #[test]
    fn intervals_inside_a_gap_count_once() {
        let paris = zone("Europe/Paris");
        let day = at(&paris, 2026, 3, 29, 0, 0);
        let next = at(&paris, 2026, 3, 30, 0, 0);
        // Wholly inside the 02:00-03:00 gap: empty.
        let cal = every_day("Europe/Paris", vec![(120, 180)]);
        assert_eq!(cal.business_between(day, next), SignedDuration::ZERO);
        // 02:30 reads as 03:30, after 03:20: inverted, skipped.
        let cal = every_day("Europe/Paris", vec![(150, 200)]);
        assert_eq!(cal.business_between(day, next), SignedDuration::ZERO);
        // 01:00-02:30 runs until 03:30 real time and overlaps 03:00-04:00: the overlap counts
        // once, so the day has the 2 h that really elapse between 01:00 and 04:00.
        let cal = every_day("Europe/Paris", vec![(60, 150), (180, 240)]);
        assert_eq!(
            cal.business_between(day, next),
            SignedDuration::from_hours(2)
        );
        let three_thirty = at(&paris, 2026, 3, 29, 3, 30);
        let start = at(&paris, 2026, 3, 29, 1, 0);
        assert_eq!(cal.add_business(start, mins(90)), Some(three_thirty));
        assert_eq!(
            cal.add_business(start, mins(120)),
            Some(at(&paris, 2026, 3, 29, 4, 0))
        );
        assert_eq!(cal.business_between(start, three_thirty), mins(90));
        assert_eq!(
            cal.business_between(start, three_thirty) + cal.business_between(three_thirty, next),
            cal.business_between(start, next)
        );
    }

    #[test]
    fn zendesk_intervals_round_trip() {
        let week = Calendar::week_from_zendesk(&MON_FRI_9_17).unwrap();
        assert_eq!(week[0], vec![(540, 1020)]);
        assert!(week[5].is_empty() && week[6].is_empty());
        let cal = Calendar::new(TimeZone::UTC, week, vec![]).unwrap();
        assert_eq!(cal.zendesk_intervals(), MON_FRI_9_17.to_vec());
        // Sunday morning and the last hour of Saturday (ends at 10080).
        let odd = [(10020, 10080), (0, 60), (60, 120)];
        let week = Calendar::week_from_zendesk(&odd).unwrap();
        assert_eq!(week[6], vec![(0, 120)]);
        assert_eq!(week[5], vec![(1380, 1440)]);
        let cal = Calendar::new(TimeZone::UTC, week, vec![]).unwrap();
        assert_eq!(cal.zendesk_intervals(), vec![(0, 120), (10020, 10080)]);
        assert_eq!(Calendar::always().zendesk_intervals().len(), 7);
    }

    #[test]
    fn errors() {
        let day = |iv: Vec<(u16, u16)>| {
            let mut w: [Vec<(u16, u16)>; 7] = Default::default();
            w[2] = iv;
            Calendar::new(TimeZone::UTC, w, vec![])
        };
        let err = day(vec![(600, 720), (540, 660)]).unwrap_err();
        assert_eq!(
            err,
            CalendarError::Overlap {
                weekday: Weekday::Wednesday,
                first: (540, 660),
                second: (600, 720)
            }
        );
        assert_eq!(
            err.to_string(),
            "Wednesday: intervals 09:00-11:00 and 10:00-12:00 overlap"
        );
        assert!(matches!(
            day(vec![(600, 1441)]),
            Err(CalendarError::OutOfRange { .. })
        ));
        assert!(matches!(
            day(vec![(600, 600)]),
            Err(CalendarError::EmptyInterval { .. })
        ));
        assert!(matches!(
            day(vec![(700, 600)]),
            Err(CalendarError::EmptyInterval { .. })
        ));
        // Adjacent intervals merge.
        assert_eq!(
            day(vec![(600, 720), (540, 600)]).unwrap().week()[2],
            vec![(540, 720)]
        );
        assert_eq!(
            Calendar::with_zone_name("Mars/Olympus_Mons", Default::default(), vec![]).unwrap_err(),
            CalendarError::UnknownTimeZone("Mars/Olympus_Mons".into())
        );
        for bad in [(1400, 1500), (600, 600), (10000, 10081), (1500, 1400)] {
            assert_eq!(
                Calendar::week_from_zendesk(&[bad]).unwrap_err(),
                CalendarError::ZendeskInterval {
                    start: bad.0,
                    end: bad.1
                }
            );
        }
        assert!(matches!(
            Calendar::week_from_zendesk(&[(1980, 2460), (2400, 2500)]),
            Err(CalendarError::Overlap {
                weekday: Weekday::Monday,
                ..
            })
        ));
        let holiday = |h| Calendar::new(TimeZone::UTC, Default::default(), vec![h]);
        assert!(matches!(
            holiday(Holiday::Range {
                start: date(2025, 5, 2),
                end: date(2025, 5, 1)
            }),
            Err(CalendarError::HolidayRange { .. })
        ));
        assert!(matches!(
            holiday(Holiday::Yearly { month: 2, day: 30 }),
            Err(CalendarError::YearlyHoliday { .. })
        ));
        assert!(matches!(
            holiday(Holiday::Yearly { month: 13, day: 1 }),
            Err(CalendarError::YearlyHoliday { .. })
        ));
        assert!(holiday(Holiday::Yearly { month: 2, day: 29 }).is_ok());
    }

    #[test]
    fn always_is_wall_clock_and_detected() {
        let cal = Calendar::always();
        assert!(cal.is_always());
        let full = Calendar::with_zone_name(
            "Europe/Paris",
            std::array::from_fn(|_| vec![(0, 720), (720, 1440)]),
            vec![],
        )
        .unwrap();
        assert!(full.is_always());
        assert!(!office(vec![]).is_always());
        let with_holiday = Calendar::new(
            TimeZone::UTC,
            std::array::from_fn(|_| vec![(0, 1440)]),
            vec![Holiday::Single(date(2025, 1, 1))],
        )
        .unwrap();
        assert!(!with_holiday.is_always());
        assert!(with_holiday.is_holiday(date(2025, 1, 1)));
        let t = at(&TimeZone::UTC, 2025, 1, 1, 12, 0);
        assert!(!with_holiday.is_open(t));
        assert!(cal.is_open(t));
    }

    #[test]
    fn a_year_is_walked_quickly() {
        let paris = zone("Europe/Paris");
        let cal = office(vec![
            Holiday::Yearly { month: 5, day: 1 },
            Holiday::Yearly { month: 12, day: 25 },
        ]);
        let a = at(&paris, 2025, 1, 1, 0, 0);
        let b = at(&paris, 2026, 1, 1, 0, 0);
        // 2025: 261 weekdays, 1 May (Thursday) and 25 December (Thursday) off.
        assert_eq!(
            cal.business_between(a, b),
            SignedDuration::from_hours(259 * 8)
        );
        let started = std::time::Instant::now();
        for _ in 0..100 {
            std::hint::black_box(cal.business_between(a, b));
        }
        let per_year = started.elapsed() / 100;
        // Generous: debug builds on a busy machine; release is far below a millisecond.
        assert!(
            per_year < std::time::Duration::from_millis(20),
            "{per_year:?}"
        );
        assert_eq!(
            cal.add_business(a, SignedDuration::from_hours(259 * 8)),
            Some(at(&paris, 2025, 12, 31, 17, 0))
        );
    }

    // ---- property tests ----

    const ZONES: [&str; 3] = ["Europe/Paris", "America/New_York", "UTC"];
    /// Local dates of DST changes in 2025-2027, to start walks near them.
    const EU_DST_DAYS: [(i16, i8, i8); 6] = [
        (2025, 3, 30),
        (2025, 10, 26),
        (2026, 3, 29),
        (2026, 10, 25),
        (2027, 3, 28),
        (2027, 10, 31),
    ];
    const US_DST_DAYS: [(i16, i8, i8); 6] = [
        (2025, 3, 9),
        (2025, 11, 2),
        (2026, 3, 8),
        (2026, 11, 1),
        (2027, 3, 14),
        (2027, 11, 7),
    ];
    const RANGE_START_MS: i64 = 1_735_689_600_000; // 2025-01-01T00:00Z
    const RANGE_END_MS: i64 = 1_830_297_600_000; // 2028-01-01T00:00Z

    fn minute_point() -> impl Strategy<Value = u16> {
        // Bias towards the hours of DST changes and office hours.
        prop_oneof![
            prop::sample::select(vec![
                0u16, 60, 90, 120, 130, 150, 180, 200, 240, 480, 540, 720, 1020, 1380, 1440
            ]),
            0u16..=1440,
        ]
    }

    fn day_intervals() -> impl Strategy<Value = Vec<(u16, u16)>> {
        prop::collection::vec(minute_point(), 0..7).prop_map(|mut pts| {
            pts.sort_unstable();
            pts.dedup();
            pts.chunks_exact(2).map(|c| (c[0], c[1])).collect()
        })
    }

    /// Intervals of the small hours, where the DST changes happen.
    fn night_intervals() -> impl Strategy<Value = Vec<(u16, u16)>> {
        let points = vec![0u16, 60, 90, 120, 130, 150, 170, 180, 190, 200, 240, 300];
        prop::collection::vec(prop::sample::select(points), 2..7).prop_map(|mut pts| {
            pts.sort_unstable();
            pts.dedup();
            pts.chunks_exact(2).map(|c| (c[0], c[1])).collect()
        })
    }

    /// A zone and one of its DST change days.
    fn dst_day() -> impl Strategy<Value = (&'static str, (i16, i8, i8))> {
        prop_oneof![
            (
                Just("Europe/Paris"),
                prop::sample::select(EU_DST_DAYS.to_vec())
            ),
            (
                Just("America/New_York"),
                prop::sample::select(US_DST_DAYS.to_vec())
            ),
        ]
    }

    fn a_date() -> impl Strategy<Value = Date> {
        (0i64..3 * 366).prop_map(|n| {
            date(2025, 1, 1)
                .checked_add(jiff::Span::new().days(n))
                .unwrap()
        })
    }

    fn holiday() -> impl Strategy<Value = Holiday> {
        prop_oneof![
            a_date().prop_map(Holiday::Single),
            (a_date(), 0i64..6).prop_map(|(d, n)| Holiday::Range {
                start: d,
                end: d.checked_add(jiff::Span::new().days(n)).unwrap()
            }),
            (1i8..=12, 1i8..=28).prop_map(|(month, day)| Holiday::Yearly { month, day }),
        ]
    }

    fn calendar() -> impl Strategy<Value = Calendar> {
        (
            prop::sample::select(ZONES.to_vec()),
            prop::array::uniform7(day_intervals()),
            prop::collection::vec(holiday(), 0..4),
        )
            .prop_map(|(tz, week, holidays)| Calendar::with_zone_name(tz, week, holidays).unwrap())
    }

    fn instant() -> impl Strategy<Value = Timestamp> {
        prop_oneof![
            (RANGE_START_MS..RANGE_END_MS).prop_map(|ms| Timestamp::from_millisecond(ms).unwrap()),
            // Within three days of a DST change (UTC midnight of that date is close enough).
            (
                prop::sample::select([EU_DST_DAYS, US_DST_DAYS].concat()),
                -3 * 86_400_000i64..3 * 86_400_000
            )
                .prop_map(|((y, m, d), off)| {
                    let base = TimeZone::UTC
                        .to_timestamp(date(y, m, d).at(0, 0, 0, 0))
                        .unwrap();
                    base.checked_add(SignedDuration::from_millis(off)).unwrap()
                }),
        ]
    }

    fn amount() -> impl Strategy<Value = SignedDuration> {
        prop_oneof![
            (0i64..=21 * 24 * 60).prop_map(SignedDuration::from_mins),
            (0i64..=21 * 86_400_000).prop_map(SignedDuration::from_millis),
            (-1_000_000i64..=0).prop_map(SignedDuration::from_millis),
        ]
    }

    fn open_anywhere(cal: &Calendar) -> bool {
        cal.week().iter().any(|d| !d.is_empty())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn prop_round_trip(cal in calendar(), s in instant(), d in amount()) {
            let r = cal.add_business(s, d);
            if d <= SignedDuration::ZERO {
                prop_assert_eq!(r, Some(s));
            } else if !open_anywhere(&cal) {
                prop_assert_eq!(r, None);
            } else {
                let r = r.expect("an open calendar reaches any amount");
                prop_assert_eq!(cal.business_between(s, r), d);
                // The last instant counted is open; the result is open or an interval end.
                prop_assert!(cal.is_open(r - SignedDuration::from_nanos(1)));
            }
        }

        #[test]
        fn prop_add_is_monotonic(
            cal in calendar(), s in instant(), d1 in amount(), d2 in amount()
        ) {
            let (d1, d2) = if d1 <= d2 { (d1, d2) } else { (d2, d1) };
            if let (Some(r1), Some(r2)) = (cal.add_business(s, d1), cal.add_business(s, d2)) {
                prop_assert!(r1 <= r2);
                prop_assert!(s <= r1);
            }
        }

        #[test]
        fn prop_between_is_monotonic_and_additive(
            cal in calendar(), a in instant(), b in instant(), c in instant()
        ) {
            let mut v = [a, b, c];
            v.sort();
            let [a, b, c] = v;
            let ab = cal.business_between(a, b);
            let bc = cal.business_between(b, c);
            let ac = cal.business_between(a, c);
            prop_assert!(ab <= ac);
            prop_assert!(ab >= SignedDuration::ZERO && bc >= SignedDuration::ZERO);
            prop_assert!(ac <= c.duration_since(a));
            prop_assert_eq!(ab + bc, ac);
        }

        #[test]
        fn prop_dst_nights_count_each_instant_once(
            night in night_intervals(),
            (tz, (y, m, d)) in dst_day(),
            mut offsets in prop::array::uniform3(0i64..6 * 60),
            d1 in 0i64..6 * 60,
            d2 in 0i64..6 * 60,
        ) {
            // The same intervals around the change hour on every day.
            let cal = every_day(tz, night);
            let midnight = cal.time_zone().to_timestamp(date(y, m, d).at(0, 0, 0, 0)).unwrap();
            offsets.sort_unstable();
            let [a, b, c] = offsets.map(|o| midnight + mins(o));
            let ac = cal.business_between(a, c);
            prop_assert!(ac <= c.duration_since(a));
            prop_assert_eq!(cal.business_between(a, b) + cal.business_between(b, c), ac);
            let (d1, d2) = (mins(d1.min(d2)), mins(d1.max(d2)));
            if let (Some(r1), Some(r2)) = (cal.add_business(a, d1), cal.add_business(a, d2)) {
                prop_assert!(r1 <= r2);
                prop_assert_eq!(cal.business_between(a, r2), d2);
            }
        }

        #[test]
        fn prop_holidays_contribute_zero(cal in calendar(), h in a_date()) {
            let mut holidays = cal.holidays().to_vec();
            holidays.push(Holiday::Single(h));
            let cal = Calendar::new(cal.time_zone().clone(), cal.week().clone(), holidays).unwrap();
            prop_assert!(cal.is_holiday(h));
            let day = cal.time_zone().to_timestamp(h.at(0, 0, 0, 0)).unwrap();
            let next = h.tomorrow().unwrap().at(0, 0, 0, 0);
            let next = cal.time_zone().to_timestamp(next).unwrap();
            prop_assert_eq!(cal.business_between(day, next), SignedDuration::ZERO);
            prop_assert!(!cal.is_open(day));
            if let Some(r) = cal.add_business(day, SignedDuration::from_nanos(1)) {
                prop_assert!(r > next);
            }
        }

        #[test]
        fn prop_always_is_wall_clock(
            a in instant(), b in instant(), d in amount(), ns in 0i64..1_000_000
        ) {
            let cal = Calendar::always();
            let a = a + SignedDuration::from_nanos(ns);
            let expected = if b > a { b.duration_since(a) } else { SignedDuration::ZERO };
            prop_assert_eq!(cal.business_between(a, b), expected);
            let expected = if d > SignedDuration::ZERO { a + d } else { a };
            prop_assert_eq!(cal.add_business(a, d), Some(expected));
            prop_assert_eq!(cal.business_between_excluding(a, b, &[]), cal.business_between(a, b));
        }

        #[test]
        fn prop_excluding(
            cal in calendar(), a in instant(), b in instant(),
            pauses in prop::collection::vec((instant(), 0i64..5 * 86_400_000), 0..5),
        ) {
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            prop_assert_eq!(cal.business_between_excluding(a, b, &[]), cal.business_between(a, b));
            let day = SignedDuration::from_hours(24);
            let everything = [(a - day, b + day)];
            let none_left = cal.business_between_excluding(a, b, &everything);
            prop_assert_eq!(none_left, SignedDuration::ZERO);
            let pauses: Vec<(Timestamp, Timestamp)> = pauses
                .into_iter()
                .map(|(p, len)| (p, p + SignedDuration::from_millis(len)))
                .collect();
            // Oracle: merge the pauses naively and subtract their business time (additivity).
            let mut sorted = pauses.clone();
            sorted.sort();
            let mut merged: Vec<(Timestamp, Timestamp)> = vec![];
            for (s, e) in sorted {
                match merged.last_mut() {
                    Some(l) if s <= l.1 => l.1 = l.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            let paused: SignedDuration = merged
                .iter()
                .map(|&(s, e)| cal.business_between(s.max(a), e.min(b)))
                .sum();
            let got = cal.business_between_excluding(a, b, &pauses);
            prop_assert_eq!(got, cal.business_between(a, b) - paused);
            // Duplicated pauses are not subtracted twice.
            let doubled: Vec<_> = pauses.iter().chain(pauses.iter()).copied().collect();
            prop_assert_eq!(cal.business_between_excluding(a, b, &doubled), got);
        }
    }
}
