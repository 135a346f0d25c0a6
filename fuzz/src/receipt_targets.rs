//! Fuzz targets for receipts and the relying party's verifier, shared by the libFuzzer binaries
//! (`fuzzers/receipt_parse.rs`, `envelope_open.rs`, `verifier_verify.rs`) and the stable seed
//! replay (`tests/seeds.rs` through [`crate::TARGETS`]).
//!
//! `verifier_verify`: the relying party's whole receipt path, `monid_verifier::Verifier::verify`
//! (envelope parsing, decryption, receipt parsing, device signature, challenge binding, passive
//! and active authentication of the chip record, claims, face, policy). Any input must give a
//! typed `Rejection` or a verified receipt, never a panic. The verifier holds the two challenges
//! of test-vectors/receipt/wire_vectors.json as pending (their relying-party ephemeral keys are in
//! the vectors), trusts the test CSCAs, and uses a nonce store that never remembers (so a valid
//! receipt can be replayed by the fuzzer). The first input byte picks the mode: even, the rest is
//! an envelope as POSTed; odd, the rest is a signed receipt (COSE_Sign1) that the target seals to
//! the chip-verifiable challenge first, so mutations of the receipt reach the parser behind
//! AES-GCM.

/// `monid_core::receipt::parse_receipt` (bounded COSE_Sign1 + receipt payload) and, when it
/// parses, the signature check with the receipt's own key.
pub fn receipt_parse(data: &[u8]) {
    if let Ok(r) = monid_core::receipt::parse_receipt(data) {
        // Invariants of a parsed receipt.
        assert!(!r.claims.is_empty() && r.claims.len() <= 9);
        assert!(r.rp_id.len() <= monid_core::receipt::MAX_RP_ID);
        let _ = r.verify_signature();
    }
}

/// The device-asserted vector's relying-party ephemeral key.
const RP_PRIVATE: [u8; 32] = [
    0x30, 0x4a, 0xce, 0xe0, 0xb0, 0xa2, 0xd6, 0xb8, 0x82, 0x64, 0x71, 0xff, 0x66, 0x88, 0x08, 0x60,
    0xfe, 0x51, 0xe9, 0xa9, 0x32, 0x00, 0x21, 0x8b, 0x71, 0x64, 0x6b, 0x74, 0xfb, 0x79, 0xd3, 0x5e,
];

/// The device-asserted vector's challenge.
const CHALLENGE: &[u8] = include_bytes!("../fuzzers/envelope_open.challenge.cose");

/// `parse_envelope` and `open_envelope` with a fixed relying-party key and challenge.
pub fn envelope_open(data: &[u8]) {
    if let Ok(env) = monid_core::receipt::parse_envelope(data) {
        assert!(env.ciphertext.len() >= 16);
    }
    if let Ok(receipt) = monid_core::receipt::open_envelope(data, &RP_PRIVATE, CHALLENGE) {
        let _ = monid_core::receipt::parse_receipt(&receipt);
    }
}

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

/// The `verifier_verify` target.
pub fn verifier_verify(data: &[u8]) {
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
}
