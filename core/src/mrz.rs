//! Machine readable zones (ICAO Doc 9303 parts 3 to 6) and the MRZ-derived access key.
//!
//! This module owns the parsing and validation of the three MRZ formats (TD1 3x30 ID cards, TD2
//! 2x36, TD3 2x44 passports), the 7-3-1 check digit, the two-digit-year century rules, and
//! [`MrzKey`], the document number / date of birth / date of expiry triple that BAC and PACE-MRZ
//! derive their keys from (ICAO 9303-11 §9.7.2 "MRZ information", key seed = first 16 bytes of
//! SHA-1 of it). It does not touch the chip, secure messaging or the clock: every date rule takes
//! the caller's "today".
//!
//! Everything here is personal data: every type zeroizes on drop, `Debug` is redacted, and an
//! [`MrzError`] names the field and the problem, never the value.

use core::fmt;

use sha1::{Digest, Sha1};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Longest text [`Mrz::parse`] looks at (bytes, before removing whitespace). A TD1 with CRLF
/// line ends and some padding is far below this; anything longer is rejected without work.
const MAX_MRZ_TEXT: usize = 512;

/// Longest document number accepted: 9 principal characters plus the 14 a TD1 can carry at
/// the start of optional data 1 (15 positions minus the check digit), ICAO 9303-5 §4.2.4.
pub const MAX_DOCUMENT_NUMBER_LEN: usize = 23;

// ---------------------------------------------------------------------------------------------
// Check digit
// ---------------------------------------------------------------------------------------------

/// Value of an MRZ character for the check digit: digits 0-9, `A`-`Z` = 10..35, `<` = 0.
fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// 7-3-1 weighted sum modulo 10 over a sequence of characters, as an ASCII digit.
fn check_digit_of(chars: impl IntoIterator<Item = u8>) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum: u32 = 0;
    for (c, w) in chars.into_iter().zip(WEIGHTS.iter().cycle()) {
        // Values are at most 35 * 7; keep the running sum small so it never overflows.
        sum = (sum + char_value(c)? * w) % 10;
    }
    u8::try_from(sum).ok().map(|d| b'0' + d)
}

/// The ICAO 9303-3 §4.9 check digit of `chars`: weights 7, 3, 1 repeating, `0`-`9` count as
/// their value, `A`-`Z` as 10 to 35, the filler `<` as 0; the sum modulo 10.
///
/// Returns the check digit as an ASCII digit (`b'0'..=b'9'`), or `None` if `chars` contains a
/// character that cannot appear in an MRZ (lower case, space, anything else).
pub fn check_digit(chars: &[u8]) -> Option<u8> {
    check_digit_of(chars.iter().copied())
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// The MRZ field an [`MrzError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MrzField {
    /// The text as a whole: number of lines, line lengths, character set.
    Layout,
    /// The document code (`P`, `I`, `ID`, `AC`, ...).
    DocumentCode,
    /// The issuing state or organisation.
    IssuingState,
    /// The document number (and its check digit).
    DocumentNumber,
    /// The date of birth (and its check digit).
    DateOfBirth,
    /// The date of expiry (and its check digit).
    DateOfExpiry,
    /// The sex.
    Sex,
    /// The nationality.
    Nationality,
    /// The name of the holder.
    Name,
    /// Optional data (for TD3: the personal number and its check digit).
    OptionalData,
    /// The composite check digit.
    CompositeCheckDigit,
}

impl fmt::Display for MrzField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MrzField::Layout => "MRZ layout",
            MrzField::DocumentCode => "document code",
            MrzField::IssuingState => "issuing state",
            MrzField::DocumentNumber => "document number",
            MrzField::DateOfBirth => "date of birth",
            MrzField::DateOfExpiry => "date of expiry",
            MrzField::Sex => "sex",
            MrzField::Nationality => "nationality",
            MrzField::Name => "name",
            MrzField::OptionalData => "optional data",
            MrzField::CompositeCheckDigit => "composite check digit",
        })
    }
}

/// What is wrong with the field of an [`MrzError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MrzProblem {
    /// Wrong number of lines or characters (for [`MrzField::Layout`]), or a field too long or
    /// too short.
    WrongLength,
    /// A character that is not allowed at this place.
    InvalidCharacter,
    /// Lower-case letters: an MRZ is upper case only.
    LowerCase,
    /// The check digit does not match the field.
    CheckDigitMismatch,
    /// Not a valid date (month or day out of range, 29 February of a non-leap year, ...).
    InvalidDate,
    /// The field is empty (only fillers) where a value is required.
    Missing,
    /// The field's structure is wrong (e.g. a truncated TD1/TD2 document number without its
    /// continuation in the optional data).
    Malformed,
}

impl fmt::Display for MrzProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MrzProblem::WrongLength => "wrong length",
            MrzProblem::InvalidCharacter => "invalid character",
            MrzProblem::LowerCase => "lower-case letters (an MRZ is upper case only)",
            MrzProblem::CheckDigitMismatch => "check digit does not match",
            MrzProblem::InvalidDate => "not a valid date",
            MrzProblem::Missing => "missing",
            MrzProblem::Malformed => "malformed",
        })
    }
}

/// An invalid MRZ or MRZ access key: which field, and what is wrong with it.
///
/// Neither `Display` nor `Debug` ever contains a value from the MRZ; only the field and the
/// problem, e.g. `date of expiry: check digit does not match`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct MrzError {
    /// The field at fault.
    pub field: MrzField,
    /// What is wrong with it.
    pub problem: MrzProblem,
}

impl MrzError {
    /// A new error for `field` with `problem`.
    pub const fn new(field: MrzField, problem: MrzProblem) -> Self {
        MrzError { field, problem }
    }
}

const fn err(field: MrzField, problem: MrzProblem) -> MrzError {
    MrzError { field, problem }
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

/// A calendar date (proleptic Gregorian), e.g. the caller's "today" or a resolved MRZ date.
///
/// Fields are in chronological order, so the derived ordering is chronological. `Debug` is
/// redacted because a resolved date of birth is personal data.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    /// Year, e.g. 2026.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of month, 1 to 31.
    pub day: u8,
}

impl CivilDate {
    /// A validated date: `None` if the month or the day does not exist (leap years included).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        if (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month) {
            Some(CivilDate { year, month, day })
        } else {
            None
        }
    }
}

impl fmt::Debug for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CivilDate(<redacted>)")
    }
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A date as written in an MRZ: `YYMMDD`, two-digit year, century not written.
///
/// Validated when built: the month is 01 to 12 and the day exists in that month (29 February
/// only when `YY` is a multiple of 4, i.e. a leap year in either century, except that `00`
/// in 1900 is caught when the century is resolved). In a date of birth, ICAO 9303-3 allows the
/// filler `<<` for a part that is unknown; [`MrzDate::month`], [`MrzDate::day`] and
/// [`MrzDate::year_digits`] then return `None`. A date of expiry is always complete.
///
/// Zeroized on drop; `Debug` is redacted.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct MrzDate {
    raw: [u8; 6],
}

impl fmt::Debug for MrzDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MrzDate(<redacted>)")
    }
}

/// A two-character date part: `Some(Some(n))` digits, `Some(None)` the unknown `<<`, `None`
/// anything else.
fn date_part(pair: &[u8], allow_unknown: bool) -> Option<Option<u8>> {
    match pair {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(Some((a - b'0') * 10 + (b - b'0'))),
        [b'<', b'<'] if allow_unknown => Some(None),
        _ => None,
    }
}

impl MrzDate {
    fn parse_bytes(raw: &[u8], field: MrzField, allow_unknown: bool) -> Result<Self, MrzError> {
        let raw: [u8; 6] = raw
            .try_into()
            .map_err(|_| err(field, MrzProblem::WrongLength))?;
        let (yy, mm, dd) = match (
            date_part(raw.get(0..2).unwrap_or_default(), allow_unknown),
            date_part(raw.get(2..4).unwrap_or_default(), allow_unknown),
            date_part(raw.get(4..6).unwrap_or_default(), allow_unknown),
        ) {
            (Some(yy), Some(mm), Some(dd)) => (yy, mm, dd),
            _ => return Err(err(field, MrzProblem::InvalidCharacter)),
        };
        if mm.is_some_and(|mm| !(1..=12).contains(&mm)) {
            return Err(err(field, MrzProblem::InvalidDate));
        }
        if let Some(dd) = dd {
            // Largest day possible for this month in either century (or any month if unknown).
            let max = match (mm, yy) {
                (None, _) => 31,
                (Some(2), Some(yy)) if yy.is_multiple_of(4) => 29,
                (Some(2), None) => 29,
                (Some(mm), _) => days_in_month(1999, mm),
            };
            if dd == 0 || dd > max {
                return Err(err(field, MrzProblem::InvalidDate));
            }
        }
        Ok(MrzDate { raw })
    }

    /// A date of birth given as `YYMMDD` (digits; `<<` allowed for an unknown part).
    pub fn parse_birth(yymmdd: &str) -> Result<Self, MrzError> {
        Self::parse_bytes(yymmdd.trim().as_bytes(), MrzField::DateOfBirth, true)
    }

    /// A date of expiry given as `YYMMDD` (digits only).
    pub fn parse_expiry(yymmdd: &str) -> Result<Self, MrzError> {
        Self::parse_bytes(yymmdd.trim().as_bytes(), MrzField::DateOfExpiry, false)
    }

    /// The date as written in the MRZ, `YYMMDD` (may contain `<<` in a date of birth).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.raw).unwrap_or_default()
    }

    /// The six MRZ characters.
    pub fn as_bytes(&self) -> &[u8; 6] {
        &self.raw
    }

    fn part(&self, at: usize) -> Option<u8> {
        date_part(self.raw.get(at..at + 2)?, true).flatten()
    }

    /// The two-digit year, `None` if unknown (`<<`).
    pub fn year_digits(&self) -> Option<u8> {
        self.part(0)
    }

    /// The month 1-12, `None` if unknown (`<<`).
    pub fn month(&self) -> Option<u8> {
        self.part(2)
    }

    /// The day of month 1-31, `None` if unknown (`<<`).
    pub fn day(&self) -> Option<u8> {
        self.part(4)
    }

    /// True when year, month and day are all known.
    pub fn is_complete(&self) -> bool {
        self.year_digits().is_some() && self.month().is_some() && self.day().is_some()
    }

    /// Resolves a date of birth to a calendar date, given the caller's `today`.
    ///
    /// Rule: a birth date is in the past. The year is the latest year ending in `YY` such that
    /// the full date is not after `today`. For any `today` from 2000 to 2099 this is exactly
    /// "`20YY` if that date is not after today, otherwise `19YY`": with today = 2026-11-25,
    /// `261125` is 2026-11-25 and `261126` is 1926-11-26. (Holders over 100 years old cannot
    /// be told apart from newborns; no two-digit rule can.)
    ///
    /// Returns `None` when a part is unknown (`<<`), or when the resolved date does not exist
    /// (29 February 1900), or for a `today` before year 100.
    pub fn resolve_birth(&self, today: CivilDate) -> Option<CivilDate> {
        let (yy, month, day) = (self.year_digits()?, self.month()?, self.day()?);
        let century = today.year - today.year % 100;
        let mut year = century.checked_add(u16::from(yy))?;
        if (year, month, day) > (today.year, today.month, today.day) {
            year = year.checked_sub(100)?;
        }
        CivilDate::new(year, month, day)
    }

    /// Resolves a date of expiry to a calendar date, given the caller's `today`.
    ///
    /// Rule: documents are valid for at most 20 years (ICAO allows 10, some states issue
    /// longer; 20 leaves margin), so the year is the one ending in `YY` within
    /// `today.year - 79 ..= today.year + 20`. For any `today` from 2000 to 2079 this is exactly
    /// "`20YY` if `20YY <= today.year + 20`, otherwise `19YY`": with today in 2026, `461125` is
    /// 2046-11-25 and `470101` is 1947-01-01 (long expired).
    ///
    /// Returns `None` when the resolved date does not exist (29 February 1900) or for a
    /// `today` before year 80.
    pub fn resolve_expiry(&self, today: CivilDate) -> Option<CivilDate> {
        let (yy, month, day) = (self.year_digits()?, self.month()?, self.day()?);
        let limit = today.year.checked_add(20)?;
        let century = limit - limit % 100;
        let mut year = century.checked_add(u16::from(yy))?;
        if year > limit {
            year = year.checked_sub(100)?;
        }
        CivilDate::new(year, month, day)
    }
}

// ---------------------------------------------------------------------------------------------
// MRZ
// ---------------------------------------------------------------------------------------------

/// The three MRZ formats of ICAO 9303.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MrzFormat {
    /// TD1 (ID-1 size cards): 3 lines of 30 characters (ICAO 9303-5).
    Td1,
    /// TD2: 2 lines of 36 characters (ICAO 9303-6).
    Td2,
    /// TD3 (passport books): 2 lines of 44 characters (ICAO 9303-4).
    Td3,
}

impl MrzFormat {
    /// Number of lines.
    pub const fn lines(self) -> usize {
        match self {
            MrzFormat::Td1 => 3,
            MrzFormat::Td2 | MrzFormat::Td3 => 2,
        }
    }

    /// Characters per line.
    pub const fn line_len(self) -> usize {
        match self {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 => 36,
            MrzFormat::Td3 => 44,
        }
    }

    /// Total characters (90, 72 or 88).
    pub const fn total_len(self) -> usize {
        self.lines() * self.line_len()
    }
}

/// The sex field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `<` or `X`: unspecified.
    Unspecified,
}

/// Field positions of one format, as (start, length) into the concatenated MRZ.
struct Layout {
    code: (usize, usize),
    issuing: (usize, usize),
    name: (usize, usize),
    doc: (usize, usize),
    doc_cd: usize,
    nationality: (usize, usize),
    birth: (usize, usize),
    birth_cd: usize,
    sex: usize,
    expiry: (usize, usize),
    expiry_cd: usize,
    /// Optional data 1 (TD1 line 1, TD2, TD3 personal number).
    opt1: (usize, usize),
    /// Optional data 2 (TD1 line 2 only).
    opt2: Option<(usize, usize)>,
    /// Check digit of optional data 1 (TD3 personal number only).
    opt1_cd: Option<usize>,
    /// Whether a truncated document number may continue in optional data 1 (TD1, TD2).
    long_doc: bool,
    composite: &'static [(usize, usize)],
    composite_cd: usize,
}

const TD1: Layout = Layout {
    code: (0, 2),
    issuing: (2, 3),
    doc: (5, 9),
    doc_cd: 14,
    opt1: (15, 15),
    birth: (30, 6),
    birth_cd: 36,
    sex: 37,
    expiry: (38, 6),
    expiry_cd: 44,
    nationality: (45, 3),
    opt2: Some((48, 11)),
    composite_cd: 59,
    name: (60, 30),
    opt1_cd: None,
    long_doc: true,
    composite: &[(5, 25), (30, 7), (38, 7), (48, 11)],
};

const TD2: Layout = Layout {
    code: (0, 2),
    issuing: (2, 3),
    name: (5, 31),
    doc: (36, 9),
    doc_cd: 45,
    nationality: (46, 3),
    birth: (49, 6),
    birth_cd: 55,
    sex: 56,
    expiry: (57, 6),
    expiry_cd: 63,
    opt1: (64, 7),
    opt2: None,
    opt1_cd: None,
    long_doc: true,
    composite: &[(36, 10), (49, 7), (57, 14)],
    composite_cd: 71,
};

const TD3: Layout = Layout {
    code: (0, 2),
    issuing: (2, 3),
    name: (5, 39),
    doc: (44, 9),
    doc_cd: 53,
    nationality: (54, 3),
    birth: (57, 6),
    birth_cd: 63,
    sex: 64,
    expiry: (65, 6),
    expiry_cd: 71,
    opt1: (72, 14),
    opt2: None,
    opt1_cd: Some(86),
    long_doc: false,
    composite: &[(44, 10), (57, 7), (65, 22)],
    composite_cd: 87,
};

/// A parsed, fully validated machine readable zone.
///
/// Every check digit is verified (document number, date of birth, date of expiry, the TD3
/// personal number, composite). Text accessors return the values with trailing fillers
/// removed; names have `<` turned into single spaces.
///
/// Zeroized on drop; `Debug` shows the format only.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Mrz {
    #[zeroize(skip)]
    format: MrzFormat,
    document_code: String,
    issuing_state: String,
    document_number: String,
    document_number_cd: u8,
    date_of_birth: MrzDate,
    sex: u8,
    date_of_expiry: MrzDate,
    nationality: String,
    primary_identifier: String,
    secondary_identifier: String,
    optional_data_1: String,
    optional_data_2: String,
}

impl fmt::Debug for Mrz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mrz")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// The bytes at (start, len), or a layout error (cannot happen once the length is checked).
fn slice(m: &[u8], (start, len): (usize, usize)) -> Result<&[u8], MrzError> {
    m.get(start..start.saturating_add(len))
        .ok_or(err(MrzField::Layout, MrzProblem::WrongLength))
}

fn byte(m: &[u8], at: usize) -> Result<u8, MrzError> {
    m.get(at)
        .copied()
        .ok_or(err(MrzField::Layout, MrzProblem::WrongLength))
}

/// `field` with trailing fillers removed, as a string (the MRZ is ASCII by then).
fn trimmed(field: &[u8]) -> String {
    let end = field.iter().rposition(|&c| c != b'<').map_or(0, |p| p + 1);
    let kept = field.get(..end).unwrap_or_default();
    let mut s = String::with_capacity(kept.len());
    s.extend(kept.iter().map(|&c| char::from(c)));
    s
}

/// `<` become single spaces, leading and trailing fillers dropped.
fn name_part(part: &[u8]) -> String {
    let mut s = String::with_capacity(part.len());
    for word in part.split(|&c| c == b'<').filter(|w| !w.is_empty()) {
        if !s.is_empty() {
            s.push(' ');
        }
        s.extend(word.iter().map(|&c| char::from(c)));
    }
    s
}

/// Issuing state / nationality: three of `A`-`Z` and `<`, starting with a letter.
fn check_state(field: &[u8], which: MrzField) -> Result<(), MrzError> {
    let ok = field.first().is_some_and(u8::is_ascii_uppercase)
        && field.iter().all(|&c| c.is_ascii_uppercase() || c == b'<');
    if ok {
        Ok(())
    } else {
        Err(err(which, MrzProblem::InvalidCharacter))
    }
}

fn verify_cd(chars: impl IntoIterator<Item = u8>, cd: u8, which: MrzField) -> Result<(), MrzError> {
    if check_digit_of(chars) == Some(cd) {
        Ok(())
    } else {
        Err(err(which, MrzProblem::CheckDigitMismatch))
    }
}

fn is_mrz_char(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'<'
}

impl Mrz {
    /// Parses and validates an MRZ.
    ///
    /// Accepts the lines separated by any whitespace (newlines, CR, spaces) or concatenated
    /// (90, 72 or 88 characters); surrounding whitespace is ignored. Only `A`-`Z`, `0`-`9`
    /// and `<` are allowed: lower case is rejected with [`MrzProblem::LowerCase`] (an MRZ is
    /// upper case; lower case suggests a typing or OCR slip worth showing the user).
    ///
    /// A TD1 or TD2 document number longer than 9 characters (`<` in the check digit position,
    /// the rest at the start of the optional data, ICAO 9303-5 §4.2.4 / 9303-6) is
    /// reassembled; [`Mrz::document_number`] returns it whole and the optional data accessors
    /// return what follows it.
    pub fn parse(text: &str) -> Result<Mrz, MrzError> {
        if text.len() > MAX_MRZ_TEXT {
            return Err(err(MrzField::Layout, MrzProblem::WrongLength));
        }
        let mut m: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(text.len()));
        let mut line_lens = [0usize; 3];
        let mut lines = 0usize;
        for piece in text
            .split(|c: char| c.is_whitespace())
            .filter(|p| !p.is_empty())
        {
            let bytes = piece.as_bytes();
            if bytes.iter().any(u8::is_ascii_lowercase) {
                return Err(err(MrzField::Layout, MrzProblem::LowerCase));
            }
            if !bytes.iter().all(|&c| is_mrz_char(c)) {
                return Err(err(MrzField::Layout, MrzProblem::InvalidCharacter));
            }
            match line_lens.get_mut(lines) {
                Some(l) => *l = bytes.len(),
                None => return Err(err(MrzField::Layout, MrzProblem::WrongLength)),
            }
            lines += 1;
            m.extend_from_slice(bytes);
        }
        let format = [MrzFormat::Td1, MrzFormat::Td2, MrzFormat::Td3]
            .into_iter()
            .find(|f| {
                m.len() == f.total_len()
                    && (lines == 1
                        || (lines == f.lines()
                            && line_lens.iter().take(lines).all(|&l| l == f.line_len())))
            })
            .ok_or(err(MrzField::Layout, MrzProblem::WrongLength))?;
        let layout = match format {
            MrzFormat::Td1 => &TD1,
            MrzFormat::Td2 => &TD2,
            MrzFormat::Td3 => &TD3,
        };
        Self::parse_layout(&m, format, layout)
    }

    fn parse_layout(m: &[u8], format: MrzFormat, l: &Layout) -> Result<Mrz, MrzError> {
        use MrzField as F;
        use MrzProblem as P;

        // Document code: a letter, then a letter or a filler.
        let code = slice(m, l.code)?;
        match code {
            [a, b] if a.is_ascii_uppercase() && (b.is_ascii_uppercase() || *b == b'<') => {}
            _ => return Err(err(F::DocumentCode, P::InvalidCharacter)),
        }
        let issuing = slice(m, l.issuing)?;
        check_state(issuing, F::IssuingState)?;

        // Document number, possibly continued in optional data 1.
        let doc = slice(m, l.doc)?;
        let doc_cd = byte(m, l.doc_cd)?;
        let opt1 = slice(m, l.opt1)?;
        let (document_number, document_number_cd, opt1_rest) = if doc_cd == b'<' && l.long_doc {
            if doc.contains(&b'<') {
                return Err(err(F::DocumentNumber, P::Malformed));
            }
            let end = opt1.iter().position(|&c| c == b'<').unwrap_or(opt1.len());
            let (ext_and_cd, rest) = opt1.split_at_checked(end).unwrap_or_default();
            let Some((&cd, ext)) = ext_and_cd.split_last() else {
                return Err(err(F::DocumentNumber, P::Malformed));
            };
            if ext.is_empty() {
                return Err(err(F::DocumentNumber, P::Malformed));
            }
            verify_cd(doc.iter().chain(ext.iter()).copied(), cd, F::DocumentNumber)?;
            let mut number = String::with_capacity(doc.len() + ext.len());
            number.extend(doc.iter().chain(ext.iter()).map(|&c| char::from(c)));
            // Skip the filler that ends the continuation.
            (number, cd, rest.get(1..).unwrap_or_default())
        } else {
            verify_cd(doc.iter().copied(), doc_cd, F::DocumentNumber)?;
            let number = trimmed(doc);
            if number.is_empty() {
                return Err(err(F::DocumentNumber, P::Missing));
            }
            (number, doc_cd, opt1)
        };

        let birth_raw = slice(m, l.birth)?;
        let date_of_birth = MrzDate::parse_bytes(birth_raw, F::DateOfBirth, true)?;
        verify_cd(
            birth_raw.iter().copied(),
            byte(m, l.birth_cd)?,
            F::DateOfBirth,
        )?;

        let sex = byte(m, l.sex)?;
        if !matches!(sex, b'M' | b'F' | b'X' | b'<') {
            return Err(err(F::Sex, P::InvalidCharacter));
        }

        let expiry_raw = slice(m, l.expiry)?;
        let date_of_expiry = MrzDate::parse_bytes(expiry_raw, F::DateOfExpiry, false)?;
        verify_cd(
            expiry_raw.iter().copied(),
            byte(m, l.expiry_cd)?,
            F::DateOfExpiry,
        )?;

        let nationality = slice(m, l.nationality)?;
        check_state(nationality, F::Nationality)?;

        if let Some(at) = l.opt1_cd {
            let cd = byte(m, at)?;
            let unused = opt1.iter().all(|&c| c == b'<');
            // 9303-4: when the personal number is unused its check digit may be `<` or 0.
            if !(unused && cd == b'<') {
                verify_cd(opt1.iter().copied(), cd, F::OptionalData)?;
            }
        }
        let opt2 = match l.opt2 {
            Some(r) => slice(m, r)?,
            None => &[],
        };

        let composite = l
            .composite
            .iter()
            .map(|&r| slice(m, r))
            .collect::<Result<Vec<_>, _>>()?;
        verify_cd(
            composite.iter().flat_map(|s| s.iter().copied()),
            byte(m, l.composite_cd)?,
            F::CompositeCheckDigit,
        )?;

        let name = slice(m, l.name)?;
        if !name.iter().all(|&c| c.is_ascii_uppercase() || c == b'<') {
            return Err(err(F::Name, P::InvalidCharacter));
        }
        let (primary, secondary) = match name.windows(2).position(|w| w == b"<<") {
            Some(p) => (
                name.get(..p).unwrap_or_default(),
                name.get(p + 2..).unwrap_or_default(),
            ),
            None => (name, &[][..]),
        };
        let primary_identifier = name_part(primary);
        if primary_identifier.is_empty() {
            return Err(err(F::Name, P::Missing));
        }

        Ok(Mrz {
            format,
            document_code: trimmed(code),
            issuing_state: trimmed(issuing),
            document_number,
            document_number_cd,
            date_of_birth,
            sex,
            date_of_expiry,
            nationality: trimmed(nationality),
            primary_identifier,
            secondary_identifier: name_part(secondary),
            optional_data_1: trimmed(opt1_rest),
            optional_data_2: trimmed(opt2),
        })
    }

    /// TD1, TD2 or TD3.
    pub fn format(&self) -> MrzFormat {
        self.format
    }

    /// Document code without fillers (`P`, `I`, `ID`, `AC`, ...).
    pub fn document_code(&self) -> &str {
        &self.document_code
    }

    /// Issuing state or organisation without fillers (`UTO`, `D`, ...).
    pub fn issuing_state(&self) -> &str {
        &self.issuing_state
    }

    /// The full document number without trailing fillers (longer than 9 characters when a
    /// TD1/TD2 continues it in the optional data).
    pub fn document_number(&self) -> &str {
        &self.document_number
    }

    /// The document number's check digit (ASCII digit), verified.
    pub fn document_number_check_digit(&self) -> u8 {
        self.document_number_cd
    }

    /// Date of birth (check digit verified; may have unknown parts).
    pub fn date_of_birth(&self) -> &MrzDate {
        &self.date_of_birth
    }

    /// Date of expiry (check digit verified).
    pub fn date_of_expiry(&self) -> &MrzDate {
        &self.date_of_expiry
    }

    /// Sex.
    pub fn sex(&self) -> Sex {
        match self.sex {
            b'M' => Sex::Male,
            b'F' => Sex::Female,
            _ => Sex::Unspecified,
        }
    }

    /// Nationality without fillers.
    pub fn nationality(&self) -> &str {
        &self.nationality
    }

    /// Primary identifier (surname), `<` turned into spaces.
    pub fn primary_identifier(&self) -> &str {
        &self.primary_identifier
    }

    /// Secondary identifier (given names), `<` turned into spaces; empty if none.
    pub fn secondary_identifier(&self) -> &str {
        &self.secondary_identifier
    }

    /// Optional data 1 without trailing fillers: TD1 line 1 (after a long document number's
    /// continuation, if any), TD2 line 2, TD3 personal number (check digit verified).
    pub fn optional_data_1(&self) -> &str {
        &self.optional_data_1
    }

    /// Optional data 2 without trailing fillers: TD1 line 2; always empty for TD2 and TD3.
    pub fn optional_data_2(&self) -> &str {
        &self.optional_data_2
    }

    /// The BAC / PACE-MRZ access key of this document.
    pub fn key(&self) -> MrzKey {
        MrzKey::from_parts(
            &self.document_number,
            self.date_of_birth.clone(),
            self.date_of_expiry.clone(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// MRZ key
// ---------------------------------------------------------------------------------------------

/// The access data BAC and PACE (with an MRZ password) derive keys from: document number,
/// date of birth, date of expiry (ICAO 9303-11 §9.7.2, §4.4.3.1).
///
/// Zeroized on drop; `Debug` is redacted.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MrzKey {
    /// Document number, `<`-padded to at least 9 characters.
    document_number: String,
    date_of_birth: MrzDate,
    date_of_expiry: MrzDate,
}

impl fmt::Debug for MrzKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MrzKey(<redacted>)")
    }
}

impl MrzKey {
    /// Builds a key from the three values as printed on the document.
    ///
    /// `document_number` is upper-cased, surrounding whitespace is ignored, and the `<`
    /// fillers may be omitted (they are added back up to 9 characters); it may be up to
    /// [`MAX_DOCUMENT_NUMBER_LEN`] characters of `A`-`Z`, `0`-`9` and `<`. `birth` and
    /// `expiry` are `YYMMDD` (`<<` allowed for an unknown part of the date of birth only).
    pub fn new(document_number: &str, birth: &str, expiry: &str) -> Result<Self, MrzError> {
        use MrzField as F;
        use MrzProblem as P;
        let doc = document_number.trim().as_bytes();
        if doc.len() > MAX_DOCUMENT_NUMBER_LEN {
            return Err(err(F::DocumentNumber, P::WrongLength));
        }
        if !doc.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'<') {
            return Err(err(F::DocumentNumber, P::InvalidCharacter));
        }
        let mut upper: Zeroizing<Vec<u8>> =
            Zeroizing::new(doc.iter().map(u8::to_ascii_uppercase).collect());
        let end = upper.iter().rposition(|&c| c != b'<').map_or(0, |p| p + 1);
        upper.truncate(end);
        if upper.is_empty() {
            return Err(err(F::DocumentNumber, P::Missing));
        }
        let number: String = upper.iter().map(|&c| char::from(c)).collect();
        let number = Zeroizing::new(number);
        let date_of_birth = MrzDate::parse_birth(birth)?;
        let date_of_expiry = MrzDate::parse_expiry(expiry)?;
        Ok(Self::from_parts(&number, date_of_birth, date_of_expiry))
    }

    /// `document_number` must already be valid and without trailing fillers.
    fn from_parts(document_number: &str, date_of_birth: MrzDate, date_of_expiry: MrzDate) -> Self {
        let len = document_number.len().max(9);
        let mut padded = String::with_capacity(len);
        padded.push_str(document_number);
        while padded.len() < 9 {
            padded.push('<');
        }
        MrzKey {
            document_number: padded,
            date_of_birth,
            date_of_expiry,
        }
    }

    /// The document number as used in the key: `<`-padded to at least 9 characters.
    pub fn document_number(&self) -> &str {
        &self.document_number
    }

    /// Date of birth.
    pub fn date_of_birth(&self) -> &MrzDate {
        &self.date_of_birth
    }

    /// Date of expiry.
    pub fn date_of_expiry(&self) -> &MrzDate {
        &self.date_of_expiry
    }

    /// The "MRZ information" of ICAO 9303-11 §9.7.2: document number (9 characters, or the
    /// whole number when longer) + its check digit + date of birth + check digit + date of
    /// expiry + check digit.
    pub fn mrz_information(&self) -> Zeroizing<Vec<u8>> {
        let doc = self.document_number.as_bytes();
        let mut out = Zeroizing::new(Vec::with_capacity(doc.len() + 1 + 7 + 7));
        for part in [
            doc,
            self.date_of_birth.as_bytes(),
            self.date_of_expiry.as_bytes(),
        ] {
            out.extend_from_slice(part);
            // All characters were validated when the key was built; `0` is unreachable.
            out.push(check_digit(part).unwrap_or(b'0'));
        }
        out
    }

    /// SHA-1 of the MRZ information: the PACE password key input for an MRZ password
    /// (ICAO 9303-11 §4.4.3.1, `K = SHA-1(MRZ information)`, 20 bytes).
    pub fn mrz_information_sha1(&self) -> Zeroizing<[u8; 20]> {
        let info = self.mrz_information();
        let mut hasher = Sha1::new();
        hasher.update(info.as_slice());
        let mut digest = hasher.finalize();
        let mut out = Zeroizing::new([0u8; 20]);
        out.copy_from_slice(digest.as_slice());
        digest.as_mut_slice().zeroize();
        out
    }

    /// The BAC key seed: the first 16 bytes of SHA-1(MRZ information) (ICAO 9303-11 §9.7.2).
    pub fn key_seed(&self) -> Zeroizing<[u8; 16]> {
        let hash = self.mrz_information_sha1();
        let mut seed = Zeroizing::new([0u8; 16]);
        for (s, h) in seed.iter_mut().zip(hash.iter()) {
            *s = *h;
        }
        seed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-vectors/mrz.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn s<'a>(v: &'a Value, k: &str) -> &'a str {
        v[k].as_str().unwrap_or_else(|| panic!("missing {k}"))
    }

    fn lines(v: &Value) -> Vec<String> {
        v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect()
    }

    fn unhex(h: &str) -> Vec<u8> {
        hex::decode(h).unwrap()
    }

    const TD3_SPECIMEN: &str =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    const TD1_SPECIMEN: &str = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    const TD2_SPECIMEN: &str =
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6";

    fn layout(f: MrzFormat) -> &'static Layout {
        match f {
            MrzFormat::Td1 => &TD1,
            MrzFormat::Td2 => &TD2,
            MrzFormat::Td3 => &TD3,
        }
    }

    fn format_of(m: &[u8]) -> MrzFormat {
        match m.len() {
            90 => MrzFormat::Td1,
            72 => MrzFormat::Td2,
            _ => MrzFormat::Td3,
        }
    }

    /// Recomputes every check digit (short document numbers only) so a test can change a field.
    fn fix_check_digits(m: &mut [u8]) {
        let l = layout(format_of(m));
        let cd = |m: &[u8], (a, n): (usize, usize)| check_digit(&m[a..a + n]).unwrap();
        if !(l.long_doc && m[l.doc_cd] == b'<') {
            m[l.doc_cd] = cd(m, l.doc);
        }
        m[l.birth_cd] = cd(m, l.birth);
        m[l.expiry_cd] = cd(m, l.expiry);
        if let Some(at) = l.opt1_cd {
            m[at] = cd(m, l.opt1);
        }
        let all: Vec<u8> = l
            .composite
            .iter()
            .flat_map(|&(a, n)| m[a..a + n].to_vec())
            .collect();
        m[l.composite_cd] = check_digit(&all).unwrap();
    }

    /// `base` with `at..` replaced by `with`, check digits recomputed.
    fn edited(base: &str, at: usize, with: &str) -> String {
        let mut m = base.as_bytes().to_vec();
        m[at..at + with.len()].copy_from_slice(with.as_bytes());
        fix_check_digits(&mut m);
        String::from_utf8(m).unwrap()
    }

    fn parse_err(text: &str) -> MrzError {
        Mrz::parse(text).unwrap_err()
    }

    #[test]
    fn check_digit_basics() {
        assert_eq!(check_digit(b"L898902C<"), Some(b'3'));
        assert_eq!(check_digit(b"690806"), Some(b'1'));
        assert_eq!(check_digit(b"940623"), Some(b'6'));
        assert_eq!(check_digit(b""), Some(b'0'));
        assert_eq!(check_digit(b"<<<<<<<<<<<<<<"), Some(b'0'));
        assert_eq!(check_digit(b"l898902c<"), None);
        assert_eq!(check_digit(b"L898 902C"), None);
        // Long input: the running sum must not overflow.
        assert!(check_digit(&[b'Z'; 100_000]).is_some());
    }

    #[test]
    fn bac_appendix_d_key_seed() {
        let v = &vectors()["bac_appendix_D"];
        let key = MrzKey::new(
            s(v, "document_number"),
            s(v, "date_of_birth"),
            s(v, "date_of_expiry"),
        )
        .unwrap();
        assert_eq!(
            key.mrz_information().as_slice(),
            s(v, "mrz_information_ascii").as_bytes()
        );
        assert_eq!(
            key.mrz_information_sha1().as_slice(),
            unhex(s(v, "sha1_mrz_information"))
        );
        assert_eq!(key.key_seed().as_slice(), unhex(s(v, "k_seed")));
        // Lower case, no filler, surrounding spaces: the same key.
        let loose = MrzKey::new(" l898902c ", "690806", "940623").unwrap();
        assert_eq!(loose.document_number(), "L898902C<");
        assert_eq!(loose.key_seed().as_slice(), unhex(s(v, "k_seed")));
    }

    #[test]
    fn pace_mrz_passwords() {
        for v in vectors()["pace_mrz_passwords"].as_array().unwrap() {
            let key = MrzKey::new(
                s(v, "document_number"),
                s(v, "date_of_birth"),
                s(v, "date_of_expiry"),
            )
            .unwrap();
            assert_eq!(
                key.mrz_information().as_slice(),
                s(v, "mrz_information_ascii").as_bytes()
            );
            assert_eq!(
                key.mrz_information_sha1().as_slice(),
                unhex(s(v, "sha1_mrz_information"))
            );
        }
    }

    fn check_fields(mrz: &Mrz, v: &Value) {
        let format = match s(v, "format") {
            "TD1" => MrzFormat::Td1,
            "TD2" => MrzFormat::Td2,
            _ => MrzFormat::Td3,
        };
        assert_eq!(mrz.format(), format);
        assert_eq!(mrz.document_code(), s(v, "document_code"));
        assert_eq!(mrz.issuing_state(), s(v, "issuing_state"));
        assert_eq!(mrz.document_number(), s(v, "document_number"));
        assert_eq!(
            mrz.document_number_check_digit(),
            s(v, "document_number_check_digit").as_bytes()[0]
        );
        assert_eq!(mrz.date_of_birth().as_str(), s(v, "date_of_birth"));
        assert_eq!(mrz.date_of_expiry().as_str(), s(v, "date_of_expiry"));
        let sex = match s(v, "sex") {
            "M" => Sex::Male,
            "F" => Sex::Female,
            _ => Sex::Unspecified,
        };
        assert_eq!(mrz.sex(), sex);
        assert_eq!(mrz.nationality(), s(v, "nationality"));
        assert_eq!(mrz.primary_identifier(), s(v, "primary_identifier"));
        assert_eq!(mrz.secondary_identifier(), s(v, "secondary_identifier"));
        assert_eq!(mrz.optional_data_1(), s(v, "optional_data_1"));
        assert_eq!(mrz.optional_data_2(), s(v, "optional_data_2"));
        let key = mrz.key();
        assert_eq!(
            key.mrz_information().as_slice(),
            s(v, "mrz_information_ascii").as_bytes()
        );
        if let Some(h) = v["sha1_mrz_information"].as_str() {
            assert_eq!(key.mrz_information_sha1().as_slice(), unhex(h));
        }
        if let Some(h) = v["k_seed"].as_str() {
            assert_eq!(key.key_seed().as_slice(), unhex(h));
        }
    }

    #[test]
    fn published_and_constructed_mrzs_parse() {
        for v in vectors()["valid_mrzs"].as_array().unwrap() {
            let ls = lines(v);
            let texts = [
                ls.join("\n"),
                ls.concat(),
                ls.join(" "),
                format!("  \r\n{}\r\n\t", ls.join("\r\n")),
            ];
            for text in &texts {
                let mrz = Mrz::parse(text).unwrap_or_else(|e| panic!("{}: {e}", s(v, "source")));
                check_fields(&mrz, v);
            }
        }
    }

    #[test]
    fn long_document_number_key_matches_manual_key() {
        let mrz = Mrz::parse(
            "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<",
        )
        .unwrap();
        let manual = MrzKey::new("D23145890734", "340712", "950712").unwrap();
        assert_eq!(mrz.key().key_seed(), manual.key_seed());
        assert_eq!(mrz.key().document_number(), "D23145890734");
    }

    #[test]
    fn long_document_number_with_more_optional_data() {
        // Continuation, check digit, filler, then more optional data (constructed).
        let mrz = edited(TD1_SPECIMEN, 5, "D23145890<7349<AB12");
        let mrz = Mrz::parse(&mrz).unwrap();
        assert_eq!(mrz.document_number(), "D23145890734");
        assert_eq!(mrz.optional_data_1(), "AB12");
    }

    #[test]
    fn each_check_digit_is_verified() {
        let cases: [(&str, usize, MrzField); 13] = [
            (TD3_SPECIMEN, 53, MrzField::DocumentNumber),
            (TD3_SPECIMEN, 63, MrzField::DateOfBirth),
            (TD3_SPECIMEN, 71, MrzField::DateOfExpiry),
            (TD3_SPECIMEN, 86, MrzField::OptionalData),
            (TD3_SPECIMEN, 87, MrzField::CompositeCheckDigit),
            (TD1_SPECIMEN, 14, MrzField::DocumentNumber),
            (TD1_SPECIMEN, 36, MrzField::DateOfBirth),
            (TD1_SPECIMEN, 44, MrzField::DateOfExpiry),
            (TD1_SPECIMEN, 59, MrzField::CompositeCheckDigit),
            (TD2_SPECIMEN, 45, MrzField::DocumentNumber),
            (TD2_SPECIMEN, 55, MrzField::DateOfBirth),
            (TD2_SPECIMEN, 63, MrzField::DateOfExpiry),
            (TD2_SPECIMEN, 71, MrzField::CompositeCheckDigit),
        ];
        for (base, at, field) in cases {
            assert!(Mrz::parse(base).is_ok());
            for wrong in (b'0'..=b'9').chain([b'A', b'<']) {
                let mut m = base.as_bytes().to_vec();
                // `<` there announces a long document number (tested below).
                let long = field == MrzField::DocumentNumber && base.len() != 88;
                if m[at] == wrong || (long && wrong == b'<') {
                    continue;
                }
                m[at] = wrong;
                let e = parse_err(std::str::from_utf8(&m).unwrap());
                assert_eq!(
                    e,
                    MrzError::new(field, MrzProblem::CheckDigitMismatch),
                    "position {at}, char {}",
                    wrong as char
                );
            }
        }
        // A changed field with the old check digit.
        let mut m = TD3_SPECIMEN.as_bytes().to_vec();
        m[45] = b'9';
        assert_eq!(
            parse_err(std::str::from_utf8(&m).unwrap()).field,
            MrzField::DocumentNumber
        );
        // Long document number with a wrong continuation check digit.
        let long = "I<UTOD23145890<7348<<<<<<<<<<<3407127M9507122UTO<<<<<<<<<<<2STEVENSON<<PETER<JOHN<<<<<<<<<";
        assert_eq!(
            parse_err(long),
            MrzError::new(MrzField::DocumentNumber, MrzProblem::CheckDigitMismatch)
        );
    }

    #[test]
    fn personal_number_unused() {
        for cd in ["<", "0"] {
            let mut m = edited(TD3_SPECIMEN, 72, "<<<<<<<<<<<<<<").into_bytes();
            m[86] = cd.as_bytes()[0];
            let all: Vec<u8> = TD3
                .composite
                .iter()
                .flat_map(|&(a, n)| m[a..a + n].to_vec())
                .collect();
            m[87] = check_digit(&all).unwrap();
            let mrz = Mrz::parse(std::str::from_utf8(&m).unwrap()).unwrap();
            assert_eq!(mrz.optional_data_1(), "");
        }
    }

    #[test]
    fn malformed_long_document_numbers() {
        // `<` in the check digit position but no continuation.
        let e = parse_err(&edited(TD1_SPECIMEN, 14, "<"));
        assert_eq!(
            e,
            MrzError::new(MrzField::DocumentNumber, MrzProblem::Malformed)
        );
        // Continuation of a single character: only a check digit, nothing to continue.
        let e = parse_err(&edited(TD1_SPECIMEN, 14, "<7<"));
        assert_eq!(e.problem, MrzProblem::Malformed);
        // Principal part with fillers cannot be truncated.
        let e = parse_err(&edited(TD1_SPECIMEN, 5, "D2314589<<734"));
        assert_eq!(e.problem, MrzProblem::Malformed);
        // TD3 has no long document numbers.
        let mut m = TD3_SPECIMEN.as_bytes().to_vec();
        m[53] = b'<';
        let e = parse_err(std::str::from_utf8(&m).unwrap());
        assert_eq!(
            e,
            MrzError::new(MrzField::DocumentNumber, MrzProblem::CheckDigitMismatch)
        );
        // Document number of fillers only.
        let e = parse_err(&edited(TD3_SPECIMEN, 44, "<<<<<<<<<"));
        assert_eq!(
            e,
            MrzError::new(MrzField::DocumentNumber, MrzProblem::Missing)
        );
    }

    #[test]
    fn bad_dates() {
        use MrzField::*;
        use MrzProblem::*;
        let cases: [(&str, usize, &str, MrzError); 10] = [
            (
                TD3_SPECIMEN,
                57,
                "741312",
                MrzError::new(DateOfBirth, InvalidDate),
            ),
            (
                TD3_SPECIMEN,
                57,
                "740800",
                MrzError::new(DateOfBirth, InvalidDate),
            ),
            (
                TD3_SPECIMEN,
                57,
                "740001",
                MrzError::new(DateOfBirth, InvalidDate),
            ),
            (
                TD3_SPECIMEN,
                57,
                "730229",
                MrzError::new(DateOfBirth, InvalidDate),
            ),
            (
                TD3_SPECIMEN,
                57,
                "74A812",
                MrzError::new(DateOfBirth, InvalidCharacter),
            ),
            (
                TD3_SPECIMEN,
                57,
                "7<0812",
                MrzError::new(DateOfBirth, InvalidCharacter),
            ),
            (
                TD3_SPECIMEN,
                65,
                "120431",
                MrzError::new(DateOfExpiry, InvalidDate),
            ),
            (
                TD3_SPECIMEN,
                65,
                "121301",
                MrzError::new(DateOfExpiry, InvalidDate),
            ),
            (
                TD3_SPECIMEN,
                65,
                "12<<15",
                MrzError::new(DateOfExpiry, InvalidCharacter),
            ),
            (
                TD1_SPECIMEN,
                38,
                "130229",
                MrzError::new(DateOfExpiry, InvalidDate),
            ),
        ];
        for (base, at, date, expected) in cases {
            assert_eq!(parse_err(&edited(base, at, date)), expected, "{date}");
        }
        // Leap days are fine in leap years, including 00 (2000).
        assert!(Mrz::parse(&edited(TD3_SPECIMEN, 57, "000229")).is_ok());
        assert!(Mrz::parse(&edited(TD3_SPECIMEN, 65, "240229")).is_ok());
    }

    #[test]
    fn unknown_birth_date_parts() {
        let today = CivilDate::new(2026, 11, 25).unwrap();
        for (date, y, m, d) in [
            ("74<<<<", Some(74), None, None),
            ("7408<<", Some(74), Some(8), None),
            ("<<<<<<", None, None, None),
        ] {
            let mrz = Mrz::parse(&edited(TD3_SPECIMEN, 57, date)).unwrap();
            let b = mrz.date_of_birth();
            assert_eq!(b.as_str(), date);
            assert_eq!((b.year_digits(), b.month(), b.day()), (y, m, d));
            assert!(!b.is_complete());
            assert_eq!(b.resolve_birth(today), None);
            // The key keeps the fillers, as the chip does.
            let info = mrz.key().mrz_information();
            assert_eq!(&info[10..16], date.as_bytes());
        }
        // "<<" must be a whole part.
        assert_eq!(
            parse_err(&edited(TD3_SPECIMEN, 57, "740<12")).problem,
            MrzProblem::InvalidCharacter
        );
        assert!(MrzKey::new("L898902C", "74<<<<", "120415").is_ok());
        assert!(MrzKey::new("L898902C", "740812", "12<<<<").is_err());
    }

    #[test]
    fn wrong_layouts() {
        let layout = |text: &str| parse_err(text);
        let wl = MrzError::new(MrzField::Layout, MrzProblem::WrongLength);
        assert_eq!(layout(""), wl);
        assert_eq!(layout("   \n  "), wl);
        assert_eq!(layout(&TD3_SPECIMEN[..87]), wl);
        assert_eq!(layout(&format!("{TD3_SPECIMEN}<")), wl);
        // Right total, wrong split.
        assert_eq!(
            layout(&format!("{}\n{}", &TD3_SPECIMEN[..43], &TD3_SPECIMEN[43..])),
            wl
        );
        // Three lines of a two-line format.
        assert_eq!(
            layout(&format!(
                "{}\n{}\n{}",
                &TD3_SPECIMEN[..44],
                &TD3_SPECIMEN[44..60],
                &TD3_SPECIMEN[60..]
            )),
            wl
        );
        // Four lines.
        assert_eq!(layout("A B C D"), wl);
        // Way too long.
        assert_eq!(layout(&"<".repeat(10_000)), wl);
        // TD1 lines in a TD1 total but split 45/45.
        assert_eq!(
            layout(&format!("{}\n{}", &TD1_SPECIMEN[..45], &TD1_SPECIMEN[45..])),
            wl
        );
    }

    #[test]
    fn characters() {
        use MrzField::*;
        use MrzProblem::*;
        assert_eq!(
            parse_err(&TD3_SPECIMEN.to_lowercase()),
            MrzError::new(Layout, LowerCase)
        );
        assert_eq!(
            parse_err(&TD3_SPECIMEN.replace("ANNA", "Anna")),
            MrzError::new(Layout, LowerCase)
        );
        for bad in ["#", "é", "-", "\0"] {
            let text = TD3_SPECIMEN.replacen('A', bad, 1);
            assert_eq!(parse_err(&text), MrzError::new(Layout, InvalidCharacter));
        }
        let cases: [(&str, usize, &str, MrzError); 8] = [
            (
                TD3_SPECIMEN,
                0,
                "1<",
                MrzError::new(DocumentCode, InvalidCharacter),
            ),
            (
                TD3_SPECIMEN,
                0,
                "<P",
                MrzError::new(DocumentCode, InvalidCharacter),
            ),
            (
                TD3_SPECIMEN,
                2,
                "U1O",
                MrzError::new(IssuingState, InvalidCharacter),
            ),
            (
                TD3_SPECIMEN,
                2,
                "<<<",
                MrzError::new(IssuingState, InvalidCharacter),
            ),
            (
                TD3_SPECIMEN,
                54,
                "UT0",
                MrzError::new(Nationality, InvalidCharacter),
            ),
            (TD3_SPECIMEN, 64, "Q", MrzError::new(Sex, InvalidCharacter)),
            (
                TD3_SPECIMEN,
                5,
                "ERIKSS0N",
                MrzError::new(Name, InvalidCharacter),
            ),
            (TD3_SPECIMEN, 5, "<<ANNA<<", MrzError::new(Name, Missing)),
        ];
        for (base, at, with, expected) in cases {
            assert_eq!(parse_err(&edited(base, at, with)), expected, "{with}");
        }
        // Sex X and < are "unspecified".
        for sex in ["X", "<"] {
            let mrz = Mrz::parse(&edited(TD3_SPECIMEN, 64, sex)).unwrap();
            assert_eq!(mrz.sex(), super::Sex::Unspecified);
        }
        // Germany: issuing state with fillers.
        let mrz = Mrz::parse(&edited(TD3_SPECIMEN, 2, "D<<")).unwrap();
        assert_eq!(mrz.issuing_state(), "D");
    }

    #[test]
    fn names() {
        let mrz = Mrz::parse(&edited(
            TD3_SPECIMEN,
            5,
            "VAN<DER<BERG<<JAN<<<<<<<<<<<<<<<<<<<<<<",
        ))
        .unwrap();
        assert_eq!(mrz.primary_identifier(), "VAN DER BERG");
        assert_eq!(mrz.secondary_identifier(), "JAN");
        // Single component: all primary.
        let mrz = Mrz::parse(&edited(
            TD3_SPECIMEN,
            5,
            "ERIKSSON<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
        ))
        .unwrap();
        assert_eq!(mrz.primary_identifier(), "ERIKSSON");
        assert_eq!(mrz.secondary_identifier(), "");
        // Truncated, no filler at all.
        let mrz = Mrz::parse(&edited(
            TD3_SPECIMEN,
            5,
            "ABCDEFGHIJKLMNOPQRST<<ABCDEFGHIJKLMNOPQ",
        ))
        .unwrap();
        assert_eq!(mrz.secondary_identifier(), "ABCDEFGHIJKLMNOPQ");
    }

    #[test]
    fn century_rules() {
        let today = CivilDate::new(2026, 11, 25).unwrap();
        let birth = |d: &str| MrzDate::parse_birth(d).unwrap().resolve_birth(today);
        let expiry = |d: &str| MrzDate::parse_expiry(d).unwrap().resolve_expiry(today);
        assert_eq!(birth("261125"), CivilDate::new(2026, 11, 25));
        assert_eq!(birth("261126"), CivilDate::new(1926, 11, 26));
        assert_eq!(birth("000101"), CivilDate::new(2000, 1, 1));
        assert_eq!(birth("991231"), CivilDate::new(1999, 12, 31));
        assert_eq!(birth("740812"), CivilDate::new(1974, 8, 12));
        assert_eq!(expiry("461125"), CivilDate::new(2046, 11, 25));
        assert_eq!(expiry("461231"), CivilDate::new(2046, 12, 31));
        assert_eq!(expiry("470101"), CivilDate::new(1947, 1, 1));
        assert_eq!(expiry("120415"), CivilDate::new(2012, 4, 15));
        assert_eq!(expiry("000229"), CivilDate::new(2000, 2, 29));
        // 29 Feb 00 in a year where the birth rule picks 1900: no such date.
        let early = CivilDate::new(2000, 1, 1).unwrap();
        assert_eq!(
            MrzDate::parse_birth("000229").unwrap().resolve_birth(early),
            None
        );
        // Sliding beyond 2099 keeps the same windows.
        let later = CivilDate::new(2101, 6, 1).unwrap();
        assert_eq!(
            MrzDate::parse_birth("010601").unwrap().resolve_birth(later),
            CivilDate::new(2101, 6, 1)
        );
        assert_eq!(
            MrzDate::parse_birth("990601").unwrap().resolve_birth(later),
            CivilDate::new(2099, 6, 1)
        );
        assert_eq!(
            MrzDate::parse_expiry("210101")
                .unwrap()
                .resolve_expiry(later),
            CivilDate::new(2121, 1, 1)
        );
        // Degenerate today: no panic.
        let zero = CivilDate {
            year: 0,
            month: 1,
            day: 1,
        };
        assert_eq!(
            MrzDate::parse_birth("990101").unwrap().resolve_birth(zero),
            None
        );
        let max = CivilDate {
            year: u16::MAX,
            month: 12,
            day: 31,
        };
        let _ = MrzDate::parse_expiry("990101").unwrap().resolve_expiry(max);
        let _ = MrzDate::parse_birth("990101").unwrap().resolve_birth(max);
        assert!(CivilDate::new(2023, 2, 29).is_none());
        assert!(CivilDate::new(2024, 2, 29).is_some());
        assert!(CivilDate::new(1900, 2, 29).is_none());
        assert!(CivilDate::new(2024, 13, 1).is_none());
    }

    #[test]
    fn mrz_key_validation() {
        use MrzField::*;
        use MrzProblem::*;
        assert_eq!(
            MrzKey::new("", "690806", "940623").unwrap_err(),
            MrzError::new(DocumentNumber, Missing)
        );
        assert_eq!(
            MrzKey::new("<<<", "690806", "940623").unwrap_err(),
            MrzError::new(DocumentNumber, Missing)
        );
        assert_eq!(
            MrzKey::new("L898-902C", "690806", "940623").unwrap_err(),
            MrzError::new(DocumentNumber, InvalidCharacter)
        );
        assert_eq!(
            MrzKey::new("L898 902C", "690806", "940623").unwrap_err(),
            MrzError::new(DocumentNumber, InvalidCharacter)
        );
        assert_eq!(
            MrzKey::new(&"A".repeat(24), "690806", "940623").unwrap_err(),
            MrzError::new(DocumentNumber, WrongLength)
        );
        assert!(MrzKey::new(&"A".repeat(23), "690806", "940623").is_ok());
        assert_eq!(
            MrzKey::new("L898902C", "691306", "940623").unwrap_err(),
            MrzError::new(DateOfBirth, InvalidDate)
        );
        assert_eq!(
            MrzKey::new("L898902C", "69080", "940623").unwrap_err(),
            MrzError::new(DateOfBirth, WrongLength)
        );
        assert_eq!(
            MrzKey::new("L898902C", "690806", "94O623").unwrap_err(),
            MrzError::new(DateOfExpiry, InvalidCharacter)
        );
        assert_eq!(
            MrzKey::new("L898902C", "690806", "940631").unwrap_err(),
            MrzError::new(DateOfExpiry, InvalidDate)
        );
        // Short numbers are padded; long numbers are kept whole.
        let k = MrzKey::new("AB12", "690806", "940623").unwrap();
        assert_eq!(k.document_number(), "AB12<<<<<");
        assert_eq!(&k.mrz_information()[..10], b"AB12<<<<<8".as_slice());
        assert_eq!(check_digit(b"AB12<<<<<"), Some(b'8'));
    }

    #[test]
    fn nothing_personal_in_errors_or_debug() {
        let secrets = [
            "L898902C",
            "ERIKSSON",
            "ANNA",
            "D23145890",
            "740812",
            "120415",
        ];
        let mut texts = Vec::new();
        let mut errors = Vec::new();
        for base in [TD3_SPECIMEN, TD1_SPECIMEN, TD2_SPECIMEN] {
            let mrz = Mrz::parse(base).unwrap();
            texts.push(format!("{mrz:?}"));
            texts.push(format!("{:?}", mrz.key()));
            texts.push(format!("{:?}", mrz.date_of_birth()));
            let today = CivilDate::new(2026, 1, 1).unwrap();
            texts.push(format!("{:?}", mrz.date_of_birth().resolve_birth(today)));
            for at in 0..base.len() {
                for c in [b'0', b'9', b'A', b'<', b'a', b'#'] {
                    let mut m = base.as_bytes().to_vec();
                    m[at] = c;
                    if let Err(e) = Mrz::parse(std::str::from_utf8(&m).unwrap()) {
                        errors.push(e);
                    }
                }
            }
        }
        errors.push(MrzKey::new("L898902C-", "740812", "120415").unwrap_err());
        errors.push(MrzKey::new("L898902C", "741312", "120415").unwrap_err());
        assert!(errors.len() > 500);
        for e in &errors {
            texts.push(e.to_string());
            texts.push(format!("{e:?}"));
            texts.push(crate::Error::from(*e).to_string());
        }
        for t in &texts {
            for secret in secrets {
                assert!(!t.contains(secret), "{t:?} leaks a value");
            }
        }
        assert_eq!(
            MrzError::new(MrzField::DateOfExpiry, MrzProblem::CheckDigitMismatch).to_string(),
            "date of expiry: check digit does not match"
        );
        assert_eq!(
            format!("{:?}", Mrz::parse(TD3_SPECIMEN).unwrap()),
            "Mrz { format: Td3, .. }"
        );
    }

    /// Xorshift64: deterministic garbage without a dependency.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn no_panic_on_garbage() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<<<<< \n\r\tab#é€"
            .chars()
            .collect();
        let today = CivilDate::new(2026, 11, 25).unwrap();
        let bases = [TD3_SPECIMEN, TD1_SPECIMEN, TD2_SPECIMEN];
        let mut ok = 0;
        for i in 0..4000 {
            let text: String = if i % 2 == 0 {
                // Pure garbage of MRZ-ish lengths.
                let len = [0, 1, 30, 36, 44, 72, 88, 90, 91, 200][rng.below(10)];
                (0..len)
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect()
            } else {
                // A valid MRZ with a few characters changed or removed.
                let mut chars: Vec<char> = bases[rng.below(3)].chars().collect();
                for _ in 0..1 + rng.below(3) {
                    let at = rng.below(chars.len());
                    if rng.below(8) == 0 {
                        chars.remove(at);
                    } else {
                        chars[at] = alphabet[rng.below(alphabet.len())];
                    }
                }
                chars.into_iter().collect()
            };
            if let Ok(mrz) = Mrz::parse(&text) {
                ok += 1;
                let _ = mrz.date_of_birth().resolve_birth(today);
                let _ = mrz.date_of_expiry().resolve_expiry(today);
                let _ = mrz.key().key_seed();
            }
            let _ = MrzKey::new(&text, &text, &text);
            let parts: Vec<&str> = text.splitn(3, '\n').collect();
            if let [a, b, c] = parts[..] {
                let _ = MrzKey::new(a, b, c);
            }
        }
        // Some single-character edits keep the MRZ valid (e.g. in optional data 2 fillers).
        assert!(ok < 4000);
    }
}
