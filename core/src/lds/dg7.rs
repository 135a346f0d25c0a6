//! DG7 (ICAO 9303-10 section 4.7.7): displayed signature or usual mark.
//!
//! This module owns parsing DG7 (`67 { 02 count, 5F43 image × count }`) into image bytes with
//! their sniffed format. It does not decode the images.

use super::dg2::{ImageFormat, sniff_image};
use super::{FileId, LdsError, Redacted, unwrap_file};
use crate::tlv::Reader;
use zeroize::Zeroizing;

/// Cap on displayed images in DG7.
pub const MAX_IMAGES: usize = 16;

/// One displayed image (signature or usual mark).
pub struct DisplayedImage {
    /// Format from the magic bytes (JPEG, JPEG 2000, or unknown e.g. WSQ).
    pub format: ImageFormat,
    /// The image bytes, zeroized on drop.
    pub data: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for DisplayedImage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DisplayedImage")
            .field("format", &self.format)
            .field("data", &Redacted(self.data.len()))
            .finish()
    }
}

/// Parsed DG7.
#[derive(Debug)]
pub struct Dg7 {
    /// The images, in file order.
    pub images: Vec<DisplayedImage>,
}

impl Dg7 {
    /// Parses DG7. The count (02) must match the number of 5F43 objects.
    pub fn parse(bytes: &[u8]) -> Result<Dg7, LdsError> {
        let inner = unwrap_file(FileId::Dg7, bytes)?;
        let mut r = Reader::new(inner);
        let count = match r.expect(0x02)?.value {
            [n] => usize::from(*n),
            _ => {
                return Err(LdsError::Invalid {
                    tag: 0x02,
                    problem: "image count is not one byte",
                });
            }
        };
        let mut images = Vec::new();
        while !r.is_empty() {
            let t = r.read()?;
            if t.tag != 0x5F43 {
                continue;
            }
            if images.len() >= MAX_IMAGES {
                return Err(LdsError::TooMany {
                    tag: 0x5F43,
                    cap: MAX_IMAGES,
                });
            }
            images.push(DisplayedImage {
                format: sniff_image(t.value),
                data: Zeroizing::new(t.value.to_vec()),
            });
        }
        if images.len() != count {
            return Err(LdsError::Invalid {
                tag: 0x02,
                problem: "image count does not match the images present",
            });
        }
        Ok(Dg7 { images })
    }
}
