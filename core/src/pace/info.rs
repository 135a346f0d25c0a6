//! SecurityInfos: EF.CardAccess, the signed content of EF.CardSecurity, and DG14 (BSI
//! TR-03110-3 §A.1, ICAO 9303-11 §9.2), and the choice of a PACE protocol.
//!
//! This module owns decoding `SecurityInfos ::= SET OF SecurityInfo` (`SEQUENCE { protocol
//! OBJECT IDENTIFIER, requiredData ANY, optionalData ANY OPTIONAL }`) into typed infos (PACE,
//! PACE domain parameters, chip authentication and its keys, active and terminal
//! authentication, privileged-terminal infos), the PACE / CA protocol OIDs, the standardized
//! domain parameter ids, and [`choose`], which ranks the PACE options a card offers. It reads
//! BER with [`crate::pki::ber`] (lenient: any length form) and never panics; infos it does not
//! know are kept as [`SecurityInfo::Unknown`]. It does not verify EF.CardSecurity's signature
//! (that is passive authentication's job, `pki::pa`), and it does no cryptography.

use crate::crypto::SmCipher;
use crate::error::{ChipError, Error};
use crate::pki::ber::{self, BerError, Element};
use crate::pki::oid;

/// id-PACE (BSI TR-03110-3 / ICAO 9303-11 §9.2.1).
pub const ID_PACE: &str = "0.4.0.127.0.7.2.2.4";
/// id-CA (chip authentication).
pub const ID_CA: &str = "0.4.0.127.0.7.2.2.3";
/// id-PK (chip authentication public keys).
pub const ID_PK: &str = "0.4.0.127.0.7.2.2.1";
/// id-TA (terminal authentication).
pub const ID_TA: &str = "0.4.0.127.0.7.2.2.2";
/// id-PT (PrivilegedTerminalInfo, TR-03110-3 §A.1.1.8).
pub const ID_PRIVILEGED_TERMINAL: &str = "0.4.0.127.0.7.2.2.8";
/// id-icao-mrtd-security-aaProtocolObject (ActiveAuthenticationInfo).
pub const ID_AA: &str = "2.23.136.1.1.5";
/// standardizedDomainParameters (bsi-de algorithms 1.2): AlgorithmIdentifier whose parameter is
/// an INTEGER id of Table 4.
pub const STANDARDIZED_DOMAIN_PARAMETERS: &str = "0.4.0.127.0.7.1.2";

/// Most SecurityInfo entries accepted in one SET (a real EF.CardSecurity holds about 15).
pub const MAX_INFOS: usize = 256;

/// Why SecurityInfos could not be read. Names structures, never values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InfoError {
    /// The BER encoding is broken.
    #[error("SecurityInfos: BER: {0}")]
    Ber(#[from] BerError),
    /// A structure does not have the required shape.
    #[error("SecurityInfos: malformed {0}")]
    Malformed(&'static str),
    /// More than [`MAX_INFOS`] entries.
    #[error("SecurityInfos: too many entries")]
    TooMany,
}

impl From<InfoError> for Error {
    fn from(e: InfoError) -> Self {
        let problem = match e {
            InfoError::Ber(_) => "BER encoding",
            InfoError::Malformed(what) => what,
            InfoError::TooMany => "too many entries",
        };
        Error::Chip(ChipError::MalformedResponse {
            during: "reading SecurityInfos",
            problem,
        })
    }
}

/// The key agreement of a PACE or chip authentication protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAgreement {
    /// Finite-field Diffie-Hellman.
    Dh,
    /// Elliptic-curve Diffie-Hellman.
    Ecdh,
}

/// The PACE mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mapping {
    /// Generic Mapping (GM).
    Generic,
    /// Integrated Mapping (IM).
    Integrated,
    /// Chip Authentication Mapping (CAM, ECDH only).
    ChipAuthentication,
}

/// A PACE protocol: `id-PACE-{DH,ECDH}-{GM,IM,CAM}-{3DES-CBC-CBC, AES-CBC-CMAC-128/192/256}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PaceProtocol {
    /// DH or ECDH.
    pub key_agreement: KeyAgreement,
    /// GM, IM or CAM.
    pub mapping: Mapping,
    /// The secure-messaging cipher suite (and the nonce encryption cipher).
    pub cipher: SmCipher,
}

fn arcs_after<'a>(dotted: &'a str, prefix: &str) -> Option<Vec<u64>> {
    let rest: &'a str = dotted.strip_prefix(prefix)?.strip_prefix('.')?;
    rest.split('.').map(|a| a.parse().ok()).collect()
}

fn ka_mapping_from_arc(arc: u64) -> Option<(KeyAgreement, Mapping)> {
    Some(match arc {
        1 => (KeyAgreement::Dh, Mapping::Generic),
        2 => (KeyAgreement::Ecdh, Mapping::Generic),
        3 => (KeyAgreement::Dh, Mapping::Integrated),
        4 => (KeyAgreement::Ecdh, Mapping::Integrated),
        6 => (KeyAgreement::Ecdh, Mapping::ChipAuthentication),
        _ => return None,
    })
}

fn ka_mapping_arc(ka: KeyAgreement, mapping: Mapping) -> Option<u64> {
    Some(match (ka, mapping) {
        (KeyAgreement::Dh, Mapping::Generic) => 1,
        (KeyAgreement::Ecdh, Mapping::Generic) => 2,
        (KeyAgreement::Dh, Mapping::Integrated) => 3,
        (KeyAgreement::Ecdh, Mapping::Integrated) => 4,
        (KeyAgreement::Ecdh, Mapping::ChipAuthentication) => 6,
        (KeyAgreement::Dh, Mapping::ChipAuthentication) => return None,
    })
}

fn cipher_from_arc(arc: u64) -> Option<SmCipher> {
    Some(match arc {
        1 => SmCipher::Des3,
        2 => SmCipher::Aes128,
        3 => SmCipher::Aes192,
        4 => SmCipher::Aes256,
        _ => return None,
    })
}

fn cipher_arc(c: SmCipher) -> u64 {
    match c {
        SmCipher::Des3 => 1,
        SmCipher::Aes128 => 2,
        SmCipher::Aes192 => 3,
        SmCipher::Aes256 => 4,
    }
}

fn ka_from_arc(arc: u64) -> Option<KeyAgreement> {
    match arc {
        1 => Some(KeyAgreement::Dh),
        2 => Some(KeyAgreement::Ecdh),
        _ => None,
    }
}

fn ka_arc(ka: KeyAgreement) -> u64 {
    match ka {
        KeyAgreement::Dh => 1,
        KeyAgreement::Ecdh => 2,
    }
}

impl PaceProtocol {
    /// Decodes a dotted PACE protocol OID (`0.4.0.127.0.7.2.2.4.<ka+mapping>.<cipher>`);
    /// `None` for anything else (including the cipher-less domain-parameter OIDs).
    pub fn from_oid(dotted: &str) -> Option<PaceProtocol> {
        match arcs_after(dotted, ID_PACE)?.as_slice() {
            [km, c] => {
                let (key_agreement, mapping) = ka_mapping_from_arc(*km)?;
                Some(PaceProtocol {
                    key_agreement,
                    mapping,
                    cipher: cipher_from_arc(*c)?,
                })
            }
            _ => None,
        }
    }

    /// The dotted OID.
    pub fn oid(&self) -> String {
        // DH with CAM cannot be constructed by `from_oid`; encode it under the unassigned arc 5
        // rather than panic if a caller builds one by hand.
        let km = ka_mapping_arc(self.key_agreement, self.mapping).unwrap_or(5);
        format!("{ID_PACE}.{km}.{}", cipher_arc(self.cipher))
    }

    /// The OID's content octets, as sent in MSE:Set AT (DO'80').
    pub fn oid_bytes(&self) -> Vec<u8> {
        oid::encode(&self.oid()).unwrap_or_default()
    }
}

/// A chip authentication protocol: `id-CA-{DH,ECDH}-{3DES-CBC-CBC, AES-CBC-CMAC-*}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CaProtocol {
    /// DH or ECDH.
    pub key_agreement: KeyAgreement,
    /// The secure-messaging cipher suite after chip authentication.
    pub cipher: SmCipher,
}

impl CaProtocol {
    /// Decodes `0.4.0.127.0.7.2.2.3.<ka>.<cipher>`; `None` otherwise.
    pub fn from_oid(dotted: &str) -> Option<CaProtocol> {
        match arcs_after(dotted, ID_CA)?.as_slice() {
            [ka, c] => Some(CaProtocol {
                key_agreement: ka_from_arc(*ka)?,
                cipher: cipher_from_arc(*c)?,
            }),
            _ => None,
        }
    }

    /// The dotted OID.
    pub fn oid(&self) -> String {
        format!(
            "{ID_CA}.{}.{}",
            ka_arc(self.key_agreement),
            cipher_arc(self.cipher)
        )
    }

    /// The OID's content octets.
    pub fn oid_bytes(&self) -> Vec<u8> {
        oid::encode(&self.oid()).unwrap_or_default()
    }
}

/// Standardized domain parameters (ICAO 9303-11 §9.5.1, BSI TR-03110-3 Table 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StandardizedParameters {
    /// 0: 1024-bit MODP group with 160-bit prime order subgroup (RFC 5114 §2.1).
    Modp1024_160,
    /// 1: 2048-bit MODP group with 224-bit prime order subgroup (RFC 5114 §2.2).
    Modp2048_224,
    /// 2: 2048-bit MODP group with 256-bit prime order subgroup (RFC 5114 §2.3).
    Modp2048_256,
    /// 8: NIST P-192 (secp192r1).
    NistP192,
    /// 9: brainpoolP192r1.
    BrainpoolP192r1,
    /// 10: NIST P-224 (secp224r1).
    NistP224,
    /// 11: brainpoolP224r1.
    BrainpoolP224r1,
    /// 12: NIST P-256 (secp256r1).
    NistP256,
    /// 13: brainpoolP256r1.
    BrainpoolP256r1,
    /// 14: brainpoolP320r1.
    BrainpoolP320r1,
    /// 15: NIST P-384 (secp384r1).
    NistP384,
    /// 16: brainpoolP384r1.
    BrainpoolP384r1,
    /// 17: brainpoolP512r1.
    BrainpoolP512r1,
    /// 18: NIST P-521 (secp521r1).
    NistP521,
}

impl StandardizedParameters {
    /// The parameters of a standardized id; `None` for reserved (3-7, 19-31) and proprietary
    /// (32+) ids.
    pub fn from_id(id: u8) -> Option<StandardizedParameters> {
        use StandardizedParameters::*;
        Some(match id {
            0 => Modp1024_160,
            1 => Modp2048_224,
            2 => Modp2048_256,
            8 => NistP192,
            9 => BrainpoolP192r1,
            10 => NistP224,
            11 => BrainpoolP224r1,
            12 => NistP256,
            13 => BrainpoolP256r1,
            14 => BrainpoolP320r1,
            15 => NistP384,
            16 => BrainpoolP384r1,
            17 => BrainpoolP512r1,
            18 => NistP521,
            _ => return None,
        })
    }

    /// The id of Table 4.
    pub fn id(self) -> u8 {
        use StandardizedParameters::*;
        match self {
            Modp1024_160 => 0,
            Modp2048_224 => 1,
            Modp2048_256 => 2,
            NistP192 => 8,
            BrainpoolP192r1 => 9,
            NistP224 => 10,
            BrainpoolP224r1 => 11,
            NistP256 => 12,
            BrainpoolP256r1 => 13,
            BrainpoolP320r1 => 14,
            NistP384 => 15,
            BrainpoolP384r1 => 16,
            BrainpoolP512r1 => 17,
            NistP521 => 18,
        }
    }

    /// DH for ids 0-2, ECDH for the curves.
    pub fn key_agreement(self) -> KeyAgreement {
        if self.id() <= 2 {
            KeyAgreement::Dh
        } else {
            KeyAgreement::Ecdh
        }
    }

    /// Bit length of the (sub)group order: 160/224/256 for the MODP groups, the curve size for
    /// curves.
    pub fn order_bits(self) -> u16 {
        use StandardizedParameters::*;
        match self {
            Modp1024_160 => 160,
            Modp2048_224 => 224,
            Modp2048_256 => 256,
            NistP192 | BrainpoolP192r1 => 192,
            NistP224 | BrainpoolP224r1 => 224,
            NistP256 | BrainpoolP256r1 => 256,
            BrainpoolP320r1 => 320,
            NistP384 | BrainpoolP384r1 => 384,
            BrainpoolP512r1 => 512,
            NistP521 => 521,
        }
    }

    /// Estimated security strength in bits (NIST SP 800-57 Part 1 Table 2): 80 for 1024-bit
    /// MODP, 112 for 2048-bit MODP, half the order size for curves (256 for P-521).
    pub fn security_bits(self) -> u16 {
        use StandardizedParameters::*;
        match self {
            Modp1024_160 => 80,
            Modp2048_224 | Modp2048_256 => 112,
            NistP521 => 256,
            other => other.order_bits() / 2,
        }
    }

    /// The named-curve OID of an ECDH parameter set (`None` for DH).
    pub fn curve_oid(self) -> Option<&'static str> {
        use StandardizedParameters::*;
        Some(match self {
            NistP192 => "1.2.840.10045.3.1.1",
            BrainpoolP192r1 => "1.3.36.3.3.2.8.1.1.3",
            NistP224 => "1.3.132.0.33",
            BrainpoolP224r1 => oid::BRAINPOOL_P224R1,
            NistP256 => oid::P256,
            BrainpoolP256r1 => oid::BRAINPOOL_P256R1,
            BrainpoolP320r1 => oid::BRAINPOOL_P320R1,
            NistP384 => oid::P384,
            BrainpoolP384r1 => oid::BRAINPOOL_P384R1,
            BrainpoolP512r1 => oid::BRAINPOOL_P512R1,
            NistP521 => oid::P521,
            Modp1024_160 | Modp2048_224 | Modp2048_256 => return None,
        })
    }
}

/// Domain parameters as an AlgorithmIdentifier names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainParameters {
    /// `standardizedDomainParameters` with a known id.
    Standardized(StandardizedParameters),
    /// `standardizedDomainParameters` with an id this version does not know.
    UnknownStandardized(u64),
    /// Explicit parameters (e.g. id-ecPublicKey with ECParameters, dhpublicnumber with
    /// DomainParameters): the algorithm OID and the parameters' DER as encoded.
    Explicit {
        /// Dotted algorithm OID.
        algorithm: String,
        /// The parameters element's encoding (empty when absent).
        parameters: Vec<u8>,
    },
}

/// PACEInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaceInfo {
    /// The protocol.
    pub protocol: PaceProtocol,
    /// Version (2 for current PACE).
    pub version: u64,
    /// parameterId: a standardized id (0-31) or a proprietary one (32+) naming a
    /// [`PaceDomainParameterInfo`].
    pub parameter_id: Option<u64>,
}

/// PACEDomainParameterInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaceDomainParameterInfo {
    /// DH or ECDH (from `id-PACE-{DH,ECDH}-{GM,IM,CAM}`).
    pub key_agreement: KeyAgreement,
    /// The mapping of the protocol OID.
    pub mapping: Mapping,
    /// The domain parameters.
    pub domain_parameters: DomainParameters,
    /// parameterId, when the card has several.
    pub parameter_id: Option<u64>,
}

/// ChipAuthenticationInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipAuthenticationInfo {
    /// The protocol.
    pub protocol: CaProtocol,
    /// Version (1 or 2).
    pub version: u64,
    /// keyId, when the chip has several CA keys.
    pub key_id: Option<u64>,
}

/// ChipAuthenticationDomainParameterInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipAuthenticationDomainParameterInfo {
    /// DH or ECDH.
    pub key_agreement: KeyAgreement,
    /// The domain parameters.
    pub domain_parameters: DomainParameters,
    /// keyId.
    pub key_id: Option<u64>,
}

/// ChipAuthenticationPublicKeyInfo: the chip's static key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipAuthenticationPublicKeyInfo {
    /// DH (id-PK-DH) or ECDH (id-PK-ECDH).
    pub key_agreement: KeyAgreement,
    /// The key's domain parameters (from the SubjectPublicKeyInfo's algorithm).
    pub domain_parameters: DomainParameters,
    /// The public value: for ECDH the point encoding of the BIT STRING (`04 || X || Y`); for
    /// DH the unsigned big-endian value of the INTEGER inside the BIT STRING.
    pub public_key: Vec<u8>,
    /// The whole SubjectPublicKeyInfo as encoded.
    pub spki: Vec<u8>,
    /// keyId.
    pub key_id: Option<u64>,
}

/// ActiveAuthenticationInfo (ICAO 9303-11 §9.2.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveAuthenticationInfo {
    /// Version (1).
    pub version: u64,
    /// The signature algorithm (dotted), e.g. ecdsa-plain-SHA256.
    pub signature_algorithm: Option<String>,
}

/// TerminalAuthenticationInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerminalAuthenticationInfo {
    /// Version (1 or 2).
    pub version: u64,
    /// The efCVCA FileID element as encoded, when present.
    pub ef_cvca: Option<Vec<u8>>,
}

/// One SecurityInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecurityInfo {
    /// PACEInfo.
    Pace(PaceInfo),
    /// PACEDomainParameterInfo.
    PaceDomainParameters(PaceDomainParameterInfo),
    /// ChipAuthenticationInfo.
    ChipAuthentication(ChipAuthenticationInfo),
    /// ChipAuthenticationDomainParameterInfo.
    ChipAuthenticationDomainParameters(ChipAuthenticationDomainParameterInfo),
    /// ChipAuthenticationPublicKeyInfo.
    ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo),
    /// ActiveAuthenticationInfo.
    ActiveAuthentication(ActiveAuthenticationInfo),
    /// TerminalAuthenticationInfo.
    TerminalAuthentication(TerminalAuthenticationInfo),
    /// PrivilegedTerminalInfo: the SecurityInfos for privileged terminals (one level deep; a
    /// nested PrivilegedTerminalInfo is kept as [`SecurityInfo::Unknown`]).
    PrivilegedTerminal(Vec<SecurityInfo>),
    /// Any other protocol (CardInfoLocator, RestrictedIdentification, EFDIR ...), or an
    /// active/terminal authentication info whose contents do not parse.
    Unknown {
        /// Dotted protocol OID.
        oid: String,
        /// The whole SecurityInfo as encoded.
        raw: Vec<u8>,
    },
}

/// Reads a non-negative INTEGER that fits u64.
fn read_uint(e: &Element<'_>) -> Result<u64, InfoError> {
    e.unsigned().ok_or(InfoError::Malformed(
        "INTEGER expected (non-negative, at most 64 bits)",
    ))
}

fn read_oid(e: &Element<'_>) -> Result<String, InfoError> {
    e.oid()
        .ok_or(InfoError::Malformed("OBJECT IDENTIFIER expected"))
}

fn optional_uint(children: &mut ber::Children<'_>) -> Result<Option<u64>, InfoError> {
    match children.optional(0x02)? {
        Some(e) => Ok(Some(read_uint(&e)?)),
        None => Ok(None),
    }
}

fn read_algorithm_identifier(e: &Element<'_>) -> Result<DomainParameters, InfoError> {
    if e.tag != 0x30 {
        return Err(InfoError::Malformed("AlgorithmIdentifier"));
    }
    let mut c = e.children();
    let algorithm = read_oid(&c.expect(0x06)?)?;
    let params = c.next().transpose()?;
    if algorithm == STANDARDIZED_DOMAIN_PARAMETERS {
        let p = params.ok_or(InfoError::Malformed("standardized domain parameter id"))?;
        let id = read_uint(&p)?;
        return Ok(u8::try_from(id)
            .ok()
            .and_then(StandardizedParameters::from_id)
            .map_or(
                DomainParameters::UnknownStandardized(id),
                DomainParameters::Standardized,
            ));
    }
    Ok(DomainParameters::Explicit {
        algorithm,
        parameters: params.map(|p| p.raw.to_vec()).unwrap_or_default(),
    })
}

/// The public value of a SubjectPublicKeyInfo: its domain parameters and key bytes.
fn read_spki(e: &Element<'_>, ka: KeyAgreement) -> Result<(DomainParameters, Vec<u8>), InfoError> {
    if e.tag != 0x30 {
        return Err(InfoError::Malformed("SubjectPublicKeyInfo"));
    }
    let mut c = e.children();
    let alg = c
        .next()
        .ok_or(InfoError::Malformed("SubjectPublicKeyInfo"))??;
    let domain_parameters = read_algorithm_identifier(&alg)?;
    let bits = c.expect(0x03)?.string_content()?;
    let key = match bits.split_first() {
        Some((0, key)) => key,
        _ => return Err(InfoError::Malformed("public key BIT STRING")),
    };
    let public = match ka {
        KeyAgreement::Ecdh => key.to_vec(),
        KeyAgreement::Dh => {
            // The DH public value is a DER INTEGER inside the BIT STRING.
            let int = ber::read_single(key)?;
            if int.tag != 0x02 {
                return Err(InfoError::Malformed("DH public key INTEGER"));
            }
            let mut v = int.content;
            while let [0, rest @ ..] = v {
                v = rest;
            }
            if v.is_empty() || int.content.first().is_some_and(|b| b & 0x80 != 0) {
                return Err(InfoError::Malformed("DH public key INTEGER"));
            }
            v.to_vec()
        }
    };
    if public.is_empty() {
        return Err(InfoError::Malformed("empty public key"));
    }
    Ok((domain_parameters, public))
}

fn parse_info(e: &Element<'_>, depth: usize) -> Result<SecurityInfo, InfoError> {
    if e.tag != 0x30 {
        return Err(InfoError::Malformed("SecurityInfo is not a SEQUENCE"));
    }
    let mut c = e.children();
    let protocol = read_oid(&c.expect(0x06)?)?;
    let unknown = |oid: String| SecurityInfo::Unknown {
        oid,
        raw: e.raw.to_vec(),
    };

    if let Some(arcs) = arcs_after(&protocol, ID_PACE) {
        return match arcs.as_slice() {
            [_, _] => {
                let Some(p) = PaceProtocol::from_oid(&protocol) else {
                    return Ok(unknown(protocol));
                };
                let version = read_uint(&c.expect(0x02)?)?;
                let parameter_id = optional_uint(&mut c)?;
                Ok(SecurityInfo::Pace(PaceInfo {
                    protocol: p,
                    version,
                    parameter_id,
                }))
            }
            [km] => {
                let Some((key_agreement, mapping)) = ka_mapping_from_arc(*km) else {
                    return Ok(unknown(protocol));
                };
                let alg = c.expect(0x30)?;
                let domain_parameters = read_algorithm_identifier(&alg)?;
                let parameter_id = optional_uint(&mut c)?;
                Ok(SecurityInfo::PaceDomainParameters(
                    PaceDomainParameterInfo {
                        key_agreement,
                        mapping,
                        domain_parameters,
                        parameter_id,
                    },
                ))
            }
            _ => Ok(unknown(protocol)),
        };
    }
    if let Some(arcs) = arcs_after(&protocol, ID_CA) {
        return match arcs.as_slice() {
            [_, _] => {
                let Some(p) = CaProtocol::from_oid(&protocol) else {
                    return Ok(unknown(protocol));
                };
                let version = read_uint(&c.expect(0x02)?)?;
                let key_id = optional_uint(&mut c)?;
                Ok(SecurityInfo::ChipAuthentication(ChipAuthenticationInfo {
                    protocol: p,
                    version,
                    key_id,
                }))
            }
            [ka] => {
                let Some(key_agreement) = ka_from_arc(*ka) else {
                    return Ok(unknown(protocol));
                };
                let alg = c.expect(0x30)?;
                let domain_parameters = read_algorithm_identifier(&alg)?;
                let key_id = optional_uint(&mut c)?;
                Ok(SecurityInfo::ChipAuthenticationDomainParameters(
                    ChipAuthenticationDomainParameterInfo {
                        key_agreement,
                        domain_parameters,
                        key_id,
                    },
                ))
            }
            _ => Ok(unknown(protocol)),
        };
    }
    if let Some(arcs) = arcs_after(&protocol, ID_PK) {
        let key_agreement = match arcs.as_slice() {
            [ka] => ka_from_arc(*ka),
            _ => None,
        };
        let Some(key_agreement) = key_agreement else {
            return Ok(unknown(protocol));
        };
        let spki = c.expect(0x30)?;
        let (domain_parameters, public_key) = read_spki(&spki, key_agreement)?;
        let key_id = optional_uint(&mut c)?;
        return Ok(SecurityInfo::ChipAuthenticationPublicKey(
            ChipAuthenticationPublicKeyInfo {
                key_agreement,
                domain_parameters,
                public_key,
                spki: spki.raw.to_vec(),
                key_id,
            },
        ));
    }
    if protocol == ID_AA {
        let parsed = (|| -> Result<ActiveAuthenticationInfo, InfoError> {
            let version = read_uint(&c.expect(0x02)?)?;
            let signature_algorithm = match c.optional(0x06)? {
                Some(o) => Some(read_oid(&o)?),
                None => None,
            };
            Ok(ActiveAuthenticationInfo {
                version,
                signature_algorithm,
            })
        })();
        return Ok(parsed.map_or_else(|_| unknown(protocol), SecurityInfo::ActiveAuthentication));
    }
    if protocol == ID_TA {
        let parsed = (|| -> Result<TerminalAuthenticationInfo, InfoError> {
            let version = read_uint(&c.expect(0x02)?)?;
            let ef_cvca = c.next().transpose()?.map(|f| f.raw.to_vec());
            Ok(TerminalAuthenticationInfo { version, ef_cvca })
        })();
        return Ok(parsed.map_or_else(|_| unknown(protocol), SecurityInfo::TerminalAuthentication));
    }
    if protocol == ID_PRIVILEGED_TERMINAL && depth == 0 {
        let set = c.expect(0x31)?;
        return Ok(SecurityInfo::PrivilegedTerminal(parse_set(
            &set,
            depth + 1,
        )?));
    }
    Ok(unknown(protocol))
}

fn parse_set(set: &Element<'_>, depth: usize) -> Result<Vec<SecurityInfo>, InfoError> {
    if set.tag != 0x31 {
        return Err(InfoError::Malformed("SecurityInfos is not a SET"));
    }
    let mut out = Vec::new();
    for child in set.children() {
        if out.len() >= MAX_INFOS {
            return Err(InfoError::TooMany);
        }
        out.push(parse_info(&child?, depth)?);
    }
    Ok(out)
}

/// Parses `SecurityInfos` (the content of EF.CardAccess). Trailing bytes after the SET are
/// allowed only if they are all 0x00 or all 0xFF (file padding seen on some chips).
pub fn parse_security_infos(input: &[u8]) -> Result<Vec<SecurityInfo>, InfoError> {
    let (set, rest) = ber::read(input)?;
    if !(rest.iter().all(|b| *b == 0) || rest.iter().all(|b| *b == 0xFF)) {
        return Err(InfoError::Ber(BerError::TrailingData));
    }
    parse_set(&set, 0)
}

/// Parses EF.CardAccess (alias of [`parse_security_infos`]).
pub fn parse_card_access(input: &[u8]) -> Result<Vec<SecurityInfo>, InfoError> {
    parse_security_infos(input)
}

/// Parses the SecurityInfos signed inside EF.CardSecurity (CMS SignedData with eContentType
/// id-SecurityObject). The signature is NOT verified here: see passive authentication.
pub fn parse_card_security(input: &[u8]) -> Result<Vec<SecurityInfo>, InfoError> {
    let sd = crate::pki::cms::parse_signed_data(input)
        .map_err(|_| InfoError::Malformed("EF.CardSecurity SignedData"))?;
    if sd.econtent_type != oid::SECURITY_OBJECT {
        return Err(InfoError::Malformed("EF.CardSecurity content type"));
    }
    parse_security_infos(&sd.econtent)
}

/// Parses DG14 (`6E` wrapping SecurityInfos).
pub fn parse_dg14(input: &[u8]) -> Result<Vec<SecurityInfo>, InfoError> {
    let (outer, rest) = ber::read(input)?;
    if outer.tag != 0x6E {
        return Err(InfoError::Malformed("DG14 tag"));
    }
    if !(rest.iter().all(|b| *b == 0) || rest.iter().all(|b| *b == 0xFF)) {
        return Err(InfoError::Ber(BerError::TrailingData));
    }
    let set = ber::read_single(outer.content)?;
    parse_set(&set, 0)
}

/// What this version can run, for [`choose_with`]. Each flag enables one key agreement and
/// mapping; the domain parameters are limited to [`PaceSupport::parameters`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaceSupport {
    /// ECDH Generic Mapping.
    pub ecdh_gm: bool,
    /// ECDH Integrated Mapping.
    pub ecdh_im: bool,
    /// ECDH Chip Authentication Mapping.
    pub ecdh_cam: bool,
    /// DH Generic Mapping ([`crate::pace::dh`]).
    pub dh_gm: bool,
    /// DH Integrated Mapping ([`crate::pace::dh`]; AES-128 only).
    pub dh_im: bool,
}

impl Default for PaceSupport {
    /// ECDH GM and CAM, DH GM and DH IM (AES-128). ECDH IM (the point encoding) is off.
    fn default() -> Self {
        PaceSupport {
            ecdh_gm: true,
            ecdh_im: false,
            ecdh_cam: true,
            dh_gm: true,
            dh_im: true,
        }
    }
}

impl PaceSupport {
    /// Whether the domain parameters are supported: ECDH on P-256/384/521 and
    /// brainpoolP256r1/P384r1; DH on the three RFC 5114 groups (ids 0, 1, 2).
    pub fn parameters(&self, p: StandardizedParameters) -> bool {
        use StandardizedParameters::*;
        matches!(
            p,
            NistP256
                | NistP384
                | NistP521
                | BrainpoolP256r1
                | BrainpoolP384r1
                | Modp1024_160
                | Modp2048_224
                | Modp2048_256
        )
    }

    /// Whether a protocol with these parameters can be run.
    pub fn supports(&self, protocol: &PaceProtocol, p: StandardizedParameters) -> bool {
        if p.key_agreement() != protocol.key_agreement || !self.parameters(p) {
            return false;
        }
        match (protocol.key_agreement, protocol.mapping) {
            (KeyAgreement::Ecdh, Mapping::Generic) => self.ecdh_gm,
            (KeyAgreement::Ecdh, Mapping::Integrated) => self.ecdh_im,
            (KeyAgreement::Ecdh, Mapping::ChipAuthentication) => self.ecdh_cam,
            (KeyAgreement::Dh, Mapping::Generic) => self.dh_gm,
            (KeyAgreement::Dh, Mapping::Integrated) => {
                self.dh_im && protocol.cipher == SmCipher::Aes128
            }
            (KeyAgreement::Dh, Mapping::ChipAuthentication) => false,
        }
    }
}

/// One PACE option the card offers and this version can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaceChoice {
    /// The protocol (its OID goes in MSE:Set AT DO'80').
    pub protocol: PaceProtocol,
    /// The resolved domain parameters.
    pub parameters: StandardizedParameters,
    /// The PACEInfo's version.
    pub version: u64,
    /// The PACEInfo's parameterId as the card gave it (standardized or proprietary).
    pub parameter_id: Option<u64>,
    /// The parameter id to send in MSE:Set AT (DO'84', "reference of a private key") when the
    /// card offers more than one PACEInfo (ICAO 9303-11 §4.4.4.1: required when the domain
    /// parameters are ambiguous): the PACEInfo's parameterId, else the standardized id.
    /// `None` when the card offers a single PACEInfo.
    pub mse_parameter_id: Option<u64>,
}

fn mapping_rank(m: Mapping) -> u8 {
    match m {
        Mapping::ChipAuthentication => 2,
        Mapping::Generic => 1,
        Mapping::Integrated => 0,
    }
}

fn cipher_rank(c: SmCipher) -> u8 {
    match c {
        SmCipher::Aes256 => 3,
        SmCipher::Aes192 => 2,
        SmCipher::Aes128 => 1,
        SmCipher::Des3 => 0,
    }
}

/// Resolves the domain parameters of a PACEInfo: a standardized parameterId (0-31) names
/// them directly; otherwise (a proprietary id, or none) the PACEDomainParameterInfo with the
/// same parameterId and key agreement must name standardized parameters (explicit parameters
/// are not supported in this version).
fn resolve(info: &PaceInfo, infos: &[SecurityInfo]) -> Option<StandardizedParameters> {
    if let Some(id) = info.parameter_id
        && id < 32
    {
        return u8::try_from(id)
            .ok()
            .and_then(StandardizedParameters::from_id);
    }
    infos.iter().find_map(|i| match i {
        SecurityInfo::PaceDomainParameters(d)
            if d.parameter_id == info.parameter_id
                && d.key_agreement == info.protocol.key_agreement =>
        {
            match d.domain_parameters {
                DomainParameters::Standardized(p) => Some(p),
                _ => None,
            }
        }
        _ => None,
    })
}

/// The card's PACE options this version supports ([`PaceSupport::default`]), best first.
/// See [`choose_with`].
pub fn choose(infos: &[SecurityInfo]) -> Vec<PaceChoice> {
    choose_with(infos, &PaceSupport::default())
}

/// The card's PACE options (PACEInfos of version 2 whose domain parameters resolve to
/// standardized ones) that `support` allows, best first:
/// 1. mapping: CAM, then GM, then IM;
/// 2. the larger group or curve: higher estimated security strength, then larger order;
/// 3. the stronger cipher: AES-256, AES-192, AES-128, 3DES.
///
/// Ties keep the card's order. Duplicates are dropped.
pub fn choose_with(infos: &[SecurityInfo], support: &PaceSupport) -> Vec<PaceChoice> {
    let pace_infos: Vec<&PaceInfo> = infos
        .iter()
        .filter_map(|i| match i {
            SecurityInfo::Pace(p) => Some(p),
            _ => None,
        })
        .collect();
    let several = pace_infos.len() > 1;
    let mut out: Vec<PaceChoice> = Vec::new();
    for info in pace_infos {
        if info.version != 2 {
            continue;
        }
        let Some(parameters) = resolve(info, infos) else {
            continue;
        };
        if !support.supports(&info.protocol, parameters) {
            continue;
        }
        let choice = PaceChoice {
            protocol: info.protocol,
            parameters,
            version: info.version,
            parameter_id: info.parameter_id,
            mse_parameter_id: several
                .then(|| info.parameter_id.unwrap_or(u64::from(parameters.id()))),
        };
        if !out.contains(&choice) {
            out.push(choice);
        }
    }
    out.sort_by_key(|c| {
        core::cmp::Reverse((
            mapping_rank(c.protocol.mapping),
            c.parameters.security_bits(),
            c.parameters.order_bits(),
            cipher_rank(c.protocol.cipher),
        ))
    });
    out
}
