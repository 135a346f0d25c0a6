//! SecurityInfos parsing and PACE choice: the BSI EAC worked example's EF.CardAccess and
//! EF.CardSecurity (DH and ECDH cases, from `test-vectors/pace-dh/card_access.json`), the ICAO
//! 9303-11 appendix PACE OIDs, hand-built variants, malformed input and a mutation loop.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::crypto::SmCipher;
use monid_core::pace::info::{
    self, CaProtocol, DomainParameters, InfoError, KeyAgreement, Mapping, PaceChoice, PaceProtocol,
    PaceSupport, SecurityInfo, StandardizedParameters,
};
use monid_core::pki::oid;
use monid_core::tlv;
use serde_json::Value;

fn load() -> Value {
    let path = format!(
        "{}/../test-vectors/pace-dh/card_access.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v["source"].as_str().is_some_and(|s| !s.is_empty()));
    v
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn oid_tlv(dotted: &str) -> Vec<u8> {
    tlv::encode(0x06, &oid::encode(dotted).unwrap())
}

fn int_tlv(v: u64) -> Vec<u8> {
    let mut b: Vec<u8> = v.to_be_bytes().to_vec();
    while b.len() > 1 && b[0] == 0 && b[1] & 0x80 == 0 {
        b.remove(0);
    }
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    tlv::encode(0x02, &b)
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv::encode(0x30, &parts.concat())
}

fn set(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv::encode(0x31, &parts.concat())
}

fn pace_info(oid: &str, version: u64, pid: Option<u64>) -> Vec<u8> {
    let mut parts = vec![oid_tlv(oid), int_tlv(version)];
    if let Some(p) = pid {
        parts.push(int_tlv(p));
    }
    seq(&parts)
}

fn std_alg(id: u64) -> Vec<u8> {
    seq(&[oid_tlv(info::STANDARDIZED_DOMAIN_PARAMETERS), int_tlv(id)])
}

const AES128: &str = ".2";

#[test]
fn protocol_oids_round_trip() {
    let mut count = 0;
    for (km, ka, m) in [
        (1, KeyAgreement::Dh, Mapping::Generic),
        (2, KeyAgreement::Ecdh, Mapping::Generic),
        (3, KeyAgreement::Dh, Mapping::Integrated),
        (4, KeyAgreement::Ecdh, Mapping::Integrated),
        (6, KeyAgreement::Ecdh, Mapping::ChipAuthentication),
    ] {
        for (c, cipher) in [
            (1, SmCipher::Des3),
            (2, SmCipher::Aes128),
            (3, SmCipher::Aes192),
            (4, SmCipher::Aes256),
        ] {
            let dotted = format!("0.4.0.127.0.7.2.2.4.{km}.{c}");
            let p = PaceProtocol::from_oid(&dotted).unwrap();
            assert_eq!(
                p,
                PaceProtocol {
                    key_agreement: ka,
                    mapping: m,
                    cipher
                }
            );
            assert_eq!(p.oid(), dotted);
            assert_eq!(p.oid_bytes(), oid::encode(&dotted).unwrap());
            count += 1;
        }
    }
    assert_eq!(count, 20);
    for bad in [
        "0.4.0.127.0.7.2.2.4.5.2",
        "0.4.0.127.0.7.2.2.4.2.5",
        "0.4.0.127.0.7.2.2.4.2",
        "0.4.0.127.0.7.2.2.4.2.2.1",
        "0.4.0.127.0.7.2.2.4",
        "0.4.0.127.0.7.2.2.40.2.2",
        "0.4.0.127.0.7.2.2.3.2.2",
    ] {
        assert_eq!(PaceProtocol::from_oid(bad), None, "{bad}");
    }
    let ca = CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.2.4").unwrap();
    assert_eq!(ca.key_agreement, KeyAgreement::Ecdh);
    assert_eq!(ca.cipher, SmCipher::Aes256);
    assert_eq!(ca.oid(), "0.4.0.127.0.7.2.2.3.2.4");
    assert_eq!(CaProtocol::from_oid("0.4.0.127.0.7.2.2.3.3.1"), None);

    // The OIDs of the ICAO 9303-11 appendix examples.
    let v = load();
    let o = &v["icao_oids"];
    let dec = |k: &str| PaceProtocol::from_oid(&oid::to_string(&hx(&o[k])).unwrap()).unwrap();
    assert_eq!(dec("G2").key_agreement, KeyAgreement::Dh);
    assert_eq!(dec("G2").mapping, Mapping::Generic);
    assert_eq!(dec("H2").mapping, Mapping::Integrated);
    assert_eq!(dec("H1").key_agreement, KeyAgreement::Ecdh);
    assert_eq!(dec("I").mapping, Mapping::ChipAuthentication);
    assert_eq!(dec("G1").cipher, SmCipher::Aes128);
}

#[test]
fn standardized_parameter_ids() {
    let known: Vec<u8> = (0u8..=40)
        .filter(|i| StandardizedParameters::from_id(*i).is_some())
        .collect();
    assert_eq!(known, [0, 1, 2, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    for id in known {
        let p = StandardizedParameters::from_id(id).unwrap();
        assert_eq!(p.id(), id);
        assert_eq!(p.key_agreement() == KeyAgreement::Dh, id <= 2);
        assert_eq!(p.curve_oid().is_none(), id <= 2);
    }
    assert_eq!(
        StandardizedParameters::from_id(13),
        Some(StandardizedParameters::BrainpoolP256r1)
    );
    assert_eq!(
        StandardizedParameters::NistP256.curve_oid(),
        Some(oid::P256)
    );
    assert_eq!(StandardizedParameters::from_id(255), None);
}

#[test]
fn bsi_worked_example_dh_card_access() {
    let v = load();
    let infos = info::parse_card_access(&hx(&v["dh"]["ef_cardaccess"])).unwrap();
    assert_eq!(infos.len(), 6);
    assert!(matches!(&infos[0], SecurityInfo::TerminalAuthentication(t) if t.version == 2));
    assert_eq!(
        infos[1],
        SecurityInfo::ChipAuthentication(info::ChipAuthenticationInfo {
            protocol: CaProtocol {
                key_agreement: KeyAgreement::Dh,
                cipher: SmCipher::Aes128
            },
            version: 2,
            key_id: Some(1),
        })
    );
    assert_eq!(
        infos[2],
        SecurityInfo::Pace(info::PaceInfo {
            protocol: PaceProtocol {
                key_agreement: KeyAgreement::Dh,
                mapping: Mapping::Generic,
                cipher: SmCipher::Aes128
            },
            version: 2,
            parameter_id: Some(0),
        })
    );
    assert_eq!(
        infos[3],
        SecurityInfo::ChipAuthenticationDomainParameters(
            info::ChipAuthenticationDomainParameterInfo {
                key_agreement: KeyAgreement::Dh,
                domain_parameters: DomainParameters::Standardized(
                    StandardizedParameters::Modp1024_160
                ),
                key_id: Some(1),
            }
        )
    );
    assert!(matches!(&infos[4], SecurityInfo::Unknown { oid, .. } if oid == "0.4.0.127.0.7.2.2.6"));
    let SecurityInfo::PrivilegedTerminal(pt) = &infos[5] else {
        panic!("privileged terminal info expected");
    };
    assert_eq!(pt.len(), 2);
    assert!(matches!(&pt[0], SecurityInfo::ChipAuthentication(c) if c.key_id == Some(2)));

    let choices = info::choose(&infos);
    assert_eq!(
        choices,
        [PaceChoice {
            protocol: PaceProtocol {
                key_agreement: KeyAgreement::Dh,
                mapping: Mapping::Generic,
                cipher: SmCipher::Aes128
            },
            parameters: StandardizedParameters::Modp1024_160,
            version: 2,
            parameter_id: Some(0),
            mse_parameter_id: None,
        }]
    );
    assert_eq!(
        v["dh"]["params"]["pace_oid"],
        "id-PACE-DH-GM-AES-CBC-CMAC-128"
    );
}

#[test]
fn bsi_worked_example_ecdh_card_access() {
    let v = load();
    let infos = info::parse_card_access(&hx(&v["ecdh"]["ef_cardaccess"])).unwrap();
    let choices = info::choose(&infos);
    assert_eq!(choices.len(), 1);
    assert_eq!(
        choices[0].protocol,
        PaceProtocol::from_oid(&format!("{}.2{AES128}", info::ID_PACE)).unwrap()
    );
    assert_eq!(
        choices[0].parameters,
        StandardizedParameters::BrainpoolP256r1
    );
    assert_eq!(choices[0].parameter_id, Some(13));
}

#[test]
fn bsi_worked_example_card_security() {
    let v = load();
    for (case, ka, pid) in [
        ("dh", KeyAgreement::Dh, StandardizedParameters::Modp1024_160),
        (
            "ecdh",
            KeyAgreement::Ecdh,
            StandardizedParameters::BrainpoolP256r1,
        ),
    ] {
        let infos = info::parse_card_security(&hx(&v[case]["ef_cardsecurity"])).unwrap();
        let pk: Vec<_> = infos
            .iter()
            .filter_map(|i| match i {
                SecurityInfo::ChipAuthenticationPublicKey(k) => Some(k),
                _ => None,
            })
            .collect();
        assert_eq!(pk.len(), 1, "{case}");
        assert_eq!(pk[0].key_agreement, ka);
        assert_eq!(pk[0].domain_parameters, DomainParameters::Standardized(pid));
        assert_eq!(pk[0].key_id, Some(1));
        assert_eq!(pk[0].public_key, hx(&v[case]["ca_picc_pub_key"]), "{case}");
        // The restricted-identification infos are kept as unknown.
        assert!(infos.iter().any(
            |i| matches!(i, SecurityInfo::Unknown { oid, .. } if oid.starts_with("0.4.0.127.0.7.2.2.5"))
        ));
        // Its PACE options are those of EF.CardAccess.
        let ca = info::parse_card_access(&hx(&v[case]["ef_cardaccess"])).unwrap();
        assert_eq!(info::choose(&infos), info::choose(&ca));
        // As DG14 (6E wrapper) the same SET parses the same.
        let sd = monid_core::pki::cms::parse_signed_data(&hx(&v[case]["ef_cardsecurity"]))
            .unwrap()
            .econtent;
        let dg14 = tlv::encode(0x6E, &sd);
        assert_eq!(info::parse_dg14(&dg14).unwrap(), infos);
        // EF.CardAccess bytes are not a SignedData.
        assert!(info::parse_card_security(&hx(&v[case]["ef_cardaccess"])).is_err());
    }
}

#[test]
fn choice_ranking_and_parameter_ids() {
    let p = info::ID_PACE;
    let infos_der = set(&[
        pace_info(&format!("{p}.1.2"), 2, Some(0)), // DH-GM AES-128, 1024
        pace_info(&format!("{p}.2.2"), 2, Some(13)), // ECDH-GM AES-128, bp256
        pace_info(&format!("{p}.2.4"), 2, Some(13)), // ECDH-GM AES-256, bp256
        pace_info(&format!("{p}.2.2"), 2, Some(15)), // ECDH-GM AES-128, P-384
        pace_info(&format!("{p}.6.2"), 2, Some(12)), // ECDH-CAM AES-128, P-256
        pace_info(&format!("{p}.3.2"), 2, Some(2)), // DH-IM AES-128, 2048/256
        pace_info(&format!("{p}.3.4"), 2, Some(2)), // DH-IM AES-256: unsupported (unverified)
        pace_info(&format!("{p}.1.2"), 2, Some(1)), // DH-GM AES-128, 2048/224
        pace_info(&format!("{p}.2.2"), 2, Some(14)), // bp320: unsupported curve
        pace_info(&format!("{p}.2.2"), 2, Some(5)), // reserved id
        pace_info(&format!("{p}.2.2"), 1, Some(12)), // version 1
        pace_info(&format!("{p}.1.2"), 2, Some(12)), // DH protocol with a curve
        pace_info(&format!("{p}.4.2"), 2, Some(12)), // ECDH-IM: off by default
        pace_info(&format!("{p}.2.2"), 2, Some(40)), // proprietary, resolved below
        seq(&[oid_tlv(&format!("{p}.2")), std_alg(16), int_tlv(40)]),
        pace_info(&format!("{p}.2.2"), 2, Some(41)), // proprietary, explicit params
        seq(&[
            oid_tlv(&format!("{p}.2")),
            seq(&[oid_tlv(oid::EC_PUBLIC_KEY), seq(&[int_tlv(1)])]),
            int_tlv(41),
        ]),
        seq(&[oid_tlv("1.2.3.4"), int_tlv(1)]), // unknown protocol
    ]);
    let infos = info::parse_card_access(&infos_der).unwrap();
    assert_eq!(infos.len(), 18);
    assert!(
        matches!(&infos[17], SecurityInfo::Unknown { oid, raw } if oid == "1.2.3.4" && raw.len() == 10)
    );
    let got: Vec<(u8, StandardizedParameters, SmCipher, Option<u64>)> = info::choose(&infos)
        .iter()
        .map(|c| {
            (
                match c.protocol.mapping {
                    Mapping::ChipAuthentication => 2,
                    Mapping::Generic => 1,
                    Mapping::Integrated => 0,
                },
                c.parameters,
                c.protocol.cipher,
                c.mse_parameter_id,
            )
        })
        .collect();
    use StandardizedParameters::*;
    assert_eq!(
        got,
        [
            (2, NistP256, SmCipher::Aes128, Some(12)),
            // Same strength and cipher: the card's order.
            (1, NistP384, SmCipher::Aes128, Some(15)),
            (1, BrainpoolP384r1, SmCipher::Aes128, Some(40)),
            (1, BrainpoolP256r1, SmCipher::Aes256, Some(13)),
            (1, BrainpoolP256r1, SmCipher::Aes128, Some(13)),
            (1, Modp2048_224, SmCipher::Aes128, Some(1)),
            (1, Modp1024_160, SmCipher::Aes128, Some(0)),
            (0, Modp2048_256, SmCipher::Aes128, Some(2)),
        ]
    );
    // With ECDH-IM enabled it appears after the GM options.
    let all = PaceSupport {
        ecdh_im: true,
        ..PaceSupport::default()
    };
    let with_im = info::choose_with(&infos, &all);
    assert_eq!(with_im.len(), 9);
    assert_eq!(with_im[7].protocol.mapping, Mapping::Integrated);
    assert_eq!(with_im[7].parameters, NistP256);
    // Nothing supported: empty, not an error.
    let none = PaceSupport {
        ecdh_gm: false,
        ecdh_im: false,
        ecdh_cam: false,
        dh_gm: false,
        dh_im: false,
    };
    assert!(info::choose_with(&infos, &none).is_empty());
    assert!(info::choose(&[]).is_empty());
}

#[test]
fn pace_info_without_parameter_id_uses_domain_parameter_info() {
    let p = info::ID_PACE;
    let der = set(&[
        pace_info(&format!("{p}.2.2"), 2, None),
        seq(&[oid_tlv(&format!("{p}.2")), std_alg(12)]),
    ]);
    let infos = info::parse_card_access(&der).unwrap();
    let c = info::choose(&infos);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].parameters, StandardizedParameters::NistP256);
    assert_eq!(c[0].parameter_id, None);
    assert_eq!(c[0].mse_parameter_id, None);
    // Without any domain parameter info the PACEInfo cannot be resolved.
    let der = set(&[pace_info(&format!("{p}.2.2"), 2, None)]);
    assert!(info::choose(&info::parse_card_access(&der).unwrap()).is_empty());
}

#[test]
fn active_and_terminal_authentication_infos() {
    let der = set(&[
        seq(&[
            oid_tlv(info::ID_AA),
            int_tlv(1),
            oid_tlv("0.4.0.127.0.7.1.1.4.1.3"),
        ]),
        seq(&[oid_tlv(info::ID_AA), oid_tlv("1.2.3")]), // malformed: kept as unknown
        seq(&[oid_tlv(info::ID_TA), int_tlv(1)]),
    ]);
    let infos = info::parse_card_access(&der).unwrap();
    assert_eq!(
        infos[0],
        SecurityInfo::ActiveAuthentication(info::ActiveAuthenticationInfo {
            version: 1,
            signature_algorithm: Some("0.4.0.127.0.7.1.1.4.1.3".into()),
        })
    );
    assert!(matches!(&infos[1], SecurityInfo::Unknown { oid, .. } if oid == info::ID_AA));
    assert!(
        matches!(&infos[2], SecurityInfo::TerminalAuthentication(t) if t.version == 1 && t.ef_cvca.is_none())
    );
}

#[test]
fn malformed_inputs_give_typed_errors() {
    let p = info::ID_PACE;
    let good = set(&[pace_info(&format!("{p}.2.2"), 2, Some(13))]);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![], "empty"),
        (vec![0x31], "truncated header"),
        (vec![0x31, 0x05, 0x30], "truncated content"),
        (
            seq(&[pace_info(&format!("{p}.2.2"), 2, None)]),
            "SEQUENCE not SET",
        ),
        (set(&[int_tlv(1)]), "entry not a SEQUENCE"),
        (set(&[seq(&[int_tlv(1)])]), "no OID"),
        (set(&[seq(&[tlv::encode(0x06, &[0x80])])]), "bad OID"),
        (
            set(&[seq(&[oid_tlv(&format!("{p}.2.2"))])]),
            "PACEInfo without version",
        ),
        (
            set(&[seq(&[
                oid_tlv(&format!("{p}.2.2")),
                tlv::encode(0x02, &[0xFF]),
            ])]),
            "negative version",
        ),
        (
            set(&[seq(&[
                oid_tlv(&format!("{p}.2.2")),
                tlv::encode(0x02, &[1; 9]),
            ])]),
            "huge version",
        ),
        (
            set(&[seq(&[oid_tlv(&format!("{p}.2.2")), tlv::encode(0x02, &[])])]),
            "empty INTEGER",
        ),
        (
            set(&[seq(&[oid_tlv(&format!("{p}.2")), int_tlv(3)])]),
            "domain parameter info without AlgorithmIdentifier",
        ),
        (
            set(&[seq(&[
                oid_tlv(&format!("{p}.2")),
                seq(&[oid_tlv(info::STANDARDIZED_DOMAIN_PARAMETERS)]),
            ])]),
            "standardized without id",
        ),
        (
            set(&[seq(&[
                oid_tlv(&format!("{}.1", info::ID_PK)),
                seq(&[std_alg(0), tlv::encode(0x03, &[0x00, 0x04, 0x01])]),
            ])]),
            "DH key not an INTEGER",
        ),
        (
            set(&[seq(&[
                oid_tlv(&format!("{}.2", info::ID_PK)),
                seq(&[std_alg(13), tlv::encode(0x03, &[0x00])]),
            ])]),
            "empty EC key",
        ),
        (
            set(&[seq(&[
                oid_tlv(&format!("{}.2", info::ID_PK)),
                seq(&[std_alg(13), tlv::encode(0x03, &[0x03, 0x04])]),
            ])]),
            "BIT STRING with unused bits",
        ),
        (
            set(&[seq(&[oid_tlv(info::ID_PRIVILEGED_TERMINAL), int_tlv(1)])]),
            "privileged terminal without SET",
        ),
        ([good.clone(), vec![0x01]].concat(), "trailing garbage"),
    ];
    for (der, what) in cases {
        let r = info::parse_card_access(&der);
        assert!(r.is_err(), "{what}: {r:?}");
        // Converts to the crate error as a chip fault.
        let e: monid_core::Error = r.unwrap_err().into();
        assert_eq!(e.kind(), monid_core::ErrorKind::ChipMisbehaved, "{what}");
    }
    // Padding after the SET is tolerated.
    assert!(info::parse_card_access(&[good.clone(), vec![0; 10]].concat()).is_ok());
    assert!(info::parse_card_access(&[good.clone(), vec![0xFF; 3]].concat()).is_ok());
    // Too many entries.
    let many = set(&vec![seq(&[oid_tlv("1.2.3")]); 300]);
    assert_eq!(info::parse_card_access(&many), Err(InfoError::TooMany));
    // Unknown standardized id stays visible.
    let der = set(&[seq(&[oid_tlv(&format!("{p}.2")), std_alg(77), int_tlv(33)])]);
    let infos = info::parse_card_access(&der).unwrap();
    assert!(matches!(
        &infos[0],
        SecurityInfo::PaceDomainParameters(d)
            if d.domain_parameters == DomainParameters::UnknownStandardized(77)
    ));
    // Nested privileged terminal infos are not followed further.
    let nested = set(&[seq(&[
        oid_tlv(info::ID_PRIVILEGED_TERMINAL),
        set(&[seq(&[oid_tlv(info::ID_PRIVILEGED_TERMINAL), set(&[])])]),
    ])]);
    let infos = info::parse_card_access(&nested).unwrap();
    assert!(
        matches!(&infos[0], SecurityInfo::PrivilegedTerminal(v) if matches!(&v[0], SecurityInfo::Unknown { .. }))
    );
    // DG14 wrapper errors.
    assert!(info::parse_dg14(&good).is_err());
    assert!(info::parse_dg14(&[0x6E, 0x00]).is_err());
}

/// Mutates the worked example's files a few thousand times: every outcome must be a value or
/// a typed error, never a panic.
#[test]
fn mutation_loop_never_panics() {
    let v = load();
    let seeds = [
        hx(&v["dh"]["ef_cardaccess"]),
        hx(&v["ecdh"]["ef_cardaccess"]),
        hx(&v["dh"]["ef_cardsecurity"]),
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut ok = 0usize;
    for round in 0..3000usize {
        let seed = &seeds[round % seeds.len()];
        let mut m = seed.clone();
        for _ in 0..(1 + next() % 4) {
            let len = m.len().max(1);
            let pos = (next() as usize) % len;
            match next() % 6 {
                0 if !m.is_empty() => m[pos] ^= 1 << (next() % 8),
                1 if !m.is_empty() => m[pos] = next() as u8,
                2 => m.truncate(pos),
                3 => m.insert(pos.min(m.len()), next() as u8),
                4 if !m.is_empty() => {
                    m.remove(pos);
                }
                _ if !m.is_empty() => m[pos] = [0x00, 0x80, 0x81, 0x84, 0xFF][next() as usize % 5],
                _ => {}
            }
        }
        let r1 = info::parse_card_access(&m);
        if let Ok(infos) = &r1 {
            ok += 1;
            let _ = info::choose(infos);
        }
        if round % seeds.len() == 2 {
            let _ = info::parse_card_security(&m);
        }
        let _ = info::parse_dg14(&tlv::encode(0x6E, &m));
    }
    // Some mutations (inside strings, URLs) leave the structure valid.
    assert!(ok > 0);
}
