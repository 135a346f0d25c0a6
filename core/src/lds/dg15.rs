//! DG15 (ICAO 9303-10 section 4.7.15): the Active Authentication public key.
//!
//! This module owns extracting the SubjectPublicKeyInfo DER from DG15 and recognising its
//! algorithm by OID with a minimal DER walk. It does not parse the key itself (modulus, curve,
//! point): that comes with Active Authentication.

use super::{FileId, LdsError, unwrap_file};
use crate::tlv::{Reader, TlvError};

/// rsaEncryption, 1.2.840.113549.1.1.1.
pub const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
/// id-ecPublicKey, 1.2.840.10045.2.1.
pub const OID_EC: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];

/// The public key algorithm named by the SubjectPublicKeyInfo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PublicKeyAlgorithm {
    /// RSA (rsaEncryption).
    Rsa,
    /// Elliptic curve (id-ecPublicKey).
    Ec,
    /// Another OID (kept in [`Dg15::algorithm_oid`]).
    Other,
}

/// Parsed DG15.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dg15 {
    /// The SubjectPublicKeyInfo DER (the whole `30 ...` object inside 6F).
    pub spki: Vec<u8>,
    /// The algorithm recognised from the OID.
    pub algorithm: PublicKeyAlgorithm,
    /// The algorithm OID's content bytes.
    pub algorithm_oid: Vec<u8>,
}

impl Dg15 {
    /// Parses DG15 (`6F { 30 { 30 { 06 oid, params }, 03 key } }`).
    pub fn parse(bytes: &[u8]) -> Result<Dg15, LdsError> {
        let inner = unwrap_file(FileId::Dg15, bytes)?;
        let mut r = Reader::new(inner);
        let spki = r.expect(0x30)?;
        r.finish()?;
        let mut fields = spki.children();
        let alg = fields.expect(0x30)?;
        let key = fields.expect(0x03)?;
        fields.finish()?;
        if key.value.is_empty() {
            return Err(TlvError::InvalidContent(0x03).into());
        }
        let oid = alg.children().expect(0x06)?;
        if oid.value.is_empty() {
            return Err(TlvError::InvalidContent(0x06).into());
        }
        let algorithm = if oid.value == OID_RSA {
            PublicKeyAlgorithm::Rsa
        } else if oid.value == OID_EC {
            PublicKeyAlgorithm::Ec
        } else {
            PublicKeyAlgorithm::Other
        };
        Ok(Dg15 {
            spki: inner.to_vec(),
            algorithm,
            algorithm_oid: oid.value.to_vec(),
        })
    }
}
