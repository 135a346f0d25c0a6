//! # monid-core
//!
//! (crate documentation being written)

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

pub mod access;
pub mod apdu;
pub mod bac;
pub mod channel;
pub mod crypto;
pub mod error;
pub mod face;
pub mod files;
pub mod lds;
pub mod mrz;
pub mod rand;
pub mod reader;
pub mod sm;
pub mod tlv;
pub mod transport;

pub use error::{ChipError, Error, ErrorKind, Result};
pub use transport::{CancelToken, Transport, TransportError, TransportInfo};
