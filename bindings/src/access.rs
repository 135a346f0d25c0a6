//! Access keys: what opens a chip (MRZ data, CAN or PIN).
//!
//! This module owns [`AccessKey`], a thin object around `monid_core::access::AccessKey`. Every
//! text handed over is validated at once, copied into the core's zeroizing key, and the
//! temporary Rust copy is zeroized; `Debug` shows the kind only. The foreign strings themselves
//! live in the platform's memory, which Rust cannot wipe (see docs/bindings.md).

use std::sync::Arc;

use zeroize::Zeroizing;

use crate::MonidError;

/// Which kind of access key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum AccessKeyKind {
    /// Document number, date of birth, date of expiry (BAC or PACE).
    Mrz,
    /// Card Access Number printed on the document (PACE).
    Can,
    /// PIN (PACE).
    Pin,
}

/// A validated access key. Zeroized on the Rust side when the last reference is released;
/// never printed.
#[derive(uniffi::Object)]
pub struct AccessKey {
    pub(crate) key: monid_core::access::AccessKey,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AccessKey({:?}, <redacted>)", self.kind())
    }
}

#[uniffi::export]
impl AccessKey {
    /// MRZ key from its three fields: document number (up to 9 characters here, longer ones
    /// per ICAO 9303), date of birth and date of expiry as YYMMDD.
    #[uniffi::constructor]
    pub fn mrz(
        document_number: String,
        date_of_birth: String,
        date_of_expiry: String,
    ) -> Result<Arc<Self>, MonidError> {
        let (n, b, e) = (
            Zeroizing::new(document_number),
            Zeroizing::new(date_of_birth),
            Zeroizing::new(date_of_expiry),
        );
        let key = monid_core::access::AccessKey::mrz(&n, &b, &e)?;
        Ok(Arc::new(AccessKey { key }))
    }

    /// MRZ key from the full MRZ text (2 or 3 lines; every check digit is verified).
    #[uniffi::constructor]
    pub fn from_mrz_text(mrz: String) -> Result<Arc<Self>, MonidError> {
        let mrz = Zeroizing::new(mrz);
        let key = monid_core::access::AccessKey::from_mrz_text(&mrz)?;
        Ok(Arc::new(AccessKey { key }))
    }

    /// Card Access Number: 6 decimal digits.
    #[uniffi::constructor]
    pub fn can(can: String) -> Result<Arc<Self>, MonidError> {
        let can = Zeroizing::new(can);
        let key = monid_core::access::AccessKey::can(&can)?;
        Ok(Arc::new(AccessKey { key }))
    }

    /// PIN: 6 decimal digits.
    #[uniffi::constructor]
    pub fn pin(pin: String) -> Result<Arc<Self>, MonidError> {
        let pin = Zeroizing::new(pin);
        let key = monid_core::access::AccessKey::pin(&pin)?;
        Ok(Arc::new(AccessKey { key }))
    }

    /// The kind of key.
    pub fn kind(&self) -> AccessKeyKind {
        use monid_core::access::AccessKeyKind as K;
        match self.key.kind() {
            K::Mrz => AccessKeyKind::Mrz,
            K::Can => AccessKeyKind::Can,
            K::Pin => AccessKeyKind::Pin,
        }
    }
}
