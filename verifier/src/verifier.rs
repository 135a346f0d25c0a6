//! The verification pipeline: issue a challenge, accept an enrolment record, verify a receipt.
//!
//! This module owns [`Verifier`] and the order of the checks. It re-uses monid-core for every
//! format and primitive (challenge issue, envelope opening, receipt and enrolment parsing,
//! passive and active authentication, the Africa/Casablanca clock) and the stores of
//! [`crate::store`] and [`crate::enrolments`]; it parses no wire format itself and logs nothing.
//!
//! Order of [`Verifier::verify`]: size cap; envelope structure; pending challenge by nonce
//! ([`Rejection::UnknownChallenge`]); decryption; receipt structure; device signature; binding to
//! the challenge (digest, nonce, rp_id); expiry by the verifier's clock with the policy's skew;
//! then the nonce is **consumed** (exactly once, [`Rejection::Replayed`] afterwards); then every
//! content and policy check. Consequences:
//!
//! * a receipt that decrypts, carries a valid device signature and names this challenge
//!   consumes the nonce even when a later check (claims, passive authentication, active
//!   authentication, face score, enrolment) refuses it: a refused receipt cannot be edited and
//!   retried against the same challenge; the portal issues a new challenge;
//! * an envelope that does not decrypt or whose signature does not verify does **not** consume
//!   the nonce: the nonce is public (it is in the QR code), so anyone could otherwise burn a
//!   citizen's pending challenge;
//! * the pending challenge stays in the challenge store until it expires (purged by
//!   [`Verifier::purge_expired`]), so a second submission is named [`Rejection::Replayed`].
//!
//! Chip genuineness is proven only by active authentication over
//! `SHA-256("monid-aa-v1" || challenge || device key)[0..8]` with a DG15 that passed passive
//! authentication: chip authentication leaves no evidence a third party can check, so the
//! receipt's `ca_done` flag is reported but not trusted.

use std::sync::Arc;

use monid_core::aa;
use monid_core::challenge::{
    self, Assurance, Challenge, ChallengeRequest, ClaimRequest, Form, IssueError, RpSigner,
};
use monid_core::cose;
use monid_core::document::Document;
use monid_core::enrolment;
use monid_core::lds::FileId;
use monid_core::mrz::CivilDate;
use monid_core::pki::Timestamp;
use monid_core::pki::cert::Certificate;
use monid_core::pki::pa::{CheckKind, Outcome, PaReport, Verdict};
use monid_core::pki::trust::TrustStore;
use monid_core::rand::RandomSource;
use monid_core::reader::{
    AccessProtocol, ChipEvidence, FileRecord, LinkReport, RawDocument, ReadStats,
};
use monid_core::receipt::{
    self, AssertedValues, Claim, ClaimValue, Level, Liveness, Receipt, ReceiptError,
};
use monid_core::tz;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::enrolments::{AcceptedEnrolment, AttestationVerdict, EnrolmentStore};
use crate::policy::Policy;
use crate::rejection::{EnrolmentRejection, Rejection};
use crate::store::{ChallengeStore, Nonce, NonceStore, PendingChallenge, StoreError};

/// What the verifier is configured with.
pub struct VerifierConfig {
    /// The relying party's signing key and certificate chain (its rp_id is the leaf's CN).
    pub signer: RpSigner,
    /// Challenge form: full (x5chain) or compact (x5t).
    pub form: Form,
    /// CSCA trust store for passive authentication.
    pub csca: TrustStore,
    /// Roots for device-key attestation chains (empty: attestation is not checked).
    pub attestation_roots: Vec<Certificate>,
    /// The acceptance policy.
    pub policy: Policy,
    /// Pending challenges.
    pub challenges: Arc<dyn ChallengeStore>,
    /// Used nonces.
    pub nonces: Arc<dyn NonceStore>,
    /// Accepted enrolment records.
    pub enrolments: Arc<dyn EnrolmentStore>,
}

impl core::fmt::Debug for VerifierConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifierConfig")
            .field("signer", &self.signer)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The relying party's verifier. `Send + Sync`: share it across request handlers in an `Arc`.
#[derive(Debug)]
pub struct Verifier {
    cfg: VerifierConfig,
}

/// What the portal asks for (the verifier adds rp_id, nonce, times and the ephemeral key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeSpec {
    /// Shown on the consent screen.
    pub purpose: String,
    /// The claims and their levels.
    pub claims: Vec<ClaimRequest>,
    /// Assurance required.
    pub assurance: Assurance,
    /// Where the phone POSTs the envelope (`https://`).
    pub response_uri: String,
    /// Lifetime in seconds (1 to 900).
    pub lifetime_secs: u64,
}

/// A challenge the verifier issued and stored.
#[derive(Clone, Debug)]
pub struct IssuedChallenge {
    /// `MC1:` + base45, for the QR code.
    pub qr_text: String,
    /// The tagged COSE_Sign1 bytes.
    pub bytes: Vec<u8>,
    /// The 6-digit confirmation code the portal shows.
    pub confirmation_code: String,
    /// The nonce (the envelope's lookup key).
    pub nonce: Nonce,
    /// Expiry, Unix seconds.
    pub expires_at: u64,
}

/// Why a challenge could not be issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueFailure {
    /// The request or the credentials break a rule of the wire format.
    #[error("issue: {0}")]
    Issue(#[from] IssueError),
    /// The challenge store refused it.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The random source failed.
    #[error("random source failed")]
    Random,
}

/// The evidence a verified claim met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Read from a data group that passed passive authentication in this receipt.
    DataGroup {
        /// The data group.
        number: u8,
        /// The chip was proven genuine (AA over this challenge) in the same receipt.
        chip_genuine: bool,
    },
    /// Signed by the device key and equal to the accepted enrolment record's value.
    Enrolment {
        /// The enrolment's attestation verdict.
        attestation: AttestationVerdict,
    },
}

/// One verified claim.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedClaim {
    /// Which claim.
    pub claim: Claim,
    /// The level it was disclosed at.
    pub level: Level,
    /// Its value as the verifier derives it (ages recomputed for the verifier's date;
    /// [`ClaimValue::FromChip`] for the photo, whose bytes are [`VerifiedReceipt::photo`]).
    pub value: ClaimValue,
    /// The evidence met.
    pub evidence: Evidence,
}

impl core::fmt::Debug for VerifiedClaim {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifiedClaim")
            .field("claim", &self.claim)
            .field("level", &self.level)
            .field("value", &"<redacted>")
            .field("evidence", &self.evidence)
            .finish()
    }
}

/// The face-match evidence a receipt met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaceEvidence {
    /// The score, in thousandths (at least the policy's minimum).
    pub score_milli: u16,
    /// The liveness outcome.
    pub liveness: Liveness,
}

/// The overall assurance a receipt met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssuranceMet {
    /// The lowest disclosure level among the claims (chip-verifiable only when every claim is).
    pub level: Level,
    /// EF.SOD and the data groups sent passed passive authentication with the CSCA store.
    pub chip_read: bool,
    /// Active authentication over this challenge's derived challenge with a verified DG15.
    pub chip_genuine: bool,
    /// The face record (bound to the verified DG2 digest), when face match was requested.
    pub face: Option<FaceEvidence>,
    /// The enrolment's attestation verdict, when a claim is device-asserted.
    pub attestation: Option<AttestationVerdict>,
}

/// A receipt that passed every check.
#[derive(Clone)]
pub struct VerifiedReceipt {
    /// The challenge's nonce.
    pub nonce: Nonce,
    /// The claims, in the challenge's order.
    pub claims: Vec<VerifiedClaim>,
    /// The overall assurance.
    pub assurance: AssuranceMet,
    /// DG2 as read (when the photo was requested chip-verifiable).
    pub photo: Option<Zeroizing<Vec<u8>>>,
}

impl core::fmt::Debug for VerifiedReceipt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifiedReceipt")
            .field("claims", &self.claims)
            .field("assurance", &self.assurance)
            .field("photo", &self.photo.as_ref().map(|p| p.len()))
            .finish_non_exhaustive()
    }
}

impl VerifiedReceipt {
    /// The verified claim `claim`, if it was requested.
    pub fn claim(&self, claim: Claim) -> Option<&VerifiedClaim> {
        self.claims.iter().find(|c| c.claim == claim)
    }
}

fn map_receipt_error(e: ReceiptError) -> Rejection {
    match e {
        ReceiptError::TooLong => Rejection::TooLong,
        ReceiptError::Malformed(w) => Rejection::Malformed(w),
        ReceiptError::Unsupported(w) => Rejection::Unsupported(w),
        ReceiptError::BadKey => Rejection::Malformed("key is not a valid P-256 point"),
        ReceiptError::DecryptionFailed => Rejection::DecryptionFailed,
        ReceiptError::BadSignature => Rejection::BadSignature,
        _ => Rejection::Internal("receipt module"),
    }
}

fn timestamp(now: u64) -> Timestamp {
    Timestamp(i64::try_from(now).unwrap_or(i64::MAX))
}

fn casablanca(now: u64) -> Option<CivilDate> {
    tz::casablanca_date(i64::try_from(now).ok()?).ok()
}

/// `YYYY-MM-DD` to a date.
fn parse_iso(s: &str) -> Option<CivilDate> {
    let n = |r: core::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u16>().ok());
    if s.len() != 10 || s.get(4..5) != Some("-") || s.get(7..8) != Some("-") {
        return None;
    }
    CivilDate::new(
        n(0..4)?,
        u8::try_from(n(5..7)?).ok()?,
        u8::try_from(n(8..10)?).ok()?,
    )
}

/// A parsed document over EF.SOD and the given data groups (no chip evidence: the verifier
/// checks active authentication itself).
fn document_of(sod: &[u8], groups: &[(u8, &[u8])], access: u8) -> Document {
    let mut files = Vec::with_capacity(groups.len() + 1);
    for (n, bytes) in groups {
        if let Some(id) = FileId::from_dg_number(*n) {
            files.push(FileRecord {
                id,
                bytes: Zeroizing::new(bytes.to_vec()),
                completed_in_call: 1,
            });
        }
    }
    files.push(FileRecord {
        id: FileId::Sod,
        bytes: Zeroizing::new(sod.to_vec()),
        completed_in_call: 1,
    });
    let protocol = match access {
        1 => AccessProtocol::Bac,
        2 => AccessProtocol::Pace,
        _ => AccessProtocol::None,
    };
    Document::from_raw(RawDocument {
        files,
        absent: Vec::new(),
        link: LinkReport {
            protocol,
            cipher: None,
            extended_length: false,
            chunk: 0,
            sfi: None,
            pace: None,
            fallback: None,
        },
        chip: ChipEvidence::default(),
        stats: ReadStats::default(),
        applications: None,
    })
}

/// Passive authentication's outcome as a rejection reason: the first data group whose hash
/// failed, else the verdict.
fn pa_failure(report: &PaReport, groups: &[u8]) -> Option<(Option<u8>, &'static str)> {
    for n in groups {
        if report.outcome(CheckKind::DataGroupHash, Some(*n)) == Some(Outcome::Fail) {
            return Some((Some(*n), "data group hash"));
        }
    }
    match report.verdict() {
        Verdict::Valid => {}
        Verdict::Invalid => return Some((None, "EF.SOD does not verify")),
        Verdict::Incomplete => return Some((None, "incomplete (no trust anchor or validity)")),
    }
    groups
        .iter()
        .find(|n| !report.dg_verified(**n))
        .map(|n| (Some(*n), "data group not listed in EF.SOD"))
}

fn digest_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The requested levels, for a claim.
fn requested_level(ch: &Challenge, claim: Claim) -> Option<Level> {
    ch.claims.iter().find(|r| r.claim == claim).map(|r| r.level)
}

impl Verifier {
    /// A verifier with this configuration.
    pub fn new(cfg: VerifierConfig) -> Self {
        Verifier { cfg }
    }

    /// The relying party's id (the signing certificate's commonName).
    pub fn rp_id(&self) -> &str {
        self.cfg.signer.rp_id()
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.cfg.policy
    }

    /// Issues a challenge at `now` (Unix seconds): a fresh ephemeral P-256 key (its private
    /// scalar goes to the challenge store, zeroized on drop here), the signed challenge, its QR
    /// text and confirmation code. The pending challenge is stored under its nonce.
    pub fn issue_challenge(
        &self,
        spec: &ChallengeSpec,
        now: u64,
        rng: &mut dyn RandomSource,
    ) -> Result<IssuedChallenge, IssueFailure> {
        use p256::elliptic_curve::sec1::ToSec1Point;
        let secret = receipt::encrypt::ephemeral_scalar(rng).map_err(|_| IssueFailure::Random)?;
        let public = p256::SecretKey::from_slice(secret.as_slice())
            .map_err(|_| IssueFailure::Random)?
            .public_key();
        let rp_key: [u8; 33] = public
            .to_sec1_point(true)
            .as_bytes()
            .try_into()
            .map_err(|_| IssueFailure::Random)?;
        let request = ChallengeRequest {
            purpose: spec.purpose.clone(),
            claims: spec.claims.clone(),
            assurance: spec.assurance,
            response_uri: spec.response_uri.clone(),
            lifetime_secs: spec.lifetime_secs,
            rp_key,
        };
        let issued = challenge::issue(&self.cfg.signer, &request, self.cfg.form, now, rng)?;
        let nonce = issued.challenge.nonce;
        let expires_at = issued.challenge.expires_at;
        self.cfg.challenges.insert(
            nonce,
            PendingChallenge {
                challenge: issued.cose.clone(),
                rp_ephemeral_secret: Zeroizing::new(*secret),
                expires_at,
            },
        )?;
        Ok(IssuedChallenge {
            qr_text: issued.qr_text,
            bytes: issued.cose,
            confirmation_code: issued.confirmation_code,
            nonce,
            expires_at,
        })
    }

    /// Forgets pending challenges and used nonces that expired before `now` (minus the skew);
    /// returns (challenges, nonces) removed.
    pub fn purge_expired(&self, now: u64) -> Result<(usize, usize), StoreError> {
        let cutoff = now.saturating_sub(self.cfg.policy.clock_skew_secs);
        Ok((
            self.cfg.challenges.purge_expired(cutoff)?,
            self.cfg.nonces.purge_expired(cutoff)?,
        ))
    }

    /// Accepts a signed enrolment record at `now`: its device signature, passive authentication
    /// of its EF.SOD over DG1 (and DG11) with the CSCA store, its DG2 digest against EF.SOD, its
    /// claims against DG1/DG11, and the device-key attestation against the configured roots
    /// (the verdict is stored; the policy applies it at [`Verifier::verify`]).
    pub fn accept_enrolment(
        &self,
        record: &[u8],
        now: u64,
    ) -> Result<AcceptedEnrolment, EnrolmentRejection> {
        let v = enrolment::parse_and_verify(record).map_err(EnrolmentRejection::Record)?;
        let r = &v.record;
        let today = casablanca(now).ok_or(EnrolmentRejection::ClockOutOfRange)?;
        let groups: Vec<(u8, &[u8])> = r
            .data_groups
            .iter()
            .map(|(n, b)| (*n, b.as_slice()))
            .collect();
        if !groups.iter().any(|(n, _)| *n == 1) {
            return Err(EnrolmentRejection::PassiveAuthentication("DG1 missing"));
        }
        let mut doc = document_of(&r.sod, &groups, r.chip.access);
        let numbers: Vec<u8> = groups.iter().map(|(n, _)| *n).collect();
        let report = doc.verify(&self.cfg.csca, timestamp(now));
        if let Some((_, why)) = pa_failure(report, &numbers) {
            return Err(EnrolmentRejection::PassiveAuthentication(why));
        }
        let sod_dg2 =
            receipt::dg2_digest_of(&doc).map_err(|_| EnrolmentRejection::Dg2DigestMismatch)?;
        if sod_dg2.algorithm != r.dg2_digest.algorithm
            || !digest_eq(&sod_dg2.digest, &r.dg2_digest.digest)
        {
            return Err(EnrolmentRejection::Dg2DigestMismatch);
        }
        // Every claim the record vouches for must be what DG1/DG11 say.
        let derived = AssertedValues::from_document(&doc, today);
        let recorded = AssertedValues::from_enrolment(&r.claims);
        for claim in [
            Claim::Names,
            Claim::BirthDate,
            Claim::Nationality,
            Claim::DocumentNumber,
            Claim::DocumentExpiry,
            Claim::Address,
        ] {
            if let Some(value) = recorded.value(claim, today)
                && derived.value(claim, today).as_ref() != Some(&value)
            {
                return Err(EnrolmentRejection::ClaimMismatch(claim));
            }
        }
        if r.claims.birth_date.is_some() && recorded.birth_date.is_none() {
            return Err(EnrolmentRejection::ClaimMismatch(Claim::BirthDate));
        }
        let attestation = self.attestation_verdict(&r.attestation, r.device_key.as_bytes(), now);
        let accepted = AcceptedEnrolment {
            id: v.id,
            device_key: *r.device_key.as_bytes(),
            claims: r.claims.clone(),
            dg2_digest: r.dg2_digest.clone(),
            attestation,
            accepted_at: now,
        };
        self.cfg
            .enrolments
            .put(accepted.clone())
            .map_err(EnrolmentRejection::Store)?;
        Ok(accepted)
    }

    /// The attestation chain (leaf first) against the configured roots: each certificate
    /// signed by the next and valid at `now`, the last signed by a root (or being one), and
    /// the leaf's key the device key.
    fn attestation_verdict(
        &self,
        chain: &[Vec<u8>],
        device_key: &[u8; 65],
        now: u64,
    ) -> AttestationVerdict {
        if chain.is_empty() {
            return AttestationVerdict::Absent;
        }
        if self.cfg.attestation_roots.is_empty() {
            return AttestationVerdict::NotChecked;
        }
        let Ok(certs) = chain
            .iter()
            .map(|d| Certificate::from_der(d))
            .collect::<Result<Vec<_>, _>>()
        else {
            return AttestationVerdict::Failed;
        };
        let ts = timestamp(now);
        let Some(leaf) = certs.first() else {
            return AttestationVerdict::Failed;
        };
        if !leaf.spki().ends_with(device_key) {
            return AttestationVerdict::Failed;
        }
        for pair in certs.windows(2) {
            if let [c, issuer] = pair
                && (c.verify_signed_by_cert(issuer).is_err() || !c.is_valid_at(ts))
            {
                return AttestationVerdict::Failed;
            }
        }
        let Some(last) = certs.last() else {
            return AttestationVerdict::Failed;
        };
        let anchored = self.cfg.attestation_roots.iter().any(|root| {
            root.raw() == last.raw()
                || (last.is_valid_at(ts) && last.verify_signed_by_cert(root).is_ok())
        });
        if anchored {
            AttestationVerdict::Verified
        } else {
            AttestationVerdict::Failed
        }
    }

    /// Verifies an envelope at `now` (the verifier's clock, Unix seconds). See the module doc
    /// for the order of the checks and when the nonce is consumed.
    pub fn verify(&self, envelope: &[u8], now: u64) -> Result<VerifiedReceipt, Rejection> {
        let policy = &self.cfg.policy;
        if envelope.len() > policy.max_envelope_len {
            return Err(Rejection::TooLong);
        }
        let env = receipt::parse_envelope(envelope).map_err(map_receipt_error)?;
        let pending = self
            .cfg
            .challenges
            .get(&env.nonce)?
            .ok_or(Rejection::UnknownChallenge)?;
        // The stored challenge is the verifier's own (trusted): parse it once, and open the
        // envelope with monid-core's primitives in `open_envelope`'s order, using the RP key
        // the challenge carries instead of recomputing it from the private scalar (a base-point
        // multiplication per receipt saved; see benches/verify.rs).
        let sign1 = cose::parse_sign1(&pending.challenge, challenge::MAX_CHALLENGE_LEN)
            .map_err(|_| Rejection::Internal("stored challenge"))?;
        let ch = Challenge::from_cbor(sign1.payload.as_deref().unwrap_or_default())
            .map_err(|_| Rejection::Internal("stored challenge"))?;
        if !digest_eq(&ch.nonce, &env.nonce) {
            return Err(Rejection::ChallengeMismatch);
        }
        let digest: [u8; 32] = Sha256::digest(&pending.challenge).into();
        let signed = {
            use receipt::encrypt;
            let z = encrypt::ecdh(&pending.rp_ephemeral_secret, &env.device_ephemeral)
                .map_err(|_| Rejection::DecryptionFailed)?;
            let transcript = encrypt::transcript_bytes(&digest, &env.device_ephemeral, &ch.rp_key)
                .map_err(map_receipt_error)?;
            let sk =
                encrypt::session_key(&z, &transcript, b"SKDevice").map_err(map_receipt_error)?;
            encrypt::gcm_open(&sk, &encrypt::DEVICE_IV, &[], &env.ciphertext)
                .map_err(|_| Rejection::DecryptionFailed)?
        };
        let rcpt = receipt::parse_receipt(&signed).map_err(map_receipt_error)?;
        rcpt.verify_signature()
            .map_err(|_| Rejection::BadSignature)?;

        // Bound to this challenge, for this relying party.
        if !digest_eq(&digest, &rcpt.challenge_digest) || !digest_eq(&rcpt.nonce, &env.nonce) {
            return Err(Rejection::ChallengeMismatch);
        }
        if rcpt.rp_id != ch.rp_id || ch.rp_id != self.rp_id() {
            return Err(Rejection::WrongRelyingParty);
        }
        let skew = policy.clock_skew_secs;
        if now > ch.expires_at.saturating_add(skew) {
            return Err(Rejection::Expired);
        }
        if now.saturating_add(skew) < ch.issued_at {
            return Err(Rejection::NotYetValid);
        }

        // Exactly once, from here on whatever the outcome.
        if !self
            .cfg
            .nonces
            .consume(&env.nonce, ch.expires_at.saturating_add(skew))?
        {
            return Err(Rejection::Replayed);
        }
        self.check_content(&ch, &pending.challenge, &rcpt, now)
    }

    fn check_content(
        &self,
        ch: &Challenge,
        challenge_bytes: &[u8],
        rcpt: &Receipt,
        now: u64,
    ) -> Result<VerifiedReceipt, Rejection> {
        let policy = &self.cfg.policy;
        let today = casablanca(now).ok_or(Rejection::ClockOutOfRange)?;

        // Exactly the requested claims, at the requested levels.
        for entry in &rcpt.claims {
            match requested_level(ch, entry.claim) {
                None => return Err(Rejection::ClaimNotRequested(entry.claim)),
                Some(l) if l != entry.level => {
                    return Err(Rejection::ClaimLevelMismatch(entry.claim));
                }
                Some(_) => {}
            }
        }
        if let Some(missing) = ch
            .claims
            .iter()
            .find(|r| !rcpt.claims.iter().any(|e| e.claim == r.claim))
        {
            return Err(Rejection::ClaimMissing(missing.claim));
        }

        // The chip record: passive and active authentication with the verifier's trust.
        let chip_groups: Vec<u8> = {
            let mut g: Vec<u8> = ch
                .claims
                .iter()
                .filter(|r| r.level == Level::ChipVerifiable)
                .map(|r| r.claim.data_group())
                .collect();
            g.sort_unstable();
            g.dedup();
            g
        };
        let chip_needed = ch.assurance.0 & (Assurance::CHIP_READ.0 | Assurance::CHIP_GENUINE.0)
            != 0
            || !chip_groups.is_empty();
        if chip_needed && rcpt.chip.is_none() {
            return Err(Rejection::ChipMissing);
        }
        let mut doc = None;
        let mut chip_genuine = false;
        if let Some(chip) = &rcpt.chip {
            let sent: Vec<u8> = chip.data_groups.iter().map(|(n, _)| *n).collect();
            for n in &sent {
                let allowed = chip_groups.contains(n)
                    || (*n == 15 && chip.aa.is_some())
                    || (*n == 14 && chip.ca_done);
                if !allowed {
                    return Err(Rejection::DataGroupNotRequested(*n));
                }
            }
            if let Some(n) = chip_groups.iter().find(|n| !sent.contains(n)) {
                return Err(Rejection::DataGroupMissing(*n));
            }
            if chip.aa.is_some() && !sent.contains(&15) {
                return Err(Rejection::DataGroupMissing(15));
            }
            let groups: Vec<(u8, &[u8])> = chip
                .data_groups
                .iter()
                .map(|(n, b)| (*n, b.as_slice()))
                .collect();
            let mut d = document_of(&chip.sod, &groups, chip.access);
            let report = d.verify(&self.cfg.csca, timestamp(now));
            match pa_failure(report, &sent) {
                Some((Some(n), _)) => return Err(Rejection::DataGroupMismatch(n)),
                Some((None, why)) => return Err(Rejection::PassiveAuthentication(why)),
                None => {}
            }
            if let Some((aa_challenge, signature)) = &chip.aa {
                let expected = receipt::aa_challenge(challenge_bytes, &rcpt.device_key);
                if !digest_eq(aa_challenge, &expected) {
                    return Err(Rejection::AaChallengeMismatch);
                }
                let dg15 = d.dg15.as_ref().ok_or(Rejection::DataGroupMissing(15))?;
                aa::verify(&dg15.spki, &expected, signature, None)
                    .map_err(|_| Rejection::AaBadSignature)?;
                chip_genuine = true;
            }
            doc = Some(d);
        }
        let genuine_needed = ch.assurance.contains(Assurance::CHIP_GENUINE)
            || (policy.chip_genuine_required && rcpt.chip.is_some());
        if genuine_needed && !chip_genuine {
            return Err(Rejection::ChipNotGenuine);
        }

        // The enrolment record behind device-asserted claims.
        let any_asserted = rcpt.claims.iter().any(|c| c.level == Level::DeviceAsserted);
        let enrolled = if any_asserted {
            let id = rcpt.enrolment_id.ok_or(Rejection::EnrolmentUnknown)?;
            let e = self
                .cfg
                .enrolments
                .get(&id)?
                .ok_or(Rejection::EnrolmentUnknown)?;
            if !digest_eq(&e.device_key, &rcpt.device_key) {
                return Err(Rejection::EnrolmentDeviceMismatch);
            }
            if policy.attestation_required && e.attestation != AttestationVerdict::Verified {
                return Err(Rejection::AttestationRequired);
            }
            Some(e)
        } else {
            None
        };

        // Face match, bound to the verified DG2 digest.
        let face = if ch.assurance.contains(Assurance::FACE_MATCH) {
            let f = rcpt.face.as_ref().ok_or(Rejection::FaceMissing)?;
            let (alg, digest) = match (&doc, &enrolled) {
                (Some(d), _) => {
                    let g = receipt::dg2_digest_of(d).map_err(|_| Rejection::Dg2DigestMismatch)?;
                    (g.algorithm, g.digest)
                }
                (None, Some(e)) => (e.dg2_digest.algorithm.clone(), e.dg2_digest.digest.clone()),
                (None, None) => return Err(Rejection::Dg2DigestMismatch),
            };
            if alg != f.dg2_digest.algorithm || !digest_eq(&digest, &f.dg2_digest.digest) {
                return Err(Rejection::Dg2DigestMismatch);
            }
            if f.result.score_milli < policy.min_face_score_milli {
                return Err(Rejection::FaceScoreBelowPolicy);
            }
            if policy.liveness_required && f.result.liveness != Liveness::Passed {
                return Err(Rejection::LivenessRequired);
            }
            Some(FaceEvidence {
                score_milli: f.result.score_milli,
                liveness: f.result.liveness,
            })
        } else {
            None
        };

        // Claim values.
        let chip_values = doc
            .as_ref()
            .map(|d| AssertedValues::from_document(d, today));
        let enrolled_values = enrolled
            .as_ref()
            .map(|e| AssertedValues::from_enrolment(&e.claims));
        let skew = policy.clock_skew_secs;
        let earliest = casablanca(ch.issued_at.saturating_sub(skew))
            .map(tz::iso_date)
            .ok_or(Rejection::ClockOutOfRange)?;
        let latest = casablanca(now.saturating_add(skew))
            .map(tz::iso_date)
            .ok_or(Rejection::ClockOutOfRange)?;
        let mut claims = Vec::with_capacity(rcpt.claims.len());
        let mut photo = None;
        for entry in &rcpt.claims {
            let claim = entry.claim;
            let (value, evidence) = match entry.level {
                Level::ChipVerifiable => {
                    let evidence = Evidence::DataGroup {
                        number: claim.data_group(),
                        chip_genuine,
                    };
                    if claim == Claim::Photo {
                        let d = doc.as_ref().ok_or(Rejection::ChipMissing)?;
                        photo = d.raw.file(FileId::Dg2).map(|b| Zeroizing::new(b.to_vec()));
                        (ClaimValue::FromChip, evidence)
                    } else {
                        let v = chip_values
                            .as_ref()
                            .and_then(|v| v.value(claim, today))
                            .ok_or(Rejection::ClaimUnreadable(claim))?;
                        (v, evidence)
                    }
                }
                Level::DeviceAsserted => {
                    let values = enrolled_values
                        .as_ref()
                        .ok_or(Rejection::EnrolmentUnknown)?;
                    if let ClaimValue::AgeOver { as_of, .. } = &entry.value {
                        // Computed for a date the challenge was alive on (Casablanca).
                        if as_of.as_str() < earliest.as_str() || as_of.as_str() > latest.as_str() {
                            return Err(Rejection::ClaimDateMismatch(claim));
                        }
                        let as_of = parse_iso(as_of).ok_or(Rejection::ClaimDateMismatch(claim))?;
                        if values.value(claim, as_of).as_ref() != Some(&entry.value) {
                            return Err(Rejection::ClaimValueMismatch(claim));
                        }
                    } else if values.value(claim, today).as_ref() != Some(&entry.value) {
                        return Err(Rejection::ClaimValueMismatch(claim));
                    }
                    let v = values
                        .value(claim, today)
                        .ok_or(Rejection::ClaimValueMismatch(claim))?;
                    let attestation = enrolled
                        .as_ref()
                        .map_or(AttestationVerdict::Absent, |e| e.attestation);
                    (v, Evidence::Enrolment { attestation })
                }
            };
            claims.push(VerifiedClaim {
                claim,
                level: entry.level,
                value,
                evidence,
            });
        }
        let level = if any_asserted {
            Level::DeviceAsserted
        } else {
            Level::ChipVerifiable
        };
        Ok(VerifiedReceipt {
            nonce: rcpt.nonce,
            claims,
            assurance: AssuranceMet {
                level,
                chip_read: doc.is_some(),
                chip_genuine,
                face,
                attestation: enrolled.as_ref().map(|e| e.attestation),
            },
            photo,
        })
    }
}

/// `Verifier` is shared across request handlers: it must stay `Send + Sync`.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Verifier>();
};
