//! HTML from the outside world (API `html_body`, later email and chat) is cleaned before it
//! is stored: an allow-list of formatting tags and attributes (ammonia's defaults: no
//! scripts, styles, event handlers, `javascript:` URLs or forms), links opened with
//! `rel="noopener noreferrer nofollow"`.

/// Clean HTML for storage and display in the agent and customer interfaces.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

/// Clean an inbound email's HTML: as `sanitize`, keeping `cid:` picture sources (pointed
/// at their attachments once those are stored) and dropping relative URLs, so a sender
/// cannot point into Guichet (`/attachments/…` of another case, `/admin/…`).
pub fn sanitize_email(html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_url_schemes(&["cid"])
        .url_relative(ammonia::UrlRelative::Deny)
        .clean(html)
        .to_string()
}

/// An inbound email's HTML with its pictures in place: sanitised again from the original,
/// each `cid:` source that names one of `pictures` (Content-ID → attachment id) replaced
/// inside the sanitiser (an attribute filter: an exact match, never a text replacement a
/// crafted Content-ID could reach across attributes with), every other `cid:` dropped.
/// The filter writes a placeholder URL of ours (relative URLs are refused by the
/// sanitiser), turned into `/attachments/{id}` once cleaned; a placeholder the sender wrote
/// is dropped.
pub fn sanitize_email_pictures(
    html: &str,
    pictures: &std::collections::HashMap<String, i64>,
) -> String {
    const MARK: &str = "guichet-attachment:";
    let ids = pictures.clone();
    let clean = ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_url_schemes(&["cid", "guichet-attachment"])
        .url_relative(ammonia::UrlRelative::Deny)
        .attribute_filter(move |_element, attribute, value| {
            if value.contains(MARK) {
                return None;
            }
            match value.strip_prefix("cid:") {
                Some(cid) if attribute == "src" => ids
                    .get(cid)
                    .map(|id| std::borrow::Cow::Owned(format!("{MARK}{id}"))),
                Some(_) => None,
                None => Some(std::borrow::Cow::Borrowed(value)),
            }
        })
        .clean(html)
        .to_string();
    pictures.values().fold(clean, |h, id| {
        h.replace(
            &format!("\"{MARK}{id}\""),
            &format!("\"/attachments/{id}\""),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_stays_and_active_content_goes() {
        let out = sanitize(
            "<p>Bonjour <b>Mme</b> <a href=\"https://ex.fr\" onclick=\"x()\">lien</a></p>\
             <script>alert(1)</script><img src=x onerror=alert(2)>\
             <a href=\"javascript:alert(3)\">j</a><style>p{}</style><iframe src=\"https://e\"></iframe>",
        );
        assert!(out.contains("<p>Bonjour <b>Mme</b>"), "{out}");
        assert!(out.contains("href=\"https://ex.fr\""), "{out}");
        assert!(
            out.contains("rel=\"noopener noreferrer nofollow\""),
            "{out}"
        );
        let mail = sanitize_email("<p>Voir <img src=\"cid:logo@x\" alt=\"logo\" onerror=x()></p>");
        assert!(mail.contains("src=\"cid:logo@x\""), "{mail}");
        assert!(!mail.contains("onerror"), "{mail}");
        // A Content-ID crafted to reach across attributes matches nothing: only the exact
        // source is replaced, and what the sanitiser removed stays removed.
        let mut pics = std::collections::HashMap::new();
        pics.insert("Q\" alt=".to_string(), 5);
        pics.insert("logo@x".to_string(), 6);
        let crafted = sanitize_email_pictures(
            "<img src=\"cid:Q\" alt=\" onerror=alert(1) \"><img src=\"cid:logo@x\"><img src=\"cid:other\">\
             <img src=\"guichet-attachment:9\">",
            &pics,
        );
        // The would-be attribute stays text inside `alt`.
        assert!(
            crafted.contains("<img alt=\" onerror=alert(1) \">"),
            "{crafted}"
        );
        assert!(!crafted.contains("attachments/9"), "{crafted}");
        assert!(crafted.contains("src=\"/attachments/6\""), "{crafted}");
        assert!(!crafted.contains("/attachments/5"), "{crafted}");
        assert!(!crafted.contains("cid:"), "{crafted}");
        let relative = sanitize_email("<img src=\"/attachments/9\"><a href=\"/admin/email\">x</a>");
        assert!(
            !relative.contains("/attachments/9") && !relative.contains("/admin"),
            "{relative}"
        );
        for bad in [
            "script",
            "onclick",
            "onerror",
            "javascript:",
            "<style",
            "iframe",
            "alert(1)",
        ] {
            assert!(!out.contains(bad), "{bad} survived: {out}");
        }
    }
}
