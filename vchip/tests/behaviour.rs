//! Plain behaviour before BAC, full BAC + SM reads of every file of both profiles with a
//! test-only terminal (tests/common, RustCrypto only), odd-INS reads, profiles' contents.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Terminal, bac, read_tlv, send, tlv};
use monid_core::Transport;
use monid_vchip::{
    AID_EMRTD, AccessControl, FID_ATR_INFO, FID_COM, FID_SOD, Profile, VirtualChip, check_digit,
    fid_dg,
};
use sha2::{Digest, Sha256};

fn select_app(chip: &mut VirtualChip) {
    let mut c = vec![0x00, 0xA4, 0x04, 0x0C, 0x07];
    c.extend(AID_EMRTD);
    assert_eq!(send(chip, &c).1, 0x9000);
}

#[test]
fn plain_access_before_bac() {
    let mut chip = VirtualChip::new(Profile::cnie_td1_bac());
    // EF.ATR/INFO in the MF is readable without access control.
    assert_eq!(
        send(&mut chip, &[0, 0xA4, 0x02, 0x0C, 0x02, 0x2F, 0x01]).1,
        0x9000
    );
    let (d, sw) = send(&mut chip, &[0, 0xB0, 0, 0, 0]);
    assert_eq!(sw, 0x6282, "Le 256 past the end");
    assert_eq!(d, chip.file(FID_ATR_INFO).unwrap());
    assert_eq!(
        d,
        [
            0x7F, 0x66, 0x08, 0x02, 0x02, 0x08, 0x00, 0x02, 0x02, 0x10, 0x00
        ]
    );
    // Exact length: 9000; offset == length and beyond: 6B00.
    assert_eq!(send(&mut chip, &[0, 0xB0, 0, 0, 11]).1, 0x9000);
    assert_eq!(send(&mut chip, &[0, 0xB0, 0, 11, 1]).1, 0x6B00);
    assert_eq!(send(&mut chip, &[0, 0xB0, 0, 12, 1]).1, 0x6B00);
    let (d, sw) = send(&mut chip, &[0, 0xB0, 0, 9, 5]);
    assert_eq!((d.as_slice(), sw), (&[0x10, 0x00][..], 0x6282));
    // SFI read of EF.ATR/INFO (SFI 01) in the MF.
    assert_eq!(send(&mut chip, &[0, 0xB0, 0x81, 0, 4]).1, 0x9000);
    // Application files are protected.
    assert_eq!(
        send(&mut chip, &[0, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E]).1,
        0x6A82
    );
    select_app(&mut chip);
    assert_eq!(
        send(&mut chip, &[0, 0xB0, 0, 0, 4]).1,
        0x6986,
        "no current EF"
    );
    assert_eq!(
        send(&mut chip, &[0, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E]).1,
        0x6982
    );
    assert_eq!(send(&mut chip, &[0, 0xB0, 0x9E, 0, 4]).1, 0x6982);
    assert_eq!(
        send(&mut chip, &[0, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x05]).1,
        0x6A82
    );
    assert_eq!(
        send(&mut chip, &[0, 0xA4, 0x04, 0x0C, 0x02, 0xA0, 0x00]).1,
        0x6A82
    );
    // FCI of the application.
    let mut c = vec![0x00, 0xA4, 0x04, 0x00, 0x07];
    c.extend(AID_EMRTD);
    c.push(0);
    let (fci, sw) = send(&mut chip, &c);
    assert_eq!(sw, 0x9000);
    assert_eq!(&fci[..4], [0x6F, 0x09, 0x84, 0x07]);
    // Unknown INS and CLA, malformed lengths.
    assert_eq!(send(&mut chip, &[0, 0xCA, 0, 0, 0]).1, 0x6D00);
    assert_eq!(send(&mut chip, &[0x80, 0xB0, 0, 0, 0]).1, 0x6E00);
    assert_eq!(
        send(&mut chip, &[0, 0xA4, 0x02, 0x0C, 0x05, 0x01]).1,
        0x6700
    );
    assert_eq!(send(&mut chip, &[0, 0xB0]).1, 0x6700);
    // Protected command without session.
    assert_eq!(send(&mut chip, &[0x0C, 0xB0, 0, 0, 0]).1, 0x6882);
}

#[test]
fn plain_profile_without_access_control() {
    let mut chip =
        VirtualChip::new(Profile::passport_td3().with_access_control(AccessControl::None));
    select_app(&mut chip);
    let (d, sw) = send(&mut chip, &[0, 0xB0, 0x9E, 0, 0]);
    assert_eq!(sw, 0x6282);
    assert_eq!(d, chip.file(FID_COM).unwrap());
    // Select with FCP.
    let (fcp, sw) = send(&mut chip, &[0, 0xA4, 0x02, 0x04, 0x02, 0x01, 0x01, 0]);
    assert_eq!(sw, 0x9000);
    let len = chip.file(fid_dg(1)).unwrap().len() as u16;
    assert_eq!(
        &fcp[..6],
        [0x62, 0x0B, 0x80, 0x02, (len >> 8) as u8, len as u8]
    );
    // P1=00 selection of an EF, then the MF.
    assert_eq!(
        send(&mut chip, &[0, 0xA4, 0x00, 0x0C, 0x02, 0x01, 0x1D]).1,
        0x9000
    );
    assert_eq!(send(&mut chip, &[0, 0xA4, 0x00, 0x0C]).1, 0x9000);
    assert_eq!(send(&mut chip, &[0, 0xB0, 0, 0, 1]).1, 0x6986);
}

fn read_everything(profile: Profile, chunk: usize) -> VirtualChip {
    let mut chip = VirtualChip::new(profile).with_seed(42);
    select_app(&mut chip);
    let mut t: Terminal = bac(&mut chip);
    assert!(chip.sm_active());
    let fids: Vec<u16> = chip
        .profile()
        .file_ids()
        .into_iter()
        .filter(|&f| f != FID_ATR_INFO)
        .collect();
    for fid in fids {
        let got = t.read_file(&mut chip, fid, chunk);
        assert_eq!(got, chip.file(fid).unwrap(), "file {fid:04X}");
    }
    // End of file under SM: 6282 inside DO'99', 6B00 past the end.
    let (_, sw) = t.send(&mut chip, 0xA4, 0x02, 0x0C, &FID_COM.to_be_bytes(), None);
    assert_eq!(sw, 0x9000);
    let len = chip.file(FID_COM).unwrap().len();
    let (d, sw) = t.send(&mut chip, 0xB0, 0, 2, &[], Some(len));
    assert_eq!((d.len(), sw), (len - 2, 0x6282));
    let (d, sw) = t.send(&mut chip, 0xB0, 0, len as u8, &[], Some(1));
    assert_eq!((d.len(), sw), (0, 0x6B00));
    let (_, sw) = t.send(&mut chip, 0xA4, 0x02, 0x0C, &[0x01, 0x10], None);
    assert_eq!(sw, 0x6A82, "DG16 absent");
    assert!(chip.sm_active(), "application errors keep the session");
    chip
}

#[test]
fn bac_and_sm_read_every_file_of_the_passport() {
    let chip = read_everything(Profile::passport_td3(), 0xDF);
    let dg2 = chip.file(fid_dg(2)).unwrap().len();
    assert!((19_000..21_000).contains(&dg2), "DG2 is ~20 KB: {dg2}");
    assert!(chip.stats().apdus > 90);
}

#[test]
fn bac_and_sm_read_every_file_of_the_cnie_with_extended_length() {
    // 4000-byte chunks: extended APDUs; the chip cuts to fit its 4096-byte responses.
    let chip = read_everything(Profile::cnie_td1_bac(), 4000);
    let dg2 = chip.file(fid_dg(2)).unwrap().len();
    assert!(dg2 > 32_767, "CNIE DG2 above 32 KB: {dg2}");
    // Short APDUs work on the CNIE too.
    read_everything(Profile::cnie_td1_bac(), 0xDF);
}

#[test]
fn odd_ins_reads_above_32767_on_cnie_dg2() {
    let mut chip = VirtualChip::new(Profile::cnie_td1_bac());
    select_app(&mut chip);
    let mut t = bac(&mut chip);
    let dg2 = chip.file(fid_dg(2)).unwrap().to_vec();
    let (_, sw) = t.send(&mut chip, 0xA4, 0x02, 0x0C, &[0x01, 0x02], None);
    assert_eq!(sw, 0x9000);
    // B1 with P1-P2 = 0000 (current EF) at offset 0x8000.
    let (d, sw) = t.send(
        &mut chip,
        0xB1,
        0,
        0,
        &tlv(&[0x54], &[0x00, 0x80, 0x00]),
        Some(0x80),
    );
    assert_eq!(sw, 0x9000);
    let (tag, v, _) = read_tlv(&d);
    assert_eq!(tag, 0x53);
    assert_eq!(d.len(), 0x80, "Ne counts the DO'53' header");
    assert_eq!(v, &dg2[0x8000..0x8000 + v.len()]);
    // B1 by FID (0102) and by SFI (0002) near the end: 6282 with the remaining bytes.
    let near = (dg2.len() - 10) as u32;
    let off = near.to_be_bytes();
    let (d, sw) = t.send(
        &mut chip,
        0xB1,
        0x01,
        0x02,
        &tlv(&[0x54], &off[1..]),
        Some(100),
    );
    assert_eq!(sw, 0x6282);
    assert_eq!(read_tlv(&d).1, &dg2[dg2.len() - 10..]);
    let (d, sw) = t.send(
        &mut chip,
        0xB1,
        0x00,
        0x02,
        &tlv(&[0x54], &off[1..]),
        Some(12),
    );
    assert_eq!(sw, 0x9000, "exactly the remaining 10 bytes");
    assert_eq!(read_tlv(&d).1.len(), 10);
    // Offset == length and beyond: 6B00. Malformed offset DO: 6A80.
    let end = (dg2.len() as u32).to_be_bytes();
    let (_, sw) = t.send(&mut chip, 0xB1, 0, 0, &tlv(&[0x54], &end[1..]), Some(10));
    assert_eq!(sw, 0x6B00);
    let (_, sw) = t.send(&mut chip, 0xB1, 0, 0, &[0x55, 0x01, 0x00], Some(10));
    assert_eq!(sw, 0x6A80);
    // B0 cannot address beyond 32767: P1 bit 8 means SFI.
    let (_, sw) = t.send(&mut chip, 0xB0, 0x7F, 0xFF, &[], Some(1));
    assert_eq!(sw, 0x9000);
}

#[test]
fn profiles_are_consistent() {
    for p in [
        Profile::passport_td3(),
        Profile::cnie_td1_bac(),
        Profile::icao_appendix_d(),
    ] {
        // MRZ check digits.
        let mrz = p.mrz().to_owned();
        let lines = p.mrz_lines();
        if mrz.len() == 88 {
            let l2 = lines[1];
            assert_eq!(check_digit(&l2[0..9]), l2[9..10].chars().next().unwrap());
            assert_eq!(check_digit(&l2[13..19]), l2[19..20].chars().next().unwrap());
            assert_eq!(check_digit(&l2[21..27]), l2[27..28].chars().next().unwrap());
            let comp = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
            assert_eq!(check_digit(&comp), l2[43..44].chars().next().unwrap());
            assert_eq!(&l2[0..9], p.document_number());
        } else {
            assert_eq!(mrz.len(), 90);
            let (l1, l2) = (lines[0], lines[1]);
            assert_eq!(check_digit(&l1[5..14]), l1[14..15].chars().next().unwrap());
            assert_eq!(check_digit(&l2[0..6]), l2[6..7].chars().next().unwrap());
            assert_eq!(check_digit(&l2[8..14]), l2[14..15].chars().next().unwrap());
            let comp = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
            assert_eq!(check_digit(&comp), l2[29..30].chars().next().unwrap());
            assert_eq!(&l1[5..14], p.document_number());
        }
        // DG1 holds the MRZ.
        let dg1 = p.file(fid_dg(1)).unwrap();
        assert_eq!(&dg1[dg1.len() - mrz.len()..], mrz.as_bytes());
        // EF.COM lists exactly the DGs present.
        let com = p.file(FID_COM).unwrap();
        let (_, v, _) = read_tlv(com);
        let mut i = 0;
        let mut tags = Vec::new();
        while i < v.len() {
            let (t, val, n) = read_tlv(&v[i..]);
            if t == 0x5C {
                tags = val.to_vec();
            }
            i += n;
        }
        let expect: Vec<u8> = p
            .data_groups()
            .iter()
            .map(|&n| p.file(fid_dg(n)).unwrap()[0])
            .collect();
        assert_eq!(tags, expect);
        // EF.SOD hashes every DG with SHA-256.
        let sod = p.file(FID_SOD).unwrap();
        for n in p.data_groups() {
            let digest = Sha256::digest(p.file(fid_dg(n)).unwrap());
            assert!(
                sod.windows(32).any(|w| w == digest.as_slice()),
                "DG{n} hash"
            );
        }
        assert_eq!(sod[0], 0x77);
    }
    let cnie = Profile::cnie_td1_bac();
    assert_eq!(cnie.data_groups(), [1, 2, 7, 11, 12, 14, 15]);
    assert_eq!(Profile::passport_td3().data_groups(), [1, 2, 11, 12]);
    // DG2 carries the facial record with the right image type.
    let dg2 = cnie.file(fid_dg(2)).unwrap();
    let fac = dg2.windows(8).position(|w| w == b"FAC\x00010\x00").unwrap();
    assert_eq!(dg2[fac + 14 + 20 + 1], 1, "JPEG 2000");
    let pp = Profile::passport_td3();
    let dg2 = pp.file(fid_dg(2)).unwrap();
    let fac = dg2.windows(8).position(|w| w == b"FAC\x00010\x00").unwrap();
    assert_eq!(dg2[fac + 14 + 20 + 1], 0, "JPEG");
    assert_eq!(&dg2[fac + 14 + 20 + 12..fac + 14 + 20 + 14], [0xFF, 0xD8]);
    // DG15 is a P-256 SPKI.
    let dg15 = cnie.file(fid_dg(15)).unwrap();
    assert_eq!(dg15[0], 0x6F);
    assert!(
        dg15.windows(8)
            .any(|w| w == [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03])
    );
    // Transport info.
    assert!(VirtualChip::new(cnie).info().extended_length);
    assert!(!VirtualChip::new(pp).info().extended_length);
    let _ = format!("{:?}", VirtualChip::new(Profile::cnie_td1_bac()));
}

#[test]
fn reset_clears_the_session_and_plain_command_ends_it() {
    let mut chip = VirtualChip::new(Profile::passport_td3());
    select_app(&mut chip);
    let _t = bac(&mut chip);
    assert!(chip.sm_active());
    // A plain command during SM: 6987 and the session ends.
    assert_eq!(send(&mut chip, &[0, 0xB0, 0x9E, 0, 4]).1, 0x6987);
    assert!(!chip.sm_active());
    assert_eq!(send(&mut chip, &[0, 0xB0, 0x9E, 0, 4]).1, 0x6982);
    let _t = bac(&mut chip);
    chip.reconnect();
    assert!(!chip.sm_active());
    // After reset the MF is current again.
    assert_eq!(
        send(&mut chip, &[0, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E]).1,
        0x6A82
    );
}
