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
    for profile in [Profile::passport_td3(), Profile::cnie_td1()] {
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
