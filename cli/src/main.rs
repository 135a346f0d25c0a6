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
use monid_cli::session::{self, Events, ReadOutcome};
use monid_cli::trace::{self, TraceLine};
use zeroize::Zeroizing;

const SECRETS_HELP: &str = "\
Keeping the access key secret:
  The MRZ (document number, date of birth, date of expiry) opens the chip. Anything given on the
  command line (--mrz, --doc, --birth, --expiry) is visible to every user of this machine through
  `ps` and /proc/PID/cmdline, and is saved in your shell history. Prefer --mrz-stdin (e.g.
  `monid read --mrz-stdin < mrz.txt`), --mrz-env VAR, or run without any key option in a
  terminal to be prompted without echo.

Exit codes: 0 ok, 1 other error, 2 usage or invalid input, 3 wrong access key,
  4 card removed or timeout, 5 chip misbehaved or document unsupported.";

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
    /// Read the built-in virtual ID card (no hardware needed) and print what was read.
    Demo(OutputArgs),
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
    #[command(flatten)]
    output: OutputArgs,
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

fn deliver(outcome: &ReadOutcome, args: &OutputArgs) -> Result<(), CliError> {
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
        .map_err(|e| CliError::new(exit::OTHER, format!("writing to stdout: {e}")))
}

fn read(mut args: ReadArgs) -> Result<(), CliError> {
    // Validate the key (check digits, dates) before touching the reader; the raw input is
    // wiped as soon as the core's key exists.
    let key = session::access_key(&gather_key(&mut args)?)?;
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
    )?;
    outcome.summary.stats.elapsed_ms = started.elapsed().as_millis();
    drop(terminal);
    deliver(&outcome, &args.output)
}

fn demo(args: OutputArgs) -> Result<(), CliError> {
    let terminal = Terminal::new(&args);
    let started = Instant::now();
    let mut outcome = session::demo(&terminal)?;
    outcome.summary.stats.elapsed_ms = started.elapsed().as_millis();
    drop(terminal);
    deliver(&outcome, &args)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Readers => readers(),
        Command::Read(args) => read(args),
        Command::Demo(args) => demo(args),
    };
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("monid: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}
