//! DG1 (ICAO 9303-10 section 4.7.1): the MRZ as stored on the chip.
//!
//! This module owns extracting the MRZ text from DG1 and checking its shape (length of a TD1, TD2
//! or TD3 MRZ, printable ASCII). It does not interpret the MRZ fields or check digits: that is
//! `crate::mrz`'s job.

use super::{FileId, LdsError, unwrap_file};
use crate::tlv::Reader;
use zeroize::Zeroizing;

/// Parsed DG1: the MRZ as one string without line breaks (88, 72 or 90 characters).
pub struct Dg1 {
    /// The MRZ text from 5F1F.
    pub mrz: Zeroizing<String>,
}

impl core::fmt::Debug for Dg1 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Dg1")
            .field("mrz", &super::Redacted(self.mrz.len()))
            .finish()
    }
}

/// MRZ lengths: TD3 (2x44), TD2 / MRV-B... (2x36), TD1 (3x30).
pub const MRZ_LENGTHS: [usize; 3] = [88, 72, 90];

impl Dg1 {
    /// Parses DG1 (`61 { 5F1F mrz }`).
    pub fn parse(bytes: &[u8]) -> Result<Dg1, LdsError> {
        let inner = unwrap_file(FileId::Dg1, bytes)?;
        let t = Reader::new(inner)
            .find(0x5F1F)?
            .ok_or(LdsError::Missing(0x5F1F))?;
        if !MRZ_LENGTHS.contains(&t.value.len()) {
            return Err(LdsError::Invalid {
                tag: 0x5F1F,
                problem: "MRZ length is not 88, 72 or 90",
            });
        }
        if !t.value.iter().all(|b| (0x20..=0x7E).contains(b)) {
            return Err(LdsError::InvalidText(0x5F1F));
        }
        Ok(Dg1 {
            mrz: Zeroizing::new(t.value.iter().map(|&b| char::from(b)).collect()),
        })
    }
}

impl Dg1 {
    /// Parses the MRZ fields and check digits.
    pub fn parse_mrz(&self) -> Result<crate::mrz::Mrz, crate::mrz::MrzError> {
        crate::mrz::Mrz::parse(&self.mrz)
    }
}
