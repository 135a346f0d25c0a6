//! `monid receipt verify` and the demo's relying-party flow: a challenge issued by
//! `monid qr issue` (TEST relying party `bank.example.ma`, its ephemeral key written with
//! `--ephemeral-out`), answered by monid-core on the virtual CNIE (PACE-CAN, AA over the derived
//! challenge) with a SoftwareKeyStore key, verified by the binary; a tampered envelope is
//! refused with exit 9; the demo's last line says verified and at which level.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

use monid_core::CancelToken;
use monid_core::access::AccessKey;
use monid_core::challenge::{self, RelyingPartyTrust};
use monid_core::document::Document;
use monid_core::keys::{KeyOptions, KeyStore, SoftwareKeyStore};
use monid_core::rand::SystemRandom;
use monid_core::reader::{DocumentReader, ReadOptions};
use monid_core::receipt::{self, ChallengeInput, ReceiptBuilder};
use monid_vchip::{Profile, VirtualChip};

fn monid() -> Command {
    Command::new(env!("CARGO_BIN_EXE_monid"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rp(path: &str) -> PathBuf {
    root().join("test-vectors/rp").join(path)
}

// 2026-11-25T12:00:00Z: inside the test PKIs' validity.
const AT: &str = "2026-11-25T12:00:00Z";
const NOW: u64 = 1_795_608_000;

#[test]
fn receipt_verify_accepts_a_receipt_for_a_cli_issued_challenge() {
    let dir = std::env::temp_dir().join(format!("monid-receipt-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let eph = dir.join("eph.pem");
    let out = monid()
        .args(["qr", "issue", "--rp-key"])
        .arg(rp("keys/bank.key"))
        .arg("--rp-cert")
        .arg(rp("certs/bank.pem"))
        .arg("--chain")
        .arg(rp("certs/rp-intermediate.pem"))
        .args([
            "--claims",
            "names,age_over_18",
            "--purpose",
            "test",
            "--response-uri",
            "https://bank.example.ma/r",
            "--assurance",
            "chip_read,chip_genuine",
            "--at",
            AT,
            "--ephemeral-out",
        ])
        .arg(&eph)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout
        .lines()
        .find_map(|l| l.strip_prefix("QR text:"))
        .unwrap()
        .trim()
        .to_owned();
    let challenge_file = dir.join("challenge.txt");
    std::fs::write(&challenge_file, &text).unwrap();

    // The phone.
    let mut trust = RelyingPartyTrust::new();
    trust
        .add_anchors_pem(&std::fs::read(rp("certs/rp-anchor.pem")).unwrap())
        .unwrap();
    let scanned = challenge::scan(text.as_bytes(), &trust, NOW, 120).unwrap();
    let keys = SoftwareKeyStore::new();
    let device = keys.generate("device", KeyOptions::default()).unwrap();
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile.clone());
    let options = ReadOptions {
        aa_challenge: Some(receipt::aa_challenge(&scanned.cose, device.as_bytes())),
        ..ReadOptions::default()
    };
    let raw = DocumentReader::new(AccessKey::can(profile.can()).unwrap(), options)
        .read(&mut chip, &())
        .unwrap();
    let doc = Document::from_raw(raw);
    let envelope = ReceiptBuilder::new(ChallengeInput::from(&scanned), NOW)
        .document(&doc)
        .seal(&keys, "device", &CancelToken::new(), &mut SystemRandom)
        .unwrap();
    let env_file = dir.join("envelope.cbor");
    std::fs::write(&env_file, &envelope).unwrap();

    let verify = |env: &PathBuf| {
        let mut c = monid();
        c.args(["receipt", "verify"])
            .arg(env)
            .arg("--challenge")
            .arg(&challenge_file)
            .arg("--rp-ephemeral")
            .arg(&eph)
            .arg("--rp-key")
            .arg(rp("keys/bank.key"))
            .arg("--rp-cert")
            .arg(rp("certs/bank.pem"))
            .args(["--at", "2026-11-25T12:00:10Z"]);
        for t in [
            "certs/csca-uto-old.der",
            "certs/csca-ma.der",
            "certs/link-uto-new-by-old.der",
        ] {
            c.arg("--trust")
                .arg(root().join("test-vectors/pki").join(t));
        }
        c.stdin(Stdio::null()).output().unwrap()
    };
    let out = verify(&env_file);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout.lines().last().unwrap(),
        "receipt VERIFIED (level chip-verifiable, chip genuine)",
        "{stdout}"
    );
    assert!(stdout.contains("claim names"), "{stdout}");
    let number = profile.document_number().trim_end_matches('<');
    assert!(!stdout.contains(number) && !stderr.contains(number));

    // One byte of the ciphertext changed: refused, exit 9, the check named.
    let mut tampered = envelope.clone();
    let n = tampered.len();
    tampered[n - 1] ^= 1;
    let bad = dir.join("tampered.cbor");
    std::fs::write(&bad, &tampered).unwrap();
    let out = verify(&bad);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(9), "{stderr}");
    assert!(stderr.contains("envelope does not decrypt"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn demo_last_line_says_verified_and_the_level() {
    let out = monid().arg("demo").stdin(Stdio::null()).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().last().unwrap(),
        "Receipt VERIFIED at level chip-verifiable (chip genuine, face matched)"
    );
    assert!(stdout.contains("SYNTHETIC"));
}
