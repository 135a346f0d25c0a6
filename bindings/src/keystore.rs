//! Device keys across the FFI: the foreign trait [`DeviceKeyStore`] (Android Keystore /
//! StrongBox in Kotlin, the Secure Enclave in Swift, test doubles) and the Rust
//! [`SoftwareKeyStore`] for desktops, servers and tests.
//!
//! This module owns the mapping between what a platform key store throws ([`DeviceKeyError`])
//! and the core's `keys::KeyStoreError`, and the adapter that lets the core's receipt code sign
//! through a foreign store. Private keys of a platform store never enter Rust: the trait only
//! moves public keys (SEC1), messages and DER signatures. It must not know about challenges or
//! receipts.
//!
//! Threading: `sign` may show a biometric prompt and blocks until the user answers, so the core
//! calls it on the thread that builds the receipt, which the Kotlin and Swift shells keep off
//! the UI thread. The core's cancellation is checked before and after the call; a platform that
//! can cancel its prompt should throw `Cancelled` / `UserCancelled` itself.

use std::sync::Arc;

use monid_core::CancelToken;
use monid_core::keys::{self as core_keys, DevicePublicKey, KeyStore as _};
use zeroize::Zeroizing;

use crate::error::{exception_type, short};

/// Options for a new device key (Kotlin `DeviceKeyOptions`). A requirement the store cannot
/// meet is an error (`HardwareUnavailable`), never a silent downgrade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceKeyOptions {
    /// The key must live in dedicated hardware (StrongBox, Secure Enclave).
    pub hardware_required: bool,
    /// Each use of the key requires user authentication (biometric or device credential).
    pub user_authentication_required: bool,
}

impl From<DeviceKeyOptions> for core_keys::KeyOptions {
    fn from(o: DeviceKeyOptions) -> Self {
        core_keys::KeyOptions {
            hardware_required: o.hardware_required,
            user_authentication_required: o.user_authentication_required,
        }
    }
}

impl From<core_keys::KeyOptions> for DeviceKeyOptions {
    fn from(o: core_keys::KeyOptions) -> Self {
        DeviceKeyOptions {
            hardware_required: o.hardware_required,
            user_authentication_required: o.user_authentication_required,
        }
    }
}

/// What a key store may throw (Kotlin `DeviceKeyException`, Swift `DeviceKeyError`). Messages
/// never contain key material. Anything else a foreign store throws arrives as
/// [`DeviceKeyError::Unexpected`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum DeviceKeyError {
    /// No key under this alias.
    #[error("no key under this alias")]
    NotFound,
    /// A key already exists under this alias.
    #[error("a key already exists under this alias")]
    AlreadyExists,
    /// Hardware-backed storage (or user authentication) was required and is unavailable.
    #[error("hardware-backed key storage required but unavailable")]
    HardwareUnavailable,
    /// The key was permanently invalidated (Android `KeyPermanentlyInvalidatedException`, a
    /// changed biometric enrolment on iOS): the citizen must enrol again.
    #[error("key permanently invalidated; re-enrolment needed")]
    KeyInvalidated,
    /// The user dismissed the authentication prompt.
    #[error("user cancelled authentication")]
    UserCancelled,
    /// The operation was cancelled.
    #[error("operation cancelled")]
    Cancelled,
    /// User authentication failed or was required and not given.
    #[error("user authentication failed")]
    AuthenticationFailed,
    /// A sealed software key store does not open under this key (wrong key or tampered).
    #[error("sealed key store does not open (wrong key or tampered data)")]
    SealBroken,
    /// Malformed stored data or a malformed value returned by the platform.
    #[error("corrupted key data: {reason}")]
    Corrupted {
        /// What was malformed (no values).
        reason: String,
    },
    /// Any other platform failure, with a short non-secret description.
    #[error("platform key store error: {reason}")]
    Platform {
        /// What failed.
        reason: String,
    },
    /// The key store threw an exception it does not declare (a bug in the app's store).
    #[error("key store callback failed unexpectedly: {reason}")]
    Unexpected {
        /// The foreign exception's type name (`exception_type`); never its message.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for DeviceKeyError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        DeviceKeyError::Unexpected {
            reason: exception_type(&e.reason),
        }
    }
}

impl From<core_keys::KeyStoreError> for DeviceKeyError {
    fn from(e: core_keys::KeyStoreError) -> Self {
        use core_keys::KeyStoreError as K;
        match e {
            K::NotFound => DeviceKeyError::NotFound,
            K::AlreadyExists => DeviceKeyError::AlreadyExists,
            K::HardwareUnavailable => DeviceKeyError::HardwareUnavailable,
            K::KeyInvalidated => DeviceKeyError::KeyInvalidated,
            K::UserCancelled => DeviceKeyError::UserCancelled,
            K::Cancelled => DeviceKeyError::Cancelled,
            K::AuthenticationFailed => DeviceKeyError::AuthenticationFailed,
            K::SealBroken => DeviceKeyError::SealBroken,
            K::Corrupted(w) => DeviceKeyError::Corrupted { reason: w.into() },
            K::SignatureMismatch => DeviceKeyError::Corrupted {
                reason: K::SignatureMismatch.to_string(),
            },
            K::Platform(w) => DeviceKeyError::Platform { reason: short(&w) },
        }
    }
}

impl From<DeviceKeyError> for core_keys::KeyStoreError {
    fn from(e: DeviceKeyError) -> Self {
        use core_keys::KeyStoreError as K;
        match e {
            DeviceKeyError::NotFound => K::NotFound,
            DeviceKeyError::AlreadyExists => K::AlreadyExists,
            DeviceKeyError::HardwareUnavailable => K::HardwareUnavailable,
            DeviceKeyError::KeyInvalidated => K::KeyInvalidated,
            DeviceKeyError::UserCancelled => K::UserCancelled,
            DeviceKeyError::Cancelled => K::Cancelled,
            DeviceKeyError::AuthenticationFailed => K::AuthenticationFailed,
            DeviceKeyError::SealBroken => K::SealBroken,
            DeviceKeyError::Corrupted { .. } => {
                K::Corrupted("the platform key store returned malformed data")
            }
            DeviceKeyError::Platform { reason } => K::Platform(short(&reason)),
            DeviceKeyError::Unexpected { reason } => K::Platform(format!(
                "key store callback failed unexpectedly: {}",
                exception_type(&reason)
            )),
        }
    }
}

/// The platform's store of P-256 signing keys (Android Keystore / StrongBox, iOS Secure
/// Enclave, [`SoftwareKeyStore`], test doubles). Must be safe to call from several threads.
///
/// `sign` is called on a worker thread (never the UI thread) and may show a biometric prompt.
/// Throw `DeviceKeyException.KeyInvalidated` when the platform says the key was permanently
/// invalidated. Anything undeclared thrown is caught and reported, never a crash.
#[uniffi::export(with_foreign)]
pub trait DeviceKeyStore: Send + Sync {
    /// Creates a new P-256 signing key under `alias`; returns its public key as SEC1 bytes
    /// (uncompressed 65 bytes `04 || x || y`, or compressed 33).
    fn generate(&self, alias: String, options: DeviceKeyOptions)
    -> Result<Vec<u8>, DeviceKeyError>;
    /// The public key stored under `alias` (SEC1 bytes).
    fn public_key(&self, alias: String) -> Result<Vec<u8>, DeviceKeyError>;
    /// ECDSA P-256 with SHA-256 over `message` (the store hashes); the signature in DER (what
    /// `java.security.Signature` and `SecKeyCreateSignature` return).
    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, DeviceKeyError>;
    /// Deletes the key under `alias` (a missing key is `NotFound`).
    fn delete(&self, alias: String) -> Result<(), DeviceKeyError>;
    /// The platform's attestation chain for the key (leaf first, DER certificates), bound to
    /// `challenge` where the platform supports it; empty when it has none.
    fn attestation(
        &self,
        alias: String,
        challenge: Vec<u8>,
    ) -> Result<Vec<Vec<u8>>, DeviceKeyError>;
}

/// Adapts a foreign (or Rust) [`DeviceKeyStore`] to the core's `KeyStore`, validating what it
/// returns: public keys must be P-256 points; the core checks DER signatures when it converts
/// them and verifies them with the key's public key (`SignatureMismatch`, a `KeyStore` receipt
/// error, when a store hashes wrongly).
pub(crate) struct Adapter(pub(crate) Arc<dyn DeviceKeyStore>);

impl Adapter {
    fn point(
        bytes: Result<Vec<u8>, DeviceKeyError>,
    ) -> Result<DevicePublicKey, core_keys::KeyStoreError> {
        let bytes = bytes.map_err(core_keys::KeyStoreError::from)?;
        DevicePublicKey::from_sec1(&bytes)
    }
}

impl core_keys::KeyStore for Adapter {
    fn generate(
        &self,
        alias: &str,
        options: core_keys::KeyOptions,
    ) -> Result<DevicePublicKey, core_keys::KeyStoreError> {
        Self::point(self.0.generate(alias.to_owned(), options.into()))
    }

    fn public_key(&self, alias: &str) -> Result<DevicePublicKey, core_keys::KeyStoreError> {
        Self::point(self.0.public_key(alias.to_owned()))
    }

    fn sign(
        &self,
        alias: &str,
        message: &[u8],
        cancel: &CancelToken,
    ) -> Result<Vec<u8>, core_keys::KeyStoreError> {
        if cancel.is_cancelled() {
            return Err(core_keys::KeyStoreError::Cancelled);
        }
        let signature = self
            .0
            .sign(alias.to_owned(), message.to_vec())
            .map_err(core_keys::KeyStoreError::from)?;
        if cancel.is_cancelled() {
            return Err(core_keys::KeyStoreError::Cancelled);
        }
        Ok(signature)
    }

    fn delete(&self, alias: &str) -> Result<(), core_keys::KeyStoreError> {
        self.0.delete(alias.to_owned()).map_err(Into::into)
    }

    fn attestation(
        &self,
        alias: &str,
        challenge: &[u8],
    ) -> Result<Vec<Vec<u8>>, core_keys::KeyStoreError> {
        self.0
            .attestation(alias.to_owned(), challenge.to_vec())
            .map_err(Into::into)
    }
}

/// A key store in process memory (P-256, RFC 6979 signatures, zeroized scalars), for
/// desktops, servers and tests. It refuses `hardwareRequired` and
/// `userAuthenticationRequired` instead of downgrading. Persist it with [`Self::seal`] and
/// [`Self::open`] (AES-256-GCM under a 32-byte key the app keeps in the platform's keychain).
#[derive(Debug, uniffi::Object)]
pub struct SoftwareKeyStore {
    inner: core_keys::SoftwareKeyStore,
}

#[uniffi::export]
impl SoftwareKeyStore {
    /// An empty store.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(SoftwareKeyStore {
            inner: core_keys::SoftwareKeyStore::new(),
        })
    }

    /// Opens a blob made by [`Self::seal`] with the same 32-byte key.
    #[uniffi::constructor]
    pub fn open(sealed: Vec<u8>, seal_key: Vec<u8>) -> Result<Arc<Self>, DeviceKeyError> {
        let key = seal_key_of(seal_key)?;
        let inner = core_keys::SoftwareKeyStore::open(&sealed, &key)?;
        Ok(Arc::new(SoftwareKeyStore { inner }))
    }

    /// The store's keys encrypted under a 32-byte key (AES-256-GCM; see docs/wire-format.md).
    pub fn seal(&self, seal_key: Vec<u8>) -> Result<Vec<u8>, DeviceKeyError> {
        let key = seal_key_of(seal_key)?;
        let mut rng = monid_core::rand::SystemRandom;
        Ok(self.inner.seal(&key, &mut rng)?)
    }

    /// The aliases in the store, sorted.
    pub fn aliases(&self) -> Vec<String> {
        self.inner.aliases()
    }

    /// This store as a [`DeviceKeyStore`], to hand to receipt building.
    pub fn as_device_key_store(self: Arc<Self>) -> Arc<dyn DeviceKeyStore> {
        self
    }
}

/// A 32-byte sealing key from the platform's bytes (the caller's copy is wiped here); `None`
/// for any other length. Shared by the key store's and the enrolment's sealing.
pub(crate) fn seal_key(bytes: Vec<u8>) -> Option<Zeroizing<[u8; 32]>> {
    let bytes = Zeroizing::new(bytes);
    let mut key = Zeroizing::new([0u8; 32]);
    if bytes.len() != key.len() {
        return None;
    }
    key.copy_from_slice(&bytes);
    Some(key)
}

fn seal_key_of(bytes: Vec<u8>) -> Result<Zeroizing<[u8; 32]>, DeviceKeyError> {
    seal_key(bytes).ok_or(DeviceKeyError::Corrupted {
        reason: "seal key must be 32 bytes".into(),
    })
}

impl DeviceKeyStore for SoftwareKeyStore {
    fn generate(
        &self,
        alias: String,
        options: DeviceKeyOptions,
    ) -> Result<Vec<u8>, DeviceKeyError> {
        Ok(self
            .inner
            .generate(&alias, options.into())?
            .as_bytes()
            .to_vec())
    }

    fn public_key(&self, alias: String) -> Result<Vec<u8>, DeviceKeyError> {
        Ok(self.inner.public_key(&alias)?.as_bytes().to_vec())
    }

    fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, DeviceKeyError> {
        Ok(self.inner.sign(&alias, &message, &CancelToken::new())?)
    }

    fn delete(&self, alias: String) -> Result<(), DeviceKeyError> {
        Ok(self.inner.delete(&alias)?)
    }

    fn attestation(
        &self,
        alias: String,
        challenge: Vec<u8>,
    ) -> Result<Vec<Vec<u8>>, DeviceKeyError> {
        Ok(self.inner.attestation(&alias, &challenge)?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    struct Throwing;
    impl DeviceKeyStore for Throwing {
        fn generate(&self, _: String, _: DeviceKeyOptions) -> Result<Vec<u8>, DeviceKeyError> {
            Ok(vec![4; 65])
        }
        fn public_key(&self, _: String) -> Result<Vec<u8>, DeviceKeyError> {
            Err(DeviceKeyError::KeyInvalidated)
        }
        fn sign(&self, _: String, _: Vec<u8>) -> Result<Vec<u8>, DeviceKeyError> {
            Err(
                uniffi::UnexpectedUniFFICallbackError::new("java.lang.IllegalStateException: boom")
                    .into(),
            )
        }
        fn delete(&self, _: String) -> Result<(), DeviceKeyError> {
            Ok(())
        }
        fn attestation(&self, _: String, _: Vec<u8>) -> Result<Vec<Vec<u8>>, DeviceKeyError> {
            Ok(Vec::new())
        }
    }

    #[test]
    fn adapter_validates_and_maps() {
        let a = Adapter(Arc::new(Throwing));
        // Not a point: refused as corrupted, not passed on.
        assert!(matches!(
            a.generate("k", Default::default()),
            Err(core_keys::KeyStoreError::Corrupted(_))
        ));
        assert_eq!(
            a.public_key("k"),
            Err(core_keys::KeyStoreError::KeyInvalidated)
        );
        match a.sign("k", b"m", &CancelToken::new()) {
            Err(core_keys::KeyStoreError::Platform(m)) => {
                assert!(
                    m.contains("unexpectedly") && m.contains("IllegalState"),
                    "{m}"
                );
                assert!(
                    !m.contains("boom"),
                    "the exception's message is dropped: {m}"
                );
            }
            other => panic!("{other:?}"),
        }
        let c = CancelToken::new();
        c.cancel();
        assert_eq!(
            a.sign("k", b"m", &c),
            Err(core_keys::KeyStoreError::Cancelled)
        );
    }

    #[test]
    fn software_store_round_trips_through_the_trait() {
        let s = SoftwareKeyStore::new();
        let pk = s
            .generate(
                "device".into(),
                DeviceKeyOptions {
                    hardware_required: false,
                    user_authentication_required: false,
                },
            )
            .unwrap();
        assert_eq!(pk.len(), 65);
        assert_eq!(
            s.generate(
                "hw".into(),
                DeviceKeyOptions {
                    hardware_required: true,
                    user_authentication_required: false
                }
            ),
            Err(DeviceKeyError::HardwareUnavailable)
        );
        let key = vec![7u8; 32];
        let sealed = s.seal(key.clone()).unwrap();
        let reopened = SoftwareKeyStore::open(sealed.clone(), key).unwrap();
        assert_eq!(reopened.public_key("device".into()).unwrap(), pk);
        assert_eq!(
            SoftwareKeyStore::open(sealed, vec![8u8; 32]).err(),
            Some(DeviceKeyError::SealBroken)
        );
        let der = s
            .as_device_key_store()
            .sign("device".into(), b"m".to_vec())
            .unwrap();
        assert_eq!(der[0], 0x30);
    }
}
