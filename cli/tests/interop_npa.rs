//! Interoperability against a third-party PACE card: vicc's nPA (German eID profile) whose PACE
//! and secure messaging come from OpenPACE (see `/work/shared/peers/NOTES.md`), started by
//! `.ci/run` with `start-emulator.sh --npa`.
//!
//! Gated on `EMRTD_PEER_NPA_READER`: without it every test prints why and returns. The nPA has
//! no eMRTD application, so these tests run `monid probe`: EF.CardAccess, PACE with the MRZ,
//! the CAN and the PIN, and a read of EF.CardSecurity under AES secure messaging; its EF.DIR
//! lists the eMRTD application, which answers 6A82.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_cli::pcsc::PcscTransport;

static CARD: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn npa_reader() -> Option<(String, std::sync::MutexGuard<'static, ()>)> {
    match std::env::var("EMRTD_PEER_NPA_READER") {
        Ok(r) if !r.is_empty() => Some((r, CARD.lock().unwrap_or_else(|e| e.into_inner()))),
        _ => {
            eprintln!(
                "skipped: EMRTD_PEER_NPA_READER is not set (start ../shared/peers/start-emulator.sh \
                 --npa and source its env file, or run `bash .ci/run`)"
            );
            None
        }
    }
}

fn monid(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_monid"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check_pace(json: &str, password: &str) {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["access_control"], "Pace", "{json}");
    assert_eq!(v["pace"]["protocol"], "id-PACE-ECDH-GM-AES-CBC-CMAC-128");
    assert_eq!(v["pace"]["curve"], "BrainpoolP256r1");
    assert_eq!(v["pace"]["password"], password);
    assert_eq!(v["protected_read"]["file"], "EF.CardSecurity");
    assert_eq!(v["protected_read"]["bytes"], 1444);
    // EF.DIR (vsmartcard's nPA): CIA, eMRTD, eID and eSign; the eMRTD application is listed
    // but absent, and PACE still ran at the MF after the other applications were selected.
    let apps = v["ef_dir"]["applications"].as_array().unwrap();
    let status = |aid: &str| {
        apps.iter()
            .find(|a| a["aid"] == aid)
            .map(|a| a["status"].clone())
            .unwrap_or_default()
    };
    assert_eq!(v["ef_dir"]["state"], "present", "{json}");
    assert_eq!(apps.len(), 4, "{json}");
    assert_eq!(status("A0000002471001"), "listed but absent (6A82)");
    assert_eq!(status("E80704007F00070302"), "present");
    assert_eq!(status("A000000167455349474E"), "present");
}

#[test]
fn probe_with_can_pin_and_mrz_ends_in_aes_secure_messaging() {
    let Some((reader, _card)) = npa_reader() else {
        return;
    };
    let can = std::env::var("EMRTD_PEER_NPA_CAN").unwrap();
    let pin = std::env::var("EMRTD_PEER_NPA_PIN").unwrap();
    let (code, out, err) = monid(
        &[
            "probe",
            "--reader",
            &reader,
            "--can-env",
            "NPA_CAN",
            "--json",
        ],
        &[("NPA_CAN", &can)],
    );
    assert_eq!(code, 0, "{err}");
    check_pace(&out, "Can");
    assert!(!out.contains(&can) && !err.contains(&can));
    let (code, out, err) = monid(
        &[
            "probe",
            "--reader",
            &reader,
            "--pin-env",
            "NPA_PIN",
            "--json",
        ],
        &[("NPA_PIN", &pin)],
    );
    assert_eq!(code, 0, "{err}");
    check_pace(&out, "Pin");
    // vicc's nPA MRZ has '<' as its composite check digit, so the three BAC/PACE fields are
    // given instead of the whole MRZ (document T22000129, born 640812, expires 201031).
    let (code, out, err) = monid(
        &[
            "probe",
            "--reader",
            &reader,
            "--doc",
            "T22000129",
            "--birth",
            "640812",
            "--expiry",
            "201031",
            "--json",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    check_pace(&out, "Mrz");
}

#[test]
fn a_wrong_can_is_the_wrong_password_error() {
    let Some((reader, _card)) = npa_reader() else {
        return;
    };
    let (code, out, err) = monid(
        &["probe", "--reader", &reader, "--can-env", "NPA_CAN"],
        &[("NPA_CAN", "123456")],
    );
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.contains("wrong password"), "{err}");
    assert!(!err.contains("123456"));
}

/// Repeated PACE-CAN sessions against OpenPACE's card side, each ending in a protected read.
#[test]
fn repeated_pace_sessions_without_failure() {
    let Some((reader, _card)) = npa_reader() else {
        return;
    };
    let sessions: usize = std::env::var("MONID_INTEROP_PACE_SESSIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let key =
        monid_core::access::AccessKey::can(&std::env::var("EMRTD_PEER_NPA_CAN").unwrap()).unwrap();
    let mut t = PcscTransport::connect(&reader).unwrap();
    let mut failures = Vec::new();
    let started = std::time::Instant::now();
    for i in 0..sessions {
        if let Err(e) = t.reconnect() {
            failures.push(format!("session {i}: reset: {e}"));
            continue;
        }
        match monid_core::reader::probe(&mut t, &key, &(), &mut monid_core::rand::SystemRandom) {
            Ok(r) if r.protected_read.map(|(_, n)| n) == Some(1444) => {}
            Ok(r) => failures.push(format!("session {i}: {:?}", r.protected_read)),
            Err(e) => failures.push(format!("session {i}: {e}")),
        }
    }
    eprintln!(
        "{sessions} PACE-CAN sessions against the nPA: {} failures, {:?}",
        failures.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{failures:?}");
}
