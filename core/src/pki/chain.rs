//! Certification paths from a document signer certificate to a CSCA in a trust store.
//!
//! This module owns path building and the per-certificate checks of passive authentication's
//! PKI part: DSC -> (CSCA link certificates)* -> CSCA. Issuers are looked up by authority key
//! identifier first, then by issuer name compared as a set; every step's signature is verified
//! (a candidate whose signature fails is not the issuer, and the next one is tried). Each
//! certificate's validity is checked at the caller's `now` (shell model: every certificate of
//! the path valid at `now`), with key usage, basic constraints and revocation (CRLs of the
//! store). Results are data ([`Check`]), never errors: the report decides what they mean.
//!
//! Trust: every certificate in the store is trusted (the store is the caller's trust decision,
//! e.g. a verified master list, which lists link certificates alongside self-signed CSCAs).
//! The search prefers a path that ends at a self-signed CSCA and follows link certificates
//! upward as far as the store allows; a path ending at a store certificate whose own issuer is
//! absent is still a path, with `anchor_self_signed = false`.

use std::sync::Arc;

use super::PkiError;
use super::cert::{Certificate, KU_DIGITAL_SIGNATURE, KU_KEY_CERT_SIGN};
use super::time::Timestamp;
use super::trust::TrustStore;

/// Longest path searched (certificates above the DSC).
pub const MAX_DEPTH: usize = 8;

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// The check passed.
    Pass,
    /// The check failed (short reason, no personal data).
    Fail(String),
    /// The check could not be made (reason).
    NotChecked(String),
}

impl Check {
    /// True for [`Check::Pass`].
    pub fn is_pass(&self) -> bool {
        matches!(self, Check::Pass)
    }
    /// True for [`Check::Fail`].
    pub fn is_fail(&self) -> bool {
        matches!(self, Check::Fail(_))
    }
}

/// Revocation status of one certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// A current, verified CRL of the issuer does not list it.
    Good,
    /// A verified CRL of the issuer lists it (revocation date not after `now`).
    Revoked,
    /// No current CRL of the issuer in the store.
    NotChecked,
}

/// The role of a certificate in the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The document signer (first step).
    DocumentSigner,
    /// A CSCA certificate between the DSC and the anchor (link certificate or CSCA certificate
    /// that is not the last one).
    Link,
    /// The trust anchor ending the path.
    Anchor,
}

/// One certificate of the path and its checks.
#[derive(Clone, Debug)]
pub struct ChainStep {
    /// The certificate.
    pub certificate: Arc<Certificate>,
    /// Its role.
    pub role: Role,
    /// Its signature verified with the next certificate's key (for the anchor: not checked,
    /// trusted by membership in the store).
    pub signature: Check,
    /// Valid at `now`.
    pub validity: Check,
    /// DSC: keyUsage has digitalSignature. CSCA/link: basicConstraints cA and keyUsage
    /// keyCertSign, each when present.
    pub key_usage: Check,
    /// No unknown critical extension.
    pub extensions: Check,
    /// Revocation status from the store's CRLs.
    pub revocation: Revocation,
}

/// The result of [`build_chain`].
#[derive(Clone, Debug)]
pub struct ChainResult {
    /// DSC first, then link certificates, then the anchor. When no path was found, only the
    /// DSC with the reason in its `signature` check.
    pub steps: Vec<ChainStep>,
    /// A path to a store certificate with every signature verified.
    pub path_found: bool,
    /// The path ends at a self-signed CSCA.
    pub anchor_self_signed: bool,
    /// Why no path was found.
    pub reason: Option<String>,
}

impl ChainResult {
    /// Overall: `Fail` when no path, or any step failed validity, key usage or extensions, or
    /// is revoked; `Pass` otherwise (revocation not checked does not fail the chain).
    pub fn overall(&self) -> Check {
        if !self.path_found {
            return Check::Fail(
                self.reason
                    .clone()
                    .unwrap_or_else(|| "no certification path".into()),
            );
        }
        for s in &self.steps {
            for c in [&s.signature, &s.validity, &s.key_usage, &s.extensions] {
                if let Check::Fail(r) = c {
                    return Check::Fail(format!("{}: {r}", role_name(s.role)));
                }
            }
            if s.revocation == Revocation::Revoked {
                return Check::Fail(format!("{}: revoked", role_name(s.role)));
            }
        }
        Check::Pass
    }

    /// Revoked when any step is; Good when every step below the anchor was checked Good;
    /// NotChecked otherwise.
    pub fn revocation(&self) -> Revocation {
        if self
            .steps
            .iter()
            .any(|s| s.revocation == Revocation::Revoked)
        {
            return Revocation::Revoked;
        }
        let below: Vec<_> = self
            .steps
            .iter()
            .filter(|s| s.role != Role::Anchor)
            .collect();
        if !below.is_empty() && below.iter().all(|s| s.revocation == Revocation::Good) {
            Revocation::Good
        } else {
            Revocation::NotChecked
        }
    }

    /// The document signer certificate.
    pub fn dsc(&self) -> Option<&Certificate> {
        self.steps.first().map(|s| s.certificate.as_ref())
    }

    /// The anchor, when a path was found.
    pub fn anchor(&self) -> Option<&Certificate> {
        if self.path_found {
            self.steps.last().map(|s| s.certificate.as_ref())
        } else {
            None
        }
    }
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::DocumentSigner => "document signer",
        Role::Link => "link certificate",
        Role::Anchor => "CSCA",
    }
}

/// Verifies `cert`'s signature with `issuer`'s key as a [`Check`]: unsupported algorithms and
/// keys are "not checked", anything else that does not verify fails.
pub fn signature_check(cert: &Certificate, issuer: &Certificate) -> Check {
    match cert.verify_signed_by_cert(issuer) {
        Ok(()) => Check::Pass,
        Err(e @ (PkiError::UnsupportedAlgorithm(_) | PkiError::UnsupportedKey(_))) => {
            Check::NotChecked(e.to_string())
        }
        Err(PkiError::BadSignature) => Check::Fail("signature does not verify".into()),
        Err(e) => Check::Fail(format!("signature: {e}")),
    }
}

/// Whether the CMS signingTime (when present) lies inside the DSC's validity.
pub fn check_signing_time(dsc: &Certificate, signing_time: Option<Timestamp>) -> Check {
    match signing_time {
        None => Check::NotChecked("no signingTime attribute".into()),
        Some(t) if dsc.is_valid_at(t) => Check::Pass,
        Some(_) => Check::Fail("signingTime outside the document signer's validity".into()),
    }
}

fn validity_check(cert: &Certificate, now: Timestamp) -> Check {
    if now < cert.not_before() {
        Check::Fail("not yet valid".into())
    } else if now > cert.not_after() {
        Check::Fail("expired".into())
    } else {
        Check::Pass
    }
}

fn dsc_usage_check(cert: &Certificate) -> Check {
    match cert.key_usage() {
        None => Check::NotChecked("no keyUsage extension".into()),
        Some(ku) if ku & KU_DIGITAL_SIGNATURE != 0 => Check::Pass,
        Some(_) => Check::Fail("keyUsage lacks digitalSignature".into()),
    }
}

fn ca_usage_check(cert: &Certificate) -> Check {
    if cert.is_ca() == Some(false) {
        return Check::Fail("basicConstraints cA is false".into());
    }
    match (cert.key_usage(), cert.is_ca()) {
        (Some(ku), _) if ku & KU_KEY_CERT_SIGN == 0 => {
            Check::Fail("keyUsage lacks keyCertSign".into())
        }
        (Some(_), Some(true)) => Check::Pass,
        (None, None) => Check::NotChecked("no keyUsage nor basicConstraints".into()),
        (None, Some(_)) => Check::NotChecked("no keyUsage extension".into()),
        (Some(_), _) => Check::NotChecked("no basicConstraints extension".into()),
    }
}

fn extensions_check(cert: &Certificate) -> Check {
    if cert.unknown_critical() {
        Check::Fail("unknown critical extension".into())
    } else {
        Check::Pass
    }
}

fn revocation_of(store: &TrustStore, cert: &Certificate, now: Timestamp) -> Revocation {
    match store.is_revoked(cert, now) {
        Some(true) => Revocation::Revoked,
        Some(false) => Revocation::Good,
        None => Revocation::NotChecked,
    }
}

/// A path above some certificate: the issuers in order, and whether it ends self-signed.
type Above = (Vec<Arc<Certificate>>, bool);

fn path_above(
    store: &TrustStore,
    cert: &Certificate,
    depth: usize,
    visited: &mut Vec<Arc<Certificate>>,
) -> Result<Above, String> {
    if depth >= MAX_DEPTH {
        return Err("certification path too long".into());
    }
    let candidates: Vec<Arc<Certificate>> = store
        .issuer_arcs(cert)
        .into_iter()
        .filter(|c| !visited.iter().any(|v| Arc::ptr_eq(v, c)))
        .cloned()
        .collect();
    if candidates.is_empty() {
        return Err("no issuer certificate in the trust store".into());
    }
    let mut best: Option<Above> = None;
    let mut last_err = String::new();
    for cand in candidates {
        match signature_check(cert, &cand) {
            Check::Pass => {}
            Check::Fail(r) => {
                last_err = format!("issuer candidate: {r}");
                continue;
            }
            Check::NotChecked(r) => {
                last_err = format!("issuer candidate: signature not verifiable: {r}");
                continue;
            }
        }
        if cand.is_self_issued() {
            return Ok((vec![cand], true));
        }
        visited.push(cand.clone());
        let above = path_above(store, &cand, depth + 1, visited);
        visited.pop();
        match above {
            Ok((rest, true)) => {
                let mut p = vec![cand];
                p.extend(rest);
                return Ok((p, true));
            }
            Ok((rest, false)) => {
                if best.is_none() {
                    let mut p = vec![cand];
                    p.extend(rest);
                    best = Some((p, false));
                }
            }
            Err(_) => {
                if best.is_none() {
                    best = Some((vec![cand], false));
                }
            }
        }
    }
    best.ok_or(last_err)
}

/// Builds and checks the path from `dsc` to a CSCA of `store` at time `now`.
pub fn build_chain(store: &TrustStore, dsc: &Certificate, now: Timestamp) -> ChainResult {
    let dsc_arc = Arc::new(dsc.clone());
    let mut visited = vec![dsc_arc.clone()];
    let dsc_step = |signature: Check| ChainStep {
        certificate: dsc_arc.clone(),
        role: Role::DocumentSigner,
        signature,
        validity: validity_check(dsc, now),
        key_usage: dsc_usage_check(dsc),
        extensions: extensions_check(dsc),
        revocation: revocation_of(store, dsc, now),
    };
    match path_above(store, dsc, 0, &mut visited) {
        Err(reason) => ChainResult {
            steps: vec![dsc_step(Check::Fail(reason.clone()))],
            path_found: false,
            anchor_self_signed: false,
            reason: Some(reason),
        },
        Ok((issuers, self_signed)) => {
            let mut steps = vec![dsc_step(Check::Pass)];
            let n = issuers.len();
            for (i, c) in issuers.into_iter().enumerate() {
                let last = i + 1 == n;
                steps.push(ChainStep {
                    role: if last { Role::Anchor } else { Role::Link },
                    signature: if last {
                        Check::NotChecked("trust anchor".into())
                    } else {
                        Check::Pass
                    },
                    validity: validity_check(&c, now),
                    key_usage: ca_usage_check(&c),
                    extensions: extensions_check(&c),
                    revocation: revocation_of(store, &c, now),
                    certificate: c,
                });
            }
            ChainResult {
                steps,
                path_found: true,
                anchor_self_signed: self_signed,
                reason: None,
            }
        }
    }
}
