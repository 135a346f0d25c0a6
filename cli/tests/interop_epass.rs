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

fn peer_reader() -> Option<String> {
    match std::env::var("EMRTD_PEER_READER") {
        Ok(r) if !r.is_empty() => Some(r),
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
    let Some(reader) = peer_reader() else { return };
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
