//! Writes the `pace_terminal` seeds of the scenarios without a worked example (every curve,
//! mapping and cipher the terminal supports): the chip's side of a complete PACE run, computed
//! with monid-core's curve and cipher primitives against the terminal typestate driven exactly
//! as the target drives it, so that each seed runs PACE to the end. (The worked-example seeds
//! come from `make_seeds.py`.) Run after changing a scenario:
//!
//! ```text
//! cargo test --manifest-path fuzz/Cargo.toml --no-default-features --test make_pace_seeds -- --ignored
//! ```
//!
//! Without `--ignored` it checks that the committed seeds still complete their handshake.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use monid_core::apdu::{Command, Response};
use monid_core::crypto::{self, SmCipher};
use monid_core::pace::ec;
use monid_core::pace::params::{Mapping, PaceParams, PasswordRef};
use monid_core::pace::terminal::{self, Pace};
use monid_core::rand::FixedRandom;
use monid_core::tlv;
use monid_fuzz::targets::{PACE_SCENARIOS, PaceScenario};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn part(out: &mut Vec<u8>, p: &[u8]) {
    out.extend((p.len() as u16).to_be_bytes());
    out.extend(p);
}

fn ok(inner: Vec<u8>) -> Vec<u8> {
    let mut r = tlv::encode(0x7C, &inner);
    r.extend([0x90, 0x00]);
    r
}

fn resp(raw: &[u8]) -> Response {
    Response::parse(raw).unwrap()
}

/// The value of DO `tag` inside the 7C of a GENERAL AUTHENTICATE command.
fn dynamic(cmd: &Command, tag: u32) -> Vec<u8> {
    let outer = tlv::parse_single(&cmd.data, 0x7C).unwrap();
    tlv::Reader::new(outer.value)
        .find(tag)
        .unwrap()
        .unwrap()
        .value
        .to_vec()
}

/// A chip scalar of the curve's field length, below the order on every curve.
fn chip_scalar(len: usize, fill: u8) -> Vec<u8> {
    let mut k = vec![fill; len];
    k[0] = 0x01;
    k
}

/// The chip's answers for `sc`, checked by running the terminal to the end.
fn seed(index: usize, sc: &PaceScenario) -> Vec<u8> {
    let params = PaceParams::from_oid(&hex(sc.oid), sc.parameter_id, false).unwrap();
    let (curve, cipher, mapping) = (
        params.curve().unwrap(),
        params.protocol.cipher,
        params.protocol.mapping,
    );
    let pi = hex(sc.password);
    let password = match sc.password_ref {
        1 => PasswordRef::Mrz,
        2 => PasswordRef::Can,
        _ => PasswordRef::Pin,
    };
    let mut rng = FixedRandom::new(hex(sc.random));
    let (state, _) = Pace::with_password(params, password, &pi).mse_set_at();
    let (state, _, _) = state.on_set_at(&resp(&[0x90, 0x00])).unwrap();

    // Nonce: s, one IM block or 16 bytes, encrypted with K_pi (CBC, zero IV).
    let s_len = if mapping == Mapping::Integrated {
        ec::im_block_len(cipher)
    } else {
        16
    };
    let s: Vec<u8> = (0..s_len as u8)
        .map(|i| i.wrapping_mul(37) ^ 0x5A)
        .collect();
    let k_pi = crypto::kdf(&pi, 3, cipher);
    let z = match cipher {
        SmCipher::Des3 => crypto::des3_cbc_encrypt(&k_pi, &s).unwrap(),
        _ => crypto::aes_cbc_encrypt(&k_pi, &[0; 16], &s).unwrap(),
    };
    let nonce = ok(tlv::encode(0x80, &z));
    let (state, cmd) = state.on_nonce(&resp(&nonce), &mut rng).unwrap();

    // Mapping: GM/CAM, the chip's mapping key and G' = s·G + H; IM, G' = f(R(s, t)).
    let field = curve.field_len();
    let (mapping_resp, generator) = if mapping == Mapping::Integrated {
        let t = dynamic(&cmd, 0x81);
        (
            ok(Vec::new()),
            ec::im_generator(curve, cipher, &s, &t).unwrap(),
        )
    } else {
        let pk_map_pcd = dynamic(&cmd, 0x81);
        let sk = chip_scalar(field, 0x22);
        let pk = ec::public_key(curve, &sk, None).unwrap();
        let h = ec::ecdh_point(curve, &sk, &pk_map_pcd).unwrap();
        (
            ok(tlv::encode(0x82, &pk)),
            ec::gm_generator(curve, &s, &h).unwrap(),
        )
    };
    let (state, cmd) = state.on_mapping(&resp(&mapping_resp), &mut rng).unwrap();
    assert_eq!(state.mapped_generator(), generator.as_slice());

    // Key agreement and tokens.
    let pk_pcd = dynamic(&cmd, 0x83);
    let sk = chip_scalar(field, 0x33);
    let pk_picc = ec::public_key(curve, &sk, Some(&generator)).unwrap();
    let k = ec::ecdh_shared_x(curve, &sk, &pk_pcd).unwrap();
    let ks_enc = crypto::kdf(&k, 1, cipher);
    let ks_mac = crypto::kdf(&k, 2, cipher);
    let ka = ok(tlv::encode(0x84, &pk_picc));
    let (state, _) = state.on_key_agreement(&resp(&ka)).unwrap();
    let t_picc = terminal::auth_token(&params.protocol, &ks_mac, &pk_pcd).unwrap();
    let mut inner = tlv::encode(0x86, &t_picc);
    if mapping == Mapping::ChipAuthentication {
        // Encrypted chip authentication data (not a real CA_IC: no static key here).
        let iv = crypto::aes_ecb_encrypt_block(&ks_enc, &[0xFF; 16]).unwrap();
        let a = crypto::aes_cbc_encrypt(&ks_enc, &iv, &crypto::pad(&[0x44; 20], 16)).unwrap();
        inner.extend(tlv::encode(0x8A, &a));
    }
    let token = ok(inner);
    state.finish(&resp(&token)).unwrap();

    let mut out = vec![u8::try_from(index).unwrap()];
    for p in [&nonce, &mapping_resp, &ka, &token] {
        part(&mut out, p);
    }
    out
}

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/pace_terminal")
}

/// Scenarios 0-3 are worked examples (seeds from make_seeds.py).
const FIRST_SYNTHETIC: usize = 4;

#[test]
#[ignore = "writes seeds"]
fn write_pace_terminal_seeds() {
    std::fs::create_dir_all(dir()).unwrap();
    for (i, sc) in PACE_SCENARIOS.iter().enumerate().skip(FIRST_SYNTHETIC) {
        std::fs::write(dir().join(sc.name), seed(i, sc)).unwrap();
    }
}

#[test]
fn committed_seeds_complete_the_handshake() {
    for (i, sc) in PACE_SCENARIOS.iter().enumerate().skip(FIRST_SYNTHETIC) {
        let committed = std::fs::read(dir().join(sc.name)).unwrap();
        assert_eq!(committed, seed(i, sc), "{}: re-run with --ignored", sc.name);
    }
}

/// Every `pace_terminal` seed (worked examples included) runs PACE to the end in the target, and
/// the BSI chip authentication seed runs CA to the end in `dg14`.
#[test]
fn seeds_reach_the_end_of_the_protocol() {
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        assert!(
            monid_fuzz::targets::pace_terminal_completes(&data),
            "{}",
            path.display()
        );
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ca = std::fs::read(root.join("seeds/dg14/bsi_ca_v2")).unwrap();
    assert!(monid_fuzz::targets::dg14_completes(&ca));
    let bad = std::fs::read(root.join("seeds/dg14/bsi_ca_v2_wrong_token")).unwrap();
    assert!(!monid_fuzz::targets::dg14_completes(&bad));
}
