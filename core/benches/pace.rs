//! CPU time of the terminal side of PACE per curve and mapping, of chip authentication and of
//! active authentication verification (issue 4, "Benchmark").
//!
//! PACE: for each mapping (GM, IM, CAM) and curve (P-256, P-384, P-521, brainpoolP256r1,
//! brainpoolP384r1), AES-128, the chip's four answers are computed once, outside the timing,
//! with the core's own primitives for a fixed terminal randomness; then each timed run is the
//! whole terminal typestate (`Pace::with_password` .. `finish`, K_π included) replaying that
//! randomness (`FixedRandom`), plus for CAM the check of the chip's static key
//! (`verify_chip_authentication`, with PK_IC = G, i.e. SK_IC = 1, so that CA_IC is the chip's
//! mapping key: the check costs one variable-base multiplication whatever the key). Every run
//! is checked to succeed. DH PACE is not in the terminal yet: its primitives are timed instead
//! (a key pair, i.e. one modexp `g^x` with a q-sized x; the shared secret, whose public-key
//! check `y^q = 1` is a second modexp; the generic mapping) for the
//! standardized groups 0 (1024/160) and 1 (2048/224).
//!
//! CA: the terminal side of chip authentication v2 with the BSI EAC worked example
//! (brainpoolP256r1): SecurityInfos parse, key choice, ephemeral key and ECDH, MSE, token check.
//! AA: `aa::verify` on the vectors of test-vectors/ca-aa/aa_vectors.json.
//!
//! ```text
//! cargo bench -p monid-core --bench pace                 # the tables (median of --iters runs)
//! cargo bench -p monid-core --bench pace -- --iters 20   # fewer runs
//! ```
//!
//! Figures and set-up: docs/benchmarks.md ("PACE, chip and active authentication").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use monid_core::aa;
use monid_core::apdu::{Command, Response};
use monid_core::ca::{self, CaStep, ChipAuthentication};
use monid_core::crypto;
use monid_core::pace::dh::DhGroup;
use monid_core::pace::ec;
use monid_core::pace::params::{EcCurve, Mapping, PaceParams, PasswordRef};
use monid_core::pace::terminal::{self, Pace};
use monid_core::rand::FixedRandom;
use monid_core::tlv;

fn vectors(rel: &str) -> serde_json::Value {
    let p = format!("{}/../test-vectors/{rel}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}")))
        .unwrap()
}

fn field(v: &serde_json::Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap_or_else(|| panic!("{key}"))).unwrap()
}

/// Median and fastest wall-clock time of `iters` calls of `f` (after one warm-up call).
fn timed<T>(iters: u32, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    black_box(f());
    let mut times: Vec<Duration> = (0..iters.max(1))
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[0])
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn ok(inner: Vec<u8>) -> Response {
    let mut r = tlv::encode(0x7C, &inner);
    r.extend([0x90, 0x00]);
    Response::parse(&r).unwrap()
}

fn dynamic(cmd: &Command, tag: u32) -> Vec<u8> {
    let outer = tlv::parse_single(&cmd.data, 0x7C).unwrap();
    tlv::Reader::new(outer.value)
        .find(tag)
        .unwrap()
        .unwrap()
        .value
        .to_vec()
}

/// A scalar of the curve's field length below the order on every curve.
fn scalar(len: usize, fill: u8) -> Vec<u8> {
    let mut k = vec![fill; len];
    k[0] = 0x01;
    k
}

/// One PACE configuration with the chip's answers for the fixed terminal randomness.
struct PaceCase {
    params: PaceParams,
    random: Vec<u8>,
    answers: [Response; 4],
    /// CAM: the chip's static public key.
    pk_ic: Option<Vec<u8>>,
}

const PASSWORD: &[u8] = b"123456";

fn pace_case(oid: &str, curve: EcCurve) -> PaceCase {
    let params =
        PaceParams::from_oid(&hex::decode(oid).unwrap(), curve.standardized_id(), false).unwrap();
    let (cipher, mapping) = (params.protocol.cipher, params.protocol.mapping);
    let field_len = curve.field_len();
    let random: Vec<u8> = [scalar(field_len, 0x11), scalar(field_len, 0x12)].concat();
    let mut rng = FixedRandom::new(random.clone());
    let (state, _) = Pace::with_password(params, PasswordRef::Can, PASSWORD).mse_set_at();
    let (state, _, _) = state
        .on_set_at(&Response::parse(&[0x90, 0x00]).unwrap())
        .unwrap();
    let s_len = if mapping == Mapping::Integrated {
        ec::im_block_len(cipher)
    } else {
        16
    };
    let s: Vec<u8> = (0..s_len as u8)
        .map(|i| i.wrapping_mul(37) ^ 0x5A)
        .collect();
    let k_pi = crypto::kdf(PASSWORD, 3, cipher);
    let z = crypto::aes_cbc_encrypt(&k_pi, &[0; 16], &s).unwrap();
    let nonce = ok(tlv::encode(0x80, &z));
    let (state, cmd) = state.on_nonce(&nonce, &mut rng).unwrap();
    let sk_map = scalar(field_len, 0x22);
    let (mapping_resp, generator) = if mapping == Mapping::Integrated {
        let t = dynamic(&cmd, 0x81);
        (
            ok(Vec::new()),
            ec::im_generator(curve, cipher, &s, &t).unwrap(),
        )
    } else {
        let pk = ec::public_key(curve, &sk_map, None).unwrap();
        let h = ec::ecdh_point(curve, &sk_map, &dynamic(&cmd, 0x81)).unwrap();
        (
            ok(tlv::encode(0x82, &pk)),
            ec::gm_generator(curve, &s, &h).unwrap(),
        )
    };
    let (state, cmd) = state.on_mapping(&mapping_resp, &mut rng).unwrap();
    let pk_pcd = dynamic(&cmd, 0x83);
    let sk = scalar(field_len, 0x33);
    let pk_picc = ec::public_key(curve, &sk, Some(&generator)).unwrap();
    let k = ec::ecdh_shared_x(curve, &sk, &pk_pcd).unwrap();
    let ks_enc = crypto::kdf(&k, 1, cipher);
    let ks_mac = crypto::kdf(&k, 2, cipher);
    let ka = ok(tlv::encode(0x84, &pk_picc));
    let (state, _) = state.on_key_agreement(&ka).unwrap();
    let mut inner = tlv::encode(
        0x86,
        &terminal::auth_token(&params.protocol, &ks_mac, &pk_pcd).unwrap(),
    );
    let pk_ic = (mapping == Mapping::ChipAuthentication).then(|| {
        // SK_IC = 1: PK_IC = G and CA_IC = SK_Map,PICC (PK_Map,PICC = CA_IC · PK_IC).
        let iv = crypto::aes_ecb_encrypt_block(&ks_enc, &[0xFF; 16]).unwrap();
        let a = crypto::aes_cbc_encrypt(&ks_enc, &iv, &crypto::pad(&sk_map, 16)).unwrap();
        inner.extend(tlv::encode(0x8A, &a));
        ec::public_key(curve, &scalar(1, 0x01), None).unwrap()
    });
    let token = ok(inner);
    state.finish(&token).unwrap();
    PaceCase {
        params,
        random,
        answers: [nonce, mapping_resp, ka, token],
        pk_ic,
    }
}

/// The terminal's whole PACE run against the precomputed answers.
fn run_pace(c: &PaceCase) -> bool {
    let mut rng = FixedRandom::new(c.random.clone());
    let (state, _) = Pace::with_password(c.params, PasswordRef::Can, PASSWORD).mse_set_at();
    let (state, _, _) = state
        .on_set_at(&Response::parse(&[0x90, 0x00]).unwrap())
        .unwrap();
    let (state, _) = state.on_nonce(&c.answers[0], &mut rng).unwrap();
    let (state, _) = state.on_mapping(&c.answers[1], &mut rng).unwrap();
    let (state, _) = state.on_key_agreement(&c.answers[2]).unwrap();
    let (_sm, outcome) = state.finish(&c.answers[3]).unwrap();
    match &c.pk_ic {
        Some(pk) => outcome.verify_chip_authentication(pk).unwrap(),
        None => true,
    }
}

const CURVES: [(EcCurve, &str); 5] = [
    (EcCurve::P256, "P-256"),
    (EcCurve::BrainpoolP256r1, "brainpoolP256r1"),
    (EcCurve::P384, "P-384"),
    (EcCurve::BrainpoolP384r1, "brainpoolP384r1"),
    (EcCurve::P521, "P-521"),
];

const MAPPINGS: [(&str, &str); 3] = [
    ("GM", "04007F00070202040202"),
    ("IM", "04007F00070202040402"),
    ("CAM", "04007F00070202040602"),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut iters: u32 = 50;
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--iters" {
            iters = args[i + 1].parse().expect("--iters N");
            i += 1;
        }
        i += 1;
    }

    // ---- PACE, terminal side.
    println!("PACE terminal side, AES-128, median (fastest) of {iters} runs, ms");
    println!();
    println!("| curve | GM | IM | CAM (incl. static key check) | one base-point multiplication |");
    println!("|---|---:|---:|---:|---:|");
    for (curve, name) in CURVES {
        let mut row = format!("| {name} |");
        for (_, oid) in MAPPINGS {
            let case = pace_case(oid, curve);
            assert!(run_pace(&case));
            let (med, min) = timed(iters, || run_pace(&case));
            row.push_str(&format!(" {} ({}) |", ms(med), ms(min)));
        }
        let k = scalar(curve.field_len(), 0x44);
        let (med, min) = timed(iters, || ec::public_key(curve, &k, None).unwrap());
        row.push_str(&format!(" {} ({}) |", ms(med), ms(min)));
        println!("{row}");
    }

    // ---- DH primitives (the DH terminal is not wired yet).
    println!();
    println!("DH PACE primitives, median (fastest) of {iters} runs, ms");
    println!();
    println!(
        "| group | key pair (g^x) | shared secret (y^q check + y^x) | generic mapping (h = y^x, then g^s·h) |"
    );
    println!("|---|---:|---:|---:|");
    for (id, name) in [(0u8, "1024/160 (id 0)"), (1, "2048/224 (id 1)")] {
        let group = DhGroup::standardized(id).unwrap();
        // Keys as the terminal draws them (q-sized exponents).
        let q_len = group.order_bits().div_ceil(8) as usize;
        let keypair = |fill: u8| group.generate_keypair(&mut FixedRandom::new(vec![fill; q_len]));
        let x = keypair(0x11).unwrap().private;
        let peer = keypair(0x23).unwrap().public;
        let s = [0x5Au8; 16];
        assert!(group.map_generic(&s, &x, &peer).is_ok());
        let (a, a_min) = timed(iters, || keypair(0x11).unwrap());
        let (b, b_min) = timed(iters, || group.shared_secret(&x, &peer).unwrap());
        let (c, c_min) = timed(iters, || group.map_generic(&s, &x, &peer).unwrap());
        println!(
            "| {name} | {} ({}) | {} ({}) | {} ({}) |",
            ms(a),
            ms(a_min),
            ms(b),
            ms(b_min),
            ms(c),
            ms(c_min)
        );
    }

    // ---- Chip authentication (BSI EAC worked example, CA v2, brainpoolP256r1).
    let v = vectors("ca-aa/bsi_eac_ca_v2.json");
    let set = field(&v, "security_infos");
    let k = field(&v, "ca_pcd_priv_key");
    let pcd = k[k.len() - 32..].to_vec();
    let mut ga = tlv::encode(0x81, &field(&v, "ca_nonce"));
    ga.extend(tlv::encode(0x82, &field(&v, "ca_picc_token")));
    let ga = ok(ga);
    let mse = Response::parse(&[0x90, 0x00]).unwrap();
    let run_ca = || {
        let infos = ca::parse_security_infos(&set).unwrap();
        let chip = ChipAuthentication::from_security_infos(&infos).unwrap();
        let mut rng = FixedRandom::new(pcd.clone());
        let (awaiting, _) = chip.start(&mut rng).unwrap();
        match awaiting.on_mse(&mse).unwrap() {
            CaStep::Authenticate(awaiting, _) => awaiting.finish(&ga).unwrap(),
            CaStep::Done(_) => panic!("CA v2 expected"),
        }
    };
    run_ca();
    let (ca_med, ca_min) = timed(iters, run_ca);

    // ---- Active authentication verification.
    let aa_v = vectors("ca-aa/aa_vectors.json");
    println!();
    println!("Chip and active authentication, terminal side, median (fastest) of {iters} runs, ms");
    println!();
    println!("| check | time |");
    println!("|---|---:|");
    println!(
        "| CA v2 brainpoolP256r1 (BSI worked example: parse, ECDH, token) | {} ({}) |",
        ms(ca_med),
        ms(ca_min)
    );
    for (key, label) in [
        (
            "rsa1024_appendix_f",
            "AA RSA-1024 ISO 9796-2 SHA-1 (ICAO Appendix F)",
        ),
        ("rsa2048_sha256", "AA RSA-2048 ISO 9796-2 SHA-256"),
        ("ecdsa_p256_sha256", "AA ECDSA P-256 SHA-256"),
        ("ecdsa_p384_sha384", "AA ECDSA P-384 SHA-384"),
    ] {
        let t = &aa_v[key];
        let spki = field(t, "spki");
        let challenge: [u8; 8] = field(t, "challenge").try_into().unwrap();
        let sig = field(t, "signature");
        aa::verify(&spki, &challenge, &sig, None).unwrap();
        let (med, min) = timed(iters, || aa::verify(&spki, &challenge, &sig, None).unwrap());
        println!("| {label} | {} ({}) |", ms(med), ms(min));
    }
}
