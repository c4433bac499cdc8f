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
        let relative = sanitize_email("<img src=\"/attachments/9\"><a href=\"/admin/email\">x</a>");
        assert!(!relative.contains("/attachments/9") && !relative.contains("/admin"), "{relative}");
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
