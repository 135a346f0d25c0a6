//! The card side's own cryptography: 3DES-CBC, retail MAC, AES-CBC, AES-CMAC, ISO 9797-1 padding
//! and the ICAO 9303 key derivation functions, built directly on RustCrypto.
//!
//! This module owns the primitives the virtual chip needs for BAC, PACE, Chip Authentication and
//! 3DES / AES secure messaging. It is
//! deliberately independent of `monid-core`'s crypto, BAC and SM modules (it must not use them) so
//! that the terminal is never tested only against itself.

use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use des::TdesEde2;
use retail_mac::{KeyInit, Mac, RetailMac};
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

type TdesCbcEnc = cbc::Encryptor<TdesEde2>;
type TdesCbcDec = cbc::Decryptor<TdesEde2>;

/// DES block length.
pub(crate) const BLOCK: usize = 8;

/// ISO/IEC 9797-1 padding method 2: 80 then zeros up to a multiple of 8.
pub(crate) fn pad(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + BLOCK);
    out.extend_from_slice(data);
    out.push(0x80);
    while !out.len().is_multiple_of(BLOCK) {
        out.push(0);
    }
    out
}

/// ISO/IEC 9797-1 padding method 2 to a multiple of `block` bytes (8 for 3DES, 16 for AES).
pub(crate) fn pad_to(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + block);
    out.extend_from_slice(data);
    out.push(0x80);
    while !out.len().is_multiple_of(block.max(1)) {
        out.push(0);
    }
    out
}

/// Removes ISO/IEC 9797-1 padding method 2. `None` when the padding is malformed.
#[cfg(test)]
pub(crate) fn unpad(data: &[u8]) -> Option<&[u8]> {
    unpad_from(data, BLOCK)
}

/// Removes ISO/IEC 9797-1 padding method 2 added for `block`-byte blocks.
pub(crate) fn unpad_from(data: &[u8], block: usize) -> Option<&[u8]> {
    let pos = data.iter().rposition(|&b| b != 0)?;
    if data.get(pos) != Some(&0x80) || data.len() - pos > block {
        return None;
    }
    data.get(..pos)
}

/// 2-key 3DES-CBC encryption with a zero IV. `None` unless `data` is block aligned.
pub(crate) fn tdes_encrypt(key: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    if !data.len().is_multiple_of(BLOCK) {
        return None;
    }
    let mut enc = TdesCbcEnc::new_from_slices(key, &[0u8; BLOCK]).ok()?;
    let mut out = data.to_vec();
    for chunk in out.chunks_exact_mut(BLOCK) {
        let block = chunk.try_into().ok()?;
        enc.encrypt_block(block);
    }
    Some(out)
}

/// 2-key 3DES-CBC decryption with a zero IV. `None` unless `data` is block aligned.
pub(crate) fn tdes_decrypt(key: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    if !data.len().is_multiple_of(BLOCK) {
        return None;
    }
    let mut dec = TdesCbcDec::new_from_slices(key, &[0u8; BLOCK]).ok()?;
    let mut out = data.to_vec();
    for chunk in out.chunks_exact_mut(BLOCK) {
        let block = chunk.try_into().ok()?;
        dec.decrypt_block(block);
    }
    Some(out)
}

/// ISO/IEC 9797-1 MAC algorithm 3 (retail MAC, single DES with a final 3DES) over `data`, which
/// the caller has already padded (method 2). `None` if the key is rejected.
pub(crate) fn retail_mac(key: &[u8; 16], data: &[u8]) -> Option<[u8; 8]> {
    let mut mac = RetailMac::<des::Des>::new_from_slice(key).ok()?;
    mac.update(data);
    let out = mac.finalize().into_bytes();
    out.as_slice().try_into().ok()
}

/// Constant-time equality of two MACs or cryptograms.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Sets odd parity on each byte of a DES key.
fn adjust_parity(key: &mut [u8; 16]) {
    for b in key.iter_mut() {
        let ones = (*b & 0xFE).count_ones();
        *b = (*b & 0xFE) | u8::from(ones % 2 == 0);
    }
}

/// ICAO 9303-11 §9.7.1 key derivation for 3DES: the first 16 bytes of SHA-1(seed || counter),
/// with DES parity adjusted. `counter` is 1 for K_enc and 2 for K_mac.
pub(crate) fn kdf(seed: &[u8; 16], counter: u32) -> [u8; 16] {
    let mut h = Sha1::new();
    h.update(seed);
    h.update(counter.to_be_bytes());
    let mut digest = h.finalize();
    let mut key = [0u8; 16];
    for (k, d) in key.iter_mut().zip(digest.iter()) {
        *k = *d;
    }
    digest.as_mut_slice().zeroize();
    adjust_parity(&mut key);
    key
}

/// The BAC key seed: SHA-1 of the MRZ information (document number, date of birth and date of
/// expiry, each followed by its check digit), first 16 bytes.
pub(crate) fn bac_key_seed(mrz_information: &[u8]) -> [u8; 16] {
    let mut digest = Sha1::digest(mrz_information);
    let mut seed = [0u8; 16];
    for (s, d) in seed.iter_mut().zip(digest.iter()) {
        *s = *d;
    }
    digest.as_mut_slice().zeroize();
    seed
}

/// AES block length.
pub(crate) const AES_BLOCK: usize = 16;

macro_rules! with_aes {
    ($key:expr, $cipher:ident => $body:expr) => {
        match $key.len() {
            16 => {
                type $cipher = aes::Aes128;
                $body
            }
            24 => {
                type $cipher = aes::Aes192;
                $body
            }
            32 => {
                type $cipher = aes::Aes256;
                $body
            }
            _ => None,
        }
    };
}

/// AES-CBC encryption (key of 16, 24 or 32 bytes). `None` unless `data` is block aligned.
pub(crate) fn aes_cbc_encrypt(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    if !data.len().is_multiple_of(AES_BLOCK) {
        return None;
    }
    with_aes!(key, A => {
        let mut enc = cbc::Encryptor::<A>::new_from_slices(key, iv).ok()?;
        let mut out = data.to_vec();
        for chunk in out.chunks_exact_mut(AES_BLOCK) {
            enc.encrypt_block(chunk.try_into().ok()?);
        }
        Some(out)
    })
}

/// AES-CBC decryption (key of 16, 24 or 32 bytes). `None` unless `data` is block aligned.
pub(crate) fn aes_cbc_decrypt(key: &[u8], iv: &[u8; 16], data: &[u8]) -> Option<Vec<u8>> {
    if !data.len().is_multiple_of(AES_BLOCK) {
        return None;
    }
    with_aes!(key, A => {
        let mut dec = cbc::Decryptor::<A>::new_from_slices(key, iv).ok()?;
        let mut out = data.to_vec();
        for chunk in out.chunks_exact_mut(AES_BLOCK) {
            dec.decrypt_block(chunk.try_into().ok()?);
        }
        Some(out)
    })
}

/// AES-CMAC (NIST SP 800-38B) of `data`, truncated to 8 bytes (TR-03110-3 / ICAO 9303-11 §9.8:
/// the MAC is the first 8 bytes). The caller pads when the protocol says so.
pub(crate) fn aes_cmac8(key: &[u8], data: &[u8]) -> Option<[u8; 8]> {
    with_aes!(key, A => {
        let mut mac = <cmac::Cmac<A> as cmac::KeyInit>::new_from_slice(key).ok()?;
        cmac::Mac::update(&mut mac, data);
        let full = cmac::Mac::finalize(mac).into_bytes();
        full.get(..8)?.try_into().ok()
    })
}

/// ICAO 9303-11 §9.7.1 key derivation for AES: SHA-1(secret || counter) truncated to 16 bytes for
/// AES-128, SHA-256(secret || counter) truncated to 24 or 32 bytes for AES-192/256. `counter`:
/// 1 = KS_enc, 2 = KS_mac, 3 = K_pi.
pub(crate) fn kdf_aes(secret: &[u8], counter: u32, key_len: usize) -> Vec<u8> {
    let mut out = if key_len == 16 {
        let mut h = Sha1::new();
        h.update(secret);
        h.update(counter.to_be_bytes());
        h.finalize().to_vec()
    } else {
        let mut h = sha2::Sha256::new();
        h.update(secret);
        h.update(counter.to_be_bytes());
        h.finalize().to_vec()
    };
    let mut key = out.get(..key_len).unwrap_or(&[]).to_vec();
    out.zeroize();
    if key.len() != key_len {
        key.zeroize();
        key.clear();
    }
    key
}

/// ICAO 9303-11 §9.7.1 key derivation for 3DES from a secret of any length (PACE): the first 16
/// bytes of SHA-1(secret || counter), DES parity adjusted.
pub(crate) fn kdf_tdes(secret: &[u8], counter: u32) -> Vec<u8> {
    let mut h = Sha1::new();
    h.update(secret);
    h.update(counter.to_be_bytes());
    let mut digest = h.finalize();
    let mut key = [0u8; 16];
    for (k, d) in key.iter_mut().zip(digest.iter()) {
        *k = *d;
    }
    digest.as_mut_slice().zeroize();
    adjust_parity(&mut key);
    let out = key.to_vec();
    key.zeroize();
    out
}

/// SHA-1 of `data` (the PACE MRZ password is SHA-1 of the MRZ information).
pub(crate) fn sha1(data: &[u8]) -> Vec<u8> {
    Sha1::digest(data).to_vec()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn padding_round_trips() {
        assert_eq!(pad(&[]), [0x80, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(pad(&[1; 8]).len(), 16);
        assert_eq!(unpad(&pad(&[1, 2, 3])).unwrap(), [1, 2, 3]);
        assert!(unpad(&[0; 8]).is_none());
        assert!(unpad(&[1, 0, 0]).is_none());
    }

    #[test]
    fn kdf_matches_appendix_d1() {
        // ICAO 9303-11 Appendix D.1 (also checked from the JSON copy in tests/).
        let seed = bac_key_seed(b"L898902C<369080619406236");
        assert_eq!(
            seed,
            [
                0x23, 0x9A, 0xB9, 0xCB, 0x28, 0x2D, 0xAF, 0x66, 0x23, 0x1D, 0xC5, 0xA4, 0xDF, 0x6B,
                0xFB, 0xAE
            ]
        );
        let k_enc = kdf(&seed, 1);
        assert_eq!(
            k_enc,
            [
                0xAB, 0x94, 0xFD, 0xEC, 0xF2, 0x67, 0x4F, 0xDF, 0xB9, 0xB3, 0x91, 0xF8, 0x5D, 0x7F,
                0x76, 0xF2
            ]
        );
        let data = pad(b"0123456789");
        let c = tdes_encrypt(&k_enc, &data).unwrap();
        assert_eq!(tdes_decrypt(&k_enc, &c).unwrap(), data);
    }
}
