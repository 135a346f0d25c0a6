//! Where the access key comes from: arguments, stdin, an environment variable or a prompt.
//!
//! This module owns gathering the secret that opens the chip (an MRZ, or document number, date
//! of birth and date of expiry) into [`zeroize::Zeroizing`] strings. It does not validate check
//! digits or derive keys (the core does) and never prints what it read.
//!
//! Command-line arguments are visible to every user through `ps` and `/proc/PID/cmdline` and
//! land in shell history; `--mrz-stdin`, `--mrz-env` and the prompt avoid that.

use std::io::Read;

use zeroize::{Zeroize, Zeroizing};

/// The largest MRZ text accepted from stdin or the environment (a TD1 MRZ is 90 characters plus
/// line breaks; anything far beyond that is not an MRZ).
pub const MAX_MRZ_INPUT: usize = 1024;

/// The access key material as the user gave it.
pub enum KeyInput {
    /// A whole MRZ (TD1, TD2 or TD3; lines separated by newlines or not).
    Mrz(Zeroizing<String>),
    /// The three MRZ fields BAC needs.
    Fields {
        /// Document number as printed in the MRZ (fillers `<` allowed).
        document: Zeroizing<String>,
        /// Date of birth, YYMMDD.
        birth: Zeroizing<String>,
        /// Date of expiry, YYMMDD.
        expiry: Zeroizing<String>,
    },
    /// The 6-digit card access number printed on the card (PACE).
    Can(Zeroizing<String>),
    /// The 6-digit PIN (PACE; the chip counts wrong tries).
    Pin(Zeroizing<String>),
}

impl core::fmt::Debug for KeyInput {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            KeyInput::Mrz(m) => write!(f, "KeyInput::Mrz(<redacted, {} chars>)", m.len()),
            KeyInput::Fields { .. } => f.write_str("KeyInput::Fields(<redacted>)"),
            KeyInput::Can(_) => f.write_str("KeyInput::Can(<redacted>)"),
            KeyInput::Pin(_) => f.write_str("KeyInput::Pin(<redacted>)"),
        }
    }
}

/// Why no key could be gathered.
#[derive(Debug)]
pub enum KeyError {
    /// Nothing was given and stdin is not a terminal (no prompt possible).
    NoKey,
    /// The input is empty.
    Empty(&'static str),
    /// The input is longer than [`MAX_MRZ_INPUT`].
    TooLong(&'static str),
    /// The input is not UTF-8 text.
    NotText(&'static str),
    /// The environment variable is not set.
    EnvMissing(String),
    /// Reading stdin or the terminal failed.
    Io(&'static str, std::io::Error),
}

impl core::fmt::Display for KeyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            KeyError::NoKey => f.write_str(
                "no access key: give --mrz-stdin, --mrz-env VAR, --mrz, or --doc/--birth/--expiry \
                 (or run in a terminal to be prompted)",
            ),
            KeyError::Empty(src) => write!(f, "the MRZ from {src} is empty"),
            KeyError::TooLong(src) => {
                write!(
                    f,
                    "the input from {src} is longer than {MAX_MRZ_INPUT} bytes"
                )
            }
            KeyError::NotText(src) => write!(f, "the input from {src} is not UTF-8 text"),
            KeyError::EnvMissing(var) => write!(f, "environment variable {var} is not set"),
            KeyError::Io(src, e) => write!(f, "reading {src}: {e}"),
        }
    }
}

impl std::error::Error for KeyError {}

/// Reads one MRZ from `input` (all of it, at most [`MAX_MRZ_INPUT`] bytes), trims surrounding
/// whitespace and normalises CR LF to LF. The buffer is wiped after use.
pub fn read_mrz(mut input: impl Read, source: &'static str) -> Result<Zeroizing<String>, KeyError> {
    let mut buf = Zeroizing::new(vec![0u8; MAX_MRZ_INPUT + 1]);
    let mut len = 0usize;
    while let Some(rest) = buf.get_mut(len..) {
        if rest.is_empty() {
            break;
        }
        match input.read(rest) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(KeyError::Io(source, e)),
        }
    }
    if len > MAX_MRZ_INPUT {
        return Err(KeyError::TooLong(source));
    }
    let bytes = buf.get(..len).unwrap_or_default();
    let text = core::str::from_utf8(bytes).map_err(|_| KeyError::NotText(source))?;
    normalise(text, source)
}

fn normalise(text: &str, source: &'static str) -> Result<Zeroizing<String>, KeyError> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    for (i, line) in text.trim().lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line.trim());
    }
    if out.is_empty() {
        return Err(KeyError::Empty(source));
    }
    Ok(out)
}

/// Reads an MRZ from the environment variable `var`.
pub fn mrz_from_env(var: &str) -> Result<Zeroizing<String>, KeyError> {
    match std::env::var(var) {
        Ok(v) => {
            let v = Zeroizing::new(v);
            if v.len() > MAX_MRZ_INPUT {
                return Err(KeyError::TooLong("the environment"));
            }
            normalise(&v, "the environment")
        }
        Err(std::env::VarError::NotPresent) => Err(KeyError::EnvMissing(var.to_owned())),
        Err(std::env::VarError::NotUnicode(mut s)) => {
            s.zeroize_os();
            Err(KeyError::NotText("the environment"))
        }
    }
}

trait ZeroizeOs {
    fn zeroize_os(&mut self);
}

impl ZeroizeOs for std::ffi::OsString {
    fn zeroize_os(&mut self) {
        let mut bytes = core::mem::take(self).into_encoded_bytes();
        bytes.zeroize();
    }
}

/// Reads a short secret (CAN, PIN) from the environment variable `var`.
pub fn secret_from_env(var: &str) -> Result<Zeroizing<String>, KeyError> {
    mrz_from_env(var)
}

/// Prompts on the terminal, without echo, for one short secret (PIN).
pub fn prompt_secret(label: &str) -> Result<Zeroizing<String>, KeyError> {
    let answer = Zeroizing::new(
        rpassword::prompt_password(label).map_err(|e| KeyError::Io("the terminal", e))?,
    );
    let trimmed = Zeroizing::new(answer.trim().to_owned());
    if trimmed.is_empty() {
        return Err(KeyError::Empty("the prompt"));
    }
    Ok(trimmed)
}

/// Prompts on the terminal (no echo) for document number, date of birth and date of expiry.
pub fn prompt_fields() -> Result<KeyInput, KeyError> {
    let ask = prompt_secret;
    eprintln!("Access key (typed characters are not shown):");
    let document = ask("  document number: ")?;
    let birth = ask("  date of birth (YYMMDD): ")?;
    let expiry = ask("  date of expiry (YYMMDD): ")?;
    Ok(KeyInput::Fields {
        document,
        birth,
        expiry,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn stdin_mrz_is_normalised() {
        let m = read_mrz(
            &b"  P<UTOERIKSSON<<ANNA\r\nL898902C<3UTO  \n\n"[..],
            "stdin",
        )
        .unwrap();
        assert_eq!(m.as_str(), "P<UTOERIKSSON<<ANNA\nL898902C<3UTO");
    }

    #[test]
    fn stdin_limits() {
        assert!(matches!(
            read_mrz(&b" \n"[..], "stdin"),
            Err(KeyError::Empty(_))
        ));
        let long = vec![b'A'; MAX_MRZ_INPUT + 1];
        assert!(matches!(
            read_mrz(&long[..], "stdin"),
            Err(KeyError::TooLong(_))
        ));
        let ok = vec![b'A'; MAX_MRZ_INPUT];
        assert_eq!(read_mrz(&ok[..], "stdin").unwrap().len(), MAX_MRZ_INPUT);
        assert!(matches!(
            read_mrz(&[0xFFu8, 0xFE][..], "stdin"),
            Err(KeyError::NotText(_))
        ));
    }

    #[test]
    fn env_missing_names_the_variable_only() {
        let e = mrz_from_env("MONID_TEST_SURELY_UNSET_VARIABLE").unwrap_err();
        assert!(e.to_string().contains("MONID_TEST_SURELY_UNSET_VARIABLE"));
    }

    #[test]
    fn debug_is_redacted() {
        let k = KeyInput::Mrz(Zeroizing::new("L898902C<".into()));
        assert!(!format!("{k:?}").contains("L898"));
    }
}
