//! The parsed view of a read: typed data groups, per-file problems, and a summary whose every
//! field names the file and tag it came from.
//!
//! This module owns turning a [`RawDocument`] (bytes exactly as read) into typed values. It
//! never fails as a whole: a data group that does not parse is listed in
//! [`Document::problems`] and the rest is still available. Passive authentication (whether the
//! files are the ones the issuer signed) is a separate step, [`Document::verify`], run with the
//! caller's trust store and clock; until it runs every field's [`Verification`] is
//! `NotChecked`, and afterwards each field says whether the issuer's signature covers it.

use zeroize::Zeroizing;

use crate::error::ChipError;
use crate::lds::com::Com;
use crate::lds::dg2::{Dg2, FaceImage, ImageFormat};
use crate::lds::{Dg1, Dg7, Dg11, Dg12, Dg15, FileId, Sod};
use crate::mrz::{Mrz, MrzError, Sex};
use crate::pki::Timestamp;
use crate::pki::pa::{self, PaReport};
use crate::pki::trust::TrustStore;
use crate::reader::RawDocument;

/// Where a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Source {
    /// The file.
    pub file: FileId,
    /// The data object within it (e.g. 0x5F1F for DG1's MRZ).
    pub tag: u32,
}

/// Whether the issuer's signature covers a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verification {
    /// Passive authentication has not run (or could not check this file).
    NotChecked,
    /// Passive authentication passed and this file's hash matches the signed EF.SOD.
    Verified,
    /// This file's hash does not match, or passive authentication failed.
    Failed,
}

/// A value with its provenance.
#[derive(Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub source: Source,
    /// Whether the issuer's signature covers it.
    pub verification: Verification,
}

impl<T> core::fmt::Debug for Sourced<T> {
    /// The provenance only: values are personal data.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Sourced(<redacted> from {:?} tag {:#X})",
            self.source.file, self.source.tag
        )
    }
}

fn sourced<T>(value: T, file: FileId, tag: u32) -> Sourced<T> {
    Sourced {
        value,
        source: Source { file, tag },
        verification: Verification::NotChecked,
    }
}

fn mark<T>(field: &mut Option<Sourced<T>>, doc: &Document) {
    if let Some(f) = field {
        f.verification = doc.verification(f.source.file);
    }
}

/// A file that was read but could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    /// The file.
    pub file: FileId,
    /// What was wrong (no file content).
    pub problem: String,
}

/// What is known of the face image without decoding it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaceSummary {
    /// Format from the image's magic bytes.
    pub format: ImageFormat,
    /// Format the biometric header declares.
    pub declared: Option<ImageFormat>,
    /// True when the header disagrees with the magic bytes.
    pub header_mismatch: bool,
    /// Size of the encoded image.
    pub bytes: usize,
    /// Width from the header.
    pub width: Option<u16>,
    /// Height from the header.
    pub height: Option<u16>,
}

/// The holder and document fields a person reads, each with its source. Strings are zeroized.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Document code (e.g. "P", "ID").
    pub document_code: Option<Sourced<Zeroizing<String>>>,
    /// Issuing state (3-letter ICAO code).
    pub issuing_state: Option<Sourced<Zeroizing<String>>>,
    /// Document number.
    pub document_number: Option<Sourced<Zeroizing<String>>>,
    /// Primary identifier (surname).
    pub surname: Option<Sourced<Zeroizing<String>>>,
    /// Secondary identifier (given names).
    pub given_names: Option<Sourced<Zeroizing<String>>>,
    /// Nationality (3-letter code).
    pub nationality: Option<Sourced<Zeroizing<String>>>,
    /// Date of birth, YYMMDD as in the MRZ.
    pub date_of_birth: Option<Sourced<Zeroizing<String>>>,
    /// Sex: "M", "F" or "X".
    pub sex: Option<Sourced<Zeroizing<String>>>,
    /// Date of expiry, YYMMDD.
    pub date_of_expiry: Option<Sourced<Zeroizing<String>>>,
    /// Full name from DG11.
    pub full_name: Option<Sourced<Zeroizing<String>>>,
    /// Full date of birth from DG11 (YYYYMMDD).
    pub full_date_of_birth: Option<Sourced<Zeroizing<String>>>,
    /// Place of birth from DG11.
    pub place_of_birth: Option<Sourced<Zeroizing<String>>>,
    /// Permanent address from DG11.
    pub address: Option<Sourced<Zeroizing<String>>>,
    /// Personal number from DG11.
    pub personal_number: Option<Sourced<Zeroizing<String>>>,
    /// Issuing authority from DG12.
    pub issuing_authority: Option<Sourced<Zeroizing<String>>>,
    /// Date of issue from DG12.
    pub date_of_issue: Option<Sourced<Zeroizing<String>>>,
    /// The first face image of DG2.
    pub face: Option<Sourced<FaceSummary>>,
}

/// Whether the chip proved it is the genuine chip of a genuine document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChipGenuine {
    /// Proven: the chip's key passed passive authentication and the chip proved it holds the
    /// private key.
    Proven {
        /// How ("chip authentication", "active authentication").
        by: &'static str,
    },
    /// Not proven, and why.
    NotProven(String),
}

/// A read, parsed.
#[derive(Debug)]
pub struct Document {
    /// The bytes as read, with counters and absences.
    pub raw: RawDocument,
    /// EF.COM.
    pub com: Option<Com>,
    /// DG1.
    pub dg1: Option<Dg1>,
    /// The MRZ parsed from DG1.
    pub mrz: Option<Mrz>,
    /// DG2 (face).
    pub dg2: Option<Dg2>,
    /// DG7 (signature image).
    pub dg7: Option<Dg7>,
    /// DG11 (additional personal details).
    pub dg11: Option<Dg11>,
    /// DG12 (additional document details).
    pub dg12: Option<Dg12>,
    /// DG15 (active authentication public key).
    pub dg15: Option<Dg15>,
    /// EF.SOD (not yet verified).
    pub sod: Option<Sod>,
    /// Files read but not parsed, and why.
    pub problems: Vec<FileProblem>,
    /// Passive authentication's report, once [`Document::verify`] ran.
    pub pa: Option<PaReport>,
    /// Passive authentication of EF.CardSecurity (its signature and chain), once
    /// [`Document::verify`] ran on a read that has EF.CardSecurity.
    pub card_security_pa: Option<PaReport>,
}

fn text(s: &str) -> Zeroizing<String> {
    Zeroizing::new(s.to_owned())
}

impl Document {
    /// Parses every file of `raw` that this version understands.
    pub fn from_raw(raw: RawDocument) -> Document {
        let mut problems = Vec::new();
        let mut note = |file: FileId, problem: String| problems.push(FileProblem { file, problem });
        macro_rules! parse {
            ($id:expr, $ty:ty) => {
                raw.file($id).and_then(|bytes| match <$ty>::parse(bytes) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        note($id, ChipError::from(e.into_chip_error($id)).to_string());
                        None
                    }
                })
            };
        }
        let com = parse!(FileId::Com, Com);
        let dg1 = parse!(FileId::Dg1, Dg1);
        let dg2 = parse!(FileId::Dg2, Dg2);
        let dg7 = parse!(FileId::Dg7, Dg7);
        let dg11 = parse!(FileId::Dg11, Dg11);
        let dg12 = parse!(FileId::Dg12, Dg12);
        let dg15 = parse!(FileId::Dg15, Dg15);
        let sod = parse!(FileId::Sod, Sod);
        let mrz = dg1.as_ref().and_then(|d| match d.parse_mrz() {
            Ok(m) => Some(m),
            Err(e) => {
                note(FileId::Dg1, mrz_problem(&e));
                None
            }
        });
        Document {
            raw,
            com,
            dg1,
            mrz,
            dg2,
            dg7,
            dg11,
            dg12,
            dg15,
            sod,
            problems,
            pa: None,
            card_security_pa: None,
        }
    }

    /// Runs passive authentication over the files read, with the caller's trust store and
    /// time, keeps the report in [`Document::pa`] and returns it. When the read has
    /// EF.CardSecurity (after PACE-CAM, or chip authentication without DG14), its signature and
    /// chain are checked too, into [`Document::card_security_pa`].
    pub fn verify(&mut self, store: &TrustStore, now: Timestamp) -> &PaReport {
        let dgs: Vec<(u8, &[u8])> = self
            .raw
            .files
            .iter()
            .filter_map(|f| f.id.dg_number().map(|n| (n, f.bytes.as_slice())))
            .collect();
        let report = match self.raw.file(FileId::Sod) {
            Some(sod) => pa::verify(
                &pa::PaInput {
                    sod,
                    data_groups: &dgs,
                    issuing_state: self.mrz.as_ref().map(Mrz::issuing_state),
                    dsc: None,
                },
                store,
                now,
            ),
            None => pa::PaReport::without_sod(&dgs),
        };
        self.card_security_pa = self.raw.file(FileId::CardSecurity).map(|cs| {
            pa::verify_card_security(cs, self.mrz.as_ref().map(Mrz::issuing_state), store, now)
        });
        self.pa.insert(report)
    }

    /// "Chip genuine" is claimed only when the chip proved it holds a private key AND that key
    /// passed passive authentication: chip authentication with DG14's key (DG14's hash verified
    /// in a valid EF.SOD) or EF.CardSecurity's key (EF.CardSecurity's signature valid), PACE-CAM
    /// with EF.CardSecurity's key (signature valid), or active authentication with DG15's key
    /// (DG15's hash verified).
    pub fn chip_genuine(&self) -> ChipGenuine {
        let Some(report) = &self.pa else {
            return ChipGenuine::NotProven("passive authentication has not run".into());
        };
        let chip = &self.raw.chip;
        let card_security_valid = self
            .card_security_pa
            .as_ref()
            .is_some_and(|r| r.verdict() == pa::Verdict::Valid);
        let ca_key_from_card_security =
            chip.chip_authentication_key_from == Some(FileId::CardSecurity);
        let ca_key_verified = if ca_key_from_card_security {
            card_security_valid
        } else {
            report.dg_verified(14)
        };
        if matches!(chip.chip_authentication, Some(Ok(_))) && ca_key_verified {
            return ChipGenuine::Proven {
                by: "chip authentication",
            };
        }
        if matches!(chip.pace_cam, Some(Ok(_))) && card_security_valid {
            return ChipGenuine::Proven {
                by: "PACE chip authentication mapping",
            };
        }
        if matches!(chip.active_authentication, Some(Ok(_))) && report.dg_verified(15) {
            return ChipGenuine::Proven {
                by: "active authentication",
            };
        }
        let card_security_why = match &self.card_security_pa {
            None => "EF.CardSecurity was not read".to_owned(),
            Some(r) => format!("EF.CardSecurity's signature is {:?}", r.verdict()),
        };
        let mut why = Vec::new();
        match &chip.chip_authentication {
            Some(Ok(_)) if ca_key_from_card_security => why.push(format!(
                "chip authentication passed with EF.CardSecurity's key but {card_security_why}"
            )),
            Some(Ok(_)) => {
                why.push("chip authentication passed but DG14 is not verified".to_owned())
            }
            Some(Err(e)) => why.push(format!("chip authentication failed: {e}")),
            None => why.push("no chip authentication (no DG14)".to_owned()),
        }
        match &chip.pace_cam {
            Some(Ok(_)) => why.push(format!("PACE-CAM passed but {card_security_why}")),
            Some(Err(e)) => why.push(format!("PACE-CAM failed: {e}")),
            None => {}
        }
        match &chip.active_authentication {
            Some(Ok(_)) => {
                why.push("active authentication passed but DG15 is not verified".to_owned())
            }
            Some(Err(e)) => why.push(format!("active authentication failed: {e}")),
            None => why.push("no active authentication (no DG15)".to_owned()),
        }
        ChipGenuine::NotProven(why.join("; "))
    }

    fn verification(&self, file: FileId) -> Verification {
        let (Some(report), Some(dg)) = (&self.pa, file.dg_number()) else {
            return Verification::NotChecked;
        };
        if report.dg_verified(dg) {
            Verification::Verified
        } else if report.verdict() == pa::Verdict::Invalid
            || report.outcome(pa::CheckKind::DataGroupHash, Some(dg)) == Some(pa::Outcome::Fail)
        {
            Verification::Failed
        } else {
            Verification::NotChecked
        }
    }

    /// The first face image, if DG2 was read and parsed.
    pub fn face(&self) -> Option<&FaceImage> {
        self.dg2.as_ref().and_then(|d| d.faces.first())
    }

    /// The fields a person reads, each with its source.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        if let Some(m) = &self.mrz {
            let f = |v: &str| Some(sourced(text(v), FileId::Dg1, 0x5F1F));
            s.document_code = f(m.document_code());
            s.issuing_state = f(m.issuing_state());
            s.document_number = f(m.document_number());
            s.surname = f(m.primary_identifier());
            s.given_names = f(m.secondary_identifier());
            s.nationality = f(m.nationality());
            s.date_of_birth = f(m.date_of_birth().as_str());
            s.sex = f(match m.sex() {
                Sex::Male => "M",
                Sex::Female => "F",
                _ => "X",
            });
            s.date_of_expiry = f(m.date_of_expiry().as_str());
        }
        if let Some(d) = &self.dg11 {
            let f = |v: &Option<Zeroizing<String>>, tag| {
                v.as_ref().map(|x| sourced(text(x), FileId::Dg11, tag))
            };
            s.full_name = f(&d.full_name, 0x5F0E);
            s.full_date_of_birth = f(&d.full_date_of_birth, 0x5F2B);
            s.place_of_birth = f(&d.place_of_birth, 0x5F11);
            s.address = f(&d.permanent_address, 0x5F42);
            s.personal_number = f(&d.personal_number, 0x5F10);
        }
        if let Some(d) = &self.dg12 {
            let f = |v: &Option<Zeroizing<String>>, tag| {
                v.as_ref().map(|x| sourced(text(x), FileId::Dg12, tag))
            };
            s.issuing_authority = f(&d.issuing_authority, 0x5F19);
            s.date_of_issue = f(&d.date_of_issue, 0x5F26);
        }
        if let Some(face) = self.face() {
            s.face = Some(sourced(
                FaceSummary {
                    format: face.format,
                    declared: face.declared,
                    header_mismatch: face.header_mismatch,
                    bytes: face.data.len(),
                    width: face.width,
                    height: face.height,
                },
                FileId::Dg2,
                0x5F2E,
            ));
        }
        for f in [
            &mut s.document_code,
            &mut s.issuing_state,
            &mut s.document_number,
            &mut s.surname,
            &mut s.given_names,
            &mut s.nationality,
            &mut s.date_of_birth,
            &mut s.sex,
            &mut s.date_of_expiry,
            &mut s.full_name,
            &mut s.full_date_of_birth,
            &mut s.place_of_birth,
            &mut s.address,
            &mut s.personal_number,
            &mut s.issuing_authority,
            &mut s.date_of_issue,
        ] {
            mark(f, self);
        }
        mark(&mut s.face, self);
        s
    }
}

fn mrz_problem(e: &MrzError) -> String {
    format!("MRZ in DG1: {e}")
}
