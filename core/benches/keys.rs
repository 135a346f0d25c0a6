//! Device-key costs: `SoftwareKeyStore` key generation and signing (DER, RFC 6979), sealing and
//! opening a key store (1 and 100 keys), and the enrolment record of the virtual CNIE's files
//! (build from the `Document` + COSE_Sign1 signature, parse + verify, seal, open).
//!
//! ```text
//! cargo bench -p monid-core --bench keys                  # the table (median of --iters runs)
//! cargo bench -p monid-core --bench keys -- --iters 50    # fewer runs
//! ```
//!
//! Test data: test-vectors/pki/data/cnie_td1 (DG1, DG2, DG11, DG14, DG15) with
//! test-vectors/pki/sod/cnie_td1.dsc-p256.sod, verified against the test PKI at 2026-11-25.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use monid_core::CancelToken;
use monid_core::document::Document;
use monid_core::enrolment::{self, EnrolmentRecord};
use monid_core::keys::{KeyOptions, KeyStore, SoftwareKeyStore};
use monid_core::lds::FileId;
use monid_core::mrz::CivilDate;
use monid_core::pki::Timestamp;
use monid_core::pki::pa::Verdict;
use monid_core::pki::trust::TrustStore;
use monid_core::rand::SystemRandom;
use monid_core::reader::{
    AccessProtocol, ChipEvidence, FileRecord, LinkReport, RawDocument, ReadStats,
};
use zeroize::Zeroizing;

fn file(rel: &str) -> Vec<u8> {
    let p = format!("{}/../test-vectors/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
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

fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

/// The virtual CNIE's files as a read over PACE, passive authentication run.
fn cnie() -> Document {
    let mut files: Vec<FileRecord> = [
        (FileId::Dg1, "dg1.bin"),
        (FileId::Dg2, "dg2.bin"),
        (FileId::Dg11, "dg11.bin"),
        (FileId::Dg14, "dg14.bin"),
        (FileId::Dg15, "dg15.bin"),
    ]
    .iter()
    .map(|(id, n)| FileRecord {
        id: *id,
        bytes: Zeroizing::new(file(&format!("pki/data/cnie_td1/{n}"))),
        completed_in_call: 1,
    })
    .collect();
    files.push(FileRecord {
        id: FileId::Sod,
        bytes: Zeroizing::new(file("pki/sod/cnie_td1.dsc-p256.sod")),
        completed_in_call: 1,
    });
    let raw = RawDocument {
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
    };
    let mut store = TrustStore::new();
    for c in ["csca-uto-old", "csca-ma", "link-uto-new-by-old"] {
        store.add_der(&file(&format!("pki/certs/{c}.der")));
    }
    let mut doc = Document::from_raw(raw);
    let now = Timestamp::from_utc(2026, 11, 25, 12, 0, 0).unwrap();
    assert_eq!(doc.verify(&store, now).verdict(), Verdict::Valid);
    doc
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let iters: u32 = args
        .iter()
        .position(|a| a == "--iters")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let cancel = CancelToken::new();
    let keys = SoftwareKeyStore::new();
    let device = keys.generate("device", KeyOptions::default()).unwrap();
    let seal_key = [7u8; 32];
    let mut rows: Vec<(String, (Duration, Duration))> = Vec::new();
    let mut row = |name: &str, t: (Duration, Duration)| rows.push((name.to_owned(), t));

    let mut n = 0u64;
    row(
        "generate P-256 key (+ delete)",
        timed(iters, || {
            n += 1;
            let alias = format!("k{n}");
            keys.generate(&alias, KeyOptions::default()).unwrap();
            keys.delete(&alias).unwrap();
        }),
    );
    let msg = vec![0x5Au8; 1024];
    row(
        "sign 1 KiB (ECDSA P-256, DER)",
        timed(iters, || keys.sign("device", &msg, &cancel).unwrap()),
    );
    row(
        "seal key store, 1 key",
        timed(iters, || keys.seal(&seal_key, &mut SystemRandom).unwrap()),
    );
    let sealed1 = keys.seal(&seal_key, &mut SystemRandom).unwrap();
    row(
        "open key store, 1 key",
        timed(iters, || {
            SoftwareKeyStore::open(&sealed1, &seal_key).unwrap()
        }),
    );
    let many = SoftwareKeyStore::new();
    for i in 0..100 {
        many.generate(&format!("key-{i}"), KeyOptions::default())
            .unwrap();
    }
    let sealed100 = many.seal(&seal_key, &mut SystemRandom).unwrap();
    row(
        "seal key store, 100 keys",
        timed(iters, || many.seal(&seal_key, &mut SystemRandom).unwrap()),
    );
    row(
        "open key store, 100 keys",
        timed(iters, || {
            SoftwareKeyStore::open(&sealed100, &seal_key).unwrap()
        }),
    );

    let doc = cnie();
    let today = CivilDate::new(2026, 11, 25).unwrap();
    row(
        "enrolment: build from Document",
        timed(iters, || {
            EnrolmentRecord::from_document(&doc, today, 0, device.clone(), vec![]).unwrap()
        }),
    );
    row(
        "enrolment: build + sign (enrol)",
        timed(iters, || {
            enrolment::enrol(&doc, &keys, "device", today, 0, &cancel).unwrap()
        }),
    );
    let signed = enrolment::enrol(&doc, &keys, "device", today, 0, &cancel).unwrap();
    row(
        "enrolment: parse_and_verify",
        timed(iters, || {
            enrolment::parse_and_verify(signed.as_bytes()).unwrap()
        }),
    );
    row(
        "enrolment: seal_record",
        timed(iters, || {
            enrolment::seal_record(&signed, &seal_key, &mut SystemRandom).unwrap()
        }),
    );
    let sealed_record = enrolment::seal_record(&signed, &seal_key, &mut SystemRandom).unwrap();
    row(
        "enrolment: open_record (+ verify)",
        timed(iters, || {
            enrolment::open_record(&sealed_record, &seal_key).unwrap()
        }),
    );

    println!(
        "sizes: signed record {} bytes, sealed record {} bytes, sealed store 1 key {} bytes, 100 keys {} bytes",
        signed.as_bytes().len(),
        sealed_record.len(),
        sealed1.len(),
        sealed100.len()
    );
    println!(
        "{:<36} {:>12} {:>12}",
        "operation", "median µs", "fastest µs"
    );
    for (name, (median, fastest)) in rows {
        println!("{name:<36} {:>12} {:>12}", us(median), us(fastest));
    }
}
