//! Passive authentication of EF.CardSecurity from the BSI EAC worked example (third-party data).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::pki::Timestamp;
use monid_core::pki::pa::{CheckKind, Outcome, Verdict, verify_card_security};
use monid_core::pki::trust::TrustStore;

fn card_security(key: &str) -> Vec<u8> {
    let path = format!(
        "{}/../test-vectors/cms/bsi_ef_cardsecurity.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    hex::decode(v[key].as_str().unwrap()).unwrap()
}

#[test]
fn bsi_card_security_signature_verifies_and_its_chain_is_reported() {
    for key in ["ecdh_ef_cardsecurity", "dh_ef_cardsecurity"] {
        let now = Timestamp::from_utc(2011, 6, 1, 0, 0, 0).unwrap();
        let r = verify_card_security(&card_security(key), Some("D"), &TrustStore::new(), now);
        assert_eq!(
            r.outcome(CheckKind::SodStructure, None),
            Some(Outcome::Pass),
            "{key}: {r:#?}"
        );
        assert_eq!(
            r.outcome(CheckKind::SignedAttributes, None),
            Some(Outcome::Pass),
            "{key}"
        );
        assert_eq!(
            r.outcome(CheckKind::Signature, None),
            Some(Outcome::Pass),
            "{key}: {r:#?}"
        );
        // No CSCA of the worked example's test PKI is configured.
        assert_eq!(r.outcome(CheckKind::Chain, None), Some(Outcome::NotChecked));
        assert_eq!(r.verdict(), Verdict::Incomplete);
        let mut bad = card_security(key);
        let n = bad.len();
        bad[n - 10] ^= 1; // inside the signature
        let r = verify_card_security(&bad, Some("D"), &TrustStore::new(), now);
        assert_eq!(
            r.outcome(CheckKind::Signature, None),
            Some(Outcome::Fail),
            "{key}"
        );
    }
}

#[test]
fn an_lds_sod_is_not_a_card_security() {
    let path = format!(
        "{}/../test-vectors/pki/sod/passport_td3.dsc-rsa.sod",
        env!("CARGO_MANIFEST_DIR")
    );
    let sod = std::fs::read(path).unwrap();
    let now = Timestamp::from_utc(2026, 11, 25, 0, 0, 0).unwrap();
    // Without its 77 tag: the ContentInfo.
    let (e, _) = monid_core::pki::ber::read(&sod).unwrap();
    let r = verify_card_security(e.content, None, &TrustStore::new(), now);
    assert_eq!(
        r.outcome(CheckKind::SodStructure, None),
        Some(Outcome::Fail)
    );
    assert_eq!(r.verdict(), Verdict::Invalid);
}
