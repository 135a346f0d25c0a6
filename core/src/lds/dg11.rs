//! DG11 (ICAO 9303-10 section 4.7.11): additional personal details.
//!
//! This module owns parsing DG11 into zeroized, Debug-redacted text fields. Values are kept as
//! written (ICAO uses `<` as a separator inside names and addresses); interpreting them is the
//! caller's business.

use super::{FileId, LdsError, Redacted, date_text, redact_opt, text, unwrap_file};
use crate::tlv::{Reader, Tlv};
use zeroize::Zeroizing;

/// Cap on other names.
pub const MAX_OTHER_NAMES: usize = 32;

/// Parsed DG11. Every field is optional.
#[derive(Default)]
pub struct Dg11 {
    /// 5F0E: full name of the holder (primary and secondary identifiers, `<<`-separated).
    pub full_name: Option<Zeroizing<String>>,
    /// A0 { 02 count, 5F0F name... }: other names.
    pub other_names: Vec<Zeroizing<String>>,
    /// 5F10: personal number.
    pub personal_number: Option<Zeroizing<String>>,
    /// 5F2B: full date of birth, YYYYMMDD (BCD-encoded values are expanded to digits).
    pub full_date_of_birth: Option<Zeroizing<String>>,
    /// 5F11: place of birth.
    pub place_of_birth: Option<Zeroizing<String>>,
    /// 5F42: permanent address.
    pub permanent_address: Option<Zeroizing<String>>,
    /// 5F12: telephone.
    pub telephone: Option<Zeroizing<String>>,
    /// 5F13: profession.
    pub profession: Option<Zeroizing<String>>,
    /// 5F14: title.
    pub title: Option<Zeroizing<String>>,
    /// 5F15: personal summary.
    pub personal_summary: Option<Zeroizing<String>>,
    /// 5F16: proof of citizenship (an image), zeroized on drop.
    pub proof_of_citizenship: Option<Zeroizing<Vec<u8>>>,
    /// 5F17: other valid TD numbers.
    pub other_td_numbers: Option<Zeroizing<String>>,
    /// 5F18: custody information.
    pub custody_information: Option<Zeroizing<String>>,
    /// Tags listed in 5C (the fields the issuer says are present).
    pub tag_list: Vec<u32>,
}

impl core::fmt::Debug for Dg11 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Dg11")
            .field("full_name", &redact_opt(&self.full_name))
            .field("other_names", &self.other_names.len())
            .field("personal_number", &redact_opt(&self.personal_number))
            .field("full_date_of_birth", &redact_opt(&self.full_date_of_birth))
            .field("place_of_birth", &redact_opt(&self.place_of_birth))
            .field("permanent_address", &redact_opt(&self.permanent_address))
            .field("telephone", &redact_opt(&self.telephone))
            .field("profession", &redact_opt(&self.profession))
            .field("title", &redact_opt(&self.title))
            .field("personal_summary", &redact_opt(&self.personal_summary))
            .field(
                "proof_of_citizenship",
                &self
                    .proof_of_citizenship
                    .as_ref()
                    .map(|v| Redacted(v.len())),
            )
            .field("other_td_numbers", &redact_opt(&self.other_td_numbers))
            .field(
                "custody_information",
                &redact_opt(&self.custody_information),
            )
            .field("tag_list", &self.tag_list)
            .finish()
    }
}

/// Reads a 5C list of two-byte (or one-byte) tags, as used by DG11 and DG12.
pub(crate) fn field_tags(value: &[u8]) -> Result<Vec<u32>, LdsError> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(&first) = rest.first() {
        let n = if first & 0x1F == 0x1F { 2 } else { 1 };
        let (t, tail) = rest.split_at_checked(n).ok_or(LdsError::Invalid {
            tag: 0x5C,
            problem: "truncated tag list",
        })?;
        out.push(t.iter().fold(0u32, |a, &b| (a << 8) | u32::from(b)));
        rest = tail;
    }
    Ok(out)
}

fn set(slot: &mut Option<Zeroizing<String>>, t: &Tlv<'_>) -> Result<(), LdsError> {
    *slot = Some(text(t.tag, t.value)?);
    Ok(())
}

/// Reads `A0 { 02 count, <name_tag> ... }` or a bare `<name_tag>` into `out`.
pub(crate) fn names(
    out: &mut Vec<Zeroizing<String>>,
    t: &Tlv<'_>,
    name_tags: &[u32],
    cap: usize,
) -> Result<(), LdsError> {
    let mut push = |tag: u32, value: &[u8]| -> Result<(), LdsError> {
        if out.len() >= cap {
            return Err(LdsError::TooMany { tag, cap });
        }
        out.push(text(tag, value)?);
        Ok(())
    };
    if t.tag == 0xA0 {
        let mut r = t.children();
        while !r.is_empty() {
            let c = r.read()?;
            if name_tags.contains(&c.tag) {
                push(c.tag, c.value)?;
            }
        }
        Ok(())
    } else {
        push(t.tag, t.value)
    }
}

impl Dg11 {
    /// Parses DG11 (`6B { 5C tag list, fields... }`). Unknown fields are skipped.
    pub fn parse(bytes: &[u8]) -> Result<Dg11, LdsError> {
        let inner = unwrap_file(FileId::Dg11, bytes)?;
        let mut d = Dg11::default();
        let mut r = Reader::new(inner);
        while !r.is_empty() {
            let t = r.read()?;
            match t.tag {
                0x5C => d.tag_list = field_tags(t.value)?,
                0x5F0E => set(&mut d.full_name, &t)?,
                0xA0 | 0x5F0F => names(&mut d.other_names, &t, &[0x5F0F, 0x0F], MAX_OTHER_NAMES)?,
                0x5F10 => set(&mut d.personal_number, &t)?,
                0x5F2B => d.full_date_of_birth = Some(date_text(t.tag, t.value, 8)?),
                0x5F11 => set(&mut d.place_of_birth, &t)?,
                0x5F42 => set(&mut d.permanent_address, &t)?,
                0x5F12 => set(&mut d.telephone, &t)?,
                0x5F13 => set(&mut d.profession, &t)?,
                0x5F14 => set(&mut d.title, &t)?,
                0x5F15 => set(&mut d.personal_summary, &t)?,
                0x5F16 => d.proof_of_citizenship = Some(Zeroizing::new(t.value.to_vec())),
                0x5F17 => set(&mut d.other_td_numbers, &t)?,
                0x5F18 => set(&mut d.custody_information, &t)?,
                _ => {}
            }
        }
        Ok(d)
    }
}
