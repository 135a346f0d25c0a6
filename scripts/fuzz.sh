#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a short time, from a copy of the committed seeds.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 20)
#   FUZZ_TARGETS="tlv mrz" scripts/fuzz.sh 60   (a subset)
#   FUZZ_JOBS=1 scripts/fuzz.sh                   (one target at a time; default: one per core)
#
#   FUZZ_SANITIZER=address scripts/fuzz.sh        (ASan; about 7x fewer execs per second)
#
# The targets are built without a sanitizer by default (monid-core forbids unsafe code) and with
# debug assertions, so integer overflow panics. cargo-fuzz 0.13 builds that on the stable
# toolchain as is; a sanitizer needs the nightly-only -Z sanitizer flag, which RUSTC_BOOTSTRAP=1
# unlocks on stable (set here, for the fuzz build only). Exits non-zero on any crash, hang (10 s
# per input) or out-of-memory (2 GiB), printing the reproducer's path; replay one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -a <target> <reproducer>
# and keep it under fuzz/regressions/<target>/ (cargo test in fuzz/ replays those).
set -euo pipefail

SECS="${1:-20}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export RUSTC_BOOTSTRAP=1
export PATH="$HOME/.cargo/bin:$PATH"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo install cargo-fuzz --locked --version '^0.13' >/dev/null
fi

FLAGS=(-s "${FUZZ_SANITIZER:-none}" -a)
start=$(date +%s)
if ! cargo fuzz build "${FLAGS[@]}" >"$ROOT/fuzz/build.log" 2>&1; then
    cat "$ROOT/fuzz/build.log"
    echo "fuzz: build failed"
    exit 1
fi
built=$(date +%s)
echo "fuzz: built all targets in $((built - start)) s"

WORK="$ROOT/fuzz/run"
rm -rf "$WORK"
mkdir -p "$WORK"
TARGETS="${FUZZ_TARGETS:-$(cargo fuzz list)}"

# One target: fuzz it from a copy of its seeds, write its summary line(s) to $WORK/<t>.result.
run_target() {
    local t="$1" corpus="$WORK/corpus/$1" artifacts="$WORK/artifacts/$1/" log="$WORK/$1.log"
    local max_len=70000 rc execs rate
    mkdir -p "$corpus" "$artifacts"
    if [ -d "fuzz/seeds/$t" ]; then
        cp fuzz/seeds/"$t"/* "$corpus"/
    fi
    case "$t" in
        mrz) max_len=1024 ;;
    esac
    set +e
    cargo fuzz run "${FLAGS[@]}" "$t" "$corpus" -- \
        -max_total_time="$SECS" -rss_limit_mb=2048 -max_len="$max_len" -timeout=10 \
        -artifact_prefix="$artifacts" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    {
        if [ "$rc" -eq 0 ]; then
            echo "fuzz $t: ok (${execs:-?} execs, ${rate:-?}/s)"
        else
            echo "fuzz $t: FAILED (exit $rc)"
            grep -E "panicked at|ERROR: libFuzzer|SUMMARY" "$log" | head -5 | sed 's/^/    /'
            for a in "$artifacts"*; do
                if [ -e "$a" ]; then echo "    reproducer: $a"; fi
            done
            echo "    log: $log"
        fi
    } >"$WORK/$t.result"
    return "$rc"
}

# Targets run side by side, one per core (libFuzzer is single-threaded).
JOBS="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}"
running=0
for t in $TARGETS; do
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || true
        running=$((running - 1))
    fi
    run_target "$t" &
    running=$((running + 1))
done
wait || true

passed=0
failed=0
for t in $TARGETS; do
    cat "$WORK/$t.result"
    if grep -q ": ok (" "$WORK/$t.result"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "fuzz: ${SECS} s per target, ${JOBS} at a time, $(( $(date +%s) - start )) s in all"
echo "fuzz: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
