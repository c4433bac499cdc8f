//! Quoted history and signatures, trimmed for display. The full text is always kept
//! beside; this only decides what an agent reads first. Recognised: `>` quotes, the
//! "On … wrote:" / "Le … a écrit :" attribution (Gmail, Apple Mail, Thunderbird; also
//! wrapped over two lines), Outlook's "-----Original Message-----" and its header block
//! ("De : / Envoyé : / À : / Objet :", "From: / Sent: / To: / Subject:"), and the
//! signature after a `-- ` line.

/// The text an agent reads: the new part of the message.
pub fn display(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if cuts_here(&lines, i) {
            break;
        }
        if !line.trim_start().starts_with('>') {
            out.push(line.trim_end());
        }
        i += 1;
    }
    // Collapse runs of blank lines left where quotes were.
    let mut result = String::new();
    let mut blank = 0;
    for l in out {
        if l.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !result.is_empty() {
            result.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        result.push_str(l);
    }
    if result.trim().is_empty() {
        // Only quotes (or an empty body): show everything rather than nothing.
        return text.trim().to_string();
    }
    result
}

fn cuts_here(lines: &[&str], i: usize) -> bool {
    let line = lines[i];
    let t = line.trim();
    if line == "-- " || line == "--" && i + 1 < lines.len() && looks_like_signature_end(lines, i) {
        return true;
    }
    let lower = t.to_lowercase();
    if is_original_message_rule(&lower) {
        return true;
    }
    if is_attribution(&lower) {
        return true;
    }
    // Attribution wrapped over two lines.
    if i + 1 < lines.len() && (lower.starts_with("le ") || lower.starts_with("on ")) {
        let joined = format!("{} {}", lower, lines[i + 1].trim().to_lowercase());
        if is_attribution(&joined) && !is_attribution(&lines[i + 1].trim().to_lowercase()) {
            return true;
        }
    }
    if is_outlook_block(lines, i) {
        return true;
    }
    // Outlook's underscore rule right above its header block.
    if t.len() >= 10 && t.chars().all(|c| c == '_') {
        let next = lines[i + 1..].iter().position(|l| !l.trim().is_empty());
        if let Some(n) = next
            && is_outlook_block(lines, i + 1 + n)
        {
            return true;
        }
    }
    false
}

/// A bare `--` only cuts when what follows is short (a signature, not a table rule).
fn looks_like_signature_end(lines: &[&str], i: usize) -> bool {
    lines.len() - i <= 8
}

fn is_original_message_rule(lower: &str) -> bool {
    let core = lower.trim_matches(|c: char| c == '-' || c.is_whitespace());
    lower.starts_with("-----")
        && matches!(
            core,
            "original message"
                | "message d'origine"
                | "message d’origine"
                | "mensaje original"
                | "ursprüngliche nachricht"
        )
}

fn is_attribution(lower: &str) -> bool {
    let l = lower.trim_end();
    (l.starts_with("on ") && l.ends_with("wrote:"))
        || (l.starts_with("le ") && (l.ends_with("a écrit :") || l.ends_with("a écrit:")))
}

/// "From:"/"De :" followed, within the next four lines, by a "Sent:"/"Envoyé :"/"Date :"
/// line and a "Subject:"/"Objet :" line.
fn is_outlook_block(lines: &[&str], i: usize) -> bool {
    let Some(first) = lines.get(i) else {
        return false;
    };
    let f = strip_bold(first).to_lowercase();
    if !(f.starts_with("from:") || f.starts_with("de :") || f.starts_with("de:")) {
        return false;
    }
    let window: Vec<String> = lines[i + 1..lines.len().min(i + 6)]
        .iter()
        .map(|l| strip_bold(l).to_lowercase())
        .collect();
    let sent = window.iter().any(|l| {
        ["sent:", "envoyé :", "envoyé:", "date:", "date :"]
            .iter()
            .any(|p| l.starts_with(p))
    });
    let subject = window.iter().any(|l| {
        ["subject:", "objet :", "objet:"]
            .iter()
            .any(|p| l.starts_with(p))
    });
    sent && subject
}

fn strip_bold(l: &str) -> &str {
    l.trim().trim_start_matches('*')
}

#[cfg(test)]
mod tests {
    use super::display;

    #[test]
    fn gmail_french_reply_keeps_only_the_new_part() {
        let t = "Merci, c'est réglé.\n\nLe lun. 3 nov. 2025 à 10:12, Support <support@guichet.test> a écrit :\n> Bonjour,\n> voici la réponse.\n";
        assert_eq!(display(t), "Merci, c'est réglé.");
    }

    #[test]
    fn wrapped_english_attribution() {
        let t = "Thanks!\n\nOn Mon, Nov 3, 2025 at 10:12 AM Support Team <\nsupport@guichet.test> wrote:\n> Hello\n";
        assert_eq!(display(t), "Thanks!");
    }

    #[test]
    fn outlook_french_header_block_and_signature() {
        let t = "Toujours pas reçu.\n\nCordialement\n\n________________________________\nDe : Support <support@guichet.test>\nEnvoyé : lundi 3 novembre 2025 10:12\nÀ : Alice\nObjet : RE: [#4] Colis\n\nBonjour...";
        assert_eq!(display(t), "Toujours pas reçu.\n\nCordialement");
        let t = "Voici.\n-- \nAlice Martin\n06 12 34 56 78";
        assert_eq!(display(t), "Voici.");
        let t = "See below\n\n-----Original Message-----\nFrom: x\nSent: y\n";
        assert_eq!(display(t), "See below");
    }

    #[test]
    fn interleaved_quotes_are_dropped_and_only_quotes_shows_everything() {
        let t = "> question 1\nanswer 1\n> question 2\nanswer 2";
        assert_eq!(display(t), "answer 1\nanswer 2");
        assert_eq!(display("> only a quote"), "> only a quote");
    }

    #[test]
    fn a_from_line_in_prose_is_not_a_header_block() {
        let t = "From: my experience, this fails.\nSecond line.";
        assert_eq!(display(t), t);
    }
}

#[cfg(test)]
mod props {
    proptest::proptest! {
        #[test]
        fn display_never_panics(s in "(\\PC{0,40}\n){0,12}") {
            let _ = super::display(&s);
        }
    }
}
