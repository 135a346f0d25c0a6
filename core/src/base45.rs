//! Base45 (RFC 9285): the text encoding of QR challenges.
//!
//! This module owns encoding bytes into the 45-character QR alphanumeric alphabet and strict
//! decoding back (every character in the alphabet, no triplet above 65535, no length of 1 mod 3).
//! It knows nothing about COSE or challenges.

/// The RFC 9285 alphabet: value i is `ALPHABET[i]`.
const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Why a base45 string did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Base45Error {
    /// A character outside the alphabet (lower case included).
    #[error("character outside the base45 alphabet")]
    BadCharacter,
    /// A length of 1 mod 3, or a group whose value exceeds its byte width.
    #[error("invalid base45 length or group value")]
    BadGroup,
}

/// Encodes `input` (two bytes -> three characters, a last single byte -> two characters).
pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(2) * 3);
    let mut push = |v: usize| {
        if let Some(&c) = ALPHABET.get(v % 45) {
            out.push(char::from(c));
        }
    };
    for chunk in input.chunks(2) {
        match *chunk {
            [a, b] => {
                let n = usize::from(a) * 256 + usize::from(b);
                push(n);
                push(n / 45);
                push(n / 2025);
            }
            [a] => {
                let n = usize::from(a);
                push(n);
                push(n / 45);
            }
            _ => {}
        }
    }
    out
}

fn value(c: u8) -> Result<u32, Base45Error> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .map(|p| p as u32)
        .ok_or(Base45Error::BadCharacter)
}

/// Decodes a base45 string strictly.
pub fn decode(input: &str) -> Result<Vec<u8>, Base45Error> {
    let bytes = input.as_bytes();
    if bytes.len() % 3 == 1 {
        return Err(Base45Error::BadGroup);
    }
    let mut out = Vec::with_capacity(bytes.len() / 3 * 2 + 1);
    for group in bytes.chunks(3) {
        match *group {
            [c, d, e] => {
                let n = value(c)? + value(d)? * 45 + value(e)? * 2025;
                let pair = u16::try_from(n).map_err(|_| Base45Error::BadGroup)?;
                out.extend_from_slice(&pair.to_be_bytes());
            }
            [c, d] => {
                let n = value(c)? + value(d)? * 45;
                out.push(u8::try_from(n).map_err(|_| Base45Error::BadGroup)?);
            }
            _ => return Err(Base45Error::BadGroup),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9285_vectors() {
        let path = format!(
            "{}/../test-vectors/base45/rfc9285.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for t in v["encode"].as_array().unwrap() {
            let (i, o) = (t["input"].as_str().unwrap(), t["output"].as_str().unwrap());
            assert_eq!(encode(i.as_bytes()), o);
            assert_eq!(decode(o).unwrap(), i.as_bytes());
        }
        for t in v["decode"].as_array().unwrap() {
            let (i, o) = (t["input"].as_str().unwrap(), t["output"].as_str().unwrap());
            assert_eq!(decode(i).unwrap(), o.as_bytes());
            assert_eq!(encode(o.as_bytes()), i);
        }
        for bad in v["invalid"].as_array().unwrap() {
            assert!(decode(bad.as_str().unwrap()).is_err(), "{bad}");
        }
    }

    #[test]
    fn round_trip_all_pairs_edges() {
        for data in [
            &[][..],
            &[0],
            &[255],
            &[255, 255],
            &[0, 0, 0],
            &[1, 2, 3, 4, 5],
        ] {
            assert_eq!(decode(&encode(data)).unwrap(), data);
        }
        assert_eq!(encode(&[255, 255]), "FGW");
        assert_eq!(decode("FGW").unwrap(), [255, 255]);
        assert_eq!(decode("GGW"), Err(Base45Error::BadGroup));
        assert_eq!(decode("U5").unwrap(), [255]); // 30 + 5 * 45
        assert_eq!(decode("76"), Err(Base45Error::BadGroup)); // 7 + 6 * 45 = 277
    }
}
