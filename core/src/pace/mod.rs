//! PACE (Password Authenticated Connection Establishment, ICAO 9303-11 §4.4, BSI TR-03110):
//! the terminal side, being written.
//!
//! This module tree owns EF.CardAccess parsing, the standardized domain parameters, the
//! mappings (generic, integrated, chip authentication mapping) and the PACE protocol steps that
//! end in a secure-messaging session. Secret-scalar arithmetic uses constant-time crate
//! implementations only (RustCrypto curves, crypto-bigint's constant-time modular
//! exponentiation); the generic verifier in `pki::ec` must never be used here.

pub mod dh;
mod dh_steps;
pub mod ec;
pub mod info;
pub mod params;
pub mod terminal;
