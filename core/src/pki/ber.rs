//! A lenient BER reader for CMS and X.509 structures as issued.
//!
//! This module owns reading ASN.1 BER without panics or unbounded allocation: definite lengths
//! in any form (non-minimal `81 7F` included), indefinite lengths (`80` ... `00 00`) at any depth,
//! and constructed string types. Every [`Element`] keeps the exact bytes it was read from
//! (`raw`), so signatures are always checked over the bytes as encoded, never over a
//! re-encoding. [`Element::to_der`] normalises an element to DER lengths (definite, minimal;
//! constructed strings flattened) for strict parsers such as `x509-cert`; it does not reorder
//! SET OF contents. It knows nothing of CMS or certificates: [`crate::pki::cms`] and
//! [`crate::pki::cert`] build on it.

/// How deep structures may nest before the input is rejected.
pub const MAX_DEPTH: usize = 32;

/// Why BER could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BerError {
    /// The input ended inside an element.
    #[error("truncated BER")]
    Truncated,
    /// A length form BER does not allow (more than four length bytes, or indefinite on a
    /// primitive element).
    #[error("invalid BER length")]
    BadLength,
    /// A tag number that does not fit 21 bits (three tag bytes).
    #[error("BER tag too long")]
    BadTag,
    /// Structures nest deeper than [`MAX_DEPTH`].
    #[error("BER nesting too deep")]
    TooDeep,
    /// A different tag was found where a specific one is required.
    #[error("unexpected tag {found:#X}, expected {expected:#X}")]
    UnexpectedTag {
        /// Tag found.
        found: u32,
        /// Tag expected.
        expected: u32,
    },
    /// Bytes remained after the last element where none are allowed.
    #[error("trailing data after BER element")]
    TrailingData,
    /// A required element is missing.
    #[error("missing BER element")]
    Missing,
}

/// One BER element, borrowed from its input.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Element<'a> {
    /// The tag as its encoded bytes read big-endian (0x30 SEQUENCE, 0xA0 `[0]` constructed ...).
    pub tag: u32,
    /// The whole encoding: tag, length, content and, for indefinite lengths, the end-of-contents
    /// octets.
    pub raw: &'a [u8],
    /// The content octets (for indefinite lengths: between the header and end-of-contents).
    pub content: &'a [u8],
    /// True when the length was indefinite.
    pub indefinite: bool,
}

impl core::fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Element({:#X}, len={}{})",
            self.tag,
            self.content.len(),
            if self.indefinite { ", indefinite" } else { "" }
        )
    }
}

fn first_tag_byte(tag: u32) -> u8 {
    // Tags are 1 to 4 bytes (see `read_at_depth`); the first is the most significant non-zero.
    tag.to_be_bytes().into_iter().find(|&b| b != 0).unwrap_or(0)
}

/// Reads one element at the start of `input`; returns it and the rest.
pub fn read(input: &[u8]) -> Result<(Element<'_>, &[u8]), BerError> {
    read_at_depth(input, 0)
}

fn read_at_depth(input: &[u8], depth: usize) -> Result<(Element<'_>, &[u8]), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::TooDeep);
    }
    let mut pos = 0usize;
    let next = |pos: &mut usize| -> Result<u8, BerError> {
        let b = *input.get(*pos).ok_or(BerError::Truncated)?;
        *pos += 1;
        Ok(b)
    };
    let first = next(&mut pos)?;
    let mut tag = u32::from(first);
    if first & 0x1F == 0x1F {
        loop {
            let b = next(&mut pos)?;
            if pos > 4 {
                return Err(BerError::BadTag);
            }
            tag = (tag << 8) | u32::from(b);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let constructed = first & 0x20 != 0;
    let l0 = next(&mut pos)?;
    if l0 == 0x80 {
        if !constructed {
            return Err(BerError::BadLength);
        }
        // Indefinite: children until end-of-contents (00 00).
        let start = pos;
        let mut rest = input.get(pos..).ok_or(BerError::Truncated)?;
        loop {
            if rest.len() < 2 {
                return Err(BerError::Truncated);
            }
            if rest.first() == Some(&0) && rest.get(1) == Some(&0) {
                let content_end = input.len() - rest.len();
                let end = content_end + 2;
                let content = input.get(start..content_end).ok_or(BerError::Truncated)?;
                let raw = input.get(..end).ok_or(BerError::Truncated)?;
                let tail = input.get(end..).ok_or(BerError::Truncated)?;
                return Ok((
                    Element {
                        tag,
                        raw,
                        content,
                        indefinite: true,
                    },
                    tail,
                ));
            }
            let (_, after) = read_at_depth(rest, depth + 1)?;
            rest = after;
        }
    }
    let len = if l0 < 0x80 {
        usize::from(l0)
    } else {
        let n = usize::from(l0 & 0x7F);
        if n > 4 {
            return Err(BerError::BadLength);
        }
        let mut len = 0usize;
        for _ in 0..n {
            len = (len << 8) | usize::from(next(&mut pos)?);
        }
        len
    };
    let end = pos.checked_add(len).ok_or(BerError::Truncated)?;
    let content = input.get(pos..end).ok_or(BerError::Truncated)?;
    let raw = input.get(..end).ok_or(BerError::Truncated)?;
    let tail = input.get(end..).ok_or(BerError::Truncated)?;
    Ok((
        Element {
            tag,
            raw,
            content,
            indefinite: false,
        },
        tail,
    ))
}

/// Reads exactly one element spanning all of `input` (trailing bytes are an error).
pub fn read_single(input: &[u8]) -> Result<Element<'_>, BerError> {
    let (e, rest) = read(input)?;
    if !rest.is_empty() {
        return Err(BerError::TrailingData);
    }
    Ok(e)
}

/// Iterates over the children of a constructed element.
#[derive(Clone, Debug)]
pub struct Children<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Element<'a>, BerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match read(self.rest) {
            Ok((e, rest)) => {
                self.rest = rest;
                Some(Ok(e))
            }
            Err(err) => {
                self.rest = &[];
                Some(Err(err))
            }
        }
    }
}

impl<'a> Children<'a> {
    /// The next child, which must have `tag`.
    pub fn expect(&mut self, tag: u32) -> Result<Element<'a>, BerError> {
        let e = self.next().ok_or(BerError::Missing)??;
        if e.tag != tag {
            return Err(BerError::UnexpectedTag {
                found: e.tag,
                expected: tag,
            });
        }
        Ok(e)
    }

    /// The next child if it has `tag` (it is not consumed otherwise).
    pub fn optional(&mut self, tag: u32) -> Result<Option<Element<'a>>, BerError> {
        match read(self.rest) {
            Ok((e, rest)) if e.tag == tag => {
                self.rest = rest;
                Ok(Some(e))
            }
            Ok(_) => Ok(None),
            Err(_) if self.rest.is_empty() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// True when no child remains.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}

/// DER encoding of a length.
fn der_len(out: &mut Vec<u8>, len: usize) {
    crate::tlv::write_len(out, len);
}

fn write_tag(out: &mut Vec<u8>, tag: u32) {
    // `tlv::write_tag` writes up to three bytes; BER tags read here may have four.
    if tag > 0xFF_FFFF {
        out.push((tag >> 24) as u8);
    }
    crate::tlv::write_tag(out, tag);
}

impl<'a> Element<'a> {
    /// True when the constructed bit is set.
    pub fn is_constructed(&self) -> bool {
        first_tag_byte(self.tag) & 0x20 != 0
    }

    /// The children of a constructed element.
    pub fn children(&self) -> Children<'a> {
        Children { rest: self.content }
    }

    /// The value of a non-negative INTEGER that fits 64 bits (leading zero bytes allowed, as
    /// BER writers produce them); `None` for another tag, an empty or negative INTEGER, or a
    /// larger value.
    pub fn unsigned(&self) -> Option<u64> {
        if self.tag != 0x02 || self.content.first().is_none_or(|b| b & 0x80 != 0) {
            return None;
        }
        let mut v = self.content;
        while let [0, rest @ ..] = v {
            v = rest;
        }
        if v.len() > 8 {
            return None;
        }
        Some(v.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// The dotted form of an OBJECT IDENTIFIER; `None` for another tag or a malformed OID.
    pub fn oid(&self) -> Option<String> {
        if self.tag != 0x06 {
            return None;
        }
        super::oid::to_string(self.content)
    }

    /// The content of a string type, primitive or constructed (BER allows an OCTET STRING to be
    /// sent in segments; they are concatenated). Bounded by the input's size.
    pub fn string_content(&self) -> Result<Vec<u8>, BerError> {
        if !self.is_constructed() {
            return Ok(self.content.to_vec());
        }
        let mut out = Vec::with_capacity(self.content.len());
        self.collect_segments(&mut out, 0)?;
        Ok(out)
    }

    fn collect_segments(&self, out: &mut Vec<u8>, depth: usize) -> Result<(), BerError> {
        if depth > MAX_DEPTH {
            return Err(BerError::TooDeep);
        }
        for child in self.children() {
            let child = child?;
            if child.is_constructed() {
                child.collect_segments(out, depth + 1)?;
            } else {
                out.extend_from_slice(child.content);
            }
        }
        Ok(())
    }

    /// Re-encodes this element with DER lengths: definite and minimal, constructed universal
    /// strings (OCTET, BIT, UTF8, Printable, IA5, T61, BMP ...) flattened to primitive. The
    /// order of SET contents is kept.
    pub fn to_der(&self) -> Result<Vec<u8>, BerError> {
        let mut out = Vec::with_capacity(self.raw.len());
        self.write_der(&mut out, 0)?;
        Ok(out)
    }

    fn write_der(&self, out: &mut Vec<u8>, depth: usize) -> Result<(), BerError> {
        if depth > MAX_DEPTH {
            return Err(BerError::TooDeep);
        }
        let universal_string = self.tag <= 0x3F
            && self.is_constructed()
            && matches!(self.tag & 0x1F, 0x03 | 0x04 | 0x0C | 0x12..=0x1E);
        if universal_string {
            let content = self.string_content()?;
            write_tag(out, self.tag & !0x20);
            der_len(out, content.len());
            out.extend_from_slice(&content);
            return Ok(());
        }
        if !self.is_constructed() {
            write_tag(out, self.tag);
            der_len(out, self.content.len());
            out.extend_from_slice(self.content);
            return Ok(());
        }
        let mut inner = Vec::with_capacity(self.content.len());
        for child in self.children() {
            child?.write_der(&mut inner, depth + 1)?;
        }
        write_tag(out, self.tag);
        der_len(out, inner.len());
        out.extend_from_slice(&inner);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_indefinite_lengths_and_keeps_raw_bytes() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { 04 01 AA, 04 02 BB CC }, 02 01 05 }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x01, 0xAA, 0x04, 0x02, 0xBB, 0xCC, 0x00, 0x00, 0x02,
            0x01, 0x05, 0x00, 0x00, 0xFF,
        ];
        let (seq, rest) = read(&ber).unwrap();
        assert_eq!(rest, &[0xFF]);
        assert!(seq.indefinite);
        assert_eq!(seq.raw.len(), 18);
        let mut c = seq.children();
        let os = c.expect(0x24).unwrap();
        assert_eq!(os.string_content().unwrap(), [0xAA, 0xBB, 0xCC]);
        assert_eq!(c.expect(0x02).unwrap().content, [5]);
        assert!(c.next().is_none());
        assert_eq!(
            seq.to_der().unwrap(),
            [0x30, 0x08, 0x04, 0x03, 0xAA, 0xBB, 0xCC, 0x02, 0x01, 0x05]
        );
        // Non-minimal definite lengths are normalised.
        let odd = [0x30, 0x81, 0x04, 0x02, 0x81, 0x01, 0x07];
        assert_eq!(
            read_single(&odd).unwrap().to_der().unwrap(),
            [0x30, 3, 2, 1, 7]
        );
    }

    #[test]
    fn rejects_hostile_input_without_panic() {
        assert_eq!(read(&[0x30]), Err(BerError::Truncated));
        assert_eq!(read(&[0x04, 0x80, 0, 0]), Err(BerError::BadLength));
        assert_eq!(read(&[0x30, 0x85, 1, 1, 1, 1, 1]), Err(BerError::BadLength));
        assert_eq!(
            read(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]),
            Err(BerError::Truncated)
        );
        assert_eq!(
            read(&[0x30, 0x80, 0x02, 0x01, 0x01]),
            Err(BerError::Truncated)
        );
        let mut deep = Vec::new();
        for _ in 0..100 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert_eq!(read(&deep), Err(BerError::TooDeep));
        assert_eq!(read_single(&[2, 1, 1, 0]), Err(BerError::TrailingData));
    }

    #[test]
    fn four_byte_tags_keep_their_first_byte() {
        // Found by the `ber` fuzz target: a 4-byte tag lost its first byte in `to_der`, and its
        // constructed bit was read from the second byte.
        let e = read_single(&[0xBF, 0x95, 0x8C, 0x00, 0x00]).unwrap();
        assert_eq!(e.tag, 0xBF95_8C00);
        assert!(e.is_constructed());
        assert_eq!(e.to_der().unwrap(), [0xBF, 0x95, 0x8C, 0x00, 0x00]);
        let p = read_single(&[0x9F, 0x81, 0x81, 0x01, 0x01, 0xAA]).unwrap();
        assert!(!p.is_constructed());
        assert_eq!(p.to_der().unwrap(), [0x9F, 0x81, 0x81, 0x01, 0x01, 0xAA]);
    }
}
