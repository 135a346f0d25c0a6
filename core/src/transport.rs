//! The link to the chip, provided by the caller, and cancellation.
//!
//! This module owns the [`Transport`] trait (NFC on phones, PC/SC on desktops, the virtual chip in
//! tests), the [`TransportError`] a transport may return, and the [`CancelToken`] shared between
//! the caller's UI thread and the worker thread that drives a read. The core never opens a link
//! itself and never sleeps: timeouts belong to the transport.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a transport knows about the link. The channel keeps to it: it never sends a command
/// longer than `max_command_len`, nor one in extended form when `extended_length` is false (a
/// document that needs one then fails with `UnsupportedDocument`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportInfo {
    /// The longest command APDU the link carries, in bytes (header included).
    pub max_command_len: usize,
    /// The longest response APDU the link carries, in bytes (status word included).
    pub max_response_len: usize,
    /// True when the link (reader, NFC stack) carries extended-length APDUs. The chip must
    /// support them too; the reader learns that separately.
    pub extended_length: bool,
}

impl Default for TransportInfo {
    /// A short-APDU-only link: 261-byte commands, 258-byte responses.
    fn default() -> Self {
        TransportInfo {
            max_command_len: 261,
            max_response_len: 258,
            extended_length: false,
        }
    }
}

/// Why a transport could not exchange an APDU.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The link dropped: the tag left the field, the reader was removed, the iOS reader session
    /// ended. The operation may be resumed with a fresh transport.
    #[error("tag lost")]
    TagLost,
    /// The chip did not answer within the transport's timeout.
    #[error("timeout")]
    Timeout,
    /// The platform cancelled the exchange (user dismissed the NFC sheet).
    #[error("cancelled by the platform")]
    Cancelled,
    /// The response did not fit the transport's buffer.
    #[error("response too long for the link")]
    ResponseTooLong,
    /// Any other link failure, with a description that must not contain APDU data.
    #[error("link failure: {0}")]
    Other(String),
}

/// The caller's link to one chip.
///
/// `transceive` blocks until the response arrives, and is always called from the worker thread
/// that runs the read (never from a UI thread; see the crate docs). An implementation returns
/// the complete response APDU, data followed by SW1 SW2.
pub trait Transport {
    /// Sends one command APDU and returns the response APDU.
    fn transceive(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// What the link supports.
    fn info(&self) -> TransportInfo {
        TransportInfo::default()
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transceive(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transceive(command)
    }

    fn info(&self) -> TransportInfo {
        (**self).info()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transceive(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transceive(command)
    }

    fn info(&self) -> TransportInfo {
        (**self).info()
    }
}

/// A cancellation flag shared between threads.
///
/// The reader checks it before every APDU, so a cancel from another thread takes effect within
/// one APDU. A platform that can also abort a blocked `transceive` (closing the NFC session)
/// makes it take effect at once.
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests cancellation. Safe from any thread.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// True once [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Clears the flag so that the token can serve a new operation.
    pub fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}
