//! Certificates, names, CRLs, trust stores and certification paths against certificates made
//! by the OpenSSL command-line tool (test-vectors/certs/make-certs.sh, SOURCE.md there).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use monid_core::pki::Timestamp;
use monid_core::pki::cert::{Certificate, KU_CRL_SIGN, KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN};
use monid_core::pki::chain::{Check, Revocation, Role, build_chain, check_signing_time};
use monid_core::pki::country::{check_issuing_state, icao_to_iso_country};
use monid_core::pki::crl::Crl;
use monid_core::pki::trust::TrustStore;

fn bytes(name: &str) -> Vec<u8> {
    let p = format!(
        "{}/../test-vectors/certs/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn cert(name: &str) -> Certificate {
    Certificate::from_der(&bytes(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn now() -> Timestamp {
    Timestamp::from_utc(2030, 1, 1, 0, 0, 0).unwrap()
}

fn ts(y: i64) -> Timestamp {
    Timestamp::from_utc(y, 1, 1, 0, 0, 0).unwrap()
}

#[test]
fn parses_openssl_certificates() {
    let csca = cert("csca-rsa.der");
    assert_eq!(csca.version(), 3);
    assert_eq!(csca.subject().to_string(), "C=MA, O=Test, CN=Test CSCA RSA");
    assert!(csca.subject().eq_as_set(csca.issuer()));
    assert!(csca.is_self_issued());
    assert_eq!(csca.is_ca(), Some(true));
    assert_eq!(csca.path_len(), Some(0));
    assert_eq!(csca.key_usage(), Some(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    assert_eq!(csca.not_before(), ts(2025));
    assert_eq!(csca.not_after(), ts(2040));
    assert_eq!(csca.subject_key_id().unwrap().len(), 20);
    assert!(!csca.unknown_critical());
    // tbs and signature are sub-slices of the raw encoding.
    let raw = csca.raw();
    assert_eq!(raw[4..4 + csca.tbs().len()], *csca.tbs());
    assert!(csca.signature().len() == 256);
    assert_eq!(csca.signature_algorithm(), csca.tbs_signature_algorithm());

    // GeneralizedTime notAfter (2055) and explicit EC parameters in the SPKI.
    let ec = cert("csca-ec.der");
    assert_eq!(ec.not_after(), ts(2055));
    assert_eq!(ec.subject().country().as_deref(), Some("DE"));
    assert!(
        ec.spki().len() > 250,
        "explicit parameters make a long SPKI"
    );

    let dsc = cert("dsc-rsa.der");
    assert_eq!(dsc.key_usage(), Some(KU_DIGITAL_SIGNATURE));
    assert_eq!(dsc.is_ca(), None);
    assert_eq!(dsc.authority_key_id(), csca.subject_key_id());
    assert!(!dsc.is_self_issued());
    assert_eq!(dsc.serial().len(), 2);
    let mut padded = vec![0u8];
    padded.extend_from_slice(dsc.serial());
    assert!(dsc.serial_matches(&padded));

    // Every generated certificate parses.
    for f in std::fs::read_dir(format!(
        "{}/../test-vectors/certs",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    {
        let f = f.unwrap().file_name().into_string().unwrap();
        if f.ends_with(".der") && !f.starts_with("crl") {
            cert(&f);
        }
    }
}

#[test]
fn names_in_reverse_order_and_lower_case_match_as_sets() {
    let link23 = cert("link-rsa-2-3.der");
    assert_eq!(
        link23.subject().to_string(),
        "CN=Test CSCA RSA 3, O=Test, C=MA"
    );
    let dsc = cert("dsc-link.der");
    assert_eq!(dsc.issuer().to_string(), "C=MA, O=Test, CN=Test CSCA RSA 3");
    assert!(dsc.issuer().eq_as_set(link23.subject()));
    assert_eq!(link23.authority_key_id(), None);
    assert_eq!(link23.subject_key_id(), None);
    let link12 = cert("link-rsa-1-2.der");
    assert!(link23.issuer().eq_as_set(link12.subject()));
    assert!(!link12.is_self_issued());

    let csca_lc = cert("csca-lc.der");
    assert_eq!(
        csca_lc.subject().to_string(),
        "C=ma, O=Test, CN=Test CSCA LC"
    );
    assert_eq!(csca_lc.subject().country().as_deref(), Some("MA"));
    let dsc_lc = cert("dsc-lc.der");
    assert!(dsc_lc.issuer().eq_as_set(csca_lc.subject()));

    let noc = cert("dsc-noc.der");
    assert_eq!(noc.issuer().country(), None);
}

#[test]
fn non_der_encodings_parse_with_the_exact_bytes() {
    let der = cert("dsc-rsa.der");
    for f in ["dsc-rsa-longform.der", "dsc-rsa-indefinite.der"] {
        let c = cert(f);
        assert_eq!(c.tbs(), der.tbs(), "{f}");
        assert_eq!(c.signature(), der.signature());
        assert_eq!(c.raw(), &bytes(f)[..]);
        assert_ne!(c.raw(), der.raw());
    }
}

#[test]
fn truncated_and_corrupted_certificates_never_panic() {
    for f in ["csca-ec.der", "dsc-pss.der", "dsc-rsa-indefinite.der"] {
        let d = bytes(f);
        for i in 0..d.len() {
            assert!(Certificate::from_der(&d[..i]).is_err(), "{f} cut at {i}");
        }
        for i in 0..d.len() {
            let mut x = d.clone();
            x[i] ^= 0xFF;
            let _ = Certificate::from_der(&x);
        }
    }
    let crl = bytes("crl-csca-rsa.der");
    for i in 0..crl.len() {
        assert!(Crl::from_der(&crl[..i]).is_err());
    }
}

#[test]
fn parses_the_crl() {
    let crl = Crl::from_der(&bytes("crl-csca-rsa.der")).unwrap();
    let csca = cert("csca-rsa.der");
    assert!(crl.issuer().eq_as_set(csca.subject()));
    assert_eq!(crl.authority_key_id(), csca.subject_key_id());
    assert_eq!(crl.this_update(), ts(2026));
    assert_eq!(crl.next_update(), Some(ts(2036)));
    assert_eq!(crl.revoked_count(), 1);
    let revoked = cert("dsc-revoked.der");
    assert!(crl.revocation_date(revoked.serial()).is_some());
    assert!(crl.revocation_date(cert("dsc-rsa.der").serial()).is_none());
    assert!(crl.is_current(now()));
}

#[test]
fn country_mapping_and_issuing_state_check() {
    assert_eq!(icao_to_iso_country("MAR"), Some("MA"));
    assert_eq!(icao_to_iso_country("D<<"), Some("DE"));
    assert_eq!(
        check_issuing_state(&cert("dsc-rsa.der"), "MAR"),
        Check::Pass
    );
    assert!(check_issuing_state(&cert("dsc-rsa.der"), "FRA").is_fail());
    assert_eq!(check_issuing_state(&cert("dsc-p256.der"), "D"), Check::Pass);
    // Signed by the Moroccan CSCA, subject claims France.
    assert!(check_issuing_state(&cert("dsc-wrong-country.der"), "MAR").is_fail());
    assert_eq!(check_issuing_state(&cert("dsc-lc.der"), "MAR"), Check::Pass);
    assert!(matches!(
        check_issuing_state(&cert("dsc-noc.der"), "MAR"),
        Check::NotChecked(_)
    ));
    assert!(matches!(
        check_issuing_state(&cert("dsc-rsa.der"), "UTO"),
        Check::NotChecked(_)
    ));
}

#[test]
fn signing_time_inside_validity() {
    let dsc = cert("dsc-rsa.der");
    assert_eq!(check_signing_time(&dsc, Some(ts(2026))), Check::Pass);
    assert!(check_signing_time(&dsc, Some(ts(2036))).is_fail());
    assert!(matches!(
        check_signing_time(&dsc, None),
        Check::NotChecked(_)
    ));
}

#[test]
fn pem_bundle_skips_the_corrupted_entry() {
    let mut store = TrustStore::new();
    let r = store.add_pem_bundle(&bytes("csca-bundle.pem"));
    assert_eq!(r.added, 3);
    assert_eq!(r.skipped.len(), 1, "{r:?}");
    assert!(r.skipped[0].0.contains("entry 2"), "{r:?}");
    assert_eq!(store.len(), 3);
    let again = store.add_pem_bundle(&bytes("csca-bundle.pem"));
    assert_eq!((again.added, again.duplicates), (0, 3));
    // Issuer lookup: by AKI/SKI and by name.
    let dsc = cert("dsc-rsa.der");
    let issuers = store.issuers_of(&dsc);
    assert_eq!(issuers.len(), 1);
    assert_eq!(issuers[0], &cert("csca-rsa.der"));
    assert!(store.issuers_of(&cert("dsc-p256.der")).is_empty());
}

#[test]
fn add_files_sorts_certificates_crls_and_junk() {
    let mut store = TrustStore::new();
    let files = vec![
        ("csca-rsa.der".to_string(), bytes("csca-rsa.der")),
        ("junk.txt".to_string(), b"hello".to_vec()),
        ("link-rsa-1-2.der".to_string(), bytes("link-rsa-1-2.der")),
    ];
    let r = store.add_files(files, None);
    assert_eq!(r.added, 2);
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].0, "junk.txt");
}

#[test]
fn store_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TrustStore>();
    let mut store = TrustStore::new();
    store.add_der(&bytes("csca-rsa.der"));
    let store = Arc::new(store);
    let s2 = store.clone();
    let n = std::thread::spawn(move || s2.issuers_of(&cert("dsc-rsa.der")).len())
        .join()
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn load_600_certificates() {
    let pem = bytes("bench-600.pem");
    let t = std::time::Instant::now();
    let mut store = TrustStore::new();
    let r = store.add_pem_bundle(&pem);
    let elapsed = t.elapsed();
    println!(
        "loaded {} certificates ({} bytes of PEM) in {:?}",
        r.added,
        pem.len(),
        elapsed
    );
    assert_eq!(r.added, 600);
    assert!(r.skipped.is_empty());
}

#[test]
fn chain_without_issuer_reports_why() {
    let store = TrustStore::new();
    let r = build_chain(&store, &cert("dsc-rsa.der"), now());
    assert!(!r.path_found);
    assert!(r.overall().is_fail());
    assert_eq!(r.steps.len(), 1);
    assert_eq!(r.steps[0].role, Role::DocumentSigner);
    assert_eq!(r.revocation(), Revocation::NotChecked);
}

#[test]
fn master_list_loads_unverified_without_anchor() {
    let mut store = TrustStore::new();
    let r = store.add_master_list(&bytes("masterlist.cms"), None);
    assert_eq!(r.added, 3, "{r:?}");
    assert_eq!(r.master_list_verified, Some(false));
    assert_eq!(r.skipped.len(), 1);
    assert!(store.contains(&cert("link-rsa-1-2.der")));
    // Junk is reported, never fatal.
    let r = store.add_master_list(b"\x30\x03\x02\x01\x00", None);
    assert_eq!((r.added, r.master_list_verified), (0, Some(false)));
    assert_eq!(r.skipped.len(), 1);
    // A master list among files is recognised.
    let mut s2 = TrustStore::new();
    let r = s2.add_files([("ml.cms", bytes("masterlist.cms"))], None);
    assert_eq!(r.added, 3, "{r:?}");
}

// ---- Tests that need signature verification (pki::sig). ----

fn store_of(files: &[&str]) -> TrustStore {
    let mut s = TrustStore::new();
    for f in files {
        let r = s.add_der(&bytes(f));
        assert_eq!(r.added, 1, "{f}: {r:?}");
    }
    s
}

fn subjects(r: &monid_core::pki::chain::ChainResult) -> Vec<String> {
    r.steps
        .iter()
        .map(|s| s.certificate.subject().common_name().unwrap().to_string())
        .collect()
}

#[test]
fn chains_for_every_algorithm() {
    let store = store_of(&["csca-rsa.der", "csca-ec.der", "csca-noc.der", "csca-lc.der"]);
    for (dsc, anchor) in [
        ("dsc-rsa.der", "Test CSCA RSA"),
        ("dsc-pss.der", "Test CSCA RSA"),
        ("dsc-rsa-longform.der", "Test CSCA RSA"),
        ("dsc-rsa-indefinite.der", "Test CSCA RSA"),
        ("dsc-p256.der", "Test CSCA EC"),
        ("dsc-bp256.der", "Test CSCA EC"),
        ("dsc-noc.der", "Test CSCA NoC"),
        ("dsc-lc.der", "Test CSCA LC"),
        ("dsc-wrong-country.der", "Test CSCA RSA"),
    ] {
        let r = build_chain(&store, &cert(dsc), now());
        assert!(r.path_found, "{dsc}: {:?}", r.reason);
        assert_eq!(r.overall(), Check::Pass, "{dsc}");
        assert!(r.anchor_self_signed);
        assert_eq!(r.steps.len(), 2);
        assert_eq!(r.steps[1].role, Role::Anchor);
        assert_eq!(r.anchor().unwrap().subject().common_name(), Some(anchor));
        assert_eq!(r.steps[0].signature, Check::Pass);
        assert_eq!(r.steps[0].key_usage, Check::Pass);
        assert_eq!(r.steps[1].key_usage, Check::Pass);
        assert_eq!(r.revocation(), Revocation::NotChecked);
    }
}

#[test]
fn link_chain_is_followed_to_the_old_csca() {
    let store = store_of(&["csca-rsa.der", "link-rsa-1-2.der", "link-rsa-2-3.der"]);
    let r = build_chain(&store, &cert("dsc-link.der"), now());
    assert!(r.path_found, "{:?}", r.reason);
    assert_eq!(
        subjects(&r),
        [
            "Test DS via link",
            "Test CSCA RSA 3",
            "Test CSCA RSA 2",
            "Test CSCA RSA"
        ]
    );
    let roles: Vec<Role> = r.steps.iter().map(|s| s.role).collect();
    assert_eq!(
        roles,
        [Role::DocumentSigner, Role::Link, Role::Link, Role::Anchor]
    );
    assert!(r.anchor_self_signed);
    assert_eq!(r.overall(), Check::Pass);
    // Without the old CSCA the path ends at the highest link certificate in the store.
    let store = store_of(&["link-rsa-1-2.der", "link-rsa-2-3.der"]);
    let r = build_chain(&store, &cert("dsc-link.der"), now());
    assert!(r.path_found);
    assert!(!r.anchor_self_signed);
    assert_eq!(r.steps.len(), 3);
    // The successor CSCA's own self-signed certificate also leads there (by name).
    let store = store_of(&["csca-rsa.der", "csca-rsa-2.der", "link-rsa-2-3.der"]);
    let r = build_chain(&store, &cert("dsc-link.der"), now());
    assert!(r.path_found);
    assert_eq!(subjects(&r)[2], "Test CSCA RSA 2");
}

#[test]
fn expired_revoked_wrong_csca_and_broken_signature_fail() {
    let mut store = store_of(&["csca-rsa.der", "csca-ec.der"]);
    let r = build_chain(&store, &cert("dsc-expired.der"), now());
    assert!(r.path_found);
    assert_eq!(r.steps[0].validity, Check::Fail("expired".into()));
    assert_eq!(r.overall(), Check::Fail("document signer: expired".into()));
    // Valid before its end.
    let r = build_chain(&store, &cert("dsc-expired.der"), ts(2027));
    assert_eq!(r.overall(), Check::Pass);
    // Not yet valid CSCA and DSC.
    let r = build_chain(&store, &cert("dsc-rsa.der"), ts(2024));
    assert!(r.overall().is_fail());

    let rep = store.add_crl(&bytes("crl-csca-rsa.der"));
    assert_eq!(rep.crls_added, 1, "{rep:?}");
    let r = build_chain(&store, &cert("dsc-revoked.der"), now());
    assert!(r.path_found);
    assert_eq!(r.steps[0].revocation, Revocation::Revoked);
    assert_eq!(r.revocation(), Revocation::Revoked);
    assert!(r.overall().is_fail());
    let r = build_chain(&store, &cert("dsc-rsa.der"), now());
    assert_eq!(r.steps[0].revocation, Revocation::Good);
    assert_eq!(r.revocation(), Revocation::Good);
    // After the CRL's nextUpdate, an unlisted certificate is not checked.
    assert_eq!(store.is_revoked(&cert("dsc-rsa.der"), ts(2037)), None);
    assert_eq!(
        store.is_revoked(&cert("dsc-revoked.der"), ts(2037)),
        Some(true)
    );

    let r = build_chain(&store, &cert("dsc-wrong-csca.der"), now());
    assert!(!r.path_found);
    assert!(r.reason.as_deref().unwrap().contains("signature"), "{r:?}");
    assert!(r.overall().is_fail());

    let mut broken = bytes("dsc-rsa.der");
    let n = broken.len();
    broken[n - 1] ^= 1;
    let r = build_chain(&store, &Certificate::from_der(&broken).unwrap(), now());
    assert!(!r.path_found);
    // A tampered tbs (subject CN byte) also breaks it.
    let mut tampered = bytes("dsc-rsa.der");
    let at = tampered.windows(7).position(|w| w == b"Test DS").unwrap();
    tampered[at] = b'B';
    let r = build_chain(&store, &Certificate::from_der(&tampered).unwrap(), now());
    assert!(!r.path_found);
}

#[test]
fn crls_are_only_kept_when_verified() {
    let mut empty = TrustStore::new();
    let r = empty.add_crl(&bytes("crl-csca-rsa.der"));
    assert_eq!(r.crls_added, 0);
    assert_eq!(r.skipped.len(), 1);
    let mut store = store_of(&["csca-rsa.der"]);
    let mut bad = bytes("crl-csca-rsa.der");
    let n = bad.len();
    bad[n - 1] ^= 1;
    let r = store.add_crl(&bad);
    assert_eq!(r.crls_added, 0);
    assert!(r.skipped[0].1.contains("does not verify"), "{r:?}");
    assert!(store.crls().is_empty());
}

#[test]
fn master_list_verified_against_a_pinned_anchor() {
    let mut store = TrustStore::new();
    let r = store.add_master_list(&bytes("masterlist.cms"), Some(&cert("csca-rsa.der")));
    assert_eq!(r.master_list_verified, Some(true), "{r:?}");
    assert_eq!(r.added, 3);
    assert!(r.skipped.is_empty());
    let mut store = TrustStore::new();
    let r = store.add_master_list(&bytes("masterlist.cms"), Some(&cert("csca-ec.der")));
    assert_eq!(r.master_list_verified, Some(false));
    assert_eq!(r.added, 3);
    // The loaded list makes DSC chains.
    let r = build_chain(&store, &cert("dsc-p256.der"), now());
    assert_eq!(r.overall(), Check::Pass);
}

#[test]
fn chains_are_built_from_several_threads() {
    let mut store = TrustStore::new();
    store.add_pem_bundle(&bytes("csca-bundle.pem"));
    let store = Arc::new(store);
    let handles: Vec<_> = ["dsc-rsa.der", "dsc-noc.der", "dsc-link.der"]
        .into_iter()
        .map(|f| {
            let s = store.clone();
            std::thread::spawn(move || build_chain(&s, &cert(f), now()).path_found)
        })
        .collect();
    let found: Vec<bool> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    // dsc-link needs link 2-3, which the bundle lacks.
    assert_eq!(found, [true, true, false]);
}

// ---- Cross-check against the second, independently made test PKI (test-vectors/pki). ----

fn pki_file(rel: &str) -> Vec<u8> {
    let p = format!("{}/../test-vectors/pki/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn pki_cert(name: &str) -> Certificate {
    Certificate::from_der(&pki_file(&format!("certs/{name}.der"))).unwrap()
}

#[test]
fn second_test_pki_expected_outcomes() {
    // Its SOURCE.md: "now" 2026-11-25; anchors CSCA-UTO-OLD (+ link) and CSCA-MA, all CRLs.
    let now = Timestamp::from_utc(2026, 11, 25, 12, 0, 0).unwrap();
    let files: Vec<(String, Vec<u8>)> = [
        "certs/csca-uto-old.der",
        "certs/link-uto-new-by-old.der",
        "certs/csca-ma.der",
        "crl/csca-uto-old.crl",
        "crl/csca-uto-new.crl",
        "crl/csca-ma.crl",
    ]
    .iter()
    .map(|f| (f.to_string(), pki_file(f)))
    .collect();
    let mut store = TrustStore::new();
    let r = store.add_files(files, None);
    assert_eq!((r.added, r.crls_added), (3, 3), "{r:?}");
    assert!(r.skipped.is_empty(), "{r:?}");
    for (dsc, steps) in [
        ("dsc-rsa", 2),
        ("dsc-pss", 2),
        ("dsc-p256", 3),
        ("dsc-bp256x", 3),
        ("dsc-ma", 2),
        ("dsc-wrongcountry", 2),
    ] {
        let c = build_chain(&store, &pki_cert(dsc), now);
        assert_eq!(c.overall(), Check::Pass, "{dsc}: {c:?}");
        assert_eq!(c.steps.len(), steps, "{dsc}");
        assert!(c.anchor_self_signed);
        assert_eq!(c.revocation(), Revocation::Good, "{dsc}");
    }
    let c = build_chain(&store, &pki_cert("dsc-p256"), now);
    assert_eq!(c.steps[1].role, Role::Link);
    let c = build_chain(&store, &pki_cert("dsc-expired"), now);
    assert_eq!(c.overall(), Check::Fail("document signer: expired".into()));
    let c = build_chain(&store, &pki_cert("dsc-revoked"), now);
    assert_eq!(c.steps[0].revocation, Revocation::Revoked);
    assert!(c.overall().is_fail());
    // Country: MAR document with the C=MA signer passes, with a C=UT signer fails; UTO is
    // ICAO's specimen code, unmapped here, so not checked.
    assert_eq!(check_issuing_state(&pki_cert("dsc-ma"), "MAR"), Check::Pass);
    assert!(check_issuing_state(&pki_cert("dsc-rsa"), "MAR").is_fail());
    assert!(matches!(
        check_issuing_state(&pki_cert("dsc-wrongcountry"), "UTO"),
        Check::NotChecked(_)
    ));
    // Its master list verifies against CSCA-UTO-OLD.
    let mut ml_store = TrustStore::new();
    let r = ml_store.add_master_list(
        &pki_file("masterlist/masterlist.ml"),
        Some(&pki_cert("csca-uto-old")),
    );
    assert_eq!((r.added, r.master_list_verified), (4, Some(true)), "{r:?}");
    let r = TrustStore::new().add_master_list(
        &pki_file("masterlist/masterlist.ml"),
        Some(&pki_cert("csca-ma")),
    );
    assert_eq!((r.added, r.master_list_verified), (4, Some(false)));
}
