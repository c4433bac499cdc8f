//! Validated values. Each has a `parse` constructor; once built it is known to be valid.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("is not a valid email address")]
    Email,
    #[error("is not a valid phone number")]
    Phone,
    #[error("is not a valid tag (letters, digits, _ - : / . only, at most 80)")]
    Tag,
    #[error("is not a 3-letter ISO 4217 currency code")]
    Currency,
    #[error("is not a known IANA time zone")]
    TimeZone,
    #[error("is not a supported locale (en, fr)")]
    Locale,
    #[error("must not be empty")]
    Empty,
    #[error("is longer than {0} characters")]
    TooLong(usize),
    #[error("has more than {0} values")]
    TooMany(usize),
}

/// An email address, lower-cased, checked for a plausible shape (local@domain.tld).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.trim().to_lowercase();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ValueError::Email);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(ValueError::Email)?;
        let domain_ok = !domain.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.contains(['<', '>', '(', ')', ',', ';', '"', '\\', '[', ']']);
        if domain_ok && local_ok {
            Ok(Self(s))
        } else {
            Err(ValueError::Email)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number normalised to digits with an optional leading '+'.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let t = raw.trim();
        let mut out = String::new();
        for (i, c) in t.chars().enumerate() {
            match c {
                '+' if i == 0 => out.push('+'),
                '0'..='9' => out.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(ValueError::Phone),
            }
        }
        let digits = out.trim_start_matches('+').len();
        if (4..=20).contains(&digits) {
            Ok(Self(out))
        } else {
            Err(ValueError::Phone)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tag as Zendesk stores them: lower-case, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Tag(String);

impl Tag {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() || s.chars().count() > 80 {
            return Err(ValueError::Tag);
        }
        if s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '/' | '.'))
        {
            Ok(Self(s))
        } else {
            Err(ValueError::Tag)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Most tags one case, user or organization carries (each is a row and a bound value).
pub const MAX_TAGS: usize = 100;

/// Parse a list of tags, removing duplicates and keeping a stable order; at most
/// `MAX_TAGS` distinct ones.
pub fn parse_tags<I, S>(raw: I) -> Result<Vec<Tag>, ValueError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out: Vec<Tag> = Vec::new();
    for r in raw {
        // Zendesk accepts "a b" as two tags.
        for part in r.as_ref().split_whitespace() {
            let t = Tag::parse(part)?;
            if !out.contains(&t) {
                if out.len() == MAX_TAGS {
                    return Err(ValueError::TooMany(MAX_TAGS));
                }
                out.push(t);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// ISO 4217 code, upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Currency(String);

/// The active ISO 4217 currency codes (list one, 2026), sorted.
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF",
    "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP",
    "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD",
    "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY",
    "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD",
    "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK",
    "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG",
    "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS",
    "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VED",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

impl Currency {
    /// An active ISO 4217 code (case-insensitive): "EUR", "chf". "ABC" is refused.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.trim().to_uppercase();
        if ISO_4217.binary_search(&s.as_str()).is_ok() {
            Ok(Self(s))
        } else {
            Err(ValueError::Currency)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Supported user-interface languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Locale {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "fr")]
    Fr,
}

impl Locale {
    /// Accepts `fr`, `fr-FR`, `en-US`, `EN`…
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let lang = raw
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_lowercase();
        match lang.as_str() {
            "en" => Ok(Locale::En),
            "fr" => Ok(Locale::Fr),
            _ => Err(ValueError::Locale),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }
    /// Pick the first supported language of an Accept-Language header.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim();
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if let Ok(l) = Locale::parse(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        best.map(|(_, l)| l)
    }
}

/// An IANA time zone name known to the bundled database.
pub fn parse_time_zone(raw: &str) -> Result<String, ValueError> {
    let s = raw.trim();
    jiff::tz::TimeZone::get(s)
        .map(|_| s.to_string())
        .map_err(|_| ValueError::TimeZone)
}

/// NUL and the other C0 control characters except tab, line feed and carriage return: no
/// text field takes them (PostgreSQL refuses NUL in text; the others only hide text).
pub fn is_forbidden_control(c: char) -> bool {
    c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')
}

pub fn has_forbidden_control(s: &str) -> bool {
    s.chars().any(is_forbidden_control)
}

/// `s` without the characters `is_forbidden_control` names (for text we must keep, such as
/// a received email's, rather than refuse).
pub fn strip_forbidden_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if has_forbidden_control(s) {
        s.chars()
            .filter(|c| !is_forbidden_control(*c))
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

/// Trim a required free-text field and bound its length.
pub fn required_text(raw: &str, max: usize) -> Result<String, ValueError> {
    let s = raw.trim();
    if s.is_empty() {
        Err(ValueError::Empty)
    } else if s.chars().count() > max {
        Err(ValueError::TooLong(max))
    } else {
        Ok(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_other_than_tab_and_line_breaks_are_forbidden() {
        assert!(has_forbidden_control("a\0b"));
        assert!(has_forbidden_control("\u{1b}[31m"));
        assert!(!has_forbidden_control("ligne 1\r\n\tligne 2 é"));
        assert_eq!(strip_forbidden_controls("a\0b\u{7}c\n"), "abc\n");
    }

    #[test]
    fn email_accepts_common_shapes_and_lowercases() {
        assert_eq!(
            EmailAddress::parse(" Marie.Dupont+sav@Exemple.FR ")
                .unwrap()
                .as_str(),
            "marie.dupont+sav@exemple.fr"
        );
        assert!(EmailAddress::parse("élodie@café.fr").is_ok());
    }

    #[test]
    fn email_rejects_garbage() {
        for bad in [
            "", "a", "a@", "@b.c", "a@b", "a b@c.d", "a@b..c", "a@.b.c", "a@b.c.", "<a@b.c>",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phone_normalises_separators() {
        assert_eq!(
            Phone::parse("+33 (0)1 23-45.67.89").unwrap().as_str(),
            "+330123456789"
        );
        assert!(Phone::parse("12").is_err());
        assert!(Phone::parse("01 23 ab").is_err());
    }

    #[test]
    fn tags_are_deduplicated_and_split_on_spaces() {
        let t = parse_tags(["VIP", "vip retour", "colis"]).unwrap();
        let s: Vec<_> = t.iter().map(|t| t.as_str()).collect();
        assert_eq!(s, ["colis", "retour", "vip"]);
        assert!(parse_tags(["a,b"]).is_err());
    }

    #[test]
    fn accept_language_prefers_highest_quality_supported() {
        assert_eq!(
            Locale::from_accept_language("de-DE, fr;q=0.8, en;q=0.5"),
            Some(Locale::Fr)
        );
        assert_eq!(Locale::from_accept_language("de"), None);
    }

    #[test]
    fn time_zone_must_exist() {
        assert!(parse_time_zone("Europe/Paris").is_ok());
        assert!(parse_time_zone("Mars/Olympus").is_err());
    }
}
