#!/usr/bin/env bash
# scripts/ffi/test-all.sh - the FFI part of CI (called from .ci/run).
#
# Builds the cdylib once (debug, features vchip,verifier) and uniffi-bindgen, then runs the Kotlin
# JVM tests (scripts/ffi/kotlin.sh) and the Swift tests (scripts/ffi/swift.sh): the package in
# ios/ when ios/Package.swift exists, otherwise the smoke package scripts/ffi/swift-smoke (said
# so loudly). Each runner generates its bindings from the built library (library mode) into
# target/ffi/. A missing toolchain fails the run.
#
# Prints the runners' lines and a closing one:
#   kotlin: N passed, N failed
#   swift: N passed, N failed
#   ffi: N passed, N failed
# Exit status 0 only if both passed.
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE="$(dirname "${BASH_SOURCE[0]}")"

total_p=0 total_f=0 status=0
tally() { # $1 = runner output file, $2 = suite name
    local line p f
    line=$(grep -E '^(kotlin|swift): [0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
    if [ -z "$line" ]; then
        # The runner died before its summary: one failure, on a line .ci/run counts.
        echo "$2: 0 passed, 1 failed (no summary line from the runner)"
        total_f=$((total_f + 1)); status=1; return
    fi
    echo "$line"
    p=$(sed -E 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
    f=$(sed -E 's/^[a-z]+: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
    total_p=$((total_p + p)); total_f=$((total_f + f))
}

mkdir -p "$FFI_OUT"
if ! ffi_build; then
    echo "kotlin: 0 passed, 1 failed"; echo "swift: 0 passed, 1 failed"; echo "ffi: 0 passed, 2 failed"
    exit 1
fi
export FFI_SKIP_BUILD=1

"$HERE/kotlin.sh" test > "$FFI_OUT/kotlin.out" 2> "$FFI_OUT/kotlin.err" || status=1
grep -E '^FAIL' -A3 "$FFI_OUT/kotlin.out" >&2 || true
[ $status = 0 ] || tail -20 "$FFI_OUT/kotlin.err" >&2
tally "$FFI_OUT/kotlin.out" kotlin

if [ -f "$FFI_REPO/ios/Package.swift" ]; then
    "$HERE/swift.sh" test > "$FFI_OUT/swift.out" 2> "$FFI_OUT/swift.err" || status=1
else
    ffi_log "ios/Package.swift not present yet: running the Swift SMOKE package (scripts/ffi/swift-smoke) instead"
    "$HERE/swift.sh" smoke > "$FFI_OUT/swift.out" 2> "$FFI_OUT/swift.err" || status=1
fi
[ $status = 0 ] || tail -30 "$FFI_OUT/swift.err" >&2
tally "$FFI_OUT/swift.out" swift

echo "ffi: $total_p passed, $total_f failed"
[ $status = 0 ] && [ $total_f = 0 ]
