//! Email templates: built-in French and English defaults, overridable by admins. Rendered
//! with minijinja, strict about undefined variables and with a fuel limit, so an admin's
//! template can neither leak a typo silently nor loop forever. Fuel counts instructions,
//! not bytes (`{% set s = s ~ s %}` thirty times is a gigabyte in a hundred instructions),
//! so templates are also held to a small language (`check_safe`: no assignments, macros or
//! `*`, a few concatenations, filters that do not grow text, `range` as the only function)
//! and their output is capped while it is written.

use crate::{Actor, App, AppError, FieldError, Result};
use store::Tx;

/// Template keys and the variables each receives.
pub const KEYS: &[(&str, &[&str])] = &[
    (
        "ack",
        &[
            "case_id",
            "subject",
            "customer_name",
            "mailbox_name",
            "expected",
            "ahead",
            "case_link",
        ],
    ),
    (
        "reply",
        &[
            "case_id",
            "subject",
            "body",
            "customer_name",
            "agent_name",
            "mailbox_name",
            "case_link",
        ],
    ),
    (
        "notification",
        &[
            "kind",
            "case_id",
            "subject",
            "agent_name",
            "standard",
            "priority",
        ],
    ),
    (
        "invitation",
        &["user_name", "inviter_name", "link", "expires"],
    ),
    ("password_reset", &["user_name", "link", "expires"]),
    ("sign_in", &["user_name", "link", "expires"]),
];

/// (subject, body) of a built-in template.
pub fn default_template(key: &str, locale: &str) -> Option<(&'static str, &'static str)> {
    Some(match (key, locale) {
        ("ack", "fr") => (
            "[#{{ case_id }}] Nous avons bien reçu votre demande\u{a0}: {{ subject }}",
            "Bonjour {{ customer_name }},\n\n\
             Nous avons bien reçu votre demande n°\u{a0}{{ case_id }} «\u{202f}{{ subject }}\u{202f}».\n\
             {% if expected %}Nous vous répondrons au plus tard le {{ expected }}.\n{% endif %}\
             {% if ahead > 0 %}{{ ahead }} demande{% if ahead > 1 %}s sont{% else %} est{% endif %} en cours de traitement avant la vôtre.\n{% endif %}\
             \nPour compléter votre demande, répondez simplement à ce message.\n\
             {% if case_link %}Vous pouvez aussi la suivre en ligne\u{a0}: {{ case_link }}\n{% endif %}\n\
             {{ mailbox_name }}\n",
        ),
        ("ack", _) => (
            "[#{{ case_id }}] We have received your request: {{ subject }}",
            "Hello {{ customer_name }},\n\n\
             We have received your request #{{ case_id }} \"{{ subject }}\".\n\
             {% if expected %}We will answer by {{ expected }} at the latest.\n{% endif %}\
             {% if ahead > 0 %}{{ ahead }} request{% if ahead > 1 %}s are{% else %} is{% endif %} being handled before yours.\n{% endif %}\
             \nTo add to your request, simply reply to this message.\n\
             {% if case_link %}You can also follow it online: {{ case_link }}\n{% endif %}\n\
             {{ mailbox_name }}\n",
        ),
        ("reply", "fr") => (
            "Re: [#{{ case_id }}] {{ subject }}",
            "{{ body }}\n\n-- \n{{ agent_name }}, {{ mailbox_name }}\n\
             Demande n°\u{a0}{{ case_id }}\u{a0}: répondez à ce message pour la compléter.\n\
             {% if case_link %}Suivre votre demande en ligne\u{a0}: {{ case_link }}\n{% endif %}",
        ),
        ("reply", _) => (
            "Re: [#{{ case_id }}] {{ subject }}",
            "{{ body }}\n\n-- \n{{ agent_name }}, {{ mailbox_name }}\n\
             Request #{{ case_id }}: reply to this message to add to it.\n\
             {% if case_link %}Follow your request online: {{ case_link }}\n{% endif %}",
        ),
        ("notification", "fr") => (
            "[#{{ case_id }}] {% if kind == 'assigned' %}Dossier attribué{% elif kind == 'standard_warning' %}Échéance proche{% elif kind == 'standard_breached' %}Engagement non tenu{% elif kind == 'standard_unacceptable' %}Retard inacceptable{% else %}{{ kind }}{% endif %}\u{a0}: {{ subject }}",
            "Bonjour {{ agent_name }},\n\n\
             {% if kind == 'assigned' %}Le dossier n°\u{a0}{{ case_id }} «\u{202f}{{ subject }}\u{202f}» vous a été attribué.\
             {% elif kind == 'standard_warning' %}Le dossier n°\u{a0}{{ case_id }} «\u{202f}{{ subject }}\u{202f}» approche de l’échéance de l’engagement «\u{202f}{{ standard }}\u{202f}».\
             {% elif kind == 'standard_breached' %}L’engagement «\u{202f}{{ standard }}\u{202f}» n’a pas été tenu pour le dossier n°\u{a0}{{ case_id }} «\u{202f}{{ subject }}\u{202f}».\
             {% elif kind == 'standard_unacceptable' %}Le dossier n°\u{a0}{{ case_id }} «\u{202f}{{ subject }}\u{202f}» a atteint le retard jugé inacceptable par l’engagement «\u{202f}{{ standard }}\u{202f}».\
             {% else %}Dossier n°\u{a0}{{ case_id }} «\u{202f}{{ subject }}\u{202f}»\u{a0}: {{ kind }}.{% endif %}\n\n\
             Guichet\n",
        ),
        ("notification", _) => (
            "[#{{ case_id }}] {% if kind == 'assigned' %}Case assigned{% elif kind == 'standard_warning' %}Deadline approaching{% elif kind == 'standard_breached' %}Standard breached{% elif kind == 'standard_unacceptable' %}Unacceptable delay{% else %}{{ kind }}{% endif %}: {{ subject }}",
            "Hello {{ agent_name }},\n\n\
             {% if kind == 'assigned' %}Case #{{ case_id }} \"{{ subject }}\" is assigned to you.\
             {% elif kind == 'standard_warning' %}Case #{{ case_id }} \"{{ subject }}\" is close to the deadline of the standard \"{{ standard }}\".\
             {% elif kind == 'standard_breached' %}The standard \"{{ standard }}\" was breached on case #{{ case_id }} \"{{ subject }}\".\
             {% elif kind == 'standard_unacceptable' %}Case #{{ case_id }} \"{{ subject }}\" is past the unacceptable delay of the standard \"{{ standard }}\".\
             {% else %}Case #{{ case_id }} \"{{ subject }}\": {{ kind }}.{% endif %}\n\n\
             Guichet\n",
        ),
        ("invitation", "fr") => (
            "Votre accès à Guichet",
            "Bonjour {{ user_name }},\n\n\
             {% if inviter_name %}{{ inviter_name }} vous invite à rejoindre{% else %}Vous pouvez \
             maintenant rejoindre{% endif %} l’équipe du service client dans Guichet.\n\n\
             Choisissez votre mot de passe ici (lien valable jusqu’au {{ expires }}, une seule fois)\u{a0}:\n\
             {{ link }}\n\n\
             Si vous n’attendiez pas cette invitation, ignorez ce message.\n\n\
             Guichet\n",
        ),
        ("invitation", _) => (
            "Your access to Guichet",
            "Hello {{ user_name }},\n\n\
             {% if inviter_name %}{{ inviter_name }} invites you{% else %}You are invited{% endif %} to \
             join the customer service team in Guichet.\n\n\
             Choose your password here (the link works once, until {{ expires }}):\n\
             {{ link }}\n\n\
             If you did not expect this invitation, ignore this message.\n\n\
             Guichet\n",
        ),
        ("password_reset", "fr") => (
            "Réinitialisation de votre mot de passe Guichet",
            "Bonjour {{ user_name }},\n\n\
             Pour choisir un nouveau mot de passe, ouvrez ce lien (valable jusqu’au {{ expires }}, \
             une seule fois)\u{a0}:\n\
             {{ link }}\n\n\
             Si vous n’avez rien demandé, ignorez ce message\u{a0}: votre mot de passe actuel reste valable.\n\n\
             Guichet\n",
        ),
        ("password_reset", _) => (
            "Resetting your Guichet password",
            "Hello {{ user_name }},\n\n\
             To choose a new password, open this link (it works once, until {{ expires }}):\n\
             {{ link }}\n\n\
             If you did not ask for this, ignore this message: your current password still works.\n\n\
             Guichet\n",
        ),
        ("sign_in", "fr") => (
            "Votre lien de connexion",
            "Bonjour {{ user_name }},\n\n\
             Pour suivre vos demandes, ouvrez ce lien (valable jusqu’au {{ expires }}, une seule fois)\u{a0}:\n\
             {{ link }}\n\n\
             Si vous n’avez rien demandé, ignorez ce message.\n",
        ),
        ("sign_in", _) => (
            "Your sign-in link",
            "Hello {{ user_name }},\n\n\
             To follow your requests, open this link (it works once, until {{ expires }}):\n\
             {{ link }}\n\n\
             If you did not ask for this, ignore this message.\n",
        ),
        _ => return None,
    })
}

fn env() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_fuel(Some(20_000));
    // Plain text mail: no HTML escaping.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

/// Largest output of an email template (the reply's body is up to 256k characters).
pub const MAX_OUTPUT_BYTES: usize = 2 * 1024 * 1024;

/// Statements a template may use: choices and loops (bounded by fuel), nothing that
/// assigns (the way to grow a string without bound) or defines.
const STATEMENTS: &[&str] = &[
    "if", "elif", "else", "endif", "for", "endfor", "raw", "endraw",
];

/// Filters that never make text much longer than their input.
const FILTERS: &[&str] = &[
    "upper",
    "lower",
    "title",
    "capitalize",
    "trim",
    "default",
    "d",
    "length",
    "count",
    "first",
    "last",
    "int",
    "float",
    "abs",
    "round",
    "string",
    "e",
    "escape",
    "safe",
    "wordcount",
    "reverse",
    "sort",
    "unique",
    "min",
    "max",
    "bool",
];

/// `~` and `+` per template: each at most adds its operands (themselves bounded).
const MAX_CONCATENATIONS: usize = 16;

/// Refuse the constructs that let a short template allocate without bound.
pub fn check_safe(source: &str) -> std::result::Result<(), String> {
    use minijinja::machinery::{Token, tokenize};
    let tokens: Vec<Token<'_>> = tokenize(source, false, Default::default(), Default::default())
        .map(|r| r.map(|(t, _)| t))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut concatenations = 0;
    for (i, t) in tokens.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
        let next = tokens.get(i + 1);
        match t {
            Token::Mul | Token::Pow => {
                return Err("the * and ** operators are not allowed in templates".into());
            }
            Token::Tilde | Token::Plus => {
                concatenations += 1;
                if concatenations > MAX_CONCATENATIONS {
                    return Err(format!(
                        "at most {MAX_CONCATENATIONS} uses of ~ and + in a template"
                    ));
                }
            }
            Token::Ident(name)
                if matches!(prev, Some(Token::BlockStart)) && !STATEMENTS.contains(name) =>
            {
                return Err(format!(
                    "the statement {{% {name} %}} is not allowed in templates"
                ));
            }
            Token::Ident(name) if matches!(prev, Some(Token::Pipe)) && !FILTERS.contains(name) => {
                return Err(format!("the filter {name} is not allowed in templates"));
            }
            Token::Ident(_) if matches!(prev, Some(Token::BlockStart | Token::Pipe)) => {}
            Token::Ident(name)
                if matches!(next, Some(Token::ParenOpen))
                    && !matches!(prev, Some(Token::Dot | Token::Ident("is" | "not")))
                    && *name != "range" =>
            {
                return Err(format!("the function {name}() is not allowed in templates"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// An `io::Write` that refuses to grow past its cap.
struct Capped {
    out: Vec<u8>,
    cap: usize,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > self.cap {
            return Err(std::io::Error::other("output too large"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Render one template string, at most `MAX_OUTPUT_BYTES` long.
pub fn render(source: &str, vars: &minijinja::Value) -> std::result::Result<String, String> {
    render_capped(source, vars, MAX_OUTPUT_BYTES)
}

/// Render one template string (checked by `check_safe`), its output at most `cap` bytes.
pub fn render_capped(
    source: &str,
    vars: &minijinja::Value,
    cap: usize,
) -> std::result::Result<String, String> {
    check_safe(source)?;
    let env = env();
    let t = env.template_from_str(source).map_err(|e| e.to_string())?;
    let mut w = Capped {
        out: Vec::new(),
        cap,
    };
    match t.render_captured_to(vars, &mut w) {
        Ok(_) => String::from_utf8(w.out).map_err(|e| e.to_string()),
        Err(e) if e.kind() == minijinja::ErrorKind::WriteFailure => {
            Err(format!("the text would be longer than {cap} bytes"))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Sample values for the variables `key`'s template receives at run time, and only those:
/// strict undefined then rejects, on save, a variable the template would not get.
fn sample_vars(key: &str) -> minijinja::Value {
    let all: [(&str, minijinja::Value); 16] = [
        ("case_id", 42.into()),
        ("subject", "Colis abîmé".into()),
        ("body", "Bonjour,\nvoici la réponse.".into()),
        ("customer_name", "Renée Lefèvre".into()),
        ("agent_name", "Marie".into()),
        ("mailbox_name", "Service client".into()),
        ("expected", "mardi 24 novembre 2026 à 11:30".into()),
        ("ahead", 3.into()),
        ("kind", "assigned".into()),
        ("standard", "Première réponse".into()),
        ("priority", "high".into()),
        ("user_name", "Marie Curie".into()),
        ("inviter_name", "Ada Admin".into()),
        ("link", "https://support.example.com/password/…".into()),
        ("expires", "lundi 14 décembre 2026 à 09:30".into()),
        ("case_link", "https://support.example.com/portal/c/…".into()),
    ];
    let names = KEYS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .unwrap_or_default();
    all.into_iter()
        .filter(|(n, _)| names.contains(n))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into()
}

impl App {
    /// (subject, body) of a template for a locale, the admin's version first.
    pub(crate) async fn render_template(
        &self,
        tx: &mut Tx,
        key: &str,
        locale: &str,
        vars: minijinja::Value,
    ) -> Result<(String, String)> {
        let custom = tx.template_in_tx(key, locale).await?;
        let (s, b) = match &custom {
            Some(t) => (t.subject.as_str(), t.body.as_str()),
            None => default_template(key, locale)
                .ok_or_else(|| AppError::Internal(format!("no template {key}")))?,
        };
        let render_both = |s: &str, b: &str| -> std::result::Result<(String, String), String> {
            Ok((render(s, &vars)?, render(b, &vars)?))
        };
        match render_both(s, b) {
            Ok((s, b)) => Ok((s.lines().next().unwrap_or("").trim().to_string(), b)),
            Err(e) => {
                // An admin template that fails at run time (validated on save, so only a
                // variable missing at run time): fall back to the built-in one.
                tracing::warn!(key, locale, error = %e, "email template failed, using the default");
                let (s, b) = default_template(key, locale)
                    .ok_or_else(|| AppError::Internal(format!("no template {key}")))?;
                let (s, b) = render_both(s, b).map_err(AppError::Internal)?;
                Ok((s.lines().next().unwrap_or("").trim().to_string(), b))
            }
        }
    }

    /// Every template with its effective text, for fr and en.
    pub async fn list_templates(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(String, String, String, String, bool)>> {
        actor.require_admin()?;
        let custom = self.store.templates().await?;
        let mut out = Vec::new();
        for (key, _) in KEYS {
            for locale in ["en", "fr"] {
                match custom.iter().find(|t| t.key == *key && t.locale == locale) {
                    Some(t) => out.push((
                        key.to_string(),
                        locale.into(),
                        t.subject.clone(),
                        t.body.clone(),
                        true,
                    )),
                    None => {
                        let (s, b) = default_template(key, locale).unwrap_or_default();
                        out.push((key.to_string(), locale.into(), s.into(), b.into(), false));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Save an admin's template after rendering it once with sample values.
    pub async fn put_template(
        &self,
        actor: &Actor,
        key: &str,
        locale: &str,
        subject: &str,
        body: &str,
    ) -> Result<()> {
        actor.require_admin()?;
        if !KEYS.iter().any(|(k, _)| *k == key) {
            return Err(AppError::NotFound("template"));
        }
        if !matches!(locale, "fr" | "en") {
            return Err(AppError::NotFound("template"));
        }
        let mut errs = Vec::new();
        for (field, text, max) in [
            ("email_template.subject", subject, 1000),
            ("email_template.body", body, 64 * 1024),
        ] {
            if text.trim().is_empty() {
                errs.push(FieldError::new(field, "required", "a text"));
            } else if text.len() > max {
                errs.push(FieldError::new(
                    field,
                    "too-long",
                    format!("{max} bytes at most"),
                ));
            }
        }
        let vars = sample_vars(key);
        if let Err(e) = render(subject, &vars) {
            errs.push(FieldError::new("email_template.subject", "template", e));
        }
        if let Err(e) = render(body, &vars) {
            errs.push(FieldError::new("email_template.body", "template", e));
        }
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        let mut tx = self.store.begin().await?;
        tx.put_template(key, locale, subject, body, self.now_ms())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A template as it would read, rendered with sample values (the edit page's preview):
    /// (subject, body), or the validation errors `put_template` would give.
    pub async fn preview_template(
        &self,
        actor: &Actor,
        key: &str,
        subject: &str,
        body: &str,
    ) -> Result<(String, String)> {
        actor.require_admin()?;
        if !KEYS.iter().any(|(k, _)| *k == key) {
            return Err(AppError::NotFound("template"));
        }
        let vars = sample_vars(key);
        let s = render(subject, &vars);
        let b = render(body, &vars);
        match (s, b) {
            (Ok(s), Ok(b)) => Ok((s.lines().next().unwrap_or("").trim().to_string(), b)),
            (s, b) => {
                let mut errs = Vec::new();
                if let Err(e) = s {
                    errs.push(FieldError::new("email_template.subject", "template", e));
                }
                if let Err(e) = b {
                    errs.push(FieldError::new("email_template.body", "template", e));
                }
                Err(AppError::Invalid(errs))
            }
        }
    }

    /// Back to the built-in template.
    pub async fn reset_template(&self, actor: &Actor, key: &str, locale: &str) -> Result<()> {
        actor.require_admin()?;
        if !KEYS.iter().any(|(k, _)| *k == key) || !matches!(locale, "fr" | "en") {
            return Err(AppError::NotFound("template"));
        }
        let mut tx = self.store.begin().await?;
        tx.delete_template(key, locale).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_renders_in_both_languages() {
        for (key, _) in KEYS {
            for locale in ["fr", "en"] {
                let (s, b) = default_template(key, locale).unwrap();
                let s = render(s, &sample_vars(key)).unwrap();
                let b = render(b, &sample_vars(key)).unwrap();
                if !matches!(*key, "invitation" | "password_reset" | "sign_in") {
                    assert!(s.contains("[#42]"), "{key} {locale}: {s}");
                } else {
                    assert!(
                        b.contains("https://support.example.com/"),
                        "{key} {locale}: {b}"
                    );
                }
                if matches!(*key, "ack" | "reply") {
                    assert!(b.contains("/portal/c/"), "{key} {locale}: the case link");
                }
                assert!(!b.is_empty());
            }
        }
        let (_, b) = default_template("ack", "fr").unwrap();
        let b = render(b, &sample_vars("ack")).unwrap();
        assert!(
            b.contains("au plus tard le mardi 24 novembre 2026 à 11:30"),
            "{b}"
        );
        assert!(b.contains("3 demandes sont en cours"), "{b}");
    }

    #[test]
    fn strict_undefined_and_fuel() {
        assert!(render("{{ nope }}", &sample_vars("ack")).is_err());
        assert!(
            render(
                "{% for i in range(100000) %}{{ i }}{% endfor %}",
                &sample_vars("ack")
            )
            .is_err()
        );
        assert!(render("{% if %}", &sample_vars("ack")).is_err());
    }

    #[test]
    fn constructs_that_grow_text_without_bound_are_refused() {
        let v = sample_vars("reply");
        let doubling = format!(
            "{{% set s = body %}}{}{{{{ s }}}}",
            "{% set s = s ~ s %}".repeat(40)
        );
        for bomb in [
            doubling.as_str(),
            "{{ body * 100000000 }}",
            "{{ body|replace('', body)|replace('', body) }}",
            "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "{% macro m(x) %}{{ x ~ x }}{% endmacro %}{{ m(m(m(body))) }}",
            "{{ [body, body]|join(body) }}",
            "{{ body ~ body ~ body ~ body ~ body ~ body ~ body ~ body ~ body ~ body ~ body ~ body ~ body ~ body ~ body ~ body ~ body ~ body }}",
        ] {
            let e = render(bomb, &v).unwrap_err();
            assert!(
                e.contains("not allowed") || e.contains("at most"),
                "{bomb}: {e}"
            );
        }
        // Output is capped while written: a loop over a long text stops at the cap.
        let text = "x".repeat(10_000);
        let looped = format!("{{% for i in range(5000) %}}{text}{{% endfor %}}");
        let e = render_capped(&looped, &v, 256 * 1024).unwrap_err();
        assert!(e.contains("longer than"), "{e}");
        // What templates need still works.
        let ok = "{% if body %}{{ body|trim }}{% endif %} {{ 'Dossier ' ~ case_id }} {% for i in range(3) %}{{ loop.index }}{% endfor %} {{ agent_name|upper }} {% if agent_name is defined %}ok{% endif %}";
        assert!(render(ok, &v).unwrap().contains("MARIE"));
    }
}
