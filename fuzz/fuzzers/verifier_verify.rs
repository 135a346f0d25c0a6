//! Fuzz target: the relying party's whole receipt path, `monid_verifier::Verifier::verify`
//! (envelope parsing, decryption, receipt parsing, device signature, challenge binding, passive
//! and active authentication of the chip record, claims, face, policy). Any input must give a
//! typed `Rejection` or a verified receipt, never a panic.
//!
//! The verifier holds the two challenges of test-vectors/receipt/wire_vectors.json as pending
//! (their relying-party ephemeral keys are in the vectors), trusts the test CSCAs, and uses a
//! nonce store that never remembers (so a valid receipt can be replayed by the fuzzer). The
//! first input byte picks the mode: even, the rest is an envelope as POSTed; odd, the rest is a
//! signed receipt (COSE_Sign1) that the target seals to the chip-verifiable challenge first, so
//! mutations of the receipt reach the parser behind AES-GCM. Seeds
//! (fuzz/seeds/verifier_verify/): the vectors' envelopes (mode 0) and signed receipts (mode 1).
#![no_main]

use std::sync::{Arc, OnceLock};

use monid_core::challenge::{self, Form, RpSigner};
use monid_core::cose;
use monid_core::pki::trust::TrustStore;
use monid_verifier::store::{NonceStore, PendingChallenge, StoreError};
use monid_verifier::{
    ChallengeStore, MemoryChallengeStore, MemoryEnrolmentStore, Policy, Verifier, VerifierConfig,
};

const VECTORS: &str = include_str!("../../test-vectors/receipt/wire_vectors.json");

/// Every nonce is fresh: the fuzzer may replay a valid receipt.
struct Forgetful;

impl NonceStore for Forgetful {
    fn consume(&self, _: &[u8; 16], _: u64) -> Result<bool, StoreError> {
        Ok(true)
    }
    fn purge_expired(&self, _: u64) -> Result<usize, StoreError> {
        Ok(0)
    }
}

/// Hex strings after every occurrence of `"key": "` (the vectors' two cases, in order).
fn hex_values(key: &str) -> Vec<Vec<u8>> {
    let pat = format!("\"{key}\": \"");
    VECTORS
        .match_indices(&pat)
        .filter_map(|(i, _)| {
            let rest = VECTORS.get(i + pat.len()..)?;
            let hex = rest.get(..rest.find('"')?)?;
            (0..hex.len())
                .step_by(2)
                .map(|j| u8::from_str_radix(hex.get(j..j + 2)?, 16).ok())
                .collect()
        })
        .collect()
}

struct Fixture {
    verifier: Verifier,
    challenge: Vec<u8>,
    nonce: [u8; 16],
    rp_key: [u8; 33],
    now: u64,
}

fn fixture() -> Option<Fixture> {
    let leaf_key = hex_values("rp_leaf_private").pop()?;
    let leaf_cert = hex_values("rp_leaf_cert").pop()?;
    let signer = RpSigner::new(&leaf_key, &[leaf_cert]).ok()?;
    let mut csca = TrustStore::new();
    for c in ["csca-uto-old", "csca-ma", "link-uto-new-by-old"] {
        let path = format!(
            "{}/../test-vectors/pki/certs/{c}.der",
            env!("CARGO_MANIFEST_DIR")
        );
        csca.add_der(&std::fs::read(path).ok()?);
    }
    let challenges = Arc::new(MemoryChallengeStore::new(4));
    let mut last = None;
    for (bytes, secret) in hex_values("challenge")
        .into_iter()
        .zip(hex_values("rp_ephemeral_private"))
    {
        let sign1 = cose::parse_sign1(&bytes, challenge::MAX_CHALLENGE_LEN).ok()?;
        let ch = challenge::Challenge::from_cbor(sign1.payload.as_deref()?).ok()?;
        challenges
            .insert(
                ch.nonce,
                PendingChallenge {
                    challenge: bytes.clone(),
                    rp_ephemeral_secret: zeroize::Zeroizing::new(secret.try_into().ok()?),
                    expires_at: ch.expires_at,
                },
            )
            .ok()?;
        last = Some((bytes, ch));
    }
    let (challenge, ch) = last?;
    let verifier = Verifier::new(VerifierConfig {
        signer,
        form: Form::Full,
        csca,
        attestation_roots: Vec::new(),
        policy: Policy::default(),
        challenges,
        nonces: Arc::new(Forgetful),
        enrolments: Arc::new(MemoryEnrolmentStore::new(4)),
    });
    Some(Fixture {
        verifier,
        challenge,
        nonce: ch.nonce,
        rp_key: ch.rp_key,
        now: ch.issued_at + 10,
    })
}

static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(f) = FIXTURE.get_or_init(fixture) else {
        panic!("fuzz fixture: test vectors missing");
    };
    let Some((mode, rest)) = data.split_first() else {
        let _ = f.verifier.verify(data, f.now);
        return;
    };
    if mode & 1 == 0 {
        let _ = f.verifier.verify(rest, f.now);
    } else if let Ok(env) = monid_core::receipt::encrypt::seal_with(
        rest,
        &f.challenge,
        &f.nonce,
        &f.rp_key,
        &[0x11; 32],
    ) {
        let _ = f.verifier.verify(&env, f.now);
    }
});
