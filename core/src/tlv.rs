//! BER-TLV (ISO/IEC 7816-4 / ICAO 9303-10) reading and writing, without panics.
//!
//! This module owns the tag-length-value layer of LDS files and secure-messaging objects. It reads
//! definite lengths only (LDS files and SM objects never use the indefinite form; the CMS layer has
//! its own lenient BER reader) and accepts non-minimal long-form lengths such as `81 7F`, which
//! real chips and emulators write. A [`Reader`] never reads past its input: every length is checked
//! against what remains, so a hostile length cannot cause an allocation or a panic.

/// Why a TLV structure could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlvError {
    /// The input ended inside a tag, length or value.
    #[error("truncated TLV")]
    Truncated,
    /// A length form that is not allowed (indefinite, or more than four length bytes).
    #[error("unsupported TLV length form")]
    BadLength,
    /// A tag longer than three bytes.
    #[error("TLV tag too long")]
    BadTag,
    /// A different tag was found where a specific one is required.
    #[error("unexpected tag {found:#X}, expected {expected:#X}")]
    UnexpectedTag {
        /// Tag found.
        found: u32,
        /// Tag expected.
        expected: u32,
    },
    /// Bytes remained after the last object where none are allowed.
    #[error("trailing data after TLV")]
    TrailingData,
    /// A required object is missing.
    #[error("required object {0:#X} missing")]
    Missing(u32),
    /// An object's content is not valid for its tag.
    #[error("invalid content in object {0:#X}")]
    InvalidContent(u32),
}

/// One TLV object borrowed from its input.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag, with its class and constructed bits (e.g. 0x5F1F, 0x7F61).
    pub tag: u32,
    /// The value bytes.
    pub value: &'a [u8],
    /// Length of the tag and length fields.
    pub header_len: usize,
}

impl core::fmt::Debug for Tlv<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Tlv({:#X}, len={})", self.tag, self.value.len())
    }
}

impl<'a> Tlv<'a> {
    /// True when the constructed bit of the first tag byte is set.
    pub fn is_constructed(&self) -> bool {
        let first = if self.tag > 0xFFFF {
            self.tag >> 16
        } else if self.tag > 0xFF {
            self.tag >> 8
        } else {
            self.tag
        };
        first & 0x20 != 0
    }

    /// A reader over the value, for constructed objects.
    pub fn children(&self) -> Reader<'a> {
        Reader::new(self.value)
    }

    /// Total encoded length.
    pub fn encoded_len(&self) -> usize {
        self.header_len + self.value.len()
    }
}

/// A forward-only reader over TLV objects.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

/// Reads a tag and a length at the start of `input`: returns (tag, value length, header length).
/// The value length is not checked against `input`; use this to learn a file's total length from
/// its first bytes.
pub fn read_header(input: &[u8]) -> Result<(u32, usize, usize), TlvError> {
    let mut it = input.iter().copied();
    let first = it.next().ok_or(TlvError::Truncated)?;
    let mut tag = u32::from(first);
    let mut used = 1usize;
    if first & 0x1F == 0x1F {
        loop {
            let b = it.next().ok_or(TlvError::Truncated)?;
            used += 1;
            if used > 3 {
                return Err(TlvError::BadTag);
            }
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let l0 = it.next().ok_or(TlvError::Truncated)?;
    used += 1;
    let len = if l0 < 0x80 {
        usize::from(l0)
    } else {
        let n = usize::from(l0 & 0x7F);
        if n == 0 || n > 4 {
            return Err(TlvError::BadLength);
        }
        let mut len = 0usize;
        for _ in 0..n {
            let b = it.next().ok_or(TlvError::Truncated)?;
            len = (len << 8) | usize::from(b);
        }
        used += n;
        len
    };
    Ok((tag, len, used))
}

impl<'a> Reader<'a> {
    /// A reader over `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Reader { input, pos: 0 }
    }

    /// True when all input has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.input.len()
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.input.get(self.pos..).unwrap_or(&[])
    }

    /// Reads the next object.
    pub fn read(&mut self) -> Result<Tlv<'a>, TlvError> {
        let rest = self.rest();
        let (tag, len, header_len) = read_header(rest)?;
        let end = header_len.checked_add(len).ok_or(TlvError::Truncated)?;
        let value = rest.get(header_len..end).ok_or(TlvError::Truncated)?;
        self.pos += end;
        Ok(Tlv {
            tag,
            value,
            header_len,
        })
    }

    /// Reads the next object and requires its tag.
    pub fn expect(&mut self, tag: u32) -> Result<Tlv<'a>, TlvError> {
        let tlv = self.read()?;
        if tlv.tag != tag {
            return Err(TlvError::UnexpectedTag {
                found: tlv.tag,
                expected: tag,
            });
        }
        Ok(tlv)
    }

    /// Reads every remaining object.
    pub fn read_all(mut self) -> Result<Vec<Tlv<'a>>, TlvError> {
        let mut out = Vec::new();
        while !self.is_empty() {
            out.push(self.read()?);
        }
        Ok(out)
    }

    /// Finds the first remaining object with `tag` at this level (skipping others).
    pub fn find(mut self, tag: u32) -> Result<Option<Tlv<'a>>, TlvError> {
        while !self.is_empty() {
            let tlv = self.read()?;
            if tlv.tag == tag {
                return Ok(Some(tlv));
            }
        }
        Ok(None)
    }

    /// Requires that all input has been read.
    pub fn finish(self) -> Result<(), TlvError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(TlvError::TrailingData)
        }
    }
}

/// Reads exactly one object spanning all of `input`.
pub fn parse_single(input: &[u8], tag: u32) -> Result<Tlv<'_>, TlvError> {
    let mut r = Reader::new(input);
    let tlv = r.expect(tag)?;
    r.finish()?;
    Ok(tlv)
}

/// Appends the encoding of a tag to `out`.
pub fn write_tag(out: &mut Vec<u8>, tag: u32) {
    if tag > 0xFFFF {
        out.push((tag >> 16) as u8);
    }
    if tag > 0xFF {
        out.push((tag >> 8) as u8);
    }
    out.push(tag as u8);
}

/// Appends a DER length (minimal form) to `out`.
pub fn write_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xFF {
        out.extend_from_slice(&[0x81, len as u8]);
    } else if len <= 0xFFFF {
        out.push(0x82);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else if len <= 0xFF_FFFF {
        out.push(0x83);
        out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
    } else {
        out.push(0x84);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

/// Encodes one TLV object.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    write_tag(&mut out, tag);
    write_len(&mut out, value.len());
    out.extend_from_slice(value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_objects_and_long_forms() {
        let dg1 = encode(0x61, &encode(0x5F1F, b"P<UTO"));
        let outer = parse_single(&dg1, 0x61).unwrap();
        assert!(outer.is_constructed());
        let inner = outer.children().expect(0x5F1F).unwrap();
        assert_eq!(inner.value, b"P<UTO");
        // Non-minimal length 81 7F, as vicc writes it.
        let mut odd = vec![0x04, 0x81, 0x7F];
        odd.extend_from_slice(&[0xAA; 0x7F]);
        assert_eq!(parse_single(&odd, 0x04).unwrap().value.len(), 0x7F);
        // Three-byte tag.
        let t = encode(0x5F_8F_01, b"x");
        assert_eq!(parse_single(&t, 0x5F_8F_01).unwrap().value, b"x");
        assert_eq!(
            read_header(&[0x7F, 0x61, 0x82, 0x80, 0x00]).unwrap(),
            (0x7F61, 0x8000, 5)
        );
    }

    #[test]
    fn rejects_hostile_lengths_without_panic() {
        assert_eq!(
            parse_single(&[0x61, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], 0x61),
            Err(TlvError::Truncated)
        );
        assert_eq!(parse_single(&[0x61, 0x80], 0x61), Err(TlvError::BadLength));
        assert_eq!(
            parse_single(&[0x61, 0x85, 1, 1, 1, 1, 1], 0x61),
            Err(TlvError::BadLength)
        );
        assert_eq!(parse_single(&[0x5F], 0x5F), Err(TlvError::Truncated));
        assert_eq!(
            parse_single(&[0x5F, 0x81, 0x81, 0x81, 0], 0),
            Err(TlvError::BadTag)
        );
        assert_eq!(
            parse_single(&[0x61, 0, 0], 0x61),
            Err(TlvError::TrailingData)
        );
        assert!(matches!(
            parse_single(&[0x62, 0], 0x61),
            Err(TlvError::UnexpectedTag { .. })
        ));
    }
}
