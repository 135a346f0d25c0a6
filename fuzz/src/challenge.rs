//! Fuzz target for QR challenges: the scanner and the COSE/CBOR/base45 layers under it.
//!
//! Lives in its own file so that targets added in parallel do not touch it. Seeds
//! (`seeds/challenge/`): challenges issued by `monid qr issue --at 2026-11-25T00:00:00Z` with the
//! test RP PKI (QR text and raw COSE_Sign1, full and compact forms), a bare payload, a
//! cose-wg/Examples COSE_Sign1 and a DER signature.

use monid_core::base45;
use monid_core::challenge::{self, Challenge, RelyingPartyTrust};
use monid_core::cose;
use std::sync::OnceLock;

/// 2026-11-25T00:00:10Z: inside the test RP certificates' validity.
const NOW: u64 = 1_795_564_810;

fn trust() -> &'static RelyingPartyTrust {
    static TRUST: OnceLock<RelyingPartyTrust> = OnceLock::new();
    TRUST.get_or_init(|| {
        let mut t = RelyingPartyTrust::new();
        let _ = t.add_anchor_der(include_bytes!("../../test-vectors/rp/certs/rp-anchor.der"));
        let _ = t.add_certificate_der(include_bytes!("../../test-vectors/rp/certs/police.der"));
        let _ = t.add_certificate_der(include_bytes!(
            "../../test-vectors/rp/certs/rp-intermediate.der"
        ));
        t
    })
}

/// `challenge::scan` on the input as QR text or COSE bytes, with invariants of an accepted
/// challenge; the bounded CBOR decoder (a successful decode re-encodes canonically and decodes
/// back to the same value), `parse_sign1`, `Challenge::from_cbor`, base45 and DER conversion.
pub fn challenge(data: &[u8]) {
    if let Ok(s) = challenge::scan(data, trust(), NOW, challenge::DEFAULT_SKEW_SECS) {
        assert!(s.challenge.validate().is_ok());
        assert!(s.cose.len() <= challenge::MAX_CHALLENGE_LEN);
        assert_eq!(s.confirmation_code.len(), 6);
        assert_eq!(s.confirmation_code, challenge::confirmation_code(&s.cose));
        let again = challenge::scan(
            challenge::qr_text(&s.cose).as_bytes(),
            trust(),
            NOW,
            challenge::DEFAULT_SKEW_SECS,
        );
        assert_eq!(again.map(|a| a.challenge), Ok(s.challenge));
    }
    if let Ok(v) = cose::from_slice(data, challenge::MAX_CHALLENGE_LEN) {
        let canonical = cose::to_canonical(&v).expect("a decoded value re-encodes");
        assert!(canonical.len() <= data.len());
        let back = cose::from_slice(&canonical, challenge::MAX_CHALLENGE_LEN)
            .expect("a canonical encoding decodes");
        assert_eq!(cose::to_canonical(&back), Ok(canonical));
    }
    if let Ok(s) = cose::parse_sign1(data, challenge::MAX_CHALLENGE_LEN) {
        assert!(s.payload.is_some());
        let _ = cose::verify_es256(&s, &[0x02; 33]);
    }
    if let Ok(c) = Challenge::from_cbor(data) {
        assert!(c.validate().is_ok());
        let bytes = c.to_cbor().expect("a decoded challenge re-encodes");
        assert_eq!(Challenge::from_cbor(&bytes), Ok(c));
    }
    if let Ok(text) = core::str::from_utf8(data)
        && let Ok(bytes) = base45::decode(text)
    {
        assert_eq!(base45::encode(&bytes), text);
    }
    if let Ok(raw) = cose::ecdsa_der_to_raw(data) {
        assert_eq!(cose::ecdsa_raw_to_der(&raw), data);
    }
}
