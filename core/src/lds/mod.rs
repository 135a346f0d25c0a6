//! The ICAO 9303-10 Logical Data Structure: file identifiers and parsers for the LDS files.
//!
//! This module owns the mapping between LDS files and their identifiers (FID, short EF identifier,
//! outer tag) and the parsing of file *contents* once they have been read from the chip: EF.COM,
//! DG1, DG2 (the biometric container and the ISO/IEC 19794-5 and 39794-5 face records), DG7,
//! DG11, DG12, DG15, the EF.SOD wrapper and EF.DIR (the application list). It does not read files (that is the reader's job), does
//! not verify hashes or signatures (passive authentication comes later), and does not decode
//! images to pixels (see [`crate::face`]).
//!
//! Every parser is bounded and panic-free: lengths come from [`crate::tlv`], which checks them
//! against the bytes really present, and counts are capped. Errors are [`LdsError`], which names
//! the field (by tag) and never carries file content; [`LdsError::into_chip_error`] turns it into
//! [`ChipError::MalformedFile`] for the reader.
//!
//! Text fields: ICAO 9303-10 allows UTF-8 in DG11/DG12. A field that is not valid UTF-8 is a typed
//! error ([`LdsError::InvalidText`]) rather than a lossy conversion, so a caller never shows a
//! silently altered name. Personal data is held in [`Zeroizing`] buffers and redacted in `Debug`.

pub mod com;
pub mod dg1;
pub mod dg11;
pub mod dg12;
pub mod dg15;
pub mod dg2;
pub mod dg7;
pub mod dir;
pub mod sod;

pub use com::Com;
pub use dg1::Dg1;
pub use dg2::{
    BiometricHeader, BiometricTemplate, Dg2, FaceContainer, FaceImage, ImageFormat, sniff_image,
};
pub use dg7::{Dg7, DisplayedImage};
pub use dg11::Dg11;
pub use dg12::Dg12;
pub use dg15::{Dg15, PublicKeyAlgorithm};
pub use dir::{DirApplication, EfDir};
pub use sod::Sod;

use crate::error::ChipError;
use crate::tlv::{self, TlvError};
use zeroize::Zeroizing;

/// An elementary file of the eMRTD application (or of the master file) that this crate knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileId {
    /// EF.COM: LDS version and list of data groups present (FID 011E, SFI 1E, tag 60).
    Com,
    /// DG1: the MRZ (FID 0101, SFI 01, tag 61).
    Dg1,
    /// DG2: encoded face (FID 0102, SFI 02, tag 75).
    Dg2,
    /// DG3: encoded fingerprints (FID 0103, SFI 03, tag 63).
    Dg3,
    /// DG4: encoded irises (FID 0104, SFI 04, tag 76).
    Dg4,
    /// DG5: displayed portrait (FID 0105, SFI 05, tag 65).
    Dg5,
    /// DG6: reserved (FID 0106, SFI 06, tag 66).
    Dg6,
    /// DG7: displayed signature or usual mark (FID 0107, SFI 07, tag 67).
    Dg7,
    /// DG8: data features (FID 0108, SFI 08, tag 68).
    Dg8,
    /// DG9: structure features (FID 0109, SFI 09, tag 69).
    Dg9,
    /// DG10: substance features (FID 010A, SFI 0A, tag 6A).
    Dg10,
    /// DG11: additional personal details (FID 010B, SFI 0B, tag 6B).
    Dg11,
    /// DG12: additional document details (FID 010C, SFI 0C, tag 6C).
    Dg12,
    /// DG13: optional details (FID 010D, SFI 0D, tag 6D).
    Dg13,
    /// DG14: security options (FID 010E, SFI 0E, tag 6E).
    Dg14,
    /// DG15: Active Authentication public key (FID 010F, SFI 0F, tag 6F).
    Dg15,
    /// DG16: persons to notify (FID 0110, SFI 10, tag 70).
    Dg16,
    /// EF.SOD: document security object (FID 011D, SFI 1D, tag 77).
    Sod,
    /// EF.CardAccess under the MF (FID 011C, SFI 1C; SecurityInfos, no LDS tag).
    CardAccess,
    /// EF.CardSecurity under the MF (FID 011D, SFI 1D, same numbers as EF.SOD but in the MF;
    /// a CMS ContentInfo, no LDS tag).
    CardSecurity,
    /// EF.ATR/INFO under the MF (FID 2F01, SFI 01; no LDS tag).
    AtrInfo,
    /// EF.DIR under the MF (FID 2F00, SFI 1E; application records, no single LDS tag).
    Dir,
}

/// (file, FID, SFI, outer tag, name)
const TABLE: [(FileId, u16, u8, Option<u8>, &str); 22] = [
    (FileId::Com, 0x011E, 0x1E, Some(0x60), "EF.COM"),
    (FileId::Dg1, 0x0101, 0x01, Some(0x61), "DG1"),
    (FileId::Dg2, 0x0102, 0x02, Some(0x75), "DG2"),
    (FileId::Dg3, 0x0103, 0x03, Some(0x63), "DG3"),
    (FileId::Dg4, 0x0104, 0x04, Some(0x76), "DG4"),
    (FileId::Dg5, 0x0105, 0x05, Some(0x65), "DG5"),
    (FileId::Dg6, 0x0106, 0x06, Some(0x66), "DG6"),
    (FileId::Dg7, 0x0107, 0x07, Some(0x67), "DG7"),
    (FileId::Dg8, 0x0108, 0x08, Some(0x68), "DG8"),
    (FileId::Dg9, 0x0109, 0x09, Some(0x69), "DG9"),
    (FileId::Dg10, 0x010A, 0x0A, Some(0x6A), "DG10"),
    (FileId::Dg11, 0x010B, 0x0B, Some(0x6B), "DG11"),
    (FileId::Dg12, 0x010C, 0x0C, Some(0x6C), "DG12"),
    (FileId::Dg13, 0x010D, 0x0D, Some(0x6D), "DG13"),
    (FileId::Dg14, 0x010E, 0x0E, Some(0x6E), "DG14"),
    (FileId::Dg15, 0x010F, 0x0F, Some(0x6F), "DG15"),
    (FileId::Dg16, 0x0110, 0x10, Some(0x70), "DG16"),
    (FileId::Sod, 0x011D, 0x1D, Some(0x77), "EF.SOD"),
    (FileId::CardAccess, 0x011C, 0x1C, None, "EF.CardAccess"),
    (FileId::CardSecurity, 0x011D, 0x1D, None, "EF.CardSecurity"),
    (FileId::AtrInfo, 0x2F01, 0x01, None, "EF.ATR/INFO"),
    (FileId::Dir, 0x2F00, 0x1E, None, "EF.DIR"),
];

impl FileId {
    /// Every known file, in table order (EF.COM, DG1..DG16, EF.SOD, then the MF files).
    pub const ALL: [FileId; 22] = [
        FileId::Com,
        FileId::Dg1,
        FileId::Dg2,
        FileId::Dg3,
        FileId::Dg4,
        FileId::Dg5,
        FileId::Dg6,
        FileId::Dg7,
        FileId::Dg8,
        FileId::Dg9,
        FileId::Dg10,
        FileId::Dg11,
        FileId::Dg12,
        FileId::Dg13,
        FileId::Dg14,
        FileId::Dg15,
        FileId::Dg16,
        FileId::Sod,
        FileId::CardAccess,
        FileId::CardSecurity,
        FileId::AtrInfo,
        FileId::Dir,
    ];

    fn row(self) -> (FileId, u16, u8, Option<u8>, &'static str) {
        // The table lists every variant; the fallback is never taken.
        TABLE
            .iter()
            .copied()
            .find(|r| r.0 == self)
            .unwrap_or((self, 0, 0, None, "?"))
    }

    /// The file identifier for SELECT.
    pub fn fid(self) -> u16 {
        self.row().1
    }

    /// The short EF identifier (for READ BINARY with SFI).
    pub fn sfi(self) -> u8 {
        self.row().2
    }

    /// The outer tag of the file's content, for LDS files that have one.
    pub fn tag(self) -> Option<u8> {
        self.row().3
    }

    /// The file's name, for logs and errors (e.g. "DG1", "EF.COM").
    pub fn name(self) -> &'static str {
        self.row().4
    }

    /// True for the files that live in the master file rather than in the eMRTD application.
    pub fn in_master_file(self) -> bool {
        matches!(
            self,
            FileId::CardAccess | FileId::CardSecurity | FileId::AtrInfo | FileId::Dir
        )
    }

    /// The data group number (1..=16) for DG files.
    pub fn dg_number(self) -> Option<u8> {
        let fid = self.fid();
        if (0x0101..=0x0110).contains(&fid) && !self.in_master_file() {
            u8::try_from(fid - 0x0100).ok()
        } else {
            None
        }
    }

    /// The LDS file whose content starts with `tag` (EF.COM, DG1..DG16, EF.SOD).
    pub fn from_tag(tag: u8) -> Option<FileId> {
        TABLE.iter().find(|r| r.3 == Some(tag)).map(|r| r.0)
    }

    /// The data group with number `n` (1..=16).
    pub fn from_dg_number(n: u8) -> Option<FileId> {
        if (1..=16).contains(&n) {
            TABLE.get(usize::from(n)).map(|r| r.0)
        } else {
            None
        }
    }
}

impl core::fmt::Display for FileId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an LDS file could not be parsed. Never carries file content: tags, lengths and static
/// descriptions only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LdsError {
    /// The TLV structure is broken (truncated, bad length, unexpected tag, trailing data).
    #[error("{0}")]
    Tlv(#[from] TlvError),
    /// A required object is missing.
    #[error("required object {0:#X} missing")]
    Missing(u32),
    /// An object is present but its content is not valid.
    #[error("invalid object {tag:#X}: {problem}")]
    Invalid {
        /// The tag of the object (for biometric records: 0x5F2E or 0x7F2E).
        tag: u32,
        /// What was wrong.
        problem: &'static str,
    },
    /// A text field is not valid UTF-8 (or, for the MRZ, not printable ASCII).
    #[error("object {0:#X} is not valid text")]
    InvalidText(u32),
    /// More repetitions than this parser accepts (templates, faces, names, images).
    #[error("too many entries in object {tag:#X} (cap {cap})")]
    TooMany {
        /// The tag of the repeated object.
        tag: u32,
        /// The cap.
        cap: usize,
    },
}

impl LdsError {
    /// The TLV-level description used by [`ChipError::MalformedFile`].
    pub fn to_tlv_error(self) -> TlvError {
        match self {
            LdsError::Tlv(e) => e,
            LdsError::Missing(t) => TlvError::Missing(t),
            LdsError::Invalid { tag, .. }
            | LdsError::InvalidText(tag)
            | LdsError::TooMany { tag, .. } => TlvError::InvalidContent(tag),
        }
    }

    /// The chip error for a file read from the chip that does not parse.
    pub fn into_chip_error(self, file: FileId) -> ChipError {
        ChipError::MalformedFile {
            file: file.name(),
            source: self.to_tlv_error(),
        }
    }
}

/// Parses the outer tag of an LDS file: exactly one object with the file's tag spanning all of
/// `bytes`. Returns the value.
///
/// Trailing bytes after the object are tolerated only when they are all 0x00 or 0xFF padding
/// (some chips report a file size rounded up); anything else is [`TlvError::TrailingData`].
pub fn unwrap_file(file: FileId, bytes: &[u8]) -> Result<&[u8], LdsError> {
    let tag = file.tag().ok_or(LdsError::Invalid {
        tag: 0,
        problem: "file has no LDS tag",
    })?;
    let mut r = tlv::Reader::new(bytes);
    let outer = r.expect(u32::from(tag))?;
    let rest = r.rest();
    if !(rest.iter().all(|&b| b == 0) || rest.iter().all(|&b| b == 0xFF)) {
        return Err(TlvError::TrailingData.into());
    }
    Ok(outer.value)
}

/// Any parsed LDS file (see [`parse`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum LdsFile {
    /// EF.COM.
    Com(Com),
    /// DG1.
    Dg1(Dg1),
    /// DG2.
    Dg2(Dg2),
    /// DG7.
    Dg7(Dg7),
    /// DG11.
    Dg11(Dg11),
    /// DG12.
    Dg12(Dg12),
    /// DG15.
    Dg15(Dg15),
    /// EF.SOD (wrapper only).
    Sod(Sod),
    /// A file this version does not interpret: its outer tag was checked (when it has one) and
    /// the bytes are kept.
    Raw {
        /// Which file.
        file: FileId,
        /// The whole file.
        bytes: Zeroizing<Vec<u8>>,
    },
}

/// Parses `bytes` as the content of `file`.
pub fn parse(file: FileId, bytes: &[u8]) -> Result<LdsFile, LdsError> {
    Ok(match file {
        FileId::Com => LdsFile::Com(Com::parse(bytes)?),
        FileId::Dg1 => LdsFile::Dg1(Dg1::parse(bytes)?),
        FileId::Dg2 => LdsFile::Dg2(Dg2::parse(bytes)?),
        FileId::Dg7 => LdsFile::Dg7(Dg7::parse(bytes)?),
        FileId::Dg11 => LdsFile::Dg11(Dg11::parse(bytes)?),
        FileId::Dg12 => LdsFile::Dg12(Dg12::parse(bytes)?),
        FileId::Dg15 => LdsFile::Dg15(Dg15::parse(bytes)?),
        FileId::Sod => LdsFile::Sod(Sod::parse(bytes)?),
        other => {
            if other.tag().is_some() {
                unwrap_file(other, bytes)?;
            }
            LdsFile::Raw {
                file: other,
                bytes: Zeroizing::new(bytes.to_vec()),
            }
        }
    })
}

/// Decodes a UTF-8 text field into a zeroized string.
pub(crate) fn text(tag: u32, value: &[u8]) -> Result<Zeroizing<String>, LdsError> {
    match core::str::from_utf8(value) {
        Ok(s) => Ok(Zeroizing::new(s.to_owned())),
        Err(_) => Err(LdsError::InvalidText(tag)),
    }
}

/// Decodes a date field: ASCII digits as they are, or packed BCD (older chips) expanded to
/// digits. `digits` is the expected number of digits (8 for YYYYMMDD, 14 for YYYYMMDDhhmmss).
pub(crate) fn date_text(
    tag: u32,
    value: &[u8],
    digits: usize,
) -> Result<Zeroizing<String>, LdsError> {
    if value.len() * 2 == digits && value.iter().all(|b| b >> 4 <= 9 && b & 0x0F <= 9) {
        let mut s = Zeroizing::new(String::with_capacity(digits));
        for b in value {
            s.push(char::from(b'0' + (b >> 4)));
            s.push(char::from(b'0' + (b & 0x0F)));
        }
        return Ok(s);
    }
    text(tag, value)
}

/// Reads a tag list (5C): one-byte tags of the data groups present.
pub(crate) fn tag_list(value: &[u8]) -> (Vec<FileId>, Vec<u8>) {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for &t in value {
        match FileId::from_tag(t) {
            Some(f) if f.dg_number().is_some() => {
                if !known.contains(&f) {
                    known.push(f);
                }
            }
            _ => unknown.push(t),
        }
    }
    (known, unknown)
}

/// Writes `<redacted, N bytes>` style Debug output.
pub(crate) struct Redacted(pub usize);

impl core::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "<redacted, {} bytes>", self.0)
    }
}

/// Debug helper for optional personal strings.
pub(crate) fn redact_opt(s: &Option<Zeroizing<String>>) -> Option<Redacted> {
    s.as_ref().map(|s| Redacted(s.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_table_is_consistent() {
        for (i, f) in FileId::ALL.iter().enumerate() {
            assert_eq!(TABLE[i].0, *f);
            if let Some(t) = f.tag() {
                assert_eq!(FileId::from_tag(t), Some(*f));
            }
        }
        for n in 1..=16u8 {
            let f = FileId::from_dg_number(n).unwrap();
            assert_eq!(f.dg_number(), Some(n));
            assert_eq!(f.fid(), 0x0100 + u16::from(n));
            assert_eq!(f.sfi(), n);
            assert_eq!(f.name(), format!("DG{n}"));
        }
        assert_eq!(FileId::from_dg_number(0), None);
        assert_eq!(FileId::from_dg_number(17), None);
        assert_eq!(FileId::Com.fid(), 0x011E);
        assert_eq!(FileId::Com.sfi(), 0x1E);
        assert_eq!(FileId::Com.tag(), Some(0x60));
        assert_eq!(FileId::Sod.fid(), 0x011D);
        assert_eq!(FileId::Sod.tag(), Some(0x77));
        assert_eq!(FileId::CardSecurity.fid(), 0x011D);
        assert!(FileId::CardSecurity.in_master_file());
        assert_eq!(FileId::CardSecurity.dg_number(), None);
        assert_eq!(FileId::CardAccess.fid(), 0x011C);
        assert_eq!(FileId::AtrInfo.fid(), 0x2F01);
        assert_eq!(FileId::AtrInfo.sfi(), 0x01);
        assert_eq!(FileId::Dir.fid(), 0x2F00);
        assert_eq!(FileId::Dir.sfi(), 0x1E);
        assert_eq!(FileId::from_tag(0x75), Some(FileId::Dg2));
        assert_eq!(FileId::from_tag(0x76), Some(FileId::Dg4));
        assert_eq!(FileId::from_tag(0x62), None);
        assert_eq!(FileId::Dg2.to_string(), "DG2");
    }

    #[test]
    fn errors_map_to_chip_errors() {
        let e = LdsError::InvalidText(0x5F0E).into_chip_error(FileId::Dg11);
        assert_eq!(
            e,
            ChipError::MalformedFile {
                file: "DG11",
                source: TlvError::InvalidContent(0x5F0E)
            }
        );
    }

    #[test]
    fn dates_accept_ascii_and_bcd() {
        assert_eq!(&*date_text(0x5F2B, b"19690806", 8).unwrap(), "19690806");
        assert_eq!(
            &*date_text(0x5F2B, &[0x19, 0x69, 0x08, 0x06], 8).unwrap(),
            "19690806"
        );
        assert!(date_text(0x5F2B, &[0xFF, 0xFE], 8).is_err());
    }
}
