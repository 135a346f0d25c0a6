//! Enrolment end to end on the virtual CNIE: PACE-CAN read with chip and active authentication,
//! passive authentication against the openssl test PKI (as `passive_auth.rs` does), an
//! enrolment record signed by a `SoftwareKeyStore` key, parsed and verified, re-checked by
//! re-running passive authentication over what the record carries, tampered, sealed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::CancelToken;
use monid_core::access::AccessKey;
use monid_core::document::Document;
use monid_core::enrolment::{self, EnrolmentError, EnrolmentRecord};
use monid_core::keys::{KeyOptions, KeyStore, KeyStoreError, SoftwareKeyStore};
use monid_core::lds::FileId;
use monid_core::mrz::CivilDate;
use monid_core::pki::Timestamp;
use monid_core::pki::pa::{self, PaInput, Verdict};
use monid_core::pki::trust::TrustStore;
use monid_core::rand::SystemRandom;
use monid_core::reader::{DocumentReader, ReadOptions};
use monid_vchip::{Profile, VirtualChip};
use sha2::{Digest, Sha256};

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
        assert_eq!(s.add_der(&pki(&format!("certs/{c}.der"))).added, 1, "{c}");
    }
    for c in ["csca-uto-old", "csca-uto-new", "csca-ma"] {
        s.add_crl(&pki(&format!("crl/{c}.crl")));
    }
    s
}

fn now() -> Timestamp {
    Timestamp::from_utc(2026, 11, 25, 12, 0, 0).unwrap()
}

fn today() -> CivilDate {
    CivilDate::new(2026, 11, 25).unwrap()
}

/// The CNIE read the CNIE way (PACE-CAN, CA, AA) and verified.
fn read_cnie() -> Document {
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile.clone());
    let options = ReadOptions {
        aa_challenge: Some([8, 7, 6, 5, 4, 3, 2, 1]),
        ..ReadOptions::default()
    };
    let raw = DocumentReader::new(AccessKey::can(profile.can()).unwrap(), options)
        .read(&mut chip, &())
        .unwrap();
    let mut doc = Document::from_raw(raw);
    assert_eq!(doc.verify(&store(), now()).verdict(), Verdict::Valid);
    doc
}

#[test]
fn enrol_the_virtual_cnie_and_verify_the_record() {
    let doc = read_cnie();
    let keys = SoftwareKeyStore::new();
    let device = keys.generate("device", KeyOptions::default()).unwrap();
    let signed = enrolment::enrol(
        &doc,
        &keys,
        "device",
        today(),
        1_795_600_000,
        &CancelToken::new(),
    )
    .unwrap();
    let v = enrolment::parse_and_verify(signed.as_bytes()).unwrap();
    assert_eq!(v.id, Sha256::digest(signed.as_bytes()).as_slice());
    let r = &v.record;
    assert_eq!(r.device_key, device);
    assert_eq!(r.created_at, 1_795_600_000);
    assert!(r.attestation.is_empty());

    // Claims: from the MRZ (dates resolved against today) and DG11.
    let mrz = doc.mrz.as_ref().unwrap();
    let c = &r.claims;
    let names = c.names.as_ref().unwrap();
    assert_eq!(
        names.primary,
        mrz.primary_identifier().replace('<', " ").trim()
    );
    assert_eq!(
        c.document_number.as_deref(),
        Some(Profile::cnie_td1().document_number())
    );
    assert_eq!(c.nationality.as_deref(), Some(mrz.nationality()));
    let birth = c.birth_date.as_deref().unwrap();
    let expiry = c.document_expiry.as_deref().unwrap();
    let dob = Profile::cnie_td1().date_of_birth().to_owned();
    let doe = Profile::cnie_td1().date_of_expiry().to_owned();
    // YYYY-MM-DD whose last two year digits, month and day are the MRZ's.
    assert_eq!(
        format!("{}{}{}", &birth[2..4], &birth[5..7], &birth[8..10]),
        dob
    );
    assert_eq!(
        format!("{}{}{}", &expiry[2..4], &expiry[5..7], &expiry[8..10]),
        doe
    );
    assert!(birth < "2026-11-25" && expiry.len() == 10);
    let dg11 = doc.dg11.as_ref().unwrap();
    assert!(c.address.is_some() == dg11.permanent_address.is_some());

    // What the relying party can re-check: EF.SOD and DG1/DG11 as read, DG2's digest as listed.
    assert_eq!(r.sod, doc.raw.file(FileId::Sod).unwrap());
    let dgs: Vec<u8> = r.data_groups.iter().map(|(n, _)| *n).collect();
    assert_eq!(dgs, vec![1, 11]);
    assert_eq!(
        r.data_groups[0].1.as_slice(),
        doc.raw.file(FileId::Dg1).unwrap()
    );
    assert_eq!(r.dg2_digest.algorithm, "sha256");
    assert_eq!(
        r.dg2_digest.digest,
        Sha256::digest(doc.raw.file(FileId::Dg2).unwrap()).to_vec()
    );
    let groups: Vec<(u8, &[u8])> = r
        .data_groups
        .iter()
        .map(|(n, b)| (*n, b.as_slice()))
        .collect();
    let report = pa::verify(
        &PaInput {
            sod: &r.sod,
            data_groups: &groups,
            issuing_state: Some(mrz.issuing_state()),
            dsc: None,
        },
        &store(),
        now(),
    );
    assert_eq!(report.verdict(), Verdict::Valid);
    assert!(report.dg_verified(1) && report.dg_verified(11));

    // Chip evidence.
    assert!(r.chip.ca_done);
    assert_eq!(r.chip.access, 2);
    assert_eq!(r.chip.pa_verdict, 1);
    assert_eq!(
        r.chip.aa.as_ref().unwrap().challenge,
        [8, 7, 6, 5, 4, 3, 2, 1]
    );
    assert!(r.pa_summary.starts_with("passive authentication valid"));
    assert!(r.pa_summary.contains("chip genuine by chip authentication"));
    assert!(!r.pa_summary.contains(Profile::cnie_td1().document_number()));

    // One byte tampered anywhere in a sample of positions: rejected.
    let bytes = signed.as_bytes();
    for i in (0..bytes.len()).step_by(97).chain([bytes.len() - 1]) {
        let mut t = bytes.to_vec();
        t[i] ^= 0x01;
        assert!(enrolment::parse_and_verify(&t).is_err(), "byte {i}");
    }

    // Sealed at rest, reopened, the same record.
    let key = [0x5A; 32];
    let sealed = enrolment::seal_record(&signed, &key, &mut SystemRandom).unwrap();
    assert_eq!(enrolment::open_record(&sealed, &key).unwrap(), v);
    assert_eq!(
        enrolment::open_record(&sealed, &[0; 32]).err(),
        Some(EnrolmentError::Seal(KeyStoreError::SealBroken))
    );

    // The key store itself survives sealing and signs a record the first one verifies alike.
    let blob = keys.seal(&[1; 32], &mut SystemRandom).unwrap();
    let reopened = SoftwareKeyStore::open(&blob, &[1; 32]).unwrap();
    let again = EnrolmentRecord::from_document(&doc, today(), 1_795_600_000, device, vec![])
        .unwrap()
        .sign(&reopened, "device", &CancelToken::new())
        .unwrap();
    // RFC 6979 signatures over the same payload: the same bytes, the same id.
    assert_eq!(again.enrolment_id(), v.id);
}

#[test]
fn enrolment_needs_the_device_key_and_refuses_a_hardware_requirement() {
    let doc = read_cnie();
    let keys = SoftwareKeyStore::new();
    assert_eq!(
        enrolment::enrol(&doc, &keys, "device", today(), 0, &CancelToken::new()).err(),
        Some(EnrolmentError::KeyStore(KeyStoreError::NotFound))
    );
    assert_eq!(
        keys.generate(
            "device",
            KeyOptions {
                hardware_required: true,
                user_authentication_required: false
            }
        ),
        Err(KeyStoreError::HardwareUnavailable)
    );
    keys.generate("device", KeyOptions::default()).unwrap();
    let cancel = CancelToken::new();
    cancel.cancel();
    assert_eq!(
        enrolment::enrol(&doc, &keys, "device", today(), 0, &cancel).err(),
        Some(EnrolmentError::KeyStore(KeyStoreError::Cancelled))
    );
}
