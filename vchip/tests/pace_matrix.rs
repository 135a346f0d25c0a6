//! The virtual CNIE read end to end by the core's reader with PACE-CAN on every combination of
//! curve, mapping and cipher the chip supports (5 curves x {GM, IM} x {3DES, AES-128/192/256} +
//! 5 curves x CAM x AES-128/192/256 = 55), then chip authentication, active authentication and
//! passive authentication with the test PKI; and a wrong CAN for each mapping.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::access::AccessKey;
use monid_core::crypto::SmCipher;
use monid_core::document::{ChipGenuine, Document};
use monid_core::lds::FileId;
use monid_core::pace::params::{EcCurve, Mapping};
use monid_core::pki::Timestamp;
use monid_core::pki::pa::Verdict;
use monid_core::pki::trust::TrustStore;
use monid_core::reader::{AccessProtocol, DocumentReader, FileSelection, ReadOptions};
use monid_vchip::{Curve, PaceCipher, PaceConfig, PaceMapping, Profile, VirtualChip};

fn pki(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../test-vectors/pki/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn store() -> TrustStore {
    let mut s = TrustStore::new();
    for c in ["csca-uto-old", "csca-ma", "link-uto-new-by-old"] {
        s.add_der(&pki(&format!("certs/{c}.der")));
    }
    for c in ["csca-uto-old", "csca-uto-new", "csca-ma"] {
        s.add_crl(&pki(&format!("crl/{c}.crl")));
    }
    s
}

fn now() -> Timestamp {
    Timestamp::from_utc(2026, 11, 25, 12, 0, 0).unwrap()
}

fn core_curve(c: Curve) -> EcCurve {
    match c {
        Curve::P256 => EcCurve::P256,
        Curve::P384 => EcCurve::P384,
        Curve::P521 => EcCurve::P521,
        Curve::BrainpoolP256r1 => EcCurve::BrainpoolP256r1,
        Curve::BrainpoolP384r1 => EcCurve::BrainpoolP384r1,
    }
}

fn core_mapping(m: PaceMapping) -> Mapping {
    match m {
        PaceMapping::Generic => Mapping::Generic,
        PaceMapping::Integrated => Mapping::Integrated,
        PaceMapping::ChipAuthentication => Mapping::ChipAuthentication,
    }
}

fn core_cipher(c: PaceCipher) -> SmCipher {
    match c {
        PaceCipher::Tdes => SmCipher::Des3,
        PaceCipher::Aes128 => SmCipher::Aes128,
        PaceCipher::Aes192 => SmCipher::Aes192,
        PaceCipher::Aes256 => SmCipher::Aes256,
    }
}

fn protocol_name(cfg: PaceConfig) -> String {
    let m = match cfg.mapping {
        PaceMapping::Generic => "GM",
        PaceMapping::Integrated => "IM",
        PaceMapping::ChipAuthentication => "CAM",
    };
    let c = match cfg.cipher {
        PaceCipher::Tdes => "3DES-CBC-CBC",
        PaceCipher::Aes128 => "AES-CBC-CMAC-128",
        PaceCipher::Aes192 => "AES-CBC-CMAC-192",
        PaceCipher::Aes256 => "AES-CBC-CMAC-256",
    };
    format!("id-PACE-ECDH-{m}-{c}")
}

/// Small files only (DG2 is 32 KB and adds nothing to a PACE test): DG1, DG14, DG15, EF.SOD.
fn options() -> ReadOptions {
    ReadOptions {
        files: FileSelection::Only(vec![FileId::Dg1, FileId::Dg14, FileId::Dg15, FileId::Sod]),
        ..ReadOptions::default()
    }
}

fn read_one(cfg: PaceConfig) {
    let profile = Profile::cnie_td1().with_pace(cfg);
    let mut chip = VirtualChip::new(profile.clone());
    let key = AccessKey::can(profile.can()).unwrap();
    let raw = DocumentReader::new(key, options())
        .read(&mut chip, &())
        .unwrap_or_else(|e| panic!("{cfg:?}: {e}"));
    assert_eq!(raw.link.protocol, AccessProtocol::Pace, "{cfg:?}");
    let pace = raw.link.pace.unwrap();
    assert_eq!(pace.cipher, core_cipher(cfg.cipher), "{cfg:?}");
    assert_eq!(pace.protocol, protocol_name(cfg), "{cfg:?}");
    assert_eq!(pace.mapping, core_mapping(cfg.mapping), "{cfg:?}");
    assert_eq!(pace.domain.curve(), Some(core_curve(cfg.curve)), "{cfg:?}");
    assert_eq!(
        raw.file(FileId::Dg1),
        chip.file(monid_vchip::fid_dg(1)),
        "{cfg:?}"
    );
    let ca = raw.chip.chip_authentication.clone().unwrap().unwrap();
    assert_eq!(ca.version, 2);
    monid_core::aa::verify_evidence(&raw.chip.active_authentication.clone().unwrap().unwrap())
        .unwrap();
    assert_eq!(raw.chip.chip_authentication_key_from, Some(FileId::Dg14));
    if cfg.mapping == PaceMapping::ChipAuthentication {
        let cam = raw.chip.pace_cam.clone().unwrap().unwrap();
        let (key_id, public) = profile.cam_public_key(cfg.curve).unwrap();
        assert_eq!(cam.key_id, Some(u64::from(key_id)), "{cfg:?}");
        assert_eq!(cam.chip_public_key, public, "{cfg:?}");
        assert_eq!(cam.curve, core_curve(cfg.curve));
        assert_eq!(cam.protocol, pace.protocol);
        assert!(cam.recheck().unwrap(), "{cfg:?}");
        assert_eq!(raw.file(FileId::CardSecurity), profile.card_security());
    } else {
        assert!(raw.chip.pace_cam.is_none(), "{cfg:?}");
        // DG14 was read: EF.CardSecurity is not needed.
        assert!(raw.file(FileId::CardSecurity).is_none(), "{cfg:?}");
    }
    let mut doc = Document::from_raw(raw);
    let report = doc.verify(&store(), now()).clone();
    assert_eq!(report.verdict(), Verdict::Valid, "{cfg:?}: {report:#?}");
    if cfg.mapping == PaceMapping::ChipAuthentication {
        let cs = doc.card_security_pa.as_ref().unwrap();
        assert_eq!(cs.verdict(), Verdict::Valid, "{cfg:?}: {cs:#?}");
    } else {
        assert!(doc.card_security_pa.is_none());
    }
    assert_eq!(
        doc.chip_genuine(),
        ChipGenuine::Proven {
            by: "chip authentication"
        },
        "{cfg:?}"
    );
}

/// Reads with chip and active authentication off, so that only PACE-CAM can prove the chip.
fn read_cam_only(profile: Profile) -> Document {
    let mut chip = VirtualChip::new(profile.clone());
    let key = AccessKey::can(profile.can()).unwrap();
    let options = ReadOptions {
        chip_authentication: false,
        active_authentication: false,
        ..options()
    };
    let raw = DocumentReader::new(key, options)
        .read(&mut chip, &())
        .unwrap();
    assert!(raw.chip.chip_authentication.is_none());
    let mut doc = Document::from_raw(raw);
    assert_eq!(doc.verify(&store(), now()).verdict(), Verdict::Valid);
    doc
}

fn cam(curve: Curve) -> PaceConfig {
    PaceConfig::new(curve, PaceMapping::ChipAuthentication, PaceCipher::Aes128).unwrap()
}

#[test]
fn pace_cam_alone_proves_the_chip_with_a_signed_card_security() {
    let doc = read_cam_only(Profile::cnie_td1().with_pace(cam(Curve::P256)));
    assert!(doc.raw.chip.pace_cam.clone().unwrap().is_ok());
    assert_eq!(
        doc.card_security_pa.as_ref().unwrap().verdict(),
        Verdict::Valid
    );
    assert_eq!(
        doc.chip_genuine(),
        ChipGenuine::Proven {
            by: "PACE chip authentication mapping"
        }
    );
}

#[test]
fn pace_cam_with_a_forged_card_security_is_not_genuine() {
    // A cloned chip with its own CAM key, and an EF.CardSecurity whose P-256 key was replaced
    // by the clone's: the CAM proof holds for the forged key, the issuer's signature does not.
    let genuine = Profile::cnie_td1();
    let (_, real_pk) = genuine.cam_public_key(Curve::P256).unwrap();
    let clone = genuine
        .clone()
        .with_cam_key(Curve::P256, &[0x11; 32])
        .unwrap();
    let (_, fake_pk) = clone.cam_public_key(Curve::P256).unwrap();
    let mut forged = genuine.card_security().unwrap().to_vec();
    let at = forged
        .windows(real_pk.len())
        .position(|w| w == real_pk.as_slice())
        .unwrap();
    forged[at..at + real_pk.len()].copy_from_slice(&fake_pk);
    let doc = read_cam_only(clone.with_card_security(forged).with_pace(cam(Curve::P256)));
    let ev = doc.raw.chip.pace_cam.clone().unwrap().unwrap();
    assert_eq!(ev.chip_public_key, fake_pk);
    assert_eq!(
        doc.card_security_pa.as_ref().unwrap().verdict(),
        Verdict::Invalid
    );
    let ChipGenuine::NotProven(why) = doc.chip_genuine() else {
        panic!("a forged EF.CardSecurity must not prove the chip");
    };
    assert!(why.contains("PACE-CAM passed but EF.CardSecurity"), "{why}");

    // The genuine content signed by a document signer outside the PKI: not genuine either.
    let rogue = pki("card-security/cnie_td1.rogue.cardsecurity");
    let doc = read_cam_only(
        Profile::cnie_td1()
            .with_card_security(rogue)
            .with_pace(cam(Curve::BrainpoolP384r1)),
    );
    assert!(doc.raw.chip.pace_cam.clone().unwrap().is_ok());
    assert_ne!(
        doc.card_security_pa.as_ref().unwrap().verdict(),
        Verdict::Valid
    );
    assert!(matches!(doc.chip_genuine(), ChipGenuine::NotProven(_)));
}

#[test]
fn pace_cam_with_a_key_that_is_not_the_chips_fails() {
    // The chip's CAM key differs from the one EF.CardSecurity publishes (signature intact).
    let profile = Profile::cnie_td1()
        .with_cam_key(Curve::P384, &[0x22; 48])
        .unwrap()
        .with_pace(cam(Curve::P384));
    let doc = read_cam_only(profile);
    let err = doc.raw.chip.pace_cam.clone().unwrap().unwrap_err();
    assert!(err.contains("does not match"), "{err}");
    assert!(matches!(doc.chip_genuine(), ChipGenuine::NotProven(_)));
}

#[test]
fn chip_authentication_takes_its_key_from_card_security_without_dg14() {
    let profile = Profile::cnie_td1()
        .with_pace(PaceConfig::new(Curve::P256, PaceMapping::Generic, PaceCipher::Aes256).unwrap());
    let mut chip = VirtualChip::new(profile.clone());
    let key = AccessKey::can(profile.can()).unwrap();
    let options = ReadOptions {
        files: FileSelection::Only(vec![FileId::Dg1, FileId::Sod]),
        active_authentication: false,
        ..ReadOptions::default()
    };
    let raw = DocumentReader::new(key, options)
        .read(&mut chip, &())
        .unwrap();
    assert!(raw.file(FileId::Dg14).is_none());
    assert_eq!(raw.file(FileId::CardSecurity), profile.card_security());
    assert_eq!(
        raw.chip.chip_authentication_key_from,
        Some(FileId::CardSecurity)
    );
    let ca = raw.chip.chip_authentication.clone().unwrap().unwrap();
    let (_, ca_pk) = profile.chip_authentication_public_key().unwrap();
    assert!(ca.chip_public_key_spki.ends_with(&ca_pk));
    let mut doc = Document::from_raw(raw);
    assert_eq!(doc.verify(&store(), now()).verdict(), Verdict::Valid);
    assert_eq!(
        doc.chip_genuine(),
        ChipGenuine::Proven {
            by: "chip authentication"
        }
    );
}

#[test]
fn a_wrong_can_is_a_wrong_password_for_each_mapping() {
    for mapping in PaceMapping::ALL {
        let cfg = PaceConfig::new(Curve::BrainpoolP256r1, mapping, PaceCipher::Aes128).unwrap();
        let mut chip = VirtualChip::new(Profile::cnie_td1().with_pace(cfg));
        let err = DocumentReader::new(AccessKey::can("000000").unwrap(), options())
            .read(&mut chip, &())
            .unwrap_err();
        assert!(
            matches!(err, monid_core::Error::WrongPassword { tries_left: None }),
            "{mapping:?}: {err}"
        );
    }
}

#[test]
fn every_curve_mapping_and_cipher() {
    let all = PaceConfig::all();
    assert_eq!(all.len(), 55);
    for cfg in all {
        let t = std::time::Instant::now();
        read_one(cfg);
        eprintln!("{cfg:?}: {:?}", t.elapsed());
    }
}

#[test]
fn the_signed_card_security_carries_the_chips_keys() {
    // The committed EF.CardSecurity signs exactly what the profile's keys give (re-run
    // test-vectors/pki/make-card-security.sh when this fails).
    let profile = Profile::cnie_td1();
    let sd = monid_core::pki::cms::parse_signed_data(profile.card_security().unwrap()).unwrap();
    assert_eq!(sd.econtent, profile.card_security_content());
    let infos =
        monid_core::pace::info::parse_card_security(profile.card_security().unwrap()).unwrap();
    let keys = infos
        .iter()
        .filter(|i| {
            matches!(
                i,
                monid_core::pace::info::SecurityInfo::ChipAuthenticationPublicKey(_)
            )
        })
        .count();
    assert_eq!(keys, 5);
}

#[test]
fn the_choice_order_is_cam_gm_im_then_curve_then_cipher() {
    use monid_core::pace::info::{self, PaceSupport, StandardizedParameters as P};
    use monid_core::tlv::encode;
    let pace_info = |mapping: u8, cipher: u8, id: u8| {
        let mut v = encode(
            0x06,
            &[
                0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, mapping, cipher,
            ],
        );
        v.extend(encode(0x02, &[2]));
        v.extend(encode(0x02, &[id]));
        encode(0x30, &v)
    };
    // (mapping arc, cipher arc, parameter id) in an order that is not the ranking.
    let offered = [
        (4, 4, 18), // IM AES-256 P-521
        (2, 1, 13), // GM 3DES bp256
        (2, 2, 18), // GM AES-128 P-521
        (2, 4, 12), // GM AES-256 P-256
        (6, 2, 12), // CAM AES-128 P-256
        (2, 3, 16), // GM AES-192 bp384
        (6, 4, 12), // CAM AES-256 P-256
        (4, 1, 12), // IM 3DES P-256
        (2, 2, 15), // GM AES-128 P-384
    ];
    let mut der = Vec::new();
    for (m, c, id) in offered {
        der.extend(pace_info(m, c, id));
    }
    let infos = info::parse_card_access(&encode(0x31, &der)).unwrap();
    let support = PaceSupport {
        ecdh_gm: true,
        ecdh_im: true,
        ecdh_cam: true,
        dh_gm: false,
        dh_im: false,
    };
    let got: Vec<(Mapping, P, SmCipher)> = info::choose_with(&infos, &support)
        .iter()
        .map(|c| {
            let mapping = match c.protocol.mapping {
                info::Mapping::Generic => Mapping::Generic,
                info::Mapping::Integrated => Mapping::Integrated,
                info::Mapping::ChipAuthentication => Mapping::ChipAuthentication,
            };
            (mapping, c.parameters, c.protocol.cipher)
        })
        .collect();
    use Mapping::{ChipAuthentication as Cam, Generic as Gm, Integrated as Im};
    assert_eq!(
        got,
        [
            (Cam, P::NistP256, SmCipher::Aes256),
            (Cam, P::NistP256, SmCipher::Aes128),
            (Gm, P::NistP521, SmCipher::Aes128),
            // P-384 and brainpoolP384r1: same size, the stronger cipher first.
            (Gm, P::BrainpoolP384r1, SmCipher::Aes192),
            (Gm, P::NistP384, SmCipher::Aes128),
            (Gm, P::NistP256, SmCipher::Aes256),
            (Gm, P::BrainpoolP256r1, SmCipher::Des3),
            (Im, P::NistP521, SmCipher::Aes256),
            (Im, P::NistP256, SmCipher::Des3),
        ]
    );
}

#[test]
fn a_read_that_loses_the_link_in_ef_card_security_resumes_with_the_cam_evidence() {
    use monid_core::channel::ApduTrace;
    use monid_core::reader::ReadListener;
    use std::sync::Mutex;
    struct Headers(Mutex<Vec<[u8; 4]>>);
    impl ReadListener for Headers {
        fn apdu(&self, trace: &ApduTrace) {
            self.0.lock().unwrap().push(trace.header);
        }
    }
    let profile = Profile::cnie_td1().with_pace(cam(Curve::BrainpoolP256r1));
    let key = AccessKey::can(profile.can()).unwrap();
    // Where the protected SELECT of the master file comes in a clean read.
    let headers = Headers(Mutex::new(Vec::new()));
    DocumentReader::new(key.clone(), options())
        .read(&mut VirtualChip::new(profile.clone()), &headers)
        .unwrap();
    let select_mf = headers
        .0
        .lock()
        .unwrap()
        .iter()
        .position(|h| *h == [0x0C, 0xA4, 0x00, 0x0C])
        .unwrap();
    // Drop the link on the READ BINARY of EF.CardSecurity that follows it.
    let mut chip = VirtualChip::new(profile.clone()).with_misbehaviour(
        monid_vchip::Misbehaviour::default().drop_link_after(select_mf as u64 + 1),
    );
    let mut reader = DocumentReader::new(key, options());
    let err = reader.read(&mut chip, &()).unwrap_err();
    assert_eq!(err.kind(), monid_core::ErrorKind::TagLost, "{err}");
    // Every selected file was read; EF.CardSecurity was not.
    assert!(reader.is_complete(FileId::Sod) && reader.is_complete(FileId::Dg15));
    assert!(!reader.is_complete(FileId::CardSecurity));
    chip.reconnect();
    let raw = reader.read(&mut chip, &()).unwrap();
    assert_eq!(raw.stats.calls, 2);
    assert!(
        raw.chip
            .pace_cam
            .clone()
            .unwrap()
            .unwrap()
            .recheck()
            .unwrap()
    );
    assert_eq!(raw.file(FileId::CardSecurity), profile.card_security());
}

#[test]
fn cam_without_a_static_key_is_refused_at_mse_set_at() {
    // The Appendix G.1 document has no CAM key: the chip refuses the protocol up front (6A88),
    // which the reader reports as unsupported, not as a wrong password.
    let profile = Profile::icao_appendix_g1().with_pace(cam(Curve::BrainpoolP256r1));
    let key = AccessKey::mrz(
        profile.document_number(),
        profile.date_of_birth(),
        profile.date_of_expiry(),
    )
    .unwrap();
    let err = DocumentReader::new(key, options())
        .read(&mut VirtualChip::new(profile), &())
        .unwrap_err();
    assert_ne!(err.kind(), monid_core::ErrorKind::WrongAccessKey, "{err}");
}
