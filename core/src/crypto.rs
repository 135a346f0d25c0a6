//! Symmetric primitives of ICAO 9303-11 access control and secure messaging.
//!
//! This module owns the small cryptographic building blocks: DES key parity, ISO/IEC 9797-1
//! padding method 2, the key derivation function of 9303-11 §9.7.1, two-key 3DES-CBC with a zero
//! IV, the ISO/IEC 9797-1 MAC algorithm 3 (retail MAC), AES-CBC, single-block AES-ECB (for the SM
//! IV) and AES-CMAC. It wraps the RustCrypto crates and nothing else: it knows nothing of APDUs,
//! protocols or session state ([`crate::bac`] and [`crate::sm`] build on it) and never touches the
//! transport. Key material it derives is returned in [`Zeroizing`] buffers; the RustCrypto cipher
//! states are built with their `zeroize` features so round keys are wiped on drop. Errors never
//! carry key or data bytes, only what was wrong.

use aes::cipher::array::{Array, ArraySize};
use aes::cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit,
};
use cmac::Mac as _;
use sha1::Digest as _;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// The cipher suite of a secure-messaging session (ICAO 9303-11 §9.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SmCipher {
    /// Two-key 3DES-CBC with a zero IV and the ISO/IEC 9797-1 MAC algorithm 3 (BAC, PACE 3DES).
    Des3,
    /// AES-128-CBC with IV = E(K_enc, SSC) and AES-CMAC truncated to 8 bytes.
    Aes128,
    /// AES-192, as [`SmCipher::Aes128`].
    Aes192,
    /// AES-256, as [`SmCipher::Aes128`].
    Aes256,
}

impl SmCipher {
    /// Length of K_enc and K_mac in bytes (16 for 3DES two-key).
    pub fn key_len(self) -> usize {
        match self {
            SmCipher::Des3 | SmCipher::Aes128 => 16,
            SmCipher::Aes192 => 24,
            SmCipher::Aes256 => 32,
        }
    }

    /// Cipher block length in bytes: 8 for 3DES, 16 for AES. Also the SSC length.
    pub fn block_len(self) -> usize {
        match self {
            SmCipher::Des3 => 8,
            _ => 16,
        }
    }
}

/// Length of the secure-messaging MAC (DO'8E') and of the BAC cryptogram MAC.
pub const MAC_LEN: usize = 8;

const KEY_LEN_ERR: Error = Error::InvalidInput("crypto: key length does not fit the cipher");
const ALIGN_ERR: Error = Error::InvalidInput("crypto: data is not a multiple of the block size");
const IV_ERR: Error = Error::InvalidInput("crypto: IV length does not fit the cipher");

/// Sets the least significant bit of every byte so that each byte has odd parity (DES keys).
pub fn adjust_parity(key: &mut [u8]) {
    for b in key.iter_mut() {
        let upper = *b & 0xFE;
        *b = upper | u8::from(upper.count_ones() % 2 == 0);
    }
}

/// ISO/IEC 9797-1 padding method 2: appends 0x80 then zeros up to a multiple of `block`.
/// Always adds at least one byte. A `block` of 0 is treated as 1 (only 0x80 is appended).
pub fn pad(data: &[u8], block: usize) -> Vec<u8> {
    let block = block.max(1);
    let padded_len = (data.len() / block + 1).saturating_mul(block);
    let mut out = Vec::with_capacity(padded_len);
    out.extend_from_slice(data);
    out.push(0x80);
    out.resize(padded_len.max(out.len()), 0);
    out
}

/// Removes ISO/IEC 9797-1 padding method 2 (trailing zeros, then one 0x80). `None` when the data
/// does not end with such padding. Does not check block alignment.
pub fn unpad(data: &[u8]) -> Option<&[u8]> {
    let last_non_zero = data.iter().rposition(|&b| b != 0)?;
    let (head, tail) = data.split_at_checked(last_non_zero)?;
    match tail.first() {
        Some(0x80) => Some(head),
        _ => None,
    }
}

/// The key derivation function of ICAO 9303-11 §9.7.1: `H(shared || counter)` truncated to the
/// key length of `cipher`. SHA-1 for 3DES (16 bytes, DES parity adjusted) and AES-128; SHA-256 for
/// AES-192 (first 24 bytes) and AES-256. Counter 1 gives K_enc, 2 gives K_mac, 3 gives K_π.
pub fn kdf(shared: &[u8], counter: u32, cipher: SmCipher) -> Zeroizing<Vec<u8>> {
    let c = counter.to_be_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(32));
    match cipher {
        SmCipher::Des3 | SmCipher::Aes128 => {
            let mut h = sha1::Sha1::new();
            h.update(shared);
            h.update(c);
            let mut d = h.finalize();
            out.extend(d.iter().take(16));
            d.as_mut_slice().zeroize();
        }
        SmCipher::Aes192 | SmCipher::Aes256 => {
            let mut h = sha2::Sha256::new();
            h.update(shared);
            h.update(c);
            let mut d = h.finalize();
            out.extend(d.iter().take(cipher.key_len()));
            d.as_mut_slice().zeroize();
        }
    }
    if cipher == SmCipher::Des3 {
        adjust_parity(&mut out);
    }
    out
}

/// Splits `buf` into cipher blocks, or fails when its length is not a multiple of the block size.
fn blocks_mut<N: ArraySize>(buf: &mut [u8]) -> Result<&mut [Array<u8, N>]> {
    let (blocks, tail) = Array::<u8, N>::slice_as_chunks_mut(buf);
    if tail.is_empty() {
        Ok(blocks)
    } else {
        Err(ALIGN_ERR)
    }
}

fn cbc_encrypt<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>>
where
    C: BlockCipherEncrypt + KeyInit,
{
    let mut enc = cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(|_| KEY_LEN_ERR)?;
    let mut out = data.to_vec();
    let blocks = blocks_mut::<C::BlockSize>(&mut out)?;
    enc.encrypt_blocks(blocks);
    Ok(out)
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>>
where
    C: BlockCipherDecrypt + KeyInit,
{
    let mut dec = cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(|_| KEY_LEN_ERR)?;
    let mut out = Zeroizing::new(data.to_vec());
    let blocks = blocks_mut::<C::BlockSize>(&mut out)?;
    dec.decrypt_blocks(blocks);
    Ok(out)
}

/// Two-key 3DES (EDE, K1 || K2, 16 bytes) CBC encryption with a zero IV, no padding added:
/// `data` must already be a multiple of 8 bytes.
pub fn des3_cbc_encrypt(key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    if key.len() != 16 {
        return Err(KEY_LEN_ERR);
    }
    cbc_encrypt::<des::TdesEde2>(key, &[0u8; 8], data)
}

/// Two-key 3DES CBC decryption with a zero IV; padding is left in place (see [`unpad`]).
pub fn des3_cbc_decrypt(key: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if key.len() != 16 {
        return Err(KEY_LEN_ERR);
    }
    cbc_decrypt::<des::TdesEde2>(key, &[0u8; 8], data)
}

/// ISO/IEC 9797-1 MAC algorithm 3 with DES (retail MAC), key K || K' (16 bytes), over data that
/// is already padded to a multiple of 8 bytes.
pub fn retail_mac(key: &[u8], padded: &[u8]) -> Result<[u8; MAC_LEN]> {
    if !padded.len().is_multiple_of(8) {
        return Err(ALIGN_ERR);
    }
    let mut mac =
        retail_mac::RetailMac::<des::Des>::new_from_slice(key).map_err(|_| KEY_LEN_ERR)?;
    mac.update(padded);
    let tag = mac.finalize().into_bytes();
    let mut out = [0u8; MAC_LEN];
    out.copy_from_slice(tag.as_slice());
    Ok(out)
}

/// AES-CBC encryption (key of 16, 24 or 32 bytes, IV of 16 bytes), no padding added: `data` must
/// already be a multiple of 16 bytes.
pub fn aes_cbc_encrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    if iv.len() != 16 {
        return Err(IV_ERR);
    }
    match key.len() {
        16 => cbc_encrypt::<aes::Aes128>(key, iv, data),
        24 => cbc_encrypt::<aes::Aes192>(key, iv, data),
        32 => cbc_encrypt::<aes::Aes256>(key, iv, data),
        _ => Err(KEY_LEN_ERR),
    }
}

/// AES-CBC decryption; padding is left in place (see [`unpad`]).
pub fn aes_cbc_decrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if iv.len() != 16 {
        return Err(IV_ERR);
    }
    match key.len() {
        16 => cbc_decrypt::<aes::Aes128>(key, iv, data),
        24 => cbc_decrypt::<aes::Aes192>(key, iv, data),
        32 => cbc_decrypt::<aes::Aes256>(key, iv, data),
        _ => Err(KEY_LEN_ERR),
    }
}

fn ecb_block<C: BlockCipherEncrypt + KeyInit>(key: &[u8], block: &[u8; 16]) -> Result<[u8; 16]> {
    let c = C::new_from_slice(key).map_err(|_| KEY_LEN_ERR)?;
    let mut out = *block;
    let blocks = blocks_mut::<C::BlockSize>(&mut out)?;
    c.encrypt_blocks(blocks);
    Ok(out)
}

/// Encrypts one 16-byte block with AES (ECB), as for the secure-messaging IV `E(K_enc, SSC)`.
pub fn aes_ecb_encrypt_block(key: &[u8], block: &[u8; 16]) -> Result<[u8; 16]> {
    match key.len() {
        16 => ecb_block::<aes::Aes128>(key, block),
        24 => ecb_block::<aes::Aes192>(key, block),
        32 => ecb_block::<aes::Aes256>(key, block),
        _ => Err(KEY_LEN_ERR),
    }
}

fn cmac_full<C>(key: &[u8], data: &[u8]) -> Result<[u8; 16]>
where
    cmac::Cmac<C>: KeyInit + cmac::Mac,
    C: cmac::block_api::CmacCipher,
{
    let mut mac = <cmac::Cmac<C> as KeyInit>::new_from_slice(key).map_err(|_| KEY_LEN_ERR)?;
    mac.update(data);
    let tag = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    if tag.len() != out.len() {
        return Err(Error::Internal("crypto: CMAC tag length"));
    }
    out.copy_from_slice(tag.as_slice());
    Ok(out)
}

/// Full 16-byte AES-CMAC (NIST SP 800-38B) with a key of 16, 24 or 32 bytes. CMAC pads
/// internally; secure messaging passes data already padded with [`pad`].
pub fn aes_cmac(key: &[u8], data: &[u8]) -> Result<[u8; 16]> {
    match key.len() {
        16 => cmac_full::<aes::Aes128>(key, data),
        24 => cmac_full::<aes::Aes192>(key, data),
        32 => cmac_full::<aes::Aes256>(key, data),
        _ => Err(KEY_LEN_ERR),
    }
}

/// AES-CMAC truncated to its first 8 bytes, as secure messaging and PACE use it.
pub fn aes_cmac8(key: &[u8], data: &[u8]) -> Result<[u8; MAC_LEN]> {
    let full = aes_cmac(key, data)?;
    let mut out = [0u8; MAC_LEN];
    for (o, f) in out.iter_mut().zip(full.iter()) {
        *o = *f;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn parity_is_odd_on_every_byte() {
        let mut k = h("AB94FCEDF2664EDFB9B291F85D7F77F2");
        adjust_parity(&mut k);
        assert_eq!(k, h("AB94FDECF2674FDFB9B391F85D7F76F2"));
        let mut all: Vec<u8> = (0..=255u8).collect();
        adjust_parity(&mut all);
        assert!(all.iter().all(|b| b.count_ones() % 2 == 1));
        adjust_parity(&mut []);
    }

    #[test]
    fn pads_and_unpads() {
        assert_eq!(pad(&[], 8), h("8000000000000000"));
        assert_eq!(pad(&[1; 7], 8), h("0101010101010180"));
        assert_eq!(pad(&[1; 8], 8).len(), 16);
        assert_eq!(pad(&[1; 3], 16).len(), 16);
        assert_eq!(pad(&[1; 3], 0), h("01010180"));
        for n in 0..40 {
            let d: Vec<u8> = (0..n).map(|i| i as u8).collect();
            assert_eq!(unpad(&pad(&d, 8)), Some(&d[..]));
            assert_eq!(unpad(&pad(&d, 16)), Some(&d[..]));
        }
        assert_eq!(unpad(&[]), None);
        assert_eq!(unpad(&[0, 0, 0]), None);
        assert_eq!(unpad(&[1, 2, 0x81, 0]), None);
        assert_eq!(unpad(&[0x80]), Some(&[][..]));
        assert_eq!(unpad(&[0x80, 0x80, 0]), Some(&[0x80][..]));
    }

    #[test]
    fn kdf_lengths_and_bac_vector() {
        // ICAO 9303-11 Appendix D.2 (K_seed from the MRZ of L898902C<).
        let seed = h("239AB9CB282DAF66231DC5A4DF6BFBAE");
        assert_eq!(
            *kdf(&seed, 1, SmCipher::Des3),
            h("AB94FDECF2674FDFB9B391F85D7F76F2")
        );
        assert_eq!(
            *kdf(&seed, 2, SmCipher::Des3),
            h("7962D9ECE03D1ACD4C76089DCE131543")
        );
        assert_eq!(
            *kdf(&seed, 1, SmCipher::Aes128),
            h("AB94FCEDF2664EDFB9B291F85D7F77F2")
        );
        assert_eq!(kdf(&seed, 1, SmCipher::Aes192).len(), 24);
        assert_eq!(kdf(&seed, 1, SmCipher::Aes256).len(), 32);
        assert_eq!(
            kdf(&seed, 1, SmCipher::Aes256)[..24],
            kdf(&seed, 1, SmCipher::Aes192)[..]
        );
    }

    #[test]
    fn wrong_lengths_are_errors_not_panics() {
        assert!(des3_cbc_encrypt(&[0; 15], &[0; 8]).is_err());
        assert!(des3_cbc_encrypt(&[0; 16], &[0; 7]).is_err());
        assert!(des3_cbc_decrypt(&[0; 16], &[0; 9]).is_err());
        assert!(retail_mac(&[0; 16], &[0; 9]).is_err());
        assert!(retail_mac(&[0; 8], &[0; 8]).is_err());
        assert!(aes_cbc_encrypt(&[0; 17], &[0; 16], &[0; 16]).is_err());
        assert!(aes_cbc_encrypt(&[0; 16], &[0; 8], &[0; 16]).is_err());
        assert!(aes_cbc_decrypt(&[0; 16], &[0; 16], &[0; 15]).is_err());
        assert!(aes_ecb_encrypt_block(&[0; 8], &[0; 16]).is_err());
        assert!(aes_cmac(&[0; 20], b"").is_err());
        assert_eq!(des3_cbc_encrypt(&[0; 16], &[]).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn fips197_aes_block() {
        // FIPS-197 Appendix C.1 / C.3.
        let pt: [u8; 16] = h("00112233445566778899aabbccddeeff").try_into().unwrap();
        assert_eq!(
            aes_ecb_encrypt_block(&h("000102030405060708090a0b0c0d0e0f"), &pt).unwrap()[..],
            h("69c4e0d86a7b0430d8cdb78070b4c55a")
        );
        let k256 = h("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        assert_eq!(
            aes_ecb_encrypt_block(&k256, &pt).unwrap()[..],
            h("8ea2b7ca516745bfeafc49904b496089")
        );
    }

    #[test]
    fn cbc_round_trips() {
        let key = h("0123456789ABCDEFFEDCBA9876543210");
        let data = pad(b"Now is the time for all ", 8);
        let ct = des3_cbc_encrypt(&key, &data).unwrap();
        assert_eq!(*des3_cbc_decrypt(&key, &ct).unwrap(), data);
        let iv = [7u8; 16];
        for k in [16usize, 24, 32] {
            let key = vec![0x42; k];
            let data = pad(b"hello world! this is my plaintext.", 16);
            let ct = aes_cbc_encrypt(&key, &iv, &data).unwrap();
            assert_eq!(*aes_cbc_decrypt(&key, &iv, &ct).unwrap(), data);
        }
    }

    #[test]
    fn retail_mac_iso9797_b4() {
        // ISO/IEC 9797-1:2011 B.4 (as in the retail-mac crate documentation): the message is
        // already a multiple of 8 bytes, padding method 1 adds nothing.
        let key = h("0123456789ABCDEFFEDCBA9876543210");
        assert_eq!(
            retail_mac(&key, b"Now is the time for all ").unwrap()[..],
            h("A1C72E74EA3FA9B6")
        );
    }
}
