//! CMS SignedData (RFC 5652) as issued in EF.SOD, EF.CardSecurity and CSCA master lists.
//!
//! This module owns taking a ContentInfo apart: it reads BER as real documents encode it
//! (indefinite lengths anywhere, eContent as a constructed OCTET STRING in segments, non-minimal
//! lengths) and keeps every signed or hashed structure as the exact bytes it was read from:
//! certificates, algorithm identifiers, and above all the signed attributes, whose
//! [`SignedAttributes::signed_bytes`] is the raw encoding with only its first tag byte changed
//! (RFC 5652 section 5.4), never a re-encoding. It verifies nothing: no digest, no signature,
//! no certificate, and it does not interpret the eContent ([`crate::pki::ldsso`] does). Counts are
//! capped and every allocation is bounded by the input's size.

use super::PkiError;
use super::ber::{self, Element};
use super::oid;
use super::time::Timestamp;

/// Most SignerInfos accepted.
pub const MAX_SIGNER_INFOS: usize = 64;
/// Most entries accepted in `certificates` (all CertificateChoices counted).
pub const MAX_CERTIFICATES: usize = 64;
/// Most entries accepted in `crls`.
pub const MAX_CRLS: usize = 256;
/// Most signed attributes accepted in one SignerInfo.
pub const MAX_ATTRIBUTES: usize = 64;
/// Most digest algorithms accepted in `digestAlgorithms`.
pub const MAX_DIGEST_ALGORITHMS: usize = 64;

/// A parsed SignedData, borrowing from the ContentInfo bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedData<'a> {
    /// SignedData version (1, 3, 4 or 5).
    pub version: u32,
    /// `digestAlgorithms`: AlgorithmIdentifier TLVs exactly as encoded.
    pub digest_algorithms: Vec<&'a [u8]>,
    /// `eContentType`, dotted.
    pub econtent_type: String,
    /// The eContent OCTET STRING's content (segments of a constructed encoding joined).
    pub econtent: Vec<u8>,
    /// Certificate TLVs from `certificates` exactly as encoded (other CertificateChoices are
    /// left out and named in `notes`).
    pub certificates: Vec<&'a [u8]>,
    /// CertificateList TLVs from `crls` exactly as encoded (other RevocationInfoChoices are left
    /// out and named in `notes`).
    pub crls: Vec<&'a [u8]>,
    /// The SignerInfos, in encoded order.
    pub signer_infos: Vec<SignerInfo<'a>>,
    /// What was present but ignored (attribute certificates, other revocation formats ...).
    pub notes: Vec<&'static str>,
}

impl core::fmt::Debug for SignedData<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignedData")
            .field("version", &self.version)
            .field("digest_algorithms", &self.digest_algorithms.len())
            .field("econtent_type", &self.econtent_type)
            .field("econtent_len", &self.econtent.len())
            .field("certificates", &self.certificates.len())
            .field("crls", &self.crls.len())
            .field("signer_infos", &self.signer_infos)
            .field("notes", &self.notes)
            .finish()
    }
}

/// How a SignerInfo names its signer's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignerIdentifier<'a> {
    /// `issuerAndSerialNumber`.
    IssuerAndSerial {
        /// The issuer Name TLV exactly as encoded.
        issuer: &'a [u8],
        /// The serial number INTEGER's content octets (two's complement, as encoded).
        serial: &'a [u8],
    },
    /// `[0] subjectKeyIdentifier`: the key identifier octets.
    SubjectKeyId(&'a [u8]),
}

/// One SignerInfo.
#[derive(Clone, PartialEq, Eq)]
pub struct SignerInfo<'a> {
    /// SignerInfo version (1 with issuerAndSerialNumber, 3 with subjectKeyIdentifier).
    pub version: u32,
    /// The signer's certificate reference.
    pub sid: SignerIdentifier<'a>,
    /// `digestAlgorithm` AlgorithmIdentifier TLV exactly as encoded.
    pub digest_algorithm: &'a [u8],
    /// `signedAttrs`, when present.
    pub signed_attrs: Option<SignedAttributes<'a>>,
    /// `signatureAlgorithm` AlgorithmIdentifier TLV exactly as encoded.
    pub signature_algorithm: &'a [u8],
    /// The signature OCTET STRING's content.
    pub signature: Vec<u8>,
}

impl core::fmt::Debug for SignerInfo<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignerInfo")
            .field("version", &self.version)
            .field(
                "sid",
                &match self.sid {
                    SignerIdentifier::IssuerAndSerial { .. } => "issuerAndSerialNumber",
                    SignerIdentifier::SubjectKeyId(_) => "subjectKeyIdentifier",
                },
            )
            .field("signed_attrs", &self.signed_attrs)
            .field("signature_len", &self.signature.len())
            .finish()
    }
}

/// RFC 6211 CMSAlgorithmProtection, as found in the signed attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlgorithmProtection<'a> {
    /// The attribute value (the CMSAlgorithmProtection SEQUENCE) exactly as encoded.
    pub raw: &'a [u8],
    /// `digestAlgorithm` AlgorithmIdentifier TLV exactly as encoded.
    pub digest_algorithm: &'a [u8],
    /// `[1] signatureAlgorithm` exactly as encoded: an IMPLICIT tag, so the TLV starts with A1
    /// where the SignerInfo's starts with 30 (compare with
    /// [`AlgorithmProtection::matches`]).
    pub signature_algorithm: Option<&'a [u8]>,
    /// `[2] macAlgorithm` exactly as encoded (never valid in SignedData).
    pub mac_algorithm: Option<&'a [u8]>,
}

impl AlgorithmProtection<'_> {
    /// True when this attribute names the same digest and signature algorithms as the
    /// SignerInfo (`digest_algorithm` and `signature_algorithm` TLVs as found there). Both sides
    /// are compared in DER (definite minimal lengths), the `[1]` tag read as SEQUENCE; NULL
    /// parameters and absent parameters differ, as in RFC 6211. A macAlgorithm or a missing
    /// signatureAlgorithm never matches.
    pub fn matches(&self, digest_algorithm: &[u8], signature_algorithm: &[u8]) -> bool {
        let (Some(sig), None) = (self.signature_algorithm, self.mac_algorithm) else {
            return false;
        };
        let der = |tlv: &[u8]| ber::read_single(tlv).and_then(|e| e.to_der()).ok();
        let (Some(d1), Some(d2)) = (der(self.digest_algorithm), der(digest_algorithm)) else {
            return false;
        };
        let (Some(s1), Some(s2)) = (der(sig), der(signature_algorithm)) else {
            return false;
        };
        d1 == d2
            && s1.first() == Some(&0xA1)
            && s2.first() == Some(&0x30)
            && s1.get(1..) == s2.get(1..)
    }
}

/// A SignerInfo's `signedAttrs`.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedAttributes<'a> {
    /// The `[0] IMPLICIT` SET exactly as encoded (starts with A0).
    pub raw: &'a [u8],
    /// The contentType attribute, dotted.
    pub content_type: Option<String>,
    /// The messageDigest attribute's octets.
    pub message_digest: Option<Vec<u8>>,
    /// The signingTime attribute.
    pub signing_time: Option<Timestamp>,
    /// The CMSAlgorithmProtection attribute (RFC 6211).
    pub algorithm_protection: Option<AlgorithmProtection<'a>>,
    /// Every other attribute: (attrType dotted, whole Attribute TLV exactly as encoded).
    pub others: Vec<(String, &'a [u8])>,
}

impl core::fmt::Debug for SignedAttributes<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignedAttributes")
            .field("raw_len", &self.raw.len())
            .field("content_type", &self.content_type)
            .field(
                "message_digest_len",
                &self.message_digest.as_ref().map(Vec::len),
            )
            .field("signing_time", &self.signing_time)
            .field("algorithm_protection", &self.algorithm_protection.is_some())
            .field(
                "others",
                &self.others.iter().map(|(o, _)| o).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SignedAttributes<'_> {
    /// The bytes the signature covers: [`SignedAttributes::raw`] with its first byte (A0)
    /// replaced by 31 (SET OF), everything else exactly as encoded, indefinite lengths and
    /// attribute order included (RFC 5652 section 5.4).
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut out = self.raw.to_vec();
        if let Some(first) = out.first_mut() {
            *first = 0x31;
        }
        out
    }
}

/// A small non-negative INTEGER (versions).
pub(super) fn small_uint(e: &Element<'_>, what: &'static str) -> Result<u32, PkiError> {
    e.unsigned()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or(PkiError::Malformed(what))
}

fn oid_of(e: &Element<'_>, what: &'static str) -> Result<String, PkiError> {
    e.oid().ok_or(PkiError::Malformed(what))
}

/// An AlgorithmIdentifier: a SEQUENCE starting with an OID. Returns the raw TLV.
fn algorithm_identifier<'a>(e: &Element<'a>, what: &'static str) -> Result<&'a [u8], PkiError> {
    if e.tag != 0x30 {
        return Err(PkiError::Malformed(what));
    }
    let mut c = e.children();
    let first = c
        .next()
        .ok_or(PkiError::Malformed(what))?
        .map_err(PkiError::Ber)?;
    oid_of(&first, what)?;
    Ok(e.raw)
}

fn next_child<'a>(c: &mut ber::Children<'a>, what: &'static str) -> Result<Element<'a>, PkiError> {
    c.next()
        .ok_or(PkiError::Malformed(what))?
        .map_err(PkiError::Ber)
}

fn no_more(c: &mut ber::Children<'_>, what: &'static str) -> Result<(), PkiError> {
    match c.next() {
        None => Ok(()),
        Some(Err(e)) => Err(PkiError::Ber(e)),
        Some(Ok(_)) => Err(PkiError::Malformed(what)),
    }
}

/// An OCTET STRING, primitive or constructed.
fn octet_string(e: &Element<'_>, what: &'static str) -> Result<Vec<u8>, PkiError> {
    if e.tag != 0x04 && e.tag != 0x24 {
        return Err(PkiError::Malformed(what));
    }
    Ok(e.string_content()?)
}

/// Parses a BER ContentInfo holding SignedData (`ContentInfo { id-signedData, [0] EXPLICIT
/// SignedData }`). The whole input must be that one ContentInfo: trailing bytes are an error.
/// Detached content (no eContent) is not supported.
pub fn parse_signed_data(content_info: &[u8]) -> Result<SignedData<'_>, PkiError> {
    let ci = ber::read_single(content_info)?;
    if ci.tag != 0x30 {
        return Err(PkiError::Malformed("ContentInfo"));
    }
    let mut c = ci.children();
    let ctype = oid_of(
        &next_child(&mut c, "ContentInfo")?,
        "ContentInfo contentType",
    )?;
    if ctype != oid::SIGNED_DATA {
        return Err(PkiError::Invalid("ContentInfo is not signedData"));
    }
    let wrapper = next_child(&mut c, "ContentInfo content")?;
    if wrapper.tag != 0xA0 {
        return Err(PkiError::Malformed("ContentInfo content"));
    }
    no_more(&mut c, "ContentInfo")?;
    let mut w = wrapper.children();
    let sd = next_child(&mut w, "SignedData")?;
    no_more(&mut w, "ContentInfo content")?;
    if sd.tag != 0x30 {
        return Err(PkiError::Malformed("SignedData"));
    }
    parse_signed_data_sequence(&sd)
}

fn parse_signed_data_sequence<'a>(sd: &Element<'a>) -> Result<SignedData<'a>, PkiError> {
    let mut c = sd.children();
    let version = small_uint(&next_child(&mut c, "SignedData")?, "SignedData version")?;

    let set = next_child(&mut c, "SignedData digestAlgorithms")?;
    if set.tag != 0x31 {
        return Err(PkiError::Malformed("SignedData digestAlgorithms"));
    }
    let mut digest_algorithms = Vec::new();
    for e in set.children() {
        if digest_algorithms.len() >= MAX_DIGEST_ALGORITHMS {
            return Err(PkiError::Invalid("too many digest algorithms"));
        }
        digest_algorithms.push(algorithm_identifier(&e?, "digestAlgorithms")?);
    }

    let (econtent_type, econtent) =
        parse_encap_content_info(&next_child(&mut c, "SignedData encapContentInfo")?)?;

    let mut notes = Vec::new();
    let mut certificates = Vec::new();
    if let Some(certs) = c.optional(0xA0)? {
        let mut count = 0usize;
        for e in certs.children() {
            let e = e?;
            count += 1;
            if count > MAX_CERTIFICATES {
                return Err(PkiError::Invalid("too many certificates"));
            }
            match e.tag {
                0x30 => certificates.push(e.raw),
                0xA0 => notes.push("extended certificate ignored"),
                0xA1 => notes.push("v1 attribute certificate ignored"),
                0xA2 => notes.push("v2 attribute certificate ignored"),
                0xA3 => notes.push("other certificate format ignored"),
                _ => return Err(PkiError::Malformed("SignedData certificates")),
            }
        }
    }
    let mut crls = Vec::new();
    if let Some(set) = c.optional(0xA1)? {
        let mut count = 0usize;
        for e in set.children() {
            let e = e?;
            count += 1;
            if count > MAX_CRLS {
                return Err(PkiError::Invalid("too many CRLs"));
            }
            match e.tag {
                0x30 => crls.push(e.raw),
                0xA1 => notes.push("other revocation info format ignored"),
                _ => return Err(PkiError::Malformed("SignedData crls")),
            }
        }
    }

    let set = next_child(&mut c, "SignedData signerInfos")?;
    if set.tag != 0x31 {
        return Err(PkiError::Malformed("SignedData signerInfos"));
    }
    no_more(&mut c, "SignedData")?;
    let mut signer_infos = Vec::new();
    for e in set.children() {
        if signer_infos.len() >= MAX_SIGNER_INFOS {
            return Err(PkiError::Invalid("too many signer infos"));
        }
        signer_infos.push(parse_signer_info(&e?)?);
    }
    Ok(SignedData {
        version,
        digest_algorithms,
        econtent_type,
        econtent,
        certificates,
        crls,
        signer_infos,
        notes,
    })
}

fn parse_encap_content_info(e: &Element<'_>) -> Result<(String, Vec<u8>), PkiError> {
    if e.tag != 0x30 {
        return Err(PkiError::Malformed("encapContentInfo"));
    }
    let mut c = e.children();
    let econtent_type = oid_of(
        &next_child(&mut c, "encapContentInfo")?,
        "encapContentInfo eContentType",
    )?;
    let Some(wrapper) = c.optional(0xA0)? else {
        no_more(&mut c, "encapContentInfo")?;
        return Err(PkiError::Invalid("detached content not supported"));
    };
    no_more(&mut c, "encapContentInfo")?;
    let mut w = wrapper.children();
    let os = next_child(&mut w, "eContent")?;
    no_more(&mut w, "eContent")?;
    Ok((econtent_type, octet_string(&os, "eContent")?))
}

fn parse_signer_info<'a>(e: &Element<'a>) -> Result<SignerInfo<'a>, PkiError> {
    if e.tag != 0x30 {
        return Err(PkiError::Malformed("SignerInfo"));
    }
    let mut c = e.children();
    let version = small_uint(&next_child(&mut c, "SignerInfo")?, "SignerInfo version")?;
    let sid_e = next_child(&mut c, "SignerInfo sid")?;
    let sid = match sid_e.tag {
        0x30 => {
            let mut s = sid_e.children();
            let issuer = next_child(&mut s, "issuerAndSerialNumber")?;
            if issuer.tag != 0x30 {
                return Err(PkiError::Malformed("issuerAndSerialNumber issuer"));
            }
            let serial = next_child(&mut s, "issuerAndSerialNumber")?;
            if serial.tag != 0x02 || serial.content.is_empty() {
                return Err(PkiError::Malformed("issuerAndSerialNumber serialNumber"));
            }
            no_more(&mut s, "issuerAndSerialNumber")?;
            SignerIdentifier::IssuerAndSerial {
                issuer: issuer.raw,
                serial: serial.content,
            }
        }
        0x80 => SignerIdentifier::SubjectKeyId(sid_e.content),
        _ => return Err(PkiError::Malformed("SignerInfo sid")),
    };
    let digest_algorithm = algorithm_identifier(
        &next_child(&mut c, "SignerInfo digestAlgorithm")?,
        "SignerInfo digestAlgorithm",
    )?;
    let signed_attrs = match c.optional(0xA0)? {
        Some(a) => Some(parse_signed_attributes(&a)?),
        None => None,
    };
    let signature_algorithm = algorithm_identifier(
        &next_child(&mut c, "SignerInfo signatureAlgorithm")?,
        "SignerInfo signatureAlgorithm",
    )?;
    let signature = octet_string(
        &next_child(&mut c, "SignerInfo signature")?,
        "SignerInfo signature",
    )?;
    // unsignedAttrs [1] IMPLICIT: not covered by the signature, ignored.
    let _ = c.optional(0xA1)?;
    no_more(&mut c, "SignerInfo")?;
    Ok(SignerInfo {
        version,
        sid,
        digest_algorithm,
        signed_attrs,
        signature_algorithm,
        signature,
    })
}

/// The single value of an attribute whose type allows only one.
fn single_value<'a>(values: &Element<'a>, what: &'static str) -> Result<Element<'a>, PkiError> {
    let mut v = values.children();
    let value = next_child(&mut v, what)?;
    no_more(&mut v, what)?;
    Ok(value)
}

fn parse_signed_attributes<'a>(set: &Element<'a>) -> Result<SignedAttributes<'a>, PkiError> {
    let mut attrs = SignedAttributes {
        raw: set.raw,
        content_type: None,
        message_digest: None,
        signing_time: None,
        algorithm_protection: None,
        others: Vec::new(),
    };
    let mut count = 0usize;
    for a in set.children() {
        let a = a?;
        count += 1;
        if count > MAX_ATTRIBUTES {
            return Err(PkiError::Invalid("too many signed attributes"));
        }
        if a.tag != 0x30 {
            return Err(PkiError::Malformed("signed attribute"));
        }
        let mut c = a.children();
        let attr_type = oid_of(&next_child(&mut c, "signed attribute")?, "attribute type")?;
        let values = next_child(&mut c, "signed attribute values")?;
        if values.tag != 0x31 {
            return Err(PkiError::Malformed("signed attribute values"));
        }
        no_more(&mut c, "signed attribute")?;
        match attr_type.as_str() {
            oid::ATTR_CONTENT_TYPE => {
                if attrs.content_type.is_some() {
                    return Err(PkiError::Invalid("duplicate contentType attribute"));
                }
                let v = single_value(&values, "contentType attribute")?;
                attrs.content_type = Some(oid_of(&v, "contentType attribute")?);
            }
            oid::ATTR_MESSAGE_DIGEST => {
                if attrs.message_digest.is_some() {
                    return Err(PkiError::Invalid("duplicate messageDigest attribute"));
                }
                let v = single_value(&values, "messageDigest attribute")?;
                attrs.message_digest = Some(octet_string(&v, "messageDigest attribute")?);
            }
            oid::ATTR_SIGNING_TIME => {
                if attrs.signing_time.is_some() {
                    return Err(PkiError::Invalid("duplicate signingTime attribute"));
                }
                let v = single_value(&values, "signingTime attribute")?;
                let t = match v.tag {
                    0x17 => Timestamp::from_utc_time(v.content),
                    0x18 => Timestamp::from_generalized_time(v.content),
                    _ => None,
                };
                attrs.signing_time = Some(t.ok_or(PkiError::Malformed("signingTime attribute"))?);
            }
            oid::ATTR_CMS_ALGORITHM_PROTECTION => {
                if attrs.algorithm_protection.is_some() {
                    return Err(PkiError::Invalid(
                        "duplicate CMSAlgorithmProtection attribute",
                    ));
                }
                let v = single_value(&values, "CMSAlgorithmProtection attribute")?;
                attrs.algorithm_protection = Some(parse_algorithm_protection(&v)?);
            }
            _ => attrs.others.push((attr_type, a.raw)),
        }
    }
    Ok(attrs)
}

fn parse_algorithm_protection<'a>(v: &Element<'a>) -> Result<AlgorithmProtection<'a>, PkiError> {
    const WHAT: &str = "CMSAlgorithmProtection attribute";
    if v.tag != 0x30 {
        return Err(PkiError::Malformed(WHAT));
    }
    let mut c = v.children();
    let digest_algorithm = algorithm_identifier(&next_child(&mut c, WHAT)?, WHAT)?;
    let signature_algorithm = c.optional(0xA1)?.map(|e| e.raw);
    let mac_algorithm = c.optional(0xA2)?.map(|e| e.raw);
    no_more(&mut c, WHAT)?;
    Ok(AlgorithmProtection {
        raw: v.raw,
        digest_algorithm,
        signature_algorithm,
        mac_algorithm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlv::encode as tlv;

    fn oid_tlv(dotted: &str) -> Vec<u8> {
        tlv(0x06, &oid::encode(dotted).unwrap())
    }

    fn alg(dotted: &str) -> Vec<u8> {
        tlv(0x30, &oid_tlv(dotted))
    }

    fn attr(dotted: &str, value: &[u8]) -> Vec<u8> {
        tlv(0x30, &[oid_tlv(dotted), tlv(0x31, value)].concat())
    }

    /// A minimal SignedData with the given certificates [0] content, crls [1] content and
    /// signed attributes content.
    fn signed_data(certs: Option<&[u8]>, crls: Option<&[u8]>, attrs: Option<&[u8]>) -> Vec<u8> {
        let encap = tlv(
            0x30,
            &[
                oid_tlv(oid::LDS_SECURITY_OBJECT),
                tlv(0xA0, &tlv(0x04, b"content")),
            ]
            .concat(),
        );
        let name = tlv(0x30, &[]);
        let mut si = vec![
            tlv(0x02, &[1]),
            tlv(0x30, &[name, tlv(0x02, &[0x00, 0x80])].concat()),
            alg(oid::SHA256),
        ];
        if let Some(a) = attrs {
            si.push(tlv(0xA0, a));
        }
        si.push(alg(oid::SHA256_WITH_RSA));
        si.push(tlv(0x04, &[1, 2, 3]));
        si.push(tlv(0xA1, &attr("1.2.3.4", &[0x05, 0x00])));
        let mut sd = vec![tlv(0x02, &[3]), tlv(0x31, &alg(oid::SHA256)), encap];
        if let Some(c) = certs {
            sd.push(tlv(0xA0, c));
        }
        if let Some(c) = crls {
            sd.push(tlv(0xA1, c));
        }
        sd.push(tlv(0x31, &tlv(0x30, &si.concat())));
        tlv(
            0x30,
            &[
                oid_tlv(oid::SIGNED_DATA),
                tlv(0xA0, &tlv(0x30, &sd.concat())),
            ]
            .concat(),
        )
    }

    #[test]
    fn minimal_signed_data() {
        let bytes = signed_data(None, None, None);
        let sd = parse_signed_data(&bytes).unwrap();
        assert_eq!(sd.econtent, b"content");
        assert!(sd.certificates.is_empty() && sd.crls.is_empty());
        let si = &sd.signer_infos[0];
        assert!(si.signed_attrs.is_none());
        assert_eq!(
            si.sid,
            SignerIdentifier::IssuerAndSerial {
                issuer: &[0x30, 0x00],
                serial: &[0x00, 0x80]
            }
        );
        assert_eq!(si.signature, [1, 2, 3]);
        assert!(format!("{sd:?}").contains("econtent_len: 7"));
    }

    #[test]
    fn other_certificate_choices_are_noted_and_skipped() {
        let cert = tlv(0x30, &tlv(0x30, &[]));
        let certs = [
            cert.clone(),
            tlv(0xA1, &[0x05, 0x00]),
            tlv(0xA2, &[0x05, 0x00]),
            tlv(0xA3, &[]),
        ]
        .concat();
        let crls = [tlv(0x30, &[0x05, 0x00]), tlv(0xA1, &[0x05, 0x00])].concat();
        let bytes = signed_data(Some(&certs), Some(&crls), None);
        let sd = parse_signed_data(&bytes).unwrap();
        assert_eq!(sd.certificates, [cert.as_slice()]);
        assert_eq!(sd.crls, [[0x30, 0x02, 0x05, 0x00].as_slice()]);
        assert_eq!(sd.notes.len(), 4);
        // A primitive INTEGER is no CertificateChoice.
        let bytes = signed_data(Some(&tlv(0x02, &[1])), None, None);
        assert!(parse_signed_data(&bytes).is_err());
    }

    #[test]
    fn caps_on_certificates_crls_and_attributes() {
        let cert = tlv(0x30, &[]);
        let certs = cert.repeat(MAX_CERTIFICATES);
        assert!(parse_signed_data(&signed_data(Some(&certs), None, None)).is_ok());
        let certs = cert.repeat(MAX_CERTIFICATES + 1);
        assert_eq!(
            parse_signed_data(&signed_data(Some(&certs), None, None)).unwrap_err(),
            PkiError::Invalid("too many certificates")
        );
        let crls = cert.repeat(MAX_CRLS + 1);
        assert_eq!(
            parse_signed_data(&signed_data(None, Some(&crls), None)).unwrap_err(),
            PkiError::Invalid("too many CRLs")
        );
        let a = attr("1.2.3.4", &[0x05, 0x00]);
        let sd = signed_data(None, None, Some(&a.repeat(MAX_ATTRIBUTES)));
        let parsed = parse_signed_data(&sd).unwrap();
        let attrs = parsed.signer_infos[0].signed_attrs.as_ref().unwrap();
        assert_eq!(attrs.others.len(), MAX_ATTRIBUTES);
        assert_eq!(attrs.others[0], ("1.2.3.4".to_string(), a.as_slice()));
        let sd = signed_data(None, None, Some(&a.repeat(MAX_ATTRIBUTES + 1)));
        assert_eq!(
            parse_signed_data(&sd).unwrap_err(),
            PkiError::Invalid("too many signed attributes")
        );
    }

    #[test]
    fn signed_attribute_checks() {
        let md = attr(oid::ATTR_MESSAGE_DIGEST, &tlv(0x04, &[9; 32]));
        let ct = attr(oid::ATTR_CONTENT_TYPE, &oid_tlv(oid::LDS_SECURITY_OBJECT));
        let ok = [ct.clone(), md.clone()].concat();
        let bytes = signed_data(None, None, Some(&ok));
        let sd = parse_signed_data(&bytes).unwrap();
        let a = sd.signer_infos[0].signed_attrs.as_ref().unwrap();
        assert_eq!(a.message_digest.as_deref(), Some(&[9u8; 32][..]));
        let sb = a.signed_bytes();
        assert_eq!(sb[0], 0x31);
        assert_eq!(sb[1..], a.raw[1..]);
        assert_eq!(sb[2..], ok[..]);
        for (attrs, err) in [
            (
                [ok.clone(), md.clone()].concat(),
                "duplicate messageDigest attribute",
            ),
            (
                [ok.clone(), ct.clone()].concat(),
                "duplicate contentType attribute",
            ),
        ] {
            let bytes = signed_data(None, None, Some(&attrs));
            assert_eq!(
                parse_signed_data(&bytes).unwrap_err(),
                PkiError::Invalid(err)
            );
        }
        // Two values in one messageDigest attribute.
        let two = attr(
            oid::ATTR_MESSAGE_DIGEST,
            &[tlv(0x04, &[1]), tlv(0x04, &[2])].concat(),
        );
        assert!(parse_signed_data(&signed_data(None, None, Some(&two))).is_err());
        // A signingTime that is not a time.
        let bad = attr(oid::ATTR_SIGNING_TIME, &tlv(0x17, b"99999999"));
        assert!(parse_signed_data(&signed_data(None, None, Some(&bad))).is_err());
    }

    #[test]
    fn structural_errors() {
        let good = signed_data(None, None, None);
        // Not a SEQUENCE at the top.
        let mut bytes = good.clone();
        bytes[0] = 0x31;
        assert!(parse_signed_data(&bytes).is_err());
        assert!(parse_signed_data(&[]).is_err());
        assert_eq!(
            parse_signed_data(&[0x30, 0x00]).unwrap_err(),
            PkiError::Malformed("ContentInfo")
        );
    }
}
