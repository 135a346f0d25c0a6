//! QR codes for challenges (and receipt handles): encoding, SVG and terminal text.
//!
//! This module owns turning a text such as `"MC1:" + base45(...)` into a QR symbol at
//! error-correction level M in the smallest version that holds it (the encoder picks
//! alphanumeric mode for base45 text), reporting its size ([`QrInfo`]), and rendering it as SVG
//! or as Unicode block text for a terminal. Raster formats (PNG) are the CLI's business; this
//! module exposes the module matrix for them ([`Qr::modules`]). It knows nothing about COSE,
//! signatures or trust.

use qrcode::{EcLevel, QrCode, Version};

use crate::base45;

/// Sizes of a QR symbol and its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QrInfo {
    /// Bytes of the binary payload the text carries (the COSE_Sign1 of a challenge: the text
    /// after its 4-character prefix, base45-decoded); the text's length for other texts.
    pub bytes: usize,
    /// Characters of the QR text.
    pub chars: usize,
    /// QR version, 1 to 40.
    pub version: u8,
    /// Modules per side (17 + 4 * version), without the quiet zone.
    pub modules: usize,
}

/// Why a text could not be made into a QR code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// More than a version 40 symbol at level M holds.
    #[error("text too long for a QR code at level M")]
    TooLong,
    /// The encoder refused the text.
    #[error("QR encoding failed")]
    Encoding,
}

/// A QR symbol at error-correction level M.
pub struct Qr {
    code: QrCode,
    info: QrInfo,
}

impl core::fmt::Debug for Qr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Qr").field("info", &self.info).finish()
    }
}

/// The payload bytes a `XXn:` + base45 text carries, else the text's length.
fn payload_bytes(text: &str) -> usize {
    match text.split_at_checked(4) {
        Some((prefix, body)) if prefix.ends_with(':') => {
            base45::decode(body).map_or(text.len(), |b| b.len())
        }
        _ => text.len(),
    }
}

impl Qr {
    /// Encodes `text` at level M in the smallest version that holds it.
    pub fn new(text: &str) -> Result<Self, QrError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(
            |e| match e {
                qrcode::types::QrError::DataTooLong => QrError::TooLong,
                _ => QrError::Encoding,
            },
        )?;
        let version = match code.version() {
            Version::Normal(v) => u8::try_from(v).map_err(|_| QrError::Encoding)?,
            Version::Micro(_) => return Err(QrError::Encoding),
        };
        let info = QrInfo {
            bytes: payload_bytes(text),
            chars: text.chars().count(),
            version,
            modules: code.width(),
        };
        Ok(Qr { code, info })
    }

    /// Sizes.
    pub fn info(&self) -> QrInfo {
        self.info
    }

    /// The module matrix, row by row, `true` for dark; `modules * modules` entries, without
    /// the quiet zone.
    pub fn modules(&self) -> Vec<bool> {
        self.code
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect()
    }

    /// An SVG document, `module_px` pixels per module (at least 1), with the 4-module quiet
    /// zone, black on white.
    pub fn render_svg(&self, module_px: u32) -> String {
        self.code
            .render::<qrcode::render::svg::Color<'_>>()
            .quiet_zone(true)
            .module_dimensions(module_px.max(1), module_px.max(1))
            .build()
    }

    /// Unicode half-block text (two rows of modules per line) with the quiet zone. With
    /// `dark_on_light` the dark modules are drawn (for light terminals); otherwise the light
    /// ones are (for dark terminals, which most are).
    pub fn render_text(&self, dark_on_light: bool) -> String {
        use qrcode::render::unicode::Dense1x2;
        let (dark, light) = if dark_on_light {
            (Dense1x2::Dark, Dense1x2::Light)
        } else {
            (Dense1x2::Light, Dense1x2::Dark)
        };
        self.code
            .render::<Dense1x2>()
            .quiet_zone(true)
            .dark_color(dark)
            .light_color(light)
            .build()
    }
}

/// [`Qr::new`] then [`Qr::render_svg`] with 4 pixels per module.
pub fn render_svg(text: &str) -> Result<(String, QrInfo), QrError> {
    let q = Qr::new(text)?;
    Ok((q.render_svg(4), q.info()))
}

/// [`Qr::new`] then [`Qr::render_text`] for a dark terminal.
pub fn render_text(text: &str) -> Result<(String, QrInfo), QrError> {
    let q = Qr::new(text)?;
    Ok((q.render_text(false), q.info()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_versions() {
        // ISO/IEC 18004 capacity at level M, alphanumeric mode: version 1 holds 20 characters,
        // version 2 holds 38, version 10 holds 311, version 40 holds 3391.
        assert_eq!(Qr::new(&"A".repeat(20)).unwrap().info().version, 1);
        assert_eq!(Qr::new(&"A".repeat(21)).unwrap().info().version, 2);
        assert_eq!(Qr::new(&"A".repeat(38)).unwrap().info().version, 2);
        assert_eq!(Qr::new(&"A".repeat(311)).unwrap().info().version, 10);
        assert_eq!(Qr::new(&"A".repeat(312)).unwrap().info().version, 11);
        assert_eq!(Qr::new(&"A".repeat(3391)).unwrap().info().version, 40);
        assert_eq!(Qr::new(&"A".repeat(3392)).unwrap_err(), QrError::TooLong);
        let q = Qr::new("MC1:BB8").unwrap();
        assert_eq!(
            q.info(),
            QrInfo {
                bytes: 2,
                chars: 7,
                version: 1,
                modules: 21
            }
        );
        assert_eq!(q.modules().len(), 21 * 21);
    }

    #[test]
    fn renderings() {
        let (svg, info) = render_svg("MC1:BB8").unwrap();
        assert!(svg.starts_with("<?xml"));
        assert!(svg.contains("<svg"));
        // (21 + 8) modules of 4 px.
        assert!(svg.contains("width=\"116\""), "{}", &svg[..200]);
        assert_eq!(info.version, 1);
        let (text, _) = render_text("MC1:BB8").unwrap();
        // (21 + 8) columns, ceil(29 / 2) lines.
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 15);
        assert!(lines.iter().all(|l| l.chars().count() == 29));
        // The finder pattern's corner module is dark: in the inverted rendering the quiet zone
        // is drawn and the finder is blank.
        let light = Qr::new("MC1:BB8").unwrap().render_text(true);
        assert_ne!(light, text);
    }
}
