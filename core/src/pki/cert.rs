//! X.509 certificates (CSCA, link, document signer, master list signer), parsed leniently.
//!
//! This module owns reading a `Certificate` over the lenient BER reader ([`crate::pki::ber`]):
//! BER lengths (long-form, non-minimal, indefinite) are accepted because issued certificates are
//! not always strict DER. The certificate keeps its bytes exactly as encoded: [`Certificate::tbs`]
//! is the signed `tbsCertificate` TLV as it was read, so a signature is always checked over what
//! the issuer signed, never over a re-encoding. It extracts what passive authentication needs
//! (names, validity, key, key usage, basic constraints, key identifiers) and ignores unknown
//! extensions, remembering whether one was critical. It does not decide trust (see
//! [`crate::pki::chain`]) and does not implement signature algorithms (see
//! [`crate::pki::sig`]).

use core::ops::Range;

use super::PkiError;
use super::alg::SignatureAlgorithm;
use super::ber::{self, Element};
use super::cms::SignerIdentifier;
use super::name::Name;
use super::oid;
use super::sig::{PublicKey, verify_signature};
use super::time::Timestamp;

/// [`Certificate::key_usage`] bit for digitalSignature (RFC 5280 KeyUsage bit 0).
pub const KU_DIGITAL_SIGNATURE: u16 = 1 << 0;
/// nonRepudiation / contentCommitment (bit 1).
pub const KU_NON_REPUDIATION: u16 = 1 << 1;
/// keyEncipherment (bit 2).
pub const KU_KEY_ENCIPHERMENT: u16 = 1 << 2;
/// dataEncipherment (bit 3).
pub const KU_DATA_ENCIPHERMENT: u16 = 1 << 3;
/// keyAgreement (bit 4).
pub const KU_KEY_AGREEMENT: u16 = 1 << 4;
/// keyCertSign (bit 5).
pub const KU_KEY_CERT_SIGN: u16 = 1 << 5;
/// cRLSign (bit 6).
pub const KU_CRL_SIGN: u16 = 1 << 6;
/// encipherOnly (bit 7).
pub const KU_ENCIPHER_ONLY: u16 = 1 << 7;
/// decipherOnly (bit 8).
pub const KU_DECIPHER_ONLY: u16 = 1 << 8;

/// Largest certificate accepted (real CSCA certificates are under 4 KiB).
pub const MAX_CERT_LEN: usize = 64 * 1024;

/// A parsed X.509 certificate that owns its encoding.
#[derive(Clone)]
pub struct Certificate {
    raw: Vec<u8>,
    tbs: Range<usize>,
    version: u32,
    serial: Range<usize>,
    tbs_signature_algorithm: Range<usize>,
    issuer: Name,
    not_before: Timestamp,
    not_after: Timestamp,
    subject: Name,
    spki: Range<usize>,
    signature_algorithm: Range<usize>,
    signature: Range<usize>,
    key_usage: Option<u16>,
    is_ca: Option<bool>,
    path_len: Option<u32>,
    subject_key_id: Option<Range<usize>>,
    authority_key_id: Option<Range<usize>>,
    unknown_critical: bool,
}

impl core::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject.to_string())
            .field("issuer", &self.issuer.to_string())
            .field("len", &self.raw.len())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Certificate {
    /// Same encoding.
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}
impl Eq for Certificate {}

/// The position of `sub` inside `base` (both borrowed from the same buffer).
fn range_in(base: &[u8], sub: &[u8]) -> Result<Range<usize>, PkiError> {
    let start = (sub.as_ptr() as usize)
        .checked_sub(base.as_ptr() as usize)
        .ok_or(PkiError::Malformed("certificate layout"))?;
    let end = start
        .checked_add(sub.len())
        .filter(|&e| e <= base.len())
        .ok_or(PkiError::Malformed("certificate layout"))?;
    Ok(start..end)
}

fn parse_time(e: &Element<'_>) -> Result<Timestamp, PkiError> {
    let t = match e.tag {
        0x17 => Timestamp::from_utc_time(e.content),
        0x18 => Timestamp::from_generalized_time(e.content),
        _ => None,
    };
    t.ok_or(PkiError::Malformed("Time"))
}

/// Reads a Time (UTCTime or GeneralizedTime) from `c` when the next element is one.
pub(crate) fn optional_time(c: &mut ber::Children<'_>) -> Result<Option<Timestamp>, PkiError> {
    if let Some(e) = c.optional(0x17)? {
        return parse_time(&e).map(Some);
    }
    if let Some(e) = c.optional(0x18)? {
        return parse_time(&e).map(Some);
    }
    Ok(None)
}

/// The bits of a primitive BIT STRING's content whose unused-bit count is 0 (signatures).
pub(crate) fn bit_string_bytes<'a>(e: &Element<'a>) -> Result<&'a [u8], PkiError> {
    if e.tag != 0x03 {
        return Err(PkiError::Malformed("BIT STRING"));
    }
    match e.content.split_first() {
        Some((0, rest)) => Ok(rest),
        _ => Err(PkiError::Malformed("BIT STRING")),
    }
}

/// KeyUsage BIT STRING content -> u16 with bit i = RFC 5280 bit i.
fn key_usage_bits(content: &[u8]) -> Result<u16, PkiError> {
    let (_unused, bits) = content
        .split_first()
        .ok_or(PkiError::Malformed("keyUsage"))?;
    let mut out = 0u16;
    for i in 0..9usize {
        let byte = bits.get(i / 8).copied().unwrap_or(0);
        if byte & (0x80 >> (i % 8)) != 0 {
            out |= 1 << i;
        }
    }
    Ok(out)
}

impl Certificate {
    /// Parses a certificate (one TLV; BER lengths accepted, trailing bytes rejected).
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        if der.len() > MAX_CERT_LEN {
            return Err(PkiError::Malformed("certificate too large"));
        }
        let raw = der.to_vec();
        Self::parse(raw)
    }

    fn parse(raw: Vec<u8>) -> Result<Self, PkiError> {
        let buf: &[u8] = &raw;
        let cert = ber::read_single(buf)?;
        if cert.tag != 0x30 {
            return Err(PkiError::Malformed("Certificate"));
        }
        let mut top = cert.children();
        let tbs = top.expect(0x30)?;
        let sig_alg = top.expect(0x30)?;
        let sig = top.expect(0x03)?;
        if !top.is_empty() {
            return Err(PkiError::Malformed("Certificate (extra fields)"));
        }
        let signature = bit_string_bytes(&sig)?;

        let mut t = tbs.children();
        let version = match t.optional(0xA0)? {
            Some(v) => {
                let i = v.children().expect(0x02)?;
                match i.content {
                    [n] if *n <= 2 => u32::from(*n) + 1,
                    _ => return Err(PkiError::Malformed("certificate version")),
                }
            }
            None => 1,
        };
        let serial = t.expect(0x02)?;
        if serial.content.is_empty() || serial.content.len() > 64 {
            return Err(PkiError::Malformed("serialNumber"));
        }
        let tbs_sig_alg = t.expect(0x30)?;
        let issuer = Name::from_element(&t.expect(0x30)?)?;
        let validity = t.expect(0x30)?;
        let mut v = validity.children();
        let not_before = optional_time(&mut v)?.ok_or(PkiError::Malformed("notBefore"))?;
        let not_after = optional_time(&mut v)?.ok_or(PkiError::Malformed("notAfter"))?;
        let subject = Name::from_element(&t.expect(0x30)?)?;
        let spki = t.expect(0x30)?;
        // issuerUniqueID [1], subjectUniqueID [2] (primitive or, in BER, constructed).
        for tag in [0x81, 0xA1, 0x82, 0xA2] {
            t.optional(tag)?;
        }
        let mut key_usage = None;
        let mut is_ca = None;
        let mut path_len = None;
        let mut ski = None;
        let mut aki = None;
        let mut unknown_critical = false;
        if let Some(exts) = t.optional(0xA3)? {
            let seq = exts.children().expect(0x30)?;
            for ext in seq.children() {
                let ext = ext?;
                let mut c = ext.children();
                let id = c.expect(0x06)?;
                let critical = match c.optional(0x01)? {
                    Some(b) => b.content.iter().any(|&x| x != 0),
                    None => false,
                };
                let value = c.expect(0x04)?;
                let value_bytes = value.content;
                let id = oid::to_string(id.content).ok_or(PkiError::Malformed("extension OID"))?;
                match id.as_str() {
                    oid::EXT_KEY_USAGE if key_usage.is_none() => {
                        let bs = ber::read_single(value_bytes)?;
                        if bs.tag != 0x03 {
                            return Err(PkiError::Malformed("keyUsage"));
                        }
                        key_usage = Some(key_usage_bits(bs.content)?);
                    }
                    oid::EXT_BASIC_CONSTRAINTS if is_ca.is_none() => {
                        let bc = ber::read_single(value_bytes)?;
                        let mut bcc = bc.children();
                        let ca = match bcc.optional(0x01)? {
                            Some(b) => b.content.iter().any(|&x| x != 0),
                            None => false,
                        };
                        if let Some(pl) = bcc.optional(0x02)?
                            && pl.content.len() <= 4
                        {
                            path_len = Some(
                                pl.content
                                    .iter()
                                    .fold(0u32, |a, &b| (a << 8) | u32::from(b)),
                            );
                        }
                        is_ca = Some(ca);
                    }
                    oid::EXT_SUBJECT_KEY_ID if ski.is_none() => {
                        let os = ber::read_single(value_bytes)?;
                        if os.tag != 0x04 {
                            return Err(PkiError::Malformed("subjectKeyIdentifier"));
                        }
                        ski = Some(range_in(buf, os.content)?);
                    }
                    oid::EXT_AUTHORITY_KEY_ID if aki.is_none() => {
                        let seq = ber::read_single(value_bytes)?;
                        if let Some(kid) = seq.children().optional(0x80)? {
                            aki = Some(range_in(buf, kid.content)?);
                        }
                    }
                    oid::EXT_KEY_USAGE
                    | oid::EXT_BASIC_CONSTRAINTS
                    | oid::EXT_SUBJECT_KEY_ID
                    | oid::EXT_AUTHORITY_KEY_ID => {} // duplicate: the first one counts
                    _ => unknown_critical |= critical,
                }
            }
        }
        Ok(Certificate {
            tbs: range_in(buf, tbs.raw)?,
            version,
            serial: range_in(buf, serial.content)?,
            tbs_signature_algorithm: range_in(buf, tbs_sig_alg.raw)?,
            issuer,
            not_before,
            not_after,
            subject,
            spki: range_in(buf, spki.raw)?,
            signature_algorithm: range_in(buf, sig_alg.raw)?,
            signature: range_in(buf, signature)?,
            key_usage,
            is_ca,
            path_len,
            subject_key_id: ski,
            authority_key_id: aki,
            unknown_critical,
            raw,
        })
    }

    fn slice(&self, r: &Range<usize>) -> &[u8] {
        self.raw.get(r.clone()).unwrap_or(&[])
    }

    /// The certificate exactly as encoded.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }
    /// The `tbsCertificate` TLV exactly as encoded (what the signature covers).
    pub fn tbs(&self) -> &[u8] {
        self.slice(&self.tbs)
    }
    /// X.509 version (1, 2 or 3).
    pub fn version(&self) -> u32 {
        self.version
    }
    /// The serial number's INTEGER content as encoded (may carry a leading 0x00, or be
    /// negative in non-conforming certificates).
    pub fn serial(&self) -> &[u8] {
        self.slice(&self.serial)
    }
    /// True when `serial` (INTEGER content) is the same number as this certificate's serial,
    /// ignoring leading zero bytes on either side.
    pub fn serial_matches(&self, serial: &[u8]) -> bool {
        strip_zeros(self.serial()) == strip_zeros(serial)
    }
    /// The issuer name.
    pub fn issuer(&self) -> &Name {
        &self.issuer
    }
    /// The subject name.
    pub fn subject(&self) -> &Name {
        &self.subject
    }
    /// Start of validity.
    pub fn not_before(&self) -> Timestamp {
        self.not_before
    }
    /// End of validity.
    pub fn not_after(&self) -> Timestamp {
        self.not_after
    }
    /// True when `now` is inside the validity period (bounds included).
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.not_before <= now && now <= self.not_after
    }
    /// The SubjectPublicKeyInfo TLV as encoded.
    pub fn spki(&self) -> &[u8] {
        self.slice(&self.spki)
    }
    /// The outer signatureAlgorithm AlgorithmIdentifier TLV.
    pub fn signature_algorithm(&self) -> &[u8] {
        self.slice(&self.signature_algorithm)
    }
    /// The signature AlgorithmIdentifier inside the tbsCertificate (should equal the outer one).
    pub fn tbs_signature_algorithm(&self) -> &[u8] {
        self.slice(&self.tbs_signature_algorithm)
    }
    /// The signature value (BIT STRING content without the unused-bits byte).
    pub fn signature(&self) -> &[u8] {
        self.slice(&self.signature)
    }
    /// The keyUsage extension, bit i set for RFC 5280 KeyUsage bit i (digitalSignature = bit
    /// 0 = `KU_DIGITAL_SIGNATURE` = 0x0001; on the wire that is the 0x80 bit of the first
    /// byte). `None` when the extension is absent.
    pub fn key_usage(&self) -> Option<u16> {
        self.key_usage
    }
    /// basicConstraints cA; `None` when the extension is absent.
    pub fn is_ca(&self) -> Option<bool> {
        self.is_ca
    }
    /// basicConstraints pathLenConstraint when present.
    pub fn path_len(&self) -> Option<u32> {
        self.path_len
    }
    /// subjectKeyIdentifier.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.subject_key_id.as_ref().map(|r| self.slice(r))
    }
    /// authorityKeyIdentifier keyIdentifier.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.authority_key_id.as_ref().map(|r| self.slice(r))
    }
    /// True when an extension this parser does not know is marked critical.
    pub fn unknown_critical(&self) -> bool {
        self.unknown_critical
    }
    /// Subject and issuer are the same name (compared as sets) and, when both key identifiers
    /// are present, they are equal: a self-signed CSCA rather than a link certificate. (A link
    /// certificate may keep the CSCA's name; its AKI then differs from its SKI.)
    pub fn is_self_issued(&self) -> bool {
        if !self.subject.eq_as_set(&self.issuer) {
            return false;
        }
        match (self.subject_key_id(), self.authority_key_id()) {
            (Some(s), Some(a)) => s == a,
            _ => true,
        }
    }

    /// True when a CMS SignerIdentifier names this certificate: the serial number (leading
    /// zeros ignored) and the issuer compared as a set (issuers are written in another RDN order
    /// in real SignerInfos), or the subject key identifier.
    pub fn matches_signer_id(&self, sid: &SignerIdentifier<'_>) -> bool {
        match sid {
            SignerIdentifier::IssuerAndSerial { issuer, serial } => {
                self.serial_matches(serial)
                    && Name::from_der(issuer).is_ok_and(|n| n.eq_as_set(&self.issuer))
            }
            SignerIdentifier::SubjectKeyId(kid) => self.subject_key_id() == Some(*kid),
        }
    }

    /// Verifies this certificate's signature (over [`Certificate::tbs`] as encoded) with the
    /// issuer's public key.
    pub fn verify_signed_by(&self, issuer_key: &PublicKey) -> Result<(), PkiError> {
        let alg = SignatureAlgorithm::from_algorithm_identifier(self.signature_algorithm())?;
        verify_signature(issuer_key, &alg, self.tbs(), self.signature())
    }

    /// Verifies this certificate's signature with the issuer certificate's public key.
    pub fn verify_signed_by_cert(&self, issuer: &Certificate) -> Result<(), PkiError> {
        verify_raw(
            issuer.spki(),
            self.signature_algorithm(),
            self.tbs(),
            self.signature(),
        )
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&x| x == 0).count();
    b.get(n..).unwrap_or(&[])
}

/// Verifies `signature` over `message` by the key in `spki` with the algorithm in `alg`
/// (AlgorithmIdentifier TLV).
pub(crate) fn verify_raw(
    spki: &[u8],
    alg: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    let key = PublicKey::from_spki(spki)?;
    let alg = SignatureAlgorithm::from_algorithm_identifier(alg)?;
    verify_signature(&key, &alg, message, signature)
}
