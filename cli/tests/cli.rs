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
