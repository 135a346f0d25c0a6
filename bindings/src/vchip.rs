//! The virtual chip, exported for the platform tests (cargo feature `vchip`, off by default: the
//! test builds ask for it, so an app's build never ships it).
//!
//! This module owns [`VirtualCard`], a thread-safe wrapper around `monid_vchip::VirtualChip`
//! with the invented CNIE-like TD1 card (PACE-CAN) or the TD3 passport (BAC). A Kotlin or Swift
//! test writes its own `NfcTransport` that forwards each APDU to [`VirtualCard::process`], so the
//! transport under test is written in that language; [`VirtualCard::transport`] is a Rust-side
//! transport for comparison. Fault hooks (lose the tag after N APDUs) live here too. TEST ONLY:
//! the profiles' keys and PKI are public.

use std::sync::{Arc, Mutex, MutexGuard};

use monid_core::Transport as _;
use monid_vchip::{Misbehaviour, Profile, VirtualChip};

use crate::error::TransportError;
use crate::transport::{NfcTransport, TransportInfo};

/// A virtual eMRTD chip (test only).
#[derive(uniffi::Object)]
pub struct VirtualCard {
    chip: Mutex<VirtualChip>,
}

impl std::fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VirtualCard(..)")
    }
}

impl VirtualCard {
    fn lock(&self) -> MutexGuard<'_, VirtualChip> {
        self.chip.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn with_profile(profile: Profile) -> Arc<Self> {
        Arc::new(VirtualCard {
            chip: Mutex::new(VirtualChip::new(profile)),
        })
    }
}

#[uniffi::export]
impl VirtualCard {
    /// The CNIE-like TD1 identity card: PACE with the CAN only (see `can()`), DG1, DG2 (a JPEG
    /// 2000 face over 32 KB), DG7, DG11, DG12, DG14 (chip authentication), DG15 (active
    /// authentication), EF.SOD signed under the test PKI's CSCA-UTO-NEW.
    #[uniffi::constructor]
    pub fn cnie() -> Arc<Self> {
        Self::with_profile(Profile::cnie_td1())
    }

    /// The same card with BAC only (MRZ key, no EF.CardAccess).
    #[uniffi::constructor]
    pub fn cnie_bac() -> Arc<Self> {
        Self::with_profile(Profile::cnie_td1_bac())
    }

    /// The TD3 passport profile (BAC).
    #[uniffi::constructor]
    pub fn passport() -> Arc<Self> {
        Self::with_profile(Profile::passport_td3())
    }

    /// The CAN printed on the (virtual) card.
    pub fn can(&self) -> String {
        self.lock().profile().can().to_owned()
    }

    /// The MRZ key fields: document number, date of birth, date of expiry (YYMMDD).
    pub fn mrz_key(&self) -> Vec<String> {
        let c = self.lock();
        let p = c.profile();
        vec![
            p.document_number().to_owned(),
            p.date_of_birth().to_owned(),
            p.date_of_expiry().to_owned(),
        ]
    }

    /// Processes one command APDU as the chip would over NFC (fault hooks applied): the
    /// response APDU, or `TagLost` once the link dropped (until `reconnect`).
    pub fn process(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        self.lock().transceive(&apdu).map_err(|e| match e {
            monid_core::TransportError::TagLost => TransportError::TagLost,
            monid_core::TransportError::Timeout => TransportError::Timeout,
            monid_core::TransportError::Cancelled => TransportError::Cancelled,
            other => TransportError::Io {
                reason: other.to_string(),
            },
        })
    }

    /// What the virtual link carries (extended length on the CNIE).
    pub fn info(&self) -> TransportInfo {
        self.lock().profile().transport_info().into()
    }

    /// APDUs processed since creation (failed ones included).
    pub fn apdu_count(&self) -> u64 {
        self.lock().apdu_index()
    }

    /// Drops the link at APDU index `n` (0-based, counted since creation): from then on
    /// `process` fails with `TagLost` until `reconnect`.
    pub fn lose_tag_after(&self, n: u64) {
        self.lock()
            .set_misbehaviour(Misbehaviour::new().drop_link_after(n));
    }

    /// Powers the chip up again (a new tag discovery): the link is back, sessions are cleared.
    pub fn reconnect(&self) {
        self.lock().reconnect();
    }

    /// A Rust-side transport over this card (for comparison with a foreign one).
    pub fn transport(self: Arc<Self>) -> Arc<dyn NfcTransport> {
        Arc::new(RustTransport(self))
    }
}

struct RustTransport(Arc<VirtualCard>);

impl NfcTransport for RustTransport {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        self.0.process(apdu)
    }

    fn info(&self) -> Result<TransportInfo, TransportError> {
        Ok(self.0.info())
    }
}

/// The test PKI's trust anchors for the virtual cards (CSCA-UTO-OLD, the link certificate to
/// CSCA-UTO-NEW, CSCA-MA) as one PEM bundle. TEST ONLY: never trust these for a real document.
#[uniffi::export]
pub fn virtual_card_trust_anchors_pem() -> Vec<u8> {
    [
        include_bytes!("../../test-vectors/pki/certs/csca-uto-old.pem").as_slice(),
        include_bytes!("../../test-vectors/pki/certs/link-uto-new-by-old.pem").as_slice(),
        include_bytes!("../../test-vectors/pki/certs/csca-ma.pem").as_slice(),
    ]
    .concat()
}

/// The test relying party `bank.example.ma` (signing key, chain and the anchor a phone trusts),
/// from the RP test PKI in `test-vectors/rp/`. TEST ONLY.
#[derive(Clone, uniffi::Record)]
pub struct TestRelyingParty {
    /// The signing key (PEM, PKCS #8).
    pub signing_key_pem: String,
    /// The leaf and intermediate certificates (PEM).
    pub certificate_chain_pem: String,
    /// The relying-party trust anchor (PEM).
    pub anchor_pem: String,
}

impl std::fmt::Debug for TestRelyingParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TestRelyingParty(bank.example.ma)")
    }
}

/// The test relying party. TEST ONLY: its private key is public.
#[uniffi::export]
pub fn test_relying_party() -> TestRelyingParty {
    TestRelyingParty {
        signing_key_pem: include_str!("../../test-vectors/rp/keys/bank.key").to_owned(),
        certificate_chain_pem: [
            include_str!("../../test-vectors/rp/certs/bank.pem"),
            include_str!("../../test-vectors/rp/certs/rp-intermediate.pem"),
        ]
        .concat(),
        anchor_pem: include_str!("../../test-vectors/rp/certs/rp-anchor.pem").to_owned(),
    }
}
