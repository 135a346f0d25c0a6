//! Receipt costs: creation (payload, ES256 signature through the software key store, ECDH +
//! HKDF + AES-256-GCM to the relying party) and opening (ECDH + HKDF + AES-GCM, parse, signature
//! check), for a device-asserted receipt (age over 18 + names) and a chip-verifiable one (names
//! + photo: DG1, the 34.5 KB DG2 of the virtual CNIE, EF.SOD, face record).
//!
//! ```text
//! cargo bench -p monid-core --bench receipt               # median of 200 runs
//! cargo bench -p monid-core --bench receipt -- --iters 50
//! ```
//!
//! Inputs: the challenges of test-vectors/receipt/wire_vectors.json, the virtual CNIE's files in
//! test-vectors/pki/data/cnie_td1 and test-vectors/pki/sod/cnie_td1.dsc-p256.sod.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use monid_core::document::Document;
use monid_core::keys::software::SoftwareKeyStore;
use monid_core::keys::{KeyOptions, KeyStore};
use monid_core::lds::FileId;
use monid_core::rand::SystemRandom;
use monid_core::reader::{
    AccessProtocol, ChipEvidence, FileRecord, LinkReport, RawDocument, ReadStats,
};
use monid_core::receipt::{
    ASSURANCE_CHIP_GENUINE, ASSURANCE_CHIP_READ, ASSURANCE_FACE_MATCH, AssertedValues,
    ChallengeInput, Claim, FaceMatchResult, Level, Liveness, ReceiptBuilder, open_envelope,
    parse_receipt,
};
use monid_core::transport::CancelToken;
use zeroize::Zeroizing;

fn file(rel: &str) -> Vec<u8> {
    let p = format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn median<T>(iters: u32, mut f: impl FnMut() -> T) -> Duration {
    black_box(f());
    let mut times: Vec<Duration> = (0..iters.max(1))
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn document() -> Document {
    let mut files: Vec<FileRecord> = [
        (FileId::Dg1, "dg1.bin"),
        (FileId::Dg2, "dg2.bin"),
        (FileId::Dg11, "dg11.bin"),
    ]
    .iter()
    .map(|(id, n)| FileRecord {
        id: *id,
        bytes: Zeroizing::new(file(&format!("test-vectors/pki/data/cnie_td1/{n}"))),
        completed_in_call: 1,
    })
    .collect();
    files.push(FileRecord {
        id: FileId::Sod,
        bytes: Zeroizing::new(file("test-vectors/pki/sod/cnie_td1.dsc-p256.sod")),
        completed_in_call: 1,
    });
    Document::from_raw(RawDocument {
        files,
        absent: Vec::new(),
        link: LinkReport {
            protocol: AccessProtocol::Pace,
            cipher: None,
            extended_length: true,
            chunk: 0xDF,
            sfi: None,
            pace: None,
            fallback: None,
        },
        chip: ChipEvidence::default(),
        stats: ReadStats::default(),
    })
}

fn main() {
    let mut iters = 200u32;
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--iters") {
        iters = args[i + 1].parse().unwrap();
    }
    let vectors: serde_json::Value = serde_json::from_str(
        &String::from_utf8(file("test-vectors/receipt/wire_vectors.json")).unwrap(),
    )
    .unwrap();
    let h = |v: &serde_json::Value| hex::decode(v.as_str().unwrap()).unwrap();
    let keys = SoftwareKeyStore::new();
    keys.generate("device", KeyOptions::default()).unwrap();
    let doc = document();
    let values = AssertedValues {
        primary: Some(Zeroizing::new("EL AMRANI".into())),
        secondary: Some(Zeroizing::new("YASMINE".into())),
        birth_date: monid_core::mrz::CivilDate::new(2007, 11, 26),
        ..AssertedValues::default()
    };
    let face = FaceMatchResult {
        engine_id: "org.example.facematch".into(),
        engine_version: "2.1.0".into(),
        score_milli: 912,
        threshold_milli: 800,
        decision: true,
        liveness: Liveness::Passed,
    };
    let capture = vec![0x5A; 200_000];
    let cancel = CancelToken::new();
    println!("receipt (median of {iters} runs, microseconds)");
    println!(
        "{:<18} {:>10} {:>10} {:>10}",
        "case", "create", "open", "bytes"
    );
    for c in vectors["cases"].as_array().unwrap() {
        let challenge = h(&c["challenge"]);
        let rp_private: [u8; 32] = h(&c["rp_ephemeral_private"]).try_into().unwrap();
        let chip = c["name"] == "chip_verifiable";
        let input = ChallengeInput {
            bytes: &challenge,
            nonce: [0; 16],
            rp_id: "bank.example.ma",
            claims: if chip {
                vec![
                    (Claim::Names, Level::ChipVerifiable),
                    (Claim::Photo, Level::ChipVerifiable),
                ]
            } else {
                vec![
                    (Claim::AgeOver18, Level::DeviceAsserted),
                    (Claim::Names, Level::DeviceAsserted),
                ]
            },
            assurance: if chip {
                ASSURANCE_CHIP_READ | ASSURANCE_CHIP_GENUINE | ASSURANCE_FACE_MATCH
            } else {
                0
            },
            rp_key: h(&c["rp_ephemeral_public"]).try_into().unwrap(),
        };
        let build = || {
            let mut b = ReceiptBuilder::new(input.clone(), 1_764_072_000);
            b = if chip {
                b.document(&doc).face(face.clone(), &capture)
            } else {
                b.enrolment(&values, [1; 32])
            };
            b.seal(&keys, "device", &cancel, &mut SystemRandom).unwrap()
        };
        let envelope = build();
        let create = median(iters, build);
        let open = median(iters, || {
            let signed = open_envelope(&envelope, &rp_private, &challenge).unwrap();
            let r = parse_receipt(&signed).unwrap();
            r.verify_signature().unwrap();
            r.claims.len()
        });
        println!(
            "{:<18} {:>10.1} {:>10.1} {:>10}",
            c["name"].as_str().unwrap(),
            create.as_secs_f64() * 1e6,
            open.as_secs_f64() * 1e6,
            envelope.len()
        );
    }
}
