//! The seeds of the `sealed_keystore` and `enrolment` targets, built deterministically (fixed
//! scalars, zero salt and nonce, RFC 6979 signatures). `MONID_WRITE_SEEDS=1` rewrites them;
//! otherwise the committed files must match.

use std::path::Path;

use monid_core::CancelToken;
use monid_core::enrolment::{
    self, AaRecord, ChipRecord, Dg2Digest, EnrolmentClaims, EnrolmentRecord, Names,
};
use monid_core::keys::seal::{self, KEY_STORE};
use monid_core::keys::{KeyOptions, KeyStore, SoftwareKeyStore};
use monid_core::rand::FixedRandom;
use monid_fuzz::keys_targets::SEAL_KEY;
use zeroize::Zeroizing;

fn seeds() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let keys = SoftwareKeyStore::with_random(Box::new(FixedRandom::new(
        [[0x11u8; 32], [0x22; 32]].concat(),
    )));
    let device = keys.generate("device", KeyOptions::default()).unwrap();
    keys.generate("backup", KeyOptions::default()).unwrap();
    let zero = || FixedRandom::new(vec![0; 28]);
    let blob = keys.seal(&SEAL_KEY, &mut zero()).unwrap();
    let plaintext = seal::open(&KEY_STORE, &blob, &SEAL_KEY).unwrap().to_vec();
    let record = EnrolmentRecord {
        version: 1,
        created_at: 1_795_600_000,
        device_key: device,
        attestation: vec![vec![0x30, 0x00]],
        claims: EnrolmentClaims {
            names: Some(Names {
                primary: "TESTER".into(),
                secondary: "SAMIRA".into(),
            }),
            birth_date: Some("1990-07-14".into()),
            nationality: Some("UTO".into()),
            document_number: Some("X0000001".into()),
            document_expiry: Some("2031-03-01".into()),
            address: Some("1 TEST STREET".into()),
        },
        sod: vec![0x77, 0x02, 0x30, 0x00],
        data_groups: vec![
            (1, Zeroizing::new(vec![0x61, 0x00])),
            (11, Zeroizing::new(vec![0x6B, 0x00])),
        ],
        dg2_digest: Dg2Digest {
            algorithm: "sha256".into(),
            digest: vec![0xAB; 32],
        },
        chip: ChipRecord {
            aa: Some(AaRecord {
                challenge: [1; 8],
                signature: vec![2; 64],
            }),
            ca_done: true,
            access: 2,
            pa_verdict: 1,
        },
        pa_summary: "passive authentication valid".into(),
    };
    let signed = record.sign(&keys, "device", &CancelToken::new()).unwrap();
    let sealed = enrolment::seal_record(&signed, &SEAL_KEY, &mut zero()).unwrap();
    vec![
        ("sealed_keystore", "two_keys.msk", blob),
        ("sealed_keystore", "two_keys.plaintext", plaintext),
        ("sealed_keystore", "empty.plaintext", vec![0xA0]),
        ("enrolment", "record.cose", signed.as_bytes().to_vec()),
        ("enrolment", "record.mer", sealed),
    ]
}

#[test]
fn seeds_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let write = std::env::var_os("MONID_WRITE_SEEDS").is_some();
    for (target, name, bytes) in seeds() {
        let path = root.join(target).join(name);
        if write {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        } else {
            assert_eq!(std::fs::read(&path).unwrap(), bytes, "{}", path.display());
        }
    }
    // The seeds are accepted by what they seed.
    let (_, _, blob) = &seeds()[0];
    assert_eq!(SoftwareKeyStore::open(blob, &SEAL_KEY).unwrap().len(), 2);
    let (_, _, record) = &seeds()[3];
    enrolment::parse_and_verify(record).unwrap();
}
