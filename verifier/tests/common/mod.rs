//! Shared fixture: a verifier with the receipt vectors' relying-party key, the test CSCA store,
//! the virtual CNIE read with PACE-CAN + AA over the derived challenge, a SoftwareKeyStore
//! device key, and helpers to build (or deliberately break) receipts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code
)]

use std::sync::Arc;

use ciborium::Value;
use monid_core::CancelToken;
use monid_core::access::AccessKey;
use monid_core::challenge::{
    Assurance, Claim, ClaimRequest, Form, Level, RelyingPartyTrust, RpSigner, ScannedChallenge,
};
use monid_core::cose;
use monid_core::document::Document;
use monid_core::enrolment::{self, SignedEnrolment};
use monid_core::keys::{KeyOptions, KeyStore, SoftwareKeyStore};
use monid_core::mrz::CivilDate;
use monid_core::pki::Timestamp;
use monid_core::pki::trust::TrustStore;
use monid_core::rand::SystemRandom;
use monid_core::reader::{DocumentReader, ReadOptions};
use monid_core::receipt::{
    self, AssertedValues, ChallengeInput, FaceMatchResult, Liveness, ReceiptBuilder,
};
use monid_vchip::{Profile, VirtualChip};
use monid_verifier::{
    ChallengeSpec, IssuedChallenge, MemoryChallengeStore, MemoryEnrolmentStore, MemoryNonceStore,
    Policy, Verifier, VerifierConfig,
};

pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn vectors() -> serde_json::Value {
    let text =
        std::fs::read_to_string(root().join("test-vectors/receipt/wire_vectors.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn pki(path: &str) -> Vec<u8> {
    std::fs::read(root().join("test-vectors/pki").join(path)).unwrap()
}

/// The CSCA store of the test PKI (as vchip/tests/enrolment.rs).
pub fn csca() -> TrustStore {
    let mut s = TrustStore::new();
    for c in ["csca-uto-old", "csca-ma", "link-uto-new-by-old"] {
        assert_eq!(s.add_der(&pki(&format!("certs/{c}.der"))).added, 1, "{c}");
    }
    for c in ["csca-uto-old", "csca-uto-new", "csca-ma"] {
        s.add_crl(&pki(&format!("crl/{c}.crl")));
    }
    s
}

/// 2026-11-25T12:00:00Z: inside the test PKI's validity.
pub fn now() -> u64 {
    Timestamp::from_utc(2026, 11, 25, 12, 0, 0).unwrap().0 as u64
}

pub fn today() -> CivilDate {
    CivilDate::new(2026, 11, 25).unwrap()
}

/// The relying party of the receipt vectors ("bank.example.ma").
pub fn signer() -> RpSigner {
    let v = vectors();
    let h = |k: &str| hex::decode(v["keys"][k].as_str().unwrap()).unwrap();
    RpSigner::new(&h("rp_leaf_private"), &[h("rp_leaf_cert")]).unwrap()
}

pub fn rp_trust() -> RelyingPartyTrust {
    let mut t = RelyingPartyTrust::new();
    t.add_anchor_der(&std::fs::read(root().join("test-vectors/receipt/rp_root.der")).unwrap())
        .unwrap();
    t
}

pub fn verifier_with(policy: Policy) -> Verifier {
    Verifier::new(VerifierConfig {
        signer: signer(),
        form: Form::Full,
        csca: csca(),
        attestation_roots: Vec::new(),
        policy,
        challenges: Arc::new(MemoryChallengeStore::new(10_000)),
        nonces: Arc::new(MemoryNonceStore::new(10_000)),
        enrolments: Arc::new(MemoryEnrolmentStore::new(1000)),
    })
}

pub fn verifier() -> Verifier {
    verifier_with(Policy::default())
}

pub fn req(claims: &[(Claim, Level)]) -> Vec<ClaimRequest> {
    claims
        .iter()
        .map(|(claim, level)| ClaimRequest {
            claim: *claim,
            level: *level,
        })
        .collect()
}

pub fn spec(claims: &[(Claim, Level)], assurance: Assurance) -> ChallengeSpec {
    ChallengeSpec {
        purpose: "Ouverture de compte".into(),
        claims: req(claims),
        assurance,
        response_uri: "https://bank.example.ma/monid/receipt".into(),
        lifetime_secs: 300,
    }
}

/// What the phone does with the QR text: scan it against the RP trust anchors.
pub fn scan(issued: &IssuedChallenge) -> ScannedChallenge {
    monid_core::challenge::scan(issued.qr_text.as_bytes(), &rp_trust(), now(), 120).unwrap()
}

/// A device key store with one key under "device".
pub fn device() -> SoftwareKeyStore {
    let keys = SoftwareKeyStore::new();
    keys.generate("device", KeyOptions::default()).unwrap();
    keys
}

pub fn device_key(keys: &dyn KeyStore) -> [u8; 65] {
    *keys.public_key("device").unwrap().as_bytes()
}

/// The virtual CNIE read the CNIE way (PACE-CAN, CA, AA over `aa`) and passively
/// authenticated.
pub fn read_cnie(aa: [u8; 8]) -> Document {
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile.clone());
    let options = ReadOptions {
        aa_challenge: Some(aa),
        ..ReadOptions::default()
    };
    let raw = DocumentReader::new(AccessKey::can(profile.can()).unwrap(), options)
        .read(&mut chip, &())
        .unwrap();
    let mut doc = Document::from_raw(raw);
    doc.verify(&csca(), Timestamp(now() as i64));
    doc
}

/// Read for this challenge and device key (AA over the derived challenge).
pub fn read_for(challenge: &[u8], keys: &dyn KeyStore) -> Document {
    read_cnie(receipt::aa_challenge(challenge, &device_key(keys)))
}

/// An enrolment of `keys`'s device key with the virtual CNIE.
pub fn enrol(keys: &dyn KeyStore) -> (SignedEnrolment, AssertedValues) {
    let doc = read_cnie([1, 2, 3, 4, 5, 6, 7, 8]);
    let signed = enrolment::enrol(
        &doc,
        keys,
        "device",
        today(),
        now() - 86_400,
        &CancelToken::new(),
    )
    .unwrap();
    (signed, AssertedValues::from_document(&doc, today()))
}

/// A synthetic face-match result (fixed, not a real matcher).
pub fn face(score_milli: u16) -> FaceMatchResult {
    FaceMatchResult {
        engine_id: "synthetic".into(),
        engine_version: "1".into(),
        score_milli,
        threshold_milli: 800,
        decision: score_milli >= 800,
        liveness: Liveness::Passed,
    }
}

pub const LIVE_CAPTURE: &[u8] = b"synthetic live capture";

/// Seals a builder's receipt with the device key.
pub fn seal(b: &ReceiptBuilder<'_>, keys: &dyn KeyStore) -> Vec<u8> {
    b.seal(keys, "device", &CancelToken::new(), &mut SystemRandom)
        .unwrap()
}

/// Decodes a payload into its map entries.
pub fn payload_map(payload: &[u8]) -> Vec<(Value, Value)> {
    match cose::from_slice(payload, 1 << 20).unwrap() {
        Value::Map(m) => m,
        _ => panic!("payload is not a map"),
    }
}

pub fn set(map: &mut Vec<(Value, Value)>, key: u64, value: Value) {
    let k = Value::Integer(key.into());
    map.retain(|(kk, _)| *kk != k);
    map.push((k, value));
}

pub fn get(map: &[(Value, Value)], key: u64) -> Value {
    let k = Value::Integer(key.into());
    map.iter().find(|(kk, _)| *kk == k).unwrap().1.clone()
}

/// Signs an arbitrary payload map with the device key and seals it to the challenge.
pub fn sign_and_seal(
    map: Vec<(Value, Value)>,
    scanned: &ScannedChallenge,
    keys: &dyn KeyStore,
) -> Vec<u8> {
    let payload = cose::to_canonical(&Value::Map(map)).unwrap();
    let signed = cose::sign1(&payload, coset::Header::default(), |tbs| {
        let der = keys.sign("device", tbs, &CancelToken::new()).unwrap();
        Ok::<_, ()>(cose::ecdsa_der_to_raw(&der).unwrap())
    })
    .unwrap();
    seal_signed(&signed, scanned)
}

/// Seals already signed receipt bytes to the challenge.
pub fn seal_signed(signed: &[u8], scanned: &ScannedChallenge) -> Vec<u8> {
    let e_d = receipt::encrypt::ephemeral_scalar(&mut SystemRandom).unwrap();
    receipt::encrypt::seal_with(
        signed,
        &scanned.cose,
        &scanned.challenge.nonce,
        &scanned.challenge.rp_key,
        &e_d,
    )
    .unwrap()
}

pub fn input(scanned: &ScannedChallenge) -> ChallengeInput<'_> {
    ChallengeInput::from(scanned)
}

pub const CHIP_CLAIMS: &[(Claim, Level)] = &[
    (Claim::Names, Level::ChipVerifiable),
    (Claim::BirthDate, Level::ChipVerifiable),
    (Claim::AgeOver18, Level::ChipVerifiable),
    (Claim::DocumentNumber, Level::ChipVerifiable),
    (Claim::Address, Level::ChipVerifiable),
    (Claim::Photo, Level::ChipVerifiable),
];

pub const DEVICE_CLAIMS: &[(Claim, Level)] = &[
    (Claim::AgeOver18, Level::DeviceAsserted),
    (Claim::Nationality, Level::DeviceAsserted),
    (Claim::Names, Level::DeviceAsserted),
];

pub fn all() -> Assurance {
    Assurance::ALL
}
