//! QR challenge costs: `challenge::issue` (payload, ES256 signature) in both forms, QR encoding
//! at level M and rendering (SVG, terminal text), and the phone's `challenge::scan` (chain to the
//! relying-party anchor, signature, payload).
//!
//! ```text
//! cargo bench -p monid-core --bench challenge                  # the table (median of --iters)
//! cargo bench -p monid-core --bench challenge -- --iters 50    # fewer runs
//! ```
//!
//! Test data: test-vectors/rp (make-rp-pki.sh; "now" is 2026-11-25).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use monid_core::challenge::{
    self, Assurance, ChallengeRequest, Claim, ClaimRequest, Form, Level, RelyingPartyTrust,
    RpSigner,
};
use monid_core::qr::Qr;
use monid_core::rand::FixedRandom;

/// 2026-11-25T00:00:00Z.
const NOW: u64 = 1_795_564_800;

fn rp(rel: &str) -> Vec<u8> {
    let p = format!("{}/../test-vectors/rp/{rel}", env!("CARGO_MANIFEST_DIR"));
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

fn request() -> ChallengeRequest {
    let k = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    ChallengeRequest {
        purpose: "Déclaration de perte en ligne".into(),
        claims: vec![
            ClaimRequest {
                claim: Claim::Names,
                level: Level::ChipVerifiable,
            },
            ClaimRequest {
                claim: Claim::AgeOver18,
                level: Level::DeviceAsserted,
            },
            ClaimRequest {
                claim: Claim::Photo,
                level: Level::ChipVerifiable,
            },
        ],
        assurance: Assurance::ALL,
        response_uri: "https://police.ma/monid/r".into(),
        lifetime_secs: 300,
        rp_key: k
            .verifying_key()
            .to_sec1_point(true)
            .as_bytes()
            .try_into()
            .unwrap(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut iters: u32 = 200;
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--iters" {
            iters = args[i + 1].parse().expect("--iters N");
            i += 1;
        }
        // `cargo bench` passes --bench; anything else is ignored too.
        i += 1;
    }

    let signer = RpSigner::from_pem(&rp("keys/police.key"), &rp("certs/police.pem")).unwrap();
    let mut trust = RelyingPartyTrust::new();
    trust.add_anchors_pem(&rp("certs/rp-anchor.pem")).unwrap();
    trust.add_certificates_pem(&rp("certs/police.pem")).unwrap();
    let req = request();

    println!("QR challenge, median (fastest) of {iters} runs, microseconds");
    println!("| step | full (x5chain) | compact (x5t) |");
    println!("|---|---|---|");
    let mut rows: Vec<(String, Vec<String>)> = vec![
        ("issue (payload + ES256 signature)".into(), vec![]),
        ("QR encode (level M)".into(), vec![]),
        ("SVG render".into(), vec![]),
        ("terminal text render".into(), vec![]),
        ("issue + QR encode + SVG".into(), vec![]),
        ("scan (chain + signature + payload)".into(), vec![]),
        ("size".into(), vec![]),
    ];
    for form in [Form::Full, Form::Compact] {
        let issue = || {
            challenge::issue(
                &signer,
                &req,
                form,
                NOW,
                &mut FixedRandom::new(vec![0x42; 16]),
            )
            .unwrap()
        };
        let issued = issue();
        let qr = Qr::new(&issued.qr_text).unwrap();
        let cell = |(m, f): (Duration, Duration)| format!("{} ({})", us(m), us(f));
        rows[0].1.push(cell(timed(iters, issue)));
        rows[1]
            .1
            .push(cell(timed(iters, || Qr::new(&issued.qr_text).unwrap())));
        rows[2].1.push(cell(timed(iters, || qr.render_svg(4))));
        rows[3].1.push(cell(timed(iters, || qr.render_text(false))));
        rows[4].1.push(cell(timed(iters, || {
            let i = issue();
            Qr::new(&i.qr_text).unwrap().render_svg(4)
        })));
        rows[5].1.push(cell(timed(iters, || {
            challenge::scan(issued.qr_text.as_bytes(), &trust, NOW, 120).unwrap()
        })));
        let info = qr.info();
        rows[6].1.push(format!(
            "{} B, {} chars, version {}",
            info.bytes, info.chars, info.version
        ));
    }
    for (name, cells) in rows {
        println!("| {name} | {} |", cells.join(" | "));
    }
}
