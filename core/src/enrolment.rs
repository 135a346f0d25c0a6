//! The enrolment record: what was verified when the citizen enrolled this device with this
//! document, signed by the device key and sealed at rest.
//!
//! This module owns the record of `docs/wire-format.md` ("Enrolment record"): building it from a
//! read [`Document`] (claims from DG1/DG11, DG2's digest as listed in EF.SOD, EF.SOD, DG1/DG11
//! bytes, the passive-authentication verdict and a summary, chip evidence, the device public key
//! and its attestation), encoding it as deterministic CBOR, signing it as a COSE_Sign1 through a
//! `&dyn` [`KeyStore`] and an alias, parsing and verifying it (bounded, strict), and sealing it
//! with [`crate::keys::seal::ENROLMENT`]. It never holds a private key, reads no clock (the
//! caller gives `created_at` and today's date) and touches no file.
//!
//! Claims use the same rules as a receipt's device-asserted values: names, nationality and
//! document number from the MRZ (ICAO `<` fillers turned into single spaces, trimmed); dates of
//! birth and expiry from the MRZ with two-digit years resolved by [`crate::mrz::MrzDate::resolve_birth`] and
//! [`crate::mrz::MrzDate::resolve_expiry`] against the caller's `today`, the full date of birth of DG11
//! winning when complete; the address from DG11. A date of birth with unknown parts is left out.
//!
//! Personal data (claims, DG1/DG11, the signed bytes) is zeroized on drop and redacted in
//! `Debug`; errors name the field, never its value.

use ciborium::value::Value;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::cose::{self, CoseError};
use crate::document::{ChipGenuine, Document};
use crate::keys::seal::{self, ENROLMENT};
use crate::keys::{DevicePublicKey, KeyStore, KeyStoreError};
use crate::lds::FileId;
use crate::mrz::CivilDate;
use crate::pki::alg::DigestAlgorithm;
use crate::pki::pa::Verdict;
use crate::rand::RandomSource;
use crate::reader::AccessProtocol;
use crate::receipt::AssertedValues;
use crate::transport::CancelToken;

/// The record version this module writes and reads.
pub const VERSION: u64 = 1;
/// Largest signed record accepted (64 KiB).
pub const MAX_LEN: usize = 64 << 10;
/// Most attestation certificates accepted.
pub const MAX_ATTESTATION: usize = 10;
/// Longest text value accepted (address, names, summary).
pub const MAX_TEXT: usize = 1024;

/// Domain separation for the attestation challenge (see [`attestation_challenge`]).
const ATTEST_DOMAIN: &[u8] = b"monid-enrolment-attest-v1";

/// Why an enrolment record could not be built, signed, opened or verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrolmentError {
    /// The document lacks something the record needs (DG1, EF.SOD, DG2's hash in EF.SOD).
    #[error("missing input: {0}")]
    MissingInput(&'static str),
    /// The device key was invalidated (biometric change): the citizen must enrol again.
    #[error("device key invalidated; enrol again")]
    KeyInvalidated,
    /// Any other key-store failure (not found, cancelled by the user or the token, ...).
    #[error("key store: {0}")]
    KeyStore(KeyStoreError),
    /// The key store's public key under the alias is not the record's device key.
    #[error("the record's device key is not the key under this alias")]
    WrongKey,
    /// The key store returned a signature that is not a strict P-256 DER signature.
    #[error("key store returned a malformed signature")]
    BadPlatformSignature,
    /// The record is not well-formed (names the field).
    #[error("malformed enrolment record: {0}")]
    Malformed(&'static str),
    /// Well-formed but not supported (version, unknown critical field, algorithm).
    #[error("unsupported enrolment record: {0}")]
    Unsupported(&'static str),
    /// Longer than [`MAX_LEN`].
    #[error("enrolment record longer than its cap")]
    TooLong,
    /// The device key's signature does not verify.
    #[error("enrolment record signature does not verify")]
    BadSignature,
    /// The sealed record does not open (wrong key, tampered: `SealBroken`; bad magic or
    /// length: `Corrupted`).
    #[error("sealed enrolment record: {0}")]
    Seal(KeyStoreError),
}

impl From<KeyStoreError> for EnrolmentError {
    fn from(e: KeyStoreError) -> Self {
        match e {
            KeyStoreError::KeyInvalidated => EnrolmentError::KeyInvalidated,
            e => EnrolmentError::KeyStore(e),
        }
    }
}

impl From<CoseError> for EnrolmentError {
    fn from(e: CoseError) -> Self {
        match e {
            CoseError::TooLong { .. } => EnrolmentError::TooLong,
            CoseError::Malformed(m) => EnrolmentError::Malformed(m),
            CoseError::Unsupported(m) => EnrolmentError::Unsupported(m),
            CoseError::BadKey => EnrolmentError::Malformed("device key"),
            CoseError::BadSignature => EnrolmentError::BadSignature,
        }
    }
}

/// Holder names: primary and secondary identifiers.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Names {
    /// Primary identifier (surname).
    pub primary: String,
    /// Secondary identifier (given names).
    pub secondary: String,
}

/// The claims the record vouches for (wire keys in brackets). Zeroized on drop, redacted.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct EnrolmentClaims {
    /// Names (1).
    pub names: Option<Names>,
    /// Date of birth, `YYYY-MM-DD` (2).
    pub birth_date: Option<String>,
    /// Nationality, 3 letters (5).
    pub nationality: Option<String>,
    /// Document number (6).
    pub document_number: Option<String>,
    /// Date of expiry, `YYYY-MM-DD` (7).
    pub document_expiry: Option<String>,
    /// Address (8).
    pub address: Option<String>,
}

impl core::fmt::Debug for EnrolmentClaims {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let present = |b: bool| if b { "<redacted>" } else { "-" };
        f.debug_struct("EnrolmentClaims")
            .field("names", &present(self.names.is_some()))
            .field("birth_date", &present(self.birth_date.is_some()))
            .field("nationality", &present(self.nationality.is_some()))
            .field("document_number", &present(self.document_number.is_some()))
            .field("document_expiry", &present(self.document_expiry.is_some()))
            .field("address", &present(self.address.is_some()))
            .finish()
    }
}

/// DG2's hash as listed in EF.SOD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dg2Digest {
    /// "sha1", "sha224", "sha256", "sha384" or "sha512".
    pub algorithm: String,
    /// The hash value.
    pub digest: Vec<u8>,
}

/// Active authentication as done during the enrolment read.
#[derive(Clone, PartialEq, Eq)]
pub struct AaRecord {
    /// The 8-byte challenge.
    pub challenge: [u8; 8],
    /// The chip's signature.
    pub signature: Vec<u8>,
}

impl core::fmt::Debug for AaRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AaRecord(signature {} bytes)", self.signature.len())
    }
}

/// Chip evidence of the enrolment read (the receipt's chip keys 3 to 6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipRecord {
    /// Active authentication (3), when done and successful.
    pub aa: Option<AaRecord>,
    /// Chip authentication succeeded (4).
    pub ca_done: bool,
    /// Access control (5): 0 none, 1 BAC, 2 PACE.
    pub access: u8,
    /// Passive authentication as the phone saw it (6): 0 not run, 1 valid, 2 invalid,
    /// 3 incomplete.
    pub pa_verdict: u8,
}

/// The record's content (the COSE_Sign1 payload).
#[derive(Clone, PartialEq, Eq)]
pub struct EnrolmentRecord {
    /// Record version (1).
    pub version: u64,
    /// Creation time, Unix seconds, device clock (2).
    pub created_at: u64,
    /// The device public key (3).
    pub device_key: DevicePublicKey,
    /// The platform's attestation chain for the device key, leaf first; may be empty (4).
    pub attestation: Vec<Vec<u8>>,
    /// Claims (5).
    pub claims: EnrolmentClaims,
    /// EF.SOD as read (6).
    pub sod: Vec<u8>,
    /// DG1 and, when read, DG11, as read (7), in ascending order.
    pub data_groups: Vec<(u8, Zeroizing<Vec<u8>>)>,
    /// DG2's hash as listed in EF.SOD (8).
    pub dg2_digest: Dg2Digest,
    /// Chip evidence (9).
    pub chip: ChipRecord,
    /// Passive authentication in words, no personal data (10).
    pub pa_summary: String,
}

impl core::fmt::Debug for EnrolmentRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let dgs: Vec<(u8, usize)> = self
            .data_groups
            .iter()
            .map(|(n, b)| (*n, b.len()))
            .collect();
        f.debug_struct("EnrolmentRecord")
            .field("version", &self.version)
            .field("created_at", &self.created_at)
            .field("device_key", &self.device_key)
            .field("attestation", &self.attestation.len())
            .field("claims", &self.claims)
            .field("sod_bytes", &self.sod.len())
            .field("data_groups(number, bytes)", &dgs)
            .field("dg2_digest", &self.dg2_digest.algorithm)
            .field("chip", &self.chip)
            .field("pa_summary", &self.pa_summary)
            .finish()
    }
}

/// A signed record: the COSE_Sign1 bytes (zeroized on drop).
#[derive(Clone, PartialEq, Eq)]
pub struct SignedEnrolment {
    bytes: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for SignedEnrolment {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SignedEnrolment({} bytes)", self.bytes.len())
    }
}

impl SignedEnrolment {
    /// The COSE_Sign1 bytes, as sent to a relying party.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// SHA-256 of the signed bytes: what a receipt's `enrolment_id` names.
    pub fn enrolment_id(&self) -> [u8; 32] {
        enrolment_id(&self.bytes)
    }
}

/// A record whose device-key signature verified.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedEnrolment {
    /// The content.
    pub record: EnrolmentRecord,
    /// SHA-256 of the signed bytes.
    pub id: [u8; 32],
    /// The signed bytes.
    pub signed: SignedEnrolment,
}

impl core::fmt::Debug for VerifiedEnrolment {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifiedEnrolment")
            .field("record", &self.record)
            .field("signed", &self.signed)
            .finish()
    }
}

/// SHA-256 of the signed record bytes.
pub fn enrolment_id(signed: &[u8]) -> [u8; 32] {
    Sha256::digest(signed).into()
}

/// The challenge given to [`KeyStore::attestation`] at enrolment:
/// `SHA-256("monid-enrolment-attest-v1" || EF.SOD bytes)`, binding the attestation to the
/// document enrolled.
pub fn attestation_challenge(sod: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(ATTEST_DOMAIN);
    h.update(sod);
    h.finalize().into()
}

// ---------------------------------------------------------------------------------------------
// Building

/// `YYYY-MM-DD` with a date that exists.
fn valid_iso_date(s: &str) -> bool {
    crate::receipt::claims::parse_iso_date(s).is_some()
}

/// The wire name of a digest ("sha256"), as `dg2_digest` carries it.
fn wire_name(alg: DigestAlgorithm) -> &'static str {
    match alg {
        DigestAlgorithm::Sha1 => "sha1",
        DigestAlgorithm::Sha224 => "sha224",
        DigestAlgorithm::Sha256 => "sha256",
        DigestAlgorithm::Sha384 => "sha384",
        DigestAlgorithm::Sha512 => "sha512",
    }
}

/// The length of a digest named on the wire, `None` for an unknown name.
fn hash_len(name: &str) -> Option<usize> {
    [
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha224,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ]
    .into_iter()
    .find(|a| wire_name(*a) == name)
    .map(DigestAlgorithm::output_len)
}

/// Why DG2's digest could not be taken from EF.SOD (each caller maps it to its own error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dg2DigestError {
    /// No parsed EF.SOD.
    NoSod,
    /// EF.SOD's SignedData does not parse.
    SignedData,
    /// EF.SOD's LDSSecurityObject does not parse.
    SecurityObject,
    /// EF.SOD's hash algorithm is not one we name.
    Algorithm,
    /// EF.SOD lists no hash for DG2.
    NoDg2Hash,
}

impl Dg2Digest {
    /// DG2's hash as listed in the document's EF.SOD.
    pub(crate) fn from_sod(doc: &Document) -> Result<Dg2Digest, Dg2DigestError> {
        let sod = doc.sod.as_ref().ok_or(Dg2DigestError::NoSod)?;
        let sd =
            crate::pki::cms::parse_signed_data(&sod.cms).map_err(|_| Dg2DigestError::SignedData)?;
        let so = crate::pki::ldsso::parse_lds_security_object(&sd.econtent)
            .map_err(|_| Dg2DigestError::SecurityObject)?;
        let alg =
            DigestAlgorithm::from_oid(&so.hash_algorithm_oid).ok_or(Dg2DigestError::Algorithm)?;
        let digest = so.hash_of(2).ok_or(Dg2DigestError::NoDg2Hash)?.to_vec();
        Ok(Dg2Digest {
            algorithm: wire_name(alg).to_owned(),
            digest,
        })
    }

    /// Whether `algorithm` names a known digest and `digest` has its length.
    pub(crate) fn is_well_formed(algorithm: &str, digest: &[u8]) -> bool {
        hash_len(algorithm) == Some(digest.len())
    }
}

fn dg2_digest(doc: &Document) -> Result<Dg2Digest, EnrolmentError> {
    Dg2Digest::from_sod(doc).map_err(|e| match e {
        Dg2DigestError::NoSod => EnrolmentError::MissingInput("EF.SOD"),
        Dg2DigestError::SignedData => EnrolmentError::MissingInput("EF.SOD SignedData"),
        Dg2DigestError::SecurityObject => EnrolmentError::MissingInput("EF.SOD LDSSecurityObject"),
        Dg2DigestError::Algorithm => EnrolmentError::Unsupported("EF.SOD hash"),
        Dg2DigestError::NoDg2Hash => EnrolmentError::MissingInput("DG2 hash in EF.SOD"),
    })
}

/// The wire code of the access control a read used (receipt and record chip maps, key 5).
pub(crate) fn access_code(protocol: AccessProtocol) -> u8 {
    match protocol {
        AccessProtocol::None => 0,
        AccessProtocol::Bac => 1,
        AccessProtocol::Pace => 2,
    }
}

/// The wire code of passive authentication's verdict as the phone saw it (chip maps, key 6).
pub(crate) fn pa_verdict_code(verdict: Option<Verdict>) -> u8 {
    match verdict {
        None => 0,
        Some(Verdict::Valid) => 1,
        Some(Verdict::Invalid) => 2,
        Some(Verdict::Incomplete) => 3,
    }
}

/// The claims of a read: the same values device-asserted receipts derive
/// ([`AssertedValues::from_document`]), in the record's text form.
fn claims_of(doc: &Document, today: CivilDate) -> EnrolmentClaims {
    let v = AssertedValues::from_document(doc, today);
    let text = |t: &Option<Zeroizing<String>>| t.as_ref().map(|s| s.as_str().to_owned());
    EnrolmentClaims {
        names: v
            .primary
            .as_ref()
            .zip(v.secondary.as_ref())
            .map(|(p, s)| Names {
                primary: p.as_str().to_owned(),
                secondary: s.as_str().to_owned(),
            }),
        birth_date: v.birth_date.map(crate::tz::iso_date),
        nationality: text(&v.nationality),
        document_number: text(&v.document_number),
        document_expiry: v.document_expiry.map(crate::tz::iso_date),
        address: text(&v.address),
    }
}

fn pa_summary(doc: &Document) -> String {
    let Some(r) = &doc.pa else {
        return "passive authentication not run".to_owned();
    };
    let verdict = match r.verdict() {
        Verdict::Valid => "valid",
        Verdict::Invalid => "invalid",
        Verdict::Incomplete => "incomplete",
    };
    let mut s = format!("passive authentication {verdict}");
    if let Some(a) = &r.signature_algorithm {
        s.push_str(&format!("; signature {a}"));
    }
    if let Some(h) = &r.hash_algorithm {
        s.push_str(&format!("; data-group hashes {h}"));
    }
    s.push_str(&format!("; chain of {} certificates", r.chain.len()));
    match doc.chip_genuine() {
        ChipGenuine::Proven { by } => s.push_str(&format!("; chip genuine by {by}")),
        ChipGenuine::NotProven(_) => s.push_str("; chip not proven genuine"),
    }
    s
}

impl EnrolmentRecord {
    /// Builds the record of a read (passive authentication should have run: its verdict is
    /// recorded, 0 when it did not). Needs DG1 (parsed), EF.SOD and DG2's hash in EF.SOD.
    pub fn from_document(
        doc: &Document,
        today: CivilDate,
        created_at: u64,
        device_key: DevicePublicKey,
        attestation: Vec<Vec<u8>>,
    ) -> Result<Self, EnrolmentError> {
        let dg1 = doc
            .raw
            .file(FileId::Dg1)
            .ok_or(EnrolmentError::MissingInput("DG1"))?;
        if doc.mrz.is_none() {
            return Err(EnrolmentError::MissingInput("a parsed MRZ in DG1"));
        }
        let sod = doc
            .raw
            .file(FileId::Sod)
            .ok_or(EnrolmentError::MissingInput("EF.SOD"))?;
        if attestation.len() > MAX_ATTESTATION {
            return Err(EnrolmentError::Unsupported("attestation chain too long"));
        }
        let mut data_groups = vec![(1u8, Zeroizing::new(dg1.to_vec()))];
        if let Some(dg11) = doc.raw.file(FileId::Dg11) {
            data_groups.push((11, Zeroizing::new(dg11.to_vec())));
        }
        let chip = &doc.raw.chip;
        let aa = match &chip.active_authentication {
            Some(Ok(e)) => Some(AaRecord {
                challenge: e.challenge,
                signature: e.signature.clone(),
            }),
            _ => None,
        };
        let access = access_code(doc.raw.link.protocol);
        let pa_verdict = pa_verdict_code(doc.pa.as_ref().map(|r| r.verdict()));
        Ok(EnrolmentRecord {
            version: VERSION,
            created_at,
            device_key,
            attestation,
            claims: claims_of(doc, today),
            sod: sod.to_vec(),
            data_groups,
            dg2_digest: dg2_digest(doc)?,
            chip: ChipRecord {
                aa,
                ca_done: matches!(chip.chip_authentication, Some(Ok(_))),
                access,
                pa_verdict,
            },
            pa_summary: pa_summary(doc),
        })
    }

    fn to_value(&self) -> Value {
        let int = |n: u64| Value::Integer(n.into());
        let text = |s: &str| Value::Text(s.to_owned());
        let mut claims = Vec::new();
        let c = &self.claims;
        if let Some(n) = &c.names {
            claims.push((
                int(1),
                Value::Array(vec![text(&n.primary), text(&n.secondary)]),
            ));
        }
        for (k, v) in [
            (2, &c.birth_date),
            (5, &c.nationality),
            (6, &c.document_number),
            (7, &c.document_expiry),
            (8, &c.address),
        ] {
            if let Some(v) = v {
                claims.push((int(k), text(v)));
            }
        }
        let mut chip = Vec::new();
        if let Some(aa) = &self.chip.aa {
            chip.push((
                int(3),
                Value::Array(vec![
                    Value::Bytes(aa.challenge.to_vec()),
                    Value::Bytes(aa.signature.clone()),
                ]),
            ));
        }
        chip.push((int(4), Value::Bool(self.chip.ca_done)));
        chip.push((int(5), int(self.chip.access.into())));
        chip.push((int(6), int(self.chip.pa_verdict.into())));
        Value::Map(vec![
            (int(1), int(self.version)),
            (int(2), int(self.created_at)),
            (int(3), Value::Bytes(self.device_key.as_bytes().to_vec())),
            (
                int(4),
                Value::Array(
                    self.attestation
                        .iter()
                        .map(|c| Value::Bytes(c.clone()))
                        .collect(),
                ),
            ),
            (int(5), Value::Map(claims)),
            (int(6), Value::Bytes(self.sod.clone())),
            (
                int(7),
                Value::Map(
                    self.data_groups
                        .iter()
                        .map(|(n, b)| (int((*n).into()), Value::Bytes(b.to_vec())))
                        .collect(),
                ),
            ),
            (
                int(8),
                Value::Array(vec![
                    text(&self.dg2_digest.algorithm),
                    Value::Bytes(self.dg2_digest.digest.clone()),
                ]),
            ),
            (int(9), Value::Map(chip)),
            (int(10), text(&self.pa_summary)),
        ])
    }

    /// The payload: deterministic CBOR (RFC 8949 §4.2.1) of the record map.
    pub fn to_payload(&self) -> Result<Zeroizing<Vec<u8>>, EnrolmentError> {
        let mut value = self.to_value();
        let out = cose::to_canonical(&value).map(Zeroizing::new);
        wipe(&mut value);
        Ok(out?)
    }

    /// Signs the record with the key under `alias` (which must be the record's device key):
    /// COSE_Sign1, ES256, the key store's DER signature converted to raw r||s.
    ///
    /// Key-store failures: [`EnrolmentError::KeyInvalidated`] for an invalidated key (enrol
    /// again), else [`EnrolmentError::KeyStore`] (`UserCancelled`, `Cancelled`, `NotFound`...,
    /// and `SignatureMismatch` when the store's signature does not verify with the device key:
    /// it is checked here, as the relying party will).
    pub fn sign(
        &self,
        keys: &dyn KeyStore,
        alias: &str,
        cancel: &CancelToken,
    ) -> Result<SignedEnrolment, EnrolmentError> {
        if keys.public_key(alias)? != self.device_key {
            return Err(EnrolmentError::WrongKey);
        }
        let payload = self.to_payload()?;
        if payload.len() > MAX_LEN - 128 {
            return Err(EnrolmentError::TooLong);
        }
        let bytes = cose::sign1(&payload, coset::Header::default(), |tbs| {
            let der = keys.sign(alias, tbs, cancel)?;
            let raw =
                cose::ecdsa_der_to_raw(&der).map_err(|_| EnrolmentError::BadPlatformSignature)?;
            cose::verify_es256_raw(self.device_key.as_bytes(), tbs, &raw)
                .map_err(|_| EnrolmentError::KeyStore(KeyStoreError::SignatureMismatch))?;
            Ok::<_, EnrolmentError>(raw)
        })?;
        Ok(SignedEnrolment {
            bytes: Zeroizing::new(bytes),
        })
    }
}

/// Enrols: reads the device key and its attestation (challenge [`attestation_challenge`]) from
/// the key store, builds the record of `doc` and signs it.
pub fn enrol(
    doc: &Document,
    keys: &dyn KeyStore,
    alias: &str,
    today: CivilDate,
    created_at: u64,
    cancel: &CancelToken,
) -> Result<SignedEnrolment, EnrolmentError> {
    let sod = doc
        .raw
        .file(FileId::Sod)
        .ok_or(EnrolmentError::MissingInput("EF.SOD"))?;
    let device_key = keys.public_key(alias)?;
    let attestation = keys.attestation(alias, &attestation_challenge(sod))?;
    EnrolmentRecord::from_document(doc, today, created_at, device_key, attestation)?
        .sign(keys, alias, cancel)
}

/// Overwrites every string and byte string of a value we built (personal data).
fn wipe(v: &mut Value) {
    match v {
        Value::Bytes(b) => b.zeroize(),
        Value::Text(t) => t.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            wipe(k);
            wipe(v);
        }),
        Value::Tag(_, inner) => wipe(inner),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

const M: fn(&'static str) -> EnrolmentError = EnrolmentError::Malformed;

/// A map's entries by integer key: keys >= 100 are ignored, keys < 100 outside `known` are an
/// unknown critical field. (Duplicates were already refused by [`cose::from_slice`].)
fn fields(
    v: Value,
    known: &[u64],
    what: &'static str,
) -> Result<std::collections::BTreeMap<u64, Value>, EnrolmentError> {
    let Value::Map(entries) = v else {
        return Err(M(what));
    };
    let mut out = std::collections::BTreeMap::new();
    for (k, mut v) in entries {
        let k = k
            .as_integer()
            .and_then(|i| u64::try_from(i).ok())
            .ok_or(M(what))?;
        if k >= 100 {
            wipe(&mut v);
            continue;
        }
        if !known.contains(&k) {
            wipe(&mut v);
            return Err(EnrolmentError::Unsupported("unknown critical field"));
        }
        out.insert(k, v);
    }
    Ok(out)
}

fn take(
    m: &mut std::collections::BTreeMap<u64, Value>,
    k: u64,
    what: &'static str,
) -> Result<Value, EnrolmentError> {
    m.remove(&k).ok_or(M(what))
}

fn uint(v: Value, what: &'static str) -> Result<u64, EnrolmentError> {
    v.as_integer()
        .and_then(|i| u64::try_from(i).ok())
        .ok_or(M(what))
}

fn bytes(v: Value, what: &'static str) -> Result<Vec<u8>, EnrolmentError> {
    match v {
        Value::Bytes(b) => Ok(b),
        _ => Err(M(what)),
    }
}

fn text(v: Value, max: usize, what: &'static str) -> Result<String, EnrolmentError> {
    match v {
        Value::Text(t) if t.len() <= max => Ok(t),
        mut v => {
            wipe(&mut v);
            Err(M(what))
        }
    }
}

fn array(v: Value, what: &'static str) -> Result<Vec<Value>, EnrolmentError> {
    match v {
        Value::Array(a) => Ok(a),
        _ => Err(M(what)),
    }
}

fn parse_claims(v: Value) -> Result<EnrolmentClaims, EnrolmentError> {
    let mut m = fields(v, &[1, 2, 5, 6, 7, 8], "claims")?;
    let mut c = EnrolmentClaims::default();
    if let Some(n) = m.remove(&1) {
        let mut parts = array(n, "names")?.into_iter();
        let (Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(M("names"));
        };
        c.names = Some(Names {
            primary: text(p, MAX_TEXT, "names")?,
            secondary: text(s, MAX_TEXT, "names")?,
        });
    }
    let date = |v: Value, what| {
        let s = text(v, 10, what)?;
        if valid_iso_date(&s) {
            Ok(s)
        } else {
            Err(M(what))
        }
    };
    c.birth_date = m.remove(&2).map(|v| date(v, "birth_date")).transpose()?;
    c.nationality = m
        .remove(&5)
        .map(|v| text(v, 3, "nationality"))
        .transpose()?;
    c.document_number = m
        .remove(&6)
        .map(|v| text(v, 64, "document_number"))
        .transpose()?;
    c.document_expiry = m
        .remove(&7)
        .map(|v| date(v, "document_expiry"))
        .transpose()?;
    c.address = m
        .remove(&8)
        .map(|v| text(v, MAX_TEXT, "address"))
        .transpose()?;
    Ok(c)
}

fn parse_chip(v: Value) -> Result<ChipRecord, EnrolmentError> {
    let mut m = fields(v, &[3, 4, 5, 6], "chip")?;
    let aa = match m.remove(&3) {
        None => None,
        Some(v) => {
            let mut parts = array(v, "chip aa")?.into_iter();
            let (Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(M("chip aa"));
            };
            let challenge: [u8; 8] = bytes(c, "chip aa challenge")?
                .try_into()
                .map_err(|_| M("chip aa challenge"))?;
            let signature = bytes(s, "chip aa signature")?;
            if signature.is_empty() || signature.len() > 1024 {
                return Err(M("chip aa signature"));
            }
            Some(AaRecord {
                challenge,
                signature,
            })
        }
    };
    let ca_done = match take(&mut m, 4, "chip ca_done")? {
        Value::Bool(b) => b,
        _ => return Err(M("chip ca_done")),
    };
    let small = |v: Value, max: u64, what| {
        let n = uint(v, what)?;
        u8::try_from(n)
            .ok()
            .filter(|n| u64::from(*n) <= max)
            .ok_or(M(what))
    };
    Ok(ChipRecord {
        aa,
        ca_done,
        access: small(take(&mut m, 5, "chip access")?, 2, "chip access")?,
        pa_verdict: small(take(&mut m, 6, "chip pa_verdict")?, 3, "chip pa_verdict")?,
    })
}

fn parse_payload(payload: &[u8]) -> Result<EnrolmentRecord, EnrolmentError> {
    let value = cose::from_slice(payload, MAX_LEN)?;
    let mut m = fields(value, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "record")?;
    let version = uint(take(&mut m, 1, "version")?, "version")?;
    if version != VERSION {
        return Err(EnrolmentError::Unsupported("version"));
    }
    let created_at = uint(take(&mut m, 2, "created_at")?, "created_at")?;
    let key = bytes(take(&mut m, 3, "device_key")?, "device_key")?;
    if key.len() != 65 {
        return Err(M("device_key"));
    }
    let device_key = DevicePublicKey::from_sec1(&key).map_err(|_| M("device_key"))?;
    let certs = array(take(&mut m, 4, "attestation")?, "attestation")?;
    if certs.len() > MAX_ATTESTATION {
        return Err(M("attestation"));
    }
    let attestation = certs
        .into_iter()
        .map(|c| bytes(c, "attestation"))
        .collect::<Result<Vec<_>, _>>()?;
    let claims = parse_claims(take(&mut m, 5, "claims")?)?;
    let sod = bytes(take(&mut m, 6, "sod")?, "sod")?;
    if sod.is_empty() {
        return Err(M("sod"));
    }
    let mut dgs = fields(take(&mut m, 7, "data_groups")?, &[1, 11], "data_groups")?;
    let mut data_groups = Vec::with_capacity(2);
    for n in [1u8, 11] {
        if let Some(v) = dgs.remove(&u64::from(n)) {
            data_groups.push((n, Zeroizing::new(bytes(v, "data_groups")?)));
        }
    }
    if data_groups.first().map(|(n, _)| *n) != Some(1) {
        return Err(M("data_groups: DG1 missing"));
    }
    let mut dg2 = array(take(&mut m, 8, "dg2_digest")?, "dg2_digest")?.into_iter();
    let (Some(Value::Text(algorithm)), Some(Value::Bytes(digest)), None) =
        (dg2.next(), dg2.next(), dg2.next())
    else {
        return Err(M("dg2_digest"));
    };
    if !Dg2Digest::is_well_formed(&algorithm, &digest) {
        return Err(M("dg2_digest algorithm or length"));
    }
    let chip = parse_chip(take(&mut m, 9, "chip")?)?;
    let pa_summary = text(take(&mut m, 10, "pa_summary")?, MAX_TEXT, "pa_summary")?;
    Ok(EnrolmentRecord {
        version,
        created_at,
        device_key,
        attestation,
        claims,
        sod,
        data_groups,
        dg2_digest: Dg2Digest { algorithm, digest },
        chip,
        pa_summary,
    })
}

/// Parses a signed record (at most [`MAX_LEN`] bytes, COSE_Sign1 tag 18, ES256) and verifies
/// its signature with the device key it carries. Every field is checked: all ten are required,
/// unknown fields below 100 are unsupported, lengths and values are bounded.
///
/// This proves the record is intact and was signed by the key it names; whether that key and
/// the document deserve trust (attestation, passive authentication of `sod` over the data
/// groups) is the relying party's policy.
pub fn parse_and_verify(bytes: &[u8]) -> Result<VerifiedEnrolment, EnrolmentError> {
    let mut sign1 = cose::parse_sign1(bytes, MAX_LEN)?;
    let payload = Zeroizing::new(sign1.payload.take().ok_or(M("payload"))?);
    let record = parse_payload(&payload)?;
    sign1.payload = Some(payload.to_vec());
    let verified = cose::verify_es256(&sign1, record.device_key.as_bytes());
    if let Some(p) = sign1.payload.as_mut() {
        p.zeroize();
    }
    verified?;
    Ok(VerifiedEnrolment {
        record,
        id: enrolment_id(bytes),
        signed: SignedEnrolment {
            bytes: Zeroizing::new(bytes.to_vec()),
        },
    })
}

/// Seals a signed record for storage ([`crate::keys::seal::ENROLMENT`]: `"MER1"`).
pub fn seal_record(
    signed: &SignedEnrolment,
    seal_key: &[u8; 32],
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>, EnrolmentError> {
    seal::seal(&ENROLMENT, seal_key, signed.as_bytes(), rng).map_err(EnrolmentError::Seal)
}

/// Opens a sealed record and verifies it ([`parse_and_verify`]). The caller's bytes are only
/// read. Wrong key or tampering: `Seal(SealBroken)`; bad magic or length: `Seal(Corrupted)`.
pub fn open_record(
    sealed: &[u8],
    seal_key: &[u8; 32],
) -> Result<VerifiedEnrolment, EnrolmentError> {
    let signed = seal::open(&ENROLMENT, sealed, seal_key).map_err(EnrolmentError::Seal)?;
    parse_and_verify(&signed)
}

#[cfg(test)]
mod tests;
