//! MRZ parsing (placeholder, being written).

/// Why an MRZ is invalid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MrzError {
    /// Placeholder.
    #[error("invalid MRZ")]
    Invalid,
}
