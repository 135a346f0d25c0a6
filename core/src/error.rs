//! Errors: a rich internal taxonomy behind a small public [`ErrorKind`].
//!
//! This module owns the error types of the core. Callers (the apps, through the bindings) act on
//! [`ErrorKind`] only: tag lost, wrong access key, unsupported document, cancelled, timeout, chip
//! misbehaved, invalid input, internal. The rich [`Error`] keeps the detail a developer needs in a
//! log, and keeps three sources apart, as rustls does: the chip misbehaving ([`ChipError`]), the
//! caller giving bad input ([`Error::InvalidInput`], MRZ errors), and the link ([`TransportError`]).
//!
//! No error message ever contains an access key, MRZ text, name or file content: variants carry
//! field names, status words, lengths and offsets only.
//!
//! Verification outcomes (a data group hash that does not match, a face below threshold) are not
//! errors: they are data in the read result, and the app applies its policy.

use crate::apdu::StatusWord;
use crate::mrz::MrzError;
use crate::tlv::TlvError;
use crate::transport::TransportError;

/// What a caller can act on. Stable across versions; new kinds may be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The link to the chip dropped (tag moved away, reader removed, iOS session ended).
    /// Retry with a fresh transport and the same reader to resume.
    TagLost,
    /// Access control failed: the MRZ, CAN or PIN does not open this chip.
    WrongAccessKey,
    /// The document does not offer anything this version can use.
    UnsupportedDocument,
    /// The caller cancelled the operation.
    Cancelled,
    /// The chip or the link did not answer in time.
    Timeout,
    /// The chip answered in a way the standard does not allow (bad MAC, malformed data, ...).
    ChipMisbehaved,
    /// The caller's input is invalid (MRZ with a wrong check digit, malformed access key, ...).
    InvalidInput,
    /// A bug or resource failure on our side.
    Internal,
}

/// The chip broke the protocol. Kept apart from our errors and from the caller's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChipError {
    /// A secure-messaging response MAC did not verify.
    #[error("secure messaging: response MAC does not verify")]
    BadMac,
    /// A secure-messaging response lacked DO'8E' (only its status word is usable).
    #[error("secure messaging: response without MAC (status {0})")]
    MissingMac(StatusWord),
    /// A secure-messaging response was malformed.
    #[error("secure messaging: malformed response ({0})")]
    MalformedSm(&'static str),
    /// The chip answered a status word that this step does not allow.
    #[error("unexpected status {sw} during {during}")]
    UnexpectedStatus {
        /// The status word received.
        sw: StatusWord,
        /// What we were doing.
        during: &'static str,
    },
    /// The response was shorter or longer than the protocol allows.
    #[error("malformed response during {during}: {problem}")]
    MalformedResponse {
        /// What we were doing.
        during: &'static str,
        /// What was wrong (never the data itself).
        problem: &'static str,
    },
    /// Mutual authentication: the chip's cryptogram did not verify, or echoed the wrong nonce.
    #[error("access control: chip authentication data does not verify")]
    AuthenticationFailed,
    /// A file read from the chip is malformed.
    #[error("file {file}: {source}")]
    MalformedFile {
        /// The file's name (e.g. "DG1").
        file: &'static str,
        /// What was wrong.
        source: TlvError,
    },
    /// A file is larger than the per-file cap.
    #[error("file {file}: declared length {len} exceeds the cap of {cap} bytes")]
    FileTooLarge {
        /// The file's name.
        file: &'static str,
        /// Declared length.
        len: usize,
        /// Cap.
        cap: usize,
    },
    /// After a resumption, the chip is not the document the read started on.
    #[error("resumed on a different document (EF.COM or DG1 differs)")]
    DocumentChanged,
    /// The chip kept answering in a way that makes the read not progress.
    #[error("no progress reading {file} at offset {offset}")]
    NoProgress {
        /// The file's name.
        file: &'static str,
        /// Offset where reading stalled.
        offset: usize,
    },
}

/// The rich internal error of the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed.
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// The caller cancelled.
    #[error("cancelled")]
    Cancelled,
    /// Access control refused the key (BAC EXTERNAL AUTHENTICATE 6300/6982/6988 etc.).
    #[error("access denied: the access key does not open this chip (status {0})")]
    AccessDenied(StatusWord),
    /// The chip misbehaved.
    #[error("chip: {0}")]
    Chip(#[from] ChipError),
    /// An MRZ given by the caller is invalid.
    #[error("MRZ: {0}")]
    Mrz(#[from] MrzError),
    /// PACE refused the password (CAN, PIN or MRZ). For a PIN the chip says how many tries
    /// are left; a CAN has no counter.
    #[error("wrong password (tries left: {tries_left:?})")]
    WrongPassword {
        /// Tries left, when the chip counts them (PIN).
        tries_left: Option<u8>,
    },
    /// The PIN is suspended (one try left): PACE with the CAN must run first.
    #[error("PIN suspended: the CAN is needed before the last try")]
    PinSuspended,
    /// The PIN is blocked (no tries left); it must be unblocked with the PUK.
    #[error("PIN blocked")]
    PinBlocked,
    /// The PIN is deactivated.
    #[error("PIN deactivated")]
    PinDeactivated,
    /// Some other caller input is invalid.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// The document needs something we do not support.
    #[error("unsupported document: {0}")]
    Unsupported(&'static str),
    /// A file is not present or not readable with the current access rights.
    #[error("file {file} not available (status {sw})")]
    FileNotAvailable {
        /// The file's name.
        file: &'static str,
        /// Status word returned by SELECT or READ BINARY.
        sw: StatusWord,
    },
    /// The operating system's random source failed.
    #[error("random source failed")]
    Random,
    /// An internal invariant was broken (a bug).
    #[error("internal: {0}")]
    Internal(&'static str),
}

impl Error {
    /// The public kind the caller acts on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Transport(t) => match t {
                TransportError::TagLost => ErrorKind::TagLost,
                TransportError::Timeout => ErrorKind::Timeout,
                TransportError::Cancelled => ErrorKind::Cancelled,
                TransportError::Other(_) => ErrorKind::TagLost,
                TransportError::ResponseTooLong => ErrorKind::ChipMisbehaved,
            },
            Error::Cancelled => ErrorKind::Cancelled,
            Error::AccessDenied(_)
            | Error::WrongPassword { .. }
            | Error::PinSuspended
            | Error::PinBlocked
            | Error::PinDeactivated => ErrorKind::WrongAccessKey,
            Error::Chip(_) => ErrorKind::ChipMisbehaved,
            Error::Mrz(_) | Error::InvalidInput(_) => ErrorKind::InvalidInput,
            Error::Unsupported(_) => ErrorKind::UnsupportedDocument,
            Error::FileNotAvailable { .. } => ErrorKind::UnsupportedDocument,
            Error::Random | Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// True when the secure-messaging session can no longer be trusted and access control must
    /// run again before the next protected command.
    pub fn desynchronises_session(&self) -> bool {
        matches!(
            self,
            Error::Chip(ChipError::BadMac | ChipError::MissingMac(_) | ChipError::MalformedSm(_))
                | Error::Transport(_)
        )
    }
}

/// Result alias of the core.
pub type Result<T, E = Error> = core::result::Result<T, E>;
