//! Reading a document: [`DocumentReader`], its options, progress and cancellation.
//!
//! This module owns the exported reader object around `monid_core::reader::DocumentReader`, the
//! [`ReadProgressListener`] foreign trait and the [`CancellationToken`]. The read is blocking by
//! design (the core's threading contract): the platform shells call it on a worker thread
//! (Kotlin `Dispatchers.IO`, a Swift detached task) and expose it as `suspend` / `async`. The
//! reader keeps every byte received, so a second `read` after a failure resumes. It must not
//! make protocol decisions: those are the core's.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, TryLockError};

use monid_core::lds::FileId;
use monid_core::reader as core_reader;

use crate::access::AccessKey;
use crate::document::Document;
use crate::error::{ListenerError, MonidError};
use crate::transport::{Adapter, NfcTransport};

/// A file of the eMRTD application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
#[allow(missing_docs)]
pub enum DocumentFile {
    Com,
    Dg1,
    Dg2,
    Dg3,
    Dg4,
    Dg5,
    Dg6,
    Dg7,
    Dg8,
    Dg9,
    Dg10,
    Dg11,
    Dg12,
    Dg13,
    Dg14,
    Dg15,
    Dg16,
    Sod,
    /// A file of the master file (EF.CardAccess, EF.CardSecurity, EF.ATR/INFO, EF.DIR).
    Other,
}

impl From<FileId> for DocumentFile {
    fn from(id: FileId) -> Self {
        use DocumentFile as D;
        match id {
            FileId::Com => D::Com,
            FileId::Sod => D::Sod,
            other => match other.dg_number() {
                Some(1) => D::Dg1,
                Some(2) => D::Dg2,
                Some(3) => D::Dg3,
                Some(4) => D::Dg4,
                Some(5) => D::Dg5,
                Some(6) => D::Dg6,
                Some(7) => D::Dg7,
                Some(8) => D::Dg8,
                Some(9) => D::Dg9,
                Some(10) => D::Dg10,
                Some(11) => D::Dg11,
                Some(12) => D::Dg12,
                Some(13) => D::Dg13,
                Some(14) => D::Dg14,
                Some(15) => D::Dg15,
                Some(16) => D::Dg16,
                _ => D::Other,
            },
        }
    }
}

impl DocumentFile {
    pub(crate) fn to_core(self) -> Option<FileId> {
        use DocumentFile as D;
        let n = match self {
            D::Com => return Some(FileId::Com),
            D::Sod => return Some(FileId::Sod),
            D::Other => return None,
            D::Dg1 => 1,
            D::Dg2 => 2,
            D::Dg3 => 3,
            D::Dg4 => 4,
            D::Dg5 => 5,
            D::Dg6 => 6,
            D::Dg7 => 7,
            D::Dg8 => 8,
            D::Dg9 => 9,
            D::Dg10 => 10,
            D::Dg11 => 11,
            D::Dg12 => 12,
            D::Dg13 => 13,
            D::Dg14 => 14,
            D::Dg15 => 15,
            D::Dg16 => 16,
        };
        FileId::from_dg_number(n)
    }
}

/// The options of a read. Start from `defaultReadOptions()`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ReadOptions {
    /// `null`: every data group EF.COM lists that basic access gives, plus EF.SOD. Otherwise
    /// these files only (EF.COM is always read; list `Sod` to read EF.SOD).
    pub files: Option<Vec<DocumentFile>>,
    /// Send a PIN even when the chip says only one try is left (off by default).
    pub allow_last_pin_try: bool,
    /// Run active authentication when DG15 is read.
    pub active_authentication: bool,
    /// The 8-byte challenge for active authentication (a relying party's nonce); `null` draws a
    /// random one.
    pub active_authentication_challenge: Option<Vec<u8>>,
    /// Run chip authentication when DG14 is read.
    pub chip_authentication: bool,
}

/// The default options: default files, active and chip authentication on, no last PIN try.
#[uniffi::export]
pub fn default_read_options() -> ReadOptions {
    let d = core_reader::ReadOptions::default();
    ReadOptions {
        files: None,
        allow_last_pin_try: d.allow_last_pin_try,
        active_authentication: d.active_authentication,
        active_authentication_challenge: None,
        chip_authentication: d.chip_authentication,
    }
}

impl ReadOptions {
    fn to_core(&self) -> Result<core_reader::ReadOptions, MonidError> {
        let files = match &self.files {
            None => core_reader::FileSelection::AllAvailable,
            Some(list) => {
                let mut ids = Vec::with_capacity(list.len().min(32));
                for f in list {
                    let id = f.to_core().ok_or_else(|| {
                        MonidError::InvalidInput("files: only EF.COM, DG1-DG16 and EF.SOD".into())
                    })?;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                core_reader::FileSelection::Only(ids)
            }
        };
        let aa_challenge = match &self.active_authentication_challenge {
            None => None,
            Some(c) => Some(<[u8; 8]>::try_from(c.as_slice()).map_err(|_| {
                MonidError::InvalidInput("active authentication challenge must be 8 bytes".into())
            })?),
        };
        Ok(core_reader::ReadOptions {
            files,
            allow_last_pin_try: self.allow_last_pin_try,
            active_authentication: self.active_authentication,
            aa_challenge,
            chip_authentication: self.chip_authentication,
            ..core_reader::ReadOptions::default()
        })
    }
}

/// The step a read is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ReadStep {
    /// Reading EF.ATR/INFO to learn the chip's limits.
    Capabilities,
    /// Selecting the eMRTD application.
    SelectApplication,
    /// Access control (PACE or BAC).
    AccessControl,
    /// Confirming, after a resumption, that this is the same document.
    VerifyIdentity,
    /// Active authentication.
    ActiveAuthentication,
    /// Chip authentication.
    ChipAuthentication,
    /// Reading a file (see `ReadProgress.file`).
    ReadFile,
    /// Finished.
    Done,
}

/// Progress of a read.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ReadProgress {
    /// The current step.
    pub step: ReadStep,
    /// The file being read, when `step` is `ReadFile`.
    pub file: Option<DocumentFile>,
    /// Bytes of the current file read so far.
    pub file_bytes: u64,
    /// Length of the current file, once known.
    pub file_total: Option<u64>,
    /// Bytes of all selected files read so far (resumed bytes included).
    pub bytes_read: u64,
    /// Sum of the lengths known so far of all selected files.
    pub bytes_known_total: u64,
    /// Files finished.
    pub files_done: u32,
    /// Files to read (known once EF.COM is read).
    pub files_total: u32,
}

fn u64_of(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<&core_reader::Progress> for ReadProgress {
    fn from(p: &core_reader::Progress) -> Self {
        use core_reader::Step as S;
        let (step, file) = match p.step {
            S::Capabilities => (ReadStep::Capabilities, None),
            S::SelectApplication => (ReadStep::SelectApplication, None),
            S::AccessControl => (ReadStep::AccessControl, None),
            S::VerifyIdentity => (ReadStep::VerifyIdentity, None),
            S::ActiveAuthentication => (ReadStep::ActiveAuthentication, None),
            S::ChipAuthentication => (ReadStep::ChipAuthentication, None),
            S::ReadFile(id) => (ReadStep::ReadFile, Some(id.into())),
            _ => (ReadStep::Done, None),
        };
        ReadProgress {
            step,
            file,
            file_bytes: u64_of(p.file_bytes),
            file_total: p.file_total.map(u64_of),
            bytes_read: u64_of(p.bytes_read),
            bytes_known_total: u64_of(p.bytes_known_total),
            files_done: u32_of(p.files_done),
            files_total: u32_of(p.files_total),
        }
    }
}

/// Receives progress on the reading thread. It must return quickly; whatever it throws is
/// ignored (counted in `ReadStats.listenerFailures`) and never stops the read.
#[uniffi::export(with_foreign)]
pub trait ReadProgressListener: Send + Sync {
    /// Progress changed.
    fn on_progress(&self, progress: ReadProgress) -> Result<(), ListenerError>;
}

struct ListenerAdapter<'a> {
    listener: Option<&'a Arc<dyn ReadProgressListener>>,
    failures: &'a AtomicU64,
}

impl core_reader::ReadListener for ListenerAdapter<'_> {
    fn progress(&self, progress: &core_reader::Progress) {
        if let Some(l) = self.listener
            && l.on_progress(progress.into()).is_err()
        {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Cancels a reader's operations. Safe to call from any thread; the read stops before its
/// next APDU and fails with `MonidException.Cancelled`.
#[derive(Debug, uniffi::Object)]
pub struct CancellationToken {
    token: monid_core::CancelToken,
}

impl CancellationToken {
    /// The core token.
    pub(crate) fn token(&self) -> monid_core::CancelToken {
        self.token.clone()
    }
}

#[uniffi::export]
impl CancellationToken {
    /// A fresh token, for operations that take one (receipts, enrolment).
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(CancellationToken {
            token: monid_core::CancelToken::new(),
        })
    }

    /// Requests cancellation of the read in progress.
    pub fn cancel(&self) {
        self.token.cancel();
    }

    /// True once cancelled (a new `read` clears it).
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// Reads one document, resumably. Create one per document and access key; after a failure
/// (tag lost, cancelled), call `read` again with a fresh transport: completed files are not read
/// again and unfinished ones continue where the link dropped.
#[derive(uniffi::Object)]
pub struct DocumentReader {
    inner: Mutex<core_reader::DocumentReader>,
    cancel: monid_core::CancelToken,
    listener_failures: AtomicU64,
}

impl std::fmt::Debug for DocumentReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentReader(<redacted>)")
    }
}

#[uniffi::export]
impl DocumentReader {
    /// A reader for the document that `key` opens.
    #[uniffi::constructor]
    pub fn new(key: Arc<AccessKey>, options: ReadOptions) -> Result<Arc<Self>, MonidError> {
        let reader = core_reader::DocumentReader::new(key.key.clone(), options.to_core()?);
        let cancel = reader.cancel_token();
        Ok(Arc::new(DocumentReader {
            inner: Mutex::new(reader),
            cancel,
            listener_failures: AtomicU64::new(0),
        }))
    }

    /// Reads (or resumes reading) the document over `transport`. BLOCKING: call it on a worker
    /// thread (the Kotlin `MonidReader.read` and the Swift `async` API do). A second call while
    /// one runs fails with `InvalidInput`.
    pub fn read(
        &self,
        transport: Arc<dyn NfcTransport>,
        listener: Option<Arc<dyn ReadProgressListener>>,
    ) -> Result<Arc<Document>, MonidError> {
        let mut reader = match self.inner.try_lock() {
            Ok(r) => r,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => {
                return Err(MonidError::InvalidInput(
                    "a read is already running on this reader".into(),
                ));
            }
        };
        let mut link = Adapter::new(transport);
        let adapter = ListenerAdapter {
            listener: listener.as_ref(),
            failures: &self.listener_failures,
        };
        let result = reader.read(&mut link, &adapter);
        match result {
            Ok(raw) => Ok(Arc::new(Document::new(
                raw,
                self.listener_failures.load(Ordering::Relaxed),
            ))),
            Err(e) => match link.unexpected.take() {
                // The app's transport threw something undeclared from the last `transceive`:
                // a bug on its side, not a lost tag (the core sees it as a link failure).
                Some(reason) if e.kind() != monid_core::ErrorKind::Cancelled => {
                    Err(MonidError::Internal(format!(
                        "transport callback failed unexpectedly: {reason}"
                    )))
                }
                _ => Err(e.into()),
            },
        }
    }

    /// Cancels the read in progress (from any thread).
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// A token that cancels this reader's reads, to hand to another thread.
    pub fn cancellation_token(&self) -> Arc<CancellationToken> {
        Arc::new(CancellationToken {
            token: self.cancel.clone(),
        })
    }

    /// Bytes received so far for a file (complete or not); 0 while a read is running.
    pub fn bytes_so_far(&self, file: DocumentFile) -> u64 {
        match (file.to_core(), self.inner.try_lock()) {
            (Some(id), Ok(r)) => u64_of(r.bytes_so_far(id)),
            _ => 0,
        }
    }

    /// True once `file` has been read completely (false while a read is running).
    pub fn is_complete(&self, file: DocumentFile) -> bool {
        match (file.to_core(), self.inner.try_lock()) {
            (Some(id), Ok(r)) => r.is_complete(id),
            _ => false,
        }
    }
}
