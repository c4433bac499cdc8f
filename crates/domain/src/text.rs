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

/// Words too common in French or English to tell articles apart (folded, as
/// `search_words` gives them).
const COMMON: &[&str] = &[
    "a", "ai", "au", "aux", "avec", "c", "ce", "ces", "d", "dans", "de", "des", "du", "elle", "en",
    "est", "et", "il", "j", "je", "l", "la", "le", "les", "leur", "lui", "m", "ma", "mais", "me",
    "mes", "moi", "mon", "n", "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour", "qu",
    "que", "qui", "s", "sa", "se", "ses", "son", "sur", "t", "ta", "te", "tes", "toi", "ton", "tu",
    "un", "une", "vos", "votre", "vous", "y", "an", "and", "are", "as", "at", "be", "but", "by",
    "do", "for", "from", "have", "i", "if", "in", "is", "it", "me", "my", "no", "not", "of", "on",
    "or", "our", "so", "that", "the", "this", "to", "was", "we", "what", "with", "you", "your",
];

/// Search words without the common ones (articles are found by what they are about);
/// all of them when nothing else is left.
pub fn meaningful_words(words: Vec<String>) -> Vec<String> {
    let kept: Vec<String> = words
        .iter()
        .filter(|w| !COMMON.contains(&w.as_str()))
        .cloned()
        .collect();
    if kept.is_empty() { words } else { kept }
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
    fn common_words_are_dropped_unless_nothing_else_is_left() {
        assert_eq!(
            meaningful_words(search_words("J'ai un retard de livraison sur ma commande")),
            ["retard", "livraison", "commande"]
        );
        assert_eq!(meaningful_words(search_words("the")), ["the"]);
    }

    #[test]
    fn search_words_drop_operators() {
        assert_eq!(
            search_words("colis \"abîmé\" OR -x*"),
            ["colis", "abime", "or", "x"]
        );
    }
}
