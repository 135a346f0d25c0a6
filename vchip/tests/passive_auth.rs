//! Passive authentication end to end: the virtual chip serves EF.SODs signed by the openssl
//! test PKI (test-vectors/pki); the core reads, parses and verifies them against a trust store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::access::AccessKey;
use monid_core::document::{Document, Verification};
use monid_core::pki::Timestamp;
use monid_core::pki::cert::Certificate;
use monid_core::pki::pa::{CheckKind, Outcome, PaReport, Verdict};
use monid_core::pki::trust::TrustStore;
use monid_core::reader::{DocumentReader, ReadOptions};
use monid_vchip::{Profile, VirtualChip};

fn pki(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../test-vectors/pki/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn now() -> Timestamp {
    Timestamp::from_utc(2026, 11, 25, 12, 0, 0).unwrap()
}

/// The anchors a verifier would configure: the old UTO CSCA (the new one only through its
/// link certificate), the MA CSCA, and their CRLs.
fn store() -> TrustStore {
    let mut s = TrustStore::new();
    for c in ["csca-uto-old", "csca-ma", "link-uto-new-by-old"] {
        assert_eq!(s.add_der(&pki(&format!("certs/{c}.der"))).added, 1, "{c}");
    }
    for c in ["csca-uto-old", "csca-uto-new", "csca-ma"] {
        let r = s.add_crl(&pki(&format!("crl/{c}.crl")));
        assert_eq!(r.crls_added, 1, "{c}: {:?}", r.skipped);
    }
    s
}

fn verify(profile: Profile, sod: Option<&str>) -> (Document, PaReport) {
    let profile = match sod {
        Some(name) => profile.with_sod(pki(&format!("sod/{name}.sod"))),
        None => profile,
    };
    let key = AccessKey::mrz(
        profile.document_number(),
        profile.date_of_birth(),
        profile.date_of_expiry(),
    )
    .unwrap();
    let mut chip = VirtualChip::new(profile);
    let raw = DocumentReader::new(key, ReadOptions::default())
        .read(&mut chip, &())
        .unwrap();
    let mut doc = Document::from_raw(raw);
    let report = doc.verify(&store(), now()).clone();
    (doc, report)
}

fn outcome(r: &PaReport, k: CheckKind) -> Outcome {
    r.outcome(k, None)
        .unwrap_or_else(|| panic!("{k:?} missing: {r:#?}"))
}

#[test]
fn the_virtual_chips_documents_verify() {
    for (profile, sod) in [
        (Profile::passport_td3(), None),
        (Profile::cnie_td1_bac(), None),
        (Profile::cnie_td1_mar(), None),
        (Profile::passport_td3(), Some("passport_td3.dsc-pss")),
        (Profile::passport_td3(), Some("passport_td3.dsc-p256")),
        (Profile::passport_td3(), Some("passport_td3.dsc-bp256x")),
        (Profile::passport_td3(), Some("passport_td3.dsc-rsa.stream")),
        (Profile::passport_td3(), Some("passport_td3.dsc-rsa.keyid")),
        (
            Profile::passport_td3(),
            Some("passport_td3.dsc-rsa.sha1-v0"),
        ),
        (
            Profile::passport_td3(),
            Some("passport_td3.dsc-rsa.sha256-v1"),
        ),
        (Profile::cnie_td1_bac(), Some("cnie_td1.dsc-p256.sha384")),
        (Profile::cnie_td1_bac(), Some("cnie_td1.dsc-rsa")),
    ] {
        let label = format!("{sod:?}");
        let (doc, r) = verify(profile, sod);
        assert_eq!(r.verdict(), Verdict::Valid, "{label}: {r:#?}");
        for f in &doc.raw.files {
            if let Some(n) = f.id.dg_number() {
                assert!(r.dg_verified(n), "{label}: DG{n}");
            }
        }
        let summary = doc.summary();
        assert_eq!(
            summary.document_number.unwrap().verification,
            Verification::Verified
        );
        assert_eq!(summary.face.unwrap().verification, Verification::Verified);
    }
}

#[test]
fn the_country_check_passes_and_fails() {
    let (_, r) = verify(Profile::cnie_td1_mar(), Some("cnie_td1_mar.dsc-ma"));
    assert_eq!(outcome(&r, CheckKind::Country), Outcome::Pass);
    assert_eq!(r.verdict(), Verdict::Valid);
    let (_, r) = verify(Profile::cnie_td1_mar(), Some("cnie_td1_mar.dsc-rsa"));
    assert_eq!(outcome(&r, CheckKind::Country), Outcome::Fail);
    assert_eq!(r.verdict(), Verdict::Invalid);
    // UTO (ICAO's specimen code) has no ISO country: not checked, not failed.
    let (_, r) = verify(Profile::passport_td3(), None);
    assert_eq!(outcome(&r, CheckKind::Country), Outcome::NotChecked);
}

#[test]
fn each_bad_document_fails_the_right_check() {
    for (sod, kind) in [
        ("passport_td3.dsc-expired", CheckKind::Validity),
        ("passport_td3.dsc-revoked", CheckKind::Revocation),
        ("passport_td3.dsc-rsa.bad-signature", CheckKind::Signature),
        (
            "passport_td3.dsc-rsa.bad-messagedigest",
            CheckKind::SignedAttributes,
        ),
        (
            "passport_td3.dsc-rsa.bad-econtent",
            CheckKind::SignedAttributes,
        ),
        ("passport_td3.dsc-rsa.garbage", CheckKind::SodStructure),
        ("passport_td3.dsc-rsa.truncated", CheckKind::SodStructure),
        ("passport_td3.dsc-rsa.noattr", CheckKind::SignedAttributes),
    ] {
        let (doc, r) = verify(Profile::passport_td3(), Some(sod));
        assert_eq!(outcome(&r, kind), Outcome::Fail, "{sod}: {r:#?}");
        assert_eq!(r.verdict(), Verdict::Invalid, "{sod}");
        assert_ne!(
            doc.summary().document_number.unwrap().verification,
            Verification::Verified,
            "{sod}"
        );
    }
    let (_, r) = verify(
        Profile::cnie_td1_bac(),
        Some("cnie_td1.dsc-bp256x.bad-signature"),
    );
    assert_eq!(outcome(&r, CheckKind::Signature), Outcome::Fail);
}

#[test]
fn a_tampered_data_group_fails_its_hash_only() {
    let (doc, r) = verify(
        Profile::passport_td3(),
        Some("passport_td3.dsc-rsa.dg11-mismatch"),
    );
    assert_eq!(outcome(&r, CheckKind::Signature), Outcome::Pass);
    assert_eq!(
        r.outcome(CheckKind::DataGroupHash, Some(11)),
        Some(Outcome::Fail)
    );
    assert_eq!(
        r.outcome(CheckKind::DataGroupHash, Some(1)),
        Some(Outcome::Pass)
    );
    assert_eq!(r.verdict(), Verdict::Invalid);
    assert_eq!(
        doc.summary().surname.map(|a| a.verification),
        Some(Verification::Failed),
        "nothing counts as verified once a data group fails"
    );
    assert_eq!(
        doc.summary().full_name.map(|a| a.verification),
        Some(Verification::Failed)
    );
}

#[test]
fn a_data_group_the_sod_does_not_cover_fails() {
    // The CNIE's DG7 and DG15 are not in the passport's SOD.
    let (_, r) = verify(Profile::cnie_td1_bac(), Some("passport_td3.dsc-rsa"));
    assert_eq!(
        r.outcome(CheckKind::DataGroupHash, Some(7)),
        Some(Outcome::Fail)
    );
    assert_eq!(r.verdict(), Verdict::Invalid);
}

#[test]
fn without_trust_anchors_the_verdict_is_incomplete() {
    let profile = Profile::passport_td3();
    let key = AccessKey::mrz(
        profile.document_number(),
        profile.date_of_birth(),
        profile.date_of_expiry(),
    )
    .unwrap();
    let raw = DocumentReader::new(key, ReadOptions::default())
        .read(&mut VirtualChip::new(profile), &())
        .unwrap();
    let mut doc = Document::from_raw(raw);
    let r = doc.verify(&TrustStore::new(), now()).clone();
    assert_eq!(outcome(&r, CheckKind::Signature), Outcome::Pass);
    assert_eq!(outcome(&r, CheckKind::Chain), Outcome::NotChecked);
    assert_eq!(r.verdict(), Verdict::Incomplete);
}

#[test]
fn the_master_list_loads_against_its_pinned_anchor() {
    let anchor = Certificate::from_der(&pki("certs/csca-uto-old.der")).unwrap();
    let mut s = TrustStore::new();
    let r = s.add_master_list(&pki("masterlist/masterlist.ml"), Some(&anchor));
    assert_eq!(r.master_list_verified, Some(true), "{r:?}");
    assert!(r.added >= 3);
}
