//! The core's reader against the virtual chip: full reads, strategies, misbehaviour, resumption.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::access::AccessKey;
use monid_core::lds::FileId;
use monid_core::reader::{DocumentReader, ReadOptions};
use monid_vchip::{Profile, VirtualChip};

fn key(p: &Profile) -> AccessKey {
    AccessKey::mrz(p.document_number(), p.date_of_birth(), p.date_of_expiry()).unwrap()
}

fn assert_all_files(chip: &VirtualChip, doc: &monid_core::reader::RawDocument) {
    for fid in chip.profile().file_ids() {
        if fid == monid_vchip::FID_ATR_INFO {
            continue;
        }
        let id = monid_core::lds::FileId::ALL
            .into_iter()
            .find(|f| f.fid() == fid && !f.in_master_file())
            .unwrap();
        assert_eq!(doc.file(id), chip.file(fid), "{id:?}");
    }
}

#[test]
fn reads_the_passport_and_the_cnie() {
    for profile in [Profile::passport_td3(), Profile::cnie_td1_bac()] {
        let mut chip = VirtualChip::new(profile.clone());
        let mut reader = DocumentReader::new(key(&profile), ReadOptions::default());
        let doc = reader.read(&mut chip, &()).unwrap();
        assert_all_files(&chip, &doc);
        assert!(doc.file(FileId::Dg2).unwrap().len() > 18_000);
        let parsed = monid_core::document::Document::from_raw(doc);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let summary = parsed.summary();
        let number = summary.document_number.unwrap();
        assert_eq!(
            number.value.as_str(),
            profile.document_number().trim_end_matches('<')
        );
        assert_eq!(number.source.file, FileId::Dg1);
        let face = summary.face.unwrap();
        assert_eq!(face.source.file, FileId::Dg2);
        assert!(!face.value.header_mismatch);
        let pixels = monid_core::face::decode_face(parsed.face().unwrap()).unwrap();
        assert_eq!(Some(pixels.width as u16), face.value.width);
    }
}

fn full_read(profile: &Profile) -> (monid_core::reader::RawDocument, u64) {
    let mut chip = VirtualChip::new(profile.clone());
    let mut reader = DocumentReader::new(key(profile), ReadOptions::default());
    let doc = reader.read(&mut chip, &()).unwrap();
    (doc, chip.stats().apdus)
}

fn contents(doc: &monid_core::reader::RawDocument) -> Vec<(FileId, Vec<u8>)> {
    doc.files.iter().map(|f| (f.id, f.bytes.to_vec())).collect()
}

fn file_bytes(doc: &monid_core::reader::RawDocument) -> u64 {
    doc.files.iter().map(|f| f.bytes.len() as u64).sum()
}

/// A link drop at every APDU index of a full read, each followed by a resumed call on a new
/// tap: the files are byte-identical and no completed file is read again.
#[test]
fn resumes_after_a_drop_at_every_apdu() {
    use monid_core::ErrorKind;
    use monid_vchip::Misbehaviour;
    for profile in [Profile::cnie_td1_bac(), Profile::passport_td3()] {
        let (reference, total_apdus) = full_read(&profile);
        let expected_bytes = file_bytes(&reference);
        for n in 0..total_apdus {
            let mut chip = VirtualChip::new(profile.clone())
                .with_misbehaviour(Misbehaviour::new().drop_link_after(n));
            let mut reader = DocumentReader::new(key(&profile), ReadOptions::default());
            let err = reader.read(&mut chip, &()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TagLost, "drop after {n}: {err}");
            let first_call_apdus = chip.stats().apdus;
            chip.reconnect();
            chip.reset_stats();
            let doc = reader
                .read(&mut chip, &())
                .unwrap_or_else(|e| panic!("resume after drop at {n}: {e}"));
            assert_eq!(contents(&doc), contents(&reference), "drop after {n}");
            assert_eq!(doc.stats.calls, 2);
            // Every file byte was received exactly once; only EF.COM and DG1 are re-read
            // to confirm the document's identity.
            assert_eq!(doc.stats.file_bytes, expected_bytes, "drop after {n}");
            let com_dg1 = (reference.file(FileId::Com).unwrap().len()
                + reference.file(FileId::Dg1).unwrap().len()) as u64;
            assert!(doc.stats.identity_bytes <= com_dg1, "drop after {n}");
            // The resumed call sends fewer APDUs than a full read whenever the first call got
            // past access control and read something.
            if doc.stats.identity_bytes > 0 {
                assert!(chip.stats().apdus < total_apdus, "drop after {n}");
            }
            assert!(first_call_apdus <= n + 1);
        }
    }
}

/// A different chip on the resumed call is detected.
#[test]
fn a_resumed_read_on_another_document_fails() {
    use monid_vchip::Misbehaviour;
    let profile = Profile::passport_td3();
    let mut chip = VirtualChip::new(profile.clone())
        .with_misbehaviour(Misbehaviour::new().drop_link_after(30));
    let mut reader = DocumentReader::new(key(&profile), ReadOptions::default());
    assert!(reader.read(&mut chip, &()).is_err());
    // Same MRZ (so BAC opens it), but another DG1 content.
    let mut dg1 = profile.file(0x0101).unwrap().to_vec();
    let last = dg1.len() - 3;
    dg1[last] = if dg1[last] == b'<' { b'A' } else { b'<' };
    let mut other = VirtualChip::new(profile.clone().with_file(0x0101, dg1));
    let err = reader.read(&mut other, &()).unwrap_err();
    assert!(
        matches!(
            err,
            monid_core::Error::Chip(monid_core::ChipError::DocumentChanged)
        ),
        "{err}"
    );
}

/// Every misbehaviour at every APDU index ends in success or a typed error, never a panic or
/// a hang; files returned are always the chip's files.
#[test]
fn misbehaviour_ends_in_a_typed_error_or_a_clean_retry() {
    use monid_vchip::{Misbehaviour, SfiRefusal};
    let profile = Profile::cnie_td1_bac();
    let (reference, total) = full_read(&profile);
    let check = |m: Misbehaviour, label: &str| {
        let mut chip = VirtualChip::new(profile.clone()).with_misbehaviour(m);
        let mut reader = DocumentReader::new(key(&profile), ReadOptions::default());
        match reader.read(&mut chip, &()) {
            Ok(doc) => assert_eq!(contents(&doc), contents(&reference), "{label}"),
            Err(e) => {
                // Only the access-control exchanges may fail: after it, a corrupted or
                // truncated response is retried on a fresh session.
                assert!(
                    matches!(
                        e.kind(),
                        monid_core::ErrorKind::ChipMisbehaved
                            | monid_core::ErrorKind::WrongAccessKey
                    ),
                    "{label}: {e}"
                );
                assert!(chip.stats().apdus <= 6, "{label}: failed late: {e}");
                assert!(chip.stats().apdus < 10 * total, "{label}: too many APDUs");
            }
        }
        chip.stats().apdus
    };
    for n in 0..total {
        check(
            Misbehaviour::new().corrupt_mac_at(n),
            &format!("corrupt MAC at {n}"),
        );
        check(
            Misbehaviour::new().truncate_response_at(n, 3),
            &format!("truncate at {n}"),
        );
        check(
            Misbehaviour::new().wrong_sw_at(n, 0x6F00),
            &format!("6F00 at {n}"),
        );
        check(
            Misbehaviour::new().wrong_sw_at(n, 0x6700),
            &format!("6700 at {n}"),
        );
    }
    // Behaviours a robust reader absorbs without failing.
    for (m, label) in [
        (Misbehaviour::new().omit_do99(), "no DO'99'"),
        (
            Misbehaviour::new().errors_without_mac(),
            "errors without MAC",
        ),
        (Misbehaviour::new().refuse_extended(), "extended refused"),
        (
            Misbehaviour::new().max_response_data(0x80),
            "small responses",
        ),
        (
            Misbehaviour::new().no_sfi(SfiRefusal::WrongP1P2),
            "no SFI (6A86)",
        ),
        (
            Misbehaviour::new().no_sfi(SfiRefusal::InsNotSupported),
            "no SFI (6D00)",
        ),
        (
            Misbehaviour::new().no_sfi(SfiRefusal::FileNotFound),
            "no SFI (6A82)",
        ),
    ] {
        let mut chip = VirtualChip::new(profile.clone()).with_misbehaviour(m);
        let mut reader = DocumentReader::new(key(&profile), ReadOptions::default());
        let doc = reader
            .read(&mut chip, &())
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(contents(&doc), contents(&reference), "{label}");
    }
}

/// A wrong access key is its own error kind.
#[test]
fn wrong_mrz_is_wrong_access_key() {
    let profile = Profile::passport_td3();
    let mut chip = VirtualChip::new(profile.clone());
    let wrong = AccessKey::mrz(
        "AB1234567",
        profile.date_of_birth(),
        profile.date_of_expiry(),
    )
    .unwrap();
    let mut reader = DocumentReader::new(wrong, ReadOptions::default());
    let err = reader.read(&mut chip, &()).unwrap_err();
    assert_eq!(err.kind(), monid_core::ErrorKind::WrongAccessKey);
    assert!(!format!("{err} {err:?}").contains("AB1234567"));
}

/// Cancellation from another thread takes effect within one APDU.
#[test]
fn cancellation_from_another_thread_takes_effect_within_one_apdu() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    /// A transport that takes 2 ms per APDU and records how many it carried.
    struct Slow {
        chip: VirtualChip,
        count: Arc<AtomicU64>,
        after_cancel: Arc<Mutex<Option<u64>>>,
        token: monid_core::CancelToken,
    }
    impl monid_core::Transport for Slow {
        fn transceive(&mut self, c: &[u8]) -> Result<Vec<u8>, monid_core::TransportError> {
            std::thread::sleep(std::time::Duration::from_millis(2));
            let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
            if self.token.is_cancelled() {
                let mut a = self.after_cancel.lock().unwrap();
                *a = Some(a.unwrap_or(0) + 1);
            }
            let _ = n;
            self.chip.transceive(c)
        }
        fn info(&self) -> monid_core::TransportInfo {
            self.chip.info()
        }
    }

    let profile = Profile::passport_td3();
    let mut reader = DocumentReader::new(key(&profile), ReadOptions::default());
    let token = reader.cancel_token();
    let count = Arc::new(AtomicU64::new(0));
    let after_cancel = Arc::new(Mutex::new(None));
    let mut slow = Slow {
        chip: VirtualChip::new(profile.clone()),
        count: count.clone(),
        after_cancel: after_cancel.clone(),
        token: token.clone(),
    };
    let canceller = {
        let count = count.clone();
        let token = token.clone();
        std::thread::spawn(move || {
            while count.load(Ordering::SeqCst) < 20 {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
            token.cancel();
        })
    };
    let err = reader.read(&mut slow, &()).unwrap_err();
    canceller.join().unwrap();
    assert_eq!(err.kind(), monid_core::ErrorKind::Cancelled);
    // At most the APDU already in flight when cancel() was called completes afterwards.
    assert!(after_cancel.lock().unwrap().unwrap_or(0) <= 1);
    assert!(count.load(Ordering::SeqCst) < 30);
}
