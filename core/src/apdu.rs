//! ISO/IEC 7816-4 command and response APDUs.
//!
//! This module owns the byte encoding of commands (short and extended Lc/Le, cases 1 to 4) and the
//! decoding of responses into data plus a [`StatusWord`] with its meaning. It knows nothing of
//! secure messaging, files or transports: [`crate::channel`] combines those.

use core::fmt;

/// Largest Ne of a short APDU (Le = 00 means 256).
pub const SHORT_MAX_NE: usize = 256;
/// Largest Nc of a short APDU.
pub const SHORT_MAX_NC: usize = 255;
/// Largest Ne of an extended APDU (Le = 0000 means 65536).
pub const EXTENDED_MAX_NE: usize = 65_536;
/// Largest Nc of an extended APDU.
pub const EXTENDED_MAX_NC: usize = 65_535;

/// A command APDU before encoding.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (Nc bytes).
    pub data: Vec<u8>,
    /// Expected response length Ne, `None` when no data is expected.
    pub ne: Option<usize>,
}

impl fmt::Debug for Command {
    /// Header and lengths only: command data may hold secrets (MRZ-derived cryptograms, PINs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, nc={}, ne={:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.ne
        )
    }
}

/// Why a command cannot be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// Nc or Ne exceed what the chosen form (short or extended) allows.
    #[error("command data or expected length too long for this APDU form")]
    TooLong,
}

impl Command {
    /// A command with no data and no expected response (case 1).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            ne: None,
        }
    }

    /// Sets the command data.
    #[must_use]
    pub fn with_data(mut self, data: Vec<u8>) -> Self {
        self.data = data;
        self
    }

    /// Sets the expected response length Ne.
    #[must_use]
    pub fn with_ne(mut self, ne: usize) -> Self {
        self.ne = Some(ne);
        self
    }

    /// The four header bytes.
    pub fn header(&self) -> [u8; 4] {
        [self.cla, self.ins, self.p1, self.p2]
    }

    /// True when this command needs the extended form.
    pub fn needs_extended(&self) -> bool {
        self.data.len() > SHORT_MAX_NC || self.ne.is_some_and(|ne| ne > SHORT_MAX_NE)
    }

    /// Encodes the command, in short form when possible, extended when `allow_extended` and
    /// needed. Ne = 256 is short Le 00; Ne = 65536 is extended Le 0000.
    pub fn encode(&self, allow_extended: bool) -> Result<Vec<u8>, EncodeError> {
        let extended = self.needs_extended();
        if extended && !allow_extended {
            return Err(EncodeError::TooLong);
        }
        self.encode_form(extended)
    }

    /// Encodes the command in extended form even when the short form would do (to probe
    /// whether a chip really accepts extended length).
    pub fn encode_extended(&self) -> Result<Vec<u8>, EncodeError> {
        self.encode_form(true)
    }

    fn encode_form(&self, extended: bool) -> Result<Vec<u8>, EncodeError> {
        let nc = self.data.len();
        if nc > EXTENDED_MAX_NC || self.ne.is_some_and(|ne| ne > EXTENDED_MAX_NE || ne == 0) {
            return Err(EncodeError::TooLong);
        }
        let mut out = Vec::with_capacity(4 + 3 + nc + 3);
        out.extend_from_slice(&self.header());
        if !extended {
            if nc > 0 {
                out.push(nc as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = self.ne {
                out.push(if ne == SHORT_MAX_NE { 0 } else { ne as u8 });
            }
        } else {
            if nc > 0 {
                out.push(0);
                out.extend_from_slice(&(nc as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(ne) = self.ne {
                if nc == 0 {
                    out.push(0);
                }
                let le = if ne == EXTENDED_MAX_NE { 0 } else { ne as u16 };
                out.extend_from_slice(&le.to_be_bytes());
            }
        }
        Ok(out)
    }
}

/// A status word SW1-SW2.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({})", self.0, self.status().describe())
    }
}

/// What a status word means, as far as this library acts on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// 9000.
    Success,
    /// 61xx: xx more bytes available with GET RESPONSE (00 = 256 or more).
    MoreData(u8),
    /// 6282: end of file reached before Ne bytes were read.
    EndOfFile,
    /// 6283: selected file deactivated.
    FileDeactivated,
    /// Other 62xx warnings.
    Warning(u8),
    /// 63Cx: verification failed, x tries left.
    TriesLeft(u8),
    /// Other 63xx.
    VerificationFailed(u8),
    /// 6581 and other 65xx: memory failure.
    MemoryFailure,
    /// 6700: wrong length.
    WrongLength,
    /// 6882: secure messaging not supported.
    SmNotSupported,
    /// 6883/6884 and other 68xx: functions in CLA not supported.
    ClaFunctionNotSupported,
    /// 6982: security status not satisfied.
    SecurityStatusNotSatisfied,
    /// 6983: authentication method blocked.
    AuthenticationBlocked,
    /// 6984: reference data not usable.
    ReferenceDataNotUsable,
    /// 6985: conditions of use not satisfied.
    ConditionsNotSatisfied,
    /// 6986: command not allowed (no current EF).
    NoCurrentEf,
    /// 6987: expected secure-messaging data objects missing.
    SmObjectsMissing,
    /// 6988: incorrect secure-messaging data objects (bad MAC).
    SmObjectsIncorrect,
    /// Other 69xx.
    CommandNotAllowed(u8),
    /// 6A80: incorrect parameters in the data field.
    WrongData,
    /// 6A82: file or application not found.
    FileNotFound,
    /// 6A86: incorrect P1-P2.
    WrongP1P2,
    /// 6A88: referenced data not found.
    ReferencedDataNotFound,
    /// Other 6Axx.
    WrongParameters(u8),
    /// 6B00: wrong parameters (offset outside the EF).
    OffsetOutsideFile,
    /// 6Cxx: wrong Le, xx is the exact length (00 = 256).
    WrongLe(u8),
    /// 6D00: instruction not supported.
    InsNotSupported,
    /// 6E00: class not supported.
    ClaNotSupported,
    /// 6F00 and anything else: no precise diagnosis.
    Unknown,
}

impl Status {
    fn describe(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::MoreData(_) => "more data available",
            Status::EndOfFile => "end of file reached",
            Status::FileDeactivated => "file deactivated",
            Status::Warning(_) => "warning",
            Status::TriesLeft(_) => "verification failed, tries left",
            Status::VerificationFailed(_) => "verification failed",
            Status::MemoryFailure => "memory failure",
            Status::WrongLength => "wrong length",
            Status::SmNotSupported => "secure messaging not supported",
            Status::ClaFunctionNotSupported => "CLA function not supported",
            Status::SecurityStatusNotSatisfied => "security status not satisfied",
            Status::AuthenticationBlocked => "authentication method blocked",
            Status::ReferenceDataNotUsable => "reference data not usable",
            Status::ConditionsNotSatisfied => "conditions of use not satisfied",
            Status::NoCurrentEf => "command not allowed, no current EF",
            Status::SmObjectsMissing => "secure messaging data objects missing",
            Status::SmObjectsIncorrect => "secure messaging data objects incorrect",
            Status::CommandNotAllowed(_) => "command not allowed",
            Status::WrongData => "incorrect data",
            Status::FileNotFound => "file not found",
            Status::WrongP1P2 => "incorrect P1-P2",
            Status::ReferencedDataNotFound => "referenced data not found",
            Status::WrongParameters(_) => "wrong parameters",
            Status::OffsetOutsideFile => "offset outside the file",
            Status::WrongLe(_) => "wrong Le",
            Status::InsNotSupported => "instruction not supported",
            Status::ClaNotSupported => "class not supported",
            Status::Unknown => "unknown error",
        }
    }
}

impl StatusWord {
    /// 9000.
    pub const SUCCESS: StatusWord = StatusWord(0x9000);
    /// 6A82.
    pub const FILE_NOT_FOUND: StatusWord = StatusWord(0x6A82);
    /// 6982.
    pub const SECURITY_STATUS_NOT_SATISFIED: StatusWord = StatusWord(0x6982);

    /// From SW1 and SW2.
    pub fn new(sw1: u8, sw2: u8) -> Self {
        StatusWord(u16::from_be_bytes([sw1, sw2]))
    }

    /// SW1.
    pub fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// SW2.
    pub fn sw2(self) -> u8 {
        self.0 as u8
    }

    /// True for 9000.
    pub fn is_success(self) -> bool {
        self.0 == 0x9000
    }

    /// The meaning of this status word.
    pub fn status(self) -> Status {
        let (sw1, sw2) = (self.sw1(), self.sw2());
        match (sw1, sw2) {
            (0x90, 0x00) => Status::Success,
            (0x61, n) => Status::MoreData(n),
            (0x62, 0x82) => Status::EndOfFile,
            (0x62, 0x83) => Status::FileDeactivated,
            (0x62, n) => Status::Warning(n),
            (0x63, n) if n & 0xF0 == 0xC0 => Status::TriesLeft(n & 0x0F),
            (0x63, n) => Status::VerificationFailed(n),
            (0x65, _) => Status::MemoryFailure,
            (0x67, _) => Status::WrongLength,
            (0x68, 0x82) => Status::SmNotSupported,
            (0x68, _) => Status::ClaFunctionNotSupported,
            (0x69, 0x82) => Status::SecurityStatusNotSatisfied,
            (0x69, 0x83) => Status::AuthenticationBlocked,
            (0x69, 0x84) => Status::ReferenceDataNotUsable,
            (0x69, 0x85) => Status::ConditionsNotSatisfied,
            (0x69, 0x86) => Status::NoCurrentEf,
            (0x69, 0x87) => Status::SmObjectsMissing,
            (0x69, 0x88) => Status::SmObjectsIncorrect,
            (0x69, n) => Status::CommandNotAllowed(n),
            (0x6A, 0x80) => Status::WrongData,
            (0x6A, 0x82) => Status::FileNotFound,
            (0x6A, 0x86) => Status::WrongP1P2,
            (0x6A, 0x88) => Status::ReferencedDataNotFound,
            (0x6A, n) => Status::WrongParameters(n),
            (0x6B, _) => Status::OffsetOutsideFile,
            (0x6C, n) => Status::WrongLe(n),
            (0x6D, _) => Status::InsNotSupported,
            (0x6E, _) => Status::ClaNotSupported,
            _ => Status::Unknown,
        }
    }
}

/// A response APDU: data and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data.
    pub data: Vec<u8>,
    /// Status word.
    pub sw: StatusWord,
}

impl fmt::Debug for Response {
    /// Length and status only: response data is personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response(len={}, sw={:?})", self.data.len(), self.sw)
    }
}

impl Response {
    /// Splits raw response bytes into data and status word. `None` when shorter than two bytes.
    pub fn parse(raw: &[u8]) -> Option<Response> {
        let split = raw.len().checked_sub(2)?;
        let (data, sw) = raw.split_at(split);
        let [sw1, sw2] = <[u8; 2]>::try_from(sw).ok()?;
        Some(Response {
            data: data.to_vec(),
            sw: StatusWord::new(sw1, sw2),
        })
    }

    /// Encodes data followed by the status word (card side).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.0.to_be_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_four_cases_short_and_extended() {
        let c1 = Command::new(0x00, 0xA4, 0x04, 0x0C);
        assert_eq!(c1.encode(false).unwrap(), [0x00, 0xA4, 0x04, 0x0C]);
        let c2 = Command::new(0x00, 0xB0, 0, 0).with_ne(256);
        assert_eq!(c2.encode(false).unwrap(), [0x00, 0xB0, 0, 0, 0]);
        let c3 = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(vec![0x01, 0x1E]);
        assert_eq!(c3.encode(false).unwrap(), [0, 0xA4, 2, 0x0C, 2, 1, 0x1E]);
        let c4 = Command::new(0x0C, 0xB0, 0, 0)
            .with_data(vec![1])
            .with_ne(0x20);
        assert_eq!(c4.encode(false).unwrap(), [0x0C, 0xB0, 0, 0, 1, 1, 0x20]);
        let c2e = Command::new(0x00, 0xB0, 0, 0).with_ne(1000);
        assert_eq!(c2e.encode(false), Err(EncodeError::TooLong));
        assert_eq!(c2e.encode(true).unwrap(), [0, 0xB0, 0, 0, 0, 0x03, 0xE8]);
        let sel = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(vec![0xA0, 0x00]);
        assert_eq!(
            sel.encode_extended().unwrap(),
            [0, 0xA4, 4, 0x0C, 0, 0, 2, 0xA0, 0]
        );
        let c2m = Command::new(0x00, 0xB0, 0, 0).with_ne(65536);
        assert_eq!(c2m.encode(true).unwrap(), [0, 0xB0, 0, 0, 0, 0, 0]);
        let c4e = Command::new(0x00, 0x2A, 0, 0)
            .with_data(vec![7; 300])
            .with_ne(65536);
        let enc = c4e.encode(true).unwrap();
        assert_eq!(&enc[4..7], &[0, 0x01, 0x2C]);
        assert_eq!(&enc[enc.len() - 2..], &[0, 0]);
        assert_eq!(enc.len(), 4 + 3 + 300 + 2);
    }

    #[test]
    fn status_words_have_meaning() {
        assert_eq!(StatusWord(0x9000).status(), Status::Success);
        assert_eq!(StatusWord(0x6282).status(), Status::EndOfFile);
        assert_eq!(StatusWord(0x6700).status(), Status::WrongLength);
        assert_eq!(
            StatusWord(0x6982).status(),
            Status::SecurityStatusNotSatisfied
        );
        assert_eq!(StatusWord(0x6988).status(), Status::SmObjectsIncorrect);
        assert_eq!(StatusWord(0x6A82).status(), Status::FileNotFound);
        assert_eq!(StatusWord(0x6C10).status(), Status::WrongLe(0x10));
        assert_eq!(StatusWord(0x6110).status(), Status::MoreData(0x10));
        assert_eq!(StatusWord(0x63C2).status(), Status::TriesLeft(2));
        assert_eq!(format!("{}", StatusWord(0x6A82)), "6A82 (file not found)");
    }

    #[test]
    fn parses_responses() {
        assert!(Response::parse(&[0x90]).is_none());
        let r = Response::parse(&[1, 2, 0x90, 0]).unwrap();
        assert_eq!(r.data, [1, 2]);
        assert!(r.sw.is_success());
        assert_eq!(r.to_bytes(), [1, 2, 0x90, 0]);
    }
}
