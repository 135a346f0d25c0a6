//! Fuzz target: `monid_core::receipt::parse_envelope` and `open_envelope` with a fixed relying-
//! party key and challenge (any input must give an error or, for an authentic envelope, the
//! plaintext; never a panic). Seeds: the envelopes of test-vectors/receipt/wire_vectors.json
//! (fuzz/seeds/envelope_open/); the key and the challenge (envelope_open.challenge.cose) are
//! the vectors' device-asserted case's, so its seed opens and mutations reach ECDH, HKDF and
//! AES-GCM.
#![no_main]

const RP_PRIVATE: [u8; 32] = [
    0x30, 0x4a, 0xce, 0xe0, 0xb0, 0xa2, 0xd6, 0xb8, 0x82, 0x64, 0x71, 0xff, 0x66, 0x88, 0x08, 0x60,
    0xfe, 0x51, 0xe9, 0xa9, 0x32, 0x00, 0x21, 0x8b, 0x71, 0x64, 0x6b, 0x74, 0xfb, 0x79, 0xd3, 0x5e,
];

const CHALLENGE: &[u8] = include_bytes!("envelope_open.challenge.cose");

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(env) = monid_core::receipt::parse_envelope(data) {
        assert!(env.ciphertext.len() >= 16);
    }
    if let Ok(receipt) = monid_core::receipt::open_envelope(data, &RP_PRIVATE, CHALLENGE) {
        let _ = monid_core::receipt::parse_receipt(&receipt);
    }
});
