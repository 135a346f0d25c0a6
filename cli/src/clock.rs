//! The verifier's clock: "now" for passive authentication, `--at` dates, and printing times.
//!
//! This module owns the only place the command reads the system clock for verification (the
//! core has no clock and takes "now" as an argument), the parsing of `--at` and the rendering of
//! [`Timestamp`]s as UTC dates. It knows nothing about certificates.

use monid_core::pki::Timestamp;

/// The system clock as a [`Timestamp`] (seconds since the Unix epoch, UTC).
pub fn system_now() -> Timestamp {
    let secs = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    Timestamp(secs)
}

fn num<T: core::str::FromStr>(s: &str, digits: usize) -> Option<T> {
    if s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Parses `--at`: `YYYY-MM-DD` (taken as 12:00:00 UTC that day) or `YYYY-MM-DDTHH:MM:SSZ`.
pub fn parse_at(s: &str) -> Result<Timestamp, String> {
    let bad = || format!("--at {s:?}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t.strip_suffix('Z').ok_or_else(bad)?)),
        None => (s, None),
    };
    let mut d = date.split('-');
    let (Some(y), Some(m), Some(dd), None) = (d.next(), d.next(), d.next(), d.next()) else {
        return Err(bad());
    };
    let (y, m, dd): (i64, u32, u32) = (
        num(y, 4).ok_or_else(bad)?,
        num(m, 2).ok_or_else(bad)?,
        num(dd, 2).ok_or_else(bad)?,
    );
    let (hh, mm, ss) = match time {
        None => (12, 0, 0),
        Some(t) => {
            let mut p = t.split(':');
            let (Some(h), Some(mi), Some(se), None) = (p.next(), p.next(), p.next(), p.next())
            else {
                return Err(bad());
            };
            (
                num(h, 2).ok_or_else(bad)?,
                num(mi, 2).ok_or_else(bad)?,
                num(se, 2).ok_or_else(bad)?,
            )
        }
    };
    Timestamp::from_utc(y, m, dd, hh, mm, ss).ok_or_else(bad)
}

/// (year, month, day) of a day count since 1970-01-01 (H. Hinnant's civil_from_days).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2026-11-25T12:00:00Z`.
pub fn format(t: Timestamp) -> String {
    let days = t.0.div_euclid(86_400);
    let secs = t.0.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `2026-11-25`.
pub fn format_date(t: Timestamp) -> String {
    let (y, m, d) = civil_from_days(t.0.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trips() {
        let t = parse_at("2026-11-25").unwrap();
        assert_eq!(Some(t), Timestamp::from_utc(2026, 11, 25, 12, 0, 0));
        assert_eq!(format(t), "2026-11-25T12:00:00Z");
        assert_eq!(format_date(t), "2026-11-25");
        let t = parse_at("2000-02-29T23:59:58Z").unwrap();
        assert_eq!(format(t), "2000-02-29T23:59:58Z");
        assert_eq!(format(Timestamp(0)), "1970-01-01T00:00:00Z");
        assert_eq!(format(Timestamp(-1)), "1969-12-31T23:59:59Z");
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "26-11-25",
            "2026-11-25T12:00:00",
            "2026-11-25T1:00:00Z",
            "",
            "2026-11-25-01",
            "+026-11-25",
        ] {
            assert!(parse_at(bad).is_err(), "{bad}");
        }
        assert!(system_now().0 > 1_700_000_000);
    }
}
