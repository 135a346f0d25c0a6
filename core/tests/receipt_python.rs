//! The Python second implementation (scripts/py/monid_wire.py, `cryptography` + `cbor2`) against
//! monid-core, both ways:
//!
//! * `monid_wire.py check` verifies the committed vectors (challenges, envelopes, receipts made
//!   by monid-core);
//! * `monid_wire.py issue` issues a challenge with the vectors' relying-party key and seals a
//!   device-asserted receipt to it; monid-core scans the challenge (signature, x5chain to the
//!   test RP root, content rules), agrees on the confirmation code, opens the envelope and
//!   verifies the receipt.
//!
//! Needs the venv made by scripts/py/test.sh (`~/.cache/monid-py`, or `$MONID_PY_VENV`). Without
//! it the test is skipped with a message, except with `CI=true`, where it is created (network)
//! and its absence is a failure.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use monid_core::challenge::{self, RelyingPartyTrust};
use monid_core::receipt::{ClaimValue, Level, open_envelope, parse_receipt};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

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

#[test]
fn python_second_implementation() {
    let Some(py) = python() else {
        eprintln!("SKIPPED: no Python venv with cbor2 + cryptography (run scripts/py/test.sh)");
        return;
    };
    let script = root().join("scripts/py/monid_wire.py");

    // Python verifies what monid-core produced.
    let out = Command::new(&py)
        .arg(&script)
        .arg("check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(out.status.success(), "monid_wire.py check failed: {stdout}");
    assert!(stdout.contains(" 0 failed"));

    // monid-core accepts what Python issued.
    let out = Command::new(&py)
        .arg(&script)
        .arg("issue")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "monid_wire.py issue failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let h = |k: &str| hex::decode(v[k].as_str().unwrap()).unwrap();
    let challenge_bytes = h("challenge");
    let mut trust = RelyingPartyTrust::new();
    trust
        .add_anchor_der(&std::fs::read(root().join("test-vectors/receipt/rp_root.der")).unwrap())
        .unwrap();
    let now = v["issued_at"].as_u64().unwrap() + 5;
    let scanned = challenge::scan(&challenge_bytes, &trust, now, 120).unwrap();
    assert!(scanned.clock_ok());
    assert_eq!(scanned.challenge.rp_id, "bank.example.ma");
    assert_eq!(scanned.rp_display_name, "Banque Exemple");
    assert_eq!(
        scanned.confirmation_code,
        v["confirmation_code"].as_str().unwrap()
    );
    // The QR text form round-trips too.
    let text = challenge::qr_text(&challenge_bytes);
    assert_eq!(
        challenge::scan(text.as_bytes(), &trust, now, 120)
            .unwrap()
            .cose,
        challenge_bytes
    );

    let rp_private: [u8; 32] = h("rp_ephemeral_private").try_into().unwrap();
    let signed = open_envelope(&h("envelope"), &rp_private, &scanned.cose).unwrap();
    assert_eq!(signed.as_slice(), h("receipt").as_slice());
    let r = parse_receipt(&signed).unwrap();
    r.verify_signature().unwrap();
    assert_eq!(r.nonce, scanned.challenge.nonce);
    assert_eq!(r.rp_id, scanned.challenge.rp_id);
    let requested: Vec<_> = scanned
        .challenge
        .claims
        .iter()
        .map(|c| (c.claim, c.level))
        .collect();
    let got: Vec<_> = r.claims.iter().map(|c| (c.claim, c.level)).collect();
    assert_eq!(got, requested);
    assert!(r.claims.iter().all(|c| c.level == Level::DeviceAsserted));
    assert_eq!(
        r.claims[0].value,
        ClaimValue::AgeOver {
            over: true,
            as_of: "2025-11-26".into()
        }
    );
    // Another challenge's bytes do not open it.
    let mut other = scanned.cose.clone();
    *other.last_mut().unwrap() ^= 1;
    assert!(open_envelope(&h("envelope"), &rp_private, &other).is_err());
}
