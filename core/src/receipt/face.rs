//! The platform face matcher's result, as a record the receipt binds.
//!
//! This module owns the [`FaceMatchResult`] record (what the platform's matcher says, taken as
//! given: the core does not match faces) and its validation against the wire format's ranges.
//! It never sees the live image: the receipt carries only a SHA-256 digest of the capture,
//! computed by [`capture_digest`].

use sha2::{Digest, Sha256};

/// Whether a liveness check ran and how it ended (wire values 0, 1, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// No liveness check ran.
    NotRun = 0,
    /// The check passed.
    Passed = 1,
    /// The check failed.
    Failed = 2,
}

impl Liveness {
    /// From the wire value.
    pub fn from_u64(v: u64) -> Option<Liveness> {
        match v {
            0 => Some(Liveness::NotRun),
            1 => Some(Liveness::Passed),
            2 => Some(Liveness::Failed),
            _ => None,
        }
    }
}

/// Longest engine id or version string accepted.
pub const MAX_ENGINE_TEXT: usize = 64;

/// What the platform's face matcher returned, comparing the live capture with DG2's image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaceMatchResult {
    /// The matcher's identifier, e.g. "com.example.facematch" (at most 64 bytes).
    pub engine_id: String,
    /// The matcher's version (at most 64 bytes).
    pub engine_version: String,
    /// Similarity score in thousandths, 0..=1000.
    pub score_milli: u16,
    /// The threshold the matcher applied, in thousandths, 0..=1000.
    pub threshold_milli: u16,
    /// The matcher's decision (true: same person).
    pub decision: bool,
    /// The liveness outcome.
    pub liveness: Liveness,
}

impl FaceMatchResult {
    /// Checks the ranges the wire format fixes (scores in 0..=1000, bounded non-empty texts).
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.engine_id.is_empty() || self.engine_id.len() > MAX_ENGINE_TEXT {
            return Err("face engine id length");
        }
        if self.engine_version.len() > MAX_ENGINE_TEXT {
            return Err("face engine version length");
        }
        if self.score_milli > 1000 || self.threshold_milli > 1000 {
            return Err("face score out of 0..=1000");
        }
        Ok(())
    }
}

/// SHA-256 of the live capture's bytes (whatever encoding the platform captured).
pub fn capture_digest(live_capture: &[u8]) -> [u8; 32] {
    Sha256::digest(live_capture).into()
}
