//! Group commit for the single SQLite writer.
//!
//! Each write transaction of the application is a SAVEPOINT inside one physical
//! `BEGIN IMMEDIATE … COMMIT`. When a transaction finishes while others are queued for the
//! writer, it hands the open physical transaction on instead of committing, and waits: the
//! last one of the group commits for everyone. Nobody's `commit()` returns before the physical
//! COMMIT has succeeded, so an acknowledged write is durable exactly as before; pages that
//! every create touches (index right edges, FTS structure) are written to the WAL once per
//! group instead of once per case.
//!
//! A transaction dropped without commit or rollback (an early `?` return) leaves a mark; the
//! next holder of the writer rolls back to the savepoint before doing anything else.

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqlitePool};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// Largest number of application transactions in one physical transaction.
const MAX_GROUP: usize = 64;

type Outcome = Option<Result<(), String>>;

pub struct Group {
    pool: SqlitePool,
    state: Arc<Mutex<State>>,
    /// Callers queued for the writer; a finishing transaction hands over when > 0.
    waiting: AtomicUsize,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Group")
    }
}

#[derive(Default)]
struct State {
    /// The writer connection, held while a physical transaction is open.
    conn: Option<PoolConnection<Sqlite>>,
    /// Generation of the open physical transaction.
    generation: u64,
    members: usize,
    /// Where the open physical transaction's outcome is announced.
    done: Option<watch::Sender<Outcome>>,
    /// A member was dropped mid-way: roll back to its savepoint first.
    dirty: bool,
}

/// Decrements the queue count even if the waiting future is cancelled.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Group {
    pub(crate) fn new(pool: SqlitePool) -> Arc<Self> {
        Arc::new(Group {
            pool,
            state: Arc::new(Mutex::new(State::default())),
            waiting: AtomicUsize::new(0),
        })
    }

    pub(crate) async fn begin(self: &Arc<Self>) -> Result<GroupTx, sqlx::Error> {
        let mut g = {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let _q = Queued(&self.waiting);
            self.state.clone().lock_owned().await
        };
        clean(&mut g).await?;
        if g.conn.is_none() {
            let mut conn = self.pool.acquire().await?;
            sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
            let (tx, _) = watch::channel(None);
            g.conn = Some(conn);
            g.generation += 1;
            g.members = 0;
            g.done = Some(tx);
        }
        exec(&mut g, "SAVEPOINT app").await?;
        g.members += 1;
        Ok(GroupTx {
            group: self.clone(),
            guard: Some(g),
        })
    }
}

async fn exec(g: &mut State, sql: &'static str) -> Result<(), sqlx::Error> {
    match g.conn.as_mut() {
        Some(c) => sqlx::query(sql).execute(&mut **c).await.map(|_| ()),
        None => Err(sqlx::Error::PoolClosed),
    }
}

/// Undo a member that was dropped mid-way.
async fn clean(g: &mut State) -> Result<(), sqlx::Error> {
    if g.dirty {
        exec(g, "ROLLBACK TO app").await?;
        exec(g, "RELEASE app").await?;
        g.dirty = false;
    }
    Ok(())
}

/// Commit the open physical transaction and announce the outcome to its members.
async fn commit_group(g: &mut State) -> Result<(), String> {
    let r = match clean(g).await {
        Ok(()) => exec(g, "COMMIT").await,
        Err(e) => Err(e),
    };
    let r = match r {
        Ok(()) => Ok(()),
        Err(e) => {
            // Leave no transaction open on the connection whatever happened.
            let _ = exec(g, "ROLLBACK").await;
            Err(e.to_string())
        }
    };
    g.conn = None; // back to the pool
    if let Some(done) = g.done.take() {
        let _ = done.send(Some(r.clone()));
    }
    r
}

/// One application transaction on the shared writer.
pub struct GroupTx {
    group: Arc<Group>,
    guard: Option<OwnedMutexGuard<State>>,
}

impl std::fmt::Debug for GroupTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupTx")
    }
}

impl Deref for GroupTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        match self.guard.as_ref().and_then(|g| g.conn.as_ref()) {
            Some(c) => c,
            None => unreachable!("a live GroupTx holds the writer connection"),
        }
    }
}

impl DerefMut for GroupTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self.guard.as_mut().and_then(|g| g.conn.as_mut()) {
            Some(c) => c,
            None => unreachable!("a live GroupTx holds the writer connection"),
        }
    }
}

impl GroupTx {
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let mut g = self.guard.take().expect("live");
        if let Err(e) = exec(&mut g, "RELEASE app").await {
            g.dirty = true;
            drop(g);
            return Err(e);
        }
        self.finish(g).await
    }

    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let mut g = self.guard.take().expect("live");
        g.dirty = true;
        clean(&mut g).await?;
        self.finish(g).await
    }

    /// Commit the group now, or hand it on and wait for whoever commits it.
    async fn finish(&self, mut g: OwnedMutexGuard<State>) -> Result<(), sqlx::Error> {
        let group = &self.group;
        if group.waiting.load(Ordering::SeqCst) == 0 || g.members >= MAX_GROUP {
            return commit_group(&mut g).await.map_err(sqlx::Error::Protocol);
        }
        let generation = g.generation;
        let mut rx = match g.done.as_ref() {
            Some(d) => d.subscribe(),
            None => return Err(sqlx::Error::PoolClosed),
        };
        drop(g);
        loop {
            tokio::select! {
                r = async { rx.wait_for(|o| o.is_some()).await.map(|o| o.clone()) } => {
                    return match r {
                        Ok(Some(Ok(()))) => Ok(()),
                        Ok(Some(Err(e))) => Err(sqlx::Error::Protocol(e)),
                        _ => Err(sqlx::Error::PoolClosed),
                    };
                }
                // Whoever was queued may have given up (a cancelled request): then nobody
                // else would commit, so commit ourselves if the group is still open.
                _ = tokio::time::sleep(Duration::from_millis(5)) => {
                    if group.waiting.load(Ordering::SeqCst) == 0 {
                        let mut g = group.state.clone().lock_owned().await;
                        if g.generation == generation && g.conn.is_some() {
                            return commit_group(&mut g).await.map_err(sqlx::Error::Protocol);
                        }
                    }
                }
            }
        }
    }
}

impl Drop for GroupTx {
    fn drop(&mut self) {
        let Some(mut g) = self.guard.take() else {
            return;
        };
        g.dirty = true;
        // Nobody may be queued to clean up and commit the rest of the group: do it soon.
        let group = self.group.clone();
        drop(g);
        if let Ok(h) = tokio::runtime::Handle::try_current() {
            h.spawn(async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                if group.waiting.load(Ordering::SeqCst) == 0 {
                    let mut g = group.state.clone().lock_owned().await;
                    if g.conn.is_some()
                        && g.dirty
                        && let Err(e) = commit_group(&mut g).await
                    {
                        tracing::warn!(error = %e, "group commit after a dropped transaction");
                    }
                }
            });
        }
    }
}
