//! Showing passive authentication: the core's [`PaReport`] and the trust [`LoadReport`] as text
//! and as JSON, and the exit code of a verdict.
//!
//! This module owns the words and the JSON shape of a passive-authentication result: check
//! names, outcomes, the one-line verdict the demo and `read` print, and the detailed listing of
//! `monid pa`. It renders the core's report as is (reasons come from the core and carry no
//! personal data) and decides nothing about validity: the verdict is the core's.

use monid_core::pki::Timestamp;
use monid_core::pki::pa::{CheckKind, Outcome, PaReport, Verdict};
use monid_core::pki::trust::LoadReport;
use serde_json::{Value, json};

use crate::trust::LoadedTrust;

/// A short human name for a check ("signature", "DG2 hash").
pub fn check_name(kind: CheckKind, dg: Option<u8>) -> String {
    match kind {
        CheckKind::SodStructure => "SOD structure".into(),
        CheckKind::SignedAttributes => "signed attributes".into(),
        CheckKind::SignerCertificate => "signer certificate".into(),
        CheckKind::Signature => "signature".into(),
        CheckKind::Chain => "chain".into(),
        CheckKind::Validity => "validity".into(),
        CheckKind::SigningTime => "signing time".into(),
        CheckKind::KeyUsage => "key usage".into(),
        CheckKind::Country => "country".into(),
        CheckKind::Revocation => "revocation".into(),
        CheckKind::DataGroupHash => match dg {
            Some(n) => format!("DG{n} hash"),
            None => "data-group hash".into(),
        },
        _ => "other".into(),
    }
}

/// The JSON key of a check kind ("sod_structure", "data_group_hash").
pub fn check_key(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::SodStructure => "sod_structure",
        CheckKind::SignedAttributes => "signed_attributes",
        CheckKind::SignerCertificate => "signer_certificate",
        CheckKind::Signature => "signature",
        CheckKind::Chain => "chain",
        CheckKind::Validity => "validity",
        CheckKind::SigningTime => "signing_time",
        CheckKind::KeyUsage => "key_usage",
        CheckKind::Country => "country",
        CheckKind::Revocation => "revocation",
        CheckKind::DataGroupHash => "data_group_hash",
        _ => "other",
    }
}

/// `PASS`, `FAIL`, `NOT CHECKED`.
pub fn outcome_text(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::NotChecked => "NOT CHECKED",
    }
}

fn outcome_key(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::NotChecked => "not_checked",
    }
}

/// `VALID`, `INVALID`, `INCOMPLETE`.
pub fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Valid => "VALID",
        Verdict::Invalid => "INVALID",
        Verdict::Incomplete => "INCOMPLETE",
    }
}

/// The reason of a check, with a gloss the core cannot add (it never quotes the state code):
/// `UTO` is ICAO's specimen code and has no ISO 3166 country.
fn reason(kind: CheckKind, outcome: Outcome, reason: &str, issuing_state: Option<&str>) -> String {
    if kind == CheckKind::Country
        && outcome == Outcome::NotChecked
        && issuing_state.is_some_and(|s| s.trim_end_matches('<') == "UTO")
    {
        return "UTO is the ICAO specimen code, with no ISO 3166 country".into();
    }
    reason.to_owned()
}

/// The common name of a subject string ("C=UT, ..., CN=CSCA UTO TEST" -> "CSCA UTO TEST").
fn short_subject(subject: &str) -> &str {
    subject
        .split(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap_or(subject)
}

/// One line: `VALID (signature ECDSA/SHA-256 with EC ..., chain A -> B -> C, DG1 DG2 hashes
/// match; country not checked: ...)`, or the failures / the checks that could not run.
pub fn one_line(report: &PaReport, issuing_state: Option<&str>) -> String {
    let verdict = report.verdict();
    let mut parts: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    match verdict {
        Verdict::Valid => {
            if let Some(alg) = &report.signature_algorithm {
                let key = report
                    .signer_key
                    .as_ref()
                    .map(|k| format!(" with {k}"))
                    .unwrap_or_default();
                parts.push(format!("signature {alg}{key}"));
            }
            if !report.chain.is_empty() {
                let last = report.chain.len().saturating_sub(1);
                let chain: Vec<String> = report
                    .chain
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        if i > 0 && i < last {
                            format!("{} (link)", short_subject(s))
                        } else {
                            short_subject(s).to_owned()
                        }
                    })
                    .collect();
                parts.push(format!("chain {}", chain.join(" -> ")));
            }
            let dgs: Vec<String> = report
                .checks
                .iter()
                .filter(|c| c.kind == CheckKind::DataGroupHash && c.outcome == Outcome::Pass)
                .filter_map(|c| c.dg.map(|n| format!("DG{n}")))
                .collect();
            if !dgs.is_empty() {
                parts.push(format!("{} hashes match", dgs.join(" ")));
            }
            for c in report.checks.iter().filter(|c| c.outcome != Outcome::Pass) {
                notes.push(format!(
                    "{} not checked: {}",
                    check_name(c.kind, c.dg),
                    reason(c.kind, c.outcome, &c.reason, issuing_state)
                ));
            }
        }
        Verdict::Invalid | Verdict::Incomplete => {
            let wanted = if verdict == Verdict::Invalid {
                Outcome::Fail
            } else {
                Outcome::NotChecked
            };
            for c in report.checks.iter().filter(|c| c.outcome == wanted) {
                parts.push(format!(
                    "{}: {}",
                    check_name(c.kind, c.dg),
                    reason(c.kind, c.outcome, &c.reason, issuing_state)
                ));
            }
        }
    }
    let sep = if verdict == Verdict::Valid {
        ", "
    } else {
        "; "
    };
    let mut inner = parts.join(sep);
    if !notes.is_empty() {
        if !inner.is_empty() {
            inner.push_str("; ");
        }
        inner.push_str(&notes.join("; "));
    }
    if inner.is_empty() {
        verdict_text(verdict).to_owned()
    } else {
        format!("{} ({inner})", verdict_text(verdict))
    }
}

/// The detailed listing: every check with its outcome and reason, the algorithms, the chain,
/// the verdict.
pub fn report_text(report: &PaReport, issuing_state: Option<&str>) -> String {
    use core::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "Checks:");
    for c in &report.checks {
        let _ = writeln!(
            s,
            "  {:<12} {}: {}",
            outcome_text(c.outcome),
            check_name(c.kind, c.dg),
            reason(c.kind, c.outcome, &c.reason, issuing_state)
        );
    }
    let none = "(unknown)";
    let _ = writeln!(
        s,
        "Signature:     {}",
        report.signature_algorithm.as_deref().unwrap_or(none)
    );
    let _ = writeln!(
        s,
        "Signer key:    {}",
        report.signer_key.as_deref().unwrap_or(none)
    );
    let _ = writeln!(
        s,
        "DG hashes:     {}",
        report.hash_algorithm.as_deref().unwrap_or(none)
    );
    if report.chain.is_empty() {
        let _ = writeln!(s, "Chain:         (none)");
    } else {
        for (i, subject) in report.chain.iter().enumerate() {
            let label = if i == 0 { "Chain:" } else { "" };
            let role = if i == 0 {
                "document signer"
            } else if i + 1 == report.chain.len() {
                "trust anchor"
            } else {
                "link / intermediate"
            };
            let _ = writeln!(s, "{label:<14} {subject} ({role})");
        }
    }
    let _ = writeln!(s, "Verdict:       {}", verdict_text(report.verdict()));
    s
}

/// The report as JSON.
pub fn report_json(report: &PaReport, at: Timestamp, issuing_state: Option<&str>) -> Value {
    json!({
        "verdict": verdict_text(report.verdict()).to_lowercase(),
        "at": crate::clock::format(at),
        "signature_algorithm": report.signature_algorithm,
        "signer_key": report.signer_key,
        "hash_algorithm": report.hash_algorithm,
        "chain": report.chain,
        "checks": report.checks.iter().map(|c| json!({
            "check": check_key(c.kind),
            "dg": c.dg,
            "outcome": outcome_key(c.outcome),
            "reason": reason(c.kind, c.outcome, &c.reason, issuing_state),
        })).collect::<Vec<_>>(),
    })
}

/// The load report as JSON.
pub fn load_json(t: &LoadedTrust) -> Value {
    let r: &LoadReport = &t.report;
    json!({
        "files_read": t.files_read,
        "certificates_in_store": t.store.len(),
        "crls_in_store": t.store.crls().len(),
        "added": r.added,
        "duplicates": r.duplicates,
        "crls_added": r.crls_added,
        "master_list_verified": r.master_list_verified,
        "skipped": r.skipped.iter().map(|(e, why)| json!({"entry": e, "reason": why})).collect::<Vec<_>>(),
    })
}

/// The load report as text (several lines).
pub fn load_text(t: &LoadedTrust) -> String {
    use core::fmt::Write;
    let r = &t.report;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Trust store:   {} certificate(s), {} CRL(s) from {} file(s) ({} added, {} duplicate(s), \
         {} skipped)",
        t.store.len(),
        t.store.crls().len(),
        t.files_read,
        r.added,
        r.duplicates,
        r.skipped.len()
    );
    match r.master_list_verified {
        Some(true) => {
            let _ = writeln!(
                s,
                "Master list:   signature verified against --master-list-anchor"
            );
        }
        Some(false) => {
            let _ = writeln!(
                s,
                "Master list:   signature NOT verified (no --master-list-anchor): its \
                 certificates are trusted as given"
            );
        }
        None if t.anchor_given => {
            let _ = writeln!(
                s,
                "Master list:   --master-list-anchor given but no master list was loaded"
            );
        }
        None => {}
    }
    for (entry, why) in &r.skipped {
        let _ = writeln!(s, "  skipped:     {entry}: {why}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_subjects() {
        assert_eq!(
            short_subject("C=UT, O=Utopia, CN=CSCA UTO TEST, OU=x"),
            "CSCA UTO TEST"
        );
        assert_eq!(short_subject("C=UT"), "C=UT");
    }
}
