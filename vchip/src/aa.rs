//! Card side of Active Authentication (ICAO 9303-11 §6.1) with an ECDSA P-256 key: the
//! signature over the terminal's 8-byte challenge.
//!
//! This module owns only the signing operation (RustCrypto `p256`, deterministic RFC 6979
//! nonces, SHA-256 of the challenge, plain `r || s`). It must not use `monid-core`'s AA code.

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};

/// Signs `challenge` with the P-256 private scalar `key` (32 bytes, big-endian): ECDSA with
/// SHA-256, plain `r || s` (64 bytes). `None` when the key is invalid.
pub(crate) fn sign(key: &[u8], challenge: &[u8]) -> Option<Vec<u8>> {
    let sk = SigningKey::from_slice(key).ok()?;
    let sig: Signature = sk.try_sign(challenge).ok()?;
    Some(sig.to_bytes().to_vec())
}
