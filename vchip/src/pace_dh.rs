//! Card side of PACE with Diffie-Hellman, Generic Mapping (ICAO 9303-11 §4.4.3.3.1) with AES
//! secure messaging and Integrated Mapping (§4.4.3.3.2) with AES-128, over the RFC 5114 groups
//! of the standardized domain parameters 0, 1 and 2.
//!
//! This module owns the DH groups as the chip knows them, the modular arithmetic (public-value
//! validation, `g^x`, `g' = g^s · h`, the shared secret), the DH PACEInfo and the four
//! GENERAL AUTHENTICATE steps of a DH run (on [`crate::pace::PaceStep`]'s states, which hold
//! only bytes). It is an INDEPENDENT implementation on `crypto-bigint` and must not use
//! `monid-core`'s `pace`/`ca` modules. Command dispatch, the PIN counter and the session stay in
//! [`crate::chip`]; ECDH PACE is [`crate::pace`]'s. Exponentiations with a secret exponent use
//! crypto-bigint's constant-time `BoxedMontyForm::pow` (the exponent's precision, fixed by q
//! or the nonce length, is all its timing shows).

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, CtLt, NonZero, Odd};
use monid_core::tlv::{Reader, encode};
use zeroize::{Zeroize, Zeroizing};

use crate::crypto;
use crate::pace::{self, AesKeys, FixedPace, PaceStep, Password};

/// id-PACE-DH-GM without its last arc (0.4.0.127.0.7.2.2.4.1).
const OID_PACE_DH_GM_PREFIX: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x01];
/// id-PACE-DH-IM-AES-CBC-CMAC-128 (0.4.0.127.0.7.2.2.4.3.2).
const OID_PACE_DH_IM_AES_128: [u8; 10] =
    [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x03, 0x02];
/// Integrated Mapping constants for AES-128 (ICAO 9303-11 §4.4.3.3.2).
const IM_C0: [u8; 16] = [
    0xA6, 0x68, 0x89, 0x2A, 0x7C, 0x41, 0xE3, 0xCA, 0x73, 0x9F, 0x40, 0xB0, 0x57, 0xD8, 0x59, 0x04,
];
const IM_C1: [u8; 16] = [
    0xA4, 0xE1, 0x36, 0xAC, 0x72, 0x5F, 0x73, 0x8B, 0x01, 0xC1, 0xF6, 0x02, 0x17, 0xC1, 0x88, 0xAD,
];

const SW_CHAINING: u16 = 0x6884;

// RFC 5114 §2.1-2.3 (p, g, q).
const P_1024: &str = "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371";
const G_1024: &str = "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5";
const Q_160: &str = "F518AA8781A8DF278ABA4E7D64B7CB9D49462353";
const P_2048_224: &str = "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F";
const G_2048_224: &str = "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA";
const Q_224: &str = "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB";
const P_2048_256: &str = "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597";
const G_2048_256: &str = "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659";
const Q_256: &str = "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3";

/// A DH group the virtual chip runs PACE (and DH chip authentication) on, by its
/// standardized domain parameter id (RFC 5114 groups; BSI TR-03110-3 table 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DhGroup {
    /// 1024-bit MODP, 160-bit subgroup, parameter id 0.
    Modp1024_160,
    /// 2048-bit MODP, 224-bit subgroup, parameter id 1.
    Modp2048_224,
    /// 2048-bit MODP, 256-bit subgroup, parameter id 2.
    Modp2048_256,
}

impl DhGroup {
    /// The standardized domain parameter id.
    pub fn parameter_id(self) -> u8 {
        match self {
            DhGroup::Modp1024_160 => 0,
            DhGroup::Modp2048_224 => 1,
            DhGroup::Modp2048_256 => 2,
        }
    }

    /// The group with standardized domain parameter id `id` (0, 1, 2).
    pub fn from_parameter_id(id: u8) -> Option<DhGroup> {
        match id {
            0 => Some(DhGroup::Modp1024_160),
            1 => Some(DhGroup::Modp2048_224),
            2 => Some(DhGroup::Modp2048_256),
            _ => None,
        }
    }

    fn constants(self) -> (&'static str, &'static str, &'static str) {
        match self {
            DhGroup::Modp1024_160 => (P_1024, G_1024, Q_160),
            DhGroup::Modp2048_224 => (P_2048_224, G_2048_224, Q_224),
            DhGroup::Modp2048_256 => (P_2048_256, G_2048_256, Q_256),
        }
    }

    /// The group's arithmetic; `None` only if the built-in constants were broken.
    pub(crate) fn arith(self) -> Option<Arith> {
        let (p, g, q) = self.constants();
        let (p, g, q) = (hex(p)?, hex(g)?, hex(q)?);
        let p_bits = bits(p.len())?;
        let p_uint = Odd::new(BoxedUint::from_be_slice(&p, p_bits).ok()?).into_option()?;
        let params = BoxedMontyParams::new_vartime(p_uint.clone());
        Some(Arith {
            g: BoxedUint::from_be_slice(&g, p_bits).ok()?,
            q: BoxedUint::from_be_slice(&q, bits(q.len())?).ok()?,
            p: p_uint,
            params,
            p_len: p.len(),
            q_len: q.len(),
        })
    }

    /// p, g and q (big-endian): what an X9.42 DomainParameters carries.
    pub(crate) fn pgq(self) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let (p, g, q) = self.constants();
        (
            hex(p).unwrap_or_default(),
            hex(g).unwrap_or_default(),
            hex(q).unwrap_or_default(),
        )
    }
}

fn hex(s: &str) -> Option<Vec<u8>> {
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    s.as_bytes()
        .chunks(2)
        .map(|c| match c {
            [h, l] => Some((nib(*h)? << 4) | nib(*l)?),
            _ => None,
        })
        .collect()
}

fn bits(len: usize) -> Option<u32> {
    u32::try_from(len.checked_mul(8)?).ok()
}

fn strip(mut b: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = b {
        b = rest;
    }
    b
}

/// The arithmetic of one group: public values are big-endian of p's length.
pub(crate) struct Arith {
    p: Odd<BoxedUint>,
    g: BoxedUint,
    q: BoxedUint,
    params: BoxedMontyParams,
    p_len: usize,
    q_len: usize,
}

impl Arith {
    /// A value < p from big-endian bytes (leading zeros allowed).
    fn decode(&self, v: &[u8]) -> Option<BoxedUint> {
        let v = strip(v);
        if v.len() > self.p_len {
            return None;
        }
        let x = BoxedUint::from_be_slice(v, self.p.bits_precision()).ok()?;
        x.ct_lt(self.p.as_ref()).to_bool().then_some(x)
    }

    fn encode(&self, v: &BoxedUint) -> Vec<u8> {
        let full = Zeroizing::new(v.to_be_bytes());
        full.get(full.len().saturating_sub(self.p_len)..)
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    }

    /// `base^exp mod p`, constant time in `exp` (at its precision).
    fn pow(&self, base: &BoxedUint, exp: &BoxedUint) -> BoxedUint {
        BoxedMontyForm::new(base.clone(), &self.params)
            .pow(exp)
            .retrieve()
    }

    /// A peer's public value: 1 < y < p-1 and y^q = 1 (variable time: it is public).
    pub(crate) fn public(&self, y: &[u8]) -> Option<BoxedUint> {
        let y = self.decode(y)?;
        let p_minus_1 = self.p.as_ref().wrapping_sub(BoxedUint::one());
        if y.bit_width_vartime() <= 1 || y.cmp_vartime(&p_minus_1) != core::cmp::Ordering::Less {
            return None;
        }
        self.pow(&y, &self.q).is_one().to_bool().then_some(y)
    }

    /// A private exponent from bytes: non-zero, at its own length's precision.
    fn secret(&self, x: &[u8]) -> Option<BoxedUint> {
        let x = BoxedUint::from_be_slice(x, bits(x.len())?).ok()?;
        (!x.is_zero().to_bool()).then_some(x)
    }

    /// A random exponent in [1, q-1], q's length, from `fill` (rejection sampling).
    pub(crate) fn random_secret(&self, fill: &mut dyn FnMut(&mut [u8])) -> Vec<u8> {
        let mut b = vec![0u8; self.q_len];
        for _ in 0..64 {
            fill(&mut b);
            if let Ok(x) = BoxedUint::from_be_slice(&b, self.q.bits_precision())
                && (x.ct_lt(&self.q) & !x.is_zero()).to_bool()
            {
                return b;
            }
        }
        // Unreachable in practice (each draw is valid with probability > 1/2): 1.
        b.zeroize();
        if let Some(last) = b.last_mut() {
            *last = 1;
        }
        b
    }

    /// `gen^x` (gen = g when `None`), p's length.
    pub(crate) fn public_key(&self, generator: Option<&[u8]>, x: &[u8]) -> Option<Vec<u8>> {
        let base = match generator {
            Some(g) => self.decode(g)?,
            None => self.g.clone(),
        };
        let mut x = self.secret(x)?;
        let y = self.pow(&base, &x);
        x.zeroize();
        Some(self.encode(&y))
    }

    /// `peer^x mod p` after validating `peer`; `None` when invalid or the result is 1.
    pub(crate) fn shared_secret(&self, x: &[u8], peer: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let y = self.public(peer)?;
        let mut x = self.secret(x)?;
        let mut k = self.pow(&y, &x);
        x.zeroize();
        let ok = !k.is_one().to_bool();
        let out = Zeroizing::new(self.encode(&k));
        k.zeroize();
        ok.then_some(out)
    }

    /// Generic Mapping: `g' = g^s · peer^x mod p`; `None` for an invalid key or g' = 1.
    pub(crate) fn map_generator(&self, s: &[u8], x: &[u8], peer: &[u8]) -> Option<Vec<u8>> {
        let h = self.shared_secret(x, peer)?;
        let h = self.decode(&h)?;
        let mut s = self.secret(s)?;
        let gs = BoxedMontyForm::new(self.g.clone(), &self.params).pow(&s);
        s.zeroize();
        let g_new = (&gs * &BoxedMontyForm::new(h, &self.params)).retrieve();
        (!g_new.is_one().to_bool()).then(|| self.encode(&g_new))
    }

    /// Integrated Mapping (AES-128): `g' = R_p(s, t)^((p-1)/q) mod p` with `R_p` the block
    /// cipher PRF: key_0 = E(t, s), x_i = E(key_i, c1), key_(i+1) = E(key_i, c0), n blocks with
    /// 128·n >= bits(p) + 64. `None` for bad lengths or g' = 1.
    pub(crate) fn map_integrated(&self, s: &[u8], t: &[u8]) -> Option<Vec<u8>> {
        if s.len() != 16 || t.len() != 16 {
            return None;
        }
        let ecb = |key: &[u8], block: &[u8]| {
            crypto::aes_cbc_encrypt(key, &[0u8; 16], block).map(Zeroizing::new)
        };
        let n = (self.p_len * 8 + 64).div_ceil(128);
        let mut key = ecb(t, s)?;
        let mut x = Zeroizing::new(Vec::with_capacity(n * 16));
        for _ in 0..n {
            x.extend_from_slice(&ecb(&key, &IM_C1)?);
            key = ecb(&key, &IM_C0)?;
        }
        let mut big = BoxedUint::from_be_slice(&x, bits(x.len())?).ok()?;
        let mut r = big.rem(self.p.as_nz_ref());
        big.zeroize();
        let q = NonZero::new(self.q.clone()).into_option()?;
        let (cofactor, _) = self
            .p
            .as_ref()
            .wrapping_sub(BoxedUint::one())
            .div_rem_vartime(&q);
        let g_new = self.pow(&r, &cofactor);
        r.zeroize();
        (!g_new.is_one().to_bool()).then(|| self.encode(&g_new))
    }
}

/// A DH PACE configuration: Generic Mapping with AES (the key length in bytes: 16, 24, 32), or
/// Integrated Mapping with AES-128.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DhPaceConfig {
    /// The group.
    pub group: DhGroup,
    /// The AES key length in bytes (16 for Integrated Mapping).
    pub key_len: usize,
    /// Integrated Mapping (id-PACE-DH-IM-AES-CBC-CMAC-128) instead of Generic Mapping.
    pub integrated: bool,
}

impl DhPaceConfig {
    /// id-PACE-DH-GM-AES-CBC-CMAC-128/192/256 or id-PACE-DH-IM-AES-CBC-CMAC-128 (content
    /// octets).
    pub fn oid(&self) -> Vec<u8> {
        if self.integrated {
            return OID_PACE_DH_IM_AES_128.to_vec();
        }
        let last = match self.key_len {
            24 => 3,
            32 => 4,
            _ => 2,
        };
        let mut o = OID_PACE_DH_GM_PREFIX.to_vec();
        o.push(last);
        o
    }

    /// PACEInfo `SEQUENCE { protocol, version 2, parameterId }`.
    pub(crate) fn pace_info(&self) -> Vec<u8> {
        let mut v = encode(0x06, &self.oid());
        v.extend(encode(0x02, &[0x02]));
        v.extend(encode(0x02, &[self.group.parameter_id()]));
        encode(0x30, &v)
    }

    /// EF.CardAccess: `SET { PACEInfo }`.
    pub(crate) fn card_access(&self) -> Vec<u8> {
        encode(0x31, &self.pace_info())
    }
}

/// MSE:Set AT for DH PACE: `80` our OID, `83` password, optional `84` our parameter id.
pub(crate) fn parse_mse_set_at(cfg: &DhPaceConfig, data: &[u8]) -> Result<Password, u16> {
    let mut r = Reader::new(data);
    let (mut oid, mut pwd, mut param) = (None, None, None);
    while !r.is_empty() {
        let t = r.read().map_err(|_| pace::SW_WRONG_DATA)?;
        match t.tag {
            0x80 if oid.is_none() => oid = Some(t.value),
            0x83 if pwd.is_none() => pwd = Some(t.value),
            0x84 if param.is_none() => param = Some(t.value),
            0x7F4C | 0x67 => {}
            _ => return Err(pace::SW_WRONG_DATA),
        }
    }
    if oid != Some(cfg.oid().as_slice()) {
        return Err(pace::SW_REF_NOT_FOUND);
    }
    if let Some(p) = param
        && p != [cfg.group.parameter_id()]
    {
        return Err(pace::SW_REF_NOT_FOUND);
    }
    match pwd {
        Some([1]) => Ok(Password::Mrz),
        Some([2]) => Ok(Password::Can),
        Some([3]) => Ok(Password::Pin),
        Some([_]) => Err(pace::SW_REF_NOT_FOUND),
        _ => Err(pace::SW_WRONG_DATA),
    }
}

/// The DH token: CMAC(KS_mac, `7F49 { 06 oid, 84 y }`) truncated to 8 bytes.
pub(crate) fn token(ks_mac: &[u8], oid: &[u8], y: &[u8]) -> Option<[u8; 8]> {
    let mut v = encode(0x06, oid);
    v.extend(encode(0x84, y));
    crypto::aes_cmac8(ks_mac, &encode(0x7F49, &v))
}

/// What one DH PACE step did.
pub(crate) enum DhOutcome {
    /// Answer with this data (inside 7C) and move to this state.
    Next(PaceStep, Vec<u8>),
    /// The terminal's token verified: open the session with `keys`, answer with `data`.
    Established {
        password: Password,
        keys: AesKeys,
        data: Vec<u8>,
    },
    /// The terminal's token did not verify (a wrong password).
    WrongToken(Password),
}

/// One DH PACE GENERAL AUTHENTICATE step (the chip checks the PIN counter before step 1 and
/// handles [`DhOutcome::Established`] / [`DhOutcome::WrongToken`]). `Err(sw)` aborts the run.
pub(crate) fn step(
    cfg: &DhPaceConfig,
    step: PaceStep,
    data: &[u8],
    chained: bool,
    fixed: Option<&FixedPace>,
    fill: &mut dyn FnMut(&mut [u8]),
) -> Result<DhOutcome, u16> {
    let arith = cfg.group.arith().ok_or(pace::SW_WRONG_DATA)?;
    match step {
        PaceStep::Idle => Err(0x6985),
        PaceStep::Selected { password, k_pi } => {
            pace::ga_object(data, None)?;
            let s = Zeroizing::new(match fixed {
                Some(f) => f.nonce.clone(),
                None => {
                    let mut s = vec![0u8; pace::NONCE_LEN];
                    fill(&mut s);
                    s
                }
            });
            let cipher = pace::PaceCipher::aes(cfg.key_len).ok_or(pace::SW_WRONG_DATA)?;
            let z = pace::encrypt_nonce(cipher, &k_pi, &s).ok_or(pace::SW_WRONG_DATA)?;
            Ok(DhOutcome::Next(
                PaceStep::Nonce { password, s },
                encode(0x80, &z),
            ))
        }
        PaceStep::Nonce { password, s } if cfg.integrated => {
            // 7C{81 t} -> 7C{}: g' = f_g(R_p(s, t)).
            let t = Zeroizing::new(pace::ga_object(data, Some(0x81))?);
            let generator = arith.map_integrated(&s, &t).ok_or(pace::SW_WRONG_DATA)?;
            Ok(DhOutcome::Next(
                PaceStep::Mapped {
                    password,
                    generator,
                    map_sk: None,
                },
                Vec::new(),
            ))
        }
        PaceStep::Nonce { password, s } => {
            let pk_map_pcd = pace::ga_object(data, Some(0x81))?;
            let map_sk = Zeroizing::new(match fixed {
                Some(f) => f.map_sk.clone(),
                None => arith.random_secret(fill),
            });
            let pk_map_picc = arith.public_key(None, &map_sk).ok_or(pace::SW_WRONG_DATA)?;
            if strip(&pk_map_picc) == strip(&pk_map_pcd) {
                return Err(pace::SW_WRONG_DATA);
            }
            let generator = arith
                .map_generator(&s, &map_sk, &pk_map_pcd)
                .ok_or(pace::SW_WRONG_DATA)?;
            Ok(DhOutcome::Next(
                PaceStep::Mapped {
                    password,
                    generator,
                    map_sk: None,
                },
                encode(0x82, &pk_map_picc),
            ))
        }
        PaceStep::Mapped {
            password,
            generator,
            ..
        } => {
            let pk_pcd = pace::ga_object(data, Some(0x83))?;
            let eph_sk = Zeroizing::new(match fixed {
                Some(f) => f.eph_sk.clone(),
                None => arith.random_secret(fill),
            });
            let pk_picc = arith
                .public_key(Some(&generator), &eph_sk)
                .ok_or(pace::SW_WRONG_DATA)?;
            // ICAO 9303-11 §4.4.3.3: the chip must reject the terminal echoing its key.
            if strip(&pk_picc) == strip(&pk_pcd) {
                return Err(pace::SW_WRONG_DATA);
            }
            let k = arith
                .shared_secret(&eph_sk, &pk_pcd)
                .ok_or(pace::SW_WRONG_DATA)?;
            let keys = pace::derive_keys(&k, cfg.key_len);
            let out = encode(0x84, &pk_picc);
            Ok(DhOutcome::Next(
                PaceStep::Agreed {
                    password,
                    keys,
                    pk_picc,
                    pk_pcd,
                    map_sk: None,
                },
                out,
            ))
        }
        PaceStep::Agreed {
            password,
            keys,
            pk_picc,
            pk_pcd,
            ..
        } => {
            if chained {
                return Err(SW_CHAINING);
            }
            let t_pcd = pace::ga_object(data, Some(0x85))?;
            let oid = cfg.oid();
            let expected = token(&keys.ks_mac, &oid, &pk_picc).ok_or(pace::SW_WRONG_DATA)?;
            if !crypto::ct_eq(&expected, &t_pcd) {
                return Ok(DhOutcome::WrongToken(password));
            }
            let t_picc = token(&keys.ks_mac, &oid, &pk_pcd).ok_or(pace::SW_WRONG_DATA)?;
            Ok(DhOutcome::Established {
                password,
                keys,
                data: encode(0x86, &t_picc),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn groups_are_consistent() {
        for id in 0..=2 {
            let g = DhGroup::from_parameter_id(id).unwrap();
            assert_eq!(g.parameter_id(), id);
            let a = g.arith().unwrap();
            // g has order q: g itself is a valid public value.
            assert!(a.public(&a.encode(&a.g)).is_some());
            let x = a.random_secret(&mut |b| b.fill(0x42));
            let y = a.public_key(None, &x).unwrap();
            assert!(a.public(&y).is_some());
        }
        assert!(DhGroup::from_parameter_id(3).is_none());
    }
}
