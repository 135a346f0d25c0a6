//! Access keys: what the caller gives to open a chip (MRZ data, CAN or PIN).
//!
//! This module owns [`AccessKey`] and its validation, and the password bytes PACE derives its
//! key from. It does not run any protocol (BAC and PACE live elsewhere) and never logs or
//! displays a key: every type zeroizes on drop and has a redacted `Debug`, and errors name the
//! kind of key, never its value.
//!
//! BAC (ICAO 9303-11 §4.3) only works with [`AccessKey::Mrz`]; CAN and PIN are PACE passwords.

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::Error;
use crate::mrz::{Mrz, MrzKey};

/// Which kind of access key (the PACE password reference: MRZ = 1, CAN = 2, PIN = 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessKeyKind {
    /// Document number, date of birth, date of expiry (BAC or PACE).
    Mrz,
    /// Card Access Number printed on the document (PACE only).
    Can,
    /// Personal Identification Number (PACE only).
    Pin,
}

/// Six decimal digits, validated. Shared by [`Can`] and [`Pin`].
fn six_digits(text: &str, what: &'static str) -> Result<[u8; 6], Error> {
    let mut digits = [0u8; 6];
    let bytes = text.trim().as_bytes();
    if bytes.len() != digits.len() || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(Error::InvalidInput(what));
    }
    digits.copy_from_slice(bytes);
    Ok(digits)
}

/// A Card Access Number: 6 decimal digits printed on the document.
///
/// Zeroized on drop; `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Can([u8; 6]);

impl Can {
    /// Validates a CAN: exactly 6 decimal digits (surrounding whitespace ignored).
    pub fn new(text: &str) -> Result<Self, Error> {
        six_digits(text, "CAN must be 6 decimal digits").map(Can)
    }

    /// The ASCII digits.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Can {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Can(<redacted>)")
    }
}

/// A PIN: 6 decimal digits.
///
/// Zeroized on drop; `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Pin([u8; 6]);

impl Pin {
    /// Validates a PIN: exactly 6 decimal digits (surrounding whitespace ignored). Five-digit
    /// transport PINs are not accepted.
    pub fn new(text: &str) -> Result<Self, Error> {
        six_digits(text, "PIN must be 6 decimal digits").map(Pin)
    }

    /// The ASCII digits.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

/// What the caller gives to open a chip.
///
/// BAC accepts only [`AccessKey::Mrz`]; PACE accepts all three. Each variant zeroizes its
/// secret on drop; `Debug` shows the kind only.
#[derive(Clone)]
pub enum AccessKey {
    /// MRZ data: document number, date of birth, date of expiry.
    Mrz(MrzKey),
    /// Card Access Number.
    Can(Can),
    /// PIN.
    Pin(Pin),
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessKey::Mrz(_) => f.write_str("AccessKey::Mrz(<redacted>)"),
            AccessKey::Can(_) => f.write_str("AccessKey::Can(<redacted>)"),
            AccessKey::Pin(_) => f.write_str("AccessKey::Pin(<redacted>)"),
        }
    }
}

impl From<MrzKey> for AccessKey {
    fn from(key: MrzKey) -> Self {
        AccessKey::Mrz(key)
    }
}

impl From<&Mrz> for AccessKey {
    fn from(mrz: &Mrz) -> Self {
        AccessKey::Mrz(mrz.key())
    }
}

impl AccessKey {
    /// The MRZ key of a full MRZ text (see [`Mrz::parse`]: every check digit is verified).
    pub fn from_mrz_text(text: &str) -> Result<Self, Error> {
        Ok(AccessKey::Mrz(Mrz::parse(text)?.key()))
    }

    /// An MRZ key from its three values (see [`MrzKey::new`]).
    pub fn mrz(document_number: &str, birth: &str, expiry: &str) -> Result<Self, Error> {
        Ok(AccessKey::Mrz(MrzKey::new(document_number, birth, expiry)?))
    }

    /// A CAN (6 decimal digits).
    pub fn can(text: &str) -> Result<Self, Error> {
        Can::new(text).map(AccessKey::Can)
    }

    /// A PIN (6 decimal digits).
    pub fn pin(text: &str) -> Result<Self, Error> {
        Pin::new(text).map(AccessKey::Pin)
    }

    /// Which kind of key this is.
    pub fn kind(&self) -> AccessKeyKind {
        match self {
            AccessKey::Mrz(_) => AccessKeyKind::Mrz,
            AccessKey::Can(_) => AccessKeyKind::Can,
            AccessKey::Pin(_) => AccessKeyKind::Pin,
        }
    }

    /// The MRZ key, if this is one (what BAC needs).
    pub fn as_mrz(&self) -> Option<&MrzKey> {
        match self {
            AccessKey::Mrz(k) => Some(k),
            _ => None,
        }
    }

    /// The PACE password π (ICAO 9303-11 §4.4.3.1 / §9.7.3): for an MRZ key, SHA-1 of the
    /// MRZ information (20 bytes); for a CAN or PIN, its ASCII digits. PACE then derives
    /// `K_π = KDF_π(π)` from these bytes.
    pub fn password_bytes(&self) -> Zeroizing<Vec<u8>> {
        match self {
            AccessKey::Mrz(k) => Zeroizing::new(k.mrz_information_sha1().to_vec()),
            AccessKey::Can(c) => Zeroizing::new(c.as_bytes().to_vec()),
            AccessKey::Pin(p) => Zeroizing::new(p.as_bytes().to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use serde_json::Value;

    fn vectors() -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-vectors/mrz.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    const VICC: &str =
        "P<UTOERIKSSON<<ANNA<MARIX<<<<<<<<<<<<<<<<<<<L898902C<3UTO6908061F9406236ZE184226B<<<<<14";

    #[test]
    fn can_and_pin() {
        let can = AccessKey::can("123456").unwrap();
        assert_eq!(can.kind(), AccessKeyKind::Can);
        assert_eq!(can.password_bytes().as_slice(), b"123456");
        assert!(can.as_mrz().is_none());
        let pin = AccessKey::pin(" 000000\n").unwrap();
        assert_eq!(pin.kind(), AccessKeyKind::Pin);
        assert_eq!(pin.password_bytes().as_slice(), b"000000");
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "12 456",
            "١٢٣٤٥٦",
            "-12345",
        ] {
            for e in [
                AccessKey::can(bad).unwrap_err(),
                AccessKey::pin(bad).unwrap_err(),
            ] {
                assert_eq!(e.kind(), ErrorKind::InvalidInput);
                if !bad.is_empty() {
                    assert!(!e.to_string().contains(bad));
                }
            }
        }
        assert_eq!(
            AccessKey::can("1").unwrap_err().to_string(),
            "invalid input: CAN must be 6 decimal digits"
        );
    }

    #[test]
    fn mrz_keys() {
        let v = vectors();
        let d = &v["bac_appendix_D"];
        let key = AccessKey::from_mrz_text(VICC).unwrap();
        assert_eq!(key.kind(), AccessKeyKind::Mrz);
        let seed = key.as_mrz().unwrap().key_seed();
        assert_eq!(
            seed.as_slice(),
            hex::decode(d["k_seed"].as_str().unwrap()).unwrap()
        );
        assert_eq!(
            key.password_bytes().as_slice(),
            hex::decode(d["sha1_mrz_information"].as_str().unwrap()).unwrap()
        );
        // PACE Appendix G.1: π for an MRZ = SHA-1(MRZ information).
        let g1 = &v["pace_mrz_passwords"][0];
        let key = AccessKey::mrz(
            g1["document_number"].as_str().unwrap(),
            g1["date_of_birth"].as_str().unwrap(),
            g1["date_of_expiry"].as_str().unwrap(),
        )
        .unwrap();
        assert_eq!(
            key.password_bytes().as_slice(),
            hex::decode(g1["sha1_mrz_information"].as_str().unwrap()).unwrap()
        );
        let e = AccessKey::from_mrz_text(&VICC.replace("14", "15")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            e.to_string(),
            "MRZ: composite check digit: check digit does not match"
        );
        let e = AccessKey::mrz("L898902C", "691306", "940623").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let mrz = Mrz::parse(VICC).unwrap();
        let from: AccessKey = (&mrz).into();
        assert_eq!(from.password_bytes(), key_of(VICC).password_bytes());
    }

    fn key_of(text: &str) -> AccessKey {
        AccessKey::from(Mrz::parse(text).unwrap().key())
    }

    #[test]
    fn debug_is_redacted() {
        for (key, secret) in [
            (AccessKey::can("987654").unwrap(), "987654"),
            (AccessKey::pin("135790").unwrap(), "135790"),
            (AccessKey::from_mrz_text(VICC).unwrap(), "L898902C"),
            (AccessKey::from_mrz_text(VICC).unwrap(), "690806"),
        ] {
            let dbg = format!("{key:?}");
            assert!(!dbg.contains(secret), "{dbg}");
            assert!(dbg.contains("redacted"));
        }
        assert_eq!(
            format!("{:?}", Can::new("987654").unwrap()),
            "Can(<redacted>)"
        );
        assert_eq!(
            format!("{:?}", Pin::new("987654").unwrap()),
            "Pin(<redacted>)"
        );
    }
}
