//! # monid-cli
//!
//! The pieces of the `monid` command that are worth testing on their own: the PC/SC transport
//! ([`pcsc`]), the access-key input ([`keys`]), private output files and PNG ([`output`]), the
//! summary ([`summary`]), the progress bar ([`progress`]), the redacted APDU trace ([`trace`]),
//! the glue to the core's reader ([`session`]), the exit codes ([`exit`]), passive
//! authentication's trust loading ([`trust`]), rendering ([`verify`]) and clock ([`clock`]),
//! the file inspector ([`inspect`]), sealed key files ([`keyfile`]), QR challenges ([`qr`]) and the relying party's
//! receipt verification ([`rp`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod clock;
pub mod exit;
pub mod inspect;
pub mod keyfile;
pub mod keys;
pub mod output;
pub mod pcsc;
pub mod progress;
pub mod qr;
pub mod rp;
pub mod session;
pub mod summary;
pub mod trace;
pub mod trust;
pub mod verify;
