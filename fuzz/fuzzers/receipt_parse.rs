//! Fuzz target: `monid_core::receipt::parse_receipt` (bounded COSE_Sign1 + receipt payload) and,
//! when it parses, the signature check with the receipt's own key. Seeds: the signed receipts of
//! test-vectors/receipt/wire_vectors.json (fuzz/seeds/receipt_parse/).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(r) = monid_core::receipt::parse_receipt(data) {
        // Invariants of a parsed receipt.
        assert!(!r.claims.is_empty() && r.claims.len() <= 9);
        assert!(r.rp_id.len() <= monid_core::receipt::MAX_RP_ID);
        let _ = r.verify_signature();
    }
});
