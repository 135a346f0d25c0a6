//! DG12 (ICAO 9303-10 section 4.7.12): additional document details.
//!
//! This module owns parsing DG12 into zeroized, Debug-redacted fields. Values are kept as
//! written.

use super::dg11::{field_tags, names};
use super::{FileId, LdsError, Redacted, date_text, redact_opt, text, unwrap_file};
use crate::tlv::Reader;
use zeroize::Zeroizing;

/// Cap on other persons.
pub const MAX_OTHER_PERSONS: usize = 32;

/// Parsed DG12. Every field is optional.
#[derive(Default)]
pub struct Dg12 {
    /// 5F19: issuing authority.
    pub issuing_authority: Option<Zeroizing<String>>,
    /// 5F26: date of issue, YYYYMMDD (BCD-encoded values are expanded to digits).
    pub date_of_issue: Option<Zeroizing<String>>,
    /// 5F1A (bare or inside A0 { 02 count, 5F1A... }): names of other persons.
    pub other_persons: Vec<Zeroizing<String>>,
    /// 5F1B: endorsements and observations.
    pub endorsements: Option<Zeroizing<String>>,
    /// 5F1C: tax or exit requirements.
    pub tax_exit_requirements: Option<Zeroizing<String>>,
    /// 5F1D: image of the front of the document, zeroized on drop.
    pub front_image: Option<Zeroizing<Vec<u8>>>,
    /// 5F1E: image of the rear of the document, zeroized on drop.
    pub rear_image: Option<Zeroizing<Vec<u8>>>,
    /// 5F55: date and time of personalization, YYYYMMDDhhmmss (BCD expanded).
    pub personalization_time: Option<Zeroizing<String>>,
    /// 5F56: serial number of the personalization system.
    pub personalization_serial: Option<Zeroizing<String>>,
    /// Tags listed in 5C.
    pub tag_list: Vec<u32>,
}

impl core::fmt::Debug for Dg12 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let img = |v: &Option<Zeroizing<Vec<u8>>>| v.as_ref().map(|v| Redacted(v.len()));
        f.debug_struct("Dg12")
            .field("issuing_authority", &redact_opt(&self.issuing_authority))
            .field("date_of_issue", &redact_opt(&self.date_of_issue))
            .field("other_persons", &self.other_persons.len())
            .field("endorsements", &redact_opt(&self.endorsements))
            .field(
                "tax_exit_requirements",
                &redact_opt(&self.tax_exit_requirements),
            )
            .field("front_image", &img(&self.front_image))
            .field("rear_image", &img(&self.rear_image))
            .field(
                "personalization_time",
                &redact_opt(&self.personalization_time),
            )
            .field(
                "personalization_serial",
                &redact_opt(&self.personalization_serial),
            )
            .field("tag_list", &self.tag_list)
            .finish()
    }
}

impl Dg12 {
    /// Parses DG12 (`6C { 5C tag list, fields... }`). Unknown fields are skipped.
    pub fn parse(bytes: &[u8]) -> Result<Dg12, LdsError> {
        let inner = unwrap_file(FileId::Dg12, bytes)?;
        let mut d = Dg12::default();
        let mut r = Reader::new(inner);
        while !r.is_empty() {
            let t = r.read()?;
            match t.tag {
                0x5C => d.tag_list = field_tags(t.value)?,
                0x5F19 => d.issuing_authority = Some(text(t.tag, t.value)?),
                0x5F26 => d.date_of_issue = Some(date_text(t.tag, t.value, 8)?),
                0xA0 | 0x5F1A => names(&mut d.other_persons, &t, &[0x5F1A], MAX_OTHER_PERSONS)?,
                0x5F1B => d.endorsements = Some(text(t.tag, t.value)?),
                0x5F1C => d.tax_exit_requirements = Some(text(t.tag, t.value)?),
                0x5F1D => d.front_image = Some(Zeroizing::new(t.value.to_vec())),
                0x5F1E => d.rear_image = Some(Zeroizing::new(t.value.to_vec())),
                0x5F55 => d.personalization_time = Some(date_text(t.tag, t.value, 14)?),
                0x5F56 => d.personalization_serial = Some(text(t.tag, t.value)?),
                _ => {}
            }
        }
        Ok(d)
    }
}
