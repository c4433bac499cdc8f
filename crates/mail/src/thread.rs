//! Threading keys. Guichet's own Message-IDs encode the case
//! (`<gc{case}-m{message}-{token}@{domain}>`), reply addresses carry it as a plus detail
//! (`support+c{case}@…`, RFC 5233) and subjects as `[#{case}]`. The precedence among them
//! (and the database lookups) is `app::email`'s.

/// Our Message-ID for message `message` of case `case` (without angle brackets).
pub fn message_id(domain: &str, case: i64, message: i64, token: &str) -> String {
    format!("gc{case}-m{message}-{token}@{domain}")
}

/// Our Message-ID for a mail that is not a case message (a notification), still threaded
/// to its case when it has one.
pub fn notice_id(domain: &str, case: Option<i64>, kind: &str, token: &str) -> String {
    match case {
        Some(c) => format!("gc{c}-{kind}-{token}@{domain}"),
        None => format!("g-{kind}-{token}@{domain}"),
    }
}

/// Is this one of the ids we generate (whatever case)?
pub fn is_ours(id: &str, domain: &str) -> bool {
    let Some((local, dom)) = id.rsplit_once('@') else {
        return false;
    };
    dom.eq_ignore_ascii_case(domain) && (local.starts_with("gc") || local.starts_with("g-"))
}

/// The case encoded in one of our ids.
pub fn case_of_id(id: &str, domain: &str) -> Option<i64> {
    let (local, dom) = id.rsplit_once('@')?;
    if !dom.eq_ignore_ascii_case(domain) {
        return None;
    }
    let rest = local.strip_prefix("gc")?;
    let digits: &str = rest.split('-').next()?;
    positive(digits)
}

/// `support+c42@guichet.test` → 42.
pub fn plus_case(address: &str) -> Option<i64> {
    let (local, _) = address.rsplit_once('@')?;
    let (_, detail) = local.split_once('+')?;
    positive(
        detail
            .strip_prefix('c')
            .or_else(|| detail.strip_prefix('C'))?,
    )
}

/// `support+c42@guichet.test` → `support@guichet.test` (lowercase).
pub fn base_address(address: &str) -> String {
    let a = address.trim().to_lowercase();
    match a.rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split('+').next().unwrap_or(local);
            format!("{local}@{domain}")
        }
        None => a,
    }
}

/// `Re: [#42] Colis` → 42 (the first tag).
pub fn subject_case(subject: &str) -> Option<i64> {
    let mut rest = subject;
    while let Some(p) = rest.find("[#") {
        let after = &rest[p + 2..];
        if let Some(end) = after.find(']')
            && let Some(n) = positive(after[..end].trim())
        {
            return Some(n);
        }
        rest = after;
    }
    None
}

/// The subject without reply/forward prefixes and case tags, for a new case's title.
pub fn clean_subject(subject: &str) -> String {
    let mut s = subject.trim().to_string();
    loop {
        let before = s.clone();
        // Case tags anywhere.
        while let Some(p) = s.find("[#") {
            match s[p..].find(']') {
                Some(e) if positive(s[p + 2..p + e].trim()).is_some() => {
                    s.replace_range(p..p + e + 1, "");
                }
                _ => break,
            }
        }
        let t = s.trim_start();
        for prefix in [
            "re:", "re :", "aw:", "fw:", "fwd:", "tr:", "tr :", "réf:", "wg:",
        ] {
            if t.get(..prefix.len())
                .is_some_and(|p| p.to_lowercase() == prefix)
            {
                s = t[prefix.len()..].to_string();
                break;
            }
        }
        // "Re[2]:" / "RE[3] :"
        let t = s.trim_start();
        if t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("re["))
            && let Some(close) = t.find(']')
            && let Some(rest) = t[close + 1..].trim_start().strip_prefix(':')
        {
            s = rest.to_string();
        }
        s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if s == before {
            return s;
        }
    }
}

fn positive(digits: &str) -> Option<i64> {
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_ids_round_trip_and_foreign_ids_do_not_match() {
        let id = message_id("guichet.test", 42, 7, "a1b2c3");
        assert_eq!(id, "gc42-m7-a1b2c3@guichet.test");
        assert_eq!(case_of_id(&id, "guichet.test"), Some(42));
        assert_eq!(case_of_id(&id, "GUICHET.test"), Some(42));
        assert!(is_ours(&id, "guichet.test"));
        assert_eq!(case_of_id(&id, "other.test"), None);
        assert_eq!(case_of_id("gcx-m1-a@guichet.test", "guichet.test"), None);
        assert_eq!(case_of_id("CAF123@mail.gmail.com", "guichet.test"), None);
        assert!(!is_ours("CAF123@mail.gmail.com", "guichet.test"));
        let n = notice_id("guichet.test", Some(9), "assign", "zz");
        assert_eq!(case_of_id(&n, "guichet.test"), Some(9));
    }

    #[test]
    fn plus_addresses_and_subject_tags() {
        assert_eq!(plus_case("support+c12@guichet.test"), Some(12));
        assert_eq!(plus_case("support+news@guichet.test"), None);
        assert_eq!(plus_case("support@guichet.test"), None);
        assert_eq!(
            base_address("Support+c12@Guichet.test"),
            "support@guichet.test"
        );
        assert_eq!(subject_case("RE: [#12] Colis abîmé"), Some(12));
        assert_eq!(subject_case("Prix [#abc] puis [#7]"), Some(7));
        assert_eq!(subject_case("[#0] x"), None);
        assert_eq!(subject_case("no tag"), None);
    }

    #[test]
    fn clean_subject_strips_prefixes_and_tags() {
        assert_eq!(clean_subject("RE: TR: [#12] Colis abîmé"), "Colis abîmé");
        assert_eq!(clean_subject("Re[2]: Facture"), "Facture");
        assert_eq!(clean_subject("Réponse attendue"), "Réponse attendue");
    }
}

#[cfg(test)]
mod props {
    proptest::proptest! {
        #[test]
        fn subject_functions_never_panic(s in "\\PC{0,60}") {
            let _ = super::clean_subject(&s);
            let _ = super::subject_case(&s);
            let _ = super::plus_case(&s);
            let _ = super::case_of_id(&s, "guichet.test");
        }
    }
}
