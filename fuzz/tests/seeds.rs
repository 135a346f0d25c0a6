//! Replays the committed seeds (and any saved crash reproducers) through every target, then a
//! short deterministic mutation loop around them. Runs on stable Rust without libFuzzer:
//!
//! ```text
//! cargo test --manifest-path fuzz/Cargo.toml --no-default-features
//! ```
//!
//! `MONID_FUZZ_ITERS` sets the mutations per target (default 300, 3000 with `--release`).

use std::fs;
use std::path::Path;

use monid_fuzz::TARGETS;

fn inputs(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    paths
        .iter()
        .filter(|p| p.is_file())
        .filter_map(|p| fs::read(p).ok())
        .collect()
}

/// xorshift64*: a fixed-seed generator, so every run mutates the same way.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INTERESTING: [u8; 10] = [0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF, 0x90, 0x61];

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
    for _ in 0..=rng.below(4) {
        let len = input.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 if len > 0 => {
                input.truncate(rng.below(len));
            }
            3 => {
                let i = rng.below(len + 1);
                input.insert(i, rng.next() as u8);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                input.remove(i);
            }
            5 if !other.is_empty() => {
                // Splice: a prefix of this input and a suffix of another.
                let cut = rng.below(len + 1);
                let from = rng.below(other.len());
                input.truncate(cut);
                input.extend_from_slice(&other[from..]);
            }
            _ => {
                let i = rng.below(len + 1);
                let n = rng.below(8);
                let b = rng.next() as u8;
                input.splice(i..i, std::iter::repeat_n(b, n));
            }
        }
    }
}

#[test]
fn seeds_and_mutations_do_not_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let iters: usize = std::env::var("MONID_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { 300 } else { 3000 });
    for (name, target) in TARGETS {
        let seeds = inputs(&root.join("seeds").join(name));
        assert!(!seeds.is_empty(), "no seeds for {name}");
        for regression in inputs(&root.join("regressions").join(name)) {
            target(&regression);
        }
        for seed in &seeds {
            target(seed);
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
        for i in 0..iters {
            let mut input = seeds[i % seeds.len()].clone();
            let other = &seeds[rng.below(seeds.len())];
            mutate(&mut rng, &mut input, other);
            target(&input);
        }
    }
}
