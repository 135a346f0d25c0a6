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
use monid_core::rand::FixedRandom;
use monid_core::sm::{SecureMessaging, Unprotected};
use monid_core::tlv;
use monid_core::{CancelToken, Transport, TransportError, TransportInfo};

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
