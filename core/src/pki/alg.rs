//! Digest and signature algorithm identifiers of X.509 and CMS.
//!
//! This module owns turning `AlgorithmIdentifier` structures into [`DigestAlgorithm`] and
//! [`SignatureAlgorithm`] values (including the RSASSA-PSS parameters with their ASN.1
//! defaults) and computing digests. It reads the encodings leniently through
//! [`crate::pki::ber`]. It holds no key and verifies nothing: [`crate::pki::sig`] does that.

use super::PkiError;
use super::ber::{self, Element};
use super::oid;
use sha2::Digest;

/// A message digest algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// SHA-1 (still found in older document signer certificates and PSS defaults).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// The algorithm of a dotted OID, `None` when it is not a supported digest.
    pub fn from_oid(dotted: &str) -> Option<Self> {
        Some(match dotted {
            oid::SHA1 => Self::Sha1,
            oid::SHA224 => Self::Sha224,
            oid::SHA256 => Self::Sha256,
            oid::SHA384 => Self::Sha384,
            oid::SHA512 => Self::Sha512,
            _ => return None,
        })
    }

    /// Reads a whole `AlgorithmIdentifier` TLV naming a digest; its parameters must be NULL or
    /// absent.
    pub fn from_algorithm_identifier(der: &[u8]) -> Result<Self, PkiError> {
        let (dotted, params) = read_algorithm_identifier(der)?;
        let alg = Self::from_oid(&dotted).ok_or(PkiError::UnsupportedAlgorithm(dotted))?;
        if !params_null_or_absent(params) {
            return Err(PkiError::Malformed("digest algorithm parameters"));
        }
        Ok(alg)
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Self::Sha224 => sha2::Sha224::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// The digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The usual name ("SHA-256").
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA-1",
            Self::Sha224 => "SHA-224",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }
}

/// A signature algorithm with everything needed to verify: padding and hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5.
    RsaPkcs1 {
        /// Hash of the message.
        hash: DigestAlgorithm,
    },
    /// RSASSA-PSS with its parameters (RFC 8017 A.2.3; the trailer field is always 1).
    RsaPss {
        /// Hash of the message.
        hash: DigestAlgorithm,
        /// Hash used by MGF1.
        mgf1_hash: DigestAlgorithm,
        /// Salt length in bytes.
        salt_len: usize,
    },
    /// ECDSA (X9.62 / SEC1).
    Ecdsa {
        /// Hash of the message.
        hash: DigestAlgorithm,
    },
}

/// The largest PSS salt accepted (bytes; a 8192-bit modulus leaves less room than this).
const MAX_SALT_LEN: usize = 1024;

impl SignatureAlgorithm {
    /// Reads an X.509 / CMS `signatureAlgorithm` (whole `AlgorithmIdentifier` TLV) naming both
    /// the scheme and the hash (sha256WithRSAEncryption, RSASSA-PSS with parameters,
    /// ecdsa-with-SHA384 ...). A bare rsaEncryption or id-ecPublicKey has no hash: see
    /// [`Self::from_cms`].
    pub fn from_algorithm_identifier(der: &[u8]) -> Result<Self, PkiError> {
        let (dotted, params) = read_algorithm_identifier(der)?;
        let rsa = |hash| -> Result<Self, PkiError> {
            if !params_null_or_absent(params) {
                return Err(PkiError::Malformed("RSA signature algorithm parameters"));
            }
            Ok(Self::RsaPkcs1 { hash })
        };
        let ecdsa = |hash| -> Result<Self, PkiError> {
            // RFC 5758: parameters absent; a NULL is tolerated (some issuers write one).
            if !params_null_or_absent(params) {
                return Err(PkiError::Malformed("ECDSA signature algorithm parameters"));
            }
            Ok(Self::Ecdsa { hash })
        };
        match dotted.as_str() {
            oid::SHA1_WITH_RSA => rsa(DigestAlgorithm::Sha1),
            oid::SHA224_WITH_RSA => rsa(DigestAlgorithm::Sha224),
            oid::SHA256_WITH_RSA => rsa(DigestAlgorithm::Sha256),
            oid::SHA384_WITH_RSA => rsa(DigestAlgorithm::Sha384),
            oid::SHA512_WITH_RSA => rsa(DigestAlgorithm::Sha512),
            oid::RSASSA_PSS => parse_pss_params(params),
            oid::ECDSA_WITH_SHA1 => ecdsa(DigestAlgorithm::Sha1),
            oid::ECDSA_WITH_SHA224 => ecdsa(DigestAlgorithm::Sha224),
            oid::ECDSA_WITH_SHA256 => ecdsa(DigestAlgorithm::Sha256),
            oid::ECDSA_WITH_SHA384 => ecdsa(DigestAlgorithm::Sha384),
            oid::ECDSA_WITH_SHA512 => ecdsa(DigestAlgorithm::Sha512),
            _ => Err(PkiError::UnsupportedAlgorithm(dotted)),
        }
    }

    /// CMS SignerInfo: signatureAlgorithm may be plain rsaEncryption (PKCS#1 v1.5) or
    /// id-ecPublicKey (ECDSA); the hash then comes from the SignerInfo's digestAlgorithm.
    /// Full signature OIDs are read as in [`Self::from_algorithm_identifier`] (their own hash
    /// wins over `digest`).
    pub fn from_cms(signature_alg_der: &[u8], digest: DigestAlgorithm) -> Result<Self, PkiError> {
        let (dotted, params) = read_algorithm_identifier(signature_alg_der)?;
        match dotted.as_str() {
            oid::RSA_ENCRYPTION => {
                if !params_null_or_absent(params) {
                    return Err(PkiError::Malformed("rsaEncryption parameters"));
                }
                Ok(Self::RsaPkcs1 { hash: digest })
            }
            // id-ecPublicKey as a signature algorithm: parameters (a curve) are ignored.
            oid::EC_PUBLIC_KEY => Ok(Self::Ecdsa { hash: digest }),
            _ => Self::from_algorithm_identifier(signature_alg_der),
        }
    }

    /// The hash of the message.
    pub fn hash(&self) -> DigestAlgorithm {
        match self {
            Self::RsaPkcs1 { hash } | Self::RsaPss { hash, .. } | Self::Ecdsa { hash } => *hash,
        }
    }

    /// A short name: "RSA-PKCS1/SHA-256", "RSA-PSS/SHA-256", "ECDSA/SHA-384". PSS names its
    /// MGF1 hash and salt length only where they differ from the message hash and its length.
    pub fn name(&self) -> String {
        match self {
            Self::RsaPkcs1 { hash } => format!("RSA-PKCS1/{}", hash.name()),
            Self::RsaPss {
                hash,
                mgf1_hash,
                salt_len,
            } => {
                let mut s = format!("RSA-PSS/{}", hash.name());
                if mgf1_hash != hash {
                    s.push_str(&format!(" MGF1/{}", mgf1_hash.name()));
                }
                if *salt_len != hash.output_len() {
                    s.push_str(&format!(" salt {salt_len}"));
                }
                s
            }
            Self::Ecdsa { hash } => format!("ECDSA/{}", hash.name()),
        }
    }
}

/// Reads `AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }`:
/// the dotted OID and the parameters element, if any. Trailing elements are rejected.
pub(crate) fn read_algorithm_identifier(
    der: &[u8],
) -> Result<(String, Option<Element<'_>>), PkiError> {
    let seq = ber::read_single(der)?;
    read_algorithm_identifier_element(&seq)
}

/// As [`read_algorithm_identifier`], from an element already read.
pub(crate) fn read_algorithm_identifier_element<'a>(
    seq: &Element<'a>,
) -> Result<(String, Option<Element<'a>>), PkiError> {
    if seq.tag != 0x30 {
        return Err(PkiError::Malformed("AlgorithmIdentifier"));
    }
    let mut c = seq.children();
    let oid_el = c.expect(0x06)?;
    let dotted =
        oid::to_string(oid_el.content).ok_or(PkiError::Malformed("AlgorithmIdentifier OID"))?;
    let params = c.next().transpose()?;
    if c.next().is_some() {
        return Err(PkiError::Malformed("AlgorithmIdentifier"));
    }
    Ok((dotted, params))
}

fn params_null_or_absent(params: Option<Element<'_>>) -> bool {
    match params {
        None => true,
        Some(p) => p.tag == 0x05 && p.content.is_empty(),
    }
}

/// A small non-negative INTEGER's value (DER or BER content), `None` when negative or too big.
pub(crate) fn small_uint(content: &[u8]) -> Option<usize> {
    if content.is_empty() || content.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let mut v: usize = 0;
    for &b in content {
        v = v.checked_mul(256)?.checked_add(usize::from(b))?;
    }
    Some(v)
}

/// RSASSA-PSS-params ::= SEQUENCE {
///   hashAlgorithm [0] HashAlgorithm DEFAULT sha1,
///   maskGenAlgorithm [1] MaskGenAlgorithm DEFAULT mgf1SHA1,
///   saltLength [2] INTEGER DEFAULT 20,
///   trailerField [3] TrailerField DEFAULT trailerFieldBC }
fn parse_pss_params(params: Option<Element<'_>>) -> Result<SignatureAlgorithm, PkiError> {
    let mut hash = DigestAlgorithm::Sha1;
    let mut mgf1_hash = DigestAlgorithm::Sha1;
    let mut salt_len = 20usize;
    let Some(params) = params else {
        return Ok(SignatureAlgorithm::RsaPss {
            hash,
            mgf1_hash,
            salt_len,
        });
    };
    if params.tag != 0x30 {
        return Err(PkiError::Malformed("RSASSA-PSS parameters"));
    }
    let mut c = params.children();
    if let Some(h) = c.optional(0xA0)? {
        hash = DigestAlgorithm::from_algorithm_identifier(single_child(&h)?.raw)?;
    }
    if let Some(m) = c.optional(0xA1)? {
        let (mgf, mgf_params) = read_algorithm_identifier_element(&single_child(&m)?)?;
        if mgf != oid::MGF1 {
            return Err(PkiError::UnsupportedAlgorithm(mgf));
        }
        let mgf_params = mgf_params.ok_or(PkiError::Malformed("MGF1 parameters"))?;
        mgf1_hash = DigestAlgorithm::from_algorithm_identifier(mgf_params.raw)?;
    }
    if let Some(s) = c.optional(0xA2)? {
        let int = single_child(&s)?;
        if int.tag != 0x02 {
            return Err(PkiError::Malformed("RSASSA-PSS saltLength"));
        }
        salt_len = small_uint(int.content)
            .filter(|&v| v <= MAX_SALT_LEN)
            .ok_or(PkiError::Malformed("RSASSA-PSS saltLength"))?;
    }
    if let Some(t) = c.optional(0xA3)? {
        let int = single_child(&t)?;
        if int.tag != 0x02 || small_uint(int.content) != Some(1) {
            return Err(PkiError::Malformed("RSASSA-PSS trailerField"));
        }
    }
    if !c.is_empty() {
        return Err(PkiError::Malformed("RSASSA-PSS parameters"));
    }
    Ok(SignatureAlgorithm::RsaPss {
        hash,
        mgf1_hash,
        salt_len,
    })
}

/// The one element inside an EXPLICIT context tag.
fn single_child<'a>(outer: &Element<'a>) -> Result<Element<'a>, PkiError> {
    let mut c = outer.children();
    let inner = c.next().ok_or(PkiError::Malformed("explicit tag"))??;
    if c.next().is_some() {
        return Err(PkiError::Malformed("explicit tag"));
    }
    Ok(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alg_id(dotted: &str, params: &[u8]) -> Vec<u8> {
        let o = oid::encode(dotted).unwrap();
        let mut inner = crate::tlv::encode(0x06, &o);
        inner.extend_from_slice(params);
        crate::tlv::encode(0x30, &inner)
    }

    #[test]
    fn digests_and_names() {
        let d = DigestAlgorithm::from_algorithm_identifier(&alg_id(oid::SHA256, &[5, 0])).unwrap();
        assert_eq!(d, DigestAlgorithm::Sha256);
        assert_eq!(d.digest(b"abc").len(), 32);
        assert_eq!(
            hex(&DigestAlgorithm::Sha1.digest(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            DigestAlgorithm::from_algorithm_identifier(&alg_id(oid::SHA512, &[])).unwrap(),
            DigestAlgorithm::Sha512
        );
        assert_eq!(
            DigestAlgorithm::from_algorithm_identifier(&alg_id("1.2.3.4", &[])),
            Err(PkiError::UnsupportedAlgorithm("1.2.3.4".into()))
        );
        assert!(
            DigestAlgorithm::from_algorithm_identifier(&alg_id(oid::SHA1, &[2, 1, 0])).is_err()
        );
        for d in [
            DigestAlgorithm::Sha1,
            DigestAlgorithm::Sha224,
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            assert_eq!(d.digest(b"").len(), d.output_len());
        }
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn signature_algorithms() {
        let a =
            SignatureAlgorithm::from_algorithm_identifier(&alg_id(oid::SHA256_WITH_RSA, &[5, 0]))
                .unwrap();
        assert_eq!(
            a,
            SignatureAlgorithm::RsaPkcs1 {
                hash: DigestAlgorithm::Sha256
            }
        );
        assert_eq!(a.name(), "RSA-PKCS1/SHA-256");
        let e = SignatureAlgorithm::from_algorithm_identifier(&alg_id(oid::ECDSA_WITH_SHA384, &[]))
            .unwrap();
        assert_eq!(e.name(), "ECDSA/SHA-384");
        // CMS with bare key OIDs.
        assert_eq!(
            SignatureAlgorithm::from_cms(
                &alg_id(oid::RSA_ENCRYPTION, &[5, 0]),
                DigestAlgorithm::Sha512
            )
            .unwrap(),
            SignatureAlgorithm::RsaPkcs1 {
                hash: DigestAlgorithm::Sha512
            }
        );
        assert_eq!(
            SignatureAlgorithm::from_cms(&alg_id(oid::EC_PUBLIC_KEY, &[]), DigestAlgorithm::Sha224)
                .unwrap(),
            SignatureAlgorithm::Ecdsa {
                hash: DigestAlgorithm::Sha224
            }
        );
        assert_eq!(
            SignatureAlgorithm::from_cms(
                &alg_id(oid::ECDSA_WITH_SHA256, &[]),
                DigestAlgorithm::Sha1
            )
            .unwrap(),
            SignatureAlgorithm::Ecdsa {
                hash: DigestAlgorithm::Sha256
            }
        );
        assert!(matches!(
            SignatureAlgorithm::from_algorithm_identifier(&alg_id(oid::RSA_ENCRYPTION, &[5, 0])),
            Err(PkiError::UnsupportedAlgorithm(_))
        ));
        assert!(SignatureAlgorithm::from_algorithm_identifier(&[0x30, 0x03, 0x06]).is_err());
        assert!(SignatureAlgorithm::from_algorithm_identifier(&[]).is_err());
    }

    #[test]
    fn pss_parameters_and_defaults() {
        // Absent parameters and an empty SEQUENCE: all defaults.
        let def = SignatureAlgorithm::RsaPss {
            hash: DigestAlgorithm::Sha1,
            mgf1_hash: DigestAlgorithm::Sha1,
            salt_len: 20,
        };
        assert_eq!(
            SignatureAlgorithm::from_algorithm_identifier(&alg_id(oid::RSASSA_PSS, &[])).unwrap(),
            def
        );
        assert_eq!(
            SignatureAlgorithm::from_algorithm_identifier(&alg_id(oid::RSASSA_PSS, &[0x30, 0]))
                .unwrap(),
            def
        );
        // SHA-256, MGF1-SHA-256, salt 32, trailer 1 (as OpenSSL writes it, NULL hash params).
        let sha256 = alg_id(oid::SHA256, &[5, 0]);
        let mgf = alg_id(oid::MGF1, &sha256);
        let mut p = crate::tlv::encode(0xA0, &sha256);
        p.extend(crate::tlv::encode(0xA1, &mgf));
        p.extend(crate::tlv::encode(0xA2, &[2, 1, 32]));
        p.extend(crate::tlv::encode(0xA3, &[2, 1, 1]));
        let der = alg_id(oid::RSASSA_PSS, &crate::tlv::encode(0x30, &p));
        let a = SignatureAlgorithm::from_algorithm_identifier(&der).unwrap();
        assert_eq!(
            a,
            SignatureAlgorithm::RsaPss {
                hash: DigestAlgorithm::Sha256,
                mgf1_hash: DigestAlgorithm::Sha256,
                salt_len: 32
            }
        );
        assert_eq!(a.name(), "RSA-PSS/SHA-256");
        // Only the hash given: MGF1 stays SHA-1, salt 20.
        let p = crate::tlv::encode(0xA0, &alg_id(oid::SHA512, &[]));
        let a = SignatureAlgorithm::from_algorithm_identifier(&alg_id(
            oid::RSASSA_PSS,
            &crate::tlv::encode(0x30, &p),
        ))
        .unwrap();
        assert_eq!(a.name(), "RSA-PSS/SHA-512 MGF1/SHA-1 salt 20");
        // Trailer field other than 1.
        let p = crate::tlv::encode(0xA3, &[2, 1, 2]);
        assert!(
            SignatureAlgorithm::from_algorithm_identifier(&alg_id(
                oid::RSASSA_PSS,
                &crate::tlv::encode(0x30, &p)
            ))
            .is_err()
        );
        // Negative salt.
        let p = crate::tlv::encode(0xA2, &[2, 1, 0x80]);
        assert!(
            SignatureAlgorithm::from_algorithm_identifier(&alg_id(
                oid::RSASSA_PSS,
                &crate::tlv::encode(0x30, &p)
            ))
            .is_err()
        );
        // Unknown MGF.
        let p = crate::tlv::encode(0xA1, &alg_id("1.2.3", &[]));
        assert_eq!(
            SignatureAlgorithm::from_algorithm_identifier(&alg_id(
                oid::RSASSA_PSS,
                &crate::tlv::encode(0x30, &p)
            )),
            Err(PkiError::UnsupportedAlgorithm("1.2.3".into()))
        );
    }
}
