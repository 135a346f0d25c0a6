//! Device keys: the platform's key store behind a trait, and a software one.
//!
//! This module owns the [`KeyStore`] contract (generate / public key / sign / delete /
//! attestation of P-256 signing keys under an alias) and its error type. Android Keystore
//! (StrongBox) and the iOS Secure Enclave implement the trait in Kotlin and Swift through the
//! bindings, so their private keys never enter Rust; [`software`] implements it in Rust for
//! desktop, servers and tests. It must not know about challenges, receipts or COSE: those
//! modules take a `&dyn KeyStore` and an alias. The wire format is in `docs/wire-format.md`.
//!
//! Threading: `sign` may show a biometric prompt, so it is called on a worker thread (never a
//! UI thread) and honours the [`CancelToken`]; a platform that cannot cancel its prompt returns
//! [`KeyStoreError::UserCancelled`] when the user dismisses it.

use crate::transport::CancelToken;

pub mod seal;
pub mod software;

pub use software::SoftwareKeyStore;

/// Options for a new key. A requirement that cannot be met is an error, never a downgrade.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyOptions {
    /// The key must live in dedicated hardware (StrongBox, Secure Enclave).
    pub hardware_required: bool,
    /// Each use of the key requires user authentication (biometric or device credential).
    pub user_authentication_required: bool,
}

/// A P-256 public key as SEC1 uncompressed bytes (65 bytes, `04 || x || y`), validated on the
/// curve when constructed.
#[derive(Clone, PartialEq, Eq)]
pub struct DevicePublicKey([u8; 65]);

impl DevicePublicKey {
    /// Accepts SEC1 compressed (33) or uncompressed (65) encodings of a valid P-256 point.
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, KeyStoreError> {
        let point = p256::PublicKey::from_sec1_bytes(bytes)
            .map_err(|_| KeyStoreError::Corrupted("public key is not a P-256 point"))?;
        let encoded = p256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&point, false);
        let raw: [u8; 65] = encoded
            .as_bytes()
            .try_into()
            .map_err(|_| KeyStoreError::Corrupted("public key encoding"))?;
        Ok(DevicePublicKey(raw))
    }

    /// The 65-byte uncompressed encoding.
    pub fn as_bytes(&self) -> &[u8; 65] {
        &self.0
    }
}

impl core::fmt::Debug for DevicePublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Public, but still a stable device identifier: print a short prefix only.
        write!(
            f,
            "DevicePublicKey({:02x}{:02x}{:02x}..)",
            self.0[1], self.0[2], self.0[3]
        )
    }
}

/// Why a key-store operation failed. Messages never contain key material or aliases' secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// No key under this alias.
    #[error("no key under this alias")]
    NotFound,
    /// A key already exists under this alias.
    #[error("a key already exists under this alias")]
    AlreadyExists,
    /// Hardware-backed storage was required and this device has none.
    #[error("hardware-backed key storage required but unavailable")]
    HardwareUnavailable,
    /// The key was invalidated (e.g. biometric enrolment changed): the citizen must re-enrol.
    #[error("key permanently invalidated; re-enrolment needed")]
    KeyInvalidated,
    /// The user dismissed the authentication prompt.
    #[error("user cancelled authentication")]
    UserCancelled,
    /// The caller cancelled the operation through its cancel token.
    #[error("operation cancelled")]
    Cancelled,
    /// User authentication failed or is required and was not given.
    #[error("user authentication failed")]
    AuthenticationFailed,
    /// The sealed blob does not open under this key (wrong key or tampered ciphertext).
    #[error("sealed key store does not open (wrong key or tampered data)")]
    SealBroken,
    /// Malformed stored data or a malformed value returned by the platform.
    #[error("corrupted key data: {0}")]
    Corrupted(&'static str),
    /// The store returned a well-formed signature that does not verify with the key's public
    /// key over the message: it hashed wrongly (e.g. `NONEwithECDSA` over the message, or a
    /// second SHA-256) or signed with another key. What it signed would be refused by every
    /// verifier, so it is not handed out.
    #[error("the key store's signature does not verify with the key's public key")]
    SignatureMismatch,
    /// Any other platform failure, with a short non-secret description.
    #[error("platform key store error: {0}")]
    Platform(String),
}

/// The platform's key store. Implementations must be safe to call from several threads.
pub trait KeyStore: Send + Sync {
    /// Creates a new P-256 signing key under `alias`.
    fn generate(&self, alias: &str, options: KeyOptions) -> Result<DevicePublicKey, KeyStoreError>;
    /// The public key stored under `alias`.
    fn public_key(&self, alias: &str) -> Result<DevicePublicKey, KeyStoreError>;
    /// Signs `message` with ECDSA P-256 / SHA-256 (the platform hashes) and returns the
    /// signature in DER (what Android and iOS return); callers convert with
    /// `cose::ecdsa_der_to_raw` and verify it with the key's public key before using it
    /// ([`KeyStoreError::SignatureMismatch`] otherwise).
    fn sign(
        &self,
        alias: &str,
        message: &[u8],
        cancel: &CancelToken,
    ) -> Result<Vec<u8>, KeyStoreError>;
    /// Deletes the key under `alias` (deleting a missing key is `NotFound`).
    fn delete(&self, alias: &str) -> Result<(), KeyStoreError>;
    /// The platform's attestation chain for the key (leaf first, DER certificates), bound to
    /// `challenge` where the platform supports it; empty when the platform has none.
    fn attestation(&self, alias: &str, challenge: &[u8]) -> Result<Vec<Vec<u8>>, KeyStoreError>;
}
