//! The relying party's side in the CLI: `monid receipt verify` and the demo's end-to-end flow
//! (portal issues a challenge, the phone reads the virtual CNIE and answers, the portal
//! verifies).
//!
//! This module owns turning files into a one-shot [`monid_verifier::Verifier`] (the challenge
//! and its ephemeral key loaded into an in-memory challenge store) and the short, secret-free
//! verdict text. It must not re-implement any check: everything is `monid-verifier`'s. Claim
//! values are printed only when asked (`--show-values`).

use std::sync::Arc;

use monid_core::challenge::{self, Assurance, Claim, ClaimRequest, Form, Level, RpSigner};
use monid_core::cose;
use monid_core::pki::trust::TrustStore;
use monid_core::receipt::{ClaimValue, Liveness};
use monid_verifier::store::PendingChallenge;
use monid_verifier::{
    AttestationVerdict, ChallengeStore, Evidence, MemoryChallengeStore, MemoryEnrolmentStore,
    MemoryNonceStore, Policy, VerifiedReceipt, Verifier, VerifierConfig,
};
use zeroize::Zeroizing;

use crate::exit::{self, CliError};

/// Exit code of `monid receipt verify` when the receipt is refused.
pub const RECEIPT_REJECTED: u8 = 9;

/// The 32-byte scalar of an `EC PRIVATE KEY` PEM (RFC 5915, P-256), as written by
/// `monid qr issue --ephemeral-out`.
pub fn ephemeral_scalar_from_pem(pem: &[u8]) -> Result<Zeroizing<[u8; 32]>, String> {
    use base64::Engine;
    let text = std::str::from_utf8(pem).map_err(|_| "ephemeral key: not PEM text".to_owned())?;
    let begin = "-----BEGIN EC PRIVATE KEY-----";
    let end = "-----END EC PRIVATE KEY-----";
    let body = text
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(b, _)| b)
        .ok_or_else(|| "ephemeral key: no EC PRIVATE KEY block".to_owned())?;
    let b64: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_whitespace()).collect());
    let der = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .map_err(|_| "ephemeral key: bad base64".to_owned())?,
    );
    // ECPrivateKey { version 1, privateKey OCTET STRING (32), ... }
    let scalar = match der.get(..7) {
        Some([0x30, _, 0x02, 0x01, 0x01, 0x04, 0x20]) => der.get(7..39),
        _ => None,
    }
    .ok_or_else(|| "ephemeral key: not a P-256 ECPrivateKey".to_owned())?;
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(scalar);
    Ok(out)
}

/// A verifier for one challenge: the relying party's credentials, the challenge (COSE_Sign1
/// bytes or `MC1:` text) with its ephemeral key loaded as pending, the CSCA store.
pub fn one_shot_verifier(
    signer: RpSigner,
    challenge_input: &[u8],
    ephemeral: Zeroizing<[u8; 32]>,
    csca: TrustStore,
) -> Result<Verifier, CliError> {
    let usage = |m: String| CliError::new(exit::USAGE, m);
    let bytes =
        challenge::decode_input(challenge_input).map_err(|e| usage(format!("challenge: {e}")))?;
    let sign1 = cose::parse_sign1(&bytes, challenge::MAX_CHALLENGE_LEN)
        .map_err(|e| usage(format!("challenge: {e}")))?;
    let ch = challenge::Challenge::from_cbor(sign1.payload.as_deref().unwrap_or_default())
        .map_err(|e| usage(format!("challenge: {e}")))?;
    let store = Arc::new(MemoryChallengeStore::new(1));
    store
        .insert(
            ch.nonce,
            PendingChallenge {
                challenge: bytes,
                rp_ephemeral_secret: ephemeral,
                expires_at: ch.expires_at,
            },
        )
        .map_err(|e| CliError::new(exit::OTHER, e.to_string()))?;
    Ok(Verifier::new(VerifierConfig {
        signer,
        form: Form::Full,
        csca,
        attestation_roots: Vec::new(),
        policy: Policy::default(),
        challenges: store,
        nonces: Arc::new(MemoryNonceStore::new(16)),
        enrolments: Arc::new(MemoryEnrolmentStore::new(64)),
    }))
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::ChipVerifiable => "chip-verifiable",
        Level::DeviceAsserted => "device-asserted",
    }
}

fn value_text(v: &ClaimValue) -> Zeroizing<String> {
    Zeroizing::new(match v {
        ClaimValue::FromChip => "(data group)".to_owned(),
        ClaimValue::Names { primary, secondary } => format!("{} / {}", **primary, **secondary),
        ClaimValue::Date(d) => d.to_string(),
        ClaimValue::AgeOver { over, as_of } => format!("{over} (as of {as_of})"),
        ClaimValue::Text(t) => t.to_string(),
    })
}

/// The verdict text: one line per claim (name, level, evidence; the value only with
/// `show_values`), the assurance, and a last line `receipt VERIFIED (level ...)`.
pub fn verdict_text(r: &VerifiedReceipt, show_values: bool) -> Zeroizing<String> {
    let mut s = Zeroizing::new(String::new());
    for c in &r.claims {
        let evidence = match c.evidence {
            Evidence::DataGroup {
                number,
                chip_genuine,
            } => format!(
                "DG{number} passive authentication{}",
                if chip_genuine { ", chip genuine" } else { "" }
            ),
            Evidence::Enrolment { attestation } => {
                format!(
                    "enrolment record, attestation {}",
                    attestation_name(attestation)
                )
            }
        };
        s.push_str(&format!(
            "  claim {:<16} {:<16} {evidence}",
            c.claim.name(),
            level_name(c.level)
        ));
        if show_values {
            s.push_str(": ");
            s.push_str(&value_text(&c.value));
        }
        s.push('\n');
    }
    let a = &r.assurance;
    s.push_str(&format!(
        "  chip read (PA): {}, chip genuine (AA): {}, face: {}\n",
        yes(a.chip_read),
        yes(a.chip_genuine),
        match a.face {
            Some(f) => format!(
                "{}/1000, liveness {}",
                f.score_milli,
                match f.liveness {
                    Liveness::Passed => "passed",
                    Liveness::Failed => "failed",
                    _ => "not run",
                }
            ),
            None => "not requested".to_owned(),
        }
    ));
    s.push_str(&format!(
        "receipt VERIFIED (level {}{})\n",
        level_name(a.level),
        if a.chip_genuine { ", chip genuine" } else { "" }
    ));
    s
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn attestation_name(a: AttestationVerdict) -> &'static str {
    match a {
        AttestationVerdict::Absent => "absent",
        AttestationVerdict::NotChecked => "not checked",
        AttestationVerdict::Verified => "verified",
        AttestationVerdict::Failed => "failed",
    }
}

/// The demo relying party (TEST ONLY): `bank.example.ma` of the openssl RP test PKI, with its
/// intermediate, and the RP root the phone trusts.
pub fn demo_rp() -> Result<(RpSigner, challenge::RelyingPartyTrust), CliError> {
    let internal = |m: String| CliError::new(exit::OTHER, m);
    let mut chain = include_bytes!("../../test-vectors/rp/certs/bank.pem").to_vec();
    chain.extend_from_slice(include_bytes!(
        "../../test-vectors/rp/certs/rp-intermediate.pem"
    ));
    let signer = RpSigner::from_pem(
        include_bytes!("../../test-vectors/rp/keys/bank.key"),
        &chain,
    )
    .map_err(|e| internal(format!("demo relying party: {e}")))?;
    let mut trust = challenge::RelyingPartyTrust::new();
    trust
        .add_anchors_pem(include_bytes!("../../test-vectors/rp/certs/rp-anchor.pem"))
        .map_err(|e| internal(format!("demo relying-party anchor: {e}")))?;
    Ok((signer, trust))
}

/// The end-to-end flow of `monid demo`, on the virtual CNIE at `now` (Unix seconds): the
/// portal issues a chip-verifiable challenge (names, age over 18, photo; chip read, chip
/// genuine, face match); the phone scans it, reads the card with PACE-CAN and AA over the
/// derived challenge (CA and PA too), binds a fixed SYNTHETIC face-match record, signs with a
/// `SoftwareKeyStore` key and seals; the portal verifies. Returns the lines to print (the last
/// says whether the receipt was verified and at which level) and whether it was.
pub fn demo_flow(now: u64, csca: TrustStore) -> Result<(Vec<String>, bool), CliError> {
    use monid_core::CancelToken;
    use monid_core::access::AccessKey;
    use monid_core::document::Document;
    use monid_core::keys::{KeyOptions, KeyStore, SoftwareKeyStore};
    use monid_core::rand::SystemRandom;
    use monid_core::reader::{DocumentReader, ReadOptions};
    use monid_core::receipt::{self, ChallengeInput, FaceMatchResult, ReceiptBuilder};
    use monid_vchip::VirtualChip;

    let other = |m: String| CliError::new(exit::OTHER, m);
    let (signer, rp_trust) = demo_rp()?;
    let mut lines = Vec::new();
    let csca_for_phone = csca.clone();
    let verifier = Verifier::new(VerifierConfig {
        signer,
        form: Form::Full,
        csca,
        attestation_roots: Vec::new(),
        policy: Policy::default(),
        challenges: Arc::new(MemoryChallengeStore::new(16)),
        nonces: Arc::new(MemoryNonceStore::new(16)),
        enrolments: Arc::new(MemoryEnrolmentStore::new(16)),
    });
    let claims = [
        (Claim::Names, Level::ChipVerifiable),
        (Claim::AgeOver18, Level::ChipVerifiable),
        (Claim::Photo, Level::ChipVerifiable),
    ];
    let spec = monid_verifier::ChallengeSpec {
        purpose: "monid demo (TEST relying party)".into(),
        claims: claims
            .iter()
            .map(|(claim, level)| ClaimRequest {
                claim: *claim,
                level: *level,
            })
            .collect(),
        assurance: Assurance::ALL,
        response_uri: "https://bank.example.ma/monid/receipt".into(),
        lifetime_secs: 300,
    };
    let issued = verifier
        .issue_challenge(&spec, now, &mut SystemRandom)
        .map_err(|e| other(format!("issue: {e}")))?;
    lines.push(format!(
        "Portal:   challenge issued by {} ({} bytes, confirmation code {})",
        verifier.rp_id(),
        issued.bytes.len(),
        issued.confirmation_code
    ));

    // The phone.
    let scanned = challenge::scan(issued.qr_text.as_bytes(), &rp_trust, now, 120)
        .map_err(|e| other(format!("scan: {e}")))?;
    let keys = SoftwareKeyStore::new();
    let device = keys
        .generate("device", KeyOptions::default())
        .map_err(|e| other(format!("device key: {e}")))?;
    let profile = crate::session::demo_profile();
    let mut chip = VirtualChip::new(profile.clone());
    let options = ReadOptions {
        aa_challenge: Some(receipt::aa_challenge(&scanned.cose, device.as_bytes())),
        ..ReadOptions::default()
    };
    let raw = DocumentReader::new(AccessKey::can(profile.can())?, options)
        .read(&mut chip, &())
        .map_err(|e| other(format!("read: {e}")))?;
    let mut doc = Document::from_raw(raw);
    let verdict = doc
        .verify(&csca_for_phone, monid_core::pki::Timestamp(now as i64))
        .verdict();
    lines.push(format!(
        "Phone:    {} ({}), card read with PACE-CAN, AA over the derived challenge, PA {:?}",
        scanned.rp_display_name, scanned.confirmation_code, verdict
    ));
    let face = FaceMatchResult {
        engine_id: "synthetic-demo".into(),
        engine_version: "0".into(),
        score_milli: 930,
        threshold_milli: 800,
        decision: true,
        liveness: Liveness::Passed,
    };
    lines.push(
        "Phone:    face match SYNTHETIC (fixed record: score 930/1000, liveness passed)".into(),
    );
    let envelope = ReceiptBuilder::new(ChallengeInput::from(&scanned), now)
        .document(&doc)
        .face(face, b"synthetic live capture")
        .seal(&keys, "device", &CancelToken::new(), &mut SystemRandom)
        .map_err(|e| other(format!("receipt: {e}")))?;
    lines.push(format!(
        "Phone:    receipt signed (SoftwareKeyStore) and sealed, {} bytes",
        envelope.len()
    ));

    // The portal.
    match verifier.verify(&envelope, now + 1) {
        Ok(r) => {
            let text = verdict_text(&r, false);
            lines.extend(text.lines().map(|l| format!("Portal: {l}")));
            if let Some(last) = lines.last_mut() {
                *last = format!(
                    "Receipt VERIFIED at level {}{}",
                    level_name(r.assurance.level),
                    if r.assurance.chip_genuine {
                        " (chip genuine, face matched)"
                    } else {
                        ""
                    }
                );
            }
            Ok((lines, true))
        }
        Err(e) => {
            lines.push(format!("Receipt REJECTED: {e}"));
            Ok((lines, false))
        }
    }
}
