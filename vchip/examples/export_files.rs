//! Writes each signed profile's data groups and LDSSecurityObject to files, for the test PKI
//! script (`test-vectors/pki/make-pki.sh`) to sign with `openssl cms -sign`.
//!
//! `cargo run -p monid-vchip --example export_files -- OUTDIR` writes, for each profile
//! `passport_td3`, `cnie_td1` and `cnie_td1_mar`:
//! - `OUTDIR/<profile>/dgN.bin`: the raw content of data group N (the whole `61`/`75`/... TLV);
//! - `OUTDIR/<profile>/lds_security_object.der`: the eContent the profile's EF.SOD must carry
//!   (LDSSecurityObject v0, SHA-256, DER);
//! - `OUTDIR/<profile>/dg_hashes.txt`: one `N sha256-hex` line per data group.
//!
//! It only reads the profiles; it never writes EF.SOD (the script does).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use monid_vchip::{Profile, fid_dg};
use sha2::{Digest, Sha256};

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: export_files OUTDIR");
        return ExitCode::from(2);
    };
    let profiles = [
        ("passport_td3", Profile::passport_td3()),
        ("cnie_td1", Profile::cnie_td1()),
        ("cnie_td1_mar", Profile::cnie_td1_mar()),
    ];
    for (name, profile) in profiles {
        if let Err(e) = export(&out.join(name), &profile) {
            eprintln!("export_files: {name}: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn export(dir: &std::path::Path, profile: &Profile) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut hashes = String::new();
    for n in profile.data_groups() {
        let Some(content) = profile.file(fid_dg(n)) else {
            continue;
        };
        std::fs::write(dir.join(format!("dg{n}.bin")), content)?;
        let digest = Sha256::digest(content);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(hashes, "{n} {hex}");
    }
    std::fs::write(
        dir.join("lds_security_object.der"),
        profile.lds_security_object(),
    )?;
    std::fs::write(dir.join("dg_hashes.txt"), hashes)?;
    Ok(())
}
