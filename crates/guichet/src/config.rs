//! Settings: defaults → TOML file (`--config`) → `GUICHET_…` environment → command-line flags.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub bind: String,
    /// Directory for the embedded database and other local data.
    pub data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://…`; empty means `sqlite:<data_dir>/guichet.db`.
    pub database_url: String,
    /// Database connections (PostgreSQL) or reader connections (SQLite).
    pub max_connections: u32,
    /// SQLite: fsync every commit (survives power loss, slower).
    pub sqlite_synchronous_full: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest attachment accepted (uploads, email parts), in bytes.
    pub max_attachment_bytes: usize,
    /// API requests per minute and caller, per node.
    pub rate_limit_per_minute: u32,
    /// Hours a solved case waits for the customer before it closes by itself.
    pub quiet_period_hours: u32,
    /// Log format: `text` or `json`.
    pub log_format: String,
    /// Right-hand side of Guichet's Message-IDs (your support domain).
    pub mail_domain: String,
    /// Inbound LMTP/SMTP listener for an MTA (empty: off), e.g. `127.0.0.1:2424`.
    pub lmtp_bind: String,
    /// Largest inbound email, in bytes.
    pub max_email_bytes: usize,
    /// Days raw email originals are kept (0: forever).
    pub email_retention_days: i64,
    /// Outbound SMTP relay host (empty: mail stays queued in the outbox).
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `none`, `starttls` or `tls`.
    pub smtp_security: String,
    pub smtp_user: String,
    pub smtp_password: String,
    /// Poll IMAP mailboxes (set false on nodes that should not).
    pub imap_enabled: bool,
    /// ISO 4217 currency of the compensation authority limits (A8).
    pub compensation_currency: String,
    /// The largest single compensation accepted, in `compensation_currency` units.
    pub compensation_ceiling: u64,
    /// SQLite: writes that may wait for the writer; beyond, 503 with Retry-After at once.
    pub write_queue: usize,
    /// Open HTTP connections at most; beyond, new connections are closed.
    pub max_http_connections: usize,
    /// Open live chat connections (widget sockets and streams) at most; they stay open
    /// while a visitor's page is, so they are counted apart from HTTP requests.
    pub max_chat_connections: usize,
    /// A live chat with no message for this many minutes ends by itself, with a notice.
    pub chat_idle_minutes: u32,
    /// Seconds a client has to send a request's headers (and that an idle keep-alive
    /// connection stays open: keep it above a reverse proxy's upstream idle timeout).
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's whole body.
    pub body_timeout_secs: u64,
    /// Seconds requests in flight get to finish after SIGTERM.
    pub shutdown_grace_secs: u64,
    /// Seconds an SMTP relay or IMAP server has to answer each exchange.
    pub mail_timeout_secs: u64,
    /// The authserv-id your receiving MTA writes in `Authentication-Results`: mail from a
    /// staff address counts as that agent's reply only with a DMARC (or aligned DKIM) pass
    /// under this id. Empty: staff mail is always kept as an unverified internal note.
    pub mail_authserv_id: String,
    /// Public base URL of this server for the links it sends (`https://support.example.com`).
    /// Empty: `http://` + the address it listens on (never a request's Host header).
    pub public_url: String,
    /// The shared secret (HS256) of single sign-on for customers: a site that already knows
    /// its customers signs a JWT and sends them to `/portal/access/jwt`. Empty: off. At
    /// least 32 characters.
    pub portal_jwt_secret: String,
    /// Bytes a customer may upload per hour.
    pub upload_quota_customer_bytes: u64,
    /// Bytes a staff member may upload per hour.
    pub upload_quota_staff_bytes: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./guichet-data"),
            database_url: String::new(),
            max_connections: 8,
            sqlite_synchronous_full: false,
            max_body_bytes: 1024 * 1024,
            max_attachment_bytes: 20 * 1024 * 1024,
            rate_limit_per_minute: 700,
            quiet_period_hours: 96,
            log_format: "text".into(),
            mail_domain: "guichet.invalid".into(),
            lmtp_bind: String::new(),
            max_email_bytes: 40 * 1024 * 1024,
            email_retention_days: 90,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: "starttls".into(),
            smtp_user: String::new(),
            smtp_password: String::new(),
            imap_enabled: true,
            compensation_currency: "EUR".into(),
            compensation_ceiling: 100_000,
            write_queue: 1024,
            max_http_connections: 2048,
            max_chat_connections: 20_000,
            chat_idle_minutes: 20,
            header_timeout_secs: 65,
            body_timeout_secs: 120,
            shutdown_grace_secs: 20,
            mail_timeout_secs: 60,
            mail_authserv_id: String::new(),
            public_url: String::new(),
            portal_jwt_secret: String::new(),
            upload_quota_customer_bytes: 50 * 1024 * 1024,
            upload_quota_staff_bytes: 1024 * 1024 * 1024,
        }
    }
}

impl Config {
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite:{}", self.data_dir.join("guichet.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// Load in precedence order; `overrides` holds only the flags given on the command line.
    pub fn load(
        file: Option<&PathBuf>,
        overrides: &Overrides,
    ) -> Result<Self, Box<figment::Error>> {
        let mut f = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            f = f.merge(Toml::file_exact(path));
        }
        f = f.merge(Env::prefixed("GUICHET_").only(&[
            "bind",
            "data_dir",
            "database_url",
            "max_connections",
            "sqlite_synchronous_full",
            "max_body_bytes",
            "max_attachment_bytes",
            "rate_limit_per_minute",
            "quiet_period_hours",
            "log_format",
            "mail_domain",
            "lmtp_bind",
            "max_email_bytes",
            "email_retention_days",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_user",
            "smtp_password",
            "portal_jwt_secret",
            "imap_enabled",
            "compensation_currency",
            "compensation_ceiling",
            "write_queue",
            "max_http_connections",
            "max_chat_connections",
            "chat_idle_minutes",
            "header_timeout_secs",
            "body_timeout_secs",
            "shutdown_grace_secs",
            "mail_timeout_secs",
            "mail_authserv_id",
            "public_url",
            "upload_quota_customer_bytes",
            "upload_quota_staff_bytes",
        ]));
        f = f.merge(Serialized::defaults(overrides));
        f.extract().map_err(Box::new)
    }
}

/// Command-line flags that override the configuration; absent ones are skipped.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

pub fn default_toml() -> String {
    let body = toml_lines(&Config::default());
    format!(
        "# Guichet configuration (all keys optional; GUICHET_<KEY> env vars override them).\n{body}"
    )
}

fn toml_lines(c: &Config) -> String {
    let v = serde_json::to_value(c).unwrap_or_default();
    let mut out = String::new();
    if let serde_json::Value::Object(m) = v {
        for (k, v) in m {
            out.push_str(&format!("{k} = {v}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_environment_beat_file_beat_defaults() {
        let dir = std::env::temp_dir().join(format!("guichet-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("g.toml");
        std::fs::write(
            &file,
            "bind = \"0.0.0.0:1\"\nmax_body_bytes = 10\nquiet_period_hours = 5\n",
        )
        .unwrap();
        figment::Jail::expect_with(|jail| {
            jail.set_env("GUICHET_MAX_BODY_BYTES", "20");
            let c = Config::load(
                Some(&file),
                &Overrides {
                    bind: Some("127.0.0.1:9".into()),
                    ..Default::default()
                },
            )
            .unwrap();
            assert_eq!(c.bind, "127.0.0.1:9");
            assert_eq!(c.max_body_bytes, 20);
            assert_eq!(c.quiet_period_hours, 5);
            assert_eq!(c.rate_limit_per_minute, 700);
            Ok(())
        });
    }

    #[test]
    fn default_file_parses_back() {
        let text = default_toml();
        let c: Config = figment::Figment::from(Toml::string(&text))
            .extract()
            .unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
    }
}
