//! Why a receipt or an enrolment record was refused: one typed variant per failed check.
//!
//! This module owns the [`Rejection`] and [`EnrolmentRejection`] enums and nothing else. Their
//! `Display` names the check (and, where useful, the claim or data-group number, which are
//! vocabulary, not personal data); it never includes a value read from a document, a key, a
//! nonce or any other input byte.

use monid_core::challenge::Claim;

use crate::store::StoreError;

/// A receipt was refused: which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The envelope is larger than the policy's cap.
    #[error("envelope larger than the accepted size")]
    TooLong,
    /// The envelope or the receipt is not well-formed (the step is named).
    #[error("malformed input: {0}")]
    Malformed(&'static str),
    /// A version, algorithm or critical field this verifier does not support.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// No pending challenge has this envelope's nonce (never issued, purged, or already used
    /// and removed).
    #[error("unknown challenge")]
    UnknownChallenge,
    /// The envelope does not decrypt with the challenge's ephemeral key.
    #[error("envelope does not decrypt")]
    DecryptionFailed,
    /// The receipt's device signature does not verify (forged, swapped or tampered).
    #[error("device signature does not verify")]
    BadSignature,
    /// The receipt names another challenge (digest or nonce differ).
    #[error("receipt is bound to another challenge")]
    ChallengeMismatch,
    /// The receipt names another relying party.
    #[error("receipt is for another relying party")]
    WrongRelyingParty,
    /// The challenge expired (verifier's clock, policy skew).
    #[error("challenge expired")]
    Expired,
    /// The receipt arrived before the challenge's issue time (verifier's clock, policy skew).
    #[error("challenge not yet valid")]
    NotYetValid,
    /// The challenge's nonce was already used by an earlier receipt.
    #[error("replayed: the challenge was already answered")]
    Replayed,
    /// The challenge asked for a chip read but the receipt carries no chip record.
    #[error("chip record missing")]
    ChipMissing,
    /// Passive authentication of the receipt's EF.SOD failed or was incomplete.
    #[error("passive authentication failed: {0}")]
    PassiveAuthentication(&'static str),
    /// A data group needed by a claim or check was not sent.
    #[error("data group {0} missing")]
    DataGroupMissing(u8),
    /// A data group was sent that no requested claim or check needs.
    #[error("data group {0} was not requested")]
    DataGroupNotRequested(u8),
    /// A data group does not match its hash in EF.SOD (or is not listed there).
    #[error("data group {0} does not match EF.SOD")]
    DataGroupMismatch(u8),
    /// The face record's DG2 digest is not the one EF.SOD (or the enrolment) lists.
    #[error("face record's DG2 digest does not match EF.SOD")]
    Dg2DigestMismatch,
    /// Active authentication was run over another challenge than the one derived from this
    /// challenge and device key.
    #[error("active authentication over another challenge")]
    AaChallengeMismatch,
    /// The active-authentication signature does not verify with DG15's key.
    #[error("active authentication signature does not verify")]
    AaBadSignature,
    /// The chip was not proven genuine (no active authentication with a DG15 that passed
    /// passive authentication) but the challenge or the policy requires it.
    #[error("chip not proven genuine")]
    ChipNotGenuine,
    /// The receipt discloses a claim the challenge did not request.
    #[error("claim {0:?} was not requested")]
    ClaimNotRequested(Claim),
    /// A requested claim is missing from the receipt.
    #[error("requested claim {0:?} missing")]
    ClaimMissing(Claim),
    /// A claim is disclosed at another level than requested.
    #[error("claim {0:?} disclosed at another level than requested")]
    ClaimLevelMismatch(Claim),
    /// A claim's value does not match what the verifier derives (data group, enrolment record,
    /// recomputed age).
    #[error("claim {0:?} does not match its evidence")]
    ClaimValueMismatch(Claim),
    /// A chip-verifiable claim's value cannot be read from its data group.
    #[error("claim {0:?} cannot be read from its data group")]
    ClaimUnreadable(Claim),
    /// An age claim was computed for a date that is not the verifier's (Africa/Casablanca).
    #[error("claim {0:?} computed for another date")]
    ClaimDateMismatch(Claim),
    /// The receipt names no enrolment record, or one this verifier never accepted.
    #[error("enrolment record unknown")]
    EnrolmentUnknown,
    /// The enrolment record belongs to another device key.
    #[error("enrolment record belongs to another device key")]
    EnrolmentDeviceMismatch,
    /// The policy requires an attested device key and the enrolment's attestation did not
    /// verify against the configured roots.
    #[error("device key attestation required")]
    AttestationRequired,
    /// The challenge asked for a face match but the receipt has no face record.
    #[error("face record missing")]
    FaceMissing,
    /// The face score is below the policy's minimum.
    #[error("face score below policy")]
    FaceScoreBelowPolicy,
    /// Liveness was not run or failed, and the policy requires it.
    #[error("liveness required")]
    LivenessRequired,
    /// The verifier's clock is outside the Africa/Casablanca table (2019..=2040).
    #[error("clock outside the supported range")]
    ClockOutOfRange,
    /// A store failed (the receipt may be retried later if the nonce was not consumed).
    #[error("store: {0}")]
    Store(StoreError),
    /// A bug or a failing dependency.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl From<StoreError> for Rejection {
    fn from(e: StoreError) -> Self {
        Rejection::Store(e)
    }
}

/// An enrolment record was refused by [`crate::Verifier::accept_enrolment`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnrolmentRejection {
    /// The record does not parse, or its device signature does not verify.
    #[error("enrolment record: {0}")]
    Record(monid_core::enrolment::EnrolmentError),
    /// Passive authentication of the record's EF.SOD over DG1/DG11 failed or was incomplete.
    #[error("passive authentication failed: {0}")]
    PassiveAuthentication(&'static str),
    /// The record's DG2 digest is not the one its EF.SOD lists.
    #[error("DG2 digest does not match EF.SOD")]
    Dg2DigestMismatch,
    /// A claim of the record differs from what DG1/DG11 say.
    #[error("claim {0:?} does not match the data groups")]
    ClaimMismatch(Claim),
    /// The verifier's clock is outside the supported range.
    #[error("clock outside the supported range")]
    ClockOutOfRange,
    /// The enrolment store failed.
    #[error("store: {0}")]
    Store(StoreError),
}
