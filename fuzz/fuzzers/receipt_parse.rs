//! Fuzz target: `monid_core::receipt::parse_receipt` (bounded COSE_Sign1 + receipt payload) and,
//! when it parses, the signature check with the receipt's own key. Seeds: the signed receipts of
//! test-vectors/receipt/wire_vectors.json (fuzz/seeds/receipt_parse/).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| monid_fuzz::receipt_targets::receipt_parse(data));
