//! Card-side elliptic-curve arithmetic for PACE (generic, integrated and chip authentication
//! mappings), Chip Authentication and Active Authentication key generation: NIST P-256, P-384,
//! P-521, brainpoolP256r1 and brainpoolP384r1 on RustCrypto's constant-time `p256` / `p384` /
//! `p521` / `bp256` / `bp384` arithmetic.
//!
//! This module owns only points and scalars as bytes (uncompressed SEC1 points, big-endian
//! scalars of the field size). It must not use `monid-core`'s PACE/CA code: the card side is an
//! independent implementation. Secret scalars are handled with the curves' constant-time
//! multiplication; every byte buffer holding a secret is the caller's to zeroize.

use elliptic_curve::hazmat::FieldArithmetic;
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use elliptic_curve::{
    AffinePoint, CurveArithmetic, Field, FieldBytes, FieldBytesSize, Group, PrimeField,
    ProjectivePoint, Scalar,
};
use primeorder::PrimeCurveParams;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// A curve the virtual chip supports, by its standardized domain parameter id
/// (BSI TR-03110-3 table 4 / ICAO 9303-11 §9.5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (secp256r1), parameter id 12.
    P256,
    /// brainpoolP256r1, parameter id 13.
    BrainpoolP256r1,
    /// NIST P-384 (secp384r1), parameter id 15.
    P384,
    /// brainpoolP384r1, parameter id 16.
    BrainpoolP384r1,
    /// NIST P-521 (secp521r1), parameter id 18.
    P521,
}

impl Curve {
    /// The standardized domain parameter id.
    pub fn parameter_id(self) -> u8 {
        match self {
            Curve::P256 => 12,
            Curve::BrainpoolP256r1 => 13,
            Curve::P384 => 15,
            Curve::BrainpoolP384r1 => 16,
            Curve::P521 => 18,
        }
    }

    /// Every curve the virtual chip supports.
    pub const ALL: [Curve; 5] = [
        Curve::P256,
        Curve::BrainpoolP256r1,
        Curve::P384,
        Curve::BrainpoolP384r1,
        Curve::P521,
    ];

    /// Bit length of the field prime p (for the integrated mapping's pseudo-random function).
    pub fn prime_bits(self) -> usize {
        match self {
            Curve::P256 | Curve::BrainpoolP256r1 => 256,
            Curve::P384 | Curve::BrainpoolP384r1 => 384,
            Curve::P521 => 521,
        }
    }

    /// The curve with standardized domain parameter id `id`, if supported.
    pub fn from_parameter_id(id: u8) -> Option<Curve> {
        match id {
            12 => Some(Curve::P256),
            13 => Some(Curve::BrainpoolP256r1),
            15 => Some(Curve::P384),
            16 => Some(Curve::BrainpoolP384r1),
            18 => Some(Curve::P521),
            _ => None,
        }
    }

    /// Size of a field element / scalar in bytes.
    pub fn field_len(self) -> usize {
        match self {
            Curve::P256 | Curve::BrainpoolP256r1 => 32,
            Curve::P384 | Curve::BrainpoolP384r1 => 48,
            Curve::P521 => 66,
        }
    }

    /// The named-curve OID (content octets) for a SubjectPublicKeyInfo.
    pub(crate) fn named_curve_oid(self) -> &'static [u8] {
        match self {
            // 1.2.840.10045.3.1.7
            Curve::P256 => &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07],
            // 1.3.36.3.3.2.8.1.1.7
            Curve::BrainpoolP256r1 => &[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07],
            // 1.3.132.0.34
            Curve::P384 => &[0x2B, 0x81, 0x04, 0x00, 0x22],
            // 1.3.36.3.3.2.8.1.1.11
            Curve::BrainpoolP384r1 => &[0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0B],
            // 1.3.132.0.35
            Curve::P521 => &[0x2B, 0x81, 0x04, 0x00, 0x23],
        }
    }
}

macro_rules! dispatch {
    ($curve:expr, $f:ident ( $($arg:expr),* )) => {
        match $curve {
            Curve::P256 => $f::<p256::NistP256>($($arg),*),
            Curve::BrainpoolP256r1 => $f::<bp256::BrainpoolP256r1>($($arg),*),
            Curve::P384 => $f::<p384::NistP384>($($arg),*),
            Curve::BrainpoolP384r1 => $f::<bp384::BrainpoolP384r1>($($arg),*),
            Curve::P521 => $f::<p521::NistP521>($($arg),*),
        }
    };
}

/// A scalar in [1, n-1] from exactly field-size big-endian bytes.
fn scalar<C: CurveArithmetic>(bytes: &[u8]) -> Option<Scalar<C>> {
    let mut repr = FieldBytes::<C>::default();
    if bytes.len() != repr.len() {
        return None;
    }
    repr.copy_from_slice(bytes);
    let s: Option<Scalar<C>> = Scalar::<C>::from_repr(repr).into_option();
    repr.zeroize();
    s.filter(|s| !bool::from(s.is_zero()))
}

/// A scalar from fewer big-endian bytes (left-padded with zeros), e.g. the 16-byte PACE nonce.
fn short_scalar<C: CurveArithmetic>(bytes: &[u8]) -> Option<Scalar<C>> {
    let mut repr = FieldBytes::<C>::default();
    let start = repr.len().checked_sub(bytes.len())?;
    repr.get_mut(start..)?.copy_from_slice(bytes);
    let s: Option<Scalar<C>> = Scalar::<C>::from_repr(repr).into_option();
    repr.zeroize();
    s
}

fn point<C>(bytes: &[u8]) -> Option<ProjectivePoint<C>>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    // Uncompressed points only (0x04 || x || y), never the identity.
    if bytes.first() != Some(&0x04) {
        return None;
    }
    let a = AffinePoint::<C>::from_sec1_bytes(bytes).ok()?;
    let p = ProjectivePoint::<C>::from(a);
    (!bool::from(p.is_identity())).then_some(p)
}

fn encode<C>(p: &ProjectivePoint<C>) -> Option<Vec<u8>>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    if bool::from(p.is_identity()) {
        return None;
    }
    let a: AffinePoint<C> = (*p).into();
    Some(a.to_sec1_point(false).as_bytes().to_vec())
}

fn is_valid_scalar<C: CurveArithmetic>(sk: &[u8]) -> bool {
    scalar::<C>(sk).is_some()
}

fn public_on<C>(generator: Option<&[u8]>, sk: &[u8]) -> Option<Vec<u8>>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let g = match generator {
        Some(g) => point::<C>(g)?,
        None => ProjectivePoint::<C>::generator(),
    };
    let k = scalar::<C>(sk)?;
    encode::<C>(&(g * k))
}

fn map_generator<C>(nonce: &[u8], sk_map: &[u8], pk_other: &[u8]) -> Option<Vec<u8>>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let h = point::<C>(pk_other)? * scalar::<C>(sk_map)?;
    if bool::from(h.is_identity()) {
        return None;
    }
    let s = short_scalar::<C>(nonce)?;
    encode::<C>(&(ProjectivePoint::<C>::generator() * s + h))
}

fn shared_x<C>(sk: &[u8], pk_other: &[u8]) -> Option<Vec<u8>>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let k = point::<C>(pk_other)? * scalar::<C>(sk)?;
    if bool::from(k.is_identity()) {
        return None;
    }
    let a: AffinePoint<C> = k.into();
    Some(a.x().to_vec())
}

fn valid_point<C>(bytes: &[u8]) -> bool
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    point::<C>(bytes).is_some()
}

/// CA_IC = SK_Map,IC · SK_IC⁻¹ mod n (ICAO 9303-11 §4.4.3.5.2), field-size big-endian.
fn cam_impl<C: CurveArithmetic>(map_sk: &[u8], sk_ic: &[u8]) -> Option<Vec<u8>> {
    let map = scalar::<C>(map_sk)?;
    let inv: Option<Scalar<C>> = scalar::<C>(sk_ic)?.invert().into_option();
    let ca = map * inv?;
    Some(ca.to_repr().to_vec())
}

/// Little-endian u64 limbs of (p + 1) / 4 for the field of `C`, from the encoding of p - 1.
fn sqrt_exponent<C: PrimeCurveParams>() -> Vec<u64> {
    let p_minus_1 =
        (-<<C as FieldArithmetic>::FieldElement as elliptic_curve::ff::Field>::ONE).to_repr();
    // Big-endian bytes to little-endian limbs.
    let mut limbs: Vec<u64> = p_minus_1
        .as_slice()
        .rchunks(8)
        .map(|c| c.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b)))
        .collect();
    limbs.push(0);
    // p + 1 = (p - 1) + 2.
    let mut carry = 2u64;
    for l in limbs.iter_mut() {
        let (v, o) = l.overflowing_add(carry);
        *l = v;
        carry = u64::from(o);
        if carry == 0 {
            break;
        }
    }
    // Shift right by 2.
    let mut high = 0u64;
    for l in limbs.iter_mut().rev() {
        let low_bits = *l & 3;
        *l = (*l >> 2) | (high << 62);
        high = low_bits;
    }
    limbs
}

/// The integrated mapping's point encoding f_G (ICAO 9303-11 §4.4.3.3.2, simplified SWU for
/// p ≡ 3 mod 4), written card-side as: u = r mod p, α = -u², X2 = -b·a⁻¹·(1 + (α + α²)⁻¹),
/// h2 = X2³ + a·X2 + b, ρ = h2^((p+1)/4); when ρ² = h2 the point is (X2, ρ), otherwise
/// (α·X2, -u³·ρ). This equals the standard's (X2, A·h2) / (X3, A·U) with
/// A = h2^(p-1-(p+1)/4): A·h2 = h2^((p-1)/2)·ρ, and h2^((p-1)/2) is 1 or -1.
fn encode_impl<C>(r: &[u8]) -> Option<Vec<u8>>
where
    C: PrimeCurveParams,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    type Fe<C> = <C as FieldArithmetic>::FieldElement;
    let radix = Fe::<C>::from(256u64);
    let mut u = Fe::<C>::ZERO;
    for b in r {
        u = u * radix + Fe::<C>::from(u64::from(*b));
    }
    let a = C::EQUATION_A;
    let b = C::EQUATION_B;
    let alpha = -u.square();
    let t: Option<Fe<C>> = (alpha + alpha.square()).invert().into_option();
    let a_inv: Option<Fe<C>> = a.invert().into_option();
    let x2 = -(b * a_inv? * (Fe::<C>::ONE + t?));
    let h2 = x2.square() * x2 + a * x2 + b;
    let rho = h2.pow_vartime(sqrt_exponent::<C>());
    let (x, y) = if bool::from(rho.square().ct_eq(&h2)) {
        (x2, rho)
    } else {
        (alpha * x2, -(u.square() * u * rho))
    };
    let mut sec1 = vec![0x04];
    sec1.extend_from_slice(&x.to_repr());
    sec1.extend_from_slice(&y.to_repr());
    // Parsing checks that the result is on the curve.
    let p = point::<C>(&sec1)?;
    encode::<C>(&p)
}

impl Curve {
    /// True when `sk` is a valid private key (field-size bytes, in [1, n-1]).
    pub(crate) fn is_valid_secret(self, sk: &[u8]) -> bool {
        dispatch!(self, is_valid_scalar(sk))
    }

    /// True when `pk` is an uncompressed point on the curve other than the identity.
    pub(crate) fn is_valid_point(self, pk: &[u8]) -> bool {
        dispatch!(self, valid_point(pk))
    }

    /// `sk * G` (or `sk * generator` when given), uncompressed. `None` on invalid input.
    pub(crate) fn public_key(self, generator: Option<&[u8]>, sk: &[u8]) -> Option<Vec<u8>> {
        dispatch!(self, public_on(generator, sk))
    }

    /// PACE generic mapping (ICAO 9303-11 §4.4.3.3.1): `G' = s*G + sk_map*PK_other`.
    /// `None` when the peer key is invalid or H is the identity.
    pub(crate) fn map_generator(
        self,
        nonce: &[u8],
        sk_map: &[u8],
        pk_other: &[u8],
    ) -> Option<Vec<u8>> {
        dispatch!(self, map_generator(nonce, sk_map, pk_other))
    }

    /// ECDH: the x-coordinate of `sk * PK_other` (field-size bytes). `None` on an invalid key.
    pub(crate) fn shared_secret(self, sk: &[u8], pk_other: &[u8]) -> Option<Vec<u8>> {
        dispatch!(self, shared_x(sk, pk_other))
    }

    /// PACE-CAM chip authentication data CA_IC = SK_Map,IC · SK_IC⁻¹ mod n (field size).
    pub(crate) fn cam_data(self, map_sk: &[u8], sk_ic: &[u8]) -> Option<Vec<u8>> {
        dispatch!(self, cam_impl(map_sk, sk_ic))
    }

    /// The integrated mapping's point encoding of the big-endian integer `r` (reduced mod p).
    /// `None` for a degenerate input.
    pub(crate) fn point_encoding(self, r: &[u8]) -> Option<Vec<u8>> {
        dispatch!(self, encode_impl(r))
    }

    /// Mask for the first byte of a field-size random draw so that it has the order's bit
    /// length (P-521: 66 bytes for 521 bits).
    pub(crate) fn first_byte_mask(self) -> u8 {
        match self {
            Curve::P521 => 0x01,
            _ => 0xFF,
        }
    }
}
