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

use std::sync::atomic::AtomicU64;

pub mod challenge;
pub mod keys_targets;
pub mod receipt_targets;
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
    ("com", targets::com),
    ("dg1", targets::dg1),
    ("dg2", targets::dg2),
    ("dg11", targets::dg11),
    ("dg12", targets::dg12),
    ("dg15", targets::dg15),
    ("lds", targets::lds),
    ("face_decode", targets::face_decode),
    ("ber", targets::ber),
    ("sod", targets::sod),
    ("certificate", targets::certificate),
    ("crl", targets::crl),
    ("master_list", targets::master_list),
    ("spki_verify", targets::spki_verify),
    ("ef_dir", targets::ef_dir),
    ("card_access", targets::card_access),
    ("dg14", targets::dg14),
    ("active_auth", targets::active_auth),
    ("pace_terminal", targets::pace_terminal),
    ("pace_dh", targets::pace_dh),
    ("sealed_keystore", keys_targets::sealed_keystore),
    ("enrolment", keys_targets::enrolment),
    ("challenge", challenge::challenge),
    ("receipt_parse", receipt_targets::receipt_parse),
    ("envelope_open", receipt_targets::envelope_open),
    ("verifier_verify", receipt_targets::verifier_verify),
];

/// Decoder panics caught by `monid_core::face` (counted, not failures: see
/// [`tolerate_decoder_panics`]).
pub static DECODER_PANICS: AtomicU64 = AtomicU64::new(0);

/// Source paths of the image decoders that `monid_core::face` runs under `catch_unwind`.
const DECODER_CRATES: &[&str] = &["/jpeg-decoder-", "/hayro-"];

/// Makes panics raised inside the image decoders silent, so that they unwind into the
/// `catch_unwind` of `monid_core::face` (which turns them into `FaceError::DecoderPanicked`)
/// instead of reaching libFuzzer's abort-on-panic hook. Any other panic still goes to the hook
/// that was installed before (libFuzzer's: report and abort).
pub fn tolerate_decoder_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_decoder = info
            .location()
            .is_some_and(|l| DECODER_CRATES.iter().any(|c| l.file().contains(c)));
        if !in_decoder {
            previous(info);
        }
    }));
}
