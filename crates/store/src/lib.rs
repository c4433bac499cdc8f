//! Persistence. `Store` hides which database runs behind one API; `sqlite` and `postgres`
//! flavours sit side by side and share SQL text wherever the dialects agree ($N placeholders,
//! integer millisecond timestamps). Only this crate knows SQL.

mod accounts;
mod cases;
mod chat;
mod email;
mod files;
mod filter;
mod forms;
mod group;
mod kb;
mod migrate;
mod misc;
mod people;
pub mod rows;
mod standards;
mod ui;

pub use cases::Page;
pub use chat::{ChatConversationRow, ChatEventRow, ChatVisitorRow};
pub use email::{
    EmailRow, MailboxData, MailboxRow, NewEmail, NewOutbox, NewQuarantine, OutboxRow,
    QuarantineRow, TemplateRow,
};
pub use files::{BrandFileRow, KbAttachmentRow};
pub use filter::{CaseCol, CaseFilter, CaseSort, Cmp, Cond, InboxIndex, SortDir, Val};
pub use forms::ContactFormRow;
pub use group::GroupTx;
pub use kb::{
    KbArticleRow, KbAudience, KbCategoryRow, KbEventCount, KbGroupTable, KbHitRow, KbSectionRow,
    KbTranslationRow, KbVoteRow,
};
pub use migrate::{MIGRATIONS_POSTGRES, MIGRATIONS_SQLITE, Migration};
pub use misc::NewAttachment;
pub use people::{OrgData, UserData};
pub use rows::*;
pub use standards::{AttainmentCounts, Grouping, HistoryItem, OpenCounts};
pub use ui::{CannedRow, LIVE_CHANNEL, PlaybookRow, SessionRow};

use sqlx::postgres::{PgPoolOptions, Postgres};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; carries the constraint or column named by the database.
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("invalid database url: {0}")]
    Url(String),
    #[error("database error: {0}")]
    Db(sqlx::Error),
    /// The write queue is full (overload): try again shortly.
    #[error("too many writes waiting")]
    Busy,
    /// The disk (or the database's size limit) is full: nothing was written.
    #[error("storage full: {0}")]
    Full(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(d) = &e
            && d.is_unique_violation()
        {
            let what = d
                .constraint()
                .map(str::to_string)
                .unwrap_or_else(|| d.message().to_string());
            return StoreError::Conflict(what);
        }
        if matches!(e, sqlx::Error::RowNotFound) {
            return StoreError::NotFound;
        }
        if group::is_full(&e) || is_pg_disk_full(&e) {
            note_full();
            return StoreError::Full(e.to_string());
        }
        StoreError::Db(e)
    }
}

/// When a write last failed because the disk was full (ms on a monotonic clock since the
/// process started; process-wide).
/// Readiness stays off for [`FULL_GRACE_MS`] after it: a one-row probe may still fit where
/// real writes do not.
static LAST_FULL_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
const FULL_GRACE_MS: i64 = 10_000;

pub(crate) fn note_full() {
    LAST_FULL_MS.store(now_ms(), std::sync::atomic::Ordering::Relaxed);
}

/// Milliseconds on a monotonic clock (a wall-clock step cannot stretch the grace period).
fn now_ms() -> i64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    // Offset so that "never full" (0) is far in the past.
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as i64
        + FULL_GRACE_MS * 2
}

/// PostgreSQL's `disk_full` (53100).
fn is_pg_disk_full(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("53100"))
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database, with its pools. SQLite has one writer connection (WAL allows readers
/// beside it); PostgreSQL one pool.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite {
        write: SqlitePool,
        read: SqlitePool,
        /// Group commit over the single writer connection of `write`.
        group: std::sync::Arc<group::Group>,
    },
    Postgres(PgPool),
}

#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Connections for PostgreSQL, or readers for SQLite.
    pub max_connections: u32,
    /// SQLite `synchronous=FULL` (survives power loss) instead of NORMAL (survives a crash
    /// of the process, which is what `kill -9` tests).
    pub sqlite_synchronous_full: bool,
    /// SQLite: requests that may wait for the writer; beyond, writes answer `Busy` at once.
    pub write_queue: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            sqlite_synchronous_full: false,
            write_queue: 1024,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

/// Readiness of the write path.
#[derive(Debug, Clone, Copy)]
pub struct WriteStatus {
    /// SQLite: requests queued for the writer; PostgreSQL: connections in use.
    pub queue_depth: usize,
    pub queue_capacity: usize,
}

/// A write transaction. Every use case runs in one, with its events.
pub enum Tx {
    Sqlite(GroupTx),
    Postgres(Transaction<'static, Postgres>),
}

/// Run the same expression on whichever connection a `Tx` (or a read handle) holds. Both
/// arms are spelled out by the caller's SQL, which must be valid on both databases; where the
/// dialects differ, code matches on the enum explicitly instead.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite($c) => $body,
            $crate::Tx::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_tx;

macro_rules! on_read {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { read: $p, .. } => $body,
            $crate::Db::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_read;

/// Copy the SQLite WAL back into the database every 250 ms without blocking the writer
/// (PASSIVE). Only a WAL past 65,536 frames (256 MiB, readers holding old snapshots) gets a
/// blocking RESTART checkpoint. Stops when the writer pool is closed.
async fn checkpoint_loop(pool: SqlitePool, writer: SqlitePool) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if writer.is_closed() {
            pool.close().await;
            break;
        }
        let r: std::result::Result<(i64, i64, i64), sqlx::Error> =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&pool)
                .await;
        match r {
            Ok((_, log, _)) if log > 65_536 => {
                let _ = sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                    .execute(&pool)
                    .await;
            }
            Ok(_) => {}
            Err(_) if writer.is_closed() => break,
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
    }
}

impl Store {
    /// Connect to `sqlite:PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Store {
                db: Db::Postgres(pool),
            })
        } else if url.starts_with("sqlite:") {
            let base = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Url(e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(if opts.sqlite_synchronous_full {
                    SqliteSynchronous::Full
                } else {
                    SqliteSynchronous::Normal
                })
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-32000")
                .pragma("temp_store", "memory")
                .pragma("journal_size_limit", "67108864");
            // A background connection checkpoints passively next to the writer, so the
            // writer's own automatic checkpoint (every 1000 pages) finds little left to copy
            // and the WAL restarts from its beginning instead of growing.
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(base.clone())
                .await?;
            let ckpt = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(base.clone())
                .await?;
            tokio::spawn(checkpoint_loop(ckpt, write.clone()));
            let read = SqlitePoolOptions::new()
                .max_connections(opts.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(base.read_only(true))
                .await?;
            Ok(Store {
                db: Db::Sqlite {
                    group: group::Group::new(write.clone(), opts.write_queue),
                    write,
                    read,
                },
            })
        } else {
            Err(StoreError::Url(format!(
                "'{}' must start with sqlite: or postgres://",
                url.split('@').next_back().unwrap_or("")
            )))
        }
    }

    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite { .. } => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Start a write transaction. On SQLite this waits for the single writer connection.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.db {
            Db::Sqlite { group, .. } => Tx::Sqlite(group.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { write, read, .. } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }

    /// Refresh the planners' statistics (PostgreSQL `ANALYZE`, which autovacuum also does
    /// on its own schedule; SQLite `PRAGMA optimize`, which analyzes what needs it).
    pub async fn analyze(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite { write, .. } => {
                sqlx::query("PRAGMA optimize").execute(write).await?;
            }
            Db::Postgres(p) => {
                sqlx::query("ANALYZE").execute(p).await?;
            }
        }
        Ok(())
    }

    /// Cheap liveness check for health endpoints.
    pub async fn ping(&self) -> Result<()> {
        on_read!(self, p => sqlx::query("SELECT 1").execute(p).await?.rows_affected());
        Ok(())
    }

    /// Readiness: can this node read and write? Not for 10 s after any write failed on a full
    /// disk; on SQLite also a real one-row write (at most once a second, every time while the
    /// writer is failing). Readiness comes back by itself once writes work again. On
    /// PostgreSQL a round trip on the pool.
    pub async fn ready(&self) -> Result<WriteStatus> {
        self.ping().await?;
        let since_full = now_ms() - LAST_FULL_MS.load(std::sync::atomic::Ordering::Relaxed);
        if since_full < FULL_GRACE_MS {
            return Err(StoreError::Full(format!(
                "a write failed on a full disk {} s ago",
                since_full / 1000
            )));
        }
        match &self.db {
            Db::Sqlite { group, .. } => {
                // Statements of a request can fail on a full disk without the group
                // failing, so readiness writes for real (at most once a second).
                use std::sync::atomic::Ordering;
                if group.health.probe_due() && !group.health.probing.swap(true, Ordering::AcqRel) {
                    // A short deadline: a probe queued behind a burst means "busy", not
                    // "broken".
                    // Cleared however this ends, also when the readiness caller goes away
                    // mid-probe (else no probe would ever run again).
                    struct Probing<'a>(&'a std::sync::atomic::AtomicBool);
                    impl Drop for Probing<'_> {
                        fn drop(&mut self) {
                            self.0.store(false, Ordering::Release);
                        }
                    }
                    let _probing = Probing(&group.health.probing);
                    let r = match tokio::time::timeout(Duration::from_secs(2), self.probe_write())
                        .await
                    {
                        Ok(r) => r,
                        Err(_) => Err(StoreError::Busy),
                    };
                    group.health.probed(&r);
                    match r {
                        Ok(()) | Err(StoreError::Busy) => {}
                        Err(e) => return Err(e),
                    }
                }
                if let Some(why) = group.health.failing() {
                    return Err(StoreError::Db(sqlx::Error::Protocol(why)));
                }
                Ok(WriteStatus {
                    queue_depth: group.depth(),
                    queue_capacity: group.capacity(),
                })
            }
            Db::Postgres(p) => Ok(WriteStatus {
                queue_depth: (p.size() as usize).saturating_sub(p.num_idle()),
                queue_capacity: p.options().get_max_connections() as usize,
            }),
        }
    }

    async fn probe_write(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        on_tx!(&mut tx, c => sqlx::query("UPDATE health_probe SET at = $1 WHERE id = 1")
            .bind(now).execute(&mut **c).await?.rows_affected());
        tx.commit().await
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
    pub async fn rollback(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }
    pub fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres(_))
    }
}
