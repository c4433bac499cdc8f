//! Schema migrations, one list per backend with the same version numbers (a test checks it).
//! Applied in order inside a transaction; on PostgreSQL an advisory lock makes concurrent
//! node start-ups wait for each other.

use crate::{Db, Result, Store};

#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS_SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/sqlite/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "uploads_categories",
        sql: include_str!("../migrations/sqlite/0002_uploads_categories.sql"),
    },
    Migration {
        version: 3,
        name: "standards",
        sql: include_str!("../migrations/sqlite/0003_standards.sql"),
    },
    Migration {
        version: 4,
        name: "email",
        sql: include_str!("../migrations/sqlite/0004_email.sql"),
    },
    Migration {
        version: 5,
        name: "agent_ui",
        sql: include_str!("../migrations/sqlite/0005_agent_ui.sql"),
    },
    Migration {
        version: 6,
        name: "inbox_views",
        sql: include_str!("../migrations/sqlite/0006_inbox_views.sql"),
    },
    Migration {
        version: 7,
        name: "security",
        sql: include_str!("../migrations/sqlite/0007_security.sql"),
    },
    Migration {
        version: 8,
        name: "upload_quota",
        sql: include_str!("../migrations/sqlite/0008_upload_quota.sql"),
    },
    Migration {
        version: 9,
        name: "health_probe",
        sql: include_str!("../migrations/sqlite/0009_health_probe.sql"),
    },
    Migration {
        version: 10,
        name: "day_one",
        sql: include_str!("../migrations/sqlite/0010_day_one.sql"),
    },
    Migration {
        version: 11,
        name: "portal",
        sql: include_str!("../migrations/sqlite/0011_portal.sql"),
    },
    Migration {
        version: 12,
        name: "help_center",
        sql: include_str!("../migrations/sqlite/0012_help_center.sql"),
    },
    Migration {
        version: 13,
        name: "kb_files",
        sql: include_str!("../migrations/sqlite/0013_kb_files.sql"),
    },
    Migration {
        version: 14,
        name: "chat",
        sql: include_str!("../migrations/sqlite/0014_chat.sql"),
    },
];

pub const MIGRATIONS_POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "uploads_categories",
        sql: include_str!("../migrations/postgres/0002_uploads_categories.sql"),
    },
    Migration {
        version: 3,
        name: "standards",
        sql: include_str!("../migrations/postgres/0003_standards.sql"),
    },
    Migration {
        version: 4,
        name: "email",
        sql: include_str!("../migrations/postgres/0004_email.sql"),
    },
    Migration {
        version: 5,
        name: "agent_ui",
        sql: include_str!("../migrations/postgres/0005_agent_ui.sql"),
    },
    Migration {
        version: 6,
        name: "inbox_views",
        sql: include_str!("../migrations/postgres/0006_inbox_views.sql"),
    },
    Migration {
        version: 7,
        name: "security",
        sql: include_str!("../migrations/postgres/0007_security.sql"),
    },
    Migration {
        version: 8,
        name: "upload_quota",
        sql: include_str!("../migrations/postgres/0008_upload_quota.sql"),
    },
    Migration {
        version: 9,
        name: "health_probe",
        sql: include_str!("../migrations/postgres/0009_health_probe.sql"),
    },
    Migration {
        version: 10,
        name: "day_one",
        sql: include_str!("../migrations/postgres/0010_day_one.sql"),
    },
    Migration {
        version: 11,
        name: "portal",
        sql: include_str!("../migrations/postgres/0011_portal.sql"),
    },
    Migration {
        version: 12,
        name: "help_center",
        sql: include_str!("../migrations/postgres/0012_help_center.sql"),
    },
    Migration {
        version: 13,
        name: "kb_files",
        sql: include_str!("../migrations/postgres/0013_kb_files.sql"),
    },
    Migration {
        version: 14,
        name: "chat",
        sql: include_str!("../migrations/postgres/0014_chat.sql"),
    },
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS guichet_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

impl Store {
    /// Apply pending migrations; returns the versions applied now.
    pub async fn migrate(&self, now_ms: i64) -> Result<Vec<i64>> {
        let mut applied = Vec::new();
        match &self.db {
            Db::Sqlite { write, .. } => {
                let mut tx = write.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::raw_sql(CREATE_TABLE).execute(&mut *tx).await?;
                let done: Vec<i64> = sqlx::query_scalar("SELECT version FROM guichet_migrations")
                    .fetch_all(&mut *tx)
                    .await?;
                for m in MIGRATIONS_SQLITE
                    .iter()
                    .filter(|m| !done.contains(&m.version))
                {
                    sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO guichet_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                        .bind(m.version)
                        .bind(m.name)
                        .bind(now_ms)
                        .execute(&mut *tx)
                        .await?;
                    applied.push(m.version);
                }
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7243620011)")
                    .execute(&mut *tx)
                    .await?;
                sqlx::raw_sql(CREATE_TABLE).execute(&mut *tx).await?;
                let done: Vec<i64> = sqlx::query_scalar("SELECT version FROM guichet_migrations")
                    .fetch_all(&mut *tx)
                    .await?;
                for m in MIGRATIONS_POSTGRES
                    .iter()
                    .filter(|m| !done.contains(&m.version))
                {
                    sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO guichet_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                        .bind(m.version)
                        .bind(m.name)
                        .bind(now_ms)
                        .execute(&mut *tx)
                        .await?;
                    applied.push(m.version);
                }
                tx.commit().await?;
            }
        }
        Ok(applied)
    }

    /// Versions recorded as applied, ascending.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        let v = crate::on_read!(self, p => sqlx::query_scalar(
            "SELECT version FROM guichet_migrations ORDER BY version").fetch_all(p).await?);
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_migration_versions_and_names() {
        let a: Vec<_> = MIGRATIONS_SQLITE
            .iter()
            .map(|m| (m.version, m.name))
            .collect();
        let b: Vec<_> = MIGRATIONS_POSTGRES
            .iter()
            .map(|m| (m.version, m.name))
            .collect();
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].0 < w[1].0), "versions ascend");
    }

    #[test]
    fn both_backends_create_the_same_tables() {
        fn tables(sql: &str) -> Vec<String> {
            let mut t: Vec<String> = sql
                .lines()
                .filter_map(|l| l.trim().strip_prefix("CREATE TABLE "))
                .map(|r| r.split_whitespace().next().unwrap_or("").to_string())
                .collect();
            t.sort();
            t
        }
        for (s, p) in MIGRATIONS_SQLITE.iter().zip(MIGRATIONS_POSTGRES) {
            let mut ts = tables(s.sql);
            let mut tp = tables(p.sql);
            // The search index is an FTS5 virtual table on SQLite and a tsvector table on PostgreSQL.
            tp.retain(|t| t != "case_search");
            ts.retain(|t| t != "case_fts");
            // SQLite changes a table by building `x_new` and renaming it to `x`, where
            // PostgreSQL alters `x` in place.
            ts.retain(|t| !t.ends_with("_new"));
            assert_eq!(ts, tp, "migration {}", s.version);
        }
    }
}
