//! Who follows which conversation on this node. One task reads the live bus (fed by
//! `NOTIFY` from every node on PostgreSQL, in-process on SQLite) and hands each chat
//! signal to the connections following that conversation only, so ten thousand idle
//! widgets are not woken by every message of a thousand active chats.
//!
//! A signal only says "something new up to `seq`" (or typing, or a read mark): a
//! connection then reads what follows its own last number through `App::chat_events`,
//! so a lost or coalesced signal delays nothing beyond the next one, and nothing read
//! here bypasses the use case's read rules.

use app::live::LiveEvent;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

/// What a connection hears about one conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// The conversation's log reached `seq`.
    Seq(i64),
    /// The other side (or anyone) is typing.
    Typing { staff: bool, name: String },
    /// A side has seen the conversation up to `seq`.
    Read { staff: bool, seq: i64 },
    /// Signals may have been lost (the bus lagged): read everything again.
    Resync,
}

/// Signals a connection may have waiting; beyond, they are dropped (the next one, or the
/// periodic check, catches up: signals carry no content).
pub const QUEUE: usize = 64;

type Subscribers = HashMap<i64, Vec<(u64, mpsc::Sender<(i64, Signal)>)>>;

#[derive(Default)]
pub struct Hub {
    subs: Mutex<Subscribers>,
    next: AtomicU64,
}

impl Hub {
    /// The hub of one `App`, with its task reading the live bus.
    pub fn start(app: &app::App) -> std::sync::Arc<Hub> {
        let hub = std::sync::Arc::new(Hub::default());
        let mut rx = app.live.subscribe();
        let h = std::sync::Arc::downgrade(&hub);
        tokio::spawn(async move {
            loop {
                let ev = rx.recv().await;
                let Some(hub) = h.upgrade() else { return };
                match ev {
                    Ok(LiveEvent::Chat { case_id, seq }) => hub.send(case_id, Signal::Seq(seq)),
                    Ok(LiveEvent::ChatSignal {
                        case_id,
                        what,
                        staff,
                        name,
                        seq,
                    }) => match what.as_str() {
                        "typing" => hub.send(case_id, Signal::Typing { staff, name }),
                        "read" => hub.send(case_id, Signal::Read { staff, seq }),
                        _ => {}
                    },
                    // A case's change may be a reply written elsewhere that joined its
                    // live chat (the case page, the API): followers re-read.
                    Ok(LiveEvent::Case { case_id, .. }) => hub.send(case_id, Signal::Resync),
                    Ok(_) => {}
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(lost = n, "chat signals lagged; every follower re-reads");
                        hub.send_all(Signal::Resync);
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        });
        hub
    }

    /// A new connection: its id and the queue its signals arrive on.
    pub fn connect(&self) -> Follower {
        let (tx, rx) = mpsc::channel(QUEUE);
        Follower {
            id: self.next.fetch_add(1, Ordering::Relaxed),
            tx,
            rx,
            last: HashMap::new(),
        }
    }

    fn send(&self, case_id: i64, s: Signal) {
        let subs = self.subs.lock().expect("hub lock");
        if let Some(list) = subs.get(&case_id) {
            for (_, tx) in list {
                let _ = tx.try_send((case_id, s.clone()));
            }
        }
    }

    fn send_all(&self, s: Signal) {
        let subs = self.subs.lock().expect("hub lock");
        for (case_id, list) in subs.iter() {
            for (_, tx) in list {
                let _ = tx.try_send((*case_id, s.clone()));
            }
        }
    }

    /// `f` follows `case_id` from number `after` (kept if it already follows it).
    pub fn follow(&self, f: &mut Follower, case_id: i64, after: i64) {
        if f.last.contains_key(&case_id) {
            return;
        }
        f.last.insert(case_id, after.max(0));
        self.subs
            .lock()
            .expect("hub lock")
            .entry(case_id)
            .or_default()
            .push((f.id, f.tx.clone()));
    }

    /// `f` no longer follows `case_id`.
    pub fn unfollow(&self, f: &mut Follower, case_id: i64) {
        if f.last.remove(&case_id).is_none() {
            return;
        }
        let mut subs = self.subs.lock().expect("hub lock");
        if let Some(list) = subs.get_mut(&case_id) {
            list.retain(|(id, _)| *id != f.id);
            if list.is_empty() {
                subs.remove(&case_id);
            }
        }
    }

    /// The connection is gone: it follows nothing any more.
    pub fn leave(&self, f: &Follower) {
        let mut subs = self.subs.lock().expect("hub lock");
        for case_id in f.last.keys() {
            if let Some(list) = subs.get_mut(case_id) {
                list.retain(|(id, _)| *id != f.id);
                if list.is_empty() {
                    subs.remove(case_id);
                }
            }
        }
    }

    /// Conversations followed by at least one connection on this node.
    pub fn followed(&self) -> usize {
        self.subs.lock().expect("hub lock").len()
    }
}

/// One connection's side: its signal queue and, per conversation it follows, the last
/// number it has delivered.
pub struct Follower {
    id: u64,
    tx: mpsc::Sender<(i64, Signal)>,
    pub rx: mpsc::Receiver<(i64, Signal)>,
    pub last: HashMap<i64, i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_reaches_the_followers_of_its_conversation_only() {
        let hub = Hub::default();
        let mut a = hub.connect();
        let mut b = hub.connect();
        hub.follow(&mut a, 1, 0);
        hub.follow(&mut b, 2, 5);
        hub.follow(&mut b, 2, 9);
        assert_eq!(b.last[&2], 5, "following again keeps the number");
        hub.send(1, Signal::Seq(3));
        assert_eq!(a.rx.try_recv().unwrap(), (1, Signal::Seq(3)));
        hub.follow(&mut a, 7, 0);
        hub.unfollow(&mut a, 7);
        hub.send(7, Signal::Seq(1));
        assert!(a.rx.try_recv().is_err(), "unfollowed");
        assert!(b.rx.try_recv().is_err());
        assert_eq!(hub.followed(), 2);
        hub.leave(&a);
        assert_eq!(hub.followed(), 1);
        hub.send_all(Signal::Resync);
        assert_eq!(b.rx.try_recv().unwrap(), (2, Signal::Resync));
        hub.leave(&b);
        assert_eq!(hub.followed(), 0);
    }

    #[test]
    fn a_full_queue_drops_signals_instead_of_blocking_the_hub() {
        let hub = Hub::default();
        let mut a = hub.connect();
        hub.follow(&mut a, 1, 0);
        for i in 0..(QUEUE as i64 + 10) {
            hub.send(1, Signal::Seq(i));
        }
        let mut n = 0;
        while a.rx.try_recv().is_ok() {
            n += 1;
        }
        assert_eq!(n, QUEUE);
    }
}
