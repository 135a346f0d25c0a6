//! The NFC link, owned by the platform: the foreign trait [`NfcTransport`] and its adapter to
//! the core's `Transport`.
//!
//! This module owns the mapping between what a Kotlin/Swift transport throws and the core's
//! `TransportError`, and remembers when the last `transceive` failed with something undeclared
//! so that the read reports it as [`crate::MonidError::Internal`] instead of a lost tag. A
//! failing `info()` only means "a short-APDU link": it never decides how a read fails. It also
//! bounds what the platform returns (see [`max_response_len`]). It must not interpret APDUs.

use std::sync::Arc;

use zeroize::Zeroize;

use crate::error::{TransportError, exception_type, short};

/// What the link carries (Kotlin `TransportInfo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TransportInfo {
    /// The longest command APDU the link carries, in bytes (Android: `IsoDep.maxTransceiveLength`).
    /// The core never sends a longer one.
    pub max_command_length: u32,
    /// The longest response APDU the link carries, in bytes (status word included).
    pub max_response_length: u32,
    /// True when the link carries extended-length APDUs (Android:
    /// `IsoDep.isExtendedLengthApduSupported`). The chip must support them too; the reader
    /// learns that from EF.ATR/INFO and by trying. When false, no extended APDU is ever sent: a
    /// document that needs one (PACE with a 2048-bit DH key) fails with `UnsupportedDocument`.
    pub extended_length: bool,
}

impl From<monid_core::TransportInfo> for TransportInfo {
    fn from(i: monid_core::TransportInfo) -> Self {
        TransportInfo {
            max_command_length: u32::try_from(i.max_command_len).unwrap_or(u32::MAX),
            max_response_length: u32::try_from(i.max_response_len).unwrap_or(u32::MAX),
            extended_length: i.extended_length,
        }
    }
}

impl From<TransportInfo> for monid_core::TransportInfo {
    fn from(i: TransportInfo) -> Self {
        monid_core::TransportInfo {
            max_command_len: usize::try_from(i.max_command_length).unwrap_or(usize::MAX),
            max_response_len: usize::try_from(i.max_response_length).unwrap_or(usize::MAX),
            extended_length: i.extended_length,
        }
    }
}

/// The short-APDU link the core assumes when a transport cannot tell.
#[uniffi::export]
pub fn default_transport_info() -> TransportInfo {
    monid_core::TransportInfo::default().into()
}

/// The platform's link to one chip (Android `IsoDep`, iOS `NFCISO7816Tag`, a test double).
///
/// `transceive` is called on the thread that runs the read (never a UI thread) and blocks until
/// the chip answers; it returns the whole response APDU (data, SW1, SW2). Throw
/// `TransportException.TagLost` when the tag left the field: the same `DocumentReader` then
/// resumes with a fresh transport. Anything else thrown is caught and reported; it never crashes.
#[uniffi::export(with_foreign)]
pub trait NfcTransport: Send + Sync {
    /// Sends one command APDU and returns the response APDU.
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransportError>;
    /// What the link supports; called once per read, before the first APDU.
    fn info(&self) -> Result<TransportInfo, TransportError>;
}

/// The longest response accepted from a platform transport: the link's own maximum, and never
/// less than the longest response the core can ask for (an extended Ne of 65 536 bytes plus
/// SW1 SW2). Anything longer is `ResponseTooLong`, dropped (and wiped) at once.
pub(crate) fn max_response_len(info: &monid_core::TransportInfo) -> usize {
    info.max_response_len
        .max(monid_core::apdu::EXTENDED_MAX_NE + 2)
}

/// Adapts a foreign transport to the core's trait for the duration of one read.
pub(crate) struct Adapter {
    inner: Arc<dyn NfcTransport>,
    info: monid_core::TransportInfo,
    max_response: usize,
    /// Set when the last `transceive` threw an undeclared exception (its shortened
    /// description); cleared by the next `transceive`, whatever its outcome, so that only the
    /// failure that ended the read decides how it is reported.
    pub(crate) unexpected: Option<String>,
}

impl Adapter {
    pub(crate) fn new(inner: Arc<dyn NfcTransport>) -> Self {
        // Whatever `info()` throws, the link is used as a short-APDU one (docs/bindings.md,
        // "Callbacks"); it is not a failure of the read.
        let info = inner
            .info()
            .map(Into::into)
            .unwrap_or_else(|_| monid_core::TransportInfo::default());
        Adapter {
            inner,
            max_response: max_response_len(&info),
            info,
            unexpected: None,
        }
    }
}

impl monid_core::Transport for Adapter {
    fn transceive(&mut self, command: &[u8]) -> Result<Vec<u8>, monid_core::TransportError> {
        use monid_core::TransportError as T;
        self.unexpected = None;
        let response = self
            .inner
            .transceive(command.to_vec())
            .map_err(|e| match e {
                TransportError::TagLost => T::TagLost,
                TransportError::Timeout => T::Timeout,
                TransportError::Cancelled => T::Cancelled,
                TransportError::Io { reason } => T::Other(short(&reason)),
                TransportError::Unexpected { reason } => {
                    // Also when the app threw `Unexpected` itself: its type name only.
                    let reason = exception_type(&reason);
                    let msg = format!("transport callback failed unexpectedly: {reason}");
                    self.unexpected = Some(reason);
                    T::Other(msg)
                }
            })?;
        if response.len() > self.max_response {
            // Refused whole: a plain response may hold file bytes, so the copy uniffi made is
            // wiped here instead of going anywhere.
            let mut response = response;
            response.zeroize();
            return Err(T::ResponseTooLong);
        }
        Ok(response)
    }

    fn info(&self) -> monid_core::TransportInfo {
        self.info
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use monid_core::Transport as _;

    /// Answers every command with `len` bytes ending in 90 00.
    struct Answers {
        len: usize,
        info: TransportInfo,
    }

    impl NfcTransport for Answers {
        fn transceive(&self, _: Vec<u8>) -> Result<Vec<u8>, TransportError> {
            let mut r = vec![0xAB; self.len];
            r[self.len - 2..].copy_from_slice(&[0x90, 0x00]);
            Ok(r)
        }
        fn info(&self) -> Result<TransportInfo, TransportError> {
            Ok(self.info)
        }
    }

    fn exchange(len: usize, info: TransportInfo) -> Result<usize, monid_core::TransportError> {
        Adapter::new(Arc::new(Answers { len, info }))
            .transceive(&[0x00, 0xB0, 0x00, 0x00, 0x00])
            .map(|r| r.len())
    }

    #[test]
    fn responses_are_capped() {
        let short = default_transport_info();
        // Up to an extended response (65 536 + 2), whatever the link says...
        assert_eq!(exchange(258, short), Ok(258));
        assert_eq!(exchange(65_538, short), Ok(65_538));
        // ... one byte more is refused, typed.
        assert_eq!(
            exchange(65_539, short),
            Err(monid_core::TransportError::ResponseTooLong)
        );
        assert_eq!(
            exchange(1 << 20, short),
            Err(monid_core::TransportError::ResponseTooLong)
        );
        // A link that says it carries more is taken at its word, and no further.
        let big = TransportInfo {
            max_command_length: 65_544,
            max_response_length: 100_000,
            extended_length: true,
        };
        assert_eq!(exchange(100_000, big), Ok(100_000));
        assert_eq!(
            exchange(100_001, big),
            Err(monid_core::TransportError::ResponseTooLong)
        );
    }
}
