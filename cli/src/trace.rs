//! The redacted APDU log printed by `--trace`.
//!
//! This module owns the format of one trace line: command header (CLA INS P1 P2), Lc, Le,
//! short or extended form, protected by secure messaging or not, response length and status
//! words. It never receives, and so never prints, command or response data.

/// One exchange as the core reports it: header, lengths and status words only.
pub use monid_core::channel::ApduTrace as TraceLine;

/// A human name for an instruction byte.
pub fn ins_name(ins: u8) -> &'static str {
    match ins {
        0xA4 => "SELECT",
        0xB0 | 0xB1 => "READ BINARY",
        0x84 => "GET CHALLENGE",
        0x82 => "EXTERNAL AUTHENTICATE",
        0x88 => "INTERNAL AUTHENTICATE",
        0x22 => "MANAGE SECURITY ENV",
        0x86 | 0x87 => "GENERAL AUTHENTICATE",
        0xC0 => "GET RESPONSE",
        _ => "?",
    }
}

/// Formats one line: `#3 > 0C B0 9E 00 READ BINARY Lc=0 Le=223 short SM < 246 B 9000 (9000)`.
pub fn format(index: u64, t: &TraceLine) -> String {
    let [cla, ins, p1, p2] = t.header;
    let le = match t.ne {
        Some(n) => format!("Le={n}"),
        None => "Le=-".to_owned(),
    };
    let sw = match t.sw {
        Some(sw) => format!("{:04X}", sw.0),
        None => "link failed".to_owned(),
    };
    let inner = match t.inner_sw {
        Some(sw) => format!(" (inner {:04X})", sw.0),
        None => String::new(),
    };
    format!(
        "#{index:<4} > {cla:02X} {ins:02X} {p1:02X} {p2:02X} {:<21} Lc={:<5} {le:<8} {} {}  < {} B {sw}{inner}",
        ins_name(ins),
        t.nc,
        if t.extended { "ext  " } else { "short" },
        if t.protected { "SM   " } else { "plain" },
        t.response_len,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line() {
        let t = TraceLine {
            header: [0x0C, 0xB0, 0x9E, 0x00],
            nc: 13,
            ne: Some(256),
            extended: false,
            protected: true,
            response_len: 30,
            sw: Some(monid_core::apdu::StatusWord(0x9000)),
            inner_sw: Some(monid_core::apdu::StatusWord(0x9000)),
        };
        let s = format(3, &t);
        assert!(s.contains("0C B0 9E 00 READ BINARY"), "{s}");
        assert!(
            s.contains("Lc=13") && s.contains("Le=256") && s.contains("SM"),
            "{s}"
        );
        assert!(s.ends_with("30 B 9000 (inner 9000)"), "{s}");
        let f = format(
            4,
            &TraceLine {
                sw: None,
                inner_sw: None,
                protected: false,
                ne: None,
                ..t
            },
        );
        assert!(
            f.contains("link failed") && f.contains("plain") && f.contains("Le=-"),
            "{f}"
        );
    }
}
