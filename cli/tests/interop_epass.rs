//! Interoperability tests against a third-party eMRTD: vicc's ePass behind pcscd + vpcd (see
//! `/work/shared/peers/NOTES.md`), started by `.ci/run` with `start-emulator.sh`.
//!
//! Gated on `EMRTD_PEER_READER` (and the other `EMRTD_PEER_*` variables of the emulator's env
//! file): without it every test prints why and returns. `MONID_INTEROP_MODE` names the ePass
//! mode under test (`default`, `icao-do99`, `no-sfi`). Run single-threaded: vicc holds one
//! security environment per card.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_cli::pcsc::PcscTransport;
use monid_core::Transport;

/// Serialises the tests of this file even when the harness runs them in parallel: vicc holds
/// one security environment per card and `PcscTransport` connects exclusively.
static CARD: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The reader name and the card lock, or `None` (with the reason printed) without a peer.
fn peer_reader() -> Option<(String, std::sync::MutexGuard<'static, ()>)> {
    match std::env::var("EMRTD_PEER_READER") {
        Ok(r) if !r.is_empty() => Some((r, CARD.lock().unwrap_or_else(|e| e.into_inner()))),
        _ => {
            eprintln!(
                "skipped: EMRTD_PEER_READER is not set (start ../shared/peers/start-emulator.sh \
                 and source its env file, or run `bash .ci/run`)"
            );
            None
        }
    }
}

fn mode() -> String {
    std::env::var("MONID_INTEROP_MODE").unwrap_or_else(|_| "default".to_owned())
}

#[test]
fn raw_pcsc_select_and_get_challenge() {
    let Some((reader, _card)) = peer_reader() else {
        return;
    };
    eprintln!("ePass mode: {}", mode());
    let mut t = PcscTransport::connect(&reader).unwrap();
    t.reconnect().unwrap();
    assert!(t.info().extended_length);
    if let Ok(atr) = std::env::var("EMRTD_PEER_ATR") {
        let got: String = t
            .atr()
            .unwrap_or_default()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(got, atr.to_uppercase());
    }
    let select = [
        0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01,
    ];
    assert_eq!(t.transceive(&select).unwrap(), vec![0x90, 0x00]);
    let challenge = t.transceive(&[0x00, 0x84, 0x00, 0x00, 0x08]).unwrap();
    assert_eq!(challenge.len(), 10);
    assert_eq!(&challenge[8..], &[0x90, 0x00]);
    // An unknown AID is refused with 6A82, through the same transport.
    let unknown = [0x00, 0xA4, 0x04, 0x0C, 0x05, 0xF0, 0x01, 0x02, 0x03, 0x04];
    assert_eq!(t.transceive(&unknown).unwrap(), vec![0x6A, 0x82]);
}

/// The env file's MRZ as one string without line breaks (the start script prints it as one).
fn peer_mrz() -> String {
    std::env::var("EMRTD_PEER_MRZ")
        .expect("EMRTD_PEER_MRZ")
        .split_whitespace()
        .collect()
}

fn scratch(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "monid-interop-{tag}-{}-{}",
        mode(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn monid_read_gets_dg1_and_the_full_dg2() {
    use std::os::unix::fs::PermissionsExt;
    let Some((reader, _card)) = peer_reader() else {
        return;
    };
    let out_dir = scratch("read").join("out");
    let started = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_monid"))
        .args([
            "read",
            "--reader",
            &reader,
            "--mrz-env",
            "EMRTD_PEER_MRZ",
            "--json",
            "--out",
        ])
        .arg(&out_dir)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "mode {}: {stderr}", mode());
    eprintln!("mode {}: monid read took {:?}", mode(), started.elapsed());

    // DG1 is `61 5B 5F1F 58 <MRZ>` and its MRZ is the one the emulator was started with.
    let dg1 = std::fs::read(out_dir.join("DG1.bin")).unwrap();
    assert_eq!(dg1.len(), 93);
    assert_eq!(&dg1[..5], &[0x61, 0x5B, 0x5F, 0x1F, 0x58]);
    assert_eq!(std::str::from_utf8(&dg1[5..]).unwrap(), peer_mrz());
    // DG2 with --photo synthetic: 16,299 bytes (NOTES.md), starting with the 7F61 group.
    let dg2 = std::fs::read(out_dir.join("DG2.bin")).unwrap();
    assert_eq!(dg2.len(), 16_299, "mode {}", mode());
    // vicc writes DG2 as the bare 7F61 biometric group, without the DG2 tag 75 (NOTES.md).
    assert!(dg2.starts_with(&[0x7F, 0x61]) || dg2.starts_with(&[0x75]));
    let com = std::fs::read(out_dir.join("EF.COM.bin")).unwrap();
    assert_eq!(com[0], 0x60);

    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json, file_json);
    let number = std::env::var("EMRTD_PEER_DOCUMENT_NUMBER").unwrap();
    assert_eq!(json["dg1"]["document_number"], number.trim_end_matches('<'));
    assert_eq!(
        json["dg1"]["date_of_birth"],
        std::env::var("EMRTD_PEER_DATE_OF_BIRTH").unwrap()
    );
    assert_eq!(json["face"]["format"], "JPEG");
    assert!(json["face"]["width"].as_u64().unwrap() > 0);
    assert!(json["stats"]["apdus"].as_u64().unwrap() > 70);
    assert!(json["access"].as_str().unwrap().starts_with("BAC"));
    let absent: Vec<&str> = json["absent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(absent.contains(&"EF.SOD"), "{absent:?}");

    // Everything written is private.
    assert_eq!(
        std::fs::metadata(&out_dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for entry in std::fs::read_dir(&out_dir).unwrap() {
        let meta = entry.unwrap().metadata().unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    assert!(out_dir.join("face.png").exists());
    let _ = std::fs::remove_dir_all(out_dir.parent().unwrap());
}

#[test]
fn wrong_access_key_exits_3() {
    let Some((reader, _card)) = peer_reader() else {
        return;
    };
    let birth = std::env::var("EMRTD_PEER_DATE_OF_BIRTH").unwrap();
    let expiry = std::env::var("EMRTD_PEER_DATE_OF_EXPIRY").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_monid"))
        .args([
            "read", "--reader", &reader, "--doc", "X1234567", "--birth", &birth,
        ])
        .args(["--expiry", &expiry])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "mode {}: {stderr}", mode());
    assert!(
        !stderr.contains("X1234567") && !stderr.contains(&birth),
        "{stderr}"
    );
}

#[test]
fn bac_and_dg1_sessions_without_failure() {
    let Some((reader, _card)) = peer_reader() else {
        return;
    };
    let sessions: usize = std::env::var("MONID_INTEROP_SESSIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let doc = std::env::var("EMRTD_PEER_DOCUMENT_NUMBER").unwrap();
    let birth = std::env::var("EMRTD_PEER_DATE_OF_BIRTH").unwrap();
    let expiry = std::env::var("EMRTD_PEER_DATE_OF_EXPIRY").unwrap();
    let key = monid_core::access::AccessKey::mrz(&doc, &birth, &expiry).unwrap();
    let mrz = peer_mrz();
    let mut t = PcscTransport::connect(&reader).unwrap();
    let mut failures = Vec::new();
    let mut apdus = 0u64;
    let started = std::time::Instant::now();
    let mut in_reset = std::time::Duration::ZERO;
    for i in 0..sessions {
        let reset_started = std::time::Instant::now();
        let reset = t.reconnect();
        in_reset += reset_started.elapsed();
        if let Err(e) = reset {
            failures.push(format!("session {i}: reset: {e}"));
            continue;
        }
        match monid_cli::session::read_dg1(&mut t, key.clone()) {
            Ok(raw) => {
                apdus += raw.stats.apdus;
                let dg1 = raw.file(monid_core::lds::FileId::Dg1);
                if dg1.and_then(|d| d.get(5..)) != Some(mrz.as_bytes()) {
                    failures.push(format!("session {i}: DG1 differs"));
                }
            }
            Err(e) => failures.push(format!("session {i}: {} (exit {})", e.message, e.code)),
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "mode {}: {sessions} BAC + DG1 sessions, {} failures, {apdus} APDUs, {:?} \
         ({:.2} ms per session, of which {:.2} ms card reset)",
        mode(),
        failures.len(),
        elapsed,
        elapsed.as_secs_f64() * 1000.0 / sessions.max(1) as f64,
        in_reset.as_secs_f64() * 1000.0 / sessions.max(1) as f64
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn monid_readers_lists_the_virtual_reader() {
    let Some((reader, _card)) = peer_reader() else {
        return;
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_monid"))
        .arg("readers")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.lines().any(|l| l == reader), "{stdout}");
}
