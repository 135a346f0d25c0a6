//! The Diffie-Hellman arms of the PACE terminal steps ([`super::terminal`]): mapping key,
//! generic and integrated mapping, ephemeral key and shared secret, with the values kept as
//! bytes between the typestate's steps.
//!
//! This module owns only the DH computations of a PACE run (ICAO 9303-11 §4.4.3.3, §4.4.3.4
//! with DH); the commands, the token, the KDF and the session are the terminal's, shared with
//! ECDH. The arithmetic is [`super::dh`]'s (constant-time in every secret exponent); nothing here
//! branches on a secret. Private keys travel as zeroized big-endian bytes at q's precision, the
//! mapped generator as bytes of p's length; both are re-read with the group at each step.

use zeroize::Zeroizing;

use super::dh::{DhError, DhGroup};
use super::params::DhGroupId;
use crate::crypto::SmCipher;
use crate::error::{ChipError, Error, Result};
use crate::rand::RandomSource;

fn dh_error(during: &'static str, e: DhError) -> Error {
    let malformed = |problem| Error::Chip(ChipError::MalformedResponse { during, problem });
    match e {
        DhError::Random => Error::Random,
        DhError::BadLength => malformed("DH public value length"),
        DhError::OutOfRange => malformed("DH public value out of range"),
        DhError::NotInSubgroup => malformed("DH public value not in the prime-order subgroup"),
        DhError::Degenerate(what) => malformed(what),
        DhError::Unsupported(what) => Error::Unsupported(what),
        DhError::BadPrivateKey => Error::Internal("pace: DH private key"),
        DhError::BadParameters(_) => Error::Internal("pace: DH parameters"),
    }
}

/// A key pair `(x, g^x)` in `group` (the base group or a mapped one), x drawn from `rng` in
/// [1, q-1]: the private key as bytes, the public value big-endian of p's length.
fn keypair(
    group: &DhGroup,
    rng: &mut dyn RandomSource,
    during: &'static str,
) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>)> {
    let kp = group
        .generate_keypair(rng)
        .map_err(|e| dh_error(during, e))?;
    Ok((kp.private.to_be_bytes(), kp.public))
}

/// Generic Mapping, first half: the terminal's mapping key pair `(x_Map, X_Map = g^x_Map)`.
pub(super) fn mapping_key(
    id: DhGroupId,
    rng: &mut dyn RandomSource,
    during: &'static str,
) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>)> {
    keypair(&id.group()?, rng, during)
}

/// Generic Mapping, second half: checks the chip's mapping key `Y_Map` differs from ours,
/// validates it (1 < Y < p-1, `Y^q = 1`, in [`DhGroup::map_generic`]), `h = Y_Map^x_Map`, and
/// returns `g' = g^s · h` (p's length).
pub(super) fn generic_generator(
    id: DhGroupId,
    s: &[u8],
    sk: &[u8],
    pk_pcd: &[u8],
    pk_picc: &[u8],
    during: &'static str,
) -> Result<Vec<u8>> {
    let group = id.group()?;
    let err = |e| dh_error(during, e);
    if strip(pk_picc) == strip(pk_pcd) {
        return Err(Error::Chip(ChipError::MalformedResponse {
            during,
            problem: "chip mapping key equals ours",
        }));
    }
    let x = group.private_key_from_be_bytes(sk).map_err(err)?;
    let mapped = group.map_generic(s, &x, pk_picc).map_err(err)?;
    Ok(mapped.generator())
}

/// Integrated Mapping: `g' = f_g(R_p(s, t))` (AES-128 only, [`DhGroup::map_integrated`]).
pub(super) fn integrated_generator(
    id: DhGroupId,
    cipher: SmCipher,
    s: &[u8],
    t: &[u8],
    during: &'static str,
) -> Result<Vec<u8>> {
    let mapped = id
        .group()?
        .map_integrated(s, t, cipher)
        .map_err(|e| dh_error(during, e))?;
    Ok(mapped.generator())
}

/// The terminal's ephemeral key pair on the mapped generator `g'`.
pub(super) fn ephemeral_key(
    id: DhGroupId,
    generator: &[u8],
    rng: &mut dyn RandomSource,
    during: &'static str,
) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>)> {
    let mapped = id
        .group()?
        .with_generator_bytes(generator)
        .map_err(|e| dh_error(during, e))?;
    keypair(&mapped, rng, during)
}

/// Key agreement: checks the chip's ephemeral key differs from ours, validates it (range and
/// subgroup, in [`DhGroup::shared_secret`]) and returns `K = Y_PICC^x mod p`, big-endian of p's length (the KDF input).
pub(super) fn shared_secret(
    id: DhGroupId,
    sk: &[u8],
    pk_pcd: &[u8],
    pk_picc: &[u8],
    during: &'static str,
) -> Result<Zeroizing<Vec<u8>>> {
    let group = id.group()?;
    let err = |e| dh_error(during, e);
    if strip(pk_picc) == strip(pk_pcd) {
        return Err(Error::Chip(ChipError::MalformedResponse {
            during,
            problem: "chip ephemeral key equals ours",
        }));
    }
    let x = group.private_key_from_be_bytes(sk).map_err(err)?;
    group.shared_secret(&x, pk_picc).map_err(err)
}

/// A public value without its leading zero bytes (the chip may send either length).
fn strip(mut b: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = b {
        b = rest;
    }
    b
}
