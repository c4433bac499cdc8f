//! Text folding for accent-insensitive search: the same folding is applied to indexed text
//! and to queries, on both databases.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-case, strip diacritics (é → e, Ç → c), map œ/æ/ß, keep everything else.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Words of a folded query, for building database full-text queries safely
/// (only letters and digits survive, so no query-syntax injection).
pub fn search_words(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(64).collect())
        .take(16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_french_accents() {
        assert_eq!(
            fold("Réclamation Élodie Œuvre façade"),
            "reclamation elodie oeuvre facade"
        );
    }

    #[test]
    fn search_words_drop_operators() {
        assert_eq!(
            search_words("colis \"abîmé\" OR -x*"),
            ["colis", "abime", "or", "x"]
        );
    }
}
