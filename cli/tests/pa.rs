//! `monid pa`, `monid inspect`, `monid demo` and `monid read --trust` against the openssl TEST
//! PKI in `test-vectors/pki` (see its SOURCE.md for every file's expected outcome). No emulator
//! or reader needed. The expected outcomes are those of SOURCE.md at 2026-11-25 (`--at`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output, Stdio};

use serde_json::Value;

const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-vectors/pki");
const AT: &str = "2026-11-25";

fn monid() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_monid"));
    c.stdin(Stdio::null());
    c
}

fn pki(p: &str) -> String {
    format!("{PKI}/{p}")
}

/// `--dg N=FILE` for every data group of a profile's export.
fn dg_args(profile: &str) -> Vec<String> {
    let dir = pki(&format!("data/{profile}"));
    let mut out = Vec::new();
    for n in 1..=16 {
        let f = format!("{dir}/dg{n}.bin");
        if std::path::Path::new(&f).exists() {
            out.push("--dg".into());
            out.push(format!("{n}={f}"));
        }
    }
    assert!(out.len() >= 8, "{dir}");
    out
}

fn pa(sod: &str, profile: &str, extra: &[&str]) -> Output {
    monid()
        .args(["pa", "--at", AT, "--sod"])
        .arg(pki(&format!("sod/{sod}.sod")))
        .args(dg_args(profile))
        .args(extra)
        .output()
        .unwrap()
}

fn full_trust() -> Vec<String> {
    vec!["--trust".into(), pki("certs"), "--trust".into(), pki("crl")]
}

fn text(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn check<'a>(v: &'a Value, name: &str, dg: Option<u64>) -> &'a Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name && c["dg"].as_u64() == dg)
        .unwrap_or_else(|| panic!("{name} missing: {v:#}"))
}

#[test]
fn valid_sods_exit_0() {
    let trust = full_trust();
    let trust: Vec<&str> = trust.iter().map(String::as_str).collect();
    for (sod, profile) in [
        ("cnie_td1.dsc-bp256x", "cnie_td1"),
        ("passport_td3.dsc-rsa", "passport_td3"),
        ("passport_td3.dsc-pss", "passport_td3"),
        ("passport_td3.dsc-p256", "passport_td3"),
        ("passport_td3.dsc-rsa.stream", "passport_td3"),
        ("cnie_td1_mar.dsc-ma", "cnie_td1_mar"),
    ] {
        let o = pa(sod, profile, &trust);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(0), "{sod}: {out}");
        assert!(out.contains("Verdict:       VALID"), "{sod}: {out}");
        assert!(out.contains("PASS         DG1 hash"), "{sod}: {out}");
        assert!(out.contains("Trust store:"), "{sod}: {out}");
    }
    // The MAR document's country is really checked.
    let o = pa("cnie_td1_mar.dsc-ma", "cnie_td1_mar", &trust);
    assert!(text(&o).contains("PASS         country"), "{}", text(&o));
}

#[test]
fn expired_signer_exits_6_with_validity_failing() {
    let mut args = full_trust();
    args.push("--json".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = pa("passport_td3.dsc-expired", "passport_td3", &args);
    assert_eq!(o.status.code(), Some(6));
    let v = json(&o);
    assert_eq!(v["verdict"], "invalid");
    assert_eq!(check(&v, "validity", None)["outcome"], "fail");
    assert_eq!(check(&v, "signature", None)["outcome"], "pass");
    assert_eq!(check(&v, "data_group_hash", Some(1))["outcome"], "pass");
    assert_eq!(v["at"], "2026-11-25T12:00:00Z");
    assert_eq!(v["time_source"], "--at");
    assert!(v["trust"]["added"].as_u64().unwrap() >= 4, "{v:#}");
    // DER and PEM copies of the three CRLs: the store keeps one of each.
    assert_eq!(v["trust"]["crls_in_store"], 3);
    // Text: the failing check is named.
    let args = full_trust();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = pa("passport_td3.dsc-expired", "passport_td3", &args);
    assert!(text(&o).contains("FAIL         validity"), "{}", text(&o));
    assert!(text(&o).contains("Verdict:       INVALID"));
}

#[test]
fn bad_signatures_exit_6() {
    let args = full_trust();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    for (sod, profile) in [
        ("passport_td3.dsc-rsa.bad-signature", "passport_td3"),
        ("cnie_td1.dsc-bp256x.bad-signature", "cnie_td1"),
    ] {
        let o = pa(sod, profile, &args);
        assert_eq!(o.status.code(), Some(6), "{sod}");
        assert!(text(&o).contains("FAIL         signature"), "{}", text(&o));
    }
    // Revoked, tampered DG11, malformed: invalid too, never a crash.
    for (sod, what) in [
        ("passport_td3.dsc-revoked", "FAIL         revocation"),
        (
            "passport_td3.dsc-rsa.dg11-mismatch",
            "FAIL         DG11 hash",
        ),
        (
            "passport_td3.dsc-rsa.truncated",
            "FAIL         SOD structure",
        ),
        ("passport_td3.dsc-rsa.garbage", "FAIL         SOD structure"),
    ] {
        let o = pa(sod, "passport_td3", &args);
        assert_eq!(o.status.code(), Some(6), "{sod}: {}", text(&o));
        assert!(text(&o).contains(what), "{sod}: {}", text(&o));
    }
}

#[test]
fn no_trust_exits_7() {
    let o = pa("passport_td3.dsc-rsa", "passport_td3", &["--json"]);
    assert_eq!(o.status.code(), Some(7));
    let v = json(&o);
    assert_eq!(v["verdict"], "incomplete");
    assert_eq!(check(&v, "chain", None)["outcome"], "not_checked");
    assert_eq!(check(&v, "signature", None)["outcome"], "pass");
    let o = pa("passport_td3.dsc-rsa", "passport_td3", &[]);
    assert_eq!(o.status.code(), Some(7));
    assert!(text(&o).contains("no --trust"), "{}", text(&o));
}

#[test]
fn master_list_with_its_anchor() {
    let ml = pki("masterlist/masterlist.ml");
    let anchor = pki("certs/csca-uto-old.pem");
    let crl = pki("crl/csca-uto-new.crl");
    // DSC-P256 is under CSCA-UTO-NEW, which the list holds (with the link).
    let o = pa(
        "passport_td3.dsc-p256",
        "passport_td3",
        &[
            "--trust",
            &ml,
            "--master-list-anchor",
            &anchor,
            "--crl",
            &crl,
            "--json",
        ],
    );
    let v = json(&o);
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    assert_eq!(v["trust"]["master_list_verified"], true);
    assert_eq!(v["trust"]["added"], 4);
    assert_eq!(check(&v, "revocation", None)["outcome"], "pass");
    // A wrong anchor: the list is refused (usage error), nothing is verified.
    let o = pa(
        "passport_td3.dsc-p256",
        "passport_td3",
        &[
            "--trust",
            &ml,
            "--master-list-anchor",
            &pki("certs/csca-ma.der"),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("master list"));
    // No anchor: loaded with a warning.
    let o = pa("passport_td3.dsc-p256", "passport_td3", &["--trust", &ml]);
    assert!(text(&o).contains("NOT verified"), "{}", text(&o));
}

#[test]
fn usage_errors() {
    let sod = pki("sod/passport_td3.dsc-rsa.sod");
    for args in [
        vec!["pa", "--sod", &sod, "--at", "25/11/2026"],
        vec!["pa", "--sod", "/nonexistent/sod"],
        vec!["pa", "--sod", &sod, "--dg", "17=x"],
        vec!["pa", "--sod", &sod, "--trust", "/nonexistent/dir"],
        vec!["pa", "--sod", &sod, "--dg", &sod],
    ] {
        let o = monid().args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    let o = monid().args(["pa", "--help"]).output().unwrap();
    let help = text(&o);
    for needle in ["6 INVALID", "7 INCOMPLETE", "not recursively", "--at"] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

fn inspect(path: &str, json_out: bool) -> Output {
    let mut c = monid();
    c.arg("inspect").arg(path);
    if json_out {
        c.arg("--json");
    }
    c.output().unwrap()
}

#[test]
fn inspect_recognises_every_kind() {
    for (file, kind) in [
        ("sod/cnie_td1.dsc-bp256x.sod", "EF.SOD"),
        ("data/cnie_td1/dg1.bin", "DG1"),
        ("data/cnie_td1/dg2.bin", "DG2"),
        ("data/cnie_td1/dg7.bin", "DG7"),
        ("data/cnie_td1/dg11.bin", "DG11"),
        ("data/cnie_td1/dg12.bin", "DG12"),
        ("data/cnie_td1/dg15.bin", "DG15"),
        ("certs/csca-uto-new.der", "X.509 certificate"),
        ("certs/dsc-pss.pem", "X.509 certificate (PEM)"),
        ("crl/csca-uto-old.crl", "CRL"),
        ("crl/csca-ma.crl.pem", "CRL"),
        ("masterlist/masterlist.ml", "CSCA master list"),
        (
            "data/passport_td3/lds_so_sha256_v1.der",
            "LDS security object (EF.SOD eContent, unsigned)",
        ),
    ] {
        let o = inspect(&pki(file), true);
        assert_eq!(o.status.code(), Some(0), "{file}");
        let v = json(&o);
        assert_eq!(v["type"], kind, "{file}: {v:#}");
        let o = inspect(&pki(file), false);
        assert_eq!(o.status.code(), Some(0), "{file}");
        assert!(text(&o).contains(&format!("type: {kind}")), "{file}");
    }
}

#[test]
fn inspect_shows_the_details() {
    let v = json(&inspect(&pki("sod/cnie_td1.dsc-bp256x.sod"), true));
    assert_eq!(
        v["cms"]["signer_infos"][0]["signature_algorithm"],
        "ECDSA/SHA-256"
    );
    assert_eq!(v["cms"]["signer_infos"][0]["sid"]["serial"], "100d");
    assert_eq!(
        v["cms"]["certificates"][0]["key"],
        "EC brainpoolP256r1 (explicit parameters)"
    );
    assert_eq!(v["lds_security_object"]["hash_algorithm"], "SHA-256");
    // The DG hashes are the ones the export recorded.
    let hashes = std::fs::read_to_string(pki("data/cnie_td1/dg_hashes.txt")).unwrap();
    for line in hashes.lines() {
        let (n, h) = line.split_once(' ').unwrap();
        assert_eq!(
            v["lds_security_object"]["hashes"][format!("DG{n}")],
            h.trim()
        );
    }
    // DG1: the MRZ, unmasked (the user asked to inspect it).
    let profile = monid_vchip::Profile::cnie_td1();
    let v = json(&inspect(&pki("data/cnie_td1/dg1.bin"), true));
    assert_eq!(
        v["document_number"],
        profile.document_number().trim_end_matches('<')
    );
    assert_eq!(v["format"], "TD1");
    assert_eq!(v["mrz"].as_array().unwrap().len(), 3);
    // DG2: container, format, dimensions.
    let v = json(&inspect(&pki("data/cnie_td1/dg2.bin"), true));
    let face = &v["faces"][0];
    assert_eq!(face["format"], "JPEG 2000");
    assert_eq!(face["header_mismatch"], false);
    assert!(face["width"].as_u64().unwrap() > 0);
    // Certificate, CRL, master list.
    let v = json(&inspect(&pki("certs/dsc-pss.der"), true));
    assert_eq!(v["serial"], "100b");
    assert_eq!(v["key"], "RSA 2048");
    assert!(
        v["signature_algorithm"].as_str().unwrap().contains("PSS"),
        "{v:#}"
    );
    let v = json(&inspect(&pki("crl/csca-uto-old.crl"), true));
    assert_eq!(v["revoked_certificates"], 1);
    assert_eq!(v["next_update"], "2027-06-01T00:00:00Z");
    let v = json(&inspect(&pki("masterlist/masterlist.ml"), true));
    assert_eq!(v["master_list"]["certificate_count"], 4);
    assert_eq!(
        v["master_list"]["countries"],
        serde_json::json!(["MA", "UT"])
    );
    assert!(
        v["cms"]["certificates"][0]["subject"]
            .as_str()
            .unwrap()
            .contains("MLS UTO")
    );
}

#[test]
fn inspect_refuses_garbage_without_panicking() {
    let dir = std::env::temp_dir().join(format!("monid-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sod = std::fs::read(pki("sod/passport_td3.dsc-rsa.sod")).unwrap();
    for (name, bytes) in [
        ("garbage", b"GARBAGE! this is not an LDS file".to_vec()),
        ("empty", Vec::new()),
        ("truncated-sod", sod[..sod.len() / 2].to_vec()),
        (
            "garbage-in-sod",
            std::fs::read(pki("sod/passport_td3.dsc-rsa.garbage.sod")).unwrap(),
        ),
        ("bad-dg1", vec![0x61, 0x05, 0x5F, 0x1F, 0x02, b'A']),
        (
            "bad-pem",
            b"-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n".to_vec(),
        ),
        ("bad-der", vec![0x30, 0x03, 0x02, 0x01, 0x00]),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, &bytes).unwrap();
        let o = inspect(p.to_str().unwrap(), false);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(err.contains("monid:"), "{name}: {err}");
    }
    let o = inspect(dir.join("garbage").to_str().unwrap(), false);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown file type"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn demo_verifies_the_virtual_card() {
    let o = monid().arg("demo").output().unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("Passive authentication: "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.starts_with("Passive authentication: VALID (signature ECDSA/"),
        "{line}"
    );
    assert!(line.contains("DG1 DG2"), "{line}");
    assert!(
        line.contains("CSCA UTO TEST (link) -> CSCA UTO TEST"),
        "{line}"
    );
    assert!(
        line.contains("country not checked: UTO is the ICAO specimen code"),
        "{line}"
    );
    assert!(out.contains("> passive authentication >"), "{out}");
    // Never the full document number.
    let number = monid_vchip::Profile::cnie_td1()
        .document_number()
        .trim_end_matches('<')
        .to_owned();
    assert!(!out.contains(&number));
    assert!(!String::from_utf8_lossy(&o.stderr).contains(&number));
    // JSON: the report is in the summary.
    let o = monid().args(["demo", "--json"]).output().unwrap();
    let v = json(&o);
    assert_eq!(v["passive_authentication"]["run"], true);
    assert_eq!(v["passive_authentication"]["verdict"], "valid");
    assert_eq!(v["passive_authentication"]["trust"]["crls_added"], 3);
}

/// `monid read --trust` without a reader: the same session code path, over the virtual chip.
#[test]
fn read_with_trust_over_the_virtual_chip() {
    use monid_cli::session::{self, Silent, Verifier};
    use monid_cli::trust::{self, TrustOptions};
    use monid_core::access::AccessKey;
    use monid_core::pki::pa::Verdict;
    use monid_core::reader::ReadOptions;
    use monid_vchip::{Profile, VirtualChip};

    let run = |profile: Profile, opts: Option<TrustOptions>| {
        let key = AccessKey::mrz(
            profile.document_number(),
            profile.date_of_birth(),
            profile.date_of_expiry(),
        )
        .unwrap();
        let verifier = opts.map(|o| Verifier {
            trust: trust::load(&o).unwrap(),
            now: monid_cli::clock::parse_at(AT).unwrap(),
        });
        let mut chip = VirtualChip::new(profile);
        session::read_with(
            &mut chip,
            key,
            ReadOptions::default(),
            "virtual",
            &Silent,
            verifier.as_ref(),
        )
        .unwrap()
    };
    let full = TrustOptions {
        paths: vec![pki("certs").into(), pki("crl").into()],
        ..TrustOptions::default()
    };
    let o = run(Profile::passport_td3(), Some(full.clone()));
    let pa = o.summary.pa.as_ref().unwrap();
    assert_eq!(pa.verdict(), Verdict::Valid);
    let v: Value = serde_json::from_str(&o.summary.to_json()).unwrap();
    assert_eq!(v["passive_authentication"]["verdict"], "valid");
    assert!(
        o.summary
            .to_text()
            .contains("Passive authentication: VALID")
    );
    // A tampered DG11 on the chip: invalid.
    let bad = Profile::passport_td3()
        .with_sod(std::fs::read(pki("sod/passport_td3.dsc-rsa.dg11-mismatch.sod")).unwrap());
    let o = run(bad, Some(full));
    assert_eq!(o.summary.pa.as_ref().unwrap().verdict(), Verdict::Invalid);
    assert!(
        o.summary.to_text().contains("INVALID (DG11 hash"),
        "{}",
        o.summary.to_text().as_str()
    );
    // No --trust: not run, and said so.
    let o = run(Profile::passport_td3(), None);
    assert!(o.summary.pa.is_none());
    assert!(
        o.summary
            .to_text()
            .contains("passive authentication not run (no --trust)")
            || o.summary
                .to_text()
                .contains("Passive authentication: not run (no --trust)")
    );
    let v: Value = serde_json::from_str(&o.summary.to_json()).unwrap();
    assert_eq!(v["passive_authentication"]["run"], false);
}
