//! Tests of the `monid` binary that need no reader and no emulator.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Stdio};

fn monid() -> Command {
    Command::new(env!("CARGO_BIN_EXE_monid"))
}

#[test]
fn help_explains_why_command_line_secrets_leak() {
    for args in [
        &["--help"][..],
        &["read", "--help"][..],
        &["read", "-h"][..],
    ] {
        let out = monid().args(args).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("`ps`"), "{args:?}: {text}");
        assert!(text.contains("shell history"), "{args:?}: {text}");
        assert!(text.contains("--mrz-stdin"), "{args:?}: {text}");
    }
}

#[test]
fn usage_errors_exit_2() {
    // --doc without dates.
    let out = monid().args(["read", "--doc", "X"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Two key sources at once.
    let out = monid()
        .args(["read", "--mrz-stdin", "--mrz-env", "V"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // No key and no terminal to prompt on.
    let out = monid()
        .args(["read"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no access key"));
    // Empty stdin.
    let out = monid()
        .args(["read", "--mrz-stdin"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Unset environment variable: named, no value printed.
    let out = monid()
        .args(["read", "--mrz-env", "MONID_TEST_UNSET_VAR"])
        .env_remove("MONID_TEST_UNSET_VAR")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("MONID_TEST_UNSET_VAR"));
}

#[test]
fn unknown_subcommand_is_usage() {
    let out = monid().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn demo_reads_the_virtual_card_and_masks_the_document_number() {
    let profile = monid_vchip::Profile::cnie_td1();
    let number = profile.document_number().trim_end_matches('<').to_owned();
    let out = monid().arg("demo").stdin(Stdio::null()).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stdout.contains(&number), "{stdout}");
    assert!(!stderr.contains(&number), "{stderr}");
    let last3: String = number.chars().skip(number.chars().count() - 3).collect();
    assert!(stdout.contains(&format!("{last3} (masked)")), "{stdout}");
    for needle in [
        "Holder:",
        "Face:",
        "JPEG 2000",
        "APDUs:",
        "Link time:",
        "Steps:",
        "PACE id-PACE-ECDH-GM-AES-CBC-CMAC-128",
        "chip GENUINE",
    ] {
        assert!(stdout.contains(needle), "{needle}: {stdout}");
    }
}

#[test]
fn demo_out_writes_private_files_and_json() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("monid-cli-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out_dir = dir.join("out");
    let out = monid()
        .args(["demo", "--json", "--trace", "--out"])
        .arg(&out_dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // --json: the summary on stdout, identical to summary.json.
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json, file);
    let profile = monid_vchip::Profile::cnie_td1();
    assert_eq!(
        json["dg1"]["document_number"],
        profile.document_number().trim_end_matches('<')
    );
    assert_eq!(json["face"]["format"], "JPEG 2000");
    // The raw files are the chip's files, byte for byte.
    for (name, fid) in [
        ("EF.COM.bin", monid_vchip::FID_COM),
        ("DG1.bin", monid_vchip::fid_dg(1)),
        ("DG2.bin", monid_vchip::fid_dg(2)),
        ("EF.SOD.bin", monid_vchip::FID_SOD),
    ] {
        assert_eq!(
            std::fs::read(out_dir.join(name)).unwrap(),
            profile.file(fid).unwrap(),
            "{name}"
        );
    }
    let png = std::fs::read(out_dir.join("face.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    // Directory 0700, every file 0600, no temporary file left.
    assert_eq!(
        std::fs::metadata(&out_dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for entry in std::fs::read_dir(&out_dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        assert!(!name.starts_with('.'), "{name}");
        assert_eq!(
            entry.metadata().unwrap().permissions().mode() & 0o777,
            0o600,
            "{name}"
        );
    }
    // --trace: headers and status words only; the MRZ never appears on stderr.
    assert!(stderr.contains("GENERAL AUTHENTICATE"), "{stderr}");
    assert!(stderr.contains("INTERNAL AUTHENTICATE"), "{stderr}");
    assert!(stderr.contains("SM"), "{stderr}");
    let number = profile.document_number().trim_end_matches('<');
    assert!(!stderr.contains(number));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalid_mrz_is_a_usage_error_without_echo() {
    let out =
        monid()
            .args(["read", "--reader", "none", "--mrz-stdin"])
            .stdin(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(
                    b"P<UTOSECRETNAME<<X\nQ1234567<0UTO0000000X0000000<<<<<<<<<<<<<<00\n",
                )?;
                child.wait_with_output()
            })
            .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("SECRETNAME") && !stderr.contains("Q1234567"),
        "{stderr}"
    );
}
