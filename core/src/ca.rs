//! Chip Authentication (ICAO 9303-11 §6.2, BSI TR-03110-2 §3.4 and TR-03110-3), terminal side,
//! as a sans-I/O typestate.
//!
//! This module owns reading the chip's static key-agreement key (ChipAuthenticationPublicKeyInfo
//! and ChipAuthenticationInfo from DG14 or EF.CardSecurity, with a minimal SecurityInfos walk of
//! its own), the ephemeral ECDH with that key, the commands (MSE:Set KAT for version 1 with 3DES;
//! MSE:Set AT + GENERAL AUTHENTICATE otherwise), the check of the chip's authentication token
//! T_PICC (version 2) and the derivation of the new secure-messaging session that replaces the
//! one BAC or PACE opened. It does no I/O: under an existing session the caller protects the
//! commands and unprotects the responses with its current channel, then swaps in the returned
//! [`SecureMessaging`]. It does not implement the chip side, Terminal Authentication, nor the full
//! SecurityInfos model (PACE owns that).
//!
//! Secret-scalar arithmetic uses the constant-time RustCrypto curve crates only (P-256, P-384,
//! P-521, brainpoolP256r1, brainpoolP384r1) and, for Diffie-Hellman, crypto-bigint's
//! constant-time exponentiation through [`crate::pace::dh`] (the RFC 5114 groups by
//! standardized id, or explicit X9.42 dhpublicnumber parameters p, g, q); other curves are
//! reported as [`Error::Unsupported`]. The ephemeral key lives only inside
//! [`ChipAuthentication::start`]; the shared secret is kept zeroized until the session keys are
//! derived. Keys and secrets are redacted in `Debug`.
//!
//! Version 1 is implicit: nothing in its exchange proves the chip knows the static private key.
//! The proof is the first response that verifies under the new session; a caller must send at
//! least one protected command after [`CaOutcome`] and treat its failure as a failed chip
//! authentication. Version 2 is explicit through T_PICC. Either way the chip is only proven to
//! hold the key of the SubjectPublicKeyInfo given here: the caller must take it from a DG14 or
//! EF.CardSecurity that passed passive authentication.

use core::fmt;

use p256::elliptic_curve::{
    self, CurveArithmetic, FieldBytes, FieldBytesSize, NonZeroScalar,
    point::AffineCoordinates,
    sec1::{FromSec1Point, ModulusSize, ToSec1Point},
};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::apdu::{Command, Response};
use crate::crypto::{self, MAC_LEN, SmCipher};
use crate::error::{ChipError, Error, Result};
use crate::pace::dh::DhGroup;
use crate::pki::ber::{self, Element};
use crate::pki::ec::NamedCurve;
use crate::pki::oid;
use crate::rand::RandomSource;
use crate::sm::SecureMessaging;
use crate::tlv;

/// id-PK-DH, 0.4.0.127.0.7.2.2.1.1 (ChipAuthenticationPublicKeyInfo protocol).
pub const ID_PK_DH: &str = "0.4.0.127.0.7.2.2.1.1";
/// id-PK-ECDH, 0.4.0.127.0.7.2.2.1.2 (ChipAuthenticationPublicKeyInfo protocol).
pub const ID_PK_ECDH: &str = "0.4.0.127.0.7.2.2.1.2";
/// id-CA-DH (prefix of the DH chip authentication protocols), 0.4.0.127.0.7.2.2.3.1.
pub const ID_CA_DH: &str = "0.4.0.127.0.7.2.2.3.1";
/// id-CA-ECDH (prefix of the ECDH chip authentication protocols), 0.4.0.127.0.7.2.2.3.2.
pub const ID_CA_ECDH: &str = "0.4.0.127.0.7.2.2.3.2";
/// BSI standardizedDomainParameters, 0.4.0.127.0.7.1.2 (AlgorithmIdentifier with an INTEGER).
pub const STANDARDIZED_DOMAIN_PARAMETERS: &str = "0.4.0.127.0.7.1.2";
/// ANSI X9.42 dhpublicnumber, 1.2.840.10046.2.1.
pub const DH_PUBLIC_NUMBER: &str = "1.2.840.10046.2.1";
/// id-icao-mrtd-security-aaProtocolObject, 2.23.136.1.1.5 (ActiveAuthenticationInfo).
pub const ID_AA: &str = "2.23.136.1.1.5";

/// The most SecurityInfo entries read from one SET (DG14 holds a handful).
const MAX_INFOS: usize = 64;
/// Length of r_PICC in CA version 2.
const NONCE_LEN: usize = 8;
/// Upper bound on ephemeral-key draws (rejection sampling of the scalar).
const MAX_DRAWS: usize = 64;

const DURING_DG14: &str = "DG14 SecurityInfos";
const DURING_MSE: &str = "chip authentication MSE:Set";
const DURING_GA: &str = "chip authentication GENERAL AUTHENTICATE";

/// The key agreement of a chip authentication protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAgreement {
    /// Diffie-Hellman over a prime-order subgroup of Z_p*.
    Dh,
    /// Elliptic-curve Diffie-Hellman.
    Ecdh,
}

/// A chip authentication protocol: id-CA-{DH,ECDH}-{3DES-CBC-CBC, AES-CBC-CMAC-128/192/256}.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CaProtocol {
    /// DH or ECDH.
    pub agreement: KeyAgreement,
    /// The secure-messaging cipher of the new session (also decides the KDF).
    pub cipher: SmCipher,
}

impl CaProtocol {
    /// The protocol of a dotted OID (0.4.0.127.0.7.2.2.3.{1,2}.{1,2,3,4}), `None` otherwise.
    pub fn from_oid(dotted: &str) -> Option<Self> {
        let (agreement, last) = if let Some(rest) = dotted.strip_prefix(ID_CA_ECDH) {
            (KeyAgreement::Ecdh, rest)
        } else if let Some(rest) = dotted.strip_prefix(ID_CA_DH) {
            (KeyAgreement::Dh, rest)
        } else {
            return None;
        };
        let cipher = match last {
            ".1" => SmCipher::Des3,
            ".2" => SmCipher::Aes128,
            ".3" => SmCipher::Aes192,
            ".4" => SmCipher::Aes256,
            _ => return None,
        };
        Some(CaProtocol { agreement, cipher })
    }

    /// The dotted OID.
    pub fn oid(&self) -> String {
        let prefix = match self.agreement {
            KeyAgreement::Dh => ID_CA_DH,
            KeyAgreement::Ecdh => ID_CA_ECDH,
        };
        let last = match self.cipher {
            SmCipher::Des3 => 1,
            SmCipher::Aes128 => 2,
            SmCipher::Aes192 => 3,
            SmCipher::Aes256 => 4,
        };
        format!("{prefix}.{last}")
    }

    fn oid_content(&self) -> Result<Vec<u8>> {
        oid::encode(&self.oid()).ok_or(Error::Internal("chip authentication: protocol OID"))
    }
}

/// ChipAuthenticationInfo ::= SEQUENCE { protocol OID, version INTEGER, keyId INTEGER OPTIONAL }.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipAuthenticationInfo {
    /// The dotted protocol OID as written.
    pub oid: String,
    /// The protocol, when the OID is one this module knows.
    pub protocol: Option<CaProtocol>,
    /// The version (1 or 2 in practice; kept as written).
    pub version: u32,
    /// The key identifier, when the chip has more than one key.
    pub key_id: Option<u32>,
}

/// ChipAuthenticationPublicKeyInfo ::= SEQUENCE { protocol OID (id-PK-DH / id-PK-ECDH),
/// chipAuthenticationPublicKey SubjectPublicKeyInfo, keyId INTEGER OPTIONAL }.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipAuthenticationPublicKeyInfo {
    /// The dotted protocol OID (id-PK-DH or id-PK-ECDH).
    pub oid: String,
    /// The SubjectPublicKeyInfo TLV, as encoded.
    pub spki: Vec<u8>,
    /// The key identifier.
    pub key_id: Option<u32>,
}

/// ActiveAuthenticationInfo ::= SEQUENCE { protocol id-AA (2.23.136.1.1.5), version INTEGER,
/// signatureAlgorithm OID } (ICAO 9303-11 §9.2.10; ECDSA active authentication).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveAuthenticationInfo {
    /// The version (1).
    pub version: u32,
    /// The dotted signature algorithm OID (for example ecdsa-plain-SHA256 0.4.0.127.0.7.1.1.4.1.3).
    pub signature_algorithm: String,
}

/// What chip and active authentication need from a SecurityInfos SET (DG14 or
/// EF.CardSecurity). Other SecurityInfo entries (PACE, TA, RI ...) are skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaSecurityInfos {
    /// Every ChipAuthenticationInfo, in order.
    pub ca_infos: Vec<ChipAuthenticationInfo>,
    /// Every ChipAuthenticationPublicKeyInfo, in order.
    pub public_keys: Vec<ChipAuthenticationPublicKeyInfo>,
    /// The ActiveAuthenticationInfo, if present (the first one).
    pub aa_info: Option<ActiveAuthenticationInfo>,
}

fn dg14_err(problem: &'static str) -> Error {
    Error::Chip(ChipError::MalformedResponse {
        during: DURING_DG14,
        problem,
    })
}

/// A non-negative INTEGER that fits 32 bits.
fn small_int(el: &Element<'_>) -> Option<u32> {
    el.unsigned().and_then(|v| u32::try_from(v).ok())
}

fn read_oid(el: &Element<'_>) -> Option<String> {
    el.oid()
}

/// Parses DG14 (`6E { SET OF SecurityInfo }`, ICAO 9303-10 §4.7.14).
pub fn parse_dg14(dg14: &[u8]) -> Result<CaSecurityInfos> {
    let outer = ber::read_single(dg14).map_err(|_| dg14_err("not one BER object"))?;
    if outer.tag != 0x6E {
        return Err(dg14_err("tag is not 6E"));
    }
    parse_security_infos(outer.content)
}

/// Parses a SecurityInfos SET (`31 ...`; the content of DG14, or EF.CardSecurity's
/// eContent) and keeps the chip and active authentication entries. Unknown SecurityInfo
/// entries are skipped; known ones that are malformed are an error.
pub fn parse_security_infos(set: &[u8]) -> Result<CaSecurityInfos> {
    let set = ber::read_single(set).map_err(|_| dg14_err("not one BER object"))?;
    if set.tag != 0x31 {
        return Err(dg14_err("SecurityInfos is not a SET"));
    }
    let mut out = CaSecurityInfos::default();
    for (i, info) in set.children().enumerate() {
        if i >= MAX_INFOS {
            return Err(dg14_err("too many SecurityInfo entries"));
        }
        let info = info.map_err(|_| dg14_err("bad SecurityInfo encoding"))?;
        if info.tag != 0x30 {
            return Err(dg14_err("SecurityInfo is not a SEQUENCE"));
        }
        let mut c = info.children();
        let Some(Ok(proto)) = c.next() else {
            return Err(dg14_err("SecurityInfo without protocol"));
        };
        let dotted = read_oid(&proto).ok_or(dg14_err("SecurityInfo protocol is not an OID"))?;
        let fields: Vec<Element<'_>> = c
            .collect::<core::result::Result<_, _>>()
            .map_err(|_| dg14_err("bad SecurityInfo encoding"))?;
        if dotted == ID_PK_ECDH || dotted == ID_PK_DH {
            let (spki, key_id) = match fields.as_slice() {
                [spki] => (spki, None),
                [spki, id] => (
                    spki,
                    Some(small_int(id).ok_or(dg14_err("CA public key keyId"))?),
                ),
                _ => return Err(dg14_err("ChipAuthenticationPublicKeyInfo shape")),
            };
            if spki.tag != 0x30 {
                return Err(dg14_err("ChipAuthenticationPublicKeyInfo key"));
            }
            out.public_keys.push(ChipAuthenticationPublicKeyInfo {
                oid: dotted,
                spki: spki.raw.to_vec(),
                key_id,
            });
        } else if dotted.starts_with(ID_CA_ECDH) || dotted.starts_with(ID_CA_DH) {
            // ChipAuthenticationDomainParameterInfo (id-CA-DH / id-CA-ECDH without a cipher)
            // shares the prefix; it has an AlgorithmIdentifier instead of a version.
            let Some(protocol) = CaProtocol::from_oid(&dotted) else {
                continue;
            };
            let (version, key_id) = match fields.as_slice() {
                [v] => (small_int(v), None),
                [v, id] => (
                    small_int(v),
                    Some(small_int(id).ok_or(dg14_err("ChipAuthenticationInfo keyId"))?),
                ),
                _ => return Err(dg14_err("ChipAuthenticationInfo shape")),
            };
            out.ca_infos.push(ChipAuthenticationInfo {
                oid: dotted,
                protocol: Some(protocol),
                version: version.ok_or(dg14_err("ChipAuthenticationInfo version"))?,
                key_id,
            });
        } else if dotted == ID_AA && out.aa_info.is_none() {
            let [v, alg] = fields.as_slice() else {
                return Err(dg14_err("ActiveAuthenticationInfo shape"));
            };
            out.aa_info = Some(ActiveAuthenticationInfo {
                version: small_int(v).ok_or(dg14_err("ActiveAuthenticationInfo version"))?,
                signature_algorithm: read_oid(alg)
                    .ok_or(dg14_err("ActiveAuthenticationInfo signatureAlgorithm"))?,
            });
        }
    }
    Ok(out)
}

/// The curve of a BSI standardized domain parameter id (TR-03110-3 Table 4), `Ok(None)` for
/// the DH groups 0 to 2.
fn standardized_curve(id: u32) -> Result<Option<NamedCurve>> {
    Ok(Some(match id {
        0..=2 => return Ok(None),
        12 => NamedCurve::P256,
        13 => NamedCurve::BrainpoolP256r1,
        15 => NamedCurve::P384,
        16 => NamedCurve::BrainpoolP384r1,
        18 => NamedCurve::P521,
        11 => NamedCurve::BrainpoolP224r1,
        14 => NamedCurve::BrainpoolP320r1,
        17 => NamedCurve::BrainpoolP512r1,
        8..=10 => {
            return Err(Error::Unsupported(
                "chip authentication: 192/224-bit standardized curve",
            ));
        }
        _ => {
            return Err(Error::Unsupported(
                "chip authentication: unknown standardized domain parameters",
            ));
        }
    }))
}

/// True when the constant-time ECDH of this module covers the curve.
fn curve_supported(c: NamedCurve) -> bool {
    matches!(
        c,
        NamedCurve::P256
            | NamedCurve::P384
            | NamedCurve::P521
            | NamedCurve::BrainpoolP256r1
            | NamedCurve::BrainpoolP384r1
    )
}

/// Runs `$body` with `$c` bound to the RustCrypto curve type of `$curve`.
macro_rules! with_curve {
    ($curve:expr, $c:ident => $body:expr) => {
        match $curve {
            NamedCurve::P256 => {
                type $c = p256::NistP256;
                $body
            }
            NamedCurve::P384 => {
                type $c = p384::NistP384;
                $body
            }
            NamedCurve::P521 => {
                type $c = p521::NistP521;
                $body
            }
            NamedCurve::BrainpoolP256r1 => {
                type $c = bp256::BrainpoolP256r1;
                $body
            }
            NamedCurve::BrainpoolP384r1 => {
                type $c = bp384::BrainpoolP384r1;
                $body
            }
            _ => Err(Error::Unsupported(
                "chip authentication: curve without a constant-time implementation",
            )),
        }
    };
}

/// The domain parameters of a chip authentication key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaDomain {
    /// ECDH on this curve.
    Ec(NamedCurve),
    /// DH modulo a prime of `modulus_bits` bits (`standardized_id`: 0, 1 or 2 when the key
    /// named the RFC 5114 group by its standardized domain parameter id).
    Dh {
        /// The standardized domain parameter id, if the key used one.
        standardized_id: Option<u8>,
        /// Bit length of the modulus p (its byte length times 8).
        modulus_bits: u32,
    },
}

impl CaDomain {
    /// The key agreement.
    pub fn agreement(self) -> KeyAgreement {
        match self {
            CaDomain::Ec(_) => KeyAgreement::Ecdh,
            CaDomain::Dh { .. } => KeyAgreement::Dh,
        }
    }

    /// The curve, for an ECDH key.
    pub fn curve(self) -> Option<NamedCurve> {
        match self {
            CaDomain::Ec(c) => Some(c),
            CaDomain::Dh { .. } => None,
        }
    }
}

impl fmt::Display for CaDomain {
    /// The curve's name (e.g. `BrainpoolP256r1`) or `DH 1024-bit (standardized id 0)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaDomain::Ec(c) => write!(f, "{c:?}"),
            CaDomain::Dh {
                standardized_id: Some(id),
                modulus_bits,
            } => write!(f, "DH {modulus_bits}-bit (standardized id {id})"),
            CaDomain::Dh {
                standardized_id: None,
                modulus_bits,
            } => write!(f, "DH {modulus_bits}-bit"),
        }
    }
}

/// The explicit DH domain parameters of a key (big-endian p, g, q), kept to rebuild the group.
#[derive(Clone, PartialEq, Eq)]
struct DhParams {
    p: Vec<u8>,
    g: Vec<u8>,
    q: Vec<u8>,
}

/// The chip's static ECDH or DH key for chip authentication.
#[derive(Clone, PartialEq, Eq)]
pub struct ChipAuthPublicKey {
    spki: Vec<u8>,
    domain: CaDomain,
    /// EC: the uncompressed point; DH: the public value y, p's length.
    point: Vec<u8>,
    key_id: Option<u32>,
    /// DH with explicit parameters (`None` for a standardized group or EC).
    dh_params: Option<DhParams>,
}

impl fmt::Debug for ChipAuthPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipAuthPublicKey")
            .field("domain", &self.domain)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// The unsigned big-endian value of a DER INTEGER's content (one leading 00 of a positive
/// value removed); `None` for a negative or empty INTEGER.
fn unsigned_integer(content: &[u8]) -> Option<&[u8]> {
    match content {
        [] => None,
        [0, rest @ ..] if !rest.is_empty() => Some(rest),
        [b, ..] if *b & 0x80 != 0 => None,
        v => Some(v),
    }
}

impl ChipAuthPublicKey {
    /// Reads the chip's key from a SubjectPublicKeyInfo. The AlgorithmIdentifier may be
    /// id-ecPublicKey or id-PK-ECDH with a namedCurve OID or explicit ECParameters (equal to a
    /// known curve), or BSI standardizedDomainParameters / id-PK-ECDH with an INTEGER id. The
    /// point (uncompressed or compressed) is checked to be on the curve. Curves other than
    /// P-256/384/521 and brainpoolP256r1/P384r1 are [`Error::Unsupported`].
    ///
    /// DH keys: id-PK-DH or standardizedDomainParameters with an INTEGER id 0-2 (RFC 5114
    /// groups), or X9.42 dhpublicnumber (1.2.840.10046.2.1) with DomainParameters
    /// `SEQUENCE { p, g, q, ... }` (g must have order q); the BIT STRING holds a DER INTEGER y,
    /// checked to satisfy 1 < y < p-1 and y^q = 1. PKCS #3 parameters (no q) are rejected.
    pub fn from_spki(spki: &[u8], key_id: Option<u32>) -> Result<Self> {
        let bad = |p| dg14_err(p);
        let seq = ber::read_single(spki).map_err(|_| bad("SubjectPublicKeyInfo encoding"))?;
        if seq.tag != 0x30 {
            return Err(bad("SubjectPublicKeyInfo is not a SEQUENCE"));
        }
        let mut c = seq.children();
        let alg = c
            .expect(0x30)
            .map_err(|_| bad("SubjectPublicKeyInfo algorithm"))?;
        let bits = c
            .expect(0x03)
            .map_err(|_| bad("SubjectPublicKeyInfo key"))?;
        if c.next().is_some() {
            return Err(bad("SubjectPublicKeyInfo has trailing fields"));
        }
        let point = match bits.content.split_first() {
            Some((0, rest)) if !rest.is_empty() => rest,
            _ => return Err(bad("subjectPublicKey BIT STRING")),
        };
        let mut ac = alg.children();
        let alg_oid = ac
            .next()
            .and_then(|r| r.ok())
            .and_then(|e| read_oid(&e))
            .ok_or(bad("SubjectPublicKeyInfo algorithm OID"))?;
        let params = match ac.next() {
            None => None,
            Some(Ok(p)) => Some(p),
            Some(Err(_)) => return Err(bad("SubjectPublicKeyInfo parameters")),
        };
        if ac.next().is_some() {
            return Err(bad("AlgorithmIdentifier has trailing fields"));
        }
        if alg_oid == DH_PUBLIC_NUMBER
            || alg_oid == ID_PK_DH
            || (alg_oid == STANDARDIZED_DOMAIN_PARAMETERS
                && params
                    .as_ref()
                    .and_then(small_int)
                    .is_some_and(|id| id <= 2))
        {
            let params = params.ok_or(bad("DH key without domain parameters"))?;
            return Self::dh_from_parts(spki, &params, point, key_id);
        }
        if alg_oid != oid::EC_PUBLIC_KEY
            && alg_oid != ID_PK_ECDH
            && alg_oid != STANDARDIZED_DOMAIN_PARAMETERS
        {
            return Err(Error::Unsupported(
                "chip authentication: unknown public key algorithm",
            ));
        }
        let params = params.ok_or(bad("EC key without domain parameters"))?;
        let curve = match params.tag {
            0x02 => {
                let id = small_int(&params).ok_or(bad("standardized domain parameter id"))?;
                standardized_curve(id)?.ok_or(Error::Unsupported(
                    "chip authentication: DH domain parameters under an EC algorithm",
                ))?
            }
            0x06 => {
                let dotted = read_oid(&params).ok_or(bad("namedCurve OID"))?;
                NamedCurve::from_oid(&dotted).ok_or(Error::Unsupported(
                    "chip authentication: unknown named curve",
                ))?
            }
            0x30 => {
                // Explicit ECParameters: let the PKI layer identify the curve (it compares p, a,
                // b, G, n with the named curves) and check the point.
                let mut alg_id = tlv::encode(
                    0x06,
                    &oid::encode(oid::EC_PUBLIC_KEY)
                        .ok_or(Error::Internal("chip authentication: EC OID"))?,
                );
                alg_id.extend_from_slice(params.raw);
                let mut inner = tlv::encode(0x30, &alg_id);
                inner.extend_from_slice(bits.raw);
                let key = crate::pki::sig::PublicKey::from_spki(&tlv::encode(0x30, &inner))
                    .map_err(|_| bad("explicit EC domain parameters or point"))?;
                key.named_curve().ok_or(Error::Unsupported(
                    "chip authentication: explicit parameters of an unknown curve",
                ))?
            }
            _ => return Err(bad("EC domain parameters")),
        };
        if !curve_supported(curve) {
            return Err(Error::Unsupported(
                "chip authentication: curve without a constant-time implementation",
            ));
        }
        let point = with_curve!(curve, C => uncompressed_point::<C>(point))?;
        Ok(ChipAuthPublicKey {
            spki: spki.to_vec(),
            domain: CaDomain::Ec(curve),
            point,
            key_id,
            dh_params: None,
        })
    }

    /// A DH key: `params` is an INTEGER (standardized id 0-2) or X9.42 DomainParameters
    /// `SEQUENCE { p, g, q, j OPTIONAL, validationParms OPTIONAL }`; `bits` is the BIT
    /// STRING's content after its unused-bits octet, a DER INTEGER y. y is validated
    /// (1 < y < p-1, y^q = 1).
    fn dh_from_parts(
        spki: &[u8],
        params: &Element<'_>,
        bits: &[u8],
        key_id: Option<u32>,
    ) -> Result<Self> {
        let bad = |p| dg14_err(p);
        let (group, standardized_id, dh_params) = match params.tag {
            0x02 => {
                let id = small_int(params).ok_or(bad("standardized domain parameter id"))?;
                let id = u8::try_from(id)
                    .ok()
                    .filter(|id| *id <= 2)
                    .ok_or(Error::Unsupported(
                        "chip authentication: unknown standardized DH group",
                    ))?;
                let group = DhGroup::standardized(id)
                    .ok_or(Error::Internal("chip authentication: DH group"))?;
                (group, Some(id), None)
            }
            0x30 => {
                let mut c = params.children();
                let mut int = |what| {
                    c.expect(0x02)
                        .ok()
                        .and_then(|e| unsigned_integer(e.content).map(<[u8]>::to_vec))
                        .ok_or(bad(what))
                };
                let p = int("DH parameter p")?;
                let g = int("DH parameter g")?;
                let q = int("DH parameter q (PKCS #3 parameters without q are not supported)")?;
                let group =
                    DhGroup::from_be_bytes(&p, &g, &q).map_err(|_| bad("DH domain parameters"))?;
                (group, None, Some(DhParams { p, g, q }))
            }
            _ => return Err(bad("DH domain parameters")),
        };
        let y = ber::read_single(bits)
            .ok()
            .filter(|e| e.tag == 0x02)
            .and_then(|e| unsigned_integer(e.content))
            .ok_or(bad("DH public value is not an INTEGER"))?;
        group
            .validate_public(y)
            .map_err(|_| bad("DH public value out of range or not in the subgroup"))?;
        let len = group.byte_len();
        let mut point = vec![0u8; len.saturating_sub(y.len())];
        point.extend_from_slice(y);
        let modulus_bits = u32::try_from(len.saturating_mul(8)).unwrap_or(u32::MAX);
        Ok(ChipAuthPublicKey {
            spki: spki.to_vec(),
            domain: CaDomain::Dh {
                standardized_id,
                modulus_bits,
            },
            point,
            key_id,
            dh_params,
        })
    }

    /// The DH group of a DH key (`None` for EC).
    pub fn dh_group(&self) -> Option<DhGroup> {
        match (self.domain, &self.dh_params) {
            (CaDomain::Dh { .. }, Some(d)) => DhGroup::from_be_bytes(&d.p, &d.g, &d.q).ok(),
            (
                CaDomain::Dh {
                    standardized_id: Some(id),
                    ..
                },
                None,
            ) => DhGroup::standardized(id),
            _ => None,
        }
    }

    /// From a [`ChipAuthenticationPublicKeyInfo`] (its SPKI and keyId). The key's algorithm
    /// must match the info's protocol (id-PK-DH or id-PK-ECDH).
    pub fn from_info(info: &ChipAuthenticationPublicKeyInfo) -> Result<Self> {
        let key = Self::from_spki(&info.spki, info.key_id)?;
        let expected = if info.oid == ID_PK_DH {
            KeyAgreement::Dh
        } else {
            KeyAgreement::Ecdh
        };
        if key.domain.agreement() != expected {
            return Err(dg14_err(
                "key algorithm does not match id-PK-DH / id-PK-ECDH",
            ));
        }
        Ok(key)
    }

    /// The SubjectPublicKeyInfo as read.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// The domain parameters (curve or DH group).
    pub fn domain(&self) -> CaDomain {
        self.domain
    }

    /// The curve, for an ECDH key.
    pub fn curve(&self) -> Option<NamedCurve> {
        self.domain.curve()
    }

    /// The public point, uncompressed (`04 || x || y`); for DH the public value y,
    /// big-endian of p's length.
    pub fn point(&self) -> &[u8] {
        &self.point
    }

    /// The key identifier, if the chip gave one.
    pub fn key_id(&self) -> Option<u32> {
        self.key_id
    }
}

/// Decodes a SEC1 point (checked on the curve, not the identity) and re-encodes it uncompressed.
fn uncompressed_point<C>(sec1: &[u8]) -> Result<Vec<u8>>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    C::AffinePoint: FromSec1Point<C> + ToSec1Point<C>,
{
    let pk = elliptic_curve::PublicKey::<C>::from_sec1_bytes(sec1)
        .map_err(|_| dg14_err("chip authentication public point is not on the curve"))?;
    Ok(pk.as_affine().to_sec1_point(false).as_bytes().to_vec())
}

/// Bit length of the group order of the supported curves.
fn order_bits(curve: NamedCurve) -> usize {
    match curve {
        NamedCurve::P384 | NamedCurve::BrainpoolP384r1 => 384,
        NamedCurve::P521 => 521,
        _ => 256,
    }
}

/// Ephemeral ECDH: draws the terminal's scalar from `rng` (field-size big-endian bytes, top
/// bits above the order's length cleared, rejected and redrawn when zero or not below the
/// order), returns the terminal's public point (uncompressed) and the x-coordinate of
/// `scalar * chip_point`.
fn ecdh<C>(
    chip_point: &[u8],
    order_bits: usize,
    rng: &mut dyn RandomSource,
) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>)>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    C::AffinePoint: FromSec1Point<C> + ToSec1Point<C>,
{
    let chip = elliptic_curve::PublicKey::<C>::from_sec1_bytes(chip_point)
        .map_err(|_| dg14_err("chip authentication public point is not on the curve"))?;
    let mut scalar = None;
    for _ in 0..MAX_DRAWS {
        let mut repr = FieldBytes::<C>::default();
        rng.fill(repr.as_mut_slice())?;
        let excess = (repr.len() * 8).saturating_sub(order_bits);
        if let Some(top) = repr.first_mut() {
            *top &= 0xFFu8.checked_shr(excess as u32).unwrap_or(0);
        }
        let s: Option<NonZeroScalar<C>> = NonZeroScalar::<C>::from_repr(repr).into();
        repr.as_mut_slice().zeroize();
        if s.is_some() {
            scalar = s;
            break;
        }
    }
    let scalar = scalar.ok_or(Error::Random)?;
    let public = elliptic_curve::PublicKey::<C>::from_secret_scalar(&scalar);
    let pk_pcd = public.as_affine().to_sec1_point(false).as_bytes().to_vec();
    let shared: C::AffinePoint = (chip.to_projective() * *scalar).into();
    let mut x = shared.x();
    let k = Zeroizing::new(x.as_slice().to_vec());
    x.as_mut_slice().zeroize();
    Ok((pk_pcd, k))
}

/// Chip authentication ready to start: protocol, version and the chip's key.
#[derive(Clone, Debug)]
pub struct ChipAuthentication {
    protocol: CaProtocol,
    version: u32,
    chip_key: ChipAuthPublicKey,
}

/// What a finished chip authentication leaves for the record: enough to show later which key
/// the chip proved (version 2) or was challenged with (version 1).
#[derive(Clone, PartialEq, Eq)]
pub struct CaEvidence {
    /// The protocol.
    pub protocol: CaProtocol,
    /// The protocol's dotted OID.
    pub protocol_oid: String,
    /// The CA version used (1 or 2).
    pub version: u32,
    /// The curve or DH group of the chip's key.
    pub domain: CaDomain,
    /// The chip's static key as a SubjectPublicKeyInfo (from DG14 or EF.CardSecurity).
    pub chip_public_key_spki: Vec<u8>,
    /// The key identifier sent in DO'84', if any.
    pub key_id: Option<u32>,
    /// The terminal's ephemeral public key, uncompressed.
    pub terminal_ephemeral_public_key: Vec<u8>,
    /// r_PICC (version 2 only).
    pub r_picc: Option<Vec<u8>>,
    /// T_PICC, the chip's authentication token (version 2 only), verified.
    pub t_picc: Option<Vec<u8>>,
}

impl fmt::Debug for CaEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaEvidence")
            .field("protocol", &self.protocol_oid)
            .field("version", &self.version)
            .field("domain", &self.domain)
            .field("key_id", &self.key_id)
            .field("explicit", &self.t_picc.is_some())
            .finish_non_exhaustive()
    }
}

/// The result of chip authentication: the new session (SSC zero) and the evidence.
#[derive(Debug)]
pub struct CaOutcome {
    /// The secure-messaging session that replaces the current one for every later command.
    pub sm: SecureMessaging,
    /// What happened.
    pub evidence: CaEvidence,
}

impl ChipAuthentication {
    /// Chip authentication with `protocol`, `version` (1 or 2) and the chip's key, whose key
    /// agreement (DH or ECDH) must be the protocol's ([`Error::InvalidInput`] otherwise).
    pub fn new(protocol: CaProtocol, version: u32, chip_key: ChipAuthPublicKey) -> Result<Self> {
        if protocol.agreement != chip_key.domain.agreement() {
            return Err(Error::InvalidInput(
                "chip authentication: protocol and key use different key agreements",
            ));
        }
        if !matches!(version, 1 | 2) {
            return Err(Error::Unsupported("chip authentication: version"));
        }
        Ok(ChipAuthentication {
            protocol,
            version,
            chip_key,
        })
    }

    /// Picks the first usable pair from DG14 / EF.CardSecurity: a ChipAuthenticationInfo and a
    /// ChipAuthenticationPublicKeyInfo of the same key agreement (an ECDH key on a supported
    /// curve, or a DH key) with the same keyId (a missing keyId on either side matches).
    /// Without any ChipAuthenticationInfo (older passports), the ICAO default applies:
    /// id-CA-{ECDH,DH}-3DES-CBC-CBC (the key's agreement), version 1.
    pub fn from_security_infos(infos: &CaSecurityInfos) -> Result<Self> {
        let mut last_err = Error::Unsupported("chip authentication: no usable key");
        for key_info in &infos.public_keys {
            let key = match ChipAuthPublicKey::from_info(key_info) {
                Ok(k) => k,
                Err(e) => {
                    last_err = e;
                    continue;
                }
            };
            if infos.ca_infos.is_empty() {
                let protocol = CaProtocol {
                    agreement: key.domain.agreement(),
                    cipher: SmCipher::Des3,
                };
                return Self::new(protocol, 1, key);
            }
            for info in &infos.ca_infos {
                let ids_match = match (info.key_id, key.key_id) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                };
                if let Some(p) = info.protocol
                    && ids_match
                    && p.agreement == key.domain.agreement()
                    && matches!(info.version, 1 | 2)
                {
                    return Self::new(p, info.version, key);
                }
            }
        }
        Err(last_err)
    }

    /// The protocol.
    pub fn protocol(&self) -> CaProtocol {
        self.protocol
    }

    /// The version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The chip's key.
    pub fn chip_key(&self) -> &ChipAuthPublicKey {
        &self.chip_key
    }

    /// Draws the ephemeral key from `rng`, computes the shared secret and returns the first
    /// command: MSE:Set KAT (`00 22 41 A6`, data `91 PK_PCD [84 keyId]`) for version 1 with
    /// 3DES, otherwise MSE:Set AT (`00 22 41 A4`, data `80 OID [84 keyId]`). Neither expects
    /// response data. The scalar is drawn as field-size big-endian bytes (see the module doc).
    ///
    /// DH: the private key x is drawn in [1, q-1] (q's length), PK_PCD = g^x (p's length) and
    /// K = y_chip^x (p's length).
    pub fn start(self, rng: &mut dyn RandomSource) -> Result<(CaAwaitingMse, Command)> {
        let (pk_pcd, k) = match self.chip_key.domain {
            CaDomain::Ec(curve) => {
                let bits = order_bits(curve);
                let point = self.chip_key.point.as_slice();
                with_curve!(curve, C => ecdh::<C>(point, bits, &mut *rng))?
            }
            CaDomain::Dh { .. } => {
                let group = self.dh_group()?;
                let kp = group.generate_keypair(rng).map_err(Error::from)?;
                let k = group
                    .shared_secret(&kp.private, &self.chip_key.point)
                    .map_err(Error::from)?;
                (kp.public, k)
            }
        };
        self.start_with(pk_pcd, k)
    }

    /// [`ChipAuthentication::start`] with the terminal's DH private key given (big-endian):
    /// for worked examples whose exponents are longer than q. [`Error::InvalidInput`] for an
    /// ECDH key (inject the scalar through the random source instead).
    #[doc(hidden)]
    pub fn start_with_dh_private_key(self, x: &[u8]) -> Result<(CaAwaitingMse, Command)> {
        let group = self.dh_group()?;
        let x = group
            .private_key_from_be_bytes(x)
            .map_err(|_| Error::InvalidInput("chip authentication: DH private key"))?;
        let pk_pcd = group.public_key(&x);
        let k = group
            .shared_secret(&x, &self.chip_key.point)
            .map_err(Error::from)?;
        self.start_with(pk_pcd, k)
    }

    fn dh_group(&self) -> Result<DhGroup> {
        self.chip_key.dh_group().ok_or(Error::InvalidInput(
            "chip authentication: not a Diffie-Hellman key",
        ))
    }

    fn start_with(
        self,
        pk_pcd: Vec<u8>,
        k: Zeroizing<Vec<u8>>,
    ) -> Result<(CaAwaitingMse, Command)> {
        let key_ref = self.chip_key.key_id.map(|id| {
            let b = id.to_be_bytes();
            let first = b.iter().position(|&x| x != 0).unwrap_or(b.len() - 1);
            tlv::encode(0x84, b.get(first..).unwrap_or(&[0]))
        });
        let kat = self.version == 1 && self.protocol.cipher == SmCipher::Des3;
        let mut data = if kat {
            tlv::encode(0x91, &pk_pcd)
        } else {
            tlv::encode(0x80, &self.protocol.oid_content()?)
        };
        if let Some(r) = &key_ref {
            data.extend_from_slice(r);
        }
        let p2 = if kat { 0xA6 } else { 0xA4 };
        let cmd = Command::new(0x00, 0x22, 0x41, p2).with_data(data);
        Ok((
            CaAwaitingMse {
                ca: self,
                pk_pcd,
                k,
                kat,
            },
            cmd,
        ))
    }
}

/// Chip authentication after MSE:Set was built: waits for its status.
pub struct CaAwaitingMse {
    ca: ChipAuthentication,
    pk_pcd: Vec<u8>,
    k: Zeroizing<Vec<u8>>,
    kat: bool,
}

impl fmt::Debug for CaAwaitingMse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CaAwaitingMse(<redacted>)")
    }
}

/// The next step after MSE:Set.
#[derive(Debug)]
pub enum CaStep {
    /// Send GENERAL AUTHENTICATE, then call [`CaAwaitingGa::finish`] with its response.
    Authenticate(CaAwaitingGa, Command),
    /// Version 1 with MSE:Set KAT: done; switch to the new session now.
    Done(CaOutcome),
}

fn check_status(resp: &Response, during: &'static str) -> Result<()> {
    if resp.sw.is_success() {
        Ok(())
    } else {
        Err(Error::Chip(ChipError::UnexpectedStatus {
            sw: resp.sw,
            during,
        }))
    }
}

/// KS_enc = KDF(secret, 1), KS_mac = KDF(secret, 2), SSC zero.
fn session(cipher: SmCipher, secret: &[u8]) -> Result<SecureMessaging> {
    let k_enc = crypto::kdf(secret, 1, cipher);
    let k_mac = crypto::kdf(secret, 2, cipher);
    SecureMessaging::new(cipher, &k_enc, &k_mac, &vec![0u8; cipher.block_len()])
}

impl CaAwaitingMse {
    /// Takes MSE:Set's response (unprotected by the caller when under secure messaging; 9000
    /// required, no data expected). After MSE:Set KAT this ends chip authentication with keys
    /// from K; after MSE:Set AT it builds GENERAL AUTHENTICATE (`00 86 00 00`, data
    /// `7C { 80 PK_PCD }`, Ne = 256).
    pub fn on_mse(self, response: &Response) -> Result<CaStep> {
        check_status(response, DURING_MSE)?;
        let CaAwaitingMse { ca, pk_pcd, k, kat } = self;
        if kat {
            let sm = session(ca.protocol.cipher, &k)?;
            return Ok(CaStep::Done(CaOutcome {
                sm,
                evidence: evidence(&ca, pk_pcd, None, None),
            }));
        }
        let data = tlv::encode(0x7C, &tlv::encode(0x80, &pk_pcd));
        let cmd = Command::new(0x00, 0x86, 0x00, 0x00)
            .with_data(data)
            .with_ne(256);
        Ok(CaStep::Authenticate(CaAwaitingGa { ca, pk_pcd, k }, cmd))
    }
}

fn evidence(
    ca: &ChipAuthentication,
    pk_pcd: Vec<u8>,
    r_picc: Option<Vec<u8>>,
    t_picc: Option<Vec<u8>>,
) -> CaEvidence {
    CaEvidence {
        protocol: ca.protocol,
        protocol_oid: ca.protocol.oid(),
        version: ca.version,
        domain: ca.chip_key.domain,
        chip_public_key_spki: ca.chip_key.spki.clone(),
        key_id: ca.chip_key.key_id,
        terminal_ephemeral_public_key: pk_pcd,
        r_picc,
        t_picc,
    }
}

/// The authentication token input of TR-03110-3 A.2.4 / D.3.3: the public key data object
/// `7F49 { 06 protocol OID, 86 PK_PCD }` (EC) or `7F49 { 06 protocol OID, 84 PK_PCD }` (DH).
pub fn token_input(protocol: CaProtocol, pk_pcd: &[u8]) -> Result<Vec<u8>> {
    let tag = match protocol.agreement {
        KeyAgreement::Ecdh => 0x86,
        KeyAgreement::Dh => 0x84,
    };
    let mut inner = tlv::encode(0x06, &protocol.oid_content()?);
    inner.extend_from_slice(&tlv::encode(tag, pk_pcd));
    Ok(tlv::encode(0x7F49, &inner))
}

/// MAC of the authentication token: AES-CMAC truncated to 8 bytes, or the retail MAC over the
/// padded input for 3DES.
fn token_mac(cipher: SmCipher, k_mac: &[u8], input: &[u8]) -> Result<[u8; MAC_LEN]> {
    match cipher {
        SmCipher::Des3 => crypto::retail_mac(k_mac, &crypto::pad(input, 8)),
        _ => crypto::aes_cmac8(k_mac, input),
    }
}

/// Chip authentication after GENERAL AUTHENTICATE was built: waits for the chip's answer.
pub struct CaAwaitingGa {
    ca: ChipAuthentication,
    pk_pcd: Vec<u8>,
    k: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for CaAwaitingGa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CaAwaitingGa(<redacted>)")
    }
}

impl CaAwaitingGa {
    /// Takes GENERAL AUTHENTICATE's response (unprotected by the caller under secure
    /// messaging). Version 2: `7C { 81 r_PICC (8 bytes), 82 T_PICC (8 bytes) }`; the session
    /// keys are KDF(K || r_PICC, 1 and 2) and T_PICC must equal MAC(KS_mac, 7F49{06 OID, 86
    /// PK_PCD}) (constant-time compare, [`ChipError::AuthenticationFailed`] otherwise).
    /// Version 1 (AES): no nonce or token (the response data, `7C 00` or empty, is ignored);
    /// keys from K.
    pub fn finish(self, response: &Response) -> Result<CaOutcome> {
        check_status(response, DURING_GA)?;
        let malformed = |problem| {
            Error::Chip(ChipError::MalformedResponse {
                during: DURING_GA,
                problem,
            })
        };
        let CaAwaitingGa { ca, pk_pcd, k } = self;
        let cipher = ca.protocol.cipher;
        if ca.version == 1 {
            // Version 1 has no nonce and no token; chips answer 7C 00 or nothing.
            let sm = session(cipher, &k)?;
            return Ok(CaOutcome {
                sm,
                evidence: evidence(&ca, pk_pcd, None, None),
            });
        }
        let outer = tlv::parse_single(&response.data, 0x7C)
            .map_err(|_| malformed("not one dynamic authentication data object"))?;
        let mut r = outer.children();
        let nonce = r
            .expect(0x81)
            .map_err(|_| malformed("r_PICC (81) missing"))?;
        let token = r
            .expect(0x82)
            .map_err(|_| malformed("T_PICC (82) missing"))?;
        r.finish().map_err(|_| malformed("unexpected objects"))?;
        if nonce.value.len() != NONCE_LEN {
            return Err(malformed("r_PICC is not 8 bytes"));
        }
        if token.value.len() != MAC_LEN {
            return Err(malformed("T_PICC is not 8 bytes"));
        }
        let mut secret = Zeroizing::new(Vec::with_capacity(k.len() + NONCE_LEN));
        secret.extend_from_slice(&k);
        secret.extend_from_slice(nonce.value);
        let k_mac = crypto::kdf(&secret, 2, cipher);
        let expected = token_mac(cipher, &k_mac, &token_input(ca.protocol, &pk_pcd)?)?;
        if !bool::from(expected.ct_eq(token.value)) {
            return Err(ChipError::AuthenticationFailed.into());
        }
        let sm = session(cipher, &secret)?;
        let ev = evidence(
            &ca,
            pk_pcd,
            Some(nonce.value.to_vec()),
            Some(token.value.to_vec()),
        );
        Ok(CaOutcome { sm, evidence: ev })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_oids_round_trip() {
        for last in 1..=4 {
            for prefix in [ID_CA_DH, ID_CA_ECDH] {
                let o = format!("{prefix}.{last}");
                assert_eq!(CaProtocol::from_oid(&o).unwrap().oid(), o);
            }
        }
        assert_eq!(CaProtocol::from_oid(ID_CA_ECDH), None);
        assert_eq!(CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.2.5"), None);
        assert_eq!(CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.2.22"), None);
    }

    /// K of the BSI EAC worked example's chip authentication (values repeated from
    /// test-vectors/ca-aa/bsi_eac_ca_v2.json).
    #[test]
    fn ecdh_shared_secret_of_the_worked_example() {
        let h = |s: &str| hex::decode(s).unwrap();
        let chip = h(
            "04A44EBE5451DF7AADB01E459B8C928A87746A57927C8C28A6775C97A7E1FE8D9A46FF4A1CC7E4D1389AEA19758E4F75C28C598FD734AEBEB135337CF95BE12E94",
        );
        let mut rng = crate::rand::FixedRandom::new(h(
            "A6A4D255C5BF7A77EC3D0553DB74F693CF044E18C98364D4977A296108AF19BD",
        ));
        let (pk, k) = ecdh::<bp256::BrainpoolP256r1>(&chip, 256, &mut rng).unwrap();
        assert_eq!(
            pk,
            h(
                "045A7A377FC9CAFC03AC7FF45441A8B2909D88EAB8E6B0173847AB49B949DF3799A34EE57EC55268CF8B1C3EC489F8BF4CF4C68D3FD9670E89C0D5D3FFF1AAF89F"
            )
        );
        assert_eq!(
            *k,
            h("791DA04273CCFE862E52DF60347E2557192E1F8D7517822CE3D306056C1CDEB4")
        );
    }

    #[test]
    fn scalar_draws_are_bounded_and_masked() {
        // All-ones scalars are above the order: every draw is rejected, then Error::Random.
        let g = p256::AffinePoint::GENERATOR;
        let gp = g.to_sec1_point(false);
        let mut rng = crate::rand::FixedRandom::new(vec![0xFF; 32 * MAX_DRAWS]);
        assert!(matches!(
            ecdh::<p256::NistP256>(gp.as_bytes(), 256, &mut rng),
            Err(Error::Random)
        ));
        // P-521: 66 bytes drawn, the top 7 bits cleared, so all-ones-but-masked is accepted
        // only when below n; 0x01 FF.. is above n, 0x00 FF.. is below.
        let g = p521::AffinePoint::GENERATOR;
        let gp = g.to_sec1_point(false);
        let mut draws = vec![0xFF; 66];
        draws.push(0xFE);
        draws.extend([0xFF; 65]);
        let mut rng = crate::rand::FixedRandom::new(draws);
        assert!(ecdh::<p521::NistP521>(gp.as_bytes(), 521, &mut rng).is_ok());
        // Zero is rejected and redrawn.
        let gp = p256::AffinePoint::GENERATOR.to_sec1_point(false);
        let mut draws = vec![0; 32];
        draws.extend([1; 32]);
        let mut rng = crate::rand::FixedRandom::new(draws.clone());
        assert!(ecdh::<p256::NistP256>(gp.as_bytes(), 256, &mut rng).is_ok());
        let mut rng = crate::rand::FixedRandom::new(draws[..32].to_vec());
        assert!(matches!(
            ecdh::<p256::NistP256>(gp.as_bytes(), 256, &mut rng),
            Err(Error::Random)
        ));
    }
}
