//! EF.SOD (ICAO 9303-10 section 4.6.2): the document security object, wrapper only.
//!
//! This module owns checking the `77` wrapper and keeping the CMS bytes. It does not parse the
//! CMS SignedData (that needs a lenient BER reader: some issuers use indefinite lengths inside,
//! which the core TLV reader rejects), and it verifies nothing.

use super::{FileId, LdsError, unwrap_file};

/// EF.SOD with its wrapper checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Sod {
    /// The value of tag 77: a CMS ContentInfo (starts with a SEQUENCE, 0x30).
    pub cms: Vec<u8>,
}

impl core::fmt::Debug for Sod {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Sod {{ cms: {} bytes }}", self.cms.len())
    }
}

impl Sod {
    /// Parses EF.SOD: `77 { ContentInfo }`. Only the outer tag and the first byte of the content
    /// (0x30) are checked.
    pub fn parse(bytes: &[u8]) -> Result<Sod, LdsError> {
        let inner = unwrap_file(FileId::Sod, bytes)?;
        if inner.first() != Some(&0x30) {
            return Err(LdsError::Invalid {
                tag: 0x77,
                problem: "content is not a CMS ContentInfo SEQUENCE",
            });
        }
        Ok(Sod {
            cms: inner.to_vec(),
        })
    }
}
