//! Fuzz target: the relying party's whole receipt path, `monid_verifier::Verifier::verify`
//! (envelope parsing, decryption, receipt parsing, device signature, challenge binding, passive
//! and active authentication of the chip record, claims, face, policy). Any input must give a
//! typed `Rejection` or a verified receipt, never a panic.
//!
//! The verifier holds the two challenges of test-vectors/receipt/wire_vectors.json as pending
//! (their relying-party ephemeral keys are in the vectors), trusts the test CSCAs, and uses a
//! nonce store that never remembers (so a valid receipt can be replayed by the fuzzer). The
//! first input byte picks the mode: even, the rest is an envelope as POSTed; odd, the rest is a
//! signed receipt (COSE_Sign1) that the target seals to the chip-verifiable challenge first, so
//! mutations of the receipt reach the parser behind AES-GCM. Seeds
//! (fuzz/seeds/verifier_verify/): the vectors' envelopes (mode 0) and signed receipts (mode 1).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| monid_fuzz::receipt_targets::verifier_verify(data));
