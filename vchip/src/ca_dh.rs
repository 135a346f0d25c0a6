//! Card side of Chip Authentication with Diffie-Hellman (ICAO 9303-11 §6.2, BSI TR-03110-2
//! §3.4): id-CA-DH-AES-CBC-CMAC-128 version 2, the chip's static DH key and the DG14 that
//! publishes it (X9.42 dhpublicnumber SubjectPublicKeyInfo with explicit p, g, q).
//!
//! This module owns the DH key, DG14's DH SecurityInfos, the MSE:Set AT check and the GENERAL
//! AUTHENTICATE answer (`81 r_PICC, 82 T_PICC`, KS = KDF(K || r_PICC)). It uses the card side's
//! own DH arithmetic ([`crate::pace_dh`]) and must not use `monid-core`'s `ca`/`pace` modules.
//! Dispatch, secure messaging and the session switch stay in [`crate::chip`].

use monid_core::tlv::{Reader, encode};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::pace::{self, AesKeys};
use crate::pace_dh::{self, DhGroup};

/// id-CA-DH-AES-CBC-CMAC-128 (0.4.0.127.0.7.2.2.3.1.2).
pub(crate) const OID_CA_DH_AES_128: [u8; 10] =
    [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x01, 0x02];
/// id-PK-DH (0.4.0.127.0.7.2.2.1.1).
const OID_PK_DH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x01];
/// dhpublicnumber (1.2.840.10046.2.1).
const OID_DH_PUBLIC_NUMBER: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3E, 0x02, 0x01];

/// The chip's static DH key pair for chip authentication, keyId 1.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct DhCaKey {
    #[zeroize(skip)]
    pub group: DhGroup,
    pub secret: Vec<u8>,
    #[zeroize(skip)]
    pub public: Vec<u8>,
}

impl DhCaKey {
    /// The key pair of `secret` (big-endian, non-zero); `None` if the group fails.
    pub(crate) fn new(group: DhGroup, secret: &[u8]) -> Option<DhCaKey> {
        let public = group.arith()?.public_key(None, secret)?;
        Some(DhCaKey {
            group,
            secret: secret.to_vec(),
            public,
        })
    }
}

/// A DER INTEGER of an unsigned big-endian value.
fn der_uint(v: &[u8]) -> Vec<u8> {
    let mut v: &[u8] = v;
    while let [0, rest @ ..] = v {
        v = rest;
    }
    let mut c = Vec::with_capacity(v.len() + 1);
    if v.first().is_none_or(|b| b & 0x80 != 0) {
        c.push(0);
    }
    c.extend_from_slice(v);
    encode(0x02, &c)
}

/// `SEQUENCE { SEQUENCE { dhpublicnumber, SEQUENCE { p, g, q } }, BIT STRING { INTEGER y } }`.
pub(crate) fn spki(key: &DhCaKey) -> Vec<u8> {
    let (p, g, q) = key.group.pgq();
    let mut params = der_uint(&p);
    params.extend(der_uint(&g));
    params.extend(der_uint(&q));
    let mut alg = encode(0x06, &OID_DH_PUBLIC_NUMBER);
    alg.extend(encode(0x30, &params));
    let mut bits = vec![0x00];
    bits.extend(der_uint(&key.public));
    let mut v = encode(0x30, &alg);
    v.extend(encode(0x03, &bits));
    encode(0x30, &v)
}

/// DG14: `6E { SET { ChipAuthenticationInfo {id-CA-DH-AES-CBC-CMAC-128, 2, keyId 1},
/// ChipAuthenticationPublicKeyInfo {id-PK-DH, SPKI, keyId 1}, PACEInfo? } }`.
pub(crate) fn dg14(pace_info: Option<Vec<u8>>, key: &DhCaKey) -> Vec<u8> {
    let mut ca_info = encode(0x06, &OID_CA_DH_AES_128);
    ca_info.extend(encode(0x02, &[0x02]));
    ca_info.extend(encode(0x02, &[0x01]));
    let mut pk_info = encode(0x06, &OID_PK_DH);
    pk_info.extend(spki(key));
    pk_info.extend(encode(0x02, &[0x01]));
    let mut infos = vec![encode(0x30, &ca_info), encode(0x30, &pk_info)];
    infos.extend(pace_info);
    infos.sort();
    encode(0x6E, &encode(0x31, &infos.concat()))
}

/// MSE:Set AT for DH chip authentication: `80` id-CA-DH-AES-CBC-CMAC-128, optional `84 01`.
pub(crate) fn parse_mse_set_at(data: &[u8]) -> Result<(), u16> {
    let mut r = Reader::new(data);
    let mut oid_ok = false;
    while !r.is_empty() {
        let t = r.read().map_err(|_| pace::SW_WRONG_DATA)?;
        match t.tag {
            0x80 if t.value == OID_CA_DH_AES_128 => oid_ok = true,
            0x80 => return Err(pace::SW_REF_NOT_FOUND),
            0x84 if t.value == [0x01] => {}
            0x84 => return Err(pace::SW_REF_NOT_FOUND),
            _ => return Err(pace::SW_WRONG_DATA),
        }
    }
    if oid_ok {
        Ok(())
    } else {
        Err(pace::SW_WRONG_DATA)
    }
}

/// GENERAL AUTHENTICATE `7C { 80 PK_PCD }`: K = PK_PCD^x (PK_PCD validated), the new AES-128
/// keys KDF(K || r_PICC) and the answer `81 r_PICC, 82 T_PICC` with T_PICC = CMAC(KS_mac,
/// `7F49 { 06 OID, 84 PK_PCD }`).
pub(crate) fn authenticate(
    key: &DhCaKey,
    data: &[u8],
    r_picc: [u8; 8],
) -> Result<(AesKeys, Vec<u8>), u16> {
    let pk_pcd = pace::ga_object(data, Some(0x80))?;
    let arith = key.group.arith().ok_or(pace::SW_WRONG_DATA)?;
    let k = arith
        .shared_secret(&key.secret, &pk_pcd)
        .ok_or(pace::SW_WRONG_DATA)?;
    let mut secret = Zeroizing::new(k.to_vec());
    secret.extend_from_slice(&r_picc);
    let keys = pace::derive_keys(&secret, 16);
    let t = pace_dh::token(&keys.ks_mac, &OID_CA_DH_AES_128, &pk_pcd).ok_or(pace::SW_WRONG_DATA)?;
    let mut out = encode(0x81, &r_picc);
    out.extend(encode(0x82, &t));
    Ok((keys, out))
}
