//! Issue / scan round trips and every scanner rejection, against the test RP PKI made by
//! openssl (`test-vectors/rp/make-rp-pki.sh`).

use super::*;
use crate::rand::FixedRandom;

/// 2026-11-25T00:00:00Z: inside police.pem's validity, after police-expired.pem's.
const NOW: u64 = 1_795_564_800;

fn rp_file(rel: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../test-vectors/rp/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn signer(name: &str) -> RpSigner {
    RpSigner::from_pem(
        &rp_file(&format!("keys/{name}.key")),
        &rp_file(&format!("certs/{name}.pem")),
    )
    .unwrap()
}

fn trust() -> RelyingPartyTrust {
    let mut t = RelyingPartyTrust::new();
    t.add_anchors_pem(&rp_file("certs/rp-anchor.pem")).unwrap();
    t
}

fn rp_key() -> [u8; 33] {
    let k = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    k.verifying_key()
        .to_sec1_point(true)
        .as_bytes()
        .try_into()
        .unwrap()
}

fn request() -> ChallengeRequest {
    ChallengeRequest {
        purpose: "Déclaration de perte en ligne".into(),
        claims: vec![
            ClaimRequest {
                claim: Claim::Names,
                level: Level::ChipVerifiable,
            },
            ClaimRequest {
                claim: Claim::AgeOver18,
                level: Level::DeviceAsserted,
            },
            ClaimRequest {
                claim: Claim::Photo,
                level: Level::ChipVerifiable,
            },
        ],
        assurance: Assurance::CHIP_READ
            .with(Assurance::CHIP_GENUINE)
            .with(Assurance::FACE_MATCH),
        response_uri: "https://police.ma/monid/r".into(),
        lifetime_secs: 300,
        rp_key: rp_key(),
    }
}

fn rng() -> FixedRandom {
    FixedRandom::new((0u8..16).collect())
}

fn issued(name: &str, form: Form) -> IssuedChallenge {
    issue(&signer(name), &request(), form, NOW, &mut rng()).unwrap()
}

fn payload(s: &RpSigner) -> Challenge {
    Challenge {
        version: 1,
        rp_id: s.rp_id().into(),
        nonce: [9; 16],
        issued_at: NOW,
        expires_at: NOW + 300,
        purpose: "test".into(),
        claims: request().claims,
        assurance: Assurance::CHIP_READ,
        response_uri: "https://police.ma/r".into(),
        rp_key: rp_key(),
    }
}

/// Signs arbitrary payload bytes with the given signer, full form.
fn sign_bytes(s: &RpSigner, payload: &[u8]) -> Vec<u8> {
    let mut h = Header::default();
    h.rest.push((
        Label::Int(X5CHAIN),
        Value::Bytes(s.chain()[0].raw().to_vec()),
    ));
    cose::sign1(payload, h, |tbs| Ok::<_, ()>(s.sign_raw(tbs))).unwrap()
}

#[test]
fn full_form_round_trip() {
    let i = issued("police", Form::Full);
    assert!(i.qr_text.starts_with("MC1:"));
    assert_eq!(i.challenge.rp_id, "police.ma");
    assert_eq!(
        i.challenge.nonce,
        *b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
    );
    let s = scan(i.qr_text.as_bytes(), &trust(), NOW + 10, DEFAULT_SKEW_SECS).unwrap();
    assert_eq!(s.challenge, i.challenge);
    assert_eq!(s.rp_display_name, "DGSN e-services (TEST)");
    assert_eq!(s.confirmation_code, i.confirmation_code);
    assert_eq!(s.confirmation_code.len(), 6);
    assert_eq!(s.cose, i.cose);
    assert_eq!(s.form, Form::Full);
    assert!(s.clock_ok());
    // Raw COSE bytes scan too.
    assert!(scan(&i.cose, &trust(), NOW, 120).is_ok());
    // Surrounding whitespace (a scanner's newline) is ignored.
    let text = format!("{}\n", i.qr_text);
    assert!(scan(text.as_bytes(), &trust(), NOW, 120).is_ok());
}

#[test]
fn compact_form_needs_the_directory() {
    let i = issued("police", Form::Compact);
    assert!(i.cose.len() < issued("police", Form::Full).cose.len());
    assert_eq!(
        scan(i.qr_text.as_bytes(), &trust(), NOW, 120).unwrap_err(),
        ScanError::UnknownRelyingParty("certificate not in the relying-party directory")
    );
    let mut t = trust();
    t.add_certificates_pem(&rp_file("certs/police.pem"))
        .unwrap();
    let s = scan(i.qr_text.as_bytes(), &t, NOW, 120).unwrap();
    assert_eq!(s.form, Form::Compact);
    assert_eq!(s.rp_display_name, "DGSN e-services (TEST)");
    // A cached certificate from another anchor is still refused.
    let rogue = issued("police-rogue", Form::Compact);
    let mut t = trust();
    t.add_certificates_pem(&rp_file("certs/police-rogue.pem"))
        .unwrap();
    assert_eq!(
        scan(rogue.qr_text.as_bytes(), &t, NOW, 120).unwrap_err(),
        ScanError::UnknownRelyingParty("no chain to a relying-party trust anchor")
    );
}

#[test]
fn chain_through_an_intermediate() {
    let mut chain = rp_file("certs/bank.pem");
    chain.extend(rp_file("certs/rp-intermediate.pem"));
    let s = RpSigner::from_pem(&rp_file("keys/bank.key"), &chain).unwrap();
    let i = issue(&s, &request(), Form::Full, NOW, &mut rng()).unwrap();
    let got = scan(i.qr_text.as_bytes(), &trust(), NOW, 120).unwrap();
    assert_eq!(got.rp_display_name, "Banque Test (TEST)");
    assert_eq!(got.challenge.rp_id, "bank.example.ma");
    // Without the intermediate in the QR, the directory supplies it.
    let leaf_only = signer("bank");
    let i = issue(&leaf_only, &request(), Form::Full, NOW, &mut rng()).unwrap();
    assert!(matches!(
        scan(i.qr_text.as_bytes(), &trust(), NOW, 120),
        Err(ScanError::UnknownRelyingParty(_))
    ));
    let mut t = trust();
    t.add_certificates_pem(&rp_file("certs/rp-intermediate.pem"))
        .unwrap();
    assert!(scan(i.qr_text.as_bytes(), &t, NOW, 120).is_ok());
}

#[test]
fn reject_unknown_relying_party() {
    let i = issued("police-rogue", Form::Full);
    assert_eq!(
        scan(i.qr_text.as_bytes(), &trust(), NOW, 120).unwrap_err(),
        ScanError::UnknownRelyingParty("no chain to a relying-party trust anchor")
    );
    // No anchors at all.
    let i = issued("police", Form::Full);
    assert!(matches!(
        scan(i.qr_text.as_bytes(), &RelyingPartyTrust::new(), NOW, 120),
        Err(ScanError::UnknownRelyingParty(_))
    ));
    // The other anchor does not vouch for police.pem.
    let mut other = RelyingPartyTrust::new();
    other
        .add_anchors_pem(&rp_file("certs/rp-anchor-other.pem"))
        .unwrap();
    assert!(matches!(
        scan(i.qr_text.as_bytes(), &other, NOW, 120),
        Err(ScanError::UnknownRelyingParty(_))
    ));
}

#[test]
fn reject_expired_certificate() {
    let i = issued("police-expired", Form::Full);
    assert_eq!(
        scan(i.qr_text.as_bytes(), &trust(), NOW, 120).unwrap_err(),
        ScanError::UnknownRelyingParty("certificate not valid at the scan time")
    );
}

#[test]
fn reject_certificate_without_digital_signature() {
    assert_eq!(
        RpSigner::from_pem(
            &rp_file("keys/police-nosig.key"),
            &rp_file("certs/police-nosig.pem")
        )
        .unwrap_err(),
        IssueError::Credentials("certificate keyUsage lacks digitalSignature")
    );
    // A key that does not match the certificate.
    assert_eq!(
        RpSigner::from_pem(&rp_file("keys/bank.key"), &rp_file("certs/police.pem")).unwrap_err(),
        IssueError::Credentials("private key does not match the certificate")
    );
}

#[test]
fn reject_rp_id_not_the_common_name() {
    let s = signer("police");
    let mut p = payload(&s);
    p.rp_id = "bank.example.ma".into();
    let cose = sign_challenge(&s, &p, Form::Full).unwrap();
    assert_eq!(
        scan(&cose, &trust(), NOW, 120).unwrap_err(),
        ScanError::UnknownRelyingParty("rp_id differs from the certificate's commonName")
    );
}

#[test]
fn reject_bad_signature() {
    let i = issued("police", Form::Full);
    let mut cose = i.cose.clone();
    let last = cose.len() - 1;
    cose[last] ^= 0x01;
    assert_eq!(
        scan(&cose, &trust(), NOW, 120).unwrap_err(),
        ScanError::BadSignature
    );
    // A payload byte changed (the purpose's first letter).
    let mut cose = i.cose.clone();
    let at = cose.windows(3).position(|w| w == b"D\xc3\xa9").unwrap();
    cose[at] = b'E';
    assert_eq!(
        scan(&cose, &trust(), NOW, 120).unwrap_err(),
        ScanError::BadSignature
    );
}

#[test]
fn reject_swapped_signature() {
    // A valid signature by the same relying party, over another challenge.
    let s = signer("police");
    let a = sign_challenge(&s, &payload(&s), Form::Full).unwrap();
    let mut other = payload(&s);
    other.nonce = [1; 16];
    let b = sign_challenge(&s, &other, Form::Full).unwrap();
    let mut swapped = a.clone();
    let n = swapped.len();
    swapped[n - 64..].copy_from_slice(&b[b.len() - 64..]);
    assert_ne!(swapped, a);
    assert_eq!(
        scan(&swapped, &trust(), NOW, 120).unwrap_err(),
        ScanError::BadSignature
    );
}

#[test]
fn clock_is_advisory_unless_strict() {
    let i = issued("police", Form::Full);
    let t = trust();
    let exp = i.challenge.expires_at;
    let s = scan(i.qr_text.as_bytes(), &t, exp + 120, 120).unwrap();
    assert!(s.clock_ok());
    let s = scan(i.qr_text.as_bytes(), &t, exp + 121, 120).unwrap();
    assert_eq!(s.clock, ClockCheck::Expired { seconds_late: 1 });
    assert!(!s.clock_ok());
    assert_eq!(s.check_clock(), Err(ScanError::Expired));
    assert_eq!(
        scan_strict(i.qr_text.as_bytes(), &t, exp + 121, 120).unwrap_err(),
        ScanError::Expired
    );
    let s = scan(i.qr_text.as_bytes(), &t, NOW - 121, 120).unwrap();
    assert_eq!(s.clock, ClockCheck::NotYetValid { seconds_early: 1 });
    assert_eq!(
        scan_strict(i.qr_text.as_bytes(), &t, NOW - 121, 120).unwrap_err(),
        ScanError::NotYetValid
    );
    assert!(scan_strict(i.qr_text.as_bytes(), &t, NOW - 120, 120).is_ok());
}

#[test]
fn reject_malformed() {
    let t = trust();
    for bad in [
        &b""[..],
        b"MC1:",
        b"MC1:abc",
        b"MC2:BB8",
        b"hello",
        b"MC1:BB8",
        b"\xd2\x84",
        b"\xd2\x84\x43\xa1\x01\x26\xa0\x41x\x40",
    ] {
        assert!(
            matches!(scan(bad, &t, NOW, 120), Err(ScanError::Malformed(_))),
            "{bad:?}: {:?}",
            scan(bad, &t, NOW, 120)
        );
    }
    // Neither x5chain nor x5t.
    let s = signer("police");
    let p = payload(&s).to_cbor().unwrap();
    let cose = cose::sign1(&p, Header::default(), |tbs| Ok::<_, ()>(s.sign_raw(tbs))).unwrap();
    assert_eq!(
        scan(&cose, &t, NOW, 120).unwrap_err(),
        ScanError::Malformed("no x5chain or x5t")
    );
    // A payload that is not a map, a nonce of the wrong size.
    assert_eq!(
        scan(&sign_bytes(&s, &[0x80]), &t, NOW, 120).unwrap_err(),
        ScanError::Malformed("payload is not a map")
    );
    let mut m = ciborium::Value::Map(vec![]);
    if let Ok(Value::Map(entries)) = cose::from_slice(&p, 4096) {
        let e = entries
            .into_iter()
            .map(|(k, v)| {
                if k == Value::from(3) {
                    (k, Value::Bytes(vec![0; 15]))
                } else {
                    (k, v)
                }
            })
            .collect();
        m = Value::Map(e);
    }
    assert_eq!(
        scan(
            &sign_bytes(&s, &cose::to_canonical(&m).unwrap()),
            &t,
            NOW,
            120
        )
        .unwrap_err(),
        ScanError::Malformed("nonce")
    );
}

/// The payload map of `c` with `key` set to `value` (added when absent).
fn payload_with(c: &Challenge, key: u64, value: Value) -> Vec<u8> {
    let Value::Map(mut entries) = cose::from_slice(&c.to_cbor().unwrap(), 4096).unwrap() else {
        unreachable!()
    };
    entries.retain(|(k, _)| *k != Value::from(key));
    entries.push((Value::from(key), value));
    cose::to_canonical(&Value::Map(entries)).unwrap()
}

#[test]
fn reject_unsupported() {
    let t = trust();
    let s = signer("police");
    // version 2
    let mut p = payload(&s);
    p.version = 2;
    assert_eq!(
        scan(&sign_challenge(&s, &p, Form::Full).unwrap(), &t, NOW, 120).unwrap_err(),
        ScanError::Unsupported("challenge version")
    );
    // An unknown critical payload key (50); an unknown key >= 100 is ignored.
    let p = payload(&s);
    assert_eq!(
        scan(
            &sign_bytes(&s, &payload_with(&p, 50, Value::from(1))),
            &t,
            NOW,
            120
        )
        .unwrap_err(),
        ScanError::Unsupported("unknown critical payload key")
    );
    assert!(
        scan(
            &sign_bytes(&s, &payload_with(&p, 100, Value::from(1))),
            &t,
            NOW,
            120
        )
        .is_ok()
    );
    // An unknown claim code.
    let claims = Value::Array(vec![Value::Array(vec![Value::from(10), Value::from(1)])]);
    assert_eq!(
        scan(&sign_bytes(&s, &payload_with(&p, 7, claims)), &t, NOW, 120).unwrap_err(),
        ScanError::Unsupported("claim")
    );
    // Algorithm ES384 in the protected header (same layout otherwise).
    let good = sign_challenge(&s, &p, Form::Full).unwrap();
    let mut es384 = vec![0xD2, 0x84, 0x44, 0xA1, 0x01, 0x38, 0x22];
    es384.extend_from_slice(&good[6..]);
    assert_eq!(
        scan(&es384, &t, NOW, 120).unwrap_err(),
        ScanError::Unsupported("algorithm (ES256 required)")
    );
    // A critical header monid does not understand.
    let mut crit = vec![0xD2, 0x84, 0x47, 0xA2, 0x01, 0x26, 0x02, 0x81, 0x18, 0x63];
    crit.extend_from_slice(&good[6..]);
    assert_eq!(
        scan(&crit, &t, NOW, 120).unwrap_err(),
        ScanError::Unsupported("critical header")
    );
    // x5t with SHA-1 (-14).
    let mut h = Header::default();
    h.rest.push((
        Label::Int(X5T),
        Value::Array(vec![Value::from(-14), Value::Bytes(vec![0; 20])]),
    ));
    let pb = p.to_cbor().unwrap();
    let cose = cose::sign1(&pb, h, |tbs| Ok::<_, ()>(s.sign_raw(tbs))).unwrap();
    assert_eq!(
        scan(&cose, &t, NOW, 120).unwrap_err(),
        ScanError::Unsupported("x5t hash algorithm")
    );
}

#[test]
fn reject_too_long() {
    let t = trust();
    let long_text = format!("MC1:{}", "0".repeat(MAX_QR_TEXT_LEN));
    assert_eq!(
        scan(long_text.as_bytes(), &t, NOW, 120).unwrap_err(),
        ScanError::TooLong
    );
    let mut long_cose = vec![0xD2];
    long_cose.resize(MAX_CHALLENGE_LEN + 1, 0);
    assert_eq!(
        scan(&long_cose, &t, NOW, 120).unwrap_err(),
        ScanError::TooLong
    );
    // A correctly signed challenge whose purpose pads it past 2048 bytes.
    let s = signer("police");
    let p = payload(&s);
    let big = payload_with(&p, 150, Value::Bytes(vec![0; 2100]));
    let cose = sign_bytes(&s, &big);
    assert_eq!(scan(&cose, &t, NOW, 120).unwrap_err(), ScanError::TooLong);
    assert_eq!(
        scan(qr_text(&cose).as_bytes(), &t, NOW, 120).unwrap_err(),
        ScanError::TooLong
    );
}

#[test]
fn reject_content_rules() {
    let t = trust();
    let s = signer("police");
    type Change = Box<dyn Fn(&mut Challenge)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|c| c.expires_at = c.issued_at + 901),
            "lifetime over 15 minutes",
        ),
        (
            Box::new(|c| c.expires_at = c.issued_at),
            "expires_at not after issued_at",
        ),
        (
            Box::new(|c| c.response_uri = "http://police.ma/r".into()),
            "response_uri is not https",
        ),
        (
            Box::new(|c| {
                c.claims = vec![ClaimRequest {
                    claim: Claim::Photo,
                    level: Level::DeviceAsserted,
                }]
            }),
            "photo is chip-verifiable only",
        ),
        (Box::new(|c| c.claims.clear()), "claims: 1 to 9 entries"),
        (
            Box::new(|c| {
                let first = c.claims[0];
                c.claims.push(first)
            }),
            "claim requested twice",
        ),
        (
            Box::new(|c| c.purpose = "x".repeat(129)),
            "purpose longer than 128 bytes",
        ),
        (
            Box::new(|c| c.assurance = Assurance(8)),
            "unknown assurance bit",
        ),
        (
            Box::new(|c| c.rp_key[0] = 4),
            "rp_key is not a compressed P-256 point",
        ),
    ];
    for (change, reason) in cases {
        let mut p = payload(&s);
        change(&mut p);
        let cose = sign_challenge(&s, &p, Form::Full).unwrap();
        assert_eq!(
            scan(&cose, &t, NOW, 120).unwrap_err(),
            ScanError::Malformed(reason),
            "{reason}"
        );
    }
}

#[test]
fn issue_refuses_invalid_requests() {
    let s = signer("police");
    let mut r = request();
    r.lifetime_secs = 901;
    assert_eq!(
        issue(&s, &r, Form::Full, NOW, &mut rng()).unwrap_err(),
        IssueError::InvalidRequest("lifetime: 1 to 900 seconds")
    );
    let mut r = request();
    r.response_uri = "http://x".into();
    assert_eq!(
        issue(&s, &r, Form::Full, NOW, &mut rng()).unwrap_err(),
        IssueError::InvalidRequest("response_uri is not https")
    );
    let mut r = request();
    r.claims[2].level = Level::DeviceAsserted;
    assert_eq!(
        issue(&s, &r, Form::Full, NOW, &mut rng()).unwrap_err(),
        IssueError::InvalidRequest("photo is chip-verifiable only")
    );
    assert_eq!(
        issue(
            &s,
            &request(),
            Form::Full,
            NOW,
            &mut FixedRandom::new(vec![1, 2])
        )
        .unwrap_err(),
        IssueError::Random
    );
}

#[test]
fn confirmation_code_formula() {
    // SHA-256("monid-confirm-v1" || bytes)[0..4] as a big-endian u32, mod 10^6, 6 digits.
    let bytes = b"\xd2\x84";
    let d = Sha256::digest([&b"monid-confirm-v1"[..], bytes].concat());
    let n = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) % 1_000_000;
    assert_eq!(confirmation_code(bytes), format!("{n:06}"));
    assert_eq!(confirmation_code(bytes).len(), 6);
}

#[test]
fn payload_is_deterministic_cbor() {
    let s = signer("police");
    let p = payload(&s);
    let bytes = p.to_cbor().unwrap();
    // Map of 10, keys 1..10 in order.
    assert_eq!(bytes[0], 0xAA);
    assert_eq!(bytes[1], 0x01);
    assert_eq!(bytes[2], 0x01);
    assert_eq!(Challenge::from_cbor(&bytes).unwrap(), p);
    assert_eq!(
        cose::to_canonical(&cose::from_slice(&bytes, 4096).unwrap()).unwrap(),
        bytes
    );
}

#[test]
fn claim_vocabulary() {
    for c in Claim::ALL {
        assert_eq!(Claim::from_code(c.code()), Some(c));
        assert_eq!(Claim::from_name(c.name()), Some(c));
    }
    assert_eq!(Claim::from_code(0), None);
    assert_eq!(Claim::from_code(10), None);
    assert_eq!(Claim::Address.data_group(), 11);
    assert_eq!(Claim::Photo.data_group(), 2);
    assert_eq!(Level::from_name("device"), Some(Level::DeviceAsserted));
}

#[test]
fn qr_sizes_of_both_forms() {
    let s = signer("police");
    let minimal = ChallengeRequest {
        purpose: "Connexion".into(),
        claims: vec![ClaimRequest {
            claim: Claim::AgeOver18,
            level: Level::DeviceAsserted,
        }],
        assurance: Assurance::CHIP_READ,
        response_uri: "https://police.ma/r".into(),
        lifetime_secs: 300,
        rp_key: rp_key(),
    };
    let mut sizes = Vec::new();
    for (name, req) in [("typical", request()), ("minimal", minimal)] {
        for form in [Form::Full, Form::Compact] {
            let i = issue(&s, &req, form, NOW, &mut rng()).unwrap();
            let q = crate::qr::Qr::new(&i.qr_text).unwrap();
            let info = q.info();
            assert_eq!(info.bytes, i.cose.len());
            assert_eq!(info.chars, i.qr_text.len());
            println!(
                "{name:8} {form:?}: COSE {} bytes, QR text {} chars, version {} ({} modules)",
                info.bytes, info.chars, info.version, info.modules
            );
            sizes.push((form, info));
        }
    }
    // Compact challenges stay small; the full form carries a ~500-byte certificate.
    for (form, info) in sizes {
        match form {
            Form::Compact => assert!(info.version <= 13, "{info:?}"),
            Form::Full => assert!(info.version <= 25, "{info:?}"),
        }
    }
}
