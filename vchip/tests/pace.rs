//! PACE, Chip Authentication and Active Authentication, card side: the ICAO 9303-11 Appendix
//! G.1 and BSI EAC worked examples byte for byte, and full reads of the PACE-CAN CNIE by the
//! test-only terminal of `tests/common` (RustCrypto, not monid-core).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::pace::{self as tp, Ec};
use common::{Terminal, read_tlv, send, tlv};
use monid_core::Transport;
use monid_vchip::{
    AccessControl, Curve, FID_CARD_ACCESS, FID_COM, FID_SOD, Password, Profile, VirtualChip, fid_dg,
};
use serde_json::Value;

fn vectors(name: &str) -> Value {
    let p = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn h(v: &Value, k: &str) -> Vec<u8> {
    hex::decode(v[k].as_str().unwrap_or_else(|| panic!("{k}"))).unwrap()
}

fn bp(chip: &mut VirtualChip, r: u8, pwd: &[u8]) -> Result<Terminal, (usize, u16)> {
    tp::pace::<bp256::BrainpoolP256r1>(chip, r, pwd)
}

#[test]
fn appendix_g1_chip_values_byte_for_byte() {
    let v = vectors("icao9303-11-appendix-g1-card.json");
    let profile = Profile::icao_appendix_g1();
    assert_eq!(
        profile.mrz_information(),
        v["mrz_password"].as_str().unwrap()
    );
    let mut chip = VirtualChip::new(profile).with_fixed_pace(
        &h(&v, "nonce_s"),
        &h(&v, "map_sk_picc"),
        &h(&v, "eph_sk_picc"),
    );
    for pair in v["apdus"].as_array().unwrap() {
        let cmd = hex::decode(pair[0].as_str().unwrap()).unwrap();
        let want = hex::decode(pair[1].as_str().unwrap()).unwrap();
        assert_eq!(
            hex::encode_upper(chip.transceive(&cmd).unwrap()),
            hex::encode_upper(want),
            "{}",
            pair[0]
        );
    }
    let (ks_enc, ks_mac, ssc) = chip.aes_session_keys().unwrap();
    assert_eq!(ks_enc, h(&v, "ks_enc"));
    assert_eq!(ks_mac, h(&v, "ks_mac"));
    assert_eq!(ssc, [0; 16]);
    // The named values too (the APDUs carry them, but say which one differs).
    assert_eq!(tp::kdf128(&h(&v, "K_sha1_mrz"), 3), h(&v, "k_pi"));
}

#[test]
fn appendix_g1_terminal_of_the_tests_agrees() {
    // The test terminal (random-free, its own keys) against the G.1 profile with the MRZ.
    let profile = Profile::icao_appendix_g1();
    let k = sha1::Sha1::digest_helper(profile.mrz_information().as_bytes());
    let mut chip = VirtualChip::new(profile);
    let mut t = bp(&mut chip, 1, &k).unwrap();
    let (_, sw) = t.send(&mut chip, 0xA4, 0x04, 0x0C, &monid_vchip::AID_EMRTD, None);
    assert_eq!(sw, 0x9000);
    let dg1 = t.read_file(&mut chip, fid_dg(1), 0xDF);
    assert_eq!(dg1, chip.file(fid_dg(1)).unwrap());
}

trait DigestHelper {
    fn digest_helper(d: &[u8]) -> Vec<u8>;
}
impl DigestHelper for sha1::Sha1 {
    fn digest_helper(d: &[u8]) -> Vec<u8> {
        use sha1::Digest;
        sha1::Sha1::digest(d).to_vec()
    }
}

fn ga(chip: &mut VirtualChip, last: bool, inner: &[u8]) -> (Vec<u8>, u16) {
    let data = tlv(&[0x7C], inner);
    let mut cmd = vec![if last { 0 } else { 0x10 }, 0x86, 0, 0, data.len() as u8];
    cmd.extend(data);
    cmd.push(0);
    send(chip, &cmd)
}

#[test]
fn bsi_worked_example_pace_pin_sm_and_ca_v2() {
    let v = vectors("bsi-eac-ecdh-card.json");
    let profile = Profile::cnie_td1()
        .with_pace_password(Password::Pin)
        .with_pin("123456", 3)
        .with_chip_authentication_key(Curve::BrainpoolP256r1, &h(&v, "ca_picc_priv_key"))
        .unwrap();
    assert_eq!(
        profile.chip_authentication_public_key().unwrap().1,
        h(&v, "ca_picc_pub_key")
    );
    let mut chip = VirtualChip::new(profile)
        .with_fixed_pace(
            &h(&v, "nonce"),
            &h(&v, "map_picc_priv_key"),
            &h(&v, "picc_priv_key"),
        )
        .with_fixed_ca_nonce(h(&v, "ca_nonce").try_into().unwrap());
    let mut d = tlv(&[0x80], &tp::OID_PACE_GM_AES128);
    d.extend(tlv(&[0x83], &[3]));
    let mut cmd = vec![0x00, 0x22, 0xC1, 0xA4, d.len() as u8];
    cmd.extend(d);
    assert_eq!(send(&mut chip, &cmd).1, 0x9000);
    let (r, sw) = ga(&mut chip, false, &[]);
    assert_eq!(
        (r, sw),
        (tlv(&[0x7C], &tlv(&[0x80], &h(&v, "nonce_enc"))), 0x9000)
    );
    let (r, sw) = ga(&mut chip, false, &tlv(&[0x81], &h(&v, "map_pcd_pub_key")));
    assert_eq!(
        (r, sw),
        (
            tlv(&[0x7C], &tlv(&[0x82], &h(&v, "map_picc_pub_key"))),
            0x9000
        )
    );
    let (r, sw) = ga(&mut chip, false, &tlv(&[0x83], &h(&v, "pcd_pub_key")));
    assert_eq!(
        (r, sw),
        (tlv(&[0x7C], &tlv(&[0x84], &h(&v, "picc_pub_key"))), 0x9000)
    );
    let (r, sw) = ga(
        &mut chip,
        true,
        &tlv(&[0x85], &h(&v, "authentication_token_pcd")),
    );
    assert_eq!(
        (r, sw),
        (
            tlv(&[0x7C], &tlv(&[0x86], &h(&v, "authentication_token_picc"))),
            0x9000
        )
    );
    let (ks_enc, ks_mac, _) = chip.aes_session_keys().unwrap();
    assert_eq!(
        (ks_enc.clone(), ks_mac.clone()),
        (h(&v, "k_enc"), h(&v, "k_mac"))
    );
    // AES SM: MSE:Set DST with d1 at SSC 1 encrypts to e1; the 9000 answer at SSC 2 is MACed
    // over ad1 = 99029000 to a1.
    let mut t = Terminal {
        ks_enc,
        ks_mac,
        ssc: 0,
        aes: true,
    };
    let cmd = t.wrap(0x22, 0x81, 0xB6, &h(&v, "d1"), None);
    let (tag, do87, _) = read_tlv(&cmd[5..]);
    assert_eq!(tag, 0x87);
    assert_eq!(&do87[1..], h(&v, "e1").as_slice());
    let raw = chip.transceive(&cmd).unwrap();
    let mut want = h(&v, "ad1");
    want.extend(tlv(&[0x8E], &h(&v, "a1")));
    want.extend([0x90, 0x00]);
    assert_eq!(hex::encode_upper(&raw), hex::encode_upper(want));
    t.unwrap(&raw);
    // Chip Authentication v2 with the worked example's terminal key.
    let mut d = tlv(&[0x80], &tp::OID_CA_AES128);
    d.extend(tlv(&[0x84], &[1]));
    assert_eq!(t.send(&mut chip, 0x22, 0x41, 0xA4, &d, None).1, 0x9000);
    let ga_data = tlv(&[0x7C], &tlv(&[0x80], &h(&v, "ca_pcd_pub_key")));
    let (r, sw) = t.send(&mut chip, 0x86, 0, 0, &ga_data, Some(256));
    assert_eq!(sw, 0x9000);
    let mut want = tlv(&[0x81], &h(&v, "ca_nonce"));
    want.extend(tlv(&[0x82], &h(&v, "ca_picc_token")));
    assert_eq!(r, tlv(&[0x7C], &want));
    let (ks_enc, ks_mac, ssc) = chip.aes_session_keys().unwrap();
    assert_eq!(
        (ks_enc, ks_mac, ssc),
        (h(&v, "ca_k_enc"), h(&v, "ca_k_mac"), [0; 16])
    );
}

/// EF.CardAccess in plain at the MF (by FID and by SFI 1C), before any access control.
fn read_card_access_plain(chip: &mut VirtualChip) -> Vec<u8> {
    assert_eq!(send(chip, &[0, 0xA4, 0, 0x0C]).1, 0x9000);
    assert_eq!(send(chip, &[0, 0xA4, 2, 0x0C, 2, 0x01, 0x1C]).1, 0x9000);
    let (a, sw) = send(chip, &[0, 0xB0, 0, 0, 0]);
    assert!(sw == 0x9000 || sw == 0x6282);
    let (b, sw) = send(chip, &[0, 0xB0, 0x9C, 0, 0]);
    assert!(sw == 0x9000 || sw == 0x6282);
    assert_eq!(a, b);
    a
}

fn all_files(profile: &Profile) -> Vec<u16> {
    profile
        .file_ids()
        .into_iter()
        .filter(|f| *f == FID_COM || *f == FID_SOD || (0x0101..=0x0110).contains(f))
        .collect()
}

fn read_all(chip: &mut VirtualChip, t: &mut Terminal) {
    let (_, sw) = t.send(chip, 0xA4, 0x04, 0x0C, &monid_vchip::AID_EMRTD, None);
    assert_eq!(sw, 0x9000);
    let profile = chip.profile().clone();
    for fid in all_files(&profile) {
        let got = t.read_file(chip, fid, 0xDF);
        assert_eq!(got, profile.file(fid).unwrap(), "file {fid:04X}");
    }
}

#[test]
fn cnie_pace_can_reads_every_file() {
    let profile = Profile::cnie_td1();
    assert_eq!(profile.access_control(), AccessControl::Pace);
    assert_eq!(profile.can(), "482051");
    let mut chip = VirtualChip::new(profile.clone());
    let ca = read_card_access_plain(&mut chip);
    assert_eq!(ca, profile.file(FID_CARD_ACCESS).unwrap());
    // SET { SEQUENCE { id-PACE-ECDH-GM-AES-CBC-CMAC-128, 2, 13 } }
    assert_eq!(
        hex::encode_upper(&ca),
        "31143012060A04007F0007020204020202010202010D"
    );
    // No BAC, and nothing readable before PACE.
    assert_eq!(send(&mut chip, &[0, 0x84, 0, 0, 8]).1, 0x6D00);
    assert_eq!(
        send(
            &mut chip,
            &[0, 0xA4, 4, 0x0C, 7, 0xA0, 0, 0, 2, 0x47, 0x10, 1]
        )
        .1,
        0x9000
    );
    assert_eq!(send(&mut chip, &[0, 0xA4, 2, 0x0C, 2, 1, 1]).1, 0x6982);
    let mut t = bp(&mut chip, 2, profile.can().as_bytes()).unwrap();
    read_all(&mut chip, &mut t);
    // DG14 and DG15 are there and listed in EF.COM.
    let com = profile.file(FID_COM).unwrap();
    assert!(com.windows(2).any(|w| w == [0x6E, 0x6F]));
    // The MRZ is not a password of the CNIE.
    chip.reconnect();
    let mrz = sha1::Sha1::digest_helper(profile.mrz_information().as_bytes());
    assert_eq!(bp(&mut chip, 1, &mrz).err(), Some((0, 0x6A88)));
}

#[test]
fn wrong_can_fails_at_the_last_step_with_6300() {
    let mut chip = VirtualChip::new(Profile::cnie_td1());
    assert_eq!(bp(&mut chip, 2, b"000000").err(), Some((4, 0x6300)));
    assert!(!chip.sm_active());
    // And the right CAN still works afterwards (a CAN has no retry counter).
    let can = chip.profile().can().to_owned();
    let mut t = bp(&mut chip, 2, can.as_bytes()).unwrap();
    let (_, sw) = t.send(&mut chip, 0xA4, 0x04, 0x0C, &monid_vchip::AID_EMRTD, None);
    assert_eq!(sw, 0x9000);
}

#[test]
fn pin_counter_decrements_and_resets() {
    let profile = Profile::cnie_td1()
        .with_pace_password(Password::Pin)
        .with_pin("9876", 3);
    let mut chip = VirtualChip::new(profile);
    assert_eq!(bp(&mut chip, 3, b"1111").err(), Some((4, 0x63C2)));
    assert_eq!(chip.pin_tries_left(), 2);
    // MSE:Set AT now reports the tries left; a second wrong PIN: 63C1.
    assert_eq!(bp(&mut chip, 3, b"2222").err(), Some((4, 0x63C1)));
    assert!(bp(&mut chip, 3, b"9876").is_ok());
    assert_eq!(chip.pin_tries_left(), 3);
    // Three wrong PINs block it.
    chip.reconnect();
    for left in [2u16, 1, 0] {
        assert_eq!(bp(&mut chip, 3, b"0000").err(), Some((4, 0x63C0 | left)));
    }
    // Blocked: MSE:Set AT says 63C0 and GENERAL AUTHENTICATE is refused with 6983.
    assert_eq!(bp(&mut chip, 3, b"9876").err(), Some((0, 0x63C0)));
    assert_eq!(ga(&mut chip, false, &[]).1, 0x6983);
    // CAN is not accepted by this profile.
    assert_eq!(bp(&mut chip, 2, b"482051").err(), Some((0, 0x6A88)));
}

#[test]
fn p256_pace_variant() {
    let profile = Profile::cnie_td1().with_pace_curve(Curve::P256, 16);
    let ca = profile.file(FID_CARD_ACCESS).unwrap().to_vec();
    assert_eq!(
        hex::encode_upper(&ca),
        "31143012060A04007F0007020204020202010202010C"
    );
    let mut chip = VirtualChip::new(profile);
    let mut t = tp::pace::<p256::NistP256>(&mut chip, 2, b"482051").unwrap();
    let (_, sw) = t.send(&mut chip, 0xA4, 0x04, 0x0C, &monid_vchip::AID_EMRTD, None);
    assert_eq!(sw, 0x9000);
    assert_eq!(
        t.read_file(&mut chip, fid_dg(1), 0xDF),
        chip.file(fid_dg(1)).unwrap()
    );
}

#[test]
fn dg14_publishes_the_committed_ca_key() {
    let profile = Profile::cnie_td1();
    let dg14 = profile.file(fid_dg(14)).unwrap();
    let spki = std::fs::read(format!(
        "{}/assets/ca_bp256_spki.der",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert!(dg14.windows(spki.len()).any(|w| w == spki.as_slice()));
    // The PACEInfo of EF.CardAccess is in DG14 too.
    let pace_info = &profile.file(FID_CARD_ACCESS).unwrap()[2..];
    assert!(dg14.windows(pace_info.len()).any(|w| w == pace_info));
    let (curve, pk) = profile.chip_authentication_public_key().unwrap();
    assert_eq!(curve, Curve::BrainpoolP256r1);
    assert!(spki.ends_with(&pk));
}

#[test]
fn ca_v2_then_read_under_the_new_keys() {
    let profile = Profile::cnie_td1();
    let (_, pk) = profile.chip_authentication_public_key().unwrap();
    let mut chip = VirtualChip::new(profile);
    let mut t = bp(&mut chip, 2, b"482051").unwrap();
    let (_, sw) = t.send(&mut chip, 0xA4, 0x04, 0x0C, &monid_vchip::AID_EMRTD, None);
    assert_eq!(sw, 0x9000);
    let mut t2 = tp::ca_v2(&mut chip, &mut t, &pk);
    read_all(&mut chip, &mut t2);
    // The old keys are gone.
    let cmd = t.wrap(0xB0, 0x81, 0, &[], Some(4));
    let (_, sw) = common::split(&chip.transceive(&cmd).unwrap());
    assert_eq!(sw, 0x6988);
}

#[test]
fn ca_v1_and_ca_after_bac() {
    let profile = Profile::cnie_td1_bac();
    let (_, pk) = profile.chip_authentication_public_key().unwrap();
    let mut chip = VirtualChip::new(profile);
    let mut t = common::bac(&mut chip);
    let (_, sw) = t.send(&mut chip, 0xA4, 0x04, 0x0C, &monid_vchip::AID_EMRTD, None);
    assert_eq!(sw, 0x9000);
    let mut t2 = tp::ca_v1(&mut chip, &mut t, &pk);
    let dg1 = t2.read_file(&mut chip, fid_dg(1), 0xDF);
    assert_eq!(dg1, chip.file(fid_dg(1)).unwrap());
    let mut t3 = tp::ca_v2(&mut chip, &mut t2, &pk);
    let dg14 = t3.read_file(&mut chip, fid_dg(14), 0xDF);
    assert_eq!(dg14, chip.file(fid_dg(14)).unwrap());
}

#[test]
fn cnie_bac_variant_has_no_pace() {
    let mut chip = VirtualChip::new(Profile::cnie_td1_bac());
    assert_eq!(
        send(&mut chip, &[0, 0xA4, 2, 0x0C, 2, 0x01, 0x1C]).1,
        0x6A82
    );
    assert_eq!(bp(&mut chip, 2, b"482051").err(), Some((0, 0x6A86)));
    let mut t = common::bac(&mut chip);
    read_all(&mut chip, &mut t);
}

#[test]
fn active_authentication_verifies_with_dg15() {
    use p256::ecdsa::signature::Verifier;
    let profile = Profile::cnie_td1();
    assert!(profile.active_authentication());
    let dg15 = profile.file(fid_dg(15)).unwrap().to_vec();
    let (tag, spki, _) = read_tlv(&dg15);
    assert_eq!(tag, 0x6F);
    let committed = std::fs::read(format!(
        "{}/assets/dg15_p256_spki.der",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert_eq!(spki, committed.as_slice());
    let point = &spki[spki.len() - 65..];
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).unwrap();
    let mut chip = VirtualChip::new(profile);
    // Not before access control.
    assert_eq!(
        send(&mut chip, &[0, 0x88, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0]).1,
        0x6982
    );
    let mut t = bp(&mut chip, 2, b"482051").unwrap();
    for challenge in [[1u8, 2, 3, 4, 5, 6, 7, 8], [0xA5; 8]] {
        let (sig, sw) = t.send(&mut chip, 0x88, 0, 0, &challenge, Some(256));
        assert_eq!((sig.len(), sw), (64, 0x9000));
        let sig = p256::ecdsa::Signature::from_slice(&sig).unwrap();
        vk.verify(&challenge, &sig).unwrap();
        assert!(vk.verify(&[0u8; 8], &sig).is_err());
    }
    let (_, sw) = t.send(&mut chip, 0x88, 0, 0, &[1, 2, 3], Some(256));
    assert_eq!(sw, 0x6700);
}

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn garbage_general_authenticate_never_panics() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile);
    let pk = Ec::<bp256::BrainpoolP256r1>::enc(&Ec::<bp256::BrainpoolP256r1>::g());
    for i in 0..600 {
        if i % 50 == 0 {
            chip.reconnect();
        }
        // Get to a random step with valid commands, then send garbage.
        let mut d = tlv(&[0x80], &tp::OID_PACE_GM_AES128);
        d.extend(tlv(&[0x83], &[2]));
        let mut cmd = vec![0x00, 0x22, 0xC1, 0xA4, d.len() as u8];
        cmd.extend(d);
        let _ = chip.transceive(&cmd).unwrap();
        let steps = rng.next() % 4;
        if steps >= 1 {
            let _ = ga(&mut chip, false, &[]);
        }
        if steps >= 2 {
            let _ = ga(&mut chip, false, &tlv(&[0x81], &pk));
        }
        if steps >= 3 {
            let _ = ga(&mut chip, false, &tlv(&[0x83], &pk));
        }
        let n = (rng.next() % 120) as usize;
        let body = match rng.next() % 4 {
            0 => rng.bytes(n),
            1 => tlv(&[0x7C], &rng.bytes(n)),
            2 => {
                let tag = [0x80u8, 0x81, 0x83, 0x85][(rng.next() % 4) as usize];
                let mut inner = vec![0x04];
                inner.extend(rng.bytes(n.min(96)));
                tlv(&[0x7C], &tlv(&[tag], &inner))
            }
            _ => {
                let mut b = tlv(&[0x7C], &tlv(&[0x85], &rng.bytes(8)));
                let k = (rng.next() as usize) % b.len();
                b[k] ^= rng.next() as u8;
                b
            }
        };
        let cla = [0x00u8, 0x10, 0x0C, 0x1C][(rng.next() % 4) as usize];
        let ins = [0x86u8, 0x22, 0x88][(rng.next() % 3) as usize];
        let (p1, p2) =
            [(0, 0), (0xC1, 0xA4), (0x41, 0xA4), (0x41, 0xA6)][(rng.next() % 4) as usize];
        let mut cmd = vec![cla, ins, p1, p2];
        if !body.is_empty() && body.len() < 256 {
            cmd.push(body.len() as u8);
            cmd.extend(&body);
        }
        if rng.next().is_multiple_of(2) {
            cmd.push(0);
        }
        let r = chip.transceive(&cmd).unwrap();
        assert!(r.len() >= 2);
    }
    // Still works afterwards.
    chip.reconnect();
    assert!(bp(&mut chip, 2, b"482051").is_ok());
}

#[test]
fn p384_pace_variant() {
    let profile = Profile::cnie_td1().with_pace_curve(Curve::P384, 16);
    assert_eq!(profile.file(FID_CARD_ACCESS).unwrap().last(), Some(&15));
    let mut chip = VirtualChip::new(profile);
    let mut t = tp::pace::<p384::NistP384>(&mut chip, 2, b"482051").unwrap();
    let (_, sw) = t.send(&mut chip, 0xA4, 0x04, 0x0C, &monid_vchip::AID_EMRTD, None);
    assert_eq!(sw, 0x9000);
    assert_eq!(
        t.read_file(&mut chip, fid_dg(1), 0xDF),
        chip.file(fid_dg(1)).unwrap()
    );
}
