//! The relying-party flow through the exported API only (what the Kotlin and Swift tests do in
//! their languages): the verifier issues a challenge, the phone scans it, reads the virtual
//! CNIE with the derived AA challenge, binds a face match, signs with a key store and seals;
//! the verifier accepts it once. Plus the error paths a platform sees.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use monid::challenge::{
    Assurance, ChallengeError, Claim, ClaimRequest, Level, RelyingPartyTrust, scan_challenge,
};
use monid::keystore::{DeviceKeyError, DeviceKeyOptions, DeviceKeyStore, SoftwareKeyStore};
use monid::receipt::{FaceMatch, Liveness, ReceiptError, create_receipt, enrol};
use monid::vchip::{VirtualCard, test_relying_party, virtual_card_trust_anchors_pem};
use monid::verifier::{
    ChallengeSpec, Rejected, RejectionReason, RpSigningKey, Verifier, VerifierConfig,
    VerifierError, default_policy,
};
use monid::{AccessKey, CancellationToken, DocumentReader, TrustStore, default_read_options};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn verifier() -> Arc<Verifier> {
    let rp = test_relying_party();
    let csca = TrustStore::new();
    csca.add_pem_bundle(virtual_card_trust_anchors_pem());
    Verifier::new(VerifierConfig {
        signing_key: RpSigningKey::from_pem(rp.signing_key_pem).unwrap(),
        certificate_chain_pem: rp.certificate_chain_pem,
        compact: false,
        csca,
        attestation_roots_pem: String::new(),
        policy: default_policy(),
        capacity: 16,
    })
    .unwrap()
}

fn phone_trust() -> Arc<RelyingPartyTrust> {
    let t = RelyingPartyTrust::new();
    assert_eq!(
        t.add_anchors_pem(test_relying_party().anchor_pem).unwrap(),
        1
    );
    t
}

fn spec(claims: &[(Claim, Level)], assurance: Assurance) -> ChallengeSpec {
    ChallengeSpec {
        purpose: "bindings flow test".into(),
        claims: claims
            .iter()
            .map(|(claim, level)| ClaimRequest {
                claim: *claim,
                level: *level,
            })
            .collect(),
        assurance,
        response_uri: "https://bank.example.ma/monid/receipt".into(),
        lifetime_seconds: 300,
    }
}

const ALL: Assurance = Assurance {
    chip_read: true,
    chip_genuine: true,
    face_match: true,
};

fn face(score: u16) -> FaceMatch {
    FaceMatch {
        engine_id: "test-matcher".into(),
        engine_version: "1".into(),
        score_milli: score,
        threshold_milli: 800,
        decision: score >= 800,
        liveness: Liveness::Passed,
    }
}

/// Reads the virtual CNIE for `scanned` with the AA challenge bound to `device_key`.
fn read_for(
    scanned: &monid::challenge::ScannedChallenge,
    device_key: Vec<u8>,
) -> Arc<monid::Document> {
    let card = VirtualCard::cnie();
    let mut options = default_read_options();
    options.active_authentication_challenge =
        Some(scanned.active_authentication_challenge(device_key).unwrap());
    let reader = DocumentReader::new(AccessKey::can(card.can()).unwrap(), options).unwrap();
    reader.read(Arc::clone(&card).transport(), None).unwrap()
}

const PLAIN: DeviceKeyOptions = DeviceKeyOptions {
    hardware_required: false,
    user_authentication_required: false,
};

/// Issues a chip-verifiable names challenge on `v`, scans it, makes a software device key "d"
/// and reads the card for them.
fn prepared(
    v: &Verifier,
    t: u64,
) -> (
    Arc<monid::challenge::ScannedChallenge>,
    Arc<dyn DeviceKeyStore>,
    Arc<monid::Document>,
) {
    let issued = v
        .issue_challenge(spec(&[(Claim::Names, Level::ChipVerifiable)], ALL), t)
        .unwrap();
    let scanned = scan_challenge(issued.qr_text, phone_trust(), t, 120).unwrap();
    let keys = SoftwareKeyStore::new().as_device_key_store();
    let device = keys.generate("d".into(), PLAIN).unwrap();
    let doc = read_for(&scanned, device);
    (scanned, keys, doc)
}

#[test]
fn challenge_scanned_receipt_made_and_verified_once() {
    let t = now();
    let v = verifier();
    let issued = v
        .issue_challenge(
            spec(
                &[
                    (Claim::Names, Level::ChipVerifiable),
                    (Claim::AgeOver18, Level::ChipVerifiable),
                    (Claim::Photo, Level::ChipVerifiable),
                ],
                ALL,
            ),
            t,
        )
        .unwrap();
    let scanned = scan_challenge(issued.qr_text.clone(), phone_trust(), t, 120).unwrap();
    assert_eq!(scanned.rp_id(), "bank.example.ma");
    assert_eq!(scanned.confirmation_code(), issued.confirmation_code);
    assert!(scanned.needs_card());
    assert_eq!(scanned.claims().len(), 3);

    let keys = SoftwareKeyStore::new();
    let device = keys
        .clone()
        .as_device_key_store()
        .generate("device".into(), PLAIN)
        .unwrap();
    let doc = read_for(&scanned, device);
    let consent = scanned.consent_items(Some(Arc::clone(&doc)), t);
    assert!(consent.iter().any(|c| c.data_group() == Some(2)));
    assert!(!format!("{:?}", consent[0]).contains("UTO<"));

    let sealed = create_receipt(
        Arc::clone(&scanned),
        Some(doc),
        Some(face(930)),
        Some(b"live capture".to_vec()),
        None,
        keys.as_device_key_store(),
        "device".into(),
        t,
        None,
    )
    .unwrap();
    assert_eq!(sealed.response_uri, "https://bank.example.ma/monid/receipt");
    assert!(
        sealed.envelope_qr_text.is_none(),
        "a photo receipt is POSTed, not shown"
    );
    let ok = v.verify(sealed.envelope.clone(), t + 1).unwrap();
    assert!(ok.assurance.chip_read && ok.assurance.chip_genuine);
    assert_eq!(ok.assurance.face.unwrap().score_milli, 930);
    assert_eq!(ok.claims[1].age_over(), Some(true));
    assert!(ok.claims[0].primary_name().is_some());
    assert!(format!("{:?}", ok.claims[0]).contains("<redacted>"));
    assert!(ok.photo.is_some());
    // Exactly once.
    match v.verify(sealed.envelope, t + 2) {
        Err(Rejected::Receipt { reason, .. }) => assert_eq!(reason, RejectionReason::Replayed),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_signing_key_is_checked_when_made_and_never_printed() {
    let pem = test_relying_party().signing_key_pem;
    let key = RpSigningKey::from_pem(pem.clone()).unwrap();
    let printed = format!("{key:?}");
    assert_eq!(printed, "RpSigningKey(<redacted>)");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!printed.contains(&body[..16]));
    // Not a key: refused at once, with a message that names the problem only.
    for bad in [
        String::new(),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_owned(),
        test_relying_party().certificate_chain_pem,
    ] {
        match RpSigningKey::from_pem(bad) {
            Err(VerifierError::Credentials(m)) => assert!(m.contains("private key"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    // A key that is not the certificate's: refused when the verifier is built.
    let police = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-vectors/rp/keys/police.key"
    ))
    .unwrap();
    let rp = test_relying_party();
    let err = Verifier::new(VerifierConfig {
        signing_key: RpSigningKey::from_pem(police).unwrap(),
        certificate_chain_pem: rp.certificate_chain_pem,
        compact: false,
        csca: TrustStore::new(),
        attestation_roots_pem: String::new(),
        policy: default_policy(),
        capacity: 1,
    })
    .err()
    .unwrap();
    assert!(
        matches!(&err, VerifierError::Credentials(m) if m.contains("does not match")),
        "{err:?}"
    );
}

#[test]
fn low_face_score_is_refused_by_policy() {
    let t = now();
    let v = verifier();
    let (scanned, keys, doc) = prepared(&v, t);
    let sealed = create_receipt(
        scanned,
        Some(doc),
        Some(face(500)),
        Some(vec![1, 2, 3]),
        None,
        keys,
        "d".into(),
        t,
        None,
    )
    .unwrap();
    match v.verify(sealed.envelope, t) {
        Err(Rejected::Receipt { reason, detail }) => {
            assert_eq!(reason, RejectionReason::Face);
            assert!(detail.contains("face score"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn forged_and_foreign_challenges_are_refused() {
    let t = now();
    let v = verifier();
    let issued = v
        .issue_challenge(spec(&[(Claim::Names, Level::ChipVerifiable)], ALL), t)
        .unwrap();
    // No anchor: unknown relying party.
    let err = scan_challenge(issued.qr_text.clone(), RelyingPartyTrust::new(), t, 120).unwrap_err();
    assert!(
        matches!(err, ChallengeError::UnknownRelyingParty(_)),
        "{err:?}"
    );
    // A flipped character: refused with a typed error, never a panic.
    let mut text = issued.qr_text.into_bytes();
    let i = text.len() / 2;
    text[i] = if text[i] == b'A' { b'B' } else { b'A' };
    let err = scan_challenge(String::from_utf8(text).unwrap(), phone_trust(), t, 120).unwrap_err();
    assert!(
        matches!(
            err,
            ChallengeError::Malformed(_)
                | ChallengeError::BadSignature(_)
                | ChallengeError::UnknownRelyingParty(_)
        ),
        "{err:?}"
    );
    assert!(matches!(
        scan_challenge("hello".into(), phone_trust(), t, 120),
        Err(ChallengeError::Malformed(_))
    ));
}

/// A key store that fails as a platform's would.
struct Failing {
    inner: Arc<dyn DeviceKeyStore>,
    fail_with: Option<DeviceKeyError>,
    signed: AtomicBool,
}

impl DeviceKeyStore for Failing {
    fn generate(&self, alias: String, o: DeviceKeyOptions) -> Result<Vec<u8>, DeviceKeyError> {
        self.inner.generate(alias, o)
    }
    fn public_key(&self, alias: String) -> Result<Vec<u8>, DeviceKeyError> {
        self.inner.public_key(alias)
    }
    fn sign(&self, alias: String, m: Vec<u8>) -> Result<Vec<u8>, DeviceKeyError> {
        self.signed.store(true, Ordering::SeqCst);
        match &self.fail_with {
            Some(e) => Err(e.clone()),
            None => self.inner.sign(alias, m),
        }
    }
    fn delete(&self, alias: String) -> Result<(), DeviceKeyError> {
        self.inner.delete(alias)
    }
    fn attestation(&self, alias: String, c: Vec<u8>) -> Result<Vec<Vec<u8>>, DeviceKeyError> {
        self.inner.attestation(alias, c)
    }
}

#[test]
fn key_store_failures_are_typed() {
    let t = now();
    let v = verifier();
    let (scanned, soft, doc) = prepared(&v, t);
    let attempt = |fail_with: Option<DeviceKeyError>, cancel: Option<Arc<CancellationToken>>| {
        let store = Arc::new(Failing {
            inner: Arc::clone(&soft),
            fail_with,
            signed: AtomicBool::new(false),
        });
        let r = create_receipt(
            Arc::clone(&scanned),
            Some(Arc::clone(&doc)),
            Some(face(900)),
            Some(vec![9]),
            None,
            store.clone(),
            "d".into(),
            t,
            cancel,
        );
        (r, store.signed.load(Ordering::SeqCst))
    };
    assert_eq!(
        attempt(Some(DeviceKeyError::KeyInvalidated), None)
            .0
            .unwrap_err(),
        ReceiptError::KeyInvalidated
    );
    assert_eq!(
        attempt(Some(DeviceKeyError::UserCancelled), None)
            .0
            .unwrap_err(),
        ReceiptError::UserCancelled
    );
    // An exception the store does not declare, as uniffi hands it over (Kotlin's
    // stackTraceToString(), whose message holds personal data): its type name only is kept.
    match attempt(
        Some(
            uniffi::UnexpectedUniFFICallbackError::new(
                "android.security.KeyStoreException: key for ERIKSSON ANNA, doc L898902C3\n\tat x.y(Z.kt:1)",
            )
            .into(),
        ),
        None,
    )
    .0
    {
        Err(ReceiptError::KeyStore { reason }) => {
            assert!(reason.contains("unexpectedly"), "{reason}");
            assert!(reason.contains("android.security.KeyStoreException"), "{reason}");
            for leaked in ["ERIKSSON", "L898902C3", "Z.kt"] {
                assert!(!reason.contains(leaked), "{reason}");
            }
        }
        other => panic!("{other:?}"),
    }
    // The same when a store throws `Unexpected` itself with a message.
    match attempt(
        Some(DeviceKeyError::Unexpected {
            reason: "java.lang.IllegalStateException: ERIKSSON".into(),
        }),
        None,
    )
    .0
    {
        Err(ReceiptError::KeyStore { reason }) => assert!(!reason.contains("ERIKSSON")),
        other => panic!("{other:?}"),
    }
    let cancel = CancellationToken::new();
    cancel.cancel();
    let (r, signed) = attempt(None, Some(cancel));
    assert_eq!(r.unwrap_err(), ReceiptError::Cancelled);
    assert!(
        !signed,
        "a cancelled receipt never reaches the key store's prompt"
    );
    // Missing inputs are named.
    let r = create_receipt(scanned, None, None, None, None, soft, "d".into(), t, None);
    assert!(matches!(r, Err(ReceiptError::MissingInput { .. })), "{r:?}");
}

/// A key store whose every call does what an Android app's UI thread may do while the store
/// shows its BiometricPrompt: use the document (from another thread) and wait for it. The wait
/// is bounded, so a key store called under the document's lock fails the call (and the test)
/// instead of hanging.
struct UiUsesDocument {
    inner: Arc<dyn DeviceKeyStore>,
    doc: Arc<monid::Document>,
    calls: std::sync::Mutex<Vec<&'static str>>,
}

impl UiUsesDocument {
    fn ui_thread_uses_the_document(&self, during: &'static str) -> Result<(), DeviceKeyError> {
        self.calls.lock().unwrap().push(during);
        let doc = Arc::clone(&self.doc);
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let summary = doc.summary();
            let _ = (
                summary.surname,
                doc.stats(),
                doc.chip_evidence(),
                doc.files(),
            );
            let _ = done.send(());
        });
        finished
            .recv_timeout(std::time::Duration::from_secs(20))
            .map_err(|_| DeviceKeyError::Platform {
                reason: format!("the UI thread stayed blocked on the document during {during}"),
            })
    }
}

impl DeviceKeyStore for UiUsesDocument {
    fn generate(&self, alias: String, o: DeviceKeyOptions) -> Result<Vec<u8>, DeviceKeyError> {
        self.inner.generate(alias, o)
    }
    fn public_key(&self, alias: String) -> Result<Vec<u8>, DeviceKeyError> {
        self.ui_thread_uses_the_document("public_key")?;
        self.inner.public_key(alias)
    }
    fn sign(&self, alias: String, m: Vec<u8>) -> Result<Vec<u8>, DeviceKeyError> {
        self.ui_thread_uses_the_document("sign")?;
        self.inner.sign(alias, m)
    }
    fn delete(&self, alias: String) -> Result<(), DeviceKeyError> {
        self.inner.delete(alias)
    }
    fn attestation(&self, alias: String, c: Vec<u8>) -> Result<Vec<Vec<u8>>, DeviceKeyError> {
        self.ui_thread_uses_the_document("attestation")?;
        self.inner.attestation(alias, c)
    }
}

#[test]
fn the_key_store_is_never_called_with_the_document_locked() {
    let t = now();
    let v = verifier();
    let (scanned, soft, doc) = prepared(&v, t);
    let store = Arc::new(UiUsesDocument {
        inner: soft,
        doc: Arc::clone(&doc),
        calls: std::sync::Mutex::new(Vec::new()),
    });
    let sealed = create_receipt(
        scanned,
        Some(Arc::clone(&doc)),
        Some(face(900)),
        Some(vec![5]),
        None,
        store.clone(),
        "d".into(),
        t,
        None,
    )
    .unwrap();
    v.verify(sealed.envelope, t).unwrap();
    assert!(store.calls.lock().unwrap().contains(&"sign"));
    // Enrolment calls public_key, attestation and sign: none under the lock either.
    store.calls.lock().unwrap().clear();
    enrol(Arc::clone(&doc), store.clone(), "d".into(), t, None).unwrap();
    assert_eq!(
        *store.calls.lock().unwrap(),
        ["public_key", "attestation", "public_key", "sign"]
    );
}

/// A platform key store that hashes wrongly: it signs SHA-256(message) with ECDSA-SHA-256 (a
/// second SHA-256, as a store handed a digest it hashes again would), so its signatures are
/// well-formed DER that does not verify.
struct WrongDigest(Arc<dyn DeviceKeyStore>);

impl DeviceKeyStore for WrongDigest {
    fn generate(&self, alias: String, o: DeviceKeyOptions) -> Result<Vec<u8>, DeviceKeyError> {
        self.0.generate(alias, o)
    }
    fn public_key(&self, alias: String) -> Result<Vec<u8>, DeviceKeyError> {
        self.0.public_key(alias)
    }
    fn sign(&self, alias: String, m: Vec<u8>) -> Result<Vec<u8>, DeviceKeyError> {
        use sha2::Digest;
        self.0.sign(alias, sha2::Sha256::digest(&m).to_vec())
    }
    fn delete(&self, alias: String) -> Result<(), DeviceKeyError> {
        self.0.delete(alias)
    }
    fn attestation(&self, alias: String, c: Vec<u8>) -> Result<Vec<Vec<u8>>, DeviceKeyError> {
        self.0.attestation(alias, c)
    }
}

#[test]
fn a_signature_that_does_not_verify_is_refused_at_once() {
    let t = now();
    let v = verifier();
    let (scanned, soft, doc) = prepared(&v, t);
    let store = Arc::new(WrongDigest(soft));
    let r = create_receipt(
        scanned,
        Some(Arc::clone(&doc)),
        Some(face(900)),
        Some(vec![1]),
        None,
        store.clone(),
        "d".into(),
        t,
        None,
    );
    match r {
        Err(ReceiptError::KeyStore { reason }) => {
            assert!(reason.contains("does not verify"), "{reason}")
        }
        other => panic!("a receipt every relying party refuses: {other:?}"),
    }
    match enrol(doc, store, "d".into(), t, None) {
        Err(ReceiptError::KeyStore { reason }) => {
            assert!(reason.contains("does not verify"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn device_asserted_claim_rests_on_an_accepted_enrolment() {
    let t = now();
    let v = verifier();
    let keys = SoftwareKeyStore::new().as_device_key_store();
    keys.generate("d".into(), PLAIN).unwrap();
    // Enrol with a plain read (no challenge yet).
    let card = VirtualCard::cnie();
    let reader =
        DocumentReader::new(AccessKey::can(card.can()).unwrap(), default_read_options()).unwrap();
    let doc = reader.read(Arc::clone(&card).transport(), None).unwrap();
    let challenge = monid::receipt::enrolment_attestation_challenge(Arc::clone(&doc)).unwrap();
    assert_eq!(challenge.len(), 32);
    let enrolment = enrol(doc, Arc::clone(&keys), "d".into(), t, None).unwrap();
    let sealed = enrolment.seal(vec![3; 32]).unwrap();
    let enrolment = monid::receipt::Enrolment::open(sealed, vec![3; 32]).unwrap();
    v.accept_enrolment(enrolment.signed_bytes(), t).unwrap();

    let none = Assurance {
        chip_read: false,
        chip_genuine: false,
        face_match: false,
    };
    let issued = v
        .issue_challenge(spec(&[(Claim::AgeOver18, Level::DeviceAsserted)], none), t)
        .unwrap();
    let scanned = scan_challenge(issued.qr_text, phone_trust(), t, 120).unwrap();
    assert!(!scanned.needs_card());
    let receipt = create_receipt(
        scanned,
        None,
        None,
        None,
        Some(enrolment),
        keys,
        "d".into(),
        t,
        None,
    )
    .unwrap();
    assert!(
        receipt
            .envelope_qr_text
            .as_deref()
            .unwrap()
            .starts_with("ME1:")
    );
    let ok = v.verify(receipt.envelope, t).unwrap();
    assert_eq!(ok.claims[0].age_over(), Some(true));
    assert_eq!(ok.assurance.level, Level::DeviceAsserted);
}

/// A portal's shared stores (what Redis would be), written against the exported traits.
#[derive(Default)]
struct Shared {
    challenges:
        std::sync::Mutex<std::collections::HashMap<Vec<u8>, monid::verifier::PendingChallenge>>,
    nonces: std::sync::Mutex<std::collections::HashSet<Vec<u8>>>,
    broken: AtomicBool,
}

impl monid::verifier::ChallengeStore for Shared {
    fn insert(
        &self,
        nonce: Vec<u8>,
        pending: monid::verifier::PendingChallenge,
    ) -> Result<(), monid::verifier::StoreError> {
        let mut m = self.challenges.lock().unwrap();
        if m.contains_key(&nonce) {
            return Err(monid::verifier::StoreError::Duplicate);
        }
        m.insert(nonce, pending);
        Ok(())
    }
    fn get(
        &self,
        nonce: Vec<u8>,
    ) -> Result<Option<monid::verifier::PendingChallenge>, monid::verifier::StoreError> {
        Ok(self.challenges.lock().unwrap().get(&nonce).cloned())
    }
    fn remove(&self, nonce: Vec<u8>) -> Result<bool, monid::verifier::StoreError> {
        Ok(self.challenges.lock().unwrap().remove(&nonce).is_some())
    }
    fn purge_expired(&self, now: u64) -> Result<u64, monid::verifier::StoreError> {
        let mut m = self.challenges.lock().unwrap();
        let before = m.len();
        m.retain(|_, p| p.expires_at >= now);
        Ok((before - m.len()) as u64)
    }
}

impl monid::verifier::NonceStore for Shared {
    fn consume(&self, nonce: Vec<u8>, _: u64) -> Result<bool, monid::verifier::StoreError> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(uniffi::UnexpectedUniFFICallbackError::new(
                "redis.clients.jedis.exceptions.JedisConnectionException: AUTH s3cr3t-password failed",
            )
            .into());
        }
        Ok(self.nonces.lock().unwrap().insert(nonce))
    }
    fn purge_expired(&self, _: u64) -> Result<u64, monid::verifier::StoreError> {
        Ok(0)
    }
}

fn verifier_on(shared: &Arc<Shared>) -> Arc<Verifier> {
    let rp = test_relying_party();
    let csca = TrustStore::new();
    csca.add_pem_bundle(virtual_card_trust_anchors_pem());
    Verifier::with_stores(
        VerifierConfig {
            signing_key: RpSigningKey::from_pem(rp.signing_key_pem).unwrap(),
            certificate_chain_pem: rp.certificate_chain_pem,
            compact: false,
            csca,
            attestation_roots_pem: String::new(),
            policy: default_policy(),
            capacity: 16,
        },
        shared.clone(),
        shared.clone(),
    )
    .unwrap()
}

#[test]
fn instances_sharing_stores_answer_each_challenge_once() {
    let t = now();
    let shared = Arc::new(Shared::default());
    let (a, b) = (verifier_on(&shared), verifier_on(&shared));
    let (scanned, keys, doc) = prepared(&a, t);
    assert_eq!(shared.challenges.lock().unwrap().len(), 1);
    // The stored secret is redacted in Debug.
    let dbg = format!(
        "{:?}",
        shared.challenges.lock().unwrap().values().next().unwrap()
    );
    assert!(dbg.contains("<redacted>"), "{dbg}");
    let sealed = create_receipt(
        scanned,
        Some(doc),
        Some(face(900)),
        Some(vec![7]),
        None,
        keys,
        "d".into(),
        t,
        None,
    )
    .unwrap();
    // The nonce store is down: refused with reason Store, nonce not consumed.
    shared.broken.store(true, Ordering::SeqCst);
    match b.verify(sealed.envelope.clone(), t) {
        Err(Rejected::Receipt { reason, detail }) => {
            assert_eq!(reason, RejectionReason::Store);
            assert!(detail.contains("unexpectedly"), "{detail}");
            assert!(detail.contains("JedisConnectionException"), "{detail}");
            assert!(!detail.contains("s3cr3t"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    shared.broken.store(false, Ordering::SeqCst);
    // Instance B verifies what A issued; A then sees a replay.
    b.verify(sealed.envelope.clone(), t).unwrap();
    match a.verify(sealed.envelope, t) {
        Err(Rejected::Receipt { reason, .. }) => assert_eq!(reason, RejectionReason::Replayed),
        other => panic!("{other:?}"),
    }
}
