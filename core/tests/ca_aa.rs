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
    assert_eq!(ca.chip_key().curve(), Some(NamedCurve::BrainpoolP256r1));
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
    assert_eq!(ev.domain, ca::CaDomain::Ec(NamedCurve::BrainpoolP256r1));
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
    let _ = out;
    let ca = ChipAuthentication::new(protocol, 1, bsi_chip_key(&v)).unwrap();
    let (awaiting, _) = ca.start(&mut FixedRandom::new(pcd_scalar(&v))).unwrap();
    let CaStep::Authenticate(awaiting, _) = awaiting.on_mse(&ok(vec![])).unwrap() else {
        panic!();
    };
    let out = awaiting.finish(&ok(vec![])).unwrap();
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
        assert_eq!(k.curve(), Some(NamedCurve::BrainpoolP256r1));
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
    assert_eq!(k.curve(), Some(NamedCurve::BrainpoolP256r1));
    assert_eq!(k.key_id(), Some(7));

    // Off-curve point, DH, unsupported curves.
    let mut off = point.clone();
    off[64] ^= 1;
    assert!(matches!(
        ChipAuthPublicKey::from_spki(&spki(ca::ID_PK_ECDH, &[2, 1, 13], &off), None),
        Err(Error::Chip(_))
    ));
    // DH algorithms with an EC point (or empty DH parameters): malformed DH keys.
    for (alg, params) in [
        (ca::DH_PUBLIC_NUMBER, vec![0x30, 0]),
        (ca::STANDARDIZED_DOMAIN_PARAMETERS, vec![2, 1, 2]),
        (ca::ID_PK_DH, vec![2, 1, 0]),
    ] {
        assert!(
            matches!(
                ChipAuthPublicKey::from_spki(&spki(alg, &params, &point), None),
                Err(Error::Chip(_))
            ),
            "{alg} {params:?}"
        );
    }
    for (alg, params) in [
        (ca::ID_PK_DH, vec![2, 1, 3]),
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
        Err(Error::InvalidInput(_))
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

// ---------------------------------------------------------------------------------------------
// Active Authentication
// ---------------------------------------------------------------------------------------------

use monid_core::aa::{self, AaAlgorithm, AaError, ActiveAuthentication};
use monid_core::pki::alg::DigestAlgorithm;

fn challenge_of(v: &serde_json::Value) -> [u8; 8] {
    field(v, "challenge").try_into().unwrap()
}

#[test]
fn icao_appendix_f_representative() {
    let v = load("icao9303_appendix_f.json");
    let f = field(&v, "F_recovered");
    let m2 = field(&v, "M2_rnd_ifd");
    // The published split: 6A || M1 || D || BC.
    assert_eq!(f[0], 0x6A);
    assert_eq!(&f[1..f.len() - 21], &field(&v, "M1")[..]);
    assert_eq!(
        &f[f.len() - 21..f.len() - 1],
        &field(&v, "D_sha1_M1_M2")[..]
    );
    assert_eq!(
        aa::verify_iso9796_2_representative(&f, &m2),
        Ok(DigestAlgorithm::Sha1)
    );
    let mut wrong = m2.clone();
    wrong[7] ^= 1;
    assert_eq!(
        aa::verify_iso9796_2_representative(&f, &wrong),
        Err(AaError::BadSignature)
    );
    let mut flipped = f.clone();
    flipped[40] ^= 0x10;
    assert_eq!(
        aa::verify_iso9796_2_representative(&flipped, &m2),
        Err(AaError::BadSignature)
    );
}

#[test]
fn rsa_appendix_f_end_to_end() {
    let v = load("aa_vectors.json");
    let t = &v["rsa1024_appendix_f"];
    let spki = field(t, "spki");
    let challenge = challenge_of(t);
    let auth = ActiveAuthentication::with_challenge(&spki, None, challenge);
    assert_eq!(
        auth.command().encode(false).unwrap(),
        [&[0x00, 0x88, 0x00, 0x00, 0x08][..], &challenge, &[0x00]].concat()
    );
    let ev = auth.finish(&ok(field(t, "signature"))).unwrap();
    assert_eq!(
        ev.algorithm,
        AaAlgorithm::RsaIso9796_2 {
            hash: DigestAlgorithm::Sha1
        }
    );
    assert_eq!(ev.challenge, challenge);
    assert_eq!(ev.public_key_spki, spki);
    aa::verify_evidence(&ev).unwrap();
    let dbg = format!("{ev:?}");
    assert!(!dbg.contains(&t["signature"].as_str().unwrap()[..16]));

    // Tampered evidence: challenge, signature byte, recorded hash, key type.
    let mut e = ev.clone();
    e.challenge[0] ^= 1;
    assert_eq!(aa::verify_evidence(&e), Err(AaError::BadSignature));
    let mut e = ev.clone();
    let last = e.signature.len() - 1;
    e.signature[last] ^= 1;
    assert!(aa::verify_evidence(&e).is_err());
    let mut e = ev.clone();
    e.algorithm = AaAlgorithm::RsaIso9796_2 {
        hash: DigestAlgorithm::Sha256,
    };
    assert_eq!(aa::verify_evidence(&e), Err(AaError::BadSignature));
    let mut e = ev.clone();
    e.algorithm = AaAlgorithm::EcdsaPlain {
        hash: DigestAlgorithm::Sha1,
    };
    assert!(matches!(
        aa::verify_evidence(&e),
        Err(AaError::UnsupportedKey(_))
    ));
    // Error status.
    let auth = ActiveAuthentication::with_challenge(&spki, None, challenge);
    assert_eq!(
        auth.finish(&Response {
            data: vec![],
            sw: StatusWord(0x6982)
        }),
        Err(AaError::Status(StatusWord(0x6982)))
    );
}

#[test]
fn rsa_explicit_trailers() {
    let v = load("aa_vectors.json");
    let spki = field(&v["rsa2048_sha256"], "spki");
    for (name, hash) in [
        ("rsa2048_sha256", DigestAlgorithm::Sha256),
        ("rsa2048_sha1_explicit", DigestAlgorithm::Sha1),
    ] {
        let t = &v[name];
        let ev = aa::verify(&spki, &challenge_of(t), &field(t, "signature"), None).unwrap();
        assert_eq!(ev.algorithm, AaAlgorithm::RsaIso9796_2 { hash }, "{name}");
        aa::verify_evidence(&ev).unwrap();
        let mut c = challenge_of(t);
        c[3] ^= 0x40;
        assert_eq!(
            aa::verify(&spki, &c, &field(t, "signature"), None),
            Err(AaError::BadSignature),
            "{name}"
        );
    }
    // The recovered representative of the SHA-256 signature is the one the script built.
    let t = &v["rsa2048_sha256"];
    let f = field(t, "F");
    assert_eq!(&f[f.len() - 2..], &[0x34, 0xCC]);
    assert_eq!(
        aa::verify_iso9796_2_representative(&f, &challenge_of(t)),
        Ok(DigestAlgorithm::Sha256)
    );
    // Trailer 37CC (a hash this module does not accept).
    let t = &v["rsa2048_unknown_trailer"];
    assert!(matches!(
        aa::verify(&spki, &challenge_of(t), &field(t, "signature"), None),
        Err(AaError::Malformed(_))
    ));
}

#[test]
fn rsa_negative_cases_never_panic() {
    let v = load("aa_vectors.json");
    let t = &v["rsa2048_sha256"];
    let spki = field(t, "spki");
    let c = challenge_of(t);
    let sig = field(t, "signature");
    // Flipped byte anywhere: header, trailer or digest mismatch, never accepted.
    for i in [0, 1, 100, 200, 255] {
        let mut s = sig.clone();
        s[i] ^= 0x01;
        assert!(aa::verify(&spki, &c, &s, None).is_err(), "byte {i}");
    }
    // Wrong lengths, zero, the modulus itself, all-FF (above the modulus), garbage.
    for s in [
        vec![],
        vec![0],
        sig[1..].to_vec(),
        [&sig[..], &[0]].concat(),
        vec![0xFF; 256],
        vec![0x00; 256],
        (0..=255u8).collect(),
    ] {
        assert!(aa::verify(&spki, &c, &s, None).is_err(), "{}", s.len());
    }
    // Modulus too small.
    let t = &v["rsa512_too_small"];
    assert!(matches!(
        aa::verify(
            &field(t, "spki"),
            &challenge_of(t),
            &field(t, "signature"),
            None
        ),
        Err(AaError::UnsupportedKey(_))
    ));
    // Garbage keys.
    for k in [
        vec![],
        vec![0x30, 0x00],
        spki[..50].to_vec(),
        vec![0x30; 300],
    ] {
        assert!(matches!(
            aa::verify(&k, &c, &sig, None),
            Err(AaError::UnsupportedKey(_))
        ));
    }
    // Random signatures of the right length: no panic, never accepted.
    let mut x: u64 = 0xDEAD_BEEF_1234_5678;
    for _ in 0..20 {
        let s: Vec<u8> = (0..256)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert!(aa::verify(&spki, &c, &s, None).is_err());
    }
}

#[test]
fn ecdsa_plain_signatures() {
    let v = load("aa_vectors.json");
    for (name, hash, oid) in [
        (
            "ecdsa_p256_sha256",
            DigestAlgorithm::Sha256,
            "0.4.0.127.0.7.1.1.4.1.3",
        ),
        (
            "ecdsa_p384_sha384",
            DigestAlgorithm::Sha384,
            "1.2.840.10045.4.3.3",
        ),
    ] {
        let t = &v[name];
        let spki = field(t, "spki");
        let c = challenge_of(t);
        let sig = field(t, "signature");
        let info = ca::ActiveAuthenticationInfo {
            version: 1,
            signature_algorithm: oid.into(),
        };
        // Named by ActiveAuthenticationInfo, and by the curve-size default.
        for aa_info in [Some(&info), None] {
            let ev = aa::verify(&spki, &c, &sig, aa_info).unwrap();
            assert_eq!(ev.algorithm, AaAlgorithm::EcdsaPlain { hash });
            aa::verify_evidence(&ev).unwrap();
        }
        // Through the state object and a protected-looking response.
        let auth = ActiveAuthentication::with_challenge(&spki, Some(info.clone()), c);
        assert!(auth.finish(&ok(sig.clone())).is_ok());
        // A hash other than the signer's does not verify.
        let sha1 = ca::ActiveAuthenticationInfo {
            version: 1,
            signature_algorithm: "0.4.0.127.0.7.1.1.4.1.1".into(),
        };
        assert_eq!(
            aa::verify(&spki, &c, &sig, Some(&sha1)),
            Err(AaError::BadSignature)
        );
        let unknown = ca::ActiveAuthenticationInfo {
            version: 1,
            signature_algorithm: "1.2.3.4".into(),
        };
        assert_eq!(
            aa::verify(&spki, &c, &sig, Some(&unknown)),
            Err(AaError::UnsupportedAlgorithm("1.2.3.4".into()))
        );
        // Wrong challenge, flipped bytes, wrong length, DER instead of plain.
        let mut wc = c;
        wc[0] ^= 0x80;
        assert_eq!(
            aa::verify(&spki, &wc, &sig, None),
            Err(AaError::BadSignature)
        );
        for i in [0, sig.len() / 2, sig.len() - 1] {
            let mut s = sig.clone();
            s[i] ^= 4;
            assert_eq!(aa::verify(&spki, &c, &s, None), Err(AaError::BadSignature));
        }
        assert!(aa::verify(&spki, &c, &sig[1..], None).is_err());
        assert!(aa::verify(&spki, &c, &[0x30, 0x06, 2, 1, 1, 2, 1, 1], None).is_err());
        assert!(aa::verify(&spki, &c, &vec![0; sig.len()], None).is_err());
        // The evidence cannot be re-labelled as RSA.
        let mut ev = aa::verify(&spki, &c, &sig, None).unwrap();
        ev.algorithm = AaAlgorithm::RsaIso9796_2 { hash };
        assert!(aa::verify_evidence(&ev).is_err());
    }
}

#[test]
fn challenge_from_rng() {
    let mut rng = FixedRandom::new(vec![9, 8, 7, 6, 5, 4, 3, 2]);
    let auth = ActiveAuthentication::new(&[], None, &mut rng).unwrap();
    assert_eq!(auth.challenge(), &[9, 8, 7, 6, 5, 4, 3, 2]);
    assert!(aa::challenge(&mut rng).is_err(), "exhausted source");
    // A key that cannot be read fails at verification, not at construction.
    assert!(matches!(
        auth.finish(&ok(vec![1; 8])),
        Err(AaError::UnsupportedKey(_))
    ));
}
