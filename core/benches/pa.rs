//! Passive authentication costs: loading ~600 CSCA certificates (master list, PEM bundle) and
//! `pa::verify` on one EF.SOD per signature algorithm of the test PKI, split into the SOD
//! signature, the chain's certificate signatures and the rest; plus signature verification
//! alone for every curve, the generic-path ones (brainpoolP224r1/P320r1/P512r1) included.
//!
//! ```text
//! cargo bench -p monid-core --bench pa                  # the tables (median of --iters runs)
//! cargo bench -p monid-core --bench pa -- --iters 50    # fewer runs
//! cargo bench -p monid-core --bench pa -- --once rsa    # one pa::verify (for callgrind;
//!                                                       # pss p256 bp256x bp256; ml, pem: one load)
//! ```
//!
//! Figures and set-up: docs/benchmarks.md ("Passive authentication"). Test data:
//! test-vectors/pki (SOURCE.md: "now" is 2026-11-25), test-vectors/certs/bench-600.pem,
//! core/benches/data/bench-600.ml (made by core/benches/make_master_list.sh),
//! test-vectors/wycheproof-sig/openssl/openssl_sigs.json.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use monid_core::pki::Timestamp;
use monid_core::pki::alg::{DigestAlgorithm, SignatureAlgorithm};
use monid_core::pki::cert::Certificate;
use monid_core::pki::chain::build_chain;
use monid_core::pki::cms::parse_signed_data;
use monid_core::pki::pa::{self, PaInput, Verdict};
use monid_core::pki::sig::{PublicKey, verify_signature};
use monid_core::pki::trust::TrustStore;

fn file(rel: &str) -> Vec<u8> {
    let p = format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn pki(rel: &str) -> Vec<u8> {
    file(&format!("test-vectors/pki/{rel}"))
}

fn now() -> Timestamp {
    Timestamp::from_utc(2026, 11, 25, 12, 0, 0).unwrap()
}

/// Median wall-clock time of `iters` calls of `f` (after one warm-up call).
fn median<T>(iters: u32, f: impl FnMut() -> T) -> Duration {
    timed(iters, f).0
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

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// The test PKI store of the expected outcomes: anchors CSCA-UTO-OLD (+ link) and CSCA-MA, and
/// every CRL.
fn store() -> TrustStore {
    let files: Vec<(String, Vec<u8>)> = [
        "certs/csca-uto-old.der",
        "certs/link-uto-new-by-old.der",
        "certs/csca-ma.der",
        "crl/csca-uto-old.crl",
        "crl/csca-uto-new.crl",
        "crl/csca-ma.crl",
    ]
    .iter()
    .map(|f| (f.to_string(), pki(f)))
    .collect();
    let mut s = TrustStore::new();
    let r = s.add_files(files, None);
    assert_eq!((r.added, r.crls_added), (3, 3), "{r:?}");
    s
}

/// One EF.SOD of the test PKI and the DGs of its profile.
struct SodCase {
    id: &'static str,
    label: &'static str,
    sod: &'static str,
    profile: &'static str,
    issuing_state: &'static str,
}

const SODS: &[SodCase] = &[
    SodCase {
        id: "rsa",
        label: "RSA PKCS#1 v1.5 2048 (SHA-256)",
        sod: "passport_td3.dsc-rsa.sod",
        profile: "passport_td3",
        issuing_state: "UTO",
    },
    SodCase {
        id: "pss",
        label: "RSA-PSS 2048 (SHA-256)",
        sod: "passport_td3.dsc-pss.sod",
        profile: "passport_td3",
        issuing_state: "UTO",
    },
    SodCase {
        id: "p256",
        label: "ECDSA P-256 named (SHA-256)",
        sod: "passport_td3.dsc-p256.sod",
        profile: "passport_td3",
        issuing_state: "UTO",
    },
    SodCase {
        id: "bp256x",
        label: "ECDSA brainpoolP256r1 explicit (SHA-256)",
        sod: "passport_td3.dsc-bp256x.sod",
        profile: "passport_td3",
        issuing_state: "UTO",
    },
    SodCase {
        id: "bp256",
        label: "ECDSA brainpoolP256r1 named (SHA-256)",
        sod: "cnie_td1_mar.dsc-ma.sod",
        profile: "cnie_td1_mar",
        issuing_state: "MAR",
    },
];

fn dgs(profile: &str) -> Vec<(u8, Vec<u8>)> {
    (1..=16u8)
        .filter_map(|n| {
            let p = format!(
                "{}/../test-vectors/pki/data/{profile}/dg{n}.bin",
                env!("CARGO_MANIFEST_DIR")
            );
            std::fs::read(p).ok().map(|b| (n, b))
        })
        .collect()
}

/// What a SOD's own signature check needs, parsed once.
struct SodSignature {
    key: PublicKey,
    alg: SignatureAlgorithm,
    message: Vec<u8>,
    signature: Vec<u8>,
}

fn sod_signature(sod: &[u8]) -> SodSignature {
    let (outer, _) = monid_core::pki::ber::read(sod).unwrap();
    let sd = parse_signed_data(outer.content).unwrap();
    let si = &sd.signer_infos[0];
    let digest = DigestAlgorithm::from_algorithm_identifier(si.digest_algorithm).unwrap();
    let dsc = Certificate::from_der(sd.certificates[0]).unwrap();
    SodSignature {
        key: PublicKey::from_spki(dsc.spki()).unwrap(),
        alg: SignatureAlgorithm::from_cms(si.signature_algorithm, digest).unwrap(),
        message: si.signed_attrs.as_ref().unwrap().signed_bytes(),
        signature: si.signature.clone(),
    }
}

fn dsc_of(sod: &[u8]) -> Certificate {
    let (outer, _) = monid_core::pki::ber::read(sod).unwrap();
    let sd = parse_signed_data(outer.content).unwrap();
    Certificate::from_der(sd.certificates[0]).unwrap()
}

struct Row {
    what: String,
    key: String,
    time: Duration,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut iters: u32 = 200;
    let mut once: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--iters" => {
                iters = args[i + 1].parse().expect("--iters N");
                i += 1;
            }
            "--once" => {
                once = Some(args[i + 1].clone());
                i += 1;
            }
            // `cargo bench` passes --bench; anything else is ignored too.
            _ => {}
        }
        i += 1;
    }

    let store = store();
    if let Some(what @ ("ml" | "pem")) = once.as_deref() {
        // One load, for `valgrind --tool=callgrind --toggle-collect='*TrustStore::add_*'`.
        let mut s = TrustStore::new();
        let r = if what == "ml" {
            let anchor = Certificate::from_der(&pki("certs/csca-uto-old.der")).unwrap();
            s.add_master_list(&file("core/benches/data/bench-600.ml"), Some(&anchor))
        } else {
            s.add_pem_bundle(&file("test-vectors/certs/bench-600.pem"))
        };
        println!("{what}: {} added", r.added);
        return;
    }
    if let Some(id) = once {
        // One pa::verify, for `valgrind --tool=callgrind --toggle-collect='*pa::verify*'`.
        let case = SODS
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("unknown case {id}"));
        let sod = pki(&format!("sod/{}", case.sod));
        let dgs = dgs(case.profile);
        let dg_refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let input = PaInput {
            sod: &sod,
            data_groups: &dg_refs,
            issuing_state: Some(case.issuing_state),
            dsc: None,
        };
        let report = pa::verify(&input, &store, now());
        println!("{}: {:?}", case.label, report.verdict());
        return;
    }

    // ---- (a) Loading ~600 certificates.
    let pem = file("test-vectors/certs/bench-600.pem");
    let ml = file("core/benches/data/bench-600.ml");
    let anchor = Certificate::from_der(&pki("certs/csca-uto-old.der")).unwrap();
    let load_iters = (iters / 4).max(5);
    let mut check = TrustStore::new();
    let r = check.add_master_list(&ml, Some(&anchor));
    assert_eq!(
        (r.added, r.master_list_verified),
        (600, Some(true)),
        "{r:?}"
    );
    let r = TrustStore::new().add_pem_bundle(&pem);
    assert_eq!(r.added, 600, "{r:?}");
    let load = [
        (
            format!("add_pem_bundle, {} kB PEM", pem.len() / 1000),
            timed(load_iters, || TrustStore::new().add_pem_bundle(&pem)),
        ),
        (
            format!("add_master_list, {} kB CMS, no anchor", ml.len() / 1000),
            timed(load_iters, || TrustStore::new().add_master_list(&ml, None)),
        ),
        (
            format!(
                "add_master_list, {} kB CMS, anchor CSCA-UTO-OLD (signature checked)",
                ml.len() / 1000
            ),
            timed(load_iters, || {
                TrustStore::new().add_master_list(&ml, Some(&anchor))
            }),
        ),
    ];
    println!("Loading 600 CSCA certificates (median of {load_iters} runs)");
    println!();
    println!("| load | median ms | fastest ms | µs per certificate (median) |");
    println!("|---|---:|---:|---:|");
    for (what, (t, fastest)) in &load {
        println!(
            "| {what} | {} | {} | {:.1} |",
            ms(*t),
            ms(*fastest),
            t.as_secs_f64() * 1e6 / 600.0
        );
    }
    println!();

    // ---- (b) pa::verify per SOD, split.
    println!("pa::verify per EF.SOD (median of {iters} runs, µs)");
    println!();
    println!(
        "| EF.SOD signature | DSC key | chain (signatures checked) | pa::verify | (fastest) | SOD signature | chain signatures | rest |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    let mut sig_rows: Vec<Row> = Vec::new();
    for case in SODS {
        let sod = pki(&format!("sod/{}", case.sod));
        let dgs = dgs(case.profile);
        let dg_refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let input = PaInput {
            sod: &sod,
            data_groups: &dg_refs,
            issuing_state: Some(case.issuing_state),
            dsc: None,
        };
        let report = pa::verify(&input, &store, now());
        assert_eq!(report.verdict(), Verdict::Valid, "{}: {report:?}", case.sod);
        let s = sod_signature(&sod);
        assert!(verify_signature(&s.key, &s.alg, &s.message, &s.signature).is_ok());

        // The chain's certificate signatures (the anchor's own is not checked).
        let chain = build_chain(&store, &dsc_of(&sod), now());
        assert!(chain.path_found);
        let links: Vec<(Certificate, PublicKey, String)> = chain
            .steps
            .windows(2)
            .map(|w| {
                let key = PublicKey::from_spki(w[1].certificate.spki()).unwrap();
                let alg = SignatureAlgorithm::from_algorithm_identifier(
                    w[0].certificate.signature_algorithm(),
                )
                .unwrap();
                let label = format!("{} by {}", alg.name(), key.describe());
                ((*w[0].certificate).clone(), key, label)
            })
            .collect();
        for (cert, key, _) in &links {
            assert!(cert.verify_signed_by(key).is_ok());
        }

        // Interleaved, so that a burst of load on the shared machine hits every part alike:
        // pa::verify, the SOD signature alone, each chain signature alone.
        let mut t_total = Vec::new();
        let mut t_sig = Vec::new();
        let mut t_links: Vec<Vec<Duration>> = vec![Vec::new(); links.len()];
        for _ in 0..iters.max(1) {
            let t = Instant::now();
            black_box(pa::verify(&input, &store, now()));
            t_total.push(t.elapsed());
            let t = Instant::now();
            black_box(verify_signature(&s.key, &s.alg, &s.message, &s.signature)).unwrap();
            t_sig.push(t.elapsed());
            for ((cert, key, _), times) in links.iter().zip(t_links.iter_mut()) {
                let t = Instant::now();
                black_box(cert.verify_signed_by(key)).unwrap();
                times.push(t.elapsed());
            }
        }
        let med = |mut v: Vec<Duration>| {
            v.sort();
            v[v.len() / 2]
        };
        let fastest = t_total.iter().min().copied().unwrap_or_default();
        let total = med(t_total);
        let t_sig = med(t_sig);
        sig_rows.push(Row {
            what: format!("SOD signature, {}", s.alg.name()),
            key: s.key.describe(),
            time: t_sig,
        });
        let mut t_chain = Duration::ZERO;
        for ((cert, _, label), times) in links.iter().zip(t_links) {
            let t = med(times);
            t_chain += t;
            sig_rows.push(Row {
                what: format!(
                    "certificate \"{}\"",
                    cert.subject().common_name().unwrap_or("?")
                ),
                key: label.clone(),
                time: t,
            });
        }
        let chain_desc = links
            .iter()
            .map(|(_, k, _)| k.describe())
            .collect::<Vec<_>>()
            .join(" + ");
        let rest = total.saturating_sub(t_sig + t_chain);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            case.label,
            s.key.describe(),
            chain_desc,
            us(total),
            us(fastest),
            us(t_sig),
            us(t_chain),
            us(rest)
        );
    }
    println!();

    // ---- Signature verification alone, generic-path curves included.
    let json: serde_json::Value = serde_json::from_slice(&file(
        "test-vectors/wycheproof-sig/openssl/openssl_sigs.json",
    ))
    .unwrap();
    let msg = hex::decode(json["message"].as_str().unwrap()).unwrap();
    let hash_of = |h: &str| match h {
        "sha1" => DigestAlgorithm::Sha1,
        "sha224" => DigestAlgorithm::Sha224,
        "sha256" => DigestAlgorithm::Sha256,
        "sha384" => DigestAlgorithm::Sha384,
        _ => DigestAlgorithm::Sha512,
    };
    let mut key_rows: Vec<Row> = Vec::new();
    for name in [
        "bp224_named",
        "bp320_named",
        "bp512_named",
        "bp512_explicit",
        "p521_named",
    ] {
        let e = json["ecdsa"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap();
        let spki = hex::decode(e["spki"].as_str().unwrap()).unwrap();
        let sig = hex::decode(e["sig"].as_str().unwrap()).unwrap();
        let key = PublicKey::from_spki(&spki).unwrap();
        let alg = SignatureAlgorithm::Ecdsa {
            hash: hash_of(e["hash"].as_str().unwrap()),
        };
        assert!(verify_signature(&key, &alg, &msg, &sig).is_ok(), "{name}");
        let path = if key.uses_generic_ec() {
            "generic"
        } else {
            "crate"
        };
        sig_rows.push(Row {
            what: format!("openssl {name} ({}, {path})", alg.name()),
            key: key.describe(),
            time: median(iters, || verify_signature(&key, &alg, &msg, &sig)),
        });
        key_rows.push(Row {
            what: format!("openssl {name} ({path})"),
            key: key.describe(),
            time: median(iters, || PublicKey::from_spki(&spki)),
        });
    }
    for (label, der) in [
        ("dsc-rsa", pki("certs/dsc-rsa.der")),
        ("csca-uto-old", pki("certs/csca-uto-old.der")),
        ("dsc-p256", pki("certs/dsc-p256.der")),
        ("dsc-bp256x", pki("certs/dsc-bp256x.der")),
        ("csca-uto-new", pki("certs/csca-uto-new.der")),
    ] {
        let c = Certificate::from_der(&der).unwrap();
        let key = PublicKey::from_spki(c.spki()).unwrap();
        key_rows.push(Row {
            what: format!("{label} SPKI"),
            key: key.describe(),
            time: median(iters, || PublicKey::from_spki(c.spki())),
        });
    }

    println!("Signature verification alone (key parsed beforehand; median of {iters} runs)");
    println!();
    println!("| signature | key | µs |");
    println!("|---|---|---:|");
    for r in &sig_rows {
        println!("| {} | {} | {} |", r.what, r.key, us(r.time));
    }
    println!();
    println!("PublicKey::from_spki (median of {iters} runs)");
    println!();
    println!("| SPKI | key | µs |");
    println!("|---|---|---:|");
    for r in &key_rows {
        println!("| {} | {} | {} |", r.what, r.key, us(r.time));
    }
}
