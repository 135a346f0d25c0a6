//! Finite-field Diffie-Hellman for PACE (ICAO 9303-11 §4.4, BSI TR-03110-2/-3) and DH chip
//! authentication.
//!
//! This module owns the DH groups of the standardized domain parameters 0, 1 and 2 (RFC 5114
//! §2.1-2.3), key generation, public-key validation, the shared secret, and the two PACE DH
//! mappings: Generic Mapping (`g' = g^s · h`) and Integrated Mapping (`g' = f_g(R_p(s, t))`,
//! AES-128 only). It does not build APDUs, derive session keys or parse EF.CardAccess (see
//! [`crate::pace::info`], [`crate::crypto`]); it must not use the generic verifier in
//! `pki::ec` or any variable-time arithmetic on secrets.
//!
//! # Constant time
//!
//! All arithmetic on secrets uses `crypto-bigint` 0.7's constant-time operations:
//! * modular exponentiation with a secret exponent (`g^x`, `y^x`, `g^s`) is
//!   `BoxedMontyForm::pow_bounded_exp` (fixed-window, constant-time table lookup); the exponent's
//!   *precision* is fixed by public data (the byte length of q, p or the nonce), never by its
//!   value, and is the only thing about it the timing reveals;
//! * the product `g^s · h` is a Montgomery multiplication (constant time);
//! * `R_p(s, t) mod p` uses `BoxedUint::rem` (constant time; not `rem_vartime`);
//! * the private key's range check `1 <= x < q` uses `ct_lt` / `is_zero`; only the accept or
//!   reject outcome of each candidate is branched on.
//!
//! Variable-time code is used only on public values: decoding and range-checking the peer's
//! public key, the subgroup check `y^q`, and the exponent `(p-1)/q` of Integrated Mapping.
//! Limitation: crypto-bigint does not zeroize the temporaries of its exponentiation (the
//! window table); our own copies of secrets (private keys, `h`, `R_p`, shared secrets) are
//! zeroized on drop.
//!
//! Cost (release build, shared 2-core machine): one 2048-bit exponentiation with a 2048-bit
//! exponent takes about 22 ms; with a 256-bit exponent (keys generated here use q's precision)
//! about 1.4 ms. See `test-vectors/pace-dh/README.md`.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, CtLt, NonZero, Odd};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::crypto::SmCipher;
use crate::error::{ChipError, Error};
use crate::rand::RandomSource;

/// How many random candidates [`DhGroup::generate_keypair`] draws before giving up (each is
/// accepted with probability > 1/2 for the RFC 5114 groups).
const KEYGEN_ATTEMPTS: usize = 128;

/// The largest modulus accepted, in bytes (8192 bits): caps every allocation here.
pub const MAX_P_LEN: usize = 1024;

/// Why a DH operation failed. Messages never contain key material.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DhError {
    /// A public key (or generator) is empty or longer than the modulus.
    #[error("DH public value has an invalid length")]
    BadLength,
    /// A public key is outside 1 < y < p-1.
    #[error("DH public value out of range")]
    OutOfRange,
    /// A public key is not in the subgroup of order q (y^q != 1 mod p).
    #[error("DH public value not in the prime-order subgroup")]
    NotInSubgroup,
    /// A private key is empty, zero or longer than the modulus.
    #[error("DH private key invalid")]
    BadPrivateKey,
    /// Domain parameters are inconsistent (even p, q >= p, generator of the wrong order ...).
    #[error("DH domain parameters invalid: {0}")]
    BadParameters(&'static str),
    /// A computation gave 1 (shared secret, mapped generator): the run must be aborted.
    #[error("DH computation degenerate: {0}")]
    Degenerate(&'static str),
    /// Something this version does not implement.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// The random source failed or kept giving out-of-range candidates.
    #[error("random source failed")]
    Random,
}

impl From<DhError> for Error {
    fn from(e: DhError) -> Self {
        let chip = |problem| {
            Error::Chip(ChipError::MalformedResponse {
                during: "DH key agreement",
                problem,
            })
        };
        match e {
            DhError::BadLength => chip("public value length"),
            DhError::OutOfRange => chip("public value out of range"),
            DhError::NotInSubgroup => chip("public value not in subgroup"),
            DhError::Degenerate(what) => chip(what),
            DhError::BadParameters(what) => chip(what),
            DhError::BadPrivateKey => Error::InvalidInput("DH private key"),
            DhError::Unsupported(what) => Error::Unsupported(what),
            DhError::Random => Error::Random,
        }
    }
}

/// A prime-order subgroup of the multiplicative group mod p: `p`, generator `g` of order `q`.
///
/// Cloning is cheap enough for a protocol run (a few kilobytes). A mapped group
/// ([`DhGroup::map_generic`], [`DhGroup::map_integrated`]) keeps p and q and replaces g; its
/// generator is derived from secrets, so the whole struct is zeroized on drop.
#[derive(Clone)]
pub struct DhGroup {
    p: Odd<BoxedUint>,
    q: BoxedUint,
    g: BoxedUint,
    params: BoxedMontyParams,
    /// Byte length of p: the encoding length of public keys and shared secrets.
    p_len: usize,
    q_len: usize,
    q_bits: u32,
    standardized_id: Option<u8>,
}

impl Drop for DhGroup {
    fn drop(&mut self) {
        // The generator of a mapped group is secret-derived.
        self.g.zeroize();
    }
}

impl core::fmt::Debug for DhGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DhGroup")
            .field("p_bits", &(self.p_len * 8))
            .field("q_bits", &self.q_bits)
            .field("standardized_id", &self.standardized_id)
            .finish_non_exhaustive()
    }
}

/// A DH private key (exponent). Zeroized on drop, redacted in `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DhPrivateKey {
    x: BoxedUint,
}

impl DhPrivateKey {
    /// The exponent, big-endian, at its precision (its length depends only on how the key was
    /// made: q's length rounded to limbs for a generated key). For keeping a key between
    /// protocol steps; re-read with [`DhGroup::private_key_from_be_bytes`].
    pub fn to_be_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.x.to_be_bytes().into_vec())
    }
}

impl core::fmt::Debug for DhPrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "DhPrivateKey(<redacted>)")
    }
}

/// A key pair: the private exponent and the public value `g^x mod p` (big-endian, p's length).
#[derive(Clone, Debug)]
pub struct DhKeyPair {
    /// The private exponent.
    pub private: DhPrivateKey,
    /// `g^x mod p`, big-endian, exactly [`DhGroup::byte_len`] bytes.
    pub public: Vec<u8>,
}

// RFC 5114 §2.1: 1024-bit MODP group with 160-bit prime order subgroup.
const RFC5114_1024_P: &str = "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371";
const RFC5114_1024_G: &str = "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5";
const RFC5114_1024_Q: &str = "F518AA8781A8DF278ABA4E7D64B7CB9D49462353";
// RFC 5114 §2.2: 2048-bit MODP group with 224-bit prime order subgroup.
const RFC5114_2048_224_P: &str = "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F";
const RFC5114_2048_224_G: &str = "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA";
const RFC5114_2048_224_Q: &str = "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB";
// RFC 5114 §2.3: 2048-bit MODP group with 256-bit prime order subgroup.
const RFC5114_2048_256_P: &str = "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597";
const RFC5114_2048_256_G: &str = "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659";
const RFC5114_2048_256_Q: &str = "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3";

/// Integrated Mapping constants c0, c1 for 128-bit keys (ICAO 9303-11 §4.4.3.3.2).
const IM_C0_128: [u8; 16] = [
    0xA6, 0x68, 0x89, 0x2A, 0x7C, 0x41, 0xE3, 0xCA, 0x73, 0x9F, 0x40, 0xB0, 0x57, 0xD8, 0x59, 0x04,
];
const IM_C1_128: [u8; 16] = [
    0xA4, 0xE1, 0x36, 0xAC, 0x72, 0x5F, 0x73, 0x8B, 0x01, 0xC1, 0xF6, 0x02, 0x17, 0xC1, 0x88, 0xAD,
];

fn hex_nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

fn hex_const(s: &str) -> Option<Vec<u8>> {
    s.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [h, l] => Some((hex_nibble(*h)? << 4) | hex_nibble(*l)?),
            _ => None,
        })
        .collect()
}

fn bits_of(len: usize) -> Result<u32, DhError> {
    len.checked_mul(8)
        .and_then(|b| u32::try_from(b).ok())
        .ok_or(DhError::BadLength)
}

/// Strips leading zero bytes of a public value.
fn strip_zeros(mut b: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = b {
        b = rest;
    }
    b
}

fn ct_true(c: crypto_bigint::Choice) -> bool {
    c.to_bool()
}

impl DhGroup {
    /// The group of a standardized domain parameter id: 0 (1024/160), 1 (2048/224), 2
    /// (2048/256) per ICAO 9303-11 / TR-03110-3 Table 4 and RFC 5114 §2.1-2.3; `None` otherwise.
    pub fn standardized(id: u8) -> Option<DhGroup> {
        let (p, g, q) = match id {
            0 => (RFC5114_1024_P, RFC5114_1024_G, RFC5114_1024_Q),
            1 => (RFC5114_2048_224_P, RFC5114_2048_224_G, RFC5114_2048_224_Q),
            2 => (RFC5114_2048_256_P, RFC5114_2048_256_G, RFC5114_2048_256_Q),
            _ => return None,
        };
        let mut group = DhGroup::build(&hex_const(p)?, &hex_const(g)?, &hex_const(q)?).ok()?;
        group.standardized_id = Some(id);
        Some(group)
    }

    /// A group from explicit big-endian p, g, q (e.g. a card's explicit domain parameters).
    /// Checks: p odd and at most [`MAX_P_LEN`] bytes, 1 < q < p, 1 < g < p-1 and g^q = 1 mod p.
    /// Primality of p and q is not tested.
    pub fn from_be_bytes(p: &[u8], g: &[u8], q: &[u8]) -> Result<DhGroup, DhError> {
        let group = DhGroup::build(p, g, q)?;
        let g_bytes = group.generator();
        group
            .validate_public(&g_bytes)
            .map_err(|_| DhError::BadParameters("generator"))?;
        Ok(group)
    }

    fn build(p: &[u8], g: &[u8], q: &[u8]) -> Result<DhGroup, DhError> {
        let p = strip_zeros(p);
        let q = strip_zeros(q);
        let g = strip_zeros(g);
        if p.len() > MAX_P_LEN || p.len() < 8 {
            return Err(DhError::BadParameters("modulus size"));
        }
        if q.is_empty() || q.len() > p.len() || g.is_empty() || g.len() > p.len() {
            return Err(DhError::BadParameters("order or generator size"));
        }
        let p_bits = bits_of(p.len())?;
        let p_uint =
            BoxedUint::from_be_slice(p, p_bits).map_err(|_| DhError::BadParameters("modulus"))?;
        let p_odd = Odd::new(p_uint)
            .into_option()
            .ok_or(DhError::BadParameters("modulus is even"))?;
        let q_uint = BoxedUint::from_be_slice(q, bits_of(q.len())?)
            .map_err(|_| DhError::BadParameters("order"))?;
        let g_uint =
            BoxedUint::from_be_slice(g, p_bits).map_err(|_| DhError::BadParameters("generator"))?;
        if q_uint.cmp_vartime(p_odd.as_ref()) != core::cmp::Ordering::Less
            || q_uint.bit_width_vartime() < 2
        {
            return Err(DhError::BadParameters("order not below modulus"));
        }
        if g_uint.cmp_vartime(p_odd.as_ref()) != core::cmp::Ordering::Less {
            return Err(DhError::BadParameters("generator not below modulus"));
        }
        let params = BoxedMontyParams::new_vartime(p_odd.clone());
        Ok(DhGroup {
            p: p_odd,
            q_bits: q_uint.bit_width_vartime(),
            q: q_uint,
            g: g_uint,
            params,
            p_len: p.len(),
            q_len: q.len(),
            standardized_id: None,
        })
    }

    /// The standardized domain parameter id this group came from (`None` for explicit
    /// parameters and for mapped groups).
    pub fn standardized_id(&self) -> Option<u8> {
        self.standardized_id
    }

    /// Byte length of p: the length of every public value and shared secret.
    pub fn byte_len(&self) -> usize {
        self.p_len
    }

    /// Bit length of q (the subgroup order).
    pub fn order_bits(&self) -> u32 {
        self.q_bits
    }

    /// p, big-endian, [`DhGroup::byte_len`] bytes.
    pub fn modulus(&self) -> Vec<u8> {
        self.fixed_len(self.p.as_ref())
    }

    /// q, big-endian, minimal length.
    pub fn order(&self) -> Vec<u8> {
        let b = self.q.to_be_bytes();
        strip_zeros(&b).to_vec()
    }

    /// The generator (the mapped generator g' for a mapped group), big-endian, p's length.
    pub fn generator(&self) -> Vec<u8> {
        self.fixed_len(&self.g)
    }

    /// `v` (< p) big-endian in exactly p_len bytes.
    fn fixed_len(&self, v: &BoxedUint) -> Vec<u8> {
        let full = Zeroizing::new(v.to_be_bytes());
        let start = full.len().saturating_sub(self.p_len);
        full.get(start..).map(<[u8]>::to_vec).unwrap_or_default()
    }

    fn monty(&self, v: &BoxedUint) -> BoxedMontyForm {
        BoxedMontyForm::new(v.clone(), &self.params)
    }

    /// Constant-time `base^exp mod p` (the exponent's precision is the only timing leak).
    fn pow(&self, base: &BoxedUint, exp: &BoxedUint) -> BoxedUint {
        let mut b = self.monty(base);
        let r = b.pow_bounded_exp(exp, exp.bits_precision()).retrieve();
        b.zeroize();
        r
    }

    /// Decodes a public value: leading zeros allowed, at most p_len significant bytes.
    fn decode_public(&self, y: &[u8]) -> Result<BoxedUint, DhError> {
        let y = strip_zeros(y);
        if y.len() > self.p_len {
            return Err(DhError::BadLength);
        }
        BoxedUint::from_be_slice(y, self.p.bits_precision()).map_err(|_| DhError::BadLength)
    }

    /// Validates a peer's public value (variable time: it is public): big-endian, leading
    /// zeros allowed; requires 1 < y < p-1 and y^q = 1 mod p.
    pub fn validate_public(&self, y: &[u8]) -> Result<(), DhError> {
        self.check_public(y).map(|_| ())
    }

    fn check_public(&self, y: &[u8]) -> Result<BoxedUint, DhError> {
        if y.is_empty() {
            return Err(DhError::BadLength);
        }
        let y = self.decode_public(y)?;
        let p_minus_1 = self.p.as_ref().wrapping_sub(BoxedUint::one());
        if y.bit_width_vartime() <= 1 || y.cmp_vartime(&p_minus_1) != core::cmp::Ordering::Less {
            return Err(DhError::OutOfRange);
        }
        let r = self
            .monty(&y)
            .pow_bounded_exp(&self.q, self.q.bits_precision())
            .retrieve();
        if !ct_true(r.is_one()) {
            return Err(DhError::NotInSubgroup);
        }
        Ok(y)
    }

    /// A private key from big-endian bytes (worked examples, stored keys). Leading zero bytes
    /// beyond p's length are dropped; the value must be non-zero and at most p's length. The
    /// key is used as given (not reduced mod q; the result is the same for subgroup elements).
    /// The exponent's precision (what the timing of an exponentiation reveals) is the byte
    /// length given, never the value.
    pub fn private_key_from_be_bytes(&self, x: &[u8]) -> Result<DhPrivateKey, DhError> {
        let mut x = x;
        while x.len() > self.p_len {
            match x {
                [0, rest @ ..] => x = rest,
                _ => return Err(DhError::BadPrivateKey),
            }
        }
        if x.is_empty() {
            return Err(DhError::BadPrivateKey);
        }
        let v =
            BoxedUint::from_be_slice(x, bits_of(x.len())?).map_err(|_| DhError::BadPrivateKey)?;
        if ct_true(v.is_zero()) {
            return Err(DhError::BadPrivateKey);
        }
        Ok(DhPrivateKey { x: v })
    }

    /// Draws a private key x uniformly in [1, q-1] from `rng` (rejection sampling on q's bit
    /// length) and returns it with its public value.
    pub fn generate_keypair(&self, rng: &mut dyn RandomSource) -> Result<DhKeyPair, DhError> {
        let q_prec = self.q.bits_precision();
        let top_bits = self.q_bits % 8;
        let mut buf = Zeroizing::new(vec![0u8; self.q_len]);
        for _ in 0..KEYGEN_ATTEMPTS {
            rng.fill(&mut buf).map_err(|_| DhError::Random)?;
            if top_bits != 0
                && let Some(first) = buf.first_mut()
            {
                *first &= (1u8 << top_bits) - 1;
            }
            let mut x = BoxedUint::from_be_slice(&buf, q_prec).map_err(|_| DhError::Random)?;
            let ok = x.ct_lt(&self.q) & !x.is_zero();
            if ct_true(ok) {
                let private = DhPrivateKey { x };
                let public = self.public_key(&private);
                return Ok(DhKeyPair { private, public });
            }
            x.zeroize();
        }
        Err(DhError::Random)
    }

    /// `g^x mod p`, big-endian, p's length. Constant time in x.
    pub fn public_key(&self, x: &DhPrivateKey) -> Vec<u8> {
        let y = self.pow(&self.g, &x.x);
        self.fixed_len(&y)
    }

    /// The shared secret `peer_y^x mod p`, big-endian, p's length (ICAO 9303-11 §9.6: the
    /// x-coordinate analogue for DH is the whole value, padded to p's length). Validates
    /// `peer_y` first ([`DhGroup::validate_public`]); a result of 1 is rejected.
    pub fn shared_secret(
        &self,
        x: &DhPrivateKey,
        peer_y: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, DhError> {
        let y = self.check_public(peer_y)?;
        let mut k = self.pow(&y, &x.x);
        if ct_true(k.is_one()) {
            k.zeroize();
            return Err(DhError::Degenerate("shared secret is 1"));
        }
        let out = Zeroizing::new(self.fixed_len(&k));
        k.zeroize();
        Ok(out)
    }

    /// This group with another generator (big-endian, leading zeros allowed, 1 < g < p): a
    /// mapped group kept as bytes between protocol steps. The generator is secret-derived and
    /// decoded without branching on its value beyond the range check's outcome.
    pub fn with_generator_bytes(&self, g: &[u8]) -> Result<DhGroup, DhError> {
        let mut v = self.decode_public(g)?;
        let ok = v.ct_lt(self.p.as_ref()) & !v.is_zero() & !v.is_one();
        if !ct_true(ok) {
            v.zeroize();
            return Err(DhError::OutOfRange);
        }
        Ok(self.with_generator(v))
    }

    fn with_generator(&self, g: BoxedUint) -> DhGroup {
        DhGroup {
            p: self.p.clone(),
            q: self.q.clone(),
            g,
            params: self.params.clone(),
            p_len: self.p_len,
            q_len: self.q_len,
            q_bits: self.q_bits,
            standardized_id: None,
        }
    }

    /// PACE Generic Mapping (ICAO 9303-11 §4.4.3.3.1): `h = peer_map_y^x_map mod p` (peer key
    /// validated), then the mapped group with generator `g' = g^s · h mod p`, where s is the
    /// decrypted nonce (big-endian). Rejects g' = 1.
    pub fn map_generic(
        &self,
        nonce_s: &[u8],
        x_map: &DhPrivateKey,
        peer_map_y: &[u8],
    ) -> Result<DhGroup, DhError> {
        let h = self.shared_secret(x_map, peer_map_y)?;
        self.map_generic_with_h(nonce_s, &h)
    }

    /// Generic Mapping from an already computed `h` (big-endian, < p): `g' = g^s · h mod p`.
    pub fn map_generic_with_h(&self, nonce_s: &[u8], h: &[u8]) -> Result<DhGroup, DhError> {
        if nonce_s.is_empty() || nonce_s.len() > self.p_len {
            return Err(DhError::BadLength);
        }
        let mut s = BoxedUint::from_be_slice(nonce_s, bits_of(nonce_s.len())?)
            .map_err(|_| DhError::BadLength)?;
        let mut h_uint = self.decode_public(h)?;
        if h_uint.cmp_vartime(self.p.as_ref()) != core::cmp::Ordering::Less {
            h_uint.zeroize();
            return Err(DhError::OutOfRange);
        }
        let mut gs = self.monty(&self.g).pow_bounded_exp(&s, s.bits_precision());
        let mut hm = self.monty(&h_uint);
        let mut prod = &gs * &hm;
        let g_new = prod.retrieve();
        s.zeroize();
        h_uint.zeroize();
        gs.zeroize();
        hm.zeroize();
        prod.zeroize();
        if ct_true(g_new.is_one()) || ct_true(g_new.is_zero()) {
            return Err(DhError::Degenerate("mapped generator"));
        }
        Ok(self.with_generator(g_new))
    }

    /// PACE Integrated Mapping for DH (ICAO 9303-11 §4.4.3.3.2): the mapped group with
    /// generator `g' = f_g(R_p(s, t))`, `f_g(x) = x^((p-1)/q) mod p`, where `R_p` is the
    /// block-cipher pseudo-random function keyed by the terminal's nonce t. Only AES-128
    /// (16-byte s and t) is implemented, the case verified against Appendix H.2; 3DES and
    /// AES-192/256 return [`DhError::Unsupported`]. Rejects g' = 1.
    pub fn map_integrated(
        &self,
        nonce_s: &[u8],
        nonce_t: &[u8],
        cipher: SmCipher,
    ) -> Result<DhGroup, DhError> {
        let mut r = self.integrated_mapping_prf(nonce_s, nonce_t, cipher)?;
        let p_minus_1 = self.p.as_ref().wrapping_sub(BoxedUint::one());
        let q_nz = NonZero::new(self.q.clone())
            .into_option()
            .ok_or(DhError::BadParameters("order"))?;
        let (cofactor, _) = p_minus_1.div_rem_vartime(&q_nz);
        let mut rm = self.monty(&r);
        let g_new = rm
            .pow_bounded_exp(&cofactor, cofactor.bits_precision())
            .retrieve();
        rm.zeroize();
        r.zeroize();
        if ct_true(g_new.is_one()) || ct_true(g_new.is_zero()) {
            return Err(DhError::Degenerate("mapped generator"));
        }
        Ok(self.with_generator(g_new))
    }

    /// `R_p(s, t)` of Integrated Mapping, reduced mod p, big-endian p's length (exposed for
    /// the worked-example test). AES-128 only.
    pub fn integrated_mapping_prf_bytes(
        &self,
        nonce_s: &[u8],
        nonce_t: &[u8],
        cipher: SmCipher,
    ) -> Result<Zeroizing<Vec<u8>>, DhError> {
        let mut r = self.integrated_mapping_prf(nonce_s, nonce_t, cipher)?;
        let out = Zeroizing::new(self.fixed_len(&r));
        r.zeroize();
        Ok(out)
    }

    fn integrated_mapping_prf(
        &self,
        nonce_s: &[u8],
        nonce_t: &[u8],
        cipher: SmCipher,
    ) -> Result<BoxedUint, DhError> {
        if cipher != SmCipher::Aes128 {
            return Err(DhError::Unsupported(
                "DH integrated mapping with 3DES or AES-192/256",
            ));
        }
        let s: &[u8; 16] = nonce_s.try_into().map_err(|_| DhError::BadLength)?;
        let t: &[u8] = nonce_t;
        if t.len() != 16 {
            return Err(DhError::BadLength);
        }
        let enc = |key: &[u8], block: &[u8; 16]| -> Result<Zeroizing<[u8; 16]>, DhError> {
            crate::crypto::aes_ecb_encrypt_block(key, block)
                .map(Zeroizing::new)
                .map_err(|_| DhError::BadLength)
        };
        // key_0 = E(t, s); for i >= 0: x_i = E(key_i, c1), key_{i+1} = E(key_i, c0);
        // n blocks with n·l >= log2(p) + 64; R_p = (x_0 || ... || x_{n-1}) mod p.
        let p_bits = self.p.as_ref().bit_width_vartime();
        let n = (p_bits as usize + 64).div_ceil(128);
        let mut key = enc(t, s)?;
        let mut x = Zeroizing::new(Vec::with_capacity(n * 16));
        for _ in 0..n {
            x.extend_from_slice(enc(&key[..], &IM_C1_128)?.as_ref());
            key = enc(&key[..], &IM_C0_128)?;
        }
        let mut big =
            BoxedUint::from_be_slice(&x, bits_of(x.len())?).map_err(|_| DhError::BadLength)?;
        let p_nz = self.p.as_nz_ref();
        let r = big.rem(p_nz);
        big.zeroize();
        // `rem` returns a value at p's precision, which `BoxedMontyForm::new` requires.
        if r.bits_precision() != self.p.bits_precision() {
            return Err(DhError::BadParameters("precision"));
        }
        Ok(r)
    }
}
