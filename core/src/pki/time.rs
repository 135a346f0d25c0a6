//! Points in time for certificate validity, CRLs and signing times.
//!
//! This module owns [`Timestamp`] (seconds since the Unix epoch, UTC) and the parsing of ASN.1
//! UTCTime and GeneralizedTime. The core has no clock: the caller passes "now" into every check
//! that needs it. It does not know certificates or CMS.

/// A point in time, seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian; H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

impl Timestamp {
    /// From a UTC civil date and time; `None` when a field is out of range.
    pub fn from_utc(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<Self> {
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(Timestamp(
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second),
        ))
    }

    /// Parses the content of an ASN.1 UTCTime (`YYMMDDHHMM[SS]Z`, or with a `+hhmm`/`-hhmm`
    /// offset as BER allows). Years 50-99 are 19xx, 00-49 are 20xx (RFC 5280).
    pub fn from_utc_time(s: &[u8]) -> Option<Self> {
        let yy = i64::from(two(s, 0)?);
        let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
        Self::from_parts(year, s.get(2..)?)
    }

    /// Parses the content of an ASN.1 GeneralizedTime (`YYYYMMDDHHMM[SS][.fff]Z` or with an
    /// offset).
    pub fn from_generalized_time(s: &[u8]) -> Option<Self> {
        let year = i64::from(two(s, 0)?) * 100 + i64::from(two(s, 2)?);
        Self::from_parts(year, s.get(4..)?)
    }

    fn from_parts(year: i64, s: &[u8]) -> Option<Self> {
        let month = two(s, 0)?;
        let day = two(s, 2)?;
        let hour = two(s, 4)?;
        let minute = two(s, 6)?;
        let mut rest = s.get(8..)?;
        let mut second = 0;
        if rest.first().is_some_and(u8::is_ascii_digit) {
            second = two(rest, 0)?;
            rest = rest.get(2..)?;
        }
        if rest.first() == Some(&b'.') || rest.first() == Some(&b',') {
            let digits = rest
                .iter()
                .skip(1)
                .take_while(|b| b.is_ascii_digit())
                .count();
            rest = rest.get(1 + digits..)?;
        }
        let t = Self::from_utc(year, month, day, hour, minute, second)?;
        match rest {
            b"Z" => Some(t),
            [sign @ (b'+' | b'-'), ..] if rest.len() == 5 => {
                let off = i64::from(two(rest, 1)?) * 3600 + i64::from(two(rest, 3)?) * 60;
                Some(Timestamp(if *sign == b'+' { t.0 - off } else { t.0 + off }))
            }
            _ => None,
        }
    }
}

fn two(s: &[u8], at: usize) -> Option<u32> {
    let a = *s.get(at)?;
    let b = *s.get(at + 1)?;
    if !a.is_ascii_digit() || !b.is_ascii_digit() {
        return None;
    }
    Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_asn1_times() {
        assert_eq!(Timestamp::from_utc(1970, 1, 1, 0, 0, 0), Some(Timestamp(0)));
        assert_eq!(
            Timestamp::from_utc(2000, 3, 1, 0, 0, 0),
            Some(Timestamp(951_868_800))
        );
        assert_eq!(Timestamp::from_utc(2023, 2, 29, 0, 0, 0), None);
        let t = Timestamp::from_utc_time(b"261125101500Z").unwrap();
        assert_eq!(Some(t), Timestamp::from_utc(2026, 11, 25, 10, 15, 0));
        assert_eq!(Timestamp::from_utc_time(b"7001010000Z"), Some(Timestamp(0)));
        assert_eq!(
            Timestamp::from_generalized_time(b"20261125101500.123Z"),
            Some(t)
        );
        assert_eq!(Timestamp::from_utc_time(b"261125111500+0100"), Some(t));
        assert_eq!(Timestamp::from_utc_time(b"2611251015"), None);
        assert_eq!(Timestamp::from_utc_time(b"26112510150Z"), None);
        assert_eq!(Timestamp::from_generalized_time(b""), None);
    }
}
