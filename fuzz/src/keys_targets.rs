//! Fuzz targets for the key store's sealed blob and the enrolment record (issue 5).
//!
//! `sealed_keystore` feeds the input twice: as a sealed blob to `SoftwareKeyStore::open` (which
//! almost always stops at the AES-GCM tag), and as the *plaintext* of a blob sealed here under
//! a fixed key, so that the contents parser behind the tag is what gets fuzzed. `enrolment`
//! feeds the input to `enrolment::parse_and_verify` (which parses every field before checking
//! the signature) and to `enrolment::open_record`.

use monid_core::enrolment;
use monid_core::keys::seal::{self, KEY_STORE};
use monid_core::keys::{KeyStore, SoftwareKeyStore};
use monid_core::rand::FixedRandom;

/// The seal key the seeds are sealed under.
pub const SEAL_KEY: [u8; 32] = [0x42; 32];

fn zero_rng() -> FixedRandom {
    FixedRandom::new(vec![0; 28])
}

fn check_store(store: &SoftwareKeyStore) {
    // An opened store re-seals and re-opens to the same keys.
    let again = store.seal(&SEAL_KEY, &mut zero_rng()).expect("re-seal");
    let reopened = SoftwareKeyStore::open(&again, &SEAL_KEY).expect("re-open");
    assert_eq!(store.aliases(), reopened.aliases());
    for alias in store.aliases() {
        assert_eq!(
            store.public_key(&alias).expect("public key"),
            reopened.public_key(&alias).expect("public key")
        );
    }
    let _ = format!("{store:?}");
}

/// `SoftwareKeyStore::open` on the input as a blob, then on the input as sealed contents.
pub fn sealed_keystore(data: &[u8]) {
    if let Ok(store) = SoftwareKeyStore::open(data, &SEAL_KEY) {
        check_store(&store);
    }
    if let Ok(blob) = seal::seal(&KEY_STORE, &SEAL_KEY, data, &mut zero_rng()) {
        if let Ok(store) = SoftwareKeyStore::open(&blob, &SEAL_KEY) {
            check_store(&store);
        }
    }
}

/// `enrolment::parse_and_verify` and `enrolment::open_record`.
pub fn enrolment(data: &[u8]) {
    if let Ok(v) = enrolment::parse_and_verify(data) {
        assert_eq!(v.id, enrolment::enrolment_id(data));
        assert_eq!(v.signed.as_bytes(), data);
        let _ = v.record.to_payload().expect("a parsed record re-encodes");
        let _ = format!("{v:?}");
    }
    let _ = enrolment::open_record(data, &SEAL_KEY);
}
