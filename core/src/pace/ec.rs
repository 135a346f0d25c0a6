//! Elliptic-curve arithmetic of PACE-ECDH (ICAO 9303-11 §4.4.3.3, Appendix B.2; BSI
//! TR-03110-3 A.3): key generation, ECDH, the generic-mapping generator, the integrated-mapping
//! pseudo-random function and point encoding, and the chip authentication mapping check.
//!
//! Everything here runs on the constant-time RustCrypto curve implementations (p256, p384, p521,
//! bp256, bp384 through `primeorder`); it must never call the variable-time verifier of
//! `pki::ec`. Values cross this module's boundary as bytes (big-endian scalars, uncompressed
//! SEC1 points), so the protocol states above it are not generic. Secret scalars and field
//! elements are held in [`Zeroizing`] wrappers. It knows nothing of APDUs or protocol steps;
//! failures are an [`EcError`] that the caller maps to the step it was in.

use elliptic_curve::ff::{Field, PrimeField};
use elliptic_curve::group::Group;
use elliptic_curve::hazmat::FieldArithmetic;
use elliptic_curve::sec1::{FromSec1Point, Sec1Point, ToSec1Point};
use elliptic_curve::subtle::{ConditionallySelectable, ConstantTimeEq};
use elliptic_curve::{CurveArithmetic, FieldBytes};
use p256::elliptic_curve;
use primeorder::{AffinePoint, PrimeCurveParams, ProjectivePoint};
use zeroize::{DefaultIsZeroes, Zeroizing};

use super::params::EcCurve;
use crate::crypto::{self, SmCipher};
use crate::rand::RandomSource;

/// Why an elliptic-curve operation failed. Carries no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EcError {
    /// A public point is not an uncompressed point on the curve, or is the identity.
    #[error("not an uncompressed point of the curve")]
    InvalidPoint,
    /// A scalar is zero, too long, or not below the group order.
    #[error("scalar out of range")]
    InvalidScalar,
    /// A computed point is the identity (a degenerate key agreement or mapping).
    #[error("result is the point at infinity")]
    Identity,
    /// Integrated-mapping input of the wrong length, or a degenerate field element.
    #[error("integrated mapping input invalid")]
    InvalidMappingInput,
    /// The random source failed, or rejection sampling did not find a scalar.
    #[error("random source failed")]
    Random,
    /// A block cipher call failed (a bug: lengths are fixed).
    #[error("block cipher failed")]
    Cipher,
}

type Fe<C> = <C as FieldArithmetic>::FieldElement;
type Scalar<C> = <C as CurveArithmetic>::Scalar;

macro_rules! dispatch {
    ($curve:expr, $f:ident ( $($arg:expr),* )) => {
        match $curve {
            EcCurve::P256 => $f::<p256::NistP256>($($arg),*),
            EcCurve::P384 => $f::<p384::NistP384>($($arg),*),
            EcCurve::P521 => $f::<p521::NistP521>($($arg),*),
            EcCurve::BrainpoolP256r1 => $f::<bp256::BrainpoolP256r1>($($arg),*),
            EcCurve::BrainpoolP384r1 => $f::<bp384::BrainpoolP384r1>($($arg),*),
        }
    };
}

/// Left-pads big-endian `bytes` into a `FieldBytes` (leading zero bytes beyond its length are
/// dropped); `None` when the value does not fit.
fn to_repr<C: PrimeCurveParams>(bytes: &[u8]) -> Option<Zeroizing<FieldBytes<C>>> {
    let mut repr: Zeroizing<FieldBytes<C>> = Zeroizing::new(FieldBytes::<C>::default());
    let n = repr.len();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let significant = bytes.get(first..)?;
    if significant.len() > n {
        return None;
    }
    let dst = repr.get_mut(n - significant.len()..)?;
    dst.copy_from_slice(significant);
    Some(repr)
}

/// A non-zero scalar below the order from big-endian bytes.
fn scalar<C: PrimeCurveParams>(bytes: &[u8]) -> Result<Zeroizing<Scalar<C>>, EcError> {
    let repr = to_repr::<C>(bytes).ok_or(EcError::InvalidScalar)?;
    let s: Option<Scalar<C>> =
        <Scalar<C> as PrimeField>::from_repr(FieldBytes::<C>::clone(&repr)).into();
    let s = Zeroizing::new(s.ok_or(EcError::InvalidScalar)?);
    if bool::from(s.is_zero()) {
        return Err(EcError::InvalidScalar);
    }
    Ok(s)
}

/// Reduces a big-endian integer of any length modulo the field prime (Horner, constant time in
/// the value).
fn reduce_field<C: PrimeCurveParams>(bytes: &[u8]) -> Zeroizing<Fe<C>>
where
    Fe<C>: DefaultIsZeroes,
{
    let radix = Fe::<C>::from(256u64);
    let mut acc = Zeroizing::new(Fe::<C>::ZERO);
    for b in bytes {
        *acc = *acc * radix + Fe::<C>::from(u64::from(*b));
    }
    acc
}

/// Reduces a big-endian integer of any length modulo the group order.
fn reduce_scalar<C: PrimeCurveParams>(bytes: &[u8]) -> Zeroizing<Scalar<C>> {
    let radix = Scalar::<C>::from(256u64);
    let mut acc = Zeroizing::new(Scalar::<C>::ZERO);
    for b in bytes {
        *acc = *acc * radix + Scalar::<C>::from(u64::from(*b));
    }
    acc
}

/// Parses an uncompressed SEC1 point (`04 || x || y`) on the curve, not the identity.
fn point<C: PrimeCurveParams>(bytes: &[u8]) -> Result<ProjectivePoint<C>, EcError> {
    let field_len = FieldBytes::<C>::default().len();
    if bytes.len() != 1 + 2 * field_len || bytes.first() != Some(&0x04) {
        return Err(EcError::InvalidPoint);
    }
    let encoded = Sec1Point::<C>::from_bytes(bytes).map_err(|_| EcError::InvalidPoint)?;
    let affine: Option<AffinePoint<C>> = AffinePoint::<C>::from_sec1_point(&encoded).into();
    let p = ProjectivePoint::<C>::from(affine.ok_or(EcError::InvalidPoint)?);
    if bool::from(p.is_identity()) {
        return Err(EcError::InvalidPoint);
    }
    Ok(p)
}

/// Encodes a point uncompressed; the identity is an error.
fn encode<C: PrimeCurveParams>(p: &ProjectivePoint<C>) -> Result<Vec<u8>, EcError> {
    if bool::from(p.is_identity()) {
        return Err(EcError::Identity);
    }
    let affine: AffinePoint<C> = (*p).into();
    Ok(affine.to_sec1_point(false).as_bytes().to_vec())
}

/// The generator to use: the curve's base point, or an explicit (mapped) generator.
fn generator<C: PrimeCurveParams>(g: Option<&[u8]>) -> Result<ProjectivePoint<C>, EcError> {
    match g {
        None => Ok(ProjectivePoint::<C>::generator()),
        Some(bytes) => point::<C>(bytes),
    }
}

fn order_bits<C: PrimeCurveParams>() -> u32 {
    Scalar::<C>::NUM_BITS
}

fn random_scalar<C: PrimeCurveParams>(
    rng: &mut dyn RandomSource,
) -> Result<Zeroizing<Vec<u8>>, EcError> {
    let len = FieldBytes::<C>::default().len();
    let bits = order_bits::<C>() as usize;
    // Mask the excess high bits of the first byte (P-521: 66 bytes for 521 bits).
    let excess = len * 8 - bits;
    let mask: u8 = 0xFF >> excess.min(7);
    for _ in 0..128 {
        let mut buf = Zeroizing::new(vec![0u8; len]);
        rng.fill(&mut buf).map_err(|_| EcError::Random)?;
        if let Some(first) = buf.first_mut() {
            *first &= mask;
        }
        if scalar::<C>(&buf).is_ok() {
            return Ok(buf);
        }
    }
    Err(EcError::Random)
}

/// Draws a private key in `[1, n-1]` from `rng` by rejection sampling: field-length bytes, the
/// bits above the order's bit length masked off, rejected while zero or not below n. A
/// worked example's private key injected through [`crate::rand::FixedRandom`] is therefore used
/// as is. Returns the big-endian scalar.
pub fn generate_private_key(
    curve: EcCurve,
    rng: &mut dyn RandomSource,
) -> Result<Zeroizing<Vec<u8>>, EcError> {
    dispatch!(curve, random_scalar(rng))
}

fn mul_impl<C: PrimeCurveParams>(sk: &[u8], g: Option<&[u8]>) -> Result<Vec<u8>, EcError> {
    let k = scalar::<C>(sk)?;
    let g = generator::<C>(g)?;
    let p = Zeroizing::new(g * *k);
    encode::<C>(&p)
}

/// The public key `sk·G` for the base point (`generator = None`) or a mapped generator.
pub fn public_key(curve: EcCurve, sk: &[u8], generator: Option<&[u8]>) -> Result<Vec<u8>, EcError> {
    dispatch!(curve, mul_impl(sk, generator))
}

fn ecdh_impl<C: PrimeCurveParams>(sk: &[u8], pk: &[u8]) -> Result<Zeroizing<Vec<u8>>, EcError> {
    let k = scalar::<C>(sk)?;
    let q = point::<C>(pk)?;
    let shared = Zeroizing::new(q * *k);
    encode::<C>(&shared).map(Zeroizing::new)
}

/// The ECDH shared point `sk·PK` (uncompressed), after checking PK is on the curve and not the
/// identity. Used for the generic mapping's H.
pub fn ecdh_point(curve: EcCurve, sk: &[u8], pk: &[u8]) -> Result<Zeroizing<Vec<u8>>, EcError> {
    dispatch!(curve, ecdh_impl(sk, pk))
}

/// The ECDH shared secret: the x-coordinate of `sk·PK` (field length, big-endian).
pub fn ecdh_shared_x(curve: EcCurve, sk: &[u8], pk: &[u8]) -> Result<Zeroizing<Vec<u8>>, EcError> {
    let point = ecdh_point(curve, sk, pk)?;
    let n = curve.field_len();
    point
        .get(1..1 + n)
        .map(|x| Zeroizing::new(x.to_vec()))
        .ok_or(EcError::InvalidPoint)
}

/// Checks that `pk` is an uncompressed point of the curve other than the identity.
pub fn validate_point(curve: EcCurve, pk: &[u8]) -> Result<(), EcError> {
    fn v<C: PrimeCurveParams>(pk: &[u8]) -> Result<(), EcError> {
        point::<C>(pk).map(|_| ())
    }
    dispatch!(curve, v(pk))
}

fn gm_impl<C: PrimeCurveParams>(nonce: &[u8], h: &[u8]) -> Result<Vec<u8>, EcError> {
    let s = reduce_scalar::<C>(nonce);
    let h = point::<C>(h)?;
    let g = Zeroizing::new(ProjectivePoint::<C>::generator() * *s + h);
    encode::<C>(&g)
}

/// Generic mapping (ICAO 9303-11 §4.4.3.3.1): `G' = s·G + H`.
pub fn gm_generator(curve: EcCurve, nonce: &[u8], h: &[u8]) -> Result<Vec<u8>, EcError> {
    dispatch!(curve, gm_impl(nonce, h))
}

// Big-endian byte arithmetic for the public exponent of the point encoding.

fn be_add_small(v: &mut [u8], mut add: u16) {
    for b in v.iter_mut().rev() {
        let s = u16::from(*b) + add;
        *b = (s & 0xFF) as u8;
        add = s >> 8;
        if add == 0 {
            break;
        }
    }
}

fn be_shr2(v: &mut [u8]) {
    let mut carry = 0u8;
    for b in v.iter_mut() {
        let next = *b & 0x03;
        *b = (*b >> 2) | (carry << 6);
        carry = next;
    }
}

fn be_sub(a: &mut [u8], b: &[u8]) {
    let mut borrow = 0i16;
    for (x, y) in a.iter_mut().rev().zip(b.iter().rev()) {
        let d = i16::from(*x) - i16::from(*y) - borrow;
        borrow = i16::from(d < 0);
        *x = (d.rem_euclid(256)) as u8;
    }
}

/// Little-endian u64 limbs of a big-endian integer.
fn be_to_limbs(v: &[u8]) -> Vec<u64> {
    v.rchunks(8)
        .map(|c| c.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
        .collect()
}

fn encode_impl<C: PrimeCurveParams>(u_bytes: &[u8]) -> Result<Vec<u8>, EcError>
where
    Fe<C>: DefaultIsZeroes,
{
    let u = reduce_field::<C>(u_bytes);
    let one = Fe::<C>::ONE;
    let a = C::EQUATION_A;
    let b = C::EQUATION_B;
    // p - 1, then e = p - 1 - (p + 1)/4 (public, from the curve).
    let pm1 = (-one).to_repr();
    let mut q = pm1.to_vec();
    be_add_small(&mut q, 2);
    be_shr2(&mut q);
    let mut e = pm1.to_vec();
    be_sub(&mut e, &q);
    let e = be_to_limbs(&e);

    // 1. alpha = -u^2
    let alpha = Zeroizing::new(-u.square());
    // 2. X2 = -b * a^-1 * (1 + (alpha + alpha^2)^-1)
    let t: Option<Fe<C>> = (*alpha + alpha.square()).invert().into();
    let t = Zeroizing::new(t.ok_or(EcError::InvalidMappingInput)?);
    let a_inv: Option<Fe<C>> = a.invert().into();
    let a_inv = a_inv.ok_or(EcError::InvalidMappingInput)?;
    let x2 = Zeroizing::new(-(b * a_inv * (one + *t)));
    // 3. X3 = alpha * X2
    let x3 = Zeroizing::new(*alpha * *x2);
    // 4. h2 = X2^3 + a*X2 + b
    let h2 = Zeroizing::new(x2.square() * *x2 + a * *x2 + b);
    // 6. U = u^3 * h2
    let big_u = Zeroizing::new(u.square() * *u * *h2);
    // 7. A = h2^(p-1-(p+1)/4)
    let big_a = Zeroizing::new(h2.pow(&e));
    // 8./9. (X2, A*h2) when A^2*h2 == 1, else (X3, A*U), selected in constant time.
    let is_square = (big_a.square() * *h2).ct_eq(&one);
    let x = Zeroizing::new(Fe::<C>::conditional_select(&x3, &x2, is_square));
    let y = Zeroizing::new(Fe::<C>::conditional_select(
        &(*big_a * *big_u),
        &(*big_a * *h2),
        is_square,
    ));
    let mut sec1 = Zeroizing::new(Vec::with_capacity(1 + 2 * FieldBytes::<C>::default().len()));
    sec1.push(0x04);
    sec1.extend_from_slice(&x.to_repr());
    sec1.extend_from_slice(&y.to_repr());
    // Parsing checks the curve equation; cofactor 1 for every supported curve.
    let p = point::<C>(&sec1).map_err(|_| EcError::InvalidMappingInput)?;
    encode::<C>(&p)
}

/// The point encoding f_G of ICAO 9303-11 §4.4.3.3.2 / Appendix B.2 (simplified SWU for
/// p ≡ 3 mod 4): maps a field element (big-endian, reduced mod p first) to a curve point,
/// returned uncompressed.
pub fn point_encoding(curve: EcCurve, field_element: &[u8]) -> Result<Vec<u8>, EcError> {
    dispatch!(curve, encode_impl(field_element))
}

/// PRF constants c0, c1 for l = 128 (3DES, AES-128), ICAO 9303-11 §4.4.3.3.2.
const C0_128: [u8; 16] = [
    0xA6, 0x68, 0x89, 0x2A, 0x7C, 0x41, 0xE3, 0xCA, 0x73, 0x9F, 0x40, 0xB0, 0x57, 0xD8, 0x59, 0x04,
];
const C1_128: [u8; 16] = [
    0xA4, 0xE1, 0x36, 0xAC, 0x72, 0x5F, 0x73, 0x8B, 0x01, 0xC1, 0xF6, 0x02, 0x17, 0xC1, 0x88, 0xAD,
];
/// PRF constants c0, c1 for l = 256 (AES-192, AES-256).
const C0_256: [u8; 32] = [
    0xD4, 0x63, 0xD6, 0x52, 0x34, 0x12, 0x4E, 0xF7, 0x89, 0x70, 0x54, 0x98, 0x6D, 0xCA, 0x0A, 0x17,
    0x4E, 0x28, 0xDF, 0x75, 0x8C, 0xBA, 0xA0, 0x3F, 0x24, 0x06, 0x16, 0x41, 0x4D, 0x5A, 0x16, 0x76,
];
const C1_256: [u8; 32] = [
    0x54, 0xBD, 0x72, 0x55, 0xF0, 0xAA, 0xF8, 0x31, 0xBE, 0xC3, 0x42, 0x3F, 0xCF, 0x39, 0xD6, 0x9B,
    0x6C, 0xBF, 0x06, 0x66, 0x77, 0xD0, 0xFA, 0xAE, 0x5A, 0xAD, 0xD9, 0x9D, 0xF8, 0xE5, 0x35, 0x17,
];

/// Length l/8 of the integrated-mapping PRF blocks and of the chip's nonce s: 16 bytes for 3DES
/// and AES-128, 32 for AES-192 and AES-256.
pub fn im_block_len(cipher: SmCipher) -> usize {
    match cipher {
        SmCipher::Des3 | SmCipher::Aes128 => 16,
        SmCipher::Aes192 | SmCipher::Aes256 => 32,
    }
}

/// Length of the terminal's IM nonce t: the cipher's key length (16 for two-key 3DES).
pub fn im_nonce_len(cipher: SmCipher) -> usize {
    cipher.key_len()
}

/// CBC encryption with a zero IV under the PACE cipher (3DES two-key or AES).
fn cbc_zero(cipher: SmCipher, key: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, EcError> {
    let out = match cipher {
        SmCipher::Des3 => crypto::des3_cbc_encrypt(key, data),
        _ => crypto::aes_cbc_encrypt(key, &[0u8; 16], data),
    };
    out.map(Zeroizing::new).map_err(|_| EcError::Cipher)
}

/// The pseudo-random function R(s, t) of ICAO 9303-11 §4.4.3.3.2 (Figure 2), before reduction:
/// `k0 = E(t, s)`; for i = 0..n: `x_i = E(k_i, c1)`, `k_{i+1} = E(k_i, c0)`; output
/// `x_0 || ... || x_{n-1}` with n the least integer with `n·l ≥ bits(p) + 64`. E is CBC with a
/// zero IV; for AES-192 the key is the first 24 bytes of k_i.
pub fn im_pseudo_random(
    cipher: SmCipher,
    s: &[u8],
    t: &[u8],
    p_bits: usize,
) -> Result<Zeroizing<Vec<u8>>, EcError> {
    let l = im_block_len(cipher);
    if s.len() != l || t.len() != im_nonce_len(cipher) {
        return Err(EcError::InvalidMappingInput);
    }
    let (c0, c1): (&[u8], &[u8]) = if l == 16 {
        (&C0_128, &C1_128)
    } else {
        (&C0_256, &C1_256)
    };
    let n = (p_bits + 64).div_ceil(l * 8);
    let mut k = cbc_zero(cipher, t, s)?;
    let mut out = Zeroizing::new(Vec::with_capacity(n * l));
    for _ in 0..n {
        let key = k.get(..cipher.key_len()).ok_or(EcError::Cipher)?;
        out.extend_from_slice(&cbc_zero(cipher, key, c1)?);
        k = cbc_zero(cipher, key, c0)?;
    }
    Ok(out)
}

fn field_bits<C: PrimeCurveParams>() -> usize {
    Fe::<C>::NUM_BITS as usize
}

/// Bit length of the curve's field prime p.
pub fn prime_bits(curve: EcCurve) -> usize {
    dispatch!(curve, field_bits())
}

/// Integrated mapping (ICAO 9303-11 §4.4.3.3.2): `G' = f_G(R_p(s, t))`.
pub fn im_generator(
    curve: EcCurve,
    cipher: SmCipher,
    s: &[u8],
    t: &[u8],
) -> Result<Vec<u8>, EcError> {
    let r = im_pseudo_random(cipher, s, t, prime_bits(curve))?;
    point_encoding(curve, &r)
}

/// `R_p(s, t)`: the pseudo-random output reduced mod p (field length, big-endian).
pub fn im_field_element(
    curve: EcCurve,
    cipher: SmCipher,
    s: &[u8],
    t: &[u8],
) -> Result<Zeroizing<Vec<u8>>, EcError> {
    fn red<C: PrimeCurveParams>(r: &[u8]) -> Zeroizing<Vec<u8>>
    where
        Fe<C>: DefaultIsZeroes,
    {
        Zeroizing::new(reduce_field::<C>(r).to_repr().to_vec())
    }
    let r = im_pseudo_random(cipher, s, t, prime_bits(curve))?;
    Ok(dispatch!(curve, red(&r)))
}

fn cam_impl<C: PrimeCurveParams>(
    ca_ic: &[u8],
    pk_ic: &[u8],
    pk_map_ic: &[u8],
) -> Result<bool, EcError> {
    let ca = scalar::<C>(ca_ic)?;
    let pk = point::<C>(pk_ic)?;
    let expected = point::<C>(pk_map_ic)?;
    Ok(bool::from((pk * *ca).ct_eq(&expected)))
}

/// The chip authentication mapping check (ICAO 9303-11 §4.4.3.5.2 / TR-03110-2 §3.4.2): the
/// chip's static key PK_IC (from EF.CardSecurity) authenticates it when
/// `PK_Map,IC == CA_IC · PK_IC`. `Ok(false)` when the equation does not hold; an error when an
/// input is not a valid point or scalar.
pub fn cam_verify(
    curve: EcCurve,
    ca_ic: &[u8],
    pk_ic: &[u8],
    pk_map_ic: &[u8],
) -> Result<bool, EcError> {
    dispatch!(curve, cam_impl(ca_ic, pk_ic, pk_map_ic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_arithmetic() {
        let mut v = vec![0x00, 0xFF, 0xFF];
        be_add_small(&mut v, 2);
        assert_eq!(v, [0x01, 0x00, 0x01]);
        be_shr2(&mut v);
        assert_eq!(v, [0x00, 0x40, 0x00]);
        let mut a = vec![0x01, 0x00];
        be_sub(&mut a, &[0x00, 0x01]);
        assert_eq!(a, [0x00, 0xFF]);
        assert_eq!(
            be_to_limbs(&[1, 2, 3, 4, 5, 6, 7, 8, 9]),
            vec![0x0203040506070809, 1]
        );
    }

    #[test]
    fn encoding_lands_on_every_curve() {
        for curve in EcCurve::ALL {
            for seed in 1u8..8 {
                let u = vec![seed; curve.field_len() + 3];
                let g = point_encoding(curve, &u).unwrap();
                validate_point(curve, &g).unwrap();
            }
            // u = 0 is degenerate (alpha = 0): an error, not a panic.
            assert_eq!(
                point_encoding(curve, &[0]),
                Err(EcError::InvalidMappingInput)
            );
        }
    }

    #[test]
    fn ecdh_agrees_on_every_curve() {
        let mut rng = crate::rand::SystemRandom;
        for curve in EcCurve::ALL {
            let a = generate_private_key(curve, &mut rng).unwrap();
            let b = generate_private_key(curve, &mut rng).unwrap();
            let pa = public_key(curve, &a, None).unwrap();
            let pb = public_key(curve, &b, None).unwrap();
            assert_eq!(pa.len(), curve.point_len());
            assert_eq!(
                ecdh_shared_x(curve, &a, &pb).unwrap(),
                ecdh_shared_x(curve, &b, &pa).unwrap()
            );
            assert_eq!(
                ecdh_point(curve, &a, &pa[..pa.len() - 1]),
                Err(EcError::InvalidPoint)
            );
            let mut off = pb.clone();
            *off.last_mut().unwrap() ^= 1;
            assert_eq!(ecdh_point(curve, &a, &off), Err(EcError::InvalidPoint));
            assert_eq!(
                public_key(curve, &vec![0u8; curve.field_len()], None),
                Err(EcError::InvalidScalar)
            );
            assert_eq!(
                public_key(curve, &vec![0xFFu8; curve.field_len()], None),
                Err(EcError::InvalidScalar)
            );
        }
    }
}
