//! # monid bindings (uniffi)
//!
//! This crate adapts the core's types and errors for Kotlin and Swift through uniffi; it holds
//! no protocol logic. Until the bindings issue lands it exports the library version and the
//! public error taxonomy, so that the generated code and the platform shells can be wired up
//! against a stable surface.

uniffi::setup_scaffolding!();

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
    /// A bug or resource failure in the library.
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
