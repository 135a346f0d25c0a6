//! DG2 (ICAO 9303-10 section 4.7.2): the encoded face, and the biometric container shared with
//! DG3 and DG4.
//!
//! This module owns three layers: the ISO/IEC 7816-11 biometric information group template
//! (`7F61 { 02 count, 7F60 { A1 header, 5F2E | 7F2E data }... }`), the ISO/IEC 19794-5:2005 face
//! record (`"FAC\0" "010\0"` binary header) and the ISO/IEC 39794-5 face image data block (DER,
//! under `7F2E { A1 { 65 {...} } }`, per the ICAO "ISO/IEC 39794-5 Application Profile for
//! eMRTDs" v1.00, Table 2), down to the image bytes and their declared format and size. It does
//! not decode images (see [`crate::face`]).
//!
//! The image format is taken from the image's magic bytes; a header that declares another format
//! (the vicc emulator writes "JPEG 2000" for a JPEG) is reported through
//! [`FaceImage::header_mismatch`], not treated as an error.

use super::{FileId, LdsError, Redacted, unwrap_file};
use crate::tlv::{Reader, Tlv};
use zeroize::Zeroizing;

/// Cap on biometric information templates per group.
pub const MAX_TEMPLATES: usize = 16;
/// Cap on face images per ISO/IEC 19794-5 record or 39794-5 data block.
pub const MAX_FACES: usize = 16;

/// An image encoding, as recognised from magic bytes or declared by a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// JPEG (ISO/IEC 10918), magic `FF D8 FF`.
    Jpeg,
    /// JPEG 2000, either a raw codestream (magic `FF 4F FF 51`) or a JP2 file (signature box
    /// `00 00 00 0C 6A 50 20 20 0D 0A 87 0A`).
    Jpeg2000,
    /// Anything else (or a header code this version does not know).
    Unknown,
}

const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
const J2C_MAGIC: &[u8] = &[0xFF, 0x4F, 0xFF, 0x51];
const JP2_MAGIC: &[u8] = &[
    0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
];

/// Recognises an image format from its first bytes.
pub fn sniff_image(data: &[u8]) -> ImageFormat {
    if data.starts_with(JPEG_MAGIC) {
        ImageFormat::Jpeg
    } else if data.starts_with(J2C_MAGIC) || data.starts_with(JP2_MAGIC) {
        ImageFormat::Jpeg2000
    } else {
        ImageFormat::Unknown
    }
}

/// Which face record encoding carried the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaceContainer {
    /// ISO/IEC 19794-5:2005 binary record (biometric data block tag 5F2E).
    Iso19794_5,
    /// ISO/IEC 39794-5 DER-encoded face image data block (biometric data block tag 7F2E).
    Iso39794_5,
}

/// One face image found in DG2.
pub struct FaceImage {
    /// The format recognised from the image's magic bytes (authoritative).
    pub format: ImageFormat,
    /// The format the face record header declares, when it declares one
    /// (`Some(ImageFormat::Unknown)` for a code this version does not know).
    pub declared: Option<ImageFormat>,
    /// True when `declared` names a known format that differs from `format`.
    pub header_mismatch: bool,
    /// The image bytes (JPEG / JPEG 2000 file), zeroized on drop.
    pub data: Zeroizing<Vec<u8>>,
    /// Width declared by the face record header (pixels), if any.
    pub width: Option<u16>,
    /// Height declared by the face record header (pixels), if any.
    pub height: Option<u16>,
    /// The record encoding the image came from.
    pub container: FaceContainer,
}

impl core::fmt::Debug for FaceImage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FaceImage")
            .field("format", &self.format)
            .field("declared", &self.declared)
            .field("header_mismatch", &self.header_mismatch)
            .field("data", &Redacted(self.data.len()))
            .field("width", &self.width)
            .field("height", &self.height)
            .field("container", &self.container)
            .finish()
    }
}

impl FaceImage {
    fn new(
        data: &[u8],
        declared: Option<ImageFormat>,
        width: Option<u16>,
        height: Option<u16>,
        container: FaceContainer,
    ) -> FaceImage {
        let format = sniff_image(data);
        let header_mismatch =
            matches!(declared, Some(d) if d != ImageFormat::Unknown && d != format);
        FaceImage {
            format,
            declared,
            header_mismatch,
            data: Zeroizing::new(data.to_vec()),
            width,
            height,
            container,
        }
    }
}

/// The ISO/IEC 7816-11 biometric header template (A1) of one biometric information template.
/// Values are kept raw; only the format owner and type are interpreted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BiometricHeader {
    /// 80: ICAO header version.
    pub header_version: Option<Vec<u8>>,
    /// 81: biometric type.
    pub biometric_type: Option<Vec<u8>>,
    /// 82: biometric subtype.
    pub biometric_subtype: Option<Vec<u8>>,
    /// 87: format owner (0x0101 = ISO/IEC JTC 1/SC 37), when two bytes.
    pub format_owner: Option<u16>,
    /// 88: format type (0x0008 = 19794-5 face, 0x002A = 39794-5 face), when two bytes.
    pub format_type: Option<u16>,
}

/// One biometric information template (7F60): its header and its data block.
pub struct BiometricTemplate {
    /// The biometric header template.
    pub header: BiometricHeader,
    /// The data block's tag: 0x5F2E (primitive) or 0x7F2E (constructed).
    pub data_tag: u32,
    /// The data block's value, zeroized on drop.
    pub data: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for BiometricTemplate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BiometricTemplate")
            .field("header", &self.header)
            .field("data_tag", &format_args!("{:#X}", self.data_tag))
            .field("data", &Redacted(self.data.len()))
            .finish()
    }
}

fn u16_field(t: &Tlv<'_>) -> Option<u16> {
    <[u8; 2]>::try_from(t.value).ok().map(u16::from_be_bytes)
}

fn parse_header(value: &[u8]) -> Result<BiometricHeader, LdsError> {
    let mut h = BiometricHeader::default();
    let mut r = Reader::new(value);
    while !r.is_empty() {
        let t = r.read()?;
        match t.tag {
            0x80 => h.header_version = Some(t.value.to_vec()),
            0x81 => h.biometric_type = Some(t.value.to_vec()),
            0x82 => h.biometric_subtype = Some(t.value.to_vec()),
            0x87 => h.format_owner = u16_field(&t),
            0x88 => h.format_type = u16_field(&t),
            _ => {}
        }
    }
    Ok(h)
}

/// Parses the biometric information group template of DG2, DG3 or DG4:
/// `outer { 7F61 { 02 count, 7F60 {...} × count } }`. The count must match the number of
/// templates (at most [`MAX_TEMPLATES`]).
///
/// A file that starts with 7F61 itself, without the data group's tag (the vicc emulator writes
/// DG2 so), is accepted; [`group_wrapper_missing`] tells the caller.
pub fn parse_biometric_group(
    file: FileId,
    bytes: &[u8],
) -> Result<Vec<BiometricTemplate>, LdsError> {
    let group = if group_wrapper_missing(bytes) {
        crate::tlv::parse_single(bytes, 0x7F61)?
    } else {
        let inner = unwrap_file(file, bytes)?;
        Reader::new(inner)
            .find(0x7F61)?
            .ok_or(LdsError::Missing(0x7F61))?
    };
    let mut r = group.children();
    let count = r.expect(0x02)?;
    let count = match count.value {
        [n] => usize::from(*n),
        _ => {
            return Err(LdsError::Invalid {
                tag: 0x02,
                problem: "template count is not one byte",
            });
        }
    };
    let mut out = Vec::new();
    while !r.is_empty() {
        let t = r.read()?;
        if t.tag != 0x7F60 {
            continue;
        }
        if out.len() >= MAX_TEMPLATES {
            return Err(LdsError::TooMany {
                tag: 0x7F60,
                cap: MAX_TEMPLATES,
            });
        }
        out.push(parse_template(t.value)?);
    }
    if out.len() != count || count == 0 {
        return Err(LdsError::Invalid {
            tag: 0x02,
            problem: "template count does not match the templates present",
        });
    }
    Ok(out)
}

fn parse_template(value: &[u8]) -> Result<BiometricTemplate, LdsError> {
    let mut header = None;
    let mut data = None;
    let mut r = Reader::new(value);
    while !r.is_empty() {
        let t = r.read()?;
        match t.tag {
            0xA1 if header.is_none() => header = Some(parse_header(t.value)?),
            0x5F2E | 0x7F2E if data.is_none() => data = Some((t.tag, t.value)),
            _ => {}
        }
    }
    let header = header.ok_or(LdsError::Missing(0xA1))?;
    let (data_tag, data) = data.ok_or(LdsError::Missing(0x5F2E))?;
    Ok(BiometricTemplate {
        header,
        data_tag,
        data: Zeroizing::new(data.to_vec()),
    })
}

/// True when a DG2/DG3/DG4 file starts directly with the biometric information group template
/// (7F61) instead of the data group's own tag.
pub fn group_wrapper_missing(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x7F, 0x61])
}

/// Parsed DG2: every face image, in file order.
#[derive(Debug)]
pub struct Dg2 {
    /// The face images (at least one).
    pub faces: Vec<FaceImage>,
    /// True when the file lacked the outer tag 75 and started with 7F61 (vicc quirk).
    pub wrapper_missing: bool,
}

impl Dg2 {
    /// Parses DG2. Each template's data block is read as ISO/IEC 19794-5 when tagged 5F2E and as
    /// ISO/IEC 39794-5 when tagged 7F2E.
    pub fn parse(bytes: &[u8]) -> Result<Dg2, LdsError> {
        let templates = parse_biometric_group(FileId::Dg2, bytes)?;
        let mut faces = Vec::new();
        for t in &templates {
            let found = if t.data_tag == 0x7F2E {
                parse_iso39794_5(&t.data)?
            } else {
                parse_iso19794_5(&t.data)?
            };
            if faces.len() + found.len() > MAX_FACES {
                return Err(LdsError::TooMany {
                    tag: 0x7F60,
                    cap: MAX_FACES,
                });
            }
            faces.extend(found);
        }
        Ok(Dg2 {
            faces,
            wrapper_missing: group_wrapper_missing(bytes),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// ISO/IEC 19794-5:2005
// ---------------------------------------------------------------------------------------------

const BDB: u32 = 0x5F2E;

fn bad19794(problem: &'static str) -> LdsError {
    LdsError::Invalid { tag: BDB, problem }
}

/// A bounds-checked big-endian cursor.
struct Cursor<'a> {
    data: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], LdsError> {
        let (head, tail) = self
            .data
            .split_at_checked(n)
            .ok_or(bad19794("record truncated"))?;
        self.data = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, LdsError> {
        self.take(1)?
            .first()
            .copied()
            .ok_or(bad19794("record truncated"))
    }
    fn u16(&mut self) -> Result<u16, LdsError> {
        let b: [u8; 2] = self
            .take(2)?
            .try_into()
            .map_err(|_| bad19794("record truncated"))?;
        Ok(u16::from_be_bytes(b))
    }
    fn u32(&mut self) -> Result<u32, LdsError> {
        let b: [u8; 4] = self
            .take(4)?
            .try_into()
            .map_err(|_| bad19794("record truncated"))?;
        Ok(u32::from_be_bytes(b))
    }
}

/// Length of the facial information block, of one feature point and of the image information.
const FACIAL_INFO_LEN: usize = 20;
const FEATURE_POINT_LEN: usize = 8;
const IMAGE_INFO_LEN: usize = 12;

/// Parses an ISO/IEC 19794-5:2005 face record (`"FAC\0" "010\0" length(4) count(2)`, then per
/// face: facial information (20 bytes), feature points (8 bytes each), image information
/// (12 bytes: face image type, image data type 0 = JPEG / 1 = JPEG 2000, width, height, colour
/// space, source type, device type, quality) and the image data).
///
/// The record length must not exceed the bytes present (some issuers write a value 8 bytes
/// short, so a smaller value is tolerated); every facial block length is checked against what is
/// really there.
pub fn parse_iso19794_5(data: &[u8]) -> Result<Vec<FaceImage>, LdsError> {
    let mut c = Cursor { data };
    if c.take(4)? != b"FAC\0" {
        return Err(bad19794(
            "not an ISO/IEC 19794-5 record (format identifier)",
        ));
    }
    if c.take(4)? != b"010\0" {
        return Err(bad19794("unsupported ISO/IEC 19794-5 version"));
    }
    let record_len = usize::try_from(c.u32()?).map_err(|_| bad19794("record length"))?;
    if record_len > data.len() || record_len < 14 {
        return Err(bad19794("record length does not match the data"));
    }
    let count = usize::from(c.u16()?);
    if count == 0 {
        return Err(bad19794("record holds no face"));
    }
    if count > MAX_FACES {
        return Err(LdsError::TooMany {
            tag: BDB,
            cap: MAX_FACES,
        });
    }
    let mut faces = Vec::with_capacity(count);
    for _ in 0..count {
        let block_len = usize::try_from(c.u32()?).map_err(|_| bad19794("block length"))?;
        // The block length includes the 4 bytes just read.
        let body_len = block_len
            .checked_sub(4)
            .ok_or(bad19794("facial block length too small"))?;
        let mut b = Cursor {
            data: c.take(body_len)?,
        };
        let points = usize::from(b.u16()?);
        b.take(FACIAL_INFO_LEN - 6)?; // gender .. pose angle uncertainty
        b.take(
            points
                .checked_mul(FEATURE_POINT_LEN)
                .ok_or(bad19794("feature points"))?,
        )?;
        let _face_image_type = b.u8()?;
        let data_type = b.u8()?;
        let width = b.u16()?;
        let height = b.u16()?;
        b.take(IMAGE_INFO_LEN - 6)?; // colour space, source type, device type, quality
        let image = b.data;
        if image.is_empty() {
            return Err(bad19794("facial block holds no image data"));
        }
        let declared = match data_type {
            0 => ImageFormat::Jpeg,
            1 => ImageFormat::Jpeg2000,
            _ => ImageFormat::Unknown,
        };
        faces.push(FaceImage::new(
            image,
            Some(declared),
            Some(width),
            Some(height),
            FaceContainer::Iso19794_5,
        ));
    }
    Ok(faces)
}

// ---------------------------------------------------------------------------------------------
// ISO/IEC 39794-5 (ICAO application profile)
// ---------------------------------------------------------------------------------------------

const BDB_C: u32 = 0x7F2E;

fn bad39794(problem: &'static str) -> LdsError {
    LdsError::Invalid {
        tag: BDB_C,
        problem,
    }
}

/// Finds the first child with `tag` among the children of a constructed value.
fn child<'a>(value: &'a [u8], tag: u32) -> Result<Option<Tlv<'a>>, LdsError> {
    Ok(Reader::new(value).find(tag)?)
}

/// A DER INTEGER / ENUMERATED value (non-negative, at most 4 significant bytes).
fn der_uint(value: &[u8]) -> Option<u32> {
    if value.is_empty() || value.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let start = value.iter().position(|&b| b != 0).unwrap_or(value.len());
    let sig = value.get(start..)?;
    if sig.len() > 4 {
        return None;
    }
    Some(sig.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// Parses the value of a 7F2E biometric data block holding an ISO/IEC 39794-5 face image data
/// block, following ISO/IEC 39794-5:2019 (module `ID-ICAO-ISO-IEC-39794-5-ed-1-v1`, IMPLICIT TAGS)
/// and the ICAO application profile's `7F2E { A1 { 65 ... } }` layout:
///
/// ```text
/// A1 {                                   -- profile wrapper (a bare 65 is tolerated)
///   65 {                                 -- FaceImageDataBlock [APPLICATION 5]
///     A0 { 80 generation, 81 year }      -- versionBlock
///     A1 {                               -- representationBlocks
///       30 {                             -- RepresentationBlock
///         80 representationId
///         A1 {                           -- imageRepresentation (CHOICE, explicit)
///           A0 {                         -- base (CHOICE, explicit)
///             A0 {                       -- imageRepresentation2DBlock
///               80 image bytes           -- representationData2D
///               A1 {                     -- imageInformation2DBlock
///                 A0 { 80 code }         -- imageDataFormat: 2 JPEG, 3/4 JPEG 2000
///                 A7 { 80 w, 81 h }      -- imageSizeBlock (optional)
/// ```
///
/// Representations that are not 2D images (extension blocks) are skipped; at least one 2D image
/// is required.
pub fn parse_iso39794_5(data: &[u8]) -> Result<Vec<FaceImage>, LdsError> {
    let mut r = Reader::new(data);
    let first = r.read()?;
    let fidb = match first.tag {
        0xA1 => first.children().find(0x65)?.ok_or(bad39794(
            "profile wrapper A1 holds no face image data block (65)",
        ))?,
        0x65 => first,
        _ => return Err(bad39794("not an ISO/IEC 39794-5 face image data block")),
    };
    let blocks = child(fidb.value, 0xA1)?.ok_or(bad39794("representation blocks missing"))?;
    let mut faces = Vec::new();
    let mut reps = blocks.children();
    while !reps.is_empty() {
        let rep = reps.read()?;
        if rep.tag != 0x30 {
            continue;
        }
        if faces.len() >= MAX_FACES {
            return Err(LdsError::TooMany {
                tag: BDB_C,
                cap: MAX_FACES,
            });
        }
        let image_rep = child(rep.value, 0xA1)?.ok_or(bad39794("image representation missing"))?;
        // Only the base alternative holds a 2D image; an extension block is skipped.
        let Some(base) = child(image_rep.value, 0xA0)? else {
            continue;
        };
        let Some(two_d) = child(base.value, 0xA0)? else {
            continue;
        };
        let image = child(two_d.value, 0x80)?.ok_or(bad39794("representation data missing"))?;
        if image.value.is_empty() {
            return Err(bad39794("representation data is empty"));
        }
        let info = child(two_d.value, 0xA1)?.ok_or(bad39794("image information missing"))?;
        let declared = match child(info.value, 0xA0)? {
            Some(fmt) => match child(fmt.value, 0x80)?.and_then(|c| der_uint(c.value)) {
                Some(2) => Some(ImageFormat::Jpeg),
                Some(3 | 4) => Some(ImageFormat::Jpeg2000),
                _ => Some(ImageFormat::Unknown),
            },
            None => return Err(bad39794("image data format missing")),
        };
        let (mut width, mut height) = (None, None);
        if let Some(size) = child(info.value, 0xA7)? {
            width = child(size.value, 0x80)?
                .and_then(|t| der_uint(t.value))
                .and_then(|v| u16::try_from(v).ok());
            height = child(size.value, 0x81)?
                .and_then(|t| der_uint(t.value))
                .and_then(|v| u16::try_from(v).ok());
        }
        faces.push(FaceImage::new(
            image.value,
            declared,
            width,
            height,
            FaceContainer::Iso39794_5,
        ));
    }
    if faces.is_empty() {
        return Err(bad39794("no 2D face image representation"));
    }
    Ok(faces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic() {
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]), ImageFormat::Jpeg);
        assert_eq!(
            sniff_image(&[0xFF, 0x4F, 0xFF, 0x51, 0]),
            ImageFormat::Jpeg2000
        );
        assert_eq!(sniff_image(JP2_MAGIC), ImageFormat::Jpeg2000);
        assert_eq!(sniff_image(&[0xFF, 0xD8]), ImageFormat::Unknown);
        assert_eq!(sniff_image(&[]), ImageFormat::Unknown);
    }

    #[test]
    fn der_uint_bounds() {
        assert_eq!(der_uint(&[0x00, 0xFF, 0xFF]), Some(0xFFFF));
        assert_eq!(der_uint(&[0x02]), Some(2));
        assert_eq!(der_uint(&[0x80]), None);
        assert_eq!(der_uint(&[]), None);
        assert_eq!(der_uint(&[1, 2, 3, 4, 5]), None);
    }
}
