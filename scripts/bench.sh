#!/usr/bin/env bash
# Runs the read-strategy benchmark (docs/benchmarks.md), then, if valgrind is installed, counts
# the instructions of one read per configuration with callgrind (deterministic, unlike CPU time).
# Usage: scripts/bench.sh [--iters N]
set -euo pipefail
cd "$(dirname "$0")/.."

cargo bench -p monid-vchip --bench read_strategies -- "$@"

if ! command -v valgrind >/dev/null; then
    echo "valgrind not installed: instruction counts skipped"
    exit 0
fi
bin=$(cargo bench -p monid-vchip --bench read_strategies --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*read_strategies[^"]*\)".*/\1/p' | tail -1)
out=$(mktemp -d)
echo
echo "| scenario | strategy | instructions per read (callgrind, read_once inclusive) | of which in the virtual chip |"
echo "|---|---|---:|---:|"
for s in A B C; do
    for st in adaptive 160 df; do
        f="$out/cg.$s.$st"
        valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect='*read_once*' \
            "$bin" --once "$s" "$st" >/dev/null 2>&1
        ann=$(callgrind_annotate --inclusive=yes "$f")
        total=$(awk '/read_strategies::read_once/ {print $1; exit}' <<<"$ann")
        chip=$(awk '/VirtualChip as monid_core::transport::Transport>::transceive/ {print $1; exit}' <<<"$ann")
        echo "| $s | $st | $total | $chip |"
    done
done
rm -rf "$out"
