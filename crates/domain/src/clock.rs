//! Time enters the system only through a `Clock`, so rules stay deterministic and tests can
//! move time forward.

use jiff::Timestamp;
use std::sync::Mutex;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The wall clock, truncated to milliseconds (the precision we store).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = Timestamp::now().as_millisecond();
        Timestamp::from_millisecond(ms).expect("current time is in range")
    }
}

/// A clock that only moves when told to; used by tests and simulations.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self(Mutex::new(start))
    }
    pub fn set(&self, t: Timestamp) {
        *self.0.lock().expect("clock lock") = t;
    }
    pub fn advance(&self, by: jiff::SignedDuration) {
        let mut g = self.0.lock().expect("clock lock");
        *g = g.checked_add(by).expect("clock stays in range");
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock lock")
    }
}
