//! Trust stores of CSCA certificates and CRLs.
//!
//! This module owns loading what the caller trusts: single DER certificates, PEM bundles,
//! sets of files (the caller walks a folder; the core does no I/O), CSCA master lists (CMS
//! signed; their signer is verified against a pinned anchor the caller gives, or reported as
//! unverified), and CRLs (kept only when their signature verifies against an issuer already in
//! the store). Bad entries are skipped and reported in a [`LoadReport`], never fatal. Lookups:
//! by subject key identifier and by subject name compared as a set
//! ([`crate::pki::name::Name::normalized_key`]). A built store is immutable data, `Send + Sync`,
//! shared across threads in an `Arc`. Path building lives in [`crate::pki::chain`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sha2::Digest;

use super::PkiError;
use super::cert::Certificate;
use super::crl::Crl;
use super::time::Timestamp;

/// What a load did: how many entries were added and which were skipped and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Certificates added.
    pub added: usize,
    /// Certificates already in the store (identical encoding), not added again.
    pub duplicates: usize,
    /// CRLs added (verified against their issuer).
    pub crls_added: usize,
    /// Skipped entries: (which entry, short reason). Reasons name structures, never values.
    pub skipped: Vec<(String, String)>,
    /// For master lists: `Some(true)` when the list's signature and its signer certificate
    /// verified against the given anchor, `Some(false)` when not verified (no anchor, or a
    /// failure: see `skipped`); the certificates are loaded either way and the caller decides.
    /// `None` when no master list was loaded.
    pub master_list_verified: Option<bool>,
}

impl LoadReport {
    fn merge(&mut self, other: LoadReport) {
        self.added += other.added;
        self.duplicates += other.duplicates;
        self.crls_added += other.crls_added;
        self.skipped.extend(other.skipped);
        self.master_list_verified = match (self.master_list_verified, other.master_list_verified) {
            (None, x) | (x, None) => x,
            (Some(a), Some(b)) => Some(a && b),
        };
    }

    fn skip(&mut self, entry: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push((entry.into(), reason.into()));
    }
}

/// CSCA certificates (and link certificates) with CRLs, indexed for path building.
#[derive(Clone, Debug, Default)]
pub struct TrustStore {
    certs: Vec<Arc<Certificate>>,
    by_ski: HashMap<Vec<u8>, Vec<usize>>,
    by_subject: HashMap<String, Vec<usize>>,
    seen: HashSet<[u8; 32]>,
    crls: Vec<Crl>,
}

/// A PEM block: its label and decoded bytes, or why it could not be decoded.
struct PemBlock {
    label: String,
    line: usize,
    data: Result<Vec<u8>, &'static str>,
}

/// Splits PEM text into blocks. Text outside blocks is ignored; header lines (`Key: value`)
/// inside a block are skipped.
fn pem_blocks(text: &[u8]) -> Vec<PemBlock> {
    use base64::Engine;
    let mut out = Vec::new();
    let mut current: Option<(String, usize, Vec<u8>)> = None;
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.trim_ascii();
        if let Some(rest) = line.strip_prefix(b"-----BEGIN ") {
            if let Some((label, at, _)) = current.take() {
                out.push(PemBlock {
                    label,
                    line: at,
                    data: Err("PEM block without END line"),
                });
            }
            let label = String::from_utf8_lossy(rest.strip_suffix(b"-----").unwrap_or(rest));
            current = Some((label.into_owned(), i + 1, Vec::new()));
        } else if line.starts_with(b"-----END ") {
            if let Some((label, at, b64)) = current.take() {
                let data = base64::engine::general_purpose::STANDARD
                    .decode(&b64)
                    .map_err(|_| "bad base64 in PEM block");
                out.push(PemBlock {
                    label,
                    line: at,
                    data,
                });
            }
        } else if let Some((_, _, b64)) = current.as_mut()
            && !line.contains(&b':')
        {
            b64.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
        }
    }
    if let Some((label, at, _)) = current {
        out.push(PemBlock {
            label,
            line: at,
            data: Err("PEM block without END line"),
        });
    }
    out
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of certificates.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// True when the store holds no certificate.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// The certificates in load order.
    pub fn certificates(&self) -> impl Iterator<Item = &Certificate> {
        self.certs.iter().map(|c| c.as_ref())
    }

    /// The CRLs kept (all verified against an issuer in the store).
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    /// True when a certificate with exactly this encoding is in the store.
    pub fn contains(&self, cert: &Certificate) -> bool {
        self.seen.contains(&fingerprint(cert.raw()))
    }

    /// Adds a parsed certificate; `false` when it was already there.
    pub fn add_certificate(&mut self, cert: Certificate) -> bool {
        if !self.seen.insert(fingerprint(cert.raw())) {
            return false;
        }
        let idx = self.certs.len();
        if let Some(ski) = cert.subject_key_id() {
            self.by_ski.entry(ski.to_vec()).or_default().push(idx);
        }
        self.by_subject
            .entry(cert.subject().normalized_key())
            .or_default()
            .push(idx);
        self.certs.push(Arc::new(cert));
        true
    }

    fn add_cert_bytes(&mut self, entry: &str, der: &[u8], report: &mut LoadReport) {
        match Certificate::from_der(der) {
            Ok(c) => {
                if self.add_certificate(c) {
                    report.added += 1;
                } else {
                    report.duplicates += 1;
                }
            }
            Err(e) => report.skip(entry, format!("certificate: {e}")),
        }
    }

    /// Adds one DER (or BER) certificate.
    pub fn add_der(&mut self, der: &[u8]) -> LoadReport {
        let mut report = LoadReport::default();
        self.add_cert_bytes("DER certificate", der, &mut report);
        report
    }

    /// Adds the certificates and CRLs of a PEM bundle (`CERTIFICATE`, `TRUSTED CERTIFICATE`,
    /// `X509 CERTIFICATE`, `X509 CRL` blocks); other blocks and bad entries are skipped.
    pub fn add_pem_bundle(&mut self, text: &[u8]) -> LoadReport {
        let mut report = LoadReport::default();
        self.add_pem_named("PEM", text, &mut report);
        report
    }

    fn add_pem_named(&mut self, source: &str, text: &[u8], report: &mut LoadReport) {
        for (n, block) in pem_blocks(text).into_iter().enumerate() {
            let entry = format!("{source} entry {} (line {})", n + 1, block.line);
            let data = match block.data {
                Ok(d) => d,
                Err(reason) => {
                    report.skip(entry, reason);
                    continue;
                }
            };
            match block.label.as_str() {
                "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" => {
                    self.add_cert_bytes(&entry, &data, report)
                }
                "X509 CRL" => self.add_crl_named(&entry, &data, report),
                _ => report.skip(entry, "unsupported PEM block"),
            }
        }
    }

    /// Adds a CRL when its signature verifies against an issuer already in the store (load
    /// CRLs after the certificates). Unverifiable CRLs are reported and not kept.
    pub fn add_crl(&mut self, der: &[u8]) -> LoadReport {
        let mut report = LoadReport::default();
        self.add_crl_named("CRL", der, &mut report);
        report
    }

    fn add_crl_named(&mut self, entry: &str, der: &[u8], report: &mut LoadReport) {
        let crl = match Crl::from_der(der) {
            Ok(c) => c,
            Err(e) => return report.skip(entry, format!("CRL: {e}")),
        };
        let mut reason = "CRL issuer not in the store".to_string();
        for issuer in self.crl_issuers(&crl) {
            match crl.verify_signed_by_cert(&issuer) {
                Ok(()) => {
                    if !self.crls.iter().any(|c| c.raw() == crl.raw()) {
                        self.crls.push(crl);
                    }
                    report.crls_added += 1;
                    return;
                }
                Err(PkiError::BadSignature) => reason = "CRL signature does not verify".into(),
                Err(e) => reason = format!("CRL signature not verifiable: {e}"),
            }
        }
        report.skip(entry, reason);
    }

    fn crl_issuers(&self, crl: &Crl) -> Vec<Arc<Certificate>> {
        let mut out: Vec<Arc<Certificate>> = Vec::new();
        if let Some(aki) = crl.authority_key_id() {
            out.extend(self.by_ski_lookup(aki).cloned());
        }
        for c in self.by_name_lookup(&crl.issuer().normalized_key()) {
            if !out.iter().any(|o| Arc::ptr_eq(o, c)) {
                out.push(c.clone());
            }
        }
        out
    }

    /// Adds a set of files, e.g. a folder the caller walked: each `(name, bytes)` is a PEM
    /// bundle, a DER certificate, a DER CRL or a CSCA master list (verified against
    /// `master_list_anchor` when given). Unrecognised files are skipped and reported.
    pub fn add_files<I, N, B>(
        &mut self,
        files: I,
        master_list_anchor: Option<&Certificate>,
    ) -> LoadReport
    where
        I: IntoIterator<Item = (N, B)>,
        N: AsRef<str>,
        B: AsRef<[u8]>,
    {
        let mut report = LoadReport::default();
        let mut crls: Vec<(String, Vec<u8>)> = Vec::new();
        for (name, bytes) in files {
            let (name, bytes) = (name.as_ref(), bytes.as_ref());
            if looks_like_pem(bytes) {
                // CRL blocks are verified after all certificates are in.
                for (n, block) in pem_blocks(bytes).into_iter().enumerate() {
                    if block.label == "X509 CRL"
                        && let Ok(d) = block.data
                    {
                        crls.push((format!("{name} entry {}", n + 1), d));
                    }
                }
                let certs_only: Vec<u8> = strip_crl_blocks(bytes);
                self.add_pem_named(name, &certs_only, &mut report);
                continue;
            }
            match Certificate::from_der(bytes) {
                Ok(c) => {
                    if self.add_certificate(c) {
                        report.added += 1;
                    } else {
                        report.duplicates += 1;
                    }
                    continue;
                }
                Err(cert_err) => {
                    if Crl::from_der(bytes).is_ok() {
                        crls.push((name.to_string(), bytes.to_vec()));
                    } else if is_signed_data(bytes) {
                        let mut r = self.add_master_list(bytes, master_list_anchor);
                        for s in &mut r.skipped {
                            s.0 = format!("{name}: {}", s.0);
                        }
                        report.merge(r);
                    } else {
                        report.skip(
                            name,
                            format!("not a certificate, CRL or master list ({cert_err})"),
                        );
                    }
                }
            }
        }
        for (name, der) in crls {
            self.add_crl_named(&name, &der, &mut report);
        }
        report
    }

    /// Adds the certificates of a CSCA master list (ICAO 9303-12: CMS SignedData over a
    /// `CscaMasterList`). With `anchor`, the list's signer certificate must be signed by the
    /// anchor and the CMS signature must verify; `master_list_verified` says whether it did.
    /// The certificates are loaded in both cases: the caller decides.
    pub fn add_master_list(&mut self, cms: &[u8], anchor: Option<&Certificate>) -> LoadReport {
        let mut report = LoadReport::default();
        match master_list::open(cms, anchor) {
            Ok(master_list::Opened { certs, verified }) => {
                report.master_list_verified = Some(verified.is_ok());
                if let Err(reason) = verified {
                    report.skip("master list signature", reason);
                }
                for (i, der) in certs.iter().enumerate() {
                    self.add_cert_bytes(
                        &format!("master list certificate {}", i + 1),
                        der,
                        &mut report,
                    );
                }
            }
            Err(e) => {
                report.master_list_verified = Some(false);
                report.skip("master list", format!("{e}"));
            }
        }
        report
    }

    fn by_ski_lookup(&self, ski: &[u8]) -> impl Iterator<Item = &Arc<Certificate>> {
        self.by_ski
            .get(ski)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.certs.get(i))
    }

    fn by_name_lookup(&self, key: &str) -> impl Iterator<Item = &Arc<Certificate>> {
        self.by_subject
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.certs.get(i))
    }

    /// Candidate issuers of `cert`: certificates whose subject key identifier equals `cert`'s
    /// authority key identifier first, then those whose subject equals `cert`'s issuer as a
    /// set. `cert` itself is never listed. Candidates are only candidates: the signature check
    /// decides.
    pub fn issuers_of(&self, cert: &Certificate) -> Vec<&Certificate> {
        self.issuer_arcs(cert)
            .into_iter()
            .map(|c| c.as_ref())
            .collect()
    }

    /// [`TrustStore::issuers_of`] as shared handles.
    pub(crate) fn issuer_arcs(&self, cert: &Certificate) -> Vec<&Arc<Certificate>> {
        let mut out: Vec<&Arc<Certificate>> = Vec::new();
        if let Some(aki) = cert.authority_key_id() {
            out.extend(self.by_ski_lookup(aki).filter(|c| c.raw() != cert.raw()));
        }
        for c in self.by_name_lookup(&cert.issuer().normalized_key()) {
            if c.raw() != cert.raw() && !out.iter().any(|o| Arc::ptr_eq(o, c)) {
                out.push(c);
            }
        }
        out
    }

    /// Whether a (verified) CRL of `cert`'s issuer lists it as revoked at `now`:
    /// `Some(true)` when listed with a revocation date not after `now` (by any CRL, current or
    /// not), `Some(false)` when a CRL of that issuer current at `now` does not list it, `None`
    /// when there is no current CRL from that issuer.
    pub fn is_revoked(&self, cert: &Certificate, now: Timestamp) -> Option<bool> {
        let issuer_key = cert.issuer().normalized_key();
        let mut current = false;
        for crl in &self.crls {
            if crl.issuer().normalized_key() != issuer_key {
                continue;
            }
            if let (Some(a), Some(b)) = (crl.authority_key_id(), cert.authority_key_id())
                && a != b
            {
                continue;
            }
            if crl.revocation_date(cert.serial()).is_some_and(|d| d <= now) {
                return Some(true);
            }
            current |= crl.is_current(now);
        }
        current.then_some(false)
    }
}

fn fingerprint(raw: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(raw).into()
}

/// The PEM text without its `X509 CRL` blocks.
fn strip_crl_blocks(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut in_crl = false;
    for line in text.split(|&b| b == b'\n') {
        let t = line.trim_ascii();
        if t.starts_with(b"-----BEGIN X509 CRL") {
            in_crl = true;
        }
        if !in_crl {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        if t.starts_with(b"-----END X509 CRL") {
            in_crl = false;
        }
    }
    out
}

/// True when `bytes` start like a CMS ContentInfo of type signedData.
fn is_signed_data(bytes: &[u8]) -> bool {
    let Ok((ci, _)) = super::ber::read(bytes) else {
        return false;
    };
    let mut c = ci.children();
    matches!(c.expect(0x06), Ok(o) if super::oid::to_string(o.content).as_deref() == Some(super::oid::SIGNED_DATA))
}

/// Opening CSCA master lists (over `pki::cms` and `pki::ldsso`).
mod master_list {
    use super::super::alg::{DigestAlgorithm, SignatureAlgorithm};
    use super::super::cms::{self, SignedData, SignerInfo};
    use super::super::sig::{PublicKey, verify_signature};
    use super::super::{ldsso, oid};
    use super::{Certificate, PkiError};

    /// A master list's certificate DERs and whether its signature verified (reason if not).
    pub(super) struct Opened {
        pub(super) certs: Vec<Vec<u8>>,
        pub(super) verified: Result<(), String>,
    }

    pub(super) fn open(cms_bytes: &[u8], anchor: Option<&Certificate>) -> Result<Opened, PkiError> {
        let sd = cms::parse_signed_data(cms_bytes)?;
        if sd.econtent_type != oid::CSCA_MASTER_LIST {
            return Err(PkiError::Invalid("not a CSCA master list"));
        }
        let certs = ldsso::parse_master_list(&sd.econtent)?;
        let verified = match anchor {
            None => Err("no anchor given: signature not verified".to_string()),
            Some(a) => verify(&sd, a),
        };
        Ok(Opened { certs, verified })
    }

    /// The list's single SignerInfo, its signer certificate (from the SignedData, or the anchor
    /// itself) signed by `anchor`, and the CMS signature.
    fn verify(sd: &SignedData<'_>, anchor: &Certificate) -> Result<(), String> {
        let si = match sd.signer_infos.as_slice() {
            [si] => si,
            [] => return Err("no SignerInfo".into()),
            _ => return Err("more than one SignerInfo".into()),
        };
        let mut candidates: Vec<Certificate> = sd
            .certificates
            .iter()
            .filter_map(|der| Certificate::from_der(der).ok())
            .filter(|c| c.matches_signer_id(&si.sid))
            .collect();
        if anchor.matches_signer_id(&si.sid) {
            candidates.push(anchor.clone());
        }
        if candidates.is_empty() {
            return Err("signer certificate not found".into());
        }
        let mut reason = String::new();
        for signer in candidates {
            if signer != *anchor
                && let Err(e) = signer.verify_signed_by_cert(anchor)
            {
                reason = format!("signer certificate not signed by the anchor: {e}");
                continue;
            }
            match signer_info_signature(&signer, si, sd) {
                Ok(()) => return Ok(()),
                Err(e) => reason = e,
            }
        }
        Err(reason)
    }

    fn signer_info_signature(
        signer: &Certificate,
        si: &SignerInfo<'_>,
        sd: &SignedData<'_>,
    ) -> Result<(), String> {
        let digest = DigestAlgorithm::from_algorithm_identifier(si.digest_algorithm)
            .map_err(|e| format!("digest algorithm: {e}"))?;
        let alg = SignatureAlgorithm::from_cms(si.signature_algorithm, digest)
            .map_err(|e| format!("signature algorithm: {e}"))?;
        let message = match &si.signed_attrs {
            Some(attrs) => {
                if attrs
                    .content_type
                    .as_ref()
                    .is_some_and(|ct| *ct != sd.econtent_type)
                {
                    return Err("contentType attribute differs from eContentType".into());
                }
                let md = attrs
                    .message_digest
                    .as_ref()
                    .ok_or("no messageDigest attribute")?;
                if digest.digest(&sd.econtent) != *md {
                    return Err("messageDigest does not match the content".into());
                }
                attrs.signed_bytes()
            }
            None => sd.econtent.clone(),
        };
        let key = PublicKey::from_spki(signer.spki()).map_err(|e| format!("signer key: {e}"))?;
        verify_signature(&key, &alg, &message, &si.signature)
            .map_err(|e| format!("CMS signature: {e}"))
    }
}
