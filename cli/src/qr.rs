//! `monid qr issue` and `monid qr scan`: QR challenges from the command line.
//!
//! This module owns the command-line side of the core's [`monid_core::challenge`]: parsing the
//! claim and assurance lists, making the relying party's ephemeral key, rendering the QR code as
//! PNG (the `png` crate, already used for face images), SVG or terminal text (the core's
//! [`monid_core::qr`]), reading a QR code back from a PNG (`rqrr`, a pure-Rust decoder) and
//! printing a scanned challenge. It never sees a citizen's data: challenges are the relying
//! party's. Trust (anchors, cached RP certificates) comes from files the caller names.

use std::path::Path;

use monid_core::challenge::{
    self, Assurance, Claim, ClaimRequest, ClockCheck, Form, IssuedChallenge, Level,
    RelyingPartyTrust, ScannedChallenge,
};
use monid_core::pki::Timestamp;
use monid_core::qr::{Qr, QrInfo};

use crate::clock;
use crate::exit::{self, CliError};

/// Exit code of `monid qr scan` when the challenge is refused (bad signature, unknown relying
/// party, malformed, expired in `--strict` mode, ...).
pub const CHALLENGE_REJECTED: u8 = 8;

/// Largest PNG `qr scan` decodes (bytes) and largest side (pixels).
const MAX_PNG_LEN: usize = 16 * 1024 * 1024;
const MAX_PNG_SIDE: u32 = 8192;

/// Parses `names:chip,age_over_18:device,...` (level defaults to `chip` when omitted).
pub fn parse_claims(s: &str) -> Result<Vec<ClaimRequest>, String> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|part| {
            let part = part.trim();
            let (name, level) = part.split_once(':').unwrap_or((part, "chip"));
            let claim = Claim::from_name(name).ok_or_else(|| {
                let all: Vec<&str> = Claim::ALL.iter().map(|c| c.name()).collect();
                format!("unknown claim {name:?} (one of {})", all.join(", "))
            })?;
            let level = Level::from_name(level)
                .ok_or_else(|| format!("unknown level {level:?} (chip or device)"))?;
            Ok(ClaimRequest { claim, level })
        })
        .collect()
}

/// Parses `chip_read,chip_genuine,face_match` (any subset).
pub fn parse_assurance(s: &str) -> Result<Assurance, String> {
    let mut a = Assurance::default();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        a = a.with(match part {
            "chip_read" => Assurance::CHIP_READ,
            "chip_genuine" => Assurance::CHIP_GENUINE,
            "face_match" => Assurance::FACE_MATCH,
            other => {
                return Err(format!(
                    "unknown assurance {other:?} (chip_read, chip_genuine, face_match)"
                ));
            }
        });
    }
    Ok(a)
}

/// The names of the bits set in `a`.
pub fn assurance_names(a: Assurance) -> String {
    let mut v = Vec::new();
    for (bit, name) in [
        (Assurance::CHIP_READ, "chip_read"),
        (Assurance::CHIP_GENUINE, "chip_genuine"),
        (Assurance::FACE_MATCH, "face_match"),
    ] {
        if a.contains(bit) {
            v.push(name);
        }
    }
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// A fresh ephemeral P-256 key for the encrypted answer: (SEC1 "EC PRIVATE KEY" PEM, SEC1
/// compressed public key).
pub fn ephemeral_key() -> Result<(zeroize::Zeroizing<String>, [u8; 33]), CliError> {
    use monid_core::rand::{RandomSource, SystemRandom};
    use zeroize::Zeroizing;
    let mut rng = SystemRandom;
    for _ in 0..8 {
        let mut scalar = Zeroizing::new([0u8; 32]);
        rng.fill(scalar.as_mut())
            .map_err(|e| CliError::new(exit::OTHER, format!("random source: {e}")))?;
        let Ok(key) = p256::SecretKey::from_slice(scalar.as_ref()) else {
            continue;
        };
        let public: [u8; 33] =
            p256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&key.public_key(), true)
                .as_bytes()
                .try_into()
                .map_err(|_| CliError::new(exit::OTHER, "ephemeral key encoding"))?;
        // ECPrivateKey { 1, privateKey, [0] prime256v1 } (RFC 5915).
        let mut der = Zeroizing::new(vec![0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20]);
        der.extend_from_slice(scalar.as_ref());
        der.extend_from_slice(&[
            0xA0, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07,
        ]);
        let pem = Zeroizing::new(pem("EC PRIVATE KEY", &der));
        return Ok((pem, public));
    }
    Err(CliError::new(
        exit::OTHER,
        "random source gave no valid key",
    ))
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(chunk));
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

/// Renders a QR symbol as an 8-bit greyscale PNG, `module_px` pixels per module, with the
/// 4-module quiet zone.
pub fn png_qr(qr: &Qr, module_px: u32) -> Result<Vec<u8>, CliError> {
    let n = qr.info().modules;
    let modules = qr.modules();
    let px = module_px.clamp(1, 32) as usize;
    let side_modules = n + 8;
    let side = side_modules * px;
    let side_u32 =
        u32::try_from(side).map_err(|_| CliError::new(exit::OTHER, "QR image too large"))?;
    let mut pixels = vec![255u8; side * side];
    for (i, dark) in modules.iter().enumerate() {
        if !dark {
            continue;
        }
        let (mx, my) = (i % n + 4, i / n + 4);
        for dy in 0..px {
            let row = (my * px + dy) * side;
            if let Some(run) = pixels.get_mut(row + mx * px..row + mx * px + px) {
                run.fill(0);
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side_u32, side_u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let png_err = |e: png::EncodingError| CliError::new(exit::OTHER, format!("PNG: {e}"));
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(&pixels).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(out)
}

/// Decodes the (first) QR code of a PNG image with `rqrr`, as text.
pub fn decode_png_qr(bytes: &[u8]) -> Result<String, String> {
    if bytes.len() > MAX_PNG_LEN {
        return Err("PNG larger than 16 MiB".into());
    }
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| format!("PNG: {e}"))?;
    let (w, h) = (reader.info().width, reader.info().height);
    if w > MAX_PNG_SIDE || h > MAX_PNG_SIDE {
        return Err("PNG wider or taller than 8192 pixels".into());
    }
    let size = reader.output_buffer_size().ok_or("PNG: image too large")?;
    let mut buf = vec![0u8; size];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("PNG: {e}"))?;
    let channels = frame.color_type.samples();
    let stride = frame.line_size;
    let grey = |x: usize, y: usize| -> u8 {
        let at = y * stride + x * channels;
        let px = buf.get(at..at + channels).unwrap_or(&[255]);
        match px {
            [g] | [g, _] => *g,
            [r, g, b] | [r, g, b, _] => {
                ((u16::from(*r) * 3 + u16::from(*g) * 6 + u16::from(*b)) / 10) as u8
            }
            _ => 255,
        }
    };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, grey);
    let grids = img.detect_grids();
    let grid = grids.first().ok_or("no QR code found in the image")?;
    let (_, text) = grid
        .decode()
        .map_err(|e| format!("QR code not decodable: {e}"))?;
    Ok(text)
}

/// What `qr scan` was given: a PNG file, a text file, or the QR text itself.
pub fn read_scan_input(arg: &str) -> Result<Vec<u8>, CliError> {
    let path = Path::new(arg);
    if !arg.starts_with(challenge::QR_PREFIX) && path.is_file() {
        let bytes =
            std::fs::read(path).map_err(|e| CliError::new(exit::USAGE, format!("{arg}: {e}")))?;
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return decode_png_qr(&bytes)
                .map(String::into_bytes)
                .map_err(|e| CliError::new(exit::USAGE, format!("{arg}: {e}")));
        }
        return Ok(bytes);
    }
    Ok(arg.as_bytes().to_vec())
}

/// The issue summary printed by `qr issue`.
pub fn issue_summary(i: &IssuedChallenge, info: &QrInfo) -> String {
    let c = &i.challenge;
    format!(
        "QR text:           {}\n\
         Confirmation code: {}\n\
         Form:              {}\n\
         Relying party:     {}\n\
         Expires:           {}\n\
         Size:              {} bytes COSE_Sign1, {} characters, QR version {} ({}x{} modules, level M)\n",
        i.qr_text,
        i.confirmation_code,
        form_name(i.form),
        c.rp_id,
        time(c.expires_at),
        info.bytes,
        info.chars,
        info.version,
        info.modules,
        info.modules,
    )
}

fn form_name(f: Form) -> &'static str {
    match f {
        Form::Full => "full (x5chain)",
        Form::Compact => "compact (x5t)",
    }
}

fn time(secs: u64) -> String {
    clock::format(Timestamp(i64::try_from(secs).unwrap_or(i64::MAX)))
}

/// The verified challenge as `qr scan` prints it.
pub fn scan_summary(s: &ScannedChallenge) -> String {
    let c = &s.challenge;
    let mut out = format!(
        "Relying party:     {} ({})\n\
         Purpose:           {}\n",
        s.rp_display_name, c.rp_id, c.purpose
    );
    out.push_str("Claims:\n");
    for r in &c.claims {
        let level = match r.level {
            Level::ChipVerifiable => "chip-verifiable (the whole data group is sent)",
            Level::DeviceAsserted => "device-asserted",
        };
        out.push_str(&format!(
            "  {:<16} DG{:<2} {level}\n",
            r.claim.name(),
            r.claim.data_group()
        ));
    }
    let clock_line = match s.clock {
        ClockCheck::Ok => "ok".to_string(),
        ClockCheck::Expired { seconds_late } => {
            format!("EXPIRED by {seconds_late} s on this clock (advisory)")
        }
        ClockCheck::NotYetValid { seconds_early } => {
            format!("NOT YET VALID by {seconds_early} s on this clock (advisory)")
        }
    };
    out.push_str(&format!(
        "Assurance:         {}\n\
         Response URI:      {}\n\
         Issued:            {}\n\
         Expires:           {}\n\
         Clock:             {clock_line}\n\
         Form:              {}\n\
         Confirmation code: {}\n",
        assurance_names(c.assurance),
        c.response_uri,
        time(c.issued_at),
        time(c.expires_at),
        form_name(s.form),
        s.confirmation_code,
    ));
    out
}

/// Loads anchors and cached RP certificates from PEM or DER files.
pub fn load_trust(
    anchors: &[impl AsRef<Path>],
    certs: &[impl AsRef<Path>],
) -> Result<RelyingPartyTrust, CliError> {
    let mut t = RelyingPartyTrust::new();
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| CliError::new(exit::USAGE, format!("{}: {e}", p.display())))
    };
    for p in anchors {
        let p = p.as_ref();
        let bytes = read(p)?;
        let r = if bytes.starts_with(b"-----") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            t.add_anchors_pem(&bytes).map(|_| ())
        } else {
            t.add_anchor_der(&bytes)
        };
        r.map_err(|e| CliError::new(exit::USAGE, format!("{}: {e}", p.display())))?;
    }
    for p in certs {
        let p = p.as_ref();
        let bytes = read(p)?;
        let r = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
            t.add_certificates_pem(&bytes).map(|_| ())
        } else {
            t.add_certificate_der(&bytes)
        };
        r.map_err(|e| CliError::new(exit::USAGE, format!("{}: {e}", p.display())))?;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn claim_lists() {
        let c = parse_claims("names:chip,age_over_18:device,photo").unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[1].level, Level::DeviceAsserted);
        assert_eq!(c[2].level, Level::ChipVerifiable);
        assert!(parse_claims("nose:chip").is_err());
        assert!(parse_claims("names:maybe").is_err());
        assert_eq!(
            parse_assurance("chip_read,face_match").unwrap(),
            Assurance(5)
        );
        assert!(parse_assurance("vibes").is_err());
    }

    #[test]
    fn png_round_trip_through_rqrr() {
        let text = "MC1:BB8%69 VD92EX0";
        let qr = Qr::new(text).unwrap();
        let png = png_qr(&qr, 4).unwrap();
        assert_eq!(decode_png_qr(&png).unwrap(), text);
        assert!(decode_png_qr(b"\x89PNG\r\n\x1a\nxx").is_err());
    }

    #[test]
    fn ephemeral_keys_are_compressed_points() {
        let (pem, public) = ephemeral_key().unwrap();
        assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        assert!(matches!(public[0], 2 | 3));
    }
}
