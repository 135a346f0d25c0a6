//! Card side of PACE (ECDH generic mapping, AES), Chip Authentication (ECDH, AES-128, v1 and v2)
//! and the SecurityInfos the chip publishes (EF.CardAccess, DG14).
//!
//! This module owns the PACE and CA protocol state of the chip (which step comes next and the
//! ephemeral secrets), the token computation and the key derivation, following ICAO 9303-11
//! §4.4 (PACE), §6.2 (Chip Authentication) and BSI TR-03110-2/-3. It is an INDEPENDENT
//! implementation on RustCrypto (via [`crate::ec`] and [`crate::crypto`]); it must not use
//! `monid-core`'s `pace`/`ca` modules. Command dispatch, secure messaging and file access stay in
//! [`crate::chip`].

use core::fmt;

use monid_core::tlv::{Reader, encode};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::crypto;
use crate::ec::Curve;

/// id-PACE-ECDH-GM-AES-CBC-CMAC-128 without its last arc (0.4.0.127.0.7.2.2.4.2).
const OID_PACE_ECDH_GM_PREFIX: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02];
/// id-CA-ECDH-AES-CBC-CMAC-128 (0.4.0.127.0.7.2.2.3.2.2).
pub(crate) const OID_CA_ECDH_AES_128: [u8; 10] =
    [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x02];
/// id-PK-ECDH (0.4.0.127.0.7.2.2.1.2).
const OID_PK_ECDH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02];
/// id-ecPublicKey (1.2.840.10045.2.1).
const OID_EC_PUBLIC_KEY: [u8; 7] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];

/// Length of the PACE nonce `s`: one AES block, for every AES key length.
pub(crate) const NONCE_LEN: usize = 16;

/// A PACE password (ICAO 9303-11 §4.4.1; MSE:Set AT DO'83' reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Password {
    /// The MRZ information (reference 01): K = SHA-1(document number, birth, expiry with check
    /// digits).
    Mrz,
    /// The Card Access Number (reference 02), printed on the card.
    Can,
    /// A PIN (reference 03), with a retry counter.
    Pin,
}

impl Password {
    /// The password reference carried in MSE:Set AT DO'83'.
    pub fn reference(self) -> u8 {
        match self {
            Password::Mrz => 1,
            Password::Can => 2,
            Password::Pin => 3,
        }
    }

    fn from_reference(r: u8) -> Option<Password> {
        match r {
            1 => Some(Password::Mrz),
            2 => Some(Password::Can),
            3 => Some(Password::Pin),
            _ => None,
        }
    }
}

/// The PACE configuration a chip offers in EF.CardAccess: ECDH generic mapping with AES.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaceConfig {
    /// The curve (standardized domain parameters).
    pub curve: Curve,
    /// The AES key length in bytes: 16, 24 or 32.
    pub key_len: usize,
}

impl PaceConfig {
    /// The protocol OID (content octets): id-PACE-ECDH-GM-AES-CBC-CMAC-128/192/256.
    pub fn oid(&self) -> Vec<u8> {
        let last = match self.key_len {
            24 => 3,
            32 => 4,
            _ => 2,
        };
        let mut o = OID_PACE_ECDH_GM_PREFIX.to_vec();
        o.push(last);
        o
    }

    /// PACEInfo: `SEQUENCE { protocol, version 2, parameterId }`.
    pub(crate) fn pace_info(&self) -> Vec<u8> {
        let mut v = encode(0x06, &self.oid());
        v.extend(encode(0x02, &[0x02]));
        v.extend(encode(0x02, &[self.curve.parameter_id()]));
        encode(0x30, &v)
    }
}

/// DER `SET OF`: elements sorted by their encodings.
fn der_set(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    encode(0x31, &elements.concat())
}

/// EF.CardAccess: `SET { PACEInfo }`.
pub(crate) fn card_access(cfg: &PaceConfig) -> Vec<u8> {
    der_set(vec![cfg.pace_info()])
}

/// An EC SubjectPublicKeyInfo with a named curve: `SEQUENCE { SEQUENCE { id-ecPublicKey,
/// curve }, BIT STRING point }`.
pub(crate) fn ec_spki(curve: Curve, point: &[u8]) -> Vec<u8> {
    let mut alg = encode(0x06, &OID_EC_PUBLIC_KEY);
    alg.extend(encode(0x06, curve.named_curve_oid()));
    let mut v = encode(0x30, &alg);
    let mut bits = vec![0x00];
    bits.extend_from_slice(point);
    v.extend(encode(0x03, &bits));
    encode(0x30, &v)
}

/// DG14: `6E { SET { ChipAuthenticationInfo {id-CA-ECDH-AES-CBC-CMAC-128, 2, keyId 1},
/// ChipAuthenticationPublicKeyInfo {id-PK-ECDH, SPKI, keyId 1}, PACEInfo? } }`.
pub(crate) fn dg14(pace: Option<&PaceConfig>, ca_curve: Curve, ca_public: &[u8]) -> Vec<u8> {
    let mut ca_info = encode(0x06, &OID_CA_ECDH_AES_128);
    ca_info.extend(encode(0x02, &[0x02]));
    ca_info.extend(encode(0x02, &[0x01]));
    let mut pk_info = encode(0x06, &OID_PK_ECDH);
    pk_info.extend(ec_spki(ca_curve, ca_public));
    pk_info.extend(encode(0x02, &[0x01]));
    let mut infos = vec![encode(0x30, &ca_info), encode(0x30, &pk_info)];
    if let Some(p) = pace {
        infos.push(p.pace_info());
    }
    encode(0x6E, &der_set(infos))
}

/// The authentication token input: `7F49 { 06 oid, 86 point }` (TR-03110-3 §D.3.4).
pub(crate) fn token_input(oid: &[u8], point: &[u8]) -> Vec<u8> {
    let mut v = encode(0x06, oid);
    v.extend(encode(0x86, point));
    encode(0x7F49, &v)
}

/// AES secure-messaging keys established by PACE or CA.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct AesKeys {
    pub ks_enc: Vec<u8>,
    pub ks_mac: Vec<u8>,
}

/// Where the card is in PACE. Secret fields zeroize themselves on drop.
#[derive(Default)]
pub(crate) enum PaceStep {
    /// No PACE in progress.
    #[default]
    Idle,
    /// MSE:Set AT accepted: next is GENERAL AUTHENTICATE step 1.
    Selected {
        password: Password,
        k_pi: Zeroizing<Vec<u8>>,
    },
    /// Nonce sent: next is step 2 (mapping).
    Nonce {
        password: Password,
        s: Zeroizing<Vec<u8>>,
    },
    /// Generator mapped: next is step 3 (key agreement).
    Mapped {
        password: Password,
        generator: Vec<u8>,
    },
    /// Keys agreed: next is step 4 (mutual authentication).
    Agreed {
        password: Password,
        keys: AesKeys,
        pk_picc: Vec<u8>,
        pk_pcd: Vec<u8>,
    },
}

impl fmt::Debug for PaceStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            PaceStep::Idle => "Idle",
            PaceStep::Selected { .. } => "Selected",
            PaceStep::Nonce { .. } => "Nonce",
            PaceStep::Mapped { .. } => "Mapped",
            PaceStep::Agreed { .. } => "Agreed",
        };
        f.write_str(s)
    }
}

/// Fixed chip-side PACE randomness for worked examples: the nonce `s`, the mapping private key
/// and the ephemeral private key (big-endian, field size).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct FixedPace {
    pub nonce: Vec<u8>,
    pub map_sk: Vec<u8>,
    pub eph_sk: Vec<u8>,
}

/// The outcome of a card-side protocol step: response data (inside 7C) or a status word.
pub(crate) type StepResult = Result<Vec<u8>, u16>;

pub(crate) const SW_AUTH_FAILED: u16 = 0x6300;
pub(crate) const SW_WRONG_DATA: u16 = 0x6A80;
pub(crate) const SW_REF_NOT_FOUND: u16 = 0x6A88;

/// Parses MSE:Set AT for PACE (`80` OID, `83` password reference, optional `84` parameter id).
/// Returns the password asked for.
pub(crate) fn parse_mse_set_at_pace(cfg: &PaceConfig, data: &[u8]) -> Result<Password, u16> {
    let mut r = Reader::new(data);
    let mut oid = None;
    let mut pwd = None;
    let mut param = None;
    while !r.is_empty() {
        let t = r.read().map_err(|_| SW_WRONG_DATA)?;
        match t.tag {
            0x80 if oid.is_none() => oid = Some(t.value),
            0x83 if pwd.is_none() => pwd = Some(t.value),
            0x84 if param.is_none() => param = Some(t.value),
            // Optional DOs a terminal may add (CHAT 7F4C, auxiliary data 67): ignored.
            0x7F4C | 0x67 => {}
            _ => return Err(SW_WRONG_DATA),
        }
    }
    if oid != Some(cfg.oid().as_slice()) {
        return Err(SW_REF_NOT_FOUND);
    }
    if let Some(p) = param
        && p != [cfg.curve.parameter_id()]
    {
        return Err(SW_REF_NOT_FOUND);
    }
    match pwd {
        Some([r]) => Password::from_reference(*r).ok_or(SW_REF_NOT_FOUND),
        _ => Err(SW_WRONG_DATA),
    }
}

/// The single `7C { tag value }` object of a GENERAL AUTHENTICATE command, or an empty `7C` when
/// `tag` is `None`. `Err(6A80)` on anything else.
pub(crate) fn ga_object(data: &[u8], tag: Option<u32>) -> Result<Vec<u8>, u16> {
    let mut r = Reader::new(data);
    let outer = r.read().map_err(|_| SW_WRONG_DATA)?;
    if outer.tag != 0x7C || !r.is_empty() {
        return Err(SW_WRONG_DATA);
    }
    let mut inner = Reader::new(outer.value);
    match tag {
        None if outer.value.is_empty() => Ok(Vec::new()),
        None => Err(SW_WRONG_DATA),
        Some(tag) => {
            let t = inner.read().map_err(|_| SW_WRONG_DATA)?;
            if t.tag != tag || !inner.is_empty() {
                return Err(SW_WRONG_DATA);
            }
            Ok(t.value.to_vec())
        }
    }
}

/// K_pi = KDF(password, 3) (ICAO 9303-11 §9.7.3).
pub(crate) fn k_pi(password_bytes: &[u8], key_len: usize) -> Vec<u8> {
    crypto::kdf_aes(password_bytes, 3, key_len)
}

/// Step 1: the encrypted nonce z = AES-CBC(K_pi, IV 0, s).
pub(crate) fn encrypt_nonce(k_pi: &[u8], s: &[u8]) -> Option<Vec<u8>> {
    crypto::aes_cbc_encrypt(k_pi, &[0u8; 16], s)
}

/// Session keys from a shared secret (and, for CA v2, the nonce appended to it).
pub(crate) fn derive_keys(secret: &[u8], key_len: usize) -> AesKeys {
    AesKeys {
        ks_enc: crypto::kdf_aes(secret, 1, key_len),
        ks_mac: crypto::kdf_aes(secret, 2, key_len),
    }
}

/// The authentication token: CMAC(KS_mac, 7F49{06 oid, 86 point}) truncated to 8 bytes.
pub(crate) fn token(ks_mac: &[u8], oid: &[u8], point: &[u8]) -> Option<[u8; 8]> {
    crypto::aes_cmac8(ks_mac, &token_input(oid, point))
}

/// Step 2 (card side): from the terminal's mapping key, the mapped generator G'. `None` when the
/// key is invalid.
pub(crate) fn map(curve: Curve, s: &[u8], map_sk: &[u8], pk_map_pcd: &[u8]) -> Option<Vec<u8>> {
    curve.map_generator(s, map_sk, pk_map_pcd)
}

/// Step 3 (card side): the shared secret K from the terminal's ephemeral key. Rejects a terminal
/// key equal to the chip's own (ICAO 9303-11 §4.4.3.3: the chip MUST check it).
pub(crate) fn agree(
    curve: Curve,
    eph_sk: &[u8],
    pk_pcd: &[u8],
    pk_picc: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    if crypto::ct_eq(pk_pcd, pk_picc) {
        return None;
    }
    curve.shared_secret(eph_sk, pk_pcd).map(Zeroizing::new)
}
