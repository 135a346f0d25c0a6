//! Test-only terminal side of PACE (ECDH generic mapping, AES-128) and Chip Authentication v1/v2,
//! on RustCrypto directly (not monid-core), generic over the curve.

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use cmac::{KeyInit, Mac};
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use elliptic_curve::{
    AffinePoint, CurveArithmetic, FieldBytes, FieldBytesSize, Group, PrimeField, ProjectivePoint,
    Scalar,
};
use monid_core::Transport;
use monid_vchip::VirtualChip;
use sha1::{Digest, Sha1};

use super::{Terminal, read_tlv, send, split, tlv};

pub const OID_PACE_GM_AES128: [u8; 10] = [4, 0, 0x7F, 0, 7, 2, 2, 4, 2, 2];
pub const OID_CA_AES128: [u8; 10] = [4, 0, 0x7F, 0, 7, 2, 2, 3, 2, 2];

pub fn pad16(d: &[u8]) -> Vec<u8> {
    let mut v = d.to_vec();
    v.push(0x80);
    while !v.len().is_multiple_of(16) {
        v.push(0);
    }
    v
}

pub fn aes_cbc(key: &[u8], iv: &[u8; 16], d: &[u8]) -> Vec<u8> {
    let mut e = cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv).unwrap();
    let mut v = d.to_vec();
    for c in v.chunks_exact_mut(16) {
        e.encrypt_block(c.try_into().unwrap());
    }
    v
}

pub fn aes_cbc_dec(key: &[u8], iv: &[u8; 16], d: &[u8]) -> Vec<u8> {
    let iv: [u8; 16] = *iv;
    let mut e = cbc::Decryptor::<aes::Aes128>::new_from_slices(key, &iv).unwrap();
    let mut v = d.to_vec();
    for c in v.chunks_exact_mut(16) {
        e.decrypt_block(c.try_into().unwrap());
    }
    v
}

pub fn cmac8(key: &[u8], d: &[u8]) -> Vec<u8> {
    let mut m = <cmac::Cmac<aes::Aes128> as KeyInit>::new_from_slice(key).unwrap();
    m.update(d);
    m.finalize().into_bytes()[..8].to_vec()
}

/// KDF for AES-128: SHA-1(secret || counter)[..16].
pub fn kdf128(secret: &[u8], c: u32) -> Vec<u8> {
    let mut h = Sha1::new();
    h.update(secret);
    h.update(c.to_be_bytes());
    h.finalize()[..16].to_vec()
}

pub fn token(ks_mac: &[u8], oid: &[u8], point: &[u8]) -> Vec<u8> {
    let mut v = tlv(&[0x06], oid);
    v.extend(tlv(&[0x86], point));
    cmac8(ks_mac, &tlv(&[0x7F, 0x49], &v))
}

/// Generic EC helpers of the test terminal.
pub struct Ec<C>(core::marker::PhantomData<C>);

impl<C> Ec<C>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    pub fn scalar(b: &[u8]) -> Scalar<C> {
        let mut r = FieldBytes::<C>::default();
        let n = r.len();
        r[n - b.len()..].copy_from_slice(b);
        Scalar::<C>::from_repr(r).into_option().unwrap()
    }

    pub fn point(b: &[u8]) -> ProjectivePoint<C> {
        ProjectivePoint::<C>::from(AffinePoint::<C>::from_sec1_bytes(b).unwrap())
    }

    pub fn enc(p: &ProjectivePoint<C>) -> Vec<u8> {
        let a: AffinePoint<C> = (*p).into();
        a.to_sec1_point(false).as_bytes().to_vec()
    }

    pub fn x(p: &ProjectivePoint<C>) -> Vec<u8> {
        let a: AffinePoint<C> = (*p).into();
        a.x().to_vec()
    }

    pub fn g() -> ProjectivePoint<C> {
        ProjectivePoint::<C>::generator()
    }
}

/// The terminal's fixed private keys (valid on every supported curve).
pub const TERMINAL_MAP_SK: [u8; 32] = [0x11; 32];
pub const TERMINAL_EPH_SK: [u8; 32] = [0x22; 32];
pub const TERMINAL_CA_SK: [u8; 32] = [0x33; 32];

/// PACE with `password_ref` (1 MRZ, 2 CAN, 3 PIN) and `password` bytes (CAN/PIN ASCII, or
/// SHA-1 of the MRZ information). `Ok(terminal)` on 9000, `Err(sw)` with the SW of the failing
/// step (and the step number).
pub fn pace<C>(
    chip: &mut VirtualChip,
    password_ref: u8,
    password: &[u8],
) -> Result<Terminal, (usize, u16)>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    // MSE:Set AT
    let mut d = tlv(&[0x80], &OID_PACE_GM_AES128);
    d.extend(tlv(&[0x83], &[password_ref]));
    let mut cmd = vec![0x00, 0x22, 0xC1, 0xA4, d.len() as u8];
    cmd.extend(d);
    let (_, sw) = send(chip, &cmd);
    // 63Cx (x > 0): a PIN with tries left; PACE goes on.
    if sw != 0x9000 && !(sw & 0xFFF0 == 0x63C0 && sw != 0x63C0) {
        return Err((0, sw));
    }
    let ga = |chip: &mut VirtualChip, last: bool, inner: &[u8]| {
        let data = tlv(&[0x7C], inner);
        let mut cmd = vec![if last { 0x00 } else { 0x10 }, 0x86, 0, 0, data.len() as u8];
        cmd.extend(data);
        cmd.push(0);
        split(&chip.transceive(&cmd).unwrap())
    };
    let inner = |r: &[u8], tag: u32| -> Vec<u8> {
        let (t, v, _) = read_tlv(r);
        assert_eq!(t, 0x7C);
        let (t, v, _) = read_tlv(v);
        assert_eq!(t, tag);
        v.to_vec()
    };
    // Step 1: nonce.
    let (r, sw) = ga(chip, false, &[]);
    if sw != 0x9000 {
        return Err((1, sw));
    }
    let z = inner(&r, 0x80);
    let k_pi = kdf128(password, 3);
    let s = aes_cbc_dec(&k_pi, &[0; 16], &z);
    // Step 2: mapping.
    let map_sk = Ec::<C>::scalar(&TERMINAL_MAP_SK);
    let pk_map = Ec::<C>::enc(&(Ec::<C>::g() * map_sk));
    let (r, sw) = ga(chip, false, &tlv(&[0x81], &pk_map));
    if sw != 0x9000 {
        return Err((2, sw));
    }
    let pk_map_picc = Ec::<C>::point(&inner(&r, 0x82));
    let h = pk_map_picc * map_sk;
    let g2 = Ec::<C>::g() * Ec::<C>::scalar(&s) + h;
    // Step 3: key agreement.
    let eph = Ec::<C>::scalar(&TERMINAL_EPH_SK);
    let pk_pcd = Ec::<C>::enc(&(g2 * eph));
    let (r, sw) = ga(chip, false, &tlv(&[0x83], &pk_pcd));
    if sw != 0x9000 {
        return Err((3, sw));
    }
    let pk_picc = inner(&r, 0x84);
    let k = Ec::<C>::x(&(Ec::<C>::point(&pk_picc) * eph));
    let (ks_enc, ks_mac) = (kdf128(&k, 1), kdf128(&k, 2));
    // Step 4: mutual authentication.
    let t_pcd = token(&ks_mac, &OID_PACE_GM_AES128, &pk_picc);
    let (r, sw) = ga(chip, true, &tlv(&[0x85], &t_pcd));
    if sw != 0x9000 {
        return Err((4, sw));
    }
    assert_eq!(
        inner(&r, 0x86),
        token(&ks_mac, &OID_PACE_GM_AES128, &pk_pcd),
        "T_PICC"
    );
    Ok(Terminal {
        ks_enc,
        ks_mac,
        ssc: 0,
        aes: true,
    })
}

/// Chip Authentication v2 (MSE:Set AT 41 A4, GENERAL AUTHENTICATE) on brainpoolP256r1 with the
/// chip's static public key `pk_chip`: checks T_PICC and returns the new session (SSC 0).
pub fn ca_v2(chip: &mut VirtualChip, t: &mut Terminal, pk_chip: &[u8]) -> Terminal {
    type E = Ec<bp256::BrainpoolP256r1>;
    let mut d = tlv(&[0x80], &OID_CA_AES128);
    d.extend(tlv(&[0x84], &[1]));
    let (_, sw) = t.send(chip, 0x22, 0x41, 0xA4, &d, None);
    assert_eq!(sw, 0x9000, "MSE:Set AT CA");
    let sk = E::scalar(&TERMINAL_CA_SK);
    let pk_pcd = E::enc(&(E::g() * sk));
    let (r, sw) = t.send(
        chip,
        0x86,
        0,
        0,
        &tlv(&[0x7C], &tlv(&[0x80], &pk_pcd)),
        Some(256),
    );
    assert_eq!(sw, 0x9000, "GA CA");
    let (tag, v, _) = read_tlv(&r);
    assert_eq!(tag, 0x7C);
    let (t81, nonce, n) = read_tlv(v);
    assert_eq!((t81, nonce.len()), (0x81, 8));
    let (t82, tok, _) = read_tlv(&v[n..]);
    assert_eq!(t82, 0x82);
    let mut secret = E::x(&(E::point(pk_chip) * sk));
    secret.extend_from_slice(nonce);
    let (ks_enc, ks_mac) = (kdf128(&secret, 1), kdf128(&secret, 2));
    assert_eq!(
        tok,
        token(&ks_mac, &OID_CA_AES128, &pk_pcd).as_slice(),
        "CA T_PICC"
    );
    Terminal {
        ks_enc,
        ks_mac,
        ssc: 0,
        aes: true,
    }
}

/// Chip Authentication v1 (MSE:Set KAT 41 A6): returns the new session (SSC 0).
pub fn ca_v1(chip: &mut VirtualChip, t: &mut Terminal, pk_chip: &[u8]) -> Terminal {
    type E = Ec<bp256::BrainpoolP256r1>;
    let sk = E::scalar(&TERMINAL_CA_SK);
    let pk_pcd = E::enc(&(E::g() * sk));
    let mut d = tlv(&[0x91], &pk_pcd);
    d.extend(tlv(&[0x84], &[1]));
    let (r, sw) = t.send(chip, 0x22, 0x41, 0xA6, &d, None);
    assert_eq!((r.len(), sw), (0, 0x9000), "MSE:Set KAT");
    let secret = E::x(&(E::point(pk_chip) * sk));
    Terminal {
        ks_enc: kdf128(&secret, 1),
        ks_mac: kdf128(&secret, 2),
        ssc: 0,
        aes: true,
    }
}
