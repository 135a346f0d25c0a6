//! Active Authentication (ICAO 9303-11 §6.1), terminal side, sans-I/O.
//!
//! This module owns the challenge (drawn from the caller's [`RandomSource`] or supplied by the
//! caller, for instance a relying party's nonce), the INTERNAL AUTHENTICATE command, and the
//! verification of the chip's answer with the DG15 public key: RSA with ISO/IEC 9796-2 digital
//! signature scheme 1 (partial message recovery; implicit SHA-1 trailer `BC` or explicit trailers
//! `33CC` SHA-1, `38CC` SHA-224, `34CC` SHA-256, `36CC` SHA-384, `35CC` SHA-512), and ECDSA with
//! the plain `r || s` format of BSI TR-03111 over the challenge. The result is an
//! [`AaEvidence`] that anyone holding it can check again with [`verify_evidence`], without the
//! chip. It does not read DG14 or DG15 (see [`crate::ca::parse_dg14`] and
//! [`crate::lds::dg15`]), does not check that DG15 is covered by the SOD (passive authentication
//! does) and does not protect the command (the secure-messaging channel does).
//!
//! RSA uses the `rsa` crate's raw public operation only (`s^e mod n`): public data, no secret
//! enters this module. ECDSA goes through [`crate::pki::sig::verify_ecdsa_plain`].
//!
//! ECDSA hash choice: the ActiveAuthenticationInfo of DG14 names the signature algorithm
//! (ecdsa-plain-SHA* of BSI TR-03111, 0.4.0.127.0.7.1.1.4.1.{1..5}, or the X9.62
//! ecdsa-with-SHA* OIDs); its hash is used. When DG14 has no ActiveAuthenticationInfo (a chip
//! that does not follow 9303-11 §9.2.10), the hash defaults to the one matching the curve size:
//! SHA-224 up to 224-bit orders, SHA-256 up to 256, SHA-384 up to 384, SHA-512 above. The
//! evidence records the hash that was used.

use core::fmt;

use subtle::ConstantTimeEq;

use crate::apdu::{Command, Response, StatusWord};
use crate::ca::ActiveAuthenticationInfo;
use crate::error::Result;
use crate::pki::alg::DigestAlgorithm;
use crate::pki::ber;
use crate::pki::ec::strip_zeros;
use crate::pki::oid;
use crate::pki::sig::{self, PublicKey};
use crate::rand::RandomSource;

/// Length of the challenge (RND.IFD).
pub const CHALLENGE_LEN: usize = 8;

/// The RSA modulus sizes accepted for active authentication, in bits.
pub const RSA_BITS: core::ops::RangeInclusive<usize> = 1024..=8192;

/// ISO/IEC 9796-2 header byte for partial message recovery (scheme 1).
const HEADER_PARTIAL: u8 = 0x6A;
/// Implicit trailer (SHA-1).
const TRAILER_IMPLICIT: u8 = 0xBC;
/// Second byte of an explicit trailer.
const TRAILER_EXPLICIT: u8 = 0xCC;

/// ecdsa-plain-signatures of BSI TR-03111 (0.4.0.127.0.7.1.1.4.1).
const ECDSA_PLAIN: &str = "0.4.0.127.0.7.1.1.4.1";

/// Why an active authentication signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AaError {
    /// The chip answered INTERNAL AUTHENTICATE with an error status.
    #[error("active authentication: unexpected status {0}")]
    Status(StatusWord),
    /// The DG15 key is unusable: not RSA or EC, malformed, RSA modulus outside [`RSA_BITS`] or
    /// not a whole number of bytes, unknown curve.
    #[error("active authentication: unusable public key ({0})")]
    UnsupportedKey(&'static str),
    /// The ActiveAuthenticationInfo names a signature algorithm this module does not know
    /// (dotted OID).
    #[error("active authentication: unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The signature or its recovered representative does not have the required form (length,
    /// ISO/IEC 9796-2 header, trailer or hash identifier).
    #[error("active authentication: malformed signature ({0})")]
    Malformed(&'static str),
    /// The signature does not verify over the challenge.
    #[error("active authentication: signature does not verify")]
    BadSignature,
}

/// The signature scheme and hash that verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AaAlgorithm {
    /// RSA, ISO/IEC 9796-2 digital signature scheme 1 with partial recovery; `hash` is the one
    /// the trailer names (`BC` is SHA-1).
    RsaIso9796_2 {
        /// The hash named by the trailer.
        hash: DigestAlgorithm,
    },
    /// ECDSA over the challenge, plain `r || s` signature.
    EcdsaPlain {
        /// The hash of the challenge.
        hash: DigestAlgorithm,
    },
}

/// What active authentication leaves for the record. A verifier re-checks it with
/// [`verify_evidence`]; whether `public_key_spki` is the DG15 the SOD covers is passive
/// authentication's question, not this module's.
#[derive(Clone, PartialEq, Eq)]
pub struct AaEvidence {
    /// The challenge sent to the chip.
    pub challenge: [u8; CHALLENGE_LEN],
    /// The chip's signature as returned.
    pub signature: Vec<u8>,
    /// The scheme and hash.
    pub algorithm: AaAlgorithm,
    /// The DG15 SubjectPublicKeyInfo.
    pub public_key_spki: Vec<u8>,
}

impl fmt::Debug for AaEvidence {
    /// The algorithm and lengths only: the key identifies the document.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AaEvidence")
            .field("algorithm", &self.algorithm)
            .field("signature_len", &self.signature.len())
            .field("public_key_len", &self.public_key_spki.len())
            .finish_non_exhaustive()
    }
}

/// Draws an 8-byte challenge from `rng`.
pub fn challenge(rng: &mut dyn RandomSource) -> Result<[u8; CHALLENGE_LEN]> {
    let mut c = [0u8; CHALLENGE_LEN];
    rng.fill(&mut c)?;
    Ok(c)
}

/// INTERNAL AUTHENTICATE: `00 88 00 00 08 <challenge> 00` (Ne = 256). A chip with an RSA key
/// above 2048 bits answers more than 256 bytes: raise Ne with [`Command::with_ne`] and send it
/// in extended form.
pub fn internal_authenticate(challenge: &[u8; CHALLENGE_LEN]) -> Command {
    Command::new(0x00, 0x88, 0x00, 0x00)
        .with_data(challenge.to_vec())
        .with_ne(256)
}

/// The hash of an ECDSA signature algorithm OID from ActiveAuthenticationInfo:
/// ecdsa-plain-SHA1/224/256/384/512 (TR-03111) or ecdsa-with-SHA1/224/256/384/512 (X9.62).
pub fn ecdsa_hash_from_oid(dotted: &str) -> Option<DigestAlgorithm> {
    if let Some(last) = dotted
        .strip_prefix(ECDSA_PLAIN)
        .and_then(|r| r.strip_prefix('.'))
    {
        return Some(match last {
            "1" => DigestAlgorithm::Sha1,
            "2" => DigestAlgorithm::Sha224,
            "3" => DigestAlgorithm::Sha256,
            "4" => DigestAlgorithm::Sha384,
            "5" => DigestAlgorithm::Sha512,
            _ => return None,
        });
    }
    Some(match dotted {
        oid::ECDSA_WITH_SHA1 => DigestAlgorithm::Sha1,
        oid::ECDSA_WITH_SHA224 => DigestAlgorithm::Sha224,
        oid::ECDSA_WITH_SHA256 => DigestAlgorithm::Sha256,
        oid::ECDSA_WITH_SHA384 => DigestAlgorithm::Sha384,
        oid::ECDSA_WITH_SHA512 => DigestAlgorithm::Sha512,
        _ => return None,
    })
}

/// The default ECDSA hash for a curve whose order has `order_bits` bits (see the module doc).
pub fn default_ecdsa_hash(order_bits: usize) -> DigestAlgorithm {
    match order_bits {
        0..=224 => DigestAlgorithm::Sha224,
        225..=256 => DigestAlgorithm::Sha256,
        257..=384 => DigestAlgorithm::Sha384,
        _ => DigestAlgorithm::Sha512,
    }
}

/// Checks the message representative `f` (the RSA public operation's output, as many bytes as
/// the modulus) of ISO/IEC 9796-2 scheme 1: header `6A`, trailer `BC` or `xxCC`, then
/// `H(M1 || challenge)` equal to the recovered digest D (constant-time compare). Returns the
/// hash the trailer named.
pub fn verify_iso9796_2_representative(
    f: &[u8],
    challenge: &[u8],
) -> core::result::Result<DigestAlgorithm, AaError> {
    let (&header, rest) = f
        .split_first()
        .ok_or(AaError::Malformed("empty representative"))?;
    if header != HEADER_PARTIAL {
        return Err(AaError::Malformed("ISO/IEC 9796-2 header is not 6A"));
    }
    let (hash, body) = match rest.split_last() {
        Some((&TRAILER_IMPLICIT, body)) => (DigestAlgorithm::Sha1, body),
        Some((&TRAILER_EXPLICIT, body)) => {
            let (&id, body) = body
                .split_last()
                .ok_or(AaError::Malformed("representative too short"))?;
            let hash = match id {
                0x33 => DigestAlgorithm::Sha1,
                0x38 => DigestAlgorithm::Sha224,
                0x34 => DigestAlgorithm::Sha256,
                0x36 => DigestAlgorithm::Sha384,
                0x35 => DigestAlgorithm::Sha512,
                _ => return Err(AaError::Malformed("unknown hash identifier in trailer")),
            };
            (hash, body)
        }
        _ => return Err(AaError::Malformed("ISO/IEC 9796-2 trailer")),
    };
    let split = body
        .len()
        .checked_sub(hash.output_len())
        .ok_or(AaError::Malformed("representative too short"))?;
    let (m1, d) = body
        .split_at_checked(split)
        .ok_or(AaError::Malformed("representative too short"))?;
    let mut m = Vec::with_capacity(m1.len() + challenge.len());
    m.extend_from_slice(m1);
    m.extend_from_slice(challenge);
    let d2 = hash.digest(&m);
    if bool::from(d2.as_slice().ct_eq(d)) {
        Ok(hash)
    } else {
        Err(AaError::BadSignature)
    }
}

/// The DG15 key: RSA (n, e) for the raw operation, or a verification key for ECDSA.
enum Key {
    Rsa(rsa::PublicKey),
    Ec(PublicKey),
}

/// A non-negative INTEGER's magnitude.
fn uint<'a>(el: &ber::Element<'a>) -> core::result::Result<&'a [u8], AaError> {
    if el.tag != 0x02 || el.content.first().is_none_or(|b| b & 0x80 != 0) {
        return Err(AaError::UnsupportedKey("RSA key integers"));
    }
    Ok(strip_zeros(el.content))
}

fn read_key(spki: &[u8]) -> core::result::Result<Key, AaError> {
    let bad = AaError::UnsupportedKey("SubjectPublicKeyInfo");
    let seq = ber::read_single(spki).map_err(|_| bad.clone())?;
    if seq.tag != 0x30 {
        return Err(bad);
    }
    let mut c = seq.children();
    let alg = c.expect(0x30).map_err(|_| bad.clone())?;
    let bits = c.expect(0x03).map_err(|_| bad.clone())?;
    let alg_oid = alg
        .children()
        .expect(0x06)
        .ok()
        .and_then(|o| oid::to_string(o.content))
        .ok_or(bad.clone())?;
    if alg_oid != oid::RSA_ENCRYPTION {
        let key = PublicKey::from_spki(spki).map_err(|_| bad.clone())?;
        if key.is_rsa() {
            // RSASSA-PSS keys are not active authentication keys.
            return Err(AaError::UnsupportedKey("RSA key that is not rsaEncryption"));
        }
        return Ok(Key::Ec(key));
    }
    let rsa_key = match bits.content.split_first() {
        Some((0, rest)) => rest,
        _ => return Err(bad),
    };
    let rsa_seq = ber::read_single(rsa_key).map_err(|_| bad.clone())?;
    let mut rc = rsa_seq.children();
    let n = uint(&rc.expect(0x02).map_err(|_| bad.clone())?)?;
    let e = uint(&rc.expect(0x02).map_err(|_| bad.clone())?)?;
    if rc.next().is_some() || c.next().is_some() {
        return Err(bad);
    }
    let n_bits = n
        .first()
        .map_or(0, |f| (n.len() - 1) * 8 + (8 - f.leading_zeros() as usize));
    if !RSA_BITS.contains(&n_bits) {
        return Err(AaError::UnsupportedKey("RSA modulus size"));
    }
    if n_bits % 8 != 0 {
        return Err(AaError::UnsupportedKey(
            "RSA modulus is not a whole number of bytes",
        ));
    }
    if e.len() > 8 {
        return Err(AaError::UnsupportedKey("RSA public exponent"));
    }
    let key = rsa::PublicKey::new_with_size_limits(
        rsa::BoxedUint::from_be_slice_vartime(n),
        rsa::BoxedUint::from_be_slice_vartime(e),
        RSA_BITS,
    )
    .map_err(|_| AaError::UnsupportedKey("RSA key"))?;
    Ok(Key::Rsa(key))
}

fn verify_rsa(
    key: &rsa::PublicKey,
    challenge: &[u8],
    signature: &[u8],
) -> core::result::Result<DigestAlgorithm, AaError> {
    use rsa::traits::PublicKeyParts;
    let k = key.size();
    if signature.is_empty() || signature.len() > k {
        return Err(AaError::Malformed(
            "signature length does not fit the modulus",
        ));
    }
    let s = rsa::BoxedUint::from_be_slice(signature, key.n_bits_precision())
        .map_err(|_| AaError::Malformed("signature length does not fit the modulus"))?;
    let n: &rsa::BoxedUint = key.n().as_ref();
    if s >= *n {
        return Err(AaError::Malformed("signature is not below the modulus"));
    }
    let m = rsa::hazmat::rsa_encrypt(key, &s).map_err(|_| AaError::BadSignature)?;
    // The representative as exactly k bytes (the integer is below n, so at most k bytes).
    let bytes = m.to_be_bytes();
    let mut f = vec![0u8; k];
    let significant = strip_zeros(&bytes);
    let start = k
        .checked_sub(significant.len())
        .ok_or(AaError::BadSignature)?;
    f.get_mut(start..)
        .ok_or(AaError::BadSignature)?
        .copy_from_slice(significant);
    verify_iso9796_2_representative(&f, challenge)
}

fn ecdsa_hash(
    key: &PublicKey,
    aa_info: Option<&ActiveAuthenticationInfo>,
) -> core::result::Result<DigestAlgorithm, AaError> {
    match aa_info {
        Some(info) => ecdsa_hash_from_oid(&info.signature_algorithm)
            .ok_or_else(|| AaError::UnsupportedAlgorithm(info.signature_algorithm.clone())),
        None => Ok(default_ecdsa_hash(key.bits())),
    }
}

/// Verifies an active authentication signature over `challenge` with the DG15 key
/// (`dg15_spki`, the SubjectPublicKeyInfo, e.g. [`crate::lds::dg15::Dg15::spki`]). For ECDSA
/// keys, `aa_info` (DG14's ActiveAuthenticationInfo) chooses the hash; see the module doc for
/// the default. RSA signatures name their hash in the ISO/IEC 9796-2 trailer and ignore
/// `aa_info`.
pub fn verify(
    dg15_spki: &[u8],
    challenge: &[u8; CHALLENGE_LEN],
    signature: &[u8],
    aa_info: Option<&ActiveAuthenticationInfo>,
) -> core::result::Result<AaEvidence, AaError> {
    let algorithm = match read_key(dg15_spki)? {
        Key::Rsa(key) => AaAlgorithm::RsaIso9796_2 {
            hash: verify_rsa(&key, challenge, signature)?,
        },
        Key::Ec(key) => {
            let hash = ecdsa_hash(&key, aa_info)?;
            verify_ec(&key, hash, challenge, signature)?;
            AaAlgorithm::EcdsaPlain { hash }
        }
    };
    Ok(AaEvidence {
        challenge: *challenge,
        signature: signature.to_vec(),
        algorithm,
        public_key_spki: dg15_spki.to_vec(),
    })
}

fn verify_ec(
    key: &PublicKey,
    hash: DigestAlgorithm,
    challenge: &[u8],
    signature: &[u8],
) -> core::result::Result<(), AaError> {
    sig::verify_ecdsa_plain(key, hash, challenge, signature).map_err(|_| AaError::BadSignature)
}

/// Verifies INTERNAL AUTHENTICATE's response (unprotected by the caller under secure
/// messaging): status 9000, then [`verify`] on its data.
pub fn verify_response(
    dg15_spki: &[u8],
    challenge: &[u8; CHALLENGE_LEN],
    response: &Response,
    aa_info: Option<&ActiveAuthenticationInfo>,
) -> core::result::Result<AaEvidence, AaError> {
    if !response.sw.is_success() {
        return Err(AaError::Status(response.sw));
    }
    verify(dg15_spki, challenge, &response.data, aa_info)
}

/// Checks evidence again, without the chip: the signature must verify over the challenge with
/// the key, under exactly the recorded algorithm (an RSA trailer naming another hash, or an
/// ECDSA signature that only verifies with another hash, is rejected).
pub fn verify_evidence(evidence: &AaEvidence) -> core::result::Result<(), AaError> {
    match (read_key(&evidence.public_key_spki)?, evidence.algorithm) {
        (Key::Rsa(key), AaAlgorithm::RsaIso9796_2 { hash }) => {
            let got = verify_rsa(&key, &evidence.challenge, &evidence.signature)?;
            if got == hash {
                Ok(())
            } else {
                Err(AaError::BadSignature)
            }
        }
        (Key::Ec(key), AaAlgorithm::EcdsaPlain { hash }) => {
            verify_ec(&key, hash, &evidence.challenge, &evidence.signature)
        }
        _ => Err(AaError::UnsupportedKey(
            "the key type does not match the recorded algorithm",
        )),
    }
}

/// Active authentication with a chosen challenge: build the command, then verify the answer.
#[derive(Clone, PartialEq, Eq)]
pub struct ActiveAuthentication {
    dg15_spki: Vec<u8>,
    challenge: [u8; CHALLENGE_LEN],
    aa_info: Option<ActiveAuthenticationInfo>,
}

impl fmt::Debug for ActiveAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActiveAuthentication")
            .field("aa_info", &self.aa_info)
            .finish_non_exhaustive()
    }
}

impl ActiveAuthentication {
    /// With a challenge drawn from `rng`.
    pub fn new(
        dg15_spki: &[u8],
        aa_info: Option<ActiveAuthenticationInfo>,
        rng: &mut dyn RandomSource,
    ) -> Result<Self> {
        Ok(Self::with_challenge(dg15_spki, aa_info, challenge(rng)?))
    }

    /// With the caller's challenge (a relying party's nonce).
    pub fn with_challenge(
        dg15_spki: &[u8],
        aa_info: Option<ActiveAuthenticationInfo>,
        challenge: [u8; CHALLENGE_LEN],
    ) -> Self {
        ActiveAuthentication {
            dg15_spki: dg15_spki.to_vec(),
            challenge,
            aa_info,
        }
    }

    /// The challenge.
    pub fn challenge(&self) -> &[u8; CHALLENGE_LEN] {
        &self.challenge
    }

    /// INTERNAL AUTHENTICATE with the challenge (see [`internal_authenticate`]).
    pub fn command(&self) -> Command {
        internal_authenticate(&self.challenge)
    }

    /// Verifies the chip's answer (see [`verify_response`]).
    pub fn finish(self, response: &Response) -> core::result::Result<AaEvidence, AaError> {
        verify_response(
            &self.dg15_spki,
            &self.challenge,
            response,
            self.aa_info.as_ref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_oids_and_defaults() {
        assert_eq!(
            ecdsa_hash_from_oid("0.4.0.127.0.7.1.1.4.1.3"),
            Some(DigestAlgorithm::Sha256)
        );
        assert_eq!(
            ecdsa_hash_from_oid(oid::ECDSA_WITH_SHA384),
            Some(DigestAlgorithm::Sha384)
        );
        assert_eq!(ecdsa_hash_from_oid("0.4.0.127.0.7.1.1.4.1.6"), None);
        assert_eq!(ecdsa_hash_from_oid("0.4.0.127.0.7.1.1.4.1"), None);
        assert_eq!(ecdsa_hash_from_oid("0.4.0.127.0.7.1.1.4.11"), None);
        assert_eq!(default_ecdsa_hash(256), DigestAlgorithm::Sha256);
        assert_eq!(default_ecdsa_hash(320), DigestAlgorithm::Sha384);
        assert_eq!(default_ecdsa_hash(521), DigestAlgorithm::Sha512);
    }

    #[test]
    fn command_bytes() {
        let c = internal_authenticate(&[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            c.encode(false).unwrap(),
            [0, 0x88, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0]
        );
    }

    #[test]
    fn representative_edge_cases() {
        for f in [
            &[][..],
            &[0x6A],
            &[0x6A, 0xBC],
            &[0x6A, 0xCC],
            &[0x6A, 0x34, 0xCC],
            &[0x4A, 0xBC],
        ] {
            assert!(verify_iso9796_2_representative(f, &[0; 8]).is_err());
        }
        // Empty M1 with a correct digest verifies (the length checks do not over-reach).
        let mut f = vec![0x6A];
        f.extend(DigestAlgorithm::Sha1.digest(&[7; 8]));
        f.push(0xBC);
        assert_eq!(
            verify_iso9796_2_representative(&f, &[7; 8]),
            Ok(DigestAlgorithm::Sha1)
        );
    }
}
