//! The result of a read: [`Document`] and its records (summary, link, stats, chip evidence,
//! passive authentication report, face pixels).
//!
//! This module owns converting the core's `Document` views into uniffi records. It parses
//! nothing itself and decides nothing: verification outcomes are data, as in the core. Records
//! that hold personal data derive no `Debug`; the object's `Debug` is redacted.

use std::sync::{Arc, Mutex, MutexGuard};

use monid_core::document as core_doc;
use monid_core::reader as core_reader;
use zeroize::Zeroizing;

use crate::error::MonidError;
use crate::reader::DocumentFile;
use crate::trust::TrustStore;

/// Whether the issuer's signature covers a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Verification {
    /// Passive authentication has not run (or could not check this file).
    NotChecked,
    /// The file's hash matches an EF.SOD that passed passive authentication.
    Verified,
    /// The file's hash does not match, or passive authentication failed.
    Failed,
}

impl From<core_doc::Verification> for Verification {
    fn from(v: core_doc::Verification) -> Self {
        match v {
            core_doc::Verification::Verified => Verification::Verified,
            core_doc::Verification::Failed => Verification::Failed,
            _ => Verification::NotChecked,
        }
    }
}

/// A text field with its provenance. Personal data: its `toString()` / `description` is
/// redacted (the value is only returned by [`TextField::value`]); never log the value.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct TextField {
    value: Zeroizing<String>,
    file: DocumentFile,
    tag: u32,
    verification: Verification,
}

impl std::fmt::Debug for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TextField(<redacted>, {:?} tag {:04X}, {:?})",
            self.file, self.tag, self.verification
        )
    }
}

#[uniffi::export]
impl TextField {
    /// The value (personal data).
    pub fn value(&self) -> String {
        self.value.as_str().to_owned()
    }
    /// The file it came from.
    pub fn file(&self) -> DocumentFile {
        self.file
    }
    /// The data object within the file (e.g. 0x5F1F for DG1's MRZ).
    pub fn tag(&self) -> u32 {
        self.tag
    }
    /// Whether the issuer's signature covers it.
    pub fn verification(&self) -> Verification {
        self.verification
    }
}

fn field(f: &Option<core_doc::Sourced<Zeroizing<String>>>) -> Option<Arc<TextField>> {
    f.as_ref().map(|s| {
        Arc::new(TextField {
            value: Zeroizing::new(s.value.as_str().to_owned()),
            file: s.source.file.into(),
            tag: s.source.tag,
            verification: s.verification.into(),
        })
    })
}

/// The face image's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ImageFormat {
    /// JPEG.
    Jpeg,
    /// JPEG 2000.
    Jpeg2000,
    /// Unknown.
    Unknown,
}

impl From<monid_core::lds::dg2::ImageFormat> for ImageFormat {
    fn from(f: monid_core::lds::dg2::ImageFormat) -> Self {
        use monid_core::lds::dg2::ImageFormat as F;
        match f {
            F::Jpeg => ImageFormat::Jpeg,
            F::Jpeg2000 => ImageFormat::Jpeg2000,
            _ => ImageFormat::Unknown,
        }
    }
}

/// What is known of the face image without decoding it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FaceInfo {
    /// Format from the image's magic bytes.
    pub format: ImageFormat,
    /// True when the biometric header disagrees with the magic bytes.
    pub header_mismatch: bool,
    /// Size of the encoded image in bytes.
    pub encoded_bytes: u64,
    /// Width from the header.
    pub width: Option<u32>,
    /// Height from the header.
    pub height: Option<u32>,
    /// Whether the issuer's signature covers DG2.
    pub verification: Verification,
}

/// The holder and document fields a person reads, each with its source.
#[derive(Clone, uniffi::Record)]
pub struct DocumentSummary {
    /// Document code ("P", "ID", ...).
    pub document_code: Option<Arc<TextField>>,
    /// Issuing state (3-letter code).
    pub issuing_state: Option<Arc<TextField>>,
    /// Document number.
    pub document_number: Option<Arc<TextField>>,
    /// Surname (primary identifier).
    pub surname: Option<Arc<TextField>>,
    /// Given names (secondary identifier).
    pub given_names: Option<Arc<TextField>>,
    /// Nationality (3-letter code).
    pub nationality: Option<Arc<TextField>>,
    /// Date of birth, YYMMDD.
    pub date_of_birth: Option<Arc<TextField>>,
    /// "M", "F" or "X".
    pub sex: Option<Arc<TextField>>,
    /// Date of expiry, YYMMDD.
    pub date_of_expiry: Option<Arc<TextField>>,
    /// Full name (DG11).
    pub full_name: Option<Arc<TextField>>,
    /// Full date of birth, YYYYMMDD (DG11).
    pub full_date_of_birth: Option<Arc<TextField>>,
    /// Place of birth (DG11).
    pub place_of_birth: Option<Arc<TextField>>,
    /// Address (DG11).
    pub address: Option<Arc<TextField>>,
    /// Personal number (DG11).
    pub personal_number: Option<Arc<TextField>>,
    /// Issuing authority (DG12).
    pub issuing_authority: Option<Arc<TextField>>,
    /// Date of issue (DG12).
    pub date_of_issue: Option<Arc<TextField>>,
    /// The first face image of DG2.
    pub face: Option<FaceInfo>,
}

/// The access control that protected a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum AccessProtocol {
    /// None (plain).
    None,
    /// Basic Access Control.
    Bac,
    /// PACE.
    Pace,
}

/// How the read used the link.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct LinkReport {
    /// Access control used.
    pub protocol: AccessProtocol,
    /// PACE's protocol name (e.g. "id-PACE-ECDH-GM-AES-CBC-CMAC-128"), when PACE ran.
    pub pace_protocol: Option<String>,
    /// PACE's curve, when PACE ran.
    pub pace_curve: Option<String>,
    /// Secure-messaging cipher ("Aes128", "Des3"), if any.
    pub cipher: Option<String>,
    /// True when extended-length reads were used.
    pub extended_length: bool,
    /// The read size in use at the end.
    pub chunk: u32,
    /// Why BAC was used instead of PACE, when it was.
    pub fallback: Option<String>,
}

/// Counters of a read, summed over every call of a resumed read.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ReadStats {
    /// APDUs exchanged.
    pub apdus: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Access-control runs.
    pub access_control_runs: u32,
    /// Calls of `read` this result took.
    pub calls: u32,
    /// File bytes received and kept.
    pub file_bytes: u64,
    /// Progress-listener calls that threw (ignored).
    pub listener_failures: u64,
}

/// Why a selected file is not in the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Absence {
    /// EF.COM does not list it.
    NotListed,
    /// The chip answered "file not found".
    NotFound,
    /// The chip refused it with the current access rights.
    Denied,
    /// It needs Extended Access Control (DG3, DG4).
    RequiresEac,
}

/// One file of the result.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FileStatus {
    /// Which file.
    pub file: DocumentFile,
    /// Its length when read.
    pub length: Option<u64>,
    /// Why it is absent, when it is.
    pub absence: Option<Absence>,
    /// The call (1 = first) in which it completed, when read.
    pub completed_in_call: Option<u32>,
}

/// Outcome of a chip check (chip or active authentication).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum CheckOutcome {
    /// Did not run (no DG14/DG15, or turned off).
    NotRun,
    /// Ran and passed.
    Passed,
    /// Ran and failed.
    Failed {
        /// Why.
        reason: String,
    },
}

/// What the chip proved about itself during the read.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ChipEvidence {
    /// Chip authentication (DG14).
    pub chip_authentication: CheckOutcome,
    /// Active authentication (DG15).
    pub active_authentication: CheckOutcome,
    /// The active-authentication challenge sent, when AA passed.
    pub aa_challenge: Option<Vec<u8>>,
    /// The chip's active-authentication signature, when AA passed.
    pub aa_signature: Option<Vec<u8>>,
}

/// Whether the chip is proven genuine (needs passive authentication first).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ChipGenuine {
    /// Proven, by chip or active authentication with a key the issuer signed.
    Proven {
        /// "chip authentication" or "active authentication".
        by: String,
    },
    /// Not proven, and why.
    NotProven {
        /// Why.
        reason: String,
    },
}

/// Outcome of one passive-authentication check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PaOutcome {
    /// Passed.
    Pass,
    /// Failed.
    Fail,
    /// Could not run.
    NotChecked,
}

/// Passive authentication's overall result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PaVerdict {
    /// The data read is the issuer's.
    Valid,
    /// At least one check failed.
    Invalid,
    /// Nothing failed, but a check that matters could not run (no trust anchor, ...).
    Incomplete,
}

/// One check of passive authentication.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PaCheck {
    /// What was checked ("Signature", "Chain", "DataGroupHash", ...).
    pub kind: String,
    /// For data-group hashes: the data group number.
    pub data_group: Option<u8>,
    /// The outcome.
    pub outcome: PaOutcome,
    /// Why, in words a person can act on.
    pub reason: String,
}

/// Passive authentication's report.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PaReport {
    /// The overall verdict.
    pub verdict: PaVerdict,
    /// Every check, in order.
    pub checks: Vec<PaCheck>,
    /// The SOD's signature algorithm.
    pub signature_algorithm: Option<String>,
    /// The document signer's key.
    pub signer_key: Option<String>,
    /// Subjects of the chain, DSC first.
    pub chain: Vec<String>,
    /// The data-group hash algorithm.
    pub hash_algorithm: Option<String>,
}

impl From<&monid_core::pki::pa::PaReport> for PaReport {
    fn from(r: &monid_core::pki::pa::PaReport) -> Self {
        use monid_core::pki::pa::{Outcome, Verdict};
        PaReport {
            verdict: match r.verdict() {
                Verdict::Valid => PaVerdict::Valid,
                Verdict::Invalid => PaVerdict::Invalid,
                Verdict::Incomplete => PaVerdict::Incomplete,
            },
            checks: r
                .checks
                .iter()
                .map(|c| PaCheck {
                    kind: format!("{:?}", c.kind),
                    data_group: c.dg,
                    outcome: match c.outcome {
                        Outcome::Pass => PaOutcome::Pass,
                        Outcome::Fail => PaOutcome::Fail,
                        Outcome::NotChecked => PaOutcome::NotChecked,
                    },
                    reason: c.reason.clone(),
                })
                .collect(),
            signature_algorithm: r.signature_algorithm.clone(),
            signer_key: r.signer_key.clone(),
            chain: r.chain.clone(),
            hash_algorithm: r.hash_algorithm.clone(),
        }
    }
}

/// A decoded face: 8-bit RGB, row-major, `width * height * 3` bytes.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct FacePixels {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGB samples.
    pub rgb: Vec<u8>,
}

/// A document as read: the parsed view, kept in Rust (file bytes are zeroized when released).
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Document {
    inner: Mutex<core_doc::Document>,
    listener_failures: u64,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Document(<redacted>)")
    }
}

impl Document {
    pub(crate) fn new(raw: core_reader::RawDocument, listener_failures: u64) -> Self {
        Document {
            inner: Mutex::new(core_doc::Document::from_raw(raw)),
            listener_failures,
        }
    }

    /// Runs `f` on the core document (for receipts and consent screens) under the document's
    /// lock: `f` must not call the platform (a key store's `sign` may wait for the UI thread,
    /// which may be waiting for this lock).
    pub(crate) fn with_core<R>(&self, f: impl FnOnce(&core_doc::Document) -> R) -> R {
        f(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, core_doc::Document> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn outcome<T>(o: &Option<Result<T, String>>) -> CheckOutcome {
    match o {
        None => CheckOutcome::NotRun,
        Some(Ok(_)) => CheckOutcome::Passed,
        Some(Err(reason)) => CheckOutcome::Failed {
            reason: reason.clone(),
        },
    }
}

#[uniffi::export]
impl Document {
    /// The holder and document fields, each with its source and verification state.
    pub fn summary(&self) -> DocumentSummary {
        let s = self.lock().summary();
        DocumentSummary {
            document_code: field(&s.document_code),
            issuing_state: field(&s.issuing_state),
            document_number: field(&s.document_number),
            surname: field(&s.surname),
            given_names: field(&s.given_names),
            nationality: field(&s.nationality),
            date_of_birth: field(&s.date_of_birth),
            sex: field(&s.sex),
            date_of_expiry: field(&s.date_of_expiry),
            full_name: field(&s.full_name),
            full_date_of_birth: field(&s.full_date_of_birth),
            place_of_birth: field(&s.place_of_birth),
            address: field(&s.address),
            personal_number: field(&s.personal_number),
            issuing_authority: field(&s.issuing_authority),
            date_of_issue: field(&s.date_of_issue),
            face: s.face.as_ref().map(|f| FaceInfo {
                format: f.value.format.into(),
                header_mismatch: f.value.header_mismatch,
                encoded_bytes: u64::try_from(f.value.bytes).unwrap_or(u64::MAX),
                width: f.value.width.map(u32::from),
                height: f.value.height.map(u32::from),
                verification: f.verification.into(),
            }),
        }
    }

    /// How the link was used.
    pub fn link(&self) -> LinkReport {
        let d = self.lock();
        let l = &d.raw.link;
        use core_reader::AccessProtocol as P;
        LinkReport {
            protocol: match l.protocol {
                P::Bac => AccessProtocol::Bac,
                P::Pace => AccessProtocol::Pace,
                _ => AccessProtocol::None,
            },
            pace_protocol: l.pace.as_ref().map(|p| p.protocol.to_owned()),
            pace_curve: l.pace.as_ref().map(|p| format!("{:?}", p.domain)),
            cipher: l.cipher.map(|c| format!("{c:?}")),
            extended_length: l.extended_length,
            chunk: u32::try_from(l.chunk).unwrap_or(u32::MAX),
            fallback: l.fallback.map(str::to_owned),
        }
    }

    /// Counters, including the number of APDUs.
    pub fn stats(&self) -> ReadStats {
        let d = self.lock();
        let s = &d.raw.stats;
        ReadStats {
            apdus: s.apdus,
            bytes_sent: s.bytes_sent,
            bytes_received: s.bytes_received,
            access_control_runs: s.access_control_runs,
            calls: s.calls,
            file_bytes: s.file_bytes,
            listener_failures: self.listener_failures,
        }
    }

    /// Every file read and every selected file that is absent.
    pub fn files(&self) -> Vec<FileStatus> {
        let d = self.lock();
        let mut out: Vec<FileStatus> = d
            .raw
            .files
            .iter()
            .map(|f| FileStatus {
                file: f.id.into(),
                length: Some(u64::try_from(f.bytes.len()).unwrap_or(u64::MAX)),
                absence: None,
                completed_in_call: Some(f.completed_in_call),
            })
            .collect();
        use core_reader::Absence as A;
        out.extend(d.raw.absent.iter().map(|(id, why)| FileStatus {
            file: (*id).into(),
            length: None,
            absence: Some(match why {
                A::NotListed => Absence::NotListed,
                A::NotFound => Absence::NotFound,
                A::Denied => Absence::Denied,
                _ => Absence::RequiresEac,
            }),
            completed_in_call: None,
        }));
        out
    }

    /// Files that were read but could not be parsed, and why (no file content).
    pub fn problems(&self) -> Vec<String> {
        self.lock()
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.file.name(), p.problem))
            .collect()
    }

    /// Chip and active authentication outcomes.
    pub fn chip_evidence(&self) -> ChipEvidence {
        let d = self.lock();
        let c = &d.raw.chip;
        let aa = c
            .active_authentication
            .as_ref()
            .and_then(|r| r.as_ref().ok());
        ChipEvidence {
            chip_authentication: outcome(&c.chip_authentication),
            active_authentication: outcome(&c.active_authentication),
            aa_challenge: aa.map(|e| e.challenge.to_vec()),
            aa_signature: aa.map(|e| e.signature.clone()),
        }
    }

    /// Runs passive authentication against `trust_store` at `now_unix_seconds` (UTC), keeps
    /// the result (the summary's verification states follow it) and returns the report.
    pub fn verify(&self, trust_store: Arc<TrustStore>, now_unix_seconds: i64) -> PaReport {
        let store = trust_store.snapshot();
        let mut d = self.lock();
        PaReport::from(d.verify(&store, monid_core::pki::Timestamp(now_unix_seconds)))
    }

    /// Whether the chip is proven genuine (chip or active authentication with a key covered by
    /// a verified EF.SOD). Run `verify` first.
    pub fn chip_genuine(&self) -> ChipGenuine {
        match self.lock().chip_genuine() {
            core_doc::ChipGenuine::Proven { by } => ChipGenuine::Proven { by: by.to_owned() },
            core_doc::ChipGenuine::NotProven(reason) => ChipGenuine::NotProven { reason },
        }
    }

    /// Decodes the first face image of DG2 to RGB pixels (JPEG or JPEG 2000, bounded sizes).
    /// `null` when DG2 was not read or holds no face.
    pub fn face_pixels(&self) -> Result<Option<FacePixels>, MonidError> {
        let d = self.lock();
        let Some(face) = d.face() else {
            return Ok(None);
        };
        let px = monid_core::face::decode_face(face)
            .map_err(|e| MonidError::UnsupportedDocument(format!("face image: {e}")))?;
        Ok(Some(FacePixels {
            width: px.width,
            height: px.height,
            rgb: px.rgb.clone(),
        }))
    }
}
