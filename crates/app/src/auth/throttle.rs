//! In-memory budgets keyed by caller: token buckets (a rate with a burst, refilled
//! continuously, so there is no window boundary to double a budget across) and decaying
//! failure counters (a lock that lifts by itself as old failures age out). Per node; the
//! maps are pruned when they grow, so a flood of new keys cannot grow them without bound.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Instant;

/// Entries kept before idle ones are pruned.
const MAX_KEYS: usize = 100_000;

/// A token bucket per key: `burst` requests at once, then `per_second`.
pub struct Buckets<K> {
    burst: f64,
    per_second: f64,
    map: Mutex<HashMap<K, (f64, Instant)>>,
}

/// The answer of `Buckets::take`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub allowed: bool,
    /// Whole tokens left after this request.
    pub remaining: u32,
    /// Seconds until one token is back (when refused) or until the bucket is full.
    pub reset_secs: u64,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    pub fn new(burst: u32, per_second: f64) -> Self {
        Self {
            burst: burst.max(1) as f64,
            per_second: per_second.max(1e-6),
            map: Mutex::new(HashMap::new()),
        }
    }

    pub fn burst(&self) -> u32 {
        self.burst as u32
    }

    /// Take one token for `key` (refused when none is left; nothing is taken then).
    pub fn take(&self, key: &K) -> Taken {
        self.take_at(key, Instant::now())
    }

    pub fn take_at(&self, key: &K, now: Instant) -> Taken {
        let mut g = self.map.lock().expect("bucket lock");
        if g.len() >= MAX_KEYS {
            let (burst, rate) = (self.burst, self.per_second);
            g.retain(|_, (t, at)| {
                *t + now.saturating_duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let e = g.entry(key.clone()).or_insert((self.burst, now));
        let elapsed = now.saturating_duration_since(e.1).as_secs_f64();
        e.0 = (e.0 + elapsed * self.per_second).min(self.burst);
        e.1 = now;
        if e.0 >= 1.0 {
            e.0 -= 1.0;
            Taken {
                allowed: true,
                remaining: e.0 as u32,
                reset_secs: ((self.burst - e.0) / self.per_second).ceil() as u64,
            }
        } else {
            Taken {
                allowed: false,
                remaining: 0,
                reset_secs: ((1.0 - e.0) / self.per_second).ceil().max(1.0) as u64,
            }
        }
    }
}

/// A failure count per key that decays by `per_second`; the key is locked while the count
/// is at or above `limit`.
pub struct Failures<K> {
    limit: f64,
    per_second: f64,
    map: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Hash + Eq + Clone> Failures<K> {
    /// `limit` failures, forgotten at `limit` per `window_secs`.
    pub fn new(limit: u32, window_secs: u64) -> Self {
        Self {
            limit: limit.max(1) as f64,
            per_second: limit.max(1) as f64 / window_secs.max(1) as f64,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn current(&self, v: (f64, Instant), now: Instant) -> f64 {
        (v.0 - now.saturating_duration_since(v.1).as_secs_f64() * self.per_second).max(0.0)
    }

    /// The failures counted now (fractional as they decay).
    pub fn count(&self, key: &K) -> f64 {
        let now = Instant::now();
        let g = self.map.lock().expect("failure lock");
        g.get(key).map(|v| self.current(*v, now)).unwrap_or(0.0)
    }

    /// Seconds until the key is no longer locked, when it is.
    pub fn locked(&self, key: &K) -> Option<u64> {
        // `limit` failures in a row leave a count just under `limit` (it decays meanwhile).
        let over = self.count(key) - (self.limit - 1.0);
        (over > 0.0).then(|| (over / self.per_second).ceil().max(1.0) as u64)
    }

    pub fn fail(&self, key: &K) {
        let now = Instant::now();
        let mut g = self.map.lock().expect("failure lock");
        if g.len() >= MAX_KEYS {
            g.retain(|_, v| self.current(*v, now) > 0.0);
        }
        let c = g.get(key).map(|v| self.current(*v, now)).unwrap_or(0.0);
        g.insert(key.clone(), (c + 1.0, now));
    }

    pub fn clear(&self, key: &K) {
        self.map.lock().expect("failure lock").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_allows_a_burst_then_the_rate_with_no_window_boundary() {
        let b = Buckets::new(3, 1.0);
        let t0 = Instant::now();
        for i in 0..3 {
            let t = b.take_at(&"k", t0);
            assert!(t.allowed);
            assert_eq!(t.remaining, 2 - i);
        }
        let t = b.take_at(&"k", t0);
        assert!(!t.allowed);
        assert_eq!(t.reset_secs, 1);
        assert!(b.take_at(&"other", t0).allowed);
        // Half a second later: still nothing; a second later: exactly one.
        assert!(!b.take_at(&"k", t0 + Duration::from_millis(500)).allowed);
        assert!(b.take_at(&"k", t0 + Duration::from_millis(1000)).allowed);
        assert!(!b.take_at(&"k", t0 + Duration::from_millis(1000)).allowed);
    }

    #[test]
    fn failures_lock_then_decay() {
        let f = Failures::new(2, 60);
        f.fail(&1);
        assert_eq!(f.locked(&1), None);
        f.fail(&1);
        assert!(f.locked(&1).is_some_and(|s| s <= 30));
        f.clear(&1);
        assert_eq!(f.locked(&1), None);
    }
}
