//! Writing a read to disk: private directory, private files, the face as PNG.
//!
//! This module owns the files `monid read --out DIR` creates: the directory (mode 0700 when we
//! create it), each file (mode 0600, written to a fresh temporary file in the same directory and
//! renamed over the final name, so a reader never sees a half-written or world-readable file),
//! and the PNG encoding of the face. It does not decide what to write (see `summary` and
//! `main`) and never logs file contents.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why an output could not be written.
#[derive(Debug)]
pub enum OutputError {
    /// A file-system operation failed.
    Io {
        /// What we were doing (names a path, never content).
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The output path exists and is not a directory.
    NotADirectory(PathBuf),
    /// Pixel buffer and dimensions disagree.
    BadImage(&'static str),
    /// The PNG encoder failed.
    Png(String),
}

impl core::fmt::Display for OutputError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            OutputError::Io { what, source } => write!(f, "{what}: {source}"),
            OutputError::NotADirectory(p) => {
                write!(f, "{} exists and is not a directory", p.display())
            }
            OutputError::BadImage(m) => write!(f, "face image: {m}"),
            OutputError::Png(m) => write!(f, "PNG encoding: {m}"),
        }
    }
}

impl std::error::Error for OutputError {}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> OutputError {
    let what = what.into();
    move |source| OutputError::Io { what, source }
}

/// Creates `dir` (and missing parents) with mode 0700, or accepts an existing directory.
///
/// Returns `true` when an existing directory is readable or writable by group or others (the
/// caller should warn: we do not change the permissions of a directory we did not create).
pub fn private_dir(dir: &Path) -> Result<bool, OutputError> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(meta.permissions().mode() & 0o077 != 0),
        Ok(_) => Err(OutputError::NotADirectory(dir.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io(format!("creating {}", dir.display())))?;
            // The umask may have removed bits, never added any; make it exactly 0700.
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io(format!("setting permissions of {}", dir.display())))?;
            Ok(false)
        }
        Err(e) => Err(OutputError::Io {
            what: format!("inspecting {}", dir.display()),
            source: e,
        }),
    }
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `dir/name` with mode 0600, atomically: a fresh temporary file created with
/// `create_new` and mode 0600 in the same directory, synced, then renamed over `name`.
pub fn write_private(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, OutputError> {
    let final_path = dir.join(name);
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp_path = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp_path)
            .map_err(io(format!("creating {}", temp_path.display())))?;
        file.write_all(bytes)
            .map_err(io(format!("writing {}", temp_path.display())))?;
        file.sync_all()
            .map_err(io(format!("syncing {}", temp_path.display())))?;
        std::fs::rename(&temp_path, &final_path)
            .map_err(io(format!("renaming to {}", final_path.display())))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp_path);
    }
    result.map(|()| final_path)
}

/// Encodes 8-bit RGB pixels (row-major, `width * height * 3` bytes) as a PNG.
pub fn png_rgb8(width: u32, height: u32, pixels: &[u8]) -> Result<Vec<u8>, OutputError> {
    if width == 0 || height == 0 {
        return Err(OutputError::BadImage("zero width or height"));
    }
    let expected = (width as usize)
        .checked_mul(height as usize)
        .and_then(|n| n.checked_mul(3))
        .ok_or(OutputError::BadImage("dimensions overflow"))?;
    if pixels.len() != expected {
        return Err(OutputError::BadImage(
            "pixel buffer length does not match the dimensions",
        ));
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| OutputError::Png(e.to_string()))?;
    writer
        .write_image_data(pixels)
        .map_err(|e| OutputError::Png(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| OutputError::Png(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("monid-out-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn files_are_private_and_replaced_atomically() {
        let d = scratch("files").join("nested");
        assert!(!private_dir(&d).unwrap());
        assert_eq!(
            std::fs::metadata(&d).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let p = write_private(&d, "DG1.bin", b"abc").unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        write_private(&d, "DG1.bin", b"defg").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"defg");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
        let _ = std::fs::remove_dir_all(d.parent().unwrap());
    }

    #[test]
    fn out_path_that_is_a_file_is_refused() {
        let d = scratch("notdir");
        std::fs::write(&d, b"x").unwrap();
        assert!(matches!(
            private_dir(&d),
            Err(OutputError::NotADirectory(_))
        ));
        let _ = std::fs::remove_file(&d);
    }

    #[test]
    fn png_round_trip() {
        let pixels: Vec<u8> = (0..2 * 3 * 3).map(|i| i as u8).collect();
        let png_bytes = png_rgb8(2, 3, &pixels).unwrap();
        assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (2, 3));
        assert_eq!(&buf[..info.buffer_size()], &pixels[..]);
        assert!(png_rgb8(2, 3, &pixels[1..]).is_err());
        assert!(png_rgb8(0, 3, &[]).is_err());
    }
}
