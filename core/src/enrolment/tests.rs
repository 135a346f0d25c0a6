use super::*;
use crate::keys::{KeyOptions, SoftwareKeyStore};
use crate::rand::SystemRandom;

/// A key store double: a real software key under "device", but `sign` fails as configured.
struct Failing {
    inner: SoftwareKeyStore,
    fail: Option<KeyStoreError>,
    bad_der: bool,
    /// Hashes wrongly: signs SHA-256(SHA-256(m)) (a platform hashing what its store hashes
    /// again), a well-formed signature that does not verify.
    wrong_digest: bool,
}

impl KeyStore for Failing {
    fn generate(&self, alias: &str, o: KeyOptions) -> Result<DevicePublicKey, KeyStoreError> {
        self.inner.generate(alias, o)
    }
    fn public_key(&self, alias: &str) -> Result<DevicePublicKey, KeyStoreError> {
        self.inner.public_key(alias)
    }
    fn sign(&self, alias: &str, m: &[u8], c: &CancelToken) -> Result<Vec<u8>, KeyStoreError> {
        if let Some(e) = &self.fail {
            return Err(e.clone());
        }
        let mut der = if self.wrong_digest {
            self.inner.sign(alias, &Sha256::digest(m), c)?
        } else {
            self.inner.sign(alias, m, c)?
        };
        if self.bad_der {
            der.push(0);
        }
        Ok(der)
    }
    fn delete(&self, alias: &str) -> Result<(), KeyStoreError> {
        self.inner.delete(alias)
    }
    fn attestation(&self, alias: &str, c: &[u8]) -> Result<Vec<Vec<u8>>, KeyStoreError> {
        self.inner.attestation(alias, c)
    }
}

fn sample(device_key: DevicePublicKey) -> EnrolmentRecord {
    EnrolmentRecord {
        version: VERSION,
        created_at: 1_795_000_000,
        device_key,
        attestation: vec![vec![0x30, 0x03, 0x02, 0x01, 0x01]],
        claims: EnrolmentClaims {
            names: Some(Names {
                primary: "EL ALAMI".into(),
                secondary: "FATIMA ZAHRA".into(),
            }),
            birth_date: Some("1990-07-14".into()),
            nationality: Some("MAR".into()),
            document_number: Some("AB123456".into()),
            document_expiry: Some("2031-03-01".into()),
            address: Some("12 RUE EXEMPLE CASABLANCA".into()),
        },
        sod: vec![0x77, 0x03, 0x30, 0x01, 0x00],
        data_groups: vec![
            (1, Zeroizing::new(vec![0x61, 0x01, 0x00])),
            (11, Zeroizing::new(vec![0x6B, 0x01, 0x00])),
        ],
        dg2_digest: Dg2Digest {
            algorithm: "sha256".into(),
            digest: vec![0xAB; 32],
        },
        chip: ChipRecord {
            aa: Some(AaRecord {
                challenge: [1, 2, 3, 4, 5, 6, 7, 8],
                signature: vec![9; 64],
            }),
            ca_done: true,
            access: 2,
            pa_verdict: 1,
        },
        pa_summary: "passive authentication valid".into(),
    }
}

fn store() -> (SoftwareKeyStore, DevicePublicKey) {
    let s = SoftwareKeyStore::new();
    let k = s.generate("device", KeyOptions::default()).unwrap();
    (s, k)
}

#[test]
fn sign_parse_verify_round_trip() {
    let (s, k) = store();
    let record = sample(k);
    let signed = record.sign(&s, "device", &CancelToken::new()).unwrap();
    let v = parse_and_verify(signed.as_bytes()).unwrap();
    assert_eq!(v.record, record);
    assert_eq!(v.id, signed.enrolment_id());
    assert_eq!(v.id, enrolment_id(signed.as_bytes()));
    assert_eq!(v.signed, signed);
    // The payload is deterministic CBOR: re-encoding the decoded value gives the same bytes.
    let payload = record.to_payload().unwrap();
    let decoded = cose::from_slice(&payload, MAX_LEN).unwrap();
    assert_eq!(cose::to_canonical(&decoded).unwrap(), payload.to_vec());
    // Top-level keys 1..=10 in order.
    let Value::Map(entries) = decoded else {
        panic!()
    };
    let keys: Vec<u64> = entries
        .iter()
        .map(|(k, _)| uint(k.clone(), "").unwrap())
        .collect();
    assert_eq!(keys, (1..=10).collect::<Vec<_>>());
}

#[test]
fn each_byte_flipped_is_rejected() {
    let (s, k) = store();
    let signed = sample(k).sign(&s, "device", &CancelToken::new()).unwrap();
    let bytes = signed.as_bytes();
    for i in 0..bytes.len() {
        let mut t = bytes.to_vec();
        t[i] ^= 0x01;
        assert!(
            parse_and_verify(&t).is_err(),
            "byte {i} flipped was accepted"
        );
    }
    // Truncations too.
    for n in 0..bytes.len() {
        assert!(parse_and_verify(&bytes[..n]).is_err(), "truncated to {n}");
    }
}

#[test]
fn a_record_signed_by_another_key_is_rejected() {
    let (s, k) = store();
    let other = s.generate("other", KeyOptions::default()).unwrap();
    assert_ne!(k, other);
    // Signed by "device" but naming "other": sign() refuses to mix them.
    assert_eq!(
        sample(other.clone()).sign(&s, "device", &CancelToken::new()),
        Err(EnrolmentError::WrongKey)
    );
    // Forge one: payload names `other`, signature by `device`.
    let payload = sample(other).to_payload().unwrap();
    let forged = cose::sign1(&payload, coset::Header::default(), |tbs| {
        let der = s.sign("device", tbs, &CancelToken::new()).unwrap();
        Ok::<_, CoseError>(cose::ecdsa_der_to_raw(&der).unwrap())
    })
    .unwrap();
    assert_eq!(
        parse_and_verify(&forged).err(),
        Some(EnrolmentError::BadSignature)
    );
}

#[test]
fn key_store_failures_one_by_one() {
    let inner = SoftwareKeyStore::new();
    let k = inner.generate("device", KeyOptions::default()).unwrap();
    let record = sample(k);
    let c = CancelToken::new();
    let mut ks = Failing {
        inner,
        fail: Some(KeyStoreError::KeyInvalidated),
        bad_der: false,
        wrong_digest: false,
    };
    // Invalidated key: its own error.
    assert_eq!(
        record.sign(&ks, "device", &c),
        Err(EnrolmentError::KeyInvalidated)
    );
    // The user dismissed the prompt.
    ks.fail = Some(KeyStoreError::UserCancelled);
    assert_eq!(
        record.sign(&ks, "device", &c),
        Err(EnrolmentError::KeyStore(KeyStoreError::UserCancelled))
    );
    ks.fail = Some(KeyStoreError::AuthenticationFailed);
    assert_eq!(
        record.sign(&ks, "device", &c),
        Err(EnrolmentError::KeyStore(
            KeyStoreError::AuthenticationFailed
        ))
    );
    // The caller cancelled through the token (the software store checks it).
    ks.fail = None;
    c.cancel();
    assert_eq!(
        record.sign(&ks, "device", &c),
        Err(EnrolmentError::KeyStore(KeyStoreError::Cancelled))
    );
    c.reset();
    // Not found.
    assert_eq!(
        record.sign(&ks, "nobody", &c),
        Err(EnrolmentError::KeyStore(KeyStoreError::NotFound))
    );
    // A platform that returns a malformed DER signature.
    ks.bad_der = true;
    assert_eq!(
        record.sign(&ks, "device", &c),
        Err(EnrolmentError::BadPlatformSignature)
    );
    ks.bad_der = false;
    // A platform that signs the wrong digest: checked before the record is handed out.
    ks.wrong_digest = true;
    assert_eq!(
        record.sign(&ks, "device", &c),
        Err(EnrolmentError::KeyStore(KeyStoreError::SignatureMismatch))
    );
    ks.wrong_digest = false;
    assert!(record.sign(&ks, "device", &c).is_ok());
}

#[test]
fn sealed_at_rest() {
    let (s, k) = store();
    let signed = sample(k).sign(&s, "device", &CancelToken::new()).unwrap();
    let key = [8u8; 32];
    let sealed = seal_record(&signed, &key, &mut SystemRandom).unwrap();
    assert_eq!(&sealed[..4], b"MER1");
    let copy = sealed.clone();
    let v = open_record(&sealed, &key).unwrap();
    assert_eq!(v.signed, signed);
    assert_eq!(
        open_record(&sealed, &[9u8; 32]).err(),
        Some(EnrolmentError::Seal(KeyStoreError::SealBroken))
    );
    for i in 0..sealed.len() {
        let mut t = sealed.clone();
        t[i] ^= 0x80;
        let e = open_record(&t, &key).err().unwrap();
        if i < 4 {
            assert!(matches!(
                e,
                EnrolmentError::Seal(KeyStoreError::Corrupted(_))
            ));
        } else {
            assert_eq!(
                e,
                EnrolmentError::Seal(KeyStoreError::SealBroken),
                "byte {i}"
            );
        }
    }
    assert_eq!(sealed, copy);
    // A sealed key store is not a sealed record.
    let ks = s.seal(&key, &mut SystemRandom).unwrap();
    assert!(matches!(
        open_record(&ks, &key),
        Err(EnrolmentError::Seal(KeyStoreError::Corrupted(_)))
    ));
}

type Entries = Vec<(Value, Value)>;

/// Re-signs a modified payload value with the right key, to reach each field check.
fn resign(s: &SoftwareKeyStore, value: &Value) -> Vec<u8> {
    let payload = cose::to_canonical(value).unwrap();
    cose::sign1(&payload, coset::Header::default(), |tbs| {
        let der = s.sign("device", tbs, &CancelToken::new()).unwrap();
        Ok::<_, CoseError>(cose::ecdsa_der_to_raw(&der).unwrap())
    })
    .unwrap()
}

#[test]
fn field_checks_on_authentic_records() {
    let (s, k) = store();
    let base = sample(k).to_value();
    let int = |n: i64| Value::Integer(n.into());
    let edit = |f: &dyn Fn(&mut Entries)| {
        let mut v = base.clone();
        let Value::Map(m) = &mut v else { panic!() };
        f(m);
        parse_and_verify(&resign(&s, &v))
    };
    let set = |key: i64, val: Value| {
        edit(&move |m: &mut Entries| {
            let e = m
                .iter_mut()
                .find(|(k, _)| *k == Value::Integer(key.into()))
                .unwrap();
            e.1 = val.clone();
        })
    };
    // Unchanged: accepted.
    assert!(edit(&|_| {}).is_ok());
    // An unknown non-critical key is ignored; an unknown critical one is not.
    assert!(edit(&|m| m.push((int(100), Value::Null))).is_ok());
    assert_eq!(
        edit(&|m| m.push((int(11), Value::Null))).err(),
        Some(EnrolmentError::Unsupported("unknown critical field"))
    );
    // Each required field missing.
    for key in 1..=10 {
        let r = edit(&move |m: &mut Entries| m.retain(|(k, _)| *k != Value::Integer(key.into())));
        assert!(r.is_err(), "field {key} missing was accepted");
    }
    assert_eq!(
        set(1, int(2)).err(),
        Some(EnrolmentError::Unsupported("version"))
    );
    assert!(set(2, int(-1)).is_err());
    assert!(set(3, Value::Bytes(vec![4; 65])).is_err());
    assert!(set(4, Value::Array(vec![Value::Bytes(vec![]); 11])).is_err());
    assert!(set(4, Value::Array(vec![int(1)])).is_err());
    assert!(set(5, Value::Map(vec![(int(3), Value::Bool(true))])).is_err());
    assert!(
        set(
            5,
            Value::Map(vec![(int(2), Value::Text("1990-02-30".into()))])
        )
        .is_err()
    );
    assert!(set(5, Value::Map(vec![(int(5), Value::Text("MARO".into()))])).is_err());
    assert!(set(5, Value::Map(vec![(int(1), Value::Array(vec![]))])).is_err());
    assert!(set(5, Value::Map(vec![])).is_ok());
    assert!(set(6, Value::Bytes(vec![])).is_err());
    assert!(set(7, Value::Map(vec![(int(11), Value::Bytes(vec![1]))])).is_err());
    assert!(set(7, Value::Map(vec![(int(2), Value::Bytes(vec![1]))])).is_err());
    assert!(
        set(
            8,
            Value::Array(vec![
                Value::Text("sha256".into()),
                Value::Bytes(vec![0; 20])
            ])
        )
        .is_err()
    );
    assert!(
        set(
            8,
            Value::Array(vec![Value::Text("md5".into()), Value::Bytes(vec![0; 16])])
        )
        .is_err()
    );
    let chip = |entries: Vec<(Value, Value)>| set(9, Value::Map(entries));
    let ok_chip = || {
        vec![
            (int(4), Value::Bool(false)),
            (int(5), int(1)),
            (int(6), int(0)),
        ]
    };
    assert!(chip(ok_chip()).is_ok());
    assert!(chip([ok_chip(), vec![(int(1), Value::Bytes(vec![]))]].concat()).is_err());
    assert!(
        chip(vec![
            (int(4), Value::Bool(false)),
            (int(5), int(3)),
            (int(6), int(0))
        ])
        .is_err()
    );
    assert!(
        chip(vec![
            (int(4), Value::Bool(false)),
            (int(5), int(1)),
            (int(6), int(4))
        ])
        .is_err()
    );
    assert!(
        chip(
            [
                ok_chip(),
                vec![(
                    int(3),
                    Value::Array(vec![Value::Bytes(vec![0; 7]), Value::Bytes(vec![1])])
                )]
            ]
            .concat()
        )
        .is_err()
    );
    assert!(set(10, Value::Text("x".repeat(MAX_TEXT + 1))).is_err());
}

#[test]
fn bounded_and_strict_outer_layer() {
    let (s, k) = store();
    let signed = sample(k).sign(&s, "device", &CancelToken::new()).unwrap();
    let mut longer = signed.as_bytes().to_vec();
    longer.push(0);
    assert!(matches!(
        parse_and_verify(&longer),
        Err(EnrolmentError::Malformed(_))
    ));
    assert_eq!(
        parse_and_verify(&vec![0u8; MAX_LEN + 1]).err(),
        Some(EnrolmentError::TooLong)
    );
    assert!(parse_and_verify(&[]).is_err());
    // A record too big to sign.
    let mut big = sample(s.public_key("device").unwrap());
    big.sod = vec![0; MAX_LEN];
    assert_eq!(
        big.sign(&s, "device", &CancelToken::new()),
        Err(EnrolmentError::TooLong)
    );
}

#[test]
fn debug_is_redacted() {
    let (s, k) = store();
    let record = sample(k);
    let v = parse_and_verify(
        record
            .sign(&s, "device", &CancelToken::new())
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    let d = format!("{v:?} {record:?}");
    for secret in ["ALAMI", "FATIMA", "1990", "AB123456", "2031", "RUE"] {
        assert!(!d.contains(secret), "{secret} in {d}");
    }
    assert!(d.contains("<redacted>"));
}

#[test]
fn helpers() {
    assert_eq!(
        crate::receipt::claims::icao_text("EL<ALAMI<<").as_str(),
        "EL ALAMI"
    );
    assert!(valid_iso_date("2024-02-29"));
    assert!(!valid_iso_date("2023-02-29"));
    assert!(!valid_iso_date("2023/02/01"));
    assert!(!valid_iso_date("2023-2-01"));
    assert_eq!(
        crate::receipt::claims::yyyymmdd("19900714"),
        CivilDate::new(1990, 7, 14)
    );
    assert_eq!(crate::receipt::claims::yyyymmdd("1990<<<<"), None);
    assert_ne!(attestation_challenge(b"a"), attestation_challenge(b"b"));
}

fn vectors(rel: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../test-vectors/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The virtual CNIE's files (test-vectors/pki/data/cnie_td1 and its P-256 EF.SOD) as a read
/// over BAC, without the files named in `skip`; passive authentication not run.
fn cnie(skip: &[FileId]) -> Document {
    use crate::reader::{ChipEvidence, FileRecord, LinkReport, RawDocument, ReadStats};
    let mut files: Vec<FileRecord> = [
        (FileId::Dg1, "pki/data/cnie_td1/dg1.bin"),
        (FileId::Dg2, "pki/data/cnie_td1/dg2.bin"),
        (FileId::Dg11, "pki/data/cnie_td1/dg11.bin"),
        (FileId::Sod, "pki/sod/cnie_td1.dsc-p256.sod"),
    ]
    .iter()
    .filter(|(id, _)| !skip.contains(id))
    .map(|(id, p)| FileRecord {
        id: *id,
        bytes: Zeroizing::new(vectors(p)),
        completed_in_call: 1,
    })
    .collect();
    files.sort_by_key(|f| f.id);
    Document::from_raw(RawDocument {
        files,
        absent: Vec::new(),
        link: LinkReport {
            protocol: AccessProtocol::Bac,
            cipher: None,
            extended_length: false,
            chunk: 0xDF,
            sfi: None,
            pace: None,
            fallback: None,
        },
        chip: ChipEvidence::default(),
        stats: ReadStats::default(),
        applications: None,
    })
}

#[test]
fn from_document_without_the_virtual_chip() {
    let (_, k) = store();
    let today = CivilDate::new(2026, 11, 25).unwrap();
    let r = EnrolmentRecord::from_document(&cnie(&[]), today, 5, k.clone(), vec![]).unwrap();
    assert_eq!(r.chip.access, 1);
    assert_eq!(r.chip.pa_verdict, 0);
    assert!(r.chip.aa.is_none() && !r.chip.ca_done);
    assert_eq!(r.pa_summary, "passive authentication not run");
    assert_eq!(
        r.dg2_digest.digest,
        Sha256::digest(vectors("pki/data/cnie_td1/dg2.bin")).to_vec()
    );
    assert!(r.claims.birth_date.is_some() && r.claims.document_expiry.is_some());
    // Without DG11: no address, DG1 only.
    let r = EnrolmentRecord::from_document(&cnie(&[FileId::Dg11]), today, 5, k.clone(), vec![])
        .unwrap();
    assert!(r.claims.address.is_none());
    assert_eq!(r.data_groups.len(), 1);
    // What the record cannot do without.
    for (skip, what) in [(FileId::Dg1, "DG1"), (FileId::Sod, "EF.SOD")] {
        assert_eq!(
            EnrolmentRecord::from_document(&cnie(&[skip]), today, 5, k.clone(), vec![]),
            Err(EnrolmentError::MissingInput(what))
        );
    }
    assert_eq!(
        EnrolmentRecord::from_document(&cnie(&[]), today, 5, k, vec![vec![]; 11]),
        Err(EnrolmentError::Unsupported("attestation chain too long"))
    );
}
