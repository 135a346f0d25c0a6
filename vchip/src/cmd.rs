//! Card-side parsing of raw command APDUs (ISO/IEC 7816-4 §5.1, cases 1 to 4, short and
//! extended), independent of `monid-core`'s encoder so that both ends are checked.
//!
//! This module owns only the byte layout of a command; it knows nothing of files or secure
//! messaging. Any malformed layout is reported as `None` (the chip answers 6700).

/// A parsed command APDU.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Apdu {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Ne; `None` when Le is absent. Short Le 00 = 256, extended Le 0000 = 65536.
    pub ne: Option<usize>,
    /// True when the extended form was used.
    pub extended: bool,
}

impl core::fmt::Debug for Apdu {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Apdu({:02X} {:02X} {:02X} {:02X}, nc={}, ne={:?}, ext={})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.ne,
            self.extended
        )
    }
}

fn short_le(b: u8) -> usize {
    if b == 0 { 256 } else { usize::from(b) }
}

fn ext_le(hi: u8, lo: u8) -> usize {
    match u16::from_be_bytes([hi, lo]) {
        0 => 65_536,
        n => usize::from(n),
    }
}

/// Parses a raw command APDU. `None` when the length fields do not match the bytes present.
pub(crate) fn parse(raw: &[u8]) -> Option<Apdu> {
    let (header, body) = raw.split_at_checked(4)?;
    let [cla, ins, p1, p2] = <[u8; 4]>::try_from(header).ok()?;
    let mk = |data: &[u8], ne: Option<usize>, extended: bool| Apdu {
        cla,
        ins,
        p1,
        p2,
        data: data.to_vec(),
        ne,
        extended,
    };
    match body {
        // Case 1.
        [] => Some(mk(&[], None, false)),
        // Case 2 short.
        [le] => Some(mk(&[], Some(short_le(*le)), false)),
        // Case 2 extended.
        [0, hi, lo] => Some(mk(&[], Some(ext_le(*hi, *lo)), true)),
        [0, hi, lo, rest @ ..] => {
            // Case 3 or 4 extended.
            let nc = usize::from(u16::from_be_bytes([*hi, *lo]));
            if nc == 0 {
                return None;
            }
            let (data, tail) = rest.split_at_checked(nc)?;
            match tail {
                [] => Some(mk(data, None, true)),
                [h, l] => Some(mk(data, Some(ext_le(*h, *l)), true)),
                _ => None,
            }
        }
        [lc, rest @ ..] => {
            // Case 3 or 4 short (lc != 0 here, since 0 followed by < 2 bytes was matched above
            // only for the 1-byte body; a 2-byte body starting with 0 is malformed).
            if *lc == 0 {
                return None;
            }
            let (data, tail) = rest.split_at_checked(usize::from(*lc))?;
            match tail {
                [] => Some(mk(data, None, false)),
                [le] => Some(mk(data, Some(short_le(*le)), false)),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_all_cases() {
        let a = parse(&[0, 0xA4, 4, 0x0C]).unwrap();
        assert_eq!((a.data.len(), a.ne), (0, None));
        let a = parse(&[0, 0xB0, 0, 0, 0]).unwrap();
        assert_eq!(a.ne, Some(256));
        let a = parse(&[0, 0xB0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!((a.ne, a.extended), (Some(65_536), true));
        let a = parse(&[0, 0xB0, 0, 0, 0, 0x03, 0xE8]).unwrap();
        assert_eq!(a.ne, Some(1000));
        let a = parse(&[0, 0xA4, 2, 0x0C, 2, 1, 0x1E]).unwrap();
        assert_eq!((a.data, a.ne), (vec![1, 0x1E], None));
        let a = parse(&[0x0C, 0xB0, 0, 0, 1, 1, 0x20]).unwrap();
        assert_eq!((a.data, a.ne), (vec![1], Some(0x20)));
        let a = parse(&[0, 0x2A, 0, 0, 0, 0, 2, 7, 7, 0, 0]).unwrap();
        assert_eq!((a.data, a.ne, a.extended), (vec![7, 7], Some(65_536), true));
        let a = parse(&[0, 0x2A, 0, 0, 0, 0, 2, 7, 7]).unwrap();
        assert_eq!((a.ne, a.extended), (None, true));
        assert!(parse(&[0, 0xA4, 4]).is_none());
        assert!(parse(&[0, 0xA4, 4, 0x0C, 0, 1]).is_none());
        assert!(parse(&[0, 0xA4, 4, 0x0C, 3, 1]).is_none());
        assert!(parse(&[0, 0xA4, 4, 0x0C, 1, 1, 1, 1]).is_none());
        assert!(parse(&[0, 0xA4, 4, 0x0C, 0, 0, 0, 1]).is_none());
        assert!(parse(&[0, 0xA4, 4, 0x0C, 0, 0, 1, 1, 0]).is_none());
    }
}
