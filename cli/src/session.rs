//! Glue between the command and the core's document reader.
//!
//! This module owns turning the user's key input into the core's access key, running a read
//! over a transport (a PC/SC card or the virtual chip), forwarding progress and the redacted
//! trace to the terminal, and turning the core's result into a [`ReadOutcome`]: raw files, the
//! summary, and the face as PNG. It holds no I/O of its own beyond what the transport does.

use monid_core::Transport;
use zeroize::Zeroizing;

use crate::exit::{CliError, OTHER};
use crate::keys::KeyInput;
use crate::summary::Summary;
use crate::trace::TraceLine;

/// What the command shows while a read runs.
pub trait Events {
    /// Progress: step label, bytes read, total known so far (0 = unknown).
    fn progress(&self, label: &str, done: usize, total: usize);
    /// One redacted APDU.
    fn apdu(&self, line: &TraceLine);
}

/// The result of a read, ready to print or write.
pub struct ReadOutcome {
    /// The summary.
    pub summary: Summary,
    /// Raw files as (file name on disk, bytes), e.g. (`DG1.bin`, ...).
    pub files: Vec<(String, Zeroizing<Vec<u8>>)>,
    /// The face as PNG, when it could be decoded.
    pub face_png: Option<Zeroizing<Vec<u8>>>,
}

impl core::fmt::Debug for ReadOutcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReadOutcome")
            .field("files", &self.files.len())
            .finish_non_exhaustive()
    }
}

fn not_yet() -> CliError {
    CliError::new(
        OTHER,
        "this build of monid does not include the document reader yet (core reader not merged)",
    )
}

/// Reads the document that `key` opens over `transport`.
pub fn read_document(
    _transport: &mut dyn Transport,
    _key: &KeyInput,
    _source: &str,
    _events: &dyn Events,
) -> Result<ReadOutcome, CliError> {
    Err(not_yet())
}

/// Reads the virtual chip end to end, in-process.
pub fn demo(_events: &dyn Events) -> Result<ReadOutcome, CliError> {
    Err(not_yet())
}
