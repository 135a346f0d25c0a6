//! Writes the SecurityInfos that the CNIE profile's EF.CardSecurity signs (its Chip
//! Authentication and PACE-CAM public keys), for `test-vectors/pki/make-card-security.sh` to
//! sign with `openssl cms -sign`.
//!
//! `cargo run -p monid-vchip --example export_card_security -- OUT.der`

use std::process::ExitCode;

use monid_vchip::Profile;

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: export_card_security OUT.der");
        return ExitCode::from(2);
    };
    match std::fs::write(out, Profile::cnie_td1().card_security_content()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("export_card_security: {e}");
            ExitCode::FAILURE
        }
    }
}
