//! PACE-ECDH terminal side against published worked examples (ICAO 9303-11 Appendix G.1, H.1,
//! I; BSI EAC worked example) and Wycheproof ECDH vectors, plus negative cases.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::access::AccessKey;
use monid_core::apdu::{Command, Response, StatusWord};
use monid_core::crypto::{self, SmCipher};
use monid_core::pace::ec::{self, EcError};
use monid_core::pace::params::{EcCurve, Mapping, PaceParams, PasswordRef};
use monid_core::pace::terminal::{
    self, Pace, PaceAwaitingKeyAgreement, PaceAwaitingMapping, PaceAwaitingNonce,
    PaceAwaitingToken, PaceOutcome,
};
use monid_core::rand::FixedRandom;
use monid_core::sm::{SecureMessaging, Unprotected};
use monid_core::{ChipError, Error, ErrorKind};
use serde_json::Value;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn load(name: &str) -> Value {
    let path = format!("{}/../test-vectors/pace/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn v(section: &Value, key: &str) -> Vec<u8> {
    h(section[key].as_str().unwrap_or_else(|| panic!("{key}")))
}

fn enc(cmd: &Command) -> String {
    hex::encode_upper(cmd.encode(false).unwrap())
}

fn resp(hex_with_sw: &str) -> Response {
    Response::parse(&h(hex_with_sw)).unwrap()
}

fn ok(data: Vec<u8>) -> Response {
    Response {
        data,
        sw: StatusWord::SUCCESS,
    }
}

/// `7C { tag value }`.
fn dyn_obj(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut inner = vec![tag, value.len() as u8];
    inner.extend_from_slice(value);
    let mut out = vec![0x7C, inner.len() as u8];
    out.extend_from_slice(&inner);
    out
}

const CURVE: EcCurve = EcCurve::BrainpoolP256r1;

/// The chip's five answers of a worked example, as responses.
struct Script {
    set_at: Response,
    nonce: Response,
    mapping: Response,
    key_agreement: Response,
    token: Response,
}

struct Run {
    commands: Vec<String>,
    generator: Vec<u8>,
    result: Result<(SecureMessaging, PaceOutcome), Error>,
}

fn run(pace: Pace, script: &Script, rng: &mut FixedRandom) -> Run {
    let mut commands = Vec::new();
    let (st, cmd) = pace.mse_set_at();
    commands.push(enc(&cmd));
    let (st, cmd, sw) = st.on_set_at(&script.set_at).unwrap();
    assert_eq!(sw, script.set_at.sw);
    commands.push(enc(&cmd));
    let (st, cmd) = st.on_nonce(&script.nonce, rng).unwrap();
    commands.push(enc(&cmd));
    let (st, cmd) = st.on_mapping(&script.mapping, rng).unwrap();
    commands.push(enc(&cmd));
    let generator = st.mapped_generator().to_vec();
    let (st, cmd) = st.on_key_agreement(&script.key_agreement).unwrap();
    commands.push(enc(&cmd));
    let result = st.finish(&script.token);
    Run {
        commands,
        generator,
        result,
    }
}

// ---------------------------------------------------------------- ICAO 9303-11 Appendix G.1

fn g1() -> Value {
    load("pace_ecdh_worked_examples.json")["icao_g1_ecdh_gm"].clone()
}

fn g1_key(g: &Value) -> AccessKey {
    AccessKey::mrz(
        g["doc_number"].as_str().unwrap(),
        g["dob"].as_str().unwrap(),
        g["expiry"].as_str().unwrap(),
    )
    .unwrap()
}

fn g1_params(g: &Value) -> PaceParams {
    PaceParams::from_oid(&v(g, "oid"), 13, false).unwrap()
}

fn g1_script(g: &Value) -> Script {
    let a = g["apdus"].as_array().unwrap();
    let r = |i: usize| resp(a[i][1].as_str().unwrap());
    Script {
        set_at: r(0),
        nonce: r(1),
        mapping: r(2),
        key_agreement: r(3),
        token: r(4),
    }
}

fn g1_rng(g: &Value) -> FixedRandom {
    let mut r = v(g, "map_sk_pcd");
    r.extend(v(g, "eph_sk_pcd"));
    FixedRandom::new(r)
}

fn g1_nonce_state(g: &Value) -> PaceAwaitingNonce {
    let (st, _) = Pace::new(g1_params(g), &g1_key(g)).mse_set_at();
    st.on_set_at(&g1_script(g).set_at).unwrap().0
}

fn g1_mapping_state(g: &Value, rng: &mut FixedRandom) -> PaceAwaitingMapping {
    g1_nonce_state(g)
        .on_nonce(&g1_script(g).nonce, rng)
        .unwrap()
        .0
}

fn g1_ka_state(g: &Value, rng: &mut FixedRandom) -> PaceAwaitingKeyAgreement {
    g1_mapping_state(g, rng)
        .on_mapping(&g1_script(g).mapping, rng)
        .unwrap()
        .0
}

fn g1_token_state(g: &Value) -> PaceAwaitingToken {
    let mut rng = g1_rng(g);
    g1_ka_state(g, &mut rng)
        .on_key_agreement(&g1_script(g).key_agreement)
        .unwrap()
        .0
}

#[test]
fn icao_g1_generic_mapping_value_by_value() {
    let g = g1();
    let key = g1_key(&g);
    // π = SHA-1(MRZ information), K_π = KDF(π, 3).
    assert_eq!(*key.password_bytes(), v(&g, "K_sha1_mrz"));
    let k_pi = crypto::kdf(&key.password_bytes(), 3, SmCipher::Aes128);
    assert_eq!(*k_pi, v(&g, "k_pi"));
    // s = D(K_π, z).
    let s = terminal::decrypt_nonce(SmCipher::Aes128, &k_pi, &v(&g, "encrypted_nonce_z")).unwrap();
    assert_eq!(*s, v(&g, "nonce_s"));
    // Mapping keys and H from both sides; G' = s·G + H.
    assert_eq!(
        ec::public_key(CURVE, &v(&g, "map_sk_pcd"), None).unwrap(),
        v(&g, "map_pk_pcd")
    );
    assert_eq!(
        ec::public_key(CURVE, &v(&g, "map_sk_picc"), None).unwrap(),
        v(&g, "map_pk_picc")
    );
    let hh = ec::ecdh_point(CURVE, &v(&g, "map_sk_pcd"), &v(&g, "map_pk_picc")).unwrap();
    assert_eq!(*hh, v(&g, "H_shared"));
    let hh2 = ec::ecdh_point(CURVE, &v(&g, "map_sk_picc"), &v(&g, "map_pk_pcd")).unwrap();
    assert_eq!(*hh2, v(&g, "H_shared"));
    let gp = ec::gm_generator(CURVE, &s, &hh).unwrap();
    assert_eq!(gp, v(&g, "mapped_G"));
    // Ephemeral keys on G', K, session keys.
    assert_eq!(
        ec::public_key(CURVE, &v(&g, "eph_sk_pcd"), Some(&gp)).unwrap(),
        v(&g, "eph_pk_pcd")
    );
    assert_eq!(
        ec::public_key(CURVE, &v(&g, "eph_sk_picc"), Some(&gp)).unwrap(),
        v(&g, "eph_pk_picc")
    );
    let k = ec::ecdh_shared_x(CURVE, &v(&g, "eph_sk_pcd"), &v(&g, "eph_pk_picc")).unwrap();
    assert_eq!(*k, v(&g, "shared_secret_K"));
    let k2 = ec::ecdh_shared_x(CURVE, &v(&g, "eph_sk_picc"), &v(&g, "eph_pk_pcd")).unwrap();
    assert_eq!(*k2, v(&g, "shared_secret_K"));
    let ks_enc = crypto::kdf(&k, 1, SmCipher::Aes128);
    let ks_mac = crypto::kdf(&k, 2, SmCipher::Aes128);
    assert_eq!(*ks_enc, v(&g, "ks_enc"));
    assert_eq!(*ks_mac, v(&g, "ks_mac"));
    // Tokens.
    let params = g1_params(&g);
    assert_eq!(
        terminal::token_input(&params.protocol, &v(&g, "eph_pk_picc")),
        v(&g, "token_input_T_PCD")
    );
    assert_eq!(
        terminal::auth_token(&params.protocol, &ks_mac, &v(&g, "eph_pk_picc")).unwrap()[..],
        v(&g, "t_pcd")
    );
    assert_eq!(
        terminal::auth_token(&params.protocol, &ks_mac, &v(&g, "eph_pk_pcd")).unwrap()[..],
        v(&g, "t_picc")
    );
}

#[test]
fn icao_g1_generic_mapping_apdu_by_apdu() {
    let g = g1();
    let mut rng = g1_rng(&g);
    let out = run(
        Pace::new(g1_params(&g), &g1_key(&g)),
        &g1_script(&g),
        &mut rng,
    );
    let expected: Vec<String> = g["apdus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(out.commands, expected);
    assert_eq!(out.commands[0], g["mse_set_at_icao"].as_str().unwrap());
    assert_eq!(out.generator, v(&g, "mapped_G"));
    let (sm, outcome) = out.result.unwrap();
    assert_eq!(sm.cipher(), SmCipher::Aes128);
    assert_eq!(sm.ssc(), &[0u8; 16]);
    assert_eq!(outcome.oid().to_vec(), v(&g, "oid"));
    assert_eq!(outcome.mapping(), Mapping::Generic);
    assert_eq!(outcome.cipher(), SmCipher::Aes128);
    assert_eq!(outcome.curve(), Some(CURVE));
    assert_eq!(outcome.password, PasswordRef::Mrz);
    assert_eq!(outcome.chip_ephemeral_public_key, v(&g, "eph_pk_picc"));
    assert_eq!(
        outcome.chip_mapping_public_key.as_deref(),
        Some(&v(&g, "map_pk_picc")[..])
    );
    assert!(outcome.chip_authentication_data.is_none());
    assert!(matches!(
        outcome.verify_chip_authentication(&v(&g, "map_pk_picc")),
        Err(Error::InvalidInput(_))
    ));
    let dbg = format!("{outcome:?}");
    assert!(dbg.contains("id-PACE-ECDH-GM-AES-CBC-CMAC-128"));
}

// ---------------------------------------------------------------- ICAO 9303-11 Appendix H.1

#[test]
fn icao_h1_integrated_mapping() {
    let all = load("pace_ecdh_worked_examples.json");
    let hv = &all["icao_h1_ecdh_im"];
    // K_π is given; it is KDF("123456", 3) (see the vectors' SOURCE.md), with reference MRZ.
    let k_pi = crypto::kdf(b"123456", 3, SmCipher::Aes128);
    assert_eq!(*k_pi, v(hv, "k_pi_given"));
    let s = terminal::decrypt_nonce(SmCipher::Aes128, &k_pi, &v(hv, "encrypted_nonce_z")).unwrap();
    assert_eq!(*s, v(hv, "nonce_s"));
    let t = v(hv, "terminal_nonce_t");
    // R(s, t), R_p(s, t), f_G.
    let raw = ec::im_pseudo_random(SmCipher::Aes128, &s, &t, 256).unwrap();
    assert_eq!(*raw, v(hv, "R_s_t_unreduced"));
    let rp = ec::im_field_element(CURVE, SmCipher::Aes128, &s, &t).unwrap();
    assert_eq!(*rp, v(hv, "R_s_t_mod_p"));
    let gp = ec::point_encoding(CURVE, &rp).unwrap();
    assert_eq!(gp, v(hv, "mapped_G"));
    assert_eq!(
        ec::im_generator(CURVE, SmCipher::Aes128, &s, &t).unwrap(),
        v(hv, "mapped_G")
    );
    assert_eq!(
        ec::public_key(CURVE, &v(hv, "eph_sk_pcd"), Some(&gp)).unwrap(),
        v(hv, "eph_pk_pcd")
    );
    let k = ec::ecdh_shared_x(CURVE, &v(hv, "eph_sk_pcd"), &v(hv, "eph_pk_picc")).unwrap();
    assert_eq!(*k, v(hv, "shared_secret_K"));
    assert_eq!(*crypto::kdf(&k, 1, SmCipher::Aes128), v(hv, "ks_enc"));
    assert_eq!(*crypto::kdf(&k, 2, SmCipher::Aes128), v(hv, "ks_mac"));

    // The protocol run, APDU by APDU.
    let params = PaceParams::from_oid(&v(hv, "oid"), 13, false).unwrap();
    assert_eq!(params.protocol.mapping, Mapping::Integrated);
    let script = Script {
        set_at: resp("9000"),
        nonce: ok(dyn_obj(0x80, &v(hv, "encrypted_nonce_z"))),
        mapping: ok(h("7C00")),
        key_agreement: ok(dyn_obj(0x84, &v(hv, "eph_pk_picc"))),
        token: ok(dyn_obj(0x86, &v(hv, "t_picc"))),
    };
    let mut rng = t.clone();
    rng.extend(v(hv, "eph_sk_pcd"));
    let mut rng = FixedRandom::new(rng);
    let out = run(
        Pace::with_password(params, PasswordRef::Mrz, b"123456"),
        &script,
        &mut rng,
    );
    let expected: Vec<String> = hv["apdus_cmd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(out.commands, expected);
    assert_eq!(out.generator, v(hv, "mapped_G"));
    let (sm, outcome) = out.result.unwrap();
    assert_eq!(sm.ssc(), &[0u8; 16]);
    assert_eq!(outcome.mapping(), Mapping::Integrated);
    assert!(outcome.chip_mapping_public_key.is_none());

    // An empty DO'82' is accepted too; other mapping data is not.
    let mut rng = FixedRandom::new([t.clone(), v(hv, "eph_sk_pcd")].concat());
    let st = im_nonce_state(hv)
        .on_nonce(&script.nonce, &mut rng)
        .unwrap()
        .0;
    assert!(st.on_mapping(&ok(h("7C028200")), &mut rng).is_ok());
    let mut rng = FixedRandom::new([t.clone(), v(hv, "eph_sk_pcd")].concat());
    let st = im_nonce_state(hv)
        .on_nonce(&script.nonce, &mut rng)
        .unwrap()
        .0;
    assert!(matches!(
        st.on_mapping(&ok(h("7C03820101")), &mut rng),
        Err(Error::Chip(ChipError::MalformedResponse { .. }))
    ));
}

fn im_nonce_state(hv: &Value) -> PaceAwaitingNonce {
    let params = PaceParams::from_oid(&v(hv, "oid"), 13, false).unwrap();
    let (st, _) = Pace::with_password(params, PasswordRef::Mrz, b"123456").mse_set_at();
    st.on_set_at(&resp("9000")).unwrap().0
}

// ---------------------------------------------------------------- ICAO 9303-11 Appendix I

#[test]
fn icao_i_chip_authentication_mapping() {
    let all = load("pace_ecdh_worked_examples.json");
    let iv = &all["icao_i_ecdh_cam"];
    let key = AccessKey::mrz(
        iv["doc_number"].as_str().unwrap(),
        iv["dob"].as_str().unwrap(),
        iv["expiry"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(*key.password_bytes(), v(iv, "K_sha1_mrz"));
    let k_pi = crypto::kdf(&key.password_bytes(), 3, SmCipher::Aes128);
    assert_eq!(*k_pi, v(iv, "k_pi"));
    let s = terminal::decrypt_nonce(SmCipher::Aes128, &k_pi, &v(iv, "encrypted_nonce_z")).unwrap();
    assert_eq!(*s, v(iv, "nonce_s"));
    let hh = ec::ecdh_point(CURVE, &v(iv, "map_sk_pcd"), &v(iv, "map_pk_picc")).unwrap();
    assert_eq!(ec::gm_generator(CURVE, &s, &hh).unwrap(), v(iv, "mapped_G"));
    let ks_enc = v(iv, "ks_enc");
    let ca = terminal::decrypt_cam_data(&ks_enc, &v(iv, "encrypted_ca_data_A_IC_tag8A")).unwrap();
    assert_eq!(*ca, v(iv, "CA_IC"));

    let params = PaceParams::from_oid(&v(iv, "oid"), 13, false).unwrap();
    assert_eq!(params.protocol.mapping, Mapping::ChipAuthentication);
    let script = Script {
        set_at: resp("9000"),
        nonce: ok(dyn_obj(0x80, &v(iv, "encrypted_nonce_z"))),
        mapping: ok(dyn_obj(0x82, &v(iv, "map_pk_picc"))),
        key_agreement: ok(dyn_obj(0x84, &v(iv, "eph_pk_picc"))),
        token: resp(iv["final_ga_response"].as_str().unwrap()),
    };
    let mut rng = FixedRandom::new([v(iv, "map_sk_pcd"), v(iv, "eph_sk_pcd")].concat());
    let out = run(Pace::new(params, &key), &script, &mut rng);
    let oid = iv["oid"].as_str().unwrap();
    assert_eq!(out.commands[0], format!("0022C1A40F800A{oid}830101"));
    assert_eq!(out.commands[1], "10860000027C0000");
    assert_eq!(
        out.commands[2],
        format!("10860000457C438141{}00", iv["map_pk_pcd"].as_str().unwrap())
    );
    assert_eq!(
        out.commands[3],
        format!("10860000457C438341{}00", iv["eph_pk_pcd"].as_str().unwrap())
    );
    assert_eq!(
        out.commands[4],
        format!("008600000C7C0A8508{}00", iv["t_pcd"].as_str().unwrap())
    );
    assert_eq!(out.generator, v(iv, "mapped_G"));
    let (_sm, outcome) = out.result.unwrap();
    assert_eq!(
        outcome
            .chip_authentication_data
            .as_deref()
            .map(|c| c.to_vec()),
        Some(v(iv, "CA_IC"))
    );
    // PK_IC is not in Appendix I: derived_pk_ic = (SK_Map,IC / CA_IC)·G (see the JSON).
    assert_eq!(
        ec::public_key(CURVE, &v(iv, "derived_sk_ic"), None).unwrap(),
        v(iv, "derived_pk_ic")
    );
    assert!(
        outcome
            .verify_chip_authentication(&v(iv, "derived_pk_ic"))
            .unwrap()
    );
    // Another static key (the mapping key itself, or G) does not authenticate the chip.
    assert!(
        !outcome
            .verify_chip_authentication(&v(iv, "map_pk_picc"))
            .unwrap()
    );
    let mut off = v(iv, "derived_pk_ic");
    off[64] ^= 1;
    assert!(matches!(
        outcome.verify_chip_authentication(&off),
        Err(Error::InvalidInput(_))
    ));
    // A CAM answer without DO'8A' is malformed.
    let mut rng = FixedRandom::new([v(iv, "map_sk_pcd"), v(iv, "eph_sk_pcd")].concat());
    let no_8a = Script {
        token: ok(dyn_obj(0x86, &v(iv, "t_picc"))),
        ..script
    };
    let out = run(Pace::new(params, &key), &no_8a, &mut rng);
    assert!(matches!(
        out.result,
        Err(Error::Chip(ChipError::MalformedResponse { .. }))
    ));
}

// ---------------------------------------------------------------- BSI EAC worked example

#[test]
fn bsi_worked_example_ecdh_gm() {
    let all = load("pace_ecdh_worked_examples.json");
    let b = &all["bsi_ecdh_gm"];
    let key = AccessKey::pin("123456").unwrap();
    let params = PaceParams::from_oid(&h("04007F00070202040202"), 13, false).unwrap();
    let k_pi = crypto::kdf(&key.password_bytes(), 3, SmCipher::Aes128);
    let s = terminal::decrypt_nonce(SmCipher::Aes128, &k_pi, &v(b, "nonce_enc")).unwrap();
    assert_eq!(*s, v(b, "nonce"));
    let hh = ec::ecdh_point(CURVE, &v(b, "map_pcd_priv_key"), &v(b, "map_picc_pub_key")).unwrap();
    assert_eq!(*hh, v(b, "map_shared_secret_h"));
    assert_eq!(
        ec::gm_generator(CURVE, &s, &hh).unwrap(),
        v(b, "map_generator")
    );
    // The PCD private key is given with a leading 00 (33 bytes): the scalar parser accepts it.
    let k = ec::ecdh_shared_x(CURVE, &v(b, "pcd_priv_key"), &v(b, "picc_pub_key")).unwrap();
    assert_eq!(*k, v(b, "shared_secret_k"));
    assert_eq!(*crypto::kdf(&k, 1, SmCipher::Aes128), v(b, "k_enc"));
    assert_eq!(*crypto::kdf(&k, 2, SmCipher::Aes128), v(b, "k_mac"));

    let script = Script {
        set_at: resp("9000"),
        nonce: ok(dyn_obj(0x80, &v(b, "nonce_enc"))),
        mapping: ok(dyn_obj(0x82, &v(b, "map_picc_pub_key"))),
        key_agreement: ok(dyn_obj(0x84, &v(b, "picc_pub_key"))),
        token: ok(dyn_obj(0x86, &v(b, "authentication_token_picc"))),
    };
    let pcd_sk = v(b, "pcd_priv_key");
    let pcd_sk = pcd_sk[pcd_sk.len() - 32..].to_vec();
    let mut rng = FixedRandom::new([v(b, "map_pcd_priv_key"), pcd_sk].concat());
    let out = run(Pace::new(params, &key), &script, &mut rng);
    assert_eq!(out.commands[0], "0022C1A40F800A04007F00070202040202830103");
    assert_eq!(
        out.commands[2],
        format!(
            "10860000457C438141{}00",
            b["map_pcd_pub_key"].as_str().unwrap()
        )
    );
    assert_eq!(
        out.commands[3],
        format!("10860000457C438341{}00", b["pcd_pub_key"].as_str().unwrap())
    );
    assert_eq!(
        out.commands[4],
        format!(
            "008600000C7C0A8508{}00",
            b["authentication_token_pcd"].as_str().unwrap()
        )
    );
    assert_eq!(out.generator, v(b, "map_generator"));
    let (mut sm, outcome) = out.result.unwrap();
    assert_eq!(outcome.password, PasswordRef::Pin);
    // The session: e1 = AES-CBC(KS_enc, IV = E(KS_enc, SSC = 1), pad(d1)); a1 = CMAC over
    // SSC = 2 || pad(ad1). Both follow from KS_enc, KS_mac and a zero initial SSC.
    let cmd = Command::new(0x00, 0x22, 0x81, 0xB6).with_data(v(b, "d1"));
    let protected = sm.protect(&cmd, false).unwrap();
    let mut do87 = vec![0x87, 0x11, 0x01];
    do87.extend(v(b, "e1"));
    assert_eq!(protected.data[..do87.len()], do87[..]);
    let mut rdata = v(b, "ad1");
    rdata.extend([0x8E, 0x08]);
    rdata.extend(v(b, "a1"));
    assert_eq!(
        sm.unprotect(&ok(rdata)).unwrap(),
        Unprotected::Verified(Response {
            data: vec![],
            sw: StatusWord::SUCCESS
        })
    );
}

#[test]
fn mse_set_at_with_parameter_id_and_statuses() {
    let g = g1();
    let params = PaceParams::from_oid(&v(&g, "oid"), 13, true).unwrap();
    let (st, cmd) = Pace::new(params, &AccessKey::can("123456").unwrap()).mse_set_at();
    assert_eq!(enc(&cmd), "0022C1A412800A04007F0007020204020283010284010D");
    // 63C2 (two tries left) continues and is handed back.
    let (_, ga1, sw) = st.on_set_at(&resp("63C2")).unwrap();
    assert_eq!(sw, StatusWord(0x63C2));
    assert_eq!(enc(&ga1), "10860000027C0000");
    for (sw, access_denied) in [("6983", true), ("6A80", false), ("6D00", false)] {
        let (st, _) = Pace::new(params, &AccessKey::can("123456").unwrap()).mse_set_at();
        let e = st.on_set_at(&resp(sw)).unwrap_err();
        assert_eq!(matches!(e, Error::AccessDenied(_)), access_denied, "{sw}");
    }
    let (st, _) = Pace::new(params, &AccessKey::can("123456").unwrap()).mse_set_at();
    assert!(st.on_set_at(&resp("6283")).is_ok());
    // Debug never shows the password.
    let pace = Pace::new(params, &AccessKey::can("987654").unwrap());
    let dbg = format!("{pace:?}");
    assert!(!dbg.contains("987654") && dbg.contains("redacted"));
}

// ---------------------------------------------------------------- negative cases

#[test]
fn wrong_password_statuses_and_wrong_token() {
    let g = g1();
    for sw in ["6300", "63C2", "6982", "6988"] {
        let e = g1_token_state(&g).finish(&resp(sw)).unwrap_err();
        assert!(matches!(e, Error::AccessDenied(_)), "{sw}");
        assert_eq!(e.kind(), ErrorKind::WrongAccessKey);
    }
    let e = g1_token_state(&g).finish(&resp("6F00")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ChipMisbehaved);
    // A wrong T_PICC after 9000.
    let mut bad = g1_script(&g).token;
    bad.data[6] ^= 1;
    assert!(matches!(
        g1_token_state(&g).finish(&bad),
        Err(Error::Chip(ChipError::AuthenticationFailed))
    ));
    // A short token.
    assert!(
        g1_token_state(&g)
            .finish(&ok(h("7C0686045555AAAA")))
            .is_err()
    );
    // A wrong password: the chip's nonce decrypts to another s, the run diverges and the chip
    // answers 6300 on the last GENERAL AUTHENTICATE.
    let other = AccessKey::mrz("T22000129", "640812", "101101").unwrap();
    let mut rng = g1_rng(&g);
    let (st, _) = Pace::new(g1_params(&g), &other).mse_set_at();
    let (st, _, _) = st.on_set_at(&resp("9000")).unwrap();
    let (st, _) = st.on_nonce(&g1_script(&g).nonce, &mut rng).unwrap();
    let (st, _) = st.on_mapping(&g1_script(&g).mapping, &mut rng).unwrap();
    assert_ne!(st.mapped_generator(), &v(&g, "mapped_G")[..]);
}

#[test]
fn chip_key_equal_to_ours_or_off_curve_is_rejected() {
    let g = g1();
    // PK_PICC == PK_PCD.
    let mut rng = g1_rng(&g);
    let e = g1_ka_state(&g, &mut rng)
        .on_key_agreement(&ok(dyn_obj(0x84, &v(&g, "eph_pk_pcd"))))
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Chip(ChipError::MalformedResponse { .. })
    ));
    // PK_Map,PICC == PK_Map,PCD.
    let mut rng = g1_rng(&g);
    let e = g1_mapping_state(&g, &mut rng)
        .on_mapping(&ok(dyn_obj(0x82, &v(&g, "map_pk_pcd"))), &mut rng)
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Chip(ChipError::MalformedResponse { .. })
    ));
    // Points not on the curve, compressed, or the identity.
    let mut off = v(&g, "eph_pk_picc");
    off[64] ^= 1;
    let mut compressed = vec![0x02 | (v(&g, "eph_pk_picc")[64] & 1)];
    compressed.extend(&v(&g, "eph_pk_picc")[1..33]);
    for bad in [off, compressed, vec![0x00], vec![0x04; 65]] {
        let mut rng = g1_rng(&g);
        let e = g1_ka_state(&g, &mut rng)
            .on_key_agreement(&ok(dyn_obj(0x84, &bad)))
            .unwrap_err();
        assert!(matches!(
            e,
            Error::Chip(ChipError::MalformedResponse { .. })
        ));
        let mut rng = g1_rng(&g);
        let e = g1_mapping_state(&g, &mut rng)
            .on_mapping(&ok(dyn_obj(0x82, &bad)), &mut rng)
            .unwrap_err();
        assert!(matches!(
            e,
            Error::Chip(ChipError::MalformedResponse { .. })
        ));
    }
}

#[test]
fn malformed_dynamic_authentication_data() {
    let g = g1();
    let z = v(&g, "encrypted_nonce_z");
    let mut dup = dyn_obj(0x80, &z);
    dup.extend(&h("8010")[..]);
    dup.extend(&z);
    dup[1] += 18;
    let mut trailing = dyn_obj(0x80, &z);
    trailing.push(0x00);
    let wrong_outer = {
        let mut d = dyn_obj(0x80, &z);
        d[0] = 0x7D;
        d
    };
    for data in [
        h(""),
        h("7C00"),
        h("7C0281"),
        wrong_outer,
        dup,
        trailing,
        dyn_obj(0x80, &[]),
        dyn_obj(0x80, &z[..15]),
        dyn_obj(0x81, &z),
    ] {
        let e = g1_nonce_state(&g)
            .on_nonce(&ok(data.clone()), &mut g1_rng(&g))
            .unwrap_err();
        assert!(
            matches!(e, Error::Chip(ChipError::MalformedResponse { .. })),
            "{}: {e}",
            hex::encode(&data)
        );
    }
    // A non-9000 status on an intermediate GENERAL AUTHENTICATE.
    let e = g1_nonce_state(&g)
        .on_nonce(&resp("6A80"), &mut g1_rng(&g))
        .unwrap_err();
    assert!(matches!(e, Error::Chip(ChipError::UnexpectedStatus { .. })));
    // An exhausted random source is an error, not a panic.
    let mut empty = FixedRandom::new(vec![]);
    assert!(matches!(
        g1_nonce_state(&g).on_nonce(&g1_script(&g).nonce, &mut empty),
        Err(Error::Random)
    ));
}

#[test]
fn truncated_responses_at_every_byte_never_panic() {
    let g = g1();
    let script = g1_script(&g);
    for n in 0..script.nonce.data.len() {
        let r = ok(script.nonce.data[..n].to_vec());
        assert!(g1_nonce_state(&g).on_nonce(&r, &mut g1_rng(&g)).is_err());
    }
    for n in 0..script.mapping.data.len() {
        let r = ok(script.mapping.data[..n].to_vec());
        let mut rng = g1_rng(&g);
        assert!(
            g1_mapping_state(&g, &mut rng)
                .on_mapping(&r, &mut rng)
                .is_err()
        );
    }
    for n in 0..script.key_agreement.data.len() {
        let r = ok(script.key_agreement.data[..n].to_vec());
        let mut rng = g1_rng(&g);
        assert!(g1_ka_state(&g, &mut rng).on_key_agreement(&r).is_err());
    }
    for n in 0..script.token.data.len() {
        let r = ok(script.token.data[..n].to_vec());
        assert!(g1_token_state(&g).finish(&r).is_err());
    }
    // CAM final answer truncated at every byte.
    let all = load("pace_ecdh_worked_examples.json");
    let iv = &all["icao_i_ecdh_cam"];
    let final_resp = resp(iv["final_ga_response"].as_str().unwrap());
    let key = AccessKey::mrz("C11T002JM", "960812", "231031").unwrap();
    let params = PaceParams::from_oid(&v(iv, "oid"), 13, false).unwrap();
    for n in 0..final_resp.data.len() {
        let mut rng = FixedRandom::new([v(iv, "map_sk_pcd"), v(iv, "eph_sk_pcd")].concat());
        let (st, _) = Pace::new(params, &key).mse_set_at();
        let (st, _, _) = st.on_set_at(&resp("9000")).unwrap();
        let (st, _) = st
            .on_nonce(&ok(dyn_obj(0x80, &v(iv, "encrypted_nonce_z"))), &mut rng)
            .unwrap();
        let (st, _) = st
            .on_mapping(&ok(dyn_obj(0x82, &v(iv, "map_pk_picc"))), &mut rng)
            .unwrap();
        let (st, _) = st
            .on_key_agreement(&ok(dyn_obj(0x84, &v(iv, "eph_pk_picc"))))
            .unwrap();
        assert!(st.finish(&ok(final_resp.data[..n].to_vec())).is_err());
    }
}

#[test]
fn debug_output_is_redacted() {
    let g = g1();
    let mut rng = g1_rng(&g);
    let st = g1_ka_state(&g, &mut rng);
    assert!(format!("{st:?}").contains("redacted"));
    let st = g1_token_state(&g);
    assert!(format!("{st:?}").contains("redacted"));
}

// ---------------------------------------------------------------- Wycheproof ECDH

#[test]
fn wycheproof_ecdh() {
    let w = load("wycheproof_ecdh_subset.json");
    let mut counted = 0;
    for (name, curve) in [
        ("P256", EcCurve::P256),
        ("P384", EcCurve::P384),
        ("BrainpoolP256r1", EcCurve::BrainpoolP256r1),
        ("BrainpoolP384r1", EcCurve::BrainpoolP384r1),
    ] {
        for case in w["curves"][name]["cases"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let sk = v(case, "private");
            let pk = v(case, "public");
            let got = ec::ecdh_shared_x(curve, &sk, &pk);
            match case["result"].as_str().unwrap() {
                "valid" => assert_eq!(
                    got.map(|k| k.to_vec())
                        .unwrap_or_else(|e| panic!("{name} {id}: {e}")),
                    v(case, "shared"),
                    "{name} tcId {id}"
                ),
                _ => assert!(
                    matches!(got, Err(EcError::InvalidPoint)),
                    "{name} tcId {id} {:?} accepted",
                    case["flags"]
                ),
            }
            counted += 1;
        }
    }
    assert!(counted > 400);
}

// ---------------------------------------------------------------- simulated chip, every suite

/// The value of the object inside `7C { tag value }` of a GENERAL AUTHENTICATE command.
fn ga_value(cmd: &Command, tag: u32) -> Vec<u8> {
    let outer = monid_core::tlv::parse_single(&cmd.data, 0x7C).unwrap();
    let inner = monid_core::tlv::parse_single(outer.value, tag).unwrap();
    inner.value.to_vec()
}

fn ga_response(tag: u32, value: &[u8]) -> Response {
    ok(monid_core::tlv::encode(
        0x7C,
        &monid_core::tlv::encode(tag, value),
    ))
}

/// Runs the terminal against a chip simulated with the `ec` and `terminal` helpers, for a curve
/// and protocol without a published example (self-consistency, not a reference).
fn simulated_run(curve: EcCurve, oid_hex: &str) {
    use monid_core::rand::SystemRandom;
    let mut rng = SystemRandom;
    let params = PaceParams::from_oid(&h(oid_hex), curve.standardized_id(), false).unwrap();
    let cipher = params.protocol.cipher;
    let key = AccessKey::can("500540").unwrap();
    let k_pi = crypto::kdf(b"500540", 3, cipher);
    let s_len = if params.protocol.mapping == Mapping::Integrated {
        ec::im_block_len(cipher)
    } else {
        cipher.block_len()
    };
    let s: Vec<u8> = (0..s_len)
        .map(|i| (i as u8).wrapping_mul(37) ^ 0x5A)
        .collect();
    let z = match cipher {
        SmCipher::Des3 => crypto::des3_cbc_encrypt(&k_pi, &s).unwrap(),
        _ => crypto::aes_cbc_encrypt(&k_pi, &[0; 16], &s).unwrap(),
    };

    let (st, cmd) = Pace::new(params, &key).mse_set_at();
    assert_eq!(cmd.data[2..12], params.protocol.oid());
    let (st, _, _) = st.on_set_at(&resp("9000")).unwrap();
    let (st, cmd) = st.on_nonce(&ga_response(0x80, &z), &mut rng).unwrap();
    let map_data = ga_value(&cmd, 0x81);
    let sk_ic = ec::generate_private_key(curve, &mut rng).unwrap();
    let pk_ic = ec::public_key(curve, &sk_ic, None).unwrap();
    let ca = ec::generate_private_key(curve, &mut rng).unwrap();
    let (map_resp, generator) = match params.protocol.mapping {
        Mapping::Integrated => (
            ok(h("7C00")),
            ec::im_generator(curve, cipher, &s, &map_data).unwrap(),
        ),
        Mapping::Generic => {
            let sk = ec::generate_private_key(curve, &mut rng).unwrap();
            let hh = ec::ecdh_point(curve, &sk, &map_data).unwrap();
            (
                ga_response(0x82, &ec::public_key(curve, &sk, None).unwrap()),
                ec::gm_generator(curve, &s, &hh).unwrap(),
            )
        }
        Mapping::ChipAuthentication => {
            // SK_Map,IC = CA_IC · SK_IC: PK_Map,IC = CA_IC · PK_IC, H = CA_IC · (SK_IC · PK_Map,PCD).
            let pk_map = ec::ecdh_point(curve, &ca, &pk_ic).unwrap();
            let partial = ec::ecdh_point(curve, &sk_ic, &map_data).unwrap();
            let hh = ec::ecdh_point(curve, &ca, &partial).unwrap();
            (
                ga_response(0x82, &pk_map),
                ec::gm_generator(curve, &s, &hh).unwrap(),
            )
        }
    };
    let (st, cmd) = st.on_mapping(&map_resp, &mut rng).unwrap();
    assert_eq!(st.mapped_generator(), &generator[..]);
    let pk_pcd = ga_value(&cmd, 0x83);
    let sk_e = ec::generate_private_key(curve, &mut rng).unwrap();
    let pk_e = ec::public_key(curve, &sk_e, Some(&generator)).unwrap();
    let (st, cmd) = st.on_key_agreement(&ga_response(0x84, &pk_e)).unwrap();
    assert_eq!(cmd.cla, 0x00);
    let k = ec::ecdh_shared_x(curve, &sk_e, &pk_pcd).unwrap();
    assert_eq!(k.len(), curve.field_len());
    let ks_enc = crypto::kdf(&k, 1, cipher);
    let ks_mac = crypto::kdf(&k, 2, cipher);
    assert_eq!(
        ga_value(&cmd, 0x85),
        terminal::auth_token(&params.protocol, &ks_mac, &pk_e).unwrap()
    );
    let t_picc = terminal::auth_token(&params.protocol, &ks_mac, &pk_pcd).unwrap();
    let mut answer = monid_core::tlv::encode(0x86, &t_picc);
    if params.protocol.mapping == Mapping::ChipAuthentication {
        let iv = crypto::aes_ecb_encrypt_block(&ks_enc, &[0xFF; 16]).unwrap();
        let e = crypto::aes_cbc_encrypt(&ks_enc, &iv, &crypto::pad(&ca, 16)).unwrap();
        answer.extend(monid_core::tlv::encode(0x8A, &e));
    }
    let (mut sm, outcome) = st
        .finish(&ok(monid_core::tlv::encode(0x7C, &answer)))
        .unwrap();
    assert_eq!(sm.ssc(), &vec![0u8; cipher.block_len()][..]);
    assert_eq!(outcome.cipher(), cipher);
    assert_eq!(outcome.password, PasswordRef::Can);
    if params.protocol.mapping == Mapping::ChipAuthentication {
        assert!(outcome.verify_chip_authentication(&pk_ic).unwrap());
        let other = ec::public_key(curve, &sk_e, None).unwrap();
        assert!(!outcome.verify_chip_authentication(&other).unwrap());
    }
    // The session works with the same keys on the "chip" side.
    let mut chip =
        SecureMessaging::new(cipher, &ks_enc, &ks_mac, &vec![0u8; cipher.block_len()]).unwrap();
    let p = sm
        .protect(&Command::new(0, 0xB0, 0, 0).with_ne(4), false)
        .unwrap();
    assert!(
        chip.protect(&Command::new(0, 0xB0, 0, 0).with_ne(4), false)
            .unwrap()
            == p
    );
}

#[test]
fn simulated_chip_every_curve_and_suite() {
    for curve in EcCurve::ALL {
        for oid in [
            "04007F00070202040201", // ECDH-GM-3DES
            "04007F00070202040202", // ECDH-GM-AES-128
            "04007F00070202040203", // ECDH-GM-AES-192
            "04007F00070202040204", // ECDH-GM-AES-256
            "04007F00070202040401", // ECDH-IM-3DES
            "04007F00070202040402", // ECDH-IM-AES-128
            "04007F00070202040403", // ECDH-IM-AES-192
            "04007F00070202040404", // ECDH-IM-AES-256
            "04007F00070202040602", // ECDH-CAM-AES-128
            "04007F00070202040603", // ECDH-CAM-AES-192
            "04007F00070202040604", // ECDH-CAM-AES-256
        ] {
            simulated_run(curve, oid);
        }
    }
}

// ---------------------------------------------------------------- driver over a Channel

/// Replays a worked example's APDU pairs, checking each command byte for byte.
struct Replay {
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
    next: usize,
}

impl monid_core::Transport for Replay {
    fn transceive(&mut self, command: &[u8]) -> Result<Vec<u8>, monid_core::TransportError> {
        let (expected, answer) = self.pairs[self.next].clone();
        assert_eq!(hex::encode_upper(command), hex::encode_upper(expected));
        self.next += 1;
        Ok(answer)
    }
}

#[test]
fn run_drives_g1_over_a_channel() {
    let g = g1();
    let pairs = g["apdus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (h(p[0].as_str().unwrap()), h(p[1].as_str().unwrap())))
        .collect();
    let mut transport = Replay { pairs, next: 0 };
    let cancel = monid_core::CancelToken::default();
    let mut channel_rng = FixedRandom::new(vec![]);
    let mut channel =
        monid_core::channel::Channel::new(&mut transport, &cancel, &(), &mut channel_rng);
    let mut rng = g1_rng(&g);
    let (sm, outcome, sw) =
        terminal::run(&mut channel, &g1_key(&g), g1_params(&g), &mut rng).unwrap();
    assert_eq!(sw, StatusWord::SUCCESS);
    assert_eq!(sm.ssc(), &[0u8; 16]);
    assert_eq!(outcome.chip_ephemeral_public_key, v(&g, "eph_pk_picc"));
    drop(channel);
    assert_eq!(transport.next, 5);
}
