//! Forms that come back with what was typed (issue 16): when a use case refuses a form, the
//! page is rendered again with the values and each message next to its field, in the
//! reader's language (agent screens and customer pages alike), naming the field by its label (never an input name or a database
//! message). After a successful save the page says so (`?notice=saved`).

use crate::i18n::T;
use app::{AppError, FieldError};
use std::collections::HashMap;

/// How a use case's field names (`relay.host`) map to a form's inputs and their labels:
/// (use-case field, input name, label message id).
pub type FieldMap = &'static [(&'static str, &'static str, &'static str)];

#[derive(Debug, Default, Clone)]
pub struct FormState {
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    /// Errors that belong to no input of the form (shown at its top).
    pub summary: Vec<String>,
}

impl FormState {
    /// A form as typed, without errors (yet).
    pub fn typed<'a>(values: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        FormState {
            values: values
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    /// The typed value, else `stored` (the value the page shows when the form is new).
    pub fn val<'a>(&'a self, name: &str, stored: &'a str) -> &'a str {
        self.values.get(name).map(String::as_str).unwrap_or(stored)
    }

    /// The message to show next to this input, if any.
    pub fn err(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || !self.summary.is_empty()
    }

    /// Put a message next to an input (a value the page itself could not read).
    pub fn add(&mut self, input: &str, message: String) {
        self.errors.entry(input.to_string()).or_insert(message);
    }

    /// Attach a use case's validation errors to the inputs: `Err(e)` back when the error
    /// is not about the form's values (not found, forbidden, storage), for the error page.
    pub fn refused(mut self, t: &T, e: AppError, map: FieldMap) -> Result<Self, AppError> {
        let errs: Vec<FieldError> = match e {
            AppError::Invalid(errs) => errs,
            AppError::Conflict(f) => vec![f],
            other => return Err(other),
        };
        for f in errs {
            match map.iter().find(|(field, _, _)| *field == f.field) {
                Some((_, input, label)) => {
                    let text = message(t, &f, &t.t(*label));
                    self.add(input, text);
                }
                None => {
                    let label = crate::page_error::field_label(t.locale, &f.field);
                    self.summary.push(message(t, &f, &label));
                }
            }
        }
        Ok(self)
    }
}

/// A validation error in words, the field named by its label.
pub fn message(t: &T, f: &FieldError, label: &str) -> String {
    t.ta(
        &format!("err-{}", f.code),
        &[
            ("field", label),
            (
                "detail",
                &crate::i18n::detail_for(t.locale, f.code, &f.detail),
            ),
        ],
    )
}

/// The notice a page shows after a redirect (`?notice=saved`), translated.
pub fn notice(t: &T, q: &HashMap<String, String>) -> Option<String> {
    let n = q.get("notice")?;
    n.chars()
        .all(|c| c.is_ascii_lowercase() || c == '-')
        .then(|| t.t(format!("notice-{n}")))
        .filter(|s| !s.starts_with("notice-"))
}

/// Read an urlencoded form: no text field takes NUL or other control characters (domain
/// rule; PostgreSQL refuses NUL), refused naming the field before anything is written;
/// else the form's own parse error. `Err((field, detail))`.
pub fn parse_form<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, (&'static str, String)> {
    if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        && let Some((k, _)) = pairs
            .iter()
            .find(|(k, v)| domain::has_forbidden_control(k) || domain::has_forbidden_control(v))
    {
        return Err(("form", format!("{}: a control character", k.escape_debug())));
    }
    serde_urlencoded::from_bytes::<T>(bytes).map_err(|e| ("form", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Locale;

    #[test]
    fn a_refused_form_keeps_its_values_and_names_the_field_by_its_label() {
        let t = T::new(Locale::Fr, "Europe/Paris", 0);
        let f = FormState::typed([("host", "smtp exemple"), ("port", "99999")]);
        let e = AppError::Invalid(vec![
            FieldError::new("relay.host", "host-invalid", "smtp exemple"),
            FieldError::new("relay.port", "out-of-range", "1–65535"),
            FieldError::new("relay.other", "required", "x"),
        ]);
        const MAP: FieldMap = &[
            ("relay.host", "host", "relay-host"),
            ("relay.port", "port", "relay-port"),
        ];
        let f = f.refused(&t, e, MAP).unwrap();
        assert_eq!(f.val("host", "stored"), "smtp exemple");
        assert_eq!(f.val("user", "stored"), "stored");
        let host = f.err("host").unwrap();
        assert!(host.starts_with("Serveur"), "{host}");
        assert!(!host.contains("relay.host"), "{host}");
        assert!(f.err("port").unwrap().contains("1–65535"));
        assert_eq!(f.summary.len(), 1);
        assert!(
            FormState::default()
                .refused(&t, AppError::NotFound("x"), MAP)
                .is_err()
        );
    }
}
