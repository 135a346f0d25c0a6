//! Sealed key stores and sealed enrolment records on disk.
//!
//! This module owns persisting the bytes that `monid_core::keys` seals (the core is sans-I/O):
//! [`save_atomic`] writes them with mode 0600 through a fresh temporary file in the same
//! directory, synced, renamed over the target, then syncs the directory, so a crash leaves
//! either the old file or the new one, never a mix; [`load`] reads at most a cap. It never
//! decrypts or interprets the bytes and never prints them.

use std::io::Read;
use std::path::Path;

use crate::output::{self, OutputError};

/// Largest file [`load`] accepts: the sealed key-store cap (1 MiB).
pub const MAX_LEN: u64 = 1 << 20;

/// Writes `bytes` to `path` atomically with mode 0600 (see the module documentation).
pub fn save_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| OutputError::Io {
            what: format!("{} has no usable file name", path.display()),
            source: std::io::Error::from(std::io::ErrorKind::InvalidInput),
        })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    output::write_private(dir, name, bytes)?;
    // The rename is durable only once the directory entry is.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| OutputError::Io {
            what: format!("syncing {}", dir.display()),
            source,
        })
}

/// Reads `path`, refusing files larger than [`MAX_LEN`].
pub fn load(path: &Path) -> Result<Vec<u8>, OutputError> {
    let io = |what: &str| {
        let what = format!("{what} {}", path.display());
        move |source| OutputError::Io { what, source }
    };
    let file = std::fs::File::open(path).map_err(io("opening"))?;
    let mut bytes = Vec::new();
    file.take(MAX_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(io("reading"))?;
    if bytes.len() as u64 > MAX_LEN {
        return Err(OutputError::Io {
            what: format!("{} is larger than {MAX_LEN} bytes", path.display()),
            source: std::io::Error::from(std::io::ErrorKind::InvalidData),
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use monid_core::keys::{KeyOptions, KeyStore, KeyStoreError, SoftwareKeyStore};
    use monid_core::rand::SystemRandom;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_sealed_store_survives_the_disk_and_a_wrong_key_leaves_it_intact() {
        let dir = std::env::temp_dir().join(format!("monid-keyfile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys.msk");
        let store = SoftwareKeyStore::new();
        let public = store.generate("device", KeyOptions::default()).unwrap();
        let key = [4u8; 32];
        save_atomic(&path, &store.seal(&key, &mut SystemRandom).unwrap()).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let before = load(&path).unwrap();
        assert_eq!(
            SoftwareKeyStore::open(&before, &[5u8; 32]).err(),
            Some(KeyStoreError::SealBroken)
        );
        assert_eq!(load(&path).unwrap(), before);
        let reopened = SoftwareKeyStore::open(&load(&path).unwrap(), &key).unwrap();
        assert_eq!(reopened.public_key("device").unwrap(), public);
        // Replacing keeps one file, no temporary left behind.
        save_atomic(&path, b"other").unwrap();
        assert_eq!(load(&path).unwrap(), b"other");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        // Too large.
        std::fs::write(&path, vec![0u8; MAX_LEN as usize + 1]).unwrap();
        assert!(load(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
