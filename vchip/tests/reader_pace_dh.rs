//! PACE with Diffie-Hellman Generic Mapping end to end: the core's reader against the virtual
//! CNIE whose EF.CardAccess offers only DH GM (1024/160 with AES-128, 2048/224 with AES-256),
//! with the CAN, then chip and active authentication and passive authentication; a wrong CAN;
//! and the ICAO 9303-11 Appendix G.2 exchange between the core's terminal typestate and the
//! virtual chip with both sides' values injected (values from
//! `test-vectors/pace-dh/dh_vectors.json`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::Transport;
use monid_core::access::AccessKey;
use monid_core::apdu::{Command, Response};
use monid_core::crypto::SmCipher;
use monid_core::document::{ChipGenuine, Document};
use monid_core::lds::FileId;
use monid_core::pace::params::{DhGroupId, PaceDomain, PaceParams};
use monid_core::pace::terminal::Pace;
use monid_core::pki::Timestamp;
use monid_core::pki::pa::Verdict;
use monid_core::pki::trust::TrustStore;
use monid_core::rand::FixedRandom;
use monid_core::reader::{AccessProtocol, DocumentReader, ReadOptions};
use monid_vchip::{DhGroup, Password, Profile, VirtualChip};
use serde_json::Value;

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

fn read_genuine(profile: Profile, protocol: &str, group: DhGroupId, cipher: SmCipher) {
    let mut chip = VirtualChip::new(profile.clone());
    let key = AccessKey::can(profile.can()).unwrap();
    let raw = DocumentReader::new(key, ReadOptions::default())
        .read(&mut chip, &())
        .unwrap();
    assert_eq!(raw.link.protocol, AccessProtocol::Pace);
    let pace = raw.link.pace.unwrap();
    assert_eq!(pace.protocol, protocol);
    assert_eq!(pace.domain, PaceDomain::Dh(group));
    assert!(raw.link.fallback.is_none());
    // PACE's cipher is in the protocol name; the session at the end is chip authentication's
    // (the CNIE's id-CA-ECDH-AES-CBC-CMAC-128).
    assert!(protocol.ends_with(match cipher {
        SmCipher::Aes256 => "256",
        SmCipher::Aes192 => "192",
        _ => "128",
    }));
    assert_eq!(raw.link.cipher, Some(SmCipher::Aes128));
    for fid in profile.file_ids() {
        if let Some(id) = FileId::ALL
            .into_iter()
            .find(|f| f.fid() == fid && !f.in_master_file())
        {
            assert_eq!(raw.file(id), chip.file(fid), "{id:?}");
        }
    }
    let mut doc = Document::from_raw(raw);
    assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    let report = doc.verify(&store(), now()).clone();
    assert_eq!(report.verdict(), Verdict::Valid, "{report:#?}");
    assert_eq!(
        doc.chip_genuine(),
        ChipGenuine::Proven {
            by: "chip authentication"
        }
    );
}

#[test]
fn pace_dh_1024_can_reads_a_genuine_chip() {
    let profile = Profile::cnie_td1_dh();
    assert_eq!(
        profile.pace_dh_config().unwrap().group,
        DhGroup::Modp1024_160
    );
    read_genuine(
        profile,
        "id-PACE-DH-GM-AES-CBC-CMAC-128",
        DhGroupId::Modp1024_160,
        SmCipher::Aes128,
    );
}

#[test]
fn pace_dh_2048_224_aes256_can_reads_a_genuine_chip() {
    read_genuine(
        Profile::cnie_td1_dh_2048(),
        "id-PACE-DH-GM-AES-CBC-CMAC-256",
        DhGroupId::Modp2048_224,
        SmCipher::Aes256,
    );
}

#[test]
fn pace_dh_2048_256_aes192() {
    let profile = Profile::cnie_td1().with_pace_dh(DhGroup::Modp2048_256, 24);
    let mut chip = VirtualChip::new(profile.clone());
    let key = AccessKey::can(profile.can()).unwrap();
    let raw = DocumentReader::new(key, ReadOptions::default())
        .read(&mut chip, &())
        .unwrap();
    let pace = raw.link.pace.unwrap();
    assert_eq!(pace.protocol, "id-PACE-DH-GM-AES-CBC-CMAC-192");
    assert_eq!(pace.domain, PaceDomain::Dh(DhGroupId::Modp2048_256));
}

/// Records the length of every command on its way to the chip.
struct Recording<'a> {
    chip: &'a mut VirtualChip,
    sent: Vec<usize>,
}

impl Transport for Recording<'_> {
    fn transceive(&mut self, command: &[u8]) -> Result<Vec<u8>, monid_core::TransportError> {
        self.sent.push(command.len());
        self.chip.transceive(command)
    }
    fn info(&self) -> monid_core::TransportInfo {
        self.chip.info()
    }
}

#[test]
fn pace_dh_2048_needs_an_extended_link_and_never_forces_one() {
    // The card takes extended APDUs, the link does not (a phone without extended length): the
    // 2048-bit DH public key (256 bytes) cannot be sent in a short APDU, so the read stops
    // before sending it instead of sending it in extended form anyway.
    let profile =
        Profile::cnie_td1_dh_2048().with_transport_info(monid_core::TransportInfo::default());
    let mut chip = VirtualChip::new(profile.clone());
    let mut link = Recording {
        chip: &mut chip,
        sent: Vec::new(),
    };
    let key = AccessKey::can(profile.can()).unwrap();
    let err = DocumentReader::new(key, ReadOptions::default())
        .read(&mut link, &())
        .unwrap_err();
    assert_eq!(
        err.kind(),
        monid_core::ErrorKind::UnsupportedDocument,
        "{err}"
    );
    assert!(err.to_string().contains("extended length"), "{err}");
    assert!(!link.sent.is_empty());
    assert!(link.sent.iter().all(|n| *n <= 261), "{:?}", link.sent);
    // The same card over a link that carries extended APDUs: read.
    let mut chip = VirtualChip::new(Profile::cnie_td1_dh_2048());
    let key = AccessKey::can(profile.can()).unwrap();
    assert!(
        DocumentReader::new(key, ReadOptions::default())
            .read(&mut chip, &())
            .is_ok()
    );
}

#[test]
fn a_wrong_can_is_a_wrong_password() {
    let mut chip = VirtualChip::new(Profile::cnie_td1_dh());
    let err = DocumentReader::new(AccessKey::can("000000").unwrap(), ReadOptions::default())
        .read(&mut chip, &())
        .unwrap_err();
    assert_eq!(err.kind(), monid_core::ErrorKind::WrongAccessKey);
    assert!(
        matches!(err, monid_core::Error::WrongPassword { tries_left: None }),
        "{err}"
    );
}

#[test]
fn a_wrong_pin_counts_down() {
    let profile = Profile::cnie_td1_dh()
        .with_pace_password(Password::Pin)
        .with_pin("123456", 3);
    let mut chip = VirtualChip::new(profile);
    let err = DocumentReader::new(AccessKey::pin("654321").unwrap(), ReadOptions::default())
        .read(&mut chip, &())
        .unwrap_err();
    assert!(
        matches!(
            err,
            monid_core::Error::WrongPassword {
                tries_left: Some(2)
            }
        ),
        "{err}"
    );
}

fn vectors() -> Value {
    let path = format!(
        "{}/../test-vectors/pace-dh/dh_vectors.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn send(chip: &mut VirtualChip, cmd: &Command) -> Response {
    Response::parse(&chip.transceive(&cmd.encode(true).unwrap()).unwrap()).unwrap()
}

/// The Appendix G.2 document (the Appendix G.1 MRZ) with DH GM on the 1024-bit group; both
/// sides' nonce and keys injected: every response of the chip carries the appendix's values.
#[test]
fn icao_g2_between_the_terminal_and_the_virtual_chip() {
    let v = vectors();
    let g = &v["icao_g2"];
    let h = |k: &str| hex::decode(g[k].as_str().unwrap()).unwrap();
    let profile = Profile::icao_appendix_g1().with_pace_dh(DhGroup::Modp1024_160, 16);
    let mut chip = VirtualChip::new(profile.clone()).with_fixed_pace(
        &h("nonce_s"),
        &h("map_y_picc"),
        &h("eph_y_picc"),
    );
    let key = AccessKey::mrz(
        profile.document_number(),
        profile.date_of_birth(),
        profile.date_of_expiry(),
    )
    .unwrap();
    let mut rng = FixedRandom::new([h("map_x_pcd"), h("eph_x_pcd")].concat());
    let params = PaceParams::from_oid(&h("oid"), 0, false).unwrap();
    let (st, cmd) = Pace::new(params, &key).mse_set_at();
    let r = send(&mut chip, &cmd);
    let (st, cmd, _) = st.on_set_at(&r).unwrap();
    let r = send(&mut chip, &cmd);
    let tlv =
        |tag: u32, val: &[u8]| monid_core::tlv::encode(0x7C, &monid_core::tlv::encode(tag, val));
    assert_eq!(r.data, tlv(0x80, &h("encrypted_nonce_z")));
    let (st, cmd) = st.on_nonce(&r, &mut rng).unwrap();
    let r = send(&mut chip, &cmd);
    assert_eq!(r.data, tlv(0x82, &h("map_Y_picc")));
    let (st, cmd) = st.on_mapping(&r, &mut rng).unwrap();
    assert_eq!(st.mapped_generator(), &h("mapped_g")[..]);
    let r = send(&mut chip, &cmd);
    assert_eq!(r.data, tlv(0x84, &h("eph_Y_picc")));
    let (st, cmd) = st.on_key_agreement(&r).unwrap();
    assert_eq!(cmd.data, tlv(0x85, &h("t_pcd")));
    let r = send(&mut chip, &cmd);
    assert_eq!(r.data, tlv(0x86, &h("t_picc")));
    let (_sm, outcome) = st.finish(&r).unwrap();
    assert_eq!(outcome.domain, PaceDomain::Dh(DhGroupId::Modp1024_160));
    let (ks_enc, ks_mac, ssc) = chip.aes_session_keys().unwrap();
    assert_eq!(ks_enc, h("ks_enc"));
    assert_eq!(ks_mac, h("ks_mac"));
    assert_eq!(ssc, [0u8; 16]);
}

#[test]
fn pace_dh_and_dh_chip_authentication_end_to_end() {
    let profile = Profile::cnie_td1_dh_ca();
    let mut chip = VirtualChip::new(profile.clone());
    let key = AccessKey::can(profile.can()).unwrap();
    let raw = DocumentReader::new(key, ReadOptions::default())
        .read(&mut chip, &())
        .unwrap();
    assert_eq!(
        raw.link.pace.unwrap().domain,
        PaceDomain::Dh(DhGroupId::Modp1024_160)
    );
    let ca = raw.chip.chip_authentication.clone().unwrap().unwrap();
    assert_eq!(ca.protocol_oid, "0.4.0.127.0.7.2.2.3.1.2");
    assert_eq!(ca.version, 2);
    assert_eq!(
        ca.domain,
        monid_core::ca::CaDomain::Dh {
            standardized_id: None,
            modulus_bits: 1024
        }
    );
    // Every file read under the re-keyed session is the chip's.
    for fid in profile.file_ids() {
        if let Some(id) = FileId::ALL
            .into_iter()
            .find(|f| f.fid() == fid && !f.in_master_file())
        {
            assert_eq!(raw.file(id), chip.file(fid), "{id:?}");
        }
    }
    // DG14 was rebuilt for the DH key: EF.SOD does not cover it, so no genuineness claim.
    let mut doc = Document::from_raw(raw);
    let report = doc.verify(&store(), now()).clone();
    assert!(!report.dg_verified(14));
    assert!(!matches!(doc.chip_genuine(), ChipGenuine::Proven { .. }));
}

fn protected(
    sm: &mut monid_core::sm::SecureMessaging,
    chip: &mut VirtualChip,
    cmd: &Command,
) -> Response {
    let p = sm.protect(cmd, false).unwrap();
    let r = send(chip, &p);
    match sm.unprotect(&r).unwrap() {
        monid_core::sm::Unprotected::Verified(r) => r,
        other => panic!("{other:?}"),
    }
}

/// The virtual chip's DH chip authentication against the BSI EAC worked example: its static
/// key is the example's, r_PICC is fixed, the terminal's exponent is injected; T_PICC and the
/// new session keys are the example's.
#[test]
fn bsi_dh_chip_authentication_on_the_virtual_chip() {
    let v = vectors();
    let b = &v["bsi_dh"];
    let h = |k: &str| hex::decode(b[k].as_str().unwrap()).unwrap();
    let profile = Profile::cnie_td1_dh_ca();
    let mut r_picc = [0u8; 8];
    r_picc.copy_from_slice(&h("ca_nonce"));
    let mut chip = VirtualChip::new(profile.clone()).with_fixed_ca_nonce(r_picc);
    // PACE-CAN (DH GM) with the core's terminal.
    let key = AccessKey::can(profile.can()).unwrap();
    let params =
        PaceParams::from_oid(&hex::decode("04007F00070202040102").unwrap(), 0, false).unwrap();
    let mut rng = FixedRandom::new(vec![0x5A; 40]);
    let (st, cmd) = Pace::new(params, &key).mse_set_at();
    let (st, cmd, _) = st.on_set_at(&send(&mut chip, &cmd)).unwrap();
    let (st, cmd) = st.on_nonce(&send(&mut chip, &cmd), &mut rng).unwrap();
    let (st, cmd) = st.on_mapping(&send(&mut chip, &cmd), &mut rng).unwrap();
    let (st, cmd) = st.on_key_agreement(&send(&mut chip, &cmd)).unwrap();
    let (mut sm, _) = st.finish(&send(&mut chip, &cmd)).unwrap();
    // Chip authentication from the chip's DG14.
    let select = Command::new(0x00, 0xA4, 0x04, 0x0C)
        .with_data(vec![0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01]);
    assert!(protected(&mut sm, &mut chip, &select).sw.is_success());
    let dg14 = profile.file(0x010E).unwrap().to_vec();
    let infos = monid_core::ca::parse_dg14(&dg14).unwrap();
    let ca = monid_core::ca::ChipAuthentication::from_security_infos(&infos).unwrap();
    assert_eq!(ca.chip_key().point(), &h("ca_picc_pub_key")[..]);
    let (st, mse) = ca.start_with_dh_private_key(&h("ca_pcd_priv_key")).unwrap();
    let r = protected(&mut sm, &mut chip, &mse);
    let monid_core::ca::CaStep::Authenticate(st, ga) = st.on_mse(&r).unwrap() else {
        panic!("version 2")
    };
    let r = protected(&mut sm, &mut chip, &ga);
    let mut expected = monid_core::tlv::encode(0x81, &h("ca_nonce"));
    expected.extend(monid_core::tlv::encode(0x82, &h("ca_picc_token")));
    assert_eq!(r.data, monid_core::tlv::encode(0x7C, &expected));
    let out = st.finish(&r).unwrap();
    let (ks_enc, ks_mac, ssc) = chip.aes_session_keys().unwrap();
    assert_eq!(ks_enc, h("ca_k_enc"));
    assert_eq!(ks_mac, h("ca_k_mac"));
    assert_eq!(ssc, [0u8; 16]);
    // The new session works both ways.
    let mut sm = out.sm;
    let com = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x1E]);
    assert!(protected(&mut sm, &mut chip, &com).sw.is_success());
    let read = Command::new(0x00, 0xB0, 0x00, 0x00).with_ne(4);
    let r = protected(&mut sm, &mut chip, &read);
    assert!(r.sw.is_success());
    assert_eq!(r.data, chip.file(0x011E).unwrap()[..4]);
}

#[test]
fn pace_dh_integrated_mapping_end_to_end() {
    for group in [DhGroup::Modp1024_160, DhGroup::Modp2048_256] {
        let profile = Profile::cnie_td1().with_pace_dh_im(group);
        let mut chip = VirtualChip::new(profile.clone());
        let key = AccessKey::can(profile.can()).unwrap();
        let raw = DocumentReader::new(key, ReadOptions::default())
            .read(&mut chip, &())
            .unwrap();
        let pace = raw.link.pace.unwrap();
        assert_eq!(pace.protocol, "id-PACE-DH-IM-AES-CBC-CMAC-128");
        assert_eq!(pace.mapping, monid_core::pace::params::Mapping::Integrated);
        assert_eq!(
            pace.domain.dh_group().unwrap().standardized_id(),
            group.parameter_id()
        );
        assert_eq!(raw.file(FileId::Dg1), chip.file(0x0101));
    }
    let mut chip = VirtualChip::new(Profile::cnie_td1().with_pace_dh_im(DhGroup::Modp1024_160));
    let err = DocumentReader::new(AccessKey::can("000000").unwrap(), ReadOptions::default())
        .read(&mut chip, &())
        .unwrap_err();
    assert!(matches!(
        err,
        monid_core::Error::WrongPassword { tries_left: None }
    ));
}

/// ICAO 9303-11 Appendix H.2 (DH IM) with the virtual chip: the appendix's password (CAN
/// 123456), nonce s and terminal nonce t give its z and g'; the run then completes with other
/// ephemeral keys (the appendix does not publish the chip's exponent).
#[test]
fn icao_h2_between_the_terminal_and_the_virtual_chip() {
    let v = vectors();
    let g = &v["icao_h2"];
    let h = |k: &str| hex::decode(g[k].as_str().unwrap()).unwrap();
    let profile = Profile::cnie_td1()
        .with_can("123456")
        .with_pace_dh_im(DhGroup::Modp1024_160);
    let mut chip =
        VirtualChip::new(profile).with_fixed_pace(&h("nonce_s"), &[0x01; 20], &[0x42; 20]);
    let key = AccessKey::can("123456").unwrap();
    let params = PaceParams::from_oid(&h("oid"), 0, false).unwrap();
    let mut rng = FixedRandom::new([h("terminal_nonce_t"), vec![0x37; 20]].concat());
    let (st, cmd) = Pace::new(params, &key).mse_set_at();
    let (st, cmd, _) = st.on_set_at(&send(&mut chip, &cmd)).unwrap();
    let r = send(&mut chip, &cmd);
    assert_eq!(
        r.data,
        monid_core::tlv::encode(
            0x7C,
            &monid_core::tlv::encode(0x80, &h("encrypted_nonce_z"))
        )
    );
    let (st, cmd) = st.on_nonce(&r, &mut rng).unwrap();
    let r = send(&mut chip, &cmd);
    assert_eq!(r.data, [0x7C, 0x00]);
    let (st, cmd) = st.on_mapping(&r, &mut rng).unwrap();
    assert_eq!(st.mapped_generator(), &h("mapped_g")[..]);
    let (st, cmd) = st.on_key_agreement(&send(&mut chip, &cmd)).unwrap();
    let (_sm, outcome) = st.finish(&send(&mut chip, &cmd)).unwrap();
    assert_eq!(
        outcome.mapping(),
        monid_core::pace::params::Mapping::Integrated
    );
}
