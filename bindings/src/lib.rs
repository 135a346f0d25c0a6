//! # monid bindings (uniffi)
//!
//! This crate adapts the core's types and errors for Kotlin and Swift through uniffi 0.32
//! (proc-macro style, library mode: the bindings are generated from the built cdylib); it holds
//! no protocol logic. Kotlin package `uniffi.monid`, Swift module `monid`.
//!
//! ```text
//!  error      MonidError (Kotlin MonidException), ErrorKind, the foreign traits' errors
//!  transport  NfcTransport (foreign trait: IsoDep, CoreNFC, test doubles), TransportInfo
//!  access     AccessKey (MRZ fields, MRZ text, CAN, PIN; zeroized, never printed)
//!  reader     DocumentReader (blocking read, resumable), ReadOptions, ReadProgressListener
//!             (foreign trait), CancellationToken
//!  document   Document (summary, link, stats, files, chip evidence, verify, chip_genuine,
//!             face_pixels) and its records
//!  trust      TrustStore (PEM / DER / master lists, CRLs)
//!  keystore   DeviceKeyStore (foreign trait: Android Keystore, Secure Enclave, test doubles),
//!             SoftwareKeyStore (Rust, sealed to a 32-byte key), DeviceKeyError
//!  challenge  RelyingPartyTrust, scanChallenge -> ScannedChallenge (consent lines, the AA
//!             challenge to read the card with), ChallengeError
//!  receipt    createReceipt (face-match binding, signing through a DeviceKeyStore, sealing),
//!             FaceMatch, enrol / Enrolment, ReceiptError
//!  verifier   Verifier (feature `verifier`: the relying party: issue challenges, verify
//!             receipts, accept enrolments; in-memory or shared stores), RpSigningKey, Rejected
//!  vchip      VirtualCard (feature `vchip`, tests only)
//! ```
//!
//! ## Threading
//! Every export is blocking, as the core is: `DocumentReader::read` runs on the caller's thread
//! and calls the transport and the listener there. The platform shells run it on a worker thread
//! (Kotlin `withContext(Dispatchers.IO)`, Swift a detached task) and expose `suspend` / `async`
//! APIs, so a UI thread never blocks. Cancellation (`CancellationToken::cancel`) is safe from any
//! thread and takes effect before the next APDU.
//!
//! ## Callbacks never crash the app
//! Every foreign-trait method returns a `Result` whose error type converts from
//! `UnexpectedUniFFICallbackError`, so an exception a callback was not declared to throw becomes
//! a typed error instead of a Rust panic. A throwing progress listener is ignored; a transport
//! throwing something undeclared fails the read with `MonidError::Internal`.

#![warn(missing_docs)]

uniffi::setup_scaffolding!();

pub mod access;
pub mod challenge;
pub mod document;
pub mod error;
pub mod keystore;
pub mod reader;
pub mod receipt;
pub mod transport;
pub mod trust;
#[cfg(feature = "vchip")]
pub mod vchip;
#[cfg(feature = "verifier")]
pub mod verifier;

pub use access::{AccessKey, AccessKeyKind};
pub use document::Document;
pub use error::{ErrorKind, ListenerError, MonidError, TransportError};
pub use reader::{
    CancellationToken, DocumentReader, ReadOptions, ReadProgress, ReadProgressListener,
    default_read_options,
};
pub use transport::{NfcTransport, TransportInfo};
pub use trust::TrustStore;

/// The library version.
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Checks an MRZ without reading a chip: returns the error kind, or `None` when it is valid.
/// The MRZ never appears in any message.
#[uniffi::export]
pub fn check_mrz(mrz: String) -> Option<ErrorKind> {
    let mrz = zeroize::Zeroizing::new(mrz);
    monid_core::access::AccessKey::from_mrz_text(&mrz)
        .err()
        .map(|e| e.kind().into())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn maps_mrz_errors_to_invalid_input() {
        assert_eq!(check_mrz("P<UTO".into()), Some(ErrorKind::InvalidInput));
        let td3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        assert_eq!(check_mrz(td3.into()), None);
        assert!(!version().is_empty());
    }
}
