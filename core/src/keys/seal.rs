//! Sealing bytes at rest: AES-256-GCM under a key derived with HKDF-SHA256 from the caller's
//! 32-byte key and a fresh salt.
//!
//! This module owns the sealed-blob layout of `docs/wire-format.md` ("Sealed key store blob"):
//! `magic(4) || salt(16) || nonce(12) || AES-256-GCM ciphertext || tag(16)`, with
//! `key = HKDF-SHA256(ikm = caller key, salt, info)` and `aad = magic`. A [`SealFormat`] fixes
//! the magic, the HKDF info and the size cap, so that a sealed key store and a sealed enrolment
//! record can never be opened as each other. It knows nothing of what is sealed (CBOR, records)
//! and never touches files: the caller persists the bytes.
//!
//! Errors: a blob that is too short, too long or has the wrong magic is
//! [`KeyStoreError::Corrupted`]; a blob whose tag does not verify is [`KeyStoreError::SealBroken`]
//! (a wrong key and a tampered ciphertext cannot be told apart). Opening never modifies the
//! caller's bytes.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::KeyStoreError;
use crate::rand::RandomSource;

/// Salt length.
pub const SALT_LEN: usize = 16;
/// AES-GCM nonce length.
pub const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;
/// Magic + salt + nonce + tag: the size of a sealed empty plaintext.
pub const OVERHEAD: usize = 4 + SALT_LEN + NONCE_LEN + TAG_LEN;

/// One sealed-blob flavour: its magic (also the AAD), HKDF info and maximum sealed size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealFormat {
    /// The first four bytes, also authenticated as the AAD.
    pub magic: [u8; 4],
    /// HKDF-SHA256 `info`.
    pub info: &'static [u8],
    /// Largest sealed blob accepted or produced, overhead included.
    pub max_len: usize,
}

/// A sealed [`super::software::SoftwareKeyStore`]: `"MSK1"`, info `"monid-keystore-v1"`, 1 MiB.
pub const KEY_STORE: SealFormat = SealFormat {
    magic: *b"MSK1",
    info: b"monid-keystore-v1",
    max_len: 1 << 20,
};

/// A sealed signed enrolment record: `"MER1"`, info `"monid-enrolment-v1"`, 64 KiB + overhead.
pub const ENROLMENT: SealFormat = SealFormat {
    magic: *b"MER1",
    info: b"monid-enrolment-v1",
    max_len: (64 << 10) + OVERHEAD,
};

fn cipher(format: &SealFormat, key: &[u8; 32], salt: &[u8]) -> Result<Aes256Gcm, KeyStoreError> {
    let mut okm = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(salt), key)
        .expand(format.info, okm.as_mut())
        .map_err(|_| KeyStoreError::Corrupted("key derivation"))?;
    Aes256Gcm::new_from_slice(okm.as_ref()).map_err(|_| KeyStoreError::Corrupted("key length"))
}

/// Seals `plaintext` under `key` with a fresh salt and nonce drawn from `rng`.
///
/// Fails with [`KeyStoreError::Corrupted`] when the result would exceed the format's cap, and
/// with [`KeyStoreError::Platform`] when the random source fails.
pub fn seal(
    format: &SealFormat,
    key: &[u8; 32],
    plaintext: &[u8],
    rng: &mut dyn RandomSource,
) -> Result<Vec<u8>, KeyStoreError> {
    let total = plaintext
        .len()
        .checked_add(OVERHEAD)
        .filter(|n| *n <= format.max_len)
        .ok_or(KeyStoreError::Corrupted("sealed data exceeds its size cap"))?;
    let mut salt_nonce = [0u8; SALT_LEN + NONCE_LEN];
    rng.fill(&mut salt_nonce)
        .map_err(|_| KeyStoreError::Platform("random source failed".into()))?;
    let (salt, nonce) = salt_nonce.split_at(SALT_LEN);
    let aead = cipher(format, key, salt)?;
    let nonce = Nonce::try_from(nonce).map_err(|_| KeyStoreError::Corrupted("nonce length"))?;
    let ct = aead
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: &format.magic,
            },
        )
        .map_err(|_| KeyStoreError::Corrupted("encryption"))?;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&format.magic);
    out.extend_from_slice(&salt_nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Opens a blob made by [`seal`] with the same format and key. The caller's bytes are only
/// read; the plaintext is returned in a zeroizing buffer.
pub fn open(
    format: &SealFormat,
    sealed: &[u8],
    key: &[u8; 32],
) -> Result<Zeroizing<Vec<u8>>, KeyStoreError> {
    if sealed.len() > format.max_len {
        return Err(KeyStoreError::Corrupted("sealed data exceeds its size cap"));
    }
    if sealed.len() < OVERHEAD {
        return Err(KeyStoreError::Corrupted("sealed data is truncated"));
    }
    let (magic, rest) = sealed
        .split_at_checked(4)
        .ok_or(KeyStoreError::Corrupted("sealed data is truncated"))?;
    if magic != format.magic {
        return Err(KeyStoreError::Corrupted(
            "not a sealed blob of this kind (magic)",
        ));
    }
    let (salt, rest) = rest
        .split_at_checked(SALT_LEN)
        .ok_or(KeyStoreError::Corrupted("sealed data is truncated"))?;
    let (nonce, ct) = rest
        .split_at_checked(NONCE_LEN)
        .ok_or(KeyStoreError::Corrupted("sealed data is truncated"))?;
    let aead = cipher(format, key, salt)?;
    let nonce = Nonce::try_from(nonce).map_err(|_| KeyStoreError::Corrupted("nonce length"))?;
    aead.decrypt(
        &nonce,
        Payload {
            msg: ct,
            aad: &format.magic,
        },
    )
    .map(Zeroizing::new)
    .map_err(|_| KeyStoreError::SealBroken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::FixedRandom;

    fn rng() -> FixedRandom {
        FixedRandom::new((0u8..28).collect())
    }

    #[test]
    fn round_trip_and_layout() {
        let key = [7u8; 32];
        let sealed = seal(&KEY_STORE, &key, b"hello", &mut rng()).unwrap();
        assert_eq!(sealed.len(), OVERHEAD + 5);
        assert_eq!(&sealed[..4], b"MSK1");
        assert_eq!(&sealed[4..32], &(0u8..28).collect::<Vec<_>>()[..]);
        assert_eq!(
            open(&KEY_STORE, &sealed, &key).unwrap().as_slice(),
            b"hello"
        );
    }

    #[test]
    fn formats_do_not_cross() {
        let key = [7u8; 32];
        let sealed = seal(&ENROLMENT, &key, b"hello", &mut rng()).unwrap();
        assert_eq!(
            open(&KEY_STORE, &sealed, &key),
            Err(KeyStoreError::Corrupted(
                "not a sealed blob of this kind (magic)"
            ))
        );
        // Same bytes with the key store's magic: the AAD and HKDF info differ, so it breaks.
        let mut relabelled = sealed.clone();
        relabelled[..4].copy_from_slice(b"MSK1");
        assert_eq!(
            open(&KEY_STORE, &relabelled, &key),
            Err(KeyStoreError::SealBroken)
        );
    }

    #[test]
    fn caps_are_enforced_both_ways() {
        let key = [1u8; 32];
        let big = vec![0u8; ENROLMENT.max_len - OVERHEAD + 1];
        assert!(matches!(
            seal(&ENROLMENT, &key, &big, &mut rng()),
            Err(KeyStoreError::Corrupted(_))
        ));
        let mut blob = vec![0u8; ENROLMENT.max_len + 1];
        blob[..4].copy_from_slice(b"MER1");
        assert!(matches!(
            open(&ENROLMENT, &blob, &key),
            Err(KeyStoreError::Corrupted(_))
        ));
        for n in 0..OVERHEAD {
            let mut blob = vec![0u8; n];
            if n >= 4 {
                blob[..4].copy_from_slice(b"MER1");
            }
            assert!(matches!(
                open(&ENROLMENT, &blob, &key),
                Err(KeyStoreError::Corrupted(_))
            ));
        }
    }

    #[test]
    fn a_failing_random_source_is_an_error() {
        assert!(matches!(
            seal(
                &KEY_STORE,
                &[0; 32],
                b"x",
                &mut FixedRandom::new(vec![0; 3])
            ),
            Err(KeyStoreError::Platform(_))
        ));
    }

    fn vectors(name: &str) -> serde_json::Value {
        let path = format!(
            "{}/../test-vectors/wycheproof/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn h(v: &serde_json::Value) -> Vec<u8> {
        hex::decode(v.as_str().unwrap()).unwrap()
    }

    /// Wycheproof AES-256-GCM, 96-bit IV, 128-bit tag: every test, through the same calls
    /// `seal`/`open` make.
    #[test]
    fn wycheproof_aes_256_gcm() {
        let v = vectors("aes_gcm_256_iv96.json");
        let tests = v["tests"].as_array().unwrap();
        assert_eq!(tests.len(), 66);
        for t in tests {
            let id = &t["tcId"];
            let aead = Aes256Gcm::new_from_slice(&h(&t["key"])).unwrap();
            let nonce = Nonce::try_from(h(&t["iv"]).as_slice()).unwrap();
            let (aad, msg) = (h(&t["aad"]), h(&t["msg"]));
            let sealed = [h(&t["ct"]), h(&t["tag"])].concat();
            let opened = aead.decrypt(
                &nonce,
                Payload {
                    msg: &sealed,
                    aad: &aad,
                },
            );
            match t["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(opened.unwrap(), msg, "tc {id}");
                    let ct = aead.encrypt(
                        &nonce,
                        Payload {
                            msg: &msg,
                            aad: &aad,
                        },
                    );
                    assert_eq!(ct.unwrap(), sealed, "tc {id}");
                }
                _ => assert!(opened.is_err(), "tc {id}"),
            }
        }
    }

    /// Wycheproof HKDF-SHA256: every test (the invalid ones ask for more than 255 * 32 bytes).
    #[test]
    fn wycheproof_hkdf_sha256() {
        let v = vectors("hkdf_sha256.json");
        let tests = v["tests"].as_array().unwrap();
        assert_eq!(tests.len(), 86);
        for t in tests {
            let id = &t["tcId"];
            let salt = h(&t["salt"]);
            let size = t["size"].as_u64().unwrap() as usize;
            let mut okm = vec![0u8; size];
            let r =
                Hkdf::<Sha256>::new(Some(&salt), &h(&t["ikm"])).expand(&h(&t["info"]), &mut okm);
            match t["result"].as_str().unwrap() {
                "valid" => {
                    r.unwrap();
                    assert_eq!(okm, h(&t["okm"]), "tc {id}");
                }
                _ => assert!(r.is_err(), "tc {id}"),
            }
        }
    }
}
