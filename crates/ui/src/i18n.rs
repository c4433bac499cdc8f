//! The screens' strings in French and English (Fluent, `web/locales/{en,fr}/ui.ftl`, loaded
//! with the API's messages by `web::i18n`), and the
//! dates and durations shown to an agent in their own language and time zone.

pub use web::i18n::{Ms, T};

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Locale;

    fn ids(src: &str) -> Vec<String> {
        src.lines()
            .filter(|l| !l.starts_with(['#', ' ']) && l.contains(" ="))
            .map(|l| l.split(" =").next().unwrap_or("").trim().to_string())
            .collect()
    }

    /// The screens' message files, English then French.
    const SCREEN_FILES: [(&str, &str); 7] = [
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
        (
            include_str!("../../web/locales/en/forms_admin.ftl"),
            include_str!("../../web/locales/fr/forms_admin.ftl"),
        ),
        (
            include_str!("../../web/locales/en/kb_admin.ftl"),
            include_str!("../../web/locales/fr/kb_admin.ftl"),
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
