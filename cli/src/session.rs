//! Glue between the command and the core's document reader.
//!
//! This module owns turning the user's key input into the core's access key, running a read
//! over a transport (a PC/SC card or the virtual chip), forwarding progress and the redacted
//! trace to the terminal, and turning the core's result into a [`ReadOutcome`]: raw files, the
//! summary, and the face as PNG; and, when the caller gives a trust store, running passive
//! authentication on the read ([`Verifier`]). It holds no I/O of its own beyond what the
//! transport does (trust files are read by [`crate::trust`]).

use std::cell::RefCell;

use monid_core::Transport;
use monid_core::access::AccessKey;
use monid_core::channel::ApduTrace;
use monid_core::crypto::SmCipher;
use monid_core::document::{Document, Sourced};
use monid_core::lds::{FileId, ImageFormat};
use monid_core::pki::Timestamp;
use monid_core::reader::{
    Absence, AccessProtocol, DocumentReader, FileSelection, Progress, RawDocument, ReadListener,
    ReadOptions, Step,
};
use monid_vchip::{Profile, VirtualChip};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::exit::CliError;
use crate::keys::KeyInput;
use crate::summary::{FaceSummary, FileEntry, PassiveAuth, Stats, Summary};
use crate::trace::TraceLine;
use crate::trust::LoadedTrust;

/// What passive authentication after a read needs: the loaded trust store and "now".
#[derive(Clone, Debug)]
pub struct Verifier {
    /// The trust store and its load report.
    pub trust: LoadedTrust,
    /// The verification time (system clock, or `--at`).
    pub now: Timestamp,
}

/// The step label the summary shows for passive authentication.
pub const PA_STEP: &str = "passive authentication";

/// What the command shows while a read runs.
pub trait Events {
    /// Progress: step label, bytes read, total known so far (0 = unknown).
    fn progress(&self, label: &str, done: usize, total: usize);
    /// One redacted APDU.
    fn apdu(&self, line: &TraceLine);
}

/// Events that show nothing (tests, batch use).
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Events for Silent {
    fn progress(&self, _label: &str, _done: usize, _total: usize) {}
    fn apdu(&self, _line: &TraceLine) {}
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

/// The core's access key for the user's input (check digits and dates are verified there).
pub fn access_key(input: &KeyInput) -> Result<AccessKey, CliError> {
    let key = match input {
        KeyInput::Mrz(text) => AccessKey::from_mrz_text(text),
        KeyInput::Fields {
            document,
            birth,
            expiry,
        } => AccessKey::mrz(document, birth, expiry),
        KeyInput::Can(can) => AccessKey::can(can),
        KeyInput::Pin(pin) => AccessKey::pin(pin),
    };
    Ok(key?)
}

/// A short label for a step of the read.
pub fn step_label(step: Step) -> String {
    match step {
        Step::Capabilities => "capabilities".to_owned(),
        Step::SelectApplication => "select application".to_owned(),
        Step::AccessControl => "access control".to_owned(),
        Step::VerifyIdentity => "verify identity".to_owned(),
        Step::ReadFile(id) => format!("read {}", id.name()),
        Step::Done => "done".to_owned(),
        Step::ActiveAuthentication => "active authentication".to_owned(),
        Step::ChipAuthentication => "chip authentication".to_owned(),
        _ => "working".to_owned(),
    }
}

/// Forwards the core's callbacks to [`Events`] and remembers the steps taken.
struct Listener<'a> {
    events: &'a dyn Events,
    steps: RefCell<Vec<String>>,
}

impl<'a> Listener<'a> {
    fn new(events: &'a dyn Events) -> Self {
        Listener {
            events,
            steps: RefCell::new(Vec::new()),
        }
    }

    fn take_steps(&self) -> Vec<String> {
        self.steps.take()
    }
}

impl ReadListener for Listener<'_> {
    fn progress(&self, p: &Progress) {
        let label = step_label(p.step);
        {
            let mut steps = self.steps.borrow_mut();
            if steps.last() != Some(&label) {
                steps.push(label.clone());
            }
        }
        self.events
            .progress(&label, p.bytes_read, p.bytes_known_total);
    }

    fn apdu(&self, t: &ApduTrace) {
        self.events.apdu(t);
    }
}

fn absence(a: Absence) -> &'static str {
    match a {
        Absence::NotListed => crate::summary::NOT_LISTED,
        Absence::NotFound => "not found on the chip",
        Absence::Denied => "access denied",
        Absence::RequiresEac => "needs Extended Access Control",
        _ => "absent",
    }
}

fn format_name(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Jpeg2000 => "JPEG 2000",
        ImageFormat::Unknown => "unknown",
    }
}

/// The file name a raw file gets on disk: `EF.COM.bin`, `DG1.bin`, `EF.SOD.bin`.
pub fn file_name(id: FileId) -> String {
    format!("{}.bin", id.name())
}

fn access_text(raw: &RawDocument) -> String {
    let pace;
    let protocol = match (raw.link.protocol, raw.link.pace) {
        (AccessProtocol::Pace, Some(p)) => {
            pace = format!(
                "PACE {} ({}, password {:?})",
                p.protocol, p.domain, p.password
            );
            pace.as_str()
        }
        (AccessProtocol::Bac, _) => "BAC (no EF.CardAccess)",
        (AccessProtocol::None, _) => "none (the chip answered in plain)",
        _ => "other",
    };
    let cipher = match raw.link.cipher {
        Some(SmCipher::Des3) => ", 3DES secure messaging",
        Some(SmCipher::Aes128) => ", AES-128 secure messaging",
        Some(SmCipher::Aes192) => ", AES-192 secure messaging",
        Some(SmCipher::Aes256) => ", AES-256 secure messaging",
        _ => "",
    };
    format!("{protocol}{cipher}")
}

/// Chip and active authentication, and whether the chip is proven genuine.
fn chip_text(doc: &Document) -> String {
    let chip = &doc.raw.chip;
    let ca = match &chip.chip_authentication {
        Some(Ok(e)) => format!(
            "chip authentication v{} ({}) OK, secure messaging re-keyed",
            e.version, e.domain
        ),
        Some(Err(e)) => format!("chip authentication FAILED ({e})"),
        None => "no chip authentication (no DG14)".to_owned(),
    };
    let aa = match &chip.active_authentication {
        Some(Ok(_)) => "active authentication OK".to_owned(),
        Some(Err(e)) => format!("active authentication FAILED ({e})"),
        None => "no active authentication (no DG15)".to_owned(),
    };
    let genuine = match doc.chip_genuine() {
        monid_core::document::ChipGenuine::Proven { by } => {
            format!("GENUINE (by {by}, its key covered by the verified EF.SOD)")
        }
        monid_core::document::ChipGenuine::NotProven(why) => format!("not proven genuine ({why})"),
    };
    format!("{ca}; {aa}; chip {genuine}")
}

fn push(
    out: &mut Vec<(&'static str, Zeroizing<String>)>,
    k: &'static str,
    v: &Option<Sourced<Zeroizing<String>>>,
) {
    if let Some(v) = v {
        out.push((k, v.value.clone()));
    }
}

/// Turns the core's raw result into what the command prints and writes; with a verifier, runs
/// passive authentication first (so that the summary's fields carry their verification).
pub fn outcome(
    raw: RawDocument,
    source: &str,
    mut steps: Vec<String>,
    verifier: Option<&Verifier>,
) -> ReadOutcome {
    let files: Vec<(String, Zeroizing<Vec<u8>>)> = raw
        .files
        .iter()
        .map(|f| (file_name(f.id), f.bytes.clone()))
        .collect();
    if verifier.is_some() {
        // Passive authentication runs after the read: before "done".
        let at = steps
            .iter()
            .position(|st| st == "done")
            .unwrap_or(steps.len());
        steps.insert(at, PA_STEP.to_owned());
    }
    let mut summary = Summary {
        source: source.to_owned(),
        access: access_text(&raw),
        steps,
        link: vec![
            ("extended_length", Value::Bool(raw.link.extended_length)),
            ("read_size", Value::from(raw.link.chunk)),
            (
                "short_file_ids",
                raw.link.sfi.map_or(Value::Null, Value::Bool),
            ),
        ],
        files: raw
            .files
            .iter()
            .map(|f| FileEntry {
                name: f.id.name().to_owned(),
                bytes: f.bytes.len(),
            })
            .collect(),
        absent: raw
            .absent
            .iter()
            .map(|(id, a)| (id.name().to_owned(), absence(*a).to_owned()))
            .collect(),
        stats: Stats {
            apdus: raw.stats.apdus,
            bytes_sent: raw.stats.bytes_sent,
            bytes_received: raw.stats.bytes_received,
            access_control_runs: raw.stats.access_control_runs,
            ..Stats::default()
        },
        ..Summary::default()
    };
    let mut doc = Document::from_raw(raw);
    if let Some(v) = verifier {
        let report = doc.verify(&v.trust.store, v.now).clone();
        summary.pa = Some(PassiveAuth {
            report,
            at: v.now,
            issuing_state: doc
                .mrz
                .as_ref()
                .map(|m| Zeroizing::new(m.issuing_state().to_owned())),
            trust: crate::verify::load_json(&v.trust),
        });
    }
    summary.chip = chip_text(&doc);
    let s = doc.summary();
    push(&mut summary.dg1, "document_code", &s.document_code);
    push(&mut summary.dg1, "issuing_state", &s.issuing_state);
    push(&mut summary.dg1, "document_number", &s.document_number);
    push(&mut summary.dg1, "primary_identifier", &s.surname);
    push(&mut summary.dg1, "secondary_identifier", &s.given_names);
    push(&mut summary.dg1, "nationality", &s.nationality);
    push(&mut summary.dg1, "date_of_birth", &s.date_of_birth);
    push(&mut summary.dg1, "sex", &s.sex);
    push(&mut summary.dg1, "date_of_expiry", &s.date_of_expiry);
    push(&mut summary.additional, "full_name", &s.full_name);
    push(
        &mut summary.additional,
        "full_date_of_birth",
        &s.full_date_of_birth,
    );
    push(&mut summary.additional, "place_of_birth", &s.place_of_birth);
    push(&mut summary.additional, "address", &s.address);
    push(
        &mut summary.additional,
        "personal_number",
        &s.personal_number,
    );
    push(
        &mut summary.additional,
        "issuing_authority",
        &s.issuing_authority,
    );
    push(&mut summary.additional, "date_of_issue", &s.date_of_issue);
    summary.problems = doc
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.file.name(), p.problem))
        .collect();
    let mut face_png = None;
    if let Some(face) = doc.face() {
        let mut fs = FaceSummary {
            format: format_name(face.format).to_owned(),
            bytes: face.data.len(),
            dimensions: None,
            decode_error: None,
        };
        match monid_core::face::decode_face(face) {
            Ok(px) => {
                fs.dimensions = Some((px.width, px.height));
                match crate::output::png_rgb8(px.width, px.height, &px.rgb) {
                    Ok(png) => face_png = Some(Zeroizing::new(png)),
                    Err(e) => fs.decode_error = Some(e.to_string()),
                }
            }
            Err(e) => fs.decode_error = Some(e.to_string()),
        }
        summary.face = Some(fs);
    }
    ReadOutcome {
        summary,
        files,
        face_png,
    }
}

/// Reads the document that `key` opens over `transport`, with the default options (every file
/// EF.COM lists that BAC gives, plus EF.SOD).
pub fn read_document(
    transport: &mut dyn Transport,
    key: &KeyInput,
    source: &str,
    events: &dyn Events,
) -> Result<ReadOutcome, CliError> {
    read_with(
        transport,
        access_key(key)?,
        ReadOptions::default(),
        source,
        events,
        None,
    )
}

/// Reads with explicit options; with a verifier, also runs passive authentication.
pub fn read_with(
    transport: &mut dyn Transport,
    key: AccessKey,
    options: ReadOptions,
    source: &str,
    events: &dyn Events,
    verifier: Option<&Verifier>,
) -> Result<ReadOutcome, CliError> {
    let listener = Listener::new(events);
    let mut reader = DocumentReader::new(key, options);
    let raw = reader.read(transport, &listener)?;
    Ok(outcome(raw, source, listener.take_steps(), verifier))
}

/// Reads DG1 only (EF.COM is always read too): one session of the interop stress test.
pub fn read_dg1(transport: &mut dyn Transport, key: AccessKey) -> Result<RawDocument, CliError> {
    let options = ReadOptions {
        files: FileSelection::Only(vec![FileId::Dg1]),
        ..ReadOptions::default()
    };
    let mut reader = DocumentReader::new(key, options);
    Ok(reader.read(transport, &())?)
}

/// The profile the demo reads: monid-vchip's CNIE-like TD1 ID card.
pub fn demo_profile() -> Profile {
    Profile::cnie_td1()
}

/// Reads the virtual chip end to end, in-process, with the key printed on its (virtual) card,
/// then verifies it (passive authentication) against the embedded TEST PKI anchors
/// ([`crate::trust::demo_trust`]) at `now`.
pub fn demo(events: &dyn Events, now: Timestamp) -> Result<ReadOutcome, CliError> {
    let verifier = Verifier {
        trust: crate::trust::demo_trust(),
        now,
    };
    let profile = demo_profile();
    // The CNIE answers only to PACE with the CAN printed on its (virtual) card.
    let key = AccessKey::can(profile.can())?;
    let mut chip = VirtualChip::new(profile);
    let mut outcome = read_with(
        &mut chip,
        key,
        ReadOptions::default(),
        "virtual chip (monid-vchip CNIE-like TD1 ID card)",
        events,
        Some(&verifier),
    )?;
    let stats = chip.stats();
    outcome.summary.stats.modelled_link_ms = Some(stats.modelled_us as f64 / 1000.0);
    Ok(outcome)
}
