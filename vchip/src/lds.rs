//! Builders for the synthetic files a profile puts on the chip: MRZ with check digits, EF.COM,
//! DG1, DG2 (ISO/IEC 19794-5 facial record), DG7, DG11, DG12, DG15, the LDSSecurityObject, the
//! unsigned EF.SOD of the Appendix D profile and EF.ATR/INFO.
//!
//! This module owns the card-side encoding of these files. It uses only `monid-core`'s `tlv`
//! writer (never its LDS parsers), so that the parsers are tested against an independent writer.

use monid_core::tlv::encode;
use sha2::{Digest, Sha256};

/// ICAO 9303-3 §4.9 check digit (weights 7, 3, 1; `<` = 0, digits, `A`..`Z` = 10..35).
pub fn check_digit(field: &str) -> char {
    let weights = [7u32, 3, 1];
    let sum: u32 = field
        .bytes()
        .zip(weights.iter().cycle())
        .map(|(c, w)| {
            let v = match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'A'..=b'Z' => u32::from(c - b'A') + 10,
                _ => 0,
            };
            v * w
        })
        .sum();
    char::from(b'0' + (sum % 10) as u8)
}

/// Pads `s` with `<` to `len` characters (truncating longer input).
pub(crate) fn fill(s: &str, len: usize) -> String {
    let mut out: String = s.chars().take(len).collect();
    while out.chars().count() < len {
        out.push('<');
    }
    out
}

/// The fields of a synthetic MRZ.
pub(crate) struct MrzFields<'a> {
    pub doc_code: &'a str,
    pub state: &'a str,
    pub name: &'a str,
    pub number: &'a str,
    pub nationality: &'a str,
    pub birth: &'a str,
    pub sex: &'a str,
    pub expiry: &'a str,
    pub optional: &'a str,
}

/// A TD3 MRZ (2 x 44), concatenated without line breaks.
pub(crate) fn mrz_td3(f: &MrzFields<'_>) -> String {
    let line1 = fill(&format!("{}{}{}", fill(f.doc_code, 2), f.state, f.name), 44);
    let number = fill(f.number, 9);
    let optional = fill(f.optional, 14);
    let opt_cd = if f.optional.is_empty() {
        '<'
    } else {
        check_digit(&optional)
    };
    let doc = format!("{number}{}", check_digit(&number));
    let birth = format!("{}{}", f.birth, check_digit(f.birth));
    let expiry = format!("{}{}", f.expiry, check_digit(f.expiry));
    let opt = format!("{optional}{opt_cd}");
    let composite = check_digit(&format!("{doc}{birth}{expiry}{opt}"));
    let line2 = format!(
        "{doc}{}{birth}{}{expiry}{opt}{composite}",
        f.nationality, f.sex
    );
    format!("{line1}{line2}")
}

/// A TD1 MRZ (3 x 30), concatenated without line breaks.
pub(crate) fn mrz_td1(f: &MrzFields<'_>) -> String {
    let number = fill(f.number, 9);
    let doc = format!("{number}{}", check_digit(&number));
    let opt1 = fill("", 15);
    let line1 = format!("{}{}{doc}{opt1}", fill(f.doc_code, 2), f.state);
    let birth = format!("{}{}", f.birth, check_digit(f.birth));
    let expiry = format!("{}{}", f.expiry, check_digit(f.expiry));
    let opt2 = fill(f.optional, 11);
    let composite = check_digit(&format!("{doc}{opt1}{birth}{expiry}{opt2}"));
    let line2 = format!("{birth}{}{expiry}{}{opt2}{composite}", f.sex, f.nationality);
    let line3 = fill(f.name, 30);
    format!("{line1}{line2}{line3}")
}

/// DG1: `61 { 5F1F mrz }`.
pub(crate) fn dg1(mrz: &str) -> Vec<u8> {
    encode(0x61, &encode(0x5F1F, mrz.as_bytes()))
}

/// The data group tag of DG`n` as listed in EF.COM (ICAO 9303-10 table 35).
pub(crate) fn dg_tag(n: u8) -> Option<u8> {
    Some(match n {
        1 => 0x61,
        2 => 0x75,
        3 => 0x63,
        4 => 0x76,
        5 => 0x65,
        6 => 0x66,
        7 => 0x67,
        8 => 0x68,
        9 => 0x69,
        10 => 0x6A,
        11 => 0x6B,
        12 => 0x6C,
        13 => 0x6D,
        14 => 0x6E,
        15 => 0x6F,
        16 => 0x70,
        _ => return None,
    })
}

/// EF.COM: `60 { 5F01 "0107", 5F36 "040000", 5C tags }`.
pub(crate) fn ef_com(dgs: &[u8]) -> Vec<u8> {
    let tags: Vec<u8> = dgs.iter().filter_map(|&n| dg_tag(n)).collect();
    let mut v = encode(0x5F01, b"0107");
    v.extend(encode(0x5F36, b"040000"));
    v.extend(encode(0x5C, &tags));
    encode(0x60, &v)
}

/// Image data type of an ISO/IEC 19794-5 image information block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ImageType {
    Jpeg = 0,
    Jpeg2000 = 1,
}

/// An ISO/IEC 19794-5:2005 facial record (`FAC\0 010\0`) holding one image, no feature points.
pub(crate) fn facial_record(image: &[u8], kind: ImageType, width: u16, height: u16) -> Vec<u8> {
    const GENERAL_HEADER: usize = 14;
    const FACIAL_HEADER: usize = 20;
    const IMAGE_INFO: usize = 12;
    let facial_len = FACIAL_HEADER + IMAGE_INFO + image.len();
    let total = GENERAL_HEADER + facial_len;
    let mut r = Vec::with_capacity(total);
    r.extend_from_slice(b"FAC\x00010\x00");
    r.extend_from_slice(&(total as u32).to_be_bytes());
    r.extend_from_slice(&1u16.to_be_bytes()); // number of facial images
    // Facial record header.
    r.extend_from_slice(&(facial_len as u32).to_be_bytes());
    r.extend_from_slice(&0u16.to_be_bytes()); // feature points
    r.push(0); // gender: unspecified
    r.push(0); // eye colour: unspecified
    r.push(0); // hair colour: unspecified
    r.extend_from_slice(&[0, 0, 0]); // feature mask
    r.extend_from_slice(&[0, 0]); // expression: unspecified
    r.extend_from_slice(&[0, 0, 0]); // pose angle yaw/pitch/roll
    r.extend_from_slice(&[0, 0, 0]); // pose angle uncertainty
    // Image information.
    r.push(1); // face image type: full frontal
    r.push(kind as u8); // image data type: 0 JPEG, 1 JPEG 2000
    r.extend_from_slice(&width.to_be_bytes());
    r.extend_from_slice(&height.to_be_bytes());
    r.push(1); // colour space: 24-bit RGB
    r.push(2); // source type: static photo from a digital still camera
    r.extend_from_slice(&0u16.to_be_bytes()); // device type
    r.extend_from_slice(&0u16.to_be_bytes()); // quality
    r.extend_from_slice(image);
    r
}

/// DG2: `75 { 7F61 { 02 01 01, 7F60 { A1 { 87 02 01 01, 88 02 00 08 }, 5F2E record } } }`.
pub(crate) fn dg2(record: &[u8]) -> Vec<u8> {
    let mut bhi = encode(0x87, &[0x01, 0x01]);
    bhi.extend(encode(0x88, &[0x00, 0x08]));
    let mut bit = encode(0xA1, &bhi);
    bit.extend(encode(0x5F2E, record));
    let mut group = encode(0x02, &[0x01]);
    group.extend(encode(0x7F60, &bit));
    encode(0x75, &encode(0x7F61, &group))
}

/// DG7: `67 { 02 01 01, 5F43 image }`.
pub(crate) fn dg7(image: &[u8]) -> Vec<u8> {
    let mut v = encode(0x02, &[0x01]);
    v.extend(encode(0x5F43, image));
    encode(0x67, &v)
}

/// A data group made of a tag list `5C` followed by the listed text fields.
pub(crate) fn tagged_text_dg(outer: u32, fields: &[(u16, &str)]) -> Vec<u8> {
    let mut list = Vec::new();
    for (tag, _) in fields {
        list.extend_from_slice(&tag.to_be_bytes());
    }
    let mut v = encode(0x5C, &list);
    for (tag, text) in fields {
        v.extend(encode(u32::from(*tag), text.as_bytes()));
    }
    encode(outer, &v)
}

/// DG15: `6F { SubjectPublicKeyInfo }`.
pub(crate) fn dg15(spki_der: &[u8]) -> Vec<u8> {
    encode(0x6F, spki_der)
}

/// OID 2.16.840.1.101.3.4.2.1 (id-sha256), content octets.
const OID_SHA256: [u8; 9] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
/// OID 1.2.840.113549.1.7.2 (id-signedData).
const OID_SIGNED_DATA: [u8; 9] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
/// OID 2.23.136.1.1.1 (id-icao-mrtd-security-ldsSecurityObject).
const OID_LDS_SO: [u8; 6] = [0x67, 0x81, 0x08, 0x01, 0x01, 0x01];

/// The LDSSecurityObject (the EF.SOD eContent) over `dgs`:
/// `LDSSecurityObject { 0, sha256, { (n, SHA-256(DGn)) ... } }` (ICAO 9303-10 §4.6.2.2),
/// DER, version 0, no `ldsVersionInfo`, `hashAlgorithm` without parameters.
pub(crate) fn lds_security_object(dgs: &[(u8, &[u8])]) -> Vec<u8> {
    let sha256_alg = encode(0x30, &encode(0x06, &OID_SHA256));
    let mut hashes = Vec::new();
    for (n, content) in dgs {
        let mut h = encode(0x02, &[*n]);
        h.extend(encode(0x04, &Sha256::digest(content)));
        hashes.extend(encode(0x30, &h));
    }
    let mut so = encode(0x02, &[0x00]);
    so.extend_from_slice(&sha256_alg);
    so.extend(encode(0x30, &hashes));
    encode(0x30, &so)
}

/// EF.SOD, structurally real but UNSIGNED (empty `signerInfos`):
/// `77 { ContentInfo { id-signedData, [0] SignedData { 3, {sha256}, { ldsSecurityObject,
/// [0] OCTET STRING { LDSSecurityObject } }, {} } } }`. Only the Appendix D profile still
/// carries one; the passport and CNIE profiles serve an EF.SOD signed by the test PKI
/// (`test-vectors/pki/`).
pub(crate) fn ef_sod_unsigned(dgs: &[(u8, &[u8])]) -> Vec<u8> {
    let sha256_alg = encode(0x30, &encode(0x06, &OID_SHA256));
    let lds_so = lds_security_object(dgs);
    let mut encap = encode(0x06, &OID_LDS_SO);
    encap.extend(encode(0xA0, &encode(0x04, &lds_so)));
    let mut sd = encode(0x02, &[0x03]);
    sd.extend(encode(0x31, &sha256_alg));
    sd.extend(encode(0x30, &encap));
    sd.extend(encode(0x31, &[]));
    let mut ci = encode(0x06, &OID_SIGNED_DATA);
    ci.extend(encode(0xA0, &encode(0x30, &sd)));
    encode(0x77, &encode(0x30, &ci))
}

/// EF.ATR/INFO with only the extended length information DO (ISO/IEC 7816-4 §12.7.1):
/// `7F66 { 02 02 max-command-bytes, 02 02 max-response-bytes }`.
pub(crate) fn atr_info(max_command: u16, max_response: u16) -> Vec<u8> {
    let mut v = encode(0x02, &max_command.to_be_bytes());
    v.extend(encode(0x02, &max_response.to_be_bytes()));
    encode(0x7F66, &v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_match_icao_specimens() {
        // ICAO 9303-3/-11 examples: L898902C< -> 3, 690806 -> 1, 940623 -> 6.
        assert_eq!(check_digit("L898902C<"), '3');
        assert_eq!(check_digit("690806"), '1');
        assert_eq!(check_digit("940623"), '6');
        assert_eq!(check_digit("D23145890"), '7');
    }

    #[test]
    fn mrz_lengths() {
        let f = MrzFields {
            doc_code: "P",
            state: "UTO",
            name: "TESTER<<ALEX",
            number: "UT1234567",
            nationality: "UTO",
            birth: "850101",
            sex: "F",
            expiry: "341231",
            optional: "",
        };
        assert_eq!(mrz_td3(&f).len(), 88);
        assert_eq!(mrz_td1(&f).len(), 90);
    }
}
