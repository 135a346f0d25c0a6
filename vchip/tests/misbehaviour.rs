//! Each misbehaviour is observable, deterministically by APDU index; garbage never panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{bac, read_tlv, send, split, tlv};
use monid_core::{Transport, TransportError};
use monid_vchip::{
    AID_EMRTD, FID_COM, LinkModel, LinkStats, Misbehaviour, Profile, SfiRefusal, VirtualChip,
    fid_dg,
};

fn select_app(chip: &mut VirtualChip) {
    let mut c = vec![0x00, 0xA4, 0x04, 0x0C, 0x07];
    c.extend(AID_EMRTD);
    assert_eq!(send(chip, &c).1, 0x9000);
}

/// Selects the app and runs BAC: APDUs 0 (select), 1 (challenge), 2 (ext. auth).
fn ready(profile: Profile, m: Misbehaviour) -> (VirtualChip, common::Terminal) {
    let mut chip = VirtualChip::new(profile).with_misbehaviour(m);
    select_app(&mut chip);
    let t = bac(&mut chip);
    (chip, t)
}

#[test]
fn drop_link_then_reconnect() {
    let mut chip = VirtualChip::new(Profile::passport_td3())
        .with_misbehaviour(Misbehaviour::new().drop_link_after(2));
    select_app(&mut chip);
    assert_eq!(send(&mut chip, &[0, 0x84, 0, 0, 8]).1, 0x9000);
    assert_eq!(
        chip.transceive(&[0, 0x84, 0, 0, 8]),
        Err(TransportError::TagLost)
    );
    assert_eq!(
        chip.transceive(&[0, 0x84, 0, 0, 8]),
        Err(TransportError::TagLost)
    );
    assert!(!chip.link_up());
    assert_eq!(chip.stats().apdus, 2);
    chip.reconnect();
    assert!(chip.link_up());
    // Reset: the MF is current, no session; the fault does not fire again.
    select_app(&mut chip);
    let _t = bac(&mut chip);
    assert_eq!(chip.apdu_index(), 7);
}

#[test]
fn corrupt_mac_truncate_wrong_sw() {
    // APDU 3 = first protected command.
    let (mut chip, mut t) = ready(
        Profile::passport_td3(),
        Misbehaviour::new().corrupt_mac_at(3),
    );
    let cmd = t.wrap(0xA4, 0x02, 0x0C, &FID_COM.to_be_bytes(), None);
    let raw = chip.transceive(&cmd).unwrap();
    let ok = std::panic::catch_unwind(move || t.unwrap(&raw));
    assert!(ok.is_err(), "the terminal sees a bad MAC");

    let (mut chip, mut t) = ready(
        Profile::passport_td3(),
        Misbehaviour::new().truncate_response_at(3, 5),
    );
    let cmd = t.wrap(0xA4, 0x02, 0x0C, &FID_COM.to_be_bytes(), None);
    assert_eq!(chip.transceive(&cmd).unwrap().len(), 5);

    let (mut chip, mut t) = ready(
        Profile::passport_td3(),
        Misbehaviour::new().wrong_sw_at(3, 0x6F00),
    );
    let cmd = t.wrap(0xA4, 0x02, 0x0C, &FID_COM.to_be_bytes(), None);
    let (body, sw) = split(&chip.transceive(&cmd).unwrap());
    assert_eq!(sw, 0x6F00);
    assert_eq!(&body[..4], [0x99, 0x02, 0x90, 0x00], "DO'99' unchanged");
}

#[test]
fn omit_do99_and_errors_without_mac() {
    let (mut chip, mut t) = ready(Profile::passport_td3(), Misbehaviour::new().omit_do99());
    let cmd = t.wrap(0xA4, 0x02, 0x0C, &FID_COM.to_be_bytes(), None);
    let (body, sw) = split(&chip.transceive(&cmd).unwrap());
    assert_eq!(sw, 0x9000);
    assert_eq!(body[0], 0x8E, "only DO'8E'");
    t.ssc += 1;
    let cmd = t.wrap(0xB0, 0, 0, &[], Some(4));
    let (body, _) = split(&chip.transceive(&cmd).unwrap());
    let (tag, _, n) = read_tlv(&body);
    assert_eq!(tag, 0x87);
    assert_eq!(body[n], 0x8E);
    t.ssc += 1;

    let (mut chip, mut t) = ready(
        Profile::passport_td3(),
        Misbehaviour::new().errors_without_mac(),
    );
    let cmd = t.wrap(0xA4, 0x02, 0x0C, &[0x01, 0x10], None);
    let raw = chip.transceive(&cmd).unwrap();
    assert_eq!(raw, [0x99, 0x02, 0x6A, 0x82, 0x6A, 0x82]);
    t.ssc += 1;
    // 9000 responses keep their MAC.
    let (_, sw) = t.send(&mut chip, 0xA4, 0x02, 0x0C, &FID_COM.to_be_bytes(), None);
    assert_eq!(sw, 0x9000);
}

#[test]
fn refuse_extended_length() {
    let (mut chip, mut t) = ready(
        Profile::cnie_td1_bac(),
        Misbehaviour::new().refuse_extended(),
    );
    assert!(chip.info().extended_length, "still advertised");
    let (_, sw) = t.send(&mut chip, 0xA4, 0x02, 0x0C, &fid_dg(2).to_be_bytes(), None);
    assert_eq!(sw, 0x9000);
    let cmd = t.wrap(0xB0, 0, 0, &[], Some(1000));
    assert_eq!(chip.transceive(&cmd).unwrap(), [0x67, 0x00]);
    assert!(!chip.sm_active());
    // Without the misbehaviour the same read works; the passport never accepts extended.
    let mut chip = VirtualChip::new(Profile::passport_td3());
    assert_eq!(send(&mut chip, &[0, 0x84, 0, 0, 0, 0, 8]).1, 0x6700);
}

#[test]
fn max_response_data_returns_fewer_bytes() {
    let (mut chip, mut t) = ready(
        Profile::passport_td3(),
        Misbehaviour::new().max_response_data(0x80),
    );
    let (_, sw) = t.send(&mut chip, 0xA4, 0x02, 0x0C, &fid_dg(2).to_be_bytes(), None);
    assert_eq!(sw, 0x9000);
    let (d, sw) = t.send(&mut chip, 0xB0, 0, 0, &[], Some(0xDF));
    assert_eq!((d.len(), sw), (0x80, 0x9000));
    assert_eq!(d, chip.file(fid_dg(2)).unwrap()[..0x80]);
    // The whole file still reads correctly with a terminal that follows real offsets.
    let got = t.read_file(&mut chip, fid_dg(2), 0xDF);
    assert_eq!(got, chip.file(fid_dg(2)).unwrap());
}

#[test]
fn sfi_refusal_is_configurable() {
    for (r, sw) in [
        (SfiRefusal::WrongP1P2, 0x6A86),
        (SfiRefusal::InsNotSupported, 0x6D00),
        (SfiRefusal::FileNotFound, 0x6A82),
    ] {
        let (mut chip, mut t) = ready(Profile::passport_td3(), Misbehaviour::new().no_sfi(r));
        let (_, got) = t.send(&mut chip, 0xB0, 0x9E, 0, &[], Some(4));
        assert_eq!(got, sw);
        let (_, got) = t.send(&mut chip, 0xB1, 0x00, 0x1E, &tlv(&[0x54], &[0]), Some(8));
        assert_eq!(got, sw);
        // Profile-level setting too.
        let p = Profile::passport_td3().with_sfi_refusal(Some(r));
        let (mut chip, mut t) = ready(p, Misbehaviour::new());
        let (_, got) = t.send(&mut chip, 0xB0, 0x9E, 0, &[], Some(4));
        assert_eq!(got, sw);
    }
    let (mut chip, mut t) = ready(Profile::passport_td3(), Misbehaviour::new());
    let (d, sw) = t.send(&mut chip, 0xB0, 0x9E, 0, &[], Some(4));
    assert_eq!(
        (d.as_slice(), sw),
        (&chip.file(FID_COM).unwrap()[..4], 0x9000)
    );
}

#[test]
fn link_model_counts() {
    let mut chip = VirtualChip::new(Profile::passport_td3()).with_link_model(LinkModel {
        bit_rate: 106_000,
        turnaround_us: 1_000,
    });
    select_app(&mut chip); // 12 bytes out, 2 back
    let s = chip.stats();
    assert_eq!(
        s,
        LinkStats {
            apdus: 1,
            bytes_to_card: 12,
            bytes_from_card: 2,
            modelled_us: 1_000 + 14 * 8 * 1_000_000 / 106_000,
        }
    );
    chip.reset_stats();
    assert_eq!(chip.stats(), LinkStats::default());
    assert_eq!(chip.apdu_index(), 1);
}

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn garbage(chip: &mut VirtualChip, rng: &mut XorShift, n: usize) {
    const INS: [u8; 8] = [0xA4, 0xB0, 0xB1, 0x84, 0x82, 0xCA, 0x88, 0x22];
    const CLA: [u8; 4] = [0x00, 0x0C, 0x80, 0x0C];
    for _ in 0..n {
        let r = rng.next();
        let len = (r % 80) as usize;
        let mut apdu: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if len >= 2 && r & 0x100 != 0 {
            apdu[0] = CLA[(r >> 9) as usize % 4];
            apdu[1] = INS[(r >> 12) as usize % 8];
        }
        if len >= 5 && r & 0x20000 != 0 {
            // Make the length fields consistent half of the time.
            apdu[4] = (len - 5) as u8;
        }
        if let Ok(resp) = chip.transceive(&apdu) {
            assert!(resp.len() >= 2);
        }
    }
}

#[test]
fn garbage_apdus_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for profile in [Profile::passport_td3(), Profile::cnie_td1_bac()] {
        let mut chip = VirtualChip::new(profile);
        garbage(&mut chip, &mut rng, 2000);
        chip.reconnect();
        select_app(&mut chip);
        let mut t = bac(&mut chip);
        // Protected garbage with valid MACs: random INS/P1/P2/data/Le.
        for _ in 0..500 {
            if !chip.sm_active() {
                chip.reconnect();
                select_app(&mut chip);
                t = bac(&mut chip);
            }
            let r = rng.next();
            let ins = [0xA4, 0xB0, 0xB1, 0x84, 0x82, 0x20][(r % 6) as usize];
            let data: Vec<u8> = (0..(r >> 8) % 12).map(|_| rng.next() as u8).collect();
            let ne = match (r >> 16) % 4 {
                0 => None,
                1 => Some(((r >> 20) % 256) as usize + 1),
                2 => Some(((r >> 20) % 65_536) as usize + 1),
                _ => Some(256),
            };
            let cmd = t.wrap(ins, (r >> 24) as u8, (r >> 32) as u8, &data, ne);
            let raw = chip.transceive(&cmd).unwrap();
            assert!(raw.len() >= 2);
            t.ssc += 1;
        }
        // Then raw garbage inside the session (ends it).
        garbage(&mut chip, &mut rng, 2000);
    }
}
