//! Passive authentication of a document: EF.SOD against a trust store, data groups against
//! EF.SOD.
//!
//! This module owns the sequence of checks of ICAO 9303-11 §5.1 and the [`PaReport`] that
//! records each of them as data (pass, fail, not checked, with a reason a person can act on).
//! It combines the CMS parser, the signature verifier and the certificate chain builder; it
//! parses nothing itself and never throws on a bad document: a malformed or forged SOD is a
//! failed check in the report. It knows no clock (the caller passes `now`) and reads no file.

use super::cert::Certificate;
use super::chain::{self, ChainResult};
use super::cms;
use super::ldsso;
use super::trust::TrustStore;
use super::{Timestamp, alg, oid, sig};

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The check ran and passed.
    Pass,
    /// The check ran and failed.
    Fail,
    /// The check could not run (missing data, unmapped country, no CRL ...).
    NotChecked,
}

/// What a check is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckKind {
    /// EF.SOD parses as CMS SignedData over an LDS security object.
    SodStructure,
    /// The signed attributes: content type and message digest over the eContent.
    SignedAttributes,
    /// The document signer certificate was found (in the SOD or supplied).
    SignerCertificate,
    /// The SOD signature verifies with the DSC's key.
    Signature,
    /// The DSC chains to a CSCA in the trust store (link certificates included).
    Chain,
    /// The DSC and the certificates of its chain are valid at the verifier's time.
    Validity,
    /// The signing time, when present, lies within the DSC's validity.
    SigningTime,
    /// The DSC's key usage allows signing documents.
    KeyUsage,
    /// The DSC's country matches the document's issuing state.
    Country,
    /// The DSC is not revoked by a CRL in the trust store.
    Revocation,
    /// One data group's hash (`dg` set).
    DataGroupHash,
}

/// One check of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// What was checked.
    pub kind: CheckKind,
    /// For [`CheckKind::DataGroupHash`]: the data group number.
    pub dg: Option<u8>,
    /// The outcome.
    pub outcome: Outcome,
    /// Why, in words a person can act on (no personal data).
    pub reason: String,
}

/// The overall result, derived from the checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every check that matters passed: the data read is the issuer's.
    Valid,
    /// At least one check failed.
    Invalid,
    /// Nothing failed, but a check that matters could not run (no trust anchor, ...).
    Incomplete,
}

/// Passive authentication's result, as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaReport {
    /// Every check, in the order run.
    pub checks: Vec<Check>,
    /// The signature algorithm of the SOD, when known ("ECDSA/SHA-256").
    pub signature_algorithm: Option<String>,
    /// The DSC's key ("EC brainpoolP256r1 (explicit parameters)").
    pub signer_key: Option<String>,
    /// Subjects of the chain found, DSC first.
    pub chain: Vec<String>,
    /// The digest algorithm of the data-group hashes.
    pub hash_algorithm: Option<String>,
}

impl PaReport {
    fn empty() -> PaReport {
        PaReport {
            checks: Vec::new(),
            signature_algorithm: None,
            signer_key: None,
            chain: Vec::new(),
            hash_algorithm: None,
        }
    }

    /// The report for a read without EF.SOD: nothing can be verified.
    pub fn without_sod(data_groups: &[(u8, &[u8])]) -> PaReport {
        let mut report = PaReport::empty();
        report.push(
            CheckKind::SodStructure,
            Outcome::NotChecked,
            "EF.SOD was not read",
        );
        let dgs: Vec<u8> = data_groups.iter().map(|(n, _)| *n).collect();
        not_checked_dgs(&mut report, &dgs, "EF.SOD was not read");
        report
    }

    fn push(&mut self, kind: CheckKind, outcome: Outcome, reason: impl Into<String>) {
        self.checks.push(Check {
            kind,
            dg: None,
            outcome,
            reason: reason.into(),
        });
    }

    /// The outcome of a check kind (for data groups: of the given one).
    pub fn outcome(&self, kind: CheckKind, dg: Option<u8>) -> Option<Outcome> {
        self.checks
            .iter()
            .find(|c| c.kind == kind && c.dg == dg)
            .map(|c| c.outcome)
    }

    /// The overall verdict: invalid when anything failed; incomplete when the signature, the
    /// chain, the validity or any data group read could not be checked; valid otherwise.
    /// Country and revocation checks that could not run (unmapped code, no CRL) do not make it
    /// incomplete: they are reported for the caller's policy.
    pub fn verdict(&self) -> Verdict {
        if self.checks.iter().any(|c| c.outcome == Outcome::Fail) {
            return Verdict::Invalid;
        }
        let essential = |k: CheckKind| {
            matches!(
                k,
                CheckKind::SodStructure
                    | CheckKind::SignedAttributes
                    | CheckKind::SignerCertificate
                    | CheckKind::Signature
                    | CheckKind::Chain
                    | CheckKind::Validity
            )
        };
        let complete = [
            CheckKind::SodStructure,
            CheckKind::Signature,
            CheckKind::Chain,
            CheckKind::Validity,
        ]
        .iter()
        .all(|k| self.outcome(*k, None) == Some(Outcome::Pass));
        if !complete
            || self
                .checks
                .iter()
                .any(|c| essential(c.kind) && c.outcome == Outcome::NotChecked)
        {
            return Verdict::Incomplete;
        }
        Verdict::Valid
    }

    /// True when the data group's hash was checked and matched the SOD.
    pub fn dg_verified(&self, dg: u8) -> bool {
        self.verdict() == Verdict::Valid
            && self.outcome(CheckKind::DataGroupHash, Some(dg)) == Some(Outcome::Pass)
    }
}

/// What passive authentication needs from a read.
#[derive(Clone, Copy, Debug)]
pub struct PaInput<'a> {
    /// EF.SOD as read (with its 77 tag) or the bare ContentInfo.
    pub sod: &'a [u8],
    /// The data groups read: (number, bytes as read).
    pub data_groups: &'a [(u8, &'a [u8])],
    /// The document's issuing state from DG1 (3-letter ICAO code), if known.
    pub issuing_state: Option<&'a str>,
    /// A document signer certificate supplied by the caller (for SODs that do not carry one).
    pub dsc: Option<&'a Certificate>,
}

/// Strips the EF.SOD application tag 77 when present.
fn content_info(sod: &[u8]) -> &[u8] {
    if sod.first() == Some(&0x77)
        && let Ok((e, _)) = super::ber::read(sod)
    {
        return e.content;
    }
    sod
}

/// Runs passive authentication.
pub fn verify(input: &PaInput<'_>, store: &TrustStore, now: Timestamp) -> PaReport {
    let mut report = PaReport::empty();
    let read_dgs: Vec<u8> = input.data_groups.iter().map(|(n, _)| *n).collect();

    // 1. Structure.
    let signed = match cms::parse_signed_data(content_info(input.sod)) {
        Ok(s) => s,
        Err(e) => {
            report.push(
                CheckKind::SodStructure,
                Outcome::Fail,
                format!("EF.SOD is not valid CMS SignedData: {e}"),
            );
            not_checked_dgs(&mut report, &read_dgs, "EF.SOD could not be parsed");
            return report;
        }
    };
    if signed.econtent_type != oid::LDS_SECURITY_OBJECT {
        report.push(
            CheckKind::SodStructure,
            Outcome::Fail,
            format!(
                "eContentType is {}, not the LDS security object",
                signed.econtent_type
            ),
        );
        not_checked_dgs(&mut report, &read_dgs, "EF.SOD has the wrong content type");
        return report;
    }
    let lds = match ldsso::parse_lds_security_object(&signed.econtent) {
        Ok(l) => l,
        Err(e) => {
            report.push(
                CheckKind::SodStructure,
                Outcome::Fail,
                format!("LDS security object malformed: {e}"),
            );
            not_checked_dgs(&mut report, &read_dgs, "LDS security object malformed");
            return report;
        }
    };
    let [signer] = signed.signer_infos.as_slice() else {
        report.push(
            CheckKind::SodStructure,
            Outcome::Fail,
            format!(
                "EF.SOD has {} signer infos; exactly one is required",
                signed.signer_infos.len()
            ),
        );
        not_checked_dgs(&mut report, &read_dgs, "EF.SOD is not signed");
        return report;
    };
    report.push(
        CheckKind::SodStructure,
        Outcome::Pass,
        format!(
            "CMS SignedData over an LDS security object v{} with {} data-group hashes",
            lds.version,
            lds.hashes.len()
        ),
    );

    // 2. Data-group hashes (independent of the signature; reported either way).
    dg_hashes(&mut report, &lds, input.data_groups);

    verify_signer(&mut report, &signed, signer, "EF.SOD", input, store, now);
    report
}

/// Passive authentication of EF.CardSecurity (BSI TR-03110): CMS SignedData over SecurityInfos,
/// signed by a document signer that chains to a CSCA. Data-group checks do not apply; the
/// report's checks cover the structure, signed attributes, signer, signature, chain, validity,
/// key usage, revocation, signing time and country.
pub fn verify_card_security(
    card_security: &[u8],
    issuing_state: Option<&str>,
    store: &TrustStore,
    now: Timestamp,
) -> PaReport {
    let mut report = PaReport::empty();
    let signed = match cms::parse_signed_data(card_security) {
        Ok(s) => s,
        Err(e) => {
            report.push(
                CheckKind::SodStructure,
                Outcome::Fail,
                format!("EF.CardSecurity is not valid CMS SignedData: {e}"),
            );
            return report;
        }
    };
    if signed.econtent_type != oid::SECURITY_OBJECT {
        report.push(
            CheckKind::SodStructure,
            Outcome::Fail,
            format!(
                "eContentType is {}, not id-SecurityObject",
                signed.econtent_type
            ),
        );
        return report;
    }
    let infos = match ldsso::parse_security_infos(&signed.econtent) {
        Ok(i) => i,
        Err(e) => {
            report.push(
                CheckKind::SodStructure,
                Outcome::Fail,
                format!("SecurityInfos malformed: {e}"),
            );
            return report;
        }
    };
    let [signer] = signed.signer_infos.as_slice() else {
        report.push(
            CheckKind::SodStructure,
            Outcome::Fail,
            "EF.CardSecurity must have exactly one signer info",
        );
        return report;
    };
    report.push(
        CheckKind::SodStructure,
        Outcome::Pass,
        format!("CMS SignedData over {} SecurityInfos", infos.len()),
    );
    let input = PaInput {
        sod: card_security,
        data_groups: &[],
        issuing_state,
        dsc: None,
    };
    verify_signer(
        &mut report,
        &signed,
        signer,
        "EF.CardSecurity",
        &input,
        store,
        now,
    );
    report
}

/// Steps 3 to 8, shared by EF.SOD and EF.CardSecurity: signed attributes, signer certificate,
/// signature, chain, signing time, country.
fn verify_signer(
    report: &mut PaReport,
    signed: &cms::SignedData<'_>,
    signer: &cms::SignerInfo<'_>,
    object: &str,
    input: &PaInput<'_>,
    store: &TrustStore,
    now: Timestamp,
) {
    // 3. Signed attributes.
    let digest = match alg::DigestAlgorithm::from_algorithm_identifier(signer.digest_algorithm) {
        Ok(d) => d,
        Err(e) => {
            report.push(
                CheckKind::SignedAttributes,
                Outcome::Fail,
                format!("signer digest algorithm: {e}"),
            );
            return;
        }
    };
    let message = match &signer.signed_attrs {
        Some(attrs) => {
            let mut problems = Vec::new();
            match attrs.content_type.as_deref() {
                Some(ct) if ct == signed.econtent_type => {}
                Some(_) => problems.push("contentType attribute differs from eContentType"),
                None => problems.push("contentType attribute missing"),
            }
            match &attrs.message_digest {
                Some(md) if *md == digest.digest(&signed.econtent) => {}
                Some(_) => problems.push("messageDigest does not match the eContent"),
                None => problems.push("messageDigest attribute missing"),
            }
            if let Some(ap) = &attrs.algorithm_protection
                && !ap.matches(signer.digest_algorithm, signer.signature_algorithm)
            {
                problems.push("CMSAlgorithmProtection does not match the signer's algorithms");
            }
            if problems.is_empty() {
                report.push(
                    CheckKind::SignedAttributes,
                    Outcome::Pass,
                    format!("content type and {} message digest match", digest.name()),
                );
            } else {
                report.push(
                    CheckKind::SignedAttributes,
                    Outcome::Fail,
                    problems.join("; "),
                );
            }
            attrs.signed_bytes()
        }
        None => {
            // CMS allows it, ICAO 9303-10 does not: without signed attributes nothing binds the
            // content type, and the signature is checked over the eContent itself.
            report.push(
                CheckKind::SignedAttributes,
                Outcome::Fail,
                format!("{object} has no signed attributes, which ICAO 9303 requires"),
            );
            signed.econtent.clone()
        }
    };

    // 4. The signer certificate.
    let in_sod: Vec<Certificate> = signed
        .certificates
        .iter()
        .filter_map(|c| Certificate::from_der(c).ok())
        .collect();
    let matches_sid = |c: &Certificate| c.matches_signer_id(&signer.sid);
    let dsc = in_sod
        .iter()
        .find(|c| matches_sid(c))
        .or_else(|| input.dsc.filter(|c| matches_sid(c)))
        .or(input.dsc);
    let Some(dsc) = dsc else {
        report.push(
            CheckKind::SignerCertificate,
            Outcome::NotChecked,
            "no document signer certificate in EF.SOD and none supplied",
        );
        return;
    };
    report.push(
        CheckKind::SignerCertificate,
        Outcome::Pass,
        format!("document signer {}", dsc.subject()),
    );

    // 5. The signature.
    match (
        sig::PublicKey::from_spki(dsc.spki()),
        alg::SignatureAlgorithm::from_cms(signer.signature_algorithm, digest),
    ) {
        (Ok(key), Ok(sig_alg)) => {
            report.signature_algorithm = Some(sig_alg.name());
            report.signer_key = Some(key.describe());
            match sig::verify_signature(&key, &sig_alg, &message, &signer.signature) {
                Ok(()) => report.push(
                    CheckKind::Signature,
                    Outcome::Pass,
                    format!(
                        "{} signature verifies with {}",
                        sig_alg.name(),
                        key.describe()
                    ),
                ),
                Err(e) => report.push(
                    CheckKind::Signature,
                    Outcome::Fail,
                    format!("the SOD signature does not verify: {e}"),
                ),
            }
        }
        (Err(e), _) | (_, Err(e)) => report.push(
            CheckKind::Signature,
            Outcome::NotChecked,
            format!("cannot verify: {e}"),
        ),
    }

    // 6. Chain, validity, key usage, revocation.
    if store.is_empty() {
        for kind in [CheckKind::Chain, CheckKind::Validity, CheckKind::KeyUsage] {
            report.push(kind, Outcome::NotChecked, "the trust store is empty");
        }
        report.push(
            CheckKind::Revocation,
            Outcome::NotChecked,
            "the trust store is empty",
        );
    } else {
        let result: ChainResult = chain::build_chain(store, dsc, now);
        report.chain = result
            .steps
            .iter()
            .map(|s| s.certificate.subject().to_string())
            .collect();
        let step_checks = |pick: fn(&chain::ChainStep) -> &chain::Check| -> (Outcome, String) {
            for s in &result.steps {
                if let chain::Check::Fail(r) = pick(s) {
                    return (Outcome::Fail, format!("{}: {r}", role(s.role)));
                }
            }
            // The anchor's own signature is not checked: it is trusted by being in the store.
            for s in result
                .steps
                .iter()
                .filter(|s| s.role != chain::Role::Anchor)
            {
                if let chain::Check::NotChecked(r) = pick(s) {
                    return (Outcome::NotChecked, format!("{}: {r}", role(s.role)));
                }
            }
            (Outcome::Pass, String::new())
        };
        if result.path_found {
            let (o, r) = step_checks(|s| &s.signature);
            let r = if o == Outcome::Pass {
                format!("{} certificate(s) up to a trusted CSCA", result.steps.len())
            } else {
                r
            };
            report.push(CheckKind::Chain, o, r);
            let (o, r) = step_checks(|s| &s.validity);
            report.push(
                CheckKind::Validity,
                o,
                if o == Outcome::Pass {
                    "every certificate of the chain is valid now".into()
                } else {
                    r
                },
            );
        } else {
            report.push(
                CheckKind::Chain,
                Outcome::Fail,
                result
                    .reason
                    .clone()
                    .unwrap_or_else(|| "no path to a trusted CSCA".into()),
            );
            report.push(
                CheckKind::Validity,
                to_outcome(&validity_of(dsc, now)).0,
                to_outcome(&validity_of(dsc, now)).1,
            );
        }
        let (o, r) = match result.steps.first() {
            Some(s) => to_outcome(&s.key_usage),
            None => (Outcome::NotChecked, "no chain".into()),
        };
        report.push(
            CheckKind::KeyUsage,
            o,
            if o == Outcome::Pass {
                "the signer certificate may sign documents".into()
            } else {
                r
            },
        );
        let (o, r) = match result.revocation() {
            chain::Revocation::Good => (Outcome::Pass, "not revoked (CRL checked)".to_owned()),
            chain::Revocation::Revoked => (Outcome::Fail, "revoked by its issuer's CRL".to_owned()),
            chain::Revocation::NotChecked => (
                Outcome::NotChecked,
                "no current CRL from the issuer".to_owned(),
            ),
        };
        report.push(CheckKind::Revocation, o, r);
    }

    // 7. Signing time within the DSC's validity.
    let signing_time = signer.signed_attrs.as_ref().and_then(|a| a.signing_time);
    let (o, r) = to_outcome(&chain::check_signing_time(dsc, signing_time));
    report.push(
        CheckKind::SigningTime,
        o,
        if o == Outcome::Pass {
            "signing time within the signer certificate's validity".into()
        } else {
            r
        },
    );

    // 8. Country.
    let (o, r) = match input.issuing_state {
        Some(state) => to_outcome(&super::country::check_issuing_state(dsc, state)),
        None => (Outcome::NotChecked, "the issuing state is unknown".into()),
    };
    report.push(
        CheckKind::Country,
        o,
        if o == Outcome::Pass {
            "the signer's country matches the issuing state".into()
        } else {
            r
        },
    );
}

fn role(r: chain::Role) -> &'static str {
    match r {
        chain::Role::DocumentSigner => "document signer",
        chain::Role::Link => "link certificate",
        chain::Role::Anchor => "CSCA",
    }
}

fn to_outcome(c: &chain::Check) -> (Outcome, String) {
    match c {
        chain::Check::Pass => (Outcome::Pass, String::new()),
        chain::Check::Fail(r) => (Outcome::Fail, r.clone()),
        chain::Check::NotChecked(r) => (Outcome::NotChecked, r.clone()),
    }
}

fn validity_of(cert: &Certificate, now: Timestamp) -> chain::Check {
    if cert.is_valid_at(now) {
        chain::Check::Pass
    } else {
        chain::Check::Fail("the signer certificate is not valid now".into())
    }
}

fn not_checked_dgs(report: &mut PaReport, read: &[u8], why: &str) {
    for dg in read {
        report.checks.push(Check {
            kind: CheckKind::DataGroupHash,
            dg: Some(*dg),
            outcome: Outcome::NotChecked,
            reason: why.to_owned(),
        });
    }
}

fn dg_hashes(report: &mut PaReport, lds: &ldsso::LdsSecurityObject<'_>, read: &[(u8, &[u8])]) {
    let digest = match alg::DigestAlgorithm::from_algorithm_identifier(lds.hash_algorithm) {
        Ok(d) => d,
        Err(e) => {
            let dgs: Vec<u8> = read.iter().map(|(n, _)| *n).collect();
            not_checked_dgs(report, &dgs, &format!("data-group hash algorithm: {e}"));
            return;
        }
    };
    report.hash_algorithm = Some(digest.name().to_owned());
    let mut numbers: Vec<u8> = lds.hashes.iter().map(|(n, _)| *n).collect();
    numbers.extend(read.iter().map(|(n, _)| *n));
    numbers.sort_unstable();
    numbers.dedup();
    for n in numbers {
        let expected = lds.hashes.iter().find(|(d, _)| *d == n).map(|(_, h)| h);
        let actual = read.iter().find(|(d, _)| *d == n).map(|(_, b)| *b);
        let (outcome, reason) = match (expected, actual) {
            (Some(h), Some(bytes)) if *h == digest.digest(bytes) => {
                (Outcome::Pass, format!("DG{n} {} matches", digest.name()))
            }
            (Some(_), Some(_)) => (
                Outcome::Fail,
                format!("DG{n} does not match its hash in EF.SOD: altered or substituted"),
            ),
            (Some(_), None) => (
                Outcome::NotChecked,
                format!("DG{n} is listed in EF.SOD but was not read"),
            ),
            (None, Some(_)) => (
                Outcome::Fail,
                format!("DG{n} was read but EF.SOD does not cover it"),
            ),
            (None, None) => continue,
        };
        report.checks.push(Check {
            kind: CheckKind::DataGroupHash,
            dg: Some(n),
            outcome,
            reason,
        });
    }
}
