//! Read-size strategies compared on the virtual CNIE (issue: "benchmark the read strategy").
//!
//! Reads EF.COM, DG1, a 20 KB DG2, DG11, DG15 and EF.SOD of the virtual CNIE over the default
//! link model (424 kbit/s, 5 ms per APDU) in three scenarios (A: extended length available,
//! B: not available, C: advertised but refused by the chip) with three strategies (the core's
//! adaptive strategy, fixed 160-byte reads, fixed 0xDF-byte reads). For each it reports APDUs,
//! bytes, modelled link time, CPU time (terminal + virtual chip, and the chip's share), the
//! link's lower bound and the targets' PASS/FAIL. The lower bound is defined in
//! `docs/benchmarks.md` and computed by [`lower_bound`].
//!
//! `cargo bench -p monid-vchip --bench read_strategies` runs everything.
//! Extra arguments (after `--`): `--iters N` (CPU-time iterations, default 50), `--trace`
//! (print every APDU of one read of each configuration), `--once A|B|C adaptive|160|df` (one
//! read, nothing printed but a one-line summary: for `valgrind --tool=callgrind`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use monid_core::access::AccessKey;
use monid_core::channel::ApduTrace;
use monid_core::files::ReadPolicy;
use monid_core::lds::FileId;
use monid_core::rand::RandomSource;
use monid_core::reader::{DocumentReader, FileSelection, RawDocument, ReadListener, ReadOptions};
use monid_core::transport::{Transport, TransportError, TransportInfo};
use monid_vchip::{LinkModel, LinkStats, Misbehaviour, Profile, VirtualChip, fid_dg};

/// The files the benchmark selects (EF.COM is always read as well).
const SELECTED: [FileId; 5] = [
    FileId::Dg1,
    FileId::Dg2,
    FileId::Dg11,
    FileId::Dg15,
    FileId::Sod,
];

/// Every file that crosses the link in a read, EF.COM included, by FID.
const READ_FIDS: [u16; 6] = [0x011E, 0x0101, 0x0102, 0x010B, 0x010F, 0x011D];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    /// Extended length advertised (EF.ATR/INFO), accepted by the chip, carried by the link.
    A,
    /// No extended length: the chip's EF.ATR/INFO advertises 261/258 bytes and it answers an
    /// extended APDU with 6700.
    B,
    /// Extended length advertised and carried by the link, but the chip refuses it (6700).
    C,
}

impl Scenario {
    const ALL: [Scenario; 3] = [Scenario::A, Scenario::B, Scenario::C];

    fn label(self) -> &'static str {
        match self {
            Scenario::A => "A extended",
            Scenario::B => "B short only",
            Scenario::C => "C ext refused",
        }
    }

    fn profile(self) -> Profile {
        // The CNIE profile with the passport's ~20 KB JPEG DG2 instead of its ~34 KB JPEG 2000.
        let passport_dg2 = Profile::passport_td3()
            .file(fid_dg(2))
            .expect("passport DG2")
            .to_vec();
        let base = Profile::cnie_td1_bac().with_file(fid_dg(2), passport_dg2);
        match self {
            Scenario::A | Scenario::C => base,
            Scenario::B => base
                .with_extended_length(false, 261, 258)
                .with_atr_info(true),
        }
    }

    fn misbehaviour(self) -> Misbehaviour {
        match self {
            Scenario::C => Misbehaviour::new().refuse_extended(),
            _ => Misbehaviour::new(),
        }
    }

    /// Whether extended length really works end to end (for the lower bound).
    fn extended_works(self) -> bool {
        self == Scenario::A
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy {
    Adaptive,
    Fixed160,
    FixedDf,
}

impl Strategy {
    const ALL: [Strategy; 3] = [Strategy::Adaptive, Strategy::Fixed160, Strategy::FixedDf];

    fn label(self) -> &'static str {
        match self {
            Strategy::Adaptive => "adaptive",
            Strategy::Fixed160 => "fixed 160",
            Strategy::FixedDf => "fixed 0xDF",
        }
    }

    fn policy(self) -> ReadPolicy {
        let fixed_chunk = match self {
            Strategy::Adaptive => None,
            Strategy::Fixed160 => Some(160),
            Strategy::FixedDf => Some(0xDF),
        };
        ReadPolicy {
            fixed_chunk,
            ..ReadPolicy::default()
        }
    }
}

/// A deterministic random source for the terminal (xorshift; not for real use).
struct BenchRandom(u64);

impl RandomSource for BenchRandom {
    fn fill(&mut self, dest: &mut [u8]) -> monid_core::error::Result<()> {
        for b in dest {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = self.0 as u8;
        }
        Ok(())
    }
}

/// One exchange as seen on the wire.
#[derive(Clone, Copy, Debug)]
struct Wire {
    header: [u8; 4],
    command_len: usize,
    response_len: usize,
    sw: u16,
}

/// The virtual chip behind a transport that measures the time spent inside the chip and,
/// optionally, records every exchange.
struct Timed<'a> {
    chip: &'a mut VirtualChip,
    chip_time: Duration,
    wire: Option<Vec<Wire>>,
}

impl Transport for Timed<'_> {
    fn transceive(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let t = Instant::now();
        let r = self.chip.transceive(command);
        self.chip_time += t.elapsed();
        if let (Some(w), Ok(resp)) = (self.wire.as_mut(), r.as_ref()) {
            let n = resp.len();
            w.push(Wire {
                header: command[..4].try_into().unwrap(),
                command_len: command.len(),
                response_len: n,
                sw: u16::from_be_bytes([resp[n - 2], resp[n - 1]]),
            });
        }
        r
    }

    fn info(&self) -> TransportInfo {
        self.chip.info()
    }
}

/// Collects the core's redacted APDU trace.
#[derive(Default)]
struct Traces(RefCell<Vec<ApduTrace>>);

impl ReadListener for Traces {
    fn apdu(&self, trace: &ApduTrace) {
        self.0.borrow_mut().push(*trace);
    }
}

struct Outcome {
    doc: RawDocument,
    link: LinkStats,
    chip_time: Duration,
    wire: Vec<Wire>,
    traces: Vec<ApduTrace>,
}

#[inline(never)]
fn read_once(profile: &Profile, scenario: Scenario, strategy: Strategy, record: bool) -> Outcome {
    let mut chip = VirtualChip::new(profile.clone())
        .with_misbehaviour(scenario.misbehaviour())
        .with_link_model(LinkModel {
            bit_rate: 424_000,
            turnaround_us: 5_000,
        });
    let key = AccessKey::mrz(
        profile.document_number(),
        profile.date_of_birth(),
        profile.date_of_expiry(),
    )
    .unwrap();
    // The read strategy only: chip and active authentication are measured elsewhere.
    let options = ReadOptions {
        files: FileSelection::Only(SELECTED.to_vec()),
        policy: strategy.policy(),
        active_authentication: false,
        chip_authentication: false,
        ..ReadOptions::default()
    };
    let mut reader = DocumentReader::new(key, options);
    let traces = Traces::default();
    let mut timed = Timed {
        chip: &mut chip,
        chip_time: Duration::ZERO,
        wire: record.then(Vec::new),
    };
    let mut rng = BenchRandom(0x9E37_79B9_7F4A_7C15);
    let doc = if record {
        reader.read_with_rng(&mut timed, &traces, &mut rng)
    } else {
        reader.read_with_rng(&mut timed, &(), &mut rng)
    }
    .unwrap_or_else(|e| panic!("{scenario:?} {strategy:?}: read failed: {e}"));
    let chip_time = timed.chip_time;
    let wire = timed.wire.take().unwrap_or_default();
    Outcome {
        doc,
        link: chip.stats(),
        chip_time,
        wire,
        traces: traces.0.into_inner(),
    }
}

// ---------------------------------------------------------------------------------------------
// The lower bound (docs/benchmarks.md, "Lower bound").

/// Length of a BER length field.
fn len_len(len: usize) -> usize {
    match len {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        _ => 4,
    }
}

/// Response data of a 3DES secure-messaging READ BINARY (B0) carrying `n` file bytes:
/// DO'87' (01 || ISO/IEC 9797-1 method 2 padded cryptogram, always at least one pad byte),
/// DO'99' (4 bytes), DO'8E' (10 bytes).
fn sm_response_data(n: usize) -> usize {
    let v = (n / 8 + 1) * 8 + 1;
    1 + len_len(v) + v + 4 + 10
}

/// Command bytes of a protected READ BINARY asking `n` bytes: header (4), Lc, DO'97' (Le of 1
/// byte for short, 2 for extended), DO'8E' (10), Le. The command data (DO'97' + DO'8E') is 13
/// or 14 bytes.
fn sm_read_command(extended: bool) -> usize {
    if extended {
        4 + 3 + 4 + 10 + 2
    } else {
        4 + 1 + 3 + 10 + 1
    }
}

/// Largest file payload one protected READ BINARY can carry: the wrapped response must fit in
/// `max_response_data` bytes (256 for a short APDU).
fn max_payload(max_response_data: usize) -> usize {
    (1..=max_response_data)
        .rev()
        .find(|&n| sm_response_data(n) <= max_response_data)
        .unwrap_or(1)
}

#[derive(Clone, Copy, Debug, Default)]
struct Bound {
    apdus: u64,
    bytes: u64,
    file_bytes: u64,
    us: f64,
}

/// The link's lower bound for reading `sizes` (file lengths) on the scenario's chip.
fn lower_bound(scenario: Scenario, profile: &Profile, sizes: &[usize], link: LinkModel) -> Bound {
    let (extended, max_resp) = if scenario.extended_works() {
        let chip = profile.transport_info().max_response_len;
        // The chip's own maximum (EF.ATR/INFO) and the link's, status word excluded.
        (true, chip.min(4096).saturating_sub(2))
    } else {
        (false, 256)
    };
    let cap = max_payload(max_resp);
    // SELECT eMRTD application (00 A4 04 0C 07 AID) / 9000; GET CHALLENGE (5) / 8 + SW;
    // EXTERNAL AUTHENTICATE (5 + 40 + Le) / 40 + SW.
    let mut apdus = 3u64;
    let mut bytes = (12 + 2) + (5 + 10) + (46 + 42);
    for &size in sizes {
        let mut left = size;
        // One READ BINARY per file, or ceil(size / cap) when the chip's response size forces it.
        while left > 0 {
            let n = left.min(cap);
            left -= n;
            apdus += 1;
            bytes += sm_read_command(extended && n > max_payload(256)) + sm_response_data(n) + 2;
        }
    }
    let us = apdus as f64 * f64::from(link.turnaround_us)
        + bytes as f64 * 8.0 * 1e6 / f64::from(link.bit_rate);
    Bound {
        apdus,
        bytes: bytes as u64,
        file_bytes: sizes.iter().sum::<usize>() as u64,
        us,
    }
}

// ---------------------------------------------------------------------------------------------

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn ins_name(h: [u8; 4]) -> &'static str {
    match h[1] {
        0xA4 => "SELECT",
        0x84 => "GET CHALLENGE",
        0x82 => "EXT AUTH",
        0xB0 if h[2] & 0x80 != 0 => "READ BINARY (SFI)",
        0xB0 => "READ BINARY",
        0xB1 => "READ BINARY (B1)",
        _ => "?",
    }
}

fn print_trace(o: &Outcome) {
    for (i, (w, t)) in o.wire.iter().zip(&o.traces).enumerate() {
        println!(
            "    {i:3} {:02X} {:02X} {:02X} {:02X} {:<18} nc={:3} ne={:>5} ext={} cmd={:4}B resp={:5}B sw={:04X} inner={}",
            w.header[0],
            w.header[1],
            w.header[2],
            w.header[3],
            ins_name(w.header),
            t.nc,
            t.ne.map_or("-".into(), |n| n.to_string()),
            u8::from(t.extended),
            w.command_len,
            w.response_len,
            w.sw,
            t.inner_sw.map_or("-".into(), |s| format!("{:04X}", s.0)),
        );
    }
}

struct Row {
    scenario: Scenario,
    strategy: Strategy,
    link: LinkStats,
    bound: Bound,
    cpu: Duration,
    chip_cpu: Duration,
    extended: bool,
    chunk: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut iters: u32 = 50;
    let mut trace = false;
    let mut once: Option<(Scenario, Strategy)> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--iters" => {
                iters = args[i + 1].parse().expect("--iters N");
                i += 1;
            }
            "--trace" => trace = true,
            "--once" => {
                let s = match args[i + 1].as_str() {
                    "A" => Scenario::A,
                    "B" => Scenario::B,
                    "C" => Scenario::C,
                    x => panic!("unknown scenario {x}"),
                };
                let st = match args[i + 2].as_str() {
                    "adaptive" => Strategy::Adaptive,
                    "160" => Strategy::Fixed160,
                    "df" => Strategy::FixedDf,
                    x => panic!("unknown strategy {x}"),
                };
                once = Some((s, st));
                i += 2;
            }
            // `cargo bench` passes --bench; anything else is ignored too.
            _ => {}
        }
        i += 1;
    }

    if let Some((s, st)) = once {
        let profile = s.profile();
        let o = read_once(&profile, s, st, false);
        println!(
            "{} {}: {} APDUs, {} files",
            s.label(),
            st.label(),
            o.link.apdus,
            o.doc.files.len()
        );
        return;
    }

    let link = LinkModel {
        bit_rate: 424_000,
        turnaround_us: 5_000,
    };
    let mut rows = Vec::new();
    for scenario in Scenario::ALL {
        let profile = scenario.profile();
        let sizes: Vec<usize> = READ_FIDS
            .iter()
            .map(|f| profile.file(*f).expect("file").len())
            .collect();
        let bound = lower_bound(scenario, &profile, &sizes, link);
        for strategy in Strategy::ALL {
            // One recorded read: counters, correctness, trace.
            let o = read_once(&profile, scenario, strategy, true);
            for (fid, size) in READ_FIDS.iter().zip(&sizes) {
                let id = FileId::ALL
                    .into_iter()
                    .find(|f| f.fid() == *fid && !f.in_master_file())
                    .unwrap();
                assert_eq!(o.doc.file(id).map(<[u8]>::len), Some(*size), "{id:?}");
                assert_eq!(o.doc.file(id), profile.file(*fid), "{id:?}");
            }
            assert_eq!(o.doc.stats.apdus, o.link.apdus, "core and chip agree");
            if trace {
                println!("{} / {}:", scenario.label(), strategy.label());
                print_trace(&o);
            }
            // CPU time: whole reads (terminal + virtual chip), and the chip's share.
            // Each read is timed on its own; the median resists the other jobs on the machine.
            let mut whole = Vec::new();
            let mut chip_part = Vec::new();
            for _ in 0..iters.max(1) {
                let start = Instant::now();
                let o = black_box(read_once(&profile, scenario, strategy, false));
                whole.push(start.elapsed());
                chip_part.push(o.chip_time);
            }
            let cpu = median(&mut whole);
            let chip_cpu = median(&mut chip_part);
            rows.push(Row {
                scenario,
                strategy,
                link: o.link,
                bound,
                cpu,
                chip_cpu,
                extended: o.doc.link.extended_length,
                chunk: o.doc.link.chunk,
            });
        }
    }

    let first = &rows[0].bound;
    println!(
        "monid read strategies: virtual CNIE, files EF.COM+DG1+DG2+DG11+DG15+EF.SOD = {} bytes \
         (sizes {:?}), link {} bit/s + {} us/APDU, CPU: median of {iters} reads",
        first.file_bytes,
        READ_FIDS
            .iter()
            .map(|f| rows[0].scenario.profile().file(*f).unwrap().len())
            .collect::<Vec<_>>(),
        link.bit_rate,
        link.turnaround_us,
    );
    println!();
    println!(
        "| scenario | strategy | APDUs | bytes to card | bytes from card | modelled ms | lower bound (APDUs, bytes, ms) | modelled / bound | APDUs / fixed-160 | APDUs vs 0xDF | CPU ms/read (chip part) | ext / chunk at end |"
    );
    println!("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|");
    let mut verdicts = Vec::new();
    for r in &rows {
        let find = |st: Strategy| {
            rows.iter()
                .find(|x| x.scenario == r.scenario && x.strategy == st)
                .unwrap()
        };
        let f160 = find(Strategy::Fixed160).link.apdus;
        let fdf = find(Strategy::FixedDf).link.apdus;
        let ratio = r.link.modelled_us as f64 / r.bound.us;
        let apdu_ratio = r.link.apdus as f64 / f160 as f64;
        println!(
            "| {} | {} | {} | {} | {} | {:.1} | {}, {}, {:.1} | {:.3} | {:.3} | {:+} | {:.2} ({:.2}) | {} / {} |",
            r.scenario.label(),
            r.strategy.label(),
            r.link.apdus,
            r.link.bytes_to_card,
            r.link.bytes_from_card,
            r.link.modelled_us as f64 / 1000.0,
            r.bound.apdus,
            r.bound.bytes,
            r.bound.us / 1000.0,
            ratio,
            apdu_ratio,
            r.link.apdus as i64 - fdf as i64,
            r.cpu.as_secs_f64() * 1000.0,
            r.chip_cpu.as_secs_f64() * 1000.0,
            if r.extended { "yes" } else { "no" },
            r.chunk,
        );
        if r.strategy == Strategy::Adaptive {
            verdicts.push(format!(
                "{}: modelled {:.3}x lower bound (target <= 1.15): {}",
                r.scenario.label(),
                ratio,
                pass(ratio <= 1.15)
            ));
            match r.scenario {
                Scenario::A => verdicts.push(format!(
                    "{}: APDUs {:.3}x fixed-160 (target <= 0.40): {}",
                    r.scenario.label(),
                    apdu_ratio,
                    pass(apdu_ratio <= 0.40)
                )),
                Scenario::B => verdicts.push(format!(
                    "{}: APDUs {} vs fixed 0xDF {} (target: never more): {}",
                    r.scenario.label(),
                    r.link.apdus,
                    fdf,
                    pass(r.link.apdus <= fdf)
                )),
                // A chip that advertises extended length and refuses it costs any strategy
                // that uses extended length at least the one refused APDU; ours probes with
                // the plain application SELECT so that it costs exactly that one.
                Scenario::C => verdicts.push(format!(
                    "{}: APDUs {} vs fixed 0xDF {} (target: at most the 1 refused probe more): {}",
                    r.scenario.label(),
                    r.link.apdus,
                    fdf,
                    pass(r.link.apdus <= fdf + 1)
                )),
            }
        }
    }
    println!();
    for v in verdicts {
        println!("{v}");
    }
}
