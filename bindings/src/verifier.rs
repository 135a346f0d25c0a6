//! The relying party's verifier across the FFI: [`Verifier`] issues challenges and verifies
//! receipts, for a JVM or Swift server (or a test) that would rather not run Rust directly.
//!
//! This module owns the conversion of `monid_verifier`'s configuration, results and rejections
//! into uniffi records and errors, the relying party's signing key [`RpSigningKey`] (an object,
//! not a record field, so that no `toString()` / `description` ever prints it), and the foreign
//! traits [`ChallengeStore`] and [`NonceStore`]
//! through which a portal running several instances shares pending challenges and used nonces
//! (e.g. Redis: `SET nonce NX PX ttl` is [`NonceStore::consume`]). Every check is
//! `monid_verifier::Verifier`'s; enrolments stay in memory. It holds no clock: callers pass
//! Unix seconds.

use std::sync::Arc;

use monid_core::receipt::ClaimValue;
use monid_verifier as v;
use zeroize::Zeroizing;

use crate::challenge::{Assurance, Claim, ClaimRequest, Level};
use crate::error::{exception_type, short};
use crate::receipt::Liveness;
use crate::trust::TrustStore;

/// Why the verifier could not be built or a challenge issued (Kotlin `VerifierException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum VerifierError {
    /// The signing key, certificate chain or attestation roots are unusable.
    #[error("{0}")]
    Credentials(String),
    /// The challenge request breaks a rule of the wire format.
    #[error("{0}")]
    InvalidRequest(String),
    /// A store refused (full) or the random source failed.
    #[error("{0}")]
    Unavailable(String),
    /// The enrolment record was refused.
    #[error("{0}")]
    EnrolmentRejected(String),
}

/// The check a refused receipt failed, grouped for the caller (the rejection's message names
/// the exact check).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum RejectionReason {
    /// Too long, malformed or unsupported.
    Malformed,
    /// No pending challenge with this nonce (never issued, expired and purged, or forgotten).
    UnknownChallenge,
    /// The envelope does not decrypt.
    DecryptionFailed,
    /// The device signature does not verify.
    BadSignature,
    /// Bound to another challenge or relying party.
    ChallengeMismatch,
    /// The challenge expired (or is not yet valid) by the verifier's clock.
    Expired,
    /// The challenge was already answered.
    Replayed,
    /// Passive authentication of the sent data groups failed, or they are missing or extra.
    PassiveAuthentication,
    /// The chip was not proven genuine (active authentication missing, over another
    /// challenge, or not verifying).
    ChipNotGenuine,
    /// The claims are not exactly the requested ones, at their levels, with their evidence.
    Claims,
    /// Device-asserted claims without an accepted enrolment of this device key, or without a
    /// required attestation.
    Enrolment,
    /// The face record is missing, below the policy's score, or liveness was not passed.
    Face,
    /// A store failed; the receipt may be retried.
    Store,
    /// A bug or a clock outside the supported range.
    Internal,
}

fn reason_of(r: &v::Rejection) -> RejectionReason {
    use RejectionReason as R;
    use v::Rejection as X;
    match r {
        X::TooLong | X::Malformed(_) | X::Unsupported(_) => R::Malformed,
        X::UnknownChallenge => R::UnknownChallenge,
        X::DecryptionFailed => R::DecryptionFailed,
        X::BadSignature => R::BadSignature,
        X::ChallengeMismatch | X::WrongRelyingParty => R::ChallengeMismatch,
        X::Expired | X::NotYetValid => R::Expired,
        X::Replayed => R::Replayed,
        X::ChipMissing
        | X::PassiveAuthentication(_)
        | X::DataGroupMissing(_)
        | X::DataGroupNotRequested(_)
        | X::DataGroupMismatch(_)
        | X::Dg2DigestMismatch => R::PassiveAuthentication,
        X::AaChallengeMismatch | X::AaBadSignature | X::ChipNotGenuine => R::ChipNotGenuine,
        X::ClaimNotRequested(_)
        | X::ClaimMissing(_)
        | X::ClaimLevelMismatch(_)
        | X::ClaimValueMismatch(_)
        | X::ClaimUnreadable(_)
        | X::ClaimDateMismatch(_) => R::Claims,
        X::EnrolmentUnknown | X::EnrolmentDeviceMismatch | X::AttestationRequired => R::Enrolment,
        X::FaceMissing | X::FaceScoreBelowPolicy | X::LivenessRequired => R::Face,
        X::Store(_) => R::Store,
        _ => R::Internal,
    }
}

/// A refused receipt (Kotlin `RejectedException`, Swift `Rejected`). `detail` names the check,
/// never a value: safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum Rejected {
    /// The receipt failed a check.
    #[error("receipt rejected: {detail}")]
    Receipt {
        /// The group of the check.
        reason: RejectionReason,
        /// The check, e.g. "face score below policy".
        detail: String,
    },
}

impl From<v::Rejection> for Rejected {
    fn from(r: v::Rejection) -> Self {
        Rejected::Receipt {
            reason: reason_of(&r),
            detail: r.to_string(),
        }
    }
}

/// What a receipt must meet beyond being authentic (defaults: `defaultPolicy()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Policy {
    /// Minimum face-match score in thousandths (the phone's own decision is not trusted).
    pub min_face_score_milli: u16,
    /// Liveness must have run and passed.
    pub liveness_required: bool,
    /// The chip must be proven genuine when the challenge asks for it.
    pub chip_genuine_required: bool,
    /// Device-asserted claims need an attested device key.
    pub attestation_required: bool,
    /// Largest envelope accepted, in bytes.
    pub max_envelope_length: u32,
    /// Tolerated clock skew, in seconds.
    pub clock_skew_seconds: u64,
}

impl From<v::Policy> for Policy {
    fn from(p: v::Policy) -> Self {
        Policy {
            min_face_score_milli: p.min_face_score_milli,
            liveness_required: p.liveness_required,
            chip_genuine_required: p.chip_genuine_required,
            attestation_required: p.attestation_required,
            max_envelope_length: u32::try_from(p.max_envelope_len).unwrap_or(u32::MAX),
            clock_skew_seconds: p.clock_skew_secs,
        }
    }
}

impl From<Policy> for v::Policy {
    fn from(p: Policy) -> Self {
        v::Policy {
            min_face_score_milli: p.min_face_score_milli,
            liveness_required: p.liveness_required,
            chip_genuine_required: p.chip_genuine_required,
            attestation_required: p.attestation_required,
            max_envelope_len: usize::try_from(p.max_envelope_length).unwrap_or(usize::MAX),
            clock_skew_secs: p.clock_skew_seconds,
        }
    }
}

/// The verifier's default policy (face score 800, liveness and chip genuine required,
/// 512 KiB envelopes, 30 s skew).
#[uniffi::export]
pub fn default_policy() -> Policy {
    v::Policy::default().into()
}

/// What the portal asks for.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ChallengeSpec {
    /// Shown on the consent screen (at most 128 bytes).
    pub purpose: String,
    /// 1 to 9 claims, none twice; the photo only chip-verifiable.
    pub claims: Vec<ClaimRequest>,
    /// Assurance required.
    pub assurance: Assurance,
    /// Where the phone POSTs the envelope (`https://`, at most 256 bytes).
    pub response_uri: String,
    /// Lifetime in seconds (1 to 900).
    pub lifetime_seconds: u64,
}

/// A challenge the verifier issued and keeps pending.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct IssuedChallenge {
    /// `MC1:` + base45: the QR code's text.
    pub qr_text: String,
    /// The signed challenge (COSE_Sign1).
    pub bytes: Vec<u8>,
    /// The 6-digit code the portal shows next to the QR code.
    pub confirmation_code: String,
    /// The nonce (16 bytes): the receipt's lookup key.
    pub nonce: Vec<u8>,
    /// Expiry, Unix seconds.
    pub expires_at: u64,
}

/// How the device key behind device-asserted claims was attested at enrolment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum AttestationVerdict {
    /// The record carries no attestation chain.
    Absent,
    /// No attestation roots configured: not checked.
    NotChecked,
    /// The chain verifies to a configured root and certifies the device key.
    Verified,
    /// The chain does not verify or certifies another key.
    Failed,
}

impl From<v::AttestationVerdict> for AttestationVerdict {
    fn from(a: v::AttestationVerdict) -> Self {
        match a {
            v::AttestationVerdict::Absent => AttestationVerdict::Absent,
            v::AttestationVerdict::NotChecked => AttestationVerdict::NotChecked,
            v::AttestationVerdict::Verified => AttestationVerdict::Verified,
            v::AttestationVerdict::Failed => AttestationVerdict::Failed,
        }
    }
}

/// An accepted enrolment record.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AcceptedEnrolment {
    /// The record's id (SHA-256 of the signed record).
    pub id: Vec<u8>,
    /// The attestation verdict.
    pub attestation: AttestationVerdict,
}

/// The face evidence a receipt met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FaceEvidence {
    /// The score in thousandths (at least the policy's minimum).
    pub score_milli: u16,
    /// The liveness outcome.
    pub liveness: Liveness,
}

/// The assurance a receipt met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AssuranceMet {
    /// The lowest disclosure level among the claims.
    pub level: Level,
    /// EF.SOD and the data groups passed passive authentication.
    pub chip_read: bool,
    /// Active authentication over this challenge verified with a DG15 key that passed PA.
    pub chip_genuine: bool,
    /// The face evidence, when face match was requested.
    pub face: Option<FaceEvidence>,
    /// The enrolment's attestation verdict, when a claim is device-asserted.
    pub attestation: Option<AttestationVerdict>,
}

/// One verified claim. Personal data: its `toString()` is redacted; read the value through the
/// accessor that fits the claim.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct VerifiedClaim {
    inner: v::VerifiedClaim,
}

impl std::fmt::Debug for VerifiedClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "VerifiedClaim({:?}, {:?}, <redacted>)",
            self.inner.claim, self.inner.level
        )
    }
}

#[uniffi::export]
impl VerifiedClaim {
    /// Which claim.
    pub fn claim(&self) -> Claim {
        self.inner.claim.into()
    }
    /// The level it was disclosed at.
    pub fn level(&self) -> Level {
        self.inner.level.into()
    }
    /// True when the value came from a data group that passed passive authentication (else
    /// from an accepted enrolment).
    pub fn from_data_group(&self) -> bool {
        matches!(self.inner.evidence, v::Evidence::DataGroup { .. })
    }
    /// Surname (primary identifier), for `Names`.
    pub fn primary_name(&self) -> Option<String> {
        match &self.inner.value {
            ClaimValue::Names { primary, .. } => Some(primary.as_str().to_owned()),
            _ => None,
        }
    }
    /// Given names (secondary identifier), for `Names`.
    pub fn secondary_name(&self) -> Option<String> {
        match &self.inner.value {
            ClaimValue::Names { secondary, .. } => Some(secondary.as_str().to_owned()),
            _ => None,
        }
    }
    /// The value of a date (`YYYY-MM-DD`) or text claim.
    pub fn text(&self) -> Option<String> {
        match &self.inner.value {
            ClaimValue::Date(t) | ClaimValue::Text(t) => Some(t.as_str().to_owned()),
            _ => None,
        }
    }
    /// For `AgeOver18` / `AgeOver21`: the answer for the verifier's date.
    pub fn age_over(&self) -> Option<bool> {
        match &self.inner.value {
            ClaimValue::AgeOver { over, .. } => Some(*over),
            _ => None,
        }
    }
}

/// A receipt that passed every check.
#[derive(Clone, uniffi::Record)]
pub struct VerifiedReceipt {
    /// The challenge's nonce.
    pub nonce: Vec<u8>,
    /// The claims, in the challenge's order.
    pub claims: Vec<Arc<VerifiedClaim>>,
    /// The assurance met.
    pub assurance: AssuranceMet,
    /// DG2 as read, when the photo was requested (personal data).
    pub photo: Option<Vec<u8>>,
}

impl std::fmt::Debug for VerifiedReceipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedReceipt")
            .field("claims", &self.claims)
            .field("assurance", &self.assurance)
            .field("photo", &self.photo.as_ref().map(Vec::len))
            .finish_non_exhaustive()
    }
}

/// The relying party's P-256 signing key (Kotlin `RpSigningKey.fromPem(pem)`, Swift
/// `RpSigningKey.fromPem(pem:)`): parsed and checked when made, kept in Rust (zeroized when
/// released: `close()` in Kotlin, deinit in Swift). Its `toString()` / `description` is
/// redacted, so a `VerifierConfig` can be printed.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct RpSigningKey {
    scalar: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for RpSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RpSigningKey(<redacted>)")
    }
}

#[uniffi::export]
impl RpSigningKey {
    /// Parses a P-256 private key from PEM (`PRIVATE KEY` PKCS #8 or `EC PRIVATE KEY` SEC1).
    /// `Credentials` when it is not one (the message names what is wrong, never key bytes).
    /// The Rust copy of `pem` is wiped; the platform's string is the caller's to drop.
    #[uniffi::constructor]
    pub fn from_pem(pem: String) -> Result<Arc<Self>, VerifierError> {
        let pem = Zeroizing::new(pem);
        let scalar = monid_core::challenge::rp_private_key_from_pem(pem.as_bytes())
            .map_err(|e| VerifierError::Credentials(e.to_string()))?;
        Ok(Arc::new(RpSigningKey { scalar }))
    }
}

/// What the verifier is built from.
#[derive(Clone, uniffi::Record)]
pub struct VerifierConfig {
    /// The relying party's P-256 signing key.
    pub signing_key: Arc<RpSigningKey>,
    /// Its certificate chain, leaf first (PEM); the leaf's commonName is the rp_id.
    pub certificate_chain_pem: String,
    /// Issue compact challenges (certificate by SHA-256 thumbprint; the app must have it in
    /// its directory) instead of full ones.
    pub compact: bool,
    /// CSCA certificates for passive authentication.
    pub csca: Arc<TrustStore>,
    /// Roots for device-key attestation chains (PEM; empty: not checked).
    pub attestation_roots_pem: String,
    /// The policy.
    pub policy: Policy,
    /// How many pending challenges, used nonces and enrolments the in-memory stores keep.
    pub capacity: u32,
}

/// What a shared store may throw (Kotlin `StoreException`). Anything else a foreign store
/// throws arrives as [`StoreError::Unexpected`]; the receipt is then refused with reason
/// `Store` and may be retried (its nonce was not consumed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum StoreError {
    /// A challenge with this nonce is already stored.
    #[error("a challenge with this nonce already exists")]
    Duplicate,
    /// The store is full.
    #[error("store full")]
    Full,
    /// The backing store failed (no secret or value in `reason`).
    #[error("store unavailable: {reason}")]
    Unavailable {
        /// What failed.
        reason: String,
    },
    /// The store threw an exception it does not declare.
    #[error("store callback failed unexpectedly: {reason}")]
    Unexpected {
        /// The foreign exception's type name (`exception_type`); never its message.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for StoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        StoreError::Unexpected {
            reason: exception_type(&e.reason),
        }
    }
}

impl From<StoreError> for v::StoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate => v::StoreError::Duplicate,
            StoreError::Full => v::StoreError::Full,
            StoreError::Unavailable { reason } => v::StoreError::Unavailable(short(&reason)),
            StoreError::Unexpected { reason } => v::StoreError::Unavailable(format!(
                "store callback failed unexpectedly: {}",
                exception_type(&reason)
            )),
        }
    }
}

/// A challenge waiting for its receipt. `rpEphemeralSecret` is a PRIVATE KEY (32 bytes, the
/// scalar whose public key the challenge carries): a shared store must keep it encrypted at rest
/// and drop it at `expiresAt`. Never log this record: a Kotlin data class prints its fields
/// (Rust's `Debug` of it is redacted).
#[derive(Clone, uniffi::Record)]
pub struct PendingChallenge {
    /// The challenge as issued (COSE_Sign1).
    pub challenge: Vec<u8>,
    /// The relying party's ephemeral private scalar (32 bytes). SECRET.
    pub rp_ephemeral_secret: Vec<u8>,
    /// Expiry, Unix seconds.
    pub expires_at: u64,
}

impl std::fmt::Debug for PendingChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingChallenge")
            .field("challenge", &self.challenge.len())
            .field("rp_ephemeral_secret", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Pending challenges by nonce (16 bytes), shared by the portal's instances.
#[uniffi::export(with_foreign)]
pub trait ChallengeStore: Send + Sync {
    /// Stores a newly issued challenge (`Duplicate` if the nonce exists).
    fn insert(&self, nonce: Vec<u8>, pending: PendingChallenge) -> Result<(), StoreError>;
    /// The pending challenge for `nonce`, if any (not removed).
    fn get(&self, nonce: Vec<u8>) -> Result<Option<PendingChallenge>, StoreError>;
    /// Removes the challenge for `nonce`; whether it was there.
    fn remove(&self, nonce: Vec<u8>) -> Result<bool, StoreError>;
    /// Removes every challenge that expired before `now`; how many.
    fn purge_expired(&self, now: u64) -> Result<u64, StoreError>;
}

/// Used nonces: the exactly-once gate. Of any number of concurrent `consume` calls with the same
/// nonce, across every instance, exactly one may return true (an atomic set-if-absent).
#[uniffi::export(with_foreign)]
pub trait NonceStore: Send + Sync {
    /// Marks `nonce` used until `keepUntil` (Unix seconds); true if it was not used before.
    fn consume(&self, nonce: Vec<u8>, keep_until: u64) -> Result<bool, StoreError>;
    /// Forgets nonces kept until before `now`; how many.
    fn purge_expired(&self, now: u64) -> Result<u64, StoreError>;
}

struct ForeignChallenges(Arc<dyn ChallengeStore>);

impl v::ChallengeStore for ForeignChallenges {
    fn insert(&self, nonce: v::Nonce, pending: v::PendingChallenge) -> Result<(), v::StoreError> {
        let record = PendingChallenge {
            challenge: pending.challenge.clone(),
            rp_ephemeral_secret: pending.rp_ephemeral_secret.to_vec(),
            expires_at: pending.expires_at,
        };
        Ok(self.0.insert(nonce.to_vec(), record)?)
    }

    fn get(&self, nonce: &v::Nonce) -> Result<Option<v::PendingChallenge>, v::StoreError> {
        let Some(mut record) = self.0.get(nonce.to_vec())? else {
            return Ok(None);
        };
        // The Rust copy of the foreign store's secret is wiped once taken over.
        let wire = zeroize::Zeroizing::new(std::mem::take(&mut record.rp_ephemeral_secret));
        let mut secret = zeroize::Zeroizing::new([0u8; 32]);
        if wire.len() != secret.len() {
            return Err(v::StoreError::Unavailable(
                "stored challenge: ephemeral secret is not 32 bytes".into(),
            ));
        }
        secret.copy_from_slice(&wire);
        Ok(Some(v::PendingChallenge {
            challenge: record.challenge,
            rp_ephemeral_secret: secret,
            expires_at: record.expires_at,
        }))
    }

    fn remove(&self, nonce: &v::Nonce) -> Result<bool, v::StoreError> {
        Ok(self.0.remove(nonce.to_vec())?)
    }

    fn purge_expired(&self, now: u64) -> Result<usize, v::StoreError> {
        Ok(usize::try_from(self.0.purge_expired(now)?).unwrap_or(usize::MAX))
    }
}

struct ForeignNonces(Arc<dyn NonceStore>);

impl v::NonceStore for ForeignNonces {
    fn consume(&self, nonce: &v::Nonce, keep_until: u64) -> Result<bool, v::StoreError> {
        Ok(self.0.consume(nonce.to_vec(), keep_until)?)
    }

    fn purge_expired(&self, now: u64) -> Result<usize, v::StoreError> {
        Ok(usize::try_from(self.0.purge_expired(now)?).unwrap_or(usize::MAX))
    }
}

/// The relying party's verifier. Thread-safe; share one per process. Pending challenges and
/// used nonces live in memory ([`Verifier::new`]) or in the portal's shared stores
/// ([`Verifier::with_stores`]); enrolments live in memory.
#[derive(Debug, uniffi::Object)]
pub struct Verifier {
    inner: v::Verifier,
}

impl Verifier {
    fn build(
        config: VerifierConfig,
        challenges: Option<Arc<dyn ChallengeStore>>,
        nonces: Option<Arc<dyn NonceStore>>,
    ) -> Result<Arc<Self>, VerifierError> {
        let signer = monid_core::challenge::RpSigner::with_chain_pem(
            config.signing_key.scalar.as_slice(),
            config.certificate_chain_pem.as_bytes(),
        )
        .map_err(|e| VerifierError::Credentials(e.to_string()))?;
        let attestation_roots = if config.attestation_roots_pem.trim().is_empty() {
            Vec::new()
        } else {
            let mut t = monid_core::challenge::RelyingPartyTrust::new();
            t.add_anchors_pem(config.attestation_roots_pem.as_bytes())
                .map_err(|e| VerifierError::Credentials(format!("attestation roots: {e}")))?;
            t.anchors().to_vec()
        };
        let cap = usize::try_from(config.capacity).unwrap_or(usize::MAX);
        let challenges: Arc<dyn v::ChallengeStore> = match challenges {
            Some(c) => Arc::new(ForeignChallenges(c)),
            None => Arc::new(v::MemoryChallengeStore::new(cap)),
        };
        let nonces: Arc<dyn v::NonceStore> = match nonces {
            Some(n) => Arc::new(ForeignNonces(n)),
            None => Arc::new(v::MemoryNonceStore::new(cap)),
        };
        let inner = v::Verifier::new(v::VerifierConfig {
            signer,
            form: if config.compact {
                monid_core::challenge::Form::Compact
            } else {
                monid_core::challenge::Form::Full
            },
            csca: config.csca.snapshot(),
            attestation_roots,
            policy: config.policy.into(),
            challenges,
            nonces,
            enrolments: Arc::new(v::MemoryEnrolmentStore::new(cap)),
        });
        Ok(Arc::new(Verifier { inner }))
    }
}

#[uniffi::export]
impl Verifier {
    /// A verifier from its configuration, with in-memory stores (one instance).
    #[uniffi::constructor]
    pub fn new(config: VerifierConfig) -> Result<Arc<Self>, VerifierError> {
        Self::build(config, None, None)
    }

    /// A verifier whose pending challenges and used nonces live in the portal's shared stores,
    /// so that any instance can verify a receipt for a challenge another one issued, exactly
    /// once.
    #[uniffi::constructor]
    pub fn with_stores(
        config: VerifierConfig,
        challenges: Arc<dyn ChallengeStore>,
        nonces: Arc<dyn NonceStore>,
    ) -> Result<Arc<Self>, VerifierError> {
        Self::build(config, Some(challenges), Some(nonces))
    }

    /// The relying party's id (the signing certificate's commonName).
    pub fn rp_id(&self) -> String {
        self.inner.rp_id().to_owned()
    }

    /// Issues a challenge at `now_unix_seconds` and keeps it pending.
    pub fn issue_challenge(
        &self,
        spec: ChallengeSpec,
        now_unix_seconds: u64,
    ) -> Result<IssuedChallenge, VerifierError> {
        let spec = v::ChallengeSpec {
            purpose: spec.purpose,
            claims: spec
                .claims
                .into_iter()
                .map(|r| monid_core::challenge::ClaimRequest {
                    claim: r.claim.into(),
                    level: r.level.into(),
                })
                .collect(),
            assurance: spec.assurance.into(),
            response_uri: spec.response_uri,
            lifetime_secs: spec.lifetime_seconds,
        };
        let issued = self
            .inner
            .issue_challenge(&spec, now_unix_seconds, &mut monid_core::rand::SystemRandom)
            .map_err(|e| match e {
                v::IssueFailure::Issue(monid_core::challenge::IssueError::InvalidRequest(_)) => {
                    VerifierError::InvalidRequest(e.to_string())
                }
                v::IssueFailure::Issue(_) => VerifierError::Credentials(e.to_string()),
                _ => VerifierError::Unavailable(e.to_string()),
            })?;
        Ok(IssuedChallenge {
            qr_text: issued.qr_text,
            bytes: issued.bytes,
            confirmation_code: issued.confirmation_code,
            nonce: issued.nonce.to_vec(),
            expires_at: issued.expires_at,
        })
    }

    /// Verifies an envelope POSTed by a phone at `now_unix_seconds` (the verifier's clock
    /// decides expiry). Each challenge is answered at most once.
    pub fn verify(
        &self,
        envelope: Vec<u8>,
        now_unix_seconds: u64,
    ) -> Result<VerifiedReceipt, Rejected> {
        let r = self.inner.verify(&envelope, now_unix_seconds)?;
        Ok(VerifiedReceipt {
            nonce: r.nonce.to_vec(),
            claims: r
                .claims
                .iter()
                .map(|c| Arc::new(VerifiedClaim { inner: c.clone() }))
                .collect(),
            assurance: AssuranceMet {
                level: r.assurance.level.into(),
                chip_read: r.assurance.chip_read,
                chip_genuine: r.assurance.chip_genuine,
                face: r.assurance.face.map(|f| FaceEvidence {
                    score_milli: f.score_milli,
                    liveness: f.liveness.into(),
                }),
                attestation: r.assurance.attestation.map(Into::into),
            },
            photo: r.photo.as_ref().map(|p| p.to_vec()),
        })
    }

    /// Accepts a device's signed enrolment record (`Enrolment.signedBytes()`), after passive
    /// authentication of its data groups, so that later device-asserted receipts verify.
    pub fn accept_enrolment(
        &self,
        record: Vec<u8>,
        now_unix_seconds: u64,
    ) -> Result<AcceptedEnrolment, VerifierError> {
        let a = self
            .inner
            .accept_enrolment(&record, now_unix_seconds)
            .map_err(|e| VerifierError::EnrolmentRejected(short(&e.to_string())))?;
        Ok(AcceptedEnrolment {
            id: a.id.to_vec(),
            attestation: a.attestation.into(),
        })
    }

    /// Forgets expired pending challenges and used nonces; returns how many entries went.
    pub fn purge_expired(&self, now_unix_seconds: u64) -> Result<u64, VerifierError> {
        let (a, b) = self
            .inner
            .purge_expired(now_unix_seconds)
            .map_err(|e| VerifierError::Unavailable(e.to_string()))?;
        Ok(u64::try_from(a.saturating_add(b)).unwrap_or(u64::MAX))
    }
}
