//! The SQLite write path: one writer task owns the physical transaction (ADR 0003).
//!
//! Each write transaction of the application is a SAVEPOINT inside one physical
//! `BEGIN IMMEDIATE … COMMIT`. The writer task runs every statement that moves that state
//! machine (`BEGIN`, `SAVEPOINT`, `RELEASE`, `ROLLBACK TO`, `COMMIT`) itself; a request only
//! borrows the connection between its `SAVEPOINT` and the moment it gives the connection back
//! (commit, rollback, or drop). Giving back is a synchronous channel send, so a request future
//! dropped at any `.await` — a client that hung up — still returns the connection, and the
//! writer rolls its savepoint back. Nothing a request can cancel leaves the shared state out
//! of step with SQLite.
//!
//! Group commit: when a member gives the connection back and another request is already
//! queued, the writer keeps the physical transaction open and lends the connection on; the
//! last one of the group (at most [`MAX_GROUP`]) is followed by the physical `COMMIT`, after
//! which every member's `commit()` returns. So a `commit()` that returns `Ok` means the
//! physical COMMIT succeeded (a 201 is durable); a failed statement rolls back only its own
//! savepoint; a failed `RELEASE`/`ROLLBACK TO`/`COMMIT` fails the whole open group (every
//! member not yet answered gets the error), rolls back and reopens the connection.
//!
//! The queue in front of the writer is bounded: when it is full `begin` answers
//! [`StoreError::Busy`] at once instead of queueing without bound.

use crate::StoreError;
use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqlitePool};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Largest number of application transactions in one physical transaction.
const MAX_GROUP: usize = 64;

/// How long a request waits for the writer before giving up with `Busy`.
const BEGIN_TIMEOUT: Duration = Duration::from_secs(15);

/// A group's failure, shared by all its members.
#[derive(Clone, Debug)]
struct Failure {
    /// SQLITE_FULL: the disk (or the database's page limit) is full.
    full: bool,
    message: String,
}

impl Failure {
    fn of(e: &sqlx::Error) -> Self {
        let full = is_full(e);
        if full {
            crate::note_full();
        }
        Failure {
            full,
            message: e.to_string(),
        }
    }
    fn into_error(self) -> StoreError {
        if self.full {
            StoreError::Full(self.message)
        } else {
            StoreError::Db(sqlx::Error::Protocol(self.message))
        }
    }
}

/// SQLITE_FULL (13) and its extended codes.
pub(crate) fn is_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.code()
                .and_then(|c| c.parse::<i64>().ok())
                .is_some_and(|c| c & 0xff == 13)
                || d.message().contains("database or disk is full")
        }
        _ => false,
    }
}

type Answer = oneshot::Sender<Result<(), Failure>>;

/// What a request does with the connection it gives back.
enum How {
    Commit(Answer),
    Rollback(Answer),
    /// Dropped without commit or rollback (an early `?` return, a cancelled request).
    Abandon,
}

struct Returned {
    conn: PoolConnection<Sqlite>,
    how: How,
}

struct Begin {
    reply: oneshot::Sender<Result<GroupTx, Failure>>,
}

/// Whether the writer can write, for readiness checks.
#[derive(Default)]
pub(crate) struct Health {
    /// The last failure since the last successful physical COMMIT.
    failing: Mutex<Option<String>>,
    /// When a readiness probe last wrote successfully.
    probed: Mutex<Option<std::time::Instant>>,
    /// A probe is running (concurrent checks do not pile up writes).
    pub(crate) probing: std::sync::atomic::AtomicBool,
}

impl Health {
    /// A readiness probe is due: the writer is failing, or none succeeded in the last second.
    pub(crate) fn probe_due(&self) -> bool {
        let recent = self
            .probed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|t| t.elapsed() < Duration::from_secs(1));
        self.failing().is_some() || !recent
    }
    pub(crate) fn probed(&self, r: &Result<(), StoreError>) {
        let mut p = self.probed.lock().unwrap_or_else(|p| p.into_inner());
        match r {
            Ok(()) => *p = Some(std::time::Instant::now()),
            // A loaded writer is not a failing one.
            Err(StoreError::Busy) => {}
            Err(e) => {
                *p = None;
                drop(p);
                self.fail(&e.to_string());
            }
        }
    }
    pub(crate) fn fail(&self, why: &str) {
        let mut f = self.failing.lock().unwrap_or_else(|p| p.into_inner());
        if f.is_none() {
            tracing::error!(error = %why, "SQLite writer failing");
        }
        *f = Some(why.to_string());
    }
    fn ok(&self) {
        let mut f = self.failing.lock().unwrap_or_else(|p| p.into_inner());
        if f.take().is_some() {
            tracing::warn!("SQLite writer recovered");
        }
    }
    pub(crate) fn failing(&self) -> Option<String> {
        self.failing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

pub struct Group {
    queue: mpsc::Sender<Begin>,
    capacity: usize,
    pub(crate) health: Arc<Health>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Group")
    }
}

impl Group {
    /// Start the writer task over `pool` (a pool of one connection). It ends when the last
    /// `Group` handle is dropped.
    pub(crate) fn new(pool: SqlitePool, capacity: usize) -> Arc<Self> {
        let capacity = capacity.max(1);
        let (queue, rx) = mpsc::channel(capacity);
        let health = Arc::new(Health::default());
        tokio::spawn(writer(pool, rx, health.clone()));
        Arc::new(Group {
            queue,
            capacity,
            health,
        })
    }

    /// Requests waiting for the writer.
    pub(crate) fn depth(&self) -> usize {
        self.capacity - self.queue.capacity()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) async fn begin(&self) -> Result<GroupTx, StoreError> {
        let (reply, rx) = oneshot::channel();
        match self.queue.try_send(Begin { reply }) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => return Err(StoreError::Busy),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                return Err(StoreError::Db(sqlx::Error::PoolClosed));
            }
        }
        // Dropping `rx` (timeout or a cancelled request) tells the writer to skip us; a
        // connection already lent to us comes back through GroupTx's Drop.
        match tokio::time::timeout(BEGIN_TIMEOUT, rx).await {
            Err(_) => Err(StoreError::Busy),
            Ok(Err(_)) => Err(StoreError::Db(sqlx::Error::PoolClosed)),
            Ok(Ok(r)) => r.map_err(Failure::into_error),
        }
    }
}

/// The writer's side of the open physical transaction.
struct Open {
    conn: PoolConnection<Sqlite>,
    /// Members whose savepoint was released, waiting for the physical COMMIT.
    committed: Vec<Answer>,
    members: usize,
}

async fn exec(c: &mut PoolConnection<Sqlite>, sql: &'static str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(&mut **c).await.map(|_| ())
}

async fn writer(pool: SqlitePool, mut rx: mpsc::Receiver<Begin>, health: Arc<Health>) {
    let mut open: Option<Open> = None;
    let mut next: Option<Begin> = None;
    loop {
        let b = match next.take() {
            Some(b) => b,
            None => match rx.recv().await {
                Some(b) => b,
                None => break,
            },
        };
        if b.reply.is_closed() {
            // The requester went away while queued.
            if open.is_some() && !continue_group(&mut rx, &mut next, &open) {
                commit(&mut open, &health).await;
            }
            continue;
        }
        // Open a physical transaction if none is.
        if open.is_none() {
            match start(&pool).await {
                Ok(conn) => {
                    open = Some(Open {
                        conn,
                        committed: Vec::new(),
                        members: 0,
                    })
                }
                Err(e) => {
                    let f = Failure::of(&e);
                    health.fail(&f.message);
                    let _ = b.reply.send(Err(f));
                    continue;
                }
            }
        }
        let Some(mut o) = open.take() else { continue };
        if let Err(e) = exec(&mut o.conn, "SAVEPOINT app").await {
            let f = Failure::of(&e);
            let _ = b.reply.send(Err(f.clone()));
            fail(o, f, &health).await;
            continue;
        }
        // Lend the connection. If the requester is gone by now, the GroupTx comes back in
        // the Err and its Drop gives the connection back as abandoned.
        let (back, back_rx) = oneshot::channel();
        let Open {
            conn,
            committed,
            members,
        } = o;
        let lent = GroupTx {
            conn: Some(conn),
            back: Some(back),
        };
        if let Err(Ok(t)) = b.reply.send(Ok(lent)) {
            drop(t);
        }
        let Returned { mut conn, how } = match wait_back(back_rx, &health).await {
            Ok(r) => r,
            Err(_) => {
                // The connection was lost with its holder (cannot happen short of a panic
                // inside GroupTx's Drop): the open transaction died with it.
                let f = Failure {
                    full: false,
                    message: "the writer connection was lost".into(),
                };
                health.fail(&f.message);
                for a in committed {
                    let _ = a.send(Err(f.clone()));
                }
                continue;
            }
        };
        let mut committed = committed;
        let members = members + 1;
        let settled = match how {
            How::Commit(a) => match exec(&mut conn, "RELEASE app").await {
                Ok(()) => {
                    committed.push(a);
                    Ok(())
                }
                Err(e) => {
                    // Its own statements are undone; the group goes on if the rest is sound.
                    let f = Failure::of(&e);
                    let r = undo(&mut conn).await;
                    let _ = a.send(Err(f));
                    r
                }
            },
            How::Rollback(a) => {
                let r = undo(&mut conn).await;
                let _ = a.send(r.as_ref().map(|_| ()).map_err(Failure::of));
                r
            }
            How::Abandon => undo(&mut conn).await,
        };
        let o = Open {
            conn,
            committed,
            members,
        };
        if let Err(e) = settled {
            fail(o, Failure::of(&e), &health).await;
            continue;
        }
        open = Some(o);
        if !continue_group(&mut rx, &mut next, &open) {
            commit(&mut open, &health).await;
        }
    }
    if open.is_some() {
        commit(&mut open, &health).await;
    }
}

/// How long a request may hold the writer before it is reported (it cannot be taken back:
/// the request is running statements on it).
const HELD_TOO_LONG: Duration = Duration::from_secs(20);

/// Wait for the lent connection; a request holding it too long (awaiting something slow
/// inside its transaction) is logged and makes the writer not ready until it gives it back.
async fn wait_back(
    mut back_rx: oneshot::Receiver<Returned>,
    health: &Health,
) -> Result<Returned, oneshot::error::RecvError> {
    let t0 = std::time::Instant::now();
    let mut stalled = false;
    loop {
        tokio::select! {
            r = &mut back_rx => {
                if stalled {
                    tracing::warn!(held = ?t0.elapsed(), "the writer connection came back");
                }
                return r;
            }
            _ = tokio::time::sleep(HELD_TOO_LONG) => {
                stalled = true;
                let why = format!(
                    "a transaction has held the SQLite writer for {} s; every other write waits",
                    t0.elapsed().as_secs()
                );
                health.fail(&why);
            }
        }
    }
}

/// Keep the physical transaction open for the next queued request?
fn continue_group(
    rx: &mut mpsc::Receiver<Begin>,
    next: &mut Option<Begin>,
    open: &Option<Open>,
) -> bool {
    if open.as_ref().is_some_and(|o| o.members >= MAX_GROUP) {
        return false;
    }
    match rx.try_recv() {
        Ok(b) => {
            *next = Some(b);
            true
        }
        Err(_) => false,
    }
}

async fn start(pool: &SqlitePool) -> Result<PoolConnection<Sqlite>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    if let Err(e) = exec(&mut conn, "BEGIN IMMEDIATE").await {
        // A connection that cannot begin may be broken: do not give it back to the pool.
        let _ = conn.close().await;
        return Err(e);
    }
    Ok(conn)
}

/// Undo one member's savepoint.
async fn undo(conn: &mut PoolConnection<Sqlite>) -> Result<(), sqlx::Error> {
    exec(conn, "ROLLBACK TO app").await?;
    exec(conn, "RELEASE app").await
}

/// The physical COMMIT of the open group, then every member's answer.
async fn commit(open: &mut Option<Open>, health: &Health) {
    let Some(mut o) = open.take() else { return };
    match exec(&mut o.conn, "COMMIT").await {
        Ok(()) => {
            health.ok();
            for a in o.committed.drain(..) {
                let _ = a.send(Ok(()));
            }
            drop(o.conn); // back to the pool
        }
        Err(e) => fail(o, Failure::of(&e), health).await,
    }
}

/// The open group cannot be committed: roll back, answer every member, and replace the
/// connection (a connection that failed a control statement is not trusted again).
async fn fail(mut o: Open, f: Failure, health: &Health) {
    let _ = exec(&mut o.conn, "ROLLBACK").await;
    health.fail(&f.message);
    for a in o.committed.drain(..) {
        let _ = a.send(Err(f.clone()));
    }
    let _ = o.conn.close().await;
}

/// One application transaction on the shared writer: the lent connection, inside its own
/// savepoint.
pub struct GroupTx {
    conn: Option<PoolConnection<Sqlite>>,
    back: Option<oneshot::Sender<Returned>>,
}

impl std::fmt::Debug for GroupTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupTx")
    }
}

impl Deref for GroupTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        match self.conn.as_ref() {
            Some(c) => c,
            None => unreachable!("a live GroupTx holds the writer connection"),
        }
    }
}

impl DerefMut for GroupTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self.conn.as_mut() {
            Some(c) => c,
            None => unreachable!("a live GroupTx holds the writer connection"),
        }
    }
}

impl GroupTx {
    /// Give the connection back (synchronous, so it happens even if the caller is then
    /// cancelled).
    fn give_back(&mut self, how: How) -> bool {
        match (self.conn.take(), self.back.take()) {
            (Some(conn), Some(back)) => back.send(Returned { conn, how }).is_ok(),
            _ => false,
        }
    }

    /// Returns once the physical COMMIT of this transaction's group succeeded. If the caller
    /// stops waiting, the transaction still commits (or fails) with its group.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let (a, rx) = oneshot::channel();
        if !self.give_back(How::Commit(a)) {
            return Err(StoreError::Db(sqlx::Error::PoolClosed));
        }
        match rx.await {
            Ok(r) => r.map_err(Failure::into_error),
            Err(_) => Err(StoreError::Db(sqlx::Error::PoolClosed)),
        }
    }

    pub async fn rollback(mut self) -> Result<(), StoreError> {
        let (a, rx) = oneshot::channel();
        if !self.give_back(How::Rollback(a)) {
            return Err(StoreError::Db(sqlx::Error::PoolClosed));
        }
        match rx.await {
            Ok(r) => r.map_err(Failure::into_error),
            Err(_) => Err(StoreError::Db(sqlx::Error::PoolClosed)),
        }
    }
}

impl Drop for GroupTx {
    fn drop(&mut self) {
        self.give_back(How::Abandon);
    }
}

#[cfg(test)]
mod tests {
    use crate::{Store, StoreOptions, on_tx};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    async fn exec(tx: &mut crate::Tx, sql: &str, id: i64) -> Result<(), crate::StoreError> {
        on_tx!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).bind(id).execute(&mut **c).await?.rows_affected());
        Ok(())
    }

    /// Hundreds of transactions cancelled at random points (before, inside and while
    /// committing): every transaction whose commit returned is stored whole, none is stored
    /// half-written, and the writer keeps working.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn transactions_cancelled_at_any_await_leave_the_writer_sound() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        let path =
            std::env::temp_dir().join(format!("guichet-group-{}-{nanos}.db", std::process::id()));
        let url = format!("sqlite:{}", path.display());
        let store = Store::connect(&url, &StoreOptions::default())
            .await
            .unwrap();
        store.migrate(0).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        exec(
            &mut tx,
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL, x INTEGER)",
            0,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let committed = Arc::new(Mutex::new(Vec::new()));
        let mut seed = nanos | 1;
        let mut tasks: Vec<tokio::task::JoinHandle<()>> = Vec::new();
        for id in 1..=600i64 {
            if id % 8 == 0 {
                // Waves of 8 beside each other, so deadlines fall before, inside and after.
                for t in tasks.drain(..) {
                    t.await.unwrap();
                }
            }
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let wait = Duration::from_micros(seed % 3000);
            let (store, committed) = (store.clone(), committed.clone());
            tasks.push(tokio::spawn(async move {
                let work = async {
                    let mut tx = store.begin().await?;
                    exec(&mut tx, "INSERT INTO t (id, v) VALUES ($1, 'half')", id).await?;
                    tokio::task::yield_now().await;
                    exec(
                        &mut tx,
                        "UPDATE t SET v = 'whole', x = $1 WHERE id = $1",
                        id,
                    )
                    .await?;
                    tx.commit().await?;
                    committed.lock().unwrap().push(id);
                    Ok::<_, crate::StoreError>(())
                };
                // Cancelled wherever the deadline finds it.
                let _ = tokio::time::timeout(wait, work).await;
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        // The writer still works, and sees everything that was acknowledged.
        let mut tx = store.begin().await.unwrap();
        exec(
            &mut tx,
            "INSERT INTO t (id, v) VALUES ($1, 'whole')",
            10_000,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let crate::Db::Sqlite { read, .. } = store.db() else {
            unreachable!()
        };
        let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, v FROM t")
            .fetch_all(read)
            .await
            .unwrap();
        let committed = committed.lock().unwrap().clone();
        assert!(
            committed.len() > 10 && committed.len() < 600,
            "some committed, some cancelled ({})",
            committed.len()
        );
        assert!(
            rows.iter().all(|(_, v)| v == "whole"),
            "a half-written transaction was stored"
        );
        let stored: std::collections::HashSet<i64> = rows.iter().map(|(id, _)| *id).collect();
        assert!(
            committed.iter().all(|id| stored.contains(id)),
            "an acknowledged commit was lost"
        );
        assert!(stored.contains(&10_000));
        assert!(store.ready().await.is_ok());
        store.close().await;
        let _ = std::fs::remove_file(&path);
    }
}
