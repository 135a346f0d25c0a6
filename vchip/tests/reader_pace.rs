//! The core's reader against the virtual CNIE the CNIE 2.0 way: PACE with the CAN, then chip
//! authentication (DG14), active authentication (DG15) and passive authentication.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::access::AccessKey;
use monid_core::document::{ChipGenuine, Document};
use monid_core::lds::FileId;
use monid_core::pki::Timestamp;
use monid_core::pki::pa::Verdict;
use monid_core::pki::trust::TrustStore;
use monid_core::reader::{AccessProtocol, DocumentReader, ReadOptions};
use monid_vchip::{Curve, Misbehaviour, Profile, VirtualChip};

fn pki(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../test-vectors/pki/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn store() -> TrustStore {
    let mut s = TrustStore::new();
    for c in ["csca-uto-old", "csca-ma", "link-uto-new-by-old"] {
        s.add_der(&pki(&format!("certs/{c}.der")));
    }
    for c in ["csca-uto-old", "csca-uto-new", "csca-ma"] {
        s.add_crl(&pki(&format!("crl/{c}.crl")));
    }
    s
}

fn now() -> Timestamp {
    Timestamp::from_utc(2026, 11, 25, 12, 0, 0).unwrap()
}

#[test]
fn pace_can_ca_aa_and_pa_prove_a_genuine_chip() {
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile.clone());
    let key = AccessKey::can(profile.can()).unwrap();
    let challenge = [1, 2, 3, 4, 5, 6, 7, 8];
    let options = ReadOptions {
        aa_challenge: Some(challenge),
        ..ReadOptions::default()
    };
    let raw = DocumentReader::new(key, options)
        .read(&mut chip, &())
        .unwrap();
    assert_eq!(raw.link.protocol, AccessProtocol::Pace);
    let pace = raw.link.pace.unwrap();
    assert_eq!(pace.protocol, "id-PACE-ECDH-GM-AES-CBC-CMAC-128");
    assert!(raw.link.fallback.is_none());
    for fid in profile.file_ids() {
        if let Some(id) = FileId::ALL
            .into_iter()
            .find(|f| f.fid() == fid && !f.in_master_file())
        {
            assert_eq!(raw.file(id), chip.file(fid), "{id:?}");
        }
    }
    let aa = raw.chip.active_authentication.clone().unwrap().unwrap();
    assert_eq!(aa.challenge, challenge);
    monid_core::aa::verify_evidence(&aa).unwrap();
    let ca = raw.chip.chip_authentication.clone().unwrap().unwrap();
    assert_eq!(ca.version, 2);
    let mut doc = Document::from_raw(raw);
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    assert_eq!(
        doc.chip_genuine(),
        ChipGenuine::NotProven("passive authentication has not run".into())
    );
    let report = doc.verify(&store(), now()).clone();
    assert_eq!(report.verdict(), Verdict::Valid, "{report:#?}");
    assert!(report.dg_verified(14) && report.dg_verified(15));
    assert_eq!(
        doc.chip_genuine(),
        ChipGenuine::Proven {
            by: "chip authentication"
        }
    );
}

#[test]
fn a_wrong_can_is_a_wrong_password_and_nothing_is_read() {
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile);
    let err = DocumentReader::new(AccessKey::can("000000").unwrap(), ReadOptions::default())
        .read(&mut chip, &())
        .unwrap_err();
    assert_eq!(err.kind(), monid_core::ErrorKind::WrongAccessKey);
    assert!(
        matches!(err, monid_core::Error::WrongPassword { tries_left: None }),
        "{err}"
    );
}

#[test]
fn a_bac_key_on_a_pace_only_card_is_not_downgraded() {
    // The card has EF.CardAccess: PACE runs with the MRZ; BAC is never tried.
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile.clone());
    let key = AccessKey::mrz(
        profile.document_number(),
        profile.date_of_birth(),
        profile.date_of_expiry(),
    )
    .unwrap();
    match DocumentReader::new(key, ReadOptions::default()).read(&mut chip, &()) {
        Ok(raw) => assert_eq!(raw.link.protocol, AccessProtocol::Pace),
        // This CNIE takes only the CAN: the chip refuses the MRZ as a PACE password (6A88).
        Err(e) => assert_eq!(e.kind(), monid_core::ErrorKind::UnsupportedDocument, "{e}"),
    }
}

#[test]
fn pace_on_other_curves() {
    for curve in [Curve::P256, Curve::P384] {
        let profile = Profile::cnie_td1().with_pace_curve(curve, 16);
        let mut chip = VirtualChip::new(profile.clone());
        let key = AccessKey::can(profile.can()).unwrap();
        let raw = DocumentReader::new(key, ReadOptions::default())
            .read(&mut chip, &())
            .unwrap_or_else(|e| panic!("{curve:?}: {e}"));
        assert!(raw.file(FileId::Dg2).is_some(), "{curve:?}");
    }
}

#[test]
fn a_resumed_pace_read_completes() {
    let profile = Profile::cnie_td1();
    let key = AccessKey::can(profile.can()).unwrap();
    let reference = DocumentReader::new(key.clone(), ReadOptions::default())
        .read(&mut VirtualChip::new(profile.clone()), &())
        .unwrap();
    for n in [12u64, 20, 25, 30] {
        let mut chip = VirtualChip::new(profile.clone())
            .with_misbehaviour(Misbehaviour::new().drop_link_after(n));
        let mut reader = DocumentReader::new(key.clone(), ReadOptions::default());
        assert!(reader.read(&mut chip, &()).is_err(), "drop after {n}");
        chip.reconnect();
        let raw = reader
            .read(&mut chip, &())
            .unwrap_or_else(|e| panic!("resume after {n}: {e}"));
        let got: Vec<_> = raw.files.iter().map(|f| (f.id, f.bytes.to_vec())).collect();
        let want: Vec<_> = reference
            .files
            .iter()
            .map(|f| (f.id, f.bytes.to_vec()))
            .collect();
        assert_eq!(got, want, "drop after {n}");
        assert!(
            matches!(raw.chip.chip_authentication, Some(Ok(_))),
            "drop after {n}"
        );
    }
}

/// Forwards to the virtual chip, but answers one chosen protected extended-length READ BINARY
/// with a link error of its own (the link stays up, as when a response does not fit the
/// platform's buffer), and records every command sent.
struct FailOnceLink {
    chip: VirtualChip,
    /// Fail the n-th protected extended READ BINARY (0-based).
    fail_at: usize,
    protected_reads: usize,
    failed: bool,
    /// Also fail the first MSE:Set AT after the injected failure (the re-authentication).
    fail_reauthentication: bool,
    sent: Vec<Vec<u8>>,
}

impl FailOnceLink {
    fn new(profile: &Profile, fail_at: usize, fail_reauthentication: bool) -> Self {
        FailOnceLink {
            chip: VirtualChip::new(profile.clone()),
            fail_at,
            protected_reads: 0,
            failed: false,
            fail_reauthentication,
            sent: Vec::new(),
        }
    }

    /// Fails the test if any SELECT or READ BINARY after the first protected command went out
    /// in the clear.
    fn assert_nothing_in_the_clear(&self, label: &str) {
        let first_protected = self.sent.iter().position(|c| c[0] & 0x0C == 0x0C).unwrap();
        for (i, c) in self.sent.iter().enumerate().skip(first_protected) {
            if matches!(c[1], 0xB0 | 0xB1 | 0xA4) {
                assert_eq!(
                    c[0] & 0x0C,
                    0x0C,
                    "{label}: command {i} ({:02X} {:02X}) sent in the clear",
                    c[0],
                    c[1]
                );
            }
        }
    }
}

impl monid_core::transport::Transport for FailOnceLink {
    fn transceive(
        &mut self,
        command: &[u8],
    ) -> Result<Vec<u8>, monid_core::transport::TransportError> {
        self.sent.push(command.to_vec());
        if self.failed && self.fail_reauthentication && command[1] == 0x22 {
            self.fail_reauthentication = false;
            return Err(monid_core::transport::TransportError::Other(
                "driver error".into(),
            ));
        }
        let protected = command[0] & 0x0C == 0x0C;
        // A short protected READ BINARY is 19 bytes (header, Lc, DO'97', DO'8E', Le); longer
        // ones are in extended form.
        if protected && matches!(command[1], 0xB0 | 0xB1) && command.len() > 19 {
            let n = self.protected_reads;
            self.protected_reads += 1;
            if n == self.fail_at && !self.failed {
                self.failed = true;
                return Err(monid_core::transport::TransportError::ResponseTooLong);
            }
        }
        self.chip.transceive(command)
    }

    fn info(&self) -> monid_core::transport::TransportInfo {
        self.chip.info()
    }
}

/// A link error in the middle of a protected read ends the secure-messaging session; the
/// reader may retry on the same link with a smaller read, but never in the clear: access
/// control runs again first, and every later SELECT / READ BINARY is protected.
#[test]
fn a_link_error_inside_secure_messaging_never_sends_the_next_command_in_the_clear() {
    let profile = Profile::cnie_td1();
    for fail_at in [0, 1, 3, 8] {
        let mut link = FailOnceLink::new(&profile, fail_at, false);
        let key = AccessKey::can(profile.can()).unwrap();
        let raw = DocumentReader::new(key, ReadOptions::default())
            .read(&mut link, &())
            .unwrap_or_else(|e| panic!("fail_at {fail_at}: {e}"));
        assert!(
            link.failed,
            "fail_at {fail_at}: the failure was never injected"
        );
        assert_eq!(
            raw.file(FileId::Dg2),
            link.chip.file(0x0102),
            "fail_at {fail_at}"
        );
        assert!(
            raw.stats.access_control_runs >= 2,
            "fail_at {fail_at}: no re-authentication"
        );
        link.assert_nothing_in_the_clear(&format!("fail_at {fail_at}"));
    }
}

/// Like the BAC sweep in reader_end_to_end.rs, on the PACE card: a corrupted MAC or a 6F00 at
/// any APDU index after PACE is absorbed by re-running PACE (the chip's stale session is ended
/// by the first plain command) and the files are the chip's; before that, a typed error.
#[test]
fn pace_session_errors_at_every_index_end_in_a_clean_retry_or_a_typed_error() {
    let profile = Profile::cnie_td1();
    let read = |m: Misbehaviour| {
        let mut chip = VirtualChip::new(profile.clone()).with_misbehaviour(m);
        let key = AccessKey::can(profile.can()).unwrap();
        let r = DocumentReader::new(key, ReadOptions::default()).read(&mut chip, &());
        (r, chip.stats().apdus)
    };
    let (reference, total) = read(Misbehaviour::new());
    let reference = reference.unwrap();
    // The APDUs up to and including PACE's last GENERAL AUTHENTICATE.
    let mut probe = FailOnceLink::new(&profile, usize::MAX, false);
    let key = AccessKey::can(profile.can()).unwrap();
    DocumentReader::new(key, ReadOptions::default())
        .read(&mut probe, &())
        .unwrap();
    let access_control = probe.sent.iter().position(|c| c[0] & 0x0C == 0x0C).unwrap() as u64;
    for n in 0..total {
        for (m, label) in [
            (Misbehaviour::new().corrupt_mac_at(n), "corrupt MAC"),
            (Misbehaviour::new().wrong_sw_at(n, 0x6F00), "6F00"),
        ] {
            match read(m) {
                (Ok(doc), _) => {
                    for f in &reference.files {
                        assert_eq!(doc.file(f.id), Some(&f.bytes[..]), "{label} at {n}");
                    }
                }
                (Err(e), apdus) => {
                    assert!(
                        n < access_control && apdus <= access_control,
                        "{label} at {n} (PACE ends at {access_control}): failed late: {e}"
                    );
                    assert!(
                        matches!(
                            e.kind(),
                            monid_core::ErrorKind::ChipMisbehaved
                                | monid_core::ErrorKind::WrongAccessKey
                        ),
                        "{label} at {n}: {e}"
                    );
                }
            }
        }
    }
}

/// The same link error, and then the re-authentication itself fails on the link: the reader
/// may go on stepping down, but without a session every later command is refused by the
/// channel, never sent in the clear; the read ends with a typed error.
#[test]
fn a_failed_re_authentication_never_lets_a_command_go_out_in_the_clear() {
    let profile = Profile::cnie_td1();
    let mut link = FailOnceLink::new(&profile, 1, true);
    let key = AccessKey::can(profile.can()).unwrap();
    let err = DocumentReader::new(key, ReadOptions::default())
        .read(&mut link, &())
        .unwrap_err();
    assert!(
        link.failed && !link.fail_reauthentication,
        "both failures injected"
    );
    assert_eq!(err.kind(), monid_core::ErrorKind::ChipMisbehaved, "{err}");
    link.assert_nothing_in_the_clear("failed re-authentication");
}
