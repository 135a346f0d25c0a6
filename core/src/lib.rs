//! # monid-core
//!
//! The protocol core of monid: it reads ICAO 9303 chips (electronic ID cards such as the CNIE 2.0,
//! biometric passports) and will bind what it reads into verifiable receipts. It is *sans-I/O*:
//! it knows APDUs, keys and bytes, never NFC, PC/SC, files, sockets or clocks. The caller lends a
//! [`Transport`], a [`rand::RandomSource`] where randomness is needed, and today's date where a
//! date matters.
//!
//! ```text
//!  DocumentReader (reader)          what to read, progress, resumption, result
//!      |-- FileReader (files)       SELECT / READ BINARY, read-size strategy
//!      |-- lds, mrz, face           parsing what was read
//!      |-- aa, ca                   active and chip authentication (evidence)
//!      `-- Channel (channel)        cancellation, GET RESPONSE, SM, re-authentication, trace
//!              |-- pace, bac        access control (PACE from EF.CardAccess, BAC otherwise)
//!              |-- sm, crypto       secure messaging (3DES, AES)
//!              `-- dyn Transport    the caller's link (IsoDep, CoreNFC, PC/SC, virtual chip)
//!
//!  Document (document)              the parsed view; verify() runs passive authentication:
//!      `-- pki                      BER/CMS, certificates, trust stores, chains, signatures
//!
//!  challenge                        relying party's QR challenge: issue, scan (chain, signature)
//!      |-- cose, base45             COSE_Sign1 ES256, deterministic/bounded CBOR; QR text
//!      `-- qr                       QR symbol (level M), SVG and terminal rendering
//! ```
//!
//! ## Contract: threading and cancellation
//!
//! One model serves both phones: **a blocking transport driven on a worker thread.**
//!
//! * [`Transport::transceive`] blocks until the chip answers. It is always called on the thread
//!   that runs the read, which is never a UI thread: the bindings run every read on a worker
//!   thread of their own and expose it as a Kotlin `suspend` function and a Swift `async`
//!   function.
//! * Android: `IsoDep.transceive` is already blocking; the Kotlin transport calls it directly.
//! * iOS: `NFCISO7816Tag.sendCommand` is asynchronous; the Swift transport starts it and waits on
//!   a semaphore for its completion handler. That wait happens on the core's worker thread, never
//!   on the main actor, and CoreNFC delivers the completion on its own queue, so it cannot
//!   deadlock.
//! * Cancellation: [`CancelToken::cancel`] may be called from any thread. The reader checks the
//!   token before every APDU, so a cancel takes effect within one APDU; a platform that also
//!   invalidates its NFC session makes a pending `transceive` return at once with
//!   [`TransportError::Cancelled`] or [`TransportError::TagLost`].
//! * The core holds no global state; a [`reader::DocumentReader`] is `Send` and is used by one
//!   thread at a time.
//!
//! ## Contract: errors
//!
//! Callers act on [`ErrorKind`]: tag lost, wrong access key, unsupported document, cancelled,
//! timeout, chip misbehaved, invalid input, internal. [`Error`] carries the detail for logs, and
//! never an access key, MRZ, name or file content. Verification outcomes (a data group that is
//! absent, malformed, or later fails its hash) are data in the result, not errors.
//!
//! ## Contract: resumption
//!
//! Phones lose the tag, and iOS ends NFC sessions after about 20 seconds. A
//! [`reader::DocumentReader`] keeps every byte it received. Calling
//! [`reader::DocumentReader::read`] again with a fresh transport re-runs access control, confirms
//! by the SHA-256 digests of EF.COM and DG1 that the chip is the same document, and continues each
//! unfinished file at the byte offset where the link dropped. Completed files are never read
//! again (EF.COM and DG1 are re-read once per resumption, for the identity check).
//!
//! ## Secrets
//!
//! MRZ data, CAN, PIN, keys and personal data are zeroized when dropped and redacted in `Debug`.
//! The APDU trace ([`channel::ApduTrace`]) holds headers, lengths and status words only.

#![forbid(unsafe_code)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![warn(missing_docs)]

pub mod aa;
pub mod access;
pub mod apdu;
pub mod bac;
pub mod base45;
pub mod ca;
pub mod challenge;
pub mod channel;
pub mod cose;
pub mod crypto;
pub mod document;
pub mod enrolment;
pub mod error;
pub mod face;
pub mod files;
pub mod keys;
pub mod lds;
pub mod manual;
pub mod mrz;
pub mod pace;
pub mod pki;
pub mod qr;
pub mod rand;
pub mod reader;
pub mod receipt;
pub mod sm;
pub mod tlv;
pub mod transport;
pub mod tz;

pub use error::{ChipError, Error, ErrorKind, Result};
pub use transport::{CancelToken, Transport, TransportError, TransportInfo};
