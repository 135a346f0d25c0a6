//! # monid-verifier
//!
//! What a relying party (the police e-services portal, a bank) runs: it issues signed
//! challenges, keeps what it needs to open the answer, and verifies receipts without trusting
//! anything the phone says that it can check itself. The wire format is `docs/wire-format.md`.
//!
//! It owns the stores ([`store`]), the policy ([`policy`]) and the verification pipeline; it
//! reuses monid-core for every format and primitive (COSE, challenge encoding, receipt parsing,
//! passive and active authentication) and must not re-implement them. It never echoes personal
//! data in a rejection.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod policy;
pub mod store;

pub use policy::Policy;
pub use store::{
    ChallengeStore, MemoryChallengeStore, MemoryNonceStore, Nonce, NonceStore, PendingChallenge,
    StoreError,
};
