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
