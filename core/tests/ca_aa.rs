//! Chip Authentication and Active Authentication against published values
//! (test-vectors/ca-aa/: BSI EAC worked example CA v2, ICAO 9303-11 Appendix F) and against
//! signatures made with OpenSSL / Python `cryptography` (test-vectors/ca-aa/make_aa_vectors.py).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::apdu::{Command, Response, StatusWord};
use monid_core::ca::{
    self, CaProtocol, CaStep, ChipAuthPublicKey, ChipAuthentication, KeyAgreement,
};
use monid_core::crypto::{self, SmCipher};
use monid_core::error::{ChipError, Error};
use monid_core::pki::ec::NamedCurve;
use monid_core::rand::FixedRandom;
use monid_core::sm::SecureMessaging;
use monid_core::tlv;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn load(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../test-vectors/ca-aa/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn field(v: &serde_json::Value, k: &str) -> Vec<u8> {
    h(v[k].as_str().unwrap())
}

fn ok(data: Vec<u8>) -> Response {
    Response {
        data,
        sw: StatusWord::SUCCESS,
    }
}

/// Two sessions are equal when they protect the same command identically (keys and SSC).
fn same_session(a: &mut SecureMessaging, b: &mut SecureMessaging) {
    let cmd = Command::new(0, 0xB0, 0, 0).with_ne(0x20);
    let cmd2 = Command::new(0, 0xD6, 0, 0).with_data(b"some data longer than a block".to_vec());
    assert_eq!(a.cipher(), b.cipher());
    assert_eq!(a.ssc(), b.ssc());
    assert_eq!(
        a.protect(&cmd, false).unwrap(),
        b.protect(&cmd, false).unwrap()
    );
    assert_eq!(
        a.protect(&cmd2, false).unwrap(),
        b.protect(&cmd2, false).unwrap()
    );
}

/// The terminal's ephemeral private key of the worked example without its leading 00.
fn pcd_scalar(v: &serde_json::Value) -> Vec<u8> {
    let k = field(v, "ca_pcd_priv_key");
    k[k.len() - 32..].to_vec()
}

/// id-PK-ECDH key on brainpoolP256r1 as standardized domain parameters (id 13).
fn bsi_chip_key(v: &serde_json::Value) -> ChipAuthPublicKey {
    let infos = ca::parse_security_infos(&field(v, "security_infos")).unwrap();
    ChipAuthPublicKey::from_info(&infos.public_keys[0]).unwrap()
}

#[test]
fn bsi_worked_example_ca_v2_value_by_value() {
    let v = load("bsi_eac_ca_v2.json");
    let infos = ca::parse_security_infos(&field(&v, "security_infos")).unwrap();
    assert_eq!(infos.public_keys.len(), 1);
    assert_eq!(infos.public_keys[0].oid, ca::ID_PK_ECDH);
    assert_eq!(infos.public_keys[0].key_id, Some(1));
    assert_eq!(infos.ca_infos.len(), 1);
    assert_eq!(infos.ca_infos[0].oid, v["ca_oid"].as_str().unwrap());
    assert_eq!(infos.ca_infos[0].version, 2);
    assert_eq!(infos.ca_infos[0].key_id, Some(1));
    assert!(infos.aa_info.is_none());

    let ca = ChipAuthentication::from_security_infos(&infos).unwrap();
    assert_eq!(
        ca.protocol(),
        CaProtocol {
            agreement: KeyAgreement::Ecdh,
            cipher: SmCipher::Aes128
        }
    );
    assert_eq!(ca.version(), 2);
    assert_eq!(ca.chip_key().curve(), NamedCurve::BrainpoolP256r1);
    assert_eq!(ca.chip_key().point(), field(&v, "ca_picc_pub_key"));

    let mut rng = FixedRandom::new(pcd_scalar(&v));
    let (awaiting, mse) = ca.start(&mut rng).unwrap();
    // MSE:Set AT: 80 OID, 84 keyId.
    assert_eq!(
        mse.encode(false).unwrap(),
        h("0022 41A4 0F 800A04007F00070202030202 840101"
            .replace(' ', "")
            .as_str())
    );
    let CaStep::Authenticate(awaiting, ga) = awaiting.on_mse(&ok(vec![])).unwrap() else {
        panic!("version 2 needs GENERAL AUTHENTICATE");
    };
    let mut expected = h("7C438041");
    expected.extend(field(&v, "ca_pcd_pub_key"));
    assert_eq!(ga.header(), [0x00, 0x86, 0x00, 0x00]);
    assert_eq!(ga.data, expected, "PK_PCD of the worked example");
    assert_eq!(ga.ne, Some(256));

    let mut resp = h("7C14");
    resp.extend(tlv::encode(0x81, &field(&v, "ca_nonce")));
    resp.extend(tlv::encode(0x82, &field(&v, "ca_picc_token")));
    let out = awaiting.finish(&ok(resp)).unwrap();

    // KS_enc / KS_mac of the worked example, SSC zero.
    let mut reference = SecureMessaging::new(
        SmCipher::Aes128,
        &field(&v, "ca_k_enc"),
        &field(&v, "ca_k_mac"),
        &[0; 16],
    )
    .unwrap();
    let mut sm = out.sm;
    same_session(&mut sm, &mut reference);

    let ev = out.evidence;
    assert_eq!(ev.protocol_oid, "0.4.0.127.0.7.2.2.3.2.2");
    assert_eq!(ev.version, 2);
    assert_eq!(ev.curve, NamedCurve::BrainpoolP256r1);
    assert_eq!(ev.key_id, Some(1));
    assert_eq!(
        ev.terminal_ephemeral_public_key,
        field(&v, "ca_pcd_pub_key")
    );
    assert_eq!(ev.r_picc.as_deref(), Some(&field(&v, "ca_nonce")[..]));
    assert_eq!(ev.t_picc.as_deref(), Some(&field(&v, "ca_picc_token")[..]));
    assert_eq!(
        ev.chip_public_key_spki,
        ca::ChipAuthPublicKey::from_info(&infos.public_keys[0])
            .unwrap()
            .spki()
    );
    let dbg = format!("{ev:?} {sm:?}");
    assert!(!dbg.contains("5A7A") && !dbg.contains("A44E"), "{dbg}");

    // The token input 7F49 {06 OID, 86 PK_PCD} MACed with the worked example's KS_mac.
    let input = ca::token_input(ev.protocol, &field(&v, "ca_pcd_pub_key")).unwrap();
    assert_eq!(
        crypto::aes_cmac8(&field(&v, "ca_k_mac"), &input).unwrap()[..],
        field(&v, "ca_picc_token")
    );
}

fn ga_v2(v: &serde_json::Value) -> ca::CaAwaitingGa {
    let ca = ChipAuthentication::new(
        CaProtocol::from_oid(v["ca_oid"].as_str().unwrap()).unwrap(),
        2,
        bsi_chip_key(v),
    )
    .unwrap();
    let mut rng = FixedRandom::new(pcd_scalar(v));
    let (awaiting, _) = ca.start(&mut rng).unwrap();
    match awaiting.on_mse(&ok(vec![])).unwrap() {
        CaStep::Authenticate(a, _) => a,
        CaStep::Done(_) => panic!(),
    }
}

#[test]
fn ca_v2_rejects_bad_tokens_statuses_and_shapes() {
    let v = load("bsi_eac_ca_v2.json");
    let nonce = field(&v, "ca_nonce");
    let token = field(&v, "ca_picc_token");
    let body = |n: &[u8], t: &[u8]| {
        let mut inner = tlv::encode(0x81, n);
        inner.extend(tlv::encode(0x82, t));
        tlv::encode(0x7C, &inner)
    };
    // Flipped token bit, flipped nonce bit: T_PICC does not verify.
    let mut bad_t = token.clone();
    bad_t[7] ^= 1;
    let mut bad_n = nonce.clone();
    bad_n[0] ^= 0x80;
    for data in [body(&nonce, &bad_t), body(&bad_n, &token)] {
        assert!(matches!(
            ga_v2(&v).finish(&ok(data)),
            Err(Error::Chip(ChipError::AuthenticationFailed))
        ));
    }
    // Malformed responses.
    for data in [
        vec![],
        h("7C00"),
        body(&nonce[..7], &token),
        body(&nonce, &token[..4]),
        {
            let mut b = body(&nonce, &token);
            b.push(0);
            b
        },
        {
            let mut inner = tlv::encode(0x82, &token);
            inner.extend(tlv::encode(0x81, &nonce));
            tlv::encode(0x7C, &inner)
        },
        h("7C058108000000"),
    ] {
        assert!(
            matches!(
                ga_v2(&v).finish(&ok(data.clone())),
                Err(Error::Chip(ChipError::MalformedResponse { .. }))
            ),
            "{data:02X?}"
        );
    }
    // Error statuses.
    let r = Response {
        data: body(&nonce, &token),
        sw: StatusWord(0x6A80),
    };
    assert!(matches!(
        ga_v2(&v).finish(&r),
        Err(Error::Chip(ChipError::UnexpectedStatus { .. }))
    ));
    let ca = ChipAuthentication::new(
        CaProtocol {
            agreement: KeyAgreement::Ecdh,
            cipher: SmCipher::Aes128,
        },
        2,
        bsi_chip_key(&v),
    )
    .unwrap();
    let (awaiting, _) = ca.start(&mut FixedRandom::new(pcd_scalar(&v))).unwrap();
    assert!(matches!(
        awaiting.on_mse(&Response {
            data: vec![],
            sw: StatusWord(0x6982)
        }),
        Err(Error::Chip(ChipError::UnexpectedStatus { .. }))
    ));
}

#[test]
fn ca_v1_3des_uses_mse_set_kat_and_keys_from_k() {
    let v = load("bsi_eac_ca_v2.json");
    let protocol = CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.2.1").unwrap();
    assert_eq!(protocol.cipher, SmCipher::Des3);
    let ca = ChipAuthentication::new(protocol, 1, bsi_chip_key(&v)).unwrap();
    let (awaiting, kat) = ca.start(&mut FixedRandom::new(pcd_scalar(&v))).unwrap();
    let mut expected = h("9141");
    expected.extend(field(&v, "ca_pcd_pub_key"));
    expected.extend(h("840101"));
    assert_eq!(kat.header(), [0x00, 0x22, 0x41, 0xA6]);
    assert_eq!(kat.data, expected);
    assert_eq!(kat.ne, None);
    let CaStep::Done(out) = awaiting.on_mse(&ok(vec![])).unwrap() else {
        panic!("MSE:Set KAT ends chip authentication");
    };
    // K is the worked example's shared secret (it does not depend on the version).
    let k = field(&v, "ca_shared_secret_k");
    let mut reference = SecureMessaging::new(
        SmCipher::Des3,
        &crypto::kdf(&k, 1, SmCipher::Des3),
        &crypto::kdf(&k, 2, SmCipher::Des3),
        &[0; 8],
    )
    .unwrap();
    let mut sm = out.sm;
    same_session(&mut sm, &mut reference);
    assert_eq!(out.evidence.r_picc, None);
    assert_eq!(out.evidence.t_picc, None);
}

#[test]
fn ca_v1_aes_uses_general_authenticate_and_keys_from_k() {
    let v = load("bsi_eac_ca_v2.json");
    let protocol = CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.2.4").unwrap();
    let ca = ChipAuthentication::new(protocol, 1, bsi_chip_key(&v)).unwrap();
    let (awaiting, mse) = ca.start(&mut FixedRandom::new(pcd_scalar(&v))).unwrap();
    assert_eq!(mse.data, h("800A04007F00070202030204840101"));
    let CaStep::Authenticate(awaiting, _) = awaiting.on_mse(&ok(vec![])).unwrap() else {
        panic!();
    };
    let out = awaiting.finish(&ok(h("7C00"))).unwrap();
    let k = field(&v, "ca_shared_secret_k");
    let mut reference = SecureMessaging::new(
        SmCipher::Aes256,
        &crypto::kdf(&k, 1, SmCipher::Aes256),
        &crypto::kdf(&k, 2, SmCipher::Aes256),
        &[0; 16],
    )
    .unwrap();
    let mut sm = out.sm;
    same_session(&mut sm, &mut reference);
}

/// SPKI `30 { 30 { 06 alg, params }, 03 00 point }`.
fn spki(alg: &str, params: &[u8], point: &[u8]) -> Vec<u8> {
    let mut a = tlv::encode(0x06, &monid_core::pki::oid::encode(alg).unwrap());
    a.extend_from_slice(params);
    let mut bits = vec![0];
    bits.extend_from_slice(point);
    let mut inner = tlv::encode(0x30, &a);
    inner.extend(tlv::encode(0x03, &bits));
    tlv::encode(0x30, &inner)
}

#[test]
fn chip_keys_in_every_encoding() {
    let v = load("bsi_eac_ca_v2.json");
    let point = field(&v, "ca_picc_pub_key");
    let bp256 = monid_core::pki::oid::encode(monid_core::pki::oid::BRAINPOOL_P256R1).unwrap();
    // id-ecPublicKey + namedCurve, id-PK-ECDH + INTEGER 13, compressed point.
    for key in [
        spki(
            monid_core::pki::oid::EC_PUBLIC_KEY,
            &tlv::encode(0x06, &bp256),
            &point,
        ),
        spki(ca::ID_PK_ECDH, &[2, 1, 13], &point),
        spki(ca::STANDARDIZED_DOMAIN_PARAMETERS, &[2, 1, 13], &{
            let mut c = vec![2 + (point[64] & 1)];
            c.extend_from_slice(&point[1..33]);
            c
        }),
    ] {
        let k = ChipAuthPublicKey::from_spki(&key, None).unwrap();
        assert_eq!(k.curve(), NamedCurve::BrainpoolP256r1);
        assert_eq!(k.point(), point);
    }
    // Explicit ECParameters of brainpoolP256r1 (RFC 5639), built here.
    let p = NamedCurve::BrainpoolP256r1.params();
    let int = |b: &[u8]| {
        let mut c = vec![0];
        c.extend_from_slice(b);
        tlv::encode(0x02, &c)
    };
    let mut field_id = tlv::encode(
        0x06,
        &monid_core::pki::oid::encode(monid_core::pki::oid::PRIME_FIELD).unwrap(),
    );
    field_id.extend(int(&p.p));
    let mut curve = tlv::encode(0x04, &p.a);
    curve.extend(tlv::encode(0x04, &p.b));
    let mut g = vec![4];
    g.extend(&p.gx);
    g.extend(&p.gy);
    let mut params = vec![2, 1, 1];
    params.extend(tlv::encode(0x30, &field_id));
    params.extend(tlv::encode(0x30, &curve));
    params.extend(tlv::encode(0x04, &g));
    params.extend(int(&p.n));
    params.extend([2, 1, 1]);
    let explicit = spki(
        monid_core::pki::oid::EC_PUBLIC_KEY,
        &tlv::encode(0x30, &params),
        &point,
    );
    let k = ChipAuthPublicKey::from_spki(&explicit, Some(7)).unwrap();
    assert_eq!(k.curve(), NamedCurve::BrainpoolP256r1);
    assert_eq!(k.key_id(), Some(7));

    // Off-curve point, DH, unsupported curves.
    let mut off = point.clone();
    off[64] ^= 1;
    assert!(matches!(
        ChipAuthPublicKey::from_spki(&spki(ca::ID_PK_ECDH, &[2, 1, 13], &off), None),
        Err(Error::Chip(_))
    ));
    for (alg, params) in [
        (ca::DH_PUBLIC_NUMBER, vec![0x30, 0]),
        (ca::STANDARDIZED_DOMAIN_PARAMETERS, vec![2, 1, 2]),
        (ca::STANDARDIZED_DOMAIN_PARAMETERS, vec![2, 1, 17]),
        (ca::STANDARDIZED_DOMAIN_PARAMETERS, vec![2, 1, 8]),
        (ca::STANDARDIZED_DOMAIN_PARAMETERS, vec![2, 1, 99]),
    ] {
        assert!(
            matches!(
                ChipAuthPublicKey::from_spki(&spki(alg, &params, &point), None),
                Err(Error::Unsupported(_))
            ),
            "{alg} {params:?}"
        );
    }
    let dh = CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.1.2").unwrap();
    assert_eq!(dh.agreement, KeyAgreement::Dh);
    let key =
        ChipAuthPublicKey::from_spki(&spki(ca::ID_PK_ECDH, &[2, 1, 13], &point), None).unwrap();
    assert!(matches!(
        ChipAuthentication::new(dh, 2, key.clone()),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        ChipAuthentication::new(
            CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.2.2").unwrap(),
            3,
            key
        ),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn ca_on_p256_agrees_with_the_chip_side() {
    use p256::elliptic_curve::point::AffineCoordinates;
    use p256::elliptic_curve::sec1::ToSec1Point;
    // The chip's static key, computed with the p256 crate from a fixed scalar; the terminal's
    // ephemeral scalar is injected. The chip side's K must equal the terminal's.
    let chip_sk = p256::SecretKey::from_slice(&[0x11; 32]).unwrap();
    let chip_pk = chip_sk.public_key().as_affine().to_sec1_point(false);
    let p256_oid = monid_core::pki::oid::encode(monid_core::pki::oid::P256).unwrap();
    let key = ChipAuthPublicKey::from_spki(
        &spki(
            monid_core::pki::oid::EC_PUBLIC_KEY,
            &tlv::encode(0x06, &p256_oid),
            chip_pk.as_bytes(),
        ),
        None,
    )
    .unwrap();
    let protocol = CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.2.3").unwrap();
    let ca = ChipAuthentication::new(protocol, 2, key).unwrap();
    let (awaiting, mse) = ca.start(&mut FixedRandom::new(vec![0x22; 32])).unwrap();
    assert_eq!(
        mse.data,
        h("800A04007F00070202030203"),
        "no keyId, no DO'84'"
    );
    let CaStep::Authenticate(awaiting, ga) = awaiting.on_mse(&ok(vec![])).unwrap() else {
        panic!();
    };
    let pk_pcd = &ga.data[4..];
    // Chip side.
    let pcd = p256::PublicKey::from_sec1_bytes(pk_pcd).unwrap();
    let shared = p256::AffinePoint::from(pcd.to_projective() * *chip_sk.to_nonzero_scalar());
    let r_picc = [0x5Au8; 8];
    let mut secret = shared.x().to_vec();
    secret.extend_from_slice(&r_picc);
    let k_mac = crypto::kdf(&secret, 2, SmCipher::Aes192);
    let t = crypto::aes_cmac8(&k_mac, &ca::token_input(protocol, pk_pcd).unwrap()).unwrap();
    let mut inner = tlv::encode(0x81, &r_picc);
    inner.extend(tlv::encode(0x82, &t));
    let out = awaiting.finish(&ok(tlv::encode(0x7C, &inner))).unwrap();
    let mut reference = SecureMessaging::new(
        SmCipher::Aes192,
        &crypto::kdf(&secret, 1, SmCipher::Aes192),
        &k_mac,
        &[0; 16],
    )
    .unwrap();
    let mut sm = out.sm;
    same_session(&mut sm, &mut reference);
}

#[test]
fn dg14_parsing_and_garbage() {
    let v = load("bsi_eac_ca_v2.json");
    let set = field(&v, "security_infos");
    let dg14 = tlv::encode(0x6E, &set);
    let a = ca::parse_dg14(&dg14).unwrap();
    assert_eq!(a, ca::parse_security_infos(&set).unwrap());
    // ActiveAuthenticationInfo with ecdsa-plain-SHA256.
    let mut aa = tlv::encode(0x06, &monid_core::pki::oid::encode(ca::ID_AA).unwrap());
    aa.extend([2, 1, 1]);
    aa.extend(tlv::encode(
        0x06,
        &monid_core::pki::oid::encode("0.4.0.127.0.7.1.1.4.1.3").unwrap(),
    ));
    let set2 = tlv::encode(0x31, &tlv::encode(0x30, &aa));
    let infos = ca::parse_security_infos(&set2).unwrap();
    assert_eq!(
        infos.aa_info.unwrap().signature_algorithm,
        "0.4.0.127.0.7.1.1.4.1.3"
    );
    // No ChipAuthenticationInfo: ICAO default 3DES version 1.
    let mut only_key = ca::parse_security_infos(&set).unwrap();
    only_key.ca_infos.clear();
    let ca = ChipAuthentication::from_security_infos(&only_key).unwrap();
    assert_eq!(ca.protocol().cipher, SmCipher::Des3);
    assert_eq!(ca.version(), 1);
    // No key at all.
    assert!(ChipAuthentication::from_security_infos(&ca::CaSecurityInfos::default()).is_err());
    // Wrong outer tags, truncation at every length, random bytes: errors, never panics.
    assert!(ca::parse_dg14(&set).is_err());
    assert!(ca::parse_security_infos(&dg14).is_err());
    for n in 0..dg14.len() {
        assert!(ca::parse_dg14(&dg14[..n]).is_err());
    }
    let mut x: u64 = 0x1234_5678_9ABC_DEF1;
    for i in 0..2000 {
        let mut d = dg14.clone();
        for _ in 0..(1 + i % 4) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let pos = (x as usize) % d.len();
            d[pos] = (x >> 32) as u8;
        }
        if let Ok(infos) = ca::parse_dg14(&d) {
            for k in &infos.public_keys {
                let _ = ChipAuthPublicKey::from_info(k);
            }
            let _ = ChipAuthentication::from_security_infos(&infos);
        }
    }
}
