//! Object identifiers: dotted-string constants and conversion from BER content bytes.
//!
//! This module owns the OIDs the PKI layer recognises. OIDs are compared as dotted strings
//! ("2.23.136.1.1.1"): readable in code and in error messages, and cheap at these sizes.

/// The dotted form of an OID's content octets; `None` when malformed (empty, truncated arc,
/// an arc above 2^64).
pub fn to_string(content: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    let mut in_arc = false;
    for &b in content {
        if acc > (u64::MAX >> 7) {
            return None;
        }
        acc = (acc << 7) | u64::from(b & 0x7F);
        in_arc = b & 0x80 != 0;
        if !in_arc {
            if arcs.is_empty() {
                let (a, b) = match acc {
                    0..=39 => (0, acc),
                    40..=79 => (1, acc - 40),
                    _ => (2, acc - 80),
                };
                arcs.push(a);
                arcs.push(b);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        }
    }
    if in_arc || arcs.is_empty() {
        return None;
    }
    Some(
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// The content octets of a dotted OID; `None` when malformed.
pub fn encode(dotted: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let (first, second, rest) = match arcs.as_slice() {
        [a, b, rest @ ..] if *a <= 2 && (*a == 2 || *b < 40) => (*a, *b, rest),
        _ => return None,
    };
    let mut out = Vec::new();
    for arc in core::iter::once(first * 40 + second).chain(rest.iter().copied()) {
        let mut tmp = Vec::new();
        let mut v = arc;
        tmp.push((v & 0x7F) as u8);
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7F) as u8);
            v >>= 7;
        }
        tmp.reverse();
        out.extend_from_slice(&tmp);
    }
    Some(out)
}

/// CMS id-data.
pub const DATA: &str = "1.2.840.113549.1.7.1";
/// CMS id-signedData.
pub const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
/// ICAO id-icao-mrtd-security-ldsSecurityObject.
pub const LDS_SECURITY_OBJECT: &str = "2.23.136.1.1.1";
/// ICAO id-icao-cscaMasterList.
pub const CSCA_MASTER_LIST: &str = "2.23.136.1.1.2";
/// BSI TR-03110 id-SecurityObject (EF.CardSecurity's eContentType).
pub const SECURITY_OBJECT: &str = "0.4.0.127.0.7.3.2.1";
/// PKCS#9 contentType attribute.
pub const ATTR_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
/// PKCS#9 messageDigest attribute.
pub const ATTR_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
/// PKCS#9 signingTime attribute.
pub const ATTR_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
/// RFC 6211 CMSAlgorithmProtection attribute.
pub const ATTR_CMS_ALGORITHM_PROTECTION: &str = "1.2.840.113549.1.9.52";
/// SHA-1.
pub const SHA1: &str = "1.3.14.3.2.26";
/// SHA-224.
pub const SHA224: &str = "2.16.840.1.101.3.4.2.4";
/// SHA-256.
pub const SHA256: &str = "2.16.840.1.101.3.4.2.1";
/// SHA-384.
pub const SHA384: &str = "2.16.840.1.101.3.4.2.2";
/// SHA-512.
pub const SHA512: &str = "2.16.840.1.101.3.4.2.3";
/// rsaEncryption.
pub const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// sha1WithRSAEncryption.
pub const SHA1_WITH_RSA: &str = "1.2.840.113549.1.1.5";
/// sha224WithRSAEncryption.
pub const SHA224_WITH_RSA: &str = "1.2.840.113549.1.1.14";
/// sha256WithRSAEncryption.
pub const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
/// sha384WithRSAEncryption.
pub const SHA384_WITH_RSA: &str = "1.2.840.113549.1.1.12";
/// sha512WithRSAEncryption.
pub const SHA512_WITH_RSA: &str = "1.2.840.113549.1.1.13";
/// RSASSA-PSS.
pub const RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
/// MGF1.
pub const MGF1: &str = "1.2.840.113549.1.1.8";
/// id-ecPublicKey.
pub const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// prime-field (explicit EC parameters).
pub const PRIME_FIELD: &str = "1.2.840.10045.1.1";
/// ecdsa-with-SHA1.
pub const ECDSA_WITH_SHA1: &str = "1.2.840.10045.4.1";
/// ecdsa-with-SHA224.
pub const ECDSA_WITH_SHA224: &str = "1.2.840.10045.4.3.1";
/// ecdsa-with-SHA256.
pub const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
/// ecdsa-with-SHA384.
pub const ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";
/// ecdsa-with-SHA512.
pub const ECDSA_WITH_SHA512: &str = "1.2.840.10045.4.3.4";
/// NIST P-256 (secp256r1).
pub const P256: &str = "1.2.840.10045.3.1.7";
/// NIST P-384 (secp384r1).
pub const P384: &str = "1.3.132.0.34";
/// NIST P-521 (secp521r1).
pub const P521: &str = "1.3.132.0.35";
/// brainpoolP224r1.
pub const BRAINPOOL_P224R1: &str = "1.3.36.3.3.2.8.1.1.5";
/// brainpoolP256r1.
pub const BRAINPOOL_P256R1: &str = "1.3.36.3.3.2.8.1.1.7";
/// brainpoolP320r1.
pub const BRAINPOOL_P320R1: &str = "1.3.36.3.3.2.8.1.1.9";
/// brainpoolP384r1.
pub const BRAINPOOL_P384R1: &str = "1.3.36.3.3.2.8.1.1.11";
/// brainpoolP512r1.
pub const BRAINPOOL_P512R1: &str = "1.3.36.3.3.2.8.1.1.13";
/// X.520 countryName.
pub const COUNTRY_NAME: &str = "2.5.4.6";
/// X.520 commonName.
pub const COMMON_NAME: &str = "2.5.4.3";
/// X.509 subjectKeyIdentifier extension.
pub const EXT_SUBJECT_KEY_ID: &str = "2.5.29.14";
/// X.509 keyUsage extension.
pub const EXT_KEY_USAGE: &str = "2.5.29.15";
/// X.509 basicConstraints extension.
pub const EXT_BASIC_CONSTRAINTS: &str = "2.5.29.19";
/// X.509 authorityKeyIdentifier extension.
pub const EXT_AUTHORITY_KEY_ID: &str = "2.5.29.35";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for o in [
            LDS_SECURITY_OBJECT,
            SECURITY_OBJECT,
            BRAINPOOL_P512R1,
            P256,
            SHA256,
            "2.999.3",
        ] {
            let enc = encode(o).unwrap();
            assert_eq!(to_string(&enc).unwrap(), o);
        }
        assert_eq!(
            encode(SHA256).unwrap(),
            [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
        );
        assert_eq!(to_string(&[0x2A, 0x86]), None);
        assert_eq!(to_string(&[]), None);
        assert_eq!(to_string(&[0xFF; 20]), None);
        assert_eq!(encode("3.1"), None);
    }
}
