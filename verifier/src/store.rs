//! Challenge and nonce stores: what the verifier remembers between issuing a challenge and
//! receiving its receipt.
//!
//! This module owns the two storage traits and their in-memory defaults. It must not verify
//! anything: it stores opaque pending challenges and answers "first use or not" atomically. A
//! portal running several instances behind a load balancer implements the same traits over a
//! shared store (e.g. Redis `SET key NX PX ttl` for [`NonceStore::consume`], `GETDEL` or a
//! plain `GET` for the challenge store), without any change to the callers.

use std::collections::HashMap;
use std::sync::Mutex;

use zeroize::Zeroizing;

/// A challenge nonce (16 random bytes, wire format key 3).
pub type Nonce = [u8; 16];

/// What the relying party keeps for each challenge it issued.
#[derive(Clone)]
pub struct PendingChallenge {
    /// The challenge exactly as issued (the tagged COSE_Sign1 bytes).
    pub challenge: Vec<u8>,
    /// The ephemeral P-256 private scalar whose public key is the challenge's `rp_key`.
    pub rp_ephemeral_secret: Zeroizing<[u8; 32]>,
    /// Expiry (Unix seconds), copied from the challenge for purging.
    pub expires_at: u64,
}

impl core::fmt::Debug for PendingChallenge {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingChallenge")
            .field("challenge_len", &self.challenge.len())
            .field("rp_ephemeral_secret", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A storage failure (the backing store is unreachable or refused the operation).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A challenge with this nonce is already stored (nonce collision or double issue).
    #[error("a challenge with this nonce already exists")]
    Duplicate,
    /// The store is full; the caller should purge expired entries or shed load.
    #[error("challenge store is full")]
    Full,
    /// The backing store failed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Pending challenges by nonce.
pub trait ChallengeStore: Send + Sync {
    /// Stores a newly issued challenge.
    fn insert(&self, nonce: Nonce, pending: PendingChallenge) -> Result<(), StoreError>;
    /// The pending challenge for `nonce`, if any (not removed: consumption is the nonce store's).
    fn get(&self, nonce: &Nonce) -> Result<Option<PendingChallenge>, StoreError>;
    /// Removes the challenge for `nonce` (after use), returning whether it was there.
    fn remove(&self, nonce: &Nonce) -> Result<bool, StoreError>;
    /// Removes every challenge that expired before `now`; returns how many.
    fn purge_expired(&self, now: u64) -> Result<usize, StoreError>;
}

/// Used nonces. [`NonceStore::consume`] is the exactly-once gate: of any number of concurrent
/// calls with the same nonce, exactly one returns `Ok(true)`.
pub trait NonceStore: Send + Sync {
    /// Marks `nonce` used until `keep_until` (Unix seconds); `Ok(true)` if it was not used before.
    fn consume(&self, nonce: &Nonce, keep_until: u64) -> Result<bool, StoreError>;
    /// Forgets nonces whose `keep_until` is before `now`; returns how many.
    fn purge_expired(&self, now: u64) -> Result<usize, StoreError>;
}

/// In-memory [`ChallengeStore`] with a capacity bound (a single verifier instance).
#[derive(Debug)]
pub struct MemoryChallengeStore {
    inner: Mutex<HashMap<Nonce, PendingChallenge>>,
    capacity: usize,
}

impl MemoryChallengeStore {
    /// A store holding at most `capacity` pending challenges.
    pub fn new(capacity: usize) -> Self {
        MemoryChallengeStore {
            inner: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn lock(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, HashMap<Nonce, PendingChallenge>>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned lock".into()))
    }
}

impl ChallengeStore for MemoryChallengeStore {
    fn insert(&self, nonce: Nonce, pending: PendingChallenge) -> Result<(), StoreError> {
        let mut map = self.lock()?;
        if map.contains_key(&nonce) {
            return Err(StoreError::Duplicate);
        }
        if map.len() >= self.capacity {
            return Err(StoreError::Full);
        }
        map.insert(nonce, pending);
        Ok(())
    }

    fn get(&self, nonce: &Nonce) -> Result<Option<PendingChallenge>, StoreError> {
        Ok(self.lock()?.get(nonce).cloned())
    }

    fn remove(&self, nonce: &Nonce) -> Result<bool, StoreError> {
        Ok(self.lock()?.remove(nonce).is_some())
    }

    fn purge_expired(&self, now: u64) -> Result<usize, StoreError> {
        let mut map = self.lock()?;
        let before = map.len();
        map.retain(|_, p| p.expires_at >= now);
        Ok(before - map.len())
    }
}

/// In-memory [`NonceStore`] with a capacity bound.
#[derive(Debug)]
pub struct MemoryNonceStore {
    inner: Mutex<HashMap<Nonce, u64>>,
    capacity: usize,
}

impl MemoryNonceStore {
    /// A store remembering at most `capacity` used nonces.
    pub fn new(capacity: usize) -> Self {
        MemoryNonceStore {
            inner: Mutex::new(HashMap::new()),
            capacity,
        }
    }
}

impl NonceStore for MemoryNonceStore {
    fn consume(&self, nonce: &Nonce, keep_until: u64) -> Result<bool, StoreError> {
        let mut map = self
            .inner
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned lock".into()))?;
        if map.contains_key(nonce) {
            return Ok(false);
        }
        if map.len() >= self.capacity {
            return Err(StoreError::Full);
        }
        map.insert(*nonce, keep_until);
        Ok(true)
    }

    fn purge_expired(&self, now: u64) -> Result<usize, StoreError> {
        let mut map = self
            .inner
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned lock".into()))?;
        let before = map.len();
        map.retain(|_, until| *until >= now);
        Ok(before - map.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn pending(expires_at: u64) -> PendingChallenge {
        PendingChallenge {
            challenge: vec![1, 2, 3],
            rp_ephemeral_secret: Zeroizing::new([7; 32]),
            expires_at,
        }
    }

    #[test]
    fn consume_is_exactly_once_under_64_threads() {
        let store = Arc::new(MemoryNonceStore::new(1000));
        let wins = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(std::sync::Barrier::new(64));
        let threads: Vec<_> = (0..64)
            .map(|_| {
                let (store, wins, barrier) = (store.clone(), wins.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    if store.consume(&[9; 16], 100).unwrap() {
                        wins.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(wins.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn challenge_store_bounds_and_purge() {
        let store = MemoryChallengeStore::new(2);
        store.insert([1; 16], pending(10)).unwrap();
        assert_eq!(
            store.insert([1; 16], pending(10)),
            Err(StoreError::Duplicate)
        );
        store.insert([2; 16], pending(20)).unwrap();
        assert_eq!(store.insert([3; 16], pending(30)), Err(StoreError::Full));
        assert_eq!(store.purge_expired(15).unwrap(), 1);
        assert!(store.get(&[1; 16]).unwrap().is_none());
        assert!(store.get(&[2; 16]).unwrap().is_some());
        assert!(store.remove(&[2; 16]).unwrap());
        assert!(!store.remove(&[2; 16]).unwrap());
        assert!(!format!("{:?}", pending(1)).contains("7, 7"));
    }

    #[test]
    fn nonce_store_purges_and_bounds() {
        let store = MemoryNonceStore::new(1);
        assert!(store.consume(&[1; 16], 10).unwrap());
        assert!(!store.consume(&[1; 16], 10).unwrap());
        assert_eq!(store.consume(&[2; 16], 10), Err(StoreError::Full));
        assert_eq!(store.purge_expired(11).unwrap(), 1);
        assert!(store.consume(&[2; 16], 10).unwrap());
    }
}
