//! A standard written as one plain sentence (PRODUCT.md B1), in French or English:
//! "95 % des demandes reçoivent une première réponse en moins de 4 heures…".

use crate::i18n::{tr, tr_n};
use domain::Locale;
use domain::standards::{Metric, Scope};

/// What a sentence is made of (a stored standard or a charter snapshot of one).
#[derive(Debug, Clone, Default)]
pub struct SentenceParts {
    pub metric: String,
    pub scope: Scope,
    pub threshold_minutes: i64,
    pub target_percent: f64,
    pub unacceptable_minutes: Option<i64>,
    pub business_hours: bool,
    /// Names of the teams and categories of the scope.
    pub team_names: Vec<String>,
    pub category_names: Vec<String>,
}

/// "90 %" (French, narrow no-break space, decimal comma) or "90%".
pub fn percent(l: Locale, p: f64) -> String {
    let n = if (p - p.round()).abs() < 1e-9 {
        format!("{}", p.round() as i64)
    } else {
        format!("{:.1}", p)
    };
    match l {
        Locale::Fr => format!("{}\u{202f}%", n.replace('.', ",")),
        Locale::En => format!("{n}%"),
    }
}

/// "4 hours", "1 day", "1 hour 30 minutes" in the locale.
pub fn duration(l: Locale, minutes: i64) -> String {
    let part = |id: &str, n: i64| tr_n(l, id, n);
    if minutes > 0 && minutes % 1440 == 0 {
        return part("dur-days", minutes / 1440);
    }
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => part("dur-minutes", m),
        (h, 0) => part("dur-hours", h),
        (h, m) => format!("{} {}", part("dur-hours", h), part("dur-minutes", m)),
    }
}

/// A duration counted in business time, its unit saying so: "4 heures ouvrées",
/// "4 business hours"; not whole hours, in minutes ("90 minutes ouvrées"). Never in days:
/// a business day is as long as the calendar says.
pub fn business_duration(l: Locale, minutes: i64) -> String {
    if minutes > 0 && minutes % 60 == 0 {
        tr_n(l, "dur-business-hours", minutes / 60)
    } else {
        tr_n(l, "dur-business-minutes", minutes)
    }
}

/// "moins de 1 heure" reads "moins d’une heure"; "toutes les 1 heure", "toutes les heures";
/// "every 1 hour", "every hour".
fn smooth(l: Locale, s: String) -> String {
    let pairs: &[(&str, &str)] = match l {
        Locale::Fr => &[
            ("toutes les 1 heure ouvrée", "toutes les heures ouvrées"),
            ("toutes les 1 minute ouvrée", "toutes les minutes ouvrées"),
            ("toutes les 1 heure", "toutes les heures"),
            ("toutes les 1 minute", "toutes les minutes"),
            ("toutes les 1 jour", "tous les jours"),
            (" de 1 heure", " d’une heure"),
            (" de 1 minute", " d’une minute"),
            (" de 1 jour", " d’un jour"),
        ],
        Locale::En => &[("every 1 ", "every ")],
    };
    pairs
        .iter()
        .fold(s, |acc, (from, to)| acc.replace(from, to))
}

pub fn sentence(l: Locale, p: &SentenceParts) -> String {
    let metric: Metric = p.metric.parse().unwrap_or(Metric::FirstResponse);
    let share = percent(l, p.target_percent);
    let business = p.business_hours && metric.has_threshold();
    let span = |m: i64| {
        if business {
            business_duration(l, m)
        } else {
            duration(l, m)
        }
    };
    let threshold = span(p.threshold_minutes);
    let mut out = tr(
        l,
        &format!("std-{}", metric.as_str()),
        &[("share", &share), ("threshold", &threshold)],
    );
    let mut scope: Vec<String> = Vec::new();
    scope.extend(
        p.scope
            .channels
            .iter()
            .map(|c| tr(l, &format!("channel-{}", c.as_str()), &[])),
    );
    scope.extend(p.team_names.iter().cloned());
    scope.extend(p.category_names.iter().cloned());
    scope.extend(
        p.scope
            .priorities
            .iter()
            .map(|c| tr(l, &format!("priority-{}", c.as_str()), &[])),
    );
    scope.extend(
        p.scope
            .kinds
            .iter()
            .map(|c| tr(l, &format!("kind-{}", c.as_str()), &[])),
    );
    scope.extend(p.scope.tags.iter().map(|t| format!("#{t}")));
    if !scope.is_empty() {
        out.push_str(&tr(l, "std-scope", &[("scope", &scope.join(", "))]));
    }
    if let Some(u) = p.unacceptable_minutes {
        let limit = span(u);
        let id = if metric.has_threshold() {
            "std-unacceptable"
        } else {
            "std-unacceptable-late"
        };
        out.push_str(&tr(l, id, &[("limit", &limit)]));
    }
    out.push('.');
    smooth(l, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Channel;

    fn email_first_response() -> SentenceParts {
        SentenceParts {
            metric: "first_response".into(),
            scope: Scope {
                channels: vec![Channel::Email],
                ..Default::default()
            },
            threshold_minutes: 240,
            target_percent: 95.0,
            unacceptable_minutes: Some(480),
            business_hours: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_standard_reads_as_one_french_sentence() {
        assert_eq!(
            sentence(Locale::Fr, &email_first_response()),
            "95\u{202f}% des demandes reçoivent une première réponse en moins de 4 heures \
             ouvrées, pour les e-mails\u{202f}; au-delà de 8 heures ouvrées, c’est inacceptable."
        );
    }

    #[test]
    fn a_standard_reads_as_one_english_sentence() {
        assert_eq!(
            sentence(Locale::En, &email_first_response()),
            "95% of cases get a first response within 4 business hours, for email; \
             more than 8 business hours is unacceptable."
        );
    }

    #[test]
    fn durations_and_shares_use_the_locale() {
        assert_eq!(duration(Locale::Fr, 2), "2 minutes");
        assert_eq!(duration(Locale::Fr, 1), "1 minute");
        assert_eq!(duration(Locale::En, 90), "1 hour 30 minutes");
        assert_eq!(duration(Locale::Fr, 2880), "2 jours");
        assert_eq!(business_duration(Locale::Fr, 60), "1 heure ouvrée");
        assert_eq!(business_duration(Locale::Fr, 1440), "24 heures ouvrées");
        assert_eq!(business_duration(Locale::Fr, 90), "90 minutes ouvrées");
        assert_eq!(business_duration(Locale::En, 240), "4 business hours");
        assert_eq!(percent(Locale::Fr, 99.5), "99,5\u{202f}%");
        assert_eq!(percent(Locale::En, 90.0), "90%");
        for m in Metric::ALL {
            for l in [Locale::En, Locale::Fr] {
                let p = SentenceParts {
                    metric: m.as_str().into(),
                    threshold_minutes: 30,
                    target_percent: 90.0,
                    ..Default::default()
                };
                let s = sentence(l, &p);
                assert!(!s.contains("std-"), "{m} untranslated in {l:?}: {s}");
            }
        }
    }
}
