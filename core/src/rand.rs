//! Randomness for the terminal side of protocols (RND.IFD, K.IFD, ephemeral keys).
//!
//! This module owns the [`RandomSource`] trait so that tests can inject the nonces of a worked
//! example, and [`SystemRandom`], the operating system's generator. Nothing else in the core
//! draws random bytes.

use crate::error::{Error, Result};

/// A source of random bytes.
pub trait RandomSource {
    /// Fills `dest` with random bytes.
    fn fill(&mut self, dest: &mut [u8]) -> Result<()>;
}

/// The operating system's cryptographic random generator.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemRandom;

impl RandomSource for SystemRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
        getrandom::fill(dest).map_err(|_| Error::Random)
    }
}

/// Replays fixed bytes, for worked examples and deterministic tests. Fails once exhausted.
#[derive(Clone, Debug, Default)]
pub struct FixedRandom {
    bytes: Vec<u8>,
    pos: usize,
}

impl FixedRandom {
    /// A source that returns `bytes` in order.
    pub fn new(bytes: Vec<u8>) -> Self {
        FixedRandom { bytes, pos: 0 }
    }
}

impl RandomSource for FixedRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<()> {
        let end = self.pos.checked_add(dest.len()).ok_or(Error::Random)?;
        let src = self.bytes.get(self.pos..end).ok_or(Error::Random)?;
        dest.copy_from_slice(src);
        self.pos = end;
        Ok(())
    }
}
