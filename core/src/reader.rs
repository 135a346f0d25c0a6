//! Reading a whole document: the orchestration behind one call.
//!
//! This module owns the sequence of a read (capabilities, EF.DIR and the applications it lists,
//! application selection, access control,
//! identity check on resumption, EF.COM, the selected data groups, EF.SOD), progress reporting,
//! cancellation, resumption state, and the result with its provenance and counters. It drives
//! [`crate::files`] over a [`crate::channel::Channel`] and hands file bytes to [`crate::lds`] for
//! parsing. It never opens a link, never sleeps and never decides policy: a data group that is
//! absent or malformed is reported in the result, not raised as an error.
//!
//! ## Resumption
//! A [`DocumentReader`] keeps what it has read. When a call fails (the tag left the field, iOS
//! ended the session, the caller cancelled), the bytes already received stay in the reader. The
//! next call, with a fresh transport, runs access control again, re-reads EF.COM and DG1 (a few
//! hundred bytes) to confirm by their SHA-256 digests that it is the same document, and continues
//! every other file at the byte offset where the link dropped. Completed files are never read
//! again.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::access::AccessKey;
use crate::apdu::{Command, Status};
use crate::channel::{AccessControl, ApduTrace, Channel, Counters, TraceSink};
use crate::error::{ChipError, Error, Result};
use crate::files::{ChipCaps, EfRef, FileOutcome, FileReader, PartialFile, ReadPolicy};
use crate::lds::FileId;
use crate::rand::{RandomSource, SystemRandom};
use crate::transport::{CancelToken, Transport};

/// The eMRTD (LDS1) application identifier.
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// Which files a read fetches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileSelection {
    /// Every data group EF.COM lists that basic access gives (not DG3/DG4, which need EAC),
    /// plus EF.SOD.
    AllAvailable,
    /// These files only (EF.COM is always read). EF.SOD must be listed to be read.
    Only(Vec<FileId>),
}

/// Options of a read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// Which files to read.
    pub files: FileSelection,
    /// The read-size strategy's limits.
    pub policy: ReadPolicy,
    /// Send a PIN even when the chip says only one try is left (off by default: the app
    /// should ask for the CAN first, as the chip expects).
    pub allow_last_pin_try: bool,
    /// Run active authentication when DG15 is read (default on).
    pub active_authentication: bool,
    /// The 8-byte challenge for active authentication (a relying party's nonce); `None`
    /// draws a fresh random one.
    pub aa_challenge: Option<[u8; 8]>,
    /// Run chip authentication when DG14 is read (default on).
    pub chip_authentication: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            files: FileSelection::AllAvailable,
            policy: ReadPolicy::default(),
            allow_last_pin_try: false,
            active_authentication: true,
            aa_challenge: None,
            chip_authentication: true,
        }
    }
}

/// The step a read is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Reading EF.ATR/INFO to learn the chip's limits.
    Capabilities,
    /// Selecting the eMRTD application.
    SelectApplication,
    /// Running access control (BAC).
    AccessControl,
    /// Confirming, after a resumption, that this is the same document.
    VerifyIdentity,
    /// Active authentication (INTERNAL AUTHENTICATE with DG15's key).
    ActiveAuthentication,
    /// Chip authentication (DG14's key, or EF.CardSecurity's without DG14; re-keys secure
    /// messaging).
    ChipAuthentication,
    /// Reading a file.
    ReadFile(FileId),
    /// Finished.
    Done,
}

/// Progress of a read, as the listener sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The current step.
    pub step: Step,
    /// Bytes of the current file read so far.
    pub file_bytes: usize,
    /// Length of the current file, once known.
    pub file_total: Option<usize>,
    /// Bytes of all selected files read so far (resumed bytes included).
    pub bytes_read: usize,
    /// Sum of the lengths known so far of all selected files.
    pub bytes_known_total: usize,
    /// Files finished.
    pub files_done: usize,
    /// Files to read (known once EF.COM is read).
    pub files_total: usize,
}

/// Receives progress and the redacted APDU trace. Called on the reading thread.
pub trait ReadListener {
    /// Progress changed.
    fn progress(&self, _progress: &Progress) {}
    /// One APDU was exchanged (headers, lengths and status words only).
    fn apdu(&self, _trace: &ApduTrace) {}
}

impl ReadListener for () {}

struct TraceAdapter<'a>(&'a dyn ReadListener);

impl TraceSink for TraceAdapter<'_> {
    fn apdu(&self, trace: &ApduTrace) {
        self.0.apdu(trace);
    }
}

/// Why a selected file is not in the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Absence {
    /// EF.COM does not list it.
    NotListed,
    /// Listed, but the chip answered 6A82.
    NotFound,
    /// The chip refused it with the current access rights (6982).
    Denied,
    /// It needs Extended Access Control (DG3, DG4), which this version does not run.
    RequiresEac,
}

/// The access control that protected a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessProtocol {
    /// No access control (the chip answered in plain).
    None,
    /// Basic Access Control.
    Bac,
    /// PACE.
    Pace,
}

/// What PACE established, for the evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaceReport {
    /// The protocol's name, e.g. "id-PACE-ECDH-GM-AES-CBC-CMAC-128".
    pub protocol: &'static str,
    /// The mapping.
    pub mapping: crate::pace::params::Mapping,
    /// The curve (ECDH) or group (DH).
    pub domain: crate::pace::params::PaceDomain,
    /// The cipher PACE's secure messaging started with (chip authentication may re-key it:
    /// [`LinkReport::cipher`] is the one in use at the end).
    pub cipher: crate::crypto::SmCipher,
    /// The password used.
    pub password: crate::pace::params::PasswordRef,
}

/// Counters of a read, summed over every call of a resumed read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// APDUs exchanged.
    pub apdus: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Access-control runs (re-authentications and resumptions included).
    pub access_control_runs: u32,
    /// Calls of [`DocumentReader::read`] this result took.
    pub calls: u32,
    /// File bytes received twice: only EF.COM and DG1, re-read to confirm identity on resume.
    pub identity_bytes: u64,
    /// File bytes received and kept (each byte of each file once, however many calls it took).
    pub file_bytes: u64,
}

/// How the read went on the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkReport {
    /// Access control used.
    pub protocol: AccessProtocol,
    /// Secure-messaging cipher, if any.
    pub cipher: Option<crate::crypto::SmCipher>,
    /// True when extended-length reads were used (and not stepped down).
    pub extended_length: bool,
    /// The read size in use at the end.
    pub chunk: usize,
    /// Whether short file identifiers worked (`None`: not tried).
    pub sfi: Option<bool>,
    /// PACE's parameters, when PACE ran.
    pub pace: Option<PaceReport>,
    /// Why BAC was used: set when the chip has no EF.CardAccess.
    pub fallback: Option<&'static str>,
}

/// What a plain SELECT answered for an application listed in EF.DIR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApplicationStatus {
    /// Selected (9000).
    Present,
    /// Listed but absent: the chip answered 6A82.
    NotFound,
    /// Another status word (e.g. 6982 before access control).
    Refused(crate::apdu::StatusWord),
    /// Not selected on its own (the eMRTD application during a read: its selection is part of
    /// access control, and a read that gets past it marks it [`ApplicationStatus::Present`]).
    NotTried,
}

/// An application EF.DIR lists, with what the chip answered to its SELECT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedApplication {
    /// The AID (DO'4F').
    pub aid: Vec<u8>,
    /// The label (DO'50'), when present.
    pub label: Option<String>,
    /// A well-known name for the AID ("eMRTD LDS1", "eID (BSI TR-03110)" ...).
    pub name: Option<&'static str>,
    /// What SELECT answered.
    pub status: ApplicationStatus,
}

/// Whether EF.DIR was there and readable.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EfDirState {
    /// No EF.DIR (6A82, or a refused short-identifier read): normal for passports.
    Absent,
    /// Read and parsed (leniently: entries it could not use are counted).
    Present {
        /// Entries skipped (no usable AID, unknown objects, over the cap).
        skipped: usize,
        /// The file ended in a damaged object.
        malformed_tail: bool,
    },
    /// Read, but not even its first object is a TLV.
    Malformed,
    /// The chip refused or broke the read (the step and status word, never content).
    Unreadable(String),
}

/// EF.DIR and the applications it lists, for multi-application cards. EF.DIR is unsigned and
/// informative: the eMRTD application is selected by its AID whatever it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applications {
    /// EF.DIR's state.
    pub ef_dir: EfDirState,
    /// The applications listed, in file order.
    pub listed: Vec<ListedApplication>,
}

impl Applications {
    /// The applications EF.DIR lists that the chip answers 6A82 to.
    pub fn listed_but_absent(&self) -> impl Iterator<Item = &ListedApplication> {
        self.listed
            .iter()
            .filter(|a| a.status == ApplicationStatus::NotFound)
    }

    fn mark_emrtd_selected(&mut self) {
        for a in &mut self.listed {
            if a.aid == EMRTD_AID && a.status == ApplicationStatus::NotTried {
                a.status = ApplicationStatus::Present;
            }
        }
    }
}

/// One file as read from the chip.
#[derive(Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// Which file.
    pub id: FileId,
    /// Its bytes, exactly as on the chip.
    pub bytes: zeroize::Zeroizing<Vec<u8>>,
    /// The call (1 = first) in which its last byte arrived.
    pub completed_in_call: u32,
}

impl core::fmt::Debug for FileRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "FileRecord({:?}, {} bytes)", self.id, self.bytes.len())
    }
}

/// What the chip proved about itself during the read. Each is `None` when it did not run (no
/// DG14/DG15, or turned off), `Some(Err(reason))` when it ran and failed. Whether the chip is
/// *genuine* also needs the key to be the issuer's: see `Document::chip_genuine`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChipEvidence {
    /// Active authentication with DG15's key.
    pub active_authentication: Option<core::result::Result<crate::aa::AaEvidence, String>>,
    /// Chip authentication with the key of DG14 (or of EF.CardSecurity when DG14 was not read:
    /// see [`ChipEvidence::chip_authentication_key_from`]).
    pub chip_authentication: Option<core::result::Result<crate::ca::CaEvidence, String>>,
    /// The file chip authentication took its key from: [`FileId::Dg14`] or
    /// [`FileId::CardSecurity`] (`None` when it did not run).
    pub chip_authentication_key_from: Option<FileId>,
    /// PACE-CAM: the chip's proof (CA_IC) checked against its static key from EF.CardSecurity
    /// (`None` when PACE did not use the chip authentication mapping). EF.CardSecurity's
    /// signature is checked later, by `Document::verify`.
    pub pace_cam: Option<core::result::Result<CamEvidence, String>>,
}

/// PACE-CAM evidence (ICAO 9303-11 §4.4.3.5.2): the chip proved it holds the private key of
/// the static key it publishes in EF.CardSecurity, `PK_Map,IC == CA_IC · PK_IC`. Carries what a
/// verifier needs to re-check it ([`CamEvidence::recheck`]); whether the key is the issuer's is
/// EF.CardSecurity's passive authentication (`Document::chip_genuine`).
#[derive(Clone, PartialEq, Eq)]
pub struct CamEvidence {
    /// The PACE protocol's name (id-PACE-ECDH-CAM-...).
    pub protocol: &'static str,
    /// The curve.
    pub curve: crate::pace::params::EcCurve,
    /// The keyId of the ChipAuthenticationPublicKeyInfo that matched, if it has one.
    pub key_id: Option<u64>,
    /// That key's SubjectPublicKeyInfo, as in EF.CardSecurity.
    pub chip_public_key_spki: Vec<u8>,
    /// The static public key PK_IC (uncompressed point).
    pub chip_public_key: Vec<u8>,
    /// The chip's mapping public key PK_Map,IC (uncompressed point).
    pub chip_mapping_public_key: Vec<u8>,
    /// The decrypted chip authentication data CA_IC.
    pub chip_authentication_data: zeroize::Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for CamEvidence {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CamEvidence")
            .field("protocol", &self.protocol)
            .field("curve", &self.curve)
            .field("key_id", &self.key_id)
            .field("chip_authentication_data", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl CamEvidence {
    /// Re-checks `PK_Map,IC == CA_IC · PK_IC` from the recorded values.
    pub fn recheck(&self) -> Result<bool> {
        crate::pace::ec::cam_verify(
            self.curve,
            &self.chip_authentication_data,
            &self.chip_public_key,
            &self.chip_mapping_public_key,
        )
        .map_err(|_| Error::InvalidInput("PACE-CAM evidence: invalid point or scalar"))
    }
}

/// The raw result of a read: every file's bytes, every absence, and the counters. Parsed views
/// are in [`crate::document`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawDocument {
    /// Files read, in file order.
    pub files: Vec<FileRecord>,
    /// Selected files that are not there, and why.
    pub absent: Vec<(FileId, Absence)>,
    /// How the link was used.
    pub link: LinkReport,
    /// Chip and active authentication.
    pub chip: ChipEvidence,
    /// EF.DIR and the applications it lists (`None` only if the read never got that far).
    pub applications: Option<Applications>,
    /// Counters.
    pub stats: ReadStats,
}

impl RawDocument {
    /// The bytes of a file, if read.
    pub fn file(&self, id: FileId) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.bytes.as_slice())
    }
}

#[derive(Default)]
struct ReadState {
    caps: ChipCaps,
    files: BTreeMap<FileId, PartialFile>,
    outcomes: BTreeMap<FileId, FileOutcome>,
    completed_in: BTreeMap<FileId, u32>,
    com_digest: Option<[u8; 32]>,
    dg1_digest: Option<[u8; 32]>,
    absences: BTreeMap<FileId, Absence>,
    /// Chip and active authentication outcomes.
    chip: ChipEvidence,
    /// The PACE choice made from EF.CardAccess (`Some(None)`: no EF.CardAccess, BAC).
    pace_choice: Option<Option<crate::pace::params::PaceParams>>,
    /// EF.DIR and the listed applications, surveyed once.
    applications: Option<Applications>,
    stats: ReadStats,
}

/// Reads one document, resumably. Create one per document and access key; call
/// [`DocumentReader::read`] again after a failure to resume.
pub struct DocumentReader {
    key: AccessKey,
    options: ReadOptions,
    cancel: CancelToken,
    state: ReadState,
}

impl core::fmt::Debug for DocumentReader {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DocumentReader")
            .field("options", &self.options)
            .field("files_started", &self.state.files.len())
            .finish_non_exhaustive()
    }
}

/// The PACE options this version runs (ECDH: GM, IM, CAM; DH: GM, and IM with AES-128).
const PACE_SUPPORT: crate::pace::info::PaceSupport = crate::pace::info::PaceSupport {
    ecdh_gm: true,
    ecdh_im: true,
    ecdh_cam: true,
    dh_gm: true,
    dh_im: true,
};

/// Reads EF.CardAccess (plain, at the master file, by its standard short identifier): `None`
/// when the file is absent (BAC only), an error when it is unreadable or malformed.
fn read_card_access(
    ch: &mut Channel<'_>,
    files: &mut FileReader,
) -> Result<Option<Vec<crate::pace::info::SecurityInfo>>> {
    let mut card_access = PartialFile::default();
    let outcome = files.read(
        ch,
        &ef_ref(FileId::CardAccess),
        &mut card_access,
        &mut |_, _| {},
    );
    files.forget_selection();
    match outcome? {
        FileOutcome::Complete => {}
        FileOutcome::NotFound(_) | FileOutcome::Denied(_) => return Ok(None),
    }
    crate::pace::info::parse_card_access(&card_access.data)
        .map(Some)
        .map_err(Error::from)
}

/// The PACE option to run, by the documented order (CAM, GM, IM; larger curve; stronger
/// cipher); an error when EF.CardAccess offers nothing this version supports.
fn pick_pace(infos: &[crate::pace::info::SecurityInfo]) -> Result<crate::pace::params::PaceParams> {
    let choice = crate::pace::info::choose_with(infos, &PACE_SUPPORT)
        .into_iter()
        .next()
        .ok_or(Error::Unsupported(
            "EF.CardAccess offers no PACE option this version supports",
        ))?;
    crate::pace::params::PaceParams::from_oid(
        &choice.protocol.oid_bytes(),
        choice.parameters.id(),
        choice.mse_parameter_id.is_some(),
    )
}

/// Reads EF.CardAccess and picks the PACE option: `None` when the chip has no EF.CardAccess.
fn choose_pace(
    ch: &mut Channel<'_>,
    files: &mut FileReader,
) -> Result<Option<crate::pace::params::PaceParams>> {
    match read_card_access(ch, files)? {
        Some(infos) => pick_pace(&infos).map(Some),
        None => Ok(None),
    }
}

/// Reads EF.DIR in plain at the master file and, when it lists applications, SELECTs each
/// one in plain (the eMRTD application only when `select_emrtd`), then selects the master file
/// again if a selection succeeded, so that PACE runs at the MF. EF.DIR is informative: a refused
/// or malformed EF.DIR is recorded, and only a lost link or a cancel is an error.
fn survey_applications(
    ch: &mut Channel<'_>,
    files: &mut FileReader,
    select_emrtd: bool,
) -> Result<Applications> {
    let mut file = PartialFile::default();
    let outcome = files.read(ch, &ef_ref(FileId::Dir), &mut file, &mut |_, _| {});
    files.forget_selection();
    let (ef_dir, dir) = match outcome {
        Ok(FileOutcome::Complete) => match crate::lds::EfDir::parse(&file.data) {
            Ok(dir) => (
                EfDirState::Present {
                    skipped: dir.skipped,
                    malformed_tail: dir.malformed_tail,
                },
                dir,
            ),
            Err(_) => (EfDirState::Malformed, crate::lds::EfDir::default()),
        },
        Ok(FileOutcome::NotFound(_)) => (EfDirState::Absent, crate::lds::EfDir::default()),
        Ok(FileOutcome::Denied(sw)) => (
            EfDirState::Unreadable(format!("EF.DIR refused ({sw})")),
            crate::lds::EfDir::default(),
        ),
        Err(e @ (Error::Transport(_) | Error::Cancelled)) => return Err(e),
        Err(e) => (
            EfDirState::Unreadable(e.to_string()),
            crate::lds::EfDir::default(),
        ),
    };
    let mut listed = Vec::with_capacity(dir.applications.len());
    let mut left_mf = false;
    for app in &dir.applications {
        let status = if app.is_emrtd() && !select_emrtd {
            ApplicationStatus::NotTried
        } else {
            let select = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(app.aid.clone());
            let r = ch.transmit_plain(&select)?;
            match r.sw.status() {
                Status::Success => {
                    left_mf = true;
                    ApplicationStatus::Present
                }
                Status::FileNotFound => ApplicationStatus::NotFound,
                _ => ApplicationStatus::Refused(r.sw),
            }
        };
        listed.push(ListedApplication {
            aid: app.aid.clone(),
            label: app.label.clone(),
            name: app.known_name(),
            status,
        });
    }
    if left_mf {
        let mf = Command::new(0x00, 0xA4, 0x00, 0x0C).with_data(vec![0x3F, 0x00]);
        let r = ch.transmit_plain(&mf)?;
        if !r.sw.is_success() {
            return Err(Error::Chip(ChipError::UnexpectedStatus {
                sw: r.sw,
                during: "SELECT MF after the EF.DIR applications",
            }));
        }
    }
    Ok(Applications { ef_dir, listed })
}

/// Sends `command` in extended form to learn whether the chip really accepts extended length;
/// returns its response when it was accepted.
fn probe_extended(
    ch: &mut Channel<'_>,
    files: &mut FileReader,
    command: &Command,
) -> Result<Option<crate::apdu::Response>> {
    match ch.transmit_plain_extended(command) {
        Ok(resp) if !matches!(resp.sw.status(), Status::WrongLength | Status::WrongLe(_)) => {
            Ok(Some(resp))
        }
        Ok(_)
        | Err(Error::Transport(
            crate::TransportError::Other(_) | crate::TransportError::ResponseTooLong,
        )) => {
            files.caps.extended_disabled = true;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The files selected by default, in reading order (small before large, so that a dropped
/// link costs least).
fn default_order() -> Vec<FileId> {
    let mut v = vec![FileId::Dg1];
    v.extend((5u8..=16).filter_map(FileId::from_dg_number));
    v.push(FileId::Sod);
    v.push(FileId::Dg2);
    v
}

/// What `probe` learned about a card, without reading personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeReport {
    /// EF.ATR/INFO was present.
    pub atr_info: bool,
    /// The chip announced extended length.
    pub extended_length: bool,
    /// The largest response the chip announced.
    pub max_response: Option<usize>,
    /// EF.CardAccess's PACE options, best first (protocol names), when present.
    pub pace_options: Option<Vec<&'static str>>,
    /// The access control that succeeded.
    pub protocol: AccessProtocol,
    /// PACE's parameters, when PACE ran.
    pub pace: Option<PaceReport>,
    /// The file read under secure messaging to prove the session (EF.CardSecurity after PACE,
    /// EF.COM after BAC) and its length.
    pub protected_read: Option<(FileId, usize)>,
    /// The read size in use.
    pub chunk: usize,
    /// APDUs exchanged.
    pub apdus: u64,
    /// EF.DIR and what each application it lists answered to a plain SELECT.
    pub applications: Applications,
}

/// Probes a card: capabilities, EF.DIR (with a plain SELECT of every application it lists),
/// EF.CardAccess, access control (PACE, or BAC when EF.CardAccess is absent) and one protected read of a non-personal file. Fails like a read
/// when access control fails.
pub fn probe(
    transport: &mut dyn Transport,
    key: &AccessKey,
    listener: &dyn ReadListener,
    rng: &mut dyn RandomSource,
) -> Result<ProbeReport> {
    let cancel = CancelToken::new();
    let trace = TraceAdapter(listener);
    let mut ch = Channel::new(transport, &cancel, &trace, rng);
    let mut files = FileReader::new(ReadPolicy::default(), ChipCaps::default());
    let mut atr = PartialFile::default();
    let atr_info = matches!(
        files.read(&mut ch, &ef_ref(FileId::AtrInfo), &mut atr, &mut |_, _| {}),
        Ok(FileOutcome::Complete)
    );
    if atr_info {
        files.caps.learn_atr_info(&atr.data);
    }
    files.caps.atr_info_read = true;
    files.forget_selection();
    let infos = read_card_access(&mut ch, &mut files)?;
    let pace_options = infos.as_ref().map(|infos| {
        crate::pace::info::choose_with(infos, &PACE_SUPPORT)
            .iter()
            .filter_map(|c| {
                crate::pace::params::PaceProtocol::from_oid(&c.protocol.oid_bytes())
                    .map(|p| p.name())
            })
            .collect()
    });
    let pace = infos.as_deref().map(pick_pace).transpose()?;
    let applications = survey_applications(&mut ch, &mut files, true)?;
    let (protocol, probe_file) = match pace {
        Some(params) => {
            ch.establish(AccessControl::Pace {
                key: key.clone(),
                params,
                then: None,
                allow_last_pin_try: false,
            })?;
            (AccessProtocol::Pace, FileId::CardSecurity)
        }
        None => {
            let AccessKey::Mrz(mrz) = key else {
                return Err(Error::Unsupported(
                    "the chip has no EF.CardAccess (no PACE); BAC needs the MRZ",
                ));
            };
            let select = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec());
            let r = ch.transmit_plain(&select)?;
            if !r.sw.is_success() {
                return Err(Error::Unsupported("no eMRTD application"));
            }
            ch.establish(AccessControl::Bac {
                key_seed: mrz.key_seed(),
            })?;
            (AccessProtocol::Bac, FileId::Com)
        }
    };
    files.forget_selection();
    let mut file = PartialFile::default();
    let protected_read =
        match files.read(&mut ch, &ef_ref(probe_file), &mut file, &mut |_, _| {})? {
            FileOutcome::Complete => Some((probe_file, file.data.len())),
            _ => None,
        };
    let pace = ch.pace_outcome().map(|o| PaceReport {
        protocol: o.protocol.name(),
        mapping: o.protocol.mapping,
        domain: o.domain,
        cipher: o.protocol.cipher,
        password: o.password,
    });
    Ok(ProbeReport {
        atr_info,
        extended_length: files.caps.extended_advertised,
        max_response: files.caps.max_response,
        pace_options,
        protocol,
        pace,
        protected_read,
        chunk: files.chunk(&ch),
        apdus: ch.counters().apdus,
        applications,
    })
}

/// Keeps a chip check's outcome as evidence, but lets a lost link or a cancel stop the read.
fn stop_on_link<T>(
    result: Result<core::result::Result<T, String>>,
) -> Result<core::result::Result<T, String>> {
    match result {
        Ok(r) => Ok(r),
        Err(e @ (Error::Transport(_) | Error::Cancelled)) => Err(e),
        Err(e) => Ok(Err(e.to_string())),
    }
}

/// The chip and active authentication infos signed in EF.CardSecurity (its signature is
/// checked by passive authentication, `Document::verify`).
fn card_security_ca_infos(card_security: &[u8]) -> Result<crate::ca::CaSecurityInfos> {
    let sd = crate::pki::cms::parse_signed_data(card_security).map_err(|_| {
        Error::Chip(ChipError::MalformedResponse {
            during: "reading EF.CardSecurity",
            problem: "not CMS SignedData",
        })
    })?;
    crate::ca::parse_security_infos(&sd.econtent)
}

/// The PACE curve of a chip authentication key's named curve.
fn pace_curve(c: crate::pki::ec::NamedCurve) -> Option<crate::pace::params::EcCurve> {
    use crate::pace::params::EcCurve;
    use crate::pki::ec::NamedCurve;
    Some(match c {
        NamedCurve::P256 => EcCurve::P256,
        NamedCurve::P384 => EcCurve::P384,
        NamedCurve::P521 => EcCurve::P521,
        NamedCurve::BrainpoolP256r1 => EcCurve::BrainpoolP256r1,
        NamedCurve::BrainpoolP384r1 => EcCurve::BrainpoolP384r1,
        _ => return None,
    })
}

/// Checks PACE-CAM's CA_IC against the chip's static keys in EF.CardSecurity on the PACE curve
/// (ICAO 9303-11 §4.4.3.5.2): the first key that satisfies `PK_Map,IC == CA_IC · PK_IC` is the
/// evidence; otherwise the reason, naming the keys tried.
fn check_cam(
    outcome: &crate::pace::terminal::PaceOutcome,
    card_security: Option<&[u8]>,
) -> core::result::Result<CamEvidence, String> {
    let bytes = card_security.ok_or("EF.CardSecurity could not be read")?;
    let curve = outcome
        .curve()
        .ok_or("PACE-CAM ran on a domain that is not an elliptic curve")?;
    let infos = card_security_ca_infos(bytes).map_err(|e| format!("EF.CardSecurity: {e}"))?;
    let (Some(ca_ic), Some(pk_map)) = (
        outcome.chip_authentication_data.as_ref(),
        outcome.chip_mapping_public_key.as_ref(),
    ) else {
        return Err("PACE returned no chip authentication data".into());
    };
    let mut tried = Vec::new();
    for info in &infos.public_keys {
        let Ok(key) = crate::ca::ChipAuthPublicKey::from_info(info) else {
            continue;
        };
        if key.curve().and_then(pace_curve) != Some(curve) {
            continue;
        }
        tried.push(
            info.key_id
                .map_or("without keyId".to_owned(), |id| id.to_string()),
        );
        match outcome.verify_chip_authentication(key.point()) {
            Ok(true) => {
                return Ok(CamEvidence {
                    protocol: outcome.protocol.name(),
                    curve,
                    key_id: info.key_id.map(u64::from),
                    chip_public_key_spki: key.spki().to_vec(),
                    chip_public_key: key.point().to_vec(),
                    chip_mapping_public_key: pk_map.clone(),
                    chip_authentication_data: ca_ic.clone(),
                });
            }
            Ok(false) => {}
            Err(e) => return Err(format!("PACE-CAM check: {e}")),
        }
    }
    if tried.is_empty() {
        Err(format!(
            "EF.CardSecurity has no chip authentication key on {curve:?}"
        ))
    } else {
        Err(format!(
            "the chip's PACE-CAM proof does not match the EF.CardSecurity key(s) {}",
            tried.join(", ")
        ))
    }
}

/// Chip authentication from DG14: the new session replaces the current one once a protected
/// command succeeds under it (which proves the chip holds the static private key).
fn run_ca(
    ch: &mut Channel<'_>,
    infos: &crate::ca::CaSecurityInfos,
) -> Result<core::result::Result<crate::ca::CaEvidence, String>> {
    use crate::ca::{CaStep, ChipAuthentication};
    let ca = match ChipAuthentication::from_security_infos(infos) {
        Ok(ca) => ca,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let (awaiting, command) = ca.start(ch.random())?;
    let response = ch.send(&command)?;
    let outcome = match awaiting.on_mse(&response)? {
        CaStep::Done(outcome) => outcome,
        CaStep::Authenticate(awaiting, command) => {
            let response = ch.send(&command)?;
            awaiting.finish(&response)?
        }
    };
    ch.replace_session(outcome.sm);
    // A protected SELECT of EF.COM under the new keys confirms them (CA version 1 proves
    // nothing before this).
    let check =
        Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(FileId::Com.fid().to_be_bytes().to_vec());
    let r = ch.send(&check)?;
    if !r.sw.is_success() {
        return Ok(Err(format!(
            "the chip did not answer under the chip-authentication keys ({})",
            r.sw
        )));
    }
    Ok(Ok(outcome.evidence))
}

fn ef_ref(id: FileId) -> EfRef {
    EfRef {
        name: id.name(),
        fid: id.fid(),
        sfi: Some(id.sfi()),
        // EF.ATR/INFO and EF.DIR are sequences of objects, read to their end.
        framed: !matches!(id, FileId::AtrInfo | FileId::Dir),
        // Files of the master file with a standard short identifier: a refusal means absent.
        sfi_only: matches!(id, FileId::AtrInfo | FileId::CardAccess | FileId::Dir),
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl DocumentReader {
    /// A reader for the document that `key` opens.
    pub fn new(key: AccessKey, options: ReadOptions) -> Self {
        DocumentReader {
            key,
            options,
            cancel: CancelToken::new(),
            state: ReadState::default(),
        }
    }

    /// The token that cancels this reader's operations from any thread.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// Bytes received so far for a file (complete or not), for progress displays and tests.
    pub fn bytes_so_far(&self, id: FileId) -> usize {
        self.state.files.get(&id).map_or(0, |f| f.data.len())
    }

    /// True once `id` has been read completely.
    pub fn is_complete(&self, id: FileId) -> bool {
        self.state.outcomes.get(&id) == Some(&FileOutcome::Complete)
    }

    /// Reads the document over `transport` with the operating system's random source.
    pub fn read(
        &mut self,
        transport: &mut dyn Transport,
        listener: &dyn ReadListener,
    ) -> Result<RawDocument> {
        self.read_with_rng(transport, listener, &mut SystemRandom)
    }

    /// Reads the document with an injected random source (worked examples, benchmarks).
    pub fn read_with_rng(
        &mut self,
        transport: &mut dyn Transport,
        listener: &dyn ReadListener,
        rng: &mut dyn RandomSource,
    ) -> Result<RawDocument> {
        self.cancel.reset();
        self.state.stats.calls += 1;
        let trace = TraceAdapter(listener);
        let cancel = self.cancel.clone();
        let mut ch = Channel::new(transport, &cancel, &trace, rng);
        let result = self.run(&mut ch, listener);
        let c: Counters = ch.counters();
        let stats = &mut self.state.stats;
        stats.apdus += c.apdus;
        stats.bytes_sent += c.bytes_sent;
        stats.bytes_received += c.bytes_received;
        stats.access_control_runs += c.access_control_runs;
        let link = result?;
        Ok(self.result(link))
    }

    fn progress(
        &self,
        listener: &dyn ReadListener,
        step: Step,
        current: Option<FileId>,
        order: &[FileId],
    ) {
        let (file_bytes, file_total) = current
            .and_then(|id| self.state.files.get(&id))
            .map_or((0, None), |f| (f.data.len(), f.total));
        let mut bytes_read = 0;
        let mut bytes_known_total = 0;
        let mut files_done = 0;
        for id in order {
            if let Some(f) = self.state.files.get(id) {
                bytes_read += f.data.len();
                bytes_known_total += f.total.unwrap_or(f.data.len());
            }
            if self.state.outcomes.contains_key(id) {
                files_done += 1;
            }
        }
        listener.progress(&Progress {
            step,
            file_bytes,
            file_total,
            bytes_read,
            bytes_known_total,
            files_done,
            files_total: order.len(),
        });
    }

    fn run(&mut self, ch: &mut Channel<'_>, listener: &dyn ReadListener) -> Result<LinkReport> {
        let mut files = FileReader::new(self.options.policy, self.state.caps);
        let outcome = self.run_inner(ch, listener, &mut files);
        // Whatever happened, keep what was learned about the chip.
        self.state.caps = files.caps;
        outcome?;
        let pace = ch.pace_outcome().map(|o| PaceReport {
            protocol: o.protocol.name(),
            mapping: o.protocol.mapping,
            domain: o.domain,
            cipher: o.protocol.cipher,
            password: o.password,
        });
        Ok(LinkReport {
            protocol: if pace.is_some() {
                AccessProtocol::Pace
            } else {
                AccessProtocol::Bac
            },
            fallback: pace
                .is_none()
                .then_some("no EF.CardAccess: the chip offers BAC only"),
            pace,
            cipher: ch.sm_cipher(),
            extended_length: files.extended_in_use(ch),
            chunk: files.chunk(ch),
            sfi: files.caps.sfi,
        })
    }

    fn run_inner(
        &mut self,
        ch: &mut Channel<'_>,
        listener: &dyn ReadListener,
        files: &mut FileReader,
    ) -> Result<()> {
        // 1. What the chip can do: EF.ATR/INFO at the master file, in plain, once.
        if !files.caps.atr_info_read {
            self.progress(listener, Step::Capabilities, None, &[]);
            let mut atr = PartialFile::default();
            match files.read(ch, &ef_ref(FileId::AtrInfo), &mut atr, &mut |_, _| {}) {
                Ok(FileOutcome::Complete) => files.caps.learn_atr_info(&atr.data),
                Ok(_) => {}
                Err(Error::Chip(ChipError::UnexpectedStatus { .. })) => {}
                Err(e) => return Err(e),
            }
            files.caps.atr_info_read = true;
            files.forget_selection();
        }

        // 2. The access protocol: PACE when EF.CardAccess offers a supported option; BAC only
        // when EF.CardAccess is absent (never as a downgrade after a failure).
        let pace = match self.state.pace_choice {
            Some(choice) => choice,
            None => {
                let choice = choose_pace(ch, files)?;
                self.state.pace_choice = Some(choice);
                choice
            }
        };
        // EF.DIR and the applications it lists (once per document): still in plain, at the MF.
        if self.state.applications.is_none() {
            self.progress(listener, Step::SelectApplication, None, &[]);
            self.state.applications = Some(survey_applications(ch, files, false)?);
        }
        let select = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec());
        if let Some(params) = pace {
            // Probe extended length in plain at the master file (PACE runs there).
            if files.extended_in_use(ch) {
                let mf = Command::new(0x00, 0xA4, 0x00, 0x0C).with_data(vec![0x3F, 0x00]);
                probe_extended(ch, files, &mf)?;
            }
            self.progress(listener, Step::AccessControl, None, &[]);
            ch.establish(AccessControl::Pace {
                key: self.key.clone(),
                params,
                then: Some(select),
                allow_last_pin_try: self.options.allow_last_pin_try,
            })?;
            files.forget_selection();
        } else {
            let AccessKey::Mrz(mrz) = &self.key else {
                return Err(Error::Unsupported(
                    "the chip has no EF.CardAccess (no PACE); BAC needs the MRZ",
                ));
            };
            let key_seed = mrz.key_seed();
            self.progress(listener, Step::SelectApplication, None, &[]);
            let mut r = None;
            if files.extended_in_use(ch) {
                // Probe extended length in plain, before access control: a chip that
                // advertises it and then refuses it costs one APDU here instead of a broken
                // SM session later.
                r = probe_extended(ch, files, &select)?;
            }
            let r = match r {
                Some(r) => r,
                None => ch.transmit_plain(&select)?,
            };
            match r.sw.status() {
                Status::Success => {}
                Status::FileNotFound => return Err(Error::Unsupported("no eMRTD application")),
                _ => {
                    return Err(Error::Chip(ChipError::UnexpectedStatus {
                        sw: r.sw,
                        during: "SELECT eMRTD application",
                    }));
                }
            }
            files.forget_selection();
            self.progress(listener, Step::AccessControl, None, &[]);
            ch.establish(AccessControl::Bac { key_seed })?;
        }
        if let Some(apps) = self.state.applications.as_mut() {
            apps.mark_emrtd_selected();
        }

        // 4. On resumption, confirm the document by EF.COM and DG1.
        if self.state.com_digest.is_some() || self.state.dg1_digest.is_some() {
            self.progress(listener, Step::VerifyIdentity, None, &[]);
            for (id, expected) in [
                (FileId::Com, self.state.com_digest),
                (FileId::Dg1, self.state.dg1_digest),
            ] {
                let Some(expected) = expected else { continue };
                let mut again = PartialFile::default();
                let outcome = files.read(ch, &ef_ref(id), &mut again, &mut |_, _| {})?;
                self.state.stats.identity_bytes += again.data.len() as u64;
                if outcome != FileOutcome::Complete || digest(&again.data) != expected {
                    return Err(Error::Chip(ChipError::DocumentChanged));
                }
            }
        }

        // 5. EF.COM, then the selected files.
        self.read_one(ch, listener, files, FileId::Com, &[FileId::Com])?;
        // EF.COM is unsigned and some chips write it wrongly (vicc's lists "6175" as text):
        // when it cannot be trusted to list the data groups, every selected one is tried.
        let listed: Option<Vec<FileId>> = match self.state.files.get(&FileId::Com) {
            Some(f) if f.is_complete() => crate::lds::com::Com::parse(&f.data)
                .ok()
                .filter(|c| !c.malformed_tail && !c.data_groups.is_empty())
                .map(|c| c.data_groups),
            _ => None,
        };
        let wanted = match &self.options.files {
            FileSelection::AllAvailable => default_order(),
            FileSelection::Only(list) => list.clone(),
        };
        let mut order = Vec::new();
        for id in wanted {
            match id {
                FileId::Dg3 | FileId::Dg4 => {
                    self.state.absences.insert(id, Absence::RequiresEac);
                }
                FileId::Com => {}
                _ if id.dg_number().is_some()
                    && listed.as_ref().is_some_and(|l| !l.contains(&id)) =>
                {
                    self.state.absences.insert(id, Absence::NotListed);
                }
                _ => order.push(id),
            }
        }
        for id in order.clone() {
            self.read_one(ch, listener, files, id, &order)?;
        }

        // 6. After PACE-CAM (or for chip authentication without DG14): EF.CardSecurity and the
        // CAM check. Then active authentication (DG15), then chip authentication (DG14 or
        // EF.CardSecurity), which re-keys the session and so comes last. Their outcomes are
        // evidence, not errors; only a lost link or a cancel stops the read (the next call
        // resumes and runs them again).
        self.card_security_step(ch, listener, files)?;
        self.chip_checks(ch, listener)?;
        self.progress(listener, Step::Done, None, &order);
        Ok(())
    }

    fn chip_checks(&mut self, ch: &mut Channel<'_>, listener: &dyn ReadListener) -> Result<()> {
        let complete = |s: &ReadState, id: FileId| {
            s.files
                .get(&id)
                .filter(|f| f.is_complete() && s.outcomes.get(&id) == Some(&FileOutcome::Complete))
                .map(|f| f.data.clone())
        };
        let dg14 = complete(&self.state, FileId::Dg14);
        let dg15 = complete(&self.state, FileId::Dg15);
        let card_security = complete(&self.state, FileId::CardSecurity);
        let (infos, ca_key_from) = match (dg14.as_deref(), card_security.as_deref()) {
            (Some(dg14), _) => (Some(crate::ca::parse_dg14(dg14)), Some(FileId::Dg14)),
            (None, Some(cs)) => (Some(card_security_ca_infos(cs)), Some(FileId::CardSecurity)),
            (None, None) => (None, None),
        };
        let aa_info = infos
            .as_ref()
            .and_then(|i| i.as_ref().ok())
            .and_then(|i| i.aa_info.clone());
        if self.options.active_authentication
            && self.state.chip.active_authentication.is_none()
            && let Some(dg15) = dg15
        {
            self.progress(listener, Step::ActiveAuthentication, None, &[]);
            let result = self.run_aa(ch, &dg15, aa_info);
            self.state.chip.active_authentication = Some(stop_on_link(result)?);
        }
        if self.options.chip_authentication
            && self.state.chip.chip_authentication.is_none()
            && let Some(infos) = infos
        {
            self.progress(listener, Step::ChipAuthentication, None, &[]);
            let result = infos.and_then(|i| run_ca(ch, &i));
            self.state.chip.chip_authentication = Some(stop_on_link(result)?);
            self.state.chip.chip_authentication_key_from = ca_key_from;
        }
        Ok(())
    }

    /// EF.CardSecurity and the PACE-CAM check: reads EF.CardSecurity (at the master file, then
    /// re-selects the eMRTD application) when PACE used the chip authentication mapping, or when
    /// chip authentication is on and DG14 was not read; then checks the CAM proof against the
    /// static key on the PACE curve. Runs once per read; a chip without EF.CardSecurity is
    /// evidence (the CAM check fails), not an error. Only after PACE: BAC chips have no
    /// EF.CardSecurity.
    fn card_security_step(
        &mut self,
        ch: &mut Channel<'_>,
        listener: &dyn ReadListener,
        files: &mut FileReader,
    ) -> Result<()> {
        let Some(outcome) = ch.pace_outcome().cloned() else {
            return Ok(());
        };
        let cam = outcome.mapping() == crate::pace::params::Mapping::ChipAuthentication;
        let need_cam = cam && self.state.chip.pace_cam.is_none();
        let need_ca = self.options.chip_authentication
            && self.state.chip.chip_authentication.is_none()
            && !self.is_complete(FileId::Dg14);
        if !(need_cam || need_ca) {
            return Ok(());
        }
        if !self.state.outcomes.contains_key(&FileId::CardSecurity) {
            self.progress(listener, Step::ReadFile(FileId::CardSecurity), None, &[]);
            let mf = Command::new(0x00, 0xA4, 0x00, 0x0C).with_data(vec![0x3F, 0x00]);
            let r = ch.send(&mf)?;
            files.forget_selection();
            let mut partial = PartialFile::default();
            let outcome = if r.sw.is_success() {
                files.read(
                    ch,
                    &ef_ref(FileId::CardSecurity),
                    &mut partial,
                    &mut |_, _| {},
                )?
            } else {
                FileOutcome::NotFound(r.sw)
            };
            files.forget_selection();
            let select = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec());
            let r = ch.send(&select)?;
            if !r.sw.is_success() {
                return Err(Error::Chip(ChipError::UnexpectedStatus {
                    sw: r.sw,
                    during: "SELECT eMRTD application after EF.CardSecurity",
                }));
            }
            if outcome == FileOutcome::Complete {
                self.state.stats.file_bytes += partial.data.len() as u64;
                self.state.files.insert(FileId::CardSecurity, partial);
                let call = self.state.stats.calls;
                self.state.completed_in.insert(FileId::CardSecurity, call);
            }
            self.state.outcomes.insert(FileId::CardSecurity, outcome);
        }
        if need_cam {
            let bytes = self
                .state
                .files
                .get(&FileId::CardSecurity)
                .filter(|_| self.is_complete(FileId::CardSecurity))
                .map(|f| f.data.as_slice());
            self.state.chip.pace_cam = Some(check_cam(&outcome, bytes));
        }
        Ok(())
    }

    fn run_aa(
        &mut self,
        ch: &mut Channel<'_>,
        dg15: &[u8],
        aa_info: Option<crate::ca::ActiveAuthenticationInfo>,
    ) -> Result<core::result::Result<crate::aa::AaEvidence, String>> {
        let spki = match crate::lds::Dg15::parse(dg15) {
            Ok(d) => d.spki,
            Err(e) => return Ok(Err(format!("DG15: {e}"))),
        };
        let aa = match self.options.aa_challenge {
            Some(c) => crate::aa::ActiveAuthentication::with_challenge(&spki, aa_info, c),
            None => crate::aa::ActiveAuthentication::new(&spki, aa_info, ch.random())?,
        };
        let response = ch.send(&aa.command())?;
        Ok(aa.finish(&response).map_err(|e| e.to_string()))
    }

    fn read_one(
        &mut self,
        ch: &mut Channel<'_>,
        listener: &dyn ReadListener,
        files: &mut FileReader,
        id: FileId,
        order: &[FileId],
    ) -> Result<()> {
        if self.state.outcomes.contains_key(&id) {
            return Ok(());
        }
        self.progress(listener, Step::ReadFile(id), Some(id), order);
        let mut partial = self.state.files.remove(&id).unwrap_or_default();
        let (mut base_read, mut base_total, mut files_done) = (0, 0, 0);
        for other in order.iter().filter(|o| **o != id) {
            if let Some(f) = self.state.files.get(other) {
                base_read += f.data.len();
                base_total += f.total.unwrap_or(f.data.len());
            }
            if self.state.outcomes.contains_key(other) {
                files_done += 1;
            }
        }
        let mut report = |bytes: usize, total: Option<usize>| {
            listener.progress(&Progress {
                step: Step::ReadFile(id),
                file_bytes: bytes,
                file_total: total,
                bytes_read: base_read + bytes,
                bytes_known_total: base_total + total.unwrap_or(bytes),
                files_done,
                files_total: order.len(),
            });
        };
        let before = partial.data.len();
        let result = files.read(ch, &ef_ref(id), &mut partial, &mut report);
        self.state.stats.file_bytes += partial.data.len().saturating_sub(before) as u64;
        self.state.files.insert(id, partial);
        let outcome = result?;
        match outcome {
            FileOutcome::Complete => {
                let call = self.state.stats.calls;
                self.state.completed_in.insert(id, call);
                if let Some(f) = self.state.files.get(&id) {
                    match id {
                        FileId::Com => self.state.com_digest = Some(digest(&f.data)),
                        FileId::Dg1 => self.state.dg1_digest = Some(digest(&f.data)),
                        _ => {}
                    }
                }
            }
            FileOutcome::NotFound(_) | FileOutcome::Denied(_) => {
                self.state.files.remove(&id);
            }
        }
        self.state.outcomes.insert(id, outcome);
        self.progress(listener, Step::ReadFile(id), Some(id), order);
        Ok(())
    }

    fn result(&self, link: LinkReport) -> RawDocument {
        let mut files = Vec::new();
        let mut absent: Vec<(FileId, Absence)> =
            self.state.absences.iter().map(|(k, v)| (*k, *v)).collect();
        for (id, outcome) in &self.state.outcomes {
            match outcome {
                FileOutcome::Complete => {
                    if let Some(f) = self.state.files.get(id) {
                        files.push(FileRecord {
                            id: *id,
                            bytes: zeroize::Zeroizing::new(f.data.clone()),
                            completed_in_call: self
                                .state
                                .completed_in
                                .get(id)
                                .copied()
                                .unwrap_or(0),
                        });
                    }
                }
                FileOutcome::NotFound(_) => {
                    if !absent.iter().any(|(a, _)| a == id) {
                        absent.push((*id, Absence::NotFound));
                    }
                }
                FileOutcome::Denied(_) => absent.push((*id, Absence::Denied)),
            }
        }
        absent.sort_by_key(|(id, _)| *id);
        RawDocument {
            files,
            absent,
            link,
            chip: self.state.chip.clone(),
            applications: self.state.applications.clone(),
            stats: self.state.stats,
        }
    }
}
