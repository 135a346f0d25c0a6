//! EF.COM (ICAO 9303-10 section 4.6.1): LDS version, Unicode version and the list of data groups.
//!
//! This module owns the parsing of EF.COM only. EF.COM is not signed (it is not covered by the
//! SOD), so callers must treat its tag list as a hint, never as proof of what the chip holds.

use super::{FileId, LdsError, tag_list, unwrap_file};
use crate::tlv::Reader;

/// Parsed EF.COM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Com {
    /// LDS version from 5F01, as written (four digits "aabb", e.g. "0107" for LDS 1.7).
    pub lds_version: String,
    /// Unicode version from 5F36, as written (six digits "aabbcc", e.g. "040000").
    pub unicode_version: String,
    /// The data groups listed in 5C, in file order, without duplicates.
    pub data_groups: Vec<FileId>,
    /// Tags in 5C that name no data group (reported, not fatal).
    pub unknown_tags: Vec<u8>,
    /// True when the objects inside 60 did not parse to the end, after 5F01 and 5C had been
    /// read. The vicc ePass emulator writes such a file (its 5C claims 2 bytes but is followed by
    /// 4: the ASCII text "6175"); since EF.COM is only a hint, what was read is kept.
    pub malformed_tail: bool,
}

impl Com {
    /// Parses EF.COM (`60 { 5F01, 5F36, 5C }`). 5F01 and 5C are required; 5F36 may be absent
    /// (empty string). Unknown objects inside 60 are skipped. The outer 60 object must be intact;
    /// a broken object after 5F01 and 5C is tolerated (see [`Com::malformed_tail`]).
    pub fn parse(bytes: &[u8]) -> Result<Com, LdsError> {
        let inner = unwrap_file(FileId::Com, bytes)?;
        let mut lds = None;
        let mut unicode = None;
        let mut list = None;
        let mut malformed_tail = false;
        let mut r = Reader::new(inner);
        while !r.is_empty() {
            let t = match r.read() {
                Ok(t) => t,
                Err(_) if lds.is_some() && list.is_some() => {
                    malformed_tail = true;
                    break;
                }
                Err(e) => return Err(e.into()),
            };
            match t.tag {
                0x5F01 => lds = Some(t.value),
                0x5F36 => unicode = Some(t.value),
                0x5C => list = Some(t.value),
                _ => {}
            }
        }
        let lds = lds.ok_or(LdsError::Missing(0x5F01))?;
        let list = list.ok_or(LdsError::Missing(0x5C))?;
        let lds_version = digits(0x5F01, lds, 4)?;
        let unicode_version = match unicode {
            Some(v) => digits(0x5F36, v, 6)?,
            None => String::new(),
        };
        let (data_groups, unknown_tags) = tag_list(list);
        Ok(Com {
            lds_version,
            unicode_version,
            data_groups,
            unknown_tags,
            malformed_tail,
        })
    }

    /// The LDS version as (major, minor), e.g. (1, 7) for "0107".
    pub fn lds_version_numbers(&self) -> Option<(u8, u8)> {
        let major = self.lds_version.get(0..2)?.parse().ok()?;
        let minor = self.lds_version.get(2..4)?.parse().ok()?;
        Some((major, minor))
    }

    /// True when the tag list names `file`.
    pub fn lists(&self, file: FileId) -> bool {
        self.data_groups.contains(&file)
    }
}

fn digits(tag: u32, value: &[u8], len: usize) -> Result<String, LdsError> {
    if value.len() != len || !value.iter().all(u8::is_ascii_digit) {
        return Err(LdsError::Invalid {
            tag,
            problem: "version is not the expected number of ASCII digits",
        });
    }
    Ok(value.iter().map(|&b| char::from(b)).collect())
}
