//! Face-match binding and receipts on the phone: [`create_receipt`], the [`FaceMatch`] record
//! the platform's matcher fills in, and enrolment ([`enrol`], [`Enrolment`]) for
//! device-asserted claims.
//!
//! This module owns converting those records and the core's `ReceiptError` / `EnrolmentError`
//! into [`ReceiptError`]. What a receipt holds, how it is signed (through a
//! [`DeviceKeyStore`]) and sealed to the relying party is the core's `receipt` and `enrolment`;
//! this module decides nothing and matches no faces.
//!
//! Threading: [`create_receipt`] and [`enrol`] call the key store's `sign`, which may show a
//! biometric prompt and block: call them on a worker thread (the Kotlin and Swift shells do).
//! They build everything that needs the [`Document`] under its lock and release it before any
//! key-store call, so the UI thread can use the document while the prompt is up.

use std::sync::Arc;

use monid_core::enrolment as core_enrol;
use monid_core::keys::KeyStore as _;
use monid_core::receipt as core_receipt;
use zeroize::Zeroizing;

use crate::challenge::{Claim, ScannedChallenge};
use crate::document::Document;
use crate::error::short;
use crate::keystore::{Adapter, DeviceKeyStore};
use crate::reader::CancellationToken;

/// Whether the platform ran a liveness check and how it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Liveness {
    /// No liveness check ran.
    NotRun,
    /// The check passed.
    Passed,
    /// The check failed.
    Failed,
}

impl From<Liveness> for core_receipt::Liveness {
    fn from(l: Liveness) -> Self {
        match l {
            Liveness::NotRun => core_receipt::Liveness::NotRun,
            Liveness::Passed => core_receipt::Liveness::Passed,
            Liveness::Failed => core_receipt::Liveness::Failed,
        }
    }
}

impl From<core_receipt::Liveness> for Liveness {
    fn from(l: core_receipt::Liveness) -> Self {
        match l {
            core_receipt::Liveness::NotRun => Liveness::NotRun,
            core_receipt::Liveness::Passed => Liveness::Passed,
            core_receipt::Liveness::Failed => Liveness::Failed,
        }
    }
}

/// What the platform's face matcher said when it compared the live capture with the chip's
/// photo (`Document.facePixels()`). The core takes it as given and binds it, with a digest of
/// the capture and DG2's digest from EF.SOD, into the signed receipt; the relying party applies
/// its own score threshold.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FaceMatch {
    /// The matcher's identifier, e.g. "com.example.facematch" (1 to 64 bytes).
    pub engine_id: String,
    /// The matcher's version (at most 64 bytes).
    pub engine_version: String,
    /// Similarity score in thousandths, 0 to 1000.
    pub score_milli: u16,
    /// The threshold the matcher applied, in thousandths.
    pub threshold_milli: u16,
    /// The matcher's decision (true: same person).
    pub decision: bool,
    /// The liveness outcome.
    pub liveness: Liveness,
}

impl From<FaceMatch> for core_receipt::FaceMatchResult {
    fn from(f: FaceMatch) -> Self {
        core_receipt::FaceMatchResult {
            engine_id: f.engine_id,
            engine_version: f.engine_version,
            score_milli: f.score_milli,
            threshold_milli: f.threshold_milli,
            decision: f.decision,
            liveness: f.liveness.into(),
        }
    }
}

/// Why a receipt (or an enrolment record) could not be made (Kotlin `ReceiptException`,
/// Swift `ReceiptError`). Messages name the field or step, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ReceiptError {
    /// Something the challenge asks for was not given (the document, the face match, an
    /// enrolment for device-asserted claims, EF.SOD, DG2...).
    #[error("missing input: {reason}")]
    MissingInput {
        /// What is missing.
        reason: String,
    },
    /// The value of a requested claim is unknown (e.g. no address on the card).
    #[error("no value for a requested claim")]
    ValueUnavailable {
        /// Which claim.
        claim: Claim,
    },
    /// The card was read with another active-authentication challenge: read it with
    /// `ScannedChallenge.activeAuthenticationChallenge(devicePublicKey)`.
    #[error("active authentication was run over another challenge")]
    AaChallengeMismatch,
    /// An input is invalid (face record out of range, malformed enrolment record, bad seal key).
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What is invalid.
        reason: String,
    },
    /// The device key was permanently invalidated: enrol again.
    #[error("device key invalidated; enrol again")]
    KeyInvalidated,
    /// The user dismissed the key store's authentication prompt.
    #[error("user cancelled authentication")]
    UserCancelled,
    /// Cancelled through the cancellation token or by the key store.
    #[error("cancelled")]
    Cancelled,
    /// The key store failed otherwise (including a callback that threw something undeclared).
    #[error("key store: {reason}")]
    KeyStore {
        /// The key store's message.
        reason: String,
    },
    /// A bug or a failing dependency.
    #[error("internal error: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
}

fn from_key_error(e: monid_core::keys::KeyStoreError) -> ReceiptError {
    use monid_core::keys::KeyStoreError as K;
    match e {
        K::KeyInvalidated => ReceiptError::KeyInvalidated,
        K::UserCancelled => ReceiptError::UserCancelled,
        K::Cancelled => ReceiptError::Cancelled,
        other => ReceiptError::KeyStore {
            reason: short(&other.to_string()),
        },
    }
}

impl From<core_receipt::ReceiptError> for ReceiptError {
    fn from(e: core_receipt::ReceiptError) -> Self {
        use core_receipt::ReceiptError as R;
        match e {
            R::MissingInput(w) => ReceiptError::MissingInput { reason: w.into() },
            R::ValueUnavailable(c) => ReceiptError::ValueUnavailable { claim: c.into() },
            R::AaChallengeMismatch => ReceiptError::AaChallengeMismatch,
            R::KeyStore(k) => from_key_error(k),
            R::Internal(w) => ReceiptError::Internal { reason: w.into() },
            other => ReceiptError::InvalidInput {
                reason: other.to_string(),
            },
        }
    }
}

impl From<core_enrol::EnrolmentError> for ReceiptError {
    fn from(e: core_enrol::EnrolmentError) -> Self {
        use core_enrol::EnrolmentError as E;
        match e {
            E::KeyStore(k) => from_key_error(k),
            E::KeyInvalidated => ReceiptError::KeyInvalidated,
            E::MissingInput(w) => ReceiptError::MissingInput { reason: w.into() },
            other => ReceiptError::InvalidInput {
                reason: short(&other.to_string()),
            },
        }
    }
}

/// A receipt ready to send.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct SealedReceipt {
    /// The envelope (COSE_Encrypt0 to the relying party's ephemeral key): POST it as
    /// `application/cose` to [`Self::response_uri`].
    pub envelope: Vec<u8>,
    /// The challenge's `response_uri`.
    pub response_uri: String,
    /// `ME1:` + base45 of the envelope, for a portal that scans the phone's screen instead
    /// (only when the envelope fits a QR code: device-asserted receipts).
    pub envelope_qr_text: Option<String>,
    /// `MR1:` + base45 of the nonce: the handle to show after POSTing.
    pub handle_qr_text: String,
}

impl std::fmt::Debug for SealedReceipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedReceipt")
            .field("envelope", &self.envelope.len())
            .finish_non_exhaustive()
    }
}

/// Largest envelope offered as QR text (a version-40 QR at level M holds 2331 bytes in byte
/// mode; base45 expands by 3/2).
const MAX_QR_ENVELOPE: usize = 1500;

/// Builds, signs and seals the receipt answering `challenge`.
///
/// - `document`: the card read for this challenge (with
///   `activeAuthenticationChallenge(devicePublicKey)`), required when a claim is
///   chip-verifiable or the challenge requires chip read / chip genuine / face match;
/// - `faceMatch` and `liveCapture`: the matcher's result and the capture it compared (only its
///   SHA-256 is bound; the image never leaves the phone), required when face match is;
/// - `enrolment`: the device's enrolment, required when a claim is device-asserted;
/// - `keyStore` and `alias`: the device key that signs (may prompt the user);
/// - `cancel`: optional; checked around the key store's prompt.
///
/// BLOCKING (the key store may prompt): call it on a worker thread.
#[allow(clippy::too_many_arguments)]
#[uniffi::export]
pub fn create_receipt(
    challenge: Arc<ScannedChallenge>,
    document: Option<Arc<Document>>,
    face_match: Option<FaceMatch>,
    live_capture: Option<Vec<u8>>,
    enrolment: Option<Arc<Enrolment>>,
    key_store: Arc<dyn DeviceKeyStore>,
    alias: String,
    now_unix_seconds: u64,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<SealedReceipt, ReceiptError> {
    let live_capture = Zeroizing::new(live_capture.unwrap_or_default());
    let keys = Adapter(key_store);
    let token = cancel.map(|c| c.token()).unwrap_or_default();
    let scanned = &challenge.inner;
    let face = match face_match {
        Some(f) => {
            let f: core_receipt::FaceMatchResult = f.into();
            f.validate()
                .map_err(|w| ReceiptError::InvalidInput { reason: w.into() })?;
            Some(f)
        }
        None => None,
    };
    // The key store is only called while the document is NOT locked: its `sign` may wait for a
    // biometric prompt on the UI thread, which may meanwhile call `Document.summary()`.
    let device_key = keys
        .public_key(&alias)
        .map_err(core_receipt::ReceiptError::KeyStore)?;
    let prepare = |doc: Option<&monid_core::document::Document>| {
        let mut b = core_receipt::ReceiptBuilder::new(
            core_receipt::ChallengeInput::from(scanned),
            now_unix_seconds,
        );
        if let Some(d) = doc {
            b = b.document(d);
        }
        if let Some(f) = face {
            b = b.face(f, &live_capture);
        }
        if let Some(e) = &enrolment {
            b = b.enrolled(&e.inner);
        }
        b.prepare(device_key)
    };
    let prepared = match &document {
        Some(d) => d.with_core(|doc| prepare(Some(doc)))?,
        None => prepare(None)?,
    };
    let envelope = prepared.seal(&keys, &alias, &token, &mut monid_core::rand::SystemRandom)?;
    Ok(SealedReceipt {
        envelope_qr_text: (envelope.len() <= MAX_QR_ENVELOPE)
            .then(|| core_receipt::envelope_qr_text(&envelope)),
        handle_qr_text: core_receipt::handle_qr_text(&scanned.challenge.nonce),
        response_uri: scanned.challenge.response_uri.clone(),
        envelope,
    })
}

/// A signed enrolment record that verified (its device signature): what device-asserted claims
/// rest on. Keep it sealed ([`Self::seal`]) in the app's storage; send [`Self::signed_bytes`]
/// once to the relying party, which accepts it with passive authentication.
#[derive(uniffi::Object)]
pub struct Enrolment {
    inner: core_enrol::VerifiedEnrolment,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment(<redacted>)")
    }
}

/// Enrols the device key under `alias` with a document just read (with EF.SOD, DG1, DG2):
/// reads the key's attestation, builds the record (claims from DG1/DG11, the data groups,
/// EF.SOD, DG2's digest, the chip evidence) and signs it. BLOCKING (the key store may prompt).
#[uniffi::export]
pub fn enrol(
    document: Arc<Document>,
    key_store: Arc<dyn DeviceKeyStore>,
    alias: String,
    now_unix_seconds: u64,
    cancel: Option<Arc<CancellationToken>>,
) -> Result<Arc<Enrolment>, ReceiptError> {
    let keys = Adapter(key_store);
    let token = cancel.map(|c| c.token()).unwrap_or_default();
    let today = i64::try_from(now_unix_seconds)
        .ok()
        .and_then(|t| monid_core::tz::casablanca_date(t).ok())
        .ok_or(ReceiptError::InvalidInput {
            reason: "clock outside 2019-2040".into(),
        })?;
    // `core_enrol::enrol` in steps, so that the key store is only called while the document
    // is NOT locked (see `create_receipt`).
    let challenge = document
        .with_core(|doc| {
            doc.raw
                .file(monid_core::lds::FileId::Sod)
                .map(core_enrol::attestation_challenge)
        })
        .ok_or(core_enrol::EnrolmentError::MissingInput("EF.SOD"))?;
    let device_key = keys
        .public_key(&alias)
        .map_err(core_enrol::EnrolmentError::from)?;
    let attestation = keys
        .attestation(&alias, &challenge)
        .map_err(core_enrol::EnrolmentError::from)?;
    let record = document.with_core(|doc| {
        core_enrol::EnrolmentRecord::from_document(
            doc,
            today,
            now_unix_seconds,
            device_key,
            attestation,
        )
    })?;
    let signed = record.sign(&keys, &alias, &token)?;
    let inner = core_enrol::parse_and_verify(signed.as_bytes())?;
    Ok(Arc::new(Enrolment { inner }))
}

/// The attestation challenge enrolment asks the key store for with this document:
/// `SHA-256("monid-enrolment-attest-v1" || EF.SOD)`. Platforms that bind the challenge when the
/// key is created (Android Key Attestation) generate the device key with it after reading the
/// card and before [`enrol`]. `None` without EF.SOD.
#[uniffi::export]
pub fn enrolment_attestation_challenge(document: Arc<Document>) -> Option<Vec<u8>> {
    document.with_core(|doc| {
        doc.raw
            .file(monid_core::lds::FileId::Sod)
            .map(|sod| core_enrol::attestation_challenge(sod).to_vec())
    })
}

#[uniffi::export]
impl Enrolment {
    /// Parses a signed record and verifies its device signature.
    #[uniffi::constructor]
    pub fn from_signed(bytes: Vec<u8>) -> Result<Arc<Self>, ReceiptError> {
        let inner = core_enrol::parse_and_verify(&bytes)?;
        Ok(Arc::new(Enrolment { inner }))
    }

    /// Opens a record sealed with [`Self::seal`] under the same 32-byte key.
    #[uniffi::constructor]
    pub fn open(sealed: Vec<u8>, seal_key: Vec<u8>) -> Result<Arc<Self>, ReceiptError> {
        let key = seal_key_of(seal_key)?;
        let inner = core_enrol::open_record(&sealed, &key)?;
        Ok(Arc::new(Enrolment { inner }))
    }

    /// The record sealed (AES-256-GCM) under a 32-byte key, for the app's storage.
    pub fn seal(&self, seal_key: Vec<u8>) -> Result<Vec<u8>, ReceiptError> {
        let key = seal_key_of(seal_key)?;
        Ok(core_enrol::seal_record(
            &self.inner.signed,
            &key,
            &mut monid_core::rand::SystemRandom,
        )?)
    }

    /// The signed record (COSE_Sign1) to send to a relying party once.
    pub fn signed_bytes(&self) -> Vec<u8> {
        self.inner.signed.as_bytes().to_vec()
    }

    /// The record's id: SHA-256 of the signed record.
    pub fn id(&self) -> Vec<u8> {
        self.inner.id.to_vec()
    }

    /// The device key the record names (SEC1 uncompressed).
    pub fn device_public_key(&self) -> Vec<u8> {
        self.inner.record.device_key.as_bytes().to_vec()
    }
}

fn seal_key_of(bytes: Vec<u8>) -> Result<Zeroizing<[u8; 32]>, ReceiptError> {
    crate::keystore::seal_key(bytes).ok_or(ReceiptError::InvalidInput {
        reason: "seal key must be 32 bytes".into(),
    })
}
