//! The relying party's acceptance policy: what a receipt must prove beyond being authentic.
//!
//! This module owns the policy record and nothing else; the checks that apply it live in the
//! verification pipeline. A challenge states what the relying party *asked* for; the policy
//! states the floor the verifier enforces whatever the phone claims to have done.

/// What a receipt must meet to be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Minimum face-match score, in thousandths (the receipt's `score_milli`), when a face match
    /// was requested. The phone's own decision is not trusted: the verifier compares the score.
    pub min_face_score_milli: u16,
    /// Liveness must have been run and passed.
    pub liveness_required: bool,
    /// The chip must be proven genuine (active authentication over the derived challenge with a
    /// DG15 key that passed passive authentication).
    pub chip_genuine_required: bool,
    /// Device-asserted claims need an enrolment record whose device key attestation chains to a
    /// configured attestation root.
    pub attestation_required: bool,
    /// Largest envelope accepted, in bytes.
    pub max_envelope_len: usize,
    /// Allowed clock skew when checking expiry (seconds): the verifier's clock decides.
    pub clock_skew_secs: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_face_score_milli: 800,
            liveness_required: true,
            chip_genuine_required: true,
            attestation_required: false,
            max_envelope_len: 512 * 1024,
            clock_skew_secs: 30,
        }
    }
}
