//! The screens' strings in French and English (Fluent, `web/locales/{en,fr}/ui.ftl`, loaded
//! with the API's messages by `web::i18n`), and the
//! dates and durations shown to an agent in their own language and time zone.

use domain::Locale;
use web::i18n::{tr, tr_n};

/// A millisecond timestamp as templates hand it over (by value or by reference).
pub trait Ms {
    fn ms(&self) -> i64;
}
impl Ms for i64 {
    fn ms(&self) -> i64 {
        *self
    }
}
impl<M: Ms + ?Sized> Ms for &M {
    fn ms(&self) -> i64 {
        (**self).ms()
    }
}

/// The translator a page's template holds: `{{ t.t("id") }}`.
#[derive(Debug, Clone)]
pub struct T {
    pub locale: Locale,
    pub tz: jiff::tz::TimeZone,
    pub now_ms: i64,
}

impl T {
    pub fn new(locale: Locale, time_zone: &str, now_ms: i64) -> Self {
        let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        T { locale, tz, now_ms }
    }

    pub fn lang(&self) -> &'static str {
        self.locale.as_str()
    }

    pub fn t(&self, id: impl std::fmt::Display) -> String {
        tr(self.locale, &id.to_string(), &[])
    }

    /// With one argument `$x`.
    pub fn t1(&self, id: impl std::fmt::Display, x: impl std::fmt::Display) -> String {
        tr(self.locale, &id.to_string(), &[("x", &x.to_string())])
    }

    /// "Too many attempts; try again in 3 minutes" (minutes, rounded up, from seconds).
    pub fn throttled(&self, secs: u64) -> String {
        tr_n(
            self.locale,
            "err-throttled-minutes",
            secs.div_ceil(60).max(1) as i64,
        )
    }

    /// With named arguments.
    pub fn ta(&self, id: &str, args: &[(&str, &str)]) -> String {
        tr(self.locale, id, args)
    }

    /// With a number `$n` (plural forms select on it).
    pub fn tn(&self, id: impl std::fmt::Display, n: impl Ms) -> String {
        tr_n(self.locale, &id.to_string(), n.ms())
    }

    /// Whether an optional id is this one (a select's current option).
    pub fn is(&self, current: &Option<i64>, id: impl Ms) -> bool {
        *current == Some(id.ms())
    }

    /// A wire value shown in words: `value-status-open`.
    pub fn v(&self, group: impl std::fmt::Display, value: impl std::fmt::Display) -> String {
        self.t(format!("value-{group}-{value}"))
    }

    /// A timestamp in the agent's zone, e.g. `24/11/2026 14:05` or `11/24/2026 2:05 PM`.
    pub fn at(&self, ms: impl Ms) -> String {
        let ms = ms.ms();
        let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
            return String::new();
        };
        let z = ts.to_zoned(self.tz.clone());
        match self.locale {
            Locale::Fr => z.strftime("%d/%m/%Y %H:%M").to_string(),
            Locale::En => z.strftime("%Y-%m-%d %H:%M").to_string(),
        }
    }

    pub fn at_opt(&self, ms: &Option<i64>) -> String {
        ms.map(|m| self.at(m)).unwrap_or_default()
    }

    /// `YYYY-MM-DDTHH:MM` in the agent's zone, for `<input type=datetime-local>`.
    pub fn input_at(&self, ms: &Option<i64>) -> String {
        ms.and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
            .map(|ts| {
                ts.to_zoned(self.tz.clone())
                    .strftime("%Y-%m-%dT%H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    }

    /// Read a `datetime-local` value typed in the agent's zone.
    pub fn parse_input_at(&self, s: &str) -> Option<jiff::Timestamp> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let dt: jiff::civil::DateTime = s.parse().ok()?;
        dt.to_zoned(self.tz.clone()).ok().map(|z| z.timestamp())
    }

    /// Time left until `ms` in words, never mistaken for a time of day: `dans 2 h 05` /
    /// `in 2 h 05`, `en retard de 15 min` / `15 min late` (the due time goes on hover).
    pub fn left(&self, ms: impl Ms) -> String {
        let ms = ms.ms();
        let d = (ms - self.now_ms) / 60_000;
        let m = d.abs();
        let span = if m >= 48 * 60 {
            format!("{}\u{a0}{}", m / (24 * 60), self.t("unit-days"))
        } else if m >= 60 {
            format!("{}\u{a0}h\u{a0}{:02}", m / 60, m % 60)
        } else {
            format!("{m}\u{a0}min")
        };
        let id = if ms < self.now_ms {
            "due-late-by"
        } else {
            "due-in"
        };
        self.t1(id, span)
    }

    /// The colour class of a deadline: overdue, under an hour, or later.
    pub fn urgency(&self, ms: impl Ms) -> &'static str {
        let ms = ms.ms();
        if ms == i64::MAX {
            "none"
        } else if ms < self.now_ms {
            "late"
        } else if ms - self.now_ms < 3_600_000 {
            "soon"
        } else {
            "ok"
        }
    }

    /// A size in bytes as the agent reads it: `12 Ko`, `3,4 Mo` / `12 KB`, `3.4 MB`.
    pub fn size(&self, bytes: impl Ms) -> String {
        let b = bytes.ms().max(0) as f64;
        let (units, sep) = match self.locale {
            Locale::Fr => (["o", "Ko", "Mo", "Go"], ','),
            Locale::En => (["B", "KB", "MB", "GB"], '.'),
        };
        let mut v = b;
        let mut i = 0;
        while v >= 1024.0 && i < 3 {
            v /= 1024.0;
            i += 1;
        }
        let n = if i == 0 || v >= 10.0 {
            format!("{}", v.round() as i64)
        } else {
            format!("{v:.1}").replace('.', &sep.to_string())
        };
        format!("{n}\u{a0}{}", units[i])
    }

    /// An amount in cents with its currency as the agent writes money: `1 200,00 €`
    /// (narrow no-break space between thousands, no-break space before the symbol) or
    /// `€1,200.00`; currencies without a common symbol keep their code (`45,00 CHF`).
    pub fn money(&self, cents: impl Ms, currency: &str) -> String {
        let cents = cents.ms();
        if cents == i64::MAX {
            return self.t("unlimited");
        }
        let neg = if cents < 0 { "-" } else { "" };
        let units = (cents / 100).unsigned_abs().to_string();
        let (sep, dec) = match self.locale {
            Locale::Fr => ('\u{202f}', ','),
            Locale::En => (',', '.'),
        };
        let mut grouped = String::new();
        for (i, ch) in units.chars().enumerate() {
            if i > 0 && (units.len() - i).is_multiple_of(3) {
                grouped.push(sep);
            }
            grouped.push(ch);
        }
        let n = format!("{neg}{grouped}{dec}{:02}", (cents % 100).abs());
        let symbol = match currency {
            "EUR" => Some("€"),
            "USD" => Some("$"),
            "GBP" => Some("£"),
            _ => None,
        };
        match (self.locale, symbol) {
            (Locale::Fr, Some(sy)) => format!("{n}\u{a0}{sy}"),
            (Locale::En, Some(sy)) => format!("{neg}{sy}{}", &n[neg.len()..]),
            (_, None) => format!("{n}\u{a0}{currency}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(src: &str) -> Vec<String> {
        src.lines()
            .filter(|l| !l.starts_with(['#', ' ']) && l.contains(" ="))
            .map(|l| l.split(" =").next().unwrap_or("").trim().to_string())
            .collect()
    }

    /// The screens' message files, English then French.
    const SCREEN_FILES: [(&str, &str); 5] = [
        (
            include_str!("../../web/locales/en/ui.ftl"),
            include_str!("../../web/locales/fr/ui.ftl"),
        ),
        (
            include_str!("../../web/locales/en/timeline.ftl"),
            include_str!("../../web/locales/fr/timeline.ftl"),
        ),
        (
            include_str!("../../web/locales/en/mail_admin.ftl"),
            include_str!("../../web/locales/fr/mail_admin.ftl"),
        ),
        (
            include_str!("../../web/locales/en/account.ftl"),
            include_str!("../../web/locales/fr/account.ftl"),
        ),
        (
            include_str!("../../web/locales/en/errors.ftl"),
            include_str!("../../web/locales/fr/errors.ftl"),
        ),
    ];

    fn english_ids() -> Vec<String> {
        SCREEN_FILES.iter().flat_map(|(en, _)| ids(en)).collect()
    }

    #[test]
    fn every_screen_string_exists_in_french_and_english() {
        for (en, fr) in SCREEN_FILES {
            assert_eq!(ids(en), ids(fr));
        }
        let all = english_ids();
        assert!(all.len() > 100);
        let mut unique = all.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), all.len(), "an id defined in two files");
    }

    /// Every literal id a template or handler translates exists (a missing one would show
    /// its id to agents). Ids built at run time (`view-…`, `value-…`) are checked by the
    /// pages' tests.
    #[test]
    fn every_literal_id_in_templates_and_handlers_is_translated() {
        let en = english_ids();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![];
        for sub in ["templates", "src", "src/pages"] {
            for e in std::fs::read_dir(dir.join(sub)).unwrap() {
                let p = e.unwrap().path();
                if p.is_file() {
                    files.push(p);
                }
            }
        }
        let mut missing = vec![];
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for call in ["t.t(\"", "t.t1(\"", "t.tn(\"", "t.ta(\""] {
                for part in text.split(call).skip(1) {
                    let id = part.split('"').next().unwrap_or("");
                    let literal = !id.is_empty()
                        && !id.ends_with('-')
                        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                    if literal && !en.iter().any(|e| e == id) {
                        missing.push(format!("{}: {id}", f.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "untranslated: {missing:?}");
    }

    #[test]
    fn dates_and_money_follow_the_agent() {
        let fr = T::new(Locale::Fr, "Europe/Paris", 0);
        assert_eq!(fr.at(0), "01/01/1970 01:00");
        assert_eq!(fr.money(4500, "EUR"), "45,00\u{a0}€");
        assert_eq!(fr.size(3_565_158), "3,4\u{a0}Mo");
        assert_eq!(fr.size(12_000), "12\u{a0}Ko");
        assert_eq!(fr.money(12_000_000, "EUR"), "120\u{202f}000,00\u{a0}€");
        assert_eq!(fr.money(12_345, "CHF"), "123,45\u{a0}CHF");
        assert_eq!(fr.left(-125 * 60_000), "en retard de 2\u{a0}h\u{a0}05");
        assert_eq!(
            fr.left(13 * 3_600_000 + 26 * 60_000),
            "dans 13\u{a0}h\u{a0}26"
        );
        let en = T::new(Locale::En, "America/New_York", 0);
        assert_eq!(en.at(0), "1969-12-31 19:00");
        assert_eq!(en.money(4505, "USD"), "$45.05");
        assert_eq!(en.money(-12_345_678, "EUR"), "-€123,456.78");
        assert_eq!(en.left(-15 * 60_000), "15\u{a0}min late");
        assert_eq!(en.left(125 * 60_000), "in 2\u{a0}h\u{a0}05");
        let back = fr
            .parse_input_at(&fr.input_at(&Some(1_800_000_000_000)))
            .unwrap();
        assert_eq!(back.as_millisecond(), 1_800_000_000_000);
        assert_eq!(fr.urgency(-1), "late");
        assert_eq!(fr.urgency(10), "soon");
        assert_eq!(fr.urgency(i64::MAX), "none");
    }
}
