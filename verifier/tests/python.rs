//! The Python second implementation (scripts/py/monid_wire.py, driven by tests/py/make_receipt.py)
//! makes receipts this verifier accepts: a device-asserted one (age over 18, nationality, names,
//! backed by an enrolment the verifier accepted) and a chip-verifiable one (names from DG1, face
//! match, AA over the challenge derived in Python, the chip's signature from the virtual CNIE).
//! The device key is a `SoftwareKeyStore` key drawn from a fixed random source, so Python signs
//! with the same scalar.
//!
//! Needs the venv made by scripts/py/test.sh (`~/.cache/monid-py`, or `$MONID_PY_VENV`); without
//! it the test is skipped with a message, except with `CI=true`, where it is created and its
//! absence is a failure (as core/tests/receipt_python.rs).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use monid_core::challenge::{Assurance, Claim, Level};
use monid_core::keys::{KeyOptions, KeyStore, SoftwareKeyStore};
use monid_core::lds::FileId;
use monid_core::rand::{FixedRandom, SystemRandom};
use monid_core::receipt::ClaimValue;
use monid_verifier::Evidence;
use serde_json::{Value as Json, json};

fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("MONID_PY_VENV")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/monid-py")))?;
    let py = venv.join("bin/python");
    let usable = |py: &Path| {
        Command::new(py)
            .args(["-c", "import cbor2, cryptography"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if usable(&py) {
        return Some(py);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        let made = Command::new("sh")
            .arg(root().join("scripts/py/test.sh"))
            .status()
            .expect("scripts/py/test.sh runs");
        assert!(made.success(), "scripts/py/test.sh failed under CI");
        assert!(usable(&py), "the Python venv is missing under CI");
        return Some(py);
    }
    None
}

fn make_receipt(py: &Path, request: &Json) -> Json {
    let mut child = Command::new(py)
        .arg(root().join("verifier/tests/py/make_receipt.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "make_receipt.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn device_private() -> Vec<u8> {
    hex::decode(vectors()["keys"]["device_private"].as_str().unwrap()).unwrap()
}

fn fixed_device() -> SoftwareKeyStore {
    let keys = SoftwareKeyStore::with_random(Box::new(FixedRandom::new(device_private())));
    keys.generate("device", KeyOptions::default()).unwrap();
    keys
}

fn rp_root_hex() -> String {
    hex::encode(std::fs::read(root().join("test-vectors/receipt/rp_root.der")).unwrap())
}

fn json_value(v: &ClaimValue) -> Json {
    match v {
        ClaimValue::FromChip => Json::Null,
        ClaimValue::Names { primary, secondary } => json!([primary.as_str(), secondary.as_str()]),
        ClaimValue::Date(d) => json!(d.as_str()),
        ClaimValue::AgeOver { over, as_of } => json!([over, as_of]),
        ClaimValue::Text(t) => json!(t.as_str()),
    }
}

#[test]
fn python_receipts_are_accepted() {
    let Some(py) = python() else {
        eprintln!("SKIPPED: no Python venv with cbor2 + cryptography (run scripts/py/test.sh)");
        return;
    };
    let v = verifier();
    let keys = fixed_device();

    // Device-asserted: enrolment accepted, values derived as the phone does, Python encodes,
    // signs and seals.
    let (signed, values) = enrol(&keys);
    v.accept_enrolment(signed.as_bytes(), now()).unwrap();
    let issued = v
        .issue_challenge(&spec(DEVICE_CLAIMS, Assurance(0)), now(), &mut SystemRandom)
        .unwrap();
    let claims: Vec<Json> = DEVICE_CLAIMS
        .iter()
        .map(|(c, l)| {
            json!([
                c.code(),
                l.code(),
                json_value(&values.value(*c, today()).unwrap())
            ])
        })
        .collect();
    let out = make_receipt(
        &py,
        &json!({
            "challenge": hex::encode(&issued.bytes),
            "rp_root": rp_root_hex(),
            "device_private": hex::encode(device_private()),
            "now": now(),
            "claims": claims,
            "enrolment_id": hex::encode(signed.enrolment_id()),
        }),
    );
    let env = hex::decode(out["envelope"].as_str().unwrap()).unwrap();
    let r = v.verify(&env, now() + 5).unwrap();
    assert_eq!(r.assurance.level, Level::DeviceAsserted);
    assert_eq!(r.claims.len(), 3);

    // Chip-verifiable: the virtual CNIE signs the AA challenge Python derives.
    let issued = v
        .issue_challenge(
            &spec(&[(Claim::Names, Level::ChipVerifiable)], Assurance::ALL),
            now(),
            &mut SystemRandom,
        )
        .unwrap();
    let doc = read_for(&issued.bytes, &keys);
    let aa = match &doc.raw.chip.active_authentication {
        Some(Ok(ev)) => ev.clone(),
        other => panic!("AA: {other:?}"),
    };
    let file = |id| hex::encode(doc.raw.file(id).unwrap());
    let out = make_receipt(
        &py,
        &json!({
            "challenge": hex::encode(&issued.bytes),
            "rp_root": rp_root_hex(),
            "device_private": hex::encode(device_private()),
            "now": now(),
            "claims": [[Claim::Names.code(), Level::ChipVerifiable.code(), null]],
            "chip": {
                "sod": file(FileId::Sod),
                "data_groups": {"1": file(FileId::Dg1), "15": file(FileId::Dg15)},
                "aa_signature": hex::encode(&aa.signature),
            },
            "face": {
                "score_milli": 905,
                "dg2_digest": hex::encode(monid_core::receipt::dg2_digest_of(&doc).unwrap().digest),
            },
        }),
    );
    assert_eq!(
        out["aa_challenge"].as_str().unwrap(),
        hex::encode(aa.challenge)
    );
    let env = hex::decode(out["envelope"].as_str().unwrap()).unwrap();
    let r = v.verify(&env, now() + 5).unwrap();
    assert_eq!(r.assurance.level, Level::ChipVerifiable);
    assert!(r.assurance.chip_genuine);
    assert_eq!(r.assurance.face.unwrap().score_milli, 905);
    assert_eq!(
        r.claims[0].evidence,
        Evidence::DataGroup {
            number: 1,
            chip_genuine: true
        }
    );
    // The same envelope again: a replay.
    assert_eq!(
        v.verify(&env, now() + 6).err(),
        Some(monid_verifier::Rejection::Replayed)
    );
    let _ = keys.public_key("device").unwrap();
}
