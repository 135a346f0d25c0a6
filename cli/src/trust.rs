//! Loading what the user trusts, from the file system, into the core's [`TrustStore`].
//!
//! This module owns the file-system side of trust: reading each `--trust PATH` (a file, or a
//! directory walked non-recursively), `--crl FILE` and `--master-list-anchor CERT`, with size
//! and count caps, and handing the bytes to the core's sans-I/O loader
//! ([`TrustStore::add_files`]), which detects master lists, PEM bundles, DER certificates and
//! CRLs by content. It also holds the demo's embedded test anchors. It does not verify documents
//! (the core does) and does not print (see [`crate::verify`]).

use std::path::{Path, PathBuf};

use monid_core::pki::cert::Certificate;
use monid_core::pki::trust::{LoadReport, TrustStore};

use crate::exit::{self, CliError};

/// Largest trust file read (a national master list is a few MiB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Most entries read from one directory.
pub const MAX_DIR_ENTRIES: usize = 20_000;

/// What the user asked to trust.
#[derive(Clone, Debug, Default)]
pub struct TrustOptions {
    /// `--trust PATH` (files or directories), in order.
    pub paths: Vec<PathBuf>,
    /// `--crl FILE` (DER or PEM), loaded after every certificate.
    pub crls: Vec<PathBuf>,
    /// `--master-list-anchor CERT` (DER or PEM): master lists must verify against it.
    pub master_list_anchor: Option<PathBuf>,
}

impl TrustOptions {
    /// True when nothing was given (passive authentication is then not run by `read`).
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.crls.is_empty()
    }
}

/// A loaded store and what loading did.
#[derive(Clone, Debug)]
pub struct LoadedTrust {
    /// The store.
    pub store: TrustStore,
    /// The core's report (added, duplicates, CRLs, skipped with reasons, master list).
    pub report: LoadReport,
    /// Files read from disk.
    pub files_read: usize,
    /// Whether a master-list anchor was given.
    pub anchor_given: bool,
}

fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than {} MiB", MAX_FILE_BYTES >> 20));
    }
    Ok(bytes)
}

fn usage(path: &Path, why: impl core::fmt::Display) -> CliError {
    CliError::new(exit::USAGE, format!("{}: {why}", path.display()))
}

/// Reads a certificate file, DER or PEM (the first certificate of a PEM bundle).
pub fn certificate_from_bytes(bytes: &[u8]) -> Result<Certificate, String> {
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let mut s = TrustStore::new();
        let r = s.add_pem_bundle(bytes);
        return s.certificates().next().cloned().ok_or_else(|| {
            r.skipped
                .first()
                .map(|(_, why)| why.clone())
                .unwrap_or_else(|| "no certificate in the PEM file".into())
        });
    }
    Certificate::from_der(bytes).map_err(|e| e.to_string())
}

/// Collects `(display name, bytes)` for one `--trust PATH`; unreadable entries of a directory
/// are reported in `skipped`, a missing or unreadable PATH itself is a usage error.
fn collect(
    path: &Path,
    files: &mut Vec<(String, Vec<u8>)>,
    skipped: &mut Vec<(String, String)>,
) -> Result<(), CliError> {
    let meta = std::fs::metadata(path).map_err(|e| usage(path, e))?;
    if !meta.is_dir() {
        let bytes = read_capped(path).map_err(|e| usage(path, e))?;
        files.push((path.display().to_string(), bytes));
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| usage(path, e))? {
        let entry = entry.map_err(|e| usage(path, e))?;
        if entries.len() >= MAX_DIR_ENTRIES {
            return Err(usage(
                path,
                format!("more than {MAX_DIR_ENTRIES} entries in the directory"),
            ));
        }
        entries.push(entry.path());
    }
    entries.sort();
    for p in entries {
        let name = p.display().to_string();
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            continue;
        }
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => skipped.push((
                name,
                "subdirectory (not walked; pass it with --trust)".into(),
            )),
            Ok(m) if !m.is_file() => skipped.push((name, "not a regular file".into())),
            Ok(_) => match read_capped(&p) {
                Ok(bytes) => files.push((name, bytes)),
                Err(e) => skipped.push((name, e)),
            },
            Err(e) => skipped.push((name, e.to_string())),
        }
    }
    Ok(())
}

/// Loads every `--trust` path, then the `--crl` files. A master list that does not verify
/// against a given `--master-list-anchor` is an error (its certificates are not trusted).
pub fn load(opts: &TrustOptions) -> Result<LoadedTrust, CliError> {
    let anchor = match &opts.master_list_anchor {
        Some(p) => {
            let bytes = read_capped(p).map_err(|e| usage(p, e))?;
            Some(certificate_from_bytes(&bytes).map_err(|e| usage(p, e))?)
        }
        None => None,
    };
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for p in &opts.paths {
        collect(p, &mut files, &mut skipped)?;
    }
    let files_read = files.len() + opts.crls.len();
    let mut store = TrustStore::new();
    let mut report = store.add_files(files, anchor.as_ref());
    report.skipped.extend(skipped);
    if anchor.is_some() && report.master_list_verified == Some(false) {
        let reasons: Vec<String> = report
            .skipped
            .iter()
            .filter(|(entry, _)| entry.contains("master list"))
            .map(|(entry, why)| format!("{entry}: {why}"))
            .collect();
        return Err(CliError::new(
            exit::USAGE,
            format!(
                "the master list does not verify against --master-list-anchor; its \
                 certificates are not trusted ({})",
                reasons.join("; ")
            ),
        ));
    }
    for p in &opts.crls {
        let bytes = read_capped(p).map_err(|e| usage(p, e))?;
        let mut r = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            store.add_pem_bundle(&bytes)
        } else {
            store.add_crl(&bytes)
        };
        for s in &mut r.skipped {
            s.0 = format!("{}: {}", p.display(), s.0);
        }
        report.crls_added += r.crls_added;
        report.added += r.added;
        report.duplicates += r.duplicates;
        report.skipped.extend(r.skipped);
    }
    Ok(LoadedTrust {
        store,
        report,
        files_read,
        anchor_given: anchor.is_some(),
    })
}

/// The demo's trust: the openssl TEST PKI's anchors (CSCA-UTO-OLD, the link certificate that
/// certifies CSCA-UTO-NEW's key, CSCA-MA) and their three CRLs, embedded in the binary. TEST
/// ONLY: never trust these for a real document.
pub fn demo_trust() -> LoadedTrust {
    const FILES: [(&str, &[u8]); 6] = [
        (
            "csca-uto-old.der",
            include_bytes!("../../test-vectors/pki/certs/csca-uto-old.der"),
        ),
        (
            "link-uto-new-by-old.der",
            include_bytes!("../../test-vectors/pki/certs/link-uto-new-by-old.der"),
        ),
        (
            "csca-ma.der",
            include_bytes!("../../test-vectors/pki/certs/csca-ma.der"),
        ),
        (
            "csca-uto-old.crl",
            include_bytes!("../../test-vectors/pki/crl/csca-uto-old.crl"),
        ),
        (
            "csca-uto-new.crl",
            include_bytes!("../../test-vectors/pki/crl/csca-uto-new.crl"),
        ),
        (
            "csca-ma.crl",
            include_bytes!("../../test-vectors/pki/crl/csca-ma.crl"),
        ),
    ];
    let mut store = TrustStore::new();
    let report = store.add_files(FILES, None);
    LoadedTrust {
        store,
        report,
        files_read: FILES.len(),
        anchor_given: false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn the_demo_trust_loads_whole() {
        let t = demo_trust();
        assert_eq!(t.report.added, 3, "{:?}", t.report);
        assert_eq!(t.report.crls_added, 3, "{:?}", t.report);
        assert!(t.report.skipped.is_empty());
    }

    #[test]
    fn certificates_load_from_der_and_pem() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-vectors/pki/certs/");
        let der = std::fs::read(format!("{dir}csca-ma.der")).unwrap();
        let pem = std::fs::read(format!("{dir}csca-ma.pem")).unwrap();
        assert_eq!(
            certificate_from_bytes(&der).unwrap(),
            certificate_from_bytes(&pem).unwrap()
        );
        assert!(certificate_from_bytes(b"nonsense").is_err());
        assert!(certificate_from_bytes(b"-----BEGIN CERTIFICATE-----\n!!\n").is_err());
    }
}
