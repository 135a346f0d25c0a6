//! Accepted enrolment records: what device-asserted claims are checked against.
//!
//! This module owns the [`EnrolmentStore`] trait, its in-memory default and the
//! [`AcceptedEnrolment`] it stores (device key, claims, DG2 digest, attestation verdict). It
//! verifies nothing: [`crate::Verifier::accept_enrolment`] decides what goes in. Like the
//! challenge and nonce stores, a shared implementation (a database table keyed by
//! `enrolment_id`) can replace the in-memory one without changing callers.

use std::collections::HashMap;
use std::sync::RwLock;

use monid_core::enrolment::{Dg2Digest, EnrolmentClaims};

use crate::store::StoreError;

/// Whether the enrolment's device-key attestation chains to a configured root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttestationVerdict {
    /// The record carries no attestation chain.
    Absent,
    /// The verifier has no attestation roots configured: not checked.
    NotChecked,
    /// The chain verifies to a configured root and its leaf certifies the device key.
    Verified,
    /// The chain does not verify, or its leaf certifies another key.
    Failed,
}

/// An enrolment record the relying party accepted.
#[derive(Clone, PartialEq, Eq)]
pub struct AcceptedEnrolment {
    /// SHA-256 of the signed record (what receipts name).
    pub id: [u8; 32],
    /// The device key that signed it, SEC1 uncompressed.
    pub device_key: [u8; 65],
    /// The claims, checked against DG1/DG11 at acceptance (zeroized on drop).
    pub claims: EnrolmentClaims,
    /// DG2's digest as listed in the record's EF.SOD (checked at acceptance).
    pub dg2_digest: Dg2Digest,
    /// The attestation verdict at acceptance.
    pub attestation: AttestationVerdict,
    /// When it was accepted (verifier's clock, Unix seconds).
    pub accepted_at: u64,
}

impl core::fmt::Debug for AcceptedEnrolment {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AcceptedEnrolment")
            .field("claims", &self.claims)
            .field("attestation", &self.attestation)
            .field("accepted_at", &self.accepted_at)
            .finish_non_exhaustive()
    }
}

/// Accepted enrolment records by `enrolment_id`.
pub trait EnrolmentStore: Send + Sync {
    /// Stores (or replaces) an accepted record.
    fn put(&self, record: AcceptedEnrolment) -> Result<(), StoreError>;
    /// The accepted record with this id, if any.
    fn get(&self, id: &[u8; 32]) -> Result<Option<AcceptedEnrolment>, StoreError>;
    /// Forgets a record (revocation, re-enrolment); returns whether it was there.
    fn remove(&self, id: &[u8; 32]) -> Result<bool, StoreError>;
}

/// In-memory [`EnrolmentStore`] with a capacity bound.
#[derive(Debug)]
pub struct MemoryEnrolmentStore {
    inner: RwLock<HashMap<[u8; 32], AcceptedEnrolment>>,
    capacity: usize,
}

impl MemoryEnrolmentStore {
    /// A store holding at most `capacity` records.
    pub fn new(capacity: usize) -> Self {
        MemoryEnrolmentStore {
            inner: RwLock::new(HashMap::new()),
            capacity,
        }
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Unavailable("poisoned lock".into())
}

impl EnrolmentStore for MemoryEnrolmentStore {
    fn put(&self, record: AcceptedEnrolment) -> Result<(), StoreError> {
        let mut map = self.inner.write().map_err(poisoned)?;
        if !map.contains_key(&record.id) && map.len() >= self.capacity {
            return Err(StoreError::Full);
        }
        map.insert(record.id, record);
        Ok(())
    }

    fn get(&self, id: &[u8; 32]) -> Result<Option<AcceptedEnrolment>, StoreError> {
        Ok(self.inner.read().map_err(poisoned)?.get(id).cloned())
    }

    fn remove(&self, id: &[u8; 32]) -> Result<bool, StoreError> {
        Ok(self.inner.write().map_err(poisoned)?.remove(id).is_some())
    }
}
