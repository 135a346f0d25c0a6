//! BAC and secure messaging against published values: ICAO 9303-11 Appendix D, the BSI EAC
//! worked example (AES secure messaging) and Wycheproof AES-CMAC / AES-CBC-PKCS5 valid cases.
//! The vectors are read from the copies under `test-vectors/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::apdu::{Command, Response, StatusWord};
use monid_core::bac::{Bac, derive_bac_keys, derive_session_keys, session_ssc};
use monid_core::crypto::{self, SmCipher};
use monid_core::rand::FixedRandom;
use monid_core::sm::{SecureMessaging, Unprotected};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../test-vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v["source"].as_str().is_some_and(|s| !s.is_empty()));
    v
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn arr<const N: usize>(v: &Value) -> [u8; N] {
    hx(v).try_into().unwrap()
}

#[test]
fn appendix_d_bac_key_derivation_and_mutual_authentication() {
    let all = load("icao9303-11-appendix-d.json");
    let d = &all["bac_appendix_D"];

    // D.2: K_seed is the first 16 bytes of SHA-1(MRZ information).
    assert_eq!(
        hx(&d["sha1_mrz_information"])[..16],
        hx(&d["k_seed"])[..],
        "vector self-consistency"
    );
    let seed: [u8; 16] = arr(&d["k_seed"]);
    let keys = derive_bac_keys(&seed);
    assert_eq!(keys.k_enc()[..], hx(&d["k_enc"])[..]);
    assert_eq!(keys.k_mac()[..], hx(&d["k_mac"])[..]);
    let mut before = hx(&d["k_enc_before_parity"]);
    crypto::adjust_parity(&mut before);
    assert_eq!(before, hx(&d["k_enc"]));

    // D.3: GET CHALLENGE, then EXTERNAL AUTHENTICATE with the published RND.IFD and K.IFD.
    let gc = Bac::get_challenge();
    assert_eq!(gc.encode(false).unwrap(), [0x00, 0x84, 0x00, 0x00, 0x08]);
    let mut rnd = hx(&d["rnd_ifd"]);
    rnd.extend_from_slice(&hx(&d["k_ifd"]));
    let mut rng = FixedRandom::new(rnd);
    let (awaiting, ea) = Bac::new(&seed)
        .authenticate(&hx(&d["rnd_ic"]), &mut rng)
        .unwrap();
    assert_eq!(ea.header(), [0x00, 0x82, 0x00, 0x00]);
    assert_eq!(ea.ne, Some(40));
    assert_eq!(ea.data, hx(&d["mutual_auth_cmd_data"]));
    assert_eq!(ea.data[..32], hx(&d["e_ifd"])[..]);
    assert_eq!(ea.data[32..], hx(&d["m_ifd"])[..]);
    // S = RND.IFD || RND.IC || K.IFD encrypts to E_IFD.
    assert_eq!(
        crypto::des3_cbc_encrypt(keys.k_enc(), &hx(&d["S"])).unwrap(),
        hx(&d["e_ifd"])
    );
    let mut encoded = vec![0x00, 0x82, 0x00, 0x00, 0x28];
    encoded.extend_from_slice(&hx(&d["mutual_auth_cmd_data"]));
    encoded.push(0x28);
    assert_eq!(ea.encode(false).unwrap(), encoded);

    // The chip's answer decrypts to R = RND.IC || RND.IFD || K.IC.
    let resp_data = hx(&d["mutual_auth_resp_data"]);
    assert_eq!(
        *crypto::des3_cbc_decrypt(keys.k_enc(), &resp_data[..32]).unwrap(),
        hx(&d["R_decrypted"])
    );
    let sm = awaiting
        .finish(&Response {
            data: resp_data,
            sw: StatusWord::SUCCESS,
        })
        .unwrap();

    // Session keys and SSC.
    let session = derive_session_keys(&arr(&d["k_ifd"]), &arr(&d["k_ic"]));
    assert_eq!(session.k_enc()[..], hx(&d["ks_enc"])[..]);
    assert_eq!(session.k_mac()[..], hx(&d["ks_mac"])[..]);
    let seed_xor: Vec<u8> = hx(&d["k_ifd"])
        .iter()
        .zip(hx(&d["k_ic"]))
        .map(|(a, b)| a ^ b)
        .collect();
    assert_eq!(seed_xor, hx(&d["session_k_seed"]));
    assert_eq!(
        session_ssc(&arr(&d["rnd_ic"]), &arr(&d["rnd_ifd"]))[..],
        hx(&d["ssc"])[..]
    );
    assert_eq!(sm.cipher(), SmCipher::Des3);
    assert_eq!(sm.ssc(), hx(&d["ssc"]));
}

#[test]
fn appendix_d4_secure_messaging_byte_exact() {
    let all = load("icao9303-11-appendix-d.json");
    let d4 = &all["secure_messaging_3des_appendix_D4"];
    let mut sm = SecureMessaging::new(
        SmCipher::Des3,
        &hx(&d4["ks_enc"]),
        &hx(&d4["ks_mac"]),
        &hx(&d4["ssc_initial"]),
    )
    .unwrap();
    let steps = d4["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    let mut ef_com = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let plain = hx(&step["plain_cmd"]);
        let cmd = parse_short_command(&plain);
        let protected = sm.protect(&cmd, false).unwrap();
        assert_eq!(sm.ssc(), hx(&step["ssc_cmd"]), "step {i} command SSC");
        assert_eq!(
            protected.encode(false).unwrap(),
            hx(&step["protected_cmd"]),
            "step {i} protected command"
        );
        if let Some(n) = step.get("mac_input_N") {
            // The published MAC input N; its MAC is the published CC.
            let mac = crypto::retail_mac(&hx(&d4["ks_mac"]), &hx(n)).unwrap();
            assert_eq!(mac[..], hx(&step["cc"])[..]);
            assert_eq!(protected.data[protected.data.len() - 8..], mac[..]);
        }
        let resp = Response::parse(&hx(&step["protected_rsp"])).unwrap();
        let out = sm.unprotect(&resp).unwrap();
        assert_eq!(sm.ssc(), hx(&step["ssc_rsp"]), "step {i} response SSC");
        let Unprotected::Verified(r) = out else {
            panic!("step {i}: not verified");
        };
        assert_eq!(r.sw, StatusWord::SUCCESS);
        assert_eq!(
            r.data,
            hx(&step["plain_rsp_data"]),
            "step {i} response data"
        );
        if i > 0 {
            ef_com.extend_from_slice(&r.data);
        }
    }
    assert_eq!(ef_com, hx(&d4["ef_com_full"]));
}

/// Parses a short command APDU of the worked example (cases 2 and 3 only).
fn parse_short_command(raw: &[u8]) -> Command {
    let cmd = Command::new(raw[0], raw[1], raw[2], raw[3]);
    match raw.len() {
        5 => cmd.with_ne(if raw[4] == 0 { 256 } else { raw[4] as usize }),
        n => {
            let lc = raw[4] as usize;
            assert_eq!(n, 5 + lc);
            cmd.with_data(raw[5..].to_vec())
        }
    }
}

#[test]
fn bsi_eac_aes_secure_messaging() {
    let v = load("bsi-eac-aes-sm.json");
    let k_enc = hx(&v["k_enc"]);
    let k_mac = hx(&v["k_mac"]);
    let enc = &v["encryption"];
    let mac = &v["mac"];

    // Primitives: e1 = AES-CBC(K_enc, IV = E(K_enc, SSC=1), pad(d1)).
    let ssc1: [u8; 16] = arr(&enc["ssc"]);
    let iv = crypto::aes_ecb_encrypt_block(&k_enc, &ssc1).unwrap();
    let padded = crypto::pad(&hx(&enc["plain_d1"]), 16);
    assert_eq!(
        crypto::aes_cbc_encrypt(&k_enc, &iv, &padded).unwrap(),
        hx(&enc["cryptogram_e1"])
    );
    // a1 = CMAC(K_mac, pad(SSC=2 || ad1))[..8].
    let mut input = hx(&mac["ssc"]);
    input.extend_from_slice(&hx(&mac["data_ad1"]));
    assert_eq!(
        crypto::aes_cmac8(&k_mac, &crypto::pad(&input, 16)).unwrap()[..],
        hx(&mac["mac_a1"])[..]
    );

    // The same through the session: a command with data d1 at SSC 1 carries DO'87' = 01 || e1,
    // and the response 99 02 90 00 8E 08 a1 at SSC 2 verifies.
    let mut sm = SecureMessaging::new(SmCipher::Aes128, &k_enc, &k_mac, &[0; 16]).unwrap();
    let cmd = Command::new(0x00, 0x22, 0xC1, 0xA4).with_data(hx(&enc["plain_d1"]));
    let p = sm.protect(&cmd, false).unwrap();
    assert_eq!(sm.ssc(), hx(&enc["ssc"]));
    assert_eq!(p.cla, 0x0C);
    let mut do87 = vec![0x87, 0x11, 0x01];
    do87.extend_from_slice(&hx(&enc["cryptogram_e1"]));
    assert_eq!(p.data[..do87.len()], do87[..]);
    assert_eq!(p.data.len(), do87.len() + 10);

    let mut rsp = hx(&mac["data_ad1"]);
    rsp.extend_from_slice(&[0x8E, 0x08]);
    rsp.extend_from_slice(&hx(&mac["mac_a1"]));
    rsp.extend_from_slice(&[0x90, 0x00]);
    let out = sm.unprotect(&Response::parse(&rsp).unwrap()).unwrap();
    assert_eq!(sm.ssc(), hx(&mac["ssc"]));
    assert_eq!(
        out,
        Unprotected::Verified(Response {
            data: vec![],
            sw: StatusWord::SUCCESS
        })
    );
}

#[test]
fn wycheproof_aes_cmac_valid_cases() {
    let v = load("wycheproof-aes-cmac-cbc-valid.json");
    let cases = v["cmac"]["cases"].as_array().unwrap();
    assert!(cases.len() > 30);
    for c in cases {
        let key = hx(&c["key"]);
        let tag = hx(&c["tag"]);
        let full = crypto::aes_cmac(&key, &hx(&c["msg"])).unwrap();
        assert_eq!(tag.len() * 8, c["tagSize"].as_u64().unwrap() as usize);
        assert_eq!(full[..tag.len()], tag[..], "tcId {}", c["tcId"]);
        if tag.len() >= 8 {
            assert_eq!(
                crypto::aes_cmac8(&key, &hx(&c["msg"])).unwrap()[..],
                tag[..8]
            );
        }
    }
}

#[test]
fn wycheproof_aes_cbc_pkcs5_valid_cases() {
    let v = load("wycheproof-aes-cmac-cbc-valid.json");
    let cases = v["cbc_pkcs5"]["cases"].as_array().unwrap();
    assert!(cases.len() > 30);
    for c in cases {
        let key = hx(&c["key"]);
        let iv = hx(&c["iv"]);
        let msg = hx(&c["msg"]);
        // PKCS#7 padding, then our unpadded CBC: the block mode is the same.
        let n = 16 - msg.len() % 16;
        let mut padded = msg.clone();
        padded.extend(std::iter::repeat_n(n as u8, n));
        let ct = crypto::aes_cbc_encrypt(&key, &iv, &padded).unwrap();
        assert_eq!(ct, hx(&c["ct"]), "tcId {}", c["tcId"]);
        assert_eq!(*crypto::aes_cbc_decrypt(&key, &iv, &ct).unwrap(), padded);
    }
}
