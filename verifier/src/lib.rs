//! # monid-verifier
//!
//! What a relying party (the police e-services portal, a bank) runs: it issues signed
//! challenges, keeps what it needs to open the answer, and verifies receipts without trusting
//! anything the phone says that it can check itself. The wire format is `docs/wire-format.md`.
//!
//! It owns the stores ([`store`], [`enrolments`]), the policy ([`policy`]), the rejections
//! ([`rejection`]) and the verification pipeline ([`verifier`]); it
//! reuses monid-core for every format and primitive (COSE, challenge encoding, receipt parsing,
//! passive and active authentication) and must not re-implement them. It never echoes personal
//! data in a rejection.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod enrolments;
pub mod policy;
pub mod rejection;
pub mod store;
pub mod verifier;

pub use enrolments::{AcceptedEnrolment, AttestationVerdict, EnrolmentStore, MemoryEnrolmentStore};
pub use policy::Policy;
pub use rejection::{EnrolmentRejection, Rejection};
pub use store::{
    ChallengeStore, MemoryChallengeStore, MemoryNonceStore, Nonce, NonceStore, PendingChallenge,
    StoreError,
};
pub use verifier::{
    AssuranceMet, ChallengeSpec, Evidence, FaceEvidence, IssueFailure, IssuedChallenge,
    VerifiedClaim, VerifiedReceipt, Verifier, VerifierConfig,
};
