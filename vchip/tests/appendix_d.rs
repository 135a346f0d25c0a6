//! The card side reproduces ICAO 9303-11 Appendix D (D.3 BAC, D.4 secure messaging) byte for
//! byte. Values: tests/vectors/icao9303-11-appendix-d-card.json (copied from
//! /work/shared/vectors/icao9303/icao9303_p11_worked_examples.json).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::Transport;
use monid_vchip::{FID_COM, Profile, VirtualChip};

fn vectors() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/icao9303-11-appendix-d-card.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn h(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn appendix_d_chip(v: &serde_json::Value) -> VirtualChip {
    let b = &v["bac_appendix_D"];
    let rnd_ic: [u8; 8] = h(&b["rnd_ic"]).try_into().unwrap();
    let k_ic: [u8; 16] = h(&b["k_ic"]).try_into().unwrap();
    VirtualChip::new(Profile::icao_appendix_d()).with_fixed_random(rnd_ic, k_ic)
}

#[test]
fn profile_matches_appendix_d_document() {
    let v = vectors();
    let b = &v["bac_appendix_D"];
    let p = Profile::icao_appendix_d();
    assert_eq!(
        p.document_number(),
        b["mrz_document_number"].as_str().unwrap()
    );
    assert_eq!(p.date_of_birth(), b["date_of_birth"].as_str().unwrap());
    assert_eq!(p.date_of_expiry(), b["date_of_expiry"].as_str().unwrap());
    assert_eq!(
        p.mrz_information(),
        b["mrz_information_ascii"].as_str().unwrap()
    );
    assert_eq!(
        p.file(FID_COM).unwrap(),
        h(&v["secure_messaging_3des_appendix_D4"]["ef_com_full"]).as_slice()
    );
}

#[test]
fn bac_and_secure_messaging_reproduce_appendix_d() {
    let v = vectors();
    let b = &v["bac_appendix_D"];
    let mut chip = appendix_d_chip(&v);
    // Select the application (plain), as a terminal does before BAC.
    let r = chip
        .transceive(&[
            0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0, 0, 0x02, 0x47, 0x10, 0x01,
        ])
        .unwrap();
    assert_eq!(r, [0x90, 0x00]);
    // D.3: GET CHALLENGE returns RND.IC.
    let r = chip.transceive(&[0x00, 0x84, 0x00, 0x00, 0x08]).unwrap();
    let mut expected = h(&b["rnd_ic"]);
    expected.extend([0x90, 0x00]);
    assert_eq!(r, expected);
    // EXTERNAL AUTHENTICATE with the published E_IFD || M_IFD.
    let mut cmd = vec![0x00, 0x82, 0x00, 0x00, 0x28];
    cmd.extend(h(&b["mutual_auth_cmd_data"]));
    cmd.push(0x28);
    let r = chip.transceive(&cmd).unwrap();
    let mut expected = h(&b["mutual_auth_resp_data"]);
    expected.extend([0x90, 0x00]);
    assert_eq!(r, expected, "E_IC || M_IC");
    let (ks_enc, ks_mac, ssc) = chip.session_keys().unwrap();
    assert_eq!(ks_enc.to_vec(), h(&b["ks_enc"]));
    assert_eq!(ks_mac.to_vec(), h(&b["ks_mac"]));
    assert_eq!(ssc.to_vec(), h(&b["ssc"]));
    // D.4: the published protected commands get the published protected responses.
    for step in v["secure_messaging_3des_appendix_D4"]["steps"]
        .as_array()
        .unwrap()
    {
        let r = chip.transceive(&h(&step["protected_cmd"])).unwrap();
        assert_eq!(
            hex::encode_upper(&r),
            step["protected_rsp"].as_str().unwrap(),
            "response to {}",
            step["plain_cmd"]
        );
    }
    assert!(chip.sm_active());
}

#[test]
fn wrong_cryptogram_is_refused() {
    let v = vectors();
    let b = &v["bac_appendix_D"];
    let mut chip = appendix_d_chip(&v);
    chip.transceive(&[0x00, 0x84, 0x00, 0x00, 0x08]).unwrap();
    let mut data = h(&b["mutual_auth_cmd_data"]);
    data[39] ^= 0x01; // M_IFD
    let mut cmd = vec![0x00, 0x82, 0x00, 0x00, 0x28];
    cmd.extend(&data);
    cmd.push(0x28);
    assert_eq!(chip.transceive(&cmd).unwrap(), [0x63, 0x00]);
    assert!(!chip.sm_active());
    // The challenge is consumed: retrying without a new GET CHALLENGE is refused.
    cmd[5 + 39] ^= 0x01;
    assert_eq!(chip.transceive(&cmd).unwrap(), [0x69, 0x85]);
    // With a fresh challenge, the right cryptogram works.
    chip.transceive(&[0x00, 0x84, 0x00, 0x00, 0x08]).unwrap();
    let r = chip.transceive(&cmd).unwrap();
    assert_eq!(&r[40..], [0x90, 0x00]);
    // A tampered SM command ends the session with 6988.
    let steps = &v["secure_messaging_3des_appendix_D4"]["steps"];
    let mut bad = h(&steps[0]["protected_cmd"]);
    let n = bad.len();
    bad[n - 2] ^= 0x01;
    assert_eq!(chip.transceive(&bad).unwrap(), [0x69, 0x88]);
    assert!(!chip.sm_active());
}
