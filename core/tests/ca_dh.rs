//! Chip authentication with Diffie-Hellman (`ca`), value by value against the BSI EAC worked
//! example's DH case: the chip's key from its EF.CardSecurity (id-PK-DH, standardized group 0),
//! id-CA-DH-AES-CBC-CMAC-128 version 2, PK_PCD, K, r_PICC, T_PICC and the new session keys
//! (`test-vectors/pace-dh/dh_vectors.json` key `bsi_dh`, `card_access.json` key `dh`); plus DH
//! SubjectPublicKeyInfo forms (X9.42 dhpublicnumber with p, g, q) and bad keys.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::apdu::{Command, Response, StatusWord};
use monid_core::ca::{
    self, CaDomain, CaProtocol, CaStep, ChipAuthPublicKey, ChipAuthentication, KeyAgreement,
};
use monid_core::crypto::SmCipher;
use monid_core::error::{ChipError, Error};
use monid_core::pace::dh::DhGroup;
use monid_core::pki::oid;
use monid_core::rand::FixedRandom;
use monid_core::sm::SecureMessaging;
use monid_core::tlv;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/../test-vectors/pace-dh/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(v["source"].as_str().is_some_and(|s| s.contains("BSI")));
    v
}

fn f(v: &Value, k: &str) -> Vec<u8> {
    hex::decode(v[k].as_str().unwrap_or_else(|| panic!("{k}"))).unwrap()
}

fn ok(data: Vec<u8>) -> Response {
    Response {
        data,
        sw: StatusWord::SUCCESS,
    }
}

fn bsi() -> Value {
    load("dh_vectors.json")["bsi_dh"].clone()
}

/// The SecurityInfos signed in the DH case's EF.CardSecurity.
fn card_security_infos() -> ca::CaSecurityInfos {
    let cs = f(&load("card_access.json")["dh"], "ef_cardsecurity");
    let sd = monid_core::pki::cms::parse_signed_data(&cs).unwrap();
    ca::parse_security_infos(&sd.econtent).unwrap()
}

fn same_session(a: &mut SecureMessaging, b: &mut SecureMessaging) {
    let cmd = Command::new(0, 0xB0, 0, 0).with_ne(0x20);
    assert_eq!(a.ssc(), b.ssc());
    assert_eq!(
        a.protect(&cmd, false).unwrap(),
        b.protect(&cmd, false).unwrap()
    );
}

#[test]
fn bsi_worked_example_dh_ca_v2_value_by_value() {
    let v = bsi();
    let infos = card_security_infos();
    assert_eq!(infos.public_keys.len(), 1);
    assert_eq!(infos.public_keys[0].oid, ca::ID_PK_DH);
    assert_eq!(infos.ca_infos[0].oid, "0.4.0.127.0.7.2.2.3.1.2");
    let ca = ChipAuthentication::from_security_infos(&infos).unwrap();
    assert_eq!(
        ca.protocol(),
        CaProtocol {
            agreement: KeyAgreement::Dh,
            cipher: SmCipher::Aes128
        }
    );
    assert_eq!(ca.version(), 2);
    let key = ca.chip_key();
    assert_eq!(
        key.domain(),
        CaDomain::Dh {
            standardized_id: Some(0),
            modulus_bits: 1024
        }
    );
    assert_eq!(key.curve(), None);
    assert_eq!(key.point(), f(&v, "ca_picc_pub_key"));
    assert_eq!(key.key_id(), Some(1));

    // The worked example's terminal key is a full-length exponent: injected directly.
    let (awaiting, mse) = ca
        .start_with_dh_private_key(&f(&v, "ca_pcd_priv_key"))
        .unwrap();
    assert_eq!(
        mse.encode(false).unwrap(),
        hex::decode("002241A40F800A04007F00070202030102840101").unwrap()
    );
    let CaStep::Authenticate(awaiting, ga) = awaiting.on_mse(&ok(vec![])).unwrap() else {
        panic!("version 2 needs GENERAL AUTHENTICATE");
    };
    assert_eq!(
        ga.data,
        tlv::encode(0x7C, &tlv::encode(0x80, &f(&v, "ca_pcd_pub_key")))
    );
    // K = PK_PCD^x_chip = PK_chip^x_pcd (the primitive, both ways).
    let group = DhGroup::standardized(0).unwrap();
    let x_pcd = group
        .private_key_from_be_bytes(&f(&v, "ca_pcd_priv_key"))
        .unwrap();
    let x_picc = group
        .private_key_from_be_bytes(&f(&v, "ca_picc_priv_key"))
        .unwrap();
    let k = group
        .shared_secret(&x_pcd, &f(&v, "ca_picc_pub_key"))
        .unwrap();
    assert_eq!(*k, f(&v, "ca_shared_secret_k"));
    assert_eq!(
        *group
            .shared_secret(&x_picc, &f(&v, "ca_pcd_pub_key"))
            .unwrap(),
        f(&v, "ca_shared_secret_k")
    );

    let mut resp = tlv::encode(0x81, &f(&v, "ca_nonce"));
    resp.extend(tlv::encode(0x82, &f(&v, "ca_picc_token")));
    let out = awaiting.finish(&ok(tlv::encode(0x7C, &resp))).unwrap();
    let mut reference = SecureMessaging::new(
        SmCipher::Aes128,
        &f(&v, "ca_k_enc"),
        &f(&v, "ca_k_mac"),
        &[0; 16],
    )
    .unwrap();
    let mut sm = out.sm;
    same_session(&mut sm, &mut reference);
    let ev = out.evidence;
    assert_eq!(ev.protocol_oid, "0.4.0.127.0.7.2.2.3.1.2");
    assert_eq!(
        ev.domain,
        CaDomain::Dh {
            standardized_id: Some(0),
            modulus_bits: 1024
        }
    );
    assert_eq!(ev.domain.to_string(), "DH 1024-bit (standardized id 0)");
    assert_eq!(ev.terminal_ephemeral_public_key, f(&v, "ca_pcd_pub_key"));
    assert_eq!(ev.t_picc.as_deref(), Some(&f(&v, "ca_picc_token")[..]));
    assert_eq!(
        ca::token_input(
            CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.1.2").unwrap(),
            &[1]
        )
        .unwrap(),
        hex::decode("7F490F060A04007F0007020203010284 0101".replace(' ', "")).unwrap()
    );
}

#[test]
fn a_wrong_chip_token_fails() {
    let v = bsi();
    let ca = ChipAuthentication::from_security_infos(&card_security_infos()).unwrap();
    let (awaiting, _) = ca
        .start_with_dh_private_key(&f(&v, "ca_pcd_priv_key"))
        .unwrap();
    let CaStep::Authenticate(awaiting, _) = awaiting.on_mse(&ok(vec![])).unwrap() else {
        panic!()
    };
    let mut t = f(&v, "ca_picc_token");
    t[7] ^= 0x80;
    let mut resp = tlv::encode(0x81, &f(&v, "ca_nonce"));
    resp.extend(tlv::encode(0x82, &t));
    assert!(matches!(
        awaiting.finish(&ok(tlv::encode(0x7C, &resp))),
        Err(Error::Chip(ChipError::AuthenticationFailed))
    ));
}

fn der_int(v: &[u8]) -> Vec<u8> {
    let mut c = v.to_vec();
    if c[0] & 0x80 != 0 {
        c.insert(0, 0);
    }
    tlv::encode(0x02, &c)
}

/// `SEQUENCE { SEQUENCE { OID alg, params }, BIT STRING { 00, INTEGER y } }`.
fn dh_spki(alg: &str, params: &[u8], y: &[u8]) -> Vec<u8> {
    let mut a = tlv::encode(0x06, &oid::encode(alg).unwrap());
    a.extend_from_slice(params);
    let mut bits = vec![0];
    bits.extend(der_int(y));
    let mut s = tlv::encode(0x30, &a);
    s.extend(tlv::encode(0x03, &bits));
    tlv::encode(0x30, &s)
}

#[test]
fn dh_key_forms_and_a_random_run() {
    let group = DhGroup::standardized(1).unwrap();
    let mut rng = FixedRandom::new(vec![0x33; 28]);
    let chip = group.generate_keypair(&mut rng).unwrap();
    // X9.42 dhpublicnumber with explicit p, g, q.
    let mut params = der_int(&group.modulus());
    params.extend(der_int(&group.generator()));
    params.extend(der_int(&group.order()));
    let explicit = dh_spki(
        ca::DH_PUBLIC_NUMBER,
        &tlv::encode(0x30, &params),
        &chip.public,
    );
    let key = ChipAuthPublicKey::from_spki(&explicit, Some(3)).unwrap();
    assert_eq!(
        key.domain(),
        CaDomain::Dh {
            standardized_id: None,
            modulus_bits: 2048
        }
    );
    assert_eq!(key.point(), &chip.public[..]);
    // standardizedDomainParameters INTEGER 1.
    let std = dh_spki(ca::STANDARDIZED_DOMAIN_PARAMETERS, &[2, 1, 1], &chip.public);
    let key_std = ChipAuthPublicKey::from_spki(&std, None).unwrap();
    assert_eq!(key_std.point(), key.point());

    // A run with a drawn key (3DES, version 1: MSE:Set KAT) agrees with the chip's K.
    let proto = CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.1.1").unwrap();
    let ca = ChipAuthentication::new(proto, 1, key).unwrap();
    let mut rng = FixedRandom::new(vec![0x21; 28]);
    let (awaiting, mse) = ca.start(&mut rng).unwrap();
    assert_eq!(mse.header(), [0x00, 0x22, 0x41, 0xA6]);
    // 91 PK_PCD, then 84 keyId.
    let mut r = tlv::Reader::new(&mse.data);
    let obj = r.read().unwrap();
    assert_eq!(r.read().unwrap().value, [3]);
    assert_eq!(obj.tag, 0x91);
    let pk_pcd = obj.value.to_vec();
    assert_eq!(pk_pcd.len(), 256);
    let CaStep::Done(out) = awaiting.on_mse(&ok(vec![])).unwrap() else {
        panic!("KAT ends chip authentication")
    };
    let k = group.shared_secret(&chip.private, &pk_pcd).unwrap();
    let mut reference = SecureMessaging::new(
        SmCipher::Des3,
        &monid_core::crypto::kdf(&k, 1, SmCipher::Des3),
        &monid_core::crypto::kdf(&k, 2, SmCipher::Des3),
        &[0; 8],
    )
    .unwrap();
    let mut sm = out.sm;
    same_session(&mut sm, &mut reference);

    // Bad keys: y = 1, y not in the subgroup, PKCS #3 parameters without q, an EC protocol.
    for y in [vec![1u8], vec![2u8]] {
        assert!(matches!(
            ChipAuthPublicKey::from_spki(
                &dh_spki(ca::STANDARDIZED_DOMAIN_PARAMETERS, &[2, 1, 1], &y),
                None
            ),
            Err(Error::Chip(_))
        ));
    }
    let mut pg = der_int(&group.modulus());
    pg.extend(der_int(&group.generator()));
    assert!(matches!(
        ChipAuthPublicKey::from_spki(
            &dh_spki(ca::DH_PUBLIC_NUMBER, &tlv::encode(0x30, &pg), &chip.public),
            None
        ),
        Err(Error::Chip(_))
    ));
    let key = ChipAuthPublicKey::from_spki(&std, None).unwrap();
    assert!(matches!(
        ChipAuthentication::new(
            CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.2.2").unwrap(),
            2,
            key
        ),
        Err(Error::InvalidInput(_))
    ));
}
