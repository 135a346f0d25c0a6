//! Passive authentication and the PKI it needs (being written).
//!
//! This module tree owns verifying signed security objects (EF.SOD, EF.CardSecurity, CSCA master
//! lists) against trust stores the caller provides. It is public-key verification only: no
//! secret key ever enters it.

pub mod ber;
pub mod time;

pub use time::Timestamp;
