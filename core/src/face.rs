//! Face image decoding to RGB pixels, in pure Rust.
//!
//! This module owns turning the image bytes of a [`FaceImage`] (JPEG, or JPEG 2000 as a raw
//! codestream or a JP2 file) into 8-bit RGB pixels. Android has no platform JPEG 2000 decoder, so
//! the SDK decodes both formats itself: JPEG with `jpeg-decoder` (no unsafe code with its
//! `platform_independent` feature, no other dependency; face images are a few kilobytes, so
//! `zune-jpeg`'s SIMD speed buys nothing) and JPEG 2000 with `hayro-jpeg2000` (no unsafe code
//! without its `simd` feature). It does not parse DG2 (see [`crate::lds::dg2`]) and does not
//! compare faces.
//!
//! Hostile images: the dimensions are read from the image's own header (JPEG SOF, JPEG 2000 SIZ,
//! which this module parses itself) and checked against [`DecodeLimits`] BEFORE the decoder
//! allocates pixel buffers; JPEG 2000 tile and component counts are capped too. Both decoders
//! return errors on malformed input, but both contain `unwrap`/indexing in their code paths, so
//! as a last resort each decode runs under [`std::panic::catch_unwind`] and a panic becomes
//! [`FaceError::DecoderPanicked`]. (This needs `panic = "unwind"`, the default; with
//! `panic = "abort"` a decoder bug would abort the process.)

use crate::lds::{FaceImage, ImageFormat, sniff_image};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Decoded pixels: 8-bit RGB, row-major, `width * height * 3` bytes; grey images are expanded.
/// Zeroized on drop; `Debug` shows the size only.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Pixels {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// RGB8 samples.
    pub rgb: Vec<u8>,
}

impl core::fmt::Debug for Pixels {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Pixels({}x{}, <redacted>)", self.width, self.height)
    }
}

impl Pixels {
    /// The RGB value at (x, y), if inside the image.
    pub fn get(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (usize::try_from(y).ok()?)
            .checked_mul(usize::try_from(self.width).ok()?)?
            .checked_add(usize::try_from(x).ok()?)?
            .checked_mul(3)?;
        let px = self.rgb.get(i..i.checked_add(3)?)?;
        <[u8; 3]>::try_from(px).ok()
    }
}

/// Limits applied before decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Maximum width in pixels.
    pub max_width: u32,
    /// Maximum height in pixels.
    pub max_height: u32,
    /// Maximum size of the decoded RGB buffer in bytes.
    pub max_rgb_bytes: usize,
    /// Maximum number of JPEG 2000 tiles.
    pub max_tiles: u32,
}

impl Default for DecodeLimits {
    /// 4096 x 4096 pixels, 32 MiB of RGB (about 11 megapixels), 4096 tiles.
    fn default() -> Self {
        DecodeLimits {
            max_width: 4096,
            max_height: 4096,
            max_rgb_bytes: 32 * 1024 * 1024,
            max_tiles: 4096,
        }
    }
}

/// Why an image could not be decoded. Never carries image content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FaceError {
    /// The bytes are neither JPEG nor JPEG 2000 (by magic bytes).
    #[error("unknown image format")]
    UnknownFormat,
    /// The image's header declares dimensions beyond the limits (or zero).
    #[error("image dimensions {width}x{height} outside the limits")]
    TooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// JPEG 2000: more tiles or components than allowed.
    #[error("JPEG 2000 structure outside the limits: {0}")]
    Unsupported(&'static str),
    /// The decoder rejected the image.
    #[error("{format:?} image is malformed")]
    Malformed {
        /// Which decoder.
        format: ImageFormat,
    },
    /// The decoder panicked (caught); the image is hostile or hits a decoder bug.
    #[error("{format:?} decoder failed internally")]
    DecoderPanicked {
        /// Which decoder.
        format: ImageFormat,
    },
}

/// Decodes a face image from DG2 with the default limits. The format is the sniffed one
/// ([`FaceImage::format`]), not the header's.
pub fn decode_face(image: &FaceImage) -> Result<Pixels, FaceError> {
    decode_image(&image.data, &DecodeLimits::default())
}

/// Decodes JPEG or JPEG 2000 bytes (format recognised from the magic bytes) within `limits`.
pub fn decode_image(data: &[u8], limits: &DecodeLimits) -> Result<Pixels, FaceError> {
    match sniff_image(data) {
        ImageFormat::Jpeg => guarded(ImageFormat::Jpeg, || decode_jpeg(data, limits)),
        ImageFormat::Jpeg2000 => guarded(ImageFormat::Jpeg2000, || decode_j2k(data, limits)),
        ImageFormat::Unknown => Err(FaceError::UnknownFormat),
    }
}

fn guarded(
    format: ImageFormat,
    f: impl FnOnce() -> Result<Pixels, FaceError> + std::panic::UnwindSafe,
) -> Result<Pixels, FaceError> {
    std::panic::catch_unwind(f).unwrap_or(Err(FaceError::DecoderPanicked { format }))
}

fn check_dims(
    width: u32,
    height: u32,
    channels: usize,
    limits: &DecodeLimits,
) -> Result<(), FaceError> {
    let too_large = FaceError::TooLarge { width, height };
    if width == 0 || height == 0 || width > limits.max_width || height > limits.max_height {
        return Err(too_large);
    }
    let bytes = u64::from(width) * u64::from(height) * 3;
    let decoder_bytes = u64::from(width) * u64::from(height) * channels.max(3) as u64;
    let cap = u64::try_from(limits.max_rgb_bytes).unwrap_or(u64::MAX);
    if bytes > cap || decoder_bytes > cap.saturating_mul(2) {
        return Err(too_large);
    }
    Ok(())
}

fn pixel_count(width: u32, height: u32) -> Option<usize> {
    usize::try_from(width)
        .ok()?
        .checked_mul(usize::try_from(height).ok()?)
}

/// Converts interleaved samples with `channels` per pixel (`colour` colour channels first, then
/// possibly alpha) into RGB8.
fn to_rgb(
    width: u32,
    height: u32,
    samples: &[u8],
    channels: usize,
    colour: usize,
    format: ImageFormat,
) -> Result<Pixels, FaceError> {
    let malformed = FaceError::Malformed { format };
    let n = pixel_count(width, height).ok_or(malformed)?;
    if channels == 0 || samples.len() != n.checked_mul(channels).ok_or(malformed)? {
        return Err(malformed);
    }
    let mut rgb = Vec::with_capacity(n.checked_mul(3).ok_or(malformed)?);
    for px in samples.chunks_exact(channels) {
        match (colour, px) {
            (1, [g, ..]) => rgb.extend_from_slice(&[*g, *g, *g]),
            (3, [r, g, b, ..]) => rgb.extend_from_slice(&[*r, *g, *b]),
            (4, [c, m, y, k, ..]) => {
                // Naive CMYK (not inverted) to RGB.
                let conv = |v: u8| ((255 - u16::from(v)) * (255 - u16::from(*k)) / 255) as u8;
                rgb.extend_from_slice(&[conv(*c), conv(*m), conv(*y)]);
            }
            _ => return Err(FaceError::Unsupported("colour space")),
        }
    }
    Ok(Pixels { width, height, rgb })
}

fn decode_jpeg(data: &[u8], limits: &DecodeLimits) -> Result<Pixels, FaceError> {
    use jpeg_decoder::{Decoder, PixelFormat};
    let malformed = FaceError::Malformed {
        format: ImageFormat::Jpeg,
    };
    let mut dec = Decoder::new(data);
    dec.read_info().map_err(|_| malformed)?;
    let info = dec.info().ok_or(malformed)?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_dims(w, h, info.pixel_format.pixel_bytes(), limits)?;
    dec.set_max_decoding_buffer_size(limits.max_rgb_bytes.saturating_mul(2));
    let mut samples = dec.decode().map_err(|_| malformed)?;
    let out = match info.pixel_format {
        PixelFormat::L8 => to_rgb(w, h, &samples, 1, 1, ImageFormat::Jpeg),
        PixelFormat::L16 => {
            // Native-endian 16-bit samples: keep the high byte.
            let grey: Vec<u8> = samples
                .chunks_exact(2)
                .map(|c| {
                    (u16::from_ne_bytes([
                        c.first().copied().unwrap_or(0),
                        c.get(1).copied().unwrap_or(0),
                    ]) >> 8) as u8
                })
                .collect();
            to_rgb(w, h, &grey, 1, 1, ImageFormat::Jpeg)
        }
        PixelFormat::RGB24 => to_rgb(w, h, &samples, 3, 3, ImageFormat::Jpeg),
        PixelFormat::CMYK32 => to_rgb(w, h, &samples, 4, 4, ImageFormat::Jpeg),
    };
    samples.zeroize();
    out
}

/// The fields of a JPEG 2000 SIZ marker segment that bound the decoder's allocations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Siz {
    width: u32,
    height: u32,
    tiles: u64,
    components: u16,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(s.try_into().ok()?))
}

/// Finds the codestream: the data itself, or the contents of the JP2 `jp2c` box.
fn codestream(data: &[u8]) -> Option<&[u8]> {
    if data.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return Some(data);
    }
    let mut rest = data;
    for _ in 0..64 {
        let lbox = be32(rest, 0)?;
        let tbox = rest.get(4..8)?;
        let (header, len) = match lbox {
            0 => (8usize, rest.len()),
            1 => {
                let hi = u64::from(be32(rest, 8)?);
                let lo = u64::from(be32(rest, 12)?);
                (16, usize::try_from((hi << 32) | lo).ok()?)
            }
            n => (8, usize::try_from(n).ok()?),
        };
        if len < header {
            return None;
        }
        let body = rest.get(header..len)?;
        if tbox == b"jp2c" {
            return Some(body);
        }
        rest = rest.get(len..)?;
    }
    None
}

/// Parses SIZ (ISO/IEC 15444-1 A.5.1), which must follow SOC.
fn parse_siz(data: &[u8]) -> Option<Siz> {
    let cs = codestream(data)?;
    if !cs.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        return None;
    }
    // SOC(2) SIZ(2) Lsiz(2) Rsiz(2) Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz (4 each) Csiz(2)
    let x = be32(cs, 8)?;
    let y = be32(cs, 12)?;
    let xo = be32(cs, 16)?;
    let yo = be32(cs, 20)?;
    let xt = be32(cs, 24)?;
    let yt = be32(cs, 28)?;
    let xto = be32(cs, 32)?;
    let yto = be32(cs, 36)?;
    let csiz = cs.get(40..42)?;
    let components = u16::from_be_bytes(csiz.try_into().ok()?);
    let width = x.checked_sub(xo)?;
    let height = y.checked_sub(yo)?;
    if xt == 0 || yt == 0 {
        return None;
    }
    let tx = u64::from(x.checked_sub(xto)?).div_ceil(u64::from(xt));
    let ty = u64::from(y.checked_sub(yto)?).div_ceil(u64::from(yt));
    Some(Siz {
        width,
        height,
        tiles: tx.checked_mul(ty)?,
        components,
    })
}

fn decode_j2k(data: &[u8], limits: &DecodeLimits) -> Result<Pixels, FaceError> {
    use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};
    let malformed = FaceError::Malformed {
        format: ImageFormat::Jpeg2000,
    };
    let siz = parse_siz(data).ok_or(malformed)?;
    check_dims(siz.width, siz.height, usize::from(siz.components), limits)?;
    if siz.components == 0 || siz.components > 4 {
        return Err(FaceError::Unsupported("component count"));
    }
    if siz.tiles == 0 || siz.tiles > u64::from(limits.max_tiles) {
        return Err(FaceError::Unsupported("tile count"));
    }
    let image = Image::new(data, &DecodeSettings::default()).map_err(|_| malformed)?;
    let (w, h) = (image.width(), image.height());
    check_dims(w, h, usize::from(siz.components), limits)?;
    let colour = match image.color_space() {
        ColorSpace::Gray => 1,
        ColorSpace::RGB => 3,
        ColorSpace::CMYK => 4,
        ColorSpace::Icc { num_channels, .. } | ColorSpace::Unknown { num_channels } => {
            match num_channels {
                1 | 3 => usize::from(*num_channels),
                _ => return Err(FaceError::Unsupported("colour space")),
            }
        }
    };
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(|_| malformed)?;
    let channels = decoded.components().len();
    if channels < colour {
        return Err(malformed);
    }
    let mut samples = decoded.data_u8();
    let out = to_rgb(w, h, &samples, channels, colour, ImageFormat::Jpeg2000);
    samples.zeroize();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siz_of_a_hostile_codestream() {
        let mut cs = vec![0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00];
        for v in [1000u32, 1000, 0, 0, 1, 1, 0, 0] {
            cs.extend_from_slice(&v.to_be_bytes());
        }
        cs.extend_from_slice(&[0x00, 0x03]);
        let siz = parse_siz(&cs).unwrap();
        assert_eq!(siz.width, 1000);
        assert_eq!(siz.tiles, 1_000_000);
        assert!(matches!(
            decode_image(&cs, &DecodeLimits::default()),
            Err(FaceError::Unsupported("tile count"))
        ));
    }

    #[test]
    fn jp2_box_walk_is_bounded() {
        // Box claiming 0xFFFFFFFF bytes.
        let mut d = vec![
            0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
        ];
        d.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, b'j', b'p', b'2', b'c']);
        assert_eq!(codestream(&d), None);
        // XL box with a 2^63 length.
        let mut d = vec![
            0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
        ];
        d.extend_from_slice(&[
            0, 0, 0, 1, b'j', b'p', b'2', b'c', 0x80, 0, 0, 0, 0, 0, 0, 0,
        ]);
        assert_eq!(codestream(&d), None);
    }

    #[test]
    fn pixels_debug_is_redacted() {
        let p = Pixels {
            width: 1,
            height: 1,
            rgb: vec![1, 2, 3],
        };
        assert_eq!(format!("{p:?}"), "Pixels(1x1, <redacted>)");
        assert_eq!(p.get(0, 0), Some([1, 2, 3]));
        assert_eq!(p.get(1, 0), None);
    }
}
