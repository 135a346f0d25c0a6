//! Generic ECDSA **verification** on short-Weierstrass curves over a prime field.
//!
//! **PUBLIC DATA ONLY; NEVER WITH A SECRET SCALAR.** Every function here is variable-time (the
//! `*_vartime` names say so): running time depends on the values of its inputs. That is fine
//! and intended for signature verification, where the curve, the public key, the message hash
//! and the signature are all public. It must never be used for key generation, signing, ECDH or
//! anything else where a scalar or a point is secret; the chip protocols (PACE, chip
//! authentication) must use constant-time implementations instead.
//!
//! This module owns the curves no maintained crate implements (brainpoolP224r1, P320r1,
//! P512r1) and curves given by explicit parameters in a certificate that match no known curve.
//! It uses `crypto-bigint` Montgomery arithmetic with runtime moduli, Jacobian coordinates and
//! Shamir's trick for `u1*G + u2*Q`. Fields up to 521 bits; cofactor 1 only (all curves ICAO
//! 9303 allows). It knows nothing of ASN.1: [`crate::pki::sig`] parses keys and signatures.

use super::PkiError;
use core::cmp::Ordering;
use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, NonZero, Odd};

/// The largest field and order size accepted, in bits.
pub const MAX_BITS: u32 = 521;

/// The named curves this crate knows: all curves ICAO 9303-11 lists for ECDSA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NamedCurve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// brainpoolP224r1 (RFC 5639).
    BrainpoolP224r1,
    /// brainpoolP256r1 (RFC 5639).
    BrainpoolP256r1,
    /// brainpoolP320r1 (RFC 5639).
    BrainpoolP320r1,
    /// brainpoolP384r1 (RFC 5639).
    BrainpoolP384r1,
    /// brainpoolP512r1 (RFC 5639).
    BrainpoolP512r1,
}

/// Domain parameters of a prime curve as big-endian bytes without leading zeros.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurveParams {
    /// Field prime p.
    pub p: Vec<u8>,
    /// Coefficient a.
    pub a: Vec<u8>,
    /// Coefficient b.
    pub b: Vec<u8>,
    /// Base point x.
    pub gx: Vec<u8>,
    /// Base point y.
    pub gy: Vec<u8>,
    /// Order n of the base point.
    pub n: Vec<u8>,
}

/// Leading zero bytes removed (an all-zero value becomes empty).
pub fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(first..).unwrap_or(&[])
}

fn unhex(s: &str) -> Vec<u8> {
    let nib = |c: u8| -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => 0,
        }
    };
    s.as_bytes()
        .chunks(2)
        .map(|p| (nib(*p.first().unwrap_or(&b'0')) << 4) | nib(*p.get(1).unwrap_or(&b'0')))
        .collect()
}

impl CurveParams {
    /// The parameters with leading zero bytes removed from every value, so that equal curves
    /// compare equal whatever their encoding.
    pub fn normalized(&self) -> Self {
        Self {
            p: strip_zeros(&self.p).to_vec(),
            a: strip_zeros(&self.a).to_vec(),
            b: strip_zeros(&self.b).to_vec(),
            gx: strip_zeros(&self.gx).to_vec(),
            gy: strip_zeros(&self.gy).to_vec(),
            n: strip_zeros(&self.n).to_vec(),
        }
    }

    /// The named curve with exactly these parameters (p, a, b, G, n), if any.
    pub fn matches_named(&self) -> Option<NamedCurve> {
        let me = self.normalized();
        NamedCurve::ALL.into_iter().find(|c| c.params() == me)
    }
}

impl NamedCurve {
    /// Every named curve.
    pub const ALL: [NamedCurve; 8] = [
        Self::P256,
        Self::P384,
        Self::P521,
        Self::BrainpoolP224r1,
        Self::BrainpoolP256r1,
        Self::BrainpoolP320r1,
        Self::BrainpoolP384r1,
        Self::BrainpoolP512r1,
    ];

    /// The curve of a dotted namedCurve OID.
    pub fn from_oid(dotted: &str) -> Option<Self> {
        use super::oid;
        Some(match dotted {
            oid::P256 => Self::P256,
            oid::P384 => Self::P384,
            oid::P521 => Self::P521,
            oid::BRAINPOOL_P224R1 => Self::BrainpoolP224r1,
            oid::BRAINPOOL_P256R1 => Self::BrainpoolP256r1,
            oid::BRAINPOOL_P320R1 => Self::BrainpoolP320r1,
            oid::BRAINPOOL_P384R1 => Self::BrainpoolP384r1,
            oid::BRAINPOOL_P512R1 => Self::BrainpoolP512r1,
            _ => return None,
        })
    }

    /// The curve's usual name ("P-256", "brainpoolP512r1").
    pub fn name(self) -> &'static str {
        match self {
            Self::P256 => "P-256",
            Self::P384 => "P-384",
            Self::P521 => "P-521",
            Self::BrainpoolP224r1 => "brainpoolP224r1",
            Self::BrainpoolP256r1 => "brainpoolP256r1",
            Self::BrainpoolP320r1 => "brainpoolP320r1",
            Self::BrainpoolP384r1 => "brainpoolP384r1",
            Self::BrainpoolP512r1 => "brainpoolP512r1",
        }
    }

    /// The domain parameters (SEC 2 and RFC 5639), normalized.
    pub fn params(self) -> CurveParams {
        let [p, a, b, gx, gy, n] = match self {
            Self::P256 => [
                "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
                "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
                "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
                "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
                "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
                "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
            ],
            Self::P384 => [
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc",
                "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
                "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
                "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
                "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
            ],
            Self::P521 => [
                "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc",
                "51953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
                "c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66",
                "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
                "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
            ],
            Self::BrainpoolP224r1 => [
                "d7c134aa264366862a18302575d1d787b09f075797da89f57ec8c0ff",
                "68a5e62ca9ce6c1c299803a6c1530b514e182ad8b0042a59cad29f43",
                "2580f63ccfe44138870713b1a92369e33e2135d266dbb372386c400b",
                "0d9029ad2c7e5cf4340823b2a87dc68c9e4ce3174c1e6efdee12c07d",
                "58aa56f772c0726f24c6b89e4ecdac24354b9e99caa3f6d3761402cd",
                "d7c134aa264366862a18302575d0fb98d116bc4b6ddebca3a5a7939f",
            ],
            Self::BrainpoolP256r1 => [
                "a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377",
                "7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9",
                "26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6",
                "8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262",
                "547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997",
                "a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7",
            ],
            Self::BrainpoolP320r1 => [
                "d35e472036bc4fb7e13c785ed201e065f98fcfa6f6f40def4f92b9ec7893ec28fcd412b1f1b32e27",
                "3ee30b568fbab0f883ccebd46d3f3bb8a2a73513f5eb79da66190eb085ffa9f492f375a97d860eb4",
                "520883949dfdbc42d3ad198640688a6fe13f41349554b49acc31dccd884539816f5eb4ac8fb1f1a6",
                "43bd7e9afb53d8b85289bcc48ee5bfe6f20137d10a087eb6e7871e2a10a599c710af8d0d39e20611",
                "14fdd05545ec1cc8ab4093247f77275e0743ffed117182eaa9c77877aaac6ac7d35245d1692e8ee1",
                "d35e472036bc4fb7e13c785ed201e065f98fcfa5b68f12a32d482ec7ee8658e98691555b44c59311",
            ],
            Self::BrainpoolP384r1 => [
                "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53",
                "7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826",
                "04a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c11",
                "1d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e",
                "8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c5315",
                "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3103b883202e9046565",
            ],
            Self::BrainpoolP512r1 => [
                "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3",
                "7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca",
                "3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723",
                "81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822",
                "7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892",
                "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069",
            ],
        };
        CurveParams {
            p: unhex(p),
            a: unhex(a),
            b: unhex(b),
            gx: unhex(gx),
            gy: unhex(gy),
            n: unhex(n),
        }
        .normalized()
    }
}

/// A prime curve ready for variable-time ECDSA verification. Public data only.
#[derive(Clone)]
pub struct PrimeCurve {
    params: CurveParams,
    precision: u32,
    field: BoxedMontyParams,
    order: BoxedMontyParams,
    order_nz: NonZero<BoxedUint>,
    order_bits: u32,
    field_len: usize,
    a: BoxedMontyForm,
    b: BoxedMontyForm,
    g: AffinePoint,
}

impl core::fmt::Debug for PrimeCurve {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "PrimeCurve({} bits, order {} bits)",
            self.field_len * 8,
            self.order_bits
        )
    }
}

/// An affine point known to be on its curve and not the point at infinity.
#[derive(Clone, PartialEq, Eq)]
pub struct AffinePoint {
    x: BoxedMontyForm,
    y: BoxedMontyForm,
}

impl core::fmt::Debug for AffinePoint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AffinePoint")
    }
}

/// A point in Jacobian coordinates (X/Z^2, Y/Z^3); Z = 0 is the point at infinity.
#[derive(Clone)]
struct Jacobian {
    x: BoxedMontyForm,
    y: BoxedMontyForm,
    z: BoxedMontyForm,
}

fn bits_of(b: &[u8]) -> u32 {
    let b = strip_zeros(b);
    match b.first() {
        None => 0,
        Some(&f) => (b.len() as u32 - 1) * 8 + (8 - f.leading_zeros()),
    }
}

impl PrimeCurve {
    /// Validates `params` and prepares the curve: p odd and at most [`MAX_BITS`] bits, a and b
    /// below p, a non-singular curve, G on it, n odd with n > 2^(bits(p)/2) and n*G at infinity
    /// (with cofactor 1 the order of every other curve point then is n as well). Variable time.
    pub fn new_vartime(params: &CurveParams) -> Result<Self, PkiError> {
        let params = params.normalized();
        let pbits = bits_of(&params.p);
        let nbits = bits_of(&params.n);
        if !(3..=MAX_BITS).contains(&pbits) || nbits > MAX_BITS || nbits < pbits / 2 + 1 {
            return Err(PkiError::UnsupportedKey("EC field or order size"));
        }
        let precision = pbits.max(nbits).div_ceil(64) * 64;
        let uint = |b: &[u8]| -> Result<BoxedUint, PkiError> {
            BoxedUint::from_be_slice(b, precision)
                .map_err(|_| PkiError::Malformed("EC parameter size"))
        };
        let p = uint(&params.p)?;
        let n = uint(&params.n)?;
        let p_odd: Odd<BoxedUint> = Odd::new(p.clone())
            .into_option()
            .ok_or(PkiError::UnsupportedKey("EC field prime is even"))?;
        let n_odd: Odd<BoxedUint> = Odd::new(n.clone())
            .into_option()
            .ok_or(PkiError::UnsupportedKey("EC order is even"))?;
        let order_nz = NonZero::new(n)
            .into_option()
            .ok_or(PkiError::UnsupportedKey("EC order"))?;
        let field = BoxedMontyParams::new_vartime(p_odd);
        let order = BoxedMontyParams::new_vartime(n_odd);
        let fe = |b: &[u8]| -> Result<BoxedMontyForm, PkiError> {
            let v = uint(b)?;
            if v.cmp_vartime(&p) != Ordering::Less {
                return Err(PkiError::Malformed("EC parameter not below p"));
            }
            Ok(BoxedMontyForm::new(v, &field))
        };
        let a = fe(&params.a)?;
        let b = fe(&params.b)?;
        // Non-singular: 4a^3 + 27b^2 != 0.
        let four = BoxedMontyForm::new(uint(&[4])?, &field);
        let t27 = BoxedMontyForm::new(uint(&[27])?, &field);
        let disc = four.mul(&a.square().mul(&a)).add(&t27.mul(&b.square()));
        if bool::from(disc.is_zero()) {
            return Err(PkiError::UnsupportedKey("singular EC curve"));
        }
        let gx = fe(&params.gx)?;
        let gy = fe(&params.gy)?;
        let field_len = pbits.div_ceil(8) as usize;
        let mut curve = Self {
            params: params.clone(),
            precision,
            field,
            order,
            order_nz,
            order_bits: nbits,
            field_len,
            a,
            b,
            g: AffinePoint {
                x: gx.clone(),
                y: gy.clone(),
            },
        };
        if !curve.is_on_curve(&gx, &gy) {
            return Err(PkiError::UnsupportedKey("EC base point not on curve"));
        }
        // n*G must be the point at infinity.
        let n_minus_1 = params_n_minus_1(&curve)?;
        let ng_minus = curve.mul_vartime(&curve.to_jacobian(&curve.g.clone()), &n_minus_1);
        let g_neg = AffinePoint { x: gx, y: gy.neg() };
        // (n-1)G == -G  <=>  nG == O
        match curve.to_affine(&ng_minus) {
            Some(pt) if pt == g_neg => {}
            _ => return Err(PkiError::UnsupportedKey("EC base point order")),
        }
        curve.params = params;
        Ok(curve)
    }

    /// The curve of a named curve (its parameters are validated like any others).
    pub fn named_vartime(curve: NamedCurve) -> Result<Self, PkiError> {
        Self::new_vartime(&curve.params())
    }

    /// The (normalized) domain parameters.
    pub fn params(&self) -> &CurveParams {
        &self.params
    }

    /// Byte length of a field element.
    pub fn field_len(&self) -> usize {
        self.field_len
    }

    /// Bit length of the order n.
    pub fn order_bits(&self) -> u32 {
        self.order_bits
    }

    /// Byte length of a scalar (r or s).
    pub fn scalar_len(&self) -> usize {
        self.order_bits.div_ceil(8) as usize
    }

    fn is_on_curve(&self, x: &BoxedMontyForm, y: &BoxedMontyForm) -> bool {
        // y^2 == x^3 + a x + b
        let rhs = x.square().mul(x).add(&self.a.mul(x)).add(&self.b);
        y.square() == rhs
    }

    fn field_element(&self, bytes: &[u8]) -> Result<BoxedMontyForm, PkiError> {
        let v = BoxedUint::from_be_slice(bytes, self.precision)
            .map_err(|_| PkiError::Malformed("EC point"))?;
        if v.cmp_vartime(self.field.modulus().as_ref()) != Ordering::Less {
            return Err(PkiError::Malformed("EC point coordinate not below p"));
        }
        Ok(BoxedMontyForm::new(v, &self.field))
    }

    /// Decodes a SEC1 point (uncompressed `04 || x || y` or compressed `02/03 || x`) and checks
    /// that it is on the curve (and so, with cofactor 1, in the group of order n) and not the
    /// point at infinity. Compressed points need p = 3 mod 4 (true of every Brainpool and NIST
    /// curve except P-224). Variable time: public keys only.
    pub fn decode_point_vartime(&self, sec1: &[u8]) -> Result<AffinePoint, PkiError> {
        let (&tag, rest) = sec1.split_first().ok_or(PkiError::Malformed("EC point"))?;
        let l = self.field_len;
        match tag {
            0x04 if rest.len() == 2 * l => {
                let (xb, yb) = rest.split_at(l);
                let x = self.field_element(xb)?;
                let y = self.field_element(yb)?;
                if !self.is_on_curve(&x, &y) {
                    return Err(PkiError::Invalid("EC point not on curve"));
                }
                Ok(AffinePoint { x, y })
            }
            0x02 | 0x03 if rest.len() == l => {
                let x = self.field_element(rest)?;
                let p = self.field.modulus().as_ref();
                if !bool::from(p.bit(1)) {
                    return Err(PkiError::UnsupportedKey(
                        "compressed EC point on a curve with p = 1 mod 4",
                    ));
                }
                let rhs = x.square().mul(&x).add(&self.a.mul(&x)).add(&self.b);
                // y = rhs^((p+1)/4)
                let exp = p
                    .wrapping_add(BoxedUint::one_with_precision(self.precision))
                    .shr_vartime(2)
                    .ok_or(PkiError::Malformed("EC point"))?;
                let mut y = rhs.pow(&exp);
                if y.square() != rhs {
                    return Err(PkiError::Invalid("EC point not on curve"));
                }
                let odd = bool::from(y.retrieve().bit(0));
                if odd != (tag == 0x03) {
                    y = y.neg();
                }
                Ok(AffinePoint { x, y })
            }
            0x00 => Err(PkiError::Invalid("EC point at infinity")),
            _ => Err(PkiError::Malformed("EC point encoding")),
        }
    }

    /// The uncompressed SEC1 encoding of a point.
    pub fn encode_point(&self, pt: &AffinePoint) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 2 * self.field_len);
        out.push(0x04);
        for c in [&pt.x, &pt.y] {
            let b = c.retrieve().to_be_bytes();
            let skip = b.len().saturating_sub(self.field_len);
            out.extend_from_slice(b.get(skip..).unwrap_or(&[]));
        }
        out
    }

    fn to_jacobian(&self, p: &AffinePoint) -> Jacobian {
        Jacobian {
            x: p.x.clone(),
            y: p.y.clone(),
            z: BoxedMontyForm::one(&self.field),
        }
    }

    fn infinity(&self) -> Jacobian {
        Jacobian {
            x: BoxedMontyForm::one(&self.field),
            y: BoxedMontyForm::one(&self.field),
            z: BoxedMontyForm::zero(&self.field),
        }
    }

    fn to_affine(&self, p: &Jacobian) -> Option<AffinePoint> {
        let zinv = p.z.invert_vartime().into_option()?;
        let zinv2 = zinv.square();
        Some(AffinePoint {
            x: p.x.mul(&zinv2),
            y: p.y.mul(&zinv2.mul(&zinv)),
        })
    }

    fn double(&self, p: &Jacobian) -> Jacobian {
        if bool::from(p.z.is_zero()) || bool::from(p.y.is_zero()) {
            return self.infinity();
        }
        // dbl-2007-bl style with general a.
        let xx = p.x.square();
        let yy = p.y.square();
        let yyyy = yy.square();
        let zz = p.z.square();
        let s = p.x.mul(&yy).double().double(); // 4 X YY
        let m = xx.double().add(&xx).add(&self.a.mul(&zz.square())); // 3 XX + a ZZ^2
        let x3 = m.square().sub(&s.double());
        let y3 = m.mul(&s.sub(&x3)).sub(&yyyy.double().double().double()); // - 8 YYYY
        let z3 = p.y.mul(&p.z).double();
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn add(&self, p: &Jacobian, q: &Jacobian) -> Jacobian {
        if bool::from(p.z.is_zero()) {
            return q.clone();
        }
        if bool::from(q.z.is_zero()) {
            return p.clone();
        }
        let z1z1 = p.z.square();
        let z2z2 = q.z.square();
        let u1 = p.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = p.y.mul(&q.z).mul(&z2z2);
        let s2 = q.y.mul(&p.z).mul(&z1z1);
        if u1 == u2 {
            return if s1 == s2 {
                self.double(p)
            } else {
                self.infinity()
            };
        }
        let h = u2.sub(&u1);
        let r = s2.sub(&s1);
        let hh = h.square();
        let hhh = hh.mul(&h);
        let v = u1.mul(&hh);
        let x3 = r.square().sub(&hhh).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&hhh));
        let z3 = p.z.mul(&q.z).mul(&h);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// k * P by double-and-add, variable time.
    fn mul_vartime(&self, p: &Jacobian, k: &BoxedUint) -> Jacobian {
        let mut acc = self.infinity();
        for i in (0..k.bit_width_vartime()).rev() {
            acc = self.double(&acc);
            if bool::from(k.bit(i)) {
                acc = self.add(&acc, p);
            }
        }
        acc
    }

    /// u1 * G + u2 * Q with Shamir's trick, variable time.
    fn mul2_vartime(&self, u1: &BoxedUint, q: &AffinePoint, u2: &BoxedUint) -> Jacobian {
        let g = self.to_jacobian(&self.g);
        let qj = self.to_jacobian(q);
        let gq = self.add(&g, &qj);
        let top = u1.bit_width_vartime().max(u2.bit_width_vartime());
        let mut acc = self.infinity();
        for i in (0..top).rev() {
            acc = self.double(&acc);
            match (bool::from(u1.bit(i)), bool::from(u2.bit(i))) {
                (true, true) => acc = self.add(&acc, &gq),
                (true, false) => acc = self.add(&acc, &g),
                (false, true) => acc = self.add(&acc, &qj),
                (false, false) => {}
            }
        }
        acc
    }

    /// The integer of a big-endian scalar, checked to be in [1, n-1].
    fn scalar(&self, bytes: &[u8]) -> Result<BoxedUint, PkiError> {
        let b = strip_zeros(bytes);
        if b.is_empty() || bits_of(b) > self.order_bits {
            return Err(PkiError::BadSignature);
        }
        let v = BoxedUint::from_be_slice(b, self.precision).map_err(|_| PkiError::BadSignature)?;
        if v.cmp_vartime(self.order_nz.as_ref()) != Ordering::Less {
            return Err(PkiError::BadSignature);
        }
        Ok(v)
    }

    /// The message representative e: the leftmost bits of `hash` (as many as n has, SEC1
    /// 4.1.4 step 5 / X9.62), reduced mod n.
    fn hash_to_scalar(&self, hash: &[u8]) -> Result<BoxedUint, PkiError> {
        let nbytes = self.order_bits.div_ceil(8) as usize;
        let take = hash.get(..nbytes).unwrap_or(hash);
        let v = BoxedUint::from_be_slice(take, self.precision)
            .map_err(|_| PkiError::Malformed("hash"))?;
        let excess = (take.len() as u32 * 8).saturating_sub(self.order_bits);
        let v = v.shr_vartime(excess).ok_or(PkiError::Malformed("hash"))?;
        Ok(v.rem_vartime(&self.order_nz))
    }

    /// Verifies an ECDSA signature (r, s as big-endian integers of any length) over a message
    /// hash with public key `q`. Rejects r or s outside [1, n-1]. Variable time: public inputs
    /// only.
    pub fn verify_prehash_vartime(
        &self,
        q: &AffinePoint,
        hash: &[u8],
        r: &[u8],
        s: &[u8],
    ) -> Result<(), PkiError> {
        let r = self.scalar(r)?;
        let s = self.scalar(s)?;
        let e = self.hash_to_scalar(hash)?;
        let sm = BoxedMontyForm::new(s, &self.order);
        let w = sm
            .invert_vartime()
            .into_option()
            .ok_or(PkiError::BadSignature)?;
        let u1 = BoxedMontyForm::new(e, &self.order).mul(&w).retrieve();
        let u2 = BoxedMontyForm::new(r.clone(), &self.order)
            .mul(&w)
            .retrieve();
        let point = self.mul2_vartime(&u1, q, &u2);
        let affine = self.to_affine(&point).ok_or(PkiError::BadSignature)?;
        // v = x mod n (x < p may exceed n).
        let x = affine.x.retrieve();
        let v = x.rem_vartime(&self.order_nz);
        if v == r {
            Ok(())
        } else {
            Err(PkiError::BadSignature)
        }
    }
}

fn params_n_minus_1(curve: &PrimeCurve) -> Result<BoxedUint, PkiError> {
    let n: &BoxedUint = curve.order_nz.as_ref();
    Ok(n.wrapping_sub(BoxedUint::one_with_precision(curve.precision)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_named_curves_validate() {
        for c in NamedCurve::ALL {
            let curve = PrimeCurve::named_vartime(c).unwrap();
            assert_eq!(curve.params().matches_named(), Some(c));
            // G round-trips through the SEC1 encoding, compressed too.
            let enc = curve.encode_point(&curve.g);
            assert_eq!(curve.decode_point_vartime(&enc).unwrap(), curve.g);
            let (x, y) = enc[1..].split_at(curve.field_len());
            let mut comp = vec![if y[y.len() - 1] & 1 == 1 { 3 } else { 2 }];
            comp.extend_from_slice(x);
            assert_eq!(curve.decode_point_vartime(&comp).unwrap(), curve.g, "{c:?}");
        }
    }

    #[test]
    fn rejects_bad_parameters_and_points() {
        let mut p = NamedCurve::BrainpoolP256r1.params();
        p.gy[5] ^= 1;
        assert!(PrimeCurve::new_vartime(&p).is_err());
        let mut p = NamedCurve::BrainpoolP256r1.params();
        p.n[31] ^= 2; // still odd, wrong order
        assert!(PrimeCurve::new_vartime(&p).is_err());
        let c = PrimeCurve::named_vartime(NamedCurve::BrainpoolP256r1).unwrap();
        let mut enc = c.encode_point(&c.g);
        enc[10] ^= 1;
        assert!(c.decode_point_vartime(&enc).is_err());
        assert!(c.decode_point_vartime(&[]).is_err());
        assert!(c.decode_point_vartime(&[0]).is_err());
        assert!(c.decode_point_vartime(&[4, 1, 2]).is_err());
        assert!(c.decode_point_vartime(&[0xFF; 65]).is_err());
        assert!(
            PrimeCurve::new_vartime(&CurveParams {
                p: vec![],
                a: vec![],
                b: vec![],
                gx: vec![],
                gy: vec![],
                n: vec![]
            })
            .is_err()
        );
    }
}
