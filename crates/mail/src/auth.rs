//! DKIM, SPF and DMARC verdicts as the receiving MTA recorded them in its
//! `Authentication-Results` header (RFC 8601). Recorded on the message; a staff sender's
//! mail is trusted only when `sender_verified` finds a pass written by our own MTA (its
//! authserv-id), since anyone can add such a header to the mail they send.

/// Results of one `Authentication-Results` header, lower-case (`pass`, `fail`, `softfail`,
/// `neutral`, `none`, `temperror`, `permerror`, `policy`); `None` when the method is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The server that wrote the header (its authserv-id).
    pub server: Option<String>,
    pub dkim: Option<String>,
    /// The signing domain (`header.d`) of the first DKIM result.
    pub dkim_domain: Option<String>,
    pub spf: Option<String>,
    pub dmarc: Option<String>,
}

const RESULTS: &[&str] = &[
    "pass",
    "fail",
    "softfail",
    "neutral",
    "none",
    "temperror",
    "permerror",
    "policy",
    "hardfail",
];

/// Read a header value such as
/// `mx.example.org; dkim=pass header.d=example.com; spf=fail smtp.mailfrom=x; dmarc=none`.
/// Comments in parentheses are ignored; the first result of each method counts; anything
/// unreadable is left out rather than guessed.
pub fn verdict(header: &str) -> Verdict {
    let text = strip_comments(header);
    let mut parts = text.split(';');
    let server = parts
        .next()
        .and_then(|s| s.split_whitespace().next())
        .filter(|s| !s.contains('='))
        .map(str::to_ascii_lowercase);
    let mut v = Verdict {
        server,
        ..Default::default()
    };
    for part in parts {
        let Some(first) = part.split_whitespace().next() else {
            continue;
        };
        let Some((method, result)) = first.split_once('=') else {
            continue;
        };
        let result = result.to_ascii_lowercase();
        if !RESULTS.contains(&result.as_str()) {
            continue;
        }
        let slot = match method.to_ascii_lowercase().as_str() {
            "dkim" => &mut v.dkim,
            "spf" => &mut v.spf,
            "dmarc" => &mut v.dmarc,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(result);
            if method.eq_ignore_ascii_case("dkim") {
                v.dkim_domain = part
                    .split_whitespace()
                    .find_map(|p| p.strip_prefix("header.d=").or(p.strip_prefix("header.D=")))
                    .map(|d| d.trim_matches('"').to_ascii_lowercase());
            }
        }
    }
    v
}

/// Did the receiving MTA named `authserv_id` authenticate the `From:` address `from`?
/// Only headers whose authserv-id is exactly ours count (RFC 8601 §5: the MTA removes or
/// supersedes foreign ones; the topmost of ours is the one it added), and only a DMARC pass
/// or a DKIM pass whose signing domain is aligned with the `From:` domain (relaxed: equal,
/// or a parent domain). An empty `authserv_id` trusts nothing.
pub fn sender_verified(headers: &[String], authserv_id: &str, from: &str) -> bool {
    let id = authserv_id.trim().to_ascii_lowercase();
    if id.is_empty() {
        return false;
    }
    let Some(v) = headers
        .iter()
        .map(|h| verdict(h))
        .find(|v| v.server.as_deref() == Some(id.as_str()))
    else {
        return false;
    };
    if v.dmarc.as_deref() == Some("pass") {
        return true;
    }
    let from_domain = from
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .unwrap_or_default();
    match (v.dkim.as_deref(), v.dkim_domain.as_deref()) {
        (Some("pass"), Some(d)) if !d.is_empty() => {
            from_domain == d || from_domain.ends_with(&format!(".{d}"))
        }
        _ => false,
    }
}

fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_methods_and_the_server() {
        let v = verdict(
            "mx.guichet.test; dkim=pass (2048-bit key) header.d=exemple.fr header.i=@exemple.fr; \
             spf=softfail (domain of transitioning x does not designate) smtp.mailfrom=exemple.fr; \
             dmarc=FAIL (p=NONE sp=NONE dis=NONE) header.from=exemple.fr",
        );
        assert_eq!(v.server.as_deref(), Some("mx.guichet.test"));
        assert_eq!(v.dkim.as_deref(), Some("pass"));
        assert_eq!(v.spf.as_deref(), Some("softfail"));
        assert_eq!(v.dmarc.as_deref(), Some("fail"));
    }

    #[test]
    fn first_result_counts_and_unknown_values_are_left_out() {
        let v = verdict("mx; dkim=fail header.d=a; dkim=pass header.d=b; spf=maybe; arc=pass");
        assert_eq!(v.dkim.as_deref(), Some("fail"));
        assert_eq!(v.spf, None);
        assert_eq!(v.dmarc, None);
    }

    #[test]
    fn only_our_authserv_id_and_an_aligned_pass_verify_a_sender() {
        let ours = "mx.guichet.test; dkim=pass header.d=guichet-staff.fr; dmarc=none".to_string();
        let forged = "evil.example; dmarc=pass header.from=guichet-staff.fr".to_string();
        let from = "marie@guichet-staff.fr";
        assert!(sender_verified(
            std::slice::from_ref(&ours),
            "mx.guichet.test",
            from
        ));
        assert!(sender_verified(
            std::slice::from_ref(&ours),
            "MX.guichet.test",
            "a@eu.guichet-staff.fr"
        ));
        assert!(!sender_verified(
            std::slice::from_ref(&forged),
            "mx.guichet.test",
            from
        ));
        assert!(!sender_verified(std::slice::from_ref(&ours), "", from));
        assert!(!sender_verified(
            std::slice::from_ref(&ours),
            "mx.guichet.test",
            "a@other.fr"
        ));
        assert!(!sender_verified(
            std::slice::from_ref(&ours),
            "mx.guichet.test",
            "a@xguichet-staff.fr"
        ));
        let dmarc = "mx.guichet.test; dkim=fail; dmarc=pass".to_string();
        assert!(sender_verified(
            &[forged.clone(), dmarc],
            "mx.guichet.test",
            from
        ));
        let fail = "mx.guichet.test; dkim=fail header.d=guichet-staff.fr; dmarc=fail".to_string();
        // The topmost header of ours counts; a pass below it (forged) does not.
        assert!(!sender_verified(&[fail, ours], "mx.guichet.test", from));
        assert!(!sender_verified(&[], "mx.guichet.test", from));
    }

    #[test]
    fn comments_cannot_smuggle_a_result() {
        let v = verdict("mx (dkim=pass; spf=pass); dmarc=none (spf=pass)");
        assert_eq!(v.dkim, None);
        assert_eq!(v.spf, None);
        assert_eq!(v.dmarc.as_deref(), Some("none"));
        assert_eq!(verdict("").server, None);
        assert_eq!(verdict("none").server.as_deref(), Some("none"));
    }
}
