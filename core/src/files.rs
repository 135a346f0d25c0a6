//! Reading elementary files: selection, READ BINARY and the read-size strategy.
//!
//! This module owns how the bytes of one EF come off the chip: SELECT by file identifier
//! (P2=0C) or an implicit selection by short file identifier (READ BINARY P1=80|SFI), falling
//! back to SELECT on 6A82/6A86/6D00; the odd-INS READ BINARY (B1, offset in DO'54', data in
//! DO'53') for offsets above 32767; reading exactly to the length announced by the file's own
//! TLV header and never past it (some chips answer a read past the end with an unprotected 6282,
//! which breaks the secure-messaging session); a per-file size cap checked before any
//! allocation; and the choice of how many bytes to ask per APDU.
//!
//! Read-size strategy: the chip's EF.ATR/INFO (2F01) is read once, in plain, before access
//! control; extended length is used only when both the chip (DO'7F66' or the card-capabilities
//! byte) and the transport say so. Short reads under secure messaging ask at most 0xDF bytes so
//! that the protected response fits a short APDU. On 6700, 6Cxx, or a transport error other than
//! a lost tag during an extended read, the strategy steps down (extended -> 0xDF -> 0x80 -> 0x40
//! -> 0x20) and remembers it for the rest of the read, because some chips advertise extended
//! length and still reject it.
//!
//! Bytes are appended to a caller-owned [`PartialFile`] as they arrive, so nothing already read is
//! lost when the link drops: a later call resumes at that byte offset. This module knows nothing
//! of data-group contents, access keys or secure messaging (the [`Channel`] hides it).

use crate::apdu::{Command, Response, Status, StatusWord};
use crate::channel::Channel;
use crate::error::{ChipError, Error, Result};
use crate::tlv;
use crate::transport::TransportError;

/// Largest chunk of a short READ BINARY under secure messaging (ICAO 9303-11 recommends 0xDF).
pub const SM_SHORT_CHUNK: usize = 0xDF;
/// The default per-file size cap: larger than any face image seen on issued documents.
pub const DEFAULT_MAX_FILE_SIZE: usize = 512 * 1024;
/// Short chunk sizes to step down through.
const SHORT_STEPS: [usize; 4] = [0x80, 0x40, 0x20, 0x10];
/// Bytes of secure-messaging overhead reserved in an extended response: DO'87' header (up to 5)
/// and padding (up to 16), DO'99' (4), DO'8E' (10), DO'53' header (up to 4), with margin.
const SM_EXTENDED_OVERHEAD: usize = 48;
/// How many zero-progress reads in a row end a file read.
const MAX_STALLS: u32 = 3;

/// What the caller allows the strategy to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadPolicy {
    /// Largest file accepted, in bytes. A larger declared length fails before allocation.
    pub max_file_size: usize,
    /// Try short-file-identifier reads before SELECT.
    pub use_sfi: bool,
    /// Use extended length when chip and transport support it.
    pub allow_extended: bool,
    /// Ask exactly this many bytes per READ BINARY (for comparisons; `None` = adaptive).
    pub fixed_chunk: Option<usize>,
}

impl Default for ReadPolicy {
    fn default() -> Self {
        ReadPolicy {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            use_sfi: true,
            allow_extended: true,
            fixed_chunk: None,
        }
    }
}

/// What has been learned about the chip. Kept across resumptions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChipCaps {
    /// The chip announced extended length (EF.ATR/INFO).
    pub extended_advertised: bool,
    /// Largest command the chip announced, if any.
    pub max_command: Option<usize>,
    /// Largest response the chip announced, if any.
    pub max_response: Option<usize>,
    /// Extended reads failed once: not used again.
    pub extended_disabled: bool,
    /// Short-file-identifier reads: `Some(false)` once the chip refused them.
    pub sfi: Option<bool>,
    /// Index into the short step-down sequence (0 = the default short chunk).
    pub short_step: u8,
    /// True once EF.ATR/INFO was looked for.
    pub atr_info_read: bool,
}

impl ChipCaps {
    /// Learns capabilities from the contents of EF.ATR/INFO (ISO/IEC 7816-4 §12.7.1): the
    /// extended-length information DO'7F66' (two INTEGERs: max command and max response
    /// bytes) and the card-capabilities DO'47' (third byte, bit 0x40: extended Lc/Le).
    pub fn learn_atr_info(&mut self, atr_info: &[u8]) {
        let mut r = tlv::Reader::new(atr_info);
        while let Ok(t) = r.read() {
            match t.tag {
                0x7F66 => {
                    let mut ints = t.children();
                    let a = ints
                        .read()
                        .ok()
                        .filter(|x| x.tag == 0x02)
                        .map(|x| be_usize(x.value));
                    let b = ints
                        .read()
                        .ok()
                        .filter(|x| x.tag == 0x02)
                        .map(|x| be_usize(x.value));
                    if let (Some(Some(cmd)), Some(Some(resp))) = (a, b) {
                        self.max_command = Some(cmd);
                        self.max_response = Some(resp);
                        if cmd > 261 || resp > 258 {
                            self.extended_advertised = true;
                        }
                    }
                }
                0x47 if t.value.get(2).is_some_and(|b| b & 0x40 != 0) => {
                    self.extended_advertised = true;
                }
                _ => {}
            }
        }
    }
}

fn be_usize(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() || bytes.len() > 4 {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
    )
}

/// An EF as read so far. Owned by the caller so that a dropped link loses nothing.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PartialFile {
    /// Bytes read so far, from offset 0.
    pub data: Vec<u8>,
    /// Total length, once the file's header was read.
    pub total: Option<usize>,
}

impl core::fmt::Debug for PartialFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "PartialFile({} of {:?} bytes)",
            self.data.len(),
            self.total
        )
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.data);
    }
}

impl PartialFile {
    /// True when every byte of the file has been read.
    pub fn is_complete(&self) -> bool {
        self.total.is_some_and(|t| self.data.len() >= t)
    }
}

/// How a file read ended, when it did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOutcome {
    /// All bytes are in the [`PartialFile`].
    Complete,
    /// The chip has no such file (6A82).
    NotFound(StatusWord),
    /// The file is protected beyond the current access rights (6982).
    Denied(StatusWord),
}

/// The file to read: its name, file identifier, short file identifier and framing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EfRef {
    /// Name for errors and progress (e.g. "DG2").
    pub name: &'static str,
    /// File identifier.
    pub fid: u16,
    /// Short file identifier, if the file has one.
    pub sfi: Option<u8>,
    /// True when the file is one BER-TLV object whose header gives its length. EF.ATR/INFO is
    /// not: it is read to its end in plain.
    pub framed: bool,
    /// True when the short file identifier is fixed by the standard (EF.ATR/INFO's 01): a
    /// refused short-identifier read then means the file is absent, without a SELECT to check.
    pub sfi_only: bool,
}

/// Reads EFs over a [`Channel`] with an adaptive strategy.
#[derive(Debug)]
pub struct FileReader {
    /// The caller's policy.
    pub policy: ReadPolicy,
    /// What has been learned about the chip.
    pub caps: ChipCaps,
    /// The file currently selected, with the access-control epoch of the selection.
    selected: Option<(u16, u32)>,
    /// A file whose short-identifier read answered 6A82: selected by FID to tell "no such
    /// file" from "no short identifiers".
    sfi_not_found: Option<u16>,
}

impl FileReader {
    /// A reader with this policy and previously learned capabilities.
    pub fn new(policy: ReadPolicy, caps: ChipCaps) -> Self {
        FileReader {
            policy,
            caps,
            selected: None,
            sfi_not_found: None,
        }
    }

    /// Forgets the current selection (after selecting an application, or a reset).
    pub fn forget_selection(&mut self) {
        self.selected = None;
    }

    /// True when extended length is in use for reads on `ch`.
    pub fn extended_in_use(&self, ch: &Channel<'_>) -> bool {
        self.policy.allow_extended
            && self.policy.fixed_chunk.is_none()
            && !self.caps.extended_disabled
            && self.caps.extended_advertised
            && ch.transport_info().extended_length
    }

    /// The number of file bytes to ask for in one READ BINARY on `ch` now.
    pub fn chunk(&self, ch: &Channel<'_>) -> usize {
        if let Some(fixed) = self.policy.fixed_chunk {
            return fixed.max(1);
        }
        if self.extended_in_use(ch) {
            let info = ch.transport_info();
            let mut limit = info.max_response_len.saturating_sub(2);
            if let Some(chip) = self.caps.max_response {
                limit = limit.min(chip);
            }
            limit = limit.min(crate::apdu::EXTENDED_MAX_NE);
            let overhead = if ch.is_protected() {
                SM_EXTENDED_OVERHEAD
            } else {
                8
            };
            let chunk = limit.saturating_sub(overhead);
            if chunk > SM_SHORT_CHUNK {
                return chunk;
            }
        }
        let base = if ch.is_protected() {
            SM_SHORT_CHUNK
        } else {
            crate::apdu::SHORT_MAX_NE
        };
        match self.caps.short_step {
            0 => base,
            n => SHORT_STEPS
                .get(usize::from(n) - 1)
                .copied()
                .unwrap_or(0x10)
                .min(base),
        }
    }

    /// Steps the read size down after the chip or the link refused it. Returns false when
    /// there is nothing smaller to try.
    fn step_down(&mut self, ch: &Channel<'_>) -> bool {
        if self.policy.fixed_chunk.is_some() {
            return false;
        }
        if self.extended_in_use(ch) {
            self.caps.extended_disabled = true;
            return true;
        }
        if usize::from(self.caps.short_step) < SHORT_STEPS.len() {
            self.caps.short_step += 1;
            return true;
        }
        false
    }

    fn select(&mut self, ch: &mut Channel<'_>, ef: &EfRef) -> Result<Option<FileOutcome>> {
        let cmd = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(ef.fid.to_be_bytes().to_vec());
        let r = ch.send(&cmd)?;
        match r.sw.status() {
            Status::Success => {
                self.selected = Some((ef.fid, ch.epoch()));
                Ok(None)
            }
            Status::FileNotFound => Ok(Some(FileOutcome::NotFound(r.sw))),
            Status::SecurityStatusNotSatisfied => Ok(Some(FileOutcome::Denied(r.sw))),
            _ => Err(Error::Chip(ChipError::UnexpectedStatus {
                sw: r.sw,
                during: "SELECT EF",
            })),
        }
    }

    fn is_selected(&self, ch: &Channel<'_>, ef: &EfRef) -> bool {
        self.selected == Some((ef.fid, ch.epoch()))
    }

    /// Reads `ef` into `file`, continuing at `file.data.len()`. `progress` is called after
    /// every chunk with (bytes so far, total if known).
    pub fn read(
        &mut self,
        ch: &mut Channel<'_>,
        ef: &EfRef,
        file: &mut PartialFile,
        progress: &mut dyn FnMut(usize, Option<usize>),
    ) -> Result<FileOutcome> {
        let mut stalls = 0u32;
        loop {
            let offset = file.data.len();
            if let Some(total) = file.total
                && offset >= total
            {
                file.data.truncate(total);
                return Ok(FileOutcome::Complete);
            }
            // How many bytes to ask for: enough for the header first, then exactly what is left.
            let want = match file.total {
                Some(total) => self.chunk(ch).min(total - offset),
                None if ef.framed => {
                    let need = if offset < 4 {
                        4 - offset
                    } else {
                        6usize.saturating_sub(offset).max(1)
                    };
                    need.min(self.chunk(ch))
                }
                None => self.chunk(ch),
            };
            // Above offset 32767 the odd INS wraps the data in DO'53' and Ne counts its header
            // (up to 4 bytes): keep Ne within a short APDU unless extended length is in use.
            let want = if offset > 0x7FFF && !self.extended_in_use(ch) {
                want.min(crate::apdu::SHORT_MAX_NE - 4)
            } else {
                want
            };
            let by_sfi = self.policy.use_sfi
                && self.caps.sfi != Some(false)
                && offset <= 0xFF
                && !self.is_selected(ch, ef)
                && self.sfi_not_found != Some(ef.fid)
                && ef.sfi.is_some();
            if !by_sfi
                && !self.is_selected(ch, ef)
                && let Some(outcome) = self.select(ch, ef)?
            {
                return Ok(outcome);
            }
            let (cmd, odd) = self.read_command(ef, offset, want, by_sfi)?;
            let response = match ch.send(&cmd) {
                Ok(r) => r,
                Err(Error::Transport(
                    TransportError::ResponseTooLong | TransportError::Other(_),
                )) if cmd.needs_extended() || want > SM_SHORT_CHUNK => {
                    // Some links carry extended APDUs badly: step down and retry.
                    if !self.step_down(ch) {
                        return Err(Error::Chip(ChipError::NoProgress {
                            file: ef.name,
                            offset,
                        }));
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            let sw = response.sw;
            match sw.status() {
                Status::Success | Status::EndOfFile => {
                    if by_sfi {
                        self.caps.sfi = Some(true);
                        self.selected = Some((ef.fid, ch.epoch()));
                    } else if self.sfi_not_found == Some(ef.fid) {
                        // The file exists but its short identifier did not work.
                        self.caps.sfi = Some(false);
                        self.sfi_not_found = None;
                    }
                    let data = if odd {
                        unwrap_do53(&response, ef.name)?
                    } else {
                        response.data.as_slice()
                    };
                    let take = data.len().min(want);
                    let chunk = data.get(..take).unwrap_or(&[]);
                    if chunk.is_empty() {
                        if sw.status() == Status::EndOfFile || !ef.framed {
                            // The file ends here.
                            file.total = Some(offset);
                            continue;
                        }
                        stalls += 1;
                        if stalls >= MAX_STALLS {
                            return Err(Error::Chip(ChipError::NoProgress {
                                file: ef.name,
                                offset,
                            }));
                        }
                        continue;
                    }
                    stalls = 0;
                    // A framed file is capped when its header is read; an unframed one here.
                    if !ef.framed && offset.saturating_add(take) > self.policy.max_file_size {
                        return Err(Error::Chip(ChipError::FileTooLarge {
                            file: ef.name,
                            len: offset.saturating_add(take),
                            cap: self.policy.max_file_size,
                        }));
                    }
                    file.data.extend_from_slice(chunk);
                    if sw.status() == Status::EndOfFile && file.total.is_some() {
                        // The file is shorter than its header says: keep what is there and let
                        // the parsers report it.
                        file.total = Some(file.data.len());
                    }
                    if file.total.is_none() {
                        if ef.framed {
                            self.learn_total(ef, file)?;
                        } else if sw.status() == Status::EndOfFile || take < want {
                            file.total = Some(file.data.len());
                        }
                    }
                    progress(file.data.len(), file.total);
                }
                Status::FileNotFound | Status::WrongP1P2 | Status::InsNotSupported
                    if by_sfi && ef.sfi_only =>
                {
                    return Ok(FileOutcome::NotFound(sw));
                }
                Status::FileNotFound if by_sfi => {
                    // Either the file is absent or the chip has no short identifiers: SELECT
                    // tells which.
                    self.sfi_not_found = Some(ef.fid);
                }
                Status::WrongP1P2 | Status::InsNotSupported if by_sfi => {
                    // No short file identifiers on this chip: select by file identifier.
                    self.caps.sfi = Some(false);
                }
                Status::FileNotFound => return Ok(FileOutcome::NotFound(sw)),
                Status::SecurityStatusNotSatisfied => return Ok(FileOutcome::Denied(sw)),
                Status::NoCurrentEf => {
                    self.selected = None;
                    stalls += 1;
                    if stalls >= MAX_STALLS {
                        return Err(Error::Chip(ChipError::UnexpectedStatus {
                            sw,
                            during: "READ BINARY",
                        }));
                    }
                }
                Status::OffsetOutsideFile if offset > 0 || !ef.framed => {
                    // The file ends here, possibly before its header's length (a truncated
                    // file): keep what was read; the parsers report the damage.
                    file.total = Some(offset);
                }
                Status::OffsetOutsideFile if offset == 0 => {
                    // An empty file.
                    file.total = Some(0);
                }
                Status::WrongLength | Status::WrongLe(_) => {
                    if let Status::WrongLe(xx) = sw.status()
                        && !ch.is_protected()
                        && xx != 0
                        && usize::from(xx) < want
                        && file.total.is_none()
                        && !ef.framed
                    {
                        file.total = Some(offset + usize::from(xx));
                        continue;
                    }
                    if !self.step_down(ch) {
                        return Err(Error::Chip(ChipError::UnexpectedStatus {
                            sw,
                            during: "READ BINARY",
                        }));
                    }
                }
                _ => {
                    return Err(Error::Chip(ChipError::UnexpectedStatus {
                        sw,
                        during: "READ BINARY",
                    }));
                }
            }
        }
    }

    fn learn_total(&self, ef: &EfRef, file: &mut PartialFile) -> Result<()> {
        match tlv::read_header(&file.data) {
            Ok((_tag, len, header_len)) => {
                let total = len.saturating_add(header_len);
                if total > self.policy.max_file_size {
                    return Err(Error::Chip(ChipError::FileTooLarge {
                        file: ef.name,
                        len: total,
                        cap: self.policy.max_file_size,
                    }));
                }
                file.data
                    .reserve_exact(total.saturating_sub(file.data.len()));
                file.total = Some(total);
                if file.data.len() > total {
                    file.data.truncate(total);
                }
                Ok(())
            }
            Err(tlv::TlvError::Truncated) if file.data.len() < 6 => Ok(()),
            Err(source) => Err(Error::Chip(ChipError::MalformedFile {
                file: ef.name,
                source,
            })),
        }
    }

    fn read_command(
        &self,
        ef: &EfRef,
        offset: usize,
        want: usize,
        by_sfi: bool,
    ) -> Result<(Command, bool)> {
        if by_sfi {
            let sfi = ef.sfi.unwrap_or(0) & 0x1F;
            let cmd = Command::new(0x00, 0xB0, 0x80 | sfi, offset as u8).with_ne(want);
            return Ok((cmd, false));
        }
        if offset <= 0x7FFF {
            let [p1, p2] = (offset as u16).to_be_bytes();
            return Ok((Command::new(0x00, 0xB0, p1, p2).with_ne(want), false));
        }
        // Odd INS: offset in DO'54', response data in DO'53'. Ne counts the DO'53' header.
        let off = u32::try_from(offset).map_err(|_| Error::Internal("offset too large"))?;
        let off_bytes: Vec<u8> = off
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        let data = tlv::encode(0x54, &off_bytes);
        let header = if want < 0x80 {
            2
        } else if want <= 0xFF {
            3
        } else {
            4
        };
        let cmd = Command::new(0x00, 0xB1, 0x00, 0x00)
            .with_data(data)
            .with_ne(want + header);
        Ok((cmd, true))
    }
}

fn unwrap_do53<'r>(response: &'r Response, file: &'static str) -> Result<&'r [u8]> {
    if response.data.is_empty() {
        return Ok(&[]);
    }
    let mut r = tlv::Reader::new(&response.data);
    let t = r
        .expect(0x53)
        .map_err(|source| Error::Chip(ChipError::MalformedFile { file, source }))?;
    Ok(t.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rand::FixedRandom;
    use crate::transport::{CancelToken, Transport, TransportInfo};
    use std::collections::HashMap;

    /// A plain card with a few EFs, strict about reading past the end.
    struct MockCard {
        files: HashMap<u16, Vec<u8>>,
        selected: Option<u16>,
        sfi: bool,
        extended: bool,
        max_resp: usize,
        log: Vec<Vec<u8>>,
        read_past_end: bool,
    }

    impl MockCard {
        fn new(files: &[(u16, Vec<u8>)]) -> Self {
            MockCard {
                files: files.iter().cloned().collect(),
                selected: None,
                sfi: true,
                extended: true,
                max_resp: 65536,
                log: Vec::new(),
                read_past_end: false,
            }
        }
        fn sw(sw: u16) -> Vec<u8> {
            sw.to_be_bytes().to_vec()
        }
        fn read(&mut self, fid: u16, offset: usize, ne: usize, odd: bool) -> Vec<u8> {
            let Some(f) = self.files.get(&fid) else {
                return Self::sw(0x6A82);
            };
            if offset >= f.len() {
                return Self::sw(0x6B00);
            }
            let hdr = |p: usize| {
                if p < 0x80 {
                    2
                } else if p <= 0xFF {
                    3
                } else {
                    4
                }
            };
            let payload_ne = if odd {
                (0..=ne).rev().find(|p| p + hdr(*p) <= ne).unwrap_or(0)
            } else {
                ne
            };
            if offset + payload_ne > f.len() {
                self.read_past_end = true;
            }
            let end = (offset + payload_ne)
                .min(f.len())
                .min(offset + self.max_resp);
            let mut out = f[offset..end].to_vec();
            if odd {
                out = crate::tlv::encode(0x53, &out);
            }
            out.extend_from_slice(&Self::sw(0x9000));
            out
        }
    }

    impl Transport for MockCard {
        fn transceive(&mut self, c: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.log.push(c.to_vec());
            let (cla, ins, p1, p2) = (c[0], c[1], c[2], c[3]);
            let _ = cla;
            let body = &c[4..];
            // Minimal parse: case 2/3/4 short or extended.
            let (data, ne): (Vec<u8>, usize) = if body.is_empty() {
                (vec![], 0)
            } else if body.len() == 1 {
                (vec![], if body[0] == 0 { 256 } else { body[0] as usize })
            } else if body[0] == 0 && body.len() == 3 {
                if !self.extended {
                    return Ok(Self::sw(0x6700));
                }
                let n = u16::from_be_bytes([body[1], body[2]]) as usize;
                (vec![], if n == 0 { 65536 } else { n })
            } else if body[0] == 0 {
                if !self.extended {
                    return Ok(Self::sw(0x6700));
                }
                let lc = u16::from_be_bytes([body[1], body[2]]) as usize;
                let data = body[3..3 + lc].to_vec();
                let rest = &body[3 + lc..];
                let ne = if rest.len() == 2 {
                    let n = u16::from_be_bytes([rest[0], rest[1]]) as usize;
                    if n == 0 { 65536 } else { n }
                } else {
                    0
                };
                (data, ne)
            } else {
                let lc = body[0] as usize;
                let data = body[1..1 + lc].to_vec();
                let ne = match body.get(1 + lc) {
                    Some(0) => 256,
                    Some(n) => *n as usize,
                    None => 0,
                };
                (data, ne)
            };
            Ok(match ins {
                0xA4 if p1 == 0x02 => {
                    let fid = u16::from_be_bytes([data[0], data[1]]);
                    if self.files.contains_key(&fid) {
                        self.selected = Some(fid);
                        Self::sw(0x9000)
                    } else {
                        Self::sw(0x6A82)
                    }
                }
                0xB0 if p1 & 0x80 != 0 => {
                    if !self.sfi {
                        return Ok(Self::sw(0x6A86));
                    }
                    let fid = 0x0100 | u16::from(p1 & 0x1F);
                    self.selected = Some(fid);
                    self.read(fid, p2 as usize, ne, false)
                }
                0xB0 => match self.selected {
                    Some(fid) => self.read(fid, u16::from_be_bytes([p1, p2]) as usize, ne, false),
                    None => Self::sw(0x6986),
                },
                0xB1 => {
                    let off = crate::tlv::parse_single(&data, 0x54).unwrap().value;
                    let off = off.iter().fold(0usize, |a, b| (a << 8) | *b as usize);
                    match self.selected {
                        Some(fid) => self.read(fid, off, ne, true),
                        None => Self::sw(0x6986),
                    }
                }
                _ => Self::sw(0x6D00),
            })
        }
        fn info(&self) -> TransportInfo {
            TransportInfo {
                max_command_len: 65544,
                max_response_len: 65538,
                extended_length: true,
            }
        }
    }

    fn dg(n: u8, len: usize) -> (u16, Vec<u8>) {
        let body: Vec<u8> = (0..len).map(|i| (i * 7 + n as usize) as u8).collect();
        (
            0x0100 | u16::from(n),
            crate::tlv::encode(0x60 + u32::from(n), &body),
        )
    }

    fn read_with(
        card: &mut MockCard,
        caps: ChipCaps,
        id: (u16, u8),
    ) -> (Result<FileOutcome>, PartialFile, ChipCaps) {
        let cancel = CancelToken::new();
        let mut rng = FixedRandom::new(vec![]);
        let mut ch = Channel::new(card, &cancel, &(), &mut rng);
        let mut fr = FileReader::new(ReadPolicy::default(), caps);
        let ef = EfRef {
            name: "DG",
            fid: id.0,
            sfi: Some(id.1),
            framed: true,
            sfi_only: false,
        };
        let mut pf = PartialFile::default();
        let r = fr.read(&mut ch, &ef, &mut pf, &mut |_, _| {});
        (r, pf, fr.caps)
    }

    #[test]
    fn short_reads_exactly_to_the_end_via_sfi() {
        let f = dg(1, 1000);
        let mut card = MockCard::new(std::slice::from_ref(&f));
        let (r, pf, caps) = read_with(&mut card, ChipCaps::default(), (0x0101, 1));
        assert_eq!(r.unwrap(), FileOutcome::Complete);
        assert_eq!(pf.data, f.1);
        assert_eq!(caps.sfi, Some(true));
        assert!(!card.read_past_end);
        // 4-byte header, then 1000 remaining bytes in 256-byte plain chunks.
        assert_eq!(card.log.len(), 1 + 1000_usize.div_ceil(256));
    }

    #[test]
    fn falls_back_to_select_when_sfi_is_refused() {
        let f = dg(2, 300);
        let mut card = MockCard::new(std::slice::from_ref(&f));
        card.sfi = false;
        let (r, pf, caps) = read_with(&mut card, ChipCaps::default(), (0x0102, 2));
        assert_eq!(r.unwrap(), FileOutcome::Complete);
        assert_eq!(pf.data, f.1);
        assert_eq!(caps.sfi, Some(false));
        assert_eq!(card.log[1][1], 0xA4);
    }

    #[test]
    fn extended_reads_with_odd_ins_and_step_down() {
        let f = dg(2, 60_000);
        let mut card = MockCard::new(std::slice::from_ref(&f));
        // The chip announces 16 KB responses: reads at 4, 16 KB and 32 KB (B1 from 32768).
        let caps = ChipCaps {
            extended_advertised: true,
            max_response: Some(0x4000),
            ..ChipCaps::default()
        };
        let (r, pf, _) = read_with(&mut card, caps, (0x0102, 2));
        assert_eq!(r.unwrap(), FileOutcome::Complete);
        assert_eq!(pf.data, f.1);
        assert!(!card.read_past_end);
        assert!(
            card.log.iter().any(|c| c[1] == 0xB1),
            "offsets above 32767 use B1"
        );
        assert_eq!(
            card.log.len(),
            1 + 60_004_usize.div_ceil(0x4000 - 8),
            "APDUs"
        );

        // A chip that advertises extended length but rejects it: step down to short reads.
        let mut card = MockCard::new(std::slice::from_ref(&f));
        card.extended = false;
        let (r, pf, caps2) = read_with(&mut card, caps, (0x0102, 2));
        assert_eq!(r.unwrap(), FileOutcome::Complete);
        assert_eq!(pf.data, f.1);
        assert!(caps2.extended_disabled);
    }

    #[test]
    fn caps_the_file_size_before_allocating() {
        let mut card = MockCard::new(&[(0x0102, vec![0x75, 0x83, 0x7F, 0xFF, 0xFF])]);
        let (r, _, _) = read_with(&mut card, ChipCaps::default(), (0x0102, 2));
        assert!(matches!(
            r,
            Err(Error::Chip(ChipError::FileTooLarge { .. }))
        ));
    }

    #[test]
    fn reports_absent_files_and_resumes_at_an_offset() {
        let mut card = MockCard::new(&[]);
        let (r, _, _) = read_with(
            &mut card,
            ChipCaps {
                sfi: Some(false),
                ..ChipCaps::default()
            },
            (0x010B, 11),
        );
        assert_eq!(r.unwrap(), FileOutcome::NotFound(StatusWord(0x6A82)));

        let f = dg(11, 2000);
        let mut card = MockCard::new(std::slice::from_ref(&f));
        let cancel = CancelToken::new();
        let mut rng = FixedRandom::new(vec![]);
        let mut ch = Channel::new(&mut card, &cancel, &(), &mut rng);
        let mut fr = FileReader::new(ReadPolicy::default(), ChipCaps::default());
        let ef = EfRef {
            name: "DG11",
            fid: 0x010B,
            sfi: Some(11),
            framed: true,
            sfi_only: false,
        };
        let mut pf = PartialFile {
            data: f.1[..1234].to_vec(),
            total: Some(f.1.len()),
        };
        assert_eq!(
            fr.read(&mut ch, &ef, &mut pf, &mut |_, _| {}).unwrap(),
            FileOutcome::Complete
        );
        assert_eq!(pf.data, f.1);
        let sent = ch.counters().bytes_sent;
        drop(ch);
        assert!(!card.read_past_end);
        // Offset 1234 > 255: selected by FID, then reads resume at 1234.
        assert_eq!(card.log[0][1], 0xA4);
        assert_eq!(u16::from_be_bytes([card.log[1][2], card.log[1][3]]), 1234);
        assert!(sent > 0);
    }

    #[test]
    fn learns_extended_length_from_atr_info() {
        let mut caps = ChipCaps::default();
        let info = crate::tlv::encode(0x7F66, &[0x02, 0x02, 0x08, 0x00, 0x02, 0x02, 0x10, 0x00]);
        caps.learn_atr_info(&info);
        assert!(caps.extended_advertised);
        assert_eq!(caps.max_response, Some(0x1000));
    }
}
