//! The relying party's QR challenge: issue (relying-party side) and scan (phone side).
//!
//! This module owns the challenge of `docs/wire-format.md`: its payload (version, rp_id, nonce,
//! times, purpose, requested claims with their disclosure level, assurance, response URI, the
//! relying party's ephemeral key), [`issue`] (sign with a software P-256 key and its certificate
//! chain, full form with `x5chain` or compact form with `x5t`), [`scan`] (bounded parsing,
//! signature, certificate chain to the app's relying-party trust anchors, rp_id against the
//! certificate's commonName, content rules, advisory clock check), the confirmation code and the
//! `MC1:` QR text. It uses [`crate::cose`] for COSE/CBOR and [`crate::pki`] for certificates; it
//! must not build receipts, hold device keys or render QR codes (see [`crate::qr`]).
//!
//! The phone's clock is untrusted: [`scan`] reports the clock outcome in
//! [`ScannedChallenge::clock`] instead of failing; [`scan_strict`] (or
//! [`ScannedChallenge::check_clock`]) turns it into [`ScanError::Expired`] /
//! [`ScanError::NotYetValid`]. The relying party's verifier, whose clock decides, re-checks.

use ciborium::value::Value;
use coset::{Header, Label};
use p256::ecdsa::signature::Signer;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::base45;
use crate::cose::{self, CoseError};
use crate::pki::cert::{Certificate, KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN};
use crate::pki::ec::NamedCurve;
use crate::pki::sig::PublicKey;
use crate::pki::time::Timestamp;
use crate::pki::{PkiError, ber};
use crate::rand::RandomSource;

/// The challenge format version this module reads and writes.
pub const VERSION: u64 = 1;
/// Largest COSE_Sign1 challenge accepted (bytes).
pub const MAX_CHALLENGE_LEN: usize = 2048;
/// Longest lifetime (`expires_at - issued_at`) accepted, in seconds.
pub const MAX_LIFETIME_SECS: u64 = 900;
/// Clock skew the phone tolerates by default, in seconds.
pub const DEFAULT_SKEW_SECS: u64 = 120;
/// Prefix of the QR text: `"MC1:" + base45(COSE_Sign1)`.
pub const QR_PREFIX: &str = "MC1:";
/// Longest QR text accepted: the prefix and the base45 form of [`MAX_CHALLENGE_LEN`] bytes.
pub const MAX_QR_TEXT_LEN: usize = 4 + MAX_CHALLENGE_LEN / 2 * 3;
/// Longest `rp_id` (bytes of UTF-8).
pub const MAX_RP_ID_LEN: usize = 64;
/// Longest `purpose` (bytes of UTF-8).
pub const MAX_PURPOSE_LEN: usize = 128;
/// Longest `response_uri` (bytes).
pub const MAX_RESPONSE_URI_LEN: usize = 256;
/// Most certificates in an `x5chain`.
pub const MAX_CHAIN_LEN: usize = 4;

/// COSE header label x5chain (RFC 9360).
const X5CHAIN: i64 = 33;
/// COSE header label x5t (RFC 9360).
const X5T: i64 = 34;
/// COSE algorithm SHA-256 (for x5t).
const SHA_256: i64 = -16;
/// dotted OID of organizationName.
const ORGANIZATION_NAME: &str = "2.5.4.10";

// ---------------------------------------------------------------------------------------------
// Vocabulary

/// A claim a relying party may request (fixed vocabulary of the wire format).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Claim {
    /// Primary and secondary identifiers (DG1).
    Names = 1,
    /// Date of birth (DG1).
    BirthDate = 2,
    /// Age over 18 (derived from DG1).
    AgeOver18 = 3,
    /// Age over 21 (derived from DG1).
    AgeOver21 = 4,
    /// Nationality (DG1).
    Nationality = 5,
    /// Document number (DG1).
    DocumentNumber = 6,
    /// Document expiry date (DG1).
    DocumentExpiry = 7,
    /// Address (DG11).
    Address = 8,
    /// Facial image (DG2); chip-verifiable only.
    Photo = 9,
}

impl Claim {
    /// Every claim, in code order.
    pub const ALL: [Claim; 9] = [
        Claim::Names,
        Claim::BirthDate,
        Claim::AgeOver18,
        Claim::AgeOver21,
        Claim::Nationality,
        Claim::DocumentNumber,
        Claim::DocumentExpiry,
        Claim::Address,
        Claim::Photo,
    ];

    /// The wire code.
    pub fn code(self) -> u64 {
        self as u64
    }

    /// The claim with this wire code.
    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The name used by the CLI and in logs (`names`, `birth_date`, `age_over_18`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Claim::Names => "names",
            Claim::BirthDate => "birth_date",
            Claim::AgeOver18 => "age_over_18",
            Claim::AgeOver21 => "age_over_21",
            Claim::Nationality => "nationality",
            Claim::DocumentNumber => "document_number",
            Claim::DocumentExpiry => "document_expiry",
            Claim::Address => "address",
            Claim::Photo => "photo",
        }
    }

    /// The claim with this [`Claim::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The data group the claim comes from (1, 11 or 2).
    pub fn data_group(self) -> u8 {
        match self {
            Claim::Address => 11,
            Claim::Photo => 2,
            _ => 1,
        }
    }
}

/// How a claim is disclosed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// The whole data group with the SOD: the relying party verifies it against the chip's PKI.
    ChipVerifiable = 1,
    /// Only the derived value, signed by the device key and backed by an enrolment record.
    DeviceAsserted = 2,
}

impl Level {
    /// The wire code.
    pub fn code(self) -> u64 {
        self as u64
    }
    /// The level with this wire code.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            1 => Some(Level::ChipVerifiable),
            2 => Some(Level::DeviceAsserted),
            _ => None,
        }
    }
    /// `chip` or `device` (CLI syntax).
    pub fn name(self) -> &'static str {
        match self {
            Level::ChipVerifiable => "chip",
            Level::DeviceAsserted => "device",
        }
    }
    /// The level with this [`Level::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "chip" => Some(Level::ChipVerifiable),
            "device" => Some(Level::DeviceAsserted),
            _ => None,
        }
    }
}

/// One requested claim and its disclosure level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClaimRequest {
    /// The claim.
    pub claim: Claim,
    /// How it must be disclosed.
    pub level: Level,
}

/// The assurance required, a bitmask.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct Assurance(pub u8);

impl Assurance {
    /// The chip was read.
    pub const CHIP_READ: Assurance = Assurance(1);
    /// The chip was proven genuine (chip or active authentication).
    pub const CHIP_GENUINE: Assurance = Assurance(2);
    /// The holder's face matched the chip's photo.
    pub const FACE_MATCH: Assurance = Assurance(4);
    /// Every bit defined in version 1.
    pub const ALL: Assurance = Assurance(7);

    /// True when every bit of `other` is set.
    pub fn contains(self, other: Assurance) -> bool {
        self.0 & other.0 == other.0
    }
    /// Union.
    pub fn with(self, other: Assurance) -> Assurance {
        Assurance(self.0 | other.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a scanned challenge was refused. Reasons name the step, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// Not a well-formed challenge (encoding, structure, or a content rule of the wire format).
    #[error("malformed challenge: {0}")]
    Malformed(&'static str),
    /// Well-formed but not supported (version, algorithm, critical header or key).
    #[error("unsupported challenge: {0}")]
    Unsupported(&'static str),
    /// The signer is not a relying party the app trusts (no chain to an anchor, x5t not in the
    /// directory, certificate not valid, rp_id differs from its commonName).
    #[error("unknown relying party: {0}")]
    UnknownRelyingParty(&'static str),
    /// The relying party's signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// Expired (beyond the allowed skew).
    #[error("challenge expired")]
    Expired,
    /// Issued in the future (beyond the allowed skew).
    #[error("challenge not yet valid")]
    NotYetValid,
    /// Longer than the challenge cap.
    #[error("challenge too long")]
    TooLong,
}

impl From<CoseError> for ScanError {
    fn from(e: CoseError) -> Self {
        match e {
            CoseError::TooLong { .. } => ScanError::TooLong,
            CoseError::Malformed(r) => ScanError::Malformed(r),
            CoseError::Unsupported(r) => ScanError::Unsupported(r),
            CoseError::BadKey => ScanError::Unsupported("relying-party key"),
            CoseError::BadSignature => ScanError::BadSignature,
        }
    }
}

/// Why a challenge could not be issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    /// The request breaks a rule of the wire format (the reason says which).
    #[error("invalid challenge request: {0}")]
    InvalidRequest(&'static str),
    /// The signing key or certificate chain is unusable.
    #[error("relying-party credentials: {0}")]
    Credentials(&'static str),
    /// The random source failed.
    #[error("random source failed")]
    Random,
    /// Encoding failed (should not happen for a valid request).
    #[error("encoding: {0}")]
    Encoding(&'static str),
}

/// Why a trust anchor or directory certificate could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// The certificate does not parse.
    #[error("certificate: {0}")]
    Certificate(#[from] PkiError),
    /// The PEM text holds no certificate (or a broken block).
    #[error("PEM: {0}")]
    Pem(&'static str),
}

// ---------------------------------------------------------------------------------------------
// Payload

/// What a relying party asks for; [`issue`] adds rp_id, nonce and times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeRequest {
    /// Shown on the consent screen (at most 128 bytes of UTF-8).
    pub purpose: String,
    /// 1 to 9 claims, none twice; photo only chip-verifiable.
    pub claims: Vec<ClaimRequest>,
    /// Assurance required.
    pub assurance: Assurance,
    /// Where the phone POSTs the receipt (`https://` only, at most 256 bytes).
    pub response_uri: String,
    /// Lifetime in seconds (1 to 900).
    pub lifetime_secs: u64,
    /// The relying party's ephemeral P-256 key for the encrypted answer, SEC1 compressed.
    pub rp_key: [u8; 33],
}

/// A decoded challenge payload (map keys 1 to 10 of the wire format).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// Format version (1).
    pub version: u64,
    /// The relying party's id: its certificate's subject commonName.
    pub rp_id: String,
    /// 16 random bytes.
    pub nonce: [u8; 16],
    /// Unix seconds.
    pub issued_at: u64,
    /// Unix seconds, at most 15 minutes after `issued_at`.
    pub expires_at: u64,
    /// Shown on the consent screen.
    pub purpose: String,
    /// The requested claims in the relying party's order.
    pub claims: Vec<ClaimRequest>,
    /// Assurance required.
    pub assurance: Assurance,
    /// `https://` URI for the receipt.
    pub response_uri: String,
    /// The relying party's ephemeral key, SEC1 compressed (33 bytes).
    pub rp_key: [u8; 33],
}

impl Challenge {
    /// Checks every content rule of the wire format (the ones a decoder cannot see from types).
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.version != VERSION {
            return Err("version");
        }
        if self.rp_id.is_empty() || self.rp_id.len() > MAX_RP_ID_LEN {
            return Err("rp_id length");
        }
        if self.purpose.len() > MAX_PURPOSE_LEN {
            return Err("purpose longer than 128 bytes");
        }
        if self.expires_at <= self.issued_at {
            return Err("expires_at not after issued_at");
        }
        if self.expires_at - self.issued_at > MAX_LIFETIME_SECS {
            return Err("lifetime over 15 minutes");
        }
        validate_claims(&self.claims)?;
        if self.assurance.0 & !Assurance::ALL.0 != 0 {
            return Err("unknown assurance bit");
        }
        validate_uri(&self.response_uri)?;
        if p256::PublicKey::from_sec1_bytes(&self.rp_key).is_err()
            || !matches!(self.rp_key.first(), Some(2 | 3))
        {
            return Err("rp_key is not a compressed P-256 point");
        }
        Ok(())
    }

    /// The deterministic CBOR payload.
    pub fn to_cbor(&self) -> Result<Vec<u8>, CoseError> {
        let claims = self
            .claims
            .iter()
            .map(|c| {
                Value::Array(vec![
                    Value::from(c.claim.code()),
                    Value::from(c.level.code()),
                ])
            })
            .collect();
        let map = Value::Map(vec![
            (Value::from(1), Value::from(self.version)),
            (Value::from(2), Value::Text(self.rp_id.clone())),
            (Value::from(3), Value::Bytes(self.nonce.to_vec())),
            (Value::from(4), Value::from(self.issued_at)),
            (Value::from(5), Value::from(self.expires_at)),
            (Value::from(6), Value::Text(self.purpose.clone())),
            (Value::from(7), Value::Array(claims)),
            (Value::from(8), Value::from(u64::from(self.assurance.0))),
            (Value::from(9), Value::Text(self.response_uri.clone())),
            (Value::from(10), Value::Bytes(self.rp_key.to_vec())),
        ]);
        cose::to_canonical(&map)
    }

    /// Decodes a payload (bounded by [`MAX_CHALLENGE_LEN`]) and checks its content rules.
    /// Unknown keys 100 and above are ignored; other unknown keys are unsupported.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, ScanError> {
        let Value::Map(entries) = cose::from_slice(bytes, MAX_CHALLENGE_LEN)? else {
            return Err(ScanError::Malformed("payload is not a map"));
        };
        let mut fields: [Option<Value>; 10] = Default::default();
        for (k, v) in entries {
            let key =
                k.as_integer()
                    .and_then(|i| u64::try_from(i).ok())
                    .ok_or(ScanError::Malformed(
                        "payload key is not an unsigned integer",
                    ))?;
            match key {
                1..=10 => {
                    let slot = fields
                        .get_mut((key - 1) as usize)
                        .ok_or(ScanError::Malformed("payload key"))?;
                    *slot = Some(v);
                }
                100.. => {}
                _ => return Err(ScanError::Unsupported("unknown critical payload key")),
            }
        }
        let [
            version,
            rp_id,
            nonce,
            issued_at,
            expires_at,
            purpose,
            claims,
            assurance,
            response_uri,
            rp_key,
        ] = fields;
        let version = uint(version, "version")?;
        if version != VERSION {
            return Err(ScanError::Unsupported("challenge version"));
        }
        let claims = match claims {
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| {
                    let Value::Array(pair) = item else {
                        return Err(ScanError::Malformed("claim entry"));
                    };
                    let [c, l] = <[Value; 2]>::try_from(pair)
                        .map_err(|_| ScanError::Malformed("claim entry"))?;
                    let c = uint(Some(c), "claim")?;
                    let l = uint(Some(l), "claim level")?;
                    Ok(ClaimRequest {
                        claim: Claim::from_code(c).ok_or(ScanError::Unsupported("claim"))?,
                        level: Level::from_code(l).ok_or(ScanError::Unsupported("claim level"))?,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(ScanError::Malformed("claims")),
        };
        let assurance = uint(assurance, "assurance")?;
        let ch = Challenge {
            version,
            rp_id: text(rp_id, "rp_id")?,
            nonce: fixed(nonce, "nonce")?,
            issued_at: uint(issued_at, "issued_at")?,
            expires_at: uint(expires_at, "expires_at")?,
            purpose: text(purpose, "purpose")?,
            claims,
            assurance: Assurance(
                u8::try_from(assurance).map_err(|_| ScanError::Malformed("assurance"))?,
            ),
            response_uri: text(response_uri, "response_uri")?,
            rp_key: fixed(rp_key, "rp_key")?,
        };
        ch.validate().map_err(ScanError::Malformed)?;
        Ok(ch)
    }
}

fn uint(v: Option<Value>, what: &'static str) -> Result<u64, ScanError> {
    v.as_ref()
        .and_then(Value::as_integer)
        .and_then(|i| u64::try_from(i).ok())
        .ok_or(ScanError::Malformed(what))
}

fn text(v: Option<Value>, what: &'static str) -> Result<String, ScanError> {
    match v {
        Some(Value::Text(t)) => Ok(t),
        _ => Err(ScanError::Malformed(what)),
    }
}

fn fixed<const N: usize>(v: Option<Value>, what: &'static str) -> Result<[u8; N], ScanError> {
    match v {
        Some(Value::Bytes(b)) => b.try_into().map_err(|_| ScanError::Malformed(what)),
        _ => Err(ScanError::Malformed(what)),
    }
}

fn validate_claims(claims: &[ClaimRequest]) -> Result<(), &'static str> {
    if claims.is_empty() || claims.len() > Claim::ALL.len() {
        return Err("claims: 1 to 9 entries");
    }
    for (i, c) in claims.iter().enumerate() {
        if claims
            .get(..i)
            .is_some_and(|before| before.iter().any(|b| b.claim == c.claim))
        {
            return Err("claim requested twice");
        }
        if c.claim == Claim::Photo && c.level != Level::ChipVerifiable {
            return Err("photo is chip-verifiable only");
        }
    }
    Ok(())
}

fn validate_uri(uri: &str) -> Result<(), &'static str> {
    if uri.len() > MAX_RESPONSE_URI_LEN {
        return Err("response_uri longer than 256 bytes");
    }
    let Some(rest) = uri.strip_prefix("https://") else {
        return Err("response_uri is not https");
    };
    if rest.is_empty()
        || rest.starts_with('/')
        || uri.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("response_uri host");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Confirmation code and QR text

/// The 6-digit confirmation code both screens show:
/// `u32(SHA-256("monid-confirm-v1" || COSE_Sign1)[0..4]) % 1_000_000`, zero-padded.
pub fn confirmation_code(cose_sign1: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"monid-confirm-v1");
    h.update(cose_sign1);
    let d = h.finalize();
    let mut first = [0u8; 4];
    for (dst, src) in first.iter_mut().zip(d.iter()) {
        *dst = *src;
    }
    format!("{:06}", u32::from_be_bytes(first) % 1_000_000)
}

/// `"MC1:" + base45(cose_sign1)`.
pub fn qr_text(cose_sign1: &[u8]) -> String {
    let mut s = String::from(QR_PREFIX);
    s.push_str(&base45::encode(cose_sign1));
    s
}

/// The COSE_Sign1 bytes behind a scanned input: QR text (`MC1:` + base45, surrounding
/// whitespace ignored) or the raw COSE_Sign1 bytes (starting with tag 18, `0xD2`).
pub fn decode_input(input: &[u8]) -> Result<Vec<u8>, ScanError> {
    if input.first() == Some(&0xD2) {
        if input.len() > MAX_CHALLENGE_LEN {
            return Err(ScanError::TooLong);
        }
        return Ok(input.to_vec());
    }
    let trimmed = input.trim_ascii();
    if trimmed.len() > MAX_QR_TEXT_LEN {
        return Err(ScanError::TooLong);
    }
    let body = trimmed
        .strip_prefix(QR_PREFIX.as_bytes())
        .ok_or(ScanError::Malformed("not an MC1: challenge"))?;
    let body = core::str::from_utf8(body).map_err(|_| ScanError::Malformed("base45"))?;
    base45::decode(body).map_err(|_| ScanError::Malformed("base45"))
}

// ---------------------------------------------------------------------------------------------
// Issuing (relying party)

/// Which certificate reference the COSE_Sign1 carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `x5chain`: the signing certificate (and any intermediates) in the QR.
    Full,
    /// `x5t`: SHA-256 of the signing certificate; the app resolves it in its directory.
    Compact,
}

/// A relying party's software signing key (P-256) with its certificate chain, leaf first.
pub struct RpSigner {
    key: p256::ecdsa::SigningKey,
    chain: Vec<Certificate>,
    rp_id: String,
}

impl core::fmt::Debug for RpSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RpSigner")
            .field("rp_id", &self.rp_id)
            .field("chain_len", &self.chain.len())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl RpSigner {
    /// From a 32-byte private scalar and the chain (DER, leaf first). The leaf must hold the
    /// matching P-256 public key, keyUsage digitalSignature and a commonName (the rp_id).
    pub fn new(private_scalar: &[u8], chain_der: &[Vec<u8>]) -> Result<Self, IssueError> {
        let key = p256::ecdsa::SigningKey::from_slice(private_scalar)
            .map_err(|_| IssueError::Credentials("private key is not a P-256 scalar"))?;
        if chain_der.is_empty() || chain_der.len() > MAX_CHAIN_LEN {
            return Err(IssueError::Credentials(
                "certificate chain: 1 to 4 certificates",
            ));
        }
        let chain = chain_der
            .iter()
            .map(|d| Certificate::from_der(d))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| IssueError::Credentials("certificate does not parse"))?;
        let leaf = chain
            .first()
            .ok_or(IssueError::Credentials("no certificate"))?;
        let point = p256_point(leaf).map_err(|_| IssueError::Credentials("leaf key"))?;
        let theirs = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point)
            .map_err(|_| IssueError::Credentials("leaf key"))?;
        if theirs != *key.verifying_key() {
            return Err(IssueError::Credentials(
                "private key does not match the certificate",
            ));
        }
        if leaf
            .key_usage()
            .is_none_or(|ku| ku & KU_DIGITAL_SIGNATURE == 0)
        {
            return Err(IssueError::Credentials(
                "certificate keyUsage lacks digitalSignature",
            ));
        }
        let rp_id = leaf
            .subject()
            .common_name()
            .filter(|cn| !cn.is_empty() && cn.len() <= MAX_RP_ID_LEN)
            .ok_or(IssueError::Credentials("certificate commonName"))?
            .to_owned();
        Ok(RpSigner { key, chain, rp_id })
    }

    /// From PEM text: a private key (`PRIVATE KEY` PKCS#8 or `EC PRIVATE KEY` SEC1, P-256) and
    /// certificates (`CERTIFICATE` blocks, leaf first).
    pub fn from_pem(key_pem: &[u8], chain_pem: &[u8]) -> Result<Self, IssueError> {
        let scalar = rp_private_key_from_pem(key_pem)?;
        Self::with_chain_pem(scalar.as_slice(), chain_pem)
    }

    /// From a 32-byte private scalar (e.g. from [`rp_private_key_from_pem`]) and PEM
    /// certificates (`CERTIFICATE` blocks, leaf first), checked as [`RpSigner::new`] does.
    pub fn with_chain_pem(private_scalar: &[u8], chain_pem: &[u8]) -> Result<Self, IssueError> {
        let chain = pem_blocks(chain_pem, "CERTIFICATE")
            .map_err(|_| IssueError::Credentials("certificate PEM"))?;
        Self::new(private_scalar, &chain)
    }

    /// The rp_id (the leaf certificate's commonName).
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// The certificate chain, leaf first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// x5t of the leaf: SHA-256 of its DER.
    pub fn x5t(&self) -> [u8; 32] {
        self.chain
            .first()
            .map(|c| Sha256::digest(c.raw()).into())
            .unwrap_or_default()
    }

    /// Signs arbitrary bytes with ES256 (raw r || s): the closure [`cose::sign1`] takes.
    pub fn sign_raw(&self, tbs: &[u8]) -> [u8; 64] {
        let sig: p256::ecdsa::Signature = self.key.sign(tbs);
        sig.to_bytes().into()
    }
}

/// A challenge as issued: the payload, the COSE_Sign1 bytes, the QR text and the code.
#[derive(Clone, Debug)]
pub struct IssuedChallenge {
    /// The payload.
    pub challenge: Challenge,
    /// The tagged COSE_Sign1 bytes.
    pub cose: Vec<u8>,
    /// `MC1:` + base45.
    pub qr_text: String,
    /// The confirmation code the portal shows.
    pub confirmation_code: String,
    /// Which form was used.
    pub form: Form,
}

/// Issues a challenge at `now` (Unix seconds): draws the nonce from `rng`, fills rp_id from
/// the signer's certificate, checks every rule of the wire format and signs.
pub fn issue(
    signer: &RpSigner,
    request: &ChallengeRequest,
    form: Form,
    now: u64,
    rng: &mut dyn RandomSource,
) -> Result<IssuedChallenge, IssueError> {
    if request.lifetime_secs == 0 || request.lifetime_secs > MAX_LIFETIME_SECS {
        return Err(IssueError::InvalidRequest("lifetime: 1 to 900 seconds"));
    }
    let mut nonce = [0u8; 16];
    rng.fill(&mut nonce).map_err(|_| IssueError::Random)?;
    let challenge = Challenge {
        version: VERSION,
        rp_id: signer.rp_id.clone(),
        nonce,
        issued_at: now,
        expires_at: now
            .checked_add(request.lifetime_secs)
            .ok_or(IssueError::InvalidRequest("time"))?,
        purpose: request.purpose.clone(),
        claims: request.claims.clone(),
        assurance: request.assurance,
        response_uri: request.response_uri.clone(),
        rp_key: request.rp_key,
    };
    challenge.validate().map_err(IssueError::InvalidRequest)?;
    let cose = sign_challenge(signer, &challenge, form)?;
    if cose.len() > MAX_CHALLENGE_LEN {
        return Err(IssueError::InvalidRequest("challenge over 2048 bytes"));
    }
    Ok(IssuedChallenge {
        qr_text: qr_text(&cose),
        confirmation_code: confirmation_code(&cose),
        challenge,
        cose,
        form,
    })
}

/// Signs a payload as given, without checking its content rules (for tests of the scanner and
/// for the verifier crate's negative vectors).
pub fn sign_challenge(
    signer: &RpSigner,
    challenge: &Challenge,
    form: Form,
) -> Result<Vec<u8>, IssueError> {
    let payload = challenge
        .to_cbor()
        .map_err(|_| IssueError::Encoding("payload"))?;
    let mut header = Header::default();
    match form {
        Form::Full => {
            let certs: Vec<Value> = signer
                .chain
                .iter()
                .map(|c| Value::Bytes(c.raw().to_vec()))
                .collect();
            let v = match <[Value; 1]>::try_from(certs) {
                Ok([one]) => one,
                Err(many) => Value::Array(many),
            };
            header.rest.push((Label::Int(X5CHAIN), v));
        }
        Form::Compact => header.rest.push((
            Label::Int(X5T),
            Value::Array(vec![
                Value::from(SHA_256),
                Value::Bytes(signer.x5t().to_vec()),
            ]),
        )),
    }
    cose::sign1(&payload, header, |tbs| {
        Ok::<_, IssueError>(signer.sign_raw(tbs))
    })
}

// ---------------------------------------------------------------------------------------------
// Trust

/// What the app trusts: relying-party trust anchors, and a directory of relying-party (and
/// intermediate) certificates it has cached, for compact challenges (`x5t`) and for chains.
/// Directory certificates are not trusted by themselves: each use is chained to an anchor.
#[derive(Clone, Debug, Default)]
pub struct RelyingPartyTrust {
    anchors: Vec<Certificate>,
    directory: Vec<([u8; 32], Certificate)>,
}

impl RelyingPartyTrust {
    /// No anchors: every challenge is from an unknown relying party.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a trust anchor (DER).
    pub fn add_anchor_der(&mut self, der: &[u8]) -> Result<(), TrustError> {
        let c = Certificate::from_der(der)?;
        if !self.anchors.contains(&c) {
            self.anchors.push(c);
        }
        Ok(())
    }

    /// Adds every `CERTIFICATE` of a PEM text as an anchor; returns how many.
    pub fn add_anchors_pem(&mut self, pem: &[u8]) -> Result<usize, TrustError> {
        let blocks = pem_blocks(pem, "CERTIFICATE").map_err(TrustError::Pem)?;
        for b in &blocks {
            self.add_anchor_der(b)?;
        }
        Ok(blocks.len())
    }

    /// Caches a relying-party or intermediate certificate (DER) in the directory.
    pub fn add_certificate_der(&mut self, der: &[u8]) -> Result<(), TrustError> {
        let c = Certificate::from_der(der)?;
        let t: [u8; 32] = Sha256::digest(c.raw()).into();
        if !self.directory.iter().any(|(x, _)| *x == t) {
            self.directory.push((t, c));
        }
        Ok(())
    }

    /// Caches every `CERTIFICATE` of a PEM text in the directory; returns how many.
    pub fn add_certificates_pem(&mut self, pem: &[u8]) -> Result<usize, TrustError> {
        let blocks = pem_blocks(pem, "CERTIFICATE").map_err(TrustError::Pem)?;
        for b in &blocks {
            self.add_certificate_der(b)?;
        }
        Ok(blocks.len())
    }

    /// The anchors.
    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }

    /// The directory's certificates.
    pub fn directory(&self) -> impl Iterator<Item = &Certificate> {
        self.directory.iter().map(|(_, c)| c)
    }

    fn by_x5t(&self, t: &[u8]) -> Option<&Certificate> {
        self.directory
            .iter()
            .find(|(x, _)| x.as_slice() == t)
            .map(|(_, c)| c)
    }
}

/// The SEC1 point of a P-256 certificate key (65 bytes uncompressed, or as encoded).
fn p256_point(cert: &Certificate) -> Result<Vec<u8>, ScanError> {
    let key = PublicKey::from_spki(cert.spki())
        .map_err(|_| ScanError::Unsupported("relying-party key"))?;
    if key.named_curve() != Some(NamedCurve::P256) {
        return Err(ScanError::Unsupported("relying-party key is not P-256"));
    }
    let spki = ber::read_single(cert.spki()).map_err(|_| ScanError::Malformed("SPKI"))?;
    let mut c = spki.children();
    let _alg = c.expect(0x30).map_err(|_| ScanError::Malformed("SPKI"))?;
    let bits = c.expect(0x03).map_err(|_| ScanError::Malformed("SPKI"))?;
    match bits.content.split_first() {
        Some((0, point)) => Ok(point.to_vec()),
        _ => Err(ScanError::Malformed("SPKI")),
    }
}

fn cert_time_ok(cert: &Certificate, now: Timestamp) -> bool {
    cert.is_valid_at(now) && !cert.unknown_critical()
}

fn is_ca_for_signing(cert: &Certificate) -> bool {
    cert.is_ca() == Some(true) && cert.key_usage().is_none_or(|ku| ku & KU_KEY_CERT_SIGN != 0)
}

/// Checks the leaf and finds a path to an anchor through `extra` (the x5chain's other
/// certificates) and the directory's CA certificates.
fn verify_chain(
    leaf: &Certificate,
    extra: &[Certificate],
    trust: &RelyingPartyTrust,
    now: Timestamp,
) -> Result<(), ScanError> {
    if leaf.version() != 3 {
        return Err(ScanError::UnknownRelyingParty(
            "certificate is not X.509 v3",
        ));
    }
    if leaf.is_ca() == Some(true) {
        return Err(ScanError::UnknownRelyingParty("certificate is a CA"));
    }
    if leaf
        .key_usage()
        .is_none_or(|ku| ku & KU_DIGITAL_SIGNATURE == 0)
    {
        return Err(ScanError::UnknownRelyingParty(
            "certificate keyUsage lacks digitalSignature",
        ));
    }
    if !cert_time_ok(leaf, now) {
        return Err(ScanError::UnknownRelyingParty(
            "certificate not valid at the scan time",
        ));
    }
    let mut current = leaf;
    let mut reason = "no chain to a relying-party trust anchor";
    for _ in 0..=MAX_CHAIN_LEN {
        for anchor in &trust.anchors {
            if anchor.subject().eq_as_set(current.issuer())
                && current.verify_signed_by_cert(anchor).is_ok()
            {
                if cert_time_ok(anchor, now) && is_ca_for_signing(anchor) {
                    return Ok(());
                }
                // Another anchor (a renewed one) may still fit.
                reason = "trust anchor not valid at the scan time or not a CA";
            }
        }
        let next = extra.iter().chain(trust.directory()).find(|c| {
            *c != current
                && c.subject().eq_as_set(current.issuer())
                && is_ca_for_signing(c)
                && cert_time_ok(c, now)
                && current.verify_signed_by_cert(c).is_ok()
        });
        match next {
            Some(n) => current = n,
            None => break,
        }
    }
    Err(ScanError::UnknownRelyingParty(reason))
}

// ---------------------------------------------------------------------------------------------
// Scanning (phone)

/// The outcome of the (advisory) clock check on the phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockCheck {
    /// `issued_at - skew <= now <= expires_at + skew`.
    Ok,
    /// `now` is past `expires_at + skew` by this many seconds.
    Expired {
        /// Seconds beyond the tolerated expiry.
        seconds_late: u64,
    },
    /// `now` is before `issued_at - skew` by this many seconds.
    NotYetValid {
        /// Seconds before the tolerated start.
        seconds_early: u64,
    },
}

/// A challenge whose signature and relying party checked out.
#[derive(Clone, Debug)]
pub struct ScannedChallenge {
    /// The payload.
    pub challenge: Challenge,
    /// The relying party's certified name: subject organizationName, else commonName.
    pub rp_display_name: String,
    /// The signing certificate.
    pub rp_certificate: Certificate,
    /// The COSE_Sign1 bytes as scanned (what receipts digest).
    pub cose: Vec<u8>,
    /// The confirmation code to show next to the relying party's.
    pub confirmation_code: String,
    /// Full (x5chain) or compact (x5t).
    pub form: Form,
    /// The advisory clock outcome.
    pub clock: ClockCheck,
}

impl ScannedChallenge {
    /// True when the phone's clock agrees with the challenge's validity window (within skew).
    pub fn clock_ok(&self) -> bool {
        self.clock == ClockCheck::Ok
    }

    /// The clock outcome as an error, for callers that enforce it.
    pub fn check_clock(&self) -> Result<(), ScanError> {
        match self.clock {
            ClockCheck::Ok => Ok(()),
            ClockCheck::Expired { .. } => Err(ScanError::Expired),
            ClockCheck::NotYetValid { .. } => Err(ScanError::NotYetValid),
        }
    }
}

/// Scans a challenge: `input` is the QR text (`MC1:...`) or the raw COSE_Sign1 bytes; `now`
/// is the phone's clock (Unix seconds), used for certificate validity and the advisory clock
/// check with `skew` seconds of tolerance. Checks, in order: size, encoding, COSE structure and
/// algorithm, certificate reference, chain to an anchor, signature, payload, rp_id against the
/// certificate's commonName, content rules.
pub fn scan(
    input: &[u8],
    trust: &RelyingPartyTrust,
    now: u64,
    skew: u64,
) -> Result<ScannedChallenge, ScanError> {
    let bytes = decode_input(input)?;
    let sign1 = cose::parse_sign1(&bytes, MAX_CHALLENGE_LEN)?;
    let mut x5chain = None;
    let mut x5t = None;
    for (label, value) in &sign1.unprotected.rest {
        match label {
            Label::Int(X5CHAIN) => x5chain = Some(value),
            Label::Int(X5T) => x5t = Some(value),
            _ => {}
        }
    }
    for (label, _) in &sign1.protected.header.rest {
        if matches!(label, Label::Int(X5CHAIN | X5T)) {
            return Err(ScanError::Unsupported(
                "certificate reference in the protected header",
            ));
        }
    }
    let at = Timestamp(i64::try_from(now).map_err(|_| ScanError::Malformed("time"))?);
    let (leaf, extra, form) = match (x5chain, x5t) {
        (Some(chain), None) => {
            let ders: Vec<&Vec<u8>> = match chain {
                Value::Bytes(b) => vec![b],
                Value::Array(items) if (1..=MAX_CHAIN_LEN).contains(&items.len()) => items
                    .iter()
                    .map(|v| match v {
                        Value::Bytes(b) => Ok(b),
                        _ => Err(ScanError::Malformed("x5chain entry")),
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(ScanError::Malformed("x5chain")),
            };
            let mut certs = ders
                .into_iter()
                .map(|d| Certificate::from_der(d))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| ScanError::Malformed("x5chain certificate"))?;
            let leaf = certs.remove(0);
            (leaf, certs, Form::Full)
        }
        (None, Some(t)) => {
            let Value::Array(pair) = t else {
                return Err(ScanError::Malformed("x5t"));
            };
            let [alg, hash] = pair.as_slice() else {
                return Err(ScanError::Malformed("x5t"));
            };
            if alg.as_integer().and_then(|i| i64::try_from(i).ok()) != Some(SHA_256) {
                return Err(ScanError::Unsupported("x5t hash algorithm"));
            }
            let Value::Bytes(hash) = hash else {
                return Err(ScanError::Malformed("x5t"));
            };
            if hash.len() != 32 {
                return Err(ScanError::Malformed("x5t"));
            }
            let leaf = trust.by_x5t(hash).ok_or(ScanError::UnknownRelyingParty(
                "certificate not in the relying-party directory",
            ))?;
            (leaf.clone(), Vec::new(), Form::Compact)
        }
        (None, None) => return Err(ScanError::Malformed("no x5chain or x5t")),
        (Some(_), Some(_)) => return Err(ScanError::Malformed("both x5chain and x5t")),
    };
    verify_chain(&leaf, &extra, trust, at)?;
    let point = p256_point(&leaf)?;
    cose::verify_es256(&sign1, &point)?;
    let payload = sign1
        .payload
        .as_deref()
        .ok_or(ScanError::Unsupported("detached payload"))?;
    let challenge = Challenge::from_cbor(payload)?;
    let cn = leaf.subject().common_name().unwrap_or_default();
    if cn != challenge.rp_id {
        return Err(ScanError::UnknownRelyingParty(
            "rp_id differs from the certificate's commonName",
        ));
    }
    let display = leaf
        .subject()
        .attributes()
        .find(|a| a.oid == ORGANIZATION_NAME && a.is_string && !a.value.trim().is_empty())
        .map(|a| a.value.trim().to_owned())
        .unwrap_or_else(|| cn.to_owned());
    let clock = if now.saturating_add(skew) < challenge.issued_at {
        ClockCheck::NotYetValid {
            seconds_early: challenge.issued_at - now.saturating_add(skew),
        }
    } else if now > challenge.expires_at.saturating_add(skew) {
        ClockCheck::Expired {
            seconds_late: now - challenge.expires_at.saturating_add(skew),
        }
    } else {
        ClockCheck::Ok
    };
    Ok(ScannedChallenge {
        confirmation_code: confirmation_code(&bytes),
        challenge,
        rp_display_name: display,
        rp_certificate: leaf,
        cose: bytes,
        form,
        clock,
    })
}

/// [`scan`], then the clock check enforced ([`ScanError::Expired`], [`ScanError::NotYetValid`]).
pub fn scan_strict(
    input: &[u8],
    trust: &RelyingPartyTrust,
    now: u64,
    skew: u64,
) -> Result<ScannedChallenge, ScanError> {
    let s = scan(input, trust, now, skew)?;
    s.check_clock()?;
    Ok(s)
}

// ---------------------------------------------------------------------------------------------
// PEM and private keys

/// Decodes every PEM block labelled `label`; an error when a block is broken or none is found.
fn pem_blocks(text: &[u8], label: &str) -> Result<Vec<Vec<u8>>, &'static str> {
    use base64::Engine;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut current: Option<Zeroizing<Vec<u8>>> = None;
    for line in text.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if line == begin.as_bytes() {
            current = Some(Zeroizing::new(Vec::new()));
        } else if line == end.as_bytes() {
            let b64 = current.take().ok_or("END without BEGIN")?;
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64.as_slice())
                .map_err(|_| "bad base64")?;
            out.push(der);
        } else if let Some(b64) = current.as_mut()
            && !line.contains(&b':')
        {
            b64.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
        }
    }
    if current.is_some() {
        return Err("BEGIN without END");
    }
    if out.is_empty() {
        return Err("no PEM block");
    }
    Ok(out)
}

/// A relying party's P-256 private key from PEM (`PRIVATE KEY` PKCS#8 or `EC PRIVATE KEY`
/// SEC1): the 32-byte scalar, checked to be a valid P-256 private key, in a zeroizing buffer.
/// Errors name what is wrong, never a key byte.
pub fn rp_private_key_from_pem(pem: &[u8]) -> Result<Zeroizing<[u8; 32]>, IssueError> {
    let scalar = private_key_from_pem(pem)?;
    p256::ecdsa::SigningKey::from_slice(&scalar)
        .map_err(|_| IssueError::Credentials("private key is not a P-256 scalar"))?;
    let mut out = Zeroizing::new([0u8; 32]);
    if scalar.len() != out.len() {
        return Err(IssueError::Credentials("private key is not a P-256 scalar"));
    }
    out.copy_from_slice(&scalar);
    Ok(out)
}

/// The P-256 private scalar of a PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`) PEM.
fn private_key_from_pem(pem: &[u8]) -> Result<Zeroizing<Vec<u8>>, IssueError> {
    const BAD: IssueError = IssueError::Credentials("private key");
    if let Ok(blocks) = pem_blocks(pem, "PRIVATE KEY") {
        let der = Zeroizing::new(blocks.into_iter().next().ok_or(BAD)?);
        let top = ber::read_single(&der).map_err(|_| BAD)?;
        let mut c = top.children();
        let _version = c.expect(0x02).map_err(|_| BAD)?;
        let alg = c.expect(0x30).map_err(|_| BAD)?;
        let mut a = alg.children();
        let oid = a.expect(0x06).map_err(|_| BAD)?.oid();
        let curve = a.expect(0x06).map_err(|_| BAD)?.oid();
        if oid.as_deref() != Some("1.2.840.10045.2.1")
            || curve.as_deref() != Some("1.2.840.10045.3.1.7")
        {
            return Err(IssueError::Credentials("private key is not EC P-256"));
        }
        let inner = c.expect(0x04).map_err(|_| BAD)?;
        return sec1_scalar(inner.content);
    }
    let blocks = pem_blocks(pem, "EC PRIVATE KEY").map_err(|_| BAD)?;
    let der = Zeroizing::new(blocks.into_iter().next().ok_or(BAD)?);
    sec1_scalar(&der)
}

/// `ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, ... }` -> the scalar.
fn sec1_scalar(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, IssueError> {
    const BAD: IssueError = IssueError::Credentials("EC private key");
    let top = ber::read_single(der).map_err(|_| BAD)?;
    let mut c = top.children();
    if c.expect(0x02).map_err(|_| BAD)?.unsigned() != Some(1) {
        return Err(BAD);
    }
    let k = c.expect(0x04).map_err(|_| BAD)?;
    if k.content.len() != 32 {
        return Err(IssueError::Credentials("private key is not a P-256 scalar"));
    }
    Ok(Zeroizing::new(k.content.to_vec()))
}

#[cfg(test)]
mod tests;
