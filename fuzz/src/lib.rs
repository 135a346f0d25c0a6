//! Fuzz targets for monid-core's parsers, as plain `fn(&[u8])` functions.
//!
//! Each target feeds arbitrary bytes to one parser of `monid-core` and checks that it returns
//! (never panics, never hangs, never allocates without bound) and, where cheap, a few invariants
//! of what it returned. The libFuzzer binaries in `fuzzers/` are one-line wrappers around these
//! functions; `tests/seeds.rs` replays the committed seeds (and crash reproducers saved under
//! `regressions/<target>/`) through them, with a short deterministic mutation loop, on stable
//! Rust without libFuzzer.
//!
//! This crate owns no parser logic: a failure here is a bug in `monid-core`.

#![forbid(unsafe_code)]

pub mod targets;

/// A target: takes any bytes, must return.
pub type Target = fn(&[u8]);

/// Every target by name, in the order `scripts/fuzz.sh` runs them.
pub const TARGETS: &[(&str, Target)] = &[
    ("apdu_response", targets::apdu_response),
    ("tlv", targets::tlv),
    ("mrz", targets::mrz),
    ("sm_unwrap", targets::sm_unwrap),
    ("file_reader", targets::file_reader),
];
