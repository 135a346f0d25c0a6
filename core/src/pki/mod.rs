//! Passive authentication and the PKI it needs.
//!
//! This module tree owns verifying signed security objects (EF.SOD, EF.CardSecurity, CSCA master
//! lists) against trust stores the caller provides, and the report that says what passed. It is
//! public-key verification only: no secret key ever enters it, and the generic elliptic-curve
//! code in it must never be used with a secret scalar. It reads nothing from a chip and knows no
//! clock: the caller passes the bytes and "now".

pub mod alg;
pub mod ber;
pub mod cert;
pub mod chain;
pub mod cms;
pub mod country;
pub mod crl;
pub mod ec;
pub mod error;
pub mod ldsso;
pub mod name;
pub mod oid;
pub mod pa;
pub mod sig;
pub mod time;
pub mod trust;

pub use error::PkiError;
pub use time::Timestamp;
