//! Fuzz target: `monid_core::receipt::parse_envelope` and `open_envelope` with a fixed relying-
//! party key and challenge (any input must give an error or, for an authentic envelope, the
//! plaintext; never a panic). Seeds: the envelopes of test-vectors/receipt/wire_vectors.json
//! (fuzz/seeds/envelope_open/); the key and the challenge (envelope_open.challenge.cose) are
//! the vectors' device-asserted case's, so its seed opens and mutations reach ECDH, HKDF and
//! AES-GCM.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| monid_fuzz::receipt_targets::envelope_open(data));
