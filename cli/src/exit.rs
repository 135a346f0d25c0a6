//! Exit codes of `monid` and the command's error type.
//!
//! This module owns the mapping from the core's [`ErrorKind`] (and from a passive-authentication
//! verdict) to a process exit code, and the
//! [`CliError`] that carries a code and a message. Messages come from the core's `Display`
//! implementations and from this crate's, which contain no secrets.

use monid_core::ErrorKind;

/// Success.
pub const OK: u8 = 0;
/// Any other failure (I/O, PC/SC, internal, cancelled).
pub const OTHER: u8 = 1;
/// Bad usage: bad arguments, an invalid MRZ or date.
pub const USAGE: u8 = 2;
/// The access key does not open this chip.
pub const WRONG_KEY: u8 = 3;
/// The tag left the field, or the chip or link timed out.
pub const LINK_LOST: u8 = 4;
/// The chip misbehaved, or the document needs something this version lacks.
pub const CHIP: u8 = 5;
/// Passive authentication ran and a check failed (verdict Invalid).
pub const PA_INVALID: u8 = 6;
/// Passive authentication ran, nothing failed, but an essential check could not run (verdict
/// Incomplete: no trust anchor for the signer, no EF.SOD, ...).
pub const PA_INCOMPLETE: u8 = 7;

/// The exit code for a passive-authentication verdict: 0 only for Valid.
pub fn code_for_verdict(verdict: monid_core::pki::pa::Verdict) -> u8 {
    use monid_core::pki::pa::Verdict;
    match verdict {
        Verdict::Valid => OK,
        Verdict::Invalid => PA_INVALID,
        Verdict::Incomplete => PA_INCOMPLETE,
    }
}

/// The exit code for an error kind of the core.
pub fn code_for(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::WrongAccessKey => WRONG_KEY,
        ErrorKind::TagLost | ErrorKind::Timeout => LINK_LOST,
        ErrorKind::ChipMisbehaved | ErrorKind::UnsupportedDocument => CHIP,
        ErrorKind::InvalidInput => USAGE,
        _ => OTHER,
    }
}

/// A failure of the command: exit code and a message safe to print.
#[derive(Debug)]
pub struct CliError {
    /// The process exit code.
    pub code: u8,
    /// What went wrong (no secrets).
    pub message: String,
}

impl CliError {
    /// An error with this code and message.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
        }
    }
}

impl From<monid_core::Error> for CliError {
    fn from(e: monid_core::Error) -> Self {
        let kind = e.kind();
        CliError::new(code_for(kind), format!("{e} ({kind:?})"))
    }
}

impl From<crate::output::OutputError> for CliError {
    fn from(e: crate::output::OutputError) -> Self {
        CliError::new(OTHER, e.to_string())
    }
}

impl From<crate::keys::KeyError> for CliError {
    fn from(e: crate::keys::KeyError) -> Self {
        CliError::new(USAGE, e.to_string())
    }
}

impl From<crate::pcsc::LinkError> for CliError {
    fn from(e: crate::pcsc::LinkError) -> Self {
        use crate::pcsc::LinkError;
        let code = match e {
            LinkError::NoCard => LINK_LOST,
            LinkError::UnknownReader | LinkError::BadReaderName => USAGE,
            _ => OTHER,
        };
        CliError::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(code_for(ErrorKind::WrongAccessKey), 3);
        assert_eq!(code_for(ErrorKind::TagLost), 4);
        assert_eq!(code_for(ErrorKind::Timeout), 4);
        assert_eq!(code_for(ErrorKind::ChipMisbehaved), 5);
        assert_eq!(code_for(ErrorKind::UnsupportedDocument), 5);
        assert_eq!(code_for(ErrorKind::InvalidInput), 2);
        assert_eq!(code_for(ErrorKind::Internal), 1);
        assert_eq!(code_for(ErrorKind::Cancelled), 1);
    }
}
