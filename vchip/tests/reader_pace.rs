//! The core's reader against the virtual CNIE the CNIE 2.0 way: PACE with the CAN, then chip
//! authentication (DG14), active authentication (DG15) and passive authentication.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::access::AccessKey;
use monid_core::document::{ChipGenuine, Document};
use monid_core::lds::FileId;
use monid_core::pki::Timestamp;
use monid_core::pki::pa::Verdict;
use monid_core::pki::trust::TrustStore;
use monid_core::reader::{AccessProtocol, DocumentReader, ReadOptions};
use monid_vchip::{Curve, Misbehaviour, Profile, VirtualChip};

fn pki(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../test-vectors/pki/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn store() -> TrustStore {
    let mut s = TrustStore::new();
    for c in ["csca-uto-old", "csca-ma", "link-uto-new-by-old"] {
        s.add_der(&pki(&format!("certs/{c}.der")));
    }
    for c in ["csca-uto-old", "csca-uto-new", "csca-ma"] {
        s.add_crl(&pki(&format!("crl/{c}.crl")));
    }
    s
}

fn now() -> Timestamp {
    Timestamp::from_utc(2026, 11, 25, 12, 0, 0).unwrap()
}

#[test]
fn pace_can_ca_aa_and_pa_prove_a_genuine_chip() {
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile.clone());
    let key = AccessKey::can(profile.can()).unwrap();
    let challenge = [1, 2, 3, 4, 5, 6, 7, 8];
    let options = ReadOptions {
        aa_challenge: Some(challenge),
        ..ReadOptions::default()
    };
    let raw = DocumentReader::new(key, options)
        .read(&mut chip, &())
        .unwrap();
    assert_eq!(raw.link.protocol, AccessProtocol::Pace);
    let pace = raw.link.pace.unwrap();
    assert_eq!(pace.protocol, "id-PACE-ECDH-GM-AES-CBC-CMAC-128");
    assert!(raw.link.fallback.is_none());
    for fid in profile.file_ids() {
        if let Some(id) = FileId::ALL
            .into_iter()
            .find(|f| f.fid() == fid && !f.in_master_file())
        {
            assert_eq!(raw.file(id), chip.file(fid), "{id:?}");
        }
    }
    let aa = raw.chip.active_authentication.clone().unwrap().unwrap();
    assert_eq!(aa.challenge, challenge);
    monid_core::aa::verify_evidence(&aa).unwrap();
    let ca = raw.chip.chip_authentication.clone().unwrap().unwrap();
    assert_eq!(ca.version, 2);
    let mut doc = Document::from_raw(raw);
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    assert_eq!(
        doc.chip_genuine(),
        ChipGenuine::NotProven("passive authentication has not run".into())
    );
    let report = doc.verify(&store(), now()).clone();
    assert_eq!(report.verdict(), Verdict::Valid, "{report:#?}");
    assert!(report.dg_verified(14) && report.dg_verified(15));
    assert_eq!(
        doc.chip_genuine(),
        ChipGenuine::Proven {
            by: "chip authentication"
        }
    );
}

#[test]
fn a_wrong_can_is_a_wrong_password_and_nothing_is_read() {
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile);
    let err = DocumentReader::new(AccessKey::can("000000").unwrap(), ReadOptions::default())
        .read(&mut chip, &())
        .unwrap_err();
    assert_eq!(err.kind(), monid_core::ErrorKind::WrongAccessKey);
    assert!(
        matches!(err, monid_core::Error::WrongPassword { tries_left: None }),
        "{err}"
    );
}

#[test]
fn a_bac_key_on_a_pace_only_card_is_not_downgraded() {
    // The card has EF.CardAccess: PACE runs with the MRZ; BAC is never tried.
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile.clone());
    let key = AccessKey::mrz(
        profile.document_number(),
        profile.date_of_birth(),
        profile.date_of_expiry(),
    )
    .unwrap();
    match DocumentReader::new(key, ReadOptions::default()).read(&mut chip, &()) {
        Ok(raw) => assert_eq!(raw.link.protocol, AccessProtocol::Pace),
        // This CNIE takes only the CAN: the chip refuses the MRZ as a PACE password (6A88).
        Err(e) => assert_eq!(e.kind(), monid_core::ErrorKind::UnsupportedDocument, "{e}"),
    }
}

#[test]
fn pace_on_other_curves() {
    for curve in [Curve::P256, Curve::P384] {
        let profile = Profile::cnie_td1().with_pace_curve(curve, 16);
        let mut chip = VirtualChip::new(profile.clone());
        let key = AccessKey::can(profile.can()).unwrap();
        let raw = DocumentReader::new(key, ReadOptions::default())
            .read(&mut chip, &())
            .unwrap_or_else(|e| panic!("{curve:?}: {e}"));
        assert!(raw.file(FileId::Dg2).is_some(), "{curve:?}");
    }
}

#[test]
fn a_resumed_pace_read_completes() {
    let profile = Profile::cnie_td1();
    let key = AccessKey::can(profile.can()).unwrap();
    let reference = DocumentReader::new(key.clone(), ReadOptions::default())
        .read(&mut VirtualChip::new(profile.clone()), &())
        .unwrap();
    for n in [12u64, 20, 25, 30] {
        let mut chip = VirtualChip::new(profile.clone())
            .with_misbehaviour(Misbehaviour::new().drop_link_after(n));
        let mut reader = DocumentReader::new(key.clone(), ReadOptions::default());
        assert!(reader.read(&mut chip, &()).is_err(), "drop after {n}");
        chip.reconnect();
        let raw = reader
            .read(&mut chip, &())
            .unwrap_or_else(|e| panic!("resume after {n}: {e}"));
        let got: Vec<_> = raw.files.iter().map(|f| (f.id, f.bytes.to_vec())).collect();
        let want: Vec<_> = reference
            .files
            .iter()
            .map(|f| (f.id, f.bytes.to_vec()))
            .collect();
        assert_eq!(got, want, "drop after {n}");
        assert!(
            matches!(raw.chip.chip_authentication, Some(Ok(_))),
            "drop after {n}"
        );
    }
}
