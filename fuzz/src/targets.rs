//! The fuzz targets. Each takes arbitrary bytes and must return without panicking.
//!
//! Assertions here state invariants of the parsers' *successful* results (round trips, lengths
//! that add up); an assertion failure is a parser bug just like a panic inside `monid-core`.

use monid_core::apdu::{Command, Response};
use monid_core::channel::{AccessControl, Channel};
use monid_core::crypto::{self, SmCipher};
use monid_core::face::{DecodeLimits, FaceError, decode_image};
use monid_core::files::{ChipCaps, EfRef, FileOutcome, FileReader, PartialFile, ReadPolicy};
use monid_core::lds::dg1::MRZ_LENGTHS;
use monid_core::lds::{Com, Dg1, Dg2, Dg11, Dg12, Dg15, FileId, dg2, sniff_image};
use monid_core::mrz::{CivilDate, Mrz, MrzKey};
use monid_core::pki::cert::{self, Certificate};
use monid_core::pki::cms::{self, SignerIdentifier};
use monid_core::pki::country::check_issuing_state;
use monid_core::pki::crl::{self, Crl};
use monid_core::pki::name::Name;
use monid_core::pki::pa::{self, CheckKind, Outcome, PaInput, Verdict};
use monid_core::pki::sig::{self, PublicKey};
use monid_core::pki::trust::TrustStore;
use monid_core::pki::{Timestamp, alg, ber, chain, ldsso};
use monid_core::rand::FixedRandom;
use monid_core::sm::{SecureMessaging, Unprotected};
use monid_core::tlv;
use monid_core::{CancelToken, Transport, TransportError, TransportInfo};
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------------
// apdu_response

/// `Response::parse` + status decoding, and `Command::encode` on a command built from the input.
pub fn apdu_response(data: &[u8]) {
    match Response::parse(data) {
        None => assert!(
            data.len() < 2,
            "parse refused a response of {} bytes",
            data.len()
        ),
        Some(r) => {
            let _ = r.sw.status();
            let _ = (r.sw.sw1(), r.sw.sw2(), r.sw.is_success());
            assert_eq!(r.data.len() + 2, data.len());
            assert_eq!(r.to_bytes(), data, "Response::to_bytes does not round-trip");
            let _ = format!("{r:?}");
        }
    }
    // Command encoding: header, a 3-byte Ne selector, then data.
    if let Some((head, rest)) = data.split_first_chunk::<7>() {
        let [cla, ins, p1, p2, ne_kind, ne_hi, ne_lo] = *head;
        let ne = usize::from(u16::from_be_bytes([ne_hi, ne_lo]));
        let mut cmd = Command::new(cla, ins, p1, p2).with_data(rest.to_vec());
        cmd = match ne_kind % 4 {
            0 => cmd,
            1 => cmd.with_ne(ne),
            2 => cmd.with_ne(ne + 1), // up to 65536
            _ => cmd.with_ne(ne * 2), // beyond any form: must be refused, not panic
        };
        for extended in [false, true] {
            if let Ok(bytes) = cmd.encode(extended) {
                assert!(bytes.len() >= 4);
                assert_eq!(bytes.get(..4), Some(&cmd.header()[..]));
            }
        }
        let _ = cmd.needs_extended();
    }
}

// ---------------------------------------------------------------------------------------------
// tlv

/// Deepest nesting the walker follows (LDS files nest about 6 deep).
const MAX_TLV_DEPTH: u32 = 24;

fn walk_tlv(mut r: tlv::Reader<'_>, depth: u32) {
    while !r.is_empty() {
        let before = r.rest().len();
        match r.read() {
            Ok(t) => {
                assert_eq!(
                    before - r.rest().len(),
                    t.encoded_len(),
                    "reader advanced by something other than the object's length"
                );
                assert!(t.header_len >= 2 && t.header_len <= 8);
                // Re-encoding the object and parsing it back gives the same value.
                let enc = tlv::encode(t.tag, t.value);
                let back = tlv::parse_single(&enc, t.tag);
                assert_eq!(back.map(|b| b.value), Ok(t.value), "TLV round trip");
                if t.is_constructed() && depth < MAX_TLV_DEPTH {
                    walk_tlv(t.children(), depth + 1);
                }
            }
            Err(_) => {
                assert_eq!(r.rest().len(), before, "a failed read consumed input");
                break;
            }
        }
    }
}

/// `Reader` over nested objects (bounded depth), `read_header`, `parse_single`, `find`,
/// `expect`, `read_all`, `finish`.
pub fn tlv(data: &[u8]) {
    walk_tlv(tlv::Reader::new(data), 0);
    if let Ok((tag, len, header_len)) = tlv::read_header(data) {
        assert!(header_len <= data.len() && header_len <= 8);
        match tlv::parse_single(data, tag) {
            Ok(t) => {
                assert_eq!(t.tag, tag);
                assert_eq!(t.value.len(), len);
                assert_eq!(t.encoded_len(), data.len());
            }
            // A header whose length spans exactly the input is one whole object.
            Err(_) => assert_ne!(header_len.checked_add(len), Some(data.len())),
        }
        let _ = tlv::Reader::new(data).find(tag);
        let _ = tlv::Reader::new(data).expect(tag);
    }
    if let Ok(all) = tlv::Reader::new(data).read_all() {
        let total: usize = all.iter().map(|t| t.encoded_len()).sum();
        assert_eq!(total, data.len());
    }
    let mut r = tlv::Reader::new(data);
    let _ = r.read();
    let _ = r.finish();
    // The capability parser of EF.ATR/INFO walks TLV too.
    ChipCaps::default().learn_atr_info(data);
}

// ---------------------------------------------------------------------------------------------
// mrz

/// `Mrz::parse` on the input as (lossy) UTF-8, and `MrzKey::new` on it split at `|`.
pub fn mrz(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let today = CivilDate::new(2026, 5, 1);
    if let Ok(m) = Mrz::parse(&text) {
        let _ = (
            m.format(),
            m.document_code(),
            m.issuing_state(),
            m.document_number(),
        );
        let _ = (m.document_number_check_digit(), m.sex(), m.nationality());
        let _ = (m.primary_identifier(), m.secondary_identifier());
        let _ = (m.optional_data_1(), m.optional_data_2());
        if let Some(today) = today {
            let _ = m.date_of_birth().resolve_birth(today);
            let _ = m.date_of_expiry().resolve_expiry(today);
        }
        let key = m.key();
        let _ = key.key_seed();
        let _ = format!("{m:?}");
    }
    let mut parts = text.splitn(3, '|');
    let (Some(doc), Some(birth), Some(expiry)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    if let Ok(key) = MrzKey::new(doc, birth, expiry) {
        let info = key.mrz_information();
        assert!(info.len() >= 9 + 1 + 7 + 7);
        let _ = key.key_seed();
        let _ = (
            key.date_of_birth().is_complete(),
            key.date_of_expiry().month(),
        );
        if let Some(today) = today {
            let _ = key.date_of_birth().resolve_birth(today);
            let _ = key.date_of_expiry().resolve_expiry(today);
        }
        let _ = format!("{key:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// sm_unwrap

/// ICAO 9303-11 Appendix D.4 session keys and SSC (3DES).
const DES3_K_ENC: [u8; 16] = [
    0x97, 0x9E, 0xC1, 0x3B, 0x1C, 0xBF, 0xE9, 0xDC, 0xD0, 0x1A, 0xB0, 0xFE, 0xD3, 0x07, 0xEA, 0xE5,
];
const DES3_K_MAC: [u8; 16] = [
    0xF1, 0xCB, 0x1F, 0x1F, 0xB5, 0xAD, 0xF2, 0x08, 0x80, 0x6B, 0x89, 0xDC, 0x57, 0x9D, 0xC1, 0xF8,
];
const DES3_SSC: [u8; 8] = [0x88, 0x70, 0x22, 0x12, 0x0C, 0x06, 0xC2, 0x26];
/// Arbitrary fixed AES-128 keys; the SSC starts near a carry to exercise the increment.
const AES_K_ENC: [u8; 16] = [
    0x2F, 0x7F, 0x46, 0xAD, 0xCC, 0x9E, 0x7E, 0x52, 0x1B, 0x45, 0xD1, 0x92, 0xFA, 0xFA, 0x91, 0x26,
];
const AES_K_MAC: [u8; 16] = [
    0x80, 0x5A, 0x1D, 0x27, 0xD4, 0x5A, 0x51, 0x16, 0xF7, 0x3C, 0x54, 0x46, 0x94, 0x62, 0xB7, 0xD8,
];
const AES_SSC: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF];

fn sm_session(aes: bool) -> Option<(SecureMessaging, SmCipher)> {
    let (cipher, k_enc, k_mac, ssc): (SmCipher, &[u8], &[u8], &[u8]) = if aes {
        (SmCipher::Aes128, &AES_K_ENC, &AES_K_MAC, &AES_SSC)
    } else {
        (SmCipher::Des3, &DES3_K_ENC, &DES3_K_MAC, &DES3_SSC)
    };
    SecureMessaging::new(cipher, k_enc, k_mac, ssc)
        .ok()
        .map(|s| (s, cipher))
}

/// The MAC the chip would put in DO'8E' over `body` for the next SSC of `sm`.
fn chip_mac(sm: &SecureMessaging, cipher: SmCipher, body: &[u8]) -> Option<[u8; 8]> {
    let mut ssc = sm.ssc().to_vec();
    for b in ssc.iter_mut().rev() {
        let (v, carry) = b.overflowing_add(1);
        *b = v;
        if !carry {
            break;
        }
    }
    let mut input = ssc;
    input.extend_from_slice(body);
    let padded = crypto::pad(&input, cipher.block_len());
    match cipher {
        SmCipher::Des3 => crypto::retail_mac(&DES3_K_MAC, &padded).ok(),
        _ => crypto::aes_cmac8(&AES_K_MAC, &padded).ok(),
    }
}

/// First byte: bit 0 = AES (else 3DES), bits 1-2 = mode:
/// 0, 1: `unprotect` of the rest as a raw response (data + SW);
/// 2: `unprotect` of the rest as response data objects followed by a *valid* DO'8E' computed by
///    the harness (the last two bytes are the SW), so the fuzzer reaches decryption and padding;
/// 3: `protect` of a command built from the rest (CLA INS P1 P2, Ne selector, data), then
///    `unprotect` of a response to it.
pub fn sm_unwrap(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some((mut sm, cipher)) = sm_session(sel & 1 == 1) else {
        return;
    };
    match (sel >> 1) & 3 {
        0 | 1 => {
            if let Some(resp) = Response::parse(rest) {
                let ssc_before = sm.ssc().to_vec();
                let out = sm.unprotect(&resp);
                assert_ne!(
                    sm.ssc(),
                    ssc_before.as_slice(),
                    "unprotect must advance the SSC"
                );
                if let Ok(Unprotected::Verified(_)) = out {
                    // Without the keys the fuzzer cannot forge a MAC; a verified result
                    // here would mean the MAC check is broken (2^-64 by chance).
                    panic!("unprotect accepted a response the harness did not MAC");
                }
            }
        }
        2 => {
            let Some((body, sw)) = rest.split_last_chunk::<2>() else {
                return;
            };
            let Some(mac) = chip_mac(&sm, cipher, body) else {
                return;
            };
            let mut raw = body.to_vec();
            raw.extend_from_slice(&[0x8E, 0x08]);
            raw.extend_from_slice(&mac);
            raw.extend_from_slice(sw);
            if let Some(resp) = Response::parse(&raw)
                && let Ok(Unprotected::Verified(r)) = sm.unprotect(&resp)
            {
                assert!(
                    r.data.len() <= body.len(),
                    "decrypted data longer than input"
                );
            }
        }
        _ => {
            let Some((head, cmd_data)) = rest.split_first_chunk::<7>() else {
                return;
            };
            let [cla, ins, p1, p2, ne_kind, ne_hi, ne_lo] = *head;
            let ne = usize::from(u16::from_be_bytes([ne_hi, ne_lo]));
            let mut cmd = Command::new(cla, ins, p1, p2).with_data(cmd_data.to_vec());
            if ne_kind & 1 == 1 {
                cmd = cmd.with_ne(ne + usize::from(ne_kind >> 7));
            }
            let extended = ne_kind & 2 == 2;
            let ssc_before = sm.ssc().to_vec();
            match sm.protect(&cmd, extended) {
                Ok(p) => {
                    assert_eq!(p.cla & 0x0C, 0x0C);
                    assert!(
                        p.encode(extended).is_ok(),
                        "protected command does not encode"
                    );
                    assert_ne!(sm.ssc(), ssc_before.as_slice());
                    // The chip's answer: the plaintext command data echoed back, protected.
                    if let Some(body) = echo_response(&sm, cipher, cmd_data)
                        && let Some(resp) = Response::parse(&body)
                    {
                        match sm.unprotect(&resp) {
                            Ok(Unprotected::Verified(r)) => {
                                assert_eq!(r.data, cmd_data, "SM round trip");
                            }
                            other => panic!("valid protected response refused: {other:?}"),
                        }
                    }
                }
                Err(_) => assert_eq!(sm.ssc(), ssc_before.as_slice(), "failed protect moved SSC"),
            }
        }
    }
}

/// A well-formed protected response carrying `plain` (DO'87', DO'99' 9000, DO'8E') for the next
/// SSC of `sm`, built with the crypto primitives as a chip would.
fn echo_response(sm: &SecureMessaging, cipher: SmCipher, plain: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    if !plain.is_empty() {
        let padded = crypto::pad(plain, cipher.block_len());
        let ct = match cipher {
            SmCipher::Des3 => crypto::des3_cbc_encrypt(&DES3_K_ENC, &padded).ok()?,
            _ => {
                let mut ssc: [u8; 16] = sm.ssc().try_into().ok()?;
                for b in ssc.iter_mut().rev() {
                    let (v, carry) = b.overflowing_add(1);
                    *b = v;
                    if !carry {
                        break;
                    }
                }
                let iv = crypto::aes_ecb_encrypt_block(&AES_K_ENC, &ssc).ok()?;
                crypto::aes_cbc_encrypt(&AES_K_ENC, &iv, &padded).ok()?
            }
        };
        let mut v = vec![0x01];
        v.extend_from_slice(&ct);
        body.extend_from_slice(&tlv::encode(0x87, &v));
    }
    body.extend_from_slice(&[0x99, 0x02, 0x90, 0x00]);
    let mac = chip_mac(sm, cipher, &body)?;
    body.extend_from_slice(&[0x8E, 0x08]);
    body.extend_from_slice(&mac);
    body.extend_from_slice(&[0x90, 0x00]);
    Some(body)
}

// ---------------------------------------------------------------------------------------------
// file_reader

/// A chip whose answers come from the fuzz input. Each answer starts with a byte: 00-EF is the
/// length of the response that follows, F0 and F1 announce a 2- or 3-byte big-endian length,
/// F2-FF stand for transport errors (tag lost, timeout, response too long, other, cancelled).
/// When the input runs out the tag is lost.
struct ScriptedChip<'a> {
    script: &'a [u8],
    info: TransportInfo,
    exchanges: usize,
}

/// True when `apdu` is a well-formed short command APDU (ISO/IEC 7816-4 §5.1 cases 1-4S).
fn is_short_apdu(apdu: &[u8]) -> bool {
    if apdu.len() <= 5 {
        // Case 1 (header only) or case 2S (any Le byte, 00 = 256).
        return apdu.len() >= 4;
    }
    // Cases 3S and 4S: a non-zero Lc (a zero here starts an extended length field).
    match apdu.get(4) {
        Some(&lc) if lc != 0 => {
            let lc = usize::from(lc);
            apdu.len() == 5 + lc || apdu.len() == 6 + lc
        }
        _ => false,
    }
}

/// Upper bound on exchanges per run (a guard: each response costs at least 2 input bytes).
const MAX_EXCHANGES: usize = 100_000;

impl ScriptedChip<'_> {
    fn take_len<const N: usize>(&mut self) -> usize {
        let Some((len, rest)) = self.script.split_first_chunk::<N>() else {
            return 0;
        };
        self.script = rest;
        len.iter().fold(0, |acc, b| (acc << 8) | usize::from(*b))
    }
}

impl Transport for ScriptedChip<'_> {
    fn transceive(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.exchanges += 1;
        assert!(self.exchanges <= MAX_EXCHANGES, "reader does not stop");
        assert!(command.len() >= 4, "command shorter than a header");
        if !self.info.extended_length {
            assert!(
                is_short_apdu(command),
                "extended-length command ({} bytes) on a short-only link",
                command.len()
            );
        }
        assert!(
            command.len() <= self.info.max_command_len,
            "command too long for the link"
        );
        let Some((&kind, rest)) = self.script.split_first() else {
            return Err(TransportError::TagLost);
        };
        self.script = rest;
        let len = match kind {
            0x00..=0xEF => usize::from(kind),
            0xF0 => self.take_len::<2>(),
            0xF1 => self.take_len::<3>(),
            0xF2..=0xF3 => return Err(TransportError::TagLost),
            0xF4 => return Err(TransportError::Timeout),
            0xF5..=0xF6 => return Err(TransportError::ResponseTooLong),
            0xF7..=0xFD => return Err(TransportError::Other("link".into())),
            _ => return Err(TransportError::Cancelled),
        };
        let (resp, rest) = self
            .script
            .split_at_checked(len)
            .unwrap_or((self.script, &[]));
        self.script = rest;
        Ok(resp.to_vec())
    }

    fn info(&self) -> TransportInfo {
        self.info
    }
}

/// First byte: policy and link (bit 0 use_sfi, bit 1 allow_extended, bit 2 link extended,
/// bit 3 fixed 0x10-byte chunks, bit 4 read EF.ATR/INFO first and learn from it, bits 5-6 which
/// EF: DG1 with SFI, DG2 without, an unframed EF with a standard SFI; bit 7 a 512-byte file-size cap instead of
/// 64 KiB), then the chip's responses. The main EF is read
/// up to three times over fresh channels (resumption) while the link keeps failing.
pub fn file_reader(data: &[u8]) {
    let Some((&cfg, script)) = data.split_first() else {
        return;
    };
    let policy = ReadPolicy {
        max_file_size: if cfg & 0x80 != 0 { 512 } else { 64 * 1024 },
        use_sfi: cfg & 1 != 0,
        allow_extended: cfg & 2 != 0,
        fixed_chunk: (cfg & 8 != 0).then_some(0x10),
    };
    let info = if cfg & 4 != 0 {
        TransportInfo {
            max_command_len: 65_544,
            max_response_len: 65_538,
            extended_length: true,
        }
    } else {
        TransportInfo::default()
    };
    let mut chip = ScriptedChip {
        script,
        info,
        exchanges: 0,
    };
    let cancel = CancelToken::new();
    let mut rng = FixedRandom::new(Vec::new());
    let mut reader = FileReader::new(policy, ChipCaps::default());

    if cfg & 0x10 != 0 {
        let atr = EfRef {
            name: "EF.ATR/INFO",
            fid: 0x2F01,
            sfi: Some(0x01),
            framed: false,
            sfi_only: true,
        };
        let mut file = PartialFile::default();
        let mut ch = Channel::new(&mut chip, &cancel, &(), &mut rng);
        if ch.establish(AccessControl::None).is_err() {
            return;
        }
        if let Ok(FileOutcome::Complete) = reader.read(&mut ch, &atr, &mut file, &mut |_, _| {}) {
            reader.caps.learn_atr_info(&file.data);
        }
        reader.caps.atr_info_read = true;
        reader.forget_selection();
    }

    let ef = match (cfg >> 5) & 3 {
        0 | 1 => EfRef {
            name: "DG1",
            fid: 0x0101,
            sfi: Some(0x01),
            framed: true,
            sfi_only: false,
        },
        2 => EfRef {
            name: "DG2",
            fid: 0x0102,
            sfi: None,
            framed: true,
            sfi_only: false,
        },
        _ => EfRef {
            name: "EF.CardAccess",
            fid: 0x011C,
            sfi: Some(0x1C),
            framed: false,
            sfi_only: true,
        },
    };
    let mut file = PartialFile::default();
    for _attempt in 0..3 {
        let mut ch = Channel::new(&mut chip, &cancel, &(), &mut rng);
        if ch.establish(AccessControl::None).is_err() {
            return;
        }
        let before = file.data.len();
        let mut last = (before, None);
        let out = reader.read(&mut ch, &ef, &mut file, &mut |n, total| {
            assert!(n >= last.0, "progress went backwards");
            if let Some(t) = total {
                assert!(t <= policy.max_file_size, "total beyond the cap");
            }
            last = (n, total);
        });
        if std::env::var_os("FUZZ_DEBUG").is_some() {
            eprintln!("{out:?} {file:?} {:?}", reader.caps);
        }
        assert!(file.data.len() >= before, "resumed file lost bytes");
        assert!(file.data.len() <= policy.max_file_size.max(before));
        match out {
            Ok(FileOutcome::Complete) => {
                assert!(file.is_complete());
                assert_eq!(
                    Some(file.data.len()),
                    file.total,
                    "complete file has extra bytes"
                );
                return;
            }
            Ok(_) => return,
            Err(_) => reader.forget_selection(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// LDS files and face decoding

/// `Com::parse` and its accessors.
pub fn com(data: &[u8]) {
    if let Ok(c) = Com::parse(data) {
        let _ = c.lds_version_numbers();
        let _ = c.lists(FileId::Dg2);
        for dg in &c.data_groups {
            assert!(c.lists(*dg));
        }
    }
}

/// `Dg1::parse`, then the MRZ parser on what it returned.
pub fn dg1(data: &[u8]) {
    if let Ok(d) = Dg1::parse(data) {
        assert!(MRZ_LENGTHS.contains(&d.mrz.len()));
        let _ = d.parse_mrz();
        let _ = format!("{d:?}");
    }
}

/// `Dg2::parse`, and the two face record parsers directly on the input.
pub fn dg2(data: &[u8]) {
    if let Ok(d) = Dg2::parse(data) {
        assert!(!d.faces.is_empty() && d.faces.len() <= dg2::MAX_FACES);
        for f in &d.faces {
            assert!(f.data.len() <= data.len());
            assert_eq!(f.format, sniff_image(&f.data));
        }
        let _ = format!("{d:?}");
    }
    let _ = dg2::parse_biometric_group(FileId::Dg2, data);
    let _ = dg2::parse_iso19794_5(data);
    let _ = dg2::parse_iso39794_5(data);
}

/// `Dg11::parse`.
pub fn dg11(data: &[u8]) {
    if let Ok(d) = Dg11::parse(data) {
        let _ = format!("{d:?}");
    }
}

/// `Dg12::parse`.
pub fn dg12(data: &[u8]) {
    if let Ok(d) = Dg12::parse(data) {
        let _ = format!("{d:?}");
    }
}

/// `Dg15::parse`.
pub fn dg15(data: &[u8]) {
    if let Ok(d) = Dg15::parse(data) {
        assert!(d.spki.len() <= data.len());
        let _ = format!("{d:?}");
    }
}

/// Every other LDS file through `lds::parse` (EF.SOD, DG7, the raw ones): the first byte is the
/// file's outer tag (or, when no file has that tag, a data group number).
pub fn lds(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some(file) = FileId::from_tag(sel).or_else(|| FileId::from_dg_number(sel % 17)) else {
        return;
    };
    if let Ok(parsed) = monid_core::lds::parse(file, rest) {
        let _ = format!("{parsed:?}");
    }
    let _ = monid_core::lds::unwrap_file(file, rest);
}

/// Limits for the face decoding target: smaller than the defaults, so that one input decodes
/// in milliseconds, with the same checks.
const FUZZ_DECODE_LIMITS: DecodeLimits = DecodeLimits {
    max_width: 1024,
    max_height: 1024,
    max_rgb_bytes: 4 * 1024 * 1024,
    max_tiles: 256,
};

/// `decode_image` (JPEG and JPEG 2000, by magic bytes) within small limits.
///
/// The decoders may panic on hostile input; `face` catches that ([`FaceError::DecoderPanicked`]).
/// The libFuzzer binary installs [`crate::tolerate_decoder_panics`] so that such a caught panic
/// is not reported as a crash; a panic anywhere else still is.
pub fn face_decode(data: &[u8]) {
    match decode_image(data, &FUZZ_DECODE_LIMITS) {
        Ok(p) => {
            assert!(p.width > 0 && p.height > 0);
            assert!(p.width <= FUZZ_DECODE_LIMITS.max_width);
            assert!(p.height <= FUZZ_DECODE_LIMITS.max_height);
            assert_eq!(
                p.rgb.len() as u64,
                u64::from(p.width) * u64::from(p.height) * 3
            );
            let _ = p.get(0, 0);
        }
        Err(FaceError::DecoderPanicked { .. }) => {
            crate::DECODER_PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Err(_) => {}
    }
}

// ---------------------------------------------------------------------------------------------
// PKI: BER, EF.SOD and passive authentication, certificates, CRLs, master lists, signatures.

/// The test PKI of `test-vectors/pki` (see its SOURCE.md), embedded so that the libFuzzer
/// binaries need no files at run time.
mod pki_data {
    macro_rules! pki {
        ($rel:literal) => {
            include_bytes!(concat!("../../test-vectors/pki/", $rel)).as_slice()
        };
    }
    pub const CSCA_UTO_OLD: &[u8] = pki!("certs/csca-uto-old.der");
    pub const LINK_UTO_NEW_BY_OLD: &[u8] = pki!("certs/link-uto-new-by-old.der");
    pub const CSCA_MA: &[u8] = pki!("certs/csca-ma.der");
    pub const CRLS: [&[u8]; 3] = [
        pki!("crl/csca-uto-old.crl"),
        pki!("crl/csca-uto-new.crl"),
        pki!("crl/csca-ma.crl"),
    ];
    /// The passport profile's data groups, as the chip serves them.
    pub const DGS: [(u8, &[u8]); 4] = [
        (1, pki!("data/passport_td3/dg1.bin")),
        (2, pki!("data/passport_td3/dg2.bin")),
        (11, pki!("data/passport_td3/dg11.bin")),
        (12, pki!("data/passport_td3/dg12.bin")),
    ];
    /// The master list anchor of `test-vectors/certs/masterlist.cms` (its SOURCE.md).
    pub const CSCA_RSA: &[u8] = include_bytes!("../../test-vectors/certs/csca-rsa.der").as_slice();
}

/// The test PKI's fixed "now": 2026-11-25T12:00:00Z.
fn pki_now() -> Timestamp {
    Timestamp::from_utc(2026, 11, 25, 12, 0, 0).unwrap_or(Timestamp(1_795_608_000))
}

/// A certificate of the embedded test PKI (they all parse: the seed test checks it).
fn pki_cert(der: &[u8]) -> Option<Certificate> {
    Certificate::from_der(der).ok()
}

/// The trust store of the test PKI's expected outcomes: anchors CSCA-UTO-OLD (+ the link
/// certificate to CSCA-UTO-NEW) and CSCA-MA, and the three CRLs. Built once.
fn pki_store() -> &'static TrustStore {
    static STORE: OnceLock<TrustStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let mut s = TrustStore::new();
        for der in [
            pki_data::CSCA_UTO_OLD,
            pki_data::LINK_UTO_NEW_BY_OLD,
            pki_data::CSCA_MA,
        ] {
            let r = s.add_der(der);
            assert_eq!(r.added, 1, "embedded anchor refused: {r:?}");
        }
        for crl in pki_data::CRLS {
            let r = s.add_crl(crl);
            assert_eq!(r.crls_added, 1, "embedded CRL refused: {r:?}");
        }
        s
    })
}

/// CSCA-UTO-OLD (RSA 3072): the fixed issuer certificates and CRLs are verified against.
fn pki_csca() -> Option<&'static Certificate> {
    static CSCA: OnceLock<Option<Certificate>> = OnceLock::new();
    CSCA.get_or_init(|| pki_cert(pki_data::CSCA_UTO_OLD))
        .as_ref()
}

/// Deepest nesting the BER walker follows (the reader itself stops at `ber::MAX_DEPTH`).
const MAX_BER_WALK_DEPTH: usize = ber::MAX_DEPTH + 4;

/// Checks one element read from the start of `input`, and everything it offers.
fn check_ber_element(e: &ber::Element<'_>, input: &[u8]) {
    assert!(input.starts_with(e.raw), "raw is not the input's prefix");
    assert!(e.content.len() < e.raw.len(), "no header");
    let header_len = if e.indefinite {
        assert!(e.is_constructed(), "indefinite primitive element");
        assert!(
            e.raw.ends_with(&[0, 0]),
            "indefinite without end-of-contents"
        );
        e.raw.len() - e.content.len() - 2
    } else {
        assert!(e.raw.ends_with(e.content), "content is not the end of raw");
        e.raw.len() - e.content.len()
    };
    // Tag: 1 to 4 bytes; length: 1 to 5 bytes.
    assert!(
        (2..=9).contains(&header_len),
        "header of {header_len} bytes"
    );
    assert_eq!(
        e.raw.get(header_len..header_len + e.content.len()),
        Some(e.content)
    );
    let _ = format!("{e:?}");

    match e.string_content() {
        Ok(s) => {
            assert!(s.len() <= e.content.len(), "string content grew");
            if !e.is_constructed() {
                assert_eq!(s, e.content);
            }
        }
        Err(_) => assert!(e.is_constructed(), "primitive string_content failed"),
    }

    // to_der: definite minimal lengths, read back as one element, idempotent.
    if let Ok(der) = e.to_der() {
        let back = match ber::read_single(&der) {
            Ok(b) => b,
            Err(err) => panic!("to_der output does not read back: {err:?}"),
        };
        assert!(!back.indefinite);
        assert_eq!(back.raw, der.as_slice());
        let flattened = e.tag <= 0x3F && back.tag == e.tag & !0x20;
        assert!(back.tag == e.tag || flattened, "to_der changed the tag");
        assert_eq!(back.is_constructed(), e.is_constructed() && !flattened);
        assert_eq!(back.to_der().as_ref(), Ok(&der), "to_der is not idempotent");
        if !e.is_constructed() {
            assert_eq!(back.content, e.content);
        }
    }
}

fn walk_ber(input: &[u8], depth: usize) {
    let mut rest = input;
    // Children and the manual walk see the same elements.
    let mut children = ber::Children::clone(&ber_children_of(input));
    while !rest.is_empty() {
        let child = children.next();
        match ber::read(rest) {
            Ok((e, tail)) => {
                assert_eq!(e.raw.len() + tail.len(), rest.len());
                assert_eq!(child, Some(Ok(e)));
                check_ber_element(&e, rest);
                if e.is_constructed() && depth < MAX_BER_WALK_DEPTH {
                    walk_ber(e.content, depth + 1);
                }
                rest = tail;
            }
            Err(err) => {
                assert_eq!(child, Some(Err(err)));
                assert!(
                    children.next().is_none(),
                    "children continue after an error"
                );
                return;
            }
        }
    }
    assert!(children.next().is_none());
}

/// The children iterator over `content` (through a constructed wrapper element, as only an
/// element can make one).
fn ber_children_of(content: &[u8]) -> ber::Children<'_> {
    ber::Element {
        tag: 0x30,
        raw: content,
        content,
        indefinite: false,
    }
    .children()
}

/// `ber::read` / `read_single` / `Children` (`expect`, `optional`) / `string_content` /
/// `to_der` over every element, nested to a bounded depth, with their invariants; `Name` and the
/// algorithm identifier readers on the input.
pub fn ber(data: &[u8]) {
    walk_ber(data, 0);
    match ber::read(data) {
        Ok((e, tail)) => {
            assert_eq!(ber::read_single(data).is_ok(), tail.is_empty());
            let mut c = e.children();
            let first = ber::Children::clone(&c).next();
            match c.optional(0x30) {
                Ok(Some(s)) => assert_eq!(first, Some(Ok(s))),
                Ok(None) => {
                    assert!(first.is_none() || matches!(first, Some(Ok(f)) if f.tag != 0x30))
                }
                Err(_) => assert!(matches!(first, Some(Err(_)))),
            }
            let _ = e.children().expect(0x02);
        }
        Err(err) => assert_eq!(ber::read_single(data), Err(err)),
    }
    if let Ok(n) = Name::from_der(data) {
        assert_eq!(n.raw(), data);
        let _ = (n.country(), n.common_name(), n.is_empty(), n.rdns().len());
        assert!(n.eq_as_set(&n));
        let _ = format!("{n} {n:?}");
    }
    let _ = alg::DigestAlgorithm::from_algorithm_identifier(data);
    if let Ok(a) = alg::SignatureAlgorithm::from_algorithm_identifier(data) {
        let _ = (a.name(), a.hash().output_len());
        assert_eq!(
            alg::SignatureAlgorithm::from_cms(data, alg::DigestAlgorithm::Sha1).as_ref(),
            Ok(&a),
            "a full signature OID's own hash must win"
        );
    }
}

/// Strips the EF.SOD application tag 77 when present (as `pa::verify` does).
fn sod_content_info(sod: &[u8]) -> &[u8] {
    if sod.first() == Some(&0x77)
        && let Ok((e, _)) = ber::read(sod)
    {
        return e.content;
    }
    sod
}

/// EF.SOD: CMS `parse_signed_data`, `parse_lds_security_object` (and the master list and
/// SecurityInfos readers) on its eContent, then the whole of `pa::verify` with the test PKI's
/// trust store and the passport profile's DGs at the test PKI's date. The report must come
/// back, whatever the input; a `Valid` verdict must rest on passed checks.
pub fn sod(data: &[u8]) {
    if let Ok(sd) = cms::parse_signed_data(sod_content_info(data)) {
        assert!(sd.signer_infos.len() <= cms::MAX_SIGNER_INFOS);
        assert!(sd.certificates.len() <= cms::MAX_CERTIFICATES);
        assert!(sd.crls.len() <= cms::MAX_CRLS);
        assert!(sd.digest_algorithms.len() <= cms::MAX_DIGEST_ALGORITHMS);
        assert!(sd.econtent.len() <= data.len());
        for si in &sd.signer_infos {
            if let Some(attrs) = &si.signed_attrs {
                let signed = attrs.signed_bytes();
                assert_eq!(signed.len(), attrs.raw.len(), "signed attributes re-tagged");
                assert_eq!(signed.get(1..), attrs.raw.get(1..));
                if let Some(ap) = &attrs.algorithm_protection {
                    let _ = ap.matches(si.digest_algorithm, si.signature_algorithm);
                }
            }
            if let Ok(d) = alg::DigestAlgorithm::from_algorithm_identifier(si.digest_algorithm) {
                let _ = alg::SignatureAlgorithm::from_cms(si.signature_algorithm, d);
            }
        }
        for c in &sd.certificates {
            let _ = Certificate::from_der(c);
        }
        let _ = format!("{sd:?}");
        if let Ok(lds) = ldsso::parse_lds_security_object(&sd.econtent) {
            assert!(lds.hashes.len() <= ldsso::MAX_DATA_GROUP_HASHES);
            for (n, _) in &lds.hashes {
                assert!(lds.hash_of(*n).is_some());
            }
            let _ = format!("{lds:?}");
        }
        if let Ok(certs) = ldsso::parse_master_list(&sd.econtent) {
            assert!(certs.len() <= ldsso::MAX_MASTER_LIST_CERTIFICATES);
        }
        if let Ok(infos) = ldsso::parse_security_infos(&sd.econtent) {
            assert!(infos.len() <= ldsso::MAX_SECURITY_INFOS);
        }
    }

    let input = PaInput {
        sod: data,
        data_groups: &pki_data::DGS,
        issuing_state: Some("MAR"),
        dsc: None,
    };
    let report = pa::verify(&input, pki_store(), pki_now());
    assert!(
        report.outcome(CheckKind::SodStructure, None).is_some(),
        "no structure check in the report"
    );
    for (n, _) in &pki_data::DGS {
        assert!(
            report.outcome(CheckKind::DataGroupHash, Some(*n)).is_some(),
            "DG{n} missing from the report"
        );
    }
    if report.verdict() == Verdict::Valid {
        for kind in [
            CheckKind::SodStructure,
            CheckKind::SignedAttributes,
            CheckKind::Signature,
            CheckKind::Chain,
            CheckKind::Validity,
        ] {
            assert_eq!(report.outcome(kind, None), Some(Outcome::Pass), "{kind:?}");
        }
        assert!(!report.chain.is_empty());
        assert!(report.checks.iter().all(|c| c.outcome != Outcome::Fail));
    }
    let _ = format!("{report:?}");
}

/// `Certificate::from_der` and every accessor, `PublicKey::from_spki` on its key, its signature
/// checked against a fixed CSCA (and against itself), path building in the test PKI's store,
/// the country and signing-time checks; `TrustStore::add_der`.
pub fn certificate(data: &[u8]) {
    let Ok(cert) = Certificate::from_der(data) else {
        return;
    };
    assert!(data.len() <= cert::MAX_CERT_LEN);
    assert_eq!(cert.raw(), data);
    assert!(!cert.tbs().is_empty() && cert.tbs().len() < data.len());
    assert!(
        (1..=3).contains(&cert.version()),
        "version {}",
        cert.version()
    );
    let _ = (cert.issuer().to_string(), cert.subject().normalized_key());
    let _ = (cert.issuer().country(), cert.subject().common_name());
    let _ = (
        cert.not_before(),
        cert.not_after(),
        cert.is_valid_at(pki_now()),
    );
    if cert.not_before() <= cert.not_after() {
        assert!(cert.is_valid_at(cert.not_before()) && cert.is_valid_at(cert.not_after()));
    }
    let _ = (
        cert.signature_algorithm(),
        cert.tbs_signature_algorithm(),
        cert.signature(),
    );
    let _ = (
        cert.key_usage(),
        cert.is_ca(),
        cert.path_len(),
        cert.unknown_critical(),
    );
    let _ = cert.is_self_issued();
    assert!(cert.serial_matches(cert.serial()));
    // A SignerIdentifier made of the certificate's own fields names it.
    let by_issuer = SignerIdentifier::IssuerAndSerial {
        issuer: cert.issuer().raw(),
        serial: cert.serial(),
    };
    assert!(cert.matches_signer_id(&by_issuer), "own issuer and serial");
    if let Some(ski) = cert.subject_key_id() {
        assert!(cert.matches_signer_id(&SignerIdentifier::SubjectKeyId(ski)));
    }
    let _ = cert.authority_key_id();
    if let Ok(n) = Name::from_der(cert.subject().raw()) {
        assert!(n.eq_as_set(cert.subject()));
    } else {
        panic!("the subject's own encoding does not parse as a Name");
    }
    let _ = alg::SignatureAlgorithm::from_algorithm_identifier(cert.signature_algorithm());

    // Its own key (the generic EC path costs milliseconds: skip self-verification there).
    let key = PublicKey::from_spki(cert.spki());
    if let Ok(k) = &key {
        let _ = (k.describe(), k.is_rsa(), k.named_curve(), k.bits());
        let _ = format!("{k:?}");
        if !k.uses_generic_ec() {
            let self_signed = cert.verify_signed_by(k).is_ok();
            assert_eq!(cert.verify_signed_by_cert(&cert).is_ok(), self_signed);
        }
    }
    // Against the fixed CSCA: a fuzzed certificate cannot carry its signature, unless it only
    // changed what the signature does not cover.
    if let Some(csca) = pki_csca() {
        let _ = cert.verify_signed_by_cert(csca);
        let _ = chain::signature_check(&cert, csca);
    }
    let _ = chain::check_signing_time(&cert, Some(pki_now()));
    let _ = check_issuing_state(&cert, "MAR");
    let store = pki_store();
    let _ = store.issuers_of(&cert);
    let _ = store.is_revoked(&cert, pki_now());
    let r = chain::build_chain(store, &cert, pki_now());
    assert!(!r.steps.is_empty() && r.steps.len() <= chain::MAX_DEPTH + 1);
    if r.path_found {
        assert!(r.anchor().is_some() && r.dsc().is_some());
    }
    let _ = (r.overall(), r.revocation(), format!("{r:?}"));

    let mut fresh = TrustStore::new();
    let rep = fresh.add_der(data);
    assert_eq!(rep.added, 1, "a parsed certificate was refused: {rep:?}");
    assert!(fresh.contains(&cert));
    assert_eq!(fresh.add_der(data).duplicates, 1);
}

/// `Crl::from_der` and every accessor, its signature against the fixed CSCA, and
/// `TrustStore::add_crl` into a copy of the test PKI's store.
pub fn crl(data: &[u8]) {
    let Ok(crl) = Crl::from_der(data) else {
        return;
    };
    assert_eq!(crl.raw(), data);
    assert!(!crl.tbs().is_empty() && crl.tbs().len() < data.len());
    assert!(crl.revoked_count() <= crl::MAX_ENTRIES);
    let _ = (
        crl.signature_algorithm(),
        crl.signature(),
        crl.authority_key_id(),
    );
    let _ = (
        crl.issuer().to_string(),
        crl.this_update(),
        crl.next_update(),
    );
    if crl.next_update().is_none_or(|n| crl.this_update() <= n) {
        assert!(crl.is_current(crl.this_update()));
    }
    let _ = crl.is_current(pki_now());
    // The test PKI's serials (0x100F is on CSCA-UTO-OLD's CRL), with and without a leading 0.
    for serial in [
        &[0x10, 0x0F][..],
        &[0x00, 0x10, 0x0F],
        &[0x10, 0x0A],
        &[],
        &[0],
    ] {
        let _ = crl.revocation_date(serial);
    }
    if let Some(csca) = pki_csca() {
        let _ = crl.verify_signed_by_cert(csca);
    }
    let mut store = pki_store().clone();
    let before = store.crls().len();
    let r = store.add_crl(data);
    assert!(r.crls_added <= 1 && store.crls().len() <= before + r.crls_added);
}

/// `TrustStore::add_master_list` without an anchor and with two (the test PKI's CSCA-UTO-OLD,
/// `test-vectors/certs`' CSCA): the same certificates are loaded in every case.
pub fn master_list(data: &[u8]) {
    let mut unanchored = TrustStore::new();
    let r = unanchored.add_master_list(data, None);
    assert_eq!(
        r.master_list_verified,
        Some(false),
        "verified without an anchor"
    );
    assert_eq!(unanchored.len(), r.added);
    assert!(r.added + r.duplicates <= ldsso::MAX_MASTER_LIST_CERTIFICATES);
    let _ = format!("{r:?}");
    static ANCHORS: OnceLock<Vec<Certificate>> = OnceLock::new();
    let anchors = ANCHORS.get_or_init(|| {
        [pki_data::CSCA_UTO_OLD, pki_data::CSCA_RSA]
            .iter()
            .filter_map(|d| pki_cert(d))
            .collect()
    });
    for anchor in anchors {
        let mut store = TrustStore::new();
        let ra = store.add_master_list(data, Some(anchor));
        assert!(ra.master_list_verified.is_some());
        assert_eq!(
            (ra.added, ra.duplicates),
            (r.added, r.duplicates),
            "the anchor changed what was loaded"
        );
    }
    if let Ok(sd) = cms::parse_signed_data(data)
        && let Ok(certs) = ldsso::parse_master_list(&sd.econtent)
    {
        assert!(r.added + r.duplicates <= certs.len());
    }
}

/// Largest SubjectPublicKeyInfo the signature target takes: an RSA 8192 key is 1 062 bytes,
/// explicit P-521 parameters about 600.
const MAX_FUZZ_SPKI: usize = 1100;
/// Largest signature (RSA 8192: 1 024 bytes) and message.
const MAX_FUZZ_SIG: usize = 1100;
const MAX_FUZZ_MESSAGE: usize = 256;

const DIGESTS: [alg::DigestAlgorithm; 5] = [
    alg::DigestAlgorithm::Sha1,
    alg::DigestAlgorithm::Sha224,
    alg::DigestAlgorithm::Sha256,
    alg::DigestAlgorithm::Sha384,
    alg::DigestAlgorithm::Sha512,
];

/// The parts of a `spki_verify` input.
struct SigInput<'a> {
    sel: u8,
    salt: u8,
    spki: &'a [u8],
    sig: &'a [u8],
    message: &'a [u8],
}

/// Splits `sel salt len(2) spki len(2) signature message` (lengths big-endian, capped).
fn split_sig_input(data: &[u8]) -> Option<SigInput<'_>> {
    let ([sel, salt], rest) = data.split_first_chunk::<2>().map(|(h, r)| (*h, r))?;
    let (len, rest) = rest.split_first_chunk::<2>()?;
    let len = usize::from(u16::from_be_bytes(*len));
    if len > MAX_FUZZ_SPKI {
        return None;
    }
    let (spki, rest) = rest.split_at_checked(len)?;
    let (len, rest) = rest.split_first_chunk::<2>()?;
    let len = usize::from(u16::from_be_bytes(*len));
    if len > MAX_FUZZ_SIG {
        return None;
    }
    let (sig, message) = rest.split_at_checked(len)?;
    if message.len() > MAX_FUZZ_MESSAGE {
        return None;
    }
    Some(SigInput {
        sel,
        salt,
        spki,
        sig,
        message,
    })
}

/// `PublicKey::from_spki` on fuzzed bytes, then `verify_signature` (or `verify_ecdsa_plain`)
/// with a fuzzed signature and message under an algorithm chosen by the first byte (bits 0-1:
/// PKCS#1 v1.5, PSS, ECDSA DER, ECDSA r||s; bits 2-4: hash; bits 5-7: PSS MGF1 hash; second
/// byte: PSS salt length). Input: `sel salt spki_len(2) spki sig_len(2) sig message`, sizes
/// capped (the generic EC path costs milliseconds per call). EC keys on a curve a crate
/// implements are also loaded through the generic code, and both must agree.
pub fn spki_verify(data: &[u8]) {
    let Some(SigInput {
        sel,
        salt,
        spki,
        sig,
        message,
    }) = split_sig_input(data)
    else {
        return;
    };
    let hash = DIGESTS[usize::from((sel >> 2) & 7) % DIGESTS.len()];
    let mgf1_hash = DIGESTS[usize::from(sel >> 5) % DIGESTS.len()];
    let alg = match sel & 3 {
        0 => alg::SignatureAlgorithm::RsaPkcs1 { hash },
        1 => alg::SignatureAlgorithm::RsaPss {
            hash,
            mgf1_hash,
            salt_len: usize::from(salt),
        },
        _ => alg::SignatureAlgorithm::Ecdsa { hash },
    };
    let plain = sel & 3 == 3;
    let run = |key: &PublicKey| {
        if plain {
            sig::verify_ecdsa_plain(key, hash, message, sig)
        } else {
            sig::verify_signature(key, &alg, message, sig)
        }
    };
    let Ok(key) = PublicKey::from_spki(spki) else {
        return;
    };
    let _ = (key.describe(), key.bits(), key.named_curve());
    let verdict = run(&key);
    if verdict.is_ok() {
        assert!(!sig.is_empty(), "an empty signature verified");
    }
    // Differential: a curve a crate implements, through the generic code too.
    if !key.is_rsa() && !key.uses_generic_ec() {
        match PublicKey::from_spki_generic_ec(spki) {
            Ok(generic) => {
                assert!(generic.uses_generic_ec());
                assert_eq!(generic.named_curve(), key.named_curve());
                assert_eq!(
                    run(&generic).is_ok(),
                    verdict.is_ok(),
                    "crate and generic ECDSA disagree on {}",
                    key.describe()
                );
            }
            Err(e) => panic!(
                "{} accepted by the crate, refused generically: {e}",
                key.describe()
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Multi-application cards, PACE, chip and active authentication (issue 4)

/// Splits `data` into `N` parts, each a 2-byte big-endian length then that many bytes (fewer
/// when the input ends first); the last part takes whatever remains after its length.
pub fn split_parts<const N: usize>(data: &[u8]) -> [&[u8]; N] {
    let mut parts: [&[u8]; N] = [&[]; N];
    let mut rest = data;
    for (i, part) in parts.iter_mut().enumerate() {
        let Some((len, tail)) = rest.split_first_chunk::<2>() else {
            break;
        };
        let len = usize::from(u16::from_be_bytes(*len));
        let len = if i + 1 == N {
            tail.len()
        } else {
            len.min(tail.len())
        };
        let (head, tail) = tail.split_at(len);
        *part = head;
        rest = tail;
    }
    parts
}

/// EF.DIR through `EfDir::parse`: what it keeps is bounded and well formed.
pub fn ef_dir(data: &[u8]) {
    use monid_core::lds::dir::{MAX_AID_LEN, MAX_APPLICATIONS};
    if let Ok(dir) = monid_core::lds::EfDir::parse(data) {
        assert!(dir.applications.len() <= MAX_APPLICATIONS);
        for (i, a) in dir.applications.iter().enumerate() {
            assert!(!a.aid.is_empty() && a.aid.len() <= MAX_AID_LEN);
            assert!(
                dir.applications[..i].iter().all(|b| b.aid != a.aid),
                "duplicate AID kept"
            );
            if let Some(l) = &a.label {
                assert!(!l.chars().any(char::is_control));
            }
            let _ = (a.aid_hex(), a.known_name(), a.is_emrtd());
        }
        let _ = (dir.lists_emrtd(), format!("{dir:?}"));
    }
}

/// EF.CardAccess (and the same bytes as EF.CardSecurity content and DG14) through
/// `pace::info`, then the documented choice and the parameters each choice would run with.
pub fn card_access(data: &[u8]) {
    use monid_core::pace::info;
    use monid_core::pace::params::PaceParams;
    if let Ok(infos) = info::parse_card_access(data) {
        let _ = format!("{infos:?}");
        let all = info::choose(&infos);
        let ecdh = info::choose_with(
            &infos,
            &info::PaceSupport {
                ecdh_gm: true,
                ecdh_im: true,
                ecdh_cam: true,
                dh_gm: false,
                dh_im: false,
            },
        );
        assert!(ecdh.len() <= all.len() || all.is_empty() || !ecdh.is_empty());
        for c in all.iter().chain(&ecdh) {
            let _ = PaceParams::from_oid(
                &c.protocol.oid_bytes(),
                c.parameters.id(),
                c.mse_parameter_id.is_some(),
            );
            let _ = (c.parameters.security_bits(), c.parameters.curve_oid());
        }
    }
    let _ = info::parse_card_security(data);
    let _ = info::parse_dg14(data);
}

/// The BSI EAC worked example's terminal key for chip authentication (ca_pcd_priv_key without
/// its leading 00; test-vectors/ca-aa/bsi_eac_ca_v2.json), so the seed runs CA to the end.
const CA_PCD_SK: &str = "A6A4D255C5BF7A77EC3D0553DB74F693CF044E18C98364D4977A296108AF19BD";

/// DG14 then chip authentication: part 0 is DG14 (`6E { SecurityInfos }`), part 1 the MSE
/// response, part 2 the GENERAL AUTHENTICATE response. Also `ca::parse_security_infos` on
/// part 0 as a bare SET.
pub fn dg14(data: &[u8]) {
    let _ = dg14_completes(data);
}

/// [`dg14`], telling whether chip authentication ran to the end (for the seed check).
pub fn dg14_completes(data: &[u8]) -> bool {
    use monid_core::ca::{self, CaStep, ChipAuthentication};
    let [dg14, mse, ga] = split_parts::<3>(data);
    let _ = ca::parse_security_infos(dg14);
    let Ok(infos) = ca::parse_dg14(dg14) else {
        return false;
    };
    let _ = format!("{infos:?}");
    let Ok(chip_auth) = ChipAuthentication::from_security_infos(&infos) else {
        return false;
    };
    let mut rng = FixedRandom::new([hex(CA_PCD_SK), hex(CA_PCD_SK)].concat());
    let Ok((awaiting, _cmd)) = chip_auth.start(&mut rng) else {
        return false;
    };
    let Some(mse) = Response::parse(mse) else {
        return false;
    };
    match awaiting.on_mse(&mse) {
        Ok(CaStep::Authenticate(awaiting, _)) => {
            if let Some(ga) = Response::parse(ga)
                && let Ok(outcome) = awaiting.finish(&ga)
            {
                let _ = format!("{:?}", outcome.evidence);
                return true;
            }
            false
        }
        Ok(CaStep::Done(outcome)) => {
            let _ = format!("{:?}", outcome.evidence);
            true
        }
        Err(_) => false,
    }
}

/// DG15 then active authentication: part 0 is DG15, part 1 the challenge (8 bytes, zero
/// padded), part 2 the INTERNAL AUTHENTICATE response. A signature that verifies must verify
/// again from the evidence alone.
pub fn active_auth(data: &[u8]) {
    use monid_core::aa::{self, ActiveAuthentication};
    let [dg15, challenge, response] = split_parts::<3>(data);
    let Ok(d) = Dg15::parse(dg15) else {
        return;
    };
    let mut c = [0u8; 8];
    for (dst, src) in c.iter_mut().zip(challenge) {
        *dst = *src;
    }
    let Some(response) = Response::parse(response) else {
        return;
    };
    let auth = ActiveAuthentication::with_challenge(&d.spki, None, c);
    let _ = auth.command();
    if let Ok(evidence) = auth.finish(&response) {
        assert_eq!(evidence.challenge, c);
        aa::verify_evidence(&evidence).expect("AA evidence that verified must verify again");
        let _ = format!("{evidence:?}");
    }
}

fn hex(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks(2)
        .filter_map(|p| u8::from_str_radix(core::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

/// One PACE configuration the `pace_terminal` target drives: protocol OID, standardized
/// domain parameter id, password reference, password bytes π, the terminal's "random" bytes
/// (mapping key or IM nonce t, then the ephemeral key) and, for CAM, the chip's static key.
pub struct PaceScenario {
    /// Name, for the seed files.
    pub name: &'static str,
    /// Protocol OID content octets (hex).
    pub oid: &'static str,
    /// Standardized domain parameter id.
    pub parameter_id: u8,
    /// 1 MRZ, 2 CAN, 3 PIN.
    pub password_ref: u8,
    /// π (hex): SHA-1 of the MRZ information for MRZ, the ASCII CAN/PIN otherwise.
    pub password: &'static str,
    /// The terminal's random bytes (hex).
    pub random: &'static str,
    /// CAM: the chip's static public key PK_IC (hex), checked with the CAM data.
    pub pk_ic: &'static str,
}

/// Synthetic terminal randomness for the scenarios without a worked example: 0x11 bytes are a
/// valid scalar on every curve and a valid IM nonce.
const R11: &str = "1111111111111111111111111111111111111111111111111111111111111111\
1111111111111111111111111111111111111111111111111111111111111111\
1111111111111111111111111111111111111111111111111111111111111111\
1111111111111111111111111111111111111111111111111111111111111111\
11111111111111111111111111111111111111111111111111111111";

/// The scenarios, selected by the first input byte (modulo the count). The first four are the
/// worked examples of test-vectors/pace/pace_ecdh_worked_examples.json (ICAO 9303-11 G.1, H.1,
/// I and the BSI EAC worked example), whose seeds run PACE to the end; the others cover every
/// curve, mapping and cipher the terminal supports (CAN "123456").
pub const PACE_SCENARIOS: &[PaceScenario] = &[
    PaceScenario {
        name: "icao_g1_gm_bp256",
        oid: "04007F00070202040202",
        parameter_id: 13,
        password_ref: 1,
        password: "7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD",
        random: "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99\
A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595",
        pk_ic: "",
    },
    PaceScenario {
        name: "icao_h1_im_bp256",
        oid: "04007F00070202040402",
        parameter_id: 13,
        password_ref: 1,
        password: "313233343536",
        random: "5DD4CBFC96F5453B130D890A1CDBAE32A73FB703AC1436A18E0CFA5ABB3F7BEC\
7A070E7A6788486BEE230C4A22762595",
        pk_ic: "",
    },
    PaceScenario {
        name: "icao_i_cam_bp256",
        oid: "04007F00070202040602",
        parameter_id: 13,
        password_ref: 1,
        password: "894D03F148C6265E89845B218856EA34D00EF8E8",
        random: "5D8BB87BD74D985A4B7D4325B9F7B976FE835122773400798914AA22738135CC\
76ECFDAA9841C323A3F5FC5E88B88DB3EFF7E35EBF57A7E6946CB630006C2120",
        pk_ic: "041872709494399E7470A6431BE25E83EEE24FEA568C2ED28DB48E05DB3A610D\
C884D256A40E35EFCB59BF6753D3A489D28C7A4D973C2DA138A6E7A4A08F68E1\
6F",
    },
    PaceScenario {
        name: "bsi_gm_bp256_pin",
        oid: "04007F00070202040202",
        parameter_id: 13,
        password_ref: 3,
        password: "313233343536",
        random: "752287F5B02DE3C4BC3E17945118C51B23C97278E4CD748048AC56BA5BDC3D46\
9D9A32DF93A57CCE33CA3CDD3457E33A976F293546C73550F397259C93BE0120",
        pk_ic: "",
    },
    PaceScenario {
        name: "gm_p256_aes128",
        oid: "04007F00070202040202",
        parameter_id: 12,
        password_ref: 2,
        password: "313233343536",
        random: R11,
        pk_ic: "",
    },
    PaceScenario {
        name: "gm_p384_aes192",
        oid: "04007F00070202040203",
        parameter_id: 15,
        password_ref: 2,
        password: "313233343536",
        random: R11,
        pk_ic: "",
    },
    PaceScenario {
        name: "gm_p521_aes256",
        oid: "04007F00070202040204",
        parameter_id: 18,
        password_ref: 2,
        password: "313233343536",
        random: R11,
        pk_ic: "",
    },
    PaceScenario {
        name: "gm_bp384_aes256",
        oid: "04007F00070202040204",
        parameter_id: 16,
        password_ref: 2,
        password: "313233343536",
        random: R11,
        pk_ic: "",
    },
    PaceScenario {
        name: "gm_bp256_3des",
        oid: "04007F00070202040201",
        parameter_id: 13,
        password_ref: 2,
        password: "313233343536",
        random: R11,
        pk_ic: "",
    },
    PaceScenario {
        name: "im_p256_aes128",
        oid: "04007F00070202040402",
        parameter_id: 12,
        password_ref: 2,
        password: "313233343536",
        random: R11,
        pk_ic: "",
    },
    PaceScenario {
        name: "im_p384_aes256",
        oid: "04007F00070202040404",
        parameter_id: 15,
        password_ref: 2,
        password: "313233343536",
        random: R11,
        pk_ic: "",
    },
    PaceScenario {
        name: "cam_p256_aes128",
        oid: "04007F00070202040602",
        parameter_id: 12,
        password_ref: 2,
        password: "313233343536",
        random: R11,
        pk_ic: "",
    },
    PaceScenario {
        name: "cam_bp384_aes256",
        oid: "04007F00070202040604",
        parameter_id: 16,
        password_ref: 2,
        password: "313233343536",
        random: R11,
        pk_ic: "",
    },
];

/// The PACE terminal typestate against chip responses from the input: the first byte picks a
/// [`PaceScenario`] (bit 7: send the parameter id in MSE:Set AT), the rest is four
/// length-prefixed responses (data and status word): encrypted nonce, mapping, key agreement,
/// token. A run that completes must give a working secure-messaging session.
pub fn pace_terminal(data: &[u8]) {
    let _ = pace_terminal_completes(data);
}

/// [`pace_terminal`], telling whether PACE ran to the end (for the seed check).
pub fn pace_terminal_completes(data: &[u8]) -> bool {
    use monid_core::pace::params::{PaceParams, PasswordRef};
    use monid_core::pace::terminal::Pace;
    let Some((&sel, rest)) = data.split_first() else {
        return false;
    };
    let Some(sc) = PACE_SCENARIOS.get(usize::from(sel) % PACE_SCENARIOS.len()) else {
        return false;
    };
    let Ok(params) = PaceParams::from_oid(&hex(sc.oid), sc.parameter_id, sel & 0x80 != 0) else {
        return false;
    };
    let password = match sc.password_ref {
        1 => PasswordRef::Mrz,
        2 => PasswordRef::Can,
        _ => PasswordRef::Pin,
    };
    let [nonce, mapping, key_agreement, token] = split_parts::<4>(rest);
    let mut rng = FixedRandom::new(hex(sc.random));
    let (state, _) = Pace::with_password(params, password, &hex(sc.password)).mse_set_at();
    let Some(ok) = Response::parse(&[0x90, 0x00]) else {
        return false;
    };
    let Ok((state, _, _)) = state.on_set_at(&ok) else {
        return false;
    };
    let Some(r) = Response::parse(nonce) else {
        return false;
    };
    let Ok((state, _)) = state.on_nonce(&r, &mut rng) else {
        return false;
    };
    let Some(r) = Response::parse(mapping) else {
        return false;
    };
    let Ok((state, _)) = state.on_mapping(&r, &mut rng) else {
        return false;
    };
    assert!(!state.mapped_generator().is_empty());
    let Some(r) = Response::parse(key_agreement) else {
        return false;
    };
    let Ok((state, cmd)) = state.on_key_agreement(&r) else {
        return false;
    };
    assert!(cmd.encode(false).is_ok());
    let Some(r) = Response::parse(token) else {
        return false;
    };
    let Ok((mut sm, outcome)) = state.finish(&r) else {
        return false;
    };
    let _ = format!("{outcome:?} {sm:?}");
    sm.protect(&Command::new(0x00, 0xB0, 0x00, 0x00).with_ne(4), false)
        .expect("a session PACE opened protects a command");
    if outcome.chip_authentication_data.is_some() && !sc.pk_ic.is_empty() {
        let _ = outcome.verify_chip_authentication(&hex(sc.pk_ic));
    }
    true
}

/// The DH groups of standardized ids 0-2, built once.
fn dh_groups() -> &'static [monid_core::pace::dh::DhGroup] {
    static GROUPS: OnceLock<Vec<monid_core::pace::dh::DhGroup>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        (0..3)
            .filter_map(monid_core::pace::dh::DhGroup::standardized)
            .collect()
    })
}

/// DH PACE primitives (the terminal typestate runs ECDH only so far): the first byte picks a
/// standardized group (0, 1, 2) or explicit domain parameters (3); then four length-prefixed
/// parts. Groups: part 0 is the chip's public key (validated, then the shared secret and the
/// generic mapping with part 1 as the nonce s), parts 1 and 2 are s and t of the integrated
/// mapping. Explicit: parts 0-2 are p, g, q, part 3 a public key to validate.
pub fn pace_dh(data: &[u8]) {
    use monid_core::pace::dh::DhGroup;
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let [a, b, c, d] = split_parts::<4>(rest);
    match sel % 4 {
        3 => {
            if let Ok(group) = DhGroup::from_be_bytes(a, b, c) {
                assert!(group.byte_len() <= monid_core::pace::dh::MAX_P_LEN);
                let _ = group.validate_public(d);
            }
        }
        id => {
            let Some(group) = dh_groups().get(usize::from(id)) else {
                return;
            };
            let x_bytes = vec![0x11; usize::try_from(group.order_bits() / 8).unwrap_or(20)];
            let Ok(x) = group.private_key_from_be_bytes(&x_bytes) else {
                return;
            };
            if group.validate_public(a).is_ok() {
                if let Ok(k) = group.shared_secret(&x, a) {
                    assert_eq!(k.len(), group.byte_len());
                }
                if let Ok(mapped) = group.map_generic(b, &x, a) {
                    let y = mapped.public_key(&x);
                    assert_eq!(y.len(), group.byte_len());
                }
            }
            if let Ok(mapped) = group.map_integrated(b, c, SmCipher::Aes128) {
                assert_eq!(mapped.generator().len(), group.byte_len());
            }
        }
    }
}
