//! Zendesk search syntax: `type:ticket status<solved requester:a@b.c tags:vip "mot exact" -spam
//! created>2024-01-01 order_by:created sort:desc`. This module only parses; the application
//! turns terms into typed filters.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Free text (a word, or a phrase when it was quoted).
    Text { text: String, negated: bool },
    /// `key:value`, `key<value`, …
    Field {
        key: String,
        op: Op,
        value: String,
        negated: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("unbalanced double quote")]
    UnbalancedQuote,
    #[error("the query is too long (at most {0} characters)")]
    TooLong(usize),
    #[error("empty value for '{0}'")]
    EmptyValue(String),
}

pub const MAX_QUERY_LEN: usize = 1024;

/// Split on whitespace outside double quotes; quotes are kept in the token.
fn tokens(q: &str) -> Result<Vec<String>, QueryError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    for c in q.chars() {
        match c {
            '"' => {
                in_quote = !in_quote;
                cur.push(c);
            }
            c if c.is_whitespace() && !in_quote => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if in_quote {
        return Err(QueryError::UnbalancedQuote);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

fn unquote(s: &str) -> String {
    s.trim_matches('"').to_string()
}

pub fn parse(q: &str) -> Result<Query, QueryError> {
    if q.chars().count() > MAX_QUERY_LEN {
        return Err(QueryError::TooLong(MAX_QUERY_LEN));
    }
    let mut terms = Vec::new();
    for tok in tokens(q)? {
        let (negated, body) = match tok.strip_prefix('-') {
            Some(rest) if !rest.is_empty() => (true, rest),
            _ => (false, tok.as_str()),
        };
        if body.starts_with('"') {
            let text = unquote(body);
            if !text.is_empty() {
                terms.push(Term::Text { text, negated });
            }
            continue;
        }
        // A field term has an identifier before its operator.
        let op_pos = body.find([':', '<', '>']);
        let field = op_pos.and_then(|i| {
            let key = &body[..i];
            let ident =
                !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ident {
                return None;
            }
            let rest = &body[i..];
            let (op, len) = if rest.starts_with("<=") {
                (Op::Le, 2)
            } else if rest.starts_with(">=") {
                (Op::Ge, 2)
            } else if rest.starts_with('<') {
                (Op::Lt, 1)
            } else if rest.starts_with('>') {
                (Op::Gt, 1)
            } else {
                (Op::Eq, 1)
            };
            // `created:>2024-01-01` is accepted too.
            let mut value = &rest[len..];
            let mut op = op;
            if op == Op::Eq {
                if let Some(v) = value.strip_prefix(">=") {
                    (op, value) = (Op::Ge, v);
                } else if let Some(v) = value.strip_prefix("<=") {
                    (op, value) = (Op::Le, v);
                } else if let Some(v) = value.strip_prefix('>') {
                    (op, value) = (Op::Gt, v);
                } else if let Some(v) = value.strip_prefix('<') {
                    (op, value) = (Op::Lt, v);
                }
            }
            Some((key.to_ascii_lowercase(), op, unquote(value)))
        });
        match field {
            Some((key, _, value)) if value.is_empty() => {
                return Err(QueryError::EmptyValue(key));
            }
            Some((key, op, value)) => terms.push(Term::Field {
                key,
                op,
                value,
                negated,
            }),
            None => terms.push(Term::Text {
                text: body.to_string(),
                negated,
            }),
        }
    }
    Ok(Query { terms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn field(key: &str, op: Op, value: &str) -> Term {
        Term::Field {
            key: key.into(),
            op,
            value: value.into(),
            negated: false,
        }
    }

    #[test]
    fn parses_zendesk_examples() {
        let q = parse("status<solved requester:user@domain.com type:ticket").unwrap();
        assert_eq!(
            q.terms,
            vec![
                field("status", Op::Lt, "solved"),
                field("requester", Op::Eq, "user@domain.com"),
                field("type", Op::Eq, "ticket"),
            ]
        );
        let q = parse("created_at>=2023-09-14T00:39:54Z type:user").unwrap();
        assert_eq!(
            q.terms[0],
            field("created_at", Op::Ge, "2023-09-14T00:39:54Z")
        );
    }

    #[test]
    fn phrases_negation_and_free_text() {
        let q = parse(r#"colis "pas reçu" -tags:spam -remboursement"#).unwrap();
        assert_eq!(
            q.terms,
            vec![
                Term::Text {
                    text: "colis".into(),
                    negated: false
                },
                Term::Text {
                    text: "pas reçu".into(),
                    negated: false
                },
                Term::Field {
                    key: "tags".into(),
                    op: Op::Eq,
                    value: "spam".into(),
                    negated: true
                },
                Term::Text {
                    text: "remboursement".into(),
                    negated: true
                },
            ]
        );
    }

    #[test]
    fn quoted_field_values_and_colon_operators() {
        let q = parse(r#"subject:"mon colis" created:>2024-01-01"#).unwrap();
        assert_eq!(q.terms[0], field("subject", Op::Eq, "mon colis"));
        assert_eq!(q.terms[1], field("created", Op::Gt, "2024-01-01"));
    }

    #[test]
    fn errors_are_reported() {
        assert_eq!(parse("\"open"), Err(QueryError::UnbalancedQuote));
        assert_eq!(
            parse("status:"),
            Err(QueryError::EmptyValue("status".into()))
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = parse(&s);
        }
    }
}
