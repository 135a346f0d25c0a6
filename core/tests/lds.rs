//! LDS file parsing against the generated vectors in test-vectors/lds (see its SOURCE.md),
//! including the vicc ePass files, negative cases and a no-panic mutation loop.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::lds::{
    self, Com, Dg1, Dg2, Dg7, Dg11, Dg12, Dg15, FaceContainer, FileId, ImageFormat, LdsError,
    LdsFile, PublicKeyAlgorithm, Sod,
};
use monid_core::tlv::{TlvError, encode};

fn vector(name: &str) -> Vec<u8> {
    let p = format!("{}/../test-vectors/lds/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn face(name: &str) -> Vec<u8> {
    let p = format!(
        "{}/../test-vectors/faces/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn expected() -> serde_json::Value {
    serde_json::from_slice(&vector("expected.json")).unwrap()
}

#[test]
fn ef_com_from_vicc() {
    // As vicc's CardGenerator writes it: 60 16 ... 5C 02 "6175" (ASCII), see SOURCE.md.
    let bytes = vector("ef_com_vicc.bin");
    assert_eq!(
        bytes,
        hex::decode("60165F0104303130375F36063034303030305C0236313735").unwrap()
    );
    let com = Com::parse(&bytes).unwrap();
    assert_eq!(com.lds_version, "0107");
    assert_eq!(com.lds_version_numbers(), Some((1, 7)));
    assert_eq!(com.unicode_version, "040000");
    assert!(com.malformed_tail);
    assert!(com.data_groups.is_empty());
    assert_eq!(com.unknown_tags, vec![0x36, 0x31]);

    // What vicc meant: 5C 02 61 75.
    let com = Com::parse(&vector("ef_com_intended.bin")).unwrap();
    assert_eq!(com.lds_version, "0107");
    assert_eq!(com.unicode_version, "040000");
    assert_eq!(com.data_groups, vec![FileId::Dg1, FileId::Dg2]);
    assert!(com.unknown_tags.is_empty() && !com.malformed_tail);
    assert!(com.lists(FileId::Dg2) && !com.lists(FileId::Dg15));

    // A broken object before 5C is still an error.
    let broken = encode(
        0x60,
        &[encode(0x5F01, b"0107"), vec![0x5F, 0x36, 0x09, 0x30]].concat(),
    );
    assert_eq!(
        Com::parse(&broken).unwrap_err(),
        LdsError::Tlv(TlvError::Truncated)
    );
}

#[test]
fn ef_com_unknown_tags_are_reported_not_fatal() {
    let inner = [
        encode(0x5F01, b"0108"),
        encode(0x5F36, b"040000"),
        encode(0x5C, &[0x61, 0x99, 0x75, 0x77, 0x61, 0x6F]),
    ]
    .concat();
    let com = Com::parse(&encode(0x60, &inner)).unwrap();
    assert_eq!(
        com.data_groups,
        vec![FileId::Dg1, FileId::Dg2, FileId::Dg15]
    );
    // 0x77 is EF.SOD's tag, not a data group.
    assert_eq!(com.unknown_tags, vec![0x99, 0x77]);
    // Missing 5C, bad version text, wrong outer tag.
    assert_eq!(
        Com::parse(&encode(0x60, &encode(0x5F01, b"0107"))).unwrap_err(),
        LdsError::Missing(0x5C)
    );
    assert!(matches!(
        Com::parse(&encode(
            0x60,
            &[encode(0x5F01, b"1.7"), encode(0x5C, &[])].concat()
        )),
        Err(LdsError::Invalid { tag: 0x5F01, .. })
    ));
    assert!(matches!(
        Com::parse(&encode(0x61, &inner)),
        Err(LdsError::Tlv(TlvError::UnexpectedTag { .. }))
    ));
}

#[test]
fn dg1_from_vicc() {
    let bytes = vector("dg1_vicc.bin");
    assert_eq!(bytes.len(), 93);
    assert_eq!(&bytes[..5], &[0x61, 0x5B, 0x5F, 0x1F, 0x58]);
    let dg1 = Dg1::parse(&bytes).unwrap();
    assert_eq!(&*dg1.mrz, expected()["mrz"].as_str().unwrap());
    let dbg = format!("{dg1:?}");
    assert!(
        !dbg.contains("ERIKSSON") && dbg.contains("88 bytes"),
        "{dbg}"
    );
    // Through the dispatcher.
    assert!(matches!(
        lds::parse(FileId::Dg1, &bytes),
        Ok(LdsFile::Dg1(_))
    ));
}

#[test]
fn dg1_shapes() {
    for len in [72usize, 90] {
        let mrz = vec![b'<'; len];
        assert_eq!(
            Dg1::parse(&encode(0x61, &encode(0x5F1F, &mrz)))
                .unwrap()
                .mrz
                .len(),
            len
        );
    }
    assert!(matches!(
        Dg1::parse(&encode(0x61, &encode(0x5F1F, &[b'<'; 87]))),
        Err(LdsError::Invalid { tag: 0x5F1F, .. })
    ));
    let mut mrz = vec![b'<'; 88];
    mrz[3] = 0x0A;
    assert_eq!(
        Dg1::parse(&encode(0x61, &encode(0x5F1F, &mrz))).unwrap_err(),
        LdsError::InvalidText(0x5F1F)
    );
    assert_eq!(
        Dg1::parse(&encode(0x61, &encode(0x5F20, &[b'<'; 88]))).unwrap_err(),
        LdsError::Missing(0x5F1F)
    );
    // Zero padding after the object is tolerated, other trailing bytes are not.
    let mut padded = vector("dg1_vicc.bin");
    padded.extend_from_slice(&[0, 0, 0]);
    assert!(Dg1::parse(&padded).is_ok());
    padded.push(1);
    assert_eq!(
        Dg1::parse(&padded).unwrap_err(),
        LdsError::Tlv(TlvError::TrailingData)
    );
    // Truncated and hostile lengths.
    let bytes = vector("dg1_vicc.bin");
    assert_eq!(
        Dg1::parse(&bytes[..50]).unwrap_err(),
        LdsError::Tlv(TlvError::Truncated)
    );
    assert_eq!(
        Dg1::parse(&[0x61, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x5F]).unwrap_err(),
        LdsError::Tlv(TlvError::Truncated)
    );
    assert_eq!(
        LdsError::Tlv(TlvError::Truncated).into_chip_error(FileId::Dg1),
        monid_core::ChipError::MalformedFile {
            file: "DG1",
            source: TlvError::Truncated
        }
    );
}

fn check_face(
    file: &str,
    image: &str,
    container: FaceContainer,
    format: ImageFormat,
    declared: ImageFormat,
    mismatch: bool,
) {
    let dg2 = Dg2::parse(&vector(file)).unwrap();
    assert_eq!(dg2.faces.len(), 1, "{file}");
    let f = &dg2.faces[0];
    assert_eq!(f.container, container, "{file}");
    assert_eq!(f.format, format, "{file}");
    assert_eq!(f.declared, Some(declared), "{file}");
    assert_eq!(f.header_mismatch, mismatch, "{file}");
    assert_eq!((f.width, f.height), (Some(120), Some(160)), "{file}");
    assert_eq!(&*f.data, &face(image), "{file}");
    let dbg = format!("{f:?}");
    assert!(dbg.contains("redacted"), "{dbg}");
}

#[test]
fn dg2_iso19794_5() {
    use FaceContainer::Iso19794_5 as C;
    use ImageFormat::*;
    check_face("dg2_19794_jpeg.bin", "face_rgb.jpg", C, Jpeg, Jpeg, false);
    check_face(
        "dg2_19794_jp2.bin",
        "face_rgb.jp2",
        C,
        Jpeg2000,
        Jpeg2000,
        false,
    );
    // vicc writes image data type 1 (JPEG 2000) for a JPEG, with vicc-style long lengths.
    check_face(
        "dg2_19794_vicc.bin",
        "face_rgb.jpg",
        C,
        Jpeg,
        Jpeg2000,
        true,
    );
    let t = monid_core::lds::dg2::parse_biometric_group(FileId::Dg2, &vector("dg2_19794_vicc.bin"))
        .unwrap();
    assert_eq!(t[0].header.format_owner, Some(0x0101));
    assert_eq!(t[0].header.format_type, Some(0x0501));
    assert_eq!(t[0].data_tag, 0x5F2E);
    let t = monid_core::lds::dg2::parse_biometric_group(FileId::Dg2, &vector("dg2_19794_jpeg.bin"))
        .unwrap();
    assert_eq!(t[0].header.format_type, Some(0x0008));
}

#[test]
fn dg2_iso39794_5() {
    use FaceContainer::Iso39794_5 as C;
    use ImageFormat::*;
    check_face("dg2_39794_jpeg.bin", "face_rgb.jpg", C, Jpeg, Jpeg, false);
    check_face(
        "dg2_39794_j2c.bin",
        "face_rgb.j2c",
        C,
        Jpeg2000,
        Jpeg2000,
        false,
    );
    let t = monid_core::lds::dg2::parse_biometric_group(FileId::Dg2, &vector("dg2_39794_j2c.bin"))
        .unwrap();
    assert_eq!(t[0].header.format_type, Some(0x002A));
    assert_eq!(t[0].data_tag, 0x7F2E);
}

/// Builds a DG2 around a biometric data block.
fn dg2_with(bdb_tag: u32, bdb: &[u8], count: u8) -> Vec<u8> {
    let bit = [encode(0xA1, &encode(0x87, &[1, 1])), encode(bdb_tag, bdb)].concat();
    let group = [encode(0x02, &[count]), encode(0x7F60, &bit)].concat();
    encode(0x75, &encode(0x7F61, &group))
}

/// The 19794-5 record inside the vector.
fn record_19794() -> Vec<u8> {
    let t = monid_core::lds::dg2::parse_biometric_group(FileId::Dg2, &vector("dg2_19794_jpeg.bin"))
        .unwrap();
    t[0].data.to_vec()
}

#[test]
fn dg2_negative() {
    let rec = record_19794();
    assert!(Dg2::parse(&dg2_with(0x5F2E, &rec, 1)).is_ok());
    // Count mismatch.
    assert!(matches!(
        Dg2::parse(&dg2_with(0x5F2E, &rec, 2)),
        Err(LdsError::Invalid { tag: 0x02, .. })
    ));
    // Bad format identifier, unsupported version.
    let mut bad = rec.clone();
    bad[0] = b'X';
    assert!(matches!(
        Dg2::parse(&dg2_with(0x5F2E, &bad, 1)),
        Err(LdsError::Invalid { tag: 0x5F2E, .. })
    ));
    let mut bad = rec.clone();
    bad[4..8].copy_from_slice(b"030\0");
    assert!(Dg2::parse(&dg2_with(0x5F2E, &bad, 1)).is_err());
    // Record length larger than the data, facial block lengths too small or too large.
    for (at, value) in [
        (8usize, 0xFFFF_FFFFu32),
        (14, 0),
        (14, 3),
        (14, 0x7FFF_FFFF),
    ] {
        let mut bad = rec.clone();
        bad[at..at + 4].copy_from_slice(&value.to_be_bytes());
        assert!(
            matches!(
                Dg2::parse(&dg2_with(0x5F2E, &bad, 1)),
                Err(LdsError::Invalid { tag: 0x5F2E, .. })
            ),
            "{at} {value:#x}"
        );
    }
    // Huge number of feature points.
    let mut bad = rec.clone();
    bad[18..20].copy_from_slice(&[0xFF, 0xFF]);
    assert!(Dg2::parse(&dg2_with(0x5F2E, &bad, 1)).is_err());
    // Number of faces 0 and 0xFFFF.
    for n in [[0u8, 0], [0xFF, 0xFF]] {
        let mut bad = rec.clone();
        bad[12..14].copy_from_slice(&n);
        assert!(Dg2::parse(&dg2_with(0x5F2E, &bad, 1)).is_err());
    }
    // Truncations everywhere.
    let file = vector("dg2_19794_jpeg.bin");
    for cut in [0, 1, 2, 5, 10, 40, 100, file.len() - 1] {
        assert!(Dg2::parse(&file[..cut]).is_err(), "{cut}");
    }
    // Missing header, missing data block, missing group.
    let no_header = encode(
        0x75,
        &encode(
            0x7F61,
            &[encode(0x02, &[1]), encode(0x7F60, &encode(0x5F2E, &rec))].concat(),
        ),
    );
    assert_eq!(Dg2::parse(&no_header).unwrap_err(), LdsError::Missing(0xA1));
    assert_eq!(
        Dg2::parse(&encode(0x75, &[])).unwrap_err(),
        LdsError::Missing(0x7F61)
    );
    // Huge declared lengths.
    assert_eq!(
        Dg2::parse(&[0x75, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0x61]).unwrap_err(),
        LdsError::Tlv(TlvError::Truncated)
    );
    // 39794-5: no representation, extension-only representation, empty image, wrong top tag.
    let empty_fidb = encode(0xA1, &encode(0x65, &encode(0xA0, &[])));
    assert!(Dg2::parse(&dg2_with(0x7F2E, &empty_fidb, 1)).is_err());
    let ext_only = encode(
        0xA1,
        &encode(
            0x65,
            &encode(
                0xA1,
                &encode(
                    0x30,
                    &[encode(0x80, &[1]), encode(0xA1, &encode(0xA1, &[]))].concat(),
                ),
            ),
        ),
    );
    assert!(matches!(
        Dg2::parse(&dg2_with(0x7F2E, &ext_only, 1)),
        Err(LdsError::Invalid { tag: 0x7F2E, .. })
    ));
    assert!(Dg2::parse(&dg2_with(0x7F2E, &encode(0x30, &[]), 1)).is_err());
}

#[test]
fn dg2_wrong_magic_is_reported_not_fatal() {
    // A 19794-5 record whose image is neither JPEG nor JPEG 2000.
    let mut rec = record_19794();
    let n = rec.len();
    let img_start = n - face("face_rgb.jpg").len();
    rec[img_start] = 0x00;
    let dg2 = Dg2::parse(&dg2_with(0x5F2E, &rec, 1)).unwrap();
    assert_eq!(dg2.faces[0].format, ImageFormat::Unknown);
    assert!(dg2.faces[0].header_mismatch);
}

#[test]
fn dg7_dg11_dg12() {
    let dg7 = Dg7::parse(&vector("dg7.bin")).unwrap();
    assert_eq!(dg7.images.len(), 1);
    assert_eq!(dg7.images[0].format, ImageFormat::Jpeg);
    assert_eq!(&*dg7.images[0].data, &face("face_grey.jpg"));
    assert!(format!("{dg7:?}").contains("redacted"));
    assert!(
        Dg7::parse(&encode(
            0x67,
            &[encode(0x02, &[2]), encode(0x5F43, &[1])].concat()
        ))
        .is_err()
    );

    let dg11 = Dg11::parse(&vector("dg11.bin")).unwrap();
    assert_eq!(
        dg11.full_name.as_deref().map(|s| s.as_str()),
        Some("MÜLLER<<ÉRIKA<ZOË")
    );
    let others: Vec<&str> = dg11.other_names.iter().map(|s| s.as_str()).collect();
    assert_eq!(others, ["MULLER<<ERIKA", "MUELLER<<ERIKA"]);
    assert_eq!(
        dg11.full_date_of_birth.as_deref().map(|s| s.as_str()),
        Some("19690806")
    );
    assert_eq!(
        dg11.place_of_birth.as_deref().map(|s| s.as_str()),
        Some("ZENITH<UTOPIA")
    );
    // Written with the non-minimal length 81 7F.
    let addr = dg11.permanent_address.as_ref().unwrap();
    assert_eq!(addr.len(), 0x7F);
    assert!(addr.starts_with("1<CARTOON<STREET<"));
    assert_eq!(
        dg11.profession.as_deref().map(|s| s.as_str()),
        Some("ILLUSTRATOR")
    );
    assert_eq!(
        dg11.tag_list,
        vec![0x5F0E, 0x5F2B, 0x5F11, 0x5F42, 0x5F13, 0xA0]
    );
    assert!(dg11.telephone.is_none());
    let dbg = format!("{dg11:?}");
    assert!(!dbg.contains("RIKA") && !dbg.contains("1969"), "{dbg}");
    // Invalid UTF-8 is a typed error naming the field.
    let bad = encode(0x6B, &encode(0x5F0E, &[0x4D, 0xC3, 0x28]));
    assert_eq!(
        Dg11::parse(&bad).unwrap_err(),
        LdsError::InvalidText(0x5F0E)
    );

    let dg12 = Dg12::parse(&vector("dg12.bin")).unwrap();
    assert_eq!(
        dg12.issuing_authority.as_deref().map(|s| s.as_str()),
        Some("UTOPIA<PASSPORT<OFFICE")
    );
    // BCD date expanded.
    assert_eq!(
        dg12.date_of_issue.as_deref().map(|s| s.as_str()),
        Some("20240131")
    );
    assert_eq!(
        dg12.personalization_time.as_deref().map(|s| s.as_str()),
        Some("20240131120000")
    );
    assert_eq!(
        dg12.personalization_serial.as_deref().map(|s| s.as_str()),
        Some("SN-0042")
    );
    assert_eq!(dg12.other_persons.len(), 1);
    assert!(!format!("{dg12:?}").contains("UTOPIA"));
}

#[test]
fn dg15_and_sod() {
    let keys: serde_json::Value = serde_json::from_slice(&vector("keys.json")).unwrap();
    let rsa = Dg15::parse(&vector("dg15_rsa.bin")).unwrap();
    assert_eq!(rsa.algorithm, PublicKeyAlgorithm::Rsa);
    assert_eq!(
        rsa.spki,
        hex::decode(keys["rsa_2048_spki"].as_str().unwrap()).unwrap()
    );
    let ec = Dg15::parse(&vector("dg15_ec.bin")).unwrap();
    assert_eq!(ec.algorithm, PublicKeyAlgorithm::Ec);
    assert_eq!(
        ec.spki,
        hex::decode(keys["ec_p256_spki"].as_str().unwrap()).unwrap()
    );
    // Ed25519 OID 1.3.101.112 -> Other.
    let spki = encode(
        0x30,
        &[
            encode(0x30, &encode(0x06, &[0x2B, 0x65, 0x70])),
            encode(0x03, &[0; 33]),
        ]
        .concat(),
    );
    let other = Dg15::parse(&encode(0x6F, &spki)).unwrap();
    assert_eq!(other.algorithm, PublicKeyAlgorithm::Other);
    assert_eq!(other.algorithm_oid, vec![0x2B, 0x65, 0x70]);
    // Trailing data inside 6F, missing key.
    let mut two = spki.clone();
    two.extend_from_slice(&[0x05, 0x00]);
    assert!(Dg15::parse(&encode(0x6F, &two)).is_err());
    assert!(Dg15::parse(&encode(0x6F, &encode(0x30, &encode(0x30, &[])))).is_err());

    let sod = Sod::parse(&vector("sod.bin")).unwrap();
    assert_eq!(
        sod.cms,
        hex::decode(keys["bsi_ef_cardsecurity"].as_str().unwrap()).unwrap()
    );
    assert!(format!("{sod:?}").contains("bytes"));
    assert!(Sod::parse(&encode(0x77, &[0x04, 0x00])).is_err());
    assert!(Sod::parse(&encode(0x30, &[])).is_err());
}

#[test]
fn dispatch_keeps_unknown_files_raw() {
    let dg3 = encode(0x63, &[0x01]);
    match lds::parse(FileId::Dg3, &dg3).unwrap() {
        LdsFile::Raw { file, bytes } => {
            assert_eq!(file, FileId::Dg3);
            assert_eq!(&*bytes, &dg3);
        }
        other => panic!("{other:?}"),
    }
    assert!(lds::parse(FileId::Dg3, &encode(0x64, &[])).is_err());
    assert!(matches!(
        lds::parse(FileId::CardAccess, &[0x31, 0x00]),
        Ok(LdsFile::Raw { .. })
    ));
}

/// xorshift64*.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Applies 1..4 random mutations: byte set, bit flip, truncation, insertion, length-ish bytes.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            2 => {
                let n = rng.below(v.len() + 1);
                v.truncate(n);
            }
            3 => {
                let i = rng.below(v.len() + 1);
                v.insert(i, rng.next() as u8);
            }
            4 if !v.is_empty() => {
                let i = rng.below(v.len());
                let b = [0x80, 0x81, 0x82, 0x84, 0xFF, 0x00, 0x7F][rng.below(7)];
                v[i] = b;
            }
            _ if v.len() > 4 => {
                let i = rng.below(v.len() - 4);
                v[i..i + 4].copy_from_slice(&(rng.next() as u32).to_be_bytes());
            }
            _ => {}
        }
    }
    v
}

#[test]
fn no_panic_on_mutated_inputs() {
    let cases: [(FileId, &str); 14] = [
        (FileId::Com, "ef_com_vicc.bin"),
        (FileId::Com, "ef_com_intended.bin"),
        (FileId::Dg1, "dg1_vicc.bin"),
        (FileId::Dg2, "dg2_19794_jpeg.bin"),
        (FileId::Dg2, "dg2_19794_vicc.bin"),
        (FileId::Dg2, "dg2_19794_jp2.bin"),
        (FileId::Dg2, "dg2_39794_jpeg.bin"),
        (FileId::Dg2, "dg2_39794_j2c.bin"),
        (FileId::Dg7, "dg7.bin"),
        (FileId::Dg11, "dg11.bin"),
        (FileId::Dg12, "dg12.bin"),
        (FileId::Dg15, "dg15_rsa.bin"),
        (FileId::Dg15, "dg15_ec.bin"),
        (FileId::Sod, "sod.bin"),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut errors = 0usize;
    for (file, name) in cases {
        let base = vector(name);
        assert!(lds::parse(file, &base).is_ok(), "{name}");
        for _ in 0..3000 {
            let m = mutate(&mut rng, &base);
            if lds::parse(file, &m).is_err() {
                errors += 1;
            }
            // The biometric parsers on their own, on mutated records.
            if file == FileId::Dg2 {
                let _ = lds::dg2::parse_iso19794_5(&m);
                let _ = lds::dg2::parse_iso39794_5(&m);
            }
        }
    }
    // The mutations do reach error paths.
    assert!(errors > 1000, "{errors}");
}
