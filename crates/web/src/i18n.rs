//! French and English strings (Fluent). The API answers in English unless the request's
//! Accept-Language prefers French.

use domain::Locale;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::LanguageIdentifier;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
    };
}

fn langid(l: Locale) -> LanguageIdentifier {
    match l {
        Locale::En => "en".parse().expect("valid language id"),
        Locale::Fr => "fr".parse().expect("valid language id"),
    }
}

/// Translate `id` with string arguments.
pub fn tr(locale: Locale, id: &str, args: &[(&str, &str)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
        .iter()
        .map(|(k, v)| (Cow::Owned(k.to_string()), FluentValue::from(v.to_string())))
        .collect();
    LOCALES
        .try_lookup_with_args(&langid(locale), id, &map)
        .map(|s| s.replace(['\u{2068}', '\u{2069}'], ""))
        .unwrap_or_else(|| id.to_string())
}

/// A size in bytes as people read it: `20 Mo` / `20 MB`, `512 Ko`, `900 octets` / `900 bytes`.
pub fn size(locale: Locale, bytes: u64) -> String {
    let (units, sep): ([&str; 4], char) = match locale {
        Locale::Fr => (["octets", "Ko", "Mo", "Go"], ','),
        Locale::En => (["bytes", "KB", "MB", "GB"], '.'),
    };
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i < 3 {
        v /= 1024.0;
        i += 1;
    }
    let n = if i == 0 || v >= 10.0 || (v - v.round()).abs() < 0.05 {
        format!("{}", v.round() as u64)
    } else {
        format!("{v:.1}").replace('.', &sep.to_string())
    };
    format!("{n}\u{a0}{}", units[i])
}

/// A validation error's detail as shown: sizes in bytes (`too-large`) in Ko/Mo.
pub fn detail_for(locale: Locale, code: &str, detail: &str) -> String {
    match (code, detail.parse::<u64>()) {
        ("too-large" | "body-too-large", Ok(n)) => size(locale, n),
        _ => detail.to_string(),
    }
}

/// Translate `id` with one numeric argument `n` (plural forms select on it).
pub fn tr_n(locale: Locale, id: &str, n: i64) -> String {
    let mut map: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
    map.insert(Cow::Borrowed("n"), FluentValue::from(n));
    LOCALES
        .try_lookup_with_args(&langid(locale), id, &map)
        .map(|s| s.replace(['\u{2068}', '\u{2069}'], ""))
        .unwrap_or_else(|| id.to_string())
}

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

/// The translator a page's template holds (`{{ t.t("id") }}`): strings, dates in the
/// reader's time zone, sizes and money in their language. Agent screens and customer
/// pages each hold one.
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

    #[test]
    fn every_english_message_has_a_french_translation() {
        let ids = |src: &str| -> Vec<String> {
            src.lines()
                .filter(|l| !l.starts_with(['#', ' ']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap_or("").trim().to_string())
                .collect()
        };
        let en = ids(include_str!("../locales/en/main.ftl"));
        let fr = ids(include_str!("../locales/fr/main.ftl"));
        assert_eq!(en, fr);
    }

    #[test]
    fn every_validation_code_has_a_message_in_every_language() {
        for code in app::CODES {
            let id = format!("err-{code}");
            for l in [Locale::En, Locale::Fr] {
                let text = tr(l, &id, &[("field", "f"), ("detail", "d")]);
                assert_ne!(text, id, "{id} missing in {l:?}");
            }
        }
    }

    #[test]
    fn sizes_read_in_ko_and_mo() {
        assert_eq!(size(Locale::Fr, 20 * 1024 * 1024), "20\u{a0}Mo");
        assert_eq!(size(Locale::Fr, 1_572_864), "1,5\u{a0}Mo");
        assert_eq!(size(Locale::En, 262_144), "256\u{a0}KB");
        assert_eq!(
            tr(
                Locale::Fr,
                "err-too-large",
                &[
                    ("field", "Fichier"),
                    ("detail", &detail_for(Locale::Fr, "too-large", "20971520"))
                ]
            ),
            "Fichier dépasse la limite de 20\u{a0}Mo"
        );
    }

    #[test]
    fn messages_are_translated_with_arguments() {
        let fr = tr(Locale::Fr, "err-email-taken", &[("detail", "a@b.fr")]);
        assert_eq!(
            fr,
            "E-mail\u{a0}: a@b.fr est déjà utilisé par un autre utilisateur"
        );
        assert_eq!(tr(Locale::En, "err-not-found", &[]), "Not found");
    }
}
