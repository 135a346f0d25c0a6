//! Trust anchors for passive authentication: [`TrustStore`].
//!
//! This module owns the exported store around `monid_core::pki::trust::TrustStore` (CSCA and
//! link certificates from PEM bundles, DER files and master lists, plus CRLs) and its load
//! report. It reads no file and knows no clock: the app passes bytes and the time.

use std::sync::{Arc, Mutex};

use monid_core::pki::trust as core_trust;

/// What a load added and what it skipped (reasons name structures, never values).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct LoadReport {
    /// Certificates added.
    pub added: u32,
    /// Certificates already present.
    pub duplicates: u32,
    /// CRLs added (verified against their issuer).
    pub crls_added: u32,
    /// Skipped entries, as "entry: reason".
    pub skipped: Vec<String>,
    /// For master lists: whether the list's signature verified against the given anchor.
    pub master_list_verified: Option<bool>,
}

impl From<core_trust::LoadReport> for LoadReport {
    fn from(r: core_trust::LoadReport) -> Self {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        LoadReport {
            added: n(r.added),
            duplicates: n(r.duplicates),
            crls_added: n(r.crls_added),
            skipped: r
                .skipped
                .into_iter()
                .map(|(e, why)| format!("{e}: {why}"))
                .collect(),
            master_list_verified: r.master_list_verified,
        }
    }
}

/// CSCA certificates (and link certificates) with CRLs. Thread-safe; loads add to it.
#[derive(Debug, uniffi::Object)]
pub struct TrustStore {
    inner: Mutex<core_trust::TrustStore>,
}

impl TrustStore {
    pub(crate) fn snapshot(&self) -> core_trust::TrustStore {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn with<R>(&self, f: impl FnOnce(&mut core_trust::TrustStore) -> R) -> R {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }
}

#[uniffi::export]
impl TrustStore {
    /// An empty store.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(TrustStore {
            inner: Mutex::new(core_trust::TrustStore::new()),
        })
    }

    /// Adds every certificate of a PEM bundle (`-----BEGIN CERTIFICATE-----` blocks; X509 CRL
    /// blocks are added as CRLs).
    pub fn add_pem_bundle(&self, pem: Vec<u8>) -> LoadReport {
        self.with(|s| s.add_pem_bundle(&pem)).into()
    }

    /// Adds one DER certificate.
    pub fn add_der_certificate(&self, der: Vec<u8>) -> LoadReport {
        self.with(|s| s.add_der(&der)).into()
    }

    /// Adds one DER CRL (kept only when its issuer is in the store and its signature verifies).
    pub fn add_crl(&self, der: Vec<u8>) -> LoadReport {
        self.with(|s| s.add_crl(&der)).into()
    }

    /// Adds the certificates of an ICAO master list (CMS); `anchor_der` verifies its signer.
    pub fn add_master_list(&self, cms: Vec<u8>, anchor_der: Option<Vec<u8>>) -> LoadReport {
        let anchor = anchor_der.and_then(|d| monid_core::pki::cert::Certificate::from_der(&d).ok());
        self.with(|s| s.add_master_list(&cms, anchor.as_ref()))
            .into()
    }

    /// Number of certificates.
    pub fn certificate_count(&self) -> u32 {
        u32::try_from(self.with(|s| s.len())).unwrap_or(u32::MAX)
    }
}
