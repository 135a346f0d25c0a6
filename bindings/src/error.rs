//! Errors that cross the FFI boundary.
//!
//! This module owns the public error type [`MonidError`] (Kotlin `MonidException`, Swift
//! `MonidError`): the core's [`monid_core::ErrorKind`] as one flat error whose case is the kind
//! and whose message is the core's safe message (field names, steps and status words, never an
//! access key, MRZ, name or file content). It also owns the small error types of the foreign
//! traits ([`TransportError`], [`ListenerError`]), each with a conversion from
//! `UnexpectedUniFFICallbackError`, so that a callback throwing anything at all never panics in
//! Rust, and what of such a failure may be kept ([`exception_type`]: the exception's type name,
//! never its message). It must not hold protocol logic.

/// What a caller can act on; mirrors `monid_core::ErrorKind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ErrorKind {
    /// The link to the chip dropped; retry with a fresh transport to resume.
    TagLost,
    /// The MRZ, CAN or PIN does not open this chip.
    WrongAccessKey,
    /// The document offers nothing this version can use.
    UnsupportedDocument,
    /// The caller cancelled.
    Cancelled,
    /// The chip or the link did not answer in time.
    Timeout,
    /// The chip broke the protocol.
    ChipMisbehaved,
    /// The caller's input is invalid.
    InvalidInput,
    /// A bug or resource failure in the library (or a callback that failed unexpectedly).
    Internal,
}

impl From<monid_core::ErrorKind> for ErrorKind {
    fn from(kind: monid_core::ErrorKind) -> Self {
        use monid_core::ErrorKind as K;
        match kind {
            K::TagLost => ErrorKind::TagLost,
            K::WrongAccessKey => ErrorKind::WrongAccessKey,
            K::UnsupportedDocument => ErrorKind::UnsupportedDocument,
            K::Cancelled => ErrorKind::Cancelled,
            K::Timeout => ErrorKind::Timeout,
            K::ChipMisbehaved => ErrorKind::ChipMisbehaved,
            K::InvalidInput => ErrorKind::InvalidInput,
            _ => ErrorKind::Internal,
        }
    }
}

/// The error of every fallible export: one case per [`ErrorKind`], with a message that is safe
/// to log. Kotlin: `MonidException.TagLost` etc. (`message` holds the text); Swift:
/// `MonidError.TagLost(message:)`.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum MonidError {
    /// The link to the chip dropped; call `read` again with a fresh transport to resume.
    #[error("{0}")]
    TagLost(String),
    /// The MRZ, CAN or PIN does not open this chip.
    #[error("{0}")]
    WrongAccessKey(String),
    /// The document offers nothing this version can use.
    #[error("{0}")]
    UnsupportedDocument(String),
    /// The caller cancelled.
    #[error("{0}")]
    Cancelled(String),
    /// The chip or the link did not answer in time.
    #[error("{0}")]
    Timeout(String),
    /// The chip broke the protocol.
    #[error("{0}")]
    ChipMisbehaved(String),
    /// The caller's input is invalid.
    #[error("{0}")]
    InvalidInput(String),
    /// A bug or resource failure in the library, or a callback that threw an exception it was
    /// not declared to throw.
    #[error("{0}")]
    Internal(String),
}

impl MonidError {
    /// An error of the given kind with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let m = message.into();
        match kind {
            ErrorKind::TagLost => MonidError::TagLost(m),
            ErrorKind::WrongAccessKey => MonidError::WrongAccessKey(m),
            ErrorKind::UnsupportedDocument => MonidError::UnsupportedDocument(m),
            ErrorKind::Cancelled => MonidError::Cancelled(m),
            ErrorKind::Timeout => MonidError::Timeout(m),
            ErrorKind::ChipMisbehaved => MonidError::ChipMisbehaved(m),
            ErrorKind::InvalidInput => MonidError::InvalidInput(m),
            ErrorKind::Internal => MonidError::Internal(m),
        }
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            MonidError::TagLost(_) => ErrorKind::TagLost,
            MonidError::WrongAccessKey(_) => ErrorKind::WrongAccessKey,
            MonidError::UnsupportedDocument(_) => ErrorKind::UnsupportedDocument,
            MonidError::Cancelled(_) => ErrorKind::Cancelled,
            MonidError::Timeout(_) => ErrorKind::Timeout,
            MonidError::ChipMisbehaved(_) => ErrorKind::ChipMisbehaved,
            MonidError::InvalidInput(_) => ErrorKind::InvalidInput,
            MonidError::Internal(_) => ErrorKind::Internal,
        }
    }
}

impl From<monid_core::Error> for MonidError {
    fn from(e: monid_core::Error) -> Self {
        // The core's Display is safe by contract (no keys, MRZ, names or file content).
        MonidError::new(e.kind().into(), e.to_string())
    }
}

/// Caps a foreign-supplied text so that an error message stays short.
pub(crate) fn short(text: &str) -> String {
    const MAX: usize = 200;
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", text.get(..end).unwrap_or(""))
}

/// What may be kept of a callback's undeclared failure: the exception's type name only.
///
/// uniffi hands Rust the platform's text: Kotlin's `stackTraceToString()`
/// (`"java.lang.IllegalStateException: <message>\n\tat ..."`), Swift's `String(describing:)`
/// (`"KeyStoreBug(<fields>)"`). The message, fields and stack may hold a tag UID, a name or APDU
/// bytes, and the result goes into messages that are safe to log, so only the leading run of
/// ASCII letters, digits, `_`, `$` and `.` is kept (it stops at the first `:`, space, `(` or
/// anything else), at most 80 bytes; `"unknown"` when nothing is left.
pub fn exception_type(text: &str) -> String {
    const MAX: usize = 80;
    let name: String = text
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.'))
        .take(MAX)
        .collect();
    if name.is_empty() {
        "unknown".to_owned()
    } else {
        name
    }
}

/// What an `NfcTransport` may throw (Kotlin `TransportException`, Swift `TransportError`).
/// Any other exception thrown by the transport arrives as [`TransportError::Unexpected`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TransportError {
    /// The tag left the field (Android `TagLostException`, iOS session ended). Resumable.
    #[error("tag lost")]
    TagLost,
    /// The chip did not answer within the transport's timeout.
    #[error("timeout")]
    Timeout,
    /// The platform or the user cancelled (NFC sheet dismissed).
    #[error("cancelled by the platform")]
    Cancelled,
    /// Any other I/O failure; the message must not contain APDU data.
    #[error("I/O failure: {reason}")]
    Io {
        /// What failed (`reason`, not `message`: Kotlin exceptions already have a `message`).
        reason: String,
    },
    /// The transport threw an exception it does not declare (a bug in the app's transport).
    #[error("transport callback failed unexpectedly: {reason}")]
    Unexpected {
        /// The foreign exception's type name ([`exception_type`]); never its message.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for TransportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransportError::Unexpected {
            reason: exception_type(&e.reason),
        }
    }
}

/// What a `ReadProgressListener` may throw. The reader ignores listener failures: a throwing
/// listener never stops a read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ListenerError {
    /// The listener failed.
    #[error("listener failed: {reason}")]
    Failed {
        /// Why.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for ListenerError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ListenerError::Failed {
            reason: exception_type(&e.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exception_type_is_kept() {
        let kotlin = "java.lang.IllegalStateException: tag 04:A2:19:7C for ERIKSSON ANNA\n\tat org.example.Nfc.transceive(Nfc.kt:42)";
        assert_eq!(exception_type(kotlin), "java.lang.IllegalStateException");
        assert_eq!(
            exception_type("org.example.Outer$Inner\n\tat x"),
            "org.example.Outer$Inner"
        );
        assert_eq!(
            exception_type("KeyStoreBug(uid: \"04A2197C\")"),
            "KeyStoreBug"
        );
        assert_eq!(
            exception_type("Error Domain=NSCocoaErrorDomain Code=4"),
            "Error"
        );
        assert_eq!(exception_type(""), "unknown");
        assert_eq!(exception_type(": ERIKSSON"), "unknown");
        assert_eq!(exception_type("Ünïcode: x"), "unknown");
        assert_eq!(exception_type(&"a".repeat(500)).len(), 80);
        let e: TransportError = uniffi::UnexpectedUniFFICallbackError::new(kotlin).into();
        let text = e.to_string();
        assert!(
            !text.contains("ERIKSSON") && !text.contains("04:A2"),
            "{text}"
        );
        let l: ListenerError = uniffi::UnexpectedUniFFICallbackError::new(kotlin).into();
        assert!(!l.to_string().contains("ERIKSSON"));
    }
}
