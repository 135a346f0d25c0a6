//! Africa/Casablanca civil dates, for the age claims of a receipt.
//!
//! This module owns turning a Unix time into the civil date in Morocco and computing "age over
//! N" from a birth date and that date. Morocco keeps UTC+1 all year except during Ramadan, when
//! it goes back to UTC+0; the dates follow the lunar calendar and are announced by decree, so
//! they come from the IANA tz database, not from a rule. The transitions are a const table
//! ([`table`]) generated from the system's TZif file `/usr/share/zoneinfo/Africa/Casablanca` by
//! `scripts/py/gen_tz_casablanca.py` (tzdata release in [`TZDATA_VERSION`]) for instants in
//! 2019-01-01T00:00Z .. 2041-01-01T00:00Z. Outside that range [`casablanca_date`] returns
//! [`TzError::OutOfRange`] rather than guess (the UTC+1 rule would be wrong for a month a year).
//! It must not read clocks, files or the environment: the caller passes the time.

use crate::mrz::CivilDate;

mod table;

pub use table::{TABLE_END, TABLE_START, TZDATA_VERSION};

/// Why no civil date could be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TzError {
    /// The instant is outside the generated table (2019..=2040).
    #[error("time outside the Africa/Casablanca table (2019..=2040)")]
    OutOfRange,
}

/// The UTC offset in seconds (3600 or 0) in force in Morocco at `unix` seconds.
pub fn casablanca_offset(unix: i64) -> Result<i32, TzError> {
    if !(TABLE_START..TABLE_END).contains(&unix) {
        return Err(TzError::OutOfRange);
    }
    // The last transition at or before `unix` decides; before the first, the start offset.
    let offset = table::TRANSITIONS
        .iter()
        .take_while(|(at, _)| *at <= unix)
        .last()
        .map_or(table::OFFSET_AT_START, |(_, off)| *off);
    Ok(offset)
}

/// The civil date in Africa/Casablanca at `unix` seconds (2019..=2040, else
/// [`TzError::OutOfRange`]).
pub fn casablanca_date(unix: i64) -> Result<CivilDate, TzError> {
    let offset = casablanca_offset(unix)?;
    let local = unix
        .checked_add(i64::from(offset))
        .ok_or(TzError::OutOfRange)?;
    civil_from_days(local.div_euclid(86_400)).ok_or(TzError::OutOfRange)
}

/// The civil (proleptic Gregorian) date of a day count since 1970-01-01 (H. Hinnant's
/// `civil_from_days`), `None` for years outside `u16`.
pub fn civil_from_days(days: i64) -> Option<CivilDate> {
    let z = days.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    CivilDate::new(
        u16::try_from(year).ok()?,
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
    )
}

/// Completed years of age on `on` for someone born on `birth`; `None` if `on` is before
/// `birth`.
///
/// Birthday rule: a birthday is reached when (month, day) of `on` is at or after (month, day)
/// of `birth`. Someone born on 29 February therefore turns a year older on 1 March in common
/// years (on 28 February they are still the younger age) and on 29 February in leap years.
/// This is the conservative reading (never grants an age a day early); the relying party that
/// needs another rule gets the as-of date with every age claim.
pub fn age_on(birth: CivilDate, on: CivilDate) -> Option<u16> {
    if on < birth {
        return None;
    }
    let years = on.year - birth.year;
    if (on.month, on.day) < (birth.month, birth.day) {
        years.checked_sub(1)
    } else {
        Some(years)
    }
}

/// True when someone born on `birth` is at least `n` years old on `on` (see [`age_on`]).
pub fn is_age_over(birth: CivilDate, on: CivilDate, n: u16) -> bool {
    age_on(birth, on).is_some_and(|age| age >= n)
}

/// `YYYY-MM-DD`, as the wire format writes dates.
pub fn iso_date(d: CivilDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: u16, m: u8, day: u8) -> CivilDate {
        CivilDate::new(y, m, day).unwrap()
    }

    #[test]
    fn civil_from_days_known_points() {
        assert_eq!(civil_from_days(0), Some(d(1970, 1, 1)));
        assert_eq!(civil_from_days(11_016), Some(d(2000, 2, 29)));
        assert_eq!(civil_from_days(20_417), Some(d(2025, 11, 25)));
    }

    #[test]
    fn table_is_sorted_and_alternates() {
        let t = table::TRANSITIONS;
        assert!(t.len() >= 40);
        for w in t.windows(2) {
            assert!(w[0].0 < w[1].0);
            assert_ne!(w[0].1, w[1].1);
            assert!(w[0].1 == 0 || w[0].1 == 3600);
        }
        assert_eq!(table::OFFSET_AT_START, 3600);
    }

    // 2019 Ramadan: tzdata `Rule Morocco 2019 - May 5 3:00 -1:00 -` and back on Jun 9 2:00.
    // 1557021600 = 2019-05-05T02:00:00Z (03:00 local +01 -> 02:00 local +00).
    #[test]
    fn ramadan_2019_transitions() {
        assert_eq!(casablanca_offset(1_557_021_599), Ok(3600));
        assert_eq!(casablanca_offset(1_557_021_600), Ok(0));
        // 2019-06-09T02:00:00Z: back to +01.
        assert_eq!(casablanca_offset(1_560_045_599), Ok(0));
        assert_eq!(casablanca_offset(1_560_045_600), Ok(3600));
    }

    // The date changes at 23:00Z under UTC+1 and at 00:00Z under UTC+0.
    #[test]
    fn date_at_midnight_under_both_offsets() {
        // 2025-11-25T22:59:59Z is 23:59:59 local (+01): still the 25th.
        assert_eq!(casablanca_date(1_764_111_599), Ok(d(2025, 11, 25)));
        // 2025-11-25T23:00:00Z is 00:00 local on the 26th.
        assert_eq!(casablanca_date(1_764_111_600), Ok(d(2025, 11, 26)));
        // Ramadan 2025 (tzdata: 2025-02-23 03:00 -> +00 until 2025-04-06 02:00).
        // 2025-03-10T23:30:00Z is 23:30 local under +00: still the 10th.
        assert_eq!(casablanca_offset(1_741_649_400), Ok(0));
        assert_eq!(casablanca_date(1_741_649_400), Ok(d(2025, 3, 10)));
    }

    #[test]
    fn out_of_range() {
        assert_eq!(casablanca_date(TABLE_START - 1), Err(TzError::OutOfRange));
        assert_eq!(casablanca_date(TABLE_END), Err(TzError::OutOfRange));
        assert_eq!(casablanca_date(i64::MIN), Err(TzError::OutOfRange));
        assert_eq!(casablanca_date(i64::MAX), Err(TzError::OutOfRange));
        assert!(casablanca_date(TABLE_START).is_ok());
        assert!(casablanca_date(TABLE_END - 1).is_ok());
    }

    #[test]
    fn ages() {
        let b = d(2007, 11, 26);
        assert_eq!(age_on(b, d(2025, 11, 25)), Some(17));
        assert_eq!(age_on(b, d(2025, 11, 26)), Some(18));
        assert!(!is_age_over(b, d(2025, 11, 25), 18));
        assert!(is_age_over(b, d(2025, 11, 26), 18));
        assert_eq!(age_on(b, d(2007, 11, 25)), None);
        assert!(!is_age_over(b, d(2000, 1, 1), 0));
        // Born 29 February: 28 Feb of a common year is not yet the birthday, 1 March is.
        let leap = d(2008, 2, 29);
        assert_eq!(age_on(leap, d(2026, 2, 28)), Some(17));
        assert_eq!(age_on(leap, d(2026, 3, 1)), Some(18));
        assert_eq!(age_on(leap, d(2028, 2, 29)), Some(20));
        assert_eq!(iso_date(leap), "2008-02-29");
    }
}
