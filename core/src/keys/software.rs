//! A [`KeyStore`] in Rust, for desktop, servers and tests: P-256 keys held in memory and sealed
//! to bytes with AES-256-GCM under a caller-provided 32-byte key.
//!
//! This module owns [`SoftwareKeyStore`] and the plaintext of its sealed blob
//! (`docs/wire-format.md`, "Sealed key store blob": deterministic CBOR
//! `{alias tstr: [options uint, private scalar bstr 32]}` inside [`super::seal::KEY_STORE`]). It
//! never touches files (the CLI's `keyfile` writes the bytes atomically) and never downgrades a
//! requirement: it has no secure hardware, so a key that must be hardware-backed
//! (`hardware_required`) or whose every use must be gated by user authentication
//! (`user_authentication_required`, which only a TEE or secure element can enforce) is refused
//! with [`KeyStoreError::HardwareUnavailable`]. Stored keys therefore always have options 0;
//! a sealed blob with any other options value is [`KeyStoreError::Corrupted`].
//!
//! Private scalars live in `p256::ecdsa::SigningKey` (zeroized on drop); intermediate buffers
//! are `Zeroizing`. `Debug` prints the number of keys only. Every method takes `&self` and is
//! safe to call from several threads (a `RwLock` around the keys, a `Mutex` around the random
//! source). Signatures are deterministic ECDSA (RFC 6979) over SHA-256, returned in DER like the
//! platforms' key stores.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError, RwLock};

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use zeroize::Zeroizing;

use super::seal::{self, KEY_STORE};
use super::{DevicePublicKey, KeyOptions, KeyStore, KeyStoreError};
use crate::rand::{RandomSource, SystemRandom};
use crate::transport::CancelToken;

/// Longest alias accepted, in bytes.
pub const MAX_ALIAS_LEN: usize = 128;
/// Most keys one store holds (a full store seals to well under the 1 MiB cap).
pub const MAX_KEYS: usize = 1024;

/// P-256 keys in memory, sealable to bytes. See the module documentation.
pub struct SoftwareKeyStore {
    keys: RwLock<BTreeMap<String, SigningKey>>,
    rng: Mutex<Box<dyn RandomSource + Send>>,
}

impl core::fmt::Debug for SoftwareKeyStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = self.read().len();
        write!(f, "SoftwareKeyStore({n} keys, <redacted>)")
    }
}

impl Default for SoftwareKeyStore {
    fn default() -> Self {
        Self::new()
    }
}

fn check_alias(alias: &str) -> Result<(), KeyStoreError> {
    if alias.is_empty() || alias.len() > MAX_ALIAS_LEN {
        return Err(KeyStoreError::Platform(format!(
            "alias must be 1 to {MAX_ALIAS_LEN} bytes"
        )));
    }
    Ok(())
}

fn public_of(key: &SigningKey) -> Result<DevicePublicKey, KeyStoreError> {
    let point = key.verifying_key().to_sec1_point(false);
    DevicePublicKey::from_sec1(point.as_bytes())
}

/// DER `SEQUENCE { INTEGER r, INTEGER s }` from the 32-byte big-endian halves (what Android's
/// and Apple's key stores return).
fn der_signature(sig: &Signature) -> Vec<u8> {
    fn integer(out: &mut Vec<u8>, v: &[u8]) {
        let start = v.iter().position(|b| *b != 0).unwrap_or(v.len());
        let v = v.get(start..).unwrap_or_default();
        let pad = v.first().is_none_or(|b| b & 0x80 != 0);
        out.push(0x02);
        // At most 33 bytes: fits the short length form.
        out.push((v.len() + usize::from(pad)) as u8);
        if pad {
            out.push(0);
        }
        out.extend_from_slice(v);
    }
    let bytes = sig.to_bytes();
    let (r, s) = bytes.split_at(32);
    let mut body = Vec::with_capacity(70);
    integer(&mut body, r);
    integer(&mut body, s);
    let mut out = Vec::with_capacity(72);
    out.push(0x30);
    out.push(body.len() as u8); // at most 70
    out.extend_from_slice(&body);
    out
}

impl SoftwareKeyStore {
    /// An empty store drawing key material from the operating system.
    pub fn new() -> Self {
        Self::with_random(Box::new(SystemRandom))
    }

    /// An empty store drawing key material from `rng` (tests inject a fixed source).
    pub fn with_random(rng: Box<dyn RandomSource + Send>) -> Self {
        SoftwareKeyStore {
            keys: RwLock::new(BTreeMap::new()),
            rng: Mutex::new(rng),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, SigningKey>> {
        self.keys.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, SigningKey>> {
        self.keys.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// True when the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// The aliases held, in sorted order.
    pub fn aliases(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }

    fn new_key(&self) -> Result<SigningKey, KeyStoreError> {
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        // A uniform 256-bit string is a valid scalar with probability 1 - 2^-32; retry a few
        // times before blaming the source.
        for _ in 0..8 {
            let mut bytes = Zeroizing::new([0u8; 32]);
            rng.fill(bytes.as_mut())
                .map_err(|_| KeyStoreError::Platform("random source failed".into()))?;
            if let Ok(key) = SigningKey::from_slice(bytes.as_ref()) {
                return Ok(key);
            }
        }
        Err(KeyStoreError::Platform(
            "random source gives no valid scalar".into(),
        ))
    }

    /// Seals every key under `seal_key` (format in the module documentation). Salt and nonce
    /// come from `rng`. Fails only if `rng` fails.
    pub fn seal(
        &self,
        seal_key: &[u8; 32],
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, KeyStoreError> {
        let plaintext = self.encode_plaintext();
        seal::seal(&KEY_STORE, seal_key, &plaintext, rng)
    }

    /// Opens a blob made by [`SoftwareKeyStore::seal`]. The caller's bytes are only read, so a
    /// failure leaves them intact. Wrong key or tampered ciphertext: [`KeyStoreError::SealBroken`];
    /// bad magic, bad length or contents that do not parse: [`KeyStoreError::Corrupted`].
    pub fn open(sealed: &[u8], seal_key: &[u8; 32]) -> Result<Self, KeyStoreError> {
        let plaintext = seal::open(&KEY_STORE, sealed, seal_key)?;
        let keys = decode_plaintext(&plaintext)?;
        Ok(SoftwareKeyStore {
            keys: RwLock::new(keys),
            rng: Mutex::new(Box::new(SystemRandom)),
        })
    }

    /// The sealed plaintext: canonical CBOR, map keys in RFC 8949 §4.2.1 order (shorter text
    /// first, then bytewise).
    fn encode_plaintext(&self) -> Zeroizing<Vec<u8>> {
        let keys = self.read();
        let mut entries: Vec<(&String, &SigningKey)> = keys.iter().collect();
        entries.sort_by(|a, b| (a.0.len(), a.0.as_bytes()).cmp(&(b.0.len(), b.0.as_bytes())));
        let mut out = Zeroizing::new(Vec::with_capacity(8 + entries.len() * 180));
        cbor_head(&mut out, 5, entries.len() as u64);
        for (alias, key) in entries {
            cbor_head(&mut out, 3, alias.len() as u64);
            out.extend_from_slice(alias.as_bytes());
            cbor_head(&mut out, 4, 2);
            cbor_head(&mut out, 0, 0); // options: always 0 in a software store
            cbor_head(&mut out, 2, 32);
            let scalar = Zeroizing::new(key.to_bytes());
            out.extend_from_slice(scalar.as_slice());
        }
        out
    }
}

/// Writes a CBOR head with the shortest argument (RFC 8949 §4.2.1).
fn cbor_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    match arg {
        0..=23 => out.push(m | arg as u8),
        24..=0xFF => out.extend_from_slice(&[m | 24, arg as u8]),
        0x100..=0xFFFF => {
            out.push(m | 25);
            out.extend_from_slice(&(arg as u16).to_be_bytes());
        }
        0x1_0000..=0xFFFF_FFFF => {
            out.push(m | 26);
            out.extend_from_slice(&(arg as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&arg.to_be_bytes());
        }
    }
}

const BAD: KeyStoreError = KeyStoreError::Corrupted("sealed key store contents");

/// A bounded reader for the one shape the plaintext has. Definite lengths only; every length
/// is checked against the bytes that are really there before anything is allocated.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], KeyStoreError> {
        let (head, rest) = self.0.split_at_checked(n).ok_or(BAD)?;
        self.0 = rest;
        Ok(head)
    }

    fn head(&mut self) -> Result<(u8, u64), KeyStoreError> {
        let first = *self.take(1)?.first().ok_or(BAD)?;
        let (major, info) = (first >> 5, first & 0x1F);
        let arg = match info {
            0..=23 => u64::from(info),
            24 => u64::from(*self.take(1)?.first().ok_or(BAD)?),
            25 => u64::from(u16::from_be_bytes(
                self.take(2)?.try_into().map_err(|_| BAD)?,
            )),
            26 => u64::from(u32::from_be_bytes(
                self.take(4)?.try_into().map_err(|_| BAD)?,
            )),
            27 => u64::from_be_bytes(self.take(8)?.try_into().map_err(|_| BAD)?),
            _ => return Err(BAD), // reserved, or indefinite length
        };
        Ok((major, arg))
    }

    fn expect(&mut self, major: u8) -> Result<u64, KeyStoreError> {
        match self.head()? {
            (m, arg) if m == major => Ok(arg),
            _ => Err(BAD),
        }
    }

    fn bytes(&mut self, major: u8) -> Result<&'a [u8], KeyStoreError> {
        let len = usize::try_from(self.expect(major)?).map_err(|_| BAD)?;
        self.take(len)
    }
}

fn decode_plaintext(plaintext: &[u8]) -> Result<BTreeMap<String, SigningKey>, KeyStoreError> {
    let mut c = Cursor(plaintext);
    let count = c.expect(5)?;
    if count > MAX_KEYS as u64 {
        return Err(KeyStoreError::Corrupted(
            "sealed key store holds too many keys",
        ));
    }
    let mut keys = BTreeMap::new();
    for _ in 0..count {
        let alias = core::str::from_utf8(c.bytes(3)?).map_err(|_| BAD)?;
        check_alias(alias).map_err(|_| BAD)?;
        if c.expect(4)? != 2 {
            return Err(BAD);
        }
        if c.expect(0)? != 0 {
            return Err(KeyStoreError::Corrupted(
                "sealed key has options a software store cannot honour",
            ));
        }
        let scalar = c.bytes(2)?;
        if scalar.len() != 32 {
            return Err(BAD);
        }
        let key = SigningKey::from_slice(scalar).map_err(|_| BAD)?;
        if keys.insert(alias.to_owned(), key).is_some() {
            return Err(KeyStoreError::Corrupted(
                "sealed key store repeats an alias",
            ));
        }
    }
    if !c.0.is_empty() {
        return Err(BAD);
    }
    Ok(keys)
}

impl KeyStore for SoftwareKeyStore {
    fn generate(&self, alias: &str, options: KeyOptions) -> Result<DevicePublicKey, KeyStoreError> {
        check_alias(alias)?;
        if options.hardware_required || options.user_authentication_required {
            return Err(KeyStoreError::HardwareUnavailable);
        }
        if self.read().contains_key(alias) {
            return Err(KeyStoreError::AlreadyExists);
        }
        let key = self.new_key()?;
        let public = public_of(&key)?;
        let mut keys = self.write();
        // Checked again under the write lock: another thread may have won the race.
        if keys.contains_key(alias) {
            return Err(KeyStoreError::AlreadyExists);
        }
        if keys.len() >= MAX_KEYS {
            return Err(KeyStoreError::Platform(format!(
                "a software key store holds at most {MAX_KEYS} keys"
            )));
        }
        keys.insert(alias.to_owned(), key);
        Ok(public)
    }

    fn public_key(&self, alias: &str) -> Result<DevicePublicKey, KeyStoreError> {
        public_of(self.read().get(alias).ok_or(KeyStoreError::NotFound)?)
    }

    fn sign(
        &self,
        alias: &str,
        message: &[u8],
        cancel: &CancelToken,
    ) -> Result<Vec<u8>, KeyStoreError> {
        if cancel.is_cancelled() {
            return Err(KeyStoreError::Cancelled);
        }
        let keys = self.read();
        let key = keys.get(alias).ok_or(KeyStoreError::NotFound)?;
        let sig: Signature = key
            .try_sign(message)
            .map_err(|_| KeyStoreError::Platform("signing failed".into()))?;
        Ok(der_signature(&sig))
    }

    fn delete(&self, alias: &str) -> Result<(), KeyStoreError> {
        self.write()
            .remove(alias)
            .map(drop)
            .ok_or(KeyStoreError::NotFound)
    }

    fn attestation(&self, alias: &str, _challenge: &[u8]) -> Result<Vec<Vec<u8>>, KeyStoreError> {
        if self.read().contains_key(alias) {
            Ok(Vec::new()) // software keys have no attestation
        } else {
            Err(KeyStoreError::NotFound)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::FixedRandom;
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{DerSignature, VerifyingKey};
    use std::sync::Arc;

    fn store() -> SoftwareKeyStore {
        SoftwareKeyStore::new()
    }

    fn verify(public: &DevicePublicKey, msg: &[u8], der: &[u8]) -> bool {
        let vk = VerifyingKey::from_sec1_bytes(public.as_bytes()).unwrap();
        let sig = Signature::from_der(der).unwrap();
        vk.verify(msg, &sig).is_ok()
    }

    #[test]
    fn generate_sign_verify_delete() {
        let s = store();
        let public = s.generate("device", KeyOptions::default()).unwrap();
        assert_eq!(s.public_key("device").unwrap(), public);
        let der = s.sign("device", b"message", &CancelToken::new()).unwrap();
        assert_eq!(der[0], 0x30);
        assert!(verify(&public, b"message", &der));
        assert!(!verify(&public, b"messagf", &der));
        assert_eq!(
            s.attestation("device", b"c").unwrap(),
            Vec::<Vec<u8>>::new()
        );
        s.delete("device").unwrap();
        assert_eq!(s.public_key("device"), Err(KeyStoreError::NotFound));
    }

    #[test]
    fn each_failure_one_by_one() {
        let s = store();
        let c = CancelToken::new();
        // not found
        assert_eq!(s.public_key("x"), Err(KeyStoreError::NotFound));
        assert_eq!(s.sign("x", b"m", &c), Err(KeyStoreError::NotFound));
        assert_eq!(s.delete("x"), Err(KeyStoreError::NotFound));
        assert_eq!(s.attestation("x", b""), Err(KeyStoreError::NotFound));
        // already exists
        s.generate("x", KeyOptions::default()).unwrap();
        assert_eq!(
            s.generate("x", KeyOptions::default()),
            Err(KeyStoreError::AlreadyExists)
        );
        // hardware required / user authentication required: refused, never downgraded
        for options in [
            KeyOptions {
                hardware_required: true,
                user_authentication_required: false,
            },
            KeyOptions {
                hardware_required: false,
                user_authentication_required: true,
            },
        ] {
            assert_eq!(
                s.generate("hw", options),
                Err(KeyStoreError::HardwareUnavailable)
            );
            assert_eq!(s.public_key("hw"), Err(KeyStoreError::NotFound));
        }
        // cancelled before signing
        c.cancel();
        assert_eq!(s.sign("x", b"m", &c), Err(KeyStoreError::Cancelled));
        c.reset();
        assert!(s.sign("x", b"m", &c).is_ok());
        // aliases
        assert!(matches!(
            s.generate("", KeyOptions::default()),
            Err(KeyStoreError::Platform(_))
        ));
        assert!(matches!(
            s.generate(&"a".repeat(MAX_ALIAS_LEN + 1), KeyOptions::default()),
            Err(KeyStoreError::Platform(_))
        ));
        // a random source that fails
        let broken = SoftwareKeyStore::with_random(Box::new(FixedRandom::new(vec![1; 10])));
        assert!(matches!(
            broken.generate("k", KeyOptions::default()),
            Err(KeyStoreError::Platform(_))
        ));
        // an all-zero / all-FF source never gives a valid scalar
        let zero = SoftwareKeyStore::with_random(Box::new(FixedRandom::new(vec![0xFF; 32 * 8])));
        assert!(matches!(
            zero.generate("k", KeyOptions::default()),
            Err(KeyStoreError::Platform(_))
        ));
    }

    #[test]
    fn der_encoding_pads_and_trims() {
        // r with its top bit set (padded), s with leading zero bytes (trimmed).
        let mut raw = [0u8; 64];
        raw[0] = 0x80;
        raw[31] = 1;
        raw[34] = 0x12;
        raw[63] = 3;
        let sig = Signature::from_slice(&raw).unwrap();
        let der = der_signature(&sig);
        assert_eq!(&der[..5], &[0x30, 35 + 32, 0x02, 33, 0x00]);
        assert_eq!(DerSignature::from_bytes(&der).unwrap().as_bytes(), &der[..]);
        assert_eq!(Signature::from_der(&der).unwrap(), sig);
    }

    #[test]
    fn seal_open_round_trip_keeps_keys() {
        let s = store();
        let pa = s.generate("a", KeyOptions::default()).unwrap();
        let pb = s.generate("bb", KeyOptions::default()).unwrap();
        let key = [9u8; 32];
        let sealed = s.seal(&key, &mut SystemRandom).unwrap();
        let t = SoftwareKeyStore::open(&sealed, &key).unwrap();
        assert_eq!(t.aliases(), vec!["a".to_owned(), "bb".to_owned()]);
        assert_eq!(t.public_key("a").unwrap(), pa);
        let der = t.sign("bb", b"m", &CancelToken::new()).unwrap();
        assert!(verify(&pb, b"m", &der));
        // An empty store seals and opens too.
        let e = SoftwareKeyStore::new()
            .seal(&key, &mut SystemRandom)
            .unwrap();
        assert!(SoftwareKeyStore::open(&e, &key).unwrap().is_empty());
    }

    #[test]
    fn plaintext_is_canonical_cbor() {
        let s = SoftwareKeyStore::with_random(Box::new(FixedRandom::new(vec![0x11; 64])));
        s.generate("bb", KeyOptions::default()).unwrap();
        s.generate("c", KeyOptions::default()).unwrap();
        let p = s.encode_plaintext();
        let mut expected = vec![0xA2, 0x61, b'c', 0x82, 0x00, 0x58, 0x20];
        expected.extend_from_slice(&[0x11; 32]);
        expected.extend_from_slice(&[0x62, b'b', b'b', 0x82, 0x00, 0x58, 0x20]);
        expected.extend_from_slice(&[0x11; 32]);
        assert_eq!(p.as_slice(), &expected[..]);
        // ciborium agrees that it is one well-formed item.
        let v: ciborium::Value = ciborium::from_reader(p.as_slice()).unwrap();
        assert_eq!(v.as_map().unwrap().len(), 2);
    }

    #[test]
    fn wrong_key_and_corruption_one_by_one() {
        let s = store();
        s.generate("device", KeyOptions::default()).unwrap();
        let key = [3u8; 32];
        let sealed = s.seal(&key, &mut SystemRandom).unwrap();
        let copy = sealed.clone();
        // wrong key
        let mut wrong = key;
        wrong[31] ^= 1;
        assert_eq!(
            SoftwareKeyStore::open(&sealed, &wrong).err(),
            Some(KeyStoreError::SealBroken)
        );
        // each byte flipped: magic -> Corrupted, anything else -> SealBroken
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 0x01;
            let e = SoftwareKeyStore::open(&t, &key).err().unwrap();
            if i < 4 {
                assert!(matches!(e, KeyStoreError::Corrupted(_)), "byte {i}: {e:?}");
            } else {
                assert_eq!(e, KeyStoreError::SealBroken, "byte {i}");
            }
        }
        // truncated and extended
        for n in [0, 3, 4, seal::OVERHEAD - 1] {
            assert!(matches!(
                SoftwareKeyStore::open(&sealed[..n], &key),
                Err(KeyStoreError::Corrupted(_))
            ));
        }
        assert_eq!(
            SoftwareKeyStore::open(&sealed[..sealed.len() - 1], &key).err(),
            Some(KeyStoreError::SealBroken)
        );
        let mut longer = sealed.clone();
        longer.push(0);
        assert_eq!(
            SoftwareKeyStore::open(&longer, &key).err(),
            Some(KeyStoreError::SealBroken)
        );
        let mut huge = sealed.clone();
        huge.resize(KEY_STORE.max_len + 1, 0);
        assert!(matches!(
            SoftwareKeyStore::open(&huge, &key),
            Err(KeyStoreError::Corrupted(_))
        ));
        // the caller's bytes are untouched, and still open with the right key
        assert_eq!(sealed, copy);
        assert_eq!(SoftwareKeyStore::open(&sealed, &key).unwrap().len(), 1);
    }

    /// Authentic blobs (sealed under the right key) whose plaintext is not a key store.
    #[test]
    fn authentic_but_malformed_contents_are_corrupted() {
        let key = [5u8; 32];
        let scalar = [0x22u8; 32];
        let entry = |alias: &[u8], opts: u8, scalar: &[u8]| {
            let mut v = vec![0x60 | alias.len() as u8];
            v.extend_from_slice(alias);
            v.extend_from_slice(&[0x82, opts, 0x58, scalar.len() as u8]);
            v.extend_from_slice(scalar);
            v
        };
        let good = [vec![0xA1], entry(b"a", 0, &scalar)].concat();
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xA1],
            vec![0xBF, 0xFF], // indefinite map
            vec![0x80],       // array, not map
            vec![0xBB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], // absurd count
            [good.clone(), vec![0x00]].concat(), // trailing byte
            [vec![0xA1], entry(b"a", 1, &scalar)].concat(), // options 1
            [vec![0xA1], entry(b"a", 0, &scalar[..31])].concat(), // short scalar
            [vec![0xA1], entry(b"a", 0, &[0u8; 32])].concat(), // zero scalar
            [vec![0xA1], entry(b"a", 0, &[0xFFu8; 32])].concat(), // scalar >= n
            [vec![0xA1], entry(b"", 0, &scalar)].concat(), // empty alias
            [vec![0xA1], entry(&[0xC3, 0x28], 0, &scalar)].concat(), // not UTF-8
            [vec![0xA2], entry(b"a", 0, &scalar), entry(b"a", 0, &scalar)].concat(), // repeat
        ];
        let ok = seal::seal(&KEY_STORE, &key, &good, &mut SystemRandom).unwrap();
        assert_eq!(SoftwareKeyStore::open(&ok, &key).unwrap().len(), 1);
        for (i, p) in cases.iter().enumerate() {
            let blob = seal::seal(&KEY_STORE, &key, p, &mut SystemRandom).unwrap();
            assert!(
                matches!(
                    SoftwareKeyStore::open(&blob, &key),
                    Err(KeyStoreError::Corrupted(_))
                ),
                "case {i}"
            );
        }
    }

    #[test]
    fn concurrent_generate_sign_delete_seal() {
        let s = Arc::new(store());
        s.generate("shared", KeyOptions::default()).unwrap();
        let public = s.public_key("shared").unwrap();
        let handles: Vec<_> = (0..6)
            .map(|t| {
                let s = Arc::clone(&s);
                let public = public.clone();
                std::thread::spawn(move || {
                    let c = CancelToken::new();
                    for i in 0..10 {
                        let alias = format!("t{t}-{i}");
                        let p = s.generate(&alias, KeyOptions::default()).unwrap();
                        let msg = alias.as_bytes();
                        assert!(verify(&p, msg, &s.sign(&alias, msg, &c).unwrap()));
                        assert!(verify(&public, msg, &s.sign("shared", msg, &c).unwrap()));
                        // Everyone races for the same alias: exactly one wins each round.
                        let _ = s.generate(&format!("race-{i}"), KeyOptions::default());
                        if i % 2 == 0 {
                            s.delete(&alias).unwrap();
                        }
                        let _ = s.seal(&[0; 32], &mut SystemRandom).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        // shared + 6 threads * 5 kept + 10 race winners
        assert_eq!(s.len(), 1 + 30 + 10);
    }

    #[test]
    fn debug_is_redacted() {
        let s = SoftwareKeyStore::with_random(Box::new(FixedRandom::new(vec![0x11; 32])));
        s.generate("secret-alias", KeyOptions::default()).unwrap();
        let d = format!("{s:?}");
        assert_eq!(d, "SoftwareKeyStore(1 keys, <redacted>)");
    }
}
