//! Receipt verification throughput of `Verifier::verify`, per core, against the bare ECDSA
//! P-256 verification rate (p256 crate) and the bare P-256 ECDH rate measured in the same run:
//!
//! * **receipt only**: a device-asserted receipt (age over 18, nationality, names) backed by an
//!   accepted enrolment: envelope parse, ECDH + HKDF + AES-GCM, receipt parse, device ECDSA
//!   verification, challenge binding, claims against the enrolment record;
//! * **full with PA**: a chip-verifiable receipt (names, birth date, age, document number,
//!   address, photo) with face match and AA: the above plus passive authentication (SOD
//!   signature, DSC chain with CRLs, data-group hashes over the 34.5 KB DG2), AA verification
//!   and DG1/DG11 parsing.
//!
//! ```text
//! cargo bench -p monid-verifier --bench verify                 # median of 200 runs each
//! cargo bench -p monid-verifier --bench verify -- --iters 50
//! ```
//!
//! The nonce store used here never remembers (every call would otherwise be `Replayed` after
//! the first); the in-memory store's `consume` is a mutex + hash insert, measured separately.
//! Single thread: the figures are per core. On a shared machine they are indicative.
//!
//! One run (2026-11-25, release, 2 shared cores loaded by other builds; indicative): bare
//! ECDSA verify 509 us (1963/s), bare ECDH 517 us; receipt only 1076 us (930/s, 0.47x ECDSA);
//! full with PA + AA 5.3 to 7.9 ms (127 to 189/s, 0.06 to 0.10x); nonce consume 0.1 us. The
//! receipt-only path is one ECDH plus one ECDSA verification (ceiling 0.5x of one bare
//! verification) and about 5 % of everything else: p256's scalar multiplication is the
//! bottleneck. `ring` was not measured here.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    dead_code
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use monid_core::challenge::{Assurance, Form};
use monid_core::rand::SystemRandom;
use monid_core::receipt::ReceiptBuilder;
use monid_verifier::store::{NonceStore, StoreError};
use monid_verifier::{
    MemoryChallengeStore, MemoryEnrolmentStore, MemoryNonceStore, Policy, Verifier, VerifierConfig,
};
use p256::ecdsa::signature::{Signer, Verifier as _};

struct Forgetful;

impl NonceStore for Forgetful {
    fn consume(&self, _: &[u8; 16], _: u64) -> Result<bool, StoreError> {
        Ok(true)
    }
    fn purge_expired(&self, _: u64) -> Result<usize, StoreError> {
        Ok(0)
    }
}

fn timed<T>(iters: u32, mut f: impl FnMut() -> T) -> Duration {
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

fn per_sec(d: Duration) -> f64 {
    1.0 / d.as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let iters = args
        .iter()
        .position(|a| a == "--iters")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(200u32);

    let v = Verifier::new(VerifierConfig {
        signer: signer(),
        form: Form::Full,
        csca: csca(),
        attestation_roots: Vec::new(),
        policy: Policy::default(),
        challenges: Arc::new(MemoryChallengeStore::new(100)),
        nonces: Arc::new(Forgetful),
        enrolments: Arc::new(MemoryEnrolmentStore::new(10)),
    });
    let keys = device();

    // Receipt only (device-asserted).
    let (signed, values) = enrol(&keys);
    v.accept_enrolment(signed.as_bytes(), now()).unwrap();
    let issued = v
        .issue_challenge(&spec(DEVICE_CLAIMS, Assurance(0)), now(), &mut SystemRandom)
        .unwrap();
    let scanned = scan(&issued);
    let b = ReceiptBuilder::new(input(&scanned), now()).enrolment(&values, signed.enrolment_id());
    let asserted_env = seal(&b, &keys);
    v.verify(&asserted_env, now()).unwrap();

    // Full, with PA and AA.
    let issued = v
        .issue_challenge(&spec(CHIP_CLAIMS, all()), now(), &mut SystemRandom)
        .unwrap();
    let scanned = scan(&issued);
    let doc = read_for(&scanned.cose, &keys);
    let b = ReceiptBuilder::new(input(&scanned), now())
        .document(&doc)
        .face(face(912), LIVE_CAPTURE);
    let chip_env = seal(&b, &keys);
    v.verify(&chip_env, now()).unwrap();

    // Bare primitives.
    let sk = p256::ecdsa::SigningKey::from_slice(&[0x42; 32]).unwrap();
    let vk = *sk.verifying_key();
    let msg = vec![0x5Au8; 300];
    let sig: p256::ecdsa::Signature = sk.sign(&msg);
    let ecdsa = timed(iters, || vk.verify(&msg, &sig).unwrap());
    let peer = p256::SecretKey::from_slice(&[0x24; 32])
        .unwrap()
        .public_key();
    let ecdh = timed(iters, || {
        monid_core::receipt::encrypt::ecdh(&[0x42; 32], &{
            use p256::elliptic_curve::sec1::ToSec1Point;
            peer.to_sec1_point(false).as_bytes().to_vec()
        })
        .unwrap()
    });
    let asserted = timed(iters, || v.verify(&asserted_env, now()).unwrap());
    let full = timed(iters, || v.verify(&chip_env, now()).unwrap());
    let nonces = MemoryNonceStore::new(1 << 20);
    let mut n = 0u128;
    let consume = timed(iters, || {
        n += 1;
        nonces.consume(&n.to_le_bytes(), 1).unwrap()
    });

    println!(
        "verifier bench: median of {iters} runs, one thread, {} B device-asserted envelope, {} B chip envelope",
        asserted_env.len(),
        chip_env.len()
    );
    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        "operation", "us", "per s", "x ECDSA"
    );
    let row = |name: &str, d: Duration| {
        println!(
            "{:<44} {:>10.1} {:>10.0} {:>8.2}",
            name,
            d.as_secs_f64() * 1e6,
            per_sec(d),
            per_sec(d) / per_sec(ecdsa)
        );
    };
    row("bare ECDSA P-256 verify (p256)", ecdsa);
    row("bare ECDH P-256 (p256, via monid-core)", ecdh);
    row("verify: receipt only (device-asserted)", asserted);
    row("verify: full with PA + AA (chip-verifiable)", full);
    row("MemoryNonceStore::consume", consume);
}
