//! Public keys from SubjectPublicKeyInfo and signature verification.
//!
//! This module owns reading RSA and EC public keys (named curves and curves given by explicit
//! parameters, as most document signer certificates carry them) and verifying RSA PKCS#1 v1.5,
//! RSA-PSS and ECDSA signatures with them. RSA uses the `rsa` crate; ECDSA uses the RustCrypto
//! curve crates for P-256/384/521 and brainpoolP256r1/P384r1, and the variable-time generic
//! code of [`crate::pki::ec`] for every other prime curve. Verification only: no private key
//! or secret scalar ever enters here.

use super::PkiError;
use super::alg::{DigestAlgorithm, SignatureAlgorithm, read_algorithm_identifier_element};
use super::ber::{self, Element};
use super::ec::{AffinePoint, CurveParams, NamedCurve, PrimeCurve, strip_zeros};
use super::oid;
use ecdsa::signature::hazmat::PrehashVerifier;
use rsa::traits::PublicKeyParts;
use std::sync::Arc;

/// The RSA modulus sizes accepted, in bits.
pub const RSA_BITS: core::ops::RangeInclusive<usize> = 1024..=8192;

/// A verification key: RSA or EC.
#[derive(Clone)]
pub struct PublicKey {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Rsa {
        key: rsa::PublicKey,
        bits: usize,
    },
    Ec {
        key: EcKey,
        named: Option<NamedCurve>,
        explicit: bool,
        order_bits: u32,
    },
}

#[derive(Clone)]
enum EcKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
    Bp256(ecdsa::VerifyingKey<bp256::BrainpoolP256r1>),
    Bp384(ecdsa::VerifyingKey<bp384::BrainpoolP384r1>),
    Generic {
        curve: Arc<PrimeCurve>,
        point: AffinePoint,
    },
}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PublicKey({})", self.describe())
    }
}

/// Which implementation EC keys use.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EcBackend {
    /// The RustCrypto crate where one exists.
    Crates,
    /// Always [`crate::pki::ec`].
    Generic,
}

impl PublicKey {
    /// Reads a SubjectPublicKeyInfo TLV: RSA (rsaEncryption or RSASSA-PSS; modulus 1024 to
    /// 8192 bits) or EC (id-ecPublicKey with a namedCurve OID or explicit prime-field
    /// ECParameters; the point uncompressed or compressed, checked to be on the curve).
    /// Explicit parameters equal to a known curve (p, a, b, G, n compared without leading
    /// zeros) are treated as that curve.
    pub fn from_spki(der: &[u8]) -> Result<Self, PkiError> {
        Self::from_spki_with(der, EcBackend::Crates)
    }

    /// As [`Self::from_spki`], but EC keys always use the generic variable-time implementation
    /// of [`crate::pki::ec`], even on curves a crate implements. For cross-checking that
    /// implementation against third-party vectors; not needed otherwise.
    #[doc(hidden)]
    pub fn from_spki_generic_ec(der: &[u8]) -> Result<Self, PkiError> {
        Self::from_spki_with(der, EcBackend::Generic)
    }

    fn from_spki_with(der: &[u8], backend: EcBackend) -> Result<Self, PkiError> {
        let spki = ber::read_single(der)?;
        if spki.tag != 0x30 {
            return Err(PkiError::Malformed("SubjectPublicKeyInfo"));
        }
        let mut c = spki.children();
        let alg = c.expect(0x30)?;
        let bits = c.expect(0x03)?;
        if c.next().is_some() {
            return Err(PkiError::Malformed("SubjectPublicKeyInfo"));
        }
        let key_bytes = match bits.content.split_first() {
            Some((0, rest)) => rest,
            _ => return Err(PkiError::Malformed("subjectPublicKey BIT STRING")),
        };
        let (dotted, params) = read_algorithm_identifier_element(&alg)?;
        match dotted.as_str() {
            // RSASSA-PSS keys may carry PSS parameters restricting their use; the signature's
            // own AlgorithmIdentifier decides how to verify, those restrictions are not enforced.
            oid::RSA_ENCRYPTION | oid::RSASSA_PSS => rsa_key(key_bytes),
            oid::EC_PUBLIC_KEY => {
                let params = params.ok_or(PkiError::Malformed("EC key without parameters"))?;
                ec_key(params, key_bytes, backend)
            }
            _ => Err(PkiError::UnsupportedAlgorithm(dotted)),
        }
    }

    /// A short description: "RSA 2048", "EC brainpoolP256r1", "EC brainpoolP256r1 (explicit
    /// parameters)", "EC 256-bit curve (explicit parameters)".
    pub fn describe(&self) -> String {
        match &self.inner {
            Inner::Rsa { bits, .. } => format!("RSA {bits}"),
            Inner::Ec {
                named,
                explicit,
                order_bits,
                ..
            } => {
                let mut s = match named {
                    Some(c) => format!("EC {}", c.name()),
                    None => format!("EC {order_bits}-bit curve"),
                };
                if *explicit {
                    s.push_str(" (explicit parameters)");
                }
                s
            }
        }
    }

    /// True for RSA keys.
    pub fn is_rsa(&self) -> bool {
        matches!(self.inner, Inner::Rsa { .. })
    }

    /// The named curve of an EC key (also when given by explicit parameters equal to it).
    pub fn named_curve(&self) -> Option<NamedCurve> {
        match &self.inner {
            Inner::Ec { named, .. } => *named,
            Inner::Rsa { .. } => None,
        }
    }

    /// True when an EC key is verified by the generic variable-time code of
    /// [`crate::pki::ec`].
    pub fn uses_generic_ec(&self) -> bool {
        matches!(
            self.inner,
            Inner::Ec {
                key: EcKey::Generic { .. },
                ..
            }
        )
    }

    /// RSA modulus bits, or the EC order's bits.
    pub fn bits(&self) -> usize {
        match &self.inner {
            Inner::Rsa { bits, .. } => *bits,
            Inner::Ec { order_bits, .. } => *order_bits as usize,
        }
    }
}

/// A non-negative INTEGER's magnitude (leading zeros stripped); negative values are rejected.
fn unsigned_integer<'a>(el: &Element<'a>, what: &'static str) -> Result<&'a [u8], PkiError> {
    if el.tag != 0x02 || el.content.first().is_none_or(|b| b & 0x80 != 0) {
        return Err(PkiError::Malformed(what));
    }
    Ok(strip_zeros(el.content))
}

fn bit_len(b: &[u8]) -> usize {
    let b = strip_zeros(b);
    b.first()
        .map_or(0, |f| (b.len() - 1) * 8 + (8 - f.leading_zeros() as usize))
}

fn rsa_key(key_bytes: &[u8]) -> Result<PublicKey, PkiError> {
    let seq = ber::read_single(key_bytes)?;
    if seq.tag != 0x30 {
        return Err(PkiError::Malformed("RSAPublicKey"));
    }
    let mut c = seq.children();
    let n = unsigned_integer(&c.expect(0x02)?, "RSA modulus")?;
    let e = unsigned_integer(&c.expect(0x02)?, "RSA exponent")?;
    if c.next().is_some() {
        return Err(PkiError::Malformed("RSAPublicKey"));
    }
    let bits = bit_len(n);
    if !RSA_BITS.contains(&bits) {
        return Err(PkiError::UnsupportedKey("RSA modulus size"));
    }
    if e.len() > 8 {
        return Err(PkiError::UnsupportedKey("RSA public exponent"));
    }
    let n = rsa::BoxedUint::from_be_slice_vartime(n);
    let e = rsa::BoxedUint::from_be_slice_vartime(e);
    let key = rsa::PublicKey::new(n, e).map_err(|_| PkiError::UnsupportedKey("RSA key"))?;
    Ok(PublicKey {
        inner: Inner::Rsa { key, bits },
    })
}

/// ECParameters ::= SEQUENCE { version INTEGER { ecpVer1(1) }, fieldID FieldID, curve Curve,
/// base ECPoint, order INTEGER, cofactor INTEGER OPTIONAL }
/// FieldID ::= SEQUENCE { fieldType OID (prime-field), parameters INTEGER (p) }
/// Curve ::= SEQUENCE { a OCTET STRING, b OCTET STRING, seed BIT STRING OPTIONAL }
/// Returns the parameters (base point uncompressed, or its x and parity when compressed).
fn explicit_params(params: &Element<'_>) -> Result<(CurveParams, Option<bool>), PkiError> {
    let mut c = params.children();
    let version = c.expect(0x02)?;
    if version.content != [1] {
        return Err(PkiError::UnsupportedKey("ECParameters version"));
    }
    let field = c.expect(0x30)?;
    let mut fc = field.children();
    let ftype = fc.expect(0x06)?;
    if oid::to_string(ftype.content).as_deref() != Some(oid::PRIME_FIELD) {
        return Err(PkiError::UnsupportedKey("EC field is not a prime field"));
    }
    let p = unsigned_integer(&fc.expect(0x02)?, "EC field prime")?.to_vec();
    if fc.next().is_some() {
        return Err(PkiError::Malformed("EC FieldID"));
    }
    let curve = c.expect(0x30)?;
    let mut cc = curve.children();
    let a = strip_zeros(&cc.expect(0x04)?.string_content()?).to_vec();
    let b = strip_zeros(&cc.expect(0x04)?.string_content()?).to_vec();
    let _seed = cc.optional(0x03)?;
    if cc.next().is_some() {
        return Err(PkiError::Malformed("EC Curve"));
    }
    let base = c.expect(0x04)?.string_content()?;
    let n = unsigned_integer(&c.expect(0x02)?, "EC order")?.to_vec();
    if let Some(h) = c.optional(0x02)?
        && unsigned_integer(&h, "EC cofactor")? != [1]
    {
        return Err(PkiError::UnsupportedKey("EC cofactor other than 1"));
    }
    if c.next().is_some() {
        return Err(PkiError::Malformed("ECParameters"));
    }
    let flen = p.len();
    let (gx, gy, parity) = match base.split_first() {
        Some((4, xy)) if xy.len() == 2 * flen => {
            let (x, y) = xy.split_at(flen);
            (x.to_vec(), y.to_vec(), None)
        }
        Some((t @ (2 | 3), x)) if x.len() == flen => (x.to_vec(), Vec::new(), Some(*t == 3)),
        _ => return Err(PkiError::Malformed("EC base point")),
    };
    Ok((CurveParams { p, a, b, gx, gy, n }.normalized(), parity))
}

fn ec_key(params: Element<'_>, point: &[u8], backend: EcBackend) -> Result<PublicKey, PkiError> {
    let (named, explicit_curve) = match params.tag {
        0x06 => {
            let dotted =
                oid::to_string(params.content).ok_or(PkiError::Malformed("EC namedCurve OID"))?;
            let c = NamedCurve::from_oid(&dotted).ok_or(PkiError::UnsupportedAlgorithm(dotted))?;
            (Some(c), None)
        }
        0x30 => {
            let (mut cp, parity) = explicit_params(&params)?;
            let named = match parity {
                None => cp.matches_named(),
                // Compressed base point: a known curve with the same p, a, b, n and Gx whose
                // Gy has that parity.
                Some(odd) => {
                    let found = NamedCurve::ALL.into_iter().find(|nc| {
                        let k = nc.params();
                        k.p == cp.p
                            && k.a == cp.a
                            && k.b == cp.b
                            && k.n == cp.n
                            && k.gx == cp.gx
                            && k.gy.last().is_some_and(|l| (l & 1 == 1) == odd)
                    });
                    if let Some(nc) = found {
                        cp.gy = nc.params().gy;
                    } else {
                        return Err(PkiError::UnsupportedKey(
                            "compressed base point of an unknown curve",
                        ));
                    }
                    found
                }
            };
            (named, Some(cp))
        }
        _ => return Err(PkiError::UnsupportedKey("EC parameters (implicitlyCA)")),
    };
    let explicit = explicit_curve.is_some();
    let bad_point = |_| PkiError::Invalid("EC public key point");
    let key = match (named, backend) {
        (Some(NamedCurve::P256), EcBackend::Crates) => {
            EcKey::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad_point)?)
        }
        (Some(NamedCurve::P384), EcBackend::Crates) => {
            EcKey::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad_point)?)
        }
        (Some(NamedCurve::P521), EcBackend::Crates) => {
            EcKey::P521(p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad_point)?)
        }
        (Some(NamedCurve::BrainpoolP256r1), EcBackend::Crates) => {
            EcKey::Bp256(ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad_point)?)
        }
        (Some(NamedCurve::BrainpoolP384r1), EcBackend::Crates) => {
            EcKey::Bp384(ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad_point)?)
        }
        (Some(nc), _) => {
            let curve = PrimeCurve::named_vartime(nc)?;
            let point = curve.decode_point_vartime(point)?;
            EcKey::Generic {
                curve: Arc::new(curve),
                point,
            }
        }
        (None, _) => {
            let cp = explicit_curve.ok_or(PkiError::UnsupportedKey("EC curve"))?;
            let curve = PrimeCurve::new_vartime(&cp)?;
            let point = curve.decode_point_vartime(point)?;
            EcKey::Generic {
                curve: Arc::new(curve),
                point,
            }
        }
    };
    let order_bits = match named {
        Some(nc) => bit_len(&nc.params().n) as u32,
        None => match &key {
            EcKey::Generic { curve, .. } => curve.order_bits(),
            _ => 0,
        },
    };
    Ok(PublicKey {
        inner: Inner::Ec {
            key,
            named,
            explicit,
            order_bits,
        },
    })
}

/// Verifies `signature` over `message` with `key` under `alg`. ECDSA signatures are the DER
/// `Ecdsa-Sig-Value` of X.509 and CMS (strict DER: minimal lengths and integers, nothing
/// trailing).
pub fn verify_signature(
    key: &PublicKey,
    alg: &SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    match (&key.inner, alg) {
        (Inner::Rsa { key, .. }, SignatureAlgorithm::RsaPkcs1 { hash }) => {
            verify_rsa_pkcs1(key, *hash, message, signature)
        }
        (
            Inner::Rsa { key, .. },
            SignatureAlgorithm::RsaPss {
                hash,
                mgf1_hash,
                salt_len,
            },
        ) => verify_rsa_pss(key, *hash, *mgf1_hash, *salt_len, message, signature),
        (Inner::Ec { .. }, SignatureAlgorithm::Ecdsa { hash }) => {
            let (r, s) = parse_ecdsa_der(signature)?;
            verify_ecdsa_rs(key, *hash, message, r, s)
        }
        _ => Err(PkiError::Invalid(
            "signature algorithm does not match the key",
        )),
    }
}

/// Verifies a plain `r || s` ECDSA signature (ISO 7816 / BSI TR-03111 format, as active
/// authentication returns it): both halves as long as the curve order, big-endian.
pub fn verify_ecdsa_plain(
    key: &PublicKey,
    hash: DigestAlgorithm,
    message: &[u8],
    r_s: &[u8],
) -> Result<(), PkiError> {
    let Inner::Ec { order_bits, .. } = &key.inner else {
        return Err(PkiError::Invalid("ECDSA signature with a non-EC key"));
    };
    let len = order_bits.div_ceil(8) as usize;
    if r_s.len() != 2 * len {
        return Err(PkiError::BadSignature);
    }
    let (r, s) = r_s.split_at(len);
    verify_ecdsa_rs(key, hash, message, r, s)
}

/// Reads `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` in strict DER; returns the
/// magnitudes of r and s. Any deviation is a bad signature.
fn parse_ecdsa_der(sig: &[u8]) -> Result<(&[u8], &[u8]), PkiError> {
    let (content, rest) = der_tlv(sig, 0x30).ok_or(PkiError::BadSignature)?;
    if !rest.is_empty() {
        return Err(PkiError::BadSignature);
    }
    let (r, rest) = der_tlv(content, 0x02).ok_or(PkiError::BadSignature)?;
    let (s, rest) = der_tlv(rest, 0x02).ok_or(PkiError::BadSignature)?;
    if !rest.is_empty() {
        return Err(PkiError::BadSignature);
    }
    for int in [r, s] {
        match int {
            [] => return Err(PkiError::BadSignature),
            [f, ..] if f & 0x80 != 0 => return Err(PkiError::BadSignature),
            [0, second, ..] if second & 0x80 == 0 => return Err(PkiError::BadSignature),
            _ => {}
        }
    }
    Ok((strip_zeros(r), strip_zeros(s)))
}

/// One DER TLV with a one-byte `tag` and a minimal definite length: (content, rest).
fn der_tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = input.split_first()?;
    if t != tag {
        return None;
    }
    let (&l0, rest) = rest.split_first()?;
    let (len, rest) = match l0 {
        0..=0x7F => (usize::from(l0), rest),
        0x81 => {
            let (&l, rest) = rest.split_first()?;
            if l < 0x80 {
                return None;
            }
            (usize::from(l), rest)
        }
        0x82 => {
            let (lb, rest) = rest.split_at_checked(2)?;
            let l = usize::from(u16::from_be_bytes([*lb.first()?, *lb.get(1)?]));
            if l < 0x100 {
                return None;
            }
            (l, rest)
        }
        _ => return None,
    };
    rest.split_at_checked(len)
}

/// r || s, each right-aligned in `len` bytes; `None` when one is longer.
fn fixed_rs(r: &[u8], s: &[u8], len: usize) -> Option<Vec<u8>> {
    if r.len() > len || s.len() > len {
        return None;
    }
    let mut out = vec![0u8; 2 * len];
    out.get_mut(len - r.len()..len)?.copy_from_slice(r);
    out.get_mut(2 * len - s.len()..)?.copy_from_slice(s);
    Some(out)
}

/// True when the big-endian magnitude `v` is in [1, n-1].
fn in_range(v: &[u8], n: &[u8]) -> bool {
    let v = strip_zeros(v);
    let n = strip_zeros(n);
    !v.is_empty() && (v.len() < n.len() || (v.len() == n.len() && v < n))
}

macro_rules! crate_ecdsa {
    ($vk:expr, $curve:ty, $len:expr, $hash:expr, $r:expr, $s:expr) => {{
        let rs = fixed_rs($r, $s, $len).ok_or(PkiError::BadSignature)?;
        let sig =
            ecdsa::Signature::<$curve>::from_slice(&rs).map_err(|_| PkiError::BadSignature)?;
        $vk.verify_prehash($hash, &sig)
            .map_err(|_| PkiError::BadSignature)
    }};
}

fn verify_ecdsa_rs(
    key: &PublicKey,
    hash: DigestAlgorithm,
    message: &[u8],
    r: &[u8],
    s: &[u8],
) -> Result<(), PkiError> {
    let Inner::Ec { key, named, .. } = &key.inner else {
        return Err(PkiError::Invalid("ECDSA signature with a non-EC key"));
    };
    let digest = hash.digest(message);
    if let EcKey::Generic { curve, point } = key {
        return curve.verify_prehash_vartime(point, &digest, r, s);
    }
    let n = named.map(|c| c.params().n).unwrap_or_default();
    if !in_range(r, &n) || !in_range(s, &n) {
        return Err(PkiError::BadSignature);
    }
    let r = strip_zeros(r);
    let s = strip_zeros(s);
    match key {
        EcKey::P256(vk) => crate_ecdsa!(vk, p256::NistP256, 32, &digest, r, s),
        EcKey::P384(vk) => crate_ecdsa!(vk, p384::NistP384, 48, &digest, r, s),
        EcKey::P521(vk) => crate_ecdsa!(vk, p521::NistP521, 66, &digest, r, s),
        EcKey::Bp256(vk) => crate_ecdsa!(vk, bp256::BrainpoolP256r1, 32, &digest, r, s),
        EcKey::Bp384(vk) => crate_ecdsa!(vk, bp384::BrainpoolP384r1, 48, &digest, r, s),
        EcKey::Generic { .. } => Err(PkiError::BadSignature),
    }
}

fn verify_rsa_pkcs1(
    key: &rsa::PublicKey,
    hash: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    use rsa::Pkcs1v15Sign;
    let scheme = match hash {
        DigestAlgorithm::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
        DigestAlgorithm::Sha224 => Pkcs1v15Sign::new::<sha2::Sha224>(),
        DigestAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
        DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
        DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
    };
    if signature.len() != key.size() {
        return Err(PkiError::BadSignature);
    }
    key.verify(scheme, &hash.digest(message), signature)
        .map_err(|_| PkiError::BadSignature)
}

fn verify_rsa_pss(
    key: &rsa::PublicKey,
    hash: DigestAlgorithm,
    mgf1_hash: DigestAlgorithm,
    salt_len: usize,
    message: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    use rsa::Pss;
    if signature.len() != key.size() {
        return Err(PkiError::BadSignature);
    }
    if mgf1_hash != hash {
        // The rsa crate's PSS uses one hash for both; this case is done here.
        return verify_rsa_pss_mixed(key, hash, mgf1_hash, salt_len, message, signature);
    }
    let hashed = hash.digest(message);
    let r = match hash {
        DigestAlgorithm::Sha1 => key.verify(
            Pss::<sha1::Sha1>::new_with_salt(salt_len),
            &hashed,
            signature,
        ),
        DigestAlgorithm::Sha224 => key.verify(
            Pss::<sha2::Sha224>::new_with_salt(salt_len),
            &hashed,
            signature,
        ),
        DigestAlgorithm::Sha256 => key.verify(
            Pss::<sha2::Sha256>::new_with_salt(salt_len),
            &hashed,
            signature,
        ),
        DigestAlgorithm::Sha384 => key.verify(
            Pss::<sha2::Sha384>::new_with_salt(salt_len),
            &hashed,
            signature,
        ),
        DigestAlgorithm::Sha512 => key.verify(
            Pss::<sha2::Sha512>::new_with_salt(salt_len),
            &hashed,
            signature,
        ),
    };
    r.map_err(|_| PkiError::BadSignature)
}

/// MGF1 (RFC 8017 B.2.1) with `hash`: `len` bytes from `seed`.
fn mgf1(hash: DigestAlgorithm, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + hash.output_len());
    let mut counter = 0u32;
    let mut block = Vec::with_capacity(seed.len() + 4);
    while out.len() < len {
        block.clear();
        block.extend_from_slice(seed);
        block.extend_from_slice(&counter.to_be_bytes());
        out.extend_from_slice(&hash.digest(&block));
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

/// RSASSA-PSS-VERIFY (RFC 8017 8.1.2 and 9.1.2) with an MGF1 hash different from the message
/// hash, on the raw public-key operation of the `rsa` crate. Public data only.
fn verify_rsa_pss_mixed(
    key: &rsa::PublicKey,
    hash: DigestAlgorithm,
    mgf1_hash: DigestAlgorithm,
    salt_len: usize,
    message: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    let bad = PkiError::BadSignature;
    let s = rsa::BoxedUint::from_be_slice(signature, key.n_bits_precision())
        .map_err(|_| bad.clone())?;
    let n: &rsa::BoxedUint = key.n().as_ref();
    if s >= *n {
        return Err(bad);
    }
    let m = rsa::hazmat::rsa_encrypt(key, &s).map_err(|_| bad.clone())?;
    let em_bits = (n.bit_width_vartime() as usize)
        .checked_sub(1)
        .ok_or(bad.clone())?;
    let em_len = em_bits.div_ceil(8);
    if m.bit_width_vartime() as usize > 8 * em_len {
        return Err(bad);
    }
    let m_bytes = m.to_be_bytes();
    let em = m_bytes
        .get(m_bytes.len().checked_sub(em_len).ok_or(bad.clone())?..)
        .ok_or(bad.clone())?;
    let m_hash = hash.digest(message);
    let h_len = hash.output_len();
    if em_len < h_len + salt_len + 2 || em.last() != Some(&0xBC) {
        return Err(bad);
    }
    let (masked_db, rest) = em.split_at_checked(em_len - h_len - 1).ok_or(bad.clone())?;
    let h = rest.get(..h_len).ok_or(bad.clone())?;
    let top_mask = 0xFFu8 >> (8 * em_len - em_bits);
    if masked_db.first().is_some_and(|b| b & !top_mask != 0) {
        return Err(bad);
    }
    let mut db: Vec<u8> = masked_db
        .iter()
        .zip(mgf1(mgf1_hash, h, masked_db.len()))
        .map(|(a, b)| a ^ b)
        .collect();
    if let Some(first) = db.first_mut() {
        *first &= top_mask;
    }
    let ps_len = em_len - h_len - salt_len - 2;
    let (ps, rest) = db.split_at_checked(ps_len).ok_or(bad.clone())?;
    let (one, salt) = rest.split_first().ok_or(bad.clone())?;
    if ps.iter().any(|&b| b != 0) || *one != 1 || salt.len() != salt_len {
        return Err(bad);
    }
    let mut m_prime = vec![0u8; 8];
    m_prime.extend_from_slice(&m_hash);
    m_prime.extend_from_slice(salt);
    if hash.digest(&m_prime) == h {
        Ok(())
    } else {
        Err(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written PSS verifier (used only when the MGF1 hash differs) against the
    /// Wycheproof PSS files, where both hashes are equal.
    #[test]
    fn mixed_pss_verifier_against_wycheproof() {
        for file in [
            "rsa_pss_2048_sha256_mgf1_32.json",
            "rsa_pss_2048_sha1_mgf1_20.json",
        ] {
            let path = format!(
                "{}/../test-vectors/wycheproof-sig/{file}",
                env!("CARGO_MANIFEST_DIR")
            );
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            for g in v["groups"].as_array().unwrap() {
                let spki = hex::decode(g["publicKeyDer"].as_str().unwrap()).unwrap();
                let key = PublicKey::from_spki(&spki).unwrap();
                let Inner::Rsa { key, .. } = &key.inner else {
                    panic!()
                };
                let hash = if g["sha"] == "SHA-1" {
                    DigestAlgorithm::Sha1
                } else {
                    DigestAlgorithm::Sha256
                };
                let salt = g["sLen"].as_u64().unwrap() as usize;
                for t in g["tests"].as_array().unwrap() {
                    let msg = hex::decode(t[1].as_str().unwrap()).unwrap();
                    let sig = hex::decode(t[2].as_str().unwrap()).unwrap();
                    let r = if sig.len() == key.size() {
                        verify_rsa_pss_mixed(key, hash, hash, salt, &msg, &sig)
                    } else {
                        Err(PkiError::BadSignature)
                    };
                    match t[3].as_str().unwrap() {
                        "valid" => assert_eq!(r, Ok(()), "{file} {}", t[0]),
                        "invalid" => assert!(r.is_err(), "{file} {}", t[0]),
                        _ => {}
                    }
                }
            }
        }
    }

    #[test]
    fn strict_der_ecdsa_signatures() {
        assert_eq!(
            parse_ecdsa_der(&[0x30, 6, 2, 1, 1, 2, 1, 2]),
            Ok((&[1u8][..], &[2u8][..]))
        );
        for bad in [
            &[0x30, 6, 2, 1, 1, 2, 1, 2, 0][..],       // trailing
            &[0x30, 0x81, 6, 2, 1, 1, 2, 1, 2][..],    // long length form
            &[0x30, 7, 2, 2, 0, 1, 2, 1, 2][..],       // non-minimal integer
            &[0x30, 6, 2, 1, 0x81, 2, 1, 2][..],       // negative
            &[0x30, 5, 2, 0, 2, 1, 2][..],             // empty integer
            &[0x30, 9, 2, 1, 1, 2, 1, 2, 2, 1, 3][..], // three integers
            &[0x31, 6, 2, 1, 1, 2, 1, 2][..],
            &[][..],
        ] {
            assert!(parse_ecdsa_der(bad).is_err(), "{bad:02X?}");
        }
    }
}
