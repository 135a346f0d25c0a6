//! The relying party's verifier end to end: challenges issued by `Verifier`, scanned as the
//! phone does, answered with receipts made by monid-core's `ReceiptBuilder` from the virtual
//! CNIE (PACE-CAN, CA, AA over the derived challenge) and a `SoftwareKeyStore` device key,
//! verified; and every rejection of issue 6, one test each.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use ciborium::Value;
use common::*;
use monid_core::challenge::{Assurance, Claim, Level};
use monid_core::receipt::{ChallengeInput, ClaimValue, Dg2Digest, Liveness, ReceiptBuilder};
use monid_core::tz;
use monid_verifier::{AttestationVerdict, Evidence, Policy, Rejection};

#[test]
fn happy_path_chip_verifiable_with_face_and_aa() {
    let v = verifier();
    let issued = v
        .issue_challenge(&spec(CHIP_CLAIMS, all()), now(), &mut SystemRandom)
        .unwrap();
    assert!(issued.qr_text.starts_with("MC1:"));
    assert_eq!(issued.confirmation_code.len(), 6);
    let scanned = scan(&issued);
    assert_eq!(scanned.confirmation_code, issued.confirmation_code);
    let keys = device();
    let doc = read_for(&scanned.cose, &keys);
    let b = ReceiptBuilder::new(input(&scanned), now() + 10)
        .document(&doc)
        .face(face(912), LIVE_CAPTURE);
    let env = seal(&b, &keys);
    let r = v.verify(&env, now() + 20).unwrap();
    assert_eq!(r.assurance.level, Level::ChipVerifiable);
    assert!(r.assurance.chip_read && r.assurance.chip_genuine);
    assert_eq!(r.assurance.face.unwrap().score_milli, 912);
    assert_eq!(r.assurance.face.unwrap().liveness, Liveness::Passed);
    assert_eq!(r.claims.len(), CHIP_CLAIMS.len());
    for c in &r.claims {
        assert_eq!(
            c.evidence,
            Evidence::DataGroup {
                number: c.claim.data_group(),
                chip_genuine: true
            }
        );
    }
    let mrz = doc.mrz.as_ref().unwrap();
    match &r.claim(Claim::DocumentNumber).unwrap().value {
        ClaimValue::Text(t) => assert_eq!(t.as_str(), mrz.document_number().trim_end_matches('<')),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        r.claim(Claim::AgeOver18).unwrap().value,
        ClaimValue::AgeOver { over: true, ref as_of } if as_of == "2026-11-25"
    ));
    assert_eq!(
        r.photo.as_deref().map(|p| p.as_slice()),
        doc.raw.file(monid_core::lds::FileId::Dg2)
    );
    // Debug is redacted.
    let dbg = format!("{r:?}");
    assert!(!dbg.contains(mrz.document_number().trim_end_matches('<')));
}

#[test]
fn happy_path_device_asserted() {
    let v = verifier();
    let keys = device();
    let (signed, values) = enrol(&keys);
    let accepted = v.accept_enrolment(signed.as_bytes(), now()).unwrap();
    assert_eq!(accepted.id, signed.enrolment_id());
    assert_eq!(accepted.attestation, AttestationVerdict::Absent);
    let issued = v
        .issue_challenge(
            &spec(DEVICE_CLAIMS, Assurance::FACE_MATCH),
            now(),
            &mut SystemRandom,
        )
        .unwrap();
    let scanned = scan(&issued);
    let dg2 = Dg2Digest {
        algorithm: accepted.dg2_digest.algorithm.clone(),
        digest: accepted.dg2_digest.digest.clone(),
    };
    let b = ReceiptBuilder::new(input(&scanned), now() + 10)
        .enrolment(&values, signed.enrolment_id())
        .dg2_digest(dg2)
        .face(face(870), LIVE_CAPTURE);
    let env = seal(&b, &keys);
    let r = v.verify(&env, now() + 20).unwrap();
    assert_eq!(r.assurance.level, Level::DeviceAsserted);
    assert!(!r.assurance.chip_read && !r.assurance.chip_genuine);
    assert_eq!(r.assurance.attestation, Some(AttestationVerdict::Absent));
    assert_eq!(r.claims.len(), 3);
    assert!(matches!(
        r.claim(Claim::AgeOver18).unwrap().value,
        ClaimValue::AgeOver { over: true, .. }
    ));
    match &r.claim(Claim::Nationality).unwrap().value {
        ClaimValue::Text(t) => assert_eq!(t.len(), 3),
        other => panic!("{other:?}"),
    }
}

/// A device-asserted challenge (age over 18), enrolled device, a sealed receipt.
struct Asserted {
    v: monid_verifier::Verifier,
    env: Vec<u8>,
    expires_at: u64,
}

fn asserted_case(policy: Policy) -> Asserted {
    let v = verifier_with(policy);
    let keys = device();
    let (signed, values) = enrol(&keys);
    v.accept_enrolment(signed.as_bytes(), now()).unwrap();
    let issued = v
        .issue_challenge(
            &spec(&[(Claim::AgeOver18, Level::DeviceAsserted)], Assurance(0)),
            now(),
            &mut SystemRandom,
        )
        .unwrap();
    let scanned = scan(&issued);
    let b = ReceiptBuilder::new(input(&scanned), now()).enrolment(&values, signed.enrolment_id());
    Asserted {
        env: seal(&b, &keys),
        v,
        expires_at: issued.expires_at,
    }
}

#[test]
fn rejects_replayed() {
    let c = asserted_case(Policy::default());
    c.v.verify(&c.env, now() + 1).unwrap();
    assert_eq!(
        c.v.verify(&c.env, now() + 2).err(),
        Some(Rejection::Replayed)
    );
}

#[test]
fn rejects_expired() {
    let c = asserted_case(Policy::default());
    let skew = Policy::default().clock_skew_secs;
    assert_eq!(
        c.v.verify(&c.env, c.expires_at + skew + 1).err(),
        Some(Rejection::Expired)
    );
    // Within the skew it is still accepted (and an expired one did not consume the nonce).
    c.v.verify(&c.env, c.expires_at + skew).unwrap();
}

#[test]
fn rejects_truncated_or_oversized_input() {
    let c = asserted_case(Policy::default());
    for cut in [0, 1, 10, c.env.len() / 2, c.env.len() - 1] {
        let e = c.v.verify(&c.env[..cut], now()).unwrap_err();
        assert!(
            matches!(e, Rejection::Malformed(_) | Rejection::DecryptionFailed),
            "cut {cut}: {e:?}"
        );
    }
    let big = vec![0u8; Policy::default().max_envelope_len + 1];
    assert_eq!(c.v.verify(&big, now()).err(), Some(Rejection::TooLong));
    // A trailing byte.
    let mut longer = c.env.clone();
    longer.push(0);
    assert!(matches!(
        c.v.verify(&longer, now()).err(),
        Some(Rejection::Malformed(_))
    ));
    // The genuine one still goes through: none of the above consumed the nonce.
    c.v.verify(&c.env, now()).unwrap();
}

#[test]
fn rejects_unknown_challenge() {
    let c = asserted_case(Policy::default());
    let other = verifier();
    assert_eq!(
        other.verify(&c.env, now()).err(),
        Some(Rejection::UnknownChallenge)
    );
}

#[test]
fn rejects_tampered_ciphertext() {
    let c = asserted_case(Policy::default());
    let mut t = c.env.clone();
    let last = t.len() - 1;
    t[last] ^= 1;
    assert_eq!(
        c.v.verify(&t, now()).err(),
        Some(Rejection::DecryptionFailed)
    );
    c.v.verify(&c.env, now()).unwrap();
}

#[test]
fn rejects_wrong_relying_party() {
    let v = verifier();
    let keys = device();
    let (signed, values) = enrol(&keys);
    v.accept_enrolment(signed.as_bytes(), now()).unwrap();
    let issued = v
        .issue_challenge(
            &spec(&[(Claim::AgeOver18, Level::DeviceAsserted)], Assurance(0)),
            now(),
            &mut SystemRandom,
        )
        .unwrap();
    let scanned = scan(&issued);
    let mut ci = input(&scanned);
    ci.rp_id = "evil.example";
    let b = ReceiptBuilder::new(ci, now()).enrolment(&values, signed.enrolment_id());
    assert_eq!(
        v.verify(&seal(&b, &keys), now()).err(),
        Some(Rejection::WrongRelyingParty)
    );
}

/// The payload of a device-asserted receipt, its challenge and the keys, to break and re-sign.
struct Editable {
    v: monid_verifier::Verifier,
    scanned: monid_core::challenge::ScannedChallenge,
    keys: monid_core::keys::SoftwareKeyStore,
    map: Vec<(Value, Value)>,
}

fn editable(claims: &[(Claim, Level)]) -> Editable {
    let v = verifier();
    let keys = device();
    let (signed, values) = enrol(&keys);
    v.accept_enrolment(signed.as_bytes(), now()).unwrap();
    let issued = v
        .issue_challenge(&spec(claims, Assurance(0)), now(), &mut SystemRandom)
        .unwrap();
    let scanned = scan(&issued);
    let b = ReceiptBuilder::new(input(&scanned), now()).enrolment(&values, signed.enrolment_id());
    let map = payload_map(&b.payload(&device_key(&keys)).unwrap());
    drop(b);
    Editable {
        v,
        scanned,
        keys,
        map,
    }
}

#[test]
fn rejects_forged_signature() {
    let e = editable(DEVICE_CLAIMS);
    // Signed by another key but naming the device key.
    let other = device();
    let env = sign_and_seal(e.map.clone(), &e.scanned, &other);
    assert_eq!(e.v.verify(&env, now()).err(), Some(Rejection::BadSignature));
    // The nonce was not consumed: the genuine receipt still goes through.
    let env = sign_and_seal(e.map, &e.scanned, &e.keys);
    e.v.verify(&env, now()).unwrap();
}

#[test]
fn rejects_swapped_signature() {
    let e = editable(DEVICE_CLAIMS);
    let payload = monid_core::cose::to_canonical(&Value::Map(e.map.clone())).unwrap();
    let sign = |p: &[u8]| {
        monid_core::cose::sign1(p, coset::Header::default(), |tbs| {
            let der = e
                .keys
                .sign("device", tbs, &monid_core::CancelToken::new())
                .unwrap();
            Ok::<_, ()>(monid_core::cose::ecdsa_der_to_raw(&der).unwrap())
        })
        .unwrap()
    };
    let good = sign(&payload);
    let mut other_map = e.map.clone();
    set(&mut other_map, 5, Value::Integer((now() + 1).into()));
    let other = sign(&monid_core::cose::to_canonical(&Value::Map(other_map)).unwrap());
    // The good payload with the other receipt's signature (the last 64 bytes).
    let mut swapped = good.clone();
    let n = swapped.len();
    swapped[n - 64..].copy_from_slice(&other[other.len() - 64..]);
    let env = seal_signed(&swapped, &e.scanned);
    assert_eq!(e.v.verify(&env, now()).err(), Some(Rejection::BadSignature));
}

#[test]
fn rejects_tampered_claims() {
    let e = editable(DEVICE_CLAIMS);
    let payload = monid_core::cose::to_canonical(&Value::Map(e.map.clone())).unwrap();
    let signed = monid_core::cose::sign1(&payload, coset::Header::default(), |tbs| {
        let der = e
            .keys
            .sign("device", tbs, &monid_core::CancelToken::new())
            .unwrap();
        Ok::<_, ()>(monid_core::cose::ecdsa_der_to_raw(&der).unwrap())
    })
    .unwrap();
    // Flip "true" (0xF5) of age_over_18 to "false" (0xF4) inside the signed bytes.
    let pos = signed.windows(2).position(|w| w == [0x82, 0xF5]).unwrap();
    let mut t = signed.clone();
    t[pos + 1] = 0xF4;
    let env = seal_signed(&t, &e.scanned);
    assert_eq!(e.v.verify(&env, now()).err(), Some(Rejection::BadSignature));
    // Re-signed by the device (a lying phone): the value does not match the enrolment.
    let mut map = e.map.clone();
    let Value::Array(mut claims) = get(&map, 9) else {
        panic!()
    };
    claims[0] = Value::Array(vec![
        Value::Integer(3.into()),
        Value::Integer(2.into()),
        Value::Array(vec![Value::Bool(false), Value::Text(tz::iso_date(today()))]),
    ]);
    set(&mut map, 9, Value::Array(claims));
    let env = sign_and_seal(map, &e.scanned, &e.keys);
    assert_eq!(
        e.v.verify(&env, now()).err(),
        Some(Rejection::ClaimValueMismatch(Claim::AgeOver18))
    );
    // ... and that consumed the nonce: an edited retry is refused as a replay.
    let env = sign_and_seal(e.map, &e.scanned, &e.keys);
    assert_eq!(e.v.verify(&env, now()).err(), Some(Rejection::Replayed));
}

#[test]
fn rejects_claims_not_requested() {
    let v = verifier();
    let keys = device();
    let (signed, values) = enrol(&keys);
    v.accept_enrolment(signed.as_bytes(), now()).unwrap();
    let issued = v
        .issue_challenge(
            &spec(&[(Claim::AgeOver18, Level::DeviceAsserted)], Assurance(0)),
            now(),
            &mut SystemRandom,
        )
        .unwrap();
    let scanned = scan(&issued);
    let mut ci: ChallengeInput<'_> = input(&scanned);
    ci.claims
        .push((Claim::DocumentNumber, Level::DeviceAsserted));
    let b = ReceiptBuilder::new(ci, now()).enrolment(&values, signed.enrolment_id());
    assert_eq!(
        v.verify(&seal(&b, &keys), now()).err(),
        Some(Rejection::ClaimNotRequested(Claim::DocumentNumber))
    );
}

#[test]
fn rejects_claim_missing() {
    let e = editable(DEVICE_CLAIMS);
    let mut map = e.map.clone();
    let Value::Array(mut claims) = get(&map, 9) else {
        panic!()
    };
    claims.pop();
    set(&mut map, 9, Value::Array(claims));
    let env = sign_and_seal(map, &e.scanned, &e.keys);
    assert_eq!(
        e.v.verify(&env, now()).err(),
        Some(Rejection::ClaimMissing(Claim::Names))
    );
}

#[test]
fn rejects_enrolment_from_another_device_key() {
    let v = verifier();
    let enrolled = device();
    let (signed, values) = enrol(&enrolled);
    v.accept_enrolment(signed.as_bytes(), now()).unwrap();
    let issued = v
        .issue_challenge(&spec(DEVICE_CLAIMS, Assurance(0)), now(), &mut SystemRandom)
        .unwrap();
    let scanned = scan(&issued);
    let thief = device();
    let b = ReceiptBuilder::new(input(&scanned), now()).enrolment(&values, signed.enrolment_id());
    assert_eq!(
        v.verify(&seal(&b, &thief), now()).err(),
        Some(Rejection::EnrolmentDeviceMismatch)
    );
}

#[test]
fn rejects_unknown_enrolment() {
    let v = verifier();
    let keys = device();
    let (signed, values) = enrol(&keys);
    // Not accepted.
    let issued = v
        .issue_challenge(&spec(DEVICE_CLAIMS, Assurance(0)), now(), &mut SystemRandom)
        .unwrap();
    let scanned = scan(&issued);
    let b = ReceiptBuilder::new(input(&scanned), now()).enrolment(&values, signed.enrolment_id());
    assert_eq!(
        v.verify(&seal(&b, &keys), now()).err(),
        Some(Rejection::EnrolmentUnknown)
    );
}

#[test]
fn rejects_attestation_when_required() {
    let c = asserted_case(Policy {
        attestation_required: true,
        ..Policy::default()
    });
    assert_eq!(
        c.v.verify(&c.env, now()).err(),
        Some(Rejection::AttestationRequired)
    );
}

/// A chip-verifiable challenge with face match and chip genuine, the document read for it.
struct ChipCase {
    v: monid_verifier::Verifier,
    scanned: monid_core::challenge::ScannedChallenge,
    keys: monid_core::keys::SoftwareKeyStore,
    doc: monid_core::document::Document,
}

fn chip_case(policy: Policy, claims: &[(Claim, Level)]) -> ChipCase {
    let v = verifier_with(policy);
    let issued = v
        .issue_challenge(&spec(claims, all()), now(), &mut SystemRandom)
        .unwrap();
    let scanned = scan(&issued);
    let keys = device();
    let doc = read_for(&scanned.cose, &keys);
    ChipCase {
        v,
        scanned,
        keys,
        doc,
    }
}

#[test]
fn rejects_face_score_below_policy() {
    let c = chip_case(Policy::default(), &[(Claim::Names, Level::ChipVerifiable)]);
    let b = ReceiptBuilder::new(input(&c.scanned), now())
        .document(&c.doc)
        .face(face(799), LIVE_CAPTURE);
    assert_eq!(
        c.v.verify(&seal(&b, &c.keys), now()).err(),
        Some(Rejection::FaceScoreBelowPolicy)
    );
}

#[test]
fn rejects_liveness_failed() {
    let c = chip_case(Policy::default(), &[(Claim::Names, Level::ChipVerifiable)]);
    let mut f = face(950);
    f.liveness = Liveness::Failed;
    let b = ReceiptBuilder::new(input(&c.scanned), now())
        .document(&c.doc)
        .face(f, LIVE_CAPTURE);
    assert_eq!(
        c.v.verify(&seal(&b, &c.keys), now()).err(),
        Some(Rejection::LivenessRequired)
    );
}

#[test]
fn rejects_chip_verifiable_claim_not_matching_its_data_group() {
    let mut c = chip_case(Policy::default(), &[(Claim::Names, Level::ChipVerifiable)]);
    // Another name in DG1 (one byte of the MRZ's name field changed).
    let dg1 = c
        .doc
        .raw
        .files
        .iter_mut()
        .find(|f| f.id == monid_core::lds::FileId::Dg1)
        .unwrap();
    let n = dg1.bytes.len();
    dg1.bytes[n - 3] = if dg1.bytes[n - 3] == b'X' { b'Y' } else { b'X' };
    let b = ReceiptBuilder::new(input(&c.scanned), now())
        .document(&c.doc)
        .face(face(950), LIVE_CAPTURE);
    assert_eq!(
        c.v.verify(&seal(&b, &c.keys), now()).err(),
        Some(Rejection::DataGroupMismatch(1))
    );
}

#[test]
fn rejects_dg2_digest_not_matching_the_sod() {
    let c = chip_case(Policy::default(), &[(Claim::Names, Level::ChipVerifiable)]);
    let b = ReceiptBuilder::new(input(&c.scanned), now())
        .document(&c.doc)
        .face(face(950), LIVE_CAPTURE);
    let mut map = payload_map(&b.payload(&device_key(&c.keys)).unwrap());
    let Value::Map(mut f) = get(&map, 7) else {
        panic!()
    };
    set(
        &mut f,
        8,
        Value::Array(vec![
            Value::Text("sha256".into()),
            Value::Bytes(vec![0x42; 32]),
        ]),
    );
    set(&mut map, 7, Value::Map(f));
    let env = sign_and_seal(map, &c.scanned, &c.keys);
    assert_eq!(
        c.v.verify(&env, now()).err(),
        Some(Rejection::Dg2DigestMismatch)
    );
}

#[test]
fn rejects_aa_signature_over_another_nonce() {
    // The card answered AA for another challenge (another nonce): the receipt carries that
    // AA challenge and signature, re-bound to this challenge by a lying phone.
    let c = chip_case(Policy::default(), &[(Claim::Names, Level::ChipVerifiable)]);
    let other = chip_case(Policy::default(), &[(Claim::Names, Level::ChipVerifiable)]);
    let other_doc = read_for(&other.scanned.cose, &c.keys);
    let b = ReceiptBuilder::new(input(&other.scanned), now())
        .document(&other_doc)
        .face(face(950), LIVE_CAPTURE);
    let mut map = payload_map(&b.payload(&device_key(&c.keys)).unwrap());
    set(
        &mut map,
        2,
        Value::Bytes(
            sha2::Digest::finalize(sha2::Digest::chain_update(
                <sha2::Sha256 as sha2::Digest>::new(),
                &c.scanned.cose,
            ))
            .to_vec(),
        ),
    );
    set(
        &mut map,
        3,
        Value::Bytes(c.scanned.challenge.nonce.to_vec()),
    );
    let env = sign_and_seal(map.clone(), &c.scanned, &c.keys);
    assert_eq!(
        c.v.verify(&env, now()).err(),
        Some(Rejection::AaChallengeMismatch)
    );
    // The recorded challenge replaced by this one's: the signature does not verify over it.
    let c2 = chip_case(Policy::default(), &[(Claim::Names, Level::ChipVerifiable)]);
    let mut map = payload_map(&b.payload(&device_key(&c.keys)).unwrap());
    set(
        &mut map,
        2,
        Value::Bytes(
            sha2::Digest::finalize(sha2::Digest::chain_update(
                <sha2::Sha256 as sha2::Digest>::new(),
                &c2.scanned.cose,
            ))
            .to_vec(),
        ),
    );
    set(
        &mut map,
        3,
        Value::Bytes(c2.scanned.challenge.nonce.to_vec()),
    );
    let Value::Map(mut chip) = get(&map, 8) else {
        panic!()
    };
    let Value::Array(aa) = get(&chip, 3) else {
        panic!()
    };
    let derived = monid_core::receipt::aa_challenge(&c2.scanned.cose, &device_key(&c.keys));
    set(
        &mut chip,
        3,
        Value::Array(vec![Value::Bytes(derived.to_vec()), aa[1].clone()]),
    );
    set(&mut map, 8, Value::Map(chip));
    let env = sign_and_seal(map, &c2.scanned, &c.keys);
    assert_eq!(
        c2.v.verify(&env, now()).err(),
        Some(Rejection::AaBadSignature)
    );
}

#[test]
fn rejects_chip_not_genuine_without_aa() {
    let c = chip_case(Policy::default(), &[(Claim::Names, Level::ChipVerifiable)]);
    let b = ReceiptBuilder::new(input(&c.scanned), now())
        .document(&c.doc)
        .face(face(950), LIVE_CAPTURE);
    let mut map = payload_map(&b.payload(&device_key(&c.keys)).unwrap());
    let Value::Map(mut chip) = get(&map, 8) else {
        panic!()
    };
    chip.retain(|(k, _)| *k != Value::Integer(3.into()));
    // DG15 without AA is not requested: drop it too.
    let Value::Map(mut dgs) = get(&chip, 2) else {
        panic!()
    };
    dgs.retain(|(k, _)| *k != Value::Integer(15.into()));
    set(&mut chip, 2, Value::Map(dgs));
    set(&mut map, 8, Value::Map(chip));
    let env = sign_and_seal(map, &c.scanned, &c.keys);
    assert_eq!(
        c.v.verify(&env, now()).err(),
        Some(Rejection::ChipNotGenuine)
    );
}

#[test]
fn rejection_display_names_the_check_only() {
    // Display strings are fixed text (plus vocabulary: claim names, data-group numbers).
    assert_eq!(
        Rejection::Replayed.to_string(),
        "replayed: the challenge was already answered"
    );
    assert_eq!(
        Rejection::ClaimValueMismatch(Claim::Names).to_string(),
        "claim Names does not match its evidence"
    );
    assert_eq!(
        Rejection::DataGroupMismatch(1).to_string(),
        "data group 1 does not match EF.SOD"
    );
}

use monid_core::keys::KeyStore;
use monid_core::rand::SystemRandom;

#[test]
fn concurrency_same_receipt_64_threads_exactly_one_acceptance() {
    let c = asserted_case(Policy::default());
    let v = std::sync::Arc::new(c.v);
    let env = std::sync::Arc::new(c.env);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(64));
    let threads: Vec<_> = (0..64)
        .map(|_| {
            let (v, env, barrier) = (v.clone(), env.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                v.verify(&env, now())
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let accepted = results.iter().filter(|r| r.is_ok()).count();
    let replayed = results
        .iter()
        .filter(|r| matches!(r, Err(Rejection::Replayed)))
        .count();
    assert_eq!((accepted, replayed), (1, 63));
}

#[test]
fn concurrency_distinct_receipts_64_threads_all_accepted() {
    let v = verifier();
    let keys = device();
    let (signed, values) = enrol(&keys);
    v.accept_enrolment(signed.as_bytes(), now()).unwrap();
    let envelopes: Vec<Vec<u8>> = (0..64)
        .map(|_| {
            let issued = v
                .issue_challenge(&spec(DEVICE_CLAIMS, Assurance(0)), now(), &mut SystemRandom)
                .unwrap();
            let scanned = scan(&issued);
            let b = ReceiptBuilder::new(input(&scanned), now())
                .enrolment(&values, signed.enrolment_id());
            seal(&b, &keys)
        })
        .collect();
    let v = std::sync::Arc::new(v);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(64));
    let threads: Vec<_> = envelopes
        .into_iter()
        .map(|env| {
            let (v, barrier) = (v.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                v.verify(&env, now()).map(|r| r.claims.len())
            })
        })
        .collect();
    let ok = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|r| *r == Ok(3))
        .count();
    assert_eq!(ok, 64);
}

#[test]
fn accept_enrolment_rejections() {
    use monid_core::enrolment::EnrolmentRecord;
    use monid_verifier::EnrolmentRejection;
    let v = verifier();
    let keys = device();
    let (signed, _) = enrol(&keys);
    // A flipped byte: the record does not parse or its signature fails.
    let mut t = signed.as_bytes().to_vec();
    let n = t.len();
    t[n - 10] ^= 1;
    assert!(matches!(
        v.accept_enrolment(&t, now()),
        Err(EnrolmentRejection::Record(_))
    ));
    // A claim that is not what DG1 says, signed by the device: refused.
    let doc = read_cnie([0; 8]);
    let mut record = EnrolmentRecord::from_document(
        &doc,
        today(),
        now(),
        keys.public_key("device").unwrap(),
        vec![],
    )
    .unwrap();
    record.claims.nationality = Some("XXX".into());
    let lying = record
        .sign(&keys, "device", &monid_core::CancelToken::new())
        .unwrap();
    assert_eq!(
        v.accept_enrolment(lying.as_bytes(), now()).err(),
        Some(EnrolmentRejection::ClaimMismatch(Claim::Nationality))
    );
    // No CSCA for the document: passive authentication incomplete.
    let untrusting = {
        monid_verifier::Verifier::new(monid_verifier::VerifierConfig {
            signer: signer(),
            form: monid_core::challenge::Form::Full,
            csca: monid_core::pki::trust::TrustStore::new(),
            attestation_roots: Vec::new(),
            policy: Policy::default(),
            challenges: std::sync::Arc::new(monid_verifier::MemoryChallengeStore::new(4)),
            nonces: std::sync::Arc::new(monid_verifier::MemoryNonceStore::new(4)),
            enrolments: std::sync::Arc::new(monid_verifier::MemoryEnrolmentStore::new(4)),
        })
    };
    assert!(matches!(
        untrusting.accept_enrolment(signed.as_bytes(), now()),
        Err(EnrolmentRejection::PassiveAuthentication(_))
    ));
    // The genuine one is accepted.
    v.accept_enrolment(signed.as_bytes(), now()).unwrap();
}
