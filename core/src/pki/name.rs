//! X.501 distinguished names as they appear in certificates, CRLs and CMS signer identifiers.
//!
//! This module owns parsing a `Name` (SEQUENCE OF RDN, each a SET OF AttributeTypeAndValue),
//! decoding its string values, and comparing names the way real CSCA data needs. It does not
//! know certificates or signatures: a name match only *selects* a candidate issuer; the
//! signature check decides. Names of CSCAs and DSCs are institutional, not personal data.
//!
//! # Comparison ([`Name::eq_as_set`])
//!
//! Two names match when their attribute (type, value) pairs are equal as multisets, whatever the
//! RDN order and however the pairs are grouped into RDNs. This covers SignerInfo issuers written
//! in another order than the certificate and link certificates whose names are reversed. Values
//! are compared after a light RFC 4518-style preparation: surrounding whitespace trimmed,
//! internal whitespace runs collapsed to one space, and case folded (Unicode lower case) for
//! every attribute, not only countryName: RFC 5280 section 7.1 makes DirectoryString matching
//! case-insensitive, issued data mixes `C=ma`/`C=MA` and string types (PrintableString vs
//! UTF8String for the same text), and a too-lenient match costs only one extra signature check.
//! Values that are not character strings compare by their exact encoding.

use super::PkiError;
use super::ber::{self, Element};
use super::oid;

/// Upper bound on attributes in one name (real names have fewer than 10).
const MAX_ATTRIBUTES: usize = 64;

/// One attribute of a name: its type as a dotted OID and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Dotted OID of the attribute type ("2.5.4.6" is countryName).
    pub oid: String,
    /// The decoded string, or `#` followed by the hex of the whole value TLV when the value is
    /// not a character string (RFC 4514 notation).
    pub value: String,
    /// True when `value` was decoded from a character string type.
    pub is_string: bool,
}

/// A distinguished name: RDNs in encoded order, each a set of attributes.
#[derive(Clone, PartialEq, Eq)]
pub struct Name {
    rdns: Vec<Vec<Attribute>>,
    raw: Vec<u8>,
}

impl core::fmt::Debug for Name {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Name({self})")
    }
}

impl Name {
    /// Parses a `Name` TLV (a SEQUENCE, any BER length form).
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        let e = ber::read_single(der)?;
        Self::from_element(&e)
    }

    /// Parses a `Name` from an element already read.
    pub fn from_element(e: &Element<'_>) -> Result<Self, PkiError> {
        if e.tag != 0x30 {
            return Err(PkiError::Malformed("Name"));
        }
        let mut rdns = Vec::new();
        let mut count = 0usize;
        for rdn in e.children() {
            let rdn = rdn?;
            if rdn.tag != 0x31 {
                return Err(PkiError::Malformed("RelativeDistinguishedName"));
            }
            let mut attrs = Vec::new();
            for atv in rdn.children() {
                let atv = atv?;
                count += 1;
                if count > MAX_ATTRIBUTES {
                    return Err(PkiError::Malformed("Name (too many attributes)"));
                }
                if atv.tag != 0x30 {
                    return Err(PkiError::Malformed("AttributeTypeAndValue"));
                }
                let mut c = atv.children();
                let t = c.expect(0x06)?;
                let oid = oid::to_string(t.content).ok_or(PkiError::Malformed("attribute OID"))?;
                let v = c.next().ok_or(PkiError::Malformed("attribute value"))??;
                let (value, is_string) = match decode_string(&v) {
                    Some(s) => (s, true),
                    None => (format!("#{}", hex(v.raw)), false),
                };
                attrs.push(Attribute {
                    oid,
                    value,
                    is_string,
                });
            }
            rdns.push(attrs);
        }
        Ok(Name {
            rdns,
            raw: e.raw.to_vec(),
        })
    }

    /// The RDNs in encoded order.
    pub fn rdns(&self) -> &[Vec<Attribute>] {
        &self.rdns
    }

    /// All attributes in encoded order.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.rdns.iter().flatten()
    }

    /// The Name TLV exactly as encoded.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// True when the name has no attribute.
    pub fn is_empty(&self) -> bool {
        self.rdns.iter().all(Vec::is_empty)
    }

    /// The first countryName value, trimmed and upper-cased (`None` when absent or empty).
    pub fn country(&self) -> Option<String> {
        self.attributes()
            .find(|a| a.oid == oid::COUNTRY_NAME && a.is_string)
            .map(|a| a.value.trim().to_uppercase())
            .filter(|c| !c.is_empty())
    }

    /// The first commonName value.
    pub fn common_name(&self) -> Option<&str> {
        self.attributes()
            .find(|a| a.oid == oid::COMMON_NAME)
            .map(|a| a.value.as_str())
    }

    /// A canonical key: the prepared (type, value) pairs sorted. Two names have the same key
    /// exactly when [`Name::eq_as_set`] holds; trust stores index by it.
    pub fn normalized_key(&self) -> String {
        let mut parts: Vec<String> = self
            .attributes()
            .map(|a| {
                let v = if a.is_string {
                    prepare(&a.value)
                } else {
                    a.value.clone()
                };
                format!("{}={}", a.oid, v)
            })
            .collect();
        parts.sort();
        parts.join("\u{0}")
    }

    /// Same attributes as a multiset, in any RDN order (see the module documentation for how
    /// values are compared).
    pub fn eq_as_set(&self, other: &Name) -> bool {
        self.normalized_key() == other.normalized_key()
    }
}

impl core::fmt::Display for Name {
    /// "C=MA, O=Test, CN=Test CSCA" in encoded order; attributes of a multi-valued RDN joined
    /// with '+'.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut first = true;
        for rdn in &self.rdns {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            for (i, a) in rdn.iter().enumerate() {
                if i > 0 {
                    f.write_str("+")?;
                }
                write!(f, "{}={}", short_name(&a.oid), a.value)?;
            }
        }
        Ok(())
    }
}

/// Short names of the usual attribute types (RFC 4514 and common practice).
fn short_name(dotted: &str) -> &str {
    match dotted {
        "2.5.4.6" => "C",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.3" => "CN",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.4" => "SN",
        "2.5.4.42" => "GN",
        "2.5.4.9" => "STREET",
        "2.5.4.97" => "organizationIdentifier",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.25" => "DC",
        other => other,
    }
}

/// Trim, collapse whitespace runs, lower-case.
fn prepare(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// Decodes the character string types found in names; `None` for anything else.
pub(crate) fn decode_string(e: &Element<'_>) -> Option<String> {
    let tag = e.tag & !0x20; // constructed (segmented) strings are allowed by BER
    let bytes = e.string_content().ok()?;
    match tag {
        // UTF8String; PrintableString, IA5String, VisibleString, NumericString are ASCII
        // subsets, decoded as UTF-8 so that a non-conforming byte is still shown.
        0x0C | 0x13 | 0x16 | 0x1A | 0x12 => Some(String::from_utf8_lossy(&bytes).into_owned()),
        // TeletexString (T61): issued data puts Latin-1 in it.
        0x14 => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UTF-16BE.
        0x1E => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| match c {
                    [a, b] => u16::from_be_bytes([*a, *b]),
                    _ => 0xFFFD,
                })
                .collect();
            Some(
                char::decode_utf16(units)
                    .map(|r| r.unwrap_or('\u{FFFD}'))
                    .collect(),
            )
        }
        // UniversalString: UTF-32BE.
        0x1C => Some(
            bytes
                .chunks(4)
                .map(|c| match c {
                    [a, b, cc, d] => {
                        char::from_u32(u32::from_be_bytes([*a, *b, *cc, *d])).unwrap_or('\u{FFFD}')
                    }
                    _ => '\u{FFFD}',
                })
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![tag, body.len() as u8];
        v.extend_from_slice(body);
        v
    }

    fn atv(oid_dotted: &str, tag: u8, value: &[u8]) -> Vec<u8> {
        let mut b = tlv(0x06, &oid::encode(oid_dotted).unwrap());
        b.extend(tlv(tag, value));
        tlv(0x31, &tlv(0x30, &b))
    }

    #[test]
    fn parses_compares_and_displays() {
        let c = atv("2.5.4.6", 0x13, b"MA");
        let o = atv("2.5.4.10", 0x0C, b"Test");
        let cn = atv("2.5.4.3", 0x1E, &[0, b'C', 0, b'S', 0, 0xE9]);
        let a = Name::from_der(&tlv(0x30, &[c.clone(), o.clone(), cn.clone()].concat())).unwrap();
        assert_eq!(a.to_string(), "C=MA, O=Test, CN=CS\u{e9}");
        assert_eq!(a.country().as_deref(), Some("MA"));
        // Reversed order, lower-case country as T61, O as PrintableString with extra spaces.
        let c2 = atv("2.5.4.6", 0x14, b" ma");
        let o2 = atv("2.5.4.10", 0x13, b"Test  ");
        let b = Name::from_der(&tlv(0x30, &[cn.clone(), o2, c2].concat())).unwrap();
        assert!(a.eq_as_set(&b));
        assert_eq!(b.country().as_deref(), Some("MA"));
        // A missing attribute or a duplicated one is not equal.
        let d = Name::from_der(&tlv(0x30, &[c.clone(), cn.clone()].concat())).unwrap();
        assert!(!a.eq_as_set(&d));
        let e = Name::from_der(&tlv(0x30, &[c.clone(), c, o, cn].concat())).unwrap();
        assert!(!a.eq_as_set(&e));
        assert_eq!(d.common_name(), Some("CS\u{e9}"));
    }

    #[test]
    fn bad_names_are_errors() {
        assert!(Name::from_der(&[0x30, 0x03, 0x31, 0x01, 0x00]).is_err());
        assert!(Name::from_der(&[0x31, 0x00]).is_err());
        let empty = Name::from_der(&[0x30, 0x00]).unwrap();
        assert!(empty.is_empty());
        assert_eq!(empty.country(), None);
    }
}
