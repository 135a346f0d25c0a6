//! QR challenges on the phone: [`RelyingPartyTrust`], [`scan_challenge`] and the
//! [`ScannedChallenge`] the consent screen and the receipt are built from.
//!
//! This module owns converting the core's `challenge` types into uniffi records and objects and
//! the scan errors into [`ChallengeError`]. Every check (chain to an anchor, signature, rp_id
//! against the certificate, content rules, clock) is the core's `challenge::scan`; this module
//! decides nothing. It holds no clock: the app passes Unix seconds.

use std::sync::{Arc, Mutex};

use monid_core::challenge as core_ch;

use crate::document::Document;
use crate::error::short;

/// Why a challenge was refused (Kotlin `ChallengeException`, Swift `ChallengeError`). Messages
/// name the step, never a value; show the user "this QR code is not from a trusted service"
/// for `UnknownRelyingParty` and `BadSignature`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum ChallengeError {
    /// Not a well-formed challenge (encoding, structure, or a content rule).
    #[error("{0}")]
    Malformed(String),
    /// Well-formed but not supported (version, algorithm, critical header, key).
    #[error("{0}")]
    Unsupported(String),
    /// The signer is not a relying party the app trusts (no chain to an anchor, unknown
    /// certificate, certificate not valid now, rp_id differs from the certificate).
    #[error("{0}")]
    UnknownRelyingParty(String),
    /// The relying party's signature does not verify.
    #[error("{0}")]
    BadSignature(String),
    /// Expired beyond the allowed skew (only from `scanChallengeStrict`).
    #[error("{0}")]
    Expired(String),
    /// Issued in the future beyond the allowed skew (only from `scanChallengeStrict`).
    #[error("{0}")]
    NotYetValid(String),
    /// Longer than the challenge cap.
    #[error("{0}")]
    TooLong(String),
    /// A trust anchor or directory certificate could not be loaded.
    #[error("{0}")]
    BadCertificate(String),
}

impl From<core_ch::ScanError> for ChallengeError {
    fn from(e: core_ch::ScanError) -> Self {
        use core_ch::ScanError as S;
        let m = e.to_string();
        match e {
            S::Malformed(_) => ChallengeError::Malformed(m),
            S::Unsupported(_) => ChallengeError::Unsupported(m),
            S::UnknownRelyingParty(_) => ChallengeError::UnknownRelyingParty(m),
            S::BadSignature => ChallengeError::BadSignature(m),
            S::Expired => ChallengeError::Expired(m),
            S::NotYetValid => ChallengeError::NotYetValid(m),
            S::TooLong => ChallengeError::TooLong(m),
        }
    }
}

impl From<core_ch::TrustError> for ChallengeError {
    fn from(e: core_ch::TrustError) -> Self {
        ChallengeError::BadCertificate(e.to_string())
    }
}

/// A claim a relying party can ask for (wire codes 1 to 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Claim {
    /// Surname and given names (DG1).
    Names,
    /// Date of birth (DG1).
    BirthDate,
    /// Whether the holder is at least 18 (DG1's date of birth).
    AgeOver18,
    /// Whether the holder is at least 21.
    AgeOver21,
    /// Nationality (DG1).
    Nationality,
    /// Document number (DG1).
    DocumentNumber,
    /// Document expiry date (DG1).
    DocumentExpiry,
    /// Address (DG11).
    Address,
    /// The face image (DG2), chip-verifiable only.
    Photo,
}

impl From<core_ch::Claim> for Claim {
    fn from(c: core_ch::Claim) -> Self {
        use core_ch::Claim as C;
        match c {
            C::Names => Claim::Names,
            C::BirthDate => Claim::BirthDate,
            C::AgeOver18 => Claim::AgeOver18,
            C::AgeOver21 => Claim::AgeOver21,
            C::Nationality => Claim::Nationality,
            C::DocumentNumber => Claim::DocumentNumber,
            C::DocumentExpiry => Claim::DocumentExpiry,
            C::Address => Claim::Address,
            C::Photo => Claim::Photo,
        }
    }
}

impl From<Claim> for core_ch::Claim {
    fn from(c: Claim) -> Self {
        use core_ch::Claim as C;
        match c {
            Claim::Names => C::Names,
            Claim::BirthDate => C::BirthDate,
            Claim::AgeOver18 => C::AgeOver18,
            Claim::AgeOver21 => C::AgeOver21,
            Claim::Nationality => C::Nationality,
            Claim::DocumentNumber => C::DocumentNumber,
            Claim::DocumentExpiry => C::DocumentExpiry,
            Claim::Address => C::Address,
            Claim::Photo => C::Photo,
        }
    }
}

/// How a claim is disclosed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Level {
    /// The relying party reads the value from the data group the issuer signed (sent with
    /// EF.SOD).
    ChipVerifiable,
    /// The device states the value, signed by its key, resting on an accepted enrolment.
    DeviceAsserted,
}

impl From<core_ch::Level> for Level {
    fn from(l: core_ch::Level) -> Self {
        match l {
            core_ch::Level::ChipVerifiable => Level::ChipVerifiable,
            core_ch::Level::DeviceAsserted => Level::DeviceAsserted,
        }
    }
}

impl From<Level> for core_ch::Level {
    fn from(l: Level) -> Self {
        match l {
            Level::ChipVerifiable => core_ch::Level::ChipVerifiable,
            Level::DeviceAsserted => core_ch::Level::DeviceAsserted,
        }
    }
}

/// One requested claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ClaimRequest {
    /// The claim.
    pub claim: Claim,
    /// How it must be disclosed.
    pub level: Level,
}

/// What the relying party requires beyond the claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Assurance {
    /// The chip must be read (passive authentication at the relying party).
    pub chip_read: bool,
    /// The chip must prove it is genuine (active authentication over the derived challenge).
    pub chip_genuine: bool,
    /// The holder's face must be matched against the chip's photo.
    pub face_match: bool,
}

impl From<core_ch::Assurance> for Assurance {
    fn from(a: core_ch::Assurance) -> Self {
        Assurance {
            chip_read: a.contains(core_ch::Assurance::CHIP_READ),
            chip_genuine: a.contains(core_ch::Assurance::CHIP_GENUINE),
            face_match: a.contains(core_ch::Assurance::FACE_MATCH),
        }
    }
}

impl From<Assurance> for core_ch::Assurance {
    fn from(a: Assurance) -> Self {
        let mut out = core_ch::Assurance(0);
        if a.chip_read {
            out = out.with(core_ch::Assurance::CHIP_READ);
        }
        if a.chip_genuine {
            out = out.with(core_ch::Assurance::CHIP_GENUINE);
        }
        if a.face_match {
            out = out.with(core_ch::Assurance::FACE_MATCH);
        }
        out
    }
}

/// The phone's clock against the challenge's validity window (advisory: the relying party's
/// clock decides).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ClockCheck {
    /// Within the window (with the skew given to the scan).
    Ok,
    /// Past the expiry plus skew by this many seconds.
    Expired {
        /// Seconds late.
        seconds_late: u64,
    },
    /// Before the issue time minus skew by this many seconds.
    NotYetValid {
        /// Seconds early.
        seconds_early: u64,
    },
}

impl From<core_ch::ClockCheck> for ClockCheck {
    fn from(c: core_ch::ClockCheck) -> Self {
        match c {
            core_ch::ClockCheck::Ok => ClockCheck::Ok,
            core_ch::ClockCheck::Expired { seconds_late } => ClockCheck::Expired { seconds_late },
            core_ch::ClockCheck::NotYetValid { seconds_early } => {
                ClockCheck::NotYetValid { seconds_early }
            }
        }
    }
}

/// The relying parties the app trusts: anchors, and a directory of relying-party (and
/// intermediate) certificates for compact challenges. Thread-safe; loads add to it.
#[derive(Debug, uniffi::Object)]
pub struct RelyingPartyTrust {
    inner: Mutex<core_ch::RelyingPartyTrust>,
}

impl RelyingPartyTrust {
    pub(crate) fn snapshot(&self) -> core_ch::RelyingPartyTrust {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn with<R>(&self, f: impl FnOnce(&mut core_ch::RelyingPartyTrust) -> R) -> R {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }
}

#[uniffi::export]
impl RelyingPartyTrust {
    /// No anchors: every challenge is from an unknown relying party.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(RelyingPartyTrust {
            inner: Mutex::new(core_ch::RelyingPartyTrust::new()),
        })
    }

    /// Adds every certificate of a PEM text as a trust anchor; returns how many.
    pub fn add_anchors_pem(&self, pem: String) -> Result<u32, ChallengeError> {
        let n = self.with(|t| t.add_anchors_pem(pem.as_bytes()))?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Adds a trust anchor (DER).
    pub fn add_anchor_der(&self, der: Vec<u8>) -> Result<(), ChallengeError> {
        Ok(self.with(|t| t.add_anchor_der(&der))?)
    }

    /// Adds relying-party and intermediate certificates to the directory (not trusted by
    /// themselves: each use chains to an anchor); returns how many.
    pub fn add_certificates_pem(&self, pem: String) -> Result<u32, ChallengeError> {
        let n = self.with(|t| t.add_certificates_pem(pem.as_bytes()))?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Number of anchors.
    pub fn anchor_count(&self) -> u32 {
        self.with(|t| u32::try_from(t.anchors().len()).unwrap_or(u32::MAX))
    }
}

/// A challenge whose signature and relying party checked out. Show [`Self::rp_display_name`],
/// [`Self::purpose`], the requested claims and [`Self::confirmation_code`] (the portal shows
/// the same code) before asking for consent.
#[derive(uniffi::Object)]
pub struct ScannedChallenge {
    pub(crate) inner: core_ch::ScannedChallenge,
}

impl std::fmt::Debug for ScannedChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScannedChallenge")
            .field("rp_id", &self.inner.challenge.rp_id)
            .field("claims", &self.inner.challenge.claims)
            .finish_non_exhaustive()
    }
}

/// Scans a challenge: `text` is the QR code's text (`MC1:...`); `now_unix_seconds` is the
/// phone's clock, used for the certificates' validity and the advisory clock check with
/// `skew_seconds` of tolerance (see [`ScannedChallenge::clock`]). Fast (about a millisecond);
/// safe on any thread.
#[uniffi::export]
pub fn scan_challenge(
    text: String,
    trust: Arc<RelyingPartyTrust>,
    now_unix_seconds: u64,
    skew_seconds: u64,
) -> Result<Arc<ScannedChallenge>, ChallengeError> {
    let inner = core_ch::scan(
        text.as_bytes(),
        &trust.snapshot(),
        now_unix_seconds,
        skew_seconds,
    )?;
    Ok(Arc::new(ScannedChallenge { inner }))
}

/// [`scan_challenge`] with the clock enforced: an expired or not-yet-valid challenge is an
/// error (`Expired`, `NotYetValid`).
#[uniffi::export]
pub fn scan_challenge_strict(
    text: String,
    trust: Arc<RelyingPartyTrust>,
    now_unix_seconds: u64,
    skew_seconds: u64,
) -> Result<Arc<ScannedChallenge>, ChallengeError> {
    let inner = core_ch::scan_strict(
        text.as_bytes(),
        &trust.snapshot(),
        now_unix_seconds,
        skew_seconds,
    )?;
    Ok(Arc::new(ScannedChallenge { inner }))
}

/// One line of the consent screen: a field that will be sent. Personal data: its
/// `toString()` is redacted; show [`ConsentItem::value`] to the user, never log it.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct ConsentItem {
    inner: monid_core::receipt::ConsentItem,
}

impl std::fmt::Debug for ConsentItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export]
impl ConsentItem {
    /// The data group the field is in (`null` for a device-asserted value).
    pub fn data_group(&self) -> Option<u8> {
        self.inner.data_group
    }
    /// What the field is ("surname", "place of birth", "face image", "age over 18").
    pub fn label(&self) -> String {
        self.inner.label.to_owned()
    }
    /// The value as it will be sent (`null` for binary content).
    pub fn value(&self) -> Option<String> {
        self.inner.value.as_ref().map(|v| v.as_str().to_owned())
    }
    /// Size of binary content (face image, public keys) in bytes, else 0.
    pub fn bytes(&self) -> u64 {
        u64::try_from(self.inner.bytes).unwrap_or(u64::MAX)
    }
}

#[uniffi::export]
impl ScannedChallenge {
    /// The relying party's id (its certificate's commonName, e.g. "bank.example.ma").
    pub fn rp_id(&self) -> String {
        self.inner.challenge.rp_id.clone()
    }
    /// The relying party's certified name (organizationName, else commonName): show it.
    pub fn rp_display_name(&self) -> String {
        self.inner.rp_display_name.clone()
    }
    /// Why the relying party asks (show it).
    pub fn purpose(&self) -> String {
        self.inner.challenge.purpose.clone()
    }
    /// The requested claims, in the relying party's order.
    pub fn claims(&self) -> Vec<ClaimRequest> {
        self.inner
            .challenge
            .claims
            .iter()
            .map(|r| ClaimRequest {
                claim: r.claim.into(),
                level: r.level.into(),
            })
            .collect()
    }
    /// What the relying party requires beyond the claims.
    pub fn assurance(&self) -> Assurance {
        self.inner.challenge.assurance.into()
    }
    /// Where the app POSTs the sealed receipt (`https://`).
    pub fn response_uri(&self) -> String {
        self.inner.challenge.response_uri.clone()
    }
    /// Issue time, Unix seconds (the relying party's clock).
    pub fn issued_at(&self) -> u64 {
        self.inner.challenge.issued_at
    }
    /// Expiry, Unix seconds (the relying party's clock).
    pub fn expires_at(&self) -> u64 {
        self.inner.challenge.expires_at
    }
    /// The 6-digit confirmation code; the portal shows the same one.
    pub fn confirmation_code(&self) -> String {
        self.inner.confirmation_code.clone()
    }
    /// True for the compact form (certificate from the app's directory).
    pub fn is_compact(&self) -> bool {
        self.inner.form == core_ch::Form::Compact
    }
    /// The advisory clock outcome.
    pub fn clock(&self) -> ClockCheck {
        self.inner.clock.into()
    }
    /// True when the card must be read for this challenge (a chip-verifiable claim, or chip
    /// read / chip genuine / face match required).
    pub fn needs_card(&self) -> bool {
        let a = self.inner.challenge.assurance;
        a.0 != 0
            || self
                .inner
                .challenge
                .claims
                .iter()
                .any(|r| r.level == core_ch::Level::ChipVerifiable)
    }
    /// The 8-byte active-authentication challenge to read the card with
    /// (`ReadOptions.activeAuthenticationChallenge`), bound to this challenge and the device
    /// key that will sign the receipt (SEC1 bytes from the key store).
    pub fn active_authentication_challenge(
        &self,
        device_public_key: Vec<u8>,
    ) -> Result<Vec<u8>, ChallengeError> {
        let key = monid_core::keys::DevicePublicKey::from_sec1(&device_public_key)
            .map_err(|e| ChallengeError::Malformed(short(&e.to_string())))?;
        Ok(monid_core::receipt::aa_challenge(&self.inner.cose, key.as_bytes()).to_vec())
    }
    /// The consent screen's lines: every field each requested data group would send, in
    /// data-group order, with the values from `document` (read for this challenge) when given.
    /// `now_unix_seconds` dates age claims (Africa/Casablanca). Empty when the clock is outside
    /// 2019-2040.
    pub fn consent_items(
        &self,
        document: Option<Arc<Document>>,
        now_unix_seconds: u64,
    ) -> Vec<Arc<ConsentItem>> {
        let items = match &document {
            Some(d) => d.with_core(|doc| {
                monid_core::receipt::consent_for(&self.inner, Some(doc), None, now_unix_seconds)
            }),
            None => monid_core::receipt::consent_for(&self.inner, None, None, now_unix_seconds),
        };
        items
            .unwrap_or_default()
            .into_iter()
            .map(|inner| Arc::new(ConsentItem { inner }))
            .collect()
    }
}
