//! The face-bound receipt (phone -> relying party): build, sign, encrypt; open and parse.
//!
//! This module owns the receipt of `docs/wire-format.md`: it binds the platform's face-match
//! result ([`face`]) to the DG2 digest listed in EF.SOD, a digest of the live capture, the
//! challenge (its SHA-256 and nonce), the chip evidence (active authentication over
//! [`aa_challenge`]) and the device key; discloses exactly the requested claims at their levels
//! ([`claims`]); signs the payload as COSE_Sign1 with the platform's key store; and encrypts it
//! to the relying party's ephemeral key ([`encrypt`]). Building and signing can be two steps
//! ([`ReceiptBuilder::prepare`], then [`PreparedReceipt::seal`]) so that a caller never holds the
//! document while the key store waits for the user. The relying party's side is pure:
//! [`encrypt::open_envelope`] and [`parse_receipt`] (issue 6's verifier builds on them). It must
//! not verify challenges (that is `challenge`), hold keys (that is `keys`), read clocks or do
//! I/O: the caller passes the time, the randomness and the key store.
//!
//! Personal data in the payload (claim values, data groups) is held in zeroizing buffers where
//! this module owns the bytes; `Debug` prints lengths only.

pub mod claims;
pub mod encrypt;
pub mod face;

use ciborium::Value;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::cose::{self, CoseError};
use crate::document::Document;
use crate::keys::{DevicePublicKey, KeyStore, KeyStoreError};
use crate::lds::FileId;
use crate::rand::RandomSource;
use crate::transport::CancelToken;

pub use claims::{AssertedValues, Claim, ClaimValue, ConsentItem, Level, consent_items};
pub use encrypt::{Envelope, open_envelope, parse_envelope};
pub use face::{FaceMatchResult, Liveness, capture_digest};

/// Largest signed receipt accepted (256 KiB).
pub const MAX_RECEIPT: usize = 256 * 1024;
/// Longest `rp_id`.
pub const MAX_RP_ID: usize = 64;
/// Longest text value in a claim entry or face record.
pub const MAX_TEXT: usize = 512;
/// Assurance bit: the chip was read.
pub const ASSURANCE_CHIP_READ: u8 = 1;
/// Assurance bit: the chip proved it is genuine (AA or CA).
pub const ASSURANCE_CHIP_GENUINE: u8 = 2;
/// Assurance bit: face match.
pub const ASSURANCE_FACE_MATCH: u8 = 4;

/// Why a receipt could not be built, opened or parsed. Messages name the field or step, never
/// a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// Not well-formed, or a field has the wrong type or size.
    #[error("malformed receipt data: {0}")]
    Malformed(&'static str),
    /// A version, algorithm or critical field this implementation does not support.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// Larger than the object's cap.
    #[error("input longer than its cap")]
    TooLong,
    /// A key is not a valid P-256 key or scalar.
    #[error("key is not a valid P-256 key")]
    BadKey,
    /// The envelope does not decrypt (wrong key, other challenge, or tampered).
    #[error("envelope does not decrypt (wrong key, other challenge, or tampered)")]
    DecryptionFailed,
    /// The receipt's signature does not verify with its device key.
    #[error("receipt signature does not verify")]
    BadSignature,
    /// Something the challenge asks for was not given to the builder.
    #[error("missing input: {0}")]
    MissingInput(&'static str),
    /// A device-asserted claim's value is unknown (e.g. no date of birth).
    #[error("no value for the requested claim {0:?}")]
    ValueUnavailable(Claim),
    /// The card's active authentication was not run over this challenge's AA challenge (set
    /// `ReadOptions::aa_challenge` to [`aa_challenge`]).
    #[error("active authentication was run over another challenge")]
    AaChallengeMismatch,
    /// The key store refused to sign, or returned a signature that is not DER or does not
    /// verify with the device key ([`KeyStoreError::SignatureMismatch`]).
    #[error("key store: {0}")]
    KeyStore(KeyStoreError),
    /// A bug or a failing dependency.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl From<CoseError> for ReceiptError {
    fn from(e: CoseError) -> Self {
        match e {
            CoseError::TooLong { .. } => ReceiptError::TooLong,
            CoseError::Malformed(w) => ReceiptError::Malformed(w),
            CoseError::Unsupported(w) => ReceiptError::Unsupported(w),
            CoseError::BadKey => ReceiptError::BadKey,
            CoseError::BadSignature => ReceiptError::BadSignature,
        }
    }
}

/// What the receipt needs from a scanned (already verified) challenge.
#[derive(Clone, PartialEq, Eq)]
pub struct ChallengeInput<'a> {
    /// The challenge's COSE_Sign1 bytes exactly as scanned.
    pub bytes: &'a [u8],
    /// Its nonce.
    pub nonce: [u8; 16],
    /// Its `rp_id`.
    pub rp_id: &'a str,
    /// The requested claims and their levels, in the challenge's order.
    pub claims: Vec<(Claim, Level)>,
    /// Its assurance bitmask.
    pub assurance: u8,
    /// The relying party's ephemeral key, SEC1 compressed.
    pub rp_key: [u8; 33],
}

impl core::fmt::Debug for ChallengeInput<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChallengeInput")
            .field("bytes", &self.bytes.len())
            .field("claims", &self.claims)
            .field("assurance", &self.assurance)
            .finish_non_exhaustive()
    }
}

impl<'a> From<&'a crate::challenge::ScannedChallenge> for ChallengeInput<'a> {
    fn from(s: &'a crate::challenge::ScannedChallenge) -> Self {
        ChallengeInput {
            bytes: &s.cose,
            nonce: s.challenge.nonce,
            rp_id: &s.challenge.rp_id,
            claims: s
                .challenge
                .claims
                .iter()
                .map(|r| (r.claim, r.level))
                .collect(),
            assurance: s.challenge.assurance.0,
            rp_key: s.challenge.rp_key,
        }
    }
}

/// The consent screen's lines for a scanned challenge (see [`claims::consent_items`]); `now`
/// gives the Africa/Casablanca date of device-asserted age claims (`None` outside 2019..=2040).
pub fn consent_for(
    scanned: &crate::challenge::ScannedChallenge,
    document: Option<&Document>,
    asserted: Option<&AssertedValues>,
    now: u64,
) -> Option<Vec<ConsentItem>> {
    let as_of = crate::tz::casablanca_date(i64::try_from(now).ok()?).ok()?;
    let requested: Vec<(Claim, Level)> = scanned
        .challenge
        .claims
        .iter()
        .map(|r| (r.claim, r.level))
        .collect();
    Some(consent_items(&requested, document, asserted, as_of))
}

/// The 8-byte active-authentication challenge bound to a challenge and a device key:
/// `SHA-256("monid-aa-v1" || challenge COSE_Sign1 bytes || device_key 65 bytes)[0..8]`. Pass it
/// to the reader as `ReadOptions::aa_challenge`.
pub fn aa_challenge(challenge_bytes: &[u8], device_key: &[u8; 65]) -> [u8; 8] {
    let mut h = Sha256::new();
    h.update(b"monid-aa-v1");
    h.update(challenge_bytes);
    h.update(device_key);
    let d = h.finalize();
    let mut out = [0u8; 8];
    out.iter_mut().zip(d.iter()).for_each(|(o, i)| *o = *i);
    out
}

/// Prefix of an envelope carried in a QR code.
pub const ENVELOPE_QR_PREFIX: &str = "ME1:";
/// Prefix of a receipt handle carried in a QR code.
pub const HANDLE_QR_PREFIX: &str = "MR1:";

/// QR text of an envelope, for a portal scanner (device-asserted receipts only, see the wire
/// format): `"ME1:" + base45(envelope)`, all in the QR alphanumeric set.
pub fn envelope_qr_text(envelope: &[u8]) -> String {
    format!("{ENVELOPE_QR_PREFIX}{}", crate::base45::encode(envelope))
}

/// QR text of the handle shown after the phone POSTed the envelope: `"MR1:" + base45(nonce)`.
pub fn handle_qr_text(nonce: &[u8; 16]) -> String {
    format!("{HANDLE_QR_PREFIX}{}", crate::base45::encode(nonce))
}

pub use crate::enrolment::Dg2Digest;

/// DG2's hash as listed in the document's EF.SOD (the LDSSecurityObject the issuer signed).
pub fn dg2_digest_of(doc: &Document) -> Result<Dg2Digest, ReceiptError> {
    use crate::enrolment::Dg2DigestError as E;
    Dg2Digest::from_sod(doc).map_err(|e| match e {
        E::NoSod => ReceiptError::MissingInput("EF.SOD (for the DG2 digest)"),
        E::SignedData => ReceiptError::Malformed("EF.SOD SignedData"),
        E::SecurityObject => ReceiptError::Malformed("EF.SOD LDSSecurityObject"),
        E::Algorithm => ReceiptError::Unsupported("EF.SOD hash algorithm"),
        E::NoDg2Hash => ReceiptError::MissingInput("DG2 hash in EF.SOD"),
    })
}

/// Builds, signs and encrypts a receipt for one scanned challenge.
///
/// ```text
/// ReceiptBuilder::new(challenge, now_unix)
///     .document(&doc)                  // when the card was tapped (chip map, DG2 digest)
///     .face(result, &live_capture)     // when face match was requested
///     .enrolment(&values, enrolment_id) // when a claim is device-asserted
///     .seal(&keystore, "alias", &cancel, &mut rng)  // -> envelope bytes
/// ```
///
/// Rules: the chip map is sent when a document is given; it is required when the challenge
/// asks for chip read or chip genuine, or any claim is chip-verifiable. The face map is sent
/// exactly when face match is requested (a result given otherwise is not sent). Claims are
/// exactly the requested ones, in the challenge's order.
pub struct ReceiptBuilder<'a> {
    challenge: ChallengeInput<'a>,
    created_at: u64,
    document: Option<&'a Document>,
    face: Option<(FaceMatchResult, [u8; 32])>,
    dg2_digest: Option<Dg2Digest>,
    asserted: Option<(AssertedValues, [u8; 32])>,
}

impl core::fmt::Debug for ReceiptBuilder<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReceiptBuilder")
            .field("challenge", &self.challenge)
            .field("document", &self.document.is_some())
            .field("face", &self.face.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> ReceiptBuilder<'a> {
    /// A builder for `challenge`, created at `created_at` (Unix seconds, the device clock; also
    /// the instant whose Africa/Casablanca date age claims are computed for).
    pub fn new(challenge: ChallengeInput<'a>, created_at: u64) -> Self {
        ReceiptBuilder {
            challenge,
            created_at,
            document: None,
            face: None,
            dg2_digest: None,
            asserted: None,
        }
    }

    /// The document read for this challenge (its AA must have used [`aa_challenge`]).
    pub fn document(mut self, doc: &'a Document) -> Self {
        self.document = Some(doc);
        self
    }

    /// The platform's face-match result and the live capture (hashed here, never sent).
    pub fn face(mut self, result: FaceMatchResult, live_capture: &[u8]) -> Self {
        self.face = Some((result, capture_digest(live_capture)));
        self
    }

    /// The DG2 digest to bind the face result to when no document is given (from the
    /// enrolment record). A given document's EF.SOD takes precedence.
    pub fn dg2_digest(mut self, digest: Dg2Digest) -> Self {
        self.dg2_digest = Some(digest);
        self
    }

    /// The enrolled values device-asserted claims are derived from, and the enrolment id
    /// (SHA-256 of the signed enrolment record).
    pub fn enrolment(mut self, values: &AssertedValues, enrolment_id: [u8; 32]) -> Self {
        self.asserted = Some((values.clone(), enrolment_id));
        self
    }

    /// The verified enrolment record device-asserted claims rest on: its claims, its id, and
    /// its DG2 digest (used for a face match when no document is given).
    pub fn enrolled(mut self, enrolment: &crate::enrolment::VerifiedEnrolment) -> Self {
        self.asserted = Some((
            AssertedValues::from_enrolment(&enrolment.record.claims),
            enrolment.id,
        ));
        if self.dg2_digest.is_none() {
            self.dg2_digest = Some(enrolment.record.dg2_digest.clone());
        }
        self
    }

    /// The payload (deterministic CBOR) for `device_key` (65 bytes uncompressed).
    pub fn payload(&self, device_key: &[u8; 65]) -> Result<Zeroizing<Vec<u8>>, ReceiptError> {
        let ch = &self.challenge;
        let int = |v: u64| Value::Integer(v.into());
        let mut map: Vec<(Value, Value)> = vec![
            (int(1), int(1)),
            (int(2), Value::Bytes(Sha256::digest(ch.bytes).to_vec())),
            (int(3), Value::Bytes(ch.nonce.to_vec())),
            (int(4), Value::Text(ch.rp_id.to_owned())),
            (int(5), int(self.created_at)),
            (int(6), Value::Bytes(device_key.to_vec())),
        ];
        let chip_verifiable = ch.claims.iter().any(|(_, l)| *l == Level::ChipVerifiable);
        let chip_needed =
            ch.assurance & (ASSURANCE_CHIP_READ | ASSURANCE_CHIP_GENUINE) != 0 || chip_verifiable;
        if chip_needed && self.document.is_none() {
            return Err(ReceiptError::MissingInput(
                "document (the challenge needs a chip read)",
            ));
        }
        if ch.assurance & ASSURANCE_FACE_MATCH != 0 {
            map.push((int(7), self.face_value()?));
        }
        if let Some(doc) = self.document {
            map.push((int(8), self.chip_value(doc, device_key)?));
        }
        let as_of = i64::try_from(self.created_at)
            .ok()
            .and_then(|t| crate::tz::casablanca_date(t).ok());
        let mut claims = Vec::with_capacity(ch.claims.len());
        let mut any_asserted = false;
        for (claim, level) in &ch.claims {
            let value = match level {
                Level::ChipVerifiable => Value::Null,
                Level::DeviceAsserted => {
                    any_asserted = true;
                    let (values, _) = self.asserted.as_ref().ok_or(ReceiptError::MissingInput(
                        "enrolment (device-asserted claims)",
                    ))?;
                    let as_of = as_of.ok_or(ReceiptError::MissingInput(
                        "a creation time in 2019..=2040 (Africa/Casablanca table)",
                    ))?;
                    let v = values
                        .value(*claim, as_of)
                        .ok_or(ReceiptError::ValueUnavailable(*claim))?;
                    claim_value_to_cbor(&v)
                }
            };
            claims.push(Value::Array(vec![
                int(claim.code()),
                int(level.code()),
                value,
            ]));
        }
        map.push((int(9), Value::Array(claims)));
        if any_asserted {
            let (_, id) = self
                .asserted
                .as_ref()
                .ok_or(ReceiptError::MissingInput("enrolment id"))?;
            map.push((int(10), Value::Bytes(id.to_vec())));
        }
        let out = cose::to_canonical(&Value::Map(map))?;
        if out.len() > MAX_RECEIPT - 200 {
            return Err(ReceiptError::TooLong);
        }
        Ok(Zeroizing::new(out))
    }

    fn face_value(&self) -> Result<Value, ReceiptError> {
        let (result, capture) = self
            .face
            .as_ref()
            .ok_or(ReceiptError::MissingInput("face-match result"))?;
        result.validate().map_err(ReceiptError::Malformed)?;
        let dg2 = match self.document {
            Some(doc) => dg2_digest_of(doc)?,
            None => self.dg2_digest.clone().ok_or(ReceiptError::MissingInput(
                "DG2 digest (document or enrolment)",
            ))?,
        };
        let int = |v: u64| Value::Integer(v.into());
        Ok(Value::Map(vec![
            (int(1), Value::Text(result.engine_id.clone())),
            (int(2), Value::Text(result.engine_version.clone())),
            (int(3), int(u64::from(result.score_milli))),
            (int(4), int(u64::from(result.threshold_milli))),
            (int(5), Value::Bool(result.decision)),
            (int(6), int(result.liveness as u64)),
            (int(7), Value::Bytes(capture.to_vec())),
            (
                int(8),
                Value::Array(vec![Value::Text(dg2.algorithm), Value::Bytes(dg2.digest)]),
            ),
        ]))
    }

    fn chip_value(&self, doc: &Document, device_key: &[u8; 65]) -> Result<Value, ReceiptError> {
        let int = |v: u64| Value::Integer(v.into());
        let sod = doc
            .raw
            .file(FileId::Sod)
            .ok_or(ReceiptError::MissingInput("EF.SOD"))?;
        let chip = &doc.raw.chip;
        let aa = match &chip.active_authentication {
            Some(Ok(ev)) => {
                let expected = aa_challenge(self.challenge.bytes, device_key);
                if ev.challenge != expected {
                    return Err(ReceiptError::AaChallengeMismatch);
                }
                Some(Value::Array(vec![
                    Value::Bytes(ev.challenge.to_vec()),
                    Value::Bytes(ev.signature.clone()),
                ]))
            }
            _ => None,
        };
        let ca_done = matches!(chip.chip_authentication, Some(Ok(_)));
        let mut groups: Vec<u8> = self
            .challenge
            .claims
            .iter()
            .filter(|(_, l)| *l == Level::ChipVerifiable)
            .map(|(c, _)| c.data_group())
            .collect();
        if aa.is_some() {
            groups.push(15);
        }
        if ca_done {
            groups.push(14);
        }
        groups.sort_unstable();
        groups.dedup();
        let mut dgs = Vec::with_capacity(groups.len());
        for n in groups {
            let id =
                FileId::from_dg_number(n).ok_or(ReceiptError::Internal("data group number"))?;
            let bytes = doc.raw.file(id).ok_or(ReceiptError::MissingInput(
                "a data group the claims need was not read",
            ))?;
            dgs.push((int(u64::from(n)), Value::Bytes(bytes.to_vec())));
        }
        let access = crate::enrolment::access_code(doc.raw.link.protocol);
        let pa_verdict = crate::enrolment::pa_verdict_code(doc.pa.as_ref().map(|r| r.verdict()));
        let mut map = vec![
            (int(1), Value::Bytes(sod.to_vec())),
            (int(2), Value::Map(dgs)),
        ];
        if let Some(aa) = aa {
            map.push((int(3), aa));
        }
        map.push((int(4), Value::Bool(ca_done)));
        map.push((int(5), int(access.into())));
        map.push((int(6), int(pa_verdict.into())));
        Ok(Value::Map(map))
    }

    /// Everything that needs the document, done: the payload for `device_key` (the key store's
    /// public key under the alias that will sign) with what sealing needs from the challenge.
    /// The result borrows nothing, so a caller holding the document under a lock builds it,
    /// releases the lock, then calls [`PreparedReceipt::seal`] (the key store may prompt).
    pub fn prepare(&self, device_key: DevicePublicKey) -> Result<PreparedReceipt, ReceiptError> {
        let payload = self.payload(device_key.as_bytes())?;
        Ok(PreparedReceipt {
            payload,
            device_key,
            challenge: self.challenge.bytes.to_vec(),
            nonce: self.challenge.nonce,
            rp_key: self.challenge.rp_key,
        })
    }

    /// Signs the payload with the key under `alias` (COSE_Sign1, ES256, the key store's DER
    /// signature converted to raw r||s). Returns the signed receipt bytes.
    pub fn sign(
        &self,
        keys: &dyn KeyStore,
        alias: &str,
        cancel: &CancelToken,
    ) -> Result<Zeroizing<Vec<u8>>, ReceiptError> {
        let device_key = keys.public_key(alias).map_err(ReceiptError::KeyStore)?;
        self.prepare(device_key)?.sign(keys, alias, cancel)
    }

    /// Signs and encrypts: the envelope to POST to the challenge's `response_uri`. The device
    /// ephemeral key is drawn from `rng` and dropped (zeroized) before returning.
    pub fn seal(
        &self,
        keys: &dyn KeyStore,
        alias: &str,
        cancel: &CancelToken,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, ReceiptError> {
        let device_key = keys.public_key(alias).map_err(ReceiptError::KeyStore)?;
        self.prepare(device_key)?.seal(keys, alias, cancel, rng)
    }
}

/// A receipt built for one device key and not yet signed ([`ReceiptBuilder::prepare`]): the
/// payload (personal data, zeroized on drop) and the challenge's bytes, nonce and relying-party
/// key. It holds no reference to the document.
pub struct PreparedReceipt {
    payload: Zeroizing<Vec<u8>>,
    device_key: DevicePublicKey,
    challenge: Vec<u8>,
    nonce: [u8; 16],
    rp_key: [u8; 33],
}

impl core::fmt::Debug for PreparedReceipt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PreparedReceipt")
            .field("payload", &self.payload.len())
            .field("device_key", &self.device_key)
            .finish_non_exhaustive()
    }
}

impl PreparedReceipt {
    /// Signs the payload with the key under `alias` (COSE_Sign1, ES256, the key store's DER
    /// signature converted to raw r||s) and checks the signature with the device key the
    /// payload names, as any verifier will: a store that hashes wrongly or signs with another
    /// key fails with [`KeyStoreError::SignatureMismatch`] instead of yielding a receipt every
    /// relying party refuses. Returns the signed receipt bytes.
    pub fn sign(
        &self,
        keys: &dyn KeyStore,
        alias: &str,
        cancel: &CancelToken,
    ) -> Result<Zeroizing<Vec<u8>>, ReceiptError> {
        let signed = cose::sign1(&self.payload, coset::Header::default(), |tbs| {
            let der = keys
                .sign(alias, tbs, cancel)
                .map_err(ReceiptError::KeyStore)?;
            let raw = cose::ecdsa_der_to_raw(&der).map_err(|_| {
                ReceiptError::KeyStore(KeyStoreError::Corrupted("signature is not DER ECDSA"))
            })?;
            cose::verify_es256_raw(self.device_key.as_bytes(), tbs, &raw)
                .map_err(|_| ReceiptError::KeyStore(KeyStoreError::SignatureMismatch))?;
            Ok::<_, ReceiptError>(raw)
        })?;
        Ok(Zeroizing::new(signed))
    }

    /// Signs and encrypts: the envelope to POST to the challenge's `response_uri`. The device
    /// ephemeral key is drawn from `rng` and dropped (zeroized) before returning.
    pub fn seal(
        &self,
        keys: &dyn KeyStore,
        alias: &str,
        cancel: &CancelToken,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, ReceiptError> {
        let signed = self.sign(keys, alias, cancel)?;
        let e_d = encrypt::ephemeral_scalar(rng)?;
        encrypt::seal_with(&signed, &self.challenge, &self.nonce, &self.rp_key, &e_d)
    }
}

fn claim_value_to_cbor(v: &ClaimValue) -> Value {
    match v {
        ClaimValue::FromChip => Value::Null,
        ClaimValue::Names { primary, secondary } => Value::Array(vec![
            Value::Text(primary.to_string()),
            Value::Text(secondary.to_string()),
        ]),
        ClaimValue::Date(d) | ClaimValue::Text(d) => Value::Text(d.to_string()),
        ClaimValue::AgeOver { over, as_of } => {
            Value::Array(vec![Value::Bool(*over), Value::Text(as_of.clone())])
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing (the relying party's side)

/// One disclosed claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimEntry {
    /// Which claim.
    pub claim: Claim,
    /// At which level.
    pub level: Level,
    /// The value ([`ClaimValue::FromChip`] for chip-verifiable claims).
    pub value: ClaimValue,
}

/// The face record of a receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaceRecord {
    /// The matcher's result.
    pub result: FaceMatchResult,
    /// SHA-256 of the live capture.
    pub capture_digest: [u8; 32],
    /// DG2's digest as listed in EF.SOD.
    pub dg2_digest: Dg2Digest,
}

/// The chip record of a receipt.
#[derive(Clone, PartialEq, Eq)]
pub struct ChipRecord {
    /// EF.SOD as read.
    pub sod: Vec<u8>,
    /// (data-group number, bytes as read), in ascending order.
    pub data_groups: Vec<(u8, Zeroizing<Vec<u8>>)>,
    /// Active authentication: (challenge, signature).
    pub aa: Option<([u8; 8], Vec<u8>)>,
    /// Chip authentication succeeded.
    pub ca_done: bool,
    /// Access control: 0 none, 1 BAC, 2 PACE.
    pub access: u8,
    /// The phone's passive-authentication verdict: 0 not run, 1 valid, 2 invalid, 3
    /// incomplete (advisory).
    pub pa_verdict: u8,
}

impl core::fmt::Debug for ChipRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let dgs: Vec<(u8, usize)> = self
            .data_groups
            .iter()
            .map(|(n, b)| (*n, b.len()))
            .collect();
        f.debug_struct("ChipRecord")
            .field("sod_len", &self.sod.len())
            .field("data_groups", &dgs)
            .field("aa", &self.aa.is_some())
            .field("ca_done", &self.ca_done)
            .field("access", &self.access)
            .field("pa_verdict", &self.pa_verdict)
            .finish()
    }
}

/// A parsed receipt. Its signature is checked by [`Receipt::verify_signature`] (against the
/// device key it carries: whether that key is the enrolled one is the verifier's question).
#[derive(Clone)]
pub struct Receipt {
    /// SHA-256 of the challenge's COSE_Sign1 bytes.
    pub challenge_digest: [u8; 32],
    /// The challenge's nonce.
    pub nonce: [u8; 16],
    /// The relying party's id.
    pub rp_id: String,
    /// Device clock at creation (advisory).
    pub created_at: u64,
    /// The device key, SEC1 uncompressed.
    pub device_key: [u8; 65],
    /// Face record, when face match was requested.
    pub face: Option<FaceRecord>,
    /// Chip record, when the card was tapped.
    pub chip: Option<ChipRecord>,
    /// The disclosed claims, in the challenge's order.
    pub claims: Vec<ClaimEntry>,
    /// The enrolment record's id (required when a claim is device-asserted).
    pub enrolment_id: Option<[u8; 32]>,
    sign1: coset::CoseSign1,
}

impl core::fmt::Debug for Receipt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Receipt")
            .field("claims", &self.claims)
            .field("face", &self.face.is_some())
            .field("chip", &self.chip)
            .finish_non_exhaustive()
    }
}

impl Receipt {
    /// Verifies the COSE_Sign1 signature with the receipt's own device key.
    pub fn verify_signature(&self) -> Result<(), ReceiptError> {
        cose::verify_es256(&self.sign1, &self.device_key).map_err(|e| match e {
            CoseError::BadKey => ReceiptError::BadKey,
            _ => ReceiptError::BadSignature,
        })
    }
}

/// A map key: a non-negative integer.
pub(crate) fn map_key(k: &Value, what: &'static str) -> Result<u64, ReceiptError> {
    match k {
        Value::Integer(i) => u64::try_from(*i).map_err(|_| ReceiptError::Malformed(what)),
        _ => Err(ReceiptError::Malformed(what)),
    }
}

fn as_uint(v: &Value, what: &'static str) -> Result<u64, ReceiptError> {
    match v {
        Value::Integer(i) => u64::try_from(*i).map_err(|_| ReceiptError::Malformed(what)),
        _ => Err(ReceiptError::Malformed(what)),
    }
}

fn as_bytes_n<const N: usize>(v: &Value, what: &'static str) -> Result<[u8; N], ReceiptError> {
    match v {
        Value::Bytes(b) => b
            .as_slice()
            .try_into()
            .map_err(|_| ReceiptError::Malformed(what)),
        _ => Err(ReceiptError::Malformed(what)),
    }
}

fn as_text(v: &Value, max: usize, what: &'static str) -> Result<String, ReceiptError> {
    match v {
        Value::Text(t) if t.len() <= max => Ok(t.clone()),
        _ => Err(ReceiptError::Malformed(what)),
    }
}

fn as_bool(v: &Value, what: &'static str) -> Result<bool, ReceiptError> {
    match v {
        Value::Bool(b) => Ok(*b),
        _ => Err(ReceiptError::Malformed(what)),
    }
}

fn as_array<'v>(v: &'v Value, what: &'static str) -> Result<&'v [Value], ReceiptError> {
    match v {
        Value::Array(a) => Ok(a),
        _ => Err(ReceiptError::Malformed(what)),
    }
}

/// Entries of an integer-keyed map with keys in `known`; keys >= 100 are dropped; any other key
/// is [`ReceiptError::Unsupported`]. (Duplicates are rejected by the bounded decoder.)
fn int_map<'v>(
    v: &'v Value,
    known: core::ops::RangeInclusive<u64>,
    what: &'static str,
) -> Result<Vec<(u64, &'v Value)>, ReceiptError> {
    let Value::Map(entries) = v else {
        return Err(ReceiptError::Malformed(what));
    };
    let mut out = Vec::with_capacity(entries.len());
    for (k, val) in entries {
        let key = map_key(k, what)?;
        if known.contains(&key) {
            out.push((key, val));
        } else if key < 100 {
            return Err(ReceiptError::Unsupported("unknown critical key"));
        }
    }
    Ok(out)
}

fn field<'v>(m: &[(u64, &'v Value)], key: u64) -> Option<&'v Value> {
    m.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn required<'v>(
    m: &[(u64, &'v Value)],
    key: u64,
    what: &'static str,
) -> Result<&'v Value, ReceiptError> {
    field(m, key).ok_or(ReceiptError::Malformed(what))
}

/// Parses a signed receipt (COSE_Sign1, at most [`MAX_RECEIPT`] bytes) without verifying its
/// signature: every field's type and size, exactly one entry per claim, values matching their
/// levels, the enrolment id when a claim is device-asserted.
pub fn parse_receipt(bytes: &[u8]) -> Result<Receipt, ReceiptError> {
    let sign1 = cose::parse_sign1(bytes, MAX_RECEIPT)?;
    let payload = sign1
        .payload
        .as_deref()
        .ok_or(ReceiptError::Malformed("receipt payload"))?;
    let value = cose::from_slice(payload, MAX_RECEIPT)?;
    let m = int_map(&value, 1..=10, "receipt map")?;
    if as_uint(required(&m, 1, "version")?, "version")? != 1 {
        return Err(ReceiptError::Unsupported("receipt version"));
    }
    let challenge_digest =
        as_bytes_n::<32>(required(&m, 2, "challenge_digest")?, "challenge_digest")?;
    let nonce = as_bytes_n::<16>(required(&m, 3, "nonce")?, "nonce")?;
    let rp_id = as_text(required(&m, 4, "rp_id")?, MAX_RP_ID, "rp_id")?;
    let created_at = as_uint(required(&m, 5, "created_at")?, "created_at")?;
    let device_key = as_bytes_n::<65>(required(&m, 6, "device_key")?, "device_key")?;
    if device_key[0] != 0x04 || p256::PublicKey::from_sec1_bytes(&device_key).is_err() {
        return Err(ReceiptError::BadKey);
    }
    let face = field(&m, 7).map(parse_face).transpose()?;
    let chip = field(&m, 8).map(parse_chip).transpose()?;
    let claims = parse_claims(required(&m, 9, "claims")?)?;
    let enrolment_id = field(&m, 10)
        .map(|v| as_bytes_n::<32>(v, "enrolment_id"))
        .transpose()?;
    if claims.iter().any(|c| c.level == Level::DeviceAsserted) && enrolment_id.is_none() {
        return Err(ReceiptError::Malformed(
            "enrolment_id missing for device-asserted claims",
        ));
    }
    Ok(Receipt {
        challenge_digest,
        nonce,
        rp_id,
        created_at,
        device_key,
        face,
        chip,
        claims,
        enrolment_id,
        sign1,
    })
}

fn parse_face(v: &Value) -> Result<FaceRecord, ReceiptError> {
    let m = int_map(v, 1..=8, "face map")?;
    let score = |k, w| -> Result<u16, ReceiptError> {
        let s = as_uint(required(&m, k, w)?, w)?;
        u16::try_from(s)
            .ok()
            .filter(|s| *s <= 1000)
            .ok_or(ReceiptError::Malformed(w))
    };
    let result = FaceMatchResult {
        engine_id: as_text(
            required(&m, 1, "engine_id")?,
            face::MAX_ENGINE_TEXT,
            "engine_id",
        )?,
        engine_version: as_text(
            required(&m, 2, "engine_version")?,
            face::MAX_ENGINE_TEXT,
            "engine_version",
        )?,
        score_milli: score(3, "score_milli")?,
        threshold_milli: score(4, "threshold_milli")?,
        decision: as_bool(required(&m, 5, "decision")?, "decision")?,
        liveness: Liveness::from_u64(as_uint(required(&m, 6, "liveness")?, "liveness")?)
            .ok_or(ReceiptError::Malformed("liveness"))?,
    };
    let capture_digest = as_bytes_n::<32>(required(&m, 7, "capture_digest")?, "capture_digest")?;
    let dg2 = as_array(required(&m, 8, "dg2_digest")?, "dg2_digest")?;
    let (alg, digest) = match dg2 {
        [Value::Text(a), Value::Bytes(d)] => (a, d),
        _ => return Err(ReceiptError::Malformed("dg2_digest")),
    };
    if !Dg2Digest::is_well_formed(alg, digest) {
        return Err(ReceiptError::Malformed("dg2_digest algorithm or length"));
    }
    Ok(FaceRecord {
        result,
        capture_digest,
        dg2_digest: Dg2Digest {
            algorithm: alg.clone(),
            digest: digest.clone(),
        },
    })
}

fn parse_chip(v: &Value) -> Result<ChipRecord, ReceiptError> {
    let m = int_map(v, 1..=6, "chip map")?;
    let sod = match required(&m, 1, "sod")? {
        Value::Bytes(b) if !b.is_empty() => b.clone(),
        _ => return Err(ReceiptError::Malformed("sod")),
    };
    let Value::Map(dg_entries) = required(&m, 2, "data_groups")? else {
        return Err(ReceiptError::Malformed("data_groups"));
    };
    let mut data_groups: Vec<(u8, Zeroizing<Vec<u8>>)> = Vec::with_capacity(dg_entries.len());
    for (k, val) in dg_entries {
        let n = u8::try_from(map_key(k, "data group number")?)
            .ok()
            .filter(|n| (1..=16).contains(n))
            .ok_or(ReceiptError::Malformed("data group number"))?;
        let Value::Bytes(b) = val else {
            return Err(ReceiptError::Malformed("data group bytes"));
        };
        data_groups.push((n, Zeroizing::new(b.clone())));
    }
    data_groups.sort_by_key(|(n, _)| *n);
    let aa = match field(&m, 3) {
        None => None,
        Some(v) => match as_array(v, "aa")? {
            [Value::Bytes(c), Value::Bytes(s)] if !s.is_empty() => Some((
                c.as_slice()
                    .try_into()
                    .map_err(|_| ReceiptError::Malformed("aa challenge"))?,
                s.clone(),
            )),
            _ => return Err(ReceiptError::Malformed("aa")),
        },
    };
    let small = |k, w, max: u8| -> Result<u8, ReceiptError> {
        u8::try_from(as_uint(required(&m, k, w)?, w)?)
            .ok()
            .filter(|v| *v <= max)
            .ok_or(ReceiptError::Malformed(w))
    };
    Ok(ChipRecord {
        sod,
        data_groups,
        aa,
        ca_done: as_bool(required(&m, 4, "ca_done")?, "ca_done")?,
        access: small(5, "access", 2)?,
        pa_verdict: small(6, "pa_verdict", 3)?,
    })
}

fn parse_claims(v: &Value) -> Result<Vec<ClaimEntry>, ReceiptError> {
    let items = as_array(v, "claims")?;
    if items.is_empty() || items.len() > 9 {
        return Err(ReceiptError::Malformed("claims count"));
    }
    let mut out: Vec<ClaimEntry> = Vec::with_capacity(items.len());
    for item in items {
        let [c, l, val] = as_array(item, "claim entry")? else {
            return Err(ReceiptError::Malformed("claim entry"));
        };
        let claim =
            Claim::from_code(as_uint(c, "claim")?).ok_or(ReceiptError::Malformed("claim"))?;
        let level =
            Level::from_code(as_uint(l, "level")?).ok_or(ReceiptError::Malformed("level"))?;
        if out.iter().any(|e| e.claim == claim) {
            return Err(ReceiptError::Malformed("claim disclosed twice"));
        }
        let value = match level {
            Level::ChipVerifiable => match val {
                Value::Null => ClaimValue::FromChip,
                _ => {
                    return Err(ReceiptError::Malformed(
                        "chip-verifiable claim with a value",
                    ));
                }
            },
            Level::DeviceAsserted => parse_value(claim, val)?,
        };
        out.push(ClaimEntry {
            claim,
            level,
            value,
        });
    }
    Ok(out)
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

fn date_text(v: &Value, what: &'static str) -> Result<String, ReceiptError> {
    let s = as_text(v, 10, what)?;
    if is_iso_date(&s) {
        Ok(s)
    } else {
        Err(ReceiptError::Malformed(what))
    }
}

fn parse_value(claim: Claim, v: &Value) -> Result<ClaimValue, ReceiptError> {
    let z = |s: String| Zeroizing::new(s);
    Ok(match claim {
        Claim::Names => match as_array(v, "names value")? {
            [p, s] => ClaimValue::Names {
                primary: z(as_text(p, MAX_TEXT, "names value")?),
                secondary: z(as_text(s, MAX_TEXT, "names value")?),
            },
            _ => return Err(ReceiptError::Malformed("names value")),
        },
        Claim::BirthDate | Claim::DocumentExpiry => {
            ClaimValue::Date(z(date_text(v, "date value")?))
        }
        Claim::AgeOver18 | Claim::AgeOver21 => match as_array(v, "age value")? {
            [o, d] => ClaimValue::AgeOver {
                over: as_bool(o, "age value")?,
                as_of: date_text(d, "age as_of")?,
            },
            _ => return Err(ReceiptError::Malformed("age value")),
        },
        Claim::Nationality => {
            let t = as_text(v, 3, "nationality value")?;
            if t.len() != 3 {
                return Err(ReceiptError::Malformed("nationality value"));
            }
            ClaimValue::Text(z(t))
        }
        Claim::DocumentNumber | Claim::Address => {
            ClaimValue::Text(z(as_text(v, MAX_TEXT, "text value")?))
        }
        Claim::Photo => return Err(ReceiptError::Malformed("photo is chip-verifiable only")),
    })
}

#[cfg(test)]
mod tests;
