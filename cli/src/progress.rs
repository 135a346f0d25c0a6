//! A one-line progress bar on stderr, redrawn with `\r` (no dependency).
//!
//! This module owns the rendering of progress (step label, bytes read of the total known so
//! far) and nothing else: it never prints file contents or keys. It draws only when stderr is a
//! terminal, so logs and pipes stay clean.

use std::cell::Cell;
use std::io::{IsTerminal, Write};

/// Width of the bar in cells.
const BAR_WIDTH: usize = 24;

/// Renders one progress line (without `\r`): `[#####.....]  42%  DG2  6,000/16,299 bytes`.
/// `total == 0` means the total is not known yet.
pub fn render(label: &str, done: usize, total: usize) -> String {
    let (bar_fill, percent) = if total == 0 {
        (0, None)
    } else {
        let d = done.min(total);
        (d * BAR_WIDTH / total, Some(d * 100 / total))
    };
    let bar: String = (0..BAR_WIDTH)
        .map(|i| if i < bar_fill { '#' } else { '.' })
        .collect();
    match percent {
        Some(p) => format!(
            "[{bar}] {p:>3}%  {label:<18} {}/{} bytes",
            group(done),
            group(total)
        ),
        None => format!("[{bar}]       {label:<18} {} bytes", group(done)),
    }
}

/// Formats a count with thousands separators (`16299` -> `16,299`).
pub fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The progress line on stderr.
#[derive(Debug)]
pub struct ProgressBar {
    enabled: bool,
    last_len: Cell<usize>,
}

impl ProgressBar {
    /// A bar that draws when stderr is a terminal and `wanted` is true.
    pub fn new(wanted: bool) -> Self {
        ProgressBar {
            enabled: wanted && std::io::stderr().is_terminal(),
            last_len: Cell::new(0),
        }
    }

    /// True when the bar draws.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Redraws the line.
    pub fn update(&self, label: &str, done: usize, total: usize) {
        if !self.enabled {
            return;
        }
        let line = render(label, done, total);
        let pad = self.last_len.get().saturating_sub(line.len());
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}{}", " ".repeat(pad));
        let _ = err.flush();
        self.last_len.set(line.len());
    }

    /// Clears the line (so that messages after it start on a clean line).
    pub fn clear(&self) {
        if !self.enabled || self.last_len.get() == 0 {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{}\r", " ".repeat(self.last_len.get()));
        let _ = err.flush();
        self.last_len.set(0);
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders() {
        assert_eq!(group(16299), "16,299");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000_000), "1,000,000");
        let l = render("DG2", 8150, 16299);
        assert!(l.starts_with("[############............]"), "{l}");
        assert!(l.contains(" 50%"), "{l}");
        assert!(l.ends_with("8,150/16,299 bytes"), "{l}");
        let u = render("BAC", 0, 0);
        assert!(u.contains("0 bytes") && !u.contains('%'), "{u}");
        // Over-full input does not overflow the bar.
        assert!(render("x", 20, 10).contains("100%"));
    }
}
