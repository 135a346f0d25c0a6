//! The eContents of the signed objects passive authentication checks.
//!
//! This module owns parsing, from the eContent that [`crate::pki::cms`] extracts: the ICAO 9303-10
//! LDSSecurityObject (EF.SOD, versions 0 and 1), the ICAO CscaMasterList, and the outer shape of
//! BSI TR-03110 SecurityInfos (EF.CardSecurity). It reads BER leniently, keeps raw bytes where a
//! caller will hash or compare them, caps every count, and verifies nothing: comparing the
//! data-group hashes with what was read and interpreting SecurityInfos belong elsewhere.

use super::PkiError;
use super::ber::{self, Element};
use super::oid;

/// Most data-group hashes an LDSSecurityObject may hold (DG1..DG16).
pub const MAX_DATA_GROUP_HASHES: usize = 16;
/// Most certificates accepted in one CSCA master list.
pub const MAX_MASTER_LIST_CERTIFICATES: usize = 10_000;
/// Most SecurityInfo entries accepted in one SecurityInfos set.
pub const MAX_SECURITY_INFOS: usize = 128;

/// An ICAO 9303-10 LDSSecurityObject (the eContent of EF.SOD), borrowing from the eContent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdsSecurityObject<'a> {
    /// 0 or 1.
    pub version: u32,
    /// `hashAlgorithm` AlgorithmIdentifier TLV exactly as encoded.
    pub hash_algorithm: &'a [u8],
    /// `hashAlgorithm`'s OID, dotted.
    pub hash_algorithm_oid: String,
    /// (data-group number 1..=16, hash value), in encoded order; no number repeats.
    pub hashes: Vec<(u8, Vec<u8>)>,
    /// Version 1's `ldsVersionInfo`: (ldsVersion, unicodeVersion), e.g. ("0108", "040000").
    pub lds_version: Option<(String, String)>,
}

impl LdsSecurityObject<'_> {
    /// The hash recorded for data group `dg`, if any.
    pub fn hash_of(&self, dg: u8) -> Option<&[u8]> {
        self.hashes
            .iter()
            .find(|(n, _)| *n == dg)
            .map(|(_, h)| h.as_slice())
    }
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

use super::cms::small_uint;

fn printable_string(e: &Element<'_>, what: &'static str) -> Result<String, PkiError> {
    if e.tag != 0x13 && e.tag != 0x33 {
        return Err(PkiError::Malformed(what));
    }
    let bytes = e.string_content()?;
    if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(b))
    {
        return Err(PkiError::Malformed(what));
    }
    String::from_utf8(bytes).map_err(|_| PkiError::Malformed(what))
}

/// Parses an LDSSecurityObject (ICAO 9303-10 section 4.6.2): version 0, or version 1 with
/// `ldsVersionInfo`. Data-group numbers must be 1..=16 and distinct; at most 16 hashes; nothing
/// may follow the object.
pub fn parse_lds_security_object(econtent: &[u8]) -> Result<LdsSecurityObject<'_>, PkiError> {
    const WHAT: &str = "LDSSecurityObject";
    let so = ber::read_single(econtent)?;
    if so.tag != 0x30 {
        return Err(PkiError::Malformed(WHAT));
    }
    let mut c = so.children();
    let version = small_uint(&next_child(&mut c, WHAT)?, "LDSSecurityObject version")?;
    if version > 1 {
        return Err(PkiError::Invalid("unknown LDSSecurityObject version"));
    }
    let alg = next_child(&mut c, "LDSSecurityObject hashAlgorithm")?;
    if alg.tag != 0x30 {
        return Err(PkiError::Malformed("LDSSecurityObject hashAlgorithm"));
    }
    let alg_oid = next_child(&mut alg.children(), "LDSSecurityObject hashAlgorithm")?;
    if alg_oid.tag != 0x06 {
        return Err(PkiError::Malformed("LDSSecurityObject hashAlgorithm"));
    }
    let hash_algorithm_oid = oid::to_string(alg_oid.content)
        .ok_or(PkiError::Malformed("LDSSecurityObject hashAlgorithm"))?;

    let seq = next_child(&mut c, "LDSSecurityObject dataGroupHashValues")?;
    if seq.tag != 0x30 {
        return Err(PkiError::Malformed("LDSSecurityObject dataGroupHashValues"));
    }
    let mut hashes: Vec<(u8, Vec<u8>)> = Vec::new();
    for dgh in seq.children() {
        let dgh = dgh?;
        if hashes.len() >= MAX_DATA_GROUP_HASHES {
            return Err(PkiError::Invalid("more than 16 data-group hashes"));
        }
        if dgh.tag != 0x30 {
            return Err(PkiError::Malformed("DataGroupHash"));
        }
        let mut d = dgh.children();
        let number = small_uint(&next_child(&mut d, "DataGroupHash")?, "dataGroupNumber")?;
        let number = u8::try_from(number)
            .ok()
            .filter(|n| (1..=16).contains(n))
            .ok_or(PkiError::Invalid("data-group number outside 1..16"))?;
        let value = next_child(&mut d, "DataGroupHash")?;
        if value.tag != 0x04 && value.tag != 0x24 {
            return Err(PkiError::Malformed("dataGroupHashValue"));
        }
        no_more(&mut d, "DataGroupHash")?;
        if hashes.iter().any(|(n, _)| *n == number) {
            return Err(PkiError::Invalid("duplicate data-group number"));
        }
        hashes.push((number, value.string_content()?));
    }
    if hashes.is_empty() {
        return Err(PkiError::Invalid("no data-group hashes"));
    }

    let lds_version = match c.optional(0x30)? {
        None => None,
        Some(info) => {
            if version != 1 {
                return Err(PkiError::Invalid(
                    "ldsVersionInfo in a version 0 LDSSecurityObject",
                ));
            }
            let mut i = info.children();
            let lds = printable_string(&next_child(&mut i, "ldsVersionInfo")?, "ldsVersion")?;
            let unicode =
                printable_string(&next_child(&mut i, "ldsVersionInfo")?, "unicodeVersion")?;
            no_more(&mut i, "ldsVersionInfo")?;
            Some((lds, unicode))
        }
    };
    no_more(&mut c, WHAT)?;
    Ok(LdsSecurityObject {
        version,
        hash_algorithm: alg.raw,
        hash_algorithm_oid,
        hashes,
        lds_version,
    })
}

/// Parses an ICAO CscaMasterList (`SEQUENCE { version INTEGER (0), certList SET OF Certificate
/// }`) and returns each certificate's TLV exactly as encoded, in encoded order. At most
/// [`MAX_MASTER_LIST_CERTIFICATES`]. Certificates are not parsed here.
pub fn parse_master_list(econtent: &[u8]) -> Result<Vec<Vec<u8>>, PkiError> {
    const WHAT: &str = "CscaMasterList";
    let ml = ber::read_single(econtent)?;
    if ml.tag != 0x30 {
        return Err(PkiError::Malformed(WHAT));
    }
    let mut c = ml.children();
    if small_uint(&next_child(&mut c, WHAT)?, "CscaMasterList version")? != 0 {
        return Err(PkiError::Invalid("unknown CscaMasterList version"));
    }
    let set = next_child(&mut c, "CscaMasterList certList")?;
    if set.tag != 0x31 {
        return Err(PkiError::Malformed("CscaMasterList certList"));
    }
    no_more(&mut c, WHAT)?;
    let mut certs = Vec::new();
    for e in set.children() {
        let e = e?;
        if certs.len() >= MAX_MASTER_LIST_CERTIFICATES {
            return Err(PkiError::Invalid("too many certificates in master list"));
        }
        if e.tag != 0x30 {
            return Err(PkiError::Malformed("CscaMasterList certificate"));
        }
        certs.push(e.raw.to_vec());
    }
    Ok(certs)
}

/// Splits BSI TR-03110 SecurityInfos (`SET OF SecurityInfo`, the eContent of EF.CardSecurity
/// and the content of EF.CardAccess) into (protocol OID dotted, whole SecurityInfo TLV exactly
/// as encoded), in encoded order. Each SecurityInfo must be a SEQUENCE of a protocol OID,
/// requiredData and at most one optionalData; their meaning is not interpreted here.
pub fn parse_security_infos(econtent: &[u8]) -> Result<Vec<(String, &[u8])>, PkiError> {
    let set = ber::read_single(econtent)?;
    if set.tag != 0x31 {
        return Err(PkiError::Malformed("SecurityInfos"));
    }
    let mut out = Vec::new();
    for e in set.children() {
        let e = e?;
        if out.len() >= MAX_SECURITY_INFOS {
            return Err(PkiError::Invalid("too many SecurityInfos"));
        }
        if e.tag != 0x30 {
            return Err(PkiError::Malformed("SecurityInfo"));
        }
        let mut c = e.children();
        let protocol = next_child(&mut c, "SecurityInfo protocol")?;
        if protocol.tag != 0x06 {
            return Err(PkiError::Malformed("SecurityInfo protocol"));
        }
        let protocol =
            oid::to_string(protocol.content).ok_or(PkiError::Malformed("SecurityInfo protocol"))?;
        next_child(&mut c, "SecurityInfo requiredData")?;
        if c.next().transpose()?.is_some() {
            no_more(&mut c, "SecurityInfo")?;
        }
        out.push((protocol, e.raw));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlv::encode as tlv;

    fn dgh(n: &[u8], hash: &[u8]) -> Vec<u8> {
        tlv(0x30, &[tlv(0x02, n), tlv(0x04, hash)].concat())
    }

    fn so(version: u8, hashes: &[Vec<u8>], info: Option<Vec<u8>>) -> Vec<u8> {
        let alg = tlv(
            0x30,
            &[tlv(0x06, &oid::encode(oid::SHA1).unwrap()), tlv(0x05, &[])].concat(),
        );
        let mut body = vec![tlv(0x02, &[version]), alg, tlv(0x30, &hashes.concat())];
        body.extend(info);
        tlv(0x30, &body.concat())
    }

    #[test]
    fn lds_security_object_rules() {
        let h = [dgh(&[1], &[0xAA; 20]), dgh(&[15], &[0xBB; 20])];
        let bytes = so(0, &h, None);
        let parsed = parse_lds_security_object(&bytes).unwrap();
        assert_eq!(parsed.hash_algorithm_oid, oid::SHA1);
        assert_eq!(parsed.hash_of(15), Some(&[0xBB; 20][..]));

        let info = tlv(0x30, &[tlv(0x13, b"0107"), tlv(0x13, b"040000")].concat());
        assert!(parse_lds_security_object(&so(1, &h, Some(info.clone()))).is_ok());
        assert!(parse_lds_security_object(&so(0, &h, Some(info))).is_err());
        assert!(parse_lds_security_object(&so(2, &h, None)).is_err());
        let bad_info = tlv(0x30, &[tlv(0x13, b"01\x0007"), tlv(0x13, b"0")].concat());
        assert!(parse_lds_security_object(&so(1, &h, Some(bad_info))).is_err());

        let dup = [dgh(&[1], &[1]), dgh(&[1], &[2])];
        assert_eq!(
            parse_lds_security_object(&so(0, &dup, None)).unwrap_err(),
            PkiError::Invalid("duplicate data-group number")
        );
        for n in [&[0u8][..], &[17], &[0xFF], &[1, 0]] {
            assert!(parse_lds_security_object(&so(0, &[dgh(n, &[1])], None)).is_err());
        }
        let all: Vec<Vec<u8>> = (1..=16u8).map(|n| dgh(&[n], &[n])).collect();
        assert_eq!(
            parse_lds_security_object(&so(0, &all, None))
                .unwrap()
                .hashes
                .len(),
            16
        );
        let mut too_many = all.clone();
        too_many.push(dgh(&[3], &[3]));
        assert_eq!(
            parse_lds_security_object(&so(0, &too_many, None)).unwrap_err(),
            PkiError::Invalid("more than 16 data-group hashes")
        );
        assert!(parse_lds_security_object(&so(0, &[], None)).is_err());
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(parse_lds_security_object(&trailing).is_err());
    }

    #[test]
    fn master_list_and_security_infos_rules() {
        let cert = tlv(0x30, &tlv(0x30, &[]));
        let ml = |v: u8, entries: &[u8]| tlv(0x30, &[tlv(0x02, &[v]), tlv(0x31, entries)].concat());
        assert_eq!(
            parse_master_list(&ml(0, &cert.repeat(2))).unwrap(),
            vec![cert.clone(), cert.clone()]
        );
        assert!(parse_master_list(&ml(1, &cert)).is_err());
        assert!(parse_master_list(&ml(0, &tlv(0x02, &[1]))).is_err());

        let oid_tlv = tlv(0x06, &oid::encode("0.4.0.127.0.7.2.2.2").unwrap());
        let info = tlv(0x30, &[oid_tlv.clone(), tlv(0x02, &[1])].concat());
        let with_opt = tlv(
            0x30,
            &[oid_tlv.clone(), tlv(0x02, &[1]), tlv(0x02, &[2])].concat(),
        );
        let set = tlv(0x31, &[info.clone(), with_opt].concat());
        let infos = parse_security_infos(&set).unwrap();
        assert_eq!(infos.len(), 2);
        assert_eq!(
            infos[0],
            ("0.4.0.127.0.7.2.2.2".to_string(), info.as_slice())
        );
        // No requiredData; too many fields; not a SET.
        assert!(parse_security_infos(&tlv(0x31, &tlv(0x30, &oid_tlv))).is_err());
        let four = tlv(0x30, &[oid_tlv.clone(), tlv(0x02, &[1]).repeat(3)].concat());
        assert!(parse_security_infos(&tlv(0x31, &four)).is_err());
        assert!(parse_security_infos(&tlv(0x30, &info)).is_err());
        let many = tlv(0x31, &info.repeat(MAX_SECURITY_INFOS + 1));
        assert!(parse_security_infos(&many).is_err());
    }
}
