//! The PKI layer's error type.
//!
//! Parsing and verification failures of signed objects, certificates and keys. These are data
//! about a document, not failures of the read: passive authentication turns them into failed
//! checks in its report. Messages name structures and OIDs, never personal data.

use super::ber::BerError;

/// Why a PKI object could not be parsed or verified.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// The BER encoding is broken.
    #[error("BER: {0}")]
    Ber(#[from] BerError),
    /// A structure does not have the required shape.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// An algorithm (named by its dotted OID) is not supported.
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// A key type, size or curve is not supported.
    #[error("unsupported key: {0}")]
    UnsupportedKey(&'static str),
    /// A signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// Something is structurally fine but not valid here (wrong content type, digest mismatch).
    #[error("{0}")]
    Invalid(&'static str),
}
