#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a short time, from a copy of the committed seeds.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 20)
#   FUZZ_TARGETS="tlv mrz" scripts/fuzz.sh 60   (a subset)
#
# cargo-fuzz needs nightly-only rustc flags (-Z sanitizer, -C passes=sancov); on the stable
# toolchain they are unlocked with RUSTC_BOOTSTRAP=1, for the fuzz build only. The targets are
# built without a sanitizer (monid-core forbids unsafe code; ASan would halve the exec rate) and
# with debug assertions, so integer overflow panics. Exits non-zero on any crash, hang (10 s per
# input) or out-of-memory (2 GiB), printing the reproducer's path; replay one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -a <target> <artifact>
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

FLAGS=(-s none -a)
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

passed=0
failed=0
for t in $TARGETS; do
    corpus="$WORK/corpus/$t"
    artifacts="$WORK/artifacts/$t/"
    mkdir -p "$corpus" "$artifacts"
    if [ -d "fuzz/seeds/$t" ]; then
        cp fuzz/seeds/"$t"/* "$corpus"/
    fi
    case "$t" in
        mrz) max_len=1024 ;;
        *) max_len=70000 ;;
    esac
    log="$WORK/$t.log"
    set +e
    cargo fuzz run "${FLAGS[@]}" "$t" "$corpus" -- \
        -max_total_time="$SECS" -rss_limit_mb=2048 -max_len="$max_len" -timeout=10 \
        -artifact_prefix="$artifacts" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    set -e
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ "$rc" -eq 0 ]; then
        echo "fuzz $t: ok (${execs:-?} execs, ${rate:-?}/s)"
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "fuzz $t: FAILED (exit $rc)"
        grep -E "panicked at|ERROR: libFuzzer|SUMMARY" "$log" | head -5 | sed 's/^/    /'
        for a in "$artifacts"*; do
            [ -e "$a" ] && echo "    reproducer: $a"
        done
        echo "    log: $log"
    fi
done
echo "fuzz: ${SECS} s per target, $(( $(date +%s) - start )) s in all"
echo "fuzz: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
