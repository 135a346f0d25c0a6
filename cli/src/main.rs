//! `monid`: read ICAO 9303 travel documents and ID cards from the command line.
//!
//! This binary owns argument parsing, the choice of transport (PC/SC or the in-process virtual
//! chip), where output goes (stdout, stderr, files) and the process exit code. The work is in the
//! `monid_cli` library and the core.

#![forbid(unsafe_code)]

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use monid_cli::exit::{self, CliError};
use monid_cli::keys::{self, KeyInput};
use monid_cli::output;
use monid_cli::pcsc::{self, PcscTransport};
use monid_cli::progress::ProgressBar;
use monid_cli::session::{self, Events, ReadOutcome, Verifier};
use monid_cli::trace::{self, TraceLine};
use monid_cli::trust::{self as trust_files, TrustOptions};
use monid_cli::{clock, inspect, verify};
use monid_core::lds::FileId;
use monid_core::pki::Timestamp;
use monid_core::pki::pa::{self, PaInput};
use zeroize::Zeroizing;

const SECRETS_HELP: &str = "\
Keeping the access key secret:
  The MRZ (document number, date of birth, date of expiry) opens the chip. Anything given on the
  command line (--mrz, --doc, --birth, --expiry) is visible to every user of this machine through
  `ps` and /proc/PID/cmdline, and is saved in your shell history. Prefer --mrz-stdin (e.g.
  `monid read --mrz-stdin < mrz.txt`), --mrz-env VAR, or run without any key option in a
  terminal to be prompted without echo.

Exit codes: 0 ok, 1 other error, 2 usage or invalid input, 3 wrong access key,
  4 card removed or timeout, 5 chip misbehaved or document unsupported,
  6 passive authentication INVALID, 7 passive authentication INCOMPLETE (with --trust, or demo).";

const PA_HELP: &str = "\
Trust (--trust PATH, repeatable): a CSCA master list (CMS, recognised by content), a PEM bundle,
  a DER certificate or CRL, or a directory whose regular files are all loaded (not recursively:
  pass subdirectories with their own --trust; hidden files are ignored). Every certificate
  loaded is trusted. A master list is verified against --master-list-anchor when given (a
  failure is an error); without an anchor its certificates are trusted as given, with a warning.
  CRLs (in the paths or with --crl) are kept only when their signature verifies.

Time: the system clock, or --at YYYY-MM-DD (12:00 UTC that day) or YYYY-MM-DDTHH:MM:SSZ.

Exit codes: 0 passive authentication VALID, 6 INVALID (a check failed), 7 INCOMPLETE (nothing
  failed but an essential check could not run, e.g. no trust anchor for the signer),
  1 other error, 2 usage or unreadable input.";

/// Read ICAO 9303 electronic passports and ID cards (BAC, secure messaging, data groups).
#[derive(Parser, Debug)]
#[command(name = "monid", version, after_long_help = SECRETS_HELP, after_help = SECRETS_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the PC/SC readers pcscd knows.
    Readers,
    /// Read a document in a PC/SC reader.
    #[command(after_long_help = SECRETS_HELP, after_help = SECRETS_HELP)]
    Read(ReadArgs),
    /// Read the built-in virtual ID card (no hardware needed), verify it against the embedded
    /// TEST PKI and print what was read.
    Demo(OutputArgs),
    /// Passive authentication of files: EF.SOD and data groups against a trust store.
    #[command(after_long_help = PA_HELP, after_help = PA_HELP)]
    Pa(PaArgs),
    /// Show the parsed structure of an LDS or PKI file (EF.SOD, DGn, EF.COM, EF.CardAccess,
    /// EF.CardSecurity, certificate, CRL, master list). Personal data is shown unmasked.
    Inspect(InspectArgs),
    /// What a card supports (EF.ATR/INFO, EF.CardAccess, PACE or BAC, a protected read of a
    /// non-personal file) without reading personal data; exits non-zero when access control
    /// fails.
    #[command(after_long_help = SECRETS_HELP, after_help = SECRETS_HELP)]
    Probe(ReadArgs),
    /// QR challenges: issue one as a relying party, or scan and verify one as the phone would.
    #[command(subcommand)]
    Qr(QrCommand),
    /// Receipts: verify one as the relying party.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
}

const RECEIPT_HELP: &str = "\
Verifies an envelope (what the phone POSTed) against the challenge it answers, with the relying
  party's ephemeral key written by `monid qr issue --ephemeral-out`, its signing credentials (the
  rp_id is the certificate's commonName), the CSCA trust store (--trust) for passive
  authentication, and any enrolment records (--enrolment) behind device-asserted claims.
  Default policy: face score >= 800/1000, liveness passed, chip genuine (AA) when a chip record
  is sent. Claim values are printed only with --show-values.

Exit codes: 0 verified, 9 receipt refused (the reason names the failed check), 2 usage or
  unreadable input, 1 other error.";

#[derive(Subcommand, Debug)]
enum ReceiptCommand {
    /// Verify an envelope as the relying party.
    #[command(after_long_help = RECEIPT_HELP, after_help = RECEIPT_HELP)]
    Verify(ReceiptVerifyArgs),
}

#[derive(Args, Debug)]
struct ReceiptVerifyArgs {
    /// The envelope (CBOR, as POSTed) or a file with its `ME1:` QR text.
    envelope: PathBuf,
    /// The challenge it answers: COSE_Sign1 bytes or a file with its `MC1:` text.
    #[arg(long, value_name = "FILE")]
    challenge: PathBuf,
    /// The challenge's ephemeral private key (EC PRIVATE KEY PEM from `qr issue --ephemeral-out`).
    #[arg(long, value_name = "KEY.pem")]
    rp_ephemeral: PathBuf,
    /// The relying party's signing key (PEM, P-256).
    #[arg(long, value_name = "KEY.pem")]
    rp_key: PathBuf,
    /// The relying party's certificate (PEM; further certificates in it form the chain).
    #[arg(long, value_name = "CERT.pem")]
    rp_cert: PathBuf,
    /// A signed enrolment record to accept first (repeatable).
    #[arg(long, value_name = "FILE")]
    enrolment: Vec<PathBuf>,
    /// Print the claim values (personal data) too.
    #[arg(long)]
    show_values: bool,
    #[command(flatten)]
    trust: TrustArgs,
}

const QR_HELP: &str = "\
Claims (--claims, comma-separated CLAIM[:LEVEL], LEVEL chip (default) or device):
  names, birth_date, age_over_18, age_over_21, nationality, document_number, document_expiry,
  address, photo (chip only).
Assurance (--assurance, comma-separated): chip_read, chip_genuine, face_match.

Exit codes of `qr scan`: 0 verified (clock outcome printed; advisory unless --strict),
  8 challenge refused (unknown relying party, bad signature, malformed, unsupported, too long,
  expired or not yet valid with --strict), 2 usage or unreadable input, 1 other error.";

#[derive(Subcommand, Debug)]
enum QrCommand {
    /// Issue a signed challenge as a relying party and render it as a QR code.
    #[command(after_long_help = QR_HELP, after_help = QR_HELP)]
    Issue(QrIssueArgs),
    /// Verify a challenge (PNG of a QR code, a file with its text, or the text itself).
    #[command(after_long_help = QR_HELP, after_help = QR_HELP)]
    Scan(QrScanArgs),
}

#[derive(Args, Debug)]
struct QrIssueArgs {
    /// The relying party's signing key (PEM: PKCS#8 PRIVATE KEY or EC PRIVATE KEY, P-256).
    #[arg(long, value_name = "KEY.pem")]
    rp_key: PathBuf,
    /// The relying party's certificate (PEM; further certificates in it form the chain).
    #[arg(long, value_name = "CERT.pem")]
    rp_cert: PathBuf,
    /// Intermediate certificates (PEM) appended to the chain (repeatable).
    #[arg(long, value_name = "CERT.pem")]
    chain: Vec<PathBuf>,
    /// Requested claims, e.g. names:chip,age_over_18:device.
    #[arg(long, value_name = "LIST")]
    claims: String,
    /// Shown on the phone's consent screen (at most 128 bytes).
    #[arg(long)]
    purpose: String,
    /// Where the phone POSTs its receipt (https only).
    #[arg(long, value_name = "URI")]
    response_uri: String,
    /// Assurance required.
    #[arg(long, value_name = "LIST", default_value = "chip_read")]
    assurance: String,
    /// Lifetime in seconds (at most 900).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    lifetime: u64,
    /// Compact form: the certificate's SHA-256 (x5t) instead of the certificate (x5chain); the
    /// phone must have the certificate cached.
    #[arg(long)]
    compact: bool,
    /// Write the QR code: FILE.png or FILE.svg.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also print the QR code as text (Unicode blocks) on stdout.
    #[arg(long)]
    text: bool,
    /// Write the ephemeral private key (the relying party decrypts the answer with it; PEM,
    /// mode 0600) to FILE. Without it the key is discarded.
    #[arg(long, value_name = "FILE")]
    ephemeral_out: Option<PathBuf>,
    /// Issue at this time instead of the system clock: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

#[derive(Args, Debug)]
struct QrScanArgs {
    /// FILE.png, a file holding the QR text, or the QR text (MC1:...).
    input: String,
    /// A relying-party trust anchor (PEM or DER; repeatable).
    #[arg(long, value_name = "ANCHOR.pem", required = true)]
    rp_anchor: Vec<PathBuf>,
    /// A cached relying-party or intermediate certificate (PEM or DER; repeatable); needed for
    /// compact challenges.
    #[arg(long, value_name = "CERT.pem")]
    rp_cert: Vec<PathBuf>,
    /// Scan at this time instead of the system clock: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Clock skew tolerated, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    skew: u64,
    /// Refuse an expired or not-yet-valid challenge instead of warning.
    #[arg(long)]
    strict: bool,
}

#[derive(Args, Debug, Default)]
struct TrustArgs {
    /// Trust a master list, PEM/DER certificate bundle, CRL, or directory of them (repeatable).
    #[arg(long, value_name = "PATH")]
    trust: Vec<PathBuf>,
    /// A CRL to load (DER or PEM; repeatable). Kept only when its signature verifies.
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// The certificate (DER or PEM) master lists must be signed under.
    #[arg(long, value_name = "CERT")]
    master_list_anchor: Option<PathBuf>,
    /// Verify at this date instead of the system clock: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.
    #[arg(long, value_name = "YYYY-MM-DD")]
    at: Option<String>,
}

impl TrustArgs {
    fn options(&self) -> TrustOptions {
        TrustOptions {
            paths: self.trust.clone(),
            crls: self.crl.clone(),
            master_list_anchor: self.master_list_anchor.clone(),
        }
    }

    /// (now, where it came from).
    fn now(&self) -> Result<(Timestamp, &'static str), CliError> {
        match &self.at {
            Some(a) => Ok((
                clock::parse_at(a).map_err(|e| CliError::new(exit::USAGE, e))?,
                "--at",
            )),
            None => Ok((clock::system_now(), "system clock")),
        }
    }
}

#[derive(Args, Debug)]
struct PaArgs {
    /// EF.SOD as read from the chip (with its 77 tag) or the bare CMS ContentInfo.
    #[arg(long, value_name = "FILE")]
    sod: PathBuf,
    /// A data group: N=FILE (N = 1..16), or FILE alone (N from the file's first tag).
    /// Repeatable. The issuing state for the country check comes from DG1.
    #[arg(long = "dg", value_name = "N=FILE")]
    dgs: Vec<String>,
    #[command(flatten)]
    trust: TrustArgs,
    /// Print the load report and the passive-authentication report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct InspectArgs {
    /// The file to inspect.
    file: PathBuf,
    /// Print the structure as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct OutputArgs {
    /// Write raw files (EF.COM.bin, DG1.bin, ...), face.png and summary.json to DIR (created
    /// 0700; files 0600).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the summary as JSON on stdout (includes personal data, unmasked).
    #[arg(long)]
    json: bool,
    /// Print a redacted APDU log on stderr (headers, lengths, status words; never data).
    #[arg(long)]
    trace: bool,
}

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("key").multiple(false))]
struct ReadArgs {
    /// PC/SC reader name (see `monid readers`); optional when there is exactly one reader.
    #[arg(long, value_name = "NAME")]
    reader: Option<String>,
    /// The MRZ (2 or 3 lines, joined or separated by newlines). Visible in `ps`: see below.
    #[arg(long, value_name = "MRZ", group = "key")]
    mrz: Option<String>,
    /// Read one MRZ from stdin (all of stdin, at most 1 KiB).
    #[arg(long, group = "key")]
    mrz_stdin: bool,
    /// Read the MRZ from this environment variable.
    #[arg(long, value_name = "VAR", group = "key")]
    mrz_env: Option<String>,
    /// Document number (with --birth and --expiry). Visible in `ps`: see below.
    #[arg(long, value_name = "N", group = "key", requires_all = ["birth", "expiry"])]
    doc: Option<String>,
    /// Date of birth, YYMMDD (with --doc).
    #[arg(long, value_name = "YYMMDD", requires = "doc")]
    birth: Option<String>,
    /// Date of expiry, YYMMDD (with --doc).
    #[arg(long, value_name = "YYMMDD", requires = "doc")]
    expiry: Option<String>,
    /// The 6-digit card access number (PACE). Visible in `ps`: prefer --can-env or the prompt.
    #[arg(long, value_name = "NNNNNN", group = "key")]
    can: Option<String>,
    /// Reads the CAN from this environment variable.
    #[arg(long, value_name = "VAR", group = "key")]
    can_env: Option<String>,
    /// Prompts for the 6-digit PIN without echo (PACE; wrong tries count on the chip).
    #[arg(long, group = "key")]
    pin: bool,
    /// Reads the PIN from this environment variable.
    #[arg(long, value_name = "VAR", group = "key")]
    pin_env: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
    /// Passive authentication after the read (see `monid pa --help` for PATH); without
    /// --trust it is not run.
    #[command(flatten)]
    trust: TrustArgs,
}

/// Shows progress and the trace on stderr.
struct Terminal {
    bar: ProgressBar,
    trace: bool,
    count: Cell<u64>,
}

impl Events for Terminal {
    fn progress(&self, label: &str, done: usize, total: usize) {
        self.bar.update(label, done, total);
    }

    fn apdu(&self, line: &TraceLine) {
        let n = self.count.get() + 1;
        self.count.set(n);
        if self.trace {
            self.bar.clear();
            eprintln!("{}", trace::format(n, line));
        }
    }
}

impl Terminal {
    fn new(args: &OutputArgs) -> Self {
        Terminal {
            bar: ProgressBar::new(true),
            trace: args.trace,
            count: Cell::new(0),
        }
    }
}

fn readers() -> Result<(), CliError> {
    let names = pcsc::list_readers()?;
    if names.is_empty() {
        println!("No PC/SC reader found (pcscd is running but sees no reader).");
        return Ok(());
    }
    for name in names {
        println!("{name}");
    }
    Ok(())
}

fn gather_key(args: &mut ReadArgs) -> Result<KeyInput, CliError> {
    if let Some(mrz) = args.mrz.take() {
        return Ok(KeyInput::Mrz(Zeroizing::new(mrz)));
    }
    if args.mrz_stdin {
        return Ok(KeyInput::Mrz(keys::read_mrz(
            std::io::stdin().lock(),
            "stdin",
        )?));
    }
    if let Some(var) = &args.mrz_env {
        return Ok(KeyInput::Mrz(keys::mrz_from_env(var)?));
    }
    if let (Some(document), Some(birth), Some(expiry)) =
        (args.doc.take(), args.birth.take(), args.expiry.take())
    {
        return Ok(KeyInput::Fields {
            document: Zeroizing::new(document),
            birth: Zeroizing::new(birth),
            expiry: Zeroizing::new(expiry),
        });
    }
    if let Some(can) = args.can.take() {
        return Ok(KeyInput::Can(Zeroizing::new(can)));
    }
    if let Some(var) = &args.can_env {
        return Ok(KeyInput::Can(keys::secret_from_env(var)?));
    }
    if let Some(var) = &args.pin_env {
        return Ok(KeyInput::Pin(keys::secret_from_env(var)?));
    }
    if args.pin {
        return Ok(KeyInput::Pin(keys::prompt_secret("PIN: ")?));
    }
    if std::io::stdin().is_terminal() {
        return Ok(keys::prompt_fields()?);
    }
    Err(keys::KeyError::NoKey.into())
}

fn pick_reader(name: Option<String>) -> Result<String, CliError> {
    if let Some(n) = name {
        return Ok(n);
    }
    let mut names = pcsc::list_readers()?;
    match names.len() {
        1 => Ok(names.remove(0)),
        0 => Err(pcsc::LinkError::NoReaders.into()),
        _ => Err(CliError::new(
            exit::USAGE,
            format!(
                "several readers; choose one with --reader: {}",
                names.join(", ")
            ),
        )),
    }
}

/// Writes the outcome; the exit code is the passive-authentication verdict's when it ran.
fn deliver(outcome: &ReadOutcome, args: &OutputArgs) -> Result<u8, CliError> {
    if let Some(dir) = &args.out {
        if output::private_dir(dir)? {
            eprintln!(
                "warning: {} is accessible to other users; files are written 0600",
                dir.display()
            );
        }
        for (name, bytes) in &outcome.files {
            output::write_private(dir, name, bytes)?;
        }
        if let Some(png) = &outcome.face_png {
            output::write_private(dir, "face.png", png)?;
        }
        output::write_private(dir, "summary.json", outcome.summary.to_json().as_bytes())?;
        eprintln!(
            "Wrote {} file(s) to {}",
            outcome.files.len() + usize::from(outcome.face_png.is_some()) + 1,
            dir.display()
        );
    }
    let mut stdout = std::io::stdout().lock();
    let text = if args.json {
        outcome.summary.to_json()
    } else {
        outcome.summary.to_text()
    };
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::new(exit::OTHER, format!("writing to stdout: {e}")))?;
    Ok(outcome
        .summary
        .pa
        .as_ref()
        .map_or(exit::OK, |p| exit::code_for_verdict(p.verdict())))
}

fn read(mut args: ReadArgs) -> Result<u8, CliError> {
    // Validate the key (check digits, dates) and load the trust store before touching the
    // reader; the raw input is wiped as soon as the core's key exists.
    let key = session::access_key(&gather_key(&mut args)?)?;
    let options = args.trust.options();
    let verifier = if options.is_empty() {
        None
    } else {
        let (now, _) = args.trust.now()?;
        let trust = trust_files::load(&options)?;
        eprint!("{}", verify::load_text(&trust));
        Some(Verifier { trust, now })
    };
    let reader = pick_reader(args.reader.take())?;
    let mut transport = PcscTransport::connect(&reader)?;
    let terminal = Terminal::new(&args.output);
    let started = Instant::now();
    let mut outcome = session::read_with(
        &mut transport,
        key,
        monid_core::reader::ReadOptions::default(),
        &reader,
        &terminal,
        verifier.as_ref(),
    )?;
    outcome.summary.stats.elapsed_ms = started.elapsed().as_millis();
    drop(terminal);
    deliver(&outcome, &args.output)
}

fn probe_command(mut args: ReadArgs) -> Result<u8, CliError> {
    let key = session::access_key(&gather_key(&mut args)?)?;
    let reader = pick_reader(args.reader.take())?;
    let mut transport = PcscTransport::connect(&reader)?;
    let atr: String = transport
        .atr()
        .unwrap_or_default()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let report = monid_core::reader::probe(
        &mut transport,
        &key,
        &(),
        &mut monid_core::rand::SystemRandom,
    )?;
    let pace = report.pace.map(|p| {
        serde_json::json!({
            "protocol": p.protocol,
            "mapping": format!("{:?}", p.mapping),
            "curve": p.domain.to_string(),
            "password": format!("{:?}", p.password),
        })
    });
    let applications = probe_applications_json(&report.applications);
    let json = serde_json::json!({
        "reader": reader,
        "atr": atr,
        "ef_dir": applications,
        "ef_atr_info": report.atr_info,
        "extended_length": report.extended_length,
        "max_response": report.max_response,
        "pace_options": report.pace_options,
        "access_control": format!("{:?}", report.protocol),
        "pace": pace,
        "protected_read": report.protected_read.map(|(f, n)| serde_json::json!({"file": f.name(), "bytes": n})),
        "read_size": report.chunk,
        "apdus": report.apdus,
    });
    if args.output.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    } else {
        println!("Reader:          {reader}");
        println!("ATR:             {atr}");
        println!(
            "EF.ATR/INFO:     {}",
            if report.atr_info { "present" } else { "absent" }
        );
        println!(
            "Extended length: {}",
            if report.extended_length {
                "announced"
            } else {
                "not announced"
            }
        );
        print_applications(&report.applications);
        match &report.pace_options {
            Some(o) => println!("EF.CardAccess:   PACE options {}", o.join(", ")),
            None => println!("EF.CardAccess:   absent (BAC only)"),
        }
        match report.pace {
            Some(p) => println!(
                "Access control:  PACE {} ({:?} mapping, {}, password {:?})",
                p.protocol, p.mapping, p.domain, p.password
            ),
            None => println!("Access control:  {:?}", report.protocol),
        }
        if let Some((file, n)) = report.protected_read {
            println!(
                "Protected read:  {} ({n} bytes under secure messaging)",
                file.name()
            );
        }
        println!("Read size:       {} bytes", report.chunk);
        println!("APDUs:           {}", report.apdus);
    }
    Ok(exit::OK)
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn application_status(status: monid_core::reader::ApplicationStatus) -> String {
    use monid_core::reader::ApplicationStatus;
    match status {
        ApplicationStatus::Present => "present".into(),
        ApplicationStatus::NotFound => "listed but absent (6A82)".into(),
        ApplicationStatus::Refused(sw) => format!("refused ({sw})"),
        ApplicationStatus::NotTried => "not selected".into(),
        _ => "unknown".into(),
    }
}

fn ef_dir_state(state: &monid_core::reader::EfDirState) -> String {
    use monid_core::reader::EfDirState;
    match state {
        EfDirState::Absent => "absent".into(),
        EfDirState::Present {
            skipped,
            malformed_tail,
        } => {
            let mut s = String::from("present");
            if *skipped > 0 {
                s.push_str(&format!(", {skipped} entries skipped"));
            }
            if *malformed_tail {
                s.push_str(", damaged tail");
            }
            s
        }
        EfDirState::Malformed => "malformed".into(),
        EfDirState::Unreadable(why) => format!("unreadable: {why}"),
        _ => "unknown".into(),
    }
}

/// EF.DIR and its applications for `monid probe --json`.
fn probe_applications_json(apps: &monid_core::reader::Applications) -> serde_json::Value {
    let listed: Vec<serde_json::Value> = apps
        .listed
        .iter()
        .map(|a| {
            serde_json::json!({
                "aid": hex_upper(&a.aid),
                "label": a.label,
                "name": a.name,
                "status": application_status(a.status),
            })
        })
        .collect();
    serde_json::json!({
        "state": ef_dir_state(&apps.ef_dir),
        "applications": listed,
    })
}

fn print_applications(apps: &monid_core::reader::Applications) {
    println!("EF.DIR:          {}", ef_dir_state(&apps.ef_dir));
    for a in &apps.listed {
        let name = a.name.or(a.label.as_deref()).unwrap_or("");
        println!(
            "  application    {} {name}: {}",
            hex_upper(&a.aid),
            application_status(a.status)
        );
    }
}

fn demo(args: OutputArgs) -> Result<u8, CliError> {
    let terminal = Terminal::new(&args);
    let started = Instant::now();
    let mut outcome = session::demo(&terminal, clock::system_now())?;
    outcome.summary.stats.elapsed_ms = started.elapsed().as_millis();
    drop(terminal);
    let code = deliver(&outcome, &args)?;
    if args.json {
        return Ok(code);
    }
    // The relying-party flow: challenge, phone read + face + receipt, verification.
    let now = u64::try_from(clock::system_now().0)
        .map_err(|_| CliError::new(exit::OTHER, "clock before 1970"))?;
    let (lines, verified) = monid_cli::rp::demo_flow(now, monid_cli::trust::demo_trust().store)?;
    let mut stdout = std::io::stdout().lock();
    let mut text = String::from("\nRelying-party flow (TEST PKI, TEST relying party):\n");
    for l in &lines {
        text.push_str(l);
        text.push('\n');
    }
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::new(exit::OTHER, format!("writing to stdout: {e}")))?;
    Ok(if verified {
        code
    } else {
        monid_cli::rp::RECEIPT_REJECTED
    })
}

/// Largest EF.SOD or data group file `monid pa` reads.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

fn read_input(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::new(exit::USAGE, format!("{}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::new(exit::USAGE, format!("{}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(CliError::new(
            exit::USAGE,
            format!(
                "{}: larger than {} MiB",
                path.display(),
                MAX_INPUT_BYTES >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// `N=FILE` or `FILE` (number from the first tag).
fn dg_arg(arg: &str) -> Result<(u8, PathBuf, Zeroizing<Vec<u8>>), CliError> {
    let usage = |m: String| CliError::new(exit::USAGE, m);
    let (n, path) = match arg.split_once('=') {
        Some((n, p)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u8 = n
                .parse()
                .ok()
                .filter(|n| (1..=16).contains(n))
                .ok_or_else(|| usage(format!("--dg {arg}: N must be 1..16")))?;
            (Some(n), PathBuf::from(p))
        }
        _ => (None, PathBuf::from(arg)),
    };
    let bytes = Zeroizing::new(read_input(&path)?);
    let n = match n {
        Some(n) => n,
        None => bytes
            .first()
            .and_then(|t| FileId::from_tag(*t))
            .and_then(FileId::dg_number)
            .ok_or_else(|| {
                usage(format!(
                    "--dg {arg}: not a data group by its first tag; give the number as N=FILE"
                ))
            })?,
    };
    Ok((n, path, bytes))
}

fn pa_command(args: PaArgs) -> Result<u8, CliError> {
    let (now, time_source) = args.trust.now()?;
    let sod = read_input(&args.sod)?;
    let mut dgs: Vec<(u8, PathBuf, Zeroizing<Vec<u8>>)> = Vec::new();
    for a in &args.dgs {
        let dg = dg_arg(a)?;
        if dgs.iter().any(|d| d.0 == dg.0) {
            return Err(CliError::new(
                exit::USAGE,
                format!("DG{} given twice", dg.0),
            ));
        }
        dgs.push(dg);
    }
    dgs.sort_by_key(|d| d.0);
    let trust = trust_files::load(&args.trust.options())?;
    let issuing_state: Option<Zeroizing<String>> = dgs
        .iter()
        .find(|d| d.0 == 1)
        .and_then(|d| monid_core::lds::Dg1::parse(&d.2).ok())
        .and_then(|d| d.parse_mrz().ok())
        .map(|m| Zeroizing::new(m.issuing_state().to_owned()));
    let state = issuing_state.as_deref().map(String::as_str);
    let data_groups: Vec<(u8, &[u8])> = dgs.iter().map(|d| (d.0, d.2.as_slice())).collect();
    let report = pa::verify(
        &PaInput {
            sod: &sod,
            data_groups: &data_groups,
            issuing_state: state,
            dsc: None,
        },
        &trust.store,
        now,
    );
    let text = if args.json {
        let mut v = serde_json::json!({
            "sod": args.sod.display().to_string(),
            "data_groups": dgs.iter().map(|d| serde_json::json!({
                "dg": d.0,
                "file": d.1.display().to_string(),
            })).collect::<Vec<_>>(),
            "time_source": time_source,
            "trust": verify::load_json(&trust),
        });
        if let (serde_json::Value::Object(out), serde_json::Value::Object(r)) =
            (&mut v, verify::report_json(&report, now, state))
        {
            out.extend(r);
        }
        let mut t = serde_json::to_string_pretty(&v).unwrap_or_default();
        t.push('\n');
        t
    } else {
        let mut t = String::new();
        t.push_str(&format!("EF.SOD:        {}\n", args.sod.display()));
        let dg_list: Vec<String> = dgs
            .iter()
            .map(|d| format!("DG{} ({})", d.0, d.1.display()))
            .collect();
        t.push_str(&format!(
            "Data groups:   {}\n",
            if dg_list.is_empty() {
                "none given".to_owned()
            } else {
                dg_list.join(", ")
            }
        ));
        if trust.files_read == 0 {
            t.push_str("Trust store:   empty (no --trust): the chain cannot be checked\n");
        } else {
            t.push_str(&verify::load_text(&trust));
        }
        t.push_str(&format!(
            "Time:          {} ({time_source})\n",
            clock::format(now)
        ));
        t.push_str(&verify::report_text(&report, state));
        t
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::new(exit::OTHER, format!("writing to stdout: {e}")))?;
    Ok(exit::code_for_verdict(report.verdict()))
}

fn inspect_command(args: InspectArgs) -> Result<u8, CliError> {
    let bytes = Zeroizing::new(read_input(&args.file)?);
    let value = inspect::inspect(&bytes)
        .map_err(|e| CliError::new(exit::OTHER, format!("{}: {e}", args.file.display())))?;
    let text = if args.json {
        inspect::to_json(&value)
    } else {
        let mut t = Zeroizing::new(format!("File:          {}\n", args.file.display()));
        t.push_str(&inspect::to_text(&value));
        t
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::new(exit::OTHER, format!("writing to stdout: {e}")))?;
    Ok(exit::OK)
}

fn unix_now(at: Option<&str>) -> Result<u64, CliError> {
    let t = match at {
        Some(a) => clock::parse_at(a).map_err(|e| CliError::new(exit::USAGE, e))?,
        None => clock::system_now(),
    };
    u64::try_from(t.0).map_err(|_| CliError::new(exit::USAGE, "time before 1970"))
}

fn qr_issue(args: QrIssueArgs) -> Result<u8, CliError> {
    use monid_core::challenge::{self, ChallengeRequest, Form, RpSigner};
    let usage = |e: String| CliError::new(exit::USAGE, e);
    let key = Zeroizing::new(read_input(&args.rp_key)?);
    let mut chain = read_input(&args.rp_cert)?;
    for c in &args.chain {
        chain.push(b'\n');
        chain.extend(read_input(c)?);
    }
    let signer = RpSigner::from_pem(&key, &chain).map_err(|e| usage(e.to_string()))?;
    let (ephemeral_pem, rp_key) = monid_cli::qr::ephemeral_key()?;
    let request = ChallengeRequest {
        purpose: args.purpose.clone(),
        claims: monid_cli::qr::parse_claims(&args.claims).map_err(usage)?,
        assurance: monid_cli::qr::parse_assurance(&args.assurance).map_err(usage)?,
        response_uri: args.response_uri.clone(),
        lifetime_secs: args.lifetime,
        rp_key,
    };
    let form = if args.compact {
        Form::Compact
    } else {
        Form::Full
    };
    let now = unix_now(args.at.as_deref())?;
    let issued = challenge::issue(
        &signer,
        &request,
        form,
        now,
        &mut monid_core::rand::SystemRandom,
    )
    .map_err(|e| usage(e.to_string()))?;
    let qr = monid_core::qr::Qr::new(&issued.qr_text)
        .map_err(|e| CliError::new(exit::OTHER, e.to_string()))?;
    if let Some(out) = &args.out {
        let ext = out
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let bytes = match ext.as_deref() {
            Some("png") => monid_cli::qr::png_qr(&qr, 6)?,
            Some("svg") => qr.render_svg(6).into_bytes(),
            _ => {
                return Err(usage(format!(
                    "{}: expected a .png or .svg file",
                    out.display()
                )));
            }
        };
        std::fs::write(out, bytes)
            .map_err(|e| CliError::new(exit::OTHER, format!("{}: {e}", out.display())))?;
    }
    if let Some(path) = &args.ephemeral_out {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| usage(format!("{}: not a file name", path.display())))?;
        output::write_private(
            dir.unwrap_or(std::path::Path::new(".")),
            name,
            ephemeral_pem.as_bytes(),
        )
        .map_err(|e| CliError::new(exit::OTHER, e.to_string()))?;
    }
    let mut text = monid_cli::qr::issue_summary(&issued, &qr.info());
    if args.text {
        text.push('\n');
        text.push_str(&qr.render_text(false));
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::new(exit::OTHER, format!("writing to stdout: {e}")))?;
    Ok(exit::OK)
}

fn qr_scan(args: QrScanArgs) -> Result<u8, CliError> {
    use monid_core::challenge;
    let input = monid_cli::qr::read_scan_input(&args.input)?;
    let trust = monid_cli::qr::load_trust(&args.rp_anchor, &args.rp_cert)?;
    let now = unix_now(args.at.as_deref())?;
    let scanned = if args.strict {
        challenge::scan_strict(&input, &trust, now, args.skew)
    } else {
        challenge::scan(&input, &trust, now, args.skew)
    };
    let scanned = scanned.map_err(|e| {
        CliError::new(
            monid_cli::qr::CHALLENGE_REJECTED,
            format!("challenge refused: {e}"),
        )
    })?;
    let text = monid_cli::qr::scan_summary(&scanned);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::new(exit::OTHER, format!("writing to stdout: {e}")))?;
    Ok(exit::OK)
}

fn receipt_verify(args: ReceiptVerifyArgs) -> Result<u8, CliError> {
    use monid_cli::rp;
    let usage = |e: String| CliError::new(exit::USAGE, e);
    let mut envelope = read_input(&args.envelope)?;
    if let Some(text) = envelope
        .trim_ascii()
        .strip_prefix(monid_core::receipt::ENVELOPE_QR_PREFIX.as_bytes())
    {
        let text = std::str::from_utf8(text).map_err(|_| usage("envelope: ME1: text".into()))?;
        envelope =
            monid_core::base45::decode(text).map_err(|_| usage("envelope: ME1: base45".into()))?;
    }
    let challenge = read_input(&args.challenge)?;
    let ephemeral = rp::ephemeral_scalar_from_pem(&Zeroizing::new(read_input(&args.rp_ephemeral)?))
        .map_err(usage)?;
    let key = Zeroizing::new(read_input(&args.rp_key)?);
    let signer = monid_core::challenge::RpSigner::from_pem(&key, &read_input(&args.rp_cert)?)
        .map_err(|e| usage(e.to_string()))?;
    let (now, _) = args.trust.now()?;
    let now = u64::try_from(now.0).map_err(|_| usage("time before 1970".into()))?;
    let trust = trust_files::load(&args.trust.options())?;
    let verifier = rp::one_shot_verifier(signer, &challenge, ephemeral, trust.store)?;
    for path in &args.enrolment {
        let record = Zeroizing::new(read_input(path)?);
        verifier.accept_enrolment(&record, now).map_err(|e| {
            CliError::new(
                rp::RECEIPT_REJECTED,
                format!("{}: enrolment record refused: {e}", path.display()),
            )
        })?;
    }
    let verified = verifier
        .verify(&envelope, now)
        .map_err(|e| CliError::new(rp::RECEIPT_REJECTED, format!("receipt REJECTED: {e}")))?;
    let text = rp::verdict_text(&verified, args.show_values);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::new(exit::OTHER, format!("writing to stdout: {e}")))?;
    Ok(exit::OK)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Readers => readers().map(|()| exit::OK),
        Command::Read(args) => read(args),
        Command::Demo(args) => demo(args),
        Command::Pa(args) => pa_command(args),
        Command::Inspect(args) => inspect_command(args),
        Command::Probe(args) => probe_command(args),
        Command::Qr(QrCommand::Issue(args)) => qr_issue(args),
        Command::Qr(QrCommand::Scan(args)) => qr_scan(args),
        Command::Receipt(ReceiptCommand::Verify(args)) => receipt_verify(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("monid: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}
